"""Exercise 1: an LSTM built from scratch in NumPy, trained as a character-level language model.

The exercise
------------
Implement the forward pass, backpropagation through time (BPTT), Adagrad updates,
elementwise gradient clipping and sampling of an LSTM, then check that it learns:
first on the course's "hellohello..." sanity run, then on real English text.

The equations (course notation; concat = [h_prev, x_t], h first)
-----------------------------------------------------------------
    f_t     = sigmoid(Wf . concat + bf)        forget gate   (1 = keep the old cell)
    i_t     = sigmoid(Wi . concat + bi)        input gate    (1 = write the candidate)
    C_tilde = tanh(Wc . concat + bc)           candidate cell values
    o_t     = sigmoid(Wo . concat + bo)        output gate
    C_t     = f_t * C_prev + i_t * C_tilde     cell state
    h_t     = o_t * tanh(C_t)                  hidden state
    y_t     = softmax(Wy . h_t + by)           next-token distribution
    loss    = - sum_t ln y_t[target_t]         summed cross-entropy, natural log

Shapes: Wf, Wi, Wc, Wo are (hidden_size, hidden_size + input_size); bf, bi, bc, bo are
(hidden_size,); Wy is (output_size, hidden_size) and by is (output_size,). bf starts at 1
so that a fresh cell leans towards keeping what it stores.

Batches use the same code path: `inputs` and `targets` may be (T,) or (T, B) integer
arrays, with states (hidden_size,) or (B, hidden_size). Internally a single sequence is
a batch of one, so every cache carries a batch axis (see `LSTMFromScratch.forward`).

How to run
----------
    python solution_01_lstm_implementation.py              # default demo, about a minute
    python solution_01_lstm_implementation.py --quick      # a few seconds
    python solution_01_lstm_implementation.py --gradcheck  # numerical gradient check
    python solution_01_lstm_implementation.py --text my.txt --iterations 5000

It prints the "hello" sanity run, then progress lines while it trains on the built-in
corpus (iteration, smoothed loss per character in nats, characters per second, ETA) with
a text sample now and then, and ends with a summary that includes the share of sampled
words that are real words of the corpus. It saves `ex1_loss_curve.png` under --outdir
(default outputs/).
"""

import argparse
import math
import os
import re
import sys
import time

import numpy as np
import matplotlib.pyplot as plt

# ----------------------------------------------------------------------------------------
# Defaults (all overridable from the command line)
# ----------------------------------------------------------------------------------------
SEED = 0
HIDDEN_SIZE = 100
SEQ_LENGTH = 25
LEARNING_RATE = 0.1
BATCH_SIZE = 16           # parallel streams through the text; 1 is min-char-rnn style
ITERATIONS = 1000
QUICK_ITERATIONS = 200
TEMPERATURE = 0.7         # < 1 sharpens sampling towards likely characters
CLIP_VALUE = 5.0          # elementwise gradient clipping range [-5, 5], as the course teaches
SAMPLE_LENGTH = 120        # characters per sample in the progress lines
SUMMARY_SAMPLE_LENGTH = 2000  # characters sampled for the real-word share
HELDOUT_FRACTION = 0.1    # the last 10% of the text is never trained on
OUTDIR = "outputs"

# ----------------------------------------------------------------------------------------
# Data: an English text written for this project, so that samples can show real words.
# ----------------------------------------------------------------------------------------
DEFAULT_CORPUS = """\
The river town woke slowly in the cold morning. A baker opened the door of his shop and \
set the first loaves of bread on the long wooden table by the window. The smell of warm \
bread drifted down the street, past the old stone bridge and the small green boats that \
waited by the water. A girl with a red scarf walked to the school on the hill, and she \
stopped on the bridge to watch the river carry the last leaves of the year towards the sea.

Her name was Nora, and she liked to count things. She counted the boats, the birds on the \
roof of the mill, and the steps that led from the bridge to the school. There were forty \
steps. On some days there were forty one, because she lost count when a friend called her \
name. Her teacher said that counting was the start of all science, and that a good \
question was worth more than a quick answer. Nora kept her questions in a small blue \
notebook, and every evening she read them again by the light of the kitchen lamp.

In the spring the river rose and the water came up to the road. The people of the town \
carried sand in heavy bags and built a low wall along the bank. The baker gave bread to \
everyone who worked on the wall, and the children carried water and warm tea. When the \
rain stopped, the river went down again, and the town was quiet and tired and glad. Nora \
wrote in her notebook that water always finds the lowest place, and that people find \
each other when the water is high.

In the summer the days were long and the light stayed late over the hills. The children \
swam in the slow part of the river, where the water was clear and the stones were smooth \
and round. Old men sat on the bench near the bridge and talked about the weather, the \
price of bread, and the years when the winters were colder. A cat slept on the warm wall \
of the mill, and nobody asked it to move. Nora walked along the bank with her notebook and \
wrote down the names of the plants, the colours of the stones, and the time when the \
first star came out at night.

In the autumn the wind turned and the leaves fell into the river again. The school on the \
hill opened its doors, and the teacher asked the children to write about something they \
had learned. Nora wrote about the river. She wrote that it was never the same river, \
because the water was always new, but that the town remembered it as one river, because \
the town remembered the bridge, the mill, the boats and the steps. She wrote that memory \
is what keeps a thing the same when all of its parts have changed.

The teacher read the story to the class and asked what they thought. One boy said that \
the river was just water and that was all. Another girl said that the river was the \
sound it made at night. Nora said that the river was the way the water went, and the way \
the town walked beside it. The teacher smiled and wrote a new question on the board: what \
does a river remember, and what does it forget? The children thought about it for a long \
time, and nobody gave a quick answer.

In the winter the river froze at the edges and the boats were pulled up onto the bank. \
The baker baked more bread than ever, because the cold made people hungry, and the smell \
of the shop reached all the way to the bridge. Nora counted the steps to the school once \
more, and there were forty. She wrote the number in her notebook, closed it, and walked \
up the hill in the snow, while the river went on below the ice, slow and dark and patient, \
carrying the year away to the sea.

When Nora was older she went to work at the mill with her uncle. The mill was old and \
loud, and the great wheel turned in the water from the first light of the day until the \
evening. Her uncle showed her how the water pushed the wheel, how the wheel turned the \
stones, and how the stones made flour for the bread. He said that a mill is a way of \
asking the river to work for the town, and that the river always answers, but only in \
its own time. Nora wrote down how fast the wheel turned in each season. It turned fast in \
the spring, when the water was high, and slow in the summer, when the water was low.

One day a man came from the city with a long coat and a box of papers. He said that the \
town should build a new bridge, a wide bridge for trucks, and that the old stone bridge \
was too small and too slow for the modern world. The people of the town met in the school \
to talk about it. Some said that a new bridge would bring work and money. Others said \
that the old bridge was the heart of the town, and that a heart is not something you \
replace because it is small. The baker said nothing for a long time, and then he said \
that bread is also small and slow, and that nobody wants to live without it.

Nora stood up and read from her notebook. She read the number of boats that crossed \
under the bridge each week, the number of people who walked over it each morning, and \
the days when the river had risen almost to the top of the arch. She said that the old \
bridge had stood through every flood in her notebook, and that the town should learn \
what the bridge knew before it decided to forget it. The room was quiet. Then the man \
from the city asked if he could read the notebook, and Nora gave it to him.

He read it that night in the small hotel by the square, and in the morning he walked to \
the bridge and counted the steps to the school himself. There were forty. He came back \
to the school and said that the town did not need a wide bridge in the middle, but a \
small road around the hill for the trucks, and that the old bridge should stay as it \
was. The people of the town were surprised, and the baker laughed and gave him a loaf \
of bread for the road home.

Years later, when Nora was a teacher in the school on the hill, she asked her own class \
the old question about the river. What does a river remember, and what does it forget? \
A small boy with cold hands said that the river forgets the water, because the water \
always leaves, but that it remembers the shape of the bank, because the bank stays. \
Nora wrote his answer on the board, and under it she wrote the date, and the number of \
steps from the bridge to the school, which was still forty.
"""


def build_vocab(text):
    """Map characters to integer ids.

    Args:
        text: str.
    Returns:
        (chars, char_to_id): chars is the sorted list of distinct characters, char_to_id
        the inverse dict.
    """
    chars = sorted(set(text))
    return chars, {ch: k for k, ch in enumerate(chars)}


def heldout_split(n_chars):
    """Index where the held-out tail (the last 10%, at least 2 characters) of a text begins."""
    return n_chars - max(2, int(n_chars * HELDOUT_FRACTION))


def validate_text(text, seq_length):
    """Raise ValueError unless `text` has 2+ distinct characters and, after the held-out
    tail is set aside, at least seq_length + 1 characters to train on."""
    if len(set(text)) < 2:
        raise ValueError(f"text: expected at least 2 distinct characters, got {len(set(text))}")
    if heldout_split(len(text)) < seq_length + 1:
        needed = next(n for n in range(seq_length + 3, 10 * seq_length + 30) if heldout_split(n) >= seq_length + 1)
        raise ValueError(f"text: expected at least {needed} characters (seq_length + 1 = {seq_length + 1} to train "
                         f"on, plus a 10% held-out part), got {len(text)}")


# ----------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------
def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), stable for any float input.

    exp(-|x|) lies in (0, 1], so nothing overflows, and the two branches keep full
    relative precision in both tails (1 / (1 + e) for x >= 0, e / (1 + e) for x < 0).
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_softmax(logits):
    """ln softmax over the last axis. Subtracting the max keeps exp() from overflowing,
    and working in logs keeps ln(probability) finite where the probability underflows."""
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax(logits):
    """Softmax over the last axis."""
    return np.exp(log_softmax(logits))


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")


def _check_token_ids(name, ids, size):
    """Return `ids` as an int array of shape (T,) or (T, B), or raise ValueError."""
    arr = np.asarray(ids)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name}: expected token ids of shape (T,) or (T, B), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty sequence, got shape {arr.shape}")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: expected integer token ids, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= size:
        bad = arr[(arr < 0) | (arr >= size)].flat[0]
        raise ValueError(f"{name}: expected ids in [0, {size}), got {bad}")
    return arr


def _check_state(name, state, shape):
    """Return `state` as a float64 array of `shape`, or raise ValueError."""
    arr = np.asarray(state, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected finite values, got NaN or inf")
    return arr


class LSTMFromScratch:
    """A single-layer LSTM with a softmax output layer, trained by BPTT and Adagrad.

    Args:
        input_size: D, the number of input token ids (inputs are one-hot).
        hidden_size: H, the size of h_t and C_t.
        output_size: V, the number of output classes.
        seed: seeds the weight initialisation and `sample`.
        clip_value: gradients are clipped elementwise to [-clip_value, clip_value] in
            `backward`; None switches clipping off (a gradient check needs it off).
    """

    PARAM_NAMES = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        _check_positive_int("input_size", input_size)
        _check_positive_int("hidden_size", hidden_size)
        _check_positive_int("output_size", output_size)
        if clip_value is not None and not clip_value > 0:
            raise ValueError(f"clip_value: expected a positive number or None, got {clip_value!r}")
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.clip_value = clip_value
        self.rng = np.random.default_rng(seed)

        H, D, V = hidden_size, input_size, output_size
        # Gate weights ~ N(0, 1/(H+D)): pre-activations start with unit-order variance.
        scale = 1.0 / np.sqrt(H + D)
        self.Wf = self.rng.normal(0.0, scale, (H, H + D))
        self.Wi = self.rng.normal(0.0, scale, (H, H + D))
        self.Wc = self.rng.normal(0.0, scale, (H, H + D))
        self.Wo = self.rng.normal(0.0, scale, (H, H + D))
        self.bf = np.ones(H)      # forget bias 1: remember by default
        self.bi = np.zeros(H)
        self.bc = np.zeros(H)
        self.bo = np.zeros(H)
        # A small output layer makes the first prediction nearly uniform: loss ~ T ln V.
        self.Wy = self.rng.normal(0.0, 0.01, (V, H))
        self.by = np.zeros(V)

        # Adagrad memory: running sum of squared gradients, one array per parameter.
        self.memory = {name: np.zeros_like(getattr(self, name)) for name in self.PARAM_NAMES}
        self._has_forward = False

    def forward(self, inputs, targets, h_prev, C_prev):
        """Run the LSTM over a sequence and return the summed cross-entropy.

        Args:
            inputs: int ids, (T,) for one sequence or (T, B) for a batch, in [0, input_size).
            targets: int ids with the same shape as `inputs`, in [0, output_size).
            h_prev, C_prev: the initial states, (H,) for one sequence or (B, H) for a batch.
        Returns:
            loss: float, -sum over time (and batch) of ln y_t[target_t], in nats.

        Stores the caches that `backward` consumes (B = 1 for a single sequence):
            inputs_cache (T, B, H+D)  concat = [h_prev, x_t] at each step
            h_states     (T+1, B, H)  h_states[0] = h_prev, h_states[t+1] = h_t
            C_states     (T+1, B, H)  C_states[0] = C_prev, C_states[t+1] = C_t
            f_gates, i_gates, C_tilde_cache, o_gates  (T, B, H)
            y_probs      (T, B, V)
        Raises ValueError, before changing any state, on malformed input.
        """
        H = self.hidden_size
        inputs = _check_token_ids("inputs", inputs, self.input_size)
        targets = _check_token_ids("targets", targets, self.output_size)
        if targets.shape != inputs.shape:
            raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, got {targets.shape}")
        single = inputs.ndim == 1
        state_shape = (H,) if single else (inputs.shape[1], H)
        h_prev = _check_state("h_prev", h_prev, state_shape)
        C_prev = _check_state("C_prev", C_prev, state_shape)

        X = inputs.reshape(inputs.shape[0], -1)               # (T, B)
        Y = targets.reshape(X.shape)
        T, B = X.shape
        x_onehot = np.eye(self.input_size)[X]                 # (T, B, D)

        self.inputs_cache = np.empty((T, B, H + self.input_size))
        self.h_states = np.empty((T + 1, B, H))
        self.C_states = np.empty((T + 1, B, H))
        self.f_gates = np.empty((T, B, H))
        self.i_gates = np.empty((T, B, H))
        self.C_tilde_cache = np.empty((T, B, H))
        self.o_gates = np.empty((T, B, H))
        self.y_probs = np.empty((T, B, self.output_size))
        self.h_states[0] = h_prev.reshape(B, H)
        self.C_states[0] = C_prev.reshape(B, H)
        loss = 0.0

        for t in range(T):
            concat = np.concatenate([self.h_states[t], x_onehot[t]], axis=1)   # (B, H+D)
            f_t = sigmoid(concat @ self.Wf.T + self.bf)
            i_t = sigmoid(concat @ self.Wi.T + self.bi)
            C_tilde = np.tanh(concat @ self.Wc.T + self.bc)
            o_t = sigmoid(concat @ self.Wo.T + self.bo)
            C_t = f_t * self.C_states[t] + i_t * C_tilde
            h_t = o_t * np.tanh(C_t)
            log_y = log_softmax(h_t @ self.Wy.T + self.by)              # (B, V)
            loss -= log_y[np.arange(B), Y[t]].sum()
            self.y_probs[t] = np.exp(log_y)

            self.inputs_cache[t] = concat
            self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t] = f_t, i_t, C_tilde, o_t
            self.C_states[t + 1], self.h_states[t + 1] = C_t, h_t

        self.targets_cache = Y
        self._single = single
        self._has_forward = True
        return float(loss)

    def backward(self):
        """Backpropagate the last forward's loss through time.

        Stores dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo, dWy, dby (shapes of the parameters),
        clipped elementwise to [-clip_value, clip_value] unless clip_value is None.
        Returns:
            (dh_next, dC_next): d loss / d h_prev and d loss / d C_prev, shaped like the
            h_prev and C_prev given to forward. They are not clipped.
        Raises RuntimeError if forward has not been called.
        """
        if not self._has_forward:
            raise RuntimeError("backward: call forward(inputs, targets, h_prev, C_prev) first")
        T, B, H = self.f_gates.shape
        grads = {name: np.zeros_like(getattr(self, name)) for name in self.PARAM_NAMES}
        dh_next = np.zeros((B, H))
        dC_next = np.zeros((B, H))

        for t in reversed(range(T)):
            # softmax + cross-entropy gradient: dlogits = y - onehot(target)
            dy = self.y_probs[t].copy()
            dy[np.arange(B), self.targets_cache[t]] -= 1.0
            h_t, C_t, C_prev = self.h_states[t + 1], self.C_states[t + 1], self.C_states[t]
            f_t, i_t, C_tilde, o_t = self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t]
            concat = self.inputs_cache[t]

            grads["Wy"] += dy.T @ h_t
            grads["by"] += dy.sum(axis=0)
            dh = dy @ self.Wy + dh_next                     # from the output and from step t+1
            tanh_C = np.tanh(C_t)
            do = dh * tanh_C                                # h_t = o_t * tanh(C_t)
            dC = dC_next + dh * o_t * (1.0 - tanh_C ** 2)
            df = dC * C_prev                                # C_t = f_t * C_prev + i_t * C_tilde
            di = dC * C_tilde
            dC_tilde = dC * i_t
            dC_next = dC * f_t

            # through the nonlinearities: sigmoid' = s(1-s), tanh' = 1-tanh^2
            dzf = df * f_t * (1.0 - f_t)
            dzi = di * i_t * (1.0 - i_t)
            dzc = dC_tilde * (1.0 - C_tilde ** 2)
            dzo = do * o_t * (1.0 - o_t)
            grads["Wf"] += dzf.T @ concat
            grads["bf"] += dzf.sum(axis=0)
            grads["Wi"] += dzi.T @ concat
            grads["bi"] += dzi.sum(axis=0)
            grads["Wc"] += dzc.T @ concat
            grads["bc"] += dzc.sum(axis=0)
            grads["Wo"] += dzo.T @ concat
            grads["bo"] += dzo.sum(axis=0)
            dconcat = dzf @ self.Wf + dzi @ self.Wi + dzc @ self.Wc + dzo @ self.Wo
            dh_next = dconcat[:, :H]                        # concat = [h_prev, x_t]

        for name, grad in grads.items():
            if self.clip_value is not None:
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)
            setattr(self, "d" + name, grad)
        if self._single:
            return dh_next[0], dC_next[0]
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        """One Adagrad step: memory += d**2; param -= lr * d / sqrt(memory + 1e-8).

        Each weight's effective step size lr / sqrt(memory) shrinks as its squared
        gradients accumulate.
        """
        if not learning_rate > 0:
            raise ValueError(f"learning_rate: expected a positive number, got {learning_rate!r}")
        if not hasattr(self, "dWf"):
            raise RuntimeError("update_weights: call forward and backward first")
        for name in self.PARAM_NAMES:
            grad = getattr(self, "d" + name)
            mem = self.memory[name]
            mem += grad * grad
            getattr(self, name)[...] -= learning_rate * grad / np.sqrt(mem + 1e-8)

    def sample(self, h, C, seed_idx, n, temperature=1.0, rng=None):
        """Generate n token ids, feeding each sampled id back in as the next input.

        Args:
            h, C: (H,) states to start from.
            seed_idx: the first input id.
            n: how many ids to generate.
            temperature: > 0; divides the logits (below 1 is greedier, above 1 more random).
            rng: a np.random.Generator; defaults to the model's own.
        Returns:
            list of n ints in [0, output_size). Requires input_size == output_size.
        """
        if not temperature > 0:
            raise ValueError(f"temperature: expected a positive number, got {temperature!r}")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n: expected a non-negative integer, got {n!r}")
        _check_token_ids("seed_idx", [seed_idx], self.input_size)
        h = _check_state("h", h, (self.hidden_size,))
        C = _check_state("C", C, (self.hidden_size,))
        rng = self.rng if rng is None else rng
        x = np.zeros(self.input_size)
        x[seed_idx] = 1.0
        ids = []
        for _ in range(n):
            concat = np.concatenate([h, x])
            f_t = sigmoid(self.Wf @ concat + self.bf)
            i_t = sigmoid(self.Wi @ concat + self.bi)
            C_tilde = np.tanh(self.Wc @ concat + self.bc)
            o_t = sigmoid(self.Wo @ concat + self.bo)
            C = f_t * C + i_t * C_tilde
            h = o_t * np.tanh(C)
            p = softmax((self.Wy @ h + self.by) / temperature)
            idx = int(rng.choice(self.output_size, p=p))
            x = np.zeros(self.input_size)
            x[idx] = 1.0
            ids.append(idx)
        return ids


def gradient_check(model, inputs, targets, h_prev, C_prev, eps=1e-5):
    """Compare backward() with centred differences on every entry of every parameter.

    For each parameter array, with a = analytic gradient and n = numerical gradient,
        relative error = ||a - n|| / (||a|| + ||n||)        (Frobenius norms)
    In float64 with clipping off, a correct backward gives about 1e-9 on a model whose
    parameters are of order 0.5 (see `random_gradcheck_case`); a wrong one gives 1e-3 or
    more. The error is taken per array rather than per entry because an entry near 1e-9
    cannot be resolved by finite differences of a loss near 10: rounding alone leaves
    about 1e-10 of absolute error in each numerical entry.

    Args:
        model: anything with forward/backward and PARAM_NAMES like LSTMFromScratch.
        inputs, targets, h_prev, C_prev: as for model.forward (keep them small).
        eps: the finite-difference step.
    Returns:
        dict {parameter name: relative error}.
    """
    saved_clip, model.clip_value = model.clip_value, None
    try:
        model.forward(inputs, targets, h_prev, C_prev)
        model.backward()
        errors = {}
        for name in model.PARAM_NAMES:
            param, analytic = getattr(model, name), getattr(model, "d" + name)
            numeric = np.zeros_like(param)
            for k in np.ndindex(param.shape):
                old = param[k]
                param[k] = old + eps
                loss_plus = model.forward(inputs, targets, h_prev, C_prev)
                param[k] = old - eps
                loss_minus = model.forward(inputs, targets, h_prev, C_prev)
                param[k] = old
                numeric[k] = (loss_plus - loss_minus) / (2 * eps)
            scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
            errors[name] = float(np.linalg.norm(analytic - numeric) / scale) if scale > 0 else 0.0
        return errors
    finally:
        model.clip_value = saved_clip


def random_gradcheck_case(seed, input_size=5, hidden_size=4, T=6, batch_size=None):
    """A small model with all parameters drawn from N(0, 0.5^2), plus random data and states.

    Parameters of order 0.5 keep the gates unsaturated and the gradients of order 0.1,
    well above the ~1e-10 resolution of finite differences (the fresh-model output layer
    of scale 0.01 would shrink every recurrent gradient towards that floor).
    Returns:
        (model, inputs, targets, h_prev, C_prev), batched if batch_size is given.
    """
    rng = np.random.default_rng(seed)
    model = LSTMFromScratch(input_size, hidden_size, input_size, seed=seed)
    for name in model.PARAM_NAMES:
        param = getattr(model, name)
        param[...] = rng.normal(0.0, 0.5, param.shape)
    shape = (T,) if batch_size is None else (T, batch_size)
    state_shape = (hidden_size,) if batch_size is None else (batch_size, hidden_size)
    inputs = rng.integers(0, input_size, shape)
    targets = rng.integers(0, input_size, shape)
    return model, inputs, targets, rng.normal(0, 0.5, state_shape), rng.normal(0, 0.5, state_shape)



# ----------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------
class TrainingDiverged(RuntimeError):
    """Raised when the loss stops being finite; the message says what to try."""


def format_eta(seconds):
    """Seconds -> 'm:ss'."""
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def train(model, data_ids, iterations, seq_length, learning_rate, batch_size=1, heldout_ids=None,
          log_every=0, sample_length=SAMPLE_LENGTH, temperature=TEMPERATURE, id_to_char=None, log=print):
    """Truncated BPTT over `batch_size` parallel streams through the text, with Adagrad.

    Stream b starts at offset b * len(data) / batch_size and walks forward seq_length
    characters per iteration, carrying h and C from one window to the next (the gradient
    stops at the window edge). A stream that reaches the end wraps to the start of the
    text with fresh zero states.

    Args:
        model: LSTMFromScratch with input_size == output_size == vocabulary size.
        data_ids: (N,) int array, the text as token ids.
        iterations, seq_length, learning_rate, batch_size: as named; positive.
        heldout_ids: (M,) int array of held-out text, scored with `evaluate` every
            log_every iterations and after the last one, or None. When given, the parameters
            with the lowest held-out loss are restored at the end (early stopping), since
            a small text is soon memorised and the held-out loss then rises again.
        log_every: print a progress line (and a sample if id_to_char is given) every this
            many iterations; 0 prints nothing.
        id_to_char: list mapping ids to characters, for the samples in the progress lines.
        log: callable taking one string, e.g. print.
    Returns:
        dict with
            'loss_per_char': (iterations,) loss of each window, nats per character
            'smooth_loss':   (iterations,) exponential moving average of it (weight 0.9)
            'heldout':       list of (iteration, held-out loss per char) pairs
            'seconds':       wall time of the training steps (held-out scoring excluded)
    Raises TrainingDiverged if the loss becomes NaN or inf.
    """
    data_ids = np.asarray(data_ids)
    N = len(data_ids)
    _check_positive_int("iterations", iterations)
    _check_positive_int("seq_length", seq_length)
    _check_positive_int("batch_size", batch_size)
    if N < seq_length + 1:
        raise ValueError(f"data_ids: expected at least seq_length + 1 = {seq_length + 1} ids, got {N}")
    H, T, B = model.hidden_size, seq_length, batch_size
    span = N - T                                     # a window starts in [0, span)
    offsets = (np.arange(B) * span) // B             # one start per stream
    h, C = np.zeros((B, H)), np.zeros((B, H))
    losses = np.empty(iterations)
    smooth = np.empty(iterations)
    running = math.log(model.output_size)            # the loss of a uniform guess, nats/char
    heldout = []
    best_params, best_loss = None, np.inf
    train_seconds = 0.0
    with np.errstate(over="ignore", invalid="ignore"):  # a blow-up shows as a non-finite loss
        for n in range(iterations):
            step_start = time.perf_counter()
            pos = offsets + n * T
            wrapped = (pos // span) != ((pos - T) // span) if n > 0 else np.zeros(B, dtype=bool)
            pos %= span
            h[wrapped], C[wrapped] = 0.0, 0.0        # a stream that wrapped starts afresh
            window = pos[None, :] + np.arange(T)[:, None]    # (T, B)
            loss = model.forward(data_ids[window], data_ids[window + 1], h, C)
            if not np.isfinite(loss):
                raise TrainingDiverged(
                    f"loss became {loss} at iteration {n}; try a smaller --learning-rate (now {learning_rate})")
            model.backward()
            model.update_weights(learning_rate)
            h, C = model.h_states[-1], model.C_states[-1]
            losses[n] = loss / (T * B)
            running = 0.9 * running + 0.1 * losses[n]
            smooth[n] = running
            train_seconds += time.perf_counter() - step_start

            checkpoint = n + 1 == iterations or (log_every and (n + 1) % log_every == 0)
            if checkpoint:
                rate = (n + 1) * T * B / train_seconds
                eta = train_seconds / (n + 1) * (iterations - n - 1)
                line = f"iter {n + 1}/{iterations}  loss/char {running:.2f}"
                if heldout_ids is not None:
                    heldout.append((n + 1, evaluate(model, heldout_ids)))
                    if not np.isfinite(heldout[-1][1]):
                        raise TrainingDiverged(f"held-out loss became {heldout[-1][1]} at iteration {n + 1}; "
                                               f"try a smaller --learning-rate (now {learning_rate})")
                    line += f"  held-out {heldout[-1][1]:.2f}"
                    if heldout[-1][1] < best_loss:
                        best_loss = heldout[-1][1]
                        best_params = {name: getattr(model, name).copy() for name in model.PARAM_NAMES}
                if not log_every:
                    continue
                log(f"{line}  {rate / 1000:.1f}k chars/s  eta {format_eta(eta)}")
                if id_to_char is not None:
                    ids = model.sample(h[0], C[0], int(data_ids[pos[0] + T]), sample_length, temperature)
                    log("    | " + "".join(id_to_char[k] for k in ids).replace("\n", "\n    | "))
    if best_params is not None:
        for name, value in best_params.items():
            getattr(model, name)[...] = value
    return {"loss_per_char": losses, "smooth_loss": smooth, "heldout": heldout, "seconds": train_seconds}


def test_lstm(iterations=200, hidden_size=16, learning_rate=0.1, seed=SEED, log=print):
    """The course's sanity run: learn to continue "hellohello...".

    Trains on one fixed window (inputs "hellohellohell", targets shifted by one) from
    zero states, so the loss can go close to 0.
    Returns:
        dict with 'initial_loss', 'final_loss' (summed over the window, nats), 'losses'
        (iterations,) and 'sample' (a string generated after training, seeded with 'h').
    """
    chars, char_to_id = build_vocab("helo")
    text = "hello" * 3
    ids = np.array([char_to_id[ch] for ch in text])
    inputs, targets = ids[:-1], ids[1:]
    V = len(chars)
    model = LSTMFromScratch(V, hidden_size, V, seed=seed)
    zeros = np.zeros(hidden_size)
    losses = np.empty(iterations)
    for n in range(iterations):
        losses[n] = model.forward(inputs, targets, zeros, zeros)
        model.backward()
        model.update_weights(learning_rate)
    final = model.forward(inputs, targets, zeros, zeros)
    greedy = np.random.default_rng(seed)
    sample = "h" + "".join(chars[k] for k in model.sample(zeros, zeros, char_to_id["h"], 14, 0.5, greedy))
    if log:
        log(f"hello sanity run: loss {losses[0]:.2f} -> {final:.3f} nats over {len(inputs)} characters "
            f"(uniform guess: {len(inputs) * math.log(V):.2f}) after {iterations} iterations; "
            f"sample: {sample!r}")
    return {"initial_loss": float(losses[0]), "final_loss": final, "losses": losses, "sample": sample}


# ----------------------------------------------------------------------------------------
# Analysis
# ----------------------------------------------------------------------------------------
def evaluate(model, data_ids):
    """Loss of the model on a held-out text, nats per character.

    The text is read as one sequence from zero states (forward only, no update).
    Args:
        data_ids: (N,) int array with N >= 2.
    Returns:
        float, mean cross-entropy of predicting data_ids[1:] from data_ids[:-1].
    """
    zeros = np.zeros(model.hidden_size)
    return model.forward(data_ids[:-1], data_ids[1:], zeros, zeros) / (len(data_ids) - 1)


def real_word_share(sample, corpus):
    """Share of the sample's words (3+ letters, case-folded) that occur as words in the corpus.

    Returns:
        (share, n_words): share in [0, 1] (0.0 when the sample has no such word) and the
        number of 3+-letter words found in the sample.
    """
    vocabulary = set(re.findall(r"[a-z]+", corpus.lower()))
    words = [w for w in re.findall(r"[a-z]+", sample.lower()) if len(w) >= 3]
    if not words:
        return 0.0, 0
    return sum(w in vocabulary for w in words) / len(words), len(words)


def unigram_entropy(data_ids, vocab_size):
    """Entropy of the character frequencies, nats/char: the loss of the best memoryless model."""
    p = np.bincount(data_ids, minlength=vocab_size) / len(data_ids)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def generate_text(model, id_to_char, seed_id, n, temperature, seed):
    """The seed character followed by n characters sampled from zero states."""
    zeros = np.zeros(model.hidden_size)
    rng = np.random.default_rng(seed)
    return id_to_char[seed_id] + "".join(id_to_char[k] for k in model.sample(zeros, zeros, seed_id, n, temperature, rng))


def summarize_run(history, text, split, untrained_sample, trained_sample, chars_per_iteration):
    """The numbers the demo reports, as plain data.

    Args:
        history: the dict returned by `train` (with held-out scores).
        text: the whole text; split: how many leading characters were trained on.
        untrained_sample, trained_sample: strings sampled before and after training.
        chars_per_iteration: seq_length * batch_size.
    Returns:
        dict of floats and ints (see the keys below).
    """
    chars, char_to_id = build_vocab(text)
    train_ids = np.array([char_to_id[ch] for ch in text[:split]])
    iterations = len(history["loss_per_char"])
    best_iteration, best_heldout = min(history["heldout"], key=lambda pair: pair[1])
    share_after, words_after = real_word_share(trained_sample, text)
    share_before, words_before = real_word_share(untrained_sample, text)
    return {
        "vocab_size": len(chars),
        "uniform_loss": math.log(len(chars)),
        "unigram_entropy": unigram_entropy(train_ids, len(chars)),
        "first_loss": float(history["loss_per_char"][0]),
        "final_smooth_loss": float(history["smooth_loss"][-1]),
        "iterations": iterations,
        "best_iteration": best_iteration,
        "best_heldout": best_heldout,
        "final_heldout": history["heldout"][-1][1],
        "train_chars": split,
        "chars_seen": iterations * chars_per_iteration,
        "seconds": history["seconds"],
        "ms_per_iteration": 1000 * history["seconds"] / iterations,
        "real_word_share": share_after,
        "sampled_words": words_after,
        "real_word_share_untrained": share_before,
        "sampled_words_untrained": words_before,
        "sample": trained_sample,
    }


def print_summary(summary, temperature, figure):
    """Print the end-of-run summary from `summarize_run`'s dict."""
    s = summary
    print("\nsummary")
    print(f"  training loss/char: {s['first_loss']:.2f} at the start, {s['final_smooth_loss']:.2f} at the end "
          f"(moving average); uniform guess {s['uniform_loss']:.2f}, character frequencies only "
          f"{s['unigram_entropy']:.2f}")
    if s["best_iteration"] == s["iterations"]:
        print(f"  held-out loss/char: {s['best_heldout']:.2f} at the last iteration, the lowest so far "
              f"(more --iterations may lower it further)")
    else:
        print(f"  held-out loss/char: lowest {s['best_heldout']:.2f} at iteration {s['best_iteration']} (the weights "
              f"kept for sampling), {s['final_heldout']:.2f} at iteration {s['iterations']}")
        if s["final_heldout"] > 1.05 * s["best_heldout"]:
            print(f"  the held-out loss rose by {s['final_heldout'] / s['best_heldout'] - 1:.0%} after iteration "
                  f"{s['best_iteration']} while the training loss kept falling: the model is memorising its "
                  f"{s['train_chars']}-character training text")
    print(f"  trained on {s['chars_seen']} characters ({s['chars_seen'] / s['train_chars']:.0f} passes over the "
          f"training text) in {s['seconds']:.1f} s: {s['ms_per_iteration']:.1f} ms per iteration")
    print(f"  real words in a {len(s['sample'])}-character sample (words of 3+ letters found in the text): "
          f"{s['real_word_share']:.0%} of {s['sampled_words']} after training, "
          f"{s['real_word_share_untrained']:.0%} of {s['sampled_words_untrained']} before")
    print(f"  sample (temperature {temperature}): {s['sample'][:300]!r}")
    print(f"  figure: {figure}")


# ----------------------------------------------------------------------------------------
# Plotting
# ----------------------------------------------------------------------------------------
def plot_loss_curve(history, vocab_size, unigram, path, title):
    """Save the training curve with its two baselines as a PNG at `path`."""
    fig, ax = plt.subplots(figsize=(8, 5))
    steps = np.arange(1, len(history["loss_per_char"]) + 1)
    ax.plot(steps, history["loss_per_char"], color="tab:blue", alpha=0.25, lw=0.8, label="training loss of each window")
    ax.plot(steps, history["smooth_loss"], color="tab:blue", lw=2, label="training loss, moving average")
    ax.axhline(math.log(vocab_size), color="gray", ls="--", lw=1,
               label=f"uniform guess, ln {vocab_size} = {math.log(vocab_size):.2f}")
    ax.axhline(unigram, color="tab:orange", ls=":", lw=1.5,
               label=f"character frequencies only = {unigram:.2f}")
    if history["heldout"]:
        at, loss = zip(*history["heldout"])
        ax.plot(at, loss, "o-", color="tab:red", lw=1.5, ms=4, label="held-out text (last 10%)")
        best = int(np.argmin(loss))
        ax.plot(at[best], loss[best], "*", color="black", ms=14, zorder=5, label="weights kept (lowest held-out)")
    ax.set_xlabel("training iteration")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title(title)
    ax.set_ylim(0, math.log(vocab_size) * 1.15)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8.5, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return fig


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------
class _ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage block) and exits with code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser():
    parser = _ArgumentParser(
        prog=os.path.basename(__file__),
        description="Exercise 1: an LSTM from scratch in NumPy, trained as a character-level language model.",
        epilog="Runs the 'hello' sanity check, then trains on the text (the last 10% held out) with progress "
               "lines and samples, and prints a summary with the real-word share of a sample; saves "
               "ex1_loss_curve.png under --outdir.")
    parser.add_argument("--seed", type=int, default=SEED, help="seeds initialisation and sampling (default %(default)s)")
    parser.add_argument("--iterations", type=int, default=None,
                        help=f"training iterations (default {ITERATIONS}, or {QUICK_ITERATIONS} with --quick)")
    parser.add_argument("--hidden-size", type=int, default=HIDDEN_SIZE, help="hidden units H (default %(default)s)")
    parser.add_argument("--seq-length", type=int, default=SEQ_LENGTH,
                        help="characters per BPTT window T (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help="parallel streams through the text (default %(default)s)")
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE, help="Adagrad step (default %(default)s)")
    parser.add_argument("--temperature", type=float, default=TEMPERATURE,
                        help="sampling temperature, > 0 (default %(default)s)")
    parser.add_argument("--text", metavar="FILE", help="train on this UTF-8 text file instead of the built-in corpus")
    parser.add_argument("--quick", action="store_true", help=f"a short run ({QUICK_ITERATIONS} iterations)")
    parser.add_argument("--outdir", default=OUTDIR, help="where figures are saved (default %(default)s)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="run a numerical gradient check on small random models and exit")
    parser.add_argument("--show", action="store_true", help="also open the figures in a window")
    return parser


def run_gradcheck(seed):
    """Print the per-parameter relative errors for three single and one batched random model."""
    worst = 0.0
    for k, batch_size in enumerate((None, None, None, 3)):
        model, inputs, targets, h_prev, C_prev = random_gradcheck_case(seed + k, batch_size=batch_size)
        errors = gradient_check(model, inputs, targets, h_prev, C_prev)
        label = "single sequence" if batch_size is None else f"batch of {batch_size}"
        print(f"model {k + 1} ({label}, T={len(inputs)}, D=5, H=4): "
              + "  ".join(f"{name} {err:.1e}" for name, err in errors.items()))
        worst = max(worst, max(errors.values()))
    verdict = "PASS" if worst <= 1e-7 else "FAIL"
    print(f"max relative error {worst:.2e} (tolerance 1e-7): {verdict}")
    return 0 if worst <= 1e-7 else 1


def run(args):
    """The demo. Returns the exit code."""
    for name in ("hidden_size", "seq_length", "batch_size"):
        _check_positive_int("--" + name.replace("_", "-"), getattr(args, name))
    if args.iterations is not None:
        _check_positive_int("--iterations", args.iterations)
    if not args.learning_rate > 0:
        raise ValueError(f"--learning-rate: expected a positive number, got {args.learning_rate!r}")
    if not args.temperature > 0:
        raise ValueError(f"--temperature: expected a positive number, got {args.temperature!r}")
    if args.gradcheck:
        return run_gradcheck(args.seed)
    if args.text is None:
        text, source = DEFAULT_CORPUS, "the built-in corpus"
    else:
        try:
            with open(args.text, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as err:
            raise ValueError(f"--text: cannot read {args.text!r} as UTF-8 text ({err.__class__.__name__})") from None
        source = args.text
    validate_text(text, args.seq_length)
    split = heldout_split(len(text))
    iterations = args.iterations or (QUICK_ITERATIONS if args.quick else ITERATIONS)
    os.makedirs(args.outdir, exist_ok=True)

    test_lstm(seed=args.seed)

    chars, char_to_id = build_vocab(text)
    data_ids = np.array([char_to_id[ch] for ch in text])
    train_ids, heldout_ids = data_ids[:split], data_ids[split:]
    V = len(chars)
    model = LSTMFromScratch(V, args.hidden_size, V, seed=args.seed)
    print(f"\ntraining on {source}: {split} characters (the last {len(text) - split} are held out), {V} distinct; "
          f"H={args.hidden_size}, T={args.seq_length}, batch {args.batch_size}, Adagrad lr {args.learning_rate}, "
          f"{iterations} iterations")
    print(f"initial loss should be about ln {V} = {math.log(V):.2f} nats/char")
    untrained = generate_text(model, chars, char_to_id[text[0]], SUMMARY_SAMPLE_LENGTH - 1, args.temperature,
                              args.seed)

    history = train(model, train_ids, iterations, args.seq_length, args.learning_rate, args.batch_size,
                    heldout_ids=heldout_ids, log_every=max(1, iterations // 10), temperature=args.temperature,
                    id_to_char=chars)

    sample = generate_text(model, chars, char_to_id[text[0]], SUMMARY_SAMPLE_LENGTH - 1, args.temperature, args.seed)
    summary = summarize_run(history, text, split, untrained, sample, args.seq_length * args.batch_size)
    figure = os.path.join(args.outdir, "ex1_loss_curve.png")
    plot_loss_curve(history, V, summary["unigram_entropy"], figure,
                    f"Exercise 1: LSTM (H={args.hidden_size}) on {os.path.basename(source)}")
    print_summary(summary, args.temperature, figure)
    if args.show:
        plt.show()
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.show:
        plt.switch_backend("Agg")  # headless unless --show
    try:
        return run(args)
    except ValueError as err:      # bad input: one line, exit 2, no traceback
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:
        print(f"{parser.prog}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

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
ITERATIONS = 2000
QUICK_ITERATIONS = 300
TEMPERATURE = 0.7         # < 1 sharpens sampling towards likely characters
CLIP_VALUE = 5.0          # elementwise gradient clipping range [-5, 5], as the course teaches
SAMPLE_LENGTH = 200
SUMMARY_SAMPLE_LENGTH = 2000
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


def validate_text(text, seq_length):
    """Raise ValueError unless `text` can train a model with windows of `seq_length`."""
    if len(set(text)) < 2:
        raise ValueError(f"text: expected at least 2 distinct characters, got {len(set(text))}")
    if len(text) < seq_length + 1:
        raise ValueError(
            f"text: expected at least seq_length + 1 = {seq_length + 1} characters, got {len(text)}")


# ----------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------
def sigmoid(x):
    """Logistic function, stable for any float input.

    sigmoid(x) = 0.5 * (1 + tanh(x / 2)) is the same function, but tanh saturates instead
    of overflowing, so np.exp(-x) for x = -1000 never happens.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softmax(logits):
    """Softmax over the last axis; subtracting the max keeps exp() from overflowing."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


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

        for t in range(T):
            concat = np.concatenate([self.h_states[t], x_onehot[t]], axis=1)   # (B, H+D)
            f_t = sigmoid(concat @ self.Wf.T + self.bf)
            i_t = sigmoid(concat @ self.Wi.T + self.bi)
            C_tilde = np.tanh(concat @ self.Wc.T + self.bc)
            o_t = sigmoid(concat @ self.Wo.T + self.bo)
            C_t = f_t * self.C_states[t] + i_t * C_tilde
            h_t = o_t * np.tanh(C_t)
            self.y_probs[t] = softmax(h_t @ self.Wy.T + self.by)

            self.inputs_cache[t] = concat
            self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t] = f_t, i_t, C_tilde, o_t
            self.C_states[t + 1], self.h_states[t + 1] = C_t, h_t

        self.targets_cache = Y
        self._single = single
        self._has_forward = True
        p_target = np.take_along_axis(self.y_probs, Y[:, :, None], axis=2)
        return float(-np.log(p_target).sum())

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

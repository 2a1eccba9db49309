"""Exercise 3: a gate ablation study. Which LSTM gate matters, measured with error bars.

The exercise
------------
Remove one gate at a time from the LSTM and measure what each removal costs, against the
full LSTM and a vanilla RNN, with the same hyperparameters, iteration budget and seeds for
every model. The comparison covers training loss, convergence speed, sample quality and
long-range memory. Every model here really trains (BPTT + Adagrad) and passes a numerical
gradient check; every finding the demo prints is computed from the run.

The models (course notation; concat = [h_prev, x_t], h first)
--------------------------------------------------------------
    LSTM              f_t     = sigmoid(Wf . concat + bf)      forget gate
                      i_t     = sigmoid(Wi . concat + bi)      input gate
                      C_tilde = tanh(Wc . concat + bc)         candidate
                      o_t     = sigmoid(Wo . concat + bo)      output gate
                      C_t     = f_t * C_prev + i_t * C_tilde
                      h_t     = o_t * tanh(C_t)
    LSTMNoForgetGate  f_t = 1:  C_t = C_prev + i_t * C_tilde    (no Wf, bf)
    LSTMNoInputGate   i_t = 1:  C_t = f_t * C_prev + C_tilde    (no Wi, bi)
    LSTMNoOutputGate  o_t = 1:  h_t = tanh(C_t)                 (no Wo, bo)
    VanillaRNN        h_t = tanh(Wh . concat + bh)
    every model       y_t = softmax(Wy . h_t + by),  loss = - sum_t ln y_t[target_t]  (nats)

A removed gate is one switch (`LSTM.REMOVED_GATE`) in one LSTM implementation: the gate
is exactly 1 at every step and owns no parameters, so the parameter counts show it.
All models share the hidden size H, as in Greff et al. (2017), so an ablated LSTM has
fewer parameters than the full one.

The study (`run_ablation_study`)
--------------------------------
For every model and every seed (the seed fixes the initialisation and the data order):
  1. Language model: train on the first 90% of a built-in English text (parallel streams,
     truncated BPTT, state carried between windows), then measure the loss per character
     (nats) on the held-out last 10%, read as one continuous stream.
  2. Memory task: a fresh model of the same class reads a "recall" symbol, then `delay`
     random distractor symbols, then a query symbol, and must output the recall symbol at
     the query (the blank symbol everywhere else). The long-range score is the accuracy of
     that recall on held-out sequences (chance = 1 / number of recall symbols).
`analyze_results` turns the runs into mean +- std per model, a ranking, and marks for the
differences that are smaller than the seed-to-seed spread.

How to run
----------
    python exercise_03_solution.py                 # default study, 5 models x 5 seeds, ~2 min
    python exercise_03_solution.py --quick         # smoke run: 5 models x 3 seeds, small budgets, ~6 s
    python exercise_03_solution.py --seeds 10 --delay 30
    python exercise_03_solution.py --models LSTM LSTMNoForgetGate

It prints one progress line per run, then a table (parameters, held-out and final training
loss, iterations to the loss threshold, recall accuracy, real-word share of a sample, time
per run), a generated sample per model and a verdict computed from the numbers: the
ranking, each model's cost against the full LSTM with the seed spread beside it, the most
costly gate removal and the models that recall above chance. It saves
`ex3_comparison.png` (4 panels) under --outdir (default outputs/).
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
MODEL_NAMES = ("VanillaRNN", "LSTM", "LSTMNoForgetGate", "LSTMNoInputGate", "LSTMNoOutputGate")
SEED = 0
N_SEEDS = 5
HIDDEN_SIZE = 32
SEQ_LENGTH = 25
BATCH_SIZE = 16           # parallel streams through the training text
LEARNING_RATE = 0.1       # Adagrad, as in Exercise 1
ITERATIONS = 700          # language-model updates per run: near the full LSTM's held-out minimum
                          # (2-seed scan: lowest mean at 700, within 0.035 of it from 500 to 850);
                          # the 5,514-character training text is overfit after that
CLIP_VALUE = 5.0          # elementwise gradient clipping to [-5, 5], as the course teaches
HELDOUT_FRACTION = 0.1    # the last 10% of the text is never trained on
EVAL_EVERY = 25           # held-out loss is measured every 25 updates
LOSS_THRESHOLD = 2.0      # nats/char; "converged" = smoothed training loss first at or below it
                          # (a unigram model of the corpus scores 2.87, uniform guessing ln 41 = 3.71;
                          # see unigram_loss_per_char)
SMOOTHING = 0.05          # EMA weight of the newest iteration in the smoothed training loss
# Memory task: recall the first symbol after `delay` distractors.
DELAY = 20
N_RECALL_SYMBOLS = 4      # chance accuracy = 1/4
N_DISTRACTOR_SYMBOLS = 4
MEMORY_HIDDEN_SIZE = 32
MEMORY_BATCH_SIZE = 32
MEMORY_ITERATIONS = 1500  # with 800, two of five full-LSTM seeds still sat on a 75% plateau
MEMORY_EVAL_SEQUENCES = 200  # enough to tell 25% from 100%; far larger batches make BLAS spin threads
MEMORY_EVAL_SEED = 12345  # one fixed held-out set shared by every model and seed
SAMPLE_LENGTH = 200
TEMPERATURE = 0.7
QUICK = dict(n_seeds=3, iterations=60, memory_iterations=120, delay=10)
OUTDIR = "outputs"

# ----------------------------------------------------------------------------------------
# Data: the English text of Exercise 1, and the memory task.
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
        (chars, char_to_id): the sorted list of distinct characters and its inverse dict.
    """
    chars = sorted(set(text))
    return chars, {ch: k for k, ch in enumerate(chars)}


def split_corpus(text, heldout_fraction=HELDOUT_FRACTION):
    """Encode `text` and split it into a training part and a held-out tail.

    Returns:
        (chars, train_ids (N_train,), heldout_ids (N_heldout,)): int arrays of char ids.
    """
    chars, char_to_id = build_vocab(text)
    ids = np.array([char_to_id[ch] for ch in text])
    n_heldout = int(len(ids) * heldout_fraction)
    return chars, ids[:-n_heldout], ids[-n_heldout:]


def unigram_loss_per_char(text):
    """Loss per character (nats) of a unigram model fitted to `text` and scored on it:
    the entropy -sum_c p(c) ln p(c) of the character frequencies. A language model that
    only learned which characters are common scores this; below it, the model uses context.
    """
    counts = np.unique(list(text), return_counts=True)[1]
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def real_word_share(sample, text):
    """Share of the words (3+ letters, lower-cased) in `sample` that also occur in `text`.

    A crude sample-quality score: 1.0 means every word the model spelled is a real word of
    the corpus. Returns NaN when the sample has no such word.
    """
    words = re.findall(r"[a-z]{3,}", sample.lower())
    if not words:
        return float("nan")
    vocabulary = set(re.findall(r"[a-z]{3,}", text.lower()))
    return sum(w in vocabulary for w in words) / len(words)


def memory_task_sizes():
    """(input_size, output_size) of the memory task.

    Inputs: recall symbols 0..K-1, distractors K..K+N-1, the query K+N.
    Outputs: recall symbols 0..K-1 and the blank K.
    """
    return N_RECALL_SYMBOLS + N_DISTRACTOR_SYMBOLS + 1, N_RECALL_SYMBOLS + 1


def make_memory_batch(rng, batch_size, delay):
    """Sequences "recall symbol, `delay` distractors, query" with the recall as last target.

    Args:
        rng: np.random.Generator.
        batch_size: B.
        delay: d, the number of distractor steps between the recall symbol and the query.
    Returns:
        (inputs, targets): int arrays (d + 2, B). targets is the blank symbol at every step
        but the last, where it is the recall symbol (inputs[0]).
    """
    K, N = N_RECALL_SYMBOLS, N_DISTRACTOR_SYMBOLS
    recall = rng.integers(0, K, batch_size)
    inputs = np.empty((delay + 2, batch_size), dtype=np.int64)
    inputs[0] = recall
    inputs[1:-1] = rng.integers(K, K + N, (delay, batch_size))
    inputs[-1] = K + N
    targets = np.full_like(inputs, K)
    targets[-1] = recall
    return inputs, targets


# ----------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------
def sigmoid(x):
    """Logistic function, stable for any float input: 0.5 * (1 + tanh(x / 2)) never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softmax(logits):
    """Softmax over the last axis; subtracting the max keeps exp() from overflowing."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")


def _check_positive_number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value > 0 \
            or not math.isfinite(value):
        raise ValueError(f"{name}: expected a positive number, got {value!r}")


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


class RecurrentModel:
    """What every model of the study shares: the softmax output layer, the summed
    cross-entropy, elementwise clipping, Adagrad and sampling.

    A subclass defines STATE_NAMES, its recurrent parameters, `_recurrence` (forward over
    time, storing its caches) and `_recurrence_backward` (its mirror).

    Args:
        input_size: D, the number of input token ids (inputs are one-hot).
        hidden_size: H, the size of h_t (and C_t).
        output_size: V, the number of output classes.
        seed: seeds the weight initialisation and `sample`.
        clip_value: gradients are clipped elementwise to [-clip_value, clip_value] in
            `backward`; None switches clipping off (a gradient check needs it off).
    """

    STATE_NAMES = ()

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        _check_positive_int("input_size", input_size)
        _check_positive_int("hidden_size", hidden_size)
        _check_positive_int("output_size", output_size)
        if clip_value is not None:
            _check_positive_number("clip_value", clip_value)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.clip_value = clip_value
        self.rng = np.random.default_rng(seed)
        self._has_forward = False

    def _init_output_layer_and_memory(self):
        # A small output layer makes the first prediction nearly uniform: loss ~ T ln V.
        self.Wy = self.rng.normal(0.0, 0.01, (self.output_size, self.hidden_size))
        self.by = np.zeros(self.output_size)
        # Adagrad memory: running sum of squared gradients, one array per parameter.
        self.memory = {name: np.zeros_like(getattr(self, name)) for name in self.PARAM_NAMES}

    @property
    def n_params(self):
        """Number of trainable scalars (a removed gate contributes none)."""
        return int(sum(getattr(self, name).size for name in self.PARAM_NAMES))

    def zero_state(self, batch_size=None):
        """Zero initial states: a tuple of (H,) arrays, or of (B, H) arrays for a batch."""
        shape = (self.hidden_size,) if batch_size is None else (batch_size, self.hidden_size)
        return tuple(np.zeros(shape) for _ in self.STATE_NAMES)

    def final_state(self):
        """The states after the last forward step, shaped like the states given to forward."""
        states = tuple(getattr(self, name + "_states")[-1] for name in self.STATE_NAMES)
        return tuple(s[0] for s in states) if self._single else states

    def forward(self, inputs, targets, *state):
        """Run the model over a sequence and return the summed cross-entropy.

        Args:
            inputs: int ids, (T,) for one sequence or (T, B) for a batch, in [0, input_size).
            targets: int ids with the same shape as `inputs`, in [0, output_size).
            *state: the initial states named in STATE_NAMES ((h_prev,) for VanillaRNN,
                (h_prev, C_prev) for the LSTMs), each (H,) for one sequence or (B, H).
        Returns:
            loss: float, -sum over time (and batch) of ln y_t[target_t], in nats.
        Stores the caches of `_recurrence` and y_probs (T, B, V), B = 1 for one sequence.
        Raises ValueError, before changing any state, on malformed input.
        """
        inputs = _check_token_ids("inputs", inputs, self.input_size)
        targets = _check_token_ids("targets", targets, self.output_size)
        if targets.shape != inputs.shape:
            raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, got {targets.shape}")
        if len(state) != len(self.STATE_NAMES):
            raise ValueError(f"state: expected {len(self.STATE_NAMES)} arrays "
                             f"({', '.join(n + '_prev' for n in self.STATE_NAMES)}), got {len(state)}")
        single = inputs.ndim == 1
        state_shape = (self.hidden_size,) if single else (inputs.shape[1], self.hidden_size)
        state = [_check_state(name + "_prev", s, state_shape) for name, s in zip(self.STATE_NAMES, state)]

        X = inputs.reshape(inputs.shape[0], -1)                  # (T, B)
        Y = targets.reshape(X.shape)
        B = X.shape[1]
        h_seq = self._recurrence(X, [s.reshape(B, self.hidden_size) for s in state])  # (T, B, H)
        logits = h_seq @ self.Wy.T + self.by                     # (T, B, V)
        z = logits - logits.max(axis=-1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))   # log-softmax: never ln 0
        self.y_probs = np.exp(log_probs)
        self.targets_cache = Y
        self._single = single
        self._has_forward = True
        return float(-np.take_along_axis(log_probs, Y[:, :, None], axis=2).sum())

    def backward(self):
        """Backpropagate the last forward's loss through time.

        Stores d<name> for every name in PARAM_NAMES (shape of the parameter), clipped
        elementwise to [-clip_value, clip_value] unless clip_value is None, and grad_norm,
        the global L2 norm of all gradients before clipping.
        Returns:
            the gradients of the loss w.r.t. the initial states, a tuple shaped like the
            states given to forward (not clipped).
        Raises RuntimeError if forward has not been called.
        """
        if not self._has_forward:
            raise RuntimeError("backward: call forward(inputs, targets, *state) first")
        T, B, _ = self.y_probs.shape
        # softmax + cross-entropy gradient: dlogits = y - onehot(target), all steps at once
        dy = self.y_probs.copy()
        dy[np.arange(T)[:, None], np.arange(B)[None, :], self.targets_cache] -= 1.0
        h_seq = self.h_states[1:]                                # (T, B, H)
        grads = {"Wy": np.tensordot(dy, h_seq, axes=([0, 1], [0, 1])),   # (V, H)
                 "by": dy.sum(axis=(0, 1))}
        dh_from_output = dy @ self.Wy                            # (T, B, H)
        dstate = self._recurrence_backward(dh_from_output, grads)

        self.grad_norm = float(np.sqrt(sum((g * g).sum() for g in grads.values())))
        for name in self.PARAM_NAMES:
            grad = grads[name]
            if self.clip_value is not None:
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)
            setattr(self, "d" + name, grad)
        return tuple(d[0] for d in dstate) if self._single else tuple(dstate)

    def update_weights(self, learning_rate):
        """One Adagrad step: memory += d**2; param -= lr * d / sqrt(memory + 1e-8)."""
        _check_positive_number("learning_rate", learning_rate)
        if not hasattr(self, "d" + self.PARAM_NAMES[0]):
            raise RuntimeError("update_weights: call forward and backward first")
        for name in self.PARAM_NAMES:
            grad = getattr(self, "d" + name)
            mem = self.memory[name]
            mem += grad * grad
            getattr(self, name)[...] -= learning_rate * grad / np.sqrt(mem + 1e-8)

    def sample(self, state, seed_idx, n, temperature=1.0, rng=None):
        """Generate n token ids, feeding each sampled id back in as the next input.

        Args:
            state: tuple of (H,) states to start from (see STATE_NAMES).
            seed_idx: the first input id.
            n: how many ids to generate.
            temperature: > 0; divides the logits (below 1 is greedier).
            rng: a np.random.Generator; defaults to the model's own.
        Returns:
            list of n ints in [0, output_size). Requires input_size == output_size.
            Overwrites the caches of the last forward (call forward again before backward).
        """
        _check_positive_number("temperature", temperature)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n: expected a non-negative integer, got {n!r}")
        _check_token_ids("seed_idx", [seed_idx], self.input_size)
        if self.input_size != self.output_size:
            raise ValueError(f"sample: expected input_size == output_size, got {self.input_size} "
                             f"and {self.output_size}")
        if len(state) != len(self.STATE_NAMES):
            raise ValueError(f"state: expected {len(self.STATE_NAMES)} arrays, got {len(state)}")
        state = [_check_state(name, s, (self.hidden_size,)).reshape(1, -1)
                 for name, s in zip(self.STATE_NAMES, state)]
        rng = self.rng if rng is None else rng
        self._has_forward = False
        ids, idx = [], seed_idx
        for _ in range(n):
            h_t = self._recurrence(np.array([[idx]]), state)[0, 0]
            state = [getattr(self, name + "_states")[-1] for name in self.STATE_NAMES]
            p = softmax((self.Wy @ h_t + self.by) / temperature)
            idx = int(rng.choice(self.output_size, p=p))
            ids.append(idx)
        return ids


class VanillaRNN(RecurrentModel):
    """h_t = tanh(Wh . concat + bh), concat = [h_prev, x_t]; the baseline without gates.

    Parameters: Wh (H, H+D), bh (H,), Wy (V, H), by (V,). See RecurrentModel for the args.
    """

    STATE_NAMES = ("h",)
    PARAM_NAMES = ("Wh", "bh", "Wy", "by")

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        super().__init__(input_size, hidden_size, output_size, seed, clip_value)
        H, D = hidden_size, input_size
        # N(0, 1/(H+D)): pre-activations start with unit-order variance, as for the LSTM gates.
        self.Wh = self.rng.normal(0.0, 1.0 / np.sqrt(H + D), (H, H + D))
        self.bh = np.zeros(H)
        self._init_output_layer_and_memory()

    def _recurrence(self, X, state):
        """Forward over time.

        Args:
            X: int ids (T, B). state: [h_prev (B, H)].
        Returns:
            h_seq (T, B, H). Stores inputs_cache (T, B, H+D) and h_states (T+1, B, H).
        """
        T, B = X.shape
        H = self.hidden_size
        x_onehot = np.eye(self.input_size)[X]                   # (T, B, D)
        self.inputs_cache = np.empty((T, B, H + self.input_size))
        self.h_states = np.empty((T + 1, B, H))
        self.h_states[0] = state[0]
        for t in range(T):
            concat = np.concatenate([self.h_states[t], x_onehot[t]], axis=1)   # (B, H+D)
            self.h_states[t + 1] = np.tanh(concat @ self.Wh.T + self.bh)
            self.inputs_cache[t] = concat
        return self.h_states[1:]

    def _recurrence_backward(self, dh_from_output, grads):
        """Mirror of `_recurrence`: adds dWh, dbh to `grads`; returns [dh_prev (B, H)]."""
        T, B, H = dh_from_output.shape
        dz = np.empty((T, B, H))                                 # d loss / d pre-activation
        dh_next = np.zeros((B, H))
        for t in reversed(range(T)):
            dh = dh_from_output[t] + dh_next                     # from the output and from step t+1
            dz[t] = dh * (1.0 - self.h_states[t + 1] ** 2)       # tanh' = 1 - tanh^2
            dh_next = (dz[t] @ self.Wh)[:, :H]                   # concat = [h_prev, x_t]
        grads["Wh"] = np.tensordot(dz, self.inputs_cache, axes=([0, 1], [0, 1]))
        grads["bh"] = dz.sum(axis=(0, 1))
        return [dh_next]


class LSTM(RecurrentModel):
    """The full LSTM of Exercise 1; REMOVED_GATE = "f", "i" or "o" removes one gate.

    A removed gate is exactly 1 at every step (its cache is all ones) and has no W or b,
    so PARAM_NAMES and n_params leave it out and backward does not touch it. This class
    attribute is the only difference between the five-model study's LSTM variants.

    Parameters: W<g> (H, H+D) and b<g> (H,) for each kept gate g and for the candidate c;
    bf starts at 1; Wy (V, H), by (V,). See RecurrentModel for the args.
    """

    REMOVED_GATE = None
    STATE_NAMES = ("h", "C")

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        super().__init__(input_size, hidden_size, output_size, seed, clip_value)
        H, D = hidden_size, input_size
        self.layers = tuple(g for g in ("f", "i", "c", "o") if g != self.REMOVED_GATE)
        self.PARAM_NAMES = tuple(p + g for g in self.layers for p in ("W", "b")) + ("Wy", "by")
        # Gate weights ~ N(0, 1/(H+D)): pre-activations start with unit-order variance.
        for g in self.layers:
            setattr(self, "W" + g, self.rng.normal(0.0, 1.0 / np.sqrt(H + D), (H, H + D)))
            setattr(self, "b" + g, np.zeros(H))
        if "f" in self.layers:
            self.bf[...] = 1.0     # forget bias 1: remember by default
        self._init_output_layer_and_memory()

    def _gate(self, g, concat):
        """sigmoid(W_g . concat + b_g), (B, H); exactly 1 if g is the removed gate."""
        if g == self.REMOVED_GATE:
            return np.ones((concat.shape[0], self.hidden_size))
        return sigmoid(concat @ getattr(self, "W" + g).T + getattr(self, "b" + g))

    def _recurrence(self, X, state):
        """Forward over time.

        Args:
            X: int ids (T, B). state: [h_prev (B, H), C_prev (B, H)].
        Returns:
            h_seq (T, B, H). Stores inputs_cache (T, B, H+D), h_states and C_states
            (T+1, B, H), f_gates, i_gates, C_tilde_cache, o_gates (T, B, H).
        """
        T, B = X.shape
        H = self.hidden_size
        x_onehot = np.eye(self.input_size)[X]                   # (T, B, D)
        self.inputs_cache = np.empty((T, B, H + self.input_size))
        self.h_states = np.empty((T + 1, B, H))
        self.C_states = np.empty((T + 1, B, H))
        self.f_gates = np.empty((T, B, H))
        self.i_gates = np.empty((T, B, H))
        self.C_tilde_cache = np.empty((T, B, H))
        self.o_gates = np.empty((T, B, H))
        self.h_states[0], self.C_states[0] = state

        for t in range(T):
            concat = np.concatenate([self.h_states[t], x_onehot[t]], axis=1)   # (B, H+D)
            f_t = self._gate("f", concat)
            i_t = self._gate("i", concat)
            C_tilde = np.tanh(concat @ self.Wc.T + self.bc)
            o_t = self._gate("o", concat)
            C_t = f_t * self.C_states[t] + i_t * C_tilde
            h_t = o_t * np.tanh(C_t)

            self.inputs_cache[t] = concat
            self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t] = f_t, i_t, C_tilde, o_t
            self.C_states[t + 1], self.h_states[t + 1] = C_t, h_t
        return self.h_states[1:]

    def _recurrence_backward(self, dh_from_output, grads):
        """Mirror of `_recurrence`: adds dW<g>, db<g> for the kept layers to `grads`;
        returns [dh_prev (B, H), dC_prev (B, H)]."""
        T, B, H = dh_from_output.shape
        # d loss / d pre-activation of each layer (sigmoid or tanh argument), per step
        dz = {g: np.empty((T, B, H)) for g in self.layers}
        dh_next = np.zeros((B, H))
        dC_next = np.zeros((B, H))

        for t in reversed(range(T)):
            C_t, C_prev = self.C_states[t + 1], self.C_states[t]
            f_t, i_t, C_tilde, o_t = self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t]

            dh = dh_from_output[t] + dh_next                     # from the output and from step t+1
            tanh_C = np.tanh(C_t)
            do = dh * tanh_C                                     # h_t = o_t * tanh(C_t)
            dC = dC_next + dh * o_t * (1.0 - tanh_C ** 2)
            df = dC * C_prev                                     # C_t = f_t * C_prev + i_t * C_tilde
            di = dC * C_tilde
            dC_tilde = dC * i_t
            dC_next = dC * f_t

            # through the nonlinearities: sigmoid' = s(1-s), tanh' = 1-tanh^2
            dzc = dz["c"][t]
            dzc[...] = dC_tilde * (1.0 - C_tilde ** 2)
            dconcat = dzc @ self.Wc
            for g, d_gate, gate in (("f", df, f_t), ("i", di, i_t), ("o", do, o_t)):
                if g != self.REMOVED_GATE:                       # a removed gate is a constant
                    dz[g][t] = d_gate * gate * (1.0 - gate)
                    dconcat += dz[g][t] @ getattr(self, "W" + g)
            dh_next = dconcat[:, :H]                             # concat = [h_prev, x_t]

        for g in self.layers:                                    # sum over time and batch
            grads["W" + g] = np.tensordot(dz[g], self.inputs_cache, axes=([0, 1], [0, 1]))
            grads["b" + g] = dz[g].sum(axis=(0, 1))
        return [dh_next, dC_next]


class LSTMNoForgetGate(LSTM):
    """LSTM with f_t = 1: C_t = C_prev + i_t * C_tilde (no Wf, bf)."""
    REMOVED_GATE = "f"


class LSTMNoInputGate(LSTM):
    """LSTM with i_t = 1: C_t = f_t * C_prev + C_tilde (no Wi, bi)."""
    REMOVED_GATE = "i"


class LSTMNoOutputGate(LSTM):
    """LSTM with o_t = 1: h_t = tanh(C_t) (no Wo, bo)."""
    REMOVED_GATE = "o"


MODELS = {cls.__name__: cls for cls in (VanillaRNN, LSTM, LSTMNoForgetGate, LSTMNoInputGate,
                                        LSTMNoOutputGate)}


# ----------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------
class TrainingDiverged(RuntimeError):
    """Raised when the loss stops being finite; the message says what to try."""


def _check_finite_loss(loss, iteration, learning_rate):
    if not math.isfinite(loss):
        raise TrainingDiverged(f"loss became {loss} at iteration {iteration}; "
                               f"try a smaller --learning-rate (now {learning_rate})")


def train_language_model(model, train_ids, iterations, rng, heldout_ids=None, eval_every=EVAL_EVERY,
                         seq_length=SEQ_LENGTH, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE):
    """Truncated BPTT on `batch_size` parallel streams through the training text.

    Each stream starts at a random offset (drawn from `rng`, so the seed fixes the data
    order), carries its state from window to window, and restarts at the beginning of the
    text with a zero state when it runs off the end.

    Args:
        model: a RecurrentModel with input_size == output_size == vocabulary size.
        train_ids: int array (N,) of character ids, N > seq_length.
        iterations: number of Adagrad updates.
        rng: np.random.Generator for the stream offsets.
        heldout_ids: int array (M,) evaluated every `eval_every` updates and after the
            last one, or None.
    Returns:
        dict with "train_loss" (iterations,) loss per character (nats) of each update's
        batch, "grad_norm" (iterations,) global gradient L2 norm before clipping, and if
        heldout_ids is given, "heldout_iters" (K,) and "heldout_curve" (K,) nats/char.
    """
    positions = rng.integers(0, len(train_ids) - seq_length - 1, batch_size)   # (B,)
    state = model.zero_state(batch_size)
    train_loss = np.empty(iterations)
    grad_norm = np.empty(iterations)
    heldout_iters, heldout_curve = [], []
    offsets = np.arange(seq_length + 1)
    for it in range(iterations):
        wrapped = positions + seq_length + 1 > len(train_ids)
        positions[wrapped] = 0
        for s in state:
            s[wrapped] = 0.0
        window = train_ids[positions[None, :] + offsets[:, None]]   # (T+1, B)
        loss = model.forward(window[:-1], window[1:], *state)
        _check_finite_loss(loss, it, learning_rate)
        model.backward()
        model.update_weights(learning_rate)
        state = tuple(s.copy() for s in model.final_state())
        positions += seq_length
        train_loss[it] = loss / (seq_length * batch_size)
        grad_norm[it] = model.grad_norm
        if heldout_ids is not None and ((it + 1) % eval_every == 0 or it + 1 == iterations):
            heldout_iters.append(it + 1)
            heldout_curve.append(heldout_loss_per_char(model, heldout_ids))
    curves = {"train_loss": train_loss, "grad_norm": grad_norm}
    if heldout_ids is not None:
        curves.update(heldout_iters=np.array(heldout_iters), heldout_curve=np.array(heldout_curve))
    return curves


def heldout_loss_per_char(model, heldout_ids):
    """Loss per character (nats) on `heldout_ids` (N,), read as one stream from a zero state."""
    loss = model.forward(heldout_ids[:-1], heldout_ids[1:], *model.zero_state())
    return loss / (len(heldout_ids) - 1)


def train_memory_task(model, iterations, delay, rng, batch_size=MEMORY_BATCH_SIZE,
                      learning_rate=LEARNING_RATE):
    """Train on fresh memory-task batches (see make_memory_batch), zero state per sequence.

    Returns:
        (iterations,) loss per sequence (nats) of each update's batch.
    """
    losses = np.empty(iterations)
    for it in range(iterations):
        inputs, targets = make_memory_batch(rng, batch_size, delay)
        loss = model.forward(inputs, targets, *model.zero_state(batch_size))
        _check_finite_loss(loss, it, learning_rate)
        model.backward()
        model.update_weights(learning_rate)
        losses[it] = loss / batch_size
    return losses


def recall_accuracy(model, delay, n_sequences=MEMORY_EVAL_SEQUENCES, seed=MEMORY_EVAL_SEED):
    """Share of held-out memory-task sequences whose recall symbol is the model's argmax
    at the query step. The held-out set depends only on `seed`, not on the run."""
    inputs, targets = make_memory_batch(np.random.default_rng(seed), n_sequences, delay)
    model.forward(inputs, targets, *model.zero_state(n_sequences))
    return float(np.mean(model.y_probs[-1].argmax(axis=1) == targets[-1]))


def _validate_study_args(models, seeds, iterations, memory_iterations, delay, hidden_size,
                         learning_rate):
    """Raise ValueError on bad study arguments; returns (models list, seeds list)."""
    if isinstance(models, str):
        models = [models]
    models = list(models)
    if not models:
        raise ValueError("models: expected at least one model name, got none")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ValueError(f"models: expected names from {', '.join(MODELS)}, got {unknown[0]!r}")
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = [seeds]
    seeds = list(seeds)
    if len(seeds) < 1:
        raise ValueError(f"seeds: expected at least 1 seed, got {len(seeds)}")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seeds: expected non-negative integers, got {seed!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds: expected distinct seeds, got {seeds}")
    _check_positive_int("iterations", iterations)
    _check_positive_int("memory_iterations", memory_iterations)
    _check_positive_int("delay", delay)
    _check_positive_int("hidden_size", hidden_size)
    _check_positive_number("learning_rate", learning_rate)
    return models, seeds


def run_ablation_study(models=MODEL_NAMES, seeds=(0, 1, 2), iterations=ITERATIONS,
                       memory_iterations=MEMORY_ITERATIONS, delay=DELAY, hidden_size=HIDDEN_SIZE,
                       learning_rate=LEARNING_RATE, text=DEFAULT_CORPUS, log=print):
    """Train every model with every seed on identical data, hyperparameters and budgets.

    Args:
        models: model names (keys of MODELS).
        seeds: >= 1 distinct non-negative ints; a seed fixes the initialisation and the
            data order of a run, and every model gets the same seeds.
        iterations: language-model updates per run.
        memory_iterations: memory-task updates per run.
        delay: distractor steps in the memory task.
        hidden_size: H of the language models (the memory task uses MEMORY_HIDDEN_SIZE).
        learning_rate: Adagrad step size for everything.
        text: the corpus; its last HELDOUT_FRACTION is held out.
        log: callable taking one str per finished run, or None for silence.
    Returns:
        dict with
          "config": the arguments and constants that define the study (incl. "chance"),
          "models", "seeds": the lists,
          "chars": the vocabulary,
          "runs": {model name: [one dict per seed, in seed order]}, each run dict holding
            "seed", "n_params", "train_loss" (iterations,) nats/char, "grad_norm"
            (iterations,), "heldout_loss" nats/char, "memory_loss" (memory_iterations,)
            nats/sequence, "long_range_acc" in [0, 1], "sample" str (temperature
            TEMPERATURE), "real_word_share" of the sample, "wall_time" s.
    Raises ValueError on unknown model names, no seeds, non-positive budgets, a bad text.
    """
    models, seeds = _validate_study_args(models, seeds, iterations, memory_iterations, delay,
                                         hidden_size, learning_rate)
    if not isinstance(text, str) or len(set(text)) < 2:
        raise ValueError("text: expected a string with at least 2 distinct characters")
    chars, train_ids, heldout_ids = split_corpus(text)
    if len(train_ids) <= SEQ_LENGTH + 1 or len(heldout_ids) < 2:
        raise ValueError(f"text: expected at least {int((SEQ_LENGTH + 2) / HELDOUT_FRACTION)} "
                         f"characters, got {len(text)}")
    V = len(chars)
    D_mem, V_mem = memory_task_sizes()
    runs = {name: [] for name in models}
    total, done, start = len(models) * len(seeds), 0, time.perf_counter()
    for name in models:
        cls = MODELS[name]
        for seed in seeds:
            t0 = time.perf_counter()
            # One stream of seeds per (run seed): the same for every model.
            init_seed, data_seed, mem_init_seed, mem_data_seed, sample_seed = \
                np.random.SeedSequence(seed).generate_state(5)
            model = cls(V, hidden_size, V, seed=init_seed)
            curves = train_language_model(model, train_ids, iterations, np.random.default_rng(data_seed),
                                          heldout_ids, learning_rate=learning_rate)
            heldout = float(curves["heldout_curve"][-1])
            sample_ids = model.sample(model.zero_state(), int(train_ids[0]), SAMPLE_LENGTH,
                                      TEMPERATURE, np.random.default_rng(sample_seed))
            mem_model = cls(D_mem, MEMORY_HIDDEN_SIZE, V_mem, seed=mem_init_seed)
            memory_loss = train_memory_task(mem_model, memory_iterations, delay,
                                            np.random.default_rng(mem_data_seed), learning_rate=learning_rate)
            accuracy = recall_accuracy(mem_model, delay)
            sample = chars[train_ids[0]] + "".join(chars[k] for k in sample_ids)
            wall = time.perf_counter() - t0
            runs[name].append({
                "seed": seed, "n_params": model.n_params,
                "train_loss": curves["train_loss"], "grad_norm": curves["grad_norm"],
                "heldout_iters": curves["heldout_iters"], "heldout_curve": curves["heldout_curve"],
                "heldout_loss": heldout, "memory_loss": memory_loss, "long_range_acc": accuracy,
                "sample": sample, "real_word_share": real_word_share(sample, text),
                "wall_time": wall})
            done += 1
            if log is not None:
                elapsed = time.perf_counter() - start
                eta = elapsed / done * (total - done)
                log(f"run {done:2d}/{total}  {name:<17s} seed {seed}  "
                    f"train {curves['train_loss'][-20:].mean():.2f}  held-out {heldout:.2f} nats/char  "
                    f"recall {accuracy:.0%}  {wall:.1f} s  eta {_format_seconds(eta)}")
    config = {"iterations": iterations, "memory_iterations": memory_iterations, "delay": delay,
              "hidden_size": hidden_size, "memory_hidden_size": MEMORY_HIDDEN_SIZE,
              "learning_rate": learning_rate, "seq_length": SEQ_LENGTH, "batch_size": BATCH_SIZE,
              "memory_batch_size": MEMORY_BATCH_SIZE, "chance": 1.0 / N_RECALL_SYMBOLS,
              "n_train_chars": len(train_ids), "n_heldout_chars": len(heldout_ids)}
    return {"config": config, "models": models, "seeds": seeds, "chars": chars, "runs": runs}


def _format_seconds(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


# ----------------------------------------------------------------------------------------
# Analysis
# ----------------------------------------------------------------------------------------
def smooth(values, weight=SMOOTHING):
    """Exponential moving average, started at the first value. (N,) -> (N,)."""
    out = np.empty(len(values))
    acc = values[0]
    for k, v in enumerate(values):
        acc = (1.0 - weight) * acc + weight * v
        out[k] = acc
    return out


def iterations_to_threshold(train_loss, threshold=LOSS_THRESHOLD):
    """1-based count of updates until the smoothed training loss is first <= threshold,
    or NaN if it never gets there."""
    below = np.flatnonzero(smooth(np.asarray(train_loss, dtype=float)) <= threshold)
    return float(below[0] + 1) if below.size else float("nan")


def _mean_std(values):
    """(mean, sample std with ddof=1; 0 for a single value) of the finite values, NaNs if none."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if v.size == 0:
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def _compare(stats, a, b, key):
    """Difference of model b's mean minus model a's for `key`, and whether it is within
    the seed-to-seed spread: |difference| <= max(std_a, std_b)."""
    diff = stats[b][key + "_mean"] - stats[a][key + "_mean"]
    spread = max(stats[a][key + "_std"], stats[b][key + "_std"])
    return {"diff": float(diff), "spread": float(spread), "within_noise": bool(abs(diff) <= spread)}


def analyze_results(results, threshold=LOSS_THRESHOLD):
    """Summarise a study: mean +- std per model, a ranking, and within-noise marks.

    Args:
        results: the dict of run_ablation_study. Read are "models", "config"["chance"]
            and, per run, "train_loss", "heldout_loss", "long_range_acc",
            "real_word_share", "wall_time" and "n_params".
        threshold: loss per character (nats) that counts as converged.
    Returns:
        dict with
          "threshold": the threshold used,
          "chance": chance accuracy of the memory task,
          "stats": {model: {"heldout_loss_mean"/"_std" (nats/char),
                            "train_loss_mean"/"_std" (smoothed, at the last update, nats/char),
                            "iters_to_threshold_mean"/"_std" (over the seeds that reached it),
                            "n_reached", "n_seeds",
                            "long_range_acc_mean"/"_std", "real_word_share_mean"/"_std",
                            "wall_time_mean" (s), "n_params"}},
          "ranking": model names by mean held-out loss, best first,
          "adjacent": [{"better", "worse", "diff", "spread", "within_noise"}] for each
              neighbouring pair of the ranking (diff = worse - better, nats/char),
          "recall_ranking": model names by mean recall accuracy, best first,
          "vs_reference": {model: {"heldout_loss": {...}, "long_range_acc": {...}}}, the
              comparison of every other model with "LSTM" (absent if LSTM was not run).
        std is the sample standard deviation over seeds (ddof=1). A difference is "within
        noise" when its size is not larger than the larger std of the two models compared.
    """
    stats = {}
    for name in results["models"]:
        runs = results["runs"][name]
        per_seed = {"heldout_loss": [r["heldout_loss"] for r in runs],
                    "train_loss": [smooth(r["train_loss"])[-1] for r in runs],
                    "iters_to_threshold": [iterations_to_threshold(r["train_loss"], threshold) for r in runs],
                    "long_range_acc": [r["long_range_acc"] for r in runs],
                    "real_word_share": [r["real_word_share"] for r in runs]}
        stats[name] = {"n_reached": int(np.sum(np.isfinite(per_seed["iters_to_threshold"]))),
                       "n_seeds": len(runs),
                       "wall_time_mean": float(np.mean([r["wall_time"] for r in runs])),
                       "n_params": runs[0]["n_params"]}
        for key, values in per_seed.items():
            stats[name][key + "_mean"], stats[name][key + "_std"] = _mean_std(values)
    ranking = sorted(results["models"], key=lambda m: stats[m]["heldout_loss_mean"])
    adjacent = [dict(better=a, worse=b, **_compare(stats, a, b, "heldout_loss"))
                for a, b in zip(ranking, ranking[1:])]
    recall_ranking = sorted(results["models"], key=lambda m: -stats[m]["long_range_acc_mean"])
    vs_reference = {}
    if "LSTM" in stats:
        vs_reference = {m: {"heldout_loss": _compare(stats, "LSTM", m, "heldout_loss"),
                            "long_range_acc": _compare(stats, "LSTM", m, "long_range_acc")}
                        for m in results["models"] if m != "LSTM"}
    return {"threshold": threshold, "chance": results["config"]["chance"], "stats": stats, "ranking": ranking,
            "adjacent": adjacent, "recall_ranking": recall_ranking, "vs_reference": vs_reference}


# ----------------------------------------------------------------------------------------
# Presentation
# ----------------------------------------------------------------------------------------
def format_table(analysis):
    """The results table as a str, one row per model in ranking order."""
    n_seeds = max(s["n_seeds"] for s in analysis["stats"].values())
    header = ("model", "params", "held-out loss", "train loss", f"iters to {analysis['threshold']:.2f}",
              "recall acc", "real words", "time/run")
    units = ("", "", "(nats/char)", "(nats/char)", "(seeds reached)",
             f"(chance {analysis['chance']:.0%})", "(in sample)", "(s)")
    widths = (17, 6, 14, 13, 16, 12, 11, 8)

    def row(cells):
        return "  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(cells, widths)))

    lines = [row(header), row(units)]
    for name in analysis["ranking"]:
        s = analysis["stats"][name]
        if s["n_reached"]:
            iters = f"{s['iters_to_threshold_mean']:.0f} +- {s['iters_to_threshold_std']:.0f} " \
                    f"({s['n_reached']}/{s['n_seeds']})"
        else:
            iters = f"never (0/{s['n_seeds']})"
        lines.append(row((
            name, str(s["n_params"]),
            f"{s['heldout_loss_mean']:.3f} +- {s['heldout_loss_std']:.3f}",
            f"{s['train_loss_mean']:.2f} +- {s['train_loss_std']:.2f}", iters,
            f"{s['long_range_acc_mean']:.0%} +- {s['long_range_acc_std']:.0%}",
            f"{s['real_word_share_mean']:.0%} +- {s['real_word_share_std']:.0%}",
            f"{s['wall_time_mean']:.1f}")))
    lines.append(f"mean +- std over {n_seeds} seeds (std with ddof=1); rows ranked by held-out loss")
    return "\n".join(lines)


def verdict_lines(analysis):
    """Findings as a list of str, each worded from the measured numbers."""
    lines = []
    ranking, stats = analysis["ranking"], analysis["stats"]
    if min(s["n_seeds"] for s in stats.values()) < 2:
        lines.append("With one seed there is no seed-to-seed spread: no difference below is tested "
                     "against noise.")
    ranked = []
    for k, name in enumerate(ranking):
        ranked.append(name if k == 0 else
                      ("~ " if analysis["adjacent"][k - 1]["within_noise"] else "< ") + name)
    lines.append("Held-out loss ranking (best first; '~' = within seed spread, '<' = beyond): "
                 + " ".join(ranked))
    vs = analysis["vs_reference"]
    costs, recall_costs = {}, {}
    for name, comp in vs.items():
        loss, acc = comp["heldout_loss"], comp["long_range_acc"]
        what = "the vanilla RNN" if name == "VanillaRNN" else \
            "removing the " + name.replace("LSTMNo", "").replace("Gate", "").lower() + " gate"
        if loss["within_noise"]:
            loss_text = f"held-out loss {loss['diff']:+.3f} nats/char, within the seed spread ({loss['spread']:.3f})"
        else:
            direction = "worse" if loss["diff"] > 0 else "better"
            loss_text = (f"held-out loss {loss['diff']:+.3f} nats/char ({direction} than the full LSTM, "
                         f"beyond the seed spread {loss['spread']:.3f})")
        points = int(round(acc["diff"] * 100))                   # an int: no "-0 points"
        if acc["within_noise"]:
            acc_text = f"recall accuracy {points:+d} points, within the seed spread ({acc['spread'] * 100:.0f})"
        else:
            acc_text = f"recall accuracy {points:+d} points (beyond the seed spread {acc['spread'] * 100:.0f})"
        lines.append(f"{what[0].upper() + what[1:]}: {loss_text}; {acc_text}.")
        if name != "VanillaRNN":
            costs[name] = 0.0 if loss["within_noise"] else loss["diff"]
            recall_costs[name] = 0.0 if acc["within_noise"] else -acc["diff"]
    if costs:
        worst = max(costs, key=costs.get)
        if costs[worst] > 0:
            lines.append(f"Most costly removal for the language model: {worst} "
                         f"(+{costs[worst]:.3f} nats/char).")
        else:
            lines.append("No single gate removal raised the held-out loss beyond the seed spread.")
        worst = max(recall_costs, key=recall_costs.get)
        if recall_costs[worst] > 0:
            lines.append(f"Most costly removal for long-range recall: {worst} "
                         f"(-{recall_costs[worst] * 100:.0f} points).")
        else:
            lines.append("No single gate removal lowered recall accuracy beyond the seed spread.")
    reached = [m for m in ranking if stats[m]["n_reached"]]
    if reached:
        by_speed = sorted(reached, key=lambda m: stats[m]["iters_to_threshold_mean"])
        fast, slow = stats[by_speed[0]], stats[by_speed[-1]]
        text = (f"Convergence to {analysis['threshold']:.2f} nats/char: "
                f"{'fastest' if len(by_speed) > 1 else 'only'} {by_speed[0]} "
                f"({fast['iters_to_threshold_mean']:.0f} +- {fast['iters_to_threshold_std']:.0f} updates)")
        if len(by_speed) > 1:
            text += (f", slowest {by_speed[-1]} ({slow['iters_to_threshold_mean']:.0f} +- "
                     f"{slow['iters_to_threshold_std']:.0f})")
        partial = [f"{m} {stats[m]['n_reached']}/{stats[m]['n_seeds']}" for m in ranking
                   if stats[m]["n_reached"] < stats[m]["n_seeds"]]
        lines.append(text + (f"; seeds that reached it: {', '.join(partial)}." if partial else "."))
    else:
        lines.append(f"No model reached {analysis['threshold']:.2f} nats/char within the budget.")
    chance = analysis["chance"]
    above = [m for m in analysis["recall_ranking"]
             if stats[m]["long_range_acc_mean"] - stats[m]["long_range_acc_std"] > chance]
    if above:
        lines.append(f"Recall clearly above chance ({chance:.0%}, mean - std > chance): {', '.join(above)}.")
    else:
        lines.append(f"No model recalled clearly above chance ({chance:.0%}) at this delay.")
    return lines


SHORT_NAMES = {"VanillaRNN": "vanilla RNN", "LSTM": "LSTM", "LSTMNoForgetGate": "no forget",
               "LSTMNoInputGate": "no input", "LSTMNoOutputGate": "no output"}


def _seed_std(curves):
    """Std over seeds (axis 0, ddof=1) of (seeds, N) curves; zeros for a single seed."""
    return curves.std(axis=0, ddof=1) if len(curves) > 1 else np.zeros(curves.shape[1])


def visualize_comparison(results, analysis, path=None):
    """Four panels: training loss with seed bands, held-out loss bars, iterations to the
    threshold, recall accuracy with the chance line.

    Args:
        results: dict of run_ablation_study; analysis: dict of analyze_results.
        path: PNG file to write, or None to leave the figure open only.
    Returns:
        the matplotlib Figure.
    """
    models = results["models"]
    colors = {name: plt.cm.tab10(k) for k, name in enumerate(MODEL_NAMES)}
    stats = analysis["stats"]
    x = np.arange(len(models))
    short = [SHORT_NAMES[m] for m in models]
    n_seeds = len(results["seeds"])
    jitter = np.linspace(-0.2, 0.2, n_seeds) if n_seeds > 1 else np.zeros(1)   # seeds side by side
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5))
    fig.suptitle(f"Gate ablation: {len(models)} models x {n_seeds} seeds "
                 f"(mean; bands and error bars = +-1 std over seeds)", fontsize=13)

    ax = axes[0, 0]
    for name, label in zip(models, short):
        runs = results["runs"][name]
        train = np.array([smooth(r["train_loss"]) for r in runs])          # (seeds, iterations)
        heldout = np.array([r["heldout_curve"] for r in runs])             # (seeds, checkpoints)
        for it, curves, style in ((np.arange(1, train.shape[1] + 1), train, "-"),
                                  (runs[0]["heldout_iters"], heldout, "--")):
            mean, std = curves.mean(axis=0), _seed_std(curves)
            ax.plot(it, mean, style, color=colors[name])
            ax.fill_between(it, mean - std, mean + std, color=colors[name], alpha=0.2, linewidth=0)
    ax.axhline(analysis["threshold"], color="k", linestyle=":", linewidth=1)
    # colours name the models in the figure legend below; this legend names the line styles
    ax.legend([plt.Line2D([], [], color="gray", linestyle=style) for style in ("-", "--", ":")],
              ["train (smoothed)", f"held-out (every {EVAL_EVERY} updates)",
               f"threshold {analysis['threshold']:.2f}"], loc="upper right", fontsize=9)
    ax.set_title("Loss curves")
    ax.set_xlabel("iteration (Adagrad update)")
    ax.set_ylabel("loss per character (nats)")
    ax.grid(alpha=0.3)

    ax = axes[0, 1]
    means = [stats[m]["heldout_loss_mean"] for m in models]
    stds = [stats[m]["heldout_loss_std"] for m in models]
    ax.bar(x, means, yerr=stds, capsize=6, color=[colors[m] for m in models], alpha=0.85)
    for k, name in enumerate(models):
        ax.plot(k + jitter, [r["heldout_loss"] for r in results["runs"][name]], "k.",
                markersize=5, label="single seed" if k == 0 else None)
    low = min(m - s for m, s in zip(means, stds))
    high = max(m + s for m, s in zip(means, stds))
    ax.set_ylim(max(0.0, low - 0.3 * (high - low) - 0.05), high + 0.3 * (high - low) + 0.05)
    ax.set_xticks(x, short)
    ax.set_title("Final held-out loss (lower is better; y-axis does not start at 0)")
    ax.set_ylabel("loss per character (nats)")
    ax.legend(loc="upper right", fontsize=9)
    ax.grid(axis="y", alpha=0.3)

    ax = axes[1, 0]
    budget = results["config"]["iterations"]
    for k, name in enumerate(models):
        s = stats[name]
        if s["n_reached"]:
            ax.bar(k, s["iters_to_threshold_mean"], yerr=s["iters_to_threshold_std"], capsize=6,
                   color=colors[name], alpha=0.85)
            ax.text(k, s["iters_to_threshold_mean"] + s["iters_to_threshold_std"] + budget * 0.02,
                    f"{s['n_reached']}/{s['n_seeds']} seeds", ha="center", fontsize=9)
        else:
            ax.text(k, budget * 0.05, "not reached", ha="center", rotation=90, fontsize=9)
    ax.set_xlim(-0.6, len(models) - 0.4)
    ax.axhline(budget, color="gray", linestyle=":", linewidth=1, label=f"budget ({budget} updates)")
    ax.set_ylim(0, budget * 1.15)
    ax.set_xticks(x, short)
    ax.set_title(f"Convergence: updates until smoothed training loss <= {analysis['threshold']:.2f} nats/char")
    ax.set_ylabel("Adagrad updates (lower is faster)")
    ax.legend(loc="upper right", fontsize=9)
    ax.grid(axis="y", alpha=0.3)

    ax = axes[1, 1]
    acc = [stats[m]["long_range_acc_mean"] * 100 for m in models]
    acc_std = [stats[m]["long_range_acc_std"] * 100 for m in models]
    ax.bar(x, acc, yerr=acc_std, capsize=6, color=[colors[m] for m in models], alpha=0.85)
    for k, name in enumerate(models):
        ax.plot(k + jitter, [r["long_range_acc"] * 100 for r in results["runs"][name]], "k.",
                markersize=5, label="single seed" if k == 0 else None)
    ax.axhline(analysis["chance"] * 100, color="r", linestyle="--", linewidth=1.2,
               label=f"chance ({analysis['chance']:.0%})")
    ax.set_ylim(0, 140)                  # room above 100% for error bars and the legend
    ax.set_yticks(range(0, 101, 20))
    ax.set_xticks(x, short)
    ax.set_title(f"Long-range memory: recall the first symbol after {results['config']['delay']} distractors")
    ax.set_ylabel("held-out recall accuracy (%)")
    ax.legend(loc="upper left", fontsize=9, ncol=2)
    ax.grid(axis="y", alpha=0.3)

    fig.legend([plt.Rectangle((0, 0), 1, 1, color=colors[m]) for m in models], short,
               loc="lower center", ncol=len(models), fontsize=10, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    if path is not None:
        fig.savefig(path, dpi=110)
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
        description="Exercise 3: train a vanilla RNN, the full LSTM and three one-gate-removed "
                    "LSTMs with the same data, budget and seeds; compare held-out loss, "
                    "convergence and long-range recall with error bars.")
    parser.add_argument("--seed", type=int, default=SEED, help="first seed (default %(default)s)")
    parser.add_argument("--seeds", type=int, default=None,
                        help=f"number of seeds: seed, seed+1, ... (default {N_SEEDS})")
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES), metavar="NAME",
                        help=f"models to compare, from {', '.join(MODEL_NAMES)} (default: all five)")
    parser.add_argument("--iterations", type=int, default=None,
                        help=f"language-model updates per run (default {ITERATIONS})")
    parser.add_argument("--memory-iterations", type=int, default=None,
                        help=f"memory-task updates per run (default {MEMORY_ITERATIONS})")
    parser.add_argument("--delay", type=int, default=None,
                        help=f"distractor steps in the memory task (default {DELAY})")
    parser.add_argument("--hidden-size", type=int, default=HIDDEN_SIZE,
                        help="hidden size of every language model (default %(default)s)")
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE,
                        help="Adagrad learning rate (default %(default)s)")
    parser.add_argument("--threshold", type=float, default=LOSS_THRESHOLD,
                        help="loss per character (nats) that counts as converged (default %(default)s; "
                             f"on the built-in text a unigram model scores "
                             f"{unigram_loss_per_char(DEFAULT_CORPUS):.2f}, uniform guessing "
                             f"ln {len(set(DEFAULT_CORPUS))} = {math.log(len(set(DEFAULT_CORPUS))):.2f})")
    parser.add_argument("--quick", action="store_true",
                        help=f"a smaller study: {QUICK['n_seeds']} seeds, {QUICK['iterations']} + "
                             f"{QUICK['memory_iterations']} updates per run, delay {QUICK['delay']}")
    parser.add_argument("--outdir", default=OUTDIR, help="where the PNG goes (default %(default)s)")
    parser.add_argument("--show", action="store_true", help="open the figure in a window")
    return parser


def run(args):
    """Validate the flags, run the study, print the table and verdict, save the figure."""
    defaults = QUICK if args.quick else dict(n_seeds=N_SEEDS, iterations=ITERATIONS,
                                              memory_iterations=MEMORY_ITERATIONS, delay=DELAY)
    n_seeds = defaults["n_seeds"] if args.seeds is None else args.seeds
    iterations = defaults["iterations"] if args.iterations is None else args.iterations
    memory_iterations = defaults["memory_iterations"] if args.memory_iterations is None \
        else args.memory_iterations
    delay = defaults["delay"] if args.delay is None else args.delay
    if args.seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {args.seed}")
    if n_seeds < 1:
        raise ValueError(f"seeds: expected at least 1 seed, got {n_seeds}")
    _check_positive_number("threshold", args.threshold)
    models, seeds = _validate_study_args(args.models, list(range(args.seed, args.seed + n_seeds)),
                                         iterations, memory_iterations, delay, args.hidden_size,
                                         args.learning_rate)

    print(f"Ablation study: {len(models)} models x {len(seeds)} seeds (seeds {seeds[0]}..{seeds[-1]}); "
          f"per run {iterations} language-model updates (H={args.hidden_size}, T={SEQ_LENGTH}, "
          f"B={BATCH_SIZE}) + {memory_iterations} memory-task updates (delay {delay}, "
          f"H={MEMORY_HIDDEN_SIZE}, B={MEMORY_BATCH_SIZE}); Adagrad lr {args.learning_rate}", flush=True)
    if args.quick:
        print("--quick: a smoke run; its budgets are too small for stable conclusions "
              "(run without --quick for the study)", flush=True)
    results = run_ablation_study(models, seeds, iterations, memory_iterations, delay, args.hidden_size,
                                 args.learning_rate, log=lambda line: print(line, flush=True))
    analysis = analyze_results(results, args.threshold)

    print("\nResults (language model: held-out loss on the last "
          f"{results['config']['n_heldout_chars']} characters; memory task: held-out recall "
          f"after {delay} distractors)")
    print(format_table(analysis))
    print(f"\nSamples (temperature {TEMPERATURE}, after training; real-word share in the table):")
    for name in analysis["ranking"]:
        text = results["runs"][name][0]["sample"][:100].replace("\n", " ")
        print(f"  {name:<17s} seed {seeds[0]}: {text!r}")
    print("\nVerdict (computed from the numbers above):")
    for line in verdict_lines(analysis):
        print("  " + line)

    os.makedirs(args.outdir, exist_ok=True)
    path = os.path.join(args.outdir, "ex3_comparison.png")
    fig = visualize_comparison(results, analysis, path)
    total = sum(r["wall_time"] for runs in results["runs"].values() for r in runs)
    print(f"\nMeasured held-out loss, convergence, recall and samples of {len(models) * len(seeds)} runs "
          f"({total:.0f} s of training). Figure saved to {path}")
    if args.show:
        plt.show()
    else:
        plt.close(fig)
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.show:
        plt.switch_backend("Agg")    # headless unless --show
    try:
        return run(args)
    except ValueError as err:        # bad input: one line, exit 2, no traceback
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:  # non-finite loss: one line, exit 1
        print(f"{parser.prog}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

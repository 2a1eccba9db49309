"""Exercise 2: what do the gates of a trained LSTM do? Capture, measure, draw, report.

The exercise
------------
Train an LSTM on text, first on a repeating pattern ("abcabc...") and then on natural
English text; capture every gate's activation, per unit, during a forward pass; plot the
activations as heatmaps over time; and report at least three insights about what the
gates learned: which gates are most active, whether units specialise (always on or
always off), and how the gates respond to specific characters.

This script trains both models for real (BPTT + Adagrad, as in Exercise 1), and every
finding it prints is computed in the run: its numbers come from the analysis and its
wording follows those numbers.

The equations (course notation; concat = [h_prev, x_t], h first)
-----------------------------------------------------------------
    f_t     = sigmoid(Wf . concat + bf)        forget gate   (1 = KEEP the old cell, 0 = erase it)
    i_t     = sigmoid(Wi . concat + bi)        input gate    (1 = write the candidate)
    C_tilde = tanh(Wc . concat + bc)           candidate cell values
    o_t     = sigmoid(Wo . concat + bo)        output gate   (1 = expose the cell in h_t)
    C_t     = f_t * C_prev + i_t * C_tilde     cell state
    h_t     = o_t * tanh(C_t)                  hidden state
    y_t     = softmax(Wy . h_t + by)           next-character distribution
    loss    = - sum_t ln y_t[target_t]         summed cross-entropy, natural log

Note the direction of the forget gate: f_t near 1 multiplies the old cell by about 1,
so the unit KEEPS its memory; f_t near 0 erases it.

What is measured
----------------
- per gate: mean, std, and the share of unit-steps saturated (> 0.9 and < 0.1);
- per unit: the mean, and which units are always on (> 0.9 on >= 95% of the steps) or
  always off (< 0.1 on >= 95% of the steps);
- the mean of each gate per input character;
- the correlation between forget and input gate, pooled over all unit-steps and within
  each unit over time, reported with the sign it has;
- contexts: the step that reads a word boundary (space, newline, punctuation) against
  the steps that read a letter, sentence ends (. ! ?), the pattern model against the
  natural-text model (and how exactly the pattern model's gates repeat with the
  pattern), and the natural-text model early in training against the end.
The natural-text analysis reads the training text (at most its first 20,000 characters).

How to run
----------
    python exercise_02_solution.py                   # default demo, about 15 s
    python exercise_02_solution.py --quick           # a few seconds, rougher models
    python exercise_02_solution.py --seed 3          # other seed: other numbers, same analysis
    python exercise_02_solution.py --text my.txt     # natural-text model on your own file
    python exercise_02_solution.py --probe "The river was slow."   # gates on your own string

It prints training progress for both models (iteration, smoothed loss per character in
nats, characters per second, ETA) and a sample of each, then a findings report, and
saves under --outdir (default outputs/):
    ex2_gates_pattern.png   heatmaps of f_t, i_t, o_t and C_t on the repeating pattern
    ex2_gates_text.png      the same on a window of the natural text
    ex2_contexts.png        mean gates by context, each unit's forget-gate gap between word
                            boundaries and insides, saturation by model and training stage
    ex2_gates_probe.png     with --probe: the natural-text model's gates on your string
"""

import argparse
import copy
import math
import os
import sys
import textwrap
import time

import numpy as np
import matplotlib.pyplot as plt

# ----------------------------------------------------------------------------------------
# Defaults (all overridable from the command line)
# ----------------------------------------------------------------------------------------
SEED = 0
HIDDEN_SIZE = 32          # 32 units: enough to learn words, few enough to read as heatmap rows
SEQ_LENGTH = 25
LEARNING_RATE = 0.1
BATCH_SIZE = 16           # parallel streams through the text
ITERATIONS = 3000         # natural-text model
QUICK_ITERATIONS = 400
PATTERN = "abc"
PATTERN_LENGTH = 600      # the pattern is repeated to about this many characters (at least 3 times)
PATTERN_ITERATIONS = 300
QUICK_PATTERN_ITERATIONS = 100
EARLY_FRACTION = 0.1      # the "early" snapshot is taken after this share of the iterations
CLIP_VALUE = 5.0          # elementwise gradient clipping range [-5, 5], as the course teaches
TEMPERATURE = 0.7
SAMPLE_LENGTH = 120
WINDOW = 80               # characters per heatmap; longer texts are shown as a window
MAX_WINDOW = 200          # wider heatmaps no longer have readable character labels
ANALYSIS_CHARS = 20000    # the analysis reads at most this many characters of the training text
OUTDIR = "outputs"

GATES = ("forget", "input", "output")
SATURATION_HIGH = 0.9     # a gate value above this counts as saturated open
SATURATION_LOW = 0.1      # ... below this as saturated closed
ALWAYS_SHARE = 0.95       # a unit is "always on/off" if saturated on at least this share of steps
MIN_CHAR_COUNT = 5        # per-character findings only use characters seen this often
SENTENCE_ENDS = ".!?"

# ----------------------------------------------------------------------------------------
# Data: an English text written for this project (the same corpus as Exercise 1).
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


def validate_text(text, seq_length):
    """Raise ValueError unless `text` can train a model with windows of `seq_length`."""
    if len(text) == 0:
        raise ValueError("text: expected a non-empty text, got ''")
    if len(set(text)) < 2:
        raise ValueError(f"text: expected at least 2 distinct characters, got only {sorted(set(text))!r}")
    if len(text) < seq_length + 1:
        raise ValueError(
            f"text: expected at least seq_length + 1 = {seq_length + 1} characters, got {len(text)}")


def encode(text, char_to_id):
    """Turn `text` into token ids, or raise ValueError naming the characters it cannot encode.

    Args:
        text: str, non-empty.
        char_to_id: dict character -> id, the model's vocabulary.
    Returns:
        ids: int array (T,).
    """
    if len(text) == 0:
        raise ValueError("text: expected a non-empty text, got ''")
    unknown = sorted(set(text) - set(char_to_id))
    if unknown:
        raise ValueError(
            f"text: expected only characters of the model's vocabulary ({len(char_to_id)} characters), "
            f"got {len(unknown)} others: {', '.join(repr(ch) for ch in unknown)}")
    return np.array([char_to_id[ch] for ch in text], dtype=np.int64)


# ----------------------------------------------------------------------------------------
# Model (the LSTM of Exercise 1, same names and equations)
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


# ----------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------
class TrainingDiverged(RuntimeError):
    """Raised when the loss stops being finite; the message says what to try."""


def train(model, ids, iterations, seq_length=SEQ_LENGTH, batch_size=BATCH_SIZE,
          learning_rate=LEARNING_RATE, snapshot_iteration=None, log=print):
    """Train `model` on `ids` with truncated BPTT over `batch_size` parallel streams.

    The B = batch_size streams start evenly spread over the text and walk through it in
    windows of `seq_length`, carrying (h, C) from one window to the next; a stream that
    reaches the end restarts at the beginning with zero state.

    Args:
        model: an LSTMFromScratch with input_size = output_size = vocabulary size.
        ids: int array (N,), the encoded text, N >= seq_length + 1.
        iterations: number of Adagrad updates.
        snapshot_iteration: if given, a deep copy of the model is kept after this many
            updates (the "early in training" model).
        log: callable taking one str for progress lines, or None for silence.
    Returns:
        dict with
            "loss_per_char": (iterations,) array, mean cross-entropy per character (nats)
                of each update's batch;
            "snapshot": the copied model or None;
            "snapshot_loss": smoothed loss per character at the snapshot (or None);
            "final_loss": smoothed loss per character at the end.
    Raises TrainingDiverged if the loss or a weight becomes NaN or inf.
    """
    _check_positive_int("iterations", iterations)
    _check_positive_int("seq_length", seq_length)
    _check_positive_int("batch_size", batch_size)
    ids = np.asarray(ids)
    N, H, T, B = len(ids), model.hidden_size, seq_length, batch_size
    if N < T + 1:
        raise ValueError(f"ids: expected at least seq_length + 1 = {T + 1} tokens, got {N}")
    positions = (np.arange(B) * (N - T - 1)) // B        # (B,) start of each stream's window
    h = np.zeros((B, H))
    C = np.zeros((B, H))
    offsets = np.arange(T)
    losses = np.empty(iterations)
    smooth = math.log(model.output_size)                   # a uniform guess costs ln V per char
    snapshot, snapshot_loss = None, None
    log_every = max(1, iterations // 10)
    start = time.perf_counter()

    for it in range(iterations):
        wrapped = positions + T + 1 > N
        positions[wrapped] = 0
        h[wrapped] = 0.0
        C[wrapped] = 0.0
        window = positions[None, :] + offsets[:, None]     # (T, B) indices into ids
        # An overflow is not a warning here: it is reported as TrainingDiverged just below.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = model.forward(ids[window], ids[window + 1], h, C)
            model.backward()
            model.update_weights(learning_rate)
        if not (math.isfinite(loss) and all(np.isfinite(getattr(model, name)).all() for name in model.PARAM_NAMES)):
            what = f"loss became {loss}" if not math.isfinite(loss) else "weights became non-finite"
            raise TrainingDiverged(
                f"{what} at iteration {it + 1}; try a smaller --learning-rate (now {learning_rate})")
        h, C = model.h_states[-1], model.C_states[-1]       # carry the state to the next window
        positions += T

        losses[it] = loss / (T * B)
        smooth = 0.95 * smooth + 0.05 * losses[it]
        if snapshot_iteration is not None and it + 1 == snapshot_iteration:
            snapshot, snapshot_loss = copy.deepcopy(model), smooth
        if log is not None and ((it + 1) % log_every == 0 or it + 1 == iterations):
            elapsed = time.perf_counter() - start
            speed = (it + 1) * T * B / elapsed
            eta = elapsed / (it + 1) * (iterations - it - 1)
            log(f"iter {it + 1:>5}/{iterations}  loss/char {smooth:.2f}  "
                f"{speed / 1000:.1f}k chars/s  eta {int(eta // 60)}:{int(eta % 60):02d}")
    return {"loss_per_char": losses, "snapshot": snapshot, "snapshot_loss": snapshot_loss,
            "final_loss": smooth}


# ----------------------------------------------------------------------------------------
# Analysis
# ----------------------------------------------------------------------------------------
def capture_gate_activations(model, text, char_to_id, h0=None, C0=None):
    """Run the model over `text` in one forward pass and keep every unit's activations.

    Args:
        model: a trained LSTMFromScratch.
        text: str, non-empty, only characters of `char_to_id`.
        char_to_id: the model's vocabulary, dict character -> id.
        h0, C0: (H,) start states; zeros if None.
    Returns:
        dict with "chars" (list of T characters; row t of every array is the step that
        reads chars[t]) and (T, H) float arrays:
            "forget" f_t, "input" i_t, "output" o_t, "candidate" C_tilde,
            "cell" C_t, "hidden" h_t.
    Raises ValueError naming the characters that are not in the vocabulary.
    """
    ids = encode(text, char_to_id)
    H = model.hidden_size
    h0 = np.zeros(H) if h0 is None else h0
    C0 = np.zeros(H) if C0 is None else C0
    # The gates depend only on the inputs and the states; targets only enter the loss,
    # which is not used here, so any valid ids will do: the inputs are passed again.
    model.forward(ids, ids, h0, C0)
    return {
        "chars": list(text),
        "forget": model.f_gates[:, 0].copy(),
        "input": model.i_gates[:, 0].copy(),
        "output": model.o_gates[:, 0].copy(),
        "candidate": model.C_tilde_cache[:, 0].copy(),
        "cell": model.C_states[1:, 0].copy(),
        "hidden": model.h_states[1:, 0].copy(),
    }


def _pearson(a, b):
    """Pearson correlation of two equal-length 1-D arrays; nan if either is constant."""
    a = a - a.mean()
    b = b - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    if denom < 1e-12:
        return float("nan")
    return float(np.clip((a * b).sum() / denom, -1.0, 1.0))


def _masked_mean(values, mask):
    """Mean of values[mask] over all remaining axes; nan (no warning) if mask is empty."""
    return float(values[mask].mean()) if mask.any() else float("nan")


def analyze_gate_patterns(activations, high=SATURATION_HIGH, low=SATURATION_LOW,
                          always_share=ALWAYS_SHARE, min_char_count=MIN_CHAR_COUNT):
    """Measure what the gates do over one captured run. Plain data, no printing.

    Args:
        activations: dict from capture_gate_activations ((T, H) arrays and "chars").
        high, low: saturation thresholds; a value > high is saturated open, < low closed.
        always_share: a unit is always on (off) if it is > high (< low) on at least this
            share of the T steps.
        min_char_count: characters read at least this often count as frequent.
    Returns:
        dict with
            "thresholds": {"high", "low", "always_share", "min_char_count"};
            "num_steps": T; "hidden_size": H;
            "gates": {gate: {"mean", "std", "share_high", "share_low", "share_saturated"}}
                over all T * H unit-steps, for gate in ("forget", "input", "output");
            "most_active_gate", "least_active_gate": gate names by mean;
            "units": {gate: {"mean": (H,), "share_high": (H,), "share_low": (H,),
                             "always_on": [unit ids], "always_off": [unit ids],
                             "num_always_on", "num_always_off",
                             "most_on_unit", "most_off_unit": the units most often above
                                 high / below low}};
            "char_counts": {char: number of steps reading it};
            "frequent_chars": the characters read at least min_char_count times;
            "per_char": {gate: {char: mean over its steps and all units}};
            "forget_input": {"pooled_r": Pearson r over all unit-steps,
                             "unit_r": (H,) r of each unit over time (nan if constant),
                             "mean_unit_r": mean of the defined unit_r,
                             "share_units_negative": share of defined units with r < 0}.
    """
    chars = list(activations["chars"])
    T, H = activations["forget"].shape
    gates, units, per_char = {}, {}, {}
    char_set = sorted(set(chars))
    char_array = np.array(chars)
    for gate in GATES:
        values = activations[gate]
        is_high, is_low = values > high, values < low
        gates[gate] = {
            "mean": float(values.mean()),
            "std": float(values.std()),
            "share_high": float(is_high.mean()),
            "share_low": float(is_low.mean()),
            "share_saturated": float((is_high | is_low).mean()),
        }
        unit_high, unit_low = is_high.mean(axis=0), is_low.mean(axis=0)      # (H,)
        always_on = [int(k) for k in np.flatnonzero(unit_high >= always_share)]
        always_off = [int(k) for k in np.flatnonzero(unit_low >= always_share)]
        units[gate] = {
            "mean": values.mean(axis=0),
            "share_high": unit_high,
            "share_low": unit_low,
            "always_on": always_on,
            "always_off": always_off,
            "num_always_on": len(always_on),
            "num_always_off": len(always_off),
            "most_on_unit": int(np.argmax(unit_high)),
            "most_off_unit": int(np.argmax(unit_low)),
        }
        per_char[gate] = {ch: _masked_mean(values, char_array == ch) for ch in char_set}

    f, i = activations["forget"], activations["input"]
    unit_r = np.array([_pearson(f[:, k], i[:, k]) for k in range(H)])
    defined = unit_r[~np.isnan(unit_r)]
    by_mean = sorted(GATES, key=lambda g: gates[g]["mean"])
    char_counts = {ch: chars.count(ch) for ch in char_set}
    return {
        "thresholds": {"high": high, "low": low, "always_share": always_share,
                       "min_char_count": min_char_count},
        "num_steps": T,
        "hidden_size": H,
        "gates": gates,
        "most_active_gate": by_mean[-1],
        "least_active_gate": by_mean[0],
        "units": units,
        "char_counts": char_counts,
        "frequent_chars": [ch for ch in char_set if char_counts[ch] >= min_char_count],
        "per_char": per_char,
        "forget_input": {
            "pooled_r": _pearson(f.ravel(), i.ravel()),
            "unit_r": unit_r,
            "mean_unit_r": float(defined.mean()) if defined.size else float("nan"),
            "share_units_negative": float((defined < 0).mean()) if defined.size else float("nan"),
        },
    }


def _gate_summary(activations, high=SATURATION_HIGH, low=SATURATION_LOW):
    """{name: {"mean", "share_saturated"}} over all unit-steps of one capture, for each
    gate and for "all_gates" (the three gates pooled)."""
    summary = {}
    for name, values in [(gate, activations[gate]) for gate in GATES] + [
            ("all_gates", np.stack([activations[gate] for gate in GATES]))]:
        summary[name] = {"mean": float(values.mean()),
                         "share_saturated": float(((values > high) | (values < low)).mean())}
    return summary


def _period(chars):
    """The smallest p with chars[t] == chars[t + p] for every t, or None if there is none."""
    text = "".join(chars)
    for p in range(1, len(text) // 2 + 1):
        if text[p:] == text[:-p]:
            return p
    return None


def _cycle_stats(activations):
    """How exactly the gates repeat with the period of the input characters.

    Over the second half of the run (after the state has settled), for the three gates
    pooled: the mean |g[t + p] - g[t]| over one period p against the mean |g[t + 1] - g[t]|
    from one step to the next. Returns {"period", "change_per_period", "change_per_step"},
    or None if the characters are not periodic.
    """
    p = _period(activations["chars"])
    if p is None:
        return None
    values = np.stack([activations[gate] for gate in GATES])[:, len(activations["chars"]) // 2:]   # (3, T', H)
    return {"period": p,
            "change_per_period": float(np.abs(values[:, p:] - values[:, :-p]).mean()),
            "change_per_step": float(np.abs(values[:, 1:] - values[:, :-1]).mean())}


def compare_gates_across_contexts(text_acts, pattern_acts, early_acts):
    """Compare gate statistics between contexts. Plain data, no printing.

    A context is the step that reads a character: a word boundary is a step reading a
    non-alphanumeric character (space, newline, punctuation), inside a word is a step
    reading a letter or digit, a sentence end is a step reading one of ". ! ?".

    Args:
        text_acts: capture of the trained natural-text model on the natural text.
        pattern_acts: capture of the trained pattern model on the pattern.
        early_acts: capture of the natural-text model early in training, on the same text.
    Returns:
        dict with
            "word": {"boundary", "inside", "sentence_end", "all": {gate: mean},
                     "counts": {context: number of steps},
                     "unit_gap": {gate: (H,) per-unit mean at boundaries minus inside words},
                     "most_selective_unit": {gate: {"unit", "boundary", "inside"}} the unit
                         with the largest |unit_gap|} (unit_gap and most_selective_unit are
                     empty if the text has no boundary or no letter);
            "pattern_vs_text": {"pattern", "text": {name: {"mean", "share_saturated"}}};
            "pattern_cycle": {"period", "change_per_period", "change_per_step"}, how exactly
                the pattern model's gates repeat with the pattern (None if not periodic);
            "early_vs_late": {"early", "late": {name: {"mean", "share_saturated"}}},
            with name one of the gates or "all_gates" (the three pooled).
    """
    if len(early_acts["chars"]) != len(text_acts["chars"]):
        raise ValueError(
            f"early_acts: expected a capture of the same text ({len(text_acts['chars'])} steps), "
            f"got {len(early_acts['chars'])} steps")
    chars = text_acts["chars"]
    boundary = np.array([not ch.isalnum() for ch in chars])
    inside = ~boundary
    sentence_end = np.array([ch in SENTENCE_ENDS for ch in chars])
    everywhere = np.ones(len(chars), dtype=bool)
    word = {name: {gate: _masked_mean(text_acts[gate], mask) for gate in GATES}
            for name, mask in (("boundary", boundary), ("inside", inside),
                               ("sentence_end", sentence_end), ("all", everywhere))}
    word["counts"] = {"boundary": int(boundary.sum()), "inside": int(inside.sum()),
                      "sentence_end": int(sentence_end.sum()), "all": len(chars)}
    word["unit_gap"], word["most_selective_unit"] = {}, {}
    if boundary.any() and inside.any():
        for gate in GATES:
            at_boundary = text_acts[gate][boundary].mean(axis=0)     # (H,)
            at_inside = text_acts[gate][inside].mean(axis=0)
            word["unit_gap"][gate] = at_boundary - at_inside
            k = int(np.argmax(np.abs(at_boundary - at_inside)))
            word["most_selective_unit"][gate] = {
                "unit": k, "boundary": float(at_boundary[k]), "inside": float(at_inside[k])}
    return {
        "word": word,
        "pattern_vs_text": {"pattern": _gate_summary(pattern_acts), "text": _gate_summary(text_acts)},
        "pattern_cycle": _cycle_stats(pattern_acts),
        "early_vs_late": {"early": _gate_summary(early_acts), "late": _gate_summary(text_acts)},
    }


def collect_results(text_acts, early_acts, pattern_acts, training):
    """Everything one run measured, in the layout build_findings reads.

    Args:
        text_acts, early_acts, pattern_acts: captures as for compare_gates_across_contexts.
        training: {"text": {"early_iteration", "early_loss", "iterations", "final_loss"},
                   "pattern": {"iterations", "final_loss"}}, losses per character in nats.
    Returns:
        {"text": analyze_gate_patterns(text_acts), "pattern": analyze_gate_patterns(pattern_acts),
         "contexts": compare_gates_across_contexts(...), "training": training}.
    """
    return {
        "text": analyze_gate_patterns(text_acts),
        "pattern": analyze_gate_patterns(pattern_acts),
        "contexts": compare_gates_across_contexts(text_acts, pattern_acts, early_acts),
        "training": training,
    }


def lookup(results, path):
    """results[path[0]][path[1]]... ; the value a finding's number was printed from."""
    value = results
    for key in path:
        value = value[key]
    return value


def _direction(a, b, where=""):
    """'higher<where>', 'lower<where>' or 'the same to two decimals': a against b as printed."""
    a, b = round(a, 2), round(b, 2)
    return f"higher{where}" if a > b else f"lower{where}" if a < b else "the same to two decimals"


def _correlation_word(r):
    return "anti-correlated" if r < -0.1 else "positively correlated" if r > 0.1 else "roughly uncorrelated"


def _char_name(ch):
    return {" ": "space", "\n": "newline", "\t": "tab"}.get(ch, repr(ch))


class _Finding:
    """Builds one finding's text; every number goes through `num`, which records its source."""

    def __init__(self, results, title):
        self.results, self.title, self.sources = results, title, []

    def num(self, path, decimals=2, percent=False):
        """Format lookup(results, path) and remember (path, scale, decimals)."""
        scale = 100 if percent else 1
        self.sources.append((tuple(path), scale, decimals))
        text = f"{lookup(self.results, path) * scale:.{decimals}f}"
        return text + "%" if percent else text

    def done(self, text):
        return {"title": self.title, "text": text, "sources": self.sources}


def build_findings(results):
    """Turn the measurements of one run into findings whose wording follows the numbers.

    Args:
        results: dict from collect_results.
    Returns:
        list of dicts {"title", "text", "sources"}; sources lists, in the order they
        appear in the text, (path into results, scale, decimals) of every number printed.
    """
    findings = []
    text, ctx = results["text"], results["contexts"]

    # 1. Which gates are most active.
    F = _Finding(results, "Which gates are most active (natural text)")
    most, least = text["most_active_gate"], text["least_active_gate"]
    parts = [f"On natural text the {most} gate is the most open (mean {F.num(('text', 'gates', most, 'mean'))}) "
             f"and the {least} gate the least open (mean {F.num(('text', 'gates', least, 'mean'))})."]
    for gate in GATES:
        parts.append(
            f"{gate}: mean {F.num(('text', 'gates', gate, 'mean'))}, std {F.num(('text', 'gates', gate, 'std'))}, "
            f"above {F.num(('text', 'thresholds', 'high'), 1)} on {F.num(('text', 'gates', gate, 'share_high'), 1, True)}"
            f" and below {F.num(('text', 'thresholds', 'low'), 1)} on "
            f"{F.num(('text', 'gates', gate, 'share_low'), 1, True)} of unit-steps.")
    f_mean = text["gates"]["forget"]["mean"]
    if f_mean > 0.5:
        parts.append("Since f near one means KEEP, the cells mostly carry their contents from one "
                     "character to the next.")
    else:
        parts.append("Since f near one means KEEP, a forget mean at or below one half says the cells "
                     "erase more than they keep from one character to the next.")
    findings.append(F.done(" ".join(parts)))

    # 2. Unit specialisation: always on / always off.
    F = _Finding(results, "Do units specialise (always on / always off)?")
    parts = [f"A unit counts as always on (off) if its gate is above {F.num(('text', 'thresholds', 'high'), 1)} "
             f"(below {F.num(('text', 'thresholds', 'low'), 1)}) on at least "
             f"{F.num(('text', 'thresholds', 'always_share'), 0, True)} of the steps."]
    for gate in GATES:
        on = text["units"][gate]["always_on"]
        part = (f"{gate}: {F.num(('text', 'units', gate, 'num_always_on'), 0)} of "
                f"{F.num(('text', 'hidden_size'), 0)} units always on")
        if on:
            shown = ", ".join(F.num(("text", "units", gate, "always_on", k), 0) for k in range(min(len(on), 6)))
            part += f" ({'unit' if len(on) == 1 else 'units'} {shown}{', ...' if len(on) > 6 else ''})"
        parts.append(f"{part}, {F.num(('text', 'units', gate, 'num_always_off'), 0)} always off.")
    pinned = sum(text["units"][g]["num_always_on"] + text["units"][g]["num_always_off"] for g in GATES)
    forget_units = text["units"]["forget"]
    for kind, share_key, unit_key, threshold, verb in (
            ("on", "share_high", "most_on_unit", "high", "keeping"),
            ("off", "share_low", "most_off_unit", "low", "erasing")):
        k = forget_units[unit_key]
        if forget_units[share_key][k] == 0:
            parts.append(f"No forget unit is ever {'above' if kind == 'on' else 'below'} "
                         f"{F.num(('text', 'thresholds', threshold), 1)}.")
        else:
            parts.append(f"Closest to always {verb} is forget unit {F.num(('text', 'units', 'forget', unit_key), 0)}"
                         f" (f {'above' if kind == 'on' else 'below'} {F.num(('text', 'thresholds', threshold), 1)}"
                         f" on {F.num(('text', 'units', 'forget', share_key, k), 1, True)} of steps).")
    if pinned == 0:
        parts.append("No unit is pinned: every unit's gates move with the input.")
    meaning = {
        ("forget", "on"): "an always-on forget unit keeps its cell across the whole text, a slow long-term memory",
        ("forget", "off"): "an always-off forget unit erases its cell at every step, so it holds only the "
                           "current character",
        ("input", "on"): "an always-on input unit writes its candidate at every step",
        ("input", "off"): "an always-off input unit never writes, so its cell only fades",
        ("output", "on"): "an always-on output unit always shows its cell in h_t",
        ("output", "off"): "an always-off output unit hides its cell from h_t and the prediction",
    }
    said = [sentence for (gate, kind), sentence in meaning.items() if text["units"][gate][f"num_always_{kind}"]]
    if said:
        parts.append("Read as switches: " + "; ".join(said) + ".")
    findings.append(F.done(" ".join(parts)))

    # 3. Word boundaries against inside words.
    word = ctx["word"]
    if word["counts"]["boundary"] and word["counts"]["inside"]:
        F = _Finding(results, "Word boundaries against inside words")
        parts = [f"On the {F.num(('contexts', 'word', 'counts', 'boundary'), 0)} steps that read a space or "
                 f"punctuation against the {F.num(('contexts', 'word', 'counts', 'inside'), 0)} steps that "
                 f"read a letter:"]
        for gate in GATES:
            direction = _direction(word["boundary"][gate], word["inside"][gate], " at boundaries")
            parts.append(f"{gate} {F.num(('contexts', 'word', 'boundary', gate))} vs "
                         f"{F.num(('contexts', 'word', 'inside', gate))} ({direction});")
        sel = word["most_selective_unit"]["forget"]
        parts.append(
            f"the forget gate of unit {F.num(('contexts', 'word', 'most_selective_unit', 'forget', 'unit'), 0)} "
            f"differs most: {F.num(('contexts', 'word', 'most_selective_unit', 'forget', 'boundary'))} at "
            f"boundaries vs {F.num(('contexts', 'word', 'most_selective_unit', 'forget', 'inside'))} inside words, "
            + ("even this largest gap is small, so no forget unit clearly marks word ends."
               if abs(sel["boundary"] - sel["inside"]) < 0.1
               else "so it lets its cell fade at word boundaries and keeps it inside words."
               if sel["boundary"] < sel["inside"]
               else "so it keeps its cell across word boundaries and lets it fade inside words."))
        findings.append(F.done(" ".join(parts)))

    # 4. Sentence ends.
    if word["counts"]["sentence_end"]:
        F = _Finding(results, "Sentence ends")
        parts = [f"On the {F.num(('contexts', 'word', 'counts', 'sentence_end'), 0)} steps that read "
                 f"'.', '!' or '?', against all steps:"]
        for gate in GATES:
            direction = _direction(word["sentence_end"][gate], word["all"][gate])
            parts.append(f"{gate} {F.num(('contexts', 'word', 'sentence_end', gate))} vs "
                         f"{F.num(('contexts', 'word', 'all', gate))} ({direction});")
        gap = word["sentence_end"]["forget"] - word["all"]["forget"]
        parts.append("the cells keep clearly less at a sentence end than on average." if gap <= -0.05 else
                     "the cells keep clearly more at a sentence end than on average." if gap >= 0.05 else
                     "the forget gate barely moves at sentence ends, so they do not reset the cells as a whole.")
        findings.append(F.done(" ".join(parts)))

    # 5. Response to specific characters.
    frequent = text["frequent_chars"]
    if frequent:
        F = _Finding(results, "How gates respond to specific characters")
        per_char = text["per_char"]
        parts = [f"Over the characters read at least {F.num(('text', 'thresholds', 'min_char_count'), 0)} times:"]
        for gate in GATES:
            lo = min(frequent, key=lambda ch: per_char[gate][ch])
            hi = max(frequent, key=lambda ch: per_char[gate][ch])
            parts.append(f"{gate} is lowest when reading {_char_name(lo)} "
                         f"({F.num(('text', 'per_char', gate, lo))}) and highest when reading "
                         f"{_char_name(hi)} ({F.num(('text', 'per_char', gate, hi))});")
        spread = {g: max(per_char[g][ch] for ch in frequent) - min(per_char[g][ch] for ch in frequent)
                  for g in GATES}
        parts.append(f"the {max(GATES, key=spread.get)} gate depends most on which character is read.")
        findings.append(F.done(" ".join(parts)))

    # 6. Forget-input correlation, with the sign it has.
    F = _Finding(results, "Forget-input correlation")
    r, r_unit = text["forget_input"]["pooled_r"], text["forget_input"]["mean_unit_r"]
    if math.isnan(r) or math.isnan(r_unit):
        findings.append(F.done("The forget-input correlation is undefined here: the forget or the input "
                               "gate is constant over the whole text."))
    else:
        parts = [f"Pooled over all unit-steps r(f, i) = {F.num(('text', 'forget_input', 'pooled_r'))}; "
                 f"within each unit over time the mean r is {F.num(('text', 'forget_input', 'mean_unit_r'))}"
                 f", negative in {F.num(('text', 'forget_input', 'share_units_negative'), 0, True)} of units."]
        pooled_word, unit_word = _correlation_word(r), _correlation_word(r_unit)
        claim = ("as is often claimed" if pooled_word == "anti-correlated"
                 else "so the often-claimed anti-correlation does not show")
        parts.append(f"Pooled, the gates are {pooled_word}, {claim}.")
        if unit_word == pooled_word:
            parts.append({"anti-correlated": "Within units they are anti-correlated as well: a unit tends to "
                                             "erase at the steps where it writes.",
                          "positively correlated": "Within units they are positively correlated as well: a unit "
                                                   "tends to keep and write at the same steps.",
                          "roughly uncorrelated": "Within units they are roughly uncorrelated as well: no "
                                                  "trade-off between keeping and writing shows."}[unit_word])
        else:
            parts.append(f"Within units, however, they are {unit_word}: the pooled value mixes in "
                         f"differences between units (units that keep more on average may write less, "
                         f"or more), while the within-unit value says how each unit trades keeping "
                         f"against writing over time.")
        findings.append(F.done(" ".join(parts)))

    # 7. Repeating pattern against natural text.
    F = _Finding(results, "Repeating pattern against natural text")
    pvt = ctx["pattern_vs_text"]
    parts = [f"Loss/char at the end: pattern {F.num(('training', 'pattern', 'final_loss'), 3)}, "
             f"text {F.num(('training', 'text', 'final_loss'), 3)}. Share of saturated unit-steps "
             f"(pattern vs text):"]
    for name in GATES + ("all_gates",):
        parts.append(f"{name.replace('_', ' ')} "
                     f"{F.num(('contexts', 'pattern_vs_text', 'pattern', name, 'share_saturated'), 1, True)}"
                     f" vs {F.num(('contexts', 'pattern_vs_text', 'text', name, 'share_saturated'), 1, True)};")
    gap = pvt["pattern"]["all_gates"]["share_saturated"] - pvt["text"]["all_gates"]["share_saturated"]
    parts.append("the pattern model's gates are more often saturated, closer to on/off switches." if gap >= 0.05
                 else "the natural-text model's gates are more often saturated." if gap <= -0.05
                 else "both models saturate their gates about equally often.")
    cycle = ctx["pattern_cycle"]
    if cycle is not None:
        parts.append(
            f"Over the second half of the pattern the gates change by "
            f"{F.num(('contexts', 'pattern_cycle', 'change_per_period'), 3)} on average over one period of "
            f"{F.num(('contexts', 'pattern_cycle', 'period'), 0)} steps, against "
            f"{F.num(('contexts', 'pattern_cycle', 'change_per_step'), 3)} from one step to the next: "
            + ("they repeat with the pattern, a fixed response to each position in the cycle."
               if cycle["change_per_period"] < 0.1 * cycle["change_per_step"]
               else "they have not settled into the pattern's cycle."))
    findings.append(F.done(" ".join(parts)))

    # 8. Early against late in training.
    F = _Finding(results, "Early against late in training (natural text)")
    evl = ctx["early_vs_late"]
    parts = [f"After {F.num(('training', 'text', 'early_iteration'), 0)} iterations (loss/char "
             f"{F.num(('training', 'text', 'early_loss'))}) against after "
             f"{F.num(('training', 'text', 'iterations'), 0)} (loss/char "
             f"{F.num(('training', 'text', 'final_loss'))}), mean and share saturated:"]
    for name in GATES + ("all_gates",):
        parts.append(f"{name.replace('_', ' ')} {F.num(('contexts', 'early_vs_late', 'early', name, 'mean'))} -> "
                     f"{F.num(('contexts', 'early_vs_late', 'late', name, 'mean'))}, "
                     f"{F.num(('contexts', 'early_vs_late', 'early', name, 'share_saturated'), 1, True)} -> "
                     f"{F.num(('contexts', 'early_vs_late', 'late', name, 'share_saturated'), 1, True)};")
    gap = evl["late"]["all_gates"]["share_saturated"] - evl["early"]["all_gates"]["share_saturated"]
    parts.append("training pushes the gates towards saturation (on/off)." if gap >= 0.05
                 else "training moves the gates away from saturation." if gap <= -0.05
                 else "the share of saturated gates hardly changes with training.")
    findings.append(F.done(" ".join(parts)))
    return findings


def format_findings(findings, width=92):
    """Render findings as numbered, wrapped paragraphs (one str)."""
    lines = []
    for k, finding in enumerate(findings, 1):
        lines.append(f"{k}. {finding['title']}")
        lines.extend(textwrap.wrap(finding["text"], width, initial_indent="   ", subsequent_indent="   ",
                                   break_on_hyphens=False))
    return "\n".join(lines)


def format_gate_table(analysis, label):
    """A small table of analyze_gate_patterns(...)["gates"] (one str)."""
    high, low = analysis["thresholds"]["high"], analysis["thresholds"]["low"]
    lines = [f"{label}: {analysis['num_steps']} steps x {analysis['hidden_size']} units",
             f"  gate      mean   std   >{high:g}   <{low:g}"]
    for gate in GATES:
        g = analysis["gates"][gate]
        lines.append(f"  {gate:<8}  {g['mean']:.2f}  {g['std']:.2f}  {g['share_high']:5.1%}  {g['share_low']:5.1%}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------
# Plotting
# ----------------------------------------------------------------------------------------
def _display_char(ch):
    """A visible tick label for a character: space, newline, tab and carriage return get symbols."""
    return {" ": "\u2423", "\n": "\u21b5", "\t": "\u21e5", "\r": "\\r"}.get(ch, ch)


def visualize_gates(activations, path, title, start=0, length=WINDOW, close=True):
    """Draw heatmaps of f_t, i_t, o_t and C_t (units against time) and save them as a PNG.

    Args:
        activations: dict from capture_gate_activations.
        path: where to save the PNG.
        title: the figure title.
        start, length: the window of steps to show; long texts are shown as a window so
            that every character stays a readable tick label.
        close: close the figure after saving (False keeps it for plt.show()).
    Returns:
        the matplotlib Figure.
    """
    T, H = activations["forget"].shape
    _check_positive_int("length", length)
    if not 0 <= start < T:
        raise ValueError(f"start: expected a step in [0, {T}), got {start!r}")
    window = slice(start, min(T, start + length))
    chars = activations["chars"][window]
    n = len(chars)
    panels = [
        ("forget", "Forget gate f_t  (1 = keep the cell, 0 = erase it)", "viridis", 0.0, 1.0, "f_t"),
        ("input", "Input gate i_t  (1 = write the candidate into the cell)", "viridis", 0.0, 1.0, "i_t"),
        ("output", "Output gate o_t  (1 = expose the cell in h_t)", "viridis", 0.0, 1.0, "o_t"),
    ]
    c_max = max(float(np.abs(activations["cell"][window]).max()), 1e-6)
    panels.append(("cell", "Cell state C_t  (red > 0 > blue)", "RdBu_r", -c_max, c_max, "C_t"))

    # A fixed layout in inches (constrained layout would double the drawing time): 0.17 in
    # per character keeps every tick label readable; the colour bars sit right of each panel.
    width, height = max(8.0, 0.17 * n + 2.5), 12.5
    fig, axes = plt.subplots(4, 1, figsize=(width, height))
    fig.subplots_adjust(left=0.7 / width, right=1 - 1.2 / width, bottom=0.8 / height, top=1 - 0.65 / height,
                        hspace=0.28)
    for ax, (key, panel_title, cmap, vmin, vmax, label) in zip(axes, panels):
        image = ax.imshow(activations[key][window].T, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                          interpolation="nearest")
        box = ax.get_position()
        colour_bar_axes = fig.add_axes([box.x1 + 0.12 / width, box.y0, 0.15 / width, box.height])
        fig.colorbar(image, cax=colour_bar_axes, label=label)
        ax.set_title(panel_title, fontsize=11, loc="left")
        ax.set_ylabel("unit")
        ax.set_yticks(range(0, H, max(1, H // 8)))
        ax.set_xticks([])
    axes[-1].set_xticks(range(n))
    axes[-1].set_xticklabels([_display_char(ch) for ch in chars], fontfamily="monospace", fontsize=9)
    symbols = [f"{_display_char(ch)} = {name}" for ch, name in ((" ", "space"), ("\n", "newline"), ("\t", "tab"))
               if ch in chars]
    axes[-1].set_xlabel(f"character read at step t (steps {window.start}-{window.start + n - 1} of {T}"
                        + "".join("; " + symbol for symbol in symbols) + ")")
    fig.suptitle(title, fontsize=13, y=1 - 0.2 / height)
    fig.savefig(path, dpi=110)
    if close:
        plt.close(fig)
    return fig


def plot_context_comparison(comparison, path, title, close=True):
    """Bar charts of compare_gates_across_contexts(...): mean gates by context (left), the
    forget gate's per-unit gap between word boundaries and insides (middle), and the
    saturated share by model and training stage (right). Saves a PNG; returns the Figure."""
    x = np.arange(len(GATES))
    word = comparison["word"]
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(17, 5), layout="constrained",
                                              gridspec_kw={"width_ratios": [1, 1.2, 1]})

    contexts = [("inside", "inside words"), ("boundary", "word boundaries"),
                ("sentence_end", "sentence ends"), ("all", "all steps")]
    width = 0.8 / len(contexts)
    for k, (key, label) in enumerate(contexts):
        if word["counts"][key]:
            values = [word[key][gate] for gate in GATES]
            left.bar(x + (k - 1.5) * width, values, width, label=f"{label} (n={word['counts'][key]})")
    left.set_xticks(x, [f"{gate} gate" for gate in GATES])
    left.set_ylim(0, 1)
    left.set_ylabel("mean gate value (0 to 1)")
    left.set_title("Natural text: mean gate value by the character read")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=9)

    if "forget" in word["unit_gap"]:
        gap = word["unit_gap"]["forget"]
        middle.bar(np.arange(len(gap)), gap, color=np.where(gap < 0, "tab:blue", "tab:orange"))
        middle.set_xticks(range(0, len(gap), max(1, len(gap) // 16)))
    middle.axhline(0.0, color="black", linewidth=0.8)
    middle.set_ylim(-1, 1)
    middle.set_xlabel("unit (same numbering as the heatmap rows)")
    middle.set_ylabel("mean f_t at boundaries - inside words")
    middle.set_title("Forget gate per unit: < 0 keeps less at word boundaries")

    stages = [(comparison["pattern_vs_text"]["pattern"], "pattern model"),
              (comparison["early_vs_late"]["early"], "text model, early"),
              (comparison["early_vs_late"]["late"], "text model, end")]
    width = 0.8 / len(stages)
    for k, (summary, label) in enumerate(stages):
        values = [100 * summary[gate]["share_saturated"] for gate in GATES]
        right.bar(x + (k - 1) * width, values, width, label=label)
    right.set_xticks(x, [f"{gate} gate" for gate in GATES])
    right.set_ylim(0, 100)
    right.set_ylabel(f"saturated unit-steps (%, <{SATURATION_LOW:g} or >{SATURATION_HIGH:g})")
    right.set_title("Saturation by model and training stage")
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=9)
    fig.suptitle(title, fontsize=13)
    fig.savefig(path, dpi=110)
    if close:
        plt.close(fig)
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
        description="Train two LSTMs (a repeating pattern and natural English text), capture every "
                    "unit's gate activations, measure what the gates do and draw them as heatmaps.",
        epilog="Prints training progress, a table of gate statistics and a findings report whose "
               "numbers are measured in the run; saves ex2_gates_pattern.png, ex2_gates_text.png and "
               "ex2_contexts.png (plus ex2_gates_probe.png with --probe) under --outdir.")
    parser.add_argument("--seed", type=int, default=SEED,
                        help=f"seed of the weight initialisation and the samples (default {SEED})")
    parser.add_argument("--iterations", type=int, default=None,
                        help=f"training updates of the natural-text model (default {ITERATIONS}, "
                             f"--quick {QUICK_ITERATIONS})")
    parser.add_argument("--pattern-iterations", type=int, default=None,
                        help=f"training updates of the pattern model (default {PATTERN_ITERATIONS}, "
                             f"--quick {QUICK_PATTERN_ITERATIONS})")
    parser.add_argument("--hidden-size", type=int, default=HIDDEN_SIZE,
                        help=f"units per model (default {HIDDEN_SIZE})")
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE,
                        help=f"Adagrad learning rate (default {LEARNING_RATE})")
    parser.add_argument("--pattern", default=PATTERN,
                        help=f"the repeated unit of the pattern text (default {PATTERN!r})")
    parser.add_argument("--text", metavar="FILE", default=None,
                        help="train the natural-text model on this UTF-8 file instead of the built-in corpus")
    parser.add_argument("--probe", metavar="STRING", default=None,
                        help="also draw the natural-text model's gates on this string "
                             "(only characters of the training text)")
    parser.add_argument("--window", type=int, default=WINDOW,
                        help=f"characters shown per heatmap, at most {MAX_WINDOW} (default {WINDOW})")
    parser.add_argument("--quick", action="store_true", help="short training, a few seconds")
    parser.add_argument("--outdir", default=OUTDIR, help=f"where figures go (default {OUTDIR})")
    parser.add_argument("--show", action="store_true", help="open the figures in windows")
    return parser


def _read_text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as err:
        raise ValueError(f"text: cannot read {path!r}: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"text: expected a UTF-8 file, got undecodable bytes in {path!r} "
                         f"at byte {err.start}") from None


def _window_start(chars, length):
    """Start a heatmap window at the beginning of the second sentence, if the text has one
    that leaves a full window, so the state has warmed up; else at step 0."""
    text = "".join(chars)
    for k, ch in enumerate(text):
        if ch in SENTENCE_ENDS and k + 2 < len(text) and text[k + 1] == " ":
            return k + 2 if k + 2 + length <= len(text) else 0
    return 0


def run(args):
    """The demo: train, capture, analyse, report, draw. Returns the exit code 0."""
    if args.seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {args.seed!r}")
    iterations = args.iterations if args.iterations is not None else (
        QUICK_ITERATIONS if args.quick else ITERATIONS)
    pattern_iterations = args.pattern_iterations if args.pattern_iterations is not None else (
        QUICK_PATTERN_ITERATIONS if args.quick else PATTERN_ITERATIONS)
    _check_positive_int("iterations", iterations)
    _check_positive_int("pattern_iterations", pattern_iterations)
    _check_positive_int("hidden_size", args.hidden_size)
    _check_positive_int("window", args.window)
    if args.window > MAX_WINDOW:
        raise ValueError(f"window: expected at most {MAX_WINDOW} characters (for readable labels), "
                         f"got {args.window}")
    if not (math.isfinite(args.learning_rate) and args.learning_rate > 0):
        raise ValueError(f"learning_rate: expected a positive number, got {args.learning_rate!r}")
    if len(set(args.pattern)) < 2:
        raise ValueError(f"pattern: expected at least 2 distinct characters, got {args.pattern!r}")
    text = DEFAULT_CORPUS if args.text is None else _read_text(args.text)
    validate_text(text, SEQ_LENGTH)
    chars, char_to_id = build_vocab(text)
    if args.probe is not None:
        encode(args.probe, char_to_id)                     # reject a bad probe before training
    repeats = max(3, -(-max(PATTERN_LENGTH, SEQ_LENGTH + 1) // len(args.pattern)))   # ceiling division
    pattern_text = args.pattern * repeats
    p_chars, p_char_to_id = build_vocab(pattern_text)
    os.makedirs(args.outdir, exist_ok=True)
    started = time.perf_counter()

    print(f"[1/2] pattern model: {args.pattern!r} repeated ({len(pattern_text)} chars, "
          f"{len(p_chars)} symbols), hidden {args.hidden_size}, {pattern_iterations} iterations", flush=True)
    pattern_model = LSTMFromScratch(len(p_chars), args.hidden_size, len(p_chars), seed=args.seed)

    def log(line):
        print("  " + line, flush=True)

    pattern_run = train(pattern_model, encode(pattern_text, p_char_to_id), pattern_iterations,
                        learning_rate=args.learning_rate, log=log)
    H = args.hidden_size
    sample = pattern_model.sample(np.zeros(H), np.zeros(H), p_char_to_id[pattern_text[0]], 40, TEMPERATURE)
    print(f"  sample: {pattern_text[0] + ''.join(p_chars[k] for k in sample)}", flush=True)

    source = "built-in corpus" if args.text is None else args.text
    early_iteration = max(1, round(EARLY_FRACTION * iterations))
    print(f"[2/2] natural-text model: {source} ({len(text)} chars, {len(chars)} symbols), "
          f"hidden {H}, {iterations} iterations (early snapshot after {early_iteration})", flush=True)
    text_model = LSTMFromScratch(len(chars), H, len(chars), seed=args.seed)
    text_run = train(text_model, encode(text, char_to_id), iterations, learning_rate=args.learning_rate,
                     snapshot_iteration=early_iteration, log=log)
    sample = text_model.sample(np.zeros(H), np.zeros(H), char_to_id[text[0]], SAMPLE_LENGTH, TEMPERATURE)
    print("  sample: " + repr(text[0] + "".join(chars[k] for k in sample)), flush=True)

    analysed = text[:ANALYSIS_CHARS]                       # (T, H) caches stay small for any file
    if len(analysed) < len(text):
        print(f"  the analysis reads the first {len(analysed)} of {len(text)} characters", flush=True)
    text_acts = capture_gate_activations(text_model, analysed, char_to_id)
    early_acts = capture_gate_activations(text_run["snapshot"], analysed, char_to_id)
    pattern_acts = capture_gate_activations(pattern_model, pattern_text, p_char_to_id)
    results = collect_results(text_acts, early_acts, pattern_acts, training={
        "text": {"early_iteration": early_iteration, "early_loss": text_run["snapshot_loss"],
                 "iterations": iterations, "final_loss": text_run["final_loss"]},
        "pattern": {"iterations": pattern_iterations, "final_loss": pattern_run["final_loss"]},
    })
    findings = build_findings(results)

    print("\nGate statistics (share of unit-steps above / below the saturation thresholds)")
    print(format_gate_table(results["pattern"], "pattern model on the pattern"))
    print(format_gate_table(results["text"], "natural-text model on its text"))
    print(f"\nFindings (measured in this run, seed {args.seed})")
    print(format_findings(findings))

    close = not args.show
    saved = [os.path.join(args.outdir, name) for name in
             ("ex2_gates_pattern.png", "ex2_gates_text.png", "ex2_contexts.png")]
    visualize_gates(pattern_acts, saved[0], f"Gates of the pattern model on {args.pattern!r} repeated "
                    f"(seed {args.seed}, {pattern_iterations} iterations)",
                    start=0, length=args.window, close=close)
    start = _window_start(text_acts["chars"], args.window)
    visualize_gates(text_acts, saved[1], f"Gates of the natural-text model on its text "
                    f"(seed {args.seed}, {iterations} iterations, loss/char {text_run['final_loss']:.2f})",
                    start=start, length=args.window, close=close)
    plot_context_comparison(results["contexts"], saved[2], f"Gate statistics by context (seed {args.seed}, "
                            f"text model after {iterations} iterations)", close=close)
    if args.probe is not None:
        saved.append(os.path.join(args.outdir, "ex2_gates_probe.png"))
        visualize_gates(capture_gate_activations(text_model, args.probe, char_to_id), saved[-1],
                        f"Gates of the natural-text model on the probe string (seed {args.seed})",
                        start=0, length=args.window, close=close)

    print(f"\nSummary: pattern model loss/char {pattern_run['final_loss']:.3f} after {pattern_iterations} "
          f"iterations; text model loss/char {text_run['final_loss']:.2f} after {iterations} (uniform guess "
          f"{math.log(len(chars)):.2f}); {len(findings)} findings; {time.perf_counter() - started:.1f} s.")
    print("Figures: " + ", ".join(saved))
    if args.show:
        plt.show()
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

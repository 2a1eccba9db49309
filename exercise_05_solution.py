"""Exercise 5: a GRU from scratch, compared fairly with the LSTM, plus a speed benchmark.

The exercise
------------
Implement a GRU (forward, backpropagation through time, Adagrad) in the interface of the
Exercise 1 LSTM, train both models on the same text with the same hyperparameters, and
compare parameter count, time per iteration, final loss and sample quality. The course
claims that the GRU has "25-30% fewer parameters", "trains 10-20% faster" and gives
"similar final performance"; this script measures each claim and prints a verdict that
follows from the numbers of the run.

The equations (course notation; concat = [h_prev, x_t], h first)
-----------------------------------------------------------------
GRU:
    r_t     = sigmoid(Wr . [h_prev, x_t] + br)          reset gate
    z_t     = sigmoid(Wz . [h_prev, x_t] + bz)          update gate (1 = take the candidate)
    h_tilde = tanh(Wh . [r_t * h_prev, x_t] + bh)       candidate state
    h_t     = (1 - z_t) * h_prev + z_t * h_tilde
LSTM (as in Exercise 1):
    f_t = sigmoid(Wf . concat + bf)    i_t = sigmoid(Wi . concat + bi)
    C_tilde = tanh(Wc . concat + bc)   o_t = sigmoid(Wo . concat + bo)
    C_t = f_t * C_prev + i_t * C_tilde                h_t = o_t * tanh(C_t)
Both:
    y_t  = softmax(Wy . h_t + by)      loss = - sum_t ln y_t[target_t]   (nats, summed)

Every gate matrix is (H, H + D) and every gate bias (H,), so the recurrent cell has
4 H (H + D + 1) parameters in the LSTM and 3 H (H + D + 1) in the GRU: exactly 25% fewer
at the same hidden size H. The output layer Wy (V, H), by (V,) is the same in both.

Speed: both models keep their gate matrices in one fused array (W; Wf... or Wr... are
named views into it), so a time step costs one matmul for all gates of the LSTM and two
for the GRU (its candidate needs r_t first). The input projection of all time steps, the
output layer and the weight gradients are each a single operation outside the time loop.

How to run
----------
    python exercise_05_solution.py               # the comparison, 5 seeds, about 2 minutes
    python exercise_05_solution.py --quick       # a short comparison, about 10 seconds
    python exercise_05_solution.py --benchmark   # ms per training step, H 64-512, B 1-64, T 50
    python exercise_05_solution.py --text my.txt --hidden-size 64 --iterations 500

The comparison prints progress lines, the parameter counts by block, time per iteration,
held-out loss per character (mean +- std over seeds), text samples and a verdict on each
of the course's three claims; it saves outputs/ex5_comparison.png. The benchmark prints a
table of ms per step and the share of that time spent in the matrix multiplies the step
cannot avoid; it saves outputs/ex5_benchmark.png.
"""

import argparse
import math
import os
import re
import sys
import time

# The per-step matmuls here are small: a second BLAS thread costs more in synchronisation
# than it saves, and makes every timing depend on the machine's load (3-4x slower steps on
# a busy 2-core machine). Both models get one thread; set OPENBLAS_NUM_THREADS to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import matplotlib.pyplot as plt

# ----------------------------------------------------------------------------------------
# Defaults (all overridable from the command line)
# ----------------------------------------------------------------------------------------
SEED = 0
SEEDS = 5                 # training runs per model; seeds are SEED, SEED + 1, ...
HIDDEN_SIZE = 128
SEQ_LENGTH = 25
BATCH_SIZE = 16           # parallel streams through the text
LEARNING_RATE = 0.1
ITERATIONS = 700          # held-out minimum near 250-330 (LSTM, GRU), 450 or later (matched GRU)
QUICK = dict(hidden_size=64, iterations=120, seeds=3)
TEMPERATURE = 0.7
CLIP_VALUE = 5.0          # elementwise gradient clipping range [-5, 5], as the course teaches
HELDOUT_FRACTION = 0.1    # the last 10% of the text is never trained on
EVALUATIONS = 20          # held-out evaluations per run (the best one is the early-stopping loss)
SAMPLE_LENGTH = 200
SIMILAR_LOSS = 0.03       # "similar performance": held-out losses within 3% of each other
OUTDIR = "outputs"

BENCH_HIDDEN_SIZES = (64, 128, 256, 512)
BENCH_BATCH_SIZES = (1, 8, 64)
BENCH_SEQ_LENGTH = 50
BENCH_MIN_SECONDS = 0.6   # repeat each measurement at least this long (and >= 3 times)
QUICK_BENCH = dict(hidden_sizes=(64, 256), batch_sizes=(1, 64))

# ----------------------------------------------------------------------------------------
# Data: an English text written for this project (the one Exercise 1 uses).
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
        (chars, char_to_id): the sorted distinct characters and the inverse dict.
    """
    chars = sorted(set(text))
    return chars, {ch: k for k, ch in enumerate(chars)}


def split_text(text, seq_length, batch_size):
    """Split `text` into a training part and a held-out part (the last HELDOUT_FRACTION).

    Raises ValueError unless the training part gives every one of the `batch_size`
    parallel streams at least one window of seq_length + 1 characters, and the held-out
    part has at least 2 characters.
    Returns:
        (train_text, heldout_text): two str.
    """
    if len(set(text)) < 2:
        raise ValueError(f"text: expected at least 2 distinct characters, got {len(set(text))}")
    n_heldout = max(2, int(len(text) * HELDOUT_FRACTION))
    needed = batch_size * seq_length + 1 + n_heldout
    if len(text) < needed:
        raise ValueError(
            f"text: expected at least batch_size * seq_length + 1 = {batch_size * seq_length + 1} "
            f"training characters plus {n_heldout} held-out ones ({needed} in all), got {len(text)}")
    return text[:-n_heldout], text[-n_heldout:]


def batch_windows(ids, seq_length, batch_size):
    """Cut `ids` into `batch_size` parallel streams and yield their windows forever.

    Stream b reads ids[b * L : (b + 1) * L] with L = (len(ids) - 1) // batch_size, so the
    hidden state can be carried from one window to the next (truncated BPTT).
    Yields:
        (inputs, targets, restart): inputs and targets are (seq_length, batch_size) int
        arrays, targets shifted one character ahead; restart is True when the streams
        start again from their beginning (the carried states should be reset then).
    """
    ids = np.asarray(ids)
    stream_length = (len(ids) - 1) // batch_size
    starts = np.arange(batch_size) * stream_length
    offsets = np.arange(seq_length)[:, None] + starts[None, :]          # (T, B)
    position = 0
    while True:
        if position + seq_length > stream_length:      # the streams are used up: start again
            position = 0
        yield ids[offsets + position], ids[offsets + position + 1], position == 0
        position += seq_length


# ----------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------
def sigmoid(x):
    """Logistic function, stable for any float input.

    sigmoid(x) = 0.5 * (1 + tanh(x / 2)) is the same function, but tanh saturates instead
    of overflowing, so np.exp(-x) for x = -1000 never happens.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sigmoid_inplace(a):
    """Overwrite `a` with sigmoid(a), without temporaries (same formula as `sigmoid`)."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


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


class CharRNN:
    """What the LSTM and the GRU share: the output layer, Adagrad, clipping and checks.

    A subclass names its gates in FUSED_W / FUSED_B, in the row order of the fused gate
    weights W (n_gates * H, H + D) and biases b (n_gates * H,). Each gate's matrix (e.g.
    Wf) is a view of H rows of W, so writing to Wf writes to W; the same holds for the
    gradients (dWf is a view of dW) and the Adagrad memory.

    Args:
        input_size: D, the number of input token ids (inputs are one-hot).
        hidden_size: H, the size of h_t.
        output_size: V, the number of output classes.
        seed: seeds the weight initialisation and `sample`.
        clip_value: gradients are clipped elementwise to [-clip_value, clip_value] in
            `backward`; None switches clipping off (a gradient check needs it off).
    """

    FUSED_W = ()
    FUSED_B = ()

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        _check_positive_int("input_size", input_size)
        _check_positive_int("hidden_size", hidden_size)
        _check_positive_int("output_size", output_size)
        if clip_value is not None:
            _check_positive_number("clip_value", clip_value)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.clip_value = clip_value
        self.rng = np.random.default_rng(seed)

        H, D, V = hidden_size, input_size, output_size
        n_gates = len(self.FUSED_W)
        # Gate weights ~ N(0, 1/(H+D)): pre-activations start with unit-order variance.
        self.W = self.rng.normal(0.0, 1.0 / np.sqrt(H + D), (n_gates * H, H + D))
        self.b = np.zeros(n_gates * H)
        # A small output layer makes the first prediction nearly uniform: loss ~ T ln V.
        self.Wy = self.rng.normal(0.0, 0.01, (V, H))
        self.by = np.zeros(V)
        for name, view in self._gate_views(self.W, self.b).items():
            setattr(self, name, view)

        # Adagrad memory: running sum of squared gradients, one array per fused parameter;
        # `memory` names the per-gate views, as in Exercise 1.
        self._memory = {name: np.zeros_like(getattr(self, name)) for name in ("W", "b", "Wy", "by")}
        self.memory = {**self._gate_views(self._memory["W"], self._memory["b"]),
                       "Wy": self._memory["Wy"], "by": self._memory["by"]}

        self._buffers = {}
        self._has_forward = False

    def _gate_views(self, W, b):
        """{"Wf": W[0:H], "bf": b[0:H], "Wi": W[H:2H], ...}: each gate's rows of a fused pair."""
        H = self.hidden_size
        views = {}
        for k, (w_name, b_name) in enumerate(zip(self.FUSED_W, self.FUSED_B)):
            views[w_name] = W[k * H:(k + 1) * H]
            views[b_name] = b[k * H:(k + 1) * H]
        return views

    def _buffer(self, name, shape):
        """A reusable scratch array: allocated once per shape, overwritten by every call."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape != shape:
            buf = self._buffers[name] = np.empty(shape)
        return buf

    def _prepare(self, inputs, targets, states):
        """Validate a forward call before any state changes.

        Args:
            inputs, targets: int ids, (T,) or (T, B).
            states: dict name -> initial state, (H,) or (B, H).
        Returns:
            (X, Y, single, states): X and Y as (T, B) int arrays, single = True when the
            call was for one sequence, and the states as a list of (B, H) float arrays.
        """
        inputs = _check_token_ids("inputs", inputs, self.input_size)
        targets = _check_token_ids("targets", targets, self.output_size)
        if targets.shape != inputs.shape:
            raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, got {targets.shape}")
        single = inputs.ndim == 1
        X = inputs.reshape(inputs.shape[0], -1)
        B, H = X.shape[1], self.hidden_size
        state_shape = (H,) if single else (B, H)
        arrays = [_check_state(name, value, state_shape).reshape(B, H) for name, value in states.items()]
        return X, targets.reshape(X.shape), single, arrays

    def _one_hot_concat(self, X, name):
        """(T, B, H + D) buffer whose input part is one-hot x_t; the h part is left to fill."""
        T, B = X.shape
        H = self.hidden_size
        concat = self._buffer(name, (T, B, H + self.input_size))
        concat[:, :, H:] = 0.0
        concat.reshape(T * B, -1)[np.arange(T * B), H + X.ravel()] = 1.0
        return concat

    def _input_projection(self, X, name):
        """Wx . x_t + b for all T * B steps at once, as a (T, B, n_gates * H) buffer.

        x_t is one-hot, so the matmul Wx . x_t is a lookup of column x_t of Wx (the input
        part W[:, H:] of the fused weights): one lookup serves every time step, and adding
        b to the D columns first saves a pass over the whole (T, B, n_gates * H) buffer.
        """
        T, B = X.shape
        H = self.hidden_size
        gates = self._buffer(name, (T, B, self.W.shape[0]))
        Wx_T_plus_b = self.W[:, H:].T + self.b                            # (D, n_gates * H)
        np.take(Wx_T_plus_b, X, axis=0, out=gates)
        return gates

    def _output_forward(self, h_all, Y):
        """Softmax output layer on all steps at once; returns the summed cross-entropy.

        Args:
            h_all: (T, B, H) hidden states h_1..h_T.
            Y: (T, B) target ids.
        Stores y_probs (T, B, V).
        """
        T, B, H = h_all.shape
        probs = self._buffer("y_probs", (T, B, self.output_size))
        flat = probs.reshape(T * B, -1)
        np.matmul(h_all.reshape(T * B, H), self.Wy.T, out=flat)          # logits
        flat += self.by
        flat -= flat.max(axis=1, keepdims=True)                           # stable softmax
        target_logits = flat[np.arange(T * B), Y.ravel()]
        np.exp(flat, out=flat)
        sums = flat.sum(axis=1)                                           # >= 1 after the shift
        flat /= sums[:, None]
        self.y_probs = probs
        self._targets = Y
        self._h_all = h_all
        return float(-(target_logits - np.log(sums)).sum())              # -ln y[target], no log(0)

    def _output_backward(self):
        """Gradients of the output layer; returns d loss / d h_t from the outputs, (T, B, H)."""
        T, B, H = self._h_all.shape
        dy = self._buffer("dy", (T * B, self.output_size))
        np.copyto(dy, self.y_probs.reshape(T * B, -1))
        dy[np.arange(T * B), self._targets.ravel()] -= 1.0                # softmax + cross-entropy
        self.dWy = dy.T @ self._h_all.reshape(T * B, H)
        self.dby = dy.sum(axis=0)
        dh_out = self._buffer("dh_out", (T, B, H))
        np.matmul(dy, self.Wy, out=dh_out.reshape(T * B, H))
        return dh_out

    def _store_gradients(self, dW, db):
        """Clip (unless clip_value is None) and store dW, db, dWy, dby and the per-gate views."""
        self.dW, self.db = dW, db
        if self.clip_value is not None:
            for grad in (self.dW, self.db, self.dWy, self.dby):
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)
        for name, view in self._gate_views(dW, db).items():
            setattr(self, "d" + name, view)

    def _check_backward(self):
        if not self._has_forward:
            raise RuntimeError(f"backward: call forward first ({type(self).__name__}.forward)")

    def update_weights(self, learning_rate):
        """One Adagrad step: memory += d**2; param -= lr * d / sqrt(memory + 1e-8).

        Each weight's effective step size lr / sqrt(memory) shrinks as its squared
        gradients accumulate.
        """
        _check_positive_number("learning_rate", learning_rate)
        if not hasattr(self, "dW"):
            raise RuntimeError("update_weights: call forward and backward first")
        for name, mem in self._memory.items():
            grad = getattr(self, "d" + name)
            mem += grad * grad
            getattr(self, name)[...] -= learning_rate * grad / np.sqrt(mem + 1e-8)

    def _check_sample_args(self, seed_idx, n, temperature):
        _check_positive_number("temperature", temperature)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n: expected a non-negative integer, got {n!r}")
        _check_token_ids("seed_idx", [seed_idx], self.input_size)

    def _sample_loop(self, step, state, seed_idx, n, temperature, rng):
        """Feed each sampled id back in; `step(state, x) -> (state, h)` is one cell step."""
        rng = self.rng if rng is None else rng
        idx, ids = seed_idx, []
        for _ in range(n):
            x = np.zeros(self.input_size)
            x[idx] = 1.0
            state, h = step(state, x)
            p = softmax((self.Wy @ h + self.by) / temperature)
            idx = int(rng.choice(self.output_size, p=p))
            ids.append(idx)
        return ids


class LSTM(CharRNN):
    """The Exercise 1 LSTM (same names, equations and interface), with fused gates.

    Wf, Wi, Wc, Wo (H, H + D) and bf, bi, bc, bo (H,) are views of the fused W, b, whose
    rows are ordered f, i, o, c so that the three sigmoid gates are one contiguous block.
    bf starts at 1. See `CharRNN` for the arguments.
    """

    FUSED_W = ("Wf", "Wi", "Wo", "Wc")
    FUSED_B = ("bf", "bi", "bo", "bc")
    PARAM_NAMES = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
    BLOCKS = {"forget gate": ("Wf", "bf"), "input gate": ("Wi", "bi"),
              "candidate C~": ("Wc", "bc"), "output gate": ("Wo", "bo"), "output layer": ("Wy", "by")}

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        super().__init__(input_size, hidden_size, output_size, seed, clip_value)
        self.bf[...] = 1.0        # forget bias 1: remember by default

    def initial_state(self, batch_size=None):
        """Zero (h, C): each (H,) if batch_size is None, else (batch_size, H)."""
        shape = (self.hidden_size,) if batch_size is None else (batch_size, self.hidden_size)
        return np.zeros(shape), np.zeros(shape)

    def last_state(self):
        """(h_T, C_T) of the last forward (copies), shaped like the states given to it."""
        k = 0 if self._single else slice(None)
        return self.h_states[-1][k].copy(), self.C_states[-1][k].copy()

    def forward(self, inputs, targets, h_prev, C_prev):
        """Run the LSTM over a sequence and return the summed cross-entropy.

        Args:
            inputs: int ids, (T,) for one sequence or (T, B) for a batch, in [0, input_size).
            targets: int ids with the same shape as `inputs`, in [0, output_size).
            h_prev, C_prev: the initial states, (H,) for one sequence or (B, H) for a batch.
        Returns:
            loss: float, -sum over time (and batch) of ln y_t[target_t], in nats.

        Keeps these caches (B = 1 for a single sequence); they are views of buffers that
        the next forward overwrites:
            inputs_cache (T, B, H+D)  concat = [h_prev, x_t] at each step
            h_states     (T+1, B, H)  h_states[0] = h_prev, h_states[t+1] = h_t
            C_states     (T+1, B, H)  C_states[0] = C_prev, C_states[t+1] = C_t
            f_gates, i_gates, C_tilde_cache, o_gates  (T, B, H)
            y_probs      (T, B, V)
        Raises ValueError, before changing any state, on malformed input.
        """
        X, Y, single, (h0, C0) = self._prepare(inputs, targets, {"h_prev": h_prev, "C_prev": C_prev})
        T, B = X.shape
        H = self.hidden_size
        concat = self._one_hot_concat(X, "concat")
        gates = self._input_projection(X, "gates")          # (T, B, 4H): Wx . x_t + b
        h_states = self._buffer("h_states", (T + 1, B, H))
        C_states = self._buffer("C_states", (T + 1, B, H))
        tanh_C = self._buffer("tanh_C", (T, B, H))
        recurrent = self._buffer("recurrent", (B, 4 * H))
        i_times_C_tilde = self._buffer("i_times_C_tilde", (B, H))
        Wh_T = self.W[:, :H].T                                # (H, 4H): the h part of concat
        h_states[0], C_states[0] = h0, C0

        for t in range(T):
            a = gates[t]                                      # (B, 4H), becomes [f, i, o, C~]
            np.matmul(h_states[t], Wh_T, out=recurrent)       # all four gates in one matmul
            a += recurrent
            sigmoid_inplace(a[:, :3 * H])                     # f_t, i_t, o_t
            np.tanh(a[:, 3 * H:], out=a[:, 3 * H:])           # C_tilde
            f_t, i_t, o_t, C_tilde = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            np.multiply(f_t, C_states[t], out=C_states[t + 1])        # C_t = f_t * C_prev
            np.multiply(i_t, C_tilde, out=i_times_C_tilde)            #     + i_t * C_tilde
            C_states[t + 1] += i_times_C_tilde
            np.tanh(C_states[t + 1], out=tanh_C[t])
            np.multiply(o_t, tanh_C[t], out=h_states[t + 1])          # h_t = o_t * tanh(C_t)
        concat[:, :, :H] = h_states[:-1]

        self.inputs_cache, self.h_states, self.C_states = concat, h_states, C_states
        self.f_gates, self.i_gates = gates[:, :, :H], gates[:, :, H:2 * H]
        self.o_gates, self.C_tilde_cache = gates[:, :, 2 * H:3 * H], gates[:, :, 3 * H:]
        self._gates, self._tanh_C, self._single = gates, tanh_C, single
        self._has_forward = True
        return self._output_forward(h_states[1:], Y)

    def backward(self):
        """Backpropagate the last forward's loss through time.

        Stores dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo, dWy, dby (shapes of the parameters;
        the gate ones are views of the fused dW, db), clipped elementwise to
        [-clip_value, clip_value] unless clip_value is None.
        Returns:
            (dh_next, dC_next): d loss / d h_prev and d loss / d C_prev, shaped like the
            h_prev and C_prev given to forward. They are not clipped.
        Raises RuntimeError if forward has not been called.
        """
        self._check_backward()
        dh_out = self._output_backward()                     # (T, B, H): from y_t = softmax(Wy h_t + by)
        gates, tanh_C, C_states = self._gates, self._tanh_C, self.C_states
        T, B, H4 = gates.shape
        H = H4 // 4
        dgates = self._buffer("dgates", (T, B, 4 * H))      # d pre-activations [df, di, do, dC~]
        dh = self._buffer("dh", (B, H))
        dh_next = self._buffer("dh_next", (B, H))
        dC_next = self._buffer("dC_next", (B, H))
        tmp = self._buffer("tmp", (B, H))
        sigmoid_slope = self._buffer("sigmoid_slope", (B, 3 * H))
        Wh = self.W[:, :H]                                    # (4H, H)
        dh_next[...] = 0.0
        dC_next[...] = 0.0
        dC = dC_next                                          # dC_t accumulates into dC_next in place

        for t in reversed(range(T)):
            a, da = gates[t], dgates[t]
            f_t, i_t, o_t, C_tilde = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            df, di, do, dC_tilde = da[:, :H], da[:, H:2 * H], da[:, 2 * H:3 * H], da[:, 3 * H:]
            np.add(dh_out[t], dh_next, out=dh)                # from the output and from step t+1
            # h_t = o_t * tanh(C_t)
            np.multiply(dh, tanh_C[t], out=do)
            np.multiply(tanh_C[t], tanh_C[t], out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            tmp *= o_t
            tmp *= dh
            dC += tmp                                         # dC = dC_next + dh * o_t * (1 - tanh^2 C_t)
            # C_t = f_t * C_prev + i_t * C_tilde
            np.multiply(dC, C_states[t], out=df)
            np.multiply(dC, C_tilde, out=di)
            np.multiply(dC, i_t, out=dC_tilde)
            dC *= f_t                                         # now dC_next for step t-1
            # through the nonlinearities: sigmoid' = s(1-s), tanh' = 1-tanh^2
            np.subtract(1.0, a[:, :3 * H], out=sigmoid_slope)
            sigmoid_slope *= a[:, :3 * H]
            da[:, :3 * H] *= sigmoid_slope
            np.multiply(C_tilde, C_tilde, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            dC_tilde *= tmp
            # concat = [h_prev, x_t]: only the h part flows on to step t-1
            np.matmul(da, Wh, out=dh_next)

        # dW = sum over t and batch of da_t^T concat_t: every time step in one matmul
        da_all = dgates.reshape(T * B, 4 * H)
        dW = da_all.T @ self.inputs_cache.reshape(T * B, -1)
        self._store_gradients(dW, da_all.sum(axis=0))
        if self._single:
            return dh_next[0].copy(), dC_next[0].copy()
        return dh_next.copy(), dC_next.copy()

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
        self._check_sample_args(seed_idx, n, temperature)
        h = _check_state("h", h, (self.hidden_size,))
        C = _check_state("C", C, (self.hidden_size,))

        def step(state, x):
            h, C = state
            concat = np.concatenate([h, x])
            f_t = sigmoid(self.Wf @ concat + self.bf)
            i_t = sigmoid(self.Wi @ concat + self.bi)
            C_tilde = np.tanh(self.Wc @ concat + self.bc)
            o_t = sigmoid(self.Wo @ concat + self.bo)
            C = f_t * C + i_t * C_tilde
            h = o_t * np.tanh(C)
            return (h, C), h

        return self._sample_loop(step, (h, C), seed_idx, n, temperature, rng)


class GRU(CharRNN):
    """A GRU with the interface of the Exercise 1 LSTM.

    Wr, Wz, Wh (H, H + D) and br, bz, bh (H,) are views of the fused W (3H, H + D) and
    b (3H,), rows ordered r, z, h~. The reset gate multiplies h_prev BEFORE the candidate's
    matmul: h~ = tanh(Wh . [r * h_prev, x] + bh), as in the exercise and in Cho et al.
    (2014). Some libraries (cuDNN, and PyTorch's nn.GRU) apply r AFTER the matmul,
    h~ = tanh(Wh_x x + r * (Wh_h h_prev + b_hh) + b_hx); that is a different function, so
    weights do not carry over between the two. See `CharRNN` for the arguments.
    """

    FUSED_W = ("Wr", "Wz", "Wh")
    FUSED_B = ("br", "bz", "bh")
    PARAM_NAMES = ("Wr", "br", "Wz", "bz", "Wh", "bh", "Wy", "by")
    BLOCKS = {"reset gate": ("Wr", "br"), "update gate": ("Wz", "bz"),
              "candidate h~": ("Wh", "bh"), "output layer": ("Wy", "by")}

    def initial_state(self, batch_size=None):
        """Zero (h,): (H,) if batch_size is None, else (batch_size, H)."""
        shape = (self.hidden_size,) if batch_size is None else (batch_size, self.hidden_size)
        return (np.zeros(shape),)

    def last_state(self):
        """(h_T,) of the last forward (a copy), shaped like the state given to it."""
        return (self.h_states[-1][0 if self._single else slice(None)].copy(),)

    def forward(self, inputs, targets, h_prev):
        """Run the GRU over a sequence and return the summed cross-entropy.

        Args:
            inputs: int ids, (T,) for one sequence or (T, B) for a batch, in [0, input_size).
            targets: int ids with the same shape as `inputs`, in [0, output_size).
            h_prev: the initial state, (H,) for one sequence or (B, H) for a batch.
        Returns:
            loss: float, -sum over time (and batch) of ln y_t[target_t], in nats.

        Keeps these caches (B = 1 for a single sequence); they are views of buffers that
        the next forward overwrites:
            inputs_cache   (T, B, H+D)  concat = [h_prev, x_t] (input of r and z)
            reset_cache    (T, B, H+D)  [r_t * h_prev, x_t] (input of the candidate)
            h_states       (T+1, B, H)  h_states[0] = h_prev, h_states[t+1] = h_t
            r_gates, z_gates, h_tilde_cache  (T, B, H)
            y_probs        (T, B, V)
        Raises ValueError, before changing any state, on malformed input.
        """
        X, Y, single, (h0,) = self._prepare(inputs, targets, {"h_prev": h_prev})
        T, B = X.shape
        H = self.hidden_size
        concat = self._one_hot_concat(X, "concat")
        reset_concat = self._one_hot_concat(X, "reset_concat")
        gates = self._input_projection(X, "gates")          # (T, B, 3H): Wx . x_t + b
        h_states = self._buffer("h_states", (T + 1, B, H))
        recurrent_rz = self._buffer("recurrent_rz", (B, 2 * H))
        recurrent_h = self._buffer("recurrent_h", (B, H))
        Wrz_T = self.W[:2 * H, :H].T                          # (H, 2H): h part of Wr and Wz
        Whh_T = self.W[2 * H:, :H].T                          # (H, H): h part of Wh
        h_states[0] = h0

        for t in range(T):
            a = gates[t]                                      # (B, 3H), becomes [r, z, h~]
            h_prev = h_states[t]
            np.matmul(h_prev, Wrz_T, out=recurrent_rz)        # r and z in one matmul
            a[:, :2 * H] += recurrent_rz
            sigmoid_inplace(a[:, :2 * H])
            r_t, z_t, h_tilde = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
            r_h = reset_concat[t, :, :H]
            np.multiply(r_t, h_prev, out=r_h)                 # r applied before the matmul
            np.matmul(r_h, Whh_T, out=recurrent_h)
            h_tilde += recurrent_h
            np.tanh(h_tilde, out=h_tilde)
            # h_t = (1 - z_t) * h_prev + z_t * h_tilde = h_prev + z_t * (h_tilde - h_prev)
            np.subtract(h_tilde, h_prev, out=recurrent_h)
            recurrent_h *= z_t
            np.add(h_prev, recurrent_h, out=h_states[t + 1])
        concat[:, :, :H] = h_states[:-1]

        self.inputs_cache, self.reset_cache, self.h_states = concat, reset_concat, h_states
        self.r_gates, self.z_gates, self.h_tilde_cache = gates[:, :, :H], gates[:, :, H:2 * H], gates[:, :, 2 * H:]
        self._gates, self._single = gates, single
        self._has_forward = True
        return self._output_forward(h_states[1:], Y)

    def backward(self):
        """Backpropagate the last forward's loss through time.

        Stores dWr, dbr, dWz, dbz, dWh, dbh, dWy, dby (shapes of the parameters; the gate
        ones are views of the fused dW, db), clipped elementwise to
        [-clip_value, clip_value] unless clip_value is None.
        Returns:
            dh_next: d loss / d h_prev, shaped like the h_prev given to forward (not clipped).
        Raises RuntimeError if forward has not been called.
        """
        self._check_backward()
        dh_out = self._output_backward()                     # (T, B, H): from y_t = softmax(Wy h_t + by)
        gates, h_states = self._gates, self.h_states
        T, B, H3 = gates.shape
        H = H3 // 3
        dgates = self._buffer("dgates", (T, B, 3 * H))      # d pre-activations [dr, dz, dh~]
        dh = self._buffer("dh", (B, H))
        dh_next = self._buffer("dh_next", (B, H))
        d_r_h = self._buffer("d_r_h", (B, H))
        tmp = self._buffer("tmp", (B, H))
        sigmoid_slope = self._buffer("sigmoid_slope", (B, 2 * H))
        Wrz = self.W[:2 * H, :H]                              # (2H, H)
        Whh = self.W[2 * H:, :H]                              # (H, H)
        dh_next[...] = 0.0

        for t in reversed(range(T)):
            a, da, h_prev = gates[t], dgates[t], h_states[t]
            r_t, z_t, h_tilde = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
            dr, dz, dh_tilde = da[:, :H], da[:, H:2 * H], da[:, 2 * H:]
            np.add(dh_out[t], dh_next, out=dh)                # from the output and from step t+1
            # h_t = h_prev + z_t * (h_tilde - h_prev)
            np.subtract(h_tilde, h_prev, out=dz)
            dz *= dh
            np.multiply(dh, z_t, out=dh_tilde)
            np.subtract(1.0, z_t, out=dh_next)
            dh_next *= dh                                     # direct path: dh * (1 - z_t)
            # h_tilde = tanh(Wh . [r_t * h_prev, x_t] + bh)
            np.multiply(h_tilde, h_tilde, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            dh_tilde *= tmp
            np.matmul(dh_tilde, Whh, out=d_r_h)               # d (r_t * h_prev)
            np.multiply(d_r_h, h_prev, out=dr)
            np.multiply(d_r_h, r_t, out=tmp)
            dh_next += tmp                                    # path through the candidate
            # r_t, z_t = sigmoid(W[r, z] . [h_prev, x_t] + b[r, z]); sigmoid' = s(1-s)
            np.subtract(1.0, a[:, :2 * H], out=sigmoid_slope)
            sigmoid_slope *= a[:, :2 * H]
            da[:, :2 * H] *= sigmoid_slope
            np.matmul(da[:, :2 * H], Wrz, out=tmp)
            dh_next += tmp                                    # paths through r and z

        # weight gradients for every time step in one matmul per input: r and z read
        # [h_prev, x_t], the candidate reads [r_t * h_prev, x_t]
        da_all = dgates.reshape(T * B, 3 * H)
        dW = np.empty_like(self.W)
        np.matmul(da_all[:, :2 * H].T, self.inputs_cache.reshape(T * B, -1), out=dW[:2 * H])
        np.matmul(da_all[:, 2 * H:].T, self.reset_cache.reshape(T * B, -1), out=dW[2 * H:])
        self._store_gradients(dW, da_all.sum(axis=0))
        return dh_next[0].copy() if self._single else dh_next.copy()

    def sample(self, h, seed_idx, n, temperature=1.0, rng=None):
        """Generate n token ids, feeding each sampled id back in as the next input.

        Args:
            h: (H,) state to start from.
            seed_idx, n, temperature, rng: as for `LSTM.sample`.
        Returns:
            list of n ints in [0, output_size). Requires input_size == output_size.
        """
        self._check_sample_args(seed_idx, n, temperature)
        h = _check_state("h", h, (self.hidden_size,))

        def step(state, x):
            h_prev = state[0]
            concat = np.concatenate([h_prev, x])
            r_t = sigmoid(self.Wr @ concat + self.br)
            z_t = sigmoid(self.Wz @ concat + self.bz)
            h_tilde = np.tanh(self.Wh @ np.concatenate([r_t * h_prev, x]) + self.bh)
            h = (1.0 - z_t) * h_prev + z_t * h_tilde
            return (h,), h

        return self._sample_loop(step, (h,), seed_idx, n, temperature, rng)


def count_parameters(model):
    """Number of trainable parameters (gate weights and biases plus the output layer).

    Args:
        model: an LSTM or a GRU.
    Returns:
        int.
    """
    return sum(getattr(model, name).size for name in model.PARAM_NAMES)


def parameter_blocks(model):
    """Parameter count per block, e.g. {"forget gate": H(H+D)+H, ..., "output layer": VH+V}."""
    return {block: sum(getattr(model, name).size for name in names)
            for block, names in model.BLOCKS.items()}


def matched_hidden_size(lstm_hidden_size, input_size, output_size):
    """The GRU hidden size whose whole-model parameter count is closest to the LSTM's.

    LSTM: 4 H (H + D + 1) + V (H + 1);  GRU: 3 h (h + D + 1) + V (h + 1).
    Returns:
        int h (ties go to the smaller h).
    """
    H, D, V = lstm_hidden_size, input_size, output_size
    target = 4 * H * (H + D + 1) + V * (H + 1)
    candidates = np.arange(1, 2 * H + 2)
    gru_counts = 3 * candidates * (candidates + D + 1) + V * (candidates + 1)
    return int(candidates[np.argmin(np.abs(gru_counts - target))])


# ----------------------------------------------------------------------------------------
# Training: both models in lockstep on the same batches
# ----------------------------------------------------------------------------------------
class TrainingDiverged(RuntimeError):
    """Raised when the loss stops being finite; the message says what to try."""


def heldout_loss_per_char(model, ids):
    """Mean cross-entropy per character (nats) of `model` on `ids`, read as one sequence from zero state."""
    ids = np.asarray(ids)
    return model.forward(ids[:-1], ids[1:], *model.initial_state()) / (len(ids) - 1)


def real_word_share(sample_text, vocabulary):
    """Share of the words (3+ letters) in `sample_text` that are in `vocabulary`; nan if none."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]{3,}", sample_text)]
    return float(np.mean([w in vocabulary for w in words])) if words else float("nan")


def compare_lstm_gru(text=DEFAULT_CORPUS, hidden_size=HIDDEN_SIZE, seq_length=SEQ_LENGTH,
                     batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE, iterations=ITERATIONS,
                     seeds=tuple(range(SEED, SEED + SEEDS)), temperature=TEMPERATURE, log=print):
    """Train an LSTM, a GRU of the same hidden size and a parameter-matched GRU on `text`.

    All three see the same batches with the same hyperparameters. They are trained in
    lockstep, one iteration of each in turn (the order alternates), so that the load of
    a shared machine slows them equally and time ratios can be paired by iteration.
    One iteration = forward + backward + Adagrad update on a (seq_length, batch_size) batch.

    Args:
        text: the training text; its last HELDOUT_FRACTION is held out.
        hidden_size: H of the LSTM and of the first GRU; the matched GRU's H comes from
            `matched_hidden_size`.
        seq_length, batch_size, learning_rate, iterations: the shared hyperparameters.
        seeds: one run of each model per seed (the seed sets the initial weights).
        temperature: for the text samples.
        log: callable taking a progress line, or None for silence.
    Returns:
        dict with
            "config": the arguments, vocab_size, heldout_chars and chance_loss = ln(V);
            "models": {key: {"label", "hidden_size", "blocks", "total"}} for the keys
                "lstm", "gru", "gru_matched";
            "runs": {key: list over seeds of {"seed", "loss" (iterations,) training loss
                per char, "seconds" (iterations,) wall time per iteration,
                "eval_iterations" (E,), "heldout" (E,) held-out loss per char,
                "heldout_final", "sample", "real_word_share"}}.
    Raises:
        ValueError on bad arguments, TrainingDiverged if a loss becomes non-finite.
    """
    for name, value in (("hidden_size", hidden_size), ("seq_length", seq_length),
                        ("batch_size", batch_size), ("iterations", iterations)):
        _check_positive_int(name, value)
    _check_positive_number("learning_rate", learning_rate)
    _check_positive_number("temperature", temperature)
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
        raise ValueError(f"seeds: expected a non-empty list of non-negative integers, got {seeds!r}")
    train_text, heldout_text = split_text(text, seq_length, batch_size)
    chars, char_to_id = build_vocab(text)
    V = len(chars)
    train_ids = np.array([char_to_id[ch] for ch in train_text])
    heldout_ids = np.array([char_to_id[ch] for ch in heldout_text])
    vocabulary = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}
    hidden_sizes = {"lstm": hidden_size, "gru": hidden_size,
                    "gru_matched": matched_hidden_size(hidden_size, V, V)}
    classes = {"lstm": LSTM, "gru": GRU, "gru_matched": GRU}
    labels = {"lstm": f"LSTM H={hidden_size}", "gru": f"GRU H={hidden_size}",
              "gru_matched": f"GRU H={hidden_sizes['gru_matched']} (matched)"}
    eval_at = set(np.linspace(0, iterations, min(EVALUATIONS, iterations) + 1).astype(int)[1:])
    log_every = max(1, iterations // 5)

    runs = {key: [] for key in classes}
    models_info = {}
    start = time.perf_counter()
    for seed_number, seed in enumerate(seeds):
        models = {key: classes[key](V, hidden_sizes[key], V, seed=int(seed)) for key in classes}
        states = {key: model.initial_state(batch_size) for key, model in models.items()}
        records = {key: {"loss": np.empty(iterations), "seconds": np.empty(iterations),
                         "eval_iterations": [], "heldout": []} for key in models}
        windows = batch_windows(train_ids, seq_length, batch_size)
        for it in range(iterations):
            inputs, targets, restart = next(windows)
            order = list(models) if it % 2 == 0 else list(models)[::-1]
            for key in order:
                model, rec = models[key], records[key]
                if restart:
                    states[key] = model.initial_state(batch_size)
                t0 = time.perf_counter()
                with np.errstate(over="ignore", invalid="ignore"):    # divergence is caught below
                    loss = model.forward(inputs, targets, *states[key])
                    model.backward()
                    model.update_weights(learning_rate)
                rec["seconds"][it] = time.perf_counter() - t0
                if not math.isfinite(loss):
                    raise TrainingDiverged(
                        f"{labels[key]} loss became {loss} at iteration {it + 1} (seed {seed}); "
                        f"try a smaller --learning-rate (now {learning_rate})")
                rec["loss"][it] = loss / inputs.size
                states[key] = model.last_state()                     # carried to the next window
            if it + 1 in eval_at:
                for key, model in models.items():
                    records[key]["eval_iterations"].append(it + 1)
                    with np.errstate(over="ignore", invalid="ignore"):
                        records[key]["heldout"].append(heldout_loss_per_char(model, heldout_ids))
            if log is not None and ((it + 1) % log_every == 0 or it + 1 == iterations):
                done = seed_number * iterations + it + 1
                elapsed = time.perf_counter() - start
                eta = elapsed / done * (len(seeds) * iterations - done)
                window = slice(max(0, it + 1 - log_every), it + 1)
                parts = "  ".join(f"{labels[key].split(' (')[0]}: {rec['loss'][window].mean():.2f} "
                                  f"{1e3 * np.median(rec['seconds'][window]):.1f}ms"
                                  for key, rec in records.items())
                log(f"seed {seed}  iter {it + 1}/{iterations}  loss/char, ms/iter  {parts}  "
                    f"eta {int(eta // 60)}:{int(eta % 60):02d}")
        for key, model in models.items():
            rec = records[key]
            sample_ids = model.sample(*model.initial_state(), char_to_id[text[0]], SAMPLE_LENGTH,
                                      temperature=temperature)
            sample = text[0] + "".join(chars[i] for i in sample_ids)
            runs[key].append({"seed": int(seed), "loss": rec["loss"], "seconds": rec["seconds"],
                              "eval_iterations": np.array(rec["eval_iterations"]),
                              "heldout": np.array(rec["heldout"]), "heldout_final": rec["heldout"][-1],
                              "sample": sample, "real_word_share": real_word_share(sample, vocabulary)})
            models_info[key] = {"label": labels[key], "hidden_size": hidden_sizes[key],
                                "blocks": parameter_blocks(model), "total": count_parameters(model)}

    config = {"hidden_size": hidden_size, "seq_length": seq_length, "batch_size": batch_size,
              "learning_rate": learning_rate, "iterations": iterations, "seeds": [int(s) for s in seeds],
              "temperature": temperature, "vocab_size": V, "train_chars": len(train_text),
              "heldout_chars": len(heldout_text), "chance_loss": math.log(V)}
    return {"config": config, "models": models_info, "runs": runs}


# ----------------------------------------------------------------------------------------
# Analysis
# ----------------------------------------------------------------------------------------
CLAIMS = ("25-30% fewer parameters", "trains 10-20% faster", "similar final performance")


def _mean_std(values):
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def analyze_comparison(results):
    """Turn the output of `compare_lstm_gru` into the numbers behind the course's claims.

    Args:
        results: dict as returned by `compare_lstm_gru` (only "models" and the runs'
            "loss", "seconds", "heldout_final" and "real_word_share" are read).
    Returns:
        dict with
            "params": {key: {"blocks", "cell", "output", "total", "hidden_size"}};
            "savings_pct": {"cell", "model"}: GRU vs LSTM at the same hidden size, and
                "matched_model": the matched GRU's whole-model difference (+ = fewer);
            "ms_per_iteration": {key: median over all iterations and seeds};
            "time_ratio": {"gru", "gru_matched"}: median over iterations of the paired
                ratio (GRU seconds / LSTM seconds of the same iteration), seeds pooled;
            "speedup_pct": {"gru", "gru_matched"}: 100 * (1 - time_ratio);
            "speedup_pct_by_seed": {"gru", "gru_matched"}: the same per seed (a list);
            "heldout": {key: (mean, std)} final held-out loss per char over seeds;
            "heldout_best": {key: (mean, std)} the lowest held-out loss of each run (the
                loss with early stopping; on a short text both models overfit later on);
            "train_final": {key: (mean, std)} training loss per char, mean of the last
                10% of iterations, over seeds;
            "loss_diff_pct": {"gru", "gru_matched"}: 100 * (GRU - LSTM) / LSTM best held-out;
            "real_word_share": {key: mean over seeds};
            "verdicts": list of {"claim", "holds", "status", "detail"}, one per claim.
    """
    models, runs = results["models"], results["runs"]
    params = {}
    for key, info in models.items():
        output = info["blocks"]["output layer"]
        params[key] = {"blocks": dict(info["blocks"]), "cell": info["total"] - output,
                       "output": output, "total": info["total"], "hidden_size": info["hidden_size"]}
    lstm, gru, matched = params["lstm"], params["gru"], params["gru_matched"]
    savings = {"cell": 100.0 * (1 - gru["cell"] / lstm["cell"]),
               "model": 100.0 * (1 - gru["total"] / lstm["total"]),
               "matched_model": 100.0 * (1 - matched["total"] / lstm["total"])}

    ms = {key: 1e3 * float(np.median(np.concatenate([r["seconds"] for r in rs]))) for key, rs in runs.items()}
    ratio, speedup, by_seed, heldout, best, train_final, diff, words = {}, {}, {}, {}, {}, {}, {}, {}
    for key in ("gru", "gru_matched"):
        paired = np.concatenate([g["seconds"] / l["seconds"] for g, l in zip(runs[key], runs["lstm"])])
        ratio[key] = float(np.median(paired))
        speedup[key] = 100.0 * (1 - ratio[key])
        by_seed[key] = [100.0 * (1 - float(np.median(g["seconds"] / l["seconds"])))
                        for g, l in zip(runs[key], runs["lstm"])]
    for key, rs in runs.items():
        heldout[key] = _mean_std([r["heldout_final"] for r in rs])
        best[key] = _mean_std([np.min(r["heldout"]) for r in rs])
        train_final[key] = _mean_std([r["loss"][-max(1, len(r["loss"]) // 10):].mean() for r in rs])
        words[key] = float(np.nanmean([r["real_word_share"] for r in rs])) \
            if not all(np.isnan(r["real_word_share"]) for r in rs) else float("nan")
    for key in ("gru", "gru_matched"):
        diff[key] = 100.0 * (best[key][0] - best["lstm"][0]) / best["lstm"][0]

    verdicts = [_parameter_verdict(lstm, gru, matched, savings),
                _speed_verdict(ms, speedup, by_seed, params),
                _performance_verdict(best, heldout, diff, params)]
    return {"params": params, "savings_pct": savings, "ms_per_iteration": ms, "time_ratio": ratio,
            "speedup_pct": speedup, "speedup_pct_by_seed": by_seed, "heldout": heldout, "heldout_best": best, "train_final": train_final,
            "loss_diff_pct": diff, "real_word_share": words, "verdicts": verdicts}


def _in_range(value, low, high):
    return low - 1e-9 <= value <= high + 1e-9


def _parameter_verdict(lstm, gru, matched, savings):
    cell_ok = _in_range(savings["cell"], 25, 30)
    model_ok = _in_range(savings["model"], 25, 30)
    if cell_ok and model_ok:
        status = "holds"
    elif cell_ok:
        status = "holds for the recurrent cell only"
    else:
        status = "does not hold"
    detail = (f"cell {lstm['cell']:,} -> {gru['cell']:,} parameters ({savings['cell']:.1f}% fewer); "
              f"whole model incl. the shared output layer {lstm['total']:,} -> {gru['total']:,} "
              f"({savings['model']:.1f}% fewer). Matched GRU (H={matched['hidden_size']}): "
              f"{matched['total']:,} parameters ({abs(savings['matched_model']):.2f}% "
              f"{'fewer' if savings['matched_model'] >= 0 else 'more'} than the LSTM)")
    return {"claim": CLAIMS[0], "holds": cell_ok and model_ok, "status": status, "detail": detail}


def _speed_verdict(ms, speedup, by_seed, params):
    s, low, high = speedup["gru"], min(by_seed["gru"]), max(by_seed["gru"])
    seeds_overlap = low <= 20 + 1e-9 and high >= 10 - 1e-9
    if _in_range(s, 10, 20):
        status = "holds"
    elif seeds_overlap:
        status = (f"borderline: the median speed-up {s:.1f}% is just {'above' if s > 20 else 'below'} "
                  f"10-20%, but single seeds reach into that range")
    elif s > 20:
        status = f"does not hold: the GRU is faster than claimed ({s:.1f}%)"
    elif s > 0:
        status = f"does not hold: the GRU is faster, but only by {s:.1f}%"
    else:
        status = f"does not hold: the GRU is {-s:.1f}% slower"
    m = speedup["gru_matched"]
    detail = (f"median time per iteration: LSTM {ms['lstm']:.2f} ms, GRU {ms['gru']:.2f} ms at the same "
              f"H={params['gru']['hidden_size']} ({abs(s):.1f}% {'less' if s >= 0 else 'more'}; "
              f"per-seed speed-up {low:+.1f}% to {high:+.1f}%); "
              f"the matched GRU (H={params['gru_matched']['hidden_size']}) {ms['gru_matched']:.2f} ms "
              f"({abs(m):.1f}% {'less' if m >= 0 else 'more'})")
    return {"claim": CLAIMS[1], "holds": _in_range(s, 10, 20), "status": status, "detail": detail}


def _performance_verdict(best, final, diff, params):
    d = diff["gru"]
    similar = abs(d) <= 100 * SIMILAR_LOSS
    spread = best["lstm"][1] + best["gru"][1]
    gap = abs(best["gru"][0] - best["lstm"][0])
    if similar:
        status = "holds"
    else:
        status = f"does not hold: the GRU's best held-out loss is {abs(d):.1f}% {'higher' if d > 0 else 'lower'}"
    seeds_note = ("larger than" if gap > spread else "within") + " the spread over seeds"
    dm = diff["gru_matched"]
    detail = (f"best held-out loss per char (mean +- std over seeds): LSTM {best['lstm'][0]:.3f} +- "
              f"{best['lstm'][1]:.3f}, GRU {best['gru'][0]:.3f} +- {best['gru'][1]:.3f} "
              f"({d:+.1f}%, {seeds_note}; 'similar' means within {100 * SIMILAR_LOSS:.0f}%); "
              f"matched GRU (H={params['gru_matched']['hidden_size']}) {best['gru_matched'][0]:.3f} "
              f"+- {best['gru_matched'][1]:.3f} ({dm:+.1f}%). At the end of training: LSTM "
              f"{final['lstm'][0]:.3f}, GRU {final['gru'][0]:.3f}, matched GRU {final['gru_matched'][0]:.3f}")
    return {"claim": CLAIMS[2], "holds": similar, "status": status, "detail": detail}


# ----------------------------------------------------------------------------------------
# Benchmark: where the time of a training step goes
# ----------------------------------------------------------------------------------------
def step_matmuls(model):
    """The matrix multiplies of the last forward + backward of `model`, as one callable.

    They are replayed on the same arrays (same views, strides and output buffers) as in
    LSTM/GRU.forward and .backward; no step can do without them:
        per time step: h_prev . Wh^T (forward) and da . Wh (backward) - one pair for the
        LSTM's fused gates, two pairs for the GRU (r and z together, then the candidate);
        once per step: logits = h . Wy^T, dWy = dy^T . h, dh = dy . Wy, dW = da^T . concat.
    Call it after a forward and backward of the shape to be timed.
    Returns:
        a zero-argument function that runs them all (it overwrites scratch buffers only).
    """
    buf, H, V = model._buffers, model.hidden_size, model.output_size
    T, B = model._targets.shape
    h_states, dgates = buf["h_states"], buf["dgates"]
    h_all = h_states[1:].reshape(T * B, H)
    logits, dy, dh_out = buf["y_probs"].reshape(T * B, V), buf["dy"], buf["dh_out"].reshape(T * B, H)
    da_all = dgates.reshape(T * B, -1)
    concat = buf["concat"].reshape(T * B, -1)
    if isinstance(model, LSTM):
        Wh = model.W[:, :H]

        def recurrent():
            for t in range(T):
                np.matmul(h_states[t], Wh.T, out=buf["recurrent"])
            for t in reversed(range(T)):
                np.matmul(dgates[t], Wh, out=buf["dh_next"])

        def weight_gradients():
            return da_all.T @ concat
    else:
        Wrz, Whh = model.W[:2 * H, :H], model.W[2 * H:, :H]
        reset_concat = buf["reset_concat"]
        dW = np.empty_like(model.W)

        def recurrent():
            for t in range(T):
                np.matmul(h_states[t], Wrz.T, out=buf["recurrent_rz"])
                np.matmul(reset_concat[t, :, :H], Whh.T, out=buf["recurrent_h"])
            for t in reversed(range(T)):
                np.matmul(dgates[t][:, 2 * H:], Whh, out=buf["d_r_h"])
                np.matmul(dgates[t][:, :2 * H], Wrz, out=buf["tmp"])

        def weight_gradients():
            np.matmul(da_all[:, :2 * H].T, concat, out=dW[:2 * H])
            np.matmul(da_all[:, 2 * H:].T, reset_concat.reshape(T * B, -1), out=dW[2 * H:])

    def run():
        recurrent()
        np.matmul(h_all, model.Wy.T, out=logits)
        dy.T @ h_all
        np.matmul(dy, model.Wy, out=dh_out)
        weight_gradients()

    return run


def _best_times(functions, min_seconds):
    """Shortest time (s) of each function over >= 3 rounds lasting >= min_seconds in all.

    The functions are called in turn within each round, so that a burst of other work on
    the machine hits all of them alike; the shortest time is the least disturbed one.
    """
    best, rounds, start = [math.inf] * len(functions), 0, time.perf_counter()
    while rounds < 3 or time.perf_counter() - start < min_seconds:
        for k, fn in enumerate(functions):
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
        rounds += 1
    return best


def benchmark(hidden_sizes=BENCH_HIDDEN_SIZES, batch_sizes=BENCH_BATCH_SIZES, seq_length=BENCH_SEQ_LENGTH,
              vocab_size=None, min_seconds=BENCH_MIN_SECONDS, seed=SEED, log=print):
    """Time forward + backward of one training step for the LSTM and the GRU.

    For every (hidden size, batch size) both the whole step and the same step's matmuls
    alone (`step_matmuls`) are timed, in turn; each time is the shortest of repeated
    calls, which is the least disturbed by other work on the machine.

    Args:
        hidden_sizes, batch_sizes: the grid; seq_length: T.
        vocab_size: D = V; defaults to the built-in corpus's number of characters.
        min_seconds: how long to repeat each measurement at least.
        log: callable taking a progress line, or None.
    Returns:
        dict with "hidden_sizes", "batch_sizes", "seq_length", "vocab_size" and, for
        "lstm" and "gru", {"ms": (nH, nB) ms per step, "matmul_ms": (nH, nB) ms of its
        matmuls alone, "matmul_share": (nH, nB) matmul_ms / ms}.
    """
    for name, values in (("hidden_sizes", hidden_sizes), ("batch_sizes", batch_sizes)):
        if not len(values):
            raise ValueError(f"{name}: expected at least one size, got {values!r}")
        for value in values:
            _check_positive_int(name, value)
    _check_positive_int("seq_length", seq_length)
    V = len(set(DEFAULT_CORPUS)) if vocab_size is None else vocab_size
    _check_positive_int("vocab_size", V)
    rng = np.random.default_rng(seed)
    shape = (len(hidden_sizes), len(batch_sizes))
    out = {"hidden_sizes": list(hidden_sizes), "batch_sizes": list(batch_sizes),
           "seq_length": seq_length, "vocab_size": V}
    for key in ("lstm", "gru"):
        out[key] = {"ms": np.zeros(shape), "matmul_ms": np.zeros(shape)}
    for i, H in enumerate(hidden_sizes):
        for j, B in enumerate(batch_sizes):
            inputs = rng.integers(0, V, (seq_length, B))
            targets = rng.integers(0, V, (seq_length, B))
            for key, cls in (("lstm", LSTM), ("gru", GRU)):
                model = cls(V, H, V, seed=seed)
                states = model.initial_state(B)

                def step():
                    model.forward(inputs, targets, *states)
                    model.backward()

                step()                                        # allocates the buffers
                step_time, matmul_time = _best_times([step, step_matmuls(model)], min_seconds)
                out[key]["ms"][i, j], out[key]["matmul_ms"][i, j] = 1e3 * step_time, 1e3 * matmul_time
            if log is not None:
                log(f"H {H:4d}  B {B:3d}  LSTM {out['lstm']['ms'][i, j]:8.2f} ms  "
                    f"GRU {out['gru']['ms'][i, j]:8.2f} ms")
    for key in ("lstm", "gru"):
        out[key]["matmul_share"] = out[key]["matmul_ms"] / out[key]["ms"]
    return out


# ----------------------------------------------------------------------------------------
# Printing and plotting
# ----------------------------------------------------------------------------------------
def print_comparison(results, analysis):
    """Print the parameter table, speed, losses, samples and the verdicts."""
    cfg, models = results["config"], results["models"]
    keys = list(models)
    print(f"\nSetup: {cfg['train_chars']} training / {cfg['heldout_chars']} held-out characters, "
          f"V={cfg['vocab_size']}, T={cfg['seq_length']}, B={cfg['batch_size']}, "
          f"lr={cfg['learning_rate']}, {cfg['iterations']} iterations, seeds {cfg['seeds']}")
    print("\nParameters by block")
    width = max(len(models[k]["label"]) for k in keys)
    for key in keys:
        p = analysis["params"][key]
        blocks = ", ".join(f"{name} {n:,}" for name, n in p["blocks"].items())
        print(f"  {models[key]['label']:<{width}}  total {p['total']:>8,}  cell {p['cell']:>8,}  ({blocks})")
    print(f"\n{'model':<{width}}  {'ms/iter':>8}  {'vs LSTM':>8}  {'train loss/char':>16}  "
          f"{'held-out best':>15}  {'held-out final':>15}  {'real words':>10}")
    for key in keys:
        ratio = analysis["time_ratio"].get(key, 1.0)
        tr, hb, hf = analysis["train_final"][key], analysis["heldout_best"][key], analysis["heldout"][key]
        print(f"{models[key]['label']:<{width}}  {analysis['ms_per_iteration'][key]:8.2f}  {ratio:8.2f}x  "
              f"{tr[0]:8.3f} +- {tr[1]:.3f}  {hb[0]:7.3f} +- {hb[1]:.3f}  {hf[0]:7.3f} +- {hf[1]:.3f}  "
              f"{100 * analysis['real_word_share'][key]:9.0f}%")
    print(f"(loss in nats per character; a uniform guess scores ln V = {cfg['chance_loss']:.2f}; "
          f"'vs LSTM' is the median over iterations of the paired time ratio)")
    print(f"\nSamples (seed {cfg['seeds'][0]}, temperature {cfg['temperature']}):")
    for key in keys:
        print(f"  [{models[key]['label']}] {results['runs'][key][0]['sample']!r}")
    print("\nThe course's claims, measured:")
    for v in analysis["verdicts"]:
        print(f"  \"{v['claim']}\": {v['status']}.\n      {v['detail']}.")


def print_benchmark(bench):
    """Print ms per step and the matmul share for every (H, B)."""
    print(f"\nForward + backward of one training step, T={bench['seq_length']}, V={bench['vocab_size']} "
          f"(best of repeated runs; 'matmul' = the step's matmuls timed alone, as a share of the step)")
    print(f"{'H':>5} {'B':>4} | {'LSTM ms':>9} {'matmul':>7} | {'GRU ms':>9} {'matmul':>7} | {'GRU/LSTM':>8}")
    for i, H in enumerate(bench["hidden_sizes"]):
        for j, B in enumerate(bench["batch_sizes"]):
            lstm, gru = bench["lstm"], bench["gru"]
            print(f"{H:5d} {B:4d} | {lstm['ms'][i, j]:9.2f} {100 * lstm['matmul_share'][i, j]:6.0f}% | "
                  f"{gru['ms'][i, j]:9.2f} {100 * gru['matmul_share'][i, j]:6.0f}% | "
                  f"{gru['ms'][i, j] / lstm['ms'][i, j]:8.2f}")


def _smooth(values, window):
    """Trailing mean over the last `window` values (fewer at the start), same length as values."""
    csum = np.cumsum(np.insert(np.asarray(values, dtype=float), 0, 0.0))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(0, ends - window)
    return (csum[ends] - csum[starts]) / (ends - starts)


MODEL_COLORS = {"lstm": "tab:blue", "gru": "tab:orange", "gru_matched": "tab:green"}


def visualize_comparison(results, analysis, path):
    """Save the 4-panel comparison figure to `path` (PNG) and return the figure.

    Panels: loss against iteration (training loss smoothed, held-out loss as markers,
    mean over seeds with a band of +- 1 std); loss against wall-clock training time;
    time per iteration (box plot over all iterations and seeds); parameters by block.
    """
    cfg, models, runs = results["config"], results["models"], results["runs"]
    fig, axes = plt.subplots(2, 2, figsize=(14, 11.5))
    ax_iter, ax_time, ax_box, ax_params = axes.ravel()
    window = max(1, cfg["iterations"] // 25)
    for key, rs in runs.items():
        color, label = MODEL_COLORS[key], models[key]["label"]
        curves = np.array([_smooth(r["loss"], window) for r in rs])
        mean, std = curves.mean(axis=0), curves.std(axis=0)
        x = np.arange(1, len(mean) + 1)
        ax_iter.plot(x, mean, color=color, label=f"{label}, training")
        ax_iter.fill_between(x, mean - std, mean + std, color=color, alpha=0.2)
        heldout = np.array([r["heldout"] for r in rs])
        ax_iter.errorbar(rs[0]["eval_iterations"], heldout.mean(axis=0), yerr=heldout.std(axis=0),
                         color=color, marker="o", markersize=4, linestyle="--", capsize=2,
                         label=f"{label}, held-out")
        seconds = np.array([np.cumsum(r["seconds"]) for r in rs]).mean(axis=0)
        ax_time.plot(seconds, mean, color=color, label=label)
        ax_time.fill_between(seconds, mean - std, mean + std, color=color, alpha=0.2)
    for ax in (ax_iter, ax_time):
        ax.axhline(cfg["chance_loss"], color="grey", linestyle=":", label=f"uniform guess, ln V = {cfg['chance_loss']:.2f}")
        ax.set_ylabel("loss (nats per character)")
        ax.set_ylim(0, cfg["chance_loss"] * 1.45)          # room for the early spikes above ln V
        ax.grid(alpha=0.3)
    n_seeds = len(cfg["seeds"])
    ax_iter.set(xlabel="iteration", title=f"Loss per iteration: training (mean of the last {window}) "
                                          f"and held-out\n(mean +- std over {n_seeds} seeds)")
    # legends below the axes: early spikes above ln V reach the top corners (--quick)
    ax_iter.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    ax_time.set(xlabel="wall-clock training time (s, mean over seeds)",
                title=f"Training loss against training time\n(mean of the last {window} iterations, +- std over seeds)")
    ax_time.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4)

    keys = list(runs)
    data = [1e3 * np.concatenate([r["seconds"] for r in runs[key]]) for key in keys]
    box = ax_box.boxplot(data, whis=(5, 95), showfliers=False, patch_artist=True, widths=0.5,
                         medianprops={"color": "black", "linewidth": 1.5})
    ax_box.set_xticks(range(1, len(keys) + 1), [models[k]["label"] for k in keys])
    for patch, key in zip(box["boxes"], keys):
        patch.set_facecolor(MODEL_COLORS[key])
        patch.set_alpha(0.5)
    for k, key in enumerate(keys, start=1):
        ms = analysis["ms_per_iteration"][key]
        ratio = analysis["time_ratio"].get(key)
        note = f"{ms:.2f} ms" + ("" if ratio is None else f"\n{ratio:.2f}x LSTM")
        ax_box.annotate(note, (k, ms), xytext=(40, 0), textcoords="offset points", va="center", fontsize=9)
    ax_box.set(ylabel="ms per iteration (forward + backward + update)",
               title=f"Time per iteration, T={cfg['seq_length']}, B={cfg['batch_size']}\n(median, quartiles and 5-95% "
                     f"range over all iterations and seeds)")
    ax_box.set_ylim(bottom=0)
    ax_box.grid(axis="y", alpha=0.3)

    block_colors = iter(["#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf", "#393b79"])
    colors = {}                                               # one colour per block name
    for row, key in enumerate(keys):
        left = 0
        for name, count in analysis["params"][key]["blocks"].items():
            first = name not in colors
            if first:
                colors[name] = "lightgrey" if name == "output layer" else next(block_colors)
            ax_params.barh(row, count, left=left, color=colors[name], edgecolor="white",
                           label=name if first else None)
            left += count
        ax_params.annotate(f"{left:,}", (left, row), xytext=(4, 0), textcoords="offset points", va="center")
    ax_params.set_yticks(range(len(keys)), [models[k]["label"] for k in keys])
    ax_params.invert_yaxis()
    totals = [analysis["params"][k]["total"] for k in keys]
    ax_params.set_xlim(0, max(totals) * 1.18)
    savings = analysis["savings_pct"]
    ax_params.set(xlabel="number of parameters",
                  title=f"Parameters by block\n(same H: GRU cell {savings['cell']:.1f}% fewer, "
                        f"whole model {savings['model']:.1f}% fewer)")
    ax_params.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return fig


def visualize_benchmark(bench, path):
    """Save the benchmark figure (ms per step and matmul share against H) to `path`."""
    fig, (ax_ms, ax_share) = plt.subplots(1, 2, figsize=(13, 5))
    H = bench["hidden_sizes"]
    markers = "osd^v<>"
    for j, B in enumerate(bench["batch_sizes"]):
        for key, style, name in (("lstm", "-", "LSTM"), ("gru", "--", "GRU")):
            color = MODEL_COLORS[key]
            ax_ms.plot(H, bench[key]["ms"][:, j], style, color=color, marker=markers[j % len(markers)],
                       label=f"{name}, B={B}")
            ax_share.plot(H, 100 * bench[key]["matmul_share"][:, j], style, color=color,
                          marker=markers[j % len(markers)], label=f"{name}, B={B}")
    for ax in (ax_ms, ax_share):
        ax.set_xscale("log", base=2)
        ax.set_xticks(H, [str(h) for h in H])
        ax.set_xlabel("hidden size H")
        ax.grid(alpha=0.3)
    ax_ms.set_yscale("log")
    ax_ms.set(ylabel="ms per step (forward + backward, log scale)",
              title=f"Time per training step, T={bench['seq_length']}")
    ax_ms.legend(fontsize=8, ncol=2)
    ax_share.axhline(100, color="grey", linestyle=":")
    ax_share.set(ylabel="share of the step spent in its matmuls (%)", ylim=(0, 110),
                 title="Share of the step in the unavoidable matmuls")
    ax_share.legend(fontsize=8, ncol=2, loc="lower right")
    fig.tight_layout()
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
        description="Exercise 5: a GRU from scratch against the LSTM (parameters, speed, loss), "
                    "and a speed benchmark of both.")
    parser.add_argument("--seed", type=int, default=SEED, help=f"first seed (default {SEED})")
    parser.add_argument("--seeds", type=int, default=None,
                        help=f"runs per model, seeds --seed, --seed + 1, ... (default {SEEDS}, --quick {QUICK['seeds']})")
    parser.add_argument("--iterations", type=int, default=None,
                        help=f"training iterations per run (default {ITERATIONS}, --quick {QUICK['iterations']})")
    parser.add_argument("--hidden-size", type=int, default=None,
                        help=f"H of the LSTM and the same-size GRU (default {HIDDEN_SIZE}, "
                             f"--quick {QUICK['hidden_size']})")
    parser.add_argument("--seq-length", type=int, default=SEQ_LENGTH,
                        help=f"T, characters per window (default {SEQ_LENGTH})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help=f"parallel streams per batch (default {BATCH_SIZE})")
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE,
                        help=f"Adagrad learning rate (default {LEARNING_RATE})")
    parser.add_argument("--temperature", type=float, default=TEMPERATURE,
                        help=f"sampling temperature (default {TEMPERATURE})")
    parser.add_argument("--text", metavar="FILE", help="train on this UTF-8 text instead of the built-in corpus")
    parser.add_argument("--benchmark", action="store_true",
                        help=f"time a training step of both models for H in {list(BENCH_HIDDEN_SIZES)}, "
                             f"B in {list(BENCH_BATCH_SIZES)}, T={BENCH_SEQ_LENGTH} instead of the comparison")
    parser.add_argument("--quick", action="store_true", help="a small, fast run of whichever mode is chosen")
    parser.add_argument("--outdir", default=OUTDIR, help=f"where the figures go (default {OUTDIR}/)")
    parser.add_argument("--show", action="store_true", help="open the figures in windows")
    return parser


def run(args):
    """Run the comparison or the benchmark for parsed `args`; returns 0."""
    if args.seed < 0:
        raise ValueError(f"--seed: expected a non-negative integer, got {args.seed}")
    hidden_size = args.hidden_size if args.hidden_size is not None else \
        (QUICK["hidden_size"] if args.quick else HIDDEN_SIZE)
    iterations = args.iterations if args.iterations is not None else \
        (QUICK["iterations"] if args.quick else ITERATIONS)
    n_seeds = args.seeds if args.seeds is not None else (QUICK["seeds"] if args.quick else SEEDS)
    for name, value in (("--seeds", n_seeds), ("--iterations", iterations), ("--hidden-size", hidden_size),
                        ("--seq-length", args.seq_length), ("--batch-size", args.batch_size)):
        if value <= 0:
            raise ValueError(f"{name}: expected a positive integer, got {value}")
    for name, value in (("--learning-rate", args.learning_rate), ("--temperature", args.temperature)):
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{name}: expected a positive number, got {value}")
    text = DEFAULT_CORPUS
    if args.text is not None:
        try:
            with open(args.text, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as err:
            raise ValueError(f"--text: cannot read {args.text!r}: {getattr(err, 'strerror', None) or err}") from None
    if not args.benchmark:
        split_text(text, args.seq_length, args.batch_size)       # a bad text fails before any work
    os.makedirs(args.outdir, exist_ok=True)
    start = time.perf_counter()

    if args.benchmark:
        grid = QUICK_BENCH if args.quick else {"hidden_sizes": BENCH_HIDDEN_SIZES, "batch_sizes": BENCH_BATCH_SIZES}
        print(f"Benchmark: forward + backward per step, T={BENCH_SEQ_LENGTH}, H in {list(grid['hidden_sizes'])}, "
              f"B in {list(grid['batch_sizes'])}", flush=True)
        bench = benchmark(**grid, seed=args.seed, log=lambda line: print(line, flush=True))
        print_benchmark(bench)
        path = os.path.join(args.outdir, "ex5_benchmark.png")
        fig = visualize_benchmark(bench, path)
        print(f"\nMeasured in {time.perf_counter() - start:.0f} s. Figure saved to {path}")
    else:
        seeds = list(range(args.seed, args.seed + n_seeds))
        print(f"Training LSTM, GRU and a parameter-matched GRU in lockstep: H={hidden_size}, "
              f"{iterations} iterations, seeds {seeds}", flush=True)
        results = compare_lstm_gru(text, hidden_size, args.seq_length, args.batch_size, args.learning_rate,
                                   iterations, seeds, args.temperature, log=lambda line: print(line, flush=True))
        analysis = analyze_comparison(results)
        print_comparison(results, analysis)
        path = os.path.join(args.outdir, "ex5_comparison.png")
        fig = visualize_comparison(results, analysis, path)
        print(f"\nTrained {3 * len(seeds)} models in {time.perf_counter() - start:.0f} s. Figure saved to {path}")
    if args.show:
        plt.show()
    else:
        plt.close(fig)
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.show:
        plt.switch_backend("Agg")      # headless unless --show
    try:
        return run(args)
    except ValueError as err:          # bad input: one line, exit 2, no traceback
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:    # non-finite loss: one line, exit 1
        print(f"{parser.prog}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

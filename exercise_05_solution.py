"""Exercise 5: a GRU from scratch beside the LSTM, compared fairly: parameters, speed, held-out loss.

The course file exercise_05_lstm_vs_gru.py asks for a GRU (TODO 1-8), a parameter count (TODO 9), a
timed training loop (TODO 10), a comparison (TODO 11-13), plots and a report (TODO 14-18); the line that
answers one ends with its tag, e.g. "(TODO 7)". The course says a GRU has "25-30% fewer parameters",
"trains 10-20% faster" and gives "similar final performance": this script measures each claim, each
model at its own tuned learning rate, and prints verdicts computed from its numbers.

The equations (course notation; concat = [h_prev, x_t], h first):
    GRU   r_t = sigmoid(Wr . concat + br)      reset gate: how much of h_prev the candidate sees
          z_t = sigmoid(Wz . concat + bz)      update gate: 1 takes the candidate
          h_tilde = tanh(Wh . [r_t * h_prev, x_t] + bh)      h_t = (1 - z_t) * h_prev + z_t * h_tilde
    LSTM  f_t, i_t, o_t = sigmoid(Wf/Wi/Wo . concat + bf/bi/bo)      C_tilde = tanh(Wc . concat + bc)
          C_t = f_t * C_prev + i_t * C_tilde                         h_t = o_t * tanh(C_t)
    both  y_t = softmax(Wy . h_t + by)         loss = - sum_t ln y_t[target_t]   (nats)
A GRU has 2 gates and 3 weight blocks (H, H+D), an LSTM 3 gates and 4 blocks, so at the same H the GRU's
cell is 25% smaller; the output layer Wy (V, H), by (V,) is the same. Each model stacks its blocks in
one array W (Wr, Wz, Wh or Wf, Wi, Wo, Wc are views of its rows): one matmul per step computes the
LSTM's gates, two the GRU's, as its candidate needs r_t first.

Run (the comparison prints progress lines, a table and verdicts, and saves outputs/ex5_comparison.png):
    python exercise_05_solution.py              # LSTM, GRU and a parameter-matched GRU, 5 seeds, ~2 min
    python exercise_05_solution.py --quick      # H=64, 3 seeds, ~10 s
    python exercise_05_solution.py --tune       # the learning-rate sweep behind LEARNING_RATES, ~3 min
    python exercise_05_solution.py --benchmark  # ms per training step of both models, ~1 min
    python exercise_05_solution.py --check my_exercise_05.py     # grade your own GRU, item by item
"""

import argparse
import contextlib
import importlib.util
import io
import math
import os
import re
import sys
import tempfile
import time
import traceback

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # small matmuls: a 2nd thread costs more than it saves

import numpy as np
import matplotlib.pyplot as plt

SEED = 0
SEEDS = 5                  # runs per model: seeds SEED, SEED + 1, ...
HIDDEN_SIZE = 128
SEQ_LENGTH = 25
BATCH_SIZE = 16            # parallel streams through the text
ITERATIONS = 700           # past every held-out minimum (iterations 175-490 in the README's run)
LEARNING_RATES = {"lstm": 0.1, "gru": 0.05, "gru_matched": 0.1}      # Adagrad; chosen by --tune (README)
TUNE_RATES, TUNE_SEEDS = (0.025, 0.05, 0.1, 0.2), 2
QUICK = {"hidden_size": 64, "iterations": 120, "seeds": 3}
CLIP_VALUE = 5.0           # elementwise gradient clipping to [-5, 5], as the course teaches
HELDOUT_FRACTION = 0.1     # the last 10% of the text is never trained on
EVALUATIONS = 20           # held-out evaluations per run; the lowest is the early-stopping loss
SIMILAR = 3.0              # "similar performance": lowest held-out losses within 3% of each other
OUTDIR = "outputs"
MAX_SIZE = 4096            # the largest --hidden-size accepted
BENCH_CASES = ((25, 1, 100), (50, 32, 128), (50, 32, 256), (50, 64, 256))   # (T, B, H)
BENCH_SECONDS = 15.0       # per case (a fifth with --quick)
MODEL_KEYS = ("lstm", "gru", "gru_matched")

# ---- Numerics and argument checks (log_softmax and check_* as in Exercise 1) ------------------------
def sigmoid(x):
    """1 / (1 + exp(-x)), written as (1 + tanh(x / 2)) / 2: the same function, with no exp to overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))

def log_softmax(logits):
    """ln softmax over the last axis. Subtracting the max keeps exp() from overflowing, and staying
    in logs keeps ln(probability) finite where the probability itself underflows."""
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

def check_int(name, value, low=1, high=10 ** 9):
    """`value` if it is an integer in [low, high]; otherwise ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name}: expected an integer in [{low}, {high:,}], got {value!r}")
    return int(value)

def check_float(name, value, low=0.0):
    """`value` as a float if it is a finite number > low; otherwise ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not (math.isfinite(value) and value > low):
        raise ValueError(f"{name}: expected a finite number > {low:g}, got {value!r}")
    return float(value)

def check_ids(name, ids, size, allow_skip=False):
    """`ids` as an int array, (T,) or (T, B), in [0, size) or -1 if allow_skip; else ValueError."""
    arr = np.asarray(ids)
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty (T,) or (T, B) array of ids, got shape {arr.shape}")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: expected integer ids, got dtype {arr.dtype}")
    bad = (arr < (-1 if allow_skip else 0)) | (arr >= size)
    if bad.any():
        allowed = f"[0, {size})" + (" or -1" if allow_skip else "")
        raise ValueError(f"{name}: expected ids in {allowed}, got {arr[bad][0]}")
    return arr

def check_state(name, state, shape):
    """`state` as a finite float array of `shape`; otherwise ValueError naming `name`."""
    arr = np.asarray(state, dtype=np.float64)
    if arr.shape != shape or not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values of shape {shape}, got shape {arr.shape}"
                         + ("" if arr.shape != shape else " with NaN or inf"))
    return arr

# ---- The models ------------------------------------------------------------------------------------
def block(fused, k):
    """Rows k*H:(k+1)*H of the array named `fused` (W, b, dW or db) as a property: reading gives a view,
    and both gru.Wr[...] = A and gru.Wr = A write into gru.W."""
    def view(self):
        return getattr(self, fused)[k * self.hidden_size:(k + 1) * self.hidden_size]

    def assign(self, value):
        view(self)[...] = value
    return property(view, assign)


class FusedRNN:
    """What the GRU and the LSTM share: stacked weights W (K*H, H+D) and b (K*H,) for the K blocks a
    subclass names, the softmax output layer, clipping and Adagrad. input_size D (inputs are one-hot
    ids), hidden_size H, output_size V; seed: for the initial weights; clip_value: `backward` clips
    each gradient entry to [-clip_value, clip_value] (None: off, as a gradient check needs). Caches of
    a (T,) sequence have no batch axis, as in Exercise 1: h = model.h_states[-1].copy() carries on."""
    sigmoid = staticmethod(sigmoid)      # the course's stub defines sigmoid as a method

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        D, H, V = (check_int(name, value) for name, value in
                   (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size)))
        self.clip_value = None if clip_value is None else check_float("clip_value", clip_value)
        self.input_size, self.hidden_size, self.output_size = D, H, V
        rng = np.random.default_rng(seed)
        # Every block ~ N(0, 1/(H+D)): each pre-activation starts with a variance near 1.
        self.W = rng.normal(0.0, 1.0 / np.sqrt(H + D), (len(self.BLOCKS) * H, H + D))   # (TODO 1)
        self.b = np.zeros(len(self.BLOCKS) * H)                                               # (TODO 1)
        # A small output layer makes the first prediction nearly uniform: the loss starts near T ln V.
        self.Wy = rng.normal(0.0, 0.01, (V, H))                                              # (TODO 5)
        self.by = np.zeros(V)                                                                # (TODO 5)
        self.memory = {name: np.zeros_like(getattr(self, name)) for name in ("W", "b", "Wy", "by")}  # Adagrad

    def _begin(self, inputs, targets, states):
        """Check a forward call, then keep targets and inputs_cache. states: {name: (H,) or (B, H)}.
        Returns the ids as (T, B) and the states as (B, H)."""
        inputs = check_ids("inputs", inputs, self.input_size)
        targets = check_ids("targets", targets, self.output_size)
        if targets.shape != inputs.shape:
            raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, got {targets.shape}")
        shape = inputs.shape[1:] + (self.hidden_size,)
        states = [check_state(name, value, shape).reshape(-1, shape[-1]) for name, value in states.items()]
        X = inputs.reshape(len(inputs), -1)
        self.targets = targets
        self.inputs_cache = self._unbatch(np.eye(self.input_size)[X])           # one-hot x_t
        return X, states

    def _unbatch(self, a, axis=1):
        """`a` as the caller shaped the data: without its batch axis after a (T,) sequence."""
        return a.take(0, axis=axis) if self.targets.ndim == 1 else a

    def _output(self, h):
        """The softmax layer on all steps at once; h: (T, B, H). Keeps y_probs; returns the loss."""
        log_y = log_softmax(h @ self.Wy.T + self.by)                            # ln y_t, (T, B, V)
        self.y_probs = self._unbatch(np.exp(log_y))
        return float(-np.take_along_axis(log_y, self.targets.reshape(len(h), -1, 1), axis=2).sum())

    def _output_backward(self):
        """Sets dWy, dby; returns d loss / d h_t through y_t, (T, B, H)."""
        T, H = len(self.targets), self.hidden_size
        dy = self.y_probs.reshape(-1, self.output_size).copy()                 # (T*B, V)
        dy[np.arange(len(dy)), self.targets.ravel()] -= 1.0                    # softmax + cross-entropy
        h = self.h_states.reshape(T + 1, -1, H)[1:].reshape(len(dy), H)
        self.dWy, self.dby = dy.T @ h, dy.sum(axis=0)
        return (dy @ self.Wy).reshape(T, -1, H)

    def _concat(self, h):
        """[h, x_t] of every step and batch row as a (T*B, H+D) matrix; h: (T, B, H)."""
        x = self.inputs_cache.reshape(h.shape[:2] + (self.input_size,))
        return np.concatenate([h, x], axis=2).reshape(-1, h.shape[2] + self.input_size)

    def _store_gradients(self, dW, db):
        """Keep dW, db (dWr ... are views of their blocks) and clip all four gradients in place."""
        self.dW, self.db = dW, db
        if self.clip_value is not None:                        # tames exploding gradients
            for grad in (self.dW, self.db, self.dWy, self.dby):
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)                # (TODO 7)

    def update_weights(self, learning_rate):
        """One Adagrad step, the course reference's update (the stub's comment says plain SGD,
        param -= lr * d): memory += d ** 2;  param -= learning_rate * d / sqrt(memory + 1e-8)."""
        learning_rate = check_float("learning_rate", learning_rate)
        for name, memory in self.memory.items():
            grad = getattr(self, "d" + name)
            memory += grad * grad                                                     # (TODO 8)
            getattr(self, name)[...] -= learning_rate * grad / np.sqrt(memory + 1e-8)  # (TODO 8)


class LSTM(FusedRNN):
    """Exercise 1's LSTM, fused: the same names, equations, caches and numbers (a pack test holds it to
    them). W stacks Wf, Wi, Wo, Wc in that order, so the three sigmoid gates are one slice."""
    BLOCKS = {"forget gate": ("Wf", "bf"), "input gate": ("Wi", "bi"), "output gate": ("Wo", "bo"),
              "candidate C~": ("Wc", "bc")}
    PARAM_NAMES = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
    STATES = ("h_states", "C_states")
    Wf, Wi, Wo, Wc = (block("W", k) for k in range(4))
    bf, bi, bo, bc = (block("b", k) for k in range(4))
    dWf, dWi, dWo, dWc = (block("dW", k) for k in range(4))
    dbf, dbi, dbo, dbc = (block("db", k) for k in range(4))

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        super().__init__(input_size, hidden_size, output_size, seed, clip_value)
        self.bf = 1.0                                  # (writes into b) a fresh cell keeps what it stores

    def forward(self, inputs, targets, h_prev, C_prev):
        """Run the LSTM over a sequence; return the loss, - sum_t ln y_t[target_t] in nats. inputs: ids in
        [0, D), (T,) for one sequence or (T, B) for a batch; targets: ids in [0, V), shaped like inputs;
        h_prev, C_prev: (H,) or (B, H). Keeps (a batch adds a B axis after the first): inputs_cache (T, D)
        one-hot x_t; targets; h_states, C_states (T+1, H) with [0] the given states; f_gates, i_gates,
        o_gates, C_tilde_cache (T, H); y_probs (T, V). ValueError on bad input."""
        X, (h0, C0) = self._begin(inputs, targets, {"h_prev": h_prev, "C_prev": C_prev})
        (T, B), H = X.shape, self.hidden_size
        W_h = self.W[:, :H].T                          # (H, 4H): the columns that read h_prev
        x_part = (self.W[:, H:].T + self.b)[X]         # (T, B, 4H): W . x_t + b; one-hot x_t picks a column
        gates = np.empty((T, B, 4 * H))                # f_t, i_t, o_t, C_tilde at each step
        h, C = np.empty((T + 1, B, H)), np.empty((T + 1, B, H))
        h[0], C[0] = h0, C0
        for t in range(T):
            a = h[t] @ W_h + x_part[t]                 # all four pre-activations in one matmul
            gates[t, :, :3 * H] = sigmoid(a[:, :3 * H])
            gates[t, :, 3 * H:] = np.tanh(a[:, 3 * H:])
            f_t, i_t, o_t, C_tilde = (gates[t, :, k * H:(k + 1) * H] for k in range(4))
            C[t + 1] = f_t * C[t] + i_t * C_tilde      # keep some old, write some new
            h[t + 1] = o_t * np.tanh(C[t + 1])
        self._gates = gates
        self.h_states, self.C_states = self._unbatch(h), self._unbatch(C)
        self.f_gates, self.i_gates, self.o_gates, self.C_tilde_cache = (
            self._unbatch(g) for g in np.split(gates, 4, axis=2))
        return self._output(h[1:])

    def backward(self):
        """BPTT through the last forward, its steps in reverse. Sets dWf, dbf, ..., dWy, dby, clipped to
        [-clip_value, clip_value]; returns (dh_next, dC_next), d loss / d h_prev and C_prev, unclipped."""
        dh_out = self._output_backward()
        T, B, H = dh_out.shape
        gates, h, C = self._gates, self.h_states.reshape(T + 1, B, H), self.C_states.reshape(T + 1, B, H)
        slope = gates * (1.0 - gates)                          # sigmoid' = s (1 - s) for f, i, o ...
        slope[..., 3 * H:] = 1.0 - gates[..., 3 * H:] ** 2     # ... and tanh' = 1 - tanh^2 for C_tilde
        W_h = self.W[:, :H]                                    # (4H, H)
        da = np.empty_like(gates)                              # d loss / d pre-activations
        dh_next, dC_next = np.zeros((B, H)), np.zeros((B, H))  # from step t+1
        for t in reversed(range(T)):
            f_t, i_t, o_t, C_tilde = (gates[t, :, k * H:(k + 1) * H] for k in range(4))
            tanh_C = np.tanh(C[t + 1])
            dh = dh_out[t] + dh_next                           # from y_t and from step t+1
            do = dh * tanh_C                                   # h_t = o_t * tanh(C_t)
            dC = dC_next + dh * o_t * (1.0 - tanh_C ** 2)
            df, di, dC_tilde = dC * C[t], dC * C_tilde, dC * i_t    # C_t = f_t * C_prev + i_t * C_tilde
            da[t] = np.concatenate([df, di, do, dC_tilde], axis=1) * slope[t]
            dC_next = dC * f_t                                 # f_t near 1 carries the gradient far back
            dh_next = da[t] @ W_h                              # concat = [h_prev, x_t]: the h part
        da = da.reshape(T * B, 4 * H)
        self._store_gradients(da.T @ self._concat(h[:-1]), da.sum(axis=0))   # all steps in one matmul
        return self._unbatch(dh_next, axis=0), self._unbatch(dC_next, axis=0)


class GRU(FusedRNN):
    """The exercise's GRU: W stacks Wr, Wz, Wh, each (H, H+D), and b stacks br, bz, bh, zero at first.
    The reset gate acts before the candidate's matmul, as in the exercise and Cho et al. (2014). cuDNN
    and PyTorch's nn.GRU apply it after: tanh(Wh_x x_t + r_t * (Wh_h h_prev + b_hh) + b_hx), another
    function, so weights do not carry over between the two."""
    BLOCKS = {"reset gate": ("Wr", "br"), "update gate": ("Wz", "bz"), "candidate h~": ("Wh", "bh")}
    PARAM_NAMES = ("Wr", "br", "Wz", "bz", "Wh", "bh", "Wy", "by")
    STATES = ("h_states",)
    Wr, Wz, Wh = (block("W", k) for k in range(3))             # (TODO 2), (TODO 3), (TODO 4)
    br, bz, bh = (block("b", k) for k in range(3))             # (TODO 2), (TODO 3), (TODO 4)
    dWr, dWz, dWh = (block("dW", k) for k in range(3))
    dbr, dbz, dbh = (block("db", k) for k in range(3))

    def forward(self, inputs, targets, h_prev):
        """Run the GRU over a sequence; return the loss, - sum_t ln y_t[target_t] in nats.
        inputs, targets: ids, (T,) or (T, B); h_prev: (H,) or (B, H). Keeps (a batch adds a B axis after
        the first): inputs_cache (T, D) one-hot x_t; targets; h_states (T+1, H) with [0] = h_prev;
        r_gates, z_gates, h_tilde_cache (T, H); y_probs (T, V). ValueError on bad input."""
        X, (h0,) = self._begin(inputs, targets, {"h_prev": h_prev})
        (T, B), H = X.shape, self.hidden_size
        W_rz, W_hh = self.W[:2 * H, :H].T, self.W[2 * H:, :H].T  # (H, 2H), (H, H): the columns reading h
        x_part = (self.W[:, H:].T + self.b)[X]         # (T, B, 3H): W . x_t + b; one-hot x_t picks a column
        gates = np.empty((T, B, 3 * H))                # r_t, z_t, h_tilde at each step
        h = np.empty((T + 1, B, H))
        h[0] = h0
        for t in range(T):
            gates[t, :, :2 * H] = sigmoid(h[t] @ W_rz + x_part[t, :, :2 * H])    # r_t and z_t (TODO 6)
            r_t, z_t = gates[t, :, :H], gates[t, :, H:2 * H]
            h_tilde = np.tanh((r_t * h[t]) @ W_hh + x_part[t, :, 2 * H:])   # r_t before the matmul (TODO 6)
            gates[t, :, 2 * H:] = h_tilde
            h[t + 1] = (1.0 - z_t) * h[t] + z_t * h_tilde                       # (TODO 6)
        self._gates = gates
        self.h_states = self._unbatch(h)
        self.r_gates, self.z_gates, self.h_tilde_cache = (
            self._unbatch(g) for g in np.split(gates, 3, axis=2))
        return self._output(h[1:])                                              # (TODO 6)

    def backward(self):
        """BPTT through the last forward, its steps in reverse. Sets dWr, dbr, ..., dWy, dby, clipped to
        [-clip_value, clip_value]; returns dh_next = d loss / d h_prev, unclipped."""
        dh_out = self._output_backward()                                        # (TODO 7)
        T, B, H = dh_out.shape
        gates, h = self._gates, self.h_states.reshape(T + 1, B, H)
        slope = gates[..., :2 * H] * (1.0 - gates[..., :2 * H])   # sigmoid' = s (1 - s) for r and z
        W_rz, W_hh = self.W[:2 * H, :H], self.W[2 * H:, :H]
        da = np.empty_like(gates)                                 # d loss / d pre-activations of r, z, h~
        dh_next = np.zeros((B, H))
        for t in reversed(range(T)):
            r_t, z_t, h_tilde = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:]
            dh = dh_out[t] + dh_next                              # from y_t and from step t+1 (TODO 7)
            # h_t = (1 - z_t) * h_prev + z_t * h_tilde, h_tilde = tanh(Wh . [r_t * h_prev, x_t] + bh)
            dz = dh * (h_tilde - h[t])                                              # (TODO 7)
            da[t, :, 2 * H:] = dh * z_t * (1.0 - h_tilde ** 2)    # through h_tilde, tanh (TODO 7)
            d_rh = da[t, :, 2 * H:] @ W_hh                        # d loss / d (r_t h_prev) (TODO 7)
            da[t, :, :2 * H] = np.concatenate([d_rh * h[t], dz], axis=1) * slope[t]   # dr, dz (TODO 7)
            dh_next = dh * (1.0 - z_t) + d_rh * r_t + da[t, :, :2 * H] @ W_rz   # 3 paths (TODO 7)
        da = da.reshape(T * B, 3 * H)           # r, z read [h_prev, x_t]; h~ reads [r_t * h_prev, x_t]
        dW = np.concatenate([da[:, :2 * H].T @ self._concat(h[:-1]),
                             da[:, 2 * H:].T @ self._concat(gates[..., :H] * h[:-1])])        # (TODO 7)
        self._store_gradients(dW, da.sum(axis=0))                                          # (TODO 7)
        return self._unbatch(dh_next, axis=0)

# ---- The stub's functions --------------------------------------------------------------------------
def count_parameters(model):
    """Parameters of any model whose parameters are NumPy array attributes named W... or b...: this file's
    models (blocks stacked in W, b), Exercise 1's, the course's reference LSTM (output matrix Why)."""
    arrays = [value for name, value in getattr(model, "__dict__", {}).items()
              if name.startswith(("W", "b")) and isinstance(value, np.ndarray)]               # (TODO 9)
    if not arrays:
        raise ValueError(f"model: expected NumPy array attributes named W... or b..., got {model!r}")
    return sum(a.size for a in arrays)                                                        # (TODO 9)

def train_model(model, text, char_to_idx, num_iterations=ITERATIONS, learning_rate=None):
    """The stub's loop (TODO 10): `train_models` for one LSTM or GRU on `text`, at LEARNING_RATES unless
    learning_rate is given. Returns (losses, times): each iteration's loss per character and seconds."""
    key = "lstm" if isinstance(model, LSTM) else "gru"
    rate = LEARNING_RATES[key] if learning_rate is None else learning_rate
    windows = batch_windows(encode(text, char_to_idx), SEQ_LENGTH, BATCH_SIZE)
    record = train_models({key: model}, {key: rate}, windows, None, num_iterations)[key]
    return list(record["loss"]), list(record["seconds"])

def compare_models(text, char_to_idx, hidden_size=64, num_iterations=ITERATIONS, **options):
    """The stub's comparison (TODO 11-13): `compare_lstm_gru`, one seed; {'lstm': {'params', 'losses',
    'times', ...}, 'gru': {...}, 'config': {...}}."""
    return compare_lstm_gru(text, hidden_size, iterations=num_iterations, seeds=[SEED], keys=("lstm", "gru"),
                            char_to_idx=char_to_idx, **options)                                # (TODO 11)

def plot_comparison(results, path=os.path.join(OUTDIR, "ex5_comparison.png")):
    """The stub's three panels (TODO 14): loss, time per iteration, parameters. Returns the figure."""
    prepare_outdir(os.path.dirname(path) or ".", "path")
    return visualize_comparison(results, analyze_comparison(results), path,
                                ("loss", "time", "params"))                        # (TODO 14)

def write_comparison_report(results):
    """The stub's report (TODO 15): the numbers and verdicts of `analyze_comparison`, printed."""
    print_report(results, analyze_comparison(results))                                          # (TODO 15)

# ---- Data and training -----------------------------------------------------------------------------
def encode(text, char_to_idx):
    """(N,) int ids of the characters of `text`; ValueError naming a character char_to_idx lacks."""
    missing = sorted(set(text) - set(char_to_idx))
    if missing:
        raise ValueError(f"char_to_idx: expected an id for each character of the text, not {missing[0]!r}")
    return np.array([char_to_idx[ch] for ch in text])

def split_text(text, seq_length, batch_size):
    """(training text, held-out text), the last HELDOUT_FRACTION held out (2 characters at least).
    ValueError unless the text has 2 distinct characters and batch_size * seq_length + 1 to train on."""
    seq_length, batch_size = check_int("seq_length", seq_length), check_int("batch_size", batch_size)
    if len(set(text)) < 2:
        raise ValueError(f"text: expected at least 2 distinct characters, got {len(set(text))}")
    n_heldout = max(2, int(len(text) * HELDOUT_FRACTION))
    if len(text) - n_heldout < batch_size * seq_length + 1:
        raise ValueError(f"text: expected batch_size * seq_length + 1 = {batch_size * seq_length + 1} "
                         f"characters to train on and {n_heldout} held out, got {len(text)} in all")
    return text[:-n_heldout], text[-n_heldout:]

def batch_windows(ids, seq_length, batch_size):
    """`ids` cut into batch_size equal streams, one per batch column, read seq_length at a time, so that
    each stream's state carries from one window to the next. Returns the list of (inputs, targets),
    each (seq_length, batch_size), the targets one character ahead."""
    ids = np.asarray(ids)
    T, B = check_int("seq_length", seq_length), check_int("batch_size", batch_size)
    L = (len(ids) - 1) // B                                         # characters per stream
    if L < T:
        raise ValueError(f"ids: expected batch_size * seq_length + 1 = {B * T + 1} ids, got {len(ids)}")
    inputs, targets = ids[:B * L].reshape(B, L).T, ids[1:B * L + 1].reshape(B, L).T
    return [(inputs[p:p + T], targets[p:p + T]) for p in range(0, L - T + 1, T)]

def heldout_loss_per_char(model, ids):
    """Loss in nats per character of predicting ids[1:] from ids[:-1], read as one sequence from zero
    states, with no update. ids: (N,) ints, N >= 2."""
    ids = check_ids("ids", ids, model.input_size)
    if ids.ndim != 1 or len(ids) < 2:
        raise ValueError(f"ids: expected a (N,) array of at least 2 ids, got shape {ids.shape}")
    zeros = [np.zeros(model.hidden_size)] * len(model.STATES)
    return model.forward(ids[:-1], ids[1:], *zeros) / (len(ids) - 1)

class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""

def train_models(models, learning_rates, windows, heldout_ids, iterations, log=None):
    """Truncated BPTT with Adagrad for models {key: LSTM or GRU} in lockstep: each iteration gives each
    model the same window (forward, backward, update at learning_rates[key]), in an order that alternates
    so that load on a shared machine slows all alike and times pair up by iteration. States carry from
    window to window. heldout_ids: (M,) ids scored EVALUATIONS times, or None. Returns {key: {"loss",
    "seconds": (iterations,) nats per character and seconds, "eval_iterations", "heldout": lists}}."""
    iterations, keys, start = check_int("iterations", iterations), list(models), time.perf_counter()
    rates = {key: check_float("learning_rates", learning_rates[key]) for key in keys}
    records = {key: {"loss": np.empty(iterations), "seconds": np.empty(iterations), "eval_iterations": [],
                     "heldout": []} for key in keys}
    evaluate_at = () if heldout_ids is None else set(np.linspace(0, iterations, EVALUATIONS + 1).astype(int))
    every = max(1, iterations // 5)                                    # iterations per progress line
    with np.errstate(over="ignore", invalid="ignore"):                 # a blow-up shows as a non-finite loss
        for n in range(iterations):
            inputs, targets = windows[n % len(windows)]
            if n % len(windows) == 0:                                  # the streams start again
                states = {key: [np.zeros((inputs.shape[1], m.hidden_size))] * len(m.STATES)
                          for key, m in models.items()}
            for key in keys if n % 2 == 0 else keys[::-1]:
                model, began = models[key], time.perf_counter()
                loss = model.forward(inputs, targets, *states[key]) / inputs.size       # (TODO 10)
                if not math.isfinite(loss):
                    raise TrainingDiverged(f"the {key} loss became {loss} at iteration {n + 1}; try a "
                                           f"smaller --learning-rate (now {rates[key]})")
                model.backward()                                                        # (TODO 10)
                model.update_weights(rates[key])                                        # (TODO 10)
                records[key]["seconds"][n] = time.perf_counter() - began               # (TODO 10)
                records[key]["loss"][n] = loss                                          # (TODO 10)
                states[key] = [getattr(model, name)[-1] for name in model.STATES]     # carried on
            for key, model in models.items() if n + 1 in evaluate_at else ():
                records[key]["eval_iterations"].append(n + 1)
                records[key]["heldout"].append(heldout_loss_per_char(model, heldout_ids))
            if log and (n + 1) % every == 0:
                last = slice(n + 1 - every, n + 1)
                parts = [f"{key} {r['loss'][last].mean():.2f} {1e3 * np.median(r['seconds'][last]):.1f}ms"
                         for key, r in records.items()]
                eta = (time.perf_counter() - start) / (n + 1) * (iterations - n - 1)
                log(f"iter {n + 1}/{iterations}  loss/char, ms/iter: {'  '.join(parts)}  eta {eta:.0f} s")
    return records

def matched_hidden_size(lstm_hidden_size, input_size, output_size):
    """The GRU hidden size h whose whole-model parameter count is closest to an LSTM's (ties: the smaller
    h): 4 H (H + D + 1) + V (H + 1) = 3 h^2 + (3 (D + 1) + V) h + V, solved for h."""
    H, D, V = (check_int(name, value) for name, value in (("lstm_hidden_size", lstm_hidden_size),
               ("input_size", input_size), ("output_size", output_size)))
    target, linear = 4 * H * (H + D + 1) + V * (H + 1), 3 * (D + 1) + V
    root = (-linear + math.sqrt(linear ** 2 + 12 * (target - V))) / 6
    return min({max(1, math.floor(root)), math.ceil(root)},
               key=lambda h: (abs(3 * h * (h + D + 1) + V * (h + 1) - target), h))

def parameter_blocks(model):
    """Parameters per block of this file's LSTM or GRU: {"reset gate": H (H + D) + H, ..., "output layer"}."""
    blocks = {**model.BLOCKS, "output layer": ("Wy", "by")}
    return {part: sum(getattr(model, name).size for name in names) for part, names in blocks.items()}

# ---- The comparison --------------------------------------------------------------------------------
def compare_lstm_gru(text, hidden_size=HIDDEN_SIZE, learning_rates=None, iterations=ITERATIONS,
                     seeds=range(SEED, SEED + SEEDS), seq_length=SEQ_LENGTH, batch_size=BATCH_SIZE,
                     char_to_idx=None, keys=MODEL_KEYS, log=None):
    """Train an LSTM, a GRU of the same H and a GRU with the LSTM's parameter count ("gru_matched") in
    lockstep on `text` less its last 10%, each at its own rate (LEARNING_RATES, updated by learning_rates),
    once per seed. Returns {"config", key: {"label", "hidden_size", "learning_rate", "params", "blocks",
    "losses", "times": mean over seeds per iteration (the stub's names), "runs": [{"seed", "loss",
    "seconds", "eval_iterations", "heldout"} per seed]}}."""
    seeds = [check_int("seeds", seed, low=0) for seed in seeds]
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got none")
    train_text, heldout_text = split_text(text, seq_length, batch_size)
    char_to_idx = char_to_idx or {ch: k for k, ch in enumerate(sorted(set(text)))}
    ids, V = encode(text, char_to_idx), max(char_to_idx.values()) + 1
    windows = batch_windows(ids[:len(train_text)], seq_length, batch_size)
    sizes = {"lstm": hidden_size, "gru": hidden_size, "gru_matched": matched_hidden_size(hidden_size, V, V)}
    kinds, rates = {"lstm": LSTM, "gru": GRU, "gru_matched": GRU}, LEARNING_RATES | (learning_rates or {})
    results = {"config": {"seq_length": seq_length, "batch_size": batch_size, "iterations": iterations,
                          "seeds": seeds, "vocab_size": V, "train_chars": len(train_text),
                          "heldout_chars": len(heldout_text)}}
    for key in keys:
        label = f"{kinds[key].__name__} H={sizes[key]}" + " (matched)" * (key == "gru_matched")
        results[key] = {"label": label, "hidden_size": sizes[key], "learning_rate": rates[key], "runs": []}
    for number, seed in enumerate(seeds):
        models = {key: kinds[key](V, sizes[key], V, seed=seed) for key in keys}  # (TODO 12), (TODO 13)
        progress = log and (lambda line: log(f"seed {seed} ({number + 1}/{len(seeds)})  {line}"))
        records = train_models(models, rates, windows, ids[len(train_text):], iterations, progress)
        for key in keys:
            results[key]["runs"].append({"seed": seed, **records[key]})
    for key, model in models.items():
        runs = results[key]["runs"]
        results[key].update(params=count_parameters(model), blocks=parameter_blocks(model),
                            losses=np.mean([r["loss"] for r in runs], axis=0),
                            times=np.mean([r["seconds"] for r in runs], axis=0))
    return results

def tune_learning_rates(text, rates=TUNE_RATES, seeds=range(TUNE_SEEDS), log=None, **options):
    """The sweep behind LEARNING_RATES: each model at each rate on `text` less its held-out part, scored
    on the last 10% of what remains, so the comparison's held-out text plays no part. Returns {"rates",
    "validation": {key: (rates, seeds) lowest loss per character}, "chosen": {key: rate}}."""
    T, B = options.get("seq_length", SEQ_LENGTH), options.get("batch_size", BATCH_SIZE)
    train_text = split_text(text, T, B)[0]
    validation = {key: np.empty((len(rates), len(seeds))) for key in MODEL_KEYS}
    for row, rate in enumerate(rates):
        results = compare_lstm_gru(train_text, learning_rates=dict.fromkeys(MODEL_KEYS, rate), seeds=seeds,
                                   log=log and (lambda line: log(f"lr {rate}  {line}")), **options)
        for key in MODEL_KEYS:
            validation[key][row] = [min(run["heldout"]) for run in results[key]["runs"]]
    return {"rates": list(rates), "validation": validation,
            "chosen": {key: rates[int(np.argmin(v.mean(axis=1)))] for key, v in validation.items()}}

# ---- Analysis: the course's three claims, measured -------------------------------------------------
CLAIMS = ("25-30% fewer parameters", "trains 10-20% faster", "similar final performance")

def model_keys(results):
    return [key for key in MODEL_KEYS if key in results]

def analyze_comparison(results):
    """The numbers behind the course's claims: {"cell", "total": {key: parameters}, "savings": {"cell",
    "model": % fewer in the GRU}, "ms": {key: median ms per iteration}, "ratio": {key: median of its
    seconds / the LSTM's in the same iteration}, "speedup_by_seed", "best", "last": {key: (mean, std) over
    seeds of the lowest and last held-out loss}, "diff": {key: % above the LSTM's best}, "verdicts"}."""
    keys = model_keys(results)
    runs, total = {key: results[key]["runs"] for key in keys}, {key: results[key]["params"] for key in keys}
    mean_std = lambda v: (float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else 0.0)   # over seeds
    cell = {key: total[key] - results[key]["blocks"]["output layer"] for key in keys}
    paired = {key: [g["seconds"] / l["seconds"] for g, l in zip(runs[key], runs["lstm"])] for key in keys}
    a = {"cell": cell, "total": total, "savings": {"cell": 100 * (1 - cell["gru"] / cell["lstm"]),
                                                   "model": 100 * (1 - total["gru"] / total["lstm"])},
         "ms": {key: 1e3 * float(np.median([r["seconds"] for r in runs[key]])) for key in keys},
         "ratio": {key: float(np.median(paired[key])) for key in keys},
         "speedup_by_seed": {key: [100 * (1 - float(np.median(p))) for p in paired[key]] for key in keys},
         "best": {key: mean_std([min(r["heldout"]) for r in runs[key]]) for key in keys},
         "last": {key: mean_std([r["heldout"][-1] for r in runs[key]]) for key in keys}}
    a["diff"] = {key: 100 * (a["best"][key][0] / a["best"]["lstm"][0] - 1) for key in keys}
    # 1. Parameters at the same H: of the recurrent cell (3 weight blocks against 4) and of the whole model.
    cell_ok, model_ok = (25 - 1e-9 <= a["savings"][part] <= 30 + 1e-9 for part in ("cell", "model"))
    verdicts = [(cell_ok and model_ok, "holds" if model_ok else "holds for the recurrent cell only" if cell_ok
                 else "does not hold", f"{a['savings']['cell']:.1f}% fewer in the cell, "
                                       f"{a['savings']['model']:.1f}% in the whole model")]
    # 2. Speed at the same H: the median paired time ratio, and its spread over seeds.
    speedup, by_seed = 100 * (1 - a["ratio"]["gru"]), a["speedup_by_seed"]["gru"]
    ok = 10 - 1e-9 <= speedup <= 20 + 1e-9
    verdicts.append((ok, "holds" if ok else "does not hold", f"the GRU takes {abs(speedup):.1f}% "
                     f"{'less' if speedup >= 0 else 'more'} time per iteration, {min(by_seed):.1f}% to "
                     f"{max(by_seed):.1f}% by seed"))
    # 3. Performance: the lowest held-out loss of each run (early stopping), each model at its own rate.
    (lstm, lstm_sd), (gru, gru_sd), diff = a["best"]["lstm"], a["best"]["gru"], a["diff"]["gru"]
    ok = abs(diff) <= SIMILAR
    gap = "wider" if abs(gru - lstm) > lstm_sd + gru_sd else "narrower"
    verdicts.append((ok, "holds" if ok else "does not hold", f"lowest held-out loss {gru:.3f} +- {gru_sd:.3f}"
                     f" against the LSTM's {lstm:.3f} +- {lstm_sd:.3f}, {diff:+.1f}% (a gap {gap} than the"
                     f" two spreads added; 'similar' means within {SIMILAR:g}%)"))
    a["verdicts"] = [{"claim": claim, "holds": holds, "status": f"{word}: {numbers}"}
                     for claim, (holds, word, numbers) in zip(CLAIMS, verdicts)]
    return a

# ---- Printing and plotting -------------------------------------------------------------------------
def print_report(results, a):
    """Print the table, parameters by block and verdicts of `analyze_comparison`'s dict `a`."""
    cfg, keys = results["config"], model_keys(results)
    width = max(len(results[key]["label"]) for key in keys)
    print(f"\n{cfg['train_chars']:,} characters to train on, {cfg['heldout_chars']:,} held out, V="
          f"{cfg['vocab_size']}, T={cfg['seq_length']}, B={cfg['batch_size']}, {cfg['iterations']} "
          f"iterations, seeds {cfg['seeds']}\n{'model':<{width}}     lr   params  ms/iter  vs LSTM   "
          "held-out best   held-out last")
    for key in keys:
        (best, best_sd), (last, last_sd), row = a["best"][key], a["last"][key], results[key]
        print(f"{row['label']:<{width}}  {row['learning_rate']:>5}  {a['total'][key]:>7,}  "
              f"{a['ms'][key]:7.2f}  {a['ratio'][key]:6.3f}x  {best:6.3f} +- {best_sd:.3f}  {last:6.3f} +- "
              f"{last_sd:.3f}")
    print(f"(nats per character; a uniform guess scores ln V = {math.log(cfg['vocab_size']):.2f}; "
          "'vs LSTM' is the median paired time ratio)")
    for key in keys:
        blocks = ", ".join(f"{n:,} {part}" for part, n in results[key]["blocks"].items())
        print(f"  {results[key]['label']:<{width}}  {blocks}")
    print("the course's claims, measured at the same H:")
    for v in a["verdicts"]:
        print(f"  \"{v['claim']}\": {v['status']}")

def print_tuning(tuning):
    """Print the sweep: each model's lowest validation loss per rate, mean and per seed; * = chosen."""
    print("\nlowest validation loss per character: mean (each seed); * = the rate chosen")
    print(f"{'lr':>6}" + "".join(f"{key:>26}" for key in MODEL_KEYS))
    for row, rate in enumerate(tuning["rates"]):
        cells = [f"{v[row].mean():.3f}{'*' if tuning['chosen'][key] == rate else ' '} ("
                 + " ".join(f"{x:.3f}" for x in v[row]) + ")" for key, v in tuning["validation"].items()]
        print(f"{rate:>6}" + "".join(f"{cell:>26}" for cell in cells))

COLORS = {"lstm": "tab:blue", "gru": "tab:orange", "gru_matched": "tab:green"}
PANELS = ("loss", "loss_vs_time", "time", "params")

def visualize_comparison(results, a, path, panels=PANELS):
    """Save the figure at `path`, return it. panels, any of PANELS: training (moving average) and held-out
    loss against iteration; training loss against time; ms per iteration; parameters by block."""
    cfg, keys = results["config"], model_keys(results)
    window, chance, n = max(1, cfg["iterations"] // 25), math.log(cfg["vocab_size"]), len(cfg["seeds"])
    fig, axes = plt.subplots(*((2, 2) if len(panels) == 4 else (1, len(panels))), squeeze=False,
                             figsize=(14, 11) if len(panels) == 4 else (6 * len(panels), 6))
    for ax, panel in zip(axes.ravel(), panels):
        if panel in ("loss", "loss_vs_time"):
            for key in keys:
                runs = results[key]["runs"]
                label = f"{results[key]['label']}, lr {results[key]['learning_rate']}"
                curves = np.array([np.convolve(r["loss"], np.ones(window) / window, "valid") for r in runs])
                mean, sd = curves.mean(0), curves.std(0)        # the moving average ends at iteration x
                x = np.arange(window, cfg["iterations"] + 1) if panel == "loss" else np.cumsum(
                    results[key]["times"])[window - 1:]
                ax.plot(x, mean, color=COLORS[key], label=label + ", training" * (panel == "loss"))
                ax.fill_between(x, mean - sd, mean + sd, color=COLORS[key], alpha=0.2)
                heldout = np.array([r["heldout"] for r in runs])
                if panel == "loss":
                    ax.errorbar(runs[0]["eval_iterations"], heldout.mean(0), heldout.std(0), marker="o", ms=3,
                                color=COLORS[key], ls="--", capsize=2, label=label + ", held-out")
            ax.axhline(chance, color="grey", ls=":", label=f"uniform guess, ln V = {chance:.2f}")
            ax.set(ylabel="cross-entropy (nats per character)", ylim=(0, 1.45 * chance),
                   xlabel="training iteration" if panel == "loss" else "training time (s, mean over seeds)",
                   title=("Loss per iteration" if panel == "loss" else "Training loss against time") + ": "
                         f"training (mean of the last {window}){' and held-out' * (panel == 'loss')}\n"
                         f"mean +- std over {n} seed{'s' * (n > 1)}")
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
        elif panel == "time":
            ms = [1e3 * np.concatenate([r["seconds"] for r in results[key]["runs"]]) for key in keys]
            box = ax.boxplot(ms, whis=(5, 95), showfliers=False, patch_artist=True, medianprops={"c": "k"})
            for k, (patch, key) in enumerate(zip(box["boxes"], keys), start=1):
                patch.set(facecolor=COLORS[key], alpha=0.5)
                ax.annotate(f"{a['ms'][key]:.2f} ms\n{a['ratio'][key]:.2f}x LSTM", (k + 0.3, a["ms"][key]))
            ax.set_xticks(range(1, len(keys) + 1), [results[key]["label"] for key in keys])
            ax.set(ylabel="ms per iteration (forward, backward, update)", ylim=(0, None),
                   title=f"Time per iteration, T={cfg['seq_length']}, B={cfg['batch_size']}\n"
                         "median, quartiles and 5-95% of all iterations and seeds")
        else:
            for row, key in enumerate(keys):             # one bar segment per block, the output layer grey
                counts = list(results[key]["blocks"].values())
                ax.barh(row, counts, left=np.cumsum([0] + counts[:-1]), edgecolor="white",
                        color=[COLORS[key]] * (len(counts) - 1) + ["lightgrey"])
                ax.annotate(f"{sum(counts):,} = {len(counts) - 1} x {counts[0]:,} + {counts[-1]:,}",
                            (sum(counts), row), xytext=(4, 0), textcoords="offset points", va="center")
            ax.set_yticks(range(len(keys)), [results[key]["label"] for key in keys])
            ax.invert_yaxis()
            saved = a["savings"]
            ax.set(xlabel="parameters (grey: output layer Wy, by)", xlim=(0, 1.6 * max(a["total"].values())),
                   title=f"Parameters by block\nsame H: GRU cell {saved['cell']:.1f}% fewer, whole model "
                         f"{saved['model']:.1f}% fewer")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return fig

# ---- Benchmark -------------------------------------------------------------------------------------
def benchmark(cases=BENCH_CASES, vocab_size=41, seconds=BENCH_SECONDS, seed=SEED, log=None):
    """Median ms per training step (forward, backward, Adagrad update) of the LSTM and the GRU for each
    (T, B, H) in `cases`, timed by `train_models` (the two take turns) for about `seconds` per case.
    Returns {"cases", "lstm": [ms], "gru": [ms]}."""
    rng, out = np.random.default_rng(seed), {"cases": list(cases), "lstm": [], "gru": []}
    for T, B, H in cases:
        ids = rng.integers(0, vocab_size, (T + 1, B))
        models = {"lstm": LSTM(vocab_size, H, vocab_size, seed), "gru": GRU(vocab_size, H, vocab_size, seed)}
        windows, rates = [(ids[:-1], ids[1:])], dict.fromkeys(models, 0.01)
        first = train_models(models, rates, windows, None, 3)            # also warms up
        steps = max(5, int(seconds / sum(np.median(r["seconds"]) for r in first.values())))
        for key, record in train_models(models, rates, windows, None, steps).items():
            out[key].append(1e3 * float(np.median(record["seconds"])))
        if log:
            log(f"T={T:3d} B={B:3d} H={H:4d}  LSTM {out['lstm'][-1]:8.2f} ms  GRU {out['gru'][-1]:8.2f} ms  "
                f"GRU/LSTM {out['gru'][-1] / out['lstm'][-1]:.2f}  ({steps} steps each)")
    return out

# ---- --check: grade a learner's own GRU against this one, item by item ------------------------------
CHECK_ITEMS = [  # (stub item, what the learner's GRU holds after one forward/backward step, the equation)
    ("6", "r_gates", "r_t = sigmoid(Wr @ concat + br) with concat = np.concatenate([h_prev, x_t]), h first"),
    ("6", "z_gates", "z_t = sigmoid(Wz @ concat + bz)"),
    ("6", "h_tilde_cache", "h_tilde = tanh(Wh @ np.concatenate([r_t * h_prev, x_t]) + bh): r_t before the @"),
    ("6", "h_states", "h_t = (1 - z_t) * h_prev + z_t * h_tilde, and h_states[0] = h_prev"),
    ("6", "y_probs", "y_t = softmax(Wy @ h_t + by) = exp(s - max s) / sum(exp(s - max s))"),
    ("6", "loss", "loss += -ln y_t[target_t], summed over the steps"),
    ("7", "dWy dby", "dy = y_t - onehot(target_t); dWy += np.outer(dy, h_t); dby += dy"),
    ("7", "dWh dbh", "dh = Wy.T @ dy + dh_next; da_h = dh * z_t * (1 - h_tilde**2); dbh += da_h; "
                     "dWh += np.outer(da_h, np.concatenate([r_t * h_prev, x_t]))"),
    ("7", "dWz dbz", "dz = dh * (h_tilde - h_prev); dWz += np.outer(dz * z_t * (1 - z_t), concat)"),
    ("7", "dWr dbr", "dr = (Wh[:, :H].T @ da_h) * h_prev; dWr += np.outer(dr * r_t * (1 - r_t), concat)"),
    ("7", "dh_next", "dh * (1 - z_t) + (Wh[:, :H].T @ da_h) * r_t + Wr[:, :H].T @ da_r + Wz[:, :H].T @ da_z")]
OPTIONAL = ["r_gates", "z_gates", "h_tilde_cache", "h_states", "y_probs", "dh_next"]   # checked if kept

def _value(model, returned, name, shape):
    """What a model holds as `name` (or returned under it) as an array of `shape`; None if there is no
    such value of that size. Caches may be arrays, lists of vectors or dicts keyed by step."""
    value = returned.get(name, getattr(model, name, None))
    if isinstance(value, dict):
        value = [value[k] for k in sorted(value)]
    with contextlib.suppress(TypeError, ValueError):
        value = np.asarray(value, dtype=np.float64)
        return value.reshape(shape) if value.size == math.prod(shape) else None

def check_attempt(path, seed=SEED):
    """Run the GRU of the learner's file beside this one, with the same parameters, ids and state, and
    compare what the stub's numbered items produce: one step first, where nothing flows between steps and the
    first item that differs names the equation to fix, then 6 steps, 30 steps with clipping, and the
    update rule. Returns rows (item, what, ok, detail, hint), ok None for a cache the learner does not
    keep; their exceptions become rows. ValueError if `path` cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"--check: cannot read {path!r} ({err.__class__.__name__})") from None
    rows, D, H, V = [], 5, 4, 6
    spec = importlib.util.spec_from_file_location("learner_attempt", path)
    module = importlib.util.module_from_spec(spec)

    def run(tag, what, call):
        """call() with the learner's printing silenced. Their exception becomes a FAIL row at the stub's
        numbered comment (# TODO 7: ...) nearest above the line of their file that raised it."""
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                return call(), True
        except Exception as err:                                 # the learner's bug: reported, not raised
            lines = [f.lineno for f in traceback.extract_tb(err.__traceback__) if f.filename == spec.origin]
            tags = re.findall(r"TODO\s*(\d+)", "\n".join(source[:lines[-1]])) if lines else []
            rows.append((tags[-1] if tags else tag, what, False, (f"line {lines[-1]}: " if lines else "")
                         + f"{err.__class__.__name__}: {err}", "your code raised this error at that line"))
            return None, False

    def compare(tag, names, hint, what=None):
        """A row for `names`: ok if the learner's values match ours, None if they keep none of them."""
        names = [n for n in names if n in theirs_]
        if not names:
            return rows.append((tag, what, None, "not kept, so not checked", hint))
        same = [theirs_[n] is not None and np.allclose(theirs_[n], ours_[n], 1e-6, 1e-9) for n in names]
        diff = max(np.abs(theirs_[n] - ours_[n]).max() if theirs_[n] is not None else np.inf for n in names)
        rows.append((tag, what or " ".join(names), all(same),
                     f"max diff {diff:.1e}" if diff < np.inf else "missing or wrong shape", hint))

    _, ok = run("-", "import your file", lambda: spec.loader.exec_module(module))
    if ok and not hasattr(module, "GRU"):
        rows.append(("-", "class GRU", False, "not defined in the file", "name the class as the stub does"))
    theirs, ok = run("1-5", f"GRU({D}, {H}, {V})", lambda: module.GRU(D, H, V)) if not rows else (None, False)
    if not ok:
        return rows
    ours = GRU(D, H, V, seed=seed)
    wrong = [n for n in ours.PARAM_NAMES if np.shape(getattr(theirs, n, None)) != getattr(ours, n).shape]
    rows.append(("1-5", "parameter shapes", not wrong, " ".join(wrong),
                 "Wr, Wz, Wh (H, H+D); br, bz, bh (H,); Wy (V, H); by (V,)"))
    if wrong:
        return rows
    rng = np.random.default_rng(seed)
    for name in ours.PARAM_NAMES:                               # the same random parameters in both
        setattr(ours, name, rng.normal(0.0, 0.5, getattr(ours, name).shape))
        setattr(theirs, name, getattr(ours, name).copy())
    inputs, targets, h0 = rng.integers(0, D, 6).tolist(), rng.integers(0, V, 6).tolist(), rng.normal(0, .5, H)
    names = ["loss", "dh_next"] + OPTIONAL[:5] + ["d" + name for name in ours.PARAM_NAMES]
    for steps, ins, tgs in ((1, inputs[:1], targets[:1]), (6, inputs, targets), (30, [0] * 30, [1] * 30)):
        returned = {"loss": ours.forward(ins, tgs, h0), "dh_next": ours.backward()}
        ours_ = {n: _value(ours, returned, n, np.shape(returned.get(n, getattr(ours, n, 0)))) for n in names}
        ret, ok = run("6-7", f"forward, backward on {steps} step(s)",
                      lambda: (theirs.forward(ins, tgs, h0.copy()), theirs.backward()))
        if not ok:                                               # their error is reported once
            break
        loss, back = ret
        returned = {"loss": loss[0] if isinstance(loss, tuple) else loss}    # dh_next if they return it
        returned.update({} if back is None else {"dh_next": back[0] if isinstance(back, tuple) else back})
        theirs_ = {n: _value(theirs, returned, n, ours_[n].shape) for n in names
                   if n not in OPTIONAL or n in returned or hasattr(theirs, n)}
        if steps == 1:                                           # each equation on its own
            for tag, item, hint in CHECK_ITEMS:
                compare(tag, item.split(), hint)
        elif steps == 6:                                         # what flows back from step t+1
            compare("6-7", names, "dh = Wy.T @ dy + dh_next: the gradient from step t+1", "all, over 6 steps")
        else:                                                    # dby[1] is near -25 before clipping
            compare("7", names[7:], "np.clip(grad, -5, 5, out=grad), each", "30 steps' gradients, clipped")

    def update():                        # two steps from fresh memory with our gradients d
        for name in ours.PARAM_NAMES:
            setattr(theirs, name, getattr(ours, name).copy())
            setattr(theirs, "d" + name, getattr(ours, "d" + name).copy())
        theirs.update_weights(0.1)
        theirs.update_weights(0.1)
    if run("8", "update_weights(0.1), twice", update)[1]:      # compared with two rules
        rules = {"Adagrad, as the solution": lambda p, d: p - 0.1 * d / np.sqrt(d * d + 1e-8) - 0.1 * d
                 / np.sqrt(2 * d * d + 1e-8), "plain SGD, as the stub says": lambda p, d: p - 0.2 * d}
        after = {n: _value(theirs, {}, n, getattr(ours, n).shape) for n in ours.PARAM_NAMES}
        found = [rule for rule, step in rules.items() if all(after[n] is not None and np.allclose(
                 after[n], step(getattr(ours, n), getattr(ours, "d" + n)), 1e-6, 1e-9) for n in after)]
        rows.append(("8", "update_weights(learning_rate)", bool(found), found[0] if found else "neither rule",
                     "Adagrad: memory += d**2; param -= lr * d / np.sqrt(memory + 1e-8). SGD: param -= lr*d"))
    return rows

def print_check(rows, path):
    """Print `check_attempt`'s rows as a checklist with a hint under each failure; return the exit code."""
    print(f"checking GRU in {path} against the solution (D=5, H=4, V=6, the same parameters)")
    for tag, what, ok, detail, hint in rows:
        print(f"  {'skip' if ok is None else 'ok' if ok else 'FAIL':<4}  TODO {tag:<5} {what:<40} {detail}")
        if ok is False:
            print(f"{' ' * 18}{hint}")
    failed = sum(row[2] is False for row in rows)
    print(f"all {sum(row[2] is True for row in rows)} items checked match" if not failed else
          f"{failed} of {len(rows)} items fail: fix the first FAIL first, as later items use its result")
    return 1 if failed else 0

# ---- Command line ----------------------------------------------------------------------------------
class OneLineErrorParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage block) and exits with code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")

def prepare_outdir(path, flag="--outdir"):
    """Create the output folder and prove it writable, before any training; ValueError naming `flag`."""
    try:
        if not path:
            raise OSError("an empty path")
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError as err:
        raise ValueError(f"{flag}: cannot write to {path!r} ({err.strerror or err})") from None
    return path

def build_parser():
    p = OneLineErrorParser(prog=os.path.basename(__file__), description="Exercise 5: a GRU from scratch "
                           "against the LSTM (parameters, time, held-out loss), each at its own rate.",
                           epilog="Prints progress lines, a table and a verdict per claim; saves "
                           "ex5_comparison.png.")
    p.add_argument("--seed", type=int, default=SEED, help="the first seed (default %(default)s)")
    p.add_argument("--seeds", type=int, help=f"runs per model (default {SEEDS}; --quick {QUICK['seeds']})")
    p.add_argument("--iterations", type=int, help=f"default {ITERATIONS}; --quick {QUICK['iterations']}")
    p.add_argument("--hidden-size", type=int, help=f"H of the LSTM and the same-size GRU (default "
                                                    f"{HIDDEN_SIZE}; --quick {QUICK['hidden_size']})")
    p.add_argument("--learning-rate", type=float, help="one Adagrad rate for all models (default: each its "
                   "own, " + ", ".join(f"{key} {rate}" for key, rate in LEARNING_RATES.items()) + ")")
    p.add_argument("--tune", action="store_true", help=f"the learning-rate sweep instead: rates "
                   f"{list(TUNE_RATES)} x {TUNE_SEEDS} seeds, scored on a validation text")
    p.add_argument("--benchmark", action="store_true", help=f"time training steps instead, (T, B, H) in "
                                                             f"{list(BENCH_CASES)}")
    p.add_argument("--check", metavar="FILE", help="grade the GRU in your exercise file, item by item")
    p.add_argument("--quick", action="store_true", help="a short run of whichever mode is chosen")
    p.add_argument("--outdir", default=OUTDIR, help="where the figure is saved (default %(default)s)")
    p.add_argument("--show", action="store_true", help="also open the figure in a window")
    return p

def run(args):
    """Check every argument before any work, then do what the flags ask. Returns the exit code."""
    if args.check:
        return print_check(check_attempt(args.check, args.seed), args.check)
    seed, start = check_int("--seed", args.seed, low=0), time.perf_counter()
    if args.benchmark:
        print("median ms per training step (forward, backward, Adagrad update), float64, one BLAS thread")
        benchmark(seconds=BENCH_SECONDS / 5 if args.quick else BENCH_SECONDS, seed=seed, log=print)
        return 0
    pick = lambda value, quick, full: value if value is not None else quick if args.quick else full
    hidden_size = check_int("--hidden-size", pick(args.hidden_size, QUICK["hidden_size"], HIDDEN_SIZE), 1,
                            MAX_SIZE)
    iterations = check_int("--iterations", pick(args.iterations, QUICK["iterations"], ITERATIONS), 1, 10 ** 7)
    rates = None if args.learning_rate is None else \
        dict.fromkeys(MODEL_KEYS, check_float("--learning-rate", args.learning_rate))
    seeds = range(seed, seed + check_int("--seeds", pick(args.seeds, QUICK["seeds"], SEEDS), high=100))
    figure = os.path.join(prepare_outdir(args.outdir), "ex5_comparison.png")
    if args.tune:
        print(f"learning-rate sweep: H={hidden_size}, {iterations} iterations, rates {list(TUNE_RATES)}, "
              f"seeds {seed}-{seed + TUNE_SEEDS - 1}")
        print_tuning(tune_learning_rates(DEFAULT_CORPUS, seeds=range(seed, seed + TUNE_SEEDS), log=print,
                                         hidden_size=hidden_size, iterations=iterations))
        print(f"swept in {time.perf_counter() - start:.0f} s")
        return 0
    print(f"training an LSTM, a GRU and a parameter-matched GRU in lockstep: H={hidden_size}, {iterations} "
          f"iterations, seeds {seeds.start}-{seeds.stop - 1}")
    results = compare_lstm_gru(DEFAULT_CORPUS, hidden_size, rates, iterations, seeds, log=print)   # (TODO 16)
    analysis = analyze_comparison(results)
    print_report(results, analysis)                                                            # (TODO 18)
    fig = visualize_comparison(results, analysis, figure)                                      # (TODO 17)
    print(f"trained {3 * len(seeds)} models in {time.perf_counter() - start:.0f} s; figure: {figure}")
    plt.show() if args.show else plt.close(fig)
    return 0

def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.show:
        plt.switch_backend("Agg")                                # headless unless --show
    try:
        return run(args)
    except ValueError as err:                                    # bad input: one line, exit code 2
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:
        print(f"{parser.prog}: {err}", file=sys.stderr)
        return 1

# ---- Data: the English text Exercise 1 trains on ----------------------------------------------------
DEFAULT_CORPUS = """\
The river town woke slowly in the cold morning. A baker opened the door of his shop and set the first \
loaves of bread on the long wooden table by the window. The smell of warm bread drifted down the street, \
past the old stone bridge and the small green boats that waited by the water. A girl with a red scarf \
walked to the school on the hill, and she stopped on the bridge to watch the river carry the last leaves \
of the year towards the sea.\n\nHer name was Nora, and she liked to count things. She counted the boats, \
the birds on the roof of the mill, and the steps that led from the bridge to the school. There were forty \
steps. On some days there were forty one, because she lost count when a friend called her name. Her \
teacher said that counting was the start of all science, and that a good question was worth more than a \
quick answer. Nora kept her questions in a small blue notebook, and every evening she read them again by \
the light of the kitchen lamp.\n\nIn the spring the river rose and the water came up to the road. The \
people of the town carried sand in heavy bags and built a low wall along the bank. The baker gave bread to \
everyone who worked on the wall, and the children carried water and warm tea. When the rain stopped, the \
river went down again, and the town was quiet and tired and glad. Nora wrote in her notebook that water \
always finds the lowest place, and that people find each other when the water is high.\n\nIn the summer \
the days were long and the light stayed late over the hills. The children swam in the slow part of the \
river, where the water was clear and the stones were smooth and round. Old men sat on the bench near the \
bridge and talked about the weather, the price of bread, and the years when the winters were colder. A cat \
slept on the warm wall of the mill, and nobody asked it to move. Nora walked along the bank with her \
notebook and wrote down the names of the plants, the colours of the stones, and the time when the first \
star came out at night.\n\nIn the autumn the wind turned and the leaves fell into the river again. The \
school on the hill opened its doors, and the teacher asked the children to write about something they had \
learned. Nora wrote about the river. She wrote that it was never the same river, because the water was \
always new, but that the town remembered it as one river, because the town remembered the bridge, the \
mill, the boats and the steps. She wrote that memory is what keeps a thing the same when all of its parts \
have changed.\n\nThe teacher read the story to the class and asked what they thought. One boy said that \
the river was just water and that was all. Another girl said that the river was the sound it made at \
night. Nora said that the river was the way the water went, and the way the town walked beside it. The \
teacher smiled and wrote a new question on the board: what does a river remember, and what does it forget? \
The children thought about it for a long time, and nobody gave a quick answer.\n\nIn the winter the river \
froze at the edges and the boats were pulled up onto the bank. The baker baked more bread than ever, \
because the cold made people hungry, and the smell of the shop reached all the way to the bridge. Nora \
counted the steps to the school once more, and there were forty. She wrote the number in her notebook, \
closed it, and walked up the hill in the snow, while the river went on below the ice, slow and dark and \
patient, carrying the year away to the sea.\n\nWhen Nora was older she went to work at the mill with her \
uncle. The mill was old and loud, and the great wheel turned in the water from the first light of the day \
until the evening. Her uncle showed her how the water pushed the wheel, how the wheel turned the stones, \
and how the stones made flour for the bread. He said that a mill is a way of asking the river to work for \
the town, and that the river always answers, but only in its own time. Nora wrote down how fast the wheel \
turned in each season. It turned fast in the spring, when the water was high, and slow in the summer, when \
the water was low.\n\nOne day a man came from the city with a long coat and a box of papers. He said that \
the town should build a new bridge, a wide bridge for trucks, and that the old stone bridge was too small \
and too slow for the modern world. The people of the town met in the school to talk about it. Some said \
that a new bridge would bring work and money. Others said that the old bridge was the heart of the town, \
and that a heart is not something you replace because it is small. The baker said nothing for a long time, \
and then he said that bread is also small and slow, and that nobody wants to live without it.\n\nNora \
stood up and read from her notebook. She read the number of boats that crossed under the bridge each week, \
the number of people who walked over it each morning, and the days when the river had risen almost to the \
top of the arch. She said that the old bridge had stood through every flood in her notebook, and that the \
town should learn what the bridge knew before it decided to forget it. The room was quiet. Then the man \
from the city asked if he could read the notebook, and Nora gave it to him.\n\nHe read it that night in \
the small hotel by the square, and in the morning he walked to the bridge and counted the steps to the \
school himself. There were forty. He came back to the school and said that the town did not need a wide \
bridge in the middle, but a small road around the hill for the trucks, and that the old bridge should stay \
as it was. The people of the town were surprised, and the baker laughed and gave him a loaf of bread for \
the road home.\n\nYears later, when Nora was a teacher in the school on the hill, she asked her own class \
the old question about the river. What does a river remember, and what does it forget? A small boy with \
cold hands said that the river forgets the water, because the water always leaves, but that it remembers \
the shape of the bank, because the bank stays. Nora wrote his answer on the board, and under it she wrote \
the date, and the number of steps from the bridge to the school, which was still forty.\n"""


if __name__ == "__main__":
    sys.exit(main())

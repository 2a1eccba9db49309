"""Exercise 4: how far back can an LSTM remember? Measured against a vanilla RNN.

The exercise
------------
Train a network on "remember the first character": the input is `A x x ... x ?`, a symbol,
`distance` distractor steps, then a query step whose target is the first symbol. Test the
distances 5, 10, 20, 50 and 100, plot held-out accuracy against distance, and run a vanilla
RNN for comparison. Then look inside: how the cell state stores the symbol through the
delay, and how the gradient d loss / d h_{T-k} shrinks with k in both models. Two more
long-range tasks sit beside it: delayed XOR (two bits, a delay, their XOR) and the copy task
of Arjovsky et al. (2016).

The equations (course notation; concat = [h_prev, x_t], h first; x_t is one-hot)
---------------------------------------------------------------------------------
LSTM (the same names and equations as Exercise 1):
    f_t     = sigmoid(Wf . concat + bf)        forget gate   (1 = keep the old cell)
    i_t     = sigmoid(Wi . concat + bi)        input gate    (1 = write the candidate)
    C_tilde = tanh(Wc . concat + bc)           candidate cell values
    o_t     = sigmoid(Wo . concat + bo)        output gate
    C_t     = f_t * C_prev + i_t * C_tilde     cell state
    h_t     = o_t * tanh(C_t)                  hidden state
Vanilla RNN:
    h_t     = tanh(Wh . concat + bh)
Both:
    y_t     = softmax(Wy . h_t + by)
    loss    = - sum over scored steps of ln y_t[target_t]     (natural log, summed over batch)

Only the steps that have a target enter the loss: the query step for recall and XOR, every
step for the copy task (so that its loss compares with the usual baseline).

Why the LSTM can bridge long delays: d C_t / d C_{t-1} = f_t (elementwise) along the cell
path, so with f_t near 1 the error reaches step T-k almost undiminished, while the RNN's
d h_t / d h_{t-1} = diag(1 - h_t^2) . Wh[:, :H] multiplies k Jacobians whose norm is
usually below 1: its gradient vanishes geometrically in k.

Training
--------
Real BPTT through every step, Adam (lr 0.01), global-norm gradient clipping (1.0), forget
bias bf = 3 at initialisation, and a curriculum that starts at delay 5 and doubles the delay
whenever the running training accuracy reaches 90%. The LSTM and the RNN get the same budget
(1000 batches of 64 per run), data and settings. Held-out sequences never occur in training.

How to run
----------
    python exercise_04_solution.py              # default run, a few minutes on 2 cores
    python exercise_04_solution.py --quick      # seconds, smaller budget and delays
    python exercise_04_solution.py --delays 5 10 20 50 100 200 --seeds 2
    python exercise_04_solution.py --forget-bias 1 --clip-norm 0 --no-curriculum   # levers off
    python exercise_04_solution.py --levers --seeds 3   # only the lever study, ~8 min of CPU

It prints one progress line per training run (model, delay, seed, iterations used, curriculum
reached, held-out accuracy, time), then tables of held-out accuracy against delay for the LSTM
and the vanilla RNN, the cell-state analysis, the gradient-flow numbers, delayed XOR and the
copy task, and a summary. It saves under --outdir (default outputs/):
    ex4_memory_capacity.png   held-out accuracy vs delay, both models, seed bands, chance line
    ex4_cell_state.png        cell-state heatmap of one sample, phases marked, tokens labelled
    ex4_gradient_flow.png     ||d loss / d h_{T-k}|| and ||d loss / d C_{T-k}|| vs k (log scale)
    ex4_training_curves.png   loss and held-out accuracy during training (longest delay, XOR, copy)
"""

import argparse
import math
import os
import sys
import time

# The per-step matmuls here are tiny: a multi-threaded BLAS spends more time waking threads
# than computing (measured 5-50x slower on 2 busy cores). One thread is set before numpy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import matplotlib.pyplot as plt

# ----------------------------------------------------------------------------------------
# Defaults (all overridable from the command line)
# ----------------------------------------------------------------------------------------
SEED = 0
ALPHABET_SIZE = 8              # symbols to remember; chance = 1 / ALPHABET_SIZE
DELAYS = (5, 10, 20, 50, 100)
N_SEEDS = 5
HIDDEN_SIZE = 32
BATCH_SIZE = 64
LEARNING_RATE = 0.01           # Adam
ITERATIONS = 1000              # budget per training run (model x delay x seed)
FORGET_BIAS = 3.0              # bf at initialisation; sigmoid(3) = 0.95
CLIP_NORM = 1.0                # global-norm gradient clipping; None (CLI: 0) switches it off
CURRICULUM_START = 5           # first delay of the curriculum
CURRICULUM_GROWTH = 2.0        # the delay is multiplied by this when the level is learned
CURRICULUM_THRESHOLD = 0.9     # running training accuracy that counts as "learned"
STOP_ACCURACY = 0.99           # running training accuracy at the full delay that ends a run
ACCURACY_WINDOW = 10           # training batches in the running accuracy
N_TRAIN = 8000                 # training pool per run (never overlaps the held-out set)
N_HELDOUT = 1000               # held-out samples per run
EVAL_EVERY = 20                # iterations between held-out evaluations
XOR_DELAYS = (10, 50)
COPY_DELAYS = (10,)
COPY_ITERATIONS = 2000         # the copy task learns slowly; it trains without curriculum (see run)
OUTDIR = "outputs"

IGNORE = -1                    # target id of a step that is not scored
COPY_LENGTH = 10               # copy task: symbols to copy
COPY_SYMBOLS = 8               # copy task: data symbols 0..7; 8 = blank, 9 = delimiter
COPY_BLANK, COPY_DELIMITER = COPY_SYMBOLS, COPY_SYMBOLS + 1

QUICK = dict(delays=(5, 10, 20), seeds=1, iterations=250, hidden_size=24,
             xor_delays=(10,), copy_delays=(5,), copy_iterations=200, n_train=3000, n_heldout=500)


# ----------------------------------------------------------------------------------------
# Checks shared by the public functions
# ----------------------------------------------------------------------------------------
def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")


def _check_positive_number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value > 0 \
            or not math.isfinite(value):
        raise ValueError(f"{name}: expected a positive number, got {value!r}")


def _check_token_ids(name, ids, size, allow_ignore=False):
    """Return `ids` as an int array of shape (T,) or (T, B), or raise ValueError."""
    arr = np.asarray(ids)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name}: expected token ids of shape (T,) or (T, B), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty sequence, got shape {arr.shape}")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: expected integer token ids, got dtype {arr.dtype}")
    low = IGNORE if allow_ignore else 0
    if arr.min() < low or arr.max() >= size:
        bad = arr[(arr < low) | (arr >= size)].flat[0]
        raise ValueError(f"{name}: expected ids in [{low}, {size}), got {bad}")
    return arr


def _check_state(name, state, shape):
    """Return `state` as a float64 array of `shape` (zeros if None), or raise ValueError."""
    if state is None:
        return np.zeros(shape)
    arr = np.asarray(state, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected finite values, got NaN or inf")
    return arr


# ----------------------------------------------------------------------------------------
# Data. Every generator returns time-major int arrays inputs (T, N) and targets (T, N);
# targets are IGNORE (-1) on steps that are not scored.
# ----------------------------------------------------------------------------------------
def memory_vocabulary(alphabet_size):
    """Token layout of the first-character task.

    Returns dict: input_size = 2K + 1 (K symbols, K separate-alphabet distractors, query),
    output_size = K, query = the query token id, names = a label per input id.
    """
    if isinstance(alphabet_size, bool) or not isinstance(alphabet_size, (int, np.integer)) \
            or not 2 <= alphabet_size <= 26:
        raise ValueError(f"alphabet_size: expected an integer in [2, 26], got {alphabet_size!r}")
    K = alphabet_size
    names = [chr(ord("A") + k) for k in range(K)] + [chr(ord("a") + k) for k in range(K)] + ["?"]
    return dict(input_size=2 * K + 1, output_size=K, query=2 * K, names=names)


def generate_memory_task(distance, n_samples, alphabet_size=ALPHABET_SIZE, distractors="same", rng=None):
    """The first-character task: `A x x ... x ?` -> A at the query step.

    Args:
        distance: number of distractor steps between the symbol and the query (>= 1).
        n_samples: N, sequences to generate.
        alphabet_size: K >= 2 symbols to remember (ids 0..K-1); chance accuracy is 1/K.
        distractors: "same" draws distractors from the same K symbols (the harder case: the
            model must remember the *first* one), "separate" from K other ids (K..2K-1).
        rng: np.random.Generator (default: a fresh one seeded with SEED).
    Returns:
        inputs (distance + 2, N) ints in [0, 2K+1): symbol, distractors, query (id 2K).
        targets (distance + 2, N): IGNORE except the last row, which is the first symbol.
    """
    _check_positive_int("distance", distance)
    _check_positive_int("n_samples", n_samples)
    if isinstance(alphabet_size, bool) or not isinstance(alphabet_size, (int, np.integer)) \
            or alphabet_size < 2:
        raise ValueError(f"alphabet_size: expected an integer >= 2, got {alphabet_size!r}")
    if distractors not in ("same", "separate"):
        raise ValueError(f"distractors: expected 'same' or 'separate', got {distractors!r}")
    rng = np.random.default_rng(SEED) if rng is None else rng
    K, T = alphabet_size, distance + 2
    inputs = np.empty((T, n_samples), dtype=np.int64)
    inputs[0] = rng.integers(0, K, n_samples)
    offset = 0 if distractors == "same" else K
    inputs[1:-1] = offset + rng.integers(0, K, (distance, n_samples))
    inputs[-1] = 2 * K
    targets = np.full_like(inputs, IGNORE)
    targets[-1] = inputs[0]
    return inputs, targets


def generate_delayed_xor_task(distance, n_samples, rng=None):
    """Delayed XOR: bits a, b, `distance` distractors, a query -> a XOR b at the query step.

    Input ids: 0 and 1 are the bits, 2 and 3 the distractors (random, so that there are
    4 * 2**distance distinct sequences and a held-out set can differ from the training
    set), 4 the query; output ids 0/1. Chance is 50%.
    Returns inputs (distance + 3, N) and targets (distance + 3, N), IGNORE except the last row.
    """
    _check_positive_int("distance", distance)
    _check_positive_int("n_samples", n_samples)
    rng = np.random.default_rng(SEED) if rng is None else rng
    T = distance + 3
    inputs = np.empty((T, n_samples), dtype=np.int64)
    inputs[:2] = rng.integers(0, 2, (2, n_samples))
    inputs[2:-1] = 2 + rng.integers(0, 2, (distance, n_samples))
    inputs[-1] = 4
    targets = np.full_like(inputs, IGNORE)
    targets[-1] = inputs[0] ^ inputs[1]
    return inputs, targets


def generate_copy_task(distance, n_samples, rng=None):
    """The copy task of Arjovsky et al. (2016), with T = `distance`.

    Input: 10 symbols drawn from 8 data symbols (ids 0..7), T - 1 blanks (id 8), the
    delimiter (id 9), then 10 blanks. Target: blank for the first T + 10 steps, then the 10
    symbols. Length T + 20. A memoryless model predicts blank, then uniform over 8 symbols,
    for a cross-entropy of copy_baseline(T) = 10 ln 8 / (T + 20) nats per step.
    Returns inputs (T + 20, N) ints in [0, 10) and targets (T + 20, N) ints in [0, 9).
    """
    _check_positive_int("distance", distance)
    _check_positive_int("n_samples", n_samples)
    rng = np.random.default_rng(SEED) if rng is None else rng
    T = distance
    data = rng.integers(0, COPY_SYMBOLS, (COPY_LENGTH, n_samples))
    inputs = np.full((T + 2 * COPY_LENGTH, n_samples), COPY_BLANK, dtype=np.int64)
    inputs[:COPY_LENGTH] = data
    inputs[T + COPY_LENGTH - 1] = COPY_DELIMITER
    targets = np.full_like(inputs, COPY_BLANK)
    targets[-COPY_LENGTH:] = data
    return inputs, targets


def copy_baseline(distance):
    """Memoryless cross-entropy of the copy task, 10 ln 8 / (T + 20) nats per step."""
    return COPY_LENGTH * math.log(COPY_SYMBOLS) / (distance + 2 * COPY_LENGTH)


# Each task: generator, how its sequences split into head / delay / tail (the curriculum
# shortens the middle), steps scored for accuracy, vocabulary sizes and chance accuracy.
def task_spec(task, alphabet_size=ALPHABET_SIZE, distractors="same"):
    """Return a dict describing `task` in "recall", "xor", "copy" (see the generators)."""
    if task == "recall":
        vocab = memory_vocabulary(alphabet_size)
        return dict(generate=lambda d, n, rng: generate_memory_task(d, n, alphabet_size, distractors, rng),
                    head=1, tail=1, middle=lambda d: d, scored=1, chance=1.0 / alphabet_size,
                    input_size=vocab["input_size"], output_size=vocab["output_size"])
    if task == "xor":
        return dict(generate=generate_delayed_xor_task, head=2, tail=1, middle=lambda d: d, scored=1,
                    chance=0.5, input_size=5, output_size=2)
    if task == "copy":
        return dict(generate=generate_copy_task, head=COPY_LENGTH, tail=COPY_LENGTH + 1,
                    middle=lambda d: d - 1, scored=COPY_LENGTH, chance=1.0 / COPY_SYMBOLS,
                    input_size=COPY_SYMBOLS + 2, output_size=COPY_SYMBOLS + 1)
    raise ValueError(f"task: expected 'recall', 'xor' or 'copy', got {task!r}")


def make_datasets(task, distance, n_train, n_heldout, rng, alphabet_size=ALPHABET_SIZE, distractors="same"):
    """A training pool and a held-out set with no sequence in common.

    Held-out sequences are made unique first; training sequences equal to any held-out one
    are dropped and redrawn, so held-out accuracy is measured on sequences never trained on.
    Returns dict with train_inputs/train_targets (T, n_train), heldout_inputs/heldout_targets
    (T, n_heldout).
    """
    spec = task_spec(task, alphabet_size, distractors)
    _check_positive_int("distance", distance)
    _check_positive_int("n_train", n_train)
    _check_positive_int("n_heldout", n_heldout)
    n_possible = _count_sequences(task, distance, alphabet_size)
    if n_heldout >= n_possible:
        raise ValueError(f"n_heldout: expected fewer than the {n_possible} possible sequences at "
                         f"distance {distance}, got {n_heldout}")
    seen, held_x, held_y = set(), [], []
    while len(held_x) < n_heldout:
        x, y = spec["generate"](distance, n_heldout - len(held_x), rng)
        for j in range(x.shape[1]):
            key = x[:, j].tobytes()
            if key not in seen:
                seen.add(key)
                held_x.append(x[:, j])
                held_y.append(y[:, j])
    x_held, y_held = np.stack(held_x, axis=1), np.stack(held_y, axis=1)
    train_x, train_y, have = [], [], 0
    while have < n_train:
        x, y = spec["generate"](distance, n_train - have, rng)
        fresh = [j for j in range(x.shape[1]) if x[:, j].tobytes() not in seen]
        train_x.append(x[:, fresh])
        train_y.append(y[:, fresh])
        have += len(fresh)
    return dict(train_inputs=np.concatenate(train_x, axis=1), train_targets=np.concatenate(train_y, axis=1),
                heldout_inputs=x_held, heldout_targets=y_held)


def _count_sequences(task, distance, alphabet_size):
    """Number of distinct input sequences of a task at `distance` (capped at 10**18)."""
    if task == "recall":
        return min(alphabet_size ** (distance + 1), 10 ** 18)
    if task == "xor":
        return min(4 * 2 ** distance, 10 ** 18)
    return COPY_SYMBOLS ** COPY_LENGTH


def heldout_size(task, distance, wanted, alphabet_size=ALPHABET_SIZE):
    """`wanted`, capped at a quarter of the distinct sequences (short delays have few)."""
    return max(1, min(wanted, _count_sequences(task, distance, alphabet_size) // 4))


def shorten(inputs, targets, head, tail, middle):
    """Keep the first `head` steps, `middle` delay steps and the last `tail` steps.

    Used by the curriculum: a sequence with a long delay becomes the same sample with a
    shorter delay. Returns (inputs, targets) of length head + middle + tail.
    """
    keep = np.r_[0:head + middle, inputs.shape[0] - tail:inputs.shape[0]]
    return inputs[keep], targets[keep]


# ----------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------
def sigmoid(x):
    """Logistic function; 0.5 * (1 + tanh(x / 2)) never overflows, unlike 1 / (1 + exp(-x))."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softmax(logits):
    """Softmax over the last axis; subtracting the max keeps exp() from overflowing."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _output_forward(h_seq, Y, Wy, by):
    """Softmax output layer and the cross-entropy on the scored steps.

    h_seq (T, B, H), Y (T, B) target ids or IGNORE. Returns (loss, y_probs (T, B, V)).
    """
    y_probs = softmax(h_seq @ Wy.T + by)
    scored = Y != IGNORE
    p_target = np.take_along_axis(y_probs, np.where(scored, Y, 0)[:, :, None], axis=2)[:, :, 0]
    return float(-np.log(p_target[scored]).sum()), y_probs


def _output_backward(y_probs, Y, h_seq, Wy):
    """Backward of `_output_forward`. Returns dWy (V, H), dby (V,), dh_out (T, B, H)."""
    T, B, V = y_probs.shape
    dlogits = y_probs.copy()                    # softmax + cross-entropy: y - onehot(target)
    t_idx, b_idx = np.nonzero(Y != IGNORE)
    dlogits[t_idx, b_idx, Y[t_idx, b_idx]] -= 1.0
    dlogits[Y == IGNORE] = 0.0                  # unscored steps add nothing to the loss
    flat = dlogits.reshape(T * B, V)
    dWy = flat.T @ h_seq.reshape(T * B, -1)
    return dWy, flat.sum(axis=0), dlogits @ Wy


def clip_global_norm(grads, max_norm):
    """Scale every array in `grads` (list) in place so their joint L2 norm is <= max_norm.

    Returns the norm before clipping. Unlike elementwise clipping this keeps the direction.
    """
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if max_norm is not None and norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return norm


class _SequenceModel:
    """Input checks, the output layer's parameters and the parameter interface shared by
    the LSTM and the RNN. Subclasses define PARAM_NAMES, FUSED (the arrays the optimiser
    updates) and the recurrence in `_recurrent_forward` / `_recurrent_backward`."""

    def __init__(self, input_size, hidden_size, output_size, seed, clip_norm):
        _check_positive_int("input_size", input_size)
        _check_positive_int("hidden_size", hidden_size)
        _check_positive_int("output_size", output_size)
        if clip_norm is not None:
            _check_positive_number("clip_norm", clip_norm)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.clip_norm = clip_norm
        self.rng = np.random.default_rng(seed)
        self._has_forward = False

    def _init_output_layer(self):
        # A small output layer makes the first prediction nearly uniform: loss ~ ln V per step.
        self.Wy = self.rng.normal(0.0, 0.01, (self.output_size, self.hidden_size))
        self.by = np.zeros(self.output_size)

    def _check_batch(self, inputs, targets, states):
        """Validate inputs/targets/initial states; returns (X (T, B), Y (T, B), states (B, H))."""
        inputs = _check_token_ids("inputs", inputs, self.input_size)
        targets = _check_token_ids("targets", targets, self.output_size, allow_ignore=True)
        if targets.shape != inputs.shape:
            raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, got {targets.shape}")
        single = inputs.ndim == 1
        shape = (self.hidden_size,) if single else (inputs.shape[1], self.hidden_size)
        checked = [_check_state(name, s, shape) for name, s in states]
        X = inputs.reshape(inputs.shape[0], -1)
        B = X.shape[1]
        return X, targets.reshape(X.shape), [s.reshape(B, self.hidden_size) for s in checked], single

    def gradients(self):
        """The fused gradient arrays, in the order of FUSED."""
        return [getattr(self, "d" + name) for name in self.FUSED]

    def backward(self):
        """Backpropagate the last forward's loss through time (see the subclass)."""
        if not self._has_forward:
            raise RuntimeError("backward: call forward(inputs, targets, ...) first")
        dWy, dby, dh_out = _output_backward(self.y_probs, self.targets_cache, self.h_states[1:], self.Wy)
        self.dWy[...], self.dby[...] = dWy, dby
        carried = self._recurrent_backward(dh_out)
        self.grad_norm = clip_global_norm(self.gradients(), self.clip_norm)
        if self._single:
            return tuple(c[0] for c in carried)
        return carried

    def predictions(self):
        """argmax of y_probs from the last forward: (T, B) ints."""
        return self.y_probs.argmax(axis=-1)


class LSTMFromScratch(_SequenceModel):
    """A single-layer LSTM with a softmax output layer, batched, trained by BPTT.

    The four gate matrices live in one fused array W (4H, H+D) = [Wf; Wi; Wc; Wo] so a
    single matmul per step computes all gates; Wf, Wi, Wc, Wo (H, H+D) and bf, bi, bc, bo
    (H,) are views into W and b, and dWf ... dbo views into dW and db.

    Args:
        input_size: D, number of input ids (inputs are one-hot).
        hidden_size: H, size of h_t and C_t.
        output_size: V, number of output classes.
        seed: seeds the initialisation.
        clip_norm: global-norm clipping of all gradients in `backward`; None switches it off
            (the gradient check needs it off).
        forget_bias: initial bf (Exercise 1 uses 1; larger values keep the cell longer).
    """

    PARAM_NAMES = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
    FUSED = ("W", "b", "Wy", "by")

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_norm=CLIP_NORM, forget_bias=1.0):
        super().__init__(input_size, hidden_size, output_size, seed, clip_norm)
        if isinstance(forget_bias, bool) or not isinstance(forget_bias, (int, float)) \
                or not math.isfinite(forget_bias):
            raise ValueError(f"forget_bias: expected a finite number, got {forget_bias!r}")
        H, D = hidden_size, input_size
        # Gate weights ~ N(0, 1/(H+D)): pre-activations start with unit-order variance.
        self.W = self.rng.normal(0.0, 1.0 / np.sqrt(H + D), (4 * H, H + D))
        self.b = np.zeros(4 * H)
        self.b[:H] = forget_bias                 # forget bias > 0: remember by default
        self._init_output_layer()
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.dWy, self.dby = np.zeros_like(self.Wy), np.zeros_like(self.by)
        for k, gate in enumerate("fico"):
            rows = slice(k * H, (k + 1) * H)
            setattr(self, "W" + gate, self.W[rows])
            setattr(self, "b" + gate, self.b[rows])
            setattr(self, "dW" + gate, self.dW[rows])
            setattr(self, "db" + gate, self.db[rows])

    def forward(self, inputs, targets, h_prev=None, C_prev=None):
        """Run the LSTM and return the summed cross-entropy over the scored steps.

        Args:
            inputs: int ids (T,) or (T, B) in [0, input_size).
            targets: ids of the same shape in [0, output_size), or IGNORE (-1) = not scored.
            h_prev, C_prev: initial states (H,) or (B, H); None means zeros.
        Returns:
            loss: float, nats, summed over scored steps and batch.
        Caches (B = 1 for a single sequence): x_ids (T, B); h_states, C_states (T+1, B, H)
        with index 0 the initial state and t+1 the state after step t; f_gates, i_gates,
        C_tilde_cache, o_gates, tanh_C (T, B, H); y_probs (T, B, V).
        """
        X, Y, (h, C), single = self._check_batch(inputs, targets, [("h_prev", h_prev), ("C_prev", C_prev)])
        T, B = X.shape
        H = self.hidden_size
        z_x = self.W[:, H:].T[X] + self.b        # (T, B, 4H): one-hot x_t picks a column of W
        Wh_T = self.W[:, :H].T                   # (H, 4H)
        self.gates = np.empty((T, B, 4 * H))     # [f_t, i_t, C_tilde, o_t] per step
        self.h_states = np.empty((T + 1, B, H))
        self.C_states = np.empty((T + 1, B, H))
        self.tanh_C = np.empty((T, B, H))
        self.h_states[0], self.C_states[0] = h, C
        for t in range(T):
            z = z_x[t] + h @ Wh_T
            g = self.gates[t]
            g[...] = sigmoid(z)                              # f_t, i_t, o_t (slot 3 is overwritten)
            g[:, 2 * H:3 * H] = np.tanh(z[:, 2 * H:3 * H])   # C_tilde
            C = g[:, :H] * C + g[:, H:2 * H] * g[:, 2 * H:3 * H]
            self.tanh_C[t] = np.tanh(C)
            h = g[:, 3 * H:] * self.tanh_C[t]
            self.C_states[t + 1], self.h_states[t + 1] = C, h
        self.f_gates, self.i_gates = self.gates[:, :, :H], self.gates[:, :, H:2 * H]
        self.C_tilde_cache, self.o_gates = self.gates[:, :, 2 * H:3 * H], self.gates[:, :, 3 * H:]
        loss, self.y_probs = _output_forward(self.h_states[1:], Y, self.Wy, self.by)
        self.x_ids, self.targets_cache, self._single, self._has_forward = X, Y, single, True
        return loss

    def _recurrent_backward(self, dh_out):
        """BPTT through the cell. Stores dW, db (and their views) and
        dh_steps, dC_steps (T, B, H): d loss / d h_t and d loss / d C_t (total, through
        every later step). Returns (dh_prev, dC_prev), each (B, H)."""
        T, B, H = self.f_gates.shape
        dz = np.empty((T, B, 4 * H))             # d loss / d gate pre-activations
        self.dh_steps = np.empty((T, B, H))
        self.dC_steps = np.empty((T, B, H))
        Wh = self.W[:, :H]                       # (4H, H)
        dh_next, dC_next = np.zeros((B, H)), np.zeros((B, H))
        for t in reversed(range(T)):
            f_t, i_t, C_tilde, o_t = self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t]
            tanh_C = self.tanh_C[t]
            dh = dh_out[t] + dh_next                         # from the output and from step t+1
            do = dh * tanh_C                                 # h_t = o_t * tanh(C_t)
            dC = dC_next + dh * o_t * (1.0 - tanh_C ** 2)
            df = dC * self.C_states[t]                       # C_t = f_t * C_prev + i_t * C_tilde
            di = dC * C_tilde
            dC_tilde = dC * i_t
            dC_next = dC * f_t
            # through the nonlinearities: sigmoid' = s(1-s), tanh' = 1-tanh^2
            dz[t, :, :H] = df * f_t * (1.0 - f_t)
            dz[t, :, H:2 * H] = di * i_t * (1.0 - i_t)
            dz[t, :, 2 * H:3 * H] = dC_tilde * (1.0 - C_tilde ** 2)
            dz[t, :, 3 * H:] = do * o_t * (1.0 - o_t)
            dh_next = dz[t] @ Wh                             # concat = [h_prev, x_t]
            self.dh_steps[t], self.dC_steps[t] = dh, dC
        flat = dz.reshape(T * B, 4 * H)
        self.dW[:, :H] = flat.T @ self.h_states[:-1].reshape(T * B, H)
        self.dW[:, H:] = flat.T @ np.eye(self.input_size)[self.x_ids.reshape(-1)]
        self.db[...] = flat.sum(axis=0)
        return dh_next, dC_next


class VanillaRNN(_SequenceModel):
    """A single-layer tanh RNN with a softmax output layer, batched, trained by BPTT.

    h_t = tanh(Wh . [h_prev, x_t] + bh); Wh is (H, H+D), bh (H,), Wy (V, H), by (V,).
    Args as LSTMFromScratch (no forget_bias).
    """

    PARAM_NAMES = ("Wh", "bh", "Wy", "by")
    FUSED = ("Wh", "bh", "Wy", "by")

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_norm=CLIP_NORM):
        super().__init__(input_size, hidden_size, output_size, seed, clip_norm)
        H, D = hidden_size, input_size
        self.Wh = self.rng.normal(0.0, 1.0 / np.sqrt(H + D), (H, H + D))
        self.bh = np.zeros(H)
        self._init_output_layer()
        self.dWh, self.dbh = np.zeros_like(self.Wh), np.zeros_like(self.bh)
        self.dWy, self.dby = np.zeros_like(self.Wy), np.zeros_like(self.by)

    def forward(self, inputs, targets, h_prev=None):
        """Run the RNN and return the summed cross-entropy over the scored steps.

        Args as LSTMFromScratch.forward without C_prev. Caches x_ids (T, B),
        h_states (T+1, B, H), y_probs (T, B, V).
        """
        X, Y, (h,), single = self._check_batch(inputs, targets, [("h_prev", h_prev)])
        T, B = X.shape
        H = self.hidden_size
        z_x = self.Wh[:, H:].T[X] + self.bh      # (T, B, H)
        Wh_T = self.Wh[:, :H].T
        self.h_states = np.empty((T + 1, B, H))
        self.h_states[0] = h
        for t in range(T):
            h = np.tanh(z_x[t] + h @ Wh_T)
            self.h_states[t + 1] = h
        loss, self.y_probs = _output_forward(self.h_states[1:], Y, self.Wy, self.by)
        self.x_ids, self.targets_cache, self._single, self._has_forward = X, Y, single, True
        return loss

    def _recurrent_backward(self, dh_out):
        """BPTT through tanh. Stores dWh, dbh and dh_steps (T, B, H) = d loss / d h_t.
        Returns (dh_prev,), (B, H)."""
        T, B, H = dh_out.shape
        dz = np.empty((T, B, H))
        self.dh_steps = np.empty((T, B, H))
        Wh = self.Wh[:, :H]
        dh_next = np.zeros((B, H))
        for t in reversed(range(T)):
            dh = dh_out[t] + dh_next
            dz[t] = dh * (1.0 - self.h_states[t + 1] ** 2)  # tanh' = 1 - h_t^2
            dh_next = dz[t] @ Wh
            self.dh_steps[t] = dh
        flat = dz.reshape(T * B, H)
        self.dWh[:, :H] = flat.T @ self.h_states[:-1].reshape(T * B, H)
        self.dWh[:, H:] = flat.T @ np.eye(self.input_size)[self.x_ids.reshape(-1)]
        self.dbh[...] = flat.sum(axis=0)
        return (dh_next,)


def build_model(kind, input_size, hidden_size, output_size, seed=SEED, clip_norm=CLIP_NORM,
                forget_bias=FORGET_BIAS):
    """`kind` "lstm" or "rnn" -> a fresh model (forget_bias applies to the LSTM only)."""
    if kind == "lstm":
        return LSTMFromScratch(input_size, hidden_size, output_size, seed, clip_norm, forget_bias)
    if kind == "rnn":
        return VanillaRNN(input_size, hidden_size, output_size, seed, clip_norm)
    raise ValueError(f"model: expected 'lstm' or 'rnn', got {kind!r}")


# ----------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------
class TrainingDiverged(RuntimeError):
    """Raised when the loss stops being finite; the message says what to try."""


class Adam:
    """Adam (Kingma & Ba 2015) on a model's fused parameter arrays.

    m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr * m_hat / (sqrt(v_hat) + eps).
    Chosen over Exercise 1's Adagrad because the memory tasks give sparse, bursty
    gradients (one scored step per sequence), where Adagrad's step size decays too fast.
    """

    def __init__(self, model, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
        _check_positive_number("learning_rate", learning_rate)
        self.model, self.lr, self.beta1, self.beta2, self.eps = model, learning_rate, beta1, beta2, eps
        self.m = [np.zeros_like(getattr(model, n)) for n in model.FUSED]
        self.v = [np.zeros_like(getattr(model, n)) for n in model.FUSED]
        self.steps = 0

    def step(self):
        self.steps += 1
        c1, c2 = 1 - self.beta1 ** self.steps, 1 - self.beta2 ** self.steps
        for name, grad, m, v in zip(self.model.FUSED, self.model.gradients(), self.m, self.v):
            m *= self.beta1
            m += (1 - self.beta1) * grad
            v *= self.beta2
            v += (1 - self.beta2) * grad * grad
            getattr(self.model, name)[...] -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def scored_accuracy(model, inputs, targets, scored, batch_size=1000):
    """Accuracy and loss per scored step of `model` on (inputs, targets) (T, N).

    Accuracy is over the last `scored` steps; loss per step over every step with a target.
    Returns (accuracy, loss_per_target_step).
    """
    correct, total_loss, n_targets = 0, 0.0, 0
    for start in range(0, inputs.shape[1], batch_size):
        x, y = inputs[:, start:start + batch_size], targets[:, start:start + batch_size]
        total_loss += model.forward(x, y)
        pred = model.predictions()[-scored:]
        correct += int((pred == y[-scored:]).sum())
        n_targets += int((y != IGNORE).sum())
    return correct / (scored * inputs.shape[1]), total_loss / n_targets


def train_on_memory_task(model, distance, task="recall", alphabet_size=ALPHABET_SIZE, distractors="same",
                         iterations=ITERATIONS, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                         curriculum=True, n_train=N_TRAIN, n_heldout=N_HELDOUT, eval_every=EVAL_EVERY,
                         seed=SEED, log=print, label=""):
    """Train `model` by BPTT (Adam, the model's clipping) on a long-range memory task.

    The curriculum starts at delay min(CURRICULUM_START, distance) and multiplies it by
    CURRICULUM_GROWTH whenever the running training accuracy (last ACCURACY_WINDOW batches
    at that delay) reaches CURRICULUM_THRESHOLD; shorter delays are the same training
    sequences with part of the delay cut out (`shorten`). Without curriculum every batch
    has the full delay. The run stops early once the full delay is reached and the running
    training accuracy is >= STOP_ACCURACY; `iterations` is the budget.

    Args:
        model: LSTMFromScratch or VanillaRNN sized for the task (see task_spec).
        distance: the delay to learn (the number of distractor steps; the copy task's T).
        task: "recall" (first character), "xor" or "copy".
        alphabet_size, distractors: for "recall" (see generate_memory_task).
        iterations, batch_size, learning_rate: the budget and Adam's step size.
        n_train, n_heldout: training pool and held-out set sizes (disjoint, see make_datasets).
        eval_every: iterations between held-out evaluations at the full delay.
        seed: seeds the data and the batch order.
        log: callable for one progress line per evaluation, or None.
    Returns dict:
        loss (iterations_run,) training loss per scored step (nats); curriculum (iterations_run,)
        the delay of each batch; eval_iterations, heldout_accuracy, heldout_loss (n_evals,);
        final_accuracy, final_loss (held-out, at the end); iterations_run, seconds, chance;
        reached, the curriculum delay at the end.
    """
    spec = task_spec(task, alphabet_size, distractors)
    _check_positive_int("distance", distance)
    _check_positive_int("iterations", iterations)
    _check_positive_int("batch_size", batch_size)
    _check_positive_int("n_train", n_train)
    _check_positive_int("eval_every", eval_every)
    if n_train < batch_size:
        raise ValueError(f"n_train: expected at least batch_size = {batch_size} training samples, got {n_train}")
    if (model.input_size, model.output_size) != (spec["input_size"], spec["output_size"]):
        raise ValueError(f"model: expected input/output sizes {spec['input_size']}/{spec['output_size']} "
                         f"for task {task!r}, got {model.input_size}/{model.output_size}")
    optimizer = Adam(model, learning_rate)
    rng = np.random.default_rng(seed)
    data = make_datasets(task, distance, n_train, n_heldout, rng, alphabet_size, distractors)
    x_train, y_train = data["train_inputs"], data["train_targets"]
    head, tail = spec["head"], spec["tail"]
    level = min(CURRICULUM_START, distance) if curriculum else distance
    recent, losses, levels = [], [], []
    evals = dict(eval_iterations=[], heldout_accuracy=[], heldout_loss=[])
    start = time.perf_counter()

    def evaluate(it):
        acc, loss = scored_accuracy(model, data["heldout_inputs"], data["heldout_targets"], spec["scored"])
        evals["eval_iterations"].append(it)
        evals["heldout_accuracy"].append(acc)
        evals["heldout_loss"].append(loss)
        if log is not None:
            log(f"  {label}iter {it:5d}/{iterations}  delay {level:4d}/{distance}  "
                f"loss {np.mean(losses[-eval_every:]):.3f}  held-out acc {acc:.3f}  "
                f"{time.perf_counter() - start:5.1f}s")

    for it in range(1, iterations + 1):
        cols = rng.integers(0, x_train.shape[1], batch_size)
        x, y = shorten(x_train[:, cols], y_train[:, cols], head, tail, spec["middle"](level))
        loss = model.forward(x, y)
        if not math.isfinite(loss):
            raise TrainingDiverged(f"loss became {loss} at iteration {it}; try a smaller "
                                   f"--learning-rate (now {learning_rate})")
        model.backward()
        optimizer.step()
        losses.append(loss / int((y != IGNORE).sum()))
        levels.append(level)
        recent.append(float((model.predictions()[-spec["scored"]:] == y[-spec["scored"]:]).mean()))
        running = np.mean(recent[-ACCURACY_WINDOW:]) if len(recent) >= ACCURACY_WINDOW else 0.0
        if it % eval_every == 0:
            evaluate(it)
        if running >= CURRICULUM_THRESHOLD and level < distance:
            level = min(distance, int(math.ceil(level * CURRICULUM_GROWTH)))
            recent = []
        elif level == distance and running >= STOP_ACCURACY:
            break
    if not evals["eval_iterations"] or evals["eval_iterations"][-1] != it:
        evaluate(it)
    return dict(loss=np.array(losses), curriculum=np.array(levels),
                eval_iterations=np.array(evals["eval_iterations"]),
                heldout_accuracy=np.array(evals["heldout_accuracy"]),
                heldout_loss=np.array(evals["heldout_loss"]),
                final_accuracy=evals["heldout_accuracy"][-1], final_loss=evals["heldout_loss"][-1],
                iterations_run=it, seconds=time.perf_counter() - start, chance=spec["chance"],
                reached=level)


def evaluate_memory_capacity(delays=DELAYS, seeds=N_SEEDS, kinds=("lstm", "rnn"), alphabet_size=ALPHABET_SIZE,
                             distractors="same", hidden_size=HIDDEN_SIZE, forget_bias=FORGET_BIAS,
                             clip_norm=CLIP_NORM, base_seed=SEED, n_heldout=N_HELDOUT, log=print, **train_kwargs):
    """Held-out accuracy on first-character recall against delay, for each model kind.

    Every (kind, delay, seed) is a fresh model trained by `train_on_memory_task` with the same
    budget and settings; seed s uses the same data for the LSTM and the RNN.

    Args:
        delays: the delays to test (each >= 1).
        seeds: number of seeds (base_seed, base_seed + 1, ...).
        kinds: model kinds, "lstm" and/or "rnn".
        alphabet_size, distractors: the task (see generate_memory_task).
        hidden_size, forget_bias, clip_norm: the models.
        n_heldout: held-out samples per run (capped by heldout_size at short delays).
        log: callable for one line per training run, or None.
        train_kwargs: passed to train_on_memory_task (iterations, batch_size, ...).
    Returns dict:
        delays (n_delays,), seeds (n_seeds,), chance, distractors;
        accuracy, iterations_run, seconds: {kind: (n_seeds, n_delays) array};
        runs: {(kind, delay): the train_on_memory_task result of the first seed};
        models: {(kind, delay): the trained model of the first seed}.
    """
    delays = tuple(delays)
    for d in delays:
        _check_positive_int("delays", d)
    _check_positive_int("seeds", seeds)
    vocab = memory_vocabulary(alphabet_size)
    seed_list = np.arange(base_seed, base_seed + seeds)
    shape = (seeds, len(delays))
    out = dict(delays=np.array(delays), seeds=seed_list, chance=1.0 / alphabet_size, distractors=distractors,
               accuracy={k: np.zeros(shape) for k in kinds}, iterations_run={k: np.zeros(shape, int) for k in kinds},
               seconds={k: np.zeros(shape) for k in kinds}, runs={}, models={})
    n_runs, done, start = len(kinds) * seeds * len(delays), 0, time.perf_counter()
    for s_idx, seed in enumerate(seed_list):
        for d_idx, d in enumerate(delays):
            for kind in kinds:
                model = build_model(kind, vocab["input_size"], hidden_size, vocab["output_size"], int(seed),
                                    clip_norm, forget_bias)
                kwargs = dict(train_kwargs, n_heldout=heldout_size("recall", d, n_heldout, alphabet_size))
                result = train_on_memory_task(model, d, "recall", alphabet_size, distractors, seed=int(seed),
                                              log=None, **kwargs)
                out["accuracy"][kind][s_idx, d_idx] = result["final_accuracy"]
                out["iterations_run"][kind][s_idx, d_idx] = result["iterations_run"]
                out["seconds"][kind][s_idx, d_idx] = result["seconds"]
                if s_idx == 0:
                    out["runs"][(kind, d)], out["models"][(kind, d)] = result, model
                done += 1
                if log is not None:
                    elapsed = time.perf_counter() - start
                    log(f"  [{done:3d}/{n_runs}] {distractors:8s} {kind:4s} delay {d:4d}  seed {seed}  "
                        f"iters {result['iterations_run']:5d}  delay reached {result['reached']:4d}  "
                        f"held-out acc {result['final_accuracy']:.3f}  {result['seconds']:5.1f}s  "
                        f"elapsed {_clock(elapsed)}")
    return out


def _clock(seconds):
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


# ----------------------------------------------------------------------------------------
# Analysis
# ----------------------------------------------------------------------------------------
def _correlation_ratio(values, labels, n_classes):
    """eta^2 per column: the share of the variance of `values` (N, H) explained by the
    class means of `labels` (N,). 1 = the unit's value determines the class."""
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    sums = np.stack([np.bincount(labels, weights=values[:, u], minlength=n_classes)
                     for u in range(values.shape[1])], axis=1)              # (K, H)
    present = counts > 0
    means = sums[present] / counts[present, None]
    grand = values.mean(axis=0)
    between = (counts[present, None] * (means - grand) ** 2).sum(axis=0)
    total = ((values - grand) ** 2).sum(axis=0)
    return np.where(total > 0, between / np.maximum(total, 1e-300), 0.0)


def analyze_cell_state_evolution(model, distance, alphabet_size=ALPHABET_SIZE, distractors="same",
                                 n_probe=512, seed=SEED, selectivity_threshold=0.5):
    """Follow the LSTM's cell state on one sample through encoding, retention and retrieval.

    Encoding is step 0 (the symbol), retention steps 1..distance (distractors), retrieval the
    query step. Which units hold the symbol is measured on `n_probe` fresh samples: for each
    unit, eta^2 of C_t against the stored symbol, averaged over the retention steps.

    Args:
        model: a trained LSTMFromScratch for the recall task with this alphabet_size.
        distance, alphabet_size, distractors: the task.
        n_probe: samples used for the selectivity statistics.
        seed: seeds the sample and the probe set.
        selectivity_threshold: eta^2 above which a unit counts as holding the symbol.
    Returns dict:
        tokens (T,) input ids and token_labels (list of T str) of the sample; symbol (int),
        prediction (int) at the query step; C (T, H) and h (T, H), the states after each
        step; C_norm (T,) = ||C_t||; phases {name: (first step, last step)};
        selectivity (H,) mean eta^2 over retention; memory_units (indices with eta^2 above the
        threshold, most selective first; at least the top one); f_retention (float), mean
        forget gate of the memory units during retention; i_encoding, i_retention (float),
        their mean input gate at step 0 and during retention; probe_accuracy (float).
    """
    if not isinstance(model, LSTMFromScratch):
        raise ValueError(f"model: expected an LSTMFromScratch, got {type(model).__name__}")
    _check_positive_int("distance", distance)
    _check_positive_int("n_probe", n_probe)
    rng = np.random.default_rng(seed)
    vocab = memory_vocabulary(alphabet_size)
    inputs, targets = generate_memory_task(distance, n_probe, alphabet_size, distractors, rng)
    model.forward(inputs, targets)
    C = model.C_states[1:]                                  # (T, N, H), C_t after step t
    retention = slice(1, distance + 1)
    symbols = inputs[0]
    eta2 = np.mean([_correlation_ratio(C[t], symbols, alphabet_size) for t in range(1, distance + 1)], axis=0)
    order = np.argsort(eta2)[::-1]
    memory_units = [int(u) for u in order if eta2[u] >= selectivity_threshold] or [int(order[0])]
    preds = model.predictions()[-1]
    return dict(tokens=inputs[:, 0].copy(), token_labels=[vocab["names"][i] for i in inputs[:, 0]],
                symbol=int(symbols[0]), prediction=int(preds[0]),
                C=C[:, 0].copy(), h=model.h_states[1:, 0].copy(), C_norm=np.linalg.norm(C[:, 0], axis=1),
                phases=dict(encoding=(0, 0), retention=(1, distance), retrieval=(distance + 1, distance + 1)),
                selectivity=eta2, memory_units=memory_units,
                f_retention=float(model.f_gates[retention][:, :, memory_units].mean()),
                i_encoding=float(model.i_gates[0][:, memory_units].mean()),
                i_retention=float(model.i_gates[retention][:, :, memory_units].mean()),
                probe_accuracy=float((preds == symbols).mean()), distance=distance)


def analyze_gradient_flow(model, distance, alphabet_size=ALPHABET_SIZE, distractors="same", n_samples=64,
                          seed=SEED):
    """How the gradient of the query-step loss reaches earlier steps: ||d loss / d h_{T-k}||.

    T is the query step; k = 0 is the query step itself, k = T - 1 the step that reads the
    symbol. For each sample the loss is its own cross-entropy at the query step.

    Args:
        model: LSTMFromScratch or VanillaRNN for the recall task with this alphabet_size.
        distance, alphabet_size, distractors: the task (sequences of T = distance + 2 steps).
        n_samples: samples averaged over.
        seed: seeds the samples.
    Returns dict:
        k (T,) = 0 .. T-1; dh_norm (T,) mean over samples of ||d loss / d h_{T-k}||;
        dC_norm (T,) the same for C_{T-k} (LSTM only, else None); per-sample arrays
        dh (T, N, H) and dC (T, N, H) or None, indexed by k.
    """
    _check_positive_int("distance", distance)
    _check_positive_int("n_samples", n_samples)
    inputs, targets = generate_memory_task(distance, n_samples, alphabet_size, distractors,
                                           np.random.default_rng(seed))
    model.forward(inputs, targets)
    model.backward()        # d loss / d h_t is taken before any clipping of parameter gradients
    dh = model.dh_steps[::-1].copy()
    dC = model.dC_steps[::-1].copy() if isinstance(model, LSTMFromScratch) else None
    return dict(k=np.arange(dh.shape[0]), dh_norm=np.linalg.norm(dh, axis=2).mean(axis=1),
                dC_norm=None if dC is None else np.linalg.norm(dC, axis=2).mean(axis=1), dh=dh, dC=dC)


def decay_per_step(norms, k_from=1):
    """Geometric-mean factor by which a gradient norm changes per step from k_from to the end."""
    n = len(norms) - 1 - k_from
    if n <= 0 or norms[k_from] <= 0 or norms[-1] <= 0:
        return float("nan")
    return float((norms[-1] / norms[k_from]) ** (1.0 / n))


def lever_study(delay, seeds, base, base_seed=SEED, log=print):
    """Switch the levers one at a time for the LSTM on recall at `delay`.

    Args:
        delay: the delay tested.
        seeds: number of seeds (base_seed, base_seed + 1, ...).
        base: dict of the default settings with keys forget_bias, clip_norm, curriculum,
            batch_size, learning_rate, iterations, hidden_size, alphabet_size.
        log: callable or None.
    Returns list of dicts: name, settings changed, accuracy (n_seeds,), iterations_run (n_seeds,).
    """
    variants = [("all levers on (defaults)", {}),
                ("forget bias 1 (Exercise 1's)", dict(forget_bias=1.0)),
                ("forget bias 0", dict(forget_bias=0.0)),
                ("no gradient clipping", dict(clip_norm=None)),
                ("no curriculum", dict(curriculum=False)),
                ("batch size 16", dict(batch_size=16)),
                ("learning rate 0.001", dict(learning_rate=0.001)),
                ("learning rate 0.05", dict(learning_rate=0.05))]
    rows = []
    for name, change in variants:
        s = dict(base, **change)
        result = evaluate_memory_capacity(
            delays=(delay,), seeds=seeds, kinds=("lstm",), alphabet_size=s["alphabet_size"],
            hidden_size=s["hidden_size"], forget_bias=s["forget_bias"], clip_norm=s["clip_norm"], log=None,
            curriculum=s["curriculum"], batch_size=s["batch_size"], learning_rate=s["learning_rate"],
            iterations=s["iterations"], base_seed=base_seed)
        rows.append(dict(name=name, accuracy=result["accuracy"]["lstm"][:, 0],
                         iterations_run=result["iterations_run"]["lstm"][:, 0],
                         seconds=result["seconds"]["lstm"][:, 0]))
        if log is not None:
            log(f"  {name:30s} held-out acc {_fmt_seeds(rows[-1]['accuracy'])}  "
                f"iters {_fmt_seeds(rows[-1]['iterations_run'], '{:.0f}')}")
    return rows


def _fmt_seeds(values, fmt="{:.3f}"):
    values = np.asarray(values, dtype=float)
    if values.size == 1:
        return fmt.format(values[0])
    return f"{fmt.format(values.mean())} [{fmt.format(values.min())}-{fmt.format(values.max())}]"


# ----------------------------------------------------------------------------------------
# Plotting (takes the dicts returned above)
# ----------------------------------------------------------------------------------------
MODEL_STYLE = {"lstm": dict(color="tab:blue", marker="o", label="LSTM"),
               "rnn": dict(color="tab:red", marker="s", label="vanilla RNN")}


def visualize_memory_capacity(results, path, hidden_size=HIDDEN_SIZE, show=False):
    """Held-out accuracy against delay: one panel per distractor setting, seed bands, chance.

    Args:
        results: list of evaluate_memory_capacity results (one per distractor setting).
        path: PNG file to write.
    """
    fig, axes = plt.subplots(1, len(results), figsize=(6.2 * len(results), 4.6), squeeze=False, sharey=True)
    for ax, res in zip(axes[0], results):
        delays = res["delays"]
        for kind, acc in res["accuracy"].items():
            style = MODEL_STYLE[kind]
            ax.plot(delays, acc.mean(axis=0), marker=style["marker"], color=style["color"],
                    label=f"{style['label']} (mean of {acc.shape[0]} seeds)")
            if acc.shape[0] > 1:
                ax.fill_between(delays, acc.min(axis=0), acc.max(axis=0), color=style["color"], alpha=0.2,
                                label=f"{style['label']} min-max over seeds")
        ax.axhline(res["chance"], color="gray", linestyle="--", label=f"chance (1/{round(1 / res['chance'])})")
        ax.axhline(0.95, color="green", linestyle=":", linewidth=1, label="95% target")
        ax.set_xscale("log")
        ax.set_xticks(delays)
        ax.set_xticklabels([str(d) for d in delays])
        ax.minorticks_off()
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("delay (distractor steps between symbol and query)")
        ax.set_title(f"distractors from the {res['distractors']} alphabet")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("held-out accuracy at the query step")
    axes[0][-1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9)
    fig.suptitle(f"First-character recall: held-out accuracy vs delay (H = {hidden_size}, same budget)")
    fig.tight_layout()
    _save(fig, path, show)


def _mark_phases(ax, phases, shade):
    """Phase boundaries as lines with names above the axes; optionally shaded spans."""
    colors = dict(encoding="tab:green", retention="0.6", retrieval="tab:orange")
    for name, (first, last) in phases.items():
        ax.axvline(first - 0.5, color="black", linewidth=1)
        if shade:
            ax.axvspan(first - 0.5, last + 0.5, color=colors[name], alpha=0.15, linewidth=0)
        else:
            ax.text((first + last) / 2, 1.01, name, transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=9, color=colors[name] if name != "retention" else "black")


def visualize_cell_state(cell, path, show=False):
    """Heatmap of C_t (units sorted by selectivity) with the phases and tokens marked, and
    below it ||C_t|| and the traces of the most selective units.

    Args:
        cell: the analyze_cell_state_evolution result.
        path: PNG file to write.
    """
    C, labels, phases = cell["C"], cell["token_labels"], cell["phases"]
    order = np.argsort(cell["selectivity"])[::-1]
    T, H = C.shape
    fig = plt.figure(figsize=(min(20, max(9, 0.4 * T + 3)), 9))
    grid = fig.add_gridspec(2, 2, width_ratios=[40, 1], height_ratios=[2.2, 1], hspace=0.12, wspace=0.03)
    ax_map, ax_bar = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_trace = fig.add_subplot(grid[1, 0], sharex=ax_map)
    vmax = np.abs(C).max()
    im = ax_map.imshow(C[:, order].T, aspect="auto", cmap="RdBu_r", vmin=-vmax, vmax=vmax,
                       interpolation="nearest")
    _mark_phases(ax_map, phases, shade=False)
    ax_map.set_yticks(range(H))
    ax_map.set_yticklabels([f"{u} ({cell['selectivity'][u]:.2f})" for u in order], fontsize=max(5, min(9, 260 // H)))
    ax_map.set_ylabel("cell unit (eta^2 with the stored symbol), most selective on top")
    ax_map.tick_params(labelbottom=False)
    fig.colorbar(im, cax=ax_bar, label="C_t (cell state value)")
    ax_map.set_title(f"LSTM cell state through one sample: stored '{labels[0]}', predicted "
                     f"'{chr(ord('A') + cell['prediction'])}' at the query '?' (delay {cell['distance']})", pad=20)
    ax_trace.plot(range(T), cell["C_norm"], color="black", linewidth=2, label="||C_t||")
    for u in cell["memory_units"][:3]:
        ax_trace.plot(range(T), C[:, u], marker=".", label=f"C_t[{u}] (eta^2 {cell['selectivity'][u]:.2f})")
    _mark_phases(ax_trace, phases, shade=True)
    ax_trace.set_ylabel("cell state value")
    every = math.ceil(T / 45)                 # long delays: label every n-th token and the query
    ticks = [t for t in range(0, T, every) if T - 1 - t > every // 2] + [T - 1]
    ax_trace.set_xticks(ticks)
    ax_trace.set_xticklabels([labels[t] for t in ticks], fontsize=8)
    ax_trace.set_xlabel("input token at step t (green: encoding, grey: retention, orange: retrieval)"
                        + (f"; every {every}th token labelled" if every > 1 else ""))
    ax_trace.set_xlim(-0.5, T - 0.5)
    ax_trace.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, fontsize=8)
    ax_trace.grid(alpha=0.3)
    _save(fig, path, show)


def visualize_gradient_flow(flows, path, distance, show=False):
    """||d loss / d h_{T-k}|| (and ||d loss / d C_{T-k}|| for the LSTM) against k, log scale.

    Args:
        flows: {"init": {kind: analyze_gradient_flow result}, "trained": {...}}.
        path: PNG file to write.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))      # own y range: the RNN's spans 100 decades
    for ax, (stage, title) in zip(axes, [("init", "at initialisation"), ("trained", "after training")]):
        for kind, flow in flows[stage].items():
            style = MODEL_STYLE[kind]
            # a norm that underflows float64 to 0 has no log: the line stops there
            dh = np.where(flow["dh_norm"] > 0, flow["dh_norm"], np.nan)
            ax.semilogy(flow["k"], dh, color=style["color"], label=f"{style['label']}: ||dL/dh||")
            if flow["dC_norm"] is not None:
                dC = np.where(flow["dC_norm"] > 0, flow["dC_norm"], np.nan)
                ax.semilogy(flow["k"], dC, color=style["color"], linestyle="--", label=f"{style['label']}: ||dL/dC||")
        ax.set_xlabel(f"k (steps before the query step T; k = {distance + 1} is the symbol)")
        ax.set_title(f"{title} (delay {distance})")
        ax.set_ylabel("gradient norm (mean over samples, log scale)")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize=9)
    fig.suptitle("Gradient of the query-step loss with respect to earlier states")
    fig.tight_layout()
    _save(fig, path, show)


def visualize_training_curves(curves, path, show=False):
    """Held-out accuracy (and the copy task's loss against its baseline) during training.

    Args:
        curves: list of (title, {kind: train_on_memory_task result}, chance or None, baseline or None).
        path: PNG file to write.
    """
    fig, axes = plt.subplots(1, len(curves), figsize=(5.2 * len(curves), 4.2), squeeze=False)
    for ax, (title, runs, chance, baseline) in zip(axes[0], curves):
        for kind, run in runs.items():
            style = MODEL_STYLE[kind]
            if baseline is None:
                ax.plot(run["eval_iterations"], run["heldout_accuracy"], color=style["color"],
                        marker=style["marker"], markersize=3, label=style["label"])
            else:
                ax.plot(run["eval_iterations"], run["heldout_loss"], color=style["color"],
                        marker=style["marker"], markersize=3, label=style["label"])
        if baseline is None:
            ax.axhline(chance, color="gray", linestyle="--", label="chance")
            ax.set_ylim(0, 1.05)
            ax.set_ylabel("held-out accuracy")
        else:
            ax.axhline(baseline, color="gray", linestyle="--", label="memoryless baseline 10 ln 8/(T+20)")
            ax.set_ylim(bottom=0)
            ax.set_ylabel("held-out cross-entropy (nats per step)")
        ax.set_xlabel("training iteration (batches)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    fig.suptitle("Held-out metrics during training (same budget for both models; a curve ends where its run "
                 "stopped early)")
    fig.tight_layout()
    _save(fig, path, show)


def _save(fig, path, show):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    if not show:
        plt.close(fig)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------
class _ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage block) and exits with code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser():
    p = _ArgumentParser(prog=os.path.basename(__file__),
                        description="Exercise 4: long-range memory of an LSTM against a vanilla RNN "
                                    "(first-character recall, delayed XOR, copy task), with cell-state "
                                    "and gradient-flow analysis.")
    p.add_argument("--seed", type=int, default=SEED, help=f"base seed (default {SEED})")
    p.add_argument("--quick", action="store_true", help="small budget, delays 5 10 20, one seed (seconds)")
    p.add_argument("--outdir", default=OUTDIR, help=f"folder for the PNG figures (default {OUTDIR})")
    p.add_argument("--show", action="store_true", help="open the figures in windows")
    p.add_argument("--delays", type=int, nargs="+", help=f"recall delays to test; add e.g. 200 for longer ones (default {' '.join(map(str, DELAYS))})")
    p.add_argument("--seeds", type=int, help=f"seeds per delay and model (default {N_SEEDS})")
    p.add_argument("--iterations", type=int, help=f"training budget per run, in batches (default {ITERATIONS})")
    p.add_argument("--hidden-size", type=int, help=f"H for both models (default {HIDDEN_SIZE})")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"sequences per training batch (default {BATCH_SIZE})")
    p.add_argument("--learning-rate", type=float, default=LEARNING_RATE, help=f"Adam step size (default {LEARNING_RATE})")
    p.add_argument("--forget-bias", type=float, default=FORGET_BIAS, help=f"initial bf of the LSTM (default {FORGET_BIAS})")
    p.add_argument("--clip-norm", type=float, default=CLIP_NORM,
                   help=f"global-norm gradient clipping; 0 switches it off (default {CLIP_NORM})")
    p.add_argument("--no-curriculum", action="store_true", help="train at the full delay from the start")
    p.add_argument("--alphabet-size", type=int, default=ALPHABET_SIZE,
                   help=f"symbols to remember, 2..26; chance = 1/alphabet (default {ALPHABET_SIZE})")
    p.add_argument("--xor-delays", type=int, nargs="*", help=f"delayed-XOR delays (default {' '.join(map(str, XOR_DELAYS))})")
    p.add_argument("--copy-delays", type=int, nargs="*", help=f"copy-task T values (default {' '.join(map(str, COPY_DELAYS))})")
    p.add_argument("--copy-iterations", type=int,
                   help=f"training budget of the copy task, which trains without curriculum (default {COPY_ITERATIONS})")
    p.add_argument("--levers", action="store_true",
                   help="run only the lever study: each lever changed in turn, LSTM at the longest delay "
                        "(about 8 min of CPU with --seeds 3)")
    return p


def _settings(args):
    """Resolve --quick and the defaults into one dict, validating every value."""
    quick = QUICK if args.quick else {}
    s = dict(delays=tuple(args.delays or quick.get("delays", DELAYS)),
             seeds=args.seeds if args.seeds is not None else quick.get("seeds", N_SEEDS),
             iterations=args.iterations if args.iterations is not None else quick.get("iterations", ITERATIONS),
             hidden_size=args.hidden_size if args.hidden_size is not None else quick.get("hidden_size", HIDDEN_SIZE),
             xor_delays=tuple(args.xor_delays if args.xor_delays is not None else quick.get("xor_delays", XOR_DELAYS)),
             copy_delays=tuple(args.copy_delays if args.copy_delays is not None
                               else quick.get("copy_delays", COPY_DELAYS)),
             copy_iterations=args.copy_iterations if args.copy_iterations is not None
             else quick.get("copy_iterations", COPY_ITERATIONS),
             n_train=quick.get("n_train", N_TRAIN), n_heldout=quick.get("n_heldout", N_HELDOUT),
             batch_size=args.batch_size, learning_rate=args.learning_rate, forget_bias=args.forget_bias,
             clip_norm=None if args.clip_norm == 0 else args.clip_norm, curriculum=not args.no_curriculum,
             alphabet_size=args.alphabet_size)
    for name in ("seeds", "iterations", "copy_iterations", "hidden_size", "batch_size"):
        _check_positive_int("--" + name.replace("_", "-"), s[name])
    for name in ("delays", "xor_delays", "copy_delays"):
        for d in s[name]:
            _check_positive_int("--" + name.replace("_", "-"), d)
    _check_positive_number("--learning-rate", s["learning_rate"])
    if s["clip_norm"] is not None:
        _check_positive_number("--clip-norm", s["clip_norm"])
    if not math.isfinite(s["forget_bias"]):
        raise ValueError(f"--forget-bias: expected a finite number, got {s['forget_bias']!r}")
    if not 2 <= s["alphabet_size"] <= 26:
        raise ValueError(f"--alphabet-size: expected an integer in [2, 26], got {s['alphabet_size']!r}")
    if s["n_train"] < s["batch_size"]:
        raise ValueError(f"--batch-size: expected at most the {s['n_train']} training samples per run, "
                         f"got {s['batch_size']}")
    return s


def _train_kwargs(s):
    return dict(iterations=s["iterations"], batch_size=s["batch_size"], learning_rate=s["learning_rate"],
                curriculum=s["curriculum"], n_train=s["n_train"], n_heldout=s["n_heldout"])


def _print_capacity_table(res):
    delays = res["delays"]
    print(f"\nHeld-out accuracy vs delay, distractors from the {res['distractors']} alphabet "
          f"(chance {res['chance']:.3f}; mean [min-max] over {len(res['seeds'])} seeds)", flush=True)
    print("  delay   " + "".join(f"{MODEL_STYLE[k]['label']:>26s}" for k in res["accuracy"]), flush=True)
    for j, d in enumerate(delays):
        cells = "".join(f"{_fmt_seeds(res['accuracy'][k][:, j]):>26s}" for k in res["accuracy"])
        print(f"  {d:5d}   {cells}", flush=True)


def _course_claims(res):
    """Lines comparing the measured accuracies with the course's two claims."""
    delays, acc = res["delays"], res["accuracy"]
    lines = []
    lstm_long = [(d, acc["lstm"][:, j].min()) for j, d in enumerate(delays) if d >= 50]
    if lstm_long:
        worst_d, worst = min(lstm_long, key=lambda x: x[1])
        verdict = "holds" if worst >= 0.95 else "does not hold"
        lines.append(f"'LSTM handles 50+ steps easily' {verdict} here: worst LSTM seed at delays >= 50 "
                     f"is {worst:.3f} (delay {worst_d}).")
    rnn_long = [(int(d), acc["rnn"][:, j].mean(), acc["rnn"][:, j].max()) for j, d in enumerate(delays) if d > 10]
    if rnn_long:
        halfway = 0.5 * (1 + res["chance"])             # halfway between chance and perfect
        numbers = ", ".join(f"delay {d}: mean {m:.3f}, best seed {b:.3f}" for d, m, b in rnn_long)
        if all(b < halfway for _, _, b in rnn_long):
            verdict = "holds here: every RNN seed is below halfway from chance to perfect"
        elif all(m >= 0.95 for _, m, _ in rnn_long):
            verdict = "does not hold here: the RNN is >= 95% on average"
        else:
            verdict = "holds only partly here: the RNN degrades beyond 10 steps but stays above chance"
            verdict += ", and some seeds reach >= 95%" if any(b >= 0.95 for _, _, b in rnn_long) else ""
        lines.append(f"'RNN fails beyond 10 steps' {verdict} ({numbers}).")
    return lines


def _run_levers(s, seed):
    delay = max(s["delays"])
    print(f"Lever study: LSTM, first-character recall at delay {delay} (same alphabet), {s['seeds']} seeds, "
          f"budget {s['iterations']} iterations; one lever changed per row", flush=True)
    start = time.perf_counter()
    rows = lever_study(delay, s["seeds"], dict(forget_bias=s["forget_bias"], clip_norm=s["clip_norm"],
                                                curriculum=s["curriculum"], batch_size=s["batch_size"],
                                                learning_rate=s["learning_rate"], iterations=s["iterations"],
                                                hidden_size=s["hidden_size"], alphabet_size=s["alphabet_size"]),
                       base_seed=seed)
    default, others = rows[0], rows[1:]
    broke = [r["name"] for r in others if r["accuracy"].min() < 0.95]
    kept = [f"{r['name']} ({r['iterations_run'].mean() / default['iterations_run'].mean():.1f}x the iterations)"
            for r in others if r["accuracy"].min() >= 0.95]
    print(f"\nWith the defaults the worst seed reaches {default['accuracy'].min():.3f} in "
          f"{default['iterations_run'].mean():.0f} iterations on average.", flush=True)
    print(f"  Changes that push a seed below 95%: {', '.join(broke) if broke else 'none'}.", flush=True)
    print(f"  Changes that keep every seed >= 95%: {', '.join(kept) if kept else 'none'}.", flush=True)
    print(f"  ({_clock(time.perf_counter() - start)} in total)", flush=True)
    return 0


def run(args):
    s = _settings(args)
    if args.levers:
        return _run_levers(s, args.seed)
    start = time.perf_counter()
    vocab = memory_vocabulary(s["alphabet_size"])
    print(f"Exercise 4: long-range memory, LSTM vs vanilla RNN (H = {s['hidden_size']}, Adam lr "
          f"{s['learning_rate']}, batch {s['batch_size']}, budget {s['iterations']} iterations per run, "
          f"forget bias {s['forget_bias']}, clip norm {s['clip_norm']}, "
          f"curriculum {'on' if s['curriculum'] else 'off'})", flush=True)
    capacity = []
    for distractors in ("same", "separate"):
        print(f"\nFirst-character recall, distractors from the {distractors} alphabet "
              f"({s['alphabet_size']} symbols), delays {list(s['delays'])}, {s['seeds']} seed(s):", flush=True)
        capacity.append(evaluate_memory_capacity(
            s["delays"], s["seeds"], ("lstm", "rnn"), s["alphabet_size"], distractors, s["hidden_size"],
            s["forget_bias"], s["clip_norm"], args.seed, **_train_kwargs(s)))
    for res in capacity:
        _print_capacity_table(res)
    same = capacity[0]
    for line in _course_claims(same):
        print("  " + line, flush=True)

    # Cell state: the LSTM trained at the delay closest to 20 (long enough to see retention,
    # short enough to label every token).
    cell_delay = min(s["delays"], key=lambda d: abs(d - 20))
    cell = analyze_cell_state_evolution(same["models"][("lstm", cell_delay)], cell_delay, s["alphabet_size"],
                                        "same", seed=args.seed)
    print(f"\nCell state of the LSTM trained at delay {cell_delay} ({len(cell['memory_units'])} of "
          f"{s['hidden_size']} units have eta^2 >= 0.5 with the stored symbol: {cell['memory_units'][:8]}"
          f"{' ...' if len(cell['memory_units']) > 8 else ''})", flush=True)
    gate = ("closes the input gate after the symbol" if cell["i_retention"] < 0.5 * cell["i_encoding"]
            else "keeps its input gate open during the delay")
    print(f"  the LSTM {gate}: input gate of these units {cell['i_encoding']:.2f} at the symbol, "
          f"{cell['i_retention']:.2f} during the delay; forget gate {cell['f_retention']:.3f} during the delay "
          f"(f^{cell_delay} = {cell['f_retention'] ** cell_delay:.2f})", flush=True)
    print(f"  ||C_t||: {cell['C_norm'][0]:.2f} after the symbol, {cell['C_norm'][cell_delay]:.2f} at the end of "
          f"the delay; probe accuracy {cell['probe_accuracy']:.3f}", flush=True)

    # Gradient flow at the longest delay, fresh models against the trained ones.
    flow_delay = max(s["delays"])
    flows = dict(init={}, trained={})
    for kind in ("lstm", "rnn"):
        fresh = build_model(kind, vocab["input_size"], s["hidden_size"], vocab["output_size"], args.seed,
                            s["clip_norm"], s["forget_bias"])
        flows["init"][kind] = analyze_gradient_flow(fresh, flow_delay, s["alphabet_size"], seed=args.seed)
        flows["trained"][kind] = analyze_gradient_flow(same["models"][(kind, flow_delay)], flow_delay,
                                                       s["alphabet_size"], seed=args.seed)
    kmax = flow_delay + 1
    print(f"\nGradient flow at delay {flow_delay}: ||d loss / d h_(T-k)|| at k = 1 and k = {kmax} "
          f"(the symbol's step), and the mean factor per step", flush=True)
    for stage in ("init", "trained"):
        for kind, flow in flows[stage].items():
            parts = [("h", flow["dh_norm"])] + ([("C", flow["dC_norm"])] if flow["dC_norm"] is not None else [])
            text = "   ".join(f"d{name}: {n[1]:.2e} -> {n[kmax]:.2e} "
                               + (f"(x{decay_per_step(n):.3f}/step)" if n[kmax] > 0 else "(underflows float64)")
                               for name, n in parts)
            print(f"  {stage:7s} {MODEL_STYLE[kind]['label']:11s} {text}", flush=True)

    # Delayed XOR and the copy task, same settings and budget.
    side = {}
    for task, delays in (("xor", s["xor_delays"]), ("copy", s["copy_delays"])):
        spec = task_spec(task)
        for d in delays:
            for kind in ("lstm", "rnn"):
                model = build_model(kind, spec["input_size"], s["hidden_size"], spec["output_size"], args.seed,
                                    s["clip_norm"], s["forget_bias"])
                kwargs = dict(_train_kwargs(s), n_heldout=heldout_size(task, d, s["n_heldout"]))
                if task == "copy":
                    # Held-out copying is scored at the full T; a model trained at a shorter T
                    # learns *when* to emit from the step count and fails at the full T, and the
                    # training accuracy never reaches the curriculum threshold anyway.
                    kwargs.update(curriculum=False, iterations=s["copy_iterations"])
                side[(task, d, kind)] = train_on_memory_task(model, d, task, seed=args.seed, log=None, **kwargs)
                r = side[(task, d, kind)]
                extra = (f"  loss {r['final_loss']:.3f} nats/step vs memoryless {copy_baseline(d):.3f}"
                         if task == "copy" else "")
                print(f"  {task:4s} delay {d:4d} {MODEL_STYLE[kind]['label']:11s} iters {r['iterations_run']:5d}  "
                      f"held-out acc {r['final_accuracy']:.3f} (chance {r['chance']:.3f}){extra}", flush=True)

    os.makedirs(args.outdir, exist_ok=True)
    paths = [os.path.join(args.outdir, name) for name in
             ("ex4_memory_capacity.png", "ex4_cell_state.png", "ex4_gradient_flow.png", "ex4_training_curves.png")]
    visualize_memory_capacity(capacity, paths[0], s["hidden_size"], args.show)
    visualize_cell_state(cell, paths[1], args.show)
    visualize_gradient_flow(flows, paths[2], flow_delay, args.show)
    curves = [(f"recall, delay {flow_delay} (seed {args.seed})",
               {k: same["runs"][(k, flow_delay)] for k in ("lstm", "rnn")}, same["chance"], None)]
    if s["xor_delays"]:
        d = max(s["xor_delays"])
        curves.append((f"delayed XOR, delay {d}", {k: side[("xor", d, k)] for k in ("lstm", "rnn")}, 0.5, None))
    if s["copy_delays"]:
        d = max(s["copy_delays"])
        curves.append((f"copy task, T = {d}", {k: side[("copy", d, k)] for k in ("lstm", "rnn")}, None,
                       copy_baseline(d)))
    visualize_training_curves(curves, paths[3], args.show)

    lstm_min = same["accuracy"]["lstm"].min(axis=0)
    reached = [int(d) for d, a in zip(same["delays"], lstm_min) if a >= 0.95]
    print(f"\nSummary ({_clock(time.perf_counter() - start)}):", flush=True)
    if len(reached) == len(same["delays"]):
        print(f"  LSTM >= 95% held-out accuracy at every delay {same['delays'].tolist()} for every seed "
              f"(worst {lstm_min.min():.3f}).", flush=True)
    else:
        print(f"  LSTM >= 95% for every seed only at delays {reached}; worst seed per delay "
              f"{dict(zip(same['delays'].tolist(), np.round(lstm_min, 3).tolist()))}.", flush=True)
    rnn_mean = same["accuracy"]["rnn"].mean(axis=0)
    print(f"  vanilla RNN mean held-out accuracy per delay: "
          f"{dict(zip(same['delays'].tolist(), np.round(rnn_mean, 3).tolist()))}.", flush=True)
    print("  Figures: " + ", ".join(paths), flush=True)
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

"""Exercise 4: how far back can an LSTM remember? Measured against a vanilla RNN.

The course's long-range memory exercise (TODO 1-12; the line that answers TODO 5 ends in "(TODO 5)"): show a
model a token, `distance` distractors and a query, ask for the token at the query, and plot held-out accuracy
against distance with the chance line, beside a vanilla RNN. Also: the copy task of Arjovsky et al. (2016),
delayed XOR, the LSTM's cell state, and how far back the query's loss gradient reaches in each model.

The LSTM is Exercise 1's, unchanged (course notation, concat = [h_prev, x_t] with x_t one-hot):
    f_t = sigmoid(Wf . concat + bf)    i_t = sigmoid(Wi . concat + bi)    o_t = sigmoid(Wo . concat + bo)
    C_tilde = tanh(Wc . concat + bc)   C_t = f_t * C_prev + i_t * C_tilde      h_t = o_t * tanh(C_t)
The vanilla RNN: h_t = tanh(Wh . concat + bh). Both: y_t = softmax(Wy . h_t + by), loss = - sum of
ln y_t[target_t] over the scored steps (target -1: not scored; recall and XOR score the query only).
Along the cell d loss / d C_(t-1) = f_t * d loss / d C_t: with f_t near 1 the error reaches the token whole,
while the RNN's is multiplied at every step by diag(1 - h_t^2) . Wh[:, :H] and shrinks geometrically.
Recipe, for both models and every task: BPTT on batches of 64, Adam (lr 0.02), global-norm clipping at 1,
the LSTM's bf = 3 at the start, and a curriculum: distance 1 first (the same sequences, the gap cut short),
doubled whenever the running training accuracy reaches 90%, until 99% at the full distance.

    python exercise_04_solution.py                  # the study, about 80 s of CPU
    python exercise_04_solution.py --quick          # about 10 s: 3 distances, 1 seed, small budgets
    python exercise_04_solution.py --copy-lengths 10 50 100 --distances 100 200 --seeds 3
It prints a line per training run, the accuracy table with verdicts computed from it, the copy task's
result, the cell-state and gradient-flow numbers and a summary, and saves in --outdir:
ex4_memory_capacity.png, ex4_copy_training.png, ex4_cell_state.png and ex4_gradient_flow.png.
"""

import argparse
import itertools
import math
import os
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # tiny per-step matmuls: more BLAS threads only wait

import numpy as np
import matplotlib.pyplot as plt

SEED, CLIP_VALUE = 0, 5.0  # CLIP_VALUE: Exercise 1's elementwise clip, the class's default; here CLIP_NORM
VOCAB_SIZE = 10            # the stub's alphabet: tokens 0-9 to remember, the query is 10; chance 10%
HIDDEN_SIZE, NUM_ITERATIONS = 32, 500             # the stub's H and its budget, in training batches at most
NUM_TRAIN, NUM_TEST = 1000, 200                   # sequences per distance, as the stub asks (TODO 3)
DISTANCES, SEEDS = (5, 10, 20, 50, 100), 5
BATCH_SIZE, LEARNING_RATE = 64, 0.02              # Adam's step size
CLIP_NORM, FORGET_BIAS = 1.0, 3.0   # clip all gradients' joint norm; bf = 3: f_t near 0.95 keeps a fresh cell
CURRICULUM_START, CURRICULUM_ADVANCE = 1, 90.0  # first distance; doubled at this running accuracy (%)
STOP_ACCURACY, ACCURACY_WINDOW, EVAL_EVERY = 99.0, 10, 25   # end at 99% over 10 batches; held-out every 25
COPY_SYMBOLS, COPY_LENGTH, COPY_BLANK, COPY_DELIMITER = 8, 10, 8, 9   # copy 10 symbols drawn from 0-7
COPY_LENGTHS, COPY_ITERATIONS, XOR_DISTANCES = (10,), 4000, (10, 50)   # copy gaps T, batches at most
COPY_HIDDEN, COPY_TRAIN, COPY_TEST = 64, 20_000, 1000          # with H = 32 the LSTM stays at T = 1 (README)
QUICK = dict(distances=(5, 10, 20), seeds=1, iterations=300, copy_lengths=(5,), copy_iterations=300,
             xor_distances=(10,))
OUTDIR, MAX_DISTANCE, MAX_CACHE = "outputs", 2000, 2 * 10 ** 7   # longest gap; steps x sequences x H: ~1 GB

# ---- Exercise 1's LSTM and the helpers it calls, unchanged -----------------------------------------
def sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp(-|x|) is in (0, 1], and each branch keeps full
    relative precision in its own tail."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

def log_softmax(logits):
    """ln softmax over the last axis. Subtracting the max keeps exp() from overflowing, and staying
    in logs keeps ln(probability) finite where the probability itself underflows."""
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

def batch_outer(a, b):
    """Sum over the batch of the outer products a b^T: (..., m), (..., n) -> (m, n).
    For one sequence, (m,) and (n,), this is np.outer(a, b)."""
    return a.reshape(-1, a.shape[-1]).T @ b.reshape(-1, b.shape[-1])

def batch_sum(a):
    """Sum over the batch axis, if there is one: (..., m) -> (m,)."""
    return a.reshape(-1, a.shape[-1]).sum(axis=0)

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

class LSTMFromScratch:
    """A one-layer LSTM with a softmax output layer, trained by BPTT and Adagrad.

    input_size D (inputs are one-hot ids), hidden_size H, output_size V; seed: for the initial weights
    and `sample`; clip_value: `backward` clips each gradient entry to [-clip_value, clip_value] (None:
    no clipping, as a gradient check needs); forget_bias: the starting value of bf.
    Exercises 2-4 carry this class unchanged; Exercise 3 builds its gate ablations by overriding the
    mirror pairs `gates`/`gates_backward` and `hidden`/`hidden_backward`.
    """

    PARAM_NAMES = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
    sigmoid = staticmethod(sigmoid)      # the course's stub defines sigmoid as a method

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE,
                 forget_bias=1.0):
        D, H, V = (check_int(name, value) for name, value in
                   (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size)))
        gib = (4 * H * (H + D) + V * H) * 8 / 2 ** 30           # float64 weights
        if gib > 2:                                              # far beyond anything this pack trains
            raise ValueError(f"hidden_size: expected at most 2 GiB of weights, got {gib:,.0f} GiB with "
                             f"hidden_size {H}, input_size {D} and output_size {V}")
        self.clip_value = None if clip_value is None else check_float("clip_value", clip_value)
        forget_bias = check_float("forget_bias", forget_bias, low=-math.inf)
        self.input_size, self.hidden_size, self.output_size = D, H, V
        self.rng = np.random.default_rng(seed)
        # Gate weights ~ N(0, 1/(H+D)), so every pre-activation starts with a variance near 1.
        scale = 1.0 / np.sqrt(H + D)
        self.Wf = self.rng.normal(0.0, scale, (H, H + D))        # (Ex1 TODO 1)
        self.bf = np.full(H, forget_bias)                        # remember by default (Ex1 TODO 1)
        self.Wi = self.rng.normal(0.0, scale, (H, H + D))        # (Ex1 TODO 2)
        self.bi = np.zeros(H)                                    # (Ex1 TODO 2)
        self.Wc = self.rng.normal(0.0, scale, (H, H + D))        # (Ex1 TODO 3)
        self.bc = np.zeros(H)                                    # (Ex1 TODO 3)
        self.Wo = self.rng.normal(0.0, scale, (H, H + D))        # (Ex1 TODO 4)
        self.bo = np.zeros(H)                                    # (Ex1 TODO 4)
        # A small output layer makes the first prediction nearly uniform: the loss starts near T ln V.
        self.Wy = self.rng.normal(0.0, 0.01, (V, H))             # (Ex1 TODO 5)
        self.by = np.zeros(V)                                    # (Ex1 TODO 5)
        # Adagrad's memory: the running sum of each parameter's squared gradients.
        self.memory = {name: np.zeros_like(getattr(self, name)) for name in self.PARAM_NAMES}

    def gates(self, concat):
        """The four gate equations. concat: (..., H+D). Returns f_t, i_t, C_tilde, o_t, each (..., H)."""
        f_t = self.sigmoid(concat @ self.Wf.T + self.bf)         # forget gate (Ex1 TODO 7)
        i_t = self.sigmoid(concat @ self.Wi.T + self.bi)         # input gate (Ex1 TODO 8)
        C_tilde = np.tanh(concat @ self.Wc.T + self.bc)          # candidate values (Ex1 TODO 9)
        o_t = self.sigmoid(concat @ self.Wo.T + self.bo)         # output gate (Ex1 TODO 11)
        return f_t, i_t, C_tilde, o_t

    def gates_backward(self, concat, gates, dgates):
        """Mirror of `gates`. dgates = (df, di, dC_tilde, do), d loss / d each gate's value.
        Adds this step's share to dWf ... dbo and returns d loss / d concat, (..., H+D)."""
        f_t, i_t, C_tilde, o_t = gates
        df, di, dC_tilde, do = dgates
        # Back through the nonlinearities first: sigmoid' = s (1 - s), tanh' = 1 - tanh^2. Biases
        # take these pre-activation gradients dz, just as the weights do.
        dzf = df * f_t * (1.0 - f_t)
        dzi = di * i_t * (1.0 - i_t)
        dzc = dC_tilde * (1.0 - C_tilde ** 2)
        dzo = do * o_t * (1.0 - o_t)
        self.dWf += batch_outer(dzf, concat)                     # (Ex1 TODO 25)
        self.dbf += batch_sum(dzf)
        self.dWi += batch_outer(dzi, concat)                     # (Ex1 TODO 25)
        self.dbi += batch_sum(dzi)
        self.dWc += batch_outer(dzc, concat)                     # (Ex1 TODO 25)
        self.dbc += batch_sum(dzc)
        self.dWo += batch_outer(dzo, concat)                     # (Ex1 TODO 25)
        self.dbo += batch_sum(dzo)
        return dzf @ self.Wf + dzi @ self.Wi + dzc @ self.Wc + dzo @ self.Wo   # (Ex1 TODO 26)

    def hidden(self, o_t, C_t):
        """h_t = o_t * tanh(C_t): the output gate picks what part of the squashed cell to show."""
        return o_t * np.tanh(C_t)                                # (Ex1 TODO 12)

    def hidden_backward(self, dh, o_t, C_t):
        """Mirror of `hidden`: (d loss / d o_t, the part of d loss / d C_t that comes through h_t)."""
        tanh_C = np.tanh(C_t)
        return dh * tanh_C, dh * o_t * (1.0 - tanh_C ** 2)       # do (Ex1 TODO 19), dC via h_t (Ex1 TODO 20)

    def forward(self, inputs, targets, h_prev, C_prev):
        """Run the LSTM over a sequence; return the loss, -sum of ln y_t[target_t] in nats.

        inputs: ids in [0, D), (T,) for one sequence or (T, B) for a batch; targets: ids in [0, V)
        shaped like inputs, -1 for a step that is not scored; h_prev, C_prev: (H,) or (B, H) states.
        Keeps for `backward` (a batch adds a B axis after the first): inputs_cache (T, D), one-hot
        x_t; targets (T,); h_states, C_states (T+1, H) with [0] the given states and [t+1] = h_t, C_t;
        f_gates, i_gates, C_tilde_cache, o_gates (T, H); y_probs (T, V). Raises ValueError on bad
        input, before changing anything.
        """
        inputs = check_ids("inputs", inputs, self.input_size)
        targets = check_ids("targets", targets, self.output_size, allow_skip=True)
        if targets.shape != inputs.shape:
            raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, got {targets.shape}")
        state_shape = inputs.shape[1:] + (self.hidden_size,)              # (H,) or (B, H)
        h_prev = check_state("h_prev", h_prev, state_shape)
        C_prev = check_state("C_prev", C_prev, state_shape)
        T = len(inputs)
        self.inputs_cache = np.eye(self.input_size)[inputs]              # one-hot x_t
        self.targets = targets
        self.h_states, self.C_states = np.empty((T + 1,) + state_shape), np.empty((T + 1,) + state_shape)
        self.h_states[0], self.C_states[0] = h_prev, C_prev
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates = (np.empty((T,) + state_shape)
                                                                        for _ in range(4))
        self.y_probs = np.empty((T,) + inputs.shape[1:] + (self.output_size,))
        target_onehot = targets[..., None] == np.arange(self.output_size)    # all False where -1
        loss = 0.0
        for t in range(T):
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]], axis=-1)   # (Ex1 TODO 6)
            f_t, i_t, C_tilde, o_t = self.gates(concat)
            C_t = f_t * self.C_states[t] + i_t * C_tilde         # keep some old, write some new (Ex1 TODO 10)
            h_t = self.hidden(o_t, C_t)
            logits = h_t @ self.Wy.T + self.by                   # (Ex1 TODO 13)
            log_y = log_softmax(logits)                          # ln y_t (Ex1 TODO 14)
            loss -= log_y[target_onehot[t]].sum()                # - ln y_t[target_t] (Ex1 TODO 15)
            self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t] = f_t, i_t, C_tilde, o_t
            self.C_states[t + 1], self.h_states[t + 1] = C_t, h_t
            self.y_probs[t] = np.exp(log_y)                      # y_t = softmax(logits) (Ex1 TODO 14)
        return float(loss)

    def backward(self):
        """BPTT through the last `forward`: its steps in reverse, each name with a d in front.
        Sets dWf, dbf, ..., dWy, dby, clipped to [-clip_value, clip_value]. Returns (dh_next, dC_next),
        d loss / d h_prev and d loss / d C_prev, shaped like the states given to forward, unclipped."""
        if not hasattr(self, "y_probs"):
            raise RuntimeError("backward: call forward(inputs, targets, h_prev, C_prev) first")
        for name in self.PARAM_NAMES:
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))
        target_onehot = self.targets[..., None] == np.arange(self.output_size)
        scored = (self.targets >= 0)[..., None]
        dh_next, dC_next = np.zeros_like(self.h_states[0]), np.zeros_like(self.C_states[0])  # from step t+1
        for t in reversed(range(len(self.targets))):
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]], axis=-1)
            gate_values = f_t, i_t, C_tilde, o_t = (self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t],
                                                    self.o_gates[t])
            dy = (self.y_probs[t] - target_onehot[t]) * scored[t]   # softmax + cross-entropy (Ex1 TODO 16)
            self.dWy += batch_outer(dy, self.h_states[t + 1])    # (Ex1 TODO 17)
            self.dby += batch_sum(dy)                            # (Ex1 TODO 17)
            dh = dy @ self.Wy + dh_next                          # from the output and from t+1 (Ex1 TODO 18)
            do, dC = self.hidden_backward(dh, o_t, self.C_states[t + 1])                 # (Ex1 TODO 19)
            dC = dC + dC_next                                    # from h_t and from C_{t+1} (Ex1 TODO 20)
            dC_tilde = dC * i_t                           # C_t = f_t*C_prev + i_t*C_tilde (Ex1 TODO 21)
            di = dC * C_tilde                                    # (Ex1 TODO 22)
            df = dC * self.C_states[t]                           # (Ex1 TODO 23)
            dC_next = dC * f_t      # the cell's own path back in time: f_t near 1 keeps it (Ex1 TODO 24)
            dconcat = self.gates_backward(concat, gate_values, (df, di, dC_tilde, do))    # (Ex1 TODO 25)
            dh_next = dconcat[..., :self.hidden_size]            # concat = [h_prev, x_t] (Ex1 TODO 26)
        if self.clip_value is not None:                          # tames exploding gradients
            for name in self.PARAM_NAMES:
                grad = getattr(self, "d" + name)
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)   # (Ex1 TODO 27)
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        """One Adagrad step for every parameter, the course reference's update (the stub's comment
        says plain SGD, param -= lr * d):
            memory += d ** 2;   param -= learning_rate * d / sqrt(memory + 1e-8)
        so a weight whose gradients have been large takes smaller steps from then on."""
        learning_rate = check_float("learning_rate", learning_rate)
        if not hasattr(self, "dWf"):
            raise RuntimeError("update_weights: call forward and backward first")
        for name in self.PARAM_NAMES:
            grad, memory = getattr(self, "d" + name), self.memory[name]
            memory += grad * grad                                                    # (Ex1 TODO 28)
            getattr(self, name)[...] -= learning_rate * grad / np.sqrt(memory + 1e-8)   # (Ex1 TODO 28)

    def sample(self, h, C, seed_idx, n, temperature=1.0, rng=None):
        """n ids generated from (H,) states h, C and the input id seed_idx, each fed back as the next
        input. temperature > 0 divides the logits (below 1 is greedier); rng defaults to the model's.
        Returns a list of n ints in [0, V). Needs input_size == output_size."""
        temperature, n = check_float("temperature", temperature), check_int("n", n, low=0)
        if self.input_size != self.output_size:
            raise ValueError(f"sample: needs input_size == output_size, got {self.input_size} and "
                             f"{self.output_size}")
        check_ids("seed_idx", [seed_idx], self.input_size)
        h, C = check_state("h", h, (self.hidden_size,)), check_state("C", C, (self.hidden_size,))
        rng = self.rng if rng is None else rng
        ids = [seed_idx]
        for _ in range(n):
            f_t, i_t, C_tilde, o_t = self.gates(np.concatenate([h, np.eye(self.input_size)[ids[-1]]]))
            C = f_t * C + i_t * C_tilde
            h = self.hidden(o_t, C)
            p = np.exp(log_softmax((self.Wy @ h + self.by) / temperature))
            ids.append(int(rng.choice(self.output_size, p=p)))
        return ids[1:]

# ---- The vanilla RNN and the optimiser ------------------------------------------------------------
class VanillaRNN:
    """The baseline: h_t = tanh(Wh . concat + bh), Wh (H, H+D); y_t = softmax(Wy . h_t + by). It has
    LSTMFromScratch's interface, so one training loop drives both: forward(inputs, targets, h_prev, C_prev),
    -1 targets not scored, C_prev ignored (no cell); backward() -> (dh_next, None) sets dWh, dbh, dWy, dby."""

    PARAM_NAMES = ("Wh", "bh", "Wy", "by")

    def __init__(self, input_size, hidden_size, output_size, seed=SEED):
        D, H, V = (check_int(name, value) for name, value in
                   (("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size)))
        self.input_size, self.hidden_size, self.output_size = D, H, V
        self.rng = np.random.default_rng(seed)
        self.Wh, self.bh = self.rng.normal(0.0, 1 / np.sqrt(H + D), (H, H + D)), np.zeros(H)   # as the LSTM's
        self.Wy, self.by = self.rng.normal(0.0, 0.01, (V, H)), np.zeros(V)

    def forward(self, inputs, targets, h_prev, C_prev=None):
        """Loss in nats summed over scored steps; inputs, targets (T,) or (T, B), h_prev (H,) or (B, H)."""
        inputs = check_ids("inputs", inputs, self.input_size)
        targets = check_ids("targets", targets, self.output_size, allow_skip=True)
        if targets.shape != inputs.shape:
            raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, got {targets.shape}")
        h_prev = check_state("h_prev", h_prev, inputs.shape[1:] + (self.hidden_size,))
        self.inputs_cache, self.targets = np.eye(self.input_size)[inputs], targets
        self.h_states = np.empty((len(inputs) + 1,) + h_prev.shape)
        self.h_states[0] = h_prev
        for t in range(len(inputs)):
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]], axis=-1)
            self.h_states[t + 1] = np.tanh(concat @ self.Wh.T + self.bh)
        log_y = log_softmax(self.h_states[1:] @ self.Wy.T + self.by)            # (T, [B,] V)
        self.y_probs = np.exp(log_y)
        return float(-log_y[targets[..., None] == np.arange(self.output_size)].sum())

    def backward(self):
        """BPTT through the last forward; sets dWh, dbh, dWy, dby. Returns (d loss / d h_prev, None)."""
        onehot = self.targets[..., None] == np.arange(self.output_size)        # all False where -1
        dy = (self.y_probs - onehot) * (self.targets >= 0)[..., None]          # softmax + cross-entropy
        self.dWy, self.dby = batch_outer(dy, self.h_states[1:]), batch_sum(dy)
        self.dWh, self.dbh = np.zeros_like(self.Wh), np.zeros_like(self.bh)
        dh_next = np.zeros_like(self.h_states[0])
        for t in reversed(range(len(self.targets))):
            dz = (dy[t] @ self.Wy + dh_next) * (1.0 - self.h_states[t + 1] ** 2)   # tanh' = 1 - h_t^2
            self.dWh += batch_outer(dz, np.concatenate([self.h_states[t], self.inputs_cache[t]], axis=-1))
            self.dbh += batch_sum(dz)
            dh_next = dz @ self.Wh[:, :self.hidden_size]                       # concat = [h_prev, x_t]
        return dh_next, None

def build_model(kind, input_size, hidden_size, output_size, seed=SEED, forget_bias=FORGET_BIAS):
    """A fresh "lstm" (Exercise 1's, clip_value=None: training clips by global norm) or "rnn"."""
    if kind == "lstm":
        return LSTMFromScratch(input_size, hidden_size, output_size, seed, clip_value=None,
                               forget_bias=forget_bias)                                       # (TODO 4)
    if kind == "rnn":
        return VanillaRNN(input_size, hidden_size, output_size, seed)                         # (TODO 10)
    raise ValueError(f"kind: expected 'lstm' or 'rnn', got {kind!r}")

def clip_global_norm(grads, max_norm):
    """Scale the arrays in `grads` in place so that their joint L2 norm is at most max_norm > 0; unlike
    elementwise clipping this keeps the step's direction. Returns the norm before clipping."""
    max_norm = check_float("max_norm", max_norm)
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if not math.isfinite(norm):
        raise TrainingDiverged(f"the gradient norm became {norm}; try a smaller --learning-rate")
    for g in grads if norm > max_norm else ():
        g *= max_norm / norm
    return norm

def adam_step(model, state, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step (Kingma & Ba 2015) for each parameter p in model.PARAM_NAMES, from its gradient g:
        m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr m / (1 - b1^t) / (sqrt(v / (1-b2^t)) + eps)
    Steps of about lr whatever the gradient's scale, not shrinking as Adagrad's; state: {} at first."""
    state["t"] = t = state.get("t", 0) + 1
    for name in model.PARAM_NAMES:
        g = getattr(model, "d" + name)
        m, v = (state.setdefault(key + name, np.zeros_like(g)) for key in "mv")
        m += (1 - beta1) * (g - m)
        v += (1 - beta2) * (g * g - v)
        getattr(model, name)[...] -= learning_rate * m / (1 - beta1**t) / (np.sqrt(v / (1 - beta2**t)) + eps)

# ---- Tasks, in the stub's layout: one row per sequence ---------------------------------------------
def _sizes(distance, num_samples, extra, name="distance"):
    """(distance, num_samples), checked: a data set of num_samples x (distance + extra) ids stays small."""
    distance = check_int(name, distance, high=MAX_DISTANCE)
    return distance, check_int("num_samples", num_samples, high=MAX_CACHE // (distance + extra))

def generate_memory_task(distance, num_samples=1000, vocab_size=VOCAB_SIZE, rng=None):
    """First-character recall, `A x x ... x ?` -> A; the distractors come from A's tokens, so the model must
    keep the first token, not the latest. Returns X (N, distance + 2) ints: X[:, 0] the token in [0,
    vocab_size), `distance` distractors, the query token vocab_size; and y (N,) = X[:, 0]."""
    distance, num_samples = _sizes(distance, num_samples, 2)
    vocab_size = check_int("vocab_size", vocab_size, low=2, high=1000)
    rng = np.random.default_rng(SEED) if rng is None else rng
    X = rng.integers(0, vocab_size, (num_samples, distance + 2))        # the token, the distractors (TODO 1)
    X[:, -1] = vocab_size                                               # the query (TODO 1)
    return X, X[:, 0].copy()                                            # (TODO 1)

def generate_delayed_xor_task(distance, num_samples=1000, rng=None):
    """Delayed XOR: bits a and b (ids 0, 1), `distance` random distractors (ids 2, 3), a query (id 4).
    Returns X (N, distance + 3) ints and y (N,) = a XOR b. Chance is 50%."""
    distance, num_samples = _sizes(distance, num_samples, 3)
    rng = np.random.default_rng(SEED) if rng is None else rng
    X = rng.integers(0, 2, (num_samples, distance + 3))
    X[:, 2:-1] += 2
    X[:, -1] = 4
    return X, X[:, 0] ^ X[:, 1]

def generate_copy_task(T, num_samples=1000, rng=None):
    """The copy task of Arjovsky et al. (2016): 10 symbols drawn from 8 (ids 0-7), T - 1 blanks (id 8), the
    delimiter (id 9) and 10 blanks; the targets are T + 10 blanks, then the 10 symbols. Returns X, Y (N,
    T + 20) ints. A memoryless model (blanks, then guesses) scores 10 ln 8 / (T + 20) nats per step."""
    T, num_samples = _sizes(T, num_samples, 2 * COPY_LENGTH, "T")
    rng = np.random.default_rng(SEED) if rng is None else rng
    X = np.full((num_samples, T + 2 * COPY_LENGTH), COPY_BLANK)
    X[:, :COPY_LENGTH] = rng.integers(0, COPY_SYMBOLS, (num_samples, COPY_LENGTH))
    X[:, T + COPY_LENGTH - 1] = COPY_DELIMITER
    Y = np.full_like(X, COPY_BLANK)
    Y[:, -COPY_LENGTH:] = X[:, :COPY_LENGTH]
    return X, Y

def make_task(name, distance, num_train, num_test, seed=SEED, vocab_size=VOCAB_SIZE):
    """Training and held-out sets of a task ("recall", "xor", or "copy" with distance T), time-major, with no
    held-out sequence in training. Returns a dict: inputs, targets (L, n <= num_train); test_inputs,
    test_targets (L, num_test); head, the steps before the gap the curriculum cuts; scored, the last steps
    whose accuracy counts; chance (%), memoryless baseline (nats/step); input_size, output_size, name."""
    rng, n = np.random.default_rng(seed), check_int("num_train", num_train) + check_int("num_test", num_test)
    if name == "copy":
        (X, Y), V = generate_copy_task(distance, n, rng), COPY_SYMBOLS
        spec = dict(head=COPY_LENGTH, scored=COPY_LENGTH, input_size=V + 2, output_size=V + 1,
                    baseline=COPY_LENGTH * math.log(V) / X.shape[1])
    elif name in ("recall", "xor"):
        X, y = (generate_memory_task(distance, n, vocab_size, rng) if name == "recall"
                else generate_delayed_xor_task(distance, n, rng))
        V = vocab_size if name == "recall" else 2
        Y = np.full_like(X, -1)
        Y[:, -1] = y                                                    # only the query step is scored
        spec = dict(head=1 if name == "recall" else 2, scored=1, input_size=V + 1 if name == "recall" else 5,
                    output_size=V, baseline=math.log(V))
    else:
        raise ValueError(f"name: expected 'recall', 'xor' or 'copy', got {name!r}")
    test = {row.tobytes() for row in X[num_train:]}
    fresh = np.array([row.tobytes() not in test for row in X[:num_train]])
    if fresh.sum() < num_train / 2:
        raise ValueError(f"distance: {distance} has too few distinct sequences for {num_test} held-out ones")
    return dict(spec, chance=100 / V, name=name, distance=distance, inputs=X[:num_train][fresh].T,
                targets=Y[:num_train][fresh].T, test_inputs=X[num_train:].T, test_targets=Y[num_train:].T)

# ---- The stub's functions --------------------------------------------------------------------------
def predict(model, inputs):
    """The class a model predicts at the last step, each sequence run from zero states. inputs: (T,) ids,
    one sequence -> an int; or (N, T), the stub's layout -> (N,) ints."""
    x = check_ids("inputs", inputs, model.input_size).T                 # time-major: (T,) or (T, N)
    zeros = np.zeros(x.shape[1:] + (model.hidden_size,))
    model.forward(x, np.full_like(x, -1), zeros, zeros)                 # -1: no step scored
    classes = model.y_probs[-1].argmax(axis=-1)
    return int(classes) if x.ndim == 1 else classes

def run_task(name, distance, kind="lstm", hidden_size=HIDDEN_SIZE, num_iterations=NUM_ITERATIONS, seed=SEED,
             num_train=NUM_TRAIN, num_test=NUM_TEST, forget_bias=FORGET_BIAS, vocab_size=VOCAB_SIZE, **train):
    """make_task, a fresh model of `kind` ("lstm" or "rnn") and train_on_memory_task (train: its
    batch_size, learning_rate, clip_norm, curriculum, log, log_every). Returns (model, its history)."""
    task = make_task(name, distance, num_train, num_test, seed, vocab_size)                   # (TODO 3)
    model = build_model(kind, task["input_size"], hidden_size, task["output_size"], seed, forget_bias)
    return model, train_on_memory_task(model, task, num_iterations, seed=seed, **train)

def train_on_distance(distance, vocab_size=VOCAB_SIZE, hidden_size=HIDDEN_SIZE, num_iterations=NUM_ITERATIONS,
                      **options):
    """The stub's experiment at one distance: 1,000 training and 200 held-out sequences and a fresh LSTM
    (options: kind="rnn" for the RNN, seed, and run_task's), trained with this script's recipe: Adam,
    global-norm clipping, forget bias 3 and the curriculum. Returns the held-out accuracy in percent."""
    model, history = run_task("recall", distance, hidden_size=hidden_size, num_iterations=num_iterations,
                              vocab_size=vocab_size, **options)                               # (TODO 2)
    return float(history["test_accuracy"][-1])                                              # (TODO 6)

def test_all_distances(distances=DISTANCES, **options):
    """The stub's sweep: (distances, held-out accuracies in percent), two lists. options: as above."""
    accuracies = []
    for distance in distances:                                                              # (TODO 7)
        accuracies.append(train_on_distance(distance, **options))                           # (TODO 8)
    return list(distances), accuracies

def compare_with_rnn(distances, **options):
    """The stub's bonus: the vanilla RNN's held-out accuracies (%, a list), same sweep, recipe and budget."""
    return test_all_distances(distances, kind="rnn", **options)[1]                          # (TODO 10)

def plot_results(distances, accuracies, vocab_size=VOCAB_SIZE, path=os.path.join(OUTDIR, "ex4_results.png")):
    """The stub's figure, saved at `path`: accuracy (percent) against distance, and the chance line at
    100 / vocab_size percent (the stub draws 1 / vocab_size, a fraction, on its percent axis)."""
    visualize_memory_capacity(dict(distances=list(distances), accuracy={"lstm": np.atleast_2d(accuracies)},
                                   chance=100 / vocab_size), path)                         # (TODO 9)

def analyze_findings(distances, accuracies, vocab_size=VOCAB_SIZE, rnn_accuracies=None, log=print):
    """The stub's write-up, computed from its arguments: accuracies in %, a list over distances or an array
    (seeds, distances) whose worst seed counts; rnn_accuracies likewise. Returns the text; log prints it."""
    lines, models = [], {"LSTM": accuracies, "vanilla RNN": rnn_accuracies}
    for label, acc in ((label, np.atleast_2d(acc)) for label, acc in models.items() if acc is not None):
        failed = ", ".join(f"{d} ({a:.1f}%)" for d, a in zip(distances, acc.min(axis=0)) if a < 95)
        lines.append(f"{label}: " + (f"below 95% held-out at distance {failed}" if failed else
                                     f">= 95% held-out at every distance up to {max(distances)}")
                     + f" (worst of {len(acc)} seed(s); chance {100 / vocab_size:.0f}%)")   # (TODO 11)
    if rnn_accuracies is not None and max(distances) > 10:
        beyond = np.atleast_2d(rnn_accuracies)[:, np.asarray(distances) > 10]
        below = int((beyond < 95).sum())
        verdict = "holds" if below == beyond.size else "does not hold" if below == 0 else "holds in part"
        lines.append(f"'a vanilla RNN fails beyond 10 steps' {verdict} here: below 95% in {below} of its "
                     f"{beyond.size} runs beyond 10, mean {beyond.mean():.1f}%")                # (TODO 11)
    if log:
        log("\n".join(lines))
    return "\n".join(lines)

# ---- Training --------------------------------------------------------------------------------------
class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""

def format_eta(seconds):
    """Seconds -> 'm:ss'."""
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"

def heldout_score(model, task):
    """(accuracy in % over the scored steps, loss in nats per scored step) on the task's held-out set."""
    x, y, scored = task["test_inputs"], task["test_targets"], task["scored"]
    zeros = np.zeros((x.shape[1], model.hidden_size))
    loss = model.forward(x, y, zeros, zeros)
    hits = model.y_probs[-scored:].argmax(axis=-1) == y[-scored:]          # predict(), at each scored step
    return 100.0 * float(hits.mean()), loss / int((y >= 0).sum())                           # (TODO 6)

def train_on_memory_task(model, task, num_iterations=NUM_ITERATIONS, batch_size=BATCH_SIZE,
                         learning_rate=LEARNING_RATE, clip_norm=CLIP_NORM, curriculum=CURRICULUM_START,
                         seed=SEED, log=None, log_every=EVAL_EVERY):
    """BPTT on random batches of a make_task task, global-norm clipping (None: none) and Adam. curriculum:
    the first distance (None: the full one), the gap of the same sequences cut short, doubled whenever the
    running accuracy reaches CURRICULUM_ADVANCE percent; the run ends at STOP_ACCURACY on the full
    distance. log gets a progress line every log_every batches. Returns a dict: loss (n,) per scored step,
    distance_trained (n,); eval_at, test_accuracy (%), test_loss: held-out scores every EVAL_EVERY batches
    and at the end; iterations, seconds, chance, baseline. Raises TrainingDiverged on a non-finite loss."""
    num_iterations = check_int("num_iterations", num_iterations)
    batch_size = check_int("batch_size", batch_size)
    learning_rate = check_float("learning_rate", learning_rate)
    clip_norm = None if clip_norm is None else check_float("clip_norm", clip_norm)
    if (model.input_size, model.output_size) != (task["input_size"], task["output_size"]):
        raise ValueError(f"model: expected input and output sizes {task['input_size']}, {task['output_size']}"
                         f" for this task, got {model.input_size}, {model.output_size}")
    distance = task["distance"]
    level = distance if curriculum is None else min(check_int("curriculum", curriculum), distance)
    rng, adam, head, scored = np.random.default_rng(seed), {}, task["head"], task["scored"]
    h = {key: [] for key in ("loss", "distance_trained", "eval_at", "test_accuracy", "test_loss")}
    recent, zeros, start = [], np.zeros((batch_size, model.hidden_size)), time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):                # a blow-up shows as a non-finite loss
        for n in range(1, num_iterations + 1):
            keep = np.r_[0:head, head + distance - level:len(task["inputs"])]   # the gap cut to `level`
            rows = rng.integers(0, task["inputs"].shape[1], batch_size)
            x, y = task["inputs"][keep][:, rows], task["targets"][keep][:, rows]
            loss = model.forward(x, y, zeros, zeros)                                         # (TODO 5)
            if not math.isfinite(loss):
                raise TrainingDiverged(f"the loss became {loss} at batch {n}; try a smaller --learning-rate "
                                       f"(now {learning_rate})")
            model.backward()                                                                 # (TODO 5)
            if clip_norm is not None:
                clip_global_norm([getattr(model, "d" + name) for name in model.PARAM_NAMES], clip_norm)
            adam_step(model, adam, learning_rate)                                            # (TODO 5)
            h["loss"].append(loss / int((y >= 0).sum()))
            h["distance_trained"].append(level)
            recent.append(100.0 * float((model.y_probs[-scored:].argmax(axis=-1) == y[-scored:]).mean()))
            running = np.mean(recent[-ACCURACY_WINDOW:]) if len(recent) >= ACCURACY_WINDOW else 0.0
            done = level == distance and running >= STOP_ACCURACY
            if n % EVAL_EVERY == 0 or n == num_iterations or done:
                h["eval_at"].append(n)
                for key, value in zip(("test_accuracy", "test_loss"), heldout_score(model, task)):
                    h[key].append(value)
                seconds = time.perf_counter() - start
                if log and (n % log_every == 0 or n == num_iterations or done):
                    log(f"  batch {n}/{num_iterations}  distance {level}/{distance}  loss {h['loss'][-1]:.3f}"
                        f"  held-out {h['test_accuracy'][-1]:.1f}%  {1000 * seconds / n:.0f} ms/batch"
                        f"  eta {format_eta(seconds / n * (num_iterations - n))}")
            if done:
                break
            if level < distance and running >= CURRICULUM_ADVANCE:
                level, recent = min(distance, 2 * level), []
    return dict({key: np.array(value) for key, value in h.items()}, iterations=n, chance=task["chance"],
                baseline=task["baseline"], seconds=time.perf_counter() - start)

# ---- Evaluation and analysis -----------------------------------------------------------------------
def evaluate_memory_capacity(distances=DISTANCES, seeds=SEEDS, kinds=("lstm", "rnn"), base_seed=SEED,
                             log=print, **options):
    """test_all_distances and compare_with_rnn over seeds, keeping the models: a fresh model per run, the same
    data, recipe and budget for each kind (options: run_task's). Returns a dict: distances, seeds, chance
    (%); accuracy {kind: (S, D)} held out, in %; models {(kind, distance): the first seed's trained model}."""
    distances, seeds = list(distances), check_int("seeds", seeds, high=1000)
    if not distances:
        raise ValueError("distances: expected at least one distance, got none")
    out = dict(distances=distances, seeds=list(range(base_seed, base_seed + seeds)), models={},
               accuracy={kind: np.zeros((seeds, len(distances))) for kind in kinds})
    runs, start = list(itertools.product(enumerate(out["seeds"]), enumerate(distances), kinds)), time.time()
    for done, ((s, seed), (j, distance), kind) in enumerate(runs, start=1):
        model, h = run_task("recall", distance, kind, seed=seed, **options)
        out["chance"], out["accuracy"][kind][s, j] = h["chance"], h["test_accuracy"][-1]
        out["models"].setdefault((kind, distance), model)
        if log:
            eta = format_eta((time.time() - start) / done * (len(runs) - done))
            log(f"  [{done}/{len(runs)}] {kind:4s} distance {distance:4d}  seed {seed}  {h['iterations']:4d} "
                f"batches  reached {h['distance_trained'][-1]:4d}  held-out {h['test_accuracy'][-1]:5.1f}%  "
                f"{h['seconds']:4.1f} s  eta {eta}")
    return out

def correlation_ratio(values, labels):
    """eta^2 of each column of values (N, H) with labels (N,): the share of the column's variance that the
    means of the label groups explain; 1 when the value gives the label away, 0 when it says nothing of it."""
    onehot = labels[:, None] == np.unique(labels)                        # (N, K)
    means = (onehot.T @ values) / onehot.sum(axis=0)[:, None]            # (K, H)
    total = ((values - values.mean(axis=0)) ** 2).sum(axis=0)
    explained = ((means[onehot.argmax(axis=1)] - values.mean(axis=0)) ** 2).sum(axis=0)
    return np.divide(explained, total, out=np.zeros_like(total), where=total > 0)

def analyze_cell_state_evolution(model, distance, num_probe=500, seed=SEED):
    """A recall LSTM's cell state through encoding (the token), retention (the distractors) and retrieval
    (the query), on num_probe fresh sequences. Returns a dict: tokens (T,), C (T, H), C_norm (T,) = ||C_t||
    and prediction of the first sequence; selectivity (H,), each unit's eta^2 with the token in retention;
    memory_units, those with eta^2 >= 0.5, and their mean gates: i_encoding (input gate at the token),
    i_retention and f_retention (during retention); probe_accuracy (%)."""
    if not isinstance(model, LSTMFromScratch) or model.input_size != model.output_size + 1:
        raise ValueError(f"model: expected an LSTMFromScratch for recall (input_size = output_size + 1), got "
                         f"a {type(model).__name__} with sizes {model.input_size}, {model.output_size}")
    X, y = generate_memory_task(distance, check_int("num_probe", num_probe, low=2), model.output_size,
                                np.random.default_rng(seed))
    prediction = predict(model, X)                                       # also fills the model's caches
    C, retention = model.C_states[1:], slice(1, distance + 1)            # C[t] = C_t, (T, N, H)
    selectivity = np.mean([correlation_ratio(C[t], y) for t in range(1, distance + 1)], axis=0)
    order = np.argsort(selectivity)[::-1]
    units = [int(u) for u in order if selectivity[u] >= 0.5] or [int(order[0])]          # at least one
    return dict(tokens=X[0], C=C[:, 0], C_norm=np.linalg.norm(C[:, 0], axis=1), prediction=int(prediction[0]),
                selectivity=selectivity, memory_units=units, distance=distance,
                i_encoding=float(model.i_gates[0][:, units].mean()),
                i_retention=float(model.i_gates[retention][:, :, units].mean()),
                f_retention=float(model.f_gates[retention][:, :, units].mean()),
                probe_accuracy=100.0 * float((prediction == y).mean()))

def analyze_gradient_flow(model, distance, num_samples=64, seed=SEED):
    """How much of a recall model's query loss gradient reaches the state k = 1 ... T - 1 steps before (T =
    distance + 2; k = T - 1: just after the token): the last k steps rerun from the states there, and
    backward() gives d loss / d h and d loss / d C (h held fixed: along the cell). Returns a dict: k (K,),
    K <= 100; dh_norm, dC_norm (K,), the mean of each sequence's gradient norm; decay_h, decay_C, their
    geometric-mean factor per step from k = 1 to T - 1 (C: None for the RNN)."""
    if model.input_size != model.output_size + 1:
        raise ValueError(f"model: expected a recall model (input_size = output_size + 1), got sizes "
                         f"{model.input_size}, {model.output_size}")
    X, y = generate_memory_task(distance, check_int("num_samples", num_samples), model.output_size,
                                np.random.default_rng(seed))
    predict(model, X)                                                    # fills h_states and C_states
    x, targets, is_lstm = X.T, np.full(X.T.shape, -1), isinstance(model, LSTMFromScratch)
    targets[-1] = y                                                      # only the query step is scored
    h_states = model.h_states.copy()
    C_states = model.C_states.copy() if is_lstm else [None] * len(h_states)
    k, norms = np.unique(np.linspace(1, len(x) - 1, 100).astype(int)), []    # all k, or 100 of them: O(T^2)
    for steps in k:                                                      # from h_(T-1-steps), C_(T-1-steps)
        model.forward(x[-steps:], targets[-steps:], h_states[-steps - 1], C_states[-steps - 1])
        norms.append([np.nan if g is None else np.linalg.norm(g, axis=1).mean() for g in model.backward()])
    out = dict(k=k, dh_norm=np.array(norms)[:, 0], dC_norm=np.array(norms)[:, 1] if is_lstm else None)
    for name, n in (("h", out["dh_norm"]), ("C", out["dC_norm"])):      # geometric mean; 0 if n underflows
        out["decay_" + name] = None if n is None else float((n[-1] / n[0]) ** (1 / max(1, k[-1] - k[0])))
    return out

# ---- Figures ---------------------------------------------------------------------------------------
STYLE = {"lstm": ("LSTM", "tab:blue"), "rnn": ("vanilla RNN", "tab:red")}

def save_figure(fig, path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    if plt.get_backend().lower() == "agg":                             # headless: nothing will show it
        plt.close(fig)

def visualize_memory_capacity(results, path):
    """Held-out accuracy against distance, per kind the mean and lowest-to-highest band over seeds, chance and
    95% lines. results: evaluate_memory_capacity's, or distances, chance, accuracy {kind: (seeds, D)} in %."""
    (fig, ax), d = plt.subplots(figsize=(8, 4.8)), results["distances"]
    for kind, acc in results["accuracy"].items():
        (label, color), acc = STYLE[kind], np.asarray(acc, dtype=float)
        ax.plot(d, acc.mean(axis=0), "o-", color=color, label=f"{label}, mean of {len(acc)} seed(s)")
        if len(acc) > 1:
            ax.fill_between(d, acc.min(axis=0), acc.max(axis=0), color=color, alpha=0.2,
                            label=f"{label}, lowest to highest seed")
    ax.axhline(results["chance"], color="gray", ls="--", label=f"chance, {results['chance']:.0f}%")
    ax.axhline(95, color="tab:green", ls=":", label="95% target")
    ax.set(xscale="log", ylim=(0, 104), xlabel="distance (distractor steps between token and query, log)",
           ylabel="held-out accuracy at the query (%)", title="First-character recall against distance")
    ax.set_xticks(d, [str(x) for x in d], minor=False)
    ax.minorticks_off()
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize=8.5, frameon=False)
    save_figure(fig, path)

def visualize_copy_training(copy, path):
    """Held-out loss and accuracy per symbol on the copy task during training, for each T and model, with
    the memoryless baseline and chance. copy: {(T, kind): train_on_memory_task's history}."""
    lengths = sorted({T for T, _ in copy})
    fig, axes = plt.subplots(len(lengths), 2, figsize=(12, 4.8 * len(lengths)), squeeze=False)
    for (ax_loss, ax_acc), T in zip(axes, lengths):
        for kind in ("lstm", "rnn"):
            (label, color), h = STYLE[kind], copy[T, kind]
            ax_loss.semilogy(h["eval_at"], h["test_loss"], color=color, label=label)
            ax_acc.plot(h["eval_at"], h["test_accuracy"], color=color, label=label)
            full = np.flatnonzero(h["distance_trained"] == T)
            for ax in (ax_loss, ax_acc) if len(full) and full[0] > 0 else ():
                ax.axvline(full[0] + 1, color=color, ls=":", label=f"{label}: the curriculum reaches T = {T}")
        ax_loss.axhline(h["baseline"], color="gray", ls="--", label=f"memoryless, 10 ln 8 / {T + 20}")
        ax_acc.axhline(h["chance"], color="gray", ls="--", label="chance, 12.5%")
        ax_acc.axhline(95, color="tab:green", ls=":", label="95% target")
        ax_loss.set(ylabel="held-out loss (nats per step, log)", title=f"copy task, T = {T}: loss")
        ax_acc.set(ylabel="held-out accuracy per symbol (%)", ylim=(0, 104), title=f"T = {T}: accuracy")
        for ax in (ax_loss, ax_acc):
            ax.set_xlabel(f"training batch ({BATCH_SIZE} sequences)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    fig.suptitle("Copy task: scored on held-out sequences at the full T; the curriculum trains at shorter T")
    fig.tight_layout()
    save_figure(fig, path)

def visualize_cell_state(cell, path):
    """Heatmap of the cell state C_t through one sequence, units sorted by how much they tell of the stored
    token (eta^2), input tokens along the x axis, and ||C_t|| below. cell: analyze_cell_state_evolution's."""
    C, order = cell["C"], np.argsort(cell["selectivity"])[::-1]
    T, limit = len(C), np.abs(C).max()
    fig, (ax_map, ax_norm) = plt.subplots(2, 1, figsize=(max(8, 0.33 * T + 3), 8), sharex=True,
                                          gridspec_kw=dict(height_ratios=[3, 1]))
    image = ax_map.imshow(C[:, order].T, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.colorbar(image, cax=ax_map.inset_axes([1.01, 0, 0.015, 1]), label="cell state C_t")  # x stays aligned
    ax_map.set_yticks(range(len(order)), [f"{u} ({cell['selectivity'][u]:.2f})" for u in order],
                      fontsize=max(5, min(9, 280 // len(order))))
    ax_map.set(ylabel="cell unit (its eta^2 with the stored token)",
               title=f"LSTM cell state through one sequence at distance {cell['distance']}: it stores "
                     f"{cell['tokens'][0]} and answers {cell['prediction']} at the query")
    ax_norm.plot(range(T), cell["C_norm"], ".-", color="black")
    for ax, edge in itertools.product((ax_map, ax_norm), (0.5, T - 1.5)):
        ax.axvline(edge, color="black", lw=1)                          # encoding | retention | retrieval
    every = math.ceil(T / 40)
    ticks = list(range(0, T - every // 2 - 1, every)) + [T - 1]
    ax_norm.set_xticks(ticks, [str(t) if t < VOCAB_SIZE else "?" for t in cell["tokens"][ticks]])
    ax_norm.set(ylabel="||C_t||", xlabel="input token at each step: the token to store | the distractors"
                f"{f', every {every}th labelled' if every > 1 else ''} | the query ?")
    ax_norm.grid(alpha=0.3)
    save_figure(fig, path)

def visualize_gradient_flow(flow, path):
    """||d loss / d h|| (solid) and, for the LSTM, ||d loss / d C|| along the cell (dashed) k steps before
    the query, at the start and after training. flow: {stage: {kind: analyze_gradient_flow's dict}}."""
    fig, axes = plt.subplots(1, len(flow), figsize=(6 * len(flow), 4.6), squeeze=False)
    for ax, (stage, flows) in zip(axes[0], flow.items()):
        for (kind, g), name in itertools.product(flows.items(), "hC"):
            if g[f"d{name}_norm"] is not None:                   # a norm that underflows to 0 has no log
                norms = np.where(g[f"d{name}_norm"] > 0, g[f"d{name}_norm"], np.nan)
                ax.semilogy(g["k"], norms, "-" if name == "h" else "--", color=STYLE[kind][1],
                            label=f"{STYLE[kind][0]}: ||d loss / d{name}||")
        ax.set(xlabel=f"k, steps before the query (k = {g['k'][-1]}: just after the token)",
               ylabel="gradient norm (mean over sequences, log)", title=f"{stage}, distance {g['k'][-1] - 1}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8.5, loc="lower left")
    fig.suptitle("How much of the query's loss gradient reaches earlier steps")
    fig.tight_layout()
    save_figure(fig, path)

# ---- The study, its report and the command line ----------------------------------------------------
def run_study(s, seed=SEED, log=print):
    """Everything a run measures, as plain data (s: `settings`): capacity, evaluate_memory_capacity's; tasks
    {(name, distance, kind): history} for the copy task and XOR; cell, flow: the analyses' dicts."""
    train = {key: s[key] for key in ("learning_rate", "curriculum")}
    log(f"first-character recall, H={s['hidden_size']}, {NUM_TRAIN}/{NUM_TEST} training/held-out sequences:")
    capacity = evaluate_memory_capacity(s["distances"], s["seeds"], base_seed=seed, log=log,       # (TODO 12)
                                        hidden_size=s["hidden_size"], num_iterations=s["iterations"], **train)
    tasks, sizes = {}, {"copy": (COPY_HIDDEN, s["copy_iterations"], COPY_TRAIN, COPY_TEST),
                        "xor": (s["hidden_size"], s["iterations"], NUM_TRAIN, NUM_TEST)}
    for name, d, kind in [(n, d, k) for n in sizes for d in s[n + "_distances"] for k in ("lstm", "rnn")]:
        log(f"{name}, distance {d}, {STYLE[kind][0]}: H={sizes[name][0]}, at most {sizes[name][1]} batches")
        tasks[name, d, kind] = run_task(name, d, kind, *sizes[name][:2], seed, *sizes[name][2:], log=log,
                                        log_every=500, **train)[1]
    near_20 = min(s["distances"], key=lambda d: abs(d - 20))
    cell = analyze_cell_state_evolution(capacity["models"]["lstm", near_20], near_20, seed=seed)
    longest, flow = max(s["distances"]), {"at the start": {}, "after training": {}}
    for kind, trained in ((kind, capacity["models"][kind, longest]) for kind in ("lstm", "rnn")):
        fresh = build_model(kind, trained.input_size, trained.hidden_size, trained.output_size, seed)
        for stage, model in (("at the start", fresh), ("after training", trained)):
            flow[stage][kind] = analyze_gradient_flow(model, longest, seed=seed)
    return dict(capacity=capacity, tasks=tasks, cell=cell, flow=flow)

def print_report(r, paths, seconds):
    """Print what run_study measured: tables, verdicts computed from the numbers, and a summary."""
    cap, c, tasks = r["capacity"], r["cell"], r["tasks"]
    print(f"\nheld-out accuracy at the query (%), mean [lowest, highest] over {len(cap['seeds'])} seed(s); "
          f"chance {cap['chance']:.0f}%\n  distance" + "".join(f"{STYLE[k][0]:>26}" for k in cap["accuracy"]))
    for j, d in enumerate(cap["distances"]):
        print(f"  {d:8d}" + "".join(f"{a.mean():.1f} [{a.min():.1f}, {a.max():.1f}]".rjust(26)
                                    for a in (acc[:, j] for acc in cap["accuracy"].values())))
    analyze_findings(cap["distances"], cap["accuracy"]["lstm"], rnn_accuracies=cap["accuracy"]["rnn"],
                     log=lambda text: print("  " + text.replace("\n", "\n  ")))                   # (TODO 12)
    for name, d in dict.fromkeys(key[:2] for key in tasks):
        lstm = tasks[name, d, "lstm"]
        print(f"\n{name}, distance {d}: the LSTM {'solves' if lstm['test_accuracy'][-1] >= 95 else 'fails'} "
              f"it (the bar: 95% held out{' per symbol' * (name == 'copy')}; chance {lstm['chance']:.1f}%)")
        for kind, h in ((kind, tasks[name, d, kind]) for kind in ("lstm", "rnn")):
            print(f"  {STYLE[kind][0]:11s} {h['test_accuracy'][-1]:5.1f}%, {h['test_loss'][-1]:.3f} nats per "
                  f"scored step (memoryless {h['baseline']:.3f}), {h['iterations']} batches, the curriculum "
                  f"reached {h['distance_trained'][-1]}")
    print(f"\ncell state, LSTM trained at distance {c['distance']}: {len(c['memory_units'])} of "
          f"{len(c['C'][0])} units have eta^2 >= 0.5 with the stored token; on them the input gate is\n  "
          f"{c['i_encoding']:.2f} at the token and {c['i_retention']:.2f} during the distractors, the forget "
          f"gate {c['f_retention']:.3f}; ||C_t|| goes from {c['C_norm'][0]:.2f} to {c['C_norm'][-2]:.2f};\n  "
          f"{c['probe_accuracy']:.1f}% of fresh sequences are answered right")
    for stage, flows in r["flow"].items():
        print(f"gradient of the query's loss {stage}, k = 1 -> {flows['lstm']['k'][-1]} steps back:")
        for kind, g in flows.items():
            print(f"  {STYLE[kind][0]:11s}" + "".join(f"  d{n}: {g[f'd{n}_norm'][0]:.1e} -> "
                  f"{g[f'd{n}_norm'][-1]:.1e} (x{g['decay_' + n]:.3f} per step)" for n in "hC"
                  if g["decay_" + n] is not None))
    solved = [d for d, a in zip(cap["distances"], cap["accuracy"]["lstm"].min(axis=0)) if a >= 95]
    runs = "; ".join(f"{n} {d} {kind} {h['test_accuracy'][-1]:.1f}%" for (n, d, kind), h in tasks.items())
    print(f"\nsummary ({format_eta(seconds)}): LSTM recall >= 95% for every seed at {solved}; {runs}")
    print("figures: " + ", ".join(paths))

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
    p = OneLineErrorParser(prog=os.path.basename(__file__), description="Exercise 4: how far back an LSTM "
                           "remembers, against a vanilla RNN.", epilog="Prints progress, tables with verdicts"
                           " computed from them and a summary; saves 4 PNG figures in --outdir.")
    add, ints = p.add_argument, lambda values: " ".join(map(str, values))
    add("--seed", type=int, default=SEED, help="the first seed (default %(default)s)")
    add("--quick", action="store_true", help=f"a short run: {QUICK}")
    add("--outdir", default=OUTDIR, help="where the figures go (default %(default)s)")
    add("--show", action="store_true", help="also open the figures in windows")
    add("--distances", type=int, nargs="+", help=f"recall distances, each >= 2 (default {ints(DISTANCES)})")
    add("--seeds", type=int, help=f"seeds per distance and model (default {SEEDS})")
    add("--iterations", type=int, help=f"batches per recall or XOR run at most (default {NUM_ITERATIONS})")
    add("--hidden-size", type=int, default=HIDDEN_SIZE, help="H for recall and XOR (default %(default)s)")
    add("--copy-lengths", type=int, nargs="*", help=f"copy gaps T, none: skip (default {ints(COPY_LENGTHS)})")
    add("--learning-rate", type=float, default=LEARNING_RATE, help="Adam's step size (default %(default)s)")
    add("--no-curriculum", action="store_true", help="train at the full distance from the first batch")
    return p

def settings(args):
    """The run's settings from the flags and --quick, each checked: ValueError naming the flag."""
    given = dict(QUICK if args.quick else {}, **{key: v for key, v in vars(args).items() if v is not None})
    H = check_int("--hidden-size", args.hidden_size, high=256)          # 8 x the stub's; larger takes hours
    if not 0 < args.learning_rate <= 1:                                 # Adam's steps are about this size
        raise ValueError(f"--learning-rate: expected a number in (0, 1], got {args.learning_rate!r}")
    steps = lambda flag, values, low, high: [check_int(flag, d, low, min(MAX_DISTANCE, high)) for d in values]
    return dict(distances=steps("--distances", given.get("distances", DISTANCES), 2,
                                MAX_CACHE // (NUM_TEST * H) - 2),
                copy_distances=steps("--copy-lengths", given.get("copy_lengths", COPY_LENGTHS), 1,
                                     MAX_CACHE // (COPY_TEST * COPY_HIDDEN) - 2 * COPY_LENGTH),
                xor_distances=given.get("xor_distances", XOR_DISTANCES), hidden_size=H,
                seeds=check_int("--seeds", given.get("seeds", SEEDS), high=100),
                iterations=check_int("--iterations", given.get("iterations", NUM_ITERATIONS), high=20_000),
                copy_iterations=given.get("copy_iterations", COPY_ITERATIONS),
                learning_rate=args.learning_rate, seed=check_int("--seed", args.seed, low=0),
                curriculum=None if args.no_curriculum else CURRICULUM_START)

def run(args):
    """Check every flag and --outdir before training; run the study, save the figures, print the report."""
    s = settings(args)
    outdir, start = prepare_outdir(args.outdir), time.perf_counter()
    results = run_study(s, s["seed"])
    copy = {(d, kind): h for (name, d, kind), h in results["tasks"].items() if name == "copy"}
    names = ["memory_capacity", "cell_state", "gradient_flow", "copy_training"][:3 + bool(copy)]
    paths = [os.path.join(outdir, f"ex4_{name}.png") for name in names]
    visualize_memory_capacity(results["capacity"], paths[0])
    visualize_cell_state(results["cell"], paths[1])
    visualize_gradient_flow(results["flow"], paths[2])
    if copy:
        visualize_copy_training(copy, paths[3])
    print_report(results, paths, time.perf_counter() - start)
    if args.show:
        plt.show()
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


if __name__ == "__main__":
    sys.exit(main())

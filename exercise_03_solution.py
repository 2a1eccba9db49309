"""Exercise 3: a gate ablation study. What does each LSTM gate buy? Measured over seeds, with error bars.

The course's exercise file asks for three LSTMs that each fix one gate at 1 (TODO 1-3), a training loop
(TODO 4), the four models trained alike (TODO 5-9), a loss plot (TODO 10), an analysis (TODO 11) and
conclusions (TODO 12). The answer to TODO 7 ends with "(TODO 7)": `grep -n "TODO 7)" exercise_03_solution.py`.
Its own calls compare_models(text, char_to_idx), plot_comparison(results), analyze_results(results) and
write_conclusions() work on this file as they are.

Every model is Exercise 1's LSTMFromScratch (pasted below unchanged) with one equation changed through its
hooks gates/gates_backward and hidden/hidden_backward; concat = [h_prev, x_t]:
    LSTM  LSTMFromScratch         f_t, i_t, o_t = sigmoid(W. concat + b.),  C_tilde = tanh(Wc concat + bc)
                                  C_t = f_t * C_prev + i_t * C_tilde,  h_t = o_t * tanh(C_t)
    NFG   LSTMNoForget            f_t = 1:        C_t = C_prev + i_t * C_tilde      (never forgets)
    NIG   LSTMNoInput             i_t = 1:        C_t = f_t * C_prev + C_tilde      (writes everything)
    NOG   LSTMNoOutput            o_t = 1:        h_t = tanh(C_t)                   (shows everything)
    CIFG  LSTMCoupledGates        i_t = 1 - f_t:  C_t = f_t * C_prev + (1 - f_t) * C_tilde
    NOAF  LSTMNoOutputActivation  h_t = o_t * C_t                                   (no tanh: unbounded)
    RNN   VanillaRNN              f_t = 0, i_t = o_t = 1, h_t = C_t:  h_t = tanh(Wc concat + bc)
    all   y_t = softmax(Wy h_t + by),  loss = - sum_t ln y_t[target_t]  (nats)
A gate fixed at 1 (or 0) has sigmoid' = s (1 - s) = 0, so its weights get exactly zero gradient: they never
move, and count_parameters leaves them out. CIFG and NOAF are variants from Greff et al. (2017).

run_study trains every model with every seed alike on two tasks: a character-level language model on the
first 90% of a built-in text, scored by the loss per character (nats) on the rest; and a memory task, naming
the first of delay + 2 symbols at the last, scored by held-out recall. summarize gives mean +- std over seeds
and marks each difference as within the seed spread (|difference| <= the larger std) or beyond it.
    python exercise_03_solution.py             # 7 models x 3 seeds, about 3 min
    python exercise_03_solution.py --quick     # a smoke run, about 10 s
It prints a line per run, a table, a sample per model and conclusions computed from the numbers, and saves
ex3_comparison.png (loss curves, held-out loss, updates to a loss threshold, recall) under --outdir.
"""
import argparse
import math
import os
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matmuls: more threads only add overhead
import numpy as np
import matplotlib.pyplot as plt

SEED = 0
CLIP_VALUE = 5.0           # elementwise gradient clipping to [-5, 5], as the course teaches
N_SEEDS = 3
HIDDEN_SIZE = 32
SEQ_LENGTH = 25            # characters per BPTT window; the stub's losses are summed over one window
BATCH_SIZE = 16            # parallel streams through the training text
LEARNING_RATE = 0.1        # Adagrad step, the same for every model and task
ITERATIONS = 700           # language-model updates: near the full LSTM's held-out minimum (README)
HELDOUT_FRACTION = 0.1     # the last 10% of the text is never trained on
EVAL_EVERY = 50            # updates between held-out measurements
LOSS_THRESHOLD = 2.0       # nats/char: "converged" when the smoothed training loss first reaches it
SMOOTHING = 0.05           # weight of the newest update in the smoothed (EMA) training loss
DELAY = 20                 # distractors between the recall symbol and the query
N_RECALL, N_DISTRACTORS = 4, 4                 # chance recall = 1 / N_RECALL
MEMORY_BATCH_SIZE, MEMORY_ITERATIONS = 32, 1500
MEMORY_EVAL_SEQUENCES, MEMORY_EVAL_SEED = 200, 12345   # one held-out set for every model and seed
SAMPLE_LENGTH, TEMPERATURE = 200, 0.7
QUICK = dict(seeds=3, iterations=40, memory_iterations=80, delay=10)
MAX_DELAY, MAX_ITERATIONS, MAX_SEEDS = 500, 100_000, 100   # fail fast beyond these
OUTDIR, FIGURE = "outputs", "ex3_comparison.png"

# ---- Exercise 1's LSTM and the helpers it calls, unchanged ------------------------------------------
def sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp(-|x|) is in (0, 1], each branch exact in its tail."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

def log_softmax(logits):
    """ln softmax over the last axis: minus the max, exp() cannot overflow, and in logs
    ln(probability) stays finite where the probability itself underflows."""
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

def batch_outer(a, b):
    """Sum over the batch of a b^T: (..., m), (..., n) -> (m, n); np.outer(a, b) for (m,), (n,)."""
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

# ---- The model -------------------------------------------------------------------------------------
class LSTMFromScratch:
    """A one-layer LSTM with a softmax output layer, trained by BPTT and Adagrad. input_size D
    (one-hot ids), hidden_size H, output_size V; seed (an integer >= 0) for the initial weights and
    `sample`; backward clips each gradient entry to [-clip_value, clip_value] (None: no clipping, as
    a gradient check needs); forget_bias: the first bf. Exercises 2-4 carry this class unchanged;
    Exercise 3's ablations override the pairs gates/gates_backward and hidden/hidden_backward."""

    PARAM_NAMES = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
    sigmoid = staticmethod(sigmoid)      # the course's stub defines sigmoid as a method

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE,
                 forget_bias=1.0):
        D, H, V = (check_int("input_size", input_size), check_int("hidden_size", hidden_size),
                   check_int("output_size", output_size))
        gib = (4 * H * (H + D) + V * H) * 8 / 2 ** 30           # float64 weights
        if gib > 2:                                              # far beyond what this pack trains
            raise ValueError(f"hidden_size: expected at most 2 GiB of weights, got {gib:,.0f} GiB "
                             f"with hidden_size {H}, input_size {D} and output_size {V}")
        self.clip_value = None if clip_value is None else check_float("clip_value", clip_value)
        forget_bias = check_float("forget_bias", forget_bias, low=-math.inf)
        self.input_size, self.hidden_size, self.output_size = D, H, V
        self.rng = np.random.default_rng(check_int("seed", seed, low=0))
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
        # A small output layer: the first prediction is nearly uniform, the loss near T ln V.
        self.Wy = self.rng.normal(0.0, 0.01, (V, H))             # (Ex1 TODO 5)
        self.by = np.zeros(V)                                    # (Ex1 TODO 5)
        # Adagrad's memory: the running sum of each parameter's squared gradients.
        self.memory = {name: np.zeros_like(getattr(self, name)) for name in self.PARAM_NAMES}

    def gates(self, concat):
        """The four gate equations. concat: (..., H+D) -> f_t, i_t, C_tilde, o_t, each (..., H)."""
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
        # Back through sigmoid' = s (1 - s) and tanh' = 1 - tanh^2 first; the biases take these dz,
        # as the weights do (the stub's pre-written bias lines add df ... do, losing both).
        # batch_outer(a, b) is np.outer(a, b), summed over the batch; batch_sum(a) likewise.
        dzf = df * f_t * (1.0 - f_t)                             # (Ex1 TODO 23)
        dzi = di * i_t * (1.0 - i_t)                             # (Ex1 TODO 22)
        dzc = dC_tilde * (1.0 - C_tilde ** 2)                    # (Ex1 TODO 21)
        dzo = do * o_t * (1.0 - o_t)                             # (Ex1 TODO 19)
        self.dWf += batch_outer(dzf, concat)                     # (Ex1 TODO 25)
        self.dbf += batch_sum(dzf)                               # (Ex1 TODO 23)
        self.dWi += batch_outer(dzi, concat)                     # (Ex1 TODO 25)
        self.dbi += batch_sum(dzi)                               # (Ex1 TODO 22)
        self.dWc += batch_outer(dzc, concat)                     # (Ex1 TODO 25)
        self.dbc += batch_sum(dzc)                               # (Ex1 TODO 21)
        self.dWo += batch_outer(dzo, concat)                     # (Ex1 TODO 25)
        self.dbo += batch_sum(dzo)                               # (Ex1 TODO 19)
        return dzf @ self.Wf + dzi @ self.Wi + dzc @ self.Wc + dzo @ self.Wo   # (Ex1 TODO 26)

    def hidden(self, o_t, C_t):
        """h_t = o_t * tanh(C_t): the output gate picks what part of the squashed cell to show."""
        return o_t * np.tanh(C_t)                                # (Ex1 TODO 12)

    def hidden_backward(self, dh, o_t, C_t):
        """Mirror of `hidden`: (d loss / d o_t, the part of d loss / d C_t coming through h_t)."""
        tanh_C = np.tanh(C_t)
        do = dh * tanh_C                                         # (Ex1 TODO 19)
        return do, dh * o_t * (1.0 - tanh_C ** 2)                # dC through h_t (Ex1 TODO 20)

    def forward(self, inputs, targets, h_prev, C_prev):
        """Run the LSTM over a sequence; return the loss, -sum of ln y_t[target_t] in nats.

        inputs: ids in [0, D), (T,) or (T, B); targets: ids in [0, V) or -1 (not scored), the same
        shape; h_prev, C_prev: (H,) or (B, H). Keeps for `backward` (a batch adds a B axis after the
        first): inputs_cache (T, D) one-hot x_t; targets; h_states, C_states (T+1, H), [0] the given
        states, [t+1] = h_t, C_t; f_gates, i_gates, C_tilde_cache, o_gates (T, H); y_probs (T, V).
        ValueError on bad input, before changing anything."""
        inputs = check_ids("inputs", inputs, self.input_size)
        targets = check_ids("targets", targets, self.output_size, allow_skip=True)
        if targets.shape != inputs.shape:
            raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, "
                             f"got {targets.shape}")
        state_shape = inputs.shape[1:] + (self.hidden_size,)              # (H,) or (B, H)
        h_prev = check_state("h_prev", h_prev, state_shape)
        C_prev = check_state("C_prev", C_prev, state_shape)
        T = len(inputs)
        self.inputs_cache = np.eye(self.input_size)[inputs]              # one-hot x_t
        # The stub's backward(self) reads `targets` but is never given them: forward keeps them.
        self.targets = targets                                           # (Ex1 TODO 16)
        self.h_states = np.empty((T + 1,) + state_shape)
        self.C_states = np.empty((T + 1,) + state_shape)
        self.h_states[0], self.C_states[0] = h_prev, C_prev
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates = (
            np.empty((T,) + state_shape) for _ in range(4))
        self.y_probs = np.empty((T,) + inputs.shape[1:] + (self.output_size,))
        target_onehot = targets[..., None] == np.arange(self.output_size)  # all False where -1
        loss = 0.0
        for t in range(T):
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]], -1)  # (Ex1 TODO 6)
            f_t, i_t, C_tilde, o_t = self.gates(concat)
            C_t = f_t * self.C_states[t] + i_t * C_tilde         # (Ex1 TODO 10)
            h_t = self.hidden(o_t, C_t)
            logits = h_t @ self.Wy.T + self.by                   # (Ex1 TODO 13)
            log_y = log_softmax(logits)                          # ln y_t (Ex1 TODO 14)
            loss -= log_y[target_onehot[t]].sum()                # - ln y_t[target_t] (Ex1 TODO 15)
            self.f_gates[t], self.i_gates[t] = f_t, i_t
            self.C_tilde_cache[t], self.o_gates[t] = C_tilde, o_t
            self.C_states[t + 1], self.h_states[t + 1] = C_t, h_t
            self.y_probs[t] = np.exp(log_y)                      # y_t = softmax (Ex1 TODO 14)
        return float(loss)

    def backward(self):
        """BPTT through the last `forward`: its steps in reverse, each name with a d in front.
        Sets dWf, dbf, ..., dWy, dby, clipped to [-clip_value, clip_value]. Returns (dh_next,
        dC_next): d loss / d h_prev and d loss / d C_prev, shaped like the states, unclipped."""
        if not hasattr(self, "y_probs"):
            raise RuntimeError("backward: call forward(inputs, targets, h_prev, C_prev) first")
        for name in self.PARAM_NAMES:
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))
        target_onehot = self.targets[..., None] == np.arange(self.output_size)
        scored = (self.targets >= 0)[..., None]
        dh_next = np.zeros_like(self.h_states[0])                # d loss / d h_t from step t+1
        dC_next = np.zeros_like(self.C_states[0])                # d loss / d C_t from step t+1
        for t in reversed(range(len(self.targets))):
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]], axis=-1)
            f_t, i_t = self.f_gates[t], self.i_gates[t]
            C_tilde, o_t = self.C_tilde_cache[t], self.o_gates[t]
            dy = (self.y_probs[t] - target_onehot[t]) * scored[t]  # softmax + CE (Ex1 TODO 16)
            self.dWy += batch_outer(dy, self.h_states[t + 1])    # (Ex1 TODO 17)
            self.dby += batch_sum(dy)                            # (Ex1 TODO 17)
            dh = dy @ self.Wy + dh_next                          # output and step t+1 (Ex1 TODO 18)
            do, dC = self.hidden_backward(dh, o_t, self.C_states[t + 1])             # (Ex1 TODO 19)
            dC = dC + dC_next                                    # via h_t and C_{t+1} (Ex1 TODO 20)
            dC_tilde = dC * i_t                                  # (Ex1 TODO 21)
            di = dC * C_tilde                                    # (Ex1 TODO 22)
            df = dC * self.C_states[t]                           # (Ex1 TODO 23)
            dC_next = dC * f_t                   # f_t near 1 keeps the gradient (Ex1 TODO 24)
            dconcat = self.gates_backward(concat, (f_t, i_t, C_tilde, o_t), (df, di, dC_tilde, do))
            dh_next = dconcat[..., :self.hidden_size]            # h_prev's part (Ex1 TODO 26)
        if self.clip_value is not None:                          # tames exploding gradients
            for name in self.PARAM_NAMES:
                grad = getattr(self, "d" + name)
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)   # (Ex1 TODO 27)
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        """One Adagrad step for every parameter, the course reference's update (the stub's comment
        says SGD): memory += d ** 2; param -= learning_rate * d / sqrt(memory + 1e-8), so a weight
        whose gradients have been large takes smaller steps from then on."""
        learning_rate = check_float("learning_rate", learning_rate)
        if not hasattr(self, "dWf"):
            raise RuntimeError("update_weights: call forward and backward first")
        for name in self.PARAM_NAMES:
            param, grad, memory = getattr(self, name), getattr(self, "d" + name), self.memory[name]
            memory += grad * grad                                            # (Ex1 TODO 28)
            param -= learning_rate * grad / np.sqrt(memory + 1e-8)           # (Ex1 TODO 28)

    def sample(self, h, C, seed_idx, n, temperature=1.0, rng=None):
        """n ids generated from (H,) states h, C and the input id seed_idx, each fed back as the
        next input. temperature > 0 divides the logits (below 1 is greedier); rng defaults to the
        model's. Returns a list of n ints in [0, V). Needs input_size == output_size."""
        temperature, n = check_float("temperature", temperature), check_int("n", n, low=0)
        if self.input_size != self.output_size:
            raise ValueError(f"sample: needs input_size == output_size, got {self.input_size} "
                             f"and {self.output_size}")
        check_ids("seed_idx", [seed_idx], self.input_size)
        h, C = check_state("h", h, (self.hidden_size,)), check_state("C", C, (self.hidden_size,))
        rng = self.rng if rng is None else rng
        ids = [seed_idx]
        for _ in range(n):
            x_t = np.eye(self.input_size)[ids[-1]]
            f_t, i_t, C_tilde, o_t = self.gates(np.concatenate([h, x_t]))
            C = f_t * C + i_t * C_tilde
            h = self.hidden(o_t, C)
            p = np.exp(log_softmax((self.Wy @ h + self.by) / temperature))
            ids.append(int(rng.choice(self.output_size, p=p)))
        return ids[1:]

# ---- The variants: Exercise 1's class with one equation changed through its hooks -------------------
class LSTMNoForget(LSTMFromScratch):
    """NFG: f_t = 1, so C_t = C_prev + i_t * C_tilde: the cell adds and never forgets."""
    UNUSED = ("Wf", "bf")                                        # their gradient is exactly 0

    def gates(self, concat):
        _, i_t, C_tilde, o_t = super().gates(concat)
        return np.ones_like(i_t), i_t, C_tilde, o_t              # f_t = 1 (TODO 1)

class LSTMNoInput(LSTMFromScratch):
    """NIG: i_t = 1, so C_t = f_t * C_prev + C_tilde: every candidate is written in full."""
    UNUSED = ("Wi", "bi")

    def gates(self, concat):
        f_t, _, C_tilde, o_t = super().gates(concat)
        return f_t, np.ones_like(f_t), C_tilde, o_t              # i_t = 1 (TODO 2)

class LSTMNoOutput(LSTMFromScratch):
    """NOG: o_t = 1, so h_t = tanh(C_t): the whole squashed cell is shown."""
    UNUSED = ("Wo", "bo")

    def gates(self, concat):
        f_t, i_t, C_tilde, _ = super().gates(concat)
        return f_t, i_t, C_tilde, np.ones_like(f_t)              # o_t = 1 (TODO 3)

# The names in the course's solution index: the same classes, not copies.
LSTMNoForgetGate, LSTMNoInputGate, LSTMNoOutputGate = LSTMNoForget, LSTMNoInput, LSTMNoOutput

class LSTMCoupledGates(LSTMFromScratch):
    """CIFG: i_t = 1 - f_t, so the cell writes as much as it forgets; then d loss / d f_t = df - di."""
    UNUSED = ("Wi", "bi")

    def gates(self, concat):
        f_t, _, C_tilde, o_t = super().gates(concat)
        return f_t, 1.0 - f_t, C_tilde, o_t

    def gates_backward(self, concat, gates, dgates):
        df, di, dC_tilde, do = dgates
        return super().gates_backward(concat, gates, (df - di, np.zeros_like(di), dC_tilde, do))

class LSTMNoOutputActivation(LSTMFromScratch):
    """NOAF: h_t = o_t * C_t, the cell shown without its tanh, so h_t is no longer bounded by 1."""

    def hidden(self, o_t, C_t):
        return o_t * C_t

    def hidden_backward(self, dh, o_t, C_t):
        return dh * C_t, dh * o_t                                # d loss / d o_t, d loss / d C_t via h_t

class VanillaRNN(LSTMFromScratch):
    """Elman's RNN, h_t = tanh(Wc concat + bc): the LSTM with f_t = 0, i_t = o_t = 1 and h_t = C_t, so C_t =
    C_tilde = h_t and nothing flows back through C. Same interface, so the study drives it like the rest."""
    UNUSED = ("Wf", "bf", "Wi", "bi", "Wo", "bo")

    def gates(self, concat):
        C_tilde = np.tanh(concat @ self.Wc.T + self.bc)
        return np.zeros_like(C_tilde), np.ones_like(C_tilde), C_tilde, np.ones_like(C_tilde)

    def hidden(self, o_t, C_t):
        return C_t

    def hidden_backward(self, dh, o_t, C_t):
        return np.zeros_like(dh), dh

def count_parameters(model):
    """Trainable scalars: the weights a variant leaves unused (its UNUSED) never move and do not count."""
    return sum(getattr(model, n).size for n in model.PARAM_NAMES if n not in getattr(model, "UNUSED", ()))

MODELS = {"LSTM": LSTMFromScratch, "NFG": LSTMNoForget, "NIG": LSTMNoInput, "NOG": LSTMNoOutput,
          "CIFG": LSTMCoupledGates, "NOAF": LSTMNoOutputActivation, "RNN": VanillaRNN}   # keys: --models

# ---- The course stub's functions (TODO 4-12) --------------------------------------------------------
STUB_MODELS = {"Baseline": LSTMFromScratch, "No Forget": LSTMNoForget,      # (TODO 6) (TODO 7)
               "No Input": LSTMNoInput, "No Output": LSTMNoOutput}          # (TODO 8) (TODO 9)
last_summary = None        # what write_conclusions() reads when the stub calls it without arguments

def train_model(model, text, char_to_idx, num_iterations=1000):
    """The stub's loop: one stream through `text` in windows of SEQ_LENGTH characters, h and C carried
    between windows, Adagrad. Returns num_iterations losses (a list), each summed over a window (nats)."""
    num_iterations = check_int("num_iterations", num_iterations, high=MAX_ITERATIONS)
    missing = sorted(set(text) - set(char_to_idx)) if isinstance(text, str) else type(text).__name__
    if missing:
        raise ValueError(f"text: expected a str of keys of char_to_idx, got {missing!r}")
    ids = np.array([char_to_idx[ch] for ch in text])
    return list(train_language_model(model, ids, num_iterations, batch_size=1)["train_loss"] * SEQ_LENGTH)

def compare_models(text, char_to_idx, hidden_size=64, num_iterations=1000, seed=SEED):
    """The stub's four models trained alike (text, hidden size, seed, budget). Returns {'Baseline',
    'No Forget', 'No Input', 'No Output'} -> train_model's list of losses."""
    V = len(char_to_idx)
    return {name: train_model(cls(V, hidden_size, V, seed=seed), text, char_to_idx, num_iterations)
            for name, cls in STUB_MODELS.items()}                # the four alike (TODO 5)

def plot_comparison(results, path=os.path.join(OUTDIR, FIGURE), threshold=LOSS_THRESHOLD):
    """Save compare_models' loss curves or run_study's four panels as a PNG at `path`; return the path."""
    prepare_outdir(os.path.dirname(path) or ".", "path")
    draw_figure(summarize(results, threshold), as_study(results), path)
    return path

def analyze_results(results, threshold=LOSS_THRESHOLD):
    """Summarise compare_models' or run_study's results, print the table, return summarize's dict."""
    global last_summary
    last_summary = summarize(results, threshold)                 # final loss, convergence, ranking (TODO 11)
    print(format_table(last_summary))
    return last_summary

def write_conclusions(summary=None):
    """Print conclusions worded from the numbers of `summary`, else of the last analyze_results."""
    summary = summary or last_summary
    lines = verdicts(summary) if summary else ["none: nothing has been measured yet."]
    print("\nConclusions, from the numbers:\n" + "\n".join("  " + line for line in lines))  # (TODO 12)

# ---- The memory task and training --------------------------------------------------------------------
def make_memory_batch(rng, batch_size, delay):
    """(inputs, targets), int (delay + 2, batch_size): a recall symbol (ids 0..N_RECALL-1), `delay`
    distractors (the next N_DISTRACTORS ids), the query (the last id). Targets: the blank N_RECALL,
    and the recall symbol at the query."""
    B, delay = check_int("batch_size", batch_size, high=4096), check_int("delay", delay, high=MAX_DELAY)
    inputs = rng.integers(N_RECALL, N_RECALL + N_DISTRACTORS, (delay + 2, B))
    inputs[0], inputs[-1] = rng.integers(0, N_RECALL, B), N_RECALL + N_DISTRACTORS
    targets = np.full_like(inputs, N_RECALL)
    targets[-1] = inputs[0]
    return inputs, targets

class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""

def format_eta(seconds):
    """Seconds -> 'm:ss'."""
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"

def step(model, inputs, targets, h, C, learning_rate, n):
    """Iteration n: forward, backward, Adagrad; returns the loss, or TrainingDiverged if it is not finite."""
    loss = model.forward(inputs, targets, h, C)                  # (TODO 4)
    if not np.isfinite(loss):
        raise TrainingDiverged(f"the loss became {loss} at iteration {n + 1}; try a smaller "
                               f"--learning-rate (now {learning_rate})")
    model.backward()                                             # (TODO 4)
    model.update_weights(learning_rate)                          # (TODO 4)
    return loss

def train_language_model(model, train_ids, iterations, batch_size=BATCH_SIZE,
                         learning_rate=LEARNING_RATE, rng=None, heldout_ids=None):
    """Truncated BPTT on batch_size streams through train_ids (N,): each starts at an offset drawn from
    rng (default: seeded with SEED), carries h and C from window to window, and starts again from the
    text's start and zero states when it runs out. heldout_ids (M,) is scored every EVAL_EVERY updates
    and after the last. Returns {'train_loss': (iterations,) nats/char, 'heldout': [(update, nats/char)]}."""
    T, iterations = SEQ_LENGTH, check_int("iterations", iterations, high=MAX_ITERATIONS)
    B, learning_rate = check_int("batch_size", batch_size, high=4096), check_float("learning_rate",
                                                                                   learning_rate)
    if np.ndim(train_ids) != 1 or len(check_ids("train_ids", train_ids, model.input_size)) < T + 2:
        raise ValueError(f"train_ids: expected (N,) ids, N >= {T + 2}, got shape {np.shape(train_ids)}")
    if heldout_ids is not None and len(check_ids("heldout_ids", heldout_ids, model.input_size)) < 2:
        raise ValueError(f"heldout_ids: expected at least 2 ids, got {len(heldout_ids)}")
    pos = (np.random.default_rng(SEED) if rng is None else rng).integers(0, len(train_ids) - T - 1, B)
    h, C, losses, heldout = np.zeros((B, model.hidden_size)), np.zeros((B, model.hidden_size)), [], []
    with np.errstate(over="ignore", invalid="ignore"):          # a blow-up shows as a non-finite loss
        for n in range(iterations):
            ended = pos + T + 1 > len(train_ids)                 # these streams start again
            pos[ended], h[ended], C[ended] = 0, 0.0, 0.0
            ids = train_ids[pos + np.arange(T + 1)[:, None]]     # (T+1, B): inputs, then next characters
            losses.append(step(model, ids[:-1], ids[1:], h, C, learning_rate, n) / (T * B))
            h, C, pos = model.h_states[-1].copy(), model.C_states[-1].copy(), pos + T
            if heldout_ids is not None and ((n + 1) % EVAL_EVERY == 0 or n + 1 == iterations):
                loss = model.forward(heldout_ids[:-1], heldout_ids[1:], *[np.zeros(model.hidden_size)] * 2)
                heldout.append((n + 1, loss / (len(heldout_ids) - 1)))   # one sequence from zero states
    return {"train_loss": np.array(losses), "heldout": heldout}

def train_memory_task(model, iterations, delay, rng, learning_rate=LEARNING_RATE):
    """Adagrad on fresh make_memory_batch batches of MEMORY_BATCH_SIZE, each from zero states; the model
    needs input_size N_RECALL + N_DISTRACTORS + 1, output_size N_RECALL + 1. Returns (iterations,) nats."""
    iterations = check_int("iterations", iterations, high=MAX_ITERATIONS)
    learning_rate = check_float("learning_rate", learning_rate)
    zeros = np.zeros((MEMORY_BATCH_SIZE, model.hidden_size))
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array([step(model, *make_memory_batch(rng, MEMORY_BATCH_SIZE, delay), zeros, zeros,
                              learning_rate, n) for n in range(iterations)]) / MEMORY_BATCH_SIZE

def recall_accuracy(model, delay, n_sequences=MEMORY_EVAL_SEQUENCES, seed=MEMORY_EVAL_SEED):
    """Share of n_sequences held-out sequences (fixed by seed) whose recall is the likeliest output."""
    n = check_int("n_sequences", n_sequences, high=4096)
    inputs, targets = make_memory_batch(np.random.default_rng(seed), n, delay)
    with np.errstate(over="ignore", invalid="ignore"):
        model.forward(inputs, targets, *[np.zeros((n, model.hidden_size))] * 2)
    return float(np.mean(model.y_probs[-1].argmax(axis=-1) == targets[-1]))

def run_study(models=tuple(MODELS), seeds=(0, 1, 2), iterations=ITERATIONS,
              memory_iterations=MEMORY_ITERATIONS, delay=DELAY, hidden_size=HIDDEN_SIZE,
              learning_rate=LEARNING_RATE, log=print):
    """Train every model (keys of MODELS) with every seed on both tasks alike; a seed fixes a run's
    initialisation, data order and sample; log takes a line per run. Returns {'config', 'models', 'seeds',
    'runs': {model: [a run per seed]}}; a run holds 'train_loss' (iterations,) and 'heldout' [(update,
    loss)] in nats/char, 'heldout_loss' (the last), 'recall' in [0, 1], 'sample', 'params', 'seconds'."""
    models, seeds = list(models), [check_int("seeds", s, low=0) for s in seeds]
    if not models or len(set(models)) < len(models) or not set(models) <= set(MODELS):
        raise ValueError(f"models: expected distinct names from {', '.join(MODELS)}, got {models}")
    if not seeds or len(set(seeds)) < len(seeds):
        raise ValueError(f"seeds: expected one or more distinct seeds, got {seeds}")
    check_int("memory_iterations", memory_iterations, high=MAX_ITERATIONS)
    delay, hidden_size = check_int("delay", delay, high=MAX_DELAY), check_int("hidden_size", hidden_size,
                                                                              high=1024)
    chars = sorted(set(DEFAULT_CORPUS))
    ids = np.searchsorted(chars, list(DEFAULT_CORPUS))          # chars is sorted: each character's id
    split, runs, spent = len(ids) - int(len(ids) * HELDOUT_FRACTION), {m: [] for m in models}, 0.0
    jobs = [(m, s) for m in models for s in seeds]
    for n, (name, seed) in enumerate(jobs, 1):
        start = time.perf_counter()
        init, data, memory_init, memory_data, sampling = np.random.SeedSequence(seed).generate_state(5)
        model = MODELS[name](len(chars), hidden_size, len(chars), seed=init)
        run = train_language_model(model, ids[:split], iterations, learning_rate=learning_rate,
                                   rng=np.random.default_rng(data), heldout_ids=ids[split:])
        zeros = np.zeros(hidden_size)
        run["sample"] = DEFAULT_CORPUS[0] + "".join(chars[k] for k in model.sample(
            zeros, zeros, ids[0], SAMPLE_LENGTH, TEMPERATURE, np.random.default_rng(sampling)))
        memory = MODELS[name](N_RECALL + N_DISTRACTORS + 1, hidden_size, N_RECALL + 1, seed=memory_init)
        train_memory_task(memory, memory_iterations, delay, np.random.default_rng(memory_data), learning_rate)
        run.update(heldout_loss=run["heldout"][-1][1], recall=recall_accuracy(memory, delay),
                   params=count_parameters(model), seconds=time.perf_counter() - start)
        runs[name].append(run)
        spent += run["seconds"]
        if log:
            log(f"run {n}/{len(jobs)}  {name:<4} seed {seed}  train {run['train_loss'][-20:].mean():.2f}  "
                f"held-out {run['heldout_loss']:.2f} nats/char  recall {run['recall']:.0%}  "
                f"{run['seconds']:.1f} s  eta {format_eta(spent / n * (len(jobs) - n))}")
    p = np.bincount(ids[:split]) / split                         # character frequencies of the training text
    config = dict(iterations=iterations, delay=delay, chance=1 / N_RECALL, heldout_chars=len(ids) - split,
                  unigram=float(-(p[p > 0] * np.log(p[p > 0])).sum()))   # the best memoryless model's loss
    return {"config": config, "models": models, "seeds": seeds, "runs": runs}

# ---- Analysis ------------------------------------------------------------------------------------------
def smooth(values, weight=SMOOTHING):
    """Exponential moving average started at the first value: (N,) -> (N,)."""
    out, running = np.empty(len(values)), values[0]
    for k, value in enumerate(values):
        out[k] = running = (1 - weight) * running + weight * value
    return out

def as_study(results):
    """run_study's dict as it is; compare_models' {name: losses per window} as a study of one seed."""
    if isinstance(results, dict) and "runs" in results:
        return results
    if not isinstance(results, dict) or not all(np.ndim(v) == 1 and len(v) for v in results.values() or [0]):
        raise ValueError("results: expected compare_models' dict (name -> list of losses) or run_study's")
    return {"config": {}, "models": list(results), "seeds": [None], "runs": {
        m: [{"train_loss": np.asarray(v, dtype=float) / SEQ_LENGTH}] for m, v in results.items()}}

def summarize(results, threshold=LOSS_THRESHOLD):
    """Per model over seeds, for run_study's or compare_models' results: {'stats': {model: {measure: (mean,
    std with ddof=1, NaN below two values), 'values': {measure: a value per seed}, 'reached', 'seeds',
    'params'}}, 'key': the measure ranked, 'ranking' (best first), 'adjacent' (neighbours in it compared),
    'reference' ('LSTM' or 'Baseline'), 'vs_reference': {model: {measure: comparison}}, 'threshold', ...}.
    Measures: 'final_loss' (smoothed training loss at the end), 'iters' (updates until it is <= threshold,
    NaN if never; stats skip NaNs), and from run_study 'heldout_loss' (the key) and 'recall'.
    Comparing a with b: {'worse': b, 'diff': mean b - mean a, 'spread': the larger std, 'within': |diff|
    <= spread, None if there is no spread}."""
    threshold, results, stats = check_float("threshold", threshold), as_study(results), {}
    for name in results["models"]:
        runs = results["runs"][name]
        below = [np.flatnonzero(smooth(r["train_loss"]) <= threshold) for r in runs]
        values = {"final_loss": [smooth(r["train_loss"])[-1] for r in runs],
                  "iters": [b[0] + 1.0 if b.size else math.nan for b in below]}
        values.update({k: [r[k] for r in runs] for k in ("heldout_loss", "recall") if k in runs[0]})
        finite = {k: np.array(v)[np.isfinite(v)] for k, v in values.items()}
        stats[name] = {k: (v.mean() if v.size else math.nan, v.std(ddof=1) if v.size > 1 else math.nan)
                       for k, v in finite.items()}
        stats[name].update(values=values, reached=len(finite["iters"]), seeds=len(runs),
                           params=runs[0].get("params"))
    key = "heldout_loss" if "heldout_loss" in stats[name] else "final_loss"
    ranking = sorted(stats, key=lambda m: stats[m][key][0])
    ref = next((m for m in ("LSTM", "Baseline") if m in stats), None)

    def compare(a, b, k):
        diff, spread = stats[b][k][0] - stats[a][k][0], max(stats[a][k][1], stats[b][k][1])
        return {"worse": b, "diff": diff, "spread": spread,
                "within": None if math.isnan(spread) else bool(abs(diff) <= spread)}
    return {"stats": stats, "key": key, "ranking": ranking, "reference": ref, "threshold": threshold,
            "adjacent": [compare(a, b, key) for a, b in zip(ranking, ranking[1:])],
            "vs_reference": {m: {k: compare(ref, m, k) for k in (key, "recall") if k in stats[m]}
                             for m in stats if ref and m != ref},
            "chance": results["config"].get("chance"), "config": results["config"],
            "seeds": min(s["seeds"] for s in stats.values())}

def pm(pair, fmt=".3f", scale=1, unit=""):
    """'mean +- std' of a (mean, std) pair times scale; the mean alone when the std is NaN."""
    mean, std = (scale * x for x in pair)
    return f"{mean:{fmt}}{unit}" + ("" if math.isnan(std) else f" +- {std:{fmt}}{unit}")

def verdicts(s):
    """The conclusions, a list of str, each worded from the numbers in summarize's dict `s`."""
    st, key, ref = s["stats"], s["key"], s["reference"]
    what = {"heldout_loss": "held-out loss", "final_loss": "final training loss", "recall": "recall"}

    def versus(c, k):
        scale, fmt, unit = (100, ".0f", " points") if k == "recall" else (1, ".3f", " nats/char")
        return f"{what[k]} {scale * c['diff']:+{fmt}}{unit} " + ("(one seed: untested against noise)"
            if c["within"] is None else f"({'within' if c['within'] else 'beyond'} the seed spread "
                                        f"{scale * c['spread']:{fmt}})")
    marks = {True: " ~ ", False: " < ", None: " ? "}
    lines = [f"Ranking by {what[key]}, best first ('~' within the seed spread, '<' beyond it, '?' one seed): "
             + s["ranking"][0] + "".join(marks[c["within"]] + c["worse"] for c in s["adjacent"])]
    lines += [f"{m} against {ref}: " + "; ".join(versus(c, k) for k, c in v.items()) + "."
              for m, v in s["vs_reference"].items()]
    if s["chance"] is not None:
        above = [m for m in s["ranking"] if np.subtract(*np.nan_to_num(st[m]["recall"])) > s["chance"]]
        lines.append(f"Recall above chance ({s['chance']:.0%}) by more than the seed spread after "
                     f"{s['config']['delay']} distractors: {', '.join(above) or 'no model'}.")
    return lines

# ---- Printing and plotting --------------------------------------------------------------------------
def format_table(s):
    """summarize's dict as a table: a row per model in ranking order, the columns it has measured."""
    columns = [c for c in (("params", "params", ""), ("heldout_loss", "held-out loss", "nats/char", ".3f"),
                           ("final_loss", "final train loss", "nats/char", ".3f"),
                           ("iters", f"updates to {s['threshold']:.2f}", "(seeds there)"),
                           ("recall", "recall", f"chance {s['chance'] or 0:.0%}", ".0f", 100, "%"))
               if s["stats"][s["ranking"][0]].get(c[0]) is not None]

    def cell(st, k, *style):
        return f"{st[k]:,}" if k == "params" else pm(st[k], *style) if k != "iters" else \
            f"{pm(st[k], '.0f') if st['reached'] else 'never'} ({st['reached']}/{st['seeds']})"
    rows = [["model"] + [c[1] for c in columns], [""] + [c[2] for c in columns]]
    rows += [[m] + [cell(s["stats"][m], c[0], *c[3:]) for c in columns] for m in s["ranking"]]
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    return "\n".join(lines + [f"mean +- std over {s['seeds']} seed(s), ddof=1; ranked by {s['key']}"])

def draw_figure(s, results, path):
    """Save a PNG at `path` for summarize's dict `s` and its `results`: the loss curves, and for
    run_study's results also the held-out loss, the updates to the threshold and the recall."""
    models, st, config, full = results["models"], s["stats"], results["config"], s["key"] == "heldout_loss"
    colors = {m: plt.cm.tab10(k % 10) for k, m in enumerate(models)}
    fig, axes = plt.subplots(*((2, 2) if full else (1, 1)), figsize=(14, 10) if full else (8, 5.5),
                             squeeze=False)
    ax, first = axes[0, 0], []
    for m in models:
        runs = results["runs"][m]
        curves = [("-", range(1, len(runs[0]["train_loss"]) + 1), [smooth(r["train_loss"]) for r in runs])]
        if full:
            curves.append(("--", [u for u, _ in runs[0]["heldout"]],
                           [[v for _, v in r["heldout"]] for r in runs]))
        for style, x, ys in curves:
            ys = np.array(ys)                                    # (seeds, points)
            mean, std = ys.mean(axis=0), ys.std(axis=0, ddof=1) if len(ys) > 1 else 0 * ys[0]
            ax.plot(x, mean, style, color=colors[m], lw=1.5)     # loss against update (TODO 10)
            ax.fill_between(x, mean - std, mean + std, color=colors[m], alpha=0.18, lw=0)
            first.append(mean[0])
    styles = [plt.Line2D([], [], color="gray", ls=ls, label=label) for ls, label in
              (("-", "training loss, smoothed"), ("--", "held-out loss"))[:1 + full]]
    ax.axhline(s["threshold"], color="black", ls=":", lw=1, label=f"threshold {s['threshold']:.2f}")
    if full:
        ax.axhline(config["unigram"], color="gray", ls="-.", lw=1, label=f"character frequencies alone, "
                   f"{config['unigram']:.2f}")
    ax.legend(handles=styles + ax.get_legend_handles_labels()[0], fontsize=9)
    ax.set(title=f"Loss curves (mean of {len(results['seeds'])} seed(s); band +-1 std)",
           xlabel="update (Adagrad step)", ylabel="loss (nats/char)", ylim=(0, 1.15 * np.median(first)))
    budget, jitter = config.get("iterations"), np.linspace(-0.2, 0.2, len(results["seeds"]))
    panels = [(axes.flat[1], "heldout_loss", 1, f"Held-out loss after {budget} updates (lower is better)",
               f"loss on the last {config.get('heldout_chars')} characters (nats/char)"),
              (axes.flat[2], "iters", 1, f"Updates until the smoothed training loss <= {s['threshold']:.2f} "
               "nats/char", "updates (lower is faster)"),
              (axes.flat[3], "recall", 100, f"Recall after {config.get('delay')} distractors",
               "held-out recall accuracy (%, higher is better)")] if full else []
    for ax, k, scale, title, ylabel in panels:
        mean, std = (np.nan_to_num([scale * st[m][k][j] for m in models]) for j in (0, 1))
        ax.bar(models, mean, yerr=std, capsize=5, color=[colors[m] for m in models], alpha=0.85)
        for j, m in enumerate(models):
            ax.plot(j + jitter, scale * np.array(st[m]["values"][k]), "k.", ms=5, label=j * "_" + "one seed")
            if k == "iters":
                ax.text(j, mean[j] + std[j] + 0.03 * budget, f"{st[m]['reached']}/{st[m]['seeds']} seeds",
                        ha="center", fontsize=8.5)
        low, high = min(mean - std), max(mean + std)             # the loss axis is zoomed: it starts above 0
        ax.set(title=title, ylabel=ylabel, ylim={"recall": (0, 135), "iters": (0, 1.15 * budget)}.get(
            k, (max(0, 1.4 * low - 0.4 * high - 0.05), 1.4 * high - 0.4 * low + 0.05)))
    if full:
        axes[1, 0].axhline(budget, color="gray", ls=":", lw=1, label=f"budget ({budget} updates)")
        axes[1, 1].axhline(100 * s["chance"], color="red", ls="--", lw=1.2, label=f"chance {s['chance']:.0%}")
        axes[1, 1].set_yticks(range(0, 101, 20))
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        if ax is not axes[0, 0]:
            ax.legend(loc="upper right", fontsize=9)
    fig.legend([plt.Rectangle((0, 0), 1, 1, color=colors[m]) for m in models],
               [f"{m}: {MODELS[m].__name__}" if m in MODELS else m for m in models], loc="lower center",
               ncol=min(len(models), 4), fontsize=9.5, frameon=False)
    fig.tight_layout(rect=(0, 0.07 if full else 0.09, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)

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
    p = OneLineErrorParser(prog=os.path.basename(__file__), description="Exercise 3: the full LSTM, its "
                           "variants and a vanilla RNN trained alike over seeds.", epilog="Prints a line per "
                           f"run, a table, samples and conclusions from the numbers; saves {FIGURE}.")
    p.add_argument("--seed", type=int, default=SEED, help="the first seed; then seed+1, ... (default 0)")
    p.add_argument("--seeds", type=int, help=f"number of seeds (default {N_SEEDS})")
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS), metavar="NAME",
                   help=f"any of {' '.join(MODELS)} (default: all)")
    p.add_argument("--iterations", type=int, help=f"language-model updates per run (default {ITERATIONS})")
    p.add_argument("--memory-iterations", type=int, help=f"memory-task updates (default {MEMORY_ITERATIONS})")
    p.add_argument("--delay", type=int, help=f"distractors in the memory task (default {DELAY})")
    p.add_argument("--learning-rate", type=float, default=LEARNING_RATE, help="Adagrad step (default 0.1)")
    p.add_argument("--quick", action="store_true", help=f"a smoke run: {QUICK['seeds']} seeds, "
                   f"{QUICK['iterations']} + {QUICK['memory_iterations']} updates, delay {QUICK['delay']}")
    p.add_argument("--outdir", default=OUTDIR, help="where the figure is saved (default %(default)s)")
    p.add_argument("--show", action="store_true", help="also open the figure in a window")
    return p

def run(args):
    """Check every flag before any work, run the study, print the report and save the figure."""
    default = QUICK if args.quick else dict(seeds=N_SEEDS, iterations=ITERATIONS,
                                            memory_iterations=MEMORY_ITERATIONS, delay=DELAY)
    n = {k: check_int("--" + k.replace("_", "-"), v if getattr(args, k) is None else getattr(args, k),
                      high={"seeds": MAX_SEEDS, "delay": MAX_DELAY}.get(k, MAX_ITERATIONS))
         for k, v in default.items()}
    seeds = list(range(check_int("--seed", args.seed, low=0), args.seed + n["seeds"]))
    learning_rate = check_float("--learning-rate", args.learning_rate)
    models, path = list(dict.fromkeys(args.models)), os.path.join(prepare_outdir(args.outdir), FIGURE)
    print(f"{len(models)} models x {len(seeds)} seeds; per run {n['iterations']} language-model updates "
          f"(H={HIDDEN_SIZE}, T={SEQ_LENGTH}, B={BATCH_SIZE}) and {n['memory_iterations']} memory-task "
          f"updates (delay {n['delay']}, B={MEMORY_BATCH_SIZE}); Adagrad lr {learning_rate}"
          + "\n--quick is a smoke run: its budgets are too small for conclusions" * args.quick, flush=True)
    results = run_study(models, seeds, n["iterations"], n["memory_iterations"], n["delay"], HIDDEN_SIZE,
                        learning_rate, log=lambda line: print(line, flush=True))
    print("\n" + ", ".join(f"{m} = {MODELS[m].__name__}" for m in models))
    summary = analyze_results(results)
    print(f"\nSamples (seed {seeds[0]}, temperature {TEMPERATURE}):\n" + "\n".join(
        f"  {m:<4} {results['runs'][m][0]['sample'][:100]!r}" for m in summary["ranking"]))
    write_conclusions(summary)
    seconds = sum(r["seconds"] for runs in results["runs"].values() for r in runs)
    print(f"\n{len(models) * len(seeds)} runs in {seconds:.0f} s; figure: {plot_comparison(results, path)}")
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

# ---- Data: the English text of Exercise 1, last: nobody needs to read it first ------------------------
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

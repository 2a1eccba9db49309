"""Exercise 2: what do the gates of a trained LSTM do? Train, capture, measure, draw, report.

The course's gate-analysis file (TODO 1-13) trains Exercise 1's LSTM on a pattern, captures its gates and
cell state on a test sequence, measures and draws them and answers five questions. The line answering
TODO 10 ends with "(TODO 10)"; the pasted LSTM's read "(Ex1 TODO n)". The stub's driver runs on
these functions as they are: create_repeating_pattern("abc", repeats=20), train_and_capture_gates,
analyze_gates, write_report. Then the same LSTM learns English text: word boundaries against inside words.

    f_t = sigmoid(Wf . [h_prev, x_t] + bf)     forget gate: near 1 KEEPS the old cell, near 0 erases it
    i_t = sigmoid(Wi . [h_prev, x_t] + bi)     input gate: how much of the candidate C_tilde to write
    C_t = f_t * C_prev + i_t * C_tilde         C_tilde = tanh(Wc . [h_prev, x_t] + bc)
    h_t = o_t * tanh(C_t)                      output gate o_t = sigmoid(Wo . [h_prev, x_t] + bo)
A gate above 0.9 is open, below 0.1 closed ("saturated"); a unit open (closed) on 95% of steps is "always".

`python exercise_02_solution.py` (about 16 s; --quick 6 s) prints progress, gate statistics and five answers
per model and the word boundaries; it saves heatmaps of f_t, i_t, o_t, C_t as outputs/ex2_gates_*.png.
"""

import argparse
import math
import os
import sys
import tempfile
import textwrap
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")    # one thread is faster for these small matmuls
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font

SEED = 0
CLIP_VALUE = 5.0           # elementwise gradient clipping to [-5, 5], as the course teaches
PATTERN, REPEATS, HIDDEN_SIZE, PATTERN_ITERATIONS = "abc", 20, 32, 500    # the stub's values
ITERATIONS, QUICK_ITERATIONS, BATCH_SIZE = 3000, 400, 16   # the text model's updates, windows per update
SEQ_LENGTH, LEARNING_RATE = 25, 0.1        # characters per window; Adagrad step
GATES = ("forget", "input", "output")
OPEN, CLOSED, ALWAYS = 0.9, 0.1, 0.95    # saturated open, closed; "always": on this share of steps
MIN_COUNT = 5              # per-character means use the characters read at least this often
WINDOW, MAX_TEXT, OUTDIR = 80, 10 ** 6, "outputs"   # characters per heatmap; longest pattern text

# ---- Numerics and argument checks ------------------------------------------------------------------
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

# ---- The model -------------------------------------------------------------------------------------
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

# ---- Training ----------------------------------------------------------------------------------------
class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""

def train(model, ids, iterations, batch_size=1, learning_rate=LEARNING_RATE, seed=SEED, log=print):
    """Adagrad on random windows: each update reads batch_size windows of SEQ_LENGTH characters (all of a
    shorter text) at random places of ids (N,), from zero states; batch_size=1 is the stub's loop.
    Returns the model. Raises TrainingDiverged when the loss stops being finite."""
    iterations, B = check_int("num_iterations", iterations), check_int("batch_size", batch_size)
    ids, learning_rate = check_ids("ids", ids, model.input_size), check_float("learning_rate", learning_rate)
    if ids.ndim != 1 or len(ids) < 2:
        raise ValueError(f"ids: expected a (N,) text of 2 or more characters, got shape {ids.shape}")
    T, zeros = min(SEQ_LENGTH, len(ids) - 1), np.zeros((B, model.hidden_size))   # a shorter text: all of it
    rng, running, start = np.random.default_rng(seed), math.log(model.output_size), time.time()
    with np.errstate(over="ignore", invalid="ignore"):           # a blow-up shows as a non-finite loss
        for n in range(iterations):                                                       # (TODO 4)
            window = rng.integers(0, len(ids) - T, B) + np.arange(T)[:, None]   # (T, B) positions (TODO 5)
            loss = model.forward(ids[window], ids[window + 1], zeros, zeros)            # (TODO 6)
            if not math.isfinite(loss):
                raise TrainingDiverged(f"loss {loss} at update {n + 1}; try a smaller learning_rate")
            model.backward()                                                            # (TODO 7)
            model.update_weights(learning_rate)                                         # (TODO 8)
            running = 0.9 * running + 0.1 * loss / (T * B)             # loss/char, a moving average
            if log and (n + 1) % max(1, iterations // 5) == 0:
                log(f"  iter {n + 1}/{iterations}  loss/char {running:.2f}  "
                    f"{(n + 1) * T * B / (time.time() - start) / 1e3:.1f}k chars/s")
    return model

# ---- The course's exercise file: its four functions ------------------------------------------------
def create_repeating_pattern(pattern="abc", repeats=10):
    """`pattern` repeated `repeats` times: (text, char_to_idx, idx_to_char), dicts over sorted(set(text))."""
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"pattern: expected a non-empty string, got {pattern!r:.40}")
    text = pattern * check_int("repeats", repeats, high=MAX_TEXT // len(pattern))        # (TODO 1)
    chars = sorted(set(text))
    return text, {ch: k for k, ch in enumerate(chars)}, dict(enumerate(chars))           # (TODO 2)

def train_and_capture_gates(text, char_to_idx, hidden_size=32, num_iterations=500, seed=SEED, log=print):
    """Train Exercise 1's LSTM on `text`, then read test_seq = text[:20] once from zero states. Returns
    (lstm, gates_dict, cell_states, test_seq): gates_dict {'forget', 'input', 'output'} -> (T, H) arrays,
    row t the gate while reading test_seq[t]; cell_states (T, H)."""
    lstm = LSTMFromScratch(len(char_to_idx), hidden_size, len(char_to_idx), seed=seed)   # (TODO 3)
    ids = encode("text", text, char_to_idx, len(char_to_idx))
    train(lstm, ids, num_iterations, seed=seed, log=log)                                 # (TODO 4)
    test_seq = text[:20]
    capture = capture_gate_activations(lstm, test_seq, char_to_idx)                      # (TODO 9)
    gates_dict = {gate: capture[gate] for gate in GATES}                                 # (TODO 10)
    return lstm, gates_dict, capture["cell"], test_seq                                   # (TODO 10)

def analyze_gates(gates_dict, cell_states, sequence, path=None, title="Gate activations", log=print):
    """Print gate statistics (returned, as `analyze_gate_patterns` gives them) and draw the heatmaps, saved at
    `path`: gates_dict {'forget', 'input', 'output'} -> (T, H) or T vectors (H,), cell_states (T, H)."""
    gates, chars = check_gates("gates_dict", gates_dict, "sequence", sequence)
    cells = check_state("cell_states", cell_states, gates["forget"].shape)
    stats = analyze_gate_patterns({**gates, "chars": chars})                             # (TODO 12)
    visualize_gates({**gates, "cell": cells, "chars": chars}, path, title)               # (TODO 11)
    log(f"\ngate statistics, {stats['steps']} steps x {stats['units']} units, from {''.join(chars)[:30]!r}\n"
        f"  gate     mean   std  open (>{OPEN})  closed (<{CLOSED})  units always open / closed")
    for gate, g in stats["gates"].items():
        log(f"  {gate:<7} {g['mean']:5.2f} {g['std']:5.2f} {g['open']:10.1%} {g['closed']:13.1%}"
            f"  {len(stats['always_open'][gate]):7} / {len(stats['always_closed'][gate])}")
    return stats

def write_report(gates_dict, sequence, log=print):
    """Short answers to the stub's five report questions, every number computed from gates_dict and sequence
    (as for `analyze_gates`). Prints them; returns {'analysis': ..., 'answers': [(question, answer), ...]}."""
    gates, chars = check_gates("gates_dict", gates_dict, "sequence", sequence)
    a = analyze_gate_patterns({**gates, "chars": chars})
    g, saturated = a["gates"], {k: a["gates"][k]["open"] + a["gates"][k]["closed"] for k in GATES}
    overall = sum(saturated.values()) / len(GATES)
    answers = [                                                                          # (TODO 13)
        ("Which gate is most open on average?", f"the {max(GATES, key=lambda k: g[k]['mean'])} gate ("
         + ", ".join(f"{k} {g[k]['mean']:.2f}" for k in GATES) + "). f_t near 1 keeps the cell: the cells "
         + ("keep more than they erase" if g["forget"]["mean"] > 0.55 else "erase more than they keep" if
            g["forget"]["mean"] < 0.45 else "keep about as much as they erase (forget mean 0.45 to 0.55)")),
        ("Do units specialise: always open or always closed?", f"of {a['units']} units, open / closed on "
         f"{ALWAYS:.0%} of the steps: " + "; ".join(f"{k} {a['always_open'][k] or 'none'} / "
                                                   f"{a['always_closed'][k] or 'none'}" for k in GATES)),
        ("How do the gates respond to specific characters?", char_answer(a["per_char"])),
        ("Do the forget and input gates move against each other?", f"r(f, i) = {a['r_pooled']:+.2f} pooled "
         f"over unit-steps, {a['r_within']:+.2f} within units over time (mean): " + ("yes, r < -0.1 in both"
         if max(a["r_pooled"], a["r_within"]) < -0.1 else "not consistently (that takes r < -0.1 in both)")),
        ("Do the gates act like on/off switches?", f"{overall:.0%} of the gate values are saturated ("
         + ", ".join(f"{k} {s:.0%}" for k, s in saturated.items()) + "): "
         + ("mostly switches" if overall > 0.5 else "mostly graded values, not switches")),
    ]
    log(f"\nreport on the {len(chars)} steps from {''.join(chars)[:30]!r}")
    for k, (question, answer) in enumerate(answers, 1):
        log(f"  {k}. {question}\n" + textwrap.indent(textwrap.fill(answer, 100), "     "))
    return {"analysis": a, "answers": answers}

def char_answer(per_char):
    """Each gate's range of means over the characters read MIN_COUNT+ times, the widest first."""
    ranges = sorted(((max(v.values()) - min(v.values()), k, min(v, key=v.get), max(v, key=v.get))
                     for k, v in per_char.items() if v), reverse=True)
    return "mean by character, widest range first: " + "; ".join(
        f"{k} {per_char[k][lo]:.2f} on {lo!r} to {per_char[k][hi]:.2f} on {hi!r}" for _, k, lo, hi in ranges
    ) if ranges else f"too short to say: no character occurs {MIN_COUNT} times"

# ---- The course's solution index: capture, analyse, draw, compare ----------------------------------
def encode(name, text, char_to_idx, size):
    """text -> (T,) ids below `size`; ValueError naming `name` for an empty text or unknown characters."""
    unknown = "".join(sorted(set(text) - set(char_to_idx))) if isinstance(text, str) else ""
    if not isinstance(text, str) or not text or unknown:
        raise ValueError(f"{name}: expected a non-empty string of characters in char_to_idx, got "
                         + (f"{len(unknown)} others: {unknown!r:.50}" if unknown else f"{text!r:.40}"))
    return check_ids("char_to_idx", [char_to_idx[ch] for ch in text], size)

def capture_gate_activations(model, text, char_to_idx, h0=None, C0=None):
    """Run `model` once over `text` from the (H,) states h0, C0 (zeros if None), keeping every unit's gates.
    Returns {'chars': the T characters, 'forget', 'input', 'output', 'cell': (T, H) arrays, row t the step
    that reads chars[t]; 'loss': nats per character of predicting text[1:]}."""
    ids, H = encode("text", text, char_to_idx, model.input_size), model.hidden_size
    h0, C0 = (np.zeros(H) if s is None else check_state(n, s, (H,)) for n, s in (("h0", h0), ("C0", C0)))
    loss = model.forward(ids, np.append(ids[1:], -1), h0, C0)     # the last step has no target (TODO 9)
    return {"chars": list(text), "forget": model.f_gates.copy(), "input": model.i_gates.copy(),   # (TODO 10)
            "output": model.o_gates.copy(), "cell": model.C_states[1:].copy(),                    # (TODO 10)
            "loss": loss / max(1, len(ids) - 1)}

def check_gates(name, gates, chars_name=None, chars=None):
    """The three gates as (T, H) float arrays of one shape with values in [0, 1], and chars (by default
    gates['chars']) as a list of T characters; otherwise ValueError naming the caller's argument."""
    if chars_name is None:
        chars_name, chars = f"{name}['chars']", gates.get("chars") if isinstance(gates, dict) else None
    try:
        arrays = {gate: np.asarray(gates[gate], dtype=np.float64) for gate in GATES}
        shape = arrays["forget"].shape
    except (TypeError, KeyError, IndexError, ValueError):
        arrays, shape = {}, ()
    if len(shape) != 2 or 0 in shape or any(a.shape != shape or not ((a >= 0) & (a <= 1)).all()
                                            for a in arrays.values()):
        raise ValueError(f"{name}: expected 'forget', 'input', 'output' as (T, H) arrays of one shape, values"
                         f" in [0, 1], got {[a.shape for a in arrays.values()] or type(gates).__name__}")
    if not isinstance(chars, (str, list, tuple)) or len(chars) != shape[0]:
        raise ValueError(f"{chars_name}: expected the {shape[0]} characters read, one per step, got "
                         f"{len(chars) if isinstance(chars, (str, list, tuple)) else type(chars).__name__}")
    return arrays, list(chars)

def correlation(a, b):
    """Pearson r over axis 0: (T,) arrays -> one r, (T, H) -> (H,), one per unit; NaN where one is flat."""
    a, b = a - a.mean(0), b - b.mean(0)
    norm = np.sqrt((a * a).sum(0) * (b * b).sum(0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norm > 1e-12, np.clip((a * b).sum(0) / norm, -1, 1), np.nan)

def analyze_gate_patterns(activations):
    """What the gates do over one capture (a dict with 'chars' and the three (T, H) gates). Returns {'steps':
    T, 'units': H, 'gates': {gate: {'mean', 'std', 'open': share > 0.9, 'closed': share < 0.1}} over all
    unit-steps, 'always_open', 'always_closed': {gate: [units open (closed) on 95%+ of steps]}, 'per_char':
    {gate: {char: mean}} over characters read MIN_COUNT+ times, 'r_pooled': Pearson r of f_t and i_t over
    all unit-steps, 'r_within': the mean over units of r over time (flat units left out)}."""
    g, chars = check_gates("activations", activations)
    f, i, chars = g["forget"], g["input"], np.array(chars)
    symbols, counts = np.unique(chars, return_counts=True)
    within = correlation(f, i)[~np.isnan(correlation(f, i))]
    return {"steps": f.shape[0], "units": f.shape[1],
            "gates": {k: {"mean": float(v.mean()), "std": float(v.std()),                       # (TODO 12)
                          "open": float((v > OPEN).mean()), "closed": float((v < CLOSED).mean())}  # (TODO 12)
                      for k, v in g.items()},
            "always_open": {k: np.flatnonzero((v > OPEN).mean(0) >= ALWAYS).tolist() for k, v in g.items()},
            "always_closed": {k: np.flatnonzero((v < CLOSED).mean(0) >= ALWAYS).tolist()
                              for k, v in g.items()},
            "per_char": {k: {str(ch): float(v[chars == ch].mean()) for ch in symbols[counts >= MIN_COUNT]}
                         for k, v in g.items()},
            "r_pooled": float(correlation(f.ravel(), i.ravel())),
            "r_within": float(within.mean()) if within.size else math.nan}

def compare_gates_across_contexts(activations):
    """Gate means at word boundaries (steps that read no letter or digit) and inside words, in a capture
    (a dict with 'chars' and the three (T, H) gates). Returns {'counts': {'boundary', 'inside': steps},
    'means': {'boundary', 'inside': {gate: mean}}, 'forget_unit': {'unit', 'boundary', 'inside'}: the
    unit whose mean f_t differs most between the two}, or None when one context has no step."""
    gates, chars = check_gates("activations", activations)
    masks = {"boundary": np.array([not ch.isalnum() for ch in chars])}
    masks["inside"] = ~masks["boundary"]
    if not all(m.any() for m in masks.values()):
        return None
    forget = {c: gates["forget"][m].mean(0) for c, m in masks.items()}             # (H,) per context
    k = int(np.argmax(np.abs(forget["boundary"] - forget["inside"])))
    return {"counts": {c: int(m.sum()) for c, m in masks.items()},
            "means": {c: {g: float(v[m].mean()) for g, v in gates.items()} for c, m in masks.items()},
            "forget_unit": {"unit": k, **{c: float(v[k]) for c, v in forget.items()}}}

# ---- Plotting and the printed report ---------------------------------------------------------------
def visualize_gates(activations, path=None, title="Gate activations", start=0, length=WINDOW):
    """Heatmaps of f_t, i_t, o_t and C_t, units against time, over steps start .. start + length - 1 of a
    capture (a dict with 'chars', the three gates and 'cell', (T, H) each), with colour bars and the
    characters read as time labels. Saves a PNG at `path` if given; returns the Figure, left open."""
    gates, chars = check_gates("activations", activations)
    cell = check_state("activations['cell']", activations.get("cell"), gates["forget"].shape)
    T, H = cell.shape
    steps = slice(check_int("start", start, low=0, high=T - 1), start + check_int("length", length))
    # '?' for a character the font cannot draw: matplotlib would warn once per missing glyph.
    font, symbol = FT2Font(findfont(FontProperties(family="monospace"))), {" ": "\u2423", "\n": "\u21b5"}
    labels = [s if font.get_char_index(ord(s)) else "?" for s in (symbol.get(ch, ch) for ch in chars[steps])]
    c_max = max(float(np.abs(cell[steps]).max()), 1e-6)
    fig, axes = plt.subplots(4, 1, figsize=(max(8, 0.17 * len(labels) + 2.5), 12), sharex=True,
                             layout="constrained")
    for ax, values, name, cmap, low, high in zip(axes, [gates[k] for k in GATES] + [cell], (
            "forget gate f_t (1: keep the cell, 0: erase it)", "input gate i_t (1: write the candidate)",
            "output gate o_t (1: show the cell in h_t)", "cell state C_t (red > 0 > blue)"),
            ["viridis"] * 3 + ["RdBu_r"], [0] * 3 + [-c_max], [1] * 3 + [c_max]):
        image = ax.imshow(values[steps].T, aspect="auto", cmap=cmap, vmin=low, vmax=high)   # (TODO 11)
        fig.colorbar(image, ax=ax, label=name.split()[2], pad=0.01)
        ax.set(title=name, ylabel=f"unit (of {H})")
    axes[-1].set_xticks(range(len(labels)), labels, fontfamily="monospace", fontsize=9)
    axes[-1].set_xlabel(f"character read at step t (steps {start}-{start + len(labels) - 1} of {T}; "
                        f"\u2423 space, \u21b5 newline, ? a character the font cannot draw)")
    fig.suptitle(title, fontsize=13)
    if path:
        fig.savefig(path, dpi=110)
    return fig

def run_study(iterations, seed, log=print):
    """The stub's flow on "abc" x 20, then the same LSTM trained on English text, and its gates at word
    boundaries. Returns plain data for `present`."""
    started = time.time()
    log(f"[1/2] pattern model: {PATTERN!r} x {REPEATS}, {PATTERN_ITERATIONS} updates of one window")
    text, char_to_idx, _ = create_repeating_pattern(PATTERN, REPEATS)
    _, gates_dict, cell_states, test_seq = train_and_capture_gates(text, char_to_idx, HIDDEN_SIZE,
                                                                   PATTERN_ITERATIONS, seed, log)
    corpus, corpus_idx, _ = create_repeating_pattern(DEFAULT_CORPUS, 1)   # a text is a pattern read once
    V = len(corpus_idx)
    log(f"[2/2] text model: the built-in text, {iterations} updates of {BATCH_SIZE} windows")
    model = train(LSTMFromScratch(V, HIDDEN_SIZE, V, seed=seed), encode("text", corpus, corpus_idx, V),
                  iterations, BATCH_SIZE, seed=seed, log=log)
    text_acts = capture_gate_activations(model, corpus, corpus_idx)
    return {"pattern": {**gates_dict, "cell": cell_states, "chars": list(test_seq)}, "text": text_acts,
            "contexts": compare_gates_across_contexts(text_acts), "iterations": iterations, "seed": seed,
            "V": V, "seconds": time.time() - started}

def present(r, outdir):
    """Print `run_study`'s results and save the two heatmaps."""
    paths = [os.path.join(outdir, f"ex2_gates_{name}.png") for name in ("pattern", "text")]
    for acts, path, what in ((r["pattern"], paths[0], f"pattern model after {PATTERN_ITERATIONS} updates"),
                             (r["text"], paths[1], f"text model after {r['iterations']} updates")):
        analyze_gates(acts, acts["cell"], acts["chars"], path, f"Exercise 2: the {what}, seed {r['seed']}")
        write_report(acts, acts["chars"])
    n, means, unit = (r["contexts"][key] for key in ("counts", "means", "forget_unit"))   # the text has both
    print(f"\ntext model, word boundaries / inside words ({n['boundary']:,} / {n['inside']:,} steps)\n  "
          + ", ".join(f"{g} {means['boundary'][g]:.2f} / {means['inside'][g]:.2f}" for g in GATES)
          + f"; forget unit {unit['unit']} differs most: {unit['boundary']:.2f} / {unit['inside']:.2f}")
    print(f"\nsummary: {r['seconds']:.1f} s, H={HIDDEN_SIZE}, seed {r['seed']}; the text model's loss/char "
          f"on its text {r['text']['loss']:.2f} (uniform guess {math.log(r['V']):.2f})\n  figures: "
          + ", ".join(paths))

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

def main(argv=None):
    p = OneLineErrorParser(prog=os.path.basename(__file__), description="Exercise 2: gate statistics, five"
                           " answers and heatmaps (ex2_gates_*.png) of Exercise 1's LSTM, pattern and text.")
    p.add_argument("--seed", type=int, default=SEED, help="seeds weights and windows (default %(default)s)")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_ITERATIONS} updates of the text model")
    p.add_argument("--outdir", default=OUTDIR, help="where the figures go (default %(default)s)")
    p.add_argument("--show", action="store_true", help="also open the figures in windows")
    args = p.parse_args(argv)
    if not args.show:
        plt.switch_backend("Agg")                                # headless unless --show
    try:                                                         # every argument is checked before training
        seed, outdir = check_int("--seed", args.seed, low=0, high=2 ** 32 - 1), prepare_outdir(args.outdir)
        present(run_study(QUICK_ITERATIONS if args.quick else ITERATIONS, seed), outdir)
    except ValueError as err:                                    # bad input: one line, exit code 2
        print(f"{p.prog}: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:
        print(f"{p.prog}: {err}", file=sys.stderr)
        return 1
    if args.show:
        plt.show()
    plt.close("all")
    return 0

# ---- Data: an English text written for this pack, so that samples can show real words --------------
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

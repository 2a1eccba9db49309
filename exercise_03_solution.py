"""Exercise 3: a gate ablation study. What does each LSTM gate buy? Measured over seeds.

It answers the course's exercise file: three LSTMs that each fix one gate at 1 (TODO 1-3), a
training loop (TODO 4 below), four models trained alike (5-9), a loss plot (10), an analysis (11)
and conclusions (12); each line that answers TODO n ends with "(TODO n)", so grep finds it.
Each model is Exercise 1's LSTMFromScratch (first below, unchanged) with one equation changed
through its hooks gates/gates_backward, hidden/hidden_backward; concat = [h_prev, x_t]:
    LSTM  f_t, i_t, o_t = sigmoid(W. concat + b.),  C_tilde = tanh(Wc concat + bc),
          C_t = f_t * C_prev + i_t * C_tilde,  h_t = o_t * tanh(C_t)
    NFG   f_t = 1          NIG  i_t = 1          NOG  o_t = 1
    CIFG  i_t = 1 - f_t    NOAF h_t = o_t * C_t (Greff et al. 2017's two further variants)
    RNN   f_t = 0, i_t = o_t = 1, h_t = C_t, so h_t = tanh(Wc concat + bc)
    all   y_t = softmax(Wy h_t + by),  loss = - sum_t ln y_t[target_t]  (nats)
A gate fixed at 1 has sigmoid' = s (1 - s) = 0: its weights get no gradient and never move.

run_ablation_study trains every model with every seed alike on a character-level language model
(first 90% of a built-in text; loss per character on the rest) and a memory task (name the first
of delay + 2 symbols at the last; held-out recall). It prints a line per run, a table, samples,
answers to the exercise's questions and verdicts on the course's claims from the numbers, and
saves ex3_comparison.png (loss curves, held-out loss, updates to a threshold, recall).
    python exercise_03_solution.py             # 7 models x 3 seeds, about 2 min
    python exercise_03_solution.py --quick     # a smoke run, about 6 s
    python exercise_03_solution.py --check my_exercise_03.py   # grade your file, TODO by TODO
"""
import math
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matmuls: more threads only add overhead
import numpy as np
import matplotlib.pyplot as plt
from numpy.random import SeedSequence

SEED = 0
CLIP_VALUE = 5.0           # elementwise gradient clipping to [-5, 5], as the course teaches
N_SEEDS = 3
HIDDEN_SIZE = 32
SEQ_LENGTH = 25            # characters per BPTT window; the stub sums its loss over one window
BATCH_SIZE = 16            # parallel streams through the training text in the study
LEARNING_RATE = 0.1        # Adagrad step, the same for every model and task
ITERATIONS = 700           # language-model updates: near the full LSTM's held-out minimum
HELDOUT_FRACTION = 0.1     # the last 10% of the text is never trained on
EVAL_EVERY = 50            # updates between held-out measurements
LOSS_THRESHOLD = 2.0       # nats/char: "converged" when the smoothed training loss reaches it
SMOOTHING = 0.05           # weight of the newest update in the smoothed (EMA) training loss
SATURATED = 0.95           # a cell value C_t is saturated when |tanh(C_t)| > this
DELAY = 20                 # distractors between the recall symbol and the query
N_RECALL, N_DISTRACTORS = 4, 4                 # chance recall = 1 / N_RECALL
MEMORY_BATCH_SIZE, MEMORY_ITERATIONS = 32, 1500
MEMORY_EVAL_SEQUENCES, MEMORY_EVAL_SEED = 200, 12345   # one held-out set for every model, seed
SAMPLE_LENGTH, TEMPERATURE = 200, 0.7
OUTDIR, FIGURE = "outputs", "ex3_comparison.png"

# ---- Exercise 1's LSTMFromScratch, unchanged; Exercise 3 starts below it at class LSTMNoForget --
def sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp(-|x|) is in (0, 1], each branch exact in its tail."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

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
        self.rng = np.random.default_rng(check_int("seed", seed, low=0, high=2 ** 63))
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

# ---- The variants: Exercise 1's class with one equation changed through its hooks --------------
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

# The names in the course's solutions list: the same classes, not copies.
LSTMNoForgetGate, LSTMNoInputGate, LSTMNoOutputGate = LSTMNoForget, LSTMNoInput, LSTMNoOutput

class LSTMCoupledGates(LSTMFromScratch):
    """CIFG: i_t = 1 - f_t, the cell writes as much as it forgets; d loss / d f_t = df - di."""
    UNUSED = ("Wi", "bi")
    def gates(self, concat):
        f_t, _, C_tilde, o_t = super().gates(concat)
        return f_t, 1.0 - f_t, C_tilde, o_t

    def gates_backward(self, concat, gates, dgates):
        df, di, dC_tilde, do = dgates
        return super().gates_backward(concat, gates, (df - di, np.zeros_like(di), dC_tilde, do))

class LSTMNoOutputActivation(LSTMFromScratch):
    """NOAF: h_t = o_t * C_t, the cell shown without its tanh: h_t is no longer bounded by 1."""
    def hidden(self, o_t, C_t):
        return o_t * C_t

    def hidden_backward(self, dh, o_t, C_t):
        return dh * C_t, dh * o_t                    # d loss / d o_t, d loss / d C_t via h_t

class VanillaRNN(LSTMFromScratch):
    """Elman's RNN, h_t = tanh(Wc concat + bc): f_t = 0, i_t = o_t = 1, h_t = C_t = C_tilde."""
    UNUSED = ("Wf", "bf", "Wi", "bi", "Wo", "bo")
    def gates(self, concat):
        C_tilde = np.tanh(concat @ self.Wc.T + self.bc)
        return np.zeros_like(C_tilde), np.ones_like(C_tilde), C_tilde, np.ones_like(C_tilde)

    def hidden(self, o_t, C_t):
        return C_t

    def hidden_backward(self, dh, o_t, C_t):
        return np.zeros_like(dh), dh

def count_parameters(model):
    """Trainable scalars: the weights a variant leaves unused (its UNUSED) never move."""
    unused = getattr(model, "UNUSED", ())
    return sum(getattr(model, n).size for n in model.PARAM_NAMES if n not in unused)

MODELS = {"LSTM": LSTMFromScratch, "NFG": LSTMNoForget, "NIG": LSTMNoInput,   # keys: --models
          "NOG": LSTMNoOutput, "CIFG": LSTMCoupledGates, "NOAF": LSTMNoOutputActivation,
          "RNN": VanillaRNN}

# ---- The exercise file's functions (TODO 4-9) ---------------------------------------------------
def train_model(model, text, char_to_idx, num_iterations=1000, streams=1, rng=None,
                heldout=None, learning_rate=LEARNING_RATE):
    """Truncated BPTT through `text` (a str of 2+ keys of char_to_idx) in `streams` streams, each
    from an offset drawn from rng (default: seeded with SEED), carrying h and C from window to
    window (SEQ_LENGTH characters), restarting from zero states at the text's start. heldout: None
    or (text, curve): every EVAL_EVERY updates, (update, nats/char from zero states) joins curve.
    Returns num_iterations losses (a list), each summed over a window, mean over streams (nats)."""
    check_training(model, text, char_to_idx, num_iterations, streams, heldout, learning_rate)
    ids = np.array([char_to_idx[ch] for ch in text])
    T = min(SEQ_LENGTH, len(ids) - 1)
    rng = np.random.default_rng(SEED) if rng is None else rng
    pos = rng.integers(0, max(1, len(ids) - T - 1), streams)      # where each stream starts
    h = np.zeros((streams, model.hidden_size))                     # (streams, H)
    C = np.zeros((streams, model.hidden_size))
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):  # a blow-up shows as a non-finite loss
        for n in range(num_iterations):                                            # (TODO 4)
            ended = pos + T + 1 > len(ids)                         # these streams start again
            pos[ended], h[ended], C[ended] = 0, 0.0, 0.0
            window = ids[pos + np.arange(T + 1)[:, None]]          # (T+1, streams)
            inputs, targets = window[:-1], window[1:]              # each next character
            loss = model.forward(inputs, targets, h, C)                            # (TODO 4)
            stop_if_diverged(loss, n, learning_rate)
            model.backward()                                                       # (TODO 4)
            model.update_weights(learning_rate)                     # Adagrad      (TODO 4)
            losses.append(loss / streams)
            h, C = model.h_states[-1].copy(), model.C_states[-1].copy()   # carried over
            pos += T
            if heldout and ((n + 1) % EVAL_EVERY == 0 or n + 1 == num_iterations):
                test = [char_to_idx[ch] for ch in heldout[0]]      # read once, from zeros
                loss = model.forward(test[:-1], test[1:], *[np.zeros(model.hidden_size)] * 2)
                heldout[1].append((n + 1, loss / (len(test) - 1)))
    return losses

STUB_MODELS = {"Baseline": LSTMFromScratch,                                        # (TODO 6)
               "No Forget": LSTMNoForget,                                          # (TODO 7)
               "No Input": LSTMNoInput,                                            # (TODO 8)
               "No Output": LSTMNoOutput}                                          # (TODO 9)

def compare_models(text, char_to_idx, hidden_size=64, num_iterations=1000, seed=SEED):
    """The exercise file's four models trained alike (text, hidden size, seed, budget).
    Returns {'Baseline', 'No Forget', 'No Input', 'No Output'} -> train_model's losses."""
    check_compare(text, char_to_idx, hidden_size, num_iterations, seed)
    V, results = len(char_to_idx), {}
    for name, cls in STUB_MODELS.items():                                          # (TODO 5)
        model = cls(V, hidden_size, V, seed=seed)
        results[name] = train_model(model, text, char_to_idx, num_iterations)
    return results

# ---- The memory task -----------------------------------------------------------------------------
def make_memory_batch(rng, batch_size, delay):
    """(inputs, targets), int (delay + 2, batch_size): a recall symbol (ids 0..N_RECALL-1),
    `delay` distractors (the next N_DISTRACTORS ids), the query (the last id). Targets: the blank
    N_RECALL, and the recall symbol at the query."""
    check_memory_batch(batch_size, delay)
    inputs = rng.integers(N_RECALL, N_RECALL + N_DISTRACTORS, (delay + 2, batch_size))
    inputs[0] = rng.integers(0, N_RECALL, batch_size)
    inputs[-1] = N_RECALL + N_DISTRACTORS
    targets = np.full_like(inputs, N_RECALL)
    targets[-1] = inputs[0]
    return inputs, targets

def train_memory_task(model, iterations, delay, rng, learning_rate=LEARNING_RATE):
    """Adagrad on fresh batches of MEMORY_BATCH_SIZE sequences from zero states (model: input_size
    N_RECALL + N_DISTRACTORS + 1, output_size N_RECALL + 1). Returns (iterations,) nats/sequence."""
    check_memory_training(iterations, learning_rate)
    zeros, losses = np.zeros((MEMORY_BATCH_SIZE, model.hidden_size)), []
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(iterations):
            inputs, targets = make_memory_batch(rng, MEMORY_BATCH_SIZE, delay)
            loss = model.forward(inputs, targets, zeros, zeros)
            stop_if_diverged(loss, n, learning_rate)
            model.backward()
            model.update_weights(learning_rate)
            losses.append(loss / MEMORY_BATCH_SIZE)
    return np.array(losses)

def recall_accuracy(model, delay, n_sequences=MEMORY_EVAL_SEQUENCES, seed=MEMORY_EVAL_SEED):
    """Share of n_sequences held-out sequences (fixed by seed) whose recall is the likeliest."""
    n = check_int("n_sequences", n_sequences, high=4096)
    inputs, targets = make_memory_batch(np.random.default_rng(seed), n, delay)
    with np.errstate(over="ignore", invalid="ignore"):
        model.forward(inputs, targets, *[np.zeros((n, model.hidden_size))] * 2)
    return float(np.mean(model.y_probs[-1].argmax(axis=-1) == targets[-1]))

# ---- The study: every model, every seed, both tasks ----------------------------------------------
def run_ablation_study(models=tuple(MODELS), seeds=(0, 1, 2), iterations=ITERATIONS,
                       memory_iterations=MEMORY_ITERATIONS, delay=DELAY, hidden_size=HIDDEN_SIZE,
                       learning_rate=LEARNING_RATE, log=print):
    """Train every model (keys of MODELS) with every seed (fixing its initialisation, data order
    and sample) on both tasks alike; log takes a line per run. Returns {'config', 'models',
    'seeds', 'runs': {model: [a run per seed]}}; a run holds 'train_loss' (iterations,) and
    'heldout' [(update, loss)] in nats/char, 'heldout_loss' (the last), 'saturation' (share of
    held-out C_t with |tanh C_t| > SATURATED), 'recall' in [0, 1], 'sample', 'params', 'seconds'."""
    models, seeds = check_study(models, seeds, iterations, memory_iterations, delay,
                                hidden_size, learning_rate)
    chars = sorted(set(DEFAULT_CORPUS))
    char_to_idx = {ch: k for k, ch in enumerate(chars)}
    split = len(DEFAULT_CORPUS) - int(len(DEFAULT_CORPUS) * HELDOUT_FRACTION)
    train_text, heldout_text = DEFAULT_CORPUS[:split], DEFAULT_CORPUS[split:]
    runs, jobs = {m: [] for m in models}, [(m, s) for m in models for s in seeds]
    for n, (name, seed) in enumerate(jobs, 1):
        start = time.perf_counter()
        init, data, memory_init, memory_data, sampling = SeedSequence(seed).generate_state(5)
        model, curve = MODELS[name](len(chars), hidden_size, len(chars), seed=init), []
        losses = train_model(model, train_text, char_to_idx, iterations, BATCH_SIZE,
                             np.random.default_rng(data), (heldout_text, curve), learning_rate)
        run = {"train_loss": np.array(losses) / min(SEQ_LENGTH, split - 1), "heldout": curve,
               "heldout_loss": curve[-1][1],       # the held-out pass just run left its C_t:
               "saturation": float(np.mean(np.abs(np.tanh(model.C_states[1:])) > SATURATED))}
        zeros = np.zeros(hidden_size)
        run["sample"] = DEFAULT_CORPUS[0] + "".join(chars[k] for k in model.sample(
            zeros, zeros, char_to_idx[DEFAULT_CORPUS[0]], SAMPLE_LENGTH, TEMPERATURE,
            np.random.default_rng(sampling)))
        memory = MODELS[name](N_RECALL + N_DISTRACTORS + 1, hidden_size, N_RECALL + 1,
                              seed=memory_init)
        train_memory_task(memory, memory_iterations, delay, np.random.default_rng(memory_data),
                          learning_rate)
        run.update(recall=recall_accuracy(memory, delay), params=count_parameters(model),
                   seconds=time.perf_counter() - start)
        runs[name].append(run)
        if log:
            log(progress_line(n, jobs, runs))
    freq = np.bincount([char_to_idx[ch] for ch in train_text]) / split   # character frequencies
    config = dict(iterations=iterations, delay=delay, chance=1 / N_RECALL,
                  heldout_chars=len(heldout_text),                 # the best memoryless loss:
                  unigram=float(-(freq[freq > 0] * np.log(freq[freq > 0])).sum()))
    return {"config": config, "models": models, "seeds": seeds, "runs": runs}

# ---- Analysis ------------------------------------------------------------------------------------
def smooth(values, weight=SMOOTHING):
    """Exponential moving average started at the first value: (N,) -> (N,)."""
    out, running = np.empty(len(values)), values[0]
    for k, value in enumerate(values):
        out[k] = running = (1 - weight) * running + weight * value
    return out

def summarize(results, threshold=LOSS_THRESHOLD):
    """Per model over seeds, for run_ablation_study's or compare_models' results: {'stats':
    {model: {measure: (mean, std ddof=1), 'values': one per seed, 'reached', 'seeds', 'params'}},
    'key' (measure ranked), 'ranking' (best first), 'adjacent' (neighbours compared),
    'reference' ('LSTM' or 'Baseline'), 'vs_reference': {model: {measure: comparison}}, ...}.
    Measures: 'final_loss' (smoothed training loss at the end), 'iters' (updates until it is <=
    threshold, NaN if never), and from the study 'heldout_loss' (the key), 'recall', 'saturation'.
    Comparing a with b: {'worse': b, 'diff': mean b - mean a, 'spread': the larger std,
    'within': |diff| <= spread, None without a spread (one seed)}."""
    threshold, results, stats = check_float("threshold", threshold), as_study(results), {}
    for name in results["models"]:
        runs = results["runs"][name]
        curves = [smooth(r["train_loss"]) for r in runs]
        below = [np.flatnonzero(curve <= threshold) for curve in curves]
        values = {"final_loss": [curve[-1] for curve in curves],
                  "iters": [b[0] + 1.0 if b.size else math.nan for b in below]}
        values.update({k: [r[k] for r in runs] for k in ("heldout_loss", "recall", "saturation")
                       if k in runs[0]})
        finite = {k: np.array(v)[np.isfinite(v)] for k, v in values.items()}
        stats[name] = {k: (v.mean() if v.size else math.nan,
                           v.std(ddof=1) if v.size > 1 else math.nan) for k, v in finite.items()}
        stats[name].update(values=values, reached=len(finite["iters"]), seeds=len(runs),
                           params=runs[0].get("params"))
    key = "heldout_loss" if "heldout_loss" in stats[name] else "final_loss"
    ranking = sorted(stats, key=lambda m: stats[m][key][0])
    ref = next((m for m in ("LSTM", "Baseline") if m in stats), None)

    def compare(a, b, k):
        diff, spread = stats[b][k][0] - stats[a][k][0], max(stats[a][k][1], stats[b][k][1])
        return {"worse": b, "diff": diff, "spread": spread,
                "within": None if math.isnan(spread) else bool(abs(diff) <= spread)}
    measures = (key, "recall", "saturation")
    return {"stats": stats, "key": key, "ranking": ranking, "reference": ref,
            "threshold": threshold, "adjacent": [compare(a, b, key) for a, b in
                                                 zip(ranking, ranking[1:])],
            "vs_reference": {m: {k: compare(ref, m, k) for k in measures if k in stats[m]}
                             for m in stats if ref and m != ref},
            "chance": results["config"].get("chance"), "config": results["config"],
            "seeds": min(s["seeds"] for s in stats.values())}

GATES = {"forget": (("NFG", "No Forget"), "with f_t = 1 the cell can only add, never clear"),
         "input": (("NIG", "No Input"), "with i_t = 1 every candidate is written in full"),
         "output": (("NOG", "No Output"), "with o_t = 1 all of the squashed cell reaches h_t")}

def conclusions(s):
    """The answers to TODO 12's four questions, each with a verdict on the course's claim about
    it, worded from the numbers in summarize's dict `s`: a list of str."""
    st, key, ref, vs, chance = (s[k] for k in "stats key reference vs_reference chance".split())
    gates = {g: m for g, (names, _) in GATES.items() for m in names if m in vs}
    if not gates:
        return ["Q1-Q4: no model with a removed gate was trained: nothing to answer."]
    tasks = {"text": {g: vs[m][key] for g, m in gates.items()},           # diff > 0: worse
             "memory": {g: vs[m]["recall"] for g, m in gates.items() if "recall" in vs[m]}}
    worst, lines = {}, []
    for task, costs in tasks.items():                        # Q1, and "forget is most critical"
        if not costs:
            continue
        sign, scale = (1, 1) if task == "text" else (-1, 100)     # recall: lower is worse
        worst[task] = g = max(costs, key=lambda g: sign * costs[g]["diff"])
        hurt = "none" if sign * costs[g]["diff"] <= 0 else f"the {g} gate" + (
            ", but within the seed spread" if costs[g]["within"] else "")
        label = "text (final training loss)" if task == "text" and key == "final_loss" else task
        lines.append(f"Q1 Which removed gate hurt most on {label}? {hurt} (" + "; ".join(
            f"{gates[g]} {cost(c, scale)}" for g, c in costs.items()) + ").")
        top = max((g for g in costs if g != "forget"), key=lambda g: sign * costs[g]["diff"],
                  default=None)
        if "forget" in costs and top:
            lines.append(f"   Claim 'the forget gate is most critical', on {task}: it " + judge(
                sign * (costs["forget"]["diff"] - costs[top]["diff"]),
                max(costs["forget"]["spread"], costs[top]["spread"]), f"{top} gate") + ".")
    harmed = [t for t in worst if tasks[t][worst[t]]["diff"] != 0 and
              (tasks[t][worst[t]]["diff"] > 0) == (t == "text")]   # Q2: why, from the numbers
    if not harmed:
        lines.append("Q2 Why? Nothing to explain: no removed gate cost anything on either task.")
    for t in harmed:
        g, m = worst[t], gates[worst[t]]
        fit = st[m]["final_loss"][0] - st[ref]["final_loss"][0]
        lines.append(("Q2 Why? " if t == harmed[0] else "   ") + f"{m}: {GATES[g][1]}" + (
            f". Its final training loss is {fit:+.3f} nats/char against {ref}'s: it " + (
                "fits the training text worse too (underfits)." if fit > 0 else "fits the "
                "training text as well or better: its cost is in generalising.") if t == "text"
            else f", distractors too: its recall is {st[m]['recall'][0]:.0%}, chance {chance:.0%}, "
            f"{ref} {st[ref]['recall'][0]:.0%}."))
    claim = "not measured: these results hold losses only; run_ablation_study measures it"
    if "saturation" in st[ref]:
        lines.append(f"   Saturated held-out cell values (|tanh C_t| > {SATURATED}): " + ", ".join(
            f"{m} {st[m]['saturation'][0]:.0%}" for m in [ref] + list(gates.values())) + ".")
    if "input" in gates and "saturation" in st[ref]:
        c = vs[gates["input"]]["saturation"]
        claim = "it " + judge(c["diff"], c["spread"], "full LSTM").replace(
            "cost more", "saturates more") + f" ({gates['input']} {cost(c, 100)})"
    if "input" in gates:
        lines.append(f"   Claim 'the input gate prevents saturation': {claim}.")
    base, works = s["config"].get("unigram"), []     # Q3: better than no context, than chance?
    for g, m in gates.items():
        works.append(f"without the {g} gate {st[m][key][0]:.3f} nats/char")
        if base:
            works[-1] += f" ({'below' if st[m][key][0] < base else 'not below'} the {base:.2f} " \
                "of character frequencies alone)"
        if chance is not None:
            low = st[m]["recall"][0] - np.nan_to_num(st[m]["recall"][1])
            works[-1] += f", recall {st[m]['recall'][0]:.0%} (" + \
                ("above" if low > chance else "not above") + " chance by the seed spread)"
    lines.append(f"Q3 Does it still work without one gate? {ref} {st[ref][key][0]:.3f} nats/char"
                 + (f", recall {st[ref]['recall'][0]:.0%}" if chance is not None else "") + "; "
                 + "; ".join(works) + ".")
    paid = {g: [t for t, costs in tasks.items() if g in costs and costs[g]["within"] is False
                and (costs[g]["diff"] > 0) == (t == "text")] for g in gates}       # Q4
    if s["seeds"] < 2:
        design = "one seed leaves every cost untested against noise (run_ablation_study has more)"
        nog = tasks["text"].get("output", {"diff": math.nan})["diff"]
        control = f"untested on one seed ({nog:+.3f} nats/char)"
    else:
        design = "; ".join(f"the {g} gate pays on " + (" and ".join(t) if t else "neither task "
                                                        "beyond the seed spread")
                           for g, t in paid.items())
        control = (f"holds: removing it costs on {' and '.join(paid['output'])}" if
                   paid.get("output") else "weaker than claimed: removing it costs nothing "
                   "beyond the seed spread")
    lines.append(f"Q4 The design: {design}.")
    if "output" in gates:
        lines.append(f"   Claim 'the output gate gives control': {control}.")
    if "CIFG" in vs:
        c = vs["CIFG"][key]
        lines.append(f"   Coupling i_t = 1 - f_t (CIFG) costs {cost(c)}: " + (
            "one gate can do both jobs." if c["within"] else "untested." if c["within"] is None
            else "the two gates are not redundant here."))
    return lines

def judge(gap, spread, other):
    """A claim that one cost is larger than `other`'s, by `gap`, against the seed spread."""
    if math.isnan(spread):
        return ("holds" if gap > 0 else f"misses: the {other} cost more") + " on one seed"
    if abs(gap) <= spread:
        return f"is not shown: the gap to the {other} is within the seed spread"
    return "holds" if gap > 0 else f"misses: the {other} cost more"

# ---- Printing and plotting ----------------------------------------------------------------------
def analyze_results(results, threshold=LOSS_THRESHOLD):
    """Summarise compare_models' or run_ablation_study's results: final loss, updates to the
    threshold, ranking (for TODO 11). Prints the table; returns summarize's dict."""
    global last_summary
    last_summary = summarize(results, threshold)                                   # (TODO 11)
    print(format_table(last_summary))                                              # (TODO 11)
    return last_summary

last_summary = None        # what write_conclusions() reads when called without arguments

def write_conclusions(summary=None):
    """Print the comparisons, the answers to the four questions and the verdicts on the course's
    claims, worded from `summary`, else from the last analyze_results (for TODO 12)."""
    summary = summary or last_summary
    if summary is None:
        print("\nConclusions: none, nothing has been measured yet.")
        return
    lines = comparisons(summary) + conclusions(summary)                           # (TODO 12)
    print("\nConclusions, from the numbers:\n" + "\n".join("  " + line for line in lines))

def visualize_comparison(results, path=os.path.join(OUTDIR, FIGURE), threshold=LOSS_THRESHOLD):
    """Save a PNG at `path` and return the path: for compare_models' results the loss curves;
    for run_ablation_study's also the held-out loss, updates to the threshold and recall."""
    prepare_outdir(os.path.dirname(path) or ".", "path")
    s, results = summarize(results, threshold), as_study(results)
    models, st, config = results["models"], s["stats"], results["config"]
    full, budget = s["key"] == "heldout_loss", config.get("iterations")
    colors = {m: plt.cm.tab10(k % 10) for k, m in enumerate(models)}
    fig, axes = plt.subplots(*((2, 2) if full else (1, 1)), squeeze=False,
                             figsize=(14, 10) if full else (8, 5.5))
    ax, first = axes[0, 0], []
    for m in models:                                   # mean over seeds, band +-1 std (TODO 10)
        runs = results["runs"][m]
        curves = [("-", np.arange(1, len(runs[0]["train_loss"]) + 1),
                   [smooth(r["train_loss"]) for r in runs])]
        if full:
            curves.append(("--", [u for u, _ in runs[0]["heldout"]],
                           [[v for _, v in r["heldout"]] for r in runs]))
        for style, x, ys in curves:
            mean, std = np.mean(ys, axis=0), np.std(ys, axis=0, ddof=min(1, len(ys) - 1))
            ax.plot(x, mean, style, color=colors[m], lw=1.5)                        # (TODO 10)
            ax.fill_between(x, mean - std, mean + std, color=colors[m], alpha=0.18, lw=0)
            first.append(mean[0])
    ax.axhline(s["threshold"], color="black", ls=":", lw=1, label=f"threshold {s['threshold']:.2f}")
    if full:
        ax.axhline(config["unigram"], color="gray", ls="-.", lw=1,
                   label=f"character frequencies alone, {config['unigram']:.2f}")
    ax.set(title=f"Loss curves (mean of {len(results['seeds'])} seed(s); band +-1 std)",
           xlabel="update (Adagrad step)", ylabel="loss (nats/char)",
           ylim=(0, 1.15 * np.median(first)))
    panels = [("heldout_loss", 1, f"Held-out loss after {budget} updates (lower is better)",
               f"loss on the last {config.get('heldout_chars')} characters (nats/char)"),
              ("iters", 1, f"Updates until the smoothed training loss <= {s['threshold']:.2f} "
               "nats/char", "updates (lower is faster)"),
              ("recall", 100, f"Recall after {config.get('delay')} distractors",
               "held-out recall accuracy (%, higher is better)")] if full else []
    for ax, (k, scale, title, ylabel) in zip(axes.flat[1:], panels):
        mean, std = (np.nan_to_num([scale * st[m][k][j] for m in models]) for j in (0, 1))
        ax.bar(models, mean, yerr=std, capsize=5, color=[colors[m] for m in models], alpha=0.85)
        for j, m in enumerate(models):                 # one dot per seed, beside its bar
            ax.plot(j + np.linspace(-0.2, 0.2, len(results["seeds"])),
                    scale * np.array(st[m]["values"][k]), "k.", ms=5, label=j * "_" + "one seed")
            if k == "iters":
                ax.text(j, mean[j] + std[j] + 0.03 * budget,
                        f"{st[m]['reached']}/{st[m]['seeds']} seeds", ha="center", fontsize=8.5)
        low, high = min(mean - std), max(mean + std)     # the loss axis is zoomed: not from 0
        ax.set(title=title, ylabel=ylabel, ylim={"recall": (0, 135), "iters": (0, 1.15 * budget)}
               .get(k, (max(0, 1.4 * low - 0.4 * high - 0.05), 1.4 * high - 0.4 * low + 0.05)))
    if full:
        axes[1, 0].axhline(budget, color="gray", ls=":", lw=1, label=f"budget ({budget} updates)")
        axes[1, 1].axhline(100 * s["chance"], color="red", ls="--", lw=1.2,
                           label=f"chance {s['chance']:.0%}")
        axes[1, 1].set_yticks(range(0, 101, 20))
    return finish_figure(fig, axes, colors, path)

plot_comparison = visualize_comparison      # the exercise file's name for it (TODO 10)

def main(settings):
    """The demo, after the command line has checked every flag (see cli): the study, the table,
    a sample per model, the conclusions and the figure. Returns the exit code."""
    models, seeds, n = settings["models"], settings["seeds"], settings["budgets"]
    print(study_header(settings), flush=True)
    results = run_ablation_study(models, seeds, n["iterations"], n["memory_iterations"],
                                 n["delay"], HIDDEN_SIZE, settings["learning_rate"],
                                 log=lambda line: print(line, flush=True))
    print("\n" + ", ".join(f"{m} = {MODELS[m].__name__}" for m in models))
    summary = analyze_results(results)
    print(f"\nSamples (seed {seeds[0]}, temperature {TEMPERATURE}):\n" + "\n".join(
        f"  {m:<4} {results['runs'][m][0]['sample'][:100]!r}" for m in summary["ranking"]))
    write_conclusions(summary)
    seconds = sum(r["seconds"] for runs in results["runs"].values() for r in runs)
    path = visualize_comparison(results, os.path.join(settings["outdir"], FIGURE))
    print(f"\n{len(models) * len(seeds)} runs in {seconds:.0f} s; figure: {path}")
    if settings["show"]:
        plt.show()
    return 0


# ---- Tooling: nothing below this line is part of the exercise ----
import argparse
import contextlib
import importlib.util
import inspect
import io
import re
import signal
import sys
import tempfile
import threading
import traceback
import warnings

import matplotlib.figure

MAX_DELAY, MAX_ITERATIONS, MAX_SEEDS, MAX_HIDDEN = 500, 100_000, 100, 1024   # fail fast beyond
QUICK = dict(seeds=3, iterations=40, memory_iterations=80, delay=10)

# ---- Exercise 1's helpers that its class calls at run time, unchanged -------------------------
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

# ---- Argument checks: each public function's arguments, before any work -----------------------
def check_text(name, text, char_to_idx, size):
    """`text` must be a str of 2+ characters, each a key of char_to_idx, with ids in [0, size)."""
    if not isinstance(char_to_idx, dict) or not char_to_idx:
        raise ValueError(f"char_to_idx: expected a non-empty dict from characters to ids, got "
                         f"{type(char_to_idx).__name__}")
    if not isinstance(text, str) or len(text) < 2:
        shown = f"{len(text)} character(s)" if isinstance(text, str) else type(text).__name__
        raise ValueError(f"{name}: expected a str of 2 characters or more, got {shown}")
    missing = sorted(set(text) - set(char_to_idx))
    if missing:
        raise ValueError(f"{name}: expected only keys of char_to_idx, got {missing[:5]!r}")
    check_ids("char_to_idx", [char_to_idx[ch] for ch in set(text)], size)

def check_training(model, text, char_to_idx, num_iterations, streams, heldout, learning_rate):
    """train_model's arguments; ValueError naming the first bad one."""
    check_int("num_iterations", num_iterations, high=MAX_ITERATIONS)
    check_int("streams", streams, high=4096)
    check_float("learning_rate", learning_rate)
    check_text("text", text, char_to_idx, model.input_size)
    if heldout is not None:
        if not (isinstance(heldout, tuple) and len(heldout) == 2 and isinstance(heldout[1], list)):
            raise ValueError(f"heldout: expected None or (text, list), got {heldout!r:.60}")
        check_text("heldout", heldout[0], char_to_idx, model.input_size)

def check_compare(text, char_to_idx, hidden_size, num_iterations, seed):
    """compare_models' arguments; ValueError naming the first bad one."""
    check_int("hidden_size", hidden_size, high=MAX_HIDDEN)
    check_int("num_iterations", num_iterations, high=MAX_ITERATIONS)
    check_int("seed", seed, low=0, high=2 ** 63 - 1)
    check_text("text", text, char_to_idx, len(char_to_idx) if isinstance(char_to_idx, dict) else 0)

def check_memory_batch(batch_size, delay):
    check_int("batch_size", batch_size, high=4096)
    check_int("delay", delay, high=MAX_DELAY)

def check_memory_training(iterations, learning_rate):
    check_int("iterations", iterations, high=MAX_ITERATIONS)
    check_float("learning_rate", learning_rate)

def check_study(models, seeds, iterations, memory_iterations, delay, hidden_size, learning_rate):
    """run_ablation_study's arguments; returns (models, seeds) as lists."""
    models = list(models) if isinstance(models, (list, tuple)) else [models]
    if not models or len(set(models)) < len(models) or not set(models) <= set(MODELS):
        raise ValueError(f"models: expected distinct names from {', '.join(MODELS)}, got {models}")
    seeds = [check_int("seeds", s, low=0, high=2 ** 63 - 1) for s in
             (seeds if isinstance(seeds, (list, tuple, range)) else [seeds])]
    if not seeds or len(set(seeds)) < len(seeds):
        raise ValueError(f"seeds: expected one or more distinct seeds, got {seeds}")
    check_int("iterations", iterations, high=MAX_ITERATIONS)
    check_memory_training(memory_iterations, learning_rate)
    check_int("memory_iterations", memory_iterations, high=MAX_ITERATIONS)
    check_memory_batch(MEMORY_BATCH_SIZE, delay)
    check_int("hidden_size", hidden_size, high=MAX_HIDDEN)
    return models, seeds

class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""

def stop_if_diverged(loss, n, learning_rate):
    if not np.isfinite(loss):
        raise TrainingDiverged(f"the loss became {loss} at iteration {n + 1}; try a smaller "
                               f"--learning-rate (now {learning_rate})")

def as_study(results):
    """run_ablation_study's dict as it is; compare_models' {name: losses per window} as a study
    of one seed; ValueError for anything else."""
    if isinstance(results, dict) and "runs" in results:
        return results
    if not isinstance(results, dict) or not results or not all(
            np.ndim(v) == 1 and len(v) for v in results.values()):
        raise ValueError("results: expected compare_models' dict (name -> list of losses) or "
                         "run_ablation_study's")
    return {"config": {}, "models": list(results), "seeds": [None], "runs": {
        m: [{"train_loss": np.asarray(v, dtype=float) / SEQ_LENGTH}] for m, v in results.items()}}

# ---- Formatting: the printed text and the figure's chrome ------------------------------------
def study_header(settings):
    """The demo's first line: what it is about to run (and a warning under --quick)."""
    n = settings["budgets"]
    return (f"{len(settings['models'])} models x {len(settings['seeds'])} seeds; per run "
            f"{n['iterations']} language-model updates (H={HIDDEN_SIZE}, T={SEQ_LENGTH}, "
            f"B={BATCH_SIZE}) and {n['memory_iterations']} memory-task updates (delay "
            f"{n['delay']}, B={MEMORY_BATCH_SIZE}); Adagrad lr {settings['learning_rate']}"
            + "\n--quick is a smoke run: its budgets are too small for conclusions"
            * settings["quick"])

def progress_line(n, jobs, runs):
    """The line run_ablation_study logs after its n-th of `jobs` (model, seed) runs."""
    (name, seed), run = jobs[n - 1], runs[jobs[n - 1][0]][-1]
    spent = sum(r["seconds"] for done in runs.values() for r in done)
    eta = int(round(spent / n * (len(jobs) - n)))
    return (f"run {n}/{len(jobs)}  {name:<4} seed {seed}  "
            f"train {run['train_loss'][-20:].mean():.2f}  held-out {run['heldout_loss']:.2f} nats/char  recall {run['recall']:.0%}  "
            f"{run['seconds']:.1f} s  eta {eta // 60}:{eta % 60:02d}")

def pm(pair, fmt=".3f", scale=1, unit=""):
    """'mean +- std' of a (mean, std) pair times scale; the mean alone when the std is NaN."""
    mean, std = (scale * x for x in pair)
    return f"{mean:{fmt}}{unit}" + ("" if math.isnan(std) else f" +- {std:{fmt}}{unit}")

def cost(c, scale=1):
    """A comparison as '+0.231 nats/char, beyond the spread 0.030' (scale 100: recall points)."""
    fmt, unit = (".0f", " points") if scale == 100 else (".3f", " nats/char")
    if c["within"] is None:
        return f"{scale * c['diff']:+{fmt}}{unit}, one seed: untested against noise"
    return (f"{scale * c['diff']:+{fmt}}{unit}, {'within' if c['within'] else 'beyond'} the "
            f"spread {scale * c['spread']:{fmt}}")

def comparisons(s):
    """The ranking, each model against the reference and recall against chance, worded from the
    numbers in summarize's dict `s`: a list of str."""
    what = {"heldout_loss": "held-out loss", "final_loss": "final training loss"}[s["key"]]
    marks = {True: " ~ ", False: " < ", None: " ? "}
    lines = [f"Ranking by {what}, best first ('~' within the seed spread, '<' beyond it, '?' one "
             "seed): " + s["ranking"][0]
             + "".join(marks[c["within"]] + c["worse"] for c in s["adjacent"])]
    lines += [f"{m} against {s['reference']}: {what} {cost(v[s['key']])}"
              + (f"; recall {cost(v['recall'], 100)}" if "recall" in v else "") + "."
              for m, v in s["vs_reference"].items()]
    if s["chance"] is not None:
        above = [m for m in s["ranking"]
                 if np.subtract(*np.nan_to_num(s["stats"][m]["recall"])) > s["chance"]]
        lines.append(f"Recall above chance ({s['chance']:.0%}) by more than the seed spread after "
                     f"{s['config']['delay']} distractors: {', '.join(above) or 'no model'}.")
    return lines

def format_table(s):
    """summarize's dict as a table: a row per model in ranking order, the measured columns."""
    columns = [("params", "params", ""),
               ("heldout_loss", "held-out loss", "nats/char", ".3f"),
               ("final_loss", "final train loss", "nats/char", ".3f"),
               ("iters", f"updates to {s['threshold']:.2f}", "(seeds there)"),
               ("recall", "recall", f"chance {s['chance'] or 0:.0%}", ".0f", 100, "%"),
               ("saturation", "saturated C_t", "held-out", ".0f", 100, "%")]
    columns = [c for c in columns if s["stats"][s["ranking"][0]].get(c[0]) is not None]

    def cell(st, k, *style):
        if k == "iters":
            reached = pm(st[k], ".0f") if st["reached"] else "never"
            return f"{reached} ({st['reached']}/{st['seeds']})"
        return f"{st[k]:,}" if k == "params" else pm(st[k], *style)
    rows = [["model"] + [c[1] for c in columns], [""] + [c[2] for c in columns]]
    rows += [[m] + [cell(s["stats"][m], c[0], *c[3:]) for c in columns] for m in s["ranking"]]
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in
                       enumerate(zip(r, widths))) for r in rows]
    return "\n".join(lines + [f"mean +- std over {s['seeds']} seed(s), ddof=1; ranked by "
                              f"{s['key']}"])

def finish_figure(fig, axes, colors, path):
    """visualize_comparison's chrome: legends (line styles first on the loss panel), grid, a
    colour key per model (colors: {model: colour}) under the panels; saves the PNG at `path`,
    closes the figure and returns the path."""
    full = axes.size > 1
    styles = [plt.Line2D([], [], color="gray", ls=ls, label=label) for ls, label in
              (("-", "training loss, smoothed"), ("--", "held-out loss"))[:1 + full]]
    axes[0, 0].legend(handles=styles + axes[0, 0].get_legend_handles_labels()[0], fontsize=9)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        if ax is not axes[0, 0]:
            ax.legend(loc="upper right", fontsize=9)
    fig.legend([plt.Rectangle((0, 0), 1, 1, color=c) for c in colors.values()],
               [f"{m}: {MODELS[m].__name__}" if m in MODELS else m for m in colors],
               loc="lower center", ncol=min(len(colors), 4), fontsize=9.5, frameon=False)
    fig.tight_layout(rect=(0, 0.07 if full else 0.09, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---- Command line -------------------------------------------------------------------------------
class OneLineErrorParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage block) and exits with code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")

def prepare_outdir(path, flag="--outdir"):
    """Create the output folder and prove it writable, before any training; ValueError naming
    `flag` otherwise."""
    try:
        if not path:
            raise OSError("an empty path")
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError as err:
        raise ValueError(f"{flag}: cannot write to {path!r} ({err.strerror or err})") from None
    return path

def build_parser():
    p = OneLineErrorParser(prog=os.path.basename(__file__), description="Exercise 3: the full "
                           "LSTM, its variants and a vanilla RNN trained alike over seeds.",
                           epilog="Prints a line per run, a table, samples, the answers to the "
                           f"exercise's questions and verdicts on the course's claims from the "
                           f"numbers; saves {FIGURE}.")
    p.add_argument("--seed", type=int, default=SEED, help="the first seed, an integer >= 0; "
                   "then seed+1, ... (default 0)")
    p.add_argument("--seeds", type=int, help=f"number of seeds (default {N_SEEDS})")
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS),
                   metavar="NAME", help=f"any of {' '.join(MODELS)} (default: all)")
    p.add_argument("--iterations", type=int,
                   help=f"language-model updates per run (default {ITERATIONS})")
    p.add_argument("--memory-iterations", type=int,
                   help=f"memory-task updates (default {MEMORY_ITERATIONS})")
    p.add_argument("--delay", type=int, help=f"distractors in the memory task (default {DELAY})")
    p.add_argument("--learning-rate", type=float, default=LEARNING_RATE,
                   help="Adagrad step (default 0.1)")
    p.add_argument("--quick", action="store_true", help=f"a smoke run: {QUICK['seeds']} seeds, "
                   f"{QUICK['iterations']} + {QUICK['memory_iterations']} updates, "
                   f"delay {QUICK['delay']}")
    p.add_argument("--outdir", default=OUTDIR, help="where the figure is saved (default "
                   "%(default)s)")
    p.add_argument("--show", action="store_true", help="also open the figure in a window")
    p.add_argument("--check", metavar="FILE", help="grade your own exercise file (the course's "
                   "exercise_03 with its TODOs filled in) TODO by TODO, instead of the study")
    return p

def settings_from(args):
    """The demo's settings from the parsed flags, each checked before any work."""
    default = QUICK if args.quick else dict(seeds=N_SEEDS, iterations=ITERATIONS,
                                            memory_iterations=MEMORY_ITERATIONS, delay=DELAY)
    limits = {"seeds": MAX_SEEDS, "delay": MAX_DELAY}
    n = {k: check_int("--" + k.replace("_", "-"), v if getattr(args, k) is None
                      else getattr(args, k), high=limits.get(k, MAX_ITERATIONS))
         for k, v in default.items()}
    return {"models": list(dict.fromkeys(args.models)),
            "seeds": list(range(args.seed, args.seed + n.pop("seeds"))), "budgets": n,
            "learning_rate": check_float("--learning-rate", args.learning_rate),
            "outdir": prepare_outdir(args.outdir), "quick": args.quick, "show": args.show}

def cli(argv=None):
    """The command line: the study (main), or --check FILE. Returns the exit code: 2 for a bad
    flag or a file --check cannot start on (one line, before any work), 1 if training diverged
    or a checked item fails."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.show:
        plt.switch_backend("Agg")                                # headless unless --show
    try:
        check_int("--seed", args.seed, low=0)
        if args.check is not None:
            return check_attempt(args.check, args.seed).report(CHECK_TITLE)
        return main(settings_from(args))
    except CheckSetupError as err:
        print(err, file=sys.stderr)
        return 2
    except ValueError as err:                                    # bad input: one line, exit 2
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:
        print(f"{parser.prog}: {err}", file=sys.stderr)
        return 1

# ---- --check: the shared harness, pasted unchanged ----------------------------------------------
# ---- --check: the learner's file, imported as they run it, and the checklist --------------------
# (The same code in every script of the pack; tests/test_pack_consistency.py keeps them equal.)
class CheckSetupError(Exception):
    """--check cannot begin (a missing file, a missing course module): one line, exit code 2."""


def read_attempt(path):
    """The absolute path and source lines of a learner's file; CheckSetupError if it is missing, a
    folder, not a .py file, not UTF-8 or empty."""
    if not isinstance(path, str) or not path:
        raise CheckSetupError(f"--check: expected the path of your .py file, got {path!r}")
    full = os.path.abspath(path)
    if os.path.isdir(full):
        raise CheckSetupError(f"--check: {path!r} is a folder; give the .py file inside it")
    if not os.path.isfile(full):
        raise CheckSetupError(f"--check: no file {path!r} (from {os.getcwd()})")
    if not full.endswith(".py"):
        raise CheckSetupError(f"--check: expected a Python file ending in .py, got {path!r}")
    try:
        with open(full, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise CheckSetupError(f"--check: cannot read {path!r} as UTF-8 text "
                              f"({err.__class__.__name__})") from None
    if not source.strip():
        raise CheckSetupError(f"--check: {path!r} is empty")
    return full, source.splitlines()


def forget_relative_finders():
    """Drop the import finders Python cached for relative sys.path entries, such as the course's
    '..': each was resolved against the working directory of its first use, so a later import
    from another folder would search the first folder again."""
    for key in [k for k in sys.path_importer_cache if isinstance(k, str) and not os.path.isabs(k)]:
        del sys.path_importer_cache[key]


@contextlib.contextmanager
def in_folder(folder, seconds=None):
    """Run a block as if from `folder`: it is the working directory and first on sys.path, learner
    output and warnings are silenced, input() meets an empty stdin, and a block running over
    `seconds` raises TimeoutError.
    Everything is restored afterwards, whatever the block raised."""
    old_cwd, old_path, old_stdin, old_exit = os.getcwd(), list(sys.path), sys.stdin, os._exit

    def no_exit(code=0):                                  # os._exit would end --check silently
        raise SystemExit(code)
    timer = seconds and hasattr(signal, "SIGALRM") \
        and threading.current_thread() is threading.main_thread()
    if timer:
        def on_alarm(signum, frame):
            raise TimeoutError(f"still running after {seconds:.3g} s")
        old_handler = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        os.chdir(folder)
        sys.path.insert(0, folder)
        sys.stdin = io.StringIO("")                       # input() fails at once, never waits
        os._exit = no_exit
        forget_relative_finders()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        os.chdir(old_cwd)
        sys.path[:], sys.stdin, os._exit = old_path, old_stdin, old_exit
        forget_relative_finders()


class Checklist:
    """A learner's file and the rows of its checklist.

    rows: (todo, what, ok, detail, hint); ok is True, False, or None for an item that could not be
    compared (detail says why). stub_errors: (regex, hint) pairs for errors that come from a line
    the course's exercise file wrote itself; the hint says so and how to change the line. seconds:
    the limit of one call into the learner's code; total: of all of them together."""

    def __init__(self, path, stub_errors=(), seconds=60, total=50):
        self.path, self.source = read_attempt(path)
        self.folder = os.path.dirname(self.path)
        self.stub_errors, self.seconds, self.rows, self.module = stub_errors, seconds, [], None
        self.deadline = time.monotonic() + total          # the whole check stays within a minute

    def limit(self):
        """Seconds the next call may take: its own limit, within what is left of the total."""
        return max(0.0, min(self.seconds, self.deadline - time.monotonic()))

    def add(self, todo, what, ok, detail="", hint=""):
        ok = None if ok is None else bool(ok)             # a numpy bool would never count as False
        self.rows.append((str(todo), str(what), ok, str(detail), str(hint)))
        return ok

    def todo_at(self, line, default):
        """The TODO number of the nearest comment at or above `line` of the learner's file, within
        the function holding that line (or the comments just above its def); else `default`."""
        indent = len(self.source[line - 1]) - len(self.source[line - 1].lstrip())
        start = 0
        for k in range(line - 1, -1, -1):                 # the def that holds the line
            text = self.source[k]
            if text.strip() and len(text) - len(text.lstrip()) < indent \
                    and re.match(r"\s*(async\s+)?def\s", text):
                start = k
                while start > 0 and self.source[start - 1].strip().startswith(("#", "@")):
                    start -= 1                            # its comments and decorators
                break
        else:
            return default if indent == 0 else self._nearest(line, default)
        return self._nearest(line, default, start)

    def _nearest(self, line, default, start=0):
        todos = re.findall(r"TODO\s*(\d+)", "\n".join(self.source[start:line]))
        return todos[-1] if todos else default

    def failed(self, todo, what, err):
        """A FAIL row for an error raised by the learner's code, at the TODO above its line."""
        frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == self.path]
        line = frames[-1].lineno if frames else None
        top_level = bool(frames) and frames[-1].name == "<module>"    # runs when imported
        if line is None and isinstance(err, SyntaxError) and err.filename == self.path:
            line = err.lineno                             # a file that does not compile
        text = f"{err.__class__.__name__}: {err}".strip().splitlines()[0][:160]
        hint = next((h for pattern, h in self.stub_errors if re.search(pattern, text)), None)
        if hint is None and top_level:
            hint = ("this line runs when your file is imported: if it belongs to the driver, "
                    "put the driver under if __name__ == \"__main__\":")
        elif hint is None and isinstance(err, TypeError) and "argument" in text and not frames:
            hint = ("your class or function takes other arguments than the exercise file gives "
                    "it here (its __init__ or def line?)")
        elif hint is None:
            hint = ("your code raised this error at that line" if line else
                    "raised outside your file, by what your code passed it")
        if isinstance(err, TimeoutError):
            hint = "a loop that never ends, or far more work than the check gives it"
        elif isinstance(err, EOFError):
            hint = "your code asks for input(), which --check cannot answer: take it as an argument"
        elif isinstance(err, SystemExit):
            text = f"SystemExit({err.code!r})"
            hint = "your code called sys.exit() (or quit()); --check needs it to return"
        self.add(self.todo_at(line, todo) if line and not top_level else todo, what, False,
                 (f"line {line}: " if line else "") + text, hint)

    def call(self, todo, what, fn, *args, **kwargs):
        """(fn(*args, **kwargs), True), run from the learner's folder; (None, False) after adding a
        FAIL row if it raised anything, SystemExit and KeyboardInterrupt included."""
        if self.limit() < 0.5:
            self.add(todo, what, None, "not run: the calls above used up the check's time")
            return None, False
        try:
            with in_folder(self.folder, self.limit()):
                return fn(*args, **kwargs), True
        except BaseException as err:                      # the learner's bug: reported, not raised
            self.failed(todo, what, err)
            return None, False

    def load(self, name="learner_attempt"):
        """Import the file as `python FILE` would find its imports (its own folder first on sys.path
        and as the working directory), but under `name`, so that a driver guarded by
        `if __name__ == "__main__":` does not run. CheckSetupError for a course module it cannot
        find; any other error becomes a FAIL row. Returns the module, or None."""
        spec = importlib.util.spec_from_file_location(name, self.path)
        module = importlib.util.module_from_spec(spec)
        before = set(sys.modules)
        seconds = min(max(self.seconds, 30.0), self.deadline - time.monotonic())
        try:                                              # an unguarded driver may train: 30 s
            with in_folder(self.folder, max(seconds, 0.5)):
                spec.loader.exec_module(module)
        except ModuleNotFoundError as err:
            if err.name and err.name.split(".")[0] in ("numpy", "matplotlib"):
                self.failed("-", "import your file", err)
                return None
            hint = next((h for pattern, h in self.stub_errors if re.search(pattern, str(err))), "")
            raise CheckSetupError(
                f"--check: {os.path.basename(self.path)} imports {err.name!r}, which Python cannot "
                f"find from {self.folder} or the folders its sys.path lines add"
                + (f"; {hint}" if hint else "")) from None
        except TimeoutError as err:                       # most often a driver left unguarded
            self.add("-", "import your file", False, f"{err}", "importing it runs code at the "
                     "file's top level, such as a driver or a training run: put that code under "
                     "if __name__ == \"__main__\": so that importing only defines your functions")
            return None
        except BaseException as err:
            self.failed("-", "import your file", err)
            return None
        finally:                                          # a later check may import another attempt
            for key in set(sys.modules) - before:
                if getattr(sys.modules[key], "__file__", None) and \
                        not sys.modules[key].__file__.startswith((sys.prefix, sys.base_prefix)):
                    del sys.modules[key]
        self.module = module
        return module

    def find(self, *names):
        """The first of `names` the learner's module defines, or None (after a FAIL row)."""
        for name in names:
            if hasattr(self.module, name):
                return getattr(self.module, name)
        self.add("-", names[0], False, "not in your file", f"define {names[0]} as the exercise "
                 "file names it")
        return None

    def report(self, title):
        """Print the checklist, a hint under each failure; return the exit code (0: all pass).
        A reader that stops early (`--check FILE | head`) ends the printing quietly."""
        lines = [f"checking {self.path}", f"  {title}"]
        for todo, what, ok, detail, hint in self.rows:
            mark = {True: "ok", False: "FAIL", None: "skip"}[ok]
            lines.append(f"  {mark:<4}  TODO {todo:<7} {what:<34} {detail}".rstrip())
            if ok is False and hint:
                lines.append(f"{'':20}{hint}")
        failed = sum(row[2] is False for row in self.rows)
        skipped = sum(row[2] is None for row in self.rows)
        compared = len(self.rows) - skipped
        note = f" ({skipped} not compared: see 'skip')" if skipped else ""
        if compared == 0:
            lines.append("nothing could be compared: see the lines above")
        elif failed:
            lines.append(f"{failed} of {compared} items fail{note}: fix the first FAIL first, as "
                         "later items use its result")
        else:
            lines.append(f"all {compared} compared items match{note}")
        try:
            print("\n".join(lines), flush=True)
        except BrokenPipeError:                           # the reader has gone: print no more
            sys.stdout = open(os.devnull, "w")
        return 1 if failed or compared == 0 else 0

# ---- --check for Exercise 3: the learner's functions against this solution's ---------------------
CHECK_TITLE = "Exercise 3 (gate ablation): your file against this solution, TODO by TODO"
CHECK_SECONDS = 20                 # per call of the learner's code; the whole check stays < 60 s
CHECK_TEXT = ("the cat sat on the mat. a dog dug by the log. ten hens ran to the pen. the sun "
              "is up and the fox is not. my old cow ate hay at noon. we sang a song as the bus "
              "came by the mill. nine owls sat in a tree. ")   # no 10 characters twice: a
# window of it has one place, so the check can see where train_model's windows come from
CHECK_ITERATIONS, CHECK_CAP = 60, 15      # train_model's run; compare_models' runs, capped
STUB_ERRORS = [
    (r"shape \(\d+, ?1\)|input array dimensions|not aligned|mismatch in its core dimension",
     "an (H,) array met an (H, 1) one: the course's LSTM keeps states and gates as (H, 1) "
     "columns, np.zeros((hidden_size, 1)); the exercise file's own np.zeros(hidden_size) is (H,)"),
    (r"KeyError: '(xs|hs|Cs|ys|ps|fs|i_s|c_cands|os|zs)'",
     "the inherited backward reads every gate and state from the cache under the course's names "
     "(xs hs Cs ys ps fs i_s c_cands os zs): your forward's cache must hold them all"),
    (r"input\.txt",
     "your file runs the exercise's driver when it is imported (it reads ../data/input.txt): keep "
     "the driver under if __name__ == '__main__': so that --check can call your functions"),
    (r"implementation",
     "the file needs the course's implementation.py in the folder above it (the course's layout: "
     "implementation.py beside exercises/, your file in exercises/)"),
]
# (TODO, the exercise file's class names, this solution's class, the cache key of the fixed gate)
CHECK_VARIANTS = [(1, ("LSTMNoForget", "LSTMNoForgetGate"), LSTMNoForget, "fs"),
                  (2, ("LSTMNoInput", "LSTMNoInputGate"), LSTMNoInput, "i_s"),
                  (3, ("LSTMNoOutput", "LSTMNoOutputGate"), LSTMNoOutput, "os")]
# This solution's parameter -> the course's (the same (H, H+V) layout on [h_prev, x_t]).
COURSE_NAMES = {"Wf": "Wf", "Wi": "Wi", "Wc": "Wc", "Wo": "Wo", "Wy": "Why",
                "bf": "bf", "bi": "bi", "bc": "bc", "bo": "bo", "by": "by"}

def check_attempt(path, seed=SEED):
    """Grade a learner's exercise_03 file TODO by TODO against this solution; returns the
    Checklist. CheckSetupError only when the check cannot start (no such file, no course module)."""
    seed = check_int("seed", seed, low=0)
    chk = Checklist(path, STUB_ERRORS, seconds=CHECK_SECONDS)
    module = chk.load()
    if module is None:
        return chk
    base = course_lstm(chk, module)
    if base is None:
        return chk
    agrees = guarded(chk, "1-3", "the course's LSTM", check_course_lstm, chk, base, seed)
    for todo, names, ours, gate in CHECK_VARIANTS:
        guarded(chk, todo, names[0], check_variant, chk, module, todo, names, ours, gate, seed,
                agrees)
    if guarded(chk, 4, "train_model", check_train_model, chk, module, base, seed) == "timeout":
        chk.add("5-9", "compare_models(text, c2i, 8)", None, "not run: it trains with your "
                "train_model, which did not finish above (at TODO 4)")
    else:
        guarded(chk, "5-9", "compare_models", check_compare_models, chk, module, base, seed)
    results = [synthetic_results(levels) for levels in ((45, 40, 35, 30), (30, 45, 35, 40))]
    guarded(chk, 10, "plot_comparison", check_plot, chk, module, results)
    guarded(chk, "11-12", "analyze_results", check_analysis, chk, module, results)
    return chk

def guarded(chk, todo, what, fn, *args):
    """fn(*args); an error of the checker's own becomes a 'skip' row, never a traceback."""
    try:
        return fn(*args)
    except Exception as err:                                   # a checker bug, reported
        chk.add(todo, what, None, f"could not compare: the checker failed "
                f"({err.__class__.__name__}: {str(err)[:100]})")
        return None

def course_lstm(chk, module):
    """The course's LSTM class as the learner's file imports it, or None after a FAIL row."""
    base = getattr(module, "LSTM", None)
    if not isinstance(base, type):
        variant = next((getattr(module, n) for n in ("LSTMNoForget", "LSTMNoForgetGate")
                        if isinstance(getattr(module, n, None), type)), None)
        base = variant.__mro__[1] if variant is not None and len(variant.__mro__) > 2 else None
    if base is None:
        chk.add("-", "LSTM", False, "your file has no LSTM class", "keep the exercise file's "
                "'from implementation import LSTM'")
    return base

def check_case(ours_cls, seed, V=6, H=5, T=7):
    """This solution's model of class ours_cls with random parameters (N(0, 0.5^2)) run on a
    random sequence from random states: (model, loss, inputs, targets, h0, C0), after forward
    and backward."""
    rng = np.random.default_rng(seed)
    ours = ours_cls(V, H, V, clip_value=None)
    for name in ours.PARAM_NAMES:
        getattr(ours, name)[...] = rng.normal(0.0, 0.5, getattr(ours, name).shape)
    inputs, targets = rng.integers(0, V, T).tolist(), rng.integers(0, V, T).tolist()
    h0, C0 = rng.normal(0.0, 0.5, H), rng.normal(0.0, 0.5, H)
    loss = ours.forward(inputs, targets, h0, C0)
    ours.backward()
    return ours, loss, inputs, targets, h0, C0

def run_theirs(chk, todo, cls, ours, inputs, targets, h0, C0):
    """Build the learner's `cls` with the course's constructor, give it ours' parameters in the
    course's layout, run forward: (model, (loss, h, C, cache)), or None after a row."""
    V, H = ours.input_size, ours.hidden_size
    model, ok = chk.call(todo, f"{cls.__name__}(V, H, seq_length)", cls, V, H, len(inputs))
    if not ok:
        return None
    for name, theirs in COURSE_NAMES.items():
        value, theirs = getattr(ours, name), theirs if hasattr(model, theirs) else name
        if np.size(getattr(model, theirs, None)) != value.size:
            chk.add(todo, cls.__name__, None, f"could not compare: your model has no {theirs} "
                    f"of {value.size} values, as the course's LSTM has")
            return None
        setattr(model, theirs, value.reshape(np.shape(getattr(model, theirs))).copy())
    out, ok = chk.call(todo, "forward(inputs, targets, h, C)", model.forward,
                       list(inputs), list(targets), h0.reshape(H, 1).copy(),
                       C0.reshape(H, 1).copy())
    if not ok:
        return None
    if not (isinstance(out, tuple) and len(out) == 4 and isinstance(out[3], dict)):
        chk.add(todo, "forward returns (loss, h, C, cache)", False,
                f"returned {type(out).__name__}" + (f" of {len(out)}" if isinstance(out, tuple)
                                                     else ""),
                "return the course's 4-tuple: loss, h_last, C_last, cache (a dict)")
        return None
    return model, out

def cache_steps(cache, key, T):
    """cache[key][t] for t < T as flat float arrays, or None if missing or not numbers."""
    try:
        return [np.asarray(cache[key][t], dtype=float).ravel() for t in range(T)]
    except Exception:
        return None

def mismatch(yours, mine):
    """None if the learner's values equal ours (rtol 1e-7, atol 1e-9), else the largest difference
    (inf for a missing value, values that are not numbers or another number of them)."""
    try:
        yours, mine = np.asarray(yours, dtype=float).ravel(), np.ravel(mine)
    except (TypeError, ValueError):
        return math.inf
    if yours.shape != mine.shape:
        return math.inf
    return None if np.allclose(yours, mine, rtol=1e-7, atol=1e-9) else \
        float(np.max(np.abs(yours - mine)))

def differs_by(gap):
    return "is missing or of another shape" if gap == math.inf else f"differs by {gap:.3g}"

def first_difference(ours, expected, out, T):
    """The first value of the learner's forward that differs from ours, in the order the forward
    computes them: (what, largest difference) or None."""
    loss, h_last, C_last, cache = out
    steps = {"fs": ours.f_gates, "i_s": ours.i_gates, "c_cands": ours.C_tilde_cache,
             "os": ours.o_gates, "Cs": ours.C_states[1:], "hs": ours.h_states[1:],
             "ps": ours.y_probs}
    for t in range(T):
        for key, values in steps.items():
            try:
                gap = mismatch(cache[key][t], values[t])
            except Exception:                                   # no such key or step
                gap = math.inf
            if gap is not None:
                return f"cache['{key}'][{t}]", gap
    for what, mine, yours in (("loss", expected, loss), ("h_last", ours.h_states[-1], h_last),
                              ("C_last", ours.C_states[-1], C_last)):
        if mismatch(yours, mine) is not None:
            return what, mismatch(yours, mine)
    return None

def gradient_difference(ours, grads):
    """The learner's backward's gradient furthest from ours (clipped to +-5 like the course's):
    (name, largest difference) or None. Keys 'dWf' and 'Wf' are both accepted."""
    if not isinstance(grads, dict):
        return f"what backward returned ({type(grads).__name__}, not a dict)", math.inf
    gaps = {}
    for name, theirs in COURSE_NAMES.items():
        value = next((grads[k] for k in ("d" + theirs, theirs, "d" + name, name) if k in grads),
                     None)
        gap = mismatch(value, np.clip(getattr(ours, "d" + name), -5.0, 5.0))
        if gap is not None:
            gaps["d" + theirs] = gap
    return max(gaps.items(), key=lambda item: item[1]) if gaps else None

def check_course_lstm(chk, base, seed):
    """Whether the course's own LSTM computes this solution's numbers from the same parameters;
    if not, TODO 1-3 cannot be judged against the solution (a 'skip' row says so)."""
    ours, loss, inputs, targets, h0, C0 = check_case(LSTMFromScratch, seed)
    run = run_theirs(chk, "1-3", base, ours, inputs, targets, h0, C0)
    if run is None:
        return False
    differs = first_difference(ours, loss, run[1], len(inputs))
    if differs:
        chk.add("1-3", "the course's LSTM", None, f"could not compare: implementation.py's LSTM "
                f"gives other numbers than this solution's for the same parameters ({differs[0]} "
                "differs), so your variants are judged only on their fixed gate")
    return not differs

def check_variant(chk, module, todo, names, ours_cls, gate, seed, agrees):
    """TODO 1-3: the learner's variant, given this solution's parameters: the fixed gate exactly
    1 at every step, then forward (every gate, state, the loss) and the inherited backward's
    gradients against this solution's variant."""
    cls = next((getattr(module, n) for n in names if isinstance(getattr(module, n, None), type)),
               None)
    if cls is None:
        chk.add(todo, names[0], False, "not in your file",
                f"define class {names[0]}(LSTM) as the exercise file names it")
        return
    ours, loss, inputs, targets, h0, C0 = check_case(ours_cls, seed + todo)
    run = run_theirs(chk, todo, cls, ours, inputs, targets, h0, C0)
    if run is None:
        return
    model, out = run
    name = {"fs": "f_t", "i_s": "i_t", "os": "o_t"}[gate]
    values = cache_steps(out[3], gate, len(inputs))
    ones = values is not None and all(v.size == ours.hidden_size and np.all(v == 1.0)
                                      for v in values)
    if values is None:
        detail = f"cache['{gate}'] is missing or not arrays"
    else:
        t = next((t for t, v in enumerate(values) if not (v.size == ours.hidden_size and
                                                          np.all(v == 1.0))), 0)
        pinned = [k for k in ("fs", "i_s", "os") if k != gate and
                  all(np.all(v == 1.0) for v in cache_steps(out[3], k, len(inputs)) or [[0]])]
        low, high = values[t].min(initial=np.inf), values[t].max(initial=-np.inf)
        detail = (f"cache['{gate}'][{t}] holds " + (f"{low:.3g}" if low == high else
                                                    f"{low:.3g} to {high:.3g}") + ", not 1"
                  + (f"; cache['{pinned[0]}'] is all 1 instead" if pinned else ""))
    chk.add(todo, f"{cls.__name__}: {name} = 1 throughout", ones,
            f"exactly 1 at all {len(inputs)} steps, {ours.hidden_size} units" if ones else detail,
            f"set {name} = np.ones((hidden_size, 1)) and store those ones in cache['{gate}']: "
            "the inherited backward reads the gate from the cache")
    if not agrees:
        return
    differs = first_difference(ours, loss, out, len(inputs))
    chk.add(todo, f"{cls.__name__}.forward", differs is None,
            "loss, every gate and state equal the solution's at all steps" if differs is None else
            f"{differs[0]} {differs_by(differs[1])} from the solution's: the first value that "
            "differs, in the order the forward computes them",
            f"with {name} = 1, C_t = f_t * C_prev + i_t * C_tilde and h_t = o_t * tanh(C_t) keep "
            "their form; only the fixed gate changes")
    grads, ok = chk.call(todo, "backward(inputs, targets, cache)", model.backward, list(inputs),
                         list(targets), out[3])
    if ok:
        worst = gradient_difference(ours, grads)
        chk.add(todo, f"{cls.__name__}: inherited backward", worst is None,
                "all 10 gradients equal the solution's" if worst is None else
                f"{worst[0]} {differs_by(worst[1])} (the largest difference)",
                "the inherited backward is exact only if the cache holds the values the forward "
                "used: the fixed gate's ones, and the states computed with them")

def window_loss(model, ids, H):
    """The course model's loss per character on ids from zero (H, 1) states."""
    return float(model.forward(ids[:-1], ids[1:], np.zeros((H, 1)), np.zeros((H, 1)))[0]) / \
        (len(ids) - 1)

def check_train_model(chk, module, base, seed):
    """TODO 4: one loss per iteration, each summed over a 25-character window, and the model
    given to it learns (its loss on the text, measured here, falls)."""
    train = getattr(module, "train_model", None)
    if not callable(train):
        chk.add(4, "train_model", False, "not in your file", "define train_model(model, text, "
                "char_to_idx, num_iterations=1000) as the exercise file names it")
        return
    chars = sorted(set(CHECK_TEXT))
    char_to_idx = {ch: k for k, ch in enumerate(chars)}
    ids, V, H, N = [char_to_idx[ch] for ch in CHECK_TEXT], len(chars), 12, CHECK_ITERATIONS
    np.random.seed(seed)
    model, ok = chk.call(4, "LSTM(V, 12, 25, learning_rate=0.1)", base, V, H, 25, 0.1)
    before, ok = chk.call(4, "the course's LSTM forward", window_loss, model, ids, H) if ok else \
        (None, False)
    if not ok:
        return
    calls = record_forward(model)                 # the (inputs, targets) of each forward call
    losses, ok = chk.call(4, f"train_model(model, text, c2i, {N})", train, model,
                          CHECK_TEXT, char_to_idx, N)
    vars(model).pop("forward", None)
    if not ok:                                    # "timeout": compare_models would hang as well
        return "timeout" if "TimeoutError" in chk.rows[-1][3] else None
    try:
        values = [float(v) for v in losses]
    except (TypeError, ValueError):
        values = None
    good = values is not None and len(values) == N and all(map(math.isfinite, values))
    chk.add(4, "train_model: a loss per iteration", good,
            f"{N} finite losses" if good else f"returned {type(losses).__name__}" + (
                f" of {len(values)} values for {N} iterations" if values is not None else ""),
            "append one loss per iteration to a list and return it")
    if not good:
        return
    window = 25 * math.log(V)                      # an untrained model's loss over 25 characters
    ratio = values[0] / window
    chk.add(4, "each loss summed over a window", 0.7 < ratio < 1.3,
            f"first loss {values[0]:.2f}; an untrained model's over 25 characters is about "
            f"{window:.1f}" + (" (divided by the window length?)" if 0.02 < ratio < 0.07 else ""),
            "keep the loss forward returns, summed over the window (the course's forward sums it)")
    check_windows(chk, calls, chars)
    after, ok = chk.call(4, "the course's LSTM forward", window_loss, model, ids, H)
    if ok:
        start, end = np.mean(values[:10]), np.mean(values[-10:])
        falls = end < 0.9 * start and after < 0.9 * before
        chk.add(4, f"the loss falls over {N} iterations", falls,
                f"your losses {start:.1f} -> {end:.1f} (first and last 10); the model's own "
                f"loss on the text {before:.2f} -> {after:.2f} nats/char",
                "each iteration: forward, backward, update_weights(grads) on the model given, with "
                "h and C carried or reset as (H, 1) arrays")

def record_forward(model):
    """Make model.forward note the inputs and targets of each call, as strings of the characters
    of CHECK_TEXT (None for ids it cannot read); returns the list it fills."""
    forward, calls, chars = model.forward, [], sorted(set(CHECK_TEXT))
    try:
        signature = inspect.signature(forward)
    except (TypeError, ValueError):                   # a forward Python cannot describe: no notes
        return calls

    def as_text(ids):
        try:
            ids = np.asarray(ids).ravel()
            if ids.size and np.issubdtype(ids.dtype, np.integer) and \
                    0 <= ids.min() and ids.max() < len(chars):
                return "".join(chars[k] for k in ids)
        except (TypeError, ValueError):
            pass
        return None

    def noted(*args, **kwargs):
        try:
            given = list(signature.bind(*args, **kwargs).arguments.values())
            calls.append((as_text(given[0]), as_text(given[1])))
        except (TypeError, ValueError, IndexError):
            calls.append((None, None))
        return forward(*args, **kwargs)
    model.forward = noted
    return calls

def check_windows(chk, calls, chars):
    """TODO 4: the windows given to forward move through the text (on CHECK_TEXT, where no 10
    characters come twice), and each window's targets are the characters after its inputs."""
    seen = [(x, y) for x, y in calls if x is not None and y is not None]
    if not seen:
        chk.add(4, "windows move through the text", None, "could not see: train_model never "
                "called model.forward with lists of character ids")
        return
    text, covered, strange, wrong = CHECK_TEXT, set(), None, None
    for n, (inputs, targets) in enumerate(seen, 1):
        starts = [k for k in range(len(text) - len(inputs) + 1) if text.startswith(inputs, k)]
        if not starts:
            strange = strange or (n, inputs)
            continue
        covered.update(range(starts[0], starts[0] + len(inputs)))
        nexts = [text[k + 1:k + 1 + len(inputs)] for k in starts]
        if wrong is None and targets not in nexts:
            wrong = (n, inputs, targets, nexts[0])
    windows = len({x for x, _ in seen})
    if strange:
        detail = (f"call {strange[0]} of forward got inputs {strange[1][:30]!r}, which are not "
                  f"{len(strange[1])} characters in a row of the text given")
    elif windows == 1 and len(seen) > 1:
        detail = (f"all {len(seen)} calls of forward got the same {len(seen[0][0])} characters, "
                  f"{seen[0][0][:30]!r}: one window trained {len(seen)} times")
    elif len(covered) < len(text) // 2:
        detail = (f"{len(seen)} calls of forward saw {windows} windows, only {len(covered)} of the "
                  f"{len(text)} characters of the text")
    else:
        detail = None
    chk.add(4, "windows move through the text", detail is None, detail or
            f"{len(seen)} calls of forward, {windows} different windows covering {len(covered)} "
            f"of the {len(text)} characters",
            "take a new window each iteration: inputs = text[p:p + seq_length], then move p on by "
            "seq_length (back to 0 at the end of the text) or draw p at random inside the loop")
    if strange:
        return
    chk.add(4, "targets are the next characters", wrong is None,
            f"in all {len(seen)} calls of forward" if wrong is None else
            f"call {wrong[0]} of forward: inputs {wrong[1][:20]!r}... targets {wrong[2][:20]!r}"
            f"...; the characters after the inputs are {wrong[3][:20]!r}..."
            + (" (your targets are the inputs themselves)" if wrong[2] == wrong[1] else ""),
            "targets = text[p + 1:p + seq_length + 1]: each target is the character after its "
            "input")

def check_compare_models(chk, module, base, seed):
    """TODO 5-9: the four keys, each the losses of the right class, all trained alike. The
    learner's train_model is capped at CHECK_CAP iterations while compare_models runs."""
    compare, train = getattr(module, "compare_models", None), getattr(module, "train_model", None)
    if not callable(compare):
        chk.add(5, "compare_models", False, "not in your file", "define compare_models(text, "
                "char_to_idx, hidden_size=64) as the exercise file names it")
        return
    trained = []                                   # (model, the losses train_model returned)

    def capped(*args, **kwargs):
        try:
            bound = inspect.signature(train).bind(*args, **kwargs)
        except (TypeError, ValueError):
            return train(*args, **kwargs)
        bound.apply_defaults()
        names = list(bound.arguments)
        if len(names) > 3 and isinstance(bound.arguments[names[3]], int):
            bound.arguments[names[3]] = min(bound.arguments[names[3]], CHECK_CAP)
        out = train(*bound.args, **bound.kwargs)
        trained.append((bound.arguments[names[0]], out, bound.arguments[names[1]]))
        return out
    chars = sorted(set(CHECK_TEXT))
    char_to_idx = {ch: k for k, ch in enumerate(chars)}
    np.random.seed(seed)
    if callable(train):
        module.train_model = capped
    try:
        results, ok = chk.call(5, "compare_models(text, c2i, 8)", compare, CHECK_TEXT,
                               char_to_idx, 8)
    finally:
        if callable(train):
            module.train_model = train
    if not ok:
        return
    if not isinstance(results, dict):
        chk.add(5, "compare_models returns a dict", False, f"returned {type(results).__name__}",
                "return {'Baseline': losses, 'No Forget': ..., 'No Input': ..., 'No Output': ...}")
        return
    alike = {(getattr(m, "hidden_size", None), getattr(m, "vocab_size", None), text is CHECK_TEXT)
             for m, _, text in trained}
    good = len(trained) == 4 and alike == {(8, len(chars), True)}
    chk.add(5, "the four models trained alike", good if trained else None,
            "could not see: compare_models does not call train_model" if not trained else
            f"4 models, hidden_size 8, vocab_size {len(chars)}, the text given" if good else
            f"{len(trained)} calls of train_model with (hidden_size, vocab_size, the text given) "
            f"{sorted(alike, key=str)}; expected 4 with (8, {len(chars)}, True)",
            "train each of the four models once with train_model, the same text, hidden_size and "
            "vocab_size = len(char_to_idx)")
    classes = {"Baseline": base}
    classes.update({key: next((getattr(module, n) for n in names if hasattr(module, n)), None)
                    for key, (_, names, _, _) in zip(("No Forget", "No Input", "No Output"),
                                                     CHECK_VARIANTS)})
    for todo, (key, cls) in enumerate(classes.items(), 6):
        if key not in results:
            chk.add(todo, f"results['{key}']", False, "no such key; your keys: " +
                    ", ".join(repr(k) for k in results),
                    "use the exercise file's keys exactly: 'Baseline', 'No Forget', 'No Input', "
                    "'No Output'")
            continue
        model = next((m for m, out, _ in trained if out is results[key]), None)
        if model is None:
            chk.add(todo, f"results['{key}']", None, "could not see which model made these "
                    "losses (not the list train_model returned)")
            continue
        chk.add(todo, f"results['{key}']", type(model) is cls,
                f"the losses of a {type(model).__name__}", f"results['{key}'] should hold the "
                f"losses of a {getattr(cls, '__name__', cls)}")

def synthetic_results(levels, n=200):
    """compare_models-like results whose final losses are `levels` (Baseline, No Forget,
    No Input, No Output): every curve falls from 25 ln 54 to its level, a lower level lower all
    the way, so the ranking is the same by any measure."""
    rng = np.random.default_rng(len(levels) + sum(levels))
    start, steps = 25 * math.log(54), np.arange(n)
    return {key: list(level + (start - level) * np.exp(-steps / 30) + rng.normal(0, 0.3, n))
            for key, level in zip(("Baseline", "No Forget", "No Input", "No Output"), levels)}

def copied(results):
    """A fresh copy of synthetic results, so that a call that changes them cannot affect the next."""
    return {key: list(values) for key, values in results.items()}

def drawn_data(fn, *args):
    """fn(*args) with figures captured instead of saved or shown: (its result, a list of the
    arrays drawn: line y values, bar heights)."""
    drawn, show, savefig = [], plt.show, matplotlib.figure.Figure.savefig

    def snapshot(fig):
        for ax in fig.axes:
            arrays = [line.get_ydata() for line in ax.lines]
            arrays.append([p.get_height() for p in ax.patches if hasattr(p, "get_height")])
            for values in arrays:
                try:
                    drawn.append(np.asarray(values, dtype=float).ravel())
                except (TypeError, ValueError):           # not numbers: not a loss curve
                    pass
    plt.close("all")
    plt.show = lambda *a, **k: [snapshot(plt.figure(n)) for n in plt.get_fignums()]
    matplotlib.figure.Figure.savefig = lambda self, *a, **k: snapshot(self)
    try:
        result = fn(*args)
        for n in plt.get_fignums():
            snapshot(plt.figure(n))
    finally:
        plt.show, matplotlib.figure.Figure.savefig = show, savefig
        plt.close("all")
    return result, [d for d in drawn if d.size]

def check_plot(chk, module, results):
    """TODO 10: plot_comparison draws, and what it draws changes with the results."""
    plot = getattr(module, "plot_comparison", None)
    if not callable(plot):
        chk.add(10, "plot_comparison", False, "not in your file",
                "define plot_comparison(results) as the exercise file names it")
        return
    drawings = []
    for res in results:
        out, ok = chk.call(10, "plot_comparison(results)", drawn_data, plot, copied(res))
        if not ok:
            return
        drawings.append(out[1])
    same = len(drawings[0]) == len(drawings[1]) and all(
        a.shape == b.shape and np.allclose(a, b) for a, b in zip(*drawings))
    chk.add(10, "plot_comparison draws the losses", bool(drawings[0]) and not same,
            "drew nothing (no line or bar)" if not drawings[0] else
            "draws the same for different results" if same else
            f"{len(drawings[0])} lines or bar sets, changing with the results",
            "plot each model's list of losses against the iteration")

def printed(fn, *args):
    """(fn(*args)'s printed text, its result)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = fn(*args)
    return buffer.getvalue(), result

def check_analysis(chk, module, results):
    """TODO 11-12: analyze_results prints each model and a ranking best to worst, changing with
    the results; write_conclusions prints an answer."""
    analyze = getattr(module, "analyze_results", None)
    conclude = getattr(module, "write_conclusions", None)
    texts, conclusions = [], []
    for res in results:
        if callable(analyze):
            out, ok = chk.call(11, "analyze_results(results)", printed, analyze, copied(res))
            if not ok:
                if chk.rows[-1][2] is None and callable(conclude):     # the check's time is up
                    chk.add(12, "write_conclusions()", None, chk.rows[-1][3])
                return
            texts.append(out[0])
        if callable(conclude):
            takes = [p for p in inspect.signature(conclude).parameters.values()
                     if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                            p.POSITIONAL_OR_KEYWORD)]
            out, ok = chk.call(12, "write_conclusions()", printed, conclude,
                               *[copied(res)][:len(takes)])
            if not ok:
                return
            conclusions.append(out[0])
    if not callable(analyze):
        chk.add(11, "analyze_results", False, "not in your file",
                "define analyze_results(results) as the exercise file names it")
    else:
        order = ["No Output", "No Input", "No Forget", "Baseline"]   # best first in results[0]
        at, found = -1, True
        printed_text = texts[0].lower()
        for name in order:
            at = printed_text.find(name.lower(), at + 1)
            found = found and at >= 0
        missing = [name for name in order if name.lower() not in printed_text]
        chk.add(11, "analyze_results: best to worst", found,
                f"found the ranking {' < '.join(order)}" if found else
                f"{', '.join(missing)} never named" if missing else
                f"the ranking best (lowest final loss) to worst, {', '.join(order)}, is not "
                "printed in that order",
                "print each model's final loss and iterations to a threshold, then the models "
                "sorted from the lowest final loss to the highest")
        chk.add(11, "analyze_results follows its input", texts[0] != texts[1],
                "prints other numbers for other results" if texts[0] != texts[1] else
                "printed the same text for different results",
                "compute what you print from the results passed in")
    if not callable(conclude):
        chk.add(12, "write_conclusions", False, "not in your file",
                "define write_conclusions() as the exercise file names it")
        return
    lines = len(conclusions[0].strip().splitlines())
    chk.add(12, "write_conclusions prints an answer", lines > 0,
            f"{lines} lines; " + ("they change with the results" if conclusions[0] !=
                                  conclusions[1] else "the same for any results (a written "
                                  "answer: read it against the numbers above)") if lines else
            "printed nothing", "print your answers to the four questions of TODO 12")


# ---- Data: the English text of Exercise 1, last: nobody needs to read it first ------------------
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
    sys.exit(cli())

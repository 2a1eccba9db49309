"""Exercise 5: a GRU from scratch beside the LSTM, compared fairly: parameters, speed, loss.

The course file exercise_05_lstm_vs_gru.py asks for a GRU (TODO 1-8), a parameter count (9), a
timed training loop (10), a comparison (11-13), plots and a report (14-18); each line that
answers TODO n ends with "(TODO n)", so grep finds it. The
course's claims ("25-30% fewer parameters", "trains 10-20% faster", "similar final performance" in
its solutions list; "20-30% faster" in its exercises README) are measured, each model at its own
tuned learning rate, and each verdict says which way a claim misses.

The equations (course notation; concat = [h_prev, x_t], h first):
    GRU   r_t = sigmoid(Wr . concat + br)      reset gate: how much of h_prev the candidate sees
          z_t = sigmoid(Wz . concat + bz)      update gate: 1 takes the candidate
          h_tilde = tanh(Wh . [r_t * h_prev, x_t] + bh)
          h_t = (1 - z_t) * h_prev + z_t * h_tilde
    LSTM  f_t, i_t, o_t = sigmoid(Wf/Wi/Wo . concat + bf/bi/bo)
          C_tilde = tanh(Wc . concat + bc)
          C_t = f_t * C_prev + i_t * C_tilde             h_t = o_t * tanh(C_t)
    both  y_t = softmax(Wy . h_t + by)         loss = - sum_t ln y_t[target_t]   (nats)
A GRU has 2 gates and 3 weight blocks (H, H+D), an LSTM 3 gates and 4 blocks: at the same H the
GRU's cell is 25% smaller; the output layer Wy (V, H), by (V,) is the same.

Run (prints progress lines, a table and the five-part report, saves outputs/ex5_comparison.png):
    python exercise_05_solution.py              # LSTM, GRU, parameter-matched GRU, 5 seeds, ~70 s
    python exercise_05_solution.py --quick      # H=64, 3 seeds, ~10 s
    python exercise_05_solution.py --tune       # the learning-rate sweep behind LEARNING_RATES
    python exercise_05_solution.py --benchmark  # ms per training step of both models, ~1 min
    python exercise_05_solution.py --check my_exercise_05.py    # grade your own GRU, item by item
"""

import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # small matmuls: a 2nd thread costs more

import numpy as np
import matplotlib.pyplot as plt

SEED = 0
SEEDS = 5                  # runs per model: seeds SEED, SEED + 1, ...
HIDDEN_SIZE = 128
SEQ_LENGTH = 25
BATCH_SIZE = 16            # parallel streams through the text
ITERATIONS = 700           # past every held-out minimum (iterations 175-490 in the README's run)
LEARNING_RATES = {"lstm": 0.1, "gru": 0.05, "gru_matched": 0.1}   # Adagrad; chosen by --tune
CLIP_VALUE = 5.0           # elementwise gradient clipping to [-5, 5], as the course teaches
HELDOUT_FRACTION = 0.1     # the last 10% of the text is never trained on
EVALUATIONS = 20           # held-out evaluations per run; the lowest is the early-stopping loss
SIMILAR = 3.0              # "similar performance": final losses within 3% of each other
CONVERGED = 1.10           # convergence threshold: 10% above the higher of the two lowest losses
OUTDIR = "outputs"
MODEL_KEYS = ("lstm", "gru", "gru_matched")
# The course's claims: (quoted claim, where the course makes it, low %, high %).
SOLUTIONS, EXERCISES = "the course's solutions list", "the course's exercises README"
PARAMETER_CLAIM = ("25-30% fewer parameters", SOLUTIONS, 25, 30)
SPEED_CLAIMS = (("trains 10-20% faster", SOLUTIONS, 10, 20), ("20-30% faster", EXERCISES, 20, 30))
LOSS_CLAIM = ("similar final performance", SOLUTIONS)

def sigmoid(x):
    """1 / (1 + exp(-x)) written as (1 + tanh(x / 2)) / 2: the same function, no exp to overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))

def log_softmax(logits):
    """ln softmax over the last axis; the max subtracted, so that exp() cannot overflow."""
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

# ---- The models --------------------------------------------------------------------------------
class FusedRNN:
    """What the GRU and the LSTM share: the output layer, clipping, Adagrad. Each block has its own
    weights (H, H+D) and bias (H,), named in BLOCKS. input_size D (one-hot ids), hidden_size H,
    output_size V; seed >= 0; clip_value: `backward` clips gradients to [-clip_value, clip_value]
    (None: off). A (T,) sequence keeps no batch axis: h = model.h_states[-1].copy() carries on."""
    sigmoid = staticmethod(sigmoid)      # the course's stub defines sigmoid as a method

    def _start(self, input_size, hidden_size, output_size, seed, clip_value):
        """Check and keep the sizes; return (D, H, V, the random generator for the weights)."""
        D, H, V = check_sizes(input_size, hidden_size, output_size, len(self.BLOCKS))
        self.input_size, self.hidden_size, self.output_size = D, H, V
        self.clip_value = None if clip_value is None else check_float("clip_value", clip_value)
        self.memory, self._cache = {}, None             # Adagrad's sums of squares; no forward yet
        return D, H, V, np.random.default_rng(check_int("seed", seed, low=0))

    def _stack(self):
        """The blocks stacked in BLOCKS order, W (K*H, H+D) and b (K*H,): copied once per call."""
        weights, biases = zip(*self.BLOCKS.values())
        return (np.concatenate([getattr(self, name) for name in weights]),
                np.concatenate([getattr(self, name) for name in biases]))

    def _begin(self, inputs, targets, states):
        """Check a forward call, keep targets and inputs_cache; ids as (T, B), states as (B, H)."""
        inputs, targets, states = check_sequence(self, inputs, targets, states)
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
        return float(-np.take_along_axis(log_y, self.targets.reshape(len(h), -1, 1), 2).sum())

    def _output_backward(self):
        """Sets dWy, dby; returns d loss / d h_t through y_t, (T, B, H). RuntimeError if no forward
        came first."""
        if self._cache is None:
            raise RuntimeError(f"backward: call forward(inputs, targets, ...) first; this "
                               f"{type(self).__name__} has no forward pass to go back through")
        T, H = len(self.targets), self.hidden_size
        dy = self.y_probs.reshape(-1, self.output_size).copy()                 # (T*B, V)
        dy[np.arange(len(dy)), self.targets.ravel()] -= 1.0                    # softmax + x-entropy
        h = self.h_states.reshape(T + 1, -1, H)[1:].reshape(len(dy), H)
        self.dWy, self.dby = dy.T @ h, dy.sum(axis=0)
        return (dy @ self.Wy).reshape(T, -1, H)

    def _concat(self, h):
        """[h, x_t] of every step and batch row as a (T*B, H+D) matrix; h: (T, B, H)."""
        x = self.inputs_cache.reshape(h.shape[:2] + (self.input_size,))
        return np.concatenate([h, x], axis=2).reshape(-1, h.shape[2] + self.input_size)

    def _store_gradients(self, dW, db):
        """Clip the stacked gradients and dWy, dby in place, then name each block's rows."""
        if self.clip_value is not None:                        # tames exploding gradients
            for grad in (dW, db, self.dWy, self.dby):
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)        # (TODO 7)
        H = self.hidden_size
        for k, (weight, bias) in enumerate(self.BLOCKS.values()):   # dWr = rows 0:H of dW, ...
            setattr(self, "d" + weight, dW[k * H:(k + 1) * H])
            setattr(self, "d" + bias, db[k * H:(k + 1) * H])

    def update_weights(self, learning_rate):
        """One Adagrad step, the course reference's update (the exercise file names no rule):
        memory += d ** 2;  param -= learning_rate * d / sqrt(memory + 1e-8), for every parameter."""
        learning_rate = check_float("learning_rate", learning_rate)
        if not hasattr(self, "dWy"):
            raise RuntimeError("update_weights: call forward, then backward, first (no gradients)")
        for name in self.PARAM_NAMES:
            param, grad = getattr(self, name), getattr(self, "d" + name)
            memory = self.memory.setdefault(name, np.zeros_like(param))
            memory += grad * grad                                                 # (TODO 8)
            param -= learning_rate * grad / np.sqrt(memory + 1e-8)                # (TODO 8)

class GRU(FusedRNN):
    """The exercise's GRU: Wr, Wz, Wh, each (H, H+D), and br, bz, bh (H,), zero at first. The reset
    gate acts before the candidate's matmul, as in the exercise and Cho et al. (2014). cuDNN and
    PyTorch's nn.GRU apply it after: tanh(Wh_x x_t + r_t * (Wh_h h_prev + b_hh) + b_hx), another
    function, so weights do not carry over between the two."""
    BLOCKS = {"reset gate": ("Wr", "br"), "update gate": ("Wz", "bz"),
              "candidate h~": ("Wh", "bh")}
    PARAM_NAMES = ("Wr", "br", "Wz", "bz", "Wh", "bh", "Wy", "by")
    STATES = ("h_states",)

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        D, H, V, rng = self._start(input_size, hidden_size, output_size, seed, clip_value)
        # Each block reads concat = [h_prev, x_t], so it is (H, H+D). Weights ~ N(0, 1/(H+D)):
        # each pre-activation starts with a variance near 1.
        scale = 1.0 / np.sqrt(H + D)                                                    # (TODO 1)
        self.Wr = rng.normal(0.0, scale, (H, H + D))            # reset gate            (TODO 2)
        self.br = np.zeros(H)                                                         # (TODO 2)
        self.Wz = rng.normal(0.0, scale, (H, H + D))            # update gate           (TODO 3)
        self.bz = np.zeros(H)                                                         # (TODO 3)
        self.Wh = rng.normal(0.0, scale, (H, H + D))            # candidate h_tilde     (TODO 4)
        self.bh = np.zeros(H)                                                         # (TODO 4)
        # A small output layer makes the first prediction nearly uniform: loss near T ln V.
        self.Wy = rng.normal(0.0, 0.01, (V, H))                                       # (TODO 5)
        self.by = np.zeros(V)                                                         # (TODO 5)

    def forward(self, inputs, targets, h_prev):
        """Run the GRU over a sequence; return the loss, - sum_t ln y_t[target_t] in nats.
        inputs, targets: ids, (T,) or (T, B); h_prev: (H,) or (B, H). Keeps (a batch adds a B axis
        after the first): inputs_cache (T, D) one-hot x_t; targets; h_states (T+1, H), [0] = h_prev;
        r_gates, z_gates, h_tilde_cache (T, H); y_probs (T, V). ValueError on bad input."""
        X, (h0,) = self._begin(inputs, targets, {"h_prev": h_prev})
        (T, B), H = X.shape, self.hidden_size
        W, b = self._stack()                           # (3H, H+D), (3H,): Wr, Wz, Wh stacked
        W_rz, W_hh = W[:2 * H, :H].T, W[2 * H:, :H].T  # (H, 2H), (H, H): the columns reading h
        x_part = (W[:, H:].T + b)[X]                   # (T, B, 3H): W . x_t + b; x_t picks a column
        gates = np.empty((T, B, 3 * H))                # r_t, z_t, h_tilde at each step
        h = np.empty((T + 1, B, H))
        h[0] = h0
        for t in range(T):
            gates[t, :, :2 * H] = sigmoid(h[t] @ W_rz + x_part[t, :, :2 * H])   # r_t, z_t (TODO 6)
            r_t, z_t = gates[t, :, :H], gates[t, :, H:2 * H]
            reset_h = r_t * h[t]                                  # r_t acts before the matmul
            h_tilde = np.tanh(reset_h @ W_hh + x_part[t, :, 2 * H:])                   # (TODO 6)
            gates[t, :, 2 * H:] = h_tilde
            h[t + 1] = (1.0 - z_t) * h[t] + z_t * h_tilde                               # (TODO 6)
        self._cache = (W, gates)
        self.h_states = self._unbatch(h)
        self.r_gates, self.z_gates, self.h_tilde_cache = (
            self._unbatch(g) for g in np.split(gates, 3, axis=2))
        return self._output(h[1:])                                                      # (TODO 6)

    def backward(self):
        """BPTT through the last forward, its steps in reverse. Sets dWr, dbr, ..., dWy, dby,
        clipped to [-clip_value, clip_value]; returns dh_next = d loss / d h_prev, unclipped.
        RuntimeError before any forward."""
        dh_out = self._output_backward()                                                # (TODO 7)
        W, gates = self._cache                         # the stacked weights forward used
        T, B, H = dh_out.shape
        h = self.h_states.reshape(T + 1, B, H)
        slope = gates[..., :2 * H] * (1.0 - gates[..., :2 * H])   # sigmoid' = s (1 - s), r and z
        W_rz, W_hh = W[:2 * H, :H], W[2 * H:, :H]
        da = np.empty_like(gates)                         # d loss / d pre-activations of r, z, h~
        dh_next = np.zeros((B, H))
        for t in reversed(range(T)):
            r_t, z_t, h_tilde = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:]
            dh = dh_out[t] + dh_next                      # from y_t and from step t+1    (TODO 7)
            # h_t = (1 - z_t) * h_prev + z_t * h_tilde, h_tilde = tanh(Wh . [r_t h_prev, x_t] + bh)
            dz = dh * (h_tilde - h[t])                                                  # (TODO 7)
            da[t, :, 2 * H:] = dh * z_t * (1.0 - h_tilde ** 2)    # through h_tilde's tanh (TODO 7)
            d_reset_h = da[t, :, 2 * H:] @ W_hh                   # d loss / d (r_t h_prev) (TODO 7)
            dr = d_reset_h * h[t]                                                       # (TODO 7)
            da[t, :, :2 * H] = np.concatenate([dr, dz], axis=1) * slope[t]              # (TODO 7)
            # h_prev reaches the loss three ways: directly, through r_t h_prev, through r and z.
            dh_next = dh * (1.0 - z_t) + d_reset_h * r_t + da[t, :, :2 * H] @ W_rz     # (TODO 7)
        da = da.reshape(T * B, 3 * H)    # r, z read [h_prev, x_t]; h~ reads [r_t * h_prev, x_t]
        dW_rz = da[:, :2 * H].T @ self._concat(h[:-1])
        dW_h = da[:, 2 * H:].T @ self._concat(gates[..., :H] * h[:-1])
        self._store_gradients(np.concatenate([dW_rz, dW_h]), da.sum(axis=0))            # (TODO 7)
        return self._unbatch(dh_next, axis=0)

# ---- The exercise file's functions ------------------------------------------------------------
def count_parameters(model):
    """Parameters of any model whose parameters are NumPy array attributes named W... or b...: this
    file's models, Exercise 1's, the course's reference LSTM (its output matrix is Why)."""
    arrays = [value for name, value in getattr(model, "__dict__", {}).items()
              if name.startswith(("W", "b")) and isinstance(value, np.ndarray)]         # (TODO 9)
    if not arrays:
        raise ValueError(f"model: expected NumPy array attributes named W... or b..., got {model}")
    return sum(a.size for a in arrays)                                                  # (TODO 9)

def train_model(model, text, char_to_idx, num_iterations=ITERATIONS, learning_rate=None,
                heldout_text="", seq_length=SEQ_LENGTH, batch_size=BATCH_SIZE, log=None):
    """The exercise's loop (for TODO 10): truncated BPTT with Adagrad on `text` (2+ characters, in
    char_to_idx) in windows from `batch_windows`, each stream's state carried on. model: an LSTM,
    a GRU, or {name: model} trained in lockstep: each iteration gives each the same window, in an
    order that alternates, so load on a shared machine slows all alike. learning_rate: a number,
    {name: number} or None (LEARNING_RATES). heldout_text: scored EVALUATIONS times if given.
    Returns (losses, times), lists of each iteration's loss per character and seconds; for a dict
    of models {name: {"loss", "seconds": arrays, "eval_iterations", "heldout": lists}}."""
    single = not isinstance(model, dict)
    models = {"lstm" if isinstance(model, LSTM) else "gru": model} if single else model
    names, iterations = list(models), check_int("num_iterations", num_iterations)
    rates = learning_rates_for(models, learning_rate)
    windows = batch_windows(encode(text, char_to_idx), seq_length, batch_size)
    heldout_ids = encode(heldout_text, char_to_idx) if heldout_text else None
    evaluate_at = set(np.linspace(0, iterations, EVALUATIONS + 1).astype(int)[1:])
    records = {name: {"loss": np.empty(iterations), "seconds": np.empty(iterations),
                      "eval_iterations": [], "heldout": []} for name in names}
    start, every = time.perf_counter(), max(1, iterations // 5)   # iterations per progress line
    with np.errstate(over="ignore", invalid="ignore"):   # a blow-up shows as a non-finite loss
        for n in range(iterations):
            inputs, targets = windows[n % len(windows)]
            if n % len(windows) == 0:                                  # the streams start again
                states = {name: [np.zeros((inputs.shape[1], m.hidden_size))] * len(m.STATES)
                          for name, m in models.items()}
            for name in names if n % 2 == 0 else names[::-1]:
                model, record, began = models[name], records[name], time.perf_counter()
                loss = model.forward(inputs, targets, *states[name]) / inputs.size  # (TODO 10)
                if not math.isfinite(loss):
                    raise TrainingDiverged(f"the {name} loss became {loss} at iteration {n + 1}; "
                                           f"try a smaller --learning-rate (now {rates[name]})")
                model.backward()                                                    # (TODO 10)
                model.update_weights(rates[name])                                   # (TODO 10)
                record["seconds"][n] = time.perf_counter() - began                 # (TODO 10)
                record["loss"][n] = loss                                            # (TODO 10)
                states[name] = [getattr(model, s)[-1] for s in model.STATES]       # carried on
            if heldout_ids is not None and n + 1 in evaluate_at:
                for name, model in models.items():
                    records[name]["eval_iterations"].append(n + 1)
                    records[name]["heldout"].append(heldout_loss_per_char(model, heldout_ids))
            if log and (n + 1) % every == 0:
                log(progress_line(records, n + 1, every, iterations, time.perf_counter() - start))
    if single:
        return list(records[names[0]]["loss"]), list(records[names[0]]["seconds"])
    return records

def compare_models(text, char_to_idx, hidden_size=64, num_iterations=ITERATIONS, **options):
    """The exercise's comparison (TODO 11-13): `compare_lstm_gru`, one seed, LSTM and GRU only."""
    return compare_lstm_gru(text, hidden_size, iterations=num_iterations,          # (TODO 11)
                            seeds=[SEED], keys=("lstm", "gru"), char_to_idx=char_to_idx, **options)

def plot_comparison(results, path=os.path.join(OUTDIR, "ex5_comparison.png")):
    """The exercise's three panels (for TODO 14): loss, time per iteration, parameters. results: the
    exercise file's {'lstm': {'params', 'losses', 'times'}, 'gru': {...}}, extras optional."""
    prepare_outdir(os.path.dirname(path) or ".", "path")
    return visualize_comparison(results, analyze_comparison(results), path,
                                ("loss", "time", "params"))                           # (TODO 14)

def write_comparison_report(results):
    """The exercise's report (for TODO 15), printed from `results` (as for `plot_comparison`)."""
    print_report(results, analyze_comparison(results))                                # (TODO 15)

def batch_windows(ids, seq_length, batch_size):
    """`ids` cut into batch_size streams, one per batch column, read seq_length at a time, so each
    stream's state carries on; too few ids: fewer streams, then shorter windows (2 ids give one
    step). Returns the list of (inputs, targets), each (T, B), the targets one character ahead."""
    ids = np.asarray(ids)
    T, B = check_int("seq_length", seq_length), check_int("batch_size", batch_size)
    if len(ids) < 2:
        raise ValueError(f"text: expected at least 2 characters (input, target), got {len(ids)}")
    B = max(1, min(B, (len(ids) - 1) // T))             # fewer streams for a short text ...
    L = (len(ids) - 1) // B                              # characters per stream
    T = min(T, L)                                        # ... and shorter windows if need be
    inputs, targets = ids[:B * L].reshape(B, L).T, ids[1:B * L + 1].reshape(B, L).T
    return [(inputs[p:p + T], targets[p:p + T]) for p in range(0, L - T + 1, T)]

def parameter_blocks(model):
    """Parameters per block of this file's LSTM or GRU: {"reset gate": H (H + D) + H, ...,
    "output layer": V (H + 1)}."""
    blocks = {**model.BLOCKS, "output layer": ("Wy", "by")}
    return {part: sum(getattr(model, name).size for name in names)
            for part, names in blocks.items()}

# ---- The comparison -----------------------------------------------------------------------------
def compare_lstm_gru(text, hidden_size=HIDDEN_SIZE, learning_rates=None, iterations=ITERATIONS,
                     seeds=range(SEED, SEED + SEEDS), seq_length=SEQ_LENGTH,
                     batch_size=BATCH_SIZE, char_to_idx=None, keys=MODEL_KEYS, log=None):
    """Train an LSTM, a GRU of the same H and a GRU with the LSTM's parameter count ("gru_matched")
    in lockstep on `text` less its last 10%, each at its own rate (LEARNING_RATES, updated by
    learning_rates), once per seed. Returns {"config", key: {"label", "hidden_size", "params",
    "learning_rate", "blocks", "losses", "times" (means over seeds), "runs": [{"seed", ...}]}}."""
    seeds = check_seeds(seeds)
    train_text, heldout_text = split_text(text)
    char_to_idx = char_to_idx or {ch: k for k, ch in enumerate(sorted(set(text)))}
    V = max(char_to_idx.values()) + 1
    T, B = batch_windows(encode(train_text, char_to_idx), seq_length, batch_size)[0][0].shape
    sizes = {"lstm": hidden_size, "gru": hidden_size,
             "gru_matched": matched_hidden_size(hidden_size, V, V)}
    kinds, rates = {"lstm": LSTM, "gru": GRU, "gru_matched": GRU}, LEARNING_RATES.copy()
    rates.update(learning_rates or {})
    results = {"config": {"seq_length": T, "batch_size": B, "iterations": iterations,
                          "seeds": seeds, "vocab_size": V, "train_chars": len(train_text),
                          "heldout_chars": len(heldout_text)}}
    for key in keys:
        name = f"{kinds[key].__name__} H={sizes[key]}" + " (matched)" * (key == "gru_matched")
        results[key] = dict(label=name, hidden_size=sizes[key], learning_rate=rates[key], runs=[])
    for number, seed in enumerate(seeds):
        models = {key: kinds[key](V, sizes[key], V, seed=seed)          # (TODO 12), (TODO 13)
                  for key in keys}
        progress = log and (lambda line: log(f"seed {seed} ({number + 1}/{len(seeds)})  {line}"))
        records = train_model(models, train_text, char_to_idx, iterations, rates, heldout_text,
                              seq_length, batch_size, progress)
        for key in keys:
            results[key]["runs"].append({"seed": seed, **records[key]})
    for key, model in models.items():
        runs = results[key]["runs"]
        results[key].update(params=count_parameters(model), blocks=parameter_blocks(model),
                            losses=np.mean([r["loss"] for r in runs], axis=0),
                            times=np.mean([r["seconds"] for r in runs], axis=0))
    return results

# ---- Analysis: the report's numbers and the course's claims -------------------------------------
def analyze_comparison(results):
    """The numbers behind the report. results: the exercise's {'lstm': {'params', 'losses',
    'times'}, 'gru': {...}} or `compare_lstm_gru`'s (its extras used). Returns {"total", "savings":
    {"model", "cell" (with blocks)}: % fewer in the GRU, "ms": median per iteration, "ratio": median
    paired time over the LSTM's, "speedup_by_seed", "final": (mean, std) over seeds, "final_kind",
    "last" (held-out), "diff": % above the LSTM's final loss, "gap", "noise", "noise_kind",
    "threshold", "window", "reached": (iteration, seconds) or None, "verdicts"}, by model key."""
    keys = model_keys(results)                    # ValueError unless 'lstm' and 'gru' are there
    runs = {key: runs_of(results[key]) for key in keys}
    total = {key: int(results[key]["params"]) for key in keys}
    mean_std = lambda v: (float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else 0.0)
    a = {"total": total, "savings": {"model": 100 * (1 - total["gru"] / total["lstm"])}}
    if all("blocks" in results[key] for key in keys):    # the recurrent cell: 3 blocks against 4
        cell = {key: total[key] - results[key]["blocks"]["output layer"] for key in keys}
        a["savings"]["cell"] = 100 * (1 - cell["gru"] / cell["lstm"])
    paired = {key: [paired_ratios(r, l) for r, l in zip(runs[key], runs["lstm"])] for key in keys}
    a["ms"] = {key: 1e3 * float(np.median(np.concatenate([r["seconds"] for r in runs[key]])))
               for key in keys}
    a["ratio"] = {key: float(np.median(np.concatenate(paired[key]))) for key in keys}
    a["speedup_by_seed"] = {key: [100 * (1 - float(np.median(p))) for p in paired[key]]
                            for key in keys}
    # Final loss: each run's lowest held-out loss (early stopping) if it has one, else its mean
    # training loss over the last 10% of iterations. Noise: the spread over seeds, or over those.
    tail = lambda run: np.asarray(run["loss"])[-max(1, len(run["loss"]) // 10):]
    if all(run.get("heldout") for key in keys for run in runs[key]):
        a["final_kind"] = "lowest held-out loss"
        a["final"] = {key: mean_std([min(r["heldout"]) for r in runs[key]]) for key in keys}
        a["last"] = {key: mean_std([r["heldout"][-1] for r in runs[key]]) for key in keys}
    else:
        a["final_kind"] = "training loss, mean of the last 10% of iterations"
        a["final"] = {key: mean_std([tail(r).mean() for r in runs[key]]) for key in keys}
    a["diff"] = {key: 100 * (a["final"][key][0] / a["final"]["lstm"][0] - 1) for key in keys}
    a["gap"] = {key: abs(a["final"][key][0] - a["final"]["lstm"][0]) for key in keys}
    seeds = min(len(runs["lstm"]), len(runs["gru"])) > 1
    a["noise"] = a["final"]["lstm"][1] + a["final"]["gru"][1] if seeds else \
        float(tail(runs["lstm"][0]).std() + tail(runs["gru"][0]).std())
    a["noise_kind"] = ("the two standard deviations over seeds, added" if seeds else
                       "one seed: the spreads of the last 10% of training losses, added")
    # Convergence: the first iteration at which the moving average of the training loss (mean
    # over seeds) reaches a threshold that both the LSTM and the GRU reach.
    curves = {key: np.mean([r["loss"] for r in runs[key]], axis=0) for key in keys}
    a["window"] = w = max(1, min(len(c) for c in curves.values()) // 25)
    smooth = {key: np.convolve(c, np.ones(w) / w, "valid") for key, c in curves.items()}
    a["threshold"] = CONVERGED * max(smooth["lstm"].min(), smooth["gru"].min())
    a["reached"] = {}
    for key in keys:
        below = np.flatnonzero(smooth[key] <= a["threshold"])
        n = int(below[0]) + w if len(below) else 0               # the average ends at iteration n
        seconds = np.mean([r["seconds"][:n] for r in runs[key]], axis=0).sum()
        a["reached"][key] = (n, float(seconds)) if n else None
    a["verdicts"] = claim_verdicts(a)
    return a

def claim_verdicts(a):
    """The course's claims against `analyze_comparison`'s numbers for the GRU of the LSTM's H:
    [{"claim", "source", "holds", "status"}], each status saying which way a claim misses."""
    saved, cell = a["savings"]["model"], a["savings"].get("cell")
    speedup, diff = 100 * (1 - a["ratio"]["gru"]), a["diff"]["gru"]
    params = range_verdict(PARAMETER_CLAIM, saved, "a larger saving", "a smaller saving",
                           f"the GRU has {-saved:.1f}% more parameters")
    if cell is not None and not params["holds"] and 25 <= round(cell, 6) <= 30:
        params["status"] = (f"holds for the recurrent cell only ({cell:.1f}% fewer); the whole "
                            f"model, output layer included: {params['status']}")
    speed = [range_verdict(claim, speedup, "faster", "a smaller speed-up",
                           f"the GRU takes {-speedup:.1f}% more time") for claim in SPEED_CLAIMS]
    similar, wider = abs(diff) <= SIMILAR, a["gap"]["gru"] > a["noise"]
    loss = {"claim": LOSS_CLAIM[0], "source": LOSS_CLAIM[1], "holds": similar, "status":
            f"{'holds' if similar else 'not similar'}: the GRU's is {abs(diff):.1f}% "
            f"{'lower (better)' if diff < 0 else 'higher (worse)'} than the LSTM's (similar: "
            f"within {SIMILAR:g}%), a gap {'wider' if wider else 'narrower'} than the noise"}
    return [params, *speed, loss]

def range_verdict(claim, value, more, less, not_at_all):
    """A claimed range (quote, source, low %, high %) against the measured `value` %: it holds,
    or it misses one way ("<more> than claimed", "<less> than claimed"), or "not at all"."""
    quote, source, low, high = claim
    holds, span = low <= round(value, 6) <= high, f"{low}-{high}%"
    status = (f"holds: {value:.1f}%, within {span}" if holds else f"not at all: {not_at_all}"
              if value <= 0 else f"{more if value > high else less} than claimed: {value:.1f}% "
              f"against {span}")
    return {"claim": quote, "source": source, "holds": holds, "status": status}

# ---- Printing and plotting ----------------------------------------------------------------------
def print_report(results, a):
    """Print the table, the parameters by block and the five-part report (for TODO 15)."""
    keys, cfg, heldout = model_keys(results), results.get("config"), "last" in a
    width = max(len(label(results, key)) for key in keys)
    if cfg:
        print(f"\n{cfg['train_chars']:,} characters to train on, {cfg['heldout_chars']:,} held "
              f"out, V={cfg['vocab_size']}, T={cfg['seq_length']}, B={cfg['batch_size']}, "
              f"{cfg['iterations']} iterations, seeds {cfg['seeds']}")
    print(f"{'model':<{width}}     lr   params  ms/iter  vs LSTM   "
          + ("held-out best   held-out last" if heldout else "final training loss"))
    for key in keys:
        (final, final_sd), rate = a["final"][key], results[key].get("learning_rate", "")
        print(f"{label(results, key):<{width}}  {rate:>5}  {a['total'][key]:>7,}  "
              f"{a['ms'][key]:7.2f}  {a['ratio'][key]:6.3f}x  {final:6.3f} +- {final_sd:.3f}"
              + (f"  {a['last'][key][0]:6.3f} +- {a['last'][key][1]:.3f}" if heldout else ""))
    chance = f"a uniform guess scores ln V = {math.log(cfg['vocab_size']):.2f}; " if cfg else ""
    print(f"(nats per character; {chance}'vs LSTM' is the median paired time ratio)")
    for key in (key for key in keys if "blocks" in results[key]):
        blocks = ", ".join(f"{n:,} {part}" for part, n in results[key]["blocks"].items())
        print(f"  {label(results, key):<{width}}  {blocks}")
    print("\nthe report (the exercise's TODO 15) from this run; the course's claims at the same H:")
    for number, lines in enumerate(report_parts(results, a), start=1):
        print(f"{number}. " + "\n   ".join(lines))

def report_parts(results, a):
    """The report's five parts (lists of lines); each quoted claim with its source and verdict."""
    verdict = lambda v: f"\"{v['claim']}\" ({v['source']}): {v['status']}"
    (lstm, lstm_sd), (gru, gru_sd) = a["final"]["lstm"], a["final"]["gru"]
    speedup, diff, cell = 100 * (1 - a["ratio"]["gru"]), a["diff"]["gru"], a["savings"].get("cell")
    by_seed, wider = a["speedup_by_seed"]["gru"], a["gap"]["gru"] > a["noise"]
    reached = {key: f"{label(results, key)} at " + (f"iteration {r[0]} ({r[1]:.2f} s of "
               "training)" if r else "no iteration") for key, r in a["reached"].items()}
    first = sorted(reached, key=lambda key: (a["reached"][key] or (math.inf,))[0])
    return [[f"parameters: LSTM {a['total']['lstm']:,}, GRU {a['total']['gru']:,}: the GRU has "
             f"{a['savings']['model']:.1f}% fewer" + (f" ({cell:.1f}% fewer in the recurrent "
             "cell: 3 weight blocks against 4)" if cell is not None else ""),
             verdict(a["verdicts"][0])],
            [f"speed: the GRU takes {abs(speedup):.1f}% {'less' if speedup >= 0 else 'more'} time"
             f" per iteration ({a['ms']['gru']:.2f} against {a['ms']['lstm']:.2f} ms, median; "
             f"by seed {', '.join(f'{x:.1f}%' for x in by_seed)})",
             *(verdict(v) for v in a["verdicts"][1:3])],
            [f"final loss ({a['final_kind']}, nats per character): LSTM {lstm:.3f} +- "
             f"{lstm_sd:.3f}, GRU {gru:.3f} +- {gru_sd:.3f}; the GRU's is {abs(diff):.1f}% "
             f"{'lower' if diff < 0 else 'higher'}, a gap of {a['gap']['gru']:.3f}, "
             f"{'wider' if wider else 'narrower'} than the noise, {a['noise']:.3f} "
             f"({a['noise_kind']})", verdict(a["verdicts"][3])],
            [f"convergence to {a['threshold']:.3f} nats per character, {CONVERGED - 1:.0%} above "
             f"the higher of the LSTM's and the GRU's lowest training loss (moving average of "
             f"{a['window']} iterations): first " + "; then ".join(reached[key] for key in first)],
            recommendations(results, a)]

def recommendations(results, a):
    """When to choose the LSTM and when the GRU, drawn from this run's numbers: a list of lines."""
    speedup, diff = 100 * (1 - a["ratio"]["gru"]), a["diff"]["gru"]
    faster, wider = speedup > 0, a["gap"]["gru"] > a["noise"]
    if wider and diff < 0:
        choice = "the GRU: lower loss, and cheaper" if faster else "the GRU for the loss, the LSTM"
    elif wider:
        choice = f"the LSTM when the loss matters most, the GRU when {speedup:.0f}% less time " \
                 "does" if faster else "the LSTM: lower loss, and not slower"
    else:
        choice = "the GRU when time or memory is tight, as the losses are within the noise" \
            if faster else "either: neither the loss nor the speed tells them apart"
    lines = [f"recommendations: here the GRU took {a['ratio']['gru']:.2f}x the LSTM's time per "
             f"iteration with {a['savings']['model']:.1f}% fewer parameters, and its final loss "
             f"was {diff:+.1f}% against the LSTM's: choose {choice}"]
    if "gru_matched" in a["diff"]:
        lines.append(f"with the LSTM's parameter count, {label(results, 'gru_matched')}'s final "
                     f"loss was {a['diff']['gru_matched']:+.1f}% against the LSTM's, at "
                     f"{a['ratio']['gru_matched']:.2f}x its time per iteration")
    return lines + [f"not tested here: sequences longer than the training windows, where the "
                    "course advises the LSTM (Exercise 4 measures memory over distance)"]

COLORS = {"lstm": "tab:blue", "gru": "tab:orange", "gru_matched": "tab:green"}
PANELS = ("loss", "loss_vs_time", "time", "params")

def visualize_comparison(results, a, path, panels=PANELS):
    """Save the figure at `path`, return it. panels, any of PANELS: training (moving average) and
    held-out loss against iteration; training loss against time; ms per iteration; parameters by
    block. Held-out points, bands over seeds, the chance line and blocks appear where given."""
    keys, cfg, w = model_keys(results), results.get("config", {}), a["window"]
    chance = math.log(cfg["vocab_size"]) if cfg else None
    fig, axes = plt.subplots(*((2, 2) if len(panels) == 4 else (1, len(panels))), squeeze=False,
                             figsize=(14, 11) if len(panels) == 4 else (6 * len(panels), 6))
    for ax, panel in zip(axes.ravel(), panels):
        if panel in ("loss", "loss_vs_time"):
            for key in keys:
                runs, color, name = runs_of(results[key]), COLORS[key], label(results, key, True)
                curves = np.array([np.convolve(r["loss"], np.ones(w) / w, "valid") for r in runs])
                mean, sd = curves.mean(0), curves.std(0)        # the moving average ends at x
                x = np.arange(w, curves.shape[1] + w) if panel == "loss" else \
                    np.cumsum(np.mean([r["seconds"] for r in runs], axis=0))[w - 1:]
                ax.plot(x, mean, color=color, label=name + ", training" * (panel == "loss"))
                if len(runs) > 1:
                    ax.fill_between(x, mean - sd, mean + sd, color=color, alpha=0.2)
                if panel == "loss" and runs[0].get("heldout"):
                    heldout = np.array([r["heldout"] for r in runs])
                    ax.errorbar(runs[0]["eval_iterations"], heldout.mean(0), heldout.std(0),
                                c=color, ls="--", marker="o", ms=3, label=f"{name}, held-out")
            if chance:
                ax.axhline(chance, c="grey", ls=":", label=f"uniform guess, ln V = {chance:.2f}")
            seeds = f"mean +- std over {len(runs)} seeds" if len(runs) > 1 else "one seed"
            ax.set(ylabel="cross-entropy (nats per character)", ylim=(0, 1.45 * chance if chance
                   else None), xlabel="training iteration" if panel == "loss" else
                   "training time (s, mean over seeds)", title=("Loss per iteration" if panel ==
                   "loss" else "Training loss against time") + f": training (mean of the last "
                   f"{w}){' and held-out' * (panel == 'loss' and 'last' in a)}\n{seeds}")
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
        elif panel == "time":
            ms = [1e3 * np.concatenate([r["seconds"] for r in runs_of(results[k])]) for k in keys]
            box = ax.boxplot(ms, whis=(5, 95), showfliers=False, patch_artist=True,
                             medianprops={"c": "k"})
            for k, (patch, key) in enumerate(zip(box["boxes"], keys), start=1):
                patch.set(facecolor=COLORS[key], alpha=0.5)
                ax.annotate(f"{a['ms'][key]:.2f} ms\n{a['ratio'][key]:.2f}x LSTM",
                            (k + 0.3, a["ms"][key]))
            ax.set_xticks(range(1, len(keys) + 1), [label(results, key) for key in keys])
            shape = f", T={cfg['seq_length']}, B={cfg['batch_size']}" if cfg else ""
            ax.set(ylabel="ms per iteration (forward, backward, update)", title=f"Time per "
                   f"iteration{shape}\nmedian, quartiles and 5-95% of all iterations and seeds",
                   ylim=(0, 1.3 * max(map(np.max, ms))))              # room for the labels
        else:
            for row, key in enumerate(keys):     # a bar segment per block, the output layer grey
                counts = list(results[key].get("blocks", {"all": a["total"][key]}).values())
                blocks = len(counts) - 1                     # 0: only the total is known
                ax.barh(row, counts, left=np.cumsum([0] + counts[:-1]), edgecolor="white",
                        color=[COLORS[key]] * max(blocks, 1) + ["lightgrey"] * (blocks > 0))
                parts = f" = {blocks} x {counts[0]:,} + {counts[-1]:,}" * (blocks > 0)
                ax.annotate(f"{sum(counts):,}{parts}", (sum(counts), row), xytext=(4, 0),
                            textcoords="offset points", va="center")
            ax.set_yticks(range(len(keys)), [label(results, key) for key in keys])
            ax.invert_yaxis()
            saved, cell = a["savings"], "cell" in a["savings"]
            title = f"by block\nsame H: GRU cell {saved['cell']:.1f}% fewer, whole model" if cell \
                else "\nGRU:"
            ax.set(xlabel="parameters" + " (grey: output layer Wy, by)" * cell, title=f"Parameters "
                   f"{title} {saved['model']:.1f}% fewer", xlim=(0, 1.6 * max(a["total"].values())))
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return fig

# ---- main ---------------------------------------------------------------------------------------
def demo(hidden_size, iterations, seeds, learning_rates, figure):
    """The exercise file's last lines, TODO 16-18, with arguments checked on the command line."""
    print(f"training an LSTM, a GRU and a parameter-matched GRU in lockstep: H={hidden_size}, "
          f"{iterations} iterations, seeds {seeds.start}-{seeds.stop - 1}")
    results = compare_lstm_gru(DEFAULT_CORPUS, hidden_size, learning_rates,         # (TODO 16)
                               iterations, seeds, log=print)
    analysis = analyze_comparison(results)      # then write_comparison_report, plot_comparison:
    print_report(results, analysis)                                                     # (TODO 18)
    return visualize_comparison(results, analysis, figure)                              # (TODO 17)

def main(argv=None):
    """The command line (below the banner, with --check, --tune, --benchmark); the exit code."""
    return run_command_line(argv, demo)

# ---- Tooling: nothing below this line is part of the exercise ----
import argparse
import contextlib
import importlib.util
import inspect
import io
import re
import signal
import tempfile
import threading
import traceback
import warnings

QUICK = {"hidden_size": 64, "iterations": 120, "seeds": 3}   # --quick
MAX_SIZE, MAX_VOCAB, MAX_PARAMETERS = 4096, 100_000, 10 ** 8   # no MemoryError: a clear error
TUNE_RATES, TUNE_SEEDS = (0.025, 0.05, 0.1, 0.2), 2
BENCH_CASES = ((25, 1, 100), (50, 32, 128), (50, 32, 256), (50, 64, 256))   # (T, B, H)
BENCH_SECONDS = 15.0       # per case (a fifth with --quick)


# ---- The LSTM the GRU is compared with: Exercise 1's, with its blocks stacked like the GRU's -------
# (The course's exercise file imports its own LSTM from implementation.py; this one computes
# Exercise 1's numbers, tests/test_pack_consistency.py holds it to them.)
class LSTM(FusedRNN):
    """Exercise 1's LSTM, fused: the same names, equations, caches and numbers (a pack test holds
    it to them). Stacked in the order f, i, o, C_tilde, so the three sigmoid gates are one slice."""
    BLOCKS = {"forget gate": ("Wf", "bf"), "input gate": ("Wi", "bi"),
              "output gate": ("Wo", "bo"), "candidate C~": ("Wc", "bc")}
    PARAM_NAMES = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
    STATES = ("h_states", "C_states")

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE):
        D, H, V, rng = self._start(input_size, hidden_size, output_size, seed, clip_value)
        scale = 1.0 / np.sqrt(H + D)                   # each pre-activation's variance near 1
        self.Wf, self.bf = rng.normal(0.0, scale, (H, H + D)), np.ones(H)   # bf = 1: C is kept
        self.Wi, self.bi = rng.normal(0.0, scale, (H, H + D)), np.zeros(H)
        self.Wo, self.bo = rng.normal(0.0, scale, (H, H + D)), np.zeros(H)
        self.Wc, self.bc = rng.normal(0.0, scale, (H, H + D)), np.zeros(H)
        self.Wy, self.by = rng.normal(0.0, 0.01, (V, H)), np.zeros(V)

    def forward(self, inputs, targets, h_prev, C_prev):
        """Run the LSTM over a sequence; return the loss, - sum_t ln y_t[target_t] in nats.
        inputs: ids in [0, D), (T,) for one sequence or (T, B) for a batch; targets: ids in [0, V),
        shaped like inputs; h_prev, C_prev: (H,) or (B, H). Keeps (a batch adds a B axis after the
        first): inputs_cache (T, D) one-hot x_t; targets; h_states, C_states (T+1, H) with [0] the
        given states; f_gates, i_gates, o_gates, C_tilde_cache (T, H); y_probs (T, V).
        ValueError on bad input."""
        X, (h0, C0) = self._begin(inputs, targets, {"h_prev": h_prev, "C_prev": C_prev})
        (T, B), H = X.shape, self.hidden_size
        W, b = self._stack()                           # (4H, H+D), (4H,)
        W_h = W[:, :H].T                               # (H, 4H): the columns that read h_prev
        x_part = (W[:, H:].T + b)[X]                   # (T, B, 4H): W . x_t + b; x_t picks a column
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
        self._cache = (W, gates)
        self.h_states, self.C_states = self._unbatch(h), self._unbatch(C)
        self.f_gates, self.i_gates, self.o_gates, self.C_tilde_cache = (
            self._unbatch(g) for g in np.split(gates, 4, axis=2))
        return self._output(h[1:])

    def backward(self):
        """BPTT through the last forward, its steps in reverse. Sets dWf, dbf, ..., dWy, dby,
        clipped to [-clip_value, clip_value]; returns (dh_next, dC_next), d loss / d h_prev and
        C_prev, unclipped. RuntimeError before any forward."""
        dh_out = self._output_backward()
        W, gates = self._cache                                 # the stacked weights forward used
        T, B, H = dh_out.shape
        h, C = self.h_states.reshape(T + 1, B, H), self.C_states.reshape(T + 1, B, H)
        slope = gates * (1.0 - gates)                          # sigmoid' = s (1 - s) for f, i, o
        slope[..., 3 * H:] = 1.0 - gates[..., 3 * H:] ** 2     # and tanh' = 1 - tanh^2 for C~
        W_h = W[:, :H]                                         # (4H, H)
        da = np.empty_like(gates)                              # d loss / d pre-activations
        dh_next, dC_next = np.zeros((B, H)), np.zeros((B, H))  # from step t+1
        for t in reversed(range(T)):
            f_t, i_t, o_t, C_tilde = (gates[t, :, k * H:(k + 1) * H] for k in range(4))
            tanh_C = np.tanh(C[t + 1])
            dh = dh_out[t] + dh_next                           # from y_t and from step t+1
            do = dh * tanh_C                                   # h_t = o_t * tanh(C_t)
            dC = dC_next + dh * o_t * (1.0 - tanh_C ** 2)
            df, di, dC_tilde = dC * C[t], dC * C_tilde, dC * i_t   # C_t = f_t C_prev + i_t C~
            da[t] = np.concatenate([df, di, do, dC_tilde], axis=1) * slope[t]
            dC_next = dC * f_t                                 # f_t near 1 carries it far back
            dh_next = da[t] @ W_h                              # concat = [h_prev, x_t]: h part
        da = da.reshape(T * B, 4 * H)
        dW = da.T @ self._concat(h[:-1])                       # all steps in one matmul
        self._store_gradients(dW, da.sum(axis=0))
        return self._unbatch(dh_next, axis=0), self._unbatch(dC_next, axis=0)


# ---- Argument checks (check_int ... check_state as in Exercise 1) --------------------------------
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

def check_heldout_ids(ids, size):
    """`ids` as a (N,) array of ids in [0, size), N >= 2; otherwise ValueError naming ids."""
    ids = check_ids("ids", ids, size)
    if ids.ndim != 1 or len(ids) < 2:
        raise ValueError(f"ids: expected a (N,) array of at least 2 ids, got shape {ids.shape}")
    return ids

def check_seeds(seeds):
    """`seeds` as a non-empty list of integers >= 0; otherwise ValueError naming seeds."""
    seeds = [check_int("seeds", seed, low=0) for seed in seeds]
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got none")
    return seeds

def check_sizes(input_size, hidden_size, output_size, blocks):
    """A model's (D, H, V), checked before any array is made: ValueError naming the size, also
    when the model would exceed MAX_PARAMETERS (instead of a MemoryError)."""
    D = check_int("input_size", input_size, high=MAX_VOCAB)
    H = check_int("hidden_size", hidden_size, high=MAX_SIZE)
    V = check_int("output_size", output_size, high=MAX_VOCAB)
    count = blocks * H * (H + D + 1) + V * (H + 1)
    if count > MAX_PARAMETERS:
        raise ValueError(f"hidden_size: expected a model of at most {MAX_PARAMETERS:,} parameters, "
                         f"got {count:,} with hidden_size {H}, input_size {D}, output_size {V}")
    return D, H, V

def check_sequence(model, inputs, targets, states):
    """A forward call's ids and states, checked: ids (T,) or (T, B), states {name: (H,) or (B, H)}.
    Returns (inputs, targets, [states as (B, H)])."""
    inputs = check_ids("inputs", inputs, model.input_size)
    targets = check_ids("targets", targets, model.output_size)
    if targets.shape != inputs.shape:
        raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, got {targets.shape}")
    shape = inputs.shape[1:] + (model.hidden_size,)
    return inputs, targets, [check_state(name, value, shape).reshape(-1, shape[-1])
                             for name, value in states.items()]

def model_keys(results):
    """The models in `results`, in MODEL_KEYS order. ValueError naming the part, unless it has 'lstm'
    and 'gru' entries, each with 'params' and either 'runs' or 'losses' and 'times' of one length."""
    if not isinstance(results, dict) or not {"lstm", "gru"} <= set(results):
        got = sorted(map(str, results)) if isinstance(results, dict) else type(results).__name__
        raise ValueError(f"results: expected a dict with 'lstm' and 'gru' entries, got {got}")
    for key in (key for key in MODEL_KEYS if key in results):
        entry = results[key]
        if not isinstance(entry, dict) or "params" not in entry or not (
                entry.get("runs") or {"losses", "times"} <= set(entry)):
            got = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            raise ValueError(f"results['{key}']: expected a dict with 'params', 'losses' and "
                             f"'times', got {got}")
        for run in runs_of(entry):
            if not 0 < len(run["loss"]) == len(run["seconds"]):
                raise ValueError(f"results['{key}']: expected 'losses' and 'times' of one "
                                 f"non-zero length, got {len(run['loss'])} and {len(run['seconds'])}")
    return [key for key in MODEL_KEYS if key in results]

def learning_rates_for(models, learning_rate):
    """{name: rate} for `train_model`'s models: one number for all, {name: number}, or None for
    LEARNING_RATES by name (by kind for a name it lacks)."""
    if learning_rate is None:
        learning_rate = {name: LEARNING_RATES.get(name, LEARNING_RATES[
            "lstm" if isinstance(model, LSTM) else "gru"]) for name, model in models.items()}
    elif not isinstance(learning_rate, dict):
        learning_rate = dict.fromkeys(models, learning_rate)
    missing = [name for name in models if name not in learning_rate]
    if missing:
        raise ValueError(f"learning_rate: expected a rate for each model, none for {missing[0]!r}")
    return {name: check_float("learning_rate", learning_rate[name]) for name in models}


# ---- Helpers of the training and the comparison --------------------------------------------------
def heldout_loss_per_char(model, ids):
    """Loss in nats per character of predicting ids[1:] from ids[:-1], read as one sequence from
    zero states, with no update. ids: (N,) ints, N >= 2."""
    ids = check_heldout_ids(ids, model.input_size)
    zeros = [np.zeros(model.hidden_size)] * len(model.STATES)
    return model.forward(ids[:-1], ids[1:], *zeros) / (len(ids) - 1)

class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""

def encode(text, char_to_idx):
    """(N,) int ids of the characters of `text`; ValueError naming a character char_to_idx lacks."""
    missing = sorted(set(text) - set(char_to_idx))
    if missing:
        raise ValueError(f"char_to_idx: expected an id for each character of the text, "
                         f"not {missing[0]!r}")
    return np.array([char_to_idx[ch] for ch in text], dtype=int)

def split_text(text):
    """(training text, held-out text): the last HELDOUT_FRACTION held out, 2 characters at least.
    ValueError unless the text has 2 distinct characters and 4 characters in all."""
    if len(set(text)) < 2 or len(text) < 4:
        raise ValueError(f"text: expected 4 characters or more, 2 of them distinct, got "
                         f"{len(text)} with {len(set(text))} distinct")
    n_heldout = max(2, int(len(text) * HELDOUT_FRACTION))
    return text[:-n_heldout], text[-n_heldout:]

def matched_hidden_size(lstm_hidden_size, input_size, output_size):
    """The GRU hidden size h whose whole-model parameter count is closest to an LSTM's (ties: the
    smaller h): 4 H (H + D + 1) + V (H + 1) = 3 h^2 + (3 (D + 1) + V) h + V, solved for h."""
    H, D, V = (check_int(name, value) for name, value in (
        ("lstm_hidden_size", lstm_hidden_size), ("input_size", input_size),
        ("output_size", output_size)))
    target, linear = 4 * H * (H + D + 1) + V * (H + 1), 3 * (D + 1) + V
    root = (-linear + math.sqrt(linear ** 2 + 12 * (target - V))) / 6
    return min({max(1, math.floor(root)), math.ceil(root)},
               key=lambda h: (abs(3 * h * (h + D + 1) + V * (h + 1) - target), h))

def runs_of(entry):
    """A model's runs: its "runs", or one run made of the exercise's "losses" and "times"."""
    return entry.get("runs") or [{"loss": entry["losses"], "seconds": entry["times"]}]

def paired_ratios(run, lstm_run):
    """Each iteration's seconds over the LSTM's in the same iteration (the same load on a shared
    machine); if the runs differ in length, the ratio of their medians."""
    seconds, lstm = np.asarray(run["seconds"]), np.asarray(lstm_run["seconds"])
    return seconds / lstm if seconds.shape == lstm.shape else [np.median(seconds) / np.median(lstm)]

def label(results, key, rate=False):
    """A model's name in tables and legends: its "label", else LSTM / GRU; with ", lr ..." if asked."""
    entry = results[key]
    name = entry.get("label", key.upper().replace("_MATCHED", " (matched)"))
    return name + (f", lr {entry['learning_rate']}" if rate and "learning_rate" in entry else "")

def progress_line(records, done, every, total, elapsed):
    """`train_model`'s progress: mean loss and median ms of the last `every` iterations, and ETA."""
    last = slice(done - every, done)
    parts = [f"{key} {r['loss'][last].mean():.2f} {1e3 * np.median(r['seconds'][last]):.1f}ms"
             for key, r in records.items()]
    eta = elapsed / done * (total - done)
    return f"iter {done}/{total}  loss/char, ms/iter: {'  '.join(parts)}  eta {eta:.0f} s"


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


# ---- --check for Exercise 5: the learner's GRU beside ours, on the same weights, ids and h_prev ----------
CHECK_TITLE = "Exercise 5: your GRU beside the solution's on the same weights, ids and h_prev (D=5, H=4, V=6)"
CHECK_STUB_ERRORS = (   # errors raised by lines the course's exercise file writes itself
    (r"No module named 'implementation'", "it needs the course's implementation.py in the folder above "
     "it (the course's layout: exercises/ beside implementation.py), as its sys.path.append('..') expects"),
    (r"name 'targets' is not defined", "this line comes with the exercise file: backward(self) is given no "
     "targets, so keep them in forward (self.targets = targets) and read self.targets"),
    (r"has no attribute 'Wy'", "this line comes with the exercise file, which counts Wy: the course's LSTM "
     "names its output weights Why"),
    (r"shape \(\d+, 1\)", "the course's LSTM takes (H, 1) states and returns (loss, h, C, cache): drive it "
     "through its own API (backward(inputs, targets, cache), update_weights(grads))"))
GRU_NAMES = ("Wr", "br", "Wz", "bz", "Wh", "bh", "Wy", "by")
GRU_TODO = {"Wr": "2", "br": "2", "Wz": "3", "bz": "3", "Wh": "4", "bh": "4", "Wy": "5", "by": "5"}
GRU_CACHES = (  # (key, what, the usual names of its cache (lower case, no '_'), the equation behind it)
    ("r", "r_t", r"rs?|rt|rgates?|resets?|resetgates?|rcache|rlist",
     "r_t = sigmoid(Wr @ concat + br), concat = np.concatenate([h_prev, x_t])"),
    ("z", "z_t", r"zs?|zt|zgates?|updates?|updategates?|zcache|zlist|us?",
     "z_t = sigmoid(Wz @ concat + bz)"),
    ("c", "h~_t", r"htildes?|htilde(cache|list)|hcands?|hcandidates?|candidates?|hhats?|hbars?|ns?",
     "h~_t = tanh(Wh @ np.concatenate([r_t * h_prev, x_t]) + bh): r_t multiplies h_prev before the @, as "
     "the course's equation writes it"),
    ("h", "h_t", r"hs?|hstates?|hiddenstates?|hiddens?|hlist|hcache|states",
     "h_t = (1 - z_t) * h_prev + z_t * h~_t, with h_prev of step t the h_t of step t - 1"),
    ("y", "y_t", r"ys?|yprobs|ps|probs|probabilities|yhats?|outputs?|softmax|preds?",
     "y_t = softmax(Wy @ h_t + by): np.exp(s - s.max()) / np.exp(s - s.max()).sum()"))
GRU_GRAD_HINTS = {
    "Wy": "dy = y_t - onehot(target_t); dWy += np.outer(dy, h_t); dby += dy, summed over the steps",
    "Wh": "dh = Wy.T @ dy + dh_next; da = dh * z_t * (1 - h~_t**2); dWh += np.outer(da, "
          "np.concatenate([r_t * h_prev, x_t])); dbh += da",
    "Wz": "dz = dh * (h~_t - h_prev) * z_t * (1 - z_t); dWz += np.outer(dz, concat); dbz += dz",
    "Wr": "dr = (Wh[:, :H].T @ da) * h_prev * r_t * (1 - r_t); dWr += np.outer(dr, concat); dbr += dr",
    "dh_next": "dh * (1 - z_t) + (Wh[:, :H].T @ da) * r_t + Wz[:, :H].T @ dz + Wr[:, :H].T @ dr"}
UPDATE_HINT = ("update_weights(learning_rate) moves every parameter against its gradient, e.g. SGD "
               "param -= learning_rate * d, or Adagrad memory += d**2; param -= learning_rate * d / "
               "np.sqrt(memory + 1e-8) (the exercise file names no rule: either passes)")

def check_attempt(path, seed=SEED):
    """Grade the learner's file: its GRU (TODO 1-8) beside ours on the same weights, ids and h_prev, one
    step, 6 steps and 30 steps (clipping), then the update rule, count_parameters (at TODO 9) and
    train_model (at TODO 10). Returns the Checklist; CheckSetupError if the file cannot be checked at all,
    ValueError for a bad seed. Layouts, names of caches and conventions are detected, not imposed."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
    cl, state = Checklist(path, CHECK_STUB_ERRORS, seconds=10), np.random.get_state()
    TOLERANCE.update(FLOAT64_TOLERANCE)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.random.seed(seed)                              # learners draw their weights from np.random
            module = cl.load()
            for part in (_check_gru, _check_count, _check_train) if module else ():
                try:
                    part(cl, module, seed)
                except Exception as err:                      # a checker bug: said, never raised
                    cl.add("-", f"could not compare ({part.__name__[7:]})", None,
                           f"the checker failed: {err.__class__.__name__}: {err}"[:160])
    finally:
        np.random.set_state(state)
    return cl

def _try(cl, fn, *args):
    """(fn(*args), None) run as the learner's code runs, within the check's time left; (None, error)
    if it raised anything (TimeoutError too when no time is left)."""
    if cl.limit() < 0.5:
        return None, TimeoutError("not run: the calls above used up the check's time")
    try:
        with in_folder(cl.folder, cl.limit()):
            return fn(*args), None
    except BaseException as err:                              # the learner's: reported by the caller
        return None, err

FLOAT64_TOLERANCE = {"rtol": 1e-5, "atol": 1e-8, "step_atol": 1e-10}    # step_atol: of a weight's move
FLOAT32_TOLERANCE = {"rtol": 1e-4, "atol": 1e-6, "step_atol": 1e-6}     # float32 rounds at 6e-8 relative
TOLERANCE = dict(FLOAT64_TOLERANCE)         # of this check: _check_gru sets it from the GRU's dtype


def _close(a, b, rtol=None):
    return a is not None and b is not None and np.shape(a) == np.shape(b) and bool(np.allclose(
        a, b, rtol=max(rtol or 0, TOLERANCE["rtol"]), atol=TOLERANCE["atol"]))

def _gap(a, b):
    """How far the learner's `a` is from our `b`, as text: the largest difference, and the factor when
    `a` is a multiple of `b` (a sign, a 1/T)."""
    if a is None:
        return "? (not found, or not an array of that size)"
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = np.abs(a - b)
    text = f"{np.nanmax(d) if np.isfinite(d).any() else np.inf:.1e}" + (" (and NaN)" if np.isnan(d).any() else "")
    c = float(a.ravel() @ b.ravel() / (b.ravel() @ b.ravel())) if np.any(b) and np.isfinite(a).all() else 0.0
    return text + (f"; yours is {c:.3g} x ours" + (" (a sign?)" if abs(c + 1) < 1e-3 else "")
                   if c and abs(c - 1) > 1e-3 and _close(a, c * b, 1e-4) else "")

def _rows(value):
    """A cache as a (steps, size) array, from an array, a list of vectors or a dict keyed by step, with
    the keys; (None, None) for anything else."""
    keys = None
    try:
        if isinstance(value, dict):
            if not value or not all(isinstance(k, (int, np.integer)) for k in value):
                return None, None
            keys = sorted(value)
            value = [value[k] for k in keys]
        if isinstance(value, (list, tuple)) and value:
            items = [np.asarray(v, dtype=float) for v in value]
            if any(item.ndim > 2 or item.ndim == 2 and 1 not in item.shape for item in items):
                return None, None                                   # not one vector per step
            items = [item.ravel() for item in items]
            if len({item.size for item in items}) == 1 and items[0].size:
                return np.array(items), keys or list(range(len(items)))
        elif isinstance(value, np.ndarray) and value.size and value.ndim and value.dtype.kind in "biuf":
            single = value.ndim == 1 or value.ndim == 2 and value.shape[1] == 1      # one (H,) or (H, 1)
            rows = value.astype(float).reshape(1 if single else len(value), -1)
            return rows, list(range(len(rows)))
    except (TypeError, ValueError):
        pass
    return None, None

def _plain(name):
    return re.sub(r"[^a-z0-9]", "", str(name).lower())

def _candidates(g, out):
    """Every array a forward left behind, {label: (plain name, rows, keys)}: attributes, the dicts they
    hold, and what forward returned after the loss (a (H, T) array also counts transposed)."""
    found = {}
    sources = [(f"self.{k}", k, v, 1) for k, v in getattr(g, "__dict__", {}).items() if k not in GRU_NAMES]
    if isinstance(out, (tuple, list)):
        sources += [(f"forward's return value [{i}]", "", v, 1) for i, v in enumerate(out) if i]
    for label, name, value, depth in sources:                 # grows by one level of dicts
        rows, keys = _rows(value)
        if rows is None and isinstance(value, dict) and depth:
            sources += [(f"{label}[{k!r}]", k, v, 0) for k, v in value.items()]
        elif rows is None and isinstance(value, (list, tuple)) and value and depth:
            if all(isinstance(v, dict) for v in value):     # one dict per step: each key across the steps
                sources += [(f"{label}[t][{k!r}]", k, [v.get(k) for v in value], 0) for k in value[0]]
            elif all(isinstance(v, tuple) and len(v) == len(value[0]) for v in value):   # a tuple per step
                fields = getattr(value[0], "_fields", range(len(value[0])))
                sources += [(f"{label}[t][{k!r}]", k, [v[i] for v in value], 0) for i, k in enumerate(fields)]
            else:
                fields = getattr(value, "_fields", [""] * len(value))
                sources += [(f"{label}.{f}" if f else f"{label}[{i}]", f, v, 0) for i, (f, v) in
                            enumerate(zip(fields, value))]
        elif rows is None and depth and hasattr(value, "__dict__") and not callable(value):   # an object
            sources += [(f"{label}.{k}", k, v, 0) for k, v in vars(value).items()]
        elif rows is not None:
            single = isinstance(value, np.ndarray) and rows.shape[0] == 1 and value.ndim < 3
            found[label] = ("" if single else _plain(name), rows, keys)   # a lone vector: by value only
            if isinstance(value, np.ndarray) and value.ndim == 2 and 1 not in value.shape:
                found[label + " (transposed)"] = (_plain(name), rows.T, list(range(rows.shape[1])))
    return found

def _locate(cands, pattern, options):
    """The candidate holding one of `options` ({option: expected rows}) by value, else one with a usual
    name and a fitting shape: (label, option, matched) or None."""
    fits = [(label, option, _close(rows, exp)) for label, (name, rows, _) in cands.items()
            for option, exp in options.items() if rows.shape == exp.shape]
    by_name = lambda label: not cands[label][0] or re.fullmatch(pattern, cands[label][0]) is None
    for label, option, ok in sorted(fits, key=lambda f: (not f[2], by_name(f[0]), "return" in f[0],
                                                         -len(options[f[1]]))):
        if ok or not by_name(label):
            return label, option, ok
    return None

def _their_grads(g, back, H):
    """Where backward left each gradient, {name: [(place, value)]}: in the dict it returned, as
    attributes (dWr, grad_Wr, ...) or in a dict attribute (self.grads['dWr']); and dh_next or None."""
    pattern = re.compile(r"(d|grad|g|delta)?(wr|wz|wh|wy|br|bz|bh|by)(grad|gradient)?")
    names = {n.lower(): n for n in GRU_NAMES}

    def param(key, bare):
        m = pattern.fullmatch(_plain(key))
        return names[m.group(2)] if m and (bare or m.group(1) or m.group(3)) else None
    places, dh = {}, None
    for item in back if isinstance(back, (tuple, list)) else [back]:
        if isinstance(item, dict):
            for k, v in item.items():
                if param(k, True):
                    places.setdefault(param(k, True), []).append((("return", k), v))
        elif dh is None and isinstance(item, np.ndarray) and item.size == H:
            dh = item
    for k, v in [("d" + n, getattr(g, "d" + n, None)) for n in GRU_NAMES] + \
            [(k, v) for k, v in getattr(g, "__dict__", {}).items() if k[1:] not in GRU_NAMES]:
        if param(k, False) and isinstance(v, np.ndarray):
            places.setdefault(param(k, False), []).append((("attr", k), v))
        elif isinstance(v, dict):
            bare = re.fullmatch(r"d|g|grads?|gradients?|dparams|derivatives", _plain(k)) is not None
            for key, value in v.items():
                if param(key, bare) and isinstance(value, np.ndarray):
                    places.setdefault(param(key, bare), []).append((("dict", k, key), value))
    for k in ("dh_next", "dhnext", "dh_prev", "dhprev", "dh0"):
        value = getattr(g, k, None)
        dh = value if dh is None and isinstance(value, np.ndarray) and value.size == H else dh
    return places, dh

def _gradient_places(lay, places, name, shape, want=None):
    """Of the places where backward may have left the gradient of `name`, [(place, value, value as
    ours is laid out)] for those that hold it: the ones equal to `want` (our gradient), else the ones
    not all zero (an Adagrad memory such as self.G['Wr'] starts at zero and backward leaves it so),
    else all of them. Arrays of another size are left out."""
    found = [(place, value, mine) for place, value in places.get(name, [])
             if (mine := _with(lambda v=value: lay.ours(name, v, shape))) is not None]
    for keep in (lambda v: _close(v, want), lambda v: np.any(v), lambda v: True):
        chosen = [item for item in found if keep(item[2])]
        if chosen:
            return chosen
    return []

def _grad(lay, places, name, shape, want=None):
    """The learner's gradient of `name` as ours is laid out (see _gradient_places), or None (not
    found, or not an array of that size)."""
    chosen = _gradient_places(lay, places, name, shape, want)
    return chosen[0][2] if chosen else None

class GRULayout:
    """How the learner stores what ours stores: each parameter's shape and orientation, the state shape,
    the update-gate convention (flip: h_t = z_t h_prev + (1 - z_t) h~_t, PyTorch's, so their z is our
    1 - z and their Wz, bz are our -Wz, -bz) and the order of concat (xfirst: [x_t, h_prev])."""

    def __init__(self, shapes, want, state, flip=False, xfirst=False):
        self.shapes, self.H, self.state, self.flip, self.xfirst = shapes, want["Wr"][0], state, flip, xfirst
        self.D = want["Wr"][1] - self.H
        self.turned = {n: n[0] == "W" and shapes[n] != want[n] for n in shapes}

    def theirs(self, name, value):
        v = -value if self.flip and name in ("Wz", "bz") else np.array(value, dtype=float)
        if self.xfirst and name in ("Wr", "Wz", "Wh"):
            v = np.concatenate([v[:, self.H:], v[:, :self.H]], axis=1)
        return (v.T if self.turned[name] else v).reshape(self.shapes[name])

    def ours(self, name, value, shape):
        v = np.array(value, dtype=float)                    # a copy: their arrays change in place
        if v.size != math.prod(shape):
            return None
        v = v.reshape(shape[::-1]).T if self.turned[name] and v.shape != shape else v.reshape(shape)
        if self.xfirst and name in ("Wr", "Wz", "Wh"):
            v = np.concatenate([v[:, self.D:], v[:, :self.D]], axis=1)
        return -v if self.flip and name in ("Wz", "bz") else v

    def describe(self):
        return ("h_t = z_t h_prev + (1 - z_t) h~_t, PyTorch's convention (the course swaps z_t and 1 - z_t): "
                "your z_t is compared with 1 - ours" if self.flip else "h_t = (1 - z_t) h_prev + z_t h~_t as "
                "the course") + f"; concat [{'x_t, h_prev' if self.xfirst else 'h_prev, x_t'}]; states {self.state}"

def _put(obj, name, value):
    """Write `value` into obj.name in place when it fits (other references to the array see it), else
    set the attribute."""
    current = getattr(obj, name, None)
    if isinstance(current, np.ndarray) and current.shape == value.shape and current.dtype.kind == "f" \
            and current.flags.writeable:
        current[...] = value
    else:
        setattr(obj, name, value.copy())

def _reference(P, ins, tgs, h0, clip=5.0):
    """Our GRU on the weights P: its caches, loss, gradients (clipped to [-clip, clip]) and dh_next."""
    D, H, V = P["Wr"].shape[1] - P["Wr"].shape[0], P["Wr"].shape[0], P["Wy"].shape[0]
    ours = GRU(D, H, V, clip_value=clip)
    for name in GRU_NAMES:
        setattr(ours, name, P[name].copy())
    loss, dh_next = ours.forward(np.array(ins), np.array(tgs), h0.copy()), ours.backward()
    ref = {"r": ours.r_gates, "z": ours.z_gates, "c": ours.h_tilde_cache, "h": ours.h_states,
           "y": ours.y_probs, "dh_next": dh_next, **{"d" + n: getattr(ours, "d" + n) for n in GRU_NAMES}}
    ref = {k: np.array(v, dtype=float) for k, v in ref.items()} | {"loss": float(loss)}
    ref["logits"] = ref["h"][1:] @ P["Wy"].T + P["by"]
    ref["steps"] = -np.log(ref["y"][np.arange(len(tgs)), tgs])          # each step's -ln y_t[target_t]
    return ref

def _slips(P, x_id, target, h0):
    """One step of GRUs with a common slip each, on the weights P: {the slip: {"c": h~_t, "h": h_t,
    "loss": loss}}, so that a value that differs from ours can be named."""
    H = len(h0)
    x = np.eye(P["Wr"].shape[1] - H)[x_id]
    concat, Wh_h, Wh_x = np.concatenate([h0, x]), P["Wh"][:, :H], P["Wh"][:, H:]
    r, z = (1 / (1 + np.exp(-(P[w] @ concat + P[b]))) for w, b in (("Wr", "br"), ("Wz", "bz")))
    h_tilde = np.tanh(Wh_h @ (r * h0) + Wh_x @ x + P["bh"])
    candidates = {
        "applies r_t after the matmul, r_t * (Wh_h @ h_prev) (PyTorch's form)":
            np.tanh(Wh_x @ x + r * (Wh_h @ h0) + P["bh"]),
        "applies r_t after the matmul, to all of Wh @ concat": np.tanh(r * (P["Wh"] @ concat) + P["bh"]),
        "leaves r_t out of h~_t (the reset gate is unused)": np.tanh(P["Wh"] @ concat + P["bh"]),
        "has no tanh in h~_t": Wh_h @ (r * h0) + Wh_x @ x + P["bh"]}
    slips = {slip: (c, (1 - z) * h0 + z * c) for slip, c in candidates.items()} | {
        "mixes z_t in: h_t = z_t * h_prev + z_t * h~_t": (h_tilde, z * (h0 + h_tilde)),
        "mixes z_t in: h_t = (1 - z_t) * (h_prev + h~_t)": (h_tilde, (1 - z) * (h0 + h_tilde)),
        "has no update gate: h_t = h~_t": (h_tilde, h_tilde)}
    out = {}
    for slip, (c, h) in slips.items():
        s = P["Wy"] @ h + P["by"]
        out[slip] = {"c": c[None], "h": h[None], "loss": float(np.log(np.exp(s - s.max()).sum()) + s.max()
                                                               - s[target])}
    return out

def _loss_of(g, out):
    """The loss forward returned (alone or first in a tuple) as a float, or None."""
    value = out[0] if isinstance(out, (tuple, list)) and out else out
    value = getattr(g, "loss", None) if value is None else value
    with contextlib.suppress(TypeError, ValueError):
        return float(np.asarray(value, dtype=float).reshape(-1)[0]) if np.size(value) == 1 else None

def _check_gru(cl, module, seed, D=5, H=4, V=6):
    """TODO 1-8: the GRU's parameters, one step, 6 steps, 30 steps with clipping, and the update."""
    if not callable(getattr(module, "GRU", None)):
        return cl.add("1-8", "class GRU", False, "not in your file", "define class GRU(input_size, "
                      "hidden_size, output_size) as the exercise file names it")
    g, ok = cl.call("1-5", f"GRU({D}, {H}, {V})", module.GRU, D, H, V)
    if not ok:
        return
    # TODO 1-5: each parameter under the exercise file's name, in either orientation, finite, random.
    want = {n: (H, H + D) for n in ("Wr", "Wz", "Wh")} | {n: (H,) for n in ("br", "bz", "bh")} | \
        {"Wy": (V, H), "by": (V,)}
    shapes = {}
    for name, shape in ((n, want[n]) for n in GRU_NAMES):          # in the order of the TODOs
        value, err = _try(cl, getattr, g, name)
        fits = (shape, shape[::-1]) if len(shape) == 2 else (shape, shape + (1,), (1,) + shape)
        problem = ("is not an attribute of your GRU" if err else "is None" if value is None else
                   f"is a {type(value).__name__}, not a NumPy array" if not isinstance(value, np.ndarray) else
                   f"has shape {value.shape}, expected {shape} or {fits[1]}" if value.shape not in fits else
                   "holds NaN or inf" if not np.isfinite(value).all() else
                   f"has every entry {value.flat[0]:g}" if name[0] == "W" and np.ptp(value) == 0 else None)
        if problem:
            cl.add(GRU_TODO[name], name, False, f"{name} {problem}", f"the exercise file names it {name}: " + (
                "(O, H) or its transpose" if name == "Wy" else "(O,) or (O, 1)" if name == "by" else
                "(H, H+D) or its transpose" if name[0] == "W" else "(H,) or (H, 1)") + (
                ", small random numbers such as np.random.randn(...) * 0.01" if name[0] == "W" else ""))
        else:
            shapes[name] = value.shape
            if value.dtype.itemsize < 8:                      # float32 (or 16): compared at its rounding
                TOLERANCE.update(FLOAT32_TOLERANCE)
    if len(shapes) < len(want):
        return
    cl.add("1-5", "parameters", True, ", ".join(f"{n} {s}" for n, s in shapes.items()))
    rng = np.random.default_rng(seed)
    P = {n: rng.normal(0.0, 0.5, want[n]) for n in GRU_NAMES}

    def case(T, same=None):
        ins = [0] * T if same else rng.integers(0, D, T).tolist()
        return ins, [1] * T if same else rng.integers(0, V, T).tolist(), rng.normal(0, 0.5, H)

    def run(lay, ins, tgs, h0):
        """Their forward and backward from the weights P: (out, back, error, todo of the error)."""
        def forward():
            for name in GRU_NAMES:
                _put(g, name, lay.theirs(name, P[name]))
            try:
                return g.forward(list(ins), list(tgs), h0.reshape(lay.state).copy())
            except TimeoutError:                              # the time is up: never a second try
                raise
            except Exception:                                 # a forward that needs arrays (inputs.shape)
                return g.forward(np.array(ins), np.array(tgs), h0.reshape(lay.state).copy())
        out, err = _try(cl, forward)
        if err:
            return out, None, err, "6"
        back, err = _try(cl, g.backward)
        return out, back, err, "7"

    def expected(ref, lay):
        z = 1 - ref["z"] if lay.flip else ref["z"]
        return {"r": {"": ref["r"]}, "z": {"": z}, "c": {"": ref["c"]},
                "h": {"": ref["h"], "1": ref["h"][1:], "prev": ref["h"][:-1]},
                "y": {"": ref["y"], "logits": ref["logits"]}}

    # One step: find the layout under which their loss is ours, else the one whose caches match most.
    ins, tgs, h0 = case(1)
    ref = _reference(P, ins, tgs, h0)
    states = [(H,), (H, 1)][::-1 if any(len(shapes[b]) == 2 and shapes[b][1] == 1 for b in ("br", "bz", "bh"))
                            else 1]
    best, first_error = None, None
    for state in states:
        for flip, xfirst in ((False, False), (True, False), (False, True), (True, True)):
            lay = GRULayout(shapes, want, state, flip, xfirst)
            out, back, err, todo = run(lay, ins, tgs, h0)
            if isinstance(err, TimeoutError):                  # no second wait
                return cl.failed(todo, "forward(inputs, targets, h_prev)" if todo == "6" else "backward()", err)
            if out is None and err is not None:
                first_error = first_error or (todo, err)
                continue
            cands = _candidates(g, out)
            exp = expected(ref, lay)
            found = {key: _locate(cands, pattern, {k: v for k, v in exp[key].items() if k != "prev"})
                     for key, _, pattern, _ in GRU_CACHES}
            loss_ok = _close(_loss_of(g, out), ref["loss"])
            score = (loss_ok, sum(bool(f and f[2]) for f in found.values()))
            if best is None or score > best[0]:
                best = (score, lay, out, back, err, todo, cands, found)
            if loss_ok:
                break
        if best and best[0][0]:
            break
    if best is None:
        return cl.failed(first_error[0], "forward(inputs, targets, h_prev)", first_error[1])
    (loss_ok, _), lay, out, back, err, todo, cands, found = best
    cl.add("6", "conventions", True if loss_ok else None, lay.describe() if loss_ok else
           "not told (no layout gives our loss); compared as " + lay.describe())
    # One step, each equation on its own (nothing flows between steps yet).
    slips, located = _slips(P, ins[0], tgs[0], h0), {}

    def slip_of(key, value):
        """The common slip whose `key` value is `value`, or None."""
        return next((slip for slip, v in slips.items() if key in v and _close(value, v[key])), None)
    for key, what, pattern, equation in GRU_CACHES:
        f = found[key]
        for slip, v in slips.items() if f is None and key in "ch" else ():   # kept, and a slip's values
            options = {"": v[key]} if key == "c" else {"": np.vstack([h0, v[key][0]]), "1": v[key]}
            hit = _locate(cands, "(?!)", options)
            f = f or (hit and hit[2] and (hit[0], hit[1], False)) or None
        prev = _locate(cands, "(?!)", {"prev": ref["h"][:-1]}) if f is None and key == "h" else None
        if prev and prev[2]:                                   # h_prev of each step: says more from step 2
            located[key] = prev[:2]
            cl.add("6", f"{what}, 1 step", None, f"only the h_prev of each step is kept ({prev[0]}): "
                   "compared from step 2 on")
            continue
        if f is None:
            cl.add("6", f"{what}, 1 step", None, f"no array in your GRU holds {what} (by value or a usual "
                   "name): judged through the loss and gradients")
            continue
        label, option, ok = f
        if ok and option in expected(ref, lay)[key]:
            located[key] = (label, option)
            cl.add("6", f"{what}, 1 step", True, f"as {label}" + (" (logits)" if option == "logits" else ""))
            continue
        rows, want = cands[label][1], expected(ref, lay)[key][option]
        cl.add("6", f"{what}, 1 step", False, f"{label} differs from ours by up to {_gap(rows, want)}",
               (f"your GRU {slip}; the course's: " if (slip := slip_of(key, rows[1:] if option == "" and
                                                                      key == "h" else rows)) else "") + equation)
    loss = _loss_of(g, out)
    before = "y" in located or ("the values before the loss could not be compared (not kept); check each "
                                "equation of TODO 6. ")
    if loss is None:
        cl.add("6", "loss, 1 step", False, f"forward returned {type(out).__name__}, no loss",
               "forward returns the loss, sum over the steps of -ln y_t[target_t] (alone or first in a tuple)")
    else:
        cl.add("6", "loss, 1 step", loss_ok, f"{loss:.6f}" + ("" if loss_ok else f", ours {ref['loss']:.6f}"),
               f"your loss is that of a GRU which {slip_of('loss', loss)}: see TODO 6's equations"
               if slip_of("loss", loss) else (before if before is not True else "") +
               "loss += -np.log(y_t[target_t]) at every step")
    if not loss_ok:
        return cl.add("7", "backward, 1 step", None, "not compared until the forward's loss matches: its "
                      "gradients follow from the forward's values")
    if err is not None:
        return cl.failed(todo, "backward()", err)
    places, dh = _their_grads(g, back, H)
    theirs1 = {}
    for names in (("Wy", "by"), ("Wh", "bh"), ("Wz", "bz"), ("Wr", "br")):
        problems = []
        for name in names:
            value = theirs1[name] = _grad(lay, places, name, P[name].shape, ref["d" + name])
            if name not in places:
                problems.append(f"d{name} not found")
            elif not _close(value, ref["d" + name]):
                problems.append(f"d{name} differs by up to {_gap(value, ref['d' + name])}")
        missing = any("found" in p for p in problems)
        cl.add("7", f"d{names[0]} d{names[1]}, 1 step", not problems, "; ".join(problems) or "match",
               "keep each gradient as self.dWr (or in a dict such as self.grads['dWr'], or return that dict "
               "from backward)" if missing else ("your forward uses PyTorch's convention, so its backward "
               "must too (dz = dh * (h_prev - h~_t) ..., dh_next gets dh * z_t), or use the course's in both. "
               if lay.flip else "") + GRU_GRAD_HINTS[names[0]])
    if dh is None:
        cl.add("7", "dh_next, 1 step", None, "backward returns no dh_next and keeps none: not checked")
    else:
        dh = np.asarray(dh, dtype=float).ravel()
        cl.add("7", "dh_next, 1 step", _close(dh, ref["dh_next"]), "match" if _close(dh, ref["dh_next"]) else
               f"differs by up to {_gap(dh, ref['dh_next'])}", GRU_GRAD_HINTS["dh_next"])
    if not any(row[2] is False for row in cl.rows):           # one step matches: now several
        _check_steps(cl, g, lay, P, run, case, expected, located, theirs1)
    # The update is given gradients only where backward leaves them, never in a memory dict.
    _check_update(cl, g, lay, P, {n: [item[:2] for item in _gradient_places(
        lay, places, n, P[n].shape, ref["d" + n])] for n in GRU_NAMES}, rng)

def _check_steps(cl, g, lay, P, run, case, expected, located, before, T=6):
    """6 steps from a random h_prev: the first value that differs, in the order forward and backward
    compute them, with its step; then 30 steps whose gradients need clipping."""
    ins, tgs, h0 = case(T)
    ref = _reference(P, ins, tgs, h0)
    out, back, err, todo = run(lay, ins, tgs, h0)
    if err is not None:
        return cl.failed(todo, f"forward, backward over {T} steps", err)
    cands, exp = _candidates(g, out), expected(ref, lay)
    seen = set()
    for t in range(1, T + 1):
        for key, what, _, equation in GRU_CACHES:
            if key not in located or located[key][0] not in cands:
                continue
            label, option = located[key]
            rows, keys = cands[label][1:]
            want = exp[key][option]
            if rows.shape[1] != want.shape[1] or len(rows) < len(want):
                continue
            rows, keys, i = rows[-len(want):], keys[-len(want):], t if option == "" and key == "h" else t - 1
            seen.add(what)
            if not _close(rows[i], want[i]):
                return cl.add("6", f"{what} at step {t} of {T}", False,
                              f"{label}[{keys[i]!r}] differs by up to {_gap(rows[i], want[i])}" +
                              ("; step 1 matches" if t == 2 else f"; steps 1-{t - 1} match" if t > 2 else ""),
                              "what changes from one step to the next: h_prev of step t is h_t of step t-1"
                              + (f", and x_t the one-hot of step t's own input (id {ins[t - 1]} at step {t}, "
                                 f"not step 1's {ins[0]})" if ins[t - 1] != ins[0] else "") +
                              "; each step reads its own cached values" if t > 1 else equation)
    loss = _loss_of(g, out)
    if not _close(loss, ref["loss"]):
        ratio = loss / ref["loss"] if loss is not None and ref["loss"] else None
        why = ("divided by the number of steps? The course sums -ln y_t[target_t] over the steps"
               if ratio and _close(ratio, 1 / T) else "only the last step's: loss += at every step, not loss ="
               if _close(loss, ref["steps"][-1]) else "the loss sums -ln y_t[target_t] over all the steps")
        return cl.add("6", f"loss over {T} steps", False, (f"{loss:.6f}" if loss is not None else "no loss")
                      + f" against our {ref['loss']:.6f}" + (f" ({ratio:.4g} of ours)" if ratio else "")
                      + "; one step matched", why)
    cl.add("6", f"forward over {T} steps", True, f"the loss{' and ' + ', '.join(sorted(seen)) if seen else ''}"
           " at every step")
    places, dh = _their_grads(g, back, lay.H)
    for name in ("Wy", "by", "Wh", "bh", "Wz", "bz", "Wr", "br"):
        value = _grad(lay, places, name, P[name].shape, ref["d" + name])
        if not _close(value, ref["d" + name]):
            stale = value is not None and before.get(name) is not None and \
                _close(value, ref["d" + name] + before[name])
            return cl.add("7", f"d{name} over {T} steps", False, f"differs by up to "
                          f"{_gap(value, ref['d' + name])}; one step matched",
                          "it is this call's gradient plus the last call's: set every gradient to zero at the "
                          "start of backward" if stale else "dWy, dby sum np.outer(dy_t, h_t) over the steps, "
                          "with h_t the state after step t" if name[1] == "y" else "what flows back from step "
                          "t+1: dh = Wy.T @ dy_t + dh_next, with dh_next from the 3 paths of the step after")
    if dh is not None and not _close(np.ravel(dh), ref["dh_next"]):
        return cl.add("7", f"dh_next over {T} steps", False, f"differs by up to {_gap(np.ravel(dh), ref['dh_next'])}",
                      GRU_GRAD_HINTS["dh_next"])
    cl.add("7", f"backward over {T} steps", True, "the 8 gradients" + (" and dh_next" if dh is not None else ""))
    # 30 steps of one id and one target: some gradient entries pass 5, and the course clips them.
    ins, tgs, h0 = case(30, same=True)
    ref, raw = _reference(P, ins, tgs, h0), _reference(P, ins, tgs, h0, clip=None)
    out, back, err, todo = run(lay, ins, tgs, h0)
    if err is not None:
        return cl.failed(todo, "forward, backward over 30 steps", err)
    places = _their_grads(g, back, lay.H)[0]
    theirs = {n: _grad(lay, places, n, P[n].shape, ref["d" + n]) for n in GRU_NAMES}
    clipped = [n for n in GRU_NAMES if not np.allclose(ref["d" + n], raw["d" + n])]
    if all(_close(theirs[n], ref["d" + n]) for n in GRU_NAMES):
        return cl.add("7", "clipping, 30 steps", True, f"d{', d'.join(clipped)} clipped to [-5, 5] as ours")
    peak = max(clipped, key=lambda n: np.abs(raw["d" + n]).max())
    if all(_close(theirs[n], raw["d" + n]) for n in GRU_NAMES):
        detail = f"not clipped: d{peak} reaches {raw['d' + peak].flat[np.abs(raw['d' + peak]).argmax()]:.1f}"
    else:
        name = next(n for n in GRU_NAMES if not _close(theirs[n], ref["d" + n]))
        detail = f"d{name} differs by up to {_gap(theirs[name], ref['d' + name])}"
    cl.add("7", "clipping, 30 steps", False, detail + "; 6 steps matched", "clip each gradient entry to [-5, 5] "
           "once, after the loop over steps, as the course does: np.clip(d, -5, 5, out=d)")

def _check_update(cl, g, lay, P, places, rng, lr=0.1):
    """TODO 8: two update_weights calls with different gradients of every size, against SGD and Adagrad
    (epsilon inside or outside the square root); names the rule found, or what the step looked like."""
    fn = getattr(g, "update_weights", None)
    stored = {n: [p for p, _ in places.get(n, []) if p[0] != "return"] for n in GRU_NAMES}
    try:
        takes = list(inspect.signature(fn).parameters) if callable(fn) else []
    except (TypeError, ValueError):
        takes = ["learning_rate"]
    by_dict = any("grad" in p for p in takes)
    if not callable(fn) or not (all(stored.values()) or by_dict and all(places.get(n) for n in GRU_NAMES)):
        return cl.add("8", "update_weights(learning_rate)", None if callable(fn) else False,
                      "not in your GRU" if not callable(fn) else "not compared: the gradients were not all "
                      "found after backward (at TODO 7)", "define update_weights(self, learning_rate)")
    grads = [{n: rng.choice([-1, 1], P[n].shape) * 10 ** rng.uniform(-5, 0.5, P[n].shape) for n in GRU_NAMES}
             for _ in range(2)]

    def step(G):
        for n in GRU_NAMES:
            for place in stored[n]:
                value = lay.theirs(n, G[n]).reshape(np.shape(getattr(g, place[1]) if place[0] == "attr"
                                                             else getattr(g, place[1])[place[2]]))
                if place[0] == "attr":
                    _put(g, place[1], value)
                else:
                    getattr(g, place[1])[place[2]] = value
        if not by_dict:
            return fn(lr)
        given = {places[n][0][0][-1]: lay.theirs(n, G[n]) for n in GRU_NAMES}
        return fn(**{p: given if "grad" in p else lr for p in takes if p not in ("self",)})

    def read():
        return {n: lay.ours(n, getattr(g, n), P[n].shape) for n in GRU_NAMES}
    for n in GRU_NAMES:
        _put(g, n, lay.theirs(n, P[n]))
    after = []
    for G in grads:
        _, err = _try(cl, step, G)
        moved, err = (None, err) if err is not None else _try(cl, read)   # read: under the time limit too
        if err is not None:
            return cl.failed("8", "update_weights(0.1)", err)
        after.append(moved)
    G1, G2 = grads
    rules = {"plain SGD": lambda n: (G1[n], G1[n] + G2[n])}
    for eps in (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-10, 1e-12, 0.0):
        for inside in (True, False):
            root = (lambda m, e=eps: np.sqrt(m + e)) if inside else (lambda m, e=eps: np.sqrt(m) + e)
            name = f"Adagrad, epsilon {eps:g} {'inside' if inside else 'outside'} the square root"
            rules[name] = lambda n, r=root: (G1[n] / r(G1[n] ** 2), G1[n] / r(G1[n] ** 2) + G2[n]
                                             / r(G1[n] ** 2 + G2[n] ** 2))
            rules[name + ", its memory overwritten"] = lambda n, r=root: (
                G1[n] / r(G1[n] ** 2), G1[n] / r(G1[n] ** 2) + G2[n] / r(G2[n] ** 2))

    def rate(moved, unit):
        """The learning rate that makes `moved` = rate * `unit`, or None if none does."""
        moved, unit = np.ravel(moved), np.ravel(unit)
        value = float(moved @ unit / (unit @ unit))
        return value if np.allclose(moved, value * unit, rtol=1e-4, atol=TOLERANCE["step_atol"]) else None

    def fit(n):
        """(rule, learning rate) that moved parameter n as it moved, or (None, what the step looked like)."""
        moved = [P[n] - a[n] if a[n] is not None else None for a in after]
        if any(m is None for m in moved):
            return None, "changed shape"
        if not np.any(moved[1]):
            return None, "did not change"
        for rule, units in rules.items():
            found = rate(np.concatenate([m.ravel() for m in moved]), np.concatenate([u.ravel() for u in units(n)]))
            if found is not None:
                return rule, found
        first = next(((rule, found) for rule, units in rules.items()
                      if (found := rate(moved[0], units(n)[0])) is not None), None)
        if first is None:
            return None, f"moved by up to {np.abs(moved[1]).max():.1e}, as neither SGD nor Adagrad would"
        rule, found = first
        if rule == "plain SGD" and found > 10 * lr:               # d / sqrt(epsilon): no memory yet
            return None, (f"step 1 moved by learning_rate * d / {lr / found:.0e} ({found / lr:.0e} x an SGD "
                          f"step; {lr / found:.0e} = sqrt({(lr / found) ** 2:.0e})), as if the memory were "
                          "still 0: is d**2 added to it after the step instead of before?")
        return None, f"step 1 was {rule}" + (f" at learning rate {found:.4g}" if abs(found - lr) >
                                             TOLERANCE["rtol"] * lr else "") + ", step 2 was not"
    fits = {n: fit(n) for n in GRU_NAMES}
    rule = fits["Wr"][0]
    if rule and "overwritten" not in rule and all(
            r == rule and abs(value - lr) <= TOLERANCE["rtol"] * lr for r, value in fits.values()):
        return cl.add("8", "update_weights, 2 calls", True, rule + " (either rule passes)")
    parts = {}
    for n, (rule, rate) in fits.items():
        text = rate if rule is None else (
            f"{rule} (memory = d**2 where Adagrad adds: memory += d**2)" if "overwritten" in rule else
            f"{rule}, but up the gradient (param += ..., not -=)" if rate < 0 else
            f"{rule} at learning rate {rate:.4g}, not the {lr} given" if abs(rate - lr) > TOLERANCE["rtol"] * lr
            else rule)
        parts.setdefault(text, []).append(n)
    cl.add("8", "update_weights, 2 calls", False, "; ".join(f"{' '.join(ns)}: {t}" for t, ns in parts.items()),
           UPDATE_HINT)

def _check_count(cl, module, seed, D=54, H=64):
    """TODO 9: count_parameters of a GRU and of the course's LSTM at the exercise's H=64, V=54."""
    fn = getattr(module, "count_parameters", None)
    if not callable(fn):
        return cl.add("9", "count_parameters(model)", False, "not in your file",
                      "define count_parameters(model) as the exercise file names it")
    for kind, expected in (("GRU", 3 * H * (H + D + 1) + D * (H + 1)), ("LSTM", 4 * H * (H + D + 1) + D * (H + 1))):
        cls = getattr(module, kind, None)
        if cls is None:
            cl.add("9", f"count_parameters({kind})", None, f"your file has no {kind} to count")
            continue
        model, err = _try(cl, cls, *_sizes(cls, D, H))
        if err is not None:
            cl.add("9", f"count_parameters({kind})", None, f"could not build {kind}{_sizes(cls, D, H)}: "
                   f"{err.__class__.__name__}")
            continue
        got, ok = cl.call("9", f"count_parameters({kind})", fn, model)
        if ok:
            right = isinstance(got, (int, np.integer, float)) and not isinstance(got, bool) and got == expected
            cl.add("9", f"count_parameters({kind} H={H} V={D})", right, f"{got!r}" + ("" if right else
                   f", expected {expected:,}"), "the sum of .size over every weight and bias: "
                   + ("3 x H(H+D) + 3 x H + V x H + V" if kind == "GRU" else "4 x H(H+V) + 4 x H + V x H + V "
                      "(the course's LSTM names its output weights Why)"))

def _sizes(cls, V, H):
    """Constructor arguments for a vocabulary of V: the course's LSTM takes (vocab_size, hidden_size,
    seq_length); a GRU or this file's LSTM (input_size, hidden_size, output_size)."""
    with contextlib.suppress(TypeError, ValueError):
        if "seq_length" in inspect.signature(cls).parameters:
            return V, H, 25
    return V, H, V

def _check_train(cl, module, seed, n=5):
    """TODO 10: the learner's own train_model on a short text for n iterations returns (losses, times),
    n of each, finite, for a GRU and for the course's LSTM."""
    fn = getattr(module, "train_model", None)
    if not callable(fn):
        return cl.add("10", "train_model(model, text, ...)", False, "not in your file",
                      "define train_model(model, text, char_to_idx, num_iterations) as the exercise file names it")
    text = "the cat sat on the mat, and the rat ran at the cat. " * 12
    char_to_idx = {ch: k for k, ch in enumerate(sorted(set(text)))}
    for kind in ("GRU", "LSTM"):
        cls = getattr(module, kind, None)
        model, err = _try(cl, cls, *_sizes(cls, len(char_to_idx), 8)) if cls else (None, None)
        if model is None:
            cl.add("10", f"train_model({kind}, ...)", None, f"could not build a {kind} to train")
            continue
        began = time.perf_counter()
        result, ok = cl.call("10", f"train_model({kind}, text, ..., {n})", fn, model, text, char_to_idx, n)
        took = time.perf_counter() - began
        if not ok:
            continue
        parts = result if isinstance(result, (tuple, list)) and len(result) == 2 else None
        lengths = [len(p) if hasattr(p, "__len__") else None for p in parts] if parts else None
        values = _with(lambda: [np.asarray(p, dtype=float) for p in parts]) if lengths == [n, n] else None
        problem = ("returned " + type(result).__name__ + (f" of {len(result)}" if hasattr(result, "__len__")
                   else "") + ", not (losses, times)" if parts is None else
                   f"returned {lengths[0]} losses and {lengths[1]} times for num_iterations={n}"
                   if lengths != [n, n] else "losses or times not numbers" if values is None else
                   "a loss is not finite" if not np.isfinite(values[0]).all() else
                   "a time is negative or not finite" if not (np.isfinite(values[1]).all() and
                                                              (values[1] >= 0).all()) else
                   f"the times add up to {values[1].sum():.3g} s, but the call took {took:.3g} s" +
                   (": the time since the start, not each iteration's?" if np.all(np.diff(values[1]) > 0)
                    else ": milliseconds, not seconds?") if values[1].sum() > 1.05 * took + 1e-3 else None)
        cl.add("10", f"train_model({kind}, text, ..., {n})", problem is None, problem or
               f"{n} losses ({float(values[0].flat[0]):.3g} first) and {n} times ({values[1].sum():.2g} s in all)",
               "return (losses, times): one loss and the seconds it took per iteration, "
               "num_iterations of each")

def _with(fn):
    """fn(), or None if it raised TypeError or ValueError (a value that is not what was expected)."""
    with contextlib.suppress(TypeError, ValueError):
        return fn()

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
    """The flags; each value is checked in `run` before any work."""
    p = OneLineErrorParser(prog=os.path.basename(__file__), description="Exercise 5: a GRU from scratch "
                           "against the LSTM (parameters, time, held-out loss), each at its own rate.",
                           epilog="Prints progress lines, a table and the five-part report with a verdict "
                           "per course claim; saves ex5_comparison.png.")
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

def run_command_line(argv, demo):
    """Parse and check every flag before any work, then run --check, --benchmark, --tune or `demo`.
    Bad input: one line on stderr, exit code 2. Returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.show:
        plt.switch_backend("Agg")                                # headless unless --show
    try:
        return run(args, demo)
    except ValueError as err:                                    # bad input: one line, exit code 2
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:
        print(f"{parser.prog}: {err}", file=sys.stderr)
        return 1

def run(args, demo):
    """What the checked flags ask for: --check, --benchmark, --tune or the demo; the exit code."""
    seed, start = check_int("--seed", args.seed, low=0), time.perf_counter()   # before --check imports
    if args.check:
        try:
            return check_attempt(args.check, seed).report(CHECK_TITLE)
        except CheckSetupError as err:
            print(f"{os.path.basename(__file__)}: {err}", file=sys.stderr)
            return 2
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
    fig = demo(hidden_size, iterations, seeds, rates, figure)
    print(f"trained {3 * len(seeds)} models in {time.perf_counter() - start:.0f} s; figure: {figure}")
    plt.show() if args.show else plt.close(fig)
    return 0


# ---- --tune and --benchmark ------------------------------------------------------------------------
def tune_learning_rates(text, rates=TUNE_RATES, seeds=range(TUNE_SEEDS), log=None, **options):
    """The sweep behind LEARNING_RATES: each model at each rate on `text` less its held-out part, scored
    on the last 10% of what remains, so the comparison's held-out text plays no part. Returns {"rates",
    "validation": {key: (rates, seeds) lowest loss per character}, "chosen": {key: rate}}."""
    train_text = split_text(text)[0]
    validation = {key: np.empty((len(rates), len(seeds))) for key in MODEL_KEYS}
    for row, rate in enumerate(rates):
        results = compare_lstm_gru(train_text, learning_rates=dict.fromkeys(MODEL_KEYS, rate), seeds=seeds,
                                   log=log and (lambda line: log(f"lr {rate}  {line}")), **options)
        for key in MODEL_KEYS:
            validation[key][row] = [min(run["heldout"]) for run in results[key]["runs"]]
    return {"rates": list(rates), "validation": validation,
            "chosen": {key: rates[int(np.argmin(v.mean(axis=1)))] for key, v in validation.items()}}

def print_tuning(tuning):
    """Print the sweep: each model's lowest validation loss per rate, mean and per seed; * = chosen."""
    print("\nlowest validation loss per character: mean (each seed); * = the rate chosen")
    print(f"{'lr':>6}" + "".join(f"{key:>26}" for key in MODEL_KEYS))
    for row, rate in enumerate(tuning["rates"]):
        cells = [f"{v[row].mean():.3f}{'*' if tuning['chosen'][key] == rate else ' '} ("
                 + " ".join(f"{x:.3f}" for x in v[row]) + ")" for key, v in tuning["validation"].items()]
        print(f"{rate:>6}" + "".join(f"{cell:>26}" for cell in cells))

def benchmark(cases=BENCH_CASES, vocab_size=41, seconds=BENCH_SECONDS, seed=SEED, log=None):
    """Median ms per training step (forward, backward, Adagrad update) of the LSTM and the GRU for each
    (T, B, H) in `cases`, timed by `train_model` (the two take turns) for about `seconds` per case, on
    random text. Returns {"cases", "lstm": [ms], "gru": [ms]}."""
    rng, out = np.random.default_rng(seed), {"cases": list(cases), "lstm": [], "gru": []}
    char_to_idx = {chr(0x100 + k): k for k in range(vocab_size)}
    for T, B, H in cases:
        text = "".join(chr(0x100 + k) for k in rng.integers(0, vocab_size, T * B + 1))
        models = {"lstm": LSTM(vocab_size, H, vocab_size, seed), "gru": GRU(vocab_size, H, vocab_size, seed)}
        step = lambda n: train_model(models, text, char_to_idx, n, 0.01, seq_length=T, batch_size=B)
        first = step(3)                                                   # also warms up
        steps = max(5, int(seconds / sum(np.median(r["seconds"]) for r in first.values())))
        for key, record in step(steps).items():
            out[key].append(1e3 * float(np.median(record["seconds"])))
        if log:
            log(f"T={T:3d} B={B:3d} H={H:4d}  LSTM {out['lstm'][-1]:8.2f} ms  GRU {out['gru'][-1]:8.2f} ms  "
                f"GRU/LSTM {out['gru'][-1] / out['lstm'][-1]:.2f}  ({steps} steps each)")
    return out


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

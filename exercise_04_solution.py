"""Exercise 4: how far back can an LSTM remember? Measured against a vanilla RNN.

The course's long-range memory exercise (TODO 1-12; `grep -n "(TODO 5)"` finds an answer): show a
model a token, `distance` distractors and a query; it must name the token at the query. Held-out
accuracy against distance, with chance, beside a vanilla RNN (TODO 10); also the copy task
(Arjovsky et al. 2016), delayed XOR, the cell state and how far back the query's gradient reaches.
The LSTM is Exercise 1's, unchanged (below the tooling line); concat = [h_prev, x_t], x_t one-hot:
    f_t = sigmoid(Wf . concat + bf)    i_t = sigmoid(Wi . concat + bi)    o_t = sigmoid(Wo . concat + bo)
    C_tilde = tanh(Wc . concat + bc)   C_t = f_t * C_prev + i_t * C_tilde      h_t = o_t * tanh(C_t)
RNN: h_t = tanh(Wh . concat + bh). Both: y_t = softmax(Wy . h_t + by); loss = -ln y_t[target] at
the scored steps. Along the cell d loss / d C_(t-1) = f_t * d loss / d C_t: with f_t near 1 the
error reaches the token whole; the RNN's is multiplied by diag(1 - h_t^2) . Wh[:, :H] every step.
Recipe (the stub's lr 0.01 and 500 single sequences reach about 47% at distance 5): batches of 64,
Adam (lr 0.02), global-norm clipping at 1, bf = 3, and a curriculum: distance 1 first (the gap cut
short), doubled at 90% running accuracy, until 99% at the full distance.
    python exercise_04_solution.py                # the study, about 60 s of CPU; --quick: about 6 s
    python exercise_04_solution.py --check my_exercise_04.py    # grade your attempt, TODO by TODO
Prints a line per run, the accuracy table with verdicts computed from it, copy and XOR, the cell
state and gradient numbers; saves ex4_memory_capacity, _cell_state, _gradient_flow, _copy_training
(.png) in --outdir.
"""
import itertools
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # tiny per-step matmuls: more threads only wait
import numpy as np
import matplotlib.pyplot as plt

SEED, CLIP_VALUE = 0, 5.0        # Exercise 1's defaults; its elementwise clip is off here (CLIP_NORM)
VOCAB_SIZE, HIDDEN_SIZE, NUM_ITERATIONS = 10, 32, 500   # the stub's: tokens 0-9 (query 10), H, budget
NUM_TRAIN, NUM_TEST, DISTANCES, SEEDS = 1000, 200, (5, 10, 20, 50, 100), 5   # per distance (TODO 3)
BATCH_SIZE, LEARNING_RATE, CLIP_NORM, FORGET_BIAS = 64, 0.02, 1.0, 3.0   # bf = 3: f_t near 0.95
CURRICULUM_START, CURRICULUM_ADVANCE, BAR = 1, 90.0, 95.0   # first distance, doubled at 90%; the bar
STOP_ACCURACY, ACCURACY_WINDOW, EVAL_EVERY = 99.0, 10, 25   # stop: 99% over 10 batches; test every 25
COPY_SYMBOLS, COPY_LENGTH, COPY_BLANK, COPY_DELIMITER = 8, 10, 8, 9   # copy 10 symbols drawn from 0-7
COPY_LENGTHS, COPY_ITERATIONS, XOR_DISTANCES = (10,), 4000, (10, 50)  # copy gaps T; batches at most
COPY_HIDDEN, COPY_TRAIN, COPY_TEST = 64, 20_000, 1000   # with H = 32 the LSTM stays at T = 1
QUICK = dict(distances=(5, 10, 20), seeds=1, iterations=300, copy_lengths=(5,), copy_iterations=300,
             xor_distances=(10,))
OUTDIR, MAX_DISTANCE, MAX_CACHE = "outputs", 2000, 2 * 10 ** 7   # steps x sequences x H: ~1 GB

class VanillaRNN:                                                                     # (TODO 10)
    """h_t = tanh(Wh . concat + bh), Wh (H, H+D); y_t = softmax(Wy . h_t + by). The LSTM's interface,
    so one loop trains both: inputs, targets (T,) or (T, B) (-1: not scored), h_prev (H,) or (B, H)."""

    PARAM_NAMES = ("Wh", "bh", "Wy", "by")

    def __init__(self, input_size, hidden_size, output_size, seed=SEED):
        D, H, V = check_sizes(input_size, hidden_size, output_size, gate_matrices=1)
        self.input_size, self.hidden_size, self.output_size = D, H, V
        self.rng = np.random.default_rng(check_seed(seed))
        self.Wh, self.bh = self.rng.normal(0.0, 1 / np.sqrt(H + D), (H, H + D)), np.zeros(H)
        self.Wy, self.by = self.rng.normal(0.0, 0.01, (V, H)), np.zeros(V)

    def forward(self, inputs, targets, h_prev, C_prev=None):
        """Loss in nats summed over the scored steps. Keeps h_states (T+1, [B,] H), y_probs."""
        inputs, targets, h_prev = check_sequences(self, inputs, targets, h_prev)
        self.inputs_cache, self.targets = np.eye(self.input_size)[inputs], targets
        self.h_states = np.empty((len(inputs) + 1,) + h_prev.shape)
        self.h_states[0] = h_prev
        for t in range(len(inputs)):
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]], axis=-1)
            self.h_states[t + 1] = np.tanh(concat @ self.Wh.T + self.bh)          # (TODO 10)
        log_y = log_softmax(self.h_states[1:] @ self.Wy.T + self.by)            # (T, [B,] V)
        self.y_probs = np.exp(log_y)
        return float(-log_y[targets[..., None] == np.arange(self.output_size)].sum())

    def backward(self):
        """BPTT through the last forward; sets dWh, dbh, dWy, dby; returns (d loss / d h_prev, None)."""
        onehot = self.targets[..., None] == np.arange(self.output_size)        # all False at -1
        dy = (self.y_probs - onehot) * (self.targets >= 0)[..., None]          # softmax + x-entropy
        self.dWy, self.dby = batch_outer(dy, self.h_states[1:]), batch_sum(dy)
        self.dWh, self.dbh = np.zeros_like(self.Wh), np.zeros_like(self.bh)
        dh_next = np.zeros_like(self.h_states[0])
        for t in reversed(range(len(self.targets))):
            dz = (dy[t] @ self.Wy + dh_next) * (1.0 - self.h_states[t + 1] ** 2)   # tanh' = 1 - h^2
            self.dWh += batch_outer(dz, np.concatenate([self.h_states[t], self.inputs_cache[t]], -1))
            self.dbh += batch_sum(dz)
            dh_next = dz @ self.Wh[:, :self.hidden_size]                       # concat = [h, x]
        return dh_next, None

def build_model(kind, input_size, hidden_size, output_size, seed=SEED):
    """A fresh "lstm" (Exercise 1's; no elementwise clip: training clips by norm) or "rnn"."""
    if kind == "lstm":
        return LSTMFromScratch(input_size, hidden_size, output_size, seed, clip_value=None,
                               forget_bias=FORGET_BIAS)
    if kind == "rnn":
        return VanillaRNN(input_size, hidden_size, output_size, seed)
    raise ValueError(f"kind: expected 'lstm' or 'rnn', got {kind!r}")

def clip_global_norm(grads, max_norm):
    """Scale `grads` in place to a joint L2 norm <= max_norm (keeps the step's direction)."""
    max_norm = check_float("max_norm", max_norm)
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if not math.isfinite(norm):
        raise TrainingDiverged(f"the gradient norm became {norm}; try a smaller --learning-rate")
    for g in grads if norm > max_norm else ():
        g *= max_norm / norm
    return norm

def adam_step(model, state, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step (Kingma & Ba 2015) for each parameter p of the model, from its gradient g:
        m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps)
    Steps of about lr whatever the gradient's scale, unlike Adagrad's. state: {} at first."""
    state["t"] = t = state.get("t", 0) + 1
    for name in model.PARAM_NAMES:
        g = getattr(model, "d" + name)
        m, v = (state.setdefault(key + name, np.zeros_like(g)) for key in "mv")
        m += (1 - beta1) * (g - m)
        v += (1 - beta2) * (g * g - v)
        v_hat = v / (1 - beta2 ** t)
        getattr(model, name)[...] -= learning_rate * m / (1 - beta1 ** t) / (np.sqrt(v_hat) + eps)

# ---- The tasks, in the stub's layout: one row per sequence --------------------------------------
def generate_memory_task(distance, num_samples=1000, vocab_size=VOCAB_SIZE, rng=None):
    """First-character recall, `A x x ... x ?` -> A; the distractors are drawn from A's tokens, so
    the model must keep the first token, not the latest. Returns X (N, distance + 2) ints: X[:, 0]
    the token in [0, vocab_size), `distance` distractors, the query vocab_size; y (N,) = X[:, 0]."""
    distance, num_samples = check_data_size(distance, num_samples, 2)
    vocab_size = check_int("vocab_size", vocab_size, low=2, high=1000)
    rng = np.random.default_rng(SEED) if rng is None else rng
    X = rng.integers(0, vocab_size, (num_samples, distance + 2))     # token, distractors (TODO 1)
    X[:, -1] = vocab_size                                            # the query (TODO 1)
    return X, X[:, 0].copy()                                         # (TODO 1)

def generate_delayed_xor_task(distance, num_samples=1000, rng=None):
    """Bits a, b (ids 0, 1), `distance` distractors (2, 3), a query (4): X (N, distance + 3), y = a^b."""
    distance, num_samples = check_data_size(distance, num_samples, 3)
    rng = np.random.default_rng(SEED) if rng is None else rng
    X = rng.integers(0, 2, (num_samples, distance + 3))
    X[:, 2:-1] += 2
    X[:, -1] = 4
    return X, X[:, 0] ^ X[:, 1]

def generate_copy_task(T, num_samples=1000, rng=None):
    """10 symbols from 8 (ids 0-7), T - 1 blanks (8), the delimiter (9), 10 blanks; targets: T + 10
    blanks, then the symbols. X, Y (N, T + 20). Memoryless: 10 ln 8 / (T + 20) nats per step."""
    T, num_samples = check_data_size(T, num_samples, 2 * COPY_LENGTH, "T")
    rng = np.random.default_rng(SEED) if rng is None else rng
    X = np.full((num_samples, T + 2 * COPY_LENGTH), COPY_BLANK)
    X[:, :COPY_LENGTH] = rng.integers(0, COPY_SYMBOLS, (num_samples, COPY_LENGTH))
    X[:, T + COPY_LENGTH - 1] = COPY_DELIMITER
    Y = np.full_like(X, COPY_BLANK)
    Y[:, -COPY_LENGTH:] = X[:, :COPY_LENGTH]
    return X, Y

def make_task(name, distance, num_train, num_test, seed=SEED, vocab_size=VOCAB_SIZE):
    """"recall", "xor" or "copy" (distance = T) as a dict: inputs, targets (L, n <= num_train) and
    test_inputs, test_targets (L, num_test), time-major, no held-out sequence in training, -1: not
    scored; head: steps before the gap; scored: last steps that count; chance (%); baseline (nats)."""
    rng, n = np.random.default_rng(seed), check_int("num_train", num_train) + num_test
    if name == "copy":
        (X, Y), V = generate_copy_task(distance, n, rng), COPY_SYMBOLS
        spec = dict(head=COPY_LENGTH, scored=COPY_LENGTH, input_size=V + 2, output_size=V + 1,
                    baseline=COPY_LENGTH * math.log(V) / X.shape[1])
    elif name in ("recall", "xor"):
        if name == "recall":
            (X, y), V, head, D = generate_memory_task(distance, n, vocab_size, rng), vocab_size, 1, None
        else:
            (X, y), V, head, D = generate_delayed_xor_task(distance, n, rng), 2, 2, 5
        Y = np.full_like(X, -1)
        Y[:, -1] = y                                             # only the query step is scored
        spec = dict(head=head, scored=1, input_size=D or V + 1, output_size=V, baseline=math.log(V))
    else:
        raise ValueError(f"task: expected 'recall', 'xor' or 'copy', got {name!r}")
    held_out = {row.tobytes() for row in X[num_train:]}
    fresh = np.array([row.tobytes() not in held_out for row in X[:num_train]])
    if fresh.sum() < num_train / 2:
        raise ValueError(f"distance: {distance} has too few distinct sequences for {num_test} "
                         "held-out ones")
    return dict(spec, chance=100 / V, name=name, distance=distance, inputs=X[:num_train][fresh].T,
                targets=Y[:num_train][fresh].T, test_inputs=X[num_train:].T,
                test_targets=Y[num_train:].T)

# ---- The stub's functions ------------------------------------------------------------------------
def predict(model, inputs):
    """The class a model predicts at the last step, each sequence from zero states. inputs: (T,)
    ids, one sequence -> an int; or (N, T), the stub's layout -> (N,) ints."""
    x = check_ids("inputs", inputs, model.input_size).T                # time-major: (T,) or (T, N)
    zeros = np.zeros(x.shape[1:] + (model.hidden_size,))
    model.forward(x, np.full_like(x, -1), zeros, zeros)                # -1: no step scored
    classes = model.y_probs[-1].argmax(axis=-1)
    return int(classes) if x.ndim == 1 else classes

def heldout_score(model, task):
    """(accuracy %, loss in nats per scored step) on the held-out set."""
    x, y, scored = task["test_inputs"], task["test_targets"], task["scored"]
    zeros = np.zeros((x.shape[1], model.hidden_size))
    loss = model.forward(x, y, zeros, zeros)
    hits = model.y_probs[-scored:].argmax(axis=-1) == y[-scored:]     # predict() at each scored step
    return 100.0 * float(hits.mean()), loss / int((y >= 0).sum())

def train_on_distance(distance, vocab_size=VOCAB_SIZE, hidden_size=HIDDEN_SIZE,
                      num_iterations=NUM_ITERATIONS, task="recall", kind="lstm", seed=SEED,
                      learning_rate=LEARNING_RATE, curriculum=CURRICULUM_START, log=None,
                      log_every=EVAL_EVERY, details=False):
    """Train a fresh model at one distance; return its held-out accuracy in percent. task: "recall"
    (the stub's), "xor", "copy"; kind: "lstm", "rnn"; num_iterations: batches at most; curriculum:
    first distance (None: the full one). details=True: (accuracy, model, history), history: loss,
    distance_trained per batch; eval_at, test_accuracy, test_loss every EVAL_EVERY; iterations..."""
    num_iterations, seed = check_int("num_iterations", num_iterations), check_seed(seed)
    learning_rate = check_float("learning_rate", learning_rate)
    # The data: training and held-out sequences, none in both (TODO 2, 3)
    sizes = (COPY_TRAIN, COPY_TEST) if task == "copy" else (NUM_TRAIN, NUM_TEST)
    data = make_task(task, distance, *sizes, seed, vocab_size)                       # (TODO 3)
    # The model: vocab_size + 1 inputs (the query is one more symbol), vocab_size classes (TODO 4)
    model = build_model(kind, data["input_size"], hidden_size, data["output_size"], seed)
    level = distance if curriculum is None else min(check_int("curriculum", curriculum), distance)
    rng, adam, head, scored = np.random.default_rng(seed), {}, data["head"], data["scored"]
    h = {key: [] for key in ("loss", "distance_trained", "eval_at", "test_accuracy", "test_loss")}
    recent, zeros, start = [], np.zeros((BATCH_SIZE, hidden_size)), time.perf_counter()
    for n in range(1, num_iterations + 1):                                          # (TODO 5)
        keep = np.r_[0:head, head + distance - level:len(data["inputs"])]   # the gap cut to level
        rows = rng.integers(0, data["inputs"].shape[1], BATCH_SIZE)
        x, y = data["inputs"][keep][:, rows], data["targets"][keep][:, rows]
        with np.errstate(over="ignore", invalid="ignore"):          # a blow-up shows in the loss
            loss = model.forward(x, y, zeros, zeros)                                 # (TODO 5)
        if not math.isfinite(loss):
            raise TrainingDiverged(f"the loss became {loss} at batch {n}; try a smaller "
                                   f"--learning-rate (now {learning_rate})")
        model.backward()                                                             # (TODO 5)
        clip_global_norm([getattr(model, "d" + name) for name in model.PARAM_NAMES], CLIP_NORM)
        adam_step(model, adam, learning_rate)                                        # (TODO 5)
        h["loss"].append(loss / int((y >= 0).sum()))
        h["distance_trained"].append(level)
        recent.append(100.0 * np.mean(model.y_probs[-scored:].argmax(axis=-1) == y[-scored:]))
        running = np.mean(recent[-ACCURACY_WINDOW:]) if len(recent) >= ACCURACY_WINDOW else 0.0
        done = level == distance and running >= STOP_ACCURACY
        if n % EVAL_EVERY == 0 or n == num_iterations or done:
            h["eval_at"].append(n)
            for key, value in zip(("test_accuracy", "test_loss"), heldout_score(model, data)):
                h[key].append(value)                                                 # (TODO 6)
            seconds = time.perf_counter() - start
            if log and (n % log_every == 0 or n == num_iterations or done):
                log(f"  batch {n}/{num_iterations}  distance {level}/{distance}  loss "
                    f"{h['loss'][-1]:.3f}  held-out {h['test_accuracy'][-1]:.1f}%  "
                    f"{1000 * seconds / n:.0f} ms/batch  eta {eta(seconds / n * (num_iterations - n))}")
        if done:
            break
        if level < distance and running >= CURRICULUM_ADVANCE:
            level, recent = min(distance, 2 * level), []
    history = dict({key: np.array(value) for key, value in h.items()}, iterations=n, chance=data[
        "chance"], baseline=data["baseline"], seconds=time.perf_counter() - start)
    accuracy = float(history["test_accuracy"][-1])          # on the 200 held-out sequences (TODO 6)
    return (accuracy, model, history) if details else accuracy

def train_on_memory_task(task, distance, kind="lstm", **options):
    """The course's general trainer: train_on_distance on any task. Returns (model, history)."""
    _, model, history = train_on_distance(distance, task=task, kind=kind, details=True, **options)
    return model, history

def test_all_distances(distances=DISTANCES, **options):
    """The stub's sweep: (distances, held-out accuracies in %), two lists; all checked first."""
    distances = check_distances(distances, options.get("vocab_size", VOCAB_SIZE))
    accuracies = []
    for distance in distances:                                                      # (TODO 7)
        accuracies.append(train_on_distance(distance, **options))                   # (TODO 8)
    return distances, accuracies

def compare_with_rnn(distances, **options):
    """The stub's bonus: the vanilla RNN's held-out accuracies (%), same recipe and budget."""
    return test_all_distances(distances, kind="rnn", **options)[1]                  # (TODO 10)

def plot_results(distances, accuracies, vocab_size=VOCAB_SIZE, path="outputs/ex4_results.png"):
    """The stub's figure at `path`: accuracy (%) against distance, chance at 100 / vocab_size %."""
    distances, accuracies = check_paired(distances, accuracies=accuracies)
    visualize_memory_capacity(dict(distances=distances, accuracy={"lstm": accuracies},
                                   chance=100 / vocab_size), path)                  # (TODO 9)

def analyze_findings(distances, accuracies, vocab_size=VOCAB_SIZE, rnn_accuracies=None, flow=None,
                     reached=None, log=print):
    """The stub's write-up, from the arguments only. accuracies, rnn_accuracies: held-out % per
    distance, lists or (seeds, distances) arrays; flow: {kind: analyze_gradient_flow's dict};
    reached: {kind: (seeds, distances), the distance each curriculum reached}. Returns the text."""
    d, acc = check_paired(distances, accuracies=accuracies)                          # (TODO 11)
    rnn = None if rnn_accuracies is None else check_paired(distances, rnn=rnn_accuracies)[1]
    lines, fails = [], {}
    for label, a in (("LSTM", acc), ("vanilla RNN", rnn)) if rnn is not None else (("LSTM", acc),):
        mean, worst = a.mean(axis=0), a.min(axis=0)
        fails[label] = bad = np.flatnonzero(worst < BAR)
        handled = d[:bad[0]] if len(bad) else d                     # every shorter distance passed
        lines += [f"{label}: mean {a.mean():.1f}% over {len(d)} distances x {len(a)} seed(s), chance "
                  f"{100 / vocab_size:.0f}%; best at {d[mean.argmax()]} ({mean.max():.1f}%), worst "
                  f"at {d[mean.argmin()]} ({mean.min():.1f}%)",
                  f"  (1) first below {BAR:.0f}% (worst seed) at distance "
                  + (f"{d[bad[0]]} ({worst[bad[0]]:.1f}%)" if len(bad) else f"none up to {d.max()}")
                  + f"; (2) longest handled (it and all shorter >= {BAR:.0f}%): "
                  + (f"{handled.max()}" if len(handled) else "none")]
    falls, long, beyond = -min(0, *np.diff(acc.mean(axis=0)), 0), d >= 50, d > 10
    claims = [("'accuracy degrades gracefully with delay' (the course's solutions list)",
               "not seen: no fall" if falls < 5 else "holds" if falls <= 20 else "abrupt instead",
               f"largest fall between neighbouring distances {falls:.1f} points"),
              ("'the LSTM handles 50+ steps easily' (the course's README)", "not tested" if not
               long.any() else "holds" if acc[:, long].min() >= BAR else "falls short",
               f"worst seed at 50+: {acc[:, long].min():.1f}%" if long.any() else "no 50+ here")]
    if rnn is not None and beyond.any():
        gap, below = (acc - rnn).mean(axis=0), int((rnn[:, beyond] < BAR).sum())
        lines.append("  (3) LSTM minus RNN, mean points: "
                     + ", ".join(f"{g:+.1f} at {x}" for x, g in zip(d, gap)))
        claims += [("'a vanilla RNN fails beyond 10 steps' (the course's README)", "holds" if below
                    == rnn[:, beyond].size else "holds in part" if below else "does not: it passes",
                    f"below {BAR:.0f}% in {below} of its {rnn[:, beyond].size} runs beyond 10"),
                   ("'LSTMs beat RNNs on long ranges' (the course's solutions list)", "holds" if
                    gap[beyond].min() > 0 else "not everywhere: the RNN ties or leads somewhere",
                    f"LSTM ahead by {gap[beyond].min():+.1f} to {gap[beyond].max():+.1f} beyond 10")]
    lines += [f"  {claim}: {outcome} ({numbers})" for claim, outcome, numbers in claims]
    lines.append("  (4) what limits the distance here:")
    for kind, r in (reached or {}).items():
        short = np.asarray(r) < d
        lines.append(f"    {STYLE[kind][0]}: its curriculum fell short of the full distance in "
                     f"{short.sum()} of {short.size} runs" + (f", stopping at {np.asarray(r)[short].min()}"
                     f" to {np.asarray(r)[short].max()}" if short.any() else ""))
    for kind, g in (flow or {}).items():
        name = "C" if g.get("decay_C") is not None else "h"
        factor, steps = g[f"decay_{name}"], g["k"][-1] - g["k"][0]
        lines.append(f"    {STYLE[kind][0]}: d loss / d{name} shrinks x{factor:.3f} per step back from "
                     f"the query: {factor ** steps:.1e} of it is left {steps} steps back")
    if not reached and not flow:
        bad = fails["LSTM"]
        lines.append("    from the accuracies alone, the training budget: "
                     + (f"the LSTM fails from {d[bad[0]]} on" if len(bad) else "nothing up to "
                        f"{d.max()}") + "; pass flow= and reached= for the reason")
    if log:
        log("\n".join(lines))
    return "\n".join(lines)

# ---- Evaluation and analysis -----------------------------------------------------------------------
def evaluate_memory_capacity(distances=DISTANCES, seeds=SEEDS, kinds=("lstm", "rnn"),
                             base_seed=SEED, log=print, **options):
    """test_all_distances and compare_with_rnn over seeds, keeping the models: a fresh model per run,
    the same data, recipe and budget for each kind (options: train_on_distance's). Returns a dict:
    distances, seeds, chance (%); accuracy, reached {kind: (S, D)}: held-out %, the distance the
    curriculum reached; models {(kind, distance): the first seed's trained model}."""
    distances = check_distances(distances, options.get("vocab_size", VOCAB_SIZE))
    seeds, base_seed = check_int("seeds", seeds, high=1000), check_seed(base_seed)
    out = dict(distances=distances, seeds=list(range(base_seed, base_seed + seeds)), models={},
               accuracy={kind: np.zeros((seeds, len(distances))) for kind in kinds})
    out["reached"] = {kind: np.zeros((seeds, len(distances)), int) for kind in kinds}
    runs, start = list(itertools.product(enumerate(out["seeds"]), enumerate(distances), kinds)), \
        time.time()
    for done, ((s, seed), (j, distance), kind) in enumerate(runs, start=1):
        accuracy, model, h = train_on_distance(distance, kind=kind, seed=seed, details=True,
                                               **options)
        out["chance"], out["accuracy"][kind][s, j] = h["chance"], accuracy
        out["reached"][kind][s, j] = h["distance_trained"][-1]
        out["models"].setdefault((kind, distance), model)
        if log:
            log(f"  [{done}/{len(runs)}] {kind:4s} distance {distance:4d}  seed {seed}  "
                f"{h['iterations']:4d} batches  reached {h['distance_trained'][-1]:4d}  held-out "
                f"{accuracy:5.1f}%  {h['seconds']:4.1f} s  "
                f"eta {eta((time.time() - start) / done * (len(runs) - done))}")
    return out

def correlation_ratio(values, labels):
    """eta^2 of each column of values (N, H) with labels (N,): the share of the column's variance
    the label groups' means explain; 1 when the value gives the label away, 0 when it says nothing."""
    onehot = labels[:, None] == np.unique(labels)                        # (N, K)
    means = (onehot.T @ values) / onehot.sum(axis=0)[:, None]            # (K, H)
    total = ((values - values.mean(axis=0)) ** 2).sum(axis=0)
    explained = ((means[onehot.argmax(axis=1)] - values.mean(axis=0)) ** 2).sum(axis=0)
    return np.divide(explained, total, out=np.zeros_like(total), where=total > 0)

def analyze_cell_state_evolution(model, distance, num_probe=500, seed=SEED):
    """A recall LSTM's cell state through encoding (the token), retention (the distractors) and
    retrieval (the query), on num_probe fresh sequences. Returns a dict: tokens (T,), C (T, H),
    C_norm (T,) = ||C_t|| and prediction of the first sequence; selectivity (H,), each unit's eta^2
    with the token in retention; memory_units, those with eta^2 >= 0.5, and their mean gates:
    i_encoding (input gate at the token), i_retention, f_retention; probe_accuracy (%)."""
    check_recall_model(model, lstm_only=True)
    X, y = generate_memory_task(distance, check_int("num_probe", num_probe, low=2),
                                model.output_size, np.random.default_rng(check_seed(seed)))
    prediction = predict(model, X)                                       # fills the model's caches
    C, retention = model.C_states[1:], slice(1, distance + 1)            # C[t] = C_t, (T, N, H)
    selectivity = np.mean([correlation_ratio(C[t], y) for t in range(1, distance + 1)], axis=0)
    order = np.argsort(selectivity)[::-1]
    units = [int(u) for u in order if selectivity[u] >= 0.5] or [int(order[0])]     # at least one
    return dict(tokens=X[0], C=C[:, 0], C_norm=np.linalg.norm(C[:, 0], axis=1),
                prediction=int(prediction[0]), selectivity=selectivity, memory_units=units,
                distance=distance, i_encoding=float(model.i_gates[0][:, units].mean()),
                i_retention=float(model.i_gates[retention][:, :, units].mean()),
                f_retention=float(model.f_gates[retention][:, :, units].mean()),
                probe_accuracy=100.0 * float((prediction == y).mean()))

def analyze_gradient_flow(model, distance, num_samples=64, seed=SEED):
    """How much of a recall model's query-loss gradient reaches the state k = 1 ... T - 1 steps
    before the query (T = distance + 2; k = T - 1: just after the token): the last k steps rerun
    from the states there, and backward() gives d loss / d h and d loss / d C (h held fixed: along
    the cell). Returns a dict: k (K,), K <= 100; dh_norm, dC_norm (K,), the mean norm over sequences;
    decay_h, decay_C, the geometric-mean factor per step from k = 1 to T - 1 (C: None for the RNN)."""
    check_recall_model(model)
    X, y = generate_memory_task(distance, check_int("num_samples", num_samples),
                                model.output_size, np.random.default_rng(check_seed(seed)))
    predict(model, X)                                                    # fills h_states, C_states
    x, targets, is_lstm = X.T, np.full(X.T.shape, -1), isinstance(model, LSTMFromScratch)
    targets[-1] = y                                                      # only the query is scored
    h_states = model.h_states.copy()
    C_states = model.C_states.copy() if is_lstm else [None] * len(h_states)
    k, norms = np.unique(np.linspace(1, len(x) - 1, 100).astype(int)), []   # 100 k at most: O(T^2)
    for steps in k:                                                      # from h, C at T-1-steps
        model.forward(x[-steps:], targets[-steps:], h_states[-steps - 1], C_states[-steps - 1])
        norms.append([np.nan if g is None else np.linalg.norm(g, axis=1).mean()
                      for g in model.backward()])
    norms = np.array(norms)
    out = dict(k=k, dh_norm=norms[:, 0], dC_norm=norms[:, 1] if is_lstm else None)
    for name in "hC":                                                    # 0 if a norm underflows
        n = out[f"d{name}_norm"]
        out["decay_" + name] = None if n is None else \
            float((n[-1] / n[0]) ** (1 / max(1, k[-1] - k[0])))
    return out

# ---- Figures and the report ----------------------------------------------------------------------
STYLE = {"lstm": ("LSTM", "tab:blue"), "rnn": ("vanilla RNN", "tab:red")}

def visualize_memory_capacity(results, path):
    """Held-out accuracy against distance: per kind the mean and lowest-to-highest band over seeds,
    chance and the 95% bar. results: distances, chance, accuracy {kind: (seeds, D)} in %."""
    (fig, ax), d = plt.subplots(figsize=(8, 4.8)), results["distances"]
    for kind, acc in results["accuracy"].items():
        (label, color), acc = STYLE[kind], np.atleast_2d(np.asarray(acc, dtype=float))
        ax.plot(d, acc.mean(axis=0), "o-", color=color, label=f"{label}, mean of {len(acc)} seed(s)")
        if len(acc) > 1:
            ax.fill_between(d, acc.min(axis=0), acc.max(axis=0), color=color, alpha=0.2,
                            label=f"{label}, lowest to highest seed")
    ax.axhline(results["chance"], color="gray", ls="--", label=f"chance, {results['chance']:.0f}%")
    ax.axhline(BAR, color="tab:green", ls=":", label=f"{BAR:.0f}% bar")
    ax.set(xscale="log", ylim=(0, 104), xlabel="distance (distractor steps between token and query)",
           ylabel="held-out accuracy at the query (%)", title="First-character recall against distance")
    ax.set_xticks(d, [str(x) for x in d], minor=False)
    ax.minorticks_off()
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize=8.5, frameon=False)
    save_figure(fig, path)

def visualize_copy_training(copy, path):
    """Held-out loss and accuracy per symbol on the copy task during training, per T and model, with
    the memoryless baseline and chance. copy: {(T, kind): train_on_distance's history}."""
    lengths = sorted({T for T, _ in copy})
    fig, axes = plt.subplots(len(lengths), 2, figsize=(12, 4.8 * len(lengths)), squeeze=False)
    for (ax_loss, ax_acc), T in zip(axes, lengths):
        for kind in ("lstm", "rnn"):
            (label, color), h = STYLE[kind], copy[T, kind]
            ax_loss.semilogy(h["eval_at"], h["test_loss"], color=color, label=label)
            ax_acc.plot(h["eval_at"], h["test_accuracy"], color=color, label=label)
            full = np.flatnonzero(h["distance_trained"] == T)
            for ax in (ax_loss, ax_acc) if len(full) and full[0] > 0 else ():
                ax.axvline(full[0] + 1, color=color, ls=":", label=f"{label}: at T = {T} from here")
        ax_loss.axhline(h["baseline"], color="gray", ls="--", label=f"memoryless, 10 ln 8 / {T + 20}")
        ax_acc.axhline(h["chance"], color="gray", ls="--", label="chance, 12.5%")
        ax_acc.axhline(BAR, color="tab:green", ls=":", label=f"{BAR:.0f}% bar")
        ax_loss.set(ylabel="held-out loss (nats per step, log)", title=f"copy task, T = {T}: loss")
        ax_acc.set(ylabel="held-out accuracy per symbol (%)", ylim=(0, 104), title=f"T = {T}: accuracy")
        for ax in (ax_loss, ax_acc):
            ax.set_xlabel(f"training batch ({BATCH_SIZE} sequences)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2,
                      frameon=False)
    fig.suptitle("Copy task: scored on held-out sequences at the full T; the curriculum trains shorter")
    fig.tight_layout()
    save_figure(fig, path)

def visualize_cell_state(cell, path):
    """Heatmap of C_t through one sequence, units sorted by how much they tell of the stored token
    (eta^2), input tokens along x, and ||C_t|| below. cell: analyze_cell_state_evolution's dict."""
    C, order = cell["C"], np.argsort(cell["selectivity"])[::-1]
    T, limit = len(C), np.abs(C).max()
    fig, (ax_map, ax_norm) = plt.subplots(2, 1, figsize=(max(8, 0.33 * T + 3), 8), sharex=True,
                                          gridspec_kw=dict(height_ratios=[3, 1]))
    image = ax_map.imshow(C[:, order].T, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.colorbar(image, cax=ax_map.inset_axes([1.01, 0, 0.015, 1]), label="cell state C_t")
    ax_map.set_yticks(range(len(order)), [f"{u} ({cell['selectivity'][u]:.2f})" for u in order],
                      fontsize=max(5, min(9, 280 // len(order))))
    ax_map.set(ylabel="cell unit (its eta^2 with the stored token)",
               title=f"LSTM cell state through one sequence at distance {cell['distance']}: it stores "
                     f"{cell['tokens'][0]} and answers {cell['prediction']} at the query")
    ax_norm.plot(range(T), cell["C_norm"], ".-", color="black")
    for ax, edge in itertools.product((ax_map, ax_norm), (0.5, T - 1.5)):
        ax.axvline(edge, color="black", lw=1)                      # encoding | retention | retrieval
    every = math.ceil(T / 40)
    ticks = list(range(0, T - every // 2 - 1, every)) + [T - 1]
    ax_norm.set_xticks(ticks, [str(t) if t < VOCAB_SIZE else "?" for t in cell["tokens"][ticks]])
    ax_norm.set(ylabel="||C_t||", xlabel="input token at each step: the token to store | the "
                f"distractors{f', every {every}th labelled' if every > 1 else ''} | the query ?")
    ax_norm.grid(alpha=0.3)
    save_figure(fig, path)

def visualize_gradient_flow(flow, path):
    """||d loss / d h|| (solid) and, for the LSTM, ||d loss / d C|| (dashed) k steps before the
    query, at the start and after training. flow: {stage: {kind: analyze_gradient_flow's dict}}."""
    fig, axes = plt.subplots(1, len(flow), figsize=(6 * len(flow), 4.6), squeeze=False)
    for ax, (stage, flows) in zip(axes[0], flow.items()):
        for (kind, g), name in itertools.product(flows.items(), "hC"):
            if g[f"d{name}_norm"] is not None:                     # a norm that underflows: no log
                norms = np.where(g[f"d{name}_norm"] > 0, g[f"d{name}_norm"], np.nan)
                ax.semilogy(g["k"], norms, "-" if name == "h" else "--", color=STYLE[kind][1],
                            label=f"{STYLE[kind][0]}: ||d loss / d{name}||")
        ax.set(xlabel=f"k, steps before the query (k = {g['k'][-1]}: just after the token)",
               ylabel="gradient norm (mean over sequences, log)",
               title=f"{stage}, distance {g['k'][-1] - 1}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8.5, loc="lower left")
    fig.suptitle("How much of the query's loss gradient reaches earlier steps")
    fig.tight_layout()
    save_figure(fig, path)

def run_study(s, log=print):
    """Everything a run measures, as plain data (s: the checked settings): capacity,
    evaluate_memory_capacity's; tasks {(name, distance, kind): history} for copy and XOR; cell,
    flow: the analyses' dicts."""
    train = dict(learning_rate=s["learning_rate"], curriculum=s["curriculum"])
    log(f"first-character recall, H={s['hidden_size']}, {NUM_TRAIN}/{NUM_TEST} training/held-out:")
    capacity = evaluate_memory_capacity(s["distances"], s["seeds"], base_seed=s["seed"], log=log,
                                        hidden_size=s["hidden_size"],
                                        num_iterations=s["iterations"], **train)     # (TODO 12)
    tasks, sizes = {}, {"copy": (COPY_HIDDEN, s["copy_iterations"]),
                        "xor": (s["hidden_size"], s["iterations"])}
    for name in sizes:
        for d, kind in itertools.product(s[name + "_distances"], ("lstm", "rnn")):
            log(f"{name}, distance {d}, {STYLE[kind][0]}: H={sizes[name][0]}, "
                f"at most {sizes[name][1]} batches")
            tasks[name, d, kind] = train_on_memory_task(
                name, d, kind, hidden_size=sizes[name][0], num_iterations=sizes[name][1],
                seed=s["seed"], log=log, log_every=500, **train)[1]
    near_20 = min(s["distances"], key=lambda d: abs(d - 20))
    cell = analyze_cell_state_evolution(capacity["models"]["lstm", near_20], near_20, seed=s["seed"])
    longest, flow = max(s["distances"]), {"at the start": {}, "after training": {}}
    for kind in ("lstm", "rnn"):
        trained = capacity["models"][kind, longest]
        fresh = build_model(kind, trained.input_size, trained.hidden_size, trained.output_size,
                            s["seed"])
        for stage, model in (("at the start", fresh), ("after training", trained)):
            flow[stage][kind] = analyze_gradient_flow(model, longest, seed=s["seed"])
    return dict(capacity=capacity, tasks=tasks, cell=cell, flow=flow)

def print_report(r, paths, seconds):
    """Print what run_study measured: tables, verdicts computed from the numbers, a summary."""
    cap, c, tasks = r["capacity"], r["cell"], r["tasks"]
    print(f"\nheld-out accuracy at the query (%), mean [lowest, highest] over {len(cap['seeds'])} "
          f"seed(s); chance {cap['chance']:.0f}%\n  distance"
          + "".join(f"{STYLE[k][0]:>26}" for k in cap["accuracy"]))
    for j, d in enumerate(cap["distances"]):
        print(f"  {d:8d}" + "".join(f"{a.mean():.1f} [{a.min():.1f}, {a.max():.1f}]".rjust(26)
                                    for a in (acc[:, j] for acc in cap["accuracy"].values())))
    analyze_findings(cap["distances"], cap["accuracy"]["lstm"], rnn_accuracies=cap["accuracy"]["rnn"],
                     flow=r["flow"]["after training"], reached=cap["reached"])        # (TODO 12)
    for name, d in dict.fromkeys(key[:2] for key in tasks):
        lstm = tasks[name, d, "lstm"]
        print(f"\n{name}, distance {d}: the LSTM {'solves' if lstm['test_accuracy'][-1] >= BAR else 'fails'}"
              f" it (the bar: {BAR:.0f}% held out{' per symbol' * (name == 'copy')}; chance "
              f"{lstm['chance']:.1f}%)")
        for kind, h in ((kind, tasks[name, d, kind]) for kind in ("lstm", "rnn")):
            print(f"  {STYLE[kind][0]:11s} {h['test_accuracy'][-1]:5.1f}%, {h['test_loss'][-1]:.3f} "
                  f"nats per scored step (memoryless {h['baseline']:.3f}), {h['iterations']} "
                  f"batches, the curriculum reached {h['distance_trained'][-1]}")
    print(f"\ncell state, LSTM trained at distance {c['distance']}: {len(c['memory_units'])} of "
          f"{len(c['C'][0])} units have eta^2 >= 0.5 with the stored token; on them the input gate"
          f" is\n  {c['i_encoding']:.2f} at the token and {c['i_retention']:.2f} during the "
          f"distractors, the forget gate {c['f_retention']:.3f}; ||C_t|| goes from "
          f"{c['C_norm'][0]:.2f} to {c['C_norm'][-2]:.2f};\n  {c['probe_accuracy']:.1f}% of fresh "
          "sequences are answered right")
    for stage, flows in r["flow"].items():
        print(f"gradient of the query's loss {stage}, k = 1 -> {flows['lstm']['k'][-1]} steps back:")
        for kind, g in flows.items():
            print(f"  {STYLE[kind][0]:11s}" + "".join(
                f"  d{n}: {g[f'd{n}_norm'][0]:.1e} -> {g[f'd{n}_norm'][-1]:.1e} (x"
                f"{g['decay_' + n]:.3f} per step)" for n in "hC" if g["decay_" + n] is not None))
    solved = [d for d, a in zip(cap["distances"], cap["accuracy"]["lstm"].min(axis=0)) if a >= BAR]
    runs = "; ".join(f"{n} {d} {kind} {h['test_accuracy'][-1]:.1f}%" for (n, d, kind), h in
                     tasks.items())
    print(f"\nsummary ({eta(seconds)}): LSTM recall >= {BAR:.0f}% for every seed at {solved}; {runs}")
    print("figures: " + ", ".join(paths))

def main(argv=None):
    """The study from the command line: flags read and checked before any training (Part 2)."""
    args = parse_args(argv)
    if args.check:
        return run_check(args)
    try:
        s, start = settings(args), time.perf_counter()
        results = run_study(s)
    except (ValueError, TrainingDiverged) as err:             # bad input: one line, exit code 2
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2 if isinstance(err, ValueError) else 1
    copy = {(d, kind): h for (name, d, kind), h in results["tasks"].items() if name == "copy"}
    names = ["memory_capacity", "cell_state", "gradient_flow", "copy_training"][:3 + bool(copy)]
    paths = [os.path.join(s["outdir"], f"ex4_{name}.png") for name in names]
    visualize_memory_capacity(results["capacity"], paths[0])
    visualize_cell_state(results["cell"], paths[1])
    visualize_gradient_flow(results["flow"], paths[2])
    if copy:
        visualize_copy_training(copy, paths[3])
    print_report(results, paths, time.perf_counter() - start)
    if args.show:
        plt.show()
    return 0

# ---- Tooling: nothing below this line is part of the exercise ----
import argparse
import contextlib
import importlib.util
import io
import re
import signal
import tempfile
import threading
import traceback
import warnings

PROG = os.path.basename(__file__)


class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""


def eta(seconds):
    """Seconds -> 'm:ss'."""
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def save_figure(fig, path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    if plt.get_backend().lower() == "agg":                       # headless: nothing will show it
        plt.close(fig)


# ---- Argument checks: a ValueError naming the argument, before any work ------------------------
def check_seed(seed, name="seed"):
    """A seed is an integer >= 0."""
    return check_int(name, seed, low=0)


def check_sizes(input_size, hidden_size, output_size, gate_matrices):
    """(D, H, V) as ints, with at most 2 GiB of float64 weights (a huge H fails here, not later)."""
    D, H, V = (check_int(name, value) for name, value in (
        ("input_size", input_size), ("hidden_size", hidden_size), ("output_size", output_size)))
    gib = (gate_matrices * H * (H + D) + V * H) * 8 / 2 ** 30
    if gib > 2:
        raise ValueError(f"hidden_size: expected at most 2 GiB of weights, got {gib:,.0f} GiB with "
                         f"hidden_size {H}, input_size {D} and output_size {V}")
    return D, H, V


def check_sequences(model, inputs, targets, h_prev):
    """inputs, targets as int arrays of one shape, (T,) or (T, B); h_prev (H,) or (B, H)."""
    inputs = check_ids("inputs", inputs, model.input_size)
    targets = check_ids("targets", targets, model.output_size, allow_skip=True)
    if targets.shape != inputs.shape:
        raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, got {targets.shape}")
    return inputs, targets, check_state("h_prev", h_prev, inputs.shape[1:] + (model.hidden_size,))


def check_data_size(distance, num_samples, extra, name="distance"):
    """(distance, num_samples): num_samples x (distance + extra) ids stay small."""
    distance = check_int(name, distance, high=MAX_DISTANCE)
    return distance, check_int("num_samples", num_samples, high=MAX_CACHE // (distance + extra))


def check_distances(distances, vocab_size=VOCAB_SIZE):
    """A non-empty list of recall distances, each with enough distinct sequences to hold 200 out."""
    vocab_size = check_int("vocab_size", vocab_size, low=2, high=1000)
    if isinstance(distances, (str, bytes)) or not hasattr(distances, "__len__") or not distances:
        raise ValueError(f"distances: expected a non-empty list of integers, got {distances!r}")
    shortest = next(d for d in range(1, 99) if vocab_size ** (d + 1) >= 5 * NUM_TEST)
    return [check_int("distances", d, low=shortest, high=MAX_DISTANCE) for d in distances]


def check_paired(distances, **named):
    """(distances as an int array, the one named accuracy array as (seeds, distances)): the same
    number of distances and accuracies, each accuracy a percentage."""
    (name, values), = named.items()
    if isinstance(distances, (str, bytes)) or not hasattr(distances, "__len__") or not distances:
        raise ValueError(f"distances: expected a non-empty list of integers, got {distances!r}")
    d = np.array([check_int("distances", x) for x in distances])
    try:
        acc = np.atleast_2d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected numbers, got {values!r}"[:200]) from None
    if acc.ndim != 2 or acc.shape[1] != len(d):
        raise ValueError(f"{name}: expected one value per distance ({len(d)}), got shape "
                         f"{np.shape(values)}")
    if not np.all((acc >= 0) & (acc <= 100)):
        raise ValueError(f"{name}: expected percentages in [0, 100], got {acc.min()} to {acc.max()}")
    return d, acc


def check_recall_model(model, lstm_only=False):
    """A recall model: input_size = output_size + 1 (the query); an LSTMFromScratch if lstm_only."""
    kinds = (LSTMFromScratch,) if lstm_only else (LSTMFromScratch, VanillaRNN)
    if not isinstance(model, kinds) or model.input_size != model.output_size + 1:
        raise ValueError(f"model: expected {'an LSTM' if lstm_only else 'a model'} for recall "
                         "(input_size = output_size + 1), got "
                         f"{type(model).__name__} {getattr(model, 'input_size', '?')}, "
                         f"{getattr(model, 'output_size', '?')}")


# ---- The command line --------------------------------------------------------------------------
class OneLineErrorParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage block) and exits with code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv=None):
    """The flags; picks the headless backend unless --show."""
    p = OneLineErrorParser(prog=PROG, description="Exercise 4: how far back an LSTM remembers, "
                           "against a vanilla RNN.", epilog="Prints progress, tables with verdicts "
                           "computed from them and a summary; saves 4 PNG figures in --outdir.")
    add, ints = p.add_argument, lambda values: " ".join(map(str, values))
    add("--seed", type=int, default=SEED, help="the first seed, an integer >= 0 (default %(default)s)")
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
    add("--check", metavar="FILE", help="grade your own exercise_04 file TODO by TODO (with its "
        "folder's ../implementation.py, as the course lays it out) and exit")
    args = p.parse_args(argv)
    if not args.show:
        plt.switch_backend("Agg")
    return args


def settings(args):
    """The run's settings from the flags and --quick, each checked (ValueError naming the flag), and
    the output folder created and proved writable: all before any training."""
    given = dict(QUICK if args.quick else {}, **{key: v for key, v in vars(args).items() if v is not None})
    H = check_int("--hidden-size", args.hidden_size, high=256)          # 8 x the stub's; larger: hours
    if not 0 < args.learning_rate <= 1:                                 # Adam's steps are about this size
        raise ValueError(f"--learning-rate: expected a number in (0, 1], got {args.learning_rate!r}")
    steps = lambda flag, values, low, high: [check_int(flag, d, low, min(MAX_DISTANCE, high)) for d in values]
    s = dict(distances=steps("--distances", given.get("distances", DISTANCES), 2,
                             MAX_CACHE // (NUM_TEST * H) - 2),
             copy_distances=steps("--copy-lengths", given.get("copy_lengths", COPY_LENGTHS), 1,
                                  MAX_CACHE // (COPY_TEST * COPY_HIDDEN) - 2 * COPY_LENGTH),
             xor_distances=given.get("xor_distances", XOR_DISTANCES), hidden_size=H,
             seeds=check_int("--seeds", given.get("seeds", SEEDS), high=100),
             iterations=check_int("--iterations", given.get("iterations", NUM_ITERATIONS), high=20_000),
             copy_iterations=given.get("copy_iterations", COPY_ITERATIONS),
             learning_rate=args.learning_rate, seed=check_seed(args.seed, "--seed"),
             curriculum=None if args.no_curriculum else CURRICULUM_START, outdir=args.outdir)
    try:
        if not args.outdir:
            raise OSError("an empty path")
        os.makedirs(args.outdir, exist_ok=True)
        tempfile.TemporaryFile(dir=args.outdir).close()
    except OSError as err:
        raise ValueError(f"--outdir: cannot write to {args.outdir!r} ({err.strerror or err})") from None
    return s


# ---- Exercise 1's LSTM and the helpers it calls, unchanged (the lead re-copies them) -----------
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



def run_check(args):
    """--check FILE: the seed checked before anything is imported; a setup problem is one line."""
    try:
        seed = check_seed(args.seed, "--seed")
        return check_attempt(args.check, seed).report("Exercise 4, long-range memory: TODO by TODO")
    except (ValueError, CheckSetupError) as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

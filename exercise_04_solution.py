"""Exercise 4: how far back can an LSTM remember? Measured against a vanilla RNN.

The course's long-range memory exercise (TODO 1-12; grep -n "(TODO n)" finds the answer to TODO n):
show a model a token, `distance` distractors and a query; it must name the token at the query.
Held-out accuracy against distance with the chance line, beside a vanilla RNN (the bonus, TODO 10).
The LSTM is Exercise 1's, unchanged (below the tooling line); concat = [h_prev, x_t], x_t one-hot:
    f_t = sigmoid(Wf . concat + bf)         i_t = sigmoid(Wi . concat + bi)
    C_tilde = tanh(Wc . concat + bc)        C_t = f_t * C_prev + i_t * C_tilde
    o_t = sigmoid(Wo . concat + bo)         h_t = o_t * tanh(C_t)
RNN: h_t = tanh(Wh . concat + bh). Both: y_t = softmax(Wy . h_t + by); loss = -ln y_t[target] at
the scored steps. Along the cell d loss / d C_(t-1) = f_t * d loss / d C_t: with f_t near 1 the
error reaches the token whole; the RNN's is multiplied by diag(1 - h_t^2) . Wh[:, :H] every step.
The stub's recipe (Adagrad at lr 0.01, 500 single sequences) stays below 50% at distance 5, so
this one is stronger: batches of 64, Adam (lr 0.02), global-norm clipping at 1, bf = 3, and a
curriculum: distance 1 first (the gap cut short), doubled at 90% running accuracy, to 99% at full.
    python exercise_04_solution.py                # the study, about 60 s of CPU; --quick: about 7 s
    python exercise_04_solution.py --check my_exercise_04.py    # grade your attempt, TODO by TODO
Below the tooling line, beyond the exercise: the copy task (Arjovsky et al. 2016), delayed XOR, the
LSTM's cell state and how far back the query's gradient reaches. The run prints a line per training
run, the accuracy table with verdicts computed from it, and saves 4 PNG figures in --outdir.
"""
import itertools
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # tiny per-step matmuls: more threads only wait
import numpy as np
import matplotlib.pyplot as plt

SEED, CLIP_VALUE = 0, 5.0      # Exercise 1's defaults; its elementwise clip is off here (CLIP_NORM)
VOCAB_SIZE, HIDDEN_SIZE, NUM_ITERATIONS = 10, 32, 500  # the stub's: tokens 0-9, query 10; H; budget
NUM_TRAIN, NUM_TEST, DISTANCES, SEEDS = 1000, 200, (5, 10, 20, 50, 100), 5   # per distance (TODO 3)
BATCH_SIZE, LEARNING_RATE, CLIP_NORM, FORGET_BIAS = 64, 0.02, 1.0, 3.0   # bf = 3: f_t near 0.95
CURRICULUM_START, CURRICULUM_ADVANCE, BAR = 1, 90.0, 95.0   # first distance, doubled at 90%; bar
STOP_ACCURACY, ACCURACY_WINDOW, EVAL_EVERY = 99.0, 10, 25   # stop at 99% over 10 batches; test: 25
STYLE = {"lstm": ("LSTM", "tab:blue"), "rnn": ("vanilla RNN", "tab:red")}


class VanillaRNN:                                                                     # (TODO 10)
    """h_t = tanh(Wh . concat + bh), Wh (H, H+D); y_t = softmax(Wy . h_t + by). The LSTM's
    interface, so one loop trains both: inputs, targets (T,) or (T, B) (-1: not scored), h_prev (H,)
    or (B, H)."""

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
        """BPTT through the last forward: sets dWh, dbh, dWy, dby; returns (dh_prev, None)."""
        onehot = self.targets[..., None] == np.arange(self.output_size)        # all False at -1
        dy = (self.y_probs - onehot) * (self.targets >= 0)[..., None]          # softmax + x-entropy
        self.dWy, self.dby = batch_outer(dy, self.h_states[1:]), batch_sum(dy)
        self.dWh, self.dbh = np.zeros_like(self.Wh), np.zeros_like(self.bh)
        dh_next = np.zeros_like(self.h_states[0])
        for t in reversed(range(len(self.targets))):
            dz = (dy[t] @ self.Wy + dh_next) * (1.0 - self.h_states[t + 1] ** 2)   # tanh' = 1 - h^2
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]], axis=-1)
            self.dWh += batch_outer(dz, concat)
            self.dbh += batch_sum(dz)
            dh_next = dz @ self.Wh[:, :self.hidden_size]                       # concat = [h, x]
        return dh_next, None


def build_model(kind, input_size, hidden_size, output_size, seed=SEED):
    """A fresh "lstm" (Exercise 1's; no elementwise clip: training clips by norm) or "rnn"."""
    if kind not in ("lstm", "rnn"):
        raise ValueError(f"kind: expected 'lstm' or 'rnn', got {kind!r}")
    if kind == "rnn":
        return VanillaRNN(input_size, hidden_size, output_size, seed)
    return LSTMFromScratch(input_size, hidden_size, output_size, seed, clip_value=None,
                           forget_bias=FORGET_BIAS)


def clip_global_norm(grads, max_norm):
    """Scale `grads` in place to a joint L2 norm <= max_norm (keeps the step's direction)."""
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if not math.isfinite(norm):
        raise TrainingDiverged(f"the gradient norm became {norm}; try a smaller --learning-rate")
    for g in grads if norm > check_float("max_norm", max_norm) else ():
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


def generate_memory_task(distance, num_samples=1000, vocab_size=VOCAB_SIZE, rng=None):
    """First-character recall, `A x x ... x ?` -> A, the distractors drawn from A's tokens. Returns
    X (N, distance + 2) ints: the token in [0, vocab_size), the distractors, the query vocab_size;
    and y (N,) = X[:, 0]."""
    distance, num_samples = check_data_size(distance, num_samples, 2)
    vocab_size = check_int("vocab_size", vocab_size, low=2, high=1000)
    rng = np.random.default_rng(SEED) if rng is None else rng
    X = rng.integers(0, vocab_size, (num_samples, distance + 2))     # token, distractors (TODO 1)
    X[:, -1] = vocab_size                                            # the query (TODO 1)
    return X, X[:, 0].copy()                                         # (TODO 1)


def make_task(name, distance, num_train, num_test, seed=SEED, vocab_size=VOCAB_SIZE):
    """"recall" ("xor", "copy": Part 2) as a dict: inputs, targets (L, n <= num_train), test_inputs,
    test_targets (L, num_test), time-major, no held-out sequence in training, target -1: not scored;
    head: steps before the gap; scored: last steps that count; chance (%); baseline (nats/step)."""
    if name != "recall":
        return make_extra_task(name, distance, num_train, num_test, seed)
    n, rng = check_int("num_train", num_train) + num_test, np.random.default_rng(seed)
    X, y = generate_memory_task(distance, n, vocab_size, rng)
    Y = np.full_like(X, -1)
    Y[:, -1] = y                                                     # only the query is scored
    return split_task(X, Y, num_train, distance=distance, head=1, scored=1, chance=100 / vocab_size,
                      input_size=vocab_size + 1, output_size=vocab_size,
                      baseline=math.log(vocab_size))


def split_task(X, Y, num_train, **spec):
    """The held-out rows X[num_train:] and the training rows not among them, time-major."""
    held_out = {row.tobytes() for row in X[num_train:]}
    fresh = np.array([row.tobytes() not in held_out for row in X[:num_train]])
    if fresh.sum() < num_train / 2:
        raise ValueError(f"distance: {spec['distance']} has too few distinct sequences for "
                         f"{len(X) - num_train} held-out ones")
    return dict(spec, inputs=X[:num_train][fresh].T,
                targets=Y[:num_train][fresh].T, test_inputs=X[num_train:].T,
                test_targets=Y[num_train:].T)


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
    hits = model.y_probs[-scored:].argmax(axis=-1) == y[-scored:]    # predict() at each scored step
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
    # The data: 1,000 training and 200 held-out sequences, none in both (TODO 2) (TODO 3)
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
            if log and (n % log_every == 0 or n == num_iterations or done):
                log(progress(n, num_iterations, level, distance, h, time.perf_counter() - start))
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
    lines = []
    for label, a in (("LSTM", acc), ("vanilla RNN", rnn)) if rnn is not None else (("LSTM", acc),):
        mean, worst = a.mean(axis=0), a.min(axis=0)
        bad = np.flatnonzero(worst < BAR)
        handled = d[:bad[0]] if len(bad) else d                     # every shorter distance passed
        lines += [f"{label}: mean {a.mean():.1f}% over {len(d)} distances x {len(a)} seed(s), "
                  f"chance "
                  f"{100 / vocab_size:.0f}%; best at {d[mean.argmax()]} ({mean.max():.1f}%), worst "
                  f"at {d[mean.argmin()]} ({mean.min():.1f}%)",
                  "  (1) it first falls below the bar, 95% for every seed, at " + (
                      f"distance {d[bad[0]]} ({worst[bad[0]]:.1f}%)" if len(bad) else
                      f"no distance up to {d.max()}") + "; (2) the longest it handles (and all "
                  f"shorter): {handled.max() if len(handled) else 'none'}"]
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
                    f"LSTM ahead by {gap[beyond].min():+.1f} to {gap[beyond].max():+.1f} beyond "
                    "10")]
    lines += [f"  {claim}: {outcome} ({numbers})" for claim, outcome, numbers in claims]
    lines.append("  (4) what limits the distance here:" + ("" if reached or flow else
                 " these accuracies alone say only where it fails within this training budget; "
                 "flow= and reached= give the reason"))
    for kind, r in (reached or {}).items():
        stops = np.asarray(r)[np.asarray(r) < d]                   # runs that never reached d
        lines.append(f"    {STYLE[kind][0]}: its curriculum fell short of the full distance in "
                     f"{stops.size} of {np.size(r)} runs" + (f", stopping at {stops.min()} to "
                     f"{stops.max()}" if stops.size else ""))
    for kind, g in (flow or {}).items():
        name = "C" if g.get("decay_C") is not None else "h"
        factor, steps = g[f"decay_{name}"], g["k"][-1] - g["k"][0]       # k[-1]: the token
        scores = {"lstm": acc, "rnn": rnn}.get(kind)
        lines.append(f"    {STYLE[kind][0]}: d loss / d{name} shrinks x{factor:.3f} per step back "
                     f"from the query: {factor ** steps:.1e} of it reaches the token {steps} steps "
                     "back" + (f", where it scores {scores[:, d == steps].mean():.1f}%" if
                               scores is not None and (d == steps).any() else ""))
    if log:
        log("\n".join(lines))
    return "\n".join(lines)


def evaluate_memory_capacity(distances=DISTANCES, seeds=SEEDS, kinds=("lstm", "rnn"),
                             base_seed=SEED, log=print, **options):
    """test_all_distances and compare_with_rnn over seeds, keeping the models (options:
    train_on_distance's). Returns a dict: distances, seeds, chance (%); accuracy, reached {kind:
    (S, D)}: held-out %, the curriculum's last distance; models {(kind, distance): first seed's}."""
    distances = check_distances(distances, options.get("vocab_size", VOCAB_SIZE))
    seeds, base_seed = check_int("seeds", seeds, high=1000), check_seed(base_seed)
    out = dict(distances=distances, seeds=list(range(base_seed, base_seed + seeds)), models={},
               accuracy={kind: np.zeros((seeds, len(distances))) for kind in kinds},
               reached={kind: np.zeros((seeds, len(distances)), int) for kind in kinds})
    runs = list(itertools.product(enumerate(out["seeds"]), enumerate(distances), kinds))
    for done, ((s, seed), (j, distance), kind) in enumerate(runs, start=1):
        accuracy, model, h = train_on_distance(distance, kind=kind, seed=seed, details=True,
                                               **options)
        out["chance"], out["accuracy"][kind][s, j] = h["chance"], accuracy
        out["reached"][kind][s, j] = h["distance_trained"][-1]
        out["models"].setdefault((kind, distance), model)
        if log:
            log(f"  [{done}/{len(runs)}] {kind:4s} distance {distance:4d}  seed {seed}  "
                f"{h['iterations']:4d} batches  reached {h['distance_trained'][-1]:4d}  held-out "
                f"{accuracy:5.1f}%  {h['seconds']:4.1f} s")
    return out


def visualize_memory_capacity(results, path):
    """Held-out accuracy against distance: per kind the mean and lowest-to-highest band over seeds,
    chance and the 95% bar. results: distances, chance, accuracy {kind: (seeds, D)} in %."""
    (fig, ax), d = plt.subplots(figsize=(8, 4.8)), results["distances"]
    for kind, acc in results["accuracy"].items():
        (label, color), acc = STYLE[kind], np.atleast_2d(np.asarray(acc, dtype=float))
        seeds = f", mean of {len(acc)} seeds" if len(acc) > 1 else ""
        ax.plot(d, acc.mean(axis=0), "o-", color=color, label=label + seeds)
        if len(acc) > 1:
            ax.fill_between(d, acc.min(axis=0), acc.max(axis=0), color=color, alpha=0.2,
                            label=f"{label}, lowest to highest seed")
    ax.axhline(results["chance"], color="gray", ls="--", label=f"chance, {results['chance']:.0f}%")
    ax.axhline(BAR, color="tab:green", ls=":", label=f"{BAR:.0f}% bar")
    ax.set(xscale="log", ylim=(0, 104), xlabel="distance (distractor steps from token to query)",
           ylabel="held-out accuracy at the query (%)",
           title="First-character recall against distance")
    ax.set_xticks(d, [str(x) for x in d], minor=False)
    ax.minorticks_off()
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize=8.5, frameon=False)
    save_figure(fig, path)


def print_report(capacity, flow):
    """The accuracy table and analyze_findings' answers, from evaluate_memory_capacity's dict."""
    print(f"\nheld-out accuracy at the query (%), mean [lowest, highest] over "
          f"{len(capacity['seeds'])} seed(s); chance {capacity['chance']:.0f}%\n  distance"
          + "".join(f"{STYLE[k][0]:>26}" for k in capacity["accuracy"]))
    for j, d in enumerate(capacity["distances"]):
        print(f"  {d:8d}" + "".join(f"{a.mean():.1f} [{a.min():.1f}, {a.max():.1f}]".rjust(26)
                                    for a in (acc[:, j] for acc in capacity["accuracy"].values())))
    analyze_findings(capacity["distances"], capacity["accuracy"]["lstm"], flow=flow,
                     rnn_accuracies=capacity["accuracy"]["rnn"], reached=capacity["reached"])


def main(argv=None):
    """The study from the command line; the flags are read and checked before any training."""
    args = parse_args(argv)
    if args.check:
        return run_check(args)
    try:
        s, start = settings(args), time.perf_counter()
        print(f"first-character recall, H={s['hidden_size']}, {NUM_TRAIN}/{NUM_TEST} "
              "training/held-out:")
        capacity = evaluate_memory_capacity(s["distances"], s["seeds"],               # (TODO 12)
                                            base_seed=s["seed"], hidden_size=s["hidden_size"],
                                            num_iterations=s["iterations"], **s["train"])
        extras = run_extras(s, capacity)    # copy, XOR, cell state, the gradient's reach (Part 2)
    except (ValueError, TrainingDiverged) as err:             # bad input: one line, exit code 2
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2 if isinstance(err, ValueError) else 1
    path = os.path.join(s["outdir"], "ex4_memory_capacity.png")
    visualize_memory_capacity(capacity, path)                                       # (TODO 9)
    print_report(capacity, extras["flow"]["after training"])                         # (TODO 11)
    paths = [path] + report_extras(extras, s["outdir"])
    solved = [d for d, a in zip(s["distances"], capacity["accuracy"]["lstm"].min(0)) if a >= BAR]
    print(f"\nsummary ({eta(time.perf_counter() - start)}): LSTM recall >= {BAR:.0f}% for every "
          f"seed at {solved}; {extras['summary']}\nfigures: " + ", ".join(paths))
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
COPY_SYMBOLS, COPY_LENGTH, COPY_BLANK, COPY_DELIMITER = 8, 10, 8, 9  # copy 10 symbols from 0-7
COPY_LENGTHS, COPY_ITERATIONS, XOR_DISTANCES = (10,), 4000, (10, 50)  # copy gaps T; batches at most
COPY_HIDDEN, COPY_TRAIN, COPY_TEST = 64, 20_000, 1000   # with H = 32 the LSTM stays at T = 1
QUICK = dict(distances=(5, 10, 20), seeds=1, iterations=300, copy_lengths=(5,), copy_iterations=300,
             xor_distances=(10,))
OUTDIR, MAX_DISTANCE, MAX_CACHE = "outputs", 2000, 2 * 10 ** 7   # steps x sequences x H: ~1 GB


class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""


def eta(seconds):
    """Seconds -> 'm:ss'."""
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress(n, num_iterations, level, distance, h, seconds):
    """train_on_distance's progress line after batch n."""
    return (f"  batch {n}/{num_iterations}  distance {level}/{distance}  loss {h['loss'][-1]:.3f}  "
            f"held-out {h['test_accuracy'][-1]:.1f}%  {1000 * seconds / n:.0f} ms/batch  "
            f"eta {eta(seconds / n * (num_iterations - n))}")


def save_figure(fig, path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    if plt.get_backend().lower() == "agg":                       # headless: nothing will show it
        plt.close(fig)


# ---- Beyond the exercise: the course's solutions list's other tasks and analyses ---------------
def generate_delayed_xor_task(distance, num_samples=1000, rng=None):
    """Bits a, b (ids 0, 1), `distance` distractors (2, 3), a query (4): X (N, distance + 3),
    y = a^b. Chance is 50%."""
    distance, num_samples = check_data_size(distance, num_samples, 3)
    rng = np.random.default_rng(SEED) if rng is None else rng
    X = rng.integers(0, 2, (num_samples, distance + 3))
    X[:, 2:-1] += 2
    X[:, -1] = 4
    return X, X[:, 0] ^ X[:, 1]


def generate_copy_task(T, num_samples=1000, rng=None):
    """The copy task of Arjovsky et al. (2016): 10 symbols drawn from 8 (ids 0-7), T - 1 blanks
    (id 8), the delimiter (id 9) and 10 blanks; the targets are T + 10 blanks, then the 10 symbols.
    Returns X, Y (N, T + 20) ints. Blanks, then guesses, score 10 ln 8 / (T + 20) nats per step."""
    T, num_samples = check_data_size(T, num_samples, 2 * COPY_LENGTH, "T")
    rng = np.random.default_rng(SEED) if rng is None else rng
    X = np.full((num_samples, T + 2 * COPY_LENGTH), COPY_BLANK)
    X[:, :COPY_LENGTH] = rng.integers(0, COPY_SYMBOLS, (num_samples, COPY_LENGTH))
    X[:, T + COPY_LENGTH - 1] = COPY_DELIMITER
    Y = np.full_like(X, COPY_BLANK)
    Y[:, -COPY_LENGTH:] = X[:, :COPY_LENGTH]
    return X, Y


def make_extra_task(name, distance, num_train, num_test, seed=SEED):
    """make_task for "xor" and "copy" (distance = T): the same dict as for recall."""
    rng, n = np.random.default_rng(seed), check_int("num_train", num_train) + num_test
    if name == "copy":
        (X, Y), V = generate_copy_task(distance, n, rng), COPY_SYMBOLS
        return split_task(X, Y, num_train, distance=distance, head=COPY_LENGTH, scored=COPY_LENGTH,
                          input_size=V + 2, output_size=V + 1, chance=100 / V,
                          baseline=COPY_LENGTH * math.log(V) / X.shape[1])
    if name != "xor":
        raise ValueError(f"task: expected 'recall', 'xor' or 'copy', got {name!r}")
    X, y = generate_delayed_xor_task(distance, n, rng)
    Y = np.full_like(X, -1)
    Y[:, -1] = y                                                 # only the query step is scored
    return split_task(X, Y, num_train, distance=distance, head=2, scored=1, input_size=5,
                      output_size=2, chance=50.0, baseline=math.log(2))


def correlation_ratio(values, labels):
    """eta^2 of each column of values (N, H) with labels (N,): the share of the column's variance
    the label groups' means explain; 1 when the value gives the label away, 0 when it says
    nothing."""
    onehot = labels[:, None] == np.unique(labels)                        # (N, K)
    means = (onehot.T @ values) / onehot.sum(axis=0)[:, None]            # (K, H)
    total = ((values - values.mean(axis=0)) ** 2).sum(axis=0)
    explained = ((means[onehot.argmax(axis=1)] - values.mean(axis=0)) ** 2).sum(axis=0)
    return np.divide(explained, total, out=np.zeros_like(total), where=total > 0)


def analyze_cell_state_evolution(model, distance, num_probe=500, seed=SEED):
    """A recall LSTM's cell state through encoding (the token), retention (the distractors) and
    retrieval (the query), on fresh sequences. Returns a dict: tokens (T,), C (T, H), C_norm (T,)
    and prediction of the first; selectivity (H,), each unit's eta^2 with the token in retention;
    memory_units (eta^2 >= 0.5) and their mean gates i_encoding, i_retention, f_retention; probe
    accuracy (%)."""
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
               title=f"LSTM cell state through one sequence at distance {cell['distance']}: it "
                     f"stores {cell['tokens'][0]} and answers {cell['prediction']} at the query")
    ax_norm.plot(range(T), cell["C_norm"], ".-", color="black")
    for ax, edge in itertools.product((ax_map, ax_norm), (0.5, T - 1.5)):
        ax.axvline(edge, color="black", lw=1)          # encoding | retention | retrieval
    every = math.ceil(T / 40)
    ticks = list(range(0, T - every // 2 - 1, every)) + [T - 1]
    ax_norm.set_xticks(ticks, [str(t) if t < VOCAB_SIZE else "?" for t in cell["tokens"][ticks]])
    ax_norm.set(ylabel="||C_t||", xlabel="input token at each step: the token to store | the "
                f"distractors{f', every {every}th labelled' if every > 1 else ''} | the query ?")
    ax_norm.grid(alpha=0.3)
    save_figure(fig, path)


def analyze_gradient_flow(model, distance, num_samples=64, seed=SEED):
    """How much of a recall model's query-loss gradient reaches the state k = 1 ... T - 1 steps
    before the query (T = distance + 2; k = T - 1: just after the token): the last k steps rerun
    from the states there, and backward() gives d loss / d h and d loss / d C (h held fixed:
    along the cell). Returns a dict: k (K,), K <= 100; dh_norm, dC_norm (K,), the mean norm over
    sequences; decay_h, decay_C, the geometric-mean factor per step from k = 1 to T - 1 (C: None
    for the RNN)."""
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


def visualize_copy_training(copy, path):
    """Held-out loss and accuracy per symbol on the copy task during training, per T and model,
    with the memoryless baseline and chance. copy: {(T, kind): train_on_distance's history}."""
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
        ax_loss.axhline(h["baseline"], color="gray", ls="--",
                        label=f"memoryless, 10 ln 8 / {T + 20}")
        ax_acc.axhline(h["chance"], color="gray", ls="--", label="chance, 12.5%")
        ax_acc.axhline(BAR, color="tab:green", ls=":", label=f"{BAR:.0f}% bar")
        ax_loss.set(ylabel="held-out loss (nats per step, log)", title=f"copy task, T = {T}: loss")
        ax_acc.set(ylabel="held-out accuracy per symbol (%)", ylim=(0, 104),
                   title=f"T = {T}: accuracy")
        for ax in (ax_loss, ax_acc):
            ax.set_xlabel(f"training batch ({BATCH_SIZE} sequences)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2,
                      frameon=False)
    fig.suptitle("Copy task: scored on held-out sequences at the full T; "
                 "the curriculum trains shorter")
    fig.tight_layout()
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


def run_extras(s, capacity):
    """Copy and XOR (LSTM and RNN), the cell state of the LSTM trained nearest distance 20, and
    the gradient's reach at the longest distance, at the start and after training. Returns a
    dict."""
    tasks, sizes = {}, {"copy": (COPY_HIDDEN, s["copy_iterations"]),
                        "xor": (s["hidden_size"], s["iterations"])}
    for name, (H, budget) in sizes.items():
        for d, kind in itertools.product(s[name + "_distances"], ("lstm", "rnn")):
            print(f"{name}, distance {d}, {STYLE[kind][0]}: H={H}, at most {budget} batches")
            tasks[name, d, kind] = train_on_memory_task(name, d, kind, hidden_size=H, log=print,
                                                        num_iterations=budget, seed=s["seed"],
                                                        log_every=500, **s["train"])[1]
    near_20 = min(s["distances"], key=lambda d: abs(d - 20))
    cell = analyze_cell_state_evolution(capacity["models"]["lstm", near_20], near_20,
                                        seed=s["seed"])
    longest, flow = max(s["distances"]), {"before training": {}, "after training": {}}
    for kind in ("lstm", "rnn"):
        trained = capacity["models"][kind, longest]
        fresh = build_model(kind, trained.input_size, trained.hidden_size, trained.output_size,
                            s["seed"])
        for stage, model in (("before training", fresh), ("after training", trained)):
            flow[stage][kind] = analyze_gradient_flow(model, longest, seed=s["seed"])
    summary = "; ".join(f"{n} {d} {kind} {h['test_accuracy'][-1]:.1f}%"
                        for (n, d, kind), h in tasks.items())
    return dict(tasks=tasks, cell=cell, flow=flow, summary=summary)


def report_extras(r, outdir):
    """Print what run_extras measured and save its figures; returns their paths."""
    tasks, c = r["tasks"], r["cell"]
    for name, d in dict.fromkeys(key[:2] for key in tasks):
        lstm = tasks[name, d, "lstm"]
        print(f"\n{name}, distance {d}: the LSTM "
              f"{'solves' if lstm['test_accuracy'][-1] >= BAR else 'fails'}"
              f" it (the bar: {BAR:.0f}% held out{' per symbol' * (name == 'copy')}; chance "
              f"{lstm['chance']:.1f}%)")
        for kind, h in ((kind, tasks[name, d, kind]) for kind in ("lstm", "rnn")):
            print(f"  {STYLE[kind][0]:11s} {h['test_accuracy'][-1]:5.1f}%, "
                  f"{h['test_loss'][-1]:.3f} nats per scored step "
                  f"(memoryless {h['baseline']:.3f}), {h['iterations']} batches, "
                  f"the curriculum reached {h['distance_trained'][-1]}")
    print(f"\ncell state, LSTM trained at distance {c['distance']}: {len(c['memory_units'])} of "
          f"{len(c['C'][0])} units have eta^2 >= 0.5 with the stored token; on them the input gate"
          f" is\n  {c['i_encoding']:.2f} at the token and {c['i_retention']:.2f} during the "
          f"distractors, the forget gate {c['f_retention']:.3f}; ||C_t|| goes from "
          f"{c['C_norm'][0]:.2f} to {c['C_norm'][-2]:.2f};\n  {c['probe_accuracy']:.1f}% of fresh "
          "sequences are answered right")
    for stage, flows in r["flow"].items():
        print(f"gradient of the query's loss {stage}, "
              f"k = 1 -> {flows['lstm']['k'][-1]} steps back:")
        for kind, g in flows.items():
            print(f"  {STYLE[kind][0]:11s}" + "".join(
                f"  d{n}: {g[f'd{n}_norm'][0]:.1e} -> {g[f'd{n}_norm'][-1]:.1e} (x"
                f"{g['decay_' + n]:.3f} per step)" for n in "hC" if g["decay_" + n] is not None))
    copy = {(d, kind): h for (name, d, kind), h in tasks.items() if name == "copy"}
    names = ["cell_state", "gradient_flow"] + ["copy_training"] * bool(copy)
    paths = [os.path.join(outdir, f"ex4_{name}.png") for name in names]
    visualize_cell_state(c, paths[0])
    visualize_gradient_flow(r["flow"], paths[1])
    if copy:
        visualize_copy_training(copy, paths[2])
    return paths


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
        raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, "
                         f"got {targets.shape}")
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
        raise ValueError(f"{name}: expected percentages in [0, 100], "
                         f"got {acc.min()} to {acc.max()}")
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
    p = OneLineErrorParser(
        prog=PROG,
        description="Exercise 4: how far back an LSTM remembers, against a vanilla RNN.",
        epilog="Prints progress, tables with verdicts computed from them and a summary; saves 4 "
               "PNG figures in --outdir.")
    p.add_argument("--seed", type=int, default=SEED,
                   help="the first seed, an integer >= 0 (default %(default)s)")
    quick = (f"a short run: distances {' '.join(map(str, QUICK['distances']))}, "
             f"{QUICK['seeds']} seed, at most {QUICK['iterations']} batches; the copy task at "
             f"T = {QUICK['copy_lengths'][0]}, XOR at {QUICK['xor_distances'][0]}")
    p.add_argument("--quick", action="store_true", help=quick)
    p.add_argument("--outdir", default=OUTDIR, help="where the figures go (default %(default)s)")
    p.add_argument("--show", action="store_true", help="also open the figures in windows")
    p.add_argument("--distances", type=int, nargs="+",
                   help=f"recall distances, each >= 2 (default {' '.join(map(str, DISTANCES))})")
    p.add_argument("--seeds", type=int, help=f"seeds per distance and model (default {SEEDS})")
    p.add_argument("--iterations", type=int,
                   help=f"batches per recall or XOR run at most (default {NUM_ITERATIONS})")
    p.add_argument("--hidden-size", type=int, default=HIDDEN_SIZE,
                   help="H for recall and XOR (default %(default)s)")
    p.add_argument("--copy-lengths", type=int, nargs="*",
                   help=f"copy gaps T, none: skip (default {' '.join(map(str, COPY_LENGTHS))})")
    p.add_argument("--learning-rate", type=float, default=LEARNING_RATE,
                   help="Adam's step size (default %(default)s)")
    p.add_argument("--no-curriculum", action="store_true",
                   help="train at the full distance from the first batch")
    p.add_argument("--check", metavar="FILE",
                   help="grade your own exercise_04 file TODO by TODO (with its folder's "
                        "../implementation.py, as the course lays it out) and exit")
    args = p.parse_args(argv)
    if not args.show:
        plt.switch_backend("Agg")
    return args


def settings(args):
    """The run's settings from the flags and --quick, each checked (ValueError naming the flag),
    and the output folder created and proved writable: all before any training."""
    given = dict(QUICK if args.quick else {},
                 **{key: v for key, v in vars(args).items() if v is not None})
    H = check_int("--hidden-size", args.hidden_size, high=256)    # 8 x the stub's; larger: hours
    if not 0 < args.learning_rate <= 1:                           # Adam's steps are about this size
        raise ValueError(f"--learning-rate: expected a number in (0, 1], "
                         f"got {args.learning_rate!r}")
    steps = lambda flag, values, low, high: [check_int(flag, d, low, min(MAX_DISTANCE, high))
                                             for d in values]
    s = dict(distances=steps("--distances", given.get("distances", DISTANCES), 2,
                             MAX_CACHE // (NUM_TEST * H) - 2),
             copy_distances=steps("--copy-lengths", given.get("copy_lengths", COPY_LENGTHS), 1,
                                  MAX_CACHE // (COPY_TEST * COPY_HIDDEN) - 2 * COPY_LENGTH),
             xor_distances=given.get("xor_distances", XOR_DISTANCES), hidden_size=H,
             seeds=check_int("--seeds", given.get("seeds", SEEDS), high=100),
             iterations=check_int("--iterations", given.get("iterations", NUM_ITERATIONS),
                                  high=20_000),
             copy_iterations=given.get("copy_iterations", COPY_ITERATIONS),
             seed=check_seed(args.seed, "--seed"), outdir=args.outdir,
             train=dict(learning_rate=args.learning_rate,
                        curriculum=None if args.no_curriculum else CURRICULUM_START))
    try:
        if not args.outdir:
            raise OSError("an empty path")
        os.makedirs(args.outdir, exist_ok=True)
        tempfile.TemporaryFile(dir=args.outdir).close()
    except OSError as err:
        raise ValueError(f"--outdir: cannot write to {args.outdir!r} "
                         f"({err.strerror or err})") from None
    return s


# ---- Exercise 1's LSTM and the helpers it calls, as solution_01_lstm_implementation.py has them --
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


# ---- --check for Exercise 4: what each TODO of the learner's file computes ---------------------
STUB_ERRORS = (
    (r"implementation", "the course's exercise file needs the course's implementation.py in the "
     "folder above it (its sys.path.append('..')), as the course lays its folders out"),
    (r"shape \(\d+, ?1\)|\(H, ?1\)", "the course's LSTM needs (H, 1) states: "
     "np.zeros((hidden_size, 1)), not np.zeros(hidden_size)"),
    (r"name 'predict' is not defined", "the exercise file calls predict(lstm, ...) (its L111) but "
     "defines it nowhere: define predict(lstm, inputs) -> the class at the last step"),
    (r"name 'lstm' is not defined", "the exercise file creates the LSTM only in a commented line "
     "(L94): create it, LSTM(vocab_size + 1, hidden_size, seq_length), before the loop (at TODO 4)"),
    (r"same length", "the course's LSTM wants one target per step and the task has one label: "
     "repeat the label as every step's target, or score the last step only"),
    (r"visualization", "the course's visualization module does not exist: delete that import"),
    (r"unexpected keyword argument|positional argument", "keep the signature the exercise file "
     "gives this function: --check calls it that way"))
# train_on_distance's budgets, tried in turn until the model learns. "It learns" is judged on the
# LSTM it built, with its own predict, over CHECK_HELD_OUT fresh distance-5 sequences: chance is
# 10% with a standard deviation of 0.67 points there, so the bar, 4 of those above chance, is
# 12.7%; a chance-level model clears it about once in 30,000 checks. At the stub's lr 0.01 a
# correct attempt scores 19-22% there after 2,000 iterations (seeds 0-15). When the LSTM cannot
# be seen, the learner's own accuracy on 200 sequences must reach CHECK_BAR (4.7 sd above chance).
CHECK_BUDGETS, CHECK_BAR, CHECK_HELD_OUT = (500, 2000, 4000), 20.0, 2000
CHECK_HELD_OUT_BAR = 10.0 + 4 * 100 * math.sqrt(0.1 * 0.9 / CHECK_HELD_OUT)


def check_attempt(path, seed=SEED):
    """Grade a learner's exercise_04 file TODO by TODO; returns the Checklist (rows in .rows)."""
    seed = check_seed(seed, "--seed")
    plt.switch_backend("Agg")
    c = Checklist(path, STUB_ERRORS, seconds=30)
    module = c.load()
    if module is None:
        return c
    rng, distances = np.random.default_rng(seed), [5, 10, 20, 50, 100]
    gen = need(c, "generate_memory_task", 1)
    if gen is not None:
        check_memory_task(c, gen, seed)
    check_predict(c, module, rng)
    train = need(c, "train_on_distance", 2)
    if train is not None:
        check_training(c, module, train, seed)
    sweep = need(c, "test_all_distances", 7)
    if sweep is not None:
        check_sweep(c, module, sweep)
    plot = need(c, "plot_results", 9)
    if plot is not None:
        check_plot(c, plot, distances)
    check_rnn(c, module, rng)
    analyze = need(c, "analyze_findings", 11)
    if analyze is not None:
        runs = [([5, 10, 20, 50, 100], [96.5, 81.0, 43.5, 14.0, 11.5]),
                ([5, 10, 20], [100.0, 99.5, 62.0])]
        texts = [c.call(11, "analyze_findings", printed, analyze, *run) for run in runs]
        if all(ok for _, ok in texts):
            a, b = (text for text, _ in texts)
            c.add(11, "analyze_findings: from its input", bool(a.strip()) and a != b,
                  "prints nothing" if not a.strip() else
                  "the same text for two different inputs" if a == b else
                  f"{len(a.splitlines())} and {len(b.splitlines())} lines, differing",
                  "compute each finding (best and worst distance, mean, where it drops) from the "
                  "distances and accuracies it is given")
    return c


def need(c, name, todo):
    """The learner's function `name`, or None after a FAIL row at its TODO."""
    fn = getattr(c.module, name, None)
    if not callable(fn):
        c.add(todo, name, False, "not in your file", f"define {name} as the exercise file names it")
    return fn if callable(fn) else None


def printed(fn, *args):
    """What fn(*args) prints, plus its return value if it returns text."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        out = fn(*args)
    return buffer.getvalue() + (out if isinstance(out, str) else "")


def check_memory_task(c, gen, seed):
    """TODO 1: shapes, types, the label, the query, distractors in range and varying."""
    np.random.seed(seed)
    out, ok = c.call(1, "generate_memory_task(7, 300, 5)", gen, 7, num_samples=300, vocab_size=5)
    if not ok:
        return
    try:
        X, y = (np.asarray(a) for a in out)
    except (TypeError, ValueError):
        c.add(1, "generate_memory_task returns (X, y)", False, f"got {type(out).__name__}",
              "return X (num_samples, distance + 2) and y (num_samples,)")
        return
    problems = [
        (X.shape != (300, 9) or y.shape != (300,),
         f"X {X.shape}, y {y.shape}; expected (300, 9), (300,)",
         "X: one row per sample, the token, `distance` distractors, the query"),
        (not (np.issubdtype(X.dtype, np.integer) and np.issubdtype(y.dtype, np.integer)),
         f"dtypes {X.dtype}, {y.dtype}", "ids are integers (dtype=int)")]
    if X.shape == (300, 9) and y.shape == (300,):
        other = next((f"X[:, {j}]" for j in range(1, 9) if np.array_equal(y, X[:, j])), None)
        problems += [
            (not np.array_equal(y, X[:, 0]),
             "y is not X[:, 0]" + (f"; it is {other}" if other else ""),
             "the token to remember comes first: y = X[:, 0]"),
            (not np.all(X[:, -1] == 5),
             f"last column holds {sorted(set(X[:, -1].tolist()))[:5]}, not the query 5",
             "the query is one extra symbol, vocab_size, after the tokens 0..V-1"),
            (X[:, :-1].min() < 0 or X[:, :-1].max() >= 5,
             f"tokens {X[:, :-1].min()}...{X[:, :-1].max()}",
             "token and distractors lie in 0..vocab_size - 1"),
            (len({row.tobytes() for row in X[:, 1:-1]}) < 100 or len(set(X[:, 0].tolist())) < 5,
             "the distractors or the first token hardly vary between samples",
             "draw every sample's token and distractors at random")]
    bad = next(((detail, hint) for flag, detail, hint in problems if flag), None)
    c.add(1, "generate_memory_task(7, 300, 5)", bad is None,
          bad[0] if bad else "X (300, 9) ints, y = X[:, 0], query 5, distractors vary",
          bad[1] if bad else "")


def check_predict(c, module, rng):
    """predict(lstm, inputs): an int class, the argmax at the last step of the course's LSTM."""
    predict_fn, lstm_class = getattr(module, "predict", None), getattr(module, "LSTM", None)
    if predict_fn is None:
        c.add(6, "predict(lstm, inputs)", False, "not defined in your file", STUB_ERRORS[2][1])
        return
    if lstm_class is None:
        c.add(6, "predict(lstm, inputs)", None,
              "no LSTM imported from implementation to call it on")
        return
    np.random.seed(0)
    lstm, ok = c.call(4, "LSTM(11, 8, 7)", lstm_class, 11, 8, 7)
    if not ok:
        return
    for _ in range(5):
        x = rng.integers(0, 10, 7)
        x[-1] = 10
        got, ok = c.call(6, "predict(lstm, inputs)", predict_fn, lstm, x.copy())
        if not ok:
            return
        probs = reference_probs(lstm, x)
        # the argmax with or without the query's class (a predict may leave that class out)
        want = {int(np.argmax(probs)), int(np.argmax(probs[:10]))}
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)) \
                or int(got) not in want:
            c.add(6, "predict(lstm, inputs)", False,
                  f"returned {describe(got)}; the class at the last step is {min(want)}",
                  "return int(np.argmax(p)) of the last step's probabilities")
            return
    c.add(6, "predict(lstm, inputs)", True, "an int, the argmax at the query, on 5 sequences")


def reference_probs(lstm, x):
    """The course LSTM's probabilities at the last step, from zero (H, 1) states."""
    zeros = np.zeros((lstm.hidden_size, 1))
    with in_folder(os.getcwd()):
        _, _, _, cache = lstm.forward([int(v) for v in x], [0] * len(x), zeros, zeros.copy())
    return np.ravel(cache["ps"][len(x) - 1])


def describe(value):
    shape = getattr(value, "shape", None)
    return f"an array of shape {shape}" if shape not in (None, ()) else repr(value)[:40]


def check_training(c, module, train, seed):
    """TODO 2-6: it learns at distance 5 within CHECK_BUDGETS iterations (its LSTM, with its
    predict, above chance on CHECK_HELD_OUT fresh sequences; see CHECK_HELD_OUT_BAR), and tests
    on 200 sequences drawn apart from the 1,000 it trains on (at TODO 3)."""
    gen, calls, start = getattr(module, "generate_memory_task", None), [], time.perf_counter()
    lstm_class, models = getattr(module, "LSTM", None), []
    rng = np.random.default_rng(seed + 1)
    X = rng.integers(0, 10, (CHECK_HELD_OUT, 7))
    X[:, -1] = 10                                             # the query after 5 distractors

    def recording(*args, **kwargs):
        calls.append(kwargs.get("num_samples", args[1] if len(args) > 1 else 1000))
        return gen(*args, **kwargs)
    recorded = lstm_class
    if isinstance(lstm_class, type):
        class recorded(lstm_class):                          # the learner's LSTM, kept to test
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                models.append(self)
        recorded.__name__ = recorded.__qualname__ = lstm_class.__name__
    for budget in CHECK_BUDGETS:
        np.random.seed(seed)                                  # the same draw, a longer run
        module.generate_memory_task, calls[:], models[:] = recording if gen else gen, [], []
        module.LSTM = recorded
        try:
            acc, ok = c.call(2, f"train_on_distance(5, num_iterations={budget})", train, 5,
                             num_iterations=budget)
        finally:
            module.generate_memory_task, module.LSTM = gen, lstm_class
        if not ok:
            todo, what, _, detail, hint = c.rows[-1]
            sizes = re.search(r"index (\d+) is out of bounds for axis 0 with size (\d+)", detail)
            if sizes and sizes.group(1) == sizes.group(2):            # the query id = input size
                c.rows[-1] = (f"4, {todo}", what, False, detail, "the query symbol is vocab_size, "
                              "one more than the tokens: build LSTM(vocab_size + 1, ...)")
            return
        if not isinstance(acc, (int, float, np.number)) or isinstance(acc, bool) \
                or not 0 <= acc <= 100:
            c.add(6, "train_on_distance: accuracy in %", False, f"returned {describe(acc)}",
                  "return the test accuracy in percent, a number in [0, 100]")
            return
        if 0 < acc <= 1:
            c.add(6, "train_on_distance: accuracy in %", False, f"returned {acc:g}: a fraction?",
                  "the stub asks for percent (L115): multiply by 100")
            return
        held = held_out(c, module, models[-1] if models else None, X)   # the last LSTM it built
        learned = held >= CHECK_HELD_OUT_BAR if held is not None else acc >= CHECK_BAR
        if learned or time.perf_counter() - start > 20:      # keep --check within its time
            break
    rate = getattr(models[-1], "learning_rate", None) if models else None
    c.add("2-6", f"train_on_distance(5, {budget} iterations)", learned,
          f"{acc:.1f}% on its 200 test sequences; "
          + (f"its LSTM with its predict: {held:.1f}% on {CHECK_HELD_OUT:,} fresh ones (chance "
             f"10%, the bar {CHECK_HELD_OUT_BAR:.1f}%: 4 sd above chance)" if held is not None else
             f"the bar {CHECK_BAR}% (chance 10%; its LSTM could not be seen)"),
          training_hint(rate))
    if learned and held is not None and abs(acc - held) > 4 * 100 * math.sqrt(
            max(held, 10.0) / 100 * (1 - max(held, 10.0) / 100) / NUM_TEST):
        c.add(6, "train_on_distance: its accuracy", False,
              f"returned {acc:.1f}%, but its LSTM scores {held:.1f}% on {CHECK_HELD_OUT:,} fresh "
              f"sequences: more than 4 sd of a 200-sequence test apart",
              "count predict(lstm, X_test[n]) == y_test[n] over the 200 test sequences, "
              "times 100 / 200")
    if calls:
        apart = (sum(calls) >= NUM_TRAIN + NUM_TEST
                 and any(n >= NUM_TEST for n in calls[1:] or calls))
        c.add(3, "1,000 training + 200 test sequences", apart, f"generate_memory_task drew {calls}",
              "draw 200 test sequences apart from the 1,000 training ones; testing on training "
              "sequences measures recall of those, not memory")


def held_out(c, module, lstm, X):
    """The learner's predict's accuracy (%) with `lstm` on X (label X[:, 0]); None if it cannot
    be measured (no LSTM seen, no predict, or predict raises)."""
    predict_fn = getattr(module, "predict", None)
    if lstm is None or not callable(predict_fn):
        return None
    hits, ok = c.call(6, "predict on fresh sequences",
                      lambda: sum(int(predict_fn(lstm, x.copy())) == int(x[0]) for x in X))
    if not ok:
        c.rows.pop()                                          # predict's own row judges it
        return None
    return 100.0 * hits / len(X)


def training_hint(rate):
    """What to look at when a model does not learn, from the learning rate its LSTM has."""
    if isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate < 0.005:
        return (f"its LSTM has learning_rate={rate:g}"
                + (" (the course LSTM's default)" if rate == 0.001 else "") + ", at which a "
                "correct attempt stays near chance for thousands of iterations: give LSTM(...) "
                "learning_rate=0.01 (the value the exercise file names) or more")
    return ((f"at its lr {rate:g} " if isinstance(rate, (int, float)) else "at lr 0.01 or more ")
            + "a correct attempt learns at distance 5: check the training loop (at TODO 5) runs "
            "num_iterations updates, each a forward and backward on one training sequence with "
            "its label as the last step's target, then update_weights")


def check_sweep(c, module, sweep):
    """TODO 7-8: one train_on_distance call per distance, the results in order, two lists."""
    train, seen = getattr(module, "train_on_distance", None), []

    def fake(distance, *args, **kwargs):
        seen.append(distance)
        return 30.0 + distance / 10
    module.train_on_distance = fake
    try:
        out, ok = c.call(7, "test_all_distances([5, 10, 20])", sweep, [5, 10, 20])
    finally:
        module.train_on_distance = train
    if not ok:
        return
    try:
        dists, got = ([list(out[0]), [float(a) for a in out[1]]]
                      if isinstance(out, (tuple, list)) and len(out) == 2 else (None, None))
    except (TypeError, ValueError):
        dists, got = None, None
    want = [30.5, 31.0, 32.0]                                  # what the fake gives at 5, 10, 20
    right = got == want and dists == [5, 10, 20]
    if seen == [5, 10, 20] and got != want and got is not None and sorted(got) == want:
        order = [int(round((a - 30.0) * 10)) for a in got]    # the distance each came from
        return c.add("7-8", "test_all_distances([5, 10, 20])", False,
                     f"the accuracies come back in another order than the distances: for "
                     f"distances {dists[:3]} it returned the accuracies of the runs at "
                     f"{order}, expected [5, 10, 20]",
                     "keep the two lists in step: append each accuracy after its run "
                     "(accuracies.append(acc)), so accuracies[i] belongs to distances[i]")
    c.add("7-8", "test_all_distances([5, 10, 20])", right and seen == [5, 10, 20],
          f"train_on_distance ran at {seen}; returned {str(out)[:60]}", "call "
          "train_on_distance(d) once per distance; return (distances, accuracies), two lists")


def check_plot(c, plot, distances):
    """TODO 9: a figure showing the accuracies (line, markers or bars) and a chance line at 10%."""
    accuracies, closed = [96.5, 81.0, 43.5, 14.0, 11.5], plt.close
    plt.close("all")
    plt.close = lambda *args: None                            # keep the figure to look at it
    try:
        with tempfile.TemporaryDirectory() as folder:
            _, ok = c.call(9, "plot_results", lambda: in_temp(folder, plot, distances, accuracies))
    finally:
        plt.close = closed
    values, levels = [], set()
    for ax in (ax for n in plt.get_fignums() for ax in plt.figure(n).axes):
        for line in ax.lines:
            y = np.ravel(line.get_ydata()).astype(float)
            values += y.tolist()
            levels |= {round(float(y[0]), 6)} if y.size and np.all(y == y[0]) else set()
        for collection in ax.collections:                     # scatter points, hlines
            values += [float(v) for v in np.ravel(np.asarray(collection.get_offsets())[:, 1:])]
            for segment in getattr(collection, "get_segments", lambda: [])():
                levels |= {round(float(segment[0][1]), 6)} if np.ptp(segment[:, 1]) == 0 else set()
        values += [float(patch.get_height()) for patch in ax.patches
                   if hasattr(patch, "get_height")]
    plt.close("all")
    drawn = all(np.isclose(values, a).any() for a in accuracies) if values else False
    if ok:
        c.add(9, "plot_results: data and chance line", drawn and 10.0 in levels,
              "the accuracies are not drawn" if not drawn
              else f"horizontal lines at {sorted(levels)}",
              "the chance line at 0.1 is a fraction on a percent axis: draw it at "
              "100 / vocab_size = 10" if 0.1 in levels
              else "plot accuracy (%) against distance and a horizontal chance line at "
              "100 / vocab_size = 10%")


def in_temp(folder, fn, *args):
    """fn(*args) with `folder` as the working directory (figures saved there are thrown away)."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        return fn(*args)
    finally:
        os.chdir(here)


def check_rnn(c, module, rng):
    """TODO 10 (bonus): a vanilla RNN, if any (a class, or functions that make its parameters and
    run it), steps h_t = tanh(W [h_(t-1), x_t] + b); [h, x] or [x, h], as its values show."""
    cls = next((v for k, v in vars(module).items() if isinstance(v, type) and "RNN" in k.upper()
                and v.__module__ == module.__name__), None)
    if cls is not None:
        np.random.seed(0)
        for args in ((11, 8, 7), (11, 8), (11, 8, 11)):             # built as the course's LSTM
            model, ok = c.call(10, f"{cls.__name__}{args}", cls, *args)
            if ok:
                break
            c.rows.pop()                                            # not a FAIL: try the next
        if model is None:
            return c.add(10, f"{cls.__name__}(11, 8, ...)", None,
                         "could not build it as the LSTM is built")
        name, params, forward = cls.__name__, vars(model), model.forward
    else:
        found = rnn_functions(c, module)
        if found is None:
            return c.add(10, "vanilla RNN (bonus)", None,
                         "no RNN class, nor functions making and running one, in your file: "
                         "not compared")
        name, params, forward = found
    arrays = {k: v for k, v in params.items() if isinstance(v, np.ndarray)}
    W = next((v for v in arrays.values() if v.shape == (8, 19)), None)
    Wxh = next((v for k, v in arrays.items() if v.shape == (8, 11)), None)
    Whh = next((v for k, v in arrays.items() if v.shape == (8, 8)), None)
    vectors = sorted((not k.startswith("b"), k) for k, v in arrays.items()
                     if v.shape in ((8, 1), (8,)))
    b = arrays[vectors[0][1]] if vectors else None                   # a name starting with b first
    if b is None or (W is None and (Wxh is None or Whh is None)):
        return c.add(10, name, None, "could not find W (H, H + D) and b (H, 1) among its arrays")
    for array in (W, Wxh, Whh, b):
        if array is not None:
            array[...] = rng.normal(0, 0.5, array.shape)
    x, h0 = rng.integers(0, 11, 6), rng.normal(0, 0.5, (8, 1))
    for args, start in (((list(x), [0] * 6, h0.copy()), h0), ((list(x), h0.copy()), h0),
                        ((list(x), [0] * 6, h0.copy(), h0.copy()), h0),
                        ((list(x),), np.zeros((8, 1)))):             # one that starts from zeros
        out, ok = c.call(10, f"{name} forward", forward, *args)
        if ok:
            break
        c.rows.pop()
    else:
        return c.add(10, f"{name} forward", None, "could not call it as the LSTM's forward")
    found = hidden_sequences([out, params], 8, len(x))
    if isinstance(out, np.ndarray) and out.size == 8:                # only the last h_T returned
        found.append([out.ravel()])
    if not found:
        return c.add(10, f"{name} forward", None, "could not find its hidden states h_t")
    # [h, x] and, for one W (H, H + D), [x, h]; each exactly, and as the usual slips would give
    layouts = [("[h, x]", W if W is not None else np.hstack([Whh, Wxh]), True)]
    layouts += [("[x, h]", W, False)] if W is not None else []
    slips = {"": (True, True, True), "no bias": (False, True, True),
             "no tanh": (True, False, True), "h_prev at every step": (True, True, False)}
    best = None
    for layout, W_full, h_first in layouts:
        for slip, (bias, squash, carry) in slips.items():
            want, h = [], start
            for t in x:
                one_hot = np.eye(11)[t][:, None]
                z = np.vstack([h if carry else start, one_hot] if h_first
                              else [one_hot, h if carry else start])
                a = W_full @ z + (b.reshape(8, 1) if bias else 0)
                h = np.tanh(a) if squash else a
                want.append(h.ravel())
            for seq in found:
                error = np.abs(np.array(seq) - np.array(want[-len(seq):])).max(axis=1)
                if best is None or (error.max(), slip != "") < (best[0].max(), best[2] != ""):
                    best = (error, layout, slip, len(seq))
    error, layout, slip, steps = best
    ok = slip == "" and error.max() <= 1e-6
    first = int(np.argmax(error > 1e-6)) + len(x) - steps + 1         # the first h_t that differs
    hints = {"no bias": "add the bias: h_t = tanh(W [h_(t-1), x_t] + b)",
             "no tanh": "squash with tanh: h_t = tanh(W [h_(t-1), x_t] + b)",
             "h_prev at every step": "concatenate the previous step's h_(t-1), not h_prev, "
                                     "with x_t"}
    c.add(10, f"{name}: h_t = tanh(W [h_(t-1), x_t] + b)", ok,
          (f"every h_t matches over 6 steps ({layout} stacked)" if steps > 1 else
           f"h_6 matches ({layout} stacked; only the last h returned)") if ok else
          f"its h_t match the RNN with {slip} ({layout} stacked)" if error.max() <= 1e-6 else
          f"h_{first} differs first (by up to {error.max():.2g}; h_0 "
          f"{'a random h_prev' if start is h0 else 'zeros'})",
          hints.get(slip, "h_t = tanh(W . [h_(t-1); x_t] + b), with h_0 the h_prev given, "
                          "the one-hot x_t, the bias b and the tanh"))


def rnn_functions(c, module):
    """(name, params, forward) for a vanilla RNN written as functions: one whose name has 'rnn'
    and init/make/create/build/param in it returns its arrays (a dict) when called as
    f(11, 8, 7) or f(11, 8); one with 'rnn' and forward/run in its name runs it as
    g(params, inputs, ...) or g(inputs, params, ...). None when there are no such functions."""
    own = {k: v for k, v in vars(module).items() if callable(v) and not isinstance(v, type)
           and getattr(v, "__module__", None) == module.__name__ and "rnn" in k.lower()}
    makers = [f for k, f in own.items() if re.search(r"init|make|create|build|param", k.lower())]
    runners = [(k, f) for k, f in own.items() if re.search(r"forward|run", k.lower())]
    if not makers or not runners:
        return None
    np.random.seed(0)
    for maker, args in itertools.product(makers, ((11, 8, 7), (11, 8))):
        params, ok = c.call(10, f"{maker.__name__}{args}", maker, *args)
        if not ok:
            c.rows.pop()
        elif isinstance(params, dict):
            break
    else:
        return None
    name, run = runners[0]

    def forward(inputs, *rest):                                      # params first, else second
        try:
            return run(params, inputs, *rest)
        except (TypeError, ValueError, IndexError, KeyError):
            return run(inputs, params, *rest)
    return name, params, forward


def hidden_sequences(values, H, T):
    """Every list of T hidden vectors (H,) found in values: dicts keyed by step, lists, arrays."""
    found, stack, seen = [], list(values), set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if isinstance(v, dict) and all(isinstance(k, int) for k in v) and v:
            steps = [v.get(t) for t in range(T)]
            if all(isinstance(s, np.ndarray) and s.size == H for s in steps):
                found.append([s.ravel() for s in steps])
        elif isinstance(v, dict):
            stack += list(v.values())
        elif isinstance(v, (list, tuple)) and len(v) in (T, T + 1) and all(
                isinstance(s, np.ndarray) and s.size == H for s in v):
            found.append([s.ravel() for s in v[-T:]])
        elif isinstance(v, (list, tuple)):
            stack += list(v)
        elif isinstance(v, np.ndarray) and v.ndim >= 2 and v.shape[0] in (T, T + 1) \
                and v[0].size == H:
            found.append([s.ravel() for s in v[-T:]])
    return found


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

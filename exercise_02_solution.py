"""Exercise 2: what do the gates of a trained LSTM do? Train, capture, measure, draw, report.

The course's file (TODO 1-13, whose driver runs on these functions as they are) trains an LSTM on
"abc" x 20, keeps each unit's gates and cell state as it reads a test sequence, prints statistics,
draws them and answers five questions; lines answering TODO n end in "(TODO n)". Here the LSTM is
Exercise 1's (below the tooling line): forward returns the loss, gates are in f_gates, i_gates,
o_gates. The course's returns (loss, h, C, cache), needs (H, 1) states, backward(inputs, targets,
cache), update_weights(grads), and keeps cache['fs'], ['i_s'], ['os']. Then all of it on text.

    f_t = sigmoid(Wf [h_{t-1}, x_t] + bf)   forget gate: near 1 KEEPS the old cell, near 0 erases it
    i_t = sigmoid(Wi [h_{t-1}, x_t] + bi)   input gate: how much of the candidate C_tilde to write
    C_tilde = tanh(Wc [h_{t-1}, x_t] + bc)  C_t = f_t * C_{t-1} + i_t * C_tilde
    o_t = sigmoid(Wo [h_{t-1}, x_t] + bo)   output gate: h_t = o_t * tanh(C_t) shows the cell

`python exercise_02_solution.py` (12 s) prints it all, saves outputs/ex2_gates_*.png heatmaps.
"""
import math
import os
import sys
import textwrap
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")    # one thread is faster for these small matmuls
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font

SEED, CLIP_VALUE = 0, 5.0  # Exercise 1's: the default seed; gradient clipping to [-5, 5]
PATTERN, REPEATS, HIDDEN_SIZE, PATTERN_ITERATIONS, TEST_LENGTH = "abc", 20, 32, 500, 20  # the stub
ITERATIONS, QUICK_ITERATIONS, BATCH_SIZE = 3000, 400, 16   # the text model: updates, windows each
SEQ_LENGTH, LEARNING_RATE = 25, 0.1        # characters per window; Adagrad step
GATES = ("forget", "input", "output")
OPEN, CLOSED, ALWAYS = 0.9, 0.1, 0.95      # open, closed; "always": on this share of the steps
MIN_COUNT = 5              # per-character means use the characters read at least this often
FORGET_START = 1 / (1 + math.exp(-1))      # sigmoid(bf = 1) = 0.73: about where f_t starts
WINDOW, MAX_TEXT, OUTDIR = 80, 10 ** 6, "outputs"   # characters per heatmap; longest pattern text

# ---- The course's exercise file: its four functions -------------------------------------------
def create_repeating_pattern(pattern="abc", repeats=10):
    """`pattern` (str) repeated `repeats` times. Returns (text, char_to_idx, idx_to_char), the two
    dicts over sorted(set(text)): 'a' -> 0 and 0 -> 'a'."""
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"pattern: expected a non-empty string, got {pattern!r:.40}")
    text = pattern * check_int("repeats", repeats, high=MAX_TEXT // len(pattern))      # (TODO 1)
    chars = sorted(set(text))
    char_to_idx = {ch: k for k, ch in enumerate(chars)}                                 # (TODO 2)
    idx_to_char = {k: ch for k, ch in enumerate(chars)}                                 # (TODO 2)
    return text, char_to_idx, idx_to_char

def train_and_capture_gates(text, char_to_idx, hidden_size=32, num_iterations=500, batch_size=1,
                            seed=SEED, log=print):
    """Train Exercise 1's LSTM on random windows of `text` (chars in char_to_idx: char -> id), then
    read test_seq = text[:20] from zero states. Returns (lstm, gates_dict, cell_states, test_seq):
    gates_dict {'forget', 'input', 'output'} -> (T, H), row t from test_seq[t]; cell_states too."""
    ids, seed, log = encode("text", text, char_to_idx), check_seed(seed), check_log(log)
    num_iterations = check_int("num_iterations", num_iterations, high=10 ** 6)
    batch_size, V = check_int("batch_size", batch_size, high=4096), len(char_to_idx)
    lstm = LSTMFromScratch(V, hidden_size, V, seed=seed)                              # (TODO 3)
    T = min(SEQ_LENGTH, len(ids) - 1)                  # a text shorter than a window: all of it
    zeros = np.zeros((batch_size, lstm.hidden_size))   # every window starts from zero states
    rng, running, start = np.random.default_rng(seed), math.log(V), time.time()
    with np.errstate(over="ignore", invalid="ignore"):  # a blow-up shows as a non-finite loss
        for n in range(num_iterations):                                                # (TODO 4)
            window = rng.integers(0, len(ids) - T, batch_size) + np.arange(T)[:, None]  # (TODO 5)
            loss = lstm.forward(ids[window], ids[window + 1], zeros, zeros)  # next chars (TODO 6)
            if not math.isfinite(loss):
                raise TrainingDiverged(f"loss {loss} at update {n + 1}; try a lower learning rate")
            lstm.backward()                                                             # (TODO 7)
            lstm.update_weights(LEARNING_RATE)                                          # (TODO 8)
            running = 0.9 * running + 0.1 * loss / (T * batch_size)   # loss/char, moving average
            if log and (n + 1) % max(1, num_iterations // 5) == 0:
                log(f"  iter {n + 1}/{num_iterations}  loss/char {running:.2f}  "
                    f"{(n + 1) * T * batch_size / (time.time() - start) / 1e3:.1f}k chars/s")
    test_seq = text[:TEST_LENGTH]
    capture = capture_gate_activations(lstm, test_seq, char_to_idx)                    # (TODO 9)
    gates_dict = {gate: capture[gate] for gate in GATES}                               # (TODO 10)
    return lstm, gates_dict, capture["cell"], test_seq

def analyze_gates(gates_dict, cell_states, sequence, path=None, title="Gate activations",
                  log=print):
    """Print and return each gate's statistics (`analyze_gate_patterns`); draw the heatmaps, saved
    at `path`. gates_dict {'forget', 'input', 'output'} and cell_states: T vectors of H values."""
    gates, chars = check_gates("gates_dict", gates_dict, "sequence", sequence)
    cells = check_cells("cell_states", cell_states, gates["forget"].shape)
    stats = analyze_gate_patterns({**gates, "chars": chars})                            # (TODO 12)
    visualize_gates({**gates, "cell": cells, "chars": chars}, path, title)              # (TODO 11)
    log(f"\ngate statistics, {stats['steps']} steps x {stats['units']} units, from "
        f"{''.join(chars)[:30]!r}\n  gate     mean   std  open (>{OPEN})  closed (<{CLOSED})  "
        "units always open / closed")
    for gate, g in stats["gates"].items():
        log(f"  {gate:<7} {g['mean']:5.2f} {g['std']:5.2f} {g['open']:10.1%} {g['closed']:13.1%}"
            f"  {len(stats['always_open'][gate]):7} / {len(stats['always_closed'][gate])}")
    return stats

def write_report(gates_dict, sequence, log=print):
    """Print the answers to the stub's five questions, from gates_dict and sequence (as for
    `analyze_gates`); return {'analysis': ..., 'answers': [(question, answer), ...]}."""
    gates, chars = check_gates("gates_dict", gates_dict, "sequence", sequence)
    a = analyze_gate_patterns({**gates, "chars": chars})
    g, specialised = a["gates"], any(a["always_open"][k] + a["always_closed"][k] for k in GATES)
    units = "; ".join(f"{k} {a['always_open'][k] or 'none'} / {a['always_closed'][k] or 'none'}"
                      for k in GATES)
    answers = [                                                                         # (TODO 13)
        ("Which gates are on the most, on average?", f"the {max(GATES, key=lambda k: g[k]['mean'])}"
         " gate (mean " + ", ".join(f"{k} {g[k]['mean']:.2f}" for k in GATES) + ")"),
        ("Does any gate specialise, nearly always open or always closed?", ("yes" if specialised
         else "no") + f": units open / closed on {ALWAYS:.0%} of the steps: {units}. Shares of all "
         "values open / closed: " + ", ".join(f"{k} {g[k]['open']:.0%} / {g[k]['closed']:.0%}"
                                               for k in GATES)),
        ("How do the gates react to particular characters?", char_answer(a["per_char"])),
        ("Do the gates follow the repeating structure of the pattern?", structure_answer(a)),
        ("What was unexpected?", surprise_answer(a))]
    log(f"\nreport on the {len(chars)} steps from {''.join(chars)[:30]!r}")
    for k, (question, answer) in enumerate(answers, 1):
        log(f"  {k}. {question}\n" + textwrap.indent(textwrap.fill(answer, 95), "     "))
    return {"analysis": a, "answers": answers}

def char_answer(per_char):
    """Each gate's range of means over the characters read MIN_COUNT+ times, the widest first."""
    ranges = sorted(((max(v.values()) - min(v.values()), k, min(v, key=v.get), max(v, key=v.get))
                     for k, v in per_char.items() if v), reverse=True)
    return "mean by character, widest range first: " + "; ".join(
        f"{k} {per_char[k][lo]:.2f} on {lo!r} to {per_char[k][hi]:.2f} on {hi!r}"
        for _, k, lo, hi in ranges) if ranges else f"too short: no character is read {MIN_COUNT}x"

def structure_answer(a):
    """Question 4: the share of each gate's variation that the place in the repeat explains."""
    e, low = a["explained"], np.min([a["explained"][k]["later"] for k in GATES])   # NaN: "no"
    shares = {key: ", ".join(f"{k} {e[k][key]:.0%}" for k in GATES) for key in e["forget"]}
    return (f"the sequence does not repeat (no period up to half its {a['steps']} steps); the "
            f"character read explains {shares['char']} of the gates' variation over time"
            if not a["period"] else ("yes" if low >= 0.9 else "partly" if low >= 0.5 else "no")
            + f": the sequence repeats every {a['period']} steps; after the first repeat (read from"
            f" zero states) the place in the repeat explains {shares['later']} of each gate's "
            f"variation over time (yes takes 90% for each; over all steps {shares['phase']})")

def surprise_answer(a):
    """Question 5: what a learner is told to expect, checked against this run's numbers."""
    g, r, r_in, f_mean = a["gates"], a["r_pooled"], a["r_within"], a["gates"]["forget"]["mean"]
    saturated = {k: g[k]["open"] + g[k]["closed"] for k in GATES}
    overall, anti = sum(saturated.values()) / len(GATES), max(r, r_in) < -0.1   # NaN: False
    checks = [
        (anti, "the course's solutions list says forget and input gates are negatively correlated:"
         f" r(f, i) = {r:+.2f} pooled over unit-steps, {r_in:+.2f} within units over time; "
         + ("it holds (r < -0.1 in both)" if anti else "the opposite way: positive (r > +0.1) in "
            + ("both" if min(r, r_in) > 0.1 else "one") if max(r, r_in) > 0.1 else
            "weaker than claimed: near zero (the claim needs r < -0.1 in both)")),
        (overall > 0.5, f"gates are pictured as switches: {overall:.0%} of the values are open or "
         "closed (" + ", ".join(f"{k} {s:.0%}" for k, s in saturated.items()) + "): "
         + ("mostly switches" if overall > 0.5 else "mostly graded values, fewer than pictured")),
        (f_mean >= FORGET_START - 0.05, f"bf = 1 sets forget gates toward sigmoid(1) = 0.73, "
         f"to keep the cell; they end with mean {f_mean:.2f}: " + ("about as open or more" if
                                                           f_mean >= FORGET_START - 0.05 else
                                                           "training closed them: more erasing"))]
    missed, held = ([text for ok, text in checks if ok is want] for want in (False, True))
    return ("unexpected: " + "; ".join(missed) if missed else "nothing missed what we expected") \
        + (". As expected: " + "; ".join(held) if held else "")

# ---- The course's solutions list: capture, analyse, draw, compare -----------------------------
def capture_gate_activations(model, text, char_to_idx):
    """Run `model` once over `text` from zero states: {'chars', 'forget', 'input', 'output', 'cell':
    (T, H), row t the step that reads chars[t]; 'loss': nats per character predicting text[1:]}."""
    ids, zeros = encode("text", text, char_to_idx, model.input_size), np.zeros(model.hidden_size)
    loss = model.forward(ids, np.append(ids[1:], -1), zeros, zeros)  # none after the end (TODO 9)
    return {"chars": list(text), "forget": model.f_gates.copy(),                     # (TODO 10)
            "input": model.i_gates.copy(), "output": model.o_gates.copy(),           # (TODO 10)
            "cell": model.C_states[1:].copy(), "loss": loss / max(1, len(ids) - 1)}

def analyze_gate_patterns(activations):
    """A capture's gates (a dict of 'chars' and the three (T, H) gates), measured: {'steps',
    'units', 'gates': {gate: {'mean', 'std', 'open', 'closed' (shares)}}, 'always_open',
    'always_closed': {gate: units}, 'per_char': {gate: {char: mean}}, 'r_pooled', 'r_within':
    r(f_t, i_t) over all values, and its mean over units, 'period': the shortest p <= T/2 with
    chars[t + p] == chars[t], or None, 'explained': {gate: the shares of the variation that 'char'
    (the character read), 'phase' (t mod p) and 'later' (t mod p, from t = p on) explain}}."""
    g, chars = check_gates("activations", activations)
    f, i, labels, T = g["forget"], g["input"], np.array(chars), len(chars)
    symbols, counts = np.unique(labels, return_counts=True)
    within = correlation(f, i)[~np.isnan(correlation(f, i))]      # flat units left out
    period = next((p for p in range(1, T // 2 + 1) if chars[p:] == chars[:-p]), None)
    phase, p = np.arange(T) % (period or T), period or 0
    return {"steps": T, "units": f.shape[1],
            "gates": {k: {"mean": float(v.mean()), "std": float(v.std()),                # (TODO 12)
                          "open": float((v > OPEN).mean()),                              # (TODO 12)
                          "closed": float((v < CLOSED).mean())} for k, v in g.items()},  # (TODO 12)
            "always_open": {k: np.flatnonzero((v > OPEN).mean(0) >= ALWAYS).tolist()
                            for k, v in g.items()},
            "always_closed": {k: np.flatnonzero((v < CLOSED).mean(0) >= ALWAYS).tolist()
                              for k, v in g.items()},
            "per_char": {k: {str(ch): float(v[labels == ch].mean())
                             for ch in symbols[counts >= MIN_COUNT]} for k, v in g.items()},
            "r_pooled": float(correlation(f.ravel(), i.ravel())),
            "r_within": float(within.mean()) if within.size else math.nan, "period": period,
            "explained": {k: {"char": explained(v, labels), "phase": explained(v, phase),
                              "later": explained(v[p:], phase[p:])} for k, v in g.items()}}

def compare_gates_across_contexts(activations):
    """Gate means at word boundaries (steps that read no letter or digit) and inside words, in a
    capture: {'counts', 'means': {'boundary', 'inside'}, 'forget_unit': the unit whose mean f_t
    differs most}, or None when one context has no step."""
    gates, chars = check_gates("activations", activations)
    inside = np.array([ch.isalnum() for ch in chars])
    masks = {"boundary": ~inside, "inside": inside}
    if not all(m.any() for m in masks.values()):
        return None
    forget = {c: gates["forget"][m].mean(0) for c, m in masks.items()}       # (H,) per context
    k = int(np.argmax(np.abs(forget["boundary"] - forget["inside"])))
    return {"counts": {c: int(m.sum()) for c, m in masks.items()},
            "means": {c: {g: float(v[m].mean()) for g, v in gates.items()}
                      for c, m in masks.items()},
            "forget_unit": {"unit": k, **{c: float(v[k]) for c, v in forget.items()}}}

def visualize_gates(activations, path=None, title="Gate activations", start=0, length=WINDOW):
    """Heatmaps of f_t, i_t, o_t, C_t, units against time, over steps start .. start+length-1 of a
    capture (with 'cell'); the characters read label the time axis. Saves a PNG at `path`, if
    given; returns the Figure."""
    gates, chars = check_gates("activations", activations)
    cell = check_cells("activations['cell']", activations.get("cell"), gates["forget"].shape)
    T, H = cell.shape
    steps = slice(check_int("start", start, low=0, high=T - 1), start + check_int("length", length))
    font = FT2Font(findfont(FontProperties(family="monospace")))   # '?' where it has no glyph:
    labels = [s if font.get_char_index(ord(s)) else "?" for s in         # else a warning per glyph
              ({" ": "\u2423", "\n": "\u21b5"}.get(ch, ch) for ch in chars[steps])]
    c_max = max(float(np.abs(cell[steps]).max()), 1e-6)
    fig, axes = plt.subplots(4, 1, figsize=(max(8, 0.17 * len(labels) + 2.5), 12), sharex=True,
                             layout="constrained")
    names = ("forget gate f_t (1: keep the cell, 0: erase it)", "input gate i_t (1: write the "
             "candidate)", "output gate o_t (1: show the cell in h_t)",
             "cell state C_t (red > 0 > blue)")
    for ax, values, name in zip(axes, [gates[k] for k in GATES] + [cell], names):
        gate = values is not cell
        image = ax.imshow(values[steps].T, aspect="auto", cmap="viridis" if gate else "RdBu_r",
                          vmin=0 if gate else -c_max, vmax=1 if gate else c_max)         # (TODO 11)
        fig.colorbar(image, ax=ax, label=name.split()[2], pad=0.01)
        ax.set(title=name, ylabel=f"unit (of {H})")
    axes[-1].set_xticks(range(len(labels)), labels, fontfamily="monospace", fontsize=9)
    axes[-1].set_xlabel(f"character read at step t (steps {start}-{start + len(labels) - 1} of "
                        f"{T}; \u2423 space, \u21b5 newline, ? a character the font cannot draw)")
    fig.suptitle(title, fontsize=13)
    if path:
        fig.savefig(path, dpi=110)
    return fig

# ---- The demo: the stub's flow on the pattern, then the same LSTM on English text -------------
def run_study(iterations, seed, log=print):
    """Train both models and measure them; returns plain data for `present`. iterations: the text
    model's updates; seed: an integer >= 0; log: print or None. All are checked before training."""
    iterations, seed = check_int("iterations", iterations, high=10 ** 6), check_seed(seed)
    log, start = check_log(log) or (lambda *_: None), time.time()
    log(f"[1/2] pattern model: {PATTERN!r} x {REPEATS}, {PATTERN_ITERATIONS} updates of one window")
    text, char_to_idx, _ = create_repeating_pattern(PATTERN, REPEATS)
    _, gates_dict, cell_states, test_seq = train_and_capture_gates(
        text, char_to_idx, HIDDEN_SIZE, PATTERN_ITERATIONS, seed=seed, log=log)
    corpus, corpus_idx, _ = create_repeating_pattern(DEFAULT_CORPUS, 1)  # a text read once
    log(f"[2/2] text model: the built-in text, {iterations} updates of {BATCH_SIZE} windows")
    model, *_ = train_and_capture_gates(corpus, corpus_idx, HIDDEN_SIZE, iterations, BATCH_SIZE,
                                        seed, log)
    text_acts = capture_gate_activations(model, corpus, corpus_idx)
    return {"pattern": {**gates_dict, "cell": cell_states, "chars": list(test_seq)},
            "text": text_acts, "contexts": compare_gates_across_contexts(text_acts), "seed": seed,
            "iterations": iterations, "V": len(corpus_idx), "seconds": time.time() - start}

def present(r, outdir):
    """Print `run_study`'s results and save the two heatmaps."""
    paths = [os.path.join(outdir, f"ex2_gates_{name}.png") for name in ("pattern", "text")]
    for acts, path, name, n in zip((r["pattern"], r["text"]), paths, ("pattern", "text"),
                                   (PATTERN_ITERATIONS, r["iterations"])):
        analyze_gates(acts, acts["cell"], acts["chars"], path,
                      f"Exercise 2: the {name} model after {n} updates, seed {r['seed']}")
        write_report(acts, acts["chars"])
    n, means, unit = (r["contexts"][key] for key in ("counts", "means", "forget_unit"))
    drop = means["inside"]["forget"] - means["boundary"]["forget"]
    print(f"\ntext model, word boundaries / inside words ({n['boundary']:,} / {n['inside']:,} "
          "steps)\n  " + ", ".join(f"{g} {means['boundary'][g]:.2f} / {means['inside'][g]:.2f}"
                                   for g in GATES) + f"; forget unit {unit['unit']} differs "
          f"most: {unit['boundary']:.2f} / {unit['inside']:.2f}\n  the course's solutions list "
          f"says forget gates act at context switches: mean f_t is {abs(drop):.3f} " + (
              "lower at word boundaries" if drop >= 0.05 else "lower at word boundaries, weaker "
              "than claimed (below our 0.05)" if drop > 0 else "higher there, the opposite way"))
    print(f"\nsummary: {r['seconds']:.1f} s, H={HIDDEN_SIZE}, seed {r['seed']}; the text model's "
          f"loss/char on its text {r['text']['loss']:.2f} (uniform guess {math.log(r['V']):.2f})"
          "\n  figures: " + ", ".join(paths))

def main(argv=None):
    """The demo, or --check FILE; returns the exit code: 0 done, 1 training diverged or a check
    failed, 2 a bad flag (`parse_args`, below the tooling line, checks every flag first)."""
    args = parse_args(argv)
    if args.check is not None:
        return run_check(args)
    try:
        present(run_study(QUICK_ITERATIONS if args.quick else ITERATIONS, args.seed), args.outdir)
    except TrainingDiverged as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1
    if args.show:
        plt.show()
    plt.close("all")
    return 0

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

import matplotlib.figure

# Exercise 1's LSTMFromScratch and its helpers, carried unchanged (a test compares the source).
# ---- Numerics and argument checks ------------------------------------------------------------
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

# ---- The model -------------------------------------------------------------------------------
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

# ---- Numeric helpers of the analysis ---------------------------------------------------------
def correlation(a, b):
    """Pearson r over axis 0: (T,) arrays -> one r, (T, H) -> (H,); NaN where one is flat."""
    a, b = a - a.mean(0), b - b.mean(0)
    norm = np.sqrt((a * a).sum(0) * (b * b).sum(0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norm > 1e-12, np.clip((a * b).sum(0) / norm, -1, 1), np.nan)

def explained(values, labels):
    """The share of the units' variation over time, values (T, H), that step labels (T,) explain."""
    total = ((values - values.mean(0)) ** 2).sum()
    rest = sum(((v - v.mean(0)) ** 2).sum() for v in (values[labels == k] for k in set(labels)))
    return float(1 - rest / total) if total > 1e-12 else math.nan

# ---- Argument checks and the command line ----------------------------------------------------
PROG = os.path.basename(__file__)

class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""

def check_seed(seed, name="seed"):
    """`seed` as an int if it is an integer in [0, 2**32 - 1] (NumPy's range); else ValueError."""
    return check_int(name, seed, low=0, high=2 ** 32 - 1)

def check_log(log):
    """`log` if it is None or callable (print, a list's append, ...); else ValueError."""
    if log is not None and not callable(log):
        raise ValueError(f"log: expected a function such as print, or None, got {log!r:.40}")
    return log

def encode(name, text, char_to_idx, size=None):
    """text -> (T,) ids below `size` (default len(char_to_idx)); else ValueError naming the
    argument."""
    if not isinstance(char_to_idx, dict) or not char_to_idx:
        raise ValueError(f"char_to_idx: expected a non-empty dict char -> id, "
                         f"got {describe(char_to_idx)}")
    unknown = "".join(sorted(set(text) - set(char_to_idx))) if isinstance(text, str) else ""
    if not isinstance(text, str) or not text or unknown:
        raise ValueError(f"{name}: expected a non-empty string of characters in char_to_idx, got "
                         + (f"{len(unknown)} others: {unknown!r:.50}" if unknown
                            else f"{text!r:.40}"))
    return check_ids("char_to_idx", [char_to_idx[ch] for ch in text], size or len(char_to_idx))

def check_gates(name, gates, chars_name=None, chars=None):
    """The three gates as (T, H) arrays, values in [0, 1] (T vectors (H,) or (H, 1) accepted),
    and chars (default gates['chars']) as a list of T characters; else ValueError naming the
    argument."""
    if chars_name is None:
        chars_name, chars = (f"{name}['chars']",
                             gates.get("chars") if isinstance(gates, dict) else None)
    arrays = {g: as_steps(gates.get(g)) for g in GATES} if isinstance(gates, dict) else {"": None}
    shape = getattr(arrays.get("forget"), "shape", None)
    if any(a is None or a.shape != shape or ((a < 0) | (a > 1)).any() for a in arrays.values()):
        got = [describe(gates.get(g)) for g in GATES] if len(arrays) > 1 else describe(gates)
        raise ValueError(f"{name}: expected 'forget', 'input', 'output' as T vectors of H values "
                         f"in [0, 1], got {got}")
    if not isinstance(chars, (str, list, tuple)) or len(chars) != shape[0]:
        raise ValueError(f"{chars_name}: expected the {shape[0]} characters read, one per step, "
                         f"got {describe(chars)}")
    return arrays, list(chars)

def check_cells(name, cells, shape):
    """Cell states (T vectors of H values) as a finite (T, H) array of `shape`; else ValueError."""
    arr = as_steps(cells)
    if arr is None or arr.shape != shape or not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected {shape[0]} finite vectors of {shape[1]} values, "
                         f"got {describe(cells)}")
    return arr

def as_steps(values):
    """T vectors of H numbers ((T, H), or T arrays (H,) or (H, 1)) as a (T, H) float array, or
    None."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    arr = arr[:, :, 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr
    return arr if arr.ndim == 2 and arr.size else None

def describe(value):
    """A value's type and its shape or length, for a message."""
    return type(value).__name__ + (f" of shape {value.shape}" if isinstance(value, np.ndarray)
                                   else f" of length {len(value)}" if hasattr(value, "__len__")
                                   else f" {value!r:.30}")

class OneLineErrorParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage block) and exits with code 2."""
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")

def parse_args(argv=None):
    """The flags, each checked before any work: a bad one is one line on stderr and exit code 2."""
    p = OneLineErrorParser(
        prog=PROG,
        description="Exercise 2: gate statistics, five answers and heatmaps (ex2_gates_*.png) "
                    "of Exercise 1's LSTM, on a pattern and on text.",
        epilog="Prints progress, each model's gate statistics and report, the word-boundary "
               "comparison and a summary; saves ex2_gates_pattern.png and ex2_gates_text.png "
               "under --outdir.")
    p.add_argument("--seed", type=int, default=SEED,
                   help="seeds weights and windows (default %(default)s)")
    p.add_argument("--quick", action="store_true",
                   help=f"{QUICK_ITERATIONS} updates of the text model, not {ITERATIONS}")
    p.add_argument("--outdir", default=OUTDIR, help="where the figures go (default %(default)s)")
    p.add_argument("--show", action="store_true", help="also open the figures in windows")
    p.add_argument("--check", metavar="FILE",
                   help="grade your own exercise 2 file TODO by TODO (it needs the course's "
                        "implementation.py in the folder above it)")
    args = p.parse_args(argv)
    try:
        args.seed = check_seed(args.seed, "--seed")
        if args.check is None:                                 # prove the folder writable
            if not args.outdir:
                raise OSError(0, "an empty path")
            os.makedirs(args.outdir, exist_ok=True)
            tempfile.TemporaryFile(dir=args.outdir).close()
    except (ValueError, OSError) as err:
        p.error(str(err) if isinstance(err, ValueError) else
                f"--outdir: cannot write to {args.outdir!r} ({err.strerror or err})")
    if not args.show:
        plt.switch_backend("Agg")                              # headless unless --show
    return args

def run_check(args):
    """--check FILE: a setup problem is one line and exit code 2; else the checklist's exit code."""
    try:
        return check_attempt(args.check, args.seed).report(CHECK_TITLE)
    except CheckSetupError as err:
        print(err, file=sys.stderr)
        return 2

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

# ---- --check: the learner's functions, run on the course's LSTM (implementation.py) ----------
CHECK_TITLE = ("Exercise 2 (gate analysis): your functions, called as the exercise file's "
               "driver calls them")
CHECK_SECONDS, CHECK_HIDDEN, CHECK_ITERATIONS = 20, 16, 100
STUB_ERRORS = [    # errors from lines the exercise file wrote itself, and how to change those lines
    (r"shape \(\d+, ?1\)|concatenation axis|not aligned|mismatch in its core dimension",
     "the course's LSTM needs (H, 1) states: np.zeros((hidden_size, 1)) (the exercise file "
     "makes (H,))"),
    (r"variable '(learning_rate|seq_length)'|name '(learning_rate|seq_length)' is not",
     "the exercise file builds the LSTM before it defines seq_length and learning_rate: "
     "define them first, then pass them to LSTM(...)"),
    (r"only integers, slices|string indices|interpreted as an integer|invalid literal for int",
     "the exercise file keeps test_seq as a string; forward needs ids: "
     "[char_to_idx[ch] for ch in test_seq]"),
    (r"visualization",
     "the exercise file's `import visualization` names a module the course does not ship: "
     "delete that line"),
    (r"implementation",
     "your file needs the course's implementation.py in the folder above it, as in the "
     "course's layout (exercises/ beside implementation.py)")]
HINT_10 = ("TODO 10 keeps, for each step t of test_seq, cache['fs'][t], ['i_s'][t], ['os'][t] "
           "and ['Cs'][t]")

class TooManyUpdates(BaseException):
    """Stops a loop that runs past num_iterations (not an Exception: `except Exception` lets it
    by)."""

@contextlib.contextmanager
def watching(module, log, limit=10 ** 9):
    """While inside, each call of __init__, forward, backward and update_weights of the module's
    LSTM is appended to `log` as (name, model, args, result; for __init__ the parameters), the
    loop stops after `limit` backward calls, and figures are neither closed nor saved."""
    Ref = getattr(module, "LSTM", None)
    def spy(name, method):
        def logged(self, *args, **kwargs):
            if name == "backward" and sum(entry[0] == name for entry in log) >= limit:
                raise TooManyUpdates
            result = method(self, *args, **kwargs)
            try:                                        # keywords in the signature's order
                args = tuple(inspect.signature(method).bind(self, *args, **kwargs)
                             .arguments.values())[1:]
            except (TypeError, ValueError):
                args += tuple(kwargs.values())
            log.append((name, self, snapshot(args),
                        lstm_params(self) if name == "__init__" else snapshot(result)))
            return result
        return logged
    patches = [(Ref, name, spy(name, vars(Ref)[name]))
               for name in ("__init__", "forward", "backward", "update_weights")
               if isinstance(Ref, type) and name in vars(Ref)]
    noop = lambda *args, **kwargs: None                      # noqa: E731
    patches += [(plt, "close", noop), (matplotlib.figure.Figure, "savefig", noop)]
    saved = [(owner, name, vars(owner)[name]) for owner, name, _ in patches]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)

def snapshot(values):
    """A tuple's arrays and lists copied, so that a learner who reuses a buffer (h[:] = ...) does
    not rewrite what the log kept; anything else (a tuple's cache dict) as it is."""
    if not isinstance(values, tuple):
        return values
    return tuple(np.array(v) if isinstance(v, np.ndarray) else list(v) if isinstance(v, list)
                 else v for v in values)

def quietly(fn, *args):
    """(what fn(*args) printed, its result), or TooManyUpdates when `watching` stopped it."""
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            result = fn(*args)
    except TooManyUpdates:
        return TooManyUpdates
    return buffer.getvalue() + (result if isinstance(result, str) else ""), result

def lstm_params(model):
    """The course LSTM's parameters, copied, with biases (H,) and Why (or Wy) as 'Wy'; None if
    missing."""
    try:
        p = {k: np.array(getattr(model, "Why" if k == "Wy" and hasattr(model, "Why") else k), float)
             for k in ("Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by")}
        return ({k: v.reshape(-1) if k[0] == "b" else v for k, v in p.items()}
                if p["Wf"].ndim == 2 else None)
    except (AttributeError, TypeError, ValueError):
        return None

def replay(p, ids, h=None, C=None):
    """Exercise 1's LSTM with the learner's parameters p, run over ids from (H,) states (zeros
    if None): {'forget', 'input', 'output', 'cell', 'candidate': (T, H), 'loss': summed over
    next ids}."""
    H, V = p["Wf"].shape[0], p["Wy"].shape[0]
    model = LSTMFromScratch(p["Wf"].shape[1] - H, H, V, clip_value=None)
    for name in model.PARAM_NAMES:
        getattr(model, name)[...] = p[name]
    zeros = np.zeros(H)
    loss = model.forward(ids, list(ids[1:]) + [-1], zeros if h is None else h,
                         zeros if C is None else C)
    return {"forget": model.f_gates, "input": model.i_gates, "output": model.o_gates, "loss": loss,
            "cell": model.C_states[1:], "candidate": model.C_tilde_cache}

def ids_of(seq):
    """A call's inputs or targets as a list of ints, or None."""
    try:
        return [int(k) for k in np.asarray(seq).reshape(-1)]
    except (TypeError, ValueError):
        return None

def check_attempt(path, seed=SEED):
    """Grade a learner's exercise 2 file; returns the Checklist. CheckSetupError for a file that
    cannot be read or a course module it cannot find; ValueError for a bad seed."""
    seed, cl, run = check_seed(seed), Checklist(path, STUB_ERRORS, CHECK_SECONDS), {}
    plt.switch_backend("Agg")
    module = cl.load()
    for section in (check_pattern, check_training, check_analysis, check_report) if module else ():
        try:
            section(cl, module, seed, run)
        except Exception as err:                  # a bug of this checker: a row, not a traceback
            cl.add("-", section.__name__, None,
                   f"could not compare: the checker failed ({err!r:.120})")
        finally:
            plt.close("all")
    return cl

def check_pattern(cl, module, seed, run):
    """TODO 1-2: the text and both dicts, exactly, for the driver's call and for 'hello' x 3."""
    fn, wrong = cl.find("create_repeating_pattern"), {}
    for args in (("abc", 20), ("hello", 3)):
        out, ran = (cl.call("1", f"create_repeating_pattern{args}", fn, *args) if fn
                    else (None, False))
        if not ran or not isinstance(out, tuple) or len(out) != 3:
            return ran and cl.add("1", "returns 3 values", False, describe(out),
                                  "return text, char_to_idx, idx_to_char")
        want = create_repeating_pattern(*args)
        wrong.setdefault("1", None if out[0] == want[0]
                         else f"{args}: {text_diff(out[0], want[0])}")
        wrong.setdefault("2", next((f"{args}: {name} {short(got)}, not {short(right)}"
                                    for name, got, right in zip(("char_to_idx", "idx_to_char"),
                                                                out[1:], want[1:])
                                    if got != right), None))
        wrong = {todo: detail for todo, detail in wrong.items() if detail}
    for todo, what, hint in (
            ("1", "text", "TODO 1: text = pattern * repeats"),
            ("2", "char_to_idx, idx_to_char",
             "TODO 2 numbers the characters in sorted order: chars = sorted(set(text)); "
             "char_to_idx = {ch: i for i, ch in enumerate(chars)}")):
        cl.add(todo, what, todo not in wrong, wrong.get(todo, "as the solution's"), hint)

def short(value, width=60):
    """repr(value), cut to about `width` characters with '...' if longer (a str keeps its
    quotes)."""
    if isinstance(value, str) and len(repr(value)) > width:
        return repr(value[:width - 5]) + "..."
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."

def text_diff(got, want):
    """How the text `got` differs from `want`: the lengths, and where they part."""
    if not isinstance(got, str):
        return f"{describe(got)}, not a str of {len(want)} characters"
    k = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    return (f"{len(got)} characters, expected {len(want)}; " +
            (f"they first differ at index {k}: {short(got[k:], 16)}, expected {short(want[k:], 16)}"
             if k < min(len(got), len(want)) else
             f"the first {k} agree, then yours goes on with {short(got[k:], 16)}"
             if len(got) > k else f"yours stops after the first {k}"))

def check_training(cl, module, seed, run):
    """TODO 3-10: train_and_capture_gates("abc" x 20, char_to_idx, 16, 100), its LSTM's calls
    logged."""
    fn, log, (text, c2i, _) = (cl.find("train_and_capture_gates"), [],
                               create_repeating_pattern("abc", 20))
    ids, H, N = encode("text", text, c2i).tolist(), CHECK_HIDDEN, CHECK_ITERATIONS
    np.random.seed(seed)
    with watching(module, log, limit=N + 5):
        out, ran = cl.call("3", f"train_and_capture_gates(text, char_to_idx, {H}, {N})", quietly,
                           fn, text, dict(c2i), H, N) if fn else (None, False)
    if not ran or out is TooManyUpdates:
        return ran and cl.add("4", "loop of num_iterations updates", False,
                              f"still training after {N + 5} updates for num_iterations={N}",
                              "TODO 4: for it in range(num_iterations)")
    if not isinstance(out[1], tuple) or len(out[1]) != 4:
        return cl.add("10", "returns 4 values", False, describe(out[1]),
                      "return lstm, gates_dict, cell_states, test_seq: the driver unpacks four "
                      "(the exercise file's docstring says 3)")
    lstm, gates_dict, cell_states, test_seq = out[1]
    if isinstance(gates_dict, dict) and as_steps(gates_dict.get("forget")) is not None:
        run["style"] = gates_dict["forget"]     # their container style, even if a row fails below
    last = max([k for k, entry in enumerate(log) if entry[0] == "backward"], default=-1)
    capture = next((entry for entry in reversed(log[last + 1:]) if entry[0] == "forward"), None)
    probe = lambda: probe_windows(cl, module, fn, seed)       # noqa: E731
    if not check_loop(cl, ids, H, N, len(c2i), [entry for entry in log if entry is not capture],
                      isinstance(getattr(module, "LSTM", None), type), probe):
        return
    wrong = ("" if isinstance(test_seq, (str, list)) and "".join(map(str, test_seq)) == text[:20]
             else f"test_seq is {describe(test_seq)} {str(test_seq)[:24]!r}")
    if capture and not wrong:
        read, h0, C0 = ids_of(capture[2][0]), *(np.abs(s).max() for s in capture[2][2:4])
        step = next((t for t, (x, y) in enumerate(zip(read, ids[:20])) if x != y),
                    min(len(read), 20))
        wrong = (f"the LSTM read {len(read)} ids; test_seq has 20" if len(read) != 20 else
                 f"the LSTM read id {read[step]} at step {step}, test_seq's is {ids[step]}"
                 if step < 20 else
                 f"read from the states training left (largest |h| {h0:.3g}, |C| {C0:.3g}), "
                 "not zeros" if h0 or C0 else "")
    if cl.add("9", "test_seq = text[:20] from zeros", not wrong,
              wrong or "ids of text[:20], zero states" if capture
              else "no forward call after training: its gates are judged at TODO 10",
              "TODO 9 reads test_seq = text[:20], as ids, from fresh states: "
              "h = np.zeros((hidden_size, 1)), C too"):
        check_gates_dict(cl, gates_dict, cell_states, lstm_params(lstm), capture, ids[:20], run)

def check_loop(cl, ids, H, N, V, log, has_class, probe):
    """TODO 3-8 from the logged calls: the LSTM's size, N updates, windows whose targets are the
    next characters (judged on probe(), a second run on a text that never repeats), states that
    are zeros or carried on, a backward and an update_weights per forward, and a lower loss on
    the text."""
    model, p0 = next(((e[1], e[3]) for e in reversed(log) if e[0] == "__init__"), (None, None))
    if model is None:           # never built, or the file has a model of its own (not watched)
        return cl.add("3", "LSTM(vocab_size, hidden_size, ...)", False if has_class else None,
                      "LSTM(...) was never called" if has_class
                      else "not watched: no class LSTM in your file",
                      "TODO 3: lstm = LSTM(len(char_to_idx), hidden_size, seq_length)") is None
    size = p0["Wf"].shape if p0 else (0, 0)
    calls = {kind: [e[2] for e in log if e[0] == kind and e[1] is model]
             for kind in ("forward", "backward", "update_weights")}
    returned = [e[3] for e in log if e[0] == "forward" and e[1] is model]
    rounds = len(calls["backward"]) or len(calls["forward"])  # an extra forward to watch the loss
    loss = [replay(p, ids)["loss"] / (len(ids) - 1) for p in (p0, lstm_params(model))]
    states, carried = state_problem(calls["forward"], returned)
    windows = probe() if size == (H, H + V) and rounds == N else []   # only if rows 3, 4 pass
    moves = window_problem(windows, encode("text", PROBE_TEXT, PROBE_C2I).tolist())
    rows = [
        ("3", "LSTM(vocab_size, hidden_size, ...)", size == (H, H + V),
         f"hidden_size {size[0]}, vocab_size {size[1] - size[0]}",
         f"TODO 3: LSTM(len(char_to_idx), hidden_size, seq_length), here {V}, {H}"),
        ("4", "loop of num_iterations updates", rounds == N,
         f"{rounds} rounds for num_iterations={N}"
         + ("" if calls["backward"] else " (forward passes; no backward)"),
         "TODO 4: for it in range(num_iterations): forward, backward, update"),
        ("5", "windows: inputs, next characters", None if windows is None else not moves,
         "not judged: the run on a second text failed" if windows is None else moves or
         f"on a text that never repeats, {len(windows)} windows at "
         f"{len({tuple(x) for x, _ in windows})} places, targets one character on",
         "TODO 5 moves the window each update (a random start, or a pointer) and targets the "
         "next characters: inputs = text[p:p+L], targets = text[p+1:p+L+1], as ids"),
        ("6", "forward(inputs, targets, h, C)", not states,
         states or ("zeros every window" if not carried else
                    f"carried on {carried} times, zeros at the other "
                    f"{len(calls['forward']) - carried} window(s)"),
         "TODO 6: loss, h, C, cache = lstm.forward(inputs, targets, h, C) (h before C); pass "
         "zeros to start a window afresh, or the h and C the last forward returned to carry "
         "them on"),
        ("7", "backward(inputs, targets, cache)", len(calls["backward"]) == N,
         f"{len(calls['backward'])} calls",
         "TODO 7: grads = lstm.backward(inputs, targets, cache), once per forward"),
        ("8", "update_weights(grads)", loss[1] < loss[0],
         f"{len(calls['update_weights'])} calls; loss per character on the text "
         f"{loss[0]:.4f} -> {loss[1]:.4f}",
         "TODO 8: lstm.update_weights(grads) after each backward, which must lower the loss")]
    return all(cl.add(*row) for row in rows)

# A text over 'abc' in which no 4 characters in a row occur twice (the start of a de Bruijn
# sequence): a training window's content tells where in the text it was taken.
PROBE_TEXT = "aaaabaaacaabbaabcaacbaaccababacabbbabbcabcbabccacacbbacbcacc"
PROBE_C2I, PROBE_ITERATIONS = {"a": 0, "b": 1, "c": 2}, 20

def probe_windows(cl, module, fn, seed):
    """The training windows, (input ids, target ids) per forward, of train_and_capture_gates on
    PROBE_TEXT for PROBE_ITERATIONS updates; None if that call raised (a FAIL row says where)."""
    log, H, N = [], CHECK_HIDDEN, PROBE_ITERATIONS
    np.random.seed(seed)
    with watching(module, log, limit=N + 5):
        _, ran = cl.call("5", f"train_and_capture_gates(text2, char_to_idx, {H}, {N})", quietly,
                         fn, PROBE_TEXT, dict(PROBE_C2I), H, N)
    if not ran:
        return None
    model = next((e[1] for e in reversed(log) if e[0] == "__init__"), None)
    log = [e for e in log if e[1] is model and e[0] in ("forward", "backward")]
    last = max([k for k, e in enumerate(log) if e[0] == "backward"], default=len(log))
    return [(ids_of(e[2][0]), ids_of(e[2][1])) for e in log[:last] if e[0] == "forward"]

def window_problem(windows, text):
    """Why the windows are not text[p:p+L] with targets text[p+1:p+L+1] at more than one p (in a
    text that never repeats), or "" if they are."""
    if not windows:
        return "no forward call while training on the second text"
    for k, (x, y) in enumerate(windows, 1):
        if not x:
            return f"window {k}: its inputs are not a list of ids"
        L = len(x)
        starts = [p for p in range(len(text) - L + 1) if text[p:p + L] == x]
        if not starts:
            return f"window {k}: its {L} inputs are not {L} characters in a row of the text"
        if y is None or len(y) != L:
            return f"window {k}: {L} inputs but {len(y or [])} targets"
        if not any(text[p + 1:p + L + 1] == y for p in starts):
            shift = next((d for d in range(-L, L + 1) if starts[0] + d >= 0
                          and text[starts[0] + d:starts[0] + d + L] == y), None)
            return (f"window {k}: the targets are the inputs themselves, not the inputs one "
                    "character on" if shift == 0 else
                    f"window {k}: the targets are the inputs moved {shift} characters, not 1"
                    if shift is not None else
                    f"window {k}: the targets are not the {L} characters after the inputs")
    if len({tuple(x) for x, _ in windows}) == 1:
        p = next(p for p in range(len(text)) if text[p:p + L] == windows[0][0])
        return f"the same window, text[{p}:{p + L}], at each of the {len(windows)} updates"
    return ""

def state_problem(args, results):
    """(why, carried): why the h_prev, C_prev passed to the forwards (args) are not both zeros or
    both the h, C an earlier forward returned (results: (loss, h, C, cache)), "" if they are; how
    many times they were carried on."""
    def flat(value):
        try:
            return np.asarray(value, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            return None
    def same(a, b):
        return a is not None and b is not None and a.shape == b.shape and \
            np.allclose(a, b, rtol=1e-6, atol=1e-9)
    before, carried = [], 0              # (h, C) returned by each forward so far, the last first
    for k, (given, result) in enumerate(zip(args, results), 1):
        h, C = (flat(v) for v in given[2:4]) if len(given) >= 4 else (None, None)
        if h is not None and C is not None and not h.any() and not C.any():
            pass
        elif any(same(h, rh) and same(C, rC) for rh, rC in before):
            carried += 1
        else:
            def what(x):
                return ("zeros" if x is not None and not x.any() else
                        next((f"the {n} {'the last' if j == 0 else 'an earlier'} forward returned"
                              for j, pair in enumerate(before) for n, r in zip("hC", pair)
                              if same(x, r)), None) or
                        "neither zeros nor a state a forward returned" +
                        ("" if x is None or not x.size else f" (largest |value| "
                         f"{np.abs(x).max():.3g})"))
            return f"window {k}: h_prev was {what(h)}; C_prev was {what(C)}", carried
        ok = isinstance(result, tuple) and len(result) >= 3
        before.insert(0, (flat(result[1]), flat(result[2])) if ok else (None, None))
    return "", carried

def check_gates_dict(cl, gates_dict, cell_states, p, capture, test_ids, run):
    """TODO 10: each gate and cell state kept equals the returned LSTM's own, recomputed from the
    ids and states of the forward call that read test_seq (its ids from zeros, if no such call
    was seen)."""
    if p is None:                                   # nothing to recompute from: shapes only
        first = as_steps(gates_dict.get("forget")) if isinstance(gates_dict, dict) else None
        ours = {"forget": np.zeros((len(test_ids), 0 if first is None else first.shape[1]))}
    else:
        ours = replay(p, *(capture[2][0], *map(np.ravel, capture[2][2:4])) if capture
                      else (test_ids,))
    T, H = ours["forget"].shape
    for key, values in [(g, gates_dict.get(g) if isinstance(gates_dict, dict) else None)
                        for g in GATES] + [("cell", cell_states)]:
        name, arr = f"gates_dict[{key!r}]" if key != "cell" else "cell_states", as_steps(values)
        # a cell state list that keeps C_{-1} (zeros) first: drop it
        arr = arr[1:] if arr is not None and len(arr) == T + 1 and not arr[0].any() else arr
        if arr is None or arr.shape != (T, H):
            return cl.add("10", name, False, f"{describe(values)}, not {T} vectors of {H} values",
                          HINT_10)
        run.setdefault("style", values)             # their own container style, for TODO 11-13
        if p is None:
            continue
        if not np.allclose(arr, ours[key], rtol=1e-6, atol=1e-8):
            t = int(np.argmax(np.abs(arr - ours[key]).max(axis=1) > 1e-6))
            holds = next((f": it holds the {k} values" for k, v in ours.items() if k != key and
                          np.shape(v) == arr.shape and np.allclose(arr, v)), "")
            return cl.add("10", name, False, f"step {t} differs from the LSTM's {key} by "
                          f"{np.abs(arr[t] - ours[key][t]).max():.3g}{holds}", HINT_10)
    cl.add("10", "gates_dict, cell_states", True if p else None,
           f"{T} steps x {H} units, equal to the LSTM's own" if p
           else "not compared: the returned lstm has no Wf ... Why (or Wy)")

def synthetic_gates(run, flip=False):
    """Gates and cells of known, distinct statistics, in the container style of the learner's
    gates_dict (a (T, H) array by default): (gates_dict, cell_states, sequence,
    {gate: (T, H) values})."""
    rng = np.random.default_rng(20)
    values = {g: sigmoid(rng.normal(mu, sd, (20, 12)))
              for g, mu, sd in zip(GATES, (1.2, -.9, .2), (2.5, 2.2, 3.4))}
    values = {g: 1 - values[h] for g, h in zip(GATES, GATES[1:] + GATES[:1])} if flip else values
    style = run.get("style", np.zeros((1, 1)))      # (T, H) or (T, H, 1) array, or T rows of them
    row = np.ndim(style[0]) if isinstance(style, (list, tuple, np.ndarray)) and len(style) else 1
    as_rows = {1: lambda v: v, 2: lambda v: v[:, :, None]}.get(row, lambda v: v)
    theirs = ((lambda v: as_rows(v).copy()) if isinstance(style, np.ndarray)
              else lambda v: list(as_rows(v)))
    return ({g: theirs(v) for g, v in values.items()}, theirs(rng.normal(0, 1.5, (20, 12))),
            "abc" * 6 + "ab", values)

def shown(text, values, percent):
    """True if `text` prints one of `values` at its printed precision (see printed_as)."""
    return printed_as(text, values, percent) is not None

def printed_as(text, values, percent):
    """The number in `text` that prints one of `values` at its printed precision, as written, or
    None (see number_match)."""
    m = number_match(text, values, percent)
    return m and m.group(0).replace(" ", "").replace("\t", "")

def number_match(text, values, percent):
    """The match of the first number in `text` that prints one of `values` at its printed
    precision, or None: a number followed by % as a percentage; one without % as the value itself
    or, for a share (percent), as a percentage or as a fraction of 2+ decimals (so that the labels
    "> 0.9" and "< 0.1" are not taken for shares)."""
    for m in re.finditer(r"(?<![\w.])[-+]?(\d+\.?\d*|\.\d+)(?:[eE]([-+]?\d+))?([ \t]*%)?", text):
        x, places = float(m.group(0).rstrip("% \t")), len((m.group(1) + ".").split(".")[1])
        tol = 0.5 * 10.0 ** (int(m.group(2) or 0) - places) + 1e-9
        scales = ((100,) if m.group(3) else (1,) if not percent
                  else (100, 1) if places >= 2 else (100,))
        if any(abs(x - s * v) <= tol for v in values for s in scales):
            return m
    return None

GATE_WORDS = {"forget": r"forget|\bf_t\b", "input": r"input|\bi_t\b", "output": r"output|\bo_t\b"}

def gate_lines(text, gate):
    """What `text` prints about `gate`: the first line that names it and no other gate, with the
    lines after it up to a blank line or a line naming a gate; "" if no line names it alone."""
    lines = text.splitlines()
    def named(line):
        return {g for g, words in GATE_WORDS.items() if re.search(words, line, re.IGNORECASE)}
    start = next((k for k, line in enumerate(lines) if named(line) == {gate}), None)
    if start is None:
        return ""
    end = next((k for k in range(start + 1, len(lines)) if not lines[k].strip() or named(lines[k])),
               len(lines))
    return "\n".join(lines[start:end])

def stat_mistakes(values, gate):
    """{statistic: [(value, why, percent)]}: what a slip in TODO 12 would print for `gate`, in
    the order they are tried (the variance, a fraction, another gate's value, ...); percent None:
    the number as written, a % after it or not."""
    v, others = values[gate], [g for g in GATES if g != gate]
    steps = v.mean(axis=1)                          # one mean per step: a common slip
    def shares(x):
        return (x > OPEN).mean(), (x < CLOSED).mean()
    return {
        "mean": [(values[g].mean(), f"the {g} gate's?", 0) for g in others],
        "std": [(v.var(), "the variance?", 0),
                (steps.std(), "over the per-step means, not all the values?", 0)]
               + [(values[g].std(), f"the {g} gate's?", 0) for g in others],
        f"% > {OPEN}": [(shares(v)[0], "a fraction, not a percent?", None),
                        (shares(steps)[0], "over the per-step means, not all the values?", 1),
                        (shares(v)[1], f"the % < {CLOSED}?", 1)]
                       + [(shares(values[g])[0], f"the {g} gate's?", 1) for g in others],
        f"% < {CLOSED}": [(shares(v)[1], "a fraction, not a percent?", None),
                          (shares(steps)[1], "over the per-step means, not all the values?", 1),
                          (shares(v)[0], f"the % > {OPEN}?", 1)]
                         + [(shares(values[g])[1], f"the {g} gate's?", 1) for g in others]}

def stats_detail(out, gate, values, stats, missing):
    """For each missing statistic, what the gate's lines printed in its place, if that is a known
    slip ("std printed 0.118, expected 0.3433 (the variance?)"), else that it was not printed."""
    lines = gate_lines(out, gate)
    numbers = re.sub(r"[<>]=?\s*0?\.[19]\b", " ", lines)   # the labels "> 0.9", "< 0.1"
    for name, x, pct in stats:                    # a statistic printed right is no one's slip
        m = None if name in missing else number_match(numbers, x, pct)
        numbers = numbers if m is None else numbers[:m.start()] + " " + numbers[m.end():]
    parts, unexplained, mistakes = [], False, stat_mistakes(values, gate)
    for name, x, pct in stats:
        if name not in missing:
            continue
        want = f"{x[0] * (100 if pct else 1):.4g}"
        hit = next(((found, why) for value, why, share in mistakes[name]
                    for found in [printed_as(numbers.replace("%", " ") if share is None
                                             else numbers, [value], bool(share))] if found), None)
        parts.append(f"{name} printed {hit[0]}, expected {want} ({hit[1]})" if hit
                     else f"{name} {want} not printed")
        unexplained = unexplained or not hit
    where = (f"; the {gate} gate's lines: {short(' '.join(lines.split()), 70)}" if lines
             else f"; no line names the {gate} gate alone")
    return "; ".join(parts) + (where if unexplained else "")

def check_analysis(cl, module, seed, run):
    """TODO 11-12: analyze_gates, given gates of known statistics, draws them and prints each
    gate's mean, std, % > 0.9 and % < 0.1."""
    fn, (gates, cells, sequence, values) = cl.find("analyze_gates"), synthetic_gates(run)
    with watching(module, []):
        out, ran = cl.call("11", "analyze_gates(gates_dict, cell_states, test_seq)", quietly, fn,
                           gates, cells, sequence) if fn else (None, False)
    if not ran:
        return
    panels = [ax for n in plt.get_fignums() for ax in plt.figure(n).axes
              if ax.images or ax.lines or ax.collections]
    cl.add("11", "draws the gates", bool(panels), f"{len(panels)} panel(s) with data",
           "TODO 11 draws each gate over the steps, e.g. "
           "plt.imshow(np.array(gates_dict['forget']).reshape(len(sequence), -1).T)")
    for gate, v in values.items():
        stats = [("mean", [v.mean()], 0), ("std", [v.std(), v.std(ddof=1)], 0),
                 (f"% > {OPEN}", [(v > OPEN).mean()], 1),
                 (f"% < {CLOSED}", [(v < CLOSED).mean()], 1)]
        missing = [name for name, x, percent in stats if not shown(out[0], x, percent)]
        cl.add("12", f"{gate} gate statistics", not missing,
               stats_detail(out[0], gate, values, stats, missing) if missing else
               ", ".join(f"{name} {x[0] * (100 if pct else 1):.4g}" for name, x, pct in stats),
               f"TODO 12 prints, for each gate, the mean and std of all its values and the % of "
               f"them above {OPEN} and below {CLOSED}")

def check_report(cl, module, seed, run):
    """TODO 13: write_report runs, prints a report, and the report changes with the gates."""
    fn, texts = cl.find("write_report"), []
    for flip in (False, True):
        gates, _, sequence, _ = synthetic_gates(run, flip)
        with watching(module, []):
            out, ran = cl.call("13", "write_report(gates_dict, test_seq)", quietly, fn, gates,
                               sequence) if fn else (None, False)
        if not ran:
            return
        texts.append(out[0].strip())
    cl.add("13", "report follows the gates", texts[0] and texts[0] != texts[1],
           "it prints nothing" if not texts[0] else
           "the same text for two different gates_dicts" if texts[0] == texts[1] else
           f"{len(texts[0].splitlines())} lines, changing with the gates",
           "TODO 13 answers the five questions from the numbers in gates_dict (means, shares, "
           "per character), not with fixed text")

# ---- Data: an English text written for this pack, so that samples can show real words ---------
DEFAULT_CORPUS = "\n\n".join([  # the same text as Exercise 1's, one paragraph a line
    'The river town woke slowly in the cold morning. A baker opened the door of his shop and set the first loaves of bread on the long wooden table by the window. The smell of warm bread drifted down the street, past the old stone bridge and the small green boats that waited by the water. A girl with a red scarf walked to the school on the hill, and she stopped on the bridge to watch the river carry the last leaves of the year towards the sea.',
    'Her name was Nora, and she liked to count things. She counted the boats, the birds on the roof of the mill, and the steps that led from the bridge to the school. There were forty steps. On some days there were forty one, because she lost count when a friend called her name. Her teacher said that counting was the start of all science, and that a good question was worth more than a quick answer. Nora kept her questions in a small blue notebook, and every evening she read them again by the light of the kitchen lamp.',
    'In the spring the river rose and the water came up to the road. The people of the town carried sand in heavy bags and built a low wall along the bank. The baker gave bread to everyone who worked on the wall, and the children carried water and warm tea. When the rain stopped, the river went down again, and the town was quiet and tired and glad. Nora wrote in her notebook that water always finds the lowest place, and that people find each other when the water is high.',
    'In the summer the days were long and the light stayed late over the hills. The children swam in the slow part of the river, where the water was clear and the stones were smooth and round. Old men sat on the bench near the bridge and talked about the weather, the price of bread, and the years when the winters were colder. A cat slept on the warm wall of the mill, and nobody asked it to move. Nora walked along the bank with her notebook and wrote down the names of the plants, the colours of the stones, and the time when the first star came out at night.',
    'In the autumn the wind turned and the leaves fell into the river again. The school on the hill opened its doors, and the teacher asked the children to write about something they had learned. Nora wrote about the river. She wrote that it was never the same river, because the water was always new, but that the town remembered it as one river, because the town remembered the bridge, the mill, the boats and the steps. She wrote that memory is what keeps a thing the same when all of its parts have changed.',
    'The teacher read the story to the class and asked what they thought. One boy said that the river was just water and that was all. Another girl said that the river was the sound it made at night. Nora said that the river was the way the water went, and the way the town walked beside it. The teacher smiled and wrote a new question on the board: what does a river remember, and what does it forget? The children thought about it for a long time, and nobody gave a quick answer.',
    'In the winter the river froze at the edges and the boats were pulled up onto the bank. The baker baked more bread than ever, because the cold made people hungry, and the smell of the shop reached all the way to the bridge. Nora counted the steps to the school once more, and there were forty. She wrote the number in her notebook, closed it, and walked up the hill in the snow, while the river went on below the ice, slow and dark and patient, carrying the year away to the sea.',
    'When Nora was older she went to work at the mill with her uncle. The mill was old and loud, and the great wheel turned in the water from the first light of the day until the evening. Her uncle showed her how the water pushed the wheel, how the wheel turned the stones, and how the stones made flour for the bread. He said that a mill is a way of asking the river to work for the town, and that the river always answers, but only in its own time. Nora wrote down how fast the wheel turned in each season. It turned fast in the spring, when the water was high, and slow in the summer, when the water was low.',
    'One day a man came from the city with a long coat and a box of papers. He said that the town should build a new bridge, a wide bridge for trucks, and that the old stone bridge was too small and too slow for the modern world. The people of the town met in the school to talk about it. Some said that a new bridge would bring work and money. Others said that the old bridge was the heart of the town, and that a heart is not something you replace because it is small. The baker said nothing for a long time, and then he said that bread is also small and slow, and that nobody wants to live without it.',
    'Nora stood up and read from her notebook. She read the number of boats that crossed under the bridge each week, the number of people who walked over it each morning, and the days when the river had risen almost to the top of the arch. She said that the old bridge had stood through every flood in her notebook, and that the town should learn what the bridge knew before it decided to forget it. The room was quiet. Then the man from the city asked if he could read the notebook, and Nora gave it to him.',
    'He read it that night in the small hotel by the square, and in the morning he walked to the bridge and counted the steps to the school himself. There were forty. He came back to the school and said that the town did not need a wide bridge in the middle, but a small road around the hill for the trucks, and that the old bridge should stay as it was. The people of the town were surprised, and the baker laughed and gave him a loaf of bread for the road home.',
    'Years later, when Nora was a teacher in the school on the hill, she asked her own class the old question about the river. What does a river remember, and what does it forget? A small boy with cold hands said that the river forgets the water, because the water always leaves, but that it remembers the shape of the bank, because the bank stays. Nora wrote his answer on the board, and under it she wrote the date, and the number of steps from the bridge to the school, which was still forty.\n',
])

if __name__ == "__main__":
    sys.exit(main())

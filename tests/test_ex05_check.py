"""Tests for Exercise 5's --check (exercise_05_solution.check_attempt): correct GRUs in several styles pass,
each planted bug is named first at its TODO and value, the course's attempt files (tests/course/ex5) get
the verdict their EXPECT line states, and no input gives a traceback. In-process calls, except where the
command line itself is under test."""
import glob
import os
import re
import subprocess
import sys

import pytest

import exercise_05_solution as ex5

HERE = os.path.dirname(os.path.abspath(__file__))
STUB_STYLE = os.path.join(HERE, "learner_attempt_ex5.py")
COURSE = os.path.join(HERE, "course")
NAMES = '("Wr", "br", "Wz", "bz", "Wh", "bh", "Wy", "by")'
TAIL = '''

import time


def count_parameters(model):
    # TODO 9: every weight and bias
    return sum(v.size for k, v in vars(model).items() if k[0] in "Wb" and isinstance(v, np.ndarray))


def train_model(model, text, char_to_idx, num_iterations=1000):
    # TODO 10: loss and seconds of every iteration
    ids, losses, times = [char_to_idx[c] for c in text], [], []
    for n in range(num_iterations):
        start = time.time()
        p = (25 * n) % (len(ids) - 26)
        x, y = ids[p:p + 25], ids[p + 1:p + 26]
        if not hasattr(model, "bz"):                     # the course's LSTM, through its own API
            zeros = np.zeros((model.hidden_size, 1))
            loss, _, _, cache = model.forward(x, y, zeros, zeros)
            model.update_weights(model.backward(x, y, cache))
        else:
            out = model.forward(x, y, np.zeros(len(model.bz)))
            model.backward()
            model.update_weights(0.01)
            loss = out[0] if isinstance(out, tuple) else out
        times.append(time.time() - start)
        losses.append(loss)
    return losses, times
'''
# Another learner's GRU: (H+D, H) weights used as concat @ W, min-char-rnn dict caches in a tuple,
# forward returns (loss, h), backward returns a grads dict (also kept), Adagrad with epsilon outside.
OTHER_STYLE = '''"""A GRU with (H+D, H) weights and row vectors."""
import numpy as np

NAMES = ''' + NAMES + '''


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        # TODO 1: weights
        D, H, V = input_size, hidden_size, output_size
        self.D, self.H = D, H
        # TODO 2: reset gate
        self.Wr, self.br = np.random.randn(H + D, H) * 0.01, np.zeros(H)
        # TODO 3: update gate
        self.Wz, self.bz = np.random.randn(H + D, H) * 0.01, np.zeros(H)
        # TODO 4: candidate
        self.Wh, self.bh = np.random.randn(H + D, H) * 0.01, np.zeros(H)
        # TODO 5: output
        self.Wy, self.by = np.random.randn(V, H) * 0.01, np.zeros(V)
        self.mem = {k: np.zeros_like(getattr(self, k)) for k in NAMES}

    def cat(self, h, x):
        return np.concatenate([h, x])

    def hpart(self, v):
        return v[:self.H]

    def forward(self, inputs, targets, h_prev):
        # TODO 6: forward
        xs, hs, rs, zs, cs, ps = {}, {-1: np.copy(h_prev)}, {}, {}, {}, {}
        loss = 0.0
        for t, (i, j) in enumerate(zip(inputs, targets)):
            xs[t] = np.eye(self.D)[i]
            a = self.cat(hs[t - 1], xs[t])
            rs[t] = 1 / (1 + np.exp(-(a @ self.Wr + self.br)))
            zs[t] = 1 / (1 + np.exp(-(a @ self.Wz + self.bz)))
            cs[t] = np.tanh(self.cat(rs[t] * hs[t - 1], xs[t]) @ self.Wh + self.bh)
            hs[t] = (1 - zs[t]) * hs[t - 1] + zs[t] * cs[t]
            s = self.Wy @ hs[t] + self.by
            ps[t] = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
            loss -= np.log(ps[t][j])
        cache = (list(targets), xs, hs, rs, zs, cs, ps)
        self.cache = cache
        return loss, hs[len(inputs) - 1]

    def backward(self):
        # TODO 7: backward
        targets, xs, hs, rs, zs, cs, ps = self.cache
        g = {"d" + k: np.zeros_like(getattr(self, k)) for k in NAMES}
        dh_next = np.zeros(self.H)
        for t in reversed(range(len(targets))):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            g["dWy"] += np.outer(dy, hs[t])
            g["dby"] += dy
            dh = self.Wy.T @ dy + dh_next
            dc = dh * zs[t] * (1 - cs[t] ** 2)
            dz = dh * (cs[t] - hs[t - 1]) * zs[t] * (1 - zs[t])
            g["dWh"] += np.outer(self.cat(rs[t] * hs[t - 1], xs[t]), dc)
            g["dbh"] += dc
            drh = self.hpart(self.Wh @ dc)
            dr = drh * hs[t - 1] * rs[t] * (1 - rs[t])
            a = self.cat(hs[t - 1], xs[t])
            g["dWz"] += np.outer(a, dz)
            g["dbz"] += dz
            g["dWr"] += np.outer(a, dr)
            g["dbr"] += dr
            dh_next = dh * (1 - zs[t]) + drh * rs[t] + self.hpart(self.Wz @ dz) + self.hpart(self.Wr @ dr)
        for v in g.values():
            np.clip(v, -5, 5, out=v)
        self.grads = g
        return g

    def update_weights(self, learning_rate):
        # TODO 8: update
        for k in NAMES:
            d = self.grads["d" + k]
            self.mem[k] += d * d
            getattr(self, k)[...] -= learning_rate * d / (np.sqrt(self.mem[k]) + 1e-8)
''' + TAIL
with open(STUB_STYLE, encoding="utf-8") as handle:
    STUB = handle.read() + TAIL
X_FIRST = (("return np.concatenate([h, x])", "return np.concatenate([x, h])"),
           ("return v[:self.H]", "return v[self.D:]"))
PYTORCH = (("hs[t] = (1 - zs[t]) * hs[t - 1] + zs[t] * cs[t]", "hs[t] = zs[t] * hs[t - 1] + (1 - zs[t]) * cs[t]"),
           ("dc = dh * zs[t] *", "dc = dh * (1 - zs[t]) *"), ("dz = dh * (cs[t] - hs[t - 1])", "dz = dh * (hs[t - 1] - cs[t])"),
           ("dh_next = dh * (1 - zs[t]) +", "dh_next = dh * zs[t] +"))


def write(folder, source, edits=(), name="attempt.py"):
    """`source` with each (old, new) of `edits` applied (each old must be there), saved in `folder`."""
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    path = os.path.join(str(folder), name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(source)
    return path


def check(tmp_path, source, edits=()):
    return ex5.check_attempt(write(tmp_path, source, edits)).rows


def first_failure(rows):
    return next(row for row in rows if row[2] is False)


def style(value):
    """Short test ids for the two attempt sources."""
    return {id(STUB): "stub-style", id(OTHER_STYLE): "other-style"}.get(id(value))


def todos(field):
    """The TODO numbers of a row's field or an EXPECT line: "6", "22, 25", "1-5" -> {1, 2, 3, 4, 5}."""
    numbers = set()
    for a, b in re.findall(r"(\d+)(?:\s*-\s*(\d+))?", field):
        numbers |= set(range(int(a), int(b or a) + 1))
    return numbers


# ---- correct attempts pass ------------------------------------------------------------------------
def test_the_solution_passes_its_own_check(capsys):
    assert ex5.main(["--check", ex5.__file__]) == 0
    out = capsys.readouterr().out
    assert "all 21 compared items match" in out and "Adagrad, epsilon 1e-08 inside the square root" in out


@pytest.mark.parametrize("source,edits,found", [
    (STUB, (), "plain SGD"),
    (OTHER_STYLE, (), "Adagrad, epsilon 1e-08 outside the square root"),
    (OTHER_STYLE, (("/ (np.sqrt(self.mem[k]) + 1e-8)", "/ np.sqrt(self.mem[k] + 1e-6)"),),
     "Adagrad, epsilon 1e-06 inside the square root"),
    (OTHER_STYLE, X_FIRST, "concat [x_t, h_prev]"),
    (OTHER_STYLE, PYTORCH, "PyTorch's convention"),
    # an Adagrad memory named G, keyed by parameter like a gradients dict: given no gradients
    (OTHER_STYLE, (("self.mem", "self.G"),), "Adagrad, epsilon 1e-08 outside the square root"),
    (OTHER_STYLE, (("self.cache = cache", "self.cache = lambda: cache"), ("= self.cache\n", "= self.cache()\n")),
     "judged through the loss and gradients"),
], ids=style)
def test_correct_styles_pass_and_say_what_was_found(tmp_path, source, edits, found):
    rows = check(tmp_path, source, edits)
    assert all(row[2] is not False for row in rows), [row for row in rows if row[2] is False]
    assert sum(row[2] is True for row in rows) >= 10
    assert any(found in row[3] for row in rows), rows


# ---- single bugs are named first, at their TODO and value -----------------------------------------
@pytest.mark.parametrize("source,edits,todo,what,said", [
    # one step: each equation on its own (the planted bugs of the first --check, kept)
    (STUB, [("np.concatenate([r * h, x]) + self.bh", "np.concatenate([h, x]) + self.bh")], "6", "h~_t, 1 step",
     "leaves r_t out of h~_t"),
    (STUB, [("dz_raw = dh * (h_tilde - h) * z * (1 - z)", "dz_raw = dh * (h_tilde - h)")], "7", "dWz dbz, 1 step",
     "dWz differs"),
    (STUB, [("dh_next = dh * (1 - z) + d_rh * r +", "dh_next = d_rh * r +")], "7", "dh_next, 1 step", "differs"),
    (STUB, [("d_rh = (self.Wh.T @ dh_tilde_raw)[:H]", "d_rh = (self.Wh.T @ dh_tilde_raw)[H:]")], "7", "backward()",
     "ValueError"),
    # the forward in PyTorch's convention is accepted, so the backward left in the course's is the bug
    (STUB, [("h_new = (1 - z) * h + z * h_tilde", "h_new = z * h + (1 - z) * h_tilde")], "7", "dWh dbh, 1 step",
     "differs"),
    (STUB, [("self.Wr = np.random.randn(hidden_size, n)", "self.Wr = np.random.randn(hidden_size, input_size)")],
     "2", "Wr", "has shape (4, 5)"),
    (STUB, [("h_tilde = np.tanh(self.Wh @ np.concatenate([r * h, x]) + self.bh)",
             "h_tilde = np.tanh(r * (self.Wh[:, :len(h)] @ h) + self.Wh[:, len(h):] @ x + self.bh)")], "6",
     "h~_t, 1 step", "PyTorch's form"),
    (STUB, [("h_new = (1 - z) * h + z * h_tilde", "h_new = z * (h + h_tilde)")], "6", "h_t, 1 step",
     "mixes z_t in: h_t = z_t * h_prev + z_t * h~_t"),
    # several steps: only what flows between steps differs
    (STUB, [("h = self.h_states[-1]", "h = self.h_states[0]")], "6", "r_t at step 2 of 6", "step 1 matches"),
    (STUB, [("        return loss\n", "        return loss / len(inputs)\n")], "6", "loss over 6 steps",
     "divided by the number of steps"),
    (STUB, [("dh = self.Wy.T @ dy + dh_next", "dh = self.Wy.T @ dy")], "7", "dWh over 6 steps", "one step matched"),
    (STUB, [('setattr(self, "d" + name, np.zeros_like(getattr(self, name)))',
             'setattr(self, "d" + name, getattr(self, "d" + name, np.zeros_like(getattr(self, name))))')],
     "7", "dWy over 6 steps", "differs"),
    (STUB, [('np.clip(getattr(self, "d" + name), -5, 5, out=getattr(self, "d" + name))', "pass")], "7",
     "clipping, 30 steps", "not clipped"),
    # the update rule, over two calls
    (STUB, [("learning_rate * getattr(self", "learning_rate * 2 * getattr(self")], "8", "update_weights",
     "plain SGD at learning rate 0.2, not the 0.1 given"),
    (STUB, [("getattr(self, name) - learning_rate", "getattr(self, name) + learning_rate")], "8", "update_weights",
     "up the gradient"),
    (STUB, [(f'for name in {NAMES}:\n            setattr(self, name, getattr',
             'for name in ("Wr", "br", "Wz", "bz", "Wh", "bh", "Wy"):\n            setattr(self, name, getattr')],
     "8", "update_weights", "by: did not change"),
    (OTHER_STYLE, [("self.mem[k] += d * d", "self.mem[k] = d * d")], "8", "update_weights", "memory overwritten"),
    (OTHER_STYLE, [("            self.mem[k] += d * d\n", ""), ("+ 1e-8)\n", "+ 1e-8)\n            self.mem[k] += d * d\n")],
     "8", "update_weights", "step 1 moved by learning_rate * d / 1e-08 (1e+08 x an SGD step"),
    # count_parameters and train_model
    (STUB, [('k[0] in "Wb"', 'k[0] == "W"')], "9", "count_parameters(GRU", "expected 26,358"),
    (STUB, [("    return losses, times\n", "    return losses\n")], "10", "train_model(GRU", "not (losses, times)"),
    (STUB, [("times.append(time.time() - start)", "times.append(time.time() - began)"),
            ("    for n in range(num_iterations):\n", "    began = time.time()\n    for n in range(num_iterations):\n")],
     "10", "train_model(GRU", "the time since the start"),
    # the learner's own exits and errors are rows
    (STUB, [("loss = 0.0\n", "loss = 0.0\n        raise SystemExit(3)\n")], "6", "forward", "SystemExit(3)"),
    (STUB, [("dh_next = np.zeros(H)\n", "dh_next = np.zeros(H)\n        raise KeyboardInterrupt\n")], "7",
     "backward()", "KeyboardInterrupt"),
    (STUB, [("class GRU:", "class Gru:")], "1-8", "class GRU", "not in your file"),
    (STUB, [("self.Wz = np.random.randn(hidden_size, n) * 0.01", "self.Wz = None")], "3", "Wz", "is None"),
], ids=style)
def test_a_planted_bug_is_named_first_at_its_todo(tmp_path, source, edits, todo, what, said):
    rows = check(tmp_path, source, edits)
    row = first_failure(rows)
    assert row[0] == todo and row[1].startswith(what) and said in row[3] + row[4], row
    assert not any(row[0] == "-" and row[1].startswith("could not compare") for row in rows), rows


def test_the_time_limit_is_never_taken_for_a_forward_that_needs_arrays(tmp_path):
    """A forward stopped by the time limit is a FAIL row, never retried (a retry would run untimed)."""
    rows = check(tmp_path, STUB, [("loss = 0.0\n", "loss = 0.0\n        if isinstance(inputs, list):\n"
                                   "            raise TimeoutError('still running after 10 s')\n")])
    row = first_failure(rows)
    assert row[0] == "6" and row[1].startswith("forward") and "TimeoutError" in row[3], row


@pytest.mark.parametrize("name,said", [
    ("bug_todo8_adagrad_memory_after_step.py", "learning_rate * d / 1e-04 (1e+04 x an SGD step; 1e-04 = sqrt(1e-08))"),
    ("bug_todo6_x_from_first_input.py", "x_t the one-hot of step t's own input"),
])
def test_course_attempts_hear_what_their_step_did(name, said):
    row = first_failure(ex5.check_attempt(os.path.join(COURSE, "ex5", name)).rows)
    assert said in row[3] + row[4], row


def test_one_step_rows_name_the_cache_and_skip_without_crashing(tmp_path, capsys):
    rows = check(tmp_path, STUB, [("r_gates", "reset_memory_1")])     # an unusual name: found by value
    assert ("6", "r_t, 1 step", True, "as self.reset_memory_1") == rows[2][:4]
    path = write(tmp_path, OTHER_STYLE, [("self.cache = cache", "self.cache = lambda: cache"),
                                         ("= self.cache\n", "= self.cache()\n"),
                                         ("hs[t] = (1 - zs[t]) * hs[t - 1] + zs[t] * cs[t]", "hs[t] = cs[t]")])
    checklist = ex5.check_attempt(path)
    assert [row[2] for row in checklist.rows[2:7]] == [None, None, True, False, None]   # h~_t: what it returns
    assert checklist.report(ex5.CHECK_TITLE) == 1
    out = capsys.readouterr().out
    assert "skip  TODO 6       r_t, 1 step" in out and "has no update gate: h_t = h~_t" in out


# ---- the course's attempt files (tests/course/ex5) ------------------------------------------------
@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(COURSE, "ex5", "*.py"))),
                         ids=os.path.basename)
def test_course_attempts_get_the_verdict_they_expect(path, capsys):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    expect = re.search(r"EXPECT:\s*(pass|FAIL TODO [\d ,\-]+)", text).group(1)
    checklist = ex5.check_attempt(path)
    code = checklist.report(ex5.CHECK_TITLE)
    assert "Traceback" not in capsys.readouterr().out
    assert not any(row[1].startswith("could not compare") for row in checklist.rows), checklist.rows
    if expect == "pass":
        assert code == 0 and all(row[2] is not False for row in checklist.rows), checklist.rows
    else:
        row = first_failure(checklist.rows)
        assert code == 1 and todos(row[0]) & todos(expect), (expect, row)


# ---- the checker's own edges: one line and exit 2, or a FAIL row; never a traceback ---------------
@pytest.mark.parametrize("make,match", [
    (lambda d: write(d, STUB, name="attempt.txt"), "ending in .py"),
    (lambda d: str(d), "is a folder"),
    (lambda d: os.path.join(str(d), "missing.py"), "no file"),
    (lambda d: (d / "latin1.py").write_bytes(b"# caf\xe9\nimport numpy\n") and str(d / "latin1.py"), "UTF-8"),
    (lambda d: write(d, "import sys\nsys.path.append('..')\nfrom implementation import LSTM\n" + STUB),
     "needs the course's implementation.py in the folder above it"),
])
def test_files_that_cannot_be_checked_get_one_line_and_exit_2(tmp_path, capsys, make, match):
    with pytest.raises(ex5.CheckSetupError, match=match):
        ex5.check_attempt(make(tmp_path))
    assert ex5.main(["--check", make(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and match in err


def test_a_bad_seed_is_refused_before_the_file_is_imported(tmp_path, capsys):
    marker = tmp_path / "imported"
    path = write(tmp_path, f"open({str(marker)!r}, 'w').close()\n" + STUB)
    assert ex5.main(["--check", path, "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--seed" in err and not marker.exists()
    with pytest.raises(ValueError, match="seed"):
        ex5.check_attempt(path, seed=-1)


def test_sys_exit_at_import_is_a_fail_not_a_silent_pass(tmp_path):
    path = write(tmp_path, "import sys\nsys.exit(0)\n" + STUB)
    run = subprocess.run([sys.executable, ex5.__file__, "--check", path], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1 and "FAIL" in run.stdout and "SystemExit(0)" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


@pytest.mark.skipif(not os.path.exists(os.path.join(COURSE, "implementation.py")), reason="no course stand-in")
def test_an_attempt_in_the_course_layout_runs_from_any_folder(tmp_path):
    """The course's file does sys.path.append('..') and imports implementation: --check finds it from
    the file's own folder, whatever the current directory."""
    (tmp_path / "exercises").mkdir()
    with open(os.path.join(COURSE, "implementation.py"), encoding="utf-8") as handle:
        (tmp_path / "implementation.py").write_text(handle.read())
    head = "import sys\nsys.path.append('..')\nfrom implementation import LSTM\n"
    path = write(tmp_path / "exercises", head + STUB)
    run = subprocess.run([sys.executable, ex5.__file__, "--check", path], capture_output=True, text=True,
                         timeout=120, cwd=HERE)
    assert run.returncode == 0 and "count_parameters(LSTM H=64 V=54)   33974" in run.stdout, run.stdout + run.stderr
    assert run.stderr == ""

"""Tests for Exercise 1's --check: a learner's LSTMFromScratch graded TODO by TODO, value by value.

The course-style attempts in tests/course/ex1/*.py (written by people who had not seen the checker) each say
in their first docstring line what --check must conclude: `EXPECT: pass`, or `EXPECT: FAIL TODO n[, m]`
(ranges like 19-23 allowed), the TODO their one bug belongs to. Planted bugs in tests/learner_attempt_ex1.py
and a few files written here cover the checker's own edges.
"""
import glob
import os
import re
import subprocess
import sys

import pytest

import solution_01_lstm_implementation as ex1

HERE = os.path.dirname(os.path.abspath(__file__))
ATTEMPT = os.path.join(HERE, "learner_attempt_ex1.py")
COURSE = sorted(glob.glob(os.path.join(HERE, "course", "ex1", "*.py")))


def todos(text):
    """The TODO numbers in '6, 12' or '19-23' or '22, 25' as a set of ints."""
    numbers = set()
    for a, b in re.findall(r"(\d+)(?:-(\d+))?", text):
        numbers.update(range(int(a), int(b or a) + 1))
    return numbers


def first_failure(path):
    rows = ex1.check_attempt(str(path)).rows
    return next((todo, what, detail) for todo, what, ok, detail, _ in rows if ok is False)


@pytest.mark.parametrize("path", COURSE, ids=os.path.basename)
def test_course_attempt_gets_the_verdict_its_docstring_expects(path, capsys):
    with open(path, encoding="utf-8") as handle:
        expect = re.search(r"EXPECT: (pass|FAIL TODO ([\d ,-]+))", handle.read()).groups()
    checklist = ex1.check_attempt(path)
    assert checklist.report("title") == (0 if expect[0] == "pass" else 1)
    assert "Traceback" not in capsys.readouterr().out
    failed = [row for row in checklist.rows if row[2] is False]
    if expect[0] == "pass":
        assert not failed and sum(row[2] is True for row in checklist.rows) >= 25
    else:
        assert todos(failed[0][0]) & todos(expect[1]), failed[0]


def test_solution_itself_and_a_stub_style_attempt_pass(capsys):
    assert ex1.main(["--check", ex1.__file__]) == 0
    assert "Adagrad, epsilon inside the root" in capsys.readouterr().out
    assert ex1.main(["--check", ATTEMPT]) == 0
    out = capsys.readouterr().out
    assert "plain SGD, as the exercise file says" in out and "all 27 compared items match" in out


@pytest.mark.parametrize("line,bug,todo,detail", [
    ("concat = np.concatenate([self.h_states[-1], x])", "concat = np.concatenate([x, self.h_states[-1]])",
     "6", "no gate matches"),
    ("f = self.sigmoid(self.Wf @ concat + self.bf)", "f = self.sigmoid(self.Wi @ concat + self.bf)", "7",
     "max diff"),
    ("C = f * self.C_states[-1] + i * c_tilde", "C = f * self.C_states[-1] + c_tilde", "10", "max diff"),
    ("self.dbf += df_raw", "self.dbf += df", "23", "max diff"),
    ("dC_next = dC * self.f_gates[t]", "dC_next = dC", "24", "max diff"),
    ("dh = self.Wy.T @ dy + dh_next", "dh = self.Wy.T @ dy", "18", "differ, as ours do when"),
    ("dC_next = dC * self.f_gates[t]", "dC_next = dC * self.f_gates[t - 1]", "24",
     "differ, as ours do when"),
    ("dC_next = dC * self.f_gates[t]", "dC_next = (dC - dC_next) * self.f_gates[t]", "24",
     "with only the cell gradient dC_next passing back"),
    ("dh_next = dconcat[:H]", "dh_next = dh_next + dconcat[:H]", "26",
     "with only the hidden gradient dh_next passing back"),
    ("self.dWi += np.outer(di_raw, concat)", "self.dWi += np.outer(df_raw, concat)", "22, 25", "max diff"),
    ('np.clip(getattr(self, "d" + name), -5, 5, out=getattr(self, "d" + name))', "pass", "27",
     "largest |dby| = 2"),
    ('learning_rate * getattr(self, "d" + name))', '2 * learning_rate * getattr(self, "d" + name))', "28",
     "neither SGD nor Adagrad: step 1 moved Wf[0, 0]"),
    ("di = dC * self.C_tilde_cache[t]", "di = dC * self.C_tilde_cache[t + 99]", "22", "line 94: IndexError"),
])
def test_a_planted_bug_is_named_at_its_todo_and_value(tmp_path, line, bug, todo, detail):
    with open(ATTEMPT) as handle:
        source = handle.read()
    assert source.count(line) == 1
    planted = tmp_path / "attempt.py"
    planted.write_text(source.replace(line, bug))
    found = first_failure(planted)
    assert found[0] == todo and detail in found[2], found


def test_the_stubs_undefined_targets_gets_a_hint_about_the_exercise_file(tmp_path):
    with open(ATTEMPT) as handle:                         # as the stub has it: backward reads `targets`
        source = handle.read().replace("self.inputs_cache, self.targets = [], targets",
                                       "self.inputs_cache = []")
    planted = tmp_path / "attempt.py"
    planted.write_text(source.replace("dy[self.targets[t]]", "dy[targets[t]]")
                       .replace("len(self.targets)", "len(self.inputs_cache)"))
    row = next(row for row in ex1.check_attempt(str(planted)).rows if row[2] is False)
    assert row[0] == "16" and "NameError: name 'targets' is not defined" in row[3], row
    assert "exercise file's backward(self) reads `targets`" in row[4] and "self.targets = targets" in row[4]


def test_missing_class_and_a_learners_exceptions_are_rows_not_tracebacks(tmp_path, capsys):
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert first_failure(empty)[:2] == ("-", "LSTMFromScratch")
    broken = tmp_path / "broken.py"
    broken.write_text("class LSTMFromScratch:\n    def __init__(self, D, H, V):\n        # TODO 1: weights\n"
                      "        raise NotImplementedError('not yet')\n")
    todo, _, detail = first_failure(broken)
    assert todo == "1" and "line 4: NotImplementedError: not yet" in detail
    quits = tmp_path / "quits.py"
    quits.write_text("import sys\nsys.exit(0)\n")
    assert first_failure(quits)[2].endswith("SystemExit(0)")
    assert ex1.main(["--check", str(quits)]) == 1
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("path,fragment", [
    ("/no/such/attempt.py", "--check: no file '/no/such/attempt.py'"), (HERE, "is a folder"),
    (os.path.join(HERE, "conftest.py") + "c", "--check: "), (__file__.replace(".py", ".txt"), "--check: "),
])
def test_check_setup_problems_raise_check_setup_error(path, fragment):
    with pytest.raises(ex1.CheckSetupError, match=re.escape(fragment)):
        ex1.check_attempt(path)


def test_cli_checks_the_seed_before_importing_and_says_so_in_one_line(tmp_path):
    noisy = tmp_path / "noisy.py"
    noisy.write_text("print('imported')\n")
    result = subprocess.run([sys.executable, ex1.__file__, "--check", str(noisy), "--seed", "-1"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    assert "--seed: expected an integer in [0, 1,000,000,000], got -1" in result.stderr


@pytest.mark.parametrize("old,new,todo,detail", [
    ("        return dh_next, dC_next", "        return {'Wf': self.dWf}", "24",
     "backward returned no (dh_next, dC_next)"),
    ("    def update_weights(self, learning_rate):", "    def update_weightz(self, learning_rate):", "28",
     "no attribute 'update_weights'"),
    ("        return loss\n", "        raise KeyboardInterrupt\n", "15", "KeyboardInterrupt"),
    ("        return loss\n", "        return None\n", "15", "None"),
    ("class LSTMFromScratch:\n", "class LSTMFromScratch:\n    __slots__ = ('input_size', 'hidden_size', "
     "'output_size', 'Wf', 'bf', 'Wi', 'bi', 'Wc', 'bc', 'Wo', 'bo', 'Wy', 'by', 'inputs_cache', 'targets', "
     "'h_states', 'C_states', 'f_gates', 'i_gates', 'C_tilde_cache', 'o_gates', 'y_probs', 'dWf', 'dbf', "
     "'dWi', 'dbi', 'dWc', 'dbc', 'dWo', 'dbo', 'dWy', 'dby')\n", None, None),
])
def test_odd_attempts_get_a_row_never_a_traceback(tmp_path, old, new, todo, detail):
    with open(ATTEMPT) as handle:
        source = handle.read()
    assert source.count(old) == 1
    odd = tmp_path / "odd.py"
    odd.write_text(source.replace(old, new))
    rows = ex1.check_attempt(str(odd)).rows
    failed = [row for row in rows if row[2] is False]
    if todo is None:                                      # __slots__ instead of a __dict__: still found
        assert not failed and len(rows) == 27
    else:
        assert failed[0][0] == todo and detail in failed[0][3], failed[0]


@pytest.mark.parametrize("name,fragments", [
    ("bug_todo28_bias_sgd_weight_adagrad.py",
     ["Wf Wi Wc Wo Wy: Adagrad", "bf bi bc bo by: plain SGD", "use one rule for all ten"]),
    ("bug_todo1_5_biases_as_lists.py", ["bf, bi, bc, bo, by are Python lists", "NumPy arrays (biases np.zeros(H))"]),
    ("bug_todo27_clip_pm1_float32.py", ["clipped to [-1, 1]"]),
    ("bug_todo6_x_always_first_input.py", ["inputs_cache over 6 steps"]),
])
def test_the_first_failure_says_what_the_learner_did(name, fragments):
    todo, what, detail = first_failure(os.path.join(HERE, "course", "ex1", name))
    assert all(f in what + " " + detail for f in fragments), (todo, what, detail)
    assert "missing" not in detail and "neither" not in detail


def test_float32_rounding_passes_but_a_float32_slip_fails(tmp_path):
    # the stub-style attempt in float32: rounding near 1e-7 passes; one real slip still fails
    with open(ATTEMPT) as handle:
        source = handle.read()
    planted = tmp_path / "attempt.py"
    cast = source.replace("def forward(self, inputs, targets, h_prev, C_prev):",
                          "def forward(self, inputs, targets, h_prev, C_prev):\n"
                          "        for n in ('Wf', 'Wi', 'Wc', 'Wo', 'Wy', 'bf', 'bi', 'bc', 'bo', 'by'):\n"
                          "            setattr(self, n, getattr(self, n).astype(np.float32))", 1)
    assert cast != source
    planted.write_text(cast)
    rows = ex1.check_attempt(str(planted)).rows
    assert not [row for row in rows if row[2] is False] and "plain SGD" in rows[-1][3]
    planted.write_text(cast.replace("dC_next = dC * self.f_gates[t]", "dC_next = dC * self.f_gates[t - 1]"))
    assert todos(first_failure(planted)[0]) == {24}

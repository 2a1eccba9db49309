"""--check for Exercise 2: learner-style attempts graded TODO by TODO, and the checker's own edges.

Attempts live in tests/course/ex2/*.py beside the stand-in tests/course/implementation.py (the course's
layout: each attempt does sys.path.append('..')). Each attempt's docstring starts with "EXPECT: pass"
or "EXPECT: FAIL TODO n[, m]" (ranges like 3-6 allowed): a pass must have no FAIL row and exit 0; a
FAIL must exit 1 with its first FAIL row naming one of those TODOs.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import exercise_02_solution as ex2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COURSE = os.path.join(ROOT, "tests", "course")
ATTEMPTS = sorted(glob.glob(os.path.join(COURSE, "ex2", "*.py")))
SCRIPT = os.path.join(ROOT, "exercise_02_solution.py")
needs_course = pytest.mark.skipif(not os.path.exists(os.path.join(COURSE, "implementation.py")),
                                  reason="tests/course/implementation.py (the course's stand-in) is missing")


def todos(field):
    """'3, 6' or '19-23' -> {3, 6} or {19, ..., 23}."""
    numbers = set()
    for low, high in re.findall(r"(\d+)(?:\s*-\s*(\d+))?", field):
        numbers.update(range(int(low), int(high or low) + 1))
    return numbers


def expectation(path):
    """None for EXPECT: pass, else the set of TODOs the first FAIL may name."""
    with open(path, encoding="utf-8") as handle:
        line = re.search(r"EXPECT:\s*(.*)", handle.read()).group(1)
    return None if line.strip().lower().startswith("pass") else todos(line)


@needs_course
@pytest.mark.parametrize("path", ATTEMPTS, ids=os.path.basename)
def test_each_attempt_gets_its_expected_verdict(path, capsys):
    checklist = ex2.check_attempt(path)
    code = checklist.report("test")
    printed = capsys.readouterr().out
    fails = [row for row in checklist.rows if row[2] is False]
    want = expectation(path)
    if want is None:
        assert code == 0 and not fails and any(row[2] for row in checklist.rows), printed
    else:
        assert code == 1 and fails and todos(fails[0][0]) & want, printed
    assert "Traceback" not in printed


@pytest.fixture
def course(tmp_path):
    """A copy of the course's layout: tmp/implementation.py and tmp/ex2/, for attempts written here."""
    if not os.path.exists(os.path.join(COURSE, "implementation.py")):
        pytest.skip("tests/course/implementation.py is missing")
    shutil.copy(os.path.join(COURSE, "implementation.py"), tmp_path)
    (tmp_path / "ex2").mkdir()
    return tmp_path


def correct_attempt():
    """A correct attempt in the course's style, written for these tests."""
    return '''"""A correct attempt."""
import sys
sys.path.append('..')
from implementation import LSTM
import numpy as np
import matplotlib.pyplot as plt


def create_repeating_pattern(pattern="abc", repeats=10):
    text = pattern * repeats  # TODO 1
    chars = sorted(set(text))  # TODO 2
    return text, {c: i for i, c in enumerate(chars)}, {i: c for i, c in enumerate(chars)}


def train_and_capture_gates(text, char_to_idx, hidden_size=32, num_iterations=500):
    # TODO 3
    lstm = LSTM(len(char_to_idx), hidden_size, 25, learning_rate=0.01)
    ids = [char_to_idx[c] for c in text]
    # TODO 4
    for it in range(num_iterations):
        # TODO 5
        p = np.random.randint(0, len(ids) - 26)
        x, y = ids[p:p + 25], ids[p + 1:p + 26]
        # TODO 6
        loss, h, C, cache = lstm.forward(x, y, np.zeros((hidden_size, 1)), np.zeros((hidden_size, 1)))
        # TODO 7
        grads = lstm.backward(x, y, cache)
        # TODO 8
        lstm.update_weights(grads)
    # TODO 9
    test_seq = text[:20]
    x = [char_to_idx[c] for c in test_seq]
    _, _, _, cache = lstm.forward(x, x[1:] + x[:1], np.zeros((hidden_size, 1)), np.zeros((hidden_size, 1)))
    # TODO 10
    gates = {"forget": [cache["fs"][t] for t in range(20)], "input": [cache["i_s"][t] for t in range(20)],
             "output": [cache["os"][t] for t in range(20)]}
    return lstm, gates, [cache["Cs"][t] for t in range(20)], test_seq


def analyze_gates(gates_dict, cell_states, sequence):
    # TODO 11
    for name, values in gates_dict.items():
        plt.figure()
        plt.imshow(np.hstack(values), aspect="auto")
    # TODO 12
    for name, values in gates_dict.items():
        v = np.array(values)
        print(name, v.mean(), v.std(), 100 * (v > 0.9).mean(), 100 * (v < 0.1).mean())


def write_report(gates_dict, sequence):
    # TODO 13
    for name, values in gates_dict.items():
        print(f"{name}: mean {np.mean(values):.3f}")
'''


def write(course, text, name="attempt.py"):
    path = course / "ex2" / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def first_fail(checklist):
    return next(row for row in checklist.rows if row[2] is False)


def test_a_correct_attempt_written_here_passes(course, capsys):
    checklist = ex2.check_attempt(write(course, correct_attempt()))
    assert checklist.report("t") == 0, capsys.readouterr().out


@pytest.mark.parametrize("old, new, todo, detail", [
    ("for it in range(num_iterations):", "for it in range(10 ** 6):", "4", "still training after 105"),
    ("x, y = ids[p:p + 25], ids[p + 1:p + 26]", "x, y = ids[p:p + 25], ids[p:p + 25]", "5",
     "not the inputs one character on"),
    ("        lstm.update_weights(grads)\n", "", "8", "0 calls; loss per character"),
    ('gates = {"forget": [cache["fs"]', 'gates = {"forget": [cache["os"]', "10", "it holds the output values"),
    ("v.std()", "v.var()", "12", "expected 0.3433 (the variance?)"),
    ("p = np.random.randint(0, len(ids) - 26)", "p = 0", "5", "the same window, text[0:25]"),
    ("        loss, h, C, cache = lstm.forward(x, y, np.zeros((hidden_size, 1)), np.zeros((hidden_size, 1)))",
     "        h, C = (h, C) if it else (np.zeros((hidden_size, 1)), np.zeros((hidden_size, 1)))\n"
     "        loss, C, h, cache = lstm.forward(x, y, h, C)", "6",
     "window 2: h_prev was the C the last forward returned; C_prev was the h the last forward returned"),
    ("plt.imshow(np.hstack(values), aspect=\"auto\")", "pass", "11", "0 panel(s)"),
])
def test_a_planted_bug_is_named_first_at_its_todo(course, old, new, todo, detail):
    source = correct_attempt()
    assert old in source
    row = first_fail(ex2.check_attempt(write(course, source.replace(old, new))))
    assert row[0] == todo and detail in row[3], row


def test_stub_errors_get_the_exercise_files_fix(course):
    source = correct_attempt().replace("np.zeros((hidden_size, 1)), np.zeros((hidden_size, 1)))\n        # TODO 7",
                                       "np.zeros(hidden_size), np.zeros(hidden_size))\n        # TODO 7")
    row = first_fail(ex2.check_attempt(write(course, source)))
    assert row[0] == "6" and "needs (H, 1) states" in row[4]
    source = correct_attempt().replace("x = [char_to_idx[c] for c in test_seq]", "x = test_seq")
    row = first_fail(ex2.check_attempt(write(course, source)))
    assert row[0] == "9" and "forward needs ids" in row[4]
    source = correct_attempt().replace("learning_rate=0.01)", "learning_rate=learning_rate)\n    learning_rate = 0.01")
    row = first_fail(ex2.check_attempt(write(course, source)))
    assert row[0] == "3" and "before it defines seq_length and learning_rate" in row[4]
    with pytest.raises(ex2.CheckSetupError, match="visualization.*delete that line"):
        ex2.check_attempt(write(course, "import visualization\n" + correct_attempt()))


@pytest.mark.parametrize("source, fragment", [
    ("import sys\nsys.exit(0)\n", "SystemExit"), ("def create_repeating_pattern(:\n", "SyntaxError"),
    ("x = 1\n", "not in your file"),
])
def test_broken_files_are_fail_rows_never_a_pass(course, source, fragment, capsys):
    checklist = ex2.check_attempt(write(course, source))
    assert checklist.report("t") == 1 and fragment in capsys.readouterr().out


def test_a_checker_bug_is_a_could_not_compare_row(course, monkeypatch):
    monkeypatch.setattr(ex2, "check_pattern", lambda *args: 1 / 0)
    checklist = ex2.check_attempt(write(course, correct_attempt()))
    assert any(row[2] is None and "ZeroDivisionError" in row[3] for row in checklist.rows)


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_cli_without_implementation_py_is_one_line_exit_2(tmp_path):
    path = tmp_path / "ex2" / "attempt.py"
    path.parent.mkdir()
    path.write_text(correct_attempt(), encoding="utf-8")
    result = run_cli("--check", str(path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "implementation.py" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_cli_bad_seed_exits_2_before_importing_the_file(tmp_path):
    marker = tmp_path / "imported"
    path = tmp_path / "attempt.py"
    path.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    result = run_cli("--check", str(path), "--seed", "-1")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--seed" in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("style", [np.zeros((20, 12)), np.zeros((20, 12, 1)), [np.zeros(12)] * 20,
                                   [np.zeros((12, 1))] * 20], ids=["TxH", "TxHx1", "rows H", "rows Hx1"])
def test_known_gates_come_in_the_learners_own_container_style(style):
    gates, cells, sequence, values = ex2.synthetic_gates({"style": style})
    for theirs in list(gates.values()) + [cells]:
        assert type(theirs) is type(style) and np.shape(theirs) == np.shape(style)
    assert np.allclose(ex2.as_steps(gates["input"]), values["input"]) and len(sequence) == 20


@pytest.mark.parametrize("text, value, share, found", [
    ("open: 30.8%", 0.3083, True, True), ("open: 31 %", 0.3083, True, True), ("open 0.31", 0.3083, True, True),
    ("open: 0.3083%", 0.3083, True, False), ("% < 0.1: none", 0.1333, True, False),
    ("mean 0.61", 0.6062, False, True), ("mean 0.62", 0.6062, False, False), ("std 3.433e-01", 0.3433, False, True),
    ("std 34.33", 0.3433, False, False),
])
def test_a_statistic_is_found_only_at_its_printed_precision(text, value, share, found):
    assert ex2.shown(text, [value], share) is found


UNFILLED = """'''Exercise 2 stub as shipped: TODOs unfilled.'''
import sys
sys.path.append('..')
from implementation import LSTM
import numpy as np
import matplotlib.pyplot as plt


def create_repeating_pattern(pattern="abc", repeats=10):
    # TODO 1: Repeat the pattern
    text = None
    # TODO 2: Create char mappings
    char_to_idx = None
    idx_to_char = None
    return text, char_to_idx, idx_to_char


def train_and_capture_gates(text, char_to_idx, hidden_size=32, num_iterations=500):
    '''Returns: lstm, gates_dict, cell_states'''
    vocab_size = len(char_to_idx)
    # TODO 3: Create LSTM
    lstm = None
    h = np.zeros(hidden_size)
    C = np.zeros(hidden_size)
    seq_length = 25
    learning_rate = 0.01
    # TODO 4: Training loop
    for iteration in range(num_iterations):
        # TODO 5-8
        pass
    # TODO 9: Run on test sequence
    test_seq = text[:20]
    gates_dict = {'forget': [], 'input': [], 'output': []}
    cell_states = []
    # TODO 10: Fill gates_dict
    return lstm, gates_dict, cell_states, test_seq


def analyze_gates(gates_dict, cell_states, sequence):
    # TODO 11: Plot
    # TODO 12: Statistics
    pass


def write_report(gates_dict, sequence):
    # TODO 13: Report
    pass
"""


def test_the_unfilled_exercise_file_fails_at_todo_1_and_names_the_missing_lstm(course, capsys):
    checklist = ex2.check_attempt(write(course, UNFILLED))
    fails = [row for row in checklist.rows if row[2] is False]
    assert fails[0][0] == "1" and ("3", "LSTM(...) was never called") in [(row[0], row[3]) for row in fails]
    assert checklist.report("t") == 1 and "Traceback" not in capsys.readouterr().out


def test_a_state_carried_on_correctly_passes_todo_6(course):
    source = correct_attempt().replace(
        "        loss, h, C, cache = lstm.forward(x, y, np.zeros((hidden_size, 1)), np.zeros((hidden_size, 1)))",
        "        if it == 0:\n            h, C = np.zeros((hidden_size, 1)), np.zeros((hidden_size, 1))\n"
        "        if it % 7 == 0:\n            h[:], C[:] = 0, 0\n"
        "        loss, h2, C2, cache = lstm.forward(x, y, C_prev=C, h_prev=h)\n"
        "        h[:], C[:] = h2, C2")  # keywords out of order, and buffers rewritten in place
    checklist = ex2.check_attempt(write(course, source))
    row = next(row for row in checklist.rows if row[0] == "6")
    assert row[2] is True and row[3] == "carried on 85 times, zeros at the other 15 window(s)", row
    assert not [row for row in checklist.rows if row[2] is False]


PROBE = ex2.encode("t", ex2.PROBE_TEXT, ex2.PROBE_C2I).tolist()


def test_the_probe_text_never_repeats_four_characters():
    fours = [tuple(PROBE[p:p + 4]) for p in range(len(PROBE) - 3)]
    assert len(set(fours)) == len(fours) and len(PROBE) == 60 and set(PROBE) == {0, 1, 2}


@pytest.mark.parametrize("starts, shift, fragment", [
    ([0, 12, 24, 36, 0], 1, ""), ([5, 9, 30], 1, ""), ([7, 7, 7], 1, "the same window, text[7:19], at each of the 3"),
    ([3, 8], 0, "window 1: the targets are the inputs themselves"),
    ([3, 8], 2, "window 1: the targets are the inputs moved 2"),
])
def test_windows_are_judged_by_where_they_are_in_a_text_that_never_repeats(starts, shift, fragment):
    windows = [(PROBE[p:p + 12], PROBE[p + shift:p + shift + 12]) for p in starts]
    assert ex2.window_problem(windows, PROBE).startswith(fragment) and bool(fragment) == bool(
        ex2.window_problem(windows, PROBE))
    assert "not 12 characters in a row" in ex2.window_problem([([2, 2, 2, 2, 2] * 2 + [1, 1], [0] * 12)], PROBE)


def forward_log(states):
    """(args, results) of forwards whose returned h, C are distinct random vectors and whose given
    h_prev, C_prev are picked by states: 'z' zeros, 'c' carried, 's' swapped, 'm' h carried and C zeros."""
    rng, args, results = np.random.default_rng(0), [], []
    for k, how in enumerate(states):
        zero = np.zeros((4, 1))
        h, C = (results[-1][1], results[-1][2]) if k else (zero, zero)
        given = {"z": (zero, zero), "c": (h, C), "s": (C, h), "m": (h, zero)}[how]
        args.append(([0], [1]) + given)
        results.append((1.0, rng.normal(size=(4, 1)), rng.normal(size=(4, 1)), {}))
    return args, results


@pytest.mark.parametrize("states, problem, carried", [
    ("zzzz", "", 0), ("zccczcc", "", 5),
    ("zcs", "window 3: h_prev was the C the last forward returned; C_prev was the h the last forward returned", 1),
    ("zm", "window 2: h_prev was the h the last forward returned; C_prev was zeros", 0),
])
def test_states_passed_to_forward_are_zeros_or_the_last_ones_returned(states, problem, carried):
    assert ex2.state_problem(*forward_log(states)) == (problem, carried)
    args, results = forward_log("z")
    args[0] = args[0][:2] + (np.ones((4, 1)), np.zeros((4, 1)))
    assert "neither zeros nor a state a forward returned (largest |value| 1)" in ex2.state_problem(args, results)[0]


@pytest.mark.parametrize("got, want, detail", [
    ("abc" * 21, "abc" * 20, "63 characters, expected 60; the first 60 agree, then yours goes on with 'abc'"),
    ("abc" * 19, "abc" * 20, "57 characters, expected 60; yours stops after the first 57"),
    ("abd" * 20, "abc" * 20, "60 characters, expected 60; they first differ at index 2: 'dabdabdabda'..., "
                             "expected 'cabcabcabca'..."),
    (None, "abc", "NoneType None, not a str of 3 characters"),
])
def test_a_wrong_text_is_told_by_its_length_and_where_it_first_differs(got, want, detail):
    assert ex2.text_diff(got, want) == detail


@pytest.mark.parametrize("printed, detail", [
    ("forget 0.606 0.118 30.8 13.3\ninput 0.374 0.312 7.1 25.8", "std printed 0.118, expected 0.3433 (the variance?)"),
    ("forget 0.606 0.343 0.3 0.1\ninput 0.374", "% > 0.9 printed 0.3, expected 30.83 (a fraction, not a percent?); "
                                               "% < 0.1 printed 0.1, expected 13.33 (a fraction, not a percent?)"),
    ("Forget gate:\n  mean 0.61\n  std 0.34\n  >0.9: 7.1%\n  <0.1: 13%\n", "% > 0.9 printed 7.1%, expected 30.83 "
                                                                         "(the input gate's?)"),
    ("forget 0.606 0.343 99 13.3", "% > 0.9 30.83 not printed; the forget gate's lines: 'forget 0.606 0.343 99 13.3'"),
    ("0.606 0.343 99 13.3", "% > 0.9 30.83 not printed; no line names the forget gate alone"),
])
def test_a_missing_statistic_says_what_was_printed_in_its_place(printed, detail):
    _, _, _, values = ex2.synthetic_gates({})
    v = values["forget"]
    stats = [("mean", [v.mean()], 0), ("std", [v.std(), v.std(ddof=1)], 0),
             ("% > 0.9", [(v > 0.9).mean()], 1), ("% < 0.1", [(v < 0.1).mean()], 1)]
    missing = [name for name, x, share in stats if not ex2.shown(printed, x, share)]
    assert ex2.stats_detail(printed, "forget", values, stats, missing) == detail

"""--check for Exercise 4 on learner-style attempts (tests/course/ex4/*.py; EXPECT: line in each
docstring), plus its setup errors: no implementation.py above the file, a bad --seed."""
import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

import exercise_04_solution as ex4

HERE = os.path.dirname(os.path.abspath(__file__))
ATTEMPTS = sorted(glob.glob(os.path.join(HERE, "course", "ex4", "*.py")))
SCRIPT = os.path.join(os.path.dirname(HERE), "exercise_04_solution.py")


def expected(path):
    """('pass', set()) or ('fail', {TODO numbers}) from the file's EXPECT: line."""
    with open(path, encoding="utf-8") as handle:
        line = re.search(r"EXPECT:\s*(.*)", handle.read()).group(1)
    if line.strip().lower().startswith("pass"):
        return "pass", set()
    todos = set()
    for a, b in re.findall(r"(\d+)(?:\s*-\s*(\d+))?", line):
        todos |= set(range(int(a), int(b or a) + 1))
    return "fail", todos


def todos(field):
    out = set()
    for a, b in re.findall(r"(\d+)(?:\s*-\s*(\d+))?", field):
        out |= set(range(int(a), int(b or a) + 1))
    return out


@pytest.mark.skipif(not ATTEMPTS, reason="no attempts in tests/course/ex4")
@pytest.mark.parametrize("path", ATTEMPTS, ids=os.path.basename)
def test_attempt_is_graded_as_its_expect_line_says(path, capsys):
    verdict, want = expected(path)
    checklist = ex4.check_attempt(path)
    code = checklist.report("test")
    out = capsys.readouterr().out
    fails = [row for row in checklist.rows if row[2] is False]
    if verdict == "pass":
        assert code == 0 and not fails, out
    else:
        assert code == 1 and fails and todos(fails[0][0]) & want, out
        assert fails[0][3], out                                   # the FAIL row says what differs


def test_a_file_without_implementation_above_gets_one_line_and_exit_2(tmp_path):
    source = os.path.join(HERE, "course", "ex4", "correct_label_every_step.py")
    if not os.path.exists(source):
        pytest.skip("no attempts in tests/course/ex4")
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(source, folder / "attempt.py")
    run = subprocess.run([sys.executable, SCRIPT, "--check", str(folder / "attempt.py")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stdout == "" and run.stderr.count("\n") == 1, run.stderr
    assert "implementation" in run.stderr and "folder above" in run.stderr


def test_a_negative_seed_is_rejected_before_the_file_is_imported(tmp_path):
    attempt = tmp_path / "attempt.py"
    attempt.write_text("raise SystemExit('imported')\n")
    run = subprocess.run([sys.executable, SCRIPT, "--check", str(attempt), "--seed", "-1"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "--seed" in run.stderr
    assert "imported" not in run.stdout + run.stderr


@pytest.mark.parametrize("text, message", [
    ("x = 1\n", "not in your file"),                                    # nothing defined: FAIL rows
    ("import sys\nsys.exit(0)\n", "SystemExit"),                        # never a silent pass
    ("def generate_memory_task(distance, num_samples=1000, vocab_size=10):\n    return None\n",
     "returns (X, y)")])
def test_odd_files_get_fail_rows_not_a_traceback(tmp_path, capsys, text, message):
    attempt = tmp_path / "attempt.py"
    attempt.write_text(text)
    assert ex4.check_attempt(str(attempt)).report("test") == 1
    assert message in capsys.readouterr().out


@pytest.mark.parametrize("seed", [7])
def test_the_exercise_files_recipe_learns_at_the_seeds_that_once_failed_it(seed):
    """lr 0.01 and the loss on the last step only: correct, so it passes at every seed (at 7, and
    at 1, its 200-sequence test once fell under a fixed 20% bar; seeds 0-15 all pass now)."""
    path = os.path.join(HERE, "course", "ex4", "qa_ok_j_stub_recipe_lr001.py")
    if not os.path.exists(path):
        pytest.skip("no attempts in tests/course/ex4")
    rows = [row for row in ex4.check_attempt(path, seed).rows if row[0] == "2-6"]
    assert rows and rows[0][2] is True, rows


def test_a_model_left_at_chance_is_failed_with_advice_its_file_does_not_already_follow():
    assert "learning_rate=0.01" in ex4.training_hint(0.001)
    assert "learning_rate=0.01" not in ex4.training_hint(0.01)
    assert "TODO 5" in ex4.training_hint(0.01) and "TODO 5" in ex4.training_hint(None)
    assert 12.5 < ex4.CHECK_HELD_OUT_BAR < 13.0             # 4 sd above 10% over 2,000 sequences

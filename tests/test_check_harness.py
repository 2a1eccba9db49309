"""The --check harness shared by all five scripts (tests/test_pack_consistency.py keeps the copies
equal, so Exercise 1's copy stands for all): how a learner's file is imported and run, and what
happens when it never returns, asks for input, or uses up the check's time."""
import os
import subprocess
import sys
import time

import solution_01_lstm_implementation as ex1

HERE = os.path.dirname(os.path.abspath(__file__))


def write(tmp_path, source):
    path = tmp_path / "attempt.py"
    path.write_text(source, encoding="utf-8")
    return str(path)


def test_a_driver_that_runs_at_import_is_stopped_and_named(tmp_path):
    cl = ex1.Checklist(write(tmp_path, "while True:\n    pass\n"), seconds=1, total=2)
    start = time.monotonic()                              # an import may take 30 s, within the total
    assert cl.load() is None and 1.5 < time.monotonic() - start < 4
    todo, what, ok, detail, hint = cl.rows[-1]
    assert (todo, what, ok) == ("-", "import your file", False)
    assert "still running after" in detail and 'if __name__ == "__main__":' in hint


def test_input_fails_at_once_with_a_hint(tmp_path):
    cl = ex1.Checklist(write(tmp_path, "name = input('your name? ')\n"), seconds=5)
    start = time.monotonic()
    assert cl.load() is None and time.monotonic() - start < 2
    assert "EOFError" in cl.rows[-1][3] and "input()" in cl.rows[-1][4]


def test_calls_stop_when_the_checks_total_time_is_used_up(tmp_path):
    cl = ex1.Checklist(write(tmp_path, "import time\ndef slow():\n    time.sleep(5)\n"),
                       seconds=1, total=1.2)
    module = cl.load()
    start = time.monotonic()
    assert cl.call("1", "slow()", module.slow) == (None, False)     # stopped after its 1 s
    assert cl.call("2", "slow() again", module.slow) == (None, False)
    assert time.monotonic() - start < 2
    assert [row[2] for row in cl.rows] == [False, None]             # FAIL, then not run
    assert "used up the check's time" in cl.rows[-1][3]
    assert cl.report("title") == 1


def test_a_reader_that_stops_early_gets_no_traceback():
    """`--check FILE | head -1`: the reader has gone before the checklist is printed."""
    attempt = os.path.join(HERE, "course", "ex1", "correct_stub_style_sgd.py")
    proc = subprocess.Popen([sys.executable, ex1.__file__, "--check", attempt],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                                            # nobody will read
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and b"Traceback" not in err, err.decode()


def test_os_exit_in_the_learners_code_is_a_fail_row_not_a_silent_exit(tmp_path):
    cl = ex1.Checklist(write(tmp_path, "import os\ndef backward():\n    os._exit(0)\n"))
    module = cl.load()
    assert cl.call("16-27", "backward()", module.backward) == (None, False)
    assert cl.rows[-1][2] is False and "SystemExit(0)" in cl.rows[-1][3]


def test_an_error_in_top_level_code_is_not_blamed_on_the_todo_above_it(tmp_path):
    source = "# TODO 28: update\ndef update():\n    pass\n\nopen('../data/input.txt')\n"
    cl = ex1.Checklist(write(tmp_path, source))
    assert cl.load() is None
    todo, what, ok, detail, hint = cl.rows[-1]
    assert (todo, ok) == ("-", False) and "line 5: FileNotFoundError" in detail
    assert "imported" in hint and '__name__ == "__main__"' in hint


def test_the_todo_named_is_the_one_inside_the_function_that_raised(tmp_path):
    source = ("class LSTM:\n    def __init__(self):\n        # TODO 5: output layer\n"
              "        self.Wy = 0\n\n    def forward(self):\n        raise KeyboardInterrupt\n")
    cl = ex1.Checklist(write(tmp_path, source))
    model = cl.load().LSTM()
    cl.call("6", "forward()", model.forward)
    assert cl.rows[-1][0] == "6"                          # not TODO 5 of __init__ above it
    source = source.replace("    def forward", "    # TODO 7: forward\n    def forward")
    cl = ex1.Checklist(write(tmp_path, source))
    cl.call("6", "forward()", cl.load().LSTM().forward)
    assert cl.rows[-1][0] == "7"                          # the comment just above its def


def test_a_class_without_the_exercise_files_arguments_gets_a_signature_hint(tmp_path):
    cl = ex1.Checklist(write(tmp_path, "class GRU:\n    pass\n"))
    cl.call("1-5", "GRU(5, 4, 6)", cl.load().GRU, 5, 4, 6)
    assert "takes no arguments" in cl.rows[-1][3] and "__init__" in cl.rows[-1][4]

"""Pack-wide rules: every script stands alone and answers --help."""
import ast
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = ["solution_01_lstm_implementation.py"] + [f"exercise_0{n}_solution.py" for n in range(2, 6)]
ALLOWED_TOP_LEVEL = {"numpy", "matplotlib"} | set(sys.stdlib_module_names)


def present_scripts():
    return [name for name in SCRIPTS if os.path.exists(os.path.join(ROOT, name))]


def imported_modules(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


@pytest.mark.parametrize("script", present_scripts())
def test_script_imports_only_numpy_matplotlib_and_the_standard_library(script):
    modules = set(imported_modules(os.path.join(ROOT, script)))
    outside = {m for m in modules if m.split(".")[0] not in ALLOWED_TOP_LEVEL}
    assert not outside, f"{script} imports {sorted(outside)}"


@pytest.mark.parametrize("script", present_scripts())
def test_script_answers_help(script):
    result = subprocess.run([sys.executable, os.path.join(ROOT, script), "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--quick" in result.stdout and "--seed" in result.stdout


def test_scripts_ship_the_same_built_in_corpus():
    import solution_01_lstm_implementation as ex1
    for script in present_scripts()[1:]:
        module = __import__(script[:-3])
        if hasattr(module, "DEFAULT_CORPUS"):
            assert module.DEFAULT_CORPUS == ex1.DEFAULT_CORPUS, f"{script} ships a different corpus"

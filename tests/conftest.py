"""Shared pytest setup for the pack.

- Makes the top-level scripts importable as modules (``import solution_01_lstm_implementation``).
- Forces a headless matplotlib backend before any script imports pyplot.
- Turns every warning into an error, so that an overflow in ``np.exp`` or a
  divide-by-zero fails the test that caused it. This lives here rather than in an
  ini file because the pack's top level is fixed and has no room for one.
"""
import os
import sys

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def pytest_configure(config):
    config.addinivalue_line("filterwarnings", "error")

"""Every copy of the LSTM in the pack is Exercise 1's.

Each script carries its own code so that a learner can read any file whole. Exercises 2-4 paste
Exercise 1's `LSTMFromScratch` and the helpers it calls unchanged, so their source must be
identical. Exercise 5 keeps a fused LSTM for speed; given the same parameters and batch it must
return Exercise 1's loss and gradients. A change to the equations in one file only fails here.
"""
import inspect

import numpy as np
import pytest

import exercise_02_solution as ex2
import exercise_03_solution as ex3
import exercise_04_solution as ex4
import exercise_05_solution as ex5
import solution_01_lstm_implementation as ex1
from gradcheck import randomize

# The class and every module-level helper its methods call.
SHARED = ["LSTMFromScratch", "sigmoid", "log_softmax", "batch_outer", "batch_sum",
          "check_int", "check_float", "check_ids", "check_state"]


@pytest.mark.parametrize("module", [ex2, ex3, ex4], ids=lambda m: m.__name__)
@pytest.mark.parametrize("name", SHARED)
def test_exercise_1_source_is_carried_unchanged(module, name):
    assert inspect.getsource(getattr(module, name)) == inspect.getsource(getattr(ex1, name)), \
        f"{module.__name__}.{name} differs from solution_01_lstm_implementation.{name}"


@pytest.mark.parametrize("module", [ex2, ex3, ex4], ids=lambda m: m.__name__)
def test_exercise_1_defaults_are_carried(module):
    assert (module.SEED, module.CLIP_VALUE) == (ex1.SEED, ex1.CLIP_VALUE)


def test_exercise_5_fused_lstm_computes_exercise_1s_numbers():
    D, H, T, B = 6, 5, 7, 3
    rng = np.random.default_rng(0)
    reference = ex1.LSTMFromScratch(D, H, D, seed=0, clip_value=None)
    randomize({name: getattr(reference, name) for name in reference.PARAM_NAMES}, rng)
    inputs, targets = rng.integers(0, D, (T, B)), rng.integers(0, D, (T, B))
    h0, C0 = rng.normal(0, 0.5, (B, H)), rng.normal(0, 0.5, (B, H))
    expected_loss = reference.forward(inputs, targets, h0, C0)
    expected_dh, expected_dC = reference.backward()

    fused = ex5.LSTM(D, H, D, clip_value=None)
    assert tuple(fused.PARAM_NAMES) == reference.PARAM_NAMES
    for name in reference.PARAM_NAMES:
        getattr(fused, name)[...] = getattr(reference, name)
    loss = fused.forward(inputs, targets, h0, C0)
    dh, dC = fused.backward()
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dh, expected_dh, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dC, expected_dC, rtol=1e-9, atol=1e-12)
    for name in reference.PARAM_NAMES:
        np.testing.assert_allclose(getattr(fused, "d" + name), getattr(reference, "d" + name),
                                   rtol=1e-9, atol=1e-12, err_msg=f"d{name}")
    assert np.all(ex5.LSTM(D, H, D).bf == 1.0)


# The --check harness: how a learner's file is imported and how the checklist is printed.
HARNESS = ["CheckSetupError", "read_attempt", "forget_relative_finders", "in_folder", "Checklist"]


@pytest.mark.parametrize("module", [ex2, ex3, ex4, ex5], ids=lambda m: m.__name__)
@pytest.mark.parametrize("name", HARNESS)
def test_check_harness_is_the_same_in_every_script(module, name):
    assert inspect.getsource(getattr(module, name)) == inspect.getsource(getattr(ex1, name)), \
        f"{module.__name__}.{name} differs from solution_01_lstm_implementation.{name}"

"""Every copy of the LSTM in the pack computes the same function as Exercise 1's.

Each script carries its own LSTM (so that a learner can read any file whole). These tests
hold the copies together: given the same parameters and the same batch, each must return
Exercise 1's loss and gradients. A change to the equations in one file only fails here.
"""
import numpy as np
import pytest

import exercise_02_solution as ex2
import exercise_03_solution as ex3
import exercise_04_solution as ex4
import exercise_05_solution as ex5
import solution_01_lstm_implementation as ex1
from gradcheck import randomize

D, H, T, B = 6, 5, 7, 3
# name -> constructor(input_size, hidden_size, output_size) of a model with clipping off
COPIES = {
    "exercise_02 LSTMFromScratch": lambda D, H, V: ex2.LSTMFromScratch(D, H, V, clip_value=None),
    "exercise_03 LSTM": lambda D, H, V: ex3.LSTM(D, H, V, clip_value=None),
    "exercise_04 LSTMFromScratch": lambda D, H, V: ex4.LSTMFromScratch(D, H, V, clip_norm=None),
    "exercise_05 LSTM": lambda D, H, V: ex5.LSTM(D, H, V, clip_value=None),
}


def reference_case(seed=0):
    rng = np.random.default_rng(seed)
    model = ex1.LSTMFromScratch(D, H, D, seed=seed, clip_value=None)
    randomize({name: getattr(model, name) for name in model.PARAM_NAMES}, rng)
    inputs, targets = rng.integers(0, D, (T, B)), rng.integers(0, D, (T, B))
    h0, C0 = rng.normal(0, 0.5, (B, H)), rng.normal(0, 0.5, (B, H))
    return model, inputs, targets, h0, C0


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copy_matches_exercise_1(name):
    reference, inputs, targets, h0, C0 = reference_case()
    expected_loss = reference.forward(inputs, targets, h0, C0)
    expected_dh, expected_dC = reference.backward()

    copy = COPIES[name](D, H, D)
    assert tuple(copy.PARAM_NAMES) == reference.PARAM_NAMES
    for param in reference.PARAM_NAMES:
        getattr(copy, param)[...] = getattr(reference, param)
    loss = copy.forward(inputs, targets, h0, C0)
    dh, dC = copy.backward()

    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dh, expected_dh, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dC, expected_dC, rtol=1e-9, atol=1e-12)
    for param in reference.PARAM_NAMES:
        np.testing.assert_allclose(getattr(copy, "d" + param), getattr(reference, "d" + param),
                                   rtol=1e-9, atol=1e-12, err_msg=f"{name}: d{param}")


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copy_starts_with_forget_bias_one(name):
    assert np.all(COPIES[name](D, H, D).bf == 1.0)

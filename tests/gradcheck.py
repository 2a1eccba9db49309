"""The pack's one numerical gradient check, shared by the tests of every exercise.

Every model in the pack (each script carries its own copy of the equations) is held to
the same standard: centred differences in float64, and for each parameter array

    relative error = ||a - n|| / (||a|| + ||n||)      a = analytic, n = numerical

must be at most 1e-7. The norm-wise form is used because single entries near 1e-9
cannot be resolved by finite differences of a loss near 10 (rounding leaves ~1e-10).
Models are checked with all parameters drawn from N(0, 0.5**2), so that gates are not
saturated and gradients are of order 0.1; a wrong backward then shows errors of 1e-3
or more, while a right one gives about 1e-9.
"""
import numpy as np

TOLERANCE = 1e-7
PARAM_SCALE = 0.5


def randomize(params, rng, scale=PARAM_SCALE):
    """Overwrite every array in `params` (dict name -> ndarray) in place with N(0, scale**2)."""
    for value in params.values():
        value[...] = rng.normal(0.0, scale, value.shape)


def relative_errors(params, analytic, loss_fn, eps=1e-5):
    """Centred-difference check of `analytic` gradients.

    Args:
        params: dict name -> ndarray, the model's own parameter arrays (perturbed in
            place and restored).
        analytic: dict name -> ndarray, the gradients backward() produced for loss_fn()
            at the current parameters, with clipping off.
        loss_fn: callable () -> float, the loss at the current parameters.
        eps: finite-difference step.
    Returns:
        dict name -> relative error (see module docstring).
    """
    errors = {}
    for name, param in params.items():
        numeric = np.zeros_like(param)
        for k in np.ndindex(param.shape):
            old = param[k]
            param[k] = old + eps
            loss_plus = loss_fn()
            param[k] = old - eps
            loss_minus = loss_fn()
            param[k] = old
            numeric[k] = (loss_plus - loss_minus) / (2 * eps)
        a = np.asarray(analytic[name], dtype=np.float64)
        scale = np.linalg.norm(a) + np.linalg.norm(numeric)
        errors[name] = float(np.linalg.norm(a - numeric) / scale) if scale > 0 else 0.0
    return errors


def assert_gradients_match(params, analytic, loss_fn, eps=1e-5, tolerance=TOLERANCE):
    """relative_errors(...) and an assertion that every one is <= tolerance."""
    errors = relative_errors(params, analytic, loss_fn, eps)
    worst = max(errors, key=errors.get)
    assert errors[worst] <= tolerance, f"gradient check failed: {errors}"
    return errors

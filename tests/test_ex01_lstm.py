"""Tests for Exercise 1: the LSTM built from scratch (solution_01_lstm_implementation.py)."""
import math

import numpy as np
import pytest

import solution_01_lstm_implementation as ex1
from gradcheck import assert_gradients_match, randomize

D, H, V = 5, 4, 5


def small_model(seed=0, clip_value=ex1.CLIP_VALUE):
    return ex1.LSTMFromScratch(D, H, V, seed=seed, clip_value=clip_value)


def random_case(rng, T=6, B=None):
    shape = (T,) if B is None else (T, B)
    state = (H,) if B is None else (B, H)
    return (rng.integers(0, D, shape), rng.integers(0, V, shape),
            rng.normal(0, 0.5, state), rng.normal(0, 0.5, state))


def params_of(model):
    return {name: getattr(model, name) for name in model.PARAM_NAMES}


def grads_of(model):
    return {name: getattr(model, "d" + name) for name in model.PARAM_NAMES}


# ---------------------------------------------------------------- shapes and ranges
@pytest.mark.parametrize("B", [None, 3])
def test_shapes_of_caches_parameters_and_gradients(B):
    model = small_model()
    T = 7
    inputs, targets, h0, C0 = random_case(np.random.default_rng(0), T, B)
    model.forward(inputs, targets, h0, C0)
    dh, dC = model.backward()
    nb = 1 if B is None else B
    assert model.inputs_cache.shape == (T, nb, H + D)
    assert model.h_states.shape == model.C_states.shape == (T + 1, nb, H)
    for cache in (model.f_gates, model.i_gates, model.C_tilde_cache, model.o_gates):
        assert cache.shape == (T, nb, H)
    assert model.y_probs.shape == (T, nb, V)
    for name in ("Wf", "Wi", "Wc", "Wo"):
        assert getattr(model, name).shape == (H, H + D)
    for name in ("bf", "bi", "bc", "bo"):
        assert getattr(model, name).shape == (H,)
    assert model.Wy.shape == (V, H) and model.by.shape == (V,)
    for name in model.PARAM_NAMES:
        assert getattr(model, "d" + name).shape == getattr(model, name).shape
    assert dh.shape == dC.shape == h0.shape
    np.testing.assert_allclose(model.y_probs.sum(axis=2), 1.0)


def test_forget_bias_starts_at_one():
    assert np.all(small_model().bf == 1.0)


def test_gate_ranges_and_cached_equations():
    model = small_model(seed=3)
    randomize(params_of(model), np.random.default_rng(3), scale=3.0)  # push gates towards saturation
    inputs, targets, h0, C0 = random_case(np.random.default_rng(1), T=20, B=4)
    model.forward(inputs, targets, h0, C0)
    for gate in (model.f_gates, model.i_gates, model.o_gates):
        assert gate.min() >= 0.0 and gate.max() <= 1.0
    assert np.abs(model.C_tilde_cache).max() <= 1.0
    assert np.abs(model.h_states).max() <= 1.0
    # The cached states obey the cell equations.
    np.testing.assert_allclose(model.C_states[1:], model.f_gates * model.C_states[:-1]
                               + model.i_gates * model.C_tilde_cache)
    np.testing.assert_allclose(model.h_states[1:], model.o_gates * np.tanh(model.C_states[1:]))


def test_sigmoid_is_stable_and_correct():
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 1000.0])
    out = ex1.sigmoid(x)  # warnings are errors: an overflow would fail here
    np.testing.assert_allclose(out[1:5], 1.0 / (1.0 + np.exp(-x[1:5])), rtol=1e-12)
    assert out[0] == 0.0 and out[-1] == 1.0


def test_softmax_handles_huge_logits():
    p = ex1.softmax(np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0]])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_initial_loss_is_about_T_ln_V(seed):
    vocab, T = 41, 25
    model = ex1.LSTMFromScratch(vocab, 100, vocab, seed=seed)
    rng = np.random.default_rng(seed)
    loss = model.forward(rng.integers(0, vocab, T), rng.integers(0, vocab, T), np.zeros(100), np.zeros(100))
    assert abs(loss - T * math.log(vocab)) <= 0.05 * T * math.log(vocab)


# ---------------------------------------------------------------- gradients
@pytest.mark.parametrize("seed,B", [(0, None), (1, None), (2, None), (3, 3)])
def test_gradient_check(seed, B):
    rng = np.random.default_rng(seed)
    model = small_model(seed, clip_value=None)
    randomize(params_of(model), rng)
    inputs, targets, h0, C0 = random_case(rng, T=6, B=B)
    model.forward(inputs, targets, h0, C0)
    model.backward()
    analytic = {k: v.copy() for k, v in grads_of(model).items()}
    assert_gradients_match(params_of(model), analytic, lambda: model.forward(inputs, targets, h0, C0))


def test_state_gradients_match_finite_differences():
    rng = np.random.default_rng(7)
    model = small_model(7, clip_value=None)
    randomize(params_of(model), rng)
    inputs, targets, h0, C0 = random_case(rng, T=5)
    model.forward(inputs, targets, h0, C0)
    dh, dC = model.backward()
    assert_gradients_match({"h0": h0, "C0": C0}, {"h0": dh, "C0": dC},
                           lambda: model.forward(inputs, targets, h0, C0))


def test_gradient_check_catches_a_wrong_backward():
    rng = np.random.default_rng(0)
    model = small_model(0, clip_value=None)
    randomize(params_of(model), rng)
    inputs, targets, h0, C0 = random_case(rng)
    model.forward(inputs, targets, h0, C0)
    model.backward()
    analytic = {k: v.copy() for k, v in grads_of(model).items()}
    analytic["Wf"][0, 0] *= 1.01  # a 1% error in one entry
    with pytest.raises(AssertionError):
        assert_gradients_match(params_of(model), analytic, lambda: model.forward(inputs, targets, h0, C0))


def test_scripts_own_gradient_check_passes_and_restores_clipping():
    model, inputs, targets, h0, C0 = ex1.random_gradcheck_case(seed=5, batch_size=2)
    errors = ex1.gradient_check(model, inputs, targets, h0, C0)
    assert set(errors) == set(model.PARAM_NAMES)
    assert max(errors.values()) <= 1e-7
    assert model.clip_value == ex1.CLIP_VALUE


def test_clipping_bounds_every_gradient():
    model = small_model(0, clip_value=1e-3)
    randomize(params_of(model), np.random.default_rng(0), scale=2.0)
    inputs, targets, h0, C0 = random_case(np.random.default_rng(0), T=10)
    model.forward(inputs, targets, h0, C0)
    model.backward()
    grads = grads_of(model)
    assert all(np.abs(g).max() <= 1e-3 for g in grads.values())
    assert any(np.abs(g).max() == 1e-3 for g in grads.values())  # clipping was actually active


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="forward"):
        small_model().backward()


# ---------------------------------------------------------------- batches and determinism
def test_batch_equals_stacked_single_runs():
    rng = np.random.default_rng(4)
    model = small_model(4, clip_value=None)
    randomize(params_of(model), rng)
    B, T = 3, 6
    inputs, targets, h0, C0 = random_case(rng, T, B)
    batch_loss = model.forward(inputs, targets, h0, C0)
    batch_dh, batch_dC = model.backward()
    batch_grads = {k: v.copy() for k, v in grads_of(model).items()}
    batch_h = model.h_states.copy()

    single_losses, sum_grads = [], {k: np.zeros_like(v) for k, v in batch_grads.items()}
    for b in range(B):
        single_losses.append(model.forward(inputs[:, b], targets[:, b], h0[b], C0[b]))
        dh, dC = model.backward()
        np.testing.assert_allclose(batch_dh[b], dh, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(batch_dC[b], dC, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(batch_h[:, b], model.h_states[:, 0], rtol=1e-12, atol=1e-14)
        for k in sum_grads:
            sum_grads[k] += grads_of(model)[k]
    assert batch_loss == pytest.approx(sum(single_losses), rel=1e-12)
    for k in sum_grads:
        np.testing.assert_allclose(batch_grads[k], sum_grads[k], rtol=1e-9, atol=1e-12)


def _short_training(seed):
    chars, char_to_id = ex1.build_vocab(ex1.DEFAULT_CORPUS)
    ids = np.array([char_to_id[c] for c in ex1.DEFAULT_CORPUS])
    model = ex1.LSTMFromScratch(len(chars), 16, len(chars), seed=seed)
    history = ex1.train(model, ids, 40, 10, 0.1, batch_size=4, log=None)
    return history["loss_per_char"]


def test_same_seed_gives_identical_losses():
    np.testing.assert_array_equal(_short_training(0), _short_training(0))
    assert not np.array_equal(_short_training(0), _short_training(1))


def test_training_loss_decreases():
    losses = _short_training(0)
    assert losses[-10:].mean() < 0.85 * losses[:5].mean()


def test_hello_run_learns():
    result = ex1.test_lstm(log=None)
    assert result["final_loss"] < 0.1 * result["initial_loss"]
    assert result["sample"].startswith("hello")


def test_training_stops_on_divergence():
    chars, char_to_id = ex1.build_vocab(ex1.DEFAULT_CORPUS)
    ids = np.array([char_to_id[c] for c in ex1.DEFAULT_CORPUS])
    model = ex1.LSTMFromScratch(len(chars), 8, len(chars))
    with pytest.raises(ex1.TrainingDiverged, match="learning-rate"):
        ex1.train(model, ids, 20, 10, 1e308, batch_size=2, log=None)


def test_early_stopping_restores_the_best_heldout_weights():
    chars, char_to_id = ex1.build_vocab(ex1.DEFAULT_CORPUS)
    ids = np.array([char_to_id[c] for c in ex1.DEFAULT_CORPUS])
    train_ids, heldout_ids = ids[:2000], ids[-300:]
    model = ex1.LSTMFromScratch(len(chars), 16, len(chars), seed=0)
    history = ex1.train(model, train_ids, 60, 10, 0.1, batch_size=4, heldout_ids=heldout_ids,
                        log_every=10, log=lambda line: None)
    best = min(loss for _, loss in history["heldout"])
    assert ex1.evaluate(model, heldout_ids) == pytest.approx(best, rel=1e-12)


def test_heldout_is_scored_at_the_end_even_without_logging():
    chars, char_to_id = ex1.build_vocab(ex1.DEFAULT_CORPUS)
    ids = np.array([char_to_id[c] for c in ex1.DEFAULT_CORPUS])
    model = ex1.LSTMFromScratch(len(chars), 8, len(chars), seed=0)
    history = ex1.train(model, ids[:1000], 5, 10, 0.1, batch_size=2, heldout_ids=ids[-200:], log=None)
    assert [it for it, _ in history["heldout"]] == [5]


# ---------------------------------------------------------------- sampling and Adagrad
def test_sampling_returns_valid_ids_and_is_reproducible():
    model = small_model()
    ids = model.sample(np.zeros(H), np.zeros(H), 2, 50, temperature=0.8, rng=np.random.default_rng(1))
    assert len(ids) == 50 and all(isinstance(k, int) and 0 <= k < V for k in ids)
    again = model.sample(np.zeros(H), np.zeros(H), 2, 50, temperature=0.8, rng=np.random.default_rng(1))
    assert ids == again


def test_adagrad_memory_grows_and_step_shrinks():
    model = small_model(clip_value=None)
    inputs, targets, h0, C0 = random_case(np.random.default_rng(0))
    model.forward(inputs, targets, h0, C0)
    model.backward()
    grad = model.dWy.copy()
    steps = []
    for k in range(1, 4):
        before = model.Wy.copy()
        model.dWy[...] = grad          # the same gradient three times
        model.update_weights(0.1)
        np.testing.assert_allclose(model.memory["Wy"], k * grad ** 2)
        steps.append(np.abs(model.Wy - before))
    # Step k is lr * |g| / sqrt(k g^2 + 1e-8): it shrinks like 1 / sqrt(k).
    for k, step in enumerate(steps, start=1):
        np.testing.assert_allclose(step, 0.1 * np.abs(grad) / np.sqrt(k * grad ** 2 + 1e-8), rtol=1e-9, atol=1e-15)
    moving = np.abs(grad) > 0
    assert np.all(steps[1][moving] < steps[0][moving]) and np.all(steps[2][moving] < steps[1][moving])


def test_real_word_share():
    share, n = ex1.real_word_share("the river xqzt, an Bridge", "The river and the bridge.")
    assert n == 4 and share == pytest.approx(0.75)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("inputs,targets,match", [
    ([1, 2, 3], [1, 2], "targets: expected the shape of inputs"),
    ([], [], "inputs: expected a non-empty sequence"),
    ([1.0, 2.0], [1, 2], "inputs: expected integer token ids, got dtype float64"),
    ([1, 5], [1, 2], r"inputs: expected ids in \[0, 5\), got 5"),
    ([1, 2], [-1, 2], r"targets: expected ids in \[0, 5\), got -1"),
])
def test_forward_rejects_bad_sequences(inputs, targets, match):
    model = small_model()
    with pytest.raises(ValueError, match=match):
        model.forward(inputs, targets, np.zeros(H), np.zeros(H))


@pytest.mark.parametrize("h0,C0,match", [
    (np.zeros(H + 1), np.zeros(H), r"h_prev: expected shape \(4,\), got \(5,\)"),
    (np.zeros(H), np.zeros((2, H)), r"C_prev: expected shape \(4,\), got \(2, 4\)"),
    (np.full(H, np.nan), np.zeros(H), "h_prev: expected finite values"),
    (np.zeros(H), np.array([0, 0, np.inf, 0]), "C_prev: expected finite values"),
])
def test_forward_rejects_bad_states(h0, C0, match):
    with pytest.raises(ValueError, match=match):
        small_model().forward([1, 2], [2, 3], h0, C0)


def test_failed_forward_leaves_the_model_unchanged():
    model = small_model()
    model.forward([1, 2, 3], [2, 3, 4], np.zeros(H), np.zeros(H))
    h_states = model.h_states.copy()
    with pytest.raises(ValueError):
        model.forward([1, 2, 3], [2, 3, 9], np.zeros(H), np.zeros(H))
    np.testing.assert_array_equal(model.h_states, h_states)
    model.backward()  # still consistent with the last good forward


@pytest.mark.parametrize("hidden", [0, -3, 2.5])
def test_constructor_rejects_bad_hidden_size(hidden):
    with pytest.raises(ValueError, match="hidden_size: expected a positive integer"):
        ex1.LSTMFromScratch(5, hidden, 5)


def test_bad_temperature_and_learning_rate():
    model = small_model()
    with pytest.raises(ValueError, match="temperature: expected a positive number, got 0"):
        model.sample(np.zeros(H), np.zeros(H), 0, 5, temperature=0)
    model.forward([1, 2], [2, 3], np.zeros(H), np.zeros(H))
    model.backward()
    before = model.Wf.copy()
    with pytest.raises(ValueError, match="learning_rate: expected a positive number, got -0.1"):
        model.update_weights(-0.1)
    np.testing.assert_array_equal(model.Wf, before)


@pytest.mark.parametrize("text,match", [
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "text: expected at least 2 distinct characters, got 1"),
    ("abcab", r"text: expected at least 28 characters \(seq_length \+ 1 = 26 to train on, plus a 10% held-out part\), got 5"),
    ("ab" * 13, "got 26"),
])
def test_validate_text(text, match):
    with pytest.raises(ValueError, match=match):
        ex1.validate_text(text, 25)
    ex1.validate_text("ab" * 14, 25)  # 28 characters: 26 to train on, 2 held out


# ---------------------------------------------------------------- command line
def _one_line_error(capsys, argv, code=2):
    with pytest.raises(SystemExit) as exit_info:
        rc = ex1.main(argv)
        raise SystemExit(rc)
    assert exit_info.value.code == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("argv,fragment", [
    (["--hidden-size", "0"], "--hidden-size: expected a positive integer, got 0"),
    (["--temperature", "0"], "--temperature: expected a positive number, got 0.0"),
    (["--learning-rate", "-1"], "--learning-rate: expected a positive number"),
    (["--iterations", "0"], "--iterations: expected a positive integer, got 0"),
    (["--iterations", "ten"], "argument --iterations: invalid int value: 'ten'"),
    (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    (["--text", "/no/such/file.txt"], "--text: cannot read '/no/such/file.txt'"),
])
def test_cli_bad_input_prints_one_line_and_exits_2(capsys, argv, fragment):
    assert fragment in _one_line_error(capsys, argv)


def test_cli_rejects_unusable_text_files(tmp_path, capsys):
    one_char = tmp_path / "a.txt"
    one_char.write_text("a" * 100)
    assert "at least 2 distinct characters" in _one_line_error(capsys, ["--text", str(one_char)])
    short = tmp_path / "short.txt"
    short.write_text("hello there")
    assert "text: expected at least" in _one_line_error(capsys, ["--text", str(short)])


def test_cli_diverging_run_stops_with_advice(capsys, tmp_path):
    err = _one_line_error(capsys, ["--learning-rate", "1e308", "--iterations", "5", "--hidden-size", "8",
                                   "--outdir", str(tmp_path)], code=1)
    assert "smaller --learning-rate" in err


def test_cli_quick_run_writes_the_figure(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat. " * 30)
    rc = ex1.main(["--text", str(text), "--iterations", "30", "--hidden-size", "16", "--batch-size", "4",
                   "--outdir", str(tmp_path / "out")])
    assert rc == 0
    png = tmp_path / "out" / "ex1_loss_curve.png"
    assert png.exists() and png.stat().st_size > 10_000
    out = capsys.readouterr().out
    assert "summary" in out and "real words" in out


def test_cli_gradcheck(capsys):
    assert ex1.main(["--gradcheck"]) == 0
    assert "PASS" in capsys.readouterr().out

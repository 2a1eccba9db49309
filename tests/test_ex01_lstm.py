"""Tests for Exercise 1: the LSTM built from scratch (solution_01_lstm_implementation.py)."""
import os

import numpy as np
import pytest

import solution_01_lstm_implementation as ex1
from gradcheck import assert_gradients_match, randomize

D, H, V = 5, 4, 6
HERE = os.path.dirname(os.path.abspath(__file__))
ATTEMPT = os.path.join(HERE, "learner_attempt_ex1.py")


def small_model(seed=0, clip_value=ex1.CLIP_VALUE, **kwargs):
    return ex1.LSTMFromScratch(D, H, V, seed=seed, clip_value=clip_value, **kwargs)


def random_case(rng, T=6, B=None):
    shape, state = ((T,), (H,)) if B is None else ((T, B), (B, H))
    return (rng.integers(0, D, shape), rng.integers(0, V, shape),
            rng.normal(0, 0.5, state), rng.normal(0, 0.5, state))


def params_of(model):
    return {name: getattr(model, name) for name in model.PARAM_NAMES}


def grads_of(model):
    return {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}


# ---------------------------------------------------------------- the stub's shapes and driver
@pytest.mark.parametrize("B", [None, 3])
def test_caches_have_the_stubs_shapes_and_a_batch_axis_only_for_batches(B):
    model, T = small_model(), 7
    inputs, targets, h0, C0 = random_case(np.random.default_rng(0), T, B)
    model.forward(inputs, targets, h0, C0)
    dh, dC = model.backward()
    batch = () if B is None else (B,)
    assert model.inputs_cache.shape == (T,) + batch + (D,)
    np.testing.assert_array_equal(model.inputs_cache.argmax(axis=-1), inputs)       # one-hot x_t
    assert model.h_states.shape == model.C_states.shape == (T + 1,) + batch + (H,)
    np.testing.assert_array_equal(model.h_states[0], h0)
    np.testing.assert_array_equal(model.C_states[0], C0)
    for cache in (model.f_gates, model.i_gates, model.C_tilde_cache, model.o_gates):
        assert cache.shape == (T,) + batch + (H,)
    assert model.y_probs.shape == (T,) + batch + (V,)
    np.testing.assert_allclose(model.y_probs.sum(axis=-1), 1.0)
    assert dh.shape == dC.shape == h0.shape
    for name in ("Wf", "Wi", "Wc", "Wo"):
        assert getattr(model, name).shape == (H, H + D)
    assert model.Wy.shape == (V, H) and model.by.shape == (V,)
    for name in model.PARAM_NAMES:
        assert getattr(model, "d" + name).shape == getattr(model, name).shape


def test_the_stubs_test_driver_runs_unchanged_and_the_loss_falls():
    # The course stub's driver, in our words: V = 4 ("hello"), H = 10, windows of 5 characters,
    # SGD-sized lr 0.01, 100 iterations, the state carried with h_states[-1].copy().
    chars = sorted(set("hello"))
    data = [chars.index(ch) for ch in "hellohellohello"]
    lstm = ex1.LSTMFromScratch(len(chars), 10, len(chars))
    h, C, p, losses = np.zeros(10), np.zeros(10), 0, []
    for _ in range(100):
        if p + 6 > len(data):
            h, C, p = np.zeros(10), np.zeros(10), 0
        losses.append(lstm.forward(data[p:p + 5], data[p + 1:p + 6], h, C))
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h, C, p = lstm.h_states[-1].copy(), lstm.C_states[-1].copy(), p + 5
        assert h.shape == (10,) and dh.shape == (10,)
    # The stub's pre-written backward line: h_{t-1} beside the one-hot x_t.
    assert np.concatenate([lstm.h_states[0], lstm.inputs_cache[0]]).shape == (10 + len(chars),)
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:10])


def test_sigmoid_is_a_method_too_and_is_stable():
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 1000.0])
    out = small_model().sigmoid(x)                  # warnings are errors: an overflow fails here
    np.testing.assert_allclose(out[1:5], 1.0 / (1.0 + np.exp(-x[1:5])), rtol=1e-12)
    assert out[0] == 0.0 and out[-1] == 1.0


def test_forget_bias_starts_at_one_or_as_given():
    assert np.all(small_model().bf == 1.0)
    assert np.all(small_model(forget_bias=-2.0).bf == -2.0)
    assert np.all(small_model().bi == 0) and np.all(small_model().by == 0)


def test_gate_ranges_and_cached_equations():
    model = small_model(seed=3)
    randomize(params_of(model), np.random.default_rng(3), scale=3.0)   # push gates towards saturation
    inputs, targets, h0, C0 = random_case(np.random.default_rng(1), T=20, B=4)
    model.forward(inputs, targets, h0, C0)
    for gate in (model.f_gates, model.i_gates, model.o_gates):
        assert gate.min() >= 0.0 and gate.max() <= 1.0
    assert np.abs(model.C_tilde_cache).max() <= 1.0 and np.abs(model.h_states[1:]).max() <= 1.0
    np.testing.assert_allclose(model.C_states[1:], model.f_gates * model.C_states[:-1]
                               + model.i_gates * model.C_tilde_cache)
    np.testing.assert_allclose(model.h_states[1:], model.o_gates * np.tanh(model.C_states[1:]))


# ---------------------------------------------------------------- gradients
@pytest.mark.parametrize("B", [None, 3])
def test_gradients_match_finite_differences(B):
    rng = np.random.default_rng(1 if B is None else 2)
    model = small_model(clip_value=None)
    randomize(params_of(model), rng)
    inputs, targets, h0, C0 = random_case(rng, B=B)
    model.forward(inputs, targets, h0, C0)
    model.backward()
    assert_gradients_match(params_of(model), grads_of(model), lambda: model.forward(inputs, targets, h0, C0))


def test_gradients_of_the_states_match_finite_differences():
    rng = np.random.default_rng(5)
    model = small_model(clip_value=None)
    randomize(params_of(model), rng)
    inputs, targets, h0, C0 = random_case(rng)
    model.forward(inputs, targets, h0, C0)
    dh, dC = model.backward()
    states = {"h0": h0, "C0": C0}
    assert_gradients_match(states, {"h0": dh, "C0": dC}, lambda: model.forward(inputs, targets, h0, C0))


def test_skipped_targets_cost_nothing_and_get_no_gradient():
    rng = np.random.default_rng(7)
    model = small_model(clip_value=None)
    randomize(params_of(model), rng)
    inputs, targets, h0, C0 = random_case(rng, T=8, B=2)
    targets[:6] = -1                                 # score only the last two steps
    loss = model.forward(inputs, targets, h0, C0)
    expected = -sum(np.log(model.y_probs[t, b, targets[t, b]]) for t in (6, 7) for b in (0, 1))
    assert loss == pytest.approx(expected, rel=1e-12)
    model.backward()
    assert_gradients_match(params_of(model), grads_of(model), lambda: model.forward(inputs, targets, h0, C0))


def test_gradient_check_catches_a_wrong_backward():
    rng = np.random.default_rng(0)
    model = small_model(clip_value=None)
    randomize(params_of(model), rng)
    inputs, targets, h0, C0 = random_case(rng)
    model.forward(inputs, targets, h0, C0)
    model.backward()
    analytic = grads_of(model)
    analytic["Wf"][0, 0] *= 1.01                    # a 1% error in one entry
    with pytest.raises(AssertionError):
        assert_gradients_match(params_of(model), analytic, lambda: model.forward(inputs, targets, h0, C0))


def test_scripts_own_gradient_check_passes_and_restores_clipping():
    model, inputs, targets, h0, C0 = ex1.random_gradcheck_case(seed=5, batch_size=2)
    errors = ex1.gradient_check(model, inputs, targets, h0, C0)
    assert set(errors) == set(model.PARAM_NAMES) and max(errors.values()) <= 1e-7
    assert model.clip_value == ex1.CLIP_VALUE
    with pytest.raises(ValueError, match="eps: expected a finite number > 0, got 0"):
        ex1.gradient_check(model, inputs, targets, h0, C0, eps=0)


def test_clipping_bounds_every_gradient():
    model = small_model(clip_value=1e-3)
    randomize(params_of(model), np.random.default_rng(0), scale=2.0)
    inputs, targets, h0, C0 = random_case(np.random.default_rng(0), T=10)
    model.forward(inputs, targets, h0, C0)
    model.backward()
    largest = [np.abs(g).max() for g in grads_of(model).values()]
    assert max(largest) == 1e-3                     # bounded, and clipping was active


def test_backward_and_update_before_forward_raise():
    with pytest.raises(RuntimeError, match="forward"):
        small_model().backward()
    with pytest.raises(RuntimeError, match="forward and backward"):
        small_model().update_weights(0.1)


# ---------------------------------------------------------------- batches, determinism, learning
def test_batch_equals_stacked_single_runs():
    rng = np.random.default_rng(4)
    model = small_model(clip_value=None)
    randomize(params_of(model), rng)
    inputs, targets, h0, C0 = random_case(rng, T=6, B=3)
    targets[:2, 1] = -1
    batch_loss = model.forward(inputs, targets, h0, C0)
    batch_dh, batch_dC = model.backward()
    batch_grads, batch_h = grads_of(model), model.h_states.copy()
    losses, summed = [], {k: np.zeros_like(v) for k, v in batch_grads.items()}
    for b in range(3):
        losses.append(model.forward(inputs[:, b], targets[:, b], h0[b], C0[b]))
        dh, dC = model.backward()
        np.testing.assert_allclose(batch_dh[b], dh, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(batch_dC[b], dC, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(batch_h[:, b], model.h_states, rtol=1e-12, atol=1e-14)
        for k in summed:
            summed[k] += getattr(model, "d" + k)
    assert batch_loss == pytest.approx(sum(losses), rel=1e-12)
    for k in summed:
        np.testing.assert_allclose(batch_grads[k], summed[k], rtol=1e-9, atol=1e-12)


def corpus_ids():
    chars = sorted(set(ex1.DEFAULT_CORPUS))
    return len(chars), np.array([chars.index(c) for c in ex1.DEFAULT_CORPUS])


def short_training(seed, iterations=40):
    vocab, ids = corpus_ids()
    model = ex1.LSTMFromScratch(vocab, 16, vocab, seed=seed)
    return ex1.train(model, ids, iterations, 10, 0.1, batch_size=4, log=None)["loss_per_char"]


def test_same_seed_gives_identical_losses_and_training_lowers_the_loss():
    first = short_training(0)
    np.testing.assert_array_equal(first, short_training(0))
    assert not np.array_equal(first, short_training(1))
    assert first[-10:].mean() < 0.85 * first[:5].mean()


def test_hello_check_learns_the_pattern():
    result = ex1.test_lstm(iterations=300, learning_rate=0.1, log=None)
    assert result["losses"][-1] < 0.05 * result["losses"][0]
    assert result["sample"] == "hellohellohello"


def test_training_stops_on_divergence():
    vocab, ids = corpus_ids()
    model = ex1.LSTMFromScratch(vocab, 8, vocab)
    with pytest.raises(ex1.TrainingDiverged, match="smaller learning rate"):
        ex1.train(model, ids, 20, 10, 1e308, batch_size=2, log=None)


def test_early_stopping_restores_the_best_heldout_weights_and_scores_the_end():
    vocab, ids = corpus_ids()
    model = ex1.LSTMFromScratch(vocab, 16, vocab, seed=0)
    history = ex1.train(model, ids[:2000], 60, 10, 0.1, batch_size=4, heldout_ids=ids[-300:], log_every=25,
                        log=lambda line: None)
    assert [it for it, _ in history["heldout"]] == [25, 50, 60]
    best = min(loss for _, loss in history["heldout"])
    assert ex1.evaluate(model, ids[-300:]) == pytest.approx(best, rel=1e-12)


def test_sampling_returns_valid_ids_and_is_reproducible():
    model = ex1.LSTMFromScratch(V, H, V)
    ids = model.sample(np.zeros(H), np.zeros(H), 2, 50, temperature=0.8, rng=np.random.default_rng(1))
    assert len(ids) == 50 and all(isinstance(k, int) and 0 <= k < V for k in ids)
    assert ids == model.sample(np.zeros(H), np.zeros(H), 2, 50, temperature=0.8, rng=np.random.default_rng(1))
    with pytest.raises(ValueError, match="needs input_size == output_size"):
        small_model().sample(np.zeros(H), np.zeros(H), 0, 3)


def test_adagrad_memory_grows_and_the_step_shrinks():
    model = small_model(clip_value=None)
    model.forward(*random_case(np.random.default_rng(0)))
    model.backward()
    grad = model.dWy.copy()
    for k in range(1, 4):
        before = model.Wy.copy()
        model.dWy[...] = grad                         # the same gradient three times
        model.update_weights(0.1)
        np.testing.assert_allclose(model.memory["Wy"], k * grad ** 2)
        np.testing.assert_allclose(before - model.Wy, 0.1 * grad / np.sqrt(k * grad ** 2 + 1e-8), atol=1e-15)


def test_real_word_share():
    assert ex1.real_word_share("the river xqzt, an Bridge", "The river and the bridge.") == (0.75, 4)
    assert ex1.real_word_share("a b", "text") == (0.0, 0)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("inputs,targets,match", [
    ([1, 2, 3], [1, 2], "targets: expected the shape of inputs"),
    ([], [], "inputs: expected a non-empty"),
    ([1.0, 2.0], [1, 2], "inputs: expected integer ids, got dtype float64"),
    ([1, 5], [1, 2], r"inputs: expected ids in \[0, 5\), got 5"),
    ([1, 2], [-2, 2], r"targets: expected ids in \[0, 6\) or -1, got -2"),
])
def test_forward_rejects_bad_sequences(inputs, targets, match):
    with pytest.raises(ValueError, match=match):
        small_model().forward(inputs, targets, np.zeros(H), np.zeros(H))


@pytest.mark.parametrize("h0,C0,match", [
    (np.zeros(H + 1), np.zeros(H), r"h_prev: expected finite values of shape \(4,\), got shape \(5,\)"),
    (np.zeros(H), np.zeros((2, H)), r"C_prev: expected finite values of shape \(4,\), got shape \(2, 4\)"),
    (np.full(H, np.nan), np.zeros(H), "h_prev: .* with NaN or inf"),
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


@pytest.mark.parametrize("kwargs,match", [
    ({"hidden_size": 0}, "hidden_size: expected an integer in"), ({"hidden_size": 2.5}, "hidden_size"),
    ({"clip_value": -1.0}, "clip_value: expected a finite number > 0"),
    ({"forget_bias": float("inf")}, "forget_bias: expected a finite number"),
    ({"hidden_size": 10 ** 6}, "hidden_size: expected at most 2 GiB of weights, got 29,803 GiB"),
    ({"seed": -1}, r"seed: expected an integer in \[0, 9,223,372,036,854,775,808\], got -1"),
    ({"seed": 1.5}, "seed: expected an integer"),
])
def test_constructor_rejects_bad_arguments(kwargs, match):
    args = {"input_size": D, "hidden_size": H, "output_size": V, **kwargs}
    with pytest.raises(ValueError, match=match):
        ex1.LSTMFromScratch(**args)


@pytest.mark.parametrize("rate", [0, -0.1, float("inf"), float("nan")])
def test_bad_learning_rate_leaves_the_weights_alone(rate):
    model = small_model()
    model.forward([1, 2], [2, 3], np.zeros(H), np.zeros(H))
    model.backward()
    before = {k: v.copy() for k, v in params_of(model).items()}
    with pytest.raises(ValueError, match="learning_rate: expected a finite number > 0"):
        model.update_weights(rate)
    for k, v in params_of(model).items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("kwargs,match", [
    ({"temperature": 0}, "temperature: expected a finite number > 0, got 0"),
    ({"id_to_char": "abc"}, "id_to_char: expected 41 characters, got 3"),
    ({"log_every": -1}, "log_every: expected an integer in"),
])
def test_train_rejects_a_bad_argument_before_the_first_update(kwargs, match):
    vocab, ids = corpus_ids()
    model = ex1.LSTMFromScratch(vocab, 8, vocab)
    before = model.Wf.copy()
    with pytest.raises(ValueError, match=match):
        ex1.train(model, ids[:500], 5, 10, 0.1, log=None, **kwargs)
    np.testing.assert_array_equal(model.Wf, before)
    assert not hasattr(model, "dWf")                            # no backward ran


@pytest.mark.parametrize("kwargs,match", [
    ({"temperature": 0}, "temperature: expected a finite number > 0, got 0"),
    ({"seq_length": 10 ** 6}, r"seq_length: expected an integer in \[1, 344\]"),
    ({"seed": -1}, "seed: expected an integer in"),
    ({"text": "too short"}, "text: expected a text of at least 500 characters, 2 or more distinct, got 9 "),
    ({"text": "a" * 600}, "got 600 characters, 1 distinct"),
])
def test_run_demo_rejects_a_bad_argument_before_printing_anything(kwargs, match):
    lines = []
    with pytest.raises(ValueError, match=match):
        ex1.run_demo(iterations=5, log=lines.append, **kwargs)
    assert lines == []                                          # not even the gradient check ran


def test_public_functions_name_their_bad_arguments():
    vocab, ids = corpus_ids()
    model = ex1.LSTMFromScratch(vocab, 8, vocab)
    before = model.Wf.copy()
    with pytest.raises(ValueError, match="heldout_ids: expected at least 2 ids"):
        ex1.train(model, ids[:500], 5, 10, 0.1, heldout_ids=[0], log=None)
    np.testing.assert_array_equal(model.Wf, before)          # checked before any update
    with pytest.raises(ValueError, match="iterations: expected an integer"):
        ex1.test_lstm(iterations=0, log=None)
    with pytest.raises(ValueError, match="temperature: expected a finite number > 0"):
        model.sample(np.zeros(8), np.zeros(8), 0, 5, temperature=float("inf"))
    with pytest.raises(ValueError, match="data_ids: expected batch_size"):
        ex1.train(model, ids[:20], 5, 10, 0.1, batch_size=4, log=None)


# ---------------------------------------------------------------- command line
def one_line_error(capsys, argv, code=2):
    try:
        assert ex1.main(argv) == code
    except SystemExit as exit_info:                  # argparse's own errors exit from parse_args
        assert exit_info.code == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("argv,fragment", [
    (["--hidden-size", "0"], "--hidden-size: expected an integer in [1, 4,096], got 0"),
    (["--hidden-size", "1000000000"], "--hidden-size: expected an integer in [1, 4,096]"),
    (["--batch-size", "1000000000"], "--batch-size: expected an integer in [1, 4,096]"),
    (["--seq-length", "1000000000"], "--seq-length: expected an integer in [1, 344]"),
    (["--temperature", "inf"], "--temperature: expected a finite number > 0, got inf"),
    (["--learning-rate", "-1"], "--learning-rate: expected a finite number > 0"),
    (["--iterations", "0"], "--iterations: expected an integer in [1,"),
    (["--iterations", "ten"], "argument --iterations: invalid int value: 'ten'"),
    (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    (["--outdir", ""], "--outdir: cannot write to ''"),
    (["--outdir", "/proc"], "--outdir: cannot write to '/proc'"),
    (["--check", "/no/such/attempt.py"], "--check: "),
    (["--seed", "-1"], "--seed: expected an integer in [0, 1,000,000,000], got -1"),
    (["--check", "/no/such/attempt.py", "--seed", "-1"], "--seed: expected an integer in [0,"),
    (["--text", "/no/such/text.txt"], "--text: cannot read '/no/such/text.txt' (No such file or directory)"),
])
def test_cli_bad_input_prints_one_line_and_exits_2(capsys, argv, fragment):
    assert fragment in one_line_error(capsys, argv)


def test_cli_text_must_be_long_utf8_text(tmp_path, capsys):
    short, binary = tmp_path / "short.txt", tmp_path / "latin1.txt"
    short.write_text("hello " * 20, encoding="utf-8")
    binary.write_bytes("caf\xe9 ".encode("latin-1") * 200)
    err = one_line_error(capsys, ["--text", str(short)])
    assert "expected a text of at least 500 characters, 2 or more distinct, got 120 characters" in err
    assert "(not UTF-8 text)" in one_line_error(capsys, ["--text", str(binary)])


def test_cli_trains_on_the_learners_own_text(tmp_path, capsys):
    text = tmp_path / "input.txt"
    text.write_text("To be, or not to be, that is the question.\n" * 20, encoding="utf-8")
    assert ex1.main(["--text", str(text), "--iterations", "20", "--hidden-size", "16", "--outdir",
                     str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "training on 774 characters of input.txt (86 held out), 17 distinct" in out
    assert (tmp_path / "ex1_loss_curve.png").exists()


def test_cli_outdir_that_is_a_file_is_rejected_before_training(tmp_path, capsys):
    existing = tmp_path / "a_file"
    existing.write_text("x")
    assert "--outdir: cannot write to" in one_line_error(capsys, ["--outdir", str(existing)])
    assert "hello check" not in capsys.readouterr().out


def test_cli_diverging_run_stops_with_advice(capsys, tmp_path):
    err = one_line_error(capsys, ["--learning-rate", "1e308", "--iterations", "5", "--hidden-size", "8",
                                  "--outdir", str(tmp_path)], code=1)
    assert "smaller learning rate" in err


def test_cli_short_run_prints_the_checks_and_writes_the_figure(tmp_path, capsys):
    assert ex1.main(["--iterations", "20", "--hidden-size", "16", "--outdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "gradient check" in out and "PASS" in out and "hello check" in out and "real words" in out
    png = tmp_path / "ex1_loss_curve.png"
    assert png.exists() and png.stat().st_size > 10_000

"""Tests for exercise_04_solution.py: the stub's contracts, data, models, optimiser, training, analyses, CLI.
"""
import math

import numpy as np
import pytest

import exercise_04_solution as ex4
from gradcheck import assert_gradients_match, randomize


# ---------------------------------------------------------------------------- the stub's tasks and data
def test_memory_task_has_the_stubs_layout():
    X, y = ex4.generate_memory_task(7, num_samples=300, vocab_size=5, rng=np.random.default_rng(0))
    assert X.shape == (300, 9) and y.shape == (300,) and np.issubdtype(X.dtype, np.integer)
    assert np.array_equal(y, X[:, 0]) and np.all(X[:, -1] == 5)          # query token = vocab_size
    assert set(np.unique(X[:, :-1])) == set(range(5))                     # token and noise in 0..4
    X_default, _ = ex4.generate_memory_task(3)
    assert X_default.shape == (1000, 5) and X_default[:, -1].max() == 10   # the stub's defaults


def test_delayed_xor_task():
    X, y = ex4.generate_delayed_xor_task(6, 200, np.random.default_rng(1))
    assert X.shape == (200, 9) and y.shape == (200,)
    assert set(np.unique(X[:, :2])) == {0, 1} and set(np.unique(X[:, 2:-1])) == {2, 3}
    assert np.all(X[:, -1] == 4)
    assert np.array_equal(y, X[:, 0] ^ X[:, 1])


def test_copy_task_format_and_its_memoryless_baseline():
    T, n = 7, 50
    X, Y = ex4.generate_copy_task(T, n, np.random.default_rng(2))
    assert X.shape == Y.shape == (n, T + 20)
    assert np.all(X[:, :10] < 8) and np.all(X[:, 10:T + 9] == 8) and np.all(X[:, T + 9] == 9)
    assert np.all(X[:, T + 10:] == 8) and np.all(Y[:, :T + 10] == 8)
    assert np.array_equal(Y[:, T + 10:], X[:, :10])
    probs = np.zeros((n, T + 20, 9))                 # blanks for sure, then a uniform guess over 8 symbols
    probs[:, :T + 10, 8], probs[:, T + 10:, :8] = 1.0, 1.0 / 8
    direct = -np.log(np.take_along_axis(probs, Y[..., None], axis=2)).mean()
    task = ex4.make_task("copy", T, 40, 10)
    assert task["baseline"] == pytest.approx(direct, rel=1e-12) == pytest.approx(10 * math.log(8) / (T + 20))


def test_make_task_keeps_held_out_sequences_out_of_training_and_scores_only_the_query():
    task = ex4.make_task("recall", 3, 400, 50, seed=3, vocab_size=4)     # only 256 distinct sequences
    held = {tuple(col) for col in task["test_inputs"].T}
    train = {tuple(col) for col in task["inputs"].T}
    assert task["inputs"].shape == (5, 400 - sum(tuple(col) in held for col in ex4.generate_memory_task(
        3, 450, 4, np.random.default_rng(3))[0][:400]))
    assert not held & train and len(held) + len(train) <= 256
    assert np.all(task["targets"][:-1] == -1) and np.array_equal(task["targets"][-1], task["inputs"][0])
    assert (task["input_size"], task["output_size"], task["chance"]) == (5, 4, 25.0)


# ---------------------------------------------------------------------------- models and optimiser
def test_vanilla_rnn_gradient_check_with_unscored_steps():
    rng = np.random.default_rng(4)
    model = ex4.VanillaRNN(5, 4, 3)
    params = {name: getattr(model, name) for name in model.PARAM_NAMES}
    randomize(params, rng)
    x, y, h0 = rng.integers(0, 5, (6, 2)), rng.integers(0, 3, (6, 2)), rng.normal(0, 0.5, (2, 4))
    y[:3] = -1
    model.forward(x, y, h0)
    model.backward()
    analytic = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    assert_gradients_match(params, analytic, lambda: model.forward(x, y, h0))


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_state_gradients_match_finite_differences(kind):
    """backward()'s (dh_next, dC_next), which the gradient-flow analysis reads, against finite differences."""
    rng = np.random.default_rng(5)
    model = ex4.build_model(kind, 5, 3, 4)
    randomize({name: getattr(model, name) for name in model.PARAM_NAMES}, rng)
    x, y = rng.integers(0, 5, (5, 2)), np.full((5, 2), -1)
    y[-1] = rng.integers(0, 4, 2)
    h0, C0 = rng.normal(0, 0.5, (2, 3)), rng.normal(0, 0.5, (2, 3))
    model.forward(x, y, h0, C0)
    dh, dC = model.backward()
    for state, analytic in ((h0, dh), (C0, dC)) if kind == "lstm" else ((h0, dh),):
        numeric = np.zeros_like(state)
        for idx in np.ndindex(state.shape):
            for sign in (1, -1):
                state[idx] += sign * 1e-6
                numeric[idx] += sign * model.forward(x, y, h0, C0) / 2e-6
                state[idx] -= sign * 1e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)
    assert (dC is None) == (kind == "rnn")


def test_rnn_batch_equals_stacked_single_runs():
    rng = np.random.default_rng(6)
    model = ex4.VanillaRNN(5, 4, 3)
    x, y = rng.integers(0, 5, (5, 3)), rng.integers(-1, 3, (5, 3))
    loss = model.forward(x, y, np.zeros((3, 4)))
    model.backward()
    batch = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    total, singles = 0.0, {name: 0.0 for name in model.PARAM_NAMES}
    for b in range(3):
        total += model.forward(x[:, b], y[:, b], np.zeros(4))
        model.backward()
        singles = {name: singles[name] + getattr(model, "d" + name) for name in model.PARAM_NAMES}
    assert loss == pytest.approx(total, rel=1e-12)
    for name in model.PARAM_NAMES:
        np.testing.assert_allclose(batch[name], singles[name], rtol=1e-10, atol=1e-13)


def test_clip_global_norm_keeps_the_direction_and_rejects_a_bad_norm():
    grads = [np.array([3.0, 0.0]), np.array([[4.0]])]
    assert ex4.clip_global_norm(grads, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([g.ravel() for g in grads]), [0.6, 0.0, 0.8])
    assert ex4.clip_global_norm(grads, 10.0) == pytest.approx(1.0) and grads[0][0] == pytest.approx(0.6)
    for bad in (-1.0, 0.0, math.nan):
        with pytest.raises(ValueError, match="max_norm"):
            ex4.clip_global_norm(grads, bad)
    with pytest.raises(ex4.TrainingDiverged):
        ex4.clip_global_norm([np.array([np.inf])], 1.0)


def test_adam_first_step_moves_each_weight_by_lr_against_its_gradient():
    model = ex4.VanillaRNN(3, 2, 2)
    before = {name: getattr(model, name).copy() for name in model.PARAM_NAMES}
    rng = np.random.default_rng(7)
    for name in model.PARAM_NAMES:
        setattr(model, "d" + name, rng.normal(0, 1, before[name].shape))
    state = {}
    ex4.adam_step(model, state, 0.01)                     # m_hat = g, v_hat = g^2 after one step
    for name in model.PARAM_NAMES:
        g = getattr(model, "d" + name)
        step = getattr(model, name) - before[name]
        np.testing.assert_allclose(step, -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    assert state["t"] == 1


# ---------------------------------------------------------------------------- training
def test_lstm_learns_recall_from_ln_v_to_high_held_out_accuracy_deterministically():
    runs = [ex4.train_on_memory_task("recall", 5, "lstm", hidden_size=16, num_iterations=150, seed=1)[1]
            for _ in range(2)]
    h = runs[0]
    assert h["loss"][0] == pytest.approx(math.log(10), rel=0.05)                  # a fresh model guesses
    assert h["test_accuracy"][-1] >= 95 and h["loss"][-1] < 0.2 * h["loss"][0]
    np.testing.assert_array_equal(h["loss"], runs[1]["loss"])                     # same seed, same run
    trained = np.asarray(h["distance_trained"])                                   # the curriculum: 1, 2, 4, 5
    assert trained[0] == 1 and np.all(np.diff(trained) >= 0) and set(trained) <= {1, 2, 4, 5}


def test_without_curriculum_every_batch_has_the_full_distance():
    h = ex4.train_on_memory_task("recall", 4, "rnn", hidden_size=4, num_iterations=30, curriculum=None)[1]
    assert np.all(h["distance_trained"] == 4) and h["iterations"] == 30 and h["eval_at"][-1] == 30


def test_a_diverging_run_raises_one_clear_error_without_warnings_and_without_an_update(monkeypatch):
    model = ex4.build_model("lstm", 11, 4, 10)
    model.Wy[0, 0] = np.inf                                             # as if the weights had blown up
    before = model.Wf.copy()
    monkeypatch.setattr(ex4, "build_model", lambda *args: model)
    with pytest.raises(ex4.TrainingDiverged, match="the loss became nan at batch 1; try a smaller"):
        ex4.train_on_distance(3, hidden_size=4, num_iterations=5)
    assert np.array_equal(model.Wf, before)


def test_predict_gives_the_argmax_at_the_query():
    model = ex4.build_model("lstm", 11, 4, 10)
    X, _ = ex4.generate_memory_task(3, 5, rng=np.random.default_rng(8))
    classes = ex4.predict(model, X)
    zeros = np.zeros((5, 4))
    model.forward(X.T, np.full(X.T.shape, -1), zeros, zeros)
    assert np.array_equal(classes, model.y_probs[-1].argmax(axis=1))
    assert isinstance(ex4.predict(model, X[2]), int) and ex4.predict(model, X[2]) == classes[2]


# ---------------------------------------------------------------------------- the stub's flow, the analyses
def test_the_stubs_flow_runs_on_the_solution(tmp_path, capsys):
    distances, accuracies = ex4.test_all_distances([2, 3], num_iterations=40, hidden_size=8)
    assert distances == [2, 3] and len(accuracies) == 2 and all(0 <= a <= 100 for a in accuracies)
    ex4.plot_results(distances, accuracies, path=str(tmp_path / "results.png"))
    rnn = ex4.compare_with_rnn(distances, num_iterations=40, hidden_size=8)
    text = ex4.analyze_findings(distances, accuracies, rnn_accuracies=rnn)
    assert (tmp_path / "results.png").stat().st_size > 10_000 and len(rnn) == 2
    assert text in capsys.readouterr().out and text.startswith("LSTM: ")


@pytest.mark.parametrize("rnn, verdict", [
    ([[99, 40, 20], [99, 30, 10]], "holds (below 95% in 4 of its 4 runs beyond 10)"),
    ([[99, 96, 97], [99, 99, 95]], "does not: it passes (below 95% in 0 of its 4"),
    ([[99, 97, 20], [99, 30, 10]], "holds in part (below 95% in 3 of its 4")])
def test_analyze_findings_is_computed_from_its_arguments(rnn, verdict):
    text = ex4.analyze_findings([5, 20, 50], [[100, 99, 90], [100, 98, 99]], rnn_accuracies=rnn, log=None)
    lines = text.splitlines()
    assert lines[0] == ("LSTM: mean 97.7% over 3 distances x 2 seed(s), chance 10%; best at 5 (100.0%), "
                        "worst at 50 (94.5%)")
    assert "falls below the bar, 95% for every seed, at distance 50 (90.0%)" in lines[1]
    assert lines[1].endswith("the longest it handles (and all shorter): 20")
    assert verdict in text and "'the LSTM handles 50+ steps easily' (the course's README): falls short" in text
    assert "these accuracies alone say only where it fails" in text


def test_analyze_findings_answers_what_limits_the_distance_from_flow_and_curriculum():
    flow = {"rnn": dict(k=np.arange(1, 12), decay_h=0.5, decay_C=None)}
    text = ex4.analyze_findings([5, 10], [100, 100], rnn_accuracies=[100, 100], flow=flow,
                                reached={"rnn": [[5, 4]]}, log=None)
    assert "vanilla RNN: its curriculum fell short of the full distance in 1 of 2 runs, stopping at 4" in text
    assert (f"vanilla RNN: d loss / dh shrinks x0.500 per step back from the query: {0.5 ** 10:.1e} of it "
            "reaches the token 10 steps back, where it scores 100.0%") in text


def test_correlation_ratio_extremes():
    labels = np.array([0, 0, 1, 1, 2, 2])
    values = np.stack([labels * 2.0, np.array([1.0, -1, 1, -1, 1, -1])], axis=1)
    np.testing.assert_allclose(ex4.correlation_ratio(values, labels), [1.0, 0.0], atol=1e-12)


def test_cell_state_analysis_of_a_trained_lstm():
    model, _ = ex4.train_on_memory_task("recall", 5, "lstm", hidden_size=16, num_iterations=150, seed=1)
    cell = ex4.analyze_cell_state_evolution(model, 5, num_probe=200, seed=2)
    assert cell["C"].shape == (7, 16) and cell["tokens"][-1] == 10 and cell["probe_accuracy"] >= 95
    assert np.all((cell["selectivity"] >= 0) & (cell["selectivity"] <= 1 + 1e-12))
    assert cell["selectivity"][cell["memory_units"]].min() >= 0.5
    assert 0 < cell["f_retention"] < 1 and 0 < cell["i_encoding"] < 1
    np.testing.assert_allclose(cell["C_norm"], np.linalg.norm(cell["C"], axis=1))


def test_gradient_flow_matches_finite_differences_of_the_query_loss():
    model = ex4.build_model("rnn", 11, 3, 10)
    randomize({name: getattr(model, name) for name in model.PARAM_NAMES}, np.random.default_rng(9))
    flow = ex4.analyze_gradient_flow(model, 4, num_samples=2, seed=1)
    X, y = ex4.generate_memory_task(4, 2, rng=np.random.default_rng(1))
    x, targets = X.T, np.full(X.T.shape, -1)
    targets[-1] = y
    model.forward(x, targets, np.zeros((2, 3)))
    h = model.h_states[-3].copy()                           # the state k = 2 steps before the query
    numeric = np.zeros_like(h)
    for idx in np.ndindex(h.shape):
        for sign in (1, -1):
            h[idx] += sign * 1e-6
            numeric[idx] += sign * model.forward(x[-2:], targets[-2:], h) / 2e-6
            h[idx] -= sign * 1e-6
    assert flow["dh_norm"][1] == pytest.approx(np.linalg.norm(numeric, axis=1).mean(), rel=1e-6)
    assert flow["k"].tolist() == [1, 2, 3, 4, 5] and flow["dC_norm"] is None and flow["decay_C"] is None
    assert flow["decay_h"] == pytest.approx((flow["dh_norm"][-1] / flow["dh_norm"][0]) ** 0.25)
    lstm_flow = ex4.analyze_gradient_flow(ex4.build_model("lstm", 11, 6, 10), 4, num_samples=3)
    assert lstm_flow["dC_norm"].shape == (5,) and np.all(lstm_flow["dC_norm"] > 0)


# ---------------------------------------------------------------------------- bad input and the command line
@pytest.mark.parametrize("call, name", [
    (lambda: ex4.generate_memory_task(0), "distance"),
    (lambda: ex4.generate_memory_task(10 ** 9), "distance"),
    (lambda: ex4.generate_memory_task(100, num_samples=10 ** 9), "num_samples"),
    (lambda: ex4.generate_memory_task(5, vocab_size=1), "vocab_size"),
    (lambda: ex4.generate_copy_task(0), "T"),
    (lambda: ex4.make_task("gru", 5, 10, 10), "task"),
    (lambda: ex4.build_model("gru", 3, 2, 2), "kind"),
    (lambda: ex4.evaluate_memory_capacity(distances=()), "distances"),
    (lambda: ex4.analyze_cell_state_evolution(ex4.VanillaRNN(11, 2, 10), 5), "model"),
    (lambda: ex4.analyze_gradient_flow(ex4.build_model("rnn", 5, 2, 2), 5), "model"),      # an XOR model
    (lambda: ex4.analyze_findings([5, 10, 20], [90, 80]), "accuracies"),
    (lambda: ex4.analyze_findings([5, 10], [90, 80], rnn_accuracies=[50, 40, 30]), "rnn"),
    (lambda: ex4.analyze_findings([5, 10], [90, 180]), "accuracies"),
    (lambda: ex4.VanillaRNN(11, 10 ** 6, 10), "hidden_size"),
    (lambda: ex4.VanillaRNN(11, 4, 10, seed=-1), "seed"),
    (lambda: ex4.train_on_distance(5, seed=-1), "seed"),
    (lambda: ex4.train_on_distance(5, seed=1.5), "seed"),
    (lambda: ex4.plot_results([5, 10], [90]), "accuracies"),
    (lambda: ex4.predict(ex4.VanillaRNN(3, 2, 2), [[0, 3]]), "inputs"),
    (lambda: ex4.VanillaRNN(3, 2, 2).forward([0, 1], [0, 1], np.full(2, np.nan)), "h_prev"),
])
def test_bad_input_raises_a_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()


@pytest.mark.parametrize("argv, flag", [
    (["--distances", "1000000000"], "--distances"), (["--distances", "0"], "--distances"),
    (["--copy-lengths", "100000"], "--copy-lengths"), (["--seeds", "0"], "--seeds"),
    (["--hidden-size", "100000"], "--hidden-size"), (["--learning-rate", "-1"], "--learning-rate"),
    (["--learning-rate", "1e6"], "--learning-rate"),
    (["--hidden-size", "256", "--distances", "400"], "--distances"), (["--seed", "-1"], "--seed"),
    (["--iterations", "1000000"], "--iterations"),
])
def test_cli_bad_values_print_one_line_and_exit_2_before_any_training(argv, flag, capsys, monkeypatch):
    monkeypatch.setattr(ex4, "evaluate_memory_capacity", lambda *a, **k: pytest.fail("trained despite bad input"))
    assert ex4.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"error: {flag}:" in err


def test_test_all_distances_rejects_a_bad_distance_before_any_training(monkeypatch):
    monkeypatch.setattr(ex4, "train_on_distance", lambda *a, **k: pytest.fail("trained despite a bad distance"))
    for bad in ([2, 0], [5, 1], [], "5"):
        with pytest.raises(ValueError, match="^distances:"):
            ex4.test_all_distances(bad)


def test_cli_unwritable_outdir_fails_before_training(tmp_path, capsys, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setattr(ex4, "evaluate_memory_capacity", lambda *a, **k: pytest.fail("trained despite a bad --outdir"))
    assert ex4.main(["--outdir", str(tmp_path / "file" / "sub")]) == 2
    assert "error: --outdir:" in capsys.readouterr().err


def test_cli_diverging_run_prints_one_line_and_exits_1(tmp_path, capsys, monkeypatch):
    def diverge(*args, **kwargs):
        raise ex4.TrainingDiverged("the loss became nan at batch 7; try a smaller --learning-rate (now 1.0)")
    monkeypatch.setattr(ex4, "evaluate_memory_capacity", diverge)
    assert ex4.main(["--outdir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.endswith(": the loss became nan at batch 7; try a smaller --learning-rate (now 1.0)\n")


def test_tiny_run_writes_the_figures_and_a_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(ex4.QUICK, "copy_iterations", 10)
    monkeypatch.setitem(ex4.QUICK, "xor_distances", (8,))
    argv = ["--quick", "--distances", "2", "3", "--iterations", "10", "--hidden-size", "4",
            "--copy-lengths", "2", "--outdir", str(tmp_path)]
    assert ex4.main(argv) == 0
    for name in ("memory_capacity", "cell_state", "gradient_flow", "copy_training"):
        assert (tmp_path / f"ex4_{name}.png").stat().st_size > 10_000
    out = capsys.readouterr().out
    assert "summary" in out and "copy, distance 2" in out and "xor, distance 8" in out


def test_every_name_the_course_uses_exists_and_train_on_distance_returns_a_percentage():
    names = ["generate_memory_task", "train_on_distance", "predict", "test_all_distances",
             "plot_results", "analyze_findings", "compare_with_rnn", "VanillaRNN",      # the stub's
             "generate_copy_task", "generate_delayed_xor_task", "train_on_memory_task",
             "evaluate_memory_capacity", "analyze_cell_state_evolution", "visualize_memory_capacity",
             "visualize_cell_state"]                                                   # its solutions list
    assert all(callable(getattr(ex4, name, None)) for name in names)
    accuracy = ex4.train_on_distance(5, num_iterations=30, hidden_size=8)           # the stub's call
    assert isinstance(accuracy, float) and 0 <= accuracy <= 100

"""Tests for exercise_04_solution.py: data, models (gradient check), training, analysis, CLI."""
import math
import os
import sys

import numpy as np
import pytest

import exercise_04_solution as ex4

sys.path.insert(0, os.path.dirname(__file__))
from gradcheck import assert_gradients_match, randomize  # noqa: E402


# ---------------------------------------------------------------------------- data
@pytest.mark.parametrize("distractors", ["same", "separate"])
def test_memory_task_shapes_tokens_and_targets(distractors):
    K, d, n = 5, 7, 300
    x, y = ex4.generate_memory_task(d, n, K, distractors, np.random.default_rng(0))
    assert x.shape == y.shape == (d + 2, n)
    assert np.all((x[0] >= 0) & (x[0] < K))
    low = 0 if distractors == "same" else K
    assert np.all((x[1:-1] >= low) & (x[1:-1] < low + K))
    assert len(np.unique(x[1:-1])) == K                       # every distractor id appears
    assert np.all(x[-1] == 2 * K)                             # the query token
    assert np.all(y[:-1] == ex4.IGNORE)
    assert np.array_equal(y[-1], x[0])
    assert ex4.task_spec("recall", K, distractors)["chance"] == pytest.approx(1 / K)


def test_delayed_xor_task():
    x, y = ex4.generate_delayed_xor_task(6, 200, np.random.default_rng(1))
    assert x.shape == y.shape == (9, 200)
    assert set(np.unique(x[:2])) == {0, 1} and set(np.unique(x[2:-1])) == {2, 3}
    assert np.all(x[-1] == 4)
    assert np.array_equal(y[-1], x[0] ^ x[1]) and np.all(y[:-1] == ex4.IGNORE)


def test_copy_task_format_and_baseline_matches_direct_computation():
    T, n = 7, 50
    x, y = ex4.generate_copy_task(T, n, np.random.default_rng(2))
    assert x.shape == y.shape == (T + 20, n)
    assert np.all(x[:10] < 8)
    assert np.all(x[10:T + 9] == ex4.COPY_BLANK) and np.all(x[T + 9] == ex4.COPY_DELIMITER)
    assert np.all(x[T + 10:] == ex4.COPY_BLANK)
    assert np.all(y[:T + 10] == ex4.COPY_BLANK) and np.array_equal(y[T + 10:], x[:10])
    # memoryless predictor: blank with certainty, then uniform over the 8 data symbols
    probs = np.zeros((T + 20, n, 9))
    probs[:T + 10, :, ex4.COPY_BLANK] = 1.0
    probs[T + 10:, :, :8] = 1.0 / 8
    p_target = np.take_along_axis(probs, y[:, :, None], axis=2)
    direct = -np.log(p_target).sum() / y.size
    assert direct == pytest.approx(ex4.copy_baseline(T), rel=1e-12)
    assert ex4.copy_baseline(T) == pytest.approx(10 * math.log(8) / (T + 20))


def test_heldout_set_is_never_in_the_training_pool():
    # distance 2 with 3 symbols has only 27 sequences, so random draws collide often
    data = ex4.make_datasets("recall", 2, 300, 12, np.random.default_rng(3), alphabet_size=3)
    held = {data["heldout_inputs"][:, j].tobytes() for j in range(12)}
    assert len(held) == 12
    train = {data["train_inputs"][:, j].tobytes() for j in range(300)}
    assert data["train_inputs"].shape == (4, 300)
    assert not held & train
    assert len(train) == 27 - 12                               # the rest of the space is used


def test_training_reports_accuracy_on_the_disjoint_heldout_set():
    model = ex4.LSTMFromScratch(9, 8, 4, seed=0, forget_bias=3.0)
    result = ex4.train_on_memory_task(model, 3, alphabet_size=4, iterations=30, batch_size=16,
                                      n_train=200, n_heldout=50, eval_every=10, seed=5, log=None)
    data = ex4.make_datasets("recall", 3, 200, 50, np.random.default_rng(5), alphabet_size=4)
    acc, loss = ex4.scored_accuracy(model, data["heldout_inputs"], data["heldout_targets"], 1)
    assert result["final_accuracy"] == acc and result["final_loss"] == pytest.approx(loss)
    assert len(result["heldout_accuracy"]) == len(result["eval_iterations"]) >= 1


def test_shorten_keeps_head_and_tail():
    x, y = ex4.generate_memory_task(10, 4, rng=np.random.default_rng(0))
    xs, ys = ex4.shorten(x, y, 1, 1, 3)
    assert np.array_equal(xs, np.concatenate([x[:4], x[-1:]]))
    assert np.array_equal(ys[-1], x[0])


# ---------------------------------------------------------------------------- models
def _gradcheck(model, x, y, states):
    params = {name: getattr(model, name) for name in model.PARAM_NAMES}
    randomize(params, np.random.default_rng(model.hidden_size))
    model.forward(x, y, *states)
    model.backward()
    analytic = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    return assert_gradients_match(params, analytic, lambda: model.forward(x, y, *states))


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
@pytest.mark.parametrize("hidden", [3, 5])
def test_gradient_check(kind, hidden):
    rng = np.random.default_rng(hidden)
    model = ex4.build_model(kind, 4, hidden, 3, clip_norm=None)
    x = rng.integers(0, 4, (6, 2))
    y = rng.integers(0, 3, (6, 2))
    y[:2] = ex4.IGNORE                                          # unscored steps too
    n_states = 2 if kind == "lstm" else 1
    states = [rng.normal(0, 0.5, (2, hidden)) for _ in range(n_states)]
    _gradcheck(model, x, y, states)


def test_lstm_gate_names_are_views_of_the_fused_weights():
    model = ex4.LSTMFromScratch(3, 4, 2, forget_bias=2.5)
    assert model.Wf.shape == (4, 7) and np.all(model.bf == 2.5) and np.all(model.bi == 0)
    model.Wo[0, 0] = 7.0
    assert model.W[12, 0] == 7.0                                # [Wf; Wi; Wc; Wo]


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_batch_equals_stacked_single_runs(kind):
    rng = np.random.default_rng(7)
    model = ex4.build_model(kind, 5, 4, 3, clip_norm=None)
    x, y = rng.integers(0, 5, (5, 3)), rng.integers(-1, 3, (5, 3))
    batch_loss = model.forward(x, y)
    model.backward()
    batch_grads = {n: getattr(model, "d" + n).copy() for n in model.PARAM_NAMES}
    single_loss, single_grads = 0.0, {n: 0.0 for n in model.PARAM_NAMES}
    for b in range(3):
        single_loss += model.forward(x[:, b], y[:, b])
        model.backward()
        for n in model.PARAM_NAMES:
            single_grads[n] = single_grads[n] + getattr(model, "d" + n)
    assert batch_loss == pytest.approx(single_loss, rel=1e-12)
    for n in model.PARAM_NAMES:
        np.testing.assert_allclose(batch_grads[n], single_grads[n], rtol=1e-10, atol=1e-13)


def test_global_norm_clipping_bounds_the_gradient():
    rng = np.random.default_rng(8)
    model = ex4.LSTMFromScratch(4, 6, 3, clip_norm=0.01)
    x, y = rng.integers(0, 4, (8, 5)), rng.integers(0, 3, (8, 5))
    model.forward(x, y)
    model.backward()
    assert model.grad_norm > 0.01
    total = math.sqrt(sum(float((g ** 2).sum()) for g in model.gradients()))
    assert total == pytest.approx(0.01, rel=1e-9)


def test_short_training_at_delay_5_reaches_high_accuracy():
    model = ex4.LSTMFromScratch(17, 16, 8, seed=0, forget_bias=3.0)
    result = ex4.train_on_memory_task(model, 5, iterations=200, n_train=2000, n_heldout=300, seed=0, log=None)
    assert result["final_accuracy"] >= 0.95
    assert result["loss"][0] == pytest.approx(math.log(8), rel=0.05)   # starts at ln K


# ---------------------------------------------------------------------------- analysis
@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_gradient_flow_matches_finite_differences(kind):
    rng = np.random.default_rng(9)
    model = ex4.build_model(kind, 9, 4, 4, clip_norm=None)
    params = {name: getattr(model, name) for name in model.PARAM_NAMES}
    randomize(params, rng)
    d = 3
    flow = ex4.analyze_gradient_flow(model, d, alphabet_size=4, n_samples=2, seed=1)
    x, y = ex4.generate_memory_task(d, 2, 4, rng=np.random.default_rng(1))
    model.forward(x, y)
    h_states = model.h_states.copy()
    C_states = model.C_states.copy() if kind == "lstm" else None
    o_gates = model.o_gates.copy() if kind == "lstm" else None
    T, eps = d + 2, 1e-6

    def suffix_loss(t, h_t, C_t):
        """Loss of steps t+1.. started from the state after step t (h_t, C_t) of every sample."""
        states = (h_t, C_t) if kind == "lstm" else (h_t,)
        return model.forward(x[t + 1:], y[t + 1:], *states)

    for k in range(1, T):
        t = T - 1 - k                                           # step index of h_{T-k}
        h_t, numeric_h = h_states[t + 1], np.zeros((2, 4))
        C_t = C_states[t + 1] if kind == "lstm" else None
        numeric_C = np.zeros((2, 4))
        for idx in np.ndindex(2, 4):
            for sign in (1, -1):
                h = h_t.copy()
                h[idx] += sign * eps
                numeric_h[idx] += sign * suffix_loss(t, h, C_t) / (2 * eps)
                if kind == "lstm":                              # h_t = o_t * tanh(C_t) moves with C_t
                    C = C_t.copy()
                    C[idx] += sign * eps
                    numeric_C[idx] += sign * suffix_loss(t, o_gates[t] * np.tanh(C), C) / (2 * eps)
        np.testing.assert_allclose(flow["dh"][k], numeric_h, rtol=1e-6, atol=1e-10)
        assert flow["dh_norm"][k] == pytest.approx(np.linalg.norm(numeric_h, axis=1).mean(), rel=1e-6)
        if kind == "lstm":
            np.testing.assert_allclose(flow["dC"][k], numeric_C, rtol=1e-6, atol=1e-10)
    assert (flow["dC_norm"] is None) == (kind == "rnn")


def test_cell_state_analysis_finds_units_that_hold_the_symbol():
    model = ex4.LSTMFromScratch(17, 16, 8, seed=0, forget_bias=3.0)
    ex4.train_on_memory_task(model, 5, iterations=200, n_train=2000, n_heldout=300, seed=0, log=None)
    cell = ex4.analyze_cell_state_evolution(model, 5, n_probe=256, seed=1)
    assert cell["C"].shape == cell["h"].shape == (7, 16)
    assert cell["token_labels"][-1] == "?" and len(cell["token_labels"]) == 7
    assert cell["phases"] == dict(encoding=(0, 0), retention=(1, 5), retrieval=(6, 6))
    assert np.all((cell["selectivity"] >= 0) & (cell["selectivity"] <= 1 + 1e-12))
    assert cell["selectivity"][cell["memory_units"][0]] == cell["selectivity"].max() >= 0.5
    assert cell["probe_accuracy"] >= 0.95
    np.testing.assert_allclose(cell["C_norm"], np.linalg.norm(cell["C"], axis=1))


def test_correlation_ratio_extremes():
    labels = np.array([0, 0, 1, 1, 2, 2])
    values = np.stack([labels * 2.0, np.array([1.0, -1, 1, -1, 1, -1])], axis=1)
    np.testing.assert_allclose(ex4._correlation_ratio(values, labels, 3), [1.0, 0.0], atol=1e-12)


# ---------------------------------------------------------------------------- bad input and CLI
@pytest.mark.parametrize("call, name", [
    (lambda: ex4.generate_memory_task(0, 10), "distance"),
    (lambda: ex4.generate_memory_task(5, 10, alphabet_size=1), "alphabet_size"),
    (lambda: ex4.generate_delayed_xor_task(-1, 10), "distance"),
    (lambda: ex4.generate_copy_task(0, 10), "distance"),
    (lambda: ex4.train_on_memory_task(ex4.LSTMFromScratch(17, 4, 8), 5, n_train=10, batch_size=64, log=None),
     "n_train"),
    (lambda: ex4.LSTMFromScratch(17, 0, 8), "hidden_size"),
    (lambda: ex4.LSTMFromScratch(3, 2, 2).forward([[0, 3]], [[0, 1]]), "inputs"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_bad_input_leaves_the_model_untouched():
    model = ex4.LSTMFromScratch(3, 2, 2)
    with pytest.raises(ValueError, match="h_prev"):
        model.forward([0, 1], [0, 1], h_prev=np.full(2, np.nan))
    with pytest.raises(RuntimeError, match="forward"):
        model.backward()


@pytest.mark.parametrize("argv, name", [
    (["--iterations", "0"], "--iterations"),
    (["--delays", "0", "5"], "--delays"),
    (["--alphabet-size", "1"], "--alphabet-size"),
    (["--batch-size", "100000"], "--batch-size"),
])
def test_cli_bad_values_print_one_line_and_exit_2(argv, name, capsys):
    assert ex4.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err


def test_cli_bad_flag_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        ex4.main(["--no-such-flag"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_tiny_run_writes_the_figures(tmp_path, capsys):
    argv = ["--quick", "--delays", "2", "3", "--seeds", "2", "--iterations", "15", "--hidden-size", "6",
            "--xor-delays", "2", "--copy-delays", "2", "--copy-iterations", "15", "--outdir", str(tmp_path)]
    assert ex4.main(argv) == 0
    names = ["ex4_memory_capacity.png", "ex4_cell_state.png", "ex4_gradient_flow.png", "ex4_training_curves.png"]
    for name in names:
        assert (tmp_path / name).stat().st_size > 10_000
    assert "Summary" in capsys.readouterr().out


def _fake_capacity(lstm, rnn):
    delays = np.array([10, 20, 50])
    return dict(delays=delays, chance=0.125, accuracy=dict(lstm=np.array(lstm), rnn=np.array(rnn)))


@pytest.mark.parametrize("rnn, verdict", [
    ([[1.0, 0.2, 0.1], [1.0, 0.3, 0.2]], "holds here"),
    ([[1.0, 0.99, 0.97], [1.0, 0.96, 0.98]], "does not hold"),
    ([[1.0, 0.99, 0.3], [1.0, 0.5, 0.2]], "holds only partly"),
])
def test_course_claim_verdicts_follow_the_numbers(rnn, verdict):
    lines = ex4._course_claims(_fake_capacity([[1.0, 1.0, 0.9], [1.0, 1.0, 0.99]], rnn))
    assert "does not hold here: worst LSTM seed at delays >= 50 is 0.900" in lines[0]
    assert verdict in lines[1]

"""Tests for Exercise 5 (exercise_05_solution.py): the GRU, the fused LSTM, the comparison
and its analysis. Tiny models and short runs only; no timing is asserted."""
import math
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from gradcheck import assert_gradients_match, randomize, relative_errors, TOLERANCE  # noqa: E402

import exercise_05_solution as ex5  # noqa: E402

MODELS = (ex5.LSTM, ex5.GRU)


def random_case(cls, rng, D=4, H=3, T=5, B=None):
    """A model with N(0, 0.5^2) parameters, clipping off, plus random ids and states."""
    model = cls(D, H, D, seed=int(rng.integers(1000)), clip_value=None)
    randomize({name: getattr(model, name) for name in model.PARAM_NAMES}, rng)
    shape = (T,) if B is None else (T, B)
    inputs, targets = rng.integers(0, D, shape), rng.integers(0, D, shape)
    state_shape = (H,) if B is None else (B, H)
    states = [rng.normal(0.0, 0.5, state_shape) for _ in model.initial_state()]
    return model, inputs, targets, states


# ---------------------------------------------------------------------------------------
# Independent references: the exercise's equations, one step at a time, unfused
# ---------------------------------------------------------------------------------------
def reference_gru(model, inputs, targets, h):
    loss, hs = 0.0, []
    for x_id, y_id in zip(inputs, targets):
        x = np.eye(model.input_size)[x_id]
        concat = np.concatenate([h, x])
        r = 1 / (1 + np.exp(-(model.Wr @ concat + model.br)))
        z = 1 / (1 + np.exp(-(model.Wz @ concat + model.bz)))
        h_tilde = np.tanh(model.Wh @ np.concatenate([r * h, x]) + model.bh)
        h = (1 - z) * h + z * h_tilde
        logits = model.Wy @ h + model.by
        loss -= logits[y_id] - np.log(np.exp(logits).sum())
        hs.append(h)
    return loss, np.array(hs)


def reference_lstm(model, inputs, targets, h, C):
    loss, hs = 0.0, []
    for x_id, y_id in zip(inputs, targets):
        concat = np.concatenate([h, np.eye(model.input_size)[x_id]])
        f = 1 / (1 + np.exp(-(model.Wf @ concat + model.bf)))
        i = 1 / (1 + np.exp(-(model.Wi @ concat + model.bi)))
        C_tilde = np.tanh(model.Wc @ concat + model.bc)
        o = 1 / (1 + np.exp(-(model.Wo @ concat + model.bo)))
        C = f * C + i * C_tilde
        h = o * np.tanh(C)
        logits = model.Wy @ h + model.by
        loss -= logits[y_id] - np.log(np.exp(logits).sum())
        hs.append(h)
    return loss, np.array(hs)


@pytest.mark.parametrize("seed", [0, 1])
def test_forward_matches_unfused_reference(seed):
    rng = np.random.default_rng(seed)
    gru, inputs, targets, (h0,) = random_case(ex5.GRU, rng)
    ref_loss, ref_h = reference_gru(gru, inputs, targets, h0)
    assert gru.forward(inputs, targets, h0) == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(gru.h_states[1:, 0], ref_h, rtol=1e-12, atol=1e-14)

    lstm, inputs, targets, (h0, C0) = random_case(ex5.LSTM, rng)
    ref_loss, ref_h = reference_lstm(lstm, inputs, targets, h0, C0)
    assert lstm.forward(inputs, targets, h0, C0) == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(lstm.h_states[1:, 0], ref_h, rtol=1e-12, atol=1e-14)


def test_reset_gate_acts_before_the_matmul():
    """r = [1, 0], z = 1 and Wh's h part swapping the two units: the exercise's GRU gives
    h~ = tanh(Wh_h (r * h_prev) + bh) = tanh([0, h0] + bh); applying r after the matmul
    (r * (Wh_h h_prev)) would give tanh([h1, 0] + bh) instead."""
    gru = ex5.GRU(2, 2, 2, clip_value=None)
    gru.Wr[...] = 0.0
    gru.br[...] = [50.0, -50.0]          # r = [1, 0]
    gru.Wz[...] = 0.0
    gru.bz[...] = 50.0                   # z = 1: h_t = h_tilde
    gru.Wh[...] = 0.0
    gru.Wh[:, :2] = [[0.0, 1.0], [1.0, 0.0]]
    gru.bh[...] = 0.3
    h0 = np.array([0.9, -0.7])
    gru.forward([0], [1], h0)
    np.testing.assert_allclose(gru.h_states[1, 0], np.tanh([0.3, 0.9 + 0.3]), atol=1e-12)


# ---------------------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize("seed,batch", [(0, None), (1, None), (2, 3)])
def test_gradient_check(cls, seed, batch):
    model, inputs, targets, states = random_case(cls, np.random.default_rng(seed), B=batch)
    params = {name: getattr(model, name) for name in model.PARAM_NAMES}
    model.forward(inputs, targets, *states)
    model.backward()
    analytic = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    assert_gradients_match(params, analytic, lambda: model.forward(inputs, targets, *states))


@pytest.mark.parametrize("cls", MODELS)
def test_state_gradients_returned_by_backward(cls):
    model, inputs, targets, states = random_case(cls, np.random.default_rng(5), B=2)
    model.forward(inputs, targets, *states)
    returned = model.backward()
    returned = returned if isinstance(returned, tuple) else (returned,)
    names = [f"state{k}" for k in range(len(states))]
    errors = relative_errors(dict(zip(names, states)), dict(zip(names, returned)),
                             lambda: model.forward(inputs, targets, *states))
    assert max(errors.values()) <= TOLERANCE, errors


@pytest.mark.parametrize("cls", MODELS)
def test_last_state_continues_the_sequence(cls):
    """Running 6 steps at once equals 3 + 3 steps with last_state() carried over."""
    model, inputs, targets, states = random_case(cls, np.random.default_rng(9), T=6, B=2)
    whole = model.forward(inputs, targets, *states)
    first = model.forward(inputs[:3], targets[:3], *states)
    second = model.forward(inputs[3:], targets[3:], *model.last_state())
    assert first + second == pytest.approx(whole, rel=1e-12)


def test_gradients_are_clipped_by_default():
    model = ex5.GRU(3, 4, 3)
    model.W *= 40.0
    model.Wy[...] = 40.0 * np.random.default_rng(0).normal(size=model.Wy.shape)
    model.forward(np.array([0, 1, 2] * 4), np.array([1, 2, 0] * 4), np.zeros(4))
    model.backward()
    for name in model.PARAM_NAMES:
        assert np.abs(getattr(model, "d" + name)).max() <= 5.0


# ---------------------------------------------------------------------------------------
# Shapes, ranges, views
# ---------------------------------------------------------------------------------------
def test_gru_shapes_and_gate_ranges():
    D, H, T, B = 5, 4, 6, 3
    model, inputs, targets, (h0,) = random_case(ex5.GRU, np.random.default_rng(3), D, H, T, B)
    h0 = np.tanh(h0)
    model.forward(inputs, targets, h0)
    for name in ("Wr", "Wz", "Wh"):
        assert getattr(model, name).shape == (H, H + D)
    for name in ("br", "bz", "bh"):
        assert getattr(model, name).shape == (H,)
    assert model.inputs_cache.shape == model.reset_cache.shape == (T, B, H + D)
    assert model.h_states.shape == (T + 1, B, H)
    assert model.y_probs.shape == (T, B, D)
    for gate in (model.r_gates, model.z_gates):
        assert gate.shape == (T, B, H) and gate.min() >= 0.0 and gate.max() <= 1.0
    assert np.abs(model.h_tilde_cache).max() <= 1.0
    assert np.abs(model.h_states).max() <= 1.0       # convex mix of h_prev and h_tilde
    np.testing.assert_allclose(model.y_probs.sum(axis=2), 1.0)
    dh = model.backward()
    assert dh.shape == (B, H)
    for name in model.PARAM_NAMES:
        assert getattr(model, "d" + name).shape == getattr(model, name).shape


def test_lstm_shapes_and_gate_ranges():
    D, H, T, B = 5, 4, 6, 3
    model, inputs, targets, states = random_case(ex5.LSTM, np.random.default_rng(4), D, H, T, B)
    model.forward(inputs, targets, *states)
    for gate in (model.f_gates, model.i_gates, model.o_gates):
        assert gate.shape == (T, B, H) and gate.min() >= 0.0 and gate.max() <= 1.0
    assert np.abs(model.C_tilde_cache).max() <= 1.0
    assert np.abs(model.h_states[1:]).max() <= 1.0
    assert model.C_states.shape == (T + 1, B, H)
    dh, dC = model.backward()
    assert dh.shape == dC.shape == (B, H)
    assert np.all(ex5.LSTM(3, 4, 3).bf == 1.0)


@pytest.mark.parametrize("cls", MODELS)
def test_gate_matrices_are_views_of_the_fused_arrays(cls):
    model = cls(3, 2, 3)
    first_w, first_b = cls.FUSED_W[0], cls.FUSED_B[0]
    getattr(model, first_w)[0, 0] = 123.0
    getattr(model, first_b)[1] = -7.0
    assert model.W[0, 0] == 123.0 and model.b[1] == -7.0
    assert np.shares_memory(model.memory[first_w], model._memory["W"])


@pytest.mark.parametrize("cls", MODELS)
def test_initial_loss_is_T_ln_V(cls):
    V, T = 20, 30
    model = cls(V, 16, V, seed=0)
    rng = np.random.default_rng(0)
    loss = model.forward(rng.integers(0, V, T), rng.integers(0, V, T), *model.initial_state())
    assert loss == pytest.approx(T * math.log(V), rel=0.05)


# ---------------------------------------------------------------------------------------
# Parameter counts
# ---------------------------------------------------------------------------------------
def test_count_parameters_by_hand():
    D, H, V = 7, 5, 6
    lstm_cell = 4 * (H * (H + D) + H)                 # 4 gates: W (H, H+D) + b (H,)
    gru_cell = 3 * (H * (H + D) + H)
    output = V * H + V
    assert ex5.count_parameters(ex5.LSTM(D, H, V)) == lstm_cell + output == 4 * 65 + 36
    assert ex5.count_parameters(ex5.GRU(D, H, V)) == gru_cell + output == 3 * 65 + 36
    blocks = ex5.parameter_blocks(ex5.GRU(D, H, V))
    assert blocks == {"reset gate": 65, "update gate": 65, "candidate h~": 65, "output layer": 36}
    assert sum(ex5.parameter_blocks(ex5.LSTM(D, H, V)).values()) == lstm_cell + output


def test_matched_hidden_size_is_the_closest_count():
    D = V = 39
    for H in (8, 24):
        target = ex5.count_parameters(ex5.LSTM(D, H, V))
        best = min(range(1, 3 * H), key=lambda h: (abs(ex5.count_parameters(ex5.GRU(D, h, V)) - target), h))
        assert ex5.matched_hidden_size(H, D, V) == best


# ---------------------------------------------------------------------------------------
# Batches and training
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", MODELS)
def test_batch_equals_stacked_single_runs(cls):
    rng = np.random.default_rng(7)
    model, inputs, targets, states = random_case(cls, rng, T=6, B=3)
    batch_loss = model.forward(inputs, targets, *states)
    batch_dstates = model.backward()
    batch_dstates = batch_dstates if isinstance(batch_dstates, tuple) else (batch_dstates,)
    batch_grads = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    single_loss = 0.0
    single_grads = {name: 0.0 for name in model.PARAM_NAMES}
    for b in range(3):
        single_loss += model.forward(inputs[:, b], targets[:, b], *[s[b] for s in states])
        dstates = model.backward()
        dstates = dstates if isinstance(dstates, tuple) else (dstates,)
        for batch_d, single_d in zip(batch_dstates, dstates):
            np.testing.assert_allclose(batch_d[b], single_d, rtol=1e-10, atol=1e-12)
        for name in model.PARAM_NAMES:
            single_grads[name] = single_grads[name] + getattr(model, "d" + name)
    assert batch_loss == pytest.approx(single_loss, rel=1e-12)
    for name in model.PARAM_NAMES:
        np.testing.assert_allclose(batch_grads[name], single_grads[name], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", MODELS)
def test_hello_loss_decreases(cls):
    chars = "helo"
    ids = np.array([chars.index(c) for c in "hello" * 5])
    model = cls(4, 16, 4, seed=0)
    losses = []
    for _ in range(100):
        losses.append(model.forward(ids[:-1], ids[1:], *model.initial_state()))
        model.backward()
        model.update_weights(0.1)
    assert losses[-1] < 0.1 * losses[0]


def test_adagrad_step_and_memory():
    model = ex5.GRU(3, 4, 3, clip_value=None)
    before = model.Wz.copy()
    model.forward([0, 1, 2], [1, 2, 0], np.zeros(4))
    model.backward()
    g = model.dWz.copy()
    model.update_weights(0.1)
    np.testing.assert_allclose(model.memory["Wz"], g ** 2)
    np.testing.assert_allclose(model.Wz, before - 0.1 * g / np.sqrt(g ** 2 + 1e-8))


def test_compare_records_everything_and_is_reproducible():
    kwargs = dict(hidden_size=6, seq_length=5, batch_size=2, iterations=8, seeds=[0, 1], log=None)
    results = ex5.compare_lstm_gru(**kwargs)
    again = ex5.compare_lstm_gru(**kwargs)
    assert set(results["runs"]) == {"lstm", "gru", "gru_matched"}
    V = results["config"]["vocab_size"]
    assert results["models"]["gru_matched"]["hidden_size"] == ex5.matched_hidden_size(6, V, V)
    for key, runs in results["runs"].items():
        assert [r["seed"] for r in runs] == [0, 1]
        for run, rerun in zip(runs, again["runs"][key]):
            assert run["loss"].shape == run["seconds"].shape == (8,)
            assert np.all(run["seconds"] > 0)
            assert len(run["heldout"]) == len(run["eval_iterations"]) and run["eval_iterations"][-1] == 8
            assert len(run["sample"]) == ex5.SAMPLE_LENGTH + 1
            np.testing.assert_array_equal(run["loss"], rerun["loss"])
            assert run["loss"][0] == pytest.approx(math.log(V), rel=0.05)


# ---------------------------------------------------------------------------------------
# Analysis on a hand-made results dict
# ---------------------------------------------------------------------------------------
def hand_made_results(gru_seconds, gru_best):
    """LSTM: 10 ms per iteration; GRU: gru_seconds (one value, or one per seed)."""
    def run(seconds, best, final, train):
        return {"loss": np.full(20, train), "seconds": np.full(20, seconds), "heldout": np.array([2.0, best, final]),
                "heldout_final": final, "real_word_share": 0.5}

    blocks = {"lstm": {"forget gate": 100, "input gate": 100, "candidate C~": 100, "output gate": 100,
                       "output layer": 100},
              "gru": {"reset gate": 100, "update gate": 100, "candidate h~": 100, "output layer": 100},
              "gru_matched": {"reset gate": 130, "update gate": 130, "candidate h~": 130, "output layer": 110}}
    models = {key: {"label": key, "hidden_size": {"lstm": 10, "gru": 10, "gru_matched": 12}[key],
                    "blocks": b, "total": sum(b.values())} for key, b in blocks.items()}
    runs = {"lstm": [run(0.010, b, 1.5, 1.0) for b in (1.0, 1.1, 1.2)],
            "gru": [run(sec, b, 1.6, 0.9) for sec, b in zip(np.broadcast_to(gru_seconds, 3), gru_best)],
            "gru_matched": [run(0.0095, b, 1.6, 0.9) for b in (1.3, 1.3, 1.3)]}
    return {"models": models, "runs": runs}


def test_analyze_comparison_claims_hold():
    a = ex5.analyze_comparison(hand_made_results(0.0085, (1.02, 1.12, 1.22)))
    assert a["params"]["lstm"]["cell"] == 400 and a["params"]["gru"]["total"] == 400
    assert a["savings_pct"]["cell"] == pytest.approx(25.0)
    assert a["savings_pct"]["model"] == pytest.approx(20.0)
    assert a["savings_pct"]["matched_model"] == pytest.approx(0.0)
    assert a["time_ratio"]["gru"] == pytest.approx(0.85)
    assert a["speedup_pct"]["gru"] == pytest.approx(15.0)
    assert a["speedup_pct_by_seed"]["gru"] == pytest.approx([15.0, 15.0, 15.0])
    assert a["time_ratio"]["gru_matched"] == pytest.approx(0.95)
    assert a["ms_per_iteration"]["lstm"] == pytest.approx(10.0)
    assert a["heldout_best"]["lstm"] == pytest.approx((1.1, 0.1))
    assert a["heldout"]["gru"] == pytest.approx((1.6, 0.0))
    assert a["train_final"]["gru"] == pytest.approx((0.9, 0.0))
    assert a["loss_diff_pct"]["gru"] == pytest.approx(100 * 0.02 / 1.1)
    params, speed, performance = a["verdicts"]
    assert params["holds"] is False and params["status"] == "holds for the recurrent cell only"
    assert speed["holds"] is True and speed["status"] == "holds"
    assert performance["holds"] is True and performance["status"] == "holds"
    assert "25.0% fewer" in params["detail"] and "20.0% fewer" in params["detail"]


def test_analyze_comparison_claims_fail():
    a = ex5.analyze_comparison(hand_made_results(0.012, (1.3, 1.3, 1.3)))
    assert a["speedup_pct"]["gru"] == pytest.approx(-20.0)
    _, speed, performance = a["verdicts"]
    assert speed["holds"] is False and "20.0% slower" in speed["status"]
    assert performance["holds"] is False and "higher" in performance["status"]
    assert a["loss_diff_pct"]["gru"] == pytest.approx(100 * 0.2 / 1.1)


# ---------------------------------------------------------------------------------------
# Benchmark and figures
# ---------------------------------------------------------------------------------------
def test_benchmark_returns_times_and_shares():
    bench = ex5.benchmark(hidden_sizes=(4, 8), batch_sizes=(1, 3), seq_length=4, vocab_size=5,
                          min_seconds=0.0, log=None)
    for key in ("lstm", "gru"):
        assert bench[key]["ms"].shape == (2, 2) and np.all(bench[key]["ms"] > 0)
        assert np.all(bench[key]["matmul_share"] > 0)


def test_figures_are_written(tmp_path):
    results = ex5.compare_lstm_gru(hidden_size=4, seq_length=5, batch_size=2, iterations=6,
                                   seeds=[0, 1], log=None)
    path = tmp_path / "cmp.png"
    fig = ex5.visualize_comparison(results, ex5.analyze_comparison(results), str(path))
    ex5.plt.close(fig)
    bench = ex5.benchmark(hidden_sizes=(4,), batch_sizes=(1, 2), seq_length=3, vocab_size=5,
                          min_seconds=0.0, log=None)
    bench_path = tmp_path / "bench.png"
    ex5.plt.close(ex5.visualize_benchmark(bench, str(bench_path)))
    assert path.stat().st_size > 10_000 and bench_path.stat().st_size > 10_000


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("call,match", [
    (lambda m: m.forward([0, 1], [1], np.zeros(3)), "targets"),
    (lambda m: m.forward([], [], np.zeros(3)), "non-empty"),
    (lambda m: m.forward([0, 4], [1, 2], np.zeros(3)), r"ids in \[0, 4\), got 4"),
    (lambda m: m.forward([0.0, 1.0], [1, 2], np.zeros(3)), "integer"),
    (lambda m: m.forward([0, 1], [1, 2], np.zeros(2)), "h_prev: expected shape"),
    (lambda m: m.forward([0, 1], [1, 2], np.array([0.0, np.nan, 0.0])), "finite"),
    (lambda m: m.forward([[0], [1]], [[1], [2]], np.zeros(3)), "h_prev: expected shape"),
    (lambda m: m.update_weights(0.0), "learning_rate"),
    (lambda m: m.sample(np.zeros(3), 0, 5, temperature=0.0), "temperature"),
])
def test_bad_input_raises_without_changing_state(call, match):
    model = ex5.GRU(4, 3, 4)
    model.forward([0, 1, 2], [1, 2, 3], np.zeros(3))
    model.backward()
    W, probs = model.W.copy(), model.y_probs.copy()
    with pytest.raises(ValueError, match=match):
        call(model)
    np.testing.assert_array_equal(model.W, W)
    np.testing.assert_array_equal(model.y_probs, probs)


def test_bad_constructor_and_order_of_calls():
    with pytest.raises(ValueError, match="hidden_size: expected a positive integer, got 0"):
        ex5.GRU(3, 0, 3)
    with pytest.raises(RuntimeError, match="forward"):
        ex5.LSTM(3, 2, 3).backward()
    with pytest.raises(RuntimeError, match="backward"):
        ex5.GRU(3, 2, 3).update_weights(0.1)
    with pytest.raises(ValueError, match="distinct"):
        ex5.split_text("aaaaaaaaaaaaaaaaaaaa", 3, 2)
    with pytest.raises(ValueError, match="expected at least"):
        ex5.split_text("abcabc", 25, 16)


def test_sample_returns_valid_ids():
    model = ex5.GRU(5, 4, 5)
    ids = model.sample(np.zeros(4), 2, 30, temperature=0.8)
    assert len(ids) == 30 and all(0 <= i < 5 for i in ids)
    lstm = ex5.LSTM(5, 4, 5)
    assert all(0 <= i < 5 for i in lstm.sample(np.zeros(4), np.zeros(4), 1, 10))


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv,match", [
    (["--iterations", "0"], "--iterations: expected a positive integer, got 0"),
    (["--learning-rate", "nan"], "--learning-rate"),
    (["--text", "/nonexistent/file.txt"], "--text: cannot read"),
    (["--hidden-size", "abc"], "invalid int value"),
    (["--seeds", "-1"], "--seeds"),
])
def test_cli_bad_input_is_one_line_exit_2(argv, match, capsys, tmp_path):
    try:
        code = ex5.main(argv + ["--outdir", str(tmp_path)])
    except SystemExit as exit_:          # argparse's own type errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and match in err


def test_cli_short_text_is_one_line_exit_2(capsys, tmp_path):
    text = tmp_path / "short.txt"
    text.write_text("abc abc")
    assert ex5.main(["--text", str(text), "--outdir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_runs_and_saves_the_figure(capsys, tmp_path):
    code = ex5.main(["--iterations", "4", "--hidden-size", "4", "--seeds", "2", "--seq-length", "5",
                     "--batch-size", "2", "--outdir", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "fewer parameters" in out and (tmp_path / "ex5_comparison.png").exists()


def test_cli_divergence_is_one_line_exit_1(capsys, tmp_path):
    code = ex5.main(["--iterations", "30", "--hidden-size", "4", "--seeds", "1", "--seq-length", "5",
                     "--batch-size", "2", "--learning-rate", "1e308", "--outdir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "learning-rate" in err


def test_batch_windows_stream_through_the_text():
    ids = np.arange(23)                       # streams of (23 - 1) // 2 = 11 ids
    windows = ex5.batch_windows(ids, seq_length=5, batch_size=2)
    inputs, targets, restart = next(windows)
    assert restart and inputs.tolist() == [[0, 11], [1, 12], [2, 13], [3, 14], [4, 15]]
    np.testing.assert_array_equal(targets, inputs + 1)
    inputs, _, restart = next(windows)
    assert not restart and inputs[0].tolist() == [5, 16]
    _, _, restart = next(windows)             # 10 + 5 > 11: back to the start
    assert restart


def test_speed_verdict_is_borderline_when_seeds_straddle_the_range():
    a = ex5.analyze_comparison(hand_made_results([0.0078, 0.0079, 0.0082], (1.0, 1.1, 1.2)))
    assert a["speedup_pct"]["gru"] == pytest.approx(21.0)
    assert a["speedup_pct_by_seed"]["gru"] == pytest.approx([22.0, 21.0, 18.0])
    speed = a["verdicts"][1]
    assert speed["holds"] is False and speed["status"].startswith("borderline") and "above" in speed["status"]

"""Tests for Exercise 5 (exercise_05_solution.py): the GRU and the fused LSTM, the stub's functions and
flow, the comparison, its analysis, the sweep, --check and bad input. Tiny models and short runs only; no
timing is asserted."""
import math
import os
import sys
import types

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from gradcheck import assert_gradients_match, randomize, relative_errors, TOLERANCE  # noqa: E402

import exercise_05_solution as ex5  # noqa: E402

MODELS = (ex5.LSTM, ex5.GRU)
TEXT = "the cat sat on the mat. the dog sat on the log. " * 8


def random_case(cls, rng, D=4, H=3, T=5, B=None):
    """A model with N(0, 0.5^2) parameters and clipping off, random ids and random states."""
    model = cls(D, H, D, seed=int(rng.integers(1000)), clip_value=None)
    randomize({name: getattr(model, name) for name in model.PARAM_NAMES}, rng)
    shape = (T,) if B is None else (T, B)
    states = [rng.normal(0.0, 0.5, shape[1:] + (H,)) for _ in model.STATES]
    return model, rng.integers(0, D, shape), rng.integers(0, D, shape), states


# ---- the equations, one unfused step at a time, as an independent reference -------------------------
def reference(model, inputs, targets, states):
    sig = lambda a: 1 / (1 + np.exp(-a))
    loss, hs = 0.0, []
    h, C = (states + [None])[:2]
    for x_id, y_id in zip(inputs, targets):
        x = np.eye(model.input_size)[x_id]
        concat = np.concatenate([h, x])
        if isinstance(model, ex5.GRU):
            r, z = sig(model.Wr @ concat + model.br), sig(model.Wz @ concat + model.bz)
            h = (1 - z) * h + z * np.tanh(model.Wh @ np.concatenate([r * h, x]) + model.bh)
        else:
            C = sig(model.Wf @ concat + model.bf) * C + sig(model.Wi @ concat + model.bi) * np.tanh(
                model.Wc @ concat + model.bc)
            h = sig(model.Wo @ concat + model.bo) * np.tanh(C)
        logits = model.Wy @ h + model.by
        loss -= logits[y_id] - np.log(np.exp(logits).sum())
        hs.append(h)
    return loss, np.array(hs)


@pytest.mark.parametrize("cls", MODELS)
def test_forward_matches_the_unfused_equations(cls):
    model, inputs, targets, states = random_case(cls, np.random.default_rng(0))
    loss, hs = reference(model, inputs, targets, states)
    assert model.forward(inputs, targets, *states) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(model.h_states[1:], hs, rtol=1e-12, atol=1e-14)


def test_reset_gate_acts_before_the_matmul():
    """r = [1, 0], z = 1 and Wh's h part swapping the two units: the exercise's GRU gives
    h~ = tanh(Wh_h (r * h_prev) + bh) = tanh([0, h0] + bh); r after the matmul would give [h1, 0]."""
    gru = ex5.GRU(2, 2, 2, clip_value=None)
    for name in ("Wr", "Wz", "Wh"):
        getattr(gru, name)[...] = 0.0
    gru.br[...], gru.bz[...], gru.bh[...] = [50.0, -50.0], 50.0, 0.3
    gru.Wh[:, :2] = [[0.0, 1.0], [1.0, 0.0]]
    gru.forward([0], [1], np.array([0.9, -0.7]))
    np.testing.assert_allclose(gru.h_states[1], np.tanh([0.3, 0.9 + 0.3]), atol=1e-12)


# ---- gradients -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize("seed,batch", [(0, None), (1, None), (2, 3)])
def test_gradient_check(cls, seed, batch):
    model, inputs, targets, states = random_case(cls, np.random.default_rng(seed), B=batch)
    model.forward(inputs, targets, *states)
    returned = model.backward()
    analytic = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    loss = lambda: model.forward(inputs, targets, *states)
    assert_gradients_match({name: getattr(model, name) for name in model.PARAM_NAMES}, analytic, loss)
    returned = returned if isinstance(returned, tuple) else (returned,)
    names = [f"state{k}" for k in range(len(states))]
    errors = relative_errors(dict(zip(names, states)), dict(zip(names, returned)), loss)
    assert max(errors.values()) <= TOLERANCE, errors


def test_gradient_check_catches_a_wrong_backward(monkeypatch):
    model, inputs, targets, (h0,) = random_case(ex5.GRU, np.random.default_rng(3))
    model.forward(inputs, targets, h0)
    model.backward()
    analytic = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    analytic["Wz"][0, 0] *= 1.01
    with pytest.raises(AssertionError):
        assert_gradients_match({"Wz": model.Wz}, analytic, lambda: model.forward(inputs, targets, h0))


def test_gradients_are_clipped_by_default():
    model = ex5.GRU(3, 4, 3)
    for name in ("Wr", "Wz", "Wh"):
        getattr(model, name)[...] *= 40.0
    model.Wy = 40.0 * np.random.default_rng(0).normal(size=model.Wy.shape)
    model.forward([0, 1, 2] * 4, [1, 2, 0] * 4, np.zeros(4))
    model.backward()
    grads = [getattr(model, "d" + name) for name in model.PARAM_NAMES]
    assert max(np.abs(g).max() for g in grads) == 5.0


# ---- shapes, ranges, views, the stub's usage -----------------------------------------------------------
@pytest.mark.parametrize("cls", MODELS)
def test_batch_equals_stacked_single_runs(cls):
    model, inputs, targets, states = random_case(cls, np.random.default_rng(7), T=6, B=3)
    loss = model.forward(inputs, targets, *states)
    dstates = model.backward()
    grads = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    single_loss, single_grads = 0.0, dict.fromkeys(model.PARAM_NAMES, 0.0)
    for b in range(3):
        single_loss += model.forward(inputs[:, b], targets[:, b], *[s[b] for s in states])
        for batch_d, d in zip(*[x if isinstance(x, tuple) else (x,) for x in (dstates, model.backward())]):
            np.testing.assert_allclose(batch_d[b], d, rtol=1e-10, atol=1e-12)
        for name in model.PARAM_NAMES:
            single_grads[name] = single_grads[name] + getattr(model, "d" + name)
    assert loss == pytest.approx(single_loss, rel=1e-12)
    for name in model.PARAM_NAMES:
        np.testing.assert_allclose(grads[name], single_grads[name], rtol=1e-10, atol=1e-12)


def test_gru_shapes_and_ranges_for_one_sequence_and_a_batch():
    D, H, T, B = 5, 4, 6, 3
    for batch in ((), (B,)):
        model, inputs, targets, (h0,) = random_case(ex5.GRU, np.random.default_rng(3), D, H, T, (batch or [None])[0])
        model.forward(inputs, targets, np.tanh(h0))
        assert model.inputs_cache.shape == (T,) + batch + (D,) and model.y_probs.shape == (T,) + batch + (D,)
        assert model.h_states.shape == (T + 1,) + batch + (H,)
        for gate in (model.r_gates, model.z_gates):
            assert gate.shape == (T,) + batch + (H,) and 0.0 <= gate.min() and gate.max() <= 1.0
        assert np.abs(model.h_tilde_cache).max() <= 1.0 and np.abs(model.h_states).max() <= 1.0
        np.testing.assert_allclose(model.y_probs.sum(axis=-1), 1.0)
        assert model.backward().shape == batch + (H,)
    assert [getattr(model, name).shape for name in model.PARAM_NAMES] == [(H, H + D), (H,)] * 3 + [(D, H), (D,)]
    assert model.sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]


def test_lstm_gate_ranges_and_forget_bias():
    model, inputs, targets, states = random_case(ex5.LSTM, np.random.default_rng(4), 5, 4, 6, 3)
    model.forward(inputs, targets, *states)
    for gate in (model.f_gates, model.i_gates, model.o_gates):
        assert gate.shape == (6, 3, 4) and 0.0 <= gate.min() and gate.max() <= 1.0
    assert np.abs(model.C_tilde_cache).max() <= 1.0 and np.abs(model.h_states[1:]).max() <= 1.0
    assert np.all(ex5.LSTM(3, 4, 3).bf == 1.0) and np.all(ex5.LSTM(3, 4, 3).bi == 0.0)


def test_stub_usage_carries_the_state_and_learns_hello():
    """The course's loop: forward, backward, update, then h = gru.h_states[-1].copy() into the next call."""
    chars = "ehlo"
    ids = [chars.index(c) for c in "hellohello"]
    gru, h, losses = ex5.GRU(4, 16, 4, seed=0), np.zeros(16), []
    for _ in range(100):
        losses.append(gru.forward(ids[:-1], ids[1:], h))
        gru.backward()
        gru.update_weights(0.1)
        h = gru.h_states[-1].copy()
    assert h.shape == (16,) and losses[-1] < 0.1 * losses[0]


@pytest.mark.parametrize("cls", MODELS)
def test_each_block_is_a_separate_array_made_in_the_constructor(cls):
    """The exercise's Wr, Wz, Wh (Wf, Wi, Wc, Wo) are arrays of their own, not views of a stacked
    matrix; forward stacks them per call, so an assignment to one is what the next forward uses."""
    model = cls(3, 2, 3)
    arrays = [getattr(model, name) for name in model.PARAM_NAMES]
    assert all(type(a) is np.ndarray and a.base is None for a in arrays)
    assert not any(np.shares_memory(a, b) for k, a in enumerate(arrays) for b in arrays[k + 1:])
    assert all(name in vars(model) for name in model.PARAM_NAMES)
    states = [np.zeros(2)] * len(model.STATES)
    before = model.forward([0, 1], [1, 2], *states)
    weight = model.PARAM_NAMES[2]                          # Wz or Wi
    setattr(model, weight, np.zeros_like(getattr(model, weight)))
    assert model.forward([0, 1], [1, 2], *states) != before
    model.backward()
    assert all(getattr(model, "d" + name).shape == getattr(model, name).shape
               for name in model.PARAM_NAMES)


def test_source_creates_each_gru_block_on_its_own_tagged_line():
    import inspect
    source = inspect.getsource(ex5.GRU.__init__)
    for tag, names in (("2", ("Wr", "br")), ("3", ("Wz", "bz")), ("4", ("Wh", "bh")),
                       ("5", ("Wy", "by"))):
        for name in names:
            assert any(line.strip().startswith(f"self.{name} =") and f"(TODO {tag})" in line
                       for line in source.splitlines()), (name, tag)


@pytest.mark.parametrize("cls", MODELS)
def test_initial_loss_is_T_ln_V(cls):
    rng = np.random.default_rng(0)
    model = cls(20, 16, 20, seed=0)
    loss = model.forward(rng.integers(0, 20, 30), rng.integers(0, 20, 30), *[np.zeros(16)] * len(model.STATES))
    assert loss == pytest.approx(30 * math.log(20), rel=0.05)


def test_adagrad_step_and_memory():
    model = ex5.GRU(3, 4, 3, clip_value=None)
    before = model.Wz.copy()
    model.forward([0, 1, 2], [1, 2, 0], np.zeros(4))
    model.backward()
    g = model.dWz.copy()
    model.update_weights(0.1)
    np.testing.assert_allclose(model.memory["Wz"], g ** 2)
    np.testing.assert_allclose(model.Wz, before - 0.1 * g / np.sqrt(g ** 2 + 1e-8))


# ---- parameter counts ------------------------------------------------------------------------------
def test_count_parameters_matches_the_stub_and_the_course_reference():
    H, V = 64, 54
    assert ex5.count_parameters(ex5.LSTM(V, H, V)) == 33_974
    assert ex5.count_parameters(ex5.GRU(V, H, V)) == 26_358
    reference = types.SimpleNamespace(**{w: np.zeros((H, H + V)) for w in ("Wf", "Wi", "Wc", "Wo")},
                                      **{b: np.zeros((H, 1)) for b in ("bf", "bi", "bc", "bo")},
                                      Why=np.zeros((V, H)), by=np.zeros((V, 1)), learning_rate=0.001)
    assert ex5.count_parameters(reference) == 33_974
    assert ex5.parameter_blocks(ex5.GRU(7, 5, 6)) == {"reset gate": 65, "update gate": 65, "candidate h~": 65,
                                                      "output layer": 36}


def test_matched_hidden_size_is_the_closest_count():
    for H, D in ((8, 39), (24, 39), (128, 41)):
        target = ex5.count_parameters(ex5.LSTM(D, H, D))
        best = min(range(1, 3 * H), key=lambda h: (abs(3 * h * (h + D + 1) + D * (h + 1) - target), h))
        assert ex5.matched_hidden_size(H, D, D) == best
    assert ex5.matched_hidden_size(10 ** 9, 41, 41) > 10 ** 9     # no allocation, no hang


# ---- training, the comparison and the stub's flow --------------------------------------------------------
def test_batch_windows_stream_through_the_text():
    windows = ex5.batch_windows(np.arange(23), seq_length=5, batch_size=2)   # streams of 11 ids
    assert len(windows) == 2
    assert windows[0][0].tolist() == [[0, 11], [1, 12], [2, 13], [3, 14], [4, 15]]
    np.testing.assert_array_equal(windows[0][1], windows[0][0] + 1)
    assert windows[1][0][0].tolist() == [5, 16]


def test_comparison_is_reproducible_and_records_everything():
    kwargs = dict(hidden_size=6, iterations=8, seeds=[0, 1], seq_length=5, batch_size=2)
    results, again = ex5.compare_lstm_gru(TEXT, **kwargs), ex5.compare_lstm_gru(TEXT, **kwargs)
    V = results["config"]["vocab_size"]
    assert results["gru_matched"]["hidden_size"] == ex5.matched_hidden_size(6, V, V)
    for key in ex5.MODEL_KEYS:
        assert results[key]["learning_rate"] == ex5.LEARNING_RATES[key]
        for run, rerun in zip(results[key]["runs"], again[key]["runs"]):
            assert run["loss"].shape == run["seconds"].shape == (8,) and np.all(run["seconds"] > 0)
            assert run["eval_iterations"][-1] == 8 and len(run["heldout"]) == len(run["eval_iterations"])
            np.testing.assert_array_equal(run["loss"], rerun["loss"])
            assert run["loss"][0] == pytest.approx(math.log(V), rel=0.05)
        np.testing.assert_allclose(results[key]["losses"], np.mean([r["loss"] for r in results[key]["runs"]], 0))


def test_the_stubs_flow_runs(tmp_path, capsys):
    char_to_idx = {ch: k for k, ch in enumerate(sorted(set(TEXT)))}
    results = ex5.compare_models(TEXT, char_to_idx, hidden_size=8, num_iterations=6, seq_length=5, batch_size=2)
    assert set(results) == {"config", "lstm", "gru"}
    V = len(char_to_idx)
    for key, cls in (("lstm", ex5.LSTM), ("gru", ex5.GRU)):
        assert results[key]["params"] == ex5.count_parameters(cls(V, 8, V))
        assert len(results[key]["losses"]) == len(results[key]["times"]) == 6
    fig = ex5.plot_comparison(results, str(tmp_path / "stub.png"))
    assert len(fig.axes) == 3 and (tmp_path / "stub.png").stat().st_size > 10_000
    ex5.plt.close(fig)
    ex5.write_comparison_report(results)
    out = capsys.readouterr().out
    claims = [ex5.PARAMETER_CLAIM, *ex5.SPEED_CLAIMS, ex5.LOSS_CLAIM]
    assert all(f'"{claim[0]}" ({claim[1]})' in out for claim in claims)
    losses, times = ex5.train_model(ex5.GRU(len(char_to_idx), 8, len(char_to_idx)), TEXT * 3, char_to_idx, 5)
    assert len(losses) == len(times) == 5 and all(t > 0 for t in times)


def test_tuning_chooses_the_lowest_mean_validation_loss():
    tuning = ex5.tune_learning_rates(TEXT, rates=(0.02, 0.3), seeds=[0], hidden_size=5, iterations=10,
                                     seq_length=5, batch_size=2)
    for key, validation in tuning["validation"].items():
        assert validation.shape == (2, 1)
        assert tuning["chosen"][key] == (0.02, 0.3)[int(np.argmin(validation[:, 0]))]


def test_benchmark_and_four_panel_figure(tmp_path):
    bench = ex5.benchmark(cases=((3, 2, 4),), vocab_size=5, seconds=0.0)
    assert bench["lstm"][0] > 0 and bench["gru"][0] > 0
    results = ex5.compare_lstm_gru(TEXT, hidden_size=4, iterations=6, seeds=[0, 1], seq_length=5, batch_size=2)
    fig = ex5.visualize_comparison(results, ex5.analyze_comparison(results), str(tmp_path / "cmp.png"))
    assert len(fig.axes) == 4 and (tmp_path / "cmp.png").stat().st_size > 10_000
    ex5.plt.close(fig)


# ---- analysis on hand-made results -----------------------------------------------------------------
def hand_made(gru_seconds, gru_best):
    """LSTM 10 ms per iteration, GRU gru_seconds; blocks of 100 parameters; LSTM best held-out 1.0-1.2."""
    def runs(seconds, bests):
        return [{"loss": np.linspace(3.0, 1.0, 20), "seconds": np.full(20, s), "heldout": [2.0, b, 1.6]}
                for s, b in zip(seconds, bests)]
    blocks = lambda n: {**{f"gate {k}": 100 for k in range(n)}, "output layer": 100}
    return {"lstm": {"params": 500, "blocks": blocks(4), "runs": runs([0.010] * 3, (1.0, 1.1, 1.2))},
            "gru": {"params": 400, "blocks": blocks(3), "runs": runs(np.broadcast_to(gru_seconds, 3), gru_best)}}


def test_analysis_when_the_claims_hold():
    a = ex5.analyze_comparison(hand_made(0.0085, (1.02, 1.12, 1.22)))
    assert a["savings"]["cell"] == pytest.approx(25.0) and a["savings"]["model"] == pytest.approx(20.0)
    assert a["ratio"]["gru"] == pytest.approx(0.85) and a["speedup_by_seed"]["gru"] == pytest.approx([15.0] * 3)
    assert a["final"]["lstm"] == pytest.approx((1.1, 0.1)) and a["last"]["gru"] == pytest.approx((1.6, 0.0))
    assert a["diff"]["gru"] == pytest.approx(100 * 0.02 / 1.1)
    assert [v["holds"] for v in a["verdicts"]] == [False, True, False, True]
    assert a["verdicts"][0]["status"].startswith("holds for the recurrent cell only (25.0% fewer)")
    assert "a smaller saving than claimed: 20.0% against 25-30%" in a["verdicts"][0]["status"]
    assert a["verdicts"][2]["status"] == "a smaller speed-up than claimed: 15.0% against 20-30%"


def test_analysis_when_the_claims_fail():
    a = ex5.analyze_comparison(hand_made([0.012, 0.011, 0.013], (1.3, 1.3, 1.3)))
    assert a["speedup_by_seed"]["gru"] == pytest.approx([-20.0, -10.0, -30.0])
    _, speed, _, performance = a["verdicts"]
    assert not speed["holds"] and speed["status"] == "not at all: the GRU takes 20.0% more time"
    assert not performance["holds"] and "18.2% higher (worse)" in performance["status"]
    assert "a gap wider than the noise" in performance["status"]


# ---- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("call,match", [
    (lambda m: m.forward([0, 1], [1], np.zeros(3)), "targets: expected the shape"),
    (lambda m: m.forward([], [], np.zeros(3)), "inputs: expected a non-empty"),
    (lambda m: m.forward([0, 4], [1, 2], np.zeros(3)), r"inputs: expected ids in \[0, 4\), got 4"),
    (lambda m: m.forward([0.0, 1.0], [1, 2], np.zeros(3)), "inputs: expected integer ids"),
    (lambda m: m.forward([0, 1], [1, 2], np.zeros(2)), "h_prev: expected finite values of shape"),
    (lambda m: m.forward([0, 1], [1, 2], [0.0, np.nan, 0.0]), "with NaN or inf"),
    (lambda m: m.update_weights(0.0), "learning_rate"),
    (lambda m: ex5.heldout_loss_per_char(m, [3]), "ids: expected"),
])
def test_bad_input_raises_and_changes_nothing(call, match):
    model = ex5.GRU(4, 3, 4)
    model.forward([0, 1, 2], [1, 2, 3], np.zeros(3))
    model.backward()
    W, probs = model.Wr.copy(), model.y_probs.copy()
    with pytest.raises(ValueError, match=match):
        call(model)
    np.testing.assert_array_equal(model.Wr, W)
    np.testing.assert_array_equal(model.y_probs, probs)


@pytest.mark.parametrize("call,match", [
    (lambda: ex5.GRU(3, 0, 3), "hidden_size: expected an integer"),
    (lambda: ex5.count_parameters(object()), "model: expected NumPy array attributes"),
    (lambda: ex5.matched_hidden_size(0, 41, 41), "lstm_hidden_size"),
    (lambda: ex5.batch_windows(np.arange(20), 0, 2), "seq_length"),
    (lambda: ex5.split_text("a" * 50), "text: expected 4 characters or more, 2 of them distinct"),
    (lambda: ex5.split_text("abc"), "text: expected 4 characters or more"),
    (lambda: ex5.batch_windows(np.arange(20), 5, 0), "batch_size"),
    (lambda: ex5.compare_lstm_gru(TEXT, seeds=[]), "seeds"),
    (lambda: ex5.train_model(ex5.GRU(3, 4, 3), "abcd" * 200, {"a": 0, "b": 1, "c": 2}), "char_to_idx: .* 'd'"),
])
def test_bad_arguments_name_themselves(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("argv,match", [
    (["--iterations", "0"], "--iterations: expected an integer"),
    (["--hidden-size", "1000000000"], "--hidden-size: expected an integer in [1, 4,096]"),
    (["--learning-rate", "nan"], "--learning-rate"),
    (["--seeds", "0"], "--seeds"),
    (["--outdir", "/proc/no_such_dir"], "--outdir: cannot write"),
    (["--hidden-size", "abc"], "invalid int value"),
])
def test_cli_bad_input_is_one_line_and_exit_2(argv, match, capsys):
    try:
        code = ex5.main(argv)
    except SystemExit as exit_:                       # argparse's own errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and match in err


def test_cli_runs_saves_the_figure_and_stops_a_diverging_run(tmp_path, capsys):
    assert ex5.main(["--iterations", "3", "--hidden-size", "4", "--seeds", "2", "--outdir", str(tmp_path)]) == 0
    assert "fewer parameters" in capsys.readouterr().out and (tmp_path / "ex5_comparison.png").exists()
    code = ex5.main(["--iterations", "20", "--hidden-size", "4", "--seeds", "1", "--learning-rate", "1e308",
                     "--outdir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "smaller --learning-rate" in err

"""Tests for Exercise 2: capture, analysis, findings, figures and command line.

Tiny models and short runs keep the file to a few seconds.
"""
import math
import re

import numpy as np
import pytest

import exercise_02_solution as ex2
from gradcheck import assert_gradients_match, randomize

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def tiny_model(text, hidden_size=5, seed=0, clip_value=ex2.CLIP_VALUE):
    chars, char_to_id = ex2.build_vocab(text)
    model = ex2.LSTMFromScratch(len(chars), hidden_size, len(chars), seed=seed, clip_value=clip_value)
    return model, char_to_id


def reference_gates(model, ids):
    """The course equations written out step by step, independently of forward()."""
    H, D = model.hidden_size, model.input_size
    h, C = np.zeros(H), np.zeros(H)
    out = {name: [] for name in ("forget", "input", "output", "candidate", "cell", "hidden")}
    for k in ids:
        x = np.zeros(D)
        x[k] = 1.0
        concat = np.concatenate([h, x])
        f = 1.0 / (1.0 + np.exp(-(model.Wf @ concat + model.bf)))
        i = 1.0 / (1.0 + np.exp(-(model.Wi @ concat + model.bi)))
        C_tilde = np.tanh(model.Wc @ concat + model.bc)
        o = 1.0 / (1.0 + np.exp(-(model.Wo @ concat + model.bo)))
        C = f * C + i * C_tilde
        h = o * np.tanh(C)
        for name, value in zip(out, (f, i, o, C_tilde, C, h)):
            out[name].append(value)
    return {name: np.array(values) for name, values in out.items()}


def synthetic(chars, **arrays):
    """A capture-like dict: given (T, H) arrays, with 0.5 for the gates not given."""
    T, H = next(iter(arrays.values())).shape
    acts = {name: np.full((T, H), 0.5) for name in ex2.GATES}
    acts.update({"candidate": np.zeros((T, H)), "cell": np.zeros((T, H)), "hidden": np.zeros((T, H))})
    acts.update(arrays)
    acts["chars"] = list(chars)
    return acts


# ---------------------------------------------------------------- capture


def test_capture_equals_the_equations_and_the_models_own_forward():
    text = "the cat sat on the mat."
    model, char_to_id = tiny_model(text)
    randomize({name: getattr(model, name) for name in model.PARAM_NAMES}, np.random.default_rng(1))
    acts = ex2.capture_gate_activations(model, text, char_to_id)
    ids = [char_to_id[ch] for ch in text]

    expected = reference_gates(model, ids)
    for name, values in expected.items():
        np.testing.assert_allclose(acts[name], values, rtol=1e-12, atol=1e-12, err_msg=name)

    # The same sequence as column 0 of a batch through forward() gives the same gates.
    batch = np.stack([ids, ids[::-1]], axis=1)
    model.forward(batch, batch, np.zeros((2, 5)), np.zeros((2, 5)))
    for name, cache in (("forget", model.f_gates), ("input", model.i_gates), ("output", model.o_gates),
                        ("candidate", model.C_tilde_cache), ("cell", model.C_states[1:]),
                        ("hidden", model.h_states[1:])):
        np.testing.assert_allclose(acts[name], cache[:, 0], rtol=1e-13, atol=1e-15, err_msg=name)
    assert acts["chars"] == list(text)


def test_capture_shapes_and_ranges():
    text = ex2.DEFAULT_CORPUS[:300]
    model, char_to_id = tiny_model(text, hidden_size=7)
    acts = ex2.capture_gate_activations(model, text, char_to_id)
    for name in ("forget", "input", "output", "candidate", "cell", "hidden"):
        assert acts[name].shape == (300, 7), name
    assert len(acts["chars"]) == 300
    for gate in ex2.GATES:
        assert acts[gate].min() >= 0.0 and acts[gate].max() <= 1.0
    assert np.abs(acts["candidate"]).max() <= 1.0 and np.abs(acts["hidden"]).max() <= 1.0

    analysis = ex2.analyze_gate_patterns(acts)
    assert analysis["units"]["forget"]["mean"].shape == (7,)
    assert analysis["forget_input"]["unit_r"].shape == (7,)
    assert -1.0 <= analysis["forget_input"]["pooled_r"] <= 1.0
    assert np.all(np.abs(analysis["forget_input"]["unit_r"]) <= 1.0)
    for gate in ex2.GATES:
        stats = analysis["gates"][gate]
        assert 0.0 <= stats["share_low"] <= 1.0 and 0.0 <= stats["share_high"] <= 1.0
        assert stats["share_saturated"] == pytest.approx(stats["share_low"] + stats["share_high"])


@pytest.mark.parametrize("text", ["", "the dog!"])
def test_bad_text_raises_and_names_the_characters(text):
    model, char_to_id = tiny_model("the cat sat")
    state_before = model.Wf.copy()
    with pytest.raises(ValueError) as err:
        ex2.capture_gate_activations(model, text, char_to_id)
    message = str(err.value)
    if text:
        assert "'d'" in message and "'g'" in message and "'!'" in message
        assert "'t'" not in message
    else:
        assert "empty" in message
    np.testing.assert_array_equal(model.Wf, state_before)


# ---------------------------------------------------------------- model


@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_check(seed):
    rng = np.random.default_rng(seed)
    model = ex2.LSTMFromScratch(4, 3, 4, seed=seed, clip_value=None)
    params = {name: getattr(model, name) for name in model.PARAM_NAMES}
    randomize(params, rng)
    inputs, targets = rng.integers(0, 4, (5, 2)), rng.integers(0, 4, (5, 2))
    h0, C0 = rng.normal(0, 0.5, (2, 3)), rng.normal(0, 0.5, (2, 3))

    def loss_fn():
        return model.forward(inputs, targets, h0, C0)

    loss_fn()
    model.backward()
    analytic = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    assert_gradients_match(params, analytic, loss_fn)


def test_training_learns_the_pattern_and_keeps_an_early_snapshot():
    text = "abc" * 40
    model, char_to_id = tiny_model(text, hidden_size=8)
    run = ex2.train(model, ex2.encode(text, char_to_id), 80, seq_length=10, batch_size=4,
                    snapshot_iteration=8, log=None)
    assert run["loss_per_char"].shape == (80,)
    assert run["loss_per_char"][0] == pytest.approx(math.log(3), rel=0.05)
    assert run["loss_per_char"][-5:].mean() < 0.1 * math.log(3)
    early = run["snapshot"]
    assert early is not model and not np.array_equal(early.Wf, model.Wf)


def test_non_finite_loss_stops_training():
    model, char_to_id = tiny_model("abcabcabc" * 5)
    model.Wy[...] = np.nan
    with pytest.raises(ex2.TrainingDiverged, match="iteration 1"):
        ex2.train(model, ex2.encode("abcabcabc" * 5, char_to_id), 3, seq_length=5, batch_size=2, log=None)


# ---------------------------------------------------------------- analysis on known data


def test_analysis_recovers_known_saturation_units_and_correlation():
    T = 40
    wave = np.tile([0.2, 0.8], T // 2)
    forget = np.stack([np.full(T, 0.95), np.full(T, 0.05), wave, wave[::-1]], axis=1)   # (T, 4)
    acts = synthetic("ab" * (T // 2), forget=forget, input=1.0 - forget)
    analysis = ex2.analyze_gate_patterns(acts)

    gates = analysis["gates"]["forget"]
    assert gates["share_high"] == pytest.approx(0.25) and gates["share_low"] == pytest.approx(0.25)
    assert gates["mean"] == pytest.approx(0.5)
    assert analysis["units"]["forget"]["always_on"] == [0]
    assert analysis["units"]["forget"]["always_off"] == [1]
    assert analysis["units"]["input"]["always_on"] == [1]
    assert analysis["units"]["output"]["always_on"] == []
    fi = analysis["forget_input"]
    assert fi["pooled_r"] == pytest.approx(-1.0)
    assert np.isnan(fi["unit_r"][:2]).all()                # constant units: undefined, no warning
    np.testing.assert_allclose(fi["unit_r"][2:], [-1.0, -1.0])
    assert fi["share_units_negative"] == 1.0
    # unit 2 reads 0.2 on 'a' and 0.8 on 'b', unit 3 the reverse
    assert analysis["per_char"]["forget"] == pytest.approx({"a": 0.5, "b": 0.5})
    assert analysis["char_counts"] == {"a": T // 2, "b": T // 2}


@pytest.mark.parametrize("rho", [0.6, 0.0, -0.3])
def test_analysis_recovers_a_known_correlation(rho):
    x = np.array([1.0, -1.0, 1.0, -1.0]) / 2.0              # orthonormal, zero-mean
    y = np.array([1.0, 1.0, -1.0, -1.0]) / 2.0
    f = 0.5 + 0.3 * x
    i = 0.5 + 0.3 * (rho * x + math.sqrt(1 - rho ** 2) * y)
    acts = synthetic("abcd", forget=f[:, None], input=i[:, None])
    fi = ex2.analyze_gate_patterns(acts)["forget_input"]
    assert fi["pooled_r"] == pytest.approx(rho, abs=1e-12)
    assert fi["mean_unit_r"] == pytest.approx(rho, abs=1e-12)


def test_contexts_on_known_data():
    text = "ab. cd ab. cd "
    T = len(text)
    forget = np.full((T, 2), 0.7)
    forget[:, 1] = [0.05 if not ch.isalnum() else 0.95 for ch in text]   # unit 1 erases at boundaries
    acts = synthetic(text, forget=forget)
    pattern = synthetic("xyz" * 10, forget=np.tile([[0.1], [0.5], [0.9]], (10, 1)))
    early = synthetic(text, forget=np.full((T, 2), 0.5))
    ctx = ex2.compare_gates_across_contexts(acts, pattern, early)

    word = ctx["word"]
    assert word["counts"] == {"boundary": 6, "inside": 8, "sentence_end": 2, "all": T}
    assert word["boundary"]["forget"] == pytest.approx((0.7 + 0.05) / 2)
    assert word["inside"]["forget"] == pytest.approx((0.7 + 0.95) / 2)
    assert word["sentence_end"]["forget"] == pytest.approx((0.7 + 0.05) / 2)
    assert word["most_selective_unit"]["forget"] == {"unit": 1, "boundary": pytest.approx(0.05),
                                                     "inside": pytest.approx(0.95)}
    assert ctx["pattern_vs_text"]["pattern"]["forget"]["share_saturated"] == pytest.approx(0.0)
    assert ctx["early_vs_late"]["early"]["forget"]["mean"] == pytest.approx(0.5)
    assert ctx["early_vs_late"]["late"]["forget"]["share_saturated"] == pytest.approx(0.5)   # all of unit 1
    cycle = ctx["pattern_cycle"]
    assert cycle["period"] == 3 and cycle["change_per_period"] == 0.0
    assert cycle["change_per_step"] > 0.1


# ---------------------------------------------------------------- findings


@pytest.fixture(scope="module")
def small_run():
    """Two tiny models trained briefly, captured and measured as in the demo."""
    text = ex2.DEFAULT_CORPUS[:800]
    pattern_text = "abc" * 60
    text_model, char_to_id = tiny_model(text, hidden_size=8)
    pattern_model, p_char_to_id = tiny_model(pattern_text, hidden_size=8)
    text_run = ex2.train(text_model, ex2.encode(text, char_to_id), 40, snapshot_iteration=4, log=None)
    pattern_run = ex2.train(pattern_model, ex2.encode(pattern_text, p_char_to_id), 30, log=None)
    text_acts = ex2.capture_gate_activations(text_model, text, char_to_id)
    results = ex2.collect_results(
        text_acts, ex2.capture_gate_activations(text_run["snapshot"], text, char_to_id),
        ex2.capture_gate_activations(pattern_model, pattern_text, p_char_to_id),
        training={"text": {"early_iteration": 4, "early_loss": text_run["snapshot_loss"],
                           "iterations": 40, "final_loss": text_run["final_loss"]},
                  "pattern": {"iterations": 30, "final_loss": pattern_run["final_loss"]}})
    return text_acts, results


@pytest.fixture(scope="module")
def pinned_results():
    """Synthetic captures with many pinned units, so every branch of the wording runs."""
    T, H = 60, 10
    rng = np.random.default_rng(0)
    text = ("ab cd. " * 9)[:T]
    forget = rng.uniform(0.2, 0.8, (T, H))
    forget[:, :8] = 0.97                                   # 8 always-on forget units: a long list
    gates = {"forget": forget, "input": rng.uniform(0, 1, (T, H)), "output": np.full((T, H), 0.03)}
    acts = synthetic(text, **gates)
    early = synthetic(text, **{gate: np.full((T, H), 0.5) for gate in ex2.GATES})
    pattern = synthetic("xy" * 30, forget=np.tile([[0.0], [1.0]], (30, H)))
    return ex2.collect_results(acts, early, pattern, training={
        "text": {"early_iteration": 5, "early_loss": 3.1, "iterations": 50, "final_loss": 1.7},
        "pattern": {"iterations": 20, "final_loss": 0.01}})


@pytest.mark.parametrize("run", ["small_run", "pinned_results"])
def test_every_number_in_the_findings_is_a_measured_value(run, request):
    results = request.getfixturevalue(run)
    results = results[1] if run == "small_run" else results
    findings = ex2.build_findings(results)
    assert len(findings) >= 3
    for finding in findings:
        numbers = NUMBER.findall(finding["text"])
        assert len(numbers) == len(finding["sources"]), finding["text"]
        for shown, (path, scale, decimals) in zip(numbers, finding["sources"]):
            value = ex2.lookup(results, path) * scale
            assert shown == f"{value:.{decimals}f}", (path, shown, value)


def test_findings_quote_values_computed_independently(small_run):
    text_acts, results = small_run
    report = ex2.format_findings(ex2.build_findings(results))
    assert f"mean {text_acts['forget'].mean():.2f}" in report
    r = np.corrcoef(text_acts["forget"].ravel(), text_acts["input"].ravel())[0, 1]
    assert f"r(f, i) = {r:.2f}" in report


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_correlation_wording_follows_the_measured_sign(small_run, sign):
    _, results = small_run
    results = dict(results, text=dict(results["text"], forget_input={
        "pooled_r": 0.4 * sign, "unit_r": np.array([0.3 * sign]), "mean_unit_r": 0.3 * sign,
        "share_units_negative": 0.0 if sign > 0 else 1.0}))
    text = next(f["text"] for f in ex2.build_findings(results) if f["title"] == "Forget-input correlation")
    if sign > 0:
        assert "positively correlated" in text and "does not show" in text and "-0.40" not in text
    else:
        assert "anti-correlated, as is often claimed" in text and "-0.40" in text


# ---------------------------------------------------------------- figures and command line


def test_figures_are_written_as_png_with_a_readable_window(tmp_path):
    text = "ab. cd ab. cd " * 20
    rng = np.random.default_rng(0)
    acts = synthetic(text, **{gate: rng.uniform(0, 1, (len(text), 3)) for gate in ex2.GATES})
    acts["cell"] = rng.normal(0, 2, (len(text), 3))
    path = tmp_path / "gates.png"
    fig = ex2.visualize_gates(acts, str(path), "test", start=14, length=30)
    labels = [tick.get_text() for tick in fig.axes[3].get_xticklabels()]
    assert labels == [ex2._display_char(ch) for ch in text[14:44]]
    assert len(fig.axes) == 8                                 # 4 heatmaps + 4 colour bars
    ctx = ex2.compare_gates_across_contexts(acts, synthetic("xyz" * 5, forget=np.full((15, 3), 0.5)), acts)
    ctx_path = tmp_path / "contexts.png"
    ex2.plot_context_comparison(ctx, str(ctx_path), "test")
    for p in (path, ctx_path):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


@pytest.mark.parametrize("argv, fragment", [
    (["--iterations", "0"], "iterations: expected a positive integer, got 0"),
    (["--hidden-size", "-3"], "hidden_size"),
    (["--pattern", "aaaa"], "pattern: expected at least 2 distinct characters"),
    (["--probe", "river\u00e9#"], "'#', '\u00e9'"),
    (["--probe", ""], "empty"),
    (["--window", "500"], "window: expected at most"),
    (["--learning-rate", "-0.1"], "learning_rate: expected a positive number, got -0.1"),
])
def test_cli_bad_input_prints_one_line_and_exits_2(argv, fragment, capsys, tmp_path):
    assert ex2.main(argv + ["--outdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_cli_empty_or_missing_text_file(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert ex2.main(["--text", str(empty), "--outdir", str(tmp_path)]) == 2
    assert "non-empty" in capsys.readouterr().err
    assert ex2.main(["--text", str(tmp_path / "missing.txt"), "--outdir", str(tmp_path)]) == 2
    assert "missing.txt" in capsys.readouterr().err


def test_cli_diverging_run_stops_with_one_line_and_exit_1(capsys, tmp_path):
    assert ex2.main(["--learning-rate", "1e308", "--outdir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "try a smaller --learning-rate" in err


def test_cli_bad_flag_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        ex2.main(["--no-such-flag"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--no-such-flag" in err


def test_cli_end_to_end_writes_figures_and_findings(capsys, tmp_path):
    text = tmp_path / "small.txt"
    text.write_text(ex2.DEFAULT_CORPUS[:600])
    code = ex2.main(["--text", str(text), "--iterations", "20", "--pattern-iterations", "10",
                     "--hidden-size", "4", "--window", "30", "--probe", "the river",
                     "--outdir", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Findings (measured in this run, seed 0)" in out and "3. " in out
    for name in ("ex2_gates_pattern.png", "ex2_gates_text.png", "ex2_contexts.png", "ex2_gates_probe.png"):
        assert (tmp_path / name).stat().st_size > 10_000

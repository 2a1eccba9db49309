"""Tests for Exercise 2: the stub's flow, capture, analysis, report, figures and command line.

Small models and short runs keep the file to a few seconds; warnings are errors (conftest.py).
"""
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

import exercise_02_solution as ex2
from gradcheck import assert_gradients_match, randomize


def quiet(*_):
    pass


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def synthetic(chars, **gates):
    """A capture-like dict: the (T, H) gates given, 0.5 for the others, zero cells."""
    T, H = next(iter(gates.values())).shape
    acts = {gate: np.full((T, H), 0.5) for gate in ex2.GATES}
    acts.update(gates, cell=np.zeros((T, H)), chars=list(chars))
    return acts


def reference_capture(model, ids):
    """The course's equations written out step by step, independently of forward()."""
    H, D = model.hidden_size, model.input_size
    h, C, out = np.zeros(H), np.zeros(H), {name: [] for name in ("forget", "input", "output", "cell")}
    loss = 0.0
    for t, k in enumerate(ids):
        concat = np.concatenate([h, np.eye(D)[k]])
        f = 1 / (1 + np.exp(-(model.Wf @ concat + model.bf)))
        i = 1 / (1 + np.exp(-(model.Wi @ concat + model.bi)))
        o = 1 / (1 + np.exp(-(model.Wo @ concat + model.bo)))
        C = f * C + i * np.tanh(model.Wc @ concat + model.bc)
        h = o * np.tanh(C)
        logits = model.Wy @ h + model.by
        if t + 1 < len(ids):
            loss -= logits[ids[t + 1]] - np.log(np.exp(logits).sum())
        for name, value in zip(out, (f, i, o, C)):
            out[name].append(value)
    return {name: np.array(v) for name, v in out.items()}, loss / (len(ids) - 1)


# ---------------------------------------------------------------- the stub's own flow
@pytest.fixture(scope="module")
def stub_flow(tmp_path_factory):
    """The course stub's driver, call for call, on the solution's functions."""
    text, char_to_idx, idx_to_char = ex2.create_repeating_pattern("abc", repeats=20)
    lstm, gates_dict, cell_states, test_seq = ex2.train_and_capture_gates(text, char_to_idx, log=quiet)
    path = tmp_path_factory.mktemp("stub") / "gates.png"
    stats = ex2.analyze_gates(gates_dict, cell_states, test_seq, path=str(path), log=quiet)
    report = ex2.write_report(gates_dict, test_seq, log=quiet)
    return locals()


def test_the_stub_flow_runs_and_returns_the_stub_contracts(stub_flow):
    s = stub_flow
    assert s["text"] == "abc" * 20 and s["test_seq"] == s["text"][:20]
    assert s["char_to_idx"] == {"a": 0, "b": 1, "c": 2} and s["idx_to_char"] == {0: "a", 1: "b", 2: "c"}
    assert isinstance(s["lstm"], ex2.LSTMFromScratch) and s["lstm"].hidden_size == 32
    assert set(s["gates_dict"]) == {"forget", "input", "output"}
    for values in list(s["gates_dict"].values()) + [s["cell_states"]]:
        assert np.shape(values) == (20, 32) and len(list(values)) == 20      # T vectors of shape (H,)
    assert s["path"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(s["report"]["answers"]) == 5


def test_the_stub_flow_trains_the_pattern(stub_flow):
    s = stub_flow
    loss = ex2.capture_gate_activations(s["lstm"], s["text"], s["char_to_idx"])["loss"]
    assert loss < 0.01 * math.log(3)                                        # "abc" is fully predictable


def test_analyze_gates_prints_and_returns_statistics_of_its_arguments(stub_flow, capsys):
    s = stub_flow
    stats = ex2.analyze_gates(s["gates_dict"], s["cell_states"], s["test_seq"])
    printed = capsys.readouterr().out
    for gate, values in s["gates_dict"].items():
        expected = {"mean": values.mean(), "std": values.std(), "open": (values > 0.9).mean(),
                    "closed": (values < 0.1).mean()}
        assert stats["gates"][gate] == pytest.approx(expected)
        assert f"{gate:<7} {values.mean():5.2f} {values.std():5.2f}" in printed
    assert stats == s["stats"]


# ---------------------------------------------------------------- the stub's functions on bad input
@pytest.mark.parametrize("pattern, repeats, fragment", [
    ("", 20, "pattern: expected a non-empty string"), (["a"], 2, "pattern:"),
    ("abc", 0, "repeats: expected an integer"), ("abc", True, "repeats:"), ("ab", 10 ** 6, "repeats:"),
])
def test_create_repeating_pattern_rejects_bad_arguments(pattern, repeats, fragment):
    with pytest.raises(ValueError, match=fragment):
        ex2.create_repeating_pattern(pattern, repeats)


def test_stub_functions_name_their_arguments(stub_flow):
    s = stub_flow
    with pytest.raises(ValueError, match=r"^sequence: expected the 20 characters read.*got str of length 19"):
        ex2.write_report(s["gates_dict"], s["test_seq"][:19], log=quiet)
    with pytest.raises(ValueError, match=r"^cell_states: expected 20 finite vectors of 32 values"):
        ex2.analyze_gates(s["gates_dict"], s["cell_states"][:, :5], s["test_seq"], log=quiet)
    with pytest.raises(ValueError, match=r"^gates_dict: expected 'forget', 'input', 'output'"):
        ex2.write_report({"forget": s["gates_dict"]["forget"]}, s["test_seq"], log=quiet)
    with pytest.raises(ValueError, match=r"^text: .*got 1 others: 'd'"):
        ex2.train_and_capture_gates("abcd", s["char_to_idx"], num_iterations=1, log=quiet)


# ---------------------------------------------------------------- model, training and capture
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_check_of_the_pasted_lstm(seed):
    rng = np.random.default_rng(seed)
    model = ex2.LSTMFromScratch(4, 3, 4, seed=seed, clip_value=None)
    params = {name: getattr(model, name) for name in model.PARAM_NAMES}
    randomize(params, rng)
    inputs, targets = rng.integers(0, 4, (5, 2)), rng.integers(0, 4, (5, 2))
    h0, C0 = rng.normal(0, 0.5, (2, 3)), rng.normal(0, 0.5, (2, 3))
    model.forward(inputs, targets, h0, C0)
    model.backward()
    analytic = {name: getattr(model, "d" + name).copy() for name in model.PARAM_NAMES}
    assert_gradients_match(params, analytic, lambda: model.forward(inputs, targets, h0, C0))


def test_capture_equals_the_equations_step_by_step_and_a_batch_column():
    text = "the cat sat on the mat."
    _, char_to_idx, _ = ex2.create_repeating_pattern(text, 1)
    model = ex2.LSTMFromScratch(len(char_to_idx), 5, len(char_to_idx), seed=0)
    randomize({name: getattr(model, name) for name in model.PARAM_NAMES}, np.random.default_rng(1))
    acts = ex2.capture_gate_activations(model, text, char_to_idx)
    ids = [char_to_idx[ch] for ch in text]
    expected, loss = reference_capture(model, ids)
    for name, values in expected.items():
        np.testing.assert_allclose(acts[name], values, rtol=1e-12, atol=1e-12, err_msg=name)
    assert acts["loss"] == pytest.approx(loss, rel=1e-12) and acts["chars"] == list(text)
    batch = np.stack([ids, ids[::-1]], axis=1)                              # column 0 is the same text
    model.forward(batch, batch, np.zeros((2, 5)), np.zeros((2, 5)))
    np.testing.assert_allclose(acts["forget"], model.f_gates[:, 0], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"text": "the dog!"}, r"^text: .*got 4 others: '!dgo'"), ({"text": ""}, r"^text: expected a non-empty"),
    ({"char_to_idx": ["t", "h"]}, r"^char_to_idx: expected a non-empty dict"),
])
def test_capture_names_the_bad_argument_and_changes_nothing(kwargs, fragment):
    _, char_to_idx, _ = ex2.create_repeating_pattern("the cat", 1)
    model = ex2.LSTMFromScratch(len(char_to_idx), 5, len(char_to_idx), seed=0)
    before = {name: getattr(model, name).copy() for name in model.PARAM_NAMES}
    with pytest.raises(ValueError, match=fragment):
        ex2.capture_gate_activations(model, **{"text": "the cat", "char_to_idx": char_to_idx, **kwargs})
    assert all(np.array_equal(getattr(model, name), value) for name, value in before.items())
    assert not hasattr(model, "f_gates")


def test_training_lowers_the_loss_and_is_deterministic_for_a_seed():
    text, char_to_idx, _ = ex2.create_repeating_pattern("aabbb", 12)
    runs = [ex2.train_and_capture_gates(text, char_to_idx, 6, 60, batch_size=4, seed=seed, log=None)[0]
            for seed in (3, 3, 4)]
    before = ex2.capture_gate_activations(ex2.LSTMFromScratch(2, 6, 2, seed=3), text, char_to_idx)["loss"]
    assert ex2.capture_gate_activations(runs[0], text, char_to_idx)["loss"] < 0.5 * before
    assert np.array_equal(runs[0].Wf, runs[1].Wf) and not np.array_equal(runs[0].Wf, runs[2].Wf)


def test_a_non_finite_loss_stops_training_with_advice(monkeypatch):
    class Broken(ex2.LSTMFromScratch):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.Wy[...] = np.nan
    monkeypatch.setattr(ex2, "LSTMFromScratch", Broken)
    with pytest.raises(ex2.TrainingDiverged, match="update 1; try a lower learning rate"):
        ex2.train_and_capture_gates("abc" * 5, {"a": 0, "b": 1, "c": 2}, 4, 3, log=None)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"num_iterations": 0}, "num_iterations:"), ({"batch_size": 0}, "batch_size:"),
    ({"seed": -1}, r"seed: expected an integer in \[0,"), ({"seed": 1.5}, "seed:"),
    ({"log": "print"}, "log: expected a function"), ({"hidden_size": 0}, "hidden_size:"),
])
def test_train_and_capture_rejects_bad_arguments_before_any_update(kwargs, fragment):
    lines = []
    with pytest.raises(ValueError, match=fragment):
        ex2.train_and_capture_gates("abc" * 5, {"a": 0, "b": 1, "c": 2}, **{"log": lines.append, **kwargs})
    assert not lines


@pytest.mark.parametrize("args, fragment", [
    ((0, 0), r"^iterations: expected an integer in \[1,"), ((10, -1), r"^seed: expected an integer in \[0,"),
    ((10, 0, "log"), r"^log: expected a function"), ((2.5, 0), r"^iterations:"),
])
def test_run_study_rejects_bad_arguments_before_training(args, fragment, monkeypatch):
    monkeypatch.setattr(ex2, "train_and_capture_gates", lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(ValueError, match=fragment):
        ex2.run_study(*args)


def test_update_weights_with_inf_raises_and_keeps_the_weights():
    model = ex2.LSTMFromScratch(3, 4, 3, seed=0)
    model.forward([0, 1], [1, 2], np.zeros(4), np.zeros(4))
    model.backward()
    Wf = model.Wf.copy()
    with pytest.raises(ValueError, match="learning_rate"):
        model.update_weights(math.inf)
    assert np.array_equal(model.Wf, Wf)


# ---------------------------------------------------------------- analysis on data with known answers
def test_analysis_recovers_known_shares_units_characters_and_correlations():
    T = 40
    wave = np.tile([0.2, 0.8], T // 2)
    forget = np.stack([np.full(T, 0.95), np.full(T, 0.05), wave, wave[::-1]], axis=1)    # (T, 4)
    a = ex2.analyze_gate_patterns(synthetic("ab" * (T // 2), forget=forget, input=1.0 - forget))
    assert (a["steps"], a["units"]) == (T, 4)
    assert a["gates"]["forget"] == pytest.approx({"mean": 0.5, "std": forget.std(), "open": 0.25, "closed": 0.25})
    assert a["always_open"] == {"forget": [0], "input": [1], "output": []}
    assert a["always_closed"] == {"forget": [1], "input": [0], "output": []}
    assert a["per_char"]["forget"] == pytest.approx({"a": 0.5, "b": 0.5})     # units 2 and 3 cancel
    assert a["r_pooled"] == pytest.approx(-1.0) and a["r_within"] == pytest.approx(-1.0)   # flat units left out


@pytest.mark.parametrize("rho", [0.6, 0.0, -0.3])
def test_correlation_recovers_a_known_r(rho):
    x, y = np.array([1.0, -1.0, 1.0, -1.0]) / 2, np.array([1.0, 1.0, -1.0, -1.0]) / 2    # orthonormal
    f, i = 0.5 + 0.3 * x, 0.5 + 0.3 * (rho * x + math.sqrt(1 - rho ** 2) * y)
    a = ex2.analyze_gate_patterns(synthetic("abcd", forget=f[:, None], input=i[:, None]))
    assert a["r_pooled"] == pytest.approx(rho, abs=1e-12) and a["r_within"] == pytest.approx(rho, abs=1e-12)


def test_flat_gates_give_nan_correlations_without_a_warning():
    a = ex2.analyze_gate_patterns(synthetic("abc", forget=np.full((3, 2), 0.95)))
    assert math.isnan(a["r_pooled"]) and math.isnan(a["r_within"])


@pytest.mark.parametrize("acts, fragment", [
    (synthetic("", forget=np.zeros((0, 3))), r"^activations: expected .* got \['ndarray of shape \(0, 3\)"),
    ({**synthetic("ab", forget=np.zeros((2, 3))), "forget": np.zeros(2)}, r"^activations: .*\(2,\)"),
    (synthetic("a", forget=np.zeros((2, 3))), r"^activations\['chars'\]: expected the 2 characters .* got list of length 1"),
    ({**synthetic("ab", forget=np.zeros((2, 3))), "input": [[0.5] * 3, [0.5] * 2]}, r"^activations: "),
    (synthetic("ab", forget=np.full((2, 3), 1.5)), r"values in \[0, 1\]"),
    ("not a capture", r"^activations: .*got str"),
])
def test_analysis_rejects_malformed_captures_with_the_argument_name(acts, fragment):
    with pytest.raises(ValueError, match=fragment):
        ex2.analyze_gate_patterns(acts)


def test_contexts_on_known_data():
    text = "ab. cd ab. cd "
    forget = np.full((len(text), 2), 0.7)
    forget[:, 1] = [0.95 if ch.isalnum() else 0.05 for ch in text]          # unit 1 erases at boundaries
    ctx = ex2.compare_gates_across_contexts(synthetic(text, forget=forget))
    assert ctx["counts"] == {"boundary": 6, "inside": 8}
    assert ctx["means"]["boundary"]["forget"] == pytest.approx((0.7 + 0.05) / 2)
    assert ctx["means"]["inside"]["forget"] == pytest.approx((0.7 + 0.95) / 2)
    assert ctx["forget_unit"] == {"unit": 1, "boundary": pytest.approx(0.05), "inside": pytest.approx(0.95)}
    assert ex2.compare_gates_across_contexts(synthetic("abc", forget=np.zeros((3, 2)))) is None


# ---------------------------------------------------------------- the report
QUESTIONS = ["Which gates are on the most, on average?",
             "Does any gate specialise, nearly always open or always closed?",
             "How do the gates react to particular characters?",
             "Do the gates follow the repeating structure of the pattern?", "What was unexpected?"]


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_report_numbers_come_from_its_arguments_and_the_wording_follows_them(sign, capsys):
    rng = np.random.default_rng(0)
    base = rng.uniform(0.2, 0.8, (30, 4))
    forget = 0.5 + sign * 0.4 * (base - 0.5)                 # sign 1: moves with input; -1: against
    gates = {"forget": forget, "input": base, "output": rng.uniform(0, 1, (30, 4))}
    sequence = "abcab" * 6
    report = ex2.write_report(gates, sequence)
    answers = dict(report["answers"])
    printed = capsys.readouterr().out
    assert [q for q, _ in report["answers"]] == QUESTIONS
    r = np.corrcoef(forget.ravel(), base.ravel())[0, 1]
    saturated = np.mean([((g > 0.9) | (g < 0.1)).mean() for g in gates.values()])
    assert f"forget {forget.mean():.2f}" in answers[QUESTIONS[0]]
    assert f"r(f, i) = {r:+.2f}" in answers[QUESTIONS[4]]
    assert f"{saturated:.0%} of the values are open or closed" in answers[QUESTIONS[4]]
    a_mean = forget[[ch == "a" for ch in sequence]].mean()
    assert f"{a_mean:.2f} on 'a'" in answers[QUESTIONS[2]]
    assert ("As expected: the course's solutions list" in answers[QUESTIONS[4]]) == (sign < 0)
    assert ("the opposite way: positive (r > +0.1) in both" in answers[QUESTIONS[4]]) == (sign > 0)
    assert "the sequence repeats every 5 steps" in answers[QUESTIONS[3]] and "5. What was unexpected?" in printed


def test_report_on_structure_follows_the_period_and_the_gates():
    T, H = 24, 3
    phase = np.arange(T) % 4
    periodic = np.stack([0.2 + 0.15 * phase] * H, axis=1)                    # repeats exactly
    answers = dict(ex2.write_report(synthetic("abcd" * 6, forget=periodic, input=periodic,
                                              output=periodic), "abcd" * 6, log=quiet)["answers"])
    assert answers[QUESTIONS[3]].startswith("yes: the sequence repeats every 4 steps")
    noisy = np.random.default_rng(1).uniform(0, 1, (T, H))                    # ignores the pattern
    answers = dict(ex2.write_report(synthetic("abcd" * 6, forget=noisy, input=noisy, output=noisy),
                                    "abcd" * 6, log=quiet)["answers"])
    assert answers[QUESTIONS[3]].startswith("no: the sequence repeats every 4 steps")
    text = "the cat sat on a mat"
    answers = dict(ex2.write_report(synthetic(text, forget=noisy[:20]), text, log=quiet)["answers"])
    assert answers[QUESTIONS[3]].startswith("the sequence does not repeat")


@pytest.mark.parametrize("level, specialised, words", [
    (0.97, "yes: ", "mostly switches"), (0.6, "no: ", "mostly graded values")])
def test_report_on_specialisation_and_switches_follows_the_values(level, specialised, words):
    answers = dict(ex2.write_report(synthetic("ab", forget=np.full((2, 3), level), input=np.full((2, 3), level),
                                              output=np.full((2, 3), level)), "ab", log=quiet)["answers"])
    assert answers[QUESTIONS[1]].startswith(specialised) and words in answers[QUESTIONS[4]]
    assert answers[QUESTIONS[2]] == "too short: no character is read 5x"


# ---------------------------------------------------------------- figures
def test_heatmaps_have_four_panels_colour_bars_and_character_labels(tmp_path):
    text = "ab. cd\nab. cd " * 5
    rng = np.random.default_rng(0)
    acts = synthetic(text, **{gate: rng.uniform(0, 1, (len(text), 3)) for gate in ex2.GATES})
    fig = ex2.visualize_gates(acts, str(tmp_path / "g.png"), "test", start=3, length=10)
    assert len(fig.axes) == 8                                                # 4 heatmaps + 4 colour bars
    labels = [tick.get_text() for tick in fig.axes[3].get_xticklabels()]
    assert labels == [{" ": "\u2423", "\n": "\u21b5"}.get(ch, ch) for ch in text[3:13]]
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_a_3000_character_alphabet_draws_without_a_warning_per_glyph(tmp_path):
    text, char_to_idx, _ = ex2.create_repeating_pattern("".join(chr(0x4E00 + k) for k in range(3000)), 1)
    _, gates, cells, test_seq = ex2.train_and_capture_gates(text, char_to_idx, 4, 2, log=None)
    ex2.analyze_gates(gates, cells, test_seq, str(tmp_path / "cjk.png"), log=quiet)   # a warning would fail
    assert {tick.get_text() for tick in plt.gcf().axes[3].get_xticklabels()} == {"?"}


# ---------------------------------------------------------------- command line
@pytest.mark.parametrize("argv, fragment", [
    (["--seed", "-1"], "--seed: expected an integer in [0,"), (["--outdir", ""], "--outdir: cannot write to ''"),
    (["--seed", "1.5"], "--seed: invalid int value"),
])
def test_cli_bad_input_is_one_line_and_exit_2_before_training(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exit_info:
        ex2.main(argv)
    captured = capsys.readouterr()
    assert exit_info.value.code == 2 and captured.err.count("\n") == 1 and fragment in captured.err
    assert "[1/2]" not in captured.out


def test_cli_outdir_that_is_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit):
        ex2.main(["--outdir", str(tmp_path / "file")])
    assert capsys.readouterr().err.startswith("exercise_02_solution.py: error: --outdir: cannot write")


def test_cli_bad_flag_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        ex2.main(["--no-such-flag"])
    assert exit_info.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_cli_diverging_training_is_one_line_and_exit_1(monkeypatch, capsys, tmp_path):
    def diverge(*_):
        raise ex2.TrainingDiverged("loss nan at update 1; try a smaller learning_rate")
    monkeypatch.setattr(ex2, "run_study", diverge)
    assert ex2.main(["--outdir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_end_to_end_prints_the_report_and_writes_both_figures(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(ex2, "QUICK_ITERATIONS", 20)
    monkeypatch.setattr(ex2, "PATTERN_ITERATIONS", 20)
    monkeypatch.setattr(ex2, "DEFAULT_CORPUS", ex2.DEFAULT_CORPUS[:1000])
    assert ex2.main(["--quick", "--outdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("5. What was unexpected?") == 2 and "word boundaries / inside" in out
    for name in ("ex2_gates_pattern.png", "ex2_gates_text.png"):
        assert (tmp_path / name).stat().st_size > 10_000

"""Tests for Exercise 3, the gate ablation study (exercise_03_solution.py)."""
import glob
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import exercise_03_solution as ex3
from gradcheck import assert_gradients_match, randomize

D, H, V = 5, 4, 6
FIXED_GATE = {"NFG": ("f_gates", ("Wf", "bf")), "NIG": ("i_gates", ("Wi", "bi")),
              "NOG": ("o_gates", ("Wo", "bo"))}
TINY_STUDY = dict(iterations=6, memory_iterations=4, delay=3, hidden_size=6, log=None)
TEXT = "the cat sat on the mat. " * 8


def random_model(name, seed=0):
    """A model with every parameter drawn from N(0, 0.5^2), clipping off, and a random batch for it."""
    rng = np.random.default_rng(seed)
    model = ex3.MODELS[name](D, H, V, clip_value=None)
    randomize({n: getattr(model, n) for n in model.PARAM_NAMES}, rng)
    T, B = 6, 3
    return (model, rng.integers(0, D, (T, B)), rng.integers(0, V, (T, B)),
            rng.normal(0, 0.5, (B, H)), rng.normal(0, 0.5, (B, H)))


def params_of(model):
    return {n: getattr(model, n).copy() for n in model.PARAM_NAMES}


# ---- the variants -----------------------------------------------------------------------------
def test_the_stubs_and_the_solution_index_names_are_the_same_subclasses_of_exercise_1s_lstm():
    assert ex3.LSTMNoForgetGate is ex3.LSTMNoForget and ex3.LSTMNoInputGate is ex3.LSTMNoInput
    assert ex3.LSTMNoOutputGate is ex3.LSTMNoOutput
    for cls in ex3.MODELS.values():
        assert issubclass(cls, ex3.LSTMFromScratch)
        assert cls.forward is ex3.LSTMFromScratch.forward and cls.backward is ex3.LSTMFromScratch.backward


@pytest.mark.parametrize("name", FIXED_GATE)
def test_a_fixed_gate_is_exactly_one_and_its_weights_never_move(name):
    cache, unused = FIXED_GATE[name]
    model, inputs, targets, h0, C0 = random_model(name)
    start = params_of(model)
    for _ in range(3):
        model.forward(inputs, targets, h0, C0)
        model.backward()
        assert all(np.all(getattr(model, "d" + n) == 0.0) for n in unused)
        model.update_weights(0.5)
    model.forward(inputs, targets, h0, C0)
    assert np.all(getattr(model, cache) == 1.0)
    for other in {"f_gates", "i_gates", "o_gates"} - {cache}:     # the kept gates are still sigmoids
        kept = getattr(model, other)
        assert np.all((kept > 0) & (kept < 1)) and kept.std() > 0.01
    for n in model.PARAM_NAMES:
        assert np.array_equal(getattr(model, n), start[n]) == (n in unused), n
    assert ex3.count_parameters(ex3.LSTMFromScratch(D, H, V)) - ex3.count_parameters(model) == H * (H + D) + H


def test_coupled_gates_write_as_much_as_they_forget():
    model, inputs, targets, h0, C0 = random_model("CIFG")
    start = params_of(model)
    model.forward(inputs, targets, h0, C0)
    assert np.array_equal(model.i_gates, 1.0 - model.f_gates)
    model.backward()
    assert np.all(model.dWi == 0.0) and np.all(model.dbi == 0.0) and np.any(model.dWf != 0.0)
    model.update_weights(0.5)
    assert np.array_equal(model.Wi, start["Wi"]) and not np.array_equal(model.Wf, start["Wf"])
    assert ex3.count_parameters(model) == ex3.count_parameters(ex3.LSTMNoInput(D, H, V))


def test_no_output_activation_shows_the_cell_without_its_tanh():
    model, inputs, targets, h0, C0 = random_model("NOAF")
    model.forward(inputs, targets, h0, C0)
    np.testing.assert_array_equal(model.h_states[1:], model.o_gates * model.C_states[1:])
    assert ex3.count_parameters(model) == ex3.count_parameters(ex3.LSTMFromScratch(D, H, V))


def test_the_vanilla_rnn_is_elmans_and_ignores_the_cell():
    model, inputs, targets, h0, C0 = random_model("RNN")
    model.forward(inputs, targets, h0, C0)
    h = h0
    for t in range(len(inputs)):
        h = np.tanh(np.concatenate([h, np.eye(D)[inputs[t]]], axis=1) @ model.Wc.T + model.bc)
        np.testing.assert_allclose(model.h_states[t + 1], h, rtol=1e-12, atol=1e-12)
    assert model.forward(inputs, targets, h0, 5 * C0) == model.forward(inputs, targets, h0, C0)
    assert np.all(model.backward()[1] == 0.0)
    assert ex3.count_parameters(model) == H * (H + D) + H + V * H + V


# ---- gradients and batches ------------------------------------------------------------------
@pytest.mark.parametrize("name", ex3.MODELS)
def test_every_model_passes_the_gradient_check(name):
    model, inputs, targets, h0, C0 = random_model(name, seed=3)
    model.forward(inputs, targets, h0, C0)
    dh0, dC0 = model.backward()
    params = {n: getattr(model, n) for n in model.PARAM_NAMES}
    analytic = {n: getattr(model, "d" + n) for n in model.PARAM_NAMES}
    params.update(h0=h0, C0=C0)                     # the initial states are checked like parameters
    analytic.update(h0=dh0, C0=dC0)
    assert_gradients_match(params, analytic, lambda: model.forward(inputs, targets, h0, C0))


@pytest.mark.parametrize("name", ex3.MODELS)
def test_a_batch_equals_its_sequences_run_one_by_one(name):
    model, inputs, targets, h0, C0 = random_model(name, seed=4)
    batch_loss = model.forward(inputs, targets, h0, C0)
    batch_dh, batch_dC = model.backward()
    batch = {n: getattr(model, "d" + n).copy() for n in model.PARAM_NAMES}
    total, grads = 0.0, {n: 0.0 for n in model.PARAM_NAMES}
    for b in range(inputs.shape[1]):
        total += model.forward(inputs[:, b], targets[:, b], h0[b], C0[b])
        dh, dC = model.backward()
        np.testing.assert_allclose(dh, batch_dh[b], atol=1e-12)
        np.testing.assert_allclose(dC, batch_dC[b], atol=1e-12)
        grads = {n: grads[n] + getattr(model, "d" + n) for n in grads}
    assert total == pytest.approx(batch_loss, rel=1e-12)
    for n in grads:
        np.testing.assert_allclose(grads[n], batch[n], atol=1e-12)


# ---- training ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ex3.MODELS)
def test_every_model_learns_a_small_text(name):
    chars = sorted(set(TEXT))
    model = ex3.MODELS[name](len(chars), 16, len(chars), seed=0)
    losses = ex3.train_model(model, TEXT, {ch: k for k, ch in enumerate(chars)}, 120, streams=4)
    loss = np.array(losses) / ex3.SEQ_LENGTH
    assert loss[0] == pytest.approx(math.log(len(chars)), rel=0.05)    # a fresh model guesses uniformly
    assert loss[-10:].mean() < 0.5 * loss[0]


def test_the_lstm_learns_the_memory_task_and_the_task_asks_for_the_first_symbol():
    inputs, targets = ex3.make_memory_batch(np.random.default_rng(0), 50, delay=7)
    K, N = ex3.N_RECALL, ex3.N_DISTRACTORS
    assert inputs.shape == targets.shape == (9, 50)
    assert np.all(inputs[0] < K) and np.all((inputs[1:-1] >= K) & (inputs[1:-1] < K + N))
    assert np.all(inputs[-1] == K + N) and np.all(targets[:-1] == K) and np.all(targets[-1] == inputs[0])
    model = ex3.LSTMFromScratch(K + N + 1, 16, K + 1, seed=0)
    losses = ex3.train_memory_task(model, 150, 3, np.random.default_rng(0))
    assert losses[-10:].mean() < 0.5 * losses[0]
    assert ex3.recall_accuracy(model, 3) > 0.9


def test_train_model_returns_a_loss_per_iteration_summed_over_a_window():
    chars = sorted(set(TEXT))
    model = ex3.LSTMFromScratch(len(chars), 8, len(chars), seed=0)
    losses = ex3.train_model(model, TEXT, {ch: k for k, ch in enumerate(chars)}, num_iterations=30)
    assert isinstance(losses, list) and len(losses) == 30
    assert losses[0] == pytest.approx(ex3.SEQ_LENGTH * math.log(len(chars)), rel=0.05)


def test_the_stubs_flow_runs_as_the_stub_calls_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ex3, "last_summary", None)
    ex3.write_conclusions()
    assert "nothing has been measured yet" in capsys.readouterr().out
    char_to_idx = {ch: k for k, ch in enumerate(sorted(set(TEXT)))}
    results = ex3.compare_models(TEXT, char_to_idx, hidden_size=8, num_iterations=40)
    assert list(results) == ["Baseline", "No Forget", "No Input", "No Output"]
    assert all(len(losses) == 40 for losses in results.values())
    path = ex3.plot_comparison(results)
    assert (tmp_path / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = ex3.analyze_results(results)
    ex3.write_conclusions()
    out = capsys.readouterr().out
    assert "final train loss" in out and "No Output" in out and "untested against noise" in out
    assert summary["key"] == "final_loss" and summary["reference"] == "Baseline"
    assert sorted(summary["ranking"]) == sorted(results)


# ---- the study ------------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_study_and_another_seed_does_not():
    first = ex3.run_ablation_study(["LSTM", "RNN"], [0, 1], **TINY_STUDY)
    again = ex3.run_ablation_study(["LSTM", "RNN"], [0, 1], **TINY_STUDY)
    for name in ("LSTM", "RNN"):
        for a, b in zip(first["runs"][name], again["runs"][name]):
            np.testing.assert_array_equal(a["train_loss"], b["train_loss"])
            assert (a["heldout"], a["recall"], a["sample"]) == (b["heldout"], b["recall"], b["sample"])
        seed0, seed1 = first["runs"][name]
        assert not np.array_equal(seed0["train_loss"], seed1["train_loss"])


def test_the_study_records_every_measure_for_every_run():
    results = ex3.run_ablation_study(list(ex3.MODELS), [0], **TINY_STUDY)
    params = {}
    for name in ex3.MODELS:
        (run,) = results["runs"][name]
        assert run["train_loss"].shape == (6,) and np.all(np.isfinite(run["train_loss"]))
        assert run["heldout"][-1] == (6, run["heldout_loss"]) and 0.0 <= run["recall"] <= 1.0
        assert len(run["sample"]) == ex3.SAMPLE_LENGTH + 1 and set(run["sample"]) <= set(ex3.DEFAULT_CORPUS)
        params[name] = run["params"]
    assert params["LSTM"] == params["NOAF"] > params["NFG"] == params["NIG"] == params["NOG"] == params["CIFG"] \
        > params["RNN"]
    assert results["config"]["unigram"] == pytest.approx(2.87, abs=0.01)


# ---- analysis --------------------------------------------------------------------------------------
def hand_made_study():
    """Three models x 3 seeds whose statistics are known by hand."""
    def run(heldout, recall, train_loss):
        return {"heldout_loss": heldout, "recall": recall, "train_loss": np.array(train_loss), "params": 10,
                "heldout": [(100, heldout)]}
    # The smoothed (EMA 0.05) loss of 50 x 3.0 then zeros is 3 * 0.95**n after n zeros: it is first
    # <= 2.0 at n = 8, update 58. A constant 1.0 is below 2.0 from update 1; a constant 3.0 never.
    step, never = [3.0] * 50 + [0.0] * 50, [3.0] * 100
    return {"config": {"chance": 0.25, "delay": 20, "iterations": 100, "heldout_chars": 612, "unigram": 2.87},
            "models": ["RNN", "LSTM", "NFG"], "seeds": [0, 1, 2],
            "runs": {"LSTM": [run(1.0, 0.9, step), run(1.1, 1.0, step), run(1.2, 0.8, step)],
                     "RNN": [run(1.12, 0.2, [1.0] * 100), run(1.22, 0.3, [1.0] * 100), run(1.02, 0.25, never)],
                     "NFG": [run(1.5, 0.9, never), run(1.6, 0.95, never), run(1.7, 0.85, never)]}}


def test_summarize_on_a_hand_made_study():
    s = ex3.summarize(hand_made_study(), threshold=2.0)
    st = s["stats"]
    assert st["LSTM"]["heldout_loss"] == pytest.approx((1.1, 0.1))                  # std with ddof=1
    assert st["NFG"]["recall"] == pytest.approx((0.9, 0.05))
    assert st["NFG"]["final_loss"][0] == pytest.approx(3.0)
    assert st["LSTM"]["final_loss"][0] == pytest.approx(3 * 0.95 ** 50)
    assert st["LSTM"]["iters"] == (58, 0) and st["RNN"]["iters"][0] == 1 and st["RNN"]["reached"] == 2
    assert st["NFG"]["reached"] == 0 and np.isnan(st["NFG"]["iters"][0])
    assert s["key"] == "heldout_loss" and s["ranking"] == ["LSTM", "RNN", "NFG"]
    assert [(c["worse"], c["within"]) for c in s["adjacent"]] == [("RNN", True), ("NFG", False)]
    assert s["adjacent"][1]["diff"] == pytest.approx(0.48)
    vs = s["vs_reference"]
    assert vs["RNN"]["heldout_loss"]["within"] and not vs["NFG"]["heldout_loss"]["within"]
    assert vs["NFG"]["recall"]["within"] and not vs["RNN"]["recall"]["within"]


def test_the_conclusions_follow_the_numbers():
    results = hand_made_study()
    text = " ".join(ex3.comparisons(ex3.summarize(results)))
    assert "LSTM ~ RNN < NFG" in text
    assert "NFG against LSTM: held-out loss +0.500 nats/char, beyond the spread 0.100" in text
    assert "recall +0 points, within the spread 10" in text
    assert "Recall above chance (25%) by more than the seed spread after 20 distractors: LSTM, NFG." in text
    for r, v in zip(results["runs"]["NFG"], (1.05, 1.1, 1.15)):    # as good as the LSTM now
        r["heldout_loss"] = v
    text = " ".join(ex3.comparisons(ex3.summarize(results)))
    assert "LSTM ~ NFG ~ RNN" in text and "held-out loss +0.000 nats/char, within the spread" in text


def test_the_figure_of_a_study_has_four_panels(tmp_path):
    path = ex3.plot_comparison(hand_made_study(), str(tmp_path / "f.png"))
    assert path.endswith("f.png") and (tmp_path / "f.png").stat().st_size > 20000


# ---- command line and bad input ----------------------------------------------------------------------
TINY_CLI = ["--seeds", "2", "--iterations", "4", "--memory-iterations", "3", "--delay", "2",
            "--models", "LSTM", "NOAF", "RNN"]


def test_the_command_line_prints_the_report_and_saves_the_figure(tmp_path, capsys):
    assert ex3.cli(TINY_CLI + ["--outdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "held-out loss" in out and "NOAF against LSTM" in out and "Samples" in out
    assert (tmp_path / ex3.FIGURE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv,flag", [
    (["--iterations", "0"], "--iterations"), (["--seeds", "0"], "--seeds"), (["--delay", "-1"], "--delay"),
    (["--delay", "1000000000"], "--delay"), (["--memory-iterations", "10000000"], "--memory-iterations"),
    (["--learning-rate", "0"], "--learning-rate"), (["--learning-rate", "nan"], "--learning-rate"),
    (["--seed", "-1"], "--seed"), (["--models", "GRU"], "--models"), (["--seeds", "x"], "--seeds")])
def test_bad_flags_give_one_line_naming_the_flag_and_exit_2(argv, flag, capsys):
    try:
        code = ex3.cli(argv)
    except SystemExit as exit_:                    # argparse's own type and choice errors
        code = exit_.code
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and flag in captured.err


def test_an_unwritable_outdir_fails_before_any_training(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert ex3.cli(["--outdir", str(blocker / "sub")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "--outdir" in captured.err


def test_a_diverging_run_stops_with_one_line_and_exit_1(tmp_path, capsys):
    assert ex3.cli(["--learning-rate", "1e308", "--models", "LSTM", "--seeds", "1", "--outdir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "try a smaller --learning-rate" in err


@pytest.mark.parametrize("call,argument", [
    (lambda: ex3.train_model(ex3.LSTMFromScratch(3, 4, 3), "abcabc" * 9, {"a": 0, "b": 1, "c": 2}, 0),
     "num_iterations"),
    (lambda: ex3.train_model(ex3.LSTMFromScratch(3, 4, 3), "abd" * 20, {"a": 0, "b": 1, "c": 2}), "text"),
    (lambda: ex3.compare_models("abc" * 20, {"a": 0, "b": 1, "c": 2}, hidden_size=0), "hidden_size"),
    (lambda: ex3.train_model(ex3.LSTMFromScratch(3, 4, 3), "a", {"a": 0}), "text"),
    (lambda: ex3.train_model(ex3.LSTMFromScratch(3, 4, 3), "abc", {"a": 0, "b": 1, "c": 5}), "char_to_idx"),
    (lambda: ex3.compare_models("abc" * 20, {"a": 0, "b": 1, "c": 2}, seed=-1), "seed"),
    (lambda: ex3.make_memory_batch(np.random.default_rng(0), 4, 0), "delay"),
    (lambda: ex3.make_memory_batch(np.random.default_rng(0), -1, 3), "batch_size"),
    (lambda: ex3.train_memory_task(ex3.LSTMFromScratch(9, 4, 5), 0, 3, np.random.default_rng(0)), "iterations"),
    (lambda: ex3.recall_accuracy(ex3.LSTMFromScratch(9, 4, 5), 3, n_sequences=0), "n_sequences"),
    (lambda: ex3.run_ablation_study(["GRU"], [0], **TINY_STUDY), "models"),
    (lambda: ex3.run_ablation_study(["LSTM"], [], **TINY_STUDY), "seeds"),
    (lambda: ex3.run_ablation_study(["LSTM"], [1, 1], **TINY_STUDY), "seeds"),
    (lambda: ex3.run_ablation_study(["LSTM"], [0], 4, 4, 10 ** 9, 6, log=None), "delay"),
    (lambda: ex3.run_ablation_study(["LSTM"], [0], 4, 4, 3, 10 ** 6, log=None), "hidden_size"),
    (lambda: ex3.analyze_results({"LSTM": []}), "results"),
    (lambda: ex3.summarize(hand_made_study(), threshold=math.nan), "threshold"),
    (lambda: ex3.plot_comparison(hand_made_study(), "/proc/no/such/dir/f.png"), "path"),
])
def test_public_functions_reject_bad_input_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=f"^{argument}: "):
        call()


# ---- the course's names and the answers to TODO 12 -------------------------------------------------
def test_the_course_names_exist_and_plot_comparison_is_visualize_comparison():
    assert ex3.plot_comparison is ex3.visualize_comparison
    assert callable(ex3.run_ablation_study) and callable(ex3.analyze_results)
    assert ex3.VanillaRNN is ex3.MODELS["RNN"]


def test_train_model_trains_on_a_short_text_with_shorter_windows():
    model = ex3.LSTMFromScratch(3, 4, 3, seed=0)
    losses = ex3.train_model(model, "abcab", {"a": 0, "b": 1, "c": 2}, num_iterations=12)
    assert len(losses) == 12 and model.inputs_cache.shape[0] == 4     # 5 characters: windows of 4
    assert losses[0] == pytest.approx(4 * math.log(3), rel=0.05) and losses[-1] < losses[0]


def test_the_study_measures_saturation_of_the_held_out_cell():
    results = ex3.run_ablation_study(["LSTM", "NFG"], [0], **TINY_STUDY)
    assert all(0.0 <= r[0]["saturation"] <= 1.0 for r in results["runs"].values())


def gate_study(nfg=1.7, nig=1.12, nog=1.3, recalls=(0.95, 0.25, 0.9), saturations=(0.2, 0.6, 0.2)):
    """LSTM and the three one-gate models over 3 seeds (+-0.05 around each mean)."""
    def runs(heldout, recall, saturation):
        return [{"heldout_loss": heldout + d, "recall": recall + d, "saturation": saturation + d,
                 "train_loss": np.full(50, heldout + d), "params": 10, "heldout": [(50, heldout + d)]}
                for d in (-0.05, 0.0, 0.05)]
    return {"config": {"chance": 0.25, "delay": 20, "iterations": 50, "heldout_chars": 612, "unigram": 2.87},
            "models": ["LSTM", "NFG", "NIG", "NOG"], "seeds": [0, 1, 2],
            "runs": {"LSTM": runs(1.1, 0.95, 0.2), "NFG": runs(nfg, recalls[0], saturations[0]),
                     "NIG": runs(nig, recalls[1], saturations[1]), "NOG": runs(nog, recalls[2], saturations[2])}}


def test_the_four_answers_and_the_claims_follow_the_numbers():
    text = "\n".join(ex3.conclusions(ex3.summarize(gate_study())))
    assert "Q1 Which removed gate hurt most on text? the forget gate (" in text
    assert "Claim 'the forget gate is most critical', on text: it holds." in text
    assert "Q1 Which removed gate hurt most on memory? the input gate (" in text
    assert "on memory: it misses: the input gate cost more." in text
    assert "it fits the training text worse too (underfits)" in text
    assert "Claim 'the input gate prevents saturation': it holds" in text
    assert "without the input gate 1.120 nats/char (below the 2.87" in text and "recall 25% (not above chance" in text
    assert "the forget gate pays on text; the input gate pays on memory; the output gate pays on text" in text
    assert "Claim 'the output gate gives control': holds: removing it costs on text." in text
    # Now the output gate costs more than the forget gate, the input gate saturates less, the
    # output gate costs nothing: each claim says which way it misses.
    text = "\n".join(ex3.conclusions(ex3.summarize(gate_study(nfg=1.3, nog=1.12, saturations=(0.2, 0.05, 0.2)))))
    assert "Claim 'the forget gate is most critical', on text: it holds." in text
    text = "\n".join(ex3.conclusions(ex3.summarize(gate_study(nfg=1.3, nog=1.7, saturations=(0.2, 0.05, 0.2)))))
    assert "on text: it misses: the output gate cost more." in text
    assert "Claim 'the input gate prevents saturation': it misses: the full LSTM saturates more" in text
    text = "\n".join(ex3.conclusions(ex3.summarize(gate_study(nog=1.12))))
    assert "Claim 'the output gate gives control': weaker than claimed: removing it costs nothing" in text
    text = "\n".join(ex3.conclusions(ex3.summarize(gate_study(nfg=1.15, nog=1.16))))
    assert "on text: it is not shown: the gap to the output gate is within the seed spread." in text


def test_the_stubs_flow_answers_on_one_seed_untested():
    results = {"Baseline": [60.0] * 30, "No Forget": [70.0] * 30, "No Input": [61.0] * 30, "No Output": [59.0] * 30}
    text = "\n".join(ex3.conclusions(ex3.summarize(results)))
    assert "hurt most on text (final training loss)? the forget gate (No Forget +0.400 nats/char, one " \
        "seed: untested" in text
    assert "it holds on one seed" in text and "Q3 Does it still work without one gate? Baseline 2.400" in text
    assert "Q4 The design: one seed leaves every cost untested" in text
    assert "'the output gate gives control': untested on one seed (-0.040 nats/char)." in text
    assert "'the input gate prevents saturation': not measured" in text


# ---- --check: the learner's file, graded TODO by TODO ------------------------------------------------
COURSE = os.path.join(os.path.dirname(__file__), "course")
ATTEMPTS = sorted(glob.glob(os.path.join(COURSE, "ex3", "*.py")))


def expected(path):
    """The EXPECT line of an attempt: None for 'pass', else the set of TODO numbers."""
    with open(path, encoding="utf-8") as handle:
        line = handle.read().split("EXPECT:", 1)[1].splitlines()[0].strip()
    if line.startswith("pass"):
        return None
    todos = set()
    for part in re.findall(r"\d+(?:-\d+)?", line):
        low, _, high = part.partition("-")
        todos.update(range(int(low), int(high or low) + 1))
    return todos


def todos_of(row):
    numbers = set()
    for part in re.findall(r"\d+(?:-\d+)?", row[0]):
        low, _, high = part.partition("-")
        numbers.update(range(int(low), int(high or low) + 1))
    return numbers


@pytest.mark.skipif(not ATTEMPTS, reason="no attempt files under tests/course/ex3")
@pytest.mark.parametrize("path", ATTEMPTS, ids=os.path.basename)
def test_check_passes_correct_attempts_and_names_each_bug_at_its_todo(path, capsys):
    checklist = ex3.check_attempt(path)
    code = checklist.report("title")
    out = capsys.readouterr().out
    assert "Traceback" not in out and "could not compare: the checker failed" not in out
    fails = [row for row in checklist.rows if row[2] is False]
    want = expected(path)
    if want is None:
        assert code == 0 and not fails and any(row[2] is True for row in checklist.rows), out
    else:
        assert code == 1 and fails and todos_of(fails[0]) & want, out


def test_check_without_the_courses_implementation_says_so_in_one_line(tmp_path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(ATTEMPTS[0] if ATTEMPTS else __file__, folder / "attempt.py")
    (folder / "attempt.py").write_text("import sys\nsys.path.append('..')\nfrom implementation import LSTM\n")
    result = subprocess.run([sys.executable, ex3.__file__, "--check", str(folder / "attempt.py")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    assert "implementation" in result.stderr and "folder above" in result.stderr


def test_check_rejects_a_negative_seed_before_importing_the_file(tmp_path):
    marker = tmp_path / "imported"
    attempt = tmp_path / "attempt.py"
    attempt.write_text(f"open({str(marker)!r}, 'w').close()\n")
    result = subprocess.run([sys.executable, ex3.__file__, "--check", str(attempt), "--seed", "-1"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--seed" in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("source,todo", [
    ("def broken(:\n", "-"),                                          # a syntax error: a FAIL row
    ("import sys\nsys.exit(0)\n", "-"),                                # exits at import: a FAIL row
    ("import sys\nsys.path.append('..')\nfrom implementation import LSTM\n", "1")])   # nothing defined
def test_check_never_passes_or_crashes_on_a_broken_file(tmp_path, source, todo):
    if not ATTEMPTS:
        pytest.skip("needs tests/course/implementation.py")
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(os.path.join(COURSE, "implementation.py"), tmp_path / "implementation.py")
    (folder / "attempt.py").write_text(source)
    checklist = ex3.check_attempt(str(folder / "attempt.py"))
    fails = [row for row in checklist.rows if row[2] is False]
    assert fails and fails[0][0] == todo


@pytest.mark.skipif(not ATTEMPTS, reason="no attempt files under tests/course/ex3")
def test_check_fails_a_train_model_that_never_updates(tmp_path):
    """The row's verdict is a numpy bool; it must still count as a FAIL (and exit 1)."""
    correct = next(p for p in ATTEMPTS if expected(p) is None)
    with open(correct, encoding="utf-8") as handle:
        source = handle.read()
    assert "model.update_weights(" in source
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(os.path.join(COURSE, "implementation.py"), tmp_path / "implementation.py")
    (folder / "attempt.py").write_text(re.sub(r"model\.update_weights\(", "(lambda grads: None)(", source))
    checklist = ex3.check_attempt(str(folder / "attempt.py"))
    fails = [row for row in checklist.rows if row[2] is False]
    assert fails and fails[0][0] == "4" and "falls" in fails[0][1]
    assert checklist.report("title") == 1


@pytest.mark.skipif(not ATTEMPTS, reason="no attempt files under tests/course/ex3")
@pytest.mark.parametrize("name,what,words", [
    ("qa_bug_train_one_window.py", "windows move through the text", "one window trained 60 times"),
    ("qa_bug_train_targets_unshifted.py", "targets are the next characters", "the inputs themselves")])
def test_check_sees_the_windows_train_model_gives_forward(name, what, words):
    """Both bugs make the loss fall; the check must look at the windows themselves."""
    fails = [row for row in ex3.check_attempt(os.path.join(COURSE, "ex3", name)).rows if row[2] is False]
    assert fails[0][:2] == ("4", what) and words in fails[0][3], fails[0]


@pytest.mark.skipif(not ATTEMPTS, reason="no attempt files under tests/course/ex3")
def test_check_after_a_train_model_that_never_returns_skips_compare_models_only(tmp_path, monkeypatch):
    correct = next(p for p in ATTEMPTS if expected(p) is None)
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(os.path.join(COURSE, "implementation.py"), tmp_path / "implementation.py")
    with open(correct, encoding="utf-8") as handle:
        source = handle.read()
    (folder / "attempt.py").write_text(source + "\n\ndef train_model(model, text, char_to_idx, "
                                       "num_iterations=1000):\n    # TODO 4\n    while True:\n        pass\n")
    monkeypatch.setattr(ex3, "CHECK_SECONDS", 1)
    rows = ex3.check_attempt(str(folder / "attempt.py")).rows
    fails = [row for row in rows if row[2] is False]
    assert len(fails) == 1 and fails[0][0] == "4" and "TimeoutError" in fails[0][3]
    assert ("5-9", "compare_models(text, c2i, 8)", None) == rows[rows.index(fails[0]) + 1][:3]
    assert {row[0] for row in rows if row[2] is True} >= {"10", "11", "12"}


@pytest.mark.skipif(not ATTEMPTS, reason="no attempt files under tests/course/ex3")
def test_check_when_the_time_is_used_up_says_so_for_each_todo_left():
    correct = next(p for p in ATTEMPTS if expected(p) is None)
    checklist = ex3.Checklist(correct, ex3.STUB_ERRORS, seconds=ex3.CHECK_SECONDS)
    module = checklist.load()
    checklist.rows.clear()
    checklist.deadline = ex3.time.monotonic()                 # nothing left of the total
    results = [ex3.synthetic_results(levels) for levels in ((45, 40, 35, 30), (30, 45, 35, 40))]
    ex3.check_plot(checklist, module, results)
    ex3.check_analysis(checklist, module, results)
    assert [(row[0], row[2]) for row in checklist.rows] == [("10", None), ("11", None), ("12", None)]
    assert all("used up the check's time" in row[3] for row in checklist.rows)

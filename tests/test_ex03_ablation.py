"""Tests for Exercise 3: the gate ablation study (exercise_03_solution.py)."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import exercise_03_solution as ex3  # noqa: E402
from gradcheck import assert_gradients_match, randomize  # noqa: E402

VARIANTS = {"LSTMNoForgetGate": "f", "LSTMNoInputGate": "i", "LSTMNoOutputGate": "o"}
GATE_CACHE = {"f": "f_gates", "i": "i_gates", "o": "o_gates"}
TINY_STUDY = dict(iterations=6, memory_iterations=4, delay=3, hidden_size=6, log=None)


def _random_batch(rng, model, T=6, B=3):
    inputs = rng.integers(0, model.input_size, (T, B))
    targets = rng.integers(0, model.output_size, (T, B))
    state = [rng.normal(0.0, 0.5, (B, model.hidden_size)) for _ in model.STATE_NAMES]
    return inputs, targets, state


# ---- the removed gate --------------------------------------------------------------------
@pytest.mark.parametrize("name,gate", VARIANTS.items())
def test_removed_gate_is_exactly_one_and_owns_no_parameters(name, gate):
    D, H, V = 5, 4, 6
    model = ex3.MODELS[name](D, H, V, seed=1)
    full = ex3.LSTM(D, H, V, seed=1)
    assert not hasattr(model, "W" + gate) and not hasattr(model, "b" + gate)
    assert set(full.PARAM_NAMES) - set(model.PARAM_NAMES) == {"W" + gate, "b" + gate}
    assert full.n_params - model.n_params == H * (H + D) + H

    # exactly 1 at every step, also after training has moved every other parameter
    rng = np.random.default_rng(0)
    randomize({n: getattr(model, n) for n in model.PARAM_NAMES}, rng)
    inputs, targets, state = _random_batch(rng, model)
    for _ in range(3):
        model.forward(inputs, targets, *state)
        model.backward()
        model.update_weights(0.5)
    model.forward(inputs, targets, *state)
    assert np.all(getattr(model, GATE_CACHE[gate]) == 1.0)
    for other in set(GATE_CACHE) - {gate}:          # the kept gates really are sigmoids
        kept = getattr(model, GATE_CACHE[other])
        assert np.all((kept > 0) & (kept < 1)) and kept.std() > 0.01


def test_full_lstm_keeps_every_gate_and_starts_with_forget_bias_one():
    model = ex3.LSTM(5, 4, 6)
    assert model.PARAM_NAMES == ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
    assert np.all(model.bf == 1.0) and model.Wf.shape == (4, 9)
    assert ex3.VanillaRNN(5, 4, 6).n_params == 4 * 9 + 4 + 6 * 4 + 6


# ---- gradients and batches -------------------------------------------------------------
@pytest.mark.parametrize("name", ex3.MODEL_NAMES)
def test_every_model_passes_the_gradient_check(name):
    rng = np.random.default_rng(3)
    model = ex3.MODELS[name](5, 4, 6, clip_value=None)
    params = {n: getattr(model, n) for n in model.PARAM_NAMES}
    randomize(params, rng)
    inputs, targets, state = _random_batch(rng, model)
    model.forward(inputs, targets, *state)
    dstate = model.backward()
    analytic = {n: getattr(model, "d" + n) for n in model.PARAM_NAMES}
    # the initial states are checked like parameters: backward returns their gradients
    for k, s in enumerate(model.STATE_NAMES):
        params[s + "_prev"], analytic[s + "_prev"] = state[k], dstate[k]
    assert_gradients_match(params, analytic, lambda: model.forward(inputs, targets, *state))


@pytest.mark.parametrize("name", ["VanillaRNN", "LSTM", "LSTMNoInputGate"])
def test_batch_equals_stacked_single_runs(name):
    rng = np.random.default_rng(4)
    model = ex3.MODELS[name](5, 4, 6, clip_value=None)
    inputs, targets, state = _random_batch(rng, model)
    batch_loss = model.forward(inputs, targets, *state)
    batch_dstate = model.backward()
    batch_grads = {n: getattr(model, "d" + n).copy() for n in model.PARAM_NAMES}
    single_loss, single_grads = 0.0, {n: 0.0 for n in model.PARAM_NAMES}
    for b in range(inputs.shape[1]):
        single_loss += model.forward(inputs[:, b], targets[:, b], *[s[b] for s in state])
        dstate = model.backward()
        for n in model.PARAM_NAMES:
            single_grads[n] = single_grads[n] + getattr(model, "d" + n)
        for k in range(len(state)):
            np.testing.assert_allclose(dstate[k], batch_dstate[k][b], atol=1e-12)
    assert single_loss == pytest.approx(batch_loss, rel=1e-12)
    for n in model.PARAM_NAMES:
        np.testing.assert_allclose(single_grads[n], batch_grads[n], atol=1e-12)


def test_clipping_bounds_the_gradients_and_grad_norm_is_measured_before_it():
    rng = np.random.default_rng(5)
    model = ex3.LSTM(5, 4, 6, clip_value=0.01)
    randomize({n: getattr(model, n) for n in model.PARAM_NAMES}, rng, scale=2.0)
    inputs, targets, state = _random_batch(rng, model, T=10)
    model.forward(inputs, targets, *state)
    model.backward()
    clipped = np.concatenate([getattr(model, "d" + n).ravel() for n in model.PARAM_NAMES])
    assert np.abs(clipped).max() == pytest.approx(0.01)
    assert model.grad_norm > np.linalg.norm(clipped)


# ---- training ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ex3.MODEL_NAMES)
def test_every_model_learns_a_small_text(name):
    text = "the cat sat on the mat. " * 8
    chars, char_to_id = ex3.build_vocab(text)
    ids = np.array([char_to_id[c] for c in text])
    model = ex3.MODELS[name](len(chars), 16, len(chars), seed=0)
    curves = ex3.train_language_model(model, ids, 120, np.random.default_rng(0), seq_length=12,
                                      batch_size=4, learning_rate=0.1)
    loss = curves["train_loss"]
    assert loss[0] == pytest.approx(np.log(len(chars)), rel=0.05)   # starts near ln V (uniform)
    assert loss[-10:].mean() < 0.5 * loss[0]


def test_lstm_learns_the_memory_task_above_chance():
    D, V = ex3.memory_task_sizes()
    model = ex3.LSTM(D, 16, V, seed=0)
    ex3.train_memory_task(model, 150, 3, np.random.default_rng(0))
    assert ex3.recall_accuracy(model, 3, n_sequences=200) > 0.9


def test_real_word_share_counts_corpus_words_of_three_letters_or_more():
    assert ex3.real_word_share("The rivr went to the sea", "the river went to the sea") == 0.8
    assert np.isnan(ex3.real_word_share("a b to", "the river"))


def test_unigram_loss_is_the_entropy_of_the_character_frequencies():
    assert ex3.unigram_loss_per_char("abab") == pytest.approx(np.log(2))      # uniform over 2
    assert ex3.unigram_loss_per_char("aaab") == pytest.approx(-(0.75 * np.log(0.75) + 0.25 * np.log(0.25)))
    assert ex3.unigram_loss_per_char("aaaa") == 0.0
    # a real text sits between "knows nothing" (uniform) and "knows the text" (0)
    assert 0.0 < ex3.unigram_loss_per_char(ex3.DEFAULT_CORPUS) < np.log(len(set(ex3.DEFAULT_CORPUS)))


def test_memory_batch_asks_for_the_first_symbol_at_the_query_only():
    inputs, targets = ex3.make_memory_batch(np.random.default_rng(0), 50, delay=7)
    K, N = ex3.N_RECALL_SYMBOLS, ex3.N_DISTRACTOR_SYMBOLS
    assert inputs.shape == targets.shape == (9, 50)
    assert np.all(inputs[0] < K) and np.all((inputs[1:-1] >= K) & (inputs[1:-1] < K + N))
    assert np.all(inputs[-1] == K + N)
    assert np.all(targets[:-1] == K) and np.all(targets[-1] == inputs[0])


def test_same_seed_gives_the_same_study_and_another_seed_does_not():
    first = ex3.run_ablation_study(["LSTM", "VanillaRNN"], [0, 1], **TINY_STUDY)
    again = ex3.run_ablation_study(["LSTM", "VanillaRNN"], [0, 1], **TINY_STUDY)
    for name in ("LSTM", "VanillaRNN"):
        for a, b in zip(first["runs"][name], again["runs"][name]):
            for key in ("train_loss", "grad_norm", "heldout_curve", "memory_loss"):
                np.testing.assert_array_equal(a[key], b[key])
            assert (a["heldout_loss"], a["long_range_acc"], a["sample"]) == \
                (b["heldout_loss"], b["long_range_acc"], b["sample"])
        seed0, seed1 = first["runs"][name]
        assert not np.array_equal(seed0["train_loss"], seed1["train_loss"])


def test_study_records_everything_per_run():
    results = ex3.run_ablation_study(list(ex3.MODEL_NAMES), [0], **TINY_STUDY)
    counts = {}
    for name in ex3.MODEL_NAMES:
        (run,) = results["runs"][name]
        assert run["train_loss"].shape == run["grad_norm"].shape == (6,)
        assert np.all(np.isfinite(run["train_loss"])) and np.all(run["grad_norm"] > 0)
        assert run["heldout_loss"] == run["heldout_curve"][-1] and run["heldout_iters"][-1] == 6
        assert 0.0 <= run["long_range_acc"] <= 1.0 and run["wall_time"] > 0
        assert len(run["sample"]) == ex3.SAMPLE_LENGTH + 1 and set(run["sample"]) <= set(results["chars"])
        assert np.isnan(run["real_word_share"]) or 0.0 <= run["real_word_share"] <= 1.0
        counts[name] = run["n_params"]
    assert counts["LSTM"] > counts["LSTMNoForgetGate"] == counts["LSTMNoInputGate"] \
        == counts["LSTMNoOutputGate"] > counts["VanillaRNN"]


# ---- analysis ------------------------------------------------------------------------
def _hand_made_results():
    """Three models x 3 seeds with numbers chosen so every statistic is known by hand."""
    def run(heldout, acc, train_loss):
        return {"heldout_loss": heldout, "long_range_acc": acc, "train_loss": np.array(train_loss),
                "real_word_share": 0.5, "wall_time": 1.0, "n_params": 10}
    # smoothed (EMA 0.05) loss of 50 x 3.0 then zeros is 3 * 0.95**n after n zeros: it first
    # reaches <= 2.0 at n = 8, i.e. at update 58; a constant 1.0 is below 2.0 from update 1.
    step = [3.0] * 50 + [0.0] * 50
    never = [3.0] * 100
    return {"config": {"chance": 0.25}, "models": ["VanillaRNN", "LSTM", "LSTMNoForgetGate"],
            "runs": {"LSTM": [run(1.0, 0.9, step), run(1.1, 1.0, step), run(1.2, 0.8, step)],
                     "VanillaRNN": [run(1.12, 0.2, [1.0] * 100), run(1.22, 0.3, [1.0] * 100),
                                    run(1.02, 0.25, never)],
                     "LSTMNoForgetGate": [run(1.5, 0.9, never), run(1.6, 0.95, never),
                                          run(1.7, 0.85, never)]}}


def test_analyze_results_on_a_hand_made_study():
    analysis = ex3.analyze_results(_hand_made_results(), threshold=2.0)
    stats = analysis["stats"]
    assert stats["LSTM"]["heldout_loss_mean"] == pytest.approx(1.1)
    assert stats["LSTM"]["heldout_loss_std"] == pytest.approx(0.1)       # ddof=1
    assert stats["VanillaRNN"]["heldout_loss_mean"] == pytest.approx(1.12)
    assert stats["LSTMNoForgetGate"]["long_range_acc_mean"] == pytest.approx(0.9)
    assert stats["LSTMNoForgetGate"]["long_range_acc_std"] == pytest.approx(0.05)
    assert stats["LSTMNoForgetGate"]["train_loss_mean"] == pytest.approx(3.0)   # smoothed constant
    assert stats["LSTM"]["train_loss_mean"] == pytest.approx(3 * 0.95 ** 50)

    assert stats["LSTM"]["iters_to_threshold_mean"] == 58 and stats["LSTM"]["iters_to_threshold_std"] == 0
    assert stats["VanillaRNN"]["iters_to_threshold_mean"] == 1 and stats["VanillaRNN"]["n_reached"] == 2
    assert stats["LSTMNoForgetGate"]["n_reached"] == 0
    assert np.isnan(stats["LSTMNoForgetGate"]["iters_to_threshold_mean"])

    assert analysis["ranking"] == ["LSTM", "VanillaRNN", "LSTMNoForgetGate"]
    assert [(p["better"], p["worse"], p["within_noise"]) for p in analysis["adjacent"]] == \
        [("LSTM", "VanillaRNN", True), ("VanillaRNN", "LSTMNoForgetGate", False)]
    assert analysis["adjacent"][1]["diff"] == pytest.approx(0.48)
    assert analysis["recall_ranking"] == ["LSTM", "LSTMNoForgetGate", "VanillaRNN"]

    vs = analysis["vs_reference"]
    assert vs["VanillaRNN"]["heldout_loss"]["within_noise"]
    assert not vs["LSTMNoForgetGate"]["heldout_loss"]["within_noise"]
    assert vs["LSTMNoForgetGate"]["long_range_acc"]["within_noise"]            # 0.9 vs 0.9
    assert not vs["VanillaRNN"]["long_range_acc"]["within_noise"]
    assert analysis["chance"] == 0.25


def test_verdict_follows_the_numbers():
    results = _hand_made_results()
    lines = " ".join(ex3.verdict_lines(ex3.analyze_results(results, threshold=2.0)))
    assert "LSTM ~ VanillaRNN < LSTMNoForgetGate" in lines
    assert "Most costly removal for the language model: LSTMNoForgetGate (+0.500" in lines
    assert "LSTMNoForgetGate" in lines.split("Recall clearly above chance")[1]
    assert "No single gate removal lowered recall accuracy beyond the seed spread." in lines
    assert "fastest VanillaRNN (1 +- 0 updates), slowest LSTM (58 +- 0)" in lines
    assert "seeds that reached it: VanillaRNN 2/3, LSTMNoForgetGate 0/3." in lines
    for r in results["runs"]["LSTM"]:                   # now only the vanilla RNN converges
        r["train_loss"] = np.full(100, 3.0)
    lines = " ".join(ex3.verdict_lines(ex3.analyze_results(results, threshold=2.0)))
    assert "Convergence to 2.00 nats/char: only VanillaRNN (1 +- 0 updates);" in lines
    # make the forget-gate-free model as good as the LSTM: the verdict must change with it
    for r, v in zip(results["runs"]["LSTMNoForgetGate"], (1.05, 1.1, 1.15)):
        r["heldout_loss"] = v
    lines = " ".join(ex3.verdict_lines(ex3.analyze_results(results, threshold=2.0)))
    assert "No single gate removal raised the held-out loss beyond the seed spread." in lines


# ---- command line, figures and bad input ---------------------------------------------------
TINY_CLI = ["--seeds", "2", "--iterations", "4", "--memory-iterations", "3", "--delay", "2",
            "--hidden-size", "6", "--models", "LSTM", "LSTMNoOutputGate", "VanillaRNN"]


def test_cli_prints_the_table_and_writes_the_figure(tmp_path, capsys):
    assert ex3.main(TINY_CLI + ["--outdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "held-out loss" in out and "Verdict" in out and "LSTMNoOutputGate" in out
    png = tmp_path / "ex3_comparison.png"
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20000


@pytest.mark.parametrize("kwargs,argument", [
    (dict(models=["GRU"]), "models"),
    (dict(models=[]), "models"),
    (dict(seeds=[]), "seeds"),
    (dict(seeds=[1, 1]), "seeds"),
    (dict(iterations=0), "iterations"),
    (dict(iterations=-3), "iterations"),
    (dict(memory_iterations=0), "memory_iterations"),
    (dict(delay=0), "delay"),
])
def test_study_rejects_bad_input(kwargs, argument):
    args = dict(models=["LSTM"], seeds=[0], iterations=2, memory_iterations=2, delay=2, log=None)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"^{argument}: expected"):
        ex3.run_ablation_study(**args)


@pytest.mark.parametrize("argv", [["--iterations", "0"], ["--seeds", "0"], ["--models", "GRU"],
                                  ["--delay", "-1"], ["--learning-rate", "0"], ["--seeds", "x"]])
def test_cli_bad_input_is_one_line_and_exit_2(argv, capsys):
    try:
        code = ex3.main(argv)
    except SystemExit as exit_:        # argparse type errors exit from parse_args
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("exercise_03_solution.py: error: ")


def test_forward_rejects_malformed_input_before_changing_state():
    model = ex3.LSTM(5, 4, 6)
    with pytest.raises(ValueError, match="inputs: expected ids in"):
        model.forward([0, 5], [0, 1], *model.zero_state())
    with pytest.raises(ValueError, match="state: expected 2 arrays"):
        model.forward([0, 1], [0, 1], np.zeros(4))
    with pytest.raises(ValueError, match="C_prev: expected shape"):
        model.forward([0, 1], [0, 1], np.zeros(4), np.zeros(3))
    with pytest.raises(RuntimeError, match="call forward"):
        model.backward()


def test_a_non_finite_loss_stops_training_with_advice():
    with pytest.raises(ex3.TrainingDiverged, match="nan at iteration 7; try a smaller --learning-rate"):
        ex3._check_finite_loss(float("nan"), 7, 0.1)


def test_verdict_says_when_one_seed_gives_no_spread():
    results = _hand_made_results()
    for name in results["models"]:
        results["runs"][name] = results["runs"][name][:1]
    analysis = ex3.analyze_results(results, threshold=2.0)
    assert all(s["heldout_loss_std"] == 0.0 for s in analysis["stats"].values())
    assert ex3.verdict_lines(analysis)[0].startswith("With one seed there is no seed-to-seed spread")


@pytest.mark.parametrize("name", ["VanillaRNN", "LSTMNoForgetGate"])
def test_sample_returns_valid_ids_and_is_reproducible(name):
    model = ex3.MODELS[name](7, 5, 7, seed=2)
    ids = model.sample(model.zero_state(), 3, 40, 0.7, np.random.default_rng(9))
    assert len(ids) == 40 and all(isinstance(k, int) and 0 <= k < 7 for k in ids)
    assert ids == model.sample(model.zero_state(), 3, 40, 0.7, np.random.default_rng(9))
    with pytest.raises(ValueError, match="temperature: expected a positive number"):
        model.sample(model.zero_state(), 3, 5, 0.0)

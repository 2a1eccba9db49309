"""EXPECT: pass. Sequential windows of 12 with stride 12 (epochs over the text, the state carried
on and reset at each new epoch); on the pattern "abc" every such window reads the same, which a
checker judging windows by content alone took for a window that never moves (QA, ok_b_epochs_flat)."""
import sys; sys.path.append('..'); from implementation import LSTM
import numpy as np
np.random.seed(42)


def _ids(s, c2i):
    return [c2i[c] for c in s]
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def create_repeating_pattern(pattern="abc", repeats=10):
    # TODO 1: repeat the pattern
    text = pattern * repeats
    # TODO 2: index dicts
    chars = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(chars)}
    idx_to_char = {i: ch for i, ch in enumerate(chars)}
    return text, char_to_idx, idx_to_char


def train_and_capture_gates(text, char_to_idx, hidden_size=32, num_iterations=500):
    vocab_size = len(char_to_idx)
    seq_length = min(12, len(text) - 1)
    learning_rate = 0.01
    # TODO 3: create LSTM
    lstm = LSTM(vocab_size, hidden_size, seq_length, learning_rate=learning_rate)
    # TODO 4: training loop
    it = 0
    h = np.zeros((hidden_size, 1))
    C = np.zeros((hidden_size, 1))
    pos = 0
    while it < num_iterations:
        # TODO 5: window (sequential pass over the text, epochs)
        if pos + seq_length + 1 > len(text):
            pos = 0
            h = np.zeros((hidden_size, 1))
            C = np.zeros((hidden_size, 1))
        inputs = _ids(text[pos:pos + seq_length], char_to_idx)
        targets = _ids(text[pos + 1:pos + seq_length + 1], char_to_idx)
        pos += seq_length
        it += 1
        # TODO 6: forward
        loss, h, C, cache = lstm.forward(inputs, targets, h, C)
        # TODO 7: backward
        grads = lstm.backward(inputs, targets, cache)
        # TODO 8: update
        lstm.update_weights(grads)
    # TODO 9: run on test_seq
    test_seq = text[:20]
    ids = _ids(test_seq, char_to_idx)
    tgt = ids[1:] + [ids[0]]
    h0 = np.zeros((hidden_size, 1))
    C0 = np.zeros((hidden_size, 1))
    _, _, _, cache = lstm.forward(ids, tgt, h0, C0)
    # TODO 10: fill gates_dict, cell_states
    keys = {"forget": "fs", "input": "i_s", "output": "os"}
    gates_dict = {name: [cache[k][t].flatten() for t in range(len(ids))] for name, k in keys.items()}
    cell_states = [cache["Cs"][t].flatten() for t in range(len(ids))]
    return lstm, gates_dict, cell_states, test_seq


def analyze_gates(gates_dict, cell_states, sequence):
    # TODO 11: plot gates
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    for k, name in enumerate(["forget", "input", "output"]):
        m = [float(np.mean(g)) for g in gates_dict[name]]
        ax1.bar(np.arange(len(m)) + 0.25 * k, m, width=0.25, label=name)
    ax1.legend()
    ax2.scatter(range(len(cell_states)), [float(np.mean(c)) for c in cell_states])
    fig.savefig("ex2_my_gates.png")
    plt.show()
    # TODO 12: gate statistics
    print(f"{'gate':<8}{'mean':>8}{'std':>8}{'>0.9%':>8}{'<0.1%':>8}")
    for name in ["forget", "input", "output"]:
        vals = np.concatenate([np.asarray(g).ravel() for g in gates_dict[name]])
        mean = vals.mean()
        std = vals.std()
        hi = 100.0 * np.mean(vals > 0.9)
        lo = 100.0 * np.mean(vals < 0.1)
        print(f"{name:<8}{mean:>8.3f}{std:>8.3f}{hi:>8.1f}{lo:>8.1f}")


def write_report(gates_dict, sequence):
    # TODO 13: five-question report
    means = {k: float(np.mean([np.mean(g) for g in v])) for k, v in gates_dict.items()}
    order = sorted(means, key=means.get, reverse=True)
    print("1. Most active gate on average:", order[0], f"({means[order[0]]:.3f}); then",
          ", ".join(f"{k} {means[k]:.3f}" for k in order[1:]))
    for k, v in gates_dict.items():
        vals = np.concatenate([np.asarray(g).ravel() for g in v])
        print(f"2. {k}: {100*np.mean(vals > 0.9):.1f}% nearly open, {100*np.mean(vals < 0.1):.1f}% nearly shut")
    per_char = {}
    for t, ch in enumerate(sequence[:len(gates_dict['forget'])]):
        per_char.setdefault(ch, []).append(float(np.mean(gates_dict["forget"][t])))
    print("3. Mean forget gate by character:",
          ", ".join(f"{c!r}: {np.mean(v):.3f}" for c, v in sorted(per_char.items())))
    f = np.array([np.mean(g) for g in gates_dict["forget"]])
    print(f"4. Forget-gate mean over steps ranges {f.min():.3f}..{f.max():.3f}; "
          f"spread by character {np.std([np.mean(v) for v in per_char.values()]):.4f}")
    print(f"5. Unexpected: the output gate mean {means['output']:.3f} vs input {means['input']:.3f}")


if __name__ == "__main__":
    text, char_to_idx, idx_to_char = create_repeating_pattern("abc", repeats=20)
    lstm, gates_dict, cell_states, test_seq = train_and_capture_gates(text, char_to_idx)
    analyze_gates(gates_dict, cell_states, test_seq)
    write_report(gates_dict, test_seq)

"""EXPECT: FAIL TODO 6. Carries the state between windows but unpacks forward as (loss, C, h,
cache), so the next window gets h and C swapped (QA, bug_forward_unpack_swapped)."""
import sys; sys.path.append('..'); from implementation import LSTM
import numpy as np
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
    for it in range(num_iterations):
        # TODO 5: random window
        start = np.random.randint(0, len(text) - seq_length)
        inputs = [char_to_idx[c] for c in text[start:start + seq_length]]
        targets = [char_to_idx[c] for c in text[start + 1:start + seq_length + 1]]
        if it == 0:
            h = np.zeros((hidden_size, 1))
            C = np.zeros((hidden_size, 1))
        # TODO 6: forward
        loss, C, h, cache = lstm.forward(inputs, targets, h, C)
        # TODO 7: backward
        grads = lstm.backward(inputs, targets, cache)
        # TODO 8: update
        lstm.update_weights(grads)
        if it % 100 == 0:
            print(f"iter {it}: loss {loss:.3f}")
    # TODO 9: run on test_seq
    test_seq = text[:20]
    ids = [char_to_idx[c] for c in test_seq]
    tgt = ids[1:] + [ids[0]]
    h0 = np.zeros((hidden_size, 1))
    C0 = np.zeros((hidden_size, 1))
    _, _, _, cache = lstm.forward(ids, tgt, h0, C0)
    # TODO 10: fill gates_dict, cell_states
    gates_dict = {"forget": [], "input": [], "output": []}
    cell_states = []
    for t in range(len(ids)):
        gates_dict["forget"].append(cache["fs"][t].copy())
        gates_dict["input"].append(cache["i_s"][t].copy())
        gates_dict["output"].append(cache["os"][t].copy())
        cell_states.append(cache["Cs"][t].copy())
    return lstm, gates_dict, cell_states, test_seq


def analyze_gates(gates_dict, cell_states, sequence):
    # TODO 11: plot gates
    fig, axes = plt.subplots(4, 1, figsize=(10, 9))
    for ax, name in zip(axes, ["forget", "input", "output"]):
        arr = np.hstack([np.asarray(g).reshape(-1, 1) for g in gates_dict[name]])
        ax.imshow(arr, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_title(f"{name} gate")
        ax.set_xticks(range(len(sequence)))
        ax.set_xticklabels(list(sequence))
    cs = np.hstack([np.asarray(c).reshape(-1, 1) for c in cell_states])
    axes[3].imshow(cs, aspect="auto", cmap="RdBu")
    axes[3].set_title("cell state")
    plt.tight_layout()
    plt.close(fig)
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

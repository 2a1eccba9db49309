"""EXPECT: pass
Trains in sweeps over the text (non-overlapping windows, state carried within a sweep and reset
at each sweep's start), learning rate 0.02; statistics collected into a dict before printing."""
import sys
sys.path.append('..')
from implementation import LSTM
import numpy as np
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt


def create_repeating_pattern(pattern="abc", repeats=10):
    # TODO 1: Create the repeating text
    text = ""
    for _ in range(repeats):
        text += pattern
    # TODO 2: Create index mappings
    char_to_idx, idx_to_char = {}, {}
    for i, ch in enumerate(sorted(set(text))):
        char_to_idx[ch] = i
        idx_to_char[i] = ch
    return text, char_to_idx, idx_to_char


def train_and_capture_gates(text, char_to_idx, hidden_size=32, num_iterations=500):
    seq_length = min(25, len(text) - 1)
    learning_rate = 0.02
    encoded = [char_to_idx[ch] for ch in text]
    # TODO 3: Create LSTM
    lstm = LSTM(vocab_size=len(char_to_idx), hidden_size=hidden_size,
                seq_length=seq_length, learning_rate=learning_rate)

    starts = list(range(0, len(encoded) - seq_length, seq_length))
    iteration = 0
    # TODO 4: Training loop
    while iteration < num_iterations:
        h = np.zeros((hidden_size, 1))
        c = np.zeros((hidden_size, 1))
        # TODO 5: windows in order, one sweep at a time
        for s in starts:
            if iteration >= num_iterations:
                break
            xs = encoded[s:s + seq_length]
            ys = encoded[s + 1:s + seq_length + 1]
            # TODO 6: Forward
            loss, h, c, cache = lstm.forward(xs, ys, h, c)
            # TODO 7: Backward
            grads = lstm.backward(xs, ys, cache)
            # TODO 8: Update
            lstm.update_weights(grads)
            iteration += 1

    # TODO 9: Test sequence from a fresh state
    test_seq = text[:20]
    xs = encoded[:20]
    ys = encoded[1:21] if len(encoded) > 20 else encoded[:20]
    _, _, _, cache = lstm.forward(xs, ys, np.zeros((hidden_size, 1)),
                                  np.zeros((hidden_size, 1)))

    # TODO 10: Save gate activations
    gates_dict = {'forget': [], 'input': [], 'output': []}
    cell_states = []
    for key, name in (('fs', 'forget'), ('i_s', 'input'), ('os', 'output')):
        for t in sorted(k for k in cache[key] if k >= 0):
            gates_dict[name].append(cache[key][t][:, 0])
    for t in range(len(xs)):
        cell_states.append(cache['Cs'][t][:, 0])
    return lstm, gates_dict, cell_states, test_seq


def gate_stats(values):
    v = np.asarray(values, dtype=float)
    return {'mean': v.mean(), 'std': v.std(),
            'high': 100.0 * np.count_nonzero(v > 0.9) / v.size,
            'low': 100.0 * np.count_nonzero(v < 0.1) / v.size}


def analyze_gates(gates_dict, cell_states, sequence):
    # TODO 11: Plot
    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(9, 7))
    for ax, (name, acts) in zip(axes, gates_dict.items()):
        ax.plot(np.asarray(acts)[:, :8])
        ax.set_ylabel(name)
        ax.set_ylim(0, 1)
    axes[-1].set_xticks(range(len(sequence)))
    axes[-1].set_xticklabels(list(sequence))
    plt.show()
    plt.close(fig)

    # TODO 12: Gate statistics
    for name, acts in gates_dict.items():
        s = gate_stats(acts)
        print(f"[{name}] mean={s['mean']:.4f} std={s['std']:.4f} "
              f">0.9: {s['high']:.2f}% <0.1: {s['low']:.2f}%")


def write_report(gates_dict, sequence):
    # TODO 13: Report
    stats = {name: gate_stats(acts) for name, acts in gates_dict.items()}
    ranked = sorted(stats, key=lambda n: stats[n]['mean'], reverse=True)
    print("Q1: ranked by mean activation: " +
          ", ".join(f"{n}={stats[n]['mean']:.3f}" for n in ranked))
    spec = [n for n in stats if stats[n]['high'] > 30 or stats[n]['low'] > 30]
    print(f"Q2: gates with >30% of values saturated: {spec if spec else 'none'}")
    chars = sorted(set(sequence))
    for name in gates_dict:
        per_char = {ch: np.mean([np.mean(gates_dict[name][t])
                                 for t, c in enumerate(sequence) if c == ch]) for ch in chars}
        print(f"Q3: {name} by character: " +
              ", ".join(f"{ch}:{v:.3f}" for ch, v in per_char.items()))
    f_means = np.array([np.mean(v) for v in gates_dict['forget']])
    print(f"Q4: forget-gate mean per step, first 6: {np.round(f_means[:6], 3).tolist()}")
    gap = stats[ranked[0]]['mean'] - stats[ranked[-1]]['mean']
    print(f"Q5: gap between most and least active gate: {gap:.3f}")


if __name__ == "__main__":
    text, char_to_idx, idx_to_char = create_repeating_pattern("abc", repeats=20)
    lstm, gates_dict, cell_states, test_seq = train_and_capture_gates(text, char_to_idx)
    analyze_gates(gates_dict, cell_states, test_seq)
    write_report(gates_dict, test_seq)

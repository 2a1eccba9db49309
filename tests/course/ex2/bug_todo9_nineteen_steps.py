"""EXPECT: FAIL TODO 9
Runs the test sequence as inputs test_seq[:-1] and targets test_seq[1:], so only 19 gate vectors
are captured for the 20 characters of test_seq."""
import sys
sys.path.append('..')
from implementation import LSTM

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def create_repeating_pattern(pattern="abc", repeats=10):
    # TODO 1: repeat the pattern
    text = pattern * repeats
    # TODO 2: character <-> index dictionaries
    chars = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(chars)}
    idx_to_char = {i: ch for i, ch in enumerate(chars)}
    return text, char_to_idx, idx_to_char


def train_and_capture_gates(text, char_to_idx, hidden_size=32, num_iterations=500):
    vocab_size = len(char_to_idx)
    seq_length = min(25, len(text) - 1)
    learning_rate = 0.01
    # TODO 3: create the LSTM
    lstm = LSTM(vocab_size, hidden_size, seq_length, learning_rate=learning_rate)

    # TODO 4: training loop
    for it in range(num_iterations):
        # TODO 5: pick a random window
        start = np.random.randint(0, len(text) - seq_length)
        inputs = [char_to_idx[c] for c in text[start:start + seq_length]]
        targets = [char_to_idx[c] for c in text[start + 1:start + seq_length + 1]]
        h = np.zeros((hidden_size, 1))
        C = np.zeros((hidden_size, 1))
        # TODO 6: forward pass
        loss, h, C, cache = lstm.forward(inputs, targets, h, C)
        # TODO 7: backward pass
        grads = lstm.backward(inputs, targets, cache)
        # TODO 8: update weights
        lstm.update_weights(grads)
        if it % 100 == 0:
            print(f"iter {it}: loss {loss:.3f}")

    # TODO 9: run the trained LSTM on a test sequence
    test_seq = text[:20]
    test_ids = [char_to_idx[c] for c in test_seq[:-1]]
    test_targets = [char_to_idx[c] for c in test_seq[1:]]
    h = np.zeros((hidden_size, 1))
    C = np.zeros((hidden_size, 1))
    _, _, _, cache = lstm.forward(test_ids, test_targets, h, C)

    # TODO 10: collect gate activations and cell states
    gates_dict = {'forget': [], 'input': [], 'output': []}
    cell_states = []
    for t in range(len(test_ids)):
        gates_dict['forget'].append(cache['fs'][t].flatten())
        gates_dict['input'].append(cache['i_s'][t].flatten())
        gates_dict['output'].append(cache['os'][t].flatten())
        cell_states.append(cache['Cs'][t].flatten())
    return lstm, gates_dict, cell_states, test_seq


def analyze_gates(gates_dict, cell_states, sequence):
    # TODO 11: plot the gates over time
    fig, axes = plt.subplots(4, 1, figsize=(10, 10))
    names = ['forget', 'input', 'output']
    for ax, name in zip(axes, names):
        ax.imshow(np.array(gates_dict[name]).T, aspect='auto', cmap='viridis', vmin=0, vmax=1)
        ax.set_title(f"{name} gate")
        ax.set_xticks(range(len(sequence)))
        ax.set_xticklabels(list(sequence))
    axes[3].imshow(np.array(cell_states).T, aspect='auto', cmap='RdBu')
    axes[3].set_title("cell state")
    plt.tight_layout()
    plt.show()
    plt.close(fig)

    # TODO 12: gate statistics
    for name in names:
        values = np.array(gates_dict[name])
        print(f"{name.capitalize()} gate:")
        print(f"  mean: {values.mean():.4f}")
        print(f"  std: {values.std():.4f}")
        print(f"  % > 0.9: {100 * np.mean(values > 0.9):.2f}%")
        print(f"  % < 0.1: {100 * np.mean(values < 0.1):.2f}%")


def write_report(gates_dict, sequence):
    # TODO 13: answer the five questions from the numbers
    means = {name: float(np.mean(v)) for name, v in gates_dict.items()}
    highest = max(means, key=means.get)
    print("1. Average activation:", ", ".join(f"{k} {v:.3f}" for k, v in means.items()),
          f"-> the {highest} gate is the most open.")
    print("2. Specialisation:")
    for name, v in gates_dict.items():
        arr = np.array(v)
        print(f"   {name}: {100 * np.mean(arr > 0.9):.1f}% open (>0.9), "
              f"{100 * np.mean(arr < 0.1):.1f}% shut (<0.1)")
    print("3. Reaction per character:")
    for ch in sorted(set(sequence)):
        steps = [t for t, c in enumerate(sequence) if c == ch]
        parts = [f"{name} {np.mean([np.mean(gates_dict[name][t]) for t in steps]):.3f}"
                 for name in gates_dict]
        print(f"   '{ch}': " + ", ".join(parts))
    forget_means = [float(np.mean(f)) for f in gates_dict['forget']]
    period = len(set(sequence))
    if len(forget_means) > period:
        corr = np.corrcoef(forget_means[:-period], forget_means[period:])[0, 1]
        print(f"4. Forget-gate mean vs the same value {period} steps later: correlation {corr:.3f}")
    else:
        print("4. Sequence too short to compare against one period later.")
    spread = max(means.values()) - min(means.values())
    print(f"5. Unexpected: the gate means differ by only {spread:.3f}"
          if spread < 0.1 else f"5. Unexpected: the gate means differ by {spread:.3f}")


if __name__ == "__main__":
    text, char_to_idx, idx_to_char = create_repeating_pattern("abc", repeats=20)
    lstm, gates_dict, cell_states, test_seq = train_and_capture_gates(text, char_to_idx)
    analyze_gates(gates_dict, cell_states, test_seq)
    write_report(gates_dict, test_seq)

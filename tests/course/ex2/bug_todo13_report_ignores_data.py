"""EXPECT: FAIL TODO 13
write_report prints the same hand-written answers whatever gates it is given."""
import sys
sys.path.append('..')
from implementation import LSTM

import numpy as np
import matplotlib.pyplot as plt


def create_repeating_pattern(pattern="abc", repeats=10):
    # TODO 1: Repeat the pattern to build the text
    text = "".join([pattern] * repeats)
    # TODO 2: Build the mappings
    vocab = sorted(set(text))
    char_to_idx = dict(zip(vocab, range(len(vocab))))
    idx_to_char = dict(zip(range(len(vocab)), vocab))
    return text, char_to_idx, idx_to_char


def train_and_capture_gates(text, char_to_idx, hidden_size=32, num_iterations=500):
    seq_length = 25
    learning_rate = 0.005
    # TODO 3: Create LSTM
    lstm = LSTM(len(char_to_idx), hidden_size, seq_length)
    lstm.learning_rate = learning_rate
    h_prev = np.zeros((hidden_size, 1))
    C_prev = np.zeros((hidden_size, 1))

    pos = 0
    # TODO 4: Training loop
    for i in range(num_iterations):
        # TODO 5: next window (sequential, wrapping around)
        if pos + seq_length + 1 > len(text):
            pos = 0
            h_prev = np.zeros((hidden_size, 1))
            C_prev = np.zeros((hidden_size, 1))
        n = min(seq_length, len(text) - 1 - pos)
        x = [char_to_idx[ch] for ch in text[pos:pos + n]]
        y = [char_to_idx[ch] for ch in text[pos + 1:pos + n + 1]]
        # TODO 6: Forward
        loss, h_prev, C_prev, cache = lstm.forward(x, y, h_prev, C_prev)
        # TODO 7: Backward
        grads = lstm.backward(x, y, cache)
        # TODO 8: Update
        lstm.update_weights(grads)
        pos += n

    # TODO 9: Run on test sequence
    test_seq = text[:20]
    x = [char_to_idx[ch] for ch in test_seq]
    y = [char_to_idx[ch] for ch in text[1:21]] if len(text) > 20 else x
    zero = np.zeros((hidden_size, 1))
    loss, _, _, cache = lstm.forward(x, y, zero.copy(), zero.copy())

    # TODO 10: Store gates and cell states
    steps = range(len(test_seq))
    gates_dict = {
        'forget': [cache['fs'][t].copy() for t in steps],
        'input': [cache['i_s'][t].copy() for t in steps],
        'output': [cache['os'][t].copy() for t in steps],
    }
    cell_states = [cache['Cs'][t].copy() for t in steps]
    return lstm, gates_dict, cell_states, test_seq


def analyze_gates(gates_dict, cell_states, sequence):
    # TODO 11: Plot gate activations (mean over units) along the sequence
    plt.figure(figsize=(10, 4))
    for name, acts in gates_dict.items():
        plt.plot([a.mean() for a in acts], marker='o', label=name)
    plt.xticks(range(len(sequence)), list(sequence))
    plt.ylabel("mean activation")
    plt.legend()
    plt.savefig("gate_activations.png")
    plt.close()

    # TODO 12: Statistics
    print(f"{'gate':<8}{'mean':>8}{'std':>8}{'%>0.9':>8}{'%<0.1':>8}")
    for name, acts in gates_dict.items():
        a = np.concatenate([v.ravel() for v in acts])
        high = np.sum(a > 0.9) / a.size * 100
        low = np.sum(a < 0.1) / a.size * 100
        print(f"{name:<8}{a.mean():>8.3f}{a.std():>8.3f}{high:>8.1f}{low:>8.1f}")


def write_report(gates_dict, sequence):
    # TODO 13: Report
    print("GATE REPORT")
    print("Q1 The forget gate is the most active on average.")
    print("Q2 The forget gate stays mostly open; the input gate opens on new characters.")
    print("Q3 The gates react to 'a' by resetting the memory.")
    print("Q4 Yes, the gates repeat with the period of the pattern.")
    print("Q5 Surprisingly, the output gate is almost always open.")


if __name__ == "__main__":
    text, char_to_idx, idx_to_char = create_repeating_pattern("abc", repeats=20)
    lstm, gates_dict, cell_states, test_seq = train_and_capture_gates(text, char_to_idx)
    analyze_gates(gates_dict, cell_states, test_seq)
    write_report(gates_dict, test_seq)

"""EXPECT: FAIL TODO 6
train_on_distance returns the accuracy as a fraction (0.4) instead of a percentage (40.0)."""
import sys
sys.path.append('..')
from implementation import LSTM

import numpy as np
import matplotlib.pyplot as plt


def generate_memory_task(distance, num_samples=1000, vocab_size=10):
    # TODO 1: Generate sequences
    X = np.random.randint(0, vocab_size, size=(num_samples, distance + 2))
    X[:, -1] = vocab_size              # query symbol
    y = X[:, 0].copy()                 # remember the first token
    return X, y


def last_step_grads(lstm, inputs, label, cache):
    """BPTT for a loss on the final step only: -log p_T[label]."""
    H, T = lstm.hidden_size, len(inputs)
    g = {k: np.zeros_like(getattr(lstm, k)) for k in
         ('Wf', 'Wi', 'Wc', 'Wo', 'Why', 'bf', 'bi', 'bc', 'bo', 'by')}
    dy = cache['ps'][T - 1].copy()
    dy[label] -= 1
    g['Why'] = dy @ cache['hs'][T - 1].T
    g['by'] = dy
    dh, dC_next = lstm.Why.T @ dy, np.zeros((H, 1))
    for t in range(T - 1, -1, -1):
        f, i, c, o = cache['fs'][t], cache['i_s'][t], cache['c_cands'][t], cache['os'][t]
        tC = np.tanh(cache['Cs'][t])
        dC = dh * o * (1 - tC ** 2) + dC_next
        pre = {'o': dh * tC * o * (1 - o), 'c': dC * i * (1 - c ** 2),
               'i': dC * c * i * (1 - i), 'f': dC * cache['Cs'][t - 1] * f * (1 - f)}
        dz = np.zeros_like(cache['zs'][t])
        for k, d in pre.items():
            g['W' + k] += d @ cache['zs'][t].T
            g['b' + k] += d
            dz += getattr(lstm, 'W' + k).T @ d
        dh, dC_next = dz[:H], dC * f
    return {'d' + k: np.clip(v, -5, 5) for k, v in g.items()}


def predict(lstm, inputs):
    seq = [int(v) for v in inputs]
    zeros = np.zeros((lstm.hidden_size, 1))
    _, _, _, cache = lstm.forward(seq, seq, zeros, zeros.copy())
    scores = cache['ps'][len(seq) - 1][:lstm.vocab_size - 1]   # real tokens only
    return int(np.argmax(scores))


def train_on_distance(distance, vocab_size=10, hidden_size=32, num_iterations=500):
    # TODO 2: Train and test
    # TODO 3: 1000 training / 200 test samples
    X_tr, y_tr = generate_memory_task(distance, 1000, vocab_size)
    X_te, y_te = generate_memory_task(distance, 200, vocab_size)
    # TODO 4: Create LSTM
    lstm = LSTM(vocab_size + 1, hidden_size, distance + 2, learning_rate=0.1)
    # TODO 5: Training loop
    for step in range(num_iterations):
        seq = [int(v) for v in X_tr[step % len(X_tr)]]
        label = int(y_tr[step % len(X_tr)])
        zeros = np.zeros((hidden_size, 1))
        _, _, _, cache = lstm.forward(seq, [label] * len(seq), zeros, zeros.copy())
        lstm.update_weights(last_step_grads(lstm, seq, label, cache))
    # TODO 6: Test accuracy
    preds = np.array([predict(lstm, x) for x in X_te])
    return float(np.mean(preds == y_te))


def test_all_distances(distances=[5, 10, 20, 50, 100]):
    accuracies = []
    # TODO 7: Test all distances
    for distance in distances:
        # TODO 8: Test one distance
        accuracy = train_on_distance(distance)
        accuracies.append(accuracy)
        print(f"Distance {distance}: {accuracy:.1f}% accuracy")
    return distances, accuracies


def plot_results(distances, accuracies):
    # TODO 9: Plot with chance line
    fig, ax = plt.subplots()
    ax.semilogx(distances, accuracies, marker='s', label='LSTM accuracy')
    ax.axhline(10, linestyle=':', color='gray', label='Chance (10%)')
    ax.set_xlabel('Distance between token and query')
    ax.set_ylabel('Accuracy (%)')
    ax.legend()
    fig.savefig('memory_capacity.png')
    plt.close(fig)


def compare_with_rnn(distances):
    # TODO 10: Bonus (not attempted)
    print("Vanilla RNN comparison not attempted.")


def analyze_findings(distances, accuracies):
    # TODO 11: Analysis
    pairs = list(zip(distances, accuracies))
    best = max(pairs, key=lambda p: p[1])
    worst = min(pairs, key=lambda p: p[1])
    print(f"Best distance: {best[0]} at {best[1]:.1f}%")
    print(f"Worst distance: {worst[0]} at {worst[1]:.1f}%")
    print(f"Mean accuracy over {len(pairs)} distances: {np.mean(accuracies):.1f}%")
    bar = 2 * 10   # twice chance
    drop = next((d for d, a in pairs if a < bar), None)
    print(f"Accuracy first drops below {bar}% at distance: {drop}")
    handled = [d for d, a in pairs if a >= bar]
    print(f"Longest distance above {bar}%: {max(handled) if handled else 'none'}")
    for (d1, a1), (d2, a2) in zip(pairs, pairs[1:]):
        print(f"  {d1} -> {d2}: {a2 - a1:+.1f} points")


if __name__ == "__main__":
    # TODO 12: Run experiment
    distances, accuracies = test_all_distances()
    plot_results(distances, accuracies)
    analyze_findings(distances, accuracies)
    compare_with_rnn(distances)

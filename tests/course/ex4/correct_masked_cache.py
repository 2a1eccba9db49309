"""EXPECT: pass
Last-step-only loss without writing a backward pass: after the reference forward, the cached
probabilities of all earlier steps are replaced by their one-hot targets, so the reference
backward sees a zero loss gradient there; column_stack task generation, learning rate 0.1."""
import sys
sys.path.append('..')
from implementation import LSTM
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

CHANCE = 10.0   # percent, for 10 classes


def generate_memory_task(distance, num_samples=1000, vocab_size=10):
    # TODO 1: Generate sequences
    first = np.random.randint(vocab_size, size=num_samples)
    noise = np.random.randint(vocab_size, size=(num_samples, distance))
    query = np.full(num_samples, vocab_size)
    X = np.column_stack([first, noise, query]).astype(int)
    return X, first


def predict(lstm, inputs):
    H = lstm.hidden_size
    seq = list(map(int, inputs))
    out = lstm.forward(seq, [0] * len(seq), np.zeros((H, 1)), np.zeros((H, 1)))
    probs = out[3]['ps'][len(seq) - 1].ravel()
    return int(probs.argmax())


def train_on_distance(distance, vocab_size=10, hidden_size=32, num_iterations=500):
    # TODO 2: Train and test
    # TODO 3: 1000 train / 200 test
    X, y = generate_memory_task(distance, 1200, vocab_size)
    X_train, y_train, X_test, y_test = X[:1000], y[:1000], X[1000:], y[1000:]
    # TODO 4: Create LSTM
    model = LSTM(vocab_size + 1, hidden_size, distance + 2, 0.1)
    H = hidden_size
    # TODO 5: Training loop (loss on the query step only)
    order = np.random.permutation(1000)
    for it in range(num_iterations):
        n = order[it % 1000]
        seq = X_train[n].tolist()
        tgt = [int(y_train[n])] * len(seq)
        _, _, _, cache = model.forward(seq, tgt, np.zeros((H, 1)), np.zeros((H, 1)))
        for t in range(len(seq) - 1):
            onehot = np.zeros_like(cache['ps'][t])
            onehot[tgt[t]] = 1.0
            cache['ps'][t] = onehot      # p - onehot = 0: no loss at this step
        model.update_weights(model.backward(seq, tgt, cache))
    # TODO 6: Test accuracy (percent)
    hits = 0
    for seq, label in zip(X_test, y_test):
        hits += predict(model, seq) == label
    return 100.0 * hits / len(y_test)


def test_all_distances(distances=[5, 10, 20, 50, 100]):
    accuracies = []
    # TODO 7: Loop over distances
    for distance in distances:
        # TODO 8: One distance
        accuracies.append(train_on_distance(distance))
        print(f"  distance={distance:<4d} accuracy={accuracies[-1]:5.1f}%")
    return distances, accuracies


def plot_results(distances, accuracies):
    # TODO 9: Plot with chance line
    plt.figure()
    plt.bar([str(d) for d in distances], accuracies, color='steelblue')
    plt.axhline(CHANCE, color='black', linestyle='--', label=f'chance = {CHANCE:.0f}%')
    plt.xlabel('distance')
    plt.ylabel('test accuracy (%)')
    plt.legend()
    plt.show()


def compare_with_rnn(distances):
    # TODO 10: Bonus, skipped
    pass


def analyze_findings(distances, accuracies):
    # TODO 11: Analysis
    acc = np.asarray(accuracies, dtype=float)
    d = np.asarray(distances)
    print(f"mean accuracy {acc.mean():.1f}%, best {acc.max():.1f}% at distance {d[acc.argmax()]}, "
          f"worst {acc.min():.1f}% at distance {d[acc.argmin()]}")
    bar = 50.0
    below = d[acc < bar]
    print(f"falls below {bar:.0f}% first at distance {below[0] if below.size else '-'}")
    above_chance = d[acc > 2 * CHANCE]
    print(f"longest distance clearly above chance (>{2 * CHANCE:.0f}%): "
          f"{above_chance.max() if above_chance.size else 'none'}")


if __name__ == "__main__":
    # TODO 12: Run experiment
    distances, accuracies = test_all_distances()
    plot_results(distances, accuracies)
    analyze_findings(distances, accuracies)

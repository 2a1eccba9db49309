"""EXPECT: FAIL TODO 7-8
(QA pass, copied from qa2) BUG TODO 7: test_all_distances returns the accuracies in reverse order (insert(0, ...)). The issue
promises only 'two lists of equal length', so the checker may miss it. The QA pass's expectation
(correct verdict): FAIL at TODO 7."""
import sys; sys.path.append('..'); from implementation import LSTM
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def generate_memory_task(distance, num_samples=1000, vocab_size=10):
    # TODO 1: generate sequences
    X = np.zeros((num_samples, distance + 2), dtype=int)
    y = np.zeros(num_samples, dtype=int)
    for n in range(num_samples):
        first = np.random.randint(0, vocab_size)
        X[n, 0] = first
        X[n, 1:distance + 1] = np.random.randint(0, vocab_size, size=distance)
        X[n, -1] = vocab_size
        y[n] = first
    return X, y


def _last_step_train(lstm, inputs, label):
    """forward/backward with the loss on the last step only."""
    H = lstm.hidden_size
    targets = [label] * len(inputs)
    loss, _, _, cache = lstm.forward(inputs, targets, np.zeros((H, 1)), np.zeros((H, 1)))
    # no loss on the earlier steps: make their dy zero
    for t in range(len(inputs) - 1):
        p = np.zeros_like(cache["ps"][t])
        p[targets[t]] = 1.0
        cache["ps"][t] = p
    grads = lstm.backward(inputs, targets, cache)
    lstm.update_weights(grads)
    return -np.log(cache["ps"][len(inputs) - 1][label, 0])


def predict(lstm, inputs):
    H = lstm.hidden_size
    inputs = [int(v) for v in inputs]
    _, _, _, cache = lstm.forward(inputs, [0] * len(inputs), np.zeros((H, 1)), np.zeros((H, 1)))
    p = cache["ps"][len(inputs) - 1].ravel()
    return int(np.argmax(p[:lstm.vocab_size - 1]))


def train_on_distance(distance, vocab_size=10, hidden_size=32, num_iterations=500):
    # TODO 2: train and test
    # TODO 3: 1000 train, 200 test samples
    X_train, y_train = generate_memory_task(distance, 1000, vocab_size)
    X_test, y_test = generate_memory_task(distance, 200, vocab_size)
    # TODO 4: create LSTM
    lstm = LSTM(vocab_size + 1, hidden_size, distance + 2, learning_rate=0.3)
    # TODO 5: training loop
    for it in range(num_iterations):
        n = np.random.randint(len(X_train))
        _last_step_train(lstm, list(X_train[n]), int(y_train[n]))
    # TODO 6: test accuracy
    correct = sum(predict(lstm, X_test[n]) == y_test[n] for n in range(len(X_test)))
    return 100.0 * correct / len(X_test)


def test_all_distances(distances=[5, 10, 20, 50, 100]):
    # TODO 7: all distances
    accuracies = []
    for d in distances:
        # TODO 8: one distance (pre-written)
        acc = train_on_distance(d)
        accuracies.insert(0, acc)
        print(f"distance {d}: {acc:.1f}%")
    return distances, accuracies


def plot_results(distances, accuracies):
    # TODO 9: plot with chance line
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(distances, accuracies, "o-", label="LSTM")
    ax.axhline(y=10, color="r", linestyle="--", label="chance (10%)")
    ax.set_xlabel("distance")
    ax.set_ylabel("accuracy (%)")
    ax.legend()
    fig.savefig("ex4_my_results.png")
    plt.close(fig)


class VanillaRNN:
    # TODO 10: bonus vanilla RNN
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.input_size = input_size
        self.W = np.random.randn(hidden_size, hidden_size + input_size) * 0.1
        self.b = np.zeros((hidden_size, 1))
        self.Why = np.random.randn(output_size, hidden_size) * 0.1
        self.by = np.zeros((output_size, 1))

    def step(self, x, h):
        return np.tanh(self.W @ np.vstack((h, x)) + self.b)

    def forward(self, inputs, h=None):
        if h is None:
            h = np.zeros((self.hidden_size, 1))
        hs = []
        for a in inputs:
            x = np.zeros((self.input_size, 1))
            x[a] = 1
            h = self.step(x, h)
            hs.append(h)
        return hs


def compare_with_rnn(distances):
    rnn_acc = []
    for d in distances:
        X, y = generate_memory_task(d, 200)
        rnn = VanillaRNN(11, 32, 10)
        hits = 0
        for n in range(len(X)):
            h = rnn.forward(list(X[n]))[-1]
            hits += int(np.argmax(rnn.Why @ h + rnn.by) == y[n])
        rnn_acc.append(100.0 * hits / len(X))
    for d, a in zip(distances, rnn_acc):
        print(f"RNN (untrained) distance {d}: {a:.1f}%")


def analyze_findings(distances, accuracies):
    # TODO 11: analysis
    acc = np.asarray(accuracies, dtype=float)
    best, worst = int(np.argmax(acc)), int(np.argmin(acc))
    print(f"best distance {distances[best]} ({acc[best]:.1f}%), worst {distances[worst]} ({acc[worst]:.1f}%)")
    print(f"mean accuracy {acc.mean():.1f}%")
    below = [d for d, a in zip(distances, acc) if a < 50]
    print("first below 50%:", below[0] if below else "none")
    ok = [d for d, a in zip(distances, acc) if a >= 50]
    print("longest distance handled:", max(ok) if ok else "none")


if __name__ == "__main__":
    # TODO 12: run experiment
    distances, accuracies = test_all_distances([5, 10])
    plot_results(distances, accuracies)
    analyze_findings(distances, accuracies)

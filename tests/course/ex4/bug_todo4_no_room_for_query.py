"""EXPECT: FAIL TODO 4, 5
Creates the LSTM with vocab_size inputs, as the exercise's hint reads, leaving no input for the
query symbol vocab_size: the first forward pass fails with an IndexError."""
import sys
sys.path.append('..')
from implementation import LSTM

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def generate_memory_task(distance, num_samples=1000, vocab_size=10):
    # TODO 1: first token = label, then `distance` noise tokens, then the query symbol
    X = np.zeros((num_samples, distance + 2), dtype=int)
    y = np.zeros(num_samples, dtype=int)
    for n in range(num_samples):
        first = np.random.randint(vocab_size)
        noise = np.random.randint(0, vocab_size, size=distance)
        X[n] = [first, *noise, vocab_size]
        y[n] = first
    return X, y


def predict(lstm, inputs):
    inputs = [int(i) for i in inputs]
    h = np.zeros((lstm.hidden_size, 1))
    C = np.zeros((lstm.hidden_size, 1))
    _, _, _, cache = lstm.forward(inputs, [0] * len(inputs), h, C)
    return int(np.argmax(cache['ps'][len(inputs) - 1]))


def train_on_distance(distance, vocab_size=10, hidden_size=32, num_iterations=500):
    # TODO 2: train on this distance, then test
    # TODO 3: 1000 training and 200 test samples
    X_train, y_train = generate_memory_task(distance, 1000, vocab_size)
    X_test, y_test = generate_memory_task(distance, 200, vocab_size)
    # TODO 4: create the LSTM
    lstm = LSTM(vocab_size, hidden_size, distance + 2, learning_rate=0.1)
    # TODO 5: training loop
    for it in range(num_iterations):
        k = np.random.randint(len(X_train))
        inputs = [int(i) for i in X_train[k]]
        targets = [int(y_train[k])] * len(inputs)
        h = np.zeros((hidden_size, 1))
        C = np.zeros((hidden_size, 1))
        loss, _, _, cache = lstm.forward(inputs, targets, h, C)
        lstm.update_weights(lstm.backward(inputs, targets, cache))
    # TODO 6: accuracy on the test set, in percent
    correct = sum(predict(lstm, X_test[k]) == y_test[k] for k in range(len(X_test)))
    accuracy = 100.0 * correct / len(X_test)
    return accuracy


def test_all_distances(distances=[5, 10, 20, 50, 100]):
    accuracies = []
    # TODO 7: every distance
    for d in distances:
        # TODO 8: one distance
        acc = train_on_distance(d)
        accuracies.append(acc)
        print(f"distance {d:3d}: {acc:.1f}%")
    return distances, accuracies


def plot_results(distances, accuracies):
    # TODO 9: accuracy against distance, with the chance level
    plt.figure(figsize=(8, 5))
    plt.plot(distances, accuracies, 'o-', label='LSTM')
    plt.axhline(y=10, color='r', linestyle='--', label='chance (10%)')
    plt.xlabel("distance")
    plt.ylabel("accuracy (%)")
    plt.ylim(0, 105)
    plt.legend()
    plt.show()


class VanillaRNN:
    # TODO 10: h_t = tanh(W [h_{t-1}; x_t] + b)
    def __init__(self, vocab_size, hidden_size, seq_length, learning_rate=0.1):
        self.vocab_size, self.hidden_size = vocab_size, hidden_size
        self.seq_length, self.learning_rate = seq_length, learning_rate
        self.W = np.random.randn(hidden_size, hidden_size + vocab_size) * 0.01
        self.b = np.zeros((hidden_size, 1))
        self.Why = np.random.randn(vocab_size, hidden_size) * 0.01
        self.by = np.zeros((vocab_size, 1))
        self.mem = {k: np.zeros_like(getattr(self, k)) for k in ('W', 'b', 'Why', 'by')}

    def forward(self, inputs, targets, h_prev):
        hs, zs, ps = {-1: np.copy(h_prev)}, {}, {}
        loss = 0.0
        for t in range(len(inputs)):
            x = np.zeros((self.vocab_size, 1))
            x[inputs[t]] = 1
            zs[t] = np.vstack((hs[t - 1], x))
            hs[t] = np.tanh(self.W @ zs[t] + self.b)
            y = self.Why @ hs[t] + self.by
            ps[t] = np.exp(y - y.max()) / np.sum(np.exp(y - y.max()))
            loss -= np.log(ps[t][targets[t], 0])
        return loss, hs[len(inputs) - 1], {'hs': hs, 'zs': zs, 'ps': ps}

    def backward(self, inputs, targets, cache):
        hs, zs, ps = cache['hs'], cache['zs'], cache['ps']
        grads = {k: np.zeros_like(getattr(self, k)) for k in ('W', 'b', 'Why', 'by')}
        dh_next = np.zeros((self.hidden_size, 1))
        for t in reversed(range(len(inputs))):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            grads['Why'] += dy @ hs[t].T
            grads['by'] += dy
            da = (self.Why.T @ dy + dh_next) * (1 - hs[t] ** 2)
            grads['W'] += da @ zs[t].T
            grads['b'] += da
            dh_next = (self.W.T @ da)[:self.hidden_size]
        return {k: np.clip(g, -5, 5) for k, g in grads.items()}

    def update_weights(self, grads):
        for k, g in grads.items():
            self.mem[k] += g * g
            getattr(self, k)[...] -= self.learning_rate * g / np.sqrt(self.mem[k] + 1e-8)


def compare_with_rnn(distances):
    for d in distances:
        X_train, y_train = generate_memory_task(d, 1000)
        X_test, y_test = generate_memory_task(d, 200)
        rnn = VanillaRNN(11, 32, d + 2)
        for it in range(500):
            k = np.random.randint(1000)
            inputs, targets = list(X_train[k]), [y_train[k]] * (d + 2)
            _, _, cache = rnn.forward(inputs, targets, np.zeros((32, 1)))
            rnn.update_weights(rnn.backward(inputs, targets, cache))
        correct = 0
        for x, label in zip(X_test, y_test):
            _, _, cache = rnn.forward(list(x), [0] * len(x), np.zeros((32, 1)))
            correct += int(np.argmax(cache['ps'][len(x) - 1]) == label)
        print(f"RNN distance {d}: {100 * correct / len(X_test):.1f}%")


def analyze_findings(distances, accuracies):
    # TODO 11: what the numbers say
    acc = np.array(accuracies, dtype=float)
    print(f"Best: distance {distances[int(acc.argmax())]} ({acc.max():.1f}%)")
    print(f"Worst: distance {distances[int(acc.argmin())]} ({acc.min():.1f}%)")
    print(f"Mean accuracy: {acc.mean():.1f}% (chance is 10%)")
    below = [d for d, a in zip(distances, acc) if a < 50]
    print(f"First distance below 50%: {below[0] if below else 'none'}")
    ok = [d for d, a in zip(distances, acc) if a >= 50]
    print(f"Longest distance still at 50% or more: {max(ok) if ok else 'none'}")
    near_chance = [d for d, a in zip(distances, acc) if a < 20]
    print(f"Distances near chance (<20%): {near_chance}")


if __name__ == "__main__":
    # TODO 12: run the experiment
    distances, accuracies = test_all_distances()
    plot_results(distances, accuracies)
    analyze_findings(distances, accuracies)
    compare_with_rnn(distances[:3])

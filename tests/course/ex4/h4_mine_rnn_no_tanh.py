"""EXPECT: FAIL TODO 10
The min-char-rnn style vanilla RNN leaves out the tanh: h_t = Wxh x_t + Whh h_(t-1) + bh."""
import sys
sys.path.append('..')
import numpy as np
import matplotlib.pyplot as plt
from implementation import LSTM


def generate_memory_task(distance, num_samples=1000, vocab_size=10):
    # TODO 1
    X = np.zeros((num_samples, distance + 2), dtype=int)
    y = np.zeros(num_samples, dtype=int)
    for i in range(num_samples):
        first = np.random.randint(0, vocab_size)
        X[i, 0] = first
        X[i, 1:distance + 1] = np.random.randint(0, vocab_size, distance)
        X[i, -1] = vocab_size
        y[i] = first
    return X, y


def predict(lstm, inputs):
    h = np.zeros((lstm.hidden_size, 1))
    C = np.zeros((lstm.hidden_size, 1))
    _, _, _, cache = lstm.forward(list(inputs), [0] * len(inputs), h, C)
    return int(np.argmax(cache['ps'][len(inputs) - 1]))


def train_on_distance(distance, vocab_size=10, hidden_size=32, num_iterations=500):
    # TODO 2, 3
    X_train, y_train = generate_memory_task(distance, 1000, vocab_size)
    X_test, y_test = generate_memory_task(distance, 200, vocab_size)
    # TODO 4
    lstm = LSTM(vocab_size + 1, hidden_size, distance + 2, learning_rate=0.1)
    # TODO 5
    for it in range(num_iterations):
        i = np.random.randint(len(X_train))
        inputs = list(X_train[i])
        targets = [int(y_train[i])] * len(inputs)
        h = np.zeros((hidden_size, 1))
        C = np.zeros((hidden_size, 1))
        loss, h, C, cache = lstm.forward(inputs, targets, h, C)
        grads = lstm.backward(inputs, targets, cache)
        lstm.update_weights(grads)
    # TODO 6
    correct = 0
    for i in range(len(X_test)):
        if predict(lstm, X_test[i]) == y_test[i]:
            correct += 1
    return correct / len(X_test) * 100


def test_all_distances(distances=[5, 10, 20, 50, 100]):
    accuracies = []
    # TODO 7
    for d in distances:
        # TODO 8
        acc = train_on_distance(d)
        accuracies.append(acc)
    return distances, accuracies


def plot_results(distances, accuracies):
    # TODO 9
    plt.figure(figsize=(8, 5))
    plt.plot(distances, accuracies, 'o-', label='LSTM')
    plt.axhline(y=10, color='r', linestyle='--', label='chance')
    plt.xlabel('distance')
    plt.ylabel('accuracy (%)')
    plt.legend()
    plt.savefig('memory_results.png')
    plt.show()


# TODO 10
class VanillaRNN:
    def __init__(self, vocab_size, hidden_size, seq_length):
        self.Wxh = np.random.randn(hidden_size, vocab_size) * 0.01
        self.Whh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.bh = np.zeros((hidden_size, 1))
        self.vocab_size = vocab_size

    def forward(self, inputs, targets, hprev):
        xs, hs = {}, {-1: np.copy(hprev)}
        for t in range(len(inputs)):
            xs[t] = np.zeros((self.vocab_size, 1))
            xs[t][inputs[t]] = 1
            hs[t] = self.Wxh @ xs[t] + self.Whh @ hs[t - 1] + self.bh
        return xs, hs


def compare_with_rnn(distances):
    print("RNN comparison not trained here")


def analyze_findings(distances, accuracies):
    # TODO 11
    best = int(np.argmax(accuracies))
    return f"Best distance: {distances[best]} ({accuracies[best]:.1f}%)"
    print(f"Mean accuracy: {np.mean(accuracies):.1f}%")
    for d, a in zip(distances, accuracies):
        if a < 50:
            print(f"Accuracy first drops below 50% at distance {d}")
            break


if __name__ == "__main__":
    # TODO 12
    distances, accuracies = test_all_distances()
    plot_results(distances, accuracies)
    analyze_findings(distances, accuracies)

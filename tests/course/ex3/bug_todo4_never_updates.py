"""EXPECT: FAIL TODO 4
train_model computes the gradients but never calls update_weights, so no model learns and every
loss curve stays flat at the starting level."""
import sys
sys.path.append('..')
from implementation import LSTM

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))


def softmax(y):
    e = np.exp(y - np.max(y))
    return e / e.sum()


class LSTMNoForget(LSTM):
    def forward(self, inputs, targets, h_prev, C_prev):
        # TODO 1: forward pass with f_t = 1 (the cell never forgets)
        xs, zs, hs, Cs, ys, ps = {}, {}, {}, {}, {}, {}
        fs, i_s, c_cands, os = {}, {}, {}, {}
        hs[-1], Cs[-1] = np.copy(h_prev), np.copy(C_prev)
        loss = 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((self.vocab_size, 1))
            xs[t][inputs[t]] = 1
            zs[t] = np.vstack((hs[t - 1], xs[t]))
            fs[t] = np.ones((self.hidden_size, 1))
            i_s[t] = sigmoid(self.Wi @ zs[t] + self.bi)
            c_cands[t] = np.tanh(self.Wc @ zs[t] + self.bc)
            os[t] = sigmoid(self.Wo @ zs[t] + self.bo)
            Cs[t] = fs[t] * Cs[t - 1] + i_s[t] * c_cands[t]
            hs[t] = os[t] * np.tanh(Cs[t])
            ys[t] = self.Why @ hs[t] + self.by
            ps[t] = softmax(ys[t])
            loss += -np.log(ps[t][targets[t], 0])
        cache = dict(xs=xs, hs=hs, Cs=Cs, ys=ys, ps=ps, fs=fs, i_s=i_s,
                     c_cands=c_cands, os=os, zs=zs)
        return loss, hs[len(inputs) - 1], Cs[len(inputs) - 1], cache


class LSTMNoInput(LSTM):
    def forward(self, inputs, targets, h_prev, C_prev):
        # TODO 2: forward pass with i_t = 1 (every candidate is written in full)
        xs, zs, hs, Cs, ys, ps = {}, {}, {}, {}, {}, {}
        fs, i_s, c_cands, os = {}, {}, {}, {}
        hs[-1], Cs[-1] = np.copy(h_prev), np.copy(C_prev)
        loss = 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((self.vocab_size, 1))
            xs[t][inputs[t]] = 1
            zs[t] = np.vstack((hs[t - 1], xs[t]))
            fs[t] = sigmoid(self.Wf @ zs[t] + self.bf)
            i_s[t] = np.ones((self.hidden_size, 1))
            c_cands[t] = np.tanh(self.Wc @ zs[t] + self.bc)
            os[t] = sigmoid(self.Wo @ zs[t] + self.bo)
            Cs[t] = fs[t] * Cs[t - 1] + i_s[t] * c_cands[t]
            hs[t] = os[t] * np.tanh(Cs[t])
            ys[t] = self.Why @ hs[t] + self.by
            ps[t] = softmax(ys[t])
            loss += -np.log(ps[t][targets[t], 0])
        cache = dict(xs=xs, hs=hs, Cs=Cs, ys=ys, ps=ps, fs=fs, i_s=i_s,
                     c_cands=c_cands, os=os, zs=zs)
        return loss, hs[len(inputs) - 1], Cs[len(inputs) - 1], cache


class LSTMNoOutput(LSTM):
    def forward(self, inputs, targets, h_prev, C_prev):
        # TODO 3: forward pass with o_t = 1 (the whole cell is exposed)
        xs, zs, hs, Cs, ys, ps = {}, {}, {}, {}, {}, {}
        fs, i_s, c_cands, os = {}, {}, {}, {}
        hs[-1], Cs[-1] = np.copy(h_prev), np.copy(C_prev)
        loss = 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((self.vocab_size, 1))
            xs[t][inputs[t]] = 1
            zs[t] = np.vstack((hs[t - 1], xs[t]))
            fs[t] = sigmoid(self.Wf @ zs[t] + self.bf)
            i_s[t] = sigmoid(self.Wi @ zs[t] + self.bi)
            c_cands[t] = np.tanh(self.Wc @ zs[t] + self.bc)
            os[t] = np.ones((self.hidden_size, 1))
            Cs[t] = fs[t] * Cs[t - 1] + i_s[t] * c_cands[t]
            hs[t] = os[t] * np.tanh(Cs[t])
            ys[t] = self.Why @ hs[t] + self.by
            ps[t] = softmax(ys[t])
            loss += -np.log(ps[t][targets[t], 0])
        cache = dict(xs=xs, hs=hs, Cs=Cs, ys=ys, ps=ps, fs=fs, i_s=i_s,
                     c_cands=c_cands, os=os, zs=zs)
        return loss, hs[len(inputs) - 1], Cs[len(inputs) - 1], cache


def train_model(model, text, char_to_idx, num_iterations=1000):
    seq_length = 25
    losses = []
    h = np.zeros((model.hidden_size, 1))
    C = np.zeros((model.hidden_size, 1))
    p = 0
    # TODO 4: training loop, one summed loss per iteration
    for it in range(num_iterations):
        if p + seq_length + 1 > len(text):
            p = 0
            h = np.zeros((model.hidden_size, 1))
            C = np.zeros((model.hidden_size, 1))
        inputs = [char_to_idx[ch] for ch in text[p:p + seq_length]]
        targets = [char_to_idx[ch] for ch in text[p + 1:p + seq_length + 1]]
        loss, h, C, cache = model.forward(inputs, targets, h, C)
        grads = model.backward(inputs, targets, cache)
        losses.append(loss)
        p += seq_length
    return losses


def compare_models(text, char_to_idx, hidden_size=64):
    vocab_size = len(char_to_idx)
    results = {}
    # TODO 5: train all four models on the same text
    # TODO 6: Baseline
    results['Baseline'] = train_model(LSTM(vocab_size, hidden_size, 25, 0.01), text, char_to_idx)
    # TODO 7: No Forget
    model = LSTMNoForget(vocab_size, hidden_size, 25, 0.01)
    results['No Forget'] = train_model(model, text, char_to_idx)
    # TODO 8: No Input
    model = LSTMNoInput(vocab_size, hidden_size, 25, 0.01)
    results['No Input'] = train_model(model, text, char_to_idx)
    # TODO 9: No Output
    model = LSTMNoOutput(vocab_size, hidden_size, 25, 0.01)
    results['No Output'] = train_model(model, text, char_to_idx)
    return results


def smooth(values, k=20):
    k = max(1, min(k, len(values)))
    return np.convolve(values, np.ones(k) / k, mode='valid')


def plot_comparison(results):
    # TODO 10: loss curves
    plt.figure(figsize=(10, 5))
    for name, losses in results.items():
        plt.plot(smooth(losses), label=name)
    plt.xlabel("iteration")
    plt.ylabel("loss per 25 characters (smoothed)")
    plt.legend()
    plt.title("Gate ablation")
    plt.show()


def analyze_results(results):
    # TODO 11: final loss, iterations to a threshold, ranking
    final = {name: float(np.mean(l[-100:])) for name, l in results.items()}
    threshold = float(np.mean(results['Baseline'][:10])) * 0.5
    print(f"Threshold: {threshold:.2f}")
    for name, losses in results.items():
        hit = next((i for i, v in enumerate(smooth(losses)) if v < threshold), None)
        reached = f"iteration {hit}" if hit is not None else "never"
        print(f"{name:>10}: final loss {final[name]:.3f}, reaches threshold at {reached}")
    print("Ranking (best to worst):")
    for rank, name in enumerate(sorted(final, key=final.get), 1):
        print(f"  {rank}. {name} ({final[name]:.3f})")


def write_conclusions():
    # TODO 12: conclusions
    print("1. Which gate hurt most: see the ranking above; the variant at the bottom.")
    print("2. The forget gate lets the cell drop old context; without it C only accumulates.")
    print("3. Every variant still learns something, so no single gate is indispensable here.")
    print("4. The gates share the work: the design is redundant rather than fragile.")


if __name__ == "__main__":
    with open('../data/input.txt', 'r') as f:
        text = f.read()
    chars = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(chars)}
    results = compare_models(text, char_to_idx)
    plot_comparison(results)
    analyze_results(results)
    write_conclusions()

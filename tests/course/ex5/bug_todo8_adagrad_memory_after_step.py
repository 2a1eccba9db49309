"""EXPECT: FAIL TODO 8
QA attempt e08: --check once said its first step was plain SGD; it was d / sqrt(1e-8).
Ex5 attempt e08_adagrad_mem_after_step (based on my g1.py style).
BUG at TODO 8: Adagrad memory updated AFTER the step (first step divides by sqrt(1e-8): huge).
EXPECTED VERDICT: FAIL, first FAIL row should name TODO 8.
"""
import sys
import time
import numpy as np
sys.path.append('..')
from implementation import LSTM


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        # TODO 1
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        H, D, O = hidden_size, input_size, output_size
        self.Wr = np.random.randn(H, H + D) * 0.01; self.br = np.zeros(H)  # TODO 2
        self.Wz = np.random.randn(H, H + D) * 0.01; self.bz = np.zeros(H)  # TODO 3
        self.Wh = np.random.randn(H, H + D) * 0.01; self.bh = np.zeros(H)  # TODO 4
        self.Wy = np.random.randn(O, H) * 0.01; self.by = np.zeros(O)  # TODO 5
        self.params = ["Wr", "Wz", "Wh", "Wy", "br", "bz", "bh", "by"]
        self.mem = {p: np.zeros_like(getattr(self, p)) for p in self.params}

    def forward(self, inputs, targets, h_prev):
        # TODO 6
        self.targets = targets
        self.xs, self.hs, self.rs, self.zs, self.h_tildes, self.ps = [], [h_prev.copy()], [], [], [], []
        loss = 0.0
        for t, k in enumerate(inputs):
            x = np.zeros(self.input_size); x[k] = 1
            h = self.hs[-1]
            hx = np.concatenate([h, x])
            r = sigmoid(self.Wr @ hx + self.br)
            z = sigmoid(self.Wz @ hx + self.bz)
            ht = np.tanh(self.Wh @ np.concatenate([r * h, x]) + self.bh)
            hn = (1 - z) * h + z * ht
            y = self.Wy @ hn + self.by
            p = np.exp(y - y.max()); p /= p.sum()
            loss += -np.log(p[targets[t]])
            self.xs.append(x); self.rs.append(r); self.zs.append(z); self.h_tildes.append(ht)
            self.hs.append(hn); self.ps.append(p)
        return loss

    def backward(self):
        # TODO 7
        H = self.hidden_size
        for p in self.params:
            setattr(self, "d" + p, np.zeros_like(getattr(self, p)))
        dh_next = np.zeros(H)
        for t in reversed(range(len(self.xs))):
            dy = self.ps[t].copy(); dy[self.targets[t]] -= 1
            self.dWy += np.outer(dy, self.hs[t + 1]); self.dby += dy
            dh = self.Wy.T @ dy + dh_next
            h, x, r, z, ht = self.hs[t], self.xs[t], self.rs[t], self.zs[t], self.h_tildes[t]
            dht = dh * z * (1 - ht ** 2)
            dz = dh * (ht - h) * z * (1 - z)
            self.dWh += np.outer(dht, np.concatenate([r * h, x])); self.dbh += dht
            drh = (self.Wh.T @ dht)[:H]
            dr = drh * h * r * (1 - r)
            hx = np.concatenate([h, x])
            self.dWz += np.outer(dz, hx); self.dbz += dz
            self.dWr += np.outer(dr, hx); self.dbr += dr
            dh_next = dh * (1 - z) + drh * r + (self.Wz.T @ dz)[:H] + (self.Wr.T @ dr)[:H]
        for p in self.params:
            np.clip(getattr(self, "d" + p), -5, 5, out=getattr(self, "d" + p))

    def update_weights(self, learning_rate):
        # TODO 8
        for p in self.params:
            g = getattr(self, "d" + p)
            getattr(self, p)[...] -= learning_rate * g / np.sqrt(self.mem[p] + 1e-8)
            self.mem[p] += g * g


def count_parameters(model):
    # TODO 9
    if isinstance(model, LSTM):
        names = ["Wf", "Wi", "Wc", "Wo", "Why", "bf", "bi", "bc", "bo", "by"]
    elif isinstance(model, GRU):
        names = ["Wr", "Wz", "Wh", "Wy", "br", "bz", "bh", "by"]
    else:
        raise TypeError("unknown model")
    return int(sum(getattr(model, n).size for n in names))


def train_model(model, text, char_to_idx, num_iterations=1000):
    # TODO 10
    seq_length = 25
    losses, times = [], []
    H = model.hidden_size
    pos = 0
    h = np.zeros((H, 1)) if isinstance(model, LSTM) else np.zeros(H)
    C = np.zeros((H, 1))
    for it in range(num_iterations):
        if pos + seq_length + 1 >= len(text):
            pos = 0
            h = np.zeros_like(h); C = np.zeros((H, 1))
        inputs = [char_to_idx[c] for c in text[pos:pos + seq_length]]
        targets = [char_to_idx[c] for c in text[pos + 1:pos + seq_length + 1]]
        start = time.time()
        if isinstance(model, LSTM):
            loss, h, C, cache = model.forward(inputs, targets, h, C)
            grads = model.backward(inputs, targets, cache)
            model.update_weights(grads)
        else:
            loss = model.forward(inputs, targets, h)
            model.backward()
            model.update_weights(0.01)
            h = model.hs[-1].copy()
        times.append(time.time() - start)
        losses.append(float(loss))
        pos += seq_length
    return losses, times


def compare_models(text, char_to_idx, hidden_size=64):
    # TODO 11
    V = len(char_to_idx)
    results = {}
    lstm = LSTM(V, hidden_size, 25)  # TODO 12
    l, t = train_model(lstm, text, char_to_idx)
    results["lstm"] = {"params": count_parameters(lstm), "losses": l, "times": t}
    gru = GRU(V, hidden_size, V)  # TODO 13
    l, t = train_model(gru, text, char_to_idx)
    results["gru"] = {"params": count_parameters(gru), "losses": l, "times": t}
    return results


def plot_comparison(results):
    # TODO 14
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(12, 4))
    ax[0].bar(["LSTM", "GRU"], [results["lstm"]["params"], results["gru"]["params"]])
    ax[1].plot(results["lstm"]["losses"]); ax[1].plot(results["gru"]["losses"])
    ax[2].bar(["LSTM", "GRU"], [np.mean(results["lstm"]["times"]), np.mean(results["gru"]["times"])])
    plt.savefig("comparison.png")


def write_comparison_report(results):
    # TODO 15
    pl, pg = results["lstm"]["params"], results["gru"]["params"]
    print(f"params: LSTM {pl}, GRU {pg}, GRU has {100 * (pl - pg) / pl:.1f}% fewer")


if __name__ == "__main__":
    with open("../data/input.txt") as f:
        text = f.read()
    chars = sorted(set(text)); char_to_idx = {c: i for i, c in enumerate(chars)}
    results = compare_models(text, char_to_idx)  # TODO 16
    plot_comparison(results)  # TODO 17
    write_comparison_report(results)  # TODO 18

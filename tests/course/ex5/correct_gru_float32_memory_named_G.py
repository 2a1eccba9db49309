"""EXPECT: pass
QA attempt g5 (float32 GRU, Adagrad memory in self.G): --check once compared float32 at float64's tolerance and wrote its gradients into self.G.
Ex5 attempt g5: float32 everywhere, weights from helper functions, forward caches only
inputs/targets/h_prev and backward(self) RECOMPUTES the forward pass; gradients accumulated in
a local dict then assigned to self.dW*; Adagrad with epsilon OUTSIDE the root.
EXPECTED VERDICT: PASS (correct; float32 rounding ~1e-7 relative).
"""
import sys, time
import numpy as np
sys.path.append('..')
from implementation import LSTM

DT = np.float32


def init_w(rows, cols):
    return (np.random.randn(rows, cols) * 0.01).astype(DT)


def init_b(n):
    return np.zeros(n, dtype=DT)


def sigm(v):
    return (1.0 / (1.0 + np.exp(-np.clip(v, -40, 40)))).astype(DT)


class GRU:
    keys = ("Wr", "Wz", "Wh", "Wy", "br", "bz", "bh", "by")

    def __init__(self, input_size, hidden_size, output_size):
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.Wr, self.br = init_w(hidden_size, hidden_size + input_size), init_b(hidden_size)  # TODO 2
        self.Wz, self.bz = init_w(hidden_size, hidden_size + input_size), init_b(hidden_size)  # TODO 3
        self.Wh, self.bh = init_w(hidden_size, hidden_size + input_size), init_b(hidden_size)  # TODO 4
        self.Wy, self.by = init_w(output_size, hidden_size), init_b(output_size)  # TODO 5
        self.G = {k: np.zeros_like(getattr(self, k)) for k in self.keys}

    def _run(self, inputs, h):
        out = []
        for k in inputs:
            x = np.zeros(self.input_size, dtype=DT); x[k] = 1
            hx = np.concatenate([h, x])
            r = sigm(self.Wr @ hx + self.br)
            z = sigm(self.Wz @ hx + self.bz)
            rx = np.concatenate([r * h, x])
            c = np.tanh(self.Wh @ rx + self.bh)
            hn = (1 - z) * h + z * c
            y = self.Wy @ hn + self.by
            p = np.exp(y - y.max()); p = p / p.sum()
            out.append((hx, rx, r, z, c, h, hn, p))
            h = hn
        return out

    def forward(self, inputs, targets, h_prev):
        # TODO 6
        self.inputs, self.targets, self.h0 = list(inputs), list(targets), np.asarray(h_prev, DT)
        steps = self._run(self.inputs, self.h0)
        self.h_last = steps[-1][6]
        return float(sum(-np.log(s[7][t]) for s, t in zip(steps, self.targets)))

    def backward(self):
        # TODO 7
        steps = self._run(self.inputs, self.h0)
        H = self.hidden_size
        acc = {k: np.zeros_like(getattr(self, k)) for k in self.keys}
        dnext = np.zeros(H, dtype=DT)
        for (hx, rx, r, z, c, hp, hn, p), tg in zip(reversed(steps), reversed(self.targets)):
            dy = p.copy(); dy[tg] -= 1
            acc["Wy"] += np.outer(dy, hn); acc["by"] += dy
            dh = self.Wy.T @ dy + dnext
            dc = dh * z * (1 - c * c)
            dz = dh * (c - hp) * z * (1 - z)
            acc["Wh"] += np.outer(dc, rx); acc["bh"] += dc
            drh = (self.Wh.T @ dc)[:H]
            dr = drh * hp * r * (1 - r)
            acc["Wz"] += np.outer(dz, hx); acc["bz"] += dz
            acc["Wr"] += np.outer(dr, hx); acc["br"] += dr
            dnext = dh * (1 - z) + drh * r + (self.Wz.T @ dz)[:H] + (self.Wr.T @ dr)[:H]
        for k in self.keys:
            setattr(self, "d" + k, np.clip(acc[k], -5, 5))

    def update_weights(self, learning_rate):
        # TODO 8
        for k in self.keys:
            d = getattr(self, "d" + k)
            self.G[k] += d * d
            setattr(self, k, (getattr(self, k) - learning_rate * d / (np.sqrt(self.G[k]) + 1e-8)).astype(DT))


def count_parameters(model):
    # TODO 9
    if isinstance(model, GRU):
        return sum(int(np.prod(getattr(model, k).shape)) for k in GRU.keys)
    elif isinstance(model, LSTM):
        return sum(int(np.prod(getattr(model, k).shape)) for k in ("Wf", "Wi", "Wc", "Wo", "Why", "bf", "bi", "bc", "bo", "by"))
    raise ValueError("unknown model type")


def train_model(model, text, char_to_idx, num_iterations=1000):
    # TODO 10
    seq = 25
    losses, times = [], []
    is_lstm = isinstance(model, LSTM)
    H = model.hidden_size
    h = np.zeros((H, 1)) if is_lstm else np.zeros(H, dtype=DT)
    C = np.zeros((H, 1))
    pos = 0
    for it in range(num_iterations):
        if pos + seq + 1 >= len(text):
            pos = 0
        ids = [char_to_idx[ch] for ch in text[pos:pos + seq + 1]]
        t0 = time.time()
        if is_lstm:
            loss, h, C, cache = model.forward(ids[:-1], ids[1:], h, C)
            g = model.backward(ids[:-1], ids[1:], cache)
            model.update_weights(g)
        else:
            loss = model.forward(ids[:-1], ids[1:], h)
            model.backward(); model.update_weights(0.05)
            h = model.h_last
        times.append(time.time() - t0)
        losses.append(loss)
        pos += seq
    return losses, times


def compare_models(text, char_to_idx, hidden_size=64):
    V = len(char_to_idx)
    results = {}
    for name, model in (("lstm", LSTM(V, hidden_size, 25)), ("gru", GRU(V, hidden_size, V))):
        losses, times = train_model(model, text, char_to_idx)
        results[name] = {"params": count_parameters(model), "losses": losses, "times": times}
    return results


def plot_comparison(results):
    pass


def write_comparison_report(results):
    pass


if __name__ == "__main__":
    text = open("../data/input.txt").read()
    c2i = {c: i for i, c in enumerate(sorted(set(text)))}
    results = compare_models(text, c2i)
    plot_comparison(results)
    write_comparison_report(results)

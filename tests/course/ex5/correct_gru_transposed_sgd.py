"""EXPECT: pass
GRU with (H+D, H) weights and row-vector maths, dict caches, forward returning (loss, h), backward returning dh_next, plain SGD (learning rate 0.1 in train_model).
"""
import sys
sys.path.append('..')
from implementation import LSTM
import time
import numpy as np


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        # TODO 1: weights act on the row vector [h, x] from the right
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        n_in = hidden_size + input_size
        # TODO 2
        self.Wr = np.random.randn(n_in, hidden_size) * 0.01
        self.br = np.zeros(hidden_size)
        # TODO 3
        self.Wz = np.random.randn(n_in, hidden_size) * 0.01
        self.bz = np.zeros(hidden_size)
        # TODO 4
        self.Wh = np.random.randn(n_in, hidden_size) * 0.01
        self.bh = np.zeros(hidden_size)
        # TODO 5
        self.Wy = np.random.randn(output_size, hidden_size) * 0.01
        self.by = np.zeros(output_size)

    def params(self):
        return {"Wr": self.Wr, "Wz": self.Wz, "Wh": self.Wh, "Wy": self.Wy,
                "br": self.br, "bz": self.bz, "bh": self.bh, "by": self.by}

    def forward(self, inputs, targets, h_prev):
        # TODO 6
        xs, hs, rs, zs, hts, ps = {}, {}, {}, {}, {}, {}
        hs[-1] = np.copy(h_prev)
        loss = 0
        for t in range(len(inputs)):
            xs[t] = np.zeros(self.input_size)
            xs[t][inputs[t]] = 1
            hx = np.concatenate([hs[t - 1], xs[t]])
            rs[t] = sigmoid(hx @ self.Wr + self.br)
            zs[t] = sigmoid(hx @ self.Wz + self.bz)
            hts[t] = np.tanh(np.concatenate([rs[t] * hs[t - 1], xs[t]]) @ self.Wh + self.bh)
            hs[t] = (1 - zs[t]) * hs[t - 1] + zs[t] * hts[t]
            y = self.Wy @ hs[t] + self.by
            ps[t] = np.exp(y - np.max(y)) / np.sum(np.exp(y - np.max(y)))
            loss += -np.log(ps[t][targets[t]])
        self.cache = (list(inputs), list(targets), xs, hs, rs, zs, hts, ps)
        return loss, hs[len(inputs) - 1]

    def backward(self):
        # TODO 7
        inputs, targets, xs, hs, rs, zs, hts, ps = self.cache
        H = self.hidden_size
        self.grads = {k: np.zeros_like(v) for k, v in self.params().items()}
        g = self.grads
        dhnext = np.zeros(H)
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            g["Wy"] += np.outer(dy, hs[t])
            g["by"] += dy
            dh = self.Wy.T @ dy + dhnext
            dht = dh * zs[t] * (1 - hts[t] ** 2)            # through tanh
            dz = dh * (hts[t] - hs[t - 1]) * zs[t] * (1 - zs[t])
            dhprev = dh * (1 - zs[t])
            rh_x = np.concatenate([rs[t] * hs[t - 1], xs[t]])
            g["Wh"] += np.outer(rh_x, dht)
            g["bh"] += dht
            drh = (self.Wh @ dht)[:H]
            dr = drh * hs[t - 1] * rs[t] * (1 - rs[t])
            dhprev += drh * rs[t]
            hx = np.concatenate([hs[t - 1], xs[t]])
            g["Wz"] += np.outer(hx, dz)
            g["bz"] += dz
            g["Wr"] += np.outer(hx, dr)
            g["br"] += dr
            dhprev += (self.Wz @ dz + self.Wr @ dr)[:H]
            dhnext = dhprev
        for k in g:
            np.clip(g[k], -5, 5, out=g[k])
        return dhnext

    def update_weights(self, learning_rate):
        # TODO 8: plain SGD
        for k, param in self.params().items():
            param -= learning_rate * self.grads[k]


def count_parameters(model):
    # TODO 9
    if isinstance(model, LSTM):
        arrays = [model.Wf, model.Wi, model.Wc, model.Wo, model.Why,
                  model.bf, model.bi, model.bc, model.bo, model.by]
    elif isinstance(model, GRU):
        arrays = list(model.params().values())
    else:
        raise ValueError(f"count_parameters: unknown model type {type(model).__name__}")
    return sum(a.size for a in arrays)


def train_model(model, text, char_to_idx, num_iterations=1000):
    # TODO 10
    seq_length = 25
    losses, times = [], []
    is_lstm = isinstance(model, LSTM)
    pos = len(text)  # forces a reset on the first iteration
    for _ in range(num_iterations):
        if pos + seq_length + 1 > len(text):
            pos = 0
            h = np.zeros((model.hidden_size, 1)) if is_lstm else np.zeros(model.hidden_size)
            C = np.zeros((model.hidden_size, 1))
        chunk = text[pos:pos + seq_length + 1]
        inputs = [char_to_idx[c] for c in chunk[:-1]]
        targets = [char_to_idx[c] for c in chunk[1:]]
        t0 = time.perf_counter()
        if is_lstm:
            loss, h, C, cache = model.forward(inputs, targets, h, C)
            model.update_weights(model.backward(inputs, targets, cache))
        else:
            loss, h = model.forward(inputs, targets, h)
            model.backward()
            model.update_weights(0.1)
        times.append(time.perf_counter() - t0)
        losses.append(float(loss))
        pos += seq_length
    return losses, times


if __name__ == "__main__":
    try:
        text = open('../data/input.txt').read()
    except OSError:
        text = "all that glitters is not gold; all that wander are not lost. " * 20
    chars = sorted(set(text))
    char_to_idx = {c: i for i, c in enumerate(chars)}
    for model in (LSTM(len(chars), 64, 25), GRU(len(chars), 64, len(chars))):
        losses, times = train_model(model, text, char_to_idx, num_iterations=200)
        print(type(model).__name__, count_parameters(model), "params",
              f"loss {losses[0]:.2f} -> {losses[-1]:.2f}", f"{np.mean(times) * 1e3:.2f} ms/iter")

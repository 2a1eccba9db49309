"""EXPECT: pass
GRU written like the course's implementation.py: (H, 1) column states and biases, np.vstack concat, forward returning (loss, h) with (H, 1) h, backward returning dh_next, Adagrad; accepts (H,) or (H, 1) h_prev.
"""
import sys
sys.path.append('..')
from implementation import LSTM
import time
import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def softmax(y):
    e = np.exp(y - np.max(y))
    return e / np.sum(e)


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        # TODO 1: initialise the GRU
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        H, D, O = hidden_size, input_size, output_size
        # TODO 2: reset gate
        self.Wr = np.random.randn(H, H + D) * 0.01
        self.br = np.zeros((H, 1))
        # TODO 3: update gate
        self.Wz = np.random.randn(H, H + D) * 0.01
        self.bz = np.zeros((H, 1))
        # TODO 4: candidate
        self.Wh = np.random.randn(H, H + D) * 0.01
        self.bh = np.zeros((H, 1))
        # TODO 5: output layer
        self.Wy = np.random.randn(O, H) * 0.01
        self.by = np.zeros((O, 1))
        self.names = ["Wr", "Wz", "Wh", "Wy", "br", "bz", "bh", "by"]
        self.mem = [np.zeros_like(getattr(self, n)) for n in self.names]

    def forward(self, inputs, targets, h_prev):
        # TODO 6: forward pass over the sequence
        h_prev = np.asarray(h_prev, dtype=float).reshape(-1, 1)
        self.inputs, self.targets = inputs, targets
        self.xs, self.hs, self.rs, self.zs, self.h_tildes, self.ps = [], [h_prev], [], [], [], []
        loss = 0.0
        for t in range(len(inputs)):
            x = np.zeros((self.input_size, 1))
            x[inputs[t]] = 1
            h = self.hs[-1]
            hx = np.vstack((h, x))
            r = sigmoid(self.Wr @ hx + self.br)
            z = sigmoid(self.Wz @ hx + self.bz)
            h_tilde = np.tanh(self.Wh @ np.vstack((r * h, x)) + self.bh)
            h_new = (1 - z) * h + z * h_tilde
            p = softmax(self.Wy @ h_new + self.by)
            loss += -np.log(p[targets[t], 0])
            self.xs.append(x); self.rs.append(r); self.zs.append(z)
            self.h_tildes.append(h_tilde); self.hs.append(h_new); self.ps.append(p)
        return loss, self.hs[-1]

    def backward(self):
        # TODO 7: BPTT with clipping
        H = self.hidden_size
        dWr, dWz, dWh, dWy = [np.zeros_like(w) for w in (self.Wr, self.Wz, self.Wh, self.Wy)]
        dbr, dbz, dbh, dby = [np.zeros_like(b) for b in (self.br, self.bz, self.bh, self.by)]
        dh_next = np.zeros((H, 1))
        for t in reversed(range(len(self.inputs))):
            dy = self.ps[t].copy()
            dy[self.targets[t]] -= 1
            dWy += dy @ self.hs[t + 1].T
            dby += dy
            dh = self.Wy.T @ dy + dh_next
            h_prev, x = self.hs[t], self.xs[t]
            r, z, h_tilde = self.rs[t], self.zs[t], self.h_tildes[t]
            d_pre_h = dh * z * (1 - h_tilde ** 2)
            d_pre_z = dh * (h_tilde - h_prev) * z * (1 - z)
            dWh += d_pre_h @ np.vstack((r * h_prev, x)).T
            dbh += d_pre_h
            d_rh = (self.Wh.T @ d_pre_h)[:H]
            d_pre_r = d_rh * h_prev * r * (1 - r)
            hx = np.vstack((h_prev, x))
            dWz += d_pre_z @ hx.T
            dbz += d_pre_z
            dWr += d_pre_r @ hx.T
            dbr += d_pre_r
            dh_next = (dh * (1 - z) + d_rh * r
                       + (self.Wz.T @ d_pre_z)[:H] + (self.Wr.T @ d_pre_r)[:H])
        for g in (dWr, dWz, dWh, dWy, dbr, dbz, dbh, dby):
            np.clip(g, -5, 5, out=g)
        self.dWr, self.dWz, self.dWh, self.dWy = dWr, dWz, dWh, dWy
        self.dbr, self.dbz, self.dbh, self.dby = dbr, dbz, dbh, dby
        return dh_next

    def update_weights(self, learning_rate):
        # TODO 8: Adagrad (same rule as the course's LSTM)
        for name, m in zip(self.names, self.mem):
            g = getattr(self, "d" + name)
            m += g * g
            getattr(self, name)[...] += -learning_rate * g / np.sqrt(m + 1e-8)


def count_parameters(model):
    # TODO 9
    if isinstance(model, LSTM):
        H, V = model.hidden_size, model.vocab_size
        return 4 * H * (H + V) + 4 * H + V * H + V
    elif isinstance(model, GRU):
        H, D, O = model.hidden_size, model.input_size, model.output_size
        return 3 * H * (H + D) + 3 * H + O * H + O
    raise TypeError("model must be an LSTM or a GRU")


def train_model(model, text, char_to_idx, num_iterations=1000):
    # TODO 10: record the loss and the seconds of each iteration
    seq_length = 25
    H = model.hidden_size
    h, C = np.zeros((H, 1)), np.zeros((H, 1))
    losses, times = [], []
    p = 0
    for n in range(num_iterations):
        if p + seq_length + 1 >= len(text):
            p = 0
            h, C = np.zeros((H, 1)), np.zeros((H, 1))
        inputs = [char_to_idx[ch] for ch in text[p:p + seq_length]]
        targets = [char_to_idx[ch] for ch in text[p + 1:p + seq_length + 1]]
        start = time.perf_counter()
        if isinstance(model, LSTM):
            loss, h, C, cache = model.forward(inputs, targets, h, C)
            model.update_weights(model.backward(inputs, targets, cache))
        else:
            loss, h = model.forward(inputs, targets, h)
            model.backward()
            model.update_weights(0.01)
        times.append(time.perf_counter() - start)
        losses.append(loss)
        p += seq_length
    return losses, times


if __name__ == "__main__":
    try:
        with open('../data/input.txt', 'r') as f:
            text = f.read()
    except IOError:
        text = "the rain in spain stays mainly in the plain. " * 30
    chars = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(chars)}
    vocab_size = len(chars)
    lstm = LSTM(vocab_size, 64, 25)
    gru = GRU(vocab_size, 64, vocab_size)
    for name, model in [("LSTM", lstm), ("GRU", gru)]:
        losses, times = train_model(model, text, char_to_idx, num_iterations=150)
        print(f"{name}: {count_parameters(model)} parameters, loss {losses[0]:.2f} -> {losses[-1]:.2f}, "
              f"{np.mean(times) * 1000:.2f} ms per iteration")

"""EXPECT: pass
GRU with np.einsum products, per-step caches as namedtuples in one list, backward returning (dh_next, grads), Adagrad d / (np.sqrt(mem) + 1e-8); train_model tells the models apart with hasattr instead of isinstance.
"""
import sys
sys.path.append('..')
from implementation import LSTM
import time
from collections import namedtuple
import numpy as np

Step = namedtuple("Step", "x hx rhx r z h_hat h_old h_new p target")


def sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        # TODO 1
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        H, D = hidden_size, input_size
        # TODO 2
        self.Wr, self.br = np.random.normal(0, 0.01, (H, H + D)), np.zeros(H)
        # TODO 3
        self.Wz, self.bz = np.random.normal(0, 0.01, (H, H + D)), np.zeros(H)
        # TODO 4
        self.Wh, self.bh = np.random.normal(0, 0.01, (H, H + D)), np.zeros(H)
        # TODO 5
        self.Wy, self.by = np.random.normal(0, 0.01, (output_size, H)), np.zeros(output_size)
        self.keys = ("Wr", "Wz", "Wh", "Wy", "br", "bz", "bh", "by")
        self.cache_sq = {k: np.zeros_like(getattr(self, k)) for k in self.keys}

    def forward(self, inputs, targets, h_prev):
        # TODO 6
        self.trace = []
        h = np.array(h_prev, dtype=float)
        loss = 0.0
        for ix, target in zip(inputs, targets):
            x = np.eye(self.input_size)[ix]
            hx = np.concatenate([h, x])
            r = sigmoid(np.einsum("ij,j->i", self.Wr, hx) + self.br)
            z = sigmoid(np.einsum("ij,j->i", self.Wz, hx) + self.bz)
            rhx = np.concatenate([r * h, x])
            h_hat = np.tanh(np.einsum("ij,j->i", self.Wh, rhx) + self.bh)
            h_new = (1 - z) * h + z * h_hat
            s = np.einsum("ij,j->i", self.Wy, h_new) + self.by
            p = np.exp(s - s.max())
            p /= p.sum()
            loss += -np.log(p[target])
            self.trace.append(Step(x, hx, rhx, r, z, h_hat, h, h_new, p, target))
            h = h_new
        self.h = h
        return loss

    def backward(self):
        # TODO 7
        H = self.hidden_size
        grads = {k: np.zeros_like(getattr(self, k)) for k in self.keys}
        dh_next = np.zeros(H)
        for st in reversed(self.trace):
            dy = st.p.copy()
            dy[st.target] -= 1
            grads["Wy"] += np.einsum("i,j->ij", dy, st.h_new)
            grads["by"] += dy
            dh = np.einsum("ji,j->i", self.Wy, dy) + dh_next
            a_h = dh * st.z * (1 - st.h_hat ** 2)
            a_z = dh * (st.h_hat - st.h_old) * st.z * (1 - st.z)
            grads["Wh"] += np.einsum("i,j->ij", a_h, st.rhx)
            grads["bh"] += a_h
            d_rh = np.einsum("ji,j->i", self.Wh, a_h)[:H]
            a_r = d_rh * st.h_old * st.r * (1 - st.r)
            grads["Wz"] += np.einsum("i,j->ij", a_z, st.hx)
            grads["bz"] += a_z
            grads["Wr"] += np.einsum("i,j->ij", a_r, st.hx)
            grads["br"] += a_r
            back = np.einsum("ji,j->i", self.Wz, a_z) + np.einsum("ji,j->i", self.Wr, a_r)
            dh_next = dh * (1 - st.z) + d_rh * st.r + back[:H]
        for k in grads:
            grads[k] = np.clip(grads[k], -5, 5)
        self.grads = grads
        return dh_next, grads

    def update_weights(self, learning_rate):
        # TODO 8
        for k in self.keys:
            self.cache_sq[k] += self.grads[k] ** 2
            getattr(self, k)[...] -= learning_rate * self.grads[k] / (np.sqrt(self.cache_sq[k]) + 1e-8)


def count_parameters(model):
    # TODO 9
    if isinstance(model, LSTM):
        parts = (model.Wf, model.Wi, model.Wc, model.Wo, model.Why, model.bf, model.bi, model.bc, model.bo, model.by)
    elif isinstance(model, GRU):
        parts = [getattr(model, k) for k in model.keys]
    else:
        raise TypeError(f"not an LSTM or GRU: {model!r}")
    return int(np.sum([p.size for p in parts]))


def train_model(model, text, char_to_idx, num_iterations=1000):
    # TODO 10
    seq_len = 25
    H = model.hidden_size
    uses_cell = hasattr(model, "Wf")
    losses, times = [], []
    p = 0
    h = C = None
    for step in range(num_iterations):
        if h is None or p + seq_len + 1 >= len(text):
            p = 0
            h, C = (np.zeros((H, 1)), np.zeros((H, 1))) if uses_cell else (np.zeros(H), None)
        ids = [char_to_idx[c] for c in text[p:p + seq_len + 1]]
        tic = time.perf_counter()
        if uses_cell:
            loss, h, C, cache = model.forward(ids[:-1], ids[1:], h, C)
            model.update_weights(model.backward(ids[:-1], ids[1:], cache))
        else:
            loss = model.forward(ids[:-1], ids[1:], h)
            model.backward()
            model.update_weights(0.01)
            h = model.h
        times.append(time.perf_counter() - tic)
        losses.append(float(loss))
        p += seq_len
    return losses, times


if __name__ == "__main__":
    try:
        text = open("../data/input.txt").read()
    except OSError:
        text = "peter piper picked a peck of pickled peppers. " * 25
    chars = sorted(set(text))
    char_to_idx = {c: i for i, c in enumerate(chars)}
    V = len(chars)
    for model in (LSTM(V, 64, 25), GRU(V, 64, V)):
        losses, times = train_model(model, text, char_to_idx, num_iterations=150)
        print(f"{type(model).__name__}: {count_parameters(model)} params, "
              f"loss {losses[0]:.2f} -> {losses[-1]:.2f}, {np.mean(times) * 1e3:.2f} ms/iter")

"""EXPECT: FAIL TODO 9
QA attempt e10: the error is raised in count_parameters, which carries no TODO comment, so the check names the caller's TODO 9.
Ex5 attempt e10_count_lstm_Wy (based on my g6.py style).
BUG at TODO 9: count_parameters uses the stub's L131 name Wy for the LSTM (the ref calls it Why): AttributeError for an LSTM.
EXPECTED VERDICT: FAIL, first FAIL row should name TODO 9 (ideally saying the ref names it Why).
"""
import sys
import time
import numpy as np
sys.path.append('..')
from implementation import LSTM

np.random.seed(123)


def sigmoid(x):
    return 1. / (1. + np.exp(-x))


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        # TODO 1-5
        self.Wr = np.random.randn(hidden_size, hidden_size + input_size) * 0.01
        self.Wz = np.random.randn(hidden_size, hidden_size + input_size) * 0.01
        self.Wh = np.random.randn(hidden_size, hidden_size + input_size) * 0.01
        self.Wy = np.random.randn(output_size, hidden_size) * 0.01
        self.br = np.zeros(hidden_size); self.bz = np.zeros(hidden_size); self.bh = np.zeros(hidden_size)
        self.by = np.zeros(output_size)
        self.mems = None

    def forward(self, inputs, targets, h_prev):
        xs, hs, rs, zs, hcs, ps = {}, {}, {}, {}, {}, {}
        hs[-1] = np.copy(h_prev)
        loss = 0
        for t in range(len(inputs)):
            xs[t] = np.zeros(self.input_size); xs[t][inputs[t]] = 1
            hx = np.hstack((hs[t - 1], xs[t]))
            rs[t] = sigmoid(self.Wr.dot(hx) + self.br)
            zs[t] = sigmoid(self.Wz.dot(hx) + self.bz)
            hcs[t] = np.tanh(self.Wh.dot(np.hstack((rs[t] * hs[t - 1], xs[t]))) + self.bh)
            hs[t] = (1 - zs[t]) * hs[t - 1] + zs[t] * hcs[t]
            y = self.Wy.dot(hs[t]) + self.by
            ps[t] = np.exp(y) / np.sum(np.exp(y))
            loss += -np.log(ps[t][targets[t]])
        self.xs, self.hs, self.rs, self.zs, self.hcs, self.ps = xs, hs, rs, zs, hcs, ps
        self.targets = targets
        return loss, hs[len(inputs) - 1]

    def backward(self):
        xs, hs, rs, zs, hcs, ps = self.xs, self.hs, self.rs, self.zs, self.hcs, self.ps
        H = self.hidden_size
        dWr, dWz, dWh, dWy = [np.zeros_like(w) for w in (self.Wr, self.Wz, self.Wh, self.Wy)]
        dbr, dbz, dbh, dby = [np.zeros_like(b) for b in (self.br, self.bz, self.bh, self.by)]
        dhnext = np.zeros(H)
        for t in reversed(range(len(xs))):
            dy = np.copy(ps[t]); dy[self.targets[t]] -= 1
            dWy += np.outer(dy, hs[t]); dby += dy
            dh = self.Wy.T.dot(dy) + dhnext
            dhc = dh * zs[t] * (1 - hcs[t] * hcs[t])
            dz = dh * (hcs[t] - hs[t - 1]) * zs[t] * (1 - zs[t])
            dWh += np.outer(dhc, np.hstack((rs[t] * hs[t - 1], xs[t]))); dbh += dhc
            drh = self.Wh.T.dot(dhc)[:H]
            dr = drh * hs[t - 1] * rs[t] * (1 - rs[t])
            hx = np.hstack((hs[t - 1], xs[t]))
            dWz += np.outer(dz, hx); dbz += dz
            dWr += np.outer(dr, hx); dbr += dr
            dhnext = dh * (1 - zs[t]) + drh * rs[t] + self.Wz.T.dot(dz)[:H] + self.Wr.T.dot(dr)[:H]
        for d in (dWr, dWz, dWh, dWy, dbr, dbz, dbh, dby):
            np.clip(d, -5, 5, out=d)
        self.dWr, self.dWz, self.dWh, self.dWy = dWr, dWz, dWh, dWy
        self.dbr, self.dbz, self.dbh, self.dby = dbr, dbz, dbh, dby

    def update_weights(self, learning_rate):
        params = [self.Wr, self.Wz, self.Wh, self.Wy, self.br, self.bz, self.bh, self.by]
        grads = [self.dWr, self.dWz, self.dWh, self.dWy, self.dbr, self.dbz, self.dbh, self.dby]
        if self.mems is None:
            self.mems = [np.zeros_like(p) for p in params]
        for p, d, m in zip(params, grads, self.mems):
            m += d * d
            p += -learning_rate * d / np.sqrt(m + 1e-8)


def count_parameters(model):
    if isinstance(model, LSTM):
        ws = [model.Wf, model.Wi, model.Wc, model.Wo, model.Wy, model.bf, model.bi, model.bc, model.bo, model.by]
    elif isinstance(model, GRU):
        ws = [model.Wr, model.Wz, model.Wh, model.Wy, model.br, model.bz, model.bh, model.by]
    else:
        return None
    return sum(w.size for w in ws)


def train_model(model, text, char_to_idx, num_iterations=1000):
    seq_length = 25
    losses, times = [], []
    n = 0; p = 0
    H = model.hidden_size
    while n < num_iterations:
        if p + seq_length + 1 >= len(text) or n == 0:
            hprev = np.zeros((H, 1)) if isinstance(model, LSTM) else np.zeros(H)
            cprev = np.zeros((H, 1)); p = 0
        inputs = [char_to_idx[ch] for ch in text[p:p + seq_length]]
        targets = [char_to_idx[ch] for ch in text[p + 1:p + seq_length + 1]]
        tic = time.time()
        if isinstance(model, LSTM):
            loss, hprev, cprev, cache = model.forward(inputs, targets, hprev, cprev)
            model.update_weights(model.backward(inputs, targets, cache))
        else:
            loss, hprev = model.forward(inputs, targets, hprev)
            model.backward(); model.update_weights(0.1)
        times.append(time.time() - tic)
        losses.append(loss)
        p += seq_length; n += 1
    return losses, times


def compare_models(text, char_to_idx, hidden_size=64):
    V = len(char_to_idx)
    lstm = LSTM(V, hidden_size, 25); gru = GRU(V, hidden_size, V)
    ll, lt = train_model(lstm, text, char_to_idx)
    gl, gt = train_model(gru, text, char_to_idx)
    return {"lstm": {"params": count_parameters(lstm), "losses": ll, "times": lt},
            "gru": {"params": count_parameters(gru), "losses": gl, "times": gt}}


def plot_comparison(results):
    pass


def write_comparison_report(results):
    pass


if __name__ == "__main__":
    data = open("../data/input.txt", "r").read()
    chars = sorted(set(data))
    results = compare_models(data, {c: i for i, c in enumerate(chars)})
    plot_comparison(results)
    write_comparison_report(results)

"""EXPECT: FAIL TODO 7
Fused-gate GRU whose dh_next leaves out the path through the reset product r*h_prev (the d_rh * r term).
"""
import sys
sys.path.append('..')
from implementation import LSTM
import time
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        # TODO 1
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        H, Z = hidden_size, hidden_size + input_size
        # TODO 2
        self.Wr = 0.01 * np.random.randn(H, Z)
        self.br = np.zeros(H)
        # TODO 3
        self.Wz = 0.01 * np.random.randn(H, Z)
        self.bz = np.zeros(H)
        # TODO 4
        self.Wh = 0.01 * np.random.randn(H, Z)
        self.bh = np.zeros(H)
        # TODO 5
        self.Wy = 0.01 * np.random.randn(output_size, H)
        self.by = np.zeros(output_size)

    def forward(self, inputs, targets, h_prev):
        # TODO 6
        T, H = len(inputs), self.hidden_size
        self.targets = np.asarray(targets)
        self.x_onehot = np.eye(self.input_size)[inputs]            # (T, D)
        self.h_states = np.zeros((T + 1, H))
        self.h_states[0] = h_prev
        self.r_t, self.z_t = np.zeros((T, H)), np.zeros((T, H))
        self.h_cand = np.zeros((T, H))
        self.probs = np.zeros((T, self.output_size))
        W_rz = np.vstack([self.Wr, self.Wz])
        b_rz = np.concatenate([self.br, self.bz])
        loss = 0.0
        for t in range(T):
            h = self.h_states[t]
            gates = sigmoid(W_rz @ np.concatenate([h, self.x_onehot[t]]) + b_rz)
            self.r_t[t], self.z_t[t] = gates[:H], gates[H:]
            self.h_cand[t] = np.tanh(self.Wh @ np.concatenate([self.r_t[t] * h, self.x_onehot[t]]) + self.bh)
            self.h_states[t + 1] = (1 - self.z_t[t]) * h + self.z_t[t] * self.h_cand[t]
            y = self.Wy @ self.h_states[t + 1] + self.by
            y -= y.max()
            self.probs[t] = np.exp(y) / np.exp(y).sum()
            loss -= np.log(self.probs[t, targets[t]])
        return loss

    def backward(self):
        # TODO 7
        T, H = len(self.targets), self.hidden_size
        W_rz = np.vstack([self.Wr, self.Wz])
        dW_rz = np.zeros_like(W_rz)
        db_rz = np.zeros(2 * H)
        self.dWh, self.dbh = np.zeros_like(self.Wh), np.zeros_like(self.bh)
        self.dWy, self.dby = np.zeros_like(self.Wy), np.zeros_like(self.by)
        dh_next = np.zeros(H)
        for t in range(T - 1, -1, -1):
            h_prev, x = self.h_states[t], self.x_onehot[t]
            r, z, hc = self.r_t[t], self.z_t[t], self.h_cand[t]
            dy = self.probs[t].copy()
            dy[self.targets[t]] -= 1
            self.dWy += np.outer(dy, self.h_states[t + 1])
            self.dby += dy
            dh = self.Wy.T @ dy + dh_next
            da_h = dh * z * (1 - hc * hc)
            self.dWh += np.outer(da_h, np.concatenate([r * h_prev, x]))
            self.dbh += da_h
            d_rh = self.Wh[:, :H].T @ da_h
            da_rz = np.concatenate([d_rh * h_prev * r * (1 - r),
                                    dh * (hc - h_prev) * z * (1 - z)])
            dW_rz += np.outer(da_rz, np.concatenate([h_prev, x]))
            db_rz += da_rz
            dh_next = dh * (1 - z) + W_rz[:, :H].T @ da_rz
        self.dWr, self.dWz = dW_rz[:H], dW_rz[H:]
        self.dbr, self.dbz = db_rz[:H], db_rz[H:]
        for name in ("dWr", "dWz", "dWh", "dWy", "dbr", "dbz", "dbh", "dby"):
            setattr(self, name, np.clip(getattr(self, name), -5, 5))
        return dh_next

    def update_weights(self, learning_rate):
        # TODO 8: SGD
        self.Wr -= learning_rate * self.dWr
        self.Wz -= learning_rate * self.dWz
        self.Wh -= learning_rate * self.dWh
        self.Wy -= learning_rate * self.dWy
        self.br -= learning_rate * self.dbr
        self.bz -= learning_rate * self.dbz
        self.bh -= learning_rate * self.dbh
        self.by -= learning_rate * self.dby


def count_parameters(model):
    # TODO 9: every array the model trains
    if isinstance(model, (LSTM, GRU)):
        return sum(v.size for k, v in vars(model).items()
                   if isinstance(v, np.ndarray) and k[0] in "Wb")
    raise TypeError("expected an LSTM or a GRU")


def train_model(model, text, char_to_idx, num_iterations=1000):
    # TODO 10
    seq_length = 25
    losses, times = [], []
    lstm = isinstance(model, LSTM)
    h = np.zeros((model.hidden_size, 1)) if lstm else np.zeros(model.hidden_size)
    C = np.zeros((model.hidden_size, 1))
    start = 0
    for i in range(num_iterations):
        if start + seq_length + 1 >= len(text):
            start = 0
            h, C = np.zeros_like(h), np.zeros_like(C)
        inputs = [char_to_idx[c] for c in text[start:start + seq_length]]
        targets = [char_to_idx[c] for c in text[start + 1:start + seq_length + 1]]
        t0 = time.perf_counter()
        if lstm:
            loss, h, C, cache = model.forward(inputs, targets, h, C)
            model.update_weights(model.backward(inputs, targets, cache))
        else:
            loss = model.forward(inputs, targets, h)
            model.backward()
            model.update_weights(0.05)
            h = model.h_states[-1].copy()
        times.append(time.perf_counter() - t0)
        losses.append(loss)
        start += seq_length
    return losses, times


if __name__ == "__main__":
    try:
        text = open('../data/input.txt').read()
    except FileNotFoundError:
        text = "she sells sea shells by the sea shore. " * 30
    chars = sorted(set(text))
    char_to_idx = {c: i for i, c in enumerate(chars)}
    V = len(chars)
    results = {}
    for name, model in [("lstm", LSTM(V, 64, 25)), ("gru", GRU(V, 64, V))]:
        losses, times = train_model(model, text, char_to_idx, num_iterations=200)
        results[name] = {"params": count_parameters(model), "losses": losses, "times": times}
        print(name, results[name]["params"], round(losses[-1], 3), f"{np.mean(times):.5f}s/iter")

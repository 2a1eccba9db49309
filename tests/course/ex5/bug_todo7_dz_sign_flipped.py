"""EXPECT: FAIL TODO 7
Forward uses the course's h_t = (1-z)*h_prev + z*h_tilde, but backward takes dz = dh * (h_prev - h_tilde), the sign of the other convention.
"""
import sys
sys.path.append('..')
from implementation import LSTM
import time
import numpy as np


def sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        # TODO 1: GRU weights (2 gates + candidate)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        H, D = hidden_size, input_size
        # TODO 2: reset gate
        self.Wr = np.random.randn(H, H + D) * 0.01
        self.br = np.zeros(H)
        # TODO 3: update gate
        self.Wz = np.random.randn(H, H + D) * 0.01
        self.bz = np.zeros(H)
        # TODO 4: candidate hidden state
        self.Wh = np.random.randn(H, H + D) * 0.01
        self.bh = np.zeros(H)
        # TODO 5: output layer
        self.Wy = np.random.randn(output_size, H) * 0.01
        self.by = np.zeros(output_size)

    def forward(self, inputs, targets, h_prev):
        # TODO 6: forward pass
        self.targets = targets
        self.inputs_cache, self.h_states = [], [h_prev.copy()]
        self.r_gates, self.z_gates, self.h_tilde_cache, self.y_probs = [], [], [], []
        loss = 0.0
        for t in range(len(inputs)):
            x = np.zeros(self.input_size)
            x[inputs[t]] = 1
            concat = np.concatenate([h_prev, x])
            r = sigmoid(self.Wr @ concat + self.br)
            z = sigmoid(self.Wz @ concat + self.bz)
            concat_reset = np.concatenate([r * h_prev, x])
            h_tilde = np.tanh(self.Wh @ concat_reset + self.bh)
            h = (1 - z) * h_prev + z * h_tilde
            y = self.Wy @ h + self.by
            p = np.exp(y - y.max())
            p /= p.sum()
            loss += -np.log(p[targets[t]])
            self.inputs_cache.append(x); self.r_gates.append(r); self.z_gates.append(z)
            self.h_tilde_cache.append(h_tilde); self.h_states.append(h); self.y_probs.append(p)
            h_prev = h
        return loss

    def backward(self):
        # TODO 7: backpropagation through time
        H = self.hidden_size
        self.dWr, self.dWz, self.dWh = np.zeros_like(self.Wr), np.zeros_like(self.Wz), np.zeros_like(self.Wh)
        self.dbr, self.dbz, self.dbh = np.zeros(H), np.zeros(H), np.zeros(H)
        self.dWy, self.dby = np.zeros_like(self.Wy), np.zeros_like(self.by)
        dh_next = np.zeros(H)
        for t in reversed(range(len(self.inputs_cache))):
            dy = self.y_probs[t].copy()
            dy[self.targets[t]] -= 1
            h, h_prev = self.h_states[t + 1], self.h_states[t]
            r, z, h_tilde, x = self.r_gates[t], self.z_gates[t], self.h_tilde_cache[t], self.inputs_cache[t]
            self.dWy += np.outer(dy, h)
            self.dby += dy
            dh = self.Wy.T @ dy + dh_next
            dh_tilde = dh * z
            dz = dh * (h_prev - h_tilde)
            dh_prev = dh * (1 - z)
            da_h = dh_tilde * (1 - h_tilde ** 2)
            self.dWh += np.outer(da_h, np.concatenate([r * h_prev, x]))
            self.dbh += da_h
            d_rh = (self.Wh.T @ da_h)[:H]
            dr = d_rh * h_prev
            dh_prev += d_rh * r
            da_z = dz * z * (1 - z)
            da_r = dr * r * (1 - r)
            concat = np.concatenate([h_prev, x])
            self.dWz += np.outer(da_z, concat)
            self.dbz += da_z
            self.dWr += np.outer(da_r, concat)
            self.dbr += da_r
            dh_prev += (self.Wz.T @ da_z + self.Wr.T @ da_r)[:H]
            dh_next = dh_prev
        for g in (self.dWr, self.dWz, self.dWh, self.dWy, self.dbr, self.dbz, self.dbh, self.dby):
            np.clip(g, -5, 5, out=g)
        return dh_next

    def update_weights(self, learning_rate):
        # TODO 8: SGD
        for name in ("Wr", "Wz", "Wh", "Wy", "br", "bz", "bh", "by"):
            getattr(self, name)[...] -= learning_rate * getattr(self, "d" + name)


def count_parameters(model):
    # TODO 9: count parameters
    if isinstance(model, LSTM):
        names = ["Wf", "Wi", "Wc", "Wo", "Why", "bf", "bi", "bc", "bo", "by"]
    elif isinstance(model, GRU):
        names = ["Wr", "Wz", "Wh", "Wy", "br", "bz", "bh", "by"]
    else:
        raise TypeError("unknown model")
    return int(sum(getattr(model, n).size for n in names))


def train_model(model, text, char_to_idx, num_iterations=1000):
    # TODO 10: training loop recording loss and time per iteration
    seq_length = 25
    H = model.hidden_size
    losses, times = [], []
    p = 0
    for it in range(num_iterations):
        if it == 0 or p + seq_length + 1 >= len(text):
            p = 0
            h = np.zeros((H, 1)) if isinstance(model, LSTM) else np.zeros(H)
            C = np.zeros((H, 1))
        inputs = [char_to_idx[ch] for ch in text[p:p + seq_length]]
        targets = [char_to_idx[ch] for ch in text[p + 1:p + seq_length + 1]]
        start = time.time()
        if isinstance(model, LSTM):
            loss, h, C, cache = model.forward(inputs, targets, h, C)
            grads = model.backward(inputs, targets, cache)
            model.update_weights(grads)
        else:
            loss = model.forward(inputs, targets, h)
            model.backward()
            model.update_weights(0.1)
            h = model.h_states[-1].copy()
        times.append(time.time() - start)
        losses.append(loss)
        p += seq_length
    return losses, times


if __name__ == "__main__":
    try:
        with open('../data/input.txt') as f:
            text = f.read()
    except FileNotFoundError:
        text = "to be or not to be, that is the question. " * 30
    chars = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(chars)}
    V = len(chars)
    lstm = LSTM(V, 64, 25)
    gru = GRU(V, 64, V)
    print("LSTM params:", count_parameters(lstm), "GRU params:", count_parameters(gru))
    for name, model in (("LSTM", lstm), ("GRU", gru)):
        losses, times = train_model(model, text, char_to_idx, num_iterations=200)
        print(f"{name}: loss {np.mean(losses[:10]):.3f} -> {np.mean(losses[-10:]):.3f}, "
              f"{1000 * np.mean(times):.2f} ms/iter")

"""A learner's completed GRU for Exercise 5, written in the style of the course's stub (not copied from it).

Used by tests/test_ex05_gru.py to check `--check`: caches are Python lists of vectors, gradients are
summed with np.outer one step at a time, and the update is plain SGD as the stub asks. The tests plant
single-line bugs in copies of this file and expect `--check` to name the numbered item and the equation.
"""
import numpy as np


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        # TODO 1: GRU weights, each gate sees [h_prev, x_t]
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        n = hidden_size + input_size
        # TODO 2: reset gate
        self.Wr = np.random.randn(hidden_size, n) * 0.01
        self.br = np.zeros(hidden_size)
        # TODO 3: update gate
        self.Wz = np.random.randn(hidden_size, n) * 0.01
        self.bz = np.zeros(hidden_size)
        # TODO 4: candidate
        self.Wh = np.random.randn(hidden_size, n) * 0.01
        self.bh = np.zeros(hidden_size)
        # TODO 5: output layer
        self.Wy = np.random.randn(output_size, hidden_size) * 0.01
        self.by = np.zeros(output_size)

    def sigmoid(self, x):
        return 1.0 / (1.0 + np.exp(-x))

    def forward(self, inputs, targets, h_prev):
        # TODO 6: forward pass
        self.inputs_cache, self.targets = [], targets
        self.h_states, self.r_gates, self.z_gates, self.h_tilde_cache, self.y_probs = [h_prev], [], [], [], []
        loss = 0.0
        for t in range(len(inputs)):
            x = np.zeros(self.input_size)
            x[inputs[t]] = 1.0
            self.inputs_cache.append(x)
            h = self.h_states[-1]
            concat = np.concatenate([h, x])
            r = self.sigmoid(self.Wr @ concat + self.br)
            z = self.sigmoid(self.Wz @ concat + self.bz)
            h_tilde = np.tanh(self.Wh @ np.concatenate([r * h, x]) + self.bh)
            h_new = (1 - z) * h + z * h_tilde
            s = self.Wy @ h_new + self.by
            y = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
            loss += -np.log(y[targets[t]])
            self.r_gates.append(r)
            self.z_gates.append(z)
            self.h_tilde_cache.append(h_tilde)
            self.h_states.append(h_new)
            self.y_probs.append(y)
        return loss

    def backward(self):
        # TODO 7: backpropagation through time, with clipping
        H = self.hidden_size
        for name in ("Wr", "br", "Wz", "bz", "Wh", "bh", "Wy", "by"):
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))
        dh_next = np.zeros(H)
        for t in reversed(range(len(self.targets))):
            dy = self.y_probs[t].copy()
            dy[self.targets[t]] -= 1
            self.dWy += np.outer(dy, self.h_states[t + 1])
            self.dby += dy
            dh = self.Wy.T @ dy + dh_next
            h, x = self.h_states[t], self.inputs_cache[t]
            r, z, h_tilde = self.r_gates[t], self.z_gates[t], self.h_tilde_cache[t]
            dh_tilde_raw = dh * z * (1 - h_tilde ** 2)
            self.dWh += np.outer(dh_tilde_raw, np.concatenate([r * h, x]))
            self.dbh += dh_tilde_raw
            d_rh = (self.Wh.T @ dh_tilde_raw)[:H]
            dz_raw = dh * (h_tilde - h) * z * (1 - z)
            dr_raw = d_rh * h * r * (1 - r)
            concat = np.concatenate([h, x])
            self.dWz += np.outer(dz_raw, concat)
            self.dbz += dz_raw
            self.dWr += np.outer(dr_raw, concat)
            self.dbr += dr_raw
            dh_next = dh * (1 - z) + d_rh * r + (self.Wz.T @ dz_raw)[:H] + (self.Wr.T @ dr_raw)[:H]
        for name in ("Wr", "br", "Wz", "bz", "Wh", "bh", "Wy", "by"):
            np.clip(getattr(self, "d" + name), -5, 5, out=getattr(self, "d" + name))
        return dh_next

    def update_weights(self, learning_rate):
        # TODO 8: update every parameter
        for name in ("Wr", "br", "Wz", "bz", "Wh", "bh", "Wy", "by"):
            setattr(self, name, getattr(self, name) - learning_rate * getattr(self, "d" + name))

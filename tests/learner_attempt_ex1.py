"""A learner's completed Exercise 1, written in the style of the course's stub (not copied from it).

Used by tests/test_ex01_lstm.py to check `--check`: caches are Python lists of vectors, the bias
gradients take the pre-activation values, and the update is plain SGD as the stub's comment asks.
The tests plant single-line bugs in copies of this file and expect `--check` to name their TODO.
"""
import numpy as np


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        n = hidden_size + input_size
        # TODO 1: forget gate weights
        self.Wf = np.random.randn(hidden_size, n) * 0.01
        self.bf = np.ones(hidden_size)
        # TODO 2: input gate weights
        self.Wi = np.random.randn(hidden_size, n) * 0.01
        self.bi = np.zeros(hidden_size)
        # TODO 3: candidate weights
        self.Wc = np.random.randn(hidden_size, n) * 0.01
        self.bc = np.zeros(hidden_size)
        # TODO 4: output gate weights
        self.Wo = np.random.randn(hidden_size, n) * 0.01
        self.bo = np.zeros(hidden_size)
        # TODO 5: output layer
        self.Wy = np.random.randn(output_size, hidden_size) * 0.01
        self.by = np.zeros(output_size)

    def sigmoid(self, x):
        return 1.0 / (1.0 + np.exp(-x))

    def forward(self, inputs, targets, h_prev, C_prev):
        self.inputs_cache, self.targets = [], targets
        self.h_states, self.C_states = [h_prev], [C_prev]
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates, self.y_probs = [], [], [], [], []
        loss = 0.0
        for t in range(len(inputs)):
            x = np.zeros(self.input_size)
            x[inputs[t]] = 1.0
            self.inputs_cache.append(x)
            # TODO 6: concatenate
            concat = np.concatenate([self.h_states[-1], x])
            # TODO 7: forget gate
            f = self.sigmoid(self.Wf @ concat + self.bf)
            # TODO 8: input gate
            i = self.sigmoid(self.Wi @ concat + self.bi)
            # TODO 9: candidate
            c_tilde = np.tanh(self.Wc @ concat + self.bc)
            # TODO 10: cell state
            C = f * self.C_states[-1] + i * c_tilde
            # TODO 11: output gate
            o = self.sigmoid(self.Wo @ concat + self.bo)
            # TODO 12: hidden state
            h = o * np.tanh(C)
            # TODO 13: output scores
            z = self.Wy @ h + self.by
            # TODO 14: softmax
            y = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
            # TODO 15: loss
            loss += -np.log(y[targets[t]])
            self.f_gates.append(f)
            self.i_gates.append(i)
            self.C_tilde_cache.append(c_tilde)
            self.o_gates.append(o)
            self.C_states.append(C)
            self.h_states.append(h)
            self.y_probs.append(y)
        return loss

    def backward(self):
        H = self.hidden_size
        for name in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by"):
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))
        dh_next, dC_next = np.zeros(H), np.zeros(H)
        for t in reversed(range(len(self.targets))):
            # TODO 16: output gradient
            dy = self.y_probs[t].copy()
            dy[self.targets[t]] -= 1
            # TODO 17: output layer
            self.dWy += np.outer(dy, self.h_states[t + 1])
            self.dby += dy
            # TODO 18: hidden gradient
            dh = self.Wy.T @ dy + dh_next
            # TODO 19: output gate
            do = dh * np.tanh(self.C_states[t + 1])
            do_raw = do * self.o_gates[t] * (1 - self.o_gates[t])
            # TODO 20: cell gradient
            dC = dh * self.o_gates[t] * (1 - np.tanh(self.C_states[t + 1]) ** 2) + dC_next
            # TODO 21: candidate
            dc_tilde = dC * self.i_gates[t]
            dc_raw = dc_tilde * (1 - self.C_tilde_cache[t] ** 2)
            # TODO 22: input gate
            di = dC * self.C_tilde_cache[t]
            di_raw = di * self.i_gates[t] * (1 - self.i_gates[t])
            # TODO 23: forget gate
            df = dC * self.C_states[t]
            df_raw = df * self.f_gates[t] * (1 - self.f_gates[t])
            # TODO 24: next cell gradient
            dC_next = dC * self.f_gates[t]
            # TODO 25: weight gradients
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]])
            self.dWo += np.outer(do_raw, concat)
            self.dbo += do_raw
            self.dWc += np.outer(dc_raw, concat)
            self.dbc += dc_raw
            self.dWi += np.outer(di_raw, concat)
            self.dbi += di_raw
            self.dWf += np.outer(df_raw, concat)
            self.dbf += df_raw
            # TODO 26: next hidden gradient
            dconcat = self.Wo.T @ do_raw + self.Wc.T @ dc_raw + self.Wi.T @ di_raw + self.Wf.T @ df_raw
            dh_next = dconcat[:H]
        # TODO 27: clip
        for name in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by"):
            np.clip(getattr(self, "d" + name), -5, 5, out=getattr(self, "d" + name))
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28: update every parameter
        for name in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by"):
            setattr(self, name, getattr(self, name) - learning_rate * getattr(self, "d" + name))

"""EXPECT: FAIL TODO 1-5
QA attempt c6: biases kept as Python lists, not the NumPy arrays the exercise file makes.
The QA author's note follows.
Ex1 attempt c6: inputs_cache holds the integer ids (not one-hot), biases kept as Python
lists (rebuilt as lists on update), Adagrad memory in a list, backward returns (dh_next, dC_next)
and sets dW*/db* (db* as numpy arrays).
EXPECTED VERDICT: AMBIGUOUS -- maths correct; the stub's contract says 1-D bias arrays, so
Python lists for biases deviate from the stated contract. A FAIL on 'parameter shapes' with a
clear message would be acceptable; a traceback or a fail blaming maths would not.
"""
import math
import numpy as np


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        H, D = hidden_size, input_size
        # TODO 1
        self.Wf = np.random.randn(H, H + D) * 0.01
        self.bf = [1.0] * H
        # TODO 2-4
        self.Wi = np.random.randn(H, H + D) * 0.01; self.bi = [0.0] * H
        self.Wc = np.random.randn(H, H + D) * 0.01; self.bc = [0.0] * H
        self.Wo = np.random.randn(H, H + D) * 0.01; self.bo = [0.0] * H
        # TODO 5
        self.Wy = np.random.randn(output_size, H) * 0.01; self.by = [0.0] * output_size
        self.memory = None

    def forward(self, inputs, targets, h_prev, C_prev):
        sig = lambda a: 1 / (1 + np.exp(-a))
        self.targets = targets
        self.inputs_cache = []
        self.h_states = [np.array(h_prev, dtype=float)]
        self.C_states = [np.array(C_prev, dtype=float)]
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates, self.y_probs = [], [], [], [], []
        loss = 0.0
        for t, idx in enumerate(inputs):
            self.inputs_cache.append(idx)
            x = np.zeros(self.input_size); x[idx] = 1
            cat = np.hstack([self.h_states[t], x])  # TODO 6
            f = sig(self.Wf @ cat + np.array(self.bf))  # TODO 7
            i = sig(self.Wi @ cat + np.array(self.bi))  # TODO 8
            g = np.tanh(self.Wc @ cat + np.array(self.bc))  # TODO 9
            C = f * self.C_states[t] + i * g  # TODO 10
            o = sig(self.Wo @ cat + np.array(self.bo))  # TODO 11
            h = o * np.tanh(C)  # TODO 12
            y = self.Wy @ h + np.array(self.by)  # TODO 13
            p = np.exp(y - max(y)); p = p / p.sum()  # TODO 14
            loss += -math.log(p[targets[t]])  # TODO 15
            self.f_gates.append(f); self.i_gates.append(i); self.C_tilde_cache.append(g); self.o_gates.append(o)
            self.h_states.append(h); self.C_states.append(C); self.y_probs.append(p)
        return loss

    def backward(self):
        H = self.hidden_size
        self.dWf, self.dWi, self.dWc, self.dWo = (np.zeros_like(self.Wf) for _ in range(4))
        self.dWy = np.zeros_like(self.Wy)
        self.dbf, self.dbi, self.dbc, self.dbo = (np.zeros(H) for _ in range(4))
        self.dby = np.zeros(self.output_size)
        dh_next = np.zeros(H); dC_next = np.zeros(H)
        for t in reversed(range(len(self.inputs_cache))):
            dy = self.y_probs[t].copy(); dy[self.targets[t]] -= 1  # TODO 16
            self.dWy += np.outer(dy, self.h_states[t + 1]); self.dby += dy  # TODO 17
            dh = self.Wy.T @ dy + dh_next  # TODO 18
            o, f, i, g = self.o_gates[t], self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t]
            Ct = self.C_states[t + 1]
            do = dh * np.tanh(Ct) * o * (1 - o)  # TODO 19
            dC = dh * o * (1 - np.tanh(Ct) ** 2) + dC_next  # TODO 20
            dg = dC * i * (1 - g ** 2)  # TODO 21
            di = dC * g * i * (1 - i)  # TODO 22
            df = dC * self.C_states[t] * f * (1 - f)  # TODO 23
            dC_next = dC * f  # TODO 24
            x = np.zeros(self.input_size); x[self.inputs_cache[t]] = 1
            cat = np.hstack([self.h_states[t], x])
            self.dWf += np.outer(df, cat); self.dWi += np.outer(di, cat)  # TODO 25
            self.dWc += np.outer(dg, cat); self.dWo += np.outer(do, cat)
            self.dbf += df; self.dbi += di; self.dbc += dg; self.dbo += do
            dh_next = (self.Wf.T @ df + self.Wi.T @ di + self.Wc.T @ dg + self.Wo.T @ do)[:H]  # TODO 26
        for nm in ("dWf", "dWi", "dWc", "dWo", "dWy", "dbf", "dbi", "dbc", "dbo", "dby"):
            setattr(self, nm, np.clip(getattr(self, nm), -5, 5))  # TODO 27
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        names = ("Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by")
        if self.memory is None:
            self.memory = [np.zeros(np.shape(getattr(self, n))) for n in names]
        for k, n in enumerate(names):  # TODO 28
            d = getattr(self, "d" + n)
            self.memory[k] += d * d
            new = np.asarray(getattr(self, n), dtype=float) - learning_rate * d / np.sqrt(self.memory[k] + 1e-8)
            setattr(self, n, new.tolist() if n.startswith("b") else new)


def test_lstm():
    text = "hellohellohello"
    ch = sorted(set(text)); c2i = {c: i for i, c in enumerate(ch)}
    lstm = LSTMFromScratch(4, 10, 4)
    inputs = [c2i[c] for c in text[:5]]; targets = [c2i[c] for c in text[1:6]]
    h = np.zeros(10); C = np.zeros(10)
    for _ in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward(); lstm.update_weights(0.01)
        h = lstm.h_states[-1].copy(); C = lstm.C_states[-1].copy()
    print(f"loss: {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

"""EXPECT: FAIL TODO 6
QA attempt b14: the one-hot x_t is built from inputs[0] at every step.
The QA author's note follows.
Ex1 attempt b14_x_always_first_input (c1 style).
BUG at TODO 6: one-hot x_t built from inputs[0] at every step (only visible over several steps).
EXPECTED VERDICT: FAIL, first FAIL row should name TODO 6.
"""
import numpy as np
np.random.seed(42)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500, 500)))


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        H, D, O = hidden_size, input_size, output_size
        # TODO 1: forget gate
        self.Wf = np.random.randn(H, H + D) * 0.01
        self.bf = np.ones(H)
        # TODO 2: input gate
        self.Wi = np.random.randn(H, H + D) * 0.01
        self.bi = np.zeros(H)
        # TODO 3: candidate
        self.Wc = np.random.randn(H, H + D) * 0.01
        self.bc = np.zeros(H)
        # TODO 4: output gate
        self.Wo = np.random.randn(H, H + D) * 0.01
        self.bo = np.zeros(H)
        # TODO 5: output layer
        self.Wy = np.random.randn(O, H) * 0.01
        self.by = np.zeros(O)
        self.names = ["Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by"]
        self.mem = {n: np.zeros_like(getattr(self, n)) for n in self.names}

    def forward(self, inputs, targets, h_prev, C_prev):
        self.targets = targets
        self.inputs_cache = []
        self.h_states = [h_prev.copy()]
        self.C_states = [C_prev.copy()]
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates = [], [], [], []
        self.y_probs = []
        loss = 0.0
        for t, idx in enumerate(inputs):
            x = np.zeros(self.input_size)
            x[inputs[0]] = 1
            self.inputs_cache.append(x)
            # TODO 6
            concat = np.concatenate([self.h_states[t], x])
            # TODO 7
            f = sigmoid(self.Wf @ concat + self.bf)
            # TODO 8
            i = sigmoid(self.Wi @ concat + self.bi)
            # TODO 9
            Ct = np.tanh(self.Wc @ concat + self.bc)
            # TODO 10
            C = f * self.C_states[t] + i * Ct
            # TODO 11
            o = sigmoid(self.Wo @ concat + self.bo)
            # TODO 12
            h = o * np.tanh(C)
            # TODO 13
            y = self.Wy @ h + self.by
            # TODO 14
            e = np.exp(y - y.max())
            p = e / e.sum()
            # TODO 15
            loss += -np.log(p[targets[t]])
            self.f_gates.append(f); self.i_gates.append(i)
            self.C_tilde_cache.append(Ct); self.o_gates.append(o)
            self.h_states.append(h); self.C_states.append(C)
            self.y_probs.append(p)
        return loss

    def backward(self):
        H = self.hidden_size
        for n in self.names:
            setattr(self, "d" + n, np.zeros_like(getattr(self, n)))
        dh_next = np.zeros(H)
        dC_next = np.zeros(H)
        for t in reversed(range(len(self.inputs_cache))):
            # TODO 16
            dy = self.y_probs[t].copy()
            dy[self.targets[t]] -= 1
            # TODO 17
            self.dWy += np.outer(dy, self.h_states[t + 1])
            self.dby += dy
            # TODO 18
            dh = self.Wy.T @ dy + dh_next
            C = self.C_states[t + 1]
            o = self.o_gates[t]; f = self.f_gates[t]; i = self.i_gates[t]; Ct = self.C_tilde_cache[t]
            # TODO 19
            do = dh * np.tanh(C) * o * (1 - o)
            # TODO 20
            dC = dh * o * (1 - np.tanh(C) ** 2) + dC_next
            # TODO 21
            dCt = dC * i * (1 - Ct ** 2)
            # TODO 22
            di = dC * Ct * i * (1 - i)
            # TODO 23
            df = dC * self.C_states[t] * f * (1 - f)
            # TODO 24
            dC_next = dC * f
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]])
            # TODO 25
            self.dWo += np.outer(do, concat); self.dbo += do
            self.dWc += np.outer(dCt, concat); self.dbc += dCt
            self.dWi += np.outer(di, concat); self.dbi += di
            self.dWf += np.outer(df, concat); self.dbf += df
            # TODO 26
            dconcat = self.Wf.T @ df + self.Wi.T @ di + self.Wc.T @ dCt + self.Wo.T @ do
            dh_next = dconcat[:H]
        # TODO 27
        for n in self.names:
            np.clip(getattr(self, "d" + n), -5, 5, out=getattr(self, "d" + n))
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28: Adagrad
        for n in self.names:
            g = getattr(self, "d" + n)
            self.mem[n] += g * g
            p = getattr(self, n)
            p -= learning_rate * g / np.sqrt(self.mem[n] + 1e-8)


def test_lstm():
    text = "hellohellohello"
    chars = sorted(set(text))
    c2i = {c: i for i, c in enumerate(chars)}
    lstm = LSTMFromScratch(4, 10, 4)
    inputs = [c2i[c] for c in text[:5]]
    targets = [c2i[c] for c in text[1:6]]
    h = np.zeros(10); C = np.zeros(10)
    for it in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h = lstm.h_states[-1].copy(); C = lstm.C_states[-1].copy()
        if it % 20 == 0:
            print(f"iter {it} loss: {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

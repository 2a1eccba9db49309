"""EXPECT: FAIL TODO 24
QA attempt b08: dC_next = dC * f_gates[t-1] instead of f_gates[t].
The QA author's note follows.
Ex1 attempt b08_dCnext_wrong_step_f (based on my c2.py style).
BUG at TODO 24: dC_next = dC * f_{t-1} (f_gates[t-1]) instead of f_t; at t=0 wraps to the last step.
EXPECTED VERDICT: FAIL, first FAIL row should name TODO 24.
"""
import numpy as np


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        n = hidden_size + input_size
        # TODO 1
        self.Wf = np.random.randn(hidden_size, n) * 0.01
        self.bf = np.ones((hidden_size, 1))
        # TODO 2
        self.Wi = np.random.randn(hidden_size, n) * 0.01
        self.bi = np.zeros((hidden_size, 1))
        # TODO 3
        self.Wc = np.random.randn(hidden_size, n) * 0.01
        self.bc = np.zeros((hidden_size, 1))
        # TODO 4
        self.Wo = np.random.randn(hidden_size, n) * 0.01
        self.bo = np.zeros((hidden_size, 1))
        # TODO 5
        self.Wy = np.random.randn(output_size, hidden_size) * 0.01
        self.by = np.zeros((output_size, 1))
        self.mWf, self.mWi, self.mWc, self.mWo, self.mWy = [np.zeros_like(w) for w in (self.Wf, self.Wi, self.Wc, self.Wo, self.Wy)]
        self.mbf, self.mbi, self.mbc, self.mbo, self.mby = [np.zeros_like(b) for b in (self.bf, self.bi, self.bc, self.bo, self.by)]

    @staticmethod
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def forward(self, inputs, targets, h_prev, C_prev):
        H = self.hidden_size
        self.targets = list(targets)
        h = np.asarray(h_prev, dtype=float).reshape(H, 1)
        C = np.asarray(C_prev, dtype=float).reshape(H, 1)
        self.inputs_cache = []
        self.h_states = [h]
        self.C_states = [C]
        self.f_gates = []; self.i_gates = []; self.C_tilde_cache = []; self.o_gates = []
        self.y_probs = []
        loss = 0
        for t in range(len(inputs)):
            x = np.zeros((self.input_size, 1)); x[inputs[t]] = 1
            self.inputs_cache.append(x)
            concat = np.vstack((self.h_states[t], x))  # TODO 6
            f_t = self.sigmoid(np.dot(self.Wf, concat) + self.bf)  # TODO 7
            i_t = self.sigmoid(np.dot(self.Wi, concat) + self.bi)  # TODO 8
            C_tilde = np.tanh(np.dot(self.Wc, concat) + self.bc)  # TODO 9
            C_t = f_t * self.C_states[t] + i_t * C_tilde  # TODO 10
            o_t = self.sigmoid(np.dot(self.Wo, concat) + self.bo)  # TODO 11
            h_t = o_t * np.tanh(C_t)  # TODO 12
            y = np.dot(self.Wy, h_t) + self.by  # TODO 13
            p = np.exp(y - np.max(y)) / np.sum(np.exp(y - np.max(y)))  # TODO 14
            loss += -np.log(p[targets[t], 0])  # TODO 15
            self.f_gates.append(f_t); self.i_gates.append(i_t); self.C_tilde_cache.append(C_tilde)
            self.o_gates.append(o_t); self.h_states.append(h_t); self.C_states.append(C_t); self.y_probs.append(p)
        return float(loss)

    def backward(self):
        H = self.hidden_size
        self.dWf = np.zeros_like(self.Wf); self.dWi = np.zeros_like(self.Wi)
        self.dWc = np.zeros_like(self.Wc); self.dWo = np.zeros_like(self.Wo); self.dWy = np.zeros_like(self.Wy)
        self.dbf = np.zeros_like(self.bf); self.dbi = np.zeros_like(self.bi)
        self.dbc = np.zeros_like(self.bc); self.dbo = np.zeros_like(self.bo); self.dby = np.zeros_like(self.by)
        dh_next = np.zeros((H, 1)); dC_next = np.zeros((H, 1))
        for t in reversed(range(len(self.targets))):
            dy = np.copy(self.y_probs[t]); dy[self.targets[t]] -= 1  # TODO 16
            self.dWy += np.dot(dy, self.h_states[t + 1].T); self.dby += dy  # TODO 17
            dh = np.dot(self.Wy.T, dy) + dh_next  # TODO 18
            tC = np.tanh(self.C_states[t + 1])
            do = dh * tC * self.o_gates[t] * (1 - self.o_gates[t])  # TODO 19
            dC = dh * self.o_gates[t] * (1 - tC ** 2) + dC_next  # TODO 20
            dC_tilde = dC * self.i_gates[t] * (1 - self.C_tilde_cache[t] ** 2)  # TODO 21
            di = dC * self.C_tilde_cache[t] * self.i_gates[t] * (1 - self.i_gates[t])  # TODO 22
            df = dC * self.C_states[t] * self.f_gates[t] * (1 - self.f_gates[t])  # TODO 23
            dC_next = dC * self.f_gates[t - 1]  # TODO 24
            concat = np.vstack((self.h_states[t], self.inputs_cache[t]))
            self.dWo += do @ concat.T; self.dWc += dC_tilde @ concat.T  # TODO 25
            self.dWi += di @ concat.T; self.dWf += df @ concat.T
            self.dbo += do; self.dbc += dC_tilde; self.dbi += di; self.dbf += df
            dh_next = (self.Wf.T @ df + self.Wi.T @ di + self.Wc.T @ dC_tilde + self.Wo.T @ do)[:H]  # TODO 26
        for d in [self.dWf, self.dWi, self.dWc, self.dWo, self.dWy, self.dbf, self.dbi, self.dbc, self.dbo, self.dby]:
            np.clip(d, -5, 5, out=d)  # TODO 27
        return dh_next.ravel(), dC_next.ravel()

    def update_weights(self, learning_rate):
        # TODO 28
        for p, d, m in zip([self.Wf, self.Wi, self.Wc, self.Wo, self.Wy, self.bf, self.bi, self.bc, self.bo, self.by],
                           [self.dWf, self.dWi, self.dWc, self.dWo, self.dWy, self.dbf, self.dbi, self.dbc, self.dbo, self.dby],
                           [self.mWf, self.mWi, self.mWc, self.mWo, self.mWy, self.mbf, self.mbi, self.mbc, self.mbo, self.mby]):
            m += d * d
            p += -learning_rate * d / np.sqrt(m + 1e-8)


def test_lstm():
    data = "hellohellohello"
    vocab = sorted(set(data)); ix = {c: i for i, c in enumerate(vocab)}
    lstm = LSTMFromScratch(len(vocab), 10, len(vocab))
    inputs = [ix[c] for c in data[:5]]; targets = [ix[c] for c in data[1:6]]
    h = np.zeros(10); C = np.zeros(10)
    for n in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h = lstm.h_states[-1].copy(); C = lstm.C_states[-1].copy()
    print(f"final loss: {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

"""EXPECT: FAIL TODO 1
(H, 1) column style; the forget-gate bias starts at zeros instead of ones (everything else is right).
"""
import numpy as np


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # same function, never overflows


def softmax(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        H, D, O = hidden_size, input_size, output_size
        # TODO 1: forget gate parameters
        self.Wf = np.random.randn(H, H + D) * 0.01
        self.bf = np.zeros((H, 1))
        # TODO 2: input gate parameters
        self.Wi = np.random.randn(H, H + D) * 0.01
        self.bi = np.zeros((H, 1))
        # TODO 3: candidate parameters
        self.Wc = np.random.randn(H, H + D) * 0.01
        self.bc = np.zeros((H, 1))
        # TODO 4: output gate parameters
        self.Wo = np.random.randn(H, H + D) * 0.01
        self.bo = np.zeros((H, 1))
        # TODO 5: output layer
        self.Wy = np.random.randn(O, H) * 0.01
        self.by = np.zeros((O, 1))
        self.mWf, self.mWi, self.mWc, self.mWo, self.mWy = [np.zeros_like(w) for w in
                                                             (self.Wf, self.Wi, self.Wc, self.Wo, self.Wy)]
        self.mbf, self.mbi, self.mbc, self.mbo, self.mby = [np.zeros_like(b) for b in
                                                             (self.bf, self.bi, self.bc, self.bo, self.by)]

    def forward(self, inputs, targets, h_prev, C_prev):
        h_prev = np.asarray(h_prev, dtype=float).reshape(-1, 1)
        C_prev = np.asarray(C_prev, dtype=float).reshape(-1, 1)
        self.targets = targets
        self.inputs_cache = []
        self.h_states, self.C_states = [h_prev], [C_prev]
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates, self.y_probs = [], [], [], [], []
        loss = 0.0
        for t in range(len(inputs)):
            x_t = np.zeros((self.input_size, 1))
            x_t[inputs[t]] = 1
            self.inputs_cache.append(x_t)
            # TODO 6: stack h on top of x
            concat = np.vstack((h_prev, x_t))
            # TODO 7
            f_t = sigmoid(self.Wf @ concat + self.bf)
            # TODO 8
            i_t = sigmoid(self.Wi @ concat + self.bi)
            # TODO 9
            C_tilde = np.tanh(self.Wc @ concat + self.bc)
            # TODO 10
            C_t = f_t * C_prev + i_t * C_tilde
            # TODO 11
            o_t = sigmoid(self.Wo @ concat + self.bo)
            # TODO 12
            h_t = o_t * np.tanh(C_t)
            # TODO 13
            y_t = self.Wy @ h_t + self.by
            # TODO 14
            p_t = softmax(y_t)
            # TODO 15
            loss += -np.log(p_t[targets[t], 0])
            self.f_gates.append(f_t); self.i_gates.append(i_t); self.C_tilde_cache.append(C_tilde)
            self.o_gates.append(o_t); self.h_states.append(h_t); self.C_states.append(C_t)
            self.y_probs.append(p_t)
            h_prev, C_prev = h_t, C_t
        return loss

    def backward(self):
        H = self.hidden_size
        self.dWf, self.dWi, self.dWc, self.dWo = [np.zeros_like(w) for w in (self.Wf, self.Wi, self.Wc, self.Wo)]
        self.dbf, self.dbi, self.dbc, self.dbo = [np.zeros((H, 1)) for _ in range(4)]
        self.dWy, self.dby = np.zeros_like(self.Wy), np.zeros_like(self.by)
        dh_next = np.zeros((H, 1))
        dC_next = np.zeros((H, 1))
        for t in reversed(range(len(self.inputs_cache))):
            # TODO 16
            dy = self.y_probs[t].copy()
            dy[self.targets[t]] -= 1
            # TODO 17
            self.dWy += dy @ self.h_states[t + 1].T
            self.dby += dy
            # TODO 18
            dh = self.Wy.T @ dy + dh_next
            C_t, C_prev = self.C_states[t + 1], self.C_states[t]
            f_t, i_t, C_tilde, o_t = self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t]
            # TODO 19
            do = dh * np.tanh(C_t) * o_t * (1 - o_t)
            # TODO 20
            dC = dh * o_t * (1 - np.tanh(C_t) ** 2) + dC_next
            # TODO 21
            dC_tilde = dC * i_t * (1 - C_tilde ** 2)
            # TODO 22
            di = dC * C_tilde * i_t * (1 - i_t)
            # TODO 23
            df = dC * C_prev * f_t * (1 - f_t)
            # TODO 24
            dC_next = dC * f_t
            # TODO 25
            concat = np.vstack((self.h_states[t], self.inputs_cache[t]))
            self.dWo += do @ concat.T
            self.dWc += dC_tilde @ concat.T
            self.dWi += di @ concat.T
            self.dWf += df @ concat.T
            self.dbo += do; self.dbc += dC_tilde; self.dbi += di; self.dbf += df
            # TODO 26
            dconcat = self.Wo.T @ do + self.Wc.T @ dC_tilde + self.Wi.T @ di + self.Wf.T @ df
            dh_next = dconcat[:H, :]
        # TODO 27
        for g in (self.dWf, self.dWi, self.dWc, self.dWo, self.dWy, self.dbf, self.dbi, self.dbc, self.dbo, self.dby):
            np.clip(g, -5, 5, out=g)
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28: Adagrad, as in the course's implementation.py
        for p, d, m in zip([self.Wf, self.Wi, self.Wc, self.Wo, self.Wy, self.bf, self.bi, self.bc, self.bo, self.by],
                           [self.dWf, self.dWi, self.dWc, self.dWo, self.dWy, self.dbf, self.dbi, self.dbc, self.dbo, self.dby],
                           [self.mWf, self.mWi, self.mWc, self.mWo, self.mWy, self.mbf, self.mbi, self.mbc, self.mbo, self.mby]):
            m += d * d
            p -= learning_rate * d / np.sqrt(m + 1e-8)


def test_lstm():
    text = "hellohellohello"
    chars = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(chars)}
    vocab_size, hidden_size = len(chars), 10
    lstm = LSTMFromScratch(vocab_size, hidden_size, vocab_size)
    inputs = [char_to_idx[ch] for ch in text[:5]]
    targets = [char_to_idx[ch] for ch in text[1:6]]
    h = np.zeros(hidden_size)
    C = np.zeros(hidden_size)
    for i in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h = lstm.h_states[-1].copy()
        C = lstm.C_states[-1].copy()
        if i % 10 == 0:
            print(f"Iteration {i}, Loss: {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

"""EXPECT: pass
inputs_cache keeps the character ids (one-hot rebuilt in backward), states and gates in preallocated (T, H) arrays, and a naive 1/(1+exp(-x)) sigmoid; plain SGD.
"""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        Z = input_size + hidden_size
        # TODO 1: forget gate weights, bias 1 so the cell remembers at the start
        self.Wf = 0.01 * np.random.randn(hidden_size, Z)
        self.bf = np.ones(hidden_size)
        # TODO 2: input gate
        self.Wi = 0.01 * np.random.randn(hidden_size, Z)
        self.bi = np.zeros(hidden_size)
        # TODO 3: candidate cell
        self.Wc = 0.01 * np.random.randn(hidden_size, Z)
        self.bc = np.zeros(hidden_size)
        # TODO 4: output gate
        self.Wo = 0.01 * np.random.randn(hidden_size, Z)
        self.bo = np.zeros(hidden_size)
        # TODO 5: hidden -> output
        self.Wy = 0.01 * np.random.randn(output_size, hidden_size)
        self.by = np.zeros(output_size)

    def forward(self, inputs, targets, h_prev, C_prev):
        T, H, D = len(inputs), self.hidden_size, self.input_size
        self.inputs_cache = np.array(inputs, dtype=int)
        self.targets = np.array(targets, dtype=int)
        self.h_states = np.zeros((T + 1, H))
        self.C_states = np.zeros((T + 1, H))
        self.h_states[0], self.C_states[0] = h_prev, C_prev
        self.f_gates = np.zeros((T, H))
        self.i_gates = np.zeros((T, H))
        self.C_tilde_cache = np.zeros((T, H))
        self.o_gates = np.zeros((T, H))
        self.y_probs = np.zeros((T, self.output_size))
        loss = 0.0
        for t in range(T):
            x_t = np.zeros(D)
            x_t[inputs[t]] = 1.0
            # TODO 6: [h_{t-1}, x_t]
            concat = np.concatenate([self.h_states[t], x_t])
            # TODO 7
            self.f_gates[t] = sigmoid(self.Wf @ concat + self.bf)
            # TODO 8
            self.i_gates[t] = sigmoid(self.Wi @ concat + self.bi)
            # TODO 9
            self.C_tilde_cache[t] = np.tanh(self.Wc @ concat + self.bc)
            # TODO 10
            self.C_states[t + 1] = self.f_gates[t] * self.C_states[t] + self.i_gates[t] * self.C_tilde_cache[t]
            # TODO 11
            self.o_gates[t] = sigmoid(self.Wo @ concat + self.bo)
            # TODO 12
            self.h_states[t + 1] = self.o_gates[t] * np.tanh(self.C_states[t + 1])
            # TODO 13
            y = self.Wy @ self.h_states[t + 1] + self.by
            # TODO 14
            y = y - y.max()
            self.y_probs[t] = np.exp(y) / np.exp(y).sum()
            # TODO 15
            loss -= np.log(self.y_probs[t, targets[t]])
        return loss

    def backward(self):
        T, H, D = len(self.inputs_cache), self.hidden_size, self.input_size
        self.dWf, self.dWi = np.zeros_like(self.Wf), np.zeros_like(self.Wi)
        self.dWc, self.dWo = np.zeros_like(self.Wc), np.zeros_like(self.Wo)
        self.dWy, self.dby = np.zeros_like(self.Wy), np.zeros_like(self.by)
        self.dbf, self.dbi = np.zeros_like(self.bf), np.zeros_like(self.bi)
        self.dbc, self.dbo = np.zeros_like(self.bc), np.zeros_like(self.bo)
        dh_next, dC_next = np.zeros(H), np.zeros(H)
        for t in reversed(range(T)):
            # TODO 16
            dy = self.y_probs[t].copy()
            dy[self.targets[t]] -= 1
            # TODO 17
            self.dWy += np.outer(dy, self.h_states[t + 1])
            self.dby += dy
            # TODO 18
            dh = self.Wy.T @ dy + dh_next
            f, i = self.f_gates[t], self.i_gates[t]
            c, o = self.C_tilde_cache[t], self.o_gates[t]
            tanhC = np.tanh(self.C_states[t + 1])
            # TODO 19
            do = dh * tanhC * o * (1 - o)
            # TODO 20
            dC = dC_next + dh * o * (1 - tanhC ** 2)
            # TODO 21
            dC_tilde = dC * i * (1 - c ** 2)
            # TODO 22
            di = dC * c * i * (1 - i)
            # TODO 23
            df = dC * self.C_states[t] * f * (1 - f)
            # TODO 24
            dC_next = dC * f
            # TODO 25
            x_t = np.zeros(D)
            x_t[self.inputs_cache[t]] = 1.0
            concat = np.concatenate([self.h_states[t], x_t])
            self.dWf += np.outer(df, concat); self.dbf += df
            self.dWi += np.outer(di, concat); self.dbi += di
            self.dWc += np.outer(dC_tilde, concat); self.dbc += dC_tilde
            self.dWo += np.outer(do, concat); self.dbo += do
            # TODO 26
            dh_next = (self.Wf.T @ df + self.Wi.T @ di + self.Wc.T @ dC_tilde + self.Wo.T @ do)[:H]
        # TODO 27
        for g in (self.dWf, self.dWi, self.dWc, self.dWo, self.dWy,
                  self.dbf, self.dbi, self.dbc, self.dbo, self.dby):
            np.clip(g, -5, 5, out=g)
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28: SGD
        self.Wf -= learning_rate * self.dWf
        self.Wi -= learning_rate * self.dWi
        self.Wc -= learning_rate * self.dWc
        self.Wo -= learning_rate * self.dWo
        self.Wy -= learning_rate * self.dWy
        self.bf -= learning_rate * self.dbf
        self.bi -= learning_rate * self.dbi
        self.bc -= learning_rate * self.dbc
        self.bo -= learning_rate * self.dbo
        self.by -= learning_rate * self.dby


def test_lstm():
    text = "hellohellohello"
    chars = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(chars)}
    lstm = LSTMFromScratch(4, 10, 4)
    inputs = [char_to_idx[ch] for ch in text[:5]]
    targets = [char_to_idx[ch] for ch in text[1:6]]
    h, C = np.zeros(10), np.zeros(10)
    for iteration in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h, C = lstm.h_states[-1].copy(), lstm.C_states[-1].copy()
        if iteration % 10 == 0:
            print(f"Iteration {iteration}: loss = {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

"""EXPECT: FAIL TODO 7
The forget gate uses tanh instead of a sigmoid; the backward pass still uses the sigmoid derivative f(1-f).
"""
import numpy as np

PARAMS = ("Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by")


def sigmoid(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        n = hidden_size + input_size
        # TODO 1: Initialize forget gate weights
        self.Wf = np.random.randn(hidden_size, n) * 0.01
        self.bf = np.ones(hidden_size)  # forget bias 1
        # TODO 2: Initialize input gate weights
        self.Wi = np.random.randn(hidden_size, n) * 0.01
        self.bi = np.zeros(hidden_size)
        # TODO 3: Initialize candidate weights
        self.Wc = np.random.randn(hidden_size, n) * 0.01
        self.bc = np.zeros(hidden_size)
        # TODO 4: Initialize output gate weights
        self.Wo = np.random.randn(hidden_size, n) * 0.01
        self.bo = np.zeros(hidden_size)
        # TODO 5: Initialize output layer
        self.Wy = np.random.randn(output_size, hidden_size) * 0.01
        self.by = np.zeros(output_size)
        self.grads = {}
        self.memory = {k: np.zeros_like(getattr(self, k)) for k in PARAMS}

    def forward(self, inputs, targets, h_prev, C_prev):
        self.targets = list(targets)
        self.inputs_cache, self.h_states, self.C_states = [], [h_prev], [C_prev]
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates, self.y_probs = [], [], [], [], []
        loss = 0
        for t, idx in enumerate(inputs):
            x_t = np.eye(self.input_size)[idx]
            self.inputs_cache.append(x_t)
            # TODO 6: concatenation
            concat = np.hstack((h_prev, x_t))
            # TODO 7: forget gate
            f_t = np.tanh(np.dot(self.Wf, concat) + self.bf)
            # TODO 8: input gate
            i_t = sigmoid(np.dot(self.Wi, concat) + self.bi)
            # TODO 9: candidate
            C_tilde = np.tanh(np.dot(self.Wc, concat) + self.bc)
            # TODO 10: cell state
            C_prev = f_t * C_prev + i_t * C_tilde
            # TODO 11: output gate
            o_t = sigmoid(np.dot(self.Wo, concat) + self.bo)
            # TODO 12: hidden state
            h_prev = o_t * np.tanh(C_prev)
            # TODO 13: logits
            logits = np.dot(self.Wy, h_prev) + self.by
            # TODO 14: softmax
            shifted = np.exp(logits - logits.max())
            probs = shifted / shifted.sum()
            # TODO 15: loss
            loss += -np.log(probs[targets[t]])
            for store, v in ((self.f_gates, f_t), (self.i_gates, i_t), (self.C_tilde_cache, C_tilde),
                             (self.o_gates, o_t), (self.h_states, h_prev), (self.C_states, C_prev),
                             (self.y_probs, probs)):
                store.append(v)
        return loss

    def backward(self):
        g = {k: np.zeros_like(getattr(self, k)) for k in PARAMS}
        H = self.hidden_size
        dh_next, dC_next = np.zeros(H), np.zeros(H)
        for t in range(len(self.inputs_cache) - 1, -1, -1):
            # TODO 16: output gradient
            dy = np.copy(self.y_probs[t])
            dy[self.targets[t]] -= 1
            # TODO 17: output layer
            g["Wy"] += np.outer(dy, self.h_states[t + 1])
            g["by"] += dy
            # TODO 18: hidden state gradient
            dh = np.dot(self.Wy.T, dy) + dh_next
            tanh_C = np.tanh(self.C_states[t + 1])
            o, i, f, c = self.o_gates[t], self.i_gates[t], self.f_gates[t], self.C_tilde_cache[t]
            # TODO 19: output gate gradient (pre-activation)
            do = dh * tanh_C * o * (1 - o)
            # TODO 20: cell gradient
            dC = dh * o * (1 - tanh_C ** 2) + dC_next
            # TODO 21: candidate gradient
            dc = dC * i * (1 - c ** 2)
            # TODO 22: input gate gradient
            di = dC * c * i * (1 - i)
            # TODO 23: forget gate gradient
            df = dC * self.C_states[t] * f * (1 - f)
            # TODO 24: next cell gradient
            dC_next = dC * f
            # TODO 25: weight gradients
            concat = np.hstack((self.h_states[t], self.inputs_cache[t]))
            for gate, d in (("o", do), ("c", dc), ("i", di), ("f", df)):
                g["W" + gate] += np.outer(d, concat)
                g["b" + gate] += d
            # TODO 26: next hidden gradient
            dconcat = (np.dot(self.Wf.T, df) + np.dot(self.Wi.T, di)
                       + np.dot(self.Wc.T, dc) + np.dot(self.Wo.T, do))
            dh_next = dconcat[:H]
        # TODO 27: clip
        for k in g:
            g[k] = np.clip(g[k], -5, 5)
        self.grads = g
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28: Adagrad update
        for k in PARAMS:
            d = self.grads[k]
            self.memory[k] += d * d
            setattr(self, k, getattr(self, k) - learning_rate * d / (np.sqrt(self.memory[k]) + 1e-8))


def test_lstm():
    data = "hellohellohello"
    vocab = sorted(set(data))
    ix = {ch: i for i, ch in enumerate(vocab)}
    lstm = LSTMFromScratch(len(vocab), 10, len(vocab))
    inputs = [ix[ch] for ch in data[:5]]
    targets = [ix[ch] for ch in data[1:6]]
    h, C = np.zeros(10), np.zeros(10)
    for it in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h, C = lstm.h_states[-1].copy(), lstm.C_states[-1].copy()
        if it % 20 == 0 or it == 99:
            print(f"Iteration {it}, loss: {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

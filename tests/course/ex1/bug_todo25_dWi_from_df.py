"""EXPECT: FAIL TODO 25
Copy-paste slip in the weight gradients: dWi is built from df's pre-activation gradient instead of di's (dbi is right).
"""
import numpy as np


def sigmoid(x):
    # stable: exp of a non-positive number only
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class LSTMFromScratch:
    names = ["Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by"]

    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        H, D = hidden_size, input_size
        scale = 0.01
        # TODO 1: forget gate
        self.Wf = np.random.randn(H, H + D) * scale
        self.bf = np.ones(H)
        # TODO 2: input gate
        self.Wi = np.random.randn(H, H + D) * scale
        self.bi = np.zeros(H)
        # TODO 3: candidate
        self.Wc = np.random.randn(H, H + D) * scale
        self.bc = np.zeros(H)
        # TODO 4: output gate
        self.Wo = np.random.randn(H, H + D) * scale
        self.bo = np.zeros(H)
        # TODO 5: output layer
        self.Wy = np.random.randn(self.output_size, H) * scale
        self.by = np.zeros(self.output_size)
        self.adagrad_mem = [np.zeros_like(getattr(self, n)) for n in self.names]
        self.last_grads = None

    def forward(self, inputs, targets, h_prev, C_prev):
        T = len(inputs)
        self.targets = targets
        self.inputs_cache = []
        self.h_states = [np.array(h_prev, dtype=float)]
        self.C_states = [np.array(C_prev, dtype=float)]
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates = [], [], [], []
        self.y_probs = []
        total = 0.0
        for t in range(T):
            x = np.zeros(self.input_size)
            x[inputs[t]] = 1.0
            self.inputs_cache.append(x)
            h_last, C_last = self.h_states[-1], self.C_states[-1]
            # TODO 6: concat = [h_prev, x_t]
            concat = np.concatenate((h_last, x)).reshape(-1, 1)
            # TODO 7: f_t
            f = sigmoid(np.dot(self.Wf, concat).ravel() + self.bf)
            # TODO 8: i_t
            i = sigmoid(np.dot(self.Wi, concat).ravel() + self.bi)
            # TODO 9: C_tilde
            c = np.tanh(np.dot(self.Wc, concat).ravel() + self.bc)
            # TODO 10: C_t
            C = f * C_last + i * c
            # TODO 11: o_t
            o = sigmoid(np.dot(self.Wo, concat).ravel() + self.bo)
            # TODO 12: h_t
            h = o * np.tanh(C)
            # TODO 13: y_t
            y = np.dot(self.Wy, h.reshape(-1, 1)).ravel() + self.by
            # TODO 14: softmax
            p = np.exp(y - y.max())
            p = p / p.sum()
            # TODO 15: loss
            total -= np.log(p[targets[t]])
            self.f_gates.append(f); self.i_gates.append(i)
            self.C_tilde_cache.append(c); self.o_gates.append(o)
            self.h_states.append(h); self.C_states.append(C)
            self.y_probs.append(p)
        return float(total)

    def backward(self):
        grads = {n: np.zeros_like(getattr(self, n)) for n in self.names}
        H = self.hidden_size
        dh_next = np.zeros(H)
        dC_next = np.zeros(H)
        for t in reversed(range(len(self.inputs_cache))):
            # TODO 16: dy
            dy = self.y_probs[t].copy()
            dy[self.targets[t]] -= 1.0
            h = self.h_states[t + 1]
            # TODO 17: dWy, dby
            grads["Wy"] += np.dot(dy.reshape(-1, 1), h.reshape(1, -1))
            grads["by"] += dy
            # TODO 18: dh
            dh = np.dot(self.Wy.T, dy) + dh_next
            f, i, c, o = self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t]
            tC = np.tanh(self.C_states[t + 1])
            # TODO 19: do
            do = dh * tC * o * (1.0 - o)
            # TODO 20: dC
            dC = dh * o * (1.0 - tC * tC) + dC_next
            # TODO 21: dC_tilde
            dc = dC * i * (1.0 - c * c)
            # TODO 22: di
            di = dC * c * i * (1.0 - i)
            # TODO 23: df
            df = dC * self.C_states[t] * f * (1.0 - f)
            # TODO 24: dC_next
            dC_next = f * dC
            # TODO 25: weight gradients
            concat_row = np.concatenate((self.h_states[t], self.inputs_cache[t])).reshape(1, -1)
            grads["Wo"] += np.dot(do.reshape(-1, 1), concat_row)
            grads["Wc"] += np.dot(dc.reshape(-1, 1), concat_row)
            grads["Wi"] += np.dot(df.reshape(-1, 1), concat_row)
            grads["Wf"] += np.dot(df.reshape(-1, 1), concat_row)
            grads["bo"] += do; grads["bc"] += dc; grads["bi"] += di; grads["bf"] += df
            # TODO 26: dh_next
            dh_next = (np.dot(self.Wo.T, do) + np.dot(self.Wc.T, dc)
                       + np.dot(self.Wi.T, di) + np.dot(self.Wf.T, df))[:H]
        # TODO 27: clip
        for n in grads:
            np.clip(grads[n], -5.0, 5.0, out=grads[n])
        self.last_grads = grads
        return dh_next, dC_next, grads

    def update_weights(self, learning_rate):
        # TODO 28: Adagrad
        for n, mem in zip(self.names, self.adagrad_mem):
            d = self.last_grads[n]
            mem += d ** 2
            getattr(self, n)[...] -= learning_rate * d / np.sqrt(mem + 1e-8)


def test_lstm():
    text = "hellohellohello"
    chars = sorted(set(text))
    to_id = {ch: k for k, ch in enumerate(chars)}
    V, H = len(chars), 10
    model = LSTMFromScratch(V, H, V)
    inputs = [to_id[ch] for ch in text[:5]]
    targets = [to_id[ch] for ch in text[1:6]]
    h, C = np.zeros(H), np.zeros(H)
    for step in range(100):
        loss = model.forward(inputs, targets, h, C)
        dh, dC, grads = model.backward()
        model.update_weights(0.01)
        h, C = model.h_states[-1].copy(), model.C_states[-1].copy()
        if step % 10 == 0:
            print(f"step {step:3d}  loss {loss:.4f}")
    print(f"last loss {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

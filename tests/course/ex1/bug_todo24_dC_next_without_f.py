"""EXPECT: FAIL TODO 24
Step-function style; the gradient passed to the previous cell state is dC itself, not dC * f_t.
"""
import numpy as np


def sigmoid(x):
    out = np.zeros_like(x, dtype=float)
    pos, neg = x >= 0, x < 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    out[neg] = np.exp(x[neg]) / (1 + np.exp(x[neg]))
    return out


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        H, D = hidden_size, input_size
        # TODO 1: Wf, bf (forget bias = 1)
        self.Wf, self.bf = np.random.randn(H, H + D) * 0.01, np.ones(H)
        # TODO 2: Wi, bi
        self.Wi, self.bi = np.random.randn(H, H + D) * 0.01, np.zeros(H)
        # TODO 3: Wc, bc
        self.Wc, self.bc = np.random.randn(H, H + D) * 0.01, np.zeros(H)
        # TODO 4: Wo, bo
        self.Wo, self.bo = np.random.randn(H, H + D) * 0.01, np.zeros(H)
        # TODO 5: Wy, by
        self.Wy, self.by = np.random.randn(output_size, H) * 0.01, np.zeros(output_size)
        self.gradients = {}

    def step_forward(self, x, h_prev, C_prev):
        """x: (D,), h_prev, C_prev: (H,) -> h, C, cache"""
        # TODO 6
        concat = np.concatenate((h_prev, x))
        # TODO 7
        f = sigmoid(self.Wf @ concat + self.bf)
        # TODO 8
        i = sigmoid(self.Wi @ concat + self.bi)
        # TODO 9
        C_tilde = np.tanh(self.Wc @ concat + self.bc)
        # TODO 10
        C = f * C_prev + i * C_tilde
        # TODO 11
        o = sigmoid(self.Wo @ concat + self.bo)
        # TODO 12
        h = o * np.tanh(C)
        return h, C, (concat, f, i, C_tilde, o, C_prev, C)

    def step_backward(self, dh, dC_next, cache, g):
        concat, f, i, C_tilde, o, C_prev, C = cache
        tC = np.tanh(C)
        # TODO 19
        do = dh * tC * o * (1 - o)
        # TODO 20
        dC = dC_next + dh * o * (1 - tC ** 2)
        # TODO 21
        dC_tilde = dC * i * (1 - C_tilde ** 2)
        # TODO 22
        di = dC * C_tilde * i * (1 - i)
        # TODO 23
        df = dC * C_prev * f * (1 - f)
        # TODO 25
        for key, d in (("f", df), ("i", di), ("c", dC_tilde), ("o", do)):
            g["W" + key] += np.outer(d, concat)
            g["b" + key] += d
        # TODO 26
        dconcat = self.Wf.T @ df + self.Wi.T @ di + self.Wc.T @ dC_tilde + self.Wo.T @ do
        # TODO 24
        return dconcat[:self.hidden_size], dC

    def forward(self, inputs, targets, h_prev, C_prev):
        self.targets = targets
        self.inputs_cache, self.step_caches, self.y_probs = [], [], []
        self.h_states, self.C_states = [h_prev], [C_prev]
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates = [], [], [], []
        loss = 0.0
        for t, ix in enumerate(inputs):
            x = np.zeros(self.input_size)
            x[ix] = 1.0
            self.inputs_cache.append(x)
            h, C, cache = self.step_forward(x, self.h_states[-1], self.C_states[-1])
            self.step_caches.append(cache)
            self.h_states.append(h); self.C_states.append(C)
            self.f_gates.append(cache[1]); self.i_gates.append(cache[2])
            self.C_tilde_cache.append(cache[3]); self.o_gates.append(cache[4])
            # TODO 13
            y = self.Wy @ h + self.by
            # TODO 14
            p = np.exp(y - np.max(y))
            p /= p.sum()
            self.y_probs.append(p)
            # TODO 15
            loss -= np.log(p[targets[t]])
        return loss

    def backward(self):
        g = {k: np.zeros_like(getattr(self, k)) for k in ("Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by")}
        dh_next = np.zeros(self.hidden_size)
        dC_next = np.zeros(self.hidden_size)
        for t in reversed(range(len(self.step_caches))):
            # TODO 16
            dy = self.y_probs[t].copy()
            dy[self.targets[t]] -= 1
            # TODO 17
            g["Wy"] += np.outer(dy, self.h_states[t + 1])
            g["by"] += dy
            # TODO 18
            dh = self.Wy.T @ dy + dh_next
            dh_next, dC_next = self.step_backward(dh, dC_next, self.step_caches[t], g)
        # TODO 27
        self.gradients = {k: np.clip(v, -5, 5) for k, v in g.items()}
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28: plain gradient descent
        for k, grad in self.gradients.items():
            setattr(self, k, getattr(self, k) - learning_rate * grad)


def test_lstm():
    text = "hellohellohello"
    chars = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(chars)}
    lstm = LSTMFromScratch(len(chars), 10, len(chars))
    inputs = [char_to_idx[ch] for ch in text[:5]]
    targets = [char_to_idx[ch] for ch in text[1:6]]
    h, C = np.zeros(10), np.zeros(10)
    for iteration in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h, C = lstm.h_states[-1].copy(), lstm.C_states[-1].copy()
        if iteration % 10 == 0:
            print(f"Iteration {iteration}, Loss: {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

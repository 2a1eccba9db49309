"""EXPECT: pass
Keeps the four named weight matrices but computes all gates with one stacked matmul (np.vstack) and splits the gradient of the stacked pre-activations; Adagrad.
"""
import numpy as np


def sigmoid(a):
    a = np.clip(a, -500, 500)
    return 1.0 / (1.0 + np.exp(-a))


class LSTMFromScratch:
    PARAM_NAMES = ["Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by"]

    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        H, Z = hidden_size, hidden_size + input_size
        # TODO 1
        self.Wf = np.random.randn(H, Z) * 0.01
        self.bf = np.ones(H)
        # TODO 2
        self.Wi = np.random.randn(H, Z) * 0.01
        self.bi = np.zeros(H)
        # TODO 3
        self.Wc = np.random.randn(H, Z) * 0.01
        self.bc = np.zeros(H)
        # TODO 4
        self.Wo = np.random.randn(H, Z) * 0.01
        self.bo = np.zeros(H)
        # TODO 5
        self.Wy = np.random.randn(output_size, H) * 0.01
        self.by = np.zeros(output_size)
        self.ada = {n: np.zeros_like(getattr(self, n)) for n in self.PARAM_NAMES}

    def forward(self, inputs, targets, h_prev, C_prev):
        H, T = self.hidden_size, len(inputs)
        W = np.vstack([self.Wf, self.Wi, self.Wc, self.Wo])        # (4H, Z)
        b = np.concatenate([self.bf, self.bi, self.bc, self.bo])    # (4H,)
        self.targets = targets
        self.inputs_cache = np.eye(self.input_size)[inputs]         # (T, D) one-hot rows
        self.h_states = np.empty((T + 1, H)); self.h_states[0] = h_prev
        self.C_states = np.empty((T + 1, H)); self.C_states[0] = C_prev
        self.f_gates, self.i_gates = np.empty((T, H)), np.empty((T, H))
        self.C_tilde_cache, self.o_gates = np.empty((T, H)), np.empty((T, H))
        self.y_probs = np.empty((T, self.output_size))
        loss = 0.0
        for t in range(T):
            # TODO 6
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]])
            a = W @ concat + b
            # TODO 7
            self.f_gates[t] = sigmoid(a[:H])
            # TODO 8
            self.i_gates[t] = sigmoid(a[H:2 * H])
            # TODO 9
            self.C_tilde_cache[t] = np.tanh(a[2 * H:3 * H])
            # TODO 10
            self.C_states[t + 1] = self.f_gates[t] * self.C_states[t] + self.i_gates[t] * self.C_tilde_cache[t]
            # TODO 11
            self.o_gates[t] = sigmoid(a[3 * H:])
            # TODO 12
            self.h_states[t + 1] = self.o_gates[t] * np.tanh(self.C_states[t + 1])
            # TODO 13
            logits = self.Wy @ self.h_states[t + 1] + self.by
            # TODO 14
            z = np.exp(logits - logits.max())
            self.y_probs[t] = z / z.sum()
            # TODO 15
            loss += -np.log(self.y_probs[t][targets[t]])
        return loss

    def backward(self):
        H, T = self.hidden_size, len(self.targets)
        W = np.vstack([self.Wf, self.Wi, self.Wc, self.Wo])
        dW = np.zeros_like(W)
        db = np.zeros(4 * H)
        self.dWy, self.dby = np.zeros_like(self.Wy), np.zeros_like(self.by)
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
            f, i, c, o = self.f_gates[t], self.i_gates[t], self.C_tilde_cache[t], self.o_gates[t]
            tC = np.tanh(self.C_states[t + 1])
            da = np.empty(4 * H)
            # TODO 19
            da[3 * H:] = dh * tC * o * (1 - o)
            # TODO 20
            dC = dh * o * (1 - tC ** 2) + dC_next
            # TODO 21
            da[2 * H:3 * H] = dC * i * (1 - c ** 2)
            # TODO 22
            da[H:2 * H] = dC * c * i * (1 - i)
            # TODO 23
            da[:H] = dC * self.C_states[t] * f * (1 - f)
            # TODO 24
            dC_next = dC * f
            # TODO 25
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]])
            dW += np.outer(da, concat)
            db += da
            # TODO 26
            dh_next = (W.T @ da)[:H]
        self.dWf, self.dWi, self.dWc, self.dWo = np.split(dW, 4, axis=0)
        self.dbf, self.dbi, self.dbc, self.dbo = np.split(db, 4)
        # TODO 27
        for n in self.PARAM_NAMES:
            setattr(self, "d" + n, np.clip(getattr(self, "d" + n), -5, 5))
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28: Adagrad
        for n in self.PARAM_NAMES:
            grad = getattr(self, "d" + n)
            self.ada[n] += grad ** 2
            setattr(self, n, getattr(self, n) - learning_rate * grad / (np.sqrt(self.ada[n]) + 1e-8))


def test_lstm():
    text = "hellohellohello"
    chars = sorted(set(text))
    c2i = {c: i for i, c in enumerate(chars)}
    lstm = LSTMFromScratch(len(chars), 10, len(chars))
    inputs = [c2i[c] for c in text[:5]]
    targets = [c2i[c] for c in text[1:6]]
    h, C = np.zeros(10), np.zeros(10)
    for it in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h, C = lstm.h_states[-1].copy(), lstm.C_states[-1].copy()
        if it % 25 == 0 or it == 99:
            print(f"{it:3d}: loss={loss:.4f}")


if __name__ == "__main__":
    test_lstm()

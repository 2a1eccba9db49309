"""EXPECT: pass
Parameters live in one dict self.params (Wf ... by exposed as properties), per-step caches are tuples in one list, gradients in self.grads keyed "dWf" ..., and Adagrad d / (np.sqrt(mem) + 1e-8).
"""
import numpy as np

NAMES = ("Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by")


def sigmoid(x):
    return np.reciprocal(1.0 + np.exp(-np.clip(x, -50.0, 50.0)))


def _param(name):
    def get(self):
        return self.params[name]

    def set_(self, value):
        self.params[name] = value
    return property(get, set_)


class LSTMFromScratch:
    Wf, Wi, Wc, Wo, Wy = (_param(n) for n in NAMES[:5])
    bf, bi, bc, bo, by = (_param(n) for n in NAMES[5:])

    def __init__(self, input_size, hidden_size, output_size):
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        H, D, O = hidden_size, input_size, output_size
        self.params = {}
        # TODO 1: forget gate (bias 1)
        self.params["Wf"], self.params["bf"] = np.random.randn(H, H + D) * 0.01, np.ones(H)
        # TODO 2: input gate
        self.params["Wi"], self.params["bi"] = np.random.randn(H, H + D) * 0.01, np.zeros(H)
        # TODO 3: candidate
        self.params["Wc"], self.params["bc"] = np.random.randn(H, H + D) * 0.01, np.zeros(H)
        # TODO 4: output gate
        self.params["Wo"], self.params["bo"] = np.random.randn(H, H + D) * 0.01, np.zeros(H)
        # TODO 5: output layer
        self.params["Wy"], self.params["by"] = np.random.randn(O, H) * 0.01, np.zeros(O)
        self.grads = {}
        self.mem = {"d" + n: np.zeros_like(p) for n, p in self.params.items()}

    def forward(self, inputs, targets, h_prev, C_prev):
        P = self.params
        self.steps = []
        self.targets = list(targets)
        h, C = np.asarray(h_prev, float), np.asarray(C_prev, float)
        loss = 0.0
        for t, (x_id, y_id) in enumerate(zip(inputs, targets)):
            x = np.zeros(self.input_size)
            x[x_id] = 1.0
            # TODO 6
            hx = np.r_[h, x]
            # TODO 7
            f = sigmoid(P["Wf"].dot(hx) + P["bf"])
            # TODO 8
            i = sigmoid(P["Wi"].dot(hx) + P["bi"])
            # TODO 9
            g = np.tanh(P["Wc"].dot(hx) + P["bc"])
            # TODO 10
            C_new = f * C + i * g
            # TODO 11
            o = sigmoid(P["Wo"].dot(hx) + P["bo"])
            # TODO 12
            h_new = o * np.tanh(C_new)
            # TODO 13
            logits = P["Wy"].dot(h_new) + P["by"]
            # TODO 14
            prob = np.exp(logits - logits.max())
            prob /= prob.sum()
            # TODO 15
            loss += -np.log(prob[y_id])
            self.steps.append((hx, f, i, g, o, C, C_new, h_new, prob))
            h, C = h_new, C_new
        return loss

    def backward(self):
        P, H = self.params, self.hidden_size
        grads = {"d" + n: np.zeros_like(p) for n, p in P.items()}
        dh_next, dC_next = np.zeros(H), np.zeros(H)
        for t in range(len(self.steps) - 1, -1, -1):
            hx, f, i, g, o, C_old, C_new, h_new, prob = self.steps[t]
            # TODO 16
            dy = prob.copy()
            dy[self.targets[t]] -= 1.0
            # TODO 17
            grads["dWy"] += dy[:, None] * h_new[None, :]
            grads["dby"] += dy
            # TODO 18
            dh = P["Wy"].T.dot(dy) + dh_next
            tC = np.tanh(C_new)
            # TODO 19
            do = dh * tC * o * (1 - o)
            # TODO 20
            dC = dh * o * (1 - tC ** 2) + dC_next
            # TODO 21
            dg = dC * i * (1 - g ** 2)
            # TODO 22
            di = dC * g * i * (1 - i)
            # TODO 23
            df = dC * C_old * f * (1 - f)
            # TODO 24
            dC_next = dC * f
            # TODO 25
            for key, d in zip("fico", (df, di, dg, do)):
                grads["dW" + key] += d[:, None] * hx[None, :]
                grads["db" + key] += d
            # TODO 26
            dh_next = sum(P["W" + key].T.dot(d) for key, d in zip("fico", (df, di, dg, do)))[:H]
        # TODO 27
        self.grads = {k: np.clip(v, -5, 5) for k, v in grads.items()}
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28: Adagrad
        for n in NAMES:
            d = self.grads["d" + n]
            self.mem["d" + n] += d * d
            self.params[n] = self.params[n] - learning_rate * d / (np.sqrt(self.mem["d" + n]) + 1e-8)


def test_lstm():
    text = "hellohellohello"
    chars = sorted(set(text))
    char_to_idx = {c: k for k, c in enumerate(chars)}
    lstm = LSTMFromScratch(len(chars), 10, len(chars))
    inputs = [char_to_idx[c] for c in text[:5]]
    targets = [char_to_idx[c] for c in text[1:6]]
    h, C = np.zeros(10), np.zeros(10)
    for it in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h, C = lstm.steps[-1][7].copy(), lstm.steps[-1][6].copy()
        if it % 10 == 0:
            print(f"it {it}  loss {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

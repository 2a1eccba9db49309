"""EXPECT: pass
QA attempt c3: float32 arrays, plain SGD; float32 rounding (about 1e-7) must not fail it.
The QA author's note follows.
Ex1 attempt c3: float32 arrays, weights made by helper functions, a small base class,
gradients accumulated in a local dict then assigned, plain SGD (the stub's L252 comment).
EXPECTED VERDICT: PASS (correct; SGD is accepted per issue 16).
"""
import numpy as np

np.random.seed(1)


def make_weight(rows, cols, scale=0.01):
    return (np.random.randn(rows, cols) * scale).astype(np.float32)


def make_bias(n, value=0.0):
    return np.full(n, value, dtype=np.float32)


def sig(x):
    x = np.clip(x, -50, 50)
    return 1.0 / (1.0 + np.exp(-x))


class BaseModel:
    """tiny base class with shared helpers"""
    def softmax(self, v):
        v = v - np.max(v)
        ev = np.exp(v)
        return ev / np.sum(ev)

    def one_hot(self, k, n):
        v = np.zeros(n, dtype=np.float32)
        v[k] = 1.0
        return v


class LSTMFromScratch(BaseModel):
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        # TODO 1
        self.Wf = make_weight(hidden_size, hidden_size + input_size)
        self.bf = make_bias(hidden_size, 1.0)
        # TODO 2
        self.Wi = make_weight(hidden_size, hidden_size + input_size)
        self.bi = make_bias(hidden_size)
        # TODO 3
        self.Wc = make_weight(hidden_size, hidden_size + input_size)
        self.bc = make_bias(hidden_size)
        # TODO 4
        self.Wo = make_weight(hidden_size, hidden_size + input_size)
        self.bo = make_bias(hidden_size)
        # TODO 5
        self.Wy = make_weight(output_size, hidden_size)
        self.by = make_bias(output_size)

    def forward(self, inputs, targets, h_prev, C_prev):
        self._targets = targets
        self.inputs_cache, self.h_states, self.C_states = [], [np.array(h_prev, dtype=np.float32)], [np.array(C_prev, dtype=np.float32)]
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates, self.y_probs = [], [], [], [], []
        total = np.float32(0)
        for t in range(len(inputs)):
            x = self.one_hot(inputs[t], self.input_size)
            self.inputs_cache.append(x)
            concat = np.concatenate((self.h_states[-1], x))  # TODO 6
            ft = sig(self.Wf.dot(concat) + self.bf)  # TODO 7
            it = sig(self.Wi.dot(concat) + self.bi)  # TODO 8
            ct = np.tanh(self.Wc.dot(concat) + self.bc)  # TODO 9
            Cn = ft * self.C_states[-1] + it * ct  # TODO 10
            ot = sig(self.Wo.dot(concat) + self.bo)  # TODO 11
            hn = ot * np.tanh(Cn)  # TODO 12
            logits = self.Wy.dot(hn) + self.by  # TODO 13
            probs = self.softmax(logits)  # TODO 14
            total += -np.log(probs[targets[t]])  # TODO 15
            for lst, v in ((self.f_gates, ft), (self.i_gates, it), (self.C_tilde_cache, ct), (self.o_gates, ot),
                           (self.h_states, hn), (self.C_states, Cn), (self.y_probs, probs)):
                lst.append(v)
        return float(total)

    def backward(self):
        g = {k: np.zeros_like(getattr(self, k)) for k in ("Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by")}
        H = self.hidden_size
        dh_next = np.zeros(H, dtype=np.float32)
        dC_next = np.zeros(H, dtype=np.float32)
        T = len(self.inputs_cache)
        for t in range(T - 1, -1, -1):
            dy = self.y_probs[t].copy(); dy[self._targets[t]] -= 1  # TODO 16
            g["Wy"] += np.outer(dy, self.h_states[t + 1]); g["by"] += dy  # TODO 17
            dh = self.Wy.T.dot(dy) + dh_next  # TODO 18
            tanhC = np.tanh(self.C_states[t + 1])
            do = dh * tanhC * self.o_gates[t] * (1 - self.o_gates[t])  # TODO 19
            dC = dh * self.o_gates[t] * (1 - tanhC * tanhC) + dC_next  # TODO 20
            dct = dC * self.i_gates[t] * (1 - self.C_tilde_cache[t] ** 2)  # TODO 21
            di = dC * self.C_tilde_cache[t] * self.i_gates[t] * (1 - self.i_gates[t])  # TODO 22
            df = dC * self.C_states[t] * self.f_gates[t] * (1 - self.f_gates[t])  # TODO 23
            dC_next = self.f_gates[t] * dC  # TODO 24
            z = np.concatenate((self.h_states[t], self.inputs_cache[t]))
            for nm, d in (("o", do), ("c", dct), ("i", di), ("f", df)):  # TODO 25
                g["W" + nm] += np.outer(d, z); g["b" + nm] += d
            dz = self.Wf.T.dot(df) + self.Wi.T.dot(di) + self.Wc.T.dot(dct) + self.Wo.T.dot(do)
            dh_next = dz[:H]  # TODO 26
        for k, v in g.items():
            setattr(self, "d" + k, np.clip(v, -5, 5))  # TODO 27
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28 plain SGD as the stub says
        for k in ("Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by"):
            setattr(self, k, getattr(self, k) - learning_rate * getattr(self, "d" + k))


def test_lstm():
    s = "hellohellohello"
    ch = sorted(set(s)); m = {c: i for i, c in enumerate(ch)}
    net = LSTMFromScratch(4, 10, 4)
    xs = [m[c] for c in s[:5]]; ys = [m[c] for c in s[1:6]]
    h, C = np.zeros(10), np.zeros(10)
    for k in range(100):
        L = net.forward(xs, ys, h, C)
        dh, dC = net.backward()
        net.update_weights(0.01)
        h = net.h_states[-1].copy(); C = net.C_states[-1].copy()
        if k % 25 == 0:
            print(f"loss: {L:.4f}")


if __name__ == "__main__":
    test_lstm()

"""Stand-in for the course's reference ``implementation.py`` (class ``LSTM``).

This is NOT the course's code. It was written for the pack's tests from a short
description of the course's reference LSTM (constructor, forward/backward contract,
cache keys, Adagrad update, sampling), so that learner-style attempt files which do
``sys.path.append('..'); from implementation import LSTM`` can be imported and run.

Notation: z_t = [h_{t-1}; x_t] (hidden state first), x_t one-hot of size V.
    f_t = sigmoid(Wf z_t + bf)      i_t = sigmoid(Wi z_t + bi)
    c~_t = tanh(Wc z_t + bc)        o_t = sigmoid(Wo z_t + bo)
    C_t = f_t * C_{t-1} + i_t * c~_t,   h_t = o_t * tanh(C_t)
    y_t = Why h_t + by,  p_t = softmax(y_t),  loss = sum_t -ln p_t[target_t]
"""
import numpy as np

PARAM_NAMES = ("Wf", "Wi", "Wc", "Wo", "Why", "bf", "bi", "bc", "bo", "by")


def _sigmoid(x):
    # stable for large |x|: exp of a non-positive number only
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def _softmax(y):
    e = np.exp(y - np.max(y))
    return e / np.sum(e)


class LSTM:
    """Character-level LSTM; vocab_size is both the input and the output size."""

    def __init__(self, vocab_size, hidden_size, seq_length, learning_rate=0.001):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.seq_length = seq_length  # stored only
        self.learning_rate = learning_rate
        H, V = hidden_size, vocab_size
        self.Wf = np.random.randn(H, H + V) * 0.01
        self.Wi = np.random.randn(H, H + V) * 0.01
        self.Wc = np.random.randn(H, H + V) * 0.01
        self.Wo = np.random.randn(H, H + V) * 0.01
        self.Why = np.random.randn(V, H) * 0.01
        self.bf = np.ones((H, 1))  # forget bias 1: remember by default
        self.bi = np.zeros((H, 1))
        self.bc = np.zeros((H, 1))
        self.bo = np.zeros((H, 1))
        self.by = np.zeros((V, 1))
        # Adagrad memory, one array per parameter
        self.mem = {name: np.zeros_like(getattr(self, name)) for name in PARAM_NAMES}

    def _check_state(self, name, s):
        H = self.hidden_size
        if not isinstance(s, np.ndarray) or s.shape != (H, 1):
            got = s.shape if isinstance(s, np.ndarray) else type(s).__name__
            raise ValueError(f"{name} must be a numpy array of shape ({H}, 1), got {got}")

    def forward(self, inputs, targets, h_prev, C_prev):
        """Run over the sequence; return (loss summed over steps, h_last, C_last, cache)."""
        if len(inputs) != len(targets):
            raise ValueError(f"inputs and targets must have the same length, "
                             f"got {len(inputs)} and {len(targets)}")
        self._check_state("h_prev", h_prev)
        self._check_state("C_prev", C_prev)
        xs, hs, Cs, ys, ps = {}, {}, {}, {}, {}
        fs, i_s, c_cands, os, zs = {}, {}, {}, {}, {}
        hs[-1] = np.copy(h_prev)
        Cs[-1] = np.copy(C_prev)
        loss = 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((self.vocab_size, 1))
            xs[t][inputs[t]] = 1.0
            zs[t] = np.vstack((hs[t - 1], xs[t]))
            fs[t] = _sigmoid(self.Wf @ zs[t] + self.bf)
            i_s[t] = _sigmoid(self.Wi @ zs[t] + self.bi)
            c_cands[t] = np.tanh(self.Wc @ zs[t] + self.bc)
            os[t] = _sigmoid(self.Wo @ zs[t] + self.bo)
            Cs[t] = fs[t] * Cs[t - 1] + i_s[t] * c_cands[t]
            hs[t] = os[t] * np.tanh(Cs[t])
            ys[t] = self.Why @ hs[t] + self.by
            ps[t] = _softmax(ys[t])
            loss += -np.log(ps[t][targets[t], 0])
        cache = {"xs": xs, "hs": hs, "Cs": Cs, "ys": ys, "ps": ps, "fs": fs,
                 "i_s": i_s, "c_cands": c_cands, "os": os, "zs": zs}
        last = len(inputs) - 1
        return loss, hs[last], Cs[last], cache

    def backward(self, inputs, targets, cache):
        """Backpropagation through time; gates are read from the cache. Grads clipped to ±5."""
        xs, hs, Cs, ps = cache["xs"], cache["hs"], cache["Cs"], cache["ps"]
        fs, i_s, c_cands, os, zs = (cache["fs"], cache["i_s"], cache["c_cands"],
                                    cache["os"], cache["zs"])
        H = self.hidden_size
        g = {"d" + n: np.zeros_like(getattr(self, n)) for n in PARAM_NAMES}
        dh_next = np.zeros((H, 1))
        dC_next = np.zeros((H, 1))
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1.0
            g["dWhy"] += dy @ hs[t].T
            g["dby"] += dy
            dh = self.Why.T @ dy + dh_next
            tanhC = np.tanh(Cs[t])
            do = dh * tanhC * os[t] * (1.0 - os[t])
            dC = dh * os[t] * (1.0 - tanhC ** 2) + dC_next
            dcc = dC * i_s[t] * (1.0 - c_cands[t] ** 2)
            di = dC * c_cands[t] * i_s[t] * (1.0 - i_s[t])
            df = dC * Cs[t - 1] * fs[t] * (1.0 - fs[t])
            for name, d in (("f", df), ("i", di), ("c", dcc), ("o", do)):
                g["dW" + name] += d @ zs[t].T
                g["db" + name] += d
            dz = self.Wf.T @ df + self.Wi.T @ di + self.Wc.T @ dcc + self.Wo.T @ do
            dh_next = dz[:H]
            dC_next = dC * fs[t]
        for k in g:
            np.clip(g[k], -5, 5, out=g[k])
        return g

    def update_weights(self, grads):
        """Adagrad step at self.learning_rate."""
        for name in PARAM_NAMES:
            grad = grads["d" + name]
            self.mem[name] += grad * grad
            param = getattr(self, name)
            param -= self.learning_rate * grad / np.sqrt(self.mem[name] + 1e-8)

    def sample(self, h, C, seed_idx, n, temperature=1.0):
        """Sample n character ids, starting from seed_idx and states (H,1)."""
        self._check_state("h", h)
        self._check_state("C", C)
        x = np.zeros((self.vocab_size, 1))
        x[seed_idx] = 1.0
        ids = []
        for _ in range(n):
            z = np.vstack((h, x))
            f = _sigmoid(self.Wf @ z + self.bf)
            i = _sigmoid(self.Wi @ z + self.bi)
            cc = np.tanh(self.Wc @ z + self.bc)
            o = _sigmoid(self.Wo @ z + self.bo)
            C = f * C + i * cc
            h = o * np.tanh(C)
            p = _softmax((self.Why @ h + self.by) / temperature)
            idx = int(np.random.choice(self.vocab_size, p=p.ravel()))
            x = np.zeros((self.vocab_size, 1))
            x[idx] = 1.0
            ids.append(idx)
        return ids

"""EXPECT: FAIL TODO 17
min-char-rnn style; the output-layer weight gradient uses the previous hidden state hs[t-1] instead of hs[t] (the one the logits were computed from).
"""
import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        H, D = hidden_size, input_size
        # TODO 1
        self.Wf = np.random.randn(H, H + D) * 0.01
        self.bf = np.ones(H)
        # TODO 2
        self.Wi = np.random.randn(H, H + D) * 0.01
        self.bi = np.zeros(H)
        # TODO 3
        self.Wc = np.random.randn(H, H + D) * 0.01
        self.bc = np.zeros(H)
        # TODO 4
        self.Wo = np.random.randn(H, H + D) * 0.01
        self.bo = np.zeros(H)
        # TODO 5
        self.Wy = np.random.randn(output_size, H) * 0.01
        self.by = np.zeros(output_size)
        self.mem = {}

    def forward(self, inputs, targets, h_prev, C_prev):
        xs, zs, hs, cs, fs, igs, cts, os_, ps = {}, {}, {}, {}, {}, {}, {}, {}, {}
        hs[-1] = np.copy(h_prev)
        cs[-1] = np.copy(C_prev)
        loss = 0
        for t in range(len(inputs)):
            xs[t] = np.zeros(self.input_size)
            xs[t][inputs[t]] = 1
            # TODO 6
            zs[t] = np.concatenate((hs[t - 1], xs[t]))
            # TODO 7
            fs[t] = sigmoid(self.Wf @ zs[t] + self.bf)
            # TODO 8
            igs[t] = sigmoid(self.Wi @ zs[t] + self.bi)
            # TODO 9
            cts[t] = np.tanh(self.Wc @ zs[t] + self.bc)
            # TODO 10
            cs[t] = fs[t] * cs[t - 1] + igs[t] * cts[t]
            # TODO 11
            os_[t] = sigmoid(self.Wo @ zs[t] + self.bo)
            # TODO 12
            hs[t] = os_[t] * np.tanh(cs[t])
            # TODO 13
            ys = self.Wy @ hs[t] + self.by
            # TODO 14
            ps[t] = np.exp(ys - np.max(ys)) / np.sum(np.exp(ys - np.max(ys)))
            # TODO 15
            loss += -np.log(ps[t][targets[t]])
        self.cache = (inputs, targets, xs, zs, hs, cs, fs, igs, cts, os_, ps)
        last = len(inputs) - 1
        return loss, hs[last], cs[last]

    def backward(self):
        inputs, targets, xs, zs, hs, cs, fs, igs, cts, os_, ps = self.cache
        H = self.hidden_size
        dWf, dWi, dWc, dWo = (np.zeros_like(self.Wf), np.zeros_like(self.Wi),
                              np.zeros_like(self.Wc), np.zeros_like(self.Wo))
        dbf, dbi, dbc, dbo = (np.zeros_like(self.bf), np.zeros_like(self.bi),
                              np.zeros_like(self.bc), np.zeros_like(self.bo))
        dWy, dby = np.zeros_like(self.Wy), np.zeros_like(self.by)
        dhnext, dcnext = np.zeros(H), np.zeros(H)
        for t in reversed(range(len(inputs))):
            # TODO 16
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1  # backprop into y
            # TODO 17
            dWy += np.outer(dy, hs[t - 1])
            dby += dy
            # TODO 18
            dh = self.Wy.T @ dy + dhnext
            # TODO 19
            do = dh * np.tanh(cs[t]) * os_[t] * (1 - os_[t])
            # TODO 20
            dc = dh * os_[t] * (1 - np.tanh(cs[t]) ** 2) + dcnext
            # TODO 21
            dct = dc * igs[t] * (1 - cts[t] ** 2)
            # TODO 22
            di = dc * cts[t] * igs[t] * (1 - igs[t])
            # TODO 23
            df = dc * cs[t - 1] * fs[t] * (1 - fs[t])
            # TODO 24
            dcnext = dc * fs[t]
            # TODO 25
            dWf += np.outer(df, zs[t]); dbf += df
            dWi += np.outer(di, zs[t]); dbi += di
            dWc += np.outer(dct, zs[t]); dbc += dct
            dWo += np.outer(do, zs[t]); dbo += do
            # TODO 26
            dz = self.Wf.T @ df + self.Wi.T @ di + self.Wc.T @ dct + self.Wo.T @ do
            dhnext = dz[:H]
        # TODO 27
        for dparam in [dWf, dWi, dWc, dWo, dWy, dbf, dbi, dbc, dbo, dby]:
            np.clip(dparam, -5, 5, out=dparam)  # mitigate exploding gradients
        self.dWf, self.dWi, self.dWc, self.dWo, self.dWy = dWf, dWi, dWc, dWo, dWy
        self.dbf, self.dbi, self.dbc, self.dbo, self.dby = dbf, dbi, dbc, dbo, dby
        return dhnext, dcnext

    def update_weights(self, learning_rate):
        # TODO 28: adagrad update
        for name in ["Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by"]:
            param, dparam = getattr(self, name), getattr(self, "d" + name)
            mem = self.mem.setdefault(name, np.zeros_like(param))
            mem += dparam * dparam
            param += -learning_rate * dparam / np.sqrt(mem + 1e-8)


def test_lstm():
    data = "hellohellohello"
    chars = sorted(list(set(data)))
    char_to_ix = {ch: i for i, ch in enumerate(chars)}
    vocab_size, hidden_size = len(chars), 10
    lstm = LSTMFromScratch(vocab_size, hidden_size, vocab_size)
    inputs = [char_to_ix[ch] for ch in data[:5]]
    targets = [char_to_ix[ch] for ch in data[1:6]]
    hprev, cprev = np.zeros(hidden_size), np.zeros(hidden_size)
    for n in range(100):
        loss, hprev, cprev = lstm.forward(inputs, targets, hprev, cprev)
        dh, dc = lstm.backward()
        lstm.update_weights(0.01)
        if n % 10 == 0:
            print('iter %d, loss: %.4f' % (n, loss))


if __name__ == "__main__":
    test_lstm()

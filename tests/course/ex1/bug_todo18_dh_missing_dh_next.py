"""EXPECT: FAIL TODO 18
dh = Wy^T dy only: the gradient arriving from the next time step (dh_next) is not added.
"""
import numpy as np

np.random.seed(42)


def sigmoid(x):
    # plain textbook version
    return 1 / (1 + np.exp(-x))


def dsigmoid(s):
    return s * (1 - s)


def dtanh(t):
    return 1 - t * t


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.D, self.H, self.O = input_size, hidden_size, output_size
        # TODO 1: forget gate (bias starts at 1)
        self.Wf = np.random.randn(self.H, self.H + self.D) * 0.01
        self.bf = np.ones(self.H)
        # TODO 2: input gate
        self.Wi = np.random.randn(self.H, self.H + self.D) * 0.01
        self.bi = np.zeros(self.H)
        # TODO 3: candidate
        self.Wc = np.random.randn(self.H, self.H + self.D) * 0.01
        self.bc = np.zeros(self.H)
        # TODO 4: output gate
        self.Wo = np.random.randn(self.H, self.H + self.D) * 0.01
        self.bo = np.zeros(self.H)
        # TODO 5: prediction layer
        self.Wy = np.random.randn(self.O, self.H) * 0.01
        self.by = np.zeros(self.O)

    def forward(self, inputs, targets, h_prev, C_prev):
        self.ids, self.labels = inputs, targets
        self.xs, self.joined = [], []
        self.hidden, self.cells = [h_prev], [C_prev]
        self.forget, self.inp, self.cand, self.out, self.probs = [], [], [], [], []
        loss = 0.0
        for x_id, y_id in zip(inputs, targets):
            x = np.zeros(self.D)
            x[x_id] = 1
            # TODO 6: [h_{t-1}; x_t]
            hx = np.concatenate([self.hidden[-1], x])
            # TODO 7
            f = sigmoid(self.Wf @ hx + self.bf)
            # TODO 8
            i = sigmoid(self.Wi @ hx + self.bi)
            # TODO 9
            g = np.tanh(self.Wc @ hx + self.bc)
            # TODO 10
            c = f * self.cells[-1] + i * g
            # TODO 11
            o = sigmoid(self.Wo @ hx + self.bo)
            # TODO 12
            h = o * np.tanh(c)
            # TODO 13
            scores = self.Wy @ h + self.by
            # TODO 14
            scores = scores - scores.max()
            prob = np.exp(scores) / np.sum(np.exp(scores))
            # TODO 15
            loss += -np.log(prob[y_id])
            self.xs.append(x); self.joined.append(hx)
            self.forget.append(f); self.inp.append(i); self.cand.append(g); self.out.append(o)
            self.cells.append(c); self.hidden.append(h); self.probs.append(prob)
        return loss

    def backward(self):
        self.dWf = np.zeros_like(self.Wf); self.dbf = np.zeros_like(self.bf)
        self.dWi = np.zeros_like(self.Wi); self.dbi = np.zeros_like(self.bi)
        self.dWc = np.zeros_like(self.Wc); self.dbc = np.zeros_like(self.bc)
        self.dWo = np.zeros_like(self.Wo); self.dbo = np.zeros_like(self.bo)
        self.dWy = np.zeros_like(self.Wy); self.dby = np.zeros_like(self.by)
        dh_next = np.zeros(self.H)
        dC_next = np.zeros(self.H)
        for t in range(len(self.ids) - 1, -1, -1):
            # TODO 16
            dy = self.probs[t].copy()
            dy[self.labels[t]] -= 1
            # TODO 17
            self.dWy += np.outer(dy, self.hidden[t + 1])
            self.dby += dy
            # TODO 18
            dh = self.Wy.T @ dy
            tc = np.tanh(self.cells[t + 1])
            # TODO 19
            do = dh * tc * dsigmoid(self.out[t])
            # TODO 20
            dC = dh * self.out[t] * dtanh(tc) + dC_next
            # TODO 21
            dg = dC * self.inp[t] * dtanh(self.cand[t])
            # TODO 22
            di = dC * self.cand[t] * dsigmoid(self.inp[t])
            # TODO 23
            df = dC * self.cells[t] * dsigmoid(self.forget[t])
            # TODO 24
            dC_next = dC * self.forget[t]
            # TODO 25
            hx = self.joined[t]
            self.dWf += np.outer(df, hx); self.dbf += df
            self.dWi += np.outer(di, hx); self.dbi += di
            self.dWc += np.outer(dg, hx); self.dbc += dg
            self.dWo += np.outer(do, hx); self.dbo += do
            # TODO 26
            dhx = self.Wf.T @ df + self.Wi.T @ di + self.Wc.T @ dg + self.Wo.T @ do
            dh_next = dhx[:self.H]
        # TODO 27
        for grad in [self.dWf, self.dWi, self.dWc, self.dWo, self.dWy,
                     self.dbf, self.dbi, self.dbc, self.dbo, self.dby]:
            np.clip(grad, -5, 5, out=grad)
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28
        for p, g in [(self.Wf, self.dWf), (self.Wi, self.dWi), (self.Wc, self.dWc), (self.Wo, self.dWo),
                     (self.Wy, self.dWy), (self.bf, self.dbf), (self.bi, self.dbi), (self.bc, self.dbc),
                     (self.bo, self.dbo), (self.by, self.dby)]:
            p -= learning_rate * g


def test_lstm():
    seq = "hellohellohello"
    alphabet = sorted(set(seq))
    idx = {c: k for k, c in enumerate(alphabet)}
    net = LSTMFromScratch(len(alphabet), 10, len(alphabet))
    xs = [idx[c] for c in seq[:5]]
    ys = [idx[c] for c in seq[1:6]]
    h, C = np.zeros(10), np.zeros(10)
    for it in range(100):
        loss = net.forward(xs, ys, h, C)
        net.backward()
        net.update_weights(0.01)
        h, C = net.hidden[-1].copy(), net.cells[-1].copy()
        if it % 10 == 0:
            print("iteration", it, "loss %.4f" % loss)


if __name__ == "__main__":
    test_lstm()

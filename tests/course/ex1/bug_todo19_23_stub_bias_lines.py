"""EXPECT: FAIL TODO 19-23
Keeps the stub's pre-written bias lines, which add the post-activation gradients do, dC_tilde, di, df to the bias gradients; the weight gradients and dh_next use the right pre-activation ones.
"""
import numpy as np


def sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        concat_size = hidden_size + input_size

        # TODO 1: forget gate weights and bias (bias = 1)
        self.Wf = np.random.randn(hidden_size, concat_size) * 0.01
        self.bf = np.ones(hidden_size)
        # TODO 2: input gate
        self.Wi = np.random.randn(hidden_size, concat_size) * 0.01
        self.bi = np.zeros(hidden_size)
        # TODO 3: candidate
        self.Wc = np.random.randn(hidden_size, concat_size) * 0.01
        self.bc = np.zeros(hidden_size)
        # TODO 4: output gate
        self.Wo = np.random.randn(hidden_size, concat_size) * 0.01
        self.bo = np.zeros(hidden_size)
        # TODO 5: output layer
        self.Wy = np.random.randn(output_size, hidden_size) * 0.01
        self.by = np.zeros(output_size)

    def forward(self, inputs, targets, h_prev, C_prev):
        self.inputs_cache = []
        self.targets = targets
        self.h_states = [h_prev.copy()]
        self.C_states = [C_prev.copy()]
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates = [], [], [], []
        self.y_probs = []
        loss = 0.0
        for t in range(len(inputs)):
            x_t = np.zeros(self.input_size)
            x_t[inputs[t]] = 1
            self.inputs_cache.append(x_t)
            # TODO 6: concatenate h_prev and x_t
            concat = np.concatenate([h_prev, x_t])
            # TODO 7: forget gate
            f_t = sigmoid(self.Wf @ concat + self.bf)
            # TODO 8: input gate
            i_t = sigmoid(self.Wi @ concat + self.bi)
            # TODO 9: candidate values
            C_tilde = np.tanh(self.Wc @ concat + self.bc)
            # TODO 10: new cell state
            C_t = f_t * C_prev + i_t * C_tilde
            # TODO 11: output gate
            o_t = sigmoid(self.Wo @ concat + self.bo)
            # TODO 12: new hidden state
            h_t = o_t * np.tanh(C_t)
            # TODO 13: output logits
            y = self.Wy @ h_t + self.by
            # TODO 14: softmax
            e = np.exp(y - np.max(y))
            p = e / np.sum(e)
            # TODO 15: cross-entropy loss
            loss += -np.log(p[targets[t]])

            self.f_gates.append(f_t)
            self.i_gates.append(i_t)
            self.C_tilde_cache.append(C_tilde)
            self.o_gates.append(o_t)
            self.h_states.append(h_t)
            self.C_states.append(C_t)
            self.y_probs.append(p)
            h_prev, C_prev = h_t, C_t
        return loss

    def backward(self):
        H = self.hidden_size
        for name in ["Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by"]:
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))
        dh_next = np.zeros(H)
        dC_next = np.zeros(H)
        for t in reversed(range(len(self.inputs_cache))):
            # TODO 16: gradient of the loss wrt the logits
            dy = self.y_probs[t].copy()
            dy[self.targets[t]] -= 1
            h_t = self.h_states[t + 1]
            C_t = self.C_states[t + 1]
            C_prev = self.C_states[t]
            f_t, i_t = self.f_gates[t], self.i_gates[t]
            C_tilde, o_t = self.C_tilde_cache[t], self.o_gates[t]
            # TODO 17: output layer gradients
            self.dWy += np.outer(dy, h_t)
            self.dby += dy
            # TODO 18: gradient into h_t
            dh = self.Wy.T @ dy + dh_next
            # TODO 19: output gate
            do = dh * np.tanh(C_t)
            self.dbo += do
            do_raw = do * o_t * (1 - o_t)
            # TODO 20: cell state
            dC = dh * o_t * (1 - np.tanh(C_t) ** 2) + dC_next
            # TODO 21: candidate
            dC_tilde = dC * i_t
            self.dbc += dC_tilde
            dC_tilde_raw = dC_tilde * (1 - C_tilde ** 2)
            # TODO 22: input gate
            di = dC * C_tilde
            self.dbi += di
            di_raw = di * i_t * (1 - i_t)
            # TODO 23: forget gate
            df = dC * C_prev
            self.dbf += df
            df_raw = df * f_t * (1 - f_t)
            # TODO 24: gradient for the previous cell state
            dC_next = dC * f_t
            # TODO 25: weight gradients
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]])
            self.dWo += np.outer(do_raw, concat)
            self.dWc += np.outer(dC_tilde_raw, concat)
            self.dWi += np.outer(di_raw, concat)
            self.dWf += np.outer(df_raw, concat)
            # TODO 26: gradient for the previous hidden state
            dconcat = self.Wf.T @ df_raw + self.Wi.T @ di_raw + self.Wc.T @ dC_tilde_raw + self.Wo.T @ do_raw
            dh_next = dconcat[:H]
        # TODO 27: clip gradients
        for name in ["dWf", "dWi", "dWc", "dWo", "dWy", "dbf", "dbi", "dbc", "dbo", "dby"]:
            np.clip(getattr(self, name), -5, 5, out=getattr(self, name))
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        # TODO 28: update all parameters (SGD)
        for name in ["Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by"]:
            param = getattr(self, name)
            param -= learning_rate * getattr(self, "d" + name)


def test_lstm():
    text = "hellohellohello"
    chars = sorted(set(text))
    char_to_idx = {c: i for i, c in enumerate(chars)}
    V, H = len(chars), 10
    lstm = LSTMFromScratch(V, H, V)
    inputs = [char_to_idx[c] for c in text[:5]]
    targets = [char_to_idx[c] for c in text[1:6]]
    h = np.zeros(H)
    C = np.zeros(H)
    for it in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h = lstm.h_states[-1].copy()
        C = lstm.C_states[-1].copy()
        if it % 10 == 0:
            print(f"iter {it}: loss {loss:.4f}")
    print(f"final loss {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

"""EXPECT: pass
QA attempt c5: gradients in a dict attribute self.grads that update_weights reads, Adagrad memory in a dict named adagrad (driver guarded here).
The QA author's note follows.
Ex1 attempt c5: per-step cache as a LIST OF DICTS (self.steps), only h_states/C_states
under the stub's names (the driver needs them), gradients kept in a dict attribute self.grads,
prints everywhere, and the driver at the bottom is NOT guarded: the 100-iteration hello loop
runs at import.
EXPECTED VERDICT: PASS (correct maths; issue 16 promises other cache names and a grads dict).
"""
import numpy as np
print("loading my LSTM file...")


def sigmoid(x):
    return 1 / (1 + np.exp(-np.clip(x, -30, 30)))


class LSTMFromScratch:
    def __init__(self, input_size, hidden_size, output_size):
        print(f"making LSTM D={input_size} H={hidden_size} O={output_size}")
        self.input_size = input_size; self.hidden_size = hidden_size; self.output_size = output_size
        H, D = hidden_size, input_size
        self.Wf = np.random.randn(H, H + D) * 0.01  # TODO 1
        self.bf = np.ones(H)
        self.Wi = np.random.randn(H, H + D) * 0.01  # TODO 2
        self.bi = np.zeros(H)
        self.Wc = np.random.randn(H, H + D) * 0.01  # TODO 3
        self.bc = np.zeros(H)
        self.Wo = np.random.randn(H, H + D) * 0.01  # TODO 4
        self.bo = np.zeros(H)
        self.Wy = np.random.randn(output_size, H) * 0.01  # TODO 5
        self.by = np.zeros(output_size)
        self.adagrad = {}

    def forward(self, inputs, targets, h_prev, C_prev):
        self.steps = []
        self.h_states = [h_prev]
        self.C_states = [C_prev]
        loss = 0.0
        for t in range(len(inputs)):
            x = np.zeros(self.input_size); x[inputs[t]] = 1.0
            hp, Cp = self.h_states[-1], self.C_states[-1]
            concat = np.concatenate([hp, x])  # TODO 6
            f = sigmoid(self.Wf @ concat + self.bf)  # TODO 7
            i = sigmoid(self.Wi @ concat + self.bi)  # TODO 8
            c_bar = np.tanh(self.Wc @ concat + self.bc)  # TODO 9
            C = f * Cp + i * c_bar  # TODO 10
            o = sigmoid(self.Wo @ concat + self.bo)  # TODO 11
            h = o * np.tanh(C)  # TODO 12
            logits = self.Wy @ h + self.by  # TODO 13
            ex = np.exp(logits - logits.max()); p = ex / ex.sum()  # TODO 14
            loss += -np.log(p[targets[t]])  # TODO 15
            self.steps.append({"x": x, "concat": concat, "f": f, "i": i, "c_bar": c_bar, "o": o,
                               "C": C, "C_prev": Cp, "h": h, "p": p, "target": targets[t]})
            self.h_states.append(h); self.C_states.append(C)
        print("forward done, loss", loss)
        return loss

    def backward(self):
        H = self.hidden_size
        gr = {n: np.zeros_like(getattr(self, n)) for n in ["Wf", "Wi", "Wc", "Wo", "Wy", "bf", "bi", "bc", "bo", "by"]}
        dh_next, dC_next = np.zeros(H), np.zeros(H)
        for s in reversed(self.steps):
            dy = s["p"].copy(); dy[s["target"]] -= 1  # TODO 16
            gr["Wy"] += np.outer(dy, s["h"]); gr["by"] += dy  # TODO 17
            dh = self.Wy.T @ dy + dh_next  # TODO 18
            do = dh * np.tanh(s["C"]) * s["o"] * (1 - s["o"])  # TODO 19
            dC = dh * s["o"] * (1 - np.tanh(s["C"]) ** 2) + dC_next  # TODO 20
            dcb = dC * s["i"] * (1 - s["c_bar"] ** 2)  # TODO 21
            di = dC * s["c_bar"] * s["i"] * (1 - s["i"])  # TODO 22
            df = dC * s["C_prev"] * s["f"] * (1 - s["f"])  # TODO 23
            dC_next = dC * s["f"]  # TODO 24
            for k, d in zip("fico", (df, di, dcb, do)):  # TODO 25
                gr["W" + k] += np.outer(d, s["concat"]); gr["b" + k] += d
            dh_next = (self.Wf.T @ df + self.Wi.T @ di + self.Wc.T @ dcb + self.Wo.T @ do)[:H]  # TODO 26
        self.grads = {k: np.clip(v, -5, 5) for k, v in gr.items()}  # TODO 27
        print("backward done")
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        for k, g in self.grads.items():  # TODO 28
            if k not in self.adagrad:
                self.adagrad[k] = np.zeros_like(g)
            self.adagrad[k] += g * g
            setattr(self, k, getattr(self, k) - learning_rate * g / np.sqrt(self.adagrad[k] + 1e-8))


def test_lstm():
    text = "hellohellohello"
    chars = sorted(set(text)); c2i = {c: i for i, c in enumerate(chars)}
    lstm = LSTMFromScratch(4, 10, 4)
    inputs = [c2i[c] for c in text[:5]]; targets = [c2i[c] for c in text[1:6]]
    h = np.zeros(10); C = np.zeros(10)
    for it in range(100):
        loss = lstm.forward(inputs, targets, h, C)
        dh, dC = lstm.backward()
        lstm.update_weights(0.01)
        h = lstm.h_states[-1].copy(); C = lstm.C_states[-1].copy()
        print(f"iteration {it}: loss: {loss:.4f}")


if __name__ == "__main__":
    test_lstm()

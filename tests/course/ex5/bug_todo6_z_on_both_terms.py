"""EXPECT: FAIL TODO 6
Mixes the two update-gate conventions: h_t = z*h_prev + z*h_tilde (neither (1-z)*h + z*h_tilde nor z*h + (1-z)*h_tilde); backward is the textbook one.
"""
import sys
sys.path.append('..')
from implementation import LSTM
import time
import numpy as np

GRU_PARAMS = ["Wr", "Wz", "Wh", "Wy", "br", "bz", "bh", "by"]
LSTM_PARAMS = ["Wf", "Wi", "Wc", "Wo", "Why", "bf", "bi", "bc", "bo", "by"]


def sigmoid(v):
    e = np.exp(-np.abs(v))
    return np.where(v >= 0, 1 / (1 + e), e / (1 + e))


class GRU:
    def __init__(self, input_size, hidden_size, output_size):
        # TODO 1: two gates and a candidate, each acting on [h, x]
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        shape = (hidden_size, hidden_size + input_size)
        # TODO 2: reset gate
        self.Wr, self.br = np.random.randn(*shape) * 0.01, np.zeros(hidden_size)
        # TODO 3: update gate
        self.Wz, self.bz = np.random.randn(*shape) * 0.01, np.zeros(hidden_size)
        # TODO 4: candidate
        self.Wh, self.bh = np.random.randn(*shape) * 0.01, np.zeros(hidden_size)
        # TODO 5: output
        self.Wy, self.by = np.random.randn(output_size, hidden_size) * 0.01, np.zeros(output_size)
        self.adagrad = {k: np.zeros_like(getattr(self, k)) for k in GRU_PARAMS}
        self.grads = None

    def forward(self, inputs, targets, h_prev):
        # TODO 6: r, z, candidate, new state, softmax, summed loss
        self.steps = []
        self.h_last = h_prev
        total_loss = 0.0
        h = h_prev
        for ix, target in zip(inputs, targets):
            x = np.zeros(self.input_size)
            x[ix] = 1.0
            hx = np.concatenate((h, x))
            reset = sigmoid(self.Wr @ hx + self.br)
            update = sigmoid(self.Wz @ hx + self.bz)
            rhx = np.concatenate((reset * h, x))
            cand = np.tanh(self.Wh @ rhx + self.bh)
            h_new = update * h + update * cand
            logits = self.Wy @ h_new + self.by
            probs = np.exp(logits - logits.max())
            probs /= probs.sum()
            total_loss -= np.log(probs[target])
            self.steps.append(dict(h_old=h, hx=hx, rhx=rhx, reset=reset, update=update,
                                   cand=cand, h_new=h_new, probs=probs, target=target))
            h = h_new
        self.h_last = h
        return total_loss

    def backward(self):
        # TODO 7: BPTT, clipped to [-5, 5]
        H = self.hidden_size
        grads = {k: np.zeros_like(getattr(self, k)) for k in GRU_PARAMS}
        carry = np.zeros(H)
        for s in reversed(self.steps):
            dlogits = s["probs"].copy()
            dlogits[s["target"]] -= 1.0
            grads["Wy"] += np.outer(dlogits, s["h_new"])
            grads["by"] += dlogits
            dh = self.Wy.T @ dlogits + carry
            d_cand_pre = dh * s["update"] * (1.0 - s["cand"] ** 2)
            d_update_pre = dh * (s["cand"] - s["h_old"]) * s["update"] * (1.0 - s["update"])
            grads["Wh"] += np.outer(d_cand_pre, s["rhx"])
            grads["bh"] += d_cand_pre
            d_rh = (self.Wh.T @ d_cand_pre)[:H]
            d_reset_pre = d_rh * s["h_old"] * s["reset"] * (1.0 - s["reset"])
            grads["Wz"] += np.outer(d_update_pre, s["hx"])
            grads["bz"] += d_update_pre
            grads["Wr"] += np.outer(d_reset_pre, s["hx"])
            grads["br"] += d_reset_pre
            carry = (dh * (1.0 - s["update"]) + d_rh * s["reset"]
                     + (self.Wz.T @ d_update_pre)[:H] + (self.Wr.T @ d_reset_pre)[:H])
        grads = {k: np.clip(v, -5, 5) for k, v in grads.items()}
        self.grads = grads
        return grads

    def update_weights(self, learning_rate):
        # TODO 8: Adagrad
        for k in GRU_PARAMS:
            self.adagrad[k] += self.grads[k] ** 2
            setattr(self, k, getattr(self, k) - learning_rate * self.grads[k] / np.sqrt(self.adagrad[k] + 1e-8))


def count_parameters(model):
    # TODO 9
    if isinstance(model, LSTM):
        return sum(getattr(model, k).size for k in LSTM_PARAMS)
    if isinstance(model, GRU):
        return sum(getattr(model, k).size for k in GRU_PARAMS)
    raise TypeError(type(model))


def train_model(model, text, char_to_idx, num_iterations=1000):
    # TODO 10
    seq_length, lr = 25, 0.01
    losses, times = [], []
    H = model.hidden_size
    n_windows = (len(text) - 1) // seq_length
    h = C = None
    for it in range(num_iterations):
        w = it % n_windows
        if w == 0:
            h, C = np.zeros((H, 1)), np.zeros((H, 1))
        seg = text[w * seq_length: w * seq_length + seq_length + 1]
        inputs = [char_to_idx[ch] for ch in seg[:-1]]
        targets = [char_to_idx[ch] for ch in seg[1:]]
        tic = time.time()
        if isinstance(model, LSTM):
            loss, h, C, cache = model.forward(inputs, targets, h, C)
            grads = model.backward(inputs, targets, cache)
            model.update_weights(grads)
        else:
            loss = model.forward(inputs, targets, h.ravel())
            model.backward()
            model.update_weights(lr)
            h = model.h_last
        times.append(time.time() - tic)
        losses.append(loss)
    return losses, times


def compare_models(text, char_to_idx, hidden_size=64):
    # TODO 11-13
    V = len(char_to_idx)
    results = {}
    for key, model in (("lstm", LSTM(V, hidden_size, 25)), ("gru", GRU(V, hidden_size, V))):
        losses, times = train_model(model, text, char_to_idx, num_iterations=300)
        results[key] = {"params": count_parameters(model), "losses": losses, "times": times}
    return results


if __name__ == "__main__":
    try:
        text = open('../data/input.txt', encoding='utf-8').read()
    except FileNotFoundError:
        text = "a stitch in time saves nine. " * 40
    chars = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(chars)}
    results = compare_models(text, char_to_idx)
    for key, r in results.items():
        print(key, r["params"], f"final loss {np.mean(r['losses'][-20:]):.3f}",
              f"{np.mean(r['times']) * 1000:.2f} ms/iter")

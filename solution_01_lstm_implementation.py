"""Exercise 1: an LSTM built from scratch in NumPy, trained as a character-level language model.

The course's exercise_01_build_lstm.py asks for the weights, the forward pass, backpropagation
through time (BPTT) with clipping and the update (TODO 1-28). A line answering TODO n ends with
"(Ex1 TODO n)" (Exercises 2-4 carry the class): `grep -n "TODO 20)" THIS_FILE` finds TODO 20.

The equations (course notation; concat = [h_prev, x_t], h first):
    f_t     = sigmoid(Wf . concat + bf)        forget gate: 1 keeps the old cell, 0 erases it
    i_t     = sigmoid(Wi . concat + bi)        input gate: how much of the candidate to write
    C_tilde = tanh(Wc . concat + bc)           candidate cell values
    o_t     = sigmoid(Wo . concat + bo)        output gate: how much of the cell to show
    C_t     = f_t * C_prev + i_t * C_tilde     cell state
    h_t     = o_t * tanh(C_t)                  hidden state
    y_t     = softmax(Wy . h_t + by)           next-token distribution
    loss    = - sum_t ln y_t[target_t]         summed cross-entropy, in nats
Shapes: Wf, Wi, Wc, Wo (H, H+D); bf, bi, bc, bo (H,); Wy (V, H); by (V,); states (H,), or (B, H)
for a batch of (T, B) ids. A target of -1 is not scored (Exercise 4 scores only the last step).

`python solution_01_lstm_implementation.py` (about 10 s; --quick 3 s): a gradient check, the hello
check, then a language model on a built-in English text (yours: --text FILE), its last 10% held
out; saves outputs/ex1_loss_curve.png. `--check YOUR_FILE` grades your file TODO by TODO.
"""

import math
import sys
import time

import numpy as np
import matplotlib.pyplot as plt

SEED = 0
HIDDEN_SIZE = 100
SEQ_LENGTH = 25
LEARNING_RATE = 0.1        # Adagrad step
BATCH_SIZE = 16            # parallel streams through the text; 1 is min-char-rnn style
ITERATIONS = 1000
TEMPERATURE = 0.7          # below 1 sharpens sampling towards likely characters
CLIP_VALUE = 5.0           # elementwise gradient clipping to [-5, 5], as the course teaches
SAMPLE_LENGTH = 120        # characters per sample in the progress lines
HELDOUT_FRACTION = 0.1     # the last 10% of the text is never trained on

# ---- Numerics ------------------------------------------------------------------------------
def sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp(-|x|) is in (0, 1], each branch exact in its tail."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

def log_softmax(logits):
    """ln softmax over the last axis: minus the max, exp() cannot overflow, and in logs
    ln(probability) stays finite where the probability itself underflows."""
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

# ---- The model -----------------------------------------------------------------------------
class LSTMFromScratch:
    """A one-layer LSTM with a softmax output layer, trained by BPTT and Adagrad. input_size D
    (one-hot ids), hidden_size H, output_size V; seed (an integer >= 0) for the initial weights and
    `sample`; backward clips each gradient entry to [-clip_value, clip_value] (None: no clipping, as
    a gradient check needs); forget_bias: the first bf. Exercises 2-4 carry this class unchanged;
    Exercise 3's ablations override the pairs gates/gates_backward and hidden/hidden_backward."""

    PARAM_NAMES = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
    sigmoid = staticmethod(sigmoid)      # the course's stub defines sigmoid as a method

    def __init__(self, input_size, hidden_size, output_size, seed=SEED, clip_value=CLIP_VALUE,
                 forget_bias=1.0):
        D, H, V = (check_int("input_size", input_size), check_int("hidden_size", hidden_size),
                   check_int("output_size", output_size))
        gib = (4 * H * (H + D) + V * H) * 8 / 2 ** 30           # float64 weights
        if gib > 2:                                              # far beyond what this pack trains
            raise ValueError(f"hidden_size: expected at most 2 GiB of weights, got {gib:,.0f} GiB "
                             f"with hidden_size {H}, input_size {D} and output_size {V}")
        self.clip_value = None if clip_value is None else check_float("clip_value", clip_value)
        forget_bias = check_float("forget_bias", forget_bias, low=-math.inf)
        self.input_size, self.hidden_size, self.output_size = D, H, V
        self.rng = np.random.default_rng(check_int("seed", seed, low=0, high=2 ** 63))
        # Gate weights ~ N(0, 1/(H+D)), so every pre-activation starts with a variance near 1.
        scale = 1.0 / np.sqrt(H + D)
        self.Wf = self.rng.normal(0.0, scale, (H, H + D))        # (Ex1 TODO 1)
        self.bf = np.full(H, forget_bias)                        # remember by default (Ex1 TODO 1)
        self.Wi = self.rng.normal(0.0, scale, (H, H + D))        # (Ex1 TODO 2)
        self.bi = np.zeros(H)                                    # (Ex1 TODO 2)
        self.Wc = self.rng.normal(0.0, scale, (H, H + D))        # (Ex1 TODO 3)
        self.bc = np.zeros(H)                                    # (Ex1 TODO 3)
        self.Wo = self.rng.normal(0.0, scale, (H, H + D))        # (Ex1 TODO 4)
        self.bo = np.zeros(H)                                    # (Ex1 TODO 4)
        # A small output layer: the first prediction is nearly uniform, the loss near T ln V.
        self.Wy = self.rng.normal(0.0, 0.01, (V, H))             # (Ex1 TODO 5)
        self.by = np.zeros(V)                                    # (Ex1 TODO 5)
        # Adagrad's memory: the running sum of each parameter's squared gradients.
        self.memory = {name: np.zeros_like(getattr(self, name)) for name in self.PARAM_NAMES}

    def gates(self, concat):
        """The four gate equations. concat: (..., H+D) -> f_t, i_t, C_tilde, o_t, each (..., H)."""
        f_t = self.sigmoid(concat @ self.Wf.T + self.bf)         # forget gate (Ex1 TODO 7)
        i_t = self.sigmoid(concat @ self.Wi.T + self.bi)         # input gate (Ex1 TODO 8)
        C_tilde = np.tanh(concat @ self.Wc.T + self.bc)          # candidate values (Ex1 TODO 9)
        o_t = self.sigmoid(concat @ self.Wo.T + self.bo)         # output gate (Ex1 TODO 11)
        return f_t, i_t, C_tilde, o_t

    def gates_backward(self, concat, gates, dgates):
        """Mirror of `gates`. dgates = (df, di, dC_tilde, do), d loss / d each gate's value.
        Adds this step's share to dWf ... dbo and returns d loss / d concat, (..., H+D)."""
        f_t, i_t, C_tilde, o_t = gates
        df, di, dC_tilde, do = dgates
        # Back through sigmoid' = s (1 - s) and tanh' = 1 - tanh^2 first; the biases take these dz,
        # as the weights do (the stub's pre-written bias lines add df ... do, losing both).
        # batch_outer(a, b) is np.outer(a, b), summed over the batch; batch_sum(a) likewise.
        dzf = df * f_t * (1.0 - f_t)                             # (Ex1 TODO 23)
        dzi = di * i_t * (1.0 - i_t)                             # (Ex1 TODO 22)
        dzc = dC_tilde * (1.0 - C_tilde ** 2)                    # (Ex1 TODO 21)
        dzo = do * o_t * (1.0 - o_t)                             # (Ex1 TODO 19)
        self.dWf += batch_outer(dzf, concat)                     # (Ex1 TODO 25)
        self.dbf += batch_sum(dzf)                               # (Ex1 TODO 23)
        self.dWi += batch_outer(dzi, concat)                     # (Ex1 TODO 25)
        self.dbi += batch_sum(dzi)                               # (Ex1 TODO 22)
        self.dWc += batch_outer(dzc, concat)                     # (Ex1 TODO 25)
        self.dbc += batch_sum(dzc)                               # (Ex1 TODO 21)
        self.dWo += batch_outer(dzo, concat)                     # (Ex1 TODO 25)
        self.dbo += batch_sum(dzo)                               # (Ex1 TODO 19)
        return dzf @ self.Wf + dzi @ self.Wi + dzc @ self.Wc + dzo @ self.Wo   # (Ex1 TODO 26)

    def hidden(self, o_t, C_t):
        """h_t = o_t * tanh(C_t): the output gate picks what part of the squashed cell to show."""
        return o_t * np.tanh(C_t)                                # (Ex1 TODO 12)

    def hidden_backward(self, dh, o_t, C_t):
        """Mirror of `hidden`: (d loss / d o_t, the part of d loss / d C_t coming through h_t)."""
        tanh_C = np.tanh(C_t)
        do = dh * tanh_C                                         # (Ex1 TODO 19)
        return do, dh * o_t * (1.0 - tanh_C ** 2)                # dC through h_t (Ex1 TODO 20)

    def forward(self, inputs, targets, h_prev, C_prev):
        """Run the LSTM over a sequence; return the loss, -sum of ln y_t[target_t] in nats.

        inputs: ids in [0, D), (T,) or (T, B); targets: ids in [0, V) or -1 (not scored), the same
        shape; h_prev, C_prev: (H,) or (B, H). Keeps for `backward` (a batch adds a B axis after the
        first): inputs_cache (T, D) one-hot x_t; targets; h_states, C_states (T+1, H), [0] the given
        states, [t+1] = h_t, C_t; f_gates, i_gates, C_tilde_cache, o_gates (T, H); y_probs (T, V).
        ValueError on bad input, before changing anything."""
        inputs = check_ids("inputs", inputs, self.input_size)
        targets = check_ids("targets", targets, self.output_size, allow_skip=True)
        if targets.shape != inputs.shape:
            raise ValueError(f"targets: expected the shape of inputs {inputs.shape}, "
                             f"got {targets.shape}")
        state_shape = inputs.shape[1:] + (self.hidden_size,)              # (H,) or (B, H)
        h_prev = check_state("h_prev", h_prev, state_shape)
        C_prev = check_state("C_prev", C_prev, state_shape)
        T = len(inputs)
        self.inputs_cache = np.eye(self.input_size)[inputs]              # one-hot x_t
        # The stub's backward(self) reads `targets` but is never given them: forward keeps them.
        self.targets = targets                                           # (Ex1 TODO 16)
        self.h_states = np.empty((T + 1,) + state_shape)
        self.C_states = np.empty((T + 1,) + state_shape)
        self.h_states[0], self.C_states[0] = h_prev, C_prev
        self.f_gates, self.i_gates, self.C_tilde_cache, self.o_gates = (
            np.empty((T,) + state_shape) for _ in range(4))
        self.y_probs = np.empty((T,) + inputs.shape[1:] + (self.output_size,))
        target_onehot = targets[..., None] == np.arange(self.output_size)  # all False where -1
        loss = 0.0
        for t in range(T):
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]], -1)  # (Ex1 TODO 6)
            f_t, i_t, C_tilde, o_t = self.gates(concat)
            C_t = f_t * self.C_states[t] + i_t * C_tilde         # (Ex1 TODO 10)
            h_t = self.hidden(o_t, C_t)
            logits = h_t @ self.Wy.T + self.by                   # (Ex1 TODO 13)
            log_y = log_softmax(logits)                          # ln y_t (Ex1 TODO 14)
            loss -= log_y[target_onehot[t]].sum()                # - ln y_t[target_t] (Ex1 TODO 15)
            self.f_gates[t], self.i_gates[t] = f_t, i_t
            self.C_tilde_cache[t], self.o_gates[t] = C_tilde, o_t
            self.C_states[t + 1], self.h_states[t + 1] = C_t, h_t
            self.y_probs[t] = np.exp(log_y)                      # y_t = softmax (Ex1 TODO 14)
        return float(loss)

    def backward(self):
        """BPTT through the last `forward`: its steps in reverse, each name with a d in front.
        Sets dWf, dbf, ..., dWy, dby, clipped to [-clip_value, clip_value]. Returns (dh_next,
        dC_next): d loss / d h_prev and d loss / d C_prev, shaped like the states, unclipped."""
        if not hasattr(self, "y_probs"):
            raise RuntimeError("backward: call forward(inputs, targets, h_prev, C_prev) first")
        for name in self.PARAM_NAMES:
            setattr(self, "d" + name, np.zeros_like(getattr(self, name)))
        target_onehot = self.targets[..., None] == np.arange(self.output_size)
        scored = (self.targets >= 0)[..., None]
        dh_next = np.zeros_like(self.h_states[0])                # d loss / d h_t from step t+1
        dC_next = np.zeros_like(self.C_states[0])                # d loss / d C_t from step t+1
        for t in reversed(range(len(self.targets))):
            concat = np.concatenate([self.h_states[t], self.inputs_cache[t]], axis=-1)
            f_t, i_t = self.f_gates[t], self.i_gates[t]
            C_tilde, o_t = self.C_tilde_cache[t], self.o_gates[t]
            dy = (self.y_probs[t] - target_onehot[t]) * scored[t]  # softmax + CE (Ex1 TODO 16)
            self.dWy += batch_outer(dy, self.h_states[t + 1])    # (Ex1 TODO 17)
            self.dby += batch_sum(dy)                            # (Ex1 TODO 17)
            dh = dy @ self.Wy + dh_next                          # output and step t+1 (Ex1 TODO 18)
            do, dC = self.hidden_backward(dh, o_t, self.C_states[t + 1])             # (Ex1 TODO 19)
            dC = dC + dC_next                                    # via h_t and C_{t+1} (Ex1 TODO 20)
            dC_tilde = dC * i_t                                  # (Ex1 TODO 21)
            di = dC * C_tilde                                    # (Ex1 TODO 22)
            df = dC * self.C_states[t]                           # (Ex1 TODO 23)
            dC_next = dC * f_t                   # f_t near 1 keeps the gradient (Ex1 TODO 24)
            dconcat = self.gates_backward(concat, (f_t, i_t, C_tilde, o_t), (df, di, dC_tilde, do))
            dh_next = dconcat[..., :self.hidden_size]            # h_prev's part (Ex1 TODO 26)
        if self.clip_value is not None:                          # tames exploding gradients
            for name in self.PARAM_NAMES:
                grad = getattr(self, "d" + name)
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)   # (Ex1 TODO 27)
        return dh_next, dC_next

    def update_weights(self, learning_rate):
        """One Adagrad step for every parameter, the course reference's update (the stub's comment
        says SGD): memory += d ** 2; param -= learning_rate * d / sqrt(memory + 1e-8), so a weight
        whose gradients have been large takes smaller steps from then on."""
        learning_rate = check_float("learning_rate", learning_rate)
        if not hasattr(self, "dWf"):
            raise RuntimeError("update_weights: call forward and backward first")
        for name in self.PARAM_NAMES:
            param, grad, memory = getattr(self, name), getattr(self, "d" + name), self.memory[name]
            memory += grad * grad                                            # (Ex1 TODO 28)
            param -= learning_rate * grad / np.sqrt(memory + 1e-8)           # (Ex1 TODO 28)

    def sample(self, h, C, seed_idx, n, temperature=1.0, rng=None):
        """n ids generated from (H,) states h, C and the input id seed_idx, each fed back as the
        next input. temperature > 0 divides the logits (below 1 is greedier); rng defaults to the
        model's. Returns a list of n ints in [0, V). Needs input_size == output_size."""
        temperature, n = check_float("temperature", temperature), check_int("n", n, low=0)
        if self.input_size != self.output_size:
            raise ValueError(f"sample: needs input_size == output_size, got {self.input_size} "
                             f"and {self.output_size}")
        check_ids("seed_idx", [seed_idx], self.input_size)
        h, C = check_state("h", h, (self.hidden_size,)), check_state("C", C, (self.hidden_size,))
        rng = self.rng if rng is None else rng
        ids = [seed_idx]
        for _ in range(n):
            x_t = np.eye(self.input_size)[ids[-1]]
            f_t, i_t, C_tilde, o_t = self.gates(np.concatenate([h, x_t]))
            C = f_t * C + i_t * C_tilde
            h = self.hidden(o_t, C)
            p = np.exp(log_softmax((self.Wy @ h + self.by) / temperature))
            ids.append(int(rng.choice(self.output_size, p=p)))
        return ids[1:]

# ---- Training ------------------------------------------------------------------------------
def train(model, data_ids, iterations, seq_length, learning_rate, batch_size=1, heldout_ids=None,
          log_every=0, id_to_char=None, temperature=TEMPERATURE, log=print):
    """Truncated BPTT with Adagrad on batch_size streams of data_ids (N,), seq_length ids a window,
    h and C carried across windows. heldout_ids are scored every log_every iterations and at the
    end, and the weights with the lowest held-out loss kept; id_to_char (V characters) adds samples
    to the progress lines. Returns {'loss_per_char', 'smooth_loss': (iterations,) nats/char;
    'heldout': [(iteration, loss)]; 'seconds'}; TrainingDiverged if a loss becomes NaN or inf."""
    iterations, T, B, learning_rate, temperature = check_training(
        iterations, seq_length, batch_size, learning_rate, temperature)
    log_every = check_int("log_every", log_every, low=0)
    data_ids = check_ids("data_ids", data_ids, model.input_size)
    if len(data_ids) < B * T + 1:
        raise ValueError(f"data_ids: expected batch_size * seq_length + 1 = {B * T + 1} ids or "
                         f"more, got {len(data_ids)}")
    if heldout_ids is not None and len(check_ids("heldout_ids", heldout_ids, model.input_size)) < 2:
        raise ValueError(f"heldout_ids: expected at least 2 ids, got {len(heldout_ids)}")
    if id_to_char is not None and len(id_to_char) != model.output_size:
        raise ValueError(f"id_to_char: expected {model.output_size} characters, "
                         f"got {len(id_to_char)}")
    L = (len(data_ids) - 1) // B                                 # characters per stream
    inputs = data_ids[:B * L].reshape(B, L).T                    # (L, B): column b is stream b
    targets = data_ids[1:B * L + 1].reshape(B, L).T              # the character after each one
    losses, smooth, pos = np.empty(iterations), np.empty(iterations), L
    running = math.log(model.output_size)                        # a uniform guess, per character
    heldout, best, seconds = [], (math.inf, {}), 0.0
    with np.errstate(over="ignore", invalid="ignore"):           # a blow-up shows as a NaN loss
        for n in range(iterations):
            start = time.perf_counter()
            if pos + T > L:                                      # the streams ran out: start again
                pos, h, C = 0, np.zeros((B, model.hidden_size)), np.zeros((B, model.hidden_size))
            losses[n] = model.forward(inputs[pos:pos + T], targets[pos:pos + T], h, C) / (T * B)
            check_finite_loss(losses[n], "training", n + 1, learning_rate)
            model.backward()
            model.update_weights(learning_rate)
            h, C, pos = model.h_states[-1], model.C_states[-1], pos + T
            smooth[n] = running = 0.9 * running + 0.1 * losses[n]
            seconds += time.perf_counter() - start
            if not ((log_every and (n + 1) % log_every == 0) or n + 1 == iterations):
                continue
            line = f"iter {n + 1}/{iterations}  loss/char {running:.2f}"
            if heldout_ids is not None:
                heldout.append((n + 1, evaluate(model, heldout_ids)))
                check_finite_loss(heldout[-1][1], "held-out", n + 1, learning_rate)
                line += f"  held-out {heldout[-1][1]:.2f}"
                if heldout[-1][1] < best[0]:
                    best = heldout[-1][1], {p: getattr(model, p).copy() for p in model.PARAM_NAMES}
            if log_every:
                eta = format_eta(seconds / (n + 1) * (iterations - n - 1))
                log(f"{line}  {(n + 1) * T * B / seconds / 1000:.1f}k chars/s  eta {eta}")
                if id_to_char is not None:
                    ids = model.sample(h[0], C[0], int(targets[pos - 1, 0]), SAMPLE_LENGTH,
                                       temperature)
                    log("    | " + "".join(id_to_char[k] for k in ids).replace("\n", "\n    | "))
    for name, value in best[1].items():
        getattr(model, name)[...] = value
    return {"loss_per_char": losses, "smooth_loss": smooth, "heldout": heldout, "seconds": seconds}

def test_lstm(iterations=100, hidden_size=10, learning_rate=0.01, seed=SEED, log=print):
    """The stub's sanity run: "hellohellohello" in windows of 5 characters, h and C carried over, as
    its driver does. Returns {'losses': (iterations,) nats/char, 'sample': 'h' + 14 sampled}."""
    chars = ["e", "h", "l", "o"]
    lstm = LSTMFromScratch(len(chars), hidden_size, len(chars), seed=seed)
    ids = [chars.index(ch) for ch in "hellohellohello"]
    history = train(lstm, ids, iterations, seq_length=5, learning_rate=learning_rate, log=None)
    zeros, losses = np.zeros(hidden_size), history["loss_per_char"]
    sample = "h" + "".join(chars[k] for k in lstm.sample(zeros, zeros, chars.index("h"), 14, 0.5))
    if log:
        log(f"hello check: loss/char {losses[0]:.3f} -> {losses[-1]:.4f} (uniform guess ln 4 = "
            f"{math.log(4):.3f}) in {iterations} iterations; sample {sample!r}")
    return {"losses": losses, "sample": sample}

# ---- The demo: gradient check, hello check, a language model with held-out text ----------
def run_demo(text=None, iterations=ITERATIONS, hidden_size=HIDDEN_SIZE, seq_length=SEQ_LENGTH,
             batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE, temperature=TEMPERATURE,
             seed=SEED, text_name="the built-in text", log=print):
    """A gradient check, the hello check, then a character-level language model on `text` (None:
    the built-in text), its last 10% held out; every argument checked first. Returns the results."""
    text = check_text("text", DEFAULT_CORPUS if text is None else text)
    chars = sorted(set(text))
    split, V = len(text) - int(len(text) * HELDOUT_FRACTION), len(chars)
    model = LSTMFromScratch(V, hidden_size, V, seed=seed)       # checks hidden_size and seed
    iterations, seq_length, batch_size, learning_rate, temperature = check_training(
        iterations, seq_length, batch_size, learning_rate, temperature, max_chars=split - 1)
    worst = report_gradient_check(seed, log)                     # below the Tooling line
    hello = test_lstm(iterations=300, learning_rate=0.1, seed=seed, log=log)
    ids = np.searchsorted(chars, list(text))                     # chars is sorted: each one's index
    log(f"\ntraining on {split} characters of {text_name} ({len(text) - split} held out), {V} "
        f"distinct; H={hidden_size}, T={seq_length}, batch {batch_size}, Adagrad lr "
        f"{learning_rate}, {iterations} iterations; the first loss should be near ln {V} = "
        f"{math.log(V):.2f} nats/char")
    history = train(model, ids[:split], iterations, seq_length, learning_rate, batch_size,
                    heldout_ids=ids[split:], log_every=max(1, iterations // 10), id_to_char=chars,
                    temperature=temperature, log=log)
    zeros = np.zeros(hidden_size)
    generated = model.sample(zeros, zeros, ids[0], 1999, temperature, np.random.default_rng(seed))
    sample = text[0] + "".join(chars[k] for k in generated)     # 2,000 characters
    best_at, best = min(history["heldout"], key=lambda pair: pair[1])
    return {"gradcheck_error": worst, "hello": hello, "history": history, "V": V,
            "hidden_size": hidden_size, "text_name": text_name, "best_at": best_at,
            "best_heldout": best, "final_heldout": history["heldout"][-1][1], "sample": sample,
            "real_words": real_word_share(sample, text)}

# ---- Printing and plotting -----------------------------------------------------------------
def print_summary(r, figure):
    """Print the end-of-run summary from `run_demo`'s dict."""
    h, n, (share, words) = r["history"], len(r["history"]["loss_per_char"]), r["real_words"]
    rose = r["final_heldout"] > 1.05 * r["best_heldout"]
    print(f"\nsummary\n  training loss/char {h['loss_per_char'][0]:.2f} -> "
          f"{h['smooth_loss'][-1]:.2f} (moving average; a uniform guess scores "
          f"{math.log(r['V']):.2f})")
    print(f"  held-out loss/char: lowest {r['best_heldout']:.2f} at iteration {r['best_at']} "
          f"(these weights are kept), {r['final_heldout']:.2f} at {n}"
          + (": it rose, the model memorising its text" if rose else ""))
    print(f"  {n} iterations in {h['seconds']:.1f} s ({1000 * h['seconds'] / n:.1f} ms each); real "
          f"words (3+ letters, found in the text) in a {len(r['sample'])}-character sample: "
          f"{share:.0%} of {words}")
    print(f"  sample: {r['sample'][:300]!r}\n  figure: {figure}")

def plot_loss_curve(r, path):
    """Save the training curve, the uniform-guess line and the held-out loss as a PNG at `path`."""
    h, V = r["history"], r["V"]
    fig, ax = plt.subplots(figsize=(8, 5))
    steps = np.arange(1, len(h["loss_per_char"]) + 1)
    ax.plot(steps, h["loss_per_char"], color="tab:blue", alpha=0.25, lw=0.8, label="training loss")
    ax.plot(steps, h["smooth_loss"], color="tab:blue", lw=2, label="training, moving average")
    ax.axhline(math.log(V), color="gray", ls="--", lw=1, label=f"uniform guess, ln {V}")
    ax.plot(*zip(*h["heldout"]), "o-", color="tab:red", lw=1.5, ms=4, label="held-out (last 10%)")
    ax.plot(r["best_at"], r["best_heldout"], "*", color="black", ms=14, label="weights kept")
    ax.set(xlabel="training iteration", ylabel="loss (nats per character)",
           ylim=(0, 1.15 * math.log(V)), title=f"Exercise 1: LSTM (H={r['hidden_size']}) on "
           f"{r['text_name']}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8.5, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

def main(argv=None):
    """Check every flag, then grade --check FILE or run the demo. Returns the exit code, 0-2."""
    try:
        args = parse_args(argv)
        if args.check:
            return check_attempt(args.check, args.seed).report(CHECK_TITLE)
        results = run_demo(args.text, args.iterations, args.hidden_size, args.seq_length,
                           args.batch_size, args.learning_rate, args.temperature, args.seed,
                           args.text_name)
        plot_loss_curve(results, args.figure)
        print_summary(results, args.figure)
    except (ValueError, CheckSetupError) as err:                 # bad input: one line, exit code 2
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1
    if args.show:
        plt.show()
    return 0

# ---- Tooling: nothing below this line is part of the exercise ----
import argparse
import contextlib
import importlib.util
import io
import os
import re
import signal
import tempfile
import threading
import traceback
import warnings

PROG = os.path.basename(__file__)
QUICK_ITERATIONS = 200
OUTDIR = "outputs"
MAX_SIZE = 4096            # the largest --hidden-size and --batch-size accepted
MIN_TEXT_CHARS = 500       # the shortest text: 16 streams of 25 characters, and a held-out part

# ---- Argument checks and batch helpers (Exercises 2-4 carry these with the class) ------------
def check_int(name, value, low=1, high=10 ** 9):
    """`value` if it is an integer in [low, high]; otherwise ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name}: expected an integer in [{low}, {high:,}], got {value!r}")
    return int(value)

def check_float(name, value, low=0.0):
    """`value` as a float if it is a finite number > low; otherwise ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not (math.isfinite(value) and value > low):
        raise ValueError(f"{name}: expected a finite number > {low:g}, got {value!r}")
    return float(value)

def check_ids(name, ids, size, allow_skip=False):
    """`ids` as an int array, (T,) or (T, B), in [0, size) or -1 if allow_skip; else ValueError."""
    arr = np.asarray(ids)
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty (T,) or (T, B) array of ids, got shape {arr.shape}")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: expected integer ids, got dtype {arr.dtype}")
    bad = (arr < (-1 if allow_skip else 0)) | (arr >= size)
    if bad.any():
        allowed = f"[0, {size})" + (" or -1" if allow_skip else "")
        raise ValueError(f"{name}: expected ids in {allowed}, got {arr[bad][0]}")
    return arr

def check_state(name, state, shape):
    """`state` as a finite float array of `shape`; otherwise ValueError naming `name`."""
    arr = np.asarray(state, dtype=np.float64)
    if arr.shape != shape or not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values of shape {shape}, got shape {arr.shape}"
                         + ("" if arr.shape != shape else " with NaN or inf"))
    return arr

def batch_outer(a, b):
    """Sum over the batch of a b^T: (..., m), (..., n) -> (m, n); np.outer(a, b) for (m,), (n,)."""
    return a.reshape(-1, a.shape[-1]).T @ b.reshape(-1, b.shape[-1])

def batch_sum(a):
    """Sum over the batch axis, if there is one: (..., m) -> (m,)."""
    return a.reshape(-1, a.shape[-1]).sum(axis=0)

def check_training(iterations, seq_length, batch_size, learning_rate, temperature, max_chars=None):
    """`train`'s and `run_demo`'s settings, each checked by name
    (seq_length <= max_chars // batch_size)."""
    batch_size = check_int("batch_size", batch_size)
    high = 10 ** 9 if max_chars is None else max(1, max_chars // batch_size)
    return (check_int("iterations", iterations), check_int("seq_length", seq_length, high=high),
            batch_size, check_float("learning_rate", learning_rate),
            check_float("temperature", temperature))

def check_text(name, text):
    """`text` if it is a str of MIN_TEXT_CHARS characters or more, 2+ distinct; otherwise
    ValueError naming `name`."""
    if not isinstance(text, str) or len(text) < MIN_TEXT_CHARS or len(set(text)) < 2:
        raise ValueError(f"{name}: expected a text of at least {MIN_TEXT_CHARS} characters, "
                         "2 or more distinct, got " + (
                             f"{len(text):,} characters, {len(set(text))} distinct"
                             if isinstance(text, str) else type(text).__name__))
    return text

class TrainingDiverged(RuntimeError):
    """The loss stopped being finite; the message says what to try."""

def check_finite_loss(loss, which, n, learning_rate):
    """TrainingDiverged, with advice, if the `which` loss at iteration n is NaN or inf."""
    if not np.isfinite(loss):
        raise TrainingDiverged(f"the {which} loss became {loss} at iteration {n}; "
                               f"try a smaller learning rate (now {learning_rate})")

def format_eta(seconds):
    """Seconds -> 'm:ss'."""
    return f"{int(round(seconds)) // 60}:{int(round(seconds)) % 60:02d}"

# ---- What the demo measures besides training: held-out loss, real words, the gradient check --
def evaluate(model, data_ids):
    """Nats/char predicting data_ids[1:] from data_ids[:-1] ((N,), N >= 2), from zero states:
    its first 20,000."""
    # the first 20,000 characters: 10% of a 1 MB text, 2 s a time
    n, zeros = min(len(data_ids) - 1, 20_000), np.zeros(model.hidden_size)
    return model.forward(data_ids[:n], data_ids[1:n + 1], zeros, zeros) / n

def real_word_share(sample, corpus):
    """(share, count) of the sample's words of 3+ letters (case-folded) that are words of the
    corpus (0.0: none)."""
    vocabulary = set(re.findall(r"[a-z]+", corpus.lower()))
    words = [w for w in re.findall(r"[a-z]+", sample.lower()) if len(w) >= 3]
    return (sum(w in vocabulary for w in words) / len(words) if words else 0.0), len(words)

def gradient_check(model, inputs, targets, h_prev, C_prev, eps=1e-5):
    """`backward` beside centred differences (loss(p + eps) - loss(p - eps)) / 2 eps:
    {name: ||a - n|| / (||a|| + ||n||)} per array (an entry near 1e-9 is below float64's
    resolution); a correct backward gives about 1e-9."""
    eps, loss = check_float("eps", eps), lambda: model.forward(inputs, targets, h_prev, C_prev)
    saved_clip, model.clip_value = model.clip_value, None   # clipping would change the gradient
    try:
        loss()
        model.backward()
        errors = {}
        for name in model.PARAM_NAMES:
            param, analytic = getattr(model, name), getattr(model, "d" + name)
            numeric = np.zeros_like(param)
            for k in np.ndindex(param.shape):
                old, param[k] = param[k], param[k] + eps
                plus, param[k] = loss(), old - eps
                numeric[k], param[k] = (plus - loss()) / (2 * eps), old
            scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
            errors[name] = float(np.linalg.norm(analytic - numeric) / scale) if scale else 0.0
        return errors
    finally:
        model.clip_value = saved_clip

def random_gradcheck_case(seed, D=5, H=4, V=6, T=6, batch_size=None):
    """(model, inputs, targets, h_prev, C_prev): parameters from N(0, 0.5^2) (gates not
    saturated), random ids."""
    rng = np.random.default_rng(seed)
    model = LSTMFromScratch(D, H, V, seed=seed)
    for name in model.PARAM_NAMES:
        getattr(model, name)[...] = rng.normal(0.0, 0.5, getattr(model, name).shape)
    batch = () if batch_size is None else (batch_size,)
    return (model, rng.integers(0, D, (T,) + batch), rng.integers(0, V, (T,) + batch),
            rng.normal(0, 0.5, batch + (H,)), rng.normal(0, 0.5, batch + (H,)))

def report_gradient_check(seed, log=print):
    """The demo's first line: `gradient_check` on `random_gradcheck_case(seed)`; returns the
    largest error."""
    worst = max(gradient_check(*random_gradcheck_case(seed)).values())
    log(f"gradient check (a random model, T=6, D=5, H=4, V=6): largest relative error "
        f"{worst:.1e}, {'PASS' if worst <= 1e-7 else 'FAIL'} at tolerance 1e-7")
    return worst

# ---- Command line ----------------------------------------------------------------------------
def prepare_outdir(path, flag="--outdir"):
    """Create the output folder and prove it writable, before any training; ValueError naming
    `flag`."""
    try:
        os.makedirs(path, exist_ok=True)                        # '' raises FileNotFoundError too
        tempfile.TemporaryFile(dir=path).close()
    except OSError as err:
        raise ValueError(f"{flag}: cannot write to {path!r} ({err.strerror or err})") from None
    return path

def read_text(path):
    """(text, file name) of a UTF-8 text for --text; ValueError naming --text if it cannot serve."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        reason = "not UTF-8 text" if isinstance(err, UnicodeDecodeError) else err.strerror or err
        raise ValueError(f"--text: cannot read {path!r} ({reason})") from None
    return check_text(f"--text {path!r}", text), os.path.basename(path)

def parse_args(argv=None):
    """The flags, each checked before any work (ValueError naming it; --seed before --check
    imports anything)."""
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Exercise 1: an LSTM from scratch in NumPy, trained as a character-level "
                    "language model.",
        epilog="Prints a gradient check, the hello check, progress lines with samples and a "
               "summary; saves ex1_loss_curve.png under --outdir.")
    # an error is one line, without the usage block
    p.error = lambda message: p.exit(2, f"{PROG}: error: {message}\n")
    p.add_argument("--seed", type=int, default=SEED,
                   help="an integer >= 0 for the weights and samples (default %(default)s)")
    p.add_argument("--iterations", type=int,
                   help=f"training iterations (default {ITERATIONS}; --quick: {QUICK_ITERATIONS})")
    p.add_argument("--text", metavar="FILE",
                   help=f"train on your own UTF-8 text of {MIN_TEXT_CHARS}+ characters, e.g. the "
                        "course's data/input.txt (its last 10%% held out, 20,000 characters of it "
                        "scored); default: a built-in English text")
    p.add_argument("--hidden-size", type=int, default=HIDDEN_SIZE,
                   help="hidden units (default %(default)s)")
    p.add_argument("--seq-length", type=int, default=SEQ_LENGTH,
                   help="window length T (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                   help="text streams (default %(default)s)")
    p.add_argument("--learning-rate", type=float, default=LEARNING_RATE,
                   help="Adagrad step (default %(default)s)")
    p.add_argument("--temperature", type=float, default=TEMPERATURE,
                   help="for samples (default %(default)s)")
    p.add_argument("--outdir", default=OUTDIR,
                   help="where the figure is saved (default %(default)s)")
    p.add_argument("--check", metavar="FILE",
                   help="grade the LSTMFromScratch of your exercise file, TODO by TODO (it is "
                        "imported from its folder)")
    p.add_argument("--quick", action="store_true", help="a short run")
    p.add_argument("--show", action="store_true", help="also open the figure in a window")
    args = p.parse_args(argv)
    args.seed = check_int("--seed", args.seed, low=0)
    if not args.show:
        plt.switch_backend("Agg")                                # headless unless --show
    if args.check:
        return args
    args.text, args.text_name = read_text(args.text) if args.text else (None, "the built-in text")
    text = args.text or DEFAULT_CORPUS
    args.hidden_size = check_int("--hidden-size", args.hidden_size, high=MAX_SIZE)
    args.batch_size = check_int("--batch-size", args.batch_size, high=MAX_SIZE)
    max_chars = len(text) - int(len(text) * HELDOUT_FRACTION) - 1
    args.seq_length = check_int("--seq-length", args.seq_length,
                                high=max(1, max_chars // args.batch_size))
    iterations = (args.iterations if args.iterations is not None
                  else QUICK_ITERATIONS if args.quick else ITERATIONS)
    args.iterations = check_int("--iterations", iterations, high=10 ** 6)
    args.learning_rate = check_float("--learning-rate", args.learning_rate)
    args.temperature = check_float("--temperature", args.temperature)
    args.figure = os.path.join(prepare_outdir(args.outdir), "ex1_loss_curve.png")
    return args

# ---- --check: the learner's file, imported as they run it, and the checklist --------------------
# (The same code in every script of the pack; tests/test_pack_consistency.py keeps them equal.)
class CheckSetupError(Exception):
    """--check cannot begin (a missing file, a missing course module): one line, exit code 2."""


def read_attempt(path):
    """The absolute path and source lines of a learner's file; CheckSetupError if it is missing, a
    folder, not a .py file, not UTF-8 or empty."""
    if not isinstance(path, str) or not path:
        raise CheckSetupError(f"--check: expected the path of your .py file, got {path!r}")
    full = os.path.abspath(path)
    if os.path.isdir(full):
        raise CheckSetupError(f"--check: {path!r} is a folder; give the .py file inside it")
    if not os.path.isfile(full):
        raise CheckSetupError(f"--check: no file {path!r} (from {os.getcwd()})")
    if not full.endswith(".py"):
        raise CheckSetupError(f"--check: expected a Python file ending in .py, got {path!r}")
    try:
        with open(full, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise CheckSetupError(f"--check: cannot read {path!r} as UTF-8 text "
                              f"({err.__class__.__name__})") from None
    if not source.strip():
        raise CheckSetupError(f"--check: {path!r} is empty")
    return full, source.splitlines()


def forget_relative_finders():
    """Drop the import finders Python cached for relative sys.path entries, such as the course's
    '..': each was resolved against the working directory of its first use, so a later import
    from another folder would search the first folder again."""
    for key in [k for k in sys.path_importer_cache if isinstance(k, str) and not os.path.isabs(k)]:
        del sys.path_importer_cache[key]


@contextlib.contextmanager
def in_folder(folder, seconds=None):
    """Run a block as if from `folder`: it is the working directory and first on sys.path, learner
    output and warnings are silenced, input() meets an empty stdin, and a block running over
    `seconds` raises TimeoutError.
    Everything is restored afterwards, whatever the block raised."""
    old_cwd, old_path, old_stdin, old_exit = os.getcwd(), list(sys.path), sys.stdin, os._exit

    def no_exit(code=0):                                  # os._exit would end --check silently
        raise SystemExit(code)
    timer = seconds and hasattr(signal, "SIGALRM") \
        and threading.current_thread() is threading.main_thread()
    if timer:
        def on_alarm(signum, frame):
            raise TimeoutError(f"still running after {seconds:.3g} s")
        old_handler = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        os.chdir(folder)
        sys.path.insert(0, folder)
        sys.stdin = io.StringIO("")                       # input() fails at once, never waits
        os._exit = no_exit
        forget_relative_finders()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        os.chdir(old_cwd)
        sys.path[:], sys.stdin, os._exit = old_path, old_stdin, old_exit
        forget_relative_finders()


class Checklist:
    """A learner's file and the rows of its checklist.

    rows: (todo, what, ok, detail, hint); ok is True, False, or None for an item that could not be
    compared (detail says why). stub_errors: (regex, hint) pairs for errors that come from a line
    the course's exercise file wrote itself; the hint says so and how to change the line. seconds:
    the limit of one call into the learner's code; total: of all of them together."""

    def __init__(self, path, stub_errors=(), seconds=60, total=50):
        self.path, self.source = read_attempt(path)
        self.folder = os.path.dirname(self.path)
        self.stub_errors, self.seconds, self.rows, self.module = stub_errors, seconds, [], None
        self.deadline = time.monotonic() + total          # the whole check stays within a minute

    def limit(self):
        """Seconds the next call may take: its own limit, within what is left of the total."""
        return max(0.0, min(self.seconds, self.deadline - time.monotonic()))

    def add(self, todo, what, ok, detail="", hint=""):
        ok = None if ok is None else bool(ok)             # a numpy bool would never count as False
        self.rows.append((str(todo), str(what), ok, str(detail), str(hint)))
        return ok

    def todo_at(self, line, default):
        """The TODO number of the nearest comment at or above `line` of the learner's file, within
        the function holding that line (or the comments just above its def); else `default`."""
        indent = len(self.source[line - 1]) - len(self.source[line - 1].lstrip())
        start = 0
        for k in range(line - 1, -1, -1):                 # the def that holds the line
            text = self.source[k]
            if text.strip() and len(text) - len(text.lstrip()) < indent \
                    and re.match(r"\s*(async\s+)?def\s", text):
                start = k
                while start > 0 and self.source[start - 1].strip().startswith(("#", "@")):
                    start -= 1                            # its comments and decorators
                break
        else:
            return default if indent == 0 else self._nearest(line, default)
        return self._nearest(line, default, start)

    def _nearest(self, line, default, start=0):
        todos = re.findall(r"TODO\s*(\d+)", "\n".join(self.source[start:line]))
        return todos[-1] if todos else default

    def failed(self, todo, what, err):
        """A FAIL row for an error raised by the learner's code, at the TODO above its line."""
        frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == self.path]
        line = frames[-1].lineno if frames else None
        top_level = bool(frames) and frames[-1].name == "<module>"    # runs when imported
        if line is None and isinstance(err, SyntaxError) and err.filename == self.path:
            line = err.lineno                             # a file that does not compile
        text = f"{err.__class__.__name__}: {err}".strip().splitlines()[0][:160]
        hint = next((h for pattern, h in self.stub_errors if re.search(pattern, text)), None)
        if hint is None and top_level:
            hint = ("this line runs when your file is imported: if it belongs to the driver, "
                    "put the driver under if __name__ == \"__main__\":")
        elif hint is None and isinstance(err, TypeError) and "argument" in text and not frames:
            hint = ("your class or function takes other arguments than the exercise file gives "
                    "it here (its __init__ or def line?)")
        elif hint is None:
            hint = ("your code raised this error at that line" if line else
                    "raised outside your file, by what your code passed it")
        if isinstance(err, TimeoutError):
            hint = "a loop that never ends, or far more work than the check gives it"
        elif isinstance(err, EOFError):
            hint = "your code asks for input(), which --check cannot answer: take it as an argument"
        elif isinstance(err, SystemExit):
            text = f"SystemExit({err.code!r})"
            hint = "your code called sys.exit() (or quit()); --check needs it to return"
        self.add(self.todo_at(line, todo) if line and not top_level else todo, what, False,
                 (f"line {line}: " if line else "") + text, hint)

    def call(self, todo, what, fn, *args, **kwargs):
        """(fn(*args, **kwargs), True), run from the learner's folder; (None, False) after adding a
        FAIL row if it raised anything, SystemExit and KeyboardInterrupt included."""
        if self.limit() < 0.5:
            self.add(todo, what, None, "not run: the calls above used up the check's time")
            return None, False
        try:
            with in_folder(self.folder, self.limit()):
                return fn(*args, **kwargs), True
        except BaseException as err:                      # the learner's bug: reported, not raised
            self.failed(todo, what, err)
            return None, False

    def load(self, name="learner_attempt"):
        """Import the file as `python FILE` would find its imports (its own folder first on sys.path
        and as the working directory), but under `name`, so that a driver guarded by
        `if __name__ == "__main__":` does not run. CheckSetupError for a course module it cannot
        find; any other error becomes a FAIL row. Returns the module, or None."""
        spec = importlib.util.spec_from_file_location(name, self.path)
        module = importlib.util.module_from_spec(spec)
        before = set(sys.modules)
        seconds = min(max(self.seconds, 30.0), self.deadline - time.monotonic())
        try:                                              # an unguarded driver may train: 30 s
            with in_folder(self.folder, max(seconds, 0.5)):
                spec.loader.exec_module(module)
        except ModuleNotFoundError as err:
            if err.name and err.name.split(".")[0] in ("numpy", "matplotlib"):
                self.failed("-", "import your file", err)
                return None
            hint = next((h for pattern, h in self.stub_errors if re.search(pattern, str(err))), "")
            raise CheckSetupError(
                f"--check: {os.path.basename(self.path)} imports {err.name!r}, which Python cannot "
                f"find from {self.folder} or the folders its sys.path lines add"
                + (f"; {hint}" if hint else "")) from None
        except TimeoutError as err:                       # most often a driver left unguarded
            self.add("-", "import your file", False, f"{err}", "importing it runs code at the "
                     "file's top level, such as a driver or a training run: put that code under "
                     "if __name__ == \"__main__\": so that importing only defines your functions")
            return None
        except BaseException as err:
            self.failed("-", "import your file", err)
            return None
        finally:                                          # a later check may import another attempt
            for key in set(sys.modules) - before:
                if getattr(sys.modules[key], "__file__", None) and \
                        not sys.modules[key].__file__.startswith((sys.prefix, sys.base_prefix)):
                    del sys.modules[key]
        self.module = module
        return module

    def find(self, *names):
        """The first of `names` the learner's module defines, or None (after a FAIL row)."""
        for name in names:
            if hasattr(self.module, name):
                return getattr(self.module, name)
        self.add("-", names[0], False, "not in your file", f"define {names[0]} as the exercise "
                 "file names it")
        return None

    def report(self, title):
        """Print the checklist, a hint under each failure; return the exit code (0: all pass).
        A reader that stops early (`--check FILE | head`) ends the printing quietly."""
        lines = [f"checking {self.path}", f"  {title}"]
        for todo, what, ok, detail, hint in self.rows:
            mark = {True: "ok", False: "FAIL", None: "skip"}[ok]
            lines.append(f"  {mark:<4}  TODO {todo:<7} {what:<34} {detail}".rstrip())
            if ok is False and hint:
                lines.append(f"{'':20}{hint}")
        failed = sum(row[2] is False for row in self.rows)
        skipped = sum(row[2] is None for row in self.rows)
        compared = len(self.rows) - skipped
        note = f" ({skipped} not compared: see 'skip')" if skipped else ""
        if compared == 0:
            lines.append("nothing could be compared: see the lines above")
        elif failed:
            lines.append(f"{failed} of {compared} items fail{note}: fix the first FAIL first, as "
                         "later items use its result")
        else:
            lines.append(f"all {compared} compared items match{note}")
        try:
            print("\n".join(lines), flush=True)
        except BrokenPipeError:                           # the reader has gone: print no more
            sys.stdout = open(os.devnull, "w")
        return 1 if failed or compared == 0 else 0

# ---- --check for Exercise 1: the learner's LSTMFromScratch beside this one, value by value ---
CHECK_TITLE = ("beside this solution's LSTM (D=5, H=4, V=6, same parameters and inputs): "
               "1 step, 6 steps, 2 updates")
STUB_ERRORS = [
    (r"name 'targets' is not defined",
     "the exercise file's backward(self) reads `targets`, which it is never given: keep them in "
     "forward (self.targets = targets) and read self.targets in backward"),
    (r"has no attribute '(forward|backward|update_weights)'",
     "define the methods as the exercise file names them: forward(self, inputs, targets, h_prev, "
     "C_prev), backward(self), update_weights(self, learning_rate)"),
]
FORWARD = [  # rows (key, TODO, name, hint)
    ("x", "6", "inputs_cache",
     "x_t = one-hot of inputs[t]; concat = np.concatenate([h_prev, x_t]), h first"),
    ("f", "7", "f_gates", "f_t = sigmoid(Wf @ concat + bf)"),
    ("i", "8", "i_gates", "i_t = sigmoid(Wi @ concat + bi)"),
    ("g", "9", "C_tilde_cache", "C_tilde = tanh(Wc @ concat + bc)"),
    ("C", "10", "C_states", "C_t = f_t * C_prev + i_t * C_tilde"),
    ("o", "11", "o_gates", "o_t = sigmoid(Wo @ concat + bo)"),
    ("h", "12", "h_states", "h_t = o_t * tanh(C_t)"),
    ("y", "13-14", "y_probs", "y_t = softmax(Wy @ h_t + by)"),
]
BACKWARD = [  # rows (TODO, gradient, hint)
    ("16-17", "dWy", "dy = y_t - onehot(target_t); dWy += np.outer(dy, h_t)"),
    ("16-17", "dby", "dby += dy"),
] + [
    row
    for todo, k, d, prime in (
        ("19", "o", "do = dh * tanh(C_t) (the exercise file's comment has it reversed)",
         "o_t * (1 - o_t)"),
        ("21", "c", "dC_tilde = dC * i_t", "(1 - C_tilde**2)"),
        ("22", "i", "di = dC * C_tilde", "i_t * (1 - i_t)"),
        ("23", "f", "df = dC * C_prev", "f_t * (1 - f_t)"))
    for row in (
        (f"{todo}, 25", "dW" + k, f"{d}; dW{k} += np.outer({d.split()[0]} * {prime}, concat)"),
        (todo, "db" + k,
         f"db{k} += {d.split()[0]} * {prime}: a bias takes the gradient after its nonlinearity, "
         "as its weights do (the exercise file's pre-written bias lines add do, dC_tilde, di, df)"))
] + [
    ("24", "dC_next", "dC_next = dC * f_t, returned second"),
    ("26", "dh_next", "dh_next = (Wf.T @ dzf + Wi.T @ dzi + Wc.T @ dzc + Wo.T @ dzo)[:H], each dz "
     "after its nonlinearity; backward returns (dh_next, dC_next)"),
]
SLIPS = [  # seen over steps: rows (TODO, slip, hint)
    ("18", "dh", "dh = Wy.T @ dy misses + dh_next, the gradient coming back from step t+1"),
    ("20", "dC", "dC misses + dC_next, the cell gradient coming back from step t+1"),
    ("23", "C_prev",
     "df reads the cell state one step off: C_prev for step t is C_states[t], not [t-1]"),
    ("24", "dC_next", "dC_next accumulates (+=) over the steps; dC_next = dC * f_t replaces it"),
    ("24", "f_prev", "dC_next = dC * f_t, with step t's forget gate f_gates[t], not f_gates[t-1]"),
]

def _steps(value):
    """`value` as (steps, n) floats: an array, a list of vectors, a dict keyed by step (hs[-1]
    first); or None."""
    with contextlib.suppress(Exception):
        if isinstance(value, dict):
            value = ([value[k] for k in sorted(value)]
                     if value and all(isinstance(k, int) for k in value) else None)
        arr = np.asarray(value, dtype=np.float64)
        return arr.reshape(len(arr), -1) if arr.ndim and arr.size else None

def _pool(model, returned):
    """{label: value}: attributes, returns, one level into dicts and tuples, per-step tuples or
    dicts stacked."""
    pool = dict(getattr(model, "__dict__", {}),
                **{f"returned[{k}]": v for k, v in enumerate(returned)})
    pool.update((s, getattr(model, s)) for c in type(model).__mro__
                for s in getattr(c, "__slots__", ()) if hasattr(model, s))
    for label, value in list(pool.items()):
        if isinstance(value, dict):
            pool.update((f"{label}[{k!r}]", v) for k, v in value.items() if not isinstance(k, int))
        elif isinstance(value, (list, tuple)) and value and \
                all(isinstance(v, (list, tuple, dict)) for v in value):
            with contextlib.suppress(Exception):
                keys = value[0].keys() if isinstance(value[0], dict) else range(len(value[0]))
                pool.update((f"{label}[t][{k!r}]", [v[k] for v in value]) for k in keys)
            pool.update((f"{label}[{k}]", v) for k, v in enumerate(value)
                        if isinstance(value, tuple))
    return pool

# (relative, absolute, share of the largest |value| added to the absolute) for comparisons;
# check_attempt widens them when the learner computes in float32, whose rounding is about 1e-7
TOLERANCE = {"float64": (1e-6, 1e-9, 0.0), "float32": (1e-4, 1e-7, 1e-4)}
tolerance = TOLERANCE["float64"]

def _same(theirs, ours):
    rtol, atol, share = tolerance
    return theirs is not None and theirs.shape == ours.shape and bool(np.allclose(
        theirs, ours, rtol=rtol, atol=atol + share * float(np.abs(ours).max(initial=0.0))))

def _close(theirs, ours):
    """Two losses (numbers) equal within the tolerance of the learner's precision."""
    return abs(theirs - ours) <= tolerance[0] * abs(ours)

def _use_precision(arrays):
    """Widen the tolerance if any of the learner's arrays is a float of fewer than 64 bits."""
    global tolerance
    if any(isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)
           and a.dtype.itemsize < 8 for a in arrays):
        tolerance = TOLERANCE["float32"]

def _diff(theirs, ours):
    return "not found" if theirs is None else f"max diff {np.abs(theirs - ours).max():.1e}" \
        if theirs.shape == ours.shape else f"shape {theirs.shape}, not {ours.shape}"

def _find(pool, name, refs):
    """(label, array, matched): their value equal to one of `refs`, `name` first; else `name` to
    show it differs."""
    arrays = sorted(((label, _steps(v)) for label, v in pool.items()),
                    key=lambda item: item[0] != name)
    found = next(((label, a, True) for label, a in arrays
                  if any(_same(a, ref) for ref in refs)), None)
    return found or next(((label, a, False) for label, a in arrays
                          if label == name and a is not None), (None,) * 3)

def _grad(pool, name, ours):
    """(label, gradient like ours): attribute dWf, a dict's 'dWf', or 'Wf' of a gradient dict or
    return; (None,) * 2"""
    found = []
    for label, v in pool.items():
        if label == name or label.endswith((f"[{name!r}]", f"[{name[1:]!r}]")) and \
                (name[1:] not in label or "grad" in label.lower().replace("adagrad", "")
                 or label.startswith("returned")):
            with contextlib.suppress(Exception):
                found.append((label, np.asarray(v, dtype=np.float64).reshape(ours.shape)))
    return next((item for item in found if _same(item[1], ours)),
                found[0] if found else (None, None))

def _run(cl, model, ins, tgs, h0, C0):
    """forward, backward with (H,) states or, if they raise, (H, 1): (loss, pool,
    [dh_next, dC_next] or None)."""
    errors, steps = [], f"on {len(ins)} step{'s' * (len(ins) > 1)}"
    for shape in (h0.shape, h0.shape + (1,)):
        loss, ok = cl.call("6-15", f"forward {steps}", model.forward, list(ins), list(tgs),
                           h0.reshape(shape), C0.reshape(shape))
        back, ok = cl.call("16-27", f"backward {steps}", model.backward) if ok else (None, False)
        out = (loss, back)
        if ok or re.search("TimeoutError|SystemExit|KeyboardInterrupt|not run", cl.rows[-1][3]):
            break                                                      # no second try
        errors.append(cl.rows.pop())
    else:
        return cl.rows.append(errors[0])
    if not ok:
        return None
    fwd = tuple(out[0]) if isinstance(out[0], (tuple, list)) else (out[0],)
    back = (tuple(out[1]) if isinstance(out[1], (tuple, list)) else () if out[1] is None
            else (out[1],))
    states = [np.asarray(v, float).reshape(-1) for v in back[:2]
              if isinstance(v, (np.ndarray, list)) and np.size(v) == h0.size]
    with contextlib.suppress(Exception):
        pool = _pool(model, fwd[1:] + back)
        _use_precision(pool.values())
        return (float(np.asarray(fwd[0]).reshape(())), pool,
                states if len(states) == 2 else None)
    cl.add("15", "forward's return", False, f"{fwd[0]!r:.60}", "return the loss, a number")

def _reference(m, ins, tgs, h0, C0):
    """Our values for one run: each forward cache as (steps, n) with what may stand for it, loss,
    gradients."""
    ref = {"loss": m.forward(ins, tgs, h0, C0), **dict(zip(("dh_next", "dC_next"), m.backward()))}
    ref.update({key: [_steps(getattr(m, name))] for key, _, name, _ in FORWARD},
               **{"d" + n: getattr(m, "d" + n).copy() for n in m.PARAM_NAMES})
    ref["x"].append(np.asarray(ins, dtype=np.float64)[:, None])   # a cache of the ids serves too
    # the states also without the given first one
    return {**ref, "h": ref["h"] + [ref["h"][0][1:]], "C": ref["C"] + [ref["C"][0][1:]]}

def _bptt(m, slip, clip=5.0):
    """Our BPTT over m's last forward (one sequence) with one of SLIPS: the gradients, clipped to
    [-clip, clip]."""
    g, dh_next, dC_next = {"d" + n: np.zeros_like(getattr(m, n)) for n in m.PARAM_NAMES}, 0, 0
    for t in reversed(range(len(m.targets))):
        f, i, c, o, C = (m.f_gates[t], m.i_gates[t], m.C_tilde_cache[t], m.o_gates[t],
                         m.C_states[t + 1])
        dy = m.y_probs[t] - np.eye(m.output_size)[m.targets[t]]
        g["dWy"], g["dby"] = g["dWy"] + np.outer(dy, m.h_states[t + 1]), g["dby"] + dy
        dh = m.Wy.T @ dy + (0 if slip == "dh" else dh_next)
        dC = dh * o * (1 - np.tanh(C) ** 2) + (0 if slip == "dC" else dC_next)
        C_prev = m.C_states[max(t - 1, 0) if slip == "C_prev" else t]
        dz = {"o": dh * np.tanh(C) * o * (1 - o),
              "c": dC * i * (1 - c ** 2),
              "i": dC * c * i * (1 - i),
              "f": dC * C_prev * f * (1 - f)}
        for k, dzk in dz.items():
            g["dW" + k] += np.outer(dzk, np.concatenate([m.h_states[t], m.inputs_cache[t]]))
            g["db" + k] += dzk
        dC_next = dC * (m.f_gates[t - 1] if slip == "f_prev" else f) \
            + (dC_next if slip == "dC_next" else 0)
        dh_next = sum(getattr(m, "W" + k).T @ dzk for k, dzk in dz.items())[:m.hidden_size]
    return {**{n: np.clip(v, -clip, clip) for n, v in g.items()}, "dh_next": dh_next,
            "dC_next": dC_next}

def _parameters(cl, theirs, ours):
    """Rows for the shapes the exercise fixes and the first biases; then ours into their arrays,
    in place."""
    wrong, start, values = [], [], {n: getattr(theirs, n, None) for n in ours.PARAM_NAMES}
    for k, (name, value) in enumerate(values.items()):
        shapes = (getattr(ours, name).shape, getattr(ours, name).shape + (1,) * (name[0] == "b"))
        if not isinstance(value, np.ndarray) or value.shape not in shapes:
            wrong.append((str(k // 2 + 1), name, str(value.shape) if isinstance(value, np.ndarray)
                          else "missing" if value is None else type(value).__name__))
        elif name[0] == "b" and not np.all(value == (name == "bf")):
            start.append((str(k // 2 + 1), f"{name} starts at {value.flat[0]:g}"))
    kinds = {}                                        # what is wrong: the names it is wrong for
    for _, name, kind in wrong:
        kinds.setdefault(kind, []).append(name)
    said = [", ".join(ns) + (f" {kind}" if kind == "missing" or kind[0] == "(" else
                             f" {'is a' if len(ns) == 1 else 'are'} Python {kind}"
                             f"{'s' * (len(ns) > 1)}, where the exercise file makes NumPy "
                             "arrays (biases np.zeros(H))") for kind, ns in kinds.items()]
    wrong = [(todo, "; ".join(said)) for todo, _, _ in wrong]
    for rows, what, hint in (
            (wrong, "parameter shapes",
             "the exercise fixes Wf, Wi, Wc, Wo as (H, H+D) = (4, 9), for concat = [h_prev, x_t], "
             "and Wy as (V, H) = (6, 4); biases (H,) or (H, 1)"),
            (start, "starting biases",
             "bf = np.ones(H): the forget gate starts open; the others 0")):
        cl.add(", ".join(sorted({t for t, _ in rows})) or "1-5", what, not rows,
               ", ".join(dict.fromkeys(w for _, w in rows)), hint)
    for name, value in values.items() if not wrong else ():   # in place: its other names see ours
        if not np.issubdtype(value.dtype, np.floating):
            setattr(theirs, name, value.astype(np.float64))
        getattr(theirs, name)[...] = getattr(ours, name).reshape(value.shape)
    return not wrong

def _one_step(cl, ours, theirs, case):
    """One step's rows, in the order the stub computes the values; returns where each forward
    value was found."""
    ref, run = _reference(ours, *case), _run(cl, theirs, *case)
    if run is None:
        return None
    (loss, pool, states), rows, labels = run, [], {}
    for key, todo, name, hint in FORWARD:
        label, arr, ok = _find(pool, name, ref[key])
        labels[key] = label if ok else None
        rows.append([todo, label or name, ok if arr is not None else None,
                     "matches" if ok else _diff(arr, ref[key][0]) if arr is not None
                     else "not found among your arrays", hint])
    rows.append(["15", "loss", _close(loss, ref["loss"]),
                 f"{loss:.6g} (ours {ref['loss']:.6g})",
                 "loss += -np.log(y_t[target_t]), summed over the steps"])
    if not any(row[2] for row in rows[1:6] if row[0] != "10") and rows[0][2] is not False:
        rows.insert(1, ["6", "concat", False, "no gate matches", FORWARD[0][3]])
    # once a value differs, a value not found before it is a suspect
    for row in rows if any(row[2] is False for row in rows) else ():
        row[2:4] = ((False, "not found among your arrays, and a value after it differs")
                    if row[2] is None else row[2:4])
    for todo, name, hint in BACKWARD:
        label, arr = ((name, states and states[name == "dC_next"]) if "_" in name
                      else _grad(pool, name, ref[name]))
        arr = arr if arr is None or arr.size != ref[name].size else arr.reshape(ref[name].shape)
        rows.append([todo, name if label in (None, name) else f"{name} as {label}",
                     _same(arr, ref[name]),
                     "matches" if _same(arr, ref[name]) else _diff(arr, ref[name]), hint])
    if states is None:
        rows[-1][3] = rows[-2][3] = "backward returned no (dh_next, dC_next)"
    ok = {row[1].split()[0]: row[2] for row in rows}        # dh and dC show in the gates they feed
    for at, todo, keep, lost, hint in (
            (-10, "18", "dWy", "dWo", "dh = Wy.T @ dy + dh_next"),
            (-8, "20", "dWo", "dWc", "dC = dh * o_t * (1 - tanh(C_t)**2) + dC_next")):
        if ok["loss"] and ok[keep] and not any(ok[n] for n in (lost, "dWc", "dWi", "dWf")):
            rows.insert(at, [todo, todo == "18" and "dh" or "dC", False,
                             f"{keep} matches, every gradient after it differs", hint])
            break
    return [cl.add(*row) for row in rows] and labels

def _six_steps(cl, ours, theirs, case, labels):
    """Six steps: the first value that differs, in the order forward and then backward compute
    them."""
    T, ref, run = len(case[0]), _reference(ours, *case), _run(cl, theirs, *case)
    if run is None:
        return
    loss, pool, states = run
    for t, (key, todo, name, hint) in ((t, item) for t in range(T) for item in FORWARD):
        arr = _steps(pool.get(labels[key]))
        if arr is None or arr.shape[0] not in (T, T + 1) or any(
                _same(arr[t - T:][:1], r[t - T:][:1]) for r in ref[key] if len(r) >= T):
            continue                                     # [t - T]: step t, counted from the end
        state, x = "C" if key == "C" else "h", np.eye(ours.input_size)[case[0][t]]
        # the steps s whose state, read in place of step t's, makes their value at step t
        made = [s for s in range(T + 1) if s != t and key in "figoC" and _same(
                    arr[t - T],
                    ours.f_gates[t] * ours.C_states[s] + ours.i_gates[t] * ours.C_tilde_cache[t]
                    if key == "C" else
                    dict(zip("figo", ours.gates(np.concatenate([ours.h_states[s], x]))))[key])]
        what = f"{labels[key]}[{t + len(arr) - T}] differs at step t={t}"
        # the steps s whose input, read in place of step t's, makes their gate at step t
        read = [s for s in range(T) if case[0][s] != case[0][t] and key in "figo" and _same(
            arr[t - T], dict(zip("figo", ours.gates(np.concatenate(
                [ours.h_states[t], np.eye(ours.input_size)[case[0][s]]]))))[key])]
        if read and not made:
            return cl.add("6", f"{name} over {T} steps", False, f"{what}: it is the value made "
                          f"from the one-hot of inputs[{read[0]}], not of inputs[{t}]",
                          "step t reads its own input: x_t = one-hot of inputs[t]")
        return cl.add(("10" if state == "C" else "6, 12") if made else todo,
                      f"{name} over {T} steps", False,
                      f"{what}: it is the value made from {state}_states[{made[0]}], not [{t}]"
                      if made else f"{what}; every value before it matches",
                      (f"step t reads {state}_states[t]: set {state}_prev = {state}_t "
                       "after each step") if made else hint)
    if not _close(loss, ref["loss"]):
        note = f": divided by the number of steps ({T})?" if _close(loss * T, ref["loss"]) else ""
        return cl.add("15", f"loss over {T} steps", False,
                      f"{loss:.6g} is {loss / ref['loss']:.4g} of ours{note}",
                      "loss = the sum over the steps of -ln y_t[target_t]")
    cl.add("6-15", f"forward over {T} steps", True, "every value found and the loss match")
    theirs_g = dict(zip(("dh_next", "dC_next"), states or (None, None)),
                    **{n: _grad(pool, n, ref[n])[1] for _, n, _ in BACKWARD[:-2]})
    differ = [n for _, n, _ in BACKWARD if not _same(theirs_g[n], ref[n])]
    if not differ:
        return cl.add("16-26", f"backward over {T} steps", True, "every gradient matches")
    largest = max((np.abs(theirs_g[n]).max() for n in differ if theirs_g[n] is not None
                   and n[1] != "_"), default=0.0)           # dW*, db*: clipping bound them?
    if 0 < largest < 5 and all(_same(theirs_g[n], v)
                               for n, v in _bptt(ours, None, clip=largest).items()):
        return cl.add("27", f"backward over {T} steps", False,
                      f"{', '.join(differ)} differ, as ours do when clipped to "
                      f"[-{largest:.3g}, {largest:.3g}]",
                      "np.clip(grad, -5, 5, out=grad) for each of the ten gradients")
    for todo, slip, hint in SLIPS:
        if all(_same(theirs_g[n], v) for n, v in _bptt(ours, slip).items()):
            return cl.add(todo, f"backward over {T} steps", False,
                          f"{', '.join(differ)} differ, as ours do when:", hint)
    at_one_step = [n for n in differ                   # already failed on the single step?
                   if any(row[2] is False and row[1].split()[0] == n for row in cl.rows)]
    seen = bool(at_one_step)
    todo, name, hint = next(item for item in BACKWARD if item[1] == (at_one_step or differ)[0])
    channel = None if seen else _channel(cl, ours, theirs, case)
    if channel:
        return cl.add(channel[0], f"backward over {T} steps", False,
                      f"{', '.join(differ)} differ; one step matched, and with only the "
                      f"{channel[1]} passing back between steps they still differ", channel[2])
    cl.add(todo, f"backward over {T} steps", False,
           f"{name} differs first ({', '.join(differ)})" + ", as at one step" * seen
           + "; one step matched: look at what passes between steps" * (not seen),
           hint + "; dh = ... + dh_next (at TODO 18), dC = ... + dC_next (at TODO 20)" * (not seen))

CHANNELS = [  # what passes back between steps, in the order the backward computes it:
    # (TODO, what, hint, the gate parameters that shut the other channel, what they are set to)
    ("24", "cell gradient dC_next",
     "dC_next = dC * f_t, step t's own forget gate (and dC = ... + dC_next, TODO 20)",
     ("Wf", "Wi", "Wc", "Wo"), 0.0),                    # h_prev's columns: dh_next = 0
    ("26", "hidden gradient dh_next",
     "dh_next = (Wf.T @ dzf + Wi.T @ dzi + Wc.T @ dzc + Wo.T @ dzo)[:H], replaced at each step "
     "(and dh = Wy.T @ dy + dh_next, TODO 18)", ("bf",), -40.0)]    # f_t = 4e-18: dC_next = 0

def _channel(cl, ours, theirs, case):
    """The first CHANNELS row whose gradients, with the other channel shut in both models, still
    differ over the steps; None if none does. Their parameters are restored afterwards."""
    H, rows, names = ours.hidden_size, len(cl.rows), ours.PARAM_NAMES
    saved = {n: np.array(getattr(theirs, n)) for n in names}
    twin = LSTMFromScratch(ours.input_size, H, ours.output_size)
    try:
        for todo, what, hint, shut, value in CHANNELS:
            for n in names:
                getattr(twin, n)[...] = getattr(ours, n)
                getattr(theirs, n)[...] = saved[n]
                for m in (twin, theirs) if n in shut else ():
                    getattr(m, n)[..., :H if n[0] == "W" else None] = value
            ref, run = _reference(twin, *case), _run(cl, theirs, *case)
            if run is None:
                return None
            grads = {n: _grad(run[1], n, ref[n])[1] for _, n, _ in BACKWARD[:-2]}
            if not all(_same(g, ref[n]) for n, g in grads.items()):
                return todo, what, hint
        return None
    finally:
        for n in names:
            getattr(theirs, n)[...] = saved[n]
        del cl.rows[rows:]                                 # a probe adds no rows of its own

def _clipping(cl, theirs, ours):
    """Thirty steps of one repeated id: our dby[1] is about -25 before clipping to [-5, 5]."""
    run = _run(cl, theirs, [0] * 30, [1] * 30, np.zeros(ours.hidden_size),
               np.zeros(ours.hidden_size))
    found = [(np.abs(g).max(), n) for n in ours.PARAM_NAMES
             if run and (g := _grad(run[1], "d" + n, getattr(ours, n))[1]) is not None]
    if found:
        cl.add("27", "gradients over 30 steps, clipped", _close(max(found)[0], 5.0),
               "largest |d{1}| = {0:.3g}".format(*max(found)),
               "np.clip(grad, -5, 5, out=grad) for each of the ten gradients")

def _put(pool, name, ours):
    """Our gradient `ours` written into the learner's array that holds it (their dW*, a grads
    dict's entry, ...), in place, so that their update reads it; returns what their array now
    holds (their own value if it cannot be written), or None if there is none."""
    label, arr = _grad(pool, name, ours)
    value = pool.get(label)
    if isinstance(value, np.ndarray) and value.size == ours.size and value.flags.writeable:
        value[...] = ours.reshape(value.shape)
        arr = np.asarray(value, dtype=np.float64).reshape(ours.shape)
    return arr

def _update(cl, theirs, ours, case):
    """Two update_weights(0.1), each after a backward pass whose gradients we replace with ours,
    wherever they keep them: SGD or Adagrad, one rule for all ten parameters?"""
    names, steps = ours.PARAM_NAMES, []
    for part in (slice(0, 3), slice(3, 6)):
        run = _run(cl, theirs, case[0][part], case[1][part], case[2], case[3])
        if not run:
            return
        try:                                               # our model at their current parameters
            before = {n: np.array(getattr(theirs, n)) for n in names}
            twin = LSTMFromScratch(ours.input_size, ours.hidden_size, ours.output_size)
            for n in names:
                getattr(twin, n)[...] = before[n].reshape(getattr(ours, n).shape)
        except (AttributeError, TypeError, ValueError) as err:
            return cl.add("28", "update_weights, two steps", None,
                          f"could not compare: your parameters after backward ({err})")
        ref = _reference(twin, case[0][part], case[1][part], case[2], case[3])
        grads = {n: _put(run[1], "d" + n, ref["d" + n]) for n in names}
        if any(g is None for g in grads.values()) or not cl.call(
                "28", "update_weights(0.1)", lambda: theirs.update_weights(0.1))[1]:
            return
        grads = {n: g.reshape(before[n].shape) for n, g in grads.items()}
        try:
            moved = {n: np.asarray(getattr(theirs, n), float).reshape(before[n].shape)
                     - before[n] for n in names}
        except (AttributeError, TypeError, ValueError) as err:
            return cl.add("28", "update_weights, two steps", False,
                          f"after update_weights the parameters are not arrays of their shapes "
                          f"({err})", "update each array in place: param -= ...")
        steps.append((grads, moved, before))
    rules = {"plain SGD, as the exercise file says": lambda g, m: 0.1 * g,
             "Adagrad, epsilon inside the root": lambda g, m: 0.1 * g / np.sqrt(m + 1e-8),
             "Adagrad, epsilon outside the root": lambda g, m: 0.1 * g / (np.sqrt(m) + 1e-8)}
    memory = [{n: sum(g[n] ** 2 for g, _, _ in steps[:k + 1]) for n in names}   # Adagrad's
              for k in range(2)]
    rtol = 10 * tolerance[0]

    def fit(step, moved, before):                          # within their precision's rounding
        eps = np.finfo(before.dtype).eps if np.issubdtype(before.dtype, np.floating) else 0.0
        return bool(np.all(np.abs(-moved - step) <= rtol * np.abs(step) + 1e-12
                           + 4 * eps * np.abs(before.astype(np.float64))))
    fits = {rule: {n: [fit(step(grads[n], m[n]), moved[n], before[n])
                       for (grads, moved, before), m in zip(steps, memory)] for n in names}
            for rule, step in rules.items()}
    common = [rule for rule in rules if all(all(fits[rule][n]) for n in names)]
    if common:
        return cl.add("28", "update_weights, two steps", True, common[0])
    rule_of = {n: next((rule.split(",")[0] for rule in rules if all(fits[rule][n])), None)
               for n in names}
    (grads, moved, _), still = steps[0], [n for n in names if not steps[0][1][n].any()]
    none = [n for n in names if rule_of[n] is None]
    groups = {}
    for n in names:
        groups.setdefault(rule_of[n], []).append(n)
    what = ("no parameter changed" if len(still) == len(names) else
            f"{', '.join(still)} did not change" if still else
            "the parameters moved along +gradient: a wrong sign"
            if sum(float((moved[n] * grads[n]).sum()) for n in names) > 0 else
            "step 1 is Adagrad's, step 2 is not: memory not accumulated (memory += d**2)?"
            if all(any(fits[rule][n][0] for rule in list(rules)[1:]) for n in none) else
            f"step 1 moved {none[0]}[0, 0] by {moved[none[0]].flat[0]:.3g}, with "
            f"d{none[0]}[0, 0] = {grads[none[0]].flat[0]:.3g}")
    followed = "; ".join(f"{' '.join(ns)}: {rule}" for rule, ns in groups.items() if rule)
    cl.add("28", "update_weights, two steps", False,
           ("neither SGD nor Adagrad: " + what if len(none) == len(names) else
            f"{' '.join(none)} fit neither SGD nor Adagrad ({what})" if none else "")
           + "; " * bool(none and followed) + followed
           + " - use one rule for all ten" * (len(groups) > 1 and not none),
           "SGD: param -= lr * d; or Adagrad: memory += d**2; "
           "param -= lr * d / np.sqrt(memory + 1e-8); the same rule for every parameter")

def check_attempt(path, seed=SEED):
    """The Checklist of the learner's LSTMFromScratch at `path`; CheckSetupError if it cannot be
    read or imported."""
    global tolerance
    tolerance = TOLERANCE["float64"]                     # until their arrays show float32
    cl = Checklist(path, STUB_ERRORS)
    cls = cl.find("LSTMFromScratch") if cl.load() is not None else None
    cl.seconds = 10                                      # a call: a correct one takes milliseconds
    theirs, ok = cl.call("1-5", "LSTMFromScratch(5, 4, 6)", cls, 5, 4, 6) if cls else (None, False)
    ours, inputs, targets, h0, C0 = random_gradcheck_case(seed)  # D=5, H=4, V=6, random parameters
    labels = ok and _parameters(cl, theirs, ours) and _one_step(
        cl, ours, theirs, (inputs[:1], targets[:1], h0, C0))
    if labels:
        _six_steps(cl, ours, theirs, (inputs, targets, h0, C0), labels)
        _clipping(cl, theirs, ours)
        _update(cl, theirs, ours, (inputs, targets, h0, C0))
    return cl

# ---- Data: an English text written for this pack, so that samples can show real words ---------
DEFAULT_CORPUS = "\n\n".join([  # the same text in every script, one paragraph a line
    'The river town woke slowly in the cold morning. A baker opened the door of his shop and set the first loaves of bread on the long wooden table by the window. The smell of warm bread drifted down the street, past the old stone bridge and the small green boats that waited by the water. A girl with a red scarf walked to the school on the hill, and she stopped on the bridge to watch the river carry the last leaves of the year towards the sea.',
    'Her name was Nora, and she liked to count things. She counted the boats, the birds on the roof of the mill, and the steps that led from the bridge to the school. There were forty steps. On some days there were forty one, because she lost count when a friend called her name. Her teacher said that counting was the start of all science, and that a good question was worth more than a quick answer. Nora kept her questions in a small blue notebook, and every evening she read them again by the light of the kitchen lamp.',
    'In the spring the river rose and the water came up to the road. The people of the town carried sand in heavy bags and built a low wall along the bank. The baker gave bread to everyone who worked on the wall, and the children carried water and warm tea. When the rain stopped, the river went down again, and the town was quiet and tired and glad. Nora wrote in her notebook that water always finds the lowest place, and that people find each other when the water is high.',
    'In the summer the days were long and the light stayed late over the hills. The children swam in the slow part of the river, where the water was clear and the stones were smooth and round. Old men sat on the bench near the bridge and talked about the weather, the price of bread, and the years when the winters were colder. A cat slept on the warm wall of the mill, and nobody asked it to move. Nora walked along the bank with her notebook and wrote down the names of the plants, the colours of the stones, and the time when the first star came out at night.',
    'In the autumn the wind turned and the leaves fell into the river again. The school on the hill opened its doors, and the teacher asked the children to write about something they had learned. Nora wrote about the river. She wrote that it was never the same river, because the water was always new, but that the town remembered it as one river, because the town remembered the bridge, the mill, the boats and the steps. She wrote that memory is what keeps a thing the same when all of its parts have changed.',
    'The teacher read the story to the class and asked what they thought. One boy said that the river was just water and that was all. Another girl said that the river was the sound it made at night. Nora said that the river was the way the water went, and the way the town walked beside it. The teacher smiled and wrote a new question on the board: what does a river remember, and what does it forget? The children thought about it for a long time, and nobody gave a quick answer.',
    'In the winter the river froze at the edges and the boats were pulled up onto the bank. The baker baked more bread than ever, because the cold made people hungry, and the smell of the shop reached all the way to the bridge. Nora counted the steps to the school once more, and there were forty. She wrote the number in her notebook, closed it, and walked up the hill in the snow, while the river went on below the ice, slow and dark and patient, carrying the year away to the sea.',
    'When Nora was older she went to work at the mill with her uncle. The mill was old and loud, and the great wheel turned in the water from the first light of the day until the evening. Her uncle showed her how the water pushed the wheel, how the wheel turned the stones, and how the stones made flour for the bread. He said that a mill is a way of asking the river to work for the town, and that the river always answers, but only in its own time. Nora wrote down how fast the wheel turned in each season. It turned fast in the spring, when the water was high, and slow in the summer, when the water was low.',
    'One day a man came from the city with a long coat and a box of papers. He said that the town should build a new bridge, a wide bridge for trucks, and that the old stone bridge was too small and too slow for the modern world. The people of the town met in the school to talk about it. Some said that a new bridge would bring work and money. Others said that the old bridge was the heart of the town, and that a heart is not something you replace because it is small. The baker said nothing for a long time, and then he said that bread is also small and slow, and that nobody wants to live without it.',
    'Nora stood up and read from her notebook. She read the number of boats that crossed under the bridge each week, the number of people who walked over it each morning, and the days when the river had risen almost to the top of the arch. She said that the old bridge had stood through every flood in her notebook, and that the town should learn what the bridge knew before it decided to forget it. The room was quiet. Then the man from the city asked if he could read the notebook, and Nora gave it to him.',
    'He read it that night in the small hotel by the square, and in the morning he walked to the bridge and counted the steps to the school himself. There were forty. He came back to the school and said that the town did not need a wide bridge in the middle, but a small road around the hill for the trucks, and that the old bridge should stay as it was. The people of the town were surprised, and the baker laughed and gave him a loaf of bread for the road home.',
    'Years later, when Nora was a teacher in the school on the hill, she asked her own class the old question about the river. What does a river remember, and what does it forget? A small boy with cold hands said that the river forgets the water, because the water always leaves, but that it remembers the shape of the bank, because the bank stays. Nora wrote his answer on the board, and under it she wrote the date, and the number of steps from the bridge to the school, which was still forty.\n',
])

if __name__ == "__main__":
    sys.exit(main())

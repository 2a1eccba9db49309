"""Exercise 5's NumPy LSTM and GRU against PyTorch: one training step each, same sizes, float64.

Not a test (no test_ prefix, so pytest does not collect it) and not part of the pack: it needs
PyTorch, which the pack does not. Run it from a virtual environment that has torch, e.g.

    python -m venv torch-env
    torch-env/bin/pip install torch==2.13.0 numpy matplotlib
    torch-env/bin/python tests/bench_pytorch.py --threads 1
    torch-env/bin/python tests/bench_pytorch.py --threads 2

One step is what the pack's training loop does per iteration: forward over T steps, backward
through time, gradient clipping to [-5, 5] and an Adagrad update. Ours: exercise_05_solution's
LSTM / GRU (forward, backward, update_weights). PyTorch's: nn.LSTM / nn.GRU + nn.Linear, summed
cross-entropy, clip_grad_value_(5) and optim.Adagrad, all in float64 on one-hot inputs (T, B, V)
made before timing. The two take turns step by step (the order alternates), so load from other
processes on a shared machine falls on both alike; the table gives median ms per step and the
ratio ours / PyTorch's, against the targets: <= 0.5 at batch 1 and <= 1.0 at batch >= 32.
--threads N sets torch.set_num_threads(N) and NumPy's BLAS threads (OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS, MKL_NUM_THREADS) before NumPy loads; the pack's script itself pins one BLAS
thread unless OPENBLAS_NUM_THREADS is set. PyTorch's GRU applies the reset gate after its matmul
and the exercise's before it: another function, with the same work per step.
"""
import argparse
import os
import sys

CASES = ((25, 1, 100), (50, 32, 128), (50, 32, 256), (50, 64, 256))    # (T, B, H)
VOCAB = 41                                                               # the pack's corpus


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1, help="torch and BLAS threads (default 1)")
    p.add_argument("--seconds", type=float, default=10.0,
                   help="about this long per case and model pair (default 10)")
    p.add_argument("--min-steps", type=int, default=15, help="at least this many steps per model")
    args = p.parse_args(argv)
    if args.threads < 1 or args.seconds <= 0 or args.min_steps < 1:
        p.error("--threads and --min-steps must be >= 1 and --seconds > 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)                   # before NumPy and torch load
    import time
    import numpy as np
    import torch
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import exercise_05_solution as ex5

    torch.set_num_threads(args.threads)
    torch.set_default_dtype(torch.float64)
    print(f"one training step (forward, backward, clip, Adagrad), float64, V={VOCAB}; "
          f"{args.threads} thread(s) for torch {torch.__version__} and NumPy {np.__version__}'s BLAS")
    print(f"{'model':5} {'T':>3} {'B':>3} {'H':>4}  {'ours ms':>9}  {'torch ms':>9}  "
          f"{'ours/torch':>10}  target  {'steps':>5}")
    rows = []
    for T, B, H in CASES:
        rng = np.random.default_rng(0)
        ids, targets = rng.integers(0, VOCAB, (T, B)), rng.integers(0, VOCAB, (T, B))
        x = torch.nn.functional.one_hot(torch.as_tensor(ids), VOCAB).double()     # (T, B, V)
        y = torch.as_tensor(targets).reshape(-1)
        for kind in ("LSTM", "GRU"):
            ours = getattr(ex5, kind)(VOCAB, H, VOCAB, seed=0)
            states = [np.zeros((B, H))] * len(ours.STATES)
            rnn, out = getattr(torch.nn, kind)(VOCAB, H), torch.nn.Linear(H, VOCAB)
            params = list(rnn.parameters()) + list(out.parameters())
            optimizer = torch.optim.Adagrad(params, lr=0.1, eps=1e-8)
            h0 = torch.zeros(1, B, H)
            state0 = (h0, torch.zeros(1, B, H)) if kind == "LSTM" else h0

            def our_step():
                ours.forward(ids, targets, *states)
                ours.backward()
                ours.update_weights(0.1)

            def torch_step():
                optimizer.zero_grad(set_to_none=True)
                hidden, _ = rnn(x, state0)
                loss = torch.nn.functional.cross_entropy(out(hidden).reshape(-1, VOCAB), y,
                                                         reduction="sum")
                loss.backward()
                torch.nn.utils.clip_grad_value_(params, 5.0)
                optimizer.step()

            steps = {"ours": our_step, "torch": torch_step}
            times = {key: [] for key in steps}
            for key, step in steps.items():                    # warm-up, and a time estimate
                for _ in range(3):
                    began = time.perf_counter()
                    step()
                    times[key].append(time.perf_counter() - began)
            per_pair = sum(np.median(t) for t in times.values())
            n = max(args.min_steps, int(args.seconds / per_pair))
            times = {key: [] for key in steps}
            for k in range(n):
                for key in (("ours", "torch") if k % 2 == 0 else ("torch", "ours")):
                    began = time.perf_counter()
                    steps[key]()
                    times[key].append(time.perf_counter() - began)
            ms = {key: 1e3 * float(np.median(t)) for key, t in times.items()}
            ratio, limit = ms["ours"] / ms["torch"], 0.5 if B == 1 else 1.0
            verdict = f"<= {limit}: {'met' if ratio <= limit else 'missed'}"
            rows.append((kind, T, B, H, ms["ours"], ms["torch"], ratio, verdict, n))
            print(f"{kind:5} {T:3d} {B:3d} {H:4d}  {ms['ours']:9.2f}  {ms['torch']:9.2f}  "
                  f"{ratio:10.2f}  {verdict}  {n:5d}", flush=True)
    return rows


if __name__ == "__main__":
    main()

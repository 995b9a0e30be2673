"""Benchmarks: tinygrad_ce against a hand-fused NumPy reference and PyTorch (CPU, one thread).

    python -m benchmarks                 # all five, a table, and benchmarks/results.json
    python -m benchmarks --quick         # fewer repeats (a smoke run)
    python -m benchmarks --only per_op   # one of: cross_entropy, per_op, iris, memory, import

Implementations of one benchmark run alternately in one process (ours, reference, torch, ours,
...), in rounds, so a slow moment of the machine hits all of them; each time is the median of
the rounds, and each ratio the median of the rounds' ours / theirs (so a slow round counts on
both sides of its ratio). PyTorch is optional: without it those columns say "n/a".
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark this checkout, not some other installed copy

import tinygrad_ce as tg  # noqa: E402
from tinygrad_ce import functional as F  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # the runner works without PyTorch
    torch = None

# Targets from issue 10: ours / PyTorch at most this (memory: multiples of the logits' bytes).
TARGETS = {
    ("cross_entropy", (4096, 1000)): 1.3,
    ("cross_entropy", (512, 32000)): 0.8,
    ("per_op", None): 1.0,
    ("iris", None): 1.0,
    ("memory", (4096, 1000)): 2.5,
    ("memory", (512, 32000)): 2.5,
    ("import", None): 0.2,
}


def time_alternating(functions, repeats, warmup=2):
    """Seconds of each function in each round, run round-robin so drifts hit all alike."""
    for fn in functions.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return samples


def medians(samples):
    return {name: statistics.median(times) for name, times in samples.items()}


# --------------------------------------------------------------------------- 1. cross-entropy


def fused_cross_entropy(logits, target):
    """Forward and gradient of the mean cross-entropy, written out by hand in NumPy."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = np.log(total[:, 0]).sum() / n - shifted[rows, target].sum() / n
    grad = exp
    grad /= total
    grad[rows, target] -= 1
    grad /= n
    return loss, grad


def cross_entropy_cases(shape, rng):
    logits = rng.standard_normal(shape).astype(np.float32)
    target = rng.integers(0, shape[1], shape[0])
    ours_logits = tg.Tensor(logits, requires_grad=True)

    def ours():
        ours_logits.grad = None
        F.cross_entropy(ours_logits, target).backward()

    def reference():
        fused_cross_entropy(logits, target)

    cases = {"ours": ours, "numpy": reference}
    if torch is not None:
        torch_logits = torch.tensor(logits, requires_grad=True)
        torch_target = torch.tensor(target)

        def theirs():
            torch_logits.grad = None
            torch.nn.functional.cross_entropy(torch_logits, torch_target).backward()

        cases["torch"] = theirs
    # Same numbers before timing anything.
    ours()
    _, grad = fused_cross_entropy(logits, target)
    np.testing.assert_allclose(ours_logits.grad, grad, rtol=1e-4, atol=1e-7)
    return cases


# --------------------------------------------------------------------------- 2. per-op overhead

CHAIN = 1000


def per_op_cases():
    def ours():
        x = tg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
        y = x
        for i in range(CHAIN):
            y = y * 1.0001 if i % 2 else y + 0.5
        y.sum().backward()

    def reference():
        x = np.ones(3, dtype=np.float32)
        y = x
        for i in range(CHAIN):
            y = y * np.float32(1.0001) if i % 2 else y + np.float32(0.5)
        grad = np.ones(3, dtype=np.float32)
        for i in reversed(range(CHAIN)):
            if i % 2:
                grad = grad * np.float32(1.0001)
        return grad

    cases = {"ours": ours, "numpy": reference}
    if torch is not None:

        def theirs():
            x = torch.ones(3, requires_grad=True)
            y = x
            for i in range(CHAIN):
                y = y * 1.0001 if i % 2 else y + 0.5
            y.sum().backward()

        cases["torch"] = theirs
    return cases


# --------------------------------------------------------------------------- 3. iris training

EPOCHS = 500


def iris_cases():
    X, y, _, _ = tg.datasets.load_iris()
    X = tg.datasets.Standardizer().fit_transform(X).astype(np.float32)
    rng = np.random.default_rng(0)
    w0 = (rng.uniform(-0.5, 0.5, (3, 4))).astype(np.float32)
    b0 = (rng.uniform(-0.5, 0.5, 3)).astype(np.float32)
    lr = 0.5

    def ours():
        model = tg.nn.Linear(4, 3)
        model.weight.data[...] = w0
        model.bias.data[...] = b0
        optimizer = tg.optim.SGD(model.parameters(), lr=lr)
        inputs = tg.Tensor(X)
        for _ in range(EPOCHS):
            optimizer.zero_grad()
            F.cross_entropy(model(inputs), y).backward()
            optimizer.step()
        return model.weight.data

    def reference():
        w, b = w0.copy(), b0.copy()
        for _ in range(EPOCHS):
            _, grad_logits = fused_cross_entropy(X @ w.T + b, y)
            w -= lr * (grad_logits.T @ X)
            b -= lr * grad_logits.sum(axis=0)
        return w

    cases = {"ours": ours, "numpy": reference}
    if torch is not None:
        tX, ty = torch.tensor(X), torch.tensor(y)

        def theirs():
            model = torch.nn.Linear(4, 3)
            with torch.no_grad():
                model.weight.copy_(torch.tensor(w0))
                model.bias.copy_(torch.tensor(b0))
            optimizer = torch.optim.SGD(model.parameters(), lr=lr)
            for _ in range(EPOCHS):
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(tX), ty).backward()
                optimizer.step()
            return model.weight.detach().numpy()

        cases["torch"] = theirs
    np.testing.assert_allclose(ours(), reference(), rtol=1e-3, atol=1e-4)
    return cases


# --------------------------------------------------------------------------- 4. peak memory


def peak_memory(fn):
    """Peak bytes NumPy allocates while fn runs (tracemalloc sees NumPy's allocations)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - start


def memory_figures(shape, rng):
    logits = rng.standard_normal(shape).astype(np.float32)
    target = rng.integers(0, shape[1], shape[0])

    x = tg.Tensor(logits, requires_grad=True)  # made outside: the constructor copies its input

    def ours():
        x.grad = None
        F.cross_entropy(x, target).backward()

    return {
        "ours": peak_memory(ours) / logits.nbytes,
        "numpy": peak_memory(lambda: fused_cross_entropy(logits, target)) / logits.nbytes,
    }


# --------------------------------------------------------------------------- 5. import time


def import_seconds(module, repeats):
    """Median wall time of ``import module`` in a fresh interpreter, less a bare start-up."""

    def run(code):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        return time.perf_counter() - start

    bare = statistics.median(run("pass") for _ in range(repeats))
    return statistics.median(run(f"import {module}") for _ in range(repeats)) - bare


# --------------------------------------------------------------------------- the table


def ratio(ours, theirs, rounds=None, name=None):
    """ours / theirs; with the rounds' times, the median of each round's ratio."""
    if theirs is None:
        return None
    if rounds is None:
        return ours / theirs
    return statistics.median(o / t for o, t in zip(rounds["ours"], rounds[name]))


def fmt_seconds(value):
    if value is None:
        return "n/a"
    return f"{value * 1e3:9.2f} ms" if value >= 1e-3 else f"{value * 1e6:9.1f} us"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument(
        "--only", help="run one benchmark: cross_entropy, per_op, iris, memory, import"
    )
    parser.add_argument(
        "--json",
        default=str(ROOT / "benchmarks" / "results.json"),
        help="where to write the results (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 15
    rng = np.random.default_rng(0)
    rows = []

    def wanted(name):
        return args.only in (None, name)

    if wanted("cross_entropy"):
        for shape in [(4096, 1000), (512, 32000)]:
            t = time_alternating(cross_entropy_cases(shape, rng), repeats)
            rows.append(("cross_entropy", shape, f"fwd+bwd {shape} float32", t, "rounds"))
    if wanted("per_op"):
        t = time_alternating(per_op_cases(), repeats * 2)
        rows.append(("per_op", None, f"{CHAIN} ops on (3,) + backward", t, "rounds"))
    if wanted("iris"):
        t = time_alternating(iris_cases(), repeats, warmup=1)
        rows.append(("iris", None, f"softmax regression, {EPOCHS} SGD epochs", t, "rounds"))
    if wanted("memory"):
        for shape in [(4096, 1000), (512, 32000)]:
            m = memory_figures(shape, rng)
            rows.append(("memory", shape, f"peak / logits bytes {shape}", m, "multiple"))
    if wanted("import"):
        count = 3 if args.quick else 7
        t = {"ours": import_seconds("tinygrad_ce", count), "numpy": import_seconds("numpy", count)}
        if torch is not None:
            t["torch"] = import_seconds("torch", count)
        rows.append(("import", None, "import in a fresh process", t, "time"))

    results = []
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, torch "
        f"{torch.__version__ if torch is not None else 'not installed'} (1 thread)"
    )
    header = f"{'benchmark':<44}{'ours':>13}{'numpy':>13}{'torch':>13}{'/numpy':>8}{'/torch':>8}"
    print(header)
    print("-" * len(header))
    for key, case, label, values, kind in rows:
        target = TARGETS[key, case]
        rounds = None
        if kind == "rounds":  # times of each round: their medians, and the rounds' ratios
            rounds, values, kind = values, medians(values), "time"
        ours, ref, theirs = values["ours"], values.get("numpy"), values.get("torch")
        show = fmt_seconds if kind == "time" else (lambda v: "n/a" if v is None else f"{v:10.2f} x")
        vs_numpy = ratio(ours, ref, rounds, "numpy")
        vs_torch = ratio(ours, theirs, rounds, "torch")
        if key == "memory":
            target_ok = ours <= target
        else:
            target_ok = None if vs_torch is None else vs_torch <= target
        mark = {True: "ok", False: "MISSED", None: ""}[target_ok]
        print(
            f"{key + ': ' + label:<44}{show(ours):>13}{show(ref):>13}{show(theirs):>13}"
            f"{vs_numpy:8.2f}"
            + (f"{vs_torch:8.2f}" if vs_torch is not None else "     n/a")
            + f"  target {target} {mark}"
        )
        results.append(
            {
                "benchmark": key,
                "case": label,
                "unit": "s" if kind == "time" else "x logits bytes",
                **values,
                "ratio_numpy": vs_numpy,
                "ratio_torch": vs_torch,
                "target": target,
                "met": target_ok,
            }
        )
    Path(args.json).write_text(
        json.dumps(
            {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "torch": torch.__version__ if torch is not None else None,
                "repeats": repeats,
                "results": results,
            },
            indent=2,
        )
    )
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()

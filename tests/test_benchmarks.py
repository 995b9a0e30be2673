"""The benchmark runner's references compute what they claim, and the runner writes its JSON.

(The timings themselves live in ``python -m benchmarks``, not in tests.)"""

from __future__ import annotations

import json

import numpy as np

import tinygrad_ce as tg
from benchmarks import run
from tinygrad_ce import functional as F


def test_the_hand_fused_reference_matches_cross_entropy():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((64, 10))
    target = rng.integers(0, 10, 64)
    loss, grad = run.fused_cross_entropy(logits.copy(), target)
    x = tg.Tensor(logits, requires_grad=True)
    ours = F.cross_entropy(x, target)
    ours.backward()
    np.testing.assert_allclose(loss, ours.item(), rtol=1e-12)
    np.testing.assert_allclose(grad, x.grad, rtol=1e-10, atol=1e-15)


def test_the_runner_writes_every_figure_of_a_benchmark(tmp_path, capsys):
    out = tmp_path / "results.json"
    run.main(["--quick", "--only", "memory", "--json", str(out)])
    results = json.loads(out.read_text())["results"]
    assert [r["benchmark"] for r in results] == ["memory", "memory"]
    for r in results:
        assert r["ours"] >= 1.0 and r["numpy"] >= 1.0  # at least the gradient itself
        assert r["met"] is (r["ours"] <= r["target"])
    assert "memory: peak / logits bytes" in capsys.readouterr().out


def test_ratios_compare_each_round_with_itself():
    # Round 2 is slow for both sides: the ratio of medians would say 2, each round says 1 or 1.1.
    rounds = {"ours": [1.0, 20.0, 2.2], "torch": [1.0, 20.0, 2.0]}
    assert run.medians(rounds) == {"ours": 2.2, "torch": 2.0}
    assert run.ratio(2.2, 2.0, rounds, "torch") == 1.0
    assert run.ratio(3.0, 2.0) == 1.5  # no rounds (import, memory): the plain quotient
    assert run.ratio(3.0, None, rounds, "torch") is None

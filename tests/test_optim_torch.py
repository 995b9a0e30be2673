"""SGD and Adam against torch.optim: the same trajectory for 30 steps, to float64 round-off.

Two set-ups. In the first both optimizers get bit-identical gradients from one NumPy function of
the current parameters, so any difference comes from the update formulas alone (rtol 1e-12).
In the second each framework computes its own gradients (a Linear layer and cross-entropy on
iris), which also checks Linear's layout and initialisation contract against torch.nn.Linear.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_ce import Tensor, nn, optim
from tinygrad_ce import functional as F
from tinygrad_ce.datasets import Standardizer, load_iris

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.02)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.7))),  # 1 - beta1 >= 0.5: torch.lerp's other branch
    ("Adam", dict(lr=0.02, eps=1e-3)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-6, weight_decay=0.01)),
]
IDS = [
    f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in CONFIGS
]

rng = np.random.default_rng(2024)
A = rng.normal(size=(8, 5))
B = rng.normal(size=8)


def gradient(w, b):
    """d/d(w, b) of sum((tanh(A @ w + b) - B)**2): a non-convex problem with curvature."""
    z = np.tanh(A @ w + b)
    dz = 2 * (z - B) * (1 - z * z)
    return A.T @ dz, dz.sum(keepdims=True)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_thirty_steps_with_identical_gradients_match_torch(name, kwargs):
    w0, b0 = rng.normal(size=5), rng.normal(size=1)
    ours = [Tensor(w0, requires_grad=True), Tensor(b0, requires_grad=True)]
    theirs = [torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)]
    our_opt = getattr(optim, name)(ours, **kwargs)
    their_opt = getattr(torch.optim, name)(theirs, foreach=False, **kwargs)
    for _ in range(30):
        for p, g in zip(ours, gradient(ours[0].data, ours[1].data)):
            p.grad = g
        for p, g in zip(theirs, gradient(*(t.detach().numpy() for t in theirs))):
            p.grad = torch.from_numpy(g)
        our_opt.step()
        their_opt.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=0)
    # The run moved the parameters (so the comparison is not of two unchanged arrays).
    assert not np.allclose(ours[0].data, w0)


@pytest.mark.parametrize("name, kwargs", [CONFIGS[6], CONFIGS[13]], ids=[IDS[6], IDS[13]])
def test_training_a_linear_classifier_matches_torch(name, kwargs):
    X, y, _, _ = load_iris()
    X = Standardizer().fit_transform(X)
    layer = nn.Linear(4, 3, rng=0, dtype=np.float64)
    reference = torch.nn.Linear(4, 3, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(torch.from_numpy(layer.weight.data))
        reference.bias.copy_(torch.from_numpy(layer.bias.data))
    our_opt = getattr(optim, name)(layer.parameters(), **kwargs)
    their_opt = getattr(torch.optim, name)(reference.parameters(), foreach=False, **kwargs)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    for step in range(30):
        batch = slice(5 * step % 150, 5 * step % 150 + 50)
        our_opt.zero_grad()
        loss = F.cross_entropy(layer(X[batch]), y[batch])
        loss.backward()
        our_opt.step()
        their_opt.zero_grad()
        their_loss = torch.nn.functional.cross_entropy(reference(X_t[batch]), y_t[batch])
        their_loss.backward()
        their_opt.step()
        assert loss.item() == pytest.approx(their_loss.item(), rel=1e-12)
    np.testing.assert_allclose(layer.weight.data, reference.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.data, reference.bias.detach().numpy(), rtol=1e-12)


def test_linear_layout_and_init_bound_match_torch():
    torch.manual_seed(0)
    reference = torch.nn.Linear(50, 7)
    ours = nn.Linear(50, 7, rng=0)
    assert ours.weight.shape == tuple(reference.weight.shape)
    assert ours.bias.shape == tuple(reference.bias.shape)
    bound = 1 / np.sqrt(50)
    for array in (reference.weight.detach().numpy(), ours.weight.data):
        assert np.abs(array).max() <= bound
        assert np.abs(array).max() > 0.9 * bound

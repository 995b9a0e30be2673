"""SGD, Adam, AdamW and the schedulers against torch.optim: the same trajectories for 30 steps, to
float64 round-off, with parameter groups and with training resumed from state dicts.

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
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01, maximize=True)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.05, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, betas=(0.3, 0.7), weight_decay=0.5, amsgrad=True)),
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


# --------------------------------------------------------------------------- groups, state dicts


def paired(ours_kwargs_groups, name, **kwargs):
    """Our optimizer and torch's on the same start, with the same parameter groups."""
    w0, b0 = rng.normal(size=5), rng.normal(size=1)
    ours = [Tensor(w0, requires_grad=True), Tensor(b0, requires_grad=True)]
    theirs = [torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)]
    if ours_kwargs_groups is None:
        our_params, their_params = ours, theirs
    else:
        our_params = [{"params": [p], **g} for p, g in zip(ours, ours_kwargs_groups)]
        their_params = [{"params": [p], **g} for p, g in zip(theirs, ours_kwargs_groups)]
    our_opt = getattr(optim, name)(our_params, **kwargs)
    their_opt = getattr(torch.optim, name)(their_params, foreach=False, **kwargs)
    return ours, theirs, our_opt, their_opt


def set_grads(ours, theirs):
    for p, g in zip(ours, gradient(ours[0].data, ours[1].data)):
        p.grad = g
    for p, g in zip(theirs, gradient(*(t.detach().numpy() for t in theirs))):
        p.grad = torch.from_numpy(g)


def assert_same(ours, theirs):
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "name, groups, kwargs",
    [
        ("SGD", [{}, {"lr": 0.01, "momentum": 0.5}], dict(lr=0.05, momentum=0.9)),
        ("Adam", [{"betas": (0.5, 0.6)}, {"lr": 0.2, "amsgrad": True}], dict(lr=0.05)),
        ("AdamW", [{"weight_decay": 0.0}, {}], dict(lr=0.05, weight_decay=0.3)),
    ],
)
def test_parameter_groups_match_torch(name, groups, kwargs):
    ours, theirs, our_opt, their_opt = paired(groups, name, **kwargs)
    for _ in range(20):
        set_grads(ours, theirs)
        our_opt.step()
        their_opt.step()
    assert_same(ours, theirs)


@pytest.mark.parametrize("name, kwargs", [CONFIGS[6], CONFIGS[15], CONFIGS[19]])
def test_resuming_from_our_state_dict_follows_torchs_uninterrupted_run(name, kwargs):
    ours, theirs, our_opt, their_opt = paired(None, name, **kwargs)
    for _ in range(10):
        set_grads(ours, theirs)
        our_opt.step()
        their_opt.step()
    saved = our_opt.state_dict()
    resumed = getattr(optim, name)(ours, lr=123.0)  # hyper-parameters come from the state
    resumed.load_state_dict(saved)
    for _ in range(10):
        set_grads(ours, theirs)
        resumed.step()
        their_opt.step()
    assert_same(ours, theirs)


@pytest.mark.parametrize("name, kwargs", [CONFIGS[2], CONFIGS[16]])
def test_we_can_resume_from_torchs_state_dict(name, kwargs):
    ours, theirs, our_opt, their_opt = paired(None, name, **kwargs)
    for _ in range(5):
        set_grads(ours, theirs)
        their_opt.step()
    for p, t in zip(ours, theirs):
        p.data = t.detach().numpy().copy()
    state = their_opt.state_dict()
    converted = {
        "state": {
            i: {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in s.items()}
            for i, s in state["state"].items()
        },
        "param_groups": state["param_groups"],
    }
    our_opt.load_state_dict(converted)
    for _ in range(10):
        set_grads(ours, theirs)
        our_opt.step()
        their_opt.step()
    assert_same(ours, theirs)


# --------------------------------------------------------------------------- schedulers


SCHEDULERS = [
    ("StepLR", dict(step_size=3)),
    ("StepLR", dict(step_size=2, gamma=0.7)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95**epoch)),
    ("LambdaLR", dict(lr_lambda=[lambda e: min(1.0, (e + 1) / 4), lambda e: 1 / (e + 1)])),
]


@pytest.mark.parametrize("name, kwargs", SCHEDULERS, ids=lambda x: x if isinstance(x, str) else "")
def test_schedulers_give_torchs_learning_rates_to_the_last_bit(name, kwargs):
    groups = [{"lr": 0.3}, {"lr": 0.1}]
    ours, theirs, our_opt, their_opt = paired(groups, "SGD", lr=0.1, momentum=0.9)
    our_sched = getattr(optim.lr_scheduler, name)(our_opt, **kwargs)
    their_sched = getattr(torch.optim.lr_scheduler, name)(their_opt, **kwargs)
    for epoch in range(25):
        assert our_sched.get_last_lr() == their_sched.get_last_lr(), epoch
        set_grads(ours, theirs)
        our_opt.step()
        their_opt.step()
        our_sched.step()
        their_sched.step()
    assert_same(ours, theirs)
    # The deprecated step(epoch) jumps with the closed form, as torch's does.
    with pytest.warns(UserWarning):
        our_sched.step(4)
    with pytest.warns(UserWarning):
        their_sched.step(4)
    assert our_sched.get_last_lr() == their_sched.get_last_lr()

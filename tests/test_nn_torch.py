"""The new layers, losses and clip_grad_norm_ against torch: values and gradients in float64."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

from tinygrad_ce import Tensor, nn
from tinygrad_ce import functional as F

torch = pytest.importorskip("torch")

rng = np.random.default_rng(7)


def both(array):
    """The same float64 data as our Tensor and as a torch tensor, both requiring grad."""
    return Tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def compare(ours, theirs, inputs, rtol=1e-12):
    """Values, and gradients for one random upstream gradient, agree."""
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol, atol=1e-15)
    upstream = rng.normal(size=ours.shape)
    ours.backward(upstream)
    theirs.backward(torch.from_numpy(upstream))
    for ours_in, theirs_in in inputs:
        np.testing.assert_allclose(ours_in.grad, theirs_in.grad.numpy(), rtol=rtol, atol=1e-15)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (nn.Sigmoid(), torch.nn.Sigmoid()),
        (nn.LeakyReLU(), torch.nn.LeakyReLU()),
        (nn.LeakyReLU(0.3), torch.nn.LeakyReLU(0.3)),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
        (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
        (nn.Flatten(), torch.nn.Flatten()),
        (nn.Flatten(0, -2), torch.nn.Flatten(0, -2)),
        (nn.Identity(), torch.nn.Identity()),
        (nn.ReLU(), torch.nn.ReLU()),
    ],
    ids=lambda m: repr(m),
)
def test_layers_match_torch(ours, theirs):
    x = rng.normal(size=(3, 4, 2))
    x[0, 0, 0] = 0.0  # the kink of relu and leaky_relu: gradients at 0 as PyTorch's
    a, b = both(x)
    compare(ours(a), theirs(b), [(a, b)])


def test_functional_activations_match_torch():
    x = rng.normal(size=(5, 3))
    x[0, 0] = 0.0
    tf = torch.nn.functional
    for ours, theirs in [
        (F.relu, tf.relu),
        (F.sigmoid, torch.sigmoid),
        (F.tanh, torch.tanh),
        (lambda t: F.leaky_relu(t, 0.2), lambda t: tf.leaky_relu(t, 0.2)),
    ]:
        a, b = both(x)
        compare(ours(a), theirs(b), [(a, b)])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_losses_match_torch(name, reduction, weighted):
    x, t = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    t[0, 0] = x[0, 0]  # l1's gradient at a zero difference
    w = rng.uniform(0.5, 2.0, size=(4, 3)) if weighted else None
    (a, b), (ta, tb) = both(x), both(t)
    ours = getattr(F, name)(a, ta, reduction=reduction, weight=w)
    theirs = getattr(torch.nn.functional, name)(
        b, tb, reduction=reduction, weight=None if w is None else torch.from_numpy(w)
    )
    compare(ours, theirs, [(a, b), (ta, tb)])


@pytest.mark.parametrize(
    "ours, theirs, make_target",
    [
        (nn.MSELoss(), torch.nn.MSELoss(), lambda x: rng.normal(size=x.shape)),
        (nn.L1Loss("sum"), torch.nn.L1Loss(reduction="sum"), lambda x: rng.normal(size=x.shape)),
        (
            nn.BCELoss(reduction="sum"),
            torch.nn.BCELoss(reduction="sum"),
            lambda x: rng.uniform(0, 1, size=x.shape),
        ),
        (
            nn.KLDivLoss(reduction="batchmean"),
            torch.nn.KLDivLoss(reduction="batchmean"),
            lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True),
        ),
    ],
    ids=lambda m: repr(m) if not callable(m) or isinstance(m, nn.Module) else "",
)
def test_loss_modules_match_torch(ours, theirs, make_target):
    x = rng.uniform(0.05, 0.95, size=(4, 3))
    if isinstance(ours, nn.KLDivLoss):
        x = np.log(x / x.sum(1, keepdims=True))
    target = make_target(x)
    a, b = both(x)
    compare(ours(a, target), theirs(b, torch.from_numpy(target)), [(a, b)])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    grads = [rng.normal(size=(3, 2)), rng.normal(size=4), rng.normal(size=())]
    ours = [nn.Parameter(np.zeros(g.shape)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = g.copy(), torch.from_numpy(g.copy())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert total.item() == pytest.approx(their_total.item(), rel=1e-13)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-13)


def test_dropout_corners_match_torch():
    x = np.array([[1.0, np.nan], [-2.0, 3.0]])
    ours = F.dropout(Tensor(x), p=1.0).data
    theirs = torch.nn.functional.dropout(torch.tensor(x), p=1.0).numpy()
    np.testing.assert_array_equal(ours, theirs)  # zeros, and NaN * 0 stays NaN
    a, b = Tensor(x), torch.tensor(x)
    assert F.dropout(a, 0.0) is a and torch.nn.functional.dropout(b, 0.0) is b
    assert F.dropout(a, 0.5, training=False) is a
    assert torch.nn.functional.dropout(b, 0.5, training=False) is b
    with pytest.raises(ValueError, match="between 0 and 1"):
        torch.nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_train_eval_flags_match_torch():
    ours = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.ReLU()))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.Dropout(), torch.nn.ReLU())
    )
    for model in (ours, theirs):
        model.eval()
        model[1].train()
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]


@pytest.mark.parametrize("key", ["a.b", "", "forward"])
def test_rejected_names_are_rejected_by_torch_too(key):
    with pytest.raises(KeyError):
        torch.nn.Sequential(OrderedDict({key: torch.nn.ReLU()}))
    with pytest.raises(KeyError):
        nn.Sequential({key: nn.ReLU()})

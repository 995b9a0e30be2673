"""Primitive ops against PyTorch: same values, same gradients (float64). Skipped without torch."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_ce import Tensor

torch = pytest.importorskip("torch")

rng = np.random.default_rng(7)


def both(*arrays):
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def assert_same(our_out, torch_out, ours, theirs):
    upstream = rng.standard_normal(our_out.shape)
    our_out.backward(upstream)
    torch_out.backward(torch.tensor(upstream))
    np.testing.assert_allclose(our_out.data, torch_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3, 4)),
        ((5, 2, 3), (3, 4)),
        ((5, 1, 2, 3), (4, 3, 2)),
        ((3,), (2, 3, 4)),
    ],
)
def test_matmul(a_shape, b_shape):
    (a, b), (ta, tb) = both(rng.standard_normal(a_shape), rng.standard_normal(b_shape))
    assert_same(a @ b, ta @ tb, [a, b], [ta, tb])


def test_max_with_ties_matches_amax():
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [5.0, -1.0, 5.0, 5.0]])
    (ours,), (theirs,) = both(x)
    assert_same(ours.max(axis=1), torch.amax(theirs, dim=1), [ours], [theirs])
    (ours,), (theirs,) = both(x)
    assert_same(ours.max(), torch.amax(theirs), [ours], [theirs])


def test_indexing_with_repeats_and_masks():
    x = rng.standard_normal((4, 5))
    (ours,), (theirs,) = both(x)
    rows = np.array([3, 0, 3, 3, 1])
    assert_same(ours[rows, 1:4], theirs[torch.tensor(rows), 1:4], [ours], [theirs])
    (ours,), (theirs,) = both(x)
    mask = x > 0
    assert_same(ours[mask], theirs[torch.tensor(mask)], [ours], [theirs])


def test_broadcast_arithmetic_chain():
    arrays = rng.standard_normal((4, 1, 3)), rng.uniform(0.5, 2, (5, 1)), rng.standard_normal(3)
    (a, b, c), (ta, tb, tc) = both(*arrays)
    ours = ((a * b - c) / b) ** 2 + (b**c).log() - (-a).exp().tanh() + c.sigmoid() * a.relu()
    theirs = (
        ((ta * tb - tc) / tb) ** 2 + (tb**tc).log() - (-ta).exp().tanh() + tc.sigmoid() * ta.relu()
    )
    assert_same(ours, theirs, [a, b, c], [ta, tb, tc])


def test_reductions_and_shapes():
    (x,), (tx,) = both(rng.standard_normal((2, 3, 4)))
    ours = (
        x.sum(axis=(0, 2), keepdims=True) * x.mean(axis=-1).reshape(2, 3, 1)
        + x.transpose(0, 2, 1).T.exp().log1p().sum()
        + x.transpose(2, 0, 1).max(axis=0).reshape(6).sum()
    )
    theirs = (
        tx.sum(dim=(0, 2), keepdim=True) * tx.mean(dim=-1).reshape(2, 3, 1)
        + tx.permute(0, 2, 1).permute(2, 1, 0).exp().log1p().sum()
        + torch.amax(tx.permute(2, 0, 1), dim=0).reshape(6).sum()
    )
    assert_same(ours, theirs, [x], [tx])


def test_pow_at_zero_base_and_zero_exponent():
    base = np.array([0.0, 0.0, 2.0, 0.0])
    exponent = np.array([0.0, 2.0, 0.0, 0.5])
    (a, b), (ta, tb) = both(base, exponent)
    with np.errstate(divide="ignore"):
        assert_same(a**b, ta**tb, [a, b], [ta, tb])

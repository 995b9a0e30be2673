"""functional.relu / sigmoid / tanh / leaky_relu / dropout / mse_loss / l1_loss: values by hand,
finite-difference gradients (float64, central differences, random upstream), corners and errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Tensor, gradcheck
from tinygrad_ce import functional as F

rng = np.random.default_rng(0)
# Inputs kept away from 0, where relu, leaky_relu and |x| have kinks (finite differences fail).
X = rng.uniform(0.1, 2.0, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4))


@pytest.mark.parametrize(
    "fn, expected",
    [
        (F.relu, np.maximum(X, 0)),
        (F.sigmoid, 1 / (1 + np.exp(-X))),
        (F.tanh, np.tanh(X)),
        (F.leaky_relu, np.where(X > 0, X, 0.01 * X)),
        (lambda x: F.leaky_relu(x, negative_slope=0.2), np.where(X > 0, X, 0.2 * X)),
    ],
)
def test_activations_values_and_gradients(fn, expected):
    np.testing.assert_allclose(fn(Tensor(X)).data, expected, rtol=1e-12)
    np.testing.assert_allclose(fn(X).data, expected, rtol=1e-12)  # arrays are accepted
    assert gradcheck(fn, [Tensor(X, requires_grad=True)])
    assert fn(Tensor(X.astype(np.float32))).dtype == np.float32


def test_activation_gradients_at_zero_are_pytorchs():
    x = Tensor(np.zeros(3), requires_grad=True)
    F.relu(x).backward(np.ones(3))
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    F.leaky_relu(x, 0.1).backward(np.ones(3))
    np.testing.assert_allclose(x.grad, [0.1, 0.1, 0.1])


def test_activations_on_corner_shapes():
    for fn in (F.relu, F.sigmoid, F.tanh, F.leaky_relu):
        assert fn(Tensor(np.zeros((0, 3)))).shape == (0, 3)
        assert fn(Tensor(np.array(-1.5))).shape == ()


def test_inplace_flags_never_change_the_input():
    x = np.array([-1.0, 2.0])
    F.relu(x, inplace=True)
    F.leaky_relu(x, 0.1, inplace=True)
    F.dropout(Tensor(x), 0.5, inplace=True)
    assert x.tolist() == [-1.0, 2.0]


# --------------------------------------------------------------------------- dropout


def test_dropout_gradient_is_the_mask_over_keep_probability():
    x = Tensor(rng.normal(size=(4, 5)), requires_grad=True)
    y = F.dropout(x, p=0.4, generator=3)
    mask = (y.data != 0).astype(float)
    np.testing.assert_allclose(y.data, x.data * mask / 0.6, rtol=1e-15)
    upstream = rng.normal(size=(4, 5))
    y.backward(upstream)
    np.testing.assert_allclose(x.grad, upstream * mask / 0.6, rtol=1e-15)
    # An int seed gives the same mask on every call of the functional form.
    np.testing.assert_array_equal(F.dropout(x, p=0.4, generator=3).data, y.data)


def test_dropout_uses_the_default_generator():
    x = Tensor(np.ones(40))
    tg.manual_seed(1)
    a = F.dropout(x).data
    tg.manual_seed(1)
    np.testing.assert_array_equal(F.dropout(x).data, a)
    assert 0 < (a == 0).sum() < 40


def test_dropout_p_one_keeps_nan():
    y = F.dropout(Tensor([np.nan, 1.0]), p=1.0)
    assert np.isnan(y.data[0]) and y.data[1] == 0.0


# --------------------------------------------------------------------------- regression losses

T = rng.normal(size=(3, 4))


@pytest.mark.parametrize(
    "loss, elementwise",
    [(F.mse_loss, (X - T) ** 2), (F.l1_loss, np.abs(X - T))],
)
def test_regression_losses_by_hand(loss, elementwise):
    x = Tensor(X)
    np.testing.assert_allclose(loss(x, T).data, elementwise.mean(), rtol=1e-12)
    np.testing.assert_allclose(loss(x, T, reduction="sum").data, elementwise.sum(), rtol=1e-12)
    np.testing.assert_allclose(loss(x, T, reduction="none").data, elementwise, rtol=1e-12)
    w = rng.uniform(0.5, 2.0, size=X.shape)
    np.testing.assert_allclose(
        loss(x, T, weight=w).data, (w * elementwise).sum() / w.sum(), rtol=1e-12
    )
    np.testing.assert_allclose(
        loss(x, T, reduction="none", weight=w).data, w * elementwise, rtol=1e-12
    )


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_loss_gradients_for_input_and_target(loss, reduction):
    x = Tensor(X, requires_grad=True)
    t = Tensor(X + np.sign(T) * 0.5, requires_grad=True)  # |x - t| = 0.5: no kink
    assert gradcheck(lambda a, b: loss(a, b, reduction=reduction), [x, t])


def test_l1_loss_gradient_at_equal_values_is_zero():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    F.l1_loss(x, [1.0, 3.0], reduction="sum").backward()
    assert x.grad.tolist() == [0.0, -1.0]


def test_regression_losses_keep_the_input_dtype_and_constant_targets():
    x = Tensor(X.astype(np.float32), requires_grad=True)
    target = T.copy()
    loss = F.mse_loss(x, target)  # a float64 array target is a constant cast to float32
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(target, T)  # not modified
    assert F.l1_loss(x, T.tolist()).dtype == np.float32
    assert F.mse_loss(Tensor(np.zeros(3)), np.array([1, 2, 3])).item() == pytest.approx(14 / 3)


def test_regression_losses_corners():
    assert np.isnan(F.mse_loss(Tensor(np.zeros((0, 2))), np.zeros((0, 2))).item())
    assert F.l1_loss(Tensor(np.zeros((0, 2))), np.zeros((0, 2)), reduction="sum").item() == 0.0
    assert F.mse_loss(Tensor(np.array(3.0)), np.array(1.0)).item() == 4.0


def test_regression_losses_reject_bad_input():
    x = Tensor(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"target shape \(4,\) must be the same as input shape"):
        F.mse_loss(x, np.zeros(4))  # PyTorch would broadcast to (4, 4) with a warning
    with pytest.raises(ValueError, match=r"target shape \(4,\)"):
        F.l1_loss(x, Tensor(np.zeros(4), requires_grad=True))
    with pytest.raises(TypeError, match="target dtype float32 differs"):
        F.mse_loss(Tensor(np.zeros(2)), Tensor(np.zeros(2, np.float32), requires_grad=True))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(Tensor(np.zeros(2)), np.zeros(2), reduction="avg")
    with pytest.raises(ValueError, match=r"weight of shape \(3,\)"):
        F.l1_loss(Tensor(np.zeros(2)), np.zeros(2), weight=np.ones(3))
    with pytest.raises(TypeError, match="floating"):
        F.mse_loss(Tensor([1, 2]), [1, 2])

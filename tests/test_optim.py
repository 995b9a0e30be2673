"""tinygrad_ce.optim: SGD and Adam against updates computed by hand, checks and bookkeeping.

The hand computations feed a fixed sequence of gradients (set on ``.grad`` directly), so each
expected value follows from the documented algorithm with a few lines of arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_ce import Tensor, nn, optim

GRADS = [np.array([0.5, -1.0]), np.array([0.25, 2.0]), np.array([-1.0, 0.5]), np.array([2.0, 0.0])]
START = np.array([1.0, -3.0])


def run(make_optimizer, grads=GRADS, start=START):
    """Apply ``optimizer.step()`` once per gradient in ``grads``; return the parameter values."""
    p = Tensor(start.copy(), requires_grad=True)
    opt = make_optimizer([p])
    history = []
    for g in grads:
        p.grad = g.copy()
        opt.step()
        history.append(p.data.copy())
    return history


# --------------------------------------------------------------------------- SGD by hand


def test_sgd_plain():
    lr = 0.1
    history = run(lambda ps: optim.SGD(ps, lr=lr))
    expected = START.copy()
    for g, got in zip(GRADS, history):
        expected = expected - lr * g
        np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_sgd_momentum_first_buffer_is_the_gradient_then_dampened():
    lr, mu, tau = 0.1, 0.9, 0.25
    history = run(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, dampening=tau))
    g1, g2, g3, _ = GRADS
    b1 = g1  # the first buffer is the gradient itself, not (1 - tau) * g1
    p1 = START - lr * b1
    b2 = mu * b1 + (1 - tau) * g2
    p2 = p1 - lr * b2
    b3 = mu * b2 + (1 - tau) * g3
    p3 = p2 - lr * b3
    for got, expected in zip(history, [p1, p2, p3]):
        np.testing.assert_allclose(got, expected, rtol=1e-14)
    # Sanity check of the hand values: step 1 moves by exactly lr * g1.
    np.testing.assert_allclose(history[0], [0.95, -2.9], rtol=1e-15)


def test_sgd_nesterov():
    lr, mu = 0.05, 0.8
    history = run(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, nesterov=True))
    g1, g2, _, _ = GRADS
    b1 = g1
    p1 = START - lr * (g1 + mu * b1)
    b2 = mu * b1 + g2
    p2 = p1 - lr * (g2 + mu * b2)
    np.testing.assert_allclose(history[0], p1, rtol=1e-15)
    np.testing.assert_allclose(history[1], p2, rtol=1e-15)


def test_sgd_weight_decay_is_added_to_the_gradient_before_momentum():
    lr, mu, wd = 0.1, 0.5, 0.2
    history = run(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, weight_decay=wd))
    g1, g2, _, _ = GRADS
    d1 = g1 + wd * START
    p1 = START - lr * d1
    d2 = g2 + wd * p1
    b2 = mu * d1 + d2
    p2 = p1 - lr * b2
    np.testing.assert_allclose(history[0], p1, rtol=1e-15)
    np.testing.assert_allclose(history[1], p2, rtol=1e-15)


def test_sgd_all_options_together():
    lr, mu, wd = 0.1, 0.9, 0.01
    history = run(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, weight_decay=wd, nesterov=True))
    p, buf = START.copy(), None
    for g, got in zip(GRADS, history):
        d = g + wd * p
        buf = d.copy() if buf is None else mu * buf + d
        p = p - lr * (d + mu * buf)
        np.testing.assert_allclose(got, p, rtol=1e-14)


# --------------------------------------------------------------------------- Adam by hand


def adam_by_hand(grads, lr, beta1, beta2, eps, wd, start=START):
    """The algorithm of torch.optim.Adam's documentation, written out plainly."""
    p = start.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    out = []
    for t, g in enumerate(grads, start=1):
        g = g + wd * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p.copy())
    return out


@pytest.mark.parametrize(
    "lr, betas, eps, wd",
    [
        (1e-3, (0.9, 0.999), 1e-8, 0.0),
        (0.1, (0.5, 0.9), 1e-8, 0.0),
        (0.1, (0.2, 0.3), 0.5, 0.0),  # a large eps: added outside the square root
        (0.05, (0.9, 0.999), 1e-8, 0.3),  # L2 weight decay enters m and v
        (0.05, (0.0, 0.0), 1e-8, 0.0),
    ],
)
def test_adam_matches_the_documented_algorithm(lr, betas, eps, wd):
    history = run(lambda ps: optim.Adam(ps, lr=lr, betas=betas, eps=eps, weight_decay=wd))
    for got, expected in zip(history, adam_by_hand(GRADS, lr, *betas, eps, wd)):
        np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_adam_first_step_by_hand():
    # t = 1: m_hat = g and v_hat = g**2, so the step is lr * g / (|g| + eps).
    history = run(lambda ps: optim.Adam(ps, lr=0.1, eps=0.5), grads=GRADS[:1])
    g = GRADS[0]
    np.testing.assert_allclose(history[0], START - 0.1 * g / (np.abs(g) + 0.5), rtol=1e-15)
    np.testing.assert_allclose(history[0], [1.0 - 0.05, -3.0 + 0.1 / 1.5], rtol=1e-15)


def test_adam_is_not_adamw():
    # With zero gradients, AdamW would still shrink p by lr * wd * p; Adam's L2 term goes
    # through m / sqrt(v), so the first step is lr * sign(p) (almost) whatever wd is.
    history = run(
        lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.5), grads=[np.zeros(2)], start=START
    )
    np.testing.assert_allclose(history[0], START - 0.01 * np.sign(START), rtol=1e-7)


# --------------------------------------------------------------------------- bookkeeping


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: optim.Adam(ps, lr=0.1),
    ],
)
def test_updates_are_in_place_and_keep_the_dtype(make):
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=1))
    arrays = [p.data for p in model.parameters()]
    views = [a[...] for a in arrays]  # a view sees in-place updates, not rebinding
    before = [a.copy() for a in arrays]
    opt = make(model.parameters())  # a generator
    for _ in range(2):
        opt.zero_grad()
        model(np.ones((5, 3), dtype=np.float32)).sum().backward()
        opt.step()
    for p, array, view, old in zip(model.parameters(), arrays, views, before):
        assert p.data is array
        assert p.dtype == np.float32
        assert not np.array_equal(view, old)


def test_parameters_without_grad_are_skipped_and_keep_their_state():
    a = Tensor(np.array([1.0]), requires_grad=True)
    b = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.array([2.0])
    opt.step()
    assert b.data.tolist() == [1.0] and opt.state[1] == {}
    a.grad, b.grad = np.array([2.0]), np.array([2.0])
    opt.step()
    assert opt.state[0]["step"] == 2 and opt.state[1]["step"] == 1
    # b's first real step is Adam's first step: lr * g / (|g| + eps) = ~lr
    assert b.data[0] == pytest.approx(0.9, rel=1e-7)

    c = Tensor(np.array([1.0]), requires_grad=True)
    sgd = optim.SGD([c], lr=0.1, momentum=0.9)
    sgd.step()
    assert c.data.tolist() == [1.0] and sgd.state[0] == {}


def test_momentum_buffer_is_a_copy_of_the_gradient():
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.array([1.0])
    opt.step()
    p.grad += 5.0  # the engine accumulates into .grad in place; the buffer must not change
    assert opt.state[0]["momentum_buffer"].tolist() == [1.0]


def test_zero_grad_sets_none_or_zeros_in_place():
    p = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_learning_rate_can_be_changed_between_steps():
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.array([1.0])
    opt.step()
    opt.lr = 0.5
    opt.step()
    assert p.data[0] == pytest.approx(1.0 - 0.1 - 0.5)


def test_generators_and_lists_are_accepted():
    layer = nn.Linear(2, 2, rng=0)
    assert len(optim.SGD(layer.parameters(), lr=0.1).params) == 2
    assert len(optim.Adam((p for p in layer.parameters()), lr=0.1).params) == 2
    assert len(optim.Adam(list(layer.parameters())).params) == 2


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda ps: optim.SGD(ps, lr=-0.1), "-0.1"),
        (lambda ps: optim.SGD(ps, lr=math.nan), "nan"),
        (lambda ps: optim.SGD(ps, lr=0.1, momentum=-0.5), "momentum: -0.5"),
        (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=-1e-4), "weight_decay: -0.0001"),
        (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), "momentum=0.0"),
        (
            lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "dampening=0.1",
        ),
        (lambda ps: optim.Adam(ps, lr=-1e-3), "-0.001"),
        (lambda ps: optim.Adam(ps, eps=-1e-8), "eps: -1e-08"),
        (lambda ps: optim.Adam(ps, weight_decay=-0.1), "weight_decay: -0.1"),
        (lambda ps: optim.Adam(ps, betas=(1.0, 0.999)), "index 0: 1.0"),
        (lambda ps: optim.Adam(ps, betas=(0.9, -0.1)), "index 1: -0.1"),
        (lambda ps: optim.Adam(ps, betas=(0.9, 1.5)), "index 1: 1.5"),
        (lambda ps: optim.Adam(ps, betas=0.9), "betas: 0.9"),
    ],
)
def test_invalid_hyper_parameters_raise_value_error_naming_the_value(make, message):
    p = Tensor(np.array([1.0]), requires_grad=True)
    with pytest.raises(ValueError) as info:
        make([p])
    assert message in str(info.value)


def test_bad_parameter_lists_are_rejected():
    p = Tensor(np.array([1.0]), requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] is a ndarray"):
        optim.SGD([p, np.ones(2)], lr=0.1)
    frozen = Tensor([1.0])  # accepted, as in PyTorch, and skipped while it has no grad
    opt = optim.Adam([frozen, p])
    (p * 2).sum().backward()
    opt.step()
    assert frozen.data[0] == 1.0 and p.data[0] != 1.0
    p.grad = None
    with pytest.raises(ValueError, match=r"params\[1\] appears more than once"):
        optim.Adam([p, p])
    with pytest.raises(ValueError, match="not a leaf"):
        optim.Adam([p * 2])
    with pytest.raises(TypeError, match="parameter groups"):
        optim.SGD([{"params": [p]}], lr=0.1)


def test_sgd_minimises_a_quadratic():
    target = np.array([3.0, -1.0])
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.5)
    for _ in range(200):
        opt.zero_grad()
        ((p - target) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.data, target, atol=1e-10)

"""tinygrad_ce.optim: SGD and Adam against updates computed by hand, checks and bookkeeping.

The hand computations feed a fixed sequence of gradients (set on ``.grad`` directly), so each
expected value follows from the documented algorithm with a few lines of arithmetic.
"""

from __future__ import annotations

import copy
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
    assert b.data.tolist() == [1.0] and b not in opt.state
    a.grad, b.grad = np.array([2.0]), np.array([2.0])
    opt.step()
    assert opt.state[a]["step"] == 2 and opt.state[b]["step"] == 1
    # b's first real step is Adam's first step: lr * g / (|g| + eps) = ~lr
    assert b.data[0] == pytest.approx(0.9, rel=1e-7)

    c = Tensor(np.array([1.0]), requires_grad=True)
    sgd = optim.SGD([c], lr=0.1, momentum=0.9)
    sgd.step()
    assert c.data.tolist() == [1.0] and c not in sgd.state


def test_momentum_buffer_is_a_copy_of_the_gradient():
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.array([1.0])
    opt.step()
    p.grad += 5.0  # the engine accumulates into .grad in place; the buffer must not change
    assert opt.state[p]["momentum_buffer"].tolist() == [1.0]


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
    opt.param_groups[0]["lr"] = 0.5  # PyTorch's way (what schedulers do)
    opt.step()
    assert p.data[0] == pytest.approx(1.0 - 0.1 - 0.5)
    opt.lr = 0.25  # the older attribute style sets every group's lr
    assert opt.param_groups[0]["lr"] == 0.25 and opt.lr == 0.25
    opt.step()
    assert p.data[0] == pytest.approx(1.0 - 0.1 - 0.5 - 0.25)
    with pytest.raises(ValueError, match="-1"):
        opt.lr = -1
    assert opt.param_groups[0]["lr"] == 0.25


def test_generators_and_lists_are_accepted():
    layer = nn.Linear(2, 2, rng=0)
    for params in (layer.parameters(), (p for p in layer.parameters()), list(layer.parameters())):
        opt = optim.Adam(params)
        assert len(opt.param_groups) == 1 and len(opt.param_groups[0]["params"]) == 2


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
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD({"params": [p]}, lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] is a dict"):
        optim.SGD([p, {"params": [p]}], lr=0.1)


def test_sgd_minimises_a_quadratic():
    target = np.array([3.0, -1.0])
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.5)
    for _ in range(200):
        opt.zero_grad()
        ((p - target) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.data, target, atol=1e-10)


# --------------------------------------------------------------------------- AdamW, amsgrad...


def adam_variants_by_hand(grads, lr, beta1, beta2, eps, wd, decoupled, amsgrad, start=START):
    """torch.optim.Adam / AdamW's documented algorithm, with decoupled decay and amsgrad."""
    p = start.copy()
    m, v, v_max = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    out = []
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = np.maximum(v_max, v)
        v_hat = (v_max if amsgrad else v) / (1 - beta2**t)
        p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(v_hat) + eps)
        out.append(p.copy())
    return out


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_and_adamw_with_amsgrad_by_hand(decoupled, amsgrad):
    lr, betas, eps, wd = 0.1, (0.5, 0.9), 1e-6, 0.2
    cls = optim.AdamW if decoupled else optim.Adam
    history = run(lambda ps: cls(ps, lr=lr, betas=betas, eps=eps, weight_decay=wd, amsgrad=amsgrad))
    expected = adam_variants_by_hand(GRADS, lr, *betas, eps, wd, decoupled, amsgrad)
    for got, want in zip(history, expected):
        np.testing.assert_allclose(got, want, rtol=1e-13)
    if amsgrad:  # the run had a shrinking v, so amsgrad changed something
        plain = adam_variants_by_hand(GRADS, lr, *betas, eps, wd, decoupled, False)
        assert not np.allclose(expected[-1], plain[-1])


def test_adamw_defaults_are_pytorchs():
    p = Tensor(np.zeros(1), requires_grad=True)
    group = optim.AdamW([p]).param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"]) == (
        1e-3,
        (0.9, 0.999),
        1e-8,
        1e-2,
    )
    assert group["decoupled_weight_decay"] and not group["amsgrad"]
    assert not optim.Adam([p]).param_groups[0]["decoupled_weight_decay"]


@pytest.mark.parametrize(
    "make",
    [
        lambda ps, **kw: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1, **kw),
        lambda ps, **kw: optim.Adam(ps, lr=0.1, weight_decay=0.1, **kw),
        lambda ps, **kw: optim.AdamW(ps, lr=0.1, amsgrad=True, **kw),
    ],
)
def test_maximize_is_descent_on_the_negated_gradient(make):
    ascended = run(lambda ps: make(ps, maximize=True))
    descended = run(lambda ps: make(ps), grads=[-g for g in GRADS])
    for a, d in zip(ascended, descended):
        np.testing.assert_array_equal(a, d)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: optim.Adam(ps, lr=0.1, amsgrad=True),
        lambda ps: optim.AdamW(ps, lr=0.1),
    ],
)
def test_zero_dimensional_parameters_follow_the_same_trajectory(make):
    vector = run(make, grads=[g[:1] for g in GRADS], start=START[:1])
    p = Tensor(np.array(START[0]), requires_grad=True)
    opt = make([p])
    for g, expected in zip(GRADS, vector):
        p.grad = np.array(g[0])
        opt.step()
        assert p.shape == () and isinstance(p.data, np.ndarray)
        np.testing.assert_array_equal(p.data, expected[0])


# --------------------------------------------------------------------------- gradient checks


@pytest.mark.parametrize(
    "make",
    [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adam(ps), optim.AdamW],
)
def test_a_gradient_that_only_broadcasts_is_rejected_before_any_update(make):
    first = Tensor(np.ones(2), requires_grad=True)
    second = Tensor(np.ones((2, 3)), requires_grad=True)
    opt = make([first, second])
    first.grad = np.ones(2)
    second.grad = np.ones(3)  # broadcasts to (2, 3): would update all six entries
    with pytest.raises(
        ValueError,
        match=r"params\[1\]: .grad has shape \(3,\) but the parameter "
        r"has shape \(2, 3\)",
    ):
        opt.step()
    assert first.data.tolist() == [1.0, 1.0] and (second.data == 1).all()
    assert len(opt.state) == 0  # no state advanced either
    second.grad = np.ones((3, 2))  # does not broadcast: the same clear error, not NumPy's
    with pytest.raises(ValueError, match=r"\(3, 2\) but the parameter has shape \(2, 3\)"):
        opt.step()


def test_a_gradient_of_another_dtype_or_type_is_rejected():
    p = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(2)  # float64
    with pytest.raises(
        TypeError,
        match=r"params\[0\]: .grad has dtype float64 but the parameter "
        r"has dtype float32",
    ):
        opt.step()
    p.grad = [1.0, 1.0]
    with pytest.raises(TypeError, match="must be a NumPy array, got list"):
        opt.step()
    assert p.data.tolist() == [1.0, 1.0]


def test_errors_name_the_parameter_by_group_and_name():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Linear(3, 1, rng=1))
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    model[1].weight.grad = np.ones(3, dtype=np.float32)
    with pytest.raises(ValueError, match=r"params\[2\] \('1.weight'\): .grad has shape \(3,\)"):
        opt.step()
    grouped = optim.Adam(
        [{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.1}]
    )
    with pytest.raises(ValueError, match=r"param_groups\[1\]\['params'\]\[0\]: .grad has shape"):
        grouped.step()


# --------------------------------------------------------------------------- parameter groups


def test_parameter_groups_have_their_own_hyper_parameters():
    a = Tensor(np.array([1.0]), requires_grad=True)
    b = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["momentum"] == 0.0 and opt.param_groups[1]["momentum"] == 0.9
    for _ in range(2):
        a.grad, b.grad = np.array([1.0]), np.array([1.0])
        opt.step()
    assert a.data[0] == pytest.approx(1.0 - 0.1 - 0.1)
    assert b.data[0] == pytest.approx(1.0 - 0.5 - 0.5 * 1.9)
    with pytest.raises(AttributeError, match="differs between the parameter groups"):
        _ = opt.lr
    assert opt.dampening == 0.0  # shared by every group


def test_add_param_group_checks_the_group():
    a = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    c = Tensor(np.array([2.0]), requires_grad=True)
    opt.add_param_group({"params": [c], "betas": (0.5, 0.6)})
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["betas"] == (0.5, 0.6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="no 'params'"):
        opt.add_param_group({"lr": 0.1})
    with pytest.raises(ValueError, match=r"index 1: 1\.5"):
        opt.add_param_group({"params": [Tensor([0.0], requires_grad=True)], "betas": (0.5, 1.5)})
    with pytest.raises(ValueError, match=r"lr\) in param_groups\[1\]: -1"):
        optim.SGD([{"params": [a]}, {"params": [c], "lr": -1}], lr=0.1)
    assert len(opt.param_groups) == 2


def test_repr_lists_the_groups():
    opt = optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n") and "    momentum: 0.9\n" in text


def test_step_calls_the_closure_and_returns_its_loss():
    w = Tensor(np.array([2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0
    assert w.data[0] == 1.0


# --------------------------------------------------------------------------- state dicts


def train(model, opt, steps, seed):
    batches = np.random.default_rng(seed)
    for _ in range(steps):
        x = batches.normal(size=(8, 3))
        opt.zero_grad()
        ((model(x) - 1.0) ** 2).mean().backward()
        opt.step()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: optim.Adam(ps, lr=0.05, amsgrad=True),
        lambda ps: optim.AdamW(ps, lr=0.05),
    ],
)
def test_training_resumed_from_state_dicts_is_exactly_uninterrupted_training(make):
    def model_():
        return nn.Sequential(
            nn.Linear(3, 4, rng=0, dtype=np.float64),
            nn.Tanh(),
            nn.Linear(4, 1, rng=1, dtype=np.float64),
        )

    straight = model_()
    opt = make(straight.parameters())
    train(straight, opt, 4, seed=1)
    saved_model, saved_opt = straight.state_dict(), opt.state_dict()
    train(straight, opt, 4, seed=2)

    resumed = model_()
    resumed_opt = make(resumed.parameters())
    resumed.load_state_dict(saved_model)
    resumed_opt.load_state_dict(saved_opt)
    train(resumed, resumed_opt, 4, seed=2)
    for (name, p), q in zip(straight.named_parameters(), resumed.parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    # And the state matters: a fresh optimizer takes another path.
    fresh = model_()
    fresh.load_state_dict(saved_model)
    train(fresh, make(fresh.parameters()), 4, seed=2)
    assert not np.array_equal(fresh[0].weight.data, straight[0].weight.data)


def test_state_dict_holds_copies_and_load_copies_and_casts():
    p = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = np.array([1.0, -1.0], dtype=np.float32)
    opt.step()
    saved = opt.state_dict()
    m = saved["state"][0]["exp_avg"]
    assert m is not opt.state[p]["exp_avg"]
    opt.step()
    assert saved["state"][0]["step"] == 1 and m.tolist() == pytest.approx([0.1, -0.1])
    saved["state"][0]["exp_avg"] = m.astype(np.float64)
    other = optim.Adam([p], lr=0.5, betas=(0.5, 0.5))
    other.load_state_dict(saved)
    assert other.state[p]["exp_avg"].dtype == np.float32
    assert other.state[p]["exp_avg"] is not saved["state"][0]["exp_avg"]
    assert other.param_groups[0]["lr"] == 0.1 and other.param_groups[0]["betas"] == (0.9, 0.999)
    assert other.param_groups[0]["params"][0] is p


def test_load_state_dict_rejects_a_state_of_another_model_and_changes_nothing():
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.zeros((2, 2)), requires_grad=True)
    source = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = np.ones(2), np.ones((2, 2))
    source.step()
    state = source.state_dict()
    c = Tensor(np.zeros(3), requires_grad=True)
    target = optim.SGD([c, Tensor(np.zeros((2, 2)), requires_grad=True)], lr=0.3, momentum=0.5)
    with pytest.raises(
        ValueError,
        match=r"params\[0\]: 'momentum_buffer' has shape \(2,\) but "
        r"the parameter has shape \(3,\)",
    ):
        target.load_state_dict(state)
    assert target.param_groups[0]["lr"] == 0.3 and len(target.state) == 0
    with pytest.raises(ValueError, match="holds 2 parameters in the loaded state dict but 1"):
        optim.SGD([c], lr=0.1).load_state_dict(state)
    with pytest.raises(ValueError, match="1 parameter groups, the optimizer has 2"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(state)
    adam_state = optim.Adam([a, b]).state_dict()
    adam_state["state"] = {1: {"momentum_buffer": np.zeros((2, 2))}}
    with pytest.raises(ValueError, match=r"params\[1\]: unexpected entry 'momentum_buffer'"):
        optim.Adam([a, b]).load_state_dict(adam_state)
    with pytest.raises(ValueError, match=r"lacks the hyper-parameters \['momentum'"):
        optim.SGD([a, b], lr=0.1).load_state_dict(optim.Adam([a, b]).state_dict())
    with pytest.raises(ValueError, match="'state', 'param_groups'"):
        source.load_state_dict({})
    adam = optim.Adam([a, b])
    adam_state = adam.state_dict()
    adam_state["state"] = {0: {"step": -1}}
    with pytest.raises(ValueError, match="'step' must be an int >= 0"):
        adam.load_state_dict(adam_state)


def test_optimizer_updates_count_as_in_place_changes():
    p = Tensor(np.ones(2), requires_grad=True)
    array = p.data
    for opt in (optim.SGD([p], lr=0.1), optim.Adam([p]), optim.AdamW([p])):
        version = p._version
        p.grad = np.ones(2)
        opt.step()
        assert p._version > version and p.data is array


# --------------------------------------------------------------------------- schedulers


def one_param_sgd(lr=1.0, **kwargs):
    return optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=lr, **kwargs)


def schedule(scheduler, epochs):
    """The learning rate of each epoch, with optimizer.step() before scheduler.step()."""
    lrs = []
    for _ in range(epochs):
        lrs.append(scheduler.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in scheduler.optimizer.param_groups]
        scheduler.optimizer.step()
        scheduler.step()
    return lrs


def test_step_lr_by_hand():
    opt = optim.SGD(
        [
            {"params": [Tensor([0.0], requires_grad=True)]},
            {"params": [Tensor([0.0], requires_grad=True)], "lr": 2.0},
        ],
        lr=1.0,
    )
    lrs = schedule(optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5), 8)
    assert [lr[0] for lr in lrs] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert [lr[1] for lr in lrs] == [2 * lr[0] for lr in lrs]
    assert opt.param_groups[0]["initial_lr"] == 1.0


def test_cosine_annealing_by_hand():
    scheduler = optim.lr_scheduler.CosineAnnealingLR(one_param_sgd(0.5), T_max=5, eta_min=0.1)
    lrs = [lr[0] for lr in schedule(scheduler, 11)]
    expected = [0.1 + 0.4 * (1 + np.cos(np.pi * t / 5)) / 2 for t in range(11)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-13, atol=1e-15)  # down, then back up
    assert lrs[5] == pytest.approx(0.1) and lrs[10] == pytest.approx(0.5)


def test_lambda_lr_by_hand_with_one_function_per_group():
    opt = optim.SGD(
        [
            {"params": [Tensor([0.0], requires_grad=True)]},
            {"params": [Tensor([0.0], requires_grad=True)], "lr": 0.2},
        ],
        lr=0.1,
    )
    scheduler = optim.lr_scheduler.LambdaLR(opt, [lambda e: e + 1, lambda e: 0.5**e])
    lrs = schedule(scheduler, 3)
    assert lrs == [[0.1, 0.2], [0.2, 0.1], [0.30000000000000004, 0.05]]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(TypeError, match="must be callable"):
        optim.lr_scheduler.LambdaLR(opt, 0.5)


def test_scheduler_step_before_optimizer_step_warns():
    scheduler = optim.lr_scheduler.StepLR(one_param_sgd(), step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()


def test_scheduler_state_dict_resumes_the_schedule():
    first = optim.lr_scheduler.CosineAnnealingLR(one_param_sgd(), T_max=6)
    schedule(first, 3)
    saved_opt, saved = first.optimizer.state_dict(), first.state_dict()
    rest = schedule(first, 4)
    # PyTorch's order: build the optimizer and the scheduler, then load both states (building a
    # scheduler sets the learning rate of epoch 0; loading the optimizer's state restores it).
    opt = one_param_sgd(lr=123.0)
    second = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)
    opt.load_state_dict(saved_opt)
    second.load_state_dict(saved)
    assert schedule(second, 4) == rest


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        optim.lr_scheduler.StepLR(one_param_sgd(), step_size=2, last_epoch=3)


def test_step_with_an_epoch_is_deprecated_and_uses_the_closed_form():
    opt = one_param_sgd()
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    opt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        scheduler.step(5)
    assert scheduler.get_last_lr() == [1.0 * 0.1**2]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda o: optim.lr_scheduler.StepLR(o, step_size=0), "step_size must be an int >= 1"),
        (lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=0), "T_max must be an int >= 1"),
        (lambda o: optim.lr_scheduler.StepLR(o, 2, gamma="x"), "gamma must be a number"),
        (lambda o: optim.lr_scheduler.StepLR(o, 2, last_epoch=-2), "last_epoch must be"),
    ],
)
def test_schedulers_reject_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make(one_param_sgd())
    with pytest.raises(TypeError, match="not an Optimizer"):
        optim.lr_scheduler.StepLR("sgd", step_size=2)


def test_a_copied_optimizer_keeps_the_state_of_the_copied_parameters():
    model = nn.Linear(2, 1, rng=0, dtype=np.float64)
    opt = optim.Adam(model.parameters(), lr=0.1)
    for p in model.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    twin = copy.deepcopy(opt)
    copied = twin.param_groups[0]["params"]
    assert all(p in twin.state and twin.state[p]["step"] == 1 for p in copied)
    assert not any(p in twin.state for p in model.parameters())
    assert twin.state[copied[0]]["exp_avg"] is not opt.state[model.weight]["exp_avg"]

"""The ops of issue 11 against PyTorch: same values, same gradients (float64, a random upstream
gradient), at ties, kinks, zeros and bounds too, on 0-d and size-0 shapes where they make sense.
Skipped without torch."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Tensor
from tinygrad_ce import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(11)


def normal(*shape):
    return rng.standard_normal(shape)


def compare(ours_fn, torch_fn, *arrays, grads=True, rtol=1e-12, atol=1e-14):
    """Run both on the same float64 arrays (each requires grad) and compare the outputs and,
    after a backward with one random upstream gradient, every input's gradient."""
    ours = [Tensor(np.array(a, np.float64), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.array(a, np.float64), requires_grad=True) for a in arrays]
    out, tout = ours_fn(*ours), torch_fn(*theirs)
    assert out.shape == tuple(tout.shape)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    if not grads:
        return
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    tout.backward(torch.tensor(upstream))
    for i, (o, t) in enumerate(zip(ours, theirs)):
        want = np.zeros(o.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(o.shape) if o.grad is None else o.grad
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"input {i}")


# --------------------------------------------------------------------------- elementwise

WITH_ZEROS = np.array([[-1.5, 0.0, 2.0], [0.0, -0.25, 3.0]])
NON_FINITE = np.array([np.nan, -np.inf, -2.0, -0.0, 0.0, 3.0, np.inf])
HALVES = np.array([-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.5, 1.2, -3.7])


@pytest.mark.parametrize(
    ("name", "ours", "theirs", "x"),
    [
        ("abs at 0", lambda t: t.abs(), torch.abs, WITH_ZEROS),
        ("abs 0-d", lambda t: abs(t), torch.abs, np.array(0.0)),
        ("abs at NaN and inf", lambda t: t.abs(), torch.abs, NON_FINITE),
        ("relu at NaN and inf", lambda t: t.relu(), torch.relu, NON_FINITE),
        ("sign at NaN and inf", lambda t: t.sign(), torch.sign, NON_FINITE),
        ("sqrt", lambda t: t.sqrt(), torch.sqrt, np.abs(normal(3, 4)) + 0.1),
        ("sqrt at 0", lambda t: t.sqrt(), torch.sqrt, np.array([0.0, 4.0])),
        ("rsqrt", lambda t: t.rsqrt(), torch.rsqrt, np.abs(normal(5)) + 0.1),
        ("sin", lambda t: t.sin(), torch.sin, normal(2, 3)),
        ("cos", lambda t: t.cos(), torch.cos, normal(2, 3)),
        ("tan", lambda t: t.tan(), torch.tan, normal(7)),
        ("log2", lambda t: t.log2(), torch.log2, np.abs(normal(7)) + 0.01),
        ("expm1", lambda t: t.expm1(), torch.expm1, np.array([1e-12, -3.0, 0.0, 5.0])),
        ("erf", lambda t: t.erf(), torch.erf, np.linspace(-6, 6, 49)),
        ("sign", lambda t: t.sign(), torch.sign, WITH_ZEROS),
        ("floor", lambda t: t.floor(), torch.floor, HALVES),
        ("ceil", lambda t: t.ceil(), torch.ceil, HALVES),
        ("round halves to even", lambda t: t.round(), torch.round, HALVES),
        (
            "round decimals",
            lambda t: t.round(decimals=1),
            lambda t: torch.round(t, decimals=1),
            np.array([0.25, 0.35, -1.05, 2.449]),
        ),
        ("trunc", lambda t: t.trunc(), torch.trunc, HALVES),
        (
            "empty",
            lambda t: t.sin() + t.erf() + t.abs(),
            lambda t: t.sin() + t.erf() + t.abs(),
            np.zeros((2, 0)),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_elementwise(name, ours, theirs, x):
    compare(ours, theirs, x)


# --------------------------------------------------------------------------- binary


def test_remainder_signs_and_gradients():
    a = np.array([5.0, -5.0, 5.0, -5.0, 7.5, -0.3, 0.0])
    b = np.array([3.0, 3.0, -3.0, -3.0, 2.0, 0.7, -2.0])
    compare(lambda x, y: x % y, torch.remainder, a, b)
    compare(lambda x, y: x.remainder(y), lambda x, y: x.remainder(y), normal(3, 1), normal(4))
    divisor = np.array([1.0, -0.7, 3.0])
    compare(lambda x: 2.5 % x, lambda x: 2.5 % x, divisor, grads=False)  # torch: no gradient
    x = Tensor(divisor, requires_grad=True)
    (2.5 % x).sum().backward()
    np.testing.assert_array_equal(x.grad, -np.floor(2.5 / divisor))  # the rule torch uses a/b


def test_floor_divide_values():
    a, b = normal(3, 4) * 3, normal(4) + 0.1
    compare(lambda x, y: x // y, lambda x, y: x // y, a, b, grads=False)  # torch: no gradient


@pytest.mark.parametrize(
    ("ours", "theirs"), [(tg.maximum, torch.maximum), (tg.minimum, torch.minimum)]
)
@pytest.mark.parametrize(
    ("a", "b"),
    [
        (normal(3, 4), normal(4)),
        (np.array([[1.0, 2.0, 3.0], [2.0, 2.0, np.nan]]), np.array([2.0, 2.0, 1.0])),  # ties, NaN
        (np.array(1.5), np.array([1.5, 0.0, 2.0])),
        (np.zeros((0, 3)), normal(3)),
    ],
)
def test_maximum_minimum(ours, theirs, a, b):
    compare(ours, theirs, a, b)


BOUNDED = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda t: tg.clip(t, -1.0, 1.0), lambda t: torch.clamp(t, -1.0, 1.0)),
        (lambda t: t.clamp(min=-0.5), lambda t: t.clamp(min=-0.5)),
        (lambda t: t.clip(max=0.5), lambda t: t.clip(max=0.5)),
        (lambda t: tg.clamp(t, 1.0, -1.0), lambda t: torch.clamp(t, 1.0, -1.0)),  # lo > hi
    ],
)
def test_clamp_with_numbers_at_the_bounds(ours, theirs):
    compare(ours, theirs, BOUNDED)


def test_clamp_with_tensor_bounds():
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 0.5])
    lo = np.array([-1.0, -1.0, -1.0, -1.0, 3.0, 6.0, 0.5])
    hi = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 4.0, 0.5])
    compare(tg.clip, torch.clamp, x, lo, hi)
    compare(lambda t, m: t.clamp(min=m), lambda t, m: t.clamp(min=m), x, lo)
    compare(lambda t, m: t.clamp(max=m), lambda t, m: t.clamp(max=m), x, hi)
    compare(tg.clip, torch.clamp, normal(2, 3), normal(3) - 1, normal(2, 1) + 1)


# --------------------------------------------------------------------------- reductions

TIED = np.array([[1.0, 3.0, 1.0, 0.5], [2.0, 2.0, 2.0, 2.0], [5.0, -1.0, -1.0, 5.0]])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda t: t.min(), torch.amin),
        (lambda t: t.min(dim=1), lambda t: torch.amin(t, dim=1)),
        (lambda t: t.min(axis=-2, keepdims=True), lambda t: torch.amin(t, dim=-2, keepdim=True)),
        (lambda t: t.min(dim=(0, -1)), lambda t: torch.amin(t, dim=(0, -1))),
    ],
)
def test_min_with_ties_matches_amin(ours, theirs):
    compare(ours, theirs, TIED)


def test_min_of_0d():
    compare(lambda t: t.min(0), lambda t: torch.amin(t, 0), np.array(2.0))


@pytest.mark.parametrize("dim", [0, 1, -1, -3])
def test_cumsum(dim):
    compare(lambda t: t.cumsum(dim), lambda t: t.cumsum(dim), normal(2, 3, 4))


def test_cumsum_0d_and_empty():
    compare(lambda t: t.cumsum(0), lambda t: t.cumsum(0), np.array(3.0))
    compare(lambda t: t.cumsum(dim=1), lambda t: t.cumsum(dim=1), np.zeros((0, 3)))


ZEROS = np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 1.0, 4.0], [1.0, 2.0, 3.0, -0.5]])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda t: t.prod(), torch.prod),
        (lambda t: t.prod(dim=1), lambda t: t.prod(dim=1)),
        (lambda t: t.prod(-2, keepdim=True), lambda t: t.prod(-2, keepdim=True)),
    ],
)
@pytest.mark.parametrize("x", [ZEROS, normal(3, 4), np.array([[0.0, 5.0]])])
def test_prod_with_zeros(ours, theirs, x):
    compare(ours, theirs, x)


def test_prod_0d_and_empty():
    compare(lambda t: t.prod(), torch.prod, np.array(-3.0))
    compare(lambda t: t.prod(dim=0), lambda t: t.prod(dim=0), np.zeros((0, 3)))


@pytest.mark.parametrize("method", ["var", "std"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"dim": 1},
        {"dim": -1, "keepdim": True, "correction": 0},
        {"dim": (0, 2), "correction": 2},
        {"dim": 0, "unbiased": False},
    ],
)
def test_var_std(method, kwargs):
    compare(
        lambda t: getattr(t, method)(**kwargs),
        lambda t: getattr(t, method)(**kwargs),
        normal(3, 4, 2),
    )


def test_std_of_a_constant_slice():
    x = np.array([[3.0, 3.0, 3.0], [1.0, 2.0, 6.0]])
    compare(lambda t: t.std(dim=1), lambda t: t.std(dim=1), x)


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
@pytest.mark.parametrize("method", ["var", "std"])
def test_var_std_without_degrees_of_freedom(method):
    """correction = N: var's gradient is +-inf, as PyTorch's 2 * (x - mean) / (N - correction),
    not NaN everywhere; std's is NaN. (For correction > N PyTorch's value is inf but its
    gradient a finite -2 * (x - mean): we give +-inf, consistent with the value.)"""
    x = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 5.0]])
    compare(
        lambda t: getattr(t, method)(dim=-1, correction=3),
        lambda t: getattr(t, method)(dim=-1, correction=3),
        x,
    )


def test_var_std_of_0d_with_no_correction():
    compare(lambda t: t.var(correction=0), lambda t: t.var(correction=0), np.array(2.0))
    compare(lambda t: t.std(correction=0), lambda t: t.std(correction=0), np.array(2.0))


@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": -1, "keepdim": True}, {"dim": 0}])
def test_all_any(name, kwargs):
    x = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    ours = getattr(Tensor(x), name)(**kwargs)
    theirs = getattr(torch.tensor(x), name)(**kwargs)
    assert ours.dtype == np.bool_
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_isnan_isinf_isfinite(name):
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0])
    np.testing.assert_array_equal(
        getattr(Tensor(x), name)().data, getattr(torch.tensor(x), name)().numpy()
    )


# --------------------------------------------------------------------------- variadic and shape


@pytest.mark.parametrize(
    ("shapes", "dim"),
    [([(2, 3), (4, 3)], 0), ([(2, 1), (2, 0), (2, 3)], -1), ([(1, 2, 3)] * 3, -2)],
)
def test_cat(shapes, dim):
    arrays = [normal(*s) for s in shapes]
    compare(lambda *ts: tg.cat(ts, dim=dim), lambda *ts: torch.cat(ts, dim=dim), *arrays)


@pytest.mark.parametrize(("shape", "dim"), [((2, 3), 0), ((2, 3), -1), ((), 0), ((0, 2), 1)])
def test_stack(shape, dim):
    arrays = [normal(*shape) for _ in range(3)]
    compare(lambda *ts: tg.stack(ts, dim=dim), lambda *ts: torch.stack(ts, dim=dim), *arrays)


@pytest.mark.parametrize(
    ("x", "args"),
    [
        (normal(2, 3, 4), ((0, -1),)),
        (normal(2, 3, 4), (1,)),
        (np.array(1.5), ((0,),)),
        (normal(2, 3), ((),)),  # no dims: a copy, flipped nowhere
        (normal(2, 0, 3), ([-1, 0],)),
    ],
)
def test_flip(x, args):
    compare(lambda t: t.flip(*args), lambda t: t.flip(*args), x)


@pytest.mark.parametrize(
    ("shape", "sizes"),
    [((3, 1), (3, 4)), ((3, 1), (2, -1, 5)), ((1,), (0,)), ((), (2, 3)), ((2, 1, 3), (-1, 2, -1))],
)
def test_expand(shape, sizes):
    compare(lambda t: t.expand(*sizes), lambda t: t.expand(*sizes), normal(*shape))


@pytest.mark.parametrize(
    ("shape", "reps"), [((2, 3), (2, 1)), ((2, 3), (1, 2, 3)), ((3,), (0,)), ((), (2, 2))]
)
def test_repeat(shape, reps):
    compare(lambda t: t.repeat(*reps), lambda t: t.repeat(*reps), normal(*shape))


@pytest.mark.parametrize(("dim", "sizes"), [(1, (2, 3)), (-1, (3, -1)), (0, (1, 2, 1))])
def test_unflatten(dim, sizes):
    compare(lambda t: t.unflatten(dim, sizes), lambda t: t.unflatten(dim, sizes), normal(2, 6))


@pytest.mark.parametrize(
    ("shape", "dim", "index"),
    [
        ((3, 4), 1, [[0, 0, 3], [2, 2, 1]]),  # repeats, fewer rows than the input
        ((3, 4), 0, [[2, 0, 1, 1], [0, 0, 0, 2]]),
        ((2, 3, 4), -1, np.zeros((2, 3, 5), np.int64)),
        ((3,), 0, []),
    ],
)
def test_gather(shape, dim, index):
    index = np.array(index, np.int64)
    compare(
        lambda t: t.gather(dim, index),
        lambda t: torch.gather(t, dim, torch.tensor(index)),
        normal(*shape),
    )


def test_masked_fill_with_a_number_and_a_tensor_value():
    mask = np.array([[True, False, True]])
    compare(
        lambda t: t.masked_fill(mask, 0.5),
        lambda t: t.masked_fill(torch.tensor(mask), 0.5),
        normal(2, 3),
    )
    compare(
        lambda t, v: t.masked_fill(mask, v),
        lambda t, v: t.masked_fill(torch.tensor(mask), v),
        normal(2, 3),
        np.array(-2.0),
    )
    bigger = np.array([[[True, False, True]], [[False, False, True]]])  # (2, 1, 3) over (2, 3)
    compare(
        lambda t: t.masked_fill(bigger, 0.5),
        lambda t: t.masked_fill(torch.tensor(bigger), 0.5),
        normal(2, 3),
    )


def test_full_like():
    for x, value in ((np.zeros((2, 3), np.float32), 1.5), (np.array([1, 2]), 2.7)):
        ours, theirs = tg.full_like(Tensor(x), value), torch.full_like(torch.tensor(x), value)
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.data, theirs.numpy())


# --------------------------------------------------------------------------- activations

WIDE = np.concatenate([np.linspace(-30, 30, 61), [-1e-9, 0.0, 1e-9, 19.99, 20.0, 20.01]])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (F.softplus, TF.softplus),
        (
            lambda t: F.softplus(t, beta=2.0, threshold=5.0),
            lambda t: TF.softplus(t, beta=2.0, threshold=5.0),
        ),
        (lambda t: F.softplus(t, beta=0.5), lambda t: TF.softplus(t, beta=0.5)),
        (F.logsigmoid, TF.logsigmoid),
        (F.elu, TF.elu),
        (lambda t: F.elu(t, alpha=0.3), lambda t: TF.elu(t, alpha=0.3)),
        (F.gelu, TF.gelu),
        (lambda t: F.gelu(t, approximate="tanh"), lambda t: TF.gelu(t, approximate="tanh")),
        (F.silu, TF.silu),
        (F.hardtanh, TF.hardtanh),
        (lambda t: F.hardtanh(t, -20.0, 19.99), lambda t: TF.hardtanh(t, -20.0, 19.99)),
    ],
)
def test_activations(ours, theirs):
    compare(ours, theirs, WIDE)


def test_activations_on_0d_and_bounds():
    compare(F.hardtanh, TF.hardtanh, np.array([-1.0, 1.0, 0.0, -1.0000001]))
    compare(F.gelu, TF.gelu, np.array(0.3))
    compare(F.elu, TF.elu, np.array(0.0))


# --------------------------------------------------------------------------- loss targets


def _probabilities(*shape):
    p = rng.random(shape) + 0.05
    return p / p.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (F.cross_entropy, TF.cross_entropy),
        (
            lambda x, t: F.cross_entropy(
                x, t, label_smoothing=0.1, weight=np.array([1.0, 2.0, 0.5])
            ),
            lambda x, t: TF.cross_entropy(
                x, t, label_smoothing=0.1, weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
            ),
        ),
        (
            lambda x, t: F.kl_div(F.log_softmax(x, 1), t, reduction="batchmean"),
            lambda x, t: TF.kl_div(TF.log_softmax(x, 1), t, reduction="batchmean"),
        ),
        (
            lambda x, t: F.kl_div(x, t.log(), reduction="sum", log_target=True),
            lambda x, t: TF.kl_div(x, t.log(), reduction="sum", log_target=True),
        ),
        (
            lambda x, t: F.binary_cross_entropy(x.sigmoid(), t, reduction="none"),
            lambda x, t: TF.binary_cross_entropy(x.sigmoid(), t, reduction="none"),
        ),
        (
            lambda x, t: F.binary_cross_entropy_with_logits(
                x, t, pos_weight=np.array([2.0, 1.0, 0.5])
            ),
            lambda x, t: TF.binary_cross_entropy_with_logits(
                x, t, pos_weight=torch.tensor([2.0, 1.0, 0.5], dtype=torch.float64)
            ),
        ),
    ],
    ids=[
        "cross_entropy",
        "cross_entropy smoothed",
        "kl_div",
        "kl_div log_target",
        "bce",
        "bce_with_logits",
    ],
)
def test_soft_targets_get_gradients_as_pytorch(ours, theirs):
    compare(ours, theirs, normal(4, 3), _probabilities(4, 3))


def test_kl_div_gradient_at_a_zero_target_is_nan_as_pytorch():
    with np.errstate(all="ignore"):
        compare(
            lambda x, t: F.kl_div(x, t, reduction="sum"),
            lambda x, t: TF.kl_div(x, t, reduction="sum"),
            np.array([-1.0, -0.5]),
            np.array([0.0, 0.6]),
        )

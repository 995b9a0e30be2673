"""The PyTorch names a PyTorch user reaches for (``x.t()``, ``x.permute``, ``x.clone()``,
``x.add(y, alpha=)``, ``x.div(y, rounding_mode=)``, ``x.eq(y)``, ``x.softmax(dim)``,
``x.requires_grad_()``, ``x.new_zeros``, ``x.clamp_min``, ``tg.enable_grad``,
``tg.set_grad_enabled``, ``tg.eye``, ``tg.linspace``, ``tg.randint``, ``tg.randperm``,
``tg.allclose``): the same values, gradients and dtypes as torch's. Skipped without torch."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Tensor

torch = pytest.importorskip("torch")

rng = np.random.default_rng(11)


def both(*arrays):
    """Each array as our leaf and torch's, both requiring grad (float64)."""
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def assert_same(our_out, torch_out, ours=(), theirs=()):
    """Same values and dtype; with inputs, the same gradients under a random upstream gradient."""
    expected = torch_out.detach().numpy()
    assert our_out.dtype == expected.dtype
    assert our_out.shape == expected.shape
    np.testing.assert_allclose(our_out.data, expected, rtol=1e-12, atol=1e-14)
    if ours:
        upstream = rng.standard_normal(our_out.shape)
        our_out.backward(upstream)
        torch_out.backward(torch.tensor(upstream))
        for o, t in zip(ours, theirs):
            if t.grad is None:  # not used (a scalar operand): no gradient in either
                assert o.grad is None
            else:
                np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.fixture(autouse=True)
def grad_mode_is_restored():
    """A failing set_grad_enabled test must not leave recording off for the next tests."""
    yield
    tg.set_grad_enabled(True)


# --------------------------------------------------------------------------- t, permute


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (1, 0), (0, 4)])
def test_t_transposes_2d_and_keeps_smaller(shape):
    (x,), (tx,) = both(rng.standard_normal(shape))
    assert_same(x.t(), tx.t(), [x], [tx])


def test_t_of_3d_is_an_error_naming_the_shape():
    with pytest.raises(ValueError, match=r"<= 2 dimensions.*\(2, 3, 4\)"):
        Tensor(np.zeros((2, 3, 4))).t()


@pytest.mark.parametrize(
    ("shape", "dims"),
    [
        ((2, 3, 4), (-1, 0, 1)),
        ((2, 3, 4), (1, 0, 2)),
        ((2, 3), (1, 0)),
        ((), ()),
        ((0, 2, 1), (2, 0, -2)),
    ],
)
def test_permute_matches_torch(shape, dims):
    (x,), (tx,) = both(rng.standard_normal(shape))
    assert_same(x.permute(dims), tx.permute(dims), [x], [tx])  # one tuple
    if dims:
        assert x.permute(*dims).shape == tuple(tx.permute(*dims).shape)
    else:
        with pytest.raises(TypeError, match="needs the order"):
            x.permute()


@pytest.mark.parametrize(
    ("dims", "error", "match"),
    [
        ((0, 1), ValueError, r"not a permutation.*\(2, 3, 4\)"),
        ((0, 0, 1), ValueError, "not a permutation"),
        ((0, 1, 3), IndexError, "dim 3 is out of range"),
        ((0, 1, -4), IndexError, "dim -4 is out of range"),
    ],
)
def test_permute_rejects_what_torch_rejects(dims, error, match):
    with pytest.raises(error, match=match):
        Tensor(np.zeros((2, 3, 4))).permute(*dims)
    with pytest.raises(error if error is IndexError else RuntimeError):
        torch.zeros(2, 3, 4).permute(*dims)


# --------------------------------------------------------------------------- clone, contiguous


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_clone_is_a_copy_of_the_same_dtype_with_its_own_memory(dtype):
    x = Tensor(np.array([[1, 0], [3, 4]], dtype=dtype))
    y = x.clone()
    assert y.dtype == x.dtype == torch.tensor(x.data).clone().numpy().dtype
    assert np.array_equal(y.data, x.data)
    assert not np.shares_memory(y.data, x.data)
    y.data[0, 0] = 0
    assert x.data[0, 0] == 1


def test_clone_is_differentiable_and_a_node_used_twice_adds_up():
    (x,), (tx,) = both(rng.standard_normal((2, 3)))
    y, ty = x.clone(), tx.clone()
    assert y.requires_grad and y.grad_fn is not None
    assert_same(y * x + y, ty * tx + ty, [x], [tx])


def test_clone_saves_nothing_a_later_in_place_change_could_break():
    x = Tensor(np.array([1.0, -2.0, 0.0]), requires_grad=True)
    y = x.clone()
    with tg.no_grad():
        x.add_(5.0)  # torch's clone does not save its input either: backward stays valid
    y.backward(np.array([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == [1.0, 2.0, 3.0]
    with tg.no_grad():
        assert not x.clone().requires_grad


def test_contiguous_returns_the_tensor_itself():
    x = Tensor(np.zeros((2, 3))).transpose()
    assert x.contiguous() is x


# --------------------------------------------------------------------------- arithmetic methods

A = rng.standard_normal((2, 3))
B = rng.standard_normal((3,)) + 3.0  # kept away from 0 for div


@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: a.mul(b),
        lambda a, b: a.add(b),
        lambda a, b: a.add(b, alpha=2.5),
        lambda a, b: a.sub(b),
        lambda a, b: a.sub(b, alpha=-0.5),
        lambda a, b: a.div(b),
        lambda a, b: a.pow(b),
        lambda a, b: b.pow(a),
        lambda a, b: a.pow(2),
        lambda a, b: a.add(3, alpha=2),
        lambda a, b: a.sub(1.5),
        lambda a, b: a.mul(0.5),
        lambda a, b: a.div(4),
    ],
    ids=[
        "mul",
        "add",
        "add_alpha",
        "sub",
        "sub_alpha",
        "div",
        "pow_tensor",
        "pow_of_positive_base",
        "pow_scalar",
        "add_scalar_alpha",
        "sub_scalar",
        "mul_scalar",
        "div_scalar",
    ],
)
def test_binary_methods_match_torch_values_and_gradients(call):
    (a, b), (ta, tb) = both(np.abs(A) + 0.5, B)
    assert_same(call(a, b), call(ta, tb), [a, b], [ta, tb])


def test_binary_methods_keep_float32_as_torch():
    a, b = Tensor(np.ones(3, np.float32)), Tensor(np.full(3, 2.0, np.float32))
    for result in (
        a.add(b, alpha=0.5),
        a.sub(b, alpha=np.float64(2.0)),
        a.mul(b),
        a.div(b),
        a.pow(2.5),
    ):
        assert result.dtype == np.float32
    assert a.add(b, alpha=np.float64(0.5)).tolist() == [2.0, 2.0, 2.0]


def test_integer_add_and_sub_with_alpha_match_torch():
    a, b = np.array([1, -4, 7]), np.array([2, 3, -5])
    for ours, theirs in [
        (Tensor(a).add(Tensor(b), alpha=3), torch.tensor(a).add(torch.tensor(b), alpha=3)),
        (Tensor(a).sub(Tensor(b), alpha=-2), torch.tensor(a).sub(torch.tensor(b), alpha=-2)),
    ]:
        assert ours.dtype == np.int64 and ours.tolist() == theirs.tolist()


def test_alpha_is_checked_against_the_result_dtype_as_torch():
    with pytest.raises(TypeError, match="alpha must be an integer"):
        Tensor([1, 2]).add(1, alpha=0.5)
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).add(1, alpha=0.5)
    with pytest.raises(TypeError, match="bool alpha"):
        Tensor([1.0]).add(1.0, alpha=True)
    with pytest.raises(RuntimeError):
        torch.tensor([1.0]).add(1.0, alpha=True)
    assert Tensor([1]).add(Tensor([1.5]), alpha=2).tolist() == [4.0]  # a float result: fine


# --------------------------------------------------------------------------- div rounding modes

FLOATS_A = np.array([7.0, -7.0, 1.0, -1.0, 5.5, -0.0, 3.0, -3.0, 0.0, 2.0])
FLOATS_B = np.array([2.0, 2.0, 0.1, 0.1, -2.0, 3.0, 0.0, 0.0, 0.0, np.inf])


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_with_rounding_matches_torch_and_has_zero_gradient(mode):
    (a, b), (ta, tb) = both(FLOATS_A, FLOATS_B)
    with np.errstate(all="ignore"):
        ours = a.div(b, rounding_mode=mode)
    theirs = ta.div(tb, rounding_mode=mode)
    expected = theirs.detach().numpy()
    np.testing.assert_array_equal(ours.data, expected)  # NaNs in the same places
    assert np.array_equal(np.signbit(ours.data), np.signbit(expected))
    assert ours.requires_grad and ours.dtype == np.float64
    ours.backward(rng.standard_normal(ours.shape))
    theirs.backward(torch.tensor(rng.standard_normal(ours.shape)))
    assert a.grad.tolist() == ta.grad.tolist() == [0.0] * len(FLOATS_A)
    assert b.grad.tolist() == tb.grad.tolist() == [0.0] * len(FLOATS_B)


@pytest.mark.parametrize("mode", ["trunc", "floor", None])
@pytest.mark.parametrize("other", [np.array([2, -2, 3, -3, 7]), 2, -3])
def test_div_of_integers_matches_torch_values(mode, other):
    a = np.array([-7, 7, -9, 9, 0])
    ours = Tensor(a).div(
        Tensor(other) if isinstance(other, np.ndarray) else other, rounding_mode=mode
    )
    theirs = torch.tensor(a).div(
        torch.tensor(other) if isinstance(other, np.ndarray) else other, rounding_mode=mode
    )
    np.testing.assert_allclose(ours.data, theirs.numpy())
    if (
        mode is not None
    ):  # true division of integers is float64 here (NumPy's rule), float32 in torch
        assert ours.dtype == np.int64 == theirs.numpy().dtype


def test_div_with_rounding_keeps_float32_and_works_on_0d():
    x = Tensor(np.float32(-7.5))
    assert x.div(2, rounding_mode="trunc").dtype == np.float32
    assert (
        x.div(2, rounding_mode="trunc").item()
        == torch.tensor(-7.5).div(2, rounding_mode="trunc").item()
    )
    assert x.div(2, rounding_mode="floor").item() == -4.0


def test_div_errors():
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Tensor([1, 2]).div(Tensor([1, 0]), rounding_mode="trunc")
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.tensor([1, 2]).div(torch.tensor([1, 0]), rounding_mode="trunc")
    with pytest.raises(ValueError, match=r"rounding_mode.*'round'"):
        Tensor([1.0]).div(2.0, rounding_mode="round")


# --------------------------------------------------------------------------- comparisons


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_methods_match_torch(name):
    a = np.array([[1.0, 2.0, np.nan], [3.0, -1.0, 2.0]])
    b = np.array([2.0, 2.0, np.nan])
    for other, torch_other in [
        (Tensor(b), torch.tensor(b)),
        (2.0, 2.0),
        (Tensor(np.float64(3.0)), torch.tensor(3.0)),
    ]:
        ours = getattr(Tensor(a), name)(other)
        theirs = getattr(torch.tensor(a), name)(torch_other)
        assert ours.dtype == np.bool_ and ours.tolist() == theirs.tolist()


# --------------------------------------------------------------------------- softmax methods


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize(
    ("shape", "dim"), [((2, 3), 1), ((2, 3, 4), -2), ((4,), 0), ((), 0), ((3, 0), 0)]
)
def test_softmax_methods_match_torch(name, shape, dim):
    (x,), (tx,) = both(rng.standard_normal(shape) * 5)
    assert_same(getattr(x, name)(dim), getattr(tx, name)(dim), [x], [tx])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_methods_take_dtype_and_need_a_dim(name):
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    ours = getattr(Tensor(x), name)(-1, np.float32)
    theirs = getattr(torch.tensor(x), name)(-1, torch.float32)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
    assert np.array_equal(
        getattr(Tensor(x), name)(dim=0).data, getattr(Tensor(x), name)(axis=0).data
    )
    with pytest.raises(TypeError, match="needs the dimension"):
        getattr(Tensor(x), name)()


# --------------------------------------------------------------------------- requires_grad_ etc.


def test_requires_grad_on_a_leaf_returns_it_and_backward_reaches_it():
    w = Tensor(np.array([1.0, 2.0]))
    assert w.requires_grad_() is w and w.requires_grad
    (w * w).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]
    assert w.requires_grad_(False) is w and not w.requires_grad


def test_requires_grad_follows_torchs_rules():
    with pytest.raises(TypeError, match=r"floating-point.*int64"):
        Tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).requires_grad_()
    assert not Tensor([1, 2]).requires_grad_(False).requires_grad  # allowed, as torch
    y = Tensor([1.0], requires_grad=True) * 2
    assert y.requires_grad_(True) is y  # a non-leaf that requires grad: nothing to do
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    with pytest.raises(TypeError, match="True or False"):
        Tensor([1.0]).requires_grad_("yes")


@pytest.mark.parametrize(
    "dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_]
)
def test_is_floating_point_matches_torch(dtype):
    array = np.zeros(2, dtype)
    assert Tensor(array).is_floating_point() is torch.from_numpy(array).is_floating_point()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
def test_new_tensors_take_this_tensors_dtype(dtype):
    x, tx = Tensor(np.ones(1, dtype)), torch.from_numpy(np.ones(1, dtype))
    pairs = [
        (x.new_zeros(2, 3), tx.new_zeros(2, 3)),
        (x.new_zeros((2, 0)), tx.new_zeros((2, 0))),
        (x.new_ones(3), tx.new_ones(3)),
        (x.new_ones(()), tx.new_ones(())),
        (x.new_full((2,), 2.7), tx.new_full((2,), 2.7)),
        (x.new_full((1, 2), -3), tx.new_full((1, 2), -3)),
    ]
    for ours, theirs in pairs:
        assert ours.dtype == theirs.numpy().dtype
        assert np.array_equal(ours.data, theirs.numpy())


def test_new_tensors_take_dtype_and_requires_grad():
    x = Tensor([1, 2])
    z = x.new_zeros(2, dtype=np.float64, requires_grad=True)
    assert z.dtype == np.float64 and z.requires_grad and z.is_leaf
    assert x.new_full((2,), 0.5, dtype=np.float32).tolist() == [0.5, 0.5]
    with pytest.raises(TypeError, match="floating"):
        x.new_ones(2, requires_grad=True)


# --------------------------------------------------------------------------- clamp_min / clamp_max


@pytest.mark.parametrize("name", ["clamp_min", "clamp_max"])
def test_clamp_min_max_match_torch_with_ties(name):
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 2.0, 5.0]])
    (ours,), (theirs,) = both(x)
    assert_same(getattr(ours, name)(2.0), getattr(theirs, name)(2.0), [ours], [theirs])
    (ours, bound), (theirs, tbound) = both(x, np.array([2.0, 2.0, 4.0]))
    assert_same(
        getattr(ours, name)(bound), getattr(theirs, name)(tbound), [ours, bound], [theirs, tbound]
    )


# --------------------------------------------------------------------------- grad mode


def test_enable_grad_re_enables_inside_no_grad_as_torch():
    w, tw = Tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)
    with tg.no_grad(), torch.no_grad():
        with tg.enable_grad(), torch.enable_grad():
            assert (w * 2).requires_grad == (tw * 2).requires_grad is True
            assert tg.is_grad_enabled()
        assert (w * 2).requires_grad == (tw * 2).requires_grad is False
    assert tg.is_grad_enabled()


def test_enable_grad_as_a_decorator_with_and_without_parentheses_and_on_generators():
    w = Tensor([1.0], requires_grad=True)

    @tg.enable_grad
    def bare():
        return w * 2

    @tg.enable_grad()
    def called():
        return w * 2

    @tg.enable_grad()
    def steps():
        yield w * 2
        yield w * 3

    with tg.no_grad():
        assert bare().requires_grad and called().requires_grad
        assert [y.requires_grad for y in steps()] == [True, True]
        assert not (w * 2).requires_grad
    assert bare.__name__ == "bare"


def test_set_grad_enabled_as_a_function_switches_until_switched_back():
    w = Tensor([1.0], requires_grad=True)
    tg.set_grad_enabled(False)
    assert not tg.is_grad_enabled() and not (w * 2).requires_grad
    tg.set_grad_enabled(True)
    assert (w * 2).requires_grad


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_as_a_context_manager_restores_the_mode(mode):
    w = Tensor([1.0], requires_grad=True)
    for outer in (tg.no_grad, tg.enable_grad):
        with outer():
            before = tg.is_grad_enabled()
            with tg.set_grad_enabled(mode):
                assert (w * 2).requires_grad is mode
            assert tg.is_grad_enabled() is before


def test_set_grad_enabled_as_a_decorator_switches_only_inside():
    w = Tensor([1.0], requires_grad=True)

    @tg.set_grad_enabled(False)
    def forward():
        return w * 2

    assert tg.is_grad_enabled()  # decorating did not switch the mode
    assert not forward().requires_grad
    assert tg.is_grad_enabled() and (w * 2).requires_grad


def test_set_grad_enabled_takes_a_bool_and_is_per_thread():
    with pytest.raises(TypeError, match="True or False"):
        tg.set_grad_enabled("no")
    seen = []
    with tg.set_grad_enabled(False):
        thread = threading.Thread(target=lambda: seen.append(tg.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


# --------------------------------------------------------------------------- constructors


@pytest.mark.parametrize(("n", "m"), [(3, None), (2, 4), (4, 2), (0, None), (1, 0)])
def test_eye_matches_torch(n, m):
    ours = tg.eye(n) if m is None else tg.eye(n, m)
    theirs = torch.eye(n) if m is None else torch.eye(n, m)
    assert ours.dtype == np.float32 and np.array_equal(ours.data, theirs.numpy())
    assert tg.eye(2, dtype=np.int64).dtype == np.int64
    with pytest.raises(ValueError, match="non-negative"):
        tg.eye(-1)


@pytest.mark.parametrize(
    ("start", "end", "steps"),
    [
        (0, 1, 5),
        (0, 10, 7),
        (-3.3, 7.1, 100),
        (2, -5, 11),
        (1.5, 1.5, 4),
        (3, 8, 1),
        (0, 1, 0),
        (1e-3, 5.5, 2),
    ],
)
def test_linspace_matches_torch(start, end, steps):
    ours, theirs = tg.linspace(start, end, steps), torch.linspace(start, end, steps)
    assert ours.dtype == np.float32 and ours.shape == tuple(theirs.shape)
    # torch's float32 arithmetic (vectorized by chunks) may round the middle values by an ulp
    np.testing.assert_allclose(
        ours.data, theirs.numpy(), rtol=0, atol=4e-7 * max(abs(start), abs(end), 1)
    )
    if steps:
        assert ours.data[0] == theirs[0].item() and ours.data[-1] == theirs[-1].item()
    ours64 = tg.linspace(start, end, steps, dtype=np.float64)
    np.testing.assert_allclose(
        ours64.data,
        torch.linspace(start, end, steps, dtype=torch.float64).numpy(),
        rtol=1e-15,
        atol=1e-15,
    )


def test_linspace_integer_dtype_truncates_as_torch_and_rejects_negative_steps():
    ours = tg.linspace(0, 10, 5, dtype=np.int64)
    assert ours.dtype == np.int64
    assert ours.tolist() == torch.linspace(0, 10, 5, dtype=torch.int64).tolist() == [0, 2, 5, 7, 10]
    with pytest.raises(ValueError, match=r"non-negative.*-1"):
        tg.linspace(0, 1, -1)


def test_randint_forms_range_and_dtype_as_torch():
    for ours, theirs in [
        (tg.randint(3, 7, (2000,)), torch.randint(3, 7, (2000,))),
        (tg.randint(5, (40, 50)), torch.randint(5, (40, 50))),
        (tg.randint(high=4, size=(2000,)), torch.randint(high=4, size=(2000,))),
        (tg.randint(-2, 2, size=[2000]), torch.randint(-2, 2, size=[2000])),
        (tg.randint(0, 3, (0, 2)), torch.randint(0, 3, (0, 2))),
    ]:
        assert ours.dtype == theirs.numpy().dtype == np.int64 and ours.shape == tuple(theirs.shape)
        assert set(np.unique(ours.data)) == set(np.unique(theirs.numpy()))  # every value, no other
    assert tg.randint(0, 2, (3,), dtype=np.float32).dtype == np.float32


def test_randint_is_reproducible_and_rejects_bad_arguments():
    tg.manual_seed(3)
    a = tg.randint(0, 100, (10,))
    tg.manual_seed(3)
    assert a.tolist() == tg.randint(0, 100, (10,)).tolist()
    assert (
        tg.randint(0, 100, (10,), generator=5).tolist()
        == tg.randint(0, 100, (10,), generator=5).tolist()
    )
    with pytest.raises(ValueError, match="low=5 >= high=5"):
        tg.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="tuple"):
        tg.randint(0, 5, 3)
    with pytest.raises(ValueError, match="non-negative"):
        tg.randint(0, 5, (-1,))


@pytest.mark.parametrize("n", [0, 1, 7])
def test_randperm_matches_torch(n):
    ours, theirs = tg.randperm(n), torch.randperm(n)
    assert ours.dtype == theirs.numpy().dtype == np.int64
    assert sorted(ours.tolist()) == sorted(theirs.tolist()) == list(range(n))
    tg.manual_seed(1)
    first = tg.randperm(n).tolist()
    tg.manual_seed(1)
    assert tg.randperm(n).tolist() == first
    with pytest.raises(ValueError, match="non-negative"):
        tg.randperm(-1)


@pytest.mark.parametrize(
    ("a", "b", "kwargs"),
    [
        ([1.0, 2.0], [1.0, 2.0 + 1e-6], {}),
        ([1.0, 2.0], [1.0, 2.0 + 1e-4], {}),
        ([1.0, 2.0], [1.0, 2.1], {"rtol": 0.1}),
        ([0.0], [1e-9], {}),
        ([0.0], [1e-7], {}),
        ([0.0], [1e-7], {"atol": 1e-6}),
        ([np.inf, -np.inf], [np.inf, -np.inf], {}),
        ([np.inf], [-np.inf], {}),
        ([np.nan, 1.0], [np.nan, 1.0], {}),
        ([np.nan, 1.0], [np.nan, 1.0], {"equal_nan": True}),
        ([[1.0, 2.0], [1.0, 2.0]], [1.0, 2.0], {}),
        ([1.0, 2.0], [1.0], {}),
        ([], [], {}),
    ],
)
def test_allclose_matches_torch(a, b, kwargs):
    ours = tg.allclose(Tensor(np.array(a)), Tensor(np.array(b)), **kwargs)
    assert ours is torch.allclose(
        torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64), **kwargs
    )


def test_allclose_takes_arrays_and_numbers_and_names_bad_shapes():
    assert tg.allclose(Tensor([1.0, 1.0]), np.ones(2)) is True
    assert tg.allclose(Tensor(np.float32(0.1)), 0.1)  # the dtypes may differ (torch raises)
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        tg.allclose(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]))


def test_a_set_grad_enabled_object_switches_each_time_it_is_entered():
    w = tg.Tensor([1.0], requires_grad=True)
    later = tg.set_grad_enabled(False)  # switches at once, like torch's
    tg.set_grad_enabled(True)
    with later:  # entered later: switches again, and restores what was there at entry
        assert not (w * 2).requires_grad
    assert tg.is_grad_enabled()

"""The ops of issue 11 (new primitives, the rest of the tensor surface, smooth activations): the
corners the testing kit does not draw: ties, zeros, bounds, errors, dtypes, graph corners.

Each op's kit row (forward against NumPy, gradients by finite differences with some inputs not
requiring grad, kinks from the side PyTorch takes, float32, inputs left unchanged) is in
``tinygrad_ce.testing.OP_TABLE`` and runs in ``test_ops.py``; PyTorch comparisons are in
``test_new_ops_torch.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Tensor
from tinygrad_ce import functional as F

# --------------------------------------------------------------------------- helpers


def _grads(fn, *arrays, upstream=None):
    """Output and input gradients of fn at float64 arrays (the upstream gradient all ones)."""
    tensors = [Tensor(np.asarray(a, np.float64), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward(np.ones(out.shape) if upstream is None else upstream)
    return out, [t.grad for t in tensors]


# --------------------------------------------------------------------------- kinks and ties


def test_maximum_and_minimum_share_ties_half_and_half_with_broadcasting():
    a = [[1.0, 2.0, 3.0], [2.0, 2.0, 0.0]]
    b = [2.0, 2.0, 2.0]
    out, (ga, gb) = _grads(tg.maximum, a, b)
    np.testing.assert_array_equal(out.data, [[2, 2, 3], [2, 2, 2]])
    np.testing.assert_array_equal(ga, [[0, 0.5, 1], [0.5, 0.5, 0]])
    np.testing.assert_array_equal(gb, [1.5, 1, 1])  # summed back over the broadcast rows
    out, (ga, gb) = _grads(tg.minimum, a, b)
    np.testing.assert_array_equal(ga, [[1, 0.5, 0], [0.5, 0.5, 1]])
    np.testing.assert_array_equal(gb, [0.5, 1, 1])


def test_maximum_propagates_nan_and_gives_both_inputs_the_gradient_there():
    out, (ga, gb) = _grads(tg.maximum, [np.nan, 1.0], [0.0, np.nan])
    assert np.isnan(out.data).all()
    np.testing.assert_array_equal(ga, [1, 1])  # as torch.maximum: NaN neither loses nor ties
    np.testing.assert_array_equal(gb, [1, 1])


def test_maximum_of_a_tensor_and_a_number_or_list():
    x = Tensor([1.0, 3.0], requires_grad=True)
    y = tg.maximum(x, 2.0) + tg.minimum([0.0, 5.0], x) + x.maximum(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0 + 0 + 1, 1 + 1 + 1])


def test_clip_gradient_passes_at_the_bounds_as_pytorch():
    x = [-2.0, -1.0, 0.0, 1.0, 2.0]
    out, (g,) = _grads(lambda t: tg.clip(t, -1.0, 1.0), x)
    np.testing.assert_array_equal(out.data, [-1, -1, 0, 1, 1])
    np.testing.assert_array_equal(g, [0, 1, 1, 1, 0])


def test_clip_with_tensor_bounds_follows_pytorch_rule():
    x = [-2.0, -1.0, 0.0, 1.0, 2.0, 5.0]
    lo = [-1.0, -1.0, -1.0, -1.0, 3.0, 6.0]  # the last two: lo > hi, so hi wins
    hi = [1.0, 1.0, 1.0, 1.0, 1.0, 4.0]
    out, (gx, glo, ghi) = _grads(tg.clip, x, lo, hi)
    np.testing.assert_array_equal(out.data, [-1, -1, 0, 1, 1, 4])
    np.testing.assert_array_equal(gx, [0, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(glo, [1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(ghi, [0, 0, 0, 0, 1, 1])
    out, (gx, glo) = _grads(lambda t, m: t.clamp(min=m), x, lo)
    np.testing.assert_array_equal(gx, [0, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(glo, [1, 0, 0, 0, 1, 1])


def test_clip_with_one_bound_keeps_integer_tensors_integer():
    x = Tensor([-3, 0, 7])
    assert tg.clip(x, hi=5).tolist() == [-3, 0, 5]
    assert x.clamp(min=0).dtype == np.int64
    assert tg.clamp(x, min=-1, max=1).tolist() == [-1, 0, 1]


def test_clip_rejects_no_bounds_and_both_spellings():
    with pytest.raises(ValueError, match="at least one"):
        tg.clip(Tensor([1.0]))
    with pytest.raises(TypeError, match="not both"):
        tg.clip(Tensor([1.0]), 0.0, max=1.0)


def test_abs_and_sqrt_at_zero_as_pytorch():
    _, (g,) = _grads(lambda t: t.abs(), [-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(g, [-1, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inf at 0, silently as in PyTorch
        _, (g,) = _grads(lambda t: t.sqrt(), [0.0, 4.0])
    np.testing.assert_array_equal(g, [np.inf, 0.25])
    assert abs(Tensor([-1.0])).tolist() == [1.0]


def test_min_shares_the_gradient_between_tied_minima():
    _, (g,) = _grads(lambda t: t.min(dim=-1, keepdim=True), [[1.0, 1.0, 3.0], [0.0, 2.0, 0.0]])
    np.testing.assert_array_equal(g, [[0.5, 0.5, 0], [0.5, 0, 0.5]])
    _, (g,) = _grads(lambda t: t.min(), [[1.0, 1.0], [1.0, 4.0]])
    np.testing.assert_allclose(g, [[1 / 3, 1 / 3], [1 / 3, 0]])


# --------------------------------------------------------------------------- reductions


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
        ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),  # one zero: only it has a gradient
        ([0.0, 3.0, 0.0], [0.0, 0.0, 0.0]),  # two zeros: none has
        ([0.0], [1.0]),
    ],
)
def test_prod_gradient_is_the_product_of_the_others_zeros_included(row, expected):
    _, (g,) = _grads(lambda t: t.prod(), row)
    np.testing.assert_array_equal(g, expected)


def test_prod_over_several_axes_and_empty_ones():
    x = np.arange(1.0, 25.0).reshape(2, 3, 4)
    x[1, 2, 3] = 0.0
    assert tg.gradcheck(lambda t: t.prod(axis=(0, -1)), [Tensor(x, requires_grad=True)])
    out, (g,) = _grads(lambda t: t.prod(dim=1), np.zeros((2, 0)))
    np.testing.assert_array_equal(out.data, [1.0, 1.0])
    assert g.shape == (2, 0)
    assert np.prod(Tensor([2, 3])).item() == 6  # np.prod calls our method


def test_cumsum_axes():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(Tensor(x).cumsum(-1).data, np.cumsum(x, axis=-1))
    np.testing.assert_array_equal(Tensor(x).cumsum(dim=0).data, np.cumsum(x, axis=0))
    np.testing.assert_array_equal(Tensor(x).cumsum().data, np.cumsum(x))  # NumPy: flattened
    np.testing.assert_array_equal(np.cumsum(Tensor(x), axis=1).data, np.cumsum(x, axis=1))
    scalar = Tensor(np.array(2.5), requires_grad=True)
    out = scalar.cumsum(0)
    out.backward()
    assert out.shape == () and out.item() == 2.5 and scalar.grad == 1.0
    _, (g,) = _grads(lambda t: t.cumsum(0), [1.0, 2.0, 3.0], upstream=np.array([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(g, [111, 110, 100])
    with pytest.raises(TypeError, match="one axis"):
        Tensor(x).cumsum((0, 1))
    with pytest.raises(np.exceptions.AxisError, match="axis 2"):
        Tensor(x).cumsum(2)


def test_var_and_std_corrections_and_aliases():
    x = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 9.0]])
    t = Tensor(x)
    np.testing.assert_allclose(t.var().data, np.var(x, ddof=1))
    np.testing.assert_allclose(t.var(1, False).data, np.var(x, axis=1))
    np.testing.assert_allclose(
        t.var(dim=-1, correction=2, keepdim=True).data, np.var(x, axis=-1, ddof=2, keepdims=True)
    )
    np.testing.assert_allclose(t.std(axis=0, unbiased=True).data, np.std(x, axis=0, ddof=1))
    np.testing.assert_allclose(np.var(t).data, np.var(x))  # NumPy's call: ddof=0
    np.testing.assert_allclose(np.std(t, axis=1).data, np.std(x, axis=1))
    with pytest.raises(TypeError, match="unbiased and correction"):
        t.var(unbiased=True, correction=1)
    with pytest.raises(ValueError, match="non-negative"):
        t.var(correction=-1)


def test_std_of_a_constant_slice_has_a_zero_gradient_as_pytorch():
    out, (g,) = _grads(lambda t: t.std(dim=1), [[3.0, 3.0, 3.0], [1.0, 2.0, 6.0]])
    assert out.data[0] == 0
    np.testing.assert_array_equal(g[0], [0, 0, 0])
    assert np.isfinite(g).all()


def test_var_without_degrees_of_freedom_warns_and_gives_inf_or_nan():
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        v = Tensor([[1.0, 2.0], [3.0, 3.0]]).var(dim=1, correction=2)
    assert v.data[0] == np.inf and np.isnan(v.data[1])
    with pytest.warns(RuntimeWarning, match="std"):
        assert np.isnan(Tensor([1.0]).std().item())


def test_all_and_any_give_bool_tensors():
    x = Tensor([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    assert x.all().dtype == np.bool_ and not x.all().item()
    assert x.all(dim=-1).tolist() == [False, True]
    assert x.any(axis=0, keepdims=True).tolist() == [[True, True, True]]
    assert (x == 0).any(dim=1, keepdim=True).shape == (2, 1)
    assert Tensor(np.zeros((0, 2))).all().item() and not Tensor(np.zeros((0, 2))).any().item()
    assert bool(np.all(Tensor([1, 2])))


def test_isnan_isinf_isfinite():
    x = Tensor([1.0, np.nan, np.inf, -np.inf])
    assert x.isnan().tolist() == [False, True, False, False]
    assert x.isinf().tolist() == [False, False, True, True]
    assert x.isfinite().tolist() == [True, False, False, False]
    assert Tensor(3).isfinite().item() and Tensor(3).isfinite().dtype == np.bool_


# --------------------------------------------------------------------------- cat and stack


def test_cat_gives_each_input_its_slice_and_constants_none():
    a = Tensor(np.ones((2, 1)), requires_grad=True)
    b = np.zeros((2, 2))  # a constant input
    out = tg.cat([a, b, a], axis=-1)
    assert out.shape == (2, 4)
    assert out.grad_fn.function.needs_input_grad == (True, False, True)
    out.backward(np.arange(8.0).reshape(2, 4))
    np.testing.assert_array_equal(a.grad, [[0 + 3], [4 + 7]])  # used twice: summed


def test_cat_and_stack_promote_dtypes_and_cast_gradients_back():
    a = Tensor(np.ones(2, np.float32), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    out = tg.cat((a, b))
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    assert tg.stack([Tensor([1, 2]), Tensor([3, 4])], dim=1).tolist() == [[1, 3], [2, 4]]


def test_stack_of_0d_tensors_and_negative_axes():
    a, b = Tensor(np.array(1.0), requires_grad=True), Tensor(np.array(2.0), requires_grad=True)
    out = tg.stack([a, b])
    out.backward(np.array([3.0, 4.0]))
    assert out.tolist() == [1.0, 2.0] and a.grad == 3.0 and b.grad == 4.0
    assert tg.stack([Tensor(np.zeros((2, 3)))] * 4, axis=-1).shape == (2, 3, 4)
    assert tg.stack([Tensor(np.zeros((2, 3)))] * 4, axis=-3).shape == (4, 2, 3)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: tg.cat([Tensor(np.zeros((2, 3))), Tensor(np.zeros((3, 3)))], axis=1),
            ValueError,
            r"\(3, 3\).*\(2, 3\).*axis 1",
        ),
        (lambda: tg.cat([Tensor(np.zeros((2, 3))), Tensor(np.zeros(3))]), ValueError, r"\(3,\)"),
        (lambda: tg.cat([Tensor(1.0), Tensor(2.0)]), ValueError, "zero-dimensional"),
        (lambda: tg.cat([]), ValueError, "non-empty"),
        (lambda: tg.cat(Tensor([1.0])), TypeError, "list or tuple"),
        (lambda: tg.cat([Tensor(np.zeros(2))], axis=1), np.exceptions.AxisError, "axis 1"),
        (lambda: tg.cat([Tensor([1.0])], axis=1, dim=0), TypeError, "not both"),
        (
            lambda: tg.stack([Tensor(np.zeros(2)), Tensor(np.zeros(3))]),
            ValueError,
            r"\(3,\).*\(2,\)",
        ),
        (lambda: tg.stack([Tensor(np.zeros(2))], axis=2), np.exceptions.AxisError, "axis 2"),
    ],
)
def test_cat_and_stack_errors_name_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- shape ops


def test_expand_is_a_view_and_sums_its_gradient_back():
    data = np.array([[1.0], [2.0]])
    x = Tensor(data, requires_grad=True)
    y = x.expand(3, -1, 4)
    assert y.shape == (3, 2, 4) and np.shares_memory(y.data, x.data)
    y.backward(np.ones(y.shape))
    np.testing.assert_array_equal(x.grad, [[12.0], [12.0]])
    assert Tensor(np.zeros((1, 3))).expand((0, 3)).shape == (0, 3)


@pytest.mark.parametrize(
    ("shape", "sizes", "message"),
    [
        ((2, 3), (2, 4), r"\(2, 3\) to \(2, 4\).*size 3"),
        ((2, 3), (3,), "at least as many"),
        ((3,), (-1, 3), "new leading"),
        ((3,), (2, -2), "size -2"),
    ],
)
def test_expand_errors(shape, sizes, message):
    with pytest.raises(ValueError, match=message):
        Tensor(np.zeros(shape)).expand(*sizes)


def test_flip_copies_and_reverses_the_gradient():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x.flip(0, -1)
    assert y.tolist() == [[5, 4, 3], [2, 1, 0]] and not np.shares_memory(y.data, x.data)
    y.backward(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.grad, [[5, 4, 3], [2, 1, 0]])
    assert Tensor(np.array(1.0)).flip(0).item() == 1.0
    with pytest.raises(ValueError, match="twice"):
        x.flip(0, -2)
    with pytest.raises(TypeError, match="dims"):
        x.flip()
    kept = x.flip(())  # no dims: an unflipped copy, as PyTorch's
    assert kept.tolist() == x.tolist() and not np.shares_memory(kept.data, x.data)


def test_repeat_tiles_like_numpy_and_checks_its_counts():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(Tensor(x).repeat(2, 1, 3).data, np.tile(x, (2, 1, 3)))
    np.testing.assert_array_equal(Tensor(x).repeat((0, 2)).data, np.tile(x, (0, 2)))
    assert tg.gradcheck(lambda t: t.repeat(2, 3), [Tensor(x, requires_grad=True)])
    with pytest.raises(ValueError, match=r"\(2,\).*2 dimensions of shape \(2, 3\)"):
        Tensor(x).repeat(2)
    with pytest.raises(ValueError, match="non-negative"):
        Tensor(x).repeat(2, -1)


def test_unflatten_and_its_errors():
    x = Tensor(np.zeros((2, 12)))
    assert x.unflatten(-1, (3, -1, 2)).shape == (2, 3, 2, 2)
    assert x.unflatten(0, [2]).shape == (2, 12)
    with pytest.raises(ValueError, match=r"\(5, -1\).*12.*\(2, 12\)"):
        x.unflatten(1, (5, -1))
    with pytest.raises(ValueError, match=r"\(-1, -1\)"):
        x.unflatten(1, (-1, -1))
    with pytest.raises(ValueError, match="0-d"):
        Tensor(1.0).unflatten(0, (1,))


def test_gather_picks_along_dim_and_accumulates_repeats():
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    index = np.array([[0, 0, 3], [2, 2, 1]])  # fewer rows than x: allowed, as in PyTorch
    y = x.gather(-1, Tensor(index))
    np.testing.assert_array_equal(y.data, np.take_along_axis(x.data[:2], index, axis=1))
    y.backward(np.ones(y.shape))
    np.testing.assert_array_equal(x.grad, [[2, 0, 0, 1], [0, 1, 2, 0], [0, 0, 0, 0]])
    assert x.gather(0, [[2, 0, 1]]).tolist() == [[8.0, 1.0, 6.0]]
    assert Tensor(np.array(5.0)).gather(0, np.array(0)).item() == 5.0


@pytest.mark.parametrize(
    ("index", "dim", "error", "message"),
    [
        ([[0.0, 1.0]], 1, TypeError, "integers"),
        ([0, 1], 1, ValueError, r"\(2,\).*\(3, 4\)"),
        ([[0], [1], [2], [0]], 1, ValueError, "dimension 0"),
        ([[4]], 1, IndexError, "index 4 .* size 4"),
        ([[-1]], 0, IndexError, "index -1 .* size 3"),
    ],
)
def test_gather_errors(index, dim, error, message):
    with pytest.raises(error, match=message):
        Tensor(np.zeros((3, 4))).gather(dim, np.array(index))


def test_masked_fill_keeps_shape_and_dtype_and_feeds_a_tensor_value():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    value = Tensor(np.array(-1.0), requires_grad=True)
    y = x.masked_fill(np.array([True, False, True]), value)
    y.backward(np.ones((2, 3)))
    assert y.tolist() == [[-1, 1, -1], [-1, 4, -1]]
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [0, 1, 0]])
    assert value.grad == 4.0
    assert Tensor([1, 2, 3]).masked_fill(Tensor([True, False, False]), 2.7).tolist() == [2, 2, 3]
    f32 = Tensor([1.0, 2.0]).masked_fill(np.array([True, False]), np.float64(0.5))
    assert f32.dtype == np.float32
    with pytest.raises(TypeError, match="bool"):
        x.masked_fill(np.array([1, 0, 1]), 0.0)
    assert x.masked_fill(np.zeros((2, 1, 3), bool), 0.0).shape == (2, 2, 3)  # as PyTorch
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(2, 3\)"):
        x.masked_fill(np.zeros((2, 2), bool), 0.0)
    with pytest.raises(ValueError, match="0-d"):
        x.masked_fill(np.zeros(3, bool), Tensor([1.0]))


# --------------------------------------------------------------------------- remainder and //


def test_remainder_has_the_sign_of_the_divisor_and_pytorch_gradients():
    a, b = [5.0, -5.0, 5.0, -5.0], [3.0, 3.0, -3.0, -3.0]
    out, (ga, gb) = _grads(lambda x, y: x % y, a, b)
    np.testing.assert_array_equal(out.data, [2, 1, -1, -2])
    np.testing.assert_array_equal(ga, [1, 1, 1, 1])
    np.testing.assert_array_equal(gb, [-1, 2, 2, -1])  # -floor(a / b)
    assert (7 % Tensor([4.0])).tolist() == [3.0]
    assert Tensor([7.5]).remainder(2).tolist() == [1.5]


def test_floor_divide_agrees_with_remainder_and_has_a_zero_gradient():
    a, b = np.array([5.0, -5.0, 5.5, -7.25]), np.array([3.0, 3.0, -2.0, 0.5])
    out, (ga, gb) = _grads(lambda x, y: x // y, a, b)
    np.testing.assert_array_equal(b * out.data + (Tensor(a) % Tensor(b)).data, a)
    assert out.requires_grad
    np.testing.assert_array_equal(ga, 0)
    np.testing.assert_array_equal(gb, 0)
    assert (7 // Tensor([2])).tolist() == [3]


def test_integer_division_by_zero_raises_and_float_division_gives_nan_silently():
    with pytest.raises(ZeroDivisionError, match="remainder"):
        Tensor([1, 2]) % 0
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        Tensor([1, 2]) // Tensor([1, 0])
    empty = Tensor(np.zeros((2, 0), np.int64))  # nothing is divided: no error, as PyTorch
    assert (empty // 0).shape == (2, 0) and (empty % Tensor([[0], [1]])).shape == (2, 0)
    assert empty.div(0, rounding_mode="trunc").shape == (2, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan((Tensor([1.0]) % 0.0).item())
        assert (Tensor([1.0]) // 0.0).item() == np.inf


# --------------------------------------------------------------------------- zero-gradient ops


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round", "trunc"])
def test_piecewise_constant_ops_record_a_zero_gradient(name):
    x = Tensor([-1.5, -0.5, 0.0, 0.5, 2.5], requires_grad=True)
    y = getattr(x, name)()
    assert y.requires_grad  # as PyTorch: part of the graph, with a zero gradient
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(5))
    np.testing.assert_array_equal(y.data, getattr(np, name)(x.data))


def test_round_to_decimals_and_halves_to_even():
    assert Tensor(np.array([1.25, 2.5, -0.125])).round(decimals=1).tolist() == [1.2, 2.5, -0.1]
    assert Tensor([0.5, 1.5, 2.5]).round().tolist() == [0.0, 2.0, 2.0]


def test_new_float_ops_follow_numpy_dtypes():
    assert Tensor([1, 4]).sqrt().dtype == np.float64  # integers promote to float64 (NumPy)
    assert Tensor([1.0]).erf().dtype == np.float32
    assert Tensor([0, 1]).erf().dtype == np.float64
    assert Tensor(np.zeros((2, 0))).erf().shape == (2, 0)
    assert Tensor(np.array(0.5)).erf().shape == ()


# --------------------------------------------------------------------------- graph corners


def test_a_saved_tensor_changed_before_backward_is_caught():
    x = Tensor([1.0, 2.0], requires_grad=True)
    hi = Tensor([1.5, 1.5])
    y = tg.clip(x, 0.0, hi)
    with tg.no_grad():
        hi.add_(1.0)
    with pytest.raises(RuntimeError, match=r"Clip.*version"):
        y.sum().backward()


def test_full_like():
    x = Tensor([[1.0, 2.0]])
    y = tg.full_like(x, 7)
    assert y.tolist() == [[7.0, 7.0]] and y.dtype == np.float32 and not y.requires_grad
    assert tg.full_like(Tensor([1, 2]), 2.7).tolist() == [2, 2]  # as torch: truncated
    z = tg.full_like(np.zeros(3), 0.5, dtype=np.float64, requires_grad=True)
    assert z.requires_grad and z.dtype == np.float64 and z.shape == (3,)


# --------------------------------------------------------------------------- activations


def test_activations_at_extremes_are_finite_without_warnings():
    x = Tensor(np.array([-1e4, -50.0, 0.0, 50.0, 1e4]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (
            F.softplus,
            F.logsigmoid,
            F.elu,
            F.gelu,
            F.silu,
            F.hardtanh,
            lambda t: F.gelu(t, approximate="tanh"),
        ):
            x.grad = None
            y = fn(x)
            y.sum().backward()
            assert np.isfinite(y.data).all() and np.isfinite(x.grad).all(), fn


def test_activation_gradients_at_their_kinks_as_pytorch():
    _, (g,) = _grads(F.softplus, [0.0])
    assert g[0] == 0.5
    _, (g,) = _grads(F.logsigmoid, [0.0])
    assert g[0] == 0.5
    _, (g,) = _grads(lambda t: F.elu(t, alpha=0.3), [0.0])
    assert g[0] == 0.3
    _, (g,) = _grads(F.hardtanh, [-1.0, 1.0, 0.99])
    np.testing.assert_array_equal(g, [0, 0, 1])
    _, (g,) = _grads(lambda t: t.clamp(-1, 1), [-1.0, 1.0])
    np.testing.assert_array_equal(g, [1, 1])  # clamp, unlike hardtanh, passes at the bounds


def test_activation_argument_errors():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(Tensor([1.0]), approximate="erf")
    with pytest.raises(ValueError, match="min_val 2 cannot be greater than max_val 1"):
        F.hardtanh(Tensor([1.0]), 2, 1)
    with pytest.raises(TypeError, match="floating"):
        F.silu(Tensor([1, 2]))


# --------------------------------------------------------------------------- loss targets


def _soft_targets(rng, shape):
    p = rng.random(shape) + 0.1
    return p / p.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "loss",
    [
        lambda x, t: F.cross_entropy(x, t, label_smoothing=0.2, weight=[1.0, 2.0, 0.5]),
        lambda x, t: F.kl_div(x, t, reduction="batchmean"),
        lambda x, t: F.kl_div(x, t.log(), reduction="sum", log_target=True),
        lambda x, t: F.binary_cross_entropy(x.sigmoid(), t, weight=np.array([1.0, 2.0, 3.0])),
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=[1.0, 2.0, 0.5]),
    ],
    ids=["cross_entropy", "kl_div", "kl_div log_target", "bce", "bce_with_logits"],
)
def test_a_target_that_requires_grad_gets_its_gradient(loss):
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    t = Tensor(_soft_targets(rng, (4, 3)), requires_grad=True)
    assert tg.gradcheck(loss, [x, t])
    loss(x, t).backward()
    assert t.grad is not None and np.abs(t.grad).sum() > 0
    constant = Tensor(t.data)  # without requires_grad: a constant, as before
    loss(x, constant).backward()
    assert constant.grad is None


def test_a_float32_target_that_requires_grad_follows_a_float64_input():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    t = Tensor(np.full((2, 3), 1 / 3, np.float32), requires_grad=True)
    F.cross_entropy(x, t).backward()
    assert t.grad.dtype == np.float32 and x.grad.dtype == np.float64
    np.testing.assert_allclose(t.grad, np.full((2, 3), np.log(3) / 2), rtol=1e-6)

"""gradcheck has no side effects and says what is wrong; jacobian is exact (checked against
finite differences) and has no side effects either."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Function, GradcheckError, Tensor, gradcheck, jacobian
from tinygrad_ce import functional as F

rng = np.random.default_rng(11)


def randn(*shape):
    return rng.standard_normal(shape)


def grads_of(*tensors):
    """(grad object, copy of its values, requires_grad) per tensor: what must not change."""
    return [(t.grad, None if t.grad is None else t.grad.copy(), t.requires_grad) for t in tensors]


def assert_untouched(before, *tensors):
    for (grad, values, requires), t in zip(before, tensors):
        assert t.grad is grad  # the very same array (or None) ...
        if values is not None:
            np.testing.assert_array_equal(t.grad, values)  # ... with the same values
        assert t.requires_grad == requires


# --------------------------------------------------------------------------- gradcheck


def test_gradcheck_leaves_closed_over_tensors_alone():
    """The issue's case: fn closes over a weight that requires grad."""
    w = Tensor(randn(3, 2), requires_grad=True)
    b = Tensor(randn(2), requires_grad=True)
    b.grad = np.full(2, 7.0)  # a gradient the user is accumulating
    x = Tensor(randn(4, 3), requires_grad=True)
    frozen = Tensor(randn(2))  # does not require grad
    before = grads_of(w, b, x, frozen)
    assert gradcheck(lambda t: ((t @ w + b) * frozen).tanh(), [x])
    assert_untouched(before, w, b, x, frozen)


def test_gradcheck_leaves_inputs_and_retained_intermediates_alone():
    w = Tensor(randn(3), requires_grad=True)
    h = w * 2.0
    h.retain_grad()
    h.grad = np.ones(3)
    x = Tensor(randn(3), requires_grad=True)
    x.grad = np.arange(3.0)
    before = grads_of(w, h, x)
    data = x.data.copy()
    assert gradcheck(lambda t: (t * h).exp(), [x])
    assert_untouched(before, w, h, x)
    np.testing.assert_array_equal(x.data, data)


def test_gradcheck_leaves_a_tensor_used_both_as_input_and_from_outside_alone():
    x = Tensor(randn(3), requires_grad=True)
    before = grads_of(x)
    assert gradcheck(lambda t: t * x, [x])  # d/dt (t * x) = x, x held fixed
    assert_untouched(before, x)


def test_gradcheck_restores_gradients_when_the_backward_fails():
    class Broken(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            raise ZeroDivisionError("a bug in backward")

    w = Tensor(randn(2), requires_grad=True)
    w.grad = np.ones(2)
    before = grads_of(w)
    with pytest.raises(ZeroDivisionError):
        gradcheck(lambda t: Broken.apply(t) + w, [Tensor(randn(2), requires_grad=True)])
    assert_untouched(before, w)


def test_gradcheck_names_the_input_the_element_and_both_values():
    class WrongAtOneElement(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 3

        @staticmethod
        def backward(ctx, g):
            grad = g * 3  # a new array: writing into it is allowed (into g it is not)
            grad[1, 2] = 0.0
            return grad

    a = Tensor(randn(2, 3), requires_grad=True)
    with pytest.raises(GradcheckError) as error:
        gradcheck(lambda c, t: WrongAtOneElement.apply(t), [Tensor(np.ones(1)), a])
    message = str(error.value)
    assert "input 1" in message and "index (1, 2)" in message
    assert "analytic 0.0" in message and "numeric" in message


def test_gradcheck_says_when_a_gradient_is_none():
    class ForgetsB(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            _, b = ctx.saved_tensors
            return g * b, None  # b requires grad: ctx.needs_input_grad[1] is True

    a = Tensor(randn(3), requires_grad=True)
    b = Tensor(randn(3), requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 1 .* is None.*needs_input_grad"):
        gradcheck(ForgetsB.apply, [a, b])


def test_gradcheck_accepts_an_input_the_output_does_not_depend_on():
    unused = Tensor(randn(2), requires_grad=True)
    assert gradcheck(lambda a, b: a.exp(), [Tensor(randn(3), requires_grad=True), unused])


def test_gradcheck_works_in_float64_on_float32_inputs():
    x = Tensor(randn(3).astype(np.float32), requires_grad=True)
    seen = []
    assert gradcheck(lambda t: seen.append(t.dtype) or t.tanh(), [x])
    assert set(seen) == {np.dtype(np.float64)}
    assert x.dtype == np.float32 and x.grad is None


def test_gradcheck_handles_0d_and_empty_inputs():
    assert gradcheck(lambda t: t.exp(), [Tensor(np.array(0.3), requires_grad=True)])
    assert gradcheck(lambda t: t.exp().sum(), [Tensor(np.zeros((0, 3)), requires_grad=True)])


def test_gradcheck_says_when_the_output_does_not_require_grad():
    x = Tensor(randn(2), requires_grad=True)
    with pytest.raises(GradcheckError, match="does not require grad"):
        gradcheck(lambda t: t.detach() * 2, [x])
    with tg.no_grad(), pytest.raises(GradcheckError, match="inside no_grad"):
        gradcheck(lambda t: t * 2, [x])


def test_gradcheck_rejects_bad_arguments():
    with pytest.raises(TypeError, match="input 0 is ndarray"):
        gradcheck(lambda t: t, [np.ones(2)])
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda t: t.data, [Tensor(np.ones(2), requires_grad=True)])


# --------------------------------------------------------------------------- jacobian


def finite_difference_jacobian(fn, arrays, wrt, eps=1e-6):
    """d fn / d arrays[wrt] by central differences, shape out.shape + in.shape."""

    def value(xs):
        with tg.no_grad():
            return np.asarray(fn(*(Tensor(x) for x in xs)).data, dtype=np.float64)

    out_shape = value(arrays).shape
    x = arrays[wrt]
    columns = []
    for k in range(x.size):
        moved = []
        for step in (eps, -eps):
            shifted = x.copy().reshape(-1)
            shifted[k] += step
            xs = list(arrays)
            xs[wrt] = shifted.reshape(x.shape)
            moved.append(value(xs))
        columns.append(((moved[0] - moved[1]) / (2 * eps)).reshape(-1))
    flat = np.stack(columns, axis=-1) if columns else np.zeros((int(np.prod(out_shape)), 0))
    return flat.reshape(out_shape + x.shape)


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda a, b: a @ b, [(2, 3), (3, 4)]),
        (lambda a, b: (a * b).tanh(), [(2, 3), (3,)]),  # broadcast
        (lambda a, b: F.softmax(a * b, axis=0), [(3, 2), ()]),  # 0-d input
        (lambda a, b: (a.exp() * b).sum(), [(4,), (4,)]),  # 0-d output
        (lambda a, b: a[[0, 0, 1]] * b, [(2,), (3,)]),  # an element used twice
        (lambda a, b: (a * a + b).sum(axis=-1, keepdims=True), [(2, 0), (0,)]),  # empty
    ],
)
def test_jacobian_matches_finite_differences(fn, shapes):
    arrays = [randn(*s) for s in shapes]
    tensors = [Tensor(a) for a in arrays]
    jacobians = jacobian(fn, tensors)
    out_shape = fn(*tensors).shape
    assert isinstance(jacobians, tuple) and len(jacobians) == len(arrays)
    for wrt, (J, a) in enumerate(zip(jacobians, arrays)):
        assert J.shape == out_shape + a.shape and J.dtype == np.float64
        np.testing.assert_allclose(
            J, finite_difference_jacobian(fn, arrays, wrt), rtol=1e-6, atol=1e-8
        )


def test_jacobian_of_one_tensor_is_one_array_and_of_a_list_a_tuple():
    x = Tensor(randn(3))
    J = jacobian(lambda t: t.exp(), x)
    assert isinstance(J, np.ndarray)
    np.testing.assert_allclose(J, np.diag(np.exp(x.data)))
    (J1,) = jacobian(lambda t: t.exp(), [x])  # a sequence of one: a tuple of one
    np.testing.assert_array_equal(J1, J)


def test_jacobian_keeps_the_input_dtype():
    x = Tensor(randn(2).astype(np.float32))
    J = jacobian(lambda t: t * 3.0, x)
    assert J.dtype == np.float32
    np.testing.assert_array_equal(J, 3 * np.eye(2, dtype=np.float32))


def test_jacobian_has_no_side_effects():
    w = Tensor(randn(3), requires_grad=True)
    w.grad = np.ones(3)
    x = Tensor(randn(3), requires_grad=True)
    before = grads_of(w, x)
    J = jacobian(lambda t: t * w, [x])[0]
    np.testing.assert_allclose(J, np.diag(w.data))
    assert_untouched(before, w, x)
    # the inputs need not require grad, and still do not afterwards
    y = Tensor(randn(2))
    jacobian(lambda t: t * 2.0, y)
    assert not y.requires_grad and y.grad is None


def test_jacobian_of_a_constant_function_is_zero():
    x = Tensor(randn(2))
    np.testing.assert_array_equal(jacobian(lambda t: Tensor(np.ones(3)), x), np.zeros((3, 2)))


def test_jacobian_rejects_integer_inputs_and_no_grad():
    with pytest.raises(TypeError, match="input 0 has dtype int64"):
        jacobian(lambda t: t, Tensor(np.arange(3)))
    with tg.no_grad(), pytest.raises(RuntimeError, match="no_grad"):
        jacobian(lambda t: t * 2, Tensor(randn(2)))


def test_softmax_jacobian_is_diag_p_minus_p_pt():
    z = Tensor(randn(4))
    p = F.softmax(z, axis=0).data
    np.testing.assert_allclose(
        jacobian(lambda t: F.softmax(t, axis=0), z), np.diag(p) - np.outer(p, p), atol=1e-15
    )


def test_a_large_output_elsewhere_adds_no_rounding_to_a_small_ones_gradient():
    """exp(18) next to exp(0): the outputs are subtracted before they are projected, so the
    small element's estimate is not swamped (projecting first failed the right exp)."""
    x = Tensor(np.array([18.0, 0.0, -30.0]), requires_grad=True)
    assert gradcheck(lambda t: t.exp(), [x])


@pytest.mark.parametrize("value", [1e7, -3e6, 1e11])
def test_large_inputs_get_a_step_relative_to_their_size(value):
    """With a fixed step 1e-6, x + eps == x at 1e11 (numeric gradient 0), and at 1e7 rounding
    swamped the estimate: a right x * x failed."""
    assert gradcheck(lambda t: t * t, [Tensor(np.array([value, 0.5]), requires_grad=True)])

    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2.1 * x  # 5% off: still caught at any size

    with pytest.raises(GradcheckError, match="index \\(0,\\)"):
        gradcheck(WrongSquare.apply, [Tensor(np.array([value, 0.5]), requires_grad=True)])

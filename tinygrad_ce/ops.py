"""The primitive ops: one ``Function`` per op, its forward and its backward side by side.

Everything differentiable in tinygrad_ce (losses, activations, layers) is composed from these.
Each docstring gives the math: ``y`` is the output, ``g`` the gradient flowing into ``y`` (dL/dy),
and the backward returns dL/dx for each input x.

Two rules the engine takes care of, so no op here has to:

- broadcasting: a binary op may return gradients of the broadcast shape; the engine sums them
  back to each input's shape (``engine.unbroadcast``) and checks the result;
- dtypes: gradients are cast to each input's dtype.

What each op does have to do: skip gradients nobody needs (``ctx.needs_input_grad``). Inputs,
``g`` and saved arrays are read-only (the engine hands out read-only views), so an op cannot
corrupt an array shared with the rest of the graph.

Writing a new op is the same: see ``Function`` in ``tinygrad_ce.engine`` and ``docs/extending.md``.
"""

from __future__ import annotations

import math

import numpy as np

from tinygrad_ce.engine import Function
from tinygrad_ce.gradient_sums import ScatterGradient

# --------------------------------------------------------------------------- arithmetic


class Add(Function):
    """y = a + b;  dL/da = g,  dL/db = g"""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        return (g if need_a else None), (g if need_b else None)


class Sub(Function):
    """y = a - b;  dL/da = g,  dL/db = -g"""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """y = a * b;  dL/da = g * b,  dL/db = g * a"""

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad  # keep only what backward uses, as PyTorch does
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Function):
    """y = a / b;  dL/da = g / b,  dL/db = -g * a / b**2 = -g * y / b"""

    @staticmethod
    def forward(ctx, a, b):
        y = a / b
        ctx.save_for_backward(b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = g / b if need_a else None
        grad_b = -g * y / b if need_b else None
        return grad_a, grad_b


class Neg(Function):
    """y = -x;  dL/dx = -g"""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    """y = a ** b;  dL/da = g * b * a**(b-1),  dL/db = g * y * log(a)

    As in PyTorch, dL/da is 0 where b == 0 (x**0 is constant, even at x = 0) and dL/db is 0
    where a == 0 and b >= 0 (the limit, not 0 * log 0 = NaN).
    """

    @staticmethod
    def forward(ctx, a, b):
        y = np.power(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):  # the masked points below
            if need_a:
                grad_a = g * b * np.power(a, b - 1)
                if np.any(b == 0):
                    grad_a = np.where(b == 0, 0, grad_a)
            if need_b:  # only asked for when the exponent is a variable
                grad_b = g * y * np.log(a)
                zero_base = (a == 0) & (b >= 0)
                if np.any(zero_base):
                    grad_b = np.where(zero_base, 0, grad_b)
        return grad_a, grad_b


class MatMul(Function):
    """y = a @ b;  dL/da = g @ b^T,  dL/db = a^T @ g   (1-d operands as NumPy promotes them)"""

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad  # keep only what backward uses, as PyTorch does
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.ndims = a.ndim, b.ndim
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_ndim, b_ndim = ctx.ndims
        if a_ndim == 1 and b_ndim == 1:  # dot product: g is a scalar
            return (g * b if need_a else None), (g * a if need_b else None)
        # Promote 1-d operands to matrices the way matmul does: a vector a is a row (1, n) and a
        # vector b a column (n, 1); g gets the matching unit axis back.
        g2 = g
        if a_ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b_ndim == 1:
            g2 = np.expand_dims(g2, -1)
        grad_a = grad_b = None
        if need_a:
            b2 = b[:, np.newaxis] if b_ndim == 1 else b
            grad_a = np.matmul(g2, np.swapaxes(b2, -1, -2))
            if a_ndim == 1:
                grad_a = grad_a[..., 0, :]
        if need_b:
            a2 = a[np.newaxis, :] if a_ndim == 1 else a
            grad_b = np.matmul(np.swapaxes(a2, -1, -2), g2)
            if b_ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b  # broadcast batch axes are summed away by the engine


# --------------------------------------------------------------------------- elementwise


class Exp(Function):
    """y = e**x;  dL/dx = g * y"""

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Log(Function):
    """y = log(x);  dL/dx = g / x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Log1p(Function):
    """y = log(1 + x);  dL/dx = g / (1 + x)   (exact for tiny x, where log(1 + x) rounds to 0)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + x)


class ReLU(Function):
    """y = max(x, 0);  dL/dx = g where y > 0, else 0   (g at x = NaN, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)  # y > 0 exactly where x > 0; PyTorch saves y too
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return np.where(y <= 0, 0, g)


class Tanh(Function):
    """y = tanh(x);  dL/dx = g * (1 - y**2)"""

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


class Sigmoid(Function):
    """y = 1 / (1 + e**-x);  dL/dx = g * y * (1 - y)"""

    @staticmethod
    def forward(ctx, x):
        # e**-|x| never overflows; for x < 0 use the equal form e**x / (1 + e**x).
        e = np.exp(-np.abs(x))
        y = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


class Where(Function):
    """y = x where condition else z;  dL/dx = g where condition else 0,  dL/dz = the rest"""

    @staticmethod
    def forward(ctx, x, z, *, condition):
        ctx.condition = condition
        return np.where(condition, x, z)

    @staticmethod
    def backward(ctx, g):
        need_x, need_z = ctx.needs_input_grad
        grad_x = np.where(ctx.condition, g, 0) if need_x else None
        grad_z = np.where(ctx.condition, 0, g) if need_z else None
        return grad_x, grad_z


# --------------------------------------------------------------------------- reductions


class Sum(Function):
    """y = sum of x over axis;  dL/dx = g broadcast back over the summed axes"""

    @staticmethod
    def forward(ctx, x, *, axis=None, keepdims=False):
        y = x.sum(axis=axis, keepdims=True)
        ctx.input_shape, ctx.kept_shape = x.shape, y.shape
        return y if keepdims else y.squeeze(axis)

    @staticmethod
    def backward(ctx, g):
        # g with the summed axes back as size 1, then a read-only broadcast view: no copy
        return np.broadcast_to(g.reshape(ctx.kept_shape), ctx.input_shape)


class Max(Function):
    """y = max of x over axis;  dL/dx = g / k at each of the k maxima of a slice, 0 elsewhere

    (``Min`` has the same backward, at the minima.)
    """

    @staticmethod
    def forward(ctx, x, *, axis=None, keepdims=False):
        y = x.max(axis=axis, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.axis = axis
        return y if keepdims else y.squeeze(axis)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        at_extreme = x == y
        ties = at_extreme.sum(axis=ctx.axis, keepdims=True)  # ties share g, like torch.amax
        return g.reshape(y.shape) * at_extreme / ties


# --------------------------------------------------------------------------- shape


class Cast(Function):
    """y = x as another dtype;  dL/dx = g as x's dtype (no gradient to integers or bools)"""

    @staticmethod
    def forward(ctx, x, *, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g  # the engine casts a gradient to its input's dtype


class Reshape(Function):
    """y = x with a new shape;  dL/dx = g with x's shape"""

    @staticmethod
    def forward(ctx, x, *, shape):
        ctx.input_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.input_shape)


class Transpose(Function):
    """y = x with axes permuted by p;  dL/dx = g with axes permuted by the inverse of p"""

    @staticmethod
    def forward(ctx, x, *, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        inverse = sorted(range(len(ctx.axes)), key=ctx.axes.__getitem__)  # axis k came from axes[k]
        return g.transpose(inverse)


class GetItem(Function):
    """y = x[index];  dL/dx = zeros with g added at index (repeated indices add up)"""

    @staticmethod
    def forward(ctx, x, *, index):
        # Our own copy of any index array: the caller may refill theirs before backward runs.
        if isinstance(index, tuple):
            index = tuple(np.array(i) if isinstance(i, np.ndarray) else i for i in index)
        elif isinstance(index, np.ndarray):
            index = np.array(index)
        ctx.shape, ctx.index = x.shape, index
        y = x[index]
        if not isinstance(y, np.ndarray):  # integers only: NumPy gives a scalar copy, and
            y = x[(*index, ...) if isinstance(index, tuple) else (index, ...)]  # ... a 0-d view
        return y

    @staticmethod
    def backward(ctx, g):
        # Not a full array of zeros: the engine adds g in at index wherever it goes.
        return ScatterGradient(ctx.shape, ctx.index, g)


# =========================================================================== the wider surface
# More elementwise, binary, reduction, variadic and shape ops, on the same rules as those above:
# each docstring gives y, and dL/dx for each input x in terms of g = dL/dy. Where PyTorch defines
# a gradient at a kink (|x| at 0, a tie of maximum, a bound of clamp), the docstring says which
# value it takes, and it is PyTorch's.


def _zero_gradient(g):
    """The gradient of a piecewise-constant op: zeros of g's shape (a broadcast view, no copy)."""
    return np.broadcast_to(np.zeros((), g.dtype), g.shape)


def _floating(dtype):
    """The dtype NumPy's float ufuncs give for an input of ``dtype`` (integers -> float64)."""
    return np.result_type(dtype, np.float16)


# --------------------------------------------------------------------------- more elementwise


class Abs(Function):
    """y = |x|;  dL/dx = g * sign(x)   (0 at x = 0 and at NaN, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _sign(x)


class Sqrt(Function):
    """y = sqrt(x);  dL/dx = g / (2 y)   (inf at x = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):  # y = 0: inf (or NaN if g = 0)
            return g / (2 * y)


class Rsqrt(Function):
    """y = 1 / sqrt(x);  dL/dx = -g * y**3 / 2"""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore"):  # x = 0 gives inf, silently as PyTorch
            y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -0.5 * g * (y * y * y)


class Sin(Function):
    """y = sin(x);  dL/dx = g * cos(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.cos(x)


class Cos(Function):
    """y = cos(x);  dL/dx = -g * sin(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * np.sin(x)


class Tan(Function):
    """y = tan(x);  dL/dx = g * (1 + y**2)"""

    @staticmethod
    def forward(ctx, x):
        y = np.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 + y * y)


class Log2(Function):
    """y = log2(x);  dL/dx = g / (x * log(2))"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * math.log(2))


class Expm1(Function):
    """y = e**x - 1 (exact for tiny x, where e**x rounds to 1);  dL/dx = g * (y + 1)"""

    @staticmethod
    def forward(ctx, x):
        y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y + 1)


# math.erf for each element: NumPy has no erf, and the standard library's is exact to the last
# bit or so (about 0.5 microseconds an element).
_erf = np.frompyfunc(math.erf, 1, 1)


class Erf(Function):
    """y = erf(x) = 2/sqrt(pi) * integral from 0 to x of e**(-t**2) dt;
    dL/dx = g * 2/sqrt(pi) * e**(-x**2)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray(_erf(x), dtype=_floating(x.dtype))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * np.exp(-(x * x))


# ------------------------------------------- piecewise constant: zero gradient, as PyTorch's


class _PiecewiseConstant(Function):
    """Ops whose output is constant between jumps: dL/dx = 0 (at the jumps too, as PyTorch)."""

    @staticmethod
    def backward(ctx, g):
        return _zero_gradient(g)


class Sign(_PiecewiseConstant):
    """y = sign(x) (-1, 0 or 1; 0 at NaN, as PyTorch);  dL/dx = 0"""

    @staticmethod
    def forward(ctx, x):
        return _sign(x)


def _sign(x):
    """-1, 0 or 1 by the sign of ``x``, and 0 at NaN as PyTorch's (NumPy's sign gives NaN)."""
    if x.dtype.kind == "b":
        return np.sign(x)  # NumPy refuses bools, with its own message
    return np.subtract(x > 0, x < 0, dtype=x.dtype)


class Floor(_PiecewiseConstant):
    """y = floor(x);  dL/dx = 0"""

    @staticmethod
    def forward(ctx, x):
        return np.floor(x)


class Ceil(_PiecewiseConstant):
    """y = ceil(x);  dL/dx = 0"""

    @staticmethod
    def forward(ctx, x):
        return np.ceil(x)


class Round(_PiecewiseConstant):
    """y = x rounded to ``decimals`` places, halves to even (as NumPy and PyTorch);  dL/dx = 0"""

    @staticmethod
    def forward(ctx, x, *, decimals=0):
        return np.round(x, decimals)


class Trunc(_PiecewiseConstant):
    """y = x rounded towards 0;  dL/dx = 0"""

    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)


# --------------------------------------------------------------------------- more binary


def _check_integer_divisor(a, b, name):
    """Integer division by 0 has no value: raise, as PyTorch does (NumPy would warn and give 0).
    An empty result divides nothing: no error, as in PyTorch."""
    if np.result_type(a, b).kind not in "iu" or 0 in np.broadcast_shapes(np.shape(a), np.shape(b)):
        return
    if np.any(np.asarray(b) == 0):
        raise ZeroDivisionError(f"{name}: integer division by zero")


class Remainder(Function):
    """y = a - b * floor(a / b), with b's sign (Python's %, NumPy's and PyTorch's remainder);
    dL/da = g,  dL/db = -g * floor(a / b)"""

    @staticmethod
    def forward(ctx, a, b):
        _check_integer_divisor(a, b, "remainder")
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # x % 0.0 is NaN, as in PyTorch
            return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_b = None
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = -g * np.floor_divide(a, b)
        return (g if need_a else None), grad_b


class FloorDivide(Function):
    """y = floor(a / b) (Python's //, consistent with remainder: a == b * y + a % b);
    dL/da = dL/db = 0 (PyTorch has no gradient for it and raises in backward)"""

    @staticmethod
    def forward(ctx, a, b):
        _check_integer_divisor(a, b, "floor_divide")
        with np.errstate(divide="ignore", invalid="ignore"):  # x // 0.0 is +-inf or NaN
            return np.floor_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        zeros = _zero_gradient(g)  # of the broadcast shape; the engine sums it back
        return (zeros if need_a else None), (zeros if need_b else None)


def _shared(g, lost, tie):
    """torch.maximum's (and minimum's) gradient for one input: g, except 0 where that input lost
    and g / 2 at a tie. NaN neither loses nor ties, so both inputs get g there, as in PyTorch."""
    return np.where(tie, g * 0.5, np.where(lost, 0, g))


class Maximum(Function):
    """y = max(a, b) elementwise (NaN if either is NaN);
    dL/da = g where a > b, g / 2 where a == b, 0 where a < b;  dL/db likewise"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        tie = a == b
        grad_a = _shared(g, a < b, tie) if need_a else None
        grad_b = _shared(g, b < a, tie) if need_b else None
        return grad_a, grad_b


class Minimum(Function):
    """y = min(a, b) elementwise (NaN if either is NaN);
    dL/da = g where a < b, g / 2 where a == b, 0 where a > b;  dL/db likewise"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        tie = a == b
        grad_a = _shared(g, a > b, tie) if need_a else None
        grad_b = _shared(g, b > a, tie) if need_b else None
        return grad_a, grad_b


class Clip(Function):
    """y = min(max(x, lo), hi) (``hi`` wins where lo > hi; lo or hi may be None: no bound);
    dL/dx = g where lo <= x <= hi (bounds included, as PyTorch's clamp), else 0;
    dL/dlo = g where x < lo < hi;  dL/dhi = g where x > hi or hi < lo   (PyTorch's rule)

    ``lo`` and ``hi`` are inputs (numbers, arrays or Tensors, broadcasting with x), so a bound
    that is a Tensor requiring grad gets its gradient; a number or None is a constant input,
    for which backward returns None.
    """

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        need_x, need_lo, need_hi = ctx.needs_input_grad
        grad_x = grad_lo = grad_hi = None
        if need_x:
            inside = True
            if lo is not None:
                inside = inside & (x >= lo)
            if hi is not None:
                inside = inside & (x <= hi)
            grad_x = np.where(inside, g, 0)
        if need_lo:
            below = x < lo if hi is None else (x < lo) & (lo < hi)
            grad_lo = np.where(below, g, 0)
        if need_hi:
            above = x > hi if lo is None else (x > hi) | (hi < lo)
            grad_hi = np.where(above, g, 0)
        return grad_x, grad_lo, grad_hi


# --------------------------------------------------------------------------- more reductions


class Min(Max):
    """y = min of x over axis;  dL/dx = g / k at each of the k minima of a slice, 0 elsewhere
    (Max's backward, inherited: it sends g to the entries equal to y)"""

    @staticmethod
    def forward(ctx, x, *, axis=None, keepdims=False):
        y = x.min(axis=axis, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.axis = axis
        return y if keepdims else y.squeeze(axis)


class Prod(Function):
    """y = product of x over axis;  dL/dx_i = g * (product of the other elements of its slice)

    The product of the others is not y / x_i, which is 0 / 0 where x_i = 0: it is the product
    of the elements before x_i times that of the elements after it (two cumulative products),
    exact with any number of zeros.
    """

    @staticmethod
    def forward(ctx, x, *, axis, keepdims=False):
        y = np.prod(x, axis=axis, keepdims=True)
        ctx.save_for_backward(x)
        ctx.axis, ctx.kept_shape = axis, y.shape
        return y if keepdims else y.squeeze(axis)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        axes = ctx.axis
        if x.size == 0:
            return np.zeros(x.shape, g.dtype)
        # Reduced axes last, flattened into one of length k: products along the last axis.
        last = tuple(range(x.ndim - len(axes), x.ndim))
        moved = np.moveaxis(x, axes, last)
        k = math.prod(x.shape[a] for a in axes)
        rows = moved.reshape((*moved.shape[: x.ndim - len(axes)], k))
        ones = np.ones_like(rows[..., :1])
        before = np.cumprod(np.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
        after = np.cumprod(np.concatenate([ones, rows[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = np.moveaxis((before * after).reshape(moved.shape), last, axes)
        return g.reshape(ctx.kept_shape) * others


class Cumsum(Function):
    """y_i = x_0 + ... + x_i along axis;  dL/dx_i = g_i + ... + g_last (a reversed cumsum)"""

    @staticmethod
    def forward(ctx, x, *, axis):
        ctx.axis = axis
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, g):
        reverse = [slice(None)] * g.ndim
        reverse[ctx.axis] = slice(None, None, -1)
        reverse = tuple(reverse)
        return np.cumsum(g[reverse], axis=ctx.axis)[reverse]


# --------------------------------------------------------------------------- variadic


class Cat(Function):
    """y = the inputs joined along ``axis`` (any number of inputs);
    dL/dx_k = the slice of g where x_k landed"""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.ends = np.cumsum([x.shape[axis] for x in xs])
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        pieces = np.split(g, ctx.ends[:-1], axis=ctx.axis)  # views of g, no copies
        return tuple(p if need else None for p, need in zip(pieces, ctx.needs_input_grad))


class Stack(Function):
    """y = the inputs (one shape) stacked along a new axis ``axis``;
    dL/dx_k = g[..., k, ...] (the k-th slice along that axis)"""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        slices = np.moveaxis(g, ctx.axis, 0)
        return tuple(s if need else None for s, need in zip(slices, ctx.needs_input_grad))


# --------------------------------------------------------------------------- more shape


class Expand(Function):
    """y = x broadcast to ``shape`` (a read-only view, no copy, as PyTorch's expand);
    dL/dx = g summed over the axes that were added or stretched"""

    @staticmethod
    def forward(ctx, x, *, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g  # of the expanded shape: the engine sums it back to x's (engine.unbroadcast)


class Flip(Function):
    """y = x with its elements in reverse order along ``axis`` (a copy, as PyTorch's flip);
    dL/dx = g reversed along the same axes"""

    @staticmethod
    def forward(ctx, x, *, axis):
        ctx.axis = axis
        return np.flip(x, axis).copy()

    @staticmethod
    def backward(ctx, g):
        return np.flip(g, ctx.axis)

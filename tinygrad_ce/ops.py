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
        ctx.save_for_backward(a, b)
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
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # dot product: g is a scalar
            return (g * b if need_a else None), (g * a if need_b else None)
        # Promote 1-d operands to matrices the way matmul does: a vector a is a row (1, n) and a
        # vector b a column (n, 1); g gets the matching unit axis back.
        a2 = a[np.newaxis, :] if a.ndim == 1 else a
        b2 = b[:, np.newaxis] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        grad_a = grad_b = None
        if need_a:
            grad_a = np.matmul(g2, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if need_b:
            grad_b = np.matmul(np.swapaxes(a2, -1, -2), g2)
            if b.ndim == 1:
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
    """y = max(x, 0);  dL/dx = g * [x > 0]"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > 0)


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
    """y = max of x over axis;  dL/dx = g / k at each of the k maxima of a slice, 0 elsewhere"""

    @staticmethod
    def forward(ctx, x, *, axis=None, keepdims=False):
        y = x.max(axis=axis, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.axis = axis
        return y if keepdims else y.squeeze(axis)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        is_max = x == y
        ties = is_max.sum(axis=ctx.axis, keepdims=True)  # ties share g, like torch.amax
        return g.reshape(y.shape) * is_max / ties


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
        return np.transpose(g, np.argsort(ctx.axes))


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
        return x[index]

    @staticmethod
    def backward(ctx, g):
        # Not a full array of zeros: the engine adds g in at index wherever it goes.
        return ScatterGradient(ctx.shape, ctx.index, g)

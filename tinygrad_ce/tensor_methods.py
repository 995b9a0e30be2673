"""The array side of ``Tensor``: its facts (shape, dtype, ...) and its methods, each a call to a
primitive op (``tinygrad_ce.ops``) or a short composition of them.

``engine.Tensor`` inherits these from ``TensorMethods``; the engine itself only knows how to
record ops and walk the graph backwards. Argument checks happen here, before any arithmetic, so
an error names the shapes or the axis the caller gave. Axis arguments follow PyTorch: negative
axes count from the end, a tuple or list names several, ``()`` means all of them, and a 0-d
tensor takes axis 0 or -1; ``dim=`` is an alias of ``axis=`` and ``keepdim=`` of ``keepdims=``.
"""

from __future__ import annotations

import math
import operator

import numpy as np

__all__ = ["TensorMethods", "as_array", "normalize_axes", "where"]


def as_array(data, dtype=None):
    """The array a new Tensor holds: always a copy, with the contract's dtype rules."""
    if isinstance(data, TensorMethods):
        data = data._data
    from_python = not isinstance(data, np.ndarray | np.generic)
    array = np.array(data, dtype=dtype)
    if from_python and dtype is None:
        if array.dtype.kind == "f":
            array = array.astype(np.float32)  # Python floats become float32, as in PyTorch
        elif array.dtype.kind == "u" or (array.dtype == object and array.size):
            raise OverflowError(f"a Python int in {data!r} does not fit in int64")
        elif array.dtype.kind == "i":
            array = array.astype(np.int64)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"Tensor data must be boolean, integer or floating, got dtype {array.dtype} "
            f"from {type(data).__name__}"
        )
    return array


def normalize_axes(axis, ndim):
    """``axis`` (None, an int, a tuple or list) as a tuple of axes in ``range(ndim)``.

    None and ``()`` mean every axis (as in PyTorch). An out-of-range axis raises an
    ``AxisError`` (an IndexError and a ValueError) naming the axis and ``ndim``.

    >>> normalize_axes(-1, 3), normalize_axes([0, -1], 2), normalize_axes(None, 2)
    ((2,), (0, 1), (0, 1))
    >>> normalize_axes(0, 0)    # a 0-d tensor takes axis 0 or -1, as in PyTorch
    ()
    """
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, tuple | list) else (axis,)
    if not axes:
        return tuple(range(ndim))
    span = max(ndim, 1)  # a 0-d tensor behaves as if it had one axis of size 1
    result = []
    for a in axes:
        a = operator.index(a)
        if not -span <= a < span:
            raise np.exceptions.AxisError(
                f"axis {a} is out of range for a tensor with {ndim} dimensions "
                f"(valid: {-span} to {span - 1})"
            )
        if ndim:
            result.append(a % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"axis {axis} names the same axis twice (ndim {ndim})")
    return tuple(sorted(result))


def _axis_arg(axis, dim):
    if dim is not None:
        if axis is not None:
            raise TypeError("give either axis or dim, not both")
        return dim
    return axis


def _keep(keepdims, keepdim):
    return keepdims or bool(keepdim)


def _numpy_call(tensor, dtype, out):
    """``np.mean(t)``, ``np.sum(t)``, ... call our methods with NumPy's dtype= and out=."""
    if out is not None:
        raise TypeError("out= is not supported: tensors are not written in place by reductions")
    return tensor if dtype is None else tensor.to(dtype)


def _lift(value):
    """An operand of a binary op: Tensors, numbers and NumPy values pass; lists become Tensors.

    Python scalars stay Python scalars, so NumPy's promotion applies (float32 * 2.0 is float32).
    """
    if isinstance(value, list | tuple):
        return Tensor(value)
    return value


class _Size(int):
    """``t.size`` is NumPy's element count, and ``t.size()`` / ``t.size(dim)`` PyTorch's shape.

    >>> t = Tensor([[1, 2, 3], [4, 5, 6]])
    >>> t.size, t.size(), t.size(0), t.size(-1)
    (6, (2, 3), 2, 3)
    """

    def __new__(cls, shape):
        size = super().__new__(cls, math.prod(shape))
        size.shape = shape
        return size

    def __call__(self, dim=None):
        if dim is None:
            return self.shape
        (axis,) = normalize_axes(dim, len(self.shape))
        return self.shape[axis]


class TensorMethods:
    """Facts and methods of ``Tensor`` (documented there); nothing here touches the graph."""

    __slots__ = ()

    # ------------------------------------------------------------------ array facts

    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def size(self):
        return _Size(self._data.shape)

    def numel(self):
        """The number of elements (PyTorch's name)."""
        return self._data.size

    def dim(self):
        """The number of dimensions (PyTorch's name)."""
        return self._data.ndim

    def numpy(self):
        """The underlying NumPy array (shared, not copied; like PyTorch's ``numpy()``)."""
        return self._data

    def item(self):
        """The single element as a Python number.

        >>> Tensor([2.5]).item()
        2.5
        """
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self._data.item()

    def tolist(self):
        """The data as (nested) Python lists.

        >>> Tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return self._data.tolist()

    def detach(self):
        """A tensor sharing this one's data (and version counter), cut from the graph.

        >>> x = Tensor([1.0], requires_grad=True)
        >>> (x * 2).detach().requires_grad
        False
        """
        return Tensor._make(self._data, None, self._version_counter)

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __format__(self, spec):
        return format(self.item(), spec) if self._data.size == 1 else super().__format__(spec)

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError(f"only one-element integer tensors can be an index, got {self!r}")
        return int(self.item())

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extras = ""
        if self._data.dtype not in (np.float32, np.int64, np.bool_):
            extras += f", dtype={self._data.dtype}"
        if self.grad_fn is not None:
            extras += f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"Tensor({body}{extras})"

    __hash__ = object.__hash__  # == compares elementwise, so hash by identity

    # ------------------------------------------------------------------ dtypes

    def to(self, dtype):
        """This tensor as ``dtype`` (differentiable between floating dtypes).

        >>> Tensor([1.5, 2.5]).to(np.float64).dtype
        dtype('float64')
        """
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        return ops.Cast.apply(self, dtype=dtype)

    def float(self):
        """As float32 (PyTorch's ``float()``)."""
        return self.to(np.float32)

    def double(self):
        """As float64."""
        return self.to(np.float64)

    def long(self):
        """As int64 (not differentiable)."""
        return self.to(np.int64)

    def int(self):
        """As int32 (not differentiable)."""
        return self.to(np.int32)

    def bool(self):
        """As bool (not differentiable)."""
        return self.to(np.bool_)

    # ------------------------------------------------------------------ arithmetic

    def __add__(self, other):
        return ops.Add.apply(self, _lift(other))

    def __radd__(self, other):
        return ops.Add.apply(_lift(other), self)

    def __sub__(self, other):
        return ops.Sub.apply(self, _lift(other))

    def __rsub__(self, other):
        return ops.Sub.apply(_lift(other), self)

    def __mul__(self, other):
        return ops.Mul.apply(self, _lift(other))

    def __rmul__(self, other):
        return ops.Mul.apply(_lift(other), self)

    def __truediv__(self, other):
        return ops.Div.apply(self, _lift(other))

    def __rtruediv__(self, other):
        return ops.Div.apply(_lift(other), self)

    def __neg__(self):
        return ops.Neg.apply(self)

    def __pow__(self, exponent):
        return ops.Pow.apply(self, _lift(exponent))

    def __rpow__(self, base):
        return ops.Pow.apply(_lift(base), self)

    def __matmul__(self, other):
        return _matmul(self, _lift(other))

    def __rmatmul__(self, other):
        return _matmul(_lift(other), self)

    # ------------------------------------------------------------------ elementwise

    def exp(self):
        """e**x, elementwise."""
        return ops.Exp.apply(self)

    def log(self):
        """Natural logarithm, elementwise."""
        return ops.Log.apply(self)

    def log1p(self):
        """log(1 + x), accurate for tiny x."""
        return ops.Log1p.apply(self)

    def relu(self):
        """max(x, 0), elementwise (gradient 0 at x = 0, as PyTorch)."""
        return ops.ReLU.apply(self)

    def tanh(self):
        """Hyperbolic tangent, elementwise."""
        return ops.Tanh.apply(self)

    def sigmoid(self):
        """1 / (1 + e**-x), elementwise, without overflow for large |x|."""
        return ops.Sigmoid.apply(self)

    # ------------------------------------------------------------------ reductions

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None, out=None):
        """Sum over ``axis`` (an int, a tuple or list of ints, or None for all).

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=0)
        Tensor([4., 6.])
        """
        x = _numpy_call(self, dtype, out)
        axes = normalize_axes(_axis_arg(axis, dim), self.ndim)
        return ops.Sum.apply(x, axis=axes, keepdims=_keep(keepdims, keepdim))

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None, out=None):
        """Mean over ``axis``: the sum divided by the number of elements summed.

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).mean(axis=1)
        Tensor([1.5, 3.5])
        >>> float(np.mean(Tensor([1, 2]) == Tensor([1, 3])))  # comparisons work with NumPy
        0.5
        """
        x = _numpy_call(self, dtype, out)
        axes = normalize_axes(_axis_arg(axis, dim), self.ndim)
        count = math.prod(self.shape[a] for a in axes)
        return x.sum(axis=axes, keepdims=_keep(keepdims, keepdim)) / count

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None, out=None):
        """Maximum over ``axis`` (values only, like ``torch.amax``; ``argmax`` gives indices).

        Tied maxima share the gradient equally.

        >>> Tensor([[1.0, 5.0], [7.0, 2.0]]).max(axis=1)
        Tensor([5., 7.])
        """
        _numpy_call(self, None, out)
        axes = normalize_axes(_axis_arg(axis, dim), self.ndim)
        return ops.Max.apply(self, axis=axes, keepdims=_keep(keepdims, keepdim))

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the maximum, an int64 Tensor (not differentiable); over all elements
        (flattened) when ``axis`` is None.

        >>> Tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(axis=1)
        Tensor([1, 0])
        """
        return self._arg_reduce(np.argmax, _axis_arg(axis, dim), _keep(keepdims, keepdim))

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the minimum, an int64 Tensor (not differentiable)."""
        return self._arg_reduce(np.argmin, _axis_arg(axis, dim), _keep(keepdims, keepdim))

    def _arg_reduce(self, arg_function, axis, keepdims):
        if axis is None:
            result = arg_function(self._data)
            result = np.reshape(result, (1,) * self.ndim) if keepdims else result
        else:
            axes = normalize_axes(axis, self.ndim)
            if len(axes) > 1 or isinstance(axis, tuple | list):
                raise TypeError(f"argmax/argmin take one axis, got {axis!r}")
            if self.ndim == 0:
                result = np.zeros((), np.int64)
            else:
                result = arg_function(self._data, axis=axes[0], keepdims=keepdims)
        return Tensor(np.asarray(result, np.int64))

    # ------------------------------------------------------------------ shape

    def reshape(self, *shape):
        """The same elements in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``).

        >>> Tensor([1.0, 2.0, 3.0, 4.0]).reshape(2, -1).shape
        (2, 2)
        """
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        shape = tuple(operator.index(n) for n in shape)
        known = math.prod(n for n in shape if n != -1)
        if (
            shape.count(-1) > 1
            or any(n < -1 for n in shape)
            or (-1 not in shape and known != self.size)
            or (-1 in shape and (known == 0 or self.size % known))
        ):
            raise ValueError(f"cannot reshape a tensor of shape {self.shape} into shape {shape}")
        return ops.Reshape.apply(self, shape=shape)

    def view(self, *shape):
        """``reshape`` (PyTorch's name; our reshape never copies a contiguous tensor either)."""
        return self.reshape(*shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge the axes ``start_dim`` .. ``end_dim`` into one.

        >>> Tensor(np.zeros((2, 3, 4))).flatten(1).shape
        (2, 12)
        """
        if self.ndim == 0:
            return self.reshape(1)
        (start,) = normalize_axes(start_dim, self.ndim)
        (end,) = normalize_axes(end_dim, self.ndim)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape
        return self.reshape((*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))

    def squeeze(self, axis=None, *, dim=None):
        """Drop axes of size 1 (all of them, or those named; named axes of another size stay).

        >>> Tensor(np.zeros((2, 1, 3))).squeeze().shape
        (2, 3)
        """
        axis = _axis_arg(axis, dim)
        axes = range(self.ndim) if axis is None else normalize_axes(axis, self.ndim)
        drop = {a for a in axes if self.shape[a] == 1}
        return self.reshape(tuple(n for a, n in enumerate(self.shape) if a not in drop))

    def unsqueeze(self, axis=None, *, dim=None):
        """Insert an axis of size 1 at ``axis`` (negative counts from the end of the result).

        >>> Tensor(np.zeros((2, 3))).unsqueeze(-1).shape
        (2, 3, 1)
        """
        (position,) = normalize_axes(_axis_arg(axis, dim), self.ndim + 1)
        return self.reshape((*self.shape[:position], 1, *self.shape[position:]))

    def transpose(self, *axes):
        """Permute the axes (all reversed when none are given), like ``numpy.transpose``.

        With two axes of a tensor of more dimensions, swap those two (PyTorch's transpose).

        >>> Tensor([[1.0, 2.0, 3.0]]).transpose().shape
        (3, 1)
        >>> Tensor(np.zeros((2, 3, 4))).transpose(-1, 0).shape
        (4, 3, 2)
        """
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = tuple(axes[0])
        if not axes:
            return ops.Transpose.apply(self, axes=tuple(reversed(range(self.ndim))))
        span = max(self.ndim, 1)
        for a in axes:
            if not -span <= operator.index(a) < span:
                raise np.exceptions.AxisError(
                    f"transpose: axis {a} is out of range for a tensor with {self.ndim} dimensions"
                )
        normal = tuple(operator.index(a) % span for a in axes)
        if len(normal) == 2 and self.ndim != 2:  # PyTorch's transpose(dim0, dim1): a swap
            permutation = list(range(self.ndim))
            if self.ndim:
                permutation[normal[0]], permutation[normal[1]] = normal[1], normal[0]
            normal = tuple(permutation)
        if sorted(normal) != list(range(self.ndim)):
            raise ValueError(
                f"transpose: axes {axes} are not a permutation of the {self.ndim} axes of a "
                f"tensor of shape {self.shape}"
            )
        return ops.Transpose.apply(self, axes=normal)

    @property
    def T(self):
        """All axes reversed, as ``numpy.ndarray.T``."""
        return self.transpose()

    def __getitem__(self, index):
        """NumPy indexing: slices, None, Ellipsis, integer arrays, boolean masks, and mixes.

        >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> x[[0, 0, 2]].sum().backward()   # a repeated index accumulates its gradient
        >>> x.grad
        array([2., 0., 1.], dtype=float32)
        """
        parts = index if isinstance(index, tuple) else (index,)
        parts = tuple(_index_part(p) for p in parts)
        return ops.GetItem.apply(self, index=parts if isinstance(index, tuple) else parts[0])

    # ------------------------------------------------------------------ comparisons

    def _compare(self, other, numpy_op):
        other = other._data if isinstance(other, Tensor) else other
        return Tensor._make(np.asarray(numpy_op(self._data, other)), None)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    # ------------------------------------------------------------------ in place

    def _in_place(self, name, value):
        if self.requires_grad and engine.is_grad_enabled():
            raise RuntimeError(
                f"{name}: a tensor that requires grad cannot be changed in place while grad is "
                f"recorded (that is not differentiable here); use `with tg.no_grad():`"
            )
        self._data[...] = value._data if isinstance(value, Tensor) else value
        self._version_counter.count += 1
        return self

    def zero_(self):
        """Set every element to 0, in place (an in-place change: backward checks for it)."""
        return self._in_place("zero_", 0)

    def fill_(self, value):
        """Set every element to ``value``, in place."""
        return self._in_place("fill_", value)

    def copy_(self, src):
        """Copy ``src`` (broadcast to this shape) into this tensor, in place."""
        return self._in_place("copy_", np.broadcast_to(np.asarray(src), self.shape))

    def add_(self, other):
        """self += other, in place.

        >>> Tensor([1.0, 2.0]).add_(1).tolist()
        [2.0, 3.0]
        """
        return self._in_place("add_", self._data + np.asarray(other))

    def sub_(self, other):
        """self -= other, in place."""
        return self._in_place("sub_", self._data - np.asarray(other))

    def mul_(self, other):
        """self *= other, in place."""
        return self._in_place("mul_", self._data * np.asarray(other))


def _index_part(part):
    """One part of an index, as NumPy takes it: Tensors give their data; an empty list is an
    empty integer index (NumPy would read it as floats)."""
    if isinstance(part, Tensor):
        part = part._data
    if isinstance(part, list):
        part = np.asarray(part)
        if part.size == 0:
            part = part.astype(np.intp)
    return part


def _matmul(a, b):
    a_shape, b_shape = np.shape(a), np.shape(b)
    if not a_shape or not b_shape:
        raise ValueError(
            f"matmul: both operands need at least 1 dimension, got {a_shape} @ {b_shape}"
        )
    inner_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    try:
        if a_shape[-1] != inner_b:
            raise ValueError
        np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: shapes {a_shape} and {b_shape} do not match") from None
    return ops.MatMul.apply(a, b)


def where(condition, x, y):
    """Elementwise ``x`` where ``condition`` holds, else ``y`` (differentiable in ``x`` and ``y``).

    >>> a = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    >>> where(a > 0, a, 0.0).sum().backward()
    >>> a.grad
    array([1., 0., 1.], dtype=float32)
    """
    # A copy of the condition: the graph keeps it until backward, and the caller's may change.
    condition = np.array(condition._data if isinstance(condition, Tensor) else condition, bool)
    return ops.Where.apply(_lift(x), _lift(y), condition=condition)


# engine.Tensor inherits TensorMethods, and the ops need engine.Function: both modules are
# mid-import when this line runs, so it comes last; engine sets ``Tensor`` here once it exists.
from tinygrad_ce import engine, ops  # noqa: E402

Tensor = None  # set by engine: engine.Tensor

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
import warnings

import numpy as np

from tinygrad_ce.grad_mode import set_grad_enabled

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
        result.append(a % span)
    if len(set(result)) != len(result):
        raise ValueError(f"axis {axis} names the same axis twice (ndim {ndim})")
    return tuple(sorted(result)) if ndim else ()


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


def _scaled(tensor, other, alpha, function):
    """``alpha * other`` for add/sub, with PyTorch's checks of ``alpha`` against the result's
    dtype: no float alpha for an integer result, and a bool alpha only for a bool one."""
    if isinstance(alpha, np.generic):
        alpha = alpha.item()  # a scalar, as a Python number: it does not change the dtype
    if not isinstance(alpha, int | float):
        raise TypeError(f"{function}: alpha must be a number, got {alpha!r}")
    kind = np.result_type(tensor._data, other._data if isinstance(other, Tensor) else other).kind
    if isinstance(alpha, bool) and kind != "b":
        raise TypeError(f"{function}: a bool alpha goes with bool tensors only, got {alpha!r}")
    if kind in "biu" and isinstance(alpha, float):
        raise TypeError(f"{function}: alpha must be an integer for integer tensors, got {alpha!r}")
    return other if alpha == 1 and not isinstance(alpha, bool) else other * alpha


def _softmax_dim(axis, dim, function):
    axis = _axis_arg(axis, dim)
    if axis is None:
        raise TypeError(f"{function}() needs the dimension: {function}(dim)")
    return axis


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
        if not self.shape:  # normalize_axes lets a 0-d tensor take axis 0 or -1 (reductions)
            raise IndexError(f"size({dim!r}): a 0-d tensor has no dimensions (PyTorch's too)")
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

    def clone(self):
        """A copy with its own memory that stays in the graph (gradients flow back to this
        tensor, as PyTorch's ``clone``); same dtype.

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> y = x.clone()
        >>> (y * y).sum().backward()
        >>> x.grad
        array([2., 4.], dtype=float32)
        """
        return ops.Cast.apply(self, dtype=self.dtype)  # astype copies; its gradient is g

    def contiguous(self):
        """This tensor itself (NumPy keeps any layout; PyTorch's ``contiguous``).

        >>> x = Tensor([1.0])
        >>> x.contiguous() is x
        True
        """
        return self

    @property
    def requires_grad(self):
        """Whether backward computes a gradient for this tensor. Setting it is ``requires_grad_``:
        on a tensor an op computed (not a leaf), ``False`` raises ``RuntimeError``, as in
        PyTorch, rather than silently cut the graph; use ``detach()``.

        >>> x = Tensor([1.0, 2.0])
        >>> x.requires_grad = True
        >>> (x * 2).requires_grad
        True
        """
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, requires_grad):
        if self.grad_fn is not None and requires_grad is True:  # PyTorch refuses True here too
            raise RuntimeError(
                f"requires_grad can only be set on a leaf, not on a tensor an op computed "
                f"(grad_fn={self.grad_fn.name}), as in PyTorch; it requires grad already"
            )
        self.requires_grad_(requires_grad)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` of a leaf in place and return the tensor, as PyTorch's.

        Only floating tensors can require grad (``TypeError``); a tensor computed by an op that
        recorded a graph cannot be switched off (``RuntimeError``: use ``detach()``).

        >>> w = Tensor([1.0, 2.0]).requires_grad_()
        >>> w.requires_grad
        True
        """
        if not isinstance(requires_grad, bool | np.bool_):
            raise TypeError(f"requires_grad must be True or False, got {requires_grad!r}")
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                f"requires_grad cannot be set to False on a tensor an op computed "
                f"(grad_fn={self.grad_fn.name}): only a leaf's can change, as in PyTorch; use "
                f"detach() for a tensor cut from the graph"
            )
        if requires_grad and self.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, got dtype {self.dtype}")
        self._requires_grad = bool(requires_grad)
        return self

    def is_floating_point(self):
        """Whether the dtype is a floating one.

        >>> Tensor([1.0]).is_floating_point(), Tensor([1]).is_floating_point()
        (True, False)
        """
        return self.dtype.kind == "f"

    def new_full(self, size, fill_value, *, dtype=None, requires_grad=False):
        """A new tensor of ``size`` filled with ``fill_value``, of this tensor's dtype unless
        ``dtype`` is given (PyTorch's ``new_full``: a float in an integer tensor truncates).

        >>> Tensor([1, 2]).new_full((2,), 2.7)
        Tensor([2, 2])
        """
        from tinygrad_ce.constructors import full  # the layer above; imported when used

        dtype = self.dtype if dtype is None else dtype
        return full(size, fill_value, dtype=dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        """Zeros of ``size`` (``new_zeros(2, 3)`` or ``new_zeros((2, 3))``), of this tensor's
        dtype unless ``dtype`` is given.

        >>> Tensor(np.ones(1, np.float64)).new_zeros(2, 2).dtype
        dtype('float64')
        """
        from tinygrad_ce.constructors import zeros

        dtype = self.dtype if dtype is None else dtype
        return zeros(*size, dtype=dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        """Ones of ``size``, of this tensor's dtype unless ``dtype`` is given.

        >>> Tensor([5, 6]).new_ones(3)
        Tensor([1, 1, 1])
        """
        from tinygrad_ce.constructors import ones

        dtype = self.dtype if dtype is None else dtype
        return ones(*size, dtype=dtype, requires_grad=requires_grad)

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
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

    def add(self, other, *, alpha=1):
        """self + alpha * other, as PyTorch's ``add``.

        >>> Tensor([1.0, 2.0]).add(Tensor([10.0, 20.0]), alpha=0.5).tolist()
        [6.0, 12.0]
        """
        return self + _scaled(self, _lift(other), alpha, "add")

    def sub(self, other, *, alpha=1):
        """self - alpha * other, as PyTorch's ``sub``.

        >>> Tensor([1.0, 2.0]).sub(1, alpha=2).tolist()
        [-1.0, 0.0]
        """
        return self - _scaled(self, _lift(other), alpha, "sub")

    def mul(self, other):
        """self * other (PyTorch's name for ``*``).

        >>> Tensor([1.0, 2.0]).mul(3).tolist()
        [3.0, 6.0]
        """
        return self * other

    def div(self, other, *, rounding_mode=None):
        """self / other, as PyTorch's ``div``: ``rounding_mode=None`` is true division,
        ``"trunc"`` rounds the quotient towards 0 and ``"floor"`` down (as ``//``). Rounded
        quotients have gradient 0 (PyTorch's), integers stay integers, and integer division
        by 0 raises ``ZeroDivisionError``.

        >>> x = Tensor([7.0, -7.0])
        >>> x.div(2).tolist(), x.div(2, rounding_mode="trunc").tolist()
        ([3.5, -3.5], [3.0, -3.0])
        >>> x.div(2, rounding_mode="floor").tolist()
        [3.0, -4.0]
        """
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(
                f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}"
            )
        other = _lift(other)
        floor = ops.FloorDivide.apply(self, other)  # gradient 0 to both inputs, as PyTorch's
        if rounding_mode == "floor":
            return floor
        a = self._data
        b = other._data if isinstance(other, Tensor) else np.asarray(other)
        if floor.dtype.kind in "iu":  # floor(a / b) + 1 where the quotient is negative, inexact
            inexact = (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
            return Tensor._make(floor._data + inexact.astype(floor.dtype), None)
        with np.errstate(divide="ignore", invalid="ignore"):  # x / 0.0 is +-inf or NaN
            exact = np.trunc(np.true_divide(a, b)).astype(floor.dtype, copy=False)
        # trunc(a / b) itself (floor(a / b) differs even for positive quotients: 1 // 0.1 is
        # 9.0, trunc(1 / 0.1) is 10.0); the gradient (0) comes through ``floor``
        return where(floor._data == exact, floor, exact)

    def pow(self, exponent):
        """self ** exponent (PyTorch's name for ``**``).

        >>> Tensor([2.0, 3.0]).pow(2).tolist()
        [4.0, 9.0]
        """
        return self**exponent

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

    def softmax(self, dim=None, dtype=None, *, axis=None):
        """``functional.softmax`` along ``dim`` (which must be given, as in PyTorch); ``dtype``
        casts the input first.

        >>> Tensor([[0.0, 0.0]]).softmax(1).tolist()
        [[0.5, 0.5]]
        """
        from tinygrad_ce import functional  # the layer above; imported when used

        return functional.softmax(self._softmax_input(dtype), _softmax_dim(axis, dim, "softmax"))

    def log_softmax(self, dim=None, dtype=None, *, axis=None):
        """``functional.log_softmax`` along ``dim`` (which must be given); ``dtype`` casts the
        input first.

        >>> Tensor([0.0, 0.0]).log_softmax(0).exp().tolist()
        [0.5, 0.5]
        """
        from tinygrad_ce import functional

        axis = _softmax_dim(axis, dim, "log_softmax")
        return functional.log_softmax(self._softmax_input(dtype), axis)

    def _softmax_input(self, dtype):
        return self if dtype is None else self.to(dtype)

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
        return ops.Sum.apply(x, axis=axes, keepdims=_keep(keepdims, keepdim)) / count

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
        if axis is None:
            axes = range(self.ndim)
        elif isinstance(axis, tuple | list) and not axis:
            axes = ()  # squeeze(()) names no axis: nothing to drop (PyTorch's)
        else:
            axes = normalize_axes(axis, self.ndim)
        drop = {a for a in axes if self.shape[a] == 1}
        return self.reshape(tuple(n for a, n in enumerate(self.shape) if a not in drop))

    def unsqueeze(self, axis=None, *, dim=None):
        """Insert an axis of size 1 at ``axis`` (negative counts from the end of the result).

        >>> Tensor(np.zeros((2, 3))).unsqueeze(-1).shape
        (2, 3, 1)
        """
        (position,) = normalize_axes(_axis_arg(axis, dim), self.ndim + 1)
        return self.reshape((*self.shape[:position], 1, *self.shape[position:]))

    def transpose(self, *axes, dim0=None, dim1=None):
        """Swap two axes, ``transpose(dim0, dim1)``, as PyTorch's; or, given one tuple or list (or
        three or more axes), permute the axes as ``numpy.transpose``; all reversed when none are
        given.

        >>> Tensor([[1.0, 2.0, 3.0]]).transpose().shape
        (3, 1)
        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).transpose(0, 1).tolist()   # a swap, as PyTorch
        [[1.0, 3.0], [2.0, 4.0]]
        >>> Tensor(np.zeros((2, 3, 4))).transpose(-1, 0).shape
        (4, 3, 2)
        >>> Tensor(np.zeros((2, 3, 4))).transpose((1, 2, 0)).shape     # a permutation, as NumPy
        (3, 4, 2)
        """
        if dim0 is not None or dim1 is not None:  # PyTorch's keywords
            if axes or dim0 is None or dim1 is None:
                raise TypeError("transpose: give both dim0= and dim1=, and no other axes")
            axes = (dim0, dim1)
        swap = len(axes) == 2  # two separate axes: PyTorch's transpose(dim0, dim1)
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
        if swap:
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

    def t(self):
        """The transpose of a 2-d tensor; a 0-d or 1-d tensor as it is (PyTorch's ``t``).

        >>> Tensor([[1.0, 2.0, 3.0]]).t().shape
        (3, 1)
        """
        if self.ndim > 2:
            raise ValueError(
                f"t() expects a tensor with <= 2 dimensions, got shape {self.shape}; use "
                f"transpose(dim0, dim1) or permute(*dims)"
            )
        return self.transpose()

    def permute(self, *dims):
        """The axes in the order ``dims`` (a permutation of all of them, negative ones counting
        from the end; ``permute(2, 0, 1)`` or ``permute((2, 0, 1))``), as PyTorch's.

        >>> Tensor(np.zeros((2, 3, 4))).permute(-1, 0, 1).shape
        (4, 2, 3)
        """
        if not dims:
            raise TypeError("permute needs the order of the dims, e.g. permute(1, 0)")
        if len(dims) == 1 and isinstance(dims[0], tuple | list):
            dims = tuple(dims[0])
        dims = tuple(operator.index(d) for d in dims)
        for d in dims:
            if not -self.ndim <= d < self.ndim:
                raise np.exceptions.AxisError(
                    f"permute: dim {d} is out of range for a tensor with {self.ndim} dimensions"
                )
        normal = tuple(d % self.ndim for d in dims)
        if sorted(normal) != list(range(self.ndim)):
            raise ValueError(
                f"permute: dims {dims} are not a permutation of the {self.ndim} dimensions of a "
                f"tensor of shape {self.shape}"
            )
        return ops.Transpose.apply(self, axes=normal)

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

    def eq(self, other):
        """self == other elementwise, a bool Tensor (PyTorch's name).

        >>> Tensor([1, 2]).eq(Tensor([1, 3])).tolist()
        [True, False]
        """
        return self._compare(other, np.equal)

    def ne(self, other):
        """self != other elementwise, a bool Tensor."""
        return self._compare(other, np.not_equal)

    def lt(self, other):
        """self < other elementwise, a bool Tensor."""
        return self._compare(other, np.less)

    def le(self, other):
        """self <= other elementwise, a bool Tensor."""
        return self._compare(other, np.less_equal)

    def gt(self, other):
        """self > other elementwise, a bool Tensor.

        >>> Tensor([1.0, 2.0]).gt(1.5).tolist()
        [False, True]
        """
        return self._compare(other, np.greater)

    def ge(self, other):
        """self >= other elementwise, a bool Tensor."""
        return self._compare(other, np.greater_equal)

    # The operators are the same comparisons (not differentiable: bool Tensors).
    __eq__, __ne__, __lt__, __le__, __gt__, __ge__ = eq, ne, lt, le, gt, ge

    # ------------------------------------------------------------------ in place

    def _in_place(self, name, value, operand=None):
        """Write ``value`` into this tensor, after the checks (``operand``: what the user gave)."""
        self._check_in_place(name, value if operand is None else operand)
        return self._write(value)

    def _write(self, value):
        self._data[...] = value._data if isinstance(value, Tensor) else value
        self._version_counter.count += 1
        return self

    def _check_in_place(self, name, other=None):
        """In-place changes are not differentiable here: refused while grad is recorded if this
        tensor or the operand requires grad (PyTorch would record them)."""
        if not engine.is_grad_enabled():
            return
        if self.requires_grad:
            raise RuntimeError(
                f"{name}: a tensor that requires grad cannot be changed in place while grad is "
                f"recorded (that is not differentiable here); use `with tg.no_grad():`"
            )
        if isinstance(other, Tensor) and other.requires_grad:
            raise RuntimeError(
                f"{name}: writing a tensor that requires grad into another in place is not "
                f"differentiable here (its gradient would be lost); write x = x + y instead"
            )

    def _in_place_arithmetic(self, name, other, compute, rebind=False):
        """self = compute(self, other), written into this tensor's memory, as PyTorch's ``add_``:
        ``other`` must broadcast to this shape, and the result's dtype must be of this tensor's
        kind (a float result into an integer tensor is refused, as in PyTorch). ``rebind``: the
        result is a new tensor of this shape and dtype instead (``x += y`` while recording)."""
        if not rebind:
            self._check_in_place(name, other)
        shape = np.shape(other._data if isinstance(other, Tensor) else other)
        try:
            fits = np.broadcast_shapes(self.shape, shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"{name}: an operand of shape {shape} does not broadcast to this tensor's shape "
                f"{self.shape} (an in-place result keeps the tensor's shape)"
            )
        with set_grad_enabled(rebind and engine.is_grad_enabled()):
            result = compute(self, _lift(other))
        if not np.can_cast(result.dtype, self.dtype, "same_kind"):
            raise TypeError(
                f"{name}: the result has dtype {result.dtype}, which cannot be stored in place in "
                f"a tensor of dtype {self.dtype} (PyTorch refuses it too, with a RuntimeError); "
                f"use the out-of-place operator"
            )
        if rebind:
            return result if result.dtype == self.dtype else result.to(self.dtype)
        return self._write(result)  # checked above, before any arithmetic

    def zero_(self):
        """Set every element to 0, in place (an in-place change: backward checks for it)."""
        return self._in_place("zero_", 0)

    def fill_(self, value):
        """Set every element to ``value`` (a number or a 0-d tensor), in place."""
        if np.ndim(value._data if isinstance(value, Tensor) else value):
            raise ValueError(
                f"fill_: the value must be a number or 0-d, got shape {np.shape(value)}; use "
                f"copy_ to write an array"
            )
        return self._in_place("fill_", value)

    def copy_(self, src):
        """Copy ``src`` (broadcast to this shape) into this tensor, in place."""
        return self._in_place("copy_", np.broadcast_to(np.asarray(src), self.shape), src)

    def add_(self, other, *, alpha=1):
        """self += alpha * other, in place (``x += other`` too), as PyTorch's ``add_``.

        >>> Tensor([1.0, 2.0]).add_(1).tolist()
        [2.0, 3.0]
        >>> w = Tensor([1.0, 2.0])
        >>> w -= 0.5 * Tensor([2.0, 2.0])   # in place, as in PyTorch: w is the same tensor
        >>> w.tolist()
        [0.0, 1.0]
        """
        return self._in_place_arithmetic("add_", other, lambda x, y: x.add(y, alpha=alpha))

    def sub_(self, other, *, alpha=1):
        """self -= alpha * other, in place (``x -= other`` too)."""
        return self._in_place_arithmetic("sub_", other, lambda x, y: x.sub(y, alpha=alpha))

    def mul_(self, other):
        """self *= other, in place (``x *= other`` too)."""
        return self._in_place_arithmetic("mul_", other, operator.mul)

    def div_(self, other, *, rounding_mode=None):
        """self /= other, in place (``x /= other`` too); ``rounding_mode`` as in ``div``."""
        return self._in_place_arithmetic(
            "div_", other, lambda x, y: x.div(y, rounding_mode=rounding_mode)
        )

    # x += y (and -=, *=, /=, **=, //=, %=): in place, as in PyTorch (p -= lr * p.grad under
    # no_grad updates p). While grad is recorded, on an intermediate or with an operand that
    # requires grad, it is x = x + y, a new node of x's shape and dtype (micrograd's reading;
    # PyTorch records an in-place op with the same values and gradients). A leaf that requires
    # grad is refused, as in PyTorch.
    def _augmented(self, name, other, compute):
        operand_needs_grad = isinstance(other, Tensor) and other.requires_grad
        rebind = engine.is_grad_enabled() and (self.grad_fn is not None or operand_needs_grad)
        if rebind and self.is_leaf and self.requires_grad:
            rebind = False  # in place, which refuses it
        return self._in_place_arithmetic(name, other, compute, rebind)

    def __iadd__(self, other):
        return self._augmented("+=", other, operator.add)

    def __isub__(self, other):
        return self._augmented("-=", other, operator.sub)

    def __imul__(self, other):
        return self._augmented("*=", other, operator.mul)

    def __itruediv__(self, other):
        return self._augmented("/=", other, operator.truediv)

    def __ipow__(self, other):
        return self._augmented("**=", other, operator.pow)

    def __ifloordiv__(self, other):
        return self._augmented("//=", other, operator.floordiv)

    def __imod__(self, other):
        return self._augmented("%=", other, operator.mod)

    # ------------------------------------------------------------------ more elementwise

    def abs(self):
        """|x|, elementwise (gradient 0 at x = 0, as PyTorch).

        >>> abs(Tensor([-1.5, 0.0, 2.0])).tolist()
        [1.5, 0.0, 2.0]
        """
        return ops.Abs.apply(self)

    def __abs__(self):
        return self.abs()

    def sqrt(self):
        """Square root, elementwise (gradient inf at 0, as PyTorch).

        >>> Tensor([4.0, 2.25]).sqrt().tolist()
        [2.0, 1.5]
        """
        return ops.Sqrt.apply(self)

    def rsqrt(self):
        """1 / sqrt(x), elementwise.

        >>> Tensor([4.0, 0.25]).rsqrt().tolist()
        [0.5, 2.0]
        """
        return ops.Rsqrt.apply(self)

    def sin(self):
        """Sine, elementwise."""
        return ops.Sin.apply(self)

    def cos(self):
        """Cosine, elementwise."""
        return ops.Cos.apply(self)

    def tan(self):
        """Tangent, elementwise.

        >>> Tensor([0.0]).tan().tolist()
        [0.0]
        """
        return ops.Tan.apply(self)

    def log2(self):
        """Base-2 logarithm, elementwise.

        >>> Tensor([1.0, 8.0]).log2().tolist()
        [0.0, 3.0]
        """
        return ops.Log2.apply(self)

    def expm1(self):
        """e**x - 1, elementwise, accurate for tiny x.

        >>> Tensor(np.array([1e-20])).expm1().item()
        1e-20
        """
        return ops.Expm1.apply(self)

    def erf(self):
        """The error function, elementwise (``math.erf`` on each element).

        >>> Tensor(np.array([0.0, 0.5])).erf().tolist()
        [0.0, 0.5204998778130465]
        """
        return ops.Erf.apply(self)

    def sign(self):
        """-1, 0 or 1 by the sign of each element, and 0 at NaN (zero gradient), as PyTorch's
        (NumPy's sign gives NaN there).

        >>> Tensor([-2.0, 0.0, 3.0]).sign().tolist()
        [-1.0, 0.0, 1.0]
        """
        return ops.Sign.apply(self)

    def floor(self):
        """Round down, elementwise (zero gradient).

        >>> Tensor([-1.5, 1.5]).floor().tolist()
        [-2.0, 1.0]
        """
        return ops.Floor.apply(self)

    def ceil(self):
        """Round up, elementwise (zero gradient).

        >>> Tensor([-1.5, 1.5]).ceil().tolist()
        [-1.0, 2.0]
        """
        return ops.Ceil.apply(self)

    def round(self, decimals=0, *, out=None):
        """Round to ``decimals`` places, halves to even as NumPy and PyTorch (zero gradient).

        >>> Tensor([0.5, 1.5, 2.5, -0.5]).round().tolist()
        [0.0, 2.0, 2.0, -0.0]
        >>> np.round(Tensor([1.26]), 1).tolist()
        [1.3]
        """
        _numpy_call(self, None, out)
        return ops.Round.apply(self, decimals=operator.index(decimals))

    def trunc(self):
        """Round towards 0, elementwise (zero gradient).

        >>> Tensor([-1.7, 1.7]).trunc().tolist()
        [-1.0, 1.0]
        """
        return ops.Trunc.apply(self)

    def isnan(self):
        """A bool Tensor: where the elements are NaN.

        >>> Tensor([1.0, float("nan"), float("inf")]).isnan().tolist()
        [False, True, False]
        """
        return Tensor._make(np.asarray(np.isnan(self._data)), None)

    def isinf(self):
        """A bool Tensor: where the elements are +inf or -inf."""
        return Tensor._make(np.asarray(np.isinf(self._data)), None)

    def isfinite(self):
        """A bool Tensor: where the elements are neither infinite nor NaN."""
        return Tensor._make(np.asarray(np.isfinite(self._data)), None)

    # ------------------------------------------------------------------ more binary

    def maximum(self, other):
        """Elementwise maximum with ``other`` (see ``tinygrad_ce.maximum``)."""
        return maximum(self, other)

    def minimum(self, other):
        """Elementwise minimum with ``other`` (see ``tinygrad_ce.minimum``)."""
        return minimum(self, other)

    def clamp(self, min=None, max=None, *, out=None):
        """Limit the elements to [min, max] (see ``tinygrad_ce.clip``); ``clip`` is an alias.

        >>> Tensor([-2.0, 0.5, 3.0]).clamp(-1, 1).tolist()
        [-1.0, 0.5, 1.0]
        >>> Tensor([-2.0, 0.5, 3.0]).clamp(max=0).tolist()
        [-2.0, 0.0, 0.0]
        """
        _numpy_call(self, None, out)
        return clip(self, min, max)

    def clip(self, min=None, max=None, *, out=None):
        """An alias of ``clamp`` (NumPy's and PyTorch's name)."""
        return self.clamp(min, max, out=out)

    def clamp_min(self, min):
        """``clamp(min=min)``: elements below ``min`` become ``min`` (a number or a Tensor).

        >>> Tensor([-1.0, 2.0]).clamp_min(0).tolist()
        [0.0, 2.0]
        """
        return clip(self, min, None)

    def clamp_max(self, max):
        """``clamp(max=max)``: elements above ``max`` become ``max``.

        >>> Tensor([-1.0, 2.0]).clamp_max(0).tolist()
        [-1.0, 0.0]
        """
        return clip(self, None, max)

    def remainder(self, other):
        """x % other with the sign of ``other``, as Python, NumPy and ``torch.remainder``.

        The gradient is 1 with respect to x and -floor(x / other) with respect to ``other``.

        >>> (Tensor([5.0, -5.0, 5.0]) % Tensor([3.0, 3.0, -3.0])).tolist()
        [2.0, 1.0, -1.0]
        """
        return ops.Remainder.apply(self, _lift(other))

    def __mod__(self, other):
        return self.remainder(other)

    def __rmod__(self, other):
        return ops.Remainder.apply(_lift(other), self)

    def floor_divide(self, other):
        """floor(x / other), as Python's // (so x == other * (x // other) + x % other).

        Zero gradient (PyTorch has none: its backward raises).

        >>> (Tensor([5.0, -5.0]) // 3).tolist()
        [1.0, -2.0]
        """
        return ops.FloorDivide.apply(self, _lift(other))

    def __floordiv__(self, other):
        return self.floor_divide(other)

    def __rfloordiv__(self, other):
        return ops.FloorDivide.apply(_lift(other), self)

    # ------------------------------------------------------------------ more reductions

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None, out=None):
        """Minimum over ``axis`` (values only, like ``torch.amin``; ``argmin`` gives indices).

        Tied minima share the gradient equally.

        >>> Tensor([[1.0, 5.0], [7.0, 2.0]]).min(axis=-1)
        Tensor([1., 2.])
        """
        _numpy_call(self, None, out)
        axes = normalize_axes(_axis_arg(axis, dim), self.ndim)
        return ops.Min.apply(self, axis=axes, keepdims=_keep(keepdims, keepdim))

    def prod(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None, out=None):
        """Product over ``axis`` (an int, a tuple or list, or None for all); its gradient is
        right where elements are 0 too.

        >>> x = Tensor([[2.0, 0.0, 3.0]], requires_grad=True)
        >>> x.prod(axis=1).backward(np.ones(1))
        >>> x.grad
        array([[0., 6., 0.]], dtype=float32)
        """
        x = _numpy_call(self, dtype, out)
        axes = normalize_axes(_axis_arg(axis, dim), self.ndim)
        return ops.Prod.apply(x, axis=axes, keepdims=_keep(keepdims, keepdim))

    def cumsum(self, axis=None, *, dim=None, dtype=None, out=None):
        """Running sum along ``axis``; with no axis, over the flattened tensor (NumPy's rule;
        PyTorch requires ``dim``).

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).cumsum(dim=-1).tolist()
        [[1.0, 3.0], [3.0, 7.0]]
        """
        x = _numpy_call(self, dtype, out)
        axis = _axis_arg(axis, dim)
        if axis is None:
            return ops.Cumsum.apply(x.reshape(-1), axis=0)
        if isinstance(axis, tuple | list):
            raise TypeError(f"cumsum takes one axis, got {axis!r}")
        axes = normalize_axes(axis, self.ndim)
        if self.ndim == 0:  # one element: its running sum is itself
            return ops.Cumsum.apply(x.reshape(1), axis=0).reshape(())
        return ops.Cumsum.apply(x, axis=axes[0])

    def var(
        self,
        axis=None,
        unbiased=None,
        keepdims=False,
        *,
        dim=None,
        keepdim=None,
        correction=None,
        ddof=None,
        dtype=None,
        out=None,
    ):
        """Variance over ``axis``: sum((x - mean)**2) / (N - correction), ``correction=1`` by
        default (PyTorch's; ``unbiased=False`` or NumPy's ``ddof=0`` give the population
        variance, and ``np.var(t)`` passes ddof=0).

        Where N - correction <= 0 the result is inf, or NaN where the slice is constant, with a
        RuntimeWarning, as in PyTorch.

        >>> Tensor([1.0, 2.0, 3.0, 4.0]).var()
        Tensor(1.6666666)
        >>> Tensor([[1.0, 3.0], [2.0, 2.0]]).var(dim=1, correction=0).tolist()
        [1.0, 0.0]
        """
        x = _numpy_call(self, dtype, out)
        keep = _keep(keepdims, keepdim)
        correction = _correction(unbiased, correction, ddof)
        return _variance(x, _axis_arg(axis, dim), keep, correction, "var")

    def std(
        self,
        axis=None,
        unbiased=None,
        keepdims=False,
        *,
        dim=None,
        keepdim=None,
        correction=None,
        ddof=None,
        dtype=None,
        out=None,
    ):
        """Standard deviation over ``axis``: the square root of ``var`` (same arguments).

        Where it is 0 (a constant slice) its gradient is 0, as in PyTorch (not 0 * inf = NaN).

        >>> Tensor([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).std(correction=0)
        Tensor(2.)
        """
        x = _numpy_call(self, dtype, out)
        keep = _keep(keepdims, keepdim)
        correction = _correction(unbiased, correction, ddof)
        v = _variance(x, _axis_arg(axis, dim), keep, correction, "std")
        # sqrt'(0) is inf: take the root of 1 where the variance is 0 and select 0 there.
        nonzero = v._data != 0  # a constant mask; NaN counts as nonzero and stays NaN
        if nonzero.all():
            return v.sqrt()
        return where(nonzero, where(nonzero, v, 1.0).sqrt(), 0.0)

    def all(self, axis=None, keepdims=False, *, dim=None, keepdim=None, out=None):
        """Whether every element (along ``axis``) is true: a bool Tensor.

        >>> Tensor([[1.0, 0.0], [2.0, 3.0]]).all(axis=1).tolist()
        [False, True]
        """
        _numpy_call(self, None, out)
        axes = normalize_axes(_axis_arg(axis, dim), self.ndim)
        result = np.all(self._data, axis=axes, keepdims=_keep(keepdims, keepdim))
        return Tensor._make(np.asarray(result), None)

    def any(self, axis=None, keepdims=False, *, dim=None, keepdim=None, out=None):
        """Whether some element (along ``axis``) is true: a bool Tensor.

        >>> Tensor([[1.0, 0.0], [0.0, 0.0]]).any(dim=-1).tolist()
        [True, False]
        """
        _numpy_call(self, None, out)
        axes = normalize_axes(_axis_arg(axis, dim), self.ndim)
        result = np.any(self._data, axis=axes, keepdims=_keep(keepdims, keepdim))
        return Tensor._make(np.asarray(result), None)

    # ------------------------------------------------------------------ more shape

    def flip(self, *dims):
        """Reverse the order of the elements along ``dims`` (``flip(0, 1)`` or ``flip((0, 1))``);
        a copy, as PyTorch's.

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).flip(-1).tolist()
        [[2.0, 1.0], [4.0, 3.0]]
        """
        if not dims:
            raise TypeError("flip needs the dims to flip, e.g. flip(0) or flip((0, 1))")
        if len(dims) == 1 and isinstance(dims[0], tuple | list):
            dims = tuple(dims[0])
        # flip(()) flips nothing (a copy, as PyTorch's); normalize_axes would read () as all axes
        axes = normalize_axes(dims, self.ndim) if dims else ()
        return ops.Flip.apply(self, axis=axes)

    def expand(self, *sizes):
        """This tensor broadcast to ``sizes`` (a read-only view, no copy, as PyTorch's): a size-1
        dimension may become any size, -1 keeps a dimension, and new dimensions may be added in
        front.

        >>> Tensor([[1.0], [2.0]]).expand(2, 3).tolist()
        [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
        >>> Tensor([1.0, 2.0]).expand(3, -1).shape
        (3, 2)
        """
        if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
            sizes = tuple(sizes[0])
        sizes = tuple(operator.index(n) for n in sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(
                f"expand: the sizes {sizes} must have at least as many dimensions as the "
                f"tensor of shape {self.shape}"
            )
        shape = []
        for i, n in enumerate(sizes):
            old = self.shape[i - lead] if i >= lead else None
            if n == -1 and old is not None:
                n = old
            if n < 0 or (old is not None and old not in (1, n)):
                where_ = "a new leading dimension" if old is None else f"a dimension of size {old}"
                raise ValueError(
                    f"expand: cannot expand shape {self.shape} to {sizes}: size {sizes[i]} at "
                    f"position {i} is {where_} (only size-1 dimensions stretch; -1 keeps one)"
                )
            shape.append(n)
        return ops.Expand.apply(self, shape=tuple(shape))

    def repeat(self, *repeats):
        """Tile the tensor: ``repeats[i]`` copies along dimension i (as ``numpy.tile``; there
        must be at least ``ndim`` repeats, extra ones add dimensions in front, as PyTorch's).

        >>> Tensor([1.0, 2.0]).repeat(2, 2).tolist()
        [[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]
        """
        if len(repeats) == 1 and isinstance(repeats[0], tuple | list):
            repeats = tuple(repeats[0])
        repeats = tuple(operator.index(r) for r in repeats)
        if len(repeats) < self.ndim or any(r < 0 for r in repeats):
            raise ValueError(
                f"repeat: {repeats} must give a non-negative count for each of the "
                f"{self.ndim} dimensions of shape {self.shape} (extra counts add dimensions)"
            )
        shape = (1,) * (len(repeats) - self.ndim) + self.shape
        # (s0, s1, ...) -> (1, s0, 1, s1, ...) -> expanded (r0, s0, r1, s1, ...) -> merged
        spread = self.reshape(tuple(n for s in shape for n in (1, s)))
        tiled = spread.expand(tuple(n for r, s in zip(repeats, shape) for n in (r, s)))
        return tiled.reshape(tuple(r * s for r, s in zip(repeats, shape)))

    def unflatten(self, dim, sizes):
        """Split dimension ``dim`` into ``sizes`` (one of them may be -1).

        >>> Tensor(np.zeros((2, 6))).unflatten(1, (3, -1)).shape
        (2, 3, 2)
        """
        if self.ndim == 0:
            raise ValueError("unflatten: a 0-d tensor has no dimension to split")
        (axis,) = normalize_axes(dim, self.ndim)
        sizes = tuple(operator.index(n) for n in sizes)
        side = self.shape[axis]
        known = math.prod(n for n in sizes if n != -1)
        if (
            not sizes
            or sizes.count(-1) > 1
            or any(n < -1 for n in sizes)
            or (-1 not in sizes and known != side)
            or (-1 in sizes and (known == 0 or side % known))
        ):
            raise ValueError(
                f"unflatten: sizes {sizes} do not multiply to {side}, the size of dimension "
                f"{dim} of shape {self.shape}"
            )
        sizes = tuple(side // known if n == -1 else n for n in sizes)
        return self.reshape((*self.shape[:axis], *sizes, *self.shape[axis + 1 :]))

    def gather(self, dim, index):
        """out[i][j][k] = self[index[i][j][k]][j][k] for dim 0 (likewise for other dims), as
        ``torch.gather``: ``index`` has the tensor's ndim and, except along ``dim``, sides no
        larger than its. Repeated indices add up their gradients.

        >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> x.gather(1, [[0, 0], [1, 0]]).tolist()
        [[1.0, 1.0], [4.0, 3.0]]
        """
        index = index._data if isinstance(index, Tensor) else np.asarray(index)
        if index.dtype.kind not in "iu":
            raise TypeError(f"gather: index must hold integers, got dtype {index.dtype}")
        if index.ndim != self.ndim:
            raise ValueError(
                f"gather: index of shape {index.shape} must have as many dimensions as the "
                f"input of shape {self.shape}"
            )
        if self.ndim == 0:  # gather from a 0-d tensor as from its one-element vector
            return self.reshape(1).gather(0, index.reshape(1)).reshape(())
        (axis,) = normalize_axes(dim, self.ndim)
        for d, (n, side) in enumerate(zip(index.shape, self.shape)):
            if d != axis and n > side:
                raise ValueError(
                    f"gather: index of shape {index.shape} is larger than the input of shape "
                    f"{self.shape} in dimension {d} (only dimension {axis} may differ)"
                )
        side = self.shape[axis]
        bad = (index < 0) | (index >= side)
        if bad.any():
            raise IndexError(
                f"gather: index {index[bad].flat[0]} is out of bounds for dimension {dim} with "
                f"size {side}"
            )
        grid = list(np.indices(index.shape, sparse=True))  # index's own positions elsewhere
        grid[axis] = index
        return self[tuple(grid)]

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` (bool) is True, else this tensor; the result has this tensor's
        dtype and the shape the two broadcast to (this tensor's, unless the mask is bigger, as in
        PyTorch). ``value`` is a number or a 0-d Tensor (which then gets the gradient of the
        filled places).

        >>> x = Tensor([1.0, 2.0, 3.0])
        >>> x.masked_fill(x > 1.5, 0.0).tolist()
        [1.0, 0.0, 0.0]
        """
        mask = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_fill: mask must be bool, got dtype {mask.dtype}")
        try:
            np.broadcast_shapes(mask.shape, self.shape)
        except ValueError:
            raise ValueError(
                f"masked_fill: mask of shape {mask.shape} does not broadcast with the tensor's "
                f"shape {self.shape}"
            ) from None
        if isinstance(value, Tensor):
            if value.ndim:
                raise ValueError(
                    f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}"
                )
            value = value.to(self.dtype)
        else:
            value = np.asarray(value, dtype=self.dtype)
        return where(mask, value, self)


def _index_part(part):
    """One part of an index, as NumPy takes it: Tensors give a copy of their data, arrays are
    copied (the graph keeps the index until backward, and its owner may change it); an empty
    list is an empty integer index (NumPy would read it as floats)."""
    if isinstance(part, Tensor | np.ndarray):
        return np.array(part._data if isinstance(part, Tensor) else part)
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
        if len(a_shape) > 2 or len(b_shape) > 2:  # batch axes (matrices alone have none)
            np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: shapes {a_shape} and {b_shape} do not match") from None
    return ops.MatMul.apply(a, b)


def where(condition, x, y):
    """Elementwise ``x`` where ``condition`` holds, else ``y`` (differentiable in ``x`` and ``y``).

    Two numbers give PyTorch's dtype for them (Python floats float32, ints int64, bools bool).

    >>> a = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    >>> where(a > 0, a, 0.0).sum().backward()
    >>> a.grad
    array([1., 0., 1.], dtype=float32)
    >>> where(a > 0, 1.0, 0.0)
    Tensor([1., 0., 1.])
    """
    # A copy of the condition: the graph keeps it until backward, and the caller's may change.
    condition = np.array(condition._data if isinstance(condition, Tensor) else condition, bool)
    if isinstance(x, int | float | np.generic) and isinstance(y, int | float | np.generic):
        # two numbers: the result has PyTorch's dtype for them (1.0 and 0.0 give float32); it
        # reads NumPy scalars as Python numbers here (np.uint8(200) and True give int64)
        dtype = as_array([v.item() if isinstance(v, np.generic) else v for v in (x, y)]).dtype
        x, y = np.array(x, dtype), np.array(y, dtype)
    return ops.Where.apply(_lift(x), _lift(y), condition=condition)


# --------------------------------------------------------------------------- more top-level ops

__all__ += ["cat", "clamp", "clip", "full_like", "maximum", "minimum", "stack"]


def _correction(unbiased, correction, ddof):
    """The one of PyTorch's ``unbiased``/``correction`` and NumPy's ``ddof`` given (default 1)."""
    given = {"unbiased": unbiased, "correction": correction, "ddof": ddof}
    given = {name: value for name, value in given.items() if value is not None}
    if len(given) > 1:
        raise TypeError(f"give one of unbiased, correction and ddof, got {' and '.join(given)}")
    if unbiased is not None:
        return int(bool(unbiased))
    value = next(iter(given.values()), 1)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"correction must be a non-negative number, got {value!r}")
    return value


def _variance(x, axis, keepdims, correction, function):
    """sum((x - mean)**2) / (N - correction) over ``axis``, composed from Tensor ops."""
    axes = normalize_axes(axis, x.ndim)
    count = math.prod(x.shape[a] for a in axes)
    # The mean is a constant here: its own gradient, -2/(N - correction) * sum(x - mean) per
    # element, is exactly 0, so leaving it out changes nothing but rounding. It also keeps
    # inf * 0 from turning every gradient into NaN when N - correction <= 0 (PyTorch's formula
    # is 2 * (x - mean) / (N - correction) too).
    centered = x - x.detach().mean(axis=axes, keepdims=True)
    squares = (centered * centered).sum(axis=axes, keepdims=keepdims)
    if count - correction > 0:
        return squares / (count - correction)
    warnings.warn(
        f"{function}(): degrees of freedom is <= 0 ({count} elements, correction={correction}):"
        f" the result is inf, or NaN for a constant slice",
        RuntimeWarning,
        stacklevel=3,
    )
    with np.errstate(invalid="ignore"):  # 0 * inf = NaN for a constant slice, as in PyTorch
        return squares * math.inf


def _axis_or_dim(axis, dim, default=0):
    """``dim=`` replaces an ``axis`` left at its default; giving both differently is an error."""
    if dim is None:
        return axis
    if axis != default and axis != dim:
        raise TypeError(f"give either axis or dim, not both (got axis={axis}, dim={dim})")
    return dim


def _operands(tensors, function):
    """The inputs of cat/stack: a non-empty sequence; arrays stay (constant inputs), anything
    else becomes a Tensor (Python floats float32, as always)."""
    if isinstance(tensors, Tensor | np.ndarray) or not isinstance(tensors, list | tuple):
        raise TypeError(
            f"{function}: expected a list or tuple of tensors, got {type(tensors).__name__}"
        )
    if not tensors:
        raise ValueError(f"{function}: expected a non-empty list of tensors")
    return [t if isinstance(t, Tensor | np.ndarray) else Tensor(t) for t in tensors]


def cat(tensors, axis=0, *, dim=None):
    """Join tensors along an existing ``axis`` (PyTorch's ``cat``, NumPy's ``concatenate``).

    Their shapes must agree except along ``axis``; dtypes promote as NumPy's. Each input gets
    its slice of the gradient.

    >>> a = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = cat([a, Tensor([[3.0, 4.0], [5.0, 6.0]])], dim=0)
    >>> y.shape
    (3, 2)
    >>> y.sum().backward()
    >>> a.grad
    array([[1., 1.]], dtype=float32)
    """
    tensors = _operands(tensors, "cat")
    shapes = [np.shape(t) for t in tensors]
    ndim = len(shapes[0])
    if ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be joined; use stack")
    (axis,) = normalize_axes(_axis_or_dim(axis, dim), ndim)
    for k, shape in enumerate(shapes):
        differ = len(shape) != ndim or any(
            n != m for a, (n, m) in enumerate(zip(shape, shapes[0])) if a != axis
        )
        if differ:
            raise ValueError(
                f"cat: tensor {k} has shape {shape} and tensor 0 shape {shapes[0]}: shapes "
                f"must match except along axis {axis}"
            )
    return ops.Cat.apply(*tensors, axis=axis)


def stack(tensors, axis=0, *, dim=None):
    """Join tensors of one shape along a new ``axis`` (in [-(ndim + 1), ndim]).

    >>> a = Tensor([1.0, 2.0])
    >>> stack([a, a * 10], dim=-1).tolist()
    [[1.0, 10.0], [2.0, 20.0]]
    """
    tensors = _operands(tensors, "stack")
    shapes = [np.shape(t) for t in tensors]
    for k, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ValueError(
                f"stack: tensor {k} has shape {shape} and tensor 0 shape {shapes[0]}: stack "
                f"needs tensors of one shape"
            )
    (axis,) = normalize_axes(_axis_or_dim(axis, dim), len(shapes[0]) + 1)
    return ops.Stack.apply(*tensors, axis=axis)


def maximum(a, b):
    """Elementwise maximum, broadcasting; NaN if either is NaN. At a tie each input gets half
    the gradient, as ``torch.maximum``.

    >>> a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> maximum(a, 2.0).backward(np.ones(3))
    >>> a.grad
    array([0. , 0.5, 1. ], dtype=float32)
    """
    return ops.Maximum.apply(_lift(a), _lift(b))


def minimum(a, b):
    """Elementwise minimum, broadcasting; NaN if either is NaN; a tie shares the gradient.

    >>> minimum(Tensor([1.0, 5.0]), Tensor([3.0, 4.0])).tolist()
    [1.0, 4.0]
    """
    return ops.Minimum.apply(_lift(a), _lift(b))


def clip(x, lo=None, hi=None, *, min=None, max=None):
    """Limit ``x`` to [lo, hi] (PyTorch's ``clamp``; ``min=``/``max=`` are aliases of lo/hi).

    Either bound may be None (no bound), a number, or a Tensor broadcasting with ``x`` (which
    gets a gradient too). Where lo > hi every element is hi, as in NumPy and PyTorch. The
    gradient passes where lo <= x <= hi, bounds included, as PyTorch's clamp.

    >>> x = Tensor([-2.0, -1.0, 0.5, 1.0, 3.0], requires_grad=True)
    >>> clip(x, -1.0, 1.0).sum().backward()
    >>> x.grad
    array([0., 1., 1., 1., 0.], dtype=float32)
    """
    if min is not None or max is not None:
        if lo is not None or hi is not None:
            raise TypeError("clip: give the bounds as lo/hi or as min/max, not both")
        lo, hi = min, max
    if lo is None and hi is None:
        raise ValueError("clip: at least one of the bounds (lo or hi) must not be None")
    if not isinstance(x, Tensor):
        x = Tensor(x)
    return ops.Clip.apply(x, _lift(lo), _lift(hi))


clamp = clip


def full_like(input, fill_value, *, dtype=None, requires_grad=False):
    """A new tensor of ``input``'s shape filled with ``fill_value``, of ``input``'s dtype unless
    ``dtype`` is given (as ``torch.full_like``: a float value in an integer tensor truncates).

    >>> full_like(Tensor([[1.0, 2.0]]), 7)
    Tensor([[7., 7.]])
    """
    array = input._data if isinstance(input, Tensor) else np.asarray(input)
    dtype = array.dtype if dtype is None else np.dtype(dtype)
    return Tensor(np.full(array.shape, fill_value, dtype=dtype), requires_grad=requires_grad)


# engine.Tensor inherits TensorMethods, and the ops need engine.Function: both modules are
# mid-import when this line runs, so it comes last; engine sets ``Tensor`` here once it exists.
from tinygrad_ce import engine, ops  # noqa: E402

Tensor = None  # set by engine: engine.Tensor

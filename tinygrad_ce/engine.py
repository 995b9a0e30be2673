"""The autodiff engine: ``Tensor``, the ``Function`` base class, ``no_grad`` and the backward walk.

How a graph is recorded: every differentiable operation is a ``Function``. ``Function.apply``
runs the op's ``forward`` on NumPy arrays and, when some input requires grad, keeps the
``Function`` instance as the output's ``grad_fn``. That instance is the graph node: it holds the
arrays ``forward`` saved and, in ``inputs``, an edge per forward input: the node that computed
that input, the input itself when it is a leaf, or None when it needs no gradient. Edges point
from a result back to what it was computed from, so a graph has no reference cycles and is freed
by reference counting as soon as the last tensor of it is dropped. Edges lead to nodes, not to
intermediate tensors, so an intermediate array that no backward saved is freed right away.

How a gradient is computed (``Tensor.backward``): count, for every node, how many nodes of the
graph consume its output; then walk from the output, running a node's ``backward`` once all its
consumers have passed their gradient to it. That is a topological order found without recursion,
so graphs of any depth work. Gradients of intermediate nodes live in a dict for the duration of
the walk; only leaves keep theirs, in ``.grad``.

Memory: the walk never writes into an array it did not make, except where it knows no one else
holds it: sums it allocated itself, and the results of ops marked ``fresh_gradients``. Those it
adds into in place and gives to leaves without copying. Indexing's gradient is a
``ScatterGradient`` (zero except at the picked entries) that is added in where it lands, so a
gather from a large array never builds a large array of zeros.

The primitive ops themselves live in ``tinygrad_ce.ops``; this file only dispatches to them.
"""

from __future__ import annotations

import functools
import inspect
import math
import threading

import numpy as np

# --------------------------------------------------------------------------- grad mode


class _ThreadState(threading.local):
    """Per-thread switches: ``no_grad`` in one thread must not stop recording in another."""

    def __init__(self):
        self.grad_enabled = True
        self.saved = []  # grad_enabled values to restore, one per open no_grad block
        # Callables observe(node, grad, input_grads) run at each node of a backward walk;
        # ``tinygrad_ce.viz.trace`` uses this to print the chain rule step by step.
        self.backward_observers = []


_state = _ThreadState()


def is_grad_enabled() -> bool:
    """Whether ops record a graph in the current thread.

    >>> is_grad_enabled()
    True
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return _state.grad_enabled


class no_grad:
    """Context manager and decorator: ops inside it record no graph (in this thread only).

    As a decorator it works with or without parentheses, and on generator functions too (the
    generator runs without grad each time it is resumed).

    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    >>> @no_grad()
    ... def predict(x):
    ...     return x * w
    >>> predict(Tensor([3.0, 4.0])).requires_grad
    False
    """

    def __new__(cls, func=None):
        self = super().__new__(cls)
        return self if func is None else self(func)  # bare @no_grad: decorate at once

    def __enter__(self):
        _state.saved.append(_state.grad_enabled)
        _state.grad_enabled = False
        return self

    def __exit__(self, *exc_info):
        _state.grad_enabled = _state.saved.pop()
        return False

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator_without_grad(*args, **kwargs):
                generator = func(*args, **kwargs)
                resume, value = generator.send, None
                while True:
                    try:
                        with no_grad():
                            request = resume(value)
                    except StopIteration as stop:
                        return stop.value
                    try:
                        value, resume = (yield request), generator.send
                    except GeneratorExit:
                        generator.close()
                        raise
                    except BaseException as error:  # thrown in: pass it on, still without grad
                        value, resume = error, generator.throw

            return generator_without_grad

        @functools.wraps(func)
        def without_grad(*args, **kwargs):
            with no_grad():
                return func(*args, **kwargs)

        return without_grad


# --------------------------------------------------------------------------- Function


class Function:
    """Base class of every differentiable op; an instance is one node of a graph (the ``ctx``).

    Subclasses write two static methods, side by side:

    - ``forward(ctx, *arrays, **kwargs)``: NumPy arrays in, one NumPy array out. Save what
      ``backward`` needs with ``ctx.save_for_backward(...)`` or as attributes of ``ctx``.
    - ``backward(ctx, grad)``: the gradient of the output in, one gradient per forward input out
      (a tuple, or a single array for a one-input op; ``None`` where no gradient is needed).
      A gradient may have the broadcast shape: the engine sums it back to the input's shape.
      ``grad`` is read-only: compute new arrays (``grad * mask``), never write into it.

    ``Op.apply(*inputs, **kwargs)`` takes Tensors (other positional values are constants that get
    no gradient), returns a Tensor, and records the graph. Keyword arguments reach ``forward``
    unchanged and are not differentiated.

    >>> class Square(Function):
    ...     '''y = x**2;  dy/dx = 2x'''
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 2 * x
    >>> x = Tensor([1.0, 3.0], requires_grad=True)
    >>> Square.apply(x).sum().backward()
    >>> x.grad
    array([2., 6.], dtype=float32)
    """

    # Set by ``apply`` (declared here so readers and linters see them). Besides these, a node
    # that is recorded gets ``inputs`` (its edges), ``output_shape`` and ``output_dtype``.
    needs_input_grad: tuple[bool, ...] = ()
    saved_tensors: tuple = ()

    # Two promises an op may make, so the engine can reuse gradient arrays instead of copying
    # them (which saves memory and a pass over it). Leave them False when in doubt.
    # fresh_gradients: every array backward returns is newly allocated and referenced nowhere
    # else (a different one for each input; not ``grad``, not a view of it or of a saved array).
    fresh_gradients = False
    # passes_grad_on: backward may return the ``grad`` it got, unchanged, and keeps no
    # reference to it (``Add``, ``Sub``).
    passes_grad_on = False

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    def save_for_backward(self, *arrays):
        """Keep arrays for ``backward``; read them back as ``ctx.saved_tensors``."""
        self.saved_tensors = arrays

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run ``forward`` on the inputs' arrays and record the node when a gradient is needed."""
        ctx = cls()
        recording = _state.grad_enabled
        arrays, needs, any_need = [], [], False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                need = recording and x.requires_grad
                any_need = any_need or need
                needs.append(need)
            else:  # a constant: a number or a NumPy array
                arrays.append(x)
                needs.append(False)
        ctx.needs_input_grad = needs = tuple(needs)
        out = cls.forward(ctx, *arrays, **kwargs)
        if type(out) is not np.ndarray:
            out = np.asarray(out)  # NumPy reductions and scalar indexing return NumPy scalars
        if any_need and out.dtype.kind == "f":
            # One edge per input: the node that made it, or the leaf itself. Intermediate tensors
            # and constants are not referenced, so their arrays are freed unless forward saved them.
            ctx.inputs = tuple(
                [
                    (x if x.grad_fn is None else x.grad_fn) if need else None
                    for x, need in zip(inputs, needs)
                ]
            )
            ctx.output_shape = out.shape
            ctx.output_dtype = out.dtype
            return Tensor._make(out, ctx)
        return Tensor._make(out, None)

    def __repr__(self):
        return f"<{type(self).__name__}>"


# --------------------------------------------------------------------------- Tensor


def _as_array(data, dtype):
    """The array a new Tensor holds: always a copy, with the contract's dtype rules."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray | np.generic):
        array = np.array(data, dtype=dtype)  # a NumPy array keeps its dtype
    else:
        array = np.array(data, dtype=dtype)
        if dtype is None and array.dtype.kind == "f":
            array = array.astype(np.float32)  # Python floats become float32, as in PyTorch
        elif dtype is None and array.dtype.kind in "iu":
            array = array.astype(np.int64)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"Tensor data must be boolean, integer or floating, got dtype {array.dtype} "
            f"from {type(data).__name__}"
        )
    return array


def _lift(value):
    """An operand for a binary op: Tensors and NumPy values pass through; lists become Tensors.

    Python scalars stay Python scalars so that NumPy's promotion rules apply
    (``float32 tensor * 2.0`` stays float32).
    """
    if isinstance(value, list | tuple):
        return Tensor(value)
    return value


def _axis_arg(axis, dim):
    if dim is not None:
        if axis is not None:
            raise TypeError("give either axis or dim, not both")
        return dim
    return axis


class Tensor:
    """An n-d array with reverse-mode autodiff.

    ``data`` is a NumPy array (a copy of what you pass). NumPy arrays keep their dtype; Python
    floats become float32 and Python ints int64. Only floating tensors may require grad.

    A NumPy array used directly as an operand (``t * mask``) is a constant and is not copied,
    like ``torch.from_numpy``: do not change it before ``backward`` has run.

    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([[2., 4.],
           [6., 8.]], dtype=float32)
    """

    __slots__ = ("__weakref__", "data", "grad", "grad_fn", "requires_grad")
    # NumPy defers to our reflected operators, so ``ndarray + Tensor`` is a Tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require grad, got dtype {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.grad_fn = None

    @classmethod
    def _make(cls, data, grad_fn):
        """A tensor computed by an op: no copy, and it requires grad iff it has a node."""
        tensor = cls.__new__(cls)
        tensor.data = data
        tensor.grad = None
        tensor.grad_fn = grad_fn
        tensor.requires_grad = grad_fn is not None
        return tensor

    # ------------------------------------------------------------------ array facts

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        return self.data.size

    @property
    def is_leaf(self):
        """True for tensors made by the user (not by an op that recorded a graph)."""
        return self.grad_fn is None

    def numpy(self):
        """The underlying NumPy array (shared, not copied; like PyTorch's ``numpy()``)."""
        return self.data

    def item(self):
        """The single element as a Python number.

        >>> Tensor([2.5]).item()
        2.5
        """
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        """The data as (nested) Python lists.

        >>> Tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return self.data.tolist()

    def detach(self):
        """A tensor sharing this one's data, cut from the graph (gradients stop here).

        >>> x = Tensor([1.0], requires_grad=True)
        >>> (x * 2).detach().requires_grad
        False
        """
        return Tensor._make(self.data, None)

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self):
        return len(self.data)

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = ""
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extras += f", dtype={self.data.dtype}"
        if self.grad_fn is not None:
            extras += f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"Tensor({body}{extras})"

    __hash__ = object.__hash__  # comparisons return arrays, so keep identity hashing

    # ------------------------------------------------------------------ backward

    def backward(self, grad=None):
        """Accumulate d(self)/d(leaf), weighted by ``grad``, into ``.grad`` of every leaf.

        ``grad`` is the gradient of some final scalar with respect to this tensor; it may be left
        out only when this tensor holds one element (it is then 1). Leaves accumulate (``+=``)
        across calls, like PyTorch: zero them yourself between steps.

        >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).backward(grad=[1.0, 0.0, -1.0])
        >>> x.grad
        array([ 2.,  0., -6.], dtype=float32)
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the ops that "
                "made it had requires_grad=True (or it was computed under no_grad)"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a grad argument needs a one-element tensor, got shape "
                    f"{self.shape}; pass grad= of that shape (e.g. loss.sum().backward())"
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
            if grad.shape != self.data.shape:
                raise RuntimeError(
                    f"backward() grad has shape {grad.shape}, but the tensor has shape "
                    f"{self.shape}; they must be equal"
                )
            grad = grad.astype(self.data.dtype, copy=False)
        _backward_walk(self, grad)

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
        return ops.MatMul.apply(self, _lift(other))

    def __rmatmul__(self, other):
        return ops.MatMul.apply(_lift(other), self)

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

    def sum(self, axis=None, keepdims=False, *, dim=None):
        """Sum over ``axis`` (an int, a tuple of ints, or None for all).

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=0)
        Tensor([4., 6.])
        """
        return ops.Sum.apply(self, axis=_axis_arg(axis, dim), keepdims=keepdims)

    def mean(self, axis=None, keepdims=False, *, dim=None):
        """Mean over ``axis``: the sum divided by the number of elements summed.

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).mean(axis=1)
        Tensor([1.5, 3.5])
        """
        axis = _axis_arg(axis, dim)
        if axis is None:
            count = self.data.size
        else:
            axes = (axis,) if isinstance(axis, int | np.integer) else axis
            count = math.prod(self.data.shape[a] for a in axes)
        return self.sum(axis=axis, keepdims=keepdims) / count

    def max(self, axis=None, keepdims=False, *, dim=None):
        """Maximum over ``axis``; tied maxima share the gradient equally (like ``torch.amax``).

        >>> Tensor([[1.0, 5.0], [7.0, 2.0]]).max(axis=1)
        Tensor([5., 7.])
        """
        return ops.Max.apply(self, axis=_axis_arg(axis, dim), keepdims=keepdims)

    def argmax(self, axis=None, *, dim=None):
        """Index of the maximum, as a plain NumPy integer array (not differentiable).

        >>> Tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(axis=1)
        array([1, 0])
        """
        return np.argmax(self.data, axis=_axis_arg(axis, dim))

    # ------------------------------------------------------------------ shape

    def reshape(self, *shape):
        """The same elements in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``).

        >>> Tensor([1.0, 2.0, 3.0, 4.0]).reshape(2, 2).shape
        (2, 2)
        """
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    def transpose(self, *axes):
        """Permute the axes (all reversed when none are given), like ``numpy.transpose``.

        >>> Tensor([[1.0, 2.0, 3.0]]).transpose().shape
        (3, 1)
        """
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = tuple(axes[0])
        return ops.Transpose.apply(self, axes=axes or None)

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
        # Index arrays may come as Tensors; indices are not differentiable, so use their data.
        if isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        elif isinstance(index, Tensor):
            index = index.data
        return ops.GetItem.apply(self, index=index)

    # ------------------------------------------------------------------ comparisons

    def _compare(self, other, numpy_op):
        other = other.data if isinstance(other, Tensor) else other
        return numpy_op(self.data, other)

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


def where(condition, x, y):
    """Elementwise ``x`` where ``condition`` holds, else ``y`` (differentiable in ``x`` and ``y``).

    The condition is a boolean array (or Tensor); it broadcasts with ``x`` and ``y``.

    >>> a = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    >>> where(a > 0, a, 0.0).sum().backward()
    >>> a.grad
    array([1., 0., 1.], dtype=float32)
    """
    # A copy of the condition: the graph keeps it until backward, and the caller's may change.
    condition = np.array(condition.data if isinstance(condition, Tensor) else condition, bool)
    return ops.Where.apply(_lift(x), _lift(y), condition=condition)


# --------------------------------------------------------------------------- the backward walk


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, to get back ``shape``.

    The one place broadcasting is undone: ops return gradients of the broadcast shape, and the
    engine calls this (then checks the shape) before handing a gradient to an input.

    >>> unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    >>> unbroadcast(np.ones((2, 3)), (2, 1))
    array([[3.],
           [3.]])
    """
    lead = grad.ndim - len(shape)
    if lead < 0:
        return grad  # not a broadcast of shape at all; the caller reports the mismatch
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    axes = tuple(range(lead)) + stretched
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if lead:
        grad = grad.reshape(grad.shape[lead:])
    return grad


def _fit_gradient(grad, shape, dtype, node):
    """Bring an op's gradient to the shape and dtype of the input it is for, checking the shape.

    The walk calls this only when the gradient is not already an array of that shape and dtype.
    """
    if isinstance(grad, ScatterGradient):  # always of its input's shape; only the dtype may differ
        if grad.dtype != dtype:
            grad = ScatterGradient(grad.shape, grad.index, grad.values.astype(dtype), grad.unique)
    else:
        if type(grad) is not np.ndarray:
            grad = np.array(grad)  # a scalar or an array subclass: a fresh copy
        if grad.shape != shape:
            grad = unbroadcast(grad, shape)
        if grad.dtype != dtype:
            grad = grad.astype(dtype)
    if grad.shape != shape:
        raise RuntimeError(
            f"{type(node).__name__}.backward returned a gradient of shape {grad.shape} "
            f"for an input of shape {shape}"
        )
    return grad


class ScatterGradient:
    """A gradient that is zero except at ``index``, where it holds ``values``: d/dx of x[index].

    ``GetItem``'s backward returns one instead of a full array of zeros with a few entries set.
    The engine adds it into whatever gradient it meets (``np.add.at``, or a plain ``+=`` when no
    element is picked twice), so picking N entries out of a large array costs work in
    proportion to N, not to the array's size. An op's backward never receives one: the engine
    turns it into an array first.
    """

    __slots__ = ("dtype", "index", "shape", "unique", "values")

    def __init__(self, shape, index, values, unique):
        self.shape, self.dtype, self.index = shape, values.dtype, index
        self.values, self.unique = values, unique

    def add_to(self, array):
        """array[index] += values, in place (repeated indices add up)."""
        if self.unique:
            array[self.index] += self.values
        else:
            np.add.at(array, self.index, self.values)  # unbuffered: x[[0, 0]] gets both

    def dense(self):
        """The gradient as a new array."""
        array = np.zeros(self.shape, self.dtype)
        self.add_to(array)
        return array


def _sum_gradients(a, a_owned, b, b_owned):
    """a + b, reusing (adding into) an array this walk owns where there is one."""
    if isinstance(a, ScatterGradient):  # put an array first if there is one
        a, a_owned, b, b_owned = b, b_owned, a, a_owned
    if isinstance(a, ScatterGradient):  # both scattered
        total = a.dense()
        b.add_to(total)
        return total
    if isinstance(b, ScatterGradient):
        total = a if a_owned else a.copy()
        b.add_to(total)
        return total
    if a_owned:
        a += b
        return a
    if b_owned:
        b += a
        return b
    return a + b


def _accumulate_leaf(leaf, grad, owned=False):
    if leaf.grad is not None:
        if isinstance(grad, ScatterGradient):
            grad.add_to(leaf.grad)
        else:
            leaf.grad += grad
    elif isinstance(grad, ScatterGradient):
        leaf.grad = grad.dense()
    else:
        # Keep the array only if this walk owns it; anything else may be shared with other
        # gradients, saved by an op, or a read-only view, so the leaf gets a copy.
        leaf.grad = grad if owned else np.array(grad, dtype=leaf.data.dtype, copy=True)


def _hands_on(node_grad, input_grads):
    """Whether a node's own gradient array, passed on unchanged (``Add``, ``Sub``), may change
    owner: only if it is returned for one input and no other returned gradient may view it."""
    passed = 0
    for g in input_grads:
        if g is node_grad:
            passed += 1
        elif isinstance(g, np.ndarray) and np.may_share_memory(g, node_grad):
            return False
    return passed == 1


def _backward_walk(root, grad):
    if root.grad_fn is None:
        _accumulate_leaf(root, grad)
        return

    # 1. For every node reachable from the root: how many nodes consume its output.
    consumers = {}
    stack = [root.grad_fn]
    while stack:
        node = stack.pop()
        for source in node.inputs:
            if source is None or isinstance(source, Tensor):  # no gradient wanted, or a leaf
                continue
            if source in consumers:
                consumers[source] += 1
            else:
                consumers[source] = 1
                stack.append(source)

    # 2. Run a node once all its consumers have handed it their gradient (a topological order).
    # Gradients are summed in `pending`. Arrays this walk allocated, and those of ops with
    # `fresh_gradients`, are `owned` (by id; an id is kept only while `pending` holds its
    # array): they are added into in place and handed to a leaf without a copy. Any other array
    # may be shared (a view, the caller's upstream gradient), so it is never modified.
    observers = _state.backward_observers
    pending = {root.grad_fn: grad}
    owned = set()
    ready = [root.grad_fn]
    while ready:
        node = ready.pop()
        node_grad = pending.pop(node, None)
        grad_owned = id(node_grad) in owned
        if grad_owned:  # from here on `node_grad` keeps the array alive, not pending
            owned.discard(id(node_grad))
        inputs = node.inputs
        pass_on = False
        if node_grad is None:  # nothing flowed into this node; it still releases its inputs
            input_grads = (None,) * len(inputs)
        else:
            if isinstance(node_grad, ScatterGradient):  # ops get arrays
                node_grad, grad_owned = node_grad.dense(), True
            given = node_grad.view()  # read-only: an op writing into its grad fails loudly
            given.flags.writeable = False
            input_grads = type(node).backward(node, given)
            if type(input_grads) is not tuple:
                input_grads = tuple(input_grads) if type(input_grads) is list else (input_grads,)
            if len(input_grads) != len(inputs):
                raise RuntimeError(
                    f"{type(node).__name__}.backward returned {len(input_grads)} gradients for "
                    f"{len(inputs)} inputs"
                )
            if id(given) in map(id, input_grads):  # handed on unchanged: use the array itself
                input_grads = tuple(node_grad if g is given else g for g in input_grads)
                if grad_owned and type(node).passes_grad_on:
                    pass_on = _hands_on(node_grad, input_grads)
            if observers:  # what they see of it, before anything is summed into it
                shown_grad = node_grad.copy()
        fresh = type(node).fresh_gradients
        shown = [] if observers else None  # what observers see: copies, taken before any summing
        for source, input_grad in zip(inputs, input_grads):
            if source is None:
                if shown is not None:
                    shown.append(None)
                continue
            is_leaf = isinstance(source, Tensor)
            if input_grad is not None:
                if is_leaf:
                    shape, dtype = source.data.shape, source.data.dtype
                else:
                    shape, dtype = source.output_shape, source.output_dtype
                fit = input_grad
                if type(fit) is not np.ndarray or fit.shape != shape or fit.dtype != dtype:
                    fit = _fit_gradient(input_grad, shape, dtype, node)
                owns = fresh or fit is not input_grad or (pass_on and input_grad is node_grad)
                if shown is not None:
                    shown.append(fit.dense() if isinstance(fit, ScatterGradient) else fit.copy())
                if is_leaf:
                    _accumulate_leaf(source, fit, owns)
                elif source not in pending:
                    pending[source] = fit
                    if owns:
                        owned.add(id(fit))
                else:
                    waiting = pending[source]
                    waiting_owned = id(waiting) in owned
                    owned.discard(id(waiting))
                    total = _sum_gradients(waiting, waiting_owned, fit, owns)
                    pending[source] = total
                    owned.add(id(total))
            elif shown is not None:
                shown.append(None)
            if not is_leaf:
                remaining = consumers[source] - 1
                consumers[source] = remaining
                if remaining == 0:
                    ready.append(source)
        if shown is not None and node_grad is not None:
            for observe in observers:
                observe(node, shown_grad, tuple(shown))


# The primitive ops subclass Function (above), so they are imported last; every use of ``ops``
# in this file happens at call time.
from tinygrad_ce import ops  # noqa: E402

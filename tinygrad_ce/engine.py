"""The autodiff engine: ``Tensor``, ``Function``, ``no_grad`` and the backward walk.

Recording (forward). Every differentiable op is a ``Function`` subclass. ``Op.apply(x, y)`` runs
``forward`` on the inputs' arrays and, when some input requires grad, records a ``Node``: the
op's ``ctx`` and, per input, where that input came from (another ``Node``, a leaf ``Tensor`` or
a ``Constant``). Edges point from a result back to what it was computed from, so a graph has no
reference cycles and is freed by reference counting once the last tensor of it is dropped.

Backward (``Tensor.backward``), the whole algorithm:

1. count, for every node, how many times its output is used as an input;
2. hand the output its gradient; run a node's ``backward`` once every consumer has handed it
   a gradient (this is a topological order, found without recursion);
3. where a node is used twice its gradients are summed; leaves add theirs into ``.grad``.

The one optimisation lives in ``GradientSums``: how sums are stored, not what they are.

Safety: ops get read-only views of their inputs; a tensor changed in place after an op saved it
makes that op's backward raise (a version counter, as in PyTorch); the first backward releases
what the graph saved unless ``retain_graph=True``.
"""

from __future__ import annotations

import weakref

import numpy as np

from tinygrad_ce.grad_mode import _state, is_grad_enabled, no_grad, observe_backward  # noqa: F401
from tinygrad_ce.gradient_sums import GradientSums, ScatterGradient, add_into, copy_gradient
from tinygrad_ce.safety import (
    VersionCounter,
    check_versions,
    constant_input,
    memory_owner,
    read_only,
    versions_now,
    view_version,
)

# --------------------------------------------------------------------------- Function and Node


class Function:
    """Base class of every differentiable op: write ``forward`` and ``backward`` side by side.

    - ``forward(ctx, *arrays, **kwargs)``: read-only NumPy arrays in, one NumPy array out. Keep
      what backward needs with ``ctx.save_for_backward(...)`` (checked for in-place changes).
    - ``backward(ctx, grad)``: dL/d(output) in (read-only), one dL/d(input) per positional input
      out (``None`` where ``ctx.needs_input_grad`` is False, or for a constant). A gradient may
      have the broadcast shape: the engine sums it back to the input's shape.

    >>> class Square(Function):
    ...     '''y = x**2;  dL/dx = g * 2x'''
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

    needs_input_grad: tuple[bool, ...] = ()
    saved_tensors: tuple = ()

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    def save_for_backward(self, *arrays):
        """Keep arrays for ``backward``; read them back (read-only) as ``ctx.saved_tensors``."""
        self.saved_tensors = tuple(map(read_only, arrays))

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run ``forward`` on the inputs' arrays; record a ``Node`` when a gradient is needed.

        Positional Tensors may be differentiated; other positional values and keyword arguments
        are constants.
        """
        if kwargs:
            _reject_tensor_keywords(cls, kwargs)
        ctx = cls()
        recording = _state.grad_enabled
        arrays, needs, tensors = [], [], []
        for x in inputs:
            if isinstance(x, Tensor):
                tensors.append(x)
                arrays.append(read_only(x._data))
                needs.append(recording and x._requires_grad)
            else:
                arrays.append(constant_input(x, recording))
                needs.append(False)
        ctx.needs_input_grad = needs = tuple(needs)
        out = cls.forward(ctx, *arrays, **kwargs)
        if type(out) is not np.ndarray:
            out = _as_output(cls, out)
        version = None
        if out.base is not None:  # a view of an input shares its version counter, as in PyTorch
            version, out = view_version(out, tensors)
        if True not in needs or out.dtype.kind != "f":
            return Tensor._make(out, None, version)
        node = Node(ctx, inputs, out)
        result = Tensor._make(out, node, version)
        if ctx.saved_tensors:
            tensors.append(result)
            node.saved_versions = versions_now(tensors)
        return result

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _reject_tensor_keywords(cls, kwargs):
    """Keyword arguments are constants: a Tensor among them is a mistake, named here."""
    for key, value in kwargs.items():
        if isinstance(value, Tensor):
            raise TypeError(
                f"{cls.__name__}.apply: keyword argument {key!r} is a Tensor; keyword "
                f"arguments are constants, pass tensors positionally"
            )


def _as_output(cls, out):
    """forward's result as an array: NumPy reductions and scalar indexing give NumPy scalars."""
    if isinstance(out, tuple | list):
        raise TypeError(
            f"{cls.__name__}.forward returned a {type(out).__name__}: multi-output ops are not "
            f"supported; write one op per output"
        )
    return np.asarray(out)


class Constant:
    """An op input that gets no gradient and is an array (or a tensor without grad), kept as
    pictures show it: its shape, dtype, and its value when small. (A Python number or None is
    kept in ``Node.inputs`` as it is.)"""

    __slots__ = ("dtype", "shape", "value")

    def __init__(self, x):
        array = x._data if isinstance(x, Tensor) else x
        self.shape, self.dtype = array.shape, array.dtype
        self.value = array if array.size <= 64 else None

    def __repr__(self):
        return f"<Constant {self.shape} {self.dtype}>"


class Node:
    """One recorded op: its ``ctx`` (``function``) and where each of its inputs came from.

    ``inputs[i]`` is the ``Node`` that computed input i, the leaf ``Tensor`` itself, or, for an
    input without gradient, a ``Constant`` (an array's description) or the number itself.
    ``shape`` and ``dtype`` are the output's; ``value`` is the output array when it has at most
    64 elements (pictures show it), else None.
    """

    __slots__ = ("__weakref__", "dtype", "function", "inputs", "released", "retained")
    __slots__ += ("saved_versions", "shape", "value")

    def __init__(self, function, inputs, out):
        self.function = function
        sources = []
        for x, need in zip(inputs, function.needs_input_grad):
            if need:
                sources.append(x.grad_fn or x)  # the node that computed x, or x if it is a leaf
            elif isinstance(x, (Tensor, np.ndarray, np.generic)):
                sources.append(Constant(x))  # not the array itself: the graph must not keep it
            else:
                sources.append(x)  # a Python number (or None)
        self.inputs = tuple(sources)
        self.shape, self.dtype = out.shape, out.dtype
        self.value = out if out.size <= 64 else None
        self.saved_versions = ()
        self.released = False
        self.retained = None  # a weakref to the output tensor, after retain_grad()

    @property
    def name(self):
        return type(self.function).__name__

    def run_backward(self, grad, retain_graph):
        """dL/d(output) in; dL/d(input) out, one per input, each fitted to its input's shape.

        ``grad`` is None when no gradient reached this node: then none leaves it either.
        """
        if grad is None:
            grads = (None,) * len(self.inputs)
        else:
            if self.released:
                raise RuntimeError(
                    f"{self.name}: trying to backward through the graph a second time; the first "
                    f"backward freed it. Pass retain_graph=True to the first backward to keep it."
                )
            if self.saved_versions:
                check_versions(self.name, self.saved_versions, self.function.saved_tensors)
            if self.retained is not None and self.retained() is not None:
                accumulate_into(self.retained(), grad)  # retain_grad(): the tensor keeps it
            grads = type(self.function).backward(self.function, read_only(grad))
            if type(grads) is not tuple:
                grads = tuple(grads) if isinstance(grads, list) else (grads,)
            if len(grads) != len(self.inputs):
                raise RuntimeError(
                    f"{self.name}.backward returned {len(grads)} gradients for "
                    f"{len(self.inputs)} inputs"
                )
        if not retain_graph:
            self.release()
        fitted = []
        for g, x in zip(grads, self.inputs):
            if g is None or not isinstance(x, (Node, Tensor)):
                fitted.append(None)
            elif type(g) is np.ndarray and g.shape == x.shape and g.dtype == x.dtype:
                fitted.append(g)  # already the input's shape and dtype: the usual case
            else:
                fitted.append(self._fit(g, x))
        return fitted

    def _fit(self, grad, source):
        """The gradient for ``source`` with its shape (broadcasting undone) and dtype."""
        shape, dtype = source.shape, source.dtype
        if isinstance(grad, ScatterGradient):  # always of its input's shape already
            return grad if grad.values.dtype == dtype else grad.astype(dtype)
        if type(grad) is not np.ndarray:
            grad = np.asarray(grad)  # a NumPy scalar from 0-d arithmetic becomes a 0-d array
        if grad.shape != shape:
            grad = unbroadcast(grad, shape)
        if grad.shape != shape:
            raise RuntimeError(
                f"{self.name}.backward returned a gradient of shape {grad.shape} for an input "
                f"of shape {shape}"
            )
        return grad if grad.dtype == dtype else grad.astype(dtype)

    def release(self):
        """Drop what the op saved for backward (the first backward does, unless retain_graph)."""
        self.released = True
        self.saved_versions = ()
        self.function.__dict__.clear()  # Function has no __slots__: every ctx has a __dict__

    def __repr__(self):
        return f"<{self.name}>"


# --------------------------------------------------------------------------- the backward walk


def backward_walk(root, grad, retain_graph=False):
    """Add d(root)/d(leaf), weighted by ``grad``, into ``.grad`` of every leaf under ``root``."""
    if root.grad_fn is None:  # the root is a leaf itself
        accumulate_into(root, grad)
        return
    # 1. How many times each node's and leaf's output is used as an input (x*x counts twice).
    consumers = {}
    stack = [root.grad_fn]
    while stack:
        for source in stack.pop().inputs:
            if isinstance(source, (Node, Tensor)):  # not a constant
                if source not in consumers:
                    consumers[source] = 0
                    if isinstance(source, Node):
                        stack.append(source)
                consumers[source] += 1
    # 2. Run each node once all its consumers have handed it their gradient.
    sums = GradientSums(keep_handed=not retain_graph)
    sums.add(root.grad_fn, grad)
    ready = [root.grad_fn]
    observers = _state.observers
    while ready:
        node = ready.pop()
        node_grad = sums.pop(node)  # dL/d(node's output), summed over its consumers
        input_grads = node.run_backward(node_grad, retain_graph)  # the chain rule
        for observe in observers:
            observe(node, copy_gradient(node_grad), tuple(map(copy_gradient, input_grads)))
        # 3. Hand each input its gradient, summed where an input is used more than once; once
        # all its consumers have, a node is ready to run and a leaf adds the sum into .grad.
        for source, input_grad in zip(node.inputs, input_grads):
            if not isinstance(source, (Node, Tensor)):
                continue  # a constant
            if input_grad is not None:
                sums.add(source, input_grad)
            consumers[source] -= 1
            if consumers[source] == 0:
                if isinstance(source, Node):
                    ready.append(source)
                else:
                    sums.add_into_leaf(source)


def accumulate_into(tensor, grad):
    """tensor.grad += grad (a copy of grad the first time: .grad is the tensor's own array)."""
    if tensor.grad is None:
        tensor.grad = copy_gradient(grad)
    else:
        add_into(tensor.grad, grad)


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, to get back ``shape``.

    The one place broadcasting is undone: ops return gradients of the broadcast shape.

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
    if lead or stretched:
        grad = grad.sum(axis=tuple(range(lead)) + stretched, keepdims=True)
    return grad.reshape(grad.shape[lead:]) if lead else grad


# --------------------------------------------------------------------------- Tensor

# Tensor's op methods (+, exp, sum, reshape, ...) live in tensor_methods.py; they use the ops,
# which use Function above, so they are imported only now.
from tinygrad_ce import tensor_methods  # noqa: E402
from tinygrad_ce.tensor_methods import TensorMethods, as_array  # noqa: E402


class Tensor(TensorMethods):
    """An n-d array with reverse-mode autodiff.

    ``data`` is a NumPy array (a copy of what you pass). NumPy arrays keep their dtype; Python
    floats become float32 and Python ints int64. Only floating tensors may require grad.

    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([[2., 4.],
           [6., 8.]], dtype=float32)
    """

    __slots__ = ("__weakref__", "_data", "_requires_grad", "_version_counter", "grad", "grad_fn")
    __array_ufunc__ = None  # NumPy defers to our reflected operators: ndarray + Tensor is ours

    def __init__(self, data, requires_grad=False, dtype=None):
        self._data = as_array(data, dtype)
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require grad, got dtype {self._data.dtype}"
            )
        self._requires_grad = bool(requires_grad)
        self.grad = None
        self.grad_fn = None
        self._version_counter = VersionCounter()

    @classmethod
    def _make(cls, data, grad_fn, version_counter=None):
        """A tensor computed by an op: no copy; it requires grad iff it has a node."""
        tensor = cls.__new__(cls)
        tensor._data, tensor.grad_fn, tensor.grad = data, grad_fn, None
        tensor._requires_grad = grad_fn is not None
        tensor._version_counter = version_counter or VersionCounter()
        return tensor

    @property
    def data(self):
        """The NumPy array. Assigning to it counts as an in-place change (see ``_version``)."""
        return self._data

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._version_counter.count += 1

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has seen (backward checks it)."""
        return self._version_counter.count

    def _owner(self):
        return memory_owner(self._data)

    @property
    def is_leaf(self):
        """True for tensors made by the user (not by an op that recorded a graph)."""
        return self.grad_fn is None

    # ------------------------------------------------------------------ backward

    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf), weighted by ``grad``, into ``.grad`` of every leaf.

        ``grad`` (dL/d(self)) may be left out only for a one-element tensor (it is then 1).
        Leaves accumulate (``+=``) across calls, like PyTorch: zero them between steps. The
        graph's saved arrays are released unless ``retain_graph=True``.

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
            if self._data.size != 1:
                raise RuntimeError(
                    f"backward() without a grad argument needs a one-element tensor, got shape "
                    f"{self.shape}; pass grad= of that shape (e.g. loss.sum().backward())"
                )
            grad = np.ones(self._data.shape, self._data.dtype)
        else:
            grad = np.asarray(grad._data if isinstance(grad, Tensor) else grad)
            if grad.shape != self.shape:
                raise RuntimeError(
                    f"backward() grad has shape {grad.shape}, but the tensor has shape "
                    f"{self.shape}; they must be equal"
                )
            grad = grad.astype(self.dtype, copy=False)
        backward_walk(self, grad, retain_graph)

    def retain_grad(self):
        """Keep this intermediate's ``.grad`` after backward (leaves always keep theirs).

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3
        >>> y.retain_grad()
        >>> (y * y).sum().backward()
        >>> y.grad
        array([ 6., 12.], dtype=float32)
        """
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)


tensor_methods.Tensor = Tensor  # its methods make Tensors; the class exists only now

"""How the backward walk stores gradients while it sums them: the engine's one optimisation.

Skip this file on a first reading: for the maths, ``GradientSums.add(node, g)`` is
``sum[node] += g`` and a ``ScatterGradient`` is the array ``zeros(shape)`` with ``values``
added at ``index``. What is clever is only how they are stored, to save memory and copies.
"""

from __future__ import annotations

import weakref

import numpy as np

from tinygrad_ce.safety import read_only


class ScatterGradient:
    """Zeros except at ``index``, where it holds ``values``: the gradient of ``x[index]``.

    Indexing's backward returns one instead of a large array of zeros with a few entries set; it
    is added in where it lands, so picking N entries costs work in proportion to N. An op's
    backward never receives one: the walk makes it a full array first.
    """

    __slots__ = ("index", "shape", "values")

    def __init__(self, shape, index, values):
        self.shape, self.index, self.values = shape, index, values

    @property
    def dtype(self):
        return self.values.dtype

    def astype(self, dtype):
        return ScatterGradient(self.shape, self.index, self.values.astype(dtype))

    def add_to(self, array):
        """array[index] += values, in place; an index picked twice adds twice."""
        if picks_each_once(self.index):
            array[self.index] += self.values  # the same, and many times faster than np.add.at
        else:
            np.add.at(array, self.index, self.values)

    def dense(self):
        array = np.zeros(self.shape, self.values.dtype)
        self.add_to(array)
        return array


def picks_each_once(index):
    """Whether ``x[index]`` picks no element twice, so that ``x[index] += v`` adds everything.

    True for slices, integers and a boolean mask; for integer arrays, when one of them is 1-d,
    as long as the whole pick, and increasing from 0 or more (cross_entropy's ``np.arange(N)``
    row index, say). Anything else may repeat (``x[[0, 0]]``): False, and np.add.at adds it.
    """
    parts = index if isinstance(index, tuple) else (index,)
    arrays = [p for p in parts if isinstance(p, np.ndarray) and p.ndim > 0]
    if not arrays:
        return all(
            p is None or p is Ellipsis or isinstance(p, slice | int | np.integer | np.ndarray)
            for p in parts
        )
    if len(arrays) == 1 and arrays[0].dtype == bool:
        return True
    if any(a.dtype.kind not in "iu" for a in arrays):
        return False
    size = np.broadcast(*arrays).size if len(arrays) > 1 else arrays[0].size
    return any(
        a.ndim == 1 and a.size == size and (a.size == 0 or (a[0] >= 0 and (a[1:] > a[:-1]).all()))
        for a in arrays
    )


class GradientSums:
    """The walk's running sums, one per node or leaf: ``add(node, g)`` is ``sum[node] += g``.

    Only the storage is clever, to save memory and copies (skip this on a first reading): an
    array an op returned may be shared (its ``grad``, a view, a saved array), so it is never
    written into; the first time two gradients meet, their sum is a new array that belongs to
    this object, and later gradients are added into it in place. Such a sum is handed to its
    node read-only; when that very view comes back to one leaf (``u = x - m`` passes it on
    unchanged), the leaf keeps the array itself as its ``.grad``, instead of a copy. (Not with
    ``keep_handed=False``, i.e. ``retain_graph``: an op that keeps its ctx may keep the view.)
    """

    def __init__(self, keep_handed=True):
        self.sums = {}
        self.owned = set()  # the nodes whose sum is an array made here
        # id -> weak reference to the read-only view of each sum made here and handed on
        self.handed = {} if keep_handed else None

    def add(self, node, grad):
        if node not in self.sums:
            self.sums[node] = grad
            return
        total = self.sums[node]
        if node in self.owned:
            add_into(total, grad)
            return
        if isinstance(total, ScatterGradient):  # put the full array (if any) first
            total, grad = grad, total
        if isinstance(grad, ScatterGradient):
            total = copy_gradient(total)
            grad.add_to(total)
        else:
            total = np.asarray(total + grad)  # 0-d + 0-d is a NumPy scalar; we need an array
        self.sums[node] = total
        self.owned.add(node)

    def pop(self, node):
        """The finished sum for ``node`` (None if nothing flowed into it). A sum made here goes
        out as a read-only view, remembered weakly: a leaf it comes back to may keep it."""
        made_here = node in self.owned
        self.owned.discard(node)
        grad = self.sums.pop(node, None)
        if isinstance(grad, ScatterGradient):
            grad, made_here = grad.dense(), True
        if not made_here or self.handed is None:
            return grad
        view = read_only(grad)
        self.handed[id(view)] = weakref.ref(view)  # weak: the walk does not keep it alive
        return view

    def add_into_leaf(self, leaf):
        """``leaf.grad += `` the leaf's finished sum. A first ``.grad`` must be an array that
        nobody else holds: a sum made here, or handed on and come back, else a copy."""
        made_here = leaf in self.owned
        self.owned.discard(leaf)
        grad = self.sums.pop(leaf, None)
        if grad is None or not leaf.requires_grad:  # frozen since forward: no .grad, as PyTorch
            return
        if leaf.grad is not None:
            add_into(leaf.grad, grad)
        elif made_here:
            leaf.grad = grad
        elif self.came_back(grad):
            leaf.grad = grad.base  # the sum made here, back unchanged: nobody else has it
        else:
            leaf.grad = copy_gradient(grad)

    def came_back(self, grad):
        """Whether ``grad`` is the very view of a sum made here that was handed to a node (each
        is given to one leaf only: it is forgotten here once asked for)."""
        if self.handed is None:
            return False
        view = self.handed.pop(id(grad), None)
        return view is not None and view() is grad


def copy_gradient(grad):
    """A new array holding ``grad`` (a dense one for a ScatterGradient; None stays None)."""
    if grad is None:
        return None
    return grad.dense() if isinstance(grad, ScatterGradient) else np.array(grad, copy=True)


def add_into(array, grad):
    """array += grad, in place (grad may be a ScatterGradient)."""
    if isinstance(grad, ScatterGradient):
        grad.add_to(array)
    else:
        array += grad

"""A testing kit for people adding ops: hypothesis strategies, ``check_op``, ``OpCase`` and
``OP_TABLE``, the project's own table of ops: a row for every primitive ``Function`` of
``tinygrad_ce.ops`` and for the ops composed from them (var, gather, the activations, ...).

``check_op(fn, inputs)`` draws examples from a strategy and, on each, runs the checks that find
the mistakes people make when they write an op (see ``check_op``). It gives the same verdict on
every run: the examples are derandomized unless you pass ``seed=``. It keeps no example database
and writes nothing into the current folder (no ``.hypothesis/``).

The strategies give float64 arrays with value bounds (keep inputs away from where an op is
undefined), 0-d and empty (size-0) shapes among the others unless you say ``empty=False``,
mutually broadcastable shapes (optionally without ties between the arrays), arrays without
near-ties (for ``max``), axes valid for a drawn array (negative ones included), groups of
arrays for ops with a variable number of inputs, and class-index targets for a logits shape.

hypothesis is a test-only dependency: ``pip install "tinygrad_ce[test]"``.

>>> import tinygrad_ce.testing as tgt
>>> tgt.check_op(lambda x: x.exp().sum(axis=-1), tgt.arrays(shape=tgt.shapes(min_dims=1)),
...              reference=lambda x: np.exp(x).sum(axis=-1), max_examples=5)
"""

from __future__ import annotations

import contextlib
import math
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:
    import hypothesis
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "tinygrad_ce.testing needs hypothesis, a test-only dependency: "
        'pip install "tinygrad_ce[test]"  (or: pip install hypothesis)'
    ) from error

import tinygrad_ce as tg
from tinygrad_ce import functional as F
from tinygrad_ce.engine import Tensor
from tinygrad_ce.gradcheck import (
    GradcheckError,
    _analytic,
    _as_float64,
    _direction,
    _index,
    _numeric,
    gradcheck,
)
from tinygrad_ce.tensor_methods import normalize_axes

__all__ = [
    "OP_TABLE",
    "Args",
    "OpCase",
    "OpCheckError",
    "arrays",
    "axes_for",
    "broadcastable_arrays",
    "check_op",
    "class_targets",
    "concatenable_arrays",
    "distinct_arrays",
    "reduction_params",
    "shapes",
    "stackable_arrays",
]


class OpCheckError(AssertionError):
    """``check_op`` found an op that disagrees with its reference, misbehaves in float32, or
    changes its inputs. (Wrong gradients raise ``GradcheckError``.)"""


class Args:
    """Positional arrays and keyword arguments drawn together, for ``check_op``.

    An ``inputs`` strategy may give one array, a tuple of arrays, or an ``Args``: use it when
    the keyword arguments depend on the arrays (an axis valid for their ndim) or when the number
    of arrays varies (``cat``). Positional values that are not arrays reach the op unchanged.

    >>> Args(np.zeros(2), np.ones(2), axis=-1)
    Args(array([0., 0.]), array([1., 1.]), axis=-1)
    """

    def __init__(self, *arrays, **kwargs):
        self.arrays, self.kwargs = arrays, kwargs

    def __repr__(self):
        parts = [repr(a) for a in self.arrays] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"Args({', '.join(parts)})"


# --------------------------------------------------------------------------- strategies


def _with_a_zero(shape_strategy):
    """Shapes of the strategy with one side set to 0: an empty array."""
    return shape_strategy.flatmap(
        lambda s: st.integers(0, len(s) - 1).map(lambda i: (*s[:i], 0, *s[i + 1 :]))
    )


def _sometimes(strategy, other):
    """``strategy`` four draws in five, ``other`` the fifth (what shrinking leads back from)."""
    return st.integers(0, 4).flatmap(lambda k: other if k == 4 else strategy)


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4, *, empty=True):
    """Array shapes, small enough for finite differences (each element costs two evaluations).

    0-d shapes come with ``min_dims=0``; with ``empty=True`` about one shape in five has a side
    of 0 (a size-0 array), since ops must handle those too. ``empty=False`` for ops that cannot.

    >>> from hypothesis import find
    >>> find(shapes(), lambda s: 0 in s)
    (0,)
    """
    nonempty = hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )
    if not empty or max_dims < 1 or min_side == 0:
        return nonempty
    with_zero = _with_a_zero(
        hnp.array_shapes(
            min_dims=max(1, min_dims), max_dims=max_dims, min_side=min_side, max_side=max_side
        )
    )
    return _sometimes(nonempty, with_zero)


def _elements(low, high, min_magnitude):
    if min_magnitude <= 0:
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    # Two bands that skip (-min_magnitude, min_magnitude): away from kinks (relu) and poles (1/x).
    bands = []
    if low <= -min_magnitude:
        bands.append(st.floats(low, min(high, -min_magnitude)))
    if high >= min_magnitude:
        bands.append(st.floats(max(low, min_magnitude), high))
    if not bands:
        raise ValueError(f"no value in [{low}, {high}] has magnitude >= {min_magnitude}")
    return st.one_of(*bands)


def arrays(shape=None, low=-3.0, high=3.0, min_magnitude=0.0, *, empty=True):
    """float64 arrays with elements in [low, high] and |x| >= min_magnitude.

    ``shape`` is a tuple, a strategy of tuples, or None for ``shapes(empty=empty)``.

    >>> from hypothesis import find
    >>> find(arrays(low=1.0, high=2.0), lambda a: a.ndim == 2 and a.size > 0)
    array([[1.]])
    """
    if shape is None:
        shape = shapes(empty=empty)
    return hnp.arrays(np.float64, shape, elements=_elements(low, high, min_magnitude))


@st.composite
def _spaced(draw, shapes_, gap, center=0.0):
    """Arrays of ``shapes_`` whose elements, all arrays together, are at least ``gap`` apart."""
    sizes = [math.prod(s) for s in shapes_]
    total = sum(sizes)
    order = np.array(draw(st.permutations(range(total))), dtype=np.float64)
    offset = draw(st.floats(-1, 1))
    values = center + (order - total / 2) * gap * 3 + offset * gap  # spacing 3 gap, shift < gap
    parts, start = [], 0
    for shape, size in zip(shapes_, sizes):
        parts.append(values[start : start + size].reshape(shape))
        start += size
    return tuple(parts)


@st.composite
def _broadcastable_shapes(draw, num, max_dims, max_side, empty):
    drawn = draw(
        hnp.mutually_broadcastable_shapes(
            num_shapes=num, min_dims=0, max_dims=max_dims, max_side=max_side
        )
    )
    shapes_ = [list(s) for s in drawn.input_shapes]
    result = drawn.result_shape
    if empty and result and draw(st.integers(0, 4)) == 4:
        # an empty broadcast: a side of 0 where the shapes meet (1 still broadcasts to 0)
        axis = draw(st.integers(-len(result), -1))
        having = [s for s in shapes_ if len(s) >= -axis]
        for s in having:
            if s[axis] != 1:
                s[axis] = 0
        if all(s[axis] == 1 for s in having):
            having[0][axis] = 0
    return [tuple(s) for s in shapes_]


def broadcastable_arrays(
    num=2, bounds=None, max_dims=3, max_side=4, *, empty=True, no_ties=False, gap=0.05
):
    """Tuples of ``num`` float64 arrays whose shapes broadcast together.

    ``bounds`` is one ``(low, high)`` or ``(low, high, min_magnitude)`` per array (default
    ``(-3, 3)``). With ``no_ties=True`` no two elements, in any of the arrays, are closer than
    ``gap`` (what ``maximum(a, b)`` needs: a tie is a kink); the values are then evenly spread
    around 0 and ``bounds`` is not used.

    >>> from hypothesis import find
    >>> a, b = find(broadcastable_arrays(no_ties=True), lambda ab: ab[0].size > 1)
    >>> bool(np.min(np.abs(np.subtract.outer(a, b))) >= 0.05)
    True
    """
    bounds = bounds or [(-3.0, 3.0)] * num
    if len(bounds) != num:
        raise ValueError(f"broadcastable_arrays: {len(bounds)} bounds for {num} arrays")
    shape_sets = _broadcastable_shapes(num, max_dims, max_side, empty)
    if no_ties:
        return shape_sets.flatmap(lambda drawn: _spaced(drawn, gap))
    return shape_sets.flatmap(
        lambda drawn: st.tuples(*(arrays(s, *b) for s, b in zip(drawn, bounds)))
    )


def distinct_arrays(shape=None, gap=0.05):
    """float64 arrays whose elements are all at least ``gap`` apart: no ties, even after a
    finite-difference step (what ``max`` needs for its gradient to be defined).

    >>> from hypothesis import find
    >>> x = find(distinct_arrays(), lambda a: a.size > 2)
    >>> bool(np.min(np.diff(np.sort(x, axis=None))) >= 0.05)
    True
    """
    shape = shapes() if shape is None else shape
    if isinstance(shape, tuple):
        shape = st.just(shape)
    return shape.flatmap(lambda s: _spaced([s], gap).map(lambda parts: parts[0]))


def class_targets(logits_shape, ignore_index=None):
    """int64 class indices for logits of ``logits_shape`` ((C,), (N, C) or (N, C, d1, ...)).

    The target has the logits' shape without the class axis (axis 1, or 0 for 1-d logits); with
    ``ignore_index`` some entries may be that value.

    >>> from hypothesis import find
    >>> t = find(class_targets((2, 3), ignore_index=-100), lambda t: -100 in t)
    >>> t.shape, t.dtype, bool(np.all((t == -100) | ((t >= 0) & (t < 3))))
    ((2,), dtype('int64'), True)
    """
    classes = logits_shape[0] if len(logits_shape) == 1 else logits_shape[1]
    target_shape = () if len(logits_shape) == 1 else (logits_shape[0], *logits_shape[2:])
    values = st.integers(0, classes - 1)
    if ignore_index is not None:
        values = st.one_of(values, st.just(ignore_index))
    return hnp.arrays(np.int64, target_shape, elements=values)


@st.composite
def _axis_tuples(draw, ndim):
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)  # some written negative


def axes_for(x, *, none=True, tuples=True):
    """An ``axis`` argument valid for the array ``x`` (or an ndim): one axis in [-ndim, ndim),
    a tuple of distinct axes (some written negative) with ``tuples=True``, or None with
    ``none=True``. A 0-d array only gets None.

    >>> from hypothesis import find
    >>> find(axes_for(np.zeros((2, 3))), lambda axis: isinstance(axis, int) and axis < 0)
    -2
    """
    ndim = x if isinstance(x, int) else np.ndim(x)
    if ndim == 0:
        return st.none()
    # each axis written as often negative as not (integers(-ndim, ndim - 1) leans to 0 and 1)
    choices = [st.integers(0, ndim - 1).flatmap(lambda a: st.sampled_from((a - ndim, a)))]
    if tuples:
        choices.append(_axis_tuples(ndim))
    if none:
        choices.append(st.none())  # last: hypothesis draws the first choice most
    return st.one_of(*choices)


def reduction_params(x):
    """``{"axis": ..., "keepdims": ...}`` for a reduction of ``x`` (a ``params`` for check_op).

    >>> from hypothesis import find
    >>> find(reduction_params(np.zeros((2, 3))), lambda p: p["keepdims"] and p["axis"] == 1)
    {'axis': 1, 'keepdims': True}
    """
    return st.fixed_dictionaries({"axis": axes_for(x), "keepdims": st.booleans()})


@st.composite
def concatenable_arrays(draw, min_num=1, max_num=4, low=-3.0, high=3.0, *, empty=True):
    """``Args(*arrays, axis=k)`` for ``cat``: 1 to 3-d arrays whose shapes agree except along
    the axis ``k`` (drawn in [-ndim, ndim)), where each has its own side (0 included when
    ``empty``).

    >>> from hypothesis import find
    >>> drawn = find(concatenable_arrays(), lambda d: len(d.arrays) == 3 and d.kwargs["axis"] < 0)
    >>> np.concatenate(drawn.arrays, **drawn.kwargs).ndim == drawn.arrays[0].ndim
    True
    """
    num = draw(st.integers(min_num, max_num))
    shape = list(draw(shapes(min_dims=1, empty=empty)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    parts = []
    for _ in range(num):
        shape[axis] = draw(st.integers(0 if empty else 1, 3))
        parts.append(draw(arrays(tuple(shape), low, high)))
    return Args(*parts, axis=axis)


@st.composite
def stackable_arrays(draw, min_num=1, max_num=4, low=-3.0, high=3.0, *, empty=True):
    """``Args(*arrays, axis=k)`` for ``stack``: arrays of one shape (0-d and empty included)
    and an axis of the result, in [-(ndim + 1), ndim].

    >>> from hypothesis import find
    >>> drawn = find(stackable_arrays(), lambda d: len(d.arrays) == 2 and d.kwargs["axis"] < 0)
    >>> np.stack(drawn.arrays, **drawn.kwargs).shape[drawn.kwargs["axis"]]
    2
    """
    num = draw(st.integers(min_num, max_num))
    shape = draw(shapes(empty=empty))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    return Args(*(draw(arrays(shape, low, high)) for _ in range(num)), axis=axis)


# --------------------------------------------------------------------------- check_op


def _avoid_spec(avoid):
    """(points kept away from, {point: side checked at it}, functions kept away from 0)."""
    if avoid is None:
        return [], {}, []
    if isinstance(avoid, Mapping):
        sides = {}
        for point, side in avoid.items():
            if side not in ("left", "right", "both", None):
                raise ValueError(
                    f"avoid: the side at {point!r} must be 'left', 'right', 'both' or None, "
                    f"got {side!r}"
                )
            if side is not None:
                sides[float(point)] = side
        return [float(p) for p in avoid], sides, []
    items = avoid if isinstance(avoid, list | tuple) else [avoid]
    points, functions = [], []
    for item in items:
        if callable(item):
            functions.append(item)
        elif isinstance(item, int | float | np.number) and not isinstance(item, bool):
            points.append(float(item))
        else:
            raise TypeError(f"avoid: expected numbers, a callable or a dict, got {item!r}")
    return points, {}, functions


def _keep_away(array, points, gap):
    """Move elements closer than ``gap`` to a point out to exactly ``gap`` from it, on their
    own side; None if points too close together leave no room."""
    for _ in range(3):
        moved = False
        for p in points:
            close = np.abs(array - p) < gap
            if close.any():
                array = np.where(close, np.where(array >= p, p + gap, p - gap), array)
                moved = True
        if not moved:
            return array
    return None


def _unchanged(before, after):
    return before.shape == after.shape and np.array_equal(before, after, equal_nan=True)


def _first(mask):
    return int(np.flatnonzero(mask.reshape(-1))[0])


def _compare(what, got, want, tol, error, expected="expected", hint=""):
    """Raise ``error`` where got and want (same shape) differ by more than tol * (1 + |want|);
    ``expected`` names what ``want`` is."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    lost = np.isfinite(want) & ~np.isfinite(got)
    if lost.any():
        k = _first(lost)
        raise error(
            f"{what} is {float(got.reshape(-1)[k])!r} at index {_index(k, got.shape)} where "
            f"the {expected} value is {float(want.reshape(-1)[k])!r}{hint}"
        )
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~np.isclose(got, want, rtol=tol, atol=tol, equal_nan=True)
    if bad.any():
        k = _first(bad)
        raise error(
            f"{what} at index {_index(k, got.shape)} is {float(got.reshape(-1)[k])!r}, the "
            f"{expected} value {float(want.reshape(-1)[k])!r} (allowed {tol} * (1 + |{expected}|))"
        )


def _to_float32(value):
    if isinstance(value, Tensor) and value.dtype.kind == "f":
        return Tensor(value.data.astype(np.float32))
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    return value


class _Example:
    """One drawn example: the op's positional values (its arrays, in float64 if floating, become
    Tensors at each call; other values are passed as they are) and its keyword arguments."""

    def __init__(self, fn, values, kwargs):
        self.fn, self.kwargs = fn, kwargs
        self.slots = [i for i, v in enumerate(values) if isinstance(v, np.ndarray)]
        self.values = list(values)
        self.arrays = _as_float64([Tensor(values[i]) for i in self.slots])
        # what no call may change: the keyword arrays, as drawn
        self.kwargs_drawn = {k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)}

    def call(self, tensors, kwargs=None):
        values = list(self.values)
        for slot, t in zip(self.slots, tensors):
            values[slot] = t
        return self.fn(*values, **(self.kwargs if kwargs is None else kwargs))

    def tensors(self, requires, arrays=None):
        arrays = self.arrays if arrays is None else arrays
        return [Tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]


@contextlib.contextmanager
def _writes_named(phase, what):
    """NumPy's bare "assignment destination is read-only", said as what the op did wrong."""
    try:
        yield
    except ValueError as error:
        if "read-only" not in str(error):
            raise
        raise OpCheckError(
            f"the op's {phase} wrote into {what}, which is read-only: compute a new array "
            f"instead ({error})"
        ) from error


def _output(out, what):
    if not isinstance(out, Tensor):
        raise OpCheckError(f"{what}: the op returned {type(out).__name__}, not a Tensor")
    return out


def _check_forward(example, reference, tol):
    """Forward without grad: no graph, and the values of the NumPy reference."""
    with _writes_named("forward", "an input"):
        out = example.call(example.tensors([False] * len(example.arrays)))
    out = _output(out, "forward")
    if out.requires_grad:
        raise OpCheckError("the output requires grad though no input does")
    if reference is not None:
        arrays = [a.copy() for a in example.arrays]
        values = list(example.values)
        for slot, a in zip(example.slots, arrays):
            values[slot] = a
        want = np.asarray(reference(*values, **example.kwargs))
        if out.shape != want.shape:
            raise OpCheckError(f"the forward has shape {out.shape}, the reference {want.shape}")
        if want.dtype.kind == "f" and out.dtype != want.dtype:
            raise OpCheckError(f"the forward has dtype {out.dtype}, the reference {want.dtype}")
        _compare("the forward", out.data, want, tol, OpCheckError, "reference")
    return out


def _check_backward(example, requires):
    """Forward and backward with some inputs requiring grad; no input or keyword array is
    changed. Returns (output, upstream gradient, input gradients)."""
    tensors = example.tensors(requires)
    out = _output(example.call(tensors), "forward")
    if out.dtype.kind == "f" and not out.requires_grad:
        raise OpCheckError(
            f"the output does not require grad though inputs {requires} (True: requires grad) do"
        )
    direction = _direction(out.shape)
    with _writes_named("backward", "grad or a saved array"):
        out.backward(direction)
    for i, (t, a) in enumerate(zip(tensors, example.arrays)):
        if not _unchanged(a, t.data):
            raise OpCheckError(f"the op changed input {i} in place (forward or backward)")
    for key, before in example.kwargs_drawn.items():
        if not _unchanged(before, example.kwargs[key]):
            raise OpCheckError(f"the op changed its keyword argument {key!r} in place")
    return out, direction, [t.grad for t in tensors]


def _check_kinks(example, requires, sides, data, eps, atol, rtol):
    """Put one element of each input exactly on a kink; its gradient must be the derivative
    from the side given (PyTorch's convention: relu at 0 takes the left, clamp's upper bound
    the left, its lower bound the right, a tie the average, i.e. 'both')."""
    arrays = [a.copy() for a in example.arrays]
    placed = []
    for i, a in enumerate(arrays):
        if requires[i] and a.size:
            k = data.draw(st.integers(0, a.size - 1), label=f"kink: element of input {i}")
            point = data.draw(st.sampled_from(sorted(sides)), label=f"kink: value for input {i}")
            a.reshape(-1)[k] = point
            placed.append((i, k, point))
    if not placed:
        return

    def fn(*tensors):
        return example.call(tensors)

    direction, analytic = _analytic(fn, arrays, requires)
    for i, k, point in placed:
        side = sides[point]
        numeric = _numeric(fn, arrays, requires, direction, i, k, eps / 10, side)
        exact = 0.0 if analytic[i] is None else float(np.reshape(analytic[i], -1)[k])
        if not abs(exact - numeric) <= atol + rtol * abs(numeric):
            name = {"left": "left", "right": "right", "both": "two-sided"}[side]
            raise GradcheckError(
                f"gradient of input {i} (shape {arrays[i].shape}) at index "
                f"{_index(k, arrays[i].shape)}, exactly at the kink {point}: analytic {exact!r} "
                f"vs the {name} derivative {numeric!r}"
            )


def _check_float32(example, requires, out64, direction, grads64, tol):
    """The same example in float32: the output is float32, finite wherever the float64 one is
    and close to it; so are the gradients."""
    tensors = [
        Tensor(a.astype(np.float32) if a.dtype.kind == "f" else a, requires_grad=r)
        for a, r in zip(example.arrays, requires)
    ]
    kwargs = {k: _to_float32(v) for k, v in example.kwargs.items()}
    with np.errstate(all="ignore"):  # overflow is what this looks for; report it, not warn
        out = _output(example.call(tensors, kwargs), "float32 forward")
        if out64.dtype == np.float64 and out.dtype != np.float32:  # the dtype follows the inputs
            raise OpCheckError(f"float32 inputs gave a {out.dtype} output (float64 ones float64)")
        if out.shape != out64.shape:
            raise OpCheckError(f"float32 output has shape {out.shape}, float64 {out64.shape}")
        hint = " (does an intermediate overflow in float32?)"
        _compare("the float32 forward", out.data, out64.data, tol, OpCheckError, "float64", hint)
        if out.requires_grad:
            out.backward(direction.astype(np.float32))
            for i, (t, g64) in enumerate(zip(tensors, grads64)):
                if t.grad is not None and g64 is not None:
                    what = f"the float32 gradient of input {i}"
                    _compare(what, t.grad, g64, tol, OpCheckError, "float64", hint)


# Round numbers hypothesis mixes into its draws now and then, where kinks often sit.
_ROUND_NUMBERS = (0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0)


@contextlib.contextmanager
def _fixed_constants():
    """Make hypothesis mix in a fixed pool of constants, not one read from loaded modules.

    hypothesis (6.131 and later) now and then draws a literal constant found in the source files
    of the local modules loaded at the time. The examples would then depend on which test files
    were imported, and change with every edit to them; check_op promises the same examples on
    every run, so while it runs the pool is ``_ROUND_NUMBERS``. (Older versions have no such
    pool: nothing to do.)
    """
    try:
        from hypothesis.internal.conjecture import providers

        original, cache = providers._get_local_constants, providers.CONSTANTS_CACHE
        pool = providers.Constants(floats=set(_ROUND_NUMBERS))
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - no such pool
        yield
        return
    providers._get_local_constants = lambda: pool
    cache.cache.clear()  # it holds the pool's constants by type
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


@contextlib.contextmanager
def _storage_elsewhere():
    """Keep hypothesis's files out of the user's folder while check_op runs.

    hypothesis keeps what it writes (the example database, its cache of the constants in local
    source files, ...) under ``.hypothesis/`` in the current folder. check_op uses no database
    (``database=None``) and needs none of the caches, so while it runs hypothesis's folder is a
    temporary one, removed after: nothing is written into the user's folder, whichever
    hypothesis version is installed. (Without ``set_hypothesis_home_dir``: nothing to do.)
    """
    try:
        from hypothesis import configuration

        set_home = configuration.set_hypothesis_home_dir
    except (ImportError, AttributeError):  # pragma: no cover - no such setting
        yield
        return
    previous = vars(configuration).get("__hypothesis_home_directory")
    with tempfile.TemporaryDirectory(
        prefix="tinygrad_ce_hypothesis_", ignore_cleanup_errors=True
    ) as home:
        set_home(home)
        try:
            yield
        finally:
            set_home(previous)


def _draw_requires(data, arrays, vary):
    """Which floating inputs require grad: all, or (``vary``) a random non-empty subset.

    One labelled draw gives the list actually used, one entry per input (False for an input
    that is not floating), so a failing example's notes read right: "Draw 2 (requires_grad of
    each input): [True, False]".
    """
    floating = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    if not floating:
        raise OpCheckError("check_op needs at least one floating input array to differentiate")
    requires = [False] * len(arrays)
    if not vary or len(floating) == 1:
        for i in floating:
            requires[i] = True
        return requires

    def used(chosen):
        if not any(chosen):  # none: the first floating input requires grad after all
            chosen = [True, *chosen[1:]]
        out = list(requires)
        for i, c in zip(floating, chosen):
            out[i] = c
        return out

    choices = st.lists(st.booleans(), min_size=len(floating), max_size=len(floating))
    return data.draw(choices.map(used), label="requires_grad of each input")


def check_op(
    fn,
    inputs,
    params=None,
    *,
    reference=None,
    avoid=None,
    avoid_gap=0.01,
    vary_requires_grad=True,
    float32=True,
    float32_tol=1e-4,
    reference_tol=1e-10,
    max_examples=25,
    seed=None,
    **gradcheck_options,
):
    """Test the op ``fn`` on examples drawn by hypothesis; raises on the first failing one.

    ``inputs`` is a strategy of one array, a tuple of arrays, or an ``Args`` (arrays and keyword
    arguments drawn together). Each array becomes a Tensor; ``params``, if given, maps the drawn
    arrays to a strategy of more keyword arguments. On every example:

    1. the forward without grad gives no graph and, with ``reference=`` (a NumPy function of the
       same arguments), the reference's shape, dtype and values (within ``reference_tol``);
    2. with ``vary_requires_grad`` some floating inputs, drawn at random, do not require grad, so
       every ``ctx.needs_input_grad`` branch of the backward runs; forward and backward must
       leave every input and keyword array unchanged;
    3. ``gradcheck`` (``gradcheck_options``: eps, atol, rtol) checks every gradient;
    4. ``avoid=`` keeps drawn values ``avoid_gap`` away from where finite differences are no
       derivative: a number or a list of numbers (kinks: ``[-1.0, 1.0]`` for clip), a callable
       of the arrays and keyword arguments whose values must stay away from 0 (draws that come
       closer are rejected: ``lambda a, b: a - b`` for maximum), or a dict
       ``{point: side}``, which also puts one element of each input exactly on the point and
       checks that its gradient is the one-sided derivative from ``side`` ("left", "right",
       or "both" for the average of the two);
    5. with ``float32`` the example runs again in float32: the output is float32, finite
       wherever the float64 one is and within ``float32_tol * (1 + |float64|)`` of it; so are
       the gradients.

    The examples are the same on every run (derandomized); ``seed=`` an int draws others. No
    example database is kept (``database=None``) and nothing is written into the current folder.

    >>> from hypothesis import strategies as st
    >>> check_op(
    ...     lambda x, axis: x.sum(axis=axis),
    ...     arrays(shape=(2, 3)),
    ...     params=lambda x: st.fixed_dictionaries({"axis": axes_for(x)}),
    ...     reference=lambda x, axis: np.sum(x, axis=axis),
    ...     max_examples=5,
    ... )
    """
    points, sides, functions = _avoid_spec(avoid)
    eps = gradcheck_options.get("eps", 1e-6)
    atol = gradcheck_options.get("atol", 1e-5)
    rtol = gradcheck_options.get("rtol", 1e-3)

    def body(data):
        drawn = data.draw(inputs, label="inputs")
        if isinstance(drawn, Args):
            values, kwargs = list(drawn.arrays), dict(drawn.kwargs)
        else:
            values, kwargs = list(drawn if isinstance(drawn, tuple) else (drawn,)), {}
        values = [np.asarray(v) if isinstance(v, np.ndarray | np.generic) else v for v in values]
        if params is not None:
            arrays_drawn = [v for v in values if isinstance(v, np.ndarray)]
            kwargs.update(data.draw(params(*arrays_drawn), label="params"))
        example = _Example(fn, values, kwargs)
        floating = [a.dtype.kind == "f" for a in example.arrays]
        if points:
            for i, a in enumerate(example.arrays):
                if floating[i]:
                    moved = _keep_away(a, points, avoid_gap)
                    assume(moved is not None)
                    example.arrays[i] = moved
        for function in functions:
            distance = np.abs(np.asarray(function(*example.arrays, **kwargs), dtype=np.float64))
            assume(bool(np.all(distance >= avoid_gap)))
        requires = _draw_requires(data, example.arrays, vary_requires_grad)
        _check_forward(example, reference, reference_tol)
        out64, direction, grads64 = _check_backward(example, requires)
        gradcheck(lambda *ts: example.call(ts), example.tensors(requires), **gradcheck_options)
        if sides:
            _check_kinks(example, requires, sides, data, eps, atol, rtol)
        if float32:
            _check_float32(example, requires, out64, direction, grads64, float32_tol)

    run = given(data=st.data())(body)
    run = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        report_multiple_bugs=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )(run)
    if seed is not None:
        run = hypothesis.seed(seed)(run)
    with _fixed_constants(), _storage_elsewhere():
        run()


# --------------------------------------------------------------------------- the op table


@dataclass(frozen=True)
class OpCase:
    """One row of an op table: everything ``check_op`` needs to test one op.

    ``op`` takes Tensors (and keyword arguments) and returns a Tensor; ``reference`` is the same
    thing in NumPy (or None); ``inputs`` and ``params`` are as in ``check_op``; ``primitive``
    names the ``Function`` of ``tinygrad_ce.ops`` the row is for (the table's guard test checks
    every primitive has a row); ``options`` are more ``check_op`` options (``avoid``, ...).

    >>> row = OpCase("exp", lambda a: a.exp(), np.exp, arrays(), options={"max_examples": 5})
    >>> row.check()
    """

    name: str
    op: Callable
    reference: Callable | None
    inputs: Any
    params: Callable | None = None
    primitive: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def check(self, **overrides):
        """Run ``check_op`` on this row; ``overrides`` replace its options."""
        options = {"params": self.params, "reference": self.reference, **self.options}
        check_op(self.op, self.inputs, **{**options, **overrides})


def _sigmoid_reference(x):
    return 1 / (1 + np.exp(-x))


@st.composite
def _matmul_pairs(draw):
    """Operands for @: 1-d, 2-d and batched with broadcasting batch axes; sides of 0 too."""
    n, k, m = (draw(st.integers(0, 3)) for _ in range(3))
    a_kind, b_kind = (draw(st.sampled_from(["1d", "2d", "batched"])) for _ in range(2))
    batch = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=3)
    )
    a_shape = {"1d": (k,), "2d": (n, k), "batched": (*batch.input_shapes[0], n, k)}[a_kind]
    b_shape = {"1d": (k,), "2d": (k, m), "batched": (*batch.input_shapes[1], k, m)}[b_kind]
    return draw(arrays(a_shape)), draw(arrays(b_shape))


@st.composite
def _index_for(draw, x):
    """An index into x: basic (slices, ints, None, ...), integer arrays (with repeats) or a mask."""
    shape = np.shape(x)
    kind = draw(st.sampled_from(["basic", "integer arrays", "mask", "mixed"]))
    if kind == "mask":
        return draw(hnp.arrays(np.bool_, shape))
    if kind == "basic" or not shape or 0 in shape:
        return draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    if kind == "integer arrays":
        return draw(hnp.integer_array_indices(shape))
    # an integer array on the first axis, a slice on the rest
    rows = draw(hnp.arrays(np.int64, st.integers(1, 4), elements=st.integers(0, shape[0] - 1)))
    return (rows, *(slice(None, None, draw(st.sampled_from([1, -1]))) for _ in shape[1:]))


@st.composite
def _permutation_of_axes(draw, x):
    axes = draw(st.permutations(range(x.ndim)))
    return tuple(a - x.ndim if draw(st.booleans()) else a for a in axes)


_POSITIVE = (0.2, 3.0)
_AWAY_FROM_ZERO = (-3.0, 3.0, 0.3)


def _reduction(method, numpy_function):
    return (
        lambda a, **p: getattr(a, method)(**p),
        lambda a, **p: numpy_function(a, **p),
    )


_erf = np.vectorize(math.erf, otypes=[np.float64])  # NumPy has no erf


def _jump_distance(a, b):
    """How far a / b is from an integer: where remainder and floor_divide jump."""
    q = np.asarray(a / b)
    return q - np.round(q)


def _flip_params(a):
    """``dims`` for flip: distinct axes of ``a`` (a 0-d array takes 0 or -1)."""
    if a.ndim == 0:
        return st.fixed_dictionaries({"dims": st.sampled_from([(0,), (-1,)])})
    dims = axes_for(a, none=False).map(lambda d: d if isinstance(d, tuple) else (d,))
    return st.fixed_dictionaries({"dims": dims})


@st.composite
def _expand_params(draw, a):
    """``sizes`` for expand: new leading sides, then -1 or the side (any size where it is 1)."""
    sizes = [draw(st.integers(0, 3)) for _ in range(draw(st.integers(0, 2)))]  # new in front
    for n in a.shape:
        sizes.append(draw(st.sampled_from([-1, 0, 1, 2, 3] if n == 1 else [-1, n])))
    return {"sizes": tuple(sizes)}


def _expand_reference(a, sizes):
    lead = len(sizes) - a.ndim
    shape = tuple(a.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    return np.broadcast_to(a, shape)


@st.composite
def _repeat_params(draw, a):
    """``repeats`` for repeat: one count (0 included) per axis, and up to two new ones."""
    count = a.ndim + draw(st.integers(0, 2))
    return {"repeats": tuple(draw(st.integers(0, 2)) for _ in range(count))}


@st.composite
def _unflatten_params(draw, a):
    """``dim`` and ``sizes`` for unflatten: two sides whose product is ``dim``'s, one maybe -1."""
    dim = draw(st.integers(-a.ndim, a.ndim - 1))
    side = a.shape[dim]
    if side == 0:
        sizes = draw(st.sampled_from([(0,), (1, 0), (0, 2), (-1, 1)]))
    else:
        first = draw(st.sampled_from([d for d in range(1, side + 1) if side % d == 0]))
        sizes = [first, side // first]
        if draw(st.booleans()):
            sizes[draw(st.integers(0, 1))] = -1
        sizes = tuple(sizes)
    return {"dim": dim, "sizes": sizes}


def _unflatten_reference(a, dim, sizes):
    axis = dim % a.ndim
    known = math.prod(n for n in sizes if n != -1)
    sizes = tuple(a.shape[axis] // known if n == -1 else n for n in sizes)
    return a.reshape(a.shape[:axis] + sizes + a.shape[axis + 1 :])


@st.composite
def _gather_params(draw, a):
    """``dim`` and an int64 ``index`` for gather (repeats included, sides of 0 too)."""
    if a.ndim == 0:
        return {"dim": draw(st.sampled_from([0, -1])), "index": np.zeros((), np.int64)}
    dim = draw(st.integers(-a.ndim, a.ndim - 1))
    axis = dim % a.ndim
    side = a.shape[axis]
    shape = [draw(st.integers(0, n)) for n in a.shape]  # no larger than the input elsewhere
    shape[axis] = draw(st.integers(0, 4)) if side else 0
    index = draw(hnp.arrays(np.int64, tuple(shape), elements=st.integers(0, max(side - 1, 0))))
    return {"dim": dim, "index": index}


def _gather_reference(a, dim, index):
    """out[i] = a[i with i[dim] replaced by index[i]], one element at a time."""
    if a.ndim == 0:
        return a.copy()
    axis = dim % a.ndim
    out = np.empty(index.shape, a.dtype)
    for position in np.ndindex(*index.shape):
        source = list(position)
        source[axis] = index[position]
        out[position] = a[tuple(source)]
    return out


@st.composite
def _masked_fill_params(draw, a):
    """A bool ``mask`` that broadcasts to ``a`` and a float ``value`` for masked_fill."""
    kept = draw(st.integers(0, a.ndim))  # the mask has the last `kept` dims, some of size 1
    mask_shape = tuple(n if draw(st.booleans()) else 1 for n in a.shape[a.ndim - kept :])
    mask = draw(hnp.arrays(np.bool_, mask_shape))
    return {"mask": mask, "value": draw(st.floats(-5, 5))}


@st.composite
def _variance_params(draw, a):
    """``axis``, ``keepdims`` and a ``correction`` below the count (so var is finite)."""
    axis = draw(axes_for(a))
    count = math.prod(a.shape[i] for i in normalize_axes(axis, a.ndim))
    correction = draw(st.sampled_from([c for c in (0, 1, 2) if c < count]))
    return {"axis": axis, "keepdims": draw(st.booleans()), "correction": correction}


def _variance_reference(numpy_function):
    return lambda a, axis, keepdims, correction: numpy_function(
        a, axis=axis, ddof=correction, keepdims=keepdims
    )


def _integers(low, high):
    """The integers in [low, high] as floats: where floor, ceil and trunc jump."""
    return [float(n) for n in range(low, high + 1)]


def _halves(low, high):
    """low + 0.5, ..., high - 0.5: where round jumps."""
    return [n + 0.5 for n in range(low, high)]


# A row for every primitive (``primitive=`` names its Function) and for the composed ops.
OP_TABLE = [
    OpCase("add", lambda a, b: a + b, np.add, broadcastable_arrays(2), primitive="Add"),
    OpCase("sub", lambda a, b: a - b, np.subtract, broadcastable_arrays(2), primitive="Sub"),
    OpCase("mul", lambda a, b: a * b, np.multiply, broadcastable_arrays(2), primitive="Mul"),
    OpCase(
        "div",
        lambda a, b: a / b,
        np.divide,
        broadcastable_arrays(2, bounds=[(-3.0, 3.0), _AWAY_FROM_ZERO]),
        primitive="Div",
    ),
    OpCase("neg", lambda a: -a, np.negative, arrays(), primitive="Neg"),
    OpCase("pow tensor**scalar", lambda a: a**2.5, lambda a: a**2.5, arrays(low=0.2, high=3)),
    OpCase("pow tensor**int", lambda a: a**3, lambda a: a**3, arrays()),
    OpCase(
        "pow tensor**tensor",
        lambda a, b: a**b,
        np.power,
        broadcastable_arrays(2, bounds=[_POSITIVE, (-2.0, 2.0)]),
        primitive="Pow",
    ),
    OpCase("pow scalar**tensor", lambda b: 1.7**b, lambda b: 1.7**b, arrays()),
    OpCase("matmul", lambda a, b: a @ b, np.matmul, _matmul_pairs(), primitive="MatMul"),
    OpCase("exp", lambda a: a.exp(), np.exp, arrays(), primitive="Exp"),
    OpCase("log", lambda a: a.log(), np.log, arrays(low=0.1, high=5), primitive="Log"),
    OpCase("log1p", lambda a: a.log1p(), np.log1p, arrays(low=-0.8, high=5), primitive="Log1p"),
    OpCase(
        "relu",
        lambda a: a.relu(),
        lambda a: np.maximum(a, 0),
        arrays(),
        primitive="ReLU",
        options={"avoid": {0.0: "left"}},  # PyTorch: relu'(0) = 0
    ),
    OpCase("tanh", lambda a: a.tanh(), np.tanh, arrays(), primitive="Tanh"),
    OpCase(
        "sigmoid",
        lambda a: a.sigmoid(),
        _sigmoid_reference,
        arrays(low=-8, high=8),
        primitive="Sigmoid",
    ),
    OpCase("sum", *_reduction("sum", np.sum), arrays(), reduction_params, primitive="Sum"),
    OpCase("mean", *_reduction("mean", np.mean), arrays(), reduction_params),
    OpCase(
        "max",
        *_reduction("max", np.max),
        distinct_arrays(shapes(empty=False)),  # max over an empty axis is an error
        reduction_params,
        primitive="Max",
    ),
    OpCase(
        "cast",
        lambda a: a.float(),
        lambda a: a.astype(np.float32),
        arrays(),
        primitive="Cast",
        options={"eps": 1e-2},  # the output is rounded to float32: a step far above its spacing
    ),
    OpCase(
        "reshape",
        lambda a: a.reshape(*reversed(a.shape), 1),
        lambda a: a.reshape((*reversed(a.shape), 1)),
        arrays(),
        primitive="Reshape",
    ),
    OpCase(
        "transpose",
        lambda a, axes: a.transpose(axes),  # one tuple: a permutation, as NumPy's
        np.transpose,
        arrays(),
        lambda a: st.fixed_dictionaries({"axes": _permutation_of_axes(a)}),
        primitive="Transpose",
    ),
    OpCase(".T", lambda a: a.T, np.transpose, arrays()),
    OpCase(
        "getitem",
        lambda a, index: a[index],
        lambda a, index: a[index],
        arrays(),
        lambda a: st.fixed_dictionaries({"index": _index_for(a)}),
        primitive="GetItem",
    ),
    OpCase(
        "where",
        lambda a, b, cond: tg.where(cond, a, b),
        lambda a, b, cond: np.where(cond, a, b),
        broadcastable_arrays(2),
        lambda a, b: st.fixed_dictionaries(
            {"cond": hnp.arrays(np.bool_, np.broadcast_shapes(a.shape, b.shape))}
        ),
        primitive="Where",
    ),
    # elementwise
    OpCase(
        "abs",
        lambda a: a.abs(),
        np.abs,
        arrays(),
        primitive="Abs",
        options={"avoid": {0.0: "both"}},  # PyTorch: |x|'(0) = 0, the mean of -1 and 1
    ),
    OpCase("sqrt", lambda a: a.sqrt(), np.sqrt, arrays(low=0.1, high=5), primitive="Sqrt"),
    OpCase(
        "rsqrt",
        lambda a: a.rsqrt(),
        lambda a: 1 / np.sqrt(a),
        arrays(low=0.2, high=5),
        primitive="Rsqrt",
    ),
    OpCase("sin", lambda a: a.sin(), np.sin, arrays(), primitive="Sin"),
    OpCase("cos", lambda a: a.cos(), np.cos, arrays(), primitive="Cos"),
    OpCase("tan", lambda a: a.tan(), np.tan, arrays(low=-1.2, high=1.2), primitive="Tan"),
    OpCase("log2", lambda a: a.log2(), np.log2, arrays(low=0.1, high=5), primitive="Log2"),
    OpCase("expm1", lambda a: a.expm1(), np.expm1, arrays(), primitive="Expm1"),
    OpCase("erf", lambda a: a.erf(), _erf, arrays(), primitive="Erf"),
    # piecewise constant: zero gradient, away from the jumps
    OpCase(
        "sign", lambda a: a.sign(), np.sign, arrays(), primitive="Sign", options={"avoid": [0.0]}
    ),
    OpCase(
        "floor",
        lambda a: a.floor(),
        np.floor,
        arrays(),
        primitive="Floor",
        options={"avoid": _integers(-3, 3)},
    ),
    OpCase(
        "ceil",
        lambda a: a.ceil(),
        np.ceil,
        arrays(),
        primitive="Ceil",
        options={"avoid": _integers(-3, 3)},
    ),
    OpCase(
        "round",
        lambda a: a.round(),
        np.round,
        arrays(),
        primitive="Round",
        options={"avoid": _halves(-3, 3)},
    ),
    OpCase(
        "trunc",
        lambda a: a.trunc(),
        np.trunc,
        arrays(),
        primitive="Trunc",
        options={"avoid": _integers(-3, 3)},
    ),
    # binary
    OpCase(
        "remainder",
        lambda a, b: a % b,
        np.remainder,
        broadcastable_arrays(2, bounds=[(-3.0, 3.0), (-3.0, 3.0, 0.3)]),
        primitive="Remainder",
        options={"avoid": _jump_distance, "avoid_gap": 1e-3},
    ),
    OpCase(
        "floor_divide",
        lambda a, b: a // b,
        np.floor_divide,
        broadcastable_arrays(2, bounds=[(-3.0, 3.0), (-3.0, 3.0, 0.3)]),
        primitive="FloorDivide",
        options={"avoid": _jump_distance, "avoid_gap": 1e-3},
    ),
    OpCase(
        "maximum",
        tg.maximum,
        np.maximum,
        broadcastable_arrays(2, no_ties=True),
        primitive="Maximum",
        options={"max_examples": 40},  # the first 25 draws have no empty pair
    ),
    OpCase(
        "minimum",
        tg.minimum,
        np.minimum,
        broadcastable_arrays(2, no_ties=True),
        primitive="Minimum",
        options={"max_examples": 40},  # the first 25 draws have no empty pair
    ),
    OpCase(
        "clip numbers",
        lambda a: tg.clip(a, -1.0, 1.0),
        lambda a: np.clip(a, -1.0, 1.0),
        arrays(),
        primitive="Clip",
        options={"avoid": {-1.0: "right", 1.0: "left"}},  # PyTorch: the bounds pass gradient
    ),
    OpCase(
        "clamp min only",
        lambda a: a.clamp(min=0.5),
        lambda a: np.maximum(a, 0.5),
        arrays(),
        options={"avoid": {0.5: "right"}},
    ),
    OpCase(
        "clip tensors",
        tg.clip,
        np.clip,
        broadcastable_arrays(3, bounds=[(-3.0, 3.0), (-2.0, -0.5), (0.5, 2.0)]),
        options={"avoid": lambda x, lo, hi: np.minimum(np.abs(x - lo), np.abs(x - hi))},
    ),
    # reductions
    OpCase(
        "min",
        lambda a, **p: a.min(**p),
        lambda a, **p: np.min(a, **p),
        distinct_arrays(shapes(empty=False)),  # min over an empty axis is an error
        reduction_params,
        primitive="Min",
    ),
    OpCase(
        "prod",
        lambda a, **p: a.prod(**p),
        lambda a, **p: np.prod(a, **p),
        arrays(),
        reduction_params,
        primitive="Prod",
    ),
    OpCase(
        "cumsum",
        lambda a, axis: a.cumsum(axis),
        lambda a, axis: np.cumsum(a, axis=axis),
        arrays(),
        lambda a: st.fixed_dictionaries({"axis": axes_for(a, tuples=False)}),
        primitive="Cumsum",
    ),
    OpCase(
        "var",
        lambda a, **p: a.var(**p),
        _variance_reference(np.var),
        arrays(shape=shapes(empty=False)),
        _variance_params,
    ),
    OpCase(
        "std",
        lambda a, **p: a.std(**p),
        _variance_reference(np.std),
        distinct_arrays(shapes(empty=False)),  # a constant slice is a kink of std
        _variance_params,
    ),
    # variadic
    OpCase(
        "cat",
        lambda *xs, axis: tg.cat(list(xs), axis=axis),
        lambda *xs, axis: np.concatenate(xs, axis=axis),
        concatenable_arrays(),
        primitive="Cat",
    ),
    OpCase(
        "stack",
        lambda *xs, axis: tg.stack(xs, dim=axis),
        lambda *xs, axis: np.stack(xs, axis=axis),
        stackable_arrays(),
        primitive="Stack",
    ),
    # shape
    OpCase(
        "flip",
        lambda a, dims: a.flip(dims),
        lambda a, dims: np.flip(a, dims) if a.ndim else a.copy(),
        arrays(),
        _flip_params,
        primitive="Flip",
    ),
    OpCase(
        "expand",
        lambda a, sizes: a.expand(*sizes),
        _expand_reference,
        arrays(),
        _expand_params,
        primitive="Expand",
    ),
    OpCase(
        "repeat",
        lambda a, repeats: a.repeat(*repeats),
        lambda a, repeats: np.tile(a, repeats),
        arrays(),
        _repeat_params,
    ),
    OpCase(
        "unflatten",
        lambda a, dim, sizes: a.unflatten(dim, sizes),
        _unflatten_reference,
        arrays(shape=shapes(min_dims=1)),
        _unflatten_params,
    ),
    OpCase(
        "gather",
        lambda a, dim, index: a.gather(dim, index),
        _gather_reference,
        arrays(),
        _gather_params,
    ),
    OpCase(
        "masked_fill",
        lambda a, mask, value: a.masked_fill(mask, value),
        lambda a, mask, value: np.where(mask, value, a),
        arrays(),
        _masked_fill_params,
    ),
    # activations (functional)
    OpCase(
        "softplus",
        F.softplus,
        lambda a: np.where(a > 20, a, np.logaddexp(0.0, a)),
        arrays(low=-25.0, high=25.0),
        options={"avoid": [20.0]},  # the switch to x: a jump of 2e-9
    ),
    OpCase(
        "softplus beta=2 threshold=5",
        lambda a: F.softplus(a, beta=2.0, threshold=5.0),
        lambda a: np.where(2 * a > 5, a, np.logaddexp(0.0, 2 * a) / 2),
        arrays(),
        options={"avoid": [2.5]},
    ),
    OpCase("logsigmoid", F.logsigmoid, lambda a: -np.logaddexp(0.0, -a), arrays(low=-30, high=30)),
    OpCase(
        "elu alpha=0.7",
        lambda a: F.elu(a, alpha=0.7),
        lambda a: np.where(a > 0, a, 0.7 * np.expm1(a)),
        arrays(),
        options={"avoid": {0.0: "left"}},  # PyTorch: elu'(0) = alpha
    ),
    OpCase(
        "gelu", F.gelu, lambda a: 0.5 * a * (1 + _erf(a / np.sqrt(2))), arrays(low=-6.0, high=6.0)
    ),
    OpCase(
        "gelu tanh",
        lambda a: F.gelu(a, approximate="tanh"),
        lambda a: 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a**3))),
        arrays(low=-6.0, high=6.0),
    ),
    OpCase("silu", F.silu, lambda a: a / (1 + np.exp(-a)), arrays(low=-20.0, high=20.0)),
    OpCase(
        "hardtanh",
        lambda a: F.hardtanh(a, -0.5, 1.5),
        lambda a: np.clip(a, -0.5, 1.5),
        arrays(),
        options={"avoid": {-0.5: "left", 1.5: "right"}},  # PyTorch: 0 at both bounds
    ),
]

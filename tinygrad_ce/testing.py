"""A testing kit for people adding ops: hypothesis strategies and ``check_op``.

``check_op`` draws inputs from a strategy and runs ``gradcheck`` on each draw, so one line tests an
op over many shapes. The strategies give float64 arrays with value bounds (keep inputs away from
where an op is undefined or has a kink), mutually broadcastable shapes for binary ops, arrays
without near-ties (for ``max``) and class-index targets for a logits shape.

hypothesis is a test-only dependency: ``pip install "tinygrad_ce[test]"``.

>>> import tinygrad_ce.testing as tgt
>>> tgt.check_op(lambda x: x.exp().sum(axis=-1), tgt.arrays(low=-2, high=2), max_examples=5)
"""

from __future__ import annotations

import math

import numpy as np

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as error:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "tinygrad_ce.testing needs hypothesis, a test-only dependency: "
        'pip install "tinygrad_ce[test]"  (or: pip install hypothesis)'
    ) from error

from tinygrad_ce.engine import Tensor
from tinygrad_ce.gradcheck import gradcheck

__all__ = [
    "arrays",
    "broadcastable_arrays",
    "check_op",
    "class_targets",
    "distinct_arrays",
    "shapes",
]


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes, small enough for finite differences (each element costs two evaluations)."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


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


def arrays(shape=None, low=-3.0, high=3.0, min_magnitude=0.0):
    """float64 arrays with elements in [low, high] and |x| >= min_magnitude.

    ``shape`` is a tuple, a strategy of tuples, or None for ``shapes()``.
    """
    if shape is None:
        shape = shapes()
    return hnp.arrays(np.float64, shape, elements=_elements(low, high, min_magnitude))


def broadcastable_arrays(num=2, bounds=None, max_dims=3, max_side=4):
    """Tuples of ``num`` float64 arrays whose shapes broadcast together.

    ``bounds`` is one ``(low, high)`` or ``(low, high, min_magnitude)`` per array (default
    ``(-3, 3)``).
    """
    bounds = bounds or [(-3.0, 3.0)] * num
    shape_sets = hnp.mutually_broadcastable_shapes(
        num_shapes=num, min_dims=0, max_dims=max_dims, max_side=max_side
    )
    return shape_sets.flatmap(
        lambda drawn: st.tuples(*(arrays(s, *b) for s, b in zip(drawn.input_shapes, bounds)))
    )


def distinct_arrays(shape=None, gap=0.05):
    """float64 arrays whose elements are all at least ``gap`` apart: no ties, even after a
    finite-difference step (what ``max`` needs for its gradient to be defined)."""
    shape = shapes() if shape is None else shape
    if isinstance(shape, tuple):
        shape = st.just(shape)

    def spaced(shape):
        size = math.prod(shape)
        return st.tuples(st.permutations(range(size)), st.floats(-1, 1)).map(
            lambda drawn: (
                (np.array(drawn[0], dtype=np.float64) - size / 2) * gap * 3 + drawn[1]
            ).reshape(shape)
        )

    return shape.flatmap(spaced)


def class_targets(logits_shape, ignore_index=None):
    """int64 class indices for logits of ``logits_shape`` ((C,), (N, C) or (N, C, d1, ...)).

    The target has the logits' shape without the class axis (axis 1, or 0 for 1-d logits); with
    ``ignore_index`` some entries may be that value.
    """
    classes = logits_shape[0] if len(logits_shape) == 1 else logits_shape[1]
    target_shape = () if len(logits_shape) == 1 else (logits_shape[0], *logits_shape[2:])
    values = st.integers(0, classes - 1)
    if ignore_index is not None:
        values = st.one_of(values, st.just(ignore_index))
    return hnp.arrays(np.int64, target_shape, elements=values)


def check_op(fn, inputs, params=None, max_examples=25, **gradcheck_options):
    """Gradcheck ``fn`` on inputs drawn by hypothesis; raises on the first failing draw.

    ``inputs`` is a strategy of one array or a tuple of arrays (each becomes a float64 Tensor that
    requires grad); ``params``, if given, maps the drawn arrays to a strategy of keyword
    arguments for ``fn`` (an axis that fits the drawn shape, say).

    >>> from hypothesis import strategies as st
    >>> check_op(
    ...     lambda x, axis: x.sum(axis=axis),
    ...     arrays(shape=(2, 3)),
    ...     params=lambda x: st.fixed_dictionaries({"axis": st.sampled_from([0, 1, None])}),
    ...     max_examples=5,
    ... )
    """
    drawn_kwargs = st.just({}) if params is None else None

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def run(data):
        arrays = data.draw(inputs, label="inputs")
        if not isinstance(arrays, tuple):
            arrays = (arrays,)
        kwargs = data.draw(drawn_kwargs if params is None else params(*arrays), label="params")
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        gradcheck(lambda *ts: fn(*ts, **kwargs), tensors, **gradcheck_options)

    run()

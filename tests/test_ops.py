"""One table of every primitive op: gradchecked on drawn shapes, and checked against NumPy.

Adding an op to the tests is one row: a name, the op applied to Tensors, the same thing in NumPy,
a strategy for its inputs (float64 arrays, bounded away from where the op is undefined) and,
optionally, a strategy for its keyword arguments given the drawn arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_ce as tg
from tinygrad_ce import Tensor
from tinygrad_ce.testing import arrays, broadcastable_arrays, check_op, distinct_arrays, shapes


def axes_for(x):
    """An axis argument that fits x: None, one axis (maybe negative) or a tuple of axes."""
    ndim = np.ndim(x)
    if ndim == 0:
        return st.just(None)
    one_axis = st.integers(-ndim, ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
    return st.one_of(st.none(), one_axis, several)


def reduction_params(x):
    return st.fixed_dictionaries({"axis": axes_for(x), "keepdims": st.booleans()})


@st.composite
def matmul_pairs(draw):
    """Operands for @: 1-d, 2-d and batched with broadcasting batch axes."""
    n, k, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    a_kind, b_kind = (
        draw(st.sampled_from(["1d", "2d", "batched"])),
        draw(st.sampled_from(["1d", "2d", "batched"])),
    )
    batch = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=3)
    )
    a_shape = {"1d": (k,), "2d": (n, k), "batched": (*batch.input_shapes[0], n, k)}[a_kind]
    b_shape = {"1d": (k,), "2d": (k, m), "batched": (*batch.input_shapes[1], k, m)}[b_kind]
    return draw(arrays(a_shape)), draw(arrays(b_shape))


@st.composite
def index_for(draw, x):
    """An index into x: basic (slices, ints, None, ...), integer arrays (with repeats) or a mask."""
    shape = np.shape(x)
    kind = draw(st.sampled_from(["basic", "integer arrays", "mask", "mixed"]))
    if kind == "basic" or not shape:
        return draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    if kind == "integer arrays":
        return draw(hnp.integer_array_indices(shape))
    if kind == "mask":
        return draw(hnp.arrays(np.bool_, shape))
    # an integer array on the first axis, a slice on the rest
    rows = draw(hnp.arrays(np.int64, st.integers(1, 4), elements=st.integers(0, shape[0] - 1)))
    return (rows, *(slice(None, None, draw(st.sampled_from([1, -1]))) for _ in shape[1:]))


def sigmoid_reference(x):
    return 1 / (1 + np.exp(-x))


@dataclass
class OpCase:
    name: str
    op: Any  # (*tensors, **params) -> Tensor
    reference: Any  # (*arrays, **params) -> ndarray
    inputs: Any  # strategy: an array or a tuple of arrays
    params: Any = None  # drawn arrays -> strategy of keyword arguments


POSITIVE = (0.2, 3.0)
AWAY_FROM_ZERO = (-3.0, 3.0, 0.3)

OP_TABLE = [
    OpCase("add", lambda a, b: a + b, np.add, broadcastable_arrays(2)),
    OpCase("sub", lambda a, b: a - b, np.subtract, broadcastable_arrays(2)),
    OpCase("mul", lambda a, b: a * b, np.multiply, broadcastable_arrays(2)),
    OpCase(
        "div",
        lambda a, b: a / b,
        np.divide,
        broadcastable_arrays(2, bounds=[(-3.0, 3.0), AWAY_FROM_ZERO]),
    ),
    OpCase("neg", lambda a: -a, np.negative, arrays()),
    OpCase("pow tensor**scalar", lambda a: a**2.5, lambda a: a**2.5, arrays(low=0.2, high=3)),
    OpCase("pow tensor**int", lambda a: a**3, lambda a: a**3, arrays()),
    OpCase(
        "pow tensor**tensor",
        lambda a, b: a**b,
        np.power,
        broadcastable_arrays(2, bounds=[POSITIVE, (-2.0, 2.0)]),
    ),
    OpCase("pow scalar**tensor", lambda b: 1.7**b, lambda b: 1.7**b, arrays()),
    OpCase("matmul", lambda a, b: a @ b, np.matmul, matmul_pairs()),
    OpCase("exp", lambda a: a.exp(), np.exp, arrays()),
    OpCase("cast", lambda a: a.to(np.longdouble).to(np.float64), lambda a: a, arrays()),
    OpCase("log", lambda a: a.log(), np.log, arrays(low=0.1, high=5)),
    OpCase("log1p", lambda a: a.log1p(), np.log1p, arrays(low=-0.8, high=5)),
    OpCase("relu", lambda a: a.relu(), lambda a: np.maximum(a, 0), arrays(min_magnitude=0.01)),
    OpCase("tanh", lambda a: a.tanh(), np.tanh, arrays()),
    OpCase("sigmoid", lambda a: a.sigmoid(), sigmoid_reference, arrays(low=-8, high=8)),
    OpCase(
        "sum", lambda a, **p: a.sum(**p), lambda a, **p: np.sum(a, **p), arrays(), reduction_params
    ),
    OpCase(
        "mean",
        lambda a, **p: a.mean(**p),
        lambda a, **p: np.mean(a, **p),
        arrays(),
        reduction_params,
    ),
    OpCase(
        "max",
        lambda a, **p: a.max(**p),
        lambda a, **p: np.max(a, **p),
        distinct_arrays(),
        reduction_params,
    ),
    OpCase(
        "reshape",
        lambda a: a.reshape(*reversed(a.shape), 1),
        lambda a: a.reshape((*reversed(a.shape), 1)),
        arrays(),
    ),
    OpCase(
        "transpose",
        lambda a, axes: a.transpose(*axes),
        np.transpose,
        arrays(),
        lambda a: st.fixed_dictionaries({"axes": st.permutations(range(a.ndim)).map(tuple)}),
    ),
    OpCase(".T", lambda a: a.T, np.transpose, arrays()),
    OpCase(
        "getitem",
        lambda a, index: a[index],
        lambda a, index: a[index],
        arrays(),
        lambda a: st.fixed_dictionaries({"index": index_for(a)}),
    ),
    OpCase(
        "where",
        lambda a, b, cond: tg.where(cond, a, b),
        lambda a, b, cond: np.where(cond, a, b),
        broadcastable_arrays(2),
        lambda a, b: st.fixed_dictionaries(
            {"cond": hnp.arrays(np.bool_, np.broadcast_shapes(a.shape, b.shape))}
        ),
    ),
]


@pytest.mark.parametrize("case", OP_TABLE, ids=lambda case: case.name)
def test_gradient_matches_finite_differences(case):
    check_op(case.op, case.inputs, params=case.params, max_examples=30)


@pytest.mark.parametrize("case", OP_TABLE, ids=lambda case: case.name)
def test_forward_matches_numpy(case):
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(data=st.data())
    def run(data):
        drawn = data.draw(case.inputs)
        drawn = drawn if isinstance(drawn, tuple) else (drawn,)
        params = data.draw(case.params(*drawn)) if case.params else {}
        copies = [a.copy() for a in drawn]
        result = case.op(*(Tensor(a, requires_grad=True) for a in drawn), **params)
        expected = case.reference(*drawn, **params)
        assert isinstance(result, Tensor)
        assert result.shape == np.shape(expected)
        assert result.dtype == np.float64
        np.testing.assert_allclose(result.data, expected, rtol=1e-12, atol=1e-15)
        for original, copy in zip(drawn, copies):  # no op modifies its input
            np.testing.assert_array_equal(original, copy)

    run()


def test_every_primitive_op_is_in_the_table():
    """A new Function in tinygrad_ce.ops without a row here fails this test."""
    from tinygrad_ce import ops

    primitives = {
        name
        for name, value in vars(ops).items()
        if isinstance(value, type) and issubclass(value, tg.Function) and value is not tg.Function
    }
    covered = {
        "Add": "add",
        "Sub": "sub",
        "Mul": "mul",
        "Div": "div",
        "Neg": "neg",
        "Pow": "pow tensor**tensor",
        "MatMul": "matmul",
        "Exp": "exp",
        "Log": "log",
        "Log1p": "log1p",
        "ReLU": "relu",
        "Tanh": "tanh",
        "Sigmoid": "sigmoid",
        "Sum": "sum",
        "Max": "max",
        "Reshape": "reshape",
        "Cast": "cast",
        "Transpose": "transpose",
        "GetItem": "getitem",
        "Where": "where",
    }
    assert primitives == set(covered)
    assert set(covered.values()) <= {case.name for case in OP_TABLE}


@given(arrays(shape=shapes(min_dims=1)))
@settings(max_examples=20, deadline=None)
def test_mean_of_float32_stays_float32(x):
    result = Tensor(x.astype(np.float32)).mean(axis=0)
    assert result.dtype == np.float32

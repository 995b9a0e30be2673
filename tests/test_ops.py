"""Every op, through the testing kit: ``tinygrad_ce.testing.OP_TABLE`` has a row for every
primitive op (and for the ops composed from them), and ``check_op`` runs on each row (the forward
against NumPy, gradients by finite differences with some inputs not requiring grad, kinks,
float32, inputs left unchanged), on examples that include 0-d and empty inputs.

Adding an op to the tests is one row in ``OP_TABLE``; the guard test below fails until a new
primitive ``Function`` in ``tinygrad_ce.ops`` has one.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_ce as tg
from tinygrad_ce import Tensor
from tinygrad_ce.testing import OP_TABLE, Args, arrays, shapes

EXAMPLES_PER_OP = 25  # check_op's default (a row's own max_examples wins); about 0.2 s per op

# The rows whose op takes no 0-d input, or no empty one; every other row's examples reach both.
NO_0D_INPUT = {"matmul", "cat", "unflatten"}  # each needs an axis to work along
NO_EMPTY_INPUT = {"max", "min", "var", "std"}  # over an empty axis: an error, or NaN


@pytest.mark.parametrize("case", OP_TABLE, ids=lambda case: case.name)
def test_op_passes_the_kit(case):
    seen = set()

    def op(*args, **kwargs):
        seen.update(a.shape for a in args if isinstance(a, Tensor))
        return case.op(*args, **kwargs)

    def corners_reached():
        zero_d = case.name in NO_0D_INPUT or () in seen
        empty = case.name in NO_EMPTY_INPUT or any(0 in shape for shape in seen)
        return zero_d and empty

    # The same examples on every run; another hypothesis version draws others, so where its
    # first examples miss a 0-d or an empty input, more seeds run until they come.
    options = {"max_examples": EXAMPLES_PER_OP, **case.options}
    for seed in (None, 1, 2, 3, 4):
        dataclasses.replace(case, op=op).check(
            **options, **({} if seed is None else {"seed": seed})
        )
        if corners_reached():
            break
    assert case.name in NO_0D_INPUT or () in seen, f"no 0-d input among {sorted(seen)}"
    empty = any(0 in shape for shape in seen)
    assert case.name in NO_EMPTY_INPUT or empty, f"no empty input among {sorted(seen)}"


def test_the_rows_without_0d_or_empty_inputs_exist():
    assert NO_0D_INPUT | NO_EMPTY_INPUT <= {case.name for case in OP_TABLE}


def _primitives():
    from tinygrad_ce import ops

    return {
        name
        for name, value in vars(ops).items()
        if isinstance(value, type)
        and issubclass(value, tg.Function)
        and value is not tg.Function
        and value.__module__ == ops.__name__
        and not name.startswith("_")  # a shared base such as _PiecewiseConstant
    }


def _op_names(output):
    """The names of the ops in the graph of ``output`` (both engines' node kinds)."""
    names, stack, seen = set(), [output.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.add(type(getattr(node, "function", node)).__name__)
        stack.extend(s for s in getattr(node, "inputs", ()) if hasattr(s, "inputs"))
    return names


def test_every_primitive_op_has_a_row():
    """A new Function in tinygrad_ce.ops without a row in OP_TABLE fails this test."""
    rows = {case.primitive for case in OP_TABLE if case.primitive}
    missing = _primitives() - rows
    assert not missing, f"primitive ops without a row in tinygrad_ce.testing.OP_TABLE: {missing}"
    assert rows <= _primitives(), f"rows name ops that do not exist: {rows - _primitives()}"


@pytest.mark.parametrize("case", [c for c in OP_TABLE if c.primitive], ids=lambda case: case.name)
def test_each_row_runs_the_primitive_it_names(case):
    @settings(max_examples=3, deadline=None, database=None, derandomize=True)
    @given(data=st.data())
    def run(data):
        drawn = data.draw(case.inputs)
        if isinstance(drawn, Args):
            drawn, params = drawn.arrays, dict(drawn.kwargs)
        else:
            drawn, params = (drawn if isinstance(drawn, tuple) else (drawn,)), {}
        if case.params:
            params.update(data.draw(case.params(*drawn)))
        out = case.op(*(Tensor(a, requires_grad=a.dtype.kind == "f") for a in drawn), **params)
        assert case.primitive in _op_names(out)

    run()


@given(arrays(shape=shapes(min_dims=1)))
@settings(max_examples=20, deadline=None, derandomize=True)
def test_mean_of_float32_stays_float32(x):
    result = Tensor(x.astype(np.float32)).mean(axis=0)
    assert result.dtype == np.float32

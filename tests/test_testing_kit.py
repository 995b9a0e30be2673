"""tinygrad_ce.testing: the strategies draw what they promise, check_op catches a wrong op, and
importing it without hypothesis says what to install."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_ce as tg
from tinygrad_ce.testing import (
    arrays,
    broadcastable_arrays,
    check_op,
    class_targets,
    distinct_arrays,
    shapes,
)


@given(arrays(low=-2.0, high=5.0, min_magnitude=0.5))
@settings(max_examples=50, deadline=None)
def test_arrays_respect_their_bounds(x):
    assert x.dtype == np.float64
    assert np.all((x >= -2.0) & (x <= 5.0))
    assert np.all(np.abs(x) >= 0.5)


@given(broadcastable_arrays(3))
@settings(max_examples=50, deadline=None)
def test_broadcastable_arrays_broadcast_together(xs):
    assert len(xs) == 3
    np.broadcast_shapes(*(x.shape for x in xs))  # raises if they do not


@given(distinct_arrays(gap=0.05))
@settings(max_examples=50, deadline=None)
def test_distinct_arrays_have_no_near_ties(x):
    flat = np.sort(x.reshape(-1))
    assert np.all(np.diff(flat) >= 0.05 * 0.999)


@given(st.data(), shapes(min_dims=1, max_dims=4))
@settings(max_examples=50, deadline=None)
def test_class_targets_fit_the_logits(data, shape):
    target = data.draw(class_targets(shape, ignore_index=-100))
    classes = shape[0] if len(shape) == 1 else shape[1]
    expected = () if len(shape) == 1 else (shape[0], *shape[2:])
    assert target.shape == expected and target.dtype == np.int64
    assert np.all(((target >= 0) & (target < classes)) | (target == -100))


def test_check_op_catches_a_wrong_gradient():
    class HalfGradientSquare(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # should be 2 * g * x

    with pytest.raises(tg.GradcheckError):
        check_op(HalfGradientSquare.apply, arrays(low=0.5, high=2.0), max_examples=5)


def test_importing_the_kit_without_hypothesis_says_what_to_install():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n"
        "    import tinygrad_ce.testing\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install" in out.stdout and "hypothesis" in out.stdout
    # the rest of the package does not need hypothesis
    code = "import sys; sys.modules['hypothesis'] = None; import tinygrad_ce; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"

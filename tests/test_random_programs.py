"""Differential test: random programs run by tinygrad_ce and by PyTorch, values and gradients.

Each program (``program_strategies.programs``) is a DAG of 1 to 20 ops over the public Tensor
API: arithmetic with Python numbers, NumPy arrays and Tensors on either side, powers, matmul,
reductions over ints, negative ints, tuples and lists of axes, reshape, transpose with negative
axes, and chains of indexing; over 0-d, size-1 and size-0 shapes and broadcasting pairs, with
leaves and intermediate values read 2 to 4 times. tinygrad_ce must agree with PyTorch in float64:
the output, and after ``backward`` with a random upstream gradient, every leaf's ``.grad``
(including which leaves get none) and that of up to three intermediates that called
``retain_grad()``, then twice that after a second backward through the retained graph. Every array
a program hands over (leaves, constants, index arrays, the upstream gradient) is read-only, so
writing into an input fails. The torch-free twin checks the same kind of program
(kept away from kinks) against central differences with ``gradcheck``, and a third test changes a
tensor in place between forward and backward: backward must raise, or be unaffected.

600 + 200 + 100 programs per run, derandomized, not shrunk: a failure prints the program as a
runnable tinygrad_ce script of at most 20 ops. For a longer hunt, with shrinking, run
``TINYGRAD_CE_PROGRAMS=20000 pytest tests/test_random_programs.py`` (new programs each run).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from program_strategies import OURS, TORCH, features, programs

from tinygrad_ce import Tensor, gradcheck, no_grad

FUZZ = int(os.environ.get("TINYGRAD_CE_PROGRAMS", "0"))


def _settings(examples):
    # The suite is deterministic and does not shrink (a failing program prints as a script of at
    # most 20 ops; shrinking one can take minutes). A hunt draws new programs and shrinks.
    phases = list(Phase) if FUZZ else [Phase.explicit, Phase.reuse, Phase.generate]
    return settings(
        max_examples=FUZZ or examples,
        derandomize=not FUZZ,
        deadline=None,
        database=None,
        phases=phases,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _leaves(program):
    return [Tensor(a, requires_grad=True) for a in program.leaves]


def check_against_torch(program, torch):
    """Run ``program`` in tinygrad_ce and in PyTorch; assert equal outputs and leaf gradients."""
    ours = _leaves(program)
    theirs = [torch.tensor(a, requires_grad=True) for a in program.leaves]
    out, ours_retained = program.run(OURS, ours, retain=True)
    expected, theirs_retained = program.run(TORCH, theirs, retain=True)

    assert isinstance(out, Tensor) and out.requires_grad
    assert out.shape == tuple(expected.shape) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-7, atol=1e-10)

    out.backward(program.upstream, retain_graph=True)
    expected.backward(torch.tensor(program.upstream))
    ours_checked = ours + list(ours_retained.values())
    reference = [_numpy(t.grad) for t in theirs + list(theirs_retained.values())]
    _assert_grads(ours_checked, reference)
    # A second backward through the kept graph adds the same again: any array shared between
    # two .grad, or between a .grad and the graph, shows up here.
    out.backward(program.upstream)
    _assert_grads(ours_checked, [None if g is None else 2 * g for g in reference])


def _numpy(grad):
    return None if grad is None else grad.numpy()


def _assert_grads(tensors, expected):
    """Each tensor's .grad (leaves first, then retained intermediates) against PyTorch's."""
    for k, (tensor, reference) in enumerate(zip(tensors, expected)):
        name = f"tensor {k} (leaf x{k} or a retained step)"
        if reference is None:  # it does not reach the output
            assert tensor.grad is None, f"{name}: .grad should stay None"
            continue
        assert tensor.grad is not None, f"{name}: .grad is None; torch gives {reference}"
        assert tensor.grad.shape == tensor.shape and tensor.grad.dtype == np.float64, name
        np.testing.assert_allclose(tensor.grad, reference, rtol=1e-7, atol=1e-10, err_msg=name)


def check_gradcheck(program):
    """Every leaf's gradient of ``program`` agrees with central differences (float64)."""
    assert gradcheck(lambda *xs: program.run(OURS, xs), _leaves(program), atol=1e-5, rtol=1e-4)


@_settings(600)
@given(programs())
def test_random_program_matches_torch(program):
    check_against_torch(program, pytest.importorskip("torch"))


@_settings(200)
@given(programs(smooth=True))
def test_random_program_passes_gradcheck(program):
    check_gradcheck(program)


IN_PLACE = {
    "data =": lambda t: setattr(t, "data", t.data + 0.5),
    "add_": lambda t: t.add_(0.5),
    "mul_": lambda t: t.mul_(-2.0),
    "fill_": lambda t: t.fill_(1.5),
    "copy_": lambda t: t.copy_(np.ones(t.shape)),
    "zero_": lambda t: t.zero_(),
}


@_settings(100)
@given(programs(), st.integers(0, 99), st.sampled_from(sorted(IN_PLACE)))
def test_random_program_changed_in_place_raises_or_is_unaffected(program, which, change):
    """Between forward and backward, change one tensor (a leaf or an intermediate) in place.

    Backward must then raise RuntimeError (an op saved what changed), or give exactly the
    gradients of the unchanged program (nothing it needs changed): never something in between.
    """
    leaves = _leaves(program)
    program.run(OURS, leaves).backward(program.upstream)
    expected = [leaf.grad for leaf in leaves]

    leaves = _leaves(program)
    values = program.values(OURS, leaves)
    with no_grad():
        IN_PLACE[change](values[which % len(values)])
    try:
        values[-1].backward(program.upstream)
    except RuntimeError as error:
        assert "version" in str(error)
        return
    _assert_grads(leaves, expected)


CORNERS = {
    *("0-d value", "size-0 value", "size-1 axis", "broadcast", "x op x", "negative axis"),
    *(f"{kind} read {n} times" for kind in ("leaf", "node") for n in (2, 3, 4)),
    *(
        f"{side} {operand}"
        for side in ("left", "right")
        for operand in ("Ref ", "Scalar ", "Const array", "Const tensor")
    ),
    *("+", "-", "*", "/", "**", "neg", "exp", "log", "relu", "tanh", "sigmoid"),
    *("matmul 1-d @ 1-d", "matmul 1-d @ 2-d", "matmul 2-d @ 1-d", "matmul 2-d @ 2-d"),
    *("matmul batched", "sum", "mean", "max", "keepdims True", "keepdims False"),
    *(f"axis {kind}" for kind in ("NoneType", "int", "tuple", "list")),
    *("reshape", "reshape -1", "transpose spread", "transpose swap", "transpose tuple"),
    "transpose T",
    *(f"index {kind}" for kind in ("slice", "int", "none", "ellipsis", "array", "mask")),
    *("index []", "index repeats", "index chain"),
}


def test_the_generator_reaches_every_corner():
    """The programs the suite draws cover every corner the differential tests are meant for."""
    seen = set()

    @settings(max_examples=150, derandomize=True, deadline=None, database=None)
    @given(programs())
    def collect(program):
        seen.update(features(program))

    collect()
    assert CORNERS <= seen, f"never drawn: {sorted(CORNERS - seen)}"

"""tinygrad_ce.testing: the strategies draw what they promise; check_op gives the same examples on
every run and catches the mistakes extenders make (a backward that mishandles needs_input_grad, a
wrong gradient at a kink, a float32 overflow, a forward that is not the reference, an op that
changes its inputs); importing it without hypothesis says what to install."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_ce as tg
from tinygrad_ce.testing import (
    OP_TABLE,
    Args,
    OpCase,
    OpCheckError,
    arrays,
    axes_for,
    broadcastable_arrays,
    check_op,
    class_targets,
    concatenable_arrays,
    distinct_arrays,
    shapes,
    stackable_arrays,
)

DRAWS = settings(max_examples=50, deadline=None, derandomize=True, database=None)


# --------------------------------------------------------------------------- strategies


@given(arrays(low=-2.0, high=5.0, min_magnitude=0.5))
@DRAWS
def test_arrays_respect_their_bounds(x):
    assert x.dtype == np.float64
    assert np.all((x >= -2.0) & (x <= 5.0))
    assert np.all(np.abs(x) >= 0.5)


def test_shapes_include_0d_and_empty_ones_unless_told_otherwise():
    drawn, no_empty = [], []
    check_op(lambda x: x * 2, arrays().map(lambda a: drawn.append(a.shape) or a), max_examples=40)
    check_op(
        lambda x: x * 2,
        arrays(empty=False).map(lambda a: no_empty.append(a.shape) or a),
        max_examples=40,
    )
    assert () in drawn and any(0 in s for s in drawn) and any(len(s) >= 2 for s in drawn)
    assert not any(0 in s for s in no_empty)


@given(broadcastable_arrays(3))
@DRAWS
def test_broadcastable_arrays_broadcast_together(xs):
    assert len(xs) == 3
    np.broadcast_shapes(*(x.shape for x in xs))  # raises if they do not


@given(broadcastable_arrays(2, no_ties=True, gap=0.05))
@DRAWS
def test_broadcastable_arrays_without_ties(ab):
    a, b = ab
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
    assert np.all(np.abs(a - b) >= 0.05 * 0.999)


def test_broadcastable_arrays_include_empty_broadcasts():
    seen = []
    check_op(
        lambda a, b: a + b,
        broadcastable_arrays(2).map(lambda ab: seen.append(ab) or ab),
        max_examples=40,
    )
    assert any(0 in np.broadcast_shapes(a.shape, b.shape) for a, b in seen)


@given(distinct_arrays(gap=0.05))
@DRAWS
def test_distinct_arrays_have_no_near_ties(x):
    flat = np.sort(x.reshape(-1))
    assert np.all(np.diff(flat) >= 0.05 * 0.999)


@given(st.data(), shapes(min_dims=1, max_dims=4, empty=False))
@DRAWS
def test_class_targets_fit_the_logits(data, shape):
    target = data.draw(class_targets(shape, ignore_index=-100))
    classes = shape[0] if len(shape) == 1 else shape[1]
    expected = () if len(shape) == 1 else (shape[0], *shape[2:])
    assert target.shape == expected and target.dtype == np.int64
    assert np.all(((target >= 0) & (target < classes)) | (target == -100))


@given(st.data(), arrays())
@DRAWS
def test_axes_for_gives_axes_numpy_accepts(data, x):
    axis = data.draw(axes_for(x))
    np.sum(x, axis=axis)  # raises on an invalid axis
    if isinstance(axis, tuple):
        assert len({a % x.ndim for a in axis}) == len(axis)


def test_axes_for_draws_negative_axes_and_tuples():
    seen = []

    def fn(x, axis):
        seen.append(axis)
        return x.sum(axis=axis)

    check_op(fn, arrays(shape=(2, 3, 2)), lambda x: st.fixed_dictionaries({"axis": axes_for(x)}))
    assert None in seen
    assert any(isinstance(a, int) and a < 0 for a in seen)
    assert any(isinstance(a, tuple) and min(a) < 0 for a in seen)


@given(concatenable_arrays())
@DRAWS
def test_concatenable_arrays_concatenate(drawn):
    assert 1 <= len(drawn.arrays) <= 4
    ndim = drawn.arrays[0].ndim
    assert -ndim <= drawn.kwargs["axis"] < ndim
    np.concatenate(drawn.arrays, **drawn.kwargs)


@given(stackable_arrays())
@DRAWS
def test_stackable_arrays_stack(drawn):
    ndim = drawn.arrays[0].ndim
    assert -ndim - 1 <= drawn.kwargs["axis"] <= ndim
    assert np.stack(drawn.arrays, **drawn.kwargs).shape[drawn.kwargs["axis"]] == len(drawn.arrays)


# --------------------------------------------------------------------------- determinism


def recorded_examples(**options):
    seen = []
    strategy = broadcastable_arrays(2).map(lambda ab: seen.append([a.tolist() for a in ab]) or ab)
    check_op(lambda a, b: a * b, strategy, max_examples=10, **options)
    return seen


def test_check_op_draws_the_same_examples_on_every_run():
    first = recorded_examples()
    assert len(first) >= 10
    assert recorded_examples() == first
    assert recorded_examples(seed=1) == recorded_examples(seed=1)
    assert recorded_examples(seed=1) != first
    assert recorded_examples(seed=2) != recorded_examples(seed=1)


def test_check_op_draws_the_same_examples_whatever_modules_are_loaded(tmp_path, monkeypatch):
    """hypothesis may mix in constants from the source of loaded modules; the kit turns that off,
    so importing a module full of odd numbers (or editing one) changes nothing."""
    first = recorded_examples()
    constants = ", ".join(f"{v!r}" for v in (0.7316, -2.2227, 1.3e-300, 2.9999, 0.1234567, 7, 3))
    (tmp_path / "odd_constants_for_the_kit.py").write_text(f"VALUES = [{constants}]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import odd_constants_for_the_kit  # noqa: F401

    assert recorded_examples() == first


FRESH_RUN = """
import numpy as np
import tinygrad_ce as tg
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase
from tinygrad_ce.testing import arrays, check_op

# A user's profile that keeps a database in the current folder: check_op must not use it.
settings.register_profile("mine", database=DirectoryBasedExampleDatabase(".hypothesis/mine"))
settings.load_profile("mine")


class SinWithAWrongBackward(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.sin(x)


seen = []
strategy = arrays().map(lambda a: seen.append(a.tolist()) or a)
check_op(lambda x: x.exp(), strategy, reference=np.exp, max_examples=10)
print(len(seen), hash(repr(seen)))
for seed in (None, 7):
    try:
        check_op(lambda x: SinWithAWrongBackward.apply(x), arrays(), max_examples=10, seed=seed)
    except tg.GradcheckError as error:
        print(error, [note for note in error.__notes__ if note.startswith("Draw")])
"""


def test_check_op_writes_nothing_in_the_current_folder_and_fails_the_same_way_every_run(tmp_path):
    """In fresh interpreters (without this suite's hypothesis profile), from a folder holding a
    local module (hypothesis caches the constants of local source files under .hypothesis/)."""
    (tmp_path / "user_test.py").write_text(FRESH_RUN)
    env = {**os.environ, "PYTHONPATH": str(Path(tg.__file__).resolve().parent.parent)}
    env["PYTHONHASHSEED"] = "0"  # the printed hash of the drawn examples
    env.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    outputs = []
    for _ in range(2):
        command = [sys.executable, "user_test.py"]
        run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
        assert sorted(os.listdir(tmp_path)) == ["user_test.py"]  # no .hypothesis/, no cache
    lines = outputs[0].splitlines()
    assert int(lines[0].split()[0]) >= 10  # the examples drawn by a passing check
    assert len(lines) == 3 and all("gradient of input 0" in line for line in lines[1:]), lines
    assert outputs[1] == outputs[0]  # the same examples, the same failures


def test_check_op_runs_max_examples():
    calls = []
    check_op(lambda x: calls.append(1) or x.exp(), arrays(empty=False), max_examples=7)
    runs_per_example = 4  # the kit's own checks each call fn several times
    assert runs_per_example * 7 <= len(calls)


# --------------------------------------------------------------------------- needs_input_grad


class ScaledProduct(tg.Function):
    """y = x * w * 2;  dL/dx = 2 g w,  dL/dw = 2 g x   (skips what is not needed)"""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w * 2

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad
        SEEN.append((need_x, need_w))
        return (2 * g * w if need_x else None), (2 * g * x if need_w else None)


SEEN = []


def test_check_op_runs_every_needs_input_grad_branch():
    SEEN.clear()
    check_op(ScaledProduct.apply, broadcastable_arrays(2, empty=False), max_examples=15)
    assert {(True, True), (True, False), (False, True)} <= set(SEEN)
    SEEN.clear()
    check_op(
        ScaledProduct.apply, broadcastable_arrays(2), max_examples=15, vary_requires_grad=False
    )
    assert set(SEEN) == {(True, True)}


class UnboundWhenNotNeeded(tg.Function):
    """The issue's bug: a backward that computes gw only when needed, then returns it anyway."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            gx = g * w
        if ctx.needs_input_grad[1]:
            gw = g * x
        return gx, gw  # one of them is unbound when that input needs no gradient


def test_check_op_catches_a_backward_that_mishandles_needs_input_grad():
    # every input requiring grad (the old kit) passes it ...
    check_op(UnboundWhenNotNeeded.apply, broadcastable_arrays(2), vary_requires_grad=False)
    # ... the kit draws inputs that do not, and the bug shows
    with pytest.raises(UnboundLocalError):
        check_op(UnboundWhenNotNeeded.apply, broadcastable_arrays(2))


def test_a_failing_example_labels_every_draw_and_shows_the_requires_grad_used():
    calls = []

    def op(x, w):
        calls.append((x.requires_grad, w.requires_grad))
        return UnboundWhenNotNeeded.apply(x, w)

    with pytest.raises(UnboundLocalError) as caught:
        check_op(op, broadcastable_arrays(2))
    draws = [note for note in caught.value.__notes__ if note.startswith("Draw")]
    assert draws and all(re.match(r"Draw \d+ \([^)]+\): ", note) for note in draws), draws
    (line,) = [note for note in draws if "requires_grad" in note]
    used = ast.literal_eval(line.split(": ", 1)[1])
    assert used == list(calls[-1])  # the call that failed ran with exactly these
    assert sorted(used) == [False, True]  # the bug needs one input without grad


def test_check_op_passes_constants_and_integer_arrays_through():
    """Non-array positional values reach the op unchanged; integer arrays never require grad."""

    def pick(x, scale, index):
        assert scale == 2.5 and index.dtype == np.int64
        assert not index.requires_grad
        return x[index.data] * scale

    inputs = arrays(shape=(3,)).map(lambda x: Args(x, 2.5, np.array([0, 2, 2])))
    check_op(pick, inputs, reference=lambda x, s, i: x[i] * s, max_examples=5)


# --------------------------------------------------------------------------- kinks


def clip_with(inside):
    """clip(x, lo, hi) whose backward passes g where ``inside(x, lo, hi)``."""

    class Clip(tg.Function):
        @staticmethod
        def forward(ctx, x, *, lo, hi):
            ctx.save_for_backward(x)
            ctx.lo, ctx.hi = lo, hi
            return np.clip(x, lo, hi)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * inside(x, ctx.lo, ctx.hi)

    return lambda x: Clip.apply(x, lo=-1.0, hi=1.0)


CLIP = clip_with(lambda x, lo, hi: (x >= lo) & (x <= hi))  # PyTorch: 1 at both bounds
CLIP_WRONG_SIDE = clip_with(lambda x, lo, hi: (x >= lo) & (x < hi))  # 0 at x == hi
PYTORCH_SIDES = {-1.0: "right", 1.0: "left"}  # the side whose derivative clamp gives there


def clip_reference(x):
    return np.clip(x, -1.0, 1.0)


def test_without_avoid_a_correct_clip_fails_at_its_kinks():
    with pytest.raises(tg.GradcheckError):  # hypothesis draws 1.0 exactly; a difference is no
        check_op(CLIP, arrays(), reference=clip_reference)  # derivative there


def test_avoid_keeps_drawn_values_away_from_the_kinks():
    seen = []

    def clip(x):
        seen.append(x.data.copy())
        return CLIP(x)

    check_op(clip, arrays(), avoid=[-1.0, 1.0], avoid_gap=0.01, float32=False, max_examples=30)
    values = np.concatenate([v.reshape(-1) for v in seen])
    assert values.size and np.min(np.abs(np.abs(values) - 1.0)) >= 0.01 - 1e-6


def test_check_op_catches_a_wrong_kink_gradient():
    check_op(CLIP, arrays(), reference=clip_reference, avoid=PYTORCH_SIDES)
    with pytest.raises(
        tg.GradcheckError, match=r"exactly at the kink 1.0: analytic 0.0 vs the left"
    ):
        check_op(CLIP_WRONG_SIDE, arrays(), reference=clip_reference, avoid=PYTORCH_SIDES)


def maximum_with(share_at_ties):
    class Maximum(tg.Function):
        """y = max(a, b);  dL/da = g where a wins, dL/db = g where b wins"""

        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return np.maximum(a, b)

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            need_a, need_b = ctx.needs_input_grad
            share = (a > b) + share_at_ties * (a == b)
            return (g * share if need_a else None), (g * (1 - share) if need_b else None)

    return Maximum.apply


def test_a_callable_avoid_keeps_a_function_of_the_inputs_away_from_zero():
    a_wins_ties = maximum_with(1.0)  # at a tie, a differentiable max has no derivative
    differences = []

    def gap(a, b):
        differences.append(np.abs(a - b).reshape(-1))
        return a - b

    with pytest.raises(tg.GradcheckError):  # ties are drawn; the difference there is 1/2
        check_op(a_wins_ties, broadcastable_arrays(2), reference=np.maximum)
    check_op(a_wins_ties, broadcastable_arrays(2), reference=np.maximum, avoid=gap)
    assert any(np.any(d < 0.01) for d in differences)  # drawn, then rejected
    check_op(a_wins_ties, broadcastable_arrays(2, no_ties=True), reference=np.maximum)


def test_a_tie_shared_as_pytorch_does_is_what_central_differences_see():
    a, b = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True), tg.Tensor(np.array([1.0, 0.0]))
    b.requires_grad = True
    assert tg.gradcheck(maximum_with(0.5), [a, b])  # a tie at element 0
    with pytest.raises(tg.GradcheckError, match=r"index \(0,\)"):
        tg.gradcheck(maximum_with(1.0), [a, b])


def test_avoid_is_checked():
    with pytest.raises(ValueError, match="'middle'"):
        check_op(CLIP, arrays(), avoid={1.0: "middle"})
    with pytest.raises(TypeError, match="avoid"):
        check_op(CLIP, arrays(), avoid="1.0")


# --------------------------------------------------------------------------- float32, reference


class ExpOverExp(tg.Function):
    """y = e**x / e**x = 1, computed the naive way: in float32 e**x overflows above x = 88.7"""

    @staticmethod
    def forward(ctx, x):
        return np.exp(x) / np.exp(x)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g)


def test_check_op_catches_a_float32_overflow():
    inputs = arrays(low=-100.0, high=100.0)
    check_op(ExpOverExp.apply, inputs, reference=np.ones_like, float32=False)  # float64 is fine
    with pytest.raises(OpCheckError, match=r"float32 forward is nan .* where the float64 value"):
        check_op(ExpOverExp.apply, inputs, reference=np.ones_like)


def test_the_float32_pass_checks_gradients_and_dtypes():
    class SoftplusNaiveBackward(tg.Function):
        """softplus with dL/dx = g e**x / (1 + e**x): inf / inf in float32 for x > 88.7"""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.logaddexp(0.0, x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * np.exp(x) / (1 + np.exp(x))

    with pytest.raises(OpCheckError, match="float32 gradient of input 0 is nan"):
        check_op(SoftplusNaiveBackward.apply, arrays(low=-100.0, high=100.0))
    with pytest.raises(OpCheckError, match="float32 inputs gave a float64 output"):
        check_op(lambda x: x * np.ones(1), arrays())  # a float64 constant promotes the result


def test_check_op_compares_the_forward_with_the_reference():
    with pytest.raises(OpCheckError, match="the reference value"):
        check_op(lambda x: x.tanh(), arrays(), reference=np.sin)
    with pytest.raises(OpCheckError, match="shape"):
        check_op(lambda x: x.sum(axis=-1), arrays(shape=(2, 3)), reference=np.sum)
    with pytest.raises(OpCheckError, match="dtype"):
        check_op(lambda x: x, arrays(), reference=lambda x: x.astype(np.float32))


def test_check_op_catches_an_op_that_changes_its_keyword_array():
    class ScalesItsMask(tg.Function):
        @staticmethod
        def forward(ctx, x, *, mask):
            ctx.mask = mask
            return x * mask

        @staticmethod
        def backward(ctx, g):
            ctx.mask *= 1.0 + 1e-3  # changes the caller's array in place
            return g * ctx.mask

    inputs = arrays(shape=(3,)).map(lambda x: Args(x, mask=np.array([1.0, 0.0, 2.0])))
    with pytest.raises(OpCheckError, match="keyword argument 'mask' in place"):
        check_op(ScalesItsMask.apply, inputs)


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


# --------------------------------------------------------------------------- variadic ops, table


class Cat(tg.Function):
    """y = concatenate(xs, axis);  dL/dx_i = the slice of g where x_i went"""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.ends = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        parts = np.split(g, ctx.ends, axis=ctx.axis)
        return tuple(p if need else None for p, need in zip(parts, ctx.needs_input_grad))


def test_check_op_draws_a_variable_number_of_inputs_with_their_axis():
    counts = []

    def cat(*xs, axis):
        counts.append(len(xs))
        return Cat.apply(*xs, axis=axis)

    check_op(cat, concatenable_arrays(), reference=lambda *xs, axis: np.concatenate(xs, axis))
    assert {1, 2, 3} <= set(counts)


def test_an_extender_adds_a_row_to_their_own_table():
    row = OpCase(
        "cat",
        lambda *xs, axis: Cat.apply(*xs, axis=axis),
        lambda *xs, axis: np.concatenate(xs, axis=axis),
        concatenable_arrays(),
        options={"max_examples": 10},
    )
    row.check()
    with pytest.raises(OpCheckError):  # overrides replace the row's options
        row.check(reference=lambda *xs, axis: np.concatenate(xs, axis=axis) + 1)
    assert {"add", "matmul", "getitem"} <= {case.name for case in OP_TABLE}


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


class SumForgettingNegativeAxes(tg.Function):
    """A reduction whose backward compares axes with ``i == axis``: never true for axis=-1."""

    @staticmethod
    def forward(ctx, x, *, axis, keepdims=False):
        ctx.shape, ctx.axis = x.shape, axis
        return np.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        kept = tuple(1 if ctx.axis in (None, i) else n for i, n in enumerate(ctx.shape))
        return np.broadcast_to(np.reshape(grad, kept), ctx.shape)


@pytest.mark.parametrize("tuples", [False, True])
def test_axes_for_draws_negative_axes_often_enough_to_catch_a_reduction_that_forgets_them(tuples):
    """With the default 25 examples: integers(-ndim, ndim - 1) and None first drew axis -1
    only on a (4, 1) array, where the bug cannot show."""
    from tinygrad_ce.testing import arrays, axes_for, check_op

    def params(x):
        axis = (
            axes_for(x, tuples=False)
            if not tuples
            else axes_for(x).filter(lambda a: not isinstance(a, tuple))
        )
        return st.fixed_dictionaries({"axis": axis, "keepdims": st.booleans()})

    with pytest.raises(ValueError, match="cannot reshape"):
        check_op(
            lambda x, axis, keepdims: SumForgettingNegativeAxes.apply(
                x, axis=axis, keepdims=keepdims
            ),
            arrays(),
            params=params,
            reference=lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
        )


class ReluWritingIntoItsSavedInput(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        x[x > 0] = 1  # read-only: NumPy's message alone names neither the op nor the array
        return grad * x.clip(0)


def test_check_op_says_when_a_backward_writes_into_a_saved_array():
    from tinygrad_ce.testing import OpCheckError, arrays, check_op

    with pytest.raises(OpCheckError, match="backward wrote into grad or a saved array"):
        check_op(ReluWritingIntoItsSavedInput.apply, arrays(min_magnitude=0.1), reference=_relu)


def _relu(x):
    return np.maximum(x, 0)

"""Constructors: PyTorch's names, shapes and default dtypes; seeding; from_numpy shares memory."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Tensor


@pytest.mark.parametrize(
    ("call", "shape", "dtype"),
    [
        (lambda: tg.zeros(2, 3), (2, 3), np.float32),
        (lambda: tg.zeros((2, 3)), (2, 3), np.float32),
        (lambda: tg.zeros([]), (), np.float32),
        (lambda: tg.ones(0, dtype=np.float64), (0,), np.float64),
        (lambda: tg.full((2,), 1.5), (2,), np.float32),
        (lambda: tg.full(3, 7), (3,), np.int64),
        (lambda: tg.full((1, 2), True), (1, 2), np.bool_),
        (lambda: tg.full((2,), 1, dtype=np.float64), (2,), np.float64),
        (lambda: tg.zeros_like(Tensor([[1, 2]])), (1, 2), np.int64),
        (lambda: tg.ones_like(np.zeros(3, np.float64)), (3,), np.float64),
        (lambda: tg.arange(5), (5,), np.int64),
        (lambda: tg.arange(1, 2, 0.25), (4,), np.float32),
        (lambda: tg.arange(5, 0, -2), (3,), np.int64),
        (lambda: tg.randn(2, 4), (2, 4), np.float32),
        (lambda: tg.rand((3,), dtype=np.float64), (3,), np.float64),
        (lambda: tg.tensor([1.0, 2.0]), (2,), np.float32),
        (lambda: tg.tensor(3), (), np.int64),
    ],
)
def test_shapes_and_default_dtypes(call, shape, dtype):
    t = call()
    assert isinstance(t, Tensor)
    assert t.shape == shape and t.dtype == dtype and not t.requires_grad


def test_values():
    assert tg.full((2,), 2.5).tolist() == [2.5, 2.5]
    assert tg.arange(5, 0, -2).tolist() == [5, 3, 1]
    assert tg.arange(0.0, 1.0, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tg.ones(2, 2).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert tg.zeros_like(Tensor([1.5]), dtype=np.int64).tolist() == [0]


def test_requires_grad_and_its_dtype_rule():
    w = tg.randn(3, requires_grad=True)
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad, [2, 2, 2])
    assert tg.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="floating"):
        tg.arange(3, requires_grad=True)


def test_random_constructors_follow_the_seed_and_explicit_generators():
    tg.manual_seed(5)
    a, b = tg.randn(4), tg.rand(4)
    tg.manual_seed(5)
    np.testing.assert_array_equal(a.data, tg.randn(4).data)
    np.testing.assert_array_equal(b.data, tg.rand(4).data)
    np.testing.assert_array_equal(tg.randn(3, generator=1).data, tg.randn(3, generator=1).data)
    u = tg.rand(10_000, generator=0, dtype=np.float64).data
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    z = tg.randn(10_000, generator=np.random.default_rng(0)).data
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.zeros(3)
    shared, copied = tg.from_numpy(a), tg.tensor(a)
    a[0] = 5.0
    assert shared.tolist() == [5.0, 0.0, 0.0] and copied.tolist() == [0.0, 0.0, 0.0]
    assert shared.dtype == np.float64
    with pytest.raises(TypeError, match="ndarray"):
        tg.from_numpy([1.0])
    with pytest.raises(TypeError, match="boolean, integer or floating"):
        tg.from_numpy(np.array(["a"]))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: tg.zeros(2, -1), ValueError, r"non-negative, got \(2, -1\)"),
        (lambda: tg.arange(0, 3, 0), ValueError, "step"),
        (lambda: tg.ones(2.5), TypeError, "float"),
    ],
)
def test_bad_sizes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_dtypes_match_pytorch():
    torch = pytest.importorskip("torch")
    pairs = [
        (tg.zeros(2), torch.zeros(2)),
        (tg.ones(2, 3), torch.ones(2, 3)),
        (tg.full((2,), 3), torch.full((2,), 3)),
        (tg.full((2,), 3.0), torch.full((2,), 3.0)),
        (tg.full((2,), False), torch.full((2,), False)),
        (tg.arange(4), torch.arange(4)),
        (tg.arange(0, 2, 0.5), torch.arange(0, 2, 0.5)),
        (tg.arange(1.0, 4), torch.arange(1.0, 4)),
        (tg.tensor([1, 2]), torch.tensor([1, 2])),
        (tg.tensor([1.5]), torch.tensor([1.5])),
        (tg.zeros_like(tg.tensor([1, 2])), torch.zeros_like(torch.tensor([1, 2]))),
    ]
    pairs += [(tg.randn(2, 3), torch.randn(2, 3)), (tg.rand(4), torch.rand(4))]
    for k, (ours, theirs) in enumerate(pairs):
        assert ours.dtype == theirs.numpy().dtype and ours.shape == tuple(theirs.shape)
        if k < len(pairs) - 2:  # not the random ones
            np.testing.assert_array_equal(ours.data, theirs.numpy())


# --------------------------------------------------------------------------- arange and linspace
# against torch: counts, values and errors, integer dtypes with fractional numbers included

I64, I32 = np.int64, np.int32
ARANGE_CASES = [
    ((5,), None),
    ((2.5,), None),
    ((0, 5, 1.5), None),
    ((5, 0, -2), None),
    ((1, 2, 0.25), None),
    ((-2.5, 3.7, 0.3), np.float64),
    ((0.1, 0.9, 0.1), None),
    ((0, 10, 3), np.float32),
    ((3, 3), None),
    ((True,), None),
    ((0, 5, True), None),
    ((0, 5, 1.5), I64),  # the step truncates to 1: 0 .. 4
    ((2.5,), I64),  # the end truncates to 2
    ((0, -2.5, -1.7), I64),
    ((1.9, 5.5, 1.5), I64),
    ((-1.5, 2), I64),
    ((0.7, 3.2), I64),
    ((0.5,), I64),
    ((0, 5, 1.5), I32),  # other integer dtypes count with the given numbers: 0 .. 3
    ((2.5,), I32),
    ((0, 1, 0.1), I32),
    ((1.9, 5.5, 1.5), I32),
    ((-1.5, 2), I32),
    ((0, -0.5, -0.3), I32),
    ((0, 300, 100), np.uint8),
    ((0, 300, 100), np.int8),
    ((0, 5, 1.5), np.int16),
]
ARANGE_ERRORS = [
    ((-3,), None),
    ((-3.0,), np.float32),
    ((-0.5,), I64),
    ((-2.5,), I64),
    ((3, 2), None),
    ((0, 1, -0.5), I32),
    ((0.1, 0.9, -1), I64),
    ((0, 1, 0), None),
    ((0, 1, 0.0), None),
    ((0, 1, float("nan")), None),
    ((0, float("inf")), None),
    ((0, float("nan")), I64),
    ((0, 1, 0.1), I64),  # the step truncates to 0
    ((0, 3, 0.5), I64),
    ((0, 1, float("inf")), I64),
]


def _torch_dtype(torch, dtype):
    return None if dtype is None else getattr(torch, np.dtype(dtype).name)


@pytest.mark.parametrize(("numbers", "dtype"), ARANGE_CASES, ids=str)
def test_arange_matches_torch(numbers, dtype):
    torch = pytest.importorskip("torch")
    ours, theirs = (
        tg.arange(*numbers, dtype=dtype),
        torch.arange(*numbers, dtype=_torch_dtype(torch, dtype)),
    )
    assert ours.dtype == theirs.numpy().dtype and ours.shape == tuple(theirs.shape)
    if ours.dtype.kind == "f":  # torch's float32 arithmetic (vectorized) may round by an ulp
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=2e-7, atol=0)
    else:
        assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize(("numbers", "dtype"), ARANGE_ERRORS, ids=str)
def test_arange_rejects_what_torch_rejects_naming_the_numbers(numbers, dtype):
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, ValueError)):
        torch.arange(*numbers, dtype=_torch_dtype(torch, dtype))
    with pytest.raises(ValueError) as error:
        tg.arange(*numbers, dtype=dtype)
    message = str(error.value)
    assert "arange" in message
    if "overflow" not in message:
        start, end, step = (0, *numbers, 1) if len(numbers) == 1 else (*numbers, 1)[:3]
        assert f"start={start}, end={end}, step={step}" in message


def test_arange_examples_from_the_fuzzer():
    assert tg.arange(0, 5, 1.5, dtype=np.int64).tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(2.5, dtype=np.int64).tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"step must be nonzero.*0\.1 truncates to 0"):
        tg.arange(0, 1, 0.1, dtype=np.int64)
    with pytest.raises(ValueError, match=r"wrong side.*start=0, end=-3, step=1"):
        tg.arange(-3)
    with pytest.raises(TypeError, match="bool"):
        tg.arange(3, dtype=np.bool_)
    with pytest.raises(TypeError, match="real number"):
        tg.arange("3")
    assert tg.arange(Tensor(3)).tolist() == [0, 1, 2]


LINSPACE_INTEGER_CASES = [
    (-3.3, 7.1, 11, I64),
    (0, 10, 5, I64),
    (0.5, 7.9, 4, I64),
    (7.9, -0.5, 5, I64),
    (2.5, 2.5, 3, I64),
    (2.7, 5, 1, I64),
    (-2.7, 5, 1, I64),
    (0, 1, 0, I64),
    (0, 10, 4, I32),
    (-9, 16.1, 25, np.uint8),  # an int start of -9 wraps around to 247, as in torch
    (-9, 16, 25, np.int8),
    (-40.5, 90.25, 9, np.int16),
]


@pytest.mark.parametrize(("start", "end", "steps", "dtype"), LINSPACE_INTEGER_CASES, ids=str)
def test_linspace_integer_dtypes_truncate_the_ends_first_as_torch(start, end, steps, dtype):
    torch = pytest.importorskip("torch")
    ours = tg.linspace(start, end, steps, dtype=dtype)
    theirs = torch.linspace(start, end, steps, dtype=_torch_dtype(torch, dtype))
    assert ours.dtype == theirs.numpy().dtype and ours.tolist() == theirs.tolist()


def test_linspace_integer_dtypes_match_torch_on_random_cases():
    """Values away from an integer: at one, torch's float64 rounding (its SIMD width decides
    how) may land an ulp below it and truncate to the integer under it, and ours an ulp above."""
    torch = pytest.importorskip("torch")
    state = np.random.default_rng(3)
    for _ in range(300):
        start, end = (round(v, int(state.integers(0, 3))) for v in state.uniform(-100, 100, 2))
        steps = int(state.integers(2, 40))
        ours = tg.linspace(start, end, steps, dtype=np.int64).data
        theirs = torch.linspace(start, end, steps, dtype=torch.int64).numpy()
        exact = torch.linspace(float(int(start)), float(int(end)), steps, dtype=torch.float64)
        exact = exact.numpy()
        away = np.abs(exact - np.round(exact)) > 1e-9
        np.testing.assert_array_equal(ours[away], theirs[away])
        np.testing.assert_array_equal(ours[[0, -1]], theirs[[0, -1]])


@pytest.mark.parametrize(
    ("start", "end", "steps", "dtype"),
    [
        (0, 300, 4, np.uint8),
        (-300, 3, 4, np.uint8),
        (-5.5, 3, 1, np.uint8),
        (-129, 3, 4, np.int8),
        (float("nan"), 3, 4, I64),
        (0, float("inf"), 4, I64),
    ],
    ids=str,
)
def test_linspace_rejects_ends_outside_the_integer_dtype_as_torch(start, end, steps, dtype):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="overflow"):
        torch.linspace(start, end, steps, dtype=_torch_dtype(torch, dtype))
    with pytest.raises(ValueError, match=f"linspace: .* cannot be converted to {np.dtype(dtype)}"):
        tg.linspace(start, end, steps, dtype=dtype)


# --------------------------------------------------------------------------- dtypes of numbers
# API.md decides Python numbers (floats float32, ints int64); it is silent on NumPy scalars in
# full and in lists, so those follow torch: full takes the value's kind (np.float64(2.0) is a
# float: float32), torch.tensor promotes a list's NumPy scalars with their own dtype.

FULL_VALUES = [
    2.5,
    7,
    True,
    np.float64(2.0),
    np.float32(2.5),
    np.float16(1.5),
    np.int32(3),
    np.int8(-3),
    np.uint8(3),
    np.int64(2**40),
]


@pytest.mark.parametrize("value", FULL_VALUES, ids=repr)
def test_full_takes_the_dtype_of_the_values_kind_as_torch(value):
    torch = pytest.importorskip("torch")
    ours, theirs = tg.full((2,), value), torch.full((2,), value)
    assert ours.dtype == theirs.numpy().dtype
    assert ours.tolist() == theirs.tolist()


def test_full_takes_one_element_tensors_and_rejects_sequences():
    assert tg.full((2,), Tensor(np.float64(3.0))).dtype == np.float32
    assert tg.full((2,), Tensor(np.int32(3))).tolist() == [3, 3]
    assert tg.full((2,), np.bool_(True)).dtype == np.bool_  # torch: float32 (see the report)
    with pytest.raises(TypeError, match=r"fill_value must be a number, got \[1, 2\]"):
        tg.full((2,), [1, 2])
    for bad in (np.nan, np.inf, -np.inf):  # PyTorch raises; NumPy would store INT_MIN
        with pytest.raises(ValueError, match=f"{bad} cannot be stored in dtype int"):
            tg.full((2,), bad, dtype=np.int64)


TENSOR_DATA = [
    [1.0, 2.0],
    [1, 2],
    [True, False],
    [1, 2.5],
    [True, 2],
    [np.float64(1.0), 2.0],
    [np.int32(3), np.int32(3)],
    [np.int32(3), 3],
    [np.int32(3), 3.0],
    [np.float16(1.0), 2],
    [np.float16(1.0), 2.0],
    [np.float16(1.0), np.float32(1.0)],
    [np.uint8(1), np.int8(1)],
    [True, np.int8(3)],
    [np.int64(1), np.uint8(2)],
    [[np.float64(1.0)], [2.0]],
    (np.int16(1), 2),
    [np.float32(1.0), 2**40],
    [2**64, 1.5],
    [],
    [[], []],
]


@pytest.mark.parametrize("data", TENSOR_DATA, ids=repr)
def test_tensor_infers_the_dtype_of_a_list_as_torch(data):
    torch = pytest.importorskip("torch")
    ours, theirs = tg.tensor(data), torch.tensor(data)
    assert ours.dtype == theirs.numpy().dtype and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_tensor_of_numpy_scalars_and_tensors_in_a_list():
    assert tg.tensor(np.float64(1.0)).dtype == np.float64
    assert tg.tensor(np.int32(2)).dtype == np.int32
    assert tg.tensor([Tensor(np.float64(1.0)), 2.0]).dtype == np.float64
    assert tg.tensor([np.array([1, 2], np.int32), [3, 4]]).dtype == np.int64
    assert tg.tensor([np.float64(1.0), 2.0], dtype=np.float32).dtype == np.float32
    with pytest.raises(OverflowError, match=str(2**64)):
        tg.tensor([1, 2**64])

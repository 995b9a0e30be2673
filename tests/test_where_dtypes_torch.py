"""tg.where of two numbers against torch.where: the result's dtype is PyTorch's for those
numbers (API.md: Python floats become float32, ints int64). Skipped without torch."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Tensor

torch = pytest.importorskip("torch")

CONDITION = np.array([[True, False, True], [False, False, True]])
NUMBERS = [
    (1.0, 0.0),
    (1, 0),
    (1, 0.0),
    (True, False),
    (True, 0),
    (2**40, -1),
    (np.float64(1.0), 0.0),
    (np.int32(1), 0),
    (np.float32(1.5), np.float32(0.0)),
    (np.int32(1), np.int32(0)),
    (np.float16(1.0), np.float16(0.0)),
    (np.uint8(200), True),  # PyTorch reads NumPy scalars as Python numbers here: int64
    (np.int32(3), 1.5),
]


@pytest.mark.parametrize(("x", "y"), NUMBERS, ids=repr)
def test_where_of_two_numbers_has_torchs_dtype(x, y):
    ours = tg.where(CONDITION, x, y)
    theirs = torch.where(torch.tensor(CONDITION), x, y)
    assert ours.dtype == theirs.numpy().dtype
    assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    ("array", "number"),
    [
        (np.array([1.0, -2.0], np.float32), 0.5),
        (np.array([1.0, -2.0], np.float16), 0.5),
        (np.array([1, -2], np.int32), 3),
        (np.array([1, -2], np.int64), 3),
        (np.array([1.0, -2.0]), 0),
    ],
    ids=str,
)
def test_where_of_a_tensor_and_a_number_keeps_the_tensors_dtype_as_torch(array, number):
    """A number next to a tensor does not change its dtype (unchanged by the fix above)."""
    condition = np.array([True, False])
    for ours, theirs in (
        (
            tg.where(condition, Tensor(array), number),
            torch.where(torch.tensor(condition), torch.tensor(array), number),
        ),
        (
            tg.where(condition, number, Tensor(array)),
            torch.where(torch.tensor(condition), number, torch.tensor(array)),
        ),
    ):
        assert ours.dtype == theirs.numpy().dtype and ours.tolist() == theirs.tolist()


def test_where_of_two_numbers_after_a_float32_tensor_stays_float32_with_its_gradient():
    a = Tensor(np.array([1.0, -2.0, 3.0], np.float32), requires_grad=True)
    mask = tg.where(a > 0, 1.0, 0.0)
    assert mask.dtype == np.float32 and not mask.requires_grad
    (a * mask).sum().backward()
    assert a.grad.dtype == np.float32 and a.grad.tolist() == [1.0, 0.0, 1.0]

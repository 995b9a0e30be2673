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

"""tinygrad_ce.data: TensorDataset, DataLoader and default_collate, as torch.utils.data's."""

from __future__ import annotations

import re
from collections import namedtuple

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Tensor
from tinygrad_ce.data import DataLoader, Dataset, TensorDataset, default_collate

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)
Y2 = np.stack([Y % 2, Y % 3 == 0], axis=1).astype(np.int64)  # a multi-label target


def rows(loader):
    """The labels of each batch, as lists."""
    return [batch[1].tolist() for batch in loader]


def order(loader):
    """The labels of one epoch, in the order the batches gave them."""
    return [label for batch in rows(loader) for label in batch]


# --------------------------------------------------------------------------- TensorDataset


def test_tensor_dataset_indexes_every_array():
    ds = TensorDataset(X, Y, Y2)
    assert len(ds) == 10 and len(ds.tensors) == 3
    x, y, y2 = ds[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3 and y2.tolist() == [1, 1]
    assert y.shape == () and y.dtype == np.int64 and x.dtype == np.float64
    assert [t.tolist() for t in ds[-1]] == [[18.0, 19.0], 9, [1, 1]]
    assert ds[2:4][0].shape == (2, 2)
    with pytest.raises(IndexError):
        ds[10]


def test_a_tensor_dataset_subclass_is_loaded_through_its_own_getitem():
    class Scaled(TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x * 100, y

    (xb, yb), *_ = DataLoader(Scaled(np.arange(4.0).reshape(2, 2), np.arange(2)), batch_size=2)
    np.testing.assert_array_equal(xb.data, [[0.0, 100.0], [200.0, 300.0]])
    np.testing.assert_array_equal(yb.data, [0, 1])


def test_tensor_dataset_takes_tensors_and_lists_and_copies_arrays():
    labels = Tensor([1, 0])
    source = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    ds = TensorDataset(source, labels)
    assert ds.tensors[1] is labels
    source[0, 0] = 99.0
    assert ds[0][0].tolist() == [1.0, 2.0] and ds[0][0].dtype == np.float32
    floats = TensorDataset([[0.5], [1.5]])
    assert floats.tensors[0].dtype == np.float32  # Python floats become float32, as Tensor


@pytest.mark.parametrize(
    "arrays, shapes",
    [
        ((np.zeros((3, 2)), np.zeros(4)), "[(3, 2), (4,)]"),
        ((np.zeros(3), np.array(1.0)), "[(3,), ()]"),
    ],
)
def test_tensor_dataset_rejects_arrays_of_different_lengths(arrays, shapes):
    with pytest.raises(
        ValueError,
        match=re.escape(f"same first dimension (one entry per sample); got shapes {shapes}"),
    ):
        TensorDataset(*arrays)


def test_tensor_dataset_needs_an_array():
    with pytest.raises(ValueError, match="at least one array"):
        TensorDataset()


# --------------------------------------------------------------------------- DataLoader


def test_batches_in_order_with_and_without_drop_last():
    ds = TensorDataset(X, Y)
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3 and rows(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dropping = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropping) == 2 and rows(dropping) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(ds, batch_size=5, drop_last=True)) == 2
    assert rows(DataLoader(ds)) == [[i] for i in range(10)]  # batch_size=1 by default


def test_batches_are_tensors_keeping_dtypes_and_shapes():
    ds = TensorDataset(X.astype(np.float32), Y, Y2)
    xb, yb, y2b = next(iter(DataLoader(ds, batch_size=3)))
    assert all(isinstance(t, Tensor) for t in (xb, yb, y2b))
    assert (xb.dtype, yb.dtype, y2b.dtype) == (np.float32, np.int64, np.int64)
    assert (xb.shape, yb.shape, y2b.shape) == ((3, 2), (3,), (3, 2))
    np.testing.assert_array_equal(y2b.data, Y2[:3])


def test_a_batch_larger_than_the_data_and_an_empty_data_set():
    ds = TensorDataset(X, Y)
    assert rows(DataLoader(ds, batch_size=64)) == [list(range(10))]
    assert len(DataLoader(ds, batch_size=64, drop_last=True)) == 0
    assert rows(DataLoader(ds, batch_size=64, drop_last=True)) == []
    empty = TensorDataset(np.zeros((0, 2)), np.zeros(0, dtype=np.int64))
    for shuffle in (False, True):
        loader = DataLoader(empty, batch_size=4, shuffle=shuffle)
        assert len(loader) == 0 and list(loader) == []


def test_shuffle_draws_a_new_order_every_epoch_reproducibly():
    ds = TensorDataset(X, Y)
    loader = DataLoader(ds, batch_size=3, shuffle=True, generator=np.random.default_rng(5))
    epochs = [order(loader) for _ in range(3)]
    assert all(sorted(e) == list(range(10)) for e in epochs)  # every sample once per epoch
    assert epochs[0] != epochs[1] != epochs[2]
    again = DataLoader(ds, batch_size=3, shuffle=True, generator=5)  # an int seed: the same run
    assert [order(again) for _ in range(3)] == epochs
    assert [len(b) for b in rows(loader)] == [3, 3, 3, 1]


def test_shuffle_without_a_generator_follows_manual_seed():
    loader = DataLoader(TensorDataset(X, Y), batch_size=10, shuffle=True)
    tg.manual_seed(3)
    first = rows(loader)
    second = rows(loader)
    tg.manual_seed(3)  # after the loader was built: the generator is looked up every epoch
    assert rows(loader) == first and first != second


def test_shuffled_batches_pair_the_arrays_rows():
    loader = DataLoader(TensorDataset(X, Y, Y2), batch_size=4, shuffle=True, generator=0)
    for xb, yb, y2b in loader:
        np.testing.assert_array_equal(xb.data, X[yb.data])
        np.testing.assert_array_equal(y2b.data, Y2[yb.data])


def test_batches_do_not_share_memory_with_the_data_set():
    ds = TensorDataset(X, Y)
    xb, _ = next(iter(DataLoader(ds, batch_size=2)))
    xb.data[0, 0] = -1.0
    assert ds.tensors[0].data[0, 0] == 0.0


def test_iterating_draws_the_order_at_once():
    loader = DataLoader(TensorDataset(X, Y), batch_size=10, shuffle=True)
    tg.manual_seed(8)
    it = iter(loader)
    tg.manual_seed(9)  # too late to change this epoch's order
    got = next(it)[1].tolist()
    tg.manual_seed(8)
    assert got == rows(loader)[0]
    tg.manual_seed(9)
    assert got != rows(loader)[0]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, None])
def test_bad_batch_sizes_are_rejected(batch_size):
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(TensorDataset(X), batch_size=batch_size)


def test_bad_arguments_are_rejected():
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(iter(range(3)))
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        DataLoader(TensorDataset(X), shuffle="yes")
    with pytest.raises(TypeError, match="collate_fn must be callable"):
        DataLoader(TensorDataset(X), collate_fn=3)


def test_num_workers_0_runs_in_this_process_as_without_it():
    plain = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, generator=4)
    zero = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, generator=4, num_workers=0)
    assert rows(zero) == rows(plain)
    assert rows(DataLoader(TensorDataset(X, Y), batch_size=4, num_workers=np.int64(0))) == [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
    ]


@pytest.mark.parametrize("num_workers", [1, 2, -1, True, "2"])
def test_other_num_workers_are_rejected_naming_the_value(num_workers):
    with pytest.raises(
        ValueError, match=r"in this process.*num_workers=" + re.escape(repr(num_workers))
    ):
        DataLoader(TensorDataset(X), num_workers=num_workers)


# --------------------------------------------------------------------------- other data sets


class Pairs(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full(2, float(i)), i


def test_any_map_style_data_set_is_collated():
    loader = DataLoader(Pairs(5), batch_size=2, shuffle=True, generator=1)
    seen = []
    for xb, yb in loader:
        assert xb.dtype == np.float64 and yb.dtype == np.int64
        np.testing.assert_array_equal(xb.data[:, 0], yb.data)
        seen += yb.tolist()
    assert sorted(seen) == [0, 1, 2, 3, 4]


def test_a_collate_function_gets_the_samples():
    loader = DataLoader(TensorDataset(X, Y), batch_size=3, collate_fn=len)
    assert list(loader) == [3, 3, 3, 1]


def test_default_collate_handles_pytorchs_sample_types():
    Point = namedtuple("Point", "x y")
    batch = default_collate(
        [{"a": 1, "b": Point(0.5, True), "c": "s"}, {"a": 2, "b": Point(1.5, False), "c": "t"}]
    )
    assert batch["a"].tolist() == [1, 2] and batch["a"].dtype == np.int64
    assert isinstance(batch["b"], Point) and batch["b"].x.dtype == np.float64
    assert batch["b"].y.dtype == np.bool_ and batch["c"] == ["s", "t"]
    stacked = default_collate([Tensor(np.zeros(2, np.float32)), Tensor(np.ones(2, np.float32))])
    assert stacked.shape == (2, 2) and stacked.dtype == np.float32
    with pytest.raises(ValueError, match=r"one shape, got shapes \[\(2,\), \(3,\)\]"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match="same number of fields"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object()])


def test_dataset_base_class_requires_the_methods():
    with pytest.raises(NotImplementedError):
        len(Dataset())
    with pytest.raises(NotImplementedError):
        Dataset()[0]


def test_the_module_is_an_attribute_of_the_package():
    assert tg.data.DataLoader is DataLoader and "data" in tg.__all__

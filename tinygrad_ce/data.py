"""Data sets and mini-batches: ``Dataset``, ``TensorDataset`` and ``DataLoader``, as
``torch.utils.data``'s (in one process: there are no worker processes).

A data set is anything with ``__len__`` and ``__getitem__`` (an int index gives one sample).
``DataLoader`` cuts it into batches, in order or shuffled afresh every epoch, and stacks the
samples of a batch into Tensors: a ``TensorDataset`` of ``(X, y)`` gives ``[X_batch, y_batch]``.

>>> import numpy as np
>>> X = np.arange(10.0).reshape(5, 2)
>>> y = np.array([0, 1, 0, 1, 1])
>>> loader = DataLoader(TensorDataset(X, y), batch_size=2, shuffle=True, generator=0)
>>> len(loader)
3
>>> for xb, yb in loader:
...     print(xb.shape, yb.dtype)
(2, 2) int64
(2, 2) int64
(1, 2) int64
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from tinygrad_ce import seeding
from tinygrad_ce.engine import Tensor

__all__ = ["DataLoader", "Dataset", "TensorDataset", "default_collate"]


class Dataset:
    """Base class of map-style data sets (optional: any object with ``__len__`` and
    ``__getitem__`` works). Subclasses define both.

    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return float(i), float(i * i)
    >>> [batch.tolist() for batch in next(iter(DataLoader(Squares(), batch_size=4)))]
    [[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 4.0, 9.0]]
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are the rows of one or more arrays with the same first dimension: sample ``i``
    is ``(a[i], b[i], ...)``, a tuple of Tensors.

    Each argument is a Tensor (kept as it is) or anything ``Tensor`` accepts (a NumPy array
    keeps its dtype, Python floats become float32 and ints int64; copied, so changing the
    array later does not change the data set). ``tensors`` holds them. Any number of arrays, of
    any shape after the first dimension (a 2-D target works). Raises ``ValueError`` naming
    every shape when the first dimensions differ or an array is 0-d.

    >>> import numpy as np
    >>> ds = TensorDataset(np.zeros((3, 2)), np.array([[1, 0], [0, 1], [1, 1]]))
    >>> len(ds)
    3
    >>> x, y = ds[2]
    >>> x.tolist(), y.tolist(), y.dtype
    ([0.0, 0.0], [1, 1], dtype('int64'))
    >>> TensorDataset(np.zeros((3, 2)), np.zeros(4))
    Traceback (most recent call last):
        ...
    ValueError: TensorDataset: every array needs the same first dimension (one entry per sample); got shapes [(3, 2), (4,)]
    """  # noqa: E501

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one array")
        converted = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        shapes = [t.shape for t in converted]
        if any(len(shape) == 0 for shape in shapes) or len({s[0] for s in shapes}) != 1:
            raise ValueError(
                f"TensorDataset: every array needs the same first dimension (one entry per "
                f"sample); got shapes {shapes}"
            )
        self.tensors = converted

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


def _stack(arrays):
    try:
        return Tensor(np.stack(arrays))
    except ValueError:
        shapes = sorted({np.shape(a) for a in arrays})
        raise ValueError(
            f"default_collate: the samples of a batch must have one shape, got shapes {shapes}"
        ) from None


def default_collate(batch: list) -> Any:
    """Stack a list of samples into a batch, as PyTorch's ``default_collate``: Tensors and
    NumPy arrays into one Tensor (keeping the dtype), Python ints into int64, floats into
    float64, bools into bool; a dict of samples gives a dict of batches, a tuple or list of
    samples a list of batches; strings stay a list.

    >>> ints, floats = default_collate([(1, 0.5), (2, 1.5)])
    >>> ints.tolist(), ints.dtype, floats.tolist(), floats.dtype
    ([1, 2], dtype('int64'), [0.5, 1.5], dtype('float64'))
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([sample.data for sample in batch])
    if isinstance(elem, np.ndarray | np.generic):
        return _stack(batch)
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=bool))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, str | bytes):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, Sequence):
        lengths = {len(sample) for sample in batch}
        if len(lengths) != 1:
            raise ValueError(
                f"default_collate: the samples of a batch must have the same number of fields, "
                f"got {sorted(lengths)}"
            )
        fields = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple keeps its type
            return type(elem)(*fields)
        return fields
    raise TypeError(
        f"default_collate: samples must be Tensors, NumPy arrays, numbers, strings, dicts, "
        f"tuples or lists; found {type(elem).__name__}"
    )


def _check_flag(name, value):
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"DataLoader: {name} must be True or False, got {value!r}")
    return bool(value)


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples, as PyTorch's
    ``DataLoader`` (in this process).

    ``len(loader)`` is the number of batches: ``ceil(n / batch_size)``, or
    ``n // batch_size`` with ``drop_last=True`` (which drops a last, smaller batch). Each batch
    is the samples stacked by ``collate_fn`` (``default_collate``: Tensors keeping the data's
    dtype, so integer labels stay int64). ``shuffle=True`` draws a new order every epoch (every
    ``iter(loader)``) from ``generator``: a ``numpy.random.Generator``, an int seed (made a
    generator once, so epochs differ but the run is reproducible) or ``None``, the default
    generator at the time of the epoch (``tg.manual_seed(n)`` makes it reproducible).

    ``num_workers=0`` is accepted, as PyTorch's default: batches are made in this process
    (there are no worker processes; any other value raises ``ValueError``).

    Raises ``ValueError`` for a ``batch_size`` that is not a positive int, and ``TypeError`` for
    a data set without ``__len__`` and ``__getitem__``. An empty data set gives no batches.

    >>> import numpy as np
    >>> ds = TensorDataset(np.arange(5.0), np.arange(5))
    >>> [yb.tolist() for _, yb in DataLoader(ds, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> [yb.tolist() for _, yb in DataLoader(ds, batch_size=2, drop_last=True)]
    [[0, 1], [2, 3]]
    >>> loader = DataLoader(ds, batch_size=5, shuffle=True, generator=1)
    >>> first, second = next(iter(loader))[1].tolist(), next(iter(loader))[1].tolist()
    >>> sorted(first) == sorted(second) == [0, 1, 2, 3, 4], first != second
    (True, True)
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator=None,
        *,
        collate_fn: Callable[[list], Any] | None = None,
        num_workers: int = 0,
    ):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader needs a data set with __len__ and __getitem__ (e.g. a "
                f"TensorDataset), got {type(dataset).__name__}"
            )
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, numbers.Integral)
            or batch_size < 1
        ):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size!r}"
            )
        if isinstance(num_workers, bool) or num_workers != 0:
            raise ValueError(
                f"DataLoader makes every batch in this process: num_workers must be 0, got "
                f"num_workers={num_workers!r}"
            )
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = _check_flag("shuffle", shuffle)
        self.drop_last = _check_flag("drop_last", drop_last)
        # None is resolved at each epoch: manual_seed() replaces the default generator.
        self.generator = None if generator is None else seeding.generator_from(generator)
        self.collate_fn = collate_fn

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        """One epoch: the order is drawn now (not at the first ``next``)."""
        n = len(self.dataset)
        if self.shuffle:
            generator = (
                self.generator if self.generator is not None else seeding.default_generator()
            )
            order = generator.permutation(n)
        else:
            order = np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        return (
            self._fetch(order[start : start + self.batch_size])
            for start in range(0, stop, self.batch_size)
        )

    def _fetch(self, indices):
        if self.collate_fn is None and type(self.dataset) is TensorDataset:
            # One indexing per array instead of stacking samples: the same batch, faster (not
            # for a subclass, whose own __getitem__ may change the samples).
            return [t[indices] for t in self.dataset.tensors]
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)

    def __repr__(self):
        return (
            f"DataLoader(dataset of {len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )

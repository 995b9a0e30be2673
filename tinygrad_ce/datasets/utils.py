"""Helpers to prepare a data set for training: split, standardize, batch.

Pure NumPy; they accept anything :func:`numpy.asarray` accepts and never
modify their inputs. Randomness always goes through
:func:`numpy.random.default_rng`, so results are reproducible for a given
seed (within one NumPy version: NumPy does not promise identical random
streams across releases).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["Standardizer", "iterate_minibatches", "train_test_split"]


def _check_same_length(X: np.ndarray, y: np.ndarray) -> None:
    if X.ndim == 0:
        raise ValueError("X must be at least 1-dimensional (one row per sample), got a scalar")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-dimensional, got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows, got len(X)={X.shape[0]} "
            f"and len(y)={y.shape[0]}"
        )


def train_test_split(
    X: Any, y: Any, test_size: float = 0.2, seed: Any = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split ``X`` and ``y`` into a shuffled, stratified train and test part.

    Each class of ``y`` is split on its own: a class with ``n`` rows puts
    ``round(test_size * n)`` of them (Python's :func:`round`, so halves go
    to the even number) in the test part and the rest in the training part.
    Class proportions are therefore (up to rounding) the same in both parts.
    Rows are then shuffled within each part, so classes are interleaved.

    Parameters
    ----------
    X : array_like
        Samples, one per row (shape ``(n, ...)``).
    y : array_like
        Labels, shape ``(n,)``; any values :func:`numpy.unique` can sort.
    test_size : float
        Fraction of each class that goes to the test part, in ``(0, 1)``.
    seed : int, None, numpy.random.Generator, ...
        Passed to :func:`numpy.random.default_rng`; the same seed gives the
        same split.

    Returns
    -------
    X_train, X_test, y_train, y_test : numpy.ndarray
        New arrays (the inputs are not modified and share no memory with them).

    Raises
    ------
    ValueError
        If ``test_size`` is not a number in ``(0, 1)``, or ``X`` and ``y`` have
        different lengths, or ``y`` is not 1-dimensional.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = np.array([0] * 5 + [1] * 5)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, seed=0)
    >>> X_train.shape, X_test.shape
    ((6, 2), (4, 2))
    >>> np.bincount(y_train).tolist(), np.bincount(y_test).tolist()
    ([3, 3], [2, 2])
    >>> again = train_test_split(X, y, test_size=0.4, seed=0)
    >>> bool(np.array_equal(again[1], X_test))
    True
    """
    if (
        isinstance(test_size, bool)
        or not isinstance(test_size, numbers.Real)
        or not 0 < test_size < 1
    ):
        raise ValueError(
            f"test_size must be a float in the open interval (0, 1), got {test_size!r}"
        )
    X = np.asarray(X)
    y = np.asarray(y)
    _check_same_length(X, y)

    rng = np.random.default_rng(seed)
    train_parts = [np.empty(0, dtype=np.intp)]
    test_parts = [np.empty(0, dtype=np.intp)]
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        n_test = round(float(test_size) * members.size)
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    # Without this final shuffle each part would be sorted by class, which
    # makes naive mini-batching (shuffle=False) see one class at a time.
    train_idx = rng.permutation(np.concatenate(train_parts))
    test_idx = rng.permutation(np.concatenate(test_parts))
    # Fancy indexing copies, so the caller's arrays can never be modified through the results.
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


class Standardizer:
    """Scale features to zero mean and unit variance: ``(X - mean) / std``.

    Fit it on the *training* part only and apply the same ``transform`` to
    the test part; fitting on all rows would leak test-set statistics into
    training.

    ``std`` is the population standard deviation (``ddof=0``). Features that
    are constant in the fitted data get ``std = 1`` (instead of 0), so they
    transform to 0 rather than dividing by zero.

    Attributes
    ----------
    mean, std : numpy.ndarray or None
        Per-feature ``float64`` statistics, shape ``(n_features,)``; ``None``
        until :meth:`fit` is called.

    Examples
    --------
    >>> import numpy as np
    >>> X_train = np.array([[1.0, 10.0], [3.0, 10.0]])
    >>> scaler = Standardizer().fit(X_train)
    >>> scaler.mean.tolist(), scaler.std.tolist()
    ([2.0, 10.0], [1.0, 1.0])
    >>> scaler.transform(X_train).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    >>> scaler.transform(np.array([[5.0, 12.0]])).tolist()
    [[3.0, 2.0]]
    """

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self._fitted_shape: tuple[int, ...] | None = None

    @staticmethod
    def _as_2d(X: Any) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-dimensional (rows x features), got shape {X.shape}")
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
            raise ValueError(f"X must be numeric, got dtype {X.dtype}")
        return X

    def fit(self, X: Any) -> Standardizer:
        """Compute the per-feature ``mean`` and ``std`` of ``X``; return ``self``.

        ``X`` must be 2-dimensional with at least one row.

        Examples
        --------
        >>> import numpy as np
        >>> scaler = Standardizer()
        >>> scaler.fit(np.array([[0.0], [2.0], [4.0]])) is scaler
        True
        >>> round(float(scaler.std[0]), 4)
        1.633
        """
        X = self._as_2d(X)
        if X.shape[0] == 0:
            raise ValueError(f"cannot fit a Standardizer on zero rows (X has shape {X.shape})")
        data = X.astype(np.float64, copy=False)
        mean = data.mean(axis=0)
        std = data.std(axis=0)
        # Checked on the data, not via std == 0: summation rounding can give a
        # constant column (e.g. all 0.1) a tiny nonzero std, and dividing by
        # it would blow rounding noise up to values of order 1.
        constant = np.all(data == data[0], axis=0)
        self.mean = np.where(constant, data[0], mean)
        self.std = np.where(constant | (std == 0), 1.0, std)
        self._fitted_shape = X.shape
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return ``(X - mean) / std`` as a new array.

        The result keeps ``X``'s floating dtype (``float64`` for integer or
        boolean input).

        Raises
        ------
        RuntimeError
            If called before :meth:`fit`.
        ValueError
            If ``X`` is not 2-dimensional or has a different number of
            features than the fitted data.

        Examples
        --------
        >>> import numpy as np
        >>> scaler = Standardizer().fit(np.array([[0.0], [2.0]]))
        >>> scaler.transform(np.array([[1.0], [3.0]])).tolist()
        [[0.0], [2.0]]
        """
        if self.mean is None or self.std is None or self._fitted_shape is None:
            raise RuntimeError("this Standardizer is not fitted yet; call fit(X_train) first")
        X = self._as_2d(X)
        if X.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"X has shape {X.shape} ({X.shape[1]} features) but the Standardizer was "
                f"fitted on shape {self._fitted_shape} ({self.mean.shape[0]} features)"
            )
        out_dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
        return ((X - self.mean) / self.std).astype(out_dtype, copy=False)

    def fit_transform(self, X: Any) -> np.ndarray:
        """Fit on ``X`` and return ``X`` transformed; same as ``fit(X).transform(X)``.

        Examples
        --------
        >>> import numpy as np
        >>> Standardizer().fit_transform(np.array([[1.0], [3.0]])).tolist()
        [[-1.0], [1.0]]
        """
        return self.fit(X).transform(X)

    def __repr__(self) -> str:
        if self.mean is None:
            return "Standardizer(not fitted)"
        return f"Standardizer(n_features={self.mean.shape[0]})"


def iterate_minibatches(
    X: Any, y: Any, batch_size: int, shuffle: bool = True, seed: Any = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` pairs that cover every row exactly once.

    All batches have ``batch_size`` rows except possibly the last, which
    holds the remainder. Batches are new arrays (changing them does not
    change ``X`` or ``y``).

    Parameters
    ----------
    X, y : array_like
        Samples and labels with the same number of rows.
    batch_size : int
        Positive number of rows per batch.
    shuffle : bool
        If true, rows come in a random order drawn from
        ``numpy.random.default_rng(seed)``; otherwise in their stored order
        (and ``seed`` is ignored).
    seed : int, None, numpy.random.Generator, ...
        An int gives the same order on every call. A
        :class:`numpy.random.Generator` is used directly, so successive
        calls (epochs) get different orders while the whole run stays
        reproducible from the generator's own seed. ``None`` draws fresh
        entropy.

    Validation and the shuffle happen when the function is called, not at the
    first ``next()``, so errors surface at the call site.

    Raises
    ------
    ValueError
        If ``batch_size`` is not a positive int, or ``X`` and ``y`` differ in
        length.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = np.arange(10)
    >>> [len(yb) for _, yb in iterate_minibatches(X, y, batch_size=4, shuffle=False)]
    [4, 4, 2]
    >>> seen = [yb for _, yb in iterate_minibatches(X, y, batch_size=3, seed=0)]
    >>> sorted(np.concatenate(seen).tolist()) == list(range(10))
    True
    >>> rng = np.random.default_rng(42)
    >>> for epoch in range(2):
    ...     for X_batch, y_batch in iterate_minibatches(X, y, batch_size=5, seed=rng):
    ...         pass  # one optimisation step per batch
    """
    if (
        isinstance(batch_size, (bool, np.bool_))
        or not isinstance(batch_size, (int, np.integer))
        or batch_size <= 0
    ):
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    X = np.asarray(X)
    y = np.asarray(y)
    _check_same_length(X, y)
    n = X.shape[0]
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    return _batches(X, y, order, int(batch_size))


def _batches(
    X: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, order.size, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]

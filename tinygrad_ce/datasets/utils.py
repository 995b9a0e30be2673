"""Helpers to prepare a data set for training: split, standardize, batch.

Pure NumPy; they accept anything :func:`numpy.asarray` accepts and never
modify their inputs. A ``seed`` is ``None`` (draw from
:func:`tinygrad_ce.seeding.default_generator`, reproducible after
``tinygrad_ce.manual_seed(n)``), an int or a :class:`numpy.random.Generator`,
so results are reproducible for a given seed (within one NumPy version: NumPy
does not promise identical random streams across releases).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_ce.seeding import generator_from

__all__ = ["Standardizer", "iterate_minibatches", "train_test_split"]


def _check_same_length(X: np.ndarray, y: np.ndarray) -> None:
    if X.ndim == 0:
        raise ValueError("X must be at least 1-dimensional (one row per sample), got a scalar")
    if y.ndim == 0:
        raise ValueError("y must be at least 1-dimensional (one label per sample), got a scalar")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows, got len(X)={X.shape[0]} "
            f"and len(y)={y.shape[0]}"
        )


def _n_test(test_size: Any, n: int) -> int:
    """The size of the test part, as scikit-learn computes it (checked, not yet against n)."""
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, numbers.Real):
        raise ValueError(
            f"test_size must be a float in (0, 1) or a positive int, got {test_size!r}"
        )
    if isinstance(test_size, numbers.Integral):
        if test_size < 1:
            raise ValueError(f"test_size as an int is a number of samples >= 1, got {test_size!r}")
        return int(test_size)
    if not 0 < test_size < 1:
        raise ValueError(
            f"test_size must be a float in the open interval (0, 1) or a positive int, "
            f"got {test_size!r}"
        )
    # ceil, as scikit-learn; rounding to 9 decimals first stops float noise from adding a
    # sample (0.07 * 100 is 7.000000000000001: scikit-learn tests 8 samples, we test 7).
    return math.ceil(round(float(test_size) * n, 9))


def _class_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct classes, class index of each row); a 2-D label array's rows are the classes."""
    if labels.ndim == 1:
        return np.unique(labels, return_inverse=True)
    if labels.ndim == 2:
        classes, inverse = np.unique(labels, axis=0, return_inverse=True)
        return classes, inverse.reshape(-1)
    raise ValueError(f"stratify labels must be 1- or 2-dimensional, got shape {labels.shape}")


def _allocate(counts: np.ndarray, n_test: int) -> np.ndarray:
    """How many of each class go to the test part: ``n_test`` in all, every class in both parts.

    Each class's share is its proportional ``n_test * count / n``, rounded by largest
    remainder (the parts' class proportions stay as close as whole samples allow), then
    kept between 1 and count - 1. Ties go to the lower class index.
    """
    ideal = n_test * counts / counts.sum()
    alloc = np.clip(np.floor(ideal).astype(np.int64), 1, counts - 1)
    # Each class's floor or clip moved it by less than 1 (or exactly 1, for a class clipped up
    # from 0), so these loops run at most len(counts) times each.
    while alloc.sum() < n_test:
        room = alloc < counts - 1
        alloc[np.argmax(np.where(room, ideal - alloc, -np.inf))] += 1
    while alloc.sum() > n_test:
        spare = alloc > 1
        alloc[np.argmin(np.where(spare, ideal - alloc, np.inf))] -= 1
    return alloc


def train_test_split(
    X: Any,
    y: Any,
    test_size: float | int = 0.2,
    *,
    stratify: Any = None,
    seed: Any = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split ``X`` and ``y`` into a random train and test part, as scikit-learn's function.

    The test part gets ``ceil(test_size * n)`` rows for a float ``test_size`` (float round-off
    ignored), or ``test_size`` rows for an int; the training part gets the rest. Rows are
    drawn at random, without regard to the labels, unless ``stratify`` is given.

    With ``stratify=True`` (stratify by ``y``) or ``stratify=labels`` (an array with one label
    per row, as scikit-learn's ``stratify=``), the test rows are shared out among the classes
    in proportion to their sizes (largest remainder), and every class gets at least one row in
    each part: a class with a single row is an error, and so is a part too small to hold one
    row of every class. A 2-D ``y`` (multi-label) stratifies by its distinct rows.
    ``stratify=None`` or ``False`` does not stratify.

    Parameters
    ----------
    X : array_like
        Samples, one per row (shape ``(n, ...)``).
    y : array_like
        Targets, one per row: class labels ``(n,)``, a multi-label matrix ``(n, k)``, or
        anything else with ``n`` rows.
    test_size : float or int
        The fraction of the rows in ``(0, 1)`` that goes to the test part, or their number.
    stratify : None, bool or array_like
        See above.
    seed : None, int or numpy.random.Generator
        ``None`` draws from :func:`tinygrad_ce.seeding.default_generator` (reproducible after
        ``tinygrad_ce.manual_seed``); an int gives the same split on every call; a Generator
        is used as it is.
    shuffle : bool
        ``False`` takes the first rows for training and the last ones for testing, in order
        (``stratify`` must then be ``None``).

    Returns
    -------
    X_train, X_test, y_train, y_test : numpy.ndarray
        New arrays (the inputs are not modified and share no memory with them); the rows of
        each part in random order.

    Raises
    ------
    ValueError
        If ``test_size`` is not a float in ``(0, 1)`` or an int >= 1; if either part would be
        empty; if ``X``, ``y`` and ``stratify`` have different lengths; if a class has fewer
        than 2 rows (the message names it) or a part has fewer rows than there are classes.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = np.array([0] * 5 + [1] * 5)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, seed=0)
    >>> X_train.shape, X_test.shape
    ((6, 2), (4, 2))
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y, test_size=0.4, stratify=True, seed=0)
    >>> np.bincount(y_train).tolist(), np.bincount(y_test).tolist()
    ([3, 3], [2, 2])
    >>> again = train_test_split(X, y, test_size=0.4, stratify=True, seed=0)
    >>> bool(np.array_equal(again[1], X_test))
    True
    >>> train_test_split(X, [0] * 9 + [1], stratify=True, seed=0)
    Traceback (most recent call last):
    ...
    ValueError: cannot stratify: class 1 has only 1 row, but every class needs
    at least one row in each part
    """
    X = np.asarray(X)
    y = np.asarray(y)
    _check_same_length(X, y)
    n = X.shape[0]
    n_test = _n_test(test_size, n)
    if n == 0:
        raise ValueError("cannot split: X and y have no rows (with 0 rows both parts are empty)")
    if n_test >= n:
        raise ValueError(
            f"with {n} rows and test_size={test_size!r} the test part would get {n_test} rows "
            f"and the training part none; lower test_size"
        )
    if stratify is None or stratify is False:
        labels = None
    elif stratify is True:
        labels = y
    else:
        labels = np.asarray(stratify)
        if labels.ndim == 0 or labels.shape[0] != n:
            raise ValueError(
                f"stratify must have one label per row ({n} rows), got shape {labels.shape}"
            )
    if not shuffle:
        if labels is not None:
            raise ValueError("stratify needs shuffle=True (as in scikit-learn)")
        # Slicing gives views; copy so that the parts never share memory with the inputs.
        cut = n - n_test
        return X[:cut].copy(), X[cut:].copy(), y[:cut].copy(), y[cut:].copy()

    rng = generator_from(seed)
    if labels is None:
        order = rng.permutation(n)
        train_idx, test_idx = order[n_test:], order[:n_test]
    else:
        classes, inverse = _class_labels(labels)
        counts = np.bincount(inverse, minlength=len(classes))
        if counts.min() < 2:
            small = classes[int(np.argmin(counts))]
            raise ValueError(
                f"cannot stratify: class {small.tolist()!r} has only 1 row, but every class "
                f"needs at least one row in each part"
            )
        n_classes = len(classes)
        if min(n_test, n - n_test) < n_classes:
            raise ValueError(
                f"cannot stratify: with {n} rows and test_size={test_size!r} the parts get "
                f"{n - n_test} (train) and {n_test} (test) rows, fewer than the "
                f"{n_classes} classes"
            )
        alloc = _allocate(counts, n_test)
        train_parts, test_parts = [], []
        for k in range(n_classes):
            members = rng.permutation(np.flatnonzero(inverse == k))
            test_parts.append(members[: alloc[k]])
            train_parts.append(members[alloc[k] :])
        # Without this final shuffle each part would be sorted by class, which makes naive
        # mini-batching (shuffle=False) see one class at a time.
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
        Samples and targets with the same number of rows; ``y`` may be 2-D
        (a multi-label matrix, one row per sample).
    batch_size : int
        Positive number of rows per batch.
    shuffle : bool
        If true, rows come in a random order drawn from the generator ``seed``
        names; otherwise in their stored order (and ``seed`` is ignored).
    seed : None, int or numpy.random.Generator
        An int gives the same order on every call. A
        :class:`numpy.random.Generator` is used directly, so successive
        calls (epochs) get different orders while the whole run stays
        reproducible from the generator's own seed. ``None`` draws from
        :func:`tinygrad_ce.seeding.default_generator` (reproducible after
        ``tinygrad_ce.manual_seed(n)``).

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
    >>> Y = np.eye(3)[[0, 1, 2, 0]]  # multi-label or one-hot targets: one row per sample
    >>> [yb.shape for _, yb in iterate_minibatches(X[:4], Y, batch_size=3, shuffle=False)]
    [(3, 3), (1, 3)]
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
    order = generator_from(seed).permutation(n) if shuffle else np.arange(n)
    return _batches(X, y, order, int(batch_size))


def _batches(
    X: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, order.size, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]

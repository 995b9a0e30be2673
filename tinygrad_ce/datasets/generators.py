"""Toy data sets drawn at random: two moons, Gaussian blobs, the 3-class spiral.

``make_moons`` and ``make_blobs`` follow scikit-learn's functions of the same name (arguments,
shapes, the order of the rows before shuffling, ``noise`` and ``cluster_std`` as standard
deviations); ``seed`` replaces ``random_state``. The numbers differ from scikit-learn's for the
same seed, because scikit-learn draws from the legacy ``RandomState``.

``seed`` is ``None`` (draw from :func:`tinygrad_ce.seeding.default_generator`, so one
``tinygrad_ce.manual_seed(n)`` makes a script reproducible), an int (the same data on every
call) or a :class:`numpy.random.Generator` (used as it is, so successive calls differ while
the run stays reproducible). Every function returns ``X`` as ``float64`` and ``y`` as ``int64``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_ce.seeding import generator_from

__all__ = ["make_blobs", "make_moons", "make_spiral"]


def _count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _non_negative(name: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _shuffled(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(y))
    return X[order], y[order]


def make_moons(
    n_samples: int | tuple[int, int] = 100,
    noise: float | None = 0.0,
    seed: Any = None,
    *,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, as scikit-learn's ``make_moons``.

    Class 0 is the upper half of the unit circle, class 1 the lower half circle centred at
    ``(1, 0.5)``; without noise, the points are evenly spaced along each arc.

    Parameters
    ----------
    n_samples : int or (int, int)
        Total number of points (class 0 gets ``n_samples // 2``, class 1 the rest), or the
        number in each class.
    noise : float or None
        Standard deviation of the Gaussian noise added to every coordinate (``None`` or 0: none).
    seed : None, int or numpy.random.Generator
        See the module's description.
    shuffle : bool
        Shuffle the rows (otherwise class 0 comes first, each arc in order).

    Returns
    -------
    X : numpy.ndarray
        ``float64``, shape ``(n_samples, 2)``.
    y : numpy.ndarray
        ``int64``, shape ``(n_samples,)``, 0 or 1.

    Examples
    --------
    >>> X, y = make_moons(n_samples=6, shuffle=False)
    >>> X.round(2).tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, 0.5], [1.0, -0.5], [2.0, 0.5]]
    >>> y.tolist()
    [0, 0, 0, 1, 1, 1]
    >>> X, y = make_moons(200, noise=0.1, seed=0)
    >>> X.shape, y.dtype.name, int(y.sum())
    ((200, 2), 'int64', 100)
    """
    if isinstance(n_samples, numbers.Integral) and not isinstance(n_samples, bool):
        n = _count("n_samples", n_samples, 1)
        n_out, n_in = n // 2, n - n // 2
    elif isinstance(n_samples, Sequence) and len(n_samples) == 2:
        n_out = _count("n_samples[0]", n_samples[0], 0)
        n_in = _count("n_samples[1]", n_samples[1], 0)
        if n_out + n_in == 0:
            raise ValueError(f"n_samples must ask for at least one point, got {n_samples!r}")
    else:
        raise ValueError(f"n_samples must be an int or a pair of ints, got {n_samples!r}")
    noise = 0.0 if noise is None else _non_negative("noise", noise)
    rng = generator_from(seed)

    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
            np.stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1),
        ]
    )
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    if shuffle:  # shuffle first, then noise: scikit-learn's order of draws
        X, y = _shuffled(X, y, rng)
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_blobs(
    n_samples: int | Sequence[int] = 100,
    n_features: int = 2,
    *,
    centers: int | Any = None,
    cluster_std: float | Sequence[float] = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
    seed: Any = None,
    return_centers: bool = False,
):
    """Isotropic Gaussian blobs, as scikit-learn's ``make_blobs``.

    Parameters
    ----------
    n_samples : int or sequence of int
        Total number of points, shared out as evenly as possible (the first
        ``n_samples % n_centers`` blobs get one more), or the number in each blob.
    n_features : int
        Dimension of each point (ignored when ``centers`` is an array).
    centers : None, int or array_like of shape (n_centers, n_features)
        The blob centres, or how many to draw uniformly from ``center_box``; ``None`` means 3
        when ``n_samples`` is an int, else one per entry of ``n_samples``.
    cluster_std : float or sequence of float
        Standard deviation of every blob, or of each one.
    center_box : (float, float)
        Bounds of the box random centres are drawn from.
    shuffle : bool
        Shuffle the rows (otherwise blob 0 comes first).
    seed : None, int or numpy.random.Generator
        See the module's description.
    return_centers : bool
        Also return the centres.

    Returns
    -------
    X : numpy.ndarray
        ``float64``, shape ``(n_samples, n_features)``.
    y : numpy.ndarray
        ``int64``, shape ``(n_samples,)``: the blob of each point.
    centers : numpy.ndarray
        ``float64``, shape ``(n_centers, n_features)``; only with ``return_centers=True``.

    Examples
    --------
    >>> X, y = make_blobs(10, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((10, 2), [4, 3, 3])
    >>> X, y, centers = make_blobs([2, 3], centers=[[0, 0], [5, 5]], cluster_std=0.0,
    ...                            shuffle=False, return_centers=True)
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0], [5.0, 5.0], [5.0, 5.0]], [0, 0, 1, 1, 1])
    """
    n_features = _count("n_features", n_features, 1)
    rng = generator_from(seed)
    if isinstance(n_samples, numbers.Integral) and not isinstance(n_samples, bool):
        total = _count("n_samples", n_samples, 1)
        per_center = None
    else:
        per_center = [_count("each entry of n_samples", n, 0) for n in np.ravel(n_samples)]
        if not per_center or sum(per_center) == 0:
            raise ValueError(f"n_samples must ask for at least one point, got {n_samples!r}")
    if centers is None:
        centers = 3 if per_center is None else len(per_center)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        n_centers = _count("centers", centers, 1)
        lo, hi = (float(b) for b in center_box)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise ValueError(f"center_box must be two finite numbers low <= high, got {center_box}")
        center_array = rng.uniform(lo, hi, size=(n_centers, n_features))
    else:
        center_array = np.array(centers, dtype=np.float64)
        if center_array.ndim != 2 or center_array.shape[0] == 0 or center_array.shape[1] == 0:
            raise ValueError(
                f"centers must be an int or an array of shape (n_centers, n_features), "
                f"got shape {center_array.shape}"
            )
        if not np.all(np.isfinite(center_array)):
            raise ValueError("centers must be finite")
        n_centers, n_features = center_array.shape
    if per_center is None:
        per_center = [total // n_centers] * n_centers
        for i in range(total % n_centers):
            per_center[i] += 1
    elif len(per_center) != n_centers:
        raise ValueError(
            f"n_samples has {len(per_center)} entries but there are {n_centers} centers"
        )
    stds = np.ravel(np.asarray(cluster_std, dtype=np.float64))
    if stds.size == 1 and np.ndim(cluster_std) == 0:
        stds = np.full(n_centers, stds[0])
    if stds.size != n_centers:
        raise ValueError(f"cluster_std has {stds.size} entries but there are {n_centers} centers")
    for s in stds.tolist():
        _non_negative("cluster_std", s)

    X = np.concatenate(
        [
            rng.normal(loc=c, scale=s, size=(n, n_features))
            for c, s, n in zip(center_array, stds, per_center)
        ]
    )
    y = np.repeat(np.arange(n_centers, dtype=np.int64), per_center)
    if shuffle:
        X, y = _shuffled(X, y, rng)
    if return_centers:
        return X, y, center_array
    return X, y


def make_spiral(
    n_per_class: int = 100,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: Any = None,
    *,
    shuffle: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The spiral of Stanford's CS231n notes: ``n_classes`` arms winding out from the origin.

    Arm ``j`` has ``n_per_class`` points at radii evenly spaced from 0 to 1 and angles evenly
    spaced from ``4 j`` to ``4 (j + 1)`` radians, each angle plus Gaussian noise of standard
    deviation ``noise`` (radians); a point is ``(r sin t, r cos t)``. With the defaults this
    is exactly the classic 3-class, 300-point data set, which no linear model separates (a
    softmax classifier gets about 50%) and a small MLP does. The arms are evenly spread around
    the circle only for 3 classes (3 x 4 radians is almost two turns).

    Parameters
    ----------
    n_per_class : int
        Points per arm.
    n_classes : int
        Number of arms (classes).
    noise : float
        Standard deviation of the noise on the angle, in radians.
    seed : None, int or numpy.random.Generator
        See the module's description.
    shuffle : bool
        Shuffle the rows; by default they come class by class, as in the notes.

    Returns
    -------
    X : numpy.ndarray
        ``float64``, shape ``(n_per_class * n_classes, 2)``, inside the unit disc.
    y : numpy.ndarray
        ``int64``, shape ``(n_per_class * n_classes,)``.

    Examples
    --------
    >>> X, y = make_spiral(seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    >>> bool(np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0))
    True
    >>> X, y = make_spiral(n_per_class=3, n_classes=2, noise=0.0)
    >>> y.tolist()
    [0, 0, 0, 1, 1, 1]
    >>> X[2].round(3).tolist(), np.round([np.sin(4), np.cos(4)], 3).tolist()  # r = 1, t = 4
    ([-0.757, -0.654], [-0.757, -0.654])
    """
    n_per_class = _count("n_per_class", n_per_class, 1)
    n_classes = _count("n_classes", n_classes, 1)
    noise = _non_negative("noise", noise)
    rng = generator_from(seed)
    radius = np.linspace(0.0, 1.0, n_per_class)
    arms = []
    for j in range(n_classes):
        # One draw per class, after the linspace, as the notes' loop does.
        t = np.linspace(4.0 * j, 4.0 * (j + 1), n_per_class)
        if noise > 0:
            t = t + rng.normal(scale=noise, size=n_per_class)
        arms.append(np.stack([radius * np.sin(t), radius * np.cos(t)], axis=1))
    X = np.concatenate(arms)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    if shuffle:
        X, y = _shuffled(X, y, rng)
    return X, y

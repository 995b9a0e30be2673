"""Small data sets and the helpers to train on them (pure NumPy, works offline).

Shipped inside the package: :func:`load_iris` (Fisher's 150 flowers) and :func:`load_digits`
(1,797 8x8 handwritten digits, scikit-learn's values). Drawn at random, seeded:
:func:`make_moons`, :func:`make_blobs` and :func:`make_spiral`. To train on them:
:func:`train_test_split`, :class:`Standardizer` and :func:`iterate_minibatches`.

Examples
--------
>>> from tinygrad_ce.datasets import (
...     Standardizer, iterate_minibatches, load_iris, train_test_split)
>>> X, y, feature_names, target_names = load_iris()
>>> X_train, X_test, y_train, y_test = train_test_split(
...     X, y, test_size=0.2, stratify=True, seed=0)
>>> X_train.shape, X_test.shape
((120, 4), (30, 4))
>>> scaler = Standardizer().fit(X_train)  # statistics of the training part only
>>> X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
>>> sum(len(yb) for _, yb in iterate_minibatches(X_train, y_train, batch_size=32, seed=0))
120
"""

from .digits import load_digits
from .generators import make_blobs, make_moons, make_spiral
from .iris import load_iris
from .utils import Standardizer, iterate_minibatches, train_test_split

__all__ = [
    "Standardizer",
    "iterate_minibatches",
    "load_digits",
    "load_iris",
    "make_blobs",
    "make_moons",
    "make_spiral",
    "train_test_split",
]

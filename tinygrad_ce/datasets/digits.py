"""The 8x8 handwritten digits (UCI optical digits, test set), shipped inside the package.

These are the 1,797 images scikit-learn's ``load_digits`` returns, with the same values in the
same order. Alpaydin and Kaynak (1998) scanned digits written by 43 people; each 32x32 bitmap was
cut into 4x4 blocks and every block's count of ink pixels became one pixel of an 8x8 image, so a
pixel is an integer from 0 (white) to 16 (black). The 1,797 are the UCI test set
(https://archive.ics.uci.edu/dataset/80, CC BY 4.0), written by 13 of the 43 people.

File format of ``digits.csv.gz`` (next to this module): gzip-compressed UTF-8 CSV; one header
line ``pixel_0_0,...,pixel_7_7,digit`` (``pixel_r_c`` is row ``r``, column ``c``), then 1,797
rows of 64 pixels in row-major order followed by the digit. It is read through
:mod:`importlib.resources`, so it works offline and from an installed wheel.
"""

from __future__ import annotations

import gzip
import io
from importlib import resources

import numpy as np

__all__ = ["load_digits"]

_FILE_NAME = "digits.csv.gz"
_N_SAMPLES = 1797
FEATURE_NAMES: tuple[str, ...] = tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
TARGET_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))


def load_digits() -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Load the 1,797 8x8 digit images (scikit-learn's ``load_digits``, same values).

    Returns
    -------
    X : numpy.ndarray
        ``float64`` array of shape ``(1797, 64)``: each row one image, its 8 rows of 8 pixels
        one after the other; ``X[i].reshape(8, 8)`` is image ``i``. Pixels are whole numbers
        from 0 (white) to 16 (black).
    y : numpy.ndarray
        ``int64`` array of shape ``(1797,)``: the digit, 0 to 9 (174 to 183 images each).
    feature_names : list of str
        ``["pixel_0_0", "pixel_0_1", ..., "pixel_7_7"]`` (``pixel_row_column``), as
        scikit-learn names them.
    target_names : list of str
        ``["0", "1", ..., "9"]``; ``target_names[k]`` names class ``k`` (strings, like
        :func:`load_iris`'s names).

    Every call reads the file again and returns new arrays and lists.

    Raises
    ------
    ValueError
        If the shipped file is malformed (which means a broken install).

    Examples
    --------
    >>> X, y, feature_names, target_names = load_digits()
    >>> X.shape, y.shape
    ((1797, 64), (1797,))
    >>> print(X.dtype, y.dtype, X.min(), X.max())
    float64 int64 0.0 16.0
    >>> print(int(y[0]), X[0].reshape(8, 8)[2].astype(int))  # the third pixel row of a 0
    0 [ 0  3 15  2  0 11  8  0]
    >>> np.bincount(y).tolist()
    [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    """
    resource = resources.files("tinygrad_ce.datasets").joinpath(_FILE_NAME)
    with resource.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split(",")
        expected = [*FEATURE_NAMES, "digit"]
        if header != expected:
            raise ValueError(f"{_FILE_NAME}: unexpected header, expected {expected[0]},...,digit")
        try:
            table = np.loadtxt(io.StringIO(fh.read()), delimiter=",", dtype=np.int64, ndmin=2)
        except ValueError as exc:
            raise ValueError(f"{_FILE_NAME}: {exc}") from None
    if table.shape != (_N_SAMPLES, 65):
        raise ValueError(
            f"{_FILE_NAME}: expected {_N_SAMPLES} rows of 65 fields, got {table.shape}"
        )
    X, y = table[:, :64], table[:, 64]
    if X.min() < 0 or X.max() > 16 or y.min() < 0 or y.max() > 9:
        raise ValueError(f"{_FILE_NAME}: a pixel outside 0..16 or a digit outside 0..9")
    return X.astype(np.float64), y.copy(), list(FEATURE_NAMES), list(TARGET_NAMES)

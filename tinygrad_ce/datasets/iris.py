"""Fisher's iris data set (Fisher, 1936), shipped inside the package.

The values are those of Fisher's paper as R's ``datasets::iris`` and
scikit-learn (since 0.20) ship them. The widespread UCI copy has two
transcription errors, which are *not* present here: sample 35 (1-based) is
``4.9, 3.1, 1.5, 0.2`` and sample 38 is ``4.9, 3.6, 1.4, 0.1``.

File format of ``iris.csv`` (next to this module): UTF-8, one header line
``sepal_length,sepal_width,petal_length,petal_width,species``, then 150 rows
of four measurements in centimetres followed by the species *name*
(``setosa``, ``versicolor`` or ``virginica``), in the usual order: rows 1-50
setosa, 51-100 versicolor, 101-150 virginica.

The file is read through :mod:`importlib.resources`, so it works offline and
from an installed wheel (or zip) as long as the packaging includes
``*.csv`` package data.
"""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np

__all__ = ["FEATURE_NAMES", "TARGET_NAMES", "load_iris"]

FEATURE_NAMES: tuple[str, ...] = (
    "sepal length (cm)",
    "sepal width (cm)",
    "petal length (cm)",
    "petal width (cm)",
)
TARGET_NAMES: tuple[str, ...] = ("setosa", "versicolor", "virginica")

_CSV_NAME = "iris.csv"
_CSV_HEADER = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
_N_SAMPLES = 150


def load_iris() -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Load Fisher's iris data set.

    Returns
    -------
    X : numpy.ndarray
        ``float64`` array of shape ``(150, 4)``: sepal length, sepal width,
        petal length and petal width, in centimetres.
    y : numpy.ndarray
        ``int64`` array of shape ``(150,)``: class codes 0 = setosa,
        1 = versicolor, 2 = virginica (50 each, rows 0-49 are setosa, ...).
    feature_names : list of str
        ``["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
        "petal width (cm)"]``.
    target_names : list of str
        ``["setosa", "versicolor", "virginica"]``; ``target_names[k]`` names
        class ``k``.

    Every call parses the file again and returns new arrays and lists, so a
    caller may modify them without affecting later calls.

    Raises
    ------
    ValueError
        If the shipped CSV file is malformed (which means a broken install).

    Examples
    --------
    >>> X, y, feature_names, target_names = load_iris()
    >>> X.shape, y.shape
    ((150, 4), (150,))
    >>> print(X.dtype, y.dtype)
    float64 int64
    >>> X[34].tolist()  # sample 35 (1-based), as in Fisher's paper
    [4.9, 3.1, 1.5, 0.2]
    >>> X.sum(axis=0).round(1).tolist()
    [876.5, 458.6, 563.7, 179.9]
    >>> [target_names[k] for k in (y[0], y[50], y[149])]
    ['setosa', 'versicolor', 'virginica']
    """
    codes = {name: k for k, name in enumerate(TARGET_NAMES)}
    resource = resources.files("tinygrad_ce.datasets").joinpath(_CSV_NAME)
    with resource.open("r", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != _CSV_HEADER:
            raise ValueError(f"{_CSV_NAME}: unexpected header {header!r}, expected {_CSV_HEADER!r}")
        features: list[list[float]] = []
        labels: list[int] = []
        # reader.line_num is the physical line, which is what a person fixing the file needs.
        for row in reader:
            if len(row) != 5:
                raise ValueError(
                    f"{_CSV_NAME} line {reader.line_num}: expected 5 fields, got {len(row)}"
                )
            try:
                features.append([float(v) for v in row[:4]])
            except ValueError as exc:
                raise ValueError(f"{_CSV_NAME} line {reader.line_num}: {exc}") from None
            if row[4] not in codes:
                raise ValueError(f"{_CSV_NAME} line {reader.line_num}: unknown species {row[4]!r}")
            labels.append(codes[row[4]])
    if len(labels) != _N_SAMPLES:
        raise ValueError(f"{_CSV_NAME}: expected {_N_SAMPLES} rows, got {len(labels)}")
    X = np.array(features, dtype=np.float64)
    y = np.array(labels, dtype=np.int64)
    return X, y, list(FEATURE_NAMES), list(TARGET_NAMES)

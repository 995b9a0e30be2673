"""How numbers are written in pictures and in the trace: 4 significant digits, arrays by rows."""

from __future__ import annotations

import numpy as np


def number(v):
    """One number, 4 significant digits: ``0.1432``, ``-0.5``, ``1e+04``, ``True``."""
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    text = f"{float(v):.4g}"
    return "0" if text == "-0" else text


def summarize(array, max_elements=6):
    """Short one-line text for an array: its values when small, else shape and statistics.

    >>> summarize(np.array([0.5, 0.25]))
    '(2,) [0.5, 0.25]'
    >>> summarize(np.array(3.0))
    '3'
    >>> summarize(np.arange(100.0))
    '(100,) mean 49.5, min 0, max 99, norm 573'
    """
    array = np.asarray(array)
    if array.ndim == 0:
        return number(array[()])
    if array.size <= max_elements:
        return f"{array.shape} {nested(array)}"
    if array.size == 0:
        return f"{array.shape} (empty)"
    return (
        f"{array.shape} mean {number(array.mean())}, min {number(array.min())}, "
        f"max {number(array.max())}, norm {number(np.linalg.norm(array))}"
    )


def nested(array):
    """``[[0, -0.5], [1, 2]]``: the array as nested lists, each number short."""
    if array.ndim == 0:
        return number(array[()])
    return "[" + ", ".join(nested(row) for row in array) + "]"


def rows(array, prefix="", max_size=30, max_columns=8):
    """The lines that show a small array in a box, columns aligned, after ``prefix``::

        grad [[ 0.1432 -0.2864]
              [ 0.1246  0.2509]]

    Arrays of more than ``max_size`` elements, more than 2 dimensions or more than
    ``max_columns`` columns get one line of statistics instead.
    """
    array = np.asarray(array)
    if array.ndim == 0:
        return [prefix + number(array[()])]
    if array.size == 0:
        return [prefix + "(empty)"]
    if array.size > max_size or array.ndim > 2 or array.shape[-1] > max_columns:
        return [f"{prefix}min {number(array.min())}, max {number(array.max())}"]
    matrix = array.reshape(-1, array.shape[-1]) if array.ndim == 2 else array.reshape(1, -1)
    cells = [[number(v) for v in row] for row in matrix]
    width = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    lines = [" ".join(c.rjust(w) for c, w in zip(row, width)) for row in cells]
    if array.ndim == 1:
        return [f"{prefix}[{lines[0]}]"]
    pad = " " * len(prefix)
    out = []
    for i, line in enumerate(lines):
        start = prefix + "[[" if i == 0 else pad + " ["
        end = "]]" if i == len(lines) - 1 else "]"
        out.append(start + line + end)
    return out

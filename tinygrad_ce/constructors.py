"""Tensor constructors with PyTorch's names and default dtypes: ``zeros``, ``ones``, ``full``,
``zeros_like``, ``ones_like``, ``arange``, ``eye``, ``linspace``, ``randn``, ``rand``,
``randint``, ``randperm``, ``tensor``, ``from_numpy`` (``full_like`` lives with the Tensor
methods); and ``allclose``, PyTorch's test of two tensors' closeness.

Sizes are given as separate ints or one tuple (``zeros(2, 3)`` or ``zeros((2, 3))``). Floating
results are float32 unless ``dtype`` says otherwise, as PyTorch's default dtype; ``full`` and
``arange`` take the dtype from their numbers (ints give int64, bools bool); ``randint`` and
``randperm`` give int64. ``randn``, ``rand``, ``randint`` and ``randperm`` draw from
``tinygrad_ce.seeding.default_generator()`` unless given ``generator=`` (a
``numpy.random.Generator`` or an int seed), so ``tg.manual_seed(n)`` makes them reproducible.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from tinygrad_ce.engine import Tensor
from tinygrad_ce.seeding import generator_from
from tinygrad_ce.tensor_methods import full_like

__all__ = [
    "allclose",
    "arange",
    "eye",
    "from_numpy",
    "full",
    "linspace",
    "ones",
    "ones_like",
    "rand",
    "randint",
    "randn",
    "randperm",
    "tensor",
    "zeros",
    "zeros_like",
]


def _size(size, function):
    """``size`` as a tuple of non-negative ints; one tuple or list argument is the size itself."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    size = tuple(operator.index(n) for n in size)
    if any(n < 0 for n in size):
        raise ValueError(f"{function}: sizes must be non-negative, got {size}")
    return size


def _float_dtype(dtype):
    return np.dtype(np.float32 if dtype is None else dtype)


def zeros(*size, dtype=None, requires_grad=False):
    """A tensor of zeros (float32 unless ``dtype`` is given).

    >>> zeros(2, 3).shape, zeros((2,)).dtype
    ((2, 3), dtype('float32'))
    """
    size = _size(size, "zeros")
    return Tensor(np.zeros(size, _float_dtype(dtype)), requires_grad=requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    """A tensor of ones (float32 unless ``dtype`` is given).

    >>> ones(2, dtype=np.int64)
    Tensor([1, 1])
    """
    size = _size(size, "ones")
    return Tensor(np.ones(size, _float_dtype(dtype)), requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value``; its dtype follows the value's kind as
    PyTorch's (a float gives float32, an int int64, a bool bool), NumPy scalars and one-element
    Tensors included (``np.float64(2.0)`` gives float32, ``np.int32(3)`` int64, as in PyTorch),
    unless ``dtype`` is given. ``fill_value`` must be a number (``TypeError`` otherwise).

    >>> full((2, 2), 7)
    Tensor([[7, 7],
            [7, 7]])
    >>> full([3], 0.5).dtype, full([3], np.float64(0.5)).dtype
    (dtype('float32'), dtype('float32'))
    """
    size = _size((size,), "full")
    if isinstance(fill_value, Tensor) and fill_value.size == 1:
        fill_value = fill_value._data.reshape(()).item()
    if not isinstance(fill_value, bool | int | float | np.bool_ | np.integer | np.floating):
        raise TypeError(f"full: fill_value must be a number, got {fill_value!r}")
    if dtype is None:  # the value's kind, with PyTorch's default dtype of each kind
        kind = np.asarray(fill_value).dtype.kind
        dtype = np.bool_ if kind == "b" else np.int64 if kind in "iu" else np.float32
    dtype = np.dtype(dtype)
    if dtype.kind in "iu" and not np.isfinite(fill_value):
        raise ValueError(f"full: fill_value {fill_value!r} cannot be stored in dtype {dtype}")
    return Tensor(np.full(size, fill_value, dtype), requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, requires_grad=False):
    """Zeros of ``input``'s shape and dtype (or ``dtype``).

    >>> zeros_like(Tensor([[1, 2]]))
    Tensor([[0, 0]])
    """
    return full_like(input, 0, dtype=dtype, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, requires_grad=False):
    """Ones of ``input``'s shape and dtype (or ``dtype``).

    >>> ones_like(Tensor([1.5, 2.5]))
    Tensor([1., 1.])
    """
    return full_like(input, 1, dtype=dtype, requires_grad=requires_grad)


def _real_number(value, name, function):
    """``value`` (a Python or NumPy number, or a one-element Tensor or array) as a scalar."""
    if isinstance(value, Tensor | np.ndarray) and value.size == 1:
        value = (value._data if isinstance(value, Tensor) else value).reshape(()).item()
    if not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{function}: {name} must be a real number, got {value!r}")
    return value


def _to_integer(value, dtype, function):
    """``value`` as PyTorch converts a number to an integer ``dtype``: a float is truncated
    toward zero and must lie in the dtype's range (not NaN or infinite); an int must fit too,
    except that an unsigned dtype also takes -max .. -1 and wraps them around (-1 is 255 in
    uint8). Anything else raises ``ValueError`` naming the value."""
    info = np.iinfo(dtype)
    if isinstance(value, float | np.floating):
        fits = math.isfinite(value) and info.min <= value <= info.max
    else:
        fits = (-info.max if info.min == 0 else info.min) <= value <= info.max
    if not fits:
        raise ValueError(f"{function}: {value} cannot be converted to {dtype} without overflow")
    return int(value) % (info.max + 1) if value < 0 and info.min == 0 else int(value)


def arange(start, end=None, step=1, *, dtype=None, requires_grad=False):
    """start, start + step, ... up to ``end`` (excluded); ``arange(n)`` is 0 .. n - 1.

    int64 when start, end and step are all integers, float32 otherwise (PyTorch's rule). The
    count and the values follow ``torch.arange`` exactly:

    - a floating dtype gives ceil((end - start) / step) values start + i * step, computed in
      float64 and rounded to ``dtype``;
    - an integer dtype truncates start, end and step toward zero first and counts in those
      integers for int64 (``arange(0, 5, 1.5, dtype=np.int64)`` is 0 .. 4, and a step that
      truncates to 0 is an error); other integer dtypes count from the given numbers, as
      PyTorch does (``arange(0, 5, 1.5, dtype=np.int32)`` is 0 .. 3).

    A zero or NaN step, an infinite or NaN bound, and an ``end`` on the wrong side of ``start``
    for the step's sign (``arange(-3)``) raise ``ValueError`` naming start, end and step.

    >>> arange(4)
    Tensor([0, 1, 2, 3])
    >>> arange(0, 1, 0.25)
    Tensor([0.  , 0.25, 0.5 , 0.75])
    >>> arange(0, 5, 1.5, dtype=np.int64)
    Tensor([0, 1, 2, 3, 4])
    """
    if end is None:
        start, end = 0, start
    start, end, step = (
        _real_number(value, name, "arange")
        for value, name in ((start, "start"), (end, "end"), (step, "step"))
    )
    numbers = f"start={start}, end={end}, step={step}"
    if dtype is None:  # bools count as integers, as in PyTorch
        integral = all(isinstance(n, int | np.integer) for n in (start, end, step))
        dtype = np.int64 if integral else np.float32
    dtype = np.dtype(dtype)
    if dtype.kind not in "iuf":
        raise TypeError(f"arange: dtype must be an integer or floating dtype, got {dtype}")
    if not (step > 0 or step < 0):  # NaN too
        raise ValueError(f"arange: step must be nonzero ({numbers})")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ValueError(f"arange: unsupported range, start and end must be finite ({numbers})")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise ValueError(
            f"arange: end is on the wrong side of start for the step's sign ({numbers}): a "
            f"positive step needs end >= start, a negative one end <= start"
        )
    if dtype.kind == "f":
        count = math.ceil((float(end) - float(start)) / float(step))
        values = float(start) + float(step) * np.arange(count, dtype=np.float64)
        return Tensor(values.astype(dtype), requires_grad=requires_grad)
    first, last, stride = (_to_integer(n, np.int64, "arange") for n in (start, end, step))
    if dtype == np.int64:
        if stride == 0:
            raise ValueError(
                f"arange: step must be nonzero, and {step} truncates to 0 in int64 ({numbers})"
            )
        count = -((first - last) // stride)  # ceil((last - first) / stride), exactly
    else:
        count = math.ceil((float(end) - float(start)) / float(step))
    values = first + stride * np.arange(count, dtype=np.int64)
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


def eye(n, m=None, *, dtype=None, requires_grad=False):
    """The ``n`` x ``m`` identity matrix (``m = n`` by default; float32 unless ``dtype`` is
    given), as ``torch.eye``.

    >>> eye(2, 3)
    Tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    n, m = _size((n, n if m is None else m), "eye")
    return Tensor(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad=requires_grad)


def linspace(start, end, steps, *, dtype=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (float32 unless
    ``dtype`` is given, also for int ends, as ``torch.linspace``).

    Computed in float64 as PyTorch lays them out, the first half from ``start`` and the second
    from ``end`` (so both ends are exact), then rounded to ``dtype``. An integer dtype first
    truncates ``start`` and ``end`` toward zero (an end outside the dtype's range, NaN or an
    infinity raises ``ValueError``), then each value, as PyTorch's.

    >>> linspace(0, 1, 5)
    Tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    >>> linspace(0, 10, 5, dtype=np.int64)
    Tensor([ 0,  2,  5,  7, 10])
    """
    steps = operator.index(steps)
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    dtype = _float_dtype(dtype)
    if dtype.kind in "iu" and steps:  # PyTorch converts the ends to the dtype first
        start = _to_integer(start, dtype, "linspace")
        end = _to_integer(end, dtype, "linspace") if steps > 1 else start
    start, end = float(start), float(end)
    index = np.arange(steps, dtype=np.float64)
    if steps > 1:
        step = (end - start) / (steps - 1)
        from_end = end - step * (steps - 1 - index)
        values = np.where(index < steps // 2, start + step * index, from_end)
    else:
        values = np.full(steps, start)
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False):
    """Samples of the standard normal distribution (float32 unless ``dtype`` is given).

    >>> import tinygrad_ce as tg
    >>> _ = tg.manual_seed(0)
    >>> a = randn(2, 3)
    >>> _ = tg.manual_seed(0)
    >>> bool((a == randn(2, 3)).all()), a.dtype
    (True, dtype('float32'))
    """
    size = _size(size, "randn")
    values = generator_from(generator).standard_normal(size)
    return Tensor(values.astype(_float_dtype(dtype)), requires_grad=requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False):
    """Samples of the uniform distribution on [0, 1) (float32 unless ``dtype`` is given).

    >>> x = rand(1000, generator=0)
    >>> bool((x >= 0).all() and (x < 1).all())
    True
    """
    size = _size(size, "rand")
    values = generator_from(generator).random(size)
    return Tensor(values.astype(_float_dtype(dtype)), requires_grad=requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Integers drawn uniformly from [low, high) in a tensor of ``size`` (a tuple), int64 unless
    ``dtype`` is given, as ``torch.randint``: ``randint(low, high, size)`` or
    ``randint(high, size)``.

    >>> x = randint(3, 7, (1000,), generator=0)
    >>> x.dtype, int(x.min()), int(x.max())
    (dtype('int64'), 3, 6)
    >>> randint(10, (2, 2)).shape
    (2, 2)
    """
    if size is None and high is not None and isinstance(high, tuple | list):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if not isinstance(size, tuple | list):
        raise TypeError(f"randint: size must be a tuple of ints, e.g. (3,), got {size!r}")
    size = _size((size,), "randint")
    low, high = operator.index(low), operator.index(high)
    if low >= high:
        raise ValueError(f"randint: low must be less than high, got low={low} >= high={high}")
    values = generator_from(generator).integers(low, high, size, dtype=np.int64)
    dtype = np.int64 if dtype is None else dtype
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


def randperm(n, *, generator=None, dtype=None, requires_grad=False):
    """A random permutation of 0 .. n - 1, int64 unless ``dtype`` is given (``torch.randperm``).

    >>> sorted(randperm(5, generator=0).tolist())
    [0, 1, 2, 3, 4]
    """
    (n,) = _size((n,), "randperm")
    values = generator_from(generator).permutation(n)
    dtype = np.int64 if dtype is None else dtype
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


def _promote(a, b):
    """PyTorch's promotion of two dtypes (by type, not value): the wider float when either is
    floating (an int never widens a float: int64 and float32 give float32), else NumPy's."""
    if a.kind == "f" or b.kind == "f":
        return max((d for d in (a, b) if d.kind == "f"), key=lambda d: d.itemsize)
    return np.promote_types(a, b)


def _inferred_dtype(data):
    """``torch.tensor``'s dtype for a (nested) list or tuple: Python floats count as float32,
    ints as int64, bools as bool; NumPy scalars, arrays and Tensors as their own dtype; all of
    them promoted together (``[np.float64(1.0), 2.0]`` is float64, ``[np.int32(3), 3]`` int64).
    None when there is nothing to infer from (an empty list) or a value is none of these. A
    Python int beyond int64 in an integer result raises ``OverflowError`` naming it."""
    dtype, pending, too_big = None, [data], None
    while pending:
        item = pending.pop()
        if isinstance(item, Tensor):
            found = item.dtype
        elif isinstance(item, np.ndarray | np.generic):
            found = item.dtype
        elif isinstance(item, list | tuple):
            pending.extend(item)
            continue
        elif isinstance(item, bool):
            found = np.dtype(np.bool_)
        elif isinstance(item, int):
            found = np.dtype(np.int64)
            if not -(2**63) <= item < 2**63:
                too_big = item
        elif isinstance(item, float):
            found = np.dtype(np.float32)
        else:
            return None
        dtype = found if dtype is None else _promote(dtype, found)
    if too_big is not None and dtype.kind != "f":
        raise OverflowError(f"tensor: the Python int {too_big} does not fit in {dtype}")
    return dtype


def tensor(data, *, dtype=None, requires_grad=False):
    """``Tensor(data, requires_grad, dtype)``: a copy of ``data`` (PyTorch's ``torch.tensor``).

    The dtype of a list is inferred as ``torch.tensor`` infers it: Python floats give float32,
    ints int64, and NumPy scalars keep their dtype in the promotion (``[np.float64(1.0), 2.0]``
    gives float64, ``[np.int32(3), np.int32(3)]`` int32).

    >>> tensor([1.0, 2.0], requires_grad=True)
    Tensor([1., 2.], requires_grad=True)
    >>> tensor([np.float64(1.0), 2.0]).dtype, tensor([np.int32(3), np.int32(3)]).dtype
    (dtype('float64'), dtype('int32'))
    """
    if dtype is None and isinstance(data, list | tuple):
        dtype = _inferred_dtype(data)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array):
    """A tensor sharing ``array``'s memory (no copy), as ``torch.from_numpy``: changing one
    changes the other.

    >>> a = np.zeros(2)
    >>> t = from_numpy(a)
    >>> a[0] = 5.0
    >>> t
    Tensor([5., 0.], dtype=float64)
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"from_numpy: Tensor data must be boolean, integer or floating, got {array.dtype}"
        )
    return Tensor._make(array, None)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether |input - other| <= atol + rtol * |other| for every element (after broadcasting),
    as ``torch.allclose``: a Python bool. Infinities of one sign are close; NaNs only with
    ``equal_nan=True``. Tensors, NumPy arrays and numbers all work; unlike PyTorch, the dtypes
    may differ (NumPy's promotion).

    >>> allclose(Tensor([1.0, 2.0]), Tensor([1.0, 2.0 + 1e-6]))
    True
    >>> allclose(Tensor([1.0, float("nan")]), [1.0, float("nan")], equal_nan=True)
    True
    """
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    b = other._data if isinstance(other, Tensor) else np.asarray(other)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"allclose: shapes {a.shape} and {b.shape} do not broadcast together"
        ) from None
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))

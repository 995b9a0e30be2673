"""Layers without parameters, as PyTorch's: activations, ``Softmax`` / ``LogSoftmax``,
``Flatten``, ``Identity`` and ``Dropout``.

Each ``forward`` is one call of ``tinygrad_ce.functional`` or of a Tensor method, so the
gradients come from the primitive ops. A NumPy array or a list given to a layer is made a
Tensor first.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from tinygrad_ce import functional as F
from tinygrad_ce import seeding
from tinygrad_ce.engine import Tensor  # noqa: F401  (the examples use it)
from tinygrad_ce.nn.module import Module, _as_tensor

__all__ = ["Dropout", "Flatten", "Identity", "LeakyReLU", "LogSoftmax", "Sigmoid", "Softmax"]


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise, as a module.

    >>> Sigmoid()(Tensor([0.0])).tolist()
    [0.5]
    """

    def forward(self, x):
        """``x.sigmoid()``."""
        return _as_tensor(x).sigmoid()


class LeakyReLU(Module):
    """``x`` where ``x > 0``, else ``negative_slope * x`` (``functional.leaky_relu``).

    >>> LeakyReLU(0.1)(Tensor([-2.0, 3.0])).tolist()
    [-0.2, 3.0]
    >>> LeakyReLU()
    LeakyReLU(negative_slope=0.01)
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, numbers.Real):
            raise TypeError(f"negative_slope must be a number, got {negative_slope!r}")
        self.negative_slope = negative_slope
        self.inplace = bool(inplace)

    def forward(self, x):
        """``functional.leaky_relu(x, negative_slope)``."""
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


def _implicit_dim(ndim, name):
    """PyTorch's choice of axis for ``Softmax(dim=None)``, with its deprecation warning."""
    dim = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated (as in PyTorch): pass "
        f"dim={dim} explicitly",
        UserWarning,
        stacklevel=3,
    )
    return dim


class Softmax(Module):
    """``functional.softmax(x, axis=dim)``: probabilities that sum to 1 along ``dim``.

    ``dim=None`` picks the axis as PyTorch does (0 for 0-, 1- and 3-d inputs, else 1), with
    PyTorch's ``UserWarning``; pass ``dim`` (``-1`` or ``1`` for ``(N, C)`` logits).

    >>> Softmax(dim=1)(Tensor([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, dim: int | None = None):
        self.dim = dim

    def forward(self, x):
        """``functional.softmax(x, axis=dim)``."""
        x = _as_tensor(x)
        dim = _implicit_dim(x.ndim, "softmax") if self.dim is None else self.dim
        return F.softmax(x, axis=dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``functional.log_softmax(x, axis=dim)``: log-probabilities along ``dim`` (``dim=None``
    as for ``Softmax``). With ``NLLLoss`` it makes ``CrossEntropyLoss``.

    >>> round(LogSoftmax(dim=-1)(Tensor([0.0, 0.0])).tolist()[0], 4)
    -0.6931
    """

    def __init__(self, dim: int | None = None):
        self.dim = dim

    def forward(self, x):
        """``functional.log_softmax(x, axis=dim)``."""
        x = _as_tensor(x)
        dim = _implicit_dim(x.ndim, "log_softmax") if self.dim is None else self.dim
        return F.log_softmax(x, axis=dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Identity(Module):
    """Returns its input unchanged (the same object); any constructor arguments are ignored, as
    in PyTorch (handy to switch a layer off without changing the model's code).

    >>> x = Tensor([1.0])
    >>> Identity(54, unused="argument")(x) is x
    True
    """

    def __init__(self, *args, **kwargs):
        pass

    def forward(self, input):
        """``input`` itself."""
        return input


def _dim(dim, ndim, name):
    """``dim`` counted from the front; PyTorch treats a 0-d tensor as 1-d here."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"Flatten {name} must be an int, got {dim!r}")
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise np.exceptions.AxisError(
            f"Flatten {name}={dim} is out of range for an input of {ndim} dimensions (expected "
            f"a dim in [{-size}, {size - 1}])"
        )
    return int(dim) % size


class Flatten(Module):
    """Merge the dimensions ``start_dim`` to ``end_dim`` (inclusive) into one.

    With the defaults, ``(N, C, H, W)`` becomes ``(N, C * H * W)``: the batch dimension is
    kept. A dimension out of range raises ``AxisError`` (an ``IndexError`` and a
    ``ValueError``) naming it and the input's number of dimensions; a 0-d input counts as 1-d,
    as in PyTorch.

    >>> import numpy as np
    >>> Flatten()(Tensor(np.zeros((2, 3, 4)))).shape
    (2, 12)
    >>> Flatten(0, 1)(Tensor(np.zeros((2, 3, 4)))).shape
    (6, 4)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x):
        """``x.flatten(start_dim, end_dim)`` once both dims are checked (differentiable)."""
        x = _as_tensor(x)
        start = _dim(self.start_dim, x.ndim, "start_dim")
        end = _dim(self.end_dim, x.ndim, "end_dim")
        if start > end:
            raise ValueError(
                f"Flatten: start_dim={self.start_dim} comes after end_dim={self.end_dim} for an "
                f"input of shape {x.shape}"
            )
        return x.flatten(start, end)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout in training mode, the identity in evaluation mode (``model.eval()``).

    In training mode each element is zeroed with probability ``p`` and the others are scaled
    by ``1 / (1 - p)`` (``functional.dropout``), so nothing needs rescaling at evaluation. The
    masks are drawn from ``generator`` (a ``numpy.random.Generator``, or an int seed turned into
    one here, once) or, by default, from ``tinygrad_ce.seeding.default_generator()`` at each
    call, so ``tg.manual_seed(n)`` makes them reproducible. ``inplace`` is accepted for
    PyTorch's signature; the result is always a new tensor.

    >>> import numpy as np
    >>> drop = Dropout(0.5, generator=0)
    >>> y = drop(Tensor(np.ones(6)))
    >>> sorted(set(y.tolist()))             # each element dropped, or kept and doubled
    [0.0, 2.0]
    >>> drop.eval()(Tensor(np.ones(3))).tolist()
    [1.0, 1.0, 1.0]
    >>> drop
    Dropout(p=0.5, inplace=False)
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, *, generator=None):
        self.p = F._check_probability(p)
        self.inplace = bool(inplace)
        self.generator = None if generator is None else seeding.generator_from(generator)

    def forward(self, x):
        """``functional.dropout(x, p, training=self.training)``."""
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"

"""Loss modules: thin ``Module`` wrappers of ``tinygrad_ce.functional``.

Each stores the keyword arguments of its functional form and passes them, unchanged, on every
call; all checking and all arithmetic happen in ``tinygrad_ce.functional``.
"""

from __future__ import annotations

from tinygrad_ce import functional as F
from tinygrad_ce.nn.module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
]


class CrossEntropyLoss(Module):
    """``loss(input, target)`` = ``functional.cross_entropy(input, target, **options)``.

    >>> import numpy as np
    >>> from tinygrad_ce import Tensor
    >>> loss = CrossEntropyLoss()
    >>> round(loss(Tensor(np.zeros((2, 3))), np.array([0, 2])).item(), 4)  # log(3)
    1.0986
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        self.weight = weight
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        """``functional.cross_entropy`` of ``input`` (logits) and ``target``."""
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class NLLLoss(Module):
    """``loss(input, target)`` = ``functional.nll_loss(input, target, **options)``;
    ``input`` holds log-probabilities.

    >>> import numpy as np
    >>> from tinygrad_ce import Tensor
    >>> log_probs = Tensor(np.log(np.array([[0.5, 0.5], [0.25, 0.75]])))
    >>> round(NLLLoss(reduction="sum")(log_probs, np.array([0, 1])).item(), 4)  # log 2 + log 4/3
    0.9808
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        self.weight = weight
        self.ignore_index = ignore_index
        self.reduction = reduction

    def forward(self, input, target):
        """``functional.nll_loss`` of ``input`` (log-probabilities) and ``target``."""
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class BCEWithLogitsLoss(Module):
    """``loss(input, target)`` =
    ``functional.binary_cross_entropy_with_logits(input, target, **options)``.

    >>> import numpy as np
    >>> from tinygrad_ce import Tensor
    >>> round(BCEWithLogitsLoss()(Tensor(np.zeros(4)), np.array([0.0, 1.0, 1.0, 0.0])).item(), 4)
    0.6931
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        self.weight = weight
        self.reduction = reduction
        self.pos_weight = pos_weight

    def forward(self, input, target):
        """``functional.binary_cross_entropy_with_logits`` of ``input`` and ``target``."""
        return F.binary_cross_entropy_with_logits(
            input,
            target,
            weight=self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class BCELoss(Module):
    """``loss(input, target)`` = ``functional.binary_cross_entropy(input, target, **options)``;
    ``input`` holds probabilities (after a sigmoid). Prefer ``BCEWithLogitsLoss`` on logits.

    >>> import numpy as np
    >>> from tinygrad_ce import Tensor
    >>> round(BCELoss()(Tensor(np.array([0.5, 0.5])), np.array([0.0, 1.0])).item(), 4)
    0.6931
    """

    def __init__(self, weight=None, reduction="mean"):
        self.weight = weight
        self.reduction = reduction

    def forward(self, input, target):
        """``functional.binary_cross_entropy`` of ``input`` and ``target``."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class MSELoss(Module):
    """``loss(input, target)`` = ``functional.mse_loss(input, target, reduction)``: the mean
    squared error. ``target`` must have the input's shape.

    >>> from tinygrad_ce import Tensor
    >>> MSELoss()(Tensor([1.0, 3.0]), [0.0, 1.0]).item()   # (1 + 4) / 2
    2.5
    """

    def __init__(self, reduction="mean"):
        self.reduction = reduction

    def forward(self, input, target):
        """``functional.mse_loss`` of ``input`` and ``target``."""
        return F.mse_loss(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class L1Loss(Module):
    """``loss(input, target)`` = ``functional.l1_loss(input, target, reduction)``: the mean
    absolute error. ``target`` must have the input's shape.

    >>> from tinygrad_ce import Tensor
    >>> L1Loss(reduction="sum")(Tensor([1.0, 3.0]), [0.0, 1.0]).item()
    3.0
    """

    def __init__(self, reduction="mean"):
        self.reduction = reduction

    def forward(self, input, target):
        """``functional.l1_loss`` of ``input`` and ``target``."""
        return F.l1_loss(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class KLDivLoss(Module):
    """``loss(input, target)`` = ``functional.kl_div(input, target, reduction, log_target)``;
    ``input`` holds log-probabilities. ``reduction="batchmean"`` gives the KL divergence per
    sample (PyTorch's default ``"mean"`` averages over every element instead).

    >>> import numpy as np
    >>> from tinygrad_ce import Tensor
    >>> p = Tensor(np.log([[0.25, 0.75]]))
    >>> round(KLDivLoss(reduction="batchmean")(p, [[0.5, 0.5]]).item(), 4)
    0.1438
    """

    def __init__(self, reduction="mean", log_target=False):
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input, target):
        """``functional.kl_div`` of ``input`` (log-probabilities) and ``target``."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"

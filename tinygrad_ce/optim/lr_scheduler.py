"""Learning-rate schedulers: ``StepLR``, ``CosineAnnealingLR``, ``LambdaLR``, as PyTorch's.

A scheduler changes ``group["lr"]`` of every parameter group of its optimizer. Building it sets
the learning rate for epoch 0 (and records each group's ``"initial_lr"``); each ``step()``,
called once per epoch *after* ``optimizer.step()``, moves to the next epoch. The formulas, and
the order of the floating-point operations, are PyTorch's (the recursive forms ``step()`` uses,
and the closed forms used when an epoch is passed to the deprecated ``step(epoch)``), so the
learning rates agree with ``torch.optim.lr_scheduler`` to the last bit.

>>> import numpy as np
>>> from tinygrad_ce import Tensor
>>> from tinygrad_ce.optim import SGD
>>> opt = SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
>>> scheduler = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     opt.step()                          # (the batches of one epoch)
...     lrs.append(scheduler.get_last_lr()[0])
...     scheduler.step()
>>> lrs
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

import math
import numbers
import types
import warnings
from collections.abc import Callable

from tinygrad_ce.optim.optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "LRScheduler", "LambdaLR", "StepLR"]


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


class LRScheduler:
    """Base class: holds the optimizer, ``base_lrs`` (each group's ``"initial_lr"``),
    ``last_epoch`` and the learning rates last set (``get_last_lr()``). Subclasses define
    ``get_lr()``, the learning rates of epoch ``last_epoch`` computed from the current ones.

    ``last_epoch=-1`` starts a schedule (each group's current ``lr`` becomes its
    ``"initial_lr"``); another value resumes one, and then every group must already hold
    ``"initial_lr"`` (``KeyError`` otherwise, as in PyTorch). Prefer ``state_dict()`` /
    ``load_state_dict()`` to resume, in PyTorch's order: build the optimizer and the scheduler,
    then load the optimizer's state (building the scheduler set the learning rates of epoch 0)
    and the scheduler's.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        last_epoch = _check_int("last_epoch", last_epoch, -1)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        f"a scheduler with last_epoch={last_epoch}; load the optimizer's state "
                        f"first, or start from last_epoch=-1"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._is_initial = True  # the first step, made here, sets the learning rates of epoch 0
        self._step_count = 0
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates of epoch ``last_epoch`` (called by ``step()``)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as last set by this scheduler (a new list).

        >>> from tinygrad_ce import Tensor
        >>> from tinygrad_ce.optim import SGD
        >>> opt = SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
        >>> LambdaLR(opt, lambda epoch: 0.5**epoch).get_last_lr()
        [0.1]
        """
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Move to the next epoch and set each group's ``lr`` to its new value.

        Call it after ``optimizer.step()`` (a ``UserWarning`` says so if the first call comes
        before any optimizer step, as in PyTorch: the first learning rate would be skipped).
        ``epoch`` (deprecated in PyTorch, with the same ``UserWarning``) jumps to that epoch,
        using the closed form of the schedule.
        """
        if self._step_count == 1 and not self.optimizer._step_called:
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`: call them in "
                "the opposite order (optimizer.step() first), or the first value of the "
                "learning rate schedule is skipped",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(
                "The epoch parameter in `scheduler.step()` is deprecated (as in PyTorch); call "
                "`scheduler.step()` once per epoch instead",
                UserWarning,
                stacklevel=2,
            )
            self.last_epoch = _check_int("epoch", epoch, 0)
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """The scheduler's state: every attribute except the optimizer (as PyTorch).

        >>> from tinygrad_ce import Tensor
        >>> from tinygrad_ce.optim import SGD
        >>> opt = SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
        >>> StepLR(opt, step_size=3).state_dict()["last_epoch"]
        0
        """
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state saved by ``state_dict()`` (load the optimizer's state too)."""
        vars(self).update(state_dict)


class StepLR(LRScheduler):
    """Multiply each group's learning rate by ``gamma`` every ``step_size`` epochs.

    lr(epoch) = initial_lr * gamma ** (epoch // step_size)   (computed recursively, as PyTorch)

    >>> from tinygrad_ce import Tensor
    >>> from tinygrad_ce.optim import SGD
    >>> opt = SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    >>> scheduler = StepLR(opt, step_size=2, gamma=0.1)
    >>> for _ in range(4):
    ...     opt.step()
    ...     scheduler.step()
    >>> opt.param_groups[0]["lr"]           # epoch 4: 1.0 * 0.1 * 0.1
    0.010000000000000002
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = _check_int("step_size", step_size, 1)
        if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
            raise ValueError(f"gamma must be a number, got {gamma!r}")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [
            base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs
        ]


class CosineAnnealingLR(LRScheduler):
    """Anneal each group's learning rate from its initial value to ``eta_min`` along half a
    cosine over ``T_max`` epochs (then back up, periodically, as PyTorch's without restarts).

    lr(epoch) = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    ``step()`` uses PyTorch's recursive form of it (each lr from the previous one), which
    follows outside changes to the learning rate, so the values agree with PyTorch's bit for
    bit rather than with the formula above (they differ by round-off).

    >>> from tinygrad_ce import Tensor
    >>> from tinygrad_ce.optim import SGD
    >>> opt = SGD([Tensor([1.0], requires_grad=True)], lr=1.0)
    >>> scheduler = CosineAnnealingLR(opt, T_max=4)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(scheduler.get_last_lr()[0], 4))
    ...     opt.step()
    ...     scheduler.step()
    >>> lrs
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = _check_int("T_max", T_max, 1)
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real):
            raise ValueError(f"eta_min must be a number, got {eta_min!r}")
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and self.last_epoch > 0:
            return [
                self.eta_min
                + (base_lr - self.eta_min)
                * (1 + math.cos(self.last_epoch * math.pi / self.T_max))
                / 2
                for base_lr in self.base_lrs
            ]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [
                group["lr"] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                for base_lr, group in zip(self.base_lrs, groups)
            ]
        return [
            (1 + math.cos(math.pi * self.last_epoch / self.T_max))
            / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
            * (group["lr"] - self.eta_min)
            + self.eta_min
            for group in groups
        ]

    def _get_closed_form_lr(self):
        return [
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base_lr in self.base_lrs
        ]


class LambdaLR(LRScheduler):
    """Set each group's learning rate to its initial value times ``lr_lambda(epoch)``.

    ``lr_lambda`` is a function of the epoch (an int), or a list of them, one per parameter
    group (``ValueError`` if the count differs).

    >>> from tinygrad_ce import Tensor
    >>> from tinygrad_ce.optim import SGD
    >>> opt = SGD([Tensor([1.0], requires_grad=True)], lr=0.5)
    >>> warmup = LambdaLR(opt, lambda epoch: min(1.0, (epoch + 1) / 3))
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(round(warmup.get_last_lr()[0], 4))
    ...     opt.step()
    ...     warmup.step()
    >>> lrs
    [0.1667, 0.3333, 0.5, 0.5]
    """

    def __init__(
        self,
        optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch=-1,
    ):
        groups = optimizer.param_groups if isinstance(optimizer, Optimizer) else []
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != len(groups):
                raise ValueError(f"Expected {len(groups)} lr_lambdas, but got {len(lr_lambda)}")
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * len(groups)
        for i, fn in enumerate(lambdas):
            if not callable(fn):
                raise TypeError(f"lr_lambda[{i}] must be callable, got {type(fn).__name__}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [
            base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)
        ]

    def state_dict(self):
        """As ``LRScheduler.state_dict``; the functions are saved only if they are callable
        objects (their ``__dict__``), not plain functions or lambdas, as in PyTorch."""
        state = {
            key: value
            for key, value in vars(self).items()
            if key not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else dict(vars(fn)) for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict):
        """Restore a state saved by ``state_dict()``."""
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        vars(self).update(state)
        for fn, fn_state in zip(self.lr_lambdas, saved):
            if fn_state is not None:
                vars(fn).update(fn_state)

"""``Adam`` and ``AdamW``, with PyTorch's update rules (``torch.optim.Adam`` / ``AdamW``)."""

from __future__ import annotations

import numbers

import numpy as np

from tinygrad_ce.optim.optimizer import Optimizer, _check_bool, _check_non_negative

__all__ = ["Adam", "AdamW"]


def _check_betas(betas, where):
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"Invalid betas{where}: {betas!r} (must be a pair of numbers)") from None
    for index, beta in enumerate((beta1, beta2)):
        if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not 0.0 <= beta < 1.0:
            raise ValueError(
                f"Invalid beta parameter at index {index}{where}: {beta!r} (betas must be in "
                f"[0, 1))"
            )
    return (float(beta1), float(beta2))


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with PyTorch's L2 ``weight_decay`` (added to the gradient,
    as ``torch.optim.Adam``; ``AdamW`` decouples it instead).

    PyTorch's algorithm, step t = 1, 2, ... counted per parameter::

        g = -g                                    (if maximize)
        p = p * (1 - lr * weight_decay)           (if decoupled_weight_decay: AdamW)
        g = g + weight_decay * p                  (otherwise, if weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g           (m, v start at 0)
        v = beta2 * v + (1 - beta2) * g**2
        v_max = max(v_max, v)                     (if amsgrad; then v_max replaces v below)
        p = p - (lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    so ``eps`` is added to the bias-corrected ``sqrt(v_hat)``, outside the square root. The
    state of a parameter is ``optimizer.state[p]``: ``"step"``, ``"exp_avg"`` (m),
    ``"exp_avg_sq"`` (v) and, with amsgrad, ``"max_exp_avg_sq"``.

    Raises ``ValueError`` for a negative ``lr``, ``eps`` or ``weight_decay``, and for betas
    outside [0, 1).

    >>> import numpy as np
    >>> from tinygrad_ce import Tensor
    >>> w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()                          # the first Adam step moves by ~lr * sign(g)
    >>> w.data
    array([ 0.9, -1.9])
    """

    _state_keys = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        amsgrad=False,
        *,
        maximize=False,
        decoupled_weight_decay=False,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        self._check_group(dict(defaults), "")
        super().__init__(params, defaults)

    def _check_group(self, group, where):
        group["lr"] = _check_non_negative("learning rate (lr)", group["lr"], where)
        group["eps"] = _check_non_negative("eps", group["eps"], where)
        group["weight_decay"] = _check_non_negative("weight_decay", group["weight_decay"], where)
        group["betas"] = _check_betas(group["betas"], where)
        group["amsgrad"] = _check_bool("amsgrad", group["amsgrad"], where)
        group["maximize"] = _check_bool("maximize", group["maximize"], where)
        group["decoupled_weight_decay"] = _check_bool(
            "decoupled_weight_decay", group["decoupled_weight_decay"], where
        )

    def step(self, closure=None):
        """One update of every parameter whose ``.grad`` is not None (see the class docstring);
        returns ``closure()`` if given (called first), else None."""
        loss = closure() if closure is not None else None
        for group, pairs in self._gradients():
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p, g in pairs:
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_avg_sq"] = np.zeros_like(p.data)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = np.zeros_like(p.data)
                state["step"] += 1
                step = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]
                if group["maximize"]:
                    g = -g
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p.data *= 1 - lr * wd  # AdamW: decay the weights, not the gradient
                    else:
                        g = g + wd * p.data
                # m = lerp(m, g, 1 - beta1), evaluated as torch.lerp does (the form depends on
                # the weight)
                weight = 1 - beta1
                if weight < 0.5:
                    m += weight * (g - m)
                else:
                    m[...] = g - (g - m) * (1 - weight)
                v *= beta2
                v += (1 - beta2) * g * g
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                step_size = lr / bias_correction1
                if group["amsgrad"]:
                    v_max = state.get("max_exp_avg_sq")
                    if v_max is None:  # amsgrad switched on after earlier steps
                        v_max = state["max_exp_avg_sq"] = np.zeros_like(p.data)
                    np.maximum(v_max, v, out=v_max)
                    v = v_max
                denom = np.sqrt(v) / bias_correction2**0.5 + eps
                p.data += -step_size * m / denom  # PyTorch's addcdiv order: (value * m) / denom
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``:
    each step first shrinks the weights, ``p = p * (1 - lr * weight_decay)``, then takes an
    Adam step without any L2 term. ``weight_decay`` defaults to 1e-2, as in PyTorch.

    >>> import numpy as np
    >>> from tinygrad_ce import Tensor
    >>> w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = np.zeros(2)                # no gradient: only the decay moves w
    >>> opt.step()
    >>> w.data                              # (1 - 0.1 * 0.5) * w
    array([ 0.95, -1.9 ])
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
    ):
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

"""Optimizers: ``SGD`` and ``Adam``, with exactly PyTorch's update rules.

Both follow the algorithms in PyTorch's documentation (``torch.optim.SGD`` / ``torch.optim.Adam``),
computed in the same order as PyTorch's single-tensor CPU code, so the trajectories agree with
``torch.optim`` to float64 round-off. An optimizer updates each parameter's ``.data`` *in place*
(the array keeps its identity) from its ``.grad``; parameters whose ``.grad`` is ``None`` are
skipped, as in PyTorch, and their state does not advance.

Hyper-parameters are plain attributes (``opt.lr = 0.01`` between steps changes the learning
rate). Parameter groups (dicts) are not supported.
"""

from __future__ import annotations

import numbers

import numpy as np

from tinygrad_ce.engine import Tensor

__all__ = ["SGD", "Adam", "Optimizer"]


def _check_non_negative(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"Invalid {name}: {value!r} (must be a number >= 0)")
    return float(value)


class Optimizer:
    """Base class: holds the parameters and a state dict per parameter.

    ``params`` is any iterable of leaf Tensors (``model.parameters()``, a list, a generator); it
    is read once. A frozen one (``requires_grad=False``) is accepted and, its ``.grad`` staying
    None, skipped, as in PyTorch. Subclasses implement ``step()``.

    >>> from tinygrad_ce import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1)
    >>> len(opt.params), opt.state
    (1, [{}])
    """

    def __init__(self, params):
        if isinstance(params, Tensor):
            raise TypeError(
                "params must be an iterable of Tensors (e.g. model.parameters() or [w]), "
                "got a single Tensor"
            )
        if isinstance(params, dict):
            raise TypeError("parameter groups (dicts) are not supported; pass the Tensors")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        seen = set()
        for i, p in enumerate(params):
            if isinstance(p, dict):
                raise TypeError("parameter groups (dicts) are not supported; pass the Tensors")
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors; params[{i}] is a {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"params[{i}] is not a leaf tensor (it was computed by an op)")
            if id(p) in seen:
                raise ValueError(f"params[{i}] appears more than once in the parameter list")
            seen.add(id(p))
        self.params: list[Tensor] = params
        self.state: list[dict] = [{} for _ in params]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to ``None`` (default) or fill it with zeros in place.

        >>> from tinygrad_ce import Tensor
        >>> w = Tensor([1.0], requires_grad=True)
        >>> (w * 3).sum().backward()
        >>> opt = SGD([w], lr=0.1)
        >>> opt.zero_grad()
        >>> w.grad is None
        True
        """
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.fill(0)

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        raise NotImplementedError(f"{type(self).__name__} must define step()")

    def _with_grads(self):
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                yield p, p.grad, state


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 decay.

    PyTorch's algorithm, with g the gradient, lambda ``weight_decay``, mu ``momentum``,
    tau ``dampening``::

        g = g + lambda * p                     (if lambda != 0; an L2 penalty)
        b = g at the first step, else  mu * b + (1 - tau) * g     (if mu != 0)
        g = g + mu * b  if nesterov  else  b   (if mu != 0)
        p = p - lr * g

    Raises ``ValueError`` for a negative ``lr``, ``momentum`` or ``weight_decay``, and for
    ``nesterov=True`` without a positive momentum and zero dampening.

    >>> import numpy as np
    >>> from tinygrad_ce import Tensor
    >>> w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()        # gradient 2w
    ...     opt.step()
    >>> w.data                              # 0.8w, then 0.8w - 0.1 * (0.9 * 2w + 2 * 0.8w)
    array([ 0.46, -0.92])
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        self.lr = _check_non_negative("learning rate (lr)", lr)
        self.momentum = _check_non_negative("momentum", momentum)
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        if isinstance(dampening, bool) or not isinstance(dampening, numbers.Real):
            raise ValueError(f"Invalid dampening: {dampening!r} (must be a number)")
        self.dampening = float(dampening)
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"Nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={momentum!r}, dampening={dampening!r}"
            )
        self.nesterov = bool(nesterov)
        super().__init__(params)

    def step(self) -> None:
        """One update of every parameter whose ``.grad`` is not None (see the class docstring)."""
        lr, mu, tau, wd = self.lr, self.momentum, self.dampening, self.weight_decay
        for p, g, state in self._with_grads():
            if wd != 0:
                g = g + wd * p.data
            if mu != 0:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(g, copy=True)  # not dampened
                else:
                    buf *= mu
                    buf += (1 - tau) * g
                g = g + mu * buf if self.nesterov else buf
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with PyTorch's L2 ``weight_decay`` (added to the gradient,
    as ``torch.optim.Adam``; this is not AdamW).

    PyTorch's algorithm, step t = 1, 2, ... counted per parameter::

        g = g + weight_decay * p                  (if weight_decay != 0)
        m = beta1 * m + (1 - beta1) * g           (m, v start at 0)
        v = beta2 * v + (1 - beta2) * g**2
        p = p - (lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    so ``eps`` is added to the bias-corrected ``sqrt(v_hat)``, outside the square root.

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

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.lr = _check_non_negative("learning rate (lr)", lr)
        self.eps = _check_non_negative("eps", eps)
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"Invalid betas: {betas!r} (must be a pair of numbers)") from None
        for index, beta in enumerate((beta1, beta2)):
            if (
                isinstance(beta, bool)
                or not isinstance(beta, numbers.Real)
                or not 0.0 <= beta < 1.0
            ):
                raise ValueError(
                    f"Invalid beta parameter at index {index}: {beta!r} (betas must be in [0, 1))"
                )
        self.betas = (float(beta1), float(beta2))
        super().__init__(params)

    def step(self) -> None:
        """One update of every parameter whose ``.grad`` is not None (see the class docstring)."""
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        beta1, beta2 = self.betas
        for p, g, state in self._with_grads():
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(p.data)
                state["exp_avg_sq"] = np.zeros_like(p.data)
            state["step"] += 1
            step = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            if wd != 0:
                g = g + wd * p.data
            # m = lerp(m, g, 1 - beta1), evaluated as torch.lerp does (the form depends on weight)
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
            denom = np.sqrt(v) / bias_correction2**0.5 + eps
            p.data += -step_size * m / denom

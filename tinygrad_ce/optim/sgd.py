"""``SGD``: stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and decay."""

from __future__ import annotations

import numpy as np

from tinygrad_ce.optim.optimizer import Optimizer, _check_bool, _check_non_negative, _check_real

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 decay.

    PyTorch's algorithm (``torch.optim.SGD``), with g the gradient, lambda ``weight_decay``,
    mu ``momentum``, tau ``dampening``::

        g = -g                                 (if maximize)
        g = g + lambda * p                     (if lambda != 0; an L2 penalty)
        b = g at the first step, else  mu * b + (1 - tau) * g     (if mu != 0)
        g = g + mu * b  if nesterov  else  b   (if mu != 0)
        p = p - lr * g

    computed in the same order as PyTorch's single-tensor code, so trajectories agree with
    ``torch.optim.SGD`` to float64 round-off. The hyper-parameters are per group (see
    ``Optimizer``); the momentum buffer is ``optimizer.state[p]["momentum_buffer"]``.

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

    _state_keys = frozenset({"momentum_buffer"})

    def __init__(
        self,
        params,
        lr,
        momentum=0.0,
        dampening=0.0,
        weight_decay=0.0,
        nesterov=False,
        *,
        maximize=False,
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        self._check_group(dict(defaults), "")
        super().__init__(params, defaults)

    def _check_group(self, group, where):
        group["lr"] = _check_non_negative("learning rate (lr)", group["lr"], where)
        group["momentum"] = _check_non_negative("momentum", group["momentum"], where)
        group["weight_decay"] = _check_non_negative("weight_decay", group["weight_decay"], where)
        group["dampening"] = _check_real("dampening", group["dampening"], where)
        group["nesterov"] = _check_bool("nesterov", group["nesterov"], where)
        group["maximize"] = _check_bool("maximize", group["maximize"], where)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"Nesterov momentum requires a momentum > 0 and zero dampening{where}, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def step(self, closure=None):
        """One update of every parameter whose ``.grad`` is not None (see the class docstring);
        returns ``closure()`` if given (called first), else None."""
        loss = closure() if closure is not None else None
        for group, pairs in self._gradients():
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for p, g in pairs:
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + wd * p.data
                if mu != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:  # the first buffer is the gradient itself, not dampened
                        buf = state["momentum_buffer"] = np.array(g, copy=True)
                    else:
                        buf *= mu
                        buf += (1 - tau) * g
                    g = g + mu * buf if nesterov else buf
                p.data -= lr * g  # through the setter: an in-place change, counted
        return loss

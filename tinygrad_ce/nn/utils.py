"""Training helpers on parameters' gradients: ``clip_grad_norm_`` and ``clip_grad_value_``, as
``torch.nn.utils``."""

from __future__ import annotations

import numbers

import numpy as np

from tinygrad_ce.engine import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _tensors(parameters, function):
    """``parameters`` (a Tensor or an iterable of them) as a list, each checked."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{function}: parameters[{i}] is a {type(p).__name__}, not a Tensor")
    return params


def _vector_norm(x, ord):
    """``torch.linalg.vector_norm(x, ord)`` of an array's elements: max |x| for inf, min |x|
    for -inf, the number of non-zeros for 0, else (sum |x|**ord)**(1/ord); 0 for no elements."""
    x = np.ravel(x)
    if x.size == 0:
        return x.dtype.type(0)
    return x.dtype.type(np.linalg.norm(x, ord=ord))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` so that their total norm is at most ``max_norm``;
    return the total norm (before clipping) as a 0-d Tensor, as ``torch.nn.utils``.

    total = ||(||g_1||, ..., ||g_k||)||   (the norm of all gradients as one long vector)
    g_i = g_i * min(max_norm / (total + 1e-6), 1)

    ``parameters`` is a Tensor or an iterable of Tensors (``model.parameters()``); those whose
    ``.grad`` is None are skipped, and with no gradient at all the norm is 0. ``norm_type`` is
    a number, ``inf`` or ``"inf"``. Each scaled gradient is a new array of its dtype, assigned
    to ``.grad`` (the old array is not written to). ``error_if_nonfinite=True`` raises
    ``RuntimeError`` when the total norm is NaN or infinite (otherwise the gradients become
    NaN, as in PyTorch). ``foreach`` is accepted for PyTorch's signature and ignored.

    >>> import numpy as np
    >>> w = Tensor(np.zeros(2), requires_grad=True)
    >>> w.grad = np.array([3.0, 4.0])        # norm 5
    >>> round(clip_grad_norm_([w], max_norm=1.0).item(), 6)
    5.0
    >>> w.grad.round(6)
    array([0.6, 0.8])
    """
    params = _tensors(parameters, "clip_grad_norm_")
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real):
        raise TypeError(f"clip_grad_norm_: max_norm must be a number, got {max_norm!r}")
    try:
        norm_type = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(
            f"clip_grad_norm_: norm_type must be a number or 'inf', got {norm_type!r}"
        ) from None
    max_norm = float(max_norm)
    with_grads = [p for p in params if p.grad is not None]
    if not with_grads:
        return Tensor(0.0)
    norms = [_vector_norm(p.grad, norm_type) for p in with_grads]
    total = _vector_norm(np.stack(norms), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite ({total}), so it cannot be clipped. To scale the gradients by the "
            f"non-finite norm anyway, set error_if_nonfinite=False"
        )
    coefficient = np.minimum(max_norm / (total + 1e-6), 1.0)  # NaN stays NaN, as torch.clamp
    if not coefficient == 1.0:  # multiplying by exactly 1 would change nothing
        for p in with_grads:
            p.grad = p.grad * p.grad.dtype.type(coefficient)  # in the gradient's dtype
    return Tensor(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clip every gradient of ``parameters`` elementwise to ``[-clip_value, clip_value]``;
    returns None, as ``torch.nn.utils.clip_grad_value_``.

    ``parameters`` is a Tensor or an iterable of Tensors (``model.parameters()``); those whose
    ``.grad`` is None are skipped. Each clipped gradient is a new array of its dtype, assigned to
    ``.grad`` (the old array is not written to); NaN stays NaN. ``clip_value`` must be a number
    >= 0 (``inf`` leaves the gradients as they are): PyTorch clips to a negative value without
    complaint (every gradient becomes that value), we raise ``ValueError``. ``foreach`` is
    accepted for PyTorch's signature and ignored.

    >>> import numpy as np
    >>> w = Tensor(np.zeros(3), requires_grad=True)
    >>> w.grad = np.array([-5.0, 0.5, 5.0])
    >>> clip_grad_value_([w], clip_value=1.0)
    >>> w.grad
    array([-1. ,  0.5,  1. ])
    """
    params = _tensors(parameters, "clip_grad_value_")
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real):
        raise TypeError(f"clip_grad_value_: clip_value must be a number, got {clip_value!r}")
    if not clip_value >= 0:  # NaN too
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value!r}")
    clip_value = float(clip_value)
    for p in params:
        if p.grad is not None:
            grad = p.grad
            limit = grad.dtype.type(clip_value)
            p.grad = np.clip(grad, -limit, limit)

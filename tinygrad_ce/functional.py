"""Softmax and the classification losses, composed from the primitive ops.

Nothing here computes a gradient by hand and nothing defines a ``Function``: every function is a
few Tensor operations (``+ - * /``, ``exp``, ``log``, ``log1p``, ``sum``, indexing, ``relu``,
``where``), so its gradient is whatever the primitives' backward passes make of it, and the
finite-difference tests of the primitives cover it too.

NumPy appears only on constants: validating and preparing targets, weights and masks, and the
detached shift that keeps ``exp`` from overflowing. ``weight``, ``pos_weight`` and class-index
targets are constants (NumPy arrays, Python lists or Tensors, of which only the data is used).
A floating target Tensor that requires grad (the probabilities of ``cross_entropy``, the
targets of ``kl_div`` and of both binary losses) gets its gradient, as in PyTorch: knowledge
distillation trains through the teacher's side too.

Semantics follow ``torch.nn.functional`` (values and input gradients agree to float64
round-off); the few deliberate differences are listed in each docstring. Results have the
input's floating dtype: float32 logits give a float32 loss.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from tinygrad_ce.engine import Tensor
from tinygrad_ce.tensor_methods import _keep, normalize_axes, where

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "kl_div",
    "log_softmax",
    "logsumexp",
    "nll_loss",
    "one_hot",
    "softmax",
]

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------- checks (constants)


def _axis(axis, dim, default=-1):
    """``dim=`` is an alias of ``axis=``; giving both (with different values) is an error."""
    if dim is None:
        return axis
    if axis != default and axis != dim:
        raise TypeError(f"give either axis or dim, not both (got axis={axis}, dim={dim})")
    return dim


def _float_input(x, function):
    """The differentiable input as a Tensor of a floating dtype."""
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{function}: input must be a floating-point tensor, got dtype {x.dtype}")
    return x


def _constant(value):
    """A target, weight or mask as a NumPy array (the data of a Tensor; never copied or written)."""
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _grad_target(target, array):
    """A floating target Tensor that requires grad, as a Tensor of ``array``'s dtype: the loss is
    then differentiable in it too, as in PyTorch (knowledge distillation needs that). Any other
    target is the constant ``array`` (its checked, converted values)."""
    if isinstance(target, Tensor) and target.requires_grad:
        return target.to(array.dtype)
    return array


def _check_reduction(reduction, allowed=_REDUCTIONS):
    if reduction not in allowed:
        raise ValueError(
            f"reduction must be one of {', '.join(map(repr, allowed))}; got {reduction!r}"
        )


def _class_axis(x, function):
    if x.ndim == 0:
        raise ValueError(
            f"{function}: input must have a class axis (shape (C,), (N, C) or (N, C, d1, ...)), "
            f"got a 0-d input"
        )
    return 0 if x.ndim == 1 else 1


def _class_weight(weight, classes, dtype):
    """``weight`` as a (C,) array of the input's dtype, or None."""
    if weight is None:
        return None
    w = _constant(weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"weight must be real numbers, got dtype {w.dtype}")
    if w.shape != (classes,):
        raise ValueError(f"weight must have shape ({classes},), one per class; got shape {w.shape}")
    return w.astype(dtype)


def _index_target(target, x, class_axis, ignore_index, function):
    """Check class-index targets; return them as int64 with ignored entries set to class 0, and
    the mask of the entries that count (not equal to ``ignore_index``), or None when they all
    count (the usual case: it then costs no mask and no masking)."""
    expected = x.shape[:class_axis] + x.shape[class_axis + 1 :]
    if target.dtype.kind not in "iu":
        if target.dtype.kind == "f":
            raise TypeError(
                f"{function}: a float target must hold class probabilities of the input's shape "
                f"{x.shape}; got a float target of shape {target.shape} (class indices must be "
                f"integers of shape {expected})"
            )
        raise TypeError(
            f"{function}: class-index targets must be integers of shape {expected}; got dtype "
            f"{target.dtype} and shape {target.shape} for an input of shape {x.shape}"
        )
    if target.shape != expected:
        raise ValueError(
            f"{function}: target of shape {target.shape} does not fit an input of shape {x.shape}: "
            f"class indices need shape {expected} (the input's shape without the class axis)"
        )
    classes = x.shape[class_axis]
    in_range = not target.size or (target.min() >= 0 and target.max() < classes)
    if in_range and not 0 <= ignore_index < classes:  # no target can equal ignore_index
        return target.astype(np.int64, copy=False), None  # indexing keeps its own copy
    valid = target != ignore_index
    if not in_range:
        bad = valid & ((target < 0) | (target >= classes))
        if bad.any():
            value = target[bad].flat[0]
            raise IndexError(
                f"{function}: target {value} is out of bounds for {classes} classes (valid: 0 to "
                f"{classes - 1}, or ignore_index={ignore_index})"
            )
    if valid.all():
        return target.astype(np.int64, copy=False), None
    return np.where(valid, target, 0).astype(np.int64), valid


def _target_weights(index, valid, w, dtype):
    """Each target's weight w[t_n], 0 where ignored; None when they are all 1 (no ``weight``,
    nothing ignored)."""
    if w is None:
        return None if valid is None else valid.astype(dtype)
    return w[index] if valid is None else np.where(valid, w[index], 0).astype(dtype)


def _reduce_targets(loss, index, valid, coef, reduction):
    """``_reduce_weighted`` for per-target losses: 0 where ignored, weighted by ``coef``."""
    if valid is not None:  # select ignored targets out: no gradient reaches them, not even NaN
        loss = where(valid, loss, 0.0)
    total = index.size if coef is None else coef.sum()
    any_valid = index.size > 0 if valid is None else valid.any()
    return _reduce_weighted(loss, total, any_valid, reduction)


def _pick(x, index, class_axis):
    """``x[n, index[n, d...], d...]``: each target's entry along the class axis (a gather, so the
    gradient goes to those entries only, without a one-hot matrix)."""
    if x.shape[class_axis] == 0:  # no classes: every target is ignored, nothing to pick
        return x.sum(axis=class_axis)
    if index.ndim == 1 and class_axis == 1:  # (N, C) input: the common case, made cheap
        return x[np.arange(index.shape[0]), index]
    grid = list(np.indices(index.shape, sparse=True))
    grid.insert(class_axis, index)
    return x[tuple(grid)]


def _along(values, ndim, axis):
    """A (C,) array shaped to broadcast along ``axis`` of an ``ndim``-d array."""
    return values.reshape((-1,) + (1,) * (ndim - axis - 1))


def _reduce(loss, reduction):
    """Mean, sum or nothing; the mean of no elements is NaN, as in PyTorch."""
    if reduction == "none":
        return loss
    if reduction == "sum" or loss.size:
        return loss.sum() if reduction == "sum" else loss.mean()
    return loss.sum() + np.nan


def _reduce_weighted(loss, total, any_valid, reduction):
    """Reduce per-target losses that are already weighted (0 at ignored targets): the mean divides
    by ``total``, the sum of the weights of the targets that count.

    With ``total`` = 0 the mean is NaN, as in PyTorch. When no target counts (all ignored, or an
    empty batch) the loss does not depend on the input, so its gradient is zero; when targets
    count but their weights add up to 0, 0/0 makes the gradient NaN too, as in PyTorch.
    """
    if reduction == "none":
        return loss
    total_loss = loss.sum()
    if reduction == "sum":
        return total_loss
    if total != 0:
        return total_loss / total
    return total_loss * np.nan if any_valid else total_loss + np.nan


def _check_broadcast(name, shape, to_shape, to_name):
    try:
        fits = np.broadcast_shapes(shape, to_shape) == tuple(to_shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name} of shape {shape} does not broadcast to the {to_name}'s shape {to_shape}"
        )


# --------------------------------------------------------------------------- softmax family


def _shifted(x, axis):
    """``x`` minus its max along ``axis``, the max taken as a constant (detached).

    The shift keeps ``exp`` from overflowing and cancels in every gradient, so it needs none.
    Where the max is -inf (a slice of -inf only) the shift is 0: subtracting -inf would give
    -inf - -inf = NaN. A max of +inf or NaN is kept: the slice is NaN then, as in PyTorch.
    """
    peak = x.data.max(axis=axis, keepdims=True, initial=-np.inf)
    if (peak == -np.inf).any():
        peak = np.where(peak == -np.inf, 0, peak)
    return x - peak


def log_softmax(x, axis=-1, *, dim=None):
    """log(softmax(x)) along ``axis``, computed without overflow.

    log_softmax(x)_i = z_i - log(sum_j exp(z_j)),  z = x - max(x)  (the max is a constant)

    Finite for any finite input (logits of +-1e4 included); an entry of -inf gives -inf, a slice
    that is all -inf gives NaN, as in PyTorch. ``dim=`` is an alias of ``axis=``.

    >>> log_softmax(Tensor([1.0, 2.0, 3.0])).tolist()
    [-2.4076, -1.4076, -0.4076]
    """
    x = _float_input(x, "log_softmax")
    axis = _axis(axis, dim)
    with np.errstate(divide="ignore", invalid="ignore"):  # all -inf: NaN, silently as PyTorch
        z = _shifted(x, axis)
        return z - z.exp().sum(axis=axis, keepdims=True).log()


def softmax(x, axis=-1, *, dim=None):
    """exp(x) normalized to sum to 1 along ``axis``, computed without overflow.

    softmax(x)_i = exp(z_i) / sum_j exp(z_j),  z = x - max(x)  (the max is a constant)

    An entry of -inf gets probability 0; a slice that is all -inf gives NaN, as in PyTorch.
    ``dim=`` is an alias of ``axis=``.

    >>> softmax(Tensor([[3.0, 1.0, -1.0]]), axis=1).tolist()
    [[0.8668, 0.1173, 0.0159]]
    """
    x = _float_input(x, "softmax")
    axis = _axis(axis, dim)
    with np.errstate(invalid="ignore"):  # a slice of all -inf is 0 / 0: NaN, silently as PyTorch
        e = _shifted(x, axis).exp()
        return e / e.sum(axis=axis, keepdims=True)


def logsumexp(x, axis=-1, keepdims=False, *, dim=None, keepdim=None):
    """log(sum(exp(x))) along ``axis``, without overflow.

    logsumexp(x) = m + log(sum_j exp(x_j - m)),  m = max(x)  (a constant; 0 where not finite)

    ``axis`` takes every form ``Tensor.sum`` takes: an int (negative counts from the end), a
    tuple or a list of ints, and ``()`` (or None) for every axis; a 0-d input takes 0 or -1.
    Its gradient is softmax(x). A slice that is all -inf gives -inf, as in PyTorch.
    ``dim=`` is an alias of ``axis=`` and ``keepdim=`` of ``keepdims=``.

    >>> logsumexp(Tensor([[1e4, 1e4], [0.0, float("-inf")]]), axis=1).tolist()
    [10000.693, 0.0]
    >>> logsumexp(Tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]), dim=[0, 1]).item()
    5.4562
    """
    x = _float_input(x, "logsumexp")
    axes = normalize_axes(_axis(axis, dim), x.ndim)
    keepdims = _keep(keepdims, keepdim)  # keepdim= as Tensor.sum reads it
    peak = x.data.max(axis=axes, keepdims=True, initial=-np.inf)
    peak = np.where(np.isfinite(peak), peak, 0).astype(x.dtype)
    with np.errstate(divide="ignore"):  # a slice of all -inf: log(0) = -inf, silently
        total = (x - peak).exp().sum(axis=axes, keepdims=keepdims).log()
    return total + peak.reshape(total.shape)


# --------------------------------------------------------------------------- one_hot


def one_hot(labels, num_classes=-1):
    """Class indices -> one-hot rows: a Tensor of dtype int64 and shape (*labels.shape, C).

    one_hot(labels)[..., c] = 1 if labels[...] == c else 0

    ``num_classes=-1`` means ``labels.max() + 1``. Labels may be any integer dtype (a NumPy
    array, a list or a Tensor). A negative label or one >= num_classes raises IndexError naming
    it, as PyTorch raises. Not differentiable (integers).

    >>> one_hot([2, 0, 1])
    Tensor([[0, 0, 1],
            [1, 0, 0],
            [0, 1, 0]])
    """
    labels = _constant(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer labels, got dtype {labels.dtype}")
    num_classes = operator.index(num_classes)
    if num_classes < -1:
        raise ValueError(f"num_classes must be -1 (infer) or >= 0, got {num_classes}")
    if labels.size and labels.min() < 0:
        raise IndexError(f"one_hot: class values must be non-negative, got {labels.min()}")
    if num_classes == -1:
        if not labels.size:
            raise ValueError("one_hot: cannot infer num_classes from empty labels; pass it")
        num_classes = int(labels.max()) + 1
    if labels.size and labels.max() >= num_classes:
        raise IndexError(
            f"one_hot: class value {labels.max()} is out of bounds for num_classes={num_classes}"
        )
    return Tensor((labels[..., np.newaxis] == np.arange(num_classes)).astype(np.int64))


# --------------------------------------------------------------------------- class losses


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices, given log-probabilities ``input``.

    loss_n = -w[t_n] * input[n, t_n]   (0 where t_n == ignore_index)

    ``input`` has shape (C,), (N, C) or (N, C, d1, ..., dk) with the class axis 1 (0 for 1-d);
    ``target`` holds integer class indices, shaped like the input without the class axis.
    ``reduction="mean"`` divides the sum by the sum of w[t_n] over the targets that are not
    ignored (by their count without ``weight``); if that is 0 (every target ignored, or an empty
    batch) the mean is NaN, and the sum 0, as in PyTorch. ``"none"`` gives the target's shape.

    >>> import numpy as np
    >>> p = Tensor(np.array([[0.3, 0.3, 0.4], [0.3, 0.4, 0.3], [0.1, 0.2, 0.7]]))
    >>> nll_loss(p.log(), [2, 1, 0]).item()   # scikit-learn's log_loss of these probabilities
    1.3783888522474517
    """
    x = _float_input(input, "nll_loss")
    _check_reduction(reduction)
    class_axis = _class_axis(x, "nll_loss")
    target = _constant(target)
    w = _class_weight(weight, x.shape[class_axis], x.dtype)
    index, valid = _index_target(target, x, class_axis, operator.index(ignore_index), "nll_loss")
    coef = _target_weights(index, valid, w, x.dtype)
    loss = -_pick(x, index, class_axis)
    if coef is not None:
        loss = loss * coef
    return _reduce_targets(loss, index, valid, coef, reduction)


def cross_entropy(
    input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0
):
    """Cross-entropy between logits ``input`` and class-index or class-probability targets.

    With p = softmax(input) along the class axis (1, or 0 for a 1-d input), C classes, eps the
    label smoothing and w the class weights (all 1 without ``weight``):

    - class-index targets (integers, the input's shape without the class axis):
      loss_n = (1 - eps) * w[t_n] * (-log p[n, t_n]) + eps / C * sum_c w_c * (-log p[n, c]),
      0 where t_n == ignore_index; ``"mean"`` divides the sum by the sum of w[t_n] over the
      targets that are not ignored (PyTorch's formula, smoothing term included). Every target
      ignored, or an empty batch: NaN for ``"mean"`` (with a zero gradient), 0 for ``"sum"``.
    - class-probability targets (floats, the input's shape; PyTorch decides by shape too):
      q = (1 - eps) * target + eps / C,  loss_n = -sum_c w_c * q[n, c] * log p[n, c];
      ``"mean"`` divides by the number of samples (NaN for an empty batch). ``ignore_index``
      must then be negative (a non-negative one is an error, as in PyTorch); a negative one is
      no class and has no effect.

    ``label_smoothing`` must lie in [0, 1] (PyTorch silently ignores a negative one; we raise).
    Stable for any finite logits: -log p is computed as logsumexp(x) - x_t with a detached
    shift, and the target's entry is picked by indexing (no one-hot matrix).

    >>> logits = Tensor([[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]])
    >>> cross_entropy(logits, [1, 2])
    Tensor(1.12008)
    >>> cross_entropy(logits, [1, 2], reduction="none").tolist()
    [0.8504, 1.3897]
    """
    x = _float_input(input, "cross_entropy")
    _check_reduction(reduction)
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")
    ignore_index = operator.index(ignore_index)
    class_axis = _class_axis(x, "cross_entropy")
    classes = x.shape[class_axis]
    source, target = target, _constant(target)
    w = _class_weight(weight, classes, x.dtype)

    if target.shape == x.shape:
        return _cross_entropy_probabilities(x, target, w, ignore_index, reduction, eps, source)

    index, valid = _index_target(target, x, class_axis, ignore_index, "cross_entropy")
    coef = _target_weights(index, valid, w, x.dtype)
    z = _shifted(x, class_axis)
    # A row of -inf only, or no classes at all: log 0 = -inf and NaN, silently as in PyTorch.
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = z.exp().sum(axis=class_axis).log()  # log sum_c exp(z_c), the input's target shape
        nll = lse - _pick(z, index, class_axis)  # -log p[n, t_n]
        if eps == 0.0:
            loss = nll if coef is None else nll * coef
        else:
            # sum_c w_c * (-log p_c) = (sum_c w_c) * lse - sum_c w_c * z_c
            if w is None:
                smooth = lse * classes - z.sum(axis=class_axis)
            else:
                smooth = lse * w.sum() - (z * _along(w, x.ndim, class_axis)).sum(axis=class_axis)
            keep = (1 - eps) if coef is None else (1 - eps) * coef
            share = eps / classes if classes else math.inf  # no classes: all targets ignored
            spread = share if valid is None else np.where(valid, share, 0).astype(x.dtype)
            loss = nll * keep + smooth * spread
    return _reduce_targets(loss, index, valid, coef, reduction)


def _cross_entropy_probabilities(x, target, w, ignore_index, reduction, eps, source=None):
    if target.dtype.kind != "f":
        raise TypeError(
            f"cross_entropy: a target of the input's shape {x.shape} holds class probabilities "
            f"and must be floating-point, got dtype {target.dtype} (class indices have shape "
            f"{x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()})"
        )
    if ignore_index >= 0:
        raise ValueError(
            f"cross_entropy: ignore_index={ignore_index} is not supported with class-probability "
            f"targets (shape {target.shape}, same as the input's); leave it at its default"
        )
    class_axis = 0 if x.ndim == 1 else 1
    classes = x.shape[class_axis]
    q = _grad_target(source, target.astype(x.dtype))
    if eps > 0.0:
        q = q * (1 - eps) + (eps / classes if classes else math.inf)
    if w is not None:
        q = q * _along(w, x.ndim, class_axis)
    z = _shifted(x, class_axis)
    log_p = z - z.exp().sum(axis=class_axis, keepdims=True).log()
    loss = -(log_p * q).sum(axis=class_axis)
    if classes == 0 and reduction == "mean":  # PyTorch divides by numel / C = 0 / 0 here
        return loss.sum() * np.nan
    return _reduce(loss, reduction)


# --------------------------------------------------------------------------- binary losses


def _binary_target(target, x, function):
    t = _constant(target)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{function}: target must be real numbers, got dtype {t.dtype}")
    if t.shape != x.shape:
        raise ValueError(
            f"{function}: target shape {t.shape} must be the same as input shape {x.shape}"
        )
    return t.astype(x.dtype)


def _floating_target(target, x, function):
    """The binary losses take probabilities: a floating target only, as PyTorch (which raises for
    integer and bool targets). 0/1 labels stored as ints are a common slip; say how to fix it."""
    dtype = _constant(target).dtype
    if dtype.kind != "f":
        raise TypeError(
            f"{function}: target must be a floating-point tensor (probabilities), got target "
            f"dtype {dtype} for input dtype {x.dtype}; convert it, e.g. target.float() or "
            f"np.asarray(target, dtype=np.{x.dtype})"
        )


def _elementwise_weight(weight, x, name, against="input"):
    if weight is None:
        return None
    w = _constant(weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real numbers, got dtype {w.dtype}")
    _check_broadcast(name, w.shape, x.shape, against)
    return w.astype(x.dtype)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """Binary cross-entropy of logits ``input`` (sigmoid included) against targets in [0, 1].

    loss = w * ((1 - t) * x + (1 + (pw - 1) * t) * softplus(-x)),
    softplus(-x) = log(1 + exp(-x)) = log1p(exp(-|x|)) + relu(-x)

    which never overflows (logits of +-200 in float32 give finite losses and gradients, no
    warning) and has the gradient w * ((1 + (pw - 1) * t) * sigmoid(x) - pw * t), i.e.
    sigmoid(x) - t without weights, at x = 0 too. ``weight`` must broadcast to the input's shape,
    ``pos_weight`` (the weight of positive examples, e.g. one per class, on the last axis) to the
    target's (NumPy rules: a (C,) pos_weight on an (N, C, H, W) target is an error, as in
    PyTorch). Targets are not checked to lie in [0, 1], as in PyTorch.

    >>> x = Tensor([0.0, 2.0, -2.0], requires_grad=True)
    >>> loss = binary_cross_entropy_with_logits(x, [1.0, 1.0, 0.0], reduction="sum")
    >>> loss.backward()
    >>> x.grad   # sigmoid(x) - t
    array([-0.5   , -0.1192,  0.1192], dtype=float32)
    """
    x = _float_input(input, "binary_cross_entropy_with_logits")
    _check_reduction(reduction)
    _floating_target(target, x, "binary_cross_entropy_with_logits")
    t = _grad_target(target, _binary_target(target, x, "binary_cross_entropy_with_logits"))
    w = _elementwise_weight(weight, x, "weight")
    pw = _elementwise_weight(pos_weight, x, "pos_weight", against="target")

    # -|x| as where(x >= 0, -x, x): its slope at 0 is -1, and with relu(-x) (slope 0 at 0) the
    # gradient of softplus(-x) at x = 0 is exactly -1/2 = -sigmoid(0).
    softplus_neg = where(x >= 0, -x, x).exp().log1p() + (-x).relu()
    if pw is None:
        loss = (1 - t) * x + softplus_neg
    else:
        loss = (1 - t) * x + softplus_neg * ((pw - 1) * t + 1)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


def _clamped_log(p):
    """max(log(p), -100), as PyTorch's binary_cross_entropy clamps it.

    Where the log is clamped (p <= ~3.7e-44, p = 0 included) the gradient is 0, and the log is
    taken of 1 instead: a where() that only discarded log(0) would still send 0 * inf = NaN back.
    """
    with np.errstate(divide="ignore"):
        keep = np.log(p.data) > -100  # a constant mask
    return where(keep, where(keep, p, 1.0).log(), -100.0)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy of probabilities ``input`` (in [0, 1]) against targets in [0, 1].

    loss = -w * (t * max(log x, -100) + (1 - t) * max(log(1 - x), -100))

    Inputs or targets outside [0, 1] (NaN included) raise ValueError, as PyTorch raises.
    ``weight`` must broadcast to the input's shape. For logits, prefer
    ``binary_cross_entropy_with_logits`` (stable, and exact near 0 and 1).

    Gradient: that of the formula above, w * (x - t) / (x * (1 - x)) inside (0, 1) as in
    PyTorch. Where a log is clamped (x within ~1e-44 of 0 or 1, and at exactly 0 or 1) it
    contributes 0. PyTorch's hand-written backward instead uses
    w * (x - t) / max(x * (1 - x), 1e-12) there: e.g. at x = 0, t = 0 PyTorch gives 0 and we give
    w (the slope of -log(1 - x)); at x = 0, t = 1 PyTorch gives -1e12 * w and we give 0. Both
    are finite (never NaN); they agree wherever x * (1 - x) >= 1e-12 and no log is clamped.

    >>> x = Tensor([0.9, 0.2, 0.5])
    >>> binary_cross_entropy(x, [1.0, 0.0, 1.0], reduction="none").tolist()
    [0.1054, 0.2231, 0.6931]
    """
    x = _float_input(input, "binary_cross_entropy")
    _check_reduction(reduction)
    _floating_target(target, x, "binary_cross_entropy")
    t = _binary_target(target, x, "binary_cross_entropy")
    for name, values in (("input", x.data), ("target", t)):
        outside = ~((values >= 0) & (values <= 1))
        if outside.any():
            raise ValueError(
                f"binary_cross_entropy: all elements of {name} must be in [0, 1]; got "
                f"{values[outside].flat[0]}"
            )
    t = _grad_target(target, t)
    w = _elementwise_weight(weight, x, "weight")
    loss = (t - 1) * _clamped_log(1 - x) - t * _clamped_log(x)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


def kl_div(input, target, reduction="mean", log_target=False):
    """Kullback-Leibler divergence KL(target || q), given ``input`` = log q.

    pointwise = t * (log t - input)       (0 where t == 0)   with log_target=False
    pointwise = exp(t) * (t - input)      (t holds log-probabilities) with log_target=True

    ``reduction``: ``"mean"`` averages over every element (PyTorch's default, not the KL
    divergence), ``"batchmean"`` sums and divides by the batch size input.shape[0] (the true
    KL divergence per sample), ``"sum"``, ``"none"``. ``target`` and ``input`` broadcast
    together. As in PyTorch, a negative target gives NaN (no check), and so does t = 0 with
    input = -inf (0 * inf).

    >>> p = Tensor([[0.25, 0.75]])
    >>> kl_div(p.log(), [[0.5, 0.5]], reduction="batchmean")
    Tensor(0.1438)
    """
    x = _float_input(input, "kl_div")
    _check_reduction(reduction, (*_REDUCTIONS, "batchmean"))
    t = _constant(target)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"kl_div: target must be real numbers, got dtype {t.dtype}")
    try:  # either side may broadcast to the other, as in PyTorch
        np.broadcast_shapes(t.shape, x.shape)
    except ValueError:
        raise ValueError(
            f"kl_div: target of shape {t.shape} and input of shape {x.shape} do not broadcast "
            f"together"
        ) from None
    t = t.astype(x.dtype)
    if isinstance(target, Tensor) and target.requires_grad:  # differentiable in the target too
        t = _grad_target(target, t)
        if log_target:
            loss = (t - x) * t.exp()
        else:
            # xlogy(t, t): 0 where t == 0. Its gradient there is NaN (log 0 + 1 = -inf, times
            # the 0 that where() sends back), as PyTorch's xlogy gives.
            with np.errstate(divide="ignore", invalid="ignore"):
                loss = where(t.data == 0, 0.0, t * t.log()) - x * t
    elif log_target:
        loss = (t - x) * np.exp(t)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            t_log_t = np.where(t == 0, 0, t * np.log(t)).astype(x.dtype)  # xlogy(t, t): a constant
        loss = t_log_t - x * t
    if reduction != "batchmean":
        return _reduce(loss, reduction)
    batch = x.shape[0] if x.ndim else 1
    return loss.sum() / batch if batch else loss.sum() + np.nan


# --------------------------------------------------------------------------- activations, dropout,
# --------------------------------------------------------------------------- regression losses

__all__ += ["dropout", "l1_loss", "leaky_relu", "mse_loss", "relu", "sigmoid", "tanh"]


def _as_input(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def relu(input, inplace=False):
    """max(x, 0) elementwise (``Tensor.relu``); its gradient at 0 is 0, as in PyTorch.

    ``inplace`` is accepted for PyTorch's signature; the result is always a new tensor (same
    values): tinygrad_ce never changes an input in place.

    >>> relu(Tensor([-1.0, 0.0, 2.0])).tolist()
    [0.0, 0.0, 2.0]
    """
    return _as_input(input).relu()


def sigmoid(input):
    """1 / (1 + exp(-x)) elementwise (``Tensor.sigmoid``).

    >>> sigmoid(Tensor([0.0])).tolist()
    [0.5]
    """
    return _as_input(input).sigmoid()


def tanh(input):
    """tanh(x) elementwise (``Tensor.tanh``).

    >>> tanh(Tensor([0.0])).tolist()
    [0.0]
    """
    return _as_input(input).tanh()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x.

    The gradient is 1 where x > 0 and ``negative_slope`` elsewhere (at 0 too), as in PyTorch.
    ``inplace`` is accepted for PyTorch's signature; the result is always a new tensor.

    >>> leaky_relu(Tensor([-2.0, 0.0, 3.0]), negative_slope=0.1).tolist()
    [-0.2, 0.0, 3.0]
    """
    x = _as_input(input)
    return where(x.data > 0, x, x * negative_slope)  # the mask is a constant


def _check_probability(p):
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise TypeError(f"dropout probability must be a number, got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:  # NaN fails too
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def dropout(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Inverted dropout: each element is zeroed with probability ``p`` and the survivors are
    scaled by 1 / (1 - p), so the expected value is unchanged.

    dropout(x) = x * m / (1 - p),   m_i ~ Bernoulli(1 - p)   (a constant mask)

    The gradient is m / (1 - p), from the product (nothing computed by hand). With
    ``training=False``, ``p=0`` or an empty input the input itself is returned, as in PyTorch;
    ``p=1`` gives ``x * 0`` (zeros, with a zero gradient). ``generator`` (a keyword of ours) is a
    ``numpy.random.Generator`` or an int seed (the same mask on every call); ``None`` draws from
    ``tinygrad_ce.seeding.default_generator()``, so ``tg.manual_seed(n)`` makes the masks
    reproducible. ``inplace`` is accepted for PyTorch's signature; the result is always new.

    >>> import numpy as np
    >>> y = dropout(Tensor(np.ones(8)), p=0.5, generator=0)
    >>> sorted(set(y.tolist()))   # dropped, or kept and doubled
    [0.0, 2.0]
    >>> dropout(Tensor([1.0, 2.0]), p=0.5, training=False).tolist()
    [1.0, 2.0]
    """
    from tinygrad_ce.seeding import generator_from

    x = _float_input(input, "dropout")
    p = _check_probability(p)
    if not training or p == 0.0 or x.size == 0:
        return x
    if p == 1.0:
        return x * np.zeros((), dtype=x.dtype)  # 0 * x, so NaN stays NaN as in PyTorch
    keep = generator_from(generator).random(x.shape) < 1.0 - p
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * mask


def _regression_target(target, x, function):
    """The target of an elementwise loss: a Tensor that requires grad stays one (it gets its
    gradient, as in PyTorch); anything else becomes a constant of the input's dtype. The shapes
    must be equal (PyTorch broadcasts with a warning; a (N, 1) input against a (N,) target then
    silently gives an (N, N) loss, so we raise)."""
    if isinstance(target, Tensor) and target.requires_grad:
        if target.shape != x.shape:
            raise ValueError(
                f"{function}: target shape {target.shape} must be the same as input shape {x.shape}"
            )
        if target.dtype != x.dtype:
            raise TypeError(
                f"{function}: target dtype {target.dtype} differs from input dtype {x.dtype}"
            )
        return target
    return _binary_target(target, x, function)


def _elementwise_loss(loss, x, weight, reduction, function):
    if weight is None:
        return _reduce(loss, reduction)
    w = _constant(weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{function}: weight must be real numbers, got dtype {w.dtype}")
    if w.shape != x.shape:
        raise ValueError(
            f"{function}: weight of shape {w.shape} must have the input's shape {x.shape}"
        )
    loss = loss * w.astype(x.dtype)
    if reduction == "mean":  # PyTorch's weighted mean: divided by the sum of the weights
        return loss.sum() / w.astype(x.dtype).sum()
    return _reduce(loss, reduction)


def mse_loss(input, target, reduction="mean", weight=None):
    """Mean squared error: (x - t)**2 elementwise, reduced.

    ``target`` must have the input's shape (``ValueError`` naming both otherwise; PyTorch only
    warns and broadcasts). ``weight`` (the input's shape) multiplies each term, and ``"mean"``
    then divides by its sum, as in PyTorch. ``"mean"`` of an empty input is NaN.

    >>> mse_loss(Tensor([1.0, 2.0, 4.0]), [1.0, 0.0, 1.0]).item()   # (0 + 4 + 9) / 3
    4.3333
    """
    x = _float_input(input, "mse_loss")
    _check_reduction(reduction)
    t = _regression_target(target, x, "mse_loss")
    d = x - t
    return _elementwise_loss(d * d, x, weight, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean", weight=None):
    """Mean absolute error: |x - t| elementwise, reduced (arguments as ``mse_loss``).

    |d| is computed as relu(d) + relu(-d), whose gradient is sign(d): 0 at d = 0, as in PyTorch.

    >>> l1_loss(Tensor([1.0, 2.0, 4.0]), [1.0, 0.0, 1.0], reduction="sum").item()
    5.0
    """
    x = _float_input(input, "l1_loss")
    _check_reduction(reduction)
    t = _regression_target(target, x, "l1_loss")
    d = x - t
    return _elementwise_loss(d.relu() + (-d).relu(), x, weight, reduction, "l1_loss")


# --------------------------------------------------------------------------- smooth activations

__all__ += ["elu", "gelu", "hardtanh", "logsigmoid", "silu", "softplus"]


def _softplus(z):
    """log(1 + e**z) = relu(z) + log1p(e**-|z|), which never overflows.

    -|z| is written where(z <= 0, z, -z): its slope at 0 is +1, so with relu's slope 0 there the
    gradient at z = 0 is exactly sigmoid(0) = 1/2 (with abs, whose slope at 0 is 0, it would be 0).
    """
    return where(z.data <= 0, z, -z).exp().log1p() + z.relu()  # the mask is a constant


def softplus(input, beta=1.0, threshold=20.0):
    """A smooth relu: log(1 + e**(beta x)) / beta, and x itself where beta x > threshold (the
    two agree to float64 there), as ``torch.nn.functional.softplus``.

    The gradient is sigmoid(beta x), and 1 where beta x > threshold.

    >>> softplus(Tensor(np.array([-1.0, 0.0, 30.0]))).tolist()
    [0.3133, 0.6931, 30.0]
    """
    x = _float_input(input, "softplus")
    z = x if beta == 1 else x * beta
    soft = _softplus(z) if beta == 1 else _softplus(z) / beta
    return where(z.data > threshold, x, soft)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), without overflow at any x (gradient sigmoid(-x)).

    >>> logsigmoid(Tensor(np.array([-1000.0, 0.0]))).tolist()
    [-1000.0, -0.6931]
    """
    x = _float_input(input, "logsigmoid")
    return -_softplus(-x)


def elu(input, alpha=1.0, inplace=False):
    """alpha * (e**x - 1) where x <= 0, else x; the gradient at 0 is alpha, as in PyTorch.

    e**x - 1 (``expm1``, exact near 0) is taken of x where x <= 0 and of 0 elsewhere, so large x
    never overflows and the branch where() discards sends back no NaN. At NaN the result is NaN
    with the gradient passed through (1), as PyTorch's ``x <= 0`` test gives (its vectorized
    kernel gives NaN there instead, in long tensors). ``inplace`` is accepted for PyTorch's
    signature; the result is always a new tensor.

    >>> elu(Tensor(np.array([-1.0, 0.0, 2.0]))).tolist()
    [-0.6321, 0.0, 2.0]
    """
    x = _float_input(input, "elu")
    negative = x.data <= 0  # a constant mask; NaN is not in it, as in PyTorch's
    # the exponential branch sees 0 where x is not negative: no inf * 0 or NaN comes back
    return where(negative, where(negative, x, 0.0).expm1() * alpha, x)


def gelu(input, approximate="none"):
    """Gaussian error linear unit: x * Phi(x), Phi the standard normal CDF, as PyTorch's.

    approximate="none":  0.5 * x * (1 + erf(x / sqrt(2)))                      (``Tensor.erf``)
    approximate="tanh":  0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))

    >>> gelu(Tensor(np.array([-1.0, 0.0, 1.0]))).tolist()
    [-0.1587, 0.0, 0.8413]
    >>> gelu(Tensor(np.array([1.0])), approximate="tanh").tolist()
    [0.8412]
    """
    x = _float_input(input, "gelu")
    if approximate == "none":
        return x * 0.5 * (1 + (x * math.sqrt(0.5)).erf())
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (1 + inner.tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish). ``inplace`` is accepted for PyTorch's signature.

    >>> silu(Tensor(np.array([0.0, 1.0]))).tolist()
    [0.0, 0.7311]
    """
    x = _float_input(input, "silu")
    return x * x.sigmoid()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x limited to [min_val, max_val]. Unlike ``clamp``, the gradient is 1 only strictly inside
    (min_val < x < max_val) and 0 at the bounds, as PyTorch's hardtanh. At NaN the result is NaN
    and the gradient passes (1), as PyTorch's test ``x <= min_val or x >= max_val`` gives (its
    vectorized kernel gives 0 there instead, in long tensors). ``inplace`` is accepted for
    PyTorch's signature; the result is always a new tensor.

    >>> x = Tensor([-2.0, -1.0, 0.5, 1.0], requires_grad=True)
    >>> hardtanh(x).sum().backward()
    >>> x.grad
    array([0., 0., 1., 0.], dtype=float32)
    """
    x = _float_input(input, "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} cannot be greater than max_val {max_val}")
    outside = (x.data <= min_val) | (x.data >= max_val)  # a constant mask; NaN is not in it
    return where(outside, np.clip(x.data, min_val, max_val), x)

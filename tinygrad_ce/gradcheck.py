"""``gradcheck``: gradients against finite differences; ``jacobian``: exact Jacobians.

gradcheck projects the output of ``fn`` on a random direction ``v`` to one number,
s = sum(v * fn(x)). The analytic side is one backward pass with ``v`` as the upstream gradient;
the numeric side perturbs each input element by +-h: ds/dx_i ~ sum(v * (fn(x + h e_i) -
fn(x - h e_i))) / (2 h), with h = eps, or eps * |x_i| for |x_i| > 1. A random ``v`` (not all
ones) matters: softmax sums to 1 along its axis, so with v = 1 its gradient is zero whatever the
backward computes, and a wrong backward would pass.

jacobian runs one backward pass per output element k, with the upstream gradient e_k: the pass
gives row k of the Jacobian, d out_k / d x, for every input x at once (reverse mode).

Neither has side effects. Both run ``fn`` on fresh leaf copies of the inputs, and around each
backward pass they set aside ``.grad`` of every other tensor the pass could write to (the leaves
``fn`` closes over, intermediates that called ``retain_grad``) and put it back afterwards, the
very same array, unchanged.
"""

from __future__ import annotations

import inspect

import numpy as np

from tinygrad_ce.engine import Tensor, is_grad_enabled, no_grad

__all__ = ["GradcheckError", "gradcheck", "jacobian"]


class GradcheckError(AssertionError):
    """A gradient disagreed with its finite-difference estimate."""


def _as_tensor_list(inputs, caller):
    if isinstance(inputs, Tensor):
        return [inputs]
    inputs = list(inputs)
    for position, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{caller} inputs must be Tensors; input {position} is {type(x).__name__}"
            )
    return inputs


# --------------------------------------------------------------------------- side-effect free VJPs


def _grad_holders(output):
    """Every tensor whose ``.grad`` a backward pass from ``output`` may write: the leaves of its
    graph and the intermediates that called ``retain_grad()``.

    Graph edges are read as both engines expose them: ``node.inputs`` holds, per input, another
    node (anything with ``inputs``), a leaf ``Tensor``, or something that gets no gradient (a
    ``Constant``, a number or None).
    """
    if output.grad_fn is None:
        return [output]
    holders, seen, stack = {}, set(), [output.grad_fn]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        retained = getattr(node, "retained", None)  # a weakref, after retain_grad()
        if retained is not None and retained() is not None:
            holders[id(retained())] = retained()
        for source in getattr(node, "inputs", ()):
            if isinstance(source, Tensor):
                holders[id(source)] = source
            elif hasattr(source, "inputs"):
                stack.append(source)
    return list(holders.values())


def _takes_retain_graph():
    return "retain_graph" in inspect.signature(Tensor.backward).parameters


class _Gradients:
    """Backward passes from ``output`` that only the tensors in ``own`` see.

    On entry, ``.grad`` of every other tensor the passes may reach is set aside (and set to None,
    so nothing is added into the caller's arrays); on exit it is put back.
    """

    def __init__(self, output, own):
        self.output, self.own = output, list(own)
        own_ids = {id(t) for t in self.own}
        self.others = [t for t in _grad_holders(output) if id(t) not in own_ids]
        self.retain = _takes_retain_graph()

    def __enter__(self):
        self.saved = [t.grad for t in self.others]
        return self

    def __exit__(self, *exc_info):
        for t, grad in zip(self.others, self.saved):
            t.grad = grad
        return False

    def vjp(self, direction, retain_graph=False):
        """The gradient of sum(direction * output) for each tensor of ``own`` (None where no
        gradient reached it)."""
        for t in (*self.own, *self.others):
            t.grad = None
        if self.retain:
            self.output.backward(direction, retain_graph=retain_graph)
        else:  # the first engine kept every graph
            self.output.backward(direction)
        grads = [t.grad for t in self.own]
        for t in self.own:
            t.grad = None
        return grads


def _leaves(arrays, requires):
    """Fresh tensors (``Tensor`` copies its data) for one run of ``fn``."""
    return [Tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]


def _checked_output(output, caller):
    if not isinstance(output, Tensor):
        raise TypeError(f"{caller}: fn must return a Tensor, got {type(output).__name__}")
    if output.dtype.kind != "f":
        raise TypeError(f"{caller}: fn must return a floating Tensor, got dtype {output.dtype}")
    return output


def _direction(shape):
    """The random projection v: fixed, so gradcheck gives the same verdict on every run."""
    return np.random.default_rng(0).standard_normal(shape)


def _analytic(fn, arrays, requires, direction=None):
    """(v, [gradient of sum(v * fn) per input that requires grad, or None]) from one backward."""
    leaves = _leaves(arrays, requires)
    output = _checked_output(fn(*leaves), "gradcheck")
    if not output.requires_grad:
        where = "" if is_grad_enabled() else " (gradcheck was called inside no_grad)"
        raise GradcheckError(
            "gradcheck: the output of fn does not require grad: no input that requires grad "
            f"reaches it{where}"
        )
    if direction is None:
        direction = _direction(output.shape)
    own = [t for t, r in zip(leaves, requires) if r]
    with _Gradients(output, own) as gradients:
        grads = iter(gradients.vjp(direction))
    return direction, [next(grads) if r else None for r in requires]


def _output(fn, arrays, requires):
    """fn(x) in float64, without recording a graph."""
    with no_grad():
        out = fn(*_leaves(arrays, requires))
    return np.asarray(out.data, dtype=np.float64)


def _numeric(fn, arrays, requires, direction, i, k, eps, side="both"):
    """ds/dx for element k (flat) of input i: central, or one-sided from the "left" or "right".

    The step is eps, or eps * |x| for |x| > 1: a fixed 1e-6 vanishes next to 1e11 (x + eps ==
    x). The outputs are subtracted before they are projected on v: a large output elsewhere then
    adds no rounding error to the difference of a small one.
    """
    work = list(arrays)
    base = arrays[i].reshape(-1)
    step = eps * max(1.0, abs(float(base[k])))

    def out_at(shift):
        moved = base.copy()
        moved[k] += shift
        work[i] = moved.reshape(arrays[i].shape)
        return _output(fn, work, requires)

    if side == "left":
        change, width = _output(fn, arrays, requires) - out_at(-step), step
    elif side == "right":
        change, width = out_at(step) - _output(fn, arrays, requires), step
    else:
        change, width = out_at(step) - out_at(-step), 2 * step
    return float(np.sum(direction * change)) / width


def _index(k, shape):
    return tuple(int(j) for j in np.unravel_index(k, shape)) if shape else ()


def _as_float64(tensors):
    """The arrays gradcheck works on: floating inputs in float64, others as they are."""
    return [np.array(t.data, dtype=np.float64 if t.dtype.kind == "f" else t.dtype) for t in tensors]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check the gradient of ``fn`` for every input that requires grad; True or GradcheckError.

    ``fn(*inputs)`` must return a floating Tensor. gradcheck works on float64 copies of the
    inputs and changes no tensor: not ``.grad`` or ``requires_grad`` of the inputs, nor of
    tensors ``fn`` uses from outside. An element fails when
    ``|analytic - numeric| > atol + rtol * |numeric|``; the error names the input, the element
    index and both values. An input that requires grad but gets no gradient at all (a backward
    returned None for it) fails too, unless its numeric gradient is zero.

    >>> x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    >>> w = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    >>> gradcheck(lambda t: (t * t * w).exp().sum(axis=0), [x])
    True
    >>> x.grad is None and w.grad is None
    True
    """
    originals = _as_tensor_list(inputs, "gradcheck")
    requires = [bool(x.requires_grad) for x in originals]
    if not any(requires):
        raise ValueError("gradcheck needs at least one input with requires_grad=True")
    arrays = _as_float64(originals)
    direction, analytic = _analytic(fn, arrays, requires)
    for i, grad in enumerate(analytic):
        if not requires[i]:
            continue
        shape = arrays[i].shape
        numeric = [
            _numeric(fn, arrays, requires, direction, i, k, eps) for k in range(arrays[i].size)
        ]
        if grad is None:
            worst = int(np.argmax(np.abs(numeric))) if numeric else 0
            if numeric and abs(numeric[worst]) > atol:
                raise GradcheckError(
                    f"gradient of input {i} (shape {shape}) is None: no gradient reached it, "
                    f"though it requires grad and the output depends on it (numeric "
                    f"{numeric[worst]!r} at index {_index(worst, shape)}). Did a backward "
                    f"return None for an input whose ctx.needs_input_grad is True?"
                )
            continue
        flat = np.asarray(grad, dtype=np.float64).reshape(-1)
        for k, estimate in enumerate(numeric):
            exact = float(flat[k])
            if not abs(exact - estimate) <= atol + rtol * abs(estimate):
                raise GradcheckError(
                    f"gradient of input {i} (shape {shape}) at index {_index(k, shape)}: "
                    f"analytic {exact!r} vs numeric {estimate!r} "
                    f"(difference {abs(exact - estimate):.3g}, allowed {atol} + {rtol} * |numeric|)"
                )
    return True


def jacobian(fn, inputs):
    """The exact Jacobian of ``fn`` at ``inputs``, by reverse mode: d fn(x)[j] / d x[k].

    One backward pass per element of the output. For each input ``x`` the result has shape
    ``out.shape + x.shape`` and ``x``'s dtype. ``inputs`` is a Tensor (one array is returned) or
    a sequence of Tensors (a tuple, one array per input, as ``torch.autograd.functional.
    jacobian``). Every input is differentiated, whether or not it requires grad; no tensor's
    ``.grad`` changes.

    >>> x = Tensor(np.array([1.0, 2.0, 3.0]))
    >>> jacobian(lambda t: t * t, x)  # diag(2 x)
    array([[2., 0., 0.],
           [0., 4., 0.],
           [0., 0., 6.]])
    >>> a, b = jacobian(lambda a, b: (a * b).sum(), [x, Tensor(np.array([4.0, 5.0, 6.0]))])
    >>> a, b
    (array([4., 5., 6.]), array([1., 2., 3.]))
    """
    single = isinstance(inputs, Tensor)
    originals = _as_tensor_list(inputs, "jacobian")
    for position, x in enumerate(originals):
        if x.dtype.kind != "f":
            raise TypeError(
                f"jacobian: input {position} has dtype {x.dtype}; only floating inputs can be "
                "differentiated"
            )
    leaves = [Tensor(x.data, requires_grad=True) for x in originals]
    output = _checked_output(fn(*leaves), "jacobian")
    jacobians = [np.zeros(output.shape + x.shape, dtype=x.dtype) for x in leaves]
    if not output.requires_grad:
        if not is_grad_enabled():
            raise RuntimeError("jacobian needs a recorded graph; it was called inside no_grad")
        return jacobians[0] if single else tuple(jacobians)  # the output is constant
    n = output.size
    rows = [j.reshape(n, x.size) for j, x in zip(jacobians, leaves)]  # views: row k = d out_k
    with _Gradients(output, leaves) as gradients:
        for k in range(n):
            seed = np.zeros(n, dtype=output.dtype)
            seed[k] = 1
            grads = gradients.vjp(seed.reshape(output.shape), retain_graph=k < n - 1)
            for row, grad in zip(rows, grads):
                if grad is not None:
                    row[k] = np.reshape(grad, -1)
    return jacobians[0] if single else tuple(jacobians)

"""``gradcheck``: compare every analytic gradient with central finite differences.

The output of ``fn`` is projected on a random direction ``v`` to one number, s = sum(v * fn(x)).
The analytic side is one backward pass with ``v`` as the upstream gradient; the numeric side
perturbs each input element by +-eps: ds/dx_i ~ (s(x + eps e_i) - s(x - eps e_i)) / (2 eps).
A random ``v`` (not all ones) matters: softmax sums to 1 along its axis, so with v = 1 its
gradient is zero whatever the backward computes, and a wrong backward would pass.
"""

from __future__ import annotations

import numpy as np

from tinygrad_ce.engine import Tensor, no_grad


class GradcheckError(AssertionError):
    """A gradient disagreed with its finite-difference estimate."""


def _as_tensor_list(inputs):
    if isinstance(inputs, Tensor):
        return [inputs]
    inputs = list(inputs)
    for position, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"gradcheck inputs must be Tensors; input {position} is {type(x)}")
    return inputs


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check the gradient of ``fn`` for every input that requires grad; True or GradcheckError.

    ``fn(*inputs)`` must return a Tensor. Inputs are copied to float64 (the check works on the
    copies, so your tensors' ``.grad`` is untouched). An element fails when
    ``|analytic - numeric| > atol + rtol * |numeric|``; the error names the input, the element
    index and both values.

    >>> x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    >>> gradcheck(lambda t: (t * t).exp().sum(axis=0), [x])
    True
    """
    originals = _as_tensor_list(inputs)
    copies = []
    for x in originals:
        if x.requires_grad:
            copies.append(Tensor(x.data.astype(np.float64), requires_grad=True))
        else:
            copies.append(x)
    checked = [i for i, x in enumerate(originals) if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck needs at least one input with requires_grad=True")

    output = fn(*copies)
    if not isinstance(output, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(output).__name__}")
    if not output.requires_grad:
        raise GradcheckError("gradcheck: the output of fn does not require grad")
    rng = np.random.default_rng(0)
    direction = rng.standard_normal(output.shape)
    output.backward(direction)

    def projected(*args):
        with no_grad():
            return float(np.sum(np.asarray(fn(*args).data, dtype=np.float64) * direction))

    for i in checked:
        x = copies[i]
        analytic = x.grad if x.grad is not None else np.zeros_like(x.data)
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs x
        for k in range(flat.size):
            saved = flat[k]
            flat[k] = saved + eps
            s_plus = projected(*copies)
            flat[k] = saved - eps
            s_minus = projected(*copies)
            flat[k] = saved
            numeric = (s_plus - s_minus) / (2 * eps)
            exact = analytic.reshape(-1)[k]
            if not abs(exact - numeric) <= atol + rtol * abs(numeric):
                index = np.unravel_index(k, x.shape) if x.ndim else ()
                raise GradcheckError(
                    f"gradient of input {i} (shape {x.shape}) at index {tuple(map(int, index))}: "
                    f"analytic {float(exact)!r} vs numeric {numeric!r} "
                    f"(difference {abs(exact - numeric):.3g}, allowed {atol} + {rtol} * |numeric|)"
                )
    return True

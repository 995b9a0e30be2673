"""tinygrad_ce: a small, honest reverse-mode autodiff framework on NumPy.

Layers, each using only the ones above it:

- ``engine``: ``Tensor``, ``Function`` (the op API), ``no_grad``, the backward walk;
- ``ops``: the primitive ops, one ``Function`` each, forward and backward side by side;
- ``gradcheck``: finite-difference checking of any op or composition;
- ``functional``: softmax, losses and activations composed from the primitives;
- ``nn``, ``optim``, ``datasets``: training tools on top.

>>> import tinygrad_ce as tg
>>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
array([2., 4.], dtype=float32)
"""

from tinygrad_ce import data, datasets, functional, nn, optim, viz
from tinygrad_ce.constructors import (
    allclose,
    arange,
    eye,
    from_numpy,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from tinygrad_ce.engine import Function, Tensor, is_grad_enabled, no_grad
from tinygrad_ce.grad_mode import enable_grad, set_grad_enabled
from tinygrad_ce.gradcheck import GradcheckError, gradcheck, jacobian
from tinygrad_ce.seeding import manual_seed
from tinygrad_ce.tensor_methods import (
    cat,
    clamp,
    clip,
    full_like,
    maximum,
    minimum,
    stack,
    where,
)
from tinygrad_ce.viz import trace

__version__ = "0.1.0"

__all__ = [
    "Function",
    "GradcheckError",
    "Tensor",
    "allclose",
    "arange",
    "cat",
    "clamp",
    "clip",
    "data",
    "datasets",
    "enable_grad",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "functional",
    "gradcheck",
    "is_grad_enabled",
    "jacobian",
    "linspace",
    "manual_seed",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "rand",
    "randint",
    "randn",
    "randperm",
    "set_grad_enabled",
    "stack",
    "tensor",
    "trace",
    "viz",
    "where",
    "zeros",
    "zeros_like",
]

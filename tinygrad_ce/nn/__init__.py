"""Layers, losses and model files: the PyTorch-style ``nn`` toolkit.

- ``module``: ``Module``, ``Parameter``, ``Linear``, ``Sequential``, ``ModuleList``, ``ReLU``,
  ``Tanh``;
- ``layers``: ``Sigmoid``, ``LeakyReLU``, ``Softmax``, ``LogSoftmax``, ``Flatten``,
  ``Identity``, ``Dropout``;
- ``loss``: ``CrossEntropyLoss``, ``NLLLoss``, ``BCEWithLogitsLoss``, ``BCELoss``,
  ``MSELoss``, ``L1Loss``, ``KLDivLoss`` (wrappers of ``tinygrad_ce.functional``);
- ``utils``: ``clip_grad_norm_``, ``clip_grad_value_``;
- ``serialization``: ``save`` / ``load`` of a module's parameters to a ``.npz`` file.

>>> import numpy as np
>>> from tinygrad_ce import nn
>>> model = nn.Sequential(
...     nn.Linear(4, 16, rng=0), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3, rng=1)
... )
>>> logits = model.eval()(np.zeros((8, 4), dtype=np.float32))
>>> logits.shape, len(list(model.parameters())), model.training
((8, 3), 4, False)
"""

from tinygrad_ce.nn import utils
from tinygrad_ce.nn.layers import (
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    LogSoftmax,
    Sigmoid,
    Softmax,
)
from tinygrad_ce.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from tinygrad_ce.nn.module import Linear, Module, ModuleList, Parameter, ReLU, Sequential, Tanh
from tinygrad_ce.nn.serialization import load, save

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "load",
    "save",
    "utils",
]

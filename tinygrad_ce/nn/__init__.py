"""Layers, losses and model files: the PyTorch-style ``nn`` toolkit.

- ``module``: ``Module``, ``Parameter``, ``Linear``, ``Sequential``, ``ReLU``, ``Tanh``;
- ``loss``: ``CrossEntropyLoss``, ``NLLLoss``, ``BCEWithLogitsLoss`` (wrappers of
  ``tinygrad_ce.functional``);
- ``serialization``: ``save`` / ``load`` of a module's parameters to a ``.npz`` file.

>>> import numpy as np
>>> from tinygrad_ce import nn
>>> model = nn.Sequential(nn.Linear(4, 16, rng=0), nn.ReLU(), nn.Linear(16, 3, rng=1))
>>> logits = model(np.zeros((8, 4), dtype=np.float32))
>>> logits.shape, len(list(model.parameters()))
((8, 3), 4)
"""

from tinygrad_ce.nn.loss import BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss
from tinygrad_ce.nn.module import Linear, Module, Parameter, ReLU, Sequential, Tanh
from tinygrad_ce.nn.serialization import load, save

__all__ = [
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Linear",
    "Module",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Tanh",
    "load",
    "save",
]

"""Optimizers with exactly PyTorch's update rules, and learning-rate schedulers.

- ``optimizer``: ``Optimizer``, the base class (parameter groups, per-parameter state,
  ``zero_grad``, ``state_dict`` / ``load_state_dict``, the check of every ``.grad``);
- ``sgd``: ``SGD``; ``adam``: ``Adam`` and ``AdamW``;
- ``lr_scheduler``: ``StepLR``, ``CosineAnnealingLR``, ``LambdaLR``.

Each follows the algorithm in PyTorch's documentation, computed in the same order as PyTorch's
single-tensor CPU code, so trajectories agree with ``torch.optim`` to float64 round-off.
Parameters whose ``.grad`` is ``None`` are skipped, as in PyTorch, and their state does not
advance.

>>> import numpy as np
>>> from tinygrad_ce import nn, optim
>>> model = nn.Linear(3, 1, rng=0, dtype=np.float64)
>>> opt = optim.AdamW(model.parameters(), lr=0.1)
>>> scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)
>>> x, y = np.ones((4, 3)), np.zeros((4, 1))
>>> losses = []
>>> for epoch in range(20):
...     opt.zero_grad()
...     loss = ((model(x) - y) ** 2).mean()
...     loss.backward()
...     opt.step()
...     scheduler.step()
...     losses.append(loss.item())
>>> bool(losses[-1] < 0.01 * losses[0]), opt.param_groups[0]["lr"]   # annealed to eta_min
(True, 0.0)
"""

from tinygrad_ce.optim import lr_scheduler
from tinygrad_ce.optim.adam import Adam, AdamW
from tinygrad_ce.optim.optimizer import Optimizer
from tinygrad_ce.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]

"""The default random generator, and ``manual_seed`` to make it reproducible.

Everything in tinygrad_ce that draws random numbers without being given a generator (``Linear``
initialisation, ``Dropout``, ``randn``/``rand``, shuffling in ``DataLoader`` and the data helpers)
draws from ``default_generator()``. One ``manual_seed(n)`` call therefore makes a whole script
reproducible, as ``torch.manual_seed`` does. A generator passed explicitly (``rng=``,
``generator=``, ``seed=``) always wins.

>>> import tinygrad_ce as tg
>>> _ = tg.manual_seed(0)
>>> a = default_generator().random()
>>> _ = tg.manual_seed(0)
>>> a == default_generator().random()
True
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default generator (like ``torch.manual_seed``) and return it.

    >>> g = manual_seed(42)
    >>> g is default_generator()
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"manual_seed takes an int, got {seed!r}")
    global _generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """The generator used wherever no generator or seed is given."""
    return _generator


def generator_from(seed=None) -> np.random.Generator:
    """``seed`` as a Generator: None gives the default generator; an int or a Generator is
    passed to ``numpy.random.default_rng`` (a Generator is used as it is).

    >>> generator_from(None) is default_generator()
    True
    >>> generator_from(3).random() == np.random.default_rng(3).random()
    True
    """
    return _generator if seed is None else np.random.default_rng(seed)

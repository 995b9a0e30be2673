"""The default random generator, and ``manual_seed`` to make it reproducible.

Everything in tinygrad_ce that draws random numbers without being given a generator (``Linear``
initialisation, ``Dropout``, ``randn``/``rand``, shuffling in ``DataLoader`` and the data helpers)
draws from ``default_generator()``. One ``manual_seed(n)`` call therefore makes a whole script
reproducible, as ``torch.manual_seed`` does. A generator passed explicitly (``rng=``,
``generator=``, ``seed=``) always wins.

Any Python or NumPy int is a seed, negative ones included, as in PyTorch: a negative seed ``n``
stands for ``n % 2**64`` (PyTorch reads ``-1`` as the unsigned 64-bit ``2**64 - 1`` too; NumPy
itself refuses negative seeds). Non-negative seeds go to NumPy unchanged.

>>> import tinygrad_ce as tg
>>> _ = tg.manual_seed(0)
>>> a = default_generator().random()
>>> _ = tg.manual_seed(0)
>>> a == default_generator().random()
True
"""

from __future__ import annotations

import numbers

import numpy as np

_generator = np.random.default_rng()

_SEED_MODULUS = 2**64


def _seed_value(seed):
    """An int seed as NumPy takes it: ``n % 2**64`` for a negative ``n`` (PyTorch's reading of
    a negative seed as an unsigned 64-bit number), any other int unchanged."""
    seed = int(seed)
    return seed % _SEED_MODULUS if seed < 0 else seed


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default generator (like ``torch.manual_seed``) and return it.

    ``seed`` is any int (a NumPy integer too); a negative one stands for ``seed % 2**64``, as in
    PyTorch, so ``manual_seed(-1)`` and ``manual_seed(2**64 - 1)`` give the same numbers.

    >>> g = manual_seed(42)
    >>> g is default_generator()
    True
    >>> a = manual_seed(-1).random()
    >>> a == manual_seed(2**64 - 1).random()
    True
    """
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"manual_seed takes an int, got {seed!r}")
    global _generator
    _generator = np.random.default_rng(_seed_value(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """The generator used wherever no generator or seed is given."""
    return _generator


def generator_from(seed=None) -> np.random.Generator:
    """``seed`` as a Generator: None gives the default generator; a Generator is used as it is;
    an int (negative ones as in ``manual_seed``) or anything else
    ``numpy.random.default_rng`` takes (a ``SeedSequence``, a bit generator) makes a new one.

    >>> generator_from(None) is default_generator()
    True
    >>> generator_from(3).random() == np.random.default_rng(3).random()
    True
    >>> generator_from(-1).random() == np.random.default_rng(2**64 - 1).random()
    True
    """
    if seed is None:
        return _generator
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool | np.bool_):
        seed = _seed_value(seed)
    return np.random.default_rng(seed)

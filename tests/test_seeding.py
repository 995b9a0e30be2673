"""tinygrad_ce.seeding: any int is a seed, negative ones as PyTorch reads them (n % 2**64)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import seeding
from tinygrad_ce.data import DataLoader, TensorDataset
from tinygrad_ce.datasets import (
    iterate_minibatches,
    make_blobs,
    make_moons,
    make_spiral,
    train_test_split,
)

NEGATIVE = [-1, -2, -12345, -(2**63), -(2**64), -(2**70) - 3]


def draws(generator, n=4):
    return generator.random(n).tolist()


@pytest.mark.parametrize("seed", NEGATIVE)
def test_a_negative_seed_stands_for_seed_mod_2_64(seed):
    expected = draws(np.random.default_rng(seed % 2**64))
    assert draws(tg.manual_seed(seed)) == expected
    assert draws(seeding.generator_from(seed)) == expected
    assert draws(seeding.generator_from(np.int64(max(seed, -(2**63))))) == draws(
        np.random.default_rng(max(seed, -(2**63)) % 2**64)
    )


@pytest.mark.parametrize("seed", [0, 1, 42, 2**32, 2**64 - 1, 2**64, 2**100])
def test_non_negative_seeds_are_numpys_unchanged(seed):
    expected = draws(np.random.default_rng(seed))
    assert draws(tg.manual_seed(seed)) == expected
    assert draws(seeding.generator_from(seed)) == expected


def test_negative_seeds_are_reproducible_and_distinct():
    assert draws(tg.manual_seed(-1)) == draws(tg.manual_seed(-1))
    assert draws(tg.manual_seed(-1)) != draws(tg.manual_seed(-2))
    assert draws(tg.manual_seed(-1)) != draws(tg.manual_seed(1))


@pytest.mark.parametrize("seed", [-1, -2, -(2**63), 0, 7, 2**64 - 1])
def test_the_mapping_is_pytorchs(seed):
    torch = pytest.importorskip("torch")
    # A local generator: the global torch seed of other tests stays as it was.
    assert seeding._seed_value(seed) == torch.Generator().manual_seed(seed).initial_seed()


def test_generators_and_none_pass_through():
    g = np.random.default_rng(0)
    assert seeding.generator_from(g) is g
    assert seeding.generator_from(None) is seeding.default_generator()
    assert seeding.manual_seed(-3) is seeding.default_generator()
    sequence = np.random.SeedSequence(5)
    assert draws(seeding.generator_from(sequence)) == draws(np.random.default_rng(5))


@pytest.mark.parametrize("bad", [1.5, "3", True, np.bool_(False), None])
def test_manual_seed_takes_ints_only(bad):
    with pytest.raises(TypeError, match="manual_seed takes an int"):
        tg.manual_seed(bad)


def test_every_seeded_entry_point_takes_a_negative_seed():
    def same_twice(make):
        first, second = make(), make()
        if isinstance(first, tuple):
            return all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, second))
        return np.array_equal(np.asarray(first), np.asarray(second))

    X, y = make_moons(20, seed=0)
    calls = [
        lambda: make_moons(10, seed=-1),
        lambda: make_blobs(10, seed=-1),
        lambda: make_spiral(5, seed=-1),
        lambda: train_test_split(X, y, test_size=0.25, seed=-1),
        lambda: next(b for _, b in iterate_minibatches(X, y, batch_size=7, seed=-1)),
        lambda: tg.nn.Linear(3, 2, rng=-1).weight.data,
        lambda: tg.nn.Dropout(0.5, generator=-1)(tg.Tensor(np.ones(8))).data,
        lambda: tg.randn(3, generator=-1).data,
        lambda: tg.rand(3, generator=-1).data,
        lambda: (
            next(iter(DataLoader(TensorDataset(X, y), batch_size=20, shuffle=True, generator=-1)))[
                1
            ].data
        ),
    ]
    for make in calls:
        assert same_twice(make)
    # The negative seed is n % 2**64, as for manual_seed.
    np.testing.assert_array_equal(make_moons(10, seed=-1)[0], make_moons(10, seed=2**64 - 1)[0])

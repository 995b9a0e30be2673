"""Tests for tinygrad_ce.datasets: the iris data, splitting, scaling, batching."""

from __future__ import annotations

import hashlib
import inspect
import math
import warnings
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_ce.datasets import Standardizer, iterate_minibatches, load_iris, train_test_split

# sha256 of X.tobytes() + y.tobytes() (float64 / int64, C order, little-endian).
# Computed from R's datasets::iris source (src/library/datasets/data/iris.R),
# parsed independently of the shipped CSV, and cross-checked against two
# further copies: one identical, and scikit-learn's pre-0.20 iris.csv, which
# differs only in the UCI transcription errors of samples 35 and 38.
IRIS_SHA256 = "aa06b8008ceba42efc654be0f83fdafc786239c9e8f13146044d078f5aab8f23"

FEATURE_NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
TARGET_NAMES = ["setosa", "versicolor", "virginica"]

# Settings shared by the property tests: the functions are fast, but CI
# machines vary, so no per-example deadline.
PROPERTY = settings(max_examples=60, deadline=None)


def labels_strategy(min_size: int = 0, max_size: int = 60) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, 4), min_size=min_size, max_size=max_size)


# --------------------------------------------------------------------------- load_iris


def test_iris_shapes_and_dtypes():
    X, y, _, _ = load_iris()
    assert X.shape == (150, 4)
    assert y.shape == (150,)
    assert X.dtype == np.float64
    assert y.dtype == np.int64


def test_iris_names():
    _, _, feature_names, target_names = load_iris()
    assert isinstance(feature_names, list)
    assert isinstance(target_names, list)
    assert feature_names == FEATURE_NAMES
    assert target_names == TARGET_NAMES


def test_iris_class_counts_and_order():
    _, y, _, _ = load_iris()
    assert np.bincount(y).tolist() == [50, 50, 50]
    assert np.array_equal(y, np.repeat([0, 1, 2], 50))


def test_iris_column_sums():
    X, _, _, _ = load_iris()
    assert np.round(X.sum(axis=0), 1).tolist() == [876.5, 458.6, 563.7, 179.9]


def test_iris_checksum():
    X, y, _, _ = load_iris()
    digest = hashlib.sha256(X.tobytes() + y.tobytes()).hexdigest()
    assert digest == IRIS_SHA256


def test_iris_samples_35_and_38_follow_fisher_not_uci():
    X, _, _, _ = load_iris()
    # 1-based samples 35 and 38 are rows 34 and 37.
    assert X[34].tolist() == [4.9, 3.1, 1.5, 0.2]
    assert X[37].tolist() == [4.9, 3.6, 1.4, 0.1]
    # The UCI copy has 4.9,3.1,1.5,0.1 in both places.
    assert X[34].tolist() != [4.9, 3.1, 1.5, 0.1]
    assert X[37].tolist() != [4.9, 3.1, 1.5, 0.1]


def test_iris_known_rows_and_ranges():
    X, _, _, _ = load_iris()
    assert X[0].tolist() == [5.1, 3.5, 1.4, 0.2]
    assert X[50].tolist() == [7.0, 3.2, 4.7, 1.4]
    assert X[149].tolist() == [5.9, 3.0, 5.1, 1.8]
    assert X.min(axis=0).tolist() == [4.3, 2.0, 1.0, 0.1]
    assert X.max(axis=0).tolist() == [7.9, 4.4, 6.9, 2.5]


def test_iris_returns_fresh_copies():
    X1, y1, f1, t1 = load_iris()
    X1[:] = -1.0
    y1[:] = 7
    f1.append("junk")
    t1[0] = "junk"
    X2, y2, f2, t2 = load_iris()
    assert not np.shares_memory(X1, X2)
    assert X2[0].tolist() == [5.1, 3.5, 1.4, 0.2]
    assert np.bincount(y2).tolist() == [50, 50, 50]
    assert f2 == FEATURE_NAMES
    assert t2 == TARGET_NAMES


def test_iris_csv_is_package_data():
    resource = resources.files("tinygrad_ce.datasets").joinpath("iris.csv")
    assert resource.is_file()
    lines = resource.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "sepal_length,sepal_width,petal_length,petal_width,species"
    assert len(lines) == 151


# --------------------------------------------------------------------- train_test_split


def test_split_iris_sizes_and_stratification():
    X, y, _, _ = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    assert X_train.shape == (120, 4)
    assert X_test.shape == (30, 4)
    assert y_train.shape == (120,)
    assert y_test.shape == (30,)
    assert np.bincount(y_train).tolist() == [40, 40, 40]
    assert np.bincount(y_test).tolist() == [10, 10, 10]
    assert X_train.dtype == X.dtype
    assert y_train.dtype == y.dtype


def test_split_rows_stay_paired_with_labels():
    X, y, _, _ = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=3)
    # Look every output row up in the original data. Iris has one duplicated
    # row (samples 102 and 143, both virginica), so the lookup stays unambiguous.
    lookup = {tuple(row): label for row, label in zip(X.tolist(), y.tolist(), strict=True)}
    assert len(lookup) == 149
    for Xp, yp in ((X_train, y_train), (X_test, y_test)):
        for row, label in zip(Xp.tolist(), yp.tolist(), strict=True):
            assert lookup[tuple(row)] == label


def test_split_is_shuffled():
    X, y, _, _ = load_iris()
    _, _, y_train, y_test = train_test_split(X, y, seed=0)
    # Stored order is sorted by class; a shuffled split is not.
    assert np.any(np.diff(y_train) < 0)
    assert np.any(np.diff(y_test) < 0)


def test_split_same_seed_same_split_other_seed_differs():
    X, y, _, _ = load_iris()
    a = train_test_split(X, y, seed=1)
    b = train_test_split(X, y, seed=1)
    c = train_test_split(X, y, seed=2)
    for part_a, part_b in zip(a, b, strict=True):
        assert np.array_equal(part_a, part_b)
    assert not np.array_equal(a[1], c[1])


def test_split_default_seed_is_deterministic():
    X, y, _, _ = load_iris()
    a = train_test_split(X, y)
    b = train_test_split(X, y)
    assert np.array_equal(a[1], b[1])
    assert np.array_equal(a[3], b[3])


def test_split_does_not_modify_inputs_or_share_memory():
    X, y, _, _ = load_iris()
    X_before, y_before = X.copy(), y.copy()
    parts = train_test_split(X, y, seed=0)
    assert np.array_equal(X, X_before)
    assert np.array_equal(y, y_before)
    for part in parts:
        assert not np.shares_memory(part, X)
        assert not np.shares_memory(part, y)


def test_split_accepts_lists():
    X = [[float(i)] for i in range(10)]
    y = [0] * 5 + [1] * 5
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, seed=0)
    assert isinstance(X_train, np.ndarray)
    assert X_test.shape == (4, 1)
    assert np.bincount(y_train).tolist() == [3, 3]
    assert np.bincount(y_test).tolist() == [2, 2]


@PROPERTY
@given(
    labels=labels_strategy(),
    test_size=st.floats(0.01, 0.99),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_property_partition_and_stratification(labels, test_size, seed):
    y = np.array(labels, dtype=np.int64)
    # Row i holds i, so each output row names the input row it came from.
    X = np.arange(y.size, dtype=np.float64).reshape(-1, 1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, seed=seed)

    ids = np.concatenate([X_train[:, 0], X_test[:, 0]]).astype(np.int64)
    assert sorted(ids.tolist()) == list(range(y.size))  # no row lost or duplicated
    assert np.array_equal(y[X_train[:, 0].astype(np.int64)], y_train)
    assert np.array_equal(y[X_test[:, 0].astype(np.int64)], y_test)
    for label in np.unique(y):
        n_class = int(np.sum(y == label))
        n_test = int(np.sum(y_test == label))
        assert n_test == round(test_size * n_class)
        assert int(np.sum(y_train == label)) == n_class - n_test


@PROPERTY
@given(n_per_class=st.integers(1, 40), test_size=st.floats(0.05, 0.95))
def test_split_property_class_proportions_equal(n_per_class, test_size):
    y = np.repeat(np.arange(3), n_per_class)
    X = np.zeros((y.size, 2))
    _, _, y_train, y_test = train_test_split(X, y, test_size=test_size, seed=0)
    # Equal-sized classes stay exactly equal-sized in both parts.
    train_counts = np.bincount(y_train, minlength=3)
    test_counts = np.bincount(y_test, minlength=3)
    assert len(set(train_counts.tolist())) == 1
    assert len(set(test_counts.tolist())) == 1


@pytest.mark.parametrize("bad", [0, 1, 0.0, 1.0, -0.1, 1.5, math.nan, "0.2", True, None])
def test_split_bad_test_size(bad):
    X, y, _, _ = load_iris()
    with pytest.raises(ValueError, match="test_size") as info:
        train_test_split(X, y, test_size=bad)
    assert repr(bad) in str(info.value)


def test_split_length_mismatch():
    X = np.zeros((10, 2))
    y = np.zeros(9, dtype=np.int64)
    with pytest.raises(ValueError, match=r"len\(X\)=10.*len\(y\)=9"):
        train_test_split(X, y)


def test_split_rejects_2d_labels():
    with pytest.raises(ValueError, match="1-dimensional"):
        train_test_split(np.zeros((4, 2)), np.zeros((4, 1)))


# --------------------------------------------------------------------------- Standardizer


def test_standardizer_iris_train_columns_are_standard():
    X, y, _, _ = load_iris()
    X_train, X_test, _, _ = train_test_split(X, y, seed=0)
    scaler = Standardizer()
    assert scaler.fit(X_train) is scaler
    Z = scaler.transform(X_train)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)
    # Statistics come from the training part only, so the test part is not exactly standard.
    Z_test = scaler.transform(X_test)
    assert not np.allclose(Z_test.mean(axis=0), 0.0, atol=1e-12)


def test_standardizer_uses_population_std():
    X = np.array([[0.0], [2.0], [4.0]])
    scaler = Standardizer().fit(X)
    np.testing.assert_allclose(scaler.mean, [2.0])
    np.testing.assert_allclose(scaler.std, [np.sqrt(8.0 / 3.0)])  # ddof=0, not sqrt(4)


def test_standardizer_constant_feature():
    X = np.array([[1.0, 0.1], [2.0, 0.1], [3.0, 0.1], [4.0, 0.1], [5.0, 0.1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a division by zero would warn
        scaler = Standardizer().fit(X)
        Z = scaler.transform(X)
    assert scaler.std[1] == 1.0
    assert np.all(Z[:, 1] == 0.0)
    assert np.all(np.isfinite(Z))


def test_standardizer_transform_returns_new_array_and_keeps_input():
    X = np.array([[1.0, 2.0], [3.0, 6.0]])
    before = X.copy()
    Z = Standardizer().fit_transform(X)
    assert np.array_equal(X, before)
    assert not np.shares_memory(Z, X)


def test_standardizer_fit_transform_matches_fit_then_transform():
    X, _, _, _ = load_iris()
    np.testing.assert_array_equal(
        Standardizer().fit_transform(X), Standardizer().fit(X).transform(X)
    )


def test_standardizer_dtypes():
    X32 = np.array([[1.0], [3.0]], dtype=np.float32)
    assert Standardizer().fit_transform(X32).dtype == np.float32
    Xint = np.array([[1], [3]], dtype=np.int64)
    Z = Standardizer().fit_transform(Xint)
    assert Z.dtype == np.float64
    assert Z.tolist() == [[-1.0], [1.0]]


def test_standardizer_transform_before_fit():
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(np.zeros((2, 3)))


def test_standardizer_feature_mismatch_names_both_shapes():
    scaler = Standardizer().fit(np.zeros((5, 4)))
    with pytest.raises(ValueError) as info:
        scaler.transform(np.zeros((2, 3)))
    message = str(info.value)
    assert "(2, 3)" in message
    assert "(5, 4)" in message


@pytest.mark.parametrize("bad", [np.zeros(4), np.zeros((2, 2, 2)), np.zeros((0, 3))])
def test_standardizer_fit_rejects_bad_shapes(bad):
    with pytest.raises(ValueError):
        Standardizer().fit(bad)


@PROPERTY
@given(
    data=st.lists(
        st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=3),
        min_size=2,
        max_size=30,
    ),
    constant=st.floats(-1e3, 1e3, allow_nan=False),
)
def test_standardizer_property(data, constant):
    X = np.array(data)
    X[:, 2] = constant  # always one constant column
    Z = Standardizer().fit_transform(X)
    assert np.all(np.isfinite(Z))
    assert np.all(Z[:, 2] == 0.0)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-6)
    std = X.std(axis=0)
    # Columns with real spread get unit std; near-constant ones are ill-conditioned.
    spread = std > 1e-6 * np.maximum(np.abs(X).max(axis=0), 1.0)
    np.testing.assert_allclose(Z.std(axis=0)[spread], 1.0, rtol=1e-6)


# -------------------------------------------------------------------- iterate_minibatches


def test_minibatches_is_generator_with_expected_sizes():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    batches = iterate_minibatches(X, y, batch_size=4, shuffle=False)
    assert inspect.isgenerator(batches)
    sizes = [(xb.shape, yb.shape) for xb, yb in batches]
    assert sizes == [((4, 2), (4,)), ((4, 2), (4,)), ((2, 2), (2,))]


def test_minibatches_no_shuffle_keeps_order_and_pairs():
    X = np.arange(14.0).reshape(7, 2)
    y = np.arange(7)
    batches = list(iterate_minibatches(X, y, batch_size=3, shuffle=False))
    assert np.array_equal(np.concatenate([yb for _, yb in batches]), y)
    assert np.array_equal(np.concatenate([xb for xb, _ in batches]), X)


@PROPERTY
@given(
    n=st.integers(0, 50),
    batch_size=st.integers(1, 60),
    shuffle=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_minibatches_property_cover_every_row_once(n, batch_size, shuffle, seed):
    X = np.arange(n, dtype=np.float64).reshape(-1, 1) * 10.0
    y = np.arange(n)
    batches = list(iterate_minibatches(X, y, batch_size, shuffle=shuffle, seed=seed))
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.empty(0, dtype=int)
    assert sorted(seen.tolist()) == list(range(n))
    for xb, yb in batches:
        assert np.array_equal(xb[:, 0], yb * 10.0)  # rows stay paired with labels
    sizes = [len(yb) for _, yb in batches]
    assert len(batches) == math.ceil(n / batch_size)
    assert all(s == batch_size for s in sizes[:-1])
    if sizes:
        assert sizes[-1] == n - batch_size * (len(sizes) - 1)


def order_of(batches):
    return np.concatenate([yb for _, yb in batches])


def test_minibatches_int_seed_reproducible_and_seed_matters():
    X = np.zeros((100, 2))
    y = np.arange(100)
    a = order_of(iterate_minibatches(X, y, 16, seed=5))
    b = order_of(iterate_minibatches(X, y, 16, seed=5))
    c = order_of(iterate_minibatches(X, y, 16, seed=6))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, y)  # actually shuffled


def test_minibatches_generator_seed_differs_per_epoch_but_run_reproducible():
    X = np.zeros((100, 2))
    y = np.arange(100)

    def run(seed):
        rng = np.random.default_rng(seed)
        return [order_of(iterate_minibatches(X, y, 16, seed=rng)) for _ in range(3)]

    first, second = run(11), run(11)
    assert not np.array_equal(first[0], first[1])
    for epoch_a, epoch_b in zip(first, second, strict=True):
        assert np.array_equal(epoch_a, epoch_b)


def test_minibatches_batches_are_copies():
    X = np.arange(6.0).reshape(3, 2)
    y = np.arange(3)
    for xb, yb in iterate_minibatches(X, y, 2, shuffle=False):
        xb[:] = -1.0
        yb[:] = -1
    assert np.array_equal(X, np.arange(6.0).reshape(3, 2))
    assert np.array_equal(y, np.arange(3))


@pytest.mark.parametrize("bad", [0, -1, 2.5, 4.0, True, "4", None])
def test_minibatches_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size") as info:
        iterate_minibatches(np.zeros((4, 2)), np.zeros(4), bad)
    assert repr(bad) in str(info.value)


def test_minibatches_accepts_numpy_int_batch_size():
    sizes = [len(yb) for _, yb in iterate_minibatches(np.zeros((5, 1)), np.zeros(5), np.int64(2))]
    assert sizes == [2, 2, 1]


def test_minibatches_length_mismatch():
    with pytest.raises(ValueError, match=r"len\(X\)=4.*len\(y\)=5"):
        iterate_minibatches(np.zeros((4, 2)), np.zeros(5), 2)

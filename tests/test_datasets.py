"""Tests for tinygrad_ce.datasets: iris and digits, the generators, splitting, scaling, batching."""

from __future__ import annotations

import fnmatch
import hashlib
import inspect
import math
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_ce.datasets import (
    Standardizer,
    iterate_minibatches,
    load_digits,
    load_iris,
    make_blobs,
    make_moons,
    make_spiral,
    train_test_split,
)
from tinygrad_ce.seeding import manual_seed

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


# --------------------------------------------------------------------------- load_digits

# sha256 of X.astype(int64).tobytes() + y.tobytes() (C order, little-endian), computed from
# scikit-learn 1.9.1's load_digits(); and of X.tobytes() as float64, scikit-learn's own dtype.
DIGITS_SHA256 = "267f86e03ae0481efa68bbcf4dcd04133dbc88a3145b0551cb2221500a4881e0"
DIGITS_X_FLOAT64_SHA256 = "20def7f70a702f0af9732fbba4375e147a7d54fe70d8c45569b8e7c1c7010c10"


def test_digits_shapes_dtypes_and_names():
    X, y, feature_names, target_names = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert feature_names[:2] == ["pixel_0_0", "pixel_0_1"] and feature_names[-1] == "pixel_7_7"
    assert len(feature_names) == 64
    assert target_names == [str(d) for d in range(10)]


def test_digits_checksum():
    X, y, _, _ = load_digits()
    assert np.array_equal(X, np.round(X))  # whole numbers, so the int64 view loses nothing
    digest = hashlib.sha256(X.astype(np.int64).tobytes() + y.tobytes()).hexdigest()
    assert digest == DIGITS_SHA256
    assert hashlib.sha256(X.tobytes()).hexdigest() == DIGITS_X_FLOAT64_SHA256


def test_digits_basic_facts():
    X, y, _, _ = load_digits()
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert X.min() == 0.0 and X.max() == 16.0
    assert int(X.sum()) == 561718
    # The left-most column of pixels is almost always blank (the digits are centred).
    assert X[:, 0].max() == 0.0
    assert y[:10].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert X[0].reshape(8, 8)[1].tolist() == [0, 0, 13, 15, 10, 15, 5, 0]


def test_digits_match_scikit_learn():
    sk_datasets = pytest.importorskip("sklearn.datasets")
    X, y, feature_names, _ = load_digits()
    theirs = sk_datasets.load_digits()
    assert np.array_equal(X, theirs.data) and X.dtype == theirs.data.dtype
    assert np.array_equal(y, theirs.target)
    assert feature_names == list(theirs.feature_names)


def test_digits_returns_fresh_copies():
    X1, y1, f1, _ = load_digits()
    X1[:] = -1.0
    y1[:] = 11
    f1.clear()
    X2, y2, f2, _ = load_digits()
    assert X2.min() == 0.0 and y2.max() == 9 and len(f2) == 64


def test_data_files_are_package_data():
    # Every data file next to the loaders matches a package-data pattern of pyproject.toml, so
    # it installs with the wheel (tests/test_wheel.py builds one and checks iris).
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["tinygrad_ce.datasets"]
    folder = resources.files("tinygrad_ce.datasets")
    data_files = [p.name for p in folder.iterdir() if p.name.endswith((".csv", ".gz"))]
    assert sorted(data_files) == ["digits.csv.gz", "iris.csv"]
    for name in data_files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


# --------------------------------------------------------------------------- generators


def test_moons_without_noise_are_two_half_circles():
    X, y = make_moons(101, shuffle=False)
    assert X.shape == (101, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 51]  # n // 2 in the outer moon, as scikit-learn
    outer, inner = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0)
    assert outer[:, 1].min() >= 0.0 and inner[:, 1].max() <= 0.5
    assert make_moons((3, 5), shuffle=False)[1].tolist() == [0] * 3 + [1] * 5


def test_moons_match_scikit_learn_without_noise():
    sk_datasets = pytest.importorskip("sklearn.datasets")
    for n in (1, 2, 7, 100, (4, 9)):
        X, y = make_moons(n, shuffle=False)
        X_sk, y_sk = sk_datasets.make_moons(n, shuffle=False)
        np.testing.assert_allclose(X, X_sk, atol=1e-15)
        assert np.array_equal(y, y_sk)


def test_moons_noise_and_shuffle():
    X0, y0 = make_moons(400, shuffle=False)
    X, y = make_moons(400, noise=0.1, seed=0, shuffle=False)
    assert np.array_equal(y, y0)
    assert 0.08 < np.std(X - X0) < 0.12  # the noise's standard deviation
    Xs, ys = make_moons(400, seed=0)
    assert np.any(np.diff(ys) < 0)  # shuffled
    order = np.lexsort(Xs.T)
    assert np.array_equal(Xs[order], X0[np.lexsort(X0.T)])  # the same points, reordered
    assert np.array_equal(ys[order], y0[np.lexsort(X0.T)])


def test_blobs_shapes_and_counts():
    X, y, centers = make_blobs(10, n_features=3, seed=0, return_centers=True)
    assert X.shape == (10, 3) and y.shape == (10,) and centers.shape == (3, 3)
    assert np.bincount(y).tolist() == [4, 3, 3]
    assert np.all(np.abs(centers) <= 10.0)
    X, y = make_blobs([5, 0, 2], seed=0, shuffle=False)
    assert y.tolist() == [0] * 5 + [2] * 2
    X, y = make_blobs(3000, centers=[[0.0, 0.0], [10.0, 10.0]], cluster_std=[0.5, 2.0], seed=1)
    np.testing.assert_allclose(X[y == 0].std(axis=0), 0.5, rtol=0.1)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), 10.0, atol=0.2)
    np.testing.assert_allclose(X[y == 1].std(axis=0), 2.0, rtol=0.1)


def test_blobs_match_scikit_learn_without_noise():
    sk_datasets = pytest.importorskip("sklearn.datasets")
    centers = [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    for n in (1, 10, 11, [2, 0, 5]):
        X, y = make_blobs(n, centers=centers, cluster_std=0.0, shuffle=False)
        X_sk, y_sk = sk_datasets.make_blobs(n, centers=centers, cluster_std=0.0, shuffle=False)
        assert np.array_equal(X, X_sk) and np.array_equal(y, y_sk)


def test_spiral_is_the_cs231n_spiral():
    X, y = make_spiral(seed=0)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    assert np.array_equal(y, np.repeat([0, 1, 2], 100))  # class by class, as in the notes
    # The notes' loop, with the same generator: r in [0, 1], angle 4j..4j+4 plus 0.2 noise.
    rng = np.random.default_rng(0)
    expected = np.zeros((300, 2))
    for j in range(3):
        r = np.linspace(0.0, 1, 100)
        t = np.linspace(j * 4, (j + 1) * 4, 100) + rng.standard_normal(100) * 0.2
        expected[100 * j : 100 * (j + 1)] = np.c_[r * np.sin(t), r * np.cos(t)]
    np.testing.assert_allclose(X, expected, rtol=1e-14, atol=1e-15)
    X5, y5 = make_spiral(20, n_classes=5, noise=0.0, seed=0, shuffle=True)
    assert X5.shape == (100, 2) and np.bincount(y5).tolist() == [20] * 5
    assert np.any(np.diff(y5) < 0)


@pytest.mark.parametrize(
    "make",
    [
        lambda s: make_moons(50, noise=0.1, seed=s),
        lambda s: make_blobs(50, seed=s),
        lambda s: make_spiral(20, seed=s),
    ],
    ids=["moons", "blobs", "spiral"],
)
def test_generators_are_seeded(make):
    a, b, c = make(3), make(3), make(4)
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])
    manual_seed(11)
    first, second = make(None), make(None)  # the default generator moves on between calls
    manual_seed(11)
    again = make(None)
    assert np.array_equal(first[0], again[0]) and not np.array_equal(first[0], second[0])
    rng = np.random.default_rng(3)
    assert np.array_equal(make(rng)[0], a[0])  # a Generator is used as it is


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(0), "n_samples must be an int >= 1, got 0"),
        (lambda: make_moons(2.5), "n_samples must be an int or a pair"),
        (lambda: make_moons((0, 0)), "at least one point"),
        (lambda: make_moons(10, noise=-0.1), "noise must be a finite number >= 0, got -0.1"),
        (lambda: make_moons(10, noise=math.nan), "noise must be a finite number"),
        (lambda: make_blobs(0), "n_samples must be an int >= 1"),
        (lambda: make_blobs(10, n_features=0), "n_features must be an int >= 1"),
        (lambda: make_blobs([3, 3], centers=3), "n_samples has 2 entries but there are 3"),
        (lambda: make_blobs(9, cluster_std=[1.0, 2.0]), "cluster_std has 2 entries"),
        (lambda: make_blobs(9, cluster_std=-1.0), "cluster_std must be a finite number >= 0"),
        (lambda: make_blobs(9, centers=[1.0, 2.0]), r"shape \(n_centers, n_features\)"),
        (lambda: make_spiral(0), "n_per_class must be an int >= 1, got 0"),
        (lambda: make_spiral(10, n_classes=True), "n_classes must be an int >= 1, got True"),
        (lambda: make_spiral(10, noise=math.inf), "noise must be a finite number"),
    ],
)
def test_generators_reject_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------- train_test_split


def test_split_iris_sizes_and_stratification():
    X, y, _, _ = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=True, seed=0)
    assert X_train.shape == (120, 4)
    assert X_test.shape == (30, 4)
    assert y_train.shape == (120,)
    assert y_test.shape == (30,)
    assert np.bincount(y_train).tolist() == [40, 40, 40]
    assert np.bincount(y_test).tolist() == [10, 10, 10]
    assert X_train.dtype == X.dtype
    assert y_train.dtype == y.dtype


def test_split_does_not_stratify_unless_asked():
    # 30 of 150 rows drawn without regard to class: over a few seeds the class counts of the
    # test part vary (stratified they would always be [10, 10, 10]).
    X, y, _, _ = load_iris()
    counts = {tuple(np.bincount(train_test_split(X, y, seed=s)[3], minlength=3)) for s in range(10)}
    assert all(sum(c) == 30 for c in counts)
    assert len(counts) > 1


def test_split_stratify_by_an_array_equals_stratify_true():
    X, y, _, _ = load_iris()
    a = train_test_split(X, y, stratify=True, seed=4)
    b = train_test_split(X, y, stratify=y, seed=4)
    c = train_test_split(X, y, stratify=y.tolist(), seed=4)
    for part_a, part_b, part_c in zip(a, b, c, strict=True):
        assert np.array_equal(part_a, part_b)
        assert np.array_equal(part_a, part_c)
    assert train_test_split(X, y, stratify=False, seed=4)[1].tolist() == (
        train_test_split(X, y, seed=4)[1].tolist()
    )


def test_split_stratify_by_other_labels_than_y():
    # Regression-style target, stratified by a separate group label.
    X = np.arange(40.0).reshape(20, 2)
    target = np.linspace(0.0, 1.0, 20)
    groups = np.repeat([0, 1], [5, 15])
    _, X_test, _, t_test = train_test_split(X, target, test_size=0.2, stratify=groups, seed=0)
    assert len(t_test) == 4
    assert np.bincount(groups[(X_test[:, 0] / 2).astype(int)]).tolist() == [1, 3]


def test_split_rows_stay_paired_with_labels():
    X, y, _, _ = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=True, seed=3)
    # Look every output row up in the original data. Iris has one duplicated
    # row (samples 102 and 143, both virginica), so the lookup stays unambiguous.
    lookup = {tuple(row): label for row, label in zip(X.tolist(), y.tolist(), strict=True)}
    assert len(lookup) == 149
    for Xp, yp in ((X_train, y_train), (X_test, y_test)):
        for row, label in zip(Xp.tolist(), yp.tolist(), strict=True):
            assert lookup[tuple(row)] == label


@pytest.mark.parametrize("stratify", [None, True])
def test_split_is_shuffled(stratify):
    X, y, _, _ = load_iris()
    _, _, y_train, y_test = train_test_split(X, y, stratify=stratify, seed=0)
    # Stored order is sorted by class; a shuffled split is not.
    assert np.any(np.diff(y_train) < 0)
    assert np.any(np.diff(y_test) < 0)


@pytest.mark.parametrize("stratify", [None, True])
def test_split_same_seed_same_split_other_seed_differs(stratify):
    X, y, _, _ = load_iris()
    a = train_test_split(X, y, stratify=stratify, seed=1)
    b = train_test_split(X, y, stratify=stratify, seed=1)
    c = train_test_split(X, y, stratify=stratify, seed=2)
    for part_a, part_b in zip(a, b, strict=True):
        assert np.array_equal(part_a, part_b)
    assert not np.array_equal(a[1], c[1])


def test_split_without_seed_follows_manual_seed():
    X, y, _, _ = load_iris()
    manual_seed(7)
    a = train_test_split(X, y)
    b = train_test_split(X, y)  # the default generator moved on: another split
    manual_seed(7)
    c = train_test_split(X, y)
    assert np.array_equal(a[1], c[1])
    assert not np.array_equal(a[1], b[1])


def test_split_generator_seed_is_used_as_is():
    X, y, _, _ = load_iris()
    rng = np.random.default_rng(5)
    first = train_test_split(X, y, seed=rng)[1]
    second = train_test_split(X, y, seed=rng)[1]
    assert not np.array_equal(first, second)
    assert np.array_equal(first, train_test_split(X, y, seed=np.random.default_rng(5))[1])


def test_split_does_not_modify_inputs_or_share_memory():
    X, y, _, _ = load_iris()
    X_before, y_before = X.copy(), y.copy()
    for kwargs in ({}, {"stratify": True}, {"shuffle": False}):
        parts = train_test_split(X, y, seed=0, **kwargs)
        assert np.array_equal(X, X_before)
        assert np.array_equal(y, y_before)
        for part in parts:
            assert not np.shares_memory(part, X)
            assert not np.shares_memory(part, y)


def test_split_accepts_lists():
    X = [[float(i)] for i in range(10)]
    y = [0] * 5 + [1] * 5
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, stratify=True, seed=0)
    assert isinstance(X_train, np.ndarray)
    assert X_test.shape == (4, 1)
    assert np.bincount(y_train).tolist() == [3, 3]
    assert np.bincount(y_test).tolist() == [2, 2]


@pytest.mark.parametrize(
    ("n", "test_size", "n_test"),
    [
        (150, 0.2, 30),
        (10, 0.25, 3),  # ceil(2.5), as scikit-learn
        (10, 0.01, 1),  # ceil: a float test_size > 0 always tests at least one row
        (100, 0.07, 7),  # 0.07 * 100 = 7.000000000000001 in floats; scikit-learn says 8
        (10, 3, 3),  # an int is a number of rows
        (10, 9, 9),
        (10, np.int64(2), 2),
        (10, np.float32(0.5), 5),
    ],
)
def test_split_sizes(n, test_size, n_test):
    X = np.zeros((n, 1))
    y = np.zeros(n)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, seed=0)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (
        n - n_test,
        n_test,
        n - n_test,
        n_test,
    )


def test_split_sizes_match_scikit_learn():
    model_selection = pytest.importorskip("sklearn.model_selection")
    y = np.repeat([0, 1, 2], [20, 13, 7])
    X = np.arange(40.0)
    for test_size in (0.1, 0.25, 0.5, 0.9, 5, 30):
        for stratify in (None, y):
            ours = train_test_split(X, y, test_size=test_size, stratify=stratify, seed=0)
            theirs = model_selection.train_test_split(
                X, y, test_size=test_size, stratify=stratify, random_state=0
            )
            assert [len(p) for p in ours] == [len(p) for p in theirs]
            if stratify is not None:  # both share out the test rows by largest remainder
                assert np.bincount(ours[3]).tolist() == np.bincount(theirs[3]).tolist()


def test_split_shuffle_false_keeps_order():
    X = np.arange(10.0)
    y = np.arange(10) % 2
    X_train, X_test, _, y_test = train_test_split(X, y, test_size=0.3, shuffle=False)
    assert X_train.tolist() == list(range(7))
    assert X_test.tolist() == [7.0, 8.0, 9.0]
    assert y_test.tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="shuffle"):
        train_test_split(X, y, shuffle=False, stratify=True)


@PROPERTY
@given(
    labels=labels_strategy(min_size=2),
    test_size=st.one_of(st.floats(0.01, 0.99), st.integers(1, 60)),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_property_partition(labels, test_size, seed):
    y = np.array(labels, dtype=np.int64)
    # Row i holds i, so each output row names the input row it came from.
    X = np.arange(y.size, dtype=np.float64).reshape(-1, 1)
    n_test = test_size if isinstance(test_size, int) else math.ceil(round(test_size * y.size, 9))
    if n_test >= y.size:
        with pytest.raises(ValueError, match="training part none"):
            train_test_split(X, y, test_size=test_size, seed=seed)
        return
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, seed=seed)
    assert len(y_test) == n_test and len(y_train) == y.size - n_test
    ids = np.concatenate([X_train[:, 0], X_test[:, 0]]).astype(np.int64)
    assert sorted(ids.tolist()) == list(range(y.size))  # no row lost or duplicated
    assert np.array_equal(y[X_train[:, 0].astype(np.int64)], y_train)
    assert np.array_equal(y[X_test[:, 0].astype(np.int64)], y_test)


@PROPERTY
@given(
    counts=st.lists(st.integers(2, 30), min_size=1, max_size=6),
    test_size=st.floats(0.01, 0.99),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_property_stratified(counts, test_size, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.arange(y.size, dtype=np.float64).reshape(-1, 1)
    n, k = y.size, len(counts)
    n_test = math.ceil(round(test_size * n, 9))
    if not k <= n_test <= n - k:
        with pytest.raises(ValueError, match=r"cannot stratify|training part none"):
            train_test_split(X, y, test_size=test_size, stratify=True, seed=seed)
        return
    _, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=True, seed=seed
    )
    test_counts = np.bincount(y_test, minlength=k)
    train_counts = np.bincount(y_train, minlength=k)
    assert test_counts.sum() == n_test  # the same size as without stratify
    assert np.array_equal(test_counts + train_counts, counts)
    assert test_counts.min() >= 1 and train_counts.min() >= 1  # every class in both parts
    # Proportional, up to rounding and the one-row minimum in each part.
    ideal = n_test * np.array(counts) / n
    assert np.all(np.abs(test_counts - ideal) < 2)
    assert np.array_equal(y[X_test[:, 0].astype(np.int64)], y_test)


@PROPERTY
@given(n_per_class=st.integers(2, 40), test_size=st.floats(0.05, 0.95))
def test_split_property_class_proportions_equal(n_per_class, test_size):
    y = np.repeat(np.arange(3), n_per_class)
    X = np.zeros((y.size, 2))
    n_test = math.ceil(round(test_size * y.size, 9))
    if not 3 <= n_test <= y.size - 3:
        return
    _, _, y_train, y_test = train_test_split(X, y, test_size=test_size, stratify=True, seed=0)
    # Equal-sized classes stay equal-sized in both parts, up to one row of remainder.
    for counts in (np.bincount(y_train, minlength=3), np.bincount(y_test, minlength=3)):
        assert counts.max() - counts.min() <= 1


def test_split_a_class_too_small_to_stratify_is_named():
    X = np.zeros((12, 1))
    y = np.array(["a"] * 6 + ["b"] * 5 + ["rare"])
    with pytest.raises(ValueError, match="class 'rare' has only 1 row"):
        train_test_split(X, y, stratify=True, seed=0)
    # A class of two rows reaches both parts (it would get 0.4 of a test row by proportion).
    y = np.repeat([0, 1], [18, 2])
    _, _, y_train, y_test = train_test_split(np.zeros((20, 1)), y, stratify=True, seed=0)
    assert np.bincount(y_test).tolist() == [3, 1]
    assert np.bincount(y_train).tolist() == [15, 1]


def test_split_continuous_labels_cannot_be_stratified_but_split_plainly():
    X = np.zeros((10, 1))
    y = np.linspace(0.0, 1.0, 10)
    X_train, X_test, _, _ = train_test_split(X, y, seed=0)  # no stratification: fine
    assert (len(X_train), len(X_test)) == (8, 2)
    with pytest.raises(ValueError, match=r"class 0\.0 has only 1 row"):
        train_test_split(X, y, stratify=True, seed=0)


def test_split_a_part_too_small_for_every_class():
    X = np.zeros((30, 1))
    y = np.repeat([0, 1, 2], 10)
    with pytest.raises(ValueError, match=r"\(test\).*fewer than the 3 classes"):
        train_test_split(X, y, test_size=2, stratify=True, seed=0)
    with pytest.raises(ValueError, match=r"2 \(train\).*fewer than the 3 classes"):
        train_test_split(X, y, test_size=28, stratify=True, seed=0)


@pytest.mark.parametrize(("n", "test_size"), [(5, 0.99), (5, 5), (5, 6), (1, 0.5)])
def test_split_empty_training_part_is_an_error(n, test_size):
    with pytest.raises(ValueError, match=f"with {n} rows.*training part none"):
        train_test_split(np.zeros((n, 2)), np.zeros(n), test_size=test_size)


def test_split_no_rows_is_an_error():
    with pytest.raises(ValueError, match="with 0 rows"):
        train_test_split(np.zeros((0, 2)), np.zeros(0))


@pytest.mark.parametrize("bad", [0, -1, 0.0, 1.0, -0.1, 1.5, math.nan, math.inf, "0.2", True, None])
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
    with pytest.raises(ValueError, match=r"stratify must have one label per row \(10 rows\)"):
        train_test_split(X, np.zeros(10), stratify=np.zeros(9))


def test_split_multilabel_y():
    # 2-D y (multi-label): rows travel together; stratify=True uses each distinct label row.
    X = np.arange(24.0).reshape(12, 2)
    Y = np.array([[1, 0], [0, 1], [1, 1]] * 4)
    _, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.25, seed=0)
    assert Y_train.shape == (9, 2) and Y_test.shape == (3, 2)
    assert np.array_equal(Y[(X_test[:, 0] / 2).astype(int)], Y_test)
    _, _, _, Y_test = train_test_split(X, Y, test_size=3, stratify=True, seed=0)
    assert sorted(map(tuple, Y_test.tolist())) == [(0, 1), (1, 0), (1, 1)]
    with pytest.raises(ValueError, match=r"class \[0, 1\] has only 1 row"):
        train_test_split(X[:4], Y[:4], stratify=True, seed=0)


def test_split_rejects_a_scalar_y():
    with pytest.raises(ValueError, match="y must be at least 1-dimensional"):
        train_test_split(np.zeros((4, 2)), np.float64(1.0))


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
    std = X.std(axis=0)
    # Columns with real spread get mean 0 and unit std; near-constant ones (a spread of 1e-47
    # around 1e-38, say) are ill-conditioned and only need to stay finite.
    spread = std > 1e-6 * np.maximum(np.abs(X).max(axis=0), 1.0)
    np.testing.assert_allclose(Z.mean(axis=0)[spread], 0.0, atol=1e-6)
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


def test_minibatches_accept_2d_targets():
    X = np.arange(10.0).reshape(5, 2)
    Y = np.eye(5)[:, :3]  # multi-label rows
    batches = list(iterate_minibatches(X, Y, batch_size=2, seed=0))
    assert [yb.shape for _, yb in batches] == [(2, 3), (2, 3), (1, 3)]
    for xb, yb in batches:
        assert np.array_equal(yb, Y[(xb[:, 0] / 2).astype(int)])  # rows stay paired


def test_minibatches_without_seed_follow_manual_seed():
    X, y = np.zeros((50, 1)), np.arange(50)
    manual_seed(3)
    first = order_of(iterate_minibatches(X, y, 8))
    second = order_of(iterate_minibatches(X, y, 8))
    manual_seed(3)
    assert np.array_equal(order_of(iterate_minibatches(X, y, 8)), first)
    assert not np.array_equal(first, second)

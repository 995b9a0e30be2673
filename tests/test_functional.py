"""tinygrad_ce.functional: literal examples, gradchecks on drawn shapes, properties, stability,
edge cases and bad input. PyTorch parity lives in test_functional_torch.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_ce as tg
from tinygrad_ce import Tensor
from tinygrad_ce import functional as F
from tinygrad_ce.testing import arrays, check_op, class_targets, shapes

REDUCTIONS = ("mean", "sum", "none")
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
GRADCHECK_EXAMPLES = 40

rng = np.random.default_rng(2024)


def class_axis(shape):
    return 0 if len(shape) == 1 else 1


def num_classes(shape):
    return shape[class_axis(shape)]


def scalar(loss):
    """A one-element result to call backward() on; 'none' results are summed with weights."""
    if loss.size == 1:
        return loss.reshape(())
    return (loss * rng.standard_normal(loss.shape)).sum()


def value_and_grad(fn, x, *args, **kwargs):
    """fn's value and the gradient of its (randomly weighted) sum w.r.t. x, on a fresh copy."""
    t = Tensor(np.array(x), requires_grad=True)
    out = fn(t, *args, **kwargs)
    state = np.random.default_rng(0)
    direction = state.standard_normal(out.shape)
    out.backward(direction)
    return out.data, t.grad


# --------------------------------------------------------------------------- strategies


@st.composite
def logits_shapes(draw, min_batch=1):
    """(C,), (N, C) or (N, C, d1[, d2]): small enough for finite differences."""
    classes = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["unbatched", "batched", "k-dim"]))
    if kind == "unbatched":
        return (classes,)
    batch = draw(st.integers(min_batch, 3))
    extra = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)) if kind == "k-dim" else []
    return (batch, classes, *extra)


def logits(min_batch=1, low=-4.0, high=4.0):
    return logits_shapes(min_batch).flatmap(lambda shape: arrays(shape, low, high))


@st.composite
def shape_broadcasting_to(draw, shape):
    """A shape that broadcasts to ``shape`` (a suffix of it with some sides set to 1)."""
    ndim = draw(st.integers(0, len(shape)))
    tail = shape[len(shape) - ndim :]
    return tuple(draw(st.sampled_from([1, n])) for n in tail)


@st.composite
def index_target_options(
    draw, x, reduction=None, weighted=None, ignoring=None, smoothed=None, min_counted=1
):
    """target, weight, ignore_index, reduction and label_smoothing for logits x.

    Each of ``reduction``, ``weighted`` (a weight or None), ``ignoring`` (ignore_index a real
    class, or -100 / -1), ``smoothed`` (label smoothing in (0, 1] or 0; None: no such argument)
    is drawn unless given. At least ``min_counted`` targets are not ignored, so the mean is
    defined.
    """
    shape = x.shape
    classes = num_classes(shape)
    if ignoring is None:
        ignoring = draw(st.booleans())
    if ignoring and classes > 1:
        ignore_index = draw(st.integers(0, classes - 1))
    else:
        ignore_index = draw(st.sampled_from([-100, -1]))
    target = draw(class_targets(shape, ignore_index))
    if min_counted and np.all(target == ignore_index):
        np.put(target, 0, (ignore_index + 1) % classes)
    if weighted is None:
        weighted = draw(st.booleans())
    options = {
        "target": target,
        "weight": draw(arrays((classes,), 0.1, 2.0)) if weighted else None,
        "ignore_index": ignore_index,
        "reduction": draw(st.sampled_from(REDUCTIONS)) if reduction is None else reduction,
    }
    if smoothed is not None:
        options["label_smoothing"] = draw(smoothing() if smoothed else st.just(0.0))
    return options


@st.composite
def probability_target_options(draw, x, reduction=None, weighted=None, smoothed=None):
    classes = num_classes(x.shape)
    weighted = draw(st.booleans()) if weighted is None else weighted
    smoothed = draw(st.booleans()) if smoothed is None else smoothed
    return {
        "target": draw(arrays(x.shape, 0.0, 1.0)),
        "weight": draw(arrays((classes,), 0.1, 2.0)) if weighted else None,
        "reduction": draw(st.sampled_from(REDUCTIONS)) if reduction is None else reduction,
        "label_smoothing": draw(smoothing() if smoothed else st.just(0.0)),
    }


def smoothing():
    return st.one_of(st.just(1.0), st.floats(0.0, 1.0, exclude_min=True))


def one_hot_along_class_axis(target, classes):
    """One-hot probabilities with the class axis where the logits have it."""
    encoded = F.one_hot(target, classes).numpy().astype(np.float64)
    return encoded if encoded.ndim == 1 else np.moveaxis(encoded, -1, 1)


# --------------------------------------------------------------------------- literal examples


def test_tutorial_example_two_samples_float32():
    logits = Tensor([[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]])
    loss = F.cross_entropy(logits, [1, 2])
    assert loss.dtype == np.float32
    assert abs(loss.item() - 1.12008) <= 5e-6


def test_tutorial_example_three_samples():
    logits = Tensor([[0.3, 0.1, 0.3], [0.9, 0.2, 0.9], [0.5, 0.4, 0.2]])
    loss = F.cross_entropy(logits, [1, 2, 0])
    assert abs(loss.item() - 1.04138) <= 5e-6


def test_tutorial_example_softmax_and_one_hot_target():
    z = Tensor([3.0, 1.0, -1.0])
    np.testing.assert_allclose(F.softmax(z).data, [0.8668, 0.1173, 0.0159], atol=5e-5)
    as_probabilities = F.cross_entropy(z, [1.0, 0.0, 0.0])
    as_index = F.cross_entropy(z, 0)
    assert abs(as_probabilities.item() - 0.14293) <= 5e-6
    assert abs(as_index.item() - 0.14293) <= 5e-6


@pytest.mark.parametrize(
    ("probabilities", "expected"),
    [
        ([[0.3, 0.3, 0.4], [0.3, 0.4, 0.3], [0.1, 0.2, 0.7]], 1.3783888522474517),
        ([[0.1, 0.2, 0.7], [0.1, 0.7, 0.2], [0.3, 0.4, 0.3]], 0.6391075640678003),
    ],
)
def test_scikit_learn_log_loss_example(probabilities, expected):
    p = Tensor(np.array(probabilities))
    loss = F.nll_loss(p.log(), np.array([2, 1, 0]))
    assert loss.dtype == np.float64
    assert loss.item() == pytest.approx(expected, rel=1e-15)


# --------------------------------------------------------------------------- gradchecks


def test_gradcheck_softmax_and_log_softmax():
    def params(x):
        return st.fixed_dictionaries(
            {"axis": st.integers(-x.ndim, x.ndim - 1), "which": st.sampled_from([0, 1])}
        )

    def fn(x, axis, which):
        return F.softmax(x, axis=axis) if which == 0 else F.log_softmax(x, dim=axis)

    check_op(fn, arrays(shapes(min_dims=1)), params, max_examples=GRADCHECK_EXAMPLES)


def test_gradcheck_logsumexp():
    def params(x):
        one = st.integers(-x.ndim, x.ndim - 1)
        several = st.lists(st.integers(0, x.ndim - 1), min_size=1, unique=True).map(tuple)
        return st.fixed_dictionaries(
            {"axis": st.one_of(one, several, st.none()), "keepdims": st.booleans()}
        )

    check_op(F.logsumexp, arrays(shapes(min_dims=1)), params, max_examples=GRADCHECK_EXAMPLES)


WEIGHTED = pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
REDUCTION = pytest.mark.parametrize("reduction", REDUCTIONS)


@REDUCTION
@WEIGHTED
@pytest.mark.parametrize("ignoring", [False, True], ids=["no-ignore", "ignore-a-class"])
@pytest.mark.parametrize("smoothed", [False, True], ids=["unsmoothed", "smoothed"])
def test_gradcheck_cross_entropy_class_indices(reduction, weighted, ignoring, smoothed):
    check_op(
        F.cross_entropy,
        logits(),
        lambda x: index_target_options(x, reduction, weighted, ignoring, smoothed),
        max_examples=GRADCHECK_EXAMPLES,
    )


@REDUCTION
@WEIGHTED
@pytest.mark.parametrize("smoothed", [False, True], ids=["unsmoothed", "smoothed"])
def test_gradcheck_cross_entropy_class_probabilities(reduction, weighted, smoothed):
    check_op(
        F.cross_entropy,
        logits(),
        lambda x: probability_target_options(x, reduction, weighted, smoothed),
        max_examples=GRADCHECK_EXAMPLES,
    )


@REDUCTION
@WEIGHTED
@pytest.mark.parametrize("ignoring", [False, True], ids=["no-ignore", "ignore-a-class"])
def test_gradcheck_nll_loss(reduction, weighted, ignoring):
    check_op(
        F.nll_loss,
        logits(),
        lambda x: index_target_options(x, reduction, weighted, ignoring),
        max_examples=GRADCHECK_EXAMPLES,
    )


@st.composite
def binary_options(draw, x, reduction, weighted, pos_weighted=None):
    """target in [0, 1]; weight and pos_weight of shapes that broadcast to x's."""
    options = {"target": draw(arrays(x.shape, 0.0, 1.0)), "reduction": reduction}
    broadcasting = shape_broadcasting_to(x.shape)
    options["weight"] = draw(broadcasting.flatmap(arrays)) if weighted else None
    if pos_weighted is not None:
        pos_weight = broadcasting.flatmap(lambda shape: arrays(shape, 0.1, 3.0))
        options["pos_weight"] = draw(pos_weight) if pos_weighted else None
    return options


@REDUCTION
@WEIGHTED
@pytest.mark.parametrize("pos_weighted", [False, True], ids=["", "pos_weight"])
def test_gradcheck_binary_cross_entropy_with_logits(reduction, weighted, pos_weighted):
    values = st.one_of(st.just(0.0), st.floats(-6, 6))  # x = 0 exactly, where |x| has a kink
    check_op(
        F.binary_cross_entropy_with_logits,
        shapes().flatmap(lambda s: hnp.arrays(np.float64, s, elements=values)),
        lambda x: binary_options(x, reduction, weighted, pos_weighted),
        max_examples=GRADCHECK_EXAMPLES,
    )


@REDUCTION
@WEIGHTED
def test_gradcheck_binary_cross_entropy(reduction, weighted):
    check_op(
        F.binary_cross_entropy,
        arrays(low=0.02, high=0.98),
        lambda x: binary_options(x, reduction, weighted),
        max_examples=GRADCHECK_EXAMPLES,
    )


@st.composite
def kl_options(draw, x, reduction, log_target):
    shape = draw(shape_broadcasting_to(x.shape))
    if log_target:
        target = draw(arrays(shape, -3.0, 1.0))
    else:  # probabilities, exact zeros included (t log t is 0 there)
        target = draw(hnp.arrays(np.float64, shape, elements=st.just(0.0) | st.floats(0, 1)))
    return {"target": target, "reduction": reduction, "log_target": log_target}


@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_gradcheck_kl_div(reduction, log_target):
    check_op(
        F.kl_div,
        arrays(),
        lambda x: kl_options(x, reduction, log_target),
        max_examples=GRADCHECK_EXAMPLES,
    )


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(data=st.data())
def test_index_targets_equal_their_one_hot_probabilities(data):
    x = data.draw(logits())
    target = data.draw(class_targets(x.shape))
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    probabilities = one_hot_along_class_axis(target, num_classes(x.shape))
    value, grad = value_and_grad(F.cross_entropy, x, target, reduction=reduction)
    value_p, grad_p = value_and_grad(F.cross_entropy, x, probabilities, reduction=reduction)
    np.testing.assert_allclose(value, value_p, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad, grad_p, rtol=1e-12, atol=1e-14)


@PROPERTY
@given(data=st.data())
def test_label_smoothing_equals_smoothed_probability_targets(data):
    x = data.draw(logits())
    target = data.draw(class_targets(x.shape))
    eps = data.draw(st.floats(0.0, 1.0))
    reduction = data.draw(st.sampled_from(REDUCTIONS))
    classes = num_classes(x.shape)
    smoothed = (1 - eps) * one_hot_along_class_axis(target, classes) + eps / classes
    value, grad = value_and_grad(
        F.cross_entropy, x, target, reduction=reduction, label_smoothing=eps
    )
    value_p, grad_p = value_and_grad(F.cross_entropy, x, smoothed, reduction=reduction)
    np.testing.assert_allclose(value, value_p, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(grad, grad_p, rtol=1e-11, atol=1e-13)


@PROPERTY
@given(data=st.data())
def test_gradient_of_mean_loss_is_softmax_minus_one_hot_over_n(data):
    n, c = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    x = data.draw(arrays((n, c), -10.0, 10.0))
    target = data.draw(class_targets((n, c)))
    t = Tensor(x, requires_grad=True)
    F.cross_entropy(t, target).backward()
    softmax = np.exp(x - x.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    expected = (softmax - np.eye(c)[target]) / n
    np.testing.assert_allclose(t.grad, expected, rtol=1e-12, atol=1e-15)


@PROPERTY
@given(data=st.data())
def test_shifting_all_logits_changes_nothing(data):
    x = data.draw(logits())
    options = data.draw(index_target_options(x, smoothed=data.draw(st.booleans())))
    shift = data.draw(st.floats(-50, 50))
    value, grad = value_and_grad(F.cross_entropy, x, **options)
    value_s, grad_s = value_and_grad(F.cross_entropy, x + shift, **options)
    np.testing.assert_allclose(value, value_s, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad, grad_s, rtol=1e-10, atol=1e-12)
    for fn in (F.softmax, F.log_softmax):
        np.testing.assert_allclose(
            value_and_grad(fn, x, axis=0)[1], value_and_grad(fn, x + shift, axis=0)[1], atol=1e-10
        )


@PROPERTY
@given(data=st.data())
def test_k_dim_input_equals_flattened_input(data):
    n, c = data.draw(st.integers(0, 3)), data.draw(st.integers(1, 4))
    extra = tuple(data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    x = data.draw(arrays((n, c, *extra)))
    options = data.draw(index_target_options(x, smoothed=data.draw(st.booleans()), min_counted=0))
    if options["reduction"] == "mean":
        options["reduction"] = "sum"  # the all-ignored mean is NaN; sum/none compare exactly
    flat_x = np.moveaxis(x, 1, -1).reshape(-1, c)
    flat = dict(options, target=options["target"].reshape(-1))
    t, tf = Tensor(x, requires_grad=True), Tensor(flat_x, requires_grad=True)
    loss, flat_loss = F.cross_entropy(t, **options), F.cross_entropy(tf, **flat)
    np.testing.assert_allclose(loss.data.reshape(-1), flat_loss.data, rtol=1e-12, atol=1e-14)
    upstream = rng.standard_normal(loss.shape)
    loss.backward(upstream)
    flat_loss.backward(upstream.reshape(flat_loss.shape))
    expected = np.moveaxis(tf.grad.reshape(n, *extra, c), -1, 1)
    np.testing.assert_allclose(t.grad, expected, rtol=1e-12, atol=1e-14)


@PROPERTY
@given(data=st.data())
def test_cross_entropy_is_nll_of_log_softmax(data):
    x = data.draw(logits())
    options = data.draw(index_target_options(x))
    axis = class_axis(x.shape)
    value, grad = value_and_grad(F.cross_entropy, x, **options)
    value_n, grad_n = value_and_grad(
        lambda t, **o: F.nll_loss(F.log_softmax(t, axis), **o), x, **options
    )
    np.testing.assert_allclose(value, value_n, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad, grad_n, rtol=1e-12, atol=1e-14)


@PROPERTY
@given(x=arrays(shapes(min_dims=1), -20.0, 20.0), data=st.data())
def test_softmax_family_matches_numpy(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    e = np.exp(x)
    expected = e / e.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(F.softmax(Tensor(x), axis).data, expected, rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(Tensor(x), axis).data, np.log(expected), atol=1e-12)
    np.testing.assert_allclose(
        F.logsumexp(Tensor(x), axis, keepdims=True).data,
        np.log(e.sum(axis=axis, keepdims=True)),
        rtol=1e-12,
        atol=1e-12,
    )


@PROPERTY
@given(x=arrays(low=-8, high=8), data=st.data())
def test_binary_losses_agree_with_each_other_and_numpy(x, data):
    target = data.draw(arrays(x.shape, 0.0, 1.0))
    p = 1 / (1 + np.exp(-x))
    expected = -(target * np.log(p) + (1 - target) * np.log(1 - p))
    with_logits = F.binary_cross_entropy_with_logits(Tensor(x), target, reduction="none")
    on_probabilities = F.binary_cross_entropy(Tensor(p), target, reduction="none")
    np.testing.assert_allclose(with_logits.data, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(on_probabilities.data, expected, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F.cross_entropy(x, [1, 0, 2]),
        lambda x: F.cross_entropy(x, [1, 0, 2], label_smoothing=0.1, weight=[1.0, 2.0, 3.0]),
        lambda x: F.cross_entropy(x, np.full((3, 3), 1 / 3)),
        lambda x: F.softmax(x) * [1.0, 2.0, 3.0],
        lambda x: F.log_softmax(x, dim=0) * [1.0, 2.0, 3.0],
        lambda x: F.logsumexp(x, axis=1),
    ],
    ids=["ce", "ce-smoothing-weight", "ce-probabilities", "softmax", "log_softmax", "logsumexp"],
)
def test_huge_logits_give_finite_values_and_gradients(fn, dtype):
    huge = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, 1e4]], dtype=dtype)
    x = Tensor(huge, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = fn(x)
        scalar(out).backward()
    assert out.dtype == dtype and x.grad.dtype == dtype
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad))


def test_huge_logits_cross_entropy_values():
    x = Tensor(np.array([[1e4, -1e4, 0.0], [0.0, 1e4, -1e4]], dtype=np.float32))
    loss = F.cross_entropy(x, [1, 1], reduction="none")
    np.testing.assert_allclose(loss.data, [2e4, 0.0], rtol=1e-6, atol=1e-6)


def test_minus_infinity_logits():
    x = Tensor(np.array([[0.0, 1.0, -np.inf], [-np.inf, -np.inf, -np.inf]]), requires_grad=True)
    probabilities = F.softmax(x)
    assert probabilities.data[0, 2] == 0.0
    np.testing.assert_allclose(probabilities.data[0, :2].sum(), 1.0)
    assert np.all(np.isnan(probabilities.data[1]))  # 0/0, as PyTorch
    log_p = F.log_softmax(x)
    assert log_p.data[0, 2] == -np.inf and np.all(np.isfinite(log_p.data[0, :2]))
    lse = F.logsumexp(x)
    assert lse.data[1] == -np.inf
    np.testing.assert_allclose(lse.data[0], np.log(1 + np.e))
    # a -inf logit on a class that is not the target: finite loss, zero gradient there
    row = Tensor(np.array([[0.0, 1.0, -np.inf]]), requires_grad=True)
    loss = F.cross_entropy(row, [0], label_smoothing=0.0)
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(row.grad)) and row.grad[0, 2] == 0.0
    (F.log_softmax(row)[0, :2]).sum().backward()  # a finite gradient with a -inf entry around
    assert np.all(np.isfinite(row.grad))


def test_binary_cross_entropy_with_logits_at_plus_minus_200_float32():
    x = Tensor(np.array([200.0, -200.0, 200.0, -200.0, 0.0], dtype=np.float32), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
        loss.sum().backward()
        pos = F.binary_cross_entropy_with_logits(
            x, t, reduction="sum", pos_weight=np.float32(3.0), weight=t + 1
        )
        pos.backward()
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 200.0, 200.0, np.log(2)], rtol=1e-6)
    assert np.all(np.isfinite(pos.data)) and np.all(np.isfinite(x.grad))


@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_binary_cross_entropy_with_logits_gradient_at_zero_is_exact(t):
    x = Tensor(np.array([0.0]), requires_grad=True)
    F.binary_cross_entropy_with_logits(x, [t], reduction="sum").backward()
    assert x.grad[0] == pytest.approx(0.5 - t, abs=1e-15)  # not 1.5 - t or -0.5 - t
    x = Tensor(np.array([0.0]), requires_grad=True)
    F.binary_cross_entropy_with_logits(x, [t], reduction="sum", pos_weight=[2.5]).backward()
    assert x.grad[0] == pytest.approx((1 + 1.5 * t) * 0.5 - 2.5 * t, abs=1e-15)


def test_binary_cross_entropy_at_exactly_zero_and_one():
    x = Tensor(np.array([0.0, 1.0, 0.0, 1.0, 1e-45, 0.5]), requires_grad=True)
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.5])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = F.binary_cross_entropy(x, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 100.0, 100.0, 100.0, np.log(2)])
    assert np.all(np.isfinite(x.grad))
    # the slope of the term that is not clamped; 0 from a clamped log (PyTorch: hand formula)
    np.testing.assert_allclose(x.grad, [1.0, -1.0, 0.0, 0.0, 0.0, 0.0])


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("weight", [None, [1.0, 2.0, 0.5]])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_every_target_ignored(fn, label_smoothing, weight):
    kwargs = {"weight": weight, "ignore_index": 1}
    if fn == "cross_entropy":
        kwargs["label_smoothing"] = label_smoothing
    loss_fn = getattr(F, fn)
    for reduction, expected in (("mean", np.nan), ("sum", 0.0), ("none", [0.0, 0.0])):
        x = Tensor(rng.standard_normal((2, 3, 2)), requires_grad=True)
        loss = loss_fn(x, np.ones((2, 2), dtype=np.int64), reduction=reduction, **kwargs)
        np.testing.assert_array_equal(loss.data, np.broadcast_to(expected, loss.shape))
        scalar(loss).backward()
        np.testing.assert_array_equal(x.grad, np.zeros_like(x.data))


@pytest.mark.parametrize(
    ("shape", "target", "none_shape"),
    [
        ((0, 3), np.zeros(0, np.int64), (0,)),
        ((0, 3, 2), np.zeros((0, 2), np.int64), (0, 2)),
        ((0, 3), np.zeros((0, 3)), (0,)),
        ((0, 3, 2), np.zeros((0, 3, 2)), (0, 2)),
    ],
    ids=["index", "index-k-dim", "probabilities", "probabilities-k-dim"],
)
def test_empty_batch(shape, target, none_shape):
    x = Tensor(np.zeros(shape), requires_grad=True)
    assert F.cross_entropy(x, target, reduction="none").shape == none_shape
    assert F.cross_entropy(x, target, reduction="sum").item() == 0.0
    loss = F.cross_entropy(x, target, label_smoothing=0.1)
    assert np.isnan(loss.item())
    loss.backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F.binary_cross_entropy_with_logits(x, np.zeros((0, 2))),
        lambda x: F.binary_cross_entropy(x.sigmoid(), np.zeros((0, 2))),
        lambda x: F.kl_div(x, np.zeros((0, 2)), reduction="batchmean"),
        lambda x: F.kl_div(x, np.zeros((0, 2))),
        lambda x: F.nll_loss(x, np.zeros(0, np.int64)),
    ],
)
def test_mean_of_an_empty_batch_is_nan(fn):
    assert np.isnan(fn(Tensor(np.zeros((0, 2)), requires_grad=True)).item())


def test_unbatched_input():
    x = rng.standard_normal(4)
    batched = F.cross_entropy(Tensor(x[None]), [2], reduction="none")
    single = F.cross_entropy(Tensor(x), 2, reduction="none")
    assert single.shape == ()
    np.testing.assert_allclose(single.data, batched.data[0])


# --------------------------------------------------------------------------- dtypes and inputs


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F.cross_entropy(x, np.array([1, 0]), weight=np.array([1.0, 2.0, 3.0])),
        lambda x: F.cross_entropy(x, np.full((2, 3), 1 / 3), label_smoothing=0.1),
        lambda x: F.cross_entropy(x, [1, 0], label_smoothing=0.1, weight=[1.0, 2.0, 3.0]),
        lambda x: F.nll_loss(x, np.array([1, 0], dtype=np.uint8), weight=np.ones(3)),
        lambda x: F.binary_cross_entropy_with_logits(
            x, np.ones((2, 3)), weight=np.ones(3), pos_weight=np.full(3, 2.0)
        ),
        lambda x: F.binary_cross_entropy(x.sigmoid(), np.ones((2, 3)), weight=np.ones((2, 1))),
        lambda x: F.kl_div(x, np.full((2, 3), 0.5), reduction="batchmean"),
        lambda x: F.kl_div(x, np.zeros((2, 3)), log_target=True),
        lambda x: F.softmax(x),
        lambda x: F.log_softmax(x),
        lambda x: F.logsumexp(x),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_result_and_gradient_keep_the_input_dtype(fn, dtype):
    x = Tensor(rng.standard_normal((2, 3)).astype(dtype), requires_grad=True)
    out = fn(x)
    assert out.dtype == dtype
    scalar(out).backward()
    assert x.grad.dtype == dtype


@pytest.mark.parametrize(
    ("target", "weight"),
    [
        ([3, 0, 1], [0.5, 1.0, 2.0, 1.5]),
        (Tensor([3, 0, 1]), Tensor(np.array([0.5, 1.0, 2.0, 1.5]))),
        (np.array([3, 0, 1], dtype=np.int32), np.array([0.5, 1.0, 2.0, 1.5], dtype=np.float32)),
        (np.array([3, 0, 1], dtype=np.uint8), np.array([1, 2, 4, 3]) / 2),
    ],
    ids=["lists", "Tensors", "int32-float32", "uint8"],
)
def test_targets_and_weights_may_be_arrays_lists_or_tensors(target, weight):
    x = rng.standard_normal((3, 4))
    expected = F.cross_entropy(Tensor(x), np.array([3, 0, 1]), weight=np.array([1, 2, 4, 3]) / 2)
    loss = F.cross_entropy(Tensor(x), target, weight=weight)
    assert loss.item() == expected.item()


def test_no_input_is_modified():
    x = rng.standard_normal((3, 4, 2))
    target = np.array([[0, 1], [3, -100], [2, 2]])
    probabilities = rng.random((3, 4, 2))
    weight = rng.random(4)
    binary_target = rng.random((3, 4, 2))
    pos_weight = rng.random((4, 1)) + 0.5
    saved = [a.copy() for a in (x, target, probabilities, weight, binary_target, pos_weight)]
    tensor_target = Tensor(target)
    calls = [
        lambda t: F.cross_entropy(t, target, weight=weight, label_smoothing=0.3),
        lambda t: F.cross_entropy(t, tensor_target, weight=Tensor(weight)),
        lambda t: F.cross_entropy(t, probabilities, weight=weight, label_smoothing=0.3),
        lambda t: F.nll_loss(t, target, weight=weight),
        lambda t: F.binary_cross_entropy_with_logits(
            t, binary_target, weight=weight[:, None], pos_weight=pos_weight
        ),
        lambda t: F.binary_cross_entropy(t.sigmoid(), binary_target, weight=weight[:, None]),
        lambda t: F.kl_div(t, binary_target, reduction="batchmean"),
        lambda t: F.softmax(t, axis=1) * binary_target,
        lambda t: F.logsumexp(t, axis=1),
    ]
    for call in calls:
        t = Tensor(x, requires_grad=True)
        data_before = t.data.copy()
        scalar(call(t)).backward()
        np.testing.assert_array_equal(t.data, data_before)
    for array, copy in zip((x, target, probabilities, weight, binary_target, pos_weight), saved):
        np.testing.assert_array_equal(array, copy)
    np.testing.assert_array_equal(tensor_target.data, target)


def test_dim_is_an_alias_of_axis():
    x = Tensor(rng.standard_normal((2, 3)))
    np.testing.assert_array_equal(F.softmax(x, dim=0).data, F.softmax(x, axis=0).data)
    np.testing.assert_array_equal(F.log_softmax(x, dim=0).data, F.log_softmax(x, 0).data)
    np.testing.assert_array_equal(F.logsumexp(x, dim=0).data, F.logsumexp(x, axis=0).data)
    with pytest.raises(TypeError, match="either axis or dim"):
        F.softmax(x, axis=0, dim=1)


def test_one_hot():
    encoded = F.one_hot(np.array([[2, 0], [1, 2]], dtype=np.uint8))
    assert isinstance(encoded, Tensor) and encoded.dtype == np.int64
    assert encoded.shape == (2, 2, 3) and not encoded.requires_grad
    np.testing.assert_array_equal(encoded.data, np.eye(3, dtype=np.int64)[[[2, 0], [1, 2]]])
    assert F.one_hot(Tensor([1]), num_classes=4).tolist() == [[0, 1, 0, 0]]
    assert F.one_hot(np.array(2), 3).tolist() == [0, 0, 1]
    assert F.one_hot(np.zeros(0, np.int64), 3).shape == (0, 3)


# --------------------------------------------------------------------------- bad input


BAD_INPUT = [
    # (id, call, exception, substrings the message must contain)
    (
        "class index too large",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), [0, 4, 1]),
        IndexError,
        ["target 4", "4 classes"],
    ),
    (
        "negative class index",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), [0, -1, 1]),
        IndexError,
        ["target -1"],
    ),
    (
        "k-dim class index out of range",
        lambda: F.nll_loss(Tensor(np.zeros((2, 3, 2))), [[0, 1], [7, 2]], ignore_index=0),
        IndexError,
        ["target 7"],
    ),
    (
        "float target of index shape",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), np.zeros(3)),
        TypeError,
        ["(3,)", "(3, 4)"],
    ),
    (
        "float target of another shape",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), np.zeros((3, 5))),
        TypeError,
        ["(3, 5)", "(3, 4)"],
    ),
    (
        "integer probabilities",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), np.zeros((3, 4), np.int64)),
        TypeError,
        ["(3, 4)", "int64"],
    ),
    (
        "batch mismatch",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), [0, 1]),
        ValueError,
        ["(2,)", "(3, 4)"],
    ),
    (
        "k-dim target mismatch",
        lambda: F.cross_entropy(Tensor(np.zeros((2, 3, 4))), np.zeros((2, 3), np.int64)),
        ValueError,
        ["(2, 3)", "(2, 3, 4)", "(2, 4)"],
    ),
    (
        "bool target",
        lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([True, False])),
        TypeError,
        ["bool"],
    ),
    (
        "weight of the wrong length",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), [0, 1, 1], weight=[1.0, 2.0, 3.0]),
        ValueError,
        ["(4,)", "(3,)"],
    ),
    (
        "nll weight of the wrong length",
        lambda: F.nll_loss(Tensor(np.zeros((3, 4))), [0, 1, 1], weight=np.ones((4, 1))),
        ValueError,
        ["(4, 1)"],
    ),
    (
        "unknown reduction",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), [0, 1, 1], reduction="avg"),
        ValueError,
        ["'avg'"],
    ),
    (
        "label smoothing above 1",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), [0, 1, 1], label_smoothing=1.5),
        ValueError,
        ["1.5"],
    ),
    (
        "negative label smoothing",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), [0, 1, 1], label_smoothing=-0.1),
        ValueError,
        ["-0.1"],
    ),
    (
        "ignore_index with probabilities",
        lambda: F.cross_entropy(Tensor(np.zeros((3, 4))), np.ones((3, 4)) / 4, ignore_index=1),
        ValueError,
        ["ignore_index=1"],
    ),
    (
        "0-d input",
        lambda: F.cross_entropy(Tensor(np.array(1.0)), 0),
        ValueError,
        ["0-d"],
    ),
    (
        "integer logits",
        lambda: F.cross_entropy(Tensor([[1, 2]]), [0]),
        TypeError,
        ["int64"],
    ),
    (
        "nll float target",
        lambda: F.nll_loss(Tensor(np.zeros((3, 4))), np.zeros(3)),
        TypeError,
        ["(3,)", "(3, 4)"],
    ),
    (
        "nll unknown reduction",
        lambda: F.nll_loss(Tensor(np.zeros((3, 4))), [0, 1, 1], reduction="batchmean"),
        ValueError,
        ["'batchmean'"],
    ),
    (
        "bce input above 1",
        lambda: F.binary_cross_entropy(Tensor([0.5, 1.5]), [1.0, 0.0]),
        ValueError,
        ["input", "1.5"],
    ),
    (
        "bce negative input",
        lambda: F.binary_cross_entropy(Tensor([-0.25, 0.5]), [1.0, 0.0]),
        ValueError,
        ["input", "-0.25"],
    ),
    (
        "bce nan input",
        lambda: F.binary_cross_entropy(Tensor([np.nan, 0.5]), [1.0, 0.0]),
        ValueError,
        ["input", "nan"],
    ),
    (
        "bce target above 1",
        lambda: F.binary_cross_entropy(Tensor([0.5, 0.5]), [1.0, 2.0]),
        ValueError,
        ["target", "2.0"],
    ),
    (
        "bce shape mismatch",
        lambda: F.binary_cross_entropy(Tensor([0.5, 0.5, 0.5]), [1.0]),
        ValueError,
        ["(1,)", "(3,)"],
    ),
    (
        "bce weight does not broadcast",
        lambda: F.binary_cross_entropy(Tensor([0.5, 0.5]), [1.0, 0.0], weight=np.ones((2, 2))),
        ValueError,
        ["(2, 2)", "(2,)"],
    ),
    (
        "bce with logits shape mismatch",
        lambda: F.binary_cross_entropy_with_logits(Tensor(np.zeros((2, 3))), np.zeros((3, 2))),
        ValueError,
        ["(3, 2)", "(2, 3)"],
    ),
    (
        "pos_weight per class on an image target",
        lambda: F.binary_cross_entropy_with_logits(
            Tensor(np.zeros((2, 3, 4, 5))), np.zeros((2, 3, 4, 5)), pos_weight=np.ones(3)
        ),
        ValueError,
        ["(3,)", "(2, 3, 4, 5)"],
    ),
    (
        "bce with logits weight does not broadcast",
        lambda: F.binary_cross_entropy_with_logits(
            Tensor(np.zeros((2, 3))), np.zeros((2, 3)), weight=np.ones(2)
        ),
        ValueError,
        ["(2,)", "(2, 3)"],
    ),
    (
        "bce with logits unknown reduction",
        lambda: F.binary_cross_entropy_with_logits(Tensor([0.0]), [1.0], reduction="Mean"),
        ValueError,
        ["'Mean'"],
    ),
    (
        "kl_div unknown reduction",
        lambda: F.kl_div(Tensor([0.0]), [1.0], reduction="avg"),
        ValueError,
        ["'avg'"],
    ),
    (
        "kl_div target does not broadcast",
        lambda: F.kl_div(Tensor(np.zeros((2, 3))), np.ones((3, 3))),
        ValueError,
        ["(3, 3)", "(2, 3)"],
    ),
    ("one_hot negative", lambda: F.one_hot([0, -3]), IndexError, ["-3"]),
    ("one_hot too large", lambda: F.one_hot([0, 5], 3), IndexError, ["5", "num_classes=3"]),
    ("one_hot floats", lambda: F.one_hot(np.array([1.0])), TypeError, ["float64"]),
    ("one_hot empty", lambda: F.one_hot(np.zeros(0, np.int64)), ValueError, ["empty"]),
]


@pytest.mark.parametrize(
    ("call", "exception", "fragments"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_raises_before_any_arithmetic(monkeypatch, call, exception, fragments):
    def no_arithmetic(cls, *args, **kwargs):
        raise AssertionError(f"{cls.__name__} ran before the input was checked")

    monkeypatch.setattr(tg.Function, "apply", classmethod(no_arithmetic))
    with pytest.raises(exception) as raised:
        call()
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_ignored_targets_may_be_out_of_range():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    loss = F.cross_entropy(x, [-7, 2], ignore_index=-7)
    assert loss.item() == pytest.approx(np.log(3))


# --------------------------------------------------------------------------- binary targets


BINARY_LOSSES = {
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits, "BCEWithLogitsLoss"),
    "binary_cross_entropy": (F.binary_cross_entropy, "BCELoss"),
}
NON_FLOAT_TARGETS = {
    "int64": np.array([0, 1, 1], dtype=np.int64),
    "int32": np.array([0, 1, 1], dtype=np.int32),
    "uint8": np.array([0, 1, 1], dtype=np.uint8),
    "bool": np.array([False, True, True]),
}


@pytest.mark.parametrize("name", sorted(BINARY_LOSSES))
@pytest.mark.parametrize("target_dtype", sorted(NON_FLOAT_TARGETS))
@pytest.mark.parametrize("kind", ["array", "tensor", "list"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_losses_refuse_non_floating_targets(name, target_dtype, kind, dtype):
    function, module = BINARY_LOSSES[name]
    target = NON_FLOAT_TARGETS[target_dtype]
    target = {"array": target, "tensor": Tensor(target), "list": target.tolist()}[kind]
    if kind == "list":  # Python ints become int64, Python bools bool
        target_dtype = "bool" if target_dtype == "bool" else "int64"
    x = Tensor(np.full(3, 0.25, dtype=dtype), requires_grad=True)
    for loss in (function, getattr(tg.nn, module)()):
        with pytest.raises(TypeError) as error:
            loss(x, target)
        message = str(error.value)
        assert name in message
        assert f"target dtype {target_dtype} for input dtype {np.dtype(dtype)}" in message
    assert x.grad is None


@pytest.mark.parametrize("name", sorted(BINARY_LOSSES))
@pytest.mark.parametrize("target_dtype", sorted(NON_FLOAT_TARGETS))
def test_pytorch_refuses_the_same_targets(name, target_dtype):
    torch = pytest.importorskip("torch")
    target = torch.from_numpy(NON_FLOAT_TARGETS[target_dtype])
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, name)(torch.full((3,), 0.25), target)


@pytest.mark.parametrize("target_dtype", [np.float16, np.float32, np.float64])
def test_binary_losses_take_floating_targets_of_any_precision(target_dtype):
    t = np.array([0.0, 1.0, 1.0], dtype=target_dtype)
    for function, _ in BINARY_LOSSES.values():
        x = Tensor(np.array([0.25, 0.5, 0.75]), requires_grad=True)
        loss = function(x, t)
        loss.backward()
        assert loss.item() == pytest.approx(function(x, t.astype(np.float64)).item(), rel=1e-12)
        assert x.grad is not None


@pytest.mark.parametrize("shape", [(2, 0), (0,), (0, 0)], ids=str)
@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss], ids=["cross_entropy", "nll_loss"])
def test_no_classes_every_target_ignored(shape, loss):
    """A class axis of size 0 (targets can only be ignored): NaN mean, 0 sum, zeros, no error."""
    x = Tensor(np.zeros(shape), requires_grad=True)
    target = np.full(shape[:1] if len(shape) > 1 else (), -100)
    assert np.isnan(loss(x, target).item())
    assert loss(x, target, reduction="sum").item() == 0.0
    none = loss(x, target, reduction="none")
    assert none.shape == target.shape and not none.data.any()
    none.sum().backward()
    assert x.grad.shape == shape
    if target.size:  # a target that is not ignored has no class to be
        with pytest.raises(IndexError, match="out of bounds for 0 classes"):
            loss(x, np.zeros_like(target))


def test_probability_targets_without_classes_have_a_nan_mean_as_pytorch():
    x = Tensor(np.zeros((2, 0)), requires_grad=True)
    assert np.isnan(F.cross_entropy(x, np.zeros((2, 0))).item())  # PyTorch: 0 / (numel / C)
    assert F.cross_entropy(x, np.zeros((2, 0)), reduction="sum", label_smoothing=0.1).item() == 0

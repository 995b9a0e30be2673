"""tinygrad_ce.functional against torch.nn.functional: values and input gradients, float64 to
round-off (float32 to float32 precision). Skipped without torch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tinygrad_ce import Tensor
from tinygrad_ce import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

REDUCTIONS = ("mean", "sum", "none")
rng = np.random.default_rng(11)


def as_torch(value):
    return None if value is None else torch.tensor(np.asarray(value))


def compare(
    ours_fn,
    torch_fn,
    *arrays,
    rtol=1e-12,
    atol=1e-14,
    grad_rtol=None,
    grad_atol=None,
    reference_dtype=None,
):
    """Run both on the same float arrays with the same random upstream gradient; compare the
    values and every input's gradient (NaN where the other has NaN counts as equal).

    ``reference_dtype=np.float64`` runs PyTorch in float64 on float32 data: the reference for
    results that PyTorch itself computes less accurately in float32.
    """
    ours = [Tensor(np.array(a), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=reference_dtype), requires_grad=True) for a in arrays]
    our_out, torch_out = ours_fn(*ours), torch_fn(*theirs)
    expected = torch_out.detach().numpy()
    assert our_out.shape == expected.shape
    assert our_out.dtype == (expected.dtype if reference_dtype is None else arrays[0].dtype)
    np.testing.assert_allclose(our_out.data, expected, rtol=rtol, atol=atol, equal_nan=True)
    upstream = rng.standard_normal(our_out.shape).astype(our_out.dtype)
    our_out.backward(upstream)
    torch_out.backward(torch.tensor(upstream, dtype=torch_out.dtype))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(
            mine.grad,
            reference.grad.numpy(),
            rtol=rtol if grad_rtol is None else grad_rtol,
            atol=atol if grad_atol is None else grad_atol,
            equal_nan=True,
        )


def index_case(shape, ignore_index, seed):
    """Logits of ``shape`` and class-index targets, some equal to ``ignore_index``."""
    state = np.random.default_rng(seed)
    x = state.standard_normal(shape) * 2
    classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
    target = state.integers(0, classes, target_shape)
    if target.size > 1:
        target.flat[1] = ignore_index
    return x, target


LOGIT_SHAPES = [(5,), (6, 5), (4, 5, 3), (3, 5, 2, 3), (2, 5, 2, 1, 2)]


# --------------------------------------------------------------------------- cross_entropy


@pytest.mark.parametrize("shape", LOGIT_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("ignore_index", [-100, 2], ids=["ignore-none", "ignore-class-2"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25, 1.0])
def test_cross_entropy_class_indices(shape, reduction, weighted, ignore_index, label_smoothing):
    x, target = index_case(shape, ignore_index, seed=len(shape))
    weight = rng.uniform(0.2, 2.0, shape[0] if len(shape) == 1 else shape[1]) if weighted else None
    options = {"reduction": reduction, "ignore_index": ignore_index}
    options["label_smoothing"] = label_smoothing
    compare(
        lambda t: F.cross_entropy(t, target, weight=weight, **options),
        lambda t: TF.cross_entropy(t, torch.tensor(target), weight=as_torch(weight), **options),
        x,
    )


@pytest.mark.parametrize("shape", LOGIT_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_class_probabilities(shape, reduction, weighted, label_smoothing):
    x = rng.standard_normal(shape)
    target = rng.random(shape)  # soft labels; PyTorch does not require them to sum to 1
    weight = rng.uniform(0.2, 2.0, shape[0] if len(shape) == 1 else shape[1]) if weighted else None
    options = {"reduction": reduction, "label_smoothing": label_smoothing}
    compare(
        lambda t: F.cross_entropy(t, target, weight=weight, **options),
        lambda t: TF.cross_entropy(t, torch.tensor(target), weight=as_torch(weight), **options),
        x,
    )


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_cross_entropy_integer_target_dtypes(dtype):
    x, target = index_case((6, 5), -100, seed=3)
    target = np.where(target < 0, 4, target).astype(dtype)
    compare(
        lambda t: F.cross_entropy(t, target, label_smoothing=0.1),
        lambda t: TF.cross_entropy(t, torch.tensor(target.astype(np.int64)), label_smoothing=0.1),
        x,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_every_target_ignored(reduction, label_smoothing, weighted):
    x = rng.standard_normal((3, 4, 2))
    target = np.full((3, 2), 3)
    weight = rng.random(4) if weighted else None
    options = {"reduction": reduction, "label_smoothing": label_smoothing, "ignore_index": 3}
    compare(
        lambda t: F.cross_entropy(t, target, weight=weight, **options),
        lambda t: TF.cross_entropy(t, torch.tensor(target), weight=as_torch(weight), **options),
        x,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("shape", "probabilities"),
    [((0, 4), False), ((0, 4, 3), False), ((0, 4), True), ((0, 4, 3), True)],
)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_empty_batch(reduction, shape, probabilities, label_smoothing):
    if probabilities:
        target = np.zeros(shape)
    else:
        target = np.zeros((0, *shape[2:]), dtype=np.int64)
    options = {"reduction": reduction, "label_smoothing": label_smoothing}
    compare(
        lambda t: F.cross_entropy(t, target, **options),
        lambda t: TF.cross_entropy(t, torch.tensor(target), **options),
        np.zeros(shape),
    )


NO_CLASSES = [  # (loss, shape, probability targets, label_smoothing)
    *[("cross_entropy", shape, False, 0.0) for shape in [(2, 0), (0,)]],
    *[("cross_entropy", shape, True, eps) for shape in [(2, 0), (0,)] for eps in [0.0, 0.2]],
    ("nll_loss", (2, 0), False, 0.0),
    ("nll_loss", (0,), False, 0.0),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("loss", "shape", "probabilities", "label_smoothing"), NO_CLASSES)
def test_no_classes_at_all(reduction, loss, shape, probabilities, label_smoothing):
    """A class axis of size 0: every class-index target must be ignored; NaN means, 0 sums.

    Not compared: (N, 0, d) inputs, for which PyTorch raises, and label smoothing with ignored
    class-index targets, which PyTorch gives NaN (0 * eps / C = 0 * inf) and we give 0, as for
    any ignored target (docs/from_pytorch.md row 22)."""
    if probabilities:
        target = np.zeros(shape)
    else:
        target = np.full(shape[:1] if len(shape) > 1 else (), -100, dtype=np.int64)
    options = {"reduction": reduction}
    if label_smoothing:
        options["label_smoothing"] = label_smoothing
    compare(
        lambda t: getattr(F, loss)(t, target, **options),
        lambda t: getattr(TF, loss)(t, torch.tensor(target), **options),
        np.zeros(shape),
    )


def test_targets_with_zero_total_weight_give_nan_like_torch():
    x, target = np.zeros((2, 3)), np.array([0, 1])
    weight = np.array([0.0, 0.0, 1.0])
    compare(
        lambda t: F.cross_entropy(t, target, weight=weight),
        lambda t: TF.cross_entropy(t, torch.tensor(target), weight=torch.tensor(weight)),
        x,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits(dtype):
    x = np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, -1e4, 1e4, 1e4], [5e3, -5e3, 1.0, 2.0]], dtype)
    target = np.array([1, 2, 3])
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    for smoothing in (0.0, 0.1):
        compare(
            lambda t, s=smoothing: F.cross_entropy(t, target, label_smoothing=s),
            lambda t, s=smoothing: TF.cross_entropy(t, torch.tensor(target), label_smoothing=s),
            x,
            rtol=rtol,
            atol=1e-6 if dtype == np.float32 else 1e-12,
        )
    for ours, theirs in (
        (F.softmax, torch.softmax),
        (F.log_softmax, torch.log_softmax),
        (F.logsumexp, torch.logsumexp),
    ):
        # float32 logsumexp's gradient in PyTorch is exp(x - lse) with lse rounded to float32
        # (1e4 + log 2 has ~1e-3 spacing), off by 1e-4; ours is exact, so compare with float64.
        compare(
            lambda t, f=ours: f(t, axis=1),
            lambda t, f=theirs: f(t, 1),
            x,
            rtol=rtol,
            atol=0,
            reference_dtype=np.float64,
        )


# NaN gradients of all -inf / +inf rows (as PyTorch's) come with NumPy warnings in backward
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_minus_infinity_logits():
    inf = np.inf
    x = np.array([[0.0, 1.0, -inf, 2.0], [-inf, -inf, -inf, -inf], [-inf, 3.0, -inf, -inf]])
    for ours, theirs in (
        (F.softmax, torch.softmax),
        (F.log_softmax, torch.log_softmax),
        (F.logsumexp, torch.logsumexp),
    ):
        compare(lambda t, f=ours: f(t, axis=1), lambda t, f=theirs: f(t, 1), x)
    finite_rows = x[[0, 2]]
    compare(
        lambda t: F.cross_entropy(t, [3, 1]),
        lambda t: TF.cross_entropy(t, torch.tensor([3, 1])),
        finite_rows,
    )


# NaN gradients of all -inf / +inf rows (as PyTorch's) come with NumPy warnings in backward
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_plus_infinity_and_nan_logits():
    inf = np.inf
    x = np.array([[inf, 0.0, 1.0, -inf], [np.nan, 0.0, 1.0, 2.0], [inf, inf, 0.0, 1.0]])
    for ours, theirs in (
        (F.softmax, torch.softmax),
        (F.log_softmax, torch.log_softmax),
        (F.logsumexp, torch.logsumexp),
    ):
        compare(lambda t, f=ours: f(t, axis=1), lambda t, f=theirs: f(t, 1), x)


# --------------------------------------------------------------------------- nll_loss


@pytest.mark.parametrize("shape", LOGIT_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("ignore_index", [-100, 0], ids=["ignore-none", "ignore-class-0"])
def test_nll_loss(shape, reduction, weighted, ignore_index):
    x, target = index_case(shape, ignore_index, seed=7 + len(shape))
    weight = rng.uniform(0.2, 2.0, shape[0] if len(shape) == 1 else shape[1]) if weighted else None
    options = {"reduction": reduction, "ignore_index": ignore_index}
    compare(
        lambda t: F.nll_loss(t, target, weight=weight, **options),
        lambda t: TF.nll_loss(t, torch.tensor(target), weight=as_torch(weight), **options),
        x,
    )


# --------------------------------------------------------------------------- binary losses


BINARY_SHAPES = [(), (5,), (4, 3), (2, 3, 2, 2)]


def suffix_shapes(shape):
    """Weight / pos_weight shapes that broadcast to ``shape``: none, full, a suffix, with 1s."""
    options = [None, shape]
    if shape:
        options.append(shape[-1:])
        options.append((1,) * (len(shape) - 1) + shape[-1:])
    if len(shape) >= 2:
        options.append((shape[0],) + (1,) * (len(shape) - 1))
    return options


@pytest.mark.parametrize("shape", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(shape, reduction):
    x = rng.standard_normal(shape) * 4
    x.reshape(-1)[0] = 0.0  # the kink of |x|: the gradient there must still be sigmoid(0) - t
    target = rng.random(shape)
    target.reshape(-1)[-1] = 1.0
    for weight_shape, pos_shape in itertools.product(suffix_shapes(shape), suffix_shapes(shape)):
        weight = None if weight_shape is None else rng.uniform(0.2, 2, weight_shape)
        pos_weight = None if pos_shape is None else rng.uniform(0.2, 3, pos_shape)
        compare(
            lambda t, w=weight, p=pos_weight: F.binary_cross_entropy_with_logits(
                t, target, weight=w, reduction=reduction, pos_weight=p
            ),
            lambda t, w=weight, p=pos_weight: TF.binary_cross_entropy_with_logits(
                t,
                torch.tensor(target),
                weight=as_torch(w),
                reduction=reduction,
                pos_weight=as_torch(p),
            ),
            x,
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_with_logits_extreme_logits(dtype):
    x = np.array([200.0, -200.0, 200.0, -200.0, 0.0, 40.0, -40.0, 0.0], dtype)
    target = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0], dtype)
    for pos_weight in (None, np.array([2.5], dtype)):
        compare(
            lambda t, p=pos_weight: F.binary_cross_entropy_with_logits(
                t, target, reduction="none", pos_weight=p
            ),
            lambda t, p=pos_weight: TF.binary_cross_entropy_with_logits(
                t, torch.tensor(target), reduction="none", pos_weight=as_torch(p)
            ),
            x,
            rtol=1e-6 if dtype == np.float32 else 1e-12,
            atol=1e-30,
            grad_atol=1e-15,
        )


@pytest.mark.parametrize("shape", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(shape, reduction):
    x = rng.uniform(0.01, 0.99, shape)
    target = rng.choice([0.0, 1.0, 0.3, 0.75], shape)
    for weight_shape in suffix_shapes(shape):
        weight = None if weight_shape is None else rng.uniform(0.2, 2, weight_shape)
        compare(
            lambda t, w=weight: F.binary_cross_entropy(t, target, weight=w, reduction=reduction),
            lambda t, w=weight: TF.binary_cross_entropy(
                t, torch.tensor(target), weight=as_torch(w), reduction=reduction
            ),
            x,
            grad_rtol=1e-10,  # PyTorch's hand-written (x - t) / (x (1 - x)) rounds differently
        )


def test_binary_cross_entropy_clamps_the_log_at_minus_100():
    x = np.array([1e-50, 1.0 - 1e-17, 0.0, 1.0, 0.5])
    target = np.array([1.0, 0.0, 1.0, 0.0, 0.5])
    ours = F.binary_cross_entropy(Tensor(x), target, reduction="none")
    theirs = TF.binary_cross_entropy(torch.tensor(x), torch.tensor(target), reduction="none")
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


# --------------------------------------------------------------------------- kl_div


KL_MEAN_WARNING = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")


@KL_MEAN_WARNING  # PyTorch warns that kl_div's "mean" is not the KL divergence; we just compare
@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize(
    ("shape", "target_shape"), [((4, 5), (4, 5)), ((3, 2, 4), (4,)), ((5,), (5,))]
)
def test_kl_div(reduction, log_target, shape, target_shape):
    x = np.log(rng.dirichlet(np.ones(shape[-1]), int(np.prod(shape[:-1])))).reshape(shape)
    target = rng.dirichlet(np.ones(target_shape[-1]), int(np.prod(target_shape[:-1])))
    target = target.reshape(target_shape)
    target.reshape(-1)[0] = 0.0  # t log t is 0 there
    if log_target:
        target = np.log(target + 0.05)
    options = {"reduction": reduction, "log_target": log_target}
    compare(
        lambda t: F.kl_div(t, target, **options),
        lambda t: TF.kl_div(t, torch.tensor(target), **options),
        x,
    )


@KL_MEAN_WARNING
@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
def test_kl_div_empty_and_unbatched(reduction):
    compare(
        lambda t: F.kl_div(t, np.zeros((0, 3)), reduction=reduction),
        lambda t: TF.kl_div(t, torch.zeros((0, 3), dtype=torch.float64), reduction=reduction),
        np.zeros((0, 3)),
    )
    compare(
        lambda t: F.kl_div(t, np.array(0.4), reduction=reduction),
        lambda t: TF.kl_div(t, torch.tensor(0.4, dtype=torch.float64), reduction=reduction),
        np.array(-0.7),
    )


# --------------------------------------------------------------------------- softmax family


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)], ids=str)
def test_softmax_family(shape):
    x = rng.standard_normal(shape) * 3
    for axis in range(-len(shape), len(shape)):
        compare(lambda t, a=axis: F.softmax(t, axis=a), lambda t, a=axis: torch.softmax(t, a), x)
        compare(
            lambda t, a=axis: F.log_softmax(t, dim=a), lambda t, a=axis: torch.log_softmax(t, a), x
        )
        for keepdims in (False, True):
            compare(
                lambda t, a=axis, k=keepdims: F.logsumexp(t, axis=a, keepdims=k),
                lambda t, a=axis, k=keepdims: torch.logsumexp(t, a, keepdim=k),
                x,
            )
    all_axes = tuple(range(len(shape)))
    compare(lambda t: F.logsumexp(t, axis=all_axes), lambda t: torch.logsumexp(t, all_axes), x)


LOGSUMEXP_AXES = [0, -1, 1, (0,), (-1, 0), [0, 1], [2, 0], (0, 1, 2), [], ()]


# empty slices: log(0) = -inf and its gradient 1/0 (to no element) warn in NumPy
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 0, 3), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("axis", LOGSUMEXP_AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_takes_every_axis_form_as_torch(shape, axis, keepdims):
    """int, negative, tuple, list and () (every axis, as for Tensor.sum; torch's own logsumexp
    fails on an empty dim list, so () is compared with torch over all the dims)."""
    ndim = len(shape)
    torch_dim = list(axis) if isinstance(axis, tuple | list) else axis
    if torch_dim == []:
        torch_dim = list(range(ndim)) or [0]
    try:
        torch.logsumexp(torch.zeros(shape), torch_dim)
    except (IndexError, RuntimeError):  # out of range or repeated: ours names the axis
        with pytest.raises(ValueError, match=r"axis .* (out of range|names the same axis twice)"):
            F.logsumexp(Tensor(np.zeros(shape)), axis=axis)
        return
    x = rng.standard_normal(shape) * 3
    for ours_kwargs in ({"axis": axis, "keepdims": keepdims}, {"dim": axis, "keepdim": keepdims}):
        compare(
            lambda t, k=ours_kwargs: F.logsumexp(t, **k),
            lambda t: torch.logsumexp(t, torch_dim, keepdim=keepdims),
            x,
        )


def test_logsumexp_examples_from_the_fuzzer():
    b = np.arange(6.0).reshape(2, 3)
    assert F.logsumexp(Tensor(b), dim=()).shape == ()
    expected = torch.logsumexp(torch.tensor(b), [0, 1]).item()
    for dim in ((), [0, 1], (1, 0), [-1, -2]):
        np.testing.assert_allclose(F.logsumexp(Tensor(b), dim=dim).item(), expected, rtol=1e-15)
    assert F.logsumexp(Tensor(np.array(2.5)), dim=(0,)).item() == 2.5
    with pytest.raises(ValueError, match="same axis twice"):
        F.logsumexp(Tensor(b), axis=(0, -2))


def test_one_hot_matches_torch():
    labels = rng.integers(0, 5, (3, 4))
    np.testing.assert_array_equal(
        F.one_hot(labels).numpy(), TF.one_hot(torch.tensor(labels)).numpy()
    )
    np.testing.assert_array_equal(
        F.one_hot(labels, 7).numpy(), TF.one_hot(torch.tensor(labels), 7).numpy()
    )


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # torch's notice about "mean"
def test_kl_div_input_broadcasting_to_the_target_matches_torch():
    rng = np.random.default_rng(11)
    log_q = np.log(rng.dirichlet(np.ones(4), size=1))  # (1, 4): broadcast over the batch
    target = rng.dirichlet(np.ones(4), size=5)  # (5, 4)
    for reduction in ("mean", "sum", "batchmean", "none"):
        x = Tensor(log_q, requires_grad=True)
        tx = torch.tensor(log_q, requires_grad=True)
        ours = F.kl_div(x, target, reduction=reduction)
        theirs = torch.nn.functional.kl_div(tx, torch.tensor(target), reduction=reduction)
        upstream = rng.standard_normal(ours.shape)
        ours.backward(upstream)
        theirs.backward(torch.tensor(upstream))
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)


# --------------------------------------------------------------------------- activations at NaN,
# --------------------------------------------------------------------------- infinities and zeros

ACTIVATIONS = {
    "relu": (F.relu, TF.relu),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.1), lambda t: TF.leaky_relu(t, 0.1)),
    "elu": (F.elu, TF.elu),
    "elu-alpha-2": (lambda t: F.elu(t, 2.0), lambda t: TF.elu(t, 2.0)),
    "hardtanh": (F.hardtanh, TF.hardtanh),
    "hardtanh-2-3": (lambda t: F.hardtanh(t, -2.0, 3.0), lambda t: TF.hardtanh(t, -2.0, 3.0)),
    "softplus": (F.softplus, TF.softplus),
    "softplus-beta-2": (
        lambda t: F.softplus(t, beta=2.0, threshold=5.0),
        lambda t: TF.softplus(t, beta=2.0, threshold=5.0),
    ),
    "silu": (F.silu, TF.silu),
    "gelu": (F.gelu, TF.gelu),
    "gelu-tanh": (
        lambda t: F.gelu(t, approximate="tanh"),
        lambda t: TF.gelu(t, approximate="tanh"),
    ),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "sigmoid": (F.sigmoid, torch.sigmoid),
    "tanh": (F.tanh, torch.tanh),
}
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 3.0, -2.0, 30.0, 1e-300]


# NaN and inf make NumPy warn in the primitives' backward passes (as PyTorch computes NaN too)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("value", SPECIAL, ids=repr)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_at_nan_infinities_and_zeros_match_torch(name, value, dtype):
    """One element at a time: PyTorch's vectorized kernels (used in longer tensors, depending
    on the CPU's vector width) give hardtanh a 0 and elu a NaN gradient at NaN, its scalar
    ones the gradient itself, as the formulas (x <= 0 tests) and ours do."""
    ours_fn, torch_fn = ACTIVATIONS[name]
    x = np.array([value], dtype)
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours_fn(ours), torch_fn(theirs)
    assert out.dtype == dtype
    out.backward(np.full(1, 0.7, dtype))
    expected.backward(torch.full((1,), 0.7, dtype=expected.dtype))
    # float32 gradients such as 1 - tanh(x)**2 cancel: a few float32 ulps apart from PyTorch's
    rtol, atol = (1e-5, 1e-7) if dtype == np.float32 else (1e-12, 0)
    np.testing.assert_allclose(
        out.data, expected.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True
    )
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_on_a_long_tensor_with_infinities_and_zeros_match_torch(name):
    """No NaN here: with infinities and signed zeros PyTorch's kernels agree on every path."""
    values = np.concatenate([[np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0], rng.standard_normal(40) * 4])
    compare(*ACTIVATIONS[name], rng.permutation(values), atol=1e-15)


def test_elu_and_hardtanh_pass_the_gradient_at_nan():
    for function in (F.elu, F.hardtanh):
        x = Tensor(np.array([np.nan, -0.5, 0.5, 5.0, -5.0]), requires_grad=True)
        y = function(x)
        y.backward(np.full(5, 0.7))
        assert np.isnan(y.data[0]) and x.grad[0] == 0.7
        assert np.isfinite(x.grad).all()

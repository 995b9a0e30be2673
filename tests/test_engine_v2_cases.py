"""One named test per bug of issue 10's "What was found", plus those the random programs found.

Each is written against the contract (docs/api.md, /work/shared/API.md): what PyTorch computes,
or the error the contract names. Comparisons with PyTorch skip without it.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from tinygrad_ce import Function, Tensor, nn, no_grad, optim
from tinygrad_ce import functional as F

rng = np.random.default_rng(10)


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# --------------------------------------------------------------------------- a 0-d node used twice


def test_zero_d_intermediate_used_twice():
    x = leaf([1.0, -2.0, 3.0])
    s = x.sum()
    (s + s).backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_zero_d_product_used_twice():
    a = leaf(3.0)
    x = a * 1.0
    (x + x).backward()
    assert a.grad == 2.0


@pytest.mark.parametrize("uses", [3, 4])
def test_zero_d_intermediate_used_three_and_four_times(uses):
    # Found by the random programs: the sum of two 0-d gradients was a NumPy scalar, and the
    # third gradient was "added in place" into it, i.e. lost (2.0 instead of 3.0).
    x = leaf([1.0, 2.0])
    s = x.sum()
    total = s
    for _ in range(uses - 1):
        total = total + s
    total.backward()
    np.testing.assert_array_equal(x.grad, [float(uses)] * 2)


def test_zero_d_square_plus_itself():
    # d/dx of v*v + v with v = 3x, at x = 2: (2v + 1) * 3 = 39 (the bug gave 21).
    x = leaf(2.0)
    v = x * 3.0
    (v * v + v).backward()
    assert x.grad == pytest.approx(39.0, rel=1e-15)


@pytest.mark.parametrize("indexed_first", [True, False])
@pytest.mark.parametrize("pick", ["ellipsis", "empty tuple", "None then 0"])
def test_zero_d_sum_then_indexed_gradient(pick, indexed_first):
    # Found by the random programs: two gradients summed to a NumPy scalar, then indexing's
    # sparse gradient was added into it: TypeError 'first operand must be array'.
    x = leaf([1.0, 2.0])
    s = x.sum()
    picked = {"ellipsis": lambda: s[...], "empty tuple": lambda: s[()]}.get(
        pick, lambda: s[None][0]
    )()
    ((picked + (s + s)) if indexed_first else (s + s + picked)).backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_zero_d_indexed_and_used_twice():
    x = leaf([1.0, 2.0, 4.0])
    s = x.sum()
    (s[None].sum() + (s + s)).backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])


def test_cross_entropy_loss_plus_itself():
    z = leaf(rng.standard_normal((4, 3)))
    t = np.array([0, 2, 1, 2])
    loss = F.cross_entropy(z, t)
    (loss + loss).backward()
    p = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
    expected = 2 * (p - np.eye(3)[t]) / 4
    np.testing.assert_allclose(z.grad, expected, rtol=1e-12, atol=1e-15)


def _micrograd_readme(a, b):
    """The example of micrograd's README, as written there (a = -4, b = 2)."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_readme_example_published_values():
    a, b = leaf(-4.0), leaf(2.0)
    g = _micrograd_readme(a, b)
    g.backward()
    # micrograd's README prints 24.7041, 138.8338 and 645.5773
    assert g.item() == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


def test_micrograd_readme_example_matches_torch():
    torch = pytest.importorskip("torch")
    a, b = leaf(-4.0), leaf(2.0)
    g = _micrograd_readme(a, b)
    g.backward()
    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tg = _micrograd_readme(ta, tb)
    tg.backward()
    assert g.item() == pytest.approx(tg.item(), rel=1e-14)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-14)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-14)


# --------------------------------------------------------------------------- transpose


@pytest.mark.parametrize("shape", [(2, 2), (2, 3)])
def test_transpose_negative_axes_backward(shape):
    x = leaf(rng.standard_normal(shape))
    y = x.transpose(-1, 0)
    np.testing.assert_array_equal(y.data, x.data.T)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    np.testing.assert_array_equal(x.grad, g.T)


@pytest.mark.parametrize("shape", [(), (3,), (2, 2), (2, 3), (2, 0, 4)])
def test_transpose_of_two_axes_swaps_them_for_every_pair_as_pytorch(shape):
    """transpose(d0, d1) swaps, whatever the ndim (a 2-d tensor too: (0, 1) is no permutation)."""
    torch = pytest.importorskip("torch")
    span = max(len(shape), 1)
    for d0 in range(-span, span):
        for d1 in range(-span, span):
            x = leaf(rng.standard_normal(shape))
            theirs = torch.tensor(x.data, requires_grad=True)
            y, t = x.transpose(d0, d1), theirs.transpose(d0, d1)
            np.testing.assert_array_equal(y.data, t.detach().numpy())
            g = rng.standard_normal(y.shape)
            y.backward(g)
            t.backward(torch.tensor(g))
            np.testing.assert_array_equal(x.grad, theirs.grad.numpy())


def test_transpose_0_1_of_a_matrix_is_its_transpose():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    assert x.transpose(0, 1).tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert x.transpose(-2, -1).tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert x.transpose(1, 1).tolist() == x.tolist()
    assert x.transpose((0, 1)).tolist() == x.tolist()  # one tuple: NumPy's permutation


def test_transpose_takes_pytorchs_keywords():
    x = Tensor(np.zeros((2, 3, 4)))
    assert x.transpose(dim0=0, dim1=-1).shape == (4, 3, 2)
    with pytest.raises(TypeError, match="dim0= and dim1="):
        x.transpose(0, dim1=1)


def test_squeeze_of_no_axes_drops_nothing():
    x = Tensor(np.zeros((3, 1, 2)))
    assert x.squeeze(()).shape == (3, 1, 2)
    assert x.squeeze([]).shape == (3, 1, 2)
    assert x.squeeze().shape == (3, 2)
    assert x.squeeze((-2,)).shape == (3, 2)


def test_transpose_tuple_with_negative_axes():
    x = leaf(rng.standard_normal((2, 3, 4)))
    y = x.transpose((1, -3, -1))
    np.testing.assert_array_equal(y.data, x.data.transpose(1, 0, 2))
    g = rng.standard_normal(y.shape)
    y.backward(g)
    np.testing.assert_array_equal(x.grad, g.transpose(1, 0, 2))


# --------------------------------------------------------------------------- graph lifetime


def test_second_backward_without_retain_graph_raises():
    w = leaf([1.0, 2.0])
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        loss.backward()


def test_retain_graph_lets_a_second_backward_accumulate():
    w = leaf([1.0, 2.0])
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(w.grad, [4.0, 8.0])


def test_sgd_step_between_two_backwards_raises():
    w = leaf([1.0, 2.0])
    opt = optim.SGD([w], lr=0.5)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()  # changes w in place, after Mul saved it
    opt.zero_grad()
    with pytest.raises(RuntimeError, match=r"Mul[\s\S]*\(2,\)"):
        loss.backward()
    assert w.grad is None or not np.any(w.grad)  # no silently wrong gradient


def test_data_assignment_between_two_backwards_raises():
    w = leaf([1.0, 2.0])
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    w.data -= 0.1 * w.grad  # micrograd style: still allowed, and counted as a change
    np.testing.assert_allclose(w.data, [0.8, 1.6])
    with pytest.raises(RuntimeError, match="Mul"):
        loss.backward()


def _linear_loss_backed_once():
    layer = nn.Linear(2, 1)
    x = leaf(rng.standard_normal((3, 2)))  # x needs a gradient: MatMul saves the weight for it
    loss = (layer(x) * layer(x)).sum()
    loss.backward(retain_graph=True)
    return layer, loss


def test_load_state_dict_between_two_backwards_raises():
    layer, loss = _linear_loss_backed_once()
    layer.load_state_dict({k: v + 1.0 for k, v in layer.state_dict().items()})
    with pytest.raises(RuntimeError, match="MatMul"):
        loss.backward()


def test_nn_load_between_two_backwards_raises(tmp_path):
    layer, loss = _linear_loss_backed_once()
    nn.save(layer, tmp_path / "layer.npz")
    nn.load(layer, tmp_path / "layer.npz")  # the same values, but written in place
    with pytest.raises(RuntimeError, match="MatMul"):
        loss.backward()


@pytest.mark.parametrize(
    "make_loss",
    [
        lambda w: (w * np.array([3.0, 4.0])).sum(),  # Mul saves the constant, not w
        lambda w: (w @ np.array([[3.0], [4.0]])).sum(),  # the same for @
        lambda w: w.relu().sum(),  # ReLU saves its output, not w
        lambda w: (w * 2.0).exp().sum(),  # Exp saves its output
    ],
)
def test_an_op_saves_only_what_its_backward_uses_as_pytorch(make_loss):
    """Changing w in place after forward is fine when no op saved w, as in PyTorch: the
    gradient is the recorded graph's, at the forward values."""
    untouched = leaf([1.0, -2.0])
    make_loss(untouched).backward()
    w = leaf([1.0, -2.0])
    loss = make_loss(w)
    with no_grad():
        w -= 0.5
    loss.backward()
    np.testing.assert_array_equal(w.grad, untouched.grad)


def test_changing_an_unsaved_input_is_fine():
    w = leaf([1.0, 2.0])
    loss = (w + 1.0).sum()  # Add saves nothing
    loss.backward(retain_graph=True)
    w.data = np.array([5.0, 6.0])
    loss.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0])


# --------------------------------------------------------------------------- masked losses


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_cross_entropy_ignored_row_gets_zero_gradient_whatever_reaches_it(bad):
    z = leaf(rng.standard_normal((3, 4)))
    t = np.array([1, -100, 2])
    loss = F.cross_entropy(z, t, ignore_index=-100, reduction="none")
    g = np.array([1.0, bad, 2.0])
    loss.backward(g)
    np.testing.assert_array_equal(z.grad[1], np.zeros(4))
    p = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
    expected = (p - np.eye(4)[[1, 0, 2]]) * g[:, None]
    np.testing.assert_allclose(z.grad[[0, 2]], expected[[0, 2]], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nll_loss_ignored_row_gets_zero_gradient_whatever_reaches_it(bad):
    logp = leaf(rng.standard_normal((3, 4)))
    t = np.array([3, 0, -100])
    F.nll_loss(logp, t, reduction="none").backward(np.array([1.0, 2.0, bad]))
    expected = np.zeros((3, 4))
    expected[0, 3], expected[1, 0] = -1.0, -2.0
    np.testing.assert_array_equal(logp.grad, expected)


# --------------------------------------------------------------------------- Tensor fixes


def test_mean_over_axis_zero_of_a_zero_d_tensor():
    x = leaf(2.0)
    y = x.mean(axis=0)
    assert y.shape == () and y.item() == 2.0
    y.backward()
    assert x.grad == 1.0


@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [0, -1, (), (0,), [-1], None])
def test_reductions_of_a_zero_d_tensor(reduce, axis):
    x = leaf(2.5)
    for keepdims in (False, True):
        y = getattr(x, reduce)(axis=axis, keepdims=keepdims)
        assert y.shape == () and y.item() == 2.5
        y.backward(np.array(3.0))
    assert x.grad == 6.0


def test_sum_over_a_list_of_axes():
    a = rng.standard_normal((2, 3, 4))
    x = leaf(a)
    y = x.sum(axis=[0, 1])
    np.testing.assert_allclose(y.data, a.sum(axis=(0, 1)), rtol=1e-15)
    g = rng.standard_normal(4)
    y.backward(g)
    np.testing.assert_array_equal(x.grad, np.broadcast_to(g, (2, 3, 4)))


def test_index_with_an_empty_list():
    x = leaf(rng.standard_normal((3, 2)))
    y = x[[]]
    assert y.shape == (0, 2) and y.dtype == np.float64
    y.backward(np.zeros((0, 2)))
    np.testing.assert_array_equal(x.grad, np.zeros((3, 2)))


def test_int_too_large_for_int64_raises_overflow_error():
    with pytest.raises(OverflowError):
        Tensor([2**63])
    assert Tensor([2**63 - 1]).data[0] == 2**63 - 1


# --------------------------------------------------------------------------- the Function API


class _SubtractMeanInPlace(Function):
    @staticmethod
    def forward(ctx, x):
        x -= x.mean()  # writes into its input: must fail, not rewrite the caller's tensor
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_forward_writing_into_its_input_raises():
    x = leaf([1.0, 2.0, 6.0])
    with pytest.raises(ValueError, match="read-only"):
        _SubtractMeanInPlace.apply(x)
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 6.0])


def test_saved_arrays_are_read_only():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            x *= 0  # must fail
            return 2 * grad

    x = leaf([1.0, 2.0])
    y = Scale.apply(x).sum()
    with pytest.raises(ValueError, match="read-only"):
        y.backward()
    np.testing.assert_array_equal(x.data, [1.0, 2.0])


def test_forward_returning_a_tuple_raises_type_error():
    class SinCos(Function):
        @staticmethod
        def forward(ctx, x):
            return np.sin(x), np.cos(x)

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(TypeError, match=r"(?i)multi|tuple|one array"):
        SinCos.apply(leaf([0.5, 1.0]))


def test_op_storing_its_own_inputs_attribute_works():
    class Affine(Function):
        """y = a * x + b, with a and b kept by the op itself under names the engine used."""

        @staticmethod
        def forward(ctx, x, *, a, b):
            ctx.inputs = (a, b)
            ctx.output_shape = "the op's own"
            ctx.output_dtype = "attributes"
            return a * x + b

        @staticmethod
        def backward(ctx, grad):
            a, _ = ctx.inputs
            assert ctx.output_shape == "the op's own" and ctx.output_dtype == "attributes"
            return grad * a

    x = leaf([1.0, 2.0, 3.0])
    y = Affine.apply(x, a=3.0, b=1.0)
    np.testing.assert_array_equal(y.data, [4.0, 7.0, 10.0])
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 6.0, 9.0])


def test_tensor_keyword_to_apply_raises_type_error_naming_it():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, *, factor):
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(TypeError, match="factor"):
        Scale.apply(leaf([1.0, 2.0]), factor=Tensor(2.0))


class _SameGradientForBoth(Function):
    """y = a + b, whose backward returns one array object for both inputs."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        shared = grad * 1.0
        return shared, shared


class _SameGradientWithStalePromise(_SameGradientForBoth):
    fresh_gradients = True  # v1's per-op promise: v2 has no such flag and must not trust it


@pytest.mark.parametrize("op", [_SameGradientForBoth, _SameGradientWithStalePromise])
def test_one_array_returned_for_two_inputs_gives_separate_grads(op):
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    op.apply(a, b).backward(np.array([1.0, 10.0]))
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    op.apply(a, b).backward(np.array([1.0, 10.0]))  # accumulates into both, separately
    np.testing.assert_array_equal(a.grad, [2.0, 20.0])
    np.testing.assert_array_equal(b.grad, [2.0, 20.0])


# --------------------------------------------------------------------------- leaves' sums


class _ReturnsItsKeyword(Function):
    """y = a * 1; its backward returns the caller's own keyword array as the gradient."""

    @staticmethod
    def forward(ctx, a, *, gradient):
        ctx.gradient = gradient
        return a * 1.0

    @staticmethod
    def backward(ctx, grad):
        return ctx.gradient


def test_a_leaf_keeps_the_sum_the_walk_made_and_copies_anything_else():
    a = leaf([1.0, 2.0])
    _SameGradientForBoth.apply(a, a).backward(np.array([1.0, 10.0]))  # a gets one array twice
    np.testing.assert_array_equal(a.grad, [2.0, 20.0])
    assert a.grad.flags.writeable and a.grad.base is None  # its own array, summed in place
    mine = np.array([5.0, 6.0])
    b = leaf([1.0, 2.0])
    _ReturnsItsKeyword.apply(b, gradient=mine).backward(np.ones(2))
    assert not np.shares_memory(b.grad, mine)  # one gradient, not made by the walk: a copy
    b.grad += 1.0
    np.testing.assert_array_equal(mine, [5.0, 6.0])


def test_a_leaf_adds_a_picked_and_a_dense_gradient_and_accumulates_across_backwards():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for _ in range(2):
        (x[[0, 1, 1], [2, 0, 0]].sum() + (x * x).sum()).backward()
    expected = 2 * (2 * x.data + np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 0.0]]))
    np.testing.assert_array_equal(x.grad, expected)


def test_cross_entropy_backward_peaks_at_twice_the_logits():
    logits = np.random.default_rng(0).standard_normal((512, 1000)).astype(np.float32)
    x = Tensor(logits, requires_grad=True)
    target = np.arange(512) % 1000
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        F.cross_entropy(x, target).backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the shifted logits and their exp live together in forward; exp and its gradient, then the
    # gradient and x.grad, in backward: never three arrays of the logits' size at once
    assert peak - start < 2.2 * logits.nbytes


def _count_copies(monkeypatch):
    """Count the full copies the walk makes of gradients (gradient_sums.copy_gradient)."""
    from tinygrad_ce import gradient_sums

    calls = []
    original = gradient_sums.copy_gradient

    def counting(grad):
        calls.append(grad)
        return original(grad)

    monkeypatch.setattr(gradient_sums, "copy_gradient", counting)
    return calls


@pytest.mark.parametrize("retain_graph", [False, True])
def test_a_sum_handed_on_unchanged_becomes_the_leafs_grad_without_a_copy(monkeypatch, retain_graph):
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    z = x - 1.0  # passes its gradient on unchanged
    loss = (z * z).sum() + z[[0, 1], [2, 0]].sum()  # z sums a dense and a picked gradient
    copies = _count_copies(monkeypatch)
    loss.backward(retain_graph=retain_graph)
    np.testing.assert_array_equal(x.grad, 2 * (x.data - 1) + [[0, 0, 1], [1, 0, 0]])
    assert x.grad.flags.writeable and x.grad.base is None
    # one copy makes z's sum; x keeps that sum, unless the graph (and so the ops) live on
    assert len(copies) == (2 if retain_graph else 1)


@pytest.mark.parametrize(
    "data", [np.array(2.0), np.zeros((0, 3)), np.array([1.0, 2.0], np.float32)], ids=str
)
def test_a_kept_sum_is_right_for_0d_empty_and_float32_leaves(data):
    x = Tensor(data, requires_grad=True)
    for step in (1, 2):  # the second backward adds into the kept array in place
        z = x - 1.0  # z is used twice: its sum is made by the walk, then kept by x
        ((z * z).sum() + z.sum()).backward()
        np.testing.assert_array_equal(x.grad, step * (2 * (data - 1) + 1))
        assert x.grad.dtype == data.dtype and x.grad.shape == data.shape
        assert x.grad.flags.writeable and x.grad.base is None


def test_a_handed_sum_sent_to_two_leaves_and_a_node_is_shared_with_nobody():
    a, b, c = leaf([1.0, 2.0]), leaf([3.0, 4.0]), leaf([5.0, 6.0])
    for step in (1, 2):  # the second backward adds into the first .grad arrays in place
        z = a + b + c * 1.0  # z sums 3 gradients; Add hands that sum on to a + b and to c * 1.0
        ((z * z).sum() + z.sum()).backward()
        expected = step * (2 * (a.data + b.data + c.data) + 1)
        for t in (a, b, c):
            np.testing.assert_array_equal(t.grad, expected)
        assert not np.shares_memory(a.grad, b.grad) and not np.shares_memory(a.grad, c.grad)
        assert not np.shares_memory(b.grad, c.grad)


# --------------------------------------------------------------------------- arrays given as is


def test_an_array_given_to_an_op_is_copied_so_changing_it_later_changes_no_gradient():
    w = leaf([1.0, 1.0])
    a = np.array([3.0, 4.0])
    loss = (w * a).sum()
    a[:] = 100.0  # after forward, before backward: the op kept its own copy
    loss.backward()
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])
    model = nn.Linear(2, 1, rng=0)
    batch = np.ones((3, 2))
    out = model(batch).sum()
    batch[:] = 0.0  # a reused batch buffer, refilled before backward
    out.backward()
    np.testing.assert_array_equal(model.weight.grad, [[3.0, 3.0]])


@pytest.mark.parametrize("kind", ["array", "tensor"])
def test_an_index_array_changed_after_indexing_does_not_move_the_gradient(kind):
    x = leaf([1.0, 2.0, 3.0])
    index = np.array([0, 0, 1])
    picked = x[index if kind == "array" else Tensor(index)].sum()
    index[:] = 2
    picked.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 1.0, 0.0])


def test_requires_grad_of_a_computed_tensor_cannot_be_switched_off_silently():
    """PyTorch raises at the assignment; it used to cut the graph with no word."""
    x = leaf([1.0, 2.0])
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"grad_fn=Mul.*detach\(\)"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="only be set on a leaf"):
        y.requires_grad = True  # PyTorch refuses any setting on a computed tensor
    y.requires_grad_(True)  # the method: already so, nothing to change (PyTorch's too)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    with pytest.raises(TypeError, match="True or False, got 1"):
        x.requires_grad = 1
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2]).requires_grad = True
    x.requires_grad = False  # a leaf may
    assert not (x * 2.0).requires_grad


def test_in_place_with_an_operand_that_requires_grad_keeps_the_gradient():
    """acc += w * 2 on a tensor without grad is acc = acc + w * 2 while recording (PyTorch
    records it in place, with the same values and gradients); add_ / copy_ refuse it."""
    w = leaf([1.0, 2.0, 3.0])
    acc = Tensor(np.zeros(3))
    acc += w * 2.0
    assert acc.requires_grad
    (acc * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [4.0, 8.0, 12.0])  # d/dw (2 w * w) = 4 w
    for change in (lambda t: t.add_(w), lambda t: t.copy_(w * 3.0), lambda t: t.fill_(w.sum())):
        target = Tensor(np.zeros(3))
        with pytest.raises(RuntimeError, match="not differentiable here"):
            change(target)
        np.testing.assert_array_equal(target.data, 0.0)
    h = Tensor(np.ones(3, np.float32), requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        h += np.ones((2, 3))  # PyTorch: an in-place result keeps its shape
    h += np.ones(3)  # float64 operand: h stays float32, as in place in PyTorch
    assert h.dtype == np.float32 and h.shape == (3,)


def test_power_floor_division_and_remainder_in_place():
    weights = [Tensor([2.0, 3.0]), Tensor([1.5, -2.0])]
    with no_grad():
        for p in weights:
            p **= 2
    assert weights[0].tolist() == [4.0, 9.0] and weights[1].tolist() == [2.25, 4.0]
    counts = Tensor(np.array([7, 8]))
    same = counts
    counts //= 2
    counts %= 3
    assert same is counts and counts.tolist() == [0, 1] and counts._version == 2
    w = leaf([1.0])
    with pytest.raises(RuntimeError, match="requires grad"):
        w **= 2  # a leaf that requires grad, while recording: refused, as in PyTorch


def test_a_numpy_subclass_given_to_an_op_is_copied_too():
    class Marked(np.ndarray):
        pass

    w = leaf([1.0, 2.0, 3.0])
    a = np.array([1.0, 2.0, 3.0]).view(Marked)
    loss = (w * a).sum()
    a[...] = 100.0
    loss.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0, 3.0])


def test_a_leaf_frozen_between_forward_and_backward_gets_no_grad():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    x.requires_grad = False
    y.sum().backward()
    assert x.grad is None  # as PyTorch: an optimizer skips it

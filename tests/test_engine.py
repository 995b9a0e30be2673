"""Engine properties: graph walk, accumulation, no_grad, memory, dtypes, errors."""

from __future__ import annotations

import gc
import threading
import tracemalloc
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_ce as tg
from tinygrad_ce import Function, GradcheckError, Tensor, gradcheck, no_grad
from tinygrad_ce.gradient_sums import GradientSums, ScatterGradient, picks_each_once

rng = np.random.default_rng(1234)


def spy_op(record):
    """An identity op whose backward calls ``record(grad)`` and hands ``grad`` on unchanged."""

    class Spy(Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, grad):
            record(grad)
            return grad

    return Spy


# --------------------------------------------------------------------------- graph walk


def test_deep_chain_backpropagates_without_recursion_error():
    x = Tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**100_000, rel=1e-9)
    del y  # freeing a 100,000-deep graph must not overflow the stack either


def test_reused_node_gets_the_sum_of_its_gradients():
    x = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    h = x * x  # used three times below
    y = (h + h * 3.0 + h.exp()).sum()
    y.backward()
    expected = 2 * x.data + 3 * 2 * x.data + np.exp(x.data**2) * 2 * x.data
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


def test_diamond_graph_runs_each_node_once():
    calls = []
    Spy = spy_op(lambda g: calls.append(g.copy()))
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    top = Spy.apply(x)
    y = (top * 2.0 + top * 3.0).sum()
    y.backward()
    assert len(calls) == 1  # once, with both consumers' gradients already summed
    np.testing.assert_array_equal(calls[0], [5.0, 5.0])
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


def test_backward_twice_with_retain_graph_doubles_leaf_grads_and_nothing_else():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    h = x * x
    y = (h * 2.0).sum()
    y.backward(retain_graph=True)
    first = x.grad.copy()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first)
    np.testing.assert_allclose(first, 4 * x.data)
    assert h.grad is None and y.grad is None  # intermediates keep no .grad
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        y.backward()  # the second backward freed the graph
    np.testing.assert_allclose(x.grad, 2 * first)  # and the failed third changed nothing


def test_the_first_backward_frees_what_the_graph_saved():
    x = Tensor(np.ones(1000), requires_grad=True)
    y = x.exp()
    loss = (y * 2.0).sum()
    saved = weakref.ref(y.grad_fn.function.saved_tensors[0].base)
    del y
    loss.backward()
    assert saved() is None  # Exp's saved output is gone although `loss` is still alive
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_retain_grad_keeps_an_intermediates_gradient_and_others_stay_none():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    k = h * h
    h.retain_grad()
    loss = k.sum() + h.sum()  # h used twice: its .grad is the sum
    loss.retain_grad()
    loss.backward()
    np.testing.assert_allclose(h.grad, 2 * h.data + 1)
    assert k.grad is None and loss.grad == 1.0
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).retain_grad()


def test_grad_accumulates_across_different_graphs_and_zeroing_is_the_callers_job():
    w = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    (w * 3.0).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad, 3.0 + 2 * w.data)
    w.grad = None
    (w * 3.0).sum().backward()
    np.testing.assert_allclose(w.grad, [3.0, 3.0])


def test_leaf_grads_do_not_alias_each_other_or_the_upstream_gradient():
    a = Tensor(np.zeros(3), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    upstream = np.array([1.0, 2.0, 3.0])
    (a + b).backward(upstream)
    a.grad += 100  # must not change b.grad or the caller's array
    np.testing.assert_array_equal(b.grad, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(upstream, [1.0, 2.0, 3.0])


def test_backward_on_a_leaf_accumulates_into_itself():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x.backward(np.array([0.5, 0.25]))
    np.testing.assert_array_equal(x.grad, [0.5, 0.25])


def test_non_scalar_backward_without_grad_raises():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"one-element.*\(3,\)"):
        (x * 2.0).backward()


def test_backward_with_grad_of_the_wrong_shape_names_both_shapes():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        (x * 2.0).backward(np.ones(2))


def test_backward_on_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).backward()


def test_broadcasting_is_undone_to_each_input_shape():
    a = Tensor(rng.standard_normal((4, 1, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal((5, 1)), requires_grad=True)
    upstream = rng.standard_normal((4, 5, 3))
    (a * b).backward(upstream)
    np.testing.assert_allclose(a.grad, (upstream * b.data).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(b.grad, (upstream * a.data).sum(axis=(0, 2))[:, None])


def test_an_op_returning_a_gradient_of_the_wrong_shape_is_reported():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return np.ones(7)

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Broken.*\(2, 3\)"):
        Broken.apply(x).sum().backward()


def test_backward_returning_the_wrong_number_of_gradients_is_reported():
    class TwoInputs(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    a = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="1 gradients for 2 inputs"):
        TwoInputs.apply(a, a).sum().backward()


# --------------------------------------------------------------------------- skipping work


def test_needs_input_grad_tells_backward_which_gradients_to_compute():
    seen = []

    class Recorder(Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            return g, None, None

    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2))
    Recorder.apply(a, b, 3.0).sum().backward()
    assert seen == [(True, False, False)]
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])


def test_graph_is_not_recorded_when_no_input_requires_grad():
    y = Tensor(np.ones(3)) * 2.0
    assert y.grad_fn is None and not y.requires_grad


def test_constant_inputs_are_not_kept_alive_by_the_graph():
    w = Tensor(np.ones(3), requires_grad=True)
    data = Tensor(np.ones(3))
    ref = weakref.ref(data)
    y = w + data  # Add saves nothing, so the graph needs no reference to `data`
    del data
    assert ref() is None
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, np.ones(3))


# --------------------------------------------------------------------------- no_grad


def test_no_grad_context_manager_and_decorator():
    w = Tensor(np.ones(2), requires_grad=True)
    with no_grad():
        assert not (w * 2.0).requires_grad
        with no_grad():
            pass
        assert not tg.is_grad_enabled()  # a nested block restores the outer state
    assert (w * 2.0).requires_grad

    @no_grad()
    def predict(x):
        return x * w

    assert not predict(Tensor(np.ones(2))).requires_grad
    assert (w * 2.0).requires_grad


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(ValueError), no_grad():
        raise ValueError("boom")
    assert tg.is_grad_enabled()


def test_no_grad_is_thread_local():
    w = Tensor(np.ones(2), requires_grad=True)
    inside = threading.Event()
    checked = threading.Event()
    result = {}

    def other_thread():
        inside.wait(timeout=10)
        result["requires_grad"] = (w * 2.0).requires_grad
        checked.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with no_grad():
        inside.set()
        checked.wait(timeout=10)
        result["here"] = (w * 2.0).requires_grad
    worker.join()
    assert result == {"requires_grad": True, "here": False}


# --------------------------------------------------------------------------- memory


def _training_step(w, x, target):
    loss = ((x @ w - target) ** 2).mean()
    w.grad = None
    loss.backward()
    w.data -= 0.01 * w.grad
    return loss.item()


def test_training_loop_memory_stays_flat_without_the_cycle_collector():
    w = Tensor(rng.standard_normal((20, 5)), requires_grad=True)
    x = Tensor(rng.standard_normal((64, 20)))
    target = Tensor(rng.standard_normal((64, 5)))
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        # Warm-up: Python's free lists and NumPy's caches fill up to a fixed size (~190 kB here).
        for _ in range(3000):
            _training_step(w, x, target)
        nodes_before = sum(issubclass(type(o), Function) for o in gc.get_objects())
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(1000):
            _training_step(w, x, target)
        after, _ = tracemalloc.get_traced_memory()
        nodes_after = sum(issubclass(type(o), Function) for o in gc.get_objects())
        tracemalloc.stop()
    finally:
        gc.enable()
    # One leaked graph per step would be > 1000 * 2.5 kB (the (64, 5) float64 arrays alone).
    assert after - before < 20_000, f"memory grew by {after - before} bytes over 1000 steps"
    assert nodes_after == nodes_before


def test_a_dropped_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        w = Tensor(np.ones((3, 3)), requires_grad=True)
        loss = ((w @ w).exp() * 2.0).sum()
        loss.backward()
        node = weakref.ref(loss.grad_fn)
        del loss
        assert node() is None  # freed at once, without gc.collect()
    finally:
        gc.enable()


# --------------------------------------------------------------------------- dtypes and data


def test_dtype_rules():
    assert Tensor(1.5).dtype == np.float32
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor([1, 2]).dtype == np.int64
    assert Tensor(3).dtype == np.int64
    assert Tensor([True, False]).dtype == np.bool_
    assert Tensor(np.ones(2, dtype=np.float64)).dtype == np.float64
    assert Tensor(np.ones(2, dtype=np.int32)).dtype == np.int32
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_python_scalars_do_not_promote_float32():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = 2.0 * x / 3.0 + 1 - x**2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == x.shape


def test_grad_has_the_dtype_of_its_tensor_even_when_mixed_with_float64():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = (x * np.full(3, 2.0)).sum()  # float32 * float64 array -> float64 result
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


@pytest.mark.parametrize("data", [[1, 2], np.arange(3), True])
def test_only_floating_tensors_can_require_grad(data):
    with pytest.raises(TypeError, match="floating"):
        Tensor(data, requires_grad=True)


def test_unsupported_data_is_rejected_with_its_dtype():
    with pytest.raises(TypeError, match="dtype"):
        Tensor(["a", "b"])


def test_numpy_array_on_the_left_gives_a_tensor():
    x = Tensor(np.ones(2), requires_grad=True)
    for result in (
        np.ones(2) + x,
        np.ones(2) - x,
        np.ones(2) * x,
        np.ones(2) / x,
        np.eye(2) @ x,
        np.float64(2.0) ** x,
    ):
        assert isinstance(result, Tensor)
        assert result.requires_grad


def test_constructor_copies_and_ops_never_modify_inputs():
    array = np.array([1.0, 2.0])
    x = Tensor(array, requires_grad=True)
    x.data[0] = 5.0
    assert array[0] == 1.0
    other = np.array([3.0, 4.0])
    (x * other).sum().backward()
    np.testing.assert_array_equal(other, [3.0, 4.0])


def test_tensor_facts():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.dtype == np.float64
    assert x.numpy() is x.data
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert x[1, 2].item() == 5.0
    with pytest.raises(ValueError, match="one element"):
        x.item()
    d = x.detach()
    assert not d.requires_grad and d.data is x.data and d.grad_fn is None
    assert "grad_fn=<Mul>" in repr(x * 2.0)
    assert x.T.shape == (3, 2)


def test_argmax_and_comparisons_are_tensors_without_grad_that_numpy_accepts():
    x = Tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.5]]), requires_grad=True)
    np.testing.assert_array_equal(x.argmax(axis=1), [1, 2])
    assert x.argmax().item() == 5 and x.argmax().dtype == np.int64
    assert x.argmax(axis=-1, keepdim=True).shape == (2, 1)
    for result in (x > 1.0, x == x, x < np.ones(3), x >= Tensor(np.zeros(3)), x != 0.0, x <= 2):
        assert isinstance(result, Tensor) and result.dtype == np.bool_
        assert not result.requires_grad
    pred, y = x.argmax(axis=1), np.array([1, 0])
    assert np.mean(pred == y) == 0.5
    assert (pred == Tensor(y)).float().mean().item() == 0.5


# --------------------------------------------------------------------------- op specifics


def test_max_ties_share_the_gradient_equally_like_amax():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), requires_grad=True)
    upstream = np.array([0.6, 0.9])
    x.max(axis=1).backward(upstream)
    np.testing.assert_allclose(x.grad, [[0.0, 0.3, 0.3], [0.3, 0.3, 0.3]])
    y = Tensor(np.array([4.0, 1.0, 4.0]), requires_grad=True)
    y.max().backward()
    np.testing.assert_allclose(y.grad, [0.5, 0.0, 0.5])


def test_repeated_indices_accumulate_their_gradients():
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = np.array([2, 0, 2, 2])
    upstream = rng.standard_normal((4, 2))
    x[rows].backward(upstream)
    expected = np.zeros((3, 2))
    for k, r in enumerate(rows):
        expected[r] += upstream[k]
    np.testing.assert_allclose(x.grad, expected)


def test_indexing_with_a_mixed_tuple_and_tensor_indices():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    rows = np.array([1, 0, 1])
    mask = np.array([True, False, True, True])  # pairs with rows: (1, 0), (0, 2), (1, 3)
    y = x[Tensor(rows), 1:, mask]
    np.testing.assert_array_equal(y.data, x.data[rows, 1:, mask])
    assert y.shape == (3, 2)
    upstream = rng.standard_normal((3, 2))
    y.backward(upstream)
    expected = np.zeros((2, 3, 4))
    for k, (r, c) in enumerate([(1, 0), (0, 2), (1, 3)]):
        expected[r, 1:, c] += upstream[k]
    np.testing.assert_allclose(x.grad, expected)


def test_where_routes_the_gradient_by_the_condition():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array(10.0), requires_grad=True)
    y = tg.where(np.array([True, False, True]), a, b)
    np.testing.assert_array_equal(y.data, [1.0, 10.0, 3.0])
    y.backward(np.array([0.5, 0.25, 2.0]))
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 2.0])
    assert b.grad == 0.25


def test_sigmoid_is_finite_for_huge_inputs_in_float32():
    x = Tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=np.float32), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_allclose(y.data, [0.0, 1.9287499e-22, 0.5, 1.0, 1.0], rtol=1e-6)
    assert np.all(np.isfinite(x.grad))


# --------------------------------------------------------------------------- gradcheck


class DoubledExp(Function):
    """exp with a backward that is wrong by a factor of 2."""

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return 2 * g * y


def test_gradcheck_catches_a_backward_wrong_by_a_factor_of_two():
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    with pytest.raises(GradcheckError) as error:
        gradcheck(lambda c, t: DoubledExp.apply(t) * c, [Tensor(np.ones(1)), x])
    message = str(error.value)
    assert "input 1" in message and "index (0, 0)" in message
    assert "analytic" in message and "numeric" in message
    assert isinstance(error.value, AssertionError)


def test_gradcheck_catches_a_wrong_softmax_gradient_with_a_random_upstream():
    """Softmax rows sum to 1: an all-ones upstream gradient would let this bug through."""

    class SoftmaxForgettingTheJacobian(Function):
        @staticmethod
        def forward(ctx, x):
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            y = e / e.sum(axis=-1, keepdims=True)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y  # the true gradient is y * (g - sum(g * y))

    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    with pytest.raises(GradcheckError):
        gradcheck(SoftmaxForgettingTheJacobian.apply, [x])


def test_gradcheck_passes_a_correct_op_and_leaves_inputs_untouched():
    x = Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal(3), requires_grad=True)
    before = x.data.copy()
    assert gradcheck(lambda a, b: (a * b).tanh().sum(axis=1), [x, w]) is True
    np.testing.assert_array_equal(x.data, before)
    assert x.grad is None and w.grad is None


def test_gradcheck_catches_a_missing_gradient():
    class Detached(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g * b_value, None  # forgets b

    b_value = 3.0
    a = Tensor(np.ones(2) * 2, requires_grad=True)
    b = Tensor(np.ones(2) * 3, requires_grad=True)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(Detached.apply, [a, b])


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda t: t * 2.0, [Tensor(np.ones(2))])


def test_intermediate_arrays_no_backward_saved_are_freed_while_the_graph_lives():
    w = Tensor(np.ones(1000), requires_grad=True)
    h = w + 1.0  # Add saves nothing; Sum saves nothing
    y = h.sum()
    data = weakref.ref(h.data)
    del h
    assert data() is None  # the graph holds nodes, not intermediate tensors
    y.backward()
    np.testing.assert_array_equal(w.grad, np.ones(1000))


# --------------------------------------------------------------------------- gradient ownership


@st.composite
def random_graphs(draw):
    """A random DAG of +, -, * and reuse over two leaves: ops pass gradients through unchanged
    (Add, Sub), share them between inputs, and accumulate them in place."""
    steps = draw(
        st.lists(
            st.tuples(st.sampled_from("+-*"), st.integers(0, 50), st.integers(0, 50)),
            min_size=1,
            max_size=12,
        )
    )
    return steps


def build(steps, a, b):
    values = [a, b, a * 0.5]
    for op, i, j in steps:
        x, y = values[i % len(values)], values[j % len(values)]
        values.append(x + y if op == "+" else x - y if op == "-" else x * y)
    return sum(values[2:], values[-1])


@given(random_graphs())
@settings(max_examples=60, deadline=None)
def test_random_graphs_with_reuse_match_finite_differences(steps):
    a = Tensor(rng.uniform(-1, 1, (3,)), requires_grad=True)
    b = Tensor(rng.uniform(-1, 1, (2, 3)), requires_grad=True)
    assert gradcheck(lambda a, b: build(steps, a, b), [a, b])


def test_a_gradient_passed_to_two_inputs_is_not_modified_through_the_other():
    class AddReshaped(Function):
        """y = a + b.reshape(a.shape): backward hands g to a and a view of g to b"""

        @staticmethod
        def forward(ctx, a, b):
            return a + b.reshape(a.shape)

        @staticmethod
        def backward(ctx, g):
            return g, g.reshape(-1)

    x = Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    a = x * 2.0  # nodes, so both gradients wait in the walk's pending sums
    b = (x * 3.0).reshape(4)
    s = AddReshaped.apply(a, b)
    # s's gradient is a sum (so the walk owns it), and it reaches a before a * 3's gradient does:
    # summing that into a's gradient in place must not change the view of it that b holds.
    y = (b.reshape(2, 2) + a * 3.0) + (s * 1.5 + s)
    upstream = rng.standard_normal((2, 2))
    y.backward(upstream)
    grad_s = 2.5 * upstream
    grad_a = grad_s + 3.0 * upstream
    grad_b = grad_s + upstream
    expected = 2 * grad_a + 3 * grad_b
    np.testing.assert_allclose(x.grad, expected)


def test_the_callers_upstream_gradient_is_never_written():
    x = Tensor(np.ones(3), requires_grad=True)
    h = x + 0.0
    y = h + h  # Add passes the same array to both inputs
    upstream = np.array([1.0, 2.0, 3.0])
    y.backward(upstream)
    x.grad += 1000
    np.testing.assert_array_equal(upstream, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.grad, [1002.0, 1004.0, 1006.0])


def test_a_gather_with_one_index_array_per_axis_accumulates_repeats_negatives_included():
    x = Tensor(np.zeros((3, 4)), requires_grad=True)
    rows = np.array([0, 2, -3, 1])  # -3 is row 0 again, paired with column 1 both times
    cols = np.array([1, 3, 1, 0])
    upstream = np.array([1.0, 2.0, 4.0, 8.0])
    x[rows, cols].backward(upstream)
    expected = np.zeros((3, 4))
    expected[0, 1], expected[2, 3], expected[1, 0] = 5.0, 2.0, 8.0
    np.testing.assert_array_equal(x.grad, expected)
    big = Tensor(np.zeros((2000, 3)), requires_grad=True)  # enough picks to check uniqueness
    rows, cols = np.arange(2000), np.arange(2000) % 3
    big[rows, cols].backward(np.arange(2000.0))  # unique: written directly
    expected = np.zeros((2000, 3))
    expected[rows, cols] = np.arange(2000.0)
    np.testing.assert_array_equal(big.grad, expected)
    big.grad = None
    rows[5] = -2000  # now rows 0 and 5 pick the same element... if their columns agree
    cols[5] = 0
    big[rows, cols].backward(np.ones(2000))
    assert big.grad[0, 0] == 2.0 and big.grad.sum() == 2000.0


# --------------------------------------------------------------------------- scattered gradients


def make_gradient(kind, seed):
    """One gradient of shape (4, 3) of the given kind, and its dense value."""
    local = np.random.default_rng(seed)
    if kind.startswith("scatter"):
        rows = np.array([0, 2, 3]) if kind == "scatter unique" else np.array([1, 1, 3])
        cols = np.array([1, 0, 2])
        values = local.standard_normal(3)
        grad = ScatterGradient((4, 3), (rows, cols), values)
        dense = np.zeros((4, 3))
        np.add.at(dense, (rows, cols), values)
        return grad, dense
    array = local.standard_normal((4, 3))
    return array, array.copy()


KINDS = ["array", "scatter unique", "scatter repeated"]


@pytest.mark.parametrize("kinds", [(a, b, c) for a in KINDS for b in KINDS for c in KINDS])
def test_gradient_sums_add_any_kinds_and_never_write_an_array_they_were_given(kinds):
    grads = [make_gradient(kind, seed) for seed, kind in enumerate(kinds)]
    sums, node = GradientSums(), object()
    for grad, _ in grads:
        sums.add(node, grad)
    total = sums.pop(node)
    np.testing.assert_allclose(total, sum(dense for _, dense in grads))
    for grad, dense in grads:
        if isinstance(grad, np.ndarray):
            np.testing.assert_array_equal(grad, dense)  # never written
            assert total is not grad
    assert sums.pop(node) is None  # popped: gone


def test_gathers_large_and_small_unique_and_repeated_in_one_graph():
    x = Tensor(rng.standard_normal((3000, 3)), requires_grad=True)
    rows = np.arange(3000)
    cols = rng.integers(0, 3, 3000)
    picked = x[rows, cols]  # unique, large: written with +=
    repeated = x[np.array([5, 5, 7]), np.array([0, 0, 2])]  # repeats: add.at
    y = (picked * picked).sum() + repeated.sum() * 3.0 + x[5].sum() + x.sum()
    y.backward()
    expected = np.ones((3000, 3))
    expected[rows, cols] += 2 * x.data[rows, cols]
    expected[5, 0] += 6.0
    expected[7, 2] += 3.0
    expected[5] += 1.0
    np.testing.assert_allclose(x.grad, expected)
    x.grad = None
    z = x[rows, cols].reshape(1, 3000) * 2.0  # a scattered gradient reaching a leaf first
    z.backward(np.ones((1, 3000)))
    expected = np.zeros((3000, 3))
    expected[rows, cols] = 2.0
    np.testing.assert_array_equal(x.grad, expected)


def test_an_op_never_receives_a_scattered_gradient():
    seen = []
    Spy = spy_op(lambda g: seen.append(type(g)))
    x = Tensor(np.ones((4, 3)), requires_grad=True)
    Spy.apply(x)[np.array([0, 2]), np.array([1, 1])].sum().backward()
    assert seen == [np.ndarray]
    np.testing.assert_array_equal(x.grad.sum(), 2.0)


# --------------------------------------------------------------------------- found in review


def test_a_custom_op_that_keeps_its_grad_never_sees_it_change():
    seen = []
    Spy = spy_op(seen.append)
    for swap in (False, True):
        seen.clear()
        x = Tensor(np.ones(3), requires_grad=True)
        terms = [(x * 5.0).sum(), (Spy.apply(x) * 3.0).sum()]
        (terms[1] + terms[0] if swap else terms[0] + terms[1]).backward()
        np.testing.assert_array_equal(seen[0], [3.0, 3.0, 3.0])
        np.testing.assert_array_equal(x.grad, [8.0, 8.0, 8.0])
        assert not np.shares_memory(seen[0], x.grad)


def test_backward_gets_a_read_only_grad_so_writing_into_it_fails_loudly():
    class ReluWritingIntoGrad(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.maximum(x, 0)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            grad[x <= 0] = 0  # the classic mistake: it would write into someone else's array
            return grad

    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    upstream = np.array([1.0, 1.0])
    with pytest.raises(ValueError, match="read-only"):
        ReluWritingIntoGrad.apply(x).backward(upstream)
    np.testing.assert_array_equal(upstream, [1.0, 1.0])


def test_backward_may_return_a_list():
    class AddAsList(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return [grad, grad * 2]

    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    AddAsList.apply(a, b).sum().backward()
    np.testing.assert_array_equal(b.grad, [2.0, 2.0])


def test_trace_shows_the_gradient_a_node_received_even_when_it_is_reused_later():
    import io

    x = Tensor(np.ones(2), requires_grad=True)
    c = Tensor(np.ones(2), requires_grad=True)
    a = x * 2.0
    s = a - c
    out = io.StringIO()
    with tg.trace(file=out):
        ((s * 3.0).sum() + a.sum()).backward()
    sub_line = next(line for line in out.getvalue().splitlines() if "] Sub receives" in line)
    assert "receives (2,) [3, 3] from" in sub_line


def test_refilling_an_index_or_label_buffer_before_backward_changes_nothing():
    from tinygrad_ce import functional as F

    logits = Tensor(np.zeros((2, 3)), requires_grad=True)
    labels = np.array([0, 1])
    loss = F.cross_entropy(logits, labels)
    labels[:] = [2, 2]  # e.g. the next batch's labels, written into the same buffer
    loss.backward()
    expected = np.full((2, 3), 1 / 6)
    expected[[0, 1], [0, 1]] -= 0.5
    np.testing.assert_allclose(logits.grad, expected)

    x = Tensor(np.arange(4.0), requires_grad=True)
    rows = [0, 0, 3]
    mask = np.array([True, False, True, False])
    y = x[rows].sum() + tg.where(mask, x, 0.0).sum()
    rows[2], mask[:] = 1, True
    y.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0, 1.0])


def test_pow_gradients_at_zero_follow_pytorch():
    x = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    (x**0).sum().backward()  # constant in x, even at 0
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    e = Tensor(np.array([0.0, 1.0, 2.5]), requires_grad=True)
    with np.errstate(all="raise"):
        (0.0**e).sum().backward()  # d/de 0**e = 0 for e >= 0, not 0 * log 0
    np.testing.assert_array_equal(e.grad, [0.0, 0.0, 0.0])
    b = Tensor(np.array([0.0, 3.0]), requires_grad=True)
    p = Tensor(np.array([2.0, 2.0]), requires_grad=True)
    (b**p).sum().backward()
    np.testing.assert_allclose(b.grad, [0.0, 6.0])
    np.testing.assert_allclose(p.grad, [0.0, 9.0 * np.log(3.0)])


def test_no_grad_as_a_bare_decorator_and_on_generators():
    w = Tensor(np.ones(2), requires_grad=True)

    @no_grad
    def predict(x):
        return x * w

    assert not predict(Tensor(np.ones(2))).requires_grad

    @no_grad()
    def batches():
        for _ in range(2):
            received = yield (w * 2.0).requires_grad
            assert received == "go"
        return "done"

    gen = batches()
    assert next(gen) is False
    assert (w * 2.0).requires_grad  # recording again between resumptions
    assert gen.send("go") is False
    with pytest.raises(StopIteration) as stop:
        gen.send("go")
    assert stop.value.value == "done"
    assert tg.is_grad_enabled()


# --------------------------------------------------------------------------- v2: errors, in place


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), r"\(2, 3\) and \(2, 3\)"),
        (lambda: Tensor(np.ones(3)) @ Tensor(np.array(2.0)), r"\(3,\) @ \(\)"),
        (lambda: Tensor(np.ones((2, 2))).reshape(-1, -1, 2), r"\(2, 2\) into shape \(-1, -1, 2\)"),
        (lambda: Tensor(np.ones((2, 2))).reshape(3), r"\(2, 2\) into shape \(3,\)"),
        (lambda: Tensor(np.ones((2, 3, 4))).transpose(0, 1, 1), r"not a permutation.*\(2, 3, 4\)"),
        (lambda: Tensor(np.ones((2, 3))).sum(axis=2), r"axis 2 .* 2 dimensions"),
        (lambda: Tensor(np.ones((2, 3))).max(axis=-3), r"axis -3 .* 2 dimensions"),
        (lambda: Tensor(np.array(1.0)).mean(axis=1), r"axis 1 .* 0 dimensions"),
        (lambda: Tensor(np.ones((2, 3))).transpose(0, 5), r"axis 5 .* 2 dimensions"),
    ],
)
def test_shape_and_axis_errors_are_ours_and_name_the_shapes(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda w: w.zero_(), [0.0, 0.0]),
        (lambda w: w.fill_(3.0), [3.0, 3.0]),
        (lambda w: w.copy_([5.0, 6.0]), [5.0, 6.0]),
        (lambda w: w.add_(1.0), [2.0, 3.0]),
        (lambda w: w.sub_(Tensor([1.0, 1.0])), [0.0, 1.0]),
        (lambda w: w.mul_(np.array([2.0, 3.0])), [2.0, 6.0]),
        (lambda w: w.add_(Tensor([1.0, 1.0]), alpha=-2), [-1.0, 0.0]),
        (lambda w: w.sub_(1.0, alpha=0.5), [0.5, 1.5]),
        (lambda w: w.div_(4.0), [0.25, 0.5]),
        (lambda w: _augmented(w, "+=", 1.0), [2.0, 3.0]),
        (lambda w: _augmented(w, "-=", np.array([1.0, 3.0])), [0.0, -1.0]),
        (lambda w: _augmented(w, "*=", Tensor(2.0)), [2.0, 4.0]),
        (lambda w: _augmented(w, "/=", 2), [0.5, 1.0]),
    ],
)
def test_in_place_methods_change_the_data_and_bump_the_version(change, expected):
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    with tg.no_grad():
        assert change(w) is w
    np.testing.assert_array_equal(w.data, expected)
    assert w._version == 1
    with pytest.raises(RuntimeError, match=r"Mul: a tensor of shape \(2,\).*version 1; expected"):
        loss.backward()
    with pytest.raises(RuntimeError, match="requires grad cannot be changed in place"):
        w.add_(1.0)  # outside no_grad: refused, as PyTorch refuses it on a leaf


def _augmented(w, operator, other):
    """``w += other`` (or -=, *=, /=): in place, as in PyTorch; returns what w is bound to."""
    namespace = {"w": w, "other": other}
    exec(f"w {operator} other", namespace)
    return namespace["w"]


def test_pytorchs_manual_update_step_changes_the_parameters_in_place():
    """``p -= lr * p.grad`` under no_grad, the step of PyTorch's tutorials, updates the model."""
    model = tg.nn.Linear(2, 1, rng=0)
    before = [p.data.copy() for p in model.parameters()]
    model(Tensor([[1.0, 2.0]])).sum().backward()
    with tg.no_grad():
        for p in model.parameters():
            p -= 0.5 * Tensor(p.grad)
    for p, old in zip(model.parameters(), before):
        np.testing.assert_allclose(p.data, old - 0.5 * p.grad, rtol=1e-6)
        assert p._version == 1 and p.requires_grad and p.is_leaf


def test_in_place_arithmetic_refuses_a_new_dtype_kind_or_shape_before_changing_anything():
    counts = Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match=r"float64.*int64"):
        counts += 1.5  # PyTorch: result type Float can't be cast to Long
    with pytest.raises(TypeError, match=r"float64.*int64"):
        counts /= 2
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(2,\)"):
        counts += np.ones((2, 2), np.int64)
    np.testing.assert_array_equal(counts.data, [1, 2])
    assert counts._version == 0
    counts *= 3  # integers into integers: fine
    np.testing.assert_array_equal(counts.data, [3, 6])
    halves = Tensor(np.array([1.0, 3.0], np.float32))
    halves += np.float64(0.5)  # float64 into float32: the same kind, kept float32 (as PyTorch)
    assert halves.dtype == np.float32 and halves.tolist() == [1.5, 3.5]
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad cannot be changed in place"):
        w += 1.0  # a leaf that requires grad, while grad is recorded: refused, as in PyTorch
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (1,), (2, 3)])
def test_in_place_operators_on_corner_shapes_and_mixed_float_widths(shape):
    """0-d and size-0 tensors, a tensor added to itself, and a float64 operand into float32
    (kept float32, as PyTorch): the same values as the out-of-place operators."""
    rng = np.random.default_rng(0)
    start = rng.standard_normal(shape).astype(np.float32)
    other = rng.standard_normal(shape)  # float64
    x = Tensor(start.copy())
    same = x
    x += other
    x *= x  # the tensor used twice: read whole before it is written
    x -= 0.5
    x /= Tensor(np.float32(2.0))
    expected = (((start + other).astype(np.float32) ** 2) - 0.5) / 2
    assert x is same and x.dtype == np.float32 and x.shape == shape and x._version == 4
    np.testing.assert_allclose(x.data, expected, rtol=1e-6)


def test_views_and_detached_tensors_share_the_version_counter():
    w = Tensor(np.arange(6.0), requires_grad=True)
    loss = (w * w).sum()
    view = w.detach().reshape(2, 3)  # shares w's memory: changing it changes w
    view.add_(1.0)
    assert w._version == 1 and w.data[0] == 1.0
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


def test_changing_an_ops_saved_output_in_place_is_caught():
    x = Tensor(np.array([0.5, 1.0]), requires_grad=True)
    y = x.exp()  # Exp saves its output y
    loss = y.sum()  # Sum saves nothing
    y.data = y.data + 1.0
    with pytest.raises(RuntimeError, match=r"Exp: .*version 1; expected version 0"):
        loss.backward()


def test_forward_gets_read_only_views_and_constants_are_protected_too():
    class Scale(tg.Function):
        @staticmethod
        def forward(ctx, x, k):
            k *= 2  # writes into a constant array: refused
            return x * k

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    constant = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="read-only"):
        Scale.apply(Tensor(np.ones(2), requires_grad=True), constant)
    np.testing.assert_array_equal(constant, [1.0, 2.0])


def test_an_element_picked_by_integers_is_a_view_as_in_pytorch():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    x[0, 1].add_(100.0)
    x[1, -1].fill_(7.0)
    x[0, 2].zero_()
    Tensor.mul_(x[1][0], 2.0)  # through two integer indexings
    np.testing.assert_array_equal(x.data, [[0.0, 101.0, 0.0], [6.0, 4.0, 7.0]])
    w = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    loss = (w * w).sum()
    with tg.no_grad():
        w[0, 1].add_(1.0)
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()
    v = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (v[0, 1] * 3.0 + v[1, -1] + v[-1, 2]).backward()
    np.testing.assert_array_equal(v.grad, [[0.0, 3.0, 0.0], [0.0, 0.0, 2.0]])


def test_a_broadcast_view_stays_read_only_as_pytorch_refuses_writes_into_it():
    x = Tensor(np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="read-only"):
        x.expand(3, 2).add_(1.0)
    np.testing.assert_array_equal(x.data, [[1.0, 2.0]])
    y = Tensor(np.arange(3.0))
    y[:, None].add_(1.0)  # a new axis of size 1 is no broadcast: the view is writable
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 3.0])
    empty = Tensor(np.zeros((3, 2, 0)))
    empty.T.fill_(1.0)  # an empty view (NumPy may give it 0 strides) holds no repeats: writable
    assert empty.T.data.flags.writeable


# --------------------------------------------------------------------------- indexing's gradient


INDEXES = [
    (np.arange(4), np.array([2, 0, 2, 1])),  # cross_entropy's pick: each row once
    (slice(None), np.array([1, 1])),  # a column twice
    np.array([0, 0, 3]),  # a row twice
    np.array([3, 1]),  # not increasing: treated as possibly repeated
    np.array([-1, 3]),  # -1 is row 3: a repeat
    (np.array([0, 1]), slice(1, 3)),
    (1, slice(None)),
    (Ellipsis, None, 2),
    np.arange(12).reshape(4, 3) > 5,  # a boolean mask
    (np.array([True, False, True, True]), np.array([0, 2, 2])),
    np.array([], dtype=np.intp),
    (np.arange(4)[:, None], np.array([[0, 1, 2]])),  # every element once, but 2-d: not proven
]


@pytest.mark.parametrize("index", INDEXES, ids=range(len(INDEXES)))
def test_scatter_adds_with_plus_equals_only_when_no_element_is_picked_twice(index):
    base = np.arange(12.0).reshape(4, 3)
    values = np.random.default_rng(0).standard_normal(base[index].shape)
    expected = base.copy()
    np.add.at(expected, index, values)
    plain = base.copy()
    plain[index] += values
    if picks_each_once(index):
        np.testing.assert_array_equal(plain, expected)  # the claim holds
    got = base.copy()
    ScatterGradient(base.shape, index, values).add_to(got)
    np.testing.assert_array_equal(got, expected)


def test_which_indexes_are_known_to_pick_each_element_once():
    known = [picks_each_once(index) for index in INDEXES]
    assert known == [True, False, False, False, False, True, True, True, True, False, True, False]

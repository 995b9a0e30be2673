"""The learning tools: the DOT picture of a graph and the backward trace."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Tensor
from tinygrad_ce.viz import render, to_dot, trace


def small_graph():
    w = Tensor(np.array([[1.0, -1.0], [0.5, 2.0]]), requires_grad=True)
    x = Tensor(np.array([[3.0, 4.0]]))
    loss = (x @ w).exp().sum()
    return w, x, loss


def test_to_dot_shows_every_op_and_tensor_once_with_edges():
    w, _, loss = small_graph()
    dot = to_dot(loss, names={"w": w})
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    for op in ("MatMul", "Exp", "Sum"):
        assert dot.count(f'label="{op}"') == 1
    assert 'label="w\\n(2, 2) float64\\nleaf, requires_grad"' in dot
    # x needs no grad, so the graph does not record it: 3 tensors (w, x@w, exp) + loss
    assert dot.count("shape=ellipse") == 4
    assert dot.count("->") == 6  # each op: one input edge + one output edge


def test_to_dot_of_a_reused_tensor_lists_it_once():
    a = Tensor(np.ones(3), requires_grad=True)
    h = a.exp()
    dot = to_dot((h * h).sum())
    assert dot.count('label="Exp"') == 1
    assert dot.count(f"t{id(h.grad_fn)} -> ") == 2  # h (made by Exp) feeds Mul twice


def test_render_without_graphviz_explains_how(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    _, _, loss = small_graph()
    with pytest.raises(RuntimeError, match="graphviz"):
        render(loss, tmp_path / "graph.svg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_render_writes_an_svg(tmp_path):
    _, _, loss = small_graph()
    path = render(loss, tmp_path / "graph.svg")
    assert path.read_text().lstrip().startswith("<?xml")


def test_trace_prints_each_node_in_backward_order_with_its_gradients():
    w, _, loss = small_graph()
    out = io.StringIO()
    with trace(names={"w": w}, file=out):
        loss.backward()
    lines = out.getvalue().splitlines()
    ops = [line.split()[1] for line in lines if line.startswith("[")]
    assert ops == ["Sum", "Exp", "MatMul"]
    assert lines[0] == "backward from a tensor of shape (), dtype float64"
    assert "input 1 (w, leaf)" in lines[-1]
    # the gradient printed for w is the one accumulated into w.grad
    values = lines[-1].split("grad out (2, 2) ")[1]
    printed = np.array(eval(values))  # "[[a, b], [c, d]]"
    np.testing.assert_allclose(printed, w.grad, rtol=1e-3)


def test_trace_summarizes_large_gradients_and_stops_after_the_block():
    w = Tensor(np.ones((50, 40)), requires_grad=True)
    out = io.StringIO()
    with trace(file=out):
        (w * 2.0).sum().backward()
    assert "(50, 40) mean 2, min 2, max 2, norm" in out.getvalue()
    before = out.getvalue()
    (w * 2.0).sum().backward()
    assert out.getvalue() == before


def test_trace_is_removed_even_when_backward_fails():
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError), trace(file=io.StringIO()):
        (w * 2.0).backward()  # non-scalar without grad
    from tinygrad_ce.engine import _state

    assert _state.backward_observers == []


def test_trace_names_accept_named_parameters_style_pairs():
    w = Tensor(np.ones(2), requires_grad=True)
    out = io.StringIO()
    with tg.viz.trace(names=[("weight", w)], file=out):
        (w * w).sum().backward()
    assert "(weight, leaf)" in out.getvalue()

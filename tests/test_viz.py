"""The learning tools: the SVG picture, its layout, the DOT text, the trace and the HTML
stepper (its page as text; tests/test_browser.py runs it in a browser)."""

from __future__ import annotations

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tinygrad_ce as tg
from tinygrad_ce import Tensor
from tinygrad_ce import functional as F
from tinygrad_ce.viz import _layout, _text, render, to_dot, to_html, to_svg, trace

SVG = "{http://www.w3.org/2000/svg}"


def boxes(svg):
    """{id or index: (class, [text lines], (x, y, w, h))} of the boxes in an SVG picture."""
    root = ET.fromstring(svg)
    out = {}
    for i, group in enumerate(root.iter(f"{SVG}g")):
        rect = group.find(f"{SVG}rect")
        geometry = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
        lines = [t.text or "" for t in group.iter(f"{SVG}text")]
        out[group.get("id", i)] = (group.get("class"), lines, geometry)
    return out


def box_with(svg, first_line):
    found = [b for b in boxes(svg).values() if b[1] and b[1][0] == first_line]
    assert len(found) == 1, (first_line, [b[1] for b in boxes(svg).values()])
    return found[0]


def diamond():
    """x -> h = 4x -> p = exp(h), q = log(h) -> L = p + q: h is used twice."""
    x = Tensor(np.array(0.5), requires_grad=True)
    h = x * 4.0
    p, q = h.exp(), h.log()
    return x, h, p, q, p + q


# ----------------------------------------------------------------------------- to_svg


def test_svg_shows_names_shapes_values_and_constants():
    x, h, p, q, L = diamond()
    svg = to_svg(L, names={"x": x, "h": h, "p": p, "q": q, "L": L})
    found = boxes(svg)
    assert sum(c == "op" for c, _, _ in found.values()) == 4  # Mul, Exp, Log, Add
    assert box_with(svg, "x")[1] == ["x", "() float64 leaf", "data 0.5"]  # no grad yet
    assert box_with(svg, "h")[1] == ["h", "() float64", "data 2"]
    assert box_with(svg, "L")[0] == "value root"
    assert box_with(svg, "q")[1][2] == "data 0.6931"
    assert [b[1] for b in found.values() if b[0] == "constant"] == [["4"]]
    assert box_with(svg, "Add")[1] == ["Add", "a + b"]


def test_svg_shows_gradients_after_backward_leaves_and_retained():
    x, h, p, _, L = diamond()
    h.retain_grad()
    names = {"x": x, "h": h, "p": p, "L": L}
    assert "grad" not in " ".join(box_with(to_svg(L, names), "x")[1])  # before backward
    L.backward()
    svg = to_svg(L, names)
    assert box_with(svg, "x")[1][-1] == f".grad {_text.number(x.grad)}" == ".grad 31.56"
    assert box_with(svg, "h")[1][-1] == ".grad 7.889"  # retain_grad(): e^2 + 1/2
    assert box_with(svg, "p")[1][-1] == "data 7.389"  # not retained: no gradient shown
    assert box_with(svg, "L")[1][-1] == "data 8.082"  # the root's gradient is not known


def root_lines(tensor, names):
    return box_with(to_svg(tensor, names), "L")[1]


def test_svg_root_shows_no_gradient_after_another_loss_sharing_its_leaves():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    L, other = (x * 2.0).sum(), (x * x).sum()
    other.backward()  # every leaf of L now has a .grad, but no backward started at L
    names = {"x": x, "L": L}
    assert root_lines(L, names) == ["L", "() float64", "data 6"]
    assert box_with(to_svg(L, names), "x")[1][-1] == ".grad [2 4]"  # other's: 2x


def test_svg_root_shows_its_retained_grad_after_backward_from_10():
    x = Tensor(np.array(3.0), requires_grad=True)
    L = x * x
    L.backward(np.array(10.0))
    assert root_lines(L, {"L": L})[-1] == "data 9"  # not "grad 1": the start was 10
    L = x * x
    L.retain_grad()
    L.backward(np.array(10.0))
    assert root_lines(L, {"L": L})[-1] == ".grad 10"


def test_svg_root_after_two_retain_graph_backwards_shows_the_accumulated_grad():
    x = Tensor(np.array(3.0), requires_grad=True)
    L = x * x
    L.backward(retain_graph=True)
    L.backward()
    assert root_lines(L, {"L": L})[-1] == "data 9"
    assert box_with(to_svg(L, {"x": x, "L": L}), "x")[1][-1] == ".grad 12"  # 6 + 6
    x.grad = None
    L = x * x
    L.retain_grad()
    L.backward(retain_graph=True)
    L.backward()
    assert root_lines(L, {"L": L})[-1] == ".grad 2"  # 1 + 1, as L.grad says
    assert L.grad == 2.0
    w = Tensor(np.array(1.0), requires_grad=True)  # a leaf as the root: its own .grad
    w.backward()
    assert box_with(to_svg(w, {"L": w}), "L")[1][-1] == ".grad 1"


def unnamed_pair():
    """Two unnamed leaves that the walk meets in the other order than the picture lists them:
    b (through [2] Mul) before a (through [4] Mul)."""
    a = Tensor(np.array(1.0), requires_grad=True)
    b = Tensor(np.array(5.0), requires_grad=True)
    return a, b, (a * 2.0).exp() + b * 3.0


def test_unnamed_leaves_have_the_same_label_in_the_picture_the_trace_and_the_stepper(tmp_path):
    a, b, L = unnamed_pair()
    svg = to_svg(L)
    assert box_with(svg, "leaf1")[1][:3] == ["leaf1", "() float64 leaf", "data 1"]  # a
    assert box_with(svg, "leaf2")[1][:3] == ["leaf2", "() float64 leaf", "data 5"]  # b
    assert to_dot(L).count('label="leaf1') == 1
    lines = traced(lambda: L.backward(retain_graph=True))
    assert "    sends a: 3 -> leaf2 (leaf)" in lines  # b, met first by the walk
    assert "    sends a: 14.78 -> leaf1 (leaf)" in lines
    assert lines[-2:] == ["leaf1.grad: 0 -> 14.78", "leaf2.grad: 0 -> 3"]
    a.grad = b.grad = None
    text, data = page_data(to_html(L, tmp_path / "s.html"))
    svg = text[text.index("<svg") : text.index("</svg>") + 6]
    assert box_with(svg, "leaf1")[1][2] == "data 1"
    assert box_with(svg, "leaf2")[1][2] == "data 5"
    assert data["finals"] == {"leaf1": pytest.approx(2 * np.exp(2.0)), "leaf2": 3.0}


def test_svg_labels_the_operands_of_sub_div_pow_matmul():
    a = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    b = Tensor(np.array([[3.0], [4.0]]), requires_grad=True)
    y = (((a @ b) - 1.0) / 2.0) ** 3.0
    svg = to_svg(y)
    for op, formula in [("MatMul", "a @ b"), ("Sub", "a - b"), ("Div", "a / b"), ("Pow", "a ** b")]:
        assert box_with(svg, op)[1] == [op, formula]
    labels = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text") if t.get("class") == "label"]
    assert sorted(labels) == ["a", "a", "a", "a", "b", "b", "b", "b"]
    constants = [b[1] for b in boxes(svg).values() if b[0] == "constant"]
    assert sorted(constants) == [["1"], ["2"], ["3"]]


def test_svg_names_arrays_and_tensors_used_as_constants():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    mask = np.array([1.0, 0.0])
    scale = Tensor(np.array([3.0, 3.0]))  # no grad: a constant of the graph
    svg = to_svg(w * mask * scale, names={"mask": mask, "scale": scale, "np": np})
    assert box_with(svg, "mask")[1] == ["mask", "[1 0]"]
    assert box_with(svg, "scale")[1] == ["scale", "[3 3]"]


def test_svg_of_big_tensors_shows_statistics_and_of_a_leaf_alone():
    w = Tensor(np.arange(40.0).reshape(8, 5), requires_grad=True)
    svg = to_svg((w * 2.0).sum(), names={"w": w})
    assert box_with(svg, "w")[1][2] == "data min 0, max 39"
    assert box_with(to_svg(w, names={"w": w}), "w")[0] == "leaf root"


def small_network_loss():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((4, 3)))
    w1, w2 = (Tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (4, 2)])
    b1 = Tensor(np.zeros(4), requires_grad=True)
    hidden = (x @ w1 + b1).relu()
    return F.cross_entropy(hidden @ w2, [0, 1, 1, 0]) + (w1 * w1).sum() * 0.01


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_svg_layout_has_no_overlaps_and_arrows_join_their_boxes(direction):
    loss = small_network_loss()
    svg = to_svg(loss, direction=direction)
    rects = [g for _, _, g in boxes(svg).values()]
    for i, (x1, y1, w1, h1) in enumerate(rects):
        for x2, y2, w2, h2 in rects[i + 1 :]:
            apart = x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
            assert apart, ((x1, y1, w1, h1), (x2, y2, w2, h2))
    root = ET.fromstring(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    assert all(0 <= x and x + w <= width and 0 <= y and y + h <= height for x, y, w, h in rects)
    # every arrow leaves some box's right side (LR) or bottom (TB) and reaches some box's left
    # side (LR) or top (TB)
    arrows = 0
    for path in root.iter(f"{SVG}path"):
        if path.get("class") != "edge":
            continue
        arrows += 1
        coords = [float(v) for v in re.findall(r"-?\d+\.\d", path.get("d"))]
        (x0, y0), (x1, y1) = coords[:2], coords[-2:]
        if direction == "LR":
            assert any(abs(x + w - x0) < 0.2 and y <= y0 <= y + h for x, y, w, h in rects)
            assert any(abs(x - x1) < 0.2 and y <= y1 <= y + h for x, y, w, h in rects)
        else:
            assert any(abs(y + h - y0) < 0.2 and x <= x0 <= x + w for x, y, w, h in rects)
            assert any(abs(y - y1) < 0.2 and x <= x1 <= x + w for x, y, w, h in rects)
    assert arrows == len(loss_edges(loss)) > 20
    assert to_svg(loss, direction=direction) == svg  # the same graph draws the same picture


def loss_edges(loss):
    return [line for line in to_dot(loss).splitlines() if "->" in line]


def svg_size(svg):
    root = ET.fromstring(svg)
    return float(root.get("width")), float(root.get("height")), root.get("data-direction")


def test_svg_wide_graphs_are_drawn_top_to_bottom_to_fit_a_page():
    loss = small_network_loss()
    wide_width, _, _ = svg_size(to_svg(loss, direction="LR"))
    width, height, direction = svg_size(to_svg(loss))
    assert wide_width > 900 and direction == "TB" and width <= 900 < height
    L = diamond()[-1]  # small enough: left to right
    assert svg_size(to_svg(L))[2] == "LR" and svg_size(to_svg(L))[0] <= 900
    # text keeps its size: 12 px, at most 900 px wide, shown 1:1 on a page
    assert "font-size: 12px" in to_svg(loss)
    with pytest.raises(ValueError, match="direction must be"):
        to_svg(L, direction="up")


def test_svg_has_an_opaque_white_background():
    svg = to_svg(diamond()[-1])
    root = ET.fromstring(svg)
    first = next(e for e in root if e.tag == f"{SVG}rect")  # drawn before everything else
    assert first.get("class") == "background"
    assert (first.get("width"), first.get("height")) == (root.get("width"), root.get("height"))
    assert ".background { fill: #ffffff; }" in svg


def test_layout_spread_keeps_order_and_gaps_and_is_least_squares():
    sizes = {"a": (1, 10), "b": (1, 10), "c": (1, 10)}
    tops = _layout._spread(["a", "b", "c"], [0.0, 0.0, 100.0], sizes, gap=5)
    assert tops == [-7.5, 7.5, 100.0]  # a and b share the push apart; c is free
    assert _layout._spread(["a", "b"], [50.0, 0.0], sizes, gap=5) == [17.5, 32.5]


def test_layout_puts_every_box_right_of_its_inputs():
    keys = ["x", "m", "y", "c"]
    sizes = {k: (20.0, 10.0) for k in keys}
    edges = [("x", "m", 0, 2), ("c", "m", 1, 2), ("m", "y", 0, 1), ("x", "y", 0, 1)]
    placed = _layout.layout(keys, sizes, edges)
    for src, dst, _, _ in edges:
        assert placed.position[src][0] + 20.0 < placed.position[dst][0]
    assert len(placed.routes[3]) == 3  # x -> y skips m's column: one waypoint
    down = _layout.layout(keys, sizes, edges, direction="TB")  # the same, axes swapped
    for src, dst, _, _ in edges:
        assert down.position[src][1] + 10.0 < down.position[dst][1]
    assert down.routes[0][0] == (down.position["x"][0] + 10.0, down.position["x"][1] + 10.0)
    assert down.routes[0][-1] == (down.position["m"][0] + 20.0 / 3, down.position["m"][1])
    with pytest.raises(ValueError, match="cycle"):
        _layout.layout(["a", "b"], {"a": (1, 1), "b": (1, 1)}, [("a", "b", 0, 1), ("b", "a", 0, 1)])


def test_rows_align_columns():
    assert _text.rows(np.array([[0.1432, -0.5], [1.0, 2.0]]), "grad ") == [
        "grad [[0.1432 -0.5]",
        "      [     1    2]]",
    ]
    assert _text.rows(np.array([1, 2, 3]), "") == ["[1 2 3]"]
    assert _text.rows(np.zeros((0, 3)), "data ") == ["data (empty)"]


def test_draw_and_render_svg_need_nothing_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    x, _, _, _, L = diamond()
    picture = tg.viz.draw(L, names={"x": x})
    assert picture._repr_svg_() == to_svg(L, names={"x": x})
    assert render(L, tmp_path / "g.svg", names={"x": x}).read_text() == picture.svg
    assert picture.save(tmp_path / "h.svg").read_text() == picture.svg
    with pytest.raises(RuntimeError, match="Graphviz"):
        render(L, tmp_path / "g.png")


# ----------------------------------------------------------------------------- to_dot


def test_dot_has_the_same_labels_as_the_picture():
    x, h, _, _, L = diamond()
    L.backward()
    names = {"x": x, "h": h, "L": L}
    dot = to_dot(L, names=names)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert 'label="x\\l() float64 leaf\\ldata 0.5\\l.grad 31.56\\l"' in dot
    assert 'label="L\\l() float64\\ldata 8.082\\l"' in dot  # the root's gradient: unknown
    assert 'label="4\\l"' in dot  # the constant
    # 4 ops, each with an arrow to its result; Mul has 2 inputs, Exp 1, Log 1, Add 2
    assert dot.count("->") == 4 + 6
    labels = {line.split('"')[1] for line in dot.splitlines() if "label=" in line}
    pictured = {"\\l".join(b[1]) + "\\l" for b in boxes(to_svg(L, names)).values()}
    assert labels == pictured


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
def test_render_png_with_graphviz(tmp_path):
    L = diamond()[-1]
    assert render(L, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")


# ----------------------------------------------------------------------------- trace


def traced(fn, names=None):
    out = io.StringIO()
    with trace(names=names, file=out):
        fn()
    return out.getvalue().splitlines()


def test_trace_of_a_leaf_used_three_times_shows_its_accumulation():
    a = Tensor(np.array(3.0), requires_grad=True)
    y = a * a + a
    assert traced(y.backward, {"a": a}) == [
        "backward from a tensor of shape (), dtype float64",
        "[1] Add receives 1, the starting gradient",
        "    sends a: 1 -> [2] Mul",
        "    sends b: 1 -> a (leaf)",
        "[2] Mul receives 1 from [1] Add",
        "    sends a: 3 -> a (leaf)",
        "    sends b: 3 -> a (leaf)",
        "a.grad: 0 -> 1 -> 4 -> 7",
    ]
    assert a.grad == 7.0


def test_trace_shows_the_sum_where_branches_meet():
    x, h, _, _, L = diamond()
    lines = traced(L.backward, {"x": x, "h": h})
    assert "[4] Mul (h) receives 0.5 + 7.389 = 7.889 (from [2] Log and [3] Exp)" in lines
    assert lines[-1] == "x.grad: 0 -> 31.56"
    assert "    b is a constant: no gradient" in lines


def test_trace_starts_a_leaf_from_its_previous_grad_and_tells_each_backward():
    a = Tensor(np.array(3.0), requires_grad=True)
    y = a * a + a

    def twice():
        y.backward(retain_graph=True)
        y.backward()

    lines = traced(twice, [("a", a)])  # named_parameters() style pairs work too
    assert [line for line in lines if line.startswith("a.grad")] == [
        "a.grad: 0 -> 1 -> 4 -> 7",
        "a.grad: 7 -> 8 -> 11 -> 14",
    ]
    assert sum(line.startswith("backward from") for line in lines) == 2


def test_trace_of_broadcasting_shows_the_summed_gradient_and_big_arrays_as_statistics():
    bias = Tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
    lines = traced(lambda: (np.ones((2, 3)) + bias).sum().backward(), {"bias": bias})
    assert "    sends b: (3,) [2, 2, 2] -> bias (leaf)" in lines
    w = Tensor(np.ones((50, 40)), requires_grad=True)
    lines = traced(lambda: (w * 2.0).sum().backward())
    assert "    sends a: (50, 40) mean 2, min 2, max 2, norm 89.44 -> leaf1 (leaf)" in lines


def test_trace_stops_narrating_after_the_block_and_after_an_error():
    w = Tensor(np.ones(2), requires_grad=True)
    out = io.StringIO()
    with pytest.raises(RuntimeError), trace(file=out):
        (w * 2.0).backward()  # not one element: backward refuses before walking
    with trace(file=out):
        (w * 2.0).sum().backward()
    before = out.getvalue()
    (w * 2.0).sum().backward()
    assert out.getvalue() == before and before.startswith("backward from")


def test_trace_prints_what_ran_when_backward_fails_midway():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * x
    loss = y.exp().sum()
    x.data = np.zeros(2)  # Mul saved x: its backward (step 3) refuses to run
    out = io.StringIO()
    with pytest.raises(RuntimeError), trace(file=out):
        loss.backward()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("backward from") and lines[-1] == "(the backward pass stopped here)"
    assert [line.split()[1] for line in lines if line.startswith("[")] == ["Sum", "Exp"]
    assert "    sends (2,) [2.718, 54.6] -> Mul (not run)" in lines


# ----------------------------------------------------------------------------- to_html


def page_data(path):
    text = path.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    return text, json.loads(match.group(1))


def seed_example(dtype=np.float64):
    logits = Tensor(np.array([[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]], dtype), requires_grad=True)
    return logits, F.cross_entropy(logits, [1, 2])


def test_html_records_the_engine_numbers_and_agrees_with_the_trace(tmp_path):
    logits, loss = seed_example()
    _, data = page_data(to_html(loss, tmp_path / "s.html", names={"logits": logits}))
    lines = traced(lambda: loss.backward(), {"logits": logits})
    # the same steps, the same words: the page's step k begins with the trace's lines of step k
    steps = [[]]
    for line in lines[1:]:
        if line.startswith("["):
            steps.append([])
        if not line.startswith("logits.grad"):
            steps[-1].append(line)
    assert len(data["steps"]) == len(steps) - 1 == 8
    for step, words in zip(data["steps"], steps[1:]):
        assert step["text"].splitlines()[: len(words)] == words
    np.testing.assert_array_equal(data["finals"]["logits"], logits.grad)
    assert data["steps"][-1]["sends"][0]["to"] == "logits (leaf)"
    np.testing.assert_array_equal(data["steps"][-1]["sends"][0]["grad"], logits.grad)
    assert f"logits.grad = {logits.grad.tolist()}".replace(" ", "") in (
        data["steps"][-1]["text"].replace(" ", "")
    )


def test_html_has_no_side_effects_and_keeps_the_graph(tmp_path):
    logits, _ = seed_example()
    h = logits * 2.0
    h.retain_grad()
    loss = F.cross_entropy(h, [1, 2])
    earlier = np.full((2, 3), 5.0)
    logits.grad = earlier
    to_html(loss, tmp_path / "s.html")
    assert logits.grad is earlier and np.all(earlier == 5.0) and h.grad is None
    loss.backward()  # the graph was retained
    np.testing.assert_allclose(logits.grad - 5.0, 2 * h.grad)


def test_html_is_self_contained(tmp_path):
    x, h, _, _, L = diamond()
    text, data = page_data(to_html(L, tmp_path / "d.html", names={"x": x, "h": h}))
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    urls = set(re.findall(r"(?:https?|ftp|wss?)://[^\s\"'<>)]*", text))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched
    assert not re.search(r"<(?:link|img|iframe)\b|\bsrc=|@import|url\((?!#)", text)
    # h is used twice: its box shows the running sum, then the total
    svg = text[text.index("<svg") : text.index("</svg>") + 6]
    (key,) = [k for k, (_, lines, _) in boxes(svg).items() if lines[0] == "h"]
    assert "[4] Mul (h) receives 0.5 + 7.389 = 7.889" in data["steps"][3]["text"]
    assert data["initial"][key] == ["", ""]
    assert data["steps"][1]["lines"][key] == ["grad 0.5", "(1 of 2 received)"]
    assert data["steps"][2]["lines"][key] == ["grad 7.889", "(2 of 2 received)"]
    assert key not in data["steps"][3]["lines"]  # Mul runs: its gradient was complete


def test_html_refuses_what_has_no_backward(tmp_path):
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"one-element tensor .* shape \(3,\)"):
        to_html(w * 2.0, tmp_path / "x.html")
    with pytest.raises(ValueError, match="leaf"):
        to_html(w, tmp_path / "x.html")
    with pytest.raises(TypeError, match="ndarray"):
        to_html(np.ones(3), tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


class Stop(tg.Function):
    """y = x, but backward sends nothing on: the nodes before it get no gradient."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return None


def test_html_and_trace_with_a_branch_that_gets_no_gradient(tmp_path):
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    blocked = Stop.apply(w.exp())  # Exp's node is never run: nothing reaches it
    loss = (w * w).sum() + blocked.sum()
    lines = traced(lambda: loss.backward(retain_graph=True), {"w": w})
    assert not any("Exp" in line and line.startswith("[") for line in lines)
    assert lines[-1] == "w.grad: 0 -> (2,) [1, 2] -> (2,) [2, 4]"
    text, data = page_data(to_html(loss, tmp_path / "s.html", names={"w": w}))
    np.testing.assert_array_equal(data["finals"]["w"], [2.0, 4.0])
    assert ">Exp<" in text  # drawn without a step number: it did not run


def test_html_after_the_graph_was_freed_says_to_call_it_before_backward(tmp_path):
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    first = w.grad
    with pytest.raises(RuntimeError, match=r"before loss\.backward\(\).*retain_graph=True") as err:
        to_html(loss, tmp_path / "s.html")
    assert "second time" not in str(err.value) and "Mul" in str(err.value)
    assert w.grad is first and first.tolist() == [2.0, 4.0]
    assert not (tmp_path / "s.html").exists()


def test_html_after_backward_with_retain_graph_is_the_page_before_it(tmp_path):
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w.exp()).sum()
    before = to_html(loss, tmp_path / "before.html", names={"w": w}).read_text()
    loss.backward(retain_graph=True)
    after = to_html(loss, tmp_path / "after.html", names={"w": w}).read_text()
    assert after == before
    pairs = (item for item in [("w", w)])  # a generator (named_parameters()) is read once
    assert to_html(loss, tmp_path / "pairs.html", names=pairs).read_text() == before


@pytest.mark.parametrize("path", ["g.svg", "out/g.svg"])
def test_a_path_given_as_names_says_how_to_write_a_file(path, tmp_path):
    import pathlib

    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    for wrong in (path, pathlib.Path(path)):
        for func in (to_svg, to_dot, tg.viz.draw):
            with pytest.raises(TypeError, match=r"names must map names to tensors") as err:
                func(loss, wrong)
            message = str(err.value)
            assert type(wrong).__name__ in message and repr(path) in message
            assert f"tg.viz.render(loss, {path!r})" in message
            assert f"tg.viz.draw(loss).save({path!r})" in message
    # the advice is right: both write the picture
    assert tg.viz.render(loss, tmp_path / "a.svg").read_text() == to_svg(loss)
    assert tg.viz.draw(loss).save(tmp_path / "b.svg").read_text() == to_svg(loss)


def test_names_of_a_wrong_type_name_it():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    with pytest.raises(TypeError, match="got int 3"):
        to_svg(loss, 3)
    with pytest.raises(TypeError, match=r"one item is Tensor .*not a \(name, tensor\) pair"):
        to_svg(loss, [w])
    with pytest.raises(TypeError, match="to_html: names must map"):
        to_html(loss, "s.html", "w")
    with pytest.raises(TypeError, match="trace: names must map"):
        trace(names="w")
    pairs = (item for item in [("w", w)])  # a generator, as named_parameters() gives
    assert box_with(to_svg(loss, pairs), "w")


def test_names_from_locals_label_every_kind_of_tensor():
    weight = Tensor(np.array([[1.0, -1.0]]), requires_grad=True)
    inputs = np.array([[2.0], [3.0]])
    scores = inputs @ weight
    total = (scores * scores).sum()
    svg = to_svg(total, names=locals())
    for name in ("weight", "inputs", "scores", "total"):
        assert box_with(svg, name)
    # the same tensor used twice by one op: two arrows, into Mul's two ports
    mul = [e for e in ET.fromstring(svg).iter(f"{SVG}path") if e.get("class") == "edge"]
    ends = {tuple(re.findall(r"-?\d+\.\d", p.get("d"))[-2:]) for p in mul}
    assert len(ends) == len(mul)  # no two arrows end at the same point


def test_svg_of_empty_tensors_and_big_constants():
    w = Tensor(np.zeros((0, 3)), requires_grad=True)
    v = Tensor(np.ones((20, 20)), requires_grad=True)
    big = np.full((20, 20), 2.0)  # more than 64 numbers: the graph keeps its shape only
    svg = to_svg(w.sum() + (v * big).sum(), names={"w": w})
    assert box_with(svg, "w")[1] == ["w", "(0, 3) float64 leaf", "data (empty)"]
    assert [b[1] for b in boxes(svg).values() if b[0] == "constant"] == [
        ["constant", "(20, 20) float64"]
    ]

"""Seeing the graph and the gradients flowing through it: learning tools that need nothing
installed.

- ``to_svg(t)`` draws the graph that computed ``t`` (``draw(t)`` shows it in Jupyter);
- ``to_html(loss, path)`` writes a page that replays the backward pass one node at a time;
- ``trace()`` narrates each backward pass inside it, step by step;
- ``to_dot(t)`` gives the same picture as Graphviz text (``render`` runs Graphviz on it).

They read the graph the engine records (a tensor's ``grad_fn`` node, its ``inputs``) and watch
backward through ``engine.observe_backward``; none of them changes a graph or a gradient.

>>> import numpy as np
>>> import tinygrad_ce as tg
>>> a = tg.Tensor(np.array(3.0), requires_grad=True)
>>> y = a * a + a
>>> with trace(names={"a": a, "y": y}):
...     y.backward()
backward from y of shape (), dtype float64
[1] Add (y) receives 1, the starting gradient
    sends a: 1 -> [2] Mul
    sends b: 1 -> a (leaf)
[2] Mul receives 1 from [1] Add (y)
    sends a: 3 -> a (leaf)
    sends b: 3 -> a (leaf)
a.grad: 0 -> 1 -> 4 -> 7
>>> svg = to_svg(y, names={"a": a, "y": y})
>>> svg.startswith("<svg") and "Mul" in svg and ".grad 7" in svg
True
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

from tinygrad_ce.engine import Tensor, observe_backward  # noqa: F401 (Tensor: for the examples)
from tinygrad_ce.viz import _graph, _svg
from tinygrad_ce.viz._record import Narrator, Recorder
from tinygrad_ce.viz._stepper import to_html
from tinygrad_ce.viz._text import summarize

__all__ = ["draw", "render", "summarize", "to_dot", "to_html", "to_svg", "trace"]


def to_svg(tensor, names=None, direction=None):
    """SVG text of the graph that computed ``tensor``, drawn by this package (no Graphviz).

    Read it in the direction the forward pass ran: left to right, or top to bottom for a graph
    too wide for a page (``direction`` None chooses: "LR" when the picture fits in 900 pixels,
    else "TB"; pass either to choose yourself). Rounded grey boxes are ops, with their formula
    when the order of operands matters (``a - b``, the arrows labelled ``a`` and ``b``); the
    box after each op is the tensor it computed; blue boxes are leaves (tensors that require
    grad; an unnamed one is called ``leaf1``, ``leaf2``, ... as in ``trace``); dashed boxes are
    constants (numbers, arrays, tensors without grad); the yellow box is ``tensor``. Each
    tensor shows its name, shape, dtype and its values when small. A gradient is shown only
    where the tensor holds one, as ``.grad``: a leaf's, and a tensor's that called
    ``retain_grad()`` (the root's too). It is what every backward so far added up, whichever
    loss it started from, not the gradient of ``tensor``; the root's gradient is not shown
    unless it was retained. ``names`` maps names to tensors (``locals()`` works): leaves,
    intermediates and the root. ``to_svg`` returns the text and writes no file: to write one,
    ``render(tensor, "graph.svg")`` or ``draw(tensor).save("graph.svg")``.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * 3.0).sum()
    >>> y.backward()
    >>> svg = to_svg(y, names={"x": x, "y": y})
    >>> all(word in svg for word in ("Mul", "Sum", ">x<", ">y<", ".grad [3 3]", ">3<"))
    True
    """
    names = _graph.check_names(names, "to_svg")
    return _svg.render(_graph.build(tensor, names), direction=direction)


class draw:
    """The picture of ``to_svg`` as an object Jupyter shows: ``draw(loss)`` in a cell.

    ``save(path)`` writes the SVG file; ``svg`` is its text.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> picture = draw((x * x).sum(), names={"x": x})
    >>> picture._repr_svg_() == picture.svg
    True
    """

    def __init__(self, tensor, names=None, direction=None):
        self.svg = to_svg(tensor, _graph.check_names(names, "draw"), direction)

    def _repr_svg_(self):
        return self.svg

    def save(self, path):
        """Write the picture to ``path`` (an ``.svg`` file); returns the path."""
        path = Path(path)
        path.write_text(self.svg, encoding="utf-8")
        return path


def to_dot(tensor, names=None):
    """Graphviz DOT text of the graph that computed ``tensor``, with ``to_svg``'s labels.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> dot = to_dot((x.exp() * 3.0).sum(), names={"x": x})
    >>> dot.startswith("digraph") and "Exp" in dot and 'label="x' in dot
    True
    """
    graph = _graph.build(tensor, _graph.check_names(names, "to_dot"))
    fill = {"leaf": "#ddf4ff", "constant": "#f6f8fa", "value": "#ffffff", "op": "#eef1f4"}
    lines = [
        "digraph tinygrad_ce {",
        "  rankdir=LR;",
        '  node [fontname="monospace", fontsize=10, style=filled];',
    ]
    for key, box in graph.boxes.items():
        label = "\\l".join(_dot_escape(text) for text, _ in _svg.box_lines(box)) + "\\l"
        shape = 'box, style="rounded,filled"' if box.kind == "op" else "box"
        if box.kind == "constant":
            shape = 'box, style="dashed,filled"'
        color = "#fff8c5" if box.root else fill[box.kind]
        lines.append(f'  {key} [label="{label}", shape={shape}, fillcolor="{color}"];')
    for edge in graph.edges:
        label = f' [label="{edge.label}"]' if edge.label else ""
        lines.append(f"  {edge.src} -> {edge.dst}{label};")
    lines.append("}")
    return "\n".join(lines)


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def render(tensor, path, names=None, direction=None):
    """Write the graph of ``tensor`` to ``path``: ``.svg`` by ``to_svg`` (nothing needed), or
    ``.png``/``.pdf`` by Graphviz's ``dot`` command (RuntimeError saying how to install it
    when it is missing; ``direction`` is for ``.svg`` only). Returns the path written."""
    names = _graph.check_names(names, "render")
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "svg"
    if fmt == "svg":
        path.write_text(to_svg(tensor, names, direction), encoding="utf-8")
        return path
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            f"rendering .{fmt} needs Graphviz's `dot` command, which is not installed "
            "(apt-get install graphviz, or brew install graphviz). tinygrad_ce.viz.to_svg(tensor) "
            "or render(tensor, 'graph.svg') draw the picture without it."
        )
    subprocess.run(
        [dot, f"-T{fmt}", "-o", str(path)], input=to_dot(tensor, names).encode(), check=True
    )
    return path


class trace:
    """Context manager: narrate each backward pass run inside it, one step per node.

    Steps are numbered in the order the engine runs the nodes (as in ``to_html``'s stepper). A
    step tells what gradient the node receives (the sum, where its output was used more than
    once: ``[3] Mul receives 2 + 3 = 5``) and what it sends to each input, naming the node that
    receives it (``-> [5] Log``) or the leaf; after the walk, each leaf's ``.grad`` after each
    gradient added to it (``a.grad: 0 -> 2 -> 5``). Arrays of up to 6 numbers are shown whole,
    bigger ones as statistics. ``names`` labels tensors (``{"w": w}``, ``locals()`` or
    ``model.named_parameters()``); ``file`` is where to print (default: standard output).

    A walk is printed when it ends (a node's step number is only known once it runs).

    >>> x = Tensor([2.0], requires_grad=True)
    >>> with trace(names={"x": x}):
    ...     x.log().backward()
    backward from a tensor of shape (1,), dtype float32
    [1] Log receives (1,) [1], the starting gradient
        sends (1,) [0.5] -> x (leaf)
    x.grad: 0 -> (1,) [0.5]
    """

    def __init__(self, names=None, file=None):
        self.names = _graph.check_names(names, "trace")
        self.file = file
        self.recorder = None
        self._stack = None

    def _print_walk(self, walk):
        out = self.file if self.file is not None else sys.stdout
        for line in Narrator(walk, self.names).lines():
            print(line, file=out)

    def __enter__(self):
        self.recorder = Recorder(self._print_walk)
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(observe_backward(self.recorder))
        return self

    def __exit__(self, *exc_info):
        self._stack.close()
        self.recorder.finish()  # a walk that an error stopped: print what it did
        return False

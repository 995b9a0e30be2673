"""Seeing the graph: ``to_dot`` draws it, ``trace`` narrates a backward pass through it.

Both are learning tools: they read the graph the engine records (a tensor's ``grad_fn`` node,
and each node's ``inputs``: the nodes or leaf tensors it was computed from) and never change it.

>>> import numpy as np
>>> import tinygrad_ce as tg
>>> w = tg.Tensor(np.array([1.0, -2.0]), requires_grad=True)
>>> loss = (w * w).sum()
>>> print(to_dot(loss, names={"w": w}))  # doctest: +ELLIPSIS
digraph tinygrad_ce {
...
>>> with trace(names={"w": w}):
...     loss.backward()
backward from a tensor of shape (), dtype float64
[1] Sum      grad in  () 1
    input 0: grad out (2,) [1, 1]
[2] Mul      grad in  (2,) [1, 1]
    input 0 (w, leaf): grad out (2,) [1, -2]
    input 1 (w, leaf): grad out (2,) [1, -2]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from tinygrad_ce.engine import Node, Tensor, _state

__all__ = ["render", "summarize", "to_dot", "trace"]


def _names_by_id(names):
    """``{"w": tensor}`` (or ``module.named_parameters()``) -> ``{id(tensor): "w"}``."""
    if names is None:
        return {}
    items = names.items() if hasattr(names, "items") else names
    return {id(tensor): name for name, tensor in items}


def _walk_nodes(root):
    """Every node of the graph that produced ``root``, each once, outputs before inputs."""
    order, seen = [], set()
    stack = [root.grad_fn] if root.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(s for s in node.inputs if isinstance(s, Node))
    return order


def to_dot(root, names=None):
    """Graphviz DOT text of the graph that produced ``root``.

    Boxes are op nodes, ellipses the tensors between them (shape and dtype); leaves that require
    grad are filled. Arrows follow the forward computation. ``names`` maps names to tensors.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> dot = to_dot((x.exp() * 3.0).sum(), names={"x": x})
    >>> "Exp" in dot and "Mul" in dot and "Sum" in dot and 'label="x' in dot
    True
    """
    labels = _names_by_id(names)
    seen_leaves = set()
    lines = [
        "digraph tinygrad_ce {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
    ]

    def tensor_line(key, label, leaf):
        style = ', style=filled, fillcolor="lightblue"' if leaf else ""
        lines.append(f'  {key} [label="{label}", shape=ellipse{style}];')

    if root.grad_fn is None:  # a leaf (or a constant): a graph of one tensor
        tensor_line(f"t{id(root)}", f"{root.shape} {root.dtype}", root.requires_grad)
    for node in _walk_nodes(root):
        nid = f"n{id(node)}"
        lines.append(f'  {nid} [label="{node.name}", shape=box];')
        # the tensor this node computed
        out_label = f"{node.shape} {node.dtype}"
        if node is root.grad_fn and id(root) in labels:
            out_label = f"{labels[id(root)]}\\n{out_label}"
        tensor_line(f"t{id(node)}", out_label, False)
        lines.append(f"  {nid} -> t{id(node)};")
        for source in node.inputs:
            if not isinstance(source, Node | Tensor):  # a constant
                continue
            if isinstance(source, Tensor):
                key = f"t{id(source)}"
                label = f"{source.shape} {source.dtype}\\nleaf, requires_grad"
                if id(source) in labels:
                    label = f"{labels[id(source)]}\\n{label}"
                if key not in seen_leaves:
                    seen_leaves.add(key)
                    tensor_line(key, label, True)
                lines.append(f"  {key} -> {nid};")
            else:
                lines.append(f"  t{id(source)} -> {nid};")
    lines.append("}")
    return "\n".join(lines)


def render(tensor, path, names=None):
    """Write the graph of ``tensor`` to ``path`` (``.svg``, ``.png`` or ``.pdf``) with Graphviz.

    Needs the ``dot`` command (Debian/Ubuntu: ``apt-get install graphviz``; macOS: ``brew install
    graphviz``). Without it, raises RuntimeError saying so; ``to_dot`` still works, and its text
    can be pasted into any Graphviz viewer. Returns the path written.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "svg"
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "rendering needs Graphviz's `dot` command, which is not installed "
            "(apt-get install graphviz, or brew install graphviz). Meanwhile "
            "tinygrad_ce.viz.to_dot(tensor) gives the DOT text to paste into any Graphviz viewer."
        )
    subprocess.run(
        [dot, f"-T{fmt}", "-o", str(path)], input=to_dot(tensor, names).encode(), check=True
    )
    return path


def summarize(array, max_elements=6):
    """Short text for an array: its values when small, else shape, mean, min, max and norm.

    >>> summarize(np.array([0.5, 0.25]))
    '(2,) [0.5, 0.25]'
    >>> summarize(np.arange(100.0))
    '(100,) mean 49.5, min 0, max 99, norm 573'
    """
    array = np.asarray(array)
    if array.size <= max_elements:
        values = np.array2string(
            array, separator=", ", formatter={"float_kind": lambda v: f"{v:.4g}"}
        )
        return f"{array.shape} {' '.join(values.split())}"
    return (
        f"{array.shape} mean {array.mean():.4g}, min {array.min():.4g}, "
        f"max {array.max():.4g}, norm {np.linalg.norm(array):.4g}"
    )


class trace:
    """Context manager: print each node a backward pass visits, in order, with its gradients.

    For each node: the op, the gradient flowing into its output, and the gradient it passes to
    each input (after broadcasting is undone), values shown for small arrays, statistics for
    large ones. ``names`` labels tensors (``{"w": w}`` or ``model.named_parameters()``).

    >>> x = Tensor([2.0], requires_grad=True)
    >>> y = x.log()
    >>> with trace(names={"x": x}):
    ...     y.backward()
    backward from a tensor of shape (1,), dtype float32
    [1] Log      grad in  (1,) [1]
        input 0 (x, leaf): grad out (1,) [0.5]
    """

    def __init__(self, names=None, file=None):
        self.labels = _names_by_id(names)
        self.file = file
        self.step = 0

    def _print(self, text):
        print(text, file=self.file if self.file is not None else sys.stdout)

    def _observe(self, node, grad, input_grads):
        self.step += 1
        if self.step == 1:
            self._print(f"backward from a tensor of shape {np.shape(grad)}, dtype {grad.dtype}")
        self._print(f"[{self.step}] {node.name:<8} grad in  {summarize(grad)}")
        for position, (source, input_grad) in enumerate(zip(node.inputs, input_grads)):
            if input_grad is None:
                continue
            tags = []
            if id(source) in self.labels:
                tags.append(self.labels[id(source)])
            if isinstance(source, Tensor):
                tags.append("leaf")
            tag = f" ({', '.join(tags)})" if tags else ""
            self._print(f"    input {position}{tag}: grad out {summarize(input_grad)}")

    def __enter__(self):
        self.step = 0
        _state.backward_observers.append(self._observe)
        return self

    def __exit__(self, *exc_info):
        _state.backward_observers.remove(self._observe)
        return False

"""Reading the engine's graph into boxes and arrows: the only part of ``viz`` that knows how the
engine records a graph (``Tensor.grad_fn``, ``Node.inputs``, ``Constant``).

A drawn graph has four kinds of boxes:

- ``op``: one recorded op (a ``Node``), e.g. ``Sub`` with its formula ``a - b``;
- ``value``: the tensor an op computed (each op box has one, just right of it);
- ``leaf``: a tensor that requires grad and was made by the user, not by an op;
- ``constant``: an op input that gets no gradient (a number, an array, a tensor without grad).

Arrows follow the forward computation; an arrow into an op ends at the op's ``port`` for that
operand, labelled where the order matters (``a`` and ``b`` of ``a - b``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from tinygrad_ce.engine import Constant, Node, Tensor

# Operand names and the formula of ops whose operands are not interchangeable, so a picture
# says which arrow is which. Ops missing here are drawn without operand labels.
FORMULAS = {
    "Add": ("a + b", ("a", "b")),
    "Mul": ("a * b", ("a", "b")),
    "Sub": ("a - b", ("a", "b")),
    "Div": ("a / b", ("a", "b")),
    "Pow": ("a ** b", ("a", "b")),
    "MatMul": ("a @ b", ("a", "b")),
    "Where": ("where(c, x, y)", ("x", "y")),
}
# Commutative ops: their operands get names in the trace (a, b) but no labels on the arrows.
UNLABELLED = {"Add", "Mul"}


def operand_names(op_name, count):
    """The names of an op's operands: ``("a", "b")`` for ``Sub``, ``("",)`` for ``Exp``."""
    if op_name in FORMULAS and len(FORMULAS[op_name][1]) == count:
        return FORMULAS[op_name][1]
    if count == 1:
        return ("",)
    return tuple(f"input {i}" for i in range(count))


@dataclass
class Box:
    """One drawn node. ``value`` and ``grad`` are arrays (or None when unknown or too big)."""

    key: str
    kind: str  # "op", "value", "leaf" or "constant"
    title: str = ""  # the op's name, or the tensor's name
    formula: str = ""  # op boxes: "a - b"
    shape: tuple = ()
    dtype: object = None
    value: object = None
    grad: object = None
    root: bool = False


@dataclass
class Edge:
    src: str
    dst: str
    port: int = 0  # which operand of dst
    label: str = ""  # shown next to the arrow's head ("a", "b")


@dataclass
class Graph:
    boxes: dict = field(default_factory=dict)  # key -> Box, in a fixed order
    edges: list = field(default_factory=list)
    ports: dict = field(default_factory=dict)  # op key -> number of operands
    root: str = ""
    op_key: dict = field(default_factory=dict)  # id(node) -> key of its op box
    value_key: dict = field(default_factory=dict)  # id(node) -> key of its output's box
    leaf_key: dict = field(default_factory=dict)  # id(leaf tensor) -> key of its box
    leaves: list = field(default_factory=list)  # the leaf tensors, in drawing order
    nodes: list = field(default_factory=list)  # the Nodes, in drawing order


def check_names(names, caller):
    """``names`` as a list of ``(name, tensor)`` pairs (None stays None), or a clear TypeError.

    ``names`` is a mapping (``{"w": w}``, ``locals()``) or an iterable of pairs
    (``model.named_parameters()``, read once here so a generator is not used up). A path given
    where ``names`` goes (``to_svg(loss, "g.svg")``) is the usual slip: the message says how to
    write the picture to a file.
    """
    if names is None:
        return None
    if isinstance(names, str | bytes | os.PathLike):
        message = (
            f"{caller}: names must map names to tensors ({{'w': w}}, locals()) or be "
            f"(name, tensor) pairs, got {type(names).__name__} {names!r}"
        )
        what = {"to_svg": "returns the SVG text", "to_dot": "returns the DOT text"}
        what["draw"] = "makes a picture object"
        if caller in what:
            path = os.fsdecode(names)
            message += (
                f". {caller} {what[caller]} and writes no file; to write the picture to a file: "
                f"tg.viz.render(loss, {path!r}) or tg.viz.draw(loss).save({path!r})"
            )
        raise TypeError(message)
    if hasattr(names, "items"):
        return list(names.items())
    try:
        pairs = list(names)
    except TypeError:
        raise TypeError(
            f"{caller}: names must map names to tensors ({{'w': w}}, locals()) or be "
            f"(name, tensor) pairs, got {type(names).__name__} {names!r}"
        ) from None
    for pair in pairs:
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise TypeError(
                f"{caller}: names must map names to tensors or be (name, tensor) pairs; one "
                f"item is {type(pair).__name__} {summary(pair)}, not a (name, tensor) pair"
            )
    return pairs


def summary(value, limit=60):
    """``repr(value)`` cut to ``limit`` characters, for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def names_by_id(names):
    """``{"w": w, "loss": loss}`` (or ``named_parameters()`` pairs) -> ``{id: name}``.

    A tensor computed by an op is known by its node (``id(t.grad_fn)``), a leaf by itself, a
    constant by its array (the graph keeps a small constant's array itself).
    """
    if names is None:
        return {}
    items = names.items() if hasattr(names, "items") else names
    labels = {}
    for name, value in items:
        if isinstance(value, Tensor):
            labels.setdefault(id(value.grad_fn if value.grad_fn is not None else value), name)
            if not value.requires_grad:  # a constant of the graph holds the tensor's array
                labels.setdefault(id(value.data), name)
        elif isinstance(value, np.ndarray):  # an array used as a constant is kept as it is
            labels.setdefault(id(value), name)
    return labels


def retained_tensor(node):
    """The output tensor of ``node`` if ``retain_grad()`` was called on it and it is alive."""
    ref = node.retained
    return ref() if ref is not None else None


def nodes_of(root):
    """Every node of the graph of ``root`` (a Tensor or a Node), each once, in a fixed order
    (depth first from the root, operands in order), and the leaves in the order they are first
    met."""
    if isinstance(root, Tensor):
        root = root.grad_fn
    nodes, leaves, seen = [], [], set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        for source in node.inputs:
            if isinstance(source, Tensor) and id(source) not in seen:
                seen.add(id(source))
                leaves.append(source)
        stack.extend(s for s in reversed(node.inputs) if isinstance(s, Node))
    return nodes, leaves


def leaf_labels(root):
    """``{id(leaf): "leaf1", ...}``: the label of each leaf under ``root`` (a Tensor or a Node)
    that was given no name, numbered in ``nodes_of``'s order. ``to_svg``, ``trace`` and the
    stepper all number leaves this way, so an unnamed leaf has one label everywhere."""
    _, leaves = nodes_of(root)
    return {id(leaf): f"leaf{i}" for i, leaf in enumerate(leaves, start=1)}


def build(root, names=None):
    """The boxes and arrows of the graph that computed ``root``.

    A gradient is shown only where it is known: a leaf's ``.grad`` and a tensor's that called
    ``retain_grad()``, the root included (both add up over every backward that reached them).
    The root's gradient is never guessed: a backward may have started elsewhere (another loss
    sharing leaves), from another gradient than 1, or several times.
    """
    labels = names_by_id(names)
    graph = Graph()
    if root.grad_fn is None:  # a leaf or a constant on its own
        kind = "leaf" if root.requires_grad else "constant"
        graph.root = graph_leaf(graph, root, labels, kind)
        graph.boxes[graph.root].root = True
        return graph
    nodes, _ = nodes_of(root)
    for i, node in enumerate(nodes, start=1):
        op, out = f"op{i}", f"v{i}"
        graph.op_key[id(node)], graph.value_key[id(node)] = op, out
        graph.nodes.append(node)
        formula, _ = FORMULAS.get(node.name, ("", ()))
        graph.boxes[op] = Box(op, "op", title=node.name, formula=formula)
        retained = retained_tensor(node)
        graph.boxes[out] = Box(
            out,
            "value",
            title=labels.get(id(node), ""),
            shape=tuple(node.shape),
            dtype=node.dtype,
            value=node.value,
            grad=None if retained is None else retained.grad,
        )
        graph.edges.append(Edge(op, out))
    constants = 0
    for node in nodes:
        op = graph.op_key[id(node)]
        graph.ports[op] = len(node.inputs)
        show = node.name in FORMULAS and node.name not in UNLABELLED
        names_here = operand_names(node.name, len(node.inputs))
        for port, source in enumerate(node.inputs):
            label = names_here[port] if show else ""
            if isinstance(source, Node):
                src = graph.value_key[id(source)]
            elif isinstance(source, Tensor):
                src = graph.leaf_key.get(id(source)) or graph_leaf(graph, source, labels, "leaf")
            else:  # a constant: one box per use, next to the op that uses it
                constants += 1
                src = f"c{constants}"
                graph.boxes[src] = constant_box(src, source)
                value = source.value if isinstance(source, Constant) else source
                graph.boxes[src].title = labels.get(id(value), "")
            graph.edges.append(Edge(src, op, port, label))
    graph.root = graph.value_key[id(root.grad_fn)]
    box = graph.boxes[graph.root]
    box.root = True
    if box.grad is None:  # the root's .grad, if it has one (retain_grad(), or set by hand)
        box.grad = root.grad
    return graph


def graph_leaf(graph, tensor, labels, kind):
    # Leaves are met in nodes_of's order, so the key is also leaf_labels's name for the leaf.
    key = f"leaf{len(graph.leaves) + 1}"
    graph.leaves.append(tensor)
    graph.leaf_key[id(tensor)] = key
    default = key if kind == "leaf" else ""  # an unnamed leaf is "leaf1", as in the trace
    graph.boxes[key] = Box(
        key,
        kind,
        title=labels.get(id(tensor), default),
        shape=tensor.shape,
        dtype=tensor.dtype,
        value=tensor.data,
        grad=tensor.grad,
    )
    return key


def constant_box(key, constant):
    """A box for a ``Constant`` (an array's description) or a Python number (or None)."""
    if isinstance(constant, Constant):
        shape, dtype, value = constant.shape, constant.dtype, constant.value
        return Box(key, "constant", shape=shape, dtype=dtype, value=value)
    dtype = None if constant is None else np.asarray(constant).dtype
    return Box(key, "constant", shape=(), dtype=dtype, value=constant)

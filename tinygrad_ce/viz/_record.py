"""Recording a backward walk as it happens, and telling it in words.

``Recorder`` is the callback given to ``engine.observe_backward``: the engine calls it after
running each node, with the gradient the node received and what it passes to each input. The
recorder numbers the nodes in the order they run (step 1 is the node that made the root), keeps
the pieces each node receives from its consumers (several where a tensor was used twice: the
engine sums them) and each leaf's running ``.grad``. ``trace`` prints what it recorded and the
HTML stepper replays it, so both show the same steps with the same numbers.

A walk ends when every node that was sent a gradient has run; the next call then starts a new
walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tinygrad_ce.engine import Node, Tensor
from tinygrad_ce.viz._graph import leaf_labels, names_by_id, operand_names
from tinygrad_ce.viz._text import summarize


@dataclass
class Send:
    operand: str  # "a", "b", or "" for a one-input op
    source: object  # the input: a Node, a leaf Tensor, a Constant or a number
    grad: object  # what the op passes to it (an array), or None


@dataclass
class Step:
    number: int
    node: Node
    grad: np.ndarray  # the gradient the node received: dL/d(its output)
    parts: list  # (step number of the sender, array): what each consumer sent; [] for the root
    sends: list  # one Send per input


@dataclass
class LeafHistory:
    tensor: Tensor
    label: str
    start: object  # its .grad before this walk (None: it had none)
    added: list = field(default_factory=list)  # (step number, contribution, .grad after it)


@dataclass
class Walk:
    steps: list = field(default_factory=list)
    leaves: dict = field(default_factory=dict)  # id(leaf) -> LeafHistory, in order first met
    step_of: dict = field(default_factory=dict)  # id(node) -> its step number
    parts: dict = field(default_factory=dict)  # id(node) -> parts received so far
    expected: dict = field(default_factory=dict)  # id(node) -> node: sent a gradient, not run
    labels: dict = field(default_factory=dict)  # id(leaf) -> "leaf1", ...: as to_svg numbers them
    done: bool = False


class Recorder:
    """``observe_backward`` callback that records each walk; ``on_walk(walk)`` when one ends."""

    def __init__(self, on_walk=None):
        self.on_walk = on_walk
        self.walk = None
        self.walks = []

    def __call__(self, node, grad, input_grads):
        if grad is None:  # nothing flowed into this node: it only releases its inputs
            return
        walk = self.walk
        if walk is None or id(node) not in walk.expected:  # not awaited: a new backward walk
            self.finish()
            # The first node to run is the root's: number the leaves as to_svg(root) does.
            walk = self.walk = Walk(labels=leaf_labels(node))
        walk.expected.pop(id(node), None)
        number = len(walk.steps) + 1
        walk.step_of[id(node)] = number
        names = operand_names(node.name, len(node.inputs))
        sends = []
        for operand, source, input_grad in zip(names, node.inputs, input_grads):
            sends.append(Send(operand, source, input_grad))
            if input_grad is None:
                continue
            if isinstance(source, Node):
                walk.parts.setdefault(id(source), []).append((number, input_grad))
                walk.expected[id(source)] = source
            elif isinstance(source, Tensor):
                history = walk.leaves.get(id(source))
                if history is None:
                    # The engine hands a node's gradients on after calling us, so .grad is still
                    # what it was before this walk.
                    start = None if source.grad is None else np.array(source.grad)
                    label = walk.labels.get(id(source), "leaf")
                    history = walk.leaves[id(source)] = LeafHistory(source, label, start)
                before = history.added[-1][2] if history.added else history.start
                after = np.array(input_grad) if before is None else before + input_grad
                history.added.append((number, input_grad, after))
        walk.steps.append(Step(number, node, grad, walk.parts.pop(id(node), []), sends))
        if not walk.expected:
            self.finish()

    def finish(self):
        """End the current walk (if any) and report it."""
        walk, self.walk = self.walk, None
        if walk is not None and walk.steps:
            walk.done = not walk.expected
            # the leaves in to_svg's order (leaf1, leaf2, ...), not in the order the walk met them
            position = {key: i for i, key in enumerate(walk.labels)}
            walk.leaves = dict(
                sorted(walk.leaves.items(), key=lambda item: position.get(item[0], len(position)))
            )
            self.walks.append(walk)
            if self.on_walk is not None:
                self.on_walk(walk)


class Narrator:
    """Words for a recorded walk: the lines of each step, and each leaf's accumulation."""

    def __init__(self, walk, names=None, show=summarize):
        self.walk = walk
        self.show = show
        self.labels = names_by_id(names)
        for key, history in walk.leaves.items():
            history.label = self.labels.get(key, history.label)

    def node(self, node):
        """``[5] Log``, or ``[5] Log (lse)`` when its output was given a name."""
        number = self.walk.step_of.get(id(node))
        text = f"[{number}] {node.name}" if number is not None else f"{node.name} (not run)"
        name = self.labels.get(id(node))
        return f"{text} ({name})" if name else text

    def target(self, source):
        if isinstance(source, Node):
            return self.node(source)
        history = self.walk.leaves.get(id(source))
        label = history.label if history else self.labels.get(id(source), "leaf")
        return f"{label} (leaf)"

    def header(self):
        first = self.walk.steps[0]
        name = self.labels.get(id(first.node))
        what = name if name else "a tensor"
        return f"backward from {what} of shape {first.node.shape}, dtype {first.node.dtype}"

    def step(self, step):
        """The lines that tell one step."""
        show = self.show
        head = self.node(step.node)
        lines = []
        if not step.parts:
            lines.append(f"{head} receives {show(step.grad)}, the starting gradient")
        elif len(step.parts) == 1:
            sender = self.node(self.walk.steps[step.parts[0][0] - 1].node)
            lines.append(f"{head} receives {show(step.grad)} from {sender}")
        else:
            senders = [self.node(self.walk.steps[n - 1].node) for n, _ in step.parts]
            who = ", ".join(senders[:-1]) + " and " + senders[-1]
            texts = [show(part) for _, part in step.parts] + [show(step.grad)]
            one_line = f"{head} receives {' + '.join(texts[:-1])} = {texts[-1]} (from {who})"
            if len(one_line) <= 100:
                lines.append(one_line)
            else:
                lines.append(f"{head} receives the sum of what {who} sent:")
                lines.append(f"        {texts[0]}")
                lines += [f"      + {t}" for t in texts[1:-1]]
                lines.append(f"      = {texts[-1]}")
        for send in step.sends:
            name = f"{send.operand}: " if send.operand else ""
            if not isinstance(send.source, Node | Tensor):  # a constant
                if send.operand:
                    lines.append(f"    {send.operand} is a constant: no gradient")
            elif send.grad is None:
                lines.append(f"    sends {name}nothing -> {self.target(send.source)}")
            else:
                lines.append(f"    sends {name}{show(send.grad)} -> {self.target(send.source)}")
        return lines

    def leaf(self, history):
        """``a.grad: 0 -> 1 -> 4 -> 7``: a leaf's .grad after each gradient added to it."""
        start = "0" if history.start is None else self.show(history.start)
        chain = [start] + [self.show(after) for _, _, after in history.added]
        return f"{history.label}.grad: " + " -> ".join(chain)

    def lines(self):
        out = [self.header()]
        for step in self.walk.steps:
            out += self.step(step)
        out += [self.leaf(history) for history in self.walk.leaves.values()]
        if not self.walk.done:
            out.append("(the backward pass stopped here)")
        return out

"""``to_html``: one self-contained page that replays a recorded backward pass node by node.

The page is plain HTML with its SVG, CSS, script and data inline; a Content-Security-Policy
forbids it to load anything. Every number on it was recorded from the engine during a real
backward pass (``observe_backward``) and written into the page by Python; the script only
shows step k's texts and highlights.
"""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path

import numpy as np

from tinygrad_ce.engine import Node, Tensor, observe_backward
from tinygrad_ce.viz import _graph, _svg
from tinygrad_ce.viz._record import Narrator, Recorder
from tinygrad_ce.viz._text import rows


def to_html(loss, path, names=None, direction=None):
    """Write one HTML page to ``path`` that steps through the backward pass of ``loss``.

    The page shows the graph (as ``to_svg``) with every forward value. Next and Back (or the
    right and left arrow keys) run the backward pass one node at a time, in the engine's
    order: the node being run, the gradient it received, what it passes to each input, the
    running sums where a tensor was used twice and at the leaves, until each leaf shows its
    final ``.grad``. The words beside the picture are ``trace()``'s, with the same step numbers.
    Each step scrolls the picture to the node that runs and the boxes its gradients go to, and
    zooms out for a step whose boxes would not fit in the window otherwise; "fit in view"
    shows the whole picture. ``direction`` is as in ``to_svg``: "LR", "TB" or None (left to
    right when that fits in 900 pixels, else top to bottom).

    How the numbers are made: ``to_html`` runs ``loss.backward(retain_graph=True)`` under
    ``observe_backward`` and records what the engine computed. It has no side effects: every
    leaf's ``.grad`` (and a ``retain_grad()`` tensor's) is set aside before and put back after,
    the same array object, unchanged; the page shows the gradients of this one backward, as if
    each ``.grad`` started empty. The graph is kept, so ``loss.backward()`` still works after.
    Call it before ``loss.backward()``, or after ``loss.backward(retain_graph=True)`` (then the
    page is the same); after a plain ``loss.backward()`` the graph is freed and ``to_html``
    raises ``RuntimeError`` saying so.
    The file needs no network and no install: open it in any browser. Returns the path.

    >>> import tempfile, os
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (x * x).sum()
    >>> page = to_html(loss, os.path.join(tempfile.mkdtemp(), "backward.html"), names={"x": x})
    >>> text = page.read_text()
    >>> "<script" in text and "http://" not in text.replace('xmlns="http://www.w3.org', "")
    True
    >>> x.grad is None                            # no side effect
    True
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"to_html needs a Tensor, got {type(loss).__name__}")
    if loss.grad_fn is None:
        raise ValueError(
            "to_html needs a tensor computed from tensors that require grad (it has no graph: "
            f"it is a {'leaf' if loss.requires_grad else 'constant'} of shape {loss.shape})"
        )
    if loss.size != 1:
        raise ValueError(
            f"to_html needs a one-element tensor to start backward from, got shape {loss.shape}"
        )
    names = _graph.check_names(names, "to_html")
    graph = _graph.build(loss, names)
    freed = [node.name for node in graph.nodes if node.released]
    if freed:
        raise RuntimeError(
            "to_html replays the backward pass of loss, but a backward already ran through its "
            f"graph and freed what it saved (in {', '.join(dict.fromkeys(freed))}). Call "
            "to_html(loss, path) before loss.backward(), or call "
            "loss.backward(retain_graph=True) to keep the graph for to_html"
        )
    walk, finals = _record(loss, graph)
    page = _page(graph, walk, finals, names, direction)
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


def _record(loss, graph):
    """Run one backward, recorded, with every gradient it touches set aside and restored."""
    holders = list(graph.leaves)
    for node in graph.nodes:
        retained = _graph.retained_tensor(node)
        if retained is not None:
            holders.append(retained)
    saved = [(t, t.grad) for t in holders]
    recorder = Recorder()
    try:
        for t in holders:
            t.grad = None
        with observe_backward(recorder):
            loss.backward(retain_graph=True)
        recorder.finish()
        finals = {id(t): t.grad for t in graph.leaves}
    finally:
        for t, grad in saved:
            t.grad = grad
    return recorder.walks[-1], finals


def _plain(array):
    """Nested lists of Python numbers, JSON-safe (NaN and infinities as strings)."""
    values = np.asarray(array).tolist()

    def fix(v):
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, float) and not math.isfinite(v):
            return str(v)
        return v

    return fix(values)


def _exact(array):
    """The array with each number as NumPy prints it, shortest text that reads back the same."""
    array = np.asarray(array)
    if array.ndim == 0:
        return str(array[()])
    return "[" + ", ".join(_exact(row) for row in array) + "]"


def _page(graph, walk, finals, names, direction):
    narrator = Narrator(walk, names)
    leaf_history = {id(h.tensor): h for h in walk.leaves.values()}
    steps = walk.steps
    count = len(steps)

    # The gradient lines of each tensor's box at each state k (k steps run), as text.
    def node_lines(node, k):
        if id(node) not in walk.step_of:  # no gradient reached it: it never ran
            return []
        step = steps[walk.step_of[id(node)] - 1]
        if not step.parts:  # the root: its gradient is there from the start
            return [*rows(step.grad, "grad "), "(the starting gradient)"]
        got = [part for number, part in step.parts if number <= k]
        if not got:
            return []
        total = step.grad if len(got) == len(step.parts) else sum(got[1:], start=got[0])
        lines = rows(total, "grad ")
        if len(step.parts) > 1:
            lines.append(f"({len(got)} of {len(step.parts)} received)")
        return lines

    def leaf_lines(tensor, k):
        history = leaf_history.get(id(tensor))
        if history is None:
            return []
        got = [after for number, _, after in history.added if number <= k]
        if not got:
            return []
        done = len(got) == len(history.added)
        lines = rows(finals[id(tensor)] if done else got[-1], "grad ")
        if len(history.added) > 1:
            lines.append(f"({len(got)} of {len(history.added)} added)")
        return lines

    tracked = {graph.value_key[id(n)]: (node_lines, n) for n in graph.nodes}
    tracked.update({graph.leaf_key[id(t)]: (leaf_lines, t) for t in graph.leaves})
    states = {key: [fn(obj, k) for k in range(count + 1)] for key, (fn, obj) in tracked.items()}
    slots = {key: max(len(s) for s in per_k) for key, per_k in states.items()}
    for key, per_k in states.items():
        for s in per_k:
            s.extend([""] * (slots[key] - len(s)))

    lines = {}
    min_chars = {}
    for key in tracked:
        box = graph.boxes[key]
        box.grad = None
        fixed = [(text, cls) for text, cls in _svg.box_lines(box)]
        lines[key] = fixed + [
            (text, "grad", f"{key}-g{i}") for i, text in enumerate(states[key][0])
        ]
        min_chars[key] = max(len(t) for s in states[key] for t in s) if slots[key] else 0
    for node in graph.nodes:  # op boxes get their step number, as in the trace
        key = graph.op_key[id(node)]
        box = graph.boxes[key]
        number = walk.step_of.get(id(node))
        head = f"[{number}] {box.title}" if number else box.title
        lines[key] = [(head, "title")] + ([(box.formula, "note")] if box.formula else [])
    svg = _svg.render(
        graph, lines, min_chars, css=_HIGHLIGHT, element_ids=True, direction=direction
    )
    tall = 'data-direction="TB"' in svg[: svg.index(">")]

    edge_index = {(e.src, e.dst, e.port): i for i, e in enumerate(graph.edges)}
    data_steps = []
    for k, step in enumerate(steps, start=1):
        op = graph.op_key[id(step.node)]
        out = graph.value_key[id(step.node)]
        changed = {key: s[k] for key, s in states.items() if s[k] != s[k - 1]}
        targets, edges, sends = [], [edge_index[(op, out, 0)]], []
        text = narrator.step(step)
        for port, send in enumerate(step.sends):
            if send.grad is None:
                continue
            if isinstance(send.source, Node):
                target = graph.value_key[id(send.source)]
            else:
                target = graph.leaf_key[id(send.source)]
                history = walk.leaves[id(send.source)]
                index = [n for n, _, _ in history.added].index(step.number)
                index += sum(
                    1 for s in step.sends[:port] if s.source is send.source and s.grad is not None
                )
                before = history.added[index - 1][2] if index else history.start
                after = history.added[index][2]
                if index == len(history.added) - 1:
                    after = finals[id(send.source)]
                old = "0" if before is None else narrator.show(before)
                text.append(f"    {history.label}.grad: {old} -> {narrator.show(after)}")
            targets.append(target)
            edges.append(edge_index[(target, op, port)])
            sends.append({"to": narrator.target(send.source), "grad": _plain(send.grad)})
        if k == count:
            text.append("")
            text.append("Done: every leaf holds its final .grad:")
            text += ["  " + narrator.leaf(h) for h in walk.leaves.values()]
            text += [
                f"  {h.label}.grad = {_exact(finals[id(h.tensor)])}" for h in walk.leaves.values()
            ]
        data_steps.append(
            {
                "text": "\n".join(text),
                "run": op,
                "current": out,
                "targets": targets,
                "edges": edges,
                "lines": changed,
                "received": _plain(step.grad),
                "sends": sends,
            }
        )
    root_name = narrator.labels.get(id(steps[0].node), "the output")
    intro = "\n".join(
        [
            narrator.header(),
            "The forward pass has run: each box shows the tensor an op computed, "
            + ("top to bottom." if tall else "left to right."),
            f"Backward starts at {root_name} with gradient 1 (the yellow box), and runs",
            f"{count} nodes, each after every node that uses its output.",
            "Press Next (or the right arrow key) to run the first one.",
        ]
    )
    data = {
        "intro": intro,
        "root": graph.root,
        "initial": {key: s[0] for key, s in states.items()},
        "steps": data_steps,
        "finals": {walk.leaves[i].label: _plain(g) for i, g in finals.items() if i in walk.leaves},
    }
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    title = f"Backward pass of {escape(root_name)}, step by step"
    return _TEMPLATE.format(
        title=title,
        svg=svg,
        data=payload,
        script=_SCRIPT,
        style=_STYLE,
        arrangement="tall" if tall else "wide",
    )


_HIGHLIGHT = """
.running .box { stroke: #cf222e; stroke-width: 3; fill: #ffebe9; }
.current .box { stroke: #cf222e; stroke-width: 2.5; }
.target .box { stroke: #1a7f37; stroke-width: 3; }
.edge.flow { stroke: #1a7f37; stroke-width: 2.6; }
"""

_STYLE = """
html, body { height: 100%; margin: 0; }
body { font-family: system-ui, sans-serif; color: #1f2328; background: #ffffff;
       display: flex; flex-direction: column; box-sizing: border-box; padding: 0.8em 1.5em; }
h1 { font-size: 1.25em; margin: 0 0 0.4em 0; }
.controls { display: flex; flex-wrap: wrap; gap: 0.6em; align-items: center; margin: 0.3em 0; }
button { font-size: 1em; padding: 0.3em 1em; }
.legend { color: #59636e; font-size: 0.9em; }
/* The words and the picture fill the window: above each other for a wide picture (drawn left
   to right), side by side for a tall one (top to bottom), so the picture gets the most room. */
main { flex: 1 1 auto; min-height: 0; display: flex; flex-direction: column; gap: 0.6em; }
#narration { background: #f6f8fa; border: 1px solid #d0d7de; padding: 0.6em 0.8em; margin: 0;
             height: 24vh; min-height: 7em; overflow: auto; white-space: pre; flex: none;
             font: 13px 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
#graph { flex: 1 1 auto; min-height: 14em; overflow: auto; border: 1px solid #d0d7de;
         background: #ffffff; }
#graph svg { display: block; }
@media (min-width: 800px) {
  main.tall { flex-direction: row; }
  main.tall #graph { flex: 0 1 auto; max-width: 62%; min-width: 16em; }
  main.tall #narration { order: 2; flex: 1 1 0; height: auto; white-space: pre-wrap; }
}
"""

_SCRIPT = """
const data = JSON.parse(document.getElementById('data').textContent);
const total = data.steps.length;
const graph = document.getElementById('graph');
let k = 0;
// The camera. Each step scrolls the picture to centre its boxes: the running node, its output
// and where its gradients go. When they do not fit in the view together at full size, the
// picture zooms out for that step (down to half size; below that it centres the running node).
// "fit in view" shows the whole picture instead.
const svg = graph.querySelector('svg');
const natural = [svg.width.baseVal.value, svg.height.baseVal.value];
function ids(step) { return [step.run, step.current].concat(step.targets); }
function extent(keys) {  // bounding box of the boxes, in the picture's own pixels
  const boxes = keys.map(key => document.getElementById(key).getBBox());
  return {x0: Math.min(...boxes.map(b => b.x)), x1: Math.max(...boxes.map(b => b.x + b.width)),
          y0: Math.min(...boxes.map(b => b.y)), y1: Math.max(...boxes.map(b => b.y + b.height))};
}
function reveal(keys) {
  const w = graph.clientWidth - 24, h = graph.clientHeight - 24;
  let e = extent(keys);
  const fit = document.getElementById('fit').checked;
  let zoom = Math.min(1, w / (e.x1 - e.x0), h / (e.y1 - e.y0));
  if (fit) zoom = Math.min(1, w / natural[0], h / natural[1]);
  else if (zoom < 0.5) {
    zoom = 0.5;
    e = extent(keys.slice(0, 1));
  }
  svg.style.width = natural[0] * zoom + 'px';
  svg.style.height = natural[1] * zoom + 'px';
  graph.scrollLeft = (e.x0 + e.x1) / 2 * zoom - graph.clientWidth / 2;
  graph.scrollTop = (e.y0 + e.y1) / 2 * zoom - graph.clientHeight / 2;
}
function show(n) {
  k = Math.max(0, Math.min(total, n));
  const lines = Object.assign({}, data.initial);
  for (let i = 0; i < k; i++) Object.assign(lines, data.steps[i].lines);
  for (const key in lines) {
    lines[key].forEach((text, j) => {
      document.getElementById(key + '-g' + j).textContent = text;
    });
  }
  for (const cls of ['running', 'current', 'target', 'flow']) {
    document.querySelectorAll('.' + cls).forEach(e => e.classList.remove(cls));
  }
  let text = data.intro;
  if (k === 0) reveal([data.root]);  // backward starts there
  if (k > 0) {
    const step = data.steps[k - 1];
    document.getElementById(step.run).classList.add('running');
    document.getElementById(step.current).classList.add('current');
    step.targets.forEach(t => document.getElementById(t).classList.add('target'));
    step.edges.forEach(e => document.getElementById('e' + e).classList.add('flow'));
    text = step.text;
    reveal(ids(step));
  }
  document.getElementById('narration').textContent = text;
  document.getElementById('counter').textContent = 'step ' + k + ' of ' + total;
  document.getElementById('back').disabled = k === 0;
  document.getElementById('next').disabled = k === total;
}
document.getElementById('next').addEventListener('click', () => show(k + 1));
document.getElementById('fit').addEventListener('change', () => show(k));
window.addEventListener('resize', () => show(k));
document.getElementById('back').addEventListener('click', () => show(k - 1));
document.addEventListener('keydown', event => {
  if (event.key === 'ArrowRight') { show(k + 1); event.preventDefault(); }
  if (event.key === 'ArrowLeft') { show(k - 1); event.preventDefault(); }
  if (event.key === 'Home') { show(0); event.preventDefault(); }
  if (event.key === 'End') { show(total); event.preventDefault(); }
});
show(0);
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<h1>{title}</h1>
<div class="controls">
<button id="back" type="button">&#9664; Back</button>
<button id="next" type="button">Next &#9654;</button>
<span id="counter"></span>
<label><input id="fit" type="checkbox"> fit in view</label>
<span class="legend">keys: &#8592; &#8594; (Home, End) &middot; red: the node running
&middot; green: where its gradients go &middot; blue: leaves</span>
</div>
<main class="{arrangement}">
<pre id="narration"></pre>
<div id="graph">
{svg}</div>
</main>
<script type="application/json" id="data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

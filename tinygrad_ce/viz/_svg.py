"""Drawing a ``_graph.Graph`` as SVG text: boxes of monospace lines, laid out by ``_layout``.

Text is monospace so a line's width is known without a font: ``CHAR`` pixels per character.
A graph is drawn left to right when that fits in ``MAX_WIDTH`` pixels, else top to bottom (if
narrower), so that a picture shown at a page's width keeps its text at its real size.
"""

from __future__ import annotations

from html import escape

import numpy as np

from tinygrad_ce.viz import _text
from tinygrad_ce.viz._layout import layout

FONT = 12.0
CHAR = 7.3  # width of one character of a 12px monospace font (DejaVu Sans Mono: 7.22)
LINE = 15.0
PAD_X, PAD_Y = 7.0, 5.0
MAX_WIDTH = 900  # about what a documentation page (GitHub's, say) gives a picture

CSS = """
text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px;
       fill: #1f2328; white-space: pre; }
.background { fill: #ffffff; }
.box { stroke: #57606a; stroke-width: 1; fill: #ffffff; }
.op .box { fill: #eef1f4; }
.leaf .box { fill: #ddf4ff; stroke: #0969da; }
.root .box { fill: #fff8c5; stroke: #9a6700; }
.constant .box { fill: #f6f8fa; stroke: #8c959f; stroke-dasharray: 3 2; }
.title { font-weight: bold; }
.note, .constant text { fill: #59636e; }
.grad { fill: #953800; }
.edge { fill: none; stroke: #57606a; stroke-width: 1.2; }
.label { font-size: 11px; fill: #0550ae; font-style: italic; }
"""


def box_lines(box, show_grad=True):
    """The text lines of a box: (text, css class)."""
    if box.kind == "op":
        lines = [(box.title, "title")]
        if box.formula:
            lines.append((box.formula, "note"))
        return lines
    if box.kind == "constant":
        if box.value is None:  # too big to keep: the engine kept its shape and dtype only
            return [(box.title or "constant", "note"), (f"{box.shape} {box.dtype}", "note")]
        values = [(line, "data") for line in _text.rows(box.value)]
        if box.title:
            return [(box.title, "title"), *values]
        if np.ndim(box.value) == 0:
            return values
        return [("constant", "note"), *values]
    lines = []
    if box.title:
        lines.append((box.title, "title"))
    note = f"{box.shape} {box.dtype}"
    if box.kind == "leaf":
        note += " leaf"
    lines.append((note, "note"))
    if box.value is not None:
        lines += [(line, "data") for line in _text.rows(box.value, "data ")]
    if show_grad and box.grad is not None:  # .grad: what every backward so far added up
        lines += [(line, "grad") for line in _text.rows(box.grad, ".grad ")]
    return lines


def render(graph, lines=None, min_chars=None, css="", element_ids=False, script="", direction=None):
    """SVG text of ``graph``. ``lines[key]`` overrides a box's lines: (text, class[, id]);
    ``min_chars[key]`` widens a box (to fit text set later); ``element_ids`` gives every box
    and arrow an ``id`` (for the stepper's script); ``direction`` is "LR" (left to right), "TB"
    (top to bottom) or None: "LR" if that is at most ``MAX_WIDTH`` wide, else the narrower."""
    lines = dict(lines or {})
    min_chars = min_chars or {}
    keys = list(graph.boxes)
    for key in keys:
        if key not in lines:
            lines[key] = box_lines(graph.boxes[key])
    sizes = {}
    for key in keys:
        chars = max([len(line[0]) for line in lines[key]] + [min_chars.get(key, 0), 1])
        sizes[key] = (chars * CHAR + 2 * PAD_X, len(lines[key]) * LINE + 2 * PAD_Y)
    edges = [(e.src, e.dst, e.port, graph.ports.get(e.dst, 1)) for e in graph.edges]
    if direction is None:
        placed = layout(keys, sizes, edges, "LR")
        direction = "LR"
        if placed.width > MAX_WIDTH:
            down = layout(keys, sizes, edges, "TB")
            if down.width < placed.width:
                placed, direction = down, "TB"
    else:
        placed = layout(keys, sizes, edges, direction)
    width, height = round(placed.width), round(placed.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" data-direction="{direction}">',
        f"<style>{CSS}{css}</style>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#57606a"/></marker></defs>',
        # opaque, so the picture stays readable on a page with a dark theme
        f'<rect class="background" x="0" y="0" width="{width}" height="{height}"/>',
    ]
    vertical = direction == "TB"
    for index, (edge, points) in enumerate(zip(graph.edges, placed.routes)):
        ident = f' id="e{index}"' if element_ids else ""
        d = _curve(points, vertical)
        out.append(f'<path class="edge"{ident} d="{d}" marker-end="url(#arrow)"/>')
        if edge.label:  # next to the arrow's head: left of it (LR), right of it (TB)
            x, y = points[-1]
            lx, ly, anchor = (x + 4, y - 5, "start") if vertical else (x - 9, y - 3, "end")
            out.append(
                f'<text class="label" x="{lx:.1f}" y="{ly:.1f}" '
                f'text-anchor="{anchor}">{escape(edge.label)}</text>'
            )
    for key in keys:
        box = graph.boxes[key]
        x, y = placed.position[key]
        w, h = sizes[key]
        classes = box.kind + (" root" if box.root else "")
        ident = f' id="{key}"' if element_ids else ""
        radius = 12 if box.kind == "op" else 3
        out.append(f'<g class="{classes}"{ident}>')
        out.append(
            f'<rect class="box" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'rx="{radius}"/>'
        )
        center = box.kind in ("op", "constant")
        for i, line in enumerate(lines[key]):
            text, cls = line[0], line[1]
            line_id = f' id="{line[2]}"' if len(line) > 2 and line[2] else ""
            ty = y + PAD_Y + LINE * i + FONT
            if center:
                anchor, tx = ' text-anchor="middle"', x + w / 2
            else:
                anchor, tx = "", x + PAD_X
            out.append(
                f'<text class="{cls}"{line_id}{anchor} x="{tx:.1f}" y="{ty:.1f}" '
                f'xml:space="preserve">{escape(text)}</text>'
            )
        out.append("</g>")
    out.append(script)
    out.append("</svg>")
    return "\n".join(line for line in out if line) + "\n"


def _curve(points, vertical=False):
    """A smooth path through ``points``: a cubic Bezier per hop, leaving and arriving level
    (or, ``vertical``, leaving and arriving straight down)."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M {x0:.1f} {y0:.1f}"]
    for x1, y1 in rest:
        if vertical:
            mid = (y0 + y1) / 2
            d.append(f"C {x0:.1f} {mid:.1f} {x1:.1f} {mid:.1f} {x1:.1f} {y1:.1f}")
        else:
            mid = (x0 + x1) / 2
            d.append(f"C {mid:.1f} {y0:.1f} {mid:.1f} {y1:.1f} {x1:.1f} {y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(d)

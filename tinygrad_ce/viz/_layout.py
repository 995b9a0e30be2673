"""A layered layout for a small directed acyclic graph (Sugiyama's method, lite), left to right
or top to bottom.

1. Layers: a node's column is fixed by its longest path to the sink (the root), so the root is
   the last column and every box sits as far right as its consumers allow.
2. Edges that skip columns get invisible waypoints, one per skipped column, so they can be
   routed around boxes and take part in ordering.
3. Order within a column: repeated barycenter sweeps (each node moves to the mean position of
   its neighbours in the next column), keeping the order with the fewest crossings.
4. Heights: each column is placed so that boxes sit near the mean height of their neighbours,
   keeping their order and a gap between them (an isotonic regression, exact and cheap).

Top to bottom is the same layout with the two axes swapped: layers become rows, a box's width
becomes its extent within a row, and arrows leave a box's bottom and reach the top of their
target.

Knows nothing about tensors: boxes are keys with a size, edges join keys (``port`` = which of
the target's ``ports`` inputs the arrow ends at).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass


@dataclass
class Layout:
    position: dict  # key -> (x, y) of the box's top-left corner
    routes: list  # per edge, the points it passes through, from source to target
    width: float
    height: float


def layout(keys, sizes, edges, direction="LR", gap_layers=None, gap_within=None, margin=10.0):
    """Place boxes of ``sizes[key] = (w, h)`` joined by ``edges`` ``(src, dst, port, ports)``.

    ``direction`` "LR": layers are columns, left to right; "TB": rows, top to bottom.
    ``gap_layers`` is the space between layers (for the arrows), ``gap_within`` between two
    boxes of one layer.
    """
    if direction == "LR":
        gap_layers = 34.0 if gap_layers is None else gap_layers
        gap_within = 14.0 if gap_within is None else gap_within
        return _layered(keys, sizes, edges, gap_layers, gap_within, margin)
    if direction != "TB":
        raise ValueError(f'direction must be "LR" or "TB", got {direction!r}')
    gap_layers = 28.0 if gap_layers is None else gap_layers
    gap_within = 18.0 if gap_within is None else gap_within
    swapped = {k: (h, w) for k, (w, h) in sizes.items()}
    placed = _layered(keys, swapped, edges, gap_layers, gap_within, margin)
    return Layout(
        {k: (y, x) for k, (x, y) in placed.position.items()},
        [[(y, x) for x, y in route] for route in placed.routes],
        placed.height,
        placed.width,
    )


def _layered(keys, sizes, edges, gap_x, gap_y, margin, sweeps=12):
    """The left-to-right layout: columns ``gap_x`` apart, boxes ``gap_y`` apart in a column."""
    succ = {k: [] for k in keys}
    pred = {k: [] for k in keys}
    for src, dst, port, _ in edges:
        succ[src].append(dst)
        pred[dst].append((port, src))

    # 1. Layers by the longest path to a sink, then counted from the left.
    depth = {}
    for key in reversed(_topological(keys, succ)):
        depth[key] = max((depth[s] + 1 for s in succ[key]), default=0)
    deepest = max(depth.values(), default=0)
    layer = {k: deepest - depth[k] for k in keys}

    # 2. Waypoints on long edges: each edge becomes a chain of one-column hops.
    size = dict(sizes)
    chains = []  # per edge: the keys it passes through
    hops = []  # (left key, right key, port fraction at the right end)
    for index, (src, dst, port, ports) in enumerate(edges):
        chain = [src]
        for col in range(layer[src] + 1, layer[dst]):
            dummy = ("way", index, col)
            layer[dummy], size[dummy] = col, (0.0, 8.0)
            chain.append(dummy)
        chain.append(dst)
        chains.append(chain)
        for left, right in itertools.pairwise(chain):
            fraction = (port + 1) / (ports + 1) if right == dst else 0.5
            hops.append((left, right, fraction))
    columns = [[] for _ in range(deepest + 1)]

    # Start from a depth-first order from the sink(s), operands in order: a tree reads well.
    placed = set()
    order_from = {k: [] for k in size}
    for left, right, fraction in hops:
        order_from[right].append((fraction, left))
    sinks = [k for k in keys if not succ[k]]
    stack = list(reversed(sinks))
    while stack:
        key = stack.pop()
        if key in placed:
            continue
        placed.add(key)
        columns[layer[key]].append(key)
        stack.extend(k for _, k in sorted(order_from[key], key=lambda t: t[0], reverse=True))
    for key in size:  # anything not reached from a sink (not expected)
        if key not in placed:
            columns[layer[key]].append(key)

    # 3. Barycenter sweeps, keeping the order with the fewest crossings.
    right_of = {k: [] for k in size}
    left_of = {k: [] for k in size}
    for left, right, fraction in hops:
        right_of[left].append((right, fraction))
        left_of[right].append((left, fraction))
    best, best_crossings = [list(c) for c in columns], _crossings(columns, hops, layer)
    for sweep in range(sweeps):
        if sweep % 2 == 0:  # right to left: order by the consumers' positions
            for col in range(len(columns) - 2, -1, -1):
                rank = {k: i for i, k in enumerate(columns[col + 1])}
                _reorder(columns[col], right_of, rank)
        else:  # left to right: order by the inputs' positions
            for col in range(1, len(columns)):
                rank = {k: i for i, k in enumerate(columns[col - 1])}
                _reorder(columns[col], left_of, rank)
        crossings = _crossings(columns, hops, layer)
        if crossings < best_crossings:
            best, best_crossings = [list(c) for c in columns], crossings
    columns = best

    # 4. Coordinates. x: columns side by side, boxes centred in their column.
    x, left_x = margin, []
    widths = [max((size[k][0] for k in col), default=0.0) for col in columns]
    for w in widths:
        left_x.append(x)
        x += w + gap_x
    width = x - gap_x + margin
    center_x = {}
    for col, keys_here in enumerate(columns):
        for k in keys_here:
            center_x[k] = left_x[col] + widths[col] / 2
    # y: stacked, then each column pulled toward its neighbours, alternating directions.
    top = {}
    for keys_here in columns:
        y = 0.0
        for k in keys_here:
            top[k] = y
            y += size[k][1] + gap_y

    def port_y(key, fraction):
        return top[key] + size[key][1] * fraction

    for sweep in range(2 * sweeps):
        cols = range(len(columns)) if sweep % 2 == 0 else range(len(columns) - 1, -1, -1)
        for col in cols:
            wanted = []
            for k in columns[col]:
                # where k's arrows start or end, if k were at top 0, vs. its neighbours' ports
                pulls = [port_y(n, f) - size[k][1] * 0.5 for n, f in right_of[k]]
                pulls += [port_y(n, 0.5) - size[k][1] * f for n, f in left_of[k]]
                wanted.append(sum(pulls) / len(pulls) if pulls else top[k])
            for k, y in zip(columns[col], _spread(columns[col], wanted, size, gap_y)):
                top[k] = y
    low = min(top.values(), default=0.0)
    height = 0.0
    position = {}
    for k in size:
        top[k] += margin - low
        height = max(height, top[k] + size[k][1] + margin)
        position[k] = (center_x[k] - size[k][0] / 2, top[k])

    routes = []
    for (src, dst, port, ports), chain in zip(edges, chains):
        points = [(position[src][0] + size[src][0], top[src] + size[src][1] / 2)]
        points += [(center_x[k], top[k] + size[k][1] / 2) for k in chain[1:-1]]
        points.append((position[dst][0], top[dst] + size[dst][1] * (port + 1) / (ports + 1)))
        routes.append(points)
    return Layout({k: position[k] for k in keys}, routes, width, height)


def _topological(keys, succ):
    """Keys so that every edge goes from an earlier key to a later one (Kahn's algorithm)."""
    indegree = {k: 0 for k in keys}
    for k in keys:
        for s in succ[k]:
            indegree[s] += 1
    ready = [k for k in reversed(keys) if indegree[k] == 0]
    order = []
    while ready:
        k = ready.pop()
        order.append(k)
        for s in succ[k]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    if len(order) != len(keys):
        raise ValueError("the graph has a cycle")
    return order


def _reorder(column, neighbours, rank):
    """Sort a column by the mean position of each key's neighbours (stable; keys without
    neighbours keep their place)."""
    keyed = []
    for i, k in enumerate(column):
        places = [rank[n] + f for n, f in neighbours[k] if n in rank]
        keyed.append((sum(places) / len(places) if places else i, i, k))
    column[:] = [k for _, _, k in sorted(keyed)]


def _crossings(columns, hops, layer):
    """How many pairs of one-column hops cross."""
    where = {k: i for col in columns for i, k in enumerate(col)}
    by_column = {}
    for left, right, fraction in hops:
        by_column.setdefault(layer[left], []).append((where[left], where[right] + fraction))
    total = 0
    for pairs in by_column.values():
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1 :]:
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total


def _spread(column, wanted, size, gap):
    """Tops as close as possible (least squares) to ``wanted``, in order, boxes not overlapping.

    With offsets o_i (the heights and gaps of the boxes above), top_i = z_i + o_i turns "no
    overlap" into z_1 <= z_2 <= ...: an isotonic regression of wanted_i - o_i, solved by pooling
    adjacent violators.
    """
    offsets, o = [], 0.0
    for k in column:
        offsets.append(o)
        o += size[k][1] + gap
    blocks = []  # [mean, count]
    for w, off in zip(wanted, offsets):
        blocks.append([w - off, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, n2 = blocks.pop()
            m1, n1 = blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    z = [m for m, n in blocks for _ in range(n)]
    return [zi + off for zi, off in zip(z, offsets)]

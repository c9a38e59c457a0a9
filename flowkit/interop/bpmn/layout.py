"""Where the diagram places each shape and edge: columns by depth, rows by lane.

The geometry of the diagram interchange a flowkit BPMN file carries, so that bpmn.io
and Camunda Modeler open it laid out: one pool, a lane per department (in order), a
column per depth along the flows (loops ignored), and orthogonal edges that avoid the
shapes they would cross.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from .graph import Flow, Node

__all__ = ["Box", "Layout", "layout"]

_TASK_SIZE = (100, 80)
_GATEWAY_SIZE = (50, 50)
_EVENT_SIZE = (36, 36)

_POOL_X, _POOL_Y, _POOL_LABEL, _LANE_LABEL = 160, 80, 30, 30
_LEFT, _GAP, _ROW, _PAD_TOP, _PAD_BOTTOM = 40, 50, 110, 15, 40

Point = tuple[int, int]


@dataclass(frozen=True)
class Box:
    """The bounds of a shape."""

    x: int
    y: int
    w: int
    h: int

    @property
    def cx(self) -> int:
        """The x of its centre."""
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        """The y of its centre."""
        return self.y + self.h // 2


@dataclass
class Layout:
    """The bounds of the pool, of each lane and of each node; the waypoints of each flow."""

    pool: Box
    lanes: dict[str, Box]
    shapes: dict[str, Box]
    edges: dict[str, list[Point]]


def _size(n: Node) -> tuple[int, int]:
    """The width and height of a node's shape."""
    if n.tag.endswith("Gateway"):
        return _GATEWAY_SIZE
    if n.tag.endswith("Event"):
        return _EVENT_SIZE
    return _TASK_SIZE


def _back_flows(nodes: dict[str, Node], flows: dict[str, Flow], start: str) -> set[str]:
    """Flows to a node on the current path of a depth-first walk from the start (loops)."""
    back: set[str] = set()
    seen, on_path = {start}, {start}
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        n, i = stack[-1]
        out = nodes[n].outgoing
        if i == len(out):
            stack.pop()
            on_path.discard(n)
            continue
        stack[-1] = (n, i + 1)
        f = flows[out[i]]
        if f.target in on_path:
            back.add(f.id)
        elif f.target not in seen:
            seen.add(f.target)
            on_path.add(f.target)
            stack.append((f.target, 0))
    return back


def _columns(nodes: dict[str, Node], flows: dict[str, Flow], back: set[str]) -> dict[str, int]:
    """The column of each node: its longest path from the start over forward flows."""
    indeg = Counter(f.target for f in flows.values() if f.id not in back)
    col = dict.fromkeys(nodes, 0)
    todo = [n for n in nodes if indeg[n] == 0]
    while todo:
        nid = todo.pop()
        for fid in nodes[nid].outgoing:
            if fid in back:
                continue
            t = flows[fid].target
            col[t] = max(col[t], col[nid] + 1)
            indeg[t] -= 1
            if indeg[t] == 0:
                todo.append(t)
    return col


def _column_lefts(node_list: list[Node], col: dict[str, int]) -> tuple[list[int], list[int],
                                                                        int]:
    """The left edge and the width of each column, and the right edge of the lanes."""
    widths = [0] * (max(col.values()) + 1)
    for n in node_list:
        widths[col[n.id]] = max(widths[col[n.id]], _size(n)[0])
    lefts, x = [], _POOL_X + _POOL_LABEL + _LANE_LABEL + _LEFT
    for w in widths:
        lefts.append(x)
        x += w + _GAP
    return lefts, widths, x - _GAP + _LEFT


def _place(node_list: list[Node], col: dict[str, int],
           lanes: list[str]) -> tuple[Box, dict[str, Box], dict[str, Box]]:
    """The pool, the lanes one under the other, and each shape in its lane and column."""
    nodes = {n.id: n for n in node_list}
    lefts, widths, right = _column_lefts(node_list, col)
    slots: dict[tuple[str, int], list[str]] = {}
    for n in node_list:
        slots.setdefault((n.lane, col[n.id]), []).append(n.id)
    lane_boxes: dict[str, Box] = {}
    shapes: dict[str, Box] = {}
    y = _POOL_Y
    lane_x = _POOL_X + _POOL_LABEL
    for lane in lanes:
        rows = max([len(v) for (ln, _), v in slots.items() if ln == lane] or [1])
        h = _PAD_TOP + rows * _ROW + _PAD_BOTTOM
        lane_boxes[lane] = Box(lane_x, y, right - lane_x, h)
        for (ln, c), members in slots.items():
            if ln != lane:
                continue
            for k, nid in enumerate(members):
                w, hh = _size(nodes[nid])
                cx = lefts[c] + widths[c] // 2
                cy = y + _PAD_TOP + k * _ROW + _ROW // 2
                shapes[nid] = Box(cx - w // 2, cy - hh // 2, w, hh)
        y += h
    pool = Box(_POOL_X, _POOL_Y, right - _POOL_X, y - _POOL_Y)
    return pool, lane_boxes, shapes


def _edge(f: Flow, i: int, nodes: dict[str, Node], shapes: dict[str, Box],
          back: set[str]) -> list[Point]:
    """The route of the ``i``-th flow that crosses the fewest other shapes."""
    sb, tb = shapes[f.source], shapes[f.target]
    options = _routes(sb, tb, f.id in back, nodes[f.source].tag.endswith("Gateway"),
                      nodes[f.target].tag.endswith("Gateway"), 6 * (i % 3))
    xs = [x for r in options for x, _ in r]
    ys = [y for r in options for _, y in r]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    others = [b for k, b in shapes.items() if b.x < x1 and b.x + b.w > x0 and b.y < y1
              and b.y + b.h > y0 and k not in (f.source, f.target)]
    return min(options, key=lambda r: (_hits(r, others), options.index(r)))


def layout(node_list: list[Node], flow_list: list[Flow], lanes: list[str]) -> Layout:
    """Columns by depth along the flow (loops ignored), rows by lane."""
    nodes = {n.id: n for n in node_list}
    flows = {f.id: f for f in flow_list}
    back = _back_flows(nodes, flows, node_list[0].id)
    col = _columns(nodes, flows, back)
    pool, lane_boxes, shapes = _place(node_list, col, lanes)
    edges = {f.id: _edge(f, i, nodes, shapes, back) for i, f in enumerate(flow_list)}
    return Layout(pool, lane_boxes, shapes, edges)


def _routes(sb: Box, tb: Box, back: bool, s_gw: bool, t_gw: bool,
            shift: int) -> list[list[Point]]:
    """Orthogonal routes from one shape to another, the preferred first."""
    if back:  # a loop: under both shapes, or over them
        low = max(sb.y + sb.h, tb.y + tb.h) + 12 + shift
        high = min(sb.y, tb.y) - 8 - shift
        return [[(sb.cx, sb.y + sb.h), (sb.cx, low), (tb.cx, low), (tb.cx, tb.y + tb.h)],
                [(sb.cx, sb.y), (sb.cx, high), (tb.cx, high), (tb.cx, tb.y)]]
    if sb.cy == tb.cy:
        return [[(sb.x + sb.w, sb.cy), (tb.x, tb.cy)]]
    down = tb.cy > sb.cy
    near_target = tb.x - _GAP // 2
    out = []
    if s_gw:  # leave a gateway by its top or bottom corner
        out.append([(sb.cx, sb.y + sb.h if down else sb.y), (sb.cx, tb.cy), (tb.x, tb.cy)])
    if t_gw:  # enter a gateway by its top or bottom corner
        out.append([(sb.x + sb.w, sb.cy), (tb.cx, sb.cy), (tb.cx, tb.y if down else tb.y + tb.h)])
    out.append([(sb.x + sb.w, sb.cy), (near_target, sb.cy), (near_target, tb.cy), (tb.x, tb.cy)])
    near_source = sb.x + sb.w + _GAP // 2
    out.append([(sb.x + sb.w, sb.cy), (near_source, sb.cy), (near_source, tb.cy), (tb.x, tb.cy)])
    return out


def _hits(route: list[Point], boxes: list[Box]) -> int:
    """How many shapes the segments of a route cross."""
    n = 0
    for b in boxes:
        for (x1, y1), (x2, y2) in itertools.pairwise(route):
            if y1 == y2 and b.y < y1 < b.y + b.h and min(x1, x2) < b.x + b.w and max(x1, x2) > b.x:
                n += 1
                break
            if x1 == x2 and b.x < x1 < b.x + b.w and min(y1, y2) < b.y + b.h and max(y1, y2) > b.y:
                n += 1
                break
    return n

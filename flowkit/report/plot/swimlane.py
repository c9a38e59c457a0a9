"""``swimlane``: the process drawn as lanes of departments (泳道图)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...model.types import CHANNEL_ZH, KIND_ZH, LEVELS
from .common import CHANNEL_EN, CHANNEL_STYLE, KIND_COLOR, axes, finish, wrap
from .fonts import family, rc_params

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ...model.process import Process, Step

__all__ = ["Layout", "figure_size", "layout", "swimlane"]

BOX_W = 0.74  # of a column (1.0)
BOX_H = 0.60  # of a row (1.0)
HEADER = (-1.40, -0.52)  # x range of the lane headers
GATE = 0.065  # gateway diamond: distance from the box edge
HANDOFF = "#e67e22"  # internal transfer between departments
CARRIED = "#c0392b"  # handoff carried by the applicant
LOOP = "#8e44ad"
SAME = "#566573"


@dataclass
class Layout:
    """Where everything goes: columns, lanes (top to bottom) and step centres."""

    lanes: list[tuple[str, float, float]]  # (department id, top y, height)
    pos: dict[str, tuple[float, float]]  # step id -> (x, y) of its centre
    fetch: dict[str, tuple[float, float]]  # material id -> centre of its fetch trip
    columns: int
    back: set[tuple[str, str]] = field(default_factory=set)

    @property
    def bottom(self) -> float:
        return min((top - h for _, top, h in self.lanes), default=-1.0)


def _level_rank(level: str | None) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def layout(p: Process) -> Layout:
    """Columns by longest forward path from the start (loops excluded), lanes by
    level (national first) then listed order; steps of one lane in one column stack."""
    st = p.structure
    back = set(st.back_edges)
    forward = {s.id: [t for t in s.targets if (s.id, t) not in back] for s in p.steps}
    indeg = {s.id: 0 for s in p.steps}
    for targets in forward.values():
        for t in targets:
            indeg[t] += 1
    order = [s.id for s in p.steps if indeg[s.id] == 0]
    offset = 1 if p.fetched else 0
    col = dict.fromkeys(order, offset)
    i = 0
    while i < len(order):
        u = order[i]
        i += 1
        for t in forward[u]:
            col[t] = max(col.get(t, offset), col[u] + 1)
            indeg[t] -= 1
            if indeg[t] == 0:
                order.append(t)
    for s in p.steps:  # anything left (not reachable) goes after the rest
        col.setdefault(s.id, max(col.values(), default=offset) + 1)

    # stack steps of one department that share a column
    slot: dict[str, int] = {}
    stack: dict[tuple[str, int], int] = {}
    for s in p.steps:
        key = (s.department, col[s.id])
        slot[s.id] = stack.get(key, 0)
        stack[key] = slot[s.id] + 1
    fetch_slot: dict[str, int] = {}
    for m in p.fetched:
        issuer = p.material(m).issued_by or ""
        key = (issuer, 0)
        fetch_slot[m] = stack.get(key, 0)
        stack[key] = fetch_slot[m] + 1

    depts = sorted(enumerate(p.departments), key=lambda x: (_level_rank(x[1].level), x[0]))
    lanes = []
    top = 0.0
    lane_top: dict[str, float] = {}
    for _, d in depts:
        rows = max((n for (dept, _), n in stack.items() if dept == d.id), default=1)
        lanes.append((d.id, top, float(rows)))
        lane_top[d.id] = top
        top -= rows
    pos = {
        s.id: (float(col[s.id]), lane_top[s.department] - slot[s.id] - 0.5) for s in p.steps
    }
    fetch = {
        m: (0.0, lane_top[p.material(m).issued_by or ""] - fetch_slot[m] - 0.5)
        for m in p.fetched
    }
    columns = max(col.values(), default=0) + 1
    return Layout(lanes=lanes, pos=pos, fetch=fetch, columns=columns, back=back)


def swimlane(p: Process, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw a process as a swimlane diagram (泳道图): a lane per department.

    Lanes are ordered by level (国家 → 村), then in the order the departments are
    listed. Each step is a box in its department's lane, in the column of its
    longest forward path from the start: the fill colour is its kind (受理, 审查 …),
    the border its channel (a thick red border and a red 跑 badge for a counter
    step, where the applicant must come: a visit; dashed for online, dotted for
    onsite …). Flows are arrows: a handoff across lanes (移交) is orange and
    labelled with its transfer delay, a handoff carried by the applicant (the next
    step is at a counter or online) is a red dashed arrow; a diamond with × marks
    an exclusive choice (its arrows carry their probabilities), a diamond with +
    a parallel split or a ``join: all``; loops (补正) are purple dotted arcs. Fetch
    trips (certificates the applicant collects before starting) are dashed boxes
    in the issuer's lane.

    Parameters
    ----------
    p : Process
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure of its own, sized to the process.
    **kwargs
        ``figsize=`` for the new figure made when ``ax`` is None; any other keyword is an
        Axes property set after drawing (``title=``, ``xlabel=``, ``xlim=`` … as
        :meth:`matplotlib.axes.Axes.set` takes them).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import flowkit as fk
    >>> p = fk.load("examples/shanghai_business_startup/current.yaml")
    >>> fig, ax = plt.subplots(figsize=(14, 6))
    >>> ax = fk.plot.swimlane(p, ax=ax)
    >>> sorted(t.get_gid() for t in ax.texts if (t.get_gid() or "").startswith("lane-"))
    ['lane-amr', 'lane-bank', 'lane-hrss', 'lane-seal_maker', 'lane-tax']
    >>> plt.close(fig)
    """
    import matplotlib

    lay = layout(p)
    with matplotlib.rc_context(rc_params()):
        ax = axes(ax, figure_size(lay), kwargs)
        c = _Canvas.make(ax, lay)
        graph = _graph(p)
        _draw_lanes(c, p, lay)
        _draw_flows(c, p, lay, graph)
        _draw_fetches(c, p, lay)
        _draw_steps(c, p, lay)
        _draw_labels(c)
        _draw_legend(c, p, graph)
        _finish(c, p, lay)
    return finish(ax, kwargs)


def figure_size(lay: Layout) -> tuple[float, float]:
    """A figure size (inches) that gives every column and lane of ``lay`` room."""
    return (min(2.0 + 1.25 * (lay.columns + 1.2), 40.0),
            min(1.6 + 1.0 * -lay.bottom, 30.0))


@dataclass
class _Canvas:
    """What the drawing steps share: the Axes, the fonts, text fitting, the right edge
    of the lanes and the flow labels, drawn last (above the arrows and boxes)."""

    ax: Axes
    fam: list[str]
    fit: _Fit
    x_right: float
    labels: list[tuple[float, float, str, str]] = field(default_factory=list)

    @classmethod
    def make(cls, ax: Axes, lay: Layout) -> _Canvas:
        """The canvas of ``lay`` on ``ax`` (the figure must have its final size)."""
        x_right = lay.columns - 0.45
        fit = _Fit(ax, x_right - HEADER[0] + 0.1, -lay.bottom + 0.35)
        return cls(ax=ax, fam=family(), fit=fit, x_right=x_right)

    def arrow(self, a: tuple[float, float], b: tuple[float, float], color: str, ls: str,
              lw: float, rad: float = 0.0, gid: str | None = None) -> None:
        """An arrow from ``a`` to ``b``, bent by ``rad`` (matplotlib's ``arc3``)."""
        from matplotlib.patches import FancyArrowPatch

        self.ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=9,
                                          connectionstyle=f"arc3,rad={rad}", color=color,
                                          linestyle=ls, linewidth=lw, shrinkA=0, shrinkB=0,
                                          zorder=1.5, gid=gid))

    def label(self, x: float, y: float, text: str, color: str) -> None:
        """Queue a flow label at ``(x, y)``; :func:`_draw_labels` draws them."""
        self.labels.append((x, y, text, color))


def _midpoint(a: tuple[float, float], b: tuple[float, float],
              rad: float) -> tuple[float, float]:
    """The middle of an ``arc3`` arrow from ``a`` to ``b`` bent by ``rad``."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    dx, dy = b[0] - a[0], b[1] - a[1]
    return mx + rad * dy / 2, my - rad * dx / 2


def _draw_lanes(c: _Canvas, p: Process, lay: Layout) -> None:
    """The lanes (alternating shades) and their headers: department and level."""
    from matplotlib.patches import Rectangle

    ax, fam, x_right = c.ax, c.fam, c.x_right
    for k, (did, top, h) in enumerate(lay.lanes):
        d = p.department(did)
        ax.add_patch(Rectangle((HEADER[0], top - h), x_right - HEADER[0], h,
                               fc="#f7f9fb" if k % 2 == 0 else "#edf1f5", ec="#c5ced8",
                               lw=0.8, zorder=0))
        ax.add_patch(Rectangle((HEADER[0], top - h), HEADER[1] - HEADER[0], h,
                               fc="#d9e1ea", ec="#c5ced8", lw=0.8, zorder=0.5))
        cx = (HEADER[0] + HEADER[1]) / 2
        label, size = c.fit.text(d.label, HEADER[1] - HEADER[0], 0.75 * h, 7.5)
        ax.text(cx, top - h / 2 + 0.06, label, ha="center", va="center",
                fontsize=size, fontfamily=fam, gid=f"lane-{did}",
                zorder=3, linespacing=1.15)
        if d.level_zh:
            ax.text(cx, top - h + 0.1, d.level_zh, ha="center", va="bottom", fontsize=6,
                    color="#566573", fontfamily=fam, zorder=3)


def _draw_flows(c: _Canvas, p: Process, lay: Layout,
                graph: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Every flow of every step: loops as arcs, the others from gateway to gateway."""
    steps = {s.id: s for s in p.steps}
    occupied = {(round(x, 3), round(y, 3)) for x, y in lay.pos.values()}
    for s in p.steps:
        for t, prob in s.branches:
            e = graph[(s.id, t)]
            if e["back"]:
                _draw_loop(c, s, t, prob, lay)
            else:
                _draw_forward(c, s, steps[t], prob, e, lay, occupied)


def _draw_loop(c: _Canvas, s: Step, t: str, prob: float, lay: Layout) -> None:
    """A loop back (补正) from ``s`` to ``t``: a purple dotted arc above the boxes."""
    x, y = lay.pos[s.id]
    tx, ty = lay.pos[t]
    if t == s.id:
        a, b, rad = (x + 0.18, y + BOX_H / 2), (x - 0.18, y + BOX_H / 2), 1.6
    else:
        a, b = (x, y + BOX_H / 2), (tx, ty + BOX_H / 2)
        rad = 0.35 if tx < x else -0.35
    c.arrow(a, b, LOOP, ":", 1.4, rad, f"flow-{s.id}-{t}")
    mx, my = _midpoint(a, b, rad)
    text = f"返回 {prob:.0%}" if s.flow == "xor" else "返回"
    c.label(mx, my + (0.12 if t == s.id else 0.02), text, LOOP)


def _draw_forward(c: _Canvas, s: Step, target: Step, prob: float, e: dict[str, Any],
                  lay: Layout, occupied: set[tuple[float, float]]) -> None:
    """A forward flow: carried by the applicant, a handoff (移交) or within a lane;
    bent when it would cross a box of its row; labelled with its probability after
    a choice and with the transfer delay of a handoff."""
    x, y = lay.pos[s.id]
    tx, ty = lay.pos[target.id]
    out_x = x + BOX_W / 2 + (GATE if s.flow in ("xor", "and") else 0.0)
    in_x = tx - BOX_W / 2 - (GATE if target.join == "all" else 0.0)
    gid = f"flow-{s.id}-{target.id}"
    a, b = (out_x, y), (in_x, ty)
    between = any((round(col, 3), round(y, 3)) in occupied
                  for col in range(int(x) + 1, int(tx)))
    rad = -0.25 if abs(ty - y) < 1e-9 and between else 0.0
    if e["by_applicant"]:
        c.arrow(a, b, CARRIED, "--", 1.6, rad, gid)
        note, color = "", CARRIED
    elif e["handoff"]:
        c.arrow(a, b, HANDOFF, "-", 2.0, rad, gid)
        delay = e["delay"]
        note = f"移交 {delay}" if delay not in (None, "0h", "0min") else "移交"
        color = HANDOFF
    else:
        c.arrow(a, b, SAME, "-", 0.9, rad, gid)
        note, color = "", SAME
    if s.flow == "xor":
        note = f"{prob:.0%}" + (f" {note}" if note else "")
    if note:
        mx, my = _midpoint(a, b, rad)
        c.label(mx, my, note, color)


def _draw_fetches(c: _Canvas, p: Process, lay: Layout) -> None:
    """Fetch trips: dashed boxes in the issuer's lane, with a dotted arrow to the start."""
    from matplotlib.patches import FancyBboxPatch

    ax, fam = c.ax, c.fam
    start = lay.pos[p.start_step]
    for m, (x, y) in lay.fetch.items():
        mat = p.material(m)
        ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                    boxstyle="round,pad=0,rounding_size=0.05", fc="white",
                                    ec=CARRIED, ls="--", lw=1.2, zorder=2))
        label, size = c.fit.text(f"取证：{mat.label}", BOX_W, BOX_H * 0.8, 6.5)
        ax.text(x, y, label, ha="center", va="center",
                fontsize=size, fontfamily=fam, zorder=3, gid=f"fetch-{m}")
        _badge(ax, x - BOX_W / 2, y + BOX_H / 2, fam)
        c.arrow((x + BOX_W / 2, y), (start[0] - BOX_W / 2, start[1]), "#95a5a6", ":", 1.0)


def _draw_steps(c: _Canvas, p: Process, lay: Layout) -> None:
    """A box per step (fill: kind, border: channel) with its name, kind, channel and
    fee, the 跑 badge of a visit and the gateway diamonds of splits and joins."""
    from matplotlib.patches import FancyBboxPatch

    ax, fam = c.ax, c.fam
    for s in p.steps:
        x, y = lay.pos[s.id]
        color, ls, lw = CHANNEL_STYLE[s.channel]
        ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                    boxstyle="round,pad=0,rounding_size=0.05",
                                    fc=KIND_COLOR[s.kind], ec=color, ls=ls, lw=lw, zorder=2,
                                    gid=f"box-{s.id}"))
        name, size = c.fit.text(s.label, BOX_W, BOX_H * 0.66, 7.0)
        ax.text(x, y + 0.07, name, ha="center", va="center",
                fontsize=size, fontfamily=fam, zorder=3,
                gid=f"step-{s.id}", linespacing=1.1)
        tag = f"{s.kind_zh}·{s.channel_zh}" + (f" ¥{s.fee:g}" if s.fee else "")
        ax.text(x, y - BOX_H / 2 + 0.035, tag, ha="center", va="bottom", fontsize=5.5,
                color="#566573", fontfamily=fam, zorder=3)
        if s.is_visit:
            _badge(ax, x - BOX_W / 2, y + BOX_H / 2, fam)
        if s.flow in ("xor", "and"):
            _gate(ax, x + BOX_W / 2 + GATE, y, "×" if s.flow == "xor" else "+", fam)
        if s.join == "all":
            _gate(ax, x - BOX_W / 2 - GATE, y, "+", fam)


def _draw_labels(c: _Canvas) -> None:
    """The queued flow labels, on a white ground above everything else."""
    for mx, my, text, color in c.labels:
        c.ax.text(mx, my, text, ha="center", va="center", fontsize=6, color=color,
                  fontfamily=c.fam, zorder=4,
                  bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                        "alpha": 0.85})


def _legend_handles(p: Process, graph: dict[tuple[str, str], dict[str, Any]]) -> list[Any]:
    """Legend entries for only what this process uses: kinds, channels, flow styles,
    gateways and visits."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    kinds = list(dict.fromkeys(s.kind for s in p.steps))
    handles += [Patch(fc=KIND_COLOR[k], ec="#999999", label=f"{KIND_ZH[k]} {k}")
                for k in kinds]
    for ch in dict.fromkeys(s.channel for s in p.steps):
        color, ls, lw = CHANNEL_STYLE[ch]
        handles.append(Patch(fc="white", ec=color, ls=ls, lw=lw,
                             label=f"{CHANNEL_ZH[ch]} {CHANNEL_EN[ch]}"))
    flows = {k: v for k, v in graph.items() if v["probability"] > 0}
    if any(v["handoff"] and not v["by_applicant"] for v in flows.values()):
        handles.append(Line2D([], [], color=HANDOFF, lw=2.0, label="部门间移交 handoff"))
    if any(v["by_applicant"] for v in flows.values()):
        handles.append(Line2D([], [], color=CARRIED, lw=1.6, ls="--",
                              label="申请人携带 carried by the applicant"))
    if any(v["back"] for v in flows.values()):
        handles.append(Line2D([], [], color=LOOP, lw=1.4, ls=":", label="返回/补正 loop"))
    if any(s.flow == "xor" for s in p.steps):
        handles.append(Line2D([], [], ls="none", marker="D", mfc="white", mec="#34495e",
                              ms=7, label="× 选择 choice"))
    if any(s.flow == "and" for s in p.steps):
        handles.append(Line2D([], [], ls="none", marker="D", mfc="#fdf2e9", mec="#34495e",
                              ms=7, label="+ 并行 parallel"))
    if any(s.is_visit for s in p.steps) or p.fetched:
        handles.append(Line2D([], [], ls="none", marker="o", mfc=CARRIED, mec=CARRIED,
                              ms=8, label="跑 申请人到场 visit"))
    return handles


def _draw_legend(c: _Canvas, p: Process, graph: dict[tuple[str, str], dict[str, Any]]) -> None:
    """The legend, in rows below the lanes."""
    handles = _legend_handles(p, graph)
    c.ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                ncol=min(6, len(handles)), frameon=False,
                prop={"family": c.fam, "size": 7})


def _finish(c: _Canvas, p: Process, lay: Layout) -> None:
    """Limits to the lanes, no axis, the process name as the title."""
    ax = c.ax
    ax.set_xlim(HEADER[0] - 0.05, c.x_right + 0.05)
    ax.set_ylim(lay.bottom - 0.05, 0.3)
    ax.set_axis_off()
    ax.set_title(p.name, fontsize=11, fontfamily=c.fam, loc="left")


class _Fit:
    """Wrap and size text to fit a box given in data units of the Axes."""

    def __init__(self, ax: Axes, x_span: float, y_span: float) -> None:
        pos = ax.get_position()
        w, h = ax.figure.get_size_inches()  # type: ignore[union-attr]
        self.pt_x = pos.width * w * 72 / x_span  # points per data unit
        self.pt_y = pos.height * h * 72 / y_span

    def text(self, text: str, width: float, height: float, size: float) -> tuple[str, float]:
        """The wrapped text and a font size (at most ``size``) at which it fits."""
        w_pt, h_pt = width * self.pt_x * 0.94, height * self.pt_y
        while True:
            limit = max(4, int(2 * w_pt / size))  # display columns: a CJK glyph is 2
            out = wrap(text, limit)
            lines = out.count("\n") + 1
            if (lines * size * 1.2 <= h_pt or size <= 4.5) and (lines <= 4 or size <= 4.5):
                return out, size
            size = max(4.5, size - 0.5)


def _graph(p: Process) -> dict[tuple[str, str], dict[str, Any]]:
    from ...analysis.graph import to_networkx

    g = to_networkx(p)
    return {(u, v): dict(d) for u, v, d in g.edges(data=True)}


def _badge(ax: Axes, x: float, y: float, fam: list[str]) -> None:
    """The red 跑 badge of a visit."""
    ax.plot([x], [y], marker="o", ms=11, mfc=CARRIED, mec="white", mew=0.8, zorder=4)
    ax.text(x, y, "跑", ha="center", va="center", fontsize=6, color="white",
            fontfamily=fam, zorder=5)


def _gate(ax: Axes, x: float, y: float, sign: str, fam: list[str]) -> None:
    """A gateway diamond: × exclusive choice, + parallel split or join."""
    face = "white" if sign == "×" else "#fdf2e9"
    ax.plot([x], [y], marker="D", ms=8, mfc=face, mec="#34495e", mew=1.0, zorder=4)
    ax.text(x, y, sign, ha="center", va="center", fontsize=7.5,
            color="#34495e", fontfamily=fam, zorder=5)

"""Plots (``fk.plot``): Chinese renders everywhere, global settings stay untouched,
and each plot draws exactly the figures of the objects it is given."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer

import flowkit as fk
from flowkit import plot as fkplot
from flowkit.model.render import repr_html
from flowkit.report.display import analysis_html, comparison_html, process_html, result_html
from flowkit.report.plot.journey import likely_trips, result_trips

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SHANGHAI = EXAMPLES / "shanghai_business_startup" / "current.yaml"
ALL_EXAMPLES = sorted(EXAMPLES.glob("*/current.yaml"))


@pytest.fixture(scope="module")
def p() -> fk.Process:
    return fk.load(SHANGHAI)


@pytest.fixture(scope="module")
def q(p: fk.Process) -> fk.Process:
    return fk.redesign(p, fk.levers.co_locate(), fk.levers.single_window(),
                       fk.levers.go_online(), fk.levers.set_wait("register_review", "1wd"),
                       name="上海开办企业（一窗通）")


@pytest.fixture(scope="module")
def r(p: fk.Process) -> fk.Result:
    return fk.simulate(p, n_cases=20, seed=5, replications=2, keep_events=True)


@pytest.fixture(scope="module")
def c(p: fk.Process, q: fk.Process) -> fk.Comparison:
    return fk.compare({"改革前": p, "一窗通": q}, n_cases=20, seed=5, replications=3)


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    plt.close("all")


def _texts(ax: Axes) -> list[str]:
    return [t.get_text().replace("\n", "") for t in ax.texts]


def _bars(ax: Axes) -> list[BarContainer]:
    return [b for b in ax.containers if isinstance(b, BarContainer)]


# -- import, API ----------------------------------------------------------------------
def test_import_does_not_load_matplotlib() -> None:
    """Importing flowkit and flowkit.plot loads no matplotlib: it is imported on use."""
    out = subprocess.run(
        [sys.executable, "-c",
         "import flowkit, sys; flowkit.plot; print('matplotlib' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "False"


def test_public_names() -> None:
    """``__all__`` lists exactly the public functions of fk.plot."""
    public = {n for n in dir(fkplot) if not n.startswith("_") and callable(getattr(fkplot, n))}
    assert set(fkplot.__all__) == public
    assert {"swimlane", "journey", "compare", "distribution", "utilization", "gantt",
            "report_figures"} <= set(fkplot.__all__)


# -- fonts ------------------------------------------------------------------------------
def test_font_is_truetype_and_covers_the_examples() -> None:
    """The CJK font has glyf outlines (PDF-safe) and every character of the examples."""
    from fontTools.ttLib import TTFont

    name, path = fkplot.cjk_font()
    assert name
    assert Path(path).exists()
    with TTFont(path, fontNumber=0, lazy=True) as font:
        assert "glyf" in font
        cmap = font.getBestCmap()
    text = ""
    for f in ALL_EXAMPLES:
        p = fk.load(f)
        text += p.name + "".join(s.label for s in p.steps)
        text += "".join(d.label + d.where for d in p.departments)
        text += "".join(m.label for m in p.materials)
    wide = {ch for ch in text if ord(ch) > 0x2E80}
    assert wide
    assert not [ch for ch in wide if ord(ch) not in cmap]


def test_bundled_font_ships_with_its_licence() -> None:
    """The bundled Noto Sans SC is TrueType and its OFL licence sits beside it."""
    from flowkit.report.plot.fonts import FONT_FILE

    assert FONT_FILE.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType, not CFF ('OTTO')
    ofl = (FONT_FILE.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in ofl


def test_rc_params_render_chinese_without_changing_settings() -> None:
    """fk.plot.rc_params() in an rc_context renders Chinese; global rcParams stay as they were."""
    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with plt.rc_context(fkplot.rc_params()):
            fig, ax = plt.subplots()
            ax.set_title("跑动次数 visits −1")
            fig.savefig(io.BytesIO(), format="png")
    assert dict(matplotlib.rcParams) == before


# -- every plot: Chinese in PNG, SVG and PDF, rcParams untouched ------------------------
PLOTS: dict[str, Callable[[dict[str, Any], Axes | None], Axes]] = {
    "swimlane": lambda o, ax: fkplot.swimlane(o["p"], ax=ax),
    "swimlane_after": lambda o, ax: fkplot.swimlane(o["q"], ax=ax),
    "journey": lambda o, ax: fkplot.journey(o["p"], ax=ax),
    "journey_case": lambda o, ax: fkplot.journey(o["r"], ax=ax, process=o["p"], case=2),
    "compare": lambda o, ax: fkplot.compare(o["c"], ax=ax),
    "distribution": lambda o, ax: fkplot.distribution(o["c"], ax=ax),
    "distribution_ecdf": lambda o, ax: fkplot.distribution(o["r"], ax=ax, kind="ecdf"),
    "utilization": lambda o, ax: fkplot.utilization(o["r"], ax=ax),
    "gantt": lambda o, ax: fkplot.gantt(o["r"], case=1, replication=1, ax=ax),
    "breakdown": lambda o, ax: fkplot.breakdown(o["c"], ax=ax),
    "breakdown_result": lambda o, ax: fkplot.breakdown(o["r"], ax=ax),
}


@pytest.fixture(scope="module")
def objects(p: fk.Process, q: fk.Process, r: fk.Result, c: fk.Comparison) -> dict[str, Any]:
    return {"p": p, "q": q, "r": r, "c": c}


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
@pytest.mark.parametrize("name", list(PLOTS))
def test_renders_chinese_and_keeps_rcparams(name: str, fmt: str,
                                            objects: dict[str, Any]) -> None:
    """Each plot saves to PNG, SVG and PDF with no warning (no missing glyph), even when
    saved outside flowkit's font context, and leaves every global rcParam unchanged."""
    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = plt.subplots(figsize=(8, 5))
        out = PLOTS[name](objects, ax)
        assert out is ax
        assert dict(matplotlib.rcParams) == before
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
    assert buf.tell() > 1000
    assert dict(matplotlib.rcParams) == before
    if fmt == "svg":  # text is drawn as glyph paths, Chinese included
        assert "<path" in buf.getvalue().decode("utf-8")


@pytest.mark.parametrize("name", ["swimlane", "journey", "compare", "utilization", "gantt",
                                  "breakdown"])
def test_ax_none_makes_a_figure_per_call(name: str, objects: dict[str, Any]) -> None:
    """With ax=None each call makes its own figure (pandas' convention): two calls, two
    figures, and an open figure of the user's is never drawn on."""
    plt.close("all")
    _mine, mine_ax = plt.subplots()
    a = PLOTS[name](objects, None)
    b = PLOTS[name](objects, None)
    assert a.figure is not b.figure
    assert len(plt.get_fignums()) == 3
    assert a is not mine_ax
    assert b is not mine_ax
    assert not mine_ax.has_data()


def test_signatures_put_ax_second_and_options_by_name() -> None:
    """Every plot is ``plot(obj, ax=None, *, …, **kwargs)``."""
    import inspect

    for name in ("swimlane", "journey", "compare", "distribution", "utilization", "gantt",
                 "breakdown"):
        params = list(inspect.signature(getattr(fkplot, name)).parameters.values())
        assert params[1].name == "ax"
        assert params[1].default is None
        assert all(q.kind is q.KEYWORD_ONLY for q in params[2:-1]), name
        assert params[-1].kind is inspect.Parameter.VAR_KEYWORD, name


def test_kwargs_set_axes_properties_and_figsize(objects: dict[str, Any]) -> None:
    """figsize= sizes the new figure; other keywords are Axes properties."""
    ax = fkplot.utilization(objects["r"], figsize=(5.0, 2.5), xlim=(0, 2), xlabel="负荷")
    assert tuple(ax.figure.get_size_inches()) == (5.0, 2.5)
    assert ax.get_xlim() == (0.0, 2.0)
    assert ax.get_xlabel() == "负荷"
    with pytest.raises(fk.FlowkitError, match="case=3"):
        fkplot.gantt(objects["r"], 3)  # type: ignore[arg-type]


# -- swimlane --------------------------------------------------------------------------
def test_swimlane_lanes_boxes_and_flows(p: fk.Process) -> None:
    """A lane label per department (levels first, then listed order), a box and a name
    per step, an arrow per flow; carried handoffs dashed red, internal ones orange."""
    ax = fkplot.swimlane(p)
    by_gid = {t.get_gid(): t for t in ax.texts if t.get_gid()}
    for d in p.departments:
        assert by_gid[f"lane-{d.id}"].get_text().replace("\n", "") == d.label
    for s in p.steps:
        assert by_gid[f"step-{s.id}"].get_text().replace("\n", "") == s.label
    patches = {pt.get_gid(): pt for pt in ax.patches if pt.get_gid()}
    assert all(f"box-{s.id}" in patches for s in p.steps)
    g = fk.to_networkx(p)
    for u, v, data in g.edges(data=True):
        arrow = patches[f"flow-{u}-{v}"]
        if data["by_applicant"]:
            assert arrow.get_linestyle() == "--"
            assert matplotlib.colors.to_hex(arrow.get_edgecolor()) == "#c0392b"
        elif data["handoff"]:
            assert matplotlib.colors.to_hex(arrow.get_edgecolor()) == "#e67e22"
    # counter steps carry the 跑 badge; the AND split and its join carry + diamonds
    assert _texts(ax).count("跑") == sum(s.is_visit for s in p.steps) + len(p.fetched)
    assert _texts(ax).count("+") == 2


def test_swimlane_lane_order_by_level() -> None:
    """Lanes go from the national level down to the village, then in listed order."""
    p = fk.loads("""
name: 层级
departments:
  - {id: v, name: 村委会, level: 村}
  - {id: c, name: 区政务服务中心, level: 区县}
  - {id: x, name: 无层级}
  - {id: s, name: 省厅, level: 省}
steps:
  - {id: a, department: v, channel: counter, next: b}
  - {id: b, department: c, next: {d: 0.7, a: 0.3}}
  - {id: d, department: s}
""")
    ax = fkplot.swimlane(p)
    lanes = sorted((t for t in ax.texts if (t.get_gid() or "").startswith("lane-")),
                   key=lambda t: -t.get_position()[1])
    assert [t.get_gid() for t in lanes] == ["lane-s", "lane-c", "lane-v", "lane-x"]
    texts = _texts(ax)
    assert "返回 30%" in texts  # the loop, with its probability
    assert any(t.startswith("70%") for t in texts)  # the forward branch of the choice
    assert "×" in texts


def test_swimlane_shows_fetch_trips() -> None:
    """A certificate fetched before starting is a dashed box in the issuer's lane."""
    p = fk.load(EXAMPLES / "jiaxing_swimming_pool" / "current.yaml")
    ax = fkplot.swimlane(p)
    assert p.fetched
    assert {f"fetch-{m}" for m in p.fetched} <= {t.get_gid() for t in ax.texts}


# -- journey -----------------------------------------------------------------------------
def _journey_cases() -> list[Any]:
    """The examples; one with an applicant_delay is a known gap of the trip rebuild."""
    out: list[Any] = []
    for f in ALL_EXAMPLES:
        if fk.load(f).applicant_delay.is_zero:
            out.append(pytest.param(f, id=f.parent.name))
        else:
            out.append(pytest.param(f, id=f.parent.name, marks=pytest.mark.xfail(
                strict=True, reason="result_trips splits a visit at the applicant's own "
                "delay: the journey rebuild does not know applicant_delay yet")))
    return out


@pytest.mark.parametrize("path", _journey_cases())
def test_journey_of_a_case_counts_its_visits(path: Path) -> None:
    """Trips rebuilt from a simulated case's events are exactly that case's visits."""
    p = fk.load(path)
    res = fk.simulate(p, n_cases=12, seed=2, replications=1, keep_events=True)
    for _, row in res.cases.iterrows():
        trips, done = result_trips(res, p, int(row["case"]), int(row["replication"]))
        assert len(trips) == row["visits"]
        assert done == pytest.approx(row["days"])


def test_journey_static_follows_the_most_likely_path(p: fk.Process) -> None:
    """Without choices the most likely path is the only one: its trips are the visits
    and its end is the critical path of analyze."""
    trips, end = likely_trips(p)
    a = fk.analyze(p)
    assert len(trips) == a.visits
    assert end == pytest.approx(a.workdays)
    ax = fkplot.journey(p)
    assert ax.get_title(loc="left").endswith(f"跑动 {len(trips)} 次（最可能路径）")
    assert [tl.get_text().replace("\n", "") for tl in ax.get_yticklabels()] == list(
        dict.fromkeys(t.location for t in trips))


def test_journey_skips_loops_and_needs_the_process_for_a_result(r: fk.Result) -> None:
    """The most likely path leaves a 15 % rework loop out; a Result needs its Process."""
    p = fk.load(EXAMPLES / "jiaxing_swimming_pool" / "current.yaml")
    trips, _ = likely_trips(p)
    assert not any("补正" in s for t in trips for s in t.steps)
    assert trips[0].fetch
    with pytest.raises(fk.FlowkitError, match="process=p"):
        fkplot.journey(r)


# -- compare, distribution, utilization, gantt ----------------------------------------------
def test_compare_bars_are_the_table_values(c: fk.Comparison) -> None:
    """Bar heights equal c.table; simulated KPIs get confidence-interval error bars."""
    kpis = ["visits", "materials", "workdays_static", "days", "workdays"]
    ax = fkplot.compare(c, kpis=kpis)
    bars = _bars(ax)
    assert [b.get_label() for b in bars] == c.names
    for name, b in zip(c.names, bars, strict=True):
        heights = [pt.get_height() for pt in b]
        np.testing.assert_allclose(heights, c.table.loc[kpis, name].to_numpy(dtype=float))
    errs = [e for e in ax.containers if type(e).__name__ == "ErrorbarContainer"]
    assert len(errs) == len(c.names)  # one set per scenario: days and workdays
    with pytest.raises(fk.FlowkitError, match="not in the comparison"):
        fkplot.compare(c, kpis=["nonsense"])


def test_distribution_one_curve_per_scenario(c: fk.Comparison) -> None:
    """ECDFs end at 1, one per scenario; an unknown kind is an error."""
    ax = fkplot.distribution(c, kind="ecdf")
    steps = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
    assert len(steps) == len(c.names)
    assert all(ln.get_ydata()[-1] == 1.0 for ln in steps)  # type: ignore[index]
    ax2 = fkplot.distribution(c, ax=plt.subplots()[1])
    assert len([pt for pt in ax2.patches if pt.get_alpha() == 0.35]) == len(c.names)
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == [
        f"{n}（均值 {c.results[n].cases['days'].mean():.1f}）" for n in c.names]
    with pytest.raises(fk.FlowkitError, match="hist"):
        fkplot.distribution(c, kind="violin")


def test_utilization_bars_are_the_result(r: fk.Result) -> None:
    """Bar lengths equal r.utilization()['utilization'], one bar per department."""
    ax = fkplot.utilization(r)
    (bars,) = _bars(ax)
    expected = np.nan_to_num(r.utilization()["utilization"].to_numpy(dtype=float))
    np.testing.assert_allclose([pt.get_width() for pt in bars], expected)


def test_gantt_one_bar_per_event(r: fk.Result, p: fk.Process) -> None:
    """One bar per event of the case; a case without events or a bad case is an error."""
    ev = r.events
    n = int(((ev["case"] == 3) & (ev["replication"] == 1)).sum())
    ax = fkplot.gantt(r, case=3, replication=1, process=p)
    (bars,) = _bars(ax)
    assert len(bars) == n
    assert [tl.get_text().replace("\n", "") for tl in ax.get_yticklabels()] == list(
        ev[(ev["case"] == 3) & (ev["replication"] == 1)].sort_values(["start", "end"])[
            "step_name"].astype(str))
    with pytest.raises(fk.FlowkitError, match="no events of case 999"):
        fkplot.gantt(r, case=999)
    quiet = fk.simulate(p, n_cases=3, seed=1, replications=1, keep_events=False)
    with pytest.raises(fk.FlowkitError, match="keep_events=True"):
        fkplot.gantt(quiet)


# -- notebook display and report figures ----------------------------------------------------
def test_display_html(p: fk.Process, r: fk.Result, c: fk.Comparison) -> None:
    """Display HTML: a process shows its counts and a swimlane; a comparison its table
    and bars; analysis and result their tables."""
    h = process_html(p)
    assert p.name in h
    assert "<svg" in h
    assert "环节" in h
    h = comparison_html(c)
    assert "<svg" in h
    assert "跑动次数" in h
    assert all(n in h for n in c.names)
    assert "跑动次数" in analysis_html(fk.analyze(p))
    assert "<table" in result_html(r)


def test_display_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    """A display error gives a short <pre>, never an exception, and logs what it swallowed."""
    for name in ("process_html", "analysis_html", "result_html", "comparison_html"):
        caplog.clear()
        out = repr_html(name, object())
        assert out.startswith("<pre>object (")
        assert "while displaying" in out
        assert [r.name for r in caplog.records] == ["flowkit"]
        assert caplog.records[0].exc_info is not None


def test_report_figures_are_inline_svg(c: fk.Comparison, tmp_path: Path) -> None:
    """Comparison.to_html embeds its seven figures as inline SVG (KPI small multiples,
    where the days go, days per case, a swimlane and a journey per scenario), with no
    script and no network reference."""
    page = c.to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 7
    assert "figure unavailable" not in page
    assert "<script" not in page
    assert "<image" not in page
    assert "http" not in page.replace("http://www.w3.org/", "")


# -- use_chinese_font, gantt shading, journey dodge, breakdown ---------------------------
def test_use_chinese_font_renders_pandas_charts_and_restores() -> None:
    """A pandas chart of Chinese labels warns of missing glyphs by default; inside
    use_chinese_font() it renders clean, and the settings come back after the block;
    called as a function the settings stay until restored."""
    import pandas as pd

    before = dict(matplotlib.rcParams)
    data = pd.Series({"跑动次数": 4, "申请材料": 22})

    def draw() -> None:
        ax = data.plot.bar()
        ax.figure.savefig(io.BytesIO(), format="png")
        plt.close(ax.figure)

    with pytest.warns(UserWarning, match="missing from font"):
        draw()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fkplot.use_chinese_font():
            draw()
    assert dict(matplotlib.rcParams) == before
    handle = fkplot.use_chinese_font()
    try:
        assert list(matplotlib.rcParams["font.family"]) == fkplot.rc_params()["font.family"]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            draw()
    finally:
        handle.__exit__(None, None, None)
    assert dict(matplotlib.rcParams) == before


def test_closed_spans_by_hand() -> None:
    """Closed time of two calendars: a day either opens is open; hours outside both
    calendars' intervals are closed; a day neither works is closed whole."""
    import datetime as dt

    from flowkit.model.calendar import Calendar
    from flowkit.report.plot.timeline import closed_spans

    a = Calendar(hours=("09:00-12:00",))
    b = Calendar(hours=("13:00-17:00",), weekdays=(1, 2, 3, 4, 5, 6))
    spans = closed_spans([a, b], dt.date(2026, 1, 9), dt.date(2026, 1, 11))  # Fri–Sun
    got = [(x.strftime("%a %H:%M"), y.strftime("%a %H:%M"), w) for x, y, w in spans]
    assert got == [
        ("Fri 00:00", "Fri 09:00", False), ("Fri 12:00", "Fri 13:00", False),
        ("Fri 17:00", "Sat 00:00", False),
        ("Sat 00:00", "Sat 13:00", False), ("Sat 17:00", "Sun 00:00", False),
        ("Sun 00:00", "Mon 00:00", True),
    ]
    assert closed_spans([Calendar(hours=("00:00-24:00",), weekdays=tuple(range(1, 8)))],
                        dt.date(2026, 1, 9), dt.date(2026, 1, 9)) == []


def test_gantt_shades_weekends_and_keeps_short_work(r: fk.Result, p: fk.Process) -> None:
    """A case of days shades each weekend day whole (the 2026-01-10/11 weekend after a
    Monday start) and marks every event shorter than 0.6 % of the axis."""
    import matplotlib.dates as mdates

    from flowkit.report.plot.timeline import SHORT

    ax = fkplot.gantt(r, case=3, replication=1, process=p)
    whole = sorted(mdates.num2date(pt.get_x()).strftime("%Y-%m-%d")
                   for pt in ax.patches if pt.get_gid() == "closed-day")
    assert {"2026-01-10", "2026-01-11"} <= set(whole)
    assert all(dt_.weekday() >= 5 for dt_ in
               (mdates.num2date(pt.get_x()) for pt in ax.patches
                if pt.get_gid() == "closed-day"))  # no holiday in January 2026 but 1 Jan
    (bars,) = _bars(ax)
    x0, x1 = ax.get_xlim()
    widths = np.array([b.get_width() for b in bars])
    short = {int(ln.get_gid()[6:]) for ln in ax.get_lines()
             if (ln.get_gid() or "").startswith("short-")}
    expected = {k for k, w in enumerate(widths) if 0 < w < SHORT * (x1 - x0) / 1.04}
    assert short
    assert short == expected


def test_journey_dodges_same_day_trips() -> None:
    """Two fetch trips to one office (both at 0) get two markers an inch apart."""
    p = fk.loads("""
name: 取证
departments:
  - {id: win, location: 政务中心}
  - {id: pol, name: 派出所, location: 派出所, issue_time: 1wd}
materials:
  - {id: a, name: 户籍证明, issued_by: pol}
  - {id: b, name: 无犯罪证明, issued_by: pol}
steps:
  - {id: s, department: win, channel: counter, work: 1h, materials: [a, b]}
""")
    trips, _ = likely_trips(p)
    assert [t.start for t in trips[:2]] == [0.0, 0.0]
    _fig, ax = plt.subplots(figsize=(8, 3))
    fkplot.journey(p, ax=ax)
    xs = [ln.get_xdata()[0] for ln in ax.get_lines()
          if (ln.get_gid() or "").startswith("trip-")]
    span = ax.get_xlim()[1] - ax.get_xlim()[0]
    inches = ax.figure.get_figwidth() * ax.get_position().width
    assert xs[1] - xs[0] > 0.8 * span / inches


def test_breakdown_bars_are_the_tables(c: fk.Comparison, r: fk.Result) -> None:
    """Segment widths are c.breakdown() per scenario (stacked), labels from fk.kpis()."""
    ax = fkplot.breakdown(c)
    b = c.breakdown()
    bars = _bars(ax)
    assert len(bars) == len(fk.kpis().loc[list(b.index)])
    for container, k in zip(bars, b.index, strict=True):
        assert container.get_label().startswith(
            fk.kpis().loc[k, "label_zh"].removesuffix("（天）"))
        np.testing.assert_allclose([pt.get_width() for pt in container],
                                   b.loc[k, c.names].astype(float).to_numpy())
    totals = [float(c.results[n].cases["days"].mean()) for n in c.names]
    ends = [sum(cont[j].get_width() for cont in bars) for j in range(len(c.names))]
    np.testing.assert_allclose(ends, totals, rtol=1e-9)
    ax = fkplot.breakdown(r)
    np.testing.assert_allclose([cont[0].get_width() for cont in _bars(ax)],
                               r.breakdown()["days"].to_numpy(dtype=float))

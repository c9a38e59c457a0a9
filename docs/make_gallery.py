"""Make the plot gallery: every plot of ``fk.plot`` from the shipped examples.

Run from anywhere::

    python docs/make_gallery.py

It writes ``docs/img/*.png`` and ``docs/gallery.md``; each figure's code on the page
is exactly the code that made it (seeds are fixed, so the images are reproducible).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
PAGE = ROOT / "docs" / "gallery.md"
DPI = 100

SETUP = """\
import matplotlib.pyplot as plt
import flowkit as fk

p = fk.load("examples/shanghai_business_startup/current.yaml")
q = fk.redesign(p, fk.levers.co_locate(), fk.levers.single_window(), fk.levers.go_online(),
                fk.levers.share_data(), fk.levers.electronic_handoff(),
                fk.levers.set_wait("register_review", "1wd"),
                fk.levers.set_wait("bank_review", "1wd"), name="上海开办企业（一窗通）")
r = fk.simulate(p, n_cases=300, seed=7, replications=3, keep_events=True)
c = fk.compare({"改革前": p, "一窗通": q}, n_cases=300, seed=7, replications=5)
"""

#: (image name, heading, what it shows, code); the code draws on the current figure
FIGURES: list[tuple[str, str, str, str]] = [
    (
        "swimlane_before",
        "Swimlane 泳道图 — before",
        "A lane per department (national level at the top); a box per step, filled by "
        "kind and bordered by channel; the red 跑 badge marks a counter step (a visit). "
        "Orange arrows are internal handoffs between departments with their transfer "
        "delay, red dashed arrows handoffs the applicant carries; diamonds mark choices "
        "(×) and parallel splits and joins (+).",
        'fig, ax = plt.subplots(figsize=(14, 6.5))\nfk.plot.swimlane(p, ax=ax)\n',
    ),
    (
        "swimlane_after",
        "Swimlane 泳道图 — after 一窗通",
        "The same service after the levers: one hall, one front desk, online steps, shared "
        "licences, electronic handoffs and shorter review periods (压缩时限).",
        'fig, ax = plt.subplots(figsize=(14, 6.5))\nfk.plot.swimlane(q, ax=ax)\n',
    ),
    (
        "swimlane_loop",
        "Swimlane 泳道图 — a choice and a rework loop (补正)",
        "The Jiaxing swimming-pool permits: 15 % of reviews send the applicant back to "
        "supplement the file (purple dotted loop); one certificate is fetched before "
        "starting (dashed box).",
        'pool = fk.load("examples/jiaxing_swimming_pool/current.yaml")\n'
        'fig, ax = plt.subplots(figsize=(16, 5.5))\nfk.plot.swimlane(pool, ax=ax)\n',
    ),
    (
        "journey_static",
        "Journey 跑动 — the most likely path",
        "Each trip of the applicant, numbered, on the row of the place it goes to, with the "
        "steps done there and the mean working days between trips (static: the most "
        "likely branch at each choice).",
        'fig, ax = plt.subplots(figsize=(10, 4.5))\nfk.plot.journey(p, ax=ax)\n',
    ),
    (
        "journey_case",
        "Journey 跑动 — one simulated case",
        "The trips of simulated case 3, rebuilt from its events: calendar days since it "
        "arrived (weekends and holidays included).",
        'fig, ax = plt.subplots(figsize=(10, 4.5))\nfk.plot.journey(r, process=p, case=3, ax=ax)\n',
    ),
    (
        "compare",
        "Compare 改革前后对比",
        "KPI bars per scenario; error bars on simulated KPIs are the confidence intervals "
        "of each scenario's mean; * marks a significant difference from the first "
        "scenario.",
        'fig, ax = plt.subplots(figsize=(10, 4.5))\nfk.plot.compare(c, ax=ax)\n',
    ),
    (
        "distribution_hist",
        "Distribution 办理时间分布 — histograms",
        "Days from arrival to completion per case, per scenario; dashed lines are the means.",
        'fig, ax = plt.subplots(figsize=(8, 4))\nfk.plot.distribution(c, ax=ax)\n',
    ),
    (
        "distribution_ecdf",
        "Distribution 办理时间分布 — cumulative",
        "The same as empirical cumulative distributions: read off the share of cases done "
        "within a number of days.",
        'fig, ax = plt.subplots(figsize=(8, 4))\nfk.plot.distribution(c, ax=ax, kind="ecdf")\n',
    ),
    (
        "utilization",
        "Utilization 部门利用率",
        "Busy over available staff hours per department; red above 85 %.",
        'fig, ax = plt.subplots(figsize=(8, 3.5))\nfk.plot.utilization(r, ax=ax)\n',
    ),
    (
        "gantt",
        "Gantt 甘特图 — one simulated case",
        "The steps of case 3 on a time line, coloured by department; grey lines are time "
        "spent waiting for staff, dotted lines the waits and transfers until the next step.",
        'fig, ax = plt.subplots(figsize=(11, 4.5))\nfk.plot.gantt(r, case=3, ax=ax, process=p)\n',
    ),
]

INTRO = """\
# Plot gallery

Every plot of `fk.plot`, made from the shipped examples by `docs/make_gallery.py`
(run `python docs/make_gallery.py` to remake this page and its images). Each plot
takes `ax=None` (the current Axes, a new figure when there is none), returns the
Axes, and never changes matplotlib's global settings: Chinese text renders with a
CJK font found on the system or the Noto Sans SC shipped with flowkit. Use
`fk.plot.rc_params()` with `plt.rc_context` to get the same fonts in your own figures.

All figures below share this setup:

```python
{setup}
```
"""


def main() -> None:
    os.chdir(ROOT)  # the examples are read by relative path, as on the page
    IMG.mkdir(parents=True, exist_ok=True)
    env: dict[str, object] = {}
    exec(SETUP, env)
    sections = [INTRO.format(setup=SETUP.rstrip())]
    for name, heading, text, code in FIGURES:
        plt.close("all")
        exec(code, env)
        fig = plt.gcf()
        fig.savefig(IMG / f"{name}.png", dpi=DPI, bbox_inches="tight",
                    metadata={"Software": None})
        plt.close("all")
        sections.append(
            f"## {heading}\n\n{textwrap.fill(text, 88)}\n\n```python\n{code.rstrip()}\n```\n\n"
            f"![{heading}](img/{name}.png)\n"
        )
        print(f"docs/img/{name}.png")
    PAGE.write_text("\n".join(sections), encoding="utf-8")
    print(f"{PAGE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

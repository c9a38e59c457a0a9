"""Writing a 事项清单: processes as rows, in the template :func:`read_catalogue` reads."""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ...errors import CatalogueWarning, FlowkitError
from ...model.calendar import ALWAYS, Calendar
from ...model.durations import Constant, _Dist, format_duration
from ...model.process import Process, Step
from ...model.types import CHANNEL_ZH, KIND_ZH, LEVEL_ZH

__all__ = ["CatalogueWarning", "write_catalogue"]

COLUMNS = [
    "事项名称", "环节编号", "环节名称", "部门", "部门编号", "层级", "办理地点", "办理方式",
    "环节类型", "办理时长", "等待时长", "承诺时限", "法定时限", "材料", "产出证照", "收费",
    "下一环节", "汇合", "人员", "日历", "日均申请量", "移交方式",
]
_UNIT_ZH = {"min": "分钟", "h": "小时", "d": "天", "w": "周", "wd": "个工作日"}
_SEPARATORS = set("；;、，,\n")


def _zh(d: _Dist | None) -> str:
    """A duration as a service guide writes it (``3个工作日``), else flowkit's text."""
    if d is None or d.is_zero:
        return ""
    if isinstance(d, Constant):
        v = d.value
        return f"{int(v) if float(v).is_integer() else v}{_UNIT_ZH[d.unit]}"
    return format_duration(d)


def _name(text: str) -> str:
    """A name as a list cell holds it: in 《》 when it holds a separator or a bracket."""
    return f"《{text}》" if any(c in _SEPARATORS for c in text) or "（" in text else text


def _next(p: Process, s: Step, last: bool) -> str:
    """The 下一环节 cell: blank for the last row's end, 结束, a step, a choice or 'A+B'."""
    if s.next is None:
        return "" if last else "结束"
    if isinstance(s.next, str):
        return s.next
    if isinstance(s.next, dict):
        return ";".join(f"{t}:{q:g}" for t, q in s.next.items())
    return "+".join(s.next)


def _calendar(c: Calendar) -> str:
    """The 日历 cell: always, 节假日 (China's holidays) or 工作日."""
    if c == ALWAYS:
        return "always"
    return "节假日" if c.uses_china else "工作日"


def _lost(p: Process) -> list[str]:
    """Fields of a process a catalogue row cannot hold."""
    lost = []
    default = Calendar()
    if p.calendar not in (ALWAYS, default, Calendar(holidays="china")):
        lost.append("its custom calendar hours or holidays")
    if p.arrivals.per_day is None:
        lost.append("arrivals other than per_day")
    default_delay = "1wd" if p.handoff.mode == "paper" else "0h"
    if p.handoff.delay is not None and str(p.handoff.delay) != default_delay:
        lost.append("the handoff delay")
    if not p.travel.is_zero:
        lost.append("travel")
    if not p.applicant_delay.is_zero:
        lost.append("applicant_delay")
    if p.time_limit is not None or p.legal_limit is not None:
        lost.append("the service-level time_limit/legal_limit")
    if any(s.clock == "excluded" for s in p.steps):
        lost.append("clock: excluded on steps")
    if p.case_types:
        lost.append("case types and by_type")
    if p.history:
        lost.append("the lever history")
    if p.start is not None and p.start != p.steps[0].id:
        lost.append("a start other than the first step")
    for d in p.departments:
        if d.region or d.calendar is not None or d.cost_per_hour:
            lost.append(f"department '{d.id}': region, calendar or cost")
            break
    for s in p.steps:
        if s.schedule is not None:
            lost.append(f"step '{s.id}': schedule")
            break
    first: dict[str, Step] = {}
    for s in p.steps:
        first.setdefault(s.department, s)
    for s in p.steps:
        d = p.department(s.department)
        if s.location is not None and s.location != d.where and (
            d.location is None or first[d.id].id == s.id
        ):
            lost.append(f"step '{s.id}': its own location (a row's first location is its "
                        "department's)")
            break
    return lost


def _materials_cell(p: Process, s: Step) -> str:
    """The 材料 cell of a step: issued certificates as ``名称（部门出具，时长，共享）``."""
    mats = []
    for mid in s.materials:
        m = p.material(mid)
        if m.issued_by is not None and mid not in p.produced:
            issuer = p.department(m.issued_by)
            extra = "".join(
                [f"，{_zh(issuer.issue_time)}" if not issuer.issue_time.is_zero else "",
                 "，共享" if m.shared else ""])
            mats.append(f"{_name(m.label)}（{issuer.label}出具{extra}）")
        elif m.issued_by is not None and m.shared:
            mats.append(f"{_name(m.label)}（{p.department(m.issued_by).label}出具，共享）")
        else:
            mats.append(_name(m.label))
    return "；".join(mats)


def _rows(p: Process) -> list[dict[str, Any]]:
    """One row per step, in the columns of :data:`COLUMNS`."""
    rows: list[dict[str, Any]] = []
    first_row_of: set[str] = set()
    for i, s in enumerate(p.steps):
        d = p.department(s.department)
        # the first location given for a department is its counter; later rows may differ
        own = s.location if s.location is not None and s.location != d.where else None
        if d.id not in first_row_of:
            first_row_of.add(d.id)
            location = d.location or own or ""
        else:
            location = own or ""
        rows.append({
            "事项名称": p.name,
            "环节编号": s.id,
            "环节名称": s.label,
            "部门": d.label,
            "部门编号": d.id,
            "层级": LEVEL_ZH[d.level] if d.level else "",
            "办理地点": location,
            "办理方式": CHANNEL_ZH[s.channel],
            "环节类型": KIND_ZH[s.kind],
            "办理时长": _zh(s.work),
            "等待时长": _zh(s.wait),
            "承诺时限": _zh(s.time_limit),
            "法定时限": _zh(s.legal_limit),
            "材料": _materials_cell(p, s),
            "产出证照": "；".join(_name(p.material(m).label) for m in s.produces),
            "收费": f"{s.fee:g}" if s.fee else "",
            "下一环节": _next(p, s, i == len(p.steps) - 1),
            "汇合": "是" if s.join == "all" else "",
            "人员": d.staff,
            "日历": _calendar(p.calendar) if i == 0 else "",
            "日均申请量": f"{p.arrivals.per_day:g}" if i == 0 and p.arrivals.per_day else "",
            "移交方式": ("电子" if p.handoff.mode == "electronic" else "纸质") if i == 0 else "",
        })
    return rows


def write_catalogue(
    processes: Process | Iterable[Process] | Mapping[str, Process], path: str | Path
) -> Path:
    """Write processes as a 事项清单: one row per step, the template of ``read_catalogue``.

    ``.xlsx`` (sheet 事项清单; needs ``flowkit[excel]``) or ``.csv`` (UTF-8 with BOM, as
    Excel writes it). Reading the file back gives processes with the same steps, flows,
    departments, materials and figures. What a row cannot hold (a custom calendar,
    case types, schedules, history …) is named in a :class:`CatalogueWarning`.

    Examples
    --------
    >>> import flowkit as fk, pathlib, tempfile
    >>> p = fk.load("tests/data/design_example.yaml")
    >>> path = fk.write_catalogue(p, pathlib.Path(tempfile.mkdtemp()) / "事项清单.csv")
    >>> q = fk.read_catalogue(path)[p.name]
    >>> fk.analyze(q).visits == fk.analyze(p).visits
    True
    """
    items = _items(processes)
    _warn_lost(items)
    rows = [r for p in items for r in _rows(p)]
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        _write_csv(rows, out)
        return out
    if suffix == ".xlsx":
        _write_xlsx(rows, out)
        return out
    raise FlowkitError(f"'{out.name}': write_catalogue writes .xlsx or .csv")


def _items(processes: Process | Iterable[Process] | Mapping[str, Process]) -> list[Process]:
    """The processes to write, checked: at least one, each a Process, names distinct."""
    if isinstance(processes, Process):
        items = [processes]
    elif isinstance(processes, Mapping):
        items = list(processes.values())
    else:
        items = list(processes)
    if not items or not all(isinstance(p, Process) for p in items):
        raise FlowkitError("write_catalogue takes a Process, or several: load files first")
    names = [p.name for p in items]
    if len(set(names)) != len(names):
        raise FlowkitError(f"services in one catalogue need distinct names; got {names}")
    return items


def _warn_lost(items: list[Process]) -> None:
    """One :class:`CatalogueWarning` naming what the rows of each process cannot hold."""
    lost = {p.name: _lost(p) for p in items}
    lost = {k: v for k, v in lost.items() if v}
    if lost:
        warnings.warn(
            "a catalogue row cannot hold: "
            + "; ".join(f"{k}: {', '.join(v)}" for k, v in lost.items()),
            CatalogueWarning,
            stacklevel=3,
        )


def _write_csv(rows: list[dict[str, Any]], out: Path) -> None:
    """The rows as CSV, UTF-8 with BOM (as Excel writes it)."""
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _write_xlsx(rows: list[dict[str, Any]], out: Path) -> None:
    """The rows as sheet 事项清单 of an ``.xlsx`` workbook, columns sized to their text."""
    import pandas as pd

    from ..text import display_width

    try:
        import xlsxwriter  # noqa: F401
    except ImportError:
        raise FlowkitError(
            'writing .xlsx needs xlsxwriter: pip install "flowkit[excel]" (or write .csv)'
        ) from None
    df = pd.DataFrame(rows, columns=COLUMNS)
    with pd.ExcelWriter(out, engine="xlsxwriter") as xw:
        df.to_excel(xw, sheet_name="事项清单", index=False)
        ws = xw.sheets["事项清单"]
        for j, col in enumerate(COLUMNS):
            width = max([display_width(col)] + [display_width(str(v)) for v in df[col]])
            ws.set_column(j, j, min(60, width + 2))

"""Benchmark: read and analyse a catalogue of 10,000 services (事项清单).

The template rows of ``examples/catalogue/make_template.py`` (8 services, 44 steps)
are replicated and perturbed (service names numbered; work, waits and fees
drawn at random) into 10,000 services, written as ``.xlsx`` and ``.csv`` in a
temporary directory. Timed with ``time.perf_counter``:

* ``read_catalogue`` on the CSV, on the xlsx with python-calamine, and on the xlsx
  with openpyxl (python-calamine hidden) — the reader comparison;
* ``analyze_catalogue`` on the catalogue read;
* the raw read alone (``csv.reader`` / ``to_python``) as the floor.

Goal: read_catalogue + analyze_catalogue under 10 s for 10,000 services. When it
is missed, the run is profiled and the top functions printed.

Run: ``python benchmarks/bench_catalogue.py [--services N] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import importlib.util
import io
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flowkit import analyze, parse
from flowkit.analysis.catalogue import analyze_catalogue
from flowkit.interop.catalogue import read_catalogue
from flowkit.interop.catalogue.read import gc_paused as _gc_paused
from flowkit.interop.catalogue.tables import read_csv as _read_csv
from flowkit.interop.catalogue.tables import table as _table
from flowkit.interop.catalogue.tree import Service as _Service
from flowkit.model.process import Process

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 10.0


def _template() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_template", ROOT / "examples" / "catalogue" / "make_template.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def generate(n_services: int, seed: int = 1) -> list[dict[str, object]]:
    """``n_services`` services: the template's, numbered, with perturbed times and fees."""
    tpl = _template()
    rng = random.Random(seed)
    by_service: dict[str, list[dict[str, object]]] = {}
    for r in tpl.ROWS:
        by_service.setdefault(str(r["事项名称"]), []).append(r)
    services = list(by_service.values())
    out: list[dict[str, object]] = []
    for k in range(n_services):
        rows = services[k % len(services)]
        for r in rows:
            r2 = dict(r)
            r2["事项名称"] = f"{r['事项名称']}#{k:05d}"
            r2["办理时长"] = f"{rng.randint(5, 120)}分钟"
            if r.get("等待时长"):
                r2["等待时长"] = f"{rng.randint(1, 10)}个工作日"
            if r.get("收费"):
                r2["收费"] = rng.randint(1, 50) * 10
            out.append(r2)
    return out


def write(rows: list[dict[str, object]], folder: Path) -> tuple[Path, Path]:
    tpl = _template()
    csv_path = tpl.write_csv(folder / "catalogue.csv", rows)
    xlsx_path = folder / "catalogue.xlsx"
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    ws = wb.add_worksheet("事项清单")
    for j, h in enumerate(tpl.HEADERS):
        ws.write_string(0, j, h)
    for i, r in enumerate(rows, start=1):
        for j, h in enumerate(tpl.HEADERS):
            v = r.get(h)
            if v is None:
                continue
            if isinstance(v, int | float):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v))
    wb.close()
    return csv_path, xlsx_path


def timed(label: str, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn`` once; print its wall time (perf_counter) and CPU time (process_time).

    The CPU time shows how much of the wall time is this process's own work: on a
    busy machine the wall time grows, the CPU time much less.
    """
    gc.collect()  # each timing starts clean (not charged with earlier garbage)
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"  {label:<40} {dt:8.2f} s wall {dc:8.2f} s CPU")
    return dt, out


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"


@contextmanager
def without_calamine() -> Iterator[None]:
    """Hide python-calamine so that read_catalogue falls back to openpyxl."""
    saved = sys.modules.get("python_calamine")
    sys.modules["python_calamine"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if saved is None:
            sys.modules.pop("python_calamine", None)
        else:
            sys.modules["python_calamine"] = saved


def raw_csv(path: Path) -> int:
    text = path.read_bytes().decode("utf-8-sig")
    return sum(1 for _ in csv.reader(io.StringIO(text, newline="")))


def raw_calamine(path: Path) -> int:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    return len(wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False))


def breakdown(csv_path: Path) -> None:
    """Where read_catalogue + analyze_catalogue spend their time, phase by phase (CSV)."""
    print("where the time goes (CSV; garbage collector paused, as in read_catalogue):")
    with _gc_paused():
        _, (name, data) = timed("decode + csv rows", lambda: _read_csv(csv_path))
        _, table = timed("header and cells (_table)", lambda: _table(name, data))
        groups: dict[str, list[Any]] = {}
        current = None
        for row, cells in table.rows:
            current = cells.get("service") or current
            groups.setdefault(str(current), []).append((row, cells))

        def build() -> list[dict[str, Any]]:
            return [_Service(svc, table, rows).build() for svc, rows in groups.items()]

        _, trees = timed("rows -> process trees (catalogue code)", build)
        t_parse, procs = timed("fk.parse(tree) (flowkit core)", lambda: [parse(t) for t in trees])
        t_mv, _ = timed("  vs Process.model_validate(tree)",
                        lambda: [Process.model_validate(t) for t in trees])
        timed("fk.analyze(p) (flowkit core)", lambda: [analyze(p) for p in procs])
    print(f"  parse / model_validate {t_parse / t_mv:.2f}x: parse validates each part "
          "(to locate every problem), then the whole tree again")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--services", type=int, default=10_000)
    ap.add_argument("--profile", action="store_true", help="profile even when the goal is met")
    ap.add_argument("--no-openpyxl", action="store_true", help="skip the slow openpyxl read")
    args = ap.parse_args()
    n = args.services
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        rows = generate(n)
        csv_path, xlsx_path = write(rows, folder)
        print(f"{n} services, {len(rows)} step rows; written in "
              f"{time.perf_counter() - t0:.1f} s (xlsx {xlsx_path.stat().st_size / 1e6:.1f} MB, "
              f"csv {csv_path.stat().st_size / 1e6:.1f} MB)")
        print(f"load average (1, 5, 15 min): {load()}")
        print("raw reading (the floor):")
        t_raw_csv, _ = timed("csv.reader", lambda: raw_csv(csv_path))
        has_calamine = importlib.util.find_spec("python_calamine") is not None
        if has_calamine:
            t_raw_x, _ = timed("python-calamine to_python", lambda: raw_calamine(xlsx_path))
        print("read_catalogue:")
        t_csv, cat = timed("CSV", lambda: read_catalogue(csv_path))
        assert len(cat) == n, len(cat)
        if has_calamine:
            t_cal, cat_x = timed("xlsx (python-calamine)", lambda: read_catalogue(xlsx_path))
            assert cat_x == cat
        t_opx = float("nan")
        if not args.no_openpyxl:
            with without_calamine():
                t_opx, cat_o = timed("xlsx (openpyxl)", lambda: read_catalogue(xlsx_path))
            assert cat_o == cat
        print("analyze_catalogue:")
        t_an, table = timed("static KPIs of every service", lambda: analyze_catalogue(cat))
        assert len(table) == n
        print("afterwards:")
        t0 = time.perf_counter()
        gc.collect()
        print(f"  {'one full garbage collection (paid once)':<40} "
              f"{time.perf_counter() - t0:8.2f} s wall  (read_catalogue pauses the collector "
              "while it builds; the live catalogue is scanned once, later)")
        print("ratios:")
        if has_calamine and t_opx == t_opx:
            print(f"  openpyxl / python-calamine (read_catalogue)    {t_opx / t_cal:8.2f}x")
        print(f"  read_catalogue(csv) / csv.reader               {t_csv / t_raw_csv:8.1f}x")
        if has_calamine:
            print(f"  read_catalogue(xlsx) / to_python               {t_cal / t_raw_x:8.1f}x")
        per = (t_csv + t_an) / n * 1e3
        print(f"  per service (csv read + analyze)               {per:8.3f} ms")
        totals = {"csv": t_csv + t_an}
        if has_calamine:
            totals["xlsx (python-calamine)"] = t_cal + t_an
        if t_opx == t_opx:
            totals["xlsx (openpyxl)"] = t_opx + t_an
        print(f"goal: read_catalogue + analyze_catalogue < {GOAL_S:g} s for {n} services")
        missed = False
        for label, total in totals.items():
            ok = total < GOAL_S * n / 10_000
            missed |= not ok and label != "xlsx (openpyxl)"
            print(f"  {label:<24} {total:6.2f} s  {'MET' if ok else 'MISSED'}")
        print(f"load average (1, 5, 15 min): {load()}")
        breakdown(csv_path)
        if missed or args.profile:
            print("profile of read_catalogue(csv) + analyze_catalogue (top 25 by cumulative time):")
            prof = cProfile.Profile()
            prof.enable()
            analyze_catalogue(read_catalogue(csv_path))
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
            print("(top 15 by own time)")
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
            print(out.getvalue())


if __name__ == "__main__":
    main()

"""The ``flowkit`` command line.

``flowkit validate FILE``, ``flowkit analyze FILE``, ``flowkit simulate FILE --cases N
--seed S``, ``flowkit compare A B --report out.html``, ``flowkit convert IN OUT`` and
``flowkit demo``. Exit status: 0 on success, 1 on invalid input (the located message
on stderr), 2 on bad usage. ``--json`` prints machine-readable output.

Needs the ``cli`` extra: ``pip install "flowkit[cli]"``.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["app", "main"]


def _typer() -> Any:
    """The typer module; exit 1 with the install hint when the extra is missing."""
    try:
        import typer
    except ImportError:  # pragma: no cover - depends on the environment
        print('the flowkit command needs typer: pip install "flowkit[cli]"', file=sys.stderr)
        raise SystemExit(1) from None
    return typer


def _jsonable(value: Any) -> Any:
    """``value`` with NaN and infinities as ``None`` and numpy scalars as Python ones."""
    if isinstance(value, float):
        return None if math.isnan(value) else (None if math.isinf(value) else value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


def _fail(message: str) -> None:
    """Exit 1 with ``message`` on stderr (invalid input)."""
    print(message, file=sys.stderr)
    raise SystemExit(1)


def _load(path: Path) -> Any:
    """A process from YAML, JSON or BPMN (by suffix)."""
    import flowkit as fk

    if path.suffix.lower() == ".bpmn":
        return fk.read_bpmn(path)
    return fk.load(path)


def _rounded(df: Any, digits: int) -> Any:
    """``df`` with every float rounded, in object columns too (booleans kept as they are)."""
    return df.map(lambda v: round(v, digits) if isinstance(v, float) else v)


def _print_table(df: Any, *, json_out: bool, title: str | None = None) -> None:
    """Print a table as JSON (by row) or as wide text under an optional title."""
    import pandas as pd

    if json_out:
        print(json.dumps(_jsonable(json.loads(df.to_json(orient="index", force_ascii=False))),
                         ensure_ascii=False, indent=2))
        return
    if title:
        print(title)
    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.max_rows", 200, "display.unicode.east_asian_width", True):
        print(df.to_string())


def _json_option(typer: Any, text: str) -> Any:
    """``--json``: print machine-readable output."""
    return typer.Option(False, "--json", help=text)


def _cases_option(typer: Any, default: int, text: str | None = None) -> Any:
    """``--cases``/``-n``: cases per replication (at least 1)."""
    return typer.Option(default, "--cases", "-n", min=1, help=text)


def _seed_option(typer: Any, text: str | None = None) -> Any:
    """``--seed``/``-s``: the random seed (1 by default)."""
    return typer.Option(1, "--seed", "-s", help=text)


def _report_option(typer: Any, text: str) -> Any:
    """``--report``: where to write an HTML report (none by default)."""
    return typer.Option(None, "--report", help=text)


def _start_option(typer: Any, default: str | None = None) -> Any:
    text = ("The date (or date-time) the simulation starts, local time of Asia/Shanghai, "
            "e.g. 2027-01-04" + (f"; default {default}" if default else "; default 2026-01-05"))
    return typer.Option(default, "--start", help=text)


def _jobs_option(typer: Any) -> Any:
    return typer.Option(1, "--n-jobs", "-j",
                        help="Replications run in parallel (-1: every core; default 1).")


@contextlib.contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Inside, warnings print as one line each on stderr (no source line); restored after."""
    import warnings

    def show(message: Any, category: Any, filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        print(f"{category.__name__}: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _build() -> Any:
    """The typer application with every command."""
    typer = _typer()
    app = typer.Typer(
        name="flowkit",
        help="Re-engineering of public-service processes (最多跑一次 / 一网通办 / 一件事一次办).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for add in (_add_validate, _add_analyze, _add_simulate, _add_compare, _add_convert,
                _add_demo):
        add(app, typer)
    return app


def _add_validate(app: Any, typer: Any) -> None:
    """The ``validate`` command: check files, list their problems."""

    @app.command()
    def validate(
        files: list[Path] = typer.Argument(..., help="Process files (.yaml, .json, .bpmn)."),
        json_out: bool = _json_option(typer, "Print problems as JSON."),
    ) -> None:
        """Check process files; list every problem with where it is."""
        import flowkit as fk

        report: dict[str, list[str]] = {}
        for f in files:
            if f.suffix.lower() == ".bpmn":
                try:
                    fk.read_bpmn(f)
                    report[str(f)] = []
                except fk.FlowkitError as exc:
                    report[str(f)] = list(getattr(exc, "problems", [str(exc)]))
            else:
                report[str(f)] = fk.validate(f)
        bad = {k: v for k, v in report.items() if v}
        if json_out:
            print(json.dumps({"valid": not bad, "problems": report}, ensure_ascii=False,
                             indent=2))
        else:
            for name, problems in report.items():
                if problems:
                    print(f"{name}: {len(problems)} problem(s)", file=sys.stderr)
                    for p in problems:
                        print(f"  - {p}", file=sys.stderr)
                else:
                    print(f"{name}: ok")
        if bad:
            raise SystemExit(1)


def _add_analyze(app: Any, typer: Any) -> None:
    """The ``analyze`` command: the exact expected figures of one case."""

    @app.command()
    def analyze(
        file: Path = typer.Argument(..., help="A process file."),
        json_out: bool = _json_option(typer, "Print the figures as JSON."),
        doing_business: bool = typer.Option(False, "--doing-business", "--db",
                                            help="Also the Doing Business procedures."),
    ) -> None:
        """Exact expected figures of one case: visits, materials, handoffs, working days …"""
        import flowkit as fk

        try:
            a = fk.analyze(_load(file))
        except fk.FlowkitError as exc:
            _fail(str(exc))
        t = a.table()
        if json_out:
            out = {k: float(v) for k, v in t["value"].items()}
            if doing_business:
                out.update(_db_figures(a.doing_business()))
            print(json.dumps(_jsonable(out), ensure_ascii=False, indent=2))
            return
        _print_table(t[["label_zh", "label_en", "value"]].round(4), json_out=False,
                     title=f"{a.process.name}")
        if doing_business:
            db = a.doing_business()
            k = fk.kpis()
            print("\n" + " · ".join(" ".join(map(str, k.loc[i, ["label_zh", "label_en"]]))
                                    + f" {v:.4g}" for i, v in _db_figures(db).items()))
            _print_table(db.table().round(3), json_out=False)


def _add_simulate(app: Any, typer: Any) -> None:
    """The ``simulate`` command: simulate cases, print the summary."""

    @app.command()
    def simulate(
        file: Path = typer.Argument(..., help="A process file."),
        cases: int = _cases_option(typer, 1000, "Cases per replication."),
        seed: int = _seed_option(typer, "Random seed."),
        replications: int = typer.Option(1, "--replications", "-r", min=1),
        warmup: int = typer.Option(0, "--warmup", min=0),
        events: Path | None = typer.Option(None, "--events",
                                           help="Write the event log (.csv or .xes)."),
        start: str | None = _start_option(typer),
        n_jobs: int = _jobs_option(typer),
        json_out: bool = _json_option(typer, "Print the summary as JSON."),
    ) -> None:
        """Simulate cases on SimPy and print the summary with confidence intervals."""
        import flowkit as fk

        try:
            p = _load(file)
            with _one_line_warnings():
                r = fk.simulate(p, n_cases=cases, seed=seed, replications=replications,
                                warmup=warmup, keep_events=events is not None,
                                progress=not json_out, start=start, n_jobs=n_jobs)
            if events is not None:
                r.to_eventlog(events)
        except fk.FlowkitError as exc:
            _fail(str(exc))
        s = r.summary()
        if json_out:
            _print_table(s[["mean", "ci_low", "ci_high", "p50", "p90", "max"]], json_out=True)
            return
        _print_table(s[["label_zh", "mean", "ci_low", "ci_high", "p50", "p90", "max"]].round(3),
                     json_out=False,
                     title=f"{p.name}: {cases} cases x {replications} replication(s), seed {seed}")


def _add_compare(app: Any, typer: Any) -> None:
    """The ``compare`` command: compare processes, write the reports."""

    @app.command()
    def compare(
        files: list[Path] = typer.Argument(..., help="Two or more process files; the first "
                                           "is the reference."),
        cases: int = _cases_option(typer, 1000),
        seed: int = _seed_option(typer),
        replications: int = typer.Option(5, "--replications", "-r", min=2),
        report: Path | None = _report_option(typer, "Write an HTML report."),
        excel: Path | None = typer.Option(None, "--excel", help="Write an Excel workbook."),
        start: str | None = _start_option(typer),
        n_jobs: int = _jobs_option(typer),
        json_out: bool = _json_option(typer, "Print the table as JSON."),
    ) -> None:
        """Compare processes statically and by simulation (paired confidence intervals)."""
        import flowkit as fk

        if len(files) < 2:
            print("compare needs at least two files", file=sys.stderr)
            raise SystemExit(2)
        try:
            scenarios = [_load(f) for f in files]
            with _one_line_warnings():
                c = fk.compare(scenarios, n_cases=cases, seed=seed,
                               replications=replications, start=start, n_jobs=n_jobs)
            if report is not None:
                c.to_html(report)
            if excel is not None:
                c.to_excel(excel)
        except fk.FlowkitError as exc:
            _fail(str(exc))
        cols = [*c.names, *[x for x in c.table.columns if x.startswith(
            ("delta", "change_pct", "ci_low", "ci_high", "significant"))]]
        if json_out:
            _print_table(c.table[cols], json_out=True)
            return
        _print_table(_rounded(c.table[["label_zh", *cols]], 3), json_out=False)
        print()
        _print_table(c.ratios.drop(columns=["label_en"]).round(3), json_out=False)
        if report is not None:
            print(f"\nreport: {report}")


def _add_convert(app: Any, typer: Any) -> None:
    """The ``convert`` command: between YAML, JSON, BPMN and catalogues."""

    @app.command()
    def convert(
        source: Path = typer.Argument(..., help="Input: .yaml .json .bpmn, or a catalogue "
                                      ".xlsx/.csv"),
        target: Path = typer.Argument(..., help="Output: .yaml .json .bpmn .xlsx .csv, or a "
                                      "folder for a catalogue's services"),
    ) -> None:
        """Convert between YAML, JSON, BPMN and catalogue spreadsheets (by suffix)."""
        import flowkit as fk

        try:
            if source.suffix.lower() in (".xlsx", ".csv"):
                services = fk.read_catalogue(source)
                if target.suffix.lower() in (".yaml", ".yml", ".json", ".bpmn"):
                    if len(services) != 1:
                        _fail(f"{source} holds {len(services)} services: give a folder as "
                              "the output to write one file per service")
                    _write(next(iter(services.values())), target)
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    for k, p in enumerate(services.values(), 1):
                        _write(p, target / f"{k:03d}.yaml")
                    print(f"{len(services)} services written to {target}")
                return
            _write(_load(source), target)
        except fk.FlowkitError as exc:
            _fail(str(exc))


def _add_demo(app: Any, typer: Any) -> None:
    """The ``demo`` command: a before/after comparison of a shipped example."""

    @app.command()
    def demo(
        cases: int = _cases_option(typer, 300, "Cases per replication."),
        seed: int = _seed_option(typer),
        report: Path | None = _report_option(typer, "Also write an HTML report."),
        start: str = _start_option(typer, "2024-01-01"),
        n_jobs: int = _jobs_option(typer),
    ) -> None:
        """A real before/after comparison of a shipped example (嘉兴南湖 游泳场所)."""
        import flowkit as fk

        p = fk.loads(resources.files("flowkit.data").joinpath("jiaxing_swimming_pool.yaml")
                     .read_text(encoding="utf-8"))
        L = fk.levers
        q = fk.redesign(p, L.share_data(), L.single_window(location="政务服务中心"),
                        L.electronic_handoff(), L.accept_incomplete(), L.mail_delivery(),
                        name="南湖区开办游泳场所（一件事改革后）")
        print(f"{p.name}  →  {q.name}")
        for h in q.history:
            print(f"  · {h.label} ({h.lever})")
        try:
            with _one_line_warnings():
                c = fk.compare({"现状": p, "改革后": q}, n_cases=cases, seed=seed,
                               replications=5, start=start, n_jobs=n_jobs)
        except fk.FlowkitError as exc:
            _fail(str(exc))
        rows = ["visits", "one_visit", "materials", "steps", "handoffs", "workdays_static",
                "days", "days_p90", "applicant_hours"]
        t = c.table.loc[[r for r in rows if r in c.table.index],
                        ["label_zh", "现状", "改革后", "delta", "ci_low", "ci_high"]]
        print()
        _print_table(_rounded(t, 3), json_out=False)
        r = c.ratios
        print("\n" + "  ".join(f"{row['label_zh']} {row['改革后']:.0%}"
                               for _, row in r.iterrows() if not math.isnan(row["改革后"])))
        if report is not None:
            c.to_html(report)
            print(f"report: {report}")


def _db_figures(db: Any) -> dict[str, float]:
    """The Doing Business figures by KPI id: the ``db_<attribute>`` rows of ``fk.kpis()``."""
    import flowkit as fk

    return {k: float(getattr(db, k[3:])) for k in fk.kpis().index if k.startswith("db_")}


def _write(p: Any, target: Path) -> None:
    """Write a process by the suffix of ``target`` (BPMN, catalogue or YAML/JSON)."""
    import flowkit as fk

    suffix = target.suffix.lower()
    if suffix == ".bpmn":
        fk.to_bpmn(p, target)
    elif suffix in (".xlsx", ".csv"):
        fk.write_catalogue(p, target)
    else:
        fk.save(p, target)
    print(f"wrote {target}")


def app() -> Any:
    """The typer application (built on first use, so importing flowkit stays light)."""
    return _build()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    application = _build()
    try:
        application(args=argv, prog_name="flowkit", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

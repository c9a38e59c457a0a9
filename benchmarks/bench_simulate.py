#!/usr/bin/env python3
"""Benchmark of ``flowkit.simulate`` against hand-written SimPy and Prosimos.

The reference process (``benchmarks/reference/``: the same permit process as a flowkit
file, in raw SimPy and for Prosimos 2.1.0) is run by WHOLE PROCESSES, in the same run,
the commands alternated A B C ... A B C ... for ``--repeat`` rounds:

* hand-written SimPy, events off, and with ``--log`` to a temporary CSV file;
* flowkit, ``keep_events=False``, and ``keep_events=True`` (the log stays in memory;
  ``Result.events`` is materialised inside the timed process, so it is comparable);
* Prosimos (``run_prosimos_permit.py``) when ``--prosimos-python`` names an interpreter
  that has it (a separate venv: Prosimos is not a dependency of flowkit).

Wall time is ``time.perf_counter()`` around each ``subprocess.run`` (interpreter start
and imports included); peak memory is the child's maximum resident set size from
``/usr/bin/time -v`` when that works, else from ``os.wait4`` (the same ``getrusage``
figure, for that child alone). Each driver prints one JSON line with its mean cycle
time in minutes. The script prints medians, the ratios against the goals (PASS/MISS),
and a 10^6-case memory check of flowkit with ``keep_events=False``.

Not a test: nothing here fails a build. Run from the repository root::

    python benchmarks/bench_simulate.py --prosimos-python /path/to/prosimos-venv/bin/python
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REF = HERE / "reference"
PERMIT_YAML = REF / "permit.yaml"
HAND = REF / "hand_simpy_permit.py"
BEST = REF / "hand_best_simpy.py"  # SimPy written for speed: the floor for a SimPy design
FLOOR = REF / "heapq_floor.py"  # a pure-Python heapq event loop: the floor for Python
PROSIMOS = REF / "run_prosimos_permit.py"
SEED = 1

# goals (issue): flowkit / hand-written SimPy wall time, Prosimos / flowkit, cycle time,
# memory at 10^6 cases with keep_events=False
GOAL_OFF = 1.2
GOAL_ON = 1.5
GOAL_PROSIMOS = 9.0
GOAL_CYCLE = 0.05
GOAL_MEMORY_MIB = 500.0

# The flowkit driver: python -c FLOWKIT_DRIVER permit.yaml n_cases keep_events(0/1) seed
FLOWKIT_DRIVER = """\
import json, resource, sys, time
t0 = time.perf_counter()
import flowkit as fk
path, n, keep, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4])
p = fk.load(path)
t1 = time.perf_counter()
r = fk.simulate(p, n_cases=n, seed=seed, replications=1, keep_events=keep, progress=False)
t2 = time.perf_counter()
rss_sim = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (
    2**20 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux
c = r.cases
cycle = float((c["done"] - c["arrival"]).dt.total_seconds().mean() / 60)
t3 = time.perf_counter()
n_events = len(r.events) if keep else 0
t4 = time.perf_counter()
print(json.dumps({
    "impl": "flowkit", "keep_events": keep, "cases": len(c), "events": n_events,
    "mean_cycle_min": cycle, "import_load_s": round(t1 - t0, 3),
    "simulate_s": round(t2 - t1, 3), "cases_s": round(t3 - t2, 3),
    "events_s": round(t4 - t3, 3), "peak_mib_after_simulate": round(rss_sim, 1),
}))
"""


@dataclass
class Command:
    """One command of the rotation and what its runs measured."""

    key: str
    label: str
    argv: list[str]
    cases: int
    wall: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    cycle: list[float] = field(default_factory=list)
    extra: list[dict] = field(default_factory=list)

    def argv_for(self, n: int) -> list[str]:
        return [str(n) if a == "{n}" else a for a in self.argv]

    def median(self, what: str) -> float | None:
        values = [v for v in getattr(self, what) if v is not None]
        return statistics.median(values) if values else None


def _time_v_works() -> bool:
    """Whether GNU time's ``-v`` is there (BusyBox and BSD time lack it)."""
    if not os.path.exists("/usr/bin/time"):
        return False
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", out.name, "true"], capture_output=True, check=False
        )
        return proc.returncode == 0 and "Maximum resident set size" in Path(out.name).read_text()


def _run_time_v(argv: list[str], env: dict[str, str]) -> tuple[float, float | None, str]:
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tv:
        cmd = ["/usr/bin/time", "-v", "-o", tv.name, *argv]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - t
        report = Path(tv.name).read_text()
    if proc.returncode != 0:
        raise RuntimeError(f"command failed ({proc.returncode}): {argv}\n{proc.stderr[-2000:]}")
    rss = None
    for line in report.splitlines():
        if "Maximum resident set size" in line:
            rss = int(line.rsplit(":", 1)[1]) / 1024  # kbytes -> MiB
    return wall, rss, proc.stdout


def _run_wait4(argv: list[str], env: dict[str, str]) -> tuple[float, float | None, str]:
    """Without GNU time: ``os.wait4`` gives this child's own ``ru_maxrss`` (the figure
    ``getrusage(RUSAGE_CHILDREN)`` would give, but per child, not the maximum so far)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if p.returncode != 0:
        raise RuntimeError(f"command failed ({p.returncode}): {argv}\n{errors[-2000:]}")
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return wall, usage.ru_maxrss / scale, text


def measure(argv: list[str], use_time_v: bool) -> tuple[float, float | None, dict]:
    """Run one command: wall seconds, peak RSS (MiB) and the JSON line it printed."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    run = _run_time_v if use_time_v else _run_wait4
    wall, rss, out = run(argv, env)
    line = [s for s in out.splitlines() if s.startswith("{")][-1]
    return wall, rss, json.loads(line)


def _version(python: str, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return proc.stdout.strip() or "?"


def _fmt(x: float | None, spec: str) -> str:
    return "n/a" if x is None else format(x, spec)


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def build_commands(args: argparse.Namespace, log_path: str) -> list[Command]:
    """The rotation; ``{n}`` in an argv stands for the number of cases."""
    py = sys.executable
    hand = [py, str(HAND), "--cases", "{n}", "--seed", str(SEED)]
    flowkit = [py, "-c", FLOWKIT_DRIVER, str(PERMIT_YAML), "{n}"]
    n = args.cases
    cmds = [
        Command("hand_off", "hand-written SimPy, events off", hand, n),
        Command("hand_on", "hand-written SimPy, --log CSV", [*hand, "--log", log_path], n),
        Command("best_off", "best SimPy (hand_best_simpy.py)",
                [py, str(BEST), "--cases", "{n}", "--seed", str(SEED)], n),
        Command("floor_off", "heapq event loop (heapq_floor.py)",
                [py, str(FLOOR), "--cases", "{n}", "--seed", str(SEED)], n),
        Command("fk_off", "flowkit, keep_events=False", [*flowkit, "0", str(SEED)], n),
        Command("fk_on", "flowkit, keep_events=True + r.events", [*flowkit, "1", str(SEED)], n),
    ]
    if args.prosimos_python:
        m = args.prosimos_cases or n
        if m != n:  # the Prosimos ratio is taken at Prosimos' size
            cmds.append(Command("hand_off_p", "hand-written SimPy, events off", hand, m))
            cmds.append(Command("fk_off_p", "flowkit, keep_events=False",
                                [*flowkit, "0", str(SEED)], m))
        cmds.append(Command("prosimos", "Prosimos 2.1.0, no log", [
            args.prosimos_python, str(PROSIMOS), "--cases", "{n}", "--seed", str(SEED)], m))
    return cmds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000, help="cases per run (10^5)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of the rotation (medians)")
    ap.add_argument("--prosimos-python", default=None,
                    help="python of a venv with prosimos==2.1.0 (skipped when not given)")
    ap.add_argument("--prosimos-cases", type=int, default=None,
                    help="cases for Prosimos (default --cases); flowkit and the hand-written "
                         "model are then also timed at that size for the ratio")
    ap.add_argument("--memory-cases", type=int, default=1_000_000,
                    help="cases of the flowkit memory check, keep_events=False (0: skip)")
    args = ap.parse_args()
    if args.repeat < 1 or args.cases < 1:
        ap.error("--repeat and --cases must be >= 1")

    notes: list[str] = []
    if args.prosimos_python and not (
        os.path.exists(args.prosimos_python)
        and subprocess.run([args.prosimos_python, "-c", "import prosimos"],
                           capture_output=True, check=False).returncode == 0
    ):
        notes.append(f"Prosimos skipped: {args.prosimos_python} cannot import prosimos")
        args.prosimos_python = None
    elif not args.prosimos_python:
        notes.append("Prosimos skipped: no --prosimos-python given")

    use_time_v = _time_v_works()
    tmpdir = tempfile.mkdtemp(prefix="bench_simulate_")
    log_path = os.path.join(tmpdir, "hand_log.csv")
    cmds = build_commands(args, log_path)

    print("flowkit simulate benchmark:", dt.datetime.now().isoformat(timespec="seconds"))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores; "
          f"python {platform.python_version()}; flowkit "
          f"{importlib.metadata.version('flowkit')}; simpy {importlib.metadata.version('simpy')}"
          + (f"; prosimos {_version(args.prosimos_python, 'prosimos')}"
             if args.prosimos_python else ""))
    print(f"cases {args.cases:,}, seed {SEED}, {args.repeat} round(s) alternated; peak memory "
          f"from {'/usr/bin/time -v' if use_time_v else 'os.wait4 ru_maxrss'}")
    for note in notes:
        print("note:", note)
    sys.stdout.flush()

    try:
        # one small untimed run of each command: warms the file cache, checks commands work
        for c in cmds:
            measure(c.argv_for(200), use_time_v)
        for rnd in range(args.repeat):
            for c in cmds:
                wall, rss, out = measure(c.argv_for(c.cases), use_time_v)
                c.wall.append(wall)
                c.rss_mib.append(rss)
                c.cycle.append(out.get("mean_cycle_min"))
                c.extra.append(out)
                print(f"  round {rnd + 1}: {c.label} @ {c.cases:,}: {wall:.2f} s, "
                      f"{_fmt(rss, '.0f')} MiB, cycle {_fmt(c.cycle[-1], '.2f')} min",
                      flush=True)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    memory = None
    if args.memory_cases:
        m = args.memory_cases
        argv = [sys.executable, "-c", FLOWKIT_DRIVER, str(PERMIT_YAML), str(m), "0", str(SEED)]
        wall, rss, out = measure(argv, use_time_v)
        memory = (m, rss, out["peak_mib_after_simulate"])
        print(f"  memory check: flowkit keep_events=False @ {m:,} cases: {wall:.1f} s, "
              f"peak {_fmt(rss, '.1f')} MiB (after simulate(), before r.cases: "
              f"{out['peak_mib_after_simulate']:.1f} MiB), cycle {out['mean_cycle_min']:.2f} min",
              flush=True)

    by = {c.key: c for c in cmds}
    print()
    print(f"medians of {args.repeat} (whole processes)")
    head = f"{'command':<40} {'cases':>9} {'wall s':>8} {'peak MiB':>9} {'cycle min':>10}"
    print(head)
    print("-" * len(head))
    for c in cmds:
        print(f"{c.label:<40} {c.cases:>9,} {_fmt(c.median('wall'), '8.2f')} "
              f"{_fmt(c.median('rss_mib'), '9.1f')} {_fmt(c.median('cycle'), '10.2f')}")
    for key in ("fk_off", "fk_on"):
        parts = by[key].extra
        if parts:
            med = {k: statistics.median(e[k] for e in parts)
                   for k in ("import_load_s", "simulate_s", "cases_s", "events_s")}
            print(f"  inside {by[key].label}: import+load {med['import_load_s']:.2f} s, "
                  f"simulate {med['simulate_s']:.2f} s, r.cases {med['cases_s']:.2f} s, "
                  f"r.events {med['events_s']:.2f} s")

    print()
    print("ratios (of medians) against the goals")
    if args.cases != 100_000:
        print(f"  (the goals are stated for 100,000 cases; at {args.cases:,} the start-up of "
              "the interpreter and imports weighs differently)")
    rows: list[tuple[str, str, str, bool | None]] = []
    off = by["fk_off"].median("wall") / by["hand_off"].median("wall")
    rows.append(("flowkit / hand-written, events off", f"{off:.2f}x", f"<= {GOAL_OFF}x",
                 off <= GOAL_OFF))
    best = by["fk_off"].median("wall") / by["best_off"].median("wall")
    rows.append(("flowkit / best SimPy, events off", f"{best:.2f}x", "<= 1.0x", best <= 1.0))
    floor = by["fk_off"].median("wall") / by["floor_off"].median("wall")
    rows.append(("flowkit / heapq floor, events off (context)", f"{floor:.2f}x", "-", None))
    bc = by["best_off"].median("cycle")
    bdiff = (by["fk_off"].median("cycle") - bc) / bc
    rows.append(("mean cycle, flowkit vs best SimPy", f"{bdiff:+.2%}", "within 3%",
                 abs(bdiff) <= 0.03))
    on = by["fk_on"].median("wall") / by["hand_on"].median("wall")
    rows.append(("flowkit / hand-written, events on", f"{on:.2f}x", f"<= {GOAL_ON}x",
                 on <= GOAL_ON))
    hc, fc = by["hand_off"].median("cycle"), by["fk_off"].median("cycle")
    diff = (fc - hc) / hc
    rows.append(("mean cycle, flowkit vs hand-written", f"{diff:+.2%}", f"within {GOAL_CYCLE:.0%}",
                 abs(diff) <= GOAL_CYCLE))
    if "prosimos" in by:
        p = by["prosimos"]
        fk_same = by.get("fk_off_p", by["fk_off"])
        hand_same = by.get("hand_off_p", by["hand_off"])
        ratio = p.median("wall") / fk_same.median("wall")
        rows.append((f"Prosimos / flowkit @ {p.cases:,} cases", f"{ratio:.2f}x",
                     f">= {GOAL_PROSIMOS:g}x", ratio >= GOAL_PROSIMOS))
        hr = p.median("wall") / hand_same.median("wall")
        rows.append((f"Prosimos / hand-written @ {p.cases:,} (context)", f"{hr:.2f}x", "-", None))
        pc = p.median("cycle")
        hcs = hand_same.median("cycle")
        rows.append((f"mean cycle, Prosimos vs hand-written @ {p.cases:,}",
                     f"{(pc - hcs) / hcs:+.2%}", "(context)", None))
    else:
        rows.append(("Prosimos / flowkit", "n/a", f">= {GOAL_PROSIMOS:g}x", None))

    if memory is not None:
        m, rss, rss_sim = memory
        rows.append((f"flowkit peak memory @ {m:,}, events off", f"{_fmt(rss, '.1f')} MiB",
                     f"< {GOAL_MEMORY_MIB:g} MiB", None if rss is None else rss < GOAL_MEMORY_MIB))
        rows.append(("  peak up to the end of simulate()", f"{rss_sim:.1f} MiB",
                     "(r.cases after)", None))

    width = max(len(r[0]) for r in rows)
    for name, value, goal, ok in rows:
        print(f"{name:<{width}}  {value:>12}  {goal:<14} {_verdict(ok)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: static analysis (``flowkit.analyze``) of random processes of growing size.

Builds random valid processes (loops, AND blocks, choices, materials) of 100,
1,000 and 5,000 steps with :func:`flowkit.model.generate.random_process`, times
``flowkit.analyze`` with :func:`time.perf_counter` (best and median of several
runs after a warm-up run) and checks the goal "< 100 ms for 1,000 steps".
Generation and validation are timed too, as the comparator: analysis is set
against the cost of merely building the same process; and ``Process.model_validate``
of a 20,000-step process (goal < 3 s: the structure checks are linear).

Run::

    python benchmarks/bench_analyze.py            # 100, 1,000 and 5,000 steps
    python benchmarks/bench_analyze.py --profile  # and a cProfile of the 1,000-step run
    python benchmarks/bench_analyze.py --sizes 1000 --repeat 10 --seeds 1 2 3
    python benchmarks/bench_analyze.py --sizes 100 --validate-steps 20000

This is a script, not a test: it prints figures and never fails on them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import flowkit as fk
from flowkit.model.generate import random_process
from flowkit.model.structure import analyse_structure

GOAL_STEPS = 1000
GOAL_SECONDS = 0.100
VALIDATE_STEPS = 20_000
VALIDATE_GOAL = 3.0  # seconds for Process.model_validate of VALIDATE_STEPS steps


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best and median wall time of ``repeat`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def describe(p: fk.Process) -> str:
    """Loops, AND blocks and scopes of a process, in a few words."""
    st = analyse_structure(p.steps, p.start)
    branches = sum(len(b.branches) for b in st.blocks.values())
    return f"{len(st.back_edges)} loops, {len(st.blocks)} AND blocks ({branches} branches)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the warm-up")
    parser.add_argument("--profile", action="store_true", help="cProfile the 1,000-step run")
    parser.add_argument("--validate-steps", type=int, default=VALIDATE_STEPS,
                        help="steps of the validation timing (0: skip)")
    args = parser.parse_args(argv)

    print(f"flowkit {fk.__version__}, Python {sys.version.split()[0]}")
    print(f"analyze: best and median of {args.repeat} runs after a warm-up (seconds)\n")
    header = (
        f"{'steps':>6} {'seed':>5}  {'build':>8} {'analyze best':>13} {'median':>8}"
        f" {'ratio':>6}  structure"
    )
    print(header)
    print("-" * len(header))
    goal: list[float] = []
    for n in args.sizes:
        for seed in args.seeds:
            build_best, _ = timed(lambda n=n, seed=seed: random_process(n, seed=seed), 1)
            p = random_process(n, seed=seed)
            best, median = timed(lambda p=p: fk.analyze(p), args.repeat)
            if n == GOAL_STEPS:
                goal.append(best)
            print(
                f"{n:>6} {seed:>5}  {build_best:>8.4f} {best:>13.4f} {median:>8.4f}"
                f" {best / build_best:>6.1f}  {describe(p)}"
            )
    print("\nbuild = random_process (generation + validation); ratio = analyze best / build")
    if goal:
        worst = max(goal)
        verdict = "met" if worst < GOAL_SECONDS else "NOT met"
        print(
            f"goal: analyze < {GOAL_SECONDS * 1000:.0f} ms for {GOAL_STEPS} steps -> {verdict} "
            f"(best {worst * 1000:.1f} ms, worst seed)"
        )
        if args.profile or worst >= GOAL_SECONDS:
            profile(random_process(GOAL_STEPS, seed=args.seeds[0]))
    if args.validate_steps:
        validate_timing(args.validate_steps, args.seeds[0])
    return 0


def validate_timing(n: int, seed: int) -> None:
    """Time ``Process.model_validate`` of an ``n``-step process read back from its dict."""
    data = random_process(n, seed=seed).model_dump(mode="json", exclude_none=True)
    best, median = timed(lambda: fk.Process.model_validate(data), 1)
    verdict = "met" if best < VALIDATE_GOAL else "NOT met"
    print(f"\nvalidate {n:,} steps (Process.model_validate): best {best:.2f} s, median "
          f"{median:.2f} s -> goal < {VALIDATE_GOAL:.0f} s {verdict}")


def profile(p: fk.Process) -> None:
    """Print where ``analyze`` spends its time on one process."""
    fk.analyze(p)
    prof = cProfile.Profile()
    prof.enable()
    fk.analyze(p)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(r"flowkit", 15)
    stats.sort_stats("tottime").print_stats(10)
    print(f"\ncProfile of analyze on {len(p.steps)} steps:")
    print(out.getvalue())


if __name__ == "__main__":
    raise SystemExit(main())

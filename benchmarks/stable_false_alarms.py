"""How often ``summary()["stable"]`` is False on M/M/1 runs, stable and overloaded.

Each configuration simulates ``RUNS`` runs (seeds 0 … RUNS − 1) of an M/M/1 queue on
``calendar: always`` (arrivals exp(1 h), work exp(ρ h)) with 1,000 cases per
replication and reports the share of runs whose ``days`` row is marked unstable:
the false-alarm rate for ρ < 1, the power for ρ > 1. Run:
``python benchmarks/stable_false_alarms.py``.
"""

from __future__ import annotations

import warnings

import flowkit as fk

RUNS = 100
N_CASES = 1000


def mm1(rho: float) -> fk.Process:
    return fk.loads(f"""
name: M/M/1
calendar: always
arrivals: {{every: exp(60min)}}
departments: [{{id: d}}]
steps: [{{id: s, department: d, work: exp({rho * 60}min)}}]
""")


def unstable_share(rho: float, replications: int) -> float:
    p = mm1(rho)
    bad = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fk.OverloadWarning)
        for seed in range(RUNS):
            r = fk.simulate(p, n_cases=N_CASES, seed=seed, replications=replications,
                            keep_events=False, progress=False)
            bad += not bool(r.summary().loc["days", "stable"])
    return bad / RUNS


if __name__ == "__main__":
    print(f"{'rho':>5} {'replications':>12} {'unstable':>9}")
    for rho in (0.5, 0.8, 0.9, 1.05, 1.2):
        for reps in (1, 5):
            print(f"{rho:>5} {reps:>12} {unstable_share(rho, reps):>9.2f}")

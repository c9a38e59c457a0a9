"""Benchmark: build, audit and rank a 政务服务事项 list of 100,000 services.

The list is generated in memory as the three tables the reader finds in an
export (services, materials, steps — every fifth service has a steps table),
seeded, with a pool of 200 issued certificates and 300 applicant materials so
that sharing and bundling have something to find. Timed with
``time.perf_counter``: building the ServiceList from the tables (the reader's
half after the file is read), ``fk.audit`` (one static analysis per service,
then vectorised checks) and ``fk.sharing_priority``. Peak memory is the
process's maximum resident set size. No time is asserted.

Run: ``python benchmarks/bench_servicelist.py [--services N] [--workers W]``.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import flowkit as fk
from flowkit.interop.catalogue.read import gc_paused
from flowkit.interop.servicelist.build import build
from flowkit.interop.servicelist.read import Sheet

SERVICE_HEADERS = {k: k for k in ("code", "name", "authority", "level", "legal_limit",
                                  "time_limit", "visits", "case_type", "fee", "volume")}
MATERIAL_HEADERS = {k: k for k in ("code", "name", "source", "issuer", "shared")}
STEP_HEADERS = {k: k for k in ("code", "order", "name", "department", "limit", "channel",
                               "counted")}


def generate(n: int, seed: int = 1) -> dict[str, Sheet]:
    """The three tables of an n-service list, as the reader would hand them to ``build``."""
    rng = random.Random(seed)
    depts = [f"第{i}局" for i in range(60)]
    certs = [(f"证照{i}", rng.choice(depts)) for i in range(200)]
    own = [f"材料{i}" for i in range(300)]
    services, materials, steps = [], [], []
    row_m = row_s = 1
    for i in range(n):
        code = f"S{i:06d}"
        legal = rng.choice((10, 15, 20, 30))
        services.append((i + 2, {
            "code": code, "name": f"事项{i}", "authority": rng.choice(depts), "level": "县级",
            "legal_limit": f"{legal}个工作日", "time_limit": f"{rng.randint(1, legal + 2)}个工作日",
            "visits": f"{rng.choice((0, 1, 1, 2))}次",
            "case_type": rng.choice(("承诺件", "即办件")),
            "fee": rng.choice(("不收费", "不收费", "50元", "按件收取10元/件")),
            "volume": str(rng.randint(1, 5000))}))
        for name in rng.sample(own, 3):
            row_m += 1
            materials.append((row_m, {"code": code, "name": name, "source": "申请人自备"}))
        for name, issuer in rng.sample(certs, rng.randint(0, 3)):
            row_m += 1
            materials.append((row_m, {"code": code, "name": name, "source": "政府部门核发",
                                      "issuer": issuer, "shared": rng.choice(("是", "否"))}))
        if i % 5 == 0:
            for k, (step, channel) in enumerate((("受理", "窗口"), ("审查", "后台"),
                                                 ("决定", "后台"), ("送达", "邮寄")), 1):
                row_s += 1
                steps.append((row_s, {"code": code, "order": str(k), "name": step,
                                      "limit": f"{rng.randint(0, 5)}个工作日",
                                      "channel": channel, "counted": "是"}))
    return {"services": Sheet("services", "事项", SERVICE_HEADERS, services),
            "materials": Sheet("materials", "申请材料", MATERIAL_HEADERS, materials),
            "steps": Sheet("steps", "办理环节", STEP_HEADERS, steps)}


def _peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--services", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=0, help="audit through a process pool")
    args = ap.parse_args()
    t0 = time.perf_counter()
    tables = generate(args.services)
    t1 = time.perf_counter()
    with gc_paused():  # as read_service_list builds
        sl = build(tables)
    t2 = time.perf_counter()
    if args.workers:
        with ProcessPoolExecutor(args.workers) as ex:
            findings = fk.audit(sl, executor=ex)
    else:
        findings = fk.audit(sl)
    t3 = time.perf_counter()
    shares = fk.sharing_priority(sl)
    t4 = time.perf_counter()
    n = len(sl.processes)
    print(f"services: {n:,}  problems: {len(sl.problems):,}  findings: {len(findings):,}  "
          f"certificates ranked: {len(shares)}")
    print(f"generate tables  {t1 - t0:8.2f} s")
    print(f"build list       {t2 - t1:8.2f} s  ({(t2 - t1) / n * 1e6:.0f} µs per service)")
    print(f"audit            {t3 - t2:8.2f} s  ({(t3 - t2) / n * 1e6:.0f} µs per service)")
    print(f"sharing_priority {t4 - t3:8.2f} s")
    print(f"peak memory      {_peak_mib():8.0f} MiB")
    print(findings["check"].value_counts().to_string())


if __name__ == "__main__":
    main()

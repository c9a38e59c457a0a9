"""Quick start: load a shipped service, check it, and print its reform figures.

Run from the repository root after ``pip install .``::

    python examples/quickstart.py [path/to/process.yaml]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import flowkit as fk

HERE = Path(__file__).resolve().parent


def main(path: str | Path = HERE / "shanghai_business_startup" / "current.yaml") -> None:
    problems = fk.validate(path)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        raise SystemExit(1)
    p = fk.load(path)
    a = fk.analyze(p)
    print(f"{p.name}: {len(p.steps)} steps, {len(p.departments)} departments")
    with pd.option_context(
        "display.width", 120, "display.max_columns", 10, "display.unicode.east_asian_width", True
    ):
        print(a.table()[["label_zh", "label_en", "value"]].round(3).to_string())
        db = a.doing_business()
        print(
            f"\nDoing Business: {db.procedures:g} procedures, {db.days:.1f} days, "
            f"cost {db.cost:g} yuan"
        )
        print(db.table()[["name", "department", "channel", "days", "fee"]].to_string())


if __name__ == "__main__":
    main(*sys.argv[1:2])

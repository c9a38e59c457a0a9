"""Small helpers shared by the property tests."""

from __future__ import annotations

import flowkit as fk


def fans_out(p: fk.Process, step_id: str) -> bool:
    """True when the applicant's presence after a step may reach an AND split.

    Walks forward from the step over non-counter steps; reaching an AND split (or the
    step being one) means parallel branches would start with the presence this step
    leaves, and a counter step there made online (or mail, or back office) can *add*
    visits (docs/concepts.md, "Parallel branches inherit the presence after the split").
    """
    if p.step(step_id).flow == "and":
        return True
    todo, seen = list(p.step(step_id).targets), set()
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.add(v)
        s = p.step(v)
        if s.channel == "counter":
            continue
        if s.flow == "and":
            return True
        todo.extend(s.targets)
    return False

"""The process model: :class:`~flowkit.Process` and its parts, durations, calendars.

What lives here: the frozen pydantic models (``process``, ``step``, ``parts``,
``base``, ``types``), durations (``duration_values``) and their grammar
(``duration_grammar``, both gathered in ``durations``), working calendars and
working-time arithmetic, the flow structure and whole-process checks, random
process generators, the seed helper and the renderer registry through which
models reach the report layer.
It may import :mod:`flowkit.errors` and :mod:`flowkit.kpis` only.
"""

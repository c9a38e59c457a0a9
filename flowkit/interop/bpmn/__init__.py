"""BPMN 2.0 interchange: :func:`to_bpmn` writes a process, :func:`read_bpmn` reads one back.

A flowkit BPMN file is ordinary BPMN 2.0 XML that bpmn.io and Camunda Modeler open laid
out (one pool, a lane per department, a task per step, gateways and events, diagram
interchange), with everything BPMN has no place for kept in extension elements of the
flowkit namespace :data:`FK_NS`, so that ``read_bpmn(to_bpmn(p, f)) == p``; BPMN drawn
in other tools reads with the mapping of ``docs/interop.md``. What lives here:
:mod:`.codec` (the encoding both directions share: namespaces, ids, task types, ISO
durations, probabilities, the flowkit extension data), the writer side :mod:`.graph`
(nodes and flows of a process), :mod:`.layout` (diagram geometry) and :mod:`.writer`
(the XML), and the reader side :mod:`.document` (safe parsing and the elements
flowkit reads), :mod:`.gateways` (flows through gateways and events into ``next``),
:mod:`.steps` (ids, lanes as departments, step records) and :mod:`.reader`. These
modules may import :mod:`flowkit.errors`, :mod:`flowkit.kpis`, :mod:`flowkit.model`
and interop's own modules, nothing above.
"""

from .codec import FK_NS
from .reader import read_bpmn
from .writer import to_bpmn

__all__ = ["FK_NS", "read_bpmn", "to_bpmn"]

"""flowkit — re-engineering of public-service processes.

Model an approval process (事项) as steps performed by departments and joined by
handoffs; measure it exactly (:func:`analyze`); and compare it with its
redesign under the levers of the 最多跑一次 / 一网通办 / 一件事一次办 reforms.

Examples
--------
>>> import flowkit as fk
>>> p = fk.loads('''
... name: 示例
... departments: [{id: amr, name: 市场监督管理局, location: 政务服务中心}]
... steps:
...   - {id: apply, department: amr, kind: intake, channel: counter, work: 30min, next: issue}
...   - {id: issue, department: amr, kind: delivery, channel: counter, work: 10min}
... ''')
>>> fk.analyze(p).visits
1.0
"""

from __future__ import annotations

from . import levers, plot
from ._analyze import Analysis, analyze
from ._bpmn import BpmnWarning, read_bpmn, to_bpmn
from ._calendar import Calendar
from ._calibrate import calibrate
from ._catalogue import analyze_catalogue, read_catalogue, summarize_catalogue
from ._catalogue_write import CatalogueWarning, write_catalogue
from ._compare import Comparison, compare
from ._diagnose import diagnose, search
from ._durations import parse_duration
from ._errors import FileFormatError, FlowkitError, LeverError, ModelError, SimulationError
from ._generate import random_process
from ._graph import to_networkx
from ._io import load, loads, parse, save, to_dict, validate
from ._model import (
    Arrivals,
    CaseType,
    Change,
    Department,
    Handoff,
    HistoryEntry,
    Material,
    Process,
    Schedule,
    Step,
)
from ._redesign import bundle, diff, redesign
from ._results import Result
from ._simulate import simulate

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Arrivals",
    "BpmnWarning",
    "Calendar",
    "CaseType",
    "CatalogueWarning",
    "Change",
    "Comparison",
    "Department",
    "FileFormatError",
    "FlowkitError",
    "Handoff",
    "HistoryEntry",
    "LeverError",
    "Material",
    "ModelError",
    "Process",
    "Result",
    "Schedule",
    "SimulationError",
    "Step",
    "__version__",
    "analyze",
    "analyze_catalogue",
    "bundle",
    "calibrate",
    "compare",
    "diagnose",
    "diff",
    "levers",
    "load",
    "loads",
    "parse",
    "parse_duration",
    "plot",
    "random_process",
    "read_bpmn",
    "read_catalogue",
    "redesign",
    "save",
    "search",
    "simulate",
    "summarize_catalogue",
    "to_bpmn",
    "to_dict",
    "to_networkx",
    "validate",
    "write_catalogue",
]

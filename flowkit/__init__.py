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

from ._version import __version__
from .analysis.analyze import Analysis, analyze
from .analysis.catalogue import analyze_catalogue, summarize_catalogue
from .analysis.graph import to_networkx
from .analysis.priorities import bundle_candidates, sharing_priority
from .analysis.servicelist import audit
from .errors import (
    BpmnWarning,
    CalendarError,
    CalendarWarning,
    CatalogueWarning,
    DurationError,
    FileFormatError,
    FlowkitError,
    FlowkitWarning,
    InteropError,
    LeverError,
    ModelError,
    OverloadWarning,
    SimulationError,
    TextTypeError,
)
from .interop.bpmn import read_bpmn, to_bpmn
from .interop.catalogue import read_catalogue, write_catalogue
from .interop.files import load, loads, parse, save, to_dict, validate
from .interop.servicelist import ServiceList, read_service_list
from .kpis import kpis
from .model.calendar import Calendar
from .model.durations import parse_duration
from .model.generate import random_process
from .model.process import (
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
from .redesign import levers
from .redesign.build import bundle, diff, redesign
from .redesign.diagnose import diagnose, search
from .report import plot
from .simulation.calibrate import calibrate
from .simulation.compare import Comparison, compare
from .simulation.results import Result
from .simulation.simulate import simulate

__all__ = [
    "Analysis",
    "Arrivals",
    "BpmnWarning",
    "Calendar",
    "CalendarError",
    "CalendarWarning",
    "CaseType",
    "CatalogueWarning",
    "Change",
    "Comparison",
    "Department",
    "DurationError",
    "FileFormatError",
    "FlowkitError",
    "FlowkitWarning",
    "Handoff",
    "HistoryEntry",
    "InteropError",
    "LeverError",
    "Material",
    "ModelError",
    "OverloadWarning",
    "Process",
    "Result",
    "Schedule",
    "ServiceList",
    "SimulationError",
    "Step",
    "TextTypeError",
    "__version__",
    "analyze",
    "analyze_catalogue",
    "audit",
    "bundle",
    "bundle_candidates",
    "calibrate",
    "compare",
    "diagnose",
    "diff",
    "kpis",
    "levers",
    "load",
    "loads",
    "parse",
    "parse_duration",
    "plot",
    "random_process",
    "read_bpmn",
    "read_catalogue",
    "read_service_list",
    "redesign",
    "save",
    "search",
    "sharing_priority",
    "simulate",
    "summarize_catalogue",
    "to_bpmn",
    "to_dict",
    "to_networkx",
    "validate",
    "write_catalogue",
]

# Public classes say where users find them (reprs, tracebacks, pickles): flowkit.Process.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = __name__
del _name, _obj

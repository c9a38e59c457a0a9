"""Reports of a comparison: one self-contained HTML file, and an Excel workbook.

The renderers :meth:`flowkit.Comparison.to_html` and :meth:`~flowkit.Comparison.to_excel`
call; the page is built in :mod:`flowkit.report.page`, the workbook in
:mod:`flowkit.report.workbook`, both from :mod:`flowkit.report.content`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..model.render import register
from .page import report_html
from .workbook import write_workbook

if TYPE_CHECKING:
    from ..simulation.compare import Comparison

__all__ = ["comparison_excel", "comparison_html"]


@register("comparison_report_html")
def comparison_html(c: Comparison, inputs: list[str] | None = None) -> str:
    """The report as one HTML document (inline CSS and images, no network)."""
    return report_html(c, inputs)


@register("comparison_excel")
def comparison_excel(c: Comparison, path: Path, cases: bool | None = None) -> Path:
    """Write the comparison workbook (openpyxl); see :mod:`flowkit.report.workbook`."""
    return write_workbook(c, path, cases)

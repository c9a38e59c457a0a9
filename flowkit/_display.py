"""HTML for notebook display; every function is guarded and never raises."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._model import Process

__all__ = ["process_html"]


def process_html(p: Process) -> str:
    """A small summary of a process: counts and a step table."""
    try:
        rows = "".join(
            f"<tr><td>{html.escape(s.id)}</td><td>{html.escape(s.label)}</td>"
            f"<td>{html.escape(p.department(s.department).label)}</td>"
            f"<td>{s.kind_zh}</td><td>{s.channel_zh}</td>"
            f"<td>{html.escape(', '.join(s.targets) or '—')}</td></tr>"
            for s in p.steps
        )
        return (
            f"<div><b>{html.escape(p.name)}</b> — {len(p.steps)} 环节, "
            f"{len(p.departments)} 部门, {len(p.materials)} 材料"
            "<table><thead><tr><th>id</th><th>环节</th><th>部门</th><th>类型</th>"
            f"<th>方式</th><th>下一环节</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    except Exception as exc:
        return f"<pre>Process ({exc.__class__.__name__} while displaying)</pre>"

"""What a person looks at: HTML reports, Excel workbooks, notebook display, plots.

What lives here: the report files of a comparison, the ``_repr_html_`` views
(registered in :mod:`flowkit.model.render` when this package is imported) and
:mod:`flowkit.report.plot`. It may import anything below it; nothing imports it
but :mod:`flowkit` itself.
"""

from . import display, files, plot

__all__ = ["display", "files", "plot"]

"""A catalogue of services (事项清单): many processes from one step table, and back.

One row per step, Chinese column headers (English aliases accepted), one
:class:`~flowkit.Process` per 事项名称. :mod:`.tables` reads a sheet or CSV file
into header-mapped rows, :mod:`.cells` converts single cell values (durations,
yuan, 是/否, calendars, lists of materials), :mod:`.tree` turns the rows of one
service into the tree :func:`flowkit.parse` builds, so every rule of the file
format applies, and :mod:`.read` gathers every problem of every service, located
as ``SHEET!行ROW 列「HEADER」``; :mod:`.write` writes processes in the same
template. The template, column by column, is documented in
``examples/catalogue/README.md`` and in :func:`read_catalogue`.
"""

from __future__ import annotations

from .read import read_catalogue
from .tables import CATALOGUE_COLUMNS
from .write import write_catalogue

__all__ = ["CATALOGUE_COLUMNS", "read_catalogue", "write_catalogue"]

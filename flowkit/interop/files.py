"""Reading and writing process files (YAML and JSON), and validation.

The public faces of file input and output: :func:`load` and :func:`loads` read a
file or text (:mod:`flowkit.interop.yamljson`) and build the process with every
problem located (:mod:`flowkit.interop.validate`); :func:`parse`,
:func:`validate`, :func:`save` and :func:`to_dict` come from those two modules.
"""

from __future__ import annotations

import os

import yaml

from ..errors import FileFormatError, ModelError
from ..model.process import Process
from .validate import collect, parse, validate
from .yamljson import read_file, read_json, read_yaml, save, to_dict

__all__ = ["load", "loads", "parse", "save", "to_dict", "validate"]

PathLike = str | os.PathLike[str]


def loads(text: str, *, format: str = "yaml") -> Process:
    """Read a process from YAML or JSON text.

    Examples
    --------
    >>> p = loads('''
    ... name: 示例
    ... departments: [{id: d, name: 部门}]
    ... steps: [{id: a, department: d, channel: counter}]
    ... ''')
    >>> p.steps[0].channel
    'counter'
    """
    dups: list[str]
    root: yaml.Node | None = None
    if format == "json":
        data, dups = read_json(text)
    elif format in ("yaml", "yml"):
        data, dups, root = read_yaml(text)
    else:
        raise FileFormatError([f"format '{format}' is not one of yaml, json"])
    process, problems = collect(data, root)
    if dups or process is None:
        raise ModelError(dups + problems)
    return process


def load(path: PathLike) -> Process:
    """Read a process from a ``.yaml``/``.yml`` or ``.json`` file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Process

    Raises
    ------
    ModelError
        With every problem found, each naming where it is (and the line in YAML).

    Examples
    --------
    >>> import flowkit as fk, pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "p.yaml"
    >>> _ = f.write_text("name: 示例\\ndepartments: [{id: d}]\\nsteps: [{id: a, department: d}]\\n",
    ...                  encoding="utf-8")
    >>> fk.load(f).name
    '示例'
    """
    data, dups, root = read_file(path)
    process, problems = collect(data, root)
    if dups or process is None:
        raise ModelError(dups + problems, source=str(path))
    return process

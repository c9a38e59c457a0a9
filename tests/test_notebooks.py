"""Notebooks run under nbmake with matplotlib's missing-glyph warning as an error.

The kernels nbmake starts inherit the environment ``conftest.py`` sets up, in which
``PYTHONWARNINGS`` turns "Glyph … missing from font(s)" into an error: a notebook whose
chart draws empty boxes (tofu) fails the suite instead of passing under warnings.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


def test_kernels_turn_missing_glyphs_into_errors() -> None:
    assert "error:Glyph:UserWarning" in os.environ["PYTHONWARNINGS"].split(",")


def test_a_notebook_with_a_missing_glyph_fails(tmp_path: Path) -> None:
    """A pandas chart of Chinese labels fails under nbmake; the same chart inside
    fk.plot.use_chinese_font() passes."""
    chart = ("import pandas as pd\n"
             "ax = pd.Series({'跑动次数': 4, '申请材料': 22}).plot.bar(title='改革前后')")
    _notebook(tmp_path / "tofu.ipynb", "%matplotlib inline", chart)
    _notebook(tmp_path / "fixed.ipynb", "%matplotlib inline\nimport flowkit as fk",
              "with fk.plot.use_chinese_font():\n" + "\n".join(
                  "    " + line for line in chart.splitlines()))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", "-p", "no:cacheprovider", "-rA", "-q",
         "tofu.ipynb", "fixed.ipynb"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert "FAILED tofu.ipynb" in out.stdout, out.stdout[-3000:]
    assert "PASSED fixed.ipynb" in out.stdout, out.stdout[-3000:]
    assert "Glyph" in out.stdout

"""The HTML report opens in a real browser (headless Chromium) and its figures draw.

Skipped, with the reason, when no Chromium or Chrome binary is installed (on Debian:
``apt-get install -y chromium``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import numpy as np
import pytest

import flowkit as fk
from flowkit import plot as fkplot

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


pytestmark = pytest.mark.skipif(
    _browser() is None,
    reason=f"no headless browser found (looked for {', '.join(BROWSERS)}); "
    "install one, e.g. apt-get install -y chromium",
)


@pytest.fixture(scope="module")
def comparison() -> fk.Comparison:
    p = fk.load(EXAMPLES / "jiaxing_swimming_pool" / "current.yaml")
    q = fk.redesign(p, fk.levers.share_data(), fk.levers.mail_delivery(), name="改革后")
    return fk.compare({"现状": p, "改革后": q}, n_cases=30, seed=3, replications=2)


def _screenshot(page: Path, tmp: Path, height: int = 2400) -> np.ndarray:
    """Load a local page in headless Chromium and return its screenshot as RGB floats."""
    png = tmp / f"{page.stem}.png"
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        str(_browser()), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars",
        f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size=1200,{height}",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert png.exists(), f"no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    img = np.asarray(matplotlib.image.imread(png))
    return img[..., :3].astype(float)


def test_report_loads_and_is_not_blank(comparison: fk.Comparison, tmp_path: Path) -> None:
    """The report of a real comparison loads from a file and draws something."""
    page = comparison.to_html(tmp_path / "report.html")
    img = _screenshot(page, tmp_path)
    ink = (img < 0.9).any(axis=-1)
    assert ink.mean() > 0.01  # text, tables and figures, not a white page


def test_report_figures_render_in_the_browser(comparison: fk.Comparison,
                                              tmp_path: Path) -> None:
    """The inline SVG figures draw in the browser: the scenario bar colour and the red
    visit badges of the swimlanes appear in the screenshot."""
    page = tmp_path / "figures.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset=utf-8><style>svg{max-width:100%;"
        "height:auto}</style></head><body>" + fkplot.report_figures(comparison)
        + "</body></html>", encoding="utf-8")
    img = _screenshot(page, tmp_path, height=4000)

    def share(hex_color: str) -> float:
        rgb = np.array(matplotlib.colors.to_rgb(hex_color))
        return float((np.abs(img - rgb).max(axis=-1) < 0.06).mean())

    assert share("#2e86c1") > 1e-4  # the second scenario's bars
    assert share("#c0392b") > 1e-4  # visit badges, counter borders, journey markers

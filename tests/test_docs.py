"""The documentation's examples are executed, so every figure they state is checked.

* Each ``>>>`` example in ``docs/*.md`` runs as a doctest (the worked examples of
  ``docs/concepts.md`` compare flowkit's figures with the hand computations).
* Each complete process written as a ```` ```yaml ```` block (one that starts with
  ``name:``, possibly after ``version:`` or comments) loads and round-trips through
  ``fk.save`` in YAML and JSON.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import flowkit as fk

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

_YAML_BLOCK = re.compile(r"^```yaml[^\n]*\n(.*?)^```", re.M | re.S)


def _processes() -> list[tuple[str, str]]:
    """Complete processes in ```yaml blocks: (page:line, text)."""
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in _YAML_BLOCK.finditer(text):
            block = m.group(1)
            keys = [ln for ln in block.splitlines() if ln and not ln.startswith(("#", " "))]
            if any(k.startswith("name:") for k in keys) and any(
                k.startswith("steps:") for k in keys
            ):
                line = text.count("\n", 0, m.start()) + 1
                out.append((f"{page.name}:{line}", block))
    return out


def test_docs_found() -> None:
    """The pages this module checks exist (a moved docs folder must not pass silently)."""
    names = {p.name for p in PAGES}
    assert {"concepts.md", "format.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_doctests(page: Path) -> None:
    """Every example of the page gives the output written under it."""
    result = doctest.testfile(
        str(page), module_relative=False, optionflags=FLAGS, encoding="utf-8", verbose=False
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {page}"


def test_concepts_has_examples() -> None:
    """The concepts page is mostly worked examples: guard against them being dropped."""
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    assert text.count(">>> ") >= 60


_PROCESSES = _processes()


@pytest.mark.parametrize(("where", "text"), _PROCESSES, ids=[w for w, _ in _PROCESSES])
def test_yaml_examples_load_and_round_trip(where: str, text: str, tmp_path: Path) -> None:
    """A complete process shown as YAML is valid and survives save/load in both formats."""
    p = fk.loads(text)
    assert fk.load(fk.save(p, tmp_path / "p.yaml")) == p, where
    assert fk.load(fk.save(p, tmp_path / "p.json")) == p, where


def test_annotated_example_is_found() -> None:
    """The complete annotated example of the format page is among the checked processes."""
    assert any(w.startswith("format.md") for w, _ in _PROCESSES)


def test_no_reference_to_files_that_do_not_ship() -> None:
    """The pages cite no DESIGN.md (or other file outside the package and docs)."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert "DESIGN" not in text, page.name


def test_home_page_installs_starts_shows_and_links_every_page() -> None:
    """docs/index.md: an install line, a quick start, a picture that exists, a link to
    every page of the navigation."""
    import yaml

    text = (DOCS / "index.md").read_text(encoding="utf-8")
    assert "pip install" in text
    assert ">>> import flowkit as fk" in text
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert pictures
    assert all((DOCS / pic).exists() for pic in pictures)
    nav = yaml.safe_load((DOCS.parent / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    pages = {next(iter(item.values())) for item in nav} - {"index.md"}
    linked = set(re.findall(r"\]\(([a-z_]+\.md)\)", text))
    assert pages <= linked, pages - linked


def test_mkdocs_checks_links_and_shows_signatures() -> None:
    """Broken links and anchors are warnings (errors under --strict); the API page shows
    each object's heading and signature, pydantic fields with their defaults."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *a: None)
    conf = yaml.load((DOCS.parent / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    checks = ("omitted_files", "absolute_links", "unrecognized_links", "anchors", "not_found")
    assert conf["validation"] == dict.fromkeys(checks, "warn")
    (plugin,) = [p for p in conf["plugins"] if isinstance(p, dict) and "mkdocstrings" in p]
    options = plugin["mkdocstrings"]["handlers"]["python"]["options"]
    assert options["show_root_heading"] is True
    assert options["show_signature_annotations"] is True
    assert any("griffe_pydantic" in e for e in options["extensions"])

"""Doctest set-up for :mod:`flowkit.model`.

The examples in the docstrings of the duration models
(:mod:`flowkit.model.duration_values`) are written in the duration grammar, which
that module does not import (the grammar imports the values). Those docstrings are
also the model descriptions in the pinned JSON schema, so they keep their text,
and this fixture gives their doctests :func:`~flowkit.parse_duration`.
"""

from __future__ import annotations

import pytest

from flowkit.model.duration_grammar import parse_duration


@pytest.fixture(autouse=True)
def _duration_grammar(doctest_namespace: dict[str, object]) -> None:
    """Make ``parse_duration`` a name in every doctest of the package."""
    doctest_namespace["parse_duration"] = parse_duration

"""The renderer registry: how the models and results reach the report layer.

Notebook display (``_repr_html_``) and report files are made in
:mod:`flowkit.report`, the top layer. Lower layers never import it, not even
lazily: they look a renderer up here by name, and :mod:`flowkit.report` fills
the registry in when it is imported (which ``import flowkit`` does). This is the
way pandas registers its plotting backends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import FlowkitError

__all__ = ["register", "render", "repr_html"]

_log = logging.getLogger("flowkit")
_RENDERERS: dict[str, Callable[..., Any]] = {}

F = TypeVar("F", bound=Callable[..., Any])


def register(name: str) -> Callable[[F], F]:
    """Register the decorated function as the renderer ``name``.

    Examples
    --------
    >>> @register("doc_example")
    ... def _shout(obj):
    ...     return str(obj).upper()
    >>> render("doc_example", "ok")
    'OK'
    """

    def deco(fn: F) -> F:
        _RENDERERS[name] = fn
        return fn

    return deco


def render(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the renderer ``name``; a :class:`~flowkit.FlowkitError` when none is registered.

    Examples
    --------
    >>> render("no_such_renderer")
    Traceback (most recent call last):
    ...
    flowkit.FlowkitError: no renderer 'no_such_renderer' is registered: import flowkit ...
    """
    fn = _RENDERERS.get(name)
    if fn is None:
        raise FlowkitError(
            f"no renderer {name!r} is registered: import flowkit (it loads the report layer)"
        )
    return fn(*args, **kwargs)


def repr_html(name: str, obj: object) -> str:
    """Notebook HTML of ``obj`` by the renderer ``name``; never raises.

    A display error must never break a notebook: what it swallowed is logged on
    the ``flowkit`` logger and a one-line ``<pre>`` is shown instead.
    """
    try:
        return str(render(name, obj))
    except Exception as exc:  # display hook guard: logged, never silent
        _log.warning("display of %s failed", type(obj).__name__, exc_info=exc)
        return f"<pre>{type(obj).__name__} ({exc.__class__.__name__} while displaying)</pre>"

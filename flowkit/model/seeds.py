"""Seeds in one place: what every random entry point accepts, and the defaults they share.

Every stochastic function of flowkit (:func:`~flowkit.simulate`,
:func:`~flowkit.compare`, :func:`~flowkit.search`, :func:`~flowkit.calibrate`,
:func:`~flowkit.random_process`) takes ``seed`` and passes it through
:func:`resolve_seed` first, the way networkx's ``py_random_state`` decorates its
generators: an ``int`` ≥ 0, a :class:`numpy.random.Generator` (one draw is taken
from it, so it advances), a :class:`numpy.random.SeedSequence`, or ``None``
(fresh entropy from the operating system). The result is always an ``int``, the
one that reproduces the run, recorded on the result (``Result.seed``). There is no
global random state.
"""

from __future__ import annotations

import numbers
from typing import TypeAlias

import numpy as np

from ..errors import FlowkitError

__all__ = [
    "DEFAULT_N_CASES",
    "DEFAULT_REPLICATIONS",
    "DEFAULT_SEED",
    "SeedLike",
    "resolve_seed",
]

#: what ``seed`` accepts everywhere
SeedLike: TypeAlias = int | np.random.Generator | np.random.SeedSequence | None

#: the defaults every entry point shares
DEFAULT_SEED: SeedLike = None
DEFAULT_N_CASES = 1000
DEFAULT_REPLICATIONS = 5

_MAX = 2**63


def resolve_seed(seed: SeedLike, *, name: str = "seed") -> int:
    """The ``int`` that reproduces a run, from any accepted seed.

    Parameters
    ----------
    seed : int, numpy.random.Generator, numpy.random.SeedSequence or None
        An ``int`` ≥ 0 is returned as it is; a ``Generator`` gives one draw (and so
        advances); a ``SeedSequence`` gives its first 63-bit state word; ``None``
        draws fresh entropy.
    name : str
        The argument's name, used in the message.

    Raises
    ------
    FlowkitError
        For a boolean, a negative or non-integral number, text, or anything else.

    Examples
    --------
    >>> import numpy as np
    >>> resolve_seed(7)
    7
    >>> resolve_seed(np.random.SeedSequence(7)) == resolve_seed(np.random.SeedSequence(7))
    True
    >>> a = resolve_seed(np.random.default_rng(1)); b = resolve_seed(np.random.default_rng(1))
    >>> a == b
    True
    >>> resolve_seed(True)
    Traceback (most recent call last):
    ...
    flowkit.FlowkitError: seed=True: give an int >= 0, a numpy Generator or ...
    """
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0]) % _MAX
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(_MAX))
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1, np.uint64)[0]) % _MAX
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool | np.bool_):
        if int(seed) < 0:
            raise FlowkitError(f"{name}={seed!r} is negative: give an int >= 0")
        return int(seed)
    raise FlowkitError(
        f"{name}={seed!r}: give an int >= 0, a numpy Generator or SeedSequence, or None"
    )

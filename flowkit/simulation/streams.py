"""Random streams for simulation: independent, keyed, and indexed by case.

Every replication has a root ``numpy.random.SeedSequence`` (``SeedSequence(seed)
.spawn(replications)``). Each purpose (arrivals, a step's work, a choice) gets a
child keyed by a stable hash of its name, so two scenarios that share a step id
draw the same numbers for it: common random numbers. Draws that belong to a case
(its first work at a step, its first choice at a step) are indexed by the case
number, in blocks of 1,024 cases with their own seeds, so a case gets the same
draw whatever order the queues serve it in, and memory stays bounded.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

__all__ = ["CaseStream", "SeqStream", "key_hash", "root_sequences"]

Sampler = Callable[[np.random.Generator, int], np.ndarray]

_BLOCK = 1024
_SHIFT = 10
_KEEP = 48  # blocks kept per stream


def key_hash(*key: object) -> int:
    """A stable 32-bit hash of a key (``hash()`` of a str is salted per process)."""
    return zlib.crc32("\x1f".join(str(k) for k in key).encode("utf-8"))


def root_sequences(seed: int | None, replications: int) -> list[np.random.SeedSequence]:
    """One independent root sequence per replication."""
    return np.random.SeedSequence(seed).spawn(replications)


def _child(root: np.random.SeedSequence, *key: int) -> np.random.Generator:
    ss = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *key))
    return np.random.Generator(np.random.PCG64(ss))


class CaseStream:
    """Draws indexed by case number: ``draw(i)`` is the same for case ``i`` in every run.

    Examples
    --------
    >>> root = root_sequences(1, 1)[0]
    >>> s = CaseStream(root, key_hash("work", "intake"), lambda g, n: g.random(n))
    >>> a = s.draw(5000); b = s.draw(3); s.draw(5000) == a
    True
    """

    __slots__ = ("_blk", "_blocks", "_h", "_k", "_root", "_sampler")

    def __init__(self, root: np.random.SeedSequence, h: int, sampler: Sampler) -> None:
        self._root = root
        self._h = h
        self._sampler = sampler
        self._blocks: dict[int, list[float]] = {}
        self._k = -1
        self._blk: list[float] = []

    def draw(self, i: int) -> float:
        k = i >> _SHIFT
        if k != self._k:
            blk = self._blocks.get(k)
            if blk is None:
                blk = self._sampler(_child(self._root, self._h, k), _BLOCK).tolist()
                if len(self._blocks) >= _KEEP:
                    del self._blocks[min(self._blocks)]
                self._blocks[k] = blk
            self._k, self._blk = k, blk
        return self._blk[i & (_BLOCK - 1)]


class SeqStream:
    """Draws in sequence, generated in batches (for arrivals and repeated executions)."""

    __slots__ = ("_buf", "_gen", "_sampler")

    def __init__(self, root: np.random.SeedSequence, h: int, sampler: Sampler) -> None:
        self._gen = _child(root, h, 0xFFFFFFFF)
        self._sampler = sampler
        self._buf: list[float] = []

    def draw(self) -> float:
        if not self._buf:
            self._buf = self._sampler(self._gen, _BLOCK).tolist()
            self._buf.reverse()
        return self._buf.pop()

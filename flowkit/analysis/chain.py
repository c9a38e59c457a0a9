"""Absorbing Markov chains: expected visits and accumulated rewards, solved exactly.

Small chains use dense LU (numpy); large ones a sparse LU (scipy). Loops are
solved as linear systems, never unrolled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ModelError

__all__ = ["Chain", "hit_solve", "longest"]

_DENSE_MAX = 300


class Chain:
    """Transient part of an absorbing chain: ``Q[i, j]`` = P(i -> j) among transient states.

    Parameters
    ----------
    n : int
        Number of transient states.
    edges : sequence of (i, j, p)
        Transitions among transient states; probability mass not listed is absorbed.
    names : sequence of str, optional
        The step of each state, named when the chain has no solution.

    Raises
    ------
    ModelError
        (on solving) when some states are never left: a loop without an exit, named.

    Examples
    --------
    >>> c = Chain(2, [(0, 1, 1.0), (1, 0, 0.25)])   # 25 % of cases go back once more
    >>> c.visits(0).round(4).tolist()                 # expected executions from state 0
    [1.3333, 1.3333]
    >>> float(c.accumulate([1.0, 2.0])[0].round(4))   # expected reward collected from 0
    4.0
    """

    def __init__(self, n: int, edges: Sequence[tuple[int, int, float]],
                 names: Sequence[str] | None = None) -> None:
        self.n = n
        self._edges = list(edges)
        self._names = list(names) if names is not None else [f"state {i}" for i in range(n)]
        self._lu: object | None = None
        self._dense: np.ndarray | None = None

    def _matrix(self) -> object:
        n = self.n
        if n <= _DENSE_MAX:
            a = np.eye(n)
            for i, j, p in self._edges:
                a[i, j] -= p
            return a
        from scipy.sparse import coo_matrix, identity

        if self._edges:
            rows, cols, vals = zip(*self._edges, strict=True)
        else:
            rows, cols, vals = (), (), ()
        q = coo_matrix((vals, (rows, cols)), shape=(n, n))
        return (identity(n, format="csc") - q.tocsc()).tocsc()

    def _solve(self, b: np.ndarray, transpose: bool = False) -> np.ndarray:
        try:
            return self._solve_raw(b, transpose)
        except (np.linalg.LinAlgError, RuntimeError) as exc:  # scipy: "exactly singular"
            raise ModelError([self._trapped_message()]) from exc

    def _trapped_message(self) -> str:
        """The states no case leaves (they make ``I - Q`` singular), as one sentence."""
        out_mass = np.zeros(self.n)
        into: list[list[int]] = [[] for _ in range(self.n)]
        for i, j, p in self._edges:
            out_mass[i] += p
            into[j].append(i)
        leaving = [i for i in range(self.n) if out_mass[i] < 1 - 1e-12]
        seen = set(leaving)
        while leaving:  # states that can reach one that lets mass out
            for i in into[leaving.pop()]:
                if i not in seen:
                    seen.add(i)
                    leaving.append(i)
        trapped = [self._names[i] for i in range(self.n) if i not in seen]
        listed = ", ".join(f"'{v}'" for v in trapped[:10]) or "(none found)"
        return (f"the steps {listed} form a loop that no case leaves (expected executions "
                "cannot be solved): give the loop a way out with a probability above 0")

    def _solve_raw(self, b: np.ndarray, transpose: bool) -> np.ndarray:
        if self.n == 0:
            return np.zeros_like(b)
        if self.n <= _DENSE_MAX:
            if self._dense is None:
                self._dense = np.asarray(self._matrix())
            a = self._dense.T if transpose else self._dense
            return np.linalg.solve(a, b)
        if self._lu is None:
            from scipy.sparse.linalg import splu

            self._lu = splu(self._matrix())
        return self._lu.solve(b, trans="T" if transpose else "N")  # type: ignore[union-attr]

    def visits(self, entry: int | np.ndarray) -> np.ndarray:
        """Expected number of times each state is entered, starting at ``entry``."""
        e = np.zeros(self.n)
        if isinstance(entry, np.ndarray):
            e[:] = entry
        else:
            e[entry] = 1.0
        return self._solve(e, transpose=True)

    def accumulate(self, reward: Sequence[float] | np.ndarray) -> np.ndarray:
        """Expected total reward collected from each state until absorption."""
        r = np.asarray(reward, dtype=float)
        return self._solve(r)


def hit_solve(
    n: int, rows: np.ndarray, cols: np.ndarray, probs: np.ndarray, a: np.ndarray
) -> np.ndarray:
    """Probability of collecting a hit from each state, for many hit sets in one solve.

    Column ``d`` of ``a`` (``n`` x ``D``) is the probability that a visit to each state
    counts as a hit of set ``d``; a hit ends the walk, so the chain of set ``d`` keeps
    the transitions ``(rows, cols, probs)`` scaled by ``1 - a[:, d]`` of their source.
    Column ``d`` of the result solves ``(I - diag(1 - a[:, d]) Q) h = a[:, d]``. The
    ``D`` systems are solved at once: stacked dense LU for small chains, one sparse LU
    of their block-diagonal matrix for large ones.

    Examples
    --------
    >>> rows, cols, probs = np.array([0, 1]), np.array([1, 0]), np.array([1.0, 0.5])
    >>> a = np.array([[0.0, 1.0], [1.0, 0.0]])   # set 0 = {state 1}, set 1 = {state 0}
    >>> hit_solve(2, rows, cols, probs, a).tolist()
    [[1.0, 1.0], [1.0, 0.5]]
    """
    d = a.shape[1]
    if n == 0 or d == 0:
        return np.zeros((n, d))
    try:
        return _hit_solve(n, rows, cols, probs, a)
    except (np.linalg.LinAlgError, RuntimeError) as exc:  # scipy: "exactly singular"
        raise ModelError(["the steps form a loop that no case leaves (hit probabilities "
                          "cannot be solved): give the loop a way out with a probability "
                          "above 0"]) from exc


def _hit_solve(
    n: int, rows: np.ndarray, cols: np.ndarray, probs: np.ndarray, a: np.ndarray
) -> np.ndarray:
    d = a.shape[1]
    keep = 1.0 - a
    if n <= _DENSE_MAX:
        q = np.zeros((n, n))
        np.add.at(q, (rows, cols), probs)
        out = np.empty((n, d))
        chunk = max(1, 2_000_000 // (n * n))  # bounded memory for the stacked matrices
        for lo in range(0, d, chunk):
            k = keep[:, lo:lo + chunk].T  # (c, n)
            m = np.eye(n)[None, :, :] - k[:, :, None] * q[None, :, :]
            out[:, lo:lo + chunk] = np.linalg.solve(m, a[:, lo:lo + chunk].T[:, :, None])[
                :, :, 0].T
        return out
    from scipy.sparse import coo_matrix, identity
    from scipy.sparse.linalg import splu

    shift = (np.arange(d) * n)[:, None]
    big_rows = (rows[None, :] + shift).ravel()
    big_cols = (cols[None, :] + shift).ravel()
    vals = (probs[None, :] * keep[rows, :].T).ravel()
    q = coo_matrix((vals, (big_rows, big_cols)), shape=(n * d, n * d))
    mat = (identity(n * d, format="csc") - q.tocsc()).tocsc()
    h = splu(mat).solve(a.T.ravel())
    return np.asarray(h).reshape(d, n).T


def longest(
    n: int,
    edges: Sequence[tuple[int, int, float]],
    exit_reward: Sequence[float],
) -> np.ndarray:
    """Largest reward collectable from each state on any path (``inf`` if unbounded).

    ``edges`` are ``(i, j, reward)`` transitions of positive probability;
    ``exit_reward[i]`` is the largest reward of leaving the chain from ``i``
    (``-inf`` if ``i`` cannot leave). A cycle that collects a positive reward
    makes every state that can reach it unbounded.

    Examples
    --------
    >>> longest(3, [(0, 1, 1.0), (1, 2, 0.0), (2, 1, 0.0)], [-np.inf, 0.0, 0.0]).tolist()
    [1.0, 0.0, 0.0]
    >>> longest(2, [(0, 1, 0.0), (1, 0, 1.0)], [-np.inf, 0.0]).tolist()
    [inf, inf]
    """
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    best_edge: dict[tuple[int, int], float] = {}
    for i, j, r in edges:
        if r > best_edge.get((i, j), -np.inf):
            best_edge[(i, j)] = r
    g.add_edges_from(best_edge)
    cond = nx.condensation(g)
    members = cond.graph["mapping"]  # node -> scc id
    scc_inf = np.zeros(len(cond.nodes), dtype=bool)
    for (i, j), r in best_edge.items():
        if members[i] == members[j] and r > 0:
            scc_inf[members[i]] = True
    value = np.full(len(cond.nodes), -np.inf)
    out_edges: dict[int, list[tuple[int, float]]] = {}
    for (i, j), r in best_edge.items():
        a, b = members[i], members[j]
        if a != b:
            out_edges.setdefault(a, []).append((b, r))
    exit_by_scc = np.full(len(cond.nodes), -np.inf)
    for i in range(n):
        exit_by_scc[members[i]] = max(exit_by_scc[members[i]], exit_reward[i])
    for c in reversed(list(nx.topological_sort(cond))):
        if scc_inf[c]:
            value[c] = np.inf
            continue
        best = exit_by_scc[c]
        for b, r in out_edges.get(c, []):
            best = max(best, r + value[b])
        value[c] = best
    # inside one SCC (zero-reward cycles) every member shares the SCC's value only when
    # rewards inside are zero, which holds unless scc_inf
    return np.array([value[members[i]] for i in range(n)])

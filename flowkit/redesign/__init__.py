"""Redesign: the reform levers, redesign/bundle/diff, and diagnose/search.

What lives here: each lever of the 最多跑一次 / 一网通办 / 一件事一次办 reforms as a
small object, the editor that records what a lever changed, and the search for
which levers apply where. It may import :mod:`flowkit.errors`,
:mod:`flowkit.kpis`, :mod:`flowkit.model`, :mod:`flowkit.interop`,
:mod:`flowkit.analysis` and :mod:`flowkit.simulation`.
"""

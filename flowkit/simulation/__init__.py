"""Simulation: compile a process, run it on SimPy, summarise, compare and calibrate.

What lives here: the compiled form the engine runs, the engine, random streams,
:class:`~flowkit.Result` and its statistics, :func:`~flowkit.simulate`,
:func:`~flowkit.compare` and :func:`~flowkit.calibrate`. The engine never plots
and never reads files. It may import every layer above it in DESIGN §3's list:
:mod:`flowkit.errors`, :mod:`flowkit.kpis`, :mod:`flowkit.model`,
:mod:`flowkit.interop` and :mod:`flowkit.analysis`.
"""

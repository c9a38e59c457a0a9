"""Static figures: exact expected values of a process, without sampling.

What lives here: :func:`~flowkit.analyze` and its flow calculus (absorbing
Markov chains scope by scope), the Doing Business rules, the networkx view and
the analysis of a whole catalogue. It may import :mod:`flowkit.errors`,
:mod:`flowkit.kpis`, :mod:`flowkit.model` and :mod:`flowkit.interop`.
"""

"""Files in and out: YAML/JSON, BPMN 2.0, catalogue spreadsheets, service lists, event logs.

What lives here: readers that turn files of flowkit and of other tools into
models, and writers that turn models into files. Every reader treats its input as
hostile data until parsed. It may import :mod:`flowkit.errors`,
:mod:`flowkit.kpis` and :mod:`flowkit.model`.
"""

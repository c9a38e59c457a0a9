"""Redesign levers of the 最多跑一次 / 一网通办 / 一件事一次办 reforms (``fk.levers``).

Each lever is a small immutable object; :func:`flowkit.redesign` applies levers
in order, each to the result of the one before, and records in the new process's
``history`` exactly what each changed, by id. A lever that does not apply raises
:class:`flowkit.LeverError` saying why; a lever built without a required parameter
fails when it is built. The exact semantics, with a before/after example each, are
in ``docs/levers.md``.

The levers live by family: :mod:`.channels` (一窗受理, 进驻大厅, 网上办, 数据共享,
邮寄送达), :mod:`.rework` (容缺受理, 告知承诺制), :mod:`.structure` (并联审批,
取消/合并环节, 扁平化), :mod:`.capacity` (一网通办, 增员) and :mod:`.timing`
(承诺时限, 压缩时限, 统一出件), on the
:class:`Lever` base of :mod:`.base`. This namespace shows the levers only.

Examples
--------
>>> import flowkit as fk
>>> p = fk.load("tests/data/design_example.yaml")
>>> q = fk.redesign(p, fk.levers.share_data(), fk.levers.electronic_handoff())
>>> [h.lever for h in q.history]
['share_data', 'electronic_handoff']
>>> fk.analyze(q).materials < fk.analyze(p).materials
True
>>> "base" in dir(fk.levers), "remove_step" in dir(fk.levers)
(False, True)
"""

from __future__ import annotations

from .base import Lever
from .capacity import add_staff, electronic_handoff
from .channels import co_locate, go_online, mail_delivery, share_data, single_window
from .rework import accept_incomplete, commitment
from .structure import flatten, merge_steps, parallelize, remove_step
from .timing import deliver_once, set_time_limit, set_wait

__all__ = [
    "Lever",
    "accept_incomplete",
    "add_staff",
    "co_locate",
    "commitment",
    "deliver_once",
    "electronic_handoff",
    "flatten",
    "go_online",
    "mail_delivery",
    "merge_steps",
    "parallelize",
    "remove_step",
    "set_time_limit",
    "set_wait",
    "share_data",
    "single_window",
]


def __dir__() -> list[str]:
    """The levers (and :class:`Lever`) only: no submodules, no helpers."""
    return list(__all__)

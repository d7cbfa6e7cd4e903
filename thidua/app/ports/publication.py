"""Ports of the publication of a round's consolidated list: its period and the objections to it
(the store's records and the views the use cases return)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel

from thidua.domain.publication import Objection, ObjectionStatus
from thidua.domain.roles import Actor


class PublicationRecord(BaseModel):
    """A round's publication: its length (working days) and, once closed, its period (UTC)."""

    days: int
    published_from: datetime | None
    published_until: datetime | None


class ObjectionRecord(BaseModel):
    """An objection as stored: everything, the objector included (views hide what they must)."""

    id: int
    round_key: str
    nomination: str
    nominee_name: str
    unit: str
    title: str | None
    content: str
    objector: str
    """Who objected: the account's user name, or the person the Office recorded it for."""
    on_paper: bool
    anonymous: bool
    filed_by: str
    filed_by_role: str
    filed_at: datetime
    status: ObjectionStatus
    resolution_reason: str | None
    resolved_by: str | None
    resolved_at: datetime | None

    def as_objection(self) -> Objection:
        return Objection(
            id=self.id, nomination=self.nomination, title=self.title, status=self.status
        )


class NewObjection(BaseModel):
    round_key: str
    nomination: str
    title: str | None
    content: str
    objector: str
    on_paper: bool
    anonymous: bool
    filed_by: Actor


class ObjectionView(BaseModel):
    """An objection as shown to one reader (``objector``/``filed_by`` None: hidden from them)."""

    id: int
    round_key: str
    nomination: str
    nominee_name: str
    unit: str
    title: str | None
    content: str
    status: str
    status_label: str
    anonymous: bool
    objector: str | None
    filed_by: str | None
    on_paper: bool
    filed_at: datetime
    late: bool
    """Filed after the publication period had ended (still before the council's vote)."""
    resolution_reason: str | None
    resolved_by: str | None
    resolved_at: datetime | None


class PublishedItem(BaseModel):
    """One item of the published list: the nominee, the title, and whether it is held or
    withdrawn by an objection."""

    nomination: str
    nominee_name: str
    unit: str
    kind: str
    code: str
    status: str
    """``listed``, ``held`` (an unresolved objection) or ``withdrawn`` (an upheld one)."""


class PublicationView(BaseModel):
    """The ``publication`` block of a round: its period and the objections the reader may see."""

    days: int
    published_from: datetime | None
    published_until: datetime | None
    in_progress: bool
    objections: list[ObjectionView]
    items: list[PublishedItem]


class PublicationStore(Protocol):
    """What the publication use cases read and write in one transaction; every change audited
    in it (``round.publication_set``, ``round.published``, ``objection.filed``,
    ``objection.resolved``)."""

    def set_days(self, round_key: str, days: int, actor: Actor) -> None:
        """The round's publication length, chosen when it is opened."""
        ...

    def lock_round(self, round_key: str) -> None:
        """Hold the round's lock until the transaction ends (a write lock on the round's row;
        nothing changes): filing an objection and recording the council's vote take it first,
        so one of them always sees what the other committed. No-op for an unknown round."""
        ...

    def get(self, round_key: str) -> PublicationRecord | None: ...

    def set_period(self, round_key: str, published_from: datetime, until: datetime) -> bool:
        """The period of a closing's publication (idempotent: False when already so)."""
        ...

    def add_objection(self, new: NewObjection) -> ObjectionRecord: ...

    def objections(self, round_key: str) -> list[ObjectionRecord]:
        """The round's objections, oldest first."""
        ...

    def objection(self, round_key: str, objection_id: int) -> ObjectionRecord | None: ...

    def resolve_objection(
        self,
        round_key: str,
        objection_id: int,
        status: ObjectionStatus,
        reason: str,
        actor: Actor,
    ) -> ObjectionRecord:
        """Record the Office's resolution; an upheld objection also marks the items it names
        ``withdrawn`` on the round's list."""
        ...

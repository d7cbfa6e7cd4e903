"""Issuing a round's official documents: number, build, render and record each one once.

A document's number is taken from the agency's register when it is issued, in the book of its
kind for the calendar year of the date it bears (``thidua.domain.documents.register``); a
document the round does not have takes none, nor does an annex (the vote-counting record, which
carries the minutes' number). Generation is idempotent: a document already
issued keeps its number and files; only missing files are written again (with the current data
and ``issued_on``). The Director's decision runs this in its transaction
(``thidua.app.consolidation``), so a crash leaves no half-issued set and takes back its numbers.

A revocation decision (``issue_revocation_document``) is issued later, in the transaction that
records the revocation, with its own number from the decisions' book; one per revoked award.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rules.registry import LoadedRuleset, RulesRegistry
from thidua.app.agency import profile_in_force
from thidua.app.ports.documents import DocumentRenderer
from thidua.app.ports.uow import Tx
from thidua.domain.documents import build_document, document_date
from thidua.domain.documents.register import (
    RegisterNumber,
    book_of,
    draft_number,
    register_number,
)
from thidua.domain.documents.snapshot import IssuedDocument, RoundSnapshot
from thidua.domain.documents.wording import ANNEX_OF, DOCUMENT_KINDS, revocation_kind
from thidua.domain.refusals import Refusal, RefusalCode

__all__ = ["issue_revocation_document", "issue_round_documents", "revocation_issuer"]


def issue_round_documents(
    tx: Tx,
    round_key: str,
    *,
    registry: RulesRegistry,
    renderer: DocumentRenderer,
    issued_on: date,
    with_pdf: bool = True,
) -> list[IssuedDocument]:
    """Issue (or keep) the round's documents; returns them in ``DOCUMENT_KINDS`` order.

    The decision (submission) is left out when no Director-level award (province-level proposal)
    is approved; the minutes when the council has not met. ``with_pdf=False`` skips the PDF (it
    is also skipped when the renderer cannot write one; ``files["pdf"]`` is then None). Refuses
    an unknown round (``not_found``); raises ``rules.registry.UnknownRuleset`` when the round's
    ruleset is not registered and ``LookupError`` when nobody can sign for the head. Each
    document takes the agency profile in force on its date; none in force refuses
    (``not_found``) naming the date.
    """
    store = tx.documents
    snapshot = store.round_snapshot(round_key)
    if snapshot is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy đợt xét «{round_key}».")
    ruleset = registry.get(snapshot.ruleset_id, snapshot.ruleset_version)
    existing = store.issued(round_key)
    numbers = {kind: d.number for kind, d in existing.items()}
    out: list[IssuedDocument] = []
    for kind in DOCUMENT_KINDS:
        issued = existing.get(kind)
        if issued is not None:
            out.append(
                _complete(tx, renderer, issued, snapshot, ruleset, issued_on, numbers, with_pdf)
            )
            continue
        if kind in ANNEX_OF:
            new = _issue_annex(tx, renderer, snapshot, ruleset, kind, issued_on, numbers, with_pdf)
        else:
            new = _issue(tx, renderer, snapshot, ruleset, kind, issued_on, numbers, {}, with_pdf)
        if new is not None:
            out.append(new)
            numbers[kind] = new.number
    return out


def issue_revocation_document(
    tx: Tx,
    round_key: str,
    award_item_id: int,
    *,
    registry: RulesRegistry,
    renderer: DocumentRenderer,
    issued_on: date,
    with_pdf: bool = True,
) -> IssuedDocument | None:
    """Issue (or keep) the decision revoking the round's award item ``award_item_id``.

    Numbered from the decisions' book of the year of ``issued_on``; it cites the decision that
    granted the award (its number and date, as issued in the round). Issuing it again returns
    the one already issued (one revocation decision per award). None when the award is not a
    revoked Director's award of a decision issued in this round (e.g. a province's award: the
    province's chairman decided it, so the Department does not revoke it by its own decision).
    """
    store = tx.documents
    snapshot = store.round_snapshot(round_key)
    if snapshot is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"Không tìm thấy đợt xét «{round_key}».")
    kind = revocation_kind(award_item_id)
    existing = store.issued(round_key)
    if kind in existing:
        return existing[kind]
    ruleset = registry.get(snapshot.ruleset_id, snapshot.ruleset_version)
    numbers = {k: d.number for k, d in existing.items()}
    dates = {k: d.issued_on for k, d in existing.items() if d.issued_on is not None}
    return _issue(tx, renderer, snapshot, ruleset, kind, issued_on, numbers, dates, with_pdf)


def revocation_issuer(
    registry: RulesRegistry, renderer: DocumentRenderer
) -> Callable[[Tx, str, int, date], IssuedDocument | None]:
    """How a revocation issues its decision (``thidua.app.rounds.IssueRevocation``)."""

    def issue(tx: Tx, round_key: str, award_item_id: int, on: date) -> IssuedDocument | None:
        return issue_revocation_document(
            tx, round_key, award_item_id, registry=registry, renderer=renderer, issued_on=on
        )

    return issue


def _issue(
    tx: Tx,
    renderer: DocumentRenderer,
    snapshot: RoundSnapshot,
    ruleset: LoadedRuleset,
    kind: str,
    issued_on: date,
    numbers: dict[str, str],
    dates: dict[str, date],
    with_pdf: bool,
) -> IssuedDocument | None:
    """Number, build, render and record the document ``kind`` (None: the round has none, and
    no number is taken)."""
    store = tx.documents
    round_key = snapshot.key
    on = document_date(snapshot, kind, issued_on)
    profile = profile_in_force(tx, on).profile
    draft = draft_number(kind, profile.symbol)
    if build_document(snapshot, ruleset, kind, draft, issued_on, numbers, profile, dates) is None:
        return None
    book = book_of(kind)
    seq = store.take_number(round_key, book, on.year)
    number = RegisterNumber(book, on, seq, register_number(seq, kind, profile.symbol))
    doc = build_document(snapshot, ruleset, kind, number.number, issued_on, numbers, profile, dates)
    assert doc is not None  # the same inputs as the draft's
    files = renderer.write(doc, round_key, kind, {}, with_pdf=with_pdf)
    docx = files.get("docx")
    if docx is None:
        raise RuntimeError(f"{kind}: the Word file was not rendered")
    return store.add(round_key, kind, number, files, renderer.sha256(docx))


def _issue_annex(
    tx: Tx,
    renderer: DocumentRenderer,
    snapshot: RoundSnapshot,
    ruleset: LoadedRuleset,
    kind: str,
    issued_on: date,
    numbers: dict[str, str],
    with_pdf: bool,
) -> IssuedDocument | None:
    """Build, render and record the annex ``kind`` (``ANNEX_OF``) under its parent's number:
    nothing is taken from the register (None: no parent issued, or the round has none)."""
    parent_number = numbers.get(ANNEX_OF[kind])
    if parent_number is None:
        return None
    on = document_date(snapshot, kind, issued_on)
    profile = profile_in_force(tx, on).profile
    annex = build_document(snapshot, ruleset, kind, parent_number, issued_on, numbers, profile)
    if annex is None:
        return None
    files = renderer.write(annex, snapshot.key, kind, {}, with_pdf=with_pdf)
    docx = files.get("docx")
    if docx is None:
        raise RuntimeError(f"{kind}: the Word file was not rendered")
    return tx.documents.add(snapshot.key, kind, parent_number, files, renderer.sha256(docx))


def _complete(
    tx: Tx,
    renderer: DocumentRenderer,
    issued: IssuedDocument,
    snapshot: RoundSnapshot,
    ruleset: LoadedRuleset,
    issued_on: date,
    numbers: dict[str, str],
    with_pdf: bool,
) -> IssuedDocument:
    """An issued document with its missing files written again (same number)."""
    files = dict(issued.files)
    has_docx = renderer.exists(files.get("docx"))
    complete = has_docx and renderer.exists(files.get("html"))
    if complete and (not with_pdf or renderer.exists(files.get("pdf"))):
        return issued
    doc = None
    if not complete:
        profile = profile_in_force(tx, document_date(snapshot, issued.kind, issued_on)).profile
        doc = build_document(
            snapshot, ruleset, issued.kind, issued.number, issued_on, numbers, profile
        )
    new_files = renderer.write(doc, issued.round_key, issued.kind, files, with_pdf=with_pdf)
    docx = new_files.get("docx")
    sha = renderer.sha256(docx) if not has_docx and docx and renderer.exists(docx) else None
    if new_files == files and sha is None:
        return issued
    return tx.documents.set_files(issued.round_key, issued.kind, new_files, sha)

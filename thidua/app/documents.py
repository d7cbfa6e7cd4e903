"""Issuing a round's official documents: number, build, render and record each one once.

A document's number is taken from the agency's register when it is issued, in the book of its
kind for the calendar year of the date it bears (``thidua.domain.documents.register``); a
document the round does not have takes none, nor does an annex (the vote-counting record, which
carries the minutes' number). Generation is idempotent: a document already
issued keeps its number and files; only missing files are written again (with the current data
and ``issued_on``). The Director's decision runs this in its transaction
(``thidua.app.consolidation``), so a crash leaves no half-issued set and takes back its numbers.
"""

from __future__ import annotations

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
from thidua.domain.documents.wording import ANNEX_OF, DOCUMENT_KINDS
from thidua.domain.refusals import Refusal, RefusalCode

__all__ = ["issue_round_documents"]


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
        on = document_date(snapshot, kind, issued_on)
        profile = profile_in_force(tx, on).profile
        parent = ANNEX_OF.get(kind)
        if parent is not None:  # an annex: its parent's number, nothing taken from the register
            parent_number = numbers.get(parent)
            if parent_number is None:
                continue
            annex = build_document(
                snapshot, ruleset, kind, parent_number, issued_on, numbers, profile
            )
            if annex is None:
                continue
            files = renderer.write(annex, round_key, kind, {}, with_pdf=with_pdf)
            docx = files.get("docx")
            if docx is None:
                raise RuntimeError(f"{kind}: the Word file was not rendered")
            out.append(store.add(round_key, kind, parent_number, files, renderer.sha256(docx)))
            numbers[kind] = parent_number
            continue
        draft = draft_number(kind, profile.symbol)
        if build_document(snapshot, ruleset, kind, draft, issued_on, numbers, profile) is None:
            continue  # the round has no such document: no number taken
        book = book_of(kind)
        seq = store.take_number(round_key, book, on.year)
        number = RegisterNumber(book, on, seq, register_number(seq, kind, profile.symbol))
        doc = build_document(snapshot, ruleset, kind, number.number, issued_on, numbers, profile)
        assert doc is not None  # the same inputs as the draft's
        files = renderer.write(doc, round_key, kind, {}, with_pdf=with_pdf)
        docx = files.get("docx")
        if docx is None:
            raise RuntimeError(f"{kind}: the Word file was not rendered")
        out.append(store.add(round_key, kind, number, files, renderer.sha256(docx)))
        numbers[kind] = number.number
    return out


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

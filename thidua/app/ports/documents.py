"""Ports of the documents use case: the store of issued documents and the renderer of files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from thidua.domain.documents.models import AnyDoc
from thidua.domain.documents.register import RegisterNumber
from thidua.domain.documents.snapshot import IssuedDocument, RoundSnapshot

#: A document's files by format ("docx", "html", "pdf"); None: not written.
Files = Mapping[str, str | None]


class DocumentStore(Protocol):
    """What the documents use case reads and writes in one transaction."""

    def round_snapshot(self, round_key: str) -> RoundSnapshot | None:
        """The round as its documents see it (None: no such round)."""
        ...

    def issued(self, round_key: str) -> dict[str, IssuedDocument]:
        """The round's documents issued so far, by kind."""
        ...

    def take_number(self, round_key: str, book: str, year: int) -> int:
        """Take the next number of ``book`` in the register of the round's agency for ``year``.

        Held until the transaction ends: a concurrent issuer gets the following number, never
        the same one; a rollback gives it back.
        """
        ...

    def register_book(self, agency_code: str, year: int, book: str) -> tuple[int, int] | None:
        """The agency's ``book`` of ``year`` as (first number, last number taken), or None
        when it is not open yet."""
        ...

    def set_register_start(self, agency_code: str, year: int, book: str, first: int) -> None:
        """Open ``book`` of ``year`` at ``first`` (or move the start of a book with no number
        taken yet)."""
        ...

    def add(
        self, round_key: str, kind: str, number: RegisterNumber | str, files: Files, sha256: str
    ) -> IssuedDocument:
        """Record a newly issued document with its register entry (audited as
        ``document.issued``); an annex (``number`` its parent's number as text) gets no entry."""
        ...

    def set_files(
        self, round_key: str, kind: str, files: Files, sha256: str | None
    ) -> IssuedDocument:
        """Record files written again for an issued document (and the new Word hash, if any)."""
        ...


class DocumentRenderer(Protocol):
    """Writes a document's files (Word, HTML and, when it can, PDF) for a round."""

    def write(
        self, doc: AnyDoc | None, round_key: str, kind: str, files: Files, *, with_pdf: bool
    ) -> dict[str, str | None]:
        """Write the files missing from ``files`` and return them all.

        ``doc`` None: only a PDF from the existing Word file. A new Word file drops an older
        PDF that no longer matches it.
        """
        ...

    def exists(self, path: str | None) -> bool:
        """Whether a file recorded for a document is there."""
        ...

    def sha256(self, path: str) -> str:
        """The SHA-256 of a written file (hex)."""
        ...


__all__ = ["DocumentRenderer", "DocumentStore", "Files"]

"""What a list of nominations read from a file (.xlsx, .csv, .jsonl) gives the bulk use cases:
each row as raw input, with the problems already found in its cells, row by row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The column of a problem that belongs to the whole row.
WHOLE_ROW = "(dòng)"


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row (header = 1; JSONL line number), column and message."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class RawRow:
    """One row (or line) of a file.

    ``raw`` is a submission as read (``{movement, unit, facts, dossier}``), None when nothing in
    the row can be validated; ``flat`` says it came from the flat column layout (errors are then
    reported by column, not by field path). ``errors`` are the problems found in its cells: a row
    with any is reported, never submitted.
    """

    row: int
    raw: Any
    flat: bool
    errors: list[RowError] = field(default_factory=list)


@dataclass
class RawFile:
    """Every non-blank row of a file, and the problems of the file's own layout (its header)."""

    rows: list[RawRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

"""The format-neutral blocks a document is laid out in, and the primitives that make them.

Both renderers (Word and HTML) map exactly these blocks to their format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from thidua.domain.documents.models import Agency, AwardLine, Signer
from thidua.domain.documents.text import date_line, who_vi

Align = Literal["left", "center", "right", "justify"]

BODY_PT = 14.0
HEADER_PT = 13.0
TABLE_PT = 12.0
#: Usable text width on A4 with 30 mm left and 15 mm right margins.
TEXT_WIDTH_MM = 165.0


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False


@dataclass(frozen=True)
class Para:
    runs: tuple[Run, ...]
    align: Align = "justify"
    first_indent: bool = False
    size: float = BODY_PT
    space_before: float = 0.0
    space_after: float = 6.0
    keep_with_next: bool = False

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Rule:
    """A short centred horizontal rule (under an abstract)."""

    width_mm: float = 40.0


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Header:
    """The Decree 30 header: agency (left) and national motto (right), number and date."""

    parent: str
    name: str
    number_line: str
    motto: str
    slogan: str
    place_date: str


@dataclass(frozen=True)
class Column:
    title: str
    width_mm: float
    align: Align = "left"


@dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False
    italic: bool = False
    align: Align | None = None
    """None: the column's alignment."""
    span: int = 1


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    size: float = TABLE_PT


@dataclass(frozen=True)
class Closing:
    """Bottom of the document: "Nơi nhận:" (left) and the signature block (right)."""

    recipients: tuple[str, ...]
    signer: Signer


@dataclass(frozen=True)
class DualSignature:
    """Two signature blocks side by side (minutes: secretary left, chair right)."""

    left: Signer
    right: Signer
    recipients: tuple[str, ...] = field(default=())


Block = Para | Rule | PageBreak | Header | Table | Closing | DualSignature

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
SLOGAN = "Độc lập - Tự do - Hạnh phúc"


def wrap_name(name: str, width: int = 26) -> list[str]:
    """Greedy word wrap of an agency name for the header ("… THƯƠNG BINH" / "VÀ XÃ HỘI")."""
    lines: list[str] = []
    for raw in name.split("\n"):
        current = ""
        for word in raw.split():
            candidate = f"{current} {word}".strip()
            if current and len(candidate) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        if current:
            lines.append(current)
    return lines


# ----------------------------------------------------------------------------- block helpers


def p(
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    align: Align = "justify",
    indent: bool = True,
    size: float = BODY_PT,
    before: float = 0.0,
    after: float = 6.0,
    keep: bool = False,
) -> Para:
    return Para(
        (Run(text, bold=bold, italic=italic),),
        align=align,
        first_indent=indent and align == "justify",
        size=size,
        space_before=before,
        space_after=after,
        keep_with_next=keep,
    )


def lead(label: str, text: str, *, keep: bool = False) -> Para:
    """A paragraph beginning with a bold label ("Điều 1. …")."""
    return Para((Run(label, bold=True), Run(text)), first_indent=True, keep_with_next=keep)


def centre(text: str, *, bold: bool = False, italic: bool = False, size: float = BODY_PT) -> Para:
    return p(text, bold=bold, italic=italic, align="center", indent=False, size=size, after=0)


def header(agency: Agency, number_line: str, d: dt.date) -> Header:
    return Header(
        parent=agency.parent,
        name=agency.name,
        number_line=number_line,
        motto=MOTTO,
        slogan=SLOGAN,
        place_date=date_line(agency.place, d),
    )


def heading(kind: str, abstract: str) -> list[Block]:
    return [
        p(kind, bold=True, align="center", indent=False, before=18, after=0, keep=True),
        p(abstract, bold=True, align="center", indent=False, after=0, keep=True),
        Rule(),
    ]


# ---- award lists (the decision's and the submission's) ----------------------------------------


def group_awards(lines: Sequence[AwardLine]) -> list[tuple[str, str, list[int]]]:
    """Group line indices by title code, in order of first appearance."""
    groups: dict[str, tuple[str, list[int]]] = {}
    for i, line in enumerate(lines):
        groups.setdefault(line.title_code, (line.title_vi, []))[1].append(i)
    return [(code, vi, idx) for code, (vi, idx) in groups.items()]


def who(lines: Sequence[AwardLine]) -> str:
    people = sum(1 for a in lines if not a.is_collective)
    return who_vi(people, len(lines) - people)


def roman(n: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


def ref_line(symbol: str) -> str:
    """ "Số: 125/QĐ-SLĐTBXH" -> "số 125/QĐ-SLĐTBXH" (for "Kèm theo Quyết định số …")."""
    return f"số {symbol.removeprefix('Số: ').strip()}"

"""The law's dated values: legal instruments, the base salary, award coefficients, principles,
and the forms of the achievement report.

Pure data in ``rules/law/*.yaml`` (``instruments.yaml``, ``money.yaml``,
``achievement_forms.yaml``), read and validated here.
Every value has a window of dates and is chosen by the date of the act it serves: a decision's
date chooses the legal bases it cites, the base salary and the coefficients of its money
(rules/README.md, "The law's dated values"). A malformed file raises :class:`LawDataError`
naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ACHIEVEMENT_PARTS",
    "HIGHEST_AMOUNT_ONLY",
    "REVOKE_AWARD",
    "AchievementForm",
    "BaseSalary",
    "Coefficient",
    "FormSection",
    "FormSigner",
    "Instrument",
    "LawBook",
    "LawDataError",
    "Principle",
    "Provision",
    "load_law",
    "shipped_law",
]

LAW_DIR = Path(__file__).parent / "law"

#: The principle: one achievement at one time is paid the highest amount only.
HIGHEST_AMOUNT_ONLY = "HIGHEST_AMOUNT_ONLY"

#: The provision under which an award decision is revoked and its money and insignia recovered.
REVOKE_AWARD = "REVOKE_AWARD"

_KINDS = ("law", "decree")
_RECIPIENTS = ("individual", "collective")

#: The parts of an achievement report a form may hold, by recipient: what the builder fills
#: (``thidua.domain.documents.achievement``); a form's headings and their order are the file's.
ACHIEVEMENT_PARTS: dict[str, tuple[str, ...]] = {
    "individual": (
        "profile",
        "duties",
        "results",
        "initiatives",
        "ratings",
        "titles_received",
        "forms_received",
    ),
    "collective": (
        "features",
        "functions",
        "results",
        "emulation",
        "members",
        "titles_received",
        "forms_received",
    ),
}
#: Whose name a form's signature block prints when it is known.
SIGNER_WHO: tuple[str, ...] = ("nominee", "unit_head", "agency_head")


class LawDataError(ValueError):
    """A law data file is malformed: the message names the file and the key."""


@dataclass(frozen=True)
class Instrument:
    """A law or decree with its window and how documents cite it."""

    code: str
    kind: str
    number: str
    signed_on: dt.date
    effective_from: dt.date
    effective_to: dt.date | None
    basis_line: str
    """ "Căn cứ Nghị định số …": the legal basis line documents print."""
    citation: str
    """ "Nghị định số 152/2025/NĐ-CP ngày …": the instrument in running text."""
    confirmed: bool = True

    @property
    def kind_name(self) -> str:
        return "Luật" if self.kind == "law" else "Nghị định"

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class BaseSalary:
    since: dt.date
    vnd: int
    confirmed: bool = True


@dataclass(frozen=True)
class Coefficient:
    code: str
    recipient: str
    value: Decimal
    instrument: Instrument
    article: str
    confirmed: bool = True

    @property
    def basis(self) -> str:
        """ "Điều 50 Nghị định số 152/2025/NĐ-CP"."""
        return f"{self.article} {self.instrument.kind_name} số {self.instrument.number}"


@dataclass(frozen=True)
class Principle:
    code: str
    instrument: Instrument
    article: str
    text_vi: str
    groups: tuple[frozenset[str], ...] = ()
    """Codes the principle treats as one achievement (``same_achievement`` in the file)."""
    confirmed: bool = True


@dataclass(frozen=True)
class Provision:
    """An article of an instrument that documents cite by name (e.g. revocation of awards)."""

    code: str
    instrument: Instrument
    article: str
    text_vi: str
    confirmed: bool = True

    @property
    def citation(self) -> str:
        """ "khoản 2 Điều 93 Luật Thi đua, khen thưởng số 06/2022/QH15", and "(chưa xác nhận)"
        after the article when the file does not confirm it."""
        mark = "" if self.confirmed else " (chưa xác nhận)"
        return f"{self.article}{mark} {self.instrument.citation}"


@dataclass(frozen=True)
class FormSection:
    """A heading of an achievement report's form, with the part printed under it (None: a
    group heading)."""

    heading: str
    part: str | None = None


@dataclass(frozen=True)
class FormSigner:
    caption: str
    note: str
    who: str


@dataclass(frozen=True)
class AchievementForm:
    """The form of the achievement report in the appendix of a decree, for one recipient."""

    code: str
    instrument: Instrument
    recipient: str
    form_number: str | None
    """ "Mẫu số 02"; None when the number is not known here."""
    title: str
    sections: tuple[FormSection, ...]
    signers: tuple[FormSigner, FormSigner]
    confirmed: bool = True

    def label(self) -> str:
        """ "Mẫu số 02, Phụ lục Nghị định số 98/2023/NĐ-CP (chưa xác nhận)"."""
        number = self.form_number or "Mẫu báo cáo thành tích"
        text = f"{number}, Phụ lục {self.instrument.kind_name} số {self.instrument.number}"
        return text if self.confirmed else f"{text} (chưa xác nhận)"


@dataclass(frozen=True)
class LawBook:
    """The law's dated values, queried by date."""

    instruments: tuple[Instrument, ...]
    base_salaries: tuple[BaseSalary, ...]
    coefficients: tuple[Coefficient, ...]
    principles: tuple[Principle, ...]
    provisions: tuple[Provision, ...] = ()
    forms: tuple[AchievementForm, ...] = ()

    def in_force(self, kind: str, on: dt.date) -> Instrument:
        """The law (``kind="law"``) or decree in force on ``on``; LookupError if none."""
        found = [i for i in self.instruments if i.kind == kind and i.in_force(on)]
        if not found:
            name = "Luật" if kind == "law" else "Nghị định"
            raise LookupError(
                f"Không có {name} thi đua, khen thưởng có hiệu lực ngày {on:%d/%m/%Y}."
            )
        return found[0]

    def law(self, on: dt.date) -> Instrument:
        return self.in_force("law", on)

    def decree(self, on: dt.date) -> Instrument:
        return self.in_force("decree", on)

    def basis_lines(self, on: dt.date) -> list[str]:
        """The "Căn cứ …" lines of the law and the decree in force on ``on``."""
        return [self.law(on).basis_line, self.decree(on).basis_line]

    def base_salary(self, on: dt.date) -> BaseSalary:
        """The base salary in force on ``on``; LookupError before the first row."""
        rows = [b for b in self.base_salaries if b.since <= on]
        if not rows:
            raise LookupError(f"Không có mức lương cơ sở áp dụng ngày {on:%d/%m/%Y}.")
        return max(rows, key=lambda b: b.since)

    def coefficient(self, code: str, on: dt.date, *, collective: bool) -> Coefficient | None:
        """The coefficient of ``code`` for that recipient under the decree in force on ``on``."""
        recipient = "collective" if collective else "individual"
        for c in self.coefficients:
            if c.code == code and c.recipient == recipient and c.instrument.in_force(on):
                return c
        return None

    def principle(self, code: str, on: dt.date) -> Principle | None:
        for p in self.principles:
            if p.code == code and p.instrument.in_force(on):
                return p
        return None

    def provision(self, code: str, on: dt.date) -> Provision | None:
        """The provision ``code`` of an instrument in force on ``on`` (None: none in the data)."""
        for p in self.provisions:
            if p.code == code and p.instrument.in_force(on):
                return p
        return None

    def achievement_form(self, recipient: str, on: dt.date) -> AchievementForm:
        """The achievement report's form for ``recipient`` (individual | collective) in the
        appendix of the decree in force on ``on``; LookupError (Vietnamese) if none."""
        for f in self.forms:
            if f.recipient == recipient and f.instrument.in_force(on):
                return f
        who = "cá nhân" if recipient == "individual" else "tập thể"
        raise LookupError(f"Không có mẫu báo cáo thành tích của {who} áp dụng ngày {on:%d/%m/%Y}.")


# ----------------------------------------------------------------------------- loading


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, message: str) -> LawDataError:
        return LawDataError(f"{self.file}: {key}: {message}")

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "phải là một bảng (mapping).")
        return value

    def items(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, "phải là một danh sách không rỗng.")
        return value

    def text(self, row: dict[str, Any], key: str, where: str) -> str:
        value = row.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "thiếu hoặc không phải chuỗi.")
        return " ".join(value.split())

    def date(self, row: dict[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
        value = row.get(key)
        if value is None and optional:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(f"{where}.{key}", "phải là ngày dạng YYYY-MM-DD.")
        return value

    def flag(self, row: dict[str, Any], where: str) -> bool:
        value = row.get("confirmed", True)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.confirmed", "phải là true hoặc false.")
        return value

    def choice(self, row: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> str:
        value = row.get(key)
        if value not in allowed:
            raise self.fail(f"{where}.{key}", f"phải là một trong {', '.join(allowed)}.")
        return str(value)


def _read(path: Path) -> tuple[_Reader, dict[str, Any]]:
    reader = _Reader(path.name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LawDataError(f"{path.name}: không đọc được tệp: {exc}") from exc
    return reader, reader.mapping(data, "(tệp)")


def _instruments(path: Path) -> dict[str, Instrument]:
    r, data = _read(path)
    out: dict[str, Instrument] = {}
    for n, raw in enumerate(r.items(data, "instruments")):
        where = f"instruments[{n}]"
        row = r.mapping(raw, where)
        code = r.text(row, "code", where)
        if code in out:
            raise r.fail(f"{where}.code", f"trùng mã «{code}».")
        start = r.date(row, "effective_from", where)
        end = r.date(row, "effective_to", where, optional=True)
        if end is not None and end < start:
            raise r.fail(f"{where}.effective_to", "trước ngày effective_from.")
        out[code] = Instrument(
            code=code,
            kind=r.choice(row, "kind", where, _KINDS),
            number=r.text(row, "number", where),
            signed_on=r.date(row, "signed_on", where),
            effective_from=start,
            effective_to=end,
            basis_line=r.text(row, "basis_line", where),
            citation=r.text(row, "citation", where),
            confirmed=r.flag(row, where),
        )
    for kind in _KINDS:
        windows = sorted(
            (i.effective_from, i.effective_to or dt.date.max, i.code)
            for i in out.values()
            if i.kind == kind
        )
        for (_, end, first), (start, _, second) in itertools.pairwise(windows):
            if start <= end:
                raise r.fail("instruments", f"«{first}» và «{second}» có hiệu lực chồng nhau.")
    return out


def _provisions(path: Path, instruments: dict[str, Instrument]) -> tuple[Provision, ...]:
    """The optional ``provisions`` list of ``instruments.yaml``."""
    r, data = _read(path)
    if "provisions" not in data:
        return ()
    out: list[Provision] = []
    for n, raw in enumerate(r.items(data, "provisions")):
        where = f"provisions[{n}]"
        row = r.mapping(raw, where)
        code = r.text(row, "instrument", where)
        if code not in instruments:
            raise r.fail(f"{where}.instrument", f"không có văn bản «{code}» trong instruments.")
        out.append(
            Provision(
                code=r.text(row, "code", where),
                instrument=instruments[code],
                article=r.text(row, "article", where),
                text_vi=r.text(row, "text_vi", where),
                confirmed=r.flag(row, where),
            )
        )
    return tuple(out)


def _money(
    path: Path, instruments: dict[str, Instrument]
) -> tuple[tuple[BaseSalary, ...], tuple[Coefficient, ...], tuple[Principle, ...]]:
    r, data = _read(path)

    def instrument(row: dict[str, Any], where: str) -> Instrument:
        code = r.text(row, "instrument", where)
        if code not in instruments:
            raise r.fail(f"{where}.instrument", f"không có văn bản «{code}» trong instruments.")
        return instruments[code]

    salaries: list[BaseSalary] = []
    for n, raw in enumerate(r.items(data, "base_salary")):
        where = f"base_salary[{n}]"
        row = r.mapping(raw, where)
        vnd = row.get("vnd")
        if isinstance(vnd, bool) or not isinstance(vnd, int) or vnd <= 0:
            raise r.fail(f"{where}.vnd", "phải là số nguyên dương (đồng).")
        since = r.date(row, "from", where)
        if salaries and since <= salaries[-1].since:
            raise r.fail(f"{where}.from", "các mức phải theo thứ tự ngày tăng dần.")
        salaries.append(BaseSalary(since=since, vnd=vnd, confirmed=r.flag(row, where)))

    coefficients: list[Coefficient] = []
    for n, raw in enumerate(r.items(data, "coefficients")):
        where = f"coefficients[{n}]"
        row = r.mapping(raw, where)
        value = row.get("coefficient")
        if not isinstance(value, str):
            raise r.fail(f"{where}.coefficient", 'phải là chuỗi số thập phân, ví dụ "0.3".')
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise r.fail(f"{where}.coefficient", f"«{value}» không phải số.") from None
        if not number.is_finite() or number < 0:
            raise r.fail(f"{where}.coefficient", "phải là số không âm.")
        c = Coefficient(
            code=r.text(row, "code", where),
            recipient=r.choice(row, "recipient", where, _RECIPIENTS),
            value=number,
            instrument=instrument(row, where),
            article=r.text(row, "article", where),
            confirmed=r.flag(row, where),
        )
        if any(
            (o.code, o.recipient, o.instrument.code) == (c.code, c.recipient, c.instrument.code)
            for o in coefficients
        ):
            raise r.fail(where, f"trùng hệ số {c.code} ({c.recipient}) của {c.instrument.code}.")
        coefficients.append(c)

    principles: list[Principle] = []
    for n, raw in enumerate(r.items(data, "principles")):
        where = f"principles[{n}]"
        row = r.mapping(raw, where)
        groups = row.get("same_achievement", [])
        if not isinstance(groups, list) or not all(
            isinstance(g, list) and g and all(isinstance(c, str) for c in g) for g in groups
        ):
            raise r.fail(f"{where}.same_achievement", "phải là danh sách các danh sách mã.")
        principles.append(
            Principle(
                code=r.text(row, "code", where),
                instrument=instrument(row, where),
                article=r.text(row, "article", where),
                text_vi=r.text(row, "text_vi", where),
                groups=tuple(frozenset(g) for g in groups),
                confirmed=r.flag(row, where),
            )
        )
    return tuple(salaries), tuple(coefficients), tuple(principles)


def _forms(path: Path, instruments: dict[str, Instrument]) -> tuple[AchievementForm, ...]:
    r, data = _read(path)
    out: list[AchievementForm] = []
    for n, raw in enumerate(r.items(data, "forms")):
        where = f"forms[{n}]"
        row = r.mapping(raw, where)
        code = r.text(row, "instrument", where)
        if code not in instruments:
            raise r.fail(f"{where}.instrument", f"không có văn bản «{code}» trong instruments.")
        recipient = r.choice(row, "recipient", where, _RECIPIENTS)
        number = row.get("form_number")
        if number is not None and (not isinstance(number, str) or not number.strip()):
            raise r.fail(f"{where}.form_number", "phải là chuỗi hoặc null.")
        sections: list[FormSection] = []
        parts = ACHIEVEMENT_PARTS[recipient]
        for m, raw_section in enumerate(r.items(row, "sections")):
            at = f"{where}.sections[{m}]"
            section = r.mapping(raw_section, at)
            part = section.get("part")
            if part is not None and part not in parts:
                raise r.fail(f"{at}.part", f"phải là một trong {', '.join(parts)}.")
            if part is not None and any(s.part == part for s in sections):
                raise r.fail(f"{at}.part", f"phần «{part}» đã có.")
            sections.append(FormSection(r.text(section, "heading", at), part))
        signers = r.items(row, "signers")
        if len(signers) != 2:
            raise r.fail(f"{where}.signers", "phải có đúng hai người ký (trái, phải).")
        left, right = (
            FormSigner(
                caption=r.text(
                    r.mapping(s, f"{where}.signers[{i}]"), "caption", f"{where}.signers[{i}]"
                ),
                note=r.text(s, "note", f"{where}.signers[{i}]"),
                who=r.choice(s, "who", f"{where}.signers[{i}]", SIGNER_WHO),
            )
            for i, s in enumerate(signers)
        )
        form = AchievementForm(
            code=r.text(row, "code", where),
            instrument=instruments[code],
            recipient=recipient,
            form_number=" ".join(number.split()) if number else None,
            title=r.text(row, "title", where),
            sections=tuple(sections),
            signers=(left, right),
            confirmed=r.flag(row, where),
        )
        if any((o.instrument.code, o.recipient) == (code, recipient) for o in out):
            raise r.fail(where, f"trùng mẫu {recipient} của {code}.")
        out.append(form)
    return tuple(out)


def load_law(directory: Path = LAW_DIR) -> LawBook:
    """Read and validate ``instruments.yaml``, ``money.yaml`` and ``achievement_forms.yaml`` of
    ``directory``."""
    instruments = _instruments(directory / "instruments.yaml")
    provisions = _provisions(directory / "instruments.yaml", instruments)
    salaries, coefficients, principles = _money(directory / "money.yaml", instruments)
    forms = _forms(directory / "achievement_forms.yaml", instruments)
    return LawBook(
        tuple(instruments.values()),
        salaries,
        coefficients,
        principles,
        provisions=provisions,
        forms=forms,
    )


@cache
def shipped_law() -> LawBook:
    """The law data shipped in ``rules/law/`` (read once, on first use)."""
    return load_law()

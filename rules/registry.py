"""Ruleset versions side by side, and the choice of the version in force on a date.

Two registries: `RulesRegistry` over files (the repo's seed files, tests, `thidua rules` on files)
and `SourcedRulesRegistry` over a `RulesetSource` (the service: the governed versions in the
database, see `thidua.app.rules_versions`). The sourced one asks its source which versions
are published and their windows on each choice, and loads each version's content once, cached by
(id, version, sha256): durable_rules cannot unload a ruleset (~330 KB each).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol, TypeVar

from rules.errors import Issue, RulesFileError
from rules.loader import load_ruleset
from rules.model import FieldSpec, ParamValue, Rule, Ruleset, Title

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "rulesets"
GOLDEN_SUFFIX = ".golden.yaml"

_T = TypeVar("_T")


class UnknownRuleset(LookupError):
    """No ruleset with this id (and version) is registered."""


class NoRulesetInForce(LookupError):
    """No registered ruleset is in force on the requested date."""


class AmbiguousRuleset(NoRulesetInForce):
    """Several different rulesets are in force on the date: pass `ruleset_id`."""


def golden_path_for(path: Path) -> Path:
    """`x/ntm-2024.v1.yaml` -> `x/ntm-2024.v1.golden.yaml`."""
    name = path.name
    stem = name[: -len(".yaml")] if name.endswith(".yaml") else path.stem
    return path.with_name(stem + GOLDEN_SUFFIX)


@dataclass(frozen=True)
class LoadedRuleset:
    """A validated ruleset version, with where it came from."""

    ruleset: Ruleset
    path: Path | None = None
    # The governed window (from, to) when it differs from the dates the content declares.
    window: tuple[dt.date, dt.date | None] | None = None

    @property
    def id(self) -> str:
        return self.ruleset.id

    @property
    def version(self) -> str:
        return self.ruleset.version

    @property
    def sha256(self) -> str:
        return self.ruleset.sha256

    @property
    def effective_from(self) -> dt.date:
        return self.window[0] if self.window is not None else self.ruleset.effective_from

    @property
    def effective_to(self) -> dt.date | None:
        return self.window[1] if self.window is not None else self.ruleset.effective_to

    @property
    def params(self) -> Mapping[str, ParamValue]:
        """Parameter values by name (thresholds, coefficients, base salary...)."""
        return {name: p.value for name, p in self.ruleset.params.items()}

    @property
    def titles(self) -> Mapping[str, Title]:
        return self.ruleset.titles

    @property
    def fields(self) -> Mapping[str, FieldSpec]:
        return self.ruleset.fields

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.ruleset.rules

    @property
    def golden_path(self) -> Path | None:
        return golden_path_for(self.path) if self.path is not None else None

    def in_force(self, on: dt.date) -> bool:
        return _within(on, self.effective_from, self.effective_to)


class RulesRegistry:
    """Every ruleset version we know, keyed by (id, version)."""

    def __init__(self, rulesets: Iterable[LoadedRuleset]) -> None:
        self._by_key: dict[tuple[str, str], LoadedRuleset] = {}
        issues: list[Issue] = []
        for lr in _superseded(rulesets):
            key = (lr.id, lr.version)
            where = str(lr.path) if lr.path else f"{lr.id}@{lr.version}"
            if key in self._by_key:
                issues.append(
                    Issue(
                        where,
                        1,
                        1,
                        f"phiên bản {lr.id}@{lr.version} bị khai báo hai lần",
                        "duplicate",
                    )
                )
                continue
            for other in self._by_key.values():
                if other.id == lr.id and _overlap(other, lr):
                    issues.append(
                        Issue(
                            where,
                            1,
                            1,
                            f"thời gian hiệu lực của {lr.id}@{lr.version} trùng với phiên bản "
                            f"{other.version}",
                            "overlap",
                        )
                    )
            self._by_key[key] = lr
        if issues:
            raise RulesFileError(issues)

    @classmethod
    def from_files(cls, files: Iterable[str | Path]) -> RulesRegistry:
        loaded: list[LoadedRuleset] = []
        issues: list[Issue] = []
        for f in files:
            try:
                loaded.append(LoadedRuleset(load_ruleset(f), Path(f)))
            except RulesFileError as exc:
                issues.extend(exc.issues)
        if issues:
            raise RulesFileError(issues)
        return cls(loaded)

    @classmethod
    def from_directory(cls, directory: str | Path | None = None) -> RulesRegistry:
        d = Path(directory) if directory is not None else DEFAULT_DIRECTORY
        files = sorted(
            p for p in d.glob("*.yaml") if p.is_file() and not p.name.endswith(GOLDEN_SUFFIX)
        )
        return cls.from_files(files)

    def all(self) -> list[LoadedRuleset]:
        return sorted(self._by_key.values(), key=lambda r: (r.id, r.effective_from))

    def get(self, ruleset_id: str, version: str) -> LoadedRuleset:
        found = self._by_key.get((ruleset_id, version))
        if found is None:
            known = ", ".join(f"{i}@{v}" for i, v in sorted(self._by_key)) or "không có"
            raise UnknownRuleset(f"không có bộ tiêu chí {ruleset_id}@{version} (hiện có: {known})")
        return found

    def in_force(self, as_of: dt.date, ruleset_id: str | None = None) -> LoadedRuleset:
        if ruleset_id is not None and not any(r.id == ruleset_id for r in self._by_key.values()):
            raise UnknownRuleset(f"không có bộ tiêu chí '{ruleset_id}'")
        return _the_one_in_force(
            as_of,
            [
                (r, f"{r.id}@{r.version}")
                for r in self._by_key.values()
                if r.in_force(as_of) and (ruleset_id is None or r.id == ruleset_id)
            ],
        )

    def __len__(self) -> int:
        return len(self._by_key)


@dataclass(frozen=True)
class VersionWindow:
    """A published version and the dates it is in force (`effective_to` None: open-ended)."""

    ruleset_id: str
    version: str
    sha256: str
    effective_from: dt.date
    effective_to: dt.date | None

    def in_force(self, on: dt.date) -> bool:
        return _within(on, self.effective_from, self.effective_to)


@dataclass(frozen=True)
class VersionContent:
    """A stored version's YAML text, its hash, and whether it can still change (a draft)."""

    content: str
    sha256: str
    mutable: bool = False


class RulesetSource(Protocol):
    """Where governed ruleset versions live (the database in the service)."""

    def published(self) -> list[VersionWindow]:
        """Every published version with its window."""
        ...

    def content(self, ruleset_id: str, version: str) -> VersionContent | None:
        """Any stored version (published, retired...), or None."""
        ...


class SourcedRulesRegistry(RulesRegistry):
    """A registry whose versions come from a `RulesetSource`, read on each choice.

    `in_force` and `all` reflect what is published right now (one small query each); `get`
    returns any stored version, retired ones included (pinned nominations need them). Contents are
    parsed once and cached by (id, version, sha256).
    """

    def __init__(self, source: RulesetSource) -> None:
        super().__init__(())
        self._source = source
        self._loaded: dict[tuple[str, str, str], LoadedRuleset] = {}
        self._immutable: dict[tuple[str, str], str] = {}  # (id, version) -> sha256
        self._cache_lock = threading.Lock()

    def _load(self, ruleset_id: str, version: str, sha256: str, text: str) -> LoadedRuleset:
        key = (ruleset_id, version, sha256)
        found = self._loaded.get(key)
        if found is not None:
            return found
        rs = load_ruleset(f"{ruleset_id}@{version}", text)
        if (rs.id, rs.version, rs.sha256) != key:
            raise UnknownRuleset(
                f"nội dung lưu của {ruleset_id}@{version} không khớp mã băm {sha256[:12]}…"
            )
        with self._cache_lock:
            return self._loaded.setdefault(key, LoadedRuleset(rs))

    def get(self, ruleset_id: str, version: str) -> LoadedRuleset:
        sha = self._immutable.get((ruleset_id, version))
        if sha is not None:
            return self._loaded[(ruleset_id, version, sha)]
        found = self._source.content(ruleset_id, version)
        if found is None:
            raise UnknownRuleset(f"không có bộ tiêu chí {ruleset_id}@{version}")
        lr = self._load(ruleset_id, version, found.sha256, found.content)
        if not found.mutable:
            self._immutable[(ruleset_id, version)] = found.sha256
        return lr

    def _windowed(self, w: VersionWindow) -> LoadedRuleset:
        lr = self.get(w.ruleset_id, w.version)
        if lr.sha256 != w.sha256:  # pragma: no cover - published contents never change
            raise UnknownRuleset(f"mã băm của {w.ruleset_id}@{w.version} đã thay đổi")
        return replace(lr, window=(w.effective_from, w.effective_to))

    def all(self) -> list[LoadedRuleset]:
        windows = sorted(self._source.published(), key=lambda w: (w.ruleset_id, w.effective_from))
        return [self._windowed(w) for w in windows]

    def in_force(self, as_of: dt.date, ruleset_id: str | None = None) -> LoadedRuleset:
        windows = self._source.published()
        if ruleset_id is not None and not any(w.ruleset_id == ruleset_id for w in windows):
            raise UnknownRuleset(f"không có bộ tiêu chí '{ruleset_id}' đang được công bố")
        found = _the_one_in_force(
            as_of,
            [
                (w, f"{w.ruleset_id}@{w.version}")
                for w in windows
                if w.in_force(as_of) and (ruleset_id is None or w.ruleset_id == ruleset_id)
            ],
        )
        return self._windowed(found)

    def __len__(self) -> int:
        return len(self._source.published())


def _superseded(rulesets: Iterable[LoadedRuleset]) -> list[LoadedRuleset]:
    """The versions with each one's window closed the day before a later version of the same
    ruleset starts (as publishing a version closes the one in force before it): shipped files
    keep the dates they were published with, so ``tdkt-2025.v1.yaml`` stays open-ended and
    ``tdkt-2025.v2.yaml`` closes it. Versions starting on the same day still overlap (an error).
    """
    items = list(rulesets)
    out: list[LoadedRuleset] = []
    for lr in items:
        later = [
            o.effective_from
            for o in items
            if o is not lr and o.id == lr.id and o.effective_from > lr.effective_from
        ]
        if later and lr.window is None:
            end = min(later) - dt.timedelta(days=1)
            if lr.effective_to is None or lr.effective_to > end:
                lr = LoadedRuleset(lr.ruleset, lr.path, (lr.effective_from, end))
        out.append(lr)
    return out


def _within(on: dt.date, start: dt.date, end: dt.date | None) -> bool:
    """Whether `on` falls in the window [start, end] (`end` None: open-ended)."""
    return start <= on and (end is None or on <= end)


def _the_one_in_force(as_of: dt.date, candidates: list[tuple[_T, str]]) -> _T:
    """The only candidate in force (each named id@version), else NoRulesetInForce/Ambiguous."""
    if not candidates:
        raise NoRulesetInForce(f"không có bộ tiêu chí nào có hiệu lực ngày {as_of.isoformat()}")
    if len(candidates) > 1:
        ids = ", ".join(sorted(name for _, name in candidates))
        raise AmbiguousRuleset(
            f"nhiều bộ tiêu chí có hiệu lực ngày {as_of.isoformat()}: {ids}; hãy chọn ruleset_id"
        )
    return candidates[0][0]


def _overlap(a: LoadedRuleset, b: LoadedRuleset) -> bool:
    a_end = a.effective_to or dt.date.max
    b_end = b.effective_to or dt.date.max
    return a.effective_from <= b_end and b.effective_from <= a_end

"""The agency's profile as dated data: set a new version, show the one in force, list them all.

A version is never edited: a reorganisation or a correction is a new version from its date, and
a document takes the version in force on its own date (``profile_in_force``). Setting one is the
system administrator's (``policy.check_agency_admin``) and is audited as ``agency.profile_set``
in the same transaction; every signed-in role reads them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from rules.canonical import sha256_hex
from thidua.app.ports.agency import StoredProfile
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.agency import AgencyProfile, parse_profile, parse_profile_yaml
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor

__all__ = [
    "ProfileVersionView",
    "SetProfileResult",
    "history",
    "load_profile_file",
    "profile_in_force",
    "profile_sha256",
    "set_profile",
    "set_profile_as_operator",
    "set_profile_yaml",
    "show",
]

SET_COMMAND = "thidua agency set TỆP.yaml"


class ProfileVersionView(BaseModel):
    """One version of the agency's profile, with who stored it and its hash."""

    version: int
    effective_from: dt.date
    sha256: str
    created_by: str
    created_at: dt.datetime
    profile: AgencyProfile


class SetProfileResult(BaseModel):
    """What setting a profile did: a new version, or nothing (identical to the one in force)."""

    created: bool
    message: str
    version: ProfileVersionView


def _view(stored: StoredProfile) -> ProfileVersionView:
    return ProfileVersionView(
        version=stored.version,
        effective_from=stored.effective_from,
        sha256=stored.sha256,
        created_by=stored.created_by,
        created_at=stored.created_at,
        profile=stored.profile,
    )


def _audited(stored: StoredProfile) -> dict[str, Any]:
    return {
        "version": stored.version,
        "effective_from": stored.effective_from.isoformat(),
        "sha256": stored.sha256,
        "profile": stored.profile.as_data(),
    }


def profile_sha256(profile: AgencyProfile) -> str:
    """SHA-256 of the profile's canonical JSON (RFC 8785)."""
    return sha256_hex(profile.as_data())


def _set(
    tx: Tx, profile: AgencyProfile, actor_name: str, actor_role: str | None
) -> SetProfileResult:
    store = tx.agency
    existing = store.agency_code()
    if existing is not None and existing != profile.code:
        raise Refusal(
            RefusalCode.CONFLICT,
            f"Hệ thống đang phục vụ cơ quan mã «{existing}», không phải «{profile.code}».",
            field="code",
            problem="agency_code_mismatch",
        )
    sha = profile_sha256(profile)
    before = store.profile_on(profile.effective_from)
    if before is not None and before.sha256 == sha:
        return SetProfileResult(
            created=False,
            message=(
                f"Hồ sơ giống hệt phiên bản {before.version} đang có hiệu lực từ "
                f"{before.effective_from:%d/%m/%Y}: không tạo phiên bản mới."
            ),
            version=_view(before),
        )
    store.ensure_agency(profile.code)
    stored = store.add_profile(profile, sha, actor_name)
    store.record(
        "agency.profile_set",
        actor_name,
        actor_role,
        _audited(before) if before is not None else None,
        _audited(stored),
    )
    return SetProfileResult(
        created=True,
        message=(
            f"Đã lưu hồ sơ cơ quan phiên bản {stored.version}, hiệu lực từ "
            f"{stored.effective_from:%d/%m/%Y}."
        ),
        version=_view(stored),
    )


def set_profile(tx: Tx, actor: Actor, data: object) -> SetProfileResult:
    """Store a new profile version from plain data (the YAML file's keys); admin only.

    Creates the agency from ``code`` when there is none and refuses another code (``conflict``);
    a profile identical to the version in force from the same date creates nothing and says so.
    """
    policy.check_agency_admin(actor)
    profile = data if isinstance(data, AgencyProfile) else parse_profile(data)
    return _set(tx, profile, actor.username, actor.role.value)


def set_profile_yaml(tx: Tx, actor: Actor, text: str) -> SetProfileResult:
    """``set_profile`` from a YAML file's text (the CLI's file, the console's form)."""
    policy.check_agency_admin(actor)
    return _set(tx, parse_profile_yaml(text), actor.username, actor.role.value)


def set_profile_as_operator(tx: Tx, text: str, operator: str) -> SetProfileResult:
    """``set_profile_yaml`` as the local operator (a command run on the server without a token,
    the sample seed, onboarding before any account exists): no role check, audited under
    ``operator``."""
    return _set(tx, parse_profile_yaml(text), operator, None)


def load_profile_file(tx: Tx, path: Path, actor_name: str) -> SetProfileResult:
    """Set the profile from a YAML file as an operator step (the sample seed, onboarding)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refusal(
            RefusalCode.INVALID,
            f"Không đọc được tệp hồ sơ cơ quan {path}: {exc}.",
            problem="agency_profile_invalid",
        ) from None
    return set_profile_as_operator(tx, text, actor_name)


def profile_in_force(tx: Tx, day: dt.date) -> StoredProfile:
    """The version in force on ``day``; refuses (``not_found``) naming the date and the command
    that sets one when there is none."""
    stored = tx.agency.profile_on(day)
    if stored is None:
        raise Refusal(
            RefusalCode.NOT_FOUND,
            f"Chưa có hồ sơ cơ quan có hiệu lực vào ngày {day:%d/%m/%Y}: đặt hồ sơ bằng "
            f"«{SET_COMMAND}» (effective_from không sau ngày này).",
            problem="agency_profile_missing",
        )
    return stored


def show(tx: Tx, day: dt.date) -> ProfileVersionView:
    """The profile in force on ``day``. Every signed-in role reads it (documents print it)."""
    return _view(profile_in_force(tx, day))


def history(tx: Tx) -> list[ProfileVersionView]:
    """Every version, newest first. Every signed-in role reads them."""
    return [_view(s) for s in tx.agency.profiles()]

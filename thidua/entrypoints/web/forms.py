"""Posted console forms read into the service's requests; an error names the field that is wrong,
so the page shown again can point at it (and keep what was typed)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from thidua.app.accounts.console import ConsoleSession
from thidua.app.lifecycle import ResubmitRequest
from thidua.app.publication import ResolveObjectionRequest
from thidua.app.round_commands import CouncilRequest, DecisionRequest, OpenRoundRequest
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.rounds import RoundDecision
from thidua.entrypoints.http import status_of
from thidua.entrypoints.web.kit import VN_TIME, check_csrf, refused, require


class FormError(Exception):
    """A posted field that cannot become part of the request."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


#: Shows the object's page again: (session, status, error message, the form as typed, the field
#: in error or None).
ShowAgain = Callable[[ConsoleSession, int, str, dict[str, str], str | None], Awaitable[Response]]


async def post_form(
    request: Request,
    act: Callable[[ConsoleSession, dict[str, str]], Awaitable[str]],
    show_again: ShowAgain,
) -> Response:
    """A console form's POST: the session and its CSRF token, then ``act``, which does the work
    and returns where to go next (303). A field that cannot be read (``FormError``) or a refusal
    shows the page again with the message and what was typed; an object the user may not see,
    and a bad CSRF token, are the refusal page."""
    sess = await require(request)
    try:
        form = await check_csrf(request, sess)
    except Refusal as exc:
        return refused(request, sess, exc)
    try:
        target = await act(sess, form)
    except FormError as exc:
        return await show_again(sess, 400, exc.message, form, exc.field)
    except Refusal as exc:
        if exc.code is RefusalCode.NOT_FOUND:
            return refused(request, sess, exc)
        return await show_again(sess, status_of(exc.code), exc.message, form, None)
    return RedirectResponse(target, 303)


def _int(form: dict[str, str], name: str, label: str) -> int:
    raw = form.get(name, "").strip()
    if not raw:
        raise FormError(name, f"{label}: chưa nhập số phiếu.")
    if not raw.isdigit() or int(raw) > 1000:
        raise FormError(name, f"{label}: «{raw}» không phải số phiếu hợp lệ (0–1000).")
    return int(raw)


ABSENT_WRITTEN = "(vắng, gửi phiếu)"
ABSENT = "(vắng)"


def council_request(form: dict[str, str]) -> CouncilRequest:
    held = form.get("held_on", "").strip()
    try:
        held_on = date.fromisoformat(held)
    except ValueError:
        raise FormError("held_on", "Ngày họp: chưa nhập hoặc không đúng dạng ngày.") from None
    members = []
    for n, line in enumerate(form.get("members", "").splitlines(), start=1):
        text = line.strip()
        if not text:
            continue
        present, written = True, False
        if text.lower().endswith(ABSENT_WRITTEN):
            text, present, written = text[: -len(ABSENT_WRITTEN)].strip(), False, True
        elif text.lower().endswith(ABSENT):
            text, present = text[: -len(ABSENT)].strip(), False
        if not text or len(text) > 200:
            raise FormError("members", f"Thành viên Hội đồng, dòng {n}: họ tên không hợp lệ.")
        members.append({"name": text, "present": present, "written_vote": written})
    if not members:
        raise FormError("members", "Thành viên Hội đồng: cần ít nhất một thành viên.")
    ballots = []
    count = int(form.get("ballot_count", "0") or 0)
    for i in range(min(count, 5000)):
        nomination = form.get(f"b{i}_nomination", "")
        title = form.get(f"b{i}_title", "")
        label = f"{form.get(f'b{i}_label', nomination)} – {title}"
        ballots.append(
            {
                "nomination": nomination,
                "title": title,
                "in_favour": _int(form, f"b{i}_in_favour", f"{label}, tán thành"),
                "against": _int(form, f"b{i}_against", f"{label}, không tán thành"),
                "abstain": _int(form, f"b{i}_abstain", f"{label}, không ý kiến"),
            }
        )
    try:
        return CouncilRequest.model_validate(
            {"held_on": held_on, "members": members, "ballots": ballots}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FormError("ballots", f"{where}: {first['msg']}") from None


def resubmit_request(form: dict[str, str]) -> ResubmitRequest:
    """The corrected facts (JSON, as shown), the supplemented dossier and the reason."""
    try:
        facts = json.loads(form.get("facts", ""))
    except json.JSONDecodeError as exc:
        raise FormError(
            "facts",
            f"Thông tin kê khai: JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno} ({exc.msg}).",
        ) from None
    evidence = [line.strip() for line in form.get("evidence", "").splitlines() if line.strip()]
    dossier = {
        "achievement_report": form.get("achievement_report", "").strip() or None,
        "review_minutes": form.get("review_minutes", "").strip() or None,
        "evidence": evidence,
    }
    try:
        return ResubmitRequest.model_validate(
            {"facts": facts, "dossier": dossier, "reason": form.get("reason", "").strip() or None}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        field = "facts" if where.startswith("facts") else where.split(".")[-1]
        raise FormError(field, f"{where}: {first['msg']}") from None


def decision_request(form: dict[str, str]) -> DecisionRequest:
    action = form.get("action", "")
    reason = form.get("reason", "").strip() or None
    if action == "return":
        if not reason:
            raise FormError("reason", "Lý do trả lại: bắt buộc khi trả lại danh sách.")
        return DecisionRequest(action=RoundDecision.RETURN, reason=reason)
    if action != "approve":
        raise FormError("action", "Thao tác không hợp lệ.")
    reject = []
    count = int(form.get("item_count", "0") or 0)
    for i in range(min(count, 5000)):
        if form.get(f"i{i}_reject") != "1":
            continue
        why = form.get(f"i{i}_reason", "").strip()
        label = f"{form.get(f'i{i}_label', '')} – {form.get(f'i{i}_title', '')}"
        if not why:
            raise FormError(f"i{i}_reason", f"{label}: không phê duyệt phải ghi rõ lý do.")
        reject.append(
            {
                "nomination": form.get(f"i{i}_nomination", ""),
                "title": form.get(f"i{i}_title"),
                "reason": why,
            }
        )
    try:
        return DecisionRequest.model_validate(
            {"action": "approve", "reject": reject, "reason": reason}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FormError("reason", f"{where}: {first['msg']}") from None


def resolve_objection_request(form: dict[str, str]) -> ResolveObjectionRequest:
    """The Office's resolution of an objection: upheld or dismissed, with the reason."""
    try:
        return ResolveObjectionRequest.model_validate(
            {"decision": form.get("decision", ""), "reason": form.get("reason", "").strip()}
        )
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        message = (
            "Lý do: phải ghi rõ lý do giải quyết phản ánh."
            if field == "reason"
            else "Kết quả: chọn chấp nhận hoặc không chấp nhận phản ánh."
        )
        raise FormError(field, message) from None


def open_round_request(form: dict[str, str]) -> OpenRoundRequest:
    """A new round; its closing time is typed in Vietnam time."""
    try:
        closes = datetime.fromisoformat(form.get("closes_at", "")).replace(tzinfo=VN_TIME)
        return OpenRoundRequest.model_validate(
            {
                "movement": form.get("movement", "").strip(),
                "year": form.get("year", "").strip(),
                "closes_at": closes,
                "late_policy": form.get("late_policy", "refuse"),
                "publication_days": form.get("publication_days", "").strip() or None,
            }
        )
    except ValueError as exc:
        field, where = "closes_at", "Hạn đóng đợt xét"
        if isinstance(exc, ValidationError):
            where = ".".join(str(p) for p in exc.errors()[0]["loc"])
            field = where.split(".")[0]
        raise FormError(field, f"{where}: chưa nhập hoặc không hợp lệ.") from None

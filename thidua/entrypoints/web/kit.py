"""What every console screen shares: templates and their filters, the signed-in session, CSRF,
refusals shown as pages, Vietnam time, titles' names from the ruleset, and the security headers.
"""

from __future__ import annotations

import functools
import hmac
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rules.engine import RulesEngine
from rules.errors import RulesFileError
from rules.registry import LoadedRuleset
from thidua.app.accounts import console
from thidua.app.accounts.console import ConsoleSession
from thidua.domain import labels, policy
from thidua.domain.documents.wording import base_kind
from thidua.domain.nominations import Stage
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role
from thidua.domain.rounds import RoundStage
from thidua.entrypoints.http import status_of
from thidua.entrypoints.security_audit import security_audit_of
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web import explain

PREFIX = "/console"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)
MAX_FORM_FIELDS = 60_000
COOKIE = "thidua_session"
LOGIN_CSRF_COOKIE = "thidua_login_csrf"
HERE = Path(__file__).resolve().parent
VN_TIME = timezone(timedelta(hours=7), "ICT")  # deadlines typed in the console are Vietnam time

# What a page says after a form succeeded (``?ok=<key>`` on the page redirected to).
FLASH_VI = {
    "approve": "Đã đồng ý hồ sơ.",
    "return": "Đã trả lại hồ sơ để bổ sung.",
    "reject": "Đã ghi nhận không đồng ý.",
    "hold": "Đã tạm dừng xét hồ sơ.",
    "resume": "Đã tiếp tục xét hồ sơ.",
    "resubmit": "Đã nộp lại hồ sơ; hồ sơ được đánh giá lại theo bộ tiêu chí.",
    "opened": "Đã mở đợt xét tổng hợp.",
    "closed": "Đã đóng đợt xét và thẩm định các hồ sơ.",
    "initiative_chosen": "Đã ghi lựa chọn của Văn phòng Sở về sáng kiến và thẩm định lại đợt xét.",
    "council": "Đã ghi kết quả họp và bỏ phiếu của Hội đồng; danh sách đã chuyển Giám đốc.",
    "decided": "Đã ghi quyết định của Giám đốc.",
    "returned_round": "Đã trả lại danh sách cho Văn phòng Sở.",
    "objection_resolved": "Đã ghi nhận kết quả giải quyết phản ánh.",
    "revoked": "Đã thu hồi khen thưởng và ban hành quyết định thu hồi.",
    "signed_in": "Đăng nhập thành công.",
    "saved": "Đã lưu bản nháp bộ tiêu chí.",
    "approved": "Đã duyệt phiên bản (quản trị tiêu chí thứ hai).",
    "published": "Đã công bố phiên bản bộ tiêu chí.",
    "profile_set": "Đã lưu phiên bản mới của hồ sơ cơ quan.",
    "profile_same": "Hồ sơ giống hệt phiên bản đang có hiệu lực từ cùng ngày: không tạo phiên bản mới.",
    "registered": "Đã đăng ký thi đua.",
    "registered_late": "Đã ghi nhận đăng ký thi đua muộn (ngoài thời gian đăng ký).",
}


class Redirect(Exception):
    """Raised by a screen to send the browser elsewhere (303); the app's handler answers it."""

    def __init__(self, url: str) -> None:
        self.url = url


# ---- time ----------------------------------------------------------------------------------


def now() -> datetime:
    return datetime.now(UTC)


def fmt_dt(value: datetime | None) -> str:
    if value is None:
        return "—"
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(VN_TIME).strftime("%d/%m/%Y %H:%M")  # Vietnam time, as typed


def fmt_iso(value: Any) -> str:
    try:
        return fmt_dt(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value or "—")


# ---- titles' names, from the ruleset that decided -----------------------------------------


def ruleset_of(engine: RulesEngine, ruleset_id: Any, version: Any) -> LoadedRuleset | None:
    """The ruleset version an evaluation or a round names, or None when it cannot be had.

    Blocking (the registry may read the database): call it off the event loop.
    """
    if not ruleset_id or not version:
        return None
    try:
        return engine.registry.get(str(ruleset_id), str(version))
    except (LookupError, RulesFileError):
        return None


def names_of(lr: LoadedRuleset | None) -> dict[str, str]:
    """Code → ``name_vi`` of a ruleset's titles, in its order."""
    return {code: t.name_vi for code, t in lr.titles.items()} if lr is not None else {}


def title_names(engine: RulesEngine, refs: Iterable[tuple[str, str] | None]) -> dict[str, str]:
    """Titles' names of these ruleset versions (the first to name a code wins); a version that
    cannot be had adds nothing, so its codes read as they are. Blocking, like ``ruleset_of``."""
    names: dict[str, str] = {}
    for ref in dict.fromkeys(r for r in refs if r):
        for code, name in names_of(ruleset_of(engine, *ref)).items():
            names.setdefault(code, name)
    return names


def in_title_order(codes: Iterable[str], names: dict[str, str]) -> list[str]:
    """Codes in the ruleset's order of its titles; unknown codes last, as they came."""
    order = {code: i for i, code in enumerate(names)}
    return sorted(codes, key=lambda c: order.get(c, len(order)))


# ---- templates -----------------------------------------------------------------------------


@pass_context
def _title_vi(ctx: Context, code: str) -> str:
    names: dict[str, str] = ctx.get("title_names") or {}
    return names.get(code, code)


def _vnd(n: int | None) -> str:
    return f"{n:,}".replace(",", ".") + " đ" if n else "—"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {
            "dt": fmt_dt,
            "iso_dt": fmt_iso,
            "stage_vi": lambda s: labels.STAGE_LABEL_VI.get(Stage(s), s) if s else "—",
            "round_stage_vi": lambda s: labels.ROUND_STAGE_LABEL_VI.get(RoundStage(s), s),
            "role_vi": lambda s: labels.ROLE_LABEL_VI.get(Role(s), s) if s else "—",
            "status_vi": lambda s: labels.ELIGIBILITY_LABEL_VI.get(s or "", s or "—"),
            "action_vi": lambda s: labels.STEP_ACTION_LABEL_VI.get(s, s),
            "round_action_vi": lambda s: labels.ROUND_ACTION_LABEL_VI.get(s, s),
            "council_vi": lambda s: labels.COUNCIL_STATUS_LABEL_VI.get(s, s),
            "director_vi": lambda s: labels.DIRECTOR_STATUS_LABEL_VI.get(s, s),
            "doc_vi": lambda s: labels.DOCUMENT_KIND_LABEL_VI.get(base_kind(s), s),
            "kind_vi": lambda s: labels.KIND_LABEL_VI.get(s, s),
            "title_vi": _title_vi,  # the page's ``title_names`` (from its ruleset), else the code
            "vnd": _vnd,
            "urlq": lambda s: quote(str(s), safe=""),
            "fact": explain.plain_value,
        }
    )
    return env


def compile_templates() -> None:
    """Compile every template once (at startup), not on some official's first visit."""
    env = environment()
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)


def nav(actor: Actor) -> list[tuple[str, str]]:
    items = [(f"{PREFIX}/inbox", "Việc của tôi"), (f"{PREFIX}/nominations", "Hồ sơ")]
    if actor.role in policy.ROUND_READERS:
        items.append((f"{PREFIX}/rounds", "Đợt xét"))
    if actor.role in policy.DECISION_EXPLORERS:
        items.append((f"{PREFIX}/decisions", "Quyết định"))
    if actor.role in policy.AUDIT_READERS:
        items.append((f"{PREFIX}/audit", "Nhật ký"))
    if actor.role in (Role.RULES_ADMIN, Role.AUDITOR):
        items.append((f"{PREFIX}/rules", "Bộ tiêu chí"))
    if actor.role in policy.ORG_READERS:
        items.append((f"{PREFIX}/units", "Tổ chức"))
    items.append((f"{PREFIX}/movements", "Phong trào"))
    items.append((f"{PREFIX}/dashboard", "Tổng quan"))
    items.append((f"{PREFIX}/agency", "Cơ quan"))
    return items


def render(
    request: Request, template: str, sess: ConsoleSession | None, status: int = 200, **ctx: Any
) -> HTMLResponse:
    html = (
        environment()
        .get_template(template)
        .render(
            {
                "request": request,
                "session": sess,
                "actor": sess.actor if sess else None,
                "nav": nav(sess.actor) if sess else [],
                "path": request.url.path,
                "flash": FLASH_VI.get(request.query_params.get("ok", "")),
                "prefix": PREFIX,
                "now": now(),
                "title_names": {},
                **ctx,
            }
        )
    )
    return HTMLResponse(html, status_code=status)


def refused(request: Request, sess: ConsoleSession | None, exc: Refusal) -> HTMLResponse:
    """A refusal as a page, with the status the API would answer (a 403 audited once sent)."""
    page = render(request, "error.html", sess, status=status_of(exc.code), message=exc.message)
    audit = security_audit_of(request) if exc.code is RefusalCode.FORBIDDEN else None
    if audit is not None:
        audit.forbidden_after(page, request, sess.actor if sess else None, exc.message)
    return page


# ---- the signed-in session and CSRF --------------------------------------------------------


async def current(request: Request) -> ConsoleSession | None:
    sid = request.cookies.get(COOKIE)
    if not sid:
        return None
    return await services_of(request).uow.run(lambda tx: console.resolve_session(tx, sid))


async def require(request: Request) -> ConsoleSession:
    """The signed-in session, else off to the sign-in page (and back here afterwards)."""
    sess = await current(request)
    if sess is None:
        if request.method != "GET":  # a form posted after the session ended: start over
            raise Redirect(f"{PREFIX}/login")
        nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise Redirect(f"{PREFIX}/login?next={quote(nxt, safe='')}")
    return sess


async def check_csrf(request: Request, sess: ConsoleSession) -> dict[str, str]:
    """The posted form's text fields, once its CSRF token matched the session's."""
    # A council's tally form has six fields per item: allow large rounds.
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    sent = values.pop("csrf_token", "")
    if not hmac.compare_digest(sent.encode(), sess.csrf_token.encode()):
        raise Refusal(
            RefusalCode.FORBIDDEN,
            "Phiên làm việc không hợp lệ hoặc biểu mẫu đã cũ; hãy tải lại trang và thử lại.",
        )
    return values


# ---- headers -------------------------------------------------------------------------------


class ConsoleHeadersMiddleware:
    """Security and cache headers plus ``Server-Timing`` on console pages (pure ASGI: the API
    routes pass straight through at no cost)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        static = "/static/" in scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
                headers["X-Frame-Options"] = "DENY"
                headers["Content-Security-Policy"] = CSP
                headers["Cache-Control"] = "max-age=3600" if static else "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)

"""The web console: server-rendered pages for officials, on the same service layer as the API.

Every page resolves the signed-in actor from the session cookie and calls the same service
functions as the API routes (``thidua.app.*``, ``thidua.domain.policy``); a refusal is shown as a
page in Vietnamese with the same meaning (404 for foreign objects, 403, 409...). POST forms carry
the session's CSRF token; a refused form is shown again with what was typed.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from thidua.adapters.db.session import UnitOfWork
from thidua.app import console_auth, decisions, nominations, rounds
from thidua.app import rules_versions as rv
from thidua.app.lifecycle import (
    HoldRequest,
    Lifecycle,
    ResubmitRequest,
    ResumeRequest,
    ReviewRequest,
)
from thidua.app.round_commands import (
    CouncilRequest,
    DecisionRequest,
    OpenRoundRequest,
    Rounds,
)
from thidua.config import Settings
from thidua.domain import policy
from thidua.domain.labels import ROLE_LABEL_VI, ROUND_STAGE_LABEL_VI, STAGE_LABEL_VI
from thidua.domain.nominations import ReviewDecision, Stage
from thidua.domain.policy import AUDIT_READERS as AUDIT_LIST_ROLES
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role
from thidua.domain.rounds import RoundDecision, RoundStage
from thidua.entrypoints.http import status_of
from thidua.entrypoints.ratelimit import RateLimiter
from thidua.entrypoints.web import dashboard as dashboard_data
from thidua.entrypoints.web import explain, governance
from thidua.entrypoints.web.charts import bar_chart, grouped_bars
from thidua.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

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

ROUND_ACTION_VI = {
    "reminder": "Nhắc hạn",
    "close": "Đóng đợt xét, thẩm định",
    "council": "Ghi kết quả Hội đồng",
    "approve": "Giám đốc phê duyệt",
    "return": "Giám đốc trả lại Văn phòng",
}
DECISION_LABEL_VI = {
    "approve": "Đồng ý",
    "return": "Trả lại để bổ sung",
    "reject": "Không đồng ý",
    "hold": "Tạm dừng xét",
    "resume": "Tiếp tục xét",
}
ACTION_LABEL_VI = {
    "submit": "Nộp hồ sơ",
    "evaluate": "Đánh giá tiêu chí",
    "approve": "Đồng ý",
    "return": "Trả lại",
    "reject": "Không đồng ý",
    "resubmit": "Nộp lại",
    "hold": "Tạm dừng",
    "resume": "Tiếp tục",
}
FLASH_VI = {
    "approve": "Đã đồng ý hồ sơ.",
    "return": "Đã trả lại hồ sơ để bổ sung.",
    "reject": "Đã ghi nhận không đồng ý.",
    "hold": "Đã tạm dừng xét hồ sơ.",
    "resume": "Đã tiếp tục xét hồ sơ.",
    "resubmit": "Đã nộp lại hồ sơ; hồ sơ được đánh giá lại theo bộ tiêu chí.",
    "opened": "Đã mở đợt xét tổng hợp.",
    "closed": "Đã đóng đợt xét và thẩm định các hồ sơ.",
    "council": "Đã ghi kết quả họp và bỏ phiếu của Hội đồng; danh sách đã chuyển Giám đốc.",
    "decided": "Đã ghi quyết định của Giám đốc.",
    "returned_round": "Đã trả lại danh sách cho Văn phòng Sở.",
    "signed_in": "Đăng nhập thành công.",
    "saved": "Đã lưu bản nháp bộ tiêu chí.",
    "approved": "Đã duyệt phiên bản (quản trị tiêu chí thứ hai).",
    "published": "Đã công bố phiên bản bộ tiêu chí.",
}
STATUS_VI = {
    "eligible": "Đủ điều kiện",
    "not_eligible": "Chưa đủ điều kiện",
    "on_hold": "Tạm dừng",
}
COUNCIL_VI = {"pending": "Chờ bỏ phiếu", "passed": "Đạt", "not_recommended": "Không đề nghị"}
DIRECTOR_VI = {
    "pending": "Chờ quyết định",
    "approved": "Phê duyệt",
    "rejected": "Không phê duyệt",
    "not_recommended": "Không đề nghị",
}
DOCUMENT_VI = {
    "report": "Báo cáo tổng hợp",
    "minutes": "Biên bản họp Hội đồng",
    "decision": "Quyết định khen thưởng",
    "submission": "Tờ trình đề nghị tỉnh khen thưởng",
}


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


def _now() -> datetime:
    return datetime.now(UTC)


def _fmt_dt(value: datetime | None) -> str:
    if value is None:
        return "—"
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(VN_TIME).strftime("%d/%m/%Y %H:%M")  # Vietnam time, as typed


def _fmt_iso(value: Any) -> str:
    try:
        return _fmt_dt(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value or "—")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = _fmt_dt
    env.filters["stage_vi"] = lambda s: STAGE_LABEL_VI.get(Stage(s), s) if s else "—"
    env.filters["round_stage_vi"] = lambda s: ROUND_STAGE_LABEL_VI.get(RoundStage(s), s)
    env.filters["status_vi"] = lambda s: STATUS_VI.get(s or "", s or "—")
    env.filters["action_vi"] = lambda s: ACTION_LABEL_VI.get(s, s)
    env.filters["role_vi"] = lambda s: ROLE_LABEL_VI.get(Role(s), s) if s else "—"
    env.filters["council_vi"] = lambda s: COUNCIL_VI.get(s, s)
    env.filters["director_vi"] = lambda s: DIRECTOR_VI.get(s, s)
    env.filters["doc_vi"] = lambda s: DOCUMENT_VI.get(s, s)
    env.filters["round_action_vi"] = lambda s: ROUND_ACTION_VI.get(s, s)
    env.filters["iso_dt"] = _fmt_iso
    env.filters["title_vi"] = explain.title_label
    env.filters["vnd"] = lambda n: f"{n:,}".replace(",", ".") + " đ" if n else "—"
    env.filters["urlq"] = lambda s: quote(str(s), safe="")
    env.filters["fact"] = lambda v: explain.plain_value(v)
    return env


def _nav(actor: Actor) -> list[tuple[str, str]]:
    items = [(f"{PREFIX}/inbox", "Việc của tôi"), (f"{PREFIX}/nominations", "Hồ sơ")]
    if actor.role in rounds.READERS:
        items.append((f"{PREFIX}/rounds", "Đợt xét"))
    if actor.role in policy.DECISION_EXPLORERS:
        items.append((f"{PREFIX}/decisions", "Quyết định"))
    if actor.role in AUDIT_LIST_ROLES:
        items.append((f"{PREFIX}/audit", "Nhật ký"))
    if actor.role in (Role.RULES_ADMIN, Role.AUDITOR):
        items.append((f"{PREFIX}/rules", "Bộ tiêu chí"))
    items.append((f"{PREFIX}/dashboard", "Tổng quan"))
    return items


def mount_console(app: FastAPI, settings: Settings, uow: UnitOfWork) -> None:
    """Add the console's pages under ``/console`` (outside the OpenAPI schema)."""
    env = _environment()
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)  # compiled once here, not on some official's first visit
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    failed_signins = RateLimiter(settings.api.failed_auth_per_minute, 60.0)
    labels_of: dict[tuple[str, str, str], dict[str, tuple[str, str]]] = {}  # by content hash

    async def in_session(fn: Callable[[Session], T]) -> T:
        def _run() -> T:
            with uow() as session:
                return fn(session)

        return await run_in_threadpool(_run)

    async def current(request: Request) -> console_auth.ConsoleSession | None:
        sid = request.cookies.get(COOKIE)
        if not sid:
            return None
        return await in_session(lambda s: console_auth.resolve_session(s, sid))

    async def require(request: Request) -> console_auth.ConsoleSession:
        sess = await current(request)
        if sess is None:
            if request.method != "GET":  # a form posted after the session ended: start over
                raise Redirect(f"{PREFIX}/login")
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise Redirect(f"{PREFIX}/login?next={quote(nxt, safe='')}")
        return sess

    def render(
        request: Request,
        template: str,
        sess: console_auth.ConsoleSession | None,
        status: int = 200,
        **ctx: Any,
    ) -> HTMLResponse:
        flash = FLASH_VI.get(request.query_params.get("ok", ""))
        html = env.get_template(template).render(
            request=request,
            session=sess,
            actor=sess.actor if sess else None,
            nav=_nav(sess.actor) if sess else [],
            path=request.url.path,
            flash=flash,
            prefix=PREFIX,
            now=_now(),
            **ctx,
        )
        return HTMLResponse(html, status_code=status)

    def refused(
        request: Request, sess: console_auth.ConsoleSession | None, exc: Refusal
    ) -> HTMLResponse:
        return render(request, "error.html", sess, status=status_of(exc.code), message=exc.message)

    async def check_csrf(request: Request, sess: console_auth.ConsoleSession) -> dict[str, str]:
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

    def lifecycle(request: Request) -> Lifecycle:
        lc: Lifecycle = request.app.state.lifecycle
        return lc

    def rounds_service(request: Request) -> Rounds:
        svc: Rounds = request.app.state.rounds
        return svc

    # ---- sign-in ----------------------------------------------------------------------

    @router.get("/")
    async def home(request: Request) -> Response:
        sess = await current(request)
        return RedirectResponse(f"{PREFIX}/inbox" if sess else f"{PREFIX}/login", 303)

    def login_page(
        request: Request, status: int = 200, error: str | None = None, username: str = ""
    ) -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        response = render(
            request,
            "login.html",
            None,
            status=status,
            error=error,
            username=username,
            login_csrf=token,
            next=request.query_params.get("next", ""),
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path=f"{PREFIX}/login",
        )
        return response

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        if await current(request):
            return RedirectResponse(f"{PREFIX}/inbox", 303)
        return login_page(request)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        username = str(form.get("username", "")).strip()[:64]
        password = str(form.get("password", ""))
        sent = str(form.get("csrf_token", ""))
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
            return login_page(
                request, 400, "Biểu mẫu đăng nhập đã cũ; hãy thử lại.", username=username
            )
        ip = request.client.host if request.client else "unknown"
        for key in (f"ip:{ip}", f"user:{username}"):
            blocked = failed_signins.check(key)
            if blocked is not None:
                log.warning("console sign-in throttled", client_ip=ip, username=username)
                response = login_page(
                    request,
                    429,
                    f"Quá nhiều lần đăng nhập sai; thử lại sau {blocked.header} giây.",
                    username=username,
                )
                response.headers["Retry-After"] = blocked.header
                return response
        actor = await in_session(lambda s: console_auth.check_credentials(s, username, password))
        if actor is None:
            log.warning("console sign-in failed", client_ip=ip, username=username)
            failed_signins.hit(f"ip:{ip}")
            failed_signins.hit(f"user:{username}")
            return login_page(
                request, 401, "Tên đăng nhập hoặc mật khẩu không đúng.", username=username
            )
        sid = await in_session(lambda s: console_auth.open_session(s, username))
        log.info("console sign-in", actor=username, client_ip=ip)
        nxt = str(form.get("next", ""))
        target = nxt if nxt.startswith(PREFIX + "/") and "//" not in nxt else f"{PREFIX}/inbox"
        done = RedirectResponse(target, 303)
        done.set_cookie(
            COOKIE,
            sid,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path=PREFIX,
            max_age=int(console_auth.SESSION_LIFETIME.total_seconds()),
        )
        done.delete_cookie(LOGIN_CSRF_COOKIE, path=f"{PREFIX}/login")
        return done

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        sess = await require(request)
        try:
            await check_csrf(request, sess)
        except Refusal as exc:
            return refused(request, sess, exc)
        sid = request.cookies.get(COOKIE, "")
        await in_session(lambda s: console_auth.close_session(s, sid))
        response = RedirectResponse(f"{PREFIX}/login", 303)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    # ---- inbox and nominations --------------------------------------------------------

    def _waiting_stages(actor: Actor) -> list[Stage]:
        stages = [s for s, role in policy.REVIEWER_OF.items() if role is actor.role]
        if actor.role is Role.UNIT_OFFICER:
            stages.append(Stage.RETURNED)
        if actor.role in (Role.OFFICE, Role.DIRECTOR):
            stages.append(Stage.ON_HOLD)
        return stages

    @router.get("/inbox")
    async def inbox(request: Request) -> Response:
        sess = await require(request)
        actor = sess.actor

        def _load(s: Session) -> dict[str, Any]:
            waiting: list[nominations.NominationView] = []
            for stage in _waiting_stages(actor):
                waiting.extend(nominations.list_nominations(s, actor, stage=stage.value, limit=500))
            waiting.sort(key=lambda v: (v.deadline is None, v.deadline or v.updated_at))
            my_rounds = []
            if actor.role in rounds.READERS:
                for r in rounds.list_rounds(s, actor):
                    steps = [
                        step
                        for step, (role, stages) in policy.ROUND_STEPS.items()
                        if role is actor.role and RoundStage(r["stage"]) in stages
                    ]
                    if steps:
                        my_rounds.append({**r, "steps": steps})
            versions = []
            if actor.role is Role.RULES_ADMIN:
                for v in rv.list_versions(s, actor):
                    if v.status == rv.DRAFT and v.author != actor.username:
                        versions.append((v, "cần anh/chị duyệt (quản trị thứ hai)"))
                    elif v.status == rv.APPROVED:
                        versions.append((v, "đã duyệt, chờ công bố"))
                    elif v.status == rv.DRAFT:
                        versions.append((v, "bản nháp của anh/chị, chờ quản trị khác duyệt"))
            open_round = any(
                r["stage"] in (RoundStage.OPEN.value, RoundStage.OFFICE.value)
                for r in (rounds.list_rounds(s, actor) if actor.role is Role.OFFICE else [])
            )
            needs_round = (
                actor.role is Role.OFFICE
                and not open_round
                and any(v.stage == Stage.OFFICE_REVIEW.value for v in waiting)
            )
            return {
                "waiting": waiting,
                "rounds": my_rounds,
                "versions": versions,
                "needs_round": needs_round,
            }

        data = await in_session(_load)
        return render(request, "inbox.html", sess, **data)

    @router.get("/nominations")
    async def nomination_list(request: Request) -> Response:
        sess = await require(request)
        q = request.query_params
        stage = q.get("stage") or None
        unit = q.get("unit") or None
        title = q.get("title") or None
        text = (q.get("q") or "").strip().lower()
        if stage is not None and stage not in {s.value for s in Stage}:
            stage = None

        def _load(s: Session) -> list[nominations.NominationView]:
            views = nominations.list_nominations(
                s, sess.actor, stage=stage, unit=unit, title=title, limit=500
            )
            if text:
                views = [v for v in views if text in v.nominee_name.lower() or text in v.id.lower()]
            return views

        views = await in_session(_load)
        return render(
            request,
            "nominations.html",
            sess,
            items=views,
            stages=list(Stage),
            filters={"stage": stage or "", "unit": unit or "", "title": title or "", "q": text},
        )

    def _allowed_actions(actor: Actor, view: nominations.NominationDetail) -> list[str]:
        """What the policy lets this actor do here (the service checks again when it is done)."""
        stage = Stage(view.stage)
        allowed: list[str] = []
        for decision in ReviewDecision:
            try:
                policy.check_review(actor, stage, view.unit, decision)
            except Refusal:
                continue
            allowed.append(decision.value)
        try:
            policy.check_hold(actor, stage, view.unit)
            allowed.append("hold")
        except Refusal:
            pass
        try:
            policy.check_resume(actor, stage)
            allowed.append("resume")
        except Refusal:
            pass
        return allowed

    def _may_resubmit(actor: Actor, view: nominations.NominationDetail) -> bool:
        try:
            policy.check_resubmit(actor, Stage(view.stage), view.unit)
        except Refusal:
            return False
        return True

    async def nomination_page(
        request: Request,
        sess: console_auth.ConsoleSession,
        key: str,
        status: int = 200,
        error: str | None = None,
        form: dict[str, str] | None = None,
        error_at: str | None = None,
    ) -> HTMLResponse:
        def _load(s: Session) -> tuple[nominations.NominationDetail, dict[str, tuple[str, str]]]:
            view = nominations.get_nomination(s, sess.actor, key)
            ref = (view.evaluation or {}).get("ruleset") or {}
            which = (str(ref.get("id")), str(ref.get("version")), str(ref.get("sha256")))
            if which in labels_of:
                return view, labels_of[which]
            try:  # the version that decided: the database's, else the shipped files'
                lr = decisions.VersionResolver().get(s, which[0], which[1])
            except (LookupError, rv.RulesVersionError):
                return view, {}  # the trace still reads, with field names for labels
            labels = explain.field_labels(lr)
            if lr.sha256 == which[2]:
                labels_of[which] = labels
            return view, labels

        try:
            view, labels = await in_session(_load)
        except Refusal as exc:
            return refused(request, sess, exc)
        return render(
            request,
            "nomination.html",
            sess,
            status=status,
            n=view,
            actions=_allowed_actions(sess.actor, view),
            explanation=explain.explain(view.evaluation, labels),
            overdue=view.deadline is not None and view.deadline < _now(),
            error=error,
            form=form or {},
            decision_vi=DECISION_LABEL_VI,
            may_explore=sess.actor.role in policy.DECISION_EXPLORERS,
            may_resubmit=_may_resubmit(sess.actor, view),
            error_at=error_at,
            facts_json=json.dumps(view.facts, ensure_ascii=False, indent=2),
        )

    @router.get("/nominations/{key}")
    async def nomination(request: Request, key: str) -> Response:
        sess = await require(request)
        return await nomination_page(request, sess, key)

    @router.post("/nominations/{key}/act")
    async def nomination_act(request: Request, key: str) -> Response:
        sess = await require(request)
        try:
            form = await check_csrf(request, sess)
        except Refusal as exc:
            return refused(request, sess, exc)
        action = form.get("action", "")
        reason = form.get("reason", "").strip() or None
        lc = lifecycle(request)
        try:
            if action in {d.value for d in ReviewDecision}:
                await lc.review(
                    sess.actor, key, ReviewRequest(decision=ReviewDecision(action), reason=reason)
                )
            elif action == "hold":
                await lc.hold(sess.actor, key, HoldRequest(reason=reason or ""))
            elif action == "resume":
                await lc.resume(sess.actor, key, ResumeRequest(reason=reason))
            else:
                raise Refusal(RefusalCode.INVALID, "action: thao tác không hợp lệ.")
        except ValidationError:
            return await nomination_page(
                request, sess, key, 400, "Lý do: bắt buộc, tối đa 2000 ký tự.", form
            )
        except Refusal as exc:
            if exc.code is RefusalCode.NOT_FOUND:
                return refused(request, sess, exc)
            return await nomination_page(request, sess, key, status_of(exc.code), exc.message, form)
        return RedirectResponse(f"{PREFIX}/nominations/{quote(key)}?ok={action}", 303)

    @router.post("/nominations/{key}/resubmit")
    async def nomination_resubmit(request: Request, key: str) -> Response:
        """The unit officer sends a returned nomination back, corrected and supplemented."""
        sess = await require(request)
        try:
            form = await check_csrf(request, sess)
        except Refusal as exc:
            return refused(request, sess, exc)
        try:
            body = _resubmit_request(form)
            await lifecycle(request).resubmit(sess.actor, key, body)
        except _FormError as exc:
            return await nomination_page(request, sess, key, 400, exc.message, form, exc.field)
        except Refusal as exc:
            if exc.code is RefusalCode.NOT_FOUND:
                return refused(request, sess, exc)
            return await nomination_page(request, sess, key, status_of(exc.code), exc.message, form)
        return RedirectResponse(f"{PREFIX}/nominations/{quote(key)}?ok=resubmit", 303)

    # ---- rounds: Office, council, Director ---------------------------------------------

    @router.get("/rounds")
    async def round_list(request: Request) -> Response:
        sess = await require(request)
        try:
            items = await in_session(lambda s: rounds.list_rounds(s, sess.actor))
        except Refusal as exc:
            return refused(request, sess, exc)
        return round_list_page(request, sess, items)

    def round_list_page(
        request: Request,
        sess: console_auth.ConsoleSession,
        items: list[dict[str, Any]],
        status: int = 200,
        error: str | None = None,
        form: dict[str, str] | None = None,
    ) -> HTMLResponse:
        latest = items[-1] if items else None
        defaults = {
            "movement": latest["movement"] if latest else "",
            "year": str(latest["year"]) if latest else str(date.today().year),
            "late_policy": "refuse",
        }
        return render(
            request,
            "rounds.html",
            sess,
            status=status,
            items=list(reversed(items)),
            may_open=sess.actor.role is Role.OFFICE,
            error=error,
            form={**defaults, **(form or {})},
        )

    @router.post("/rounds")
    async def round_open(request: Request) -> Response:
        sess = await require(request)
        try:
            form = await check_csrf(request, sess)
            items = await in_session(lambda s: rounds.list_rounds(s, sess.actor))
        except Refusal as exc:
            return refused(request, sess, exc)
        try:
            closes = datetime.fromisoformat(form.get("closes_at", "")).replace(tzinfo=VN_TIME)
            body = OpenRoundRequest.model_validate(
                {
                    "movement": form.get("movement", "").strip(),
                    "year": form.get("year", "").strip(),
                    "closes_at": closes,
                    "late_policy": form.get("late_policy", "refuse"),
                }
            )
        except ValueError as exc:
            where = "Hạn đóng đợt xét"
            if isinstance(exc, ValidationError):
                where = ".".join(str(p) for p in exc.errors()[0]["loc"])
            return round_list_page(
                request, sess, items, 400, f"{where}: chưa nhập hoặc không hợp lệ.", form
            )
        try:
            view = await rounds_service(request).open(sess.actor, body)
        except Refusal as exc:
            return round_list_page(request, sess, items, status_of(exc.code), exc.message, form)
        return RedirectResponse(f"{PREFIX}/rounds/{quote(view.key)}?ok=opened", 303)

    async def round_page(
        request: Request,
        sess: console_auth.ConsoleSession,
        key: str,
        status: int = 200,
        error: str | None = None,
        form: dict[str, str] | None = None,
        error_at: str | None = None,
    ) -> HTMLResponse:
        try:
            view = await run_in_threadpool(rounds_service(request).read, sess.actor, key)
        except Refusal as exc:
            return refused(request, sess, exc)
        stage = RoundStage(view.stage)
        steps = {
            step: policy.may_take_round_step(sess.actor, step, stage) for step in policy.ROUND_STEPS
        }
        by_unit_title: dict[str, dict[str, int]] = {}
        for item in view.items:
            by_unit_title.setdefault(item.unit, {}).setdefault(item.code, 0)
            by_unit_title[item.unit][item.code] += 1
        codes = sorted({i.code for i in view.items}, key=explain.title_order)
        return render(
            request,
            "round.html",
            sess,
            status=status,
            r=view,
            steps=steps,
            codes=codes,
            by_unit_title=dict(sorted(by_unit_title.items())),
            error=error,
            error_at=error_at,
            form=form or {},
            today=date.today().isoformat(),
        )

    @router.get("/rounds/{key}")
    async def round_detail(request: Request, key: str) -> Response:
        sess = await require(request)
        return await round_page(request, sess, key)

    @router.post("/rounds/{key}/close")
    async def round_close(request: Request, key: str) -> Response:
        sess = await require(request)
        try:
            await check_csrf(request, sess)
            await rounds_service(request).close(sess.actor, key)
        except Refusal as exc:
            return await round_page(request, sess, key, status_of(exc.code), exc.message)
        return RedirectResponse(f"{PREFIX}/rounds/{quote(key)}?ok=closed", 303)

    @router.post("/rounds/{key}/council")
    async def round_council(request: Request, key: str) -> Response:
        sess = await require(request)
        try:
            form = await check_csrf(request, sess)
        except Refusal as exc:
            return refused(request, sess, exc)
        try:
            body = _council_request(form)
            await rounds_service(request).council(sess.actor, key, body)
        except _FormError as exc:
            return await round_page(request, sess, key, 400, exc.message, form, exc.field)
        except Refusal as exc:
            return await round_page(request, sess, key, status_of(exc.code), exc.message, form)
        return RedirectResponse(f"{PREFIX}/rounds/{quote(key)}?ok=council", 303)

    @router.post("/rounds/{key}/decision")
    async def round_decision(request: Request, key: str) -> Response:
        sess = await require(request)
        try:
            form = await check_csrf(request, sess)
        except Refusal as exc:
            return refused(request, sess, exc)
        try:
            body = _decision_request(form)
            await rounds_service(request).decide(sess.actor, key, body)
        except _FormError as exc:
            return await round_page(request, sess, key, 400, exc.message, form, exc.field)
        except Refusal as exc:
            return await round_page(request, sess, key, status_of(exc.code), exc.message, form)
        ok = "decided" if body.action.value == "approve" else "returned_round"
        return RedirectResponse(f"{PREFIX}/rounds/{quote(key)}?ok={ok}", 303)

    @router.get("/rounds/{key}/documents/{kind}")
    async def round_document(request: Request, key: str, kind: str) -> Response:
        sess = await require(request)
        fmt = request.query_params.get("format", "docx")
        if fmt not in ("docx", "html", "pdf"):
            fmt = "docx"
        try:
            path = await in_session(lambda s: rounds.document_file(s, sess.actor, key, kind, fmt))
        except Refusal as exc:
            return refused(request, sess, exc)
        media = {
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "html": "text/html; charset=utf-8",
            "pdf": "application/pdf",
        }[fmt]
        return FileResponse(path, media_type=media, filename=f"{key}-{kind}.{fmt}")

    # ---- dashboard -------------------------------------------------------------------

    @router.get("/dashboard")
    async def dashboard(request: Request) -> Response:
        sess = await require(request)
        dash = await in_session(lambda s: dashboard_data.build(s, sess.actor))
        days = dash.days_in_stage
        longest = max((v for _, v in days), default=0.0)
        unit, factor = (
            (" phút", 24 * 60)
            if longest < 1 / 24
            else (" giờ", 24)
            if longest < 2
            else (" ngày", 1)
        )
        charts = {
            "stage": bar_chart(dash.by_stage, title="Hồ sơ theo bước"),
            "unit": bar_chart(dash.by_unit, title="Hồ sơ theo đơn vị", color="#3a8d3f"),
            "granted": grouped_bars(
                dash.years, dash.granted, title="Danh hiệu, hình thức được tặng theo năm"
            ),
            "days": bar_chart(
                [(label, round(v * factor, 1)) for label, v in days],
                title="Thời gian trung bình ở mỗi bước",
                unit=unit,
                color="#e07a1f",
            ),
        }
        return render(request, "dashboard.html", sess, dash=dash, charts=charts)

    governance.register(
        router,
        governance.Kit(
            settings=settings,
            uow=uow,
            require=require,
            render=render,
            refused=refused,
            check_csrf=check_csrf,
            in_session=in_session,
        ),
    )
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse(f"{PREFIX}/", 303)

    @app.exception_handler(Redirect)
    async def _redirect(_: Request, exc: Redirect) -> Response:
        return RedirectResponse(exc.url, 303)

    app.add_middleware(ConsoleHeadersMiddleware)


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


# ---- form parsing (errors name the field, so the page can point at it) --------------------


class _FormError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _int(form: dict[str, str], name: str, label: str) -> int:
    raw = form.get(name, "").strip()
    if not raw:
        raise _FormError(name, f"{label}: chưa nhập số phiếu.")
    if not raw.isdigit() or int(raw) > 1000:
        raise _FormError(name, f"{label}: «{raw}» không phải số phiếu hợp lệ (0–1000).")
    return int(raw)


ABSENT_WRITTEN = "(vắng, gửi phiếu)"
ABSENT = "(vắng)"


def _council_request(form: dict[str, str]) -> CouncilRequest:
    held = form.get("held_on", "").strip()
    try:
        held_on = date.fromisoformat(held)
    except ValueError:
        raise _FormError("held_on", "Ngày họp: chưa nhập hoặc không đúng dạng ngày.") from None
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
            raise _FormError("members", f"Thành viên Hội đồng, dòng {n}: họ tên không hợp lệ.")
        members.append({"name": text, "present": present, "written_vote": written})
    if not members:
        raise _FormError("members", "Thành viên Hội đồng: cần ít nhất một thành viên.")
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
        raise _FormError("ballots", f"{where}: {first['msg']}") from None


def _resubmit_request(form: dict[str, str]) -> ResubmitRequest:
    """The corrected facts (JSON, as shown), the supplemented dossier and the reason."""
    try:
        facts = json.loads(form.get("facts", ""))
    except json.JSONDecodeError as exc:
        raise _FormError(
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
        raise _FormError(field, f"{where}: {first['msg']}") from None


def _decision_request(form: dict[str, str]) -> DecisionRequest:
    action = form.get("action", "")
    reason = form.get("reason", "").strip() or None
    if action == "return":
        if not reason:
            raise _FormError("reason", "Lý do trả lại: bắt buộc khi trả lại danh sách.")
        return DecisionRequest(action=RoundDecision.RETURN, reason=reason)
    if action != "approve":
        raise _FormError("action", "Thao tác không hợp lệ.")
    reject = []
    count = int(form.get("item_count", "0") or 0)
    for i in range(min(count, 5000)):
        if form.get(f"i{i}_reject") != "1":
            continue
        why = form.get(f"i{i}_reason", "").strip()
        label = f"{form.get(f'i{i}_label', '')} – {form.get(f'i{i}_title', '')}"
        if not why:
            raise _FormError(f"i{i}_reason", f"{label}: không phê duyệt phải ghi rõ lý do.")
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
        raise _FormError("reason", f"{where}: {first['msg']}") from None

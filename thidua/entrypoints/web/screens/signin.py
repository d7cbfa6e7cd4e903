"""Signing in and out: the login form (its own CSRF cookie), failed attempts throttled per client
address and per username, the session cookie."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from thidua.app.accounts import console
from thidua.config import Settings
from thidua.domain.refusals import Refusal
from thidua.entrypoints.ratelimit import RateLimiter
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.kit import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    PREFIX,
    check_csrf,
    current,
    refused,
    render,
    require,
)
from thidua.logging import get_logger

log = get_logger(__name__)
router = APIRouter(prefix=PREFIX, include_in_schema=False)


def install_throttle(app: FastAPI, settings: Settings) -> None:
    """The app's limiter of failed sign-ins (one per app: its settings say how many)."""
    app.state.console_signins = RateLimiter(settings.api.failed_auth_per_minute, 60.0)


def _failed_signins(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.console_signins
    return limiter


def secure_cookies(request: Request) -> bool:
    """``Secure`` on every cookie in production (TLS is terminated before us, so the request's
    scheme says nothing) or with ``api.secure_cookies``; else when the request came over https."""
    return services_of(request).settings.cookies_secure or request.url.scheme == "https"


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
        secure=secure_cookies(request),
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
        return login_page(request, 400, "Biểu mẫu đăng nhập đã cũ; hãy thử lại.", username=username)
    failed_signins = _failed_signins(request)
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
    uow = services_of(request).uow
    actor = await uow.run(lambda tx: console.check_credentials(tx, username, password))
    if actor is None:
        log.warning("console sign-in failed", client_ip=ip, username=username)
        failed_signins.hit(f"ip:{ip}")
        failed_signins.hit(f"user:{username}")
        return login_page(
            request, 401, "Tên đăng nhập hoặc mật khẩu không đúng.", username=username
        )
    sid = await uow.run(lambda tx: console.open_session(tx, username))
    log.info("console sign-in", actor=username, client_ip=ip)
    nxt = str(form.get("next", ""))
    target = nxt if nxt.startswith(PREFIX + "/") and "//" not in nxt else f"{PREFIX}/inbox"
    done = RedirectResponse(target, 303)
    done.set_cookie(
        COOKIE,
        sid,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path=PREFIX,
        max_age=int(console.SESSION_LIFETIME.total_seconds()),
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
    await services_of(request).uow.run(lambda tx: console.close_session(tx, sid))
    response = RedirectResponse(f"{PREFIX}/login", 303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response

"""Signing in and out: the login form (its own CSRF cookie), attempts throttled per (username,
client address) and per address, the session cookie; sign-ins and failures audited.

Each attempt is counted before its password is checked (``FailureThrottle.reserve``), so
concurrent guesses cannot pass the limit while the slow hash runs. The key is the username *and*
the address: failures from one address never lock the account's owner out elsewhere. A second
key per address (``failed_signins_per_address``) stops spraying many accounts from one address.
A good password forgets its (username, address) failures."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from thidua.app.accounts import console
from thidua.app.security_events import SecurityEvent
from thidua.config import Settings
from thidua.domain.refusals import Refusal
from thidua.entrypoints.client_address import client_address
from thidua.entrypoints.ratelimit import FailureThrottle, RetryAfter
from thidua.entrypoints.security_audit import security_audit_of
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


class SignInThrottle:
    """The app's throttles of sign-in attempts: per (username, address), and per address."""

    def __init__(self, settings: Settings) -> None:
        self.per_account = FailureThrottle(settings.api.failed_auth_per_minute)
        self.per_address = FailureThrottle(settings.api.failed_signins_per_address)

    def reserve(self, username: str, ip: str) -> RetryAfter | None:
        account_key, address_key = f"{username}|{ip}", f"ip:{ip}"
        # Both keys or neither: a refusal by one counts nothing on the other.
        blocked = self.per_account.check(account_key) or self.per_address.check(address_key)
        if blocked is not None:
            return blocked
        blocked = self.per_account.reserve(account_key)
        if blocked is not None:
            return blocked
        blocked = self.per_address.reserve(address_key)
        if blocked is not None:
            self.per_account.refund(account_key)
        return blocked

    def failed(self, username: str, ip: str) -> None:
        self.per_account.failed(f"{username}|{ip}")
        self.per_address.failed(f"ip:{ip}")

    def succeeded(self, username: str, ip: str) -> None:
        self.per_account.succeeded(f"{username}|{ip}")
        self.per_address.refund(f"ip:{ip}")


def install_throttle(app: FastAPI, settings: Settings) -> None:
    """The app's sign-in throttle (one per app: its settings say how many)."""
    app.state.console_signins = SignInThrottle(settings)


def _throttle(request: Request) -> SignInThrottle:
    throttle: SignInThrottle = request.app.state.console_signins
    return throttle


async def _audit(request: Request, event: SecurityEvent, **fields: Any) -> None:
    audit = security_audit_of(request)
    if audit is not None:
        await audit.record(event, **fields)


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
    throttle = _throttle(request)
    ip = client_address(request)
    blocked = throttle.reserve(username, ip)
    if blocked is not None:
        # Logged, not audited: the audit log keeps the attempts that were checked.
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
    try:
        actor = await uow.run(lambda tx: console.check_credentials(tx, username, password))
    except BaseException:
        throttle.failed(username, ip)
        raise
    if actor is None:
        throttle.failed(username, ip)
        log.warning("console sign-in failed", client_ip=ip, username=username)
        await _audit(
            request,
            SecurityEvent.SIGNIN_FAILED,
            key=f"{username}|{ip}",
            object_id=username,
            address=ip,
            reason="bad_credentials",
        )
        return login_page(
            request, 401, "Tên đăng nhập hoặc mật khẩu không đúng.", username=username
        )
    throttle.succeeded(username, ip)
    sid = await uow.run(lambda tx: console.open_session(tx, username))
    log.info("console sign-in", actor=username, client_ip=ip)
    await _audit(
        request,
        SecurityEvent.SIGNIN,
        key=username,
        object_id=username,
        address=ip,
        reason="password",
        actor=username,
        actor_role=actor.role.value,
    )
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

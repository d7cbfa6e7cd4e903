"""The web console: server-rendered pages for officials, on the same service layer as the API.

Every page resolves the signed-in actor from the session cookie and calls the same use cases as
the API routes (``thidua.app.*``, ``thidua.domain.policy``), taking what it needs from the
process's ``Services`` (``thidua.entrypoints.services``); a refusal is shown as a page in
Vietnamese with the status the API would answer (404 for foreign objects, 403, 409...). POST
forms carry the session's CSRF token; a refused form is shown again with what was typed.

``kit`` holds what the screens share, ``forms`` reads posted forms into requests, ``screens/``
has one module (and router) per screen, ``explain`` and ``charts`` help render.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from thidua.entrypoints.services import Services
from thidua.entrypoints.web import kit
from thidua.entrypoints.web.screens import (
    agency,
    audit,
    dashboard,
    decisions,
    inbox,
    movements,
    nominations,
    org,
    rounds,
    rules,
    signin,
)

SCREENS = (
    signin,
    inbox,
    nominations,
    rounds,
    dashboard,
    decisions,
    audit,
    rules,
    agency,
    org,
    movements,
)


def mount_console(app: FastAPI) -> None:
    """Add the console's pages under ``/console`` (outside the OpenAPI schema).

    Call it after ``app.state.services`` is set: the sign-in throttle reads its settings.
    """
    services: Services = app.state.services
    kit.compile_templates()
    signin.install_throttle(app, services.settings)
    for screen in SCREENS:
        app.include_router(screen.router)
    app.mount(
        f"{kit.PREFIX}/static", StaticFiles(directory=kit.HERE / "static"), name="console-static"
    )

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse(f"{kit.PREFIX}/", 303)

    @app.exception_handler(kit.Redirect)
    async def _redirect(_: Request, exc: kit.Redirect) -> Response:
        return RedirectResponse(exc.url, 303)

    app.add_middleware(kit.ConsoleHeadersMiddleware)


__all__ = ["mount_console"]

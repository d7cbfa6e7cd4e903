"""Console screens for auditors and rules administrators.

Decision explorer (search, one decision in full, reproduce, CSV export), the audit log with its
verification status and exports, and the rules versions: editor with errors shown at their line,
golden cases, diff against the published version, what-if, approval by a second admin, publishing.
Every screen calls the services the API calls (``decisions``, ``audit``, ``rules_versions``,
``whatif``) with the signed-in actor; their refusals are shown as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from rules.engine import RulesEngine
from rules.errors import RulesFileError
from rules.registry import RulesRegistry
from thidua.adapters.db.session import UnitOfWork
from thidua.app import audit, decisions, whatif
from thidua.app import rules_versions as rv
from thidua.app.console_auth import ConsoleSession
from thidua.config import Settings
from thidua.domain.policy import AUDIT_READERS as AUDIT_LIST_ROLES
from thidua.domain.policy import AUDIT_VERIFIERS as AUDIT_VERIFY_ROLES
from thidua.domain.refusals import Refusal, RefusalCode

T = TypeVar("T")
# The API's audit readers: the auditor and the rules admin list; only the auditor verifies.
NOT_AUDIT_READER = Refusal(RefusalCode.FORBIDDEN, "Vai trò này không xem được nhật ký kiểm toán.")
PREFIX = "/console"
PAGE = 100


@dataclass
class Kit:
    """What the console's pages share: session, rendering, CSRF, units of work."""

    settings: Settings
    uow: UnitOfWork
    require: Callable[[Request], Awaitable[ConsoleSession]]
    render: Callable[..., HTMLResponse]
    refused: Callable[[Request, ConsoleSession | None, Refusal], HTMLResponse]
    check_csrf: Callable[[Request, ConsoleSession], Awaitable[dict[str, str]]]
    in_session: Callable[[Callable[[Session], Any]], Awaitable[Any]]
    _built: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decision_engine(self) -> tuple[RulesEngine, decisions.VersionResolver]:
        """The engine (built on first use) and a resolver for this request only: a draft's
        content may be replaced between requests, the shipped files may not."""
        with self._lock:
            if "engine" not in self._built:
                self._built["engine"] = RulesEngine()
                self._built["registry"] = RulesRegistry.from_directory()
            engine: RulesEngine = self._built["engine"]
            registry: RulesRegistry = self._built["registry"]
        return engine, decisions.VersionResolver(registry=registry)

    def rules_engine(self) -> RulesEngine:
        """One engine over the database's versions (golden cases, publishing)."""
        with self._lock:
            if "db_engine" not in self._built:
                self._built["db_engine"] = rv.db_engine(self.uow)
            engine: RulesEngine = self._built["db_engine"]
            return engine


def _refusal(exc: rv.RulesVersionError) -> Refusal:
    code = {403: RefusalCode.FORBIDDEN, 404: RefusalCode.NOT_FOUND, 422: RefusalCode.INVALID}
    return Refusal(code.get(exc.status, RefusalCode.WRONG_STAGE), exc.message)


def _filter(q: Any) -> decisions.DecisionFilter:
    year = q.get("year", "")
    return decisions.DecisionFilter(
        movement=q.get("movement") or None,
        unit=q.get("unit") or None,
        year=int(year) if year.isdigit() else None,
        kind=q.get("kind") if q.get("kind") in ("individual", "collective") else None,
        title=q.get("title") or None,
        rule=q.get("rule") or None,
        rule_outcome=q.get("rule_outcome")
        if q.get("rule_outcome") in ("fired", "not_fired", "skipped")
        else "fired",
        outcome=q.get("outcome") if q.get("outcome") in decisions.STATUS_VI else None,
        nomination=q.get("nomination") or None,
    )


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def numbered(text: str, bad: set[int], context: int = 3) -> list[tuple[int, str, bool]]:
    """The lines around each bad line, numbered, the bad ones marked (for the error listing)."""
    near = {n for b in bad for n in range(b - context, b + context + 1)}
    return [(i, line, i in bad) for i, line in enumerate(text.splitlines(), start=1) if i in near]


def register(router: APIRouter, kit: Kit) -> None:
    require, render = kit.require, kit.render

    # ---- decision explorer ----------------------------------------------------------

    @router.get("/decisions")
    async def decision_search(request: Request) -> Response:
        sess = await require(request)
        q = request.query_params
        f = _filter(q)
        after = int(q["after"]) if q.get("after", "").isdigit() else None
        page = await kit.in_session(
            lambda s: decisions.search_decisions(s, sess.actor, f, limit=PAGE, after_id=after)
        )
        params = {k: v for k, v in q.items() if k != "after" and v}
        return render(
            request,
            "decisions.html",
            sess,
            page=page,
            q=dict(q),
            next_url=(
                f"{PREFIX}/decisions?{urlencode({**params, 'after': page.next_cursor})}"
                if page.next_cursor
                else None
            ),
            export_url=f"{PREFIX}/decisions/export.csv?{urlencode(params)}",
            statuses=decisions.STATUS_VI,
        )

    @router.get("/decisions/export.csv")
    async def decision_export(request: Request) -> Response:
        sess = await require(request)
        f = _filter(request.query_params)

        def _csv(s: Session) -> str:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(
                ["id", "ho_so", "ho_ten", "don_vi", "nam", "lan_xet", "bo_tieu_chi", "phien_ban",
                 "sha256", "ket_qua", "danh_hieu", "de_nghi", "thoi_diem"]
            )  # fmt: skip
            after: int | None = None
            while True:
                page = decisions.search_decisions(s, sess.actor, f, limit=500, after_id=after)
                for d in page.items:
                    writer.writerow(
                        _cell(v) for v in
                        [d.id, d.nomination, d.nominee_name, d.unit, d.year, d.phase,
                         d.ruleset.id, d.ruleset.version, d.ruleset.sha256, d.status,
                         " ".join(d.titles), " ".join(d.proposals), d.evaluated_at.isoformat()]
                    )  # fmt: skip
                if page.next_cursor is None:
                    return out.getvalue()
                after = page.next_cursor

        body = await kit.in_session(_csv)
        return Response(
            "\ufeff" + body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="quyet-dinh.csv"'},
        )

    async def decision_page(
        request: Request, sess: ConsoleSession, decision_id: int, reproduction: Any = None
    ) -> HTMLResponse:
        _engine, resolver = kit.decision_engine()
        try:
            detail = await kit.in_session(
                lambda s: decisions.get_decision(s, sess.actor, decision_id, resolver)
            )
        except Refusal as exc:
            return kit.refused(request, sess, exc)
        return render(request, "decision.html", sess, d=detail, reproduction=reproduction)

    @router.get("/decisions/{decision_id}")
    async def decision_show(request: Request, decision_id: str) -> Response:
        sess = await require(request)
        if not decision_id.isdigit():
            return kit.refused(request, sess, decisions.DecisionNotFound())
        return await decision_page(request, sess, int(decision_id))

    @router.post("/decisions/{decision_id}/reproduce")
    async def decision_reproduce(request: Request, decision_id: str) -> Response:
        sess = await require(request)
        if not decision_id.isdigit():
            return kit.refused(request, sess, decisions.DecisionNotFound())
        try:
            await kit.check_csrf(request, sess)
            engine, resolver = kit.decision_engine()
            result = await kit.in_session(
                lambda s: decisions.reproduce_decision(
                    s, sess.actor, int(decision_id), engine, resolver
                )
            )
        except Refusal as exc:
            return kit.refused(request, sess, exc)
        return await decision_page(request, sess, int(decision_id), result)

    # ---- audit log --------------------------------------------------------------------

    @router.get("/audit")
    async def audit_log(request: Request) -> Response:
        sess = await require(request)
        if sess.actor.role not in AUDIT_LIST_ROLES:
            return kit.refused(request, sess, NOT_AUDIT_READER)
        verifies = sess.actor.role in AUDIT_VERIFY_ROLES
        q = request.query_params
        f = audit.AuditFilter(
            action=q.get("action") or None,
            object_type=q.get("object_type") or None,
            object_id=q.get("object_id") or None,
            actor=q.get("actor") or None,
        )
        after = int(q["after"]) if q.get("after", "").isdigit() else None

        def _load(s: Session) -> tuple[Any, ...]:
            report = audit.verify(s) if verifies else None  # it reads the whole table
            items, next_seq = audit.page_entries(s, f, after, PAGE)
            return report, items, next_seq

        report, items, next_seq = await kit.in_session(_load)
        params = {k: v for k, v in q.items() if k != "after" and v}
        return render(
            request,
            "audit.html",
            sess,
            report=report,
            problem=report.problem.message() if report is not None and report.problem else None,
            items=items,
            q=dict(q),
            next_url=(
                f"{PREFIX}/audit?{urlencode({**params, 'after': next_seq})}" if next_seq else None
            ),
        )

    @router.get("/audit/export")
    async def audit_export(request: Request) -> Response:
        sess = await require(request)
        q = request.query_params
        fmt = "csv" if q.get("format") == "csv" else "jsonl"
        if sess.actor.role not in AUDIT_LIST_ROLES:
            return kit.refused(request, sess, NOT_AUDIT_READER)
        try:
            start = dt.date.fromisoformat(q["from"]) if q.get("from") else None
            end = dt.date.fromisoformat(q["to"]) if q.get("to") else None
        except ValueError:
            return kit.refused(
                request, sess, Refusal(RefusalCode.INVALID, "Ngày: phải có dạng YYYY-MM-DD.")
            )

        def _export(s: Session) -> str:
            out = io.StringIO()
            audit.export(s, out, start=start, end=end, fmt=fmt)  # type: ignore[arg-type]
            return out.getvalue()

        try:
            body = await kit.in_session(_export)
        except audit.AuditError as exc:
            return kit.refused(request, sess, Refusal(RefusalCode.INVALID, str(exc)))
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="nhat-ky-kiem-toan.{fmt}"'},
        )

    # ---- rules versions -------------------------------------------------------------

    @router.get("/rules")
    async def rules_list(request: Request) -> Response:
        sess = await require(request)
        try:
            items = await kit.in_session(lambda s: rv.list_versions(s, sess.actor))
        except rv.RulesVersionError as exc:
            return kit.refused(request, sess, _refusal(exc))
        return render(request, "rules.html", sess, items=items)

    def editor(
        request: Request,
        sess: ConsoleSession,
        *,
        action: str,
        content: str,
        golden: str,
        notes: str,
        title: str,
        status: int = 200,
        error: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> HTMLResponse:
        errors = errors or []
        bad = {
            int(e["line"])
            for e in errors
            if str(e.get("field", "content")) == "content" and e.get("line")
        }
        bad_golden = {
            int(e["line"]) for e in errors if str(e.get("field")) == "golden" and e.get("line")
        }
        return render(
            request,
            "rules_edit.html",
            sess,
            status=status,
            action=action,
            content=content,
            golden=golden,
            notes=notes,
            heading=title,
            error=error,
            errors=errors,
            listing=numbered(content, bad) if bad else [],
            golden_listing=numbered(golden, bad_golden) if bad_golden else [],
        )

    @router.get("/rules/new")
    async def rules_new(request: Request) -> Response:
        sess = await require(request)
        q = request.query_params
        content = golden = ""
        if q.get("from_id") and q.get("from_version"):
            try:
                base = await kit.in_session(
                    lambda s: rv.show_version(s, sess.actor, q["from_id"], q["from_version"])
                )
            except rv.RulesVersionError as exc:
                return kit.refused(request, sess, _refusal(exc))
            content, golden = base.content, base.golden or ""
        return editor(
            request,
            sess,
            action=f"{PREFIX}/rules/new",
            content=content,
            golden=golden,
            notes="",
            title="Soạn phiên bản mới",
        )

    async def save(
        request: Request, sess: ConsoleSession, ruleset_id: str | None, version: str | None
    ) -> Response:
        try:
            form = await kit.check_csrf(request, sess)
        except Refusal as exc:
            return kit.refused(request, sess, exc)
        content = form.get("content", "").replace("\r\n", "\n")
        golden = form.get("golden", "").replace("\r\n", "\n")
        notes = form.get("notes", "")
        action = request.url.path
        title = (
            "Soạn phiên bản mới" if ruleset_id is None else f"Sửa bản nháp {ruleset_id}@{version}"
        )
        try:
            body = rv.UploadRequest(content=content, golden=golden or None, notes=notes or None)
            if ruleset_id is None or version is None:
                saved = await kit.in_session(lambda s: rv.upload(s, sess.actor, body))
            else:
                saved = await kit.in_session(
                    lambda s: rv.replace_draft(s, sess.actor, ruleset_id, version, body)
                )
        except ValidationError as exc:
            first = exc.errors()[0]
            return editor(
                request, sess, action=action, content=content, golden=golden, notes=notes,
                title=title, status=400,
                error=f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}",
            )  # fmt: skip
        except rv.RulesVersionError as exc:
            return editor(
                request, sess, action=action, content=content, golden=golden, notes=notes,
                title=title, status=exc.status, error=exc.message, errors=exc.errors,
            )  # fmt: skip
        except RulesFileError as exc:  # pragma: no cover - the service wraps loader errors
            return editor(
                request, sess, action=action, content=content, golden=golden, notes=notes,
                title=title, status=422, error=str(exc),
            )  # fmt: skip
        return RedirectResponse(
            f"{PREFIX}/rules/{quote(saved.ruleset_id)}/{quote(saved.version)}?ok=saved", 303
        )

    @router.post("/rules/new")
    async def rules_create(request: Request) -> Response:
        sess = await require(request)
        return await save(request, sess, None, None)

    @router.get("/rules/{ruleset_id}/{version}/edit")
    async def rules_edit(request: Request, ruleset_id: str, version: str) -> Response:
        sess = await require(request)
        try:
            d = await kit.in_session(lambda s: rv.show_version(s, sess.actor, ruleset_id, version))
        except rv.RulesVersionError as exc:
            return kit.refused(request, sess, _refusal(exc))
        return editor(
            request,
            sess,
            action=f"{PREFIX}/rules/{quote(ruleset_id)}/{quote(version)}/edit",
            content=d.content,
            golden=d.golden or "",
            notes=d.notes or "",
            title=f"Sửa bản nháp {ruleset_id}@{version}",
        )

    @router.post("/rules/{ruleset_id}/{version}/edit")
    async def rules_update(request: Request, ruleset_id: str, version: str) -> Response:
        sess = await require(request)
        return await save(request, sess, ruleset_id, version)

    async def version_page(
        request: Request,
        sess: ConsoleSession,
        ruleset_id: str,
        version: str,
        status: int = 200,
        error: str | None = None,
        form: dict[str, str] | None = None,
    ) -> HTMLResponse:
        def _load(s: Session) -> dict[str, Any]:
            detail = rv.show_version(s, sess.actor, ruleset_id, version)
            return {"v": detail, "diff": rv.diff_version(s, sess.actor, ruleset_id, version)}

        try:
            data = await kit.in_session(_load)
        except rv.RulesVersionError as exc:
            return kit.refused(request, sess, _refusal(exc))
        return render(
            request,
            "rules_version.html",
            sess,
            status=status,
            error=error,
            form=form or {},
            is_admin=sess.actor.role.value == "rules_admin",
            today=dt.date.today().isoformat(),
            **data,
        )

    @router.get("/rules/{ruleset_id}/{version}")
    async def rules_version(request: Request, ruleset_id: str, version: str) -> Response:
        sess = await require(request)
        return await version_page(request, sess, ruleset_id, version)

    @router.get("/rules/{ruleset_id}/{version}/golden")
    async def rules_golden(request: Request, ruleset_id: str, version: str) -> Response:
        """The version's golden cases run with the real engine (nothing written)."""
        sess = await require(request)
        engine = kit.rules_engine()

        def _load(s: Session) -> dict[str, Any]:
            detail = rv.show_version(s, sess.actor, ruleset_id, version)
            out: dict[str, Any] = {"v": detail}
            try:
                out["golden"] = rv.run_tests(s, sess.actor, engine, ruleset_id, version)
            except rv.RulesVersionError as exc:
                if exc.status in (403, 404):
                    raise
                out["golden_error"] = exc.message
            return out

        try:
            data = await kit.in_session(_load)
        except rv.RulesVersionError as exc:
            return kit.refused(request, sess, _refusal(exc))
        return render(request, "rules_golden.html", sess, **data)

    @router.get("/rules/{ruleset_id}/{version}/whatif")
    async def rules_whatif(request: Request, ruleset_id: str, version: str) -> Response:
        """Who gains or loses what under this version, over every stored decision, and why."""
        sess = await require(request)

        def _load(s: Session) -> dict[str, Any]:
            detail = rv.show_version(s, sess.actor, ruleset_id, version)
            draft = whatif.draft_from_db(s, ruleset_id, version)
            return {"v": detail, "whatif": whatif.run_whatif(s, sess.actor, draft)}

        try:
            data = await kit.in_session(_load)
        except rv.RulesVersionError as exc:
            return kit.refused(request, sess, _refusal(exc))
        except Refusal as exc:
            return kit.refused(request, sess, exc)
        except RulesFileError as exc:
            return kit.refused(request, sess, Refusal(RefusalCode.INVALID, str(exc)))
        return render(request, "rules_whatif.html", sess, **data)

    @router.post("/rules/{ruleset_id}/{version}/approve")
    async def rules_approve(request: Request, ruleset_id: str, version: str) -> Response:
        sess = await require(request)
        try:
            await kit.check_csrf(request, sess)
            await kit.in_session(lambda s: rv.approve(s, sess.actor, ruleset_id, version))
        except Refusal as exc:
            return kit.refused(request, sess, exc)
        except rv.RulesVersionError as exc:
            return await version_page(request, sess, ruleset_id, version, exc.status, exc.message)
        return RedirectResponse(
            f"{PREFIX}/rules/{quote(ruleset_id)}/{quote(version)}?ok=approved", 303
        )

    @router.post("/rules/{ruleset_id}/{version}/publish")
    async def rules_publish(request: Request, ruleset_id: str, version: str) -> Response:
        sess = await require(request)
        try:
            form = await kit.check_csrf(request, sess)
        except Refusal as exc:
            return kit.refused(request, sess, exc)
        try:
            body = rv.PublishRequest.model_validate(
                {
                    "effective_from": form.get("effective_from", ""),
                    "effective_to": form.get("effective_to") or None,
                }
            )
        except ValidationError:
            return await version_page(
                request, sess, ruleset_id, version, 400,
                "Ngày hiệu lực: chưa nhập hoặc không đúng dạng ngày.", form,
            )  # fmt: skip
        engine = kit.rules_engine()
        try:
            await kit.in_session(
                lambda s: rv.publish(s, sess.actor, engine, ruleset_id, version, body)
            )
        except rv.RulesVersionError as exc:
            return await version_page(
                request, sess, ruleset_id, version, exc.status, exc.message, form
            )
        return RedirectResponse(
            f"{PREFIX}/rules/{quote(ruleset_id)}/{quote(version)}?ok=published", 303
        )

"""The ``thidua`` command line: run the service, drive nominations, manage the database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer
from pydantic import BaseModel, ValidationError

from thidua.config import Settings, get_settings
from thidua.domain.labels import STAGE_LABEL_VI
from thidua.domain.nominations import ReviewDecision, Stage
from thidua.domain.refusals import Refusal
from thidua.domain.roles import Actor
from thidua.entrypoints.cli.audit import audit_app
from thidua.entrypoints.cli.bulk import register as _register_bulk
from thidua.entrypoints.cli.decisions import app as decisions_app
from thidua.entrypoints.cli.users import tokens_app, users_app
from thidua.logging import configure_logging

app = typer.Typer(help="thidua – quy trình và tiêu chí thi đua, khen thưởng.", no_args_is_help=True)
nominations_app = typer.Typer(help="Hồ sơ đề nghị khen thưởng.", no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
app.add_typer(nominations_app, name="nominations")
_register_bulk(nominations_app)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
rounds_app = typer.Typer(
    help="Đợt xét tổng hợp của Văn phòng Sở, Hội đồng, Giám đốc.", no_args_is_help=True
)
app.add_typer(rounds_app, name="rounds")
app.add_typer(audit_app, name="audit")
app.add_typer(decisions_app, name="decisions")

try:
    from thidua.entrypoints.cli.rules import app as rules_app

    app.add_typer(rules_app, name="rules")
except ImportError:  # pragma: no cover - the rules CLI ships with the rules package
    pass

T = TypeVar("T")
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token", envvar="THIDUA_TOKEN", help="Mã xác thực (THIDUA_TOKEN).", show_default=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"Lỗi: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    settings = get_settings()
    configure_logging("WARNING", settings.log_format)
    return settings


def _actor(settings: Settings, token: str | None) -> Actor:
    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.app import auth

    if not token:
        _fail("thiếu mã xác thực: dùng --token hoặc biến môi trường THIDUA_TOKEN.", 2)
        raise AssertionError  # unreachable
    uow = UnitOfWork(make_engine(settings.database.url))
    with uow() as session:
        actor = auth.authenticate(session, token)
    if actor is None:
        _fail("mã xác thực không hợp lệ, đã thu hồi hoặc hết hạn.", 2)
        raise AssertionError
    return actor


def _with_lifecycle(settings: Settings, fn: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``fn(lifecycle)`` with a Temporal client; domain refusals become clear messages."""
    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.adapters.temporal.client import connect_client
    from thidua.app.lifecycle import Lifecycle

    async def _run() -> T:
        try:
            client = await connect_client(settings.temporal)
        except RuntimeError as exc:
            _fail(f"không kết nối được Temporal tại {settings.temporal.target}: {exc}")
            raise AssertionError from exc
        lc = Lifecycle(client, UnitOfWork(make_engine(settings.database.url)), settings)
        return await fn(lc)

    try:
        return asyncio.run(_run())
    except Refusal as refusal:
        _fail(refusal.message)
        raise AssertionError from refusal


def _read_model(path: Path, model: type[BaseModel]) -> Any:
    """Read a JSON file into ``model``; errors name the file and the field path."""
    from thidua.entrypoints.api.problems import field_path

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"{path}: không tìm thấy tệp.", 2)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f":{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        _fail(f"{path}{where}: không phải JSON hợp lệ ({exc}).", 2)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {field_path(e['loc']) or '(gốc)'}: {e['msg']}" for e in exc.errors()]
        _fail("hồ sơ không hợp lệ:\n  " + "\n  ".join(lines), 2)
    raise AssertionError


def _print_detail(detail: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(detail.model_dump_json(indent=2))
        return
    typer.echo(f"Hồ sơ:        {detail.id}")
    typer.echo(f"Người/tập thể: {detail.nominee_name} ({detail.nominee_code}, {detail.kind})")
    typer.echo(f"Đơn vị:       {detail.unit}   Phong trào: {detail.movement} / {detail.year}")
    typer.echo(f"Bước:         {detail.stage_label} ({detail.stage})")
    if detail.deadline:
        typer.echo(f"Hạn xử lý:    {detail.deadline:%d/%m/%Y %H:%M} UTC")
    if detail.status:
        rs = detail.ruleset
        typer.echo(
            f"Tiêu chí:     {detail.status}; danh hiệu: {', '.join(detail.titles) or '—'}; "
            f"đề nghị cấp trên: {', '.join(detail.proposals) or '—'}"
        )
        if rs:
            typer.echo(f"Bộ tiêu chí:  {rs.id} phiên bản {rs.version} (sha256 {rs.sha256[:12]}…)")
    steps = getattr(detail, "steps", [])
    if steps:
        typer.echo("Các bước:")
        for s in steps:
            who = f"{s.actor} ({s.actor_role})" if s.actor else "hệ thống"
            reason = f" — {s.reason}" if s.reason else ""
            typer.echo(
                f"  {s.seq:>2}. {s.at:%d/%m/%Y %H:%M:%S} {s.action:<9} → {s.stage_to:<16} {who}{reason}"
            )


@app.command()
def up() -> None:
    """Chạy toàn bộ dịch vụ: máy chủ Temporal nhúng, worker và API (như `make run`)."""
    from thidua.entrypoints.up import run_up

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        code = run_up(settings)
    except RuntimeError as exc:
        _fail(str(exc))
        return
    raise typer.Exit(code)


@app.command()
def worker() -> None:
    """Chạy worker Temporal (quy trình và hoạt động)."""
    import worker as worker_module

    worker_module.main()


@app.command()
def api() -> None:
    """Chạy HTTP API."""
    import uvicorn

    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.entrypoints.api.app import create_app
    from thidua.entrypoints.runtime import freeze_startup_heap

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    uow = UnitOfWork(make_engine(settings.database.url))
    config = uvicorn.Config(
        create_app(settings, uow),
        host=settings.api.host,
        port=settings.api.port,
        log_config=None,
        access_log=False,
    )
    freeze_startup_heap()  # the API process only (not apps built in tests)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(uvicorn.Server(config).serve())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu."""
    from thidua.adapters.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.database.url)
    typer.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@app.command("sample-accounts")
def sample_accounts(
    username: Annotated[
        str | None, typer.Argument(help="Chỉ in mã xác thực của tài khoản này.")
    ] = None,
) -> None:
    """In các tài khoản mẫu và mã xác thực của chúng (chỉ trên máy chạy thử)."""
    from thidua.app.seed import read_sample_tokens

    settings = _settings()
    tokens = read_sample_tokens(settings.var_dir / "sample-accounts.json")
    if not tokens:
        _fail("chưa có tài khoản mẫu: hãy chạy `make run` một lần.")
    if username is not None:
        match = [t for t in tokens if t.username == username]
        if not match:
            _fail(f"không có tài khoản mẫu «{username}».")
        typer.echo(match[0].token)
        return
    for t in tokens:
        typer.echo(f"{t.username:<22} {t.role:<18} {t.unit or '-':<8} {t.token}")


@nominations_app.command("submit")
def nominations_submit(file: Path, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Nộp hồ sơ đề nghị từ tệp JSON {movement, unit, facts}."""
    from thidua.app.lifecycle import NominationSubmission

    settings = _settings()
    body = _read_model(file, NominationSubmission)
    actor = _actor(settings, token)
    detail = _with_lifecycle(settings, lambda lc: lc.submit(actor, body))
    _print_detail(detail, as_json)


@nominations_app.command("review")
def nominations_review(
    nomination_id: str,
    decision: Annotated[ReviewDecision, typer.Argument(help="approve | return | reject")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Lý do (bắt buộc khi trả lại/không đồng ý).")
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Xét hồ sơ ở bước hiện tại."""
    from thidua.app.lifecycle import ReviewRequest

    settings = _settings()
    actor = _actor(settings, token)
    body = ReviewRequest(decision=decision, reason=reason)
    detail = _with_lifecycle(settings, lambda lc: lc.review(actor, nomination_id, body))
    _print_detail(detail, as_json)


@nominations_app.command("resubmit")
def nominations_resubmit(
    nomination_id: str, file: Path, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Nộp lại hồ sơ đã bị trả lại, từ tệp JSON {facts, reason}."""
    from thidua.app.lifecycle import ResubmitRequest

    settings = _settings()
    body = _read_model(file, ResubmitRequest)
    actor = _actor(settings, token)
    detail = _with_lifecycle(settings, lambda lc: lc.resubmit(actor, nomination_id, body))
    _print_detail(detail, as_json)


@nominations_app.command("hold")
def nominations_hold(
    nomination_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Lý do tạm dừng.")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tạm dừng xét hồ sơ (đang xem xét kỷ luật, thanh tra, khiếu nại...)."""
    from thidua.app.lifecycle import HoldRequest

    settings = _settings()
    actor = _actor(settings, token)
    body = HoldRequest(reason=reason)
    detail = _with_lifecycle(settings, lambda lc: lc.hold(actor, nomination_id, body))
    _print_detail(detail, as_json)


@nominations_app.command("resume")
def nominations_resume(
    nomination_id: str,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tiếp tục xét hồ sơ đang tạm dừng."""
    from thidua.app.lifecycle import ResumeRequest

    settings = _settings()
    actor = _actor(settings, token)
    body = ResumeRequest(reason=reason)
    detail = _with_lifecycle(settings, lambda lc: lc.resume(actor, nomination_id, body))
    _print_detail(detail, as_json)


@nominations_app.command("show")
def nominations_show(nomination_id: str, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Xem một hồ sơ với toàn bộ các bước."""
    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.app import nominations

    settings = _settings()
    actor = _actor(settings, token)
    uow = UnitOfWork(make_engine(settings.database.url))
    try:
        with uow() as session:
            detail = nominations.get_nomination(session, actor, nomination_id)
    except Refusal as refusal:
        _fail(refusal.message)
        return
    _print_detail(detail, as_json)


@nominations_app.command("list")
def nominations_list(
    stage: Annotated[Stage | None, typer.Option("--stage")] = None,
    unit: Annotated[str | None, typer.Option("--unit")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Liệt kê hồ sơ (lọc theo bước, đơn vị)."""
    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.app import nominations

    settings = _settings()
    actor = _actor(settings, token)
    uow = UnitOfWork(make_engine(settings.database.url))
    with uow() as session:
        rows = nominations.list_nominations(
            session, actor, stage=stage.value if stage else None, unit=unit, limit=limit
        )
    if as_json:
        typer.echo(
            json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2)
        )
        return
    if not rows:
        typer.echo("Không có hồ sơ nào.")
        return
    for r in rows:
        typer.echo(
            f"{r.id:<28} {r.unit:<7} {r.nominee_name:<28} {STAGE_LABEL_VI[Stage(r.stage)]:<24} "
            f"{', '.join(r.titles + r.proposals) or '—'}"
        )


def _with_rounds(settings: Settings, fn: Callable[[Any], Awaitable[T]]) -> T:
    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.adapters.temporal.client import connect_client
    from thidua.app.round_commands import Rounds

    async def _run() -> T:
        client = await connect_client(settings.temporal)
        return await fn(Rounds(client, UnitOfWork(make_engine(settings.database.url)), settings))

    try:
        return asyncio.run(_run())
    except Refusal as refusal:
        _fail(refusal.message)
        raise AssertionError from refusal


def _print_round(view: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    typer.echo(f"Đợt xét:   {view.key}  ({view.movement} / {view.year})")
    typer.echo(f"Bước:      {view.stage_label} ({view.stage})")
    typer.echo(f"Bộ tiêu chí: {view.ruleset['id']} phiên bản {view.ruleset['version']}")
    if view.counts:
        typer.echo("Số lượng:  " + ", ".join(f"{k}: {v}" for k, v in sorted(view.counts.items())))
    for flag in view.flags:
        typer.echo(f"  ⚑ {flag['message_vi']}")
    for item in view.items:
        tally = item.tally or {}
        votes = f" {tally.get('in_favour')}/{tally.get('members_total')} phiếu" if tally else ""
        typer.echo(
            f"  {item.rank + 1:>3}. {item.code:<20} {item.nominee_name:<30} {item.unit:<7} "
            f"HĐ: {item.council_status}{votes}; GĐ: {item.director_status}"
            + (f"; tỉnh: {item.province_status}" if item.province_status else "")
        )
    for doc in view.documents:
        typer.echo(f"  Văn bản {doc.kind}: {doc.number} ({', '.join(doc.formats)})")


@rounds_app.command("open")
def rounds_open(
    closes_at: Annotated[
        str, typer.Option("--closes-at", help="ISO 8601, ví dụ 2024-12-20T17:00:00+07:00")
    ],
    movement: Annotated[str, typer.Option("--movement")] = "NTM-2024",
    year: Annotated[int, typer.Option("--year")] = 2024,
    late_policy: Annotated[
        str, typer.Option("--late-policy", help="refuse | next_round")
    ] = "refuse",
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Mở đợt xét tổng hợp (Văn phòng Sở)."""
    from thidua.app.round_commands import OpenRoundRequest

    settings = _settings()
    try:
        body = OpenRoundRequest.model_validate(
            {"movement": movement, "year": year, "closes_at": closes_at, "late_policy": late_policy}
        )
    except ValidationError as exc:
        from thidua.entrypoints.api.problems import field_path

        _fail("; ".join(f"{field_path(e['loc'])}: {e['msg']}" for e in exc.errors()), 2)
        return
    actor = _actor(settings, token)
    _print_round(_with_rounds(settings, lambda r: r.open(actor, body)), as_json)


@rounds_app.command("close")
def rounds_close(round_key: str, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Đóng đợt xét và thẩm định chéo (Văn phòng Sở)."""
    settings = _settings()
    actor = _actor(settings, token)
    _print_round(_with_rounds(settings, lambda r: r.close(actor, round_key)), as_json)


@rounds_app.command("council")
def rounds_council(
    round_key: str, file: Path, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Ghi kết quả họp Hội đồng từ tệp JSON {held_on, members, ballots} (thư ký Hội đồng)."""
    from thidua.app.round_commands import CouncilRequest

    settings = _settings()
    body = _read_model(file, CouncilRequest)
    actor = _actor(settings, token)
    _print_round(_with_rounds(settings, lambda r: r.council(actor, round_key, body)), as_json)


@rounds_app.command("decide")
def rounds_decide(
    round_key: str,
    file: Annotated[
        Path | None, typer.Option("--file", help="JSON {action, reject, reason}")
    ] = None,
    action: Annotated[str, typer.Option("--action", help="approve | return")] = "approve",
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Giám đốc phê duyệt hoặc trả lại danh sách."""
    from thidua.app.round_commands import DecisionRequest

    settings = _settings()
    if file is not None:
        body = _read_model(file, DecisionRequest)
    else:
        try:
            body = DecisionRequest.model_validate({"action": action, "reason": reason})
        except ValidationError as exc:
            _fail(f"--action: {exc.errors()[0]['msg']}", 2)
            return
    actor = _actor(settings, token)
    _print_round(_with_rounds(settings, lambda r: r.decide(actor, round_key, body)), as_json)


@rounds_app.command("show")
def rounds_show(round_key: str, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Xem danh sách tổng hợp của đợt xét."""
    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.app import rounds

    settings = _settings()
    actor = _actor(settings, token)
    try:
        with UnitOfWork(make_engine(settings.database.url))() as session:
            view = rounds.get_round(session, actor, round_key)
    except Refusal as refusal:
        _fail(refusal.message)
        return
    _print_round(view, as_json)


@rounds_app.command("document")
def rounds_document(
    round_key: str,
    kind: Annotated[str, typer.Argument(help="report | minutes | decision | submission")],
    fmt: Annotated[str, typer.Option("--format", help="docx | html | pdf")] = "docx",
    token: TokenOpt = None,
) -> None:
    """In đường dẫn tệp văn bản đã tạo của đợt xét."""
    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.app import rounds

    settings = _settings()
    actor = _actor(settings, token)
    try:
        with UnitOfWork(make_engine(settings.database.url))() as session:
            typer.echo(rounds.document_file(session, actor, round_key, kind, fmt))
    except Refusal as refusal:
        _fail(refusal.message)


@app.command()
def demo(
    api_url: Annotated[
        str | None, typer.Option("--api", help="Địa chỉ API (mặc định theo cấu hình)")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Thư mục ghi văn bản")] = Path("out"),
) -> None:
    """Chạy thử trọn một đợt xét năm 2024 qua API (cần `make run` đang chạy)."""
    from thidua.entrypoints.demo import DemoError, run_demo

    settings = _settings()
    url = api_url or f"http://{settings.api.host}:{settings.api.port}"
    try:
        run_demo(url, settings.var_dir / "sample-accounts.json", out, echo=typer.echo)
    except DemoError as exc:
        _fail(str(exc))


# typer >= 0.26 vendors its own click: its usage errors are not click.ClickException.
_USAGE_ERRORS: tuple[type[Exception], ...] = (click.ClickException,)
with contextlib.suppress(ImportError):
    from typer._click.exceptions import ClickException as _TyperClickException

    _USAGE_ERRORS = (click.ClickException, _TyperClickException)


def main() -> None:
    """Entry point. Exits with ``os._exit`` after flushing: the Temporal SDK's runtime thread can
    crash a short-lived process during interpreter finalization (PyGILState_Release)."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("Đã hủy.", err=True)
        code = 130
    except _USAGE_ERRORS as exc:  # a bad option value: click's message, not a traceback
        exc.show()  # type: ignore[attr-defined]
        code = exc.exit_code  # type: ignore[attr-defined]
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()

"""``thidua nominations``: submit and drive one nomination through its review, look nominations
up, and exchange lists of them as files (``import``, ``export``)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from thidua.domain.labels import STAGE_LABEL_VI
from thidua.domain.nominations import ReviewDecision, Stage
from thidua.entrypoints.cli._common import (
    JsonOpt,
    TokenOpt,
    echo_json,
    fail,
    read_model,
    reported,
    signed_in,
    with_commands,
)

app = typer.Typer(help="Hồ sơ đề nghị khen thưởng.", no_args_is_help=True)


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


# ---- one nomination ----------------------------------------------------------------------------


@app.command("submit")
@reported()
def nominations_submit(file: Path, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Nộp hồ sơ đề nghị từ tệp JSON {movement, unit, facts}."""
    from thidua.app.lifecycle import NominationSubmission
    from thidua.entrypoints.lifecycle import build_lifecycle

    body = read_model(file, NominationSubmission)
    caller = signed_in(token)
    detail = with_commands(caller, build_lifecycle, lambda lc: lc.submit(caller.actor, body))
    _print_detail(detail, as_json)


@app.command("review")
@reported("--reason")
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
    from thidua.entrypoints.lifecycle import build_lifecycle

    caller = signed_in(token)
    body = ReviewRequest(decision=decision, reason=reason)
    detail = with_commands(
        caller, build_lifecycle, lambda lc: lc.review(caller.actor, nomination_id, body)
    )
    _print_detail(detail, as_json)


@app.command("resubmit")
@reported()
def nominations_resubmit(
    nomination_id: str, file: Path, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Nộp lại hồ sơ đã bị trả lại, từ tệp JSON {facts, reason}."""
    from thidua.app.lifecycle import ResubmitRequest
    from thidua.entrypoints.lifecycle import build_lifecycle

    body = read_model(file, ResubmitRequest)
    caller = signed_in(token)
    detail = with_commands(
        caller, build_lifecycle, lambda lc: lc.resubmit(caller.actor, nomination_id, body)
    )
    _print_detail(detail, as_json)


@app.command("hold")
@reported("--reason")
def nominations_hold(
    nomination_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Lý do tạm dừng.")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tạm dừng xét hồ sơ (đang xem xét kỷ luật, thanh tra, khiếu nại...)."""
    from thidua.app.lifecycle import HoldRequest
    from thidua.entrypoints.lifecycle import build_lifecycle

    caller = signed_in(token)
    body = HoldRequest(reason=reason)
    detail = with_commands(
        caller, build_lifecycle, lambda lc: lc.hold(caller.actor, nomination_id, body)
    )
    _print_detail(detail, as_json)


@app.command("resume")
@reported("--reason")
def nominations_resume(
    nomination_id: str,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tiếp tục xét hồ sơ đang tạm dừng."""
    from thidua.app.lifecycle import ResumeRequest
    from thidua.entrypoints.lifecycle import build_lifecycle

    caller = signed_in(token)
    body = ResumeRequest(reason=reason)
    detail = with_commands(
        caller, build_lifecycle, lambda lc: lc.resume(caller.actor, nomination_id, body)
    )
    _print_detail(detail, as_json)


@app.command("show")
@reported()
def nominations_show(nomination_id: str, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Xem một hồ sơ với toàn bộ các bước."""
    from thidua.app import nominations

    caller = signed_in(token)
    with caller.uow() as tx:
        detail = nominations.get_nomination(tx, caller.actor, nomination_id)
    _print_detail(detail, as_json)


class ReportFormat(StrEnum):
    DOCX = "docx"
    HTML = "html"


@app.command("achievement-report")
@reported("--format")
def nominations_achievement_report(
    nomination_id: str,
    out: Annotated[Path, typer.Option("--out", help="Tệp kết quả (.docx hoặc .html)")],
    format: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.DOCX,
    token: TokenOpt = None,
) -> None:
    """Báo cáo thành tích của hồ sơ theo mẫu của Nghị định có hiệu lực vào ngày xét, điền sẵn
    những gì hệ thống biết (không đánh số: báo cáo của người được đề nghị)."""
    from thidua.adapters.documents.achievement import achievement_docx, achievement_html
    from thidua.app.achievement import achievement_report

    caller = signed_in(token)
    with caller.uow() as tx:
        doc = achievement_report(tx, caller.actor, nomination_id, registry=caller.engine.registry)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if format is ReportFormat.HTML:
            out.write_text(achievement_html(doc), encoding="utf-8")
        else:
            out.write_bytes(achievement_docx(doc))
    except OSError as exc:
        fail(f"không ghi được tệp {out}: {exc.strerror or exc}.", 1)
    typer.echo(f"Đã ghi báo cáo thành tích của {doc.nominee_name} ({doc.form_label}) ra {out}.")


class DocumentFormat(StrEnum):
    DOCX = "docx"
    HTML = "html"
    PDF = "pdf"


@app.command("revocation")
@reported("--format")
def nominations_revocation(
    nomination_id: str,
    code: Annotated[str, typer.Argument(help="Danh hiệu/hình thức đã bị thu hồi, ví dụ LDTT")],
    out: Annotated[Path, typer.Option("--out", help="Tệp kết quả")],
    format: Annotated[DocumentFormat, typer.Option("--format")] = DocumentFormat.DOCX,
    token: TokenOpt = None,
) -> None:
    """Tải quyết định hủy bỏ quyết định khen thưởng, thu hồi hiện vật và tiền thưởng của hồ sơ."""
    import shutil

    from thidua.app import rounds

    caller = signed_in(token)
    with caller.uow() as tx:
        path = rounds.revocation_file(tx, caller.actor, nomination_id, code, format.value)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
    except OSError as exc:
        fail(f"không ghi được tệp {out}: {exc.strerror or exc}.", 1)
    typer.echo(f"Đã ghi quyết định thu hồi {code} của hồ sơ {nomination_id} ra {out}.")


@app.command("list")
@reported("--stage", "--unit")
def nominations_list(
    stage: Annotated[Stage | None, typer.Option("--stage")] = None,
    unit: Annotated[str | None, typer.Option("--unit")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Liệt kê hồ sơ (lọc theo bước, đơn vị)."""
    from thidua.app import nominations
    from thidua.app.ports.nominations import NominationFilter

    caller = signed_in(token)
    filters = NominationFilter(stage=stage.value if stage else None, unit=unit)
    with caller.uow() as tx:
        rows = nominations.list_nominations(tx, caller.actor, filters, limit=limit)
    if as_json:
        echo_json([r.model_dump(mode="json") for r in rows])
        return
    if not rows:
        typer.echo("Không có hồ sơ nào.")
        return
    for r in rows:
        typer.echo(
            f"{r.id:<28} {r.unit:<7} {r.nominee_name:<28} {STAGE_LABEL_VI[Stage(r.stage)]:<24} "
            f"{', '.join(r.titles + r.proposals) or '—'}"
        )


# ---- lists exchanged as files ------------------------------------------------------------------


def _print_report(report: Any) -> None:
    """A summary, then the error table ``Dòng | Cột | Lỗi``."""
    verb = "Sẽ nộp" if report.dry_run else "Đã nộp"
    typer.echo(
        f"{'Kiểm tra thử (không nộp): ' if report.dry_run else ''}{report.total_rows} dòng; "
        f"{verb} mới: {report.accepted}; đã có từ trước: {report.existing}; "
        f"lỗi: {len(report.errors)}."
    )
    if not report.errors:
        return
    col_w = max(3, *(len(e.column) for e in report.errors))
    row_w = max(4, *(len(str(e.row)) for e in report.errors))
    typer.echo("")
    typer.echo(f"{'Dòng':>{row_w}} | {'Cột':<{col_w}} | Lỗi")
    typer.echo(f"{'-' * row_w}-+-{'-' * col_w}-+-{'-' * 40}")
    for e in report.errors:
        typer.echo(f"{e.row:>{row_w}} | {e.column:<{col_w}} | {e.message}")


@app.command("import")
@reported()
def nominations_import(
    file: Annotated[Path, typer.Argument(help="Tệp .xlsx, .csv (UTF-8) hoặc .jsonl")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ kiểm tra, không nộp hồ sơ nào.")
    ] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=32)] = 8,
    token: TokenOpt = None,
) -> None:
    """Nộp nhiều hồ sơ từ tệp danh sách; báo lỗi theo dòng và cột."""
    from thidua.adapters.tabular import read_file
    from thidua.app import bulk
    from thidua.entrypoints.lifecycle import build_lifecycle

    parsed = bulk.validate_file(read_file(file))  # an unreadable file: BulkFileError, exit 2
    caller = signed_in(token)
    label = "Kiểm tra" if dry_run else "Nộp hồ sơ"
    with typer.progressbar(length=len(parsed.items), label=label) as bar:
        report = with_commands(
            caller,
            build_lifecycle,
            lambda lc: bulk.import_items(
                lc,
                caller.actor,
                parsed,
                dry_run=dry_run,
                concurrency=concurrency,
                progress=bar.update,
            ),
        )
    _print_report(report)
    raise typer.Exit(1 if report.errors else 0)


@app.command("export")
@reported("--stage", "--unit", "--movement", "--year")
def nominations_export(
    file: Annotated[Path, typer.Argument(help="Tệp kết quả .xlsx hoặc .csv")],
    stage: Annotated[Stage | None, typer.Option("--stage")] = None,
    unit: Annotated[str | None, typer.Option("--unit")] = None,
    movement: Annotated[str | None, typer.Option("--movement")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    token: TokenOpt = None,
) -> None:
    """Xuất danh sách hồ sơ (được phép xem) ra Excel hoặc CSV."""
    from thidua.adapters.tabular import export_rows
    from thidua.app import nominations
    from thidua.app.ports.nominations import NominationFilter

    fmt = file.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        fail("tên tệp phải kết thúc bằng .xlsx hoặc .csv.", 2)
    caller = signed_in(token)
    filters = NominationFilter(
        stage=stage.value if stage else None, unit=unit, movement=movement, year=year
    )
    with caller.uow() as tx:
        views = nominations.list_nominations(tx, caller.actor, filters, limit=1_000_000)
    export_rows(views, "xlsx" if fmt == "xlsx" else "csv", file)
    typer.echo(f"Đã xuất {len(views)} hồ sơ ra {file}.")

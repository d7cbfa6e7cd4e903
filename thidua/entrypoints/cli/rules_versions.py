"""``thidua rules versions|reevaluate|whatif``: the governed rules versions in the database.

``versions`` uploads, approves, publishes, retires and rolls back versions; ``reevaluate`` moves
in-flight nominations to a published version; ``whatif`` runs a draft over every stored
nomination. The root joins these to the file commands of ``rules`` in the one ``thidua rules``
group. They act as the caller identified by its token, with the same authorization as the API.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rules.registry import golden_path_for
from thidua.domain.labels import RULES_VERSION_STATUS_LABEL_VI, WHATIF_SOURCE_LABEL_VI
from thidua.entrypoints.cli._common import (
    JsonOpt,
    TokenOpt,
    fail,
    reported,
    signed_in,
    with_temporal,
)

if TYPE_CHECKING:
    from thidua.app.whatif import WhatIfReport

# Merged by the root into the ``thidua rules`` group (beside the file commands of ``rules``).
app = typer.Typer()
versions_app = typer.Typer(
    help="Các phiên bản bộ tiêu chí trong cơ sở dữ liệu: tải lên, duyệt, công bố, thu hồi.",
    no_args_is_help=True,
)
app.add_typer(versions_app, name="versions")

RulesetIdArg = Annotated[str, typer.Argument(help="Mã bộ tiêu chí, ví dụ ntm-2024.")]
VersionArg = Annotated[str, typer.Argument(help="Phiên bản, ví dụ 2.")]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"không đọc được tệp {path}: {exc.strerror}", 2)
    except UnicodeDecodeError:
        fail(f"tệp {path} không phải UTF-8", 2)


def _day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: ngày không hợp lệ {text!r} (dạng YYYY-MM-DD)", 2)


def _echo_view(view: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    window = ""
    if view.effective_from:
        window = f", hiệu lực từ {view.effective_from.isoformat()}"
        window += f" đến {view.effective_to.isoformat()}" if view.effective_to else ""
    who = f"soạn: {view.author}"
    who += f", duyệt: {view.approved_by}" if view.approved_by else ""
    who += f", công bố: {view.published_by}" if view.published_by else ""
    typer.echo(
        f"{view.ruleset_id}@{view.version} — {RULES_VERSION_STATUS_LABEL_VI.get(view.status, view.status)}{window} "
        f"({who}; sha256 {view.sha256[:12]}…)"
    )


# ---- thidua rules whatif -----------------------------------------------------------------------


@app.command("whatif")
@reported("--movement", "--year", rules_file="tệp tiêu chí dự thảo")
def whatif(
    draft: Annotated[
        Path | None, typer.Option("--draft", help="Tệp tiêu chí dự thảo (YAML).")
    ] = None,
    stored: Annotated[
        str | None,
        typer.Option("--draft-version", help="Hoặc phiên bản đã lưu: MÃ@PHIÊN_BẢN (ntm-2024@2)."),
    ] = None,
    movement: Annotated[str | None, typer.Option("--movement", help="Mã phong trào")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="evaluations (lần xét gần nhất của mỗi hồ sơ) hoặc appraisal (thẩm định đợt xét)",
        ),
    ] = "evaluations",
    output_format: Annotated[
        str, typer.Option("--format", help="table (mặc định), json hoặc xlsx")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Tệp kết quả (bắt buộc với xlsx)")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=16,
            help="Số tiến trình xét song song (dùng khi từ 20.000 hồ sơ)",
        ),
    ] = 1,
    token: TokenOpt = None,
) -> None:
    """Chạy thử bản dự thảo trên mọi hồ sơ đã lưu: ai được thêm / mất danh hiệu nào, vì quy tắc nào."""
    from thidua.adapters.tabular.whatif_xlsx import write_xlsx
    from thidua.app import whatif as wi
    from thidua.domain.policy import check_whatif

    if output_format not in ("table", "json", "xlsx"):
        fail("--format phải là table, json hoặc xlsx.", 2)
    if source not in ("evaluations", "appraisal"):
        fail("--source phải là evaluations hoặc appraisal.", 2)
    if (draft is None) == (stored is None):
        fail("cho --draft TỆP hoặc --draft-version MÃ@PHIÊN_BẢN (chỉ một).", 2)
    if stored is not None and "@" not in stored:
        fail(f"--draft-version: {stored!r} phải có dạng MÃ@PHIÊN_BẢN.", 2)
    if output_format == "xlsx" and output is None:
        fail("--format xlsx cần --output TỆP.xlsx", 2)
    caller = signed_in(token)
    check_whatif(caller.actor)  # before the draft is read
    with caller.uow() as tx:
        if draft is not None:
            d = wi.draft_from_file(draft)
        else:
            assert stored is not None
            rid, _, ver = stored.partition("@")
            d = wi.draft_from_db(tx, rid, ver)
        report = wi.run_whatif(
            tx,
            caller.actor,
            d,
            movement=movement,
            year=year,
            source="appraisal" if source == "appraisal" else "evaluations",
            workers=workers,
        )
    if output_format == "xlsx":
        assert output is not None
        write_xlsx(report, output)
        typer.echo(
            f"Đã ghi {output}: {report.changed_nominations} hồ sơ thay đổi trên "
            f"{report.snapshots} hồ sơ."
        )
        return
    text = (
        json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)
        if output_format == "json"
        else "\n".join(table_lines_vi(report))
    )
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"Đã ghi {output}.")
    else:
        typer.echo(text)


def table_lines_vi(report: WhatIfReport) -> list[str]:
    """The report as a text table with its summary (Vietnamese)."""
    from thidua.adapters.tabular.whatif_xlsx import HEADINGS_VI, cells

    d = report.draft
    scope = (f"phong trào {report.movement}" if report.movement else "mọi phong trào") + (
        f", năm {report.year}" if report.year else ""
    )
    t = report.timings
    lines = [
        f"Chạy thử bộ tiêu chí {d['id']}@{d['version']} ({d['source']}) trên {scope}",
        f"{report.snapshots} hồ sơ ({WHATIF_SOURCE_LABEL_VI[report.source]}); "
        f"{report.changed_nominations} hồ sơ thay đổi: "
        f"{report.losses} mất, {report.gains} được thêm, {report.status_changes} đổi kết quả.",
    ]
    if report.by_title:
        lines.append("")
        lines.append("Tổng hợp theo danh hiệu:")
        for code, c in report.by_title.items():
            lines.append(f"  {code} ({c.name_vi}): mất {c.lose}, được thêm {c.gain}")
    if report.invalid:
        lines.append("")
        lines.append(f"{len(report.invalid)} hồ sơ có dữ liệu xét không hợp lệ (bỏ qua):")
        for inv in report.invalid[:20]:
            lines.append(f"  {inv.nomination}: {inv.error}")
    if report.rows:
        lines.append("")
        rows = [cells(r) for r in report.rows]
        widths = [
            min(60, max(len(h), *(len(row[i]) for row in rows))) for i, h in enumerate(HEADINGS_VI)
        ]

        def line(row_cells: Sequence[str]) -> str:
            return " | ".join(c.ljust(w) for c, w in zip(row_cells, widths, strict=True)).rstrip()

        lines.append(line(HEADINGS_VI))
        lines.append("-+-".join("-" * w for w in widths))
        lines.extend(line(row) for row in rows)
    else:
        lines.append("")
        lines.append("Không hồ sơ nào thay đổi kết quả.")
    lines.append("")
    lines.append(
        f"Thời gian: đọc {t.load_s:.2f} s, xét {t.evaluate_s:.2f} s, giải thích {t.explain_s:.2f} s, "
        f"tổng {t.total_s:.2f} s ({t.snapshots_per_s:,.0f} hồ sơ/s)."
    )
    return lines


# ---- thidua rules reevaluate -------------------------------------------------------------------


@app.command("reevaluate")
@reported("--reason")
def reevaluate(
    to: Annotated[str, typer.Option("--to", help="Phiên bản đích (đã công bố), ví dụ 2.")],
    ruleset: Annotated[str, typer.Option("--ruleset", help="Mã bộ tiêu chí.")] = "ntm-2024",
    apply: Annotated[
        bool, typer.Option("--apply", help="Thực hiện (mặc định chỉ xem trước, không ghi gì).")
    ] = False,
    nomination: Annotated[
        list[str] | None, typer.Option("--nomination", help="Chỉ hồ sơ này (lặp lại được).")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Lý do xét lại.")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Xét lại các hồ sơ đang xử lý theo phiên bản mới: xem trước, hoặc thực hiện với --apply."""
    from thidua.adapters.temporal.nominations import TemporalNominationWorkflows
    from thidua.app import rules_versions as rv
    from thidua.domain.policy import check_rules_admin

    caller = signed_in(token)
    req = rv.ReevaluationRequest(
        ruleset_id=ruleset, version=to, nominations=nomination or None, reason=reason
    )
    if apply:
        check_rules_admin(caller.actor)  # before connecting to Temporal
        temporal = caller.settings.temporal
        plan = with_temporal(
            caller.settings,
            lambda client: rv.apply_reevaluation(
                caller.uow,
                TemporalNominationWorkflows(client, temporal),
                caller.engine,
                caller.actor,
                req,
            ),
        )
    else:
        with caller.uow() as tx:
            plan = rv.preview(tx, caller.actor, caller.engine, req)
    if as_json:
        typer.echo(plan.model_dump_json(indent=2))
        return
    verb = "Đã xét lại" if apply else "Xem trước (chưa ghi gì)"
    typer.echo(f"{verb}: {len(plan.items)} hồ sơ theo {plan.ruleset_id}@{plan.version}")
    for i in plan.items:
        mark = "~" if i.changed else "="
        line = (
            f"{mark} {i.nomination} ({i.unit}, {i.stage}): "
            f"{i.current.status} {i.current.titles} → {i.proposed.status} {i.proposed.titles}"
        )
        if i.now_fired:
            line += f"; thêm quy tắc {', '.join(i.now_fired)}"
        if i.no_longer_fired:
            line += f"; bỏ quy tắc {', '.join(i.no_longer_fired)}"
        if i.applied is not None:
            line += " — đã áp dụng" if i.applied else f" — KHÔNG áp dụng: {i.error}"
        elif i.error:
            line += f" — lỗi: {i.error}"
        typer.echo(line)
    typer.echo(f"{plan.changed} hồ sơ thay đổi kết quả.")


# ---- thidua rules versions ---------------------------------------------------------------------


@versions_app.command("list")
@reported()
def versions_list(
    token: TokenOpt = None,
    ruleset: Annotated[str | None, typer.Option("--ruleset", help="Mã bộ tiêu chí.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Liệt kê các phiên bản và trạng thái."""
    from thidua.app import rules_versions as rv

    caller = signed_in(token)
    with caller.uow() as tx:
        views = rv.list_versions(tx, caller.actor, ruleset)
    if as_json:
        typer.echo(json.dumps([v.model_dump(mode="json") for v in views], ensure_ascii=False))
        return
    for v in views:
        _echo_view(v, False)


@versions_app.command("show")
@reported()
def versions_show(
    ruleset_id: RulesetIdArg,
    version: VersionArg,
    token: TokenOpt = None,
    content: Annotated[bool, typer.Option("--content", help="In cả nội dung YAML.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Xem một phiên bản (trạng thái, người soạn/duyệt/công bố, hiệu lực, mã băm)."""
    from thidua.app import rules_versions as rv

    caller = signed_in(token)
    with caller.uow() as tx:
        detail = rv.show_version(tx, caller.actor, ruleset_id, version)
    _echo_view(detail, as_json)
    if not as_json:
        typer.echo(f"{detail.rules} quy tắc, {detail.golden_cases} ca kiểm thử")
        if detail.notes:
            typer.echo(f"Ghi chú: {detail.notes}")
        if content:
            typer.echo(detail.content)


@versions_app.command("upload")
@reported()
def versions_upload(
    file: Annotated[Path, typer.Argument(help="Tệp tiêu chí YAML.")],
    golden: Annotated[
        Path | None,
        typer.Option("--golden", help="Tệp ca kiểm thử (mặc định: tệp .golden.yaml bên cạnh)."),
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Ghi chú thay đổi.")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tải lên một phiên bản mới (lưu thành bản nháp; sửa lại bản nháp nếu đã có)."""
    from thidua.app import rules_versions as rv

    golden_file = golden if golden is not None else golden_path_for(file)
    golden_text = _read_text(golden_file) if golden is not None or golden_file.exists() else None
    caller = signed_in(token)
    req = rv.UploadRequest(content=_read_text(file), golden=golden_text, notes=notes)
    with caller.uow() as tx:
        detail = rv.upload(tx, caller.actor, req)
    _echo_view(detail, as_json)
    if not as_json:
        typer.echo(
            f"Đã lưu bản nháp: {detail.rules} quy tắc, {detail.golden_cases} ca kiểm thử. "
            "Cần một quản trị tiêu chí khác duyệt trước khi công bố."
        )


def _transition(action: str) -> Callable[..., None]:
    """``approve``, ``retire`` or ``rollback``: one version, one step of its life."""

    @reported()
    def command(
        ruleset_id: RulesetIdArg,
        version: VersionArg,
        token: TokenOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        from thidua.app import rules_versions as rv

        caller = signed_in(token)
        fn = {"approve": rv.approve, "retire": rv.retire, "rollback": rv.rollback}[action]
        with caller.uow() as tx:
            view = fn(tx, caller.actor, ruleset_id, version)
        _echo_view(view, as_json)

    return command


versions_app.command("approve", help="Duyệt bản nháp (người duyệt phải khác người soạn).")(
    _transition("approve")
)
versions_app.command("retire", help="Thu hồi bản nháp hoặc phiên bản đã duyệt chưa công bố.")(
    _transition("retire")
)
versions_app.command(
    "rollback",
    help="Thu hồi phiên bản đang công bố mới nhất và mở lại hiệu lực của phiên bản trước.",
)(_transition("rollback"))


@versions_app.command("publish")
@reported()
def versions_publish(
    ruleset_id: RulesetIdArg,
    version: VersionArg,
    effective_from: Annotated[
        str, typer.Option("--effective-from", help="Ngày bắt đầu hiệu lực YYYY-MM-DD.")
    ],
    effective_to: Annotated[
        str | None, typer.Option("--effective-to", help="Ngày hết hiệu lực YYYY-MM-DD.")
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Công bố phiên bản đã duyệt (mọi ca kiểm thử phải đạt)."""
    from thidua.app import rules_versions as rv

    req = rv.PublishRequest(
        effective_from=_day(effective_from, "--effective-from"),
        effective_to=_day(effective_to, "--effective-to") if effective_to else None,
    )
    caller = signed_in(token)
    with caller.uow() as tx:
        view = rv.publish(tx, caller.actor, caller.engine, ruleset_id, version, req)
    _echo_view(view, as_json)


@versions_app.command("diff")
@reported()
def versions_diff(
    ruleset_id: RulesetIdArg,
    version: VersionArg,
    against: Annotated[
        str | None, typer.Option("--against", help="So với phiên bản này (mặc định: đang công bố).")
    ] = None,
    token: TokenOpt = None,
) -> None:
    """So sánh một phiên bản với phiên bản đang công bố."""
    from thidua.app import rules_versions as rv

    caller = signed_in(token)
    with caller.uow() as tx:
        report = rv.diff_version(tx, caller.actor, ruleset_id, version, against)
    typer.echo(f"So sánh {ruleset_id}@{report.from_version or '(không có)'} → {version}")
    if not report.changes:
        typer.echo("Không có thay đổi về nội dung.")
        return
    for ch in report.changes:
        for line in ch.lines_vi:
            typer.echo(line)
    typer.echo(f"Tổng cộng {len(report.changes)} thay đổi.")

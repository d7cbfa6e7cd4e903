"""``thidua decisions ...`` (search, show, reproduce stored decisions) and ``thidua rules whatif``.

They read the database directly (``THIDUA_DATABASE__URL``) as the caller identified by its token,
with the same authorization as the API. Messages are Vietnamese; errors never show a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

T = TypeVar("T")

app = typer.Typer(
    help="Tra cứu, xem giải thích và xét lại các quyết định (lần xét tiêu chí) đã lưu.",
    no_args_is_help=True,
)
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token", envvar="THIDUA_TOKEN", help="Mã xác thực (THIDUA_TOKEN).", show_default=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]


def _guard(fn: Callable[[], T]) -> T:
    """Domain refusals and bad rules files become messages and exit codes."""
    from rules.errors import RulesFileError
    from thidua.domain.refusals import Refusal
    from thidua.entrypoints.cli import _fail

    try:
        return fn()
    except typer.Exit:
        raise
    except Refusal as exc:
        _fail(exc.message)
    except RulesFileError as exc:
        for issue in exc.issues:
            typer.secho(str(issue), fg=typer.colors.RED, err=True)
        _fail(f"tệp tiêu chí dự thảo không hợp lệ ({len(exc.issues)} lỗi).")
    except Exception as exc:  # last resort: a message, not a traceback
        _fail(f"lỗi không mong đợi: {type(exc).__name__}: {exc}")
    raise AssertionError  # unreachable


def _session_and_actor(token: str | None) -> tuple[Any, Any]:
    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.entrypoints.cli import _actor, _settings

    settings = _settings()
    actor = _actor(settings, token)
    return UnitOfWork(make_engine(settings.database.url)), actor


def _filter(**kw: Any) -> Any:
    from thidua.app.decisions import DecisionFilter

    return DecisionFilter(**kw)


@app.command("list")
def decisions_list(
    movement: Annotated[str | None, typer.Option("--movement", help="Mã phong trào")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Mã đơn vị")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="individual | collective")] = None,
    title: Annotated[str | None, typer.Option("--title", help="LDTT, CSTDCS, ...")] = None,
    rule: Annotated[str | None, typer.Option("--rule", help="Mã quy tắc (đã áp dụng)")] = None,
    rule_outcome: Annotated[
        str, typer.Option("--rule-outcome", help="fired | not_fired | skipped")
    ] = "fired",
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="eligible | not_eligible | on_hold")
    ] = None,
    ruleset: Annotated[str | None, typer.Option("--ruleset", help="Mã bộ tiêu chí")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Phiên bản")] = None,
    nomination: Annotated[str | None, typer.Option("--nomination", help="Mã hồ sơ")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 100,
    after: Annotated[
        int | None, typer.Option("--after", min=0, max=2**62, help="Sau quyết định số ...")
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tìm các quyết định theo phong trào, đơn vị, danh hiệu, quy tắc, kết quả, phiên bản."""
    from thidua.app import decisions
    from thidua.entrypoints.cli import _fail

    if kind not in (None, "individual", "collective"):
        _fail("--kind phải là individual hoặc collective.", 2)
    if outcome not in (None, "eligible", "not_eligible", "on_hold"):
        _fail("--outcome phải là eligible, not_eligible hoặc on_hold.", 2)
    if rule_outcome not in ("fired", "not_fired", "skipped"):
        _fail("--rule-outcome phải là fired, not_fired hoặc skipped.", 2)
    f = _filter(
        movement=movement,
        unit=unit,
        year=year,
        kind=kind,
        title=title,
        rule=rule,
        rule_outcome=rule_outcome,
        outcome=outcome,
        ruleset_id=ruleset,
        version=version,
        nomination=nomination,
    )
    uow, actor = _session_and_actor(token)

    def body() -> None:
        with uow() as session:
            page = decisions.search_decisions(session, actor, f, limit=limit, after_id=after)
        if as_json:
            typer.echo(page.model_dump_json(indent=2))
            return
        if not page.items:
            typer.echo("Không có quyết định nào.")
            return
        head = [
            "Số",
            "Hồ sơ",
            "Đơn vị",
            "Đối tượng",
            "Lần xét",
            "Bộ tiêu chí",
            "Kết quả",
            "Danh hiệu",
        ]
        rows = [
            [
                str(d.id),
                d.nomination,
                d.unit,
                d.nominee_name,
                d.phase,
                f"{d.ruleset.id}@{d.ruleset.version}",
                d.status_vi,
                ", ".join([*d.titles, *d.proposals]),
            ]
            for d in page.items
        ]
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
        typer.echo(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
        typer.echo("-+-".join("-" * w for w in widths))
        for r in rows:
            typer.echo(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if page.next_cursor:
            typer.echo(f"Còn nữa: dùng --after {page.next_cursor}")

    _guard(body)


@app.command("show")
def decisions_show(
    decision_id: Annotated[int, typer.Argument(min=1, max=2**62, help="Số quyết định (lần xét)")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Một quyết định: dữ liệu xét, từng quy tắc và từng điều kiện với giá trị thực tế."""
    from thidua.app import decisions

    uow, actor = _session_and_actor(token)

    def body() -> None:
        with uow() as session:
            detail = decisions.get_decision(session, actor, decision_id)
        if as_json:
            typer.echo(detail.model_dump_json(indent=2))
            return
        for line in decisions.detail_lines_vi(detail):
            typer.echo(line)

    _guard(body)


@app.command("reproduce")
def decisions_reproduce(
    decision_id: Annotated[
        int | None, typer.Argument(min=1, max=2**62, help="Số quyết định")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Xét lại mọi quyết định (lọc theo --movement)")
    ] = False,
    movement: Annotated[str | None, typer.Option("--movement")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Xét lại dữ liệu đã lưu bằng đúng phiên bản đã lưu; so sánh mã băm (exit 1 nếu khác)."""
    from rules.engine import RulesEngine
    from thidua.app import decisions
    from thidua.entrypoints.cli import _fail

    if decision_id is None and not all_:
        _fail("cho biết số quyết định, hoặc dùng --all.", 2)
    if decision_id is not None and all_:
        _fail("chỉ dùng một trong: số quyết định hoặc --all.", 2)
    uow, actor = _session_and_actor(token)
    engine = RulesEngine()

    def body() -> bool:
        with uow() as session:
            if decision_id is not None:
                rep = decisions.reproduce_decision(session, actor, decision_id, engine)
                if as_json:
                    typer.echo(rep.model_dump_json(indent=2))
                else:
                    _print_reproduction(rep)
                return rep.identical
            f = _filter(movement=movement, year=year)
            summary = decisions.reproduce_all(session, actor, f, engine)
            rounds = decisions.reproduce_appraisals(session, actor, f, engine)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "evaluations": summary.model_dump(mode="json"),
                        "appraisals": rounds.model_dump(mode="json"),
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            typer.echo(
                f"Đã xét lại {summary.total} lần xét tiêu chí: {summary.identical} giống hệt, "
                f"{len(summary.different)} khác."
            )
            typer.echo(
                f"Đã xét lại {rounds.total} quyết định khi thẩm định đợt: {rounds.identical} "
                f"giống hệt, {len(rounds.different)} khác."
            )
            for rep in [*summary.different, *rounds.different]:
                _print_reproduction(rep)
        return not summary.different and not rounds.different

    ok = _guard(body)
    raise typer.Exit(0 if ok else 1)


def _print_reproduction(rep: Any) -> None:
    where = f"#{rep.id}" if rep.id is not None else f"thẩm định đợt {rep.round}"
    head = f"Quyết định {where} ({rep.nomination}, {rep.ruleset.id}@{rep.ruleset.version})"
    if rep.identical:
        typer.echo(f"{head}: GIỐNG HỆT")
        typer.echo(f"  Mã băm đã lưu:  {rep.stored_hash}")
        typer.echo(f"  Mã băm xét lại: {rep.reproduced_hash}")
        return
    typer.secho(f"{head}: KHÁC", fg=typer.colors.RED)
    typer.echo(f"  Mã băm đã lưu:  {rep.stored_hash}")
    typer.echo(f"  Mã băm xét lại: {rep.reproduced_hash or '(không xét lại được)'}")
    if rep.problem_vi:
        typer.echo(f"  Lý do: {rep.problem_vi}")
    for d in rep.differences:
        typer.echo(f"  - {d}")


# ---- thidua rules whatif --------------------------------------------------------------------


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
    from thidua.app import whatif as wi
    from thidua.entrypoints.cli import _fail

    if output_format not in ("table", "json", "xlsx"):
        _fail("--format phải là table, json hoặc xlsx.", 2)
    if source not in ("evaluations", "appraisal"):
        _fail("--source phải là evaluations hoặc appraisal.", 2)
    if (draft is None) == (stored is None):
        _fail("cho --draft TỆP hoặc --draft-version MÃ@PHIÊN_BẢN (chỉ một).", 2)
    if stored is not None and "@" not in stored:
        _fail(f"--draft-version: {stored!r} phải có dạng MÃ@PHIÊN_BẢN.", 2)
    if output_format == "xlsx" and output is None:
        _fail("--format xlsx cần --output TỆP.xlsx", 2)
    uow, actor = _session_and_actor(token)

    def body() -> None:
        wi.check_whatif(actor)
        with uow() as session:
            if draft is not None:
                d = wi.draft_from_file(draft)
            else:
                assert stored is not None
                rid, _, ver = stored.partition("@")
                d = wi.draft_from_db(session, rid, ver)
            report = wi.run_whatif(
                session,
                actor,
                d,
                movement=movement,
                year=year,
                source="appraisal" if source == "appraisal" else "evaluations",
                workers=workers,
            )
        if output_format == "xlsx":
            assert output is not None
            wi.write_xlsx(report, output)
            typer.echo(
                f"Đã ghi {output}: {report.changed_nominations} hồ sơ thay đổi trên "
                f"{report.snapshots} hồ sơ."
            )
            return
        text = (
            json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)
            if output_format == "json"
            else "\n".join(wi.table_lines_vi(report))
        )
        if output is not None:
            output.write_text(text + "\n", encoding="utf-8")
            typer.echo(f"Đã ghi {output}.")
        else:
            typer.echo(text)

    _guard(body)


def register_whatif(rules_app: typer.Typer) -> None:
    """Add ``whatif`` to the ``thidua rules`` group."""
    rules_app.command("whatif")(whatif)

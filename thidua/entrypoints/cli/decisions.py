"""``thidua decisions``: search, show and reproduce the stored decisions (criteria evaluations).

They read the database directly (``THIDUA_DATABASE__URL``) as the caller identified by its token,
with the same authorization as the API. Messages are Vietnamese; errors never show a traceback.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from thidua.domain.labels import KIND_LABEL_VI
from thidua.entrypoints.cli._common import (
    JsonOpt,
    TokenOpt,
    echo_json,
    echo_table,
    fail,
    reported,
    signed_in,
)

if TYPE_CHECKING:
    from thidua.app.decisions import DecisionDetail

app = typer.Typer(
    help="Tra cứu, xem giải thích và xét lại các quyết định (lần xét tiêu chí) đã lưu.",
    no_args_is_help=True,
)


@app.command("list")
@reported("--movement", "--unit", "--year")
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

    if kind not in (None, "individual", "collective"):
        fail("--kind phải là individual hoặc collective.", 2)
    if outcome not in (None, "eligible", "not_eligible", "on_hold"):
        fail("--outcome phải là eligible, not_eligible hoặc on_hold.", 2)
    if rule_outcome not in ("fired", "not_fired", "skipped"):
        fail("--rule-outcome phải là fired, not_fired hoặc skipped.", 2)
    f = decisions.DecisionFilter(
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
    caller = signed_in(token)
    with caller.uow() as tx:
        page = decisions.search_decisions(tx, caller.actor, f, limit=limit, after_id=after)
    if as_json:
        typer.echo(page.model_dump_json(indent=2))
        return
    if not page.items:
        typer.echo("Không có quyết định nào.")
        return
    echo_table(
        ["Số", "Hồ sơ", "Đơn vị", "Đối tượng", "Lần xét", "Bộ tiêu chí", "Kết quả", "Danh hiệu"],
        [
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
        ],
        sep=" | ",
        rule="-+-",
    )
    if page.next_cursor:
        typer.echo(f"Còn nữa: dùng --after {page.next_cursor}")


@app.command("show")
@reported()
def decisions_show(
    decision_id: Annotated[int, typer.Argument(min=1, max=2**62, help="Số quyết định (lần xét)")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Một quyết định: dữ liệu xét, từng quy tắc và từng điều kiện với giá trị thực tế."""
    from thidua.app import decisions

    caller = signed_in(token)
    with caller.uow() as tx:
        detail = decisions.get_decision(tx, caller.actor, decision_id)
    if as_json:
        typer.echo(detail.model_dump_json(indent=2))
        return
    for line in detail_lines_vi(detail):
        typer.echo(line)


def detail_lines_vi(d: DecisionDetail) -> list[str]:
    """The decision as text (Vietnamese)."""
    lines = [
        f"Quyết định #{d.id} – hồ sơ {d.nomination} ({KIND_LABEL_VI.get(d.kind, d.kind)} "
        f"{d.nominee_name}, đơn vị {d.unit}, phong trào {d.movement} năm {d.year})",
        f"  Lần xét: {d.phase}, lúc {d.evaluated_at.isoformat(timespec='seconds')}",
        f"  Bộ tiêu chí: {d.ruleset.id}@{d.ruleset.version} (sha256 {d.ruleset.sha256[:12]}…)",
        f"  Kết quả: {d.status_vi.upper()}",
    ]
    if d.titles:
        lines.append("  Danh hiệu: " + ", ".join(d.titles))
    if d.proposals:
        lines.append("  Đề nghị lên tỉnh: " + ", ".join(d.proposals))
    if d.withheld:
        lines.append("  Tạm giữ lại: " + ", ".join(d.withheld))
    lines.append(f"  Mã băm quyết định: {d.decision_hash}")
    lines.append("  Dữ liệu xét (ảnh chụp):")
    for k, v in d.facts.items():
        lines.append(f"    {k}: {json.dumps(v, ensure_ascii=False)}")
    lines.append("  Từng quy tắc:")
    for r in d.rules:
        mark = {"fired": "✓", "not_fired": "✗"}.get(r.outcome, "–")
        note = " [chưa xác nhận]" if r.unconfirmed else ""
        lines.append(f"  {mark} [{r.id}] {r.title_vi}: {r.outcome_vi}{note}")
        lines.append(f"      {r.message_vi}")
        for c in r.conditions:
            ok = "đạt" if c.passed else "không đạt"
            param = f" (tham số {c.param})" if c.param else ""
            lines.append(
                f"      - {c.label_vi}: thực tế {c.actual_vi}, yêu cầu {c.operator_vi} "
                f"{c.expected_vi}{param} → {ok}"
            )
    return lines


@app.command("reproduce")
@reported("--movement", "--year")
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
    from thidua.app import decisions

    if decision_id is None and not all_:
        fail("cho biết số quyết định, hoặc dùng --all.", 2)
    if decision_id is not None and all_:
        fail("chỉ dùng một trong: số quyết định hoặc --all.", 2)
    caller = signed_in(token)
    if decision_id is not None:
        with caller.uow() as tx:
            rep = decisions.reproduce_decision(tx, caller.actor, decision_id, caller.engine)
        if as_json:
            typer.echo(rep.model_dump_json(indent=2))
        else:
            _print_reproduction(rep)
        raise typer.Exit(0 if rep.identical else 1)
    f = decisions.DecisionFilter(movement=movement, year=year)
    with caller.uow() as tx:
        summary = decisions.reproduce_all(tx, caller.actor, f, caller.engine)
        rounds = decisions.reproduce_appraisals(tx, caller.actor, f, caller.engine)
    if as_json:
        echo_json(
            {
                "evaluations": summary.model_dump(mode="json"),
                "appraisals": rounds.model_dump(mode="json"),
            }
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
    raise typer.Exit(0 if not summary.different and not rounds.different else 1)


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

"""``thidua rounds``: the consolidated review round of the Office, the Council and the Director."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from thidua.entrypoints.cli._common import (
    JsonOpt,
    TokenOpt,
    fail,
    field_errors,
    read_model,
    reported,
    round_commands,
    signed_in,
    with_commands,
)

app = typer.Typer(
    help="Đợt xét tổng hợp của Văn phòng Sở, Hội đồng, Giám đốc.", no_args_is_help=True
)


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


@app.command("open")
@reported("--closes-at", "--movement", "--year", "--late-policy")
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

    try:
        body = OpenRoundRequest.model_validate(
            {"movement": movement, "year": year, "closes_at": closes_at, "late_policy": late_policy}
        )
    except ValidationError as exc:
        fail("; ".join(f"{field}: {msg}" for field, msg in field_errors(exc)), 2)
    caller = signed_in(token)
    _print_round(
        with_commands(caller, round_commands, lambda r: r.open(caller.actor, body)), as_json
    )


@app.command("close")
@reported()
def rounds_close(round_key: str, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Đóng đợt xét và thẩm định chéo (Văn phòng Sở)."""
    caller = signed_in(token)
    _print_round(
        with_commands(caller, round_commands, lambda r: r.close(caller.actor, round_key)), as_json
    )


@app.command("council")
@reported()
def rounds_council(
    round_key: str, file: Path, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Ghi kết quả họp Hội đồng từ tệp JSON {held_on, members, ballots} (thư ký Hội đồng)."""
    from thidua.app.round_commands import CouncilRequest

    body = read_model(file, CouncilRequest)
    caller = signed_in(token)
    _print_round(
        with_commands(caller, round_commands, lambda r: r.council(caller.actor, round_key, body)),
        as_json,
    )


@app.command("decide")
@reported("--action", "--reason")
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

    if file is not None:
        body = read_model(file, DecisionRequest)
    else:
        try:
            body = DecisionRequest.model_validate({"action": action, "reason": reason})
        except ValidationError as exc:
            fail(f"--action: {exc.errors()[0]['msg']}", 2)
    caller = signed_in(token)
    _print_round(
        with_commands(caller, round_commands, lambda r: r.decide(caller.actor, round_key, body)),
        as_json,
    )


@app.command("choose-initiative")
@reported("--nomination", "--initiative", "--award")
def rounds_choose_initiative(
    round_key: str,
    nomination: Annotated[str, typer.Option("--nomination", help="Mã hồ sơ đề nghị")],
    initiative: Annotated[str, typer.Option("--initiative", help="Mã sáng kiến")],
    award: Annotated[
        str, typer.Option("--award", help="Danh hiệu, hình thức, ví dụ CSTDCS, BANG_KHEN_UBND_TINH")
    ],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Chọn danh hiệu, hình thức mà một sáng kiến làm căn cứ (Văn phòng Sở, trước khi Hội đồng
    họp); đợt xét được thẩm định lại ngay."""
    from thidua.app.initiative_choices import InitiativeChoiceRequest, choose_initiative

    try:
        body = InitiativeChoiceRequest.model_validate(
            {"nomination": nomination, "initiative": initiative, "award": award}
        )
    except ValidationError as exc:
        fail("; ".join(f"{field}: {msg}" for field, msg in field_errors(exc)), 2)
    caller = signed_in(token)
    with caller.uow() as tx:
        view = choose_initiative(tx, caller.actor, round_key, body, caller.engine)
    _print_round(view, as_json)


@app.command("show")
@reported()
def rounds_show(round_key: str, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Xem danh sách tổng hợp của đợt xét."""
    from thidua.app import rounds

    caller = signed_in(token)
    with caller.uow() as tx:
        view = rounds.get_round(tx, caller.actor, round_key)
    _print_round(view, as_json)


@app.command("document")
@reported()
def rounds_document(
    round_key: str,
    kind: Annotated[str, typer.Argument(help="report | minutes | decision | submission")],
    fmt: Annotated[str, typer.Option("--format", help="docx | html | pdf")] = "docx",
    token: TokenOpt = None,
) -> None:
    """In đường dẫn tệp văn bản đã tạo của đợt xét."""
    from thidua.app import rounds

    caller = signed_in(token)
    with caller.uow() as tx:
        typer.echo(rounds.document_file(tx, caller.actor, round_key, kind, fmt))

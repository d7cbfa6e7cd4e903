"""``thidua rounds``: the consolidated review round of the Office, the Council and the Director."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from thidua.entrypoints.cli._common import (
    FIELD_OPTIONS,
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
    if view.publication is not None:
        _print_publication(view.publication)


def _when(at: Any) -> str:
    from thidua.domain.publication import VIETNAM

    return f"{at.astimezone(VIETNAM):%H:%M %d/%m/%Y}" if at is not None else "—"


def _print_objection(o: Any) -> None:
    who = o.objector if o.objector is not None else "(ẩn danh)"
    title = f" / {o.title}" if o.title else ""
    late = " (sau thời gian công khai)" if o.late else ""
    typer.echo(
        f"  #{o.id} {o.nomination}{title} — {o.nominee_name} ({o.unit}): {o.status_label}{late}"
    )
    typer.echo(
        f"      Người phản ánh: {who}{' (văn bản giấy)' if o.on_paper else ''}; "
        f"lúc {_when(o.filed_at)}"
    )
    typer.echo(f"      Nội dung: {o.content}")
    if o.resolution_reason:
        typer.echo(
            f"      Giải quyết ({o.resolved_by}, {_when(o.resolved_at)}): {o.resolution_reason}"
        )


def _print_publication(pub: Any) -> None:
    typer.echo(
        f"Công khai: {pub.days} ngày làm việc, từ {_when(pub.published_from)} "
        f"đến {_when(pub.published_until)}" + (" (đang công khai)" if pub.in_progress else "")
    )
    for o in pub.objections:
        _print_objection(o)


@app.command("open")
@reported("--closes-at", "--movement", "--year", "--late-policy", "--publication-days")
def rounds_open(
    closes_at: Annotated[
        str, typer.Option("--closes-at", help="ISO 8601, ví dụ 2024-12-20T17:00:00+07:00")
    ],
    movement: Annotated[str, typer.Option("--movement")] = "NTM-2024",
    year: Annotated[int, typer.Option("--year")] = 2024,
    late_policy: Annotated[
        str, typer.Option("--late-policy", help="refuse | next_round")
    ] = "refuse",
    publication_days: Annotated[
        int | None,
        typer.Option(
            "--publication-days",
            help="Số ngày làm việc công khai danh sách trước khi Hội đồng họp "
            "(mặc định: theo hồ sơ cơ quan, không có thì 5; 0: không công khai)",
        ),
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Mở đợt xét tổng hợp (Văn phòng Sở)."""
    from thidua.app.round_commands import OpenRoundRequest

    try:
        body = OpenRoundRequest.model_validate(
            {
                "movement": movement,
                "year": year,
                "closes_at": closes_at,
                "late_policy": late_policy,
                "publication_days": publication_days,
            }
        )
    except ValidationError as exc:
        fail(
            "; ".join(
                f"{FIELD_OPTIONS.get(field, field)}: {msg}" for field, msg in field_errors(exc)
            ),
            2,
        )
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
    kind: Annotated[
        str,
        typer.Argument(
            help=(
                "report | minutes | vote_count | decision | decision_movement | submission"
                " | revocation-<id>"
            )
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", help="docx | html | pdf")] = "docx",
    token: TokenOpt = None,
) -> None:
    """In đường dẫn tệp văn bản đã tạo của đợt xét."""
    from thidua.app import rounds

    caller = signed_in(token)
    with caller.uow() as tx:
        typer.echo(rounds.document_file(tx, caller.actor, round_key, kind, fmt))


@app.command("revoke")
@reported("--reason")
def rounds_revoke(
    nomination_id: Annotated[str, typer.Argument(help="Mã hồ sơ đề nghị")],
    code: Annotated[str, typer.Argument(help="Danh hiệu/hình thức, ví dụ LDTT")],
    reason: Annotated[str, typer.Option("--reason", help="Lý do thu hồi")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Giám đốc thu hồi khen thưởng đã tặng, ghi rõ lý do; ban hành quyết định thu hồi (có số)."""
    from thidua.entrypoints import awards

    caller = signed_in(token)
    with caller.uow() as tx:
        revoked = awards.revoke_award(
            tx,
            caller.actor,
            nomination_id,
            code,
            reason,
            settings=caller.settings,
            registry=caller.engine.registry,
        )
    if as_json:
        typer.echo(revoked.model_dump_json(indent=2))
        return
    typer.echo(
        f"Đã thu hồi {revoked.code} của {revoked.nominee_name} (hồ sơ {revoked.nomination}). "
        f"Lý do: {revoked.revoked_reason}"
    )
    doc = revoked.revocation
    if doc is None:
        typer.echo(
            "Khen thưởng này không do Giám đốc Sở quyết định: Sở không ban hành quyết định thu hồi."
        )
        return
    typer.echo(f"Quyết định thu hồi số {doc.number} ({doc.kind}, {', '.join(doc.formats)}).")
    typer.echo(
        f"Tải về: thidua nominations revocation {revoked.nomination} {revoked.code} "
        "--format docx --out <tệp>"
    )


@app.command("objections")
@reported()
def rounds_objections(round_key: str, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Xem các phản ánh về danh sách công khai của đợt xét (trong phạm vi được xem)."""
    from thidua.app import publication

    caller = signed_in(token)
    with caller.uow() as tx:
        listed = publication.list_objections(tx, caller.actor, round_key)
    if as_json:
        typer.echo("[" + ",".join(o.model_dump_json() for o in listed) + "]")
        return
    if not listed:
        typer.echo(f"Đợt xét {round_key} chưa có phản ánh nào.")
    for o in listed:
        _print_objection(o)


@app.command("object")
@reported("--nomination", "--title", "--content", "--on-behalf-of")
def rounds_object(
    round_key: str,
    nomination: Annotated[str, typer.Option("--nomination", help="Mã hồ sơ đề nghị")],
    content: Annotated[str, typer.Option("--content", help="Nội dung phản ánh")],
    title: Annotated[
        str | None, typer.Option("--title", help="Một danh hiệu (bỏ trống: cả hồ sơ)")
    ] = None,
    anonymous: Annotated[
        bool, typer.Option("--anonymous", help="Không cho Hội đồng và đơn vị biết người phản ánh")
    ] = False,
    on_behalf_of: Annotated[
        str | None,
        typer.Option("--on-behalf-of", help="Văn phòng Sở ghi nhận phản ánh bằng văn bản"),
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Phản ánh về một hồ sơ trong danh sách công khai: hồ sơ tạm dừng xét đến khi giải quyết."""
    from thidua.app import publication

    try:
        body = publication.FileObjectionRequest.model_validate(
            {
                "nomination": nomination,
                "title": title,
                "content": content,
                "anonymous": anonymous,
                "on_behalf_of": on_behalf_of,
            }
        )
    except ValidationError as exc:
        fail(
            "; ".join(
                f"{FIELD_OPTIONS.get(field, field)}: {msg}" for field, msg in field_errors(exc)
            ),
            2,
        )
    caller = signed_in(token)
    with caller.uow() as tx:
        filed = publication.file_objection(tx, caller.actor, round_key, body)
    if as_json:
        typer.echo(filed.model_dump_json(indent=2))
        return
    typer.echo(f"Đã ghi nhận phản ánh số {filed.id}; hồ sơ {filed.nomination} tạm dừng xét.")
    _print_objection(filed)


@app.command("resolve-objection")
@reported("--reason")
def rounds_resolve_objection(
    round_key: str,
    objection_id: Annotated[int, typer.Argument(help="Số phản ánh")],
    reason: Annotated[str, typer.Option("--reason", help="Lý do")],
    upheld: Annotated[
        bool | None,
        typer.Option(
            "--upheld/--dismissed",
            help="Chấp nhận (rút khỏi danh sách) hoặc không chấp nhận (tiếp tục xét)",
        ),
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Văn phòng Sở giải quyết phản ánh: --upheld (rút khỏi danh sách) hoặc --dismissed."""
    from thidua.app import publication

    if upheld is None:
        fail("Phải chọn --upheld (chấp nhận) hoặc --dismissed (không chấp nhận).", 2)
    try:
        body = publication.ResolveObjectionRequest.model_validate(
            {"decision": "upheld" if upheld else "dismissed", "reason": reason}
        )
    except ValidationError as exc:
        fail(
            "; ".join(
                f"{FIELD_OPTIONS.get(field, field)}: {msg}" for field, msg in field_errors(exc)
            ),
            2,
        )
    caller = signed_in(token)
    with caller.uow() as tx:
        resolved = publication.resolve_objection(tx, caller.actor, round_key, objection_id, body)
    if as_json:
        typer.echo(resolved.model_dump_json(indent=2))
        return
    typer.echo(f"Phản ánh số {resolved.id}: {resolved.status_label}.")
    _print_objection(resolved)

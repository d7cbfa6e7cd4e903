"""``thidua movements`` (movements as data: create, update, list, show) and ``thidua
registrations`` (emulation registrations: add, list, import from .xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from thidua.entrypoints.cli._common import (
    JsonOpt,
    TokenOpt,
    echo_json,
    echo_table,
    fail,
    field_errors,
    reported,
    signed_in,
)

if TYPE_CHECKING:
    from thidua.app.movements import MovementResult
    from thidua.app.ports.movements import MovementView, RegistrationView

movements_app = typer.Typer(
    help="Phong trào thi đua: bình xét hằng năm và phong trào theo chuyên đề.",
    no_args_is_help=True,
)
registrations_app = typer.Typer(help="Đăng ký thi đua của đơn vị và cá nhân.", no_args_is_help=True)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: không tìm thấy tệp.", 2)
    except UnicodeDecodeError as exc:
        fail(f"{path}: tệp phải mã hoá UTF-8 ({exc}).", 2)


def _window(m: MovementView) -> str:
    reg = m.registration()
    return f"{reg.starts:%d/%m/%Y} – {reg.ends:%d/%m/%Y}" if reg else "-"


def _print_movement(m: MovementView) -> None:
    typer.echo(f"Phong trào: {m.code} — {m.name}")
    typer.echo(f"Loại:       {m.kind_label} ({m.kind}); năm {m.year}")
    typer.echo(f"Kế hoạch:   số {m.plan_number} ngày {m.plan_date:%d/%m/%Y}")
    typer.echo(f"Thời gian:  {m.opens:%d/%m/%Y} – {m.closes:%d/%m/%Y}")
    for p in m.phases:
        typer.echo(f"  Giai đoạn {p.label} ({p.phase}): {p.starts:%d/%m/%Y} – {p.ends:%d/%m/%Y}")
    if not m.phases:
        typer.echo("  Không có giai đoạn đăng ký thi đua.")
    for c in m.contents:
        typer.echo(f"  Nội dung {c.code}: {c.text}")
    typer.echo(f"Khen thưởng: {', '.join(m.awards)}")


def _print_result(result: MovementResult, as_json: bool, verb: str) -> None:
    if as_json:
        echo_json(result.model_dump(mode="json"))
        return
    typer.echo(f"Đã {verb} phong trào {result.movement.code}.")
    _print_movement(result.movement)
    for note in result.notes:
        typer.secho(f"Lưu ý: {note}", fg=typer.colors.YELLOW)


def _print_registrations(items: list[RegistrationView]) -> None:
    if not items:
        typer.echo("Chưa có đăng ký thi đua nào.")
        return
    echo_table(
        ["Đơn vị", "Loại", "Mã", "Tên", "Danh hiệu", "Người đăng ký", "Ghi chú"],
        [
            [
                r.unit,
                r.subject_kind,
                r.subject_code,
                r.subject_name,
                ",".join(r.titles),
                r.registered_by,
                "muộn" if r.late else "",
            ]
            for r in items
        ],
        rule="-+-",
        sep=" | ",
    )


@movements_app.command("create")
@reported()
def movements_create(file: Path, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Tạo phong trào từ tệp YAML (Văn phòng Sở, quản trị hệ thống)."""
    from thidua.app import movements
    from thidua.domain.movements import parse_movement_yaml

    spec = parse_movement_yaml(_read(file), str(file))
    caller = signed_in(token)
    with caller.uow() as tx:
        result = movements.create_movement(tx, caller.actor, spec)
    _print_result(result, as_json, "tạo")


@movements_app.command("update")
@reported()
def movements_update(file: Path, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Sửa phong trào theo tệp YAML (cùng mã; có ghi nhật ký trước/sau)."""
    from thidua.app import movements
    from thidua.domain.movements import parse_movement_yaml

    spec = parse_movement_yaml(_read(file), str(file))
    caller = signed_in(token)
    with caller.uow() as tx:
        result = movements.update_movement(tx, caller.actor, spec)
    _print_result(result, as_json, "cập nhật")


@movements_app.command("list")
@reported()
def movements_list(token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Các phong trào thi đua."""
    from thidua.app import movements

    caller = signed_in(token)
    with caller.uow() as tx:
        items = movements.list_movements(tx, caller.actor)
    if as_json:
        echo_json([m.model_dump(mode="json") for m in items])
        return
    if not items:
        typer.echo("Chưa có phong trào nào: tạo bằng `thidua movements create FILE.yaml`.")
        return
    echo_table(
        ["Mã", "Năm", "Loại", "Kế hoạch", "Đăng ký thi đua", "Tên"],
        [
            [
                m.code,
                str(m.year),
                m.kind,
                m.plan_number,
                _window(m),
                m.name,
            ]
            for m in items
        ],
    )


@movements_app.command("show")
@reported()
def movements_show(code: str, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Một phong trào: kế hoạch, giai đoạn, nội dung, khen thưởng, đăng ký thi đua."""
    from thidua.app import movements

    caller = signed_in(token)
    with caller.uow() as tx:
        detail = movements.show_movement(tx, caller.actor, code)
    if as_json:
        echo_json(detail.model_dump(mode="json"))
        return
    _print_movement(detail.movement)
    typer.echo("")
    _print_registrations(detail.registrations)


@registrations_app.command("add")
@reported("--movement", "--unit", "--staff", "--titles")
def registrations_add(
    movement: Annotated[str, typer.Option("--movement", help="Mã phong trào")],
    unit: Annotated[str, typer.Option("--unit", help="Mã đơn vị")],
    titles: Annotated[str, typer.Option("--titles", help="Các mã danh hiệu, ví dụ LDTT,CSTDCS")],
    staff: Annotated[
        str | None, typer.Option("--staff", help="Mã cán bộ (đăng ký cá nhân)")
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Đăng ký thi đua cho đơn vị (tập thể) hoặc một cán bộ của đơn vị (cá nhân)."""
    from thidua.app import movements

    try:
        body = movements.RegistrationRequest(unit=unit, staff=staff, titles=titles.split(","))
    except ValidationError as exc:
        fail("; ".join(f"--{field}: {msg}" for field, msg in field_errors(exc)), 2)
    caller = signed_in(token)
    with caller.uow() as tx:
        view = movements.register(tx, caller.actor, movement, body)
    if as_json:
        echo_json(view.model_dump(mode="json"))
        return
    who = f"cán bộ {view.subject_code}" if view.subject_kind == "individual" else "đơn vị"
    late = " (đăng ký muộn)" if view.late else ""
    typer.echo(
        f"Đã đăng ký thi đua{late}: {who} {view.subject_name} ({view.unit}) — "
        f"{', '.join(view.titles)}, phong trào {view.movement}."
    )


@registrations_app.command("list")
@reported("--movement")
def registrations_list(
    movement: Annotated[str, typer.Option("--movement", help="Mã phong trào")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Các đăng ký thi đua của phong trào (đơn vị chỉ thấy đơn vị của mình)."""
    from thidua.app import movements

    caller = signed_in(token)
    with caller.uow() as tx:
        items = movements.list_registrations(tx, caller.actor, movement)
    if as_json:
        echo_json([r.model_dump(mode="json") for r in items])
        return
    _print_registrations(items)


@registrations_app.command("import")
@reported()
def registrations_import(
    file: Path,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ kiểm tra, không ghi gì.")] = False,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Nhập đăng ký thi đua từ trang «registrations» của tệp .xlsx (movement, kind, code, unit,
    titles). Một dòng lỗi thì không nhập dòng nào."""
    from thidua.adapters.tabular.registrations import read_registrations_xlsx
    from thidua.app import movements

    if file.suffix.lower() != ".xlsx":
        fail(f"{file}: chỉ nhận tệp .xlsx (trang «registrations»).", 2)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        fail(f"{file}: không tìm thấy tệp.", 2)
    rows = read_registrations_xlsx(data)
    caller = signed_in(token)
    with caller.uow() as tx:
        report = movements.import_registrations(tx, caller.actor, rows, dry_run=dry_run)
    if as_json:
        echo_json(report.model_dump(mode="json"))
        return
    late = f", {report.late} đăng ký muộn" if report.late else ""
    if report.dry_run:
        typer.echo(
            f"Kiểm tra xong {report.rows} dòng: không có lỗi{late}. Chưa ghi gì (--dry-run)."
        )
    else:
        typer.echo(
            f"Đã nhập {report.rows} dòng: {report.created} đăng ký mới, {report.replaced} thay "
            f"danh hiệu, {report.unchanged} không đổi{late}."
        )

"""``thidua org`` (units, staff, council) and ``thidua ratings`` (the annual register): import,
export and the template, from .xlsx or .csv files.

With ``--token`` a command acts as that account (imports need the ``admin`` role; ratings also
``office`` and, for their units' staff, ``unit_officer``/``unit_head``). Without a token it is a
local operator command on the database (whoever runs it on the server acts as the
administrator), so a new installation can load its organisation before any account exists.
Errors are printed one per line (``sheet staff, dòng 7, cột gender: ...``) and exit 2.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from thidua.entrypoints.cli._common import (
    JsonOpt,
    TokenOpt,
    echo_errors,
    echo_json,
    fail,
    run_in_db,
    signed_in,
)

if TYPE_CHECKING:
    from thidua.app.org import ImportSummary
    from thidua.app.ports.uow import Tx
    from thidua.domain.roles import Actor

T = TypeVar("T")

org_app = typer.Typer(
    help="Tổ chức: đơn vị, nhân sự, Hội đồng thi đua (nhập/xuất .xlsx, .csv).",
    no_args_is_help=True,
)
ratings_app = typer.Typer(
    help="Sổ xếp loại hằng năm của nhân sự (nhập/xuất).", no_args_is_help=True
)

_LABELS = (
    ("created", "tạo mới"),
    ("updated", "cập nhật"),
    ("transferred", "chuyển đơn vị"),
    ("unchanged", "không đổi"),
)


def _operator() -> Actor:
    from thidua.domain.roles import Actor, Role

    try:
        name = f"os:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        name = "os:unknown"
    return Actor(username=name, role=Role.ADMIN)


def _as(token: str | None, fn: Callable[[Tx, Actor], T]) -> T:
    """Run ``fn`` in one transaction as the token's account, or as the local operator."""
    from thidua.app.org_tables import OrgFileError
    from thidua.domain.refusals import Refusal

    try:
        if token:
            caller = signed_in(token)
            with caller.uow() as tx:
                return fn(tx, caller.actor)
        actor = _operator()
        return run_in_db(
            lambda tx: fn(tx, actor),
            "không truy cập được cơ sở dữ liệu ({url}): {error}. Đã chạy 'thidua db upgrade' chưa?",
        )
    except OrgFileError as exc:
        fail(str(exc), 2)
    except Refusal as refusal:
        if refusal.errors:
            echo_errors(e.message for e in refusal.errors)
        elif refusal.field:
            fail(f"{refusal.field}: {refusal.message}", 2)
        fail(refusal.message, 2)


def _print_summary(summary: ImportSummary, as_json: bool) -> None:
    if as_json:
        echo_json(summary.as_dict())
        return
    head = "Chạy thử (không ghi gì)" if summary.dry_run else "Đã nhập"
    typer.echo(f"{head}:")
    for sheet, counts in summary.sheets.items():
        parts = ", ".join(
            f"{label} {getattr(counts, key)}"
            for key, label in _LABELS
            if key != "transferred" or sheet == "staff"
        )
        typer.echo(f"  {sheet}: {parts}")


def _read(path: Path, accept: tuple[str, ...]) -> dict[str, Any]:
    from thidua.adapters.tabular.org import read_path
    from thidua.app.org_tables import OrgFileError

    try:
        return read_path(path, accept)
    except OrgFileError as exc:
        fail(str(exc), 2)


def _write(path: Path, tables: dict[str, list[dict[str, str]]], table: str | None) -> None:
    from thidua.adapters.tabular.org import write_path
    from thidua.app.org_tables import OrgFileError

    try:
        write_path(path, tables, table=table)
    except OrgFileError as exc:
        fail(str(exc), 2)
    except OSError as exc:
        fail(f"{path}: không ghi được tệp ({exc.strerror}).", 2)


FileArg = Annotated[Path, typer.Argument(help="Tệp .xlsx hoặc .csv.")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Chỉ kiểm tra và báo kết quả, không ghi gì.")
]


@org_app.command("import")
def org_import(
    file: FileArg,
    dry_run: DryRunOpt = False,
    effective: Annotated[
        str | None,
        typer.Option(
            "--effective",
            help="Ngày hiệu lực (YYYY-MM-DD) của việc chuyển đơn vị không ghi unit_from; "
            "mặc định hôm nay.",
        ),
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Nhập đơn vị, nhân sự, Hội đồng (sheet units, staff, council; .csv: một bảng). Một dòng
    sai thì không nhập gì."""
    from thidua.app import org
    from thidua.app.org_tables import ORG_TABLES

    on: date | None = None
    if effective is not None:
        try:
            on = date.fromisoformat(effective)
        except ValueError:
            fail(f"--effective: «{effective}» không phải ngày dạng YYYY-MM-DD.", 2)
    tables = _read(file, ORG_TABLES)
    summary = _as(
        token, lambda tx, actor: org.import_org(tx, actor, tables, dry_run=dry_run, effective=on)
    )
    _print_summary(summary, as_json)


TableOpt = Annotated[
    str | None,
    typer.Option(
        "--table", help="Bảng ghi ra tệp .csv (units, staff, council); mặc định theo tên tệp."
    ),
]


@org_app.command("export")
def org_export(file: FileArg, table: TableOpt = None, token: TokenOpt = None) -> None:
    """Xuất đơn vị, nhân sự, Hội đồng (cùng các cột như khi nhập)."""
    from thidua.app import org

    tables = _as(token, org.export_org)
    _write(file, tables, table)
    typer.echo(f"Đã ghi {file}.")


@org_app.command("template")
def org_template(file: Annotated[Path, typer.Argument(help="Tệp .xlsx.")]) -> None:
    """Ghi tệp mẫu .xlsx: các sheet units, staff, council, ratings với dòng tiêu đề và một dòng ví dụ."""
    from thidua.app.org import TEMPLATE

    if file.suffix.lower() != ".xlsx":
        fail(f"{file}: tệp mẫu là tệp .xlsx.", 2)
    _write(file, dict(TEMPLATE), None)
    typer.echo(f"Đã ghi tệp mẫu {file}.")


@ratings_app.command("import")
def ratings_import(
    file: FileArg, dry_run: DryRunOpt = False, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Nhập sổ xếp loại (sheet ratings; .csv: bảng ratings). Một dòng sai thì không nhập gì."""
    from thidua.app import ratings
    from thidua.app.org_tables import RATINGS_TABLES

    tables = _read(file, RATINGS_TABLES)
    summary = _as(
        token,
        lambda tx, actor: ratings.import_ratings(tx, actor, tables["ratings"], dry_run=dry_run),
    )
    _print_summary(summary, as_json)


@ratings_app.command("export")
def ratings_export(
    file: FileArg,
    year: Annotated[int, typer.Option("--year", min=1945, max=2100, help="Năm xếp loại.")],
    unit: Annotated[str | None, typer.Option("--unit", help="Chỉ một đơn vị.")] = None,
    token: TokenOpt = None,
) -> None:
    """Xuất sổ xếp loại của một năm (cùng các cột như khi nhập)."""
    from thidua.app import ratings

    rows = _as(token, lambda tx, actor: ratings.ratings_rows(tx, actor, year, unit))
    _write(file, {"ratings": rows}, "ratings")
    typer.echo(f"Đã ghi {file} ({len(rows)} dòng).")

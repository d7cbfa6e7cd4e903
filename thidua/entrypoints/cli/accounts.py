"""``thidua users`` and ``thidua tokens``: local operator commands working on the database
directly (no token: whoever runs them on the server is the operator). Every refusal of these
commands is about their input: exit 2."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from thidua.domain.labels import ACCOUNT_STATE_LABEL_VI, TOKEN_STATUS_LABEL_VI
from thidua.entrypoints.cli._common import JsonOpt, echo_json, echo_table, fail, reported, run_in_db

if TYPE_CHECKING:
    from thidua.app.ports.uow import Tx

users_app = typer.Typer(
    help="Tài khoản người dùng (thao tác trực tiếp trên CSDL).", no_args_is_help=True
)
tokens_app = typer.Typer(
    help="Mã xác thực API (thd_...): cấp, liệt kê, thu hồi.", no_args_is_help=True
)

T = TypeVar("T")


def _operator() -> str:
    """Who runs the command, for the audit log: the operating-system account."""
    try:
        return f"os:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "os:unknown"


def _run(fn: Callable[[Tx], T]) -> T:
    return run_in_db(
        fn, "không truy cập được cơ sở dữ liệu ({url}): {error}. Đã chạy 'thidua db upgrade' chưa?"
    )


def _fmt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def _jsonable(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    out = asdict(obj)
    for k, v in out.items():
        if isinstance(v, datetime):
            out[k] = v.isoformat()
        elif isinstance(v, tuple):
            out[k] = list(v)
    return out


# --- users ------------------------------------------------------------------------------------


@users_app.command("list")
@reported(refusal_exit=2)
def users_list(as_json: JsonOpt = False) -> None:
    """Liệt kê tài khoản."""
    from thidua.app.accounts import users as accounts

    users = _run(accounts.list_users)
    if as_json:
        echo_json([_jsonable(u) for u in users])
        return
    echo_table(
        ["TÀI KHOẢN", "VAI TRÒ", "ĐƠN VỊ", "ĐƠN VỊ ĐƯỢC CẤP", "TRẠNG THÁI", "HỌ TÊN"],
        [
            [
                u.username,
                u.role,
                u.unit or "-",
                ",".join(u.grants) or "-",
                ACCOUNT_STATE_LABEL_VI[u.active],
                u.display_name,
            ]
            for u in users
        ],
    )


@users_app.command("create")
@reported("USERNAME", "--role", "--unit", "--grant", "--display-name", refusal_exit=2)
def users_create(
    username: Annotated[str, typer.Argument(help="Tên đăng nhập (a-z, 0-9, '.', '_', '-').")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="Vai trò: unit_officer, unit_head, office, council_secretary, director, "
            "rules_admin, auditor, pipeline, admin.",
        ),
    ],
    unit: Annotated[str | None, typer.Option("--unit", help="Mã đơn vị của tài khoản.")] = None,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Họ tên hiển thị.")
    ] = None,
    grant: Annotated[
        list[str] | None,
        typer.Option("--grant", help="Đơn vị được cấp thêm (tài khoản pipeline); lặp lại được."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Tạo tài khoản (chưa có mã xác thực: dùng 'thidua tokens create')."""
    from thidua.app.accounts import users as accounts

    view = _run(
        lambda tx: accounts.create_user(
            tx,
            username,
            role,
            unit=unit,
            display_name=display_name,
            grants=grant or (),
            by=_operator(),
        )
    )
    if as_json:
        echo_json(_jsonable(view))
        return
    extra = f", đơn vị được cấp {','.join(view.grants)}" if view.grants else ""
    typer.echo(
        f"Đã tạo tài khoản {view.username} (vai trò {view.role}, đơn vị {view.unit or '-'}{extra})."
    )


@users_app.command("deactivate")
@reported("USERNAME", refusal_exit=2)
def users_deactivate(username: str) -> None:
    """Vô hiệu hóa tài khoản: mọi mã xác thực của tài khoản không còn dùng được."""
    from thidua.app.accounts import users as accounts

    view = _run(lambda tx: accounts.deactivate_user(tx, username, by=_operator()))
    typer.echo(f"Đã vô hiệu hóa tài khoản {view.username}.")


@users_app.command("set-password")
@reported("USERNAME", "PASSWORD", refusal_exit=2)
def users_set_password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Đọc mật khẩu từ dòng đầu của stdin.")
    ] = False,
) -> None:
    """Đặt mật khẩu đăng nhập bảng điều khiển web (mật khẩu không bao giờ được in hay ghi log)."""
    import sys

    from thidua.app.accounts import console

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Mật khẩu mới", hide_input=True, confirmation_prompt=True)
    _run(lambda tx: console.set_password(tx, username, password, by=_operator()))
    typer.echo(f"Đã đặt mật khẩu cho tài khoản {username}; các phiên đăng nhập cũ đã kết thúc.")


# --- tokens -----------------------------------------------------------------------------------


@tokens_app.command("create")
@reported("USERNAME", refusal_exit=2)
def tokens_create(
    username: str,
    name: Annotated[str, typer.Option("--name", help="Tên gợi nhớ của mã.")] = "default",
    expires_in_days: Annotated[
        int | None,
        typer.Option("--expires-in-days", min=1, max=3650, help="Hết hạn sau số ngày này."),
    ] = None,
) -> None:
    """Cấp mã xác thực mới; mã chỉ được in ra MỘT lần (CSDL chỉ lưu giá trị băm). Không có
    --expires-in-days: hết hạn theo cấu hình (hồ sơ production: sau 90 ngày)."""
    from thidua.app.accounts import tokens
    from thidua.config import get_settings

    if not name.strip() or len(name) > 64:
        fail("--name: tên mã phải có từ 1 đến 64 ký tự.", 2)
    expires = timedelta(days=expires_in_days) if expires_in_days else get_settings().token_lifetime
    token, view = _run(
        lambda tx: tokens.create_token(tx, username, name=name, expires_in=expires, by=_operator())
    )
    typer.secho(
        f"Đã cấp mã #{view.id} ({view.prefix}…) cho {view.username}, hết hạn: "
        f"{_fmt(view.expires_at) if view.expires_at else 'không'}. "
        "Hãy lưu mã dưới đây ngay, mã sẽ không được hiển thị lại:",
        err=True,
    )
    typer.echo(token)


@tokens_app.command("list")
@reported("USERNAME", refusal_exit=2)
def tokens_list(
    username: Annotated[str | None, typer.Argument(help="Chỉ mã của tài khoản này.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Liệt kê mã xác thực (tiền tố, tên, ngày tạo, hết hạn, thu hồi; không bao giờ in mã)."""
    from thidua.app.accounts import tokens

    views = _run(lambda tx: tokens.list_tokens(tx, username))
    if as_json:
        out = [{**_jsonable(v), "status": v.status()} for v in views]
        echo_json(out)
        return
    echo_table(
        ["ID", "TIỀN TỐ", "TÀI KHOẢN", "TÊN", "TẠO LÚC", "HẾT HẠN", "THU HỒI", "TRẠNG THÁI"],
        [
            [
                str(v.id),
                v.prefix,
                v.username,
                v.name,
                _fmt(v.created_at),
                _fmt(v.expires_at),
                _fmt(v.revoked_at),
                TOKEN_STATUS_LABEL_VI[v.status()],
            ]
            for v in views
        ],
    )


@tokens_app.command("revoke")
@reported("PREFIX_OR_ID", refusal_exit=2)
def tokens_revoke(
    prefix_or_id: Annotated[str, typer.Argument(metavar="PREFIX_OR_ID", help="ID hoặc tiền tố.")],
) -> None:
    """Thu hồi một mã xác thực (theo ID hoặc tiền tố thd_xxxxxx)."""
    from thidua.app.accounts import tokens

    view = _run(lambda tx: tokens.revoke_token(tx, prefix_or_id, by=_operator()))
    typer.echo(f"Đã thu hồi mã #{view.id} ({view.prefix}…) của {view.username}.")

"""``thidua agency show|set|history``: the agency's profile as dated versions;
``thidua agency register-start``: where a book of the document register starts in a year.

With ``--token`` (or ``THIDUA_TOKEN``) a command acts as that account, with the API's
authorization (only the system administrator sets a profile). Without one it is a local operator
command on the database, like ``thidua users`` (whoever runs it on the server is the operator,
audited as ``os:<user>``): this is how a new deployment gets its first profile, before any
account exists.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from thidua.entrypoints.cli._common import (
    JsonOpt,
    TokenOpt,
    echo_json,
    echo_table,
    fail,
    reported,
    run_in_db,
    signed_in,
)

if TYPE_CHECKING:
    from thidua.app.agency import ProfileVersionView
    from thidua.app.ports.uow import Tx
    from thidua.domain.roles import Actor

app = typer.Typer(
    help="Hồ sơ cơ quan (tên, địa danh, ký hiệu văn bản, người ký, căn cứ, nơi nhận) theo "
    "ngày hiệu lực.",
    no_args_is_help=True,
)

T = TypeVar("T")

_DB_TROUBLE = (
    "không truy cập được cơ sở dữ liệu ({url}): {error}. Đã chạy 'thidua db upgrade' chưa?"
)


def _operator() -> str:
    """Who runs a command without a token, for the audit log: the operating-system account."""
    try:
        return f"os:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "os:unknown"


def _run(token: str | None, fn: Callable[[Tx, Actor | None], T]) -> T:
    """``fn`` in one transaction, as the token's account, or as the local operator (None)."""
    if token:
        caller = signed_in(token)
        with caller.uow() as tx:
            return fn(tx, caller.actor)
    return run_in_db(lambda tx: fn(tx, None), _DB_TROUBLE)


def _day(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--on: ngày không hợp lệ {text!r} (dạng YYYY-MM-DD).", 2)


def _lines(view: ProfileVersionView) -> list[str]:
    p = view.profile
    out = [
        f"Hồ sơ cơ quan phiên bản {view.version}, hiệu lực từ {view.effective_from:%d/%m/%Y} "
        f"(lưu bởi {view.created_by} lúc {view.created_at:%d/%m/%Y %H:%M}; "
        f"sha256 {view.sha256[:12]}…)",
        f"  Mã cơ quan:          {p.code}",
        f"  Cơ quan chủ quản:    {p.governing_body}",
        f"  Tên cơ quan:         {p.name}",
        f"  Địa danh:            {p.place}",
        f"  Ký hiệu văn bản:     {p.symbol} (QĐ-{p.symbol}, TTr-{p.symbol}, BC-{p.symbol})",
        f"  Người đứng đầu:      {p.head_title} (cấp phó ký thay: KT. {p.head_title.upper()} / "
        f"{p.deputy_title})",
        f"  Ban Thi đua tỉnh:    {p.board}",
        "  Căn cứ thẩm quyền:",
        *(f"    - {line}" for line in p.competence_basis),
        "  Quy định thi đua của tỉnh:",
        *(f"    - {line}" for line in p.emulation_regulation),
        "  Nơi nhận:",
    ]
    for kind, label in (
        ("decision", "quyết định"),
        ("submission", "tờ trình"),
        ("report", "báo cáo"),
        ("minutes", "biên bản"),
    ):
        lines = getattr(p.recipients, kind)
        out.append(f"    {label}: " + (" | ".join(lines) if lines else "(không)"))
    return out


@app.command("show")
@reported("--on")
def show(
    on: Annotated[
        str | None, typer.Option("--on", help="Ngày (YYYY-MM-DD); mặc định hôm nay.")
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """In hồ sơ cơ quan có hiệu lực vào một ngày (mặc định hôm nay)."""
    from thidua.app import agency

    day = _day(on)
    view = _run(token, lambda tx, _: agency.show(tx, day))
    if as_json:
        echo_json(view.model_dump(mode="json"))
        return
    for line in _lines(view):
        typer.echo(line)


@app.command("set")
@reported("FILE", refusal_exit=2)
def set_profile(
    file: Annotated[Path, typer.Argument(help="Tệp hồ sơ cơ quan (YAML).", metavar="FILE")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lưu phiên bản mới của hồ sơ cơ quan từ tệp YAML (hiệu lực từ effective_from)."""
    from thidua.app import agency

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"FILE: không đọc được tệp {file}: {exc.strerror}.", 2)
    except UnicodeDecodeError:
        fail(f"FILE: tệp {file} không phải UTF-8.", 2)
    result = _run(
        token,
        lambda tx, actor: (
            agency.set_profile_yaml(tx, actor, text)
            if actor is not None
            else agency.set_profile_as_operator(tx, text, _operator())
        ),
    )
    if as_json:
        echo_json(result.model_dump(mode="json"))
        return
    typer.echo(result.message)


@app.command("history")
@reported()
def history(token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Liệt kê mọi phiên bản hồ sơ cơ quan, mới nhất trước."""
    from thidua.app import agency

    views = _run(token, lambda tx, _: agency.history(tx))
    if as_json:
        echo_json([v.model_dump(mode="json") for v in views])
        return
    if not views:
        typer.echo("Chưa có hồ sơ cơ quan: đặt bằng 'thidua agency set TỆP.yaml'.")
        return
    echo_table(
        ["Phiên bản", "Hiệu lực từ", "Tên cơ quan", "Ký hiệu", "Lưu bởi", "Lúc", "sha256"],
        [
            [
                str(v.version),
                v.effective_from.isoformat(),
                v.profile.name,
                v.profile.symbol,
                v.created_by,
                f"{v.created_at:%Y-%m-%d %H:%M}",
                v.sha256[:12],
            ]
            for v in views
        ],
        rule="-+-",
        sep=" | ",
    )


@app.command("register-start")
@reported("--year", refusal_exit=2)
def register_start(
    year: Annotated[int, typer.Option("--year", help="Năm của sổ (năm dương lịch).")],
    book: Annotated[str, typer.Option("--book", help="Sổ: QĐ, BC, TTr hoặc BB (biên bản).")],
    first: Annotated[int, typer.Option("--first", help="Số đầu tiên sổ sẽ cấp (mặc định 1).")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Đặt số bắt đầu của một sổ văn bản đi trong năm (khi cơ quan đã cấp số trên sổ giấy)."""
    from thidua.app import register

    result = _run(
        token,
        lambda tx, actor: register.set_register_start(
            tx, actor, year=year, book=book, first=first, operator=_operator()
        ),
    )
    if as_json:
        echo_json(result.model_dump(mode="json"))
        return
    typer.echo(result.message)

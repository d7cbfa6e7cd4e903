"""``thidua audit``: verify, export and list the hash-chained audit log (reads the database)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from thidua.entrypoints.cli._common import JsonOpt, fail, reported, run_in_db

if TYPE_CHECKING:
    from thidua.app.ports.uow import Tx
    from thidua.domain.audit_export import ExportCheck

app = typer.Typer(
    help="Nhật ký kiểm toán (chuỗi băm, chỉ ghi thêm): kiểm tra, xuất, liệt kê.",
    no_args_is_help=True,
)

T = TypeVar("T")


def _run(fn: Callable[[Tx], T]) -> T:
    return run_in_db(fn, "không đọc được nhật ký kiểm toán trong CSDL {url}: {error}.")


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: '{value}' không phải ngày dạng YYYY-MM-DD.", 2)


def _anchor(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    digest = digest.strip().lower()
    if (
        not seq.strip().isdigit()
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
    ):
        fail(
            f"--expect-head: '{value}' phải có dạng SỐ_THỨ_TỰ:MÃ_BĂM (64 ký tự hex), "
            "lấy từ dòng cuối của tệp xuất.",
            2,
        )
    return int(seq), digest


def _check_file(path: Path) -> ExportCheck:
    """Check an export file (no database); exit 2 if it cannot be read."""
    from thidua.domain.audit_export import check_export

    try:
        with path.open(encoding="utf-8", newline="") as text_in:
            return check_export(text_in, "csv" if path.suffix.lower() == ".csv" else "jsonl")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"FILE: không đọc được {path}: {type(exc).__name__}.", 2)


@app.command("check-file")
@reported()
def check_file_cmd(
    file: Annotated[Path, typer.Argument(help="Tệp đã xuất (.jsonl hoặc .csv).")],
) -> None:
    """Kiểm tra một tệp đã xuất mà không cần CSDL: mã băm từng mục, mối nối, dòng cuối."""
    result = _check_file(file)
    if not result.ok:
        fail(f"Tệp xuất KHÔNG toàn vẹn. {result.problem}")
    typer.echo(
        f"Tệp xuất toàn vẹn: {result.entries} mục; mã băm cuối chuỗi lúc xuất "
        f"{result.head_hash} (mục {result.head_seq})."
    )


@app.command("verify")
@reported()
def verify_cmd(
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="Tệp đã xuất trước đây: dùng mã băm cuối ghi trong tệp như --expect-head.",
            show_default=False,
        ),
    ] = None,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            help="SEQ:HASH đã lưu giữ bên ngoài (dòng cuối tệp xuất): phát hiện cả việc xóa các "
            "mục mới nhất.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Kiểm tra toàn bộ chuỗi; nêu mục đầu tiên bị sửa, bị xóa hoặc bị đổi thứ tự (mã lỗi 1)."""
    from thidua.app import audit

    anchor = _anchor(expect_head)
    if against is not None:
        if anchor is not None:
            fail("--against: chỉ dùng một trong --against và --expect-head.", 2)
        checked = _check_file(against)
        if not checked.ok or checked.head_seq is None or checked.head_hash is None:
            fail(f"--against: tệp {against} không toàn vẹn: {checked.problem}", 2)
        anchor = (checked.head_seq, checked.head_hash)
    report = _run(lambda tx: audit.verify(tx, expect=anchor))
    problem = report.problem
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "entries": report.entries,
                    "head_seq": report.head_seq,
                    "head_hash": report.head_hash,
                    "problem": None
                    if problem is None
                    else {
                        "kind": problem.kind,
                        "seq": problem.seq,
                        "id": problem.id,
                        "message": problem.message(),
                    },
                },
                ensure_ascii=False,
            )
        )
        if problem is not None:
            raise typer.Exit(1)
        return
    if problem is not None:
        fail(
            f"Chuỗi nhật ký kiểm toán KHÔNG toàn vẹn. {problem.message()} "
            f"({report.entries} mục trước đó hợp lệ.)"
        )
    typer.echo(
        f"Chuỗi nhật ký kiểm toán toàn vẹn: {report.entries} mục, "
        f"mã băm cuối {report.head_hash} (mục {report.head_seq})."
    )


@app.command("export")
@reported("--from", "--to", refusal_exit=2)
def export_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="Tệp ghi ra.", show_default=False)],
    date_from: Annotated[
        str | None, typer.Option("--from", help="Từ ngày (YYYY-MM-DD, UTC).", show_default=False)
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option("--to", help="Đến hết ngày (YYYY-MM-DD, UTC).", show_default=False),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl hoặc csv.", case_sensitive=False)
    ] = "jsonl",
) -> None:
    """Xuất các mục trong khoảng ngày; dòng cuối mang mã băm cuối chuỗi để bên ngoài lưu giữ."""
    from thidua.app import audit

    fmt = fmt.lower()
    if fmt not in ("jsonl", "csv"):
        fail(f"--format: '{fmt}' không hỗ trợ; dùng jsonl hoặc csv.", 2)
    start, end = _date(date_from, "--from"), _date(date_to, "--to")
    target = output.expanduser().resolve()
    if target.is_dir():
        fail(f"--output: {target} là thư mục; hãy ghi tên tệp.", 2)
    if not target.parent.is_dir():
        fail(f"--output: không có thư mục {target.parent}.", 2)
    # Written to a temporary file in the same folder, then renamed: never a half-written export.
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            summary = _run(
                lambda tx: audit.export(
                    tx,
                    out,
                    start=start,
                    end=end,
                    fmt="csv" if fmt == "csv" else "jsonl",
                )
            )
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    typer.echo(
        f"Đã xuất {summary['entries']} mục vào {target}; mã băm cuối chuỗi "
        f"{summary['head_hash']} (mục {summary['head_seq']})."
    )


@app.command("list")
@reported()
def list_cmd(
    action: Annotated[
        str | None,
        typer.Option(
            "--action", help="Hành động, hoặc tiền tố kết thúc bằng '.'.", show_default=False
        ),
    ] = None,
    object_id: Annotated[
        str | None, typer.Option("--object", help="Mã đối tượng.", show_default=False)
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Người thực hiện.", show_default=False)
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Từ ngày (YYYY-MM-DD).", show_default=False)
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Đến hết ngày (YYYY-MM-DD).", show_default=False)
    ] = None,
    after: Annotated[int, typer.Option("--after", help="Sau mục số (phân trang).", min=0)] = 0,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Liệt kê các mục nhật ký theo thứ tự chuỗi, có lọc."""
    from thidua.app import audit
    from thidua.app.ports.audit import AuditFilter

    start, end = _date(since, "--since"), _date(until, "--until")
    f = AuditFilter(
        action=action,
        object_id=object_id,
        actor=actor,
        since=datetime(start.year, start.month, start.day) if start else None,
        until=datetime(end.year, end.month, end.day) + timedelta(days=1) if end else None,
    )
    items, next_seq = _run(lambda tx: audit.page(tx, f, after, limit))
    if as_json:
        typer.echo(
            json.dumps(
                {"items": [i.model_dump() for i in items], "next_after": next_seq},
                ensure_ascii=False,
            )
        )
        return
    if not items:
        typer.echo("Không có mục nào.")
        return
    for i in items:
        who = i.actor or "hệ thống"
        typer.echo(f"{i.seq:>6}  {i.at}  {i.action:<28} {i.object_id:<40} {who}")
    if next_seq is not None:
        typer.echo(f"… còn tiếp: --after {next_seq}")

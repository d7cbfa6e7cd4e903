"""``thidua nominations import`` and ``thidua nominations export``: lists exchanged as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from thidua.domain.nominations import Stage

_TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token", envvar="THIDUA_TOKEN", help="Mã xác thực (THIDUA_TOKEN).", show_default=False
    ),
]


def print_report(report: Any) -> None:
    """A summary, then the error table ``Dòng | Cột | Lỗi``."""
    verb = "Sẽ nộp" if report.dry_run else "Đã nộp"
    typer.echo(
        f"{'Kiểm tra thử (không nộp): ' if report.dry_run else ''}{report.total_rows} dòng; "
        f"{verb} mới: {report.accepted}; đã có từ trước: {report.existing}; "
        f"lỗi: {len(report.errors)}."
    )
    if not report.errors:
        return
    col_w = max(3, *(len(e.column) for e in report.errors))
    row_w = max(4, *(len(str(e.row)) for e in report.errors))
    typer.echo("")
    typer.echo(f"{'Dòng':>{row_w}} | {'Cột':<{col_w}} | Lỗi")
    typer.echo(f"{'-' * row_w}-+-{'-' * col_w}-+-{'-' * 40}")
    for e in report.errors:
        typer.echo(f"{e.row:>{row_w}} | {e.column:<{col_w}} | {e.message}")


def register(nominations_app: typer.Typer) -> None:
    """Add ``import`` and ``export`` to the ``nominations`` command group."""

    @nominations_app.command("import")
    def nominations_import(
        file: Annotated[Path, typer.Argument(help="Tệp .xlsx, .csv (UTF-8) hoặc .jsonl")],
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Chỉ kiểm tra, không nộp hồ sơ nào.")
        ] = False,
        concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=32)] = 8,
        token: _TokenOpt = None,
    ) -> None:
        """Nộp nhiều hồ sơ từ tệp danh sách; báo lỗi theo dòng và cột."""
        from thidua.app import bulk
        from thidua.entrypoints.cli import _actor, _fail, _settings, _with_lifecycle

        settings = _settings()
        try:
            parsed = bulk.parse_file(file)
        except bulk.BulkFileError as exc:
            _fail(str(exc), 2)
            return
        actor = _actor(settings, token)
        label = "Kiểm tra" if dry_run else "Nộp hồ sơ"
        with typer.progressbar(length=len(parsed.items), label=label) as bar:

            async def _run(lc: Any) -> Any:
                return await bulk.import_items(
                    lc,
                    actor,
                    parsed,
                    dry_run=dry_run,
                    concurrency=concurrency,
                    progress=bar.update,
                )

            report = _with_lifecycle(settings, _run)
        print_report(report)
        raise typer.Exit(1 if report.errors else 0)

    @nominations_app.command("export")
    def nominations_export(
        file: Annotated[Path, typer.Argument(help="Tệp kết quả .xlsx hoặc .csv")],
        stage: Annotated[Stage | None, typer.Option("--stage")] = None,
        unit: Annotated[str | None, typer.Option("--unit")] = None,
        movement: Annotated[str | None, typer.Option("--movement")] = None,
        year: Annotated[int | None, typer.Option("--year")] = None,
        token: _TokenOpt = None,
    ) -> None:
        """Xuất danh sách hồ sơ (được phép xem) ra Excel hoặc CSV."""
        from thidua.adapters.db.session import UnitOfWork, make_engine
        from thidua.app import bulk, nominations
        from thidua.entrypoints.cli import _actor, _fail, _settings

        fmt = file.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            _fail("tên tệp phải kết thúc bằng .xlsx hoặc .csv.", 2)
            return
        settings = _settings()
        actor = _actor(settings, token)
        uow = UnitOfWork(make_engine(settings.database.url))
        with uow() as session:
            views = nominations.list_nominations(
                session,
                actor,
                stage=stage.value if stage else None,
                unit=unit,
                movement=movement,
                year=year,
                limit=1_000_000,
            )
        bulk.export_rows(views, "xlsx" if fmt == "xlsx" else "csv", file)
        typer.echo(f"Đã xuất {len(views)} hồ sơ ra {file}.")

"""``thidua db``: the database schema."""

from __future__ import annotations

import typer

from thidua.entrypoints.cli._common import load_settings, reported

app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)


@app.command("upgrade")
@reported()
def db_upgrade() -> None:
    """Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu."""
    from thidua.adapters.db.migrate import upgrade
    from thidua.entrypoints.private_files import make_private

    settings = load_settings()
    make_private(settings)
    upgrade(settings.database.url)
    typer.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")

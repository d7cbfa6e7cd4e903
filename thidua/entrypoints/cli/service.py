"""The service commands: ``thidua up`` (everything), ``worker``, ``api``, ``demo`` and
``sample-accounts`` (the root adds them as top-level commands)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated

import typer

from thidua.config import get_settings
from thidua.entrypoints.cli._common import fail, load_settings
from thidua.logging import configure_logging

app = typer.Typer()


@app.command()
def up() -> None:
    """Chạy toàn bộ dịch vụ: máy chủ Temporal nhúng, worker và API (như `make run`)."""
    from thidua.entrypoints.up import run_up

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        code = run_up(settings)
    except RuntimeError as exc:
        fail(str(exc))
    raise typer.Exit(code)


@app.command()
def worker() -> None:
    """Chạy worker Temporal (quy trình và hoạt động)."""
    import worker as worker_module

    worker_module.main()


@app.command()
def api() -> None:
    """Chạy HTTP API."""
    import uvicorn

    from thidua.adapters.db.session import make_engine
    from thidua.adapters.db.uow import SqlUnitOfWork
    from thidua.entrypoints.api.app import create_app
    from thidua.entrypoints.private_files import make_private
    from thidua.entrypoints.runtime import freeze_startup_heap

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    make_private(settings)
    uow = SqlUnitOfWork(make_engine(settings.database.url))
    config = uvicorn.Config(
        create_app(settings, uow),
        host=settings.api.host,
        port=settings.api.port,
        log_config=None,
        access_log=False,
        # The client address is ours to decide (api.trusted_proxies), not uvicorn's default
        # trust of X-Forwarded-For from 127.0.0.1.
        proxy_headers=False,
    )
    freeze_startup_heap()  # the API process only (not apps built in tests)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(uvicorn.Server(config).serve())


@app.command("sample-accounts")
def sample_accounts(
    username: Annotated[
        str | None, typer.Argument(help="Chỉ in mã xác thực của tài khoản này.")
    ] = None,
) -> None:
    """In các tài khoản mẫu và mã xác thực của chúng (chỉ trên máy chạy thử)."""
    from thidua.adapters.sample_accounts import read_sample_tokens

    settings = load_settings()
    if settings.production:
        fail("hồ sơ production không có tài khoản mẫu (dùng 'thidua tokens create').")
    tokens = read_sample_tokens(settings.var_dir / "sample-accounts.json")
    if not tokens:
        fail("chưa có tài khoản mẫu: hãy chạy `make run` một lần.")
    if username is not None:
        match = [t for t in tokens if t.username == username]
        if not match:
            fail(f"không có tài khoản mẫu «{username}».")
        typer.echo(match[0].token)
        return
    for t in tokens:
        typer.echo(f"{t.username:<22} {t.role:<18} {t.unit or '-':<8} {t.token}")


@app.command()
def demo(
    api_url: Annotated[
        str | None, typer.Option("--api", help="Địa chỉ API (mặc định theo cấu hình)")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Thư mục ghi văn bản")] = Path("out"),
) -> None:
    """Chạy thử trọn một đợt xét năm 2024 qua API (cần `make run` đang chạy)."""
    from thidua.entrypoints.demo.client import DemoError
    from thidua.entrypoints.demo.run import run_demo

    settings = load_settings()
    url = api_url or f"http://{settings.api.host}:{settings.api.port}"
    try:
        run_demo(url, settings.var_dir / "sample-accounts.json", out, echo=typer.echo)
    except DemoError as exc:
        fail(str(exc))

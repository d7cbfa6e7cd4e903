"""``thidua up`` / ``make run``: the embedded Temporal server, the worker and the API, supervised."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from thidua.adapters.db.migrate import upgrade
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.adapters.sample_accounts import write_sample_tokens
from thidua.adapters.temporal.server import start_embedded_server
from thidua.app.accounts.users import list_users
from thidua.app.seed import SampleAccountToken, assign_demo_passwords, load_sample_data
from thidua.config import Settings
from thidua.entrypoints.private_files import make_private
from thidua.logging import get_logger

log = get_logger(__name__)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Children get SIGTERM if the supervisor itself is killed (Linux)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _spawn(args: list[str], log_file: Path | None = None) -> subprocess.Popen[bytes]:
    out = log_file.open("ab") if log_file else None
    return subprocess.Popen(
        args,
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


def _wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback URL we built
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


SAMPLE_IN_PRODUCTION = (
    "THIDUA_LOAD_SAMPLE_DATA=true không dùng được với THIDUA_ENV=production: hồ sơ production "
    "không nạp dữ liệu mẫu và tài khoản demo. Bỏ THIDUA_LOAD_SAMPLE_DATA, hoặc chạy thử với "
    "THIDUA_ENV=development."
)
DEVELOPMENT_NOTICE = (
    "Hồ sơ development (phát triển): dữ liệu mẫu, tài khoản và mật khẩu demo, KHÔNG dùng cho "
    "môi trường thật / development profile: sample data, demo credentials, not for production"
)


def prepare_database(settings: Settings) -> list[SampleAccountToken]:
    """Create or migrate the schema; on first start in development load the sample Department.

    Returns the sample accounts' credentials only when they were created by this call (they are
    printed once, then only kept in ``var/sample-accounts.json``, mode 600); ``[]`` otherwise.
    """
    if settings.production and settings.load_sample_data:
        raise RuntimeError(SAMPLE_IN_PRODUCTION)
    upgrade(settings.database.url)
    if not settings.sample_data:
        return []
    uow = SqlUnitOfWork(make_engine(settings.database.url))
    with uow() as tx:
        tokens = load_sample_data(tx)
        if tokens:
            tokens = assign_demo_passwords(tx, tokens)
    uow.engine.dispose()
    if tokens:
        write_sample_tokens(settings.var_dir / "sample-accounts.json", tokens)
    return tokens


def has_accounts(settings: Settings) -> bool:
    uow = SqlUnitOfWork(make_engine(settings.database.url))
    try:
        with uow() as tx:
            return bool(list_users(tx))
    finally:
        uow.engine.dispose()


def live_sample_accounts(settings: Settings) -> list[str]:
    """Accounts still holding a sample token (a development database started in production)."""
    uow = SqlUnitOfWork(make_engine(settings.database.url))
    try:
        with uow() as tx:
            active = {a.username for a in tx.accounts.accounts() if a.active}
            views = tx.accounts.tokens()
    finally:
        uow.engine.dispose()
    return sorted(
        {
            v.username
            for v in views
            if v.name == "sample" and v.status() == "active" and v.username in active
        }
    )


def _banner(
    settings: Settings,
    tokens: list[SampleAccountToken],
    no_accounts: bool = False,
    sample_left: Sequence[str] = (),
) -> str:
    api = f"http://{settings.api.host}:{settings.api.port}"
    lines = [
        "",
        "thidua đã sẵn sàng / thidua is ready",
        "  Hồ sơ:          production"
        if settings.production
        else f"  Hồ sơ:          {DEVELOPMENT_NOTICE}",
        f"  API:            {api}/v1",
    ]
    if not settings.production:
        lines.append(f"  OpenAPI:        {api}/openapi.json")
    lines.append(f"  Bảng điều khiển (web): {api}/console/")
    if settings.temporal.address is None:
        t = settings.temporal
        lines.append(f"  Temporal UI:    http://{t.embedded_host}:{t.embedded_ui_port}")
        lines.append(
            f"  Temporal:       {t.embedded_host}:{t.embedded_port} (máy chủ nhúng, {t.embedded_db})"
        )
    else:
        lines.append(
            f"  Temporal:       {settings.temporal.address} ({settings.temporal.namespace})"
        )
    lines.append(f"  Cơ sở dữ liệu:  {settings.database.url.split('@')[-1]}")
    sample_file = settings.var_dir / "sample-accounts.json"
    if tokens:
        lines.append("")
        lines.append(
            f"Tài khoản mẫu (chỉ in lần này; mật khẩu và mã xác thực lưu tại {sample_file}, "
            "chế độ 600, chỉ dùng thử):"
        )
        for acc in tokens:
            lines.append(
                f"  {acc.username:<22} {acc.role:<18} {acc.unit or '-':<8} "
                f"{acc.password or '-':<18} {acc.token}"
            )
    elif settings.sample_data and sample_file.exists():
        lines.append(f"  Tài khoản mẫu:  `thidua sample-accounts` (tệp {sample_file})")
    if sample_left:
        lines.append("")
        lines.append(
            f"CẢNH BÁO: {len(sample_left)} tài khoản mẫu còn mã xác thực không hết hạn "
            f"({', '.join(sample_left[:5])}{', …' if len(sample_left) > 5 else ''}): "
            "vô hiệu hóa bằng 'thidua users deactivate TÊN'."
        )
    if no_accounts:
        lines.append("")
        lines.append(
            "Chưa có tài khoản nào. Tạo quản trị viên đầu tiên (mã xác thực chỉ in một lần):"
        )
        lines.append(
            '  thidua users create quantri --role admin --display-name "Quản trị hệ thống"'
        )
        lines.append("  thidua tokens create quantri")
        lines.append("  thidua users set-password quantri")
    lines.append("")
    lines.append("Nhấn Ctrl-C để dừng / press Ctrl-C to stop.")
    return "\n".join(lines)


def run_up(settings: Settings) -> int:
    make_private(settings)
    if settings.production:
        log.info("production profile")
    else:
        log.warning(DEVELOPMENT_NOTICE)
    tokens = prepare_database(settings)
    no_accounts = not tokens and not has_accounts(settings)
    sample_left = live_sample_accounts(settings) if settings.production else []
    if sample_left:
        log.warning("sample accounts in a production database", accounts=len(sample_left))
    logs = settings.var_dir / "logs"
    server: subprocess.Popen[bytes] | None = None
    if settings.temporal.address is None:
        server = start_embedded_server(settings, logs / "temporal.log")
        log.info("embedded temporal server started", pid=server.pid)
    python = sys.executable
    commands = {
        "worker": [python, "-m", "thidua.entrypoints.cli", "worker"],
        "api": [python, "-m", "thidua.entrypoints.cli", "api"],
    }
    run_dir = settings.var_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)

    def _start(name: str) -> subprocess.Popen[bytes]:
        proc = _spawn(commands[name])
        (run_dir / f"{name}.pid").write_text(str(proc.pid))
        return proc

    children = {name: _start(name) for name in commands}
    if server is not None:
        (run_dir / "temporal.pid").write_text(str(server.pid))
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    api_url = f"http://{settings.api.host}:{settings.api.port}/healthz"
    if _wait_http(api_url, 60, children["api"]):
        print(_banner(settings, tokens, no_accounts, sample_left), flush=True)
    restarts: dict[str, list[float]] = {name: [] for name in children}
    try:
        while not stopping:
            time.sleep(0.3)
            if server is not None and server.poll() is not None:
                log.error("temporal server exited", code=server.returncode)
                return 1
            for name, proc in list(children.items()):
                if proc.poll() is None or stopping:
                    continue
                now = time.monotonic()
                recent = [t for t in restarts[name] if now - t < 60]
                if len(recent) >= 5:
                    log.error("process keeps failing, giving up", process=name)
                    return 1
                log.warning("process exited, restarting", process=name, code=proc.returncode)
                restarts[name] = [*recent, now]
                children[name] = _start(name)
    finally:
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in children.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        for pid_file in run_dir.glob("*.pid"):
            pid_file.unlink(missing_ok=True)
        print("thidua đã dừng / stopped.", file=sys.stderr, flush=True)
    return 0

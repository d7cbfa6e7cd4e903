"""Files for the service's account only: ``var/`` mode 0700, everything created under umask 077.

The database holds webhook secrets and personal data; a world-readable ``var/thidua.db`` (the old
0644 under the usual umask 022) let any local user read them. ``make_private`` runs first in
every command that starts the service (``up``, ``api``, ``worker``, ``db upgrade``): it sets the
process's umask (children inherit it, so the embedded Temporal server's files and the logs are
private too) and tightens what earlier versions left readable.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from thidua.config import Settings

UMASK = 0o077
DIR_MODE = 0o700


def _tighten(path: Path) -> None:
    """Drop group and other permissions of ``path`` if it is ours (never follows symlinks)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
        return
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        path.chmod(mode & ~0o077)


def _sqlite_files(url: str) -> list[Path]:
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return []
    db = Path(url.removeprefix("sqlite:///"))
    return [db, *(db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def make_private(settings: Settings) -> None:
    """Set umask 077, create ``var_dir`` mode 0700 and tighten existing files under it (and the
    SQLite files of the database and the embedded Temporal server wherever they are)."""
    os.umask(UMASK)
    var = settings.var_dir
    var.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(var)
    for root, dirs, files in os.walk(var):
        for name in [*dirs, *files]:
            _tighten(Path(root) / name)
    for path in [
        *_sqlite_files(settings.database.url),
        *_sqlite_files(f"sqlite:///{settings.temporal.embedded_db}"),
    ]:
        _tighten(path)

"""The ``thidua`` CLI as a user runs it: a real process, with a sample user's token."""

from __future__ import annotations

import asyncio
import sys

from tests.support.db import SeededDb


class Cli:
    """Runs ``python -m thidua.entrypoints.cli ...`` with ``env``, as one of the sample users."""

    def __init__(self, env: dict[str, str], db: SeededDb) -> None:
        self.env = env
        self.db = db

    async def run(self, user: str | None, *args: str) -> tuple[int, str, str]:
        env = dict(self.env)
        if user:
            env["THIDUA_TOKEN"] = self.db.token(user)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "thidua.entrypoints.cli",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()

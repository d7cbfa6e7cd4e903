"""The API over a seeded database with an ``admin`` account, for the organisation's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.client import Client

from tests.support.api import Api, serve_app
from tests.support.db import SeededDb
from tests.support.settings import fast_settings
from thidua.app.accounts.tokens import issue_token
from thidua.app.accounts.users import create_user
from thidua.app.seed import SampleAccountToken
from thidua.entrypoints.api.app import create_app

ADMIN = "quantri.hethong"


@asynccontextmanager
async def org_api(client: Client, db: SeededDb) -> AsyncIterator[Api]:
    """The app in process (no worker needed) with the sample users and an administrator."""
    with db.uow() as tx:
        if tx.accounts.account(ADMIN) is None:  # the sample data has one
            create_user(tx, ADMIN, "admin", display_name="Quản trị hệ thống")
        token, _ = issue_token(tx, ADMIN)
    db.tokens[ADMIN] = SampleAccountToken(
        username=ADMIN, display_name=ADMIN, role="admin", unit=None, token=token
    )
    app = create_app(fast_settings(db.url, "org-tests"), db.uow, client=client)
    async with serve_app(app) as http:
        yield Api(http, db)

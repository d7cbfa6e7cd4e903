"""The ``thidua`` command line: the root app joins one module per command group.

``service`` (up, worker, api, demo, sample-accounts: top-level commands), ``nominations``,
``db``, ``accounts`` (users, tokens), ``rounds``, ``audit``, ``decisions`` and ``rules`` (the
file commands of ``rules`` with the governed versions of ``rules_versions``, one group). What
they share is in ``_common``; the groups import nothing from each other.
"""

from __future__ import annotations

import contextlib
import os
import sys

import click
import typer

from thidua.entrypoints.cli import (
    accounts,
    agency,
    audit,
    db,
    decisions,
    movements,
    nominations,
    org,
    rounds,
    rules,
    rules_versions,
    service,
)

app = typer.Typer(help="thidua – quy trình và tiêu chí thi đua, khen thưởng.", no_args_is_help=True)
app.add_typer(service.app)  # no name: its commands are top-level commands
app.add_typer(nominations.app, name="nominations")
app.add_typer(db.app, name="db")
app.add_typer(accounts.users_app, name="users")
app.add_typer(accounts.tokens_app, name="tokens")
app.add_typer(rounds.app, name="rounds")
app.add_typer(audit.app, name="audit")
app.add_typer(decisions.app, name="decisions")
app.add_typer(agency.app, name="agency")
app.add_typer(org.org_app, name="org")
app.add_typer(org.ratings_app, name="ratings")
app.add_typer(movements.movements_app, name="movements")
app.add_typer(movements.registrations_app, name="registrations")
rules_app = typer.Typer(help=rules.HELP, no_args_is_help=True)
rules_app.add_typer(rules.app)  # check, test, evaluate, diff: on files
rules_app.add_typer(rules_versions.app)  # whatif, reevaluate, versions: in the database
app.add_typer(rules_app, name="rules")

# typer >= 0.26 vendors its own click: its usage errors are not click.ClickException.
_USAGE_ERRORS: tuple[type[Exception], ...] = (click.ClickException,)
with contextlib.suppress(ImportError):
    from typer._click.exceptions import ClickException as _TyperClickException

    _USAGE_ERRORS = (click.ClickException, _TyperClickException)


def main() -> None:
    """Entry point. Exits with ``os._exit`` after flushing: the Temporal SDK's runtime thread can
    crash a short-lived process during interpreter finalization (PyGILState_Release)."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("Đã hủy.", err=True)
        code = 130
    except _USAGE_ERRORS as exc:  # a bad option value: click's message, not a traceback
        exc.show()  # type: ignore[attr-defined]
        code = exc.exit_code  # type: ignore[attr-defined]
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0)

"""What every ``thidua`` command shares, said once: the ``--token`` and ``--json`` options,
``fail``, the settings and the signed-in caller, one transaction with clear errors, reading an
input file into a model, how refusals and known errors are shown, and the process's one rules
engine.

Errors never show a traceback: ``fail`` prints ``Lỗi: …`` in Vietnamese on stderr and exits
(1: refused or failed, 2: bad input or no credentials). A refusal exits 1, or 2 in the operator
commands whose every refusal is about their input (``reported(..., refusal_exit=2)``). Group
modules import this module and nothing from each other.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
import yaml
from pydantic import BaseModel, ValidationError

from thidua.config import Settings, get_settings
from thidua.domain.refusals import Refusal
from thidua.domain.roles import Actor
from thidua.logging import configure_logging

if TYPE_CHECKING:
    from temporalio.client import Client

    from rules.engine import RulesEngine
    from thidua.adapters.db.uow import SqlUnitOfWork
    from thidua.app.ports.uow import Tx
    from thidua.app.round_commands import Rounds

T = TypeVar("T")
C = TypeVar("C")
M = TypeVar("M", bound=BaseModel)

TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token", envvar="THIDUA_TOKEN", help="Mã xác thực (THIDUA_TOKEN).", show_default=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]

# Use-case field names that some command takes as an option: a refusal naming one of them is
# shown as that option when the running command has it (``--unit: …``), else as the field.
FIELD_OPTIONS: dict[str, str] = {
    "unit": "--unit",
    "stage": "--stage",
    "movement": "--movement",
    "staff": "--staff",
    "titles": "--titles",
    "year": "--year",
    "reason": "--reason",
    "role": "--role",
    "grants": "--grant",
    "display_name": "--display-name",
    "closes_at": "--closes-at",
    "late_policy": "--late-policy",
    "publication_days": "--publication-days",
    "nomination": "--nomination",
    "title": "--title",
    "content": "--content",
    "on_behalf_of": "--on-behalf-of",
    "action": "--action",
    "start": "--from",
    "end": "--to",
    "username": "USERNAME",
    "password": "PASSWORD",
    "token": "PREFIX_OR_ID",
}


# ---- failing -----------------------------------------------------------------------------------


def fail(message: str, code: int = 1, *, details: Iterable[str] = ()) -> NoReturn:
    """Print ``Lỗi: message`` (then each detail line) on stderr and exit with ``code``."""
    typer.secho(f"Lỗi: {message}", fg=typer.colors.RED, err=True)
    echo_errors(details)
    raise typer.Exit(code)


def echo_errors(lines: Iterable[str]) -> None:
    """Print error lines as they are (``file:line:column: …``, no ``Lỗi:``) on stderr."""
    for line in lines:
        typer.secho(line, fg=typer.colors.RED, err=True)


def refusal_message(refusal: Refusal, options: Collection[str] = ()) -> str:
    """The refusal's message after the input it names: the command's option when the field is
    one of ``options`` (``--unit: …``), else the field path (``facts.year: …``); then its
    problem type when finer than its code (``[rules_second_admin_required]``)."""
    message = refusal.message
    if refusal.field is not None:
        option = FIELD_OPTIONS.get(refusal.field)
        where = option if option is not None and option in options else refusal.field
        message = f"{where}: {message.removeprefix(f'{refusal.field}: ')}"  # not said twice
    if refusal.problem != refusal.code.value:
        message += f" [{refusal.problem}]"
    return message


def refusal_details(refusal: Refusal) -> list[str]:
    """One line per fault a refusal lists (``  content: 3:1: …``: a rules file's issues)."""
    return [f"  {e.field}: {e.message}" if e.field else f"  {e.message}" for e in refusal.errors]


@contextmanager
def reported(
    *options: str, rules_file: str = "tệp tiêu chí", refusal_exit: int = 1
) -> Iterator[None]:
    """Run a command (as a decorator, or around a block): refusals and the known errors become
    a message and an exit code, never a traceback.

    ``options`` are the command's options (and arguments) a refusal's field may name (see
    ``FIELD_OPTIONS``); ``rules_file`` names the rules file in the message when it is invalid;
    ``refusal_exit`` is a refusal's exit code (2 where every refusal is about the input).
    """
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        raise typer.Exit(0) from None
    except Refusal as refusal:
        fail(refusal_message(refusal, options), refusal_exit, details=refusal_details(refusal))
    except Exception as exc:
        _fail_known(exc, rules_file)


def _fail_known(exc: Exception, rules_file: str) -> NoReturn:
    """The errors the application raises besides ``Refusal``, each shown as it was designed."""
    from rules.errors import RulesFileError
    from rules.registry import NoRulesetInForce, UnknownRuleset

    if isinstance(exc, RulesFileError):
        echo_errors(str(issue) for issue in exc.issues)
        fail(f"{rules_file} không hợp lệ ({len(exc.issues)} lỗi).")
    if isinstance(exc, UnknownRuleset | NoRulesetInForce):
        fail(str(exc))

    from thidua.adapters.tabular import BulkFileError

    if isinstance(exc, BulkFileError):
        fail(str(exc), 2)  # bad input: the message names the option or the file
    fail(f"lỗi không mong đợi: {type(exc).__name__}: {exc}")


# ---- settings, caller, database ----------------------------------------------------------------


def load_settings() -> Settings:
    """The settings, with logging quiet below warnings (the output is for people)."""
    from thidua.entrypoints.passwords import configure_password_hashing

    settings = get_settings()
    configure_logging("WARNING", settings.log_format)
    configure_password_hashing(settings.passwords)
    return settings


@dataclass
class Caller:
    """A command's world: the settings, the database, the account acting (from its token) and
    the process's one rules engine over the governed versions in the database."""

    settings: Settings
    uow: SqlUnitOfWork
    actor: Actor

    @cached_property
    def engine(self) -> RulesEngine:
        """The rules engine over the database's versions, built once, on first use."""
        from thidua.adapters.db.rules_versions import db_engine

        return db_engine(self.uow)


def signed_in(token: str | None) -> Caller:
    """The caller identified by ``--token`` (or ``THIDUA_TOKEN``); exits 2 without a valid one."""
    from thidua.adapters.db.session import make_engine
    from thidua.adapters.db.uow import SqlUnitOfWork
    from thidua.app.accounts.authentication import authenticate

    settings = load_settings()
    if not token:
        fail("thiếu mã xác thực: dùng --token hoặc biến môi trường THIDUA_TOKEN.", 2)
    uow = SqlUnitOfWork(make_engine(settings.database.url))
    with uow() as tx:
        actor = authenticate(tx, token)
    if actor is None:
        fail("mã xác thực không hợp lệ, đã thu hồi hoặc hết hạn.", 2)
    return Caller(settings, uow, actor)


@contextmanager
def db_transaction() -> Iterator[Tx]:
    """One transaction on the configured database; the engine is disposed afterwards."""
    from thidua.adapters.db.session import make_engine
    from thidua.adapters.db.uow import SqlUnitOfWork

    settings = load_settings()
    engine = make_engine(settings.database.url)
    try:
        with SqlUnitOfWork(engine)() as tx:
            yield tx
    finally:
        engine.dispose()


def run_in_db(fn: Callable[[Tx], T], db_trouble: str) -> T:
    """Run ``fn`` in one transaction (operator commands, no token); database trouble exits 1
    with ``db_trouble`` (``{url}`` and ``{error}`` filled in)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with db_transaction() as tx:
            return fn(tx)
    except SQLAlchemyError as exc:
        url = get_settings().database.url.split("@")[-1]
        fail(db_trouble.format(url=url, error=type(exc).__name__))


def with_temporal(settings: Settings, fn: Callable[[Client], Awaitable[T]]) -> T:
    """Run ``fn(client)`` with a Temporal client; no connection exits 1 with a clear message."""
    from thidua.adapters.temporal.client import connect_client

    async def _run() -> T:
        try:
            client = await connect_client(settings.temporal)
        except RuntimeError as exc:
            fail(f"không kết nối được Temporal tại {settings.temporal.target}: {exc}")
        return await fn(client)

    return asyncio.run(_run())


def with_commands(
    caller: Caller,
    commands: Callable[[Client, SqlUnitOfWork, Settings], C],
    fn: Callable[[C], Awaitable[T]],
) -> T:
    """Run ``fn`` with the Temporal-backed commands (``Lifecycle``, ``Rounds``) of the caller."""
    return with_temporal(
        caller.settings, lambda client: fn(commands(client, caller.uow, caller.settings))
    )


def round_commands(client: Client, uow: SqlUnitOfWork, settings: Settings) -> Rounds:
    """The round commands over Temporal (``with_commands(caller, round_commands, ...)``)."""
    from datetime import timedelta

    from thidua.adapters.temporal.rounds import TemporalRoundWorkflows
    from thidua.app.round_commands import Rounds

    return Rounds(
        uow,
        TemporalRoundWorkflows(client, settings.temporal),
        reminder_every=timedelta(days=settings.lifecycle.reminder_every_days),
    )


# ---- input files -------------------------------------------------------------------------------


def field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """(field path, message) per validation error, paths as the API shows them (``facts.year``)."""
    from thidua.domain.refusals import field_path

    return [(field_path(e["loc"]), e["msg"]) for e in exc.errors()]


def read_model(path: Path, model: type[M]) -> M:
    """Read a JSON (or, by its suffix, YAML) file into ``model``; errors name the file and the
    field path, and exit 2."""
    as_yaml = path.suffix.lower() in (".yaml", ".yml")
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) if as_yaml else json.loads(text)
    except FileNotFoundError:
        fail(f"{path}: không tìm thấy tệp.", 2)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f":{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        fail(f"{path}{where}: không phải JSON hợp lệ ({exc}).", 2)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        fail(f"{path}{where}: không phải YAML hợp lệ ({problem}).", 2)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {field or '(gốc)'}: {msg}" for field, msg in field_errors(exc)]
        fail("hồ sơ không hợp lệ:\n  " + "\n  ".join(lines), 2)


# ---- output ------------------------------------------------------------------------------------


def echo_json(data: Any) -> None:
    """Plain data as indented JSON, Vietnamese kept readable."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def echo_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, sep: str = "  ", rule: str = ""
) -> None:
    """Columns padded to their widest cell; ``rule`` (the column separator of a dashes line under
    the header, e.g. ``"-+-"``) draws that line when given."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    typer.echo(sep.join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    if rule:
        typer.echo(rule.join("-" * w for w in widths))
    for row in rows:
        typer.echo(sep.join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())

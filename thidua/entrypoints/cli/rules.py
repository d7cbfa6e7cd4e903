"""``thidua rules``: check, test, evaluate and diff the declarative criteria files.

User-facing text is Vietnamese; errors never show a traceback (exit 1: rules/usage problem,
exit 2: invalid facts).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from rules.decision import Decision
from rules.diff import diff_rulesets
from rules.engine import RulesEngine
from rules.errors import FactsError, RulesFileError
from rules.facts import parse_facts
from rules.golden import load_golden, run_golden
from rules.loader import load_ruleset
from rules.registry import (
    GOLDEN_SUFFIX,
    LoadedRuleset,
    NoRulesetInForce,
    RulesRegistry,
    UnknownRuleset,
    golden_path_for,
)

app = typer.Typer(
    help="Bộ tiêu chí thi đua, khen thưởng (tệp YAML): kiểm tra, chạy ca kiểm thử, xét, so sánh.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")
_STATUS_VI = {
    "eligible": "ĐỦ ĐIỀU KIỆN",
    "not_eligible": "KHÔNG ĐỦ ĐIỀU KIỆN",
    "on_hold": "TẠM DỪNG XÉT",
}
_KIND_VI = {"individual": "cá nhân", "collective": "tập thể"}
MAX_FACTS_BYTES = 50_000_000


class _Abort(Exception):
    def __init__(self, lines: list[str], code: int) -> None:
        self.lines = lines
        self.code = code


def _fail(lines: str | list[str], code: int = 1) -> _Abort:
    return _Abort([lines] if isinstance(lines, str) else lines, code)


def _run(fn: Callable[[], T]) -> T:
    """Run a command body: known errors become messages and exit codes, never tracebacks."""
    try:
        return fn()
    except typer.Exit:
        raise
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        raise typer.Exit(0) from None
    except _Abort as exc:
        for line in exc.lines:
            typer.secho(line, fg=typer.colors.RED, err=True)
        raise typer.Exit(exc.code) from None
    except RulesFileError as exc:
        for issue in exc.issues:
            typer.secho(str(issue), fg=typer.colors.RED, err=True)
        typer.secho(f"Lỗi: tệp tiêu chí không hợp lệ ({len(exc.issues)} lỗi).", err=True)
        raise typer.Exit(1) from None
    except (UnknownRuleset, NoRulesetInForce) as exc:
        typer.secho(f"Lỗi: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # last resort: a message, not a traceback
        typer.secho(
            f"Lỗi không mong đợi: {type(exc).__name__}: {exc}", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(1) from None


def _rules_and_golden(file: Path) -> tuple[Path, Path]:
    if file.name.endswith(GOLDEN_SUFFIX):
        rules_file = file.with_name(file.name[: -len(GOLDEN_SUFFIX)] + ".yaml")
        return rules_file, file
    return file, golden_path_for(file)


# -- check -------------------------------------------------------------------------------------
@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Tệp tiêu chí YAML cần kiểm tra.")],
) -> None:
    """Kiểm tra tệp tiêu chí: in lỗi dạng tệp:dòng:cột: thông báo."""

    def body() -> None:
        failed = 0
        for f in files:
            try:
                rs = load_ruleset(f)
            except RulesFileError as exc:
                failed += 1
                for issue in exc.issues:
                    typer.echo(str(issue))
                continue
            unconfirmed = sum(1 for r in rs.rules if r.unconfirmed)
            typer.echo(
                f"✓ {f}: hợp lệ — bộ tiêu chí {rs.id} phiên bản {rs.version}, "
                f"{len(rs.rules)} quy tắc ({unconfirmed} chưa xác nhận), "
                f"hiệu lực từ {rs.effective_from.isoformat()}"
                + (f" đến {rs.effective_to.isoformat()}" if rs.effective_to else "")
                + f", sha256 {rs.sha256[:12]}…"
            )
        if failed:
            typer.echo(f"Có {failed}/{len(files)} tệp không hợp lệ.", err=True)
            raise typer.Exit(1)

    _run(body)


# -- test --------------------------------------------------------------------------------------
@app.command("test")
def test(
    file: Annotated[Path, typer.Argument(help="Tệp tiêu chí (hoặc tệp .golden.yaml bên cạnh).")],
) -> None:
    """Chạy các ca kiểm thử (golden) của một tệp tiêu chí và in bảng kết quả."""

    def body() -> None:
        rules_file, golden_file = _rules_and_golden(file)
        if not golden_file.exists():
            raise _fail(f"Lỗi: không tìm thấy tệp ca kiểm thử {golden_file}")
        registry = RulesRegistry.from_files([rules_file])
        (lr,) = registry.all()
        golden = load_golden(golden_file)
        engine = RulesEngine(registry)
        results = run_golden(engine, lr, golden)
        rows = [
            (
                r.case.id,
                r.case.expected_text(),
                r.actual_text(),
                "ĐẠT" if r.passed else "KHÔNG ĐẠT",
            )
            for r in results
        ]
        header = ("Ca kiểm thử", "Mong đợi", "Thực tế", "Kết quả")
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
        typer.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        typer.echo("  ".join("-" * w for w in widths))
        for row in rows:
            typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        failed = [r for r in results if not r.passed]
        for r in failed:
            typer.echo(f"✗ {r.case.id}: " + "; ".join(r.problems))
        typer.echo(f"{len(results) - len(failed)}/{len(results)} ca đạt — {lr.id}@{lr.version}")
        if failed:
            raise typer.Exit(1)

    _run(body)


# -- evaluate ----------------------------------------------------------------------------------
_MSG_VI = {
    "Input should be a valid integer": "phải là số nguyên",
    "Input should be a valid boolean": "phải là true/false",
    "Input should be a valid string": "phải là chuỗi",
    "Input should be a valid list": "phải là danh sách",
    "Field required": "thiếu trường bắt buộc",
    "Extra inputs are not permitted": "trường không có trong hợp đồng dữ liệu (không được phép)",
    "Input should be a valid dictionary or object to extract fields from": "phải là một đối tượng JSON",
    "Unable to extract tag using discriminator 'kind'": "thiếu hoặc sai trường kind (individual/collective)",
}


def _msg_vi(msg: str) -> str:
    """Vietnamese for the common validation messages (others are shown as they are)."""
    if msg in _MSG_VI:
        return _MSG_VI[msg]
    if msg.startswith("Input should be "):
        return "phải là " + msg[len("Input should be ") :].replace(" or ", " hoặc ")
    if msg.startswith("Input tag "):
        return "kind phải là individual hoặc collective"
    return msg


class _BadJson:
    def __init__(self, message: str) -> None:
        self.message = message


def _read_facts(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, facts) per nominee; where = 'dòng N' (jsonl) or 'phần tử [i]' (json list)."""
    try:
        if path.stat().st_size > MAX_FACTS_BYTES:
            raise _fail(f"Lỗi: tệp dữ liệu quá lớn (tối đa {MAX_FACTS_BYTES} byte)", 2)
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(f"Lỗi: không đọc được tệp dữ liệu {path}: {exc.strerror}", 2) from None
    except UnicodeDecodeError:
        raise _fail(f"Lỗi: tệp dữ liệu {path} không phải UTF-8", 2) from None
    items: list[tuple[str, Any]] = []
    errors: list[str] = []
    if path.suffix.lower() == ".jsonl":
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((f"dòng {n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                items.append(
                    (f"dòng {n}", _BadJson(f"JSON không hợp lệ (cột {exc.colno}): {exc.msg}"))
                )
            except RecursionError:
                items.append((f"dòng {n}", _BadJson("JSON lồng nhau quá sâu")))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(
                f"{path}:{exc.lineno}:{exc.colno}: JSON không hợp lệ: {exc.msg}", 2
            ) from None
        except RecursionError:
            raise _fail(f"Lỗi: {path}: JSON lồng nhau quá sâu", 2) from None
        if isinstance(data, list):
            items = [(f"phần tử [{i}]", x) for i, x in enumerate(data)]
        else:
            items = [("tài liệu", data)]
    out: list[tuple[str, dict[str, Any]]] = []
    for where, raw in items:
        if isinstance(raw, _BadJson):
            errors.append(f"{path}: {where}: {raw.message}")
            continue
        try:
            parse_facts(raw)
        except FactsError as exc:
            for e in exc.errors:
                field = e["loc"] or "(toàn bộ)"
                errors.append(f"{path}: {where}, trường {field}: {_msg_vi(e['msg'])}")
            continue
        out.append((where, raw))
    if errors:
        raise _fail([*errors, f"Lỗi: dữ liệu không hợp lệ ({len(errors)} lỗi)."], 2)
    if not out:
        raise _fail(f"Lỗi: tệp dữ liệu {path} không có đối tượng nào", 2)
    return out


def _table(decision: Decision, lr: LoadedRuleset) -> list[str]:
    kind = _KIND_VI[decision.kind]
    lines = [
        f"=== {decision.id} ({kind}, năm {decision.year}) — {_STATUS_VI[decision.status.value]}",
        f"    Bộ tiêu chí: {lr.id} phiên bản {lr.version}",
    ]
    names = {c: t.name_vi for c, t in lr.titles.items()}
    if decision.titles:
        lines.append("    Danh hiệu: " + "; ".join(names.get(t, t) for t in decision.titles))
    if decision.proposals:
        lines.append(
            "    Đề nghị lên tỉnh: " + "; ".join(names.get(t, t) for t in decision.proposals)
        )
    if decision.withheld:
        lines.append("    Tạm giữ lại: " + "; ".join(names.get(t, t) for t in decision.withheld))
    for r in decision.rules:
        if r["outcome"] == "skipped":
            continue
        if r["outcome"] == "not_fired" and r["kind"] in ("hold", "disqualify"):
            continue  # only worth showing when it applies
        mark = "✓" if r["outcome"] == "fired" else "✗"
        note = " [tiêu chí chưa xác nhận]" if r["unconfirmed"] else ""
        lines.append(f"    {mark} {r['message_vi']}{note}")
    return lines


@app.command("evaluate")
def evaluate(
    facts: Annotated[Path, typer.Option("--facts", help="Dữ liệu đối tượng: .json hoặc .jsonl.")],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Dùng tệp tiêu chí này (thay vì theo ngày).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Ngày xét YYYY-MM-DD (mặc định: 31/12 của năm xét)."),
    ] = None,
    output: Annotated[
        str, typer.Option("--format", help="json (mỗi dòng một kết quả) hoặc table.")
    ] = "json",
) -> None:
    """Xét từng đối tượng theo bộ tiêu chí và giải thích vì sao đạt / không đạt."""

    def body() -> None:
        if output not in ("json", "table"):
            raise _fail("Lỗi: --format phải là json hoặc table", 2)
        if rules is not None and as_of is not None:
            raise _fail("Lỗi: chỉ dùng một trong --rules hoặc --as-of", 2)
        day: dt.date | None = None
        if as_of is not None:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise _fail(f"Lỗi: ngày không hợp lệ {as_of!r} (dạng YYYY-MM-DD)", 2) from None
        items = _read_facts(facts)
        if rules is not None:
            registry = RulesRegistry.from_files([rules])
            (pinned,) = registry.all()
        else:
            registry = RulesRegistry.from_directory()
            pinned = None
        engine = RulesEngine(registry)
        for _where, raw in items:
            if pinned is not None:
                decision = engine.evaluate_many([raw], ruleset=pinned)[0]
            else:  # the version in force on --as-of, else on 31/12 of the review year
                decision = engine.evaluate(raw, as_of=day)
            lr = registry.get(decision.ruleset.id, decision.ruleset.version)
            if output == "json":
                typer.echo(json.dumps(decision.model_dump(mode="json"), ensure_ascii=False))
            else:
                for line in _table(decision, lr):
                    typer.echo(line)

    _run(body)


# -- diff --------------------------------------------------------------------------------------
@app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="Tệp tiêu chí cũ.")],
    new: Annotated[Path, typer.Argument(help="Tệp tiêu chí mới.")],
) -> None:
    """So sánh hai tệp tiêu chí: quy tắc thêm/bỏ/sửa, tham số cũ → mới."""

    def body() -> None:
        a = load_ruleset(old)
        b = load_ruleset(new)
        typer.echo(f"So sánh {a.id}@{a.version} → {b.id}@{b.version}")
        changes = diff_rulesets(a, b)
        if not changes:
            typer.echo("Không có thay đổi về nội dung.")
            return
        for ch in changes:
            for line in ch.lines_vi():
                typer.echo(line)
        typer.echo(f"Tổng cộng {len(changes)} thay đổi.")

    _run(body)


# -- whatif (reads the database: defined in thidua.entrypoints.cli.decisions) -------------------------------
from thidua.entrypoints.cli.decisions import register_whatif  # noqa: E402

register_whatif(app)


# -- governed versions in the database -----------------------------------------------------------
versions_app = typer.Typer(
    help="Các phiên bản bộ tiêu chí trong cơ sở dữ liệu: tải lên, duyệt, công bố, thu hồi.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(versions_app, name="versions")

TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="THIDUA_TOKEN",
        help="Mã xác thực của quản trị tiêu chí (THIDUA_TOKEN).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]


class _Ctx:
    """The database, the acting account (from its token) and a rules engine over the database."""

    def __init__(self, token: str | None) -> None:
        from thidua.adapters.db.session import UnitOfWork, make_engine
        from thidua.app import auth
        from thidua.config import get_settings

        self.settings = get_settings()
        self.uow = UnitOfWork(make_engine(self.settings.database.url))
        if not token:
            raise _fail(
                "Lỗi: thiếu mã xác thực: dùng --token hoặc biến môi trường THIDUA_TOKEN.", 2
            )
        with self.uow() as session:
            actor = auth.authenticate(session, token)
        if actor is None:
            raise _fail("Lỗi: mã xác thực không hợp lệ, đã thu hồi hoặc hết hạn.", 2)
        self.actor = actor
        self._engine: RulesEngine | None = None

    @property
    def engine(self) -> RulesEngine:
        from thidua.app.rules_versions import db_engine

        if self._engine is None:
            self._engine = db_engine(self.uow)
        return self._engine


def _governed(fn: Callable[[], T]) -> T:
    """Like _run, plus the governance refusals (their reason and, for bad files, each line)."""
    from thidua.app.rules_versions import RulesVersionError

    def body() -> T:
        try:
            return fn()
        except RulesVersionError as exc:
            lines = [f"Lỗi: {exc.message} [{exc.code}]"]
            for e in exc.errors:
                where = e.get("field", "")
                lines.append(f"  {where}: {e.get('message', '')}" if where else f"  {e}")
            raise _fail(lines, 1) from None

    return _run(body)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(f"Lỗi: không đọc được tệp {path}: {exc.strerror}", 2) from None
    except UnicodeDecodeError:
        raise _fail(f"Lỗi: tệp {path} không phải UTF-8", 2) from None


def _echo_view(view: Any, as_json: bool) -> None:
    from thidua.app.rules_versions import STATUS_VI

    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    window = ""
    if view.effective_from:
        window = f", hiệu lực từ {view.effective_from.isoformat()}"
        window += f" đến {view.effective_to.isoformat()}" if view.effective_to else ""
    who = f"soạn: {view.author}"
    who += f", duyệt: {view.approved_by}" if view.approved_by else ""
    who += f", công bố: {view.published_by}" if view.published_by else ""
    typer.echo(
        f"{view.ruleset_id}@{view.version} — {STATUS_VI.get(view.status, view.status)}{window} "
        f"({who}; sha256 {view.sha256[:12]}…)"
    )


@versions_app.command("list")
def versions_list(
    token: TokenOpt = None,
    ruleset: Annotated[str | None, typer.Option("--ruleset", help="Mã bộ tiêu chí.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Liệt kê các phiên bản và trạng thái."""

    def body() -> None:
        from thidua.app import rules_versions as rv

        ctx = _Ctx(token)
        with ctx.uow() as session:
            views = rv.list_versions(session, ctx.actor, ruleset)
        if as_json:
            typer.echo(json.dumps([v.model_dump(mode="json") for v in views], ensure_ascii=False))
            return
        for v in views:
            _echo_view(v, False)

    _governed(body)


@versions_app.command("show")
def versions_show(
    ruleset_id: Annotated[str, typer.Argument(help="Mã bộ tiêu chí, ví dụ ntm-2024.")],
    version: Annotated[str, typer.Argument(help="Phiên bản, ví dụ 2.")],
    token: TokenOpt = None,
    content: Annotated[bool, typer.Option("--content", help="In cả nội dung YAML.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Xem một phiên bản (trạng thái, người soạn/duyệt/công bố, hiệu lực, mã băm)."""

    def body() -> None:
        from thidua.app import rules_versions as rv

        ctx = _Ctx(token)
        with ctx.uow() as session:
            detail = rv.show_version(session, ctx.actor, ruleset_id, version)
        _echo_view(detail, as_json)
        if not as_json:
            typer.echo(f"{detail.rules} quy tắc, {detail.golden_cases} ca kiểm thử")
            if detail.notes:
                typer.echo(f"Ghi chú: {detail.notes}")
            if content:
                typer.echo(detail.content)

    _governed(body)


@versions_app.command("upload")
def versions_upload(
    file: Annotated[Path, typer.Argument(help="Tệp tiêu chí YAML.")],
    golden: Annotated[
        Path | None,
        typer.Option("--golden", help="Tệp ca kiểm thử (mặc định: tệp .golden.yaml bên cạnh)."),
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Ghi chú thay đổi.")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tải lên một phiên bản mới (lưu thành bản nháp; sửa lại bản nháp nếu đã có)."""

    def body() -> None:
        from thidua.app import rules_versions as rv

        golden_file = golden if golden is not None else golden_path_for(file)
        golden_text = (
            _read_text(golden_file) if golden is not None or golden_file.exists() else None
        )
        ctx = _Ctx(token)
        req = rv.UploadRequest(content=_read_text(file), golden=golden_text, notes=notes)
        with ctx.uow() as session:
            detail = rv.upload(session, ctx.actor, req)
        _echo_view(detail, as_json)
        if not as_json:
            typer.echo(
                f"Đã lưu bản nháp: {detail.rules} quy tắc, {detail.golden_cases} ca kiểm thử. "
                "Cần một quản trị tiêu chí khác duyệt trước khi công bố."
            )

    _governed(body)


def _version_command(action: str) -> Callable[..., None]:
    def command(
        ruleset_id: Annotated[str, typer.Argument(help="Mã bộ tiêu chí, ví dụ ntm-2024.")],
        version: Annotated[str, typer.Argument(help="Phiên bản, ví dụ 2.")],
        token: TokenOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        def body() -> None:
            from thidua.app import rules_versions as rv

            ctx = _Ctx(token)
            fn = {"approve": rv.approve, "retire": rv.retire, "rollback": rv.rollback}[action]
            with ctx.uow() as session:
                view = fn(session, ctx.actor, ruleset_id, version)
            _echo_view(view, as_json)

        _governed(body)

    return command


versions_app.command("approve", help="Duyệt bản nháp (người duyệt phải khác người soạn).")(
    _version_command("approve")
)
versions_app.command("retire", help="Thu hồi bản nháp hoặc phiên bản đã duyệt chưa công bố.")(
    _version_command("retire")
)
versions_app.command(
    "rollback",
    help="Thu hồi phiên bản đang công bố mới nhất và mở lại hiệu lực của phiên bản trước.",
)(_version_command("rollback"))


@versions_app.command("publish")
def versions_publish(
    ruleset_id: Annotated[str, typer.Argument(help="Mã bộ tiêu chí, ví dụ ntm-2024.")],
    version: Annotated[str, typer.Argument(help="Phiên bản, ví dụ 2.")],
    effective_from: Annotated[
        str, typer.Option("--effective-from", help="Ngày bắt đầu hiệu lực YYYY-MM-DD.")
    ],
    effective_to: Annotated[
        str | None, typer.Option("--effective-to", help="Ngày hết hiệu lực YYYY-MM-DD.")
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Công bố phiên bản đã duyệt (mọi ca kiểm thử phải đạt)."""

    def body() -> None:
        from thidua.app import rules_versions as rv

        def day(text: str, opt: str) -> dt.date:
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                raise _fail(
                    f"Lỗi: {opt}: ngày không hợp lệ {text!r} (dạng YYYY-MM-DD)", 2
                ) from None

        req = rv.PublishRequest(
            effective_from=day(effective_from, "--effective-from"),
            effective_to=day(effective_to, "--effective-to") if effective_to else None,
        )
        ctx = _Ctx(token)
        with ctx.uow() as session:
            view = rv.publish(session, ctx.actor, ctx.engine, ruleset_id, version, req)
        _echo_view(view, as_json)

    _governed(body)


@versions_app.command("diff")
def versions_diff(
    ruleset_id: Annotated[str, typer.Argument(help="Mã bộ tiêu chí, ví dụ ntm-2024.")],
    version: Annotated[str, typer.Argument(help="Phiên bản, ví dụ 2.")],
    against: Annotated[
        str | None, typer.Option("--against", help="So với phiên bản này (mặc định: đang công bố).")
    ] = None,
    token: TokenOpt = None,
) -> None:
    """So sánh một phiên bản với phiên bản đang công bố."""

    def body() -> None:
        from thidua.app import rules_versions as rv

        ctx = _Ctx(token)
        with ctx.uow() as session:
            report = rv.diff_version(session, ctx.actor, ruleset_id, version, against)
        typer.echo(f"So sánh {ruleset_id}@{report.from_version or '(không có)'} → {version}")
        if not report.changes:
            typer.echo("Không có thay đổi về nội dung.")
            return
        for ch in report.changes:
            for line in ch.lines_vi:
                typer.echo(line)
        typer.echo(f"Tổng cộng {len(report.changes)} thay đổi.")

    _governed(body)


@app.command("reevaluate")
def reevaluate(
    to: Annotated[str, typer.Option("--to", help="Phiên bản đích (đã công bố), ví dụ 2.")],
    ruleset: Annotated[str, typer.Option("--ruleset", help="Mã bộ tiêu chí.")] = "ntm-2024",
    apply: Annotated[
        bool, typer.Option("--apply", help="Thực hiện (mặc định chỉ xem trước, không ghi gì).")
    ] = False,
    nomination: Annotated[
        list[str] | None, typer.Option("--nomination", help="Chỉ hồ sơ này (lặp lại được).")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Lý do xét lại.")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Xét lại các hồ sơ đang xử lý theo phiên bản mới: xem trước, hoặc thực hiện với --apply."""

    def body() -> None:
        import asyncio

        from thidua.app import rules_versions as rv

        ctx = _Ctx(token)
        req = rv.ReevaluationRequest(
            ruleset_id=ruleset, version=to, nominations=nomination or None, reason=reason
        )
        if apply:
            from thidua.adapters.temporal.client import connect_client

            async def _apply() -> rv.ReevaluationPreview:
                rv.require_admin(ctx.actor)
                try:
                    client = await connect_client(ctx.settings.temporal)
                except RuntimeError as exc:
                    raise _fail(
                        f"Lỗi: không kết nối được Temporal tại {ctx.settings.temporal.target}: {exc}"
                    ) from None
                return await rv.apply_reevaluation(client, ctx.uow, ctx.engine, ctx.actor, req)

            plan = asyncio.run(_apply())
        else:
            with ctx.uow() as session:
                plan = rv.preview(session, ctx.actor, ctx.engine, req)
        if as_json:
            typer.echo(plan.model_dump_json(indent=2))
            return
        verb = "Đã xét lại" if apply else "Xem trước (chưa ghi gì)"
        typer.echo(f"{verb}: {len(plan.items)} hồ sơ theo {plan.ruleset_id}@{plan.version}")
        for i in plan.items:
            mark = "~" if i.changed else "="
            line = (
                f"{mark} {i.nomination} ({i.unit}, {i.stage}): "
                f"{i.current.status} {i.current.titles} → {i.proposed.status} {i.proposed.titles}"
            )
            if i.now_fired:
                line += f"; thêm quy tắc {', '.join(i.now_fired)}"
            if i.no_longer_fired:
                line += f"; bỏ quy tắc {', '.join(i.no_longer_fired)}"
            if i.applied is not None:
                line += " — đã áp dụng" if i.applied else f" — KHÔNG áp dụng: {i.error}"
            elif i.error:
                line += f" — lỗi: {i.error}"
            typer.echo(line)
        typer.echo(f"{plan.changed} hồ sơ thay đổi kết quả.")

    _governed(body)

"""``thidua rules check|test|evaluate|diff``: the declarative criteria files, no database.

The governed versions in the database (``thidua rules versions``, ``reevaluate``, ``whatif``) are
in ``rules_versions``; the root joins both into the one ``thidua rules`` group. User-facing text
is Vietnamese; errors never show a traceback (exit 1: rules/usage problem, exit 2: invalid facts).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from rules.decision import Decision
from rules.diff import diff_rulesets, lineage_vi, summary_vi
from rules.engine import RulesEngine
from rules.errors import FactsError, RulesFileError
from rules.facts import parse_facts
from rules.golden import load_golden, run_golden
from rules.loader import load_ruleset
from rules.registry import GOLDEN_SUFFIX, LoadedRuleset, RulesRegistry, golden_path_for
from thidua.domain.labels import ELIGIBILITY_LABEL_VI, KIND_LABEL_VI
from thidua.entrypoints.cli._common import echo_errors, echo_table, fail, reported

HELP = "Bộ tiêu chí thi đua, khen thưởng (tệp YAML): kiểm tra, chạy ca kiểm thử, xét, so sánh."
app = typer.Typer(
    help=HELP, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)

MAX_FACTS_BYTES = 50_000_000


def _rules_and_golden(file: Path) -> tuple[Path, Path]:
    if file.name.endswith(GOLDEN_SUFFIX):
        rules_file = file.with_name(file.name[: -len(GOLDEN_SUFFIX)] + ".yaml")
        return rules_file, file
    return file, golden_path_for(file)


# -- check -------------------------------------------------------------------------------------
@app.command("check")
@reported()
def check(
    files: Annotated[list[Path], typer.Argument(help="Tệp tiêu chí YAML cần kiểm tra.")],
) -> None:
    """Kiểm tra tệp tiêu chí: in lỗi dạng tệp:dòng:cột: thông báo."""
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


# -- test --------------------------------------------------------------------------------------
@app.command("test")
@reported()
def test(
    file: Annotated[Path, typer.Argument(help="Tệp tiêu chí (hoặc tệp .golden.yaml bên cạnh).")],
) -> None:
    """Chạy các ca kiểm thử (golden) của một tệp tiêu chí và in bảng kết quả."""
    rules_file, golden_file = _rules_and_golden(file)
    if not golden_file.exists():
        fail(f"không tìm thấy tệp ca kiểm thử {golden_file}")
    registry = RulesRegistry.from_files([rules_file])
    (lr,) = registry.all()
    golden = load_golden(golden_file)
    engine = RulesEngine(registry)
    results = run_golden(engine, lr, golden)
    echo_table(
        ("Ca kiểm thử", "Mong đợi", "Thực tế", "Kết quả"),
        [
            (r.case.id, r.case.expected_text(), r.actual_text(), "ĐẠT" if r.passed else "KHÔNG ĐẠT")
            for r in results
        ],
        rule="  ",
    )
    failed = [r for r in results if not r.passed]
    for r in failed:
        typer.echo(f"✗ {r.case.id}: " + "; ".join(r.problems))
    typer.echo(f"{len(results) - len(failed)}/{len(results)} ca đạt — {lr.id}@{lr.version}")
    if failed:
        raise typer.Exit(1)


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
            fail(f"tệp dữ liệu quá lớn (tối đa {MAX_FACTS_BYTES} byte)", 2)
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"không đọc được tệp dữ liệu {path}: {exc.strerror}", 2)
    except UnicodeDecodeError:
        fail(f"tệp dữ liệu {path} không phải UTF-8", 2)
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
            fail(f"{path}:{exc.lineno}:{exc.colno}: JSON không hợp lệ: {exc.msg}", 2)
        except RecursionError:
            fail(f"{path}: JSON lồng nhau quá sâu", 2)
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
        echo_errors(errors)
        fail(f"dữ liệu không hợp lệ ({len(errors)} lỗi).", 2)
    if not out:
        fail(f"tệp dữ liệu {path} không có đối tượng nào", 2)
    return out


def _table(decision: Decision, lr: LoadedRuleset) -> list[str]:
    kind = KIND_LABEL_VI[decision.kind]
    status = ELIGIBILITY_LABEL_VI[decision.status.value].upper()
    lines = [
        f"=== {decision.id} ({kind}, năm {decision.year}) — {status}",
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
@reported()
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
    if output not in ("json", "table"):
        fail("--format phải là json hoặc table", 2)
    if rules is not None and as_of is not None:
        fail("chỉ dùng một trong --rules hoặc --as-of", 2)
    day: dt.date | None = None
    if as_of is not None:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            fail(f"ngày không hợp lệ {as_of!r} (dạng YYYY-MM-DD)", 2)
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


# -- diff --------------------------------------------------------------------------------------
@app.command("diff")
@reported()
def diff(
    old: Annotated[Path, typer.Argument(help="Tệp tiêu chí cũ.")],
    new: Annotated[Path, typer.Argument(help="Tệp tiêu chí mới.")],
    brief: Annotated[
        bool, typer.Option("--brief", help="Chỉ liệt kê mục thêm/bỏ/sửa, không in chi tiết.")
    ] = False,
) -> None:
    """So sánh hai tệp tiêu chí (hai phiên bản, hoặc hai bộ tiêu chí khác nhau): quy tắc,
    danh hiệu, tham số, trường dữ liệu thêm/bỏ/sửa, giá trị cũ → mới."""
    a = load_ruleset(old)
    b = load_ruleset(new)
    typer.echo(f"So sánh {a.id}@{a.version} → {b.id}@{b.version}")
    typer.echo(lineage_vi(a, b))
    changes = diff_rulesets(a, b)
    if not changes:
        typer.echo("Không có thay đổi về nội dung.")
        return
    for ch in changes:
        lines = ch.lines_vi()
        for line in lines[:1] if brief else lines:
            typer.echo(line)
    typer.echo(summary_vi(changes))

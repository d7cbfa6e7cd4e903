"""`thidua rules` check / test / evaluate / diff, through Typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from rules.registry import DEFAULT_DIRECTORY
from thidua.entrypoints.cli.rules import app

SHIPPED = DEFAULT_DIRECTORY / "ntm-2024.v1.yaml"
GOLDEN = DEFAULT_DIRECTORY / "ntm-2024.v1.golden.yaml"
WriteRules = Callable[..., Path]
runner = CliRunner()

IND = {"kind": "individual", "id": "cn-1", "year": 2024, "rating": "HTTNV", "months_worked": 9}
COL = {
    "kind": "collective",
    "id": "p-1",
    "year": 2024,
    "rating": "HTXSNV",
    "members_total": 10,
    "members_ldtt": 7,
    "members_cstdcs": 1,
    "members_htnv_or_better": 10,
}


def _jsonl(tmp_path: Path, *rows: object, name: str = "facts.jsonl") -> Path:
    p = tmp_path / name
    p.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    return p


class TestCheck:
    def test_valid_file_prints_ok_line(self) -> None:
        """A valid file exits 0 with a Vietnamese OK line."""
        res = runner.invoke(app, ["check", str(SHIPPED)])
        assert res.exit_code == 0, res.output
        assert "hợp lệ" in res.output and "ntm-2024" in res.output

    def test_errors_are_file_line_col_and_exit_1(self, write_rules: WriteRules) -> None:
        """Each issue is printed as file:line:col: message and the exit code is 1."""
        p = write_rules(("op: gte, param: min_months", "op: gtee, param: min_months"))
        res = runner.invoke(app, ["check", str(p)])
        assert res.exit_code == 1
        assert f"{p}:442:" in res.output and "gtee" in res.output
        assert "Traceback" not in res.output

    def test_garbage_file_no_traceback(self, tmp_path: Path) -> None:
        """Binary garbage is a clean error."""
        p = tmp_path / "x.yaml"
        p.write_bytes(b"\x00\xff\xfe{{{")
        res = runner.invoke(app, ["check", str(p)])
        assert res.exit_code == 1 and "Traceback" not in res.output


class TestGoldenCommand:
    def test_all_cases_pass(self) -> None:
        """The shipped golden cases all print ĐẠT and exit 0."""
        res = runner.invoke(app, ["test", str(SHIPPED)])
        assert res.exit_code == 0, res.output
        assert "KHÔNG ĐẠT" not in res.output
        assert "ldtt-months-9-short" in res.output and "ca đạt" in res.output

    def test_accepts_the_golden_file_itself(self) -> None:
        """Passing the .golden.yaml finds its rules file beside it."""
        res = runner.invoke(app, ["test", str(GOLDEN)])
        assert res.exit_code == 0, res.output

    def test_failing_case_exits_non_zero(self, tmp_path: Path, write_rules: WriteRules) -> None:
        """Changing a threshold makes boundary cases fail: KHÔNG ĐẠT and exit 1."""
        rules = write_rules(
            ("    type: integer\n    value: 10\n", "    type: integer\n    value: 9\n"),
            name="ntm-2024.v1.yaml",
        )
        (tmp_path / "ntm-2024.v1.golden.yaml").write_text(
            GOLDEN.read_text(encoding="utf-8"), encoding="utf-8"
        )
        res = runner.invoke(app, ["test", str(rules)])
        assert res.exit_code == 1
        assert "KHÔNG ĐẠT" in res.output and "ldtt-months-9-short" in res.output

    def test_missing_golden_file(self, write_rules: WriteRules) -> None:
        """Without a golden file beside it the command says so."""
        res = runner.invoke(app, ["test", str(write_rules(name="lonely.yaml"))])
        assert res.exit_code == 1 and "không tìm thấy" in res.output


class TestEvaluate:
    def test_jsonl_gives_one_json_line_per_nominee(self, tmp_path: Path) -> None:
        """JSON lines output: one decision per input line."""
        res = runner.invoke(
            app, ["evaluate", "--facts", str(_jsonl(tmp_path, IND, COL)), "--as-of", "2024-12-20"]
        )
        assert res.exit_code == 0, res.output
        lines = [json.loads(x) for x in res.output.splitlines()]
        assert [d["id"] for d in lines] == ["cn-1", "p-1"]
        assert lines[1]["titles"] == ["TTLDTT"] and lines[1]["proposals"] == ["TTLDXS"]
        assert lines[0]["ruleset"]["version"] == "1"

    def test_table_explains_in_vietnamese(self, tmp_path: Path) -> None:
        """The table says why each title was or was not granted."""
        res = runner.invoke(
            app,
            [
                "evaluate",
                "--facts",
                str(_jsonl(tmp_path, IND)),
                "--as-of",
                "2024-12-20",
                "--format",
                "table",
            ],
        )
        assert res.exit_code == 0, res.output
        assert "KHÔNG ĐỦ ĐIỀU KIỆN" in res.output
        assert "Không đạt danh hiệu Lao động tiên tiến: số tháng công tác 9 < 10" in res.output

    def test_json_document_and_rules_option(self, tmp_path: Path) -> None:
        """A .json list with --rules FILE works too."""
        p = tmp_path / "facts.json"
        p.write_text(json.dumps([IND, COL]), encoding="utf-8")
        res = runner.invoke(app, ["evaluate", "--facts", str(p), "--rules", str(SHIPPED)])
        assert res.exit_code == 0, res.output
        assert len(res.output.splitlines()) == 2

    def test_bad_facts_name_line_and_field_exit_2(self, tmp_path: Path) -> None:
        """Invalid facts: the line and field path are named, exit code 2, no traceback."""
        bad = dict(IND, initiatives=[{"id": "a", "year": "2024"}])
        res = runner.invoke(
            app,
            [
                "evaluate",
                "--facts",
                str(_jsonl(tmp_path, IND, bad, "{oops")),
                "--as-of",
                "2024-12-20",
            ],
        )
        assert res.exit_code == 2
        assert "dòng 2, trường initiatives[0].year: phải là số nguyên" in res.output
        assert "dòng 3: JSON không hợp lệ" in res.output
        assert "Traceback" not in res.output

    def test_unknown_field_is_reported(self, tmp_path: Path) -> None:
        """An unknown field in the facts is an error naming the field."""
        res = runner.invoke(
            app,
            [
                "evaluate",
                "--facts",
                str(_jsonl(tmp_path, dict(IND, salary=1))),
                "--as-of",
                "2024-12-20",
            ],
        )
        assert res.exit_code == 2 and "trường salary" in res.output

    def test_no_ruleset_in_force(self, tmp_path: Path) -> None:
        """A date no version covers (before ntm-2024@1; tdkt-2025@1 has no end) is a clean error."""
        res = runner.invoke(
            app, ["evaluate", "--facts", str(_jsonl(tmp_path, IND)), "--as-of", "2023-12-31"]
        )
        assert res.exit_code == 1 and "không có bộ tiêu chí" in res.output

    def test_bad_date_and_format(self, tmp_path: Path) -> None:
        """A malformed date or format is a usage error (exit 2)."""
        f = str(_jsonl(tmp_path, IND))
        assert (
            runner.invoke(app, ["evaluate", "--facts", f, "--as-of", "20/12/2024"]).exit_code == 2
        )
        assert runner.invoke(app, ["evaluate", "--facts", f, "--format", "xml"]).exit_code == 2

    def test_missing_facts_file(self, tmp_path: Path) -> None:
        """A missing facts file is reported without a traceback."""
        res = runner.invoke(
            app, ["evaluate", "--facts", str(tmp_path / "none.jsonl"), "--as-of", "2024-12-20"]
        )
        assert res.exit_code == 2 and "Traceback" not in res.output


class TestDiff:
    def test_changed_parameter_and_rules(self, write_rules: WriteRules) -> None:
        """diff lists changed parameters (old → new), added and removed rules."""
        new = write_rules(
            ('version: "1"', 'version: "2"'),
            ("    type: integer\n    value: 10\n", "    type: integer\n    value: 9\n"),
            ("  - id: bang-khen-collective\n", "  - id: bang-khen-tap-the\n"),
        )
        res = runner.invoke(app, ["diff", str(SHIPPED), str(new)])
        assert res.exit_code == 0, res.output
        assert "~ sửa tham số 'min_months'" in res.output and "value: 10 → 9" in res.output
        assert "- bỏ quy tắc 'bang-khen-collective'" in res.output
        assert "+ thêm quy tắc 'bang-khen-tap-the'" in res.output

    def test_changed_condition_is_shown(self, write_rules: WriteRules) -> None:
        """A changed condition shows the rule and its old and new `when`."""
        new = write_rules(
            (
                "{field: members_cstdcs, op: gte, value: 1}",
                "{field: members_cstdcs, op: gte, value: 2}",
            )
        )
        res = runner.invoke(app, ["diff", str(SHIPPED), str(new)])
        assert "~ sửa quy tắc 'ttldxs'" in res.output and "when.all[2].value: 1 → 2" in res.output

    def test_identical_files(self) -> None:
        """No changes is said plainly."""
        res = runner.invoke(app, ["diff", str(SHIPPED), str(SHIPPED)])
        assert res.exit_code == 0 and "Không có thay đổi" in res.output

    def test_invalid_file_in_diff(self, tmp_path: Path) -> None:
        """An invalid file in diff prints its issues and exits 1."""
        p = tmp_path / "bad.yaml"
        p.write_text("id: [\n", encoding="utf-8")
        res = runner.invoke(app, ["diff", str(SHIPPED), str(p)])
        assert res.exit_code == 1 and "Traceback" not in res.output


class TestEvaluateDefaults:
    def test_without_as_of_uses_end_of_review_year(self, tmp_path: Path) -> None:
        """With neither --rules nor --as-of, the version in force on 31/12 of the year is used."""
        res = runner.invoke(app, ["evaluate", "--facts", str(_jsonl(tmp_path, IND))])
        assert res.exit_code == 0, res.output
        d = json.loads(res.output)
        assert d["ruleset"]["version"] == "1" and d["as_of"] == "2024-12-31"


class TestHostileInput:
    def test_deeply_nested_json_line(self, tmp_path: Path) -> None:
        """A pathologically nested JSON line is a data error on that line (exit 2)."""
        p = _jsonl(tmp_path, IND, "[" * 50_000 + "]" * 50_000)
        res = runner.invoke(app, ["evaluate", "--facts", str(p), "--as-of", "2024-12-20"])
        assert res.exit_code == 2 and "dòng 2" in res.output and "Traceback" not in res.output


class TestDiffAcrossRulesets:
    def test_ntm_2024_to_tdkt_2025(self) -> None:
        """Two different rulesets: said so; the thematic award, its rules and fields removed, the
        initiative rule added, the legal bases changed; counted by kind."""
        new = DEFAULT_DIRECTORY / "tdkt-2025.v1.yaml"
        res = runner.invoke(app, ["diff", str(SHIPPED), str(new)])
        assert res.exit_code == 0, res.output
        out = res.output
        assert "So sánh ntm-2024@1 → tdkt-2025@1" in out
        assert "Hai bộ tiêu chí khác nhau (ntm-2024 và tdkt-2025)" in out
        assert "- bỏ danh hiệu 'GIAY_KHEN'" in out
        assert "- bỏ quy tắc 'giay-khen-individual'" in out
        assert "- bỏ trường dữ liệu 'movement.c1'" in out
        assert "+ thêm quy tắc 'cstdcs-initiative'" in out
        assert "+ thêm tham số 'roster_rule'" in out
        assert "+ thêm tham số 'council_quorum_ratio'" in out
        assert "+ thêm tham số 'council_nominee_abstains'" in out
        assert "Nghị định 98/2023/NĐ-CP, Điều 4; Luật 06/2022/QH15, Điều 5 → Nghị định 152" in out
        assert "effective_to" in out and '"2025-06-30" → (không có)' in out
        assert "Tổng cộng 41 thay đổi: 4 thêm, 13 bỏ, 24 sửa." in out

    def test_brief_prints_heads_only(self) -> None:
        """--brief lists what changed without the old → new details."""
        new = DEFAULT_DIRECTORY / "tdkt-2025.v1.yaml"
        res = runner.invoke(app, ["diff", "--brief", str(SHIPPED), str(new)])
        assert res.exit_code == 0 and "~ sửa quy tắc 'cstdcs'" in res.output
        assert " → " not in res.output.replace("ntm-2024@1 → tdkt-2025@1", "")

    def test_versions_of_one_ruleset_are_named_so(self, write_rules: WriteRules) -> None:
        """Two versions of one ruleset: said so."""
        new = write_rules(('version: "1"', 'version: "2"'))
        res = runner.invoke(app, ["diff", str(SHIPPED), str(new)])
        assert "Hai phiên bản của bộ tiêu chí ntm-2024: 1 → 2." in res.output

"""What-if on a real database: stored explained evaluations, a draft, the full engine as oracle."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from bench.whatif import default_draft, populate
from rules.engine import RulesEngine
from rules.errors import RulesFileError
from tests.support.db import SeededDb
from thidua.adapters.db.models import EvaluationRow
from thidua.adapters.tabular.whatif_xlsx import write_xlsx
from thidua.app import whatif
from thidua.config import get_settings
from thidua.domain.refusals import Refusal
from thidua.domain.roles import Actor, Role
from thidua.entrypoints.cli.rules_versions import table_lines_vi

ADMIN = Actor(username="quantri.quydinh1", role=Role.RULES_ADMIN)
N = 250


@pytest.fixture
def stored(seeded: SeededDb, rules_engine: RulesEngine) -> SeededDb:
    populate(seeded.uow, N, seed=7, engine=rules_engine)
    return seeded


@pytest.fixture
def draft() -> whatif.Draft:
    return whatif.draft_from_text(default_draft(), "draft.yaml")


class TestAgainstTheFullEngine:
    def test_changes_equal_the_full_explained_evaluation_of_every_snapshot(
        self, stored: SeededDb, draft: whatif.Draft, rules_engine: RulesEngine
    ) -> None:
        """For every snapshot: what-if's gains/losses = full engine(draft) vs the stored result."""
        with stored.uow() as tx:
            report = whatif.run_whatif(tx, ADMIN, draft, movement="NTM-2024")
            snaps = whatif.load_snapshots(tx, movement="NTM-2024")
        assert report.snapshots == len(snaps) == N
        full = rules_engine.evaluate_many(
            [json.loads(s.facts_json) for s in snaps], ruleset=draft.lr
        )
        expected: set[tuple[str, str | None, str]] = set()
        for s, d in zip(snaps, full, strict=True):
            before = {*s.titles, *s.proposals}
            after = {*d.titles, *d.proposals}
            expected |= {(s.nomination, c, "lose") for c in before - after}
            expected |= {(s.nomination, c, "gain") for c in after - before}
            if before == after and d.status != s.status:
                expected.add((s.nomination, None, "status"))
        got = {(r.nomination, r.title, r.change) for r in report.rows}
        assert got == expected
        assert len(expected) > 10  # the draft changes something in this sample
        assert {r.title for r in report.rows if r.change == "lose"} >= {"LDTT", "TTLDTT"}

    def test_each_change_names_a_rule_and_the_condition_that_moved(
        self, stored: SeededDb, draft: whatif.Draft
    ) -> None:
        """A lost LDTT through min_months: rule ldtt, months_effective vs 11 (was 10)."""
        with stored.uow() as tx:
            report = whatif.run_whatif(tx, ADMIN, draft)
        assert all(r.rule for r in report.rows)
        by_param = [
            r
            for r in report.rows
            if r.title == "LDTT" and any(c.param == "min_months" for c in r.conditions)
        ]
        assert by_param, "no LDTT lost through min_months in the sample"
        for r in by_param:
            assert r.rule == "ldtt" and r.change == "lose"
            (c,) = [c for c in r.conditions if c.param == "min_months"]
            assert c.expected == 11 and c.actual == 10 and not c.passed and c.was_passed
            assert "11" in r.reason_vi
        # chained losses: CSTDCS requires LDTT, its rule names the missing title
        chained = [r for r in report.rows if r.title == "CSTDCS" and r.change == "lose"]
        for r in chained:
            assert r.rule == "cstdcs"
            assert any(c.field == "granted.LDTT" for c in r.conditions)

    def test_the_process_pool_gives_the_same_verdicts(
        self, stored: SeededDb, draft: whatif.Draft, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """workers=2 (forkserver processes rebuilding the draft from its YAML) = one process."""
        with stored.uow() as tx:
            serial = whatif.run_whatif(tx, ADMIN, draft, workers=1)
        monkeypatch.setattr(whatif, "PARALLEL_MIN", 1)
        monkeypatch.setattr(whatif, "CHUNK", 150)
        with stored.uow() as tx:
            parallel = whatif.run_whatif(tx, ADMIN, draft, workers=2)
        assert parallel.workers == 2
        assert parallel.rows == serial.rows


class TestInputsAndOutputs:
    def test_roles_other_than_rules_admin_auditor_director_are_refused(
        self, seeded: SeededDb, draft: whatif.Draft
    ) -> None:
        """The Office and unit roles may not run a what-if."""
        for actor in (
            Actor(username="vanphong", role=Role.OFFICE),
            Actor(username="canbo.vp", role=Role.UNIT_OFFICER, units=("VP",)),
        ):
            with seeded.uow() as tx, pytest.raises(Refusal) as exc:
                whatif.run_whatif(tx, actor, draft)
            assert exc.value.code == "forbidden"

    def test_an_invalid_stored_snapshot_is_listed_not_fatal(
        self, stored: SeededDb, draft: whatif.Draft
    ) -> None:
        """A snapshot that no longer validates is reported with the field, the rest still run."""
        with stored.uow.session() as session:
            row = session.scalars(
                select(EvaluationRow).where(EvaluationRow.facts["kind"].as_string() == "collective")
            ).first()
            assert row is not None
            row.facts = {**row.facts, "members_ldtt": row.facts["members_total"] + 1}
        with stored.uow() as tx:
            report = whatif.run_whatif(tx, ADMIN, draft)
        (bad,) = report.invalid
        assert bad.evaluation_id == row.id and "members_ldtt" in bad.error
        assert report.snapshots == N and all(r.evaluation_id != row.id for r in report.rows)

    def test_an_invalid_draft_names_the_line(self) -> None:
        """A draft with an unknown parameter is refused with file:line:column."""
        bad = default_draft().replace("param: ldtt_min_ratio", "param: khong_co", 1)
        with pytest.raises(RulesFileError) as exc:
            whatif.draft_from_text(bad, "draft.yaml")
        assert any(i.line > 1 and "khong_co" in i.message for i in exc.value.issues)

    def test_a_stored_version_can_be_the_draft(self, stored: SeededDb) -> None:
        """The shipped v1 from rules_versions, run over its own decisions: nothing changes."""
        with stored.uow() as tx:
            d = whatif.draft_from_db(tx, "ntm-2024", "1")
            report = whatif.run_whatif(tx, ADMIN, d)
            with pytest.raises(Refusal):
                whatif.draft_from_db(tx, "ntm-2024", "99")
        assert report.snapshots == N and report.rows == [] and report.invalid == []

    def test_xlsx_and_table(self, stored: SeededDb, draft: whatif.Draft, tmp_path: Path) -> None:
        """The .xlsx has the rows and the per-title summary; the table has Vietnamese headings."""
        with stored.uow() as tx:
            report = whatif.run_whatif(tx, ADMIN, draft)
        out = tmp_path / "w.xlsx"
        write_xlsx(report, out)
        wb = load_workbook(out)
        assert wb["Thay đổi"].max_row == len(report.rows) + 1
        summary = {row[0]: row for row in wb["Tổng hợp"].iter_rows(values_only=True) if row}
        assert summary["TTLDTT"][2] == report.by_title["TTLDTT"].lose
        text = "\n".join(table_lines_vi(report))
        assert "Hồ sơ" in text and "Danh hiệu / hình thức" in text and "Quy tắc" in text


runner = CliRunner()


@pytest.fixture
def cli_db(seeded_sqlite: SeededDb, monkeypatch: pytest.MonkeyPatch) -> Iterator[SeededDb]:
    monkeypatch.setenv("THIDUA_DATABASE__URL", seeded_sqlite.url)
    monkeypatch.setattr("thidua.entrypoints.cli._common.configure_logging", lambda *a, **k: None)
    get_settings.cache_clear()
    yield seeded_sqlite
    get_settings.cache_clear()


class TestCli:
    def test_rules_whatif_table_json_xlsx(
        self, cli_db: SeededDb, rules_engine: RulesEngine, tmp_path: Path
    ) -> None:
        """thidua rules whatif --draft FILE: table, --format json, --format xlsx -o FILE."""
        from thidua.entrypoints.cli import app

        populate(cli_db.uow, 150, seed=3, engine=rules_engine)
        draft_file = tmp_path / "draft.yaml"
        draft_file.write_text(default_draft(), encoding="utf-8")
        tok = ["--token", cli_db.token("kiemtoan")]
        base = ["rules", "whatif", "--draft", str(draft_file), "--movement", "NTM-2024"]
        r = runner.invoke(app, [*base, *tok])
        assert r.exit_code == 0, r.output
        assert "Tổng hợp theo danh hiệu" in r.output and "Mất" in r.output
        r = runner.invoke(app, [*base, "--format", "json", *tok])
        assert r.exit_code == 0, r.output
        body = json.loads(r.stdout)
        assert body["snapshots"] == 150 and body["losses"] > 0
        out = tmp_path / "x.xlsx"
        r = runner.invoke(app, [*base, "--format", "xlsx", "-o", str(out), *tok])
        assert r.exit_code == 0, r.output
        assert load_workbook(out).sheetnames == ["Thay đổi", "Tổng hợp"]
        r = runner.invoke(app, [*base, "--token", cli_db.token("canbo.vp")])
        assert r.exit_code == 1 and "không được chạy thử" in r.output
        bad = tmp_path / "bad.yaml"
        bad.write_text("id: [\n", encoding="utf-8")
        r = runner.invoke(app, ["rules", "whatif", "--draft", str(bad), *tok])
        assert r.exit_code == 1 and "bad.yaml:" in r.output

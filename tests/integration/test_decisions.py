"""Decision explorer on a real database: search, explained view, reproduce, authorization."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from rules.canonical import Encoding, sha256_hex
from rules.engine import RulesEngine
from tests.support.db import SeededDb
from thidua.adapters.db.models import EvaluationRow
from thidua.app import decisions, nominations
from thidua.app.ports.nominations import EvaluationRecord, NewNomination
from thidua.app.sample_data import STAFF
from thidua.config import get_settings
from thidua.domain.refusals import Refusal
from thidua.domain.roles import Actor, Role
from thidua.entrypoints.cli.decisions import detail_lines_vi

AUDITOR = Actor(username="kiemtoan", role=Role.AUDITOR)
OFFICER_VP = Actor(username="canbo.vp", role=Role.UNIT_OFFICER, units=("VP",))


def staff(unit: str, i: int = 0) -> str:
    return [s.code for s in STAFF if s.unit_code == unit and "Trưởng" not in s.position][i]


def individual(unit: str, i: int = 0, **extra: Any) -> dict[str, Any]:
    return {"kind": "individual", "id": staff(unit, i), "year": 2024, "rating": "HTTNV", **extra}


def collective(unit: str, total: int, ldtt: int, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "collective",
        "id": unit,
        "year": 2024,
        "rating": "HTTNV",
        "unit_type": "phong",
        "members_total": total,
        "members_ldtt": ldtt,
        "members_htnv_or_better": total,
        **extra,
    }


def store(db: SeededDb, engine: RulesEngine, unit: str, facts: dict[str, Any]) -> int:
    """Create the nomination and store its evaluation exactly as the activity does."""
    key = f"NTM-2024_2024_{facts['id']}"
    with db.uow() as tx:
        target = nominations.resolve_submission(tx, "NTM-2024", unit, facts, key)
        tx.nominations.create(
            NewNomination(
                key=key,
                workflow_id=f"nomination-{key}",
                movement_code="NTM-2024",
                unit_code=unit,
                nominee_name=target.nominee_name,
                facts=facts,
                submitted_by="canbo",
            )
        )
    decision = engine.evaluate(facts, ruleset_id="ntm-2024", version="1")
    with db.uow() as tx:
        tx.nominations.record_evaluation(
            EvaluationRecord(
                nomination_id=key,
                idempotency_key=f"test:{key}",
                phase="submission",
                decision=decision.model_dump(mode="json"),
                facts=facts,
            )
        )
    with db.uow.session() as session:
        ev_id = session.scalars(
            select(EvaluationRow.id).where(EvaluationRow.idempotency_key == f"test:{key}")
        ).one()
    return int(ev_id)


@pytest.fixture
def stored(seeded: SeededDb, rules_engine: RulesEngine) -> dict[str, int]:
    return {
        "vp_person": store(seeded, rules_engine, "VP", individual("VP")),
        "vp_unit": store(seeded, rules_engine, "VP", collective("VP", 10, 8)),
        "ldvl_unit": store(seeded, rules_engine, "LDVL", collective("LDVL", 10, 5)),
        "ldvl_person": store(seeded, rules_engine, "LDVL", individual("LDVL", rating="KHTNV")),
    }


class TestHash:
    @pytest.mark.parametrize("encoding", list(Encoding))
    def test_decision_hash_ignores_key_order_and_sees_any_value(self, encoding: Encoding) -> None:
        """Canonical JSON (either encoding): key order does not matter, any changed value does."""
        a = {"b": [1, {"y": 0.7, "x": "Đạt"}], "a": None}
        b = {"a": None, "b": [1, {"x": "Đạt", "y": 0.7}]}
        assert decisions.decision_hash(a, encoding) == decisions.decision_hash(b, encoding)
        c = copy.deepcopy(a)
        c["b"][1]["y"] = 0.71
        assert decisions.decision_hash(a, encoding) != decisions.decision_hash(c, encoding)
        assert decisions.diff_paths(a, c) == ["b[1].y: 0.7 → 0.71"]

    def test_the_two_encodings_differ_where_rfc_8785_does(self) -> None:
        """1.0 is ``1.0`` in sorted JSON (encoding 1) and ``1`` in JCS (encoding 2)."""
        value = {"ratio": 1.0}
        old = hashlib.sha256(b'{"ratio":1.0}').hexdigest()
        assert decisions.decision_hash(value, Encoding.SORTED_JSON) == old
        assert (
            decisions.decision_hash(value, Encoding.JCS)
            == hashlib.sha256(b'{"ratio":1}').hexdigest()
        )

    def test_each_decision_is_hashed_with_its_rows_encoding(
        self, seeded: SeededDb, stored: dict[str, int], rules_engine: RulesEngine
    ) -> None:
        """A row of encoding 1 keeps the sorted-JSON hash it always had; a row of encoding 2 is
        hashed with JCS; each reproduces identically, both sides in the row's encoding."""
        key = stored["ldvl_unit"]
        with seeded.uow.session() as session:
            row = session.get(EvaluationRow, key)
            assert row is not None and row.hash_encoding == Encoding.JCS  # as every new row
            row.hash_encoding = Encoding.SORTED_JSON  # as a row stored before migration 0008
            result = row.result
        sorted_json = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        with seeded.uow() as tx:
            shown = decisions.get_decision(tx, AUDITOR, key).decision_hash
            rep = decisions.reproduce_decision(tx, AUDITOR, key, rules_engine)
        assert shown == hashlib.sha256(sorted_json.encode("utf-8")).hexdigest()
        assert rep.identical and rep.stored_hash == rep.reproduced_hash == shown
        with seeded.uow.session() as session:
            row = session.get(EvaluationRow, key)
            assert row is not None
            row.hash_encoding = Encoding.JCS
        with seeded.uow() as tx:
            shown = decisions.get_decision(tx, AUDITOR, key).decision_hash
            rep = decisions.reproduce_decision(tx, AUDITOR, key, rules_engine)
        assert shown == sha256_hex(result, Encoding.JCS)
        assert rep.identical and rep.stored_hash == rep.reproduced_hash == shown


class TestSearch:
    def test_filters_by_unit_title_rule_outcome_and_version(
        self, seeded: SeededDb, stored: dict[str, int]
    ) -> None:
        """Each filter narrows the list to the matching stored decisions."""

        def ids(**kw: Any) -> set[int]:
            with seeded.uow() as tx:
                page = decisions.search_decisions(
                    tx, AUDITOR, decisions.DecisionFilter(**kw), limit=500
                )
            return {d.id for d in page.items}

        assert ids() == set(stored.values())
        assert ids(unit="LDVL") == {stored["ldvl_unit"], stored["ldvl_person"]}
        assert ids(title="TTLDTT") == {stored["vp_unit"]}
        assert ids(rule="ttldtt") == {stored["vp_unit"]}
        assert ids(rule="ttldtt", rule_outcome="not_fired") == {stored["ldvl_unit"]}
        assert ids(rule="disqualify-khtnv") == {stored["ldvl_person"]}
        assert ids(outcome="not_eligible") == {stored["ldvl_unit"], stored["ldvl_person"]}
        assert ids(ruleset_id="ntm-2024", version="1") == set(stored.values())
        assert ids(version="9") == set()
        assert ids(movement="NTM-2024", kind="collective") == {
            stored["vp_unit"],
            stored["ldvl_unit"],
        }

    def test_pages_follow_the_cursor(self, seeded: SeededDb, stored: dict[str, int]) -> None:
        """limit=1 pages through every decision once, in id order."""
        seen: list[int] = []
        after = None
        with seeded.uow() as tx:
            while True:
                page = decisions.search_decisions(
                    tx, AUDITOR, decisions.DecisionFilter(), limit=1, after_id=after
                )
                seen.extend(d.id for d in page.items)
                if page.next_cursor is None:
                    break
                after = page.next_cursor
        assert seen == sorted(stored.values())

    def test_unit_scoped_role_sees_only_its_units(
        self, seeded: SeededDb, stored: dict[str, int]
    ) -> None:
        """A VP officer lists VP decisions only; another unit's decision is 'not found'."""
        with seeded.uow() as tx:
            page = decisions.search_decisions(tx, OFFICER_VP, decisions.DecisionFilter())
            assert {d.unit for d in page.items} == {"VP"}
            with pytest.raises(Refusal) as exc:
                decisions.get_decision(tx, OFFICER_VP, stored["ldvl_unit"])
            assert exc.value.code == "not_found"
            with pytest.raises(Refusal):
                decisions.reproduce_decision(tx, OFFICER_VP, stored["ldvl_unit"], RulesEngine())
            assert decisions.get_decision(tx, OFFICER_VP, stored["vp_unit"]).unit == "VP"


class TestShow:
    def test_detail_has_snapshot_and_each_condition_with_actual_and_required(
        self, seeded: SeededDb, stored: dict[str, int]
    ) -> None:
        """The LDVL collective fails ttldtt: 50% actual vs 70% required, explained in Vietnamese."""
        with seeded.uow() as tx:
            d = decisions.get_decision(tx, AUDITOR, stored["ldvl_unit"])
        assert d.facts["members_ldtt"] == 5 and d.status == "not_eligible"
        assert d.status_vi == "Không đủ điều kiện"
        rule = next(r for r in d.rules if r.id == "ttldtt")
        assert rule.outcome == "not_fired" and rule.outcome_vi == "Không đạt"
        assert rule.message_vi.startswith("Không đạt")
        cond = next(c for c in rule.conditions if c.field == "ldtt_ratio")
        assert (cond.actual, cond.expected, cond.passed) == (0.5, 0.7, False)
        assert (cond.actual_vi, cond.expected_vi) == ("50%", "70%")
        assert cond.param == "ldtt_min_ratio"
        text = "\n".join(detail_lines_vi(d))
        assert "tỷ lệ thành viên đạt Lao động tiên tiến: thực tế 50%, yêu cầu ≥ 70%" in text


class TestReproduce:
    def test_every_stored_decision_reproduces_with_the_same_hash(
        self, seeded: SeededDb, stored: dict[str, int], rules_engine: RulesEngine
    ) -> None:
        """reproduce_all: every decision identical, both hashes shown and equal."""
        with seeded.uow() as tx:
            summary = decisions.reproduce_all(tx, AUDITOR, decisions.DecisionFilter(), rules_engine)
            one = decisions.reproduce_decision(tx, AUDITOR, stored["vp_unit"], rules_engine)
        assert (summary.total, summary.identical, summary.different) == (4, 4, [])
        assert one.identical and one.stored_hash == one.reproduced_hash and one.sha256_matches

    def test_a_tampered_result_is_reported_with_the_differing_path(
        self, seeded: SeededDb, stored: dict[str, int], rules_engine: RulesEngine
    ) -> None:
        """Change one stored condition value: not identical, the path of the change is named."""
        with seeded.uow.session() as session:
            row = session.get(EvaluationRow, stored["ldvl_unit"])
            assert row is not None
            result = copy.deepcopy(row.result)
            i = next(i for i, r in enumerate(result["rules"]) if r["id"] == "ttldtt")
            j = next(
                j
                for j, c in enumerate(result["rules"][i]["conditions"])
                if c["field"] == "ldtt_ratio"
            )
            result["rules"][i]["conditions"][j]["actual"] = 0.75
            row.result = result
        with seeded.uow() as tx:
            rep = decisions.reproduce_decision(tx, AUDITOR, stored["ldvl_unit"], rules_engine)
        assert not rep.identical and rep.reproduced_hash and rep.stored_hash != rep.reproduced_hash
        assert rep.differences == [f"rules[{i}].conditions[{j}].actual: 0.75 → 0.5"]

    def test_a_changed_version_content_is_not_reproduced(
        self, seeded: SeededDb, stored: dict[str, int], rules_engine: RulesEngine
    ) -> None:
        """A stored sha256 that no longer matches the version: refused, never 'identical'."""
        with seeded.uow.session() as session:
            row = session.get(EvaluationRow, stored["vp_person"])
            assert row is not None
            row.ruleset_sha256 = "0" * 64
        with seeded.uow() as tx:
            rep = decisions.reproduce_decision(tx, AUDITOR, stored["vp_person"], rules_engine)
        assert not rep.identical and not rep.sha256_matches
        assert rep.problem_vi and "sha256" in rep.problem_vi


runner = CliRunner()


@pytest.fixture
def cli_db(seeded_sqlite: SeededDb, monkeypatch: pytest.MonkeyPatch) -> Iterator[SeededDb]:
    monkeypatch.setenv("THIDUA_DATABASE__URL", seeded_sqlite.url)
    monkeypatch.setattr("thidua.entrypoints.cli._common.configure_logging", lambda *a, **k: None)
    get_settings.cache_clear()
    yield seeded_sqlite
    get_settings.cache_clear()


class TestCli:
    def test_list_show_reproduce(self, cli_db: SeededDb, rules_engine: RulesEngine) -> None:
        """thidua decisions list / show / reproduce --all, as an auditor, in Vietnamese."""
        from thidua.entrypoints.cli import app

        ev = store(cli_db, rules_engine, "LDVL", collective("LDVL", 10, 5))
        tok = ["--token", cli_db.token("kiemtoan")]
        r = runner.invoke(
            app, ["decisions", "list", "--rule", "ttldtt", "--rule-outcome", "not_fired", *tok]
        )
        assert r.exit_code == 0, r.output
        assert "Không đủ điều kiện" in r.output and "NTM-2024_2024_LDVL" in r.output
        r = runner.invoke(app, ["decisions", "show", str(ev), *tok])
        assert r.exit_code == 0, r.output
        assert "thực tế 50%, yêu cầu ≥ 70%" in r.output
        r = runner.invoke(app, ["decisions", "reproduce", "--all", *tok])
        assert r.exit_code == 0, r.output
        assert "1 giống hệt, 0 khác" in r.output and "0 quyết định khi thẩm định đợt" in r.output
        r = runner.invoke(app, ["decisions", "reproduce", str(ev), *tok])
        assert r.exit_code == 0 and "GIỐNG HỆT" in r.output
        r = runner.invoke(app, ["decisions", "show", str(ev), "--token", cli_db.token("canbo.vp")])
        assert r.exit_code == 1
        assert "Không tìm thấy quyết định" in r.output
        r = runner.invoke(app, ["decisions", "reproduce", *tok])
        assert r.exit_code == 2

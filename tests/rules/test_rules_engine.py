"""The engine's public behaviour: decisions, explanations, facts errors, concurrency."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from typing import Any

import pytest

from rules.decision import Decision, DecisionStatus
from rules.engine import RulesEngine
from rules.errors import FactsError
from rules.generate import nominees
from rules.registry import LoadedRuleset

AS_OF = dt.date(2024, 12, 20)


def _ind(**kw: Any) -> dict[str, Any]:
    return {"kind": "individual", "id": "cn-1", "year": 2024, "rating": "HTTNV", **kw}


class TestDecision:
    def test_json_shape(self, engine: RulesEngine) -> None:
        """model_dump(mode='json') has the documented keys and is JSON-serialisable."""
        d = engine.evaluate(_ind(), as_of=AS_OF)
        data = d.model_dump(mode="json")
        assert set(data) >= {
            "id",
            "status",
            "titles",
            "proposals",
            "ruleset",
            "rules",
            "facts",
            "derived",
        }
        assert set(data["ruleset"]) == {"id", "version", "sha256"}
        rule = data["rules"][0]
        assert set(rule) >= {
            "id",
            "outcome",
            "kind",
            "target",
            "conditions",
            "message_vi",
            "message_en",
        }
        assert set(rule["conditions"][0]) >= {"field", "operator", "expected", "actual", "passed"}
        json.dumps(data, ensure_ascii=False)

    def test_round_trip_through_json(self, engine: RulesEngine) -> None:
        """A stored decision validates back into an equal Decision."""
        d = engine.evaluate(_ind(rating="HTXSNV"), as_of=AS_OF)
        again = Decision.model_validate_json(d.model_dump_json())
        assert again.model_dump(mode="json") == d.model_dump(mode="json")

    def test_message_for_months_short(self, engine: RulesEngine) -> None:
        """A 9-month nominee is told plainly why LDTT was not granted."""
        d = engine.evaluate(_ind(months_worked=9), as_of=AS_OF)
        rule = d.rule("ldtt")
        assert rule["outcome"] == "not_fired"
        assert (
            rule["message_vi"] == "Không đạt danh hiệu Lao động tiên tiến: số tháng công tác 9 < 10"
        )
        failing = [c for c in rule["conditions"] if not c["passed"]]
        assert failing == [
            {
                "field": "months_effective",
                "operator": "gte",
                "expected": 10,
                "actual": 9,
                "passed": False,
                "param": "min_months",
                "field_ref": None,
                "path": "when.all[1]",
            }
        ]

    def test_message_when_granted(self, engine: RulesEngine) -> None:
        """A granted title says so in Vietnamese with diacritics."""
        d = engine.evaluate(_ind(), as_of=AS_OF)
        assert d.rule("ldtt")["message_vi"] == "Đạt danh hiệu Lao động tiên tiến"
        assert d.status is DecisionStatus.ELIGIBLE

    def test_ratio_message_in_percent(self, engine: RulesEngine) -> None:
        """Ratios are explained as percentages (69% < 70%)."""
        d = engine.evaluate(
            {
                "kind": "collective",
                "id": "p",
                "year": 2024,
                "rating": "HTTNV",
                "members_total": 100,
                "members_ldtt": 69,
            },
            as_of=AS_OF,
        )
        assert "69% < 70%" in d.rule("ttldtt")["message_vi"]

    def test_requires_shows_as_condition(self, engine: RulesEngine) -> None:
        """CSTDCS without LDTT shows the failed `granted.LDTT` requirement."""
        d = engine.evaluate(_ind(rating="HTXSNV", months_worked=8), as_of=AS_OF)
        cond = d.rule("cstdcs")["conditions"][-1]
        assert cond["field"] == "granted.LDTT" and cond["passed"] is False
        assert "chưa đạt danh hiệu Lao động tiên tiến" in d.rule("cstdcs")["message_vi"]

    def test_skipped_rules_for_other_kind(self, engine: RulesEngine) -> None:
        """Collective rules are skipped for an individual."""
        d = engine.evaluate(_ind(), as_of=AS_OF)
        assert d.rule("ttldtt")["outcome"] == "skipped"
        assert d.rule("ttldtt")["conditions"] == []

    def test_snapshot_has_normalised_facts_and_derived(self, engine: RulesEngine) -> None:
        """The snapshot has every default filled in and the derived values."""
        d = engine.evaluate(_ind(months_worked=7, maternity_months=4), as_of=AS_OF)
        assert d.facts["discipline"] == "none" and d.facts["initiatives"] == []
        assert d.derived["months_effective"] == 11
        again = engine.evaluate(d.facts, ruleset_id=d.ruleset.id, version=d.ruleset.version)
        assert again.rules == d.rules

    def test_hold_withholds_titles(self, engine: RulesEngine) -> None:
        """A hold keeps the would-be titles in `withheld`, not in `titles`."""
        d = engine.evaluate(_ind(under_review=True), as_of=AS_OF)
        assert d.status is DecisionStatus.ON_HOLD
        assert d.titles == [] and d.withheld == ["LDTT"]


class TestFactsErrors:
    @pytest.mark.parametrize(
        ("facts", "loc"),
        [
            (_ind(initiatives=[{"id": "a", "year": "2024"}]), "initiatives[0].year"),
            (_ind(months_worked="10"), "months_worked"),
            (_ind(unknown_field=1), "unknown_field"),
            (_ind(rating="XX"), "rating"),
            (_ind(under_review=1), "under_review"),
            (
                {
                    "kind": "collective",
                    "id": "p",
                    "year": 2024,
                    "rating": "HTTNV",
                    "members_total": 5,
                    "members_ldtt": 6,
                },
                "members_ldtt",
            ),
            (_ind(history=[{"year": 2023}, {"year": 2023}]), "history[1].year"),
            (_ind(initiatives=[{"id": "a", "year": 2025}]), "initiatives[0].year"),
            ({"kind": "robot", "id": "x"}, ""),
        ],
    )
    def test_invalid_facts_raise_typed_error(
        self, engine: RulesEngine, facts: dict[str, Any], loc: str
    ) -> None:
        """Unknown fields, wrong types and inconsistent counts raise FactsError with the location."""
        with pytest.raises(FactsError) as info:
            engine.evaluate(facts, as_of=AS_OF)
        assert loc in [e["loc"] for e in info.value.errors]

    def test_batch_error_names_the_index(self, engine: RulesEngine, ntm: LoadedRuleset) -> None:
        """In a batch the error location starts with the nominee's index."""
        with pytest.raises(FactsError) as info:
            engine.evaluate_many([_ind(), _ind(rating=5)], ruleset=ntm)
        assert info.value.errors[0]["loc"] == "[1].rating"


class TestConcurrency:
    def test_threads_share_one_engine_safely(self, engine: RulesEngine, ntm: LoadedRuleset) -> None:
        """Several threads evaluating at once get the same results as one thread."""
        facts = nominees(400, seed=3)
        expected = [d.model_dump(mode="json") for d in engine.evaluate_many(facts, ruleset=ntm)]
        results: dict[int, list[dict[str, Any]]] = {}

        def work(k: int) -> None:
            results[k] = [
                engine.evaluate(f, ruleset_id="ntm-2024", version="1").model_dump(mode="json")
                for f in facts
            ]

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(results[k] == expected for k in range(4))

    def test_many_evaluations_do_not_leak_sessions(
        self, engine: RulesEngine, ntm: LoadedRuleset
    ) -> None:
        """More than 1024 evaluations in a row work (sessions are deleted every time)."""
        assert len(engine.evaluate_many(nominees(1500, seed=5), ruleset=ntm)) == 1500


class TestNoImportSideEffects:
    def test_import_starts_no_threads(self) -> None:
        """Importing the engine and registry starts no thread and builds no durable Host."""
        code = (
            "import threading\n"
            "from rules.engine import RulesEngine\n"
            "from rules.registry import RulesRegistry\n"
            "import thidua.entrypoints.cli.rules\n"
            "assert threading.active_count() == 1, threading.enumerate()\n"
            "e = RulesEngine(RulesRegistry.from_directory())\n"
            "assert e._runner._host is None\n"
            "e.evaluate({'kind':'individual','id':'a','year':2024,'rating':'HTTNV'},\n"
            "           ruleset_id='ntm-2024', version='1')\n"
            "assert threading.active_count() == 1, threading.enumerate()\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60)

    def test_decision_vocabulary_loads_no_engine(self) -> None:
        """Importing rules.decision loads neither durable_rules nor the engine."""
        code = (
            "import sys\n"
            "from rules.decision import Decision, DecisionStatus, RulesetRef, classify\n"
            "loaded = [m for m in sys.modules if 'durable' in m or m == 'rules.engine']\n"
            "assert not loaded, loaded\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


class TestDurableHousekeeping:
    def test_each_version_registered_once_and_sessions_deleted(self, ntm: LoadedRuleset) -> None:
        """Repeated evaluations reuse one durable ruleset named id@version and leave no session."""
        engine = RulesEngine()
        for f in nominees(50, seed=1):
            engine.evaluate(f, ruleset_id="ntm-2024", version="1")
        runner = engine._runner
        assert len(runner._compiled) == 1
        host = runner._host
        assert host is not None and list(host._ruleset_directory) == ["ntm-2024@1"]
        with pytest.raises(Exception, match="309"):
            host.get_state("ntm-2024@1", "0")  # 309: no such session

    def test_compiled_definition_is_pure_json(
        self, engine: RulesEngine, ntm: LoadedRuleset
    ) -> None:
        """The durable ruleset is plain JSON data whose actions are generated names only."""
        definition = engine.durable_definition(ntm)
        text = json.dumps(definition)
        assert json.loads(text) == definition
        runs = {r["run"] for r in definition.values()}
        assert all(r.startswith("ntm-2024@1#") for r in runs)

    def test_unknown_action_name_is_refused(self) -> None:
        """The host resolves only actions it generated."""
        engine = RulesEngine()
        engine.evaluate(_ind(), ruleset_id="ntm-2024", version="1")  # builds the host
        host = engine._runner._host
        assert host is not None
        assert callable(host.get_action("ntm-2024@1#0"))
        with pytest.raises(LookupError):
            host.get_action("os.system")

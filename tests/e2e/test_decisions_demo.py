"""Acceptance over the demo round: every stored decision reproduces; the TTLDTT 80% what-if; one
achievement is paid its highest award only.

One real `thidua up` runs the demo round (`thidua.entrypoints.demo.run.run_demo`) through the HTTP API; then the
decision explorer and what-if are exercised over HTTP on that stack and, for the acceptance
checks, through the service layer on its database.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from rules.engine import RulesEngine
from rules.registry import DEFAULT_DIRECTORY
from tests.support.up import Service
from thidua.adapters.db.models import EvaluationRow, NominationRow, RoundRow
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app import decisions, whatif
from thidua.domain.roles import Actor, Role
from thidua.entrypoints.demo.run import run_demo

pytestmark = pytest.mark.slow

SHIPPED = DEFAULT_DIRECTORY / "ntm-2024.v1.yaml"
AUDITOR = Actor(username="kiemtoan", role=Role.AUDITOR)


def ttldtt_draft(threshold: str = "0.8") -> str:
    """The shipped ruleset with only `ldtt_min_ratio` changed (and a draft version number)."""
    text = SHIPPED.read_text(encoding="utf-8")
    block = re.search(r"\n  ldtt_min_ratio:\n(?:    .*\n)+?    value: 0\.7\n", text)
    assert block is not None, "ldtt_min_ratio parameter not found in the shipped ruleset"
    changed = block.group(0).replace("value: 0.7", f"value: {threshold}")
    text = text.replace(block.group(0), changed, 1)
    return text.replace('\nversion: "1"\n', '\nversion: "2-draft"\n', 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    svc = Service(tmp_path_factory.mktemp("decisions-demo"))
    svc.start()
    try:
        summary = run_demo(
            f"http://127.0.0.1:{svc.api_port}",
            svc.root / "var" / "sample-accounts.json",
            svc.root / "out",
            echo=lambda _line: None,
        )
        assert summary.round_stage == "decided"
        yield svc
    finally:
        svc.close()


@pytest.fixture(scope="module")
def uow(demo: Service) -> Iterator[SqlUnitOfWork]:
    u = SqlUnitOfWork(make_engine(demo.env["THIDUA_DATABASE__URL"]))
    yield u
    u.engine.dispose()


class TestReproduceDemo:
    def test_every_stored_decision_of_the_demo_reproduces_identically(
        self, uow: SqlUnitOfWork
    ) -> None:
        """Each evaluation the demo stored, re-evaluated with its stored version: same hash."""
        with uow() as tx:
            stored = tx.session.scalar(select(func.count()).select_from(EvaluationRow)) or 0
            summary = decisions.reproduce_all(
                tx, AUDITOR, decisions.DecisionFilter(), RulesEngine()
            )
        assert stored > 60  # submissions, resubmissions and office-review evaluations
        assert summary.total == stored
        assert summary.different == [], summary.different[:3]
        assert summary.identical == stored

    def test_every_decision_of_the_round_appraisal_reproduces_identically(
        self, uow: SqlUnitOfWork
    ) -> None:
        """The round's appraisal decisions (collectives recomputed from members) reproduce too."""
        with uow() as tx:
            summary = decisions.reproduce_appraisals(
                tx, AUDITOR, decisions.DecisionFilter(movement="NTM-2024"), RulesEngine()
            )
        assert summary.total > 50  # every appraised candidate with a complete dossier
        assert summary.different == [], summary.different[:3]
        assert summary.identical == summary.total

    def test_reproduce_over_http_reports_both_hashes(self, demo: Service) -> None:
        """GET /v1/decisions/{id}/reproduce: identical, stored hash = reproduced hash."""
        page = demo.call("kiemtoan", "GET", "/v1/decisions?kind=collective&limit=5").json()
        assert page["items"]
        one = page["items"][0]["id"]
        r = demo.call("kiemtoan", "GET", f"/v1/decisions/{one}/reproduce")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["identical"] is True and body["sha256_matches"] is True
        assert body["stored_hash"] == body["reproduced_hash"]
        detail = demo.call("kiemtoan", "GET", f"/v1/decisions/{one}").json()
        assert detail["decision_hash"] == body["stored_hash"]


class TestExplorerOverHttp:
    def test_search_by_rule_and_title_and_unit_scope(self, demo: Service) -> None:
        """Search by rule and title; a unit officer sees only its unit and gets 404 for others."""
        r = demo.call("kiemtoan", "GET", "/v1/decisions?rule=ttldtt&title=TTLDTT&limit=500")
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert items and all("TTLDTT" in i["titles"] for i in items)
        assert all(i["kind"] == "collective" for i in items)
        mine = demo.call("canbo.vp", "GET", "/v1/decisions?limit=500").json()["items"]
        assert mine and {i["unit"] for i in mine} == {"VP"}
        foreign = next(i for i in items if i["unit"] != "VP")
        r = demo.call("canbo.vp", "GET", f"/v1/decisions/{foreign['id']}")
        assert r.status_code == 404
        r = demo.call("canbo.vp", "GET", f"/v1/decisions/{foreign['id']}/reproduce")
        assert r.status_code == 404

    def test_role_matrix_for_reading_and_what_if(self, demo: Service) -> None:
        """Every role: own/foreign decision (unit roles 404 abroad); what-if only for 3 roles."""
        items = demo.call("kiemtoan", "GET", "/v1/decisions?unit=LDVL&limit=1").json()["items"]
        own = items[0]["id"]  # an LDVL decision
        foreign = demo.call("kiemtoan", "GET", "/v1/decisions?unit=GDNN&limit=1").json()
        other = foreign["items"][0]["id"]
        body = {"draft_yaml": ttldtt_draft(), "movement": "NTM-2024"}
        unit_roles = ("canbo.ldvl", "truongphong.ldvl", "pipeline.ldvl")
        department = ("vanphong", "thuky.hoidong", "giamdoc", "quantri.quydinh1", "kiemtoan")
        for user in (*unit_roles, *department):
            for path in (f"/v1/decisions/{own}", f"/v1/decisions/{own}/reproduce"):
                assert demo.call(user, "GET", path).status_code == 200, (user, path)
            want = 404 if user in unit_roles else 200
            assert demo.call(user, "GET", f"/v1/decisions/{other}").status_code == want, user
            listed = demo.call(user, "GET", "/v1/decisions?limit=500").json()["items"]
            if user in unit_roles:
                assert {i["unit"] for i in listed} == {"LDVL"}, user
            allowed = user in ("giamdoc", "quantri.quydinh1", "kiemtoan")
            r = demo.call(user, "POST", "/v1/whatif", body)
            assert r.status_code == (200 if allowed else 403), (user, r.text)

    def test_show_explains_each_condition_in_vietnamese(self, demo: Service) -> None:
        """The ttldtt rule of a collective: the LDTT share with its actual and required value."""
        items = demo.call("kiemtoan", "GET", "/v1/decisions?rule=ttldtt&limit=1").json()["items"]
        detail = demo.call("kiemtoan", "GET", f"/v1/decisions/{items[0]['id']}").json()
        rule = next(r for r in detail["rules"] if r["id"] == "ttldtt")
        assert rule["outcome"] == "fired" and rule["outcome_vi"]
        cond = next(c for c in rule["conditions"] if c["field"] == "ldtt_ratio")
        assert cond["label_vi"] == "tỷ lệ thành viên đạt Lao động tiên tiến"
        assert cond["param"] == "ldtt_min_ratio" and cond["expected"] == 0.7
        assert cond["expected_vi"] == "70%" and cond["operator_vi"] == "≥"
        facts = detail["facts"]
        assert cond["actual"] == facts["members_ldtt"] / facts["members_total"]


class TestWhatIfDemo:
    def test_ttldtt_80_percent_loses_exactly_the_collectives_under_80(
        self, uow: SqlUnitOfWork
    ) -> None:
        """Draft TTLDTT threshold 80%: the losers are computed independently from stored facts."""
        draft = whatif.draft_from_text(ttldtt_draft(), "ntm-2024.v2-draft.yaml")
        with uow() as tx:
            report = whatif.run_whatif(tx, AUDITOR, draft, movement="NTM-2024")
            latest = tx.session.scalars(
                select(EvaluationRow).where(
                    EvaluationRow.id.in_(
                        select(func.max(EvaluationRow.id)).group_by(EvaluationRow.nomination_id)
                    )
                )
            ).all()
            keys = {n.id: n.key for n in tx.session.scalars(select(NominationRow))}
        expected: set[str] = set()
        for ev in latest:
            f = ev.facts
            below = f["kind"] == "collective" and f["members_ldtt"] / f["members_total"] < 0.8
            if below and "TTLDTT" in ev.titles:
                expected.add(keys[ev.nomination_id])
        assert expected, "the demo has no collective between 70% and 80%: the test proves nothing"
        lost = {r.nomination for r in report.rows if r.title == "TTLDTT" and r.change == "lose"}
        assert lost == expected
        assert report.by_title["TTLDTT"].lose == len(expected)
        assert report.gains == 0
        for r in report.rows:
            assert r.nomination in expected  # nobody else changes
            if r.title == "TTLDTT":
                assert r.rule == "ttldtt"
                (cond,) = r.conditions
                assert cond.field == "ldtt_ratio" and cond.param == "ldtt_min_ratio"
                assert cond.expected == 0.8 and cond.actual < 0.8
                assert cond.passed is False and cond.was_passed is True
                assert "80%" in r.reason_vi
            else:  # only what requires TTLDTT (the TTLDXS proposal) may follow it
                assert r.title == "TTLDXS" and r.change == "lose"

    def test_ttldtt_80_percent_over_the_round_appraisal(self, uow: SqlUnitOfWork) -> None:
        """Same draft over the round's appraisal (collectives recomputed from their members)."""
        draft = whatif.draft_from_text(ttldtt_draft(), "ntm-2024.v2-draft.yaml")
        with uow() as tx:
            report = whatif.run_whatif(tx, AUDITOR, draft, movement="NTM-2024", source="appraisal")
            rounds = tx.session.scalars(select(RoundRow)).all()
        expected: set[str] = set()
        candidates = 0
        for rnd in rounds:
            for item in (rnd.appraisal or {}).get("results", []):
                if not item.get("decision"):
                    continue
                candidates += 1
                f = item["facts_used"]
                below = f["kind"] == "collective" and f["members_ldtt"] / f["members_total"] < 0.8
                if below and "TTLDTT" in item["decision"]["titles"]:
                    expected.add(item["key"])
        assert expected
        assert report.source == "appraisal" and report.snapshots == candidates
        lost = {r.nomination for r in report.rows if r.title == "TTLDTT" and r.change == "lose"}
        assert lost == expected
        assert all(r.rule == "ttldtt" and r.round for r in report.rows if r.title == "TTLDTT")
        assert {r.nomination for r in report.rows} == expected

    def test_whatif_over_http_json_xlsx_and_refusals(self, demo: Service) -> None:
        """POST /v1/whatif (JSON) and /v1/whatif:xlsx; a unit officer 403; a bad draft 422."""
        body = {"draft_yaml": ttldtt_draft(), "movement": "NTM-2024"}
        r = demo.call("quantri.quydinh1", "POST", "/v1/whatif", body)
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["losses"] >= 1 and report["by_title"]["TTLDTT"]["lose"] >= 1
        assert report["draft"]["version"] == "2-draft"
        r = demo.call("kiemtoan", "POST", "/v1/whatif", {**body, "source": "appraisal"})
        assert r.status_code == 200, r.text
        assert r.json()["source"] == "appraisal" and r.json()["by_title"]["TTLDTT"]["lose"] >= 1
        r = demo.call("kiemtoan", "POST", "/v1/whatif:xlsx", body)
        assert r.status_code == 200, r.text
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(r.content))
        assert wb.sheetnames == ["Thay đổi", "Tổng hợp"]
        head = [c.value for c in wb["Thay đổi"][1]]
        assert head[:5] == ["Hồ sơ", "Đơn vị", "Đối tượng", "Danh hiệu / hình thức", "Thay đổi"]
        assert wb["Thay đổi"].max_row == 1 + len(report["rows"])
        r = demo.call("canbo.vp", "POST", "/v1/whatif", body)
        assert r.status_code == 403
        bad = ttldtt_draft().replace("op: gte, param: ldtt_min_ratio", "op: gte, param: nope", 1)
        r = demo.call("quantri.quydinh1", "POST", "/v1/whatif", {"draft_yaml": bad})
        assert r.status_code == 422
        problem: dict[str, Any] = r.json()
        assert re.search(r"draft_yaml:\d+:\d+", problem["detail"]), problem
        assert "nope" in json.dumps(problem, ensure_ascii=False)


def test_ttldtt_draft_changes_only_the_parameter() -> None:
    """The draft used above differs from the shipped file in the threshold and version only."""
    old = SHIPPED.read_text(encoding="utf-8").splitlines()
    new = ttldtt_draft().splitlines()
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert changed == [('version: "1"', 'version: "2-draft"'), ("    value: 0.7", "    value: 0.8")]
    assert Path(SHIPPED).is_file()


# ---- the highest amount only (issue 15's acceptance), through the HTTP API ----------------------


class _Rows(HTMLParser):
    """The rows of every table of an HTML document, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def annex_sections(html: str) -> dict[str, list[list[str]]]:
    """The decision's annex: each award's heading ("I. DANH HIỆU “…” (…)") with its rows
    [STT, name, position, unit, coefficient, amount, note]."""
    parser = _Rows()
    parser.feed(html)
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in parser.rows:
        if len(row) == 1 and re.match(r"^[IVX]+\. ", row[0]):
            current = sections.setdefault(row[0], [])
        elif current is not None and len(row) >= 6 and row[0].isdigit():
            current.append(row)
    return sections


def section(sections: dict[str, list[list[str]]], title_vi: str) -> list[list[str]]:
    (found,) = [rows for heading, rows in sections.items() if f"“{title_vi.upper()}”" in heading]
    return found


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def ceil_10k(value: float) -> int:
    return math.ceil(round(value) / 10_000) * 10_000


class TestTheHighestAmountOnly:
    """LĐTT with CSTĐCS, TTLĐTT with a TTLĐXS proposal: one achievement, the higher amount only."""

    def test_the_round_and_the_decisions_annex_pay_the_higher_award_only(
        self, demo: Service
    ) -> None:
        """GET /v1/rounds/{key}: CSTĐCS paid, its holder's LĐTT 0 with the reason; TTLĐTT 0 for a
        collective proposed for TTLĐXS (which the province pays); the annex says the same."""
        (key,) = [
            r["key"]
            for r in demo.call("vanphong", "GET", "/v1/rounds").json()
            if r["stage"] == "decided"
        ]
        r = demo.call("vanphong", "GET", f"/v1/rounds/{key}")
        assert r.status_code == 200, r.text
        items: dict[str, dict[str, dict[str, Any]]] = {}
        for item in r.json()["items"]:
            items.setdefault(item["nomination"], {})[item["code"]] = item
        r = demo.call("vanphong", "GET", f"/v1/rounds/{key}/documents/decision?format=html")
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
        decision = r.text
        base_text = re.search(r"mức lương cơ sở ([\d.]+) đồng", decision)
        assert base_text is not None, "the decision states the base salary it pays on"
        base = int(base_text.group(1).replace(".", ""))
        cstdcs_amount, ldtt_amount = ceil_10k(1.0 * base), ceil_10k(0.3 * base)
        sections = annex_sections(decision)

        def approved(n: dict[str, dict[str, Any]], code: str) -> bool:
            return code in n and n[code]["director_status"] == "approved"

        # Individuals approved for both LĐTT and CSTĐCS: the CSTĐCS amount only.
        both = [n for n in items.values() if approved(n, "LDTT") and approved(n, "CSTDCS")]
        assert both, "the demo round has individuals approved for LĐTT and CSTĐCS"
        for n in both:
            ldtt, cstdcs = n["LDTT"], n["CSTDCS"]
            assert (cstdcs["amount_vnd"], ldtt["amount_vnd"]) == (cstdcs_amount, 0), n
            assert "nhận mức cao nhất: CSTĐCS" in ldtt["amount_note"]
            rows = [
                r for r in section(sections, "Lao động tiên tiến") if r[1] == ldtt["nominee_name"]
            ]
            assert len(rows) == 1 and rows[0][5] == "0", rows
            assert "nhận mức cao nhất: Chiến sĩ thi đua cơ sở" in rows[0][6]
            rows = [
                r
                for r in section(sections, "Chiến sĩ thi đua cơ sở")
                if r[1] == ldtt["nominee_name"]
            ]
            assert [r[5] for r in rows] == [vnd(cstdcs_amount)], rows
        # An LĐTT alone is paid its own amount.
        alone = [n["LDTT"] for n in items.values() if approved(n, "LDTT") and "CSTDCS" not in n]
        assert alone and all(i["amount_vnd"] == ldtt_amount for i in alone)

        # Collectives approved for TTLĐTT and proposed for TTLĐXS: the TTLĐXS amount only, which
        # the province decides and pays; the Department pays 0 for TTLĐTT and says why.
        proposed = [n for n in items.values() if approved(n, "TTLDTT") and approved(n, "TTLDXS")]
        assert proposed, "the demo round has collectives with TTLĐTT and a TTLĐXS proposal"
        for n in proposed:
            ttldtt, ttldxs = n["TTLDTT"], n["TTLDXS"]
            assert ttldxs["level"] == "province" and ttldxs["amount_vnd"] is None, n
            assert ttldtt["amount_vnd"] == 0, n
            assert "nhận mức cao nhất: TTLĐXS" in ttldtt["amount_note"]
            rows = [
                r
                for r in section(sections, "Tập thể lao động tiên tiến")
                if r[1] == ttldtt["nominee_name"]
            ]
            assert len(rows) == 1 and rows[0][5] == "0", rows
            assert "nhận mức cao nhất: Tập thể lao động xuất sắc" in rows[0][6]
        # The Director does not decide TTLĐXS: it is not in his decision.
        assert not any("XUẤT SẮC" in heading for heading in sections)
        # Another collective's TTLĐTT is paid 0.8 × base.
        plain = [n["TTLDTT"] for n in items.values() if approved(n, "TTLDTT") and "TTLDXS" not in n]
        assert plain and all(i["amount_vnd"] == ceil_10k(0.8 * base) for i in plain)

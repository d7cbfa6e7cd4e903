"""Collective facts from the whole roster and the ratings register, the transfer rule, and
nomination facts prefilled from the register (real store on SQLite and PostgreSQL, real rules
engine)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import update
from temporalio.client import Client

from rules.engine import RulesEngine
from rules.registry import DEFAULT_DIRECTORY, RulesRegistry
from tests.support.api import Api, serve_app
from tests.support.db import SeededDb
from tests.support.roster import (
    YEAR,
    add_unit,
    close_round,
    flag,
    nominate,
    rate,
    transfer,
)
from tests.support.settings import fast_settings
from thidua.adapters.db.models import MovementRow, StaffRow
from thidua.adapters.tabular import read_file
from thidua.app import bulk
from thidua.app.accounts import console as console_auth
from thidua.app.lifecycle import Lifecycle, NominationSubmission
from thidua.app.roster import prefill_submission
from thidua.domain.nominations import (
    NominationStatus,
    NominationWorkflowInput,
    Stage,
    StageDeadlines,
)
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor, Role
from thidua.entrypoints.api.app import create_app

PASSWORD = "mat-khau-rat-dai-1"


def individual(code: str, rating: str = "HTTNV", **extra: Any) -> dict[str, Any]:
    return {"kind": "individual", "id": code, "rating": rating, **extra}


def collective(unit: str, **extra: Any) -> dict[str, Any]:
    """An HTTNV division with no disciplined member: TTLDTT hangs on the 70% of LDTT."""
    return {"kind": "collective", "id": unit, "rating": "HTTNV", "members_total": 3, **extra}


def longest_service_engine(tmp_path: Path) -> RulesEngine:
    """The shipped ruleset with ``roster_rule: longest_service`` declared (a modified copy)."""
    text = (DEFAULT_DIRECTORY / "ntm-2024.v1.yaml").read_text(encoding="utf-8")
    param = (
        "parameters:\n"
        "  roster_rule:\n"
        "    type: string\n"
        "    value: longest_service\n"
        "    description_vi: Cán bộ chuyển đơn vị trong năm được tính ở đơn vị công tác lâu nhất.\n"
        "    description_en: A staff member transferred mid-year counts where they served longest.\n"
    )
    assert text.count("parameters:\n") == 1
    path = tmp_path / "ntm-2024.v1.yaml"
    path.write_text(text.replace("parameters:\n", param), encoding="utf-8")
    engine = RulesEngine(RulesRegistry.from_files([path]))
    assert engine.resolve(ruleset_id="ntm-2024", version="1").params["roster_rule"] == (
        "longest_service"
    )
    return engine


def ten_with(db: SeededDb, qualifying: int) -> tuple[list[str], str]:
    """Unit TT of 10 staff (4 women); the first ``qualifying`` rated HTTNV in the register, the
    others HTNV; the first 3 nominated with their register's facts; the collective nominated."""
    codes = add_unit(db, "TT", 10, women=4)
    rate(db, codes[:qualifying], "HTTNV")
    rate(db, codes[qualifying:], "HTNV")
    for code in codes[:3]:
        nominate(db, "TT", individual(code, months_worked=12))
    return codes, nominate(db, "TT", collective("TT"))


class TestCollectiveFromRoster:
    async def test_seven_of_ten_in_the_register_gets_ttldtt_with_three_nominated(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """Acceptance: 7 of 10 members qualify (3 nominated, 4 by the register) → TTLDTT."""
        _, key = ten_with(seeded, 7)
        results = await close_round(seeded, rules_engine)
        tt = results[key]
        assert tt["outcome"] == "recommended" and "TTLDTT" in tt["titles"]
        used = tt["facts_used"]
        assert (used["members_total"], used["members_ldtt"], used["members_cstdcs"]) == (10, 7, 0)
        assert (used["members_htnv_or_better"], used["female_members"]) == (10, 4)
        assert tt["member_basis"]["register_ldtt"] == 4
        message = flag(tt, "collective_facts_computed")
        assert message is not None
        assert "tính từ danh sách 10 thành viên và sổ xếp loại năm 2024" in message
        assert "tổng số thành viên: 3 → 10" in message
        assert "số thành viên đạt Lao động tiên tiến: (không khai) → 7" in message

    async def test_six_of_ten_does_not(self, seeded: SeededDb, rules_engine: RulesEngine) -> None:
        """Acceptance: 6 of 10 (60% < 70%) → not eligible for TTLDTT."""
        _, key = ten_with(seeded, 6)
        results = await close_round(seeded, rules_engine)
        tt = results[key]
        assert tt["facts_used"]["members_ldtt"] == 6
        assert "TTLDTT" not in tt["titles"]
        assert "Lao động tiên tiến" in (tt["reason_vi"] or "")

    async def test_members_missing_from_the_register_count_as_not_holding_ldtt(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """7 rated of 10, 3 with no register row: 7/10; the flag names those missing."""
        codes = add_unit(seeded, "TT", 10)
        rate(seeded, codes[:7], "HTTNV")
        key = nominate(seeded, "TT", collective("TT"))
        tt = (await close_round(seeded, rules_engine))[key]
        assert tt["facts_used"]["members_ldtt"] == 7
        assert tt["facts_used"]["members_htnv_or_better"] == 7
        message = flag(tt, "collective_facts_computed") or ""
        assert "3 thành viên chưa có trong sổ xếp loại" in message
        assert "TT08, TT09, TT10" in message

    async def test_a_disciplined_member_in_the_register_counts_against_the_collective(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """A member not nominated, disciplined with a warning in the register: no TTLDTT."""
        codes = add_unit(seeded, "TT", 10)
        rate(seeded, codes[:9], "HTTNV")
        rate(seeded, codes[9:], "HTTNV", discipline="canh_cao")
        key = nominate(seeded, "TT", collective("TT"))
        tt = (await close_round(seeded, rules_engine))[key]
        assert tt["facts_used"]["members_disciplined"] == 1
        assert tt["facts_used"]["members_ldtt"] == 9
        assert "TTLDTT" not in tt["titles"]

    async def test_a_unit_without_register_rows_is_counted_from_its_nominees(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """No register rows for the unit: today's rule (nominees only, members_total by unit)."""
        add_unit(seeded, "TT", 10)
        key = nominate(seeded, "TT", collective("TT"))
        tt = (await close_round(seeded, rules_engine))[key]
        assert tt["member_basis"] is None
        assert (tt["facts_used"]["members_total"], tt["facts_used"]["members_ldtt"]) == (10, 0)
        message = flag(tt, "collective_facts_computed") or ""
        assert message.startswith("Số liệu tập thể được tính lại từ kết quả xét thành viên")


class TestTransferRule:
    def _two_units(self, db: SeededDb, on: date) -> str:
        """Units AA and BB of 4 rated staff each; AA01 moves from AA to BB on ``on``."""
        rate(db, add_unit(db, "AA", 4), "HTTNV")
        rate(db, add_unit(db, "BB", 4), "HTTNV")
        transfer(db, "AA01", "BB", on)
        nominate(db, "AA", collective("AA"))
        return nominate(db, "BB", collective("BB"))

    @staticmethod
    def _totals(results: dict[str, dict[str, Any]]) -> tuple[int, int]:
        by_unit = {r["unit"]: r["facts_used"]["members_total"] for r in results.values()}
        return by_unit["AA"], by_unit["BB"]

    async def test_transferred_on_1_july_counts_in_the_new_unit_on_the_review_date(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """review_date (the default, the shipped ruleset declares nothing): the new unit."""
        self._two_units(seeded, date(2024, 7, 1))
        assert self._totals(await close_round(seeded, rules_engine)) == (3, 5)

    async def test_longest_service_counts_where_they_served_most_days(
        self, seeded: SeededDb, tmp_path: Path
    ) -> None:
        """Moved on 1 October: the old unit under longest_service (274 days against 92), the
        new one under review_date."""
        self._two_units(seeded, date(2024, 10, 1))
        assert self._totals(await close_round(seeded, longest_service_engine(tmp_path))) == (4, 4)

    async def test_moved_on_1_october_counts_in_the_new_unit_on_the_review_date(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """The same move under review_date: the unit whose roster holds them at the closing."""
        self._two_units(seeded, date(2024, 10, 1))
        assert self._totals(await close_round(seeded, rules_engine)) == (3, 5)

    async def test_longest_service_after_1_july_is_the_new_unit(
        self, seeded: SeededDb, tmp_path: Path
    ) -> None:
        """longest_service with a transfer on 1 July: 184 days in BB against 182 → BB."""
        self._two_units(seeded, date(2024, 7, 1))
        assert self._totals(await close_round(seeded, longest_service_engine(tmp_path))) == (3, 5)

    async def test_the_final_review_phase_sets_the_review_date(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """A final_review phase starting before the transfer: the old unit's roster counts."""
        self._two_units(seeded, date(2024, 10, 1))
        with seeded.uow.session() as session:
            session.execute(
                update(MovementRow)
                .where(MovementRow.code == "NTM-2024")
                .values(phases=[{"phase": "final_review", "starts": "2024-09-15", "ends": None}])
            )
        assert self._totals(await close_round(seeded, rules_engine)) == (4, 4)

    async def test_staff_who_left_before_the_review_date_are_not_counted(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """A staff member who left in November is on no roster at the closing."""
        self._two_units(seeded, date(2024, 7, 1))
        with seeded.uow.session() as session:
            session.execute(
                update(StaffRow).where(StaffRow.code == "BB02").values(left=date(2024, 11, 30))
            )
        assert self._totals(await close_round(seeded, rules_engine)) == (3, 4)


class TestPrefillAndDisagreements:
    def test_absent_register_fields_are_filled_and_sent_ones_kept(self, seeded: SeededDb) -> None:
        """Only id, year, kind sent: rating and record come from the register; a sent field stays."""
        codes = add_unit(seeded, "TT", 2)
        rate(seeded, codes, "HTXSNV", months_worked=8, maternity_months=4)
        body = NominationSubmission.model_validate(
            {
                "movement": "NTM-2024",
                "unit": "TT",
                "facts": {"kind": "individual", "id": "TT01", "year": YEAR},
            }
        )
        sent = body.facts.model_dump(mode="json", exclude_unset=True)
        with seeded.uow() as tx:
            facts = prefill_submission(tx, "NTM-2024", "TT", sent)
            kept = prefill_submission(
                tx, "NTM-2024", "TT", {**sent, "id": "TT02", "months_worked": 12}
            )
        assert (facts["rating"], facts["months_worked"], facts["maternity_months"]) == (
            "HTXSNV",
            8,
            4,
        )
        assert facts["discipline"] == "none" and facts["research_accepted"] == 0
        assert (kept["rating"], kept["months_worked"]) == ("HTXSNV", 12)

    def test_a_collective_without_members_total_takes_its_roster_size(
        self, seeded: SeededDb
    ) -> None:
        """members_total absent: the unit's roster size on the review date."""
        add_unit(seeded, "TT", 6)
        with seeded.uow() as tx:
            facts = prefill_submission(
                tx,
                "NTM-2024",
                "TT",
                {"kind": "collective", "id": "TT", "year": YEAR, "rating": "HTTNV"},
            )
        assert facts["members_total"] == 6

    def test_no_rating_and_no_register_row_is_refused_naming_the_field(
        self, seeded: SeededDb
    ) -> None:
        """Nothing to fill from: a Vietnamese refusal naming facts.rating, not a traceback."""
        add_unit(seeded, "TT", 1)
        with seeded.uow() as tx, pytest.raises(Refusal) as info:
            prefill_submission(
                tx, "NTM-2024", "TT", {"kind": "individual", "id": "TT01", "year": YEAR}
            )
        assert info.value.code is RefusalCode.INVALID and info.value.field == "facts.rating"
        assert "sổ xếp loại năm 2024 chưa có dòng của «TT01»" in info.value.message

    async def test_facts_that_disagree_with_the_register_are_flagged_with_both_values(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """Submitted HTXSNV and 12 months, the register HTTNV and 10: flagged with both values."""
        codes = add_unit(seeded, "TT", 2)
        rate(seeded, codes[:1], "HTTNV", months_worked=10)
        rate(seeded, codes[1:], "HTTNV")
        differs = nominate(seeded, "TT", individual("TT01", "HTXSNV", months_worked=12))
        agrees = nominate(seeded, "TT", individual("TT02", "HTTNV", months_worked=12))
        results = await close_round(seeded, rules_engine)
        message = flag(results[differs], "facts_differ_from_register")
        assert message == (
            "Thông tin hồ sơ khác sổ xếp loại năm 2024: xếp loại: hồ sơ HTXSNV, sổ xếp loại "
            "HTTNV; số tháng làm việc: hồ sơ 12, sổ xếp loại 10"
        )
        assert flag(results[agrees], "facts_differ_from_register") is None


class TestTheOfficeSeesTheFlags:
    async def test_round_screen_and_api_show_a_disagreement_with_both_values(
        self, seeded: SeededDb, rules_engine: RulesEngine
    ) -> None:
        """GET /v1/rounds/{key} and the console's round screen carry the nomination's flag."""
        codes = add_unit(seeded, "TT", 1)
        rate(seeded, codes, "HTTNV")
        key = nominate(seeded, "TT", individual("TT01", "HTXSNV", months_worked=12))
        await close_round(seeded, rules_engine)
        with seeded.uow() as tx:
            console_auth.set_password(tx, "vanphong", PASSWORD)
        # the reads need no Temporal client
        app = create_app(
            fast_settings(seeded.url, "roster-flags"), seeded.uow, cast(Client, object())
        )
        async with serve_app(app) as http:
            api = await Api(http, seeded).call("vanphong", "GET", "/v1/rounds/NTM-2024_2024_dot1")
            assert api.status_code == 200, api.text
            (result,) = [r for r in api.json()["results"] if r["key"] == key]
            assert "xếp loại: hồ sơ HTXSNV, sổ xếp loại HTTNV" in (
                flag(result, "facts_differ_from_register") or ""
            )
            form = await http.get("/console/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            await http.post(
                "/console/login",
                data={"username": "vanphong", "password": PASSWORD, "csrf_token": token.group(1)},
            )
            page = await http.get("/console/rounds/NTM-2024_2024_dot1")
        assert page.status_code == 200
        assert 'data-flag="facts_differ_from_register"' in page.text
        assert "xếp loại: hồ sơ HTXSNV, sổ xếp loại HTTNV" in page.text


class RecordingWorkflows:
    """Nomination workflows that only note what they were started with."""

    def __init__(self) -> None:
        self.started: list[NominationWorkflowInput] = []

    def workflow_id(self, nomination_key: str) -> str:
        return f"nomination-{nomination_key}"

    async def exists(self, workflow_id: str) -> bool:
        return False

    async def start(self, input: NominationWorkflowInput) -> NominationStatus:
        self.started.append(input)
        return NominationStatus(
            nomination_id=input.nomination_id,
            stage=Stage.SUBMITTED,
            stage_entered_at=datetime.now(UTC),
            deadline=None,
            evaluation=None,
            steps=[],
        )


DEADLINES = StageDeadlines(
    unit_review=timedelta(days=10),
    office_review=timedelta(days=10),
    director_review=timedelta(days=10),
    returned=timedelta(days=10),
    reminder_every=timedelta(days=3),
)


class TestSubmissionPaths:
    async def test_a_submission_with_only_id_and_year_is_started_with_the_register_facts(
        self, seeded: SeededDb
    ) -> None:
        """Lifecycle.submit (API, CLI): the stored and started facts carry the register's row."""
        rate(seeded, add_unit(seeded, "TT", 1), "HTXSNV", months_worked=11)
        workflows = RecordingWorkflows()
        lifecycle = Lifecycle(seeded.uow, workflows, DEADLINES)  # type: ignore[arg-type]
        body = NominationSubmission.model_validate(
            {
                "movement": "NTM-2024",
                "unit": "TT",
                "facts": {"kind": "individual", "id": "TT01", "year": YEAR, "discipline": "none"},
            }
        )
        detail = await lifecycle.submit(
            Actor(username="canbo.tt", role=Role.PIPELINE, units=("TT",)), body
        )
        (started,) = workflows.started
        assert (started.facts["rating"], started.facts["months_worked"]) == ("HTXSNV", 11)
        assert detail.facts["rating"] == "HTXSNV" and detail.facts["maternity_months"] == 0

    async def test_a_file_row_without_rating_is_filled_or_refused_on_its_column(
        self, seeded: SeededDb, tmp_path: Path
    ) -> None:
        """Bulk dry run: TT01 (in the register) passes; TT02 (not in it) is an error on rating."""
        codes = add_unit(seeded, "TT", 2)
        rate(seeded, codes[:1], "HTTNV")
        path = tmp_path / "a.csv"
        path.write_text(
            "movement,unit,kind,id,year\nNTM-2024,TT,individual,TT01,2024\n"
            "NTM-2024,TT,individual,TT02,2024\n",
            encoding="utf-8",
        )
        parsed = bulk.validate_file(read_file(path))
        assert parsed.errors == [] and len(parsed.items) == 2
        lifecycle = Lifecycle(seeded.uow, RecordingWorkflows(), DEADLINES)  # type: ignore[arg-type]
        officer = Actor(username="canbo.tt", role=Role.UNIT_OFFICER, units=("TT",))
        report = await bulk.import_items(lifecycle, officer, parsed, dry_run=True)
        assert report.accepted == 1
        assert [(e.row, e.column) for e in report.errors] == [(3, "rating")]
        assert "sổ xếp loại năm 2024 chưa có dòng của «TT02»" in report.errors[0].message

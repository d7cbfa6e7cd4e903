"""The web console in a real browser (Debian chromium via Playwright) against a real `thidua up`.

Each role walks its main path: a unit head approves and returns a nomination, the Office closes
the round, the council secretary enters tallies, the Director approves and downloads the decision,
an auditor reproduces a decision and checks the audit chain, a rules admin edits a threshold, sees
the what-if, and publishes after a second admin approves. Every page visited is also checked at
phone width (390 px): nothing may overflow horizontally.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from rules.registry import RulesRegistry
from tests.support.browser import CHROMIUM, DESKTOP, LAUNCH_ARGS, PHONE, Console
from tests.support.nominations import staff_of
from tests.support.up import Service
from thidua.app.sample_data import STAFF

pytestmark = pytest.mark.slow

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the Python playwright package is not installed (make venv)"
)
# Titles read as the shipped ruleset names them (the demo's rounds use it).
TITLE_NAME = {
    c: t.name_vi for c, t in RulesRegistry.from_directory().get("ntm-2024", "1").titles.items()
}


def dossier(code: str) -> dict[str, Any]:
    return {"achievement_report": f"BCTT-{code}.pdf", "review_minutes": f"BB-{code}.pdf"}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "Debian chromium is not installed and could not be installed "
            "(make test runs 'apt-get install -y chromium'): browser tests skipped"
        )
    svc = Service(tmp_path_factory.mktemp("console"))
    svc.start()
    c = Console(svc)
    # What the units send (through the API, as their pipelines would).
    people = {
        "strong": (staff_of("LDVL", 2), {"rating": "HTXSNV", "months_worked": 12}),
        "ten_months": (staff_of("LDVL", 3), {"rating": "HTTNV", "months_worked": 10}),
        "returned": (staff_of("LDVL", 4), {"rating": "HTTNV", "months_worked": 12}),
    }
    for name, (code, facts) in people.items():
        body = {
            "movement": "NTM-2024",
            "unit": "LDVL",
            "facts": {"kind": "individual", "id": code, "year": 2024, **facts},
            "dossier": dossier(code),
        }
        c.state[name] = c.api("canbo.ldvl", "POST", "/v1/nominations", body)["id"]
    c.state["foreign"] = c.api(
        "canbo.ncc",
        "POST",
        "/v1/nominations",
        {
            "movement": "NTM-2024",
            "unit": "NCC",
            "facts": {
                "kind": "individual",
                "id": staff_of("NCC", 2),
                "year": 2024,
                "rating": "HTTNV",
            },
            "dossier": dossier(staff_of("NCC", 2)),
        },
    )["id"]
    yield c
    if c.timings:
        print("\nConsole server time per page (ms, Server-Timing):")
        for path, values in sorted(c.timings.items()):
            print(
                f"  {path:<60} n={len(values):<3} median={statistics.median(values):6.1f} max={max(values):6.1f}"
            )
    svc.close()


@pytest.fixture(scope="module")
def browser(console: Console) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


class Session:
    """One signed-in browser context; records confirmations and the server time of each page."""

    def __init__(self, console: Console, browser: Any, user: str) -> None:
        self.console = console
        self.context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="vi-VN")
        self.page = self.context.new_page()
        self.confirms: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("response", self._response)
        self.page.goto(f"{console.base}/console/")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", console.passwords[user])
        self.page.click("button[type=submit]")
        self.page.wait_for_url(re.compile(r".*/console/inbox"))

    def _dialog(self, dialog: Any) -> None:
        self.confirms.append(dialog.message)
        dialog.accept()

    def _response(self, response: Any) -> None:
        timing = response.headers.get("server-timing", "")
        match = re.search(r"dur=([\d.]+)", timing)
        if match and "/static/" not in response.url:
            path = re.sub(r"\?.*", "", response.url.split("/console", 1)[-1])
            path = re.sub(r"NTM-2024_2024_\w+", "{key}", path)
            path = re.sub(r"/\d+(/|$)", r"/{id}\1", path)
            self.console.timings.setdefault(path, []).append(float(match.group(1)))

    def goto(self, path: str) -> Any:
        response = self.page.goto(f"{self.console.base}{path}")
        assert response is not None
        return response

    def fits_phone(self, *paths: str) -> None:
        """At 390 px wide the page has no horizontal scrolling (tables scroll inside)."""
        self.page.set_viewport_size(PHONE)
        try:
            for path in paths:
                self.goto(path)
                width = self.page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], f"{path}: {width}px wide at 390px"
        finally:
            self.page.set_viewport_size(DESKTOP)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(console: Console, browser: Any) -> Iterator[Any]:
    opened: list[Session] = []

    def _open(user: str) -> Session:
        s = Session(console, browser, user)
        opened.append(s)
        return s

    yield _open
    for s in opened:
        s.close()


class TestConsole:
    def test_sign_in_refuses_a_wrong_password_and_keeps_the_username(
        self, console: Console, browser: Any
    ) -> None:
        """A wrong password shows a Vietnamese error; the typed username stays in the form."""
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{console.base}/console/inbox")
        assert "/console/login" in page.url
        page.fill("input[name=username]", "giamdoc")
        page.fill("input[name=password]", "sai-mat-khau-roi")
        page.click("button[type=submit]")
        assert "không đúng" in page.inner_text(".error")
        assert page.input_value("input[name=username]") == "giamdoc"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.close()

    def test_unit_head_approves_and_returns_with_a_reason(
        self, console: Console, session: Any
    ) -> None:
        """Inbox with deadlines; the rules explanation; approve after a confirmation; a return
        without a reason is refused and what was typed survives; foreign units are 404."""
        s = session("truongphong.ldvl")
        inbox = s.page.inner_text("main")
        assert "3 hồ sơ chờ xử lý" in inbox
        for key in ("strong", "ten_months", "returned"):
            assert console.state[key] in s.page.content()

        s.goto(f"/console/nominations/{console.state['strong']}")
        text = s.page.inner_text("main")
        assert "Giải thích theo bộ tiêu chí" in text and "Đủ điều kiện" in text
        # Long fact labels must not squeeze the values into a one-letter column.
        narrowest = s.page.evaluate(
            "Math.min(...[...document.querySelectorAll('dl.kv dd')]"
            ".map(e => e.getBoundingClientRect().width))"
        )
        assert narrowest >= 120, f"a value column is only {narrowest}px wide at 1366px"
        assert "Chiến sĩ thi đua cơ sở" in text and "Yêu cầu" in text and "Thực tế" in text
        s.page.click("button[value=approve]")
        s.page.wait_for_url(re.compile(r".*ok=approve"))
        assert "Đã đồng ý hồ sơ" in s.page.inner_text(".flash")
        assert any("Đồng ý hồ sơ" in m for m in s.confirms)
        assert "Văn phòng Sở thẩm định" in s.page.inner_text("main")

        s.goto(f"/console/nominations/{console.state['returned']}")
        s.page.click("button[value=return]")  # no reason typed
        assert "lý do" in s.page.inner_text(".error")
        s.page.fill("textarea[name=reason]", "Bổ sung minh chứng sáng kiến")
        s.page.click("button[value=return]")
        s.page.wait_for_url(re.compile(r".*ok=return"))
        assert "«Bổ sung minh chứng sáng kiến»" in s.page.inner_text("main")
        assert "Trả lại để bổ sung" in s.page.inner_text("main")

        s.goto(f"/console/nominations/{console.state['ten_months']}")
        s.page.click("button[value=approve]")
        s.page.wait_for_url(re.compile(r".*ok=approve"))

        assert s.goto(f"/console/nominations/{console.state['foreign']}").status == 404
        assert s.goto("/console/rounds").status == 403
        s.fits_phone(
            "/console/inbox",
            f"/console/nominations/{console.state['strong']}",
            "/console/nominations",
            "/console/dashboard",
        )

    def test_unit_officer_resubmits_the_returned_nomination(
        self, console: Console, session: Any
    ) -> None:
        """The returned nomination waits for its officer; broken JSON is refused at its line with
        the text kept; the corrected dossier goes back to unit review."""
        s = session("canbo.ldvl")
        assert console.state["returned"] in s.page.content()
        s.goto(f"/console/nominations/{console.state['returned']}")
        facts = s.page.input_value("textarea[name=facts]")
        broken = facts.replace('"rating"', "rating", 1)
        s.page.fill("textarea[name=facts]", broken)
        s.page.fill("textarea[name=evidence]", "QD-SK-2024-15.pdf")
        s.page.click("button:has-text('Nộp lại')")
        assert "JSON không hợp lệ ở dòng" in s.page.inner_text(".error")
        assert s.page.input_value("textarea[name=facts]") == broken
        assert s.page.input_value("textarea[name=evidence]") == "QD-SK-2024-15.pdf"
        s.page.fill("textarea[name=facts]", facts)
        s.page.fill("textarea[name=reason]", "Đã bổ sung quyết định công nhận sáng kiến")
        s.page.click("button:has-text('Nộp lại')")
        s.page.wait_for_url(re.compile(r".*ok=resubmit"))
        text = s.page.inner_text("main")
        assert "Đơn vị xét" in text and "QD-SK-2024-15.pdf" in text
        assert "«Đã bổ sung quyết định công nhận sáng kiến»" in text

    def test_office_opens_and_closes_the_round(self, console: Console, session: Any) -> None:
        """An unknown movement is refused with what was typed kept; the open round waits in the
        Office's inbox; closing it (confirmed) appraises the list."""
        s = session("vanphong")
        assert "chưa có đợt xét nào đang mở" in s.page.inner_text("main")  # the inbox says so
        s.goto("/console/rounds")
        s.page.click("text=Mở đợt xét mới")
        closes = (datetime.now(UTC) + timedelta(days=1)).astimezone(timezone(timedelta(hours=7)))
        s.page.fill("input[name=movement]", "NTM-2099")
        s.page.fill("input[name=year]", "2024")
        s.page.fill("input[name=closes_at]", closes.strftime("%Y-%m-%dT%H:%M"))
        s.page.fill("input[name=publication_days]", "0")  # the council votes right after closing
        s.page.click("button:has-text('Mở đợt xét')")
        assert "không có phong trào thi đua «NTM-2099»" in s.page.inner_text(".error")
        assert s.page.input_value("input[name=closes_at]") == closes.strftime("%Y-%m-%dT%H:%M")
        s.page.fill("input[name=movement]", "NTM-2024")
        s.page.click("button:has-text('Mở đợt xét')")
        s.page.wait_for_url(re.compile(r".*/rounds/NTM-2024_2024_dot\d+\?ok=opened"))
        console.state["round"] = s.page.url.split("/rounds/", 1)[1].split("?")[0]
        s.goto("/console/inbox")
        assert console.state["round"] in s.page.inner_text("main")
        s.goto(f"/console/rounds/{console.state['round']}")
        s.page.click("text=Đóng đợt xét và thẩm định")
        s.page.wait_for_url(re.compile(r".*ok=closed"))
        text = s.page.inner_text("main")
        assert "Chờ Hội đồng bỏ phiếu" in text
        assert "Số nội dung đề nghị theo đơn vị và danh hiệu" in text and "LDVL" in text
        header = s.page.locator("table.matrix th", has_text="LDTT")
        assert header.get_attribute("title") == TITLE_NAME["LDTT"]
        assert any("Đóng đợt xét" in m for m in s.confirms)
        s.fits_phone(f"/console/rounds/{console.state['round']}")

    def test_council_secretary_enters_tallies(self, console: Console, session: Any) -> None:
        """A missing vote is named and the typed members and votes survive; then it is recorded."""
        s = session("thuky.hoidong")
        s.goto(f"/console/rounds/{console.state['round']}")
        assert s.page.locator("text=Đóng đợt xét và thẩm định").count() == 0  # not offered
        token = s.page.input_value("input[name=csrf_token] >> nth=0")
        forged = s.page.request.post(
            f"{console.base}/console/rounds/{console.state['round']}/decision",
            form={"csrf_token": token, "action": "approve", "item_count": "0"},
        )
        assert forged.status == 403 and "Giám đốc" in forged.text()  # the workflow refuses
        members = "\n".join(
            [f"Thành viên {i}" for i in range(1, 10)] + ["Thành viên 10 (vắng, gửi phiếu)"]
        )
        s.page.fill("textarea[name=members]", members)
        s.page.fill("#fill-favour", "10")
        s.page.click("#fill-button")
        s.page.fill("input[name=b0_in_favour]", "")
        s.page.click("text=Ghi kết quả và chuyển Giám đốc")
        assert "chưa nhập số phiếu" in s.page.inner_text("#form-error")
        assert s.page.input_value("textarea[name=members]") == members
        assert s.page.input_value("input[name=b1_in_favour]") == "10"
        s.page.fill("input[name=b0_in_favour]", "9")
        s.page.fill("input[name=b0_against]", "1")
        s.page.click("text=Ghi kết quả và chuyển Giám đốc")
        s.page.wait_for_url(re.compile(r".*ok=council"))
        assert "Chờ Giám đốc quyết định" in s.page.inner_text("main")

    def test_director_approves_and_downloads_the_decision(
        self, console: Console, session: Any, tmp_path: Path
    ) -> None:
        """The Director approves the list after a confirmation and downloads the decision."""
        s = session("giamdoc")
        assert console.state["round"] in s.page.inner_text("main")
        s.goto(f"/console/rounds/{console.state['round']}")
        s.page.click("button[value=approve]")
        s.page.wait_for_url(re.compile(r".*ok=decided"), timeout=60_000)
        assert "Đã quyết định" in s.page.inner_text("main")
        link = s.page.locator("a[href*='/documents/decision?format=docx']")
        with s.page.expect_download() as info:
            link.click()
        saved = tmp_path / "decision.docx"
        info.value.save_as(saved)
        assert saved.read_bytes()[:2] == b"PK"
        s.goto("/console/dashboard")
        assert "Danh hiệu được tặng theo năm" in s.page.inner_text("main")
        assert f"LDTT: {TITLE_NAME['LDTT']}" in s.page.inner_text("main")
        assert s.page.locator("svg.chart").count() == 4
        s.fits_phone(f"/console/rounds/{console.state['round']}", "/console/dashboard")

    def test_auditor_reproduces_a_decision_and_sees_the_chain_verified(
        self, console: Console, session: Any
    ) -> None:
        """Search the decisions of one nomination, open one, reproduce it: identical."""
        s = session("kiemtoan")
        s.goto(f"/console/decisions?nomination={console.state['strong']}")
        s.page.locator("table.list a").first.click()
        s.page.click("button:has-text('Xét lại')")
        assert "kết quả giống hệt" in s.page.inner_text("#reproduction")
        s.goto("/console/audit")
        assert "Chuỗi băm toàn vẹn" in s.page.inner_text("#chain-status")
        with s.page.expect_download() as info:
            s.page.click("text=Tải về")
        assert info.value.suggested_filename.endswith(".jsonl")
        s.fits_phone("/console/decisions", "/console/audit")

    def test_rules_admin_edits_a_threshold_and_publishes_after_a_second_approval(
        self, console: Console, session: Any
    ) -> None:
        """An error is shown at its line; the golden cases pass; the what-if names who loses what;
        the author may not approve; a second admin approves; the author publishes."""
        s = session("quantri.quydinh1")
        s.goto("/console/rules")
        s.page.click("text=Soạn bản mới từ v1")
        content = s.page.input_value("textarea[name=content]")
        golden = s.page.input_value("textarea[name=golden]")
        content = content.replace('version: "1"', 'version: "2"', 1)
        broken = re.sub(
            r"(  min_months:\n(?:    .*\n)*?    value: )10", r"\g<1>mười một", content, count=1
        )
        bad_line = next(n for n, line in enumerate(broken.splitlines(), 1) if "mười một" in line)
        s.page.fill("textarea[name=content]", broken)
        s.page.fill("input[name=notes]", "Nâng số tháng công tác tối thiểu lên 11")
        s.page.click("text=Kiểm tra và lưu bản nháp")
        errors = s.page.inner_text("#rules-errors")
        assert f"dòng {bad_line}" in errors
        assert s.page.locator(f"#content-L{bad_line}.bad").count() == 1
        assert s.page.input_value("input[name=notes]") == "Nâng số tháng công tác tối thiểu lên 11"

        fixed = broken.replace("mười một", "11", 1)
        golden = re.sub(r'(?m)^version: "1"$', 'version: "2"', golden, count=1)
        golden = golden.replace("months_worked: 10}", "months_worked: 11}", 1)
        golden = golden.replace(
            "months_worked: 7, maternity_months: 3", "months_worked: 8, maternity_months: 3", 1
        )
        s.page.fill("textarea[name=content]", fixed)
        s.page.fill("textarea[name=golden]", golden)
        s.page.click("text=Kiểm tra và lưu bản nháp")
        s.page.wait_for_url(re.compile(r".*/rules/ntm-2024/2\?ok=saved"))
        text = s.page.inner_text("main")
        assert "bản nháp" in s.page.inner_text("#version-status")
        assert "min_months" in text  # the diff against the published v1
        s.page.click("#golden-link")
        assert "0 không đạt" in s.page.inner_text("#golden-summary")
        s.goto("/console/rules/ntm-2024/2")
        s.page.click("#whatif-link")
        whatif = s.page.inner_text("#whatif")
        assert "Mất" in whatif and "Lao động tiên tiến" in whatif
        ten_months = next(p.full_name for p in STAFF if p.code == staff_of("LDVL", 3))
        assert ten_months in whatif  # the nominee with 10 months loses LDTT
        s.goto("/console/rules/ntm-2024/2")
        s.page.click("text=Duyệt (quản trị thứ hai)")
        assert "không được tự duyệt" in s.page.inner_text(".error")

        second = session("quantri.quydinh2")
        assert "cần anh/chị duyệt" in second.page.inner_text("main")  # in the second's inbox
        second.page.click("a[href='/console/rules/ntm-2024/2']")
        second.page.click("text=Duyệt (quản trị thứ hai)")
        second.page.wait_for_url(re.compile(r".*ok=approved"))
        assert "đã duyệt" in second.page.inner_text("#version-status")

        s.goto("/console/rules/ntm-2024/2")
        s.page.fill("input[name=effective_from]", "2025-01-01")
        s.page.click("button:has-text('Công bố')")
        s.page.wait_for_url(re.compile(r".*ok=published"))
        assert "đã công bố" in s.page.inner_text("#version-status")
        s.fits_phone("/console/rules", "/console/rules/ntm-2024/2")

    def test_posts_without_the_session_csrf_token_are_refused(self, console: Console) -> None:
        """A form posted without the session's CSRF token changes nothing (403)."""
        with httpx.Client(base_url=console.base, follow_redirects=True) as http:
            page = http.get("/console/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            r = http.post(
                "/console/login",
                data={
                    "username": "truongphong.ncc",
                    "password": console.passwords["truongphong.ncc"],
                    "csrf_token": token.group(1),
                },
            )
            assert r.status_code == 200 and "Việc của tôi" in r.text
            r = http.post(
                f"/console/nominations/{console.state['foreign']}/act",
                data={"action": "approve"},
            )
            assert r.status_code == 403
            stage = console.api(
                "truongphong.ncc", "GET", f"/v1/nominations/{console.state['foreign']}"
            )
            assert stage["stage"] == "unit_review"

"""Screenshots of the console's main screens on the demo data, and the server time of each page.

``make screenshots`` (or ``python -m tests.browser.screenshots OUT_DIR``) starts a private
`thidua up`, runs `thidua demo` against it (a whole 2024 round), adds a draft rules version, then
signs in as each role and saves the main screens (1366×768 and 390 px phone width) as PNG files.
Each page is loaded several times; the server time (``Server-Timing`` header: from the request
reaching the app to the response) is printed per page: median and maximum.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.support.browser import CHROMIUM, DESKTOP, LAUNCH_ARGS, PHONE, Console
from tests.support.up import Service
from thidua.entrypoints.demo.run import run_demo

LOADS = 5
FULL_PAGE = frozenset({"dashboard", "nomination"})  # the others: the first screen only


def _draft_version(console: Console) -> None:
    """A rules admin's draft v2 raising the GIAY_KHEN threshold (for the what-if screen)."""
    root = Path(__file__).resolve().parents[2] / "rules" / "rulesets"
    content = (root / "ntm-2024.v1.yaml").read_text(encoding="utf-8")
    golden = (root / "ntm-2024.v1.golden.yaml").read_text(encoding="utf-8")
    content = content.replace('version: "1"', 'version: "2"', 1)
    content = re.sub(
        r"(  gk_min_good_contents:\n(?:    .*\n)*?    value: )2", r"\g<1>3", content, count=1
    )
    golden = re.sub(r'(?m)^version: "1"$', 'version: "2"', golden, count=1)
    console.api(
        "quantri.quydinh1",
        "POST",
        "/v1/rules/versions",
        {"content": content, "golden": golden, "notes": "Giấy khen: cần 3 nội dung đạt tốt"},
    )


def main(out_dir: str) -> int:
    from playwright.sync_api import sync_playwright

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        svc = Service(Path(tmp))
        svc.start()
        try:
            console = Console(svc)
            summary = run_demo(
                console.base,
                svc.root / "var" / "sample-accounts.json",
                Path(tmp) / "documents",
                echo=lambda _line: None,
            )
            _draft_version(console)
            key = summary.round_key
            strong = console.api("kiemtoan", "GET", "/v1/decisions?title=CSTDCS&limit=1")
            decision = strong["items"][0]
            screens: list[tuple[str, str, str, dict[str, int]]] = [
                ("vanphong", "/console/inbox", "inbox-office", DESKTOP),
                ("vanphong", f"/console/nominations/{decision['nomination']}", "nomination", DESKTOP),
                ("vanphong", f"/console/rounds/{key}", "round", DESKTOP),
                ("giamdoc", "/console/dashboard", "dashboard", DESKTOP),
                ("kiemtoan", "/console/decisions", "decisions", DESKTOP),
                ("kiemtoan", f"/console/decisions/{decision['id']}", "decision", DESKTOP),
                ("kiemtoan", "/console/audit", "audit", DESKTOP),
                ("quantri.quydinh1", "/console/rules/ntm-2024/2", "rules-version", DESKTOP),
                ("quantri.quydinh1", "/console/rules/ntm-2024/2/whatif", "rules-whatif", DESKTOP),
                ("truongphong.ldvl", "/console/nominations", "nominations-unit-head", DESKTOP),
                ("vanphong", "/console/inbox", "phone-inbox", PHONE),
                ("vanphong", f"/console/nominations/{decision['nomination']}", "phone-nomination", PHONE),
                ("giamdoc", "/console/dashboard", "phone-dashboard", PHONE),
            ]  # fmt: skip
            timings: dict[str, list[float]] = {}
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                pages: dict[str, Any] = {}
                for user, path, name, viewport in screens:
                    page = pages.get(user)
                    if page is None:
                        page = browser.new_page(viewport=DESKTOP, locale="vi-VN")
                        page.goto(f"{console.base}/console/login")
                        page.fill("input[name=username]", user)
                        page.fill("input[name=password]", console.passwords[user])
                        page.click("button[type=submit]")
                        page.wait_for_url(re.compile(r".*/console/inbox"))
                        pages[user] = page
                    page.set_viewport_size(viewport)
                    for _ in range(LOADS):
                        response = page.goto(f"{console.base}{path}")
                        assert response is not None and response.status == 200, (path, response)
                        match = re.search(r"dur=([\d.]+)", response.headers["server-timing"])
                        assert match is not None
                        timings.setdefault(name, []).append(float(match.group(1)))
                    page.screenshot(path=str(out / f"{name}.png"), full_page=name in FULL_PAGE)
                browser.close()
        finally:
            svc.stop()
    print(f"Demo round {summary.round_key}: {summary.nominations} nominations")
    print(f"Server time per page ({LOADS} loads each, ms): median / max")
    for name, values in timings.items():
        print(f"  {name:<24} {statistics.median(values):7.1f} {max(values):7.1f}")
    print(f"Screenshots written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))

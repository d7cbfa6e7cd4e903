"""Running the demo: drive the whole round through the API, or report the one already there."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from thidua.domain.labels import APPRAISAL_OUTCOME_LABEL_VI
from thidua.entrypoints.demo.client import Api, DemoError, parallel
from thidua.entrypoints.demo.scenario import (
    MOVEMENT,
    WORKERS,
    YEAR,
    Plan,
    build_plans,
    council_members,
    head_of,
    officer_of,
)
from thidua.entrypoints.demo.summary import DemoSummary, print_summary, summarize


def _load_tokens(accounts_file: Path) -> dict[str, str]:
    try:
        accounts = json.loads(Path(accounts_file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoError(
            f"Không tìm thấy tệp tài khoản mẫu {accounts_file}; hãy chạy `thidua up` trước."
        ) from None
    except (OSError, ValueError) as exc:
        raise DemoError(f"Không đọc được tệp tài khoản mẫu {accounts_file}: {exc}") from None
    return {a["username"]: a["token"] for a in accounts if a.get("token")}


def _latest_round(api: Api) -> dict[str, Any] | None:
    rounds = [
        r
        for r in api.get("vanphong", "/v1/rounds")
        if r.get("movement") == MOVEMENT and r.get("year") == YEAR
    ]
    return rounds[-1] if rounds else None


def _all_nominations(api: Api, stage: str | None = None) -> list[dict[str, Any]]:
    """Every nomination of the movement, following next_cursor page by page."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"movement": MOVEMENT, "year": YEAR, "stage": stage, "limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = api.get("kiemtoan", "/v1/nominations", **params)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


def _download_documents(api: Api, view: dict[str, Any], out_dir: Path) -> list[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for doc in view.get("documents") or []:
        formats = set(doc.get("formats") or [])
        wanted = ["docx", "pdf"] if "pdf" in formats else ["docx", "html"]
        for fmt in wanted:
            if fmt not in formats:
                continue
            data = api.download(
                "vanphong", f"/v1/rounds/{view['key']}/documents/{doc['kind']}", fmt
            )
            name = f"{view['key']}-{doc['kind']}.{fmt}"
            (out_dir / name).write_bytes(data)
            written.append(name)
    return written


def _existing(
    api: Api, out_dir: Path, echo: Callable[[str], None], started: float
) -> DemoSummary | None:
    noms = _all_nominations(api)
    if not noms:
        return None
    latest = _latest_round(api)
    echo(
        f"Dữ liệu mẫu đã có {len(noms)} hồ sơ của phong trào {MOVEMENT} năm {YEAR} "
        "(bản demo đã chạy trước đây): không tạo thêm gì, chỉ in kết quả đợt xét gần nhất."
    )
    if latest is None:
        echo("Chưa có đợt xét tổng hợp nào của Văn phòng Sở cho phong trào này.")
        summary = DemoSummary(
            round_key="",
            round_stage="",
            existing=True,
            nominations=len(noms),
            on_hold=sum(1 for n in noms if n["stage"] == "on_hold"),
        )
    else:
        view = api.get("vanphong", f"/v1/rounds/{latest['key']}")
        held = {n["id"] for n in noms if n["stage"] == "on_hold"}
        waiting = sum(
            1 for n in noms if n["stage"] == "office_review" and view["stage"] == "decided"
        )
        summary = summarize(view, held, waiting, len(noms))
        summary.existing = True
        summary.documents = sorted(
            p.name for p in out_dir.glob(f"{latest['key']}-*") if p.is_file()
        )
    summary.elapsed_seconds = round(time.monotonic() - started, 1)
    print_summary(summary, echo)
    return summary


def run_demo(
    api_url: str,
    accounts_file: Path,
    out_dir: Path = Path("out"),
    *,
    echo: Callable[[str], None] = print,
) -> DemoSummary:
    """Drive a whole 2024 round of the sample Department through the API; see the module doc.

    Raises :class:`DemoError` (a printable Vietnamese message) when the API refuses a step or
    cannot be reached.
    """
    started = time.monotonic()
    out_dir = Path(out_dir)
    api = Api(api_url, _load_tokens(accounts_file))
    try:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            existing = _existing(api, out_dir, echo, started)
            if existing is not None:
                return existing
            return _run(api, pool, out_dir, echo, started)
    finally:
        api.close()


def _run(
    api: Api,
    pool: ThreadPoolExecutor,
    out_dir: Path,
    echo: Callable[[str], None],
    started: float,
) -> DemoSummary:
    def step(text: str) -> None:
        echo(f"[{time.monotonic() - started:5.1f}s] {text}")

    plans = build_plans()

    # 1. The Office opens the round.
    closes_at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    opened = api.post(
        "vanphong",
        "/v1/rounds",
        {
            "movement": MOVEMENT,
            "year": YEAR,
            "closes_at": closes_at.isoformat(),
            "late_policy": "next_round",
            "publication_days": 0,
        },
    )
    key = opened["key"]
    step(f"Văn phòng Sở mở đợt xét {key} (hồ sơ đến sau khi đóng: chuyển đợt sau).")

    # 2. The units submit (the second claim on a shared initiative after the first).
    def submit(plan: Plan) -> Plan:
        body = {"movement": MOVEMENT, "unit": plan.unit, "facts": plan.facts}
        body["dossier"] = plan.dossier
        created = api.post(officer_of(plan.unit), "/v1/nominations", body)
        plan.key = created["id"]
        return plan

    first = [p for p in plans if not p.submit_last and p.facts["kind"] == "individual"]
    parallel(pool, submit, first)
    parallel(pool, submit, [p for p in plans if p.submit_last])
    parallel(pool, submit, [p for p in plans if p.facts["kind"] == "collective"])
    individuals = sum(1 for p in plans if p.facts["kind"] == "individual")
    step(
        f"Các đơn vị nộp {len(plans)} hồ sơ ({individuals} cá nhân, "
        f"{len(plans) - individuals} tập thể)."
    )

    # 3. The unit heads review; one is returned, corrected and resubmitted before closing.
    stages = {n["id"]: n["stage"] for n in _all_nominations(api)}
    held_keys = {k for k, s in stages.items() if s == "on_hold"}

    def unit_review(plan: Plan) -> None:
        if stages.get(plan.key) != "unit_review":
            return
        head = head_of(plan.unit)
        if plan.return_by_head and plan.fixed_facts is not None:
            api.post(
                head,
                f"/v1/nominations/{plan.key}/review",
                {"decision": "return", "reason": "Số tháng công tác chưa đúng, đề nghị sửa lại"},
            )
            api.post(
                officer_of(plan.unit),
                f"/v1/nominations/{plan.key}/resubmit",
                {"facts": plan.fixed_facts, "reason": "Đã sửa số tháng công tác: 12 tháng"},
            )
        api.post(
            head,
            f"/v1/nominations/{plan.key}/review",
            {"decision": "approve", "reason": "Đơn vị đã họp xét, đề nghị Văn phòng Sở"},
        )

    parallel(pool, unit_review, plans)
    step(
        f"Trưởng các đơn vị duyệt hồ sơ; 1 hồ sơ bị trả lại, sửa và nộp lại; "
        f"{len(held_keys)} hồ sơ tạm dừng xét (đang bị xem xét kỷ luật)."
    )

    # 4. The Office closes the round: the appraisal across nominations.
    view = api.post("vanphong", f"/v1/rounds/{key}/close", None)
    counts = view.get("counts") or {}
    step(
        "Văn phòng Sở đóng đợt xét và thẩm định: "
        + ", ".join(
            f"{APPRAISAL_OUTCOME_LABEL_VI.get(k, k)} {v}"
            for k, v in sorted(counts.items())
            if not k.startswith("council")
        )
        + "."
    )
    for flag in view.get("flags") or []:
        step(f"  ⚑ {flag['message_vi']}")
    returned = [r for r in view["results"] if r["outcome"] == "returned"]
    for r in returned:
        step(f"  ↩ {r['name']}: {r['reason_vi']}")

    # 5. The units supplement the returned dossiers and resubmit; they arrive after closing.
    by_key = {p.key: p for p in plans}

    def supplement(result: dict[str, Any]) -> None:
        plan = by_key[result["key"]]
        api.post(
            officer_of(plan.unit),
            f"/v1/nominations/{plan.key}/resubmit",
            {
                "facts": plan.facts,
                "dossier": {**plan.dossier, "review_minutes": f"{plan.unit}-bien-ban-bo-sung.pdf"},
                "reason": "Đã bổ sung biên bản họp xét của đơn vị",
            },
        )
        api.post(
            head_of(plan.unit),
            f"/v1/nominations/{plan.key}/review",
            {"decision": "approve", "reason": "Đã bổ sung hồ sơ"},
        )

    # (beside the council's vote, on their own threads)
    late_pool = ThreadPoolExecutor(max_workers=2)
    late = [late_pool.submit(supplement, r) for r in returned]

    # 6. The council votes: every item of the consolidated list.
    items = view["items"]
    failed_keys = {p.key for p in plans if p.role == "failed_vote"}
    ballots = []
    for i, item in enumerate(items):
        if item["nomination"] in failed_keys and item["code"] == "CSTDCS":
            in_favour, against, abstain = 7, 3, 0
        elif i % 7 == 3:
            in_favour, against, abstain = 9, 1, 0
        else:
            in_favour, against, abstain = 10, 0, 0
        ballots.append(
            {
                "nomination": item["nomination"],
                "title": item["code"],
                "in_favour": in_favour,
                "against": against,
                "abstain": abstain,
            }
        )
    council = {
        "held_on": date.today().isoformat(),
        "members": council_members(),
        "ballots": ballots,
    }
    view = api.post("thuky.hoidong", f"/v1/rounds/{key}/council", council)
    not_rec = [i for i in view["items"] if i["council_status"] == "not_recommended"]
    step(
        f"Hội đồng Thi đua – Khen thưởng (10 thành viên, 1 vắng gửi phiếu) bỏ phiếu "
        f"{len(ballots)} nội dung; không đề nghị: {len(not_rec)}."
    )
    for fut in late:
        fut.result()
    late_pool.shutdown()
    step(f"{len(returned)} hồ sơ bổ sung được đơn vị nộp lại sau khi đóng đợt: chờ đợt xét sau.")

    # 7. The Director approves, rejecting one certificate of merit with a reason.
    candidates = [
        i
        for i in view["items"]
        if i["council_status"] == "passed"
        and i["code"] == "GIAY_KHEN"
        and i["kind"] == "individual"
    ]
    reject = []
    if candidates:
        victim = candidates[-1]
        reject.append(
            {
                "nomination": victim["nomination"],
                "title": "GIAY_KHEN",
                "reason": "Thành tích trong phong trào chưa tiêu biểu so với đơn vị",
            }
        )
    view = api.post(
        "giamdoc",
        f"/v1/rounds/{key}/decision",
        {"action": "approve", "reject": reject, "reason": "Đồng ý theo đề nghị của Hội đồng"},
    )
    step(f"Giám đốc phê duyệt danh sách ({len(reject)} nội dung không phê duyệt).")

    # 8. The province answers the Department's submission.
    upward = [
        i for i in view["items"] if i["level"] == "province" and i["director_status"] == "approved"
    ]
    upward.sort(key=lambda i: (i["kind"] != "individual", i["code"], i["nomination"]))
    for n, item in enumerate(upward):
        if n == 0:
            answer = {"answer": "approved", "reason": "UBND tỉnh đồng ý khen thưởng"}
        elif n == 1:
            answer = {
                "answer": "returned",
                "reason": "Đề nghị bổ sung báo cáo thành tích có xác nhận của Sở",
            }
        else:
            continue
        api.post(
            "vanphong",
            f"/v1/nominations/{item['nomination']}/awards/{item['code']}/province",
            answer,
        )
    step(f"Văn phòng Sở ghi nhận ý kiến của tỉnh cho {min(len(upward), 2)} đề nghị.")

    # 9. The documents.
    view = api.get("vanphong", f"/v1/rounds/{key}")
    documents = _download_documents(api, view, out_dir)
    step(f"Đã tải {len(documents)} tệp văn bản vào {out_dir}/.")

    noms = _all_nominations(api)
    waiting = sum(1 for n in noms if n["stage"] == "office_review")
    held_keys = {n["id"] for n in noms if n["stage"] == "on_hold"}
    summary = summarize(view, held_keys, waiting, len(noms))
    summary.documents = documents
    summary.elapsed_seconds = round(time.monotonic() - started, 1)
    print_summary(summary, echo)
    return summary

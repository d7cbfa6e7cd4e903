"""`thidua demo`: a whole 2024 review round of the sample Department, driven through the HTTP API.

Every step is taken by the sample account whose role takes it in real life, over HTTP, exactly
as the users' clients would:

1. the Office (``vanphong``) opens the round for NTM-2024 (late arrivals go to the next round);
2. each unit's officer (``canbo.<unit>``) submits its staff (every non-leadership member) and the
   unit itself as a collective, with realistic, deterministic variety (``random.Random(2024)``);
3. each unit head (``truongphong.<unit>``) approves; one nomination is returned for a correction
   and resubmitted before closing; one nominee under disciplinary review is on hold;
4. the Office closes the round: incomplete dossiers go back to their units, an initiative claimed
   twice counts once, collectives are recomputed from their members' outcomes;
5. the two units whose dossiers were returned supplement and resubmit them; their heads approve
   again; being after the closing they wait for the next round (``late_policy=next_round``);
6. the council secretary records the meeting (10 members, one absent voting in writing) and one
   ballot per item; one CSTDCS gets 7 of 10 votes and is not recommended;
7. the Director approves the list, rejecting one item with a reason;
8. the Office records the province's answers to the proposals (one approved, one returned);
9. the four documents are downloaded (docx and pdf, or html when there is no pdf).

Run it twice and the second run only prints the summary of the latest existing round.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, Field

from thidua.app.sample_data import STAFF, UNITS, SampleStaff

__all__ = ["DemoError", "DemoSummary", "TitleCount", "run_demo"]

MOVEMENT = "NTM-2024"
YEAR = 2024
SEED = 2024
WORKERS = 8
DOCUMENT_KINDS = ("report", "minutes", "decision", "submission")
TITLE_ORDER = ("LDTT", "CSTDCS", "TTLDTT", "GIAY_KHEN", "TTLDXS", "BANG_KHEN_UBND_TINH")
TITLE_LABEL_VI = {
    "LDTT": "Lao động tiên tiến",
    "CSTDCS": "Chiến sĩ thi đua cơ sở",
    "TTLDTT": "Tập thể lao động tiên tiến",
    "GIAY_KHEN": "Giấy khen của Giám đốc Sở",
    "TTLDXS": "Tập thể lao động xuất sắc (trình tỉnh)",
    "BANG_KHEN_UBND_TINH": "Bằng khen UBND tỉnh (trình tỉnh)",
}
DOCUMENT_LABEL_VI = {
    "report": "Báo cáo tổng hợp",
    "minutes": "Biên bản họp Hội đồng",
    "decision": "Quyết định khen thưởng",
    "submission": "Tờ trình đề nghị tỉnh khen thưởng",
}
PROVINCE_LEVEL = frozenset({"TTLDXS", "BANG_KHEN_UBND_TINH"})

T = TypeVar("T")
R = TypeVar("R")


class DemoError(Exception):
    """An API call was refused or failed: the message is what to print (no traceback)."""


class TitleCount(BaseModel):
    proposed: int = 0
    """Items of the Office's consolidated list (put to the council) for this title/form."""
    passed: int = 0
    """Passed by the council."""
    granted: int = 0
    """Awarded: approved by the Director (for a province-level form: approved by the province)."""
    submitted_to_province: int = 0
    """Province-level forms the Director signed upward (approved by the Director)."""


class DemoSummary(BaseModel):
    round_key: str
    round_stage: str
    existing: bool = False
    """True when the demo had already run: nothing was created, this is the latest round."""
    nominations: int = 0
    titles: dict[str, TitleCount] = Field(default_factory=dict)
    recommended: int = 0
    returned: int = 0
    on_hold: int = 0
    not_eligible: int = 0
    not_recommended: int = 0
    director_rejected: int = 0
    waiting_next_round: int = 0
    flags: dict[str, int] = Field(default_factory=dict)
    documents: list[str] = Field(default_factory=list)
    """Files written into out_dir (names)."""
    elapsed_seconds: float = 0.0


# ---- the HTTP side ------------------------------------------------------------------------


class Api:
    """A thin client: one token per sample account, problem details turned into DemoError."""

    def __init__(self, base_url: str, tokens: dict[str, str]) -> None:
        base = base_url.rstrip("/")
        if base.endswith("/v1"):
            base = base[: -len("/v1")]
        self.base = base
        self.tokens = tokens
        self.http = httpx.Client(
            base_url=base,
            timeout=httpx.Timeout(300.0, connect=10.0),
            limits=httpx.Limits(max_connections=WORKERS * 2, max_keepalive_connections=WORKERS),
        )

    def close(self) -> None:
        self.http.close()

    def request(self, user: str, method: str, path: str, body: Any = None, **params: Any) -> Any:
        token = self.tokens.get(user)
        if token is None:
            raise DemoError(f"Không có tài khoản mẫu «{user}» trong tệp tài khoản.")
        try:
            r = self.http.request(
                method,
                path,
                json=body,
                params={k: v for k, v in params.items() if v is not None} or None,
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise DemoError(
                f"Không kết nối được API {self.base} ({type(exc).__name__}: {exc}). "
                "Hãy chạy `thidua up` (make run) trước."
            ) from None
        if r.status_code >= 400:
            try:
                problem = r.json()
                detail = problem.get("detail") or problem.get("title") or r.text
            except ValueError:
                detail = r.text[:500]
            raise DemoError(f"{method} {path} ({user}) → HTTP {r.status_code}: {detail}")
        if "json" in r.headers.get("content-type", ""):
            return r.json()
        return r.content

    def get(self, user: str, path: str, **params: Any) -> Any:
        return self.request(user, "GET", path, **params)

    def post(self, user: str, path: str, body: Any) -> Any:
        return self.request(user, "POST", path, body)

    def download(self, user: str, path: str, fmt: str) -> bytes:
        data = self.request(user, "GET", path, format=fmt)
        return data if isinstance(data, bytes) else json.dumps(data).encode()


def _parallel(pool: ThreadPoolExecutor, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """Map over a thread pool; the first DemoError is raised once every call has finished."""
    futures = [pool.submit(fn, item) for item in items]
    results: list[R] = []
    error: BaseException | None = None
    for fut in futures:
        try:
            results.append(fut.result())
        except BaseException as exc:  # re-raised below
            error = error or exc
    if error is not None:
        raise error
    return results


# ---- the scenario -------------------------------------------------------------------------


@dataclass
class Plan:
    """One nomination the demo submits, and what happens to it along the way."""

    unit: str
    facts: dict[str, Any]
    dossier: dict[str, Any]
    name: str
    role: str = "ldtt"
    """What the scenario makes of it (for the printed narrative only)."""
    return_by_head: bool = False
    fixed_facts: dict[str, Any] | None = None
    incomplete: bool = False
    submit_last: bool = False
    key: str = ""
    notes: list[str] = field(default_factory=list)


def _unit_staff() -> dict[str, list[SampleStaff]]:
    out: dict[str, list[SampleStaff]] = {}
    for u in UNITS:
        if u.kind == "leadership":
            continue
        out[u.code] = [s for s in STAFF if s.unit_code == u.code]
    return out


def _dossier(code: str, *, evidence: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "achievement_report": f"BCTT-{YEAR}-{code}.pdf",
        "review_minutes": f"BB-HX-{YEAR}-{code}.pdf",
        "evidence": list(evidence),
    }


def _movement(rng: random.Random, strong: bool = False) -> dict[str, str]:
    if strong:
        return {"c1": "xuat_sac", "c2": "tot", "c3": "tot", "c4": "tot"}
    levels = ["xuat_sac", "tot", "tot", "dat", "dat", "dat"]
    return {f"c{i}": rng.choice(levels) for i in range(1, 5)}


def build_plans(rng: random.Random | None = None) -> list[Plan]:
    """The nominations of the demo: deterministic for a given seed (default 2024)."""
    rng = rng or random.Random(SEED)
    staff_by_unit = _unit_staff()
    units = list(staff_by_unit)
    everyone = [s for u in units for s in staff_by_unit[u]]
    # Special cases, chosen by the seeded generator but kept apart from one another and away
    # from the "strong" unit (whose collective is proposed for TTLDXS and must stay clean).
    strong_unit = "LDVL"
    pool = [s for s in everyone if s.unit_code != strong_unit]
    rng.shuffle(pool)
    used_units: Counter[str] = Counter()

    def pick(n: int = 1) -> list[SampleStaff]:
        chosen: list[SampleStaff] = []
        for s in list(pool):
            if used_units[s.unit_code] >= 1:
                continue
            pool.remove(s)
            used_units[s.unit_code] += 1
            chosen.append(s)
            if len(chosen) == n:
                break
        return chosen

    khtnv = pick(1)
    short_months = pick(1)
    held = pick(1)
    incomplete = pick(2)
    head_returns = pick(1)
    failed_vote = pick(1)
    # the two claims on one initiative: two staff of the same unit (GDNN)
    gdnn = [s for s in staff_by_unit["GDNN"] if s not in (*khtnv, *short_months, *held)]
    sharers = [s for s in gdnn if s not in (*incomplete, *head_returns, *failed_vote)][1:3]
    # the provincial certificate: CSTDCS in 2023 and again this year (strong unit, not its head)
    bk_person = staff_by_unit[strong_unit][2]
    special = {s.code for s in (*khtnv, *short_months, *held, *incomplete, *head_returns)}
    special |= {s.code for s in (*failed_vote, *sharers, bk_person)}
    plans: list[Plan] = []
    for s in everyone:
        strong = s.unit_code == strong_unit
        rating = rng.choices(["HTXSNV", "HTTNV", "HTNV"], weights=[2, 7, 1])[0]
        if strong and rating == "HTNV":
            rating = "HTTNV"
        facts: dict[str, Any] = {
            "kind": "individual",
            "id": s.code,
            "year": YEAR,
            "rating": rating,
            "months_worked": 12,
            "discipline": "none",
            "movement": _movement(rng),
            "gender": s.gender,
            "history": [{"year": YEAR - 1, "rating": "HTTNV", "titles": ["LDTT"]}],
        }
        evidence: list[str] = [f"XL-{YEAR}-{s.code}: quyết định xếp loại {rating}"]
        role = "ldtt" if rating != "HTNV" else "htnv"
        if rating == "HTXSNV":
            role = "cstdcs"
        if s.code not in special and rating == "HTTNV" and rng.random() < 0.15:
            ini = f"SK-{YEAR}-{s.unit_code}-{s.code}"
            facts["initiatives"] = [{"id": ini, "level": "co_so", "year": YEAR, "applied": True}]
            evidence.append(f"QĐ công nhận sáng kiến {ini}")
            role = "cstdcs"
        plan = Plan(unit=s.unit_code, facts=facts, dossier={}, name=s.full_name, role=role)
        if s in khtnv:
            facts["rating"] = "KHTNV"
            evidence = [f"XL-{YEAR}-{s.code}: quyết định xếp loại KHTNV"]
            plan.role = "not_eligible"
            plan.notes.append("xếp loại không hoàn thành nhiệm vụ")
        elif s in short_months:
            facts["rating"] = "HTTNV"
            facts["months_worked"] = 8
            facts["movement"] = {"c1": "dat", "c2": "dat", "c3": "tot", "c4": "dat"}
            plan.role = "not_eligible"
            plan.notes.append("chỉ công tác 8 tháng trong năm")
        elif s in held:
            facts["rating"] = "HTTNV"
            facts["under_review"] = True
            plan.role = "on_hold"
            plan.notes.append("đang bị xem xét kỷ luật: tạm dừng xét")
        elif s in incomplete:
            facts["rating"] = "HTTNV"
            plan.incomplete = True
            plan.role = "returned"
            plan.notes.append("hồ sơ thiếu biên bản họp xét")
        elif s in head_returns:
            facts["rating"] = "HTTNV"
            facts["months_worked"] = 9  # a typing error the unit head spots
            plan.return_by_head = True
            plan.fixed_facts = {**facts, "months_worked": 12}
            plan.notes.append("trưởng đơn vị trả lại để sửa số tháng công tác, nộp lại")
        elif s in failed_vote:
            facts["rating"] = "HTXSNV"
            plan.role = "failed_vote"
            plan.notes.append("CSTDCS chỉ được 7/10 phiếu")
        elif s in sharers:
            facts["rating"] = "HTTNV"
            ini = f"SK-{YEAR}-GDNN-CHUNG"
            facts["initiatives"] = [{"id": ini, "level": "co_so", "year": YEAR, "applied": True}]
            evidence.append(f"QĐ công nhận sáng kiến {ini}")
            plan.role = "initiative_twice"
            plan.submit_last = s is sharers[1]
            plan.notes.append("sáng kiến kê khai trùng")
        elif s is bk_person:
            facts["rating"] = "HTXSNV"
            facts["movement"] = _movement(rng, strong=True)
            facts["history"] = [
                {"year": YEAR - 1, "rating": "HTXSNV", "titles": ["LDTT", "CSTDCS"]}
            ]
            plan.role = "bang_khen"
            plan.notes.append("hai năm liên tục CSTDCS: đề nghị Bằng khen UBND tỉnh")
        plan.dossier = _dossier(s.code, evidence=evidence)
        if plan.incomplete:
            plan.dossier["review_minutes"] = None
        plans.append(plan)
    # the collectives: one per unit
    for code in units:
        members = staff_by_unit[code]
        member_plans = [p for p in plans if p.unit == code]
        ldtt = sum(
            1
            for p in member_plans
            if p.facts["rating"] in ("HTXSNV", "HTTNV") and p.role not in ("not_eligible",)
        )
        cstdcs = min(ldtt, sum(1 for p in member_plans if p.role in ("cstdcs", "bang_khen")))
        khtnv_n = sum(1 for p in member_plans if p.facts["rating"] == "KHTNV")
        unit = next(u for u in UNITS if u.code == code)
        strong = code == strong_unit
        rating = "HTXSNV" if strong else rng.choices(["HTTNV", "HTXSNV", "HTNV"], [7, 1, 1])[0]
        facts = {
            "kind": "collective",
            "id": code,
            "year": YEAR,
            "rating": rating,
            "unit_type": unit.kind,
            "members_total": len(members),
            "members_ldtt": ldtt,
            "members_cstdcs": cstdcs,
            "members_htnv_or_better": len(members) - khtnv_n,
            "members_disciplined": 0,
            "female_members": sum(1 for s in members if s.gender == "nu"),
            "movement": _movement(rng, strong=strong),
            "guidance_on_time": strong or rng.random() < 0.7,
            "propagated_to_all_staff": True,
            "history": [{"year": YEAR - 1, "rating": "HTTNV", "titles": ["TTLDTT"]}],
        }
        plans.append(
            Plan(
                unit=code,
                facts=facts,
                dossier=_dossier(code, evidence=[f"Báo cáo kết quả phong trào {YEAR} – {code}"]),
                name=unit.name,
                role="ttldxs" if strong else "collective",
            )
        )
    return plans


# ---- reading and printing -----------------------------------------------------------------


def _summarize(
    view: dict[str, Any], held_keys: set[str], waiting: int, nominations: int
) -> DemoSummary:
    results = view.get("results") or []
    outcomes = Counter(r["outcome"] for r in results)
    on_hold = {r["key"] for r in results if r["outcome"] == "on_hold"} | held_keys
    titles: dict[str, TitleCount] = {}
    for item in view.get("items") or []:
        tc = titles.setdefault(item["code"], TitleCount())
        tc.proposed += 1
        if item["council_status"] == "passed":
            tc.passed += 1
        if item["director_status"] == "approved":
            if item["level"] == "province" or item["code"] in PROVINCE_LEVEL:
                tc.submitted_to_province += 1
                if item.get("province_status") == "approved":
                    tc.granted += 1
            elif not item.get("revoked"):
                tc.granted += 1
    ordered = {c: titles[c] for c in TITLE_ORDER if c in titles}
    ordered.update({c: t for c, t in titles.items() if c not in ordered})
    items = view.get("items") or []
    flags = Counter(f["code"] for f in view.get("flags") or [])
    for r in results:
        flags.update(f["code"] for f in r.get("flags") or [] if f["code"] == "failed_vote")
    return DemoSummary(
        round_key=view["key"],
        round_stage=view["stage"],
        nominations=nominations,
        titles=ordered,
        recommended=outcomes.get("recommended", 0),
        returned=outcomes.get("returned", 0),
        on_hold=len(on_hold),
        not_eligible=outcomes.get("not_eligible", 0),
        not_recommended=sum(1 for i in items if i["council_status"] == "not_recommended"),
        director_rejected=sum(1 for i in items if i["director_status"] == "rejected"),
        waiting_next_round=waiting,
        flags=dict(flags),
    )


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )

    sep = "  ".join("-" * w for w in widths)
    return [line(header), sep, *(line(r) for r in rows)]


def print_summary(summary: DemoSummary, echo: Callable[[str], None]) -> None:
    echo("")
    echo(f"KẾT QUẢ ĐỢT XÉT {summary.round_key} (bước: {summary.round_stage})")
    rows = [
        [
            TITLE_LABEL_VI.get(code, code),
            str(tc.proposed),
            str(tc.passed),
            str(tc.submitted_to_province) if code in PROVINCE_LEVEL else "–",
            str(tc.granted),
        ]
        for code, tc in summary.titles.items()
    ]
    header = ["Danh hiệu / hình thức", "Đề nghị", "HĐ thông qua", "Trình tỉnh", "Được khen"]
    for text in _table(rows, header):
        echo(text)
    echo("")
    status_rows = [
        ["Hồ sơ đã nộp", str(summary.nominations)],
        ["Được đề nghị sau thẩm định", str(summary.recommended)],
        ["Trả lại để bổ sung", str(summary.returned)],
        ["Tạm dừng xét", str(summary.on_hold)],
        ["Không đủ tiêu chuẩn", str(summary.not_eligible)],
        ["Hội đồng không đề nghị", str(summary.not_recommended)],
        ["Giám đốc không phê duyệt", str(summary.director_rejected)],
        ["Chờ đợt xét sau", str(summary.waiting_next_round)],
    ]
    for text in _table(status_rows, ["Tình trạng hồ sơ", "Số lượng"]):
        echo(text)
    if summary.flags:
        echo("Cảnh báo của Văn phòng: " + ", ".join(f"{k} × {v}" for k, v in summary.flags.items()))
    echo("")
    if summary.documents:
        echo("Văn bản đã ghi: " + ", ".join(summary.documents))
    else:
        echo("Văn bản đã ghi: (không có)")
    echo(f"Thời gian: {summary.elapsed_seconds:.1f} giây")


# ---- the run ------------------------------------------------------------------------------


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
        summary = _summarize(view, held, waiting, len(noms))
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


def _officer(unit: str) -> str:
    return f"canbo.{unit.lower()}"


def _head(unit: str) -> str:
    return f"truongphong.{unit.lower()}"


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
        },
    )
    key = opened["key"]
    step(f"Văn phòng Sở mở đợt xét {key} (hồ sơ đến sau khi đóng: chuyển đợt sau).")

    # 2. The units submit (the second claim on a shared initiative after the first).
    def submit(plan: Plan) -> Plan:
        body = {"movement": MOVEMENT, "unit": plan.unit, "facts": plan.facts}
        body["dossier"] = plan.dossier
        created = api.post(_officer(plan.unit), "/v1/nominations", body)
        plan.key = created["id"]
        return plan

    first = [p for p in plans if not p.submit_last and p.facts["kind"] == "individual"]
    _parallel(pool, submit, first)
    _parallel(pool, submit, [p for p in plans if p.submit_last])
    _parallel(pool, submit, [p for p in plans if p.facts["kind"] == "collective"])
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
        head = _head(plan.unit)
        if plan.return_by_head and plan.fixed_facts is not None:
            api.post(
                head,
                f"/v1/nominations/{plan.key}/review",
                {"decision": "return", "reason": "Số tháng công tác chưa đúng, đề nghị sửa lại"},
            )
            api.post(
                _officer(plan.unit),
                f"/v1/nominations/{plan.key}/resubmit",
                {"facts": plan.fixed_facts, "reason": "Đã sửa số tháng công tác: 12 tháng"},
            )
        api.post(
            head,
            f"/v1/nominations/{plan.key}/review",
            {"decision": "approve", "reason": "Đơn vị đã họp xét, đề nghị Văn phòng Sở"},
        )

    _parallel(pool, unit_review, plans)
    step(
        f"Trưởng các đơn vị duyệt hồ sơ; 1 hồ sơ bị trả lại, sửa và nộp lại; "
        f"{len(held_keys)} hồ sơ tạm dừng xét (đang bị xem xét kỷ luật)."
    )

    # 4. The Office closes the round: the appraisal across nominations.
    view = api.post("vanphong", f"/v1/rounds/{key}/close", None)
    counts = view.get("counts") or {}
    step(
        "Văn phòng Sở đóng đợt xét và thẩm định: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if not k.startswith("council"))
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
            _officer(plan.unit),
            f"/v1/nominations/{plan.key}/resubmit",
            {
                "facts": plan.facts,
                "dossier": {**plan.dossier, "review_minutes": f"{plan.unit}-bien-ban-bo-sung.pdf"},
                "reason": "Đã bổ sung biên bản họp xét của đơn vị",
            },
        )
        api.post(
            _head(plan.unit),
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
        "members": _council_members(),
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
    summary = _summarize(view, held_keys, waiting, len(noms))
    summary.documents = documents
    summary.elapsed_seconds = round(time.monotonic() - started, 1)
    print_summary(summary, echo)
    return summary


def _council_members() -> list[dict[str, Any]]:
    """The Department's emulation–commendation council: 10 members, one absent (written vote)."""
    names = [
        "Trương Minh Khôi",  # Director, chair
        "Nguyễn Thị Thu Hằng",
        "Lê Văn Thắng",
        "Phạm Hữu Lộc",
        "Trần Thị Bích Ngọc",
        "Huỳnh Văn Phúc",
        "Võ Thanh Sơn",
        "Đinh Thị Phương Thảo",
        "Lê Thị Minh Nguyệt",
        "Hoàng Văn Dũng",
    ]
    return [{"name": n, "present": i != 3, "written_vote": i == 3} for i, n in enumerate(names)]

"""The overview: nominations by stage and by unit, titles granted by year, time spent in each
stage, what is overdue; over the nominations the signed-in actor may read."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from thidua.app import dashboard as dashboard_data
from thidua.app.ports.uow import Tx
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.charts import bar_chart, grouped_bars
from thidua.entrypoints.web.kit import PREFIX, render, require, title_names

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    sess = await require(request)
    services = services_of(request)

    def _load(tx: Tx) -> tuple[dashboard_data.Dashboard, dict[str, str]]:
        dash = dashboard_data.build(tx, sess.actor)
        refs = dash.rulesets + [
            (v.ruleset.id, v.ruleset.version) for v in dash.overdue if v.ruleset
        ]
        return dash, title_names(services.engine, refs)

    dash, names = await services.uow.run(_load)
    days = dash.days_in_stage
    longest = max((v for _, v in days), default=0.0)
    unit, factor = (
        (" phút", 24 * 60) if longest < 1 / 24 else (" giờ", 24) if longest < 2 else (" ngày", 1)
    )
    charts = {
        "stage": bar_chart(dash.by_stage, title="Hồ sơ theo bước"),
        "unit": bar_chart(dash.by_unit, title="Hồ sơ theo đơn vị", color="#3a8d3f"),
        "granted": grouped_bars(
            dash.years, dash.granted, title="Danh hiệu, hình thức được tặng theo năm"
        ),
        "days": bar_chart(
            [(label, round(v * factor, 1)) for label, v in days],
            title="Thời gian trung bình ở mỗi bước",
            unit=unit,
            color="#e07a1f",
        ),
    }
    return render(request, "dashboard.html", sess, dash=dash, charts=charts, title_names=names)

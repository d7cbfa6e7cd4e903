"""Tiny server-side SVG charts (no JavaScript, no external assets)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#1f6f8b", "#e07a1f", "#3a8d3f", "#a23b72", "#6b5ca5", "#c0392b", "#7f8c8d")


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def bar_chart(
    data: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    color: str = PALETTE[0],
    highlight: set[str] | None = None,
) -> Markup:
    """A horizontal bar chart; scales to its container's width (viewBox)."""
    width, label_w, row_h, pad = 480, 170, 26, 6
    height = max(1, len(data)) * row_h + pad * 2
    top = max((v for _, v in data), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if not data:
        parts.append(f'<text x="8" y="{row_h}" class="muted">Chưa có dữ liệu</text>')
    for i, (label, value) in enumerate(data):
        y = pad + i * row_h
        bar = (width - label_w - 70) * (value / top)
        fill = PALETTE[5] if highlight and label in highlight else color
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + row_h * 0.65:.1f}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{bar:.1f}" height="{row_h - 8}" '
            f'rx="3" fill="{fill}"/>'
            f'<text x="{label_w + bar + 6:.1f}" y="{y + row_h * 0.65:.1f}">'
            f"{_fmt(value)}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label is escaped above


def grouped_bars(
    groups: Sequence[str], series: dict[str, dict[str, float]], *, title: str
) -> Markup:
    """Vertical bars: one group per label of ``groups`` (e.g. a year), one bar per series."""
    names = list(series)
    width, height, left, bottom, top_pad = 480, 220, 36, 40, 10
    top = max((v for s in series.values() for v in s.values()), default=0) or 1
    group_w = (width - left - 10) / max(1, len(groups))
    bar_w = max(4.0, (group_w - 12) / max(1, len(names)))
    plot_h = height - bottom - top_pad
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height + 18 * ((len(names) + 2) // 3)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 4}" y2="{top_pad + plot_h}" '
        'stroke="#999"/>',
    ]
    if not groups:
        parts.append(f'<text x="{left + 8}" y="{height / 2}" class="muted">Chưa có dữ liệu</text>')
    for gi, group in enumerate(groups):
        gx = left + gi * group_w + 6
        for si, name in enumerate(names):
            value = series[name].get(group, 0)
            h = plot_h * value / top
            x = gx + si * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[si % len(PALETTE)]}">'
                f"<title>{escape(name)} {escape(group)}: {_fmt(value)}</title></rect>"
            )
            if value:
                parts.append(
                    f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{top_pad + plot_h - h - 3:.1f}" '
                    f'text-anchor="middle" class="small">{_fmt(value)}</text>'
                )
        parts.append(
            f'<text x="{gx + group_w / 2 - 6:.1f}" y="{top_pad + plot_h + 16}" '
            f'text-anchor="middle">{escape(group)}</text>'
        )
    for si, name in enumerate(names):
        lx = left + (si % 3) * 150
        ly = height - 4 + 18 * (si // 3)
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="10" height="10" '
            f'fill="{PALETTE[si % len(PALETTE)]}"/>'
            f'<text x="{lx + 14}" y="{ly}" class="small">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label is escaped above

"""The runner's report: ONE self-contained HTML file (findings, plots, key frames, per-step table).

The file opens offline in any browser and on a phone: images are base64 ``data:`` URIs, CSS is
inline, there is no JavaScript and no external URL. Every piece of text is escaped with
:func:`html.escape`. The file is written atomically (temporary file in the same folder, then
``os.replace``), so a crash never leaves half a report.

Two layers:

* :class:`ReportModel` - a plain description of what the page shows (headline cards, findings,
  stills, plots, table, warnings). :func:`render_html` turns it into HTML and knows nothing
  about the analysis.
* :func:`model_from_analysis` builds a ReportModel from a :class:`formcheck.analysis.Analysis`;
  :func:`write_report` (``formcheck analyze``) and :func:`write_compare_report`
  (``formcheck compare``) are the entry points.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import hashlib
import html
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import plots
from .geometry import thigh_angle_deg
from .atomic import write_text_atomic

__all__ = [
    "Card",
    "FindingView",
    "Image",
    "ReportModel",
    "FILMING_TIPS",
    "model_from_analysis",
    "render_html",
    "render_compare_html",
    "write_report",
    "write_compare_report",
    "write_atomic",
]

FILMING_TIPS: tuple[str, ...] = (
    "Side view: camera at right angles to the running direction, level, at hip height, 3-5 m away, "
    "so your whole body (head to shoes) fills about half the frame height.",
    "Steady: a tripod or a phone propped on something; no panning or zooming.",
    "Frame rate: 60 fps or more if your phone offers it (a foot contact lasts about 0.2 s: at 30 fps that is 6 frames). "
    "Slow-motion clips work; give the real rate with --fps.",
    "Enough steps: 10 s of steady running (at least 6 steps, better 8 or more per leg), after warming up.",
    "Light and clothing: even light, no strong backlight; shorts or tights and shoes that stand out from the floor.",
    "On a treadmill, film from the side the console does not hide.",
)

SEVERITY_ORDER = {"marked": 0, "moderate": 1, "mild": 2, "info": 3, "ok": 4}


# ============================================================================ model
@dataclass(frozen=True)
class Image:
    """A PNG (or JPEG) to embed, with a title and a caption."""

    title: str
    data: bytes
    caption: str = ""
    mime: str = "image/png"
    alt: str = ""
    kind: str = "plot"  # "plot" | "still"
    portrait: bool = False  # taller than wide (phone videos): laid out three to a row on wide screens


@dataclass(frozen=True)
class Card:
    """One headline verdict: e.g. Overstride - 'Mild overstride' - '+19 % of leg length'."""

    key: str  # "overstride" / "hip_extension" / "cadence"
    label: str
    verdict: str
    value: str
    status: str = "info"  # "ok" | "mild" | "moderate" | "marked" | "info" (colour of the card)
    confidence: str = ""  # "high" / "medium" / "low" / ""
    details: tuple[str, ...] = ()  # short lines: per side values, spread


@dataclass(frozen=True)
class FindingView:
    title: str
    severity: str
    side: str | None = None
    evidence: str = ""
    cue: str = ""
    drill: str = ""
    note: str = ""
    confidence: str = ""


@dataclass
class ReportModel:
    title: str
    source: str = ""
    subtitle: tuple[str, ...] = ()  # e.g. "12.0 s, 30 fps, facing left, treadmill"
    cards: list[Card] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    stills: list[Image] = field(default_factory=list)
    stills_note: str = ""  # shown when there are no stills
    plots: list[Image] = field(default_factory=list)
    table_columns: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    table_row_classes: list[str] = field(default_factory=list)  # "left"/"right" per row
    warnings: list[str] = field(default_factory=list)
    low_quality: bool = False
    footer: tuple[str, ...] = ()
    colors: dict[str, str] = field(default_factory=dict)  # side -> "#rrggbb" (table row marks)


# ============================================================================ formatting
def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt(x: Any, digits: int = 0, unit: str = "", signed: bool = False) -> str:
    """Number for the page; an en dash when missing."""
    v = _num(x)
    if v is None:
        return "–"
    s = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    return s + unit


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# ============================================================================ HTML
_CSS = """
:root{--fg:#1b1b1b;--muted:#555;--bg:#fff;--panel:#f4f5f7;--line:#d9dce1;
--ok:#009E73;--mild:#b88600;--moderate:#D55E00;--marked:#b3261e;--info:#0072B2;
--left:%(left)s;--right:%(right)s}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%%;text-size-adjust:100%%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
font-size:17px;line-height:1.5;color:var(--fg);background:var(--bg)}
main{max-width:980px;margin:0 auto;padding:16px 14px 40px}
h1{font-size:1.6rem;line-height:1.2;margin:.2em 0 .1em}
h2{font-size:1.3rem;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:2px solid var(--line)}
h3{font-size:1.1rem;margin:.2em 0 .3em}
p{margin:.4em 0}
.sub{color:var(--muted);font-size:.95rem;margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(260px,100%%),1fr));gap:12px}
.card{background:var(--panel);border-radius:12px;padding:14px 16px;border-left:8px solid var(--info)}
.card .label{font-size:.95rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.card .verdict{font-size:1.25rem;font-weight:700;margin:.1em 0}
.card .value{font-size:2rem;font-weight:800;line-height:1.15}
.card ul{margin:.4em 0 0;padding-left:1.1em;font-size:.95rem}
.conf{display:inline-block;font-size:.85rem;padding:1px 8px;border-radius:99px;background:#fff;border:1px solid var(--line);margin-top:.3em}
.badge{display:inline-block;font-size:.8rem;font-weight:700;color:#fff;padding:1px 9px;border-radius:99px;
vertical-align:middle;text-transform:uppercase;letter-spacing:.03em;background:var(--info)}
.b-ok{background:var(--ok)}.b-mild{background:var(--mild)}.b-moderate{background:var(--moderate)}
.b-marked{background:var(--marked)}.b-info{background:var(--info)}
.finding{background:var(--panel);border-radius:12px;padding:12px 16px;margin:10px 0;border-left:8px solid var(--info)}
.s-ok{border-color:var(--ok)}.s-mild{border-color:var(--mild)}.s-moderate{border-color:var(--moderate)}
.s-marked{border-color:var(--marked)}.s-info{border-color:var(--info)}
.cue{font-size:1.15rem;font-weight:700;margin:.4em 0}
.drill,.evidence,.note{font-size:.95rem}
.note{color:var(--muted)}
.warn{background:#fff4e5;border:2px solid var(--moderate);border-radius:12px;padding:10px 16px;margin:12px 0}
.warn ul{margin:.3em 0;padding-left:1.2em}
figure{margin:0 0 18px;background:var(--panel);border-radius:12px;padding:10px}
figure img{display:block;width:100%%;height:auto;border-radius:6px;background:#fff}
figure.still img{max-height:min(78vh,900px);object-fit:contain;background:#111}
figcaption{font-size:.95rem;color:var(--muted);margin-top:6px}
figcaption b{color:var(--fg)}
.grid3{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(280px,100%%),1fr));gap:14px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(360px,100%%),1fr));gap:14px}
.tablewrap{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:10px}
table{border-collapse:collapse;width:100%%;font-size:.9rem;font-variant-numeric:tabular-nums}
th,td{padding:6px 9px;text-align:right;white-space:nowrap;border-bottom:1px solid var(--line)}
th{background:var(--panel);position:sticky;top:0;font-weight:700;white-space:normal;vertical-align:bottom;min-width:4.5em;line-height:1.25}
td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
table.wrap td{white-space:normal;min-width:5em}
table.wrap td,table.wrap th{text-align:left}
tr.left td:nth-child(2){border-left:5px solid var(--left)}
tr.right td:nth-child(2){border-left:5px solid var(--right)}
details{background:var(--panel);border-radius:12px;padding:8px 16px;margin:10px 0}
summary{cursor:pointer;font-weight:700}
.cmp{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(420px,100%%),1fr));gap:18px}
.cmp>section{min-width:0}
.delta{font-weight:700}
footer{margin-top:2em;color:var(--muted);font-size:.85rem}
@media (max-width:480px){body{font-size:16px}h1{font-size:1.4rem}.card .value{font-size:1.8rem}main{padding:12px 10px 32px}}
"""


def _css(colors: Mapping[str, str] | None = None) -> str:
    c = dict(colors or plots.side_colors())
    return _CSS % {"left": c.get("left", "#0072B2"), "right": c.get("right", "#D55E00")}


def _sev_class(sev: str) -> str:
    return sev if sev in SEVERITY_ORDER else "info"


def _card_html(c: Card) -> str:
    details = "".join(f"<li>{_e(d)}</li>" for d in c.details)
    conf = f'<span class="conf">confidence: {_e(c.confidence)}</span>' if c.confidence else ""
    return (
        f'<div class="card s-{_sev_class(c.status)}" data-key="{_e(c.key)}">'
        f'<div class="label">{_e(c.label)}</div>'
        f'<div class="verdict">{_e(c.verdict)}</div>'
        f'<div class="value">{_e(c.value)}</div>'
        f"{conf}{'<ul>' + details + '</ul>' if details else ''}</div>"
    )


def _finding_html(f: FindingView) -> str:
    sev = _sev_class(f.severity)
    side = f" · {_e(f.side)} leg" if f.side else ""
    parts = [
        f'<div class="finding s-{sev}">',
        f'<h3><span class="badge b-{sev}">{_e(f.severity)}</span> {_e(f.title)}<span class="sub">{side}</span></h3>',
    ]
    if f.cue:
        parts.append(f'<p class="cue">Cue: {_e(f.cue)}</p>')
    if f.drill:
        parts.append(f'<p class="drill"><b>Drill:</b> {_e(f.drill)}</p>')
    if f.evidence:
        parts.append(f'<p class="evidence"><b>Evidence:</b> {_e(f.evidence)}</p>')
    if f.confidence:
        parts.append(f'<p class="evidence"><b>Confidence:</b> {_e(f.confidence)}</p>')
    if f.note:
        parts.append(f'<p class="note">{_e(f.note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _figure_html(img: Image) -> str:
    cls = "still" if img.kind == "still" else "plot"
    alt = img.alt or img.title
    cap = f"<b>{_e(img.title)}</b>" + (f" – {_e(img.caption)}" if img.caption else "")
    return (
        f'<figure class="{cls}"><img src="{data_uri(img.data, img.mime)}" alt="{_e(alt)}" loading="eager">'
        f"<figcaption>{cap}</figcaption></figure>"
    )


def _table_html(columns: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[str] = (), table_class: str = "") -> str:
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in columns)
    body = []
    for i, r in enumerate(rows):
        cls = f' class="{_e(classes[i])}"' if i < len(classes) and classes[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>")
    tc = f' class="{_e(table_class)}"' if table_class else ""
    return f'<div class="tablewrap"><table{tc}><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _filming_html(open_: bool) -> str:
    tips = "".join(f"<li>{_e(t)}</li>" for t in FILMING_TIPS)
    return (
        f'<details id="filming"{" open" if open_ else ""}><summary>How to film a better clip</summary>'
        f"<ul>{tips}</ul></details>"
    )


def _model_body(m: ReportModel, *, heading_level: int = 2, compact: bool = False) -> str:
    """Sections of one analysis (used alone, or twice side by side in a comparison)."""
    h = f"h{heading_level}"
    out: list[str] = []
    if m.low_quality and m.warnings:
        out.append(
            '<div class="warn" id="quality-banner"><b>This clip is hard to read: take the numbers as rough.</b><ul>'
            + "".join(f"<li>{_e(w)}</li>" for w in m.warnings)
            + '</ul>See "How to film a better clip" below.</div>'
        )
    out.append(f'<section id="headline"><{h}>Verdict</{h}><div class="cards">'
               + "".join(_card_html(c) for c in m.cards) + "</div></section>")

    out.append(f'<section id="findings"><{h}>What to work on</{h}>')
    if m.findings:
        out.extend(_finding_html(f) for f in m.findings)
    else:
        out.append("<p>No form issue found in this clip: nothing above the thresholds.</p>")
    out.append("</section>")

    out.append(f'<section id="stills"><{h}>Key frames</{h}>')
    if m.stills:
        portrait = all(s.portrait for s in m.stills)
        grid = "grid3" if portrait and not compact else ("" if compact and not portrait else "grid2")
        out.append(f'<div class="{grid}">' + "".join(_figure_html(s) for s in m.stills) + "</div>")
    else:
        out.append(f'<p class="note">{_e(m.stills_note or "No key frames available for this clip.")}</p>')
    out.append("</section>")

    if m.plots:
        out.append(f'<section id="plots"><{h}>Step by step</{h}>')
        out.append(("<div>" if compact else '<div class="grid2">') + "".join(_figure_html(p) for p in m.plots) + "</div>")
        out.append("</section>")

    if m.table_rows:
        out.append(f'<section id="steps"><{h}>Every step</{h}>')
        out.append(_table_html(m.table_columns, m.table_rows, m.table_row_classes))
        out.append("</section>")

    out.append(f'<section id="quality"><{h}>Clip quality</{h}>')
    if m.warnings:
        out.append("<ul>" + "".join(f"<li>{_e(w)}</li>" for w in m.warnings) + "</ul>")
    else:
        out.append("<p>No quality problems detected.</p>")
    out.append(_filming_html(open_=m.low_quality))
    out.append("</section>")
    return "".join(out)


def _page(title: str, header: str, body: str, footer: Iterable[str], colors: Mapping[str, str] | None = None) -> str:
    foot = "".join(f"<p>{_e(x)}</p>" for x in footer)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light">'
        f"<title>{_e(title)}</title><style>{_css(colors)}</style></head>"
        f"<body><main><header>{header}</header>{body}<footer>{foot}</footer></main></body></html>\n"
    )


def _header_html(m: ReportModel) -> str:
    sub = "".join(f'<p class="sub">{_e(s)}</p>' for s in m.subtitle)
    return f"<h1>{_e(m.title)}</h1>{sub}"


def render_html(model: ReportModel, colors: Mapping[str, str] | None = None) -> str:
    """The whole page for one analysis, as a string."""
    return _page(model.title, _header_html(model), _model_body(model), model.footer, colors or model.colors or None)


def render_compare_html(
    before: ReportModel,
    after: ReportModel,
    changes: Sequence[Mapping[str, str]] = (),
    *,
    title: str = "Running form: before and after",
    summary: str = "",
    notes: Sequence[str] = (),
    colors: Mapping[str, str] | None = None,
) -> str:
    """Before and after side by side (stacked on a phone), preceded by a table of what changed.

    ``changes`` rows have keys ``metric``, ``before``, ``after``, ``change``, ``verdict`` (all text).
    """
    parts = []
    if summary:
        parts.append(f'<p class="cue" id="compare-summary">{_e(summary)}</p>')
    if changes:
        cols = ["Metric", "Before → After", "Verdict (change, 95% interval)"]
        rows = [[c.get("metric", ""), f"{c.get('before', '')} → {c.get('after', '')}",
                 c.get("verdict", "") + (f" ({c['change']})" if c.get("change") and c.get("change") != "–" else "")]
                for c in changes]
        parts.append('<section id="changes"><h2>What changed</h2>' + _table_html(cols, rows, table_class="wrap") + "</section>")
    for n in notes:
        parts.append(f'<p class="note">{_e(n)}</p>')
    cols = []
    for label, m in (("Before", before), ("After", after)):
        sub = "".join(f'<p class="sub">{_e(s)}</p>' for s in m.subtitle)
        cols.append(f'<section class="side" id="{label.lower()}"><h2>{_e(label)}: {_e(m.source or m.title)}</h2>{sub}'
                    f"{_model_body(m, heading_level=3, compact=True)}</section>")
    parts.append('<div class="cmp">' + "".join(cols) + "</div>")
    footer = tuple(dict.fromkeys([*before.footer, *after.footer]))
    return _page(title, f"<h1>{_e(title)}</h1>", "".join(parts), footer, colors or after.colors or before.colors or None)


# ============================================================================ writing
def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :mod:`formcheck.atomic`)."""
    return write_text_atomic(path, text)


# ============================================================================ from an Analysis
# Which summary metric backs each finding (for its confidence) and how its values read.
_FINDING_METRIC = {
    "overstride": ("overstride_pct_leg", "% of leg length", 1.0, 0),
    "shank_reaching": ("shank_angle_deg", "°", 1.0, 0),
    "limited_hip_extension": ("peak_hip_extension_deg", "°", 1.0, 0),
    "long_contact": ("contact_time_s", " ms", 1000.0, 0),
    "low_cadence": (None, " steps/min", 1.0, 0),
}
_SEV_RANK = {"marked": 3, "moderate": 2, "mild": 1}


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _side_metric(summary: Mapping[str, Any], side: str, metric: str) -> Mapping[str, Any]:
    v = (summary.get(side) or {}).get(metric) or {}
    return v if isinstance(v, Mapping) else {}


def _evidence_text(f: Any) -> str:
    code = _get(f, "code", "")
    _, unit, scale, digits = _FINDING_METRIC.get(code, (None, "", 1.0, 1))
    value, thr = _num(_get(f, "value")), _num(_get(f, "threshold"))
    parts = []
    if value is not None:
        s = f"median {fmt(value * scale, digits)}{unit}"
        if thr is not None:
            s += f" (threshold {fmt(thr * scale, digits)}{unit})"
        parts.append(s)
    steps = (_get(f, "evidence") or {}).get("steps") or []
    vals = [(_num(st.get("value")), st.get("contact_frame")) for st in steps if _num(st.get("value")) is not None]
    if vals:
        lo = min(v for v, _ in vals) * scale
        hi = max(v for v, _ in vals) * scale
        worst = max(vals, key=lambda p: p[0]) if code != "limited_hip_extension" else min(vals, key=lambda p: p[0])
        parts.append(f"{len(vals)} steps, range {fmt(lo, digits)} to {fmt(hi, digits)}{unit}, "
                     f"most marked at frame {worst[1]} ({fmt(worst[0] * scale, digits)}{unit})")
    return "; ".join(parts)


def _finding_views(analysis: Any) -> list[FindingView]:
    summary = _get(analysis, "summary") or {}
    near = _get(analysis, "near_side")
    views = []
    for f in _get(analysis, "findings") or []:
        code, side = _get(f, "code", ""), _get(f, "side")
        metric = _FINDING_METRIC.get(code, (None,))[0]
        conf = _side_metric(summary, side, metric).get("confidence", "") if (metric and side) else ""
        label_side = f"{side} (near camera)" if side and side == near else (f"{side} (far from camera)" if side else None)
        views.append(FindingView(
            title=_get(f, "title", code), severity=_get(f, "severity", "info"), side=label_side,
            evidence=_evidence_text(f), cue=_get(f, "cue", ""), drill=_get(f, "drill", ""), note=_get(f, "note", ""),
            confidence=conf or "",
        ))
    order = {"marked": 0, "moderate": 1, "mild": 2}
    views.sort(key=lambda v: (order.get(v.severity, 3), 0 if (v.side or "").endswith("(near camera)") else 1))
    return views


def _side_lines(summary: Mapping[str, Any], near: str | None, metric: str, unit: str, scale: float = 1.0,
                signed: bool = True, extra: str | None = None, extra_label: str = "") -> list[str]:
    lines = []
    for side in ("near", "far"):
        s = near if side == "near" else ("right" if near == "left" else "left")
        if s is None:
            continue
        m = _side_metric(summary, s, metric)
        med = _num(m.get("median"))
        if med is None:
            lines.append(f"{s.capitalize()} leg ({side}): not measured")
            continue
        iqr = m.get("iqr") or [None, None]
        txt = f"{s.capitalize()} leg ({side}): {fmt(med * scale, 0, unit, signed)}"
        if iqr[0] is not None:
            txt += f" (middle half {fmt(iqr[0] * scale, 0)} to {fmt(iqr[1] * scale, 0)}{unit})"
        if extra:
            e = _num(_side_metric(summary, s, extra).get("median"))
            if e is not None:
                txt += f", {extra_label} {fmt(e * scale, 0, unit, signed)}"
        txt += f", {m.get('n', 0)} steps, confidence {m.get('confidence', '?')}"
        lines.append(txt)
    return lines


def _headline_side(analysis: Any, codes: Sequence[str], metric: str) -> str | None:
    """The side the headline number is about: the side of the most severe finding, else the near side."""
    summary = _get(analysis, "summary") or {}
    near = _get(analysis, "near_side")
    best, rank = None, 0
    for f in _get(analysis, "findings") or []:
        if _get(f, "code") in codes and _get(f, "side") in ("left", "right"):
            r = _SEV_RANK.get(_get(f, "severity"), 0)
            if r > rank or (r == rank and _get(f, "side") == near):
                best, rank = _get(f, "side"), r
    if best:
        return best
    if near and _num(_side_metric(summary, near, metric).get("median")) is not None:
        return near
    for s in ("left", "right"):
        if _num(_side_metric(summary, s, metric).get("median")) is not None:
            return s
    return near


def _worst_finding(analysis: Any, code: str) -> Any:
    fs = [f for f in _get(analysis, "findings") or [] if _get(f, "code") == code]
    return max(fs, key=lambda f: _SEV_RANK.get(_get(f, "severity"), 0)) if fs else None


def _card_verdict(walking: bool, median: float | None, finding: Any, problem: str, ok: str) -> tuple[str, str]:
    """(verdict text, status) of a headline card: not a run, not measured, the finding's severity, or ok."""
    if walking:
        return "Not a run: no flight phase", "info"
    if median is None:
        return "Not measured", "info"
    if finding is not None:
        return f"{str(_get(finding, 'severity')).capitalize()}{problem}", _get(finding, "severity", "mild")
    return ok, "ok"


def headline_cards(analysis: Any) -> list[Card]:
    """Overstride, hip extension and cadence cards from the summary and the findings."""
    summary = _get(analysis, "summary") or {}
    near = _get(analysis, "near_side")
    walking = bool(summary.get("walking"))
    cards = []

    # -- overstride
    side = _headline_side(analysis, ("overstride",), "overstride_pct_leg")
    m = _side_metric(summary, side, "overstride_pct_leg") if side else {}
    med = _num(m.get("median"))
    verdict, status = _card_verdict(walking, med, _worst_finding(analysis, "overstride"), " overstride", "No overstride")
    value = "–" if med is None else f"{fmt(med, 0, signed=True)} % leg"
    cm = _num(_side_metric(summary, side, "overstride_cm").get("median")) if side else None
    if cm is not None:
        value += f" ({fmt(cm, 0, signed=True)} cm)"
    details = [f"Heel ahead of the centre of mass at contact, {side} leg (median)"] if side and med is not None else []
    details += _side_lines(summary, near, "overstride_pct_leg", " %", signed=True)
    cards.append(Card("overstride", "Overstride", verdict, value, status, str(m.get("confidence", "")), tuple(details)))

    # -- hip extension (verdict on the peak thigh angle, as the findings)
    side = _headline_side(analysis, ("limited_hip_extension",), "peak_hip_extension_deg")
    m = _side_metric(summary, side, "peak_hip_extension_deg") if side else {}
    med = _num(m.get("median"))
    verdict, status = _card_verdict(
        walking, med, _worst_finding(analysis, "limited_hip_extension"), ": limited hip extension", "Good hip extension"
    )
    value = "–" if med is None else f"{fmt(med, 0, '°', signed=True)}"
    details = [f"Peak thigh angle behind the hip, {side} leg (median)"] if side and med is not None else []
    to = _num(_side_metric(summary, side, "hip_extension_deg").get("median")) if side else None
    if to is not None:
        details.append(f"At toe-off: {fmt(to, 0, '°', signed=True)}")
    details += _side_lines(summary, near, "peak_hip_extension_deg", "°", signed=True)
    cards.append(Card("hip_extension", "Hip extension", verdict, value, status, str(m.get("confidence", "")), tuple(details)))

    # -- cadence and contact time
    cad = _num(summary.get("cadence_spm"))
    f = _worst_finding(analysis, "low_cadence")
    ct = _num(summary.get("contact_time_s"))
    details = []
    if ct is not None:
        details.append(f"Ground contact {fmt(ct * 1000, 0)} ms (median, both feet)")
    ft = _num(summary.get("flight_time_s"))
    if ft is not None:
        details.append(f"Flight {fmt(ft * 1000, 0)} ms")
    if f is not None:
        verdict, status = f"{str(_get(f, 'severity')).capitalize()}: low cadence", _get(f, "severity", "mild")
    elif cad is None:
        verdict, status = "Not measured", "info"
    else:
        verdict, status = "In the usual range", "ok"
    cards.append(Card("cadence", "Cadence", verdict, "–" if cad is None else f"{fmt(cad, 0)} steps/min", status, "",
                      tuple(details)))
    return cards


def _step_times(analysis: Any) -> list[float]:
    steps = _get(analysis, "steps") or []
    ev = _get(analysis, "events")
    ev_steps = list(_get(ev, "steps") or []) if ev is not None else []
    if len(ev_steps) == len(steps) and all(e.side == s.side for e, s in zip(ev_steps, steps)):
        return [float(e.contact_at_s) for e in ev_steps]
    fps = float(_get(analysis, "video", {}).get("fps") or 30.0)
    return [s.contact_frame / fps for s in steps]


def step_table(analysis: Any) -> tuple[list[str], list[list[str]], list[str]]:
    steps = _get(analysis, "steps") or []
    times = _step_times(analysis)
    has_cm = any(_num(s.overstride_cm) is not None for s in steps)
    cols = ["#", "Leg", "Frame", "Time (s)", "Heel ahead of COM (% leg)"]
    if has_cm:
        cols.append("Heel ahead (cm)")
    cols += ["Shank at contact (°)", "Thigh at toe-off (°)", "Peak extension (°)", "Contact (ms)", "Flight (ms)",
             "Knee bend at contact (°)"]
    rows, classes = [], []
    for i, (s, t) in enumerate(zip(steps, times), 1):
        ms = (lambda v: fmt(None if v is None else v * 1000, 0))
        r = [str(i), f"{s.side} ({'near' if s.near else 'far'})", str(s.contact_frame), fmt(t, 2),
             fmt(s.overstride_pct_leg, 0, signed=True)]
        if has_cm:
            r.append(fmt(s.overstride_cm, 0, signed=True))
        r += [fmt(s.shank_angle_deg, 0, signed=True), fmt(s.hip_extension_deg, 0, signed=True),
              fmt(s.peak_hip_extension_deg, 0, signed=True), ms(s.contact_time_s), ms(s.flight_time_s),
              fmt(s.knee_flexion_contact_deg, 0)]
        rows.append(r)
        classes.append(s.side)
    return cols, rows, classes


def report_plots(analysis: Any, colors: Mapping[str, str] | None = None) -> list[Image]:
    """The three plots of one analysis."""
    colors = dict(colors or plots.side_colors(_get(analysis, "near_side")))
    out = []
    track = _get(analysis, "track")
    ev = _get(analysis, "events")
    facing = _get(analysis, "facing", "left")
    near = _get(analysis, "near_side")
    if track is not None and ev is not None:
        curves, pcts = {}, {}
        for side in ("left", "right"):
            st = ev.for_side(side)
            th = thigh_angle_deg(np.asarray(track.keypoints_px, float), side, facing)
            curves[side], pcts[side] = plots.gait_cycle_curves(
                th, [s.contact_index for s in st], [s.toe_off_index for s in st])
        out.append(Image(
            "Thigh angle over the stride",
            plots.thigh_cycle_plot(curves, pcts, colors=colors, near_side=near),
            "Line = average stride per leg, band = stride-to-stride spread, dashed line and dot = toe-off. "
            "Above zero the knee is behind the hip (extension); the higher the curve near toe-off, the more hip extension.",
            alt="Thigh angle over the gait cycle, left and right leg"))
    steps = _get(analysis, "steps") or []
    if steps:
        times = _step_times(analysis)
        from .findings import OVERSTRIDE_PCT_LEG  # noqa: PLC0415

        out.append(Image(
            "Where the foot lands",
            plots.foot_ahead_plot(times, [s.side for s in steps], [s.overstride_pct_leg for s in steps],
                                  threshold_pct=OVERSTRIDE_PCT_LEG[0], colors=colors, near_side=near),
            "One mark per foot contact: how far the heel lands ahead of the centre of mass, in % of leg length. "
            "Marks above the dashed line count as overstriding.",
            alt="Heel position relative to the centre of mass at each contact"))
        cad = [None if not s.step_time_s else 60.0 / s.step_time_s for s in steps]
        out.append(Image(
            "Cadence and contact time",
            plots.cadence_contact_plot(times, cad, [None if s.contact_time_s is None else 1000 * s.contact_time_s
                                                    for s in steps], [s.side for s in steps], colors=colors,
                                       near_side=near),
            "Top: steps per minute from each step to the next. Bottom: how long each foot stays on the ground.",
            alt="Cadence and ground contact time over the clip"))
    return out


# ============================================================================ stills
_STILL_CAPTIONS = (
    # (substrings of the still's name, title, caption)
    (("worst",), "Worst landing", "The contact where the foot landed furthest ahead of the centre of mass (vertical line)."),
    (("median", "typical"), "Typical landing", "A contact close to your median: where the foot usually lands relative to the centre of mass."),
    (("toe",), "Push-off (toe-off)", "The frame the foot leaves the ground, with the thigh angle behind the hip."),
    (("contact", "landing"), "Landing", "Foot contact with the centre-of-mass line."),
)


def _still_title(name: str, analysis: Any = None) -> tuple[str, str, int]:
    """(title, caption, sort key) of a still from its name.

    Names as written by ``formcheck.annotated_clip.still_specs``: ``<finding code>_<side>`` (worst step
    of that finding), ``contact`` (median landing of the near leg), ``toe_off`` (median push-off).
    """
    low = name.lower()
    findings = list(_get(analysis, "findings") or []) if analysis is not None else []
    for i, f in enumerate(findings):
        code, side = str(_get(f, "code", "")), _get(f, "side")
        if low == (code if side is None else f"{code}_{side}"):
            what = str(_get(f, "title", code)).split(":")[0]
            if code == "limited_hip_extension":
                caption = "The push-off with the least hip extension: thigh angle behind the hip at toe-off."
            elif code == "long_contact":
                caption = "The landing of the step with the longest ground contact."
            else:
                caption = "The landing where this was most marked; the vertical line is the centre of mass."
            return (f"Worst step: {what}" + (f", {side} leg" if side else "")), caption, i
    if low == "contact" or low.startswith("contact_"):
        return "Typical landing", "A landing close to your median (near leg): where the foot lands relative to the centre of mass.", 100
    if low == "toe_off" or low.startswith("toe_off"):
        return "Typical push-off (toe-off)", "The frame the foot leaves the ground (median step, near leg), with the thigh angle behind the hip.", 101
    for keys, title, caption in _STILL_CAPTIONS:
        if any(k in low for k in keys):
            side = next((s for s in ("left", "right") if s in low), None)
            return (f"{title}, {side} leg" if side else title), caption, 50
    return name.replace("_", " ").strip().capitalize(), "", 60


def _is_portrait(data: bytes) -> bool:
    import cv2  # noqa: PLC0415

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    return img is not None and img.shape[0] > img.shape[1]


def _shrink_image(data: bytes, max_side: int = 960) -> tuple[bytes, str]:
    """Re-encode a still as JPEG no larger than ``max_side`` px (keeps the HTML light on a phone)."""
    import cv2  # noqa: PLC0415

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError("not an image")
    h, w = img.shape[:2]
    f = min(1.0, max_side / max(h, w))
    if f < 1.0:
        img = cv2.resize(img, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("could not encode")
    return buf.tobytes(), "image/jpeg"


def load_stills(
    stills: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]] | None,
    analysis: Any = None,
) -> tuple[list[Image], list[str]]:
    """Images for the key-frame section from the annotate helper's PNGs (name -> path, or paths).

    Returns (images, problems): unreadable files are skipped and reported, not fatal.
    """
    if not stills:
        return [], []
    items = list(stills.items()) if isinstance(stills, Mapping) else [(Path(p).stem, p) for p in stills]
    keyed: list[tuple[int, Image]] = []
    problems: list[str] = []
    seen: dict[bytes, int] = {}  # identical frames (two findings on the same worst step) are shown once
    for name, p in items:
        try:
            raw = Path(p).read_bytes()
            data, mime = _shrink_image(raw)
        except (OSError, ValueError) as exc:
            problems.append(f"key frame {name!r} could not be read ({exc})")
            continue
        title, caption, order = _still_title(str(name), analysis)
        digest = hashlib.sha1(raw).digest()
        if digest in seen:
            i = seen[digest]
            o, im = keyed[i]
            extra = title.removeprefix("Worst step: ")
            keyed[i] = (o, dataclasses.replace(im, title=f"{im.title}; {extra}", alt=f"{im.alt}; {extra}"))
            continue
        seen[digest] = len(keyed)
        keyed.append((order, Image(title, data, caption, mime=mime, alt=title, kind="still", portrait=_is_portrait(data))))
    keyed.sort(key=lambda kv: kv[0])  # findings' worst steps (in findings order), then typical landing, push-off
    return [im for _, im in keyed], problems


def _pick_still_steps(analysis: Any) -> tuple[Any, Any]:
    """(worst-overstride contact step, median-hip-extension toe-off step), preferring the near leg."""
    steps = [s for s in _get(analysis, "steps") or []]
    near = [s for s in steps if s.near] or steps
    worst = max((s for s in near if _num(s.overstride_pct_leg) is not None), key=lambda s: s.overstride_pct_leg, default=None)
    with_to = [s for s in near if s.toe_off_frame is not None and _num(s.hip_extension_deg) is not None]
    median = None
    if with_to:
        with_to.sort(key=lambda s: s.hip_extension_deg)
        median = with_to[len(with_to) // 2]
    return worst, median


def own_stills(analysis: Any, video_path: str | os.PathLike[str]) -> list[Image]:
    """Fallback key frames drawn here with a minimal overlay (COM line + heel; thigh line + angle).

    Used only when the annotate helper's stills are not given. Decodes the video up to the last
    frame needed.
    """
    import cv2  # noqa: PLC0415

    from . import landmarks as lm  # noqa: PLC0415
    from .video import iter_frames  # noqa: PLC0415

    worst, median = _pick_still_steps(analysis)
    track = _get(analysis, "track")
    wanted: dict[int, list[tuple[str, Any]]] = {}
    if worst is not None:
        wanted.setdefault(int(worst.contact_frame), []).append(("contact", worst))
    if median is not None:
        wanted.setdefault(int(median.toe_off_frame), []).append(("toe_off", median))
    if not wanted or track is None:
        return []
    rows = {int(f): i for i, f in enumerate(np.asarray(track.frame_indices))}
    k = np.asarray(track.keypoints_px, float)
    com = np.asarray(_get(analysis, "com_px"), float)
    colors = plots.side_colors(_get(analysis, "near_side"))
    out: dict[str, Image] = {}
    last = max(wanted)
    for frame in iter_frames(video_path):
        if frame.index > last:
            break
        for kind, st in wanted.get(frame.index, ()):
            row = rows.get(frame.index)
            if row is None:
                continue
            img = np.ascontiguousarray(frame.rgb[:, :, ::-1])  # BGR for cv2
            h, w = img.shape[:2]
            unit = max(1, round(min(w, h) / 360))
            col = tuple(int(colors[st.side][i:i + 2], 16) for i in (5, 3, 1))  # hex -> BGR
            leg = lm.LEG[st.side]  # type: ignore[index]
            if kind == "contact":
                cx = com[row, 0]
                heel = k[row, leg["heel"]]
                if np.isfinite(cx):
                    cv2.line(img, (int(cx), 0), (int(cx), h - 1), (220, 40, 255), 2 * unit)
                if np.isfinite(heel).all():
                    cv2.circle(img, (int(heel[0]), int(heel[1])), 6 * unit, col, -1)
                    if np.isfinite(cx):
                        cv2.line(img, (int(cx), int(heel[1])), (int(heel[0]), int(heel[1])), col, 2 * unit)
                label = f"heel {fmt(st.overstride_pct_leg, 0, '% leg', signed=True)} ahead of COM"
                title, caption = f"Worst landing, {st.side} leg", (
                    f"Frame {st.contact_frame}: the vertical line is the centre of mass; the heel lands "
                    f"{fmt(st.overstride_pct_leg, 0, signed=True)} % of leg length ahead of it.")
            else:
                hip, knee = k[row, leg["hip"]], k[row, leg["knee"]]
                if np.isfinite(hip).all() and np.isfinite(knee).all():
                    cv2.line(img, (int(hip[0]), int(hip[1])), (int(hip[0]), int(hip[1] + 1.2 * np.linalg.norm(knee - hip))),
                             (255, 255, 255), 2 * unit)
                    cv2.line(img, (int(hip[0]), int(hip[1])), (int(knee[0]), int(knee[1])), col, 3 * unit)
                label = f"thigh {fmt(st.hip_extension_deg, 0, ' deg', signed=True)} at toe-off"
                title, caption = f"Push-off (toe-off), {st.side} leg", (
                    f"Frame {st.toe_off_frame}: thigh angle {fmt(st.hip_extension_deg, 0, '°', signed=True)} "
                    "from vertical (white line) at toe-off; + = knee behind the hip.")
            fs = 0.7 * unit
            cv2.rectangle(img, (0, 0), (w, int(34 * unit)), (0, 0, 0), -1)
            cv2.putText(img, label, (8 * unit, int(24 * unit)), cv2.FONT_HERSHEY_DUPLEX, fs, (255, 255, 255), max(1, unit), cv2.LINE_AA)
            ok, buf = cv2.imencode(".png", img)
            if ok:
                data, mime = _shrink_image(buf.tobytes())
                out[kind] = Image(title, data, caption, mime=mime, alt=title, kind="still", portrait=h > w)
    return [out[x] for x in ("contact", "toe_off") if x in out]


# ============================================================================ entry points
def _subtitle(analysis: Any) -> tuple[str, ...]:
    v = _get(analysis, "video") or {}
    summary = _get(analysis, "summary") or {}
    bits = []
    if _num(v.get("duration_s")) is not None:
        bits.append(f"{fmt(v.get('duration_s'), 1)} s at {fmt(v.get('fps'), 0)} fps")
    facing = _get(analysis, "facing")
    if facing:
        bits.append(f"running toward image {facing} ({_get(analysis, 'near_side')} leg nearer the camera)")
    mode = _get(analysis, "mode")
    if mode:
        bits.append(str(mode))
    if summary.get("n_steps") is not None:
        bits.append(f"{summary.get('n_steps')} steps")
    h = _num(_get(analysis, "height_cm"))
    if h is not None:
        bits.append(f"height {fmt(h, 0)} cm")
    return (" · ".join(bits),) if bits else ()


def _is_low_quality(analysis: Any, cards: Sequence[Card], warnings: Sequence[str]) -> bool:
    if warnings:
        return True
    confs = [c.confidence for c in cards if c.confidence]
    return bool(confs) and all(c == "low" for c in confs)


def model_from_analysis(
    analysis: Any,
    *,
    stills: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]] | None = None,
    video_path: str | os.PathLike[str] | None = None,
    title: str | None = None,
    extra_warnings: Sequence[str] = (),
) -> ReportModel:
    """ReportModel of one :class:`formcheck.analysis.Analysis`.

    ``stills``: the annotate helper's PNGs (name -> path, e.g. ``AnnotatedOutputs.stills``). When
    absent and ``video_path`` is given, two minimal key frames are drawn here; otherwise the
    key-frame section says why it is empty.
    """
    from . import __version__ as version  # noqa: PLC0415

    colors = plots.side_colors(_get(analysis, "near_side"))
    cards = headline_cards(analysis)
    quality = _get(analysis, "quality") or {}
    warnings = [str(w) for w in quality.get("warnings", [])]
    images, problems = load_stills(stills, analysis)
    note = ""
    if not images and video_path is not None:
        try:
            images = own_stills(analysis, video_path)
        except Exception as exc:  # a report without stills beats no report
            problems.append(f"key frames could not be drawn from the video ({type(exc).__name__}: {exc})")
    if not images:
        note = "No key frames: the annotated stills were not produced for this run" + (
            "" if video_path else " and the video was not given to the report") + "."
    cols, rows, classes = step_table(analysis)
    source = str((_get(analysis, "video") or {}).get("source") or "")
    return ReportModel(
        title=title or "Your running form",
        source=Path(source).name if source else "",
        subtitle=((f"Clip: {Path(source).name}",) if source else ()) + _subtitle(analysis),
        cards=cards,
        findings=_finding_views(analysis),
        stills=images,
        stills_note=note,
        plots=report_plots(analysis, colors),
        table_columns=cols,
        table_rows=rows,
        table_row_classes=classes,
        warnings=warnings + [*problems, *extra_warnings],
        low_quality=_is_low_quality(analysis, cards, warnings),
        footer=(
            f"formcheck {version} · made {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')} · works offline, nothing was uploaded.",
            "Overstride = horizontal distance from the centre of mass to the heel at first contact, in % of leg length "
            "(hip to knee to ankle). Thigh angle = hip-to-knee line from vertical, + when the knee is behind the hip. "
            "Measured from one 2-D camera with a pose model: angles carry a few degrees of error; the far leg is less reliable.",
        ),
        colors=colors,
    )


def write_report(
    analysis: Any,
    out_path: str | os.PathLike[str],
    *,
    stills: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]] | None = None,
    video_path: str | os.PathLike[str] | None = None,
    title: str | None = None,
) -> Path:
    """Write the single-file HTML report of one analysis (``formcheck analyze ... -o OUTDIR`` -> OUTDIR/report.html).

    ``stills``: annotated PNGs by name (``AnnotatedOutputs.stills``) or a list of paths; ``video_path``:
    the source clip, used only to draw fallback key frames when ``stills`` is empty. Atomic write.
    """
    model = model_from_analysis(analysis, stills=stills, video_path=video_path, title=title)
    return write_atomic(out_path, render_html(model))


# ============================================================================ before / after
def _as_analysis(obj: Any) -> Any:
    """An Analysis as is; a saved analysis.json dict with its steps/findings as attribute objects.

    From a dict the thigh-angle plot is not possible (no keypoints), the other plots are.
    """
    if not isinstance(obj, Mapping):
        return obj
    from types import SimpleNamespace  # noqa: PLC0415

    d = dict(obj)
    d["steps"] = [SimpleNamespace(**s) for s in obj.get("steps", [])]
    d["findings"] = [SimpleNamespace(**f) for f in obj.get("findings", [])]
    d.setdefault("summary", {})
    d.setdefault("quality", {})
    d.setdefault("video", {})
    return d


def _change_value(v: Any, unit: str) -> str:
    x = _num(v)
    if x is None:
        return "–"
    if unit == "s":
        return f"{x * 1000:.0f} ms"
    unit = {"deg": "°", "% leg": " % leg", "deg/s": " °/s", "steps/min": " steps/min"}.get(unit, f" {unit}")
    return f"{x:.0f}{unit}" if unit != "°" else f"{x:+.0f}°"


def _change_rows(comparison: Any) -> list[dict[str, str]]:
    rows = []
    for c in _get(comparison, "changes") or []:
        if _get(c, "side") != "both":
            continue
        unit = _get(c, "unit", "")
        diff = _num(_get(c, "difference"))
        ci = _get(c, "ci95")
        if diff is None:
            change = "–"
        else:
            scale, u = (1000.0, " ms") if unit == "s" else (1.0, {"deg": "°", "% leg": " % leg"}.get(unit, f" {unit}"))
            change = f"{diff * scale:+.1f}{u}"
            if ci:
                change += f", {ci[0] * scale:+.1f} to {ci[1] * scale:+.1f}"
        rows.append({"metric": str(_get(c, "label", _get(c, "metric", ""))),
                     "before": _change_value(_get(c, "before_median"), unit),
                     "after": _change_value(_get(c, "after_median"), unit),
                     "change": change, "verdict": str(_get(c, "verdict", ""))})
    return rows


def write_compare_report(
    comparison: Any,
    out_path: str | os.PathLike[str],
    *,
    before: Any = None,
    after: Any = None,
    before_stills: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]] | None = None,
    after_stills: Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]] | None = None,
    before_video: str | os.PathLike[str] | None = None,
    after_video: str | os.PathLike[str] | None = None,
    title: str = "Running form: before and after",
) -> Path:
    """Write the before/after report (``formcheck compare BEFORE AFTER -o OUTDIR`` -> OUTDIR/report.html).

    ``comparison``: a :class:`formcheck.compare.Comparison` (its ``changes`` give the "What changed"
    table; only the both-sides rows are shown, per-side values are in each run's own sections).
    ``before`` / ``after``: the two :class:`formcheck.analysis.Analysis` objects, or their saved
    ``analysis.json`` dicts (then the thigh-angle plot is left out: it needs the keypoints). Stills and
    videos as in :func:`write_report`. Atomic write.
    """
    if before is None or after is None:
        raise ValueError("write_compare_report needs the before and after analyses (Analysis or analysis.json dict)")
    b, a = _as_analysis(before), _as_analysis(after)
    mb = model_from_analysis(b, stills=before_stills, video_path=before_video, title="Before")
    ma = model_from_analysis(a, stills=after_stills, video_path=after_video, title="After")
    mb.source = str(_get(comparison, "before_source") or mb.source)
    ma.source = str(_get(comparison, "after_source") or ma.source)
    rows = _change_rows(comparison)
    improved = sum(r["verdict"] == "improved" for r in rows)
    worse = sum(r["verdict"] == "worse" for r in rows)
    summary = (f"{improved} measure{'s' if improved != 1 else ''} improved, {worse} got worse, "
               f"the rest show no change beyond step-to-step noise.") if rows else ""
    notes = []
    for key, label in (("findings_resolved", "Resolved"), ("findings_appeared", "New"), ("findings_persisting", "Still there")):
        items = _get(comparison, key) or []
        if items:
            notes.append(f"{label}: " + ", ".join(str(i).replace("_", " ") for i in items))
    notes += [f"Comparability: {w}" for w in (_get(comparison, "comparability") or [])]
    notes.append("A change counts only when its 95% interval excludes zero and it is larger than the smallest "
                 "change the method can detect.")
    text = render_compare_html(mb, ma, rows, title=title, summary=summary, notes=notes)
    return write_atomic(out_path, text)

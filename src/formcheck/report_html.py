"""The report's HTML and CSS: :class:`~formcheck.report_model.ReportModel` in, one self-contained page out.

The page opens offline in any browser and on a phone: images are base64 ``data:`` URIs, CSS is
inline, there is no JavaScript and no external URL. Every piece of text goes through :func:`_e`
(:func:`html.escape`) on its way into the page. Nothing here knows about analyses.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import plots
from .report_model import FILMING_TIPS, SEVERITY_ORDER, Card, FindingView, Image, ReportModel


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


_CSS = """
:root{--fg:#1b1b1b;--muted:#555;--bg:#fff;--panel:#f4f5f7;--line:#d9dce1;
--ok:#009E73;--borderline:#7a7a7a;--mild:#b88600;--moderate:#D55E00;--marked:#b3261e;--info:#0072B2;
--left:%(left)s;--right:%(right)s}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%%;text-size-adjust:100%%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
font-size:17px;line-height:1.5;color:var(--fg);background:var(--bg)}
main{max-width:980px;margin:0 auto;padding:16px 14px 40px}
h1{font-size:1.6rem;line-height:1.2;margin:.2em 0 .1em;overflow-wrap:anywhere}
h2{font-size:1.3rem;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:2px solid var(--line);overflow-wrap:anywhere}
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
.b-ok{background:var(--ok)}.b-borderline{background:var(--borderline)}.b-mild{background:var(--mild)}.b-moderate{background:var(--moderate)}
.b-marked{background:var(--marked)}.b-info{background:var(--info)}
.finding{background:var(--panel);border-radius:12px;padding:12px 16px;margin:10px 0;border-left:8px solid var(--info)}
.s-ok{border-color:var(--ok)}.s-borderline{border-color:var(--borderline)}.s-mild{border-color:var(--mild)}.s-moderate{border-color:var(--moderate)}
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
tr.uncertain td{color:#777;font-style:italic}
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
            f'<div class="warn" id="quality-banner"><b>{_e(m.banner_heading)}</b><ul>'
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


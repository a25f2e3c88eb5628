"""history.html: the squad and each runner's trends, one self-contained page like the report.

Same page frame and style as the report (:mod:`formcheck.report_html`: inline CSS, images as
``data:`` URIs, no JavaScript, no external URL; every text escaped). A trend plot per metric
shows each recording's median with its interquartile range over the recording dates, with the
finding thresholds of :data:`formcheck.findings.FINDING_SPECS` shaded (mild, moderate, marked).
Each recording links to its own report by a path relative to the page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np

from . import plots
from .compare import MetricChange
from .findings import FINDING_SPECS, FindingSpec
from .geometry import SIDES
from .history import History, RunnerHistory, Trend, finding_text, not_analysed_text, relative_link
from .report_html import _e, _page, data_uri
from .report_model import fmt
from .rounding import shown_unit, unit_digits

# compare's per-step cadence is judged against the clip cadence's finding
_SPEC_FOR_METRIC = {spec.metric: spec for spec in FINDING_SPECS.values()} | {"step_cadence_spm": FINDING_SPECS["low_cadence"]}
SQUAD_METRICS = {  # the squad table's columns: short labels for a phone
    "overstride_pct_leg": "Overstride (% leg)", "hip_extension_deg": "Hip ext. at toe-off (°)",
    "peak_hip_extension_deg": "Peak hip ext. (°)", "step_cadence_spm": "Cadence (steps/min)",
}
BAND_COLORS = {"mild": "#b88600", "moderate": "#D55E00", "marked": "#b3261e"}
_SEVERITIES = ("mild", "moderate", "marked")
_VERDICT_CLASS = {"improved": "v-good", "worse": "v-bad"}

_EXTRA_CSS = """<style>
.v-good{color:#007a5a;font-weight:700}.v-bad{color:#b3261e;font-weight:700}
.att{color:#b3261e;font-weight:700}.calm{color:var(--muted)}
td.l,th.l{text-align:left;white-space:normal}
#squad-table td:nth-child(2){white-space:normal;min-width:12em}
#squad-table td{white-space:normal}
[id^=rec-] td:nth-child(4){min-width:9em}[id^=rec-] td:nth-child(5){min-width:18em}
.runner-nav{display:flex;flex-wrap:wrap;gap:6px 14px;margin:.4em 0}
</style>"""


def _fmt(value: float | None, unit: str) -> str:
    """A value stored in ``unit`` as the page shows it (contact time in ms); an en dash when missing, no "-0.0"."""
    shown, k = shown_unit(unit)
    return fmt(None if value is None else k * value, unit_digits(shown))


def bands(spec: FindingSpec, scale: float = 1.0) -> list[tuple[float, float, str]]:
    """(low, high, severity) value ranges of a finding's levels (infinite at the open end), x ``scale``."""
    limits = [scale * lim for lim in spec.limits]
    out = []
    for i, lim in enumerate(limits):
        nxt = limits[i + 1] if i + 1 < len(limits) else (np.inf if spec.higher_is_worse else -np.inf)
        low, high = (lim, nxt) if spec.higher_is_worse else (nxt, lim)
        out.append((low, high, _SEVERITIES[i]))
    return out


def trend_plot(dates: Sequence[dt.date], medians: Sequence[float | None], iqrs: Sequence[tuple[float, float] | None], *,
               title: str, unit: str, spec: FindingSpec | None,
               legs: dict[str, Sequence[float | None]] | None = None, near_sides: Sequence[str] | None = None) -> bytes:
    """Median and IQR per recording over the dates, threshold bands shaded; with ``legs``, each leg's median too.

    Each leg's line shows what pooling hides: a leg that changes while the other does not, or two legs that drift
    apart. Left is blue and right vermillion on every recording (the report colours its one clip's legs near and far,
    which here would swap between clips filmed from either side); a point where that leg was the far one
    (``near_sides``: each recording's near leg) is hollow, as it is measured less well, and a recording without the
    leg leaves a gap in its line."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter

    unit, k = shown_unit(unit)  # contact time plotted in ms, as the tables beside it give it
    x = np.array(dates, dtype="datetime64[D]").astype(dt.date)
    med = k * np.array([np.nan if m is None else m for m in medians], dtype=float)
    lo = k * np.array([np.nan if q is None else q[0] for q in iqrs], dtype=float)
    hi = k * np.array([np.nan if q is None else q[1] for q in iqrs], dtype=float)
    with matplotlib.rc_context(plots._STYLE):
        fig = plots._figure((5.2, 3.6))
        ax = fig.subplots()
        ok = np.isfinite(med)
        if ok.any():
            yerr = np.vstack([med - np.where(np.isfinite(lo), lo, med), np.where(np.isfinite(hi), hi, med) - med])
            ax.errorbar(x[ok], med[ok], yerr=yerr[:, ok], color="0.15", marker="o", markersize=8, capsize=5, linewidth=2.2,
                        elinewidth=1.6, label="both legs, median and IQR")
            values = np.concatenate([med[ok], lo[np.isfinite(lo)], hi[np.isfinite(hi)]])
            colours = plots.side_colors(None)
            for side, leg_medians in (legs or {}).items():
                leg = k * np.array([np.nan if m is None else m for m in leg_medians], dtype=float)
                seen = np.isfinite(leg)
                if seen.any():
                    marker = "<" if side == "left" else ">"
                    ax.plot(x, leg, color=colours[side], linewidth=1.4, linestyle="--")  # NaN breaks the line
                    far = np.array([near_sides is not None and near_sides[i] != side for i in range(len(x))]) & seen
                    ax.plot(x[seen & ~far], leg[seen & ~far], color=colours[side], marker=marker, markersize=7, linestyle="none")
                    ax.plot(x[far], leg[far], color=colours[side], marker=marker, markersize=7, linestyle="none",
                            markerfacecolor="white")
                    ax.plot([], [], color=colours[side], marker=marker, linestyle="--", label=f"{side} leg, median")
                    values = np.concatenate([values, leg[seen]])
            if legs:
                if near_sides is not None and any(n in SIDES for n in near_sides):
                    ax.plot([], [], color="0.4", marker="o", markerfacecolor="white", linestyle="none", label="hollow: far leg")
                ax.legend(loc="best", fontsize=10, frameon=False)
            y0, y1 = float(values.min()), float(values.max())
        else:
            ax.text(0.5, 0.5, "not measured", transform=ax.transAxes, ha="center")
            y0, y1 = 0.0, 1.0
        if spec is not None:
            first = k * spec.limits[0]
            y0, y1 = min(y0, first), max(y1, first)
        pad = max(0.12 * (y1 - y0), 1.0)
        y0, y1 = y0 - pad, y1 + pad
        if spec is not None:
            for low, high, severity in bands(spec, k):
                if high > y0 and low < y1:
                    ax.axhspan(max(low, y0), min(high, y1), color=BAND_COLORS[severity], alpha=0.13, linewidth=0)
                    ax.text(1.0, (max(low, y0) + min(high, y1)) / 2, f" {severity}", transform=ax.get_yaxis_transform(),
                            ha="right", va="center", fontsize=12, color=BAND_COLORS[severity])
        ax.set_ylim(y0, y1)
        if len(x):
            span = (max(x) - min(x)).days if len(x) > 1 else 0
            margin = dt.timedelta(days=max(2, span // 12))
            ax.set_xlim(min(x) - margin, max(x) + margin)
        if 0 < len(set(x)) <= 5:  # few recordings: a tick at each one's date
            ax.set_xticks(sorted(set(x)))
            ax.xaxis.set_major_formatter(DateFormatter("%d %b\n%Y"))
        else:
            locator = AutoDateLocator(minticks=2, maxticks=5)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=15)
        return plots._png(fig)


def _verdict_html(change: MetricChange | None) -> str:
    """"worse (+4.1 [+2.0, +6.3])", coloured; the change and its 95% interval in the metric's unit."""
    if change is None:
        return '<span class="calm">first recording</span>'
    text = _e(change.verdict)
    if change.difference is not None and change.ci95 is not None:
        unit, k = shown_unit(change.unit)
        d, ci = unit_digits(unit), change.ci95
        # fmt: a bound that rounds to zero reads "+0", not "-0" (as compare's terminal table; a reviewer saw "[-0, +5]")
        text += (f" ({fmt(k * change.difference, change.change_digits(d, k), signed=True)} "
                 f"[{fmt(k * ci[0], d, signed=True)}, {fmt(k * ci[1], d, signed=True)}])")
    cls = _VERDICT_CLASS.get(change.verdict, "")
    return f'<span class="{cls}">{text}</span>' if cls else text


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1, table_id: str = "") -> str:
    """A table of ready HTML cells (already escaped); the first ``left`` columns left-aligned."""
    def cls(i: int) -> str:
        return ' class="l"' if i < left else ""

    head = "".join(f'<th scope="col"{cls(i)}>{_e(c)}</th>' for i, c in enumerate(columns))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{v}</td>" for i, v in enumerate(r)) + "</tr>" for r in rows)
    tid = f' id="{_e(table_id)}"' if table_id else ""
    return f'<div class="tablewrap"><table{tid}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _anchor(runner: str) -> str:
    return "runner-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", runner).strip("-") or "x")


def _squad_html(history: History) -> str:
    units = {t.key: t.spec.unit for t in history.runners[0].trends}
    # "Needs attention" beside the runner: last, it sat off-screen behind the table's scrollbar even in a 1500 px
    # window (a newcomer's test)
    cols = ["Runner", "Needs attention", "Recordings", "Latest", *SQUAD_METRICS.values()]
    rows = []
    for r in sorted(history.runners, key=lambda r: (not r.attention, r.runner.lower())):
        cells = [f'<a href="#{_anchor(r.runner)}">{_e(r.runner)}</a>',
                 '<span class="att">' + "<br>".join(_e(a) for a in r.attention) + "</span>" if r.attention
                 else '<span class="calm">no</span>', str(len(r.recordings)), _e(r.latest.date)]
        for key in SQUAD_METRICS:
            p = r.trend(key).latest
            cells.append(f"{_fmt(p.median, units[key])}<br>{_verdict_html(p.since_previous)}")
        rows.append(cells)
    return ('<section id="squad"><h2>Squad</h2><p class="sub">Latest median of each runner and the change since their '
            "previous recording; runners who need attention first.</p>" + _table(cols, rows, table_id="squad-table") + "</section>")


def _runner_html(r: RunnerHistory, page_dir: Path) -> str:
    out = [f'<section class="runner" id="{_anchor(r.runner)}"><h2>{_e(r.runner)}</h2>']
    if r.attention:
        out.append('<div class="warn"><b>Needs attention</b><ul>' + "".join(f"<li>{_e(a)}</li>" for a in r.attention) + "</ul></div>")
    rec_rows = []
    for rec, notes in zip(r.recordings, r.comparability, strict=True):
        link = f'<a href="{_e(relative_link(rec.page, page_dir))}">{_e(rec.name)}</a>'
        findings = "<br>".join(_e(finding_text(f)) for f in rec.result.findings) or "none"
        rec_rows.append([_e(rec.date), link, str(rec.result.summary.n_steps), findings, _notes_html(rec.result.quality.warnings, notes)])
    out.append("<h3>Recordings</h3>" + _table(["Date", "Recording (opens its report)", "Steps", "Findings", "Notes on the clip; against the previous"],
                                               rec_rows, left=5, table_id=f"rec-{_anchor(r.runner)}"))
    change_rows = []
    for t in r.trends:  # both legs, then each leg alone under it, as compare shows them
        for row in (t, *(leg for leg in r.leg_trends if leg.key == t.key)):
            first, last = row.points[0], row.latest
            name = f"{t.spec.label} ({shown_unit(t.spec.unit)[0]})" if row.side == "both" else f"\u2003{row.side} leg"
            change_rows.append([_e(name), _fmt(first.median, t.spec.unit), _fmt(last.median, t.spec.unit),
                                _verdict_html(last.since_previous), _verdict_html(last.since_first)])
    out.append(f"<h3>Changes (latest: {_e(r.latest.date)})</h3>"
               + _table(["Metric", f"First ({r.recordings[0].date})", "Latest", "Since previous", "Since first"], change_rows, left=1))
    figures = []
    dates = [dt.date.fromisoformat(rec.date) for rec in r.recordings]
    for t in r.trends:
        if all(p.median is None for p in t.points):
            continue
        spec = _SPEC_FOR_METRIC.get(t.key)
        legs = {leg.side: [p.median for p in leg.points] for leg in r.leg_trends if leg.key == t.key}
        png = trend_plot(dates, [p.median for p in t.points], [p.iqr for p in t.points], title=t.spec.label, unit=t.spec.unit,
                         spec=spec, legs=legs, near_sides=[rec.result.near_side for rec in r.recordings])
        caption = _trend_caption(t, spec)
        figures.append(f'<figure class="plot"><img src="{data_uri(png)}" alt="{_e(t.spec.label)} over time" loading="eager">'
                       f"<figcaption>{caption}</figcaption></figure>")
    out.append('<h3>Trends</h3><div class="grid2">' + "".join(figures) + "</div></section>")
    return "".join(out)


def _notes_html(own: Sequence[str], against_previous: Sequence[str]) -> str:
    """A recording's own warnings, then what keeps it from being fully comparable with the previous one. compare's list
    repeats each clip's warnings as "before clip: ..." and "after clip: ...": the page put a recording's warnings in the
    next one's row and none in its own (a newcomer's test); here each clip's stay in its own row."""
    lines = [_e(w) for w in own]
    other = [n for n in against_previous if not n.startswith(("before clip: ", "after clip: "))]
    if other:
        lines.append("<b>Against the previous:</b> " + "<br>".join(_e(n) for n in other))
    return "<br>".join(lines) or '<span class="calm">–</span>'


def _trend_caption(t: Trend, spec: FindingSpec | None) -> str:
    better = {"lower": "lower is better", "higher": "higher is better", "none": "no better direction",
              "vertical": "nearer vertical is better"}[t.spec.better]
    # the smallest change counted as the comparisons used it: timing metrics' grows with the frame period
    # (formcheck.compare.sdc_for; the page said 0.02 s where 60 fps clips were judged on 0.025 s, a newcomer's test)
    unit, k = shown_unit(t.spec.unit)
    # to a digit past the unit's, as compare's table gives it (the page said "50.05 ms" beside "50.1", a newcomer's test)
    used = sorted({round(k * c.sdc, unit_digits(unit) + 1) for p in t.points for c in (p.since_previous, p.since_first)
                   if c is not None and c.sdc})
    sdc = f"{used[0]:g}" if len(used) == 1 else f"{used[0]:g}-{used[-1]:g}" if used else f"{k * t.spec.sdc:g}"
    text = f"<b>{_e(t.spec.label)}</b> – {_e(better)}; changes under {sdc} {_e(unit)} are not counted."
    if spec is not None:
        text += f" Shaded: the {_e(spec.flag_label)} finding's levels."
    return text


def render_history_html(history: History, page_dir: Path) -> str:
    """The whole page; links to the recordings are relative to ``page_dir`` (where the page is written)."""
    n_rec = sum(len(r.recordings) for r in history.runners)
    dates = sorted(rec.date for r in history.runners for rec in r.recordings)
    title = "Squad history" if len(history.runners) > 1 else f"History: {history.runners[0].runner}"
    header = (f"<h1>{_e(title)}</h1><p class=\"sub\">{len(history.runners)} runner{'s' if len(history.runners) != 1 else ''}, "
              f"{n_rec} recording{'s' if n_rec != 1 else ''}, {_e(dates[0])} to {_e(dates[-1])}"
              f"{f' ({len(history.not_analysed)} clip(s) not analysed: below)' if history.not_analysed else ''}. Both legs together (each leg's median, averaged), and each leg alone in the changes. "
              "A change is called improved or worse only when its 95% interval excludes zero and it reaches the metric's "
              "smallest detectable change, as in formcheck compare.</p>")
    nav = '<nav class="runner-nav">' + "".join(f'<a href="#{_anchor(r.runner)}">{_e(r.runner)}</a>' for r in history.runners) + "</nav>"
    # what is missing comes first: at the page's foot, under every plot, a newcomer missed the week that had failed
    notes = ""
    if history.not_analysed:
        notes += ('<p class="note">Not analysed in the last batch (batch.csv): '
                  + "; ".join(_e(not_analysed_text(n)) for n in history.not_analysed) + "</p>")
    if history.unreadable:
        notes += '<p class="note">Not read (damaged analysis.json): ' + ", ".join(_e(u) for u in history.unreadable) + "</p>"
    body = _EXTRA_CSS + nav + notes + _squad_html(history) + "".join(_runner_html(r, page_dir) for r in history.runners)
    footer = ("Made by formcheck history from the folders formcheck batch wrote; each recording's own report has the details.",)
    return _page(title, header, body, footer)

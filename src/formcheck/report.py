"""The runner's report: ONE self-contained HTML file (findings, plots, key frames, per-step table).

The file opens offline in any browser and on a phone: images are base64 ``data:`` URIs, CSS is
inline, there is no JavaScript and no external URL. Every piece of text is escaped. The file is
written atomically (temporary file in the same folder, then ``os.replace``), so a crash never
leaves half a report.

Three modules, one job each:

* :mod:`formcheck.report_model` - :class:`ReportModel`, a plain description of what the page shows
  (headline cards, findings, stills, plots, table, warnings);
* :mod:`formcheck.report_view` - builds it from an analysis (:func:`model_from_analysis`);
* :mod:`formcheck.report_html` - renders it as HTML and CSS (:func:`render_html`), knowing nothing
  about analyses.

This module holds the entry points, :func:`write_report` (``formcheck analyze``) and
:func:`write_compare_report` (``formcheck compare``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .analysis import Analysis
from .atomic import write_text_atomic
from .compare import Comparison
from .report_html import render_compare_html, render_html
from .report_model import FILMING_TIPS, Card, FindingView, Image, ReportModel, fmt
from .report_view import NO_STILLS_REASON, StillPaths, change_rows, compare_notes, model_from_analysis
from .result import AnalysisResult

__all__ = [
    "Card",
    "FindingView",
    "Image",
    "ReportModel",
    "FILMING_TIPS",
    "fmt",
    "model_from_analysis",
    "render_html",
    "render_compare_html",
    "write_report",
    "write_compare_report",
    "write_atomic",
]


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :mod:`formcheck.atomic`)."""
    return write_text_atomic(path, text)


def write_report(
    analysis: Analysis | AnalysisResult,
    out_path: str | os.PathLike[str],
    *,
    stills: StillPaths | None = None,
    no_stills_reason: str = NO_STILLS_REASON,
    title: str | None = None,
    plot_images: list[Image] | None = None,
    still_previews: Mapping[str, bytes] | None = None,
) -> Path:
    """Write the single-file HTML report of one analysis (``formcheck analyze ... -o OUTDIR`` -> OUTDIR/report.html).

    ``stills``: the annotated clip's PNGs by name (``AnnotatedOutputs.stills``) or a list of paths;
    without them the key-frame section says why there are none (``no_stills_reason``). A loaded
    :class:`AnalysisResult` has no keypoints: its report leaves out the thigh-angle plot.
    ``plot_images``: its plots made beforehand (``report_view.analysis_plots``); ``still_previews``: the stills'
    report JPEGs made with them (``AnnotatedOutputs.previews``). Atomic write.
    """
    model = model_from_analysis(analysis, stills=stills, no_stills_reason=no_stills_reason, title=title, plot_images=plot_images,
                                still_previews=still_previews)
    return write_atomic(out_path, render_html(model))


def write_compare_report(
    comparison: Comparison,
    out_path: str | os.PathLike[str],
    *,
    before: Analysis | AnalysisResult,
    after: Analysis | AnalysisResult,
    before_stills: StillPaths | None = None,
    after_stills: StillPaths | None = None,
    no_stills_reasons: tuple[str, str] = (NO_STILLS_REASON, NO_STILLS_REASON),
    title: str = "Running form: before and after",
) -> Path:
    """Write the before/after report (``formcheck compare BEFORE AFTER -o OUTDIR`` -> OUTDIR/report.html).

    ``comparison``'s changes give the "What changed" table (both legs together, then each leg). ``before`` /
    ``after``: computed analyses or loaded results (then without the thigh-angle plot). Stills as in
    :func:`write_report`, with a reason per run. Atomic write.
    """
    mb = model_from_analysis(before, stills=before_stills, no_stills_reason=no_stills_reasons[0], title="Before")
    ma = model_from_analysis(after, stills=after_stills, no_stills_reason=no_stills_reasons[1], title="After")
    mb.source = comparison.before_source or mb.source
    ma.source = comparison.after_source or ma.source
    rows = change_rows(comparison)
    pooled = [r for r in rows if r["side"] == "both"]
    counts = {v: sum(r["verdict"] == v for r in pooled)
              for v in ("improved", "worse", "no clear change", "changed", "not measurable", "timing uncertain")}
    summary = (f"Both legs together: {counts['improved']} measure{'s' if counts['improved'] != 1 else ''} improved, "
               f"{counts['worse']} got worse, {counts['no clear change']} show no change beyond step-to-step noise"
               + (f", {counts['changed']} changed (no better direction, or a shank crossing or moving behind vertical)"
                  if counts["changed"] else "")
               + (f", {counts['not measurable']} could not be measured (under 3 steps)" if counts["not measurable"] else "")
               + (f", {counts['timing uncertain']} not judged (timing uncertain)" if counts["timing uncertain"] else "")
               + ".") if pooled else ""
    one_leg = [r for r in rows if r["side"] != "both" and r["verdict"] in ("improved", "worse", "changed")]
    if one_leg:
        summary += f" Each leg alone: {len(one_leg)} change{'s' if len(one_leg) != 1 else ''} beyond the noise (below)."
    text = render_compare_html(mb, ma, rows, title=title, summary=summary, notes=compare_notes(comparison))
    return write_atomic(out_path, text)

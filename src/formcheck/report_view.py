"""From an analysis to the report's view model: which numbers, verdicts, stills and plots the page shows.

Everything here reads the typed :class:`~formcheck.result.AnalysisResult` (computed, or loaded
from a saved ``analysis.json``); the thigh-angle plot and the steps' sub-frame contact times also
need the arrays of a computed :class:`~formcheck.analysis.Analysis` and are left out (or read from
frames) without them. Findings read their units and thresholds from
:data:`formcheck.findings.FINDING_SPECS`; stills take their titles and captions from
:func:`formcheck.stills.choose_stills`, the choice the annotated clip named its PNGs by.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from . import plots
from .analysis import Analysis
from .compare import Comparison
from .findings import FINDING_SPECS, NORMAL_SIDE_NOTE, Finding, median_on_the_normal_side
from .geometry import SIDES, thigh_angle_deg
from .metrics import track_position
from .report_model import Card, FindingView, Image, ReportModel, fmt, num
from .rounding import rounded
from .result import AnalysisResult, ClipSummary, MetricSummary
from .stills import StillChoice, choose_stills, preview_jpeg

StillPaths = Mapping[str, str | os.PathLike[str]] | Sequence[str | os.PathLike[str]]

_SEV_RANK = {"marked": 4, "moderate": 3, "mild": 2, "borderline": 1}
NO_STILLS_REASON = "the annotated stills were not produced for this run"


def split(analysis: Analysis | AnalysisResult) -> tuple[AnalysisResult, Analysis | None]:
    """(the saved result, the computed analysis with its arrays or None)."""
    return (analysis.result, analysis) if isinstance(analysis, Analysis) else (analysis, None)


def _metric(summary: ClipSummary, side: str | None, name: str | None) -> MetricSummary | None:
    if side not in ("left", "right") or name is None:
        return None
    return summary.side(side).metrics.get(name)


def _median(summary: ClipSummary, side: str | None, name: str) -> float | None:
    m = _metric(summary, side, name)
    return None if m is None else num(m.median)


# ------------------------------------------------------------------ findings
def _evidence_text(f: Finding) -> str:
    spec = FINDING_SPECS.get(f.code)
    unit, scale, digits = (spec.unit, spec.display_scale, spec.digits) if spec else ("", 1.0, 1)
    value, thr = num(f.value), num(f.threshold)
    if f.code == "insufficient_steps" and value is not None and thr is not None:  # its figures count steps: no median
        return f"{value:.0f} step{'' if value == 1 else 's'} of this leg measured; a finding needs {thr:.0f}"
    parts = []
    if value is not None:
        shown = digits + (thr is not None and fmt(value * scale, digits) == fmt(thr * scale, digits))  # 15 vs 15: which side?
        s = f"median {fmt(value * scale, shown)}{unit}"
        if f.interval is not None:  # the median's 95 % interval (under 6 steps their range): a borderline one reaches across the threshold
            s += f", {f.interval_name} {fmt(f.interval[0] * scale, digits)} to {fmt(f.interval[1] * scale, digits)}{unit}"
        if thr is not None:
            s += f" (threshold {fmt(thr * scale, digits)}{unit})"
        parts.append(s)
    steps = (f.evidence or {}).get("steps") or []
    vals = [(v, st.get("contact_frame")) for st in steps if (v := num(st.get("value"))) is not None]
    if vals:
        lo = min(v for v, _ in vals) * scale
        hi = max(v for v, _ in vals) * scale
        worst = (max if spec is None or spec.higher_is_worse else min)(vals, key=lambda p: p[0])
        parts.append(f"{len(vals)} step{'' if len(vals) == 1 else 's'}, range {fmt(lo, digits)} to {fmt(hi, digits)}{unit}, "
                     f"most marked at frame {worst[1]} ({fmt(worst[0] * scale, digits)}{unit})")
    return "; ".join(parts)


def finding_views(result: AnalysisResult) -> list[FindingView]:
    """The findings as shown: most severe first, the near leg before the far one."""
    near = result.near_side
    views = []
    for f in result.findings:
        spec = FINDING_SPECS.get(f.code)
        m = _metric(result.summary, f.side, spec.metric) if spec is not None and spec.per_side else None
        side = f.side
        label_side = f"{side} (near camera)" if side and side == near else (f"{side} (far from camera)" if side else None)
        normal = median_on_the_normal_side(f)  # no cue or drill: it may well be fine
        note = (NORMAL_SIDE_NOTE[0].upper() + NORMAL_SIDE_NOTE[1:] + "." + (f" {f.note}" if f.note else "")) if normal else f.note
        views.append(FindingView(
            title=f.title, severity=f.severity, side=label_side, evidence=_evidence_text(f),
            cue="" if normal else f.cue, drill="" if normal else f.drill, note=note,
            confidence=m.confidence if m is not None else "",
        ))
    order = {"marked": 0, "moderate": 1, "mild": 2, "borderline": 3}
    views.sort(key=lambda v: (order.get(v.severity, 3), 0 if (v.side or "").endswith("(near camera)") else 1))
    return views


# ------------------------------------------------------------------ headline cards
def _side_lines(summary: ClipSummary, near: str, metric: str, unit: str, signed: bool = True) -> list[str]:
    lines = []
    for which in ("near", "far"):
        s = near if which == "near" else ("right" if near == "left" else "left")
        m = _metric(summary, s, metric)
        med = None if m is None else num(m.median)
        if m is None or med is None:
            lines.append(f"{s.capitalize()} leg ({which}): not measured")
            continue
        txt = f"{s.capitalize()} leg ({which}): {fmt(med, 0, unit, signed)}"
        if m.iqr is not None and (m.n or 0) > 1:  # one step has no middle half ("-18 to -18 %", a newcomer's test)
            # steps this alike keep a decimal: "middle half 15 to 15 %" told a newcomer nothing (14.6 to 14.9)
            d = 1 if fmt(m.iqr[0], 0) == fmt(m.iqr[1], 0) else 0
            txt += f" (middle half {fmt(m.iqr[0], d)} to {fmt(m.iqr[1], d)}{unit})"
        txt += f", {m.n} step{'' if m.n == 1 else 's'}, confidence {m.confidence}"
        lines.append(txt)
    return lines


def _headline_side(result: AnalysisResult, codes: Sequence[str], metric: str) -> str:
    """The side the headline number is about: the side of the most severe finding, else the near side."""
    near = result.near_side
    best, rank = None, 0
    for f in result.findings:
        if f.code in codes and f.side in ("left", "right"):
            r = _SEV_RANK.get(f.severity, 0)
            if r > rank or (r == rank and f.side == near):
                best, rank = f.side, r
    if best:
        return best
    for s in (near, "left", "right"):
        if _median(result.summary, s, metric) is not None:
            return s
    return near


def _worst_finding(result: AnalysisResult, code: str) -> Finding | None:
    fs = [f for f in result.findings if f.code == code]
    return max(fs, key=lambda f: _SEV_RANK.get(f.severity, 0)) if fs else None


def _card_verdict(walking: bool, median: float | None, finding: Finding | None, problem: str, ok: str,
                  judged: bool = True) -> tuple[str, str]:
    """(verdict text, status) of a headline card: not a run, not measured, not judged (too few steps of the leg
    for a finding), the finding's severity, or ok."""
    if walking:
        return "Not a run: no flight phase", "info"
    if median is None:
        return "Not measured", "info"
    if not judged and finding is None:
        return "Too few steps to judge", "info"
    if finding is not None and finding.borderline:
        return f"Borderline{problem} (too close to the threshold to tell)", "borderline"
    if finding is not None:
        return f"{finding.severity.capitalize()}{problem}", finding.severity or "mild"
    return ok, "ok"


def headline_cards(result: AnalysisResult) -> list[Card]:
    """Overstride, hip extension and cadence cards from the summary and the findings."""
    summary, near = result.summary, result.near_side
    walking = bool(summary.walking)
    cards = []

    # -- overstride
    side = _headline_side(result, ("overstride",), "overstride_pct_leg")
    m = _metric(summary, side, "overstride_pct_leg")
    med = _median(summary, side, "overstride_pct_leg")
    unjudged = {f.side for f in result.findings if f.code == "insufficient_steps"}
    verdict, status = _card_verdict(walking, med, _worst_finding(result, "overstride"), " overstride", "No overstride",
                                    judged=side not in unjudged)
    value = "–" if med is None else f"{fmt(med, 0, signed=True)} % leg"
    cm = _median(summary, side, "overstride_cm")
    if cm is not None:
        value += f" ({fmt(cm, 0, signed=True)} cm)"
    details = [f"Heel ahead of the centre of mass at contact, {side} leg (median)"] if med is not None else []
    details += _side_lines(summary, near, "overstride_pct_leg", " %", signed=True)
    cards.append(Card("overstride", "Overstride", verdict, value, status, m.confidence if m else "", tuple(details)))

    # -- hip extension (verdict on the peak thigh angle, as the findings)
    side = _headline_side(result, ("limited_hip_extension",), "peak_hip_extension_deg")
    m = _metric(summary, side, "peak_hip_extension_deg")
    med = _median(summary, side, "peak_hip_extension_deg")
    verdict, status = _card_verdict(
        walking, med, _worst_finding(result, "limited_hip_extension"), ": limited hip extension", "Good hip extension",
        judged=side not in unjudged,
    )
    value = "–" if med is None else f"{fmt(med, 0, '°', signed=True)}"
    details = [f"Peak thigh angle behind the hip, {side} leg (median)"] if med is not None else []
    to = _median(summary, side, "hip_extension_deg")
    if to is not None:
        details.append(f"At toe-off: {fmt(to, 0, '°', signed=True)}")
    details += _side_lines(summary, near, "peak_hip_extension_deg", "°", signed=True)
    cards.append(Card("hip_extension", "Hip extension", verdict, value, status, m.confidence if m else "", tuple(details)))

    # -- cadence and contact time
    cad = num(summary.cadence_spm)
    f = _worst_finding(result, "low_cadence")
    ct, ft = num(summary.contact_time_s), num(summary.flight_time_s)
    details = []
    if ct is not None:
        details.append(f"Ground contact {fmt(ct * 1000, 0)} ms ({_whose_median(summary, 'contact_time_s')})")
    if ft is not None:
        details.append(f"Flight {fmt(ft * 1000, 0)} ms ({_whose_median(summary, 'flight_time_s')})")
    if f is not None:
        verdict, status = f"{f.severity.capitalize()}: low cadence", f.severity or "mild"
    elif cad is None:
        verdict, status = "Not measured", "info"
    else:
        verdict, status = "In the usual range", "ok"
    cards.append(Card("cadence", "Cadence", verdict, "–" if cad is None else f"{fmt(cad, 0)} steps/min", status, "",
                      tuple(details)))
    return cards


# ------------------------------------------------------------------ step table and plots
def step_times(result: AnalysisResult, analysis: Analysis | None = None) -> list[float]:
    """Each step's contact time in s: the events' sub-frame instants when at hand (the arrays, or the saved file's
    timed events), else its frame over the fps. A report made from a saved analysis.json (compare's) gave 0.47 s for a
    step the analysis' own report gave 0.45 s (a newcomer's test)."""
    steps = result.steps
    ev_steps = list(analysis.events.steps) if analysis is not None else []
    if len(ev_steps) == len(steps) and all(e.side == s.side for e, s in zip(ev_steps, steps)):
        return [float(e.contact_at_s) for e in ev_steps]
    saved = {(e.side, int(e.frame)): float(e.time_s) for e in (result.events or ()) if e.kind == "contact"}
    fps = float(result.video.fps or 30.0)
    return [saved.get((s.side, int(s.contact_frame)), s.contact_frame / fps) for s in steps]


def step_table(result: AnalysisResult, times: Sequence[float]) -> tuple[list[str], list[list[str]], list[str]]:
    """(columns, rows, row classes = side, and "uncertain") of the per-step table.

    A step whose contact or toe-off timing is uncertain (left out of the medians when enough others remain) says so in
    its Leg cell, and is greyed: a newcomer's test read such rows of a short pass (a thigh at toe-off of -7 deg, a
    shank of -20 deg) as if they were as good as the rest."""
    steps = result.steps
    has_cm = any(num(s.overstride_cm) is not None for s in steps)
    cols = ["#", "Leg", "Frame", "Time (s)", "Heel ahead of COM (% leg)"]
    if has_cm:
        cols.append("Heel ahead (cm)")
    cols += ["Shank at contact (°)", "Thigh at toe-off (°)", "Peak extension (°)", "Contact (ms)", "Flight (ms)",
             "Knee bend at contact (°)"]

    def ms(v: float | None) -> str:
        return fmt(None if v is None else v * 1000, 0)

    rows, classes = [], []
    for i, (s, t) in enumerate(zip(steps, times), 1):
        leg = f"{s.side} ({'near' if s.near else 'far'})" + (", timing uncertain" if s.timing_uncertain else "")
        r = [str(i), leg, str(s.contact_frame), fmt(t, 2), fmt(s.overstride_pct_leg, 0, signed=True)]
        if has_cm:
            r.append(fmt(s.overstride_cm, 0, signed=True))
        r += [fmt(s.shank_angle_deg, 0, signed=True), fmt(s.hip_extension_deg, 0, signed=True),
              fmt(s.peak_hip_extension_deg, 0, signed=True), ms(s.contact_time_s), ms(s.flight_time_s),
              fmt(s.knee_flexion_contact_deg, 0)]
        rows.append(r)
        classes.append(s.side + (" uncertain" if s.timing_uncertain else ""))
    return cols, rows, classes


def analysis_plots(analysis: Analysis | AnalysisResult) -> list[Image]:
    """The report's plots of one analysis, as :func:`model_from_analysis` makes them."""
    result, arrays = split(analysis)
    return report_plots(result, arrays, plots.side_colors(result.near_side))


def thigh_cycle_curves(result: AnalysisResult, analysis: Analysis) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each leg's thigh angle over its strides and where in them its toe-offs fall (:func:`plots.gait_cycle_curves`).

    Cut at the events' instants, not their frames: a contact's frame is the first one after the landing and a
    toe-off's the last before the lift, so frames put the toe-off 43 % into treadmill_side_01's left stride against
    48 %, and the plot read +10° at toe-off beside the card's +14° (a newcomer's test)."""
    curves, pcts = {}, {}
    for side in ("left", "right"):
        st = analysis.events.for_side(side)
        th = thigh_angle_deg(np.asarray(analysis.track.keypoints_px, float), side, result.facing)
        at = lambda t_s: None if t_s is None else track_position(analysis.track, t_s)  # noqa: E731
        curves[side], pcts[side] = plots.gait_cycle_curves(th, [at(s.contact_at_s) for s in st], [at(s.toe_off_at_s) for s in st])
    return curves, pcts


def report_plots(result: AnalysisResult, analysis: Analysis | None = None, colors: Mapping[str, str] | None = None) -> list[Image]:
    """The plots of one analysis: thigh angle over the stride (needs the arrays), foot landing, cadence/contact."""
    colors = dict(colors or plots.side_colors(result.near_side))
    near = result.near_side
    out = []
    if analysis is not None:
        curves, pcts = thigh_cycle_curves(result, analysis)
        out.append(Image(
            "Thigh angle over the stride",
            plots.thigh_cycle_plot(curves, pcts, colors=colors, near_side=near,
                                   toe_off_deg={side: result.summary.side(side).metric("hip_extension_deg").median for side in SIDES}),
            "Line = average stride per leg, band = stride-to-stride spread, dashed line and dot = toe-off. "
            "Above zero the knee is behind the hip (extension); the higher the curve near toe-off, the more hip extension.",
            alt="Thigh angle over the gait cycle, left and right leg"))
    steps = result.steps
    if steps:
        times = step_times(result, analysis)
        sides = [s.side for s in steps]
        out.append(Image(
            "Where the foot lands",
            plots.foot_ahead_plot(times, sides, [s.overstride_pct_leg for s in steps],
                                  threshold_pct=FINDING_SPECS["overstride"].limits[0], colors=colors, near_side=near),
            "One mark per foot contact: how far the heel lands ahead of the centre of mass, in % of leg length. "
            "Marks above the dashed line count as overstriding.",
            alt="Heel position relative to the centre of mass at each contact"))
        cad = [None if not s.step_time_s else 60.0 / s.step_time_s for s in steps]
        contact_ms = [None if s.contact_time_s is None else 1000 * s.contact_time_s for s in steps]
        out.append(Image(
            "Cadence and contact time",
            plots.cadence_contact_plot(times, cad, contact_ms, sides, colors=colors, near_side=near),
            "Top: steps per minute from each step to the next. Bottom: how long each foot stays on the ground.",
            alt="Cadence and ground contact time over the clip"))
    return out


# ------------------------------------------------------------------ stills
def _is_portrait(data: bytes) -> bool:
    import cv2  # noqa: PLC0415

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    return img is not None and img.shape[0] > img.shape[1]


def _shrink_image(data: bytes) -> tuple[bytes, str]:
    """Re-encode a still (PNG bytes) as the report's JPEG (:func:`formcheck.stills.preview_jpeg`)."""
    import cv2  # noqa: PLC0415

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError("not an image")
    return preview_jpeg(img), "image/jpeg"


def load_stills(stills: StillPaths | None, choices: Sequence[StillChoice] = (),
                previews: Mapping[str, bytes] | None = None) -> tuple[list[Image], list[str]]:
    """Images for the key-frame section from the annotated clip's PNGs (name -> path, or paths named ``<name>.png``).

    Titles, captions and order come from the :class:`~formcheck.stills.StillChoice` of the same name.
    Identical frames (two findings on the same worst step) are shown once, under both titles.
    ``previews``: a still's report JPEG made when it was drawn (``AnnotatedOutputs.previews``), used
    instead of decoding its PNG again (7 stills of a 720p clip: 0.15 s after the clip, on the main thread).
    Returns (images, problems): unreadable files are skipped and reported, not fatal.
    """
    if not stills:
        return [], []
    items = list(stills.items()) if isinstance(stills, Mapping) else [(Path(p).stem, p) for p in stills]
    by_name = {c.name: c for c in choices}
    keyed: list[tuple[int, Image]] = []
    problems: list[str] = []
    seen: dict[bytes, int] = {}
    for name, p in items:
        try:
            preview = (previews or {}).get(str(name))
            data, mime = _shrink_image(Path(p).read_bytes()) if preview is None else (preview, "image/jpeg")
        except (OSError, ValueError) as exc:
            problems.append(f"key frame {name!r} could not be read ({exc})")
            continue
        choice = by_name.get(str(name))
        title, caption, order = (choice.title, choice.caption, choice.order) if choice else (str(name), "", 1000)
        digest = hashlib.sha1(data).digest()  # the same frame gives the same JPEG, from its PNG or its preview
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


# ------------------------------------------------------------------ one analysis
def _whose_median(summary: Any, key: str) -> str:
    """Whose median both feet's contact or flight time is (formcheck.analysis.both_feet): one foot's, or each foot's
    averaged; a file written before both_feet pooled every step when neither foot had 3."""
    counts = {side: summary.side(side).metric(key).n for side in ("left", "right")}
    feet = [side for side, n in counts.items() if n >= 3] or [side for side, n in counts.items() if n]
    return f"{feet[0]} foot's median" if len(feet) == 1 else "both feet: each foot's median, averaged"


def _subtitle(result: AnalysisResult) -> tuple[str, ...]:
    v = result.video
    bits = []
    if num(v.duration_s) is not None:
        bits.append(f"{fmt(v.duration_s, 1)} s at {fmt(v.fps, 0)} fps")
        if v.first_frame:  # --start: the table's frames and times are the file's, the annotated clip starts here
            # frames, not seconds: with --fps the rate saved is the real one, not the file's (a reviewer's catch)
            last = v.first_frame + max(0, v.frame_count - 1)
            # "any": the page said "the annotated clip starts at ..." of a run made with --no-video (a newcomer's test)
            bits[-1] += (f", frames {v.first_frame}-{last} of the file (the analysis, and any annotated clip of it, "
                         f"start at frame {v.first_frame}; the table gives the file's frames)")
    if result.facing:
        gait = "walking" if result.summary.walking else "running"  # a walk analysed with --allow-walking
        bits.append(f"{gait} toward image {result.facing} ({result.near_side} leg nearer the camera)")
    if result.mode:
        bits.append(str(result.mode))
    bits.append(f"{result.summary.n_steps} steps")
    h = num(result.height_cm)
    if h is not None:
        bits.append(f"height {fmt(h, 0)} cm")
    return (" · ".join(bits),)


def _is_low_quality(cards: Sequence[Card], warnings: Sequence[str]) -> bool:
    if warnings:
        return True
    return _all_low(cards)


def _all_low(cards: Sequence[Card]) -> bool:
    confs = [c.confidence for c in cards if c.confidence]
    return bool(confs) and all(c == "low" for c in confs)


def _banner_heading(cards: Sequence[Card]) -> str:
    """The warnings' banner: a clip read only roughly, or notes beside numbers that are sure (a slow-motion clip's
    banner said "hard to read" beside "confidence: high", a newcomer's test)."""
    if _all_low(cards) or not any(c.confidence for c in cards):
        return "This clip is hard to read: take the numbers as rough."
    return "Read these notes on the clip before the numbers."


def model_from_analysis(
    analysis: Analysis | AnalysisResult,
    *,
    stills: StillPaths | None = None,
    no_stills_reason: str = NO_STILLS_REASON,
    title: str | None = None,
    extra_warnings: Sequence[str] = (),
    plot_images: list[Image] | None = None,
    still_previews: Mapping[str, bytes] | None = None,
) -> ReportModel:
    """ReportModel of one analysis (a computed :class:`Analysis`, or a loaded :class:`AnalysisResult`).

    ``stills``: the annotated clip's PNGs (name -> path, e.g. ``AnnotatedOutputs.stills``). Without
    any, the key-frame section says so, and why (``no_stills_reason``). ``plot_images``: the
    :func:`analysis_plots` already made (e.g. on a thread while the clip was written). ``still_previews``:
    the stills' report JPEGs by name, made with them (see :func:`load_stills`).
    """
    from . import __version__ as version  # noqa: PLC0415

    result, arrays = split(analysis)
    colors = plots.side_colors(result.near_side)
    cards = headline_cards(result)
    warnings = [str(w) for w in result.quality.warnings]
    images, problems = load_stills(stills, choose_stills(result.steps, result.findings, result.near_side), still_previews)
    note = "" if images else f"No key frames: {no_stills_reason}."
    cols, rows, classes = step_table(result, step_times(result, arrays))
    source = str(result.video.source or "")
    return ReportModel(
        title=title or ("Your walking form" if result.summary.walking else "Your running form"),
        source=Path(source).name if source else "",
        subtitle=((f"Clip: {Path(source).name}",) if source else ()) + _subtitle(result),
        cards=cards,
        findings=finding_views(result),
        stills=images,
        stills_note=note,
        plots=report_plots(result, arrays, colors) if plot_images is None else plot_images,
        table_columns=cols,
        table_rows=rows,
        table_row_classes=classes,
        warnings=warnings + [*problems, *extra_warnings],
        low_quality=_is_low_quality(cards, warnings),
        banner_heading=_banner_heading(cards),
        footer=(
            f"formcheck {version} · made {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')} · works offline, nothing was uploaded.",
            "Overstride = horizontal distance from the centre of mass to the heel where the foot lands (its farthest "
            "reach ahead of the centre of mass around first contact), in % of leg length "
            "(hip to knee to ankle). Thigh angle = hip-to-knee line from vertical, + when the knee is behind the hip. "
            "Measured from one 2-D camera with a pose model: angles carry a few degrees of error; the far leg is less reliable. "
            "Confidence says how consistent the steps are and how sure their timing is, not how close the pose model's "
            "landmarks sit to the joints: on the bundled rendered runner, knee and hip angles read up to 5° off on the "
            "near leg and up to 14° on the far leg, at high and medium confidence.",
        ),
        colors=colors,
    )


# ------------------------------------------------------------------ before / after
_UNIT_SUFFIX = {"deg": "°", "% leg": " % leg", "deg/s": " °/s", "steps/min": " steps/min"}  # compare's units as shown


def _change_value(v: float | None, unit: str) -> str:
    x = num(v)
    if x is None:
        return "–"
    if unit == "s":
        return fmt(x * 1000, 0, " ms")
    unit = _UNIT_SUFFIX.get(unit, f" {unit}")
    return fmt(x, 0, unit) if unit != "°" else fmt(x, 0, "°", signed=rounded(x, 0) != 0)  # "0°", not "-0°" (a newcomer's test)


def change_rows(comparison: Comparison) -> list[dict[str, str]]:
    """The rows of "What changed", both legs together and then each leg (:meth:`Comparison.shown_changes`): metric,
    side, before, after, change (95% interval), verdict, as text."""
    rows = []
    for c in comparison.shown_changes():
        diff = num(c.difference)
        if diff is None:
            change = "–"
        else:
            scale, u = (1000.0, " ms") if c.unit == "s" else (1.0, _UNIT_SUFFIX.get(c.unit, f" {c.unit}"))
            change = f"{fmt(diff * scale, c.change_digits(1, scale), signed=True)}{u}"
            if c.ci95:
                change += f", {fmt(c.ci95[0] * scale, 1, signed=True)} to {fmt(c.ci95[1] * scale, 1, signed=True)}"
        rows.append({"metric": (c.label or c.metric) if c.side == "both" else f"· {c.side} leg", "side": c.side,
                     "before": _change_value(c.before_median, c.unit),
                     "after": _change_value(c.after_median, c.unit), "change": change, "verdict": c.verdict})
    return rows


def compare_notes(comparison: Comparison) -> list[str]:
    """Findings resolved / new / still there, comparability warnings, and what counts as a change."""
    notes = []
    for items, label in ((comparison.findings_resolved, "Resolved"), (comparison.findings_appeared, "New"),
                         (comparison.findings_persisting, "Still there"),
                         (comparison.borderline_shown(), "Borderline in one run or both (too near the threshold to call new or gone)")):
        if items:
            joiner = "; " if label.startswith("Borderline") else ", "  # a borderline one holds a comma
            notes.append(f"{label}: " + joiner.join(str(i).replace("_", " ") for i in items))
    notes += [f"Comparability: {w}" for w in comparison.comparability]
    notes.append("A change counts only when its 95% interval excludes zero and it is larger than the smallest "
                 "change the method can detect.")
    return notes

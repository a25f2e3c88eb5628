"""Coaching findings from the summary, with thresholds documented (and sourced) in docs/thresholds.md.

Each finding has a severity ("info" / "borderline" / "mild" / "moderate" / "marked"), the evidence
(side, steps, values), a one-line cue and a drill. A finding is only stated when the clip supports it
(enough steps on the side, no walking flag); otherwise an "insufficient" note says why.

A per-side finding is judged on the median over that leg's steps, and carries the median's 95 %
interval (``interval``, :func:`formcheck.metrics.spread`): how far the median could move given the
step-to-step spread (:func:`formcheck.metrics.median_ci95`) and the events' timing, which all steps
share (:data:`formcheck.metrics.EVENT_TIMING_FRAMES`; not the pose model's error in placing a joint).
Under 6 steps the steps' part of the interval is their range,
which covers less than 95 % (75 % at 3, 87.5 % at 4, 94 % at 5), and is called that wherever it is
shown (:func:`interval_name`). When the interval reaches across the first (mild) threshold, neither
the steps nor the events' timing can tell which side of it the run is: the finding is "borderline", whichever side of the
threshold the median itself falls, so that the same footage re-encoded (a median moving by a point
or two) does not flip between flagged and not flagged. Past the mild threshold, the grade is the one the whole
interval supports: a median of 25 % leg with an interval of 23-27 is "mild", not "moderate" (the moderate limit is
25), so that the grade does not flip on the same noise either (a newcomer's test on the bundled before.mp4).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .geometry import SIDES
from .metrics import StepMetrics, counted_steps, median_ci95
from .rounding import rounded

# Thresholds: see docs/thresholds.md for the source and rationale of each.
OVERSTRIDE_PCT_LEG = (15.0, 25.0, 35.0)  # mild / moderate / marked, heel ahead of COM, % leg (formcheck heuristic)
SHANK_ANGLE_DEG = 10.0  # ankle ahead of knee at contact (Souza 2016: tibia near vertical is the target)
HIP_EXTENSION_LIMITED_DEG = (10.0, 5.0)  # peak thigh extension below: mild / moderate (formcheck heuristic)
CADENCE_LOW_SPM = (165.0, 155.0)  # below: mild / moderate (Heiderscheit et al. 2011 context)
CONTACT_TIME_LONG_S = 0.30  # formcheck heuristic for recreational running
MIN_STEPS_PER_SIDE = 3  # below: no side-specific finding
CI95_MIN_STEPS = 6  # below: median_ci95 is the steps' range, covering 1 - 2^(1-n) of the time, not 95 %
ANGLE_NOISE_DEG = 5.0  # markerless hip angles: treadmill RMSE ~5-6 deg vs markers


@dataclass(frozen=True)
class Finding:
    code: str
    title: str
    severity: str
    side: str | None
    value: float | None
    threshold: float | None
    evidence: dict[str, Any] = field(default_factory=dict)
    cue: str = ""
    drill: str = ""
    note: str = ""
    interval: tuple[float, float] | None = None  # the median's 95 % interval (per-side findings; under 6 steps their range); None: not computed
    timing_pm: float | None = None  # the part of the interval the events' timing makes (formcheck.metrics.spread); None: none

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.interval is None:
            d.pop("interval")  # as files written before it: they load and save unchanged
        else:
            d["interval"] = list(self.interval)
        if self.timing_pm is None:
            d.pop("timing_pm")
        return d

    @property
    def n_steps(self) -> int | None:
        """The steps the median (and its interval) was taken over; None when the evidence does not list them."""
        return _steps_with_values(self.evidence)

    @property
    def interval_name(self) -> str:
        """What :attr:`interval` is: "95 % interval", or "range of 4 steps" when too few steps reach 95 % ("range of 4
        steps and their timing" when it also spans the events' timing)."""
        return interval_name(self.n_steps, timed=bool(self.timing_pm))

    @property
    def borderline(self) -> bool:
        """The median's interval reaches across the threshold: not clearly past it, not clearly short of it."""
        return self.severity == BORDERLINE


_SEV = {1: "mild", 2: "moderate", 3: "marked"}
BORDERLINE = "borderline"


@dataclass(frozen=True)
class FindingSpec:
    """Everything about one finding, read by the findings, the annotators, the stills and the report.

    ``metric`` is the StepMetrics field (and per-side summary metric) the finding is judged on, or a
    clip-summary key for clip-level findings (``per_side=False``). ``limits`` are the mild, moderate
    and marked thresholds in the metric's unit, crossed upward when ``higher_is_worse``, else
    downward. ``still`` is the frame of the worst step a still shows ("contact" / "toe_off"), None
    for clip-level findings. ``unit``, ``display_scale`` and ``digits`` say how values read on the page.
    """

    code: str
    title: str
    metric: str
    limits: tuple[float, ...]
    higher_is_worse: bool
    flag_label: str  # short label on the annotated clip's flagged steps
    still: str | None
    per_side: bool
    unit: str
    display_scale: float
    digits: int
    cue: str
    drill: str
    measure: str = ""  # what the median is of, where the title alone does not say (named before it in the evidence)

    def level(self, value: float) -> int:
        """0 below the first limit, else how many limits ``value`` is past (1 = mild ... 3 = marked)."""
        lvl = 0
        for i, lim in enumerate(self.limits):
            if (value > lim) if self.higher_is_worse else (value < lim):
                lvl = i + 1
        return lvl

    def past_mild(self, value: float | None) -> bool:
        """True when a (step's) value is past the mild limit."""
        return value is not None and bool(np.isfinite(value)) and self.level(float(value)) > 0

    def straddles(self, interval: tuple[float, float] | None) -> bool:
        """True when one end of ``interval`` is past the mild limit and the other is not."""
        return interval is not None and self.past_mild(interval[0]) != self.past_mild(interval[1])


FINDING_SPECS: dict[str, FindingSpec] = {
    spec.code: spec
    for spec in (
        FindingSpec("overstride", "Overstriding: the foot lands well ahead of the body", "overstride_pct_leg",
                    OVERSTRIDE_PCT_LEG, True, "overstride", "contact", True, "% of leg length", 1.0, 0,
                    cue="Land with the foot under your centre of mass.",
                    drill="Cadence +5-10% with a metronome; wall-lean marches; 'quiet feet' strides."),
        FindingSpec("shank_reaching", "Shank reaching forward at contact", "shank_angle_deg", (SHANK_ANGLE_DEG,), True,
                    "shank reaching", "contact", True, "°", 1.0, 0,
                    cue="Let the shin land near vertical.", drill="A-skips and fast-feet drills, landing under the knee."),
        # judged on the thigh's PEAK angle behind the body, as the title says: "at push-off" beside a card reading
        # "At toe-off: +5°" read as a contradiction of the finding's 8° (a newcomer's test)
        FindingSpec("limited_hip_extension", "Limited hip extension: the thigh reaches little behind the body", "peak_hip_extension_deg",
                    HIP_EXTENSION_LIMITED_DEG, False, "limited hip extension", "toe_off", True, "°", 1.0, 0,
                    cue="Strengthen and use glutes/hamstrings to drive the thigh back; increase the extension angle.",
                    drill="Hip-flexor stretch + glute bridges; B-skips; hill strides driving the thigh back.",
                    measure="peak thigh angle behind vertical"),
        FindingSpec("long_contact", "Long ground contact", "contact_time_s", (CONTACT_TIME_LONG_S,), True, "long contact",
                    "contact", True, " ms", 1000.0, 0,
                    cue="Think 'hot ground': quick, light contacts.", drill="Pogo hops and skipping rope, 3 x 20 s."),
        FindingSpec("low_cadence", "Low cadence", "cadence_spm", CADENCE_LOW_SPM, False, "low cadence", None, False,
                    " steps/min", 1.0, 0,
                    cue="Take quicker, shorter steps (+5-10%).",
                    drill="Run 3 x 2 min to a metronome 5% above your current cadence."),
    )
}

_FAR_NOTE = "Far leg: MediaPipe places it less reliably; treat as indicative."
_NOTES = {
    "limited_hip_extension": ("Markerless hip angles carry ~5-6 deg error vs markers; a difference under "
                              f"{ANGLE_NOISE_DEG:.0f} deg is within noise. "),
    "low_cadence": "Cadence depends on speed and height; compare at the same pace.",
}


def interval_name(n_steps: int | None, *, timed: bool = False) -> str:
    """"95 % interval", or "range of N steps" under CI95_MIN_STEPS, where the median's interval is the steps' range
    and covers only 1 - 2^(1-n) (75 % at 3 steps, 87.5 % at 4, 94 % at 5); "range of N steps and their timing" when
    ``timed`` (the range widened by the events' timing, formcheck.metrics.spread)."""
    if n_steps is not None and n_steps < CI95_MIN_STEPS:
        return f"range of {n_steps} step{'s' if n_steps != 1 else ''}" + (" and their timing" if timed else "")
    return "95 % interval"


def median_on_the_normal_side(f: Finding) -> bool:
    """A borderline finding whose median falls short of its threshold: the steps lean to the normal side, so no cue
    or drill goes with it. A newcomer's coach read treadmill_side_01's "borderline shank reaching
    forward (left), median 5 deg (threshold 10)" with "Let the shin land near vertical" as something to work on."""
    spec = FINDING_SPECS.get(f.code)
    return f.borderline and spec is not None and f.value is not None and not spec.past_mild(f.value)


NORMAL_SIDE_NOTE = "its median is on the normal side of the threshold, so no cue is given: it may well be fine"


def interval_text(f: Finding) -> str:
    """"median 15 % of leg length, 95 % interval 9-21 (threshold 15)" for a per-side finding ("range of 4 steps 9-21"
    under 6 steps); "" without an interval."""
    spec = FINDING_SPECS.get(f.code)
    if spec is None or f.interval is None or f.value is None:
        return ""
    u = _unit(spec)
    thr = "" if f.threshold is None else f" (threshold {_fmt(spec, f.threshold)}{u})"
    # "peak thigh angle behind vertical: median 8°": a coach read the hip-extension finding's 8° against the table's
    # "Hip extension at toe-off" 6.8 / 5.5 and could not place it (a newcomer's test)
    measure = f"{spec.measure}: " if spec.measure else ""
    lo, hi = _fmt(spec, f.interval[0]), _fmt(spec, f.interval[1])
    dash = " to " if min(f.interval) < 0 else "-"  # "-6 to 11": "-6-11" read as a subtraction (a newcomer's test)
    median = _fmt(spec, f.value)
    if f.threshold is not None and median == _fmt(spec, f.threshold):  # "median 15 ... (threshold 15)": which side?
        median = f"{rounded(f.value * spec.display_scale, spec.digits + 1):.{spec.digits + 1}f}"
    return f"{measure}median {median}{u}, {f.interval_name} {lo}{dash}{hi}{thr}"


def _steps_with_values(evidence: dict[str, Any] | None) -> int | None:
    """How many steps ``evidence`` lists with a value (the median's n); None when it lists none (an old file)."""
    steps = (evidence or {}).get("steps")
    return sum(1 for s in steps if isinstance(s, dict) and s.get("value") is not None) if isinstance(steps, list) else None


def _unit(spec: FindingSpec) -> str:
    return spec.unit if spec.unit.startswith(" ") or spec.unit == "°" else f" {spec.unit}"


def _fmt(spec: FindingSpec, value: float) -> str:
    return f"{rounded(value * spec.display_scale, spec.digits):.{spec.digits}f}"  # as the report and tables round it


def _span(spec: FindingSpec, lo: float, hi: float) -> str:
    """An interval as the notes write it: "17-29", or "-3 to 12" when an end is negative ("-3-12" read as a subtraction)."""
    a, b = _fmt(spec, lo), _fmt(spec, hi)
    return f"{a} to {b}" if a.startswith("-") or b.startswith("-") else f"{a}-{b}"


def _evidence(steps: list[StepMetrics], metric: str) -> dict[str, Any]:
    return {"steps": [{"contact_frame": s.contact_frame, "value": round(v, 4)} for s in steps if (v := getattr(s, metric)) is not None]}


def _finding(spec: FindingSpec, level: int, side: str | None, value: float, evidence: dict[str, Any], note: str,
             interval: tuple[float, float] | None = None, timing_pm: float | None = None, fps: float | None = None) -> Finding:
    """Past ``level`` (1 = mild ...); level 0 with an interval = borderline, judged against the mild limit.

    ``timing_pm``: the part of the interval the events' timing makes; when it is larger than the steps' own part, the
    note says that a higher frame rate (than the clip's ``fps``), not more steps, would tell."""
    timing_pm = timing_pm if timing_pm else None
    if level == 0:
        lo, hi = interval  # type: ignore[misc]
        u = _unit(spec)
        name = interval_name(_steps_with_values(evidence), timed=timing_pm is not None)
        what = f"the median's {name}" if name.startswith("95") else f"the {name}"
        values = [s["value"] for s in evidence.get("steps", []) if s.get("value") is not None]
        steps_ci = median_ci95(np.array(values, dtype=float)) if values else None
        steps_half = max(value - steps_ci[0], steps_ci[1] - value) if steps_ci else 0.0
        if timing_pm is not None and timing_pm > steps_half:
            # overstride is read at the foot's farthest reach, which a contact timed off does not move: what moves it
            # is the frames missing that reach (a newcomer: the note spoke of timing the events for it)
            if spec.metric.startswith("overstride"):
                cause = "the frames can miss the foot's farthest reach by up to half a frame of its travel"
            elif spec.metric == "contact_time_s":  # a duration: a shift the two events shared would cancel
                cause = "the contacts and the toe-offs can each sit up to a frame (at least 25 ms) off, partly together"
            else:
                cause = "a leg's contacts and toe-offs can all sit up to a frame (at least 25 ms) off"
            why = (f"{cause}, which moves this value by {_fmt(spec, timing_pm)}{u} either way; "
                   + _faster_advice(fps, frame_bound=spec.metric.startswith("overstride")))
        else:
            why = "the steps vary too much to tell which side of it this run is; film again (more steps) to tell"
        note = (f"Borderline: {what} ({_span(spec, lo, hi)}{u}) reaches across the threshold "
                f"({_fmt(spec, spec.limits[0])}{u}): {why}. " + note).strip()
        return Finding(spec.code, spec.title, BORDERLINE, side, value, spec.limits[0], evidence, cue=spec.cue, drill=spec.drill,
                       note=note, interval=interval, timing_pm=timing_pm)
    # a higher grade the interval reaches into, whether or not the median is past it: 23.1 % leg, interval 17-29, is
    # "mild" and may be moderate (a newcomer's find: only a median past 25 had the note the README promises)
    if level < len(spec.limits) and interval is not None and max(spec.level(interval[0]), spec.level(interval[1])) > level:
        u = _unit(spec)
        note = (f"Between {_SEV[level]} and {_SEV[level + 1]}: the median's interval ("
                f"{_span(spec, interval[0], interval[1])}{u}) reaches across the {_SEV[level + 1]} threshold "
                f"({_fmt(spec, spec.limits[level])}{u}), "
                + ("so the grade is the one it all supports. " if spec.level(value) > level else
                   f"so it may be {_SEV[level + 1]}. ") + note).strip()
    return Finding(spec.code, spec.title, _SEV[level], side, value, spec.limits[level - 1], evidence, cue=spec.cue,
                   drill=spec.drill, note=note, interval=interval, timing_pm=timing_pm)


def _faster_advice(fps: float | None, frame_bound: bool = False) -> str:
    """What frame rate would narrow a timing-led interval: the next a phone films at above the clip's own, when it
    times the events at least a fifth closer (the error is a frame, and no less than EVENT_TIMING_MIN_S: 25 ms, as
    far off at 120 fps as at 60 on randomised renders; a quarter had turned on a float tie at 30 fps, and said nothing
    at 30.01). ``frame_bound``: an error of the frames' sampling alone (the foot's reach, for overstride), which any
    faster rate narrows."""
    from .metrics import event_timing_s

    if fps is None:
        return "film at 60 fps or more to tell"
    error = (lambda r: 1.0 / r) if frame_bound else event_timing_s
    rate = next((r for r in (60, 120, 240) if r > 1.05 * fps and error(r) <= 0.8 * error(fps)), None)
    if rate is None:
        return "a higher frame rate would not time them closer"
    return f"film at {rate} fps or more to tell" if rate == 60 else f"film at {rate} fps (a phone's slow motion) to tell"


def make_findings(steps: list[StepMetrics], summary: dict[str, Any], cadence: float | None, *, walking: bool,
                  fps: float | None = None) -> list[Finding]:
    """The findings of one clip, per side in FINDING_SPECS order, then the clip-level ones (``fps``: the frame rate the
    events were timed at, for a borderline note's advice)."""
    out: list[Finding] = []
    if walking:
        out.append(Finding("no_flight_phase", "This looks like walking, not running", "info", None, None, None,
                           note="No flight phase: formcheck analyses running, so running findings are not given for "
                                "walking; film a run."))
        return out
    for side in SIDES:
        ss = [s for s in steps if s.side == side]
        if len(ss) < MIN_STEPS_PER_SIDE:
            out.append(Finding("insufficient_steps", "Too few steps for findings", "info", side, float(len(ss)),
                               float(MIN_STEPS_PER_SIDE), note=f"A finding needs {MIN_STEPS_PER_SIDE} or more steps of a leg: film more "
                               "steps of it."))
            continue
        far_note = "" if ss[0].near else _FAR_NOTE
        counted = counted_steps(ss)  # the steps the summary's medians were taken over
        for spec in (s for s in FINDING_SPECS.values() if s.per_side):
            m = summary[side][spec.metric]
            median, ci = m["median"], m.get("ci95")
            interval = None if ci is None else (float(ci[0]), float(ci[1]))
            if median is None:
                continue
            lvl = 0 if spec.straddles(interval) else spec.level(median)
            if lvl and interval is not None:  # past mild: the grade the whole interval supports, not one it straddles
                lvl = min(lvl, spec.level(interval[0]), spec.level(interval[1]))
            if lvl or spec.straddles(interval):
                note = (_NOTES.get(spec.code, "") + far_note).strip()
                out.append(_finding(spec, lvl, side, median, _evidence(counted, spec.metric), note, interval, m.get("timing_pm"), fps))
    for spec in (s for s in FINDING_SPECS.values() if not s.per_side):
        value = cadence if spec.metric == "cadence_spm" else summary.get(spec.metric)
        if value is not None and (lvl := spec.level(value)):
            out.append(_finding(spec, lvl, None, round(value, 1), {}, _NOTES.get(spec.code, "")))
    return out

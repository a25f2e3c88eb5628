"""Coaching findings from the summary, with thresholds documented (and sourced) in docs/thresholds.md.

Each finding has a severity ("info" / "mild" / "moderate" / "marked"), the evidence (side,
steps, values), a one-line cue and a drill. A finding is only stated when the clip supports it
(enough steps on the side, no walking flag); otherwise an "insufficient" note says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .geometry import SIDES
from .metrics import StepMetrics, counted_steps

# Thresholds: see docs/thresholds.md for the source and rationale of each.
OVERSTRIDE_PCT_LEG = (15.0, 25.0, 35.0)  # mild / moderate / marked, heel ahead of COM, % leg (formcheck heuristic)
SHANK_ANGLE_DEG = 10.0  # ankle ahead of knee at contact (Souza 2016: tibia near vertical is the target)
HIP_EXTENSION_LIMITED_DEG = (10.0, 5.0)  # peak thigh extension below: mild / moderate (formcheck heuristic)
CADENCE_LOW_SPM = (165.0, 155.0)  # below: mild / moderate (Heiderscheit et al. 2011 context)
CONTACT_TIME_LONG_S = 0.30  # formcheck heuristic for recreational running
MIN_STEPS_PER_SIDE = 3  # below: no side-specific finding
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_SEV = {1: "mild", 2: "moderate", 3: "marked"}


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
        FindingSpec("limited_hip_extension", "Limited hip extension at push-off", "peak_hip_extension_deg",
                    HIP_EXTENSION_LIMITED_DEG, False, "limited hip extension", "toe_off", True, "°", 1.0, 0,
                    cue="Strengthen and use glutes/hamstrings to drive the thigh back; increase the extension angle.",
                    drill="Hip-flexor stretch + glute bridges; B-skips; hill strides driving the thigh back."),
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


def _evidence(steps: list[StepMetrics], metric: str) -> dict[str, Any]:
    return {"steps": [{"contact_frame": s.contact_frame, "value": round(v, 2)} for s in steps if (v := getattr(s, metric)) is not None]}


def _finding(spec: FindingSpec, level: int, side: str | None, value: float, evidence: dict[str, Any], note: str) -> Finding:
    return Finding(spec.code, spec.title, _SEV[level], side, value, spec.limits[level - 1], evidence, cue=spec.cue,
                   drill=spec.drill, note=note)


def make_findings(steps: list[StepMetrics], summary: dict[str, Any], cadence: float | None, *, walking: bool) -> list[Finding]:
    """The findings of one clip, per side in FINDING_SPECS order, then the clip-level ones."""
    out: list[Finding] = []
    if walking:
        out.append(Finding("no_flight_phase", "This looks like walking, not running", "info", None, None, None,
                           note="No flight phase: formcheck analyses running, so running findings are not given for "
                                "walking; film a run."))
        return out
    for side in SIDES:
        ss = [s for s in steps if s.side == side]
        if len(ss) < MIN_STEPS_PER_SIDE:
            out.append(Finding("insufficient_steps", f"Too few {side} steps for findings", "info", side, float(len(ss)),
                               float(MIN_STEPS_PER_SIDE), note="Film at least 10 s of steady running."))
            continue
        far_note = "" if ss[0].near else _FAR_NOTE
        counted = counted_steps(ss)  # the steps the summary's medians were taken over
        for spec in (s for s in FINDING_SPECS.values() if s.per_side):
            median = summary[side][spec.metric]["median"]
            if median is not None and (lvl := spec.level(median)):
                note = (_NOTES.get(spec.code, "") + far_note).strip()
                out.append(_finding(spec, lvl, side, median, _evidence(counted, spec.metric), note))
    for spec in (s for s in FINDING_SPECS.values() if not s.per_side):
        value = cadence if spec.metric == "cadence_spm" else summary.get(spec.metric)
        if value is not None and (lvl := spec.level(value)):
            out.append(_finding(spec, lvl, None, round(value, 1), {}, _NOTES.get(spec.code, "")))
    return out

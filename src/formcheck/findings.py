"""Coaching findings from the summary, with thresholds documented (and sourced) in docs/thresholds.md.

Each finding has a severity ("info" / "mild" / "moderate" / "marked"), the evidence (side,
steps, values), a one-line cue and a drill. A finding is only stated when the clip supports it
(enough steps on the side, no walking flag); otherwise an "insufficient" note says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .metrics import StepMetrics

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


def _level(value: float, limits: tuple[float, ...], higher_is_worse: bool = True) -> int:
    lvl = 0
    for i, lim in enumerate(limits):
        if (value > lim) if higher_is_worse else (value < lim):
            lvl = i + 1
    return lvl


_SEV = {1: "mild", 2: "moderate", 3: "marked"}


def _evidence(steps: list[StepMetrics], metric: str) -> dict[str, Any]:
    return {"steps": [{"contact_frame": s.contact_frame, "value": round(v, 2)} for s in steps if (v := getattr(s, metric)) is not None]}


def make_findings(steps: list[StepMetrics], summary: dict[str, Any], cadence: float | None, *, walking: bool) -> list[Finding]:
    out: list[Finding] = []
    if walking:
        out.append(Finding("no_flight_phase", "This looks like walking, not running", "info", None, None, None,
                           note="No flight phase: formcheck analyses running, so running findings are not given for "
                                "walking; film a run."))
        return out
    for side in ("left", "right"):
        ss = [s for s in steps if s.side == side]
        sm = summary[side]
        if len(ss) < MIN_STEPS_PER_SIDE:
            out.append(Finding("insufficient_steps", f"Too few {side} steps for findings", "info", side, float(len(ss)),
                               float(MIN_STEPS_PER_SIDE), note="Film at least 10 s of steady running."))
            continue
        far_note = "" if ss[0].near else "Far leg: MediaPipe places it less reliably; treat as indicative."
        os_med = sm["overstride_pct_leg"]["median"]
        if os_med is not None and (lvl := _level(os_med, OVERSTRIDE_PCT_LEG)):
            out.append(Finding("overstride", "Overstriding: the foot lands well ahead of the body", _SEV[lvl], side, os_med,
                               OVERSTRIDE_PCT_LEG[lvl - 1], _evidence(ss, "overstride_pct_leg"),
                               cue="Land with the foot under your centre of mass.",
                               drill="Cadence +5-10% with a metronome; wall-lean marches; 'quiet feet' strides.",
                               note=far_note))
        sh = sm["shank_angle_deg"]["median"]
        if sh is not None and sh > SHANK_ANGLE_DEG + 0:
            out.append(Finding("shank_reaching", "Shank reaching forward at contact", "mild", side, sh, SHANK_ANGLE_DEG,
                               _evidence(ss, "shank_angle_deg"), cue="Let the shin land near vertical.",
                               drill="A-skips and fast-feet drills, landing under the knee.", note=far_note))
        he = sm["peak_hip_extension_deg"]["median"]
        if he is not None and (lvl := _level(he, HIP_EXTENSION_LIMITED_DEG, higher_is_worse=False)):
            out.append(Finding("limited_hip_extension", "Limited hip extension at push-off", _SEV[lvl], side, he,
                               HIP_EXTENSION_LIMITED_DEG[lvl - 1], _evidence(ss, "peak_hip_extension_deg"),
                               cue="Strengthen and use glutes/hamstrings to drive the thigh back; increase the extension angle.",
                               drill="Hip-flexor stretch + glute bridges; B-skips; hill strides driving the thigh back.",
                               note=("Markerless hip angles carry ~5-6 deg error vs markers; a difference under "
                                     f"{ANGLE_NOISE_DEG:.0f} deg is within noise. " + far_note).strip()))
        ct = sm["contact_time_s"]["median"]
        if ct is not None and ct > CONTACT_TIME_LONG_S:
            out.append(Finding("long_contact", "Long ground contact", "mild", side, ct, CONTACT_TIME_LONG_S,
                               _evidence(ss, "contact_time_s"), cue="Think 'hot ground': quick, light contacts.",
                               drill="Pogo hops and skipping rope, 3 x 20 s.", note=far_note))
    if cadence is not None and (lvl := _level(cadence, CADENCE_LOW_SPM, higher_is_worse=False)):
        out.append(Finding("low_cadence", "Low cadence", _SEV[lvl], None, round(cadence, 1), CADENCE_LOW_SPM[lvl - 1],
                           cue="Take quicker, shorter steps (+5-10%).",
                           drill="Run 3 x 2 min to a metronome 5% above your current cadence.",
                           note="Cadence depends on speed and height; compare at the same pace."))
    return out

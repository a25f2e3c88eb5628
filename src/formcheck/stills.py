"""Which frames become stills, chosen once: the annotated clip grabs them, the report shows them.

* one per flagged (non-info) step-level finding: its worst step on the finding's side, at the frame
  the finding's :class:`~formcheck.findings.FindingSpec` names (contact, or toe-off for limited hip
  extension), named ``<code>_<side>``;
* ``contact``: the median step (by overstride) of the near leg, at contact;
* ``toe_off``: the median step (by hip extension at toe-off) of the near leg, at toe-off.

The near leg is preferred because MediaPipe places it best; without near steps, all steps are used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .findings import FINDING_SPECS, Finding
from .metrics import StepMetrics

_FINDING_CAPTIONS = {
    "limited_hip_extension": "The push-off with the least hip extension: thigh angle behind the hip at toe-off.",
    "long_contact": "The landing of the step with the longest ground contact.",
}
_DEFAULT_FINDING_CAPTION = "The landing where this was most marked; the vertical line is the centre of mass."


PREVIEW_MAX_SIDE_PX = 960  # the report's copy of a still: light on a phone, sharp enough to see the foot
PREVIEW_JPEG_QUALITY = 85


def preview_jpeg(bgr: np.ndarray, max_side: int = PREVIEW_MAX_SIDE_PX) -> bytes:
    """A still as the report embeds it: JPEG (quality 85) no larger than ``max_side`` px (area-averaged)."""
    import cv2  # noqa: PLC0415

    h, w = bgr.shape[:2]
    f = min(1.0, max_side / max(h, w))
    if f < 1.0:
        bgr = cv2.resize(bgr, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, PREVIEW_JPEG_QUALITY])
    if not ok:
        raise ValueError("could not encode")
    return buf.tobytes()


@dataclass(frozen=True)
class StillChoice:
    """One still: ``steps[step_index]`` at its contact or toe-off frame, saved as ``stills/<name>.png``."""

    name: str
    step_index: int
    kind: str  # "contact" | "toe_off"
    title: str
    caption: str
    order: int  # position on the report page (findings first, in findings order)


def _usable(step: StepMetrics, kind: str) -> bool:
    return kind == "contact" or step.toe_off_frame is not None


def choose_stills(steps: Sequence[StepMetrics], findings: Sequence[Finding], near_side: str) -> list[StillChoice]:
    """The stills of one analysis, in the order the annotated clip writes them."""
    out: list[StillChoice] = []
    for order, f in enumerate(findings):
        spec = FINDING_SPECS.get(f.code)
        if f.severity == "info" or spec is None or spec.still is None:
            continue
        cands = [(getattr(s, spec.metric), i) for i, s in enumerate(steps)
                 if f.side in (None, s.side) and getattr(s, spec.metric) is not None and _usable(s, spec.still)]
        if not cands:
            continue
        _, worst = (max if spec.higher_is_worse else min)(cands, key=lambda c: c[0])
        what = f.title.split(":")[0]
        caption = _FINDING_CAPTIONS.get(f.code, _DEFAULT_FINDING_CAPTION)
        if f.borderline:  # its steps carry no "!" flag (formcheck.overlay): the still says why (a newcomer's test)
            caption += " Borderline: the leg's steps reach across the threshold, so no step is flagged."
        out.append(StillChoice(
            name=f.code if f.side is None else f"{f.code}_{f.side}", step_index=worst, kind=spec.still,
            title=f"Worst step: {what}" + (f", {f.side} leg" if f.side else "") + (" (borderline)" if f.borderline else ""),
            caption=caption, order=order,
        ))
    typical = (
        ("contact", "overstride_pct_leg", "Typical landing",
         "A landing close to your median (near leg): where the foot lands relative to the centre of mass.", 100),
        ("toe_off", "hip_extension_deg", "Typical push-off (toe-off)",
         "The frame the foot leaves the ground (median step, near leg), with the thigh angle behind the hip.", 101),
    )
    # a typical step is one whose timing is sure, where there is one (a short pass's "typical landing" was a step whose
    # contact the analysis itself doubted, a newcomer's test)
    for kind, metric, title, caption, order in typical:
        for side, sure in ((near_side, True), (None, True), (near_side, False), (None, False)):
            cands = [(getattr(s, metric), i) for i, s in enumerate(steps)
                     if (side is None or s.side == side) and getattr(s, metric) is not None and _usable(s, kind)
                     and not (sure and s.timing_uncertain)]
            if cands:
                cands.sort(key=lambda c: c[0])
                out.append(StillChoice(kind, cands[len(cands) // 2][1], kind, title, caption, order))
                break
    return out

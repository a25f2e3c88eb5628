"""What the annotators draw, precomputed once per clip: per-frame lookups, step marks, grades, style.

:class:`OverlayData` is built ONCE from the analysis (:func:`overlay_from_analysis`) with per-frame
lookup tables in numpy; :class:`FrameContext` is its view of one frame, handed to each annotator
(:mod:`formcheck.annotate`), which only draws. Values are the analysis' own; grades come from the
findings' limits (:data:`formcheck.findings.FINDING_SPECS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from . import landmarks as lm
from .geometry import SIDES, forward_sign, leg_length_px, other_side, thigh_angle_deg

if TYPE_CHECKING:
    from .analysis import Analysis

Color = tuple[int, int, int]

# Grades used to colour values (decided by the findings' thresholds, see OverlayData.grade).
GOOD, WARN, BAD, NEUTRAL = "good", "warn", "bad", "neutral"


# --------------------------------------------------------------------------- style
@dataclass(frozen=True)
class Style:
    """Sizes and colours for one output resolution. Build with :meth:`for_image`."""

    unit: float  # 1.0 for a 720-px short side
    line: int  # main line width (px)
    thin: int  # secondary line width
    joint_radius: int
    font_scale: float
    font_thickness: int
    font: int = cv2.FONT_HERSHEY_DUPLEX
    near_leg: Color = (255, 128, 0)  # orange
    far_leg: Color = (40, 130, 230)  # blue, drawn thinner
    trunk: Color = (240, 240, 240)
    far_arm: Color = (150, 150, 150)
    com: Color = (255, 40, 220)  # magenta plumb line
    hip_tick: Color = (255, 255, 255)
    text: Color = (255, 255, 255)
    outline: Color = (0, 0, 0)
    grades: dict[str, Color] = field(
        default_factory=lambda: {GOOD: (70, 225, 100), WARN: (255, 200, 0), BAD: (255, 60, 60), NEUTRAL: (255, 255, 255)}
    )

    @classmethod
    def for_image(cls, width: int, height: int) -> "Style":
        unit = max(0.35, min(width, height) / 720.0)
        return cls(
            unit=unit,
            line=max(2, round(4 * unit)),
            thin=max(1, round(2 * unit)),
            joint_radius=max(2, round(5 * unit)),
            font_scale=0.8 * unit,
            font_thickness=max(1, round(2 * unit)),
        )

    def grade_color(self, grade: str) -> Color:
        return self.grades.get(grade, self.grades[NEUTRAL])


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class StepMarks:
    """What the overlays show for one step (values come from the analysis, not recomputed)."""

    number: int  # 1-based step number in the clip
    side: str  # "left" / "right" (anatomical)
    contact_frame: int  # decoded-frame index of initial contact
    toe_off_frame: int | None
    foot_xy: tuple[float, float]  # where the foot landed, pixels (from an analysis: x = measured overstride, y = heel)
    com_x: float  # COM x at contact, pixels
    overstride_pct: float | None = None  # % leg length, + = foot ahead of COM
    overstride_cm: float | None = None
    hip_extension_deg: float | None = None  # thigh angle at toe-off, + = knee behind hip
    peak_hip_extension_deg: float | None = None  # max thigh angle stance..early swing (what findings grade)
    shank_angle_deg: float | None = None  # shank from vertical at contact, + = ankle ahead of the knee (reaching)
    contact_time_s: float | None = None  # contact to toe-off (None in slow motion without its real rate)
    flags: tuple[str, ...] = ()  # short labels of the findings flagged on this step
    timing_uncertain: bool = False  # its timing's evidence disagrees: no flags, said so on the panel
    counted: bool = True  # in its leg's medians (formcheck.metrics.counted_steps: an uncertain step is, when its leg
    # has too few certain ones)


Grader = Callable[[str, float], str]  # (metric name, value) -> GOOD/WARN/BAD/NEUTRAL


def neutral_grader(metric: str, value: float) -> str:
    return NEUTRAL


@dataclass(frozen=True, eq=False)
class OverlayData:
    """Everything the annotators need, per track row, precomputed once.

    ``frame_indices`` are decoded-frame indices (sorted); arrays are indexed by track row.
    Lookups from a decoded frame index to a row go through :meth:`row_of`.
    """

    image_size: tuple[int, int]  # (w, h) of the coordinates below
    frame_indices: np.ndarray  # (T,)
    keypoints: np.ndarray  # (T, 33, 2), NaN where missing
    com: np.ndarray  # (T, 2) segment-weighted COM
    hip: np.ndarray  # (T, 2) hip midpoint
    facing: str  # "left" / "right"
    near_side: str  # "left" / "right"
    steps: tuple[StepMarks, ...]
    fps: float
    cadence_spm: float | None = None
    grader: Grader = neutral_grader
    contact_hold_s: float = 0.3
    toe_off_lead_s: float = 0.1
    toe_off_hold_s: float = 0.25
    summary_flags: tuple[str, ...] = ()  # clip-level findings (shown when no step is current)
    # derived lookups (filled in __post_init__)
    thigh_deg: dict[str, np.ndarray] = field(default_factory=dict)  # side -> (T,)
    contact_step: np.ndarray = field(default_factory=lambda: np.empty(0, int))  # (T,) step idx or -1
    toe_off_step: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    current_step: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    _row_lut: np.ndarray = field(default_factory=lambda: np.empty(0, int))

    def __post_init__(self) -> None:
        frames = np.asarray(self.frame_indices, dtype=np.int64)
        n = len(frames)
        lut = np.full(int(frames.max()) + 1 if n else 0, -1, dtype=np.int64)
        lut[frames] = np.arange(n)
        if n:  # frames between rows (repeats of an image, dropped from the analysis) show the row before them
            covered = np.maximum.accumulate(lut[frames[0]:])
            lut[frames[0]:] = covered
        object.__setattr__(self, "_row_lut", lut)
        object.__setattr__(self, "thigh_deg", {side: thigh_angle_deg(self.keypoints, side, self.facing) for side in SIDES})
        # Per-row "which step's overlay is active" tables; later steps overwrite earlier ones.
        contact = np.full(n, -1, dtype=np.int64)
        toe = np.full(n, -1, dtype=np.int64)
        current = np.full(n, -1, dtype=np.int64)
        hold = max(1, int(round(self.contact_hold_s * self.fps)))
        lead = int(round(self.toe_off_lead_s * self.fps))
        toe_hold = max(1, int(round(self.toe_off_hold_s * self.fps)))
        # A contact overlay ends before its own toe-off overlay starts; a toe-off overlay ends
        # before the next contact, so the two never compete for attention.
        for k, step in enumerate(self.steps):
            end = step.contact_frame + hold
            if step.toe_off_frame is not None:
                end = min(end, max(step.contact_frame, step.toe_off_frame - lead - 1))
            contact[(frames >= step.contact_frame) & (frames <= end)] = k
            current[frames >= step.contact_frame] = k
        for k, step in enumerate(self.steps):
            if step.toe_off_frame is None:
                continue
            end = step.toe_off_frame + toe_hold
            later = [s.contact_frame for s in self.steps if s.contact_frame > step.toe_off_frame]
            if later:
                end = min(end, min(later) - 1)
            window = (frames >= step.toe_off_frame - lead) & (frames <= end)
            toe[window & (contact < 0)] = k
        object.__setattr__(self, "contact_step", contact)
        object.__setattr__(self, "toe_off_step", toe)
        object.__setattr__(self, "current_step", current)

    @property
    def far_side(self) -> str:
        return other_side(self.near_side)

    @property
    def forward(self) -> float:
        return forward_sign(self.facing)

    def row_of(self, frame_index: int) -> int:
        """Track row of a decoded frame, -1 when the track does not cover it."""
        if 0 <= frame_index < len(self._row_lut):
            return int(self._row_lut[frame_index])
        return -1

    def grade(self, metric: str, value: float | None) -> str:
        if value is None or not np.isfinite(value):
            return NEUTRAL
        return self.grader(metric, float(value))

    def scaled(self, factor: float) -> "OverlayData":
        """The same overlays for frames resized by ``factor`` (coordinates multiplied once)."""
        if factor == 1.0:
            return self
        w, h = self.image_size
        steps = tuple(
            replace(s, foot_xy=(s.foot_xy[0] * factor, s.foot_xy[1] * factor), com_x=s.com_x * factor) for s in self.steps
        )
        return replace(
            self,
            image_size=(int(round(w * factor)), int(round(h * factor))),
            keypoints=self.keypoints * factor,
            com=self.com * factor,
            hip=self.hip * factor,
            steps=steps,
        )

    def context(self, frame_index: int, style: Style | None = None, *, time_s: float | None = None) -> "FrameContext":
        row = self.row_of(frame_index)
        contact = toe = current = None
        age = phase = 0
        if row >= 0:
            if self.contact_step[row] >= 0:
                contact = self.steps[int(self.contact_step[row])]
                age = frame_index - contact.contact_frame
            if self.toe_off_step[row] >= 0:
                toe = self.steps[int(self.toe_off_step[row])]
                phase = frame_index - int(toe.toe_off_frame)  # type: ignore[arg-type]
            if self.current_step[row] >= 0:
                current = self.steps[int(self.current_step[row])]
        return FrameContext(
            data=self,
            frame_index=frame_index,
            row=row,
            style=style or Style.for_image(*self.image_size),
            time_s=time_s,
            contact=contact,
            contact_age=age,
            toe_off=toe,
            toe_off_phase=phase,
            current=current,
        )

    def still_context(self, step: StepMarks, kind: str, style: Style | None = None) -> "FrameContext":
        """Context for a still of ``step``'s contact (kind="contact") or toe-off frame."""
        frame = step.contact_frame if kind == "contact" else int(step.toe_off_frame)  # type: ignore[arg-type]
        ctx = self.context(frame, style)
        if kind == "contact":
            return replace(ctx, contact=step, contact_age=0, toe_off=None, current=step)
        return replace(ctx, toe_off=step, toe_off_phase=0, contact=None, current=step)


@dataclass(frozen=True)
class FrameContext:
    """Per-frame view of :class:`OverlayData` handed to each annotator."""

    data: OverlayData
    frame_index: int
    row: int  # -1: no pose for this frame
    style: Style
    time_s: float | None = None
    contact: StepMarks | None = None  # step whose contact overlay is showing
    contact_age: int = 0  # frames since that contact
    toe_off: StepMarks | None = None  # step whose thigh-angle overlay is showing
    toe_off_phase: int = 0  # frames relative to its toe-off (negative = before)
    current: StepMarks | None = None  # latest step whose contact has happened

    @property
    def keypoints(self) -> np.ndarray | None:
        return self.data.keypoints[self.row] if self.row >= 0 else None

    @property
    def com(self) -> np.ndarray | None:
        if self.row < 0 or not np.isfinite(self.data.com[self.row]).all():
            return None
        return self.data.com[self.row]

    @property
    def hip(self) -> np.ndarray | None:
        if self.row < 0 or not np.isfinite(self.data.hip[self.row]).all():
            return None
        return self.data.hip[self.row]


# --------------------------------------------------------------------------- building OverlayData
# Annotator metric names -> the finding whose limits grade them
_GRADED_BY = {
    "overstride_pct": "overstride",
    "hip_extension_deg": "limited_hip_extension",
    "cadence_spm": "low_cadence",
    "shank_angle_deg": "shank_reaching",
    "contact_time_s": "long_contact",
}


def findings_grader() -> Grader:
    """Grade values with the limits of :data:`formcheck.findings.FINDING_SPECS`.

    good = below the finding's first (mild) level, warn = mild, bad = moderate or worse.
    """
    from .findings import FINDING_SPECS

    def grade(metric: str, value: float) -> str:
        code = _GRADED_BY.get(metric)
        if code is None:
            return NEUTRAL
        lvl = FINDING_SPECS[code].level(value)
        return GOOD if lvl == 0 else WARN if lvl == 1 else BAD

    return grade


def overlay_from_analysis(analysis: Analysis) -> OverlayData:
    """OverlayData from a :class:`formcheck.analysis.Analysis` (its public fields only).

    Positions come from the analysis' cleaned keypoints and COM trajectory at each step's
    contact track index; values and flags from its StepMetrics and findings. The contact marker
    sits at the measured overstride from that frame's COM (the value its label shows: the foot's
    reach ahead of the COM as it lands, formcheck.metrics.landing_reach_px), so bar and label agree. It marks the back of the heel, which lies
    behind the heel landmark the skeleton draws (:func:`formcheck.metrics.heel_shift_px`), and the
    foot drawn in the contact frame can be up to a frame of foot travel behind it (the frame is the
    first one at/after contact).
    """
    track = analysis.track
    k = np.asarray(track.keypoints_px, dtype=float)
    com = np.asarray(analysis.com_px, dtype=float)
    legs = {side: leg_length_px(k, side) for side in SIDES}  # what metrics divides by
    fwd = forward_sign(analysis.facing)
    from .findings import FINDING_SPECS

    # a borderline finding is neither stated nor absent: its steps get no red "!" flag (a trimmed run's clip flagged
    # "LONG CONTACT" on steps of a finding its report called borderline, a newcomer's test); their values stay graded
    flagged = [f for f in analysis.findings if f.severity != "info" and not f.borderline]
    step_specs = [(f, FINDING_SPECS[f.code]) for f in flagged if f.code in FINDING_SPECS and FINDING_SPECS[f.code].per_side]
    from .metrics import counted_steps

    counted = {id(s) for side in SIDES for s in counted_steps([t for t in analysis.steps if t.side == side])}
    marks = []
    for n, (ev, sm) in enumerate(zip(analysis.events.steps, analysis.steps), start=1):
        c = int(ev.contact_index)
        landing = k[c, lm.LEG[sm.side]["heel"]].copy()  # type: ignore[index]
        if sm.overstride_pct_leg is not None and np.isfinite(legs[sm.side]) and np.isfinite(com[c, 0]):
            landing[0] = com[c, 0] + fwd * sm.overstride_pct_leg / 100.0 * legs[sm.side]
        # a step left out of the medians is not flagged: the report greys it, and the clip flagged it "! SHANK
        # REACHING" like any other (a newcomer's test)
        flags = () if sm.timing_uncertain else tuple(
            spec.flag_label for f, spec in step_specs if f.side in (None, sm.side) and spec.past_mild(getattr(sm, spec.metric))
        )
        marks.append(
            StepMarks(
                number=n,
                side=sm.side,
                contact_frame=int(sm.contact_frame),
                toe_off_frame=sm.toe_off_frame,
                foot_xy=(float(landing[0]), float(landing[1])),
                com_x=float(com[c, 0]),
                overstride_pct=sm.overstride_pct_leg,
                overstride_cm=sm.overstride_cm,
                hip_extension_deg=sm.hip_extension_deg,
                peak_hip_extension_deg=sm.peak_hip_extension_deg,
                shank_angle_deg=sm.shank_angle_deg,
                contact_time_s=sm.contact_time_s,
                flags=flags,
                timing_uncertain=bool(sm.timing_uncertain),
                counted=id(sm) in counted,
            )
        )
    cad = analysis.summary.get("cadence_spm")
    summary_flags = tuple(f.title for f in flagged if f.code not in FINDING_SPECS or not FINDING_SPECS[f.code].per_side)
    return OverlayData(
        image_size=tuple(track.image_size),
        frame_indices=np.asarray(track.frame_indices),
        keypoints=k,
        com=com,
        hip=np.asarray(analysis.hip_mid_px, dtype=float),
        facing=analysis.facing,
        near_side=analysis.near_side,
        steps=tuple(marks),
        fps=float(analysis.video.fps),  # decoded frames per second: the steps' frame numbers are decoded frames
        cadence_spm=None if cad is None else float(cad),
        grader=findings_grader(),
        summary_flags=summary_flags,
    )

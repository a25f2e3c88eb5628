"""Composable frame annotators: skeleton, centre-of-mass line, contacts, thigh angle, panel.

Modelled on roboflow ``supervision``: every overlay is a small object with
``annotate(image, ctx) -> image`` that draws one thing, in place, on an RGB ``uint8`` image.
``ctx`` is a :class:`FrameContext`: everything the overlays need for one frame, looked up in
:class:`OverlayData`, which is built ONCE from the analysis (or from a pose track plus events)
with per-frame lookup tables in numpy. Annotators never recompute metrics; they only draw
values the analysis already holds.

Adding an overlay = write a class with an ``annotate`` method and put it in the list passed to
:func:`annotate_frame` (or :func:`default_annotators`).

Colours are RGB (frames come from :func:`formcheck.video.iter_frames` as RGB). Line widths and
font sizes scale with the image (:class:`Style`), so text stays legible on a phone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import cv2
import numpy as np

from . import landmarks as lm
from .geometry import SIDES, body_scale_px, forward_sign, leg_length_px, other_side, thigh_angle_deg

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
    flags: tuple[str, ...] = ()  # short labels of the findings flagged on this step


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


class Annotator(Protocol):
    def annotate(self, image: np.ndarray, ctx: FrameContext) -> np.ndarray: ...


# --------------------------------------------------------------------------- drawing helpers
def _pt(xy: Sequence[float]) -> tuple[int, int]:
    return int(round(float(xy[0]))), int(round(float(xy[1])))


def _finite(*points: np.ndarray | None) -> bool:
    return all(p is not None and bool(np.isfinite(p).all()) for p in points)


def text_size(text: str, style: Style, scale: float = 1.0) -> tuple[int, int]:
    """(width, height above baseline) of ``text`` as :func:`put_text` draws it."""
    (w, h), _ = cv2.getTextSize(text.replace("°", "o"), style.font, style.font_scale * scale, style.font_thickness)
    return w, h


def put_text(image: np.ndarray, text: str, org: tuple[int, int], color: Color, style: Style, scale: float = 1.0) -> int:
    """Text with a dark outline at baseline-left ``org``; '°' drawn as a small ring. Returns the end x."""
    fs = style.font_scale * scale
    th = style.font_thickness
    x, y = org
    for i, part in enumerate(text.split("°")):
        if i > 0:  # degree sign
            (_, hh), _ = cv2.getTextSize("0", style.font, fs, th)
            r = max(2, int(round(hh * 0.16)))
            centre = (x + r + th, y - hh + r)
            cv2.circle(image, centre, r, style.outline, th + 2, cv2.LINE_AA)
            cv2.circle(image, centre, r, color, th, cv2.LINE_AA)
            x += 2 * r + 2 * th + 1
        if part:
            cv2.putText(image, part, (x, y), style.font, fs, style.outline, th + max(2, th + 1), cv2.LINE_AA)
            cv2.putText(image, part, (x, y), style.font, fs, color, th, cv2.LINE_AA)
            (w, _), _ = cv2.getTextSize(part, style.font, fs, th)
            x += w
    return x


def darken(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = 0.55) -> None:
    """Semi-transparent dark backing over a rectangle (only that region is touched)."""
    h, w = image.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        roi[:] = (roi.astype(np.uint16) * int(round((1 - alpha) * 256)) >> 8).astype(np.uint8)


def dashed_line(image: np.ndarray, p0: tuple[int, int], p1: tuple[int, int], color: Color, thickness: int, dash: int) -> None:
    length = math.hypot(p1[0] - p0[0], p1[1] - p0[1])
    if length < 1:
        return
    n = max(1, int(length // (2 * dash)))
    for i in range(n + 1):
        a = min(1.0, 2 * i * dash / length)
        b = min(1.0, (2 * i + 1) * dash / length)
        if a >= 1.0:
            break
        q0 = (int(p0[0] + a * (p1[0] - p0[0])), int(p0[1] + a * (p1[1] - p0[1])))
        q1 = (int(p0[0] + b * (p1[0] - p0[0])), int(p0[1] + b * (p1[1] - p0[1])))
        cv2.line(image, q0, q1, color, thickness, cv2.LINE_AA)


def fmt_signed(value: float, unit: str = "") -> str:
    return f"{value:+.0f}{unit}"


# --------------------------------------------------------------------------- annotators
_TRUNK = lm.SKELETON_EDGES["trunk"] + ((lm.LEFT_EAR, lm.RIGHT_EAR),)


@dataclass
class SkeletonAnnotator:
    """Legs, pelvis, trunk and arms; near leg bright and thick, far leg/arm thinner and dimmer."""

    draw_joints: bool = True
    head: bool = True

    def annotate(self, image: np.ndarray, ctx: FrameContext) -> np.ndarray:
        k = ctx.keypoints
        if k is None:
            return image
        s = ctx.style
        near, far = ctx.data.near_side, ctx.data.far_side
        # far side first so the near side is drawn on top
        layers = (
            (lm.SKELETON_EDGES[f"{far}_arm"], s.far_arm, s.thin),
            (lm.SKELETON_EDGES[f"{far}_leg"], s.far_leg, s.thin),
            (lm.SKELETON_EDGES["trunk"], s.trunk, s.line),
            (lm.SKELETON_EDGES[f"{near}_arm"], s.trunk, s.line),
            (lm.SKELETON_EDGES[f"{near}_leg"], s.near_leg, s.line),
        )
        for edges, color, width in layers:
            for a, b in edges:
                if _finite(k[a], k[b]):
                    cv2.line(image, _pt(k[a]), _pt(k[b]), color, width, cv2.LINE_AA)
        if self.head:
            ears = k[[lm.LEFT_EAR, lm.RIGHT_EAR]].mean(axis=0)
            shoulders = k[[lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER]].mean(axis=0)
            if _finite(ears, shoulders):
                cv2.line(image, _pt(shoulders), _pt(ears), s.trunk, s.line, cv2.LINE_AA)
        if self.draw_joints:
            r = s.joint_radius
            for side, color, radius in ((far, s.far_leg, max(1, r - 2)), (near, s.near_leg, r)):
                for name in ("hip", "knee", "ankle"):
                    p = k[lm.LEG[side][name]]  # type: ignore[index]
                    if _finite(p):
                        cv2.circle(image, _pt(p), radius, color, -1, cv2.LINE_AA)
        return image


@dataclass
class ComLineAnnotator:
    """Vertical plumb line through the segment-weighted COM, with a dot; hip midpoint as a small tick."""

    hip_tick: bool = True

    def annotate(self, image: np.ndarray, ctx: FrameContext) -> np.ndarray:
        com = ctx.com
        if com is None:
            return image
        s = ctx.style
        h = image.shape[0]
        x, y = _pt(com)
        cv2.line(image, (x, 0), (x, h - 1), s.com, s.thin, cv2.LINE_AA)
        r = s.joint_radius + 2
        cv2.circle(image, (x, y), r + 1, s.outline, -1, cv2.LINE_AA)
        cv2.circle(image, (x, y), r, s.com, -1, cv2.LINE_AA)
        hip = ctx.hip
        if self.hip_tick and hip is not None:
            hx, hy = _pt(hip)
            t = 3 * s.joint_radius
            cv2.line(image, (hx - t, hy), (hx + t, hy), s.hip_tick, s.thin, cv2.LINE_AA)
        return image


@dataclass
class ContactAnnotator:
    """At initial contact: foot marker and the horizontal COM-to-foot distance, held for a while."""

    def annotate(self, image: np.ndarray, ctx: FrameContext) -> np.ndarray:
        step = ctx.contact
        if step is None or not np.isfinite(step.foot_xy).all() or not np.isfinite(step.com_x):
            return image
        s = ctx.style
        d = ctx.data
        color = s.grade_color(d.grade("overstride_pct", step.overstride_pct))
        fx, fy = _pt(step.foot_xy)
        cx = int(round(step.com_x))
        # COM position at contact (dashed, it stays put while the live COM line moves on)
        com_y = fy - int(round(0.6 * _leg_px(d)))
        dashed_line(image, (cx, com_y), (cx, fy), s.com, s.thin, max(4, 3 * s.thin))
        # distance bar at foot level with end ticks
        tick = 2 * s.joint_radius
        for w, c in ((s.line + 2, s.outline), (s.line, color)):
            cv2.line(image, (cx, fy), (fx, fy), c, w, cv2.LINE_AA)
            cv2.line(image, (cx, fy - tick), (cx, fy + tick), c, w, cv2.LINE_AA)
        r = 2 * s.joint_radius
        cv2.circle(image, (fx, fy), r + 2, s.outline, -1, cv2.LINE_AA)
        cv2.circle(image, (fx, fy), r, color, -1, cv2.LINE_AA)
        # label above the bar, kept inside the image
        lines = []
        if step.overstride_pct is not None and np.isfinite(step.overstride_pct):
            where = "ahead" if step.overstride_pct >= 0 else "behind"
            lines.append(f"foot {abs(step.overstride_pct):.0f}% leg {where}")
        if step.overstride_cm is not None and np.isfinite(step.overstride_cm):
            lines.append(f"{abs(step.overstride_cm):.0f} cm")
        if not lines:
            return image
        _label_block(image, lines, ((cx + fx) // 2, fy - 2 * tick), color, s)
        return image


@dataclass
class ThighAngleAnnotator:
    """Thigh angle behind vertical as an arc at the hip around toe-off, with its value.

    Shortly before toe-off the live angle of that leg is drawn as an arc without a number; from
    the toe-off frame on, the arc, a thin line and the label show the analysis' thigh angle at
    toe-off (the stored value, not recomputed), coloured with the findings' thresholds.
    """

    def annotate(self, image: np.ndarray, ctx: FrameContext) -> np.ndarray:
        step = ctx.toe_off
        k = ctx.keypoints
        if step is None or k is None:
            return image
        d = ctx.data
        s = ctx.style
        leg = lm.LEG[step.side]  # type: ignore[index]
        hip, knee = k[leg["hip"]], k[leg["knee"]]
        if not _finite(hip, knee):
            return image
        at_toe_off = ctx.toe_off_phase >= 0 and step.hip_extension_deg is not None and np.isfinite(step.hip_extension_deg)
        angle = float(step.hip_extension_deg) if at_toe_off else float(d.thigh_deg[step.side][ctx.row])  # type: ignore[arg-type]
        if not np.isfinite(angle):
            return image
        color = s.grade_color(d.grade("hip_extension_deg", step.hip_extension_deg)) if at_toe_off else s.trunk
        radius = float(np.hypot(*(knee - hip)))
        r_arc = int(round(0.75 * radius))
        h = _pt(hip)
        down = (h[0], int(round(h[1] + radius)))
        dashed_line(image, h, down, s.outline, s.thin + 2, max(4, 3 * s.thin))
        dashed_line(image, h, down, s.trunk, s.thin, max(4, 3 * s.thin))
        # image angle (cv2: degrees clockwise from +x, y down) of a direction ``a`` degrees behind vertical
        def image_angle(a: float) -> float:
            return 90.0 + d.forward * a

        theta = image_angle(angle)
        if at_toe_off:
            tip = (int(round(h[0] + radius * math.cos(math.radians(theta)))), int(round(h[1] + radius * math.sin(math.radians(theta)))))
            cv2.line(image, h, tip, color, s.thin, cv2.LINE_AA)
        a0, a1 = sorted((90.0, theta))
        for w, c in ((s.line + 2, s.outline), (s.line, color)):
            cv2.ellipse(image, h, (r_arc, r_arc), 0.0, a0, a1, c, w, cv2.LINE_AA)
        if not at_toe_off:
            return image  # before toe-off: the arc grows with the thigh, no number yet (negative values confuse)
        # value just beyond the thigh, on the "behind" side, with a backing
        label = f"{angle:.0f}° at toe-off"
        tw, th = text_size(label, s)
        lab = math.radians(image_angle(max(angle, 0.0) + 25.0))
        lx = h[0] + r_arc * math.cos(lab)
        ly = h[1] + r_arc * math.sin(lab)
        x = int(lx) if d.forward < 0 else int(lx - tw)
        x = int(np.clip(x, 2, image.shape[1] - tw - 2))
        y = int(ly + th // 2)
        pad = max(2, int(round(4 * s.unit)))
        darken(image, x - pad, y - th - pad, x + tw + pad, y + 2 * pad, 0.5)
        put_text(image, label, (x, y), color, s)
        return image


@dataclass
class PanelAnnotator:
    """Running panel: cadence, the current step's values (colour-graded), its flags, a legend."""

    corner: str = "top-left"  # or "top-right"
    legend: bool = True

    def annotate(self, image: np.ndarray, ctx: FrameContext) -> np.ndarray:
        s = ctx.style
        d = ctx.data
        rows: list[list[tuple[str, Color]]] = []
        white = s.text
        if d.cadence_spm is not None and np.isfinite(d.cadence_spm):
            rows.append([("Cadence ", white), (f"{d.cadence_spm:.0f}", s.grade_color(d.grade("cadence_spm", d.cadence_spm))), (" steps/min", white)])
        step = ctx.current
        if step is not None:
            near = "near" if step.side == d.near_side else "far"
            rows.append([(f"Step {step.number}: {step.side} foot ({near})", s.near_leg if near == "near" else s.far_leg)])
            if step.overstride_pct is not None and np.isfinite(step.overstride_pct):
                val = f"{step.overstride_pct:+.0f}% leg"
                if step.overstride_cm is not None and np.isfinite(step.overstride_cm):
                    val += f", {step.overstride_cm:+.0f} cm"
                rows.append([("Overstride ", white), (val, s.grade_color(d.grade("overstride_pct", step.overstride_pct)))])
            peak, at_to = step.peak_hip_extension_deg, step.hip_extension_deg
            if peak is not None and np.isfinite(peak):
                g = d.grade("hip_extension_deg", peak)
                rows.append([("Hip extension ", white), (f"{peak:.0f}°", s.grade_color(g)), (" peak", white)])
            elif at_to is not None and np.isfinite(at_to):
                g = d.grade("hip_extension_deg", at_to)
                rows.append([("Hip ext. at toe-off ", white), (f"{at_to:.0f}°", s.grade_color(g))])
            for flag in step.flags:
                rows.append([("! " + flag.upper(), s.grades[BAD])])
        elif d.summary_flags:
            for flag in d.summary_flags:
                rows.append([("! " + flag.upper(), s.grades[BAD])])
        legend: list[tuple[str, Color, int]] = []
        if self.legend:
            legend = [
                (f"near leg = {d.near_side}", s.near_leg, s.line),
                (f"far leg = {d.far_side}", s.far_leg, s.thin),
                ("centre of mass", s.com, s.thin),
            ]
        if not rows and not legend:
            return image
        small = 0.8
        pad = int(round(10 * s.unit))
        _, line_h = text_size("Ag", s)
        row_h = int(round(line_h * 1.7))
        _, small_h = text_size("Ag", s, small)
        small_row = int(round(small_h * 1.8))
        swatch = int(round(28 * s.unit))
        widths = [sum(text_size(t, s)[0] for t, _ in row) for row in rows]
        widths += [swatch + pad + text_size(t, s, small)[0] for t, _, _ in legend]
        width = max(widths) + 2 * pad
        height = pad + len(rows) * row_h + len(legend) * small_row + pad // 2
        x0 = pad if self.corner == "top-left" else image.shape[1] - width - pad
        y0 = pad
        darken(image, x0, y0, x0 + width, y0 + height)
        y = y0 + pad + line_h
        for row in rows:
            x = x0 + pad
            for text, color in row:
                x = put_text(image, text, (x, y), color, s)
            y += row_h
        y += small_h // 2 - (row_h - line_h) // 2
        for text, color, w in legend:
            yy = y - small_h // 2
            cv2.line(image, (x0 + pad, yy), (x0 + pad + swatch, yy), color, w, cv2.LINE_AA)
            put_text(image, text, (x0 + 2 * pad + swatch, y), s.text, s, small)
            y += small_row
        return image


def _leg_px(d: OverlayData) -> float:
    """Typical leg length in the current coordinates (for sizing overlays), cached on the data."""
    cached = getattr(d, "_leg_cache", None)
    if cached is None:
        cached = body_scale_px(d.keypoints)
        cached = cached if np.isfinite(cached) else 0.25 * d.image_size[1]
        object.__setattr__(d, "_leg_cache", cached)
    return cached


def _label_block(image: np.ndarray, lines: list[str], anchor: tuple[int, int], color: Color, s: Style) -> None:
    """Centred multi-line label with a dark backing whose bottom sits at ``anchor``, clamped to the image."""
    sizes = [text_size(t, s) for t in lines]
    line_h = max(h for _, h in sizes)
    gap = int(round(0.6 * line_h))
    pad = int(round(6 * s.unit))
    width = max(w for w, _ in sizes) + 2 * pad
    height = len(lines) * line_h + (len(lines) - 1) * gap + 2 * pad
    H, W = image.shape[:2]
    x0 = int(np.clip(anchor[0] - width // 2, 0, max(0, W - width)))
    y0 = int(np.clip(anchor[1] - height, 0, max(0, H - height)))
    darken(image, x0, y0, x0 + width, y0 + height, 0.5)
    y = y0 + pad + line_h
    for (w, _), text in zip(sizes, lines):
        put_text(image, text, (x0 + (width - w) // 2, y), color, s)
        y += line_h + gap


def default_annotators() -> list[Annotator]:
    """The overlays of the annotated clip, in drawing order (later ones on top)."""
    return [ComLineAnnotator(), SkeletonAnnotator(), ContactAnnotator(), ThighAngleAnnotator(), PanelAnnotator()]


def annotate_frame(image: np.ndarray, ctx: FrameContext, annotators: Iterable[Annotator] | None = None) -> np.ndarray:
    """Run the annotators over ``image`` in place and return it."""
    for annotator in default_annotators() if annotators is None else annotators:
        image = annotator.annotate(image, ctx)
    return image


# --------------------------------------------------------------------------- building OverlayData
# Annotator metric names -> the finding whose limits grade them
_GRADED_BY = {
    "overstride_pct": "overstride",
    "hip_extension_deg": "limited_hip_extension",
    "cadence_spm": "low_cadence",
    "shank_angle_deg": "shank_reaching",
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


def overlay_from_analysis(analysis) -> OverlayData:
    """OverlayData from a :class:`formcheck.analysis.Analysis` (its public fields only).

    Positions come from the analysis' cleaned keypoints and COM trajectory at each step's
    contact track index; values and flags from its StepMetrics and findings. The contact marker
    sits at the measured overstride from that frame's COM (the value its label shows, taken at
    the sub-frame contact instant), so bar and label agree; the heel drawn in the contact frame
    can be up to a frame of foot travel behind it (the frame is the first one at/after contact).
    """
    track = analysis.track
    k = np.asarray(track.keypoints_px, dtype=float)
    com = np.asarray(analysis.com_px, dtype=float)
    legs = {side: leg_length_px(k, side) for side in SIDES}  # what metrics divides by
    fwd = forward_sign(analysis.facing)
    from .findings import FINDING_SPECS

    flagged = [f for f in analysis.findings if f.severity != "info"]
    step_specs = [(f, FINDING_SPECS[f.code]) for f in flagged if f.code in FINDING_SPECS and FINDING_SPECS[f.code].per_side]
    marks = []
    for n, (ev, sm) in enumerate(zip(analysis.events.steps, analysis.steps), start=1):
        c = int(ev.contact_index)
        landing = k[c, lm.LEG[sm.side]["heel"]].copy()  # type: ignore[index]
        if sm.overstride_pct_leg is not None and np.isfinite(legs[sm.side]) and np.isfinite(com[c, 0]):
            landing[0] = com[c, 0] + fwd * sm.overstride_pct_leg / 100.0 * legs[sm.side]
        flags = tuple(
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
                flags=flags,
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
        fps=float(track.fps),
        cadence_spm=None if cad is None else float(cad),
        grader=findings_grader(),
        summary_flags=summary_flags,
    )

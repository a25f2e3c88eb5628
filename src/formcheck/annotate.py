"""Composable frame annotators: skeleton, centre-of-mass line, contacts, thigh angle, panel.

Modelled on roboflow ``supervision``: every overlay is a small object with
``annotate(image, ctx) -> image`` that draws one thing, in place, on an RGB ``uint8`` image.
``ctx`` is a :class:`FrameContext`: everything the overlays need for one frame, looked up in
:class:`formcheck.overlay.OverlayData`, which is built ONCE from the analysis with per-frame lookup
tables in numpy. Annotators never recompute metrics; they only draw
values the analysis already holds.

Adding an overlay = write a class with an ``annotate`` method and put it in the list passed to
:func:`annotate_frame` (or :func:`default_annotators`).

Colours are RGB (frames come from :func:`formcheck.video.iter_frames` as RGB). Line widths and
font sizes scale with the image (:class:`Style`), so text stays legible on a phone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from . import landmarks as lm
from .geometry import body_scale_px
from .overlay import BAD, NEUTRAL, Color, FrameContext, OverlayData, Style
from .rounding import rounded

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
        # label below the bar (above it the shoe lands: a newcomer found the label over it), above where the foot is
        # too near the image's bottom for it; kept inside the image
        lines = []
        if step.overstride_pct is not None and np.isfinite(step.overstride_pct):
            where = "ahead" if step.overstride_pct >= 0 else "behind"
            lines.append(f"foot {rounded(abs(step.overstride_pct), 0):.0f}% leg {where}")
        if step.overstride_cm is not None and np.isfinite(step.overstride_cm):
            lines.append(f"{rounded(abs(step.overstride_cm), 0):.0f} cm")
        if not lines:
            return image
        below = fy + 2 * tick + _label_size(lines, s)[1] <= image.shape[0]
        _label_block(image, lines, ((cx + fx) // 2, fy + 2 * tick if below else fy - 2 * tick), color, s, top=below)
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
        label = f"{rounded(angle, 0):.0f}° at toe-off"
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
            rows.append([("Cadence ", white), (f"{rounded(d.cadence_spm, 0):.0f}", s.grade_color(d.grade("cadence_spm", d.cadence_spm))),
                         (" steps/min", white)])
        step = ctx.current
        if step is not None:
            near = "near" if step.side == d.near_side else "far"
            rows.append([(f"Step {step.number}: {step.side} foot ({near})", s.near_leg if near == "near" else s.far_leg)])
            if step.overstride_pct is not None and np.isfinite(step.overstride_pct):
                val = f"{rounded(step.overstride_pct, 0):+.0f}% leg"
                if step.overstride_cm is not None and np.isfinite(step.overstride_cm):
                    val += f", {rounded(step.overstride_cm, 0):+.0f} cm"
                rows.append([("Overstride ", white), (val, s.grade_color(d.grade("overstride_pct", step.overstride_pct)))])
            shank = step.shank_angle_deg  # the shank-reaching finding's still showed no shank angle (a newcomer's test)
            if shank is not None and np.isfinite(shank):
                rows.append([("Shank at contact ", white),
                             (f"{rounded(shank, 0):+.0f}°", s.grade_color(d.grade("shank_angle_deg", shank)))])
            contact = step.contact_time_s  # the long-contact finding's still showed no contact time (a newcomer's test)
            if contact is not None and np.isfinite(contact):
                rows.append([("Ground contact ", white),
                             (f"{rounded(1000 * contact, 0):.0f} ms", s.grade_color(d.grade("contact_time_s", contact)))])
            peak, at_to = step.peak_hip_extension_deg, step.hip_extension_deg
            if peak is not None and np.isfinite(peak):
                g = d.grade("hip_extension_deg", peak)
                rows.append([("Hip extension ", white), (f"{rounded(peak, 0):.0f}°", s.grade_color(g)), (" peak", white)])
            elif at_to is not None and np.isfinite(at_to):
                g = d.grade("hip_extension_deg", at_to)
                rows.append([("Hip ext. at toe-off ", white), (f"{rounded(at_to, 0):.0f}°", s.grade_color(g))])
            for flag in step.flags:
                rows.append([("! " + flag.upper(), s.grades[BAD])])
            if step.timing_uncertain:  # "not counted" only when its leg's medians leave it out (a newcomer's test: a
                # one-step leg's step said "not counted" beside the report's median of that very step)
                rows.append([("timing uncertain" + ("" if step.counted else ": not counted"), s.grades[NEUTRAL])])
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


def _label_size(lines: list[str], s: Style) -> tuple[int, int]:
    """(width, height) in px of :func:`_label_block`'s backing for ``lines``."""
    sizes = [text_size(t, s) for t in lines]
    line_h = max(h for _, h in sizes)
    pad = int(round(6 * s.unit))
    return max(w for w, _ in sizes) + 2 * pad, len(lines) * line_h + (len(lines) - 1) * int(round(0.6 * line_h)) + 2 * pad


def _label_block(image: np.ndarray, lines: list[str], anchor: tuple[int, int], color: Color, s: Style,
                 top: bool = False) -> None:
    """Centred multi-line label with a dark backing whose bottom (``top``: top) sits at ``anchor``, clamped to the
    image."""
    sizes = [text_size(t, s) for t in lines]
    line_h = max(h for _, h in sizes)
    gap = int(round(0.6 * line_h))
    pad = int(round(6 * s.unit))
    width, height = _label_size(lines, s)
    H, W = image.shape[:2]
    x0 = int(np.clip(anchor[0] - width // 2, 0, max(0, W - width)))
    y0 = int(np.clip(anchor[1] if top else anchor[1] - height, 0, max(0, H - height)))
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

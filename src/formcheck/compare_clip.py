"""Side-by-side before/after clip: both runners at the same leg length, in step.

Each clip's right-foot strides (initial contact to the next right contact) are resampled onto
the same number of output frames, so at every output frame both runners are at the same phase
of the gait cycle: both land together, both toe off at the same relative time (if their duty
factors match). Each panel is cropped around the runner's centre of mass and scaled so that the
leg (hip to ankle) has the same length in pixels; the skeleton, the COM line and the
contact distance are drawn on both with the annotated clip's annotators.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from .annotate import (
    ComLineAnnotator,
    ContactAnnotator,
    SkeletonAnnotator,
    annotate_frame,
    put_text,
)
from .annotated_clip import ANNOTATED_CRF, ANNOTATED_PRESET
from .compare import METRICS, compare_metric
from .report_model import fmt
from .geometry import leg_length_px
from .overlay import OverlayData, Style, overlay_from_analysis
from .rounding import rounded
from .video import H264Writer, iter_frames

if TYPE_CHECKING:
    from .analysis import Analysis
    from .metrics import StepMetrics


class SideBySideError(Exception):
    """The two clips cannot be put side by side (e.g. fewer than two right-foot contacts)."""


@dataclass(frozen=True)
class _Panel:
    """How one clip maps onto its half of the output."""

    overlay: OverlayData
    strides: list[tuple[int, int]]  # (contact frame, next contact frame) of the right foot
    scale: float  # output px per source px
    hip_y_px: float  # source y placed at the panel's hip line
    title: str


def right_strides(steps: Sequence[StepMetrics]) -> list[tuple[int, int]]:
    """Consecutive right-foot contacts (decoded frames) whose spacing is a plausible stride."""
    contacts = sorted(s.contact_frame for s in steps if s.side == "right")
    pairs = list(itertools.pairwise(contacts))
    if not pairs:
        return []
    median = float(np.median([b - a for a, b in pairs]))
    return [(a, b) for a, b in pairs if 0.75 * median <= b - a <= 1.25 * median]


def _panel(analysis: Analysis, title: str, leg_out_px: float) -> _Panel:
    strides = right_strides(analysis.steps)
    if not strides:
        raise SideBySideError(f"{title}: fewer than two right-foot contacts, nothing to align")
    keypoints = np.asarray(analysis.track.keypoints_px)
    leg = leg_length_px(keypoints, analysis.near_side)
    if not np.isfinite(leg) or leg <= 0:
        raise SideBySideError(f"{title}: leg length unknown")
    hip_y = float(np.nanmedian(np.asarray(analysis.hip_mid_px)[:, 1]))
    return _Panel(overlay_from_analysis(analysis), strides, leg_out_px / leg, hip_y, title)


def _source_frame(stride: tuple[int, int], phase: float) -> int:
    start, end = stride
    return round(start + phase * (end - start))


def _render_panel(rgb: np.ndarray, frame_index: int, panel: _Panel, size: tuple[int, int], annotators: list) -> np.ndarray:
    """Annotate the source frame, then crop around the COM and scale to the common leg length."""
    overlay = panel.overlay
    ctx = overlay.context(frame_index, Style.for_image(*overlay.image_size))
    image = annotate_frame(rgb.copy(), ctx, annotators)
    width, height = size
    row = overlay.row_of(frame_index)
    com_x = overlay.com[row, 0] if row >= 0 and np.isfinite(overlay.com[row, 0]) else np.nanmedian(overlay.com[:, 0])
    s = panel.scale
    # source (com_x, hip_y) -> output (width/2, 0.42 * height)
    matrix = np.array([[s, 0.0, width / 2 - s * com_x], [0.0, s, 0.42 * height - s * panel.hip_y_px]])
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_AREA, borderValue=(24, 24, 24))


def write_side_by_side(
    before: Analysis,
    before_video: str | os.PathLike[str],
    after: Analysis,
    after_video: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    cycles: int = 4,
    leg_px: int = 170,
    labels: tuple[str, str] = ("BEFORE", "AFTER"),
) -> Path:
    """Write the side-by-side H.264 clip; returns its path. Raises SideBySideError if impossible."""
    panels = [_panel(before, labels[0], leg_px), _panel(after, labels[1], leg_px)]
    n_cycles = min(cycles, *(len(p.strides) for p in panels))
    out_fps = max(float(before.video.fps), float(after.video.fps))  # decoded frames per second
    stride_s = max(float(np.median([b - a for a, b in p.strides])) / float(a.video.fps) for p, a in zip(panels, (before, after)))
    frames_per_cycle = max(8, round(stride_s * out_fps))
    panel_w, panel_h = int(2.3 * leg_px) // 2 * 2, int(2.9 * leg_px) // 2 * 2
    header = max(28, leg_px // 5) // 2 * 2

    # Which source frames each output frame needs, per panel.
    schedule = [
        [_source_frame(p.strides[j // frames_per_cycle], (j % frames_per_cycle) / frames_per_cycle) for j in range(n_cycles * frames_per_cycle)]
        for p in panels
    ]
    annotators = [SkeletonAnnotator(), ComLineAnnotator(hip_tick=False), ContactAnnotator()]
    rendered: list[dict[int, np.ndarray]] = []
    for panel, video, wanted in zip(panels, (before_video, after_video), schedule):
        needed = set(wanted)
        last = max(needed)
        frames: dict[int, np.ndarray] = {}
        for frame in iter_frames(video, only=needed):  # the others are decoded, not converted to RGB
            if frame.index in needed:
                frames[frame.index] = _render_panel(frame.rgb, frame.index, panel, (panel_w, panel_h), annotators)
            if frame.index >= last:
                break
        rendered.append(frames)

    style = Style.for_image(2 * panel_w, panel_h + header)
    # the comparison table's own both-legs values (formcheck.compare): the captions took every step pooled, and the
    # peak hip extension under a name the table gives the toe-off's (a newcomer's test: foot +20 beside the table's 20.6)
    shown = {key: compare_metric(before.result, after.result, next(m for m in METRICS if m.key == key), "both")
             for key in ("overstride_pct_leg", "peak_hip_extension_deg", "step_cadence_spm")}
    titles = []
    for k, panel in enumerate(panels):
        over, hip, cadence = (getattr(shown[key], "after_median" if k else "before_median") for key in shown)
        text = panel.title
        if over is not None:
            text += f"  foot {fmt(over, 0, signed=rounded(over, 0) != 0)}% leg"  # "0%", not "-0%"
        if hip is not None:
            text += f"  peak hip ext {rounded(hip, 0):.0f} deg"
        if cadence is not None:
            text += f"  {rounded(cadence, 0):.0f} spm"
        titles.append(text)

    out_path = Path(out_path)
    with H264Writer(out_path, fps=out_fps, size=(2 * panel_w, panel_h + header), crf=ANNOTATED_CRF, preset=ANNOTATED_PRESET) as writer:
        blank = np.full((panel_h, panel_w, 3), 24, np.uint8)
        for j in range(n_cycles * frames_per_cycle):
            canvas = np.zeros((panel_h + header, 2 * panel_w, 3), np.uint8)
            for k in range(2):
                canvas[header:, k * panel_w : (k + 1) * panel_w] = rendered[k].get(schedule[k][j], blank)
                put_text(canvas, titles[k], (k * panel_w + 8, header - 8), style.text, style, scale=0.7)
            canvas[:, panel_w - 1 : panel_w + 1] = 200
            writer.write(canvas, time_s=j / out_fps)
    return out_path


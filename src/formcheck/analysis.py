"""Whole analysis of one running clip: clean -> direction -> COM -> events -> metrics -> findings.

Python API::

    from formcheck.analysis import analyze, analyze_track
    result = analyze("run.mp4", height_cm=178)            # runs the pose model, then analyze_track
    result = analyze_track(PoseTrack.load("run.npz"))     # pure, no video
    result.to_dict(); result.write(outdir)                 # analysis.json + steps.csv (atomic)

Refusals raise :class:`AnalysisError` (the CLI prints its message and exits non-zero).
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .clean import clean_track
from .com import segment_weighted_com
from .events import GaitEvents, detect_direction, detect_events
from .findings import Finding, make_findings
from .geometry import SIDES, hip_midpoint, leg_length_px, near_side, trunk_lean_deg
from .metrics import StepMetrics, cadence_spm, px_per_cm, step_metrics, summarise
from .pose_track import PoseTrack
from .quality import MIN_STEPS, MIN_STEPS_REFUSE, direction_changes, gait_kind, quality_checks, view_check  # noqa: F401 (MIN_STEPS re-exported)

SCHEMA_VERSION = 1
# step-count limits live with the other quality checks (formcheck.quality); re-exported here


class AnalysisError(Exception):
    """Nothing meaningful can be said about this clip (message says why)."""


@dataclass(frozen=True, eq=False)
class Analysis:
    """Result of analysing one clip.

    Arrays for drawing (annotated clip, report) without recomputing, all indexed by TRACK
    index t (``track.frame_indices[t]`` is the decoded-frame number):

    * ``track``: cleaned PoseTrack (swap-repaired, gap-filled, Butterworth-smoothed keypoints_px).
    * ``raw_track``: the PoseTrack as it came from the pose model.
    * ``com_px``: (T, 2) segment-weighted (de Leva) centre of mass, pixels.
    * ``hip_mid_px``: (T, 2) hip midpoint, pixels (secondary COM reference).
    * ``contact_index`` / ``toe_off_index``: dict side -> (n,) int arrays of track indices
      (toe-off -1 where the clip ends before it).
    * ``swapped``: (T,) bool frames whose leg labels were exchanged by cleaning.
    * ``events``: GaitEvents with sub-frame times; ``steps``: per-step StepMetrics.
    """

    video: dict[str, Any]
    facing: str
    facing_source: str  # "detected" | "given"
    mode: str  # "treadmill" | "overground"
    near_side: str
    steps: list[StepMetrics]
    summary: dict[str, Any]
    findings: list[Finding]
    quality: dict[str, Any]
    track: PoseTrack
    raw_track: PoseTrack
    com_px: np.ndarray
    hip_mid_px: np.ndarray
    contact_index: dict[str, np.ndarray]
    toe_off_index: dict[str, np.ndarray]
    swapped: np.ndarray
    events: GaitEvents
    height_cm: float | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "video": self.video,
            "facing": self.facing,
            "facing_source": self.facing_source,
            "mode": self.mode,
            "near_side": self.near_side,
            "height_cm": self.height_cm,
            "steps": [s.to_dict() for s in self.steps],
            "summary": self.summary,
            "findings": [f.to_dict() for f in self.findings],
            "quality": self.quality,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=_json_default)

    def write(self, outdir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write OUTDIR/analysis.json and OUTDIR/steps.csv atomically (temp file, then rename)."""
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        paths = {"json": outdir / "analysis.json", "csv": outdir / "steps.csv"}
        _atomic_write(paths["json"], self.to_json() + "\n")
        rows = [s.to_dict() for s in self.steps]
        header = list(StepMetrics.__dataclass_fields__)
        tmp = paths["csv"].with_name(paths["csv"].name + ".partial")
        try:
            with open(tmp, "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=header)
                w.writeheader()
                for r in rows:
                    w.writerow({k: ("" if r[k] is None else r[k]) for k in header})
            tmp.replace(paths["csv"])
        finally:
            tmp.unlink(missing_ok=True)
        return paths


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".partial")
    try:
        tmp.write_text(text)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def analyze_track(track: PoseTrack, *, height_cm: float | None = None, facing: str | None = None) -> Analysis:
    """Analyse a pose track (pure: no video, no model). Raises AnalysisError when it cannot."""
    if track.n_frames < 10 or track.detection_rate == 0:
        raise AnalysisError("no runner found in the clip")
    cleaned = clean_track(track)
    ct = cleaned.track
    # quality checks that need no gait events; a frontal view is refused before event detection
    view = view_check(track)
    gait = gait_kind(ct)
    passes = direction_changes(ct)
    if view["verdict"] == "frontal":
        _, _, refuse = quality_checks(track, cleaned, 0, 1.0, gait=gait, view=view, direction=passes)
        raise AnalysisError(f"cannot analyse this clip: {refuse}")
    direction = detect_direction(ct)
    if facing is not None and facing not in ("left", "right"):
        raise ValueError("facing must be 'left' or 'right'")
    face = facing or direction.facing
    near = near_side(face)
    com = segment_weighted_com(ct.keypoints_px)
    hip_mid = hip_midpoint(ct.keypoints_px)
    events = detect_events(ct, face, light=cleaned.light)
    steps = step_metrics(ct, events, com, hip_mid, face, near, height_cm, raw_visibility=ct.visibility, light=cleaned.light)
    duty = [s.contact_time_s / (events.stride_period_frames / ct.fps) for s in steps if s.contact_time_s]
    flights = [s.flight_time_s for s in steps if s.flight_time_s is not None]
    # walking vs running from the pose track alone (pelvis bounce phase, cadence): formcheck.quality.gait_kind
    walking = bool(gait["walking"])
    quality, warnings, refuse = quality_checks(track, cleaned, len(steps), 1.0 if facing else direction.confidence,
                                               gait=gait, view=view, direction=passes)
    if refuse:
        raise AnalysisError(f"cannot analyse this clip: {refuse}")
    cad = cadence_spm(events)
    summary = summarise(steps)
    all_ct = [s.contact_time_s for s in steps if s.contact_time_s]
    summary.update({
        "cadence_spm": None if cad is None else round(cad, 2),
        "step_time_s": None if cad is None else round(60.0 / cad, 4),
        "stride_time_s": round(events.stride_period_frames / ct.fps, 4),
        "duty_factor": round(float(np.median(duty)), 3) if duty else None,
        "contact_time_s": round(float(np.median(all_ct)), 4) if all_ct else None,
        "flight_time_s": round(float(np.median(flights)), 4) if flights else None,
        "trunk_lean_deg": round(float(np.nanmedian(trunk_lean_deg(ct.keypoints_px, face))), 2),
        "vertical_oscillation": _vertical_oscillation(com, events, ct, steps, height_cm, near),
        "walking": walking,
        "n_steps": len(steps),
    })
    findings = make_findings(steps, summary, cad, walking=walking) if len(steps) >= MIN_STEPS_REFUSE else []
    ci = {s: events.contact_indices(s) for s in ("left", "right")}
    ti = {s: np.array([st.toe_off_index if st.toe_off_index is not None else -1 for st in events.for_side(s)], dtype=int) for s in ("left", "right")}
    w, h = track.image_size
    video = {
        "source": track.source,
        "fps": float(track.fps),
        "frame_count": int(track.n_frames),
        "width": int(w),
        "height": int(h),
        "duration_s": round(float(track.n_frames / track.fps), 3),
        "first_frame": int(track.frame_indices[0]),
    }
    return Analysis(
        video=video, facing=face, facing_source="given" if facing else "detected", mode=direction.mode, near_side=near,
        steps=steps, summary=summary, findings=findings, quality=quality, track=ct, raw_track=track, com_px=com,
        hip_mid_px=hip_mid, contact_index=ci, toe_off_index=ti, swapped=cleaned.swapped, events=events,
        height_cm=height_cm, info={"direction": direction.__dict__, "clean": cleaned.info},
    )


def _vertical_oscillation(com: np.ndarray, events: GaitEvents, track: PoseTrack, steps: list[StepMetrics], height_cm: float | None, near: str) -> dict[str, Any]:
    """Peak-to-peak COM height per stride of the near foot: px, % leg, cm (if height given)."""
    c = events.contact_indices(near)
    y = com[:, 1]
    vals = [float(np.nanmax(y[a:b]) - np.nanmin(y[a:b])) for a, b in zip(c[:-1], c[1:]) if b - a > 2]
    if not vals:
        return {"median_px": None, "pct_leg": None, "cm": None}
    med = float(np.median(vals))
    L = leg_length_px(track.keypoints_px, near)
    cm = med / px_per_cm(track.keypoints_px, height_cm, near) if height_cm else None
    return {"median_px": round(med, 2), "pct_leg": round(100 * med / L, 2), "cm": None if cm is None else round(cm, 2)}


def analyze(
    path: str | os.PathLike[str],
    *,
    height_cm: float | None = None,
    facing: str | None = None,
    model: str | os.PathLike[str] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    fps: float | None = None,
    progress: Any = None,
) -> Analysis:
    """Run the pose model on a video (formcheck.pose) and analyse the track."""
    from .pose import default_model_path, extract_pose_track

    track = extract_pose_track(
        path, model_path=model or default_model_path(), start_s=start_s, end_s=end_s, fps_override=fps, progress=progress
    )
    return analyze_track(track, height_cm=height_cm, facing=facing)

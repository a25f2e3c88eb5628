"""Whole analysis of one running clip: clean -> direction -> COM -> events -> metrics -> findings.

Python API::

    from formcheck.analysis import analyze, analyze_track
    result = analyze("run.mp4", height_cm=178)            # runs the pose model, then analyze_track
    result = analyze_track(PoseTrack.load("run.npz"))     # pure, no video
    result.result                                          # the saved part: formcheck.result.AnalysisResult
    result.to_dict(); result.write(outdir)                 # analysis.json + steps.csv (atomic)

Refusals raise :class:`AnalysisError` (the CLI prints its message and exits non-zero).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .clean import clean_track, swap_sides, with_legs_swapped
from .com import segment_weighted_com
from .events import Direction, EventParams, GaitEvents, detect_direction, detect_events, label_swap_frames, pelvis_crosses
from .findings import Finding, make_findings
from .foot_blur import near_foot_streak_pct
from .foot_overlay import overlay_fraction
from .geometry import SIDES, body_scale_px, hip_midpoint, leg_length_px, near_side, other_side, trunk_lean_deg
from .metrics import StepMetrics, cadence_spm, complete_events, counted_steps, px_per_cm, shown_events, step_metrics, summarise
from .pose_track import PoseTrack
from .timebase import (dropped_images_warning, fps_was_given, last_frame_showing, playback_fps, real_time_track, slow_motion_warning,
                       stride_at_given_rate_s, withhold_durations)
from .result import SCHEMA_VERSION, AnalysisResult, ClipSummary, Quality, TimedEvent, VideoInfo, saved_step  # noqa: F401 (SCHEMA_VERSION re-exported)
from .quality import (  # noqa: F401 (MIN_STEPS re-exported)
    MIN_STEPS, direction_changes, gait_kind, missing_frames, quality_checks, side_on_stretch, timing_evidence, view_check,
)

# step-count limits live with the other quality checks (formcheck.quality); re-exported here


# A direction given by the user that the clip contradicts this surely is refused: read the wrong way round, the feet
# land "behind" the body and the overstride doubles (treadmill_side_01 given --facing right: 60-70 % leg against
# 18-23 %). Detection ranged 0.66-1.0 on 152 clips (real, rendered, degraded), never wrong; --facing is for the rest.
FACING_CONTRADICTED_CONFIDENCE = 0.6
# A stride shorter than this in the time base --fps gives is no runner's (sprinters at 280-290 steps/min stride in
# ~0.42 s): --fps 60 on treadmill_side_01, which plays in real time at 30 fps, was analysed at 0.36 s strides read as
# 0.71 s ones (every other step found, 9 of 33), overstride 9.7 % leg against 23 % (a newcomer's test).
MIN_STRIDE_S = 0.4
# A runner's height in cm (the CLI's --height and a manifest's height_cm take the same range): one typed in metres or
# feet (1.78, 5.9) is refused, as the API once took it and gave overstride in cm ~100x too large (a newcomer's test).
HEIGHT_RANGE_CM = (80.0, 250.0)


def height_problem(height_cm: float | None) -> str | None:
    """Why ``height_cm`` is no runner's height in cm, or None (also None when not given)."""
    lo, hi = HEIGHT_RANGE_CM
    if height_cm is None or lo <= height_cm <= hi:
        return None
    return f"{height_cm:g} is not a height in cm ({lo:g}-{hi:g}): give it in centimetres"


def check_options(height_cm: float | None, facing: str | None) -> None:
    """Refuse, before any work, a height not in cm or a direction other than 'left'/'right' (ValueError)."""
    problem = height_problem(height_cm)
    if problem:
        raise ValueError(f"height_cm: {problem}, e.g. height_cm=178")
    if facing is not None and facing not in ("left", "right"):
        raise ValueError("facing must be 'left' or 'right'")


class AnalysisError(Exception):
    """Nothing meaningful can be said about this clip (message says why)."""


class FacingContradictedError(AnalysisError):
    """The ``--facing`` given is not the way the clip shows the runner facing; ``finding`` says what was seen (the
    message adds the advice for one clip; compare, whose one --facing serves two clips, gives its own)."""

    def __init__(self, given: str, direction: Direction) -> None:
        sign = 1.0 if direction.facing == "right" else -1.0
        agree = [name for cue, name in (("head", "the nose"), ("feet", "the toes"), ("travel", "the travel"))
                 if sign * direction.cues.get(cue, 0.0) > 0]  # only the cues that say so (a reviewer's catch)
        said = ", ".join(agree[:-1]) + (" and " if len(agree) > 1 else "") + agree[-1] if agree else "the cues"
        self.finding = (f"--facing {given} contradicts the clip: the runner faces {direction.facing} ({said} "
                        f"{'say' if len(agree) != 1 else 'says'} so)")
        super().__init__(f"{self.finding}; leave --facing out, or give --facing {direction.facing}")


@dataclass(frozen=True, eq=False)
class Analysis:
    """Result of analysing one clip: the saved :class:`~formcheck.result.AnalysisResult` plus the arrays.

    ``result`` is what ``analysis.json`` holds (also reachable as ``analysis.steps``,
    ``analysis.summary``, ...). The arrays are for drawing (annotated clip, report) without
    recomputing, all indexed by TRACK index t (``track.frame_indices[t]`` is the decoded-frame number):

    * ``track``: cleaned PoseTrack (swap-repaired, gap-filled, Butterworth-smoothed keypoints_px).
    * ``raw_track``: the PoseTrack as it came from the pose model.
    * ``com_px``: (T, 2) segment-weighted (de Leva) centre of mass, pixels.
    * ``hip_mid_px``: (T, 2) hip midpoint, pixels (secondary COM reference).
    * ``events``: GaitEvents with sub-frame times.
    """

    result: AnalysisResult
    track: PoseTrack
    raw_track: PoseTrack
    com_px: np.ndarray
    hip_mid_px: np.ndarray
    events: GaitEvents
    info: dict[str, Any] = field(default_factory=dict)

    # the saved result's fields, read through
    @property
    def video(self) -> VideoInfo:
        return self.result.video

    @property
    def facing(self) -> str:
        return self.result.facing

    @property
    def facing_source(self) -> str:
        return self.result.facing_source

    @property
    def mode(self) -> str:
        return self.result.mode

    @property
    def near_side(self) -> str:
        return self.result.near_side

    @property
    def height_cm(self) -> float | None:
        return self.result.height_cm

    @property
    def steps(self) -> tuple[StepMetrics, ...]:
        return self.result.steps

    @property
    def summary(self) -> ClipSummary:
        return self.result.summary

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.result.findings

    @property
    def quality(self) -> Quality:
        return self.result.quality

    def with_result(self, **changes: Any) -> Analysis:
        """A copy whose result has ``changes`` (dataclasses.replace on the result), arrays shared."""
        return replace(self, result=replace(self.result, **changes))

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def to_json(self) -> str:
        return self.result.to_json()

    def write(self, outdir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write OUTDIR/analysis.json and OUTDIR/steps.csv atomically (temp file, then rename)."""
        return self.result.write(outdir)


def feet_taken(summary: dict[str, Any], key: str) -> list[str]:
    """The feet both feet's ``key`` averages (:func:`both_feet`): those with 3 or more values counted, else those with
    any."""
    counts = {side: int(summary[side][key]["n"]) for side in SIDES}
    return [side for side in SIDES if counts[side] >= 3] or [side for side in SIDES if counts[side]]


def both_feet(summary: dict[str, Any], key: str) -> float | None:
    """Both feet's contact or flight time (s) as compare takes both legs (formcheck.compare): each foot's median,
    averaged over :func:`feet_taken`. Pooled, the report's card read 322 ms beside compare's 323 for one run, a short
    pass 133 ms beside compare's and history's 141, and the flight time, whose steps after one foot's toe-off run
    longer than after the other's, jumped between 33 and 70 ms with the count of each foot's steps in cuts of one
    running (newcomers' tests)."""
    feet = [summary[side][key]["median"] for side in feet_taken(summary, key)]
    return round(float(np.mean(feet)), 4) if feet else None


def side_on_part(track: PoseTrack) -> tuple[PoseTrack, str | None]:
    """The part of a turning view where the runner is side-on, with a warning saying what was left out.

    When the runner is side-on over only part of the clip but long enough (:func:`formcheck.quality.side_on_stretch`:
    a runner followed from three-quarter to side-on), only that stretch is analysed. Otherwise the track is
    returned whole (and :func:`formcheck.quality.view_check` judges it as a whole).
    """
    part = side_on_stretch(track)
    if part is None:
        return track, None
    a, b = part
    cut = track.take(np.arange(a, b + 1))
    if view_check(cut)["verdict"] == "frontal":
        return track, None
    # seconds of the clip as it plays (as --start/--end take them): the track's own time may be slow motion undone
    t = np.asarray(track.frame_indices, dtype=float) / playback_fps(track)
    seen = track.detected
    before, after = seen[:a], seen[b + 1 :]
    if np.concatenate([before, after]).mean() < 0.5:  # mostly not there at all, rather than turned: say so (2.8 s of
        # an empty track before a runner was said to show them "turned towards or away from the camera", a newcomer's test)
        late = before.size > 0 and before.mean() < 0.5
        return cut, (f"the runner is in view only from {t[a]:.1f} s to {t[b]:.1f} s of the clip: only that part was analysed"
                     + ("; start filming as they come into view" if late else ""))
    return cut, (f"the runner is seen side-on only from {t[a]:.1f} s to {t[b]:.1f} s of the clip (turned towards or away "
                 f"from the camera elsewhere): only that part was analysed; film at right angles to the running direction")


def analyze_track(track: PoseTrack, *, height_cm: float | None = None, facing: str | None = None,
                  allow_walking: bool = False, video: str | os.PathLike[str] | None = None) -> Analysis:
    """Analyse a pose track (no model). Raises AnalysisError when it cannot.

    A walking clip is refused (formcheck.quality.gait_kind) unless ``allow_walking``: then it is analysed
    with the running-specific findings switched off (one "walking" note instead) and a warning.

    ``video``: the clip the track was made from. A runner passing a still camera then has the far foot's toe-offs
    timed by its toe's patch of ground (formcheck.toe_pixels); without it the analysis reads no pixels.
    """
    check_options(height_cm, facing)
    if track.n_frames < 10:  # a one-frame clip of a runner said "no runner found" (a newcomer's test)
        raise AnalysisError(f"cannot analyse this clip: it has {track.n_frames} frame{'s' if track.n_frames != 1 else ''} "
                            f"({track.n_frames / track.fps:.2f} s); film 10 s or more of steady running")
    if track.detection_rate == 0:
        raise AnalysisError("no runner found in the clip")
    source_track = track  # with its repeated frames (an event's last frame showing its image)
    track, timebase = real_time_track(track, fps_given=fps_was_given(track))
    # a still picture saved as a video ("0.0 s of running" before): a handful of images, almost every frame a repeat (a
    # short moving clip shown twice over has half its frames new, and keeps the "too short" message)
    if timebase.repeated_dropped and track.n_frames < 10 and track.n_frames <= 0.1 * source_track.n_frames:
        images = "one image" if track.n_frames == 1 else f"only {track.n_frames} different images"
        raise AnalysisError(f"cannot analyse this clip: the picture never changes ({source_track.n_frames} frames show "
                            f"{images}): a still image saved as a video; film the runner running")
    if fps_was_given(track):
        stride_s = stride_at_given_rate_s(track, timebase)
        if stride_s is not None and stride_s < MIN_STRIDE_S:
            given = float(track.info.get("fps_override") or track.fps)  # the rate typed (the track's is the images')
            raise AnalysisError(f"--fps {given:g} does not fit this clip: at that rate a stride lasts {stride_s:.2f} s "
                                f"({120.0 / stride_s:.0f} steps/min), faster than any runner; leave --fps out for a clip "
                                "that plays in real time, or give the rate it was filmed at")
    # in real time: a side-on stretch must last SIDE_ON_MIN_S of running, not of slow-motion playback (a pass
    # of 1.5 s filmed at 2.4x lasted 3.6 s of the file, and was cut inside a stance at its oblique entry)
    track, turned_note = side_on_part(track)
    if turned_note:  # the analysed part of the file, its repeated frames included
        fi = source_track.frame_indices
        last = last_frame_showing(int(track.frame_indices[-1]), source_track)
        source_track = source_track.take(np.flatnonzero((fi >= track.frame_indices[0]) & (fi <= last)))
    cleaned = clean_track(track)
    ct = cleaned.track
    # quality checks that need no gait events; a frontal view or a turned picture is refused before event detection
    view = view_check(track)
    gait = gait_kind(ct)
    passes = direction_changes(ct)
    if view["verdict"] in ("frontal", "turned"):
        _, _, refuse = quality_checks(track, cleaned, 0, 1.0, gait=gait, view=view, direction=passes)
        raise AnalysisError(f"cannot analyse this clip: {refuse}")
    direction = detect_direction(ct)
    if facing is not None and facing != direction.facing and direction.confidence >= FACING_CONTRADICTED_CONFIDENCE:
        raise FacingContradictedError(facing, direction)
    face = facing or direction.facing
    near = near_side(face)
    com = segment_weighted_com(ct.keypoints_px)
    hip_mid = hip_midpoint(ct.keypoints_px)
    all_events = detect_events(ct, face, light=cleaned.light, filled=cleaned.filled)
    if video is not None and pelvis_crosses(cleaned.light, body_scale_px(ct.keypoints_px), EventParams()):
        from .toe_pixels import far_toe_offs_from_pixels, read_grey_patches

        all_events = far_toe_offs_from_pixels(all_events, cleaned.light, other_side(near),
                                              lambda boxes: read_grey_patches(video, boxes))
    relabel = label_swap_frames(all_events, ct.n_frames)  # a short pass's stance MediaPipe put on the other leg's label
    if relabel.any():
        ct = with_legs_swapped(ct, relabel)
        filled = cleaned.filled.copy()
        filled[relabel] = swap_sides(filled[relabel][..., None])[..., 0]
        cleaned = replace(cleaned, track=ct, light=with_legs_swapped(cleaned.light, relabel), filled=filled,
                          info={**cleaned.info, "relabelled_frames": int(relabel.sum())})  # .swapped: the cleaner's own repairs
    # only complete stances are measured (formcheck.metrics.incomplete_reason); every stance still times the cadence
    steps = step_metrics(ct, all_events, com, hip_mid, face, near, height_cm, raw_visibility=ct.visibility, light=cleaned.light)
    events = complete_events(ct, all_events)
    # walking vs running from the pose track alone (pelvis bounce phase, cadence): formcheck.quality.gait_kind
    walking = bool(gait["walking"])
    quality, warnings, refuse = quality_checks(track, cleaned, len(steps), 1.0 if facing else direction.confidence,
                                               gait=gait, view=view, direction=passes, allow_walking=allow_walking,
                                               planted=_one_stride_planted(all_events),
                                               feet_at_bottom=all_events.stances_at_bottom_edge,
                                               missing=missing_frames(source_track, in_images=bool(timebase.repeated_dropped)),
                                               leg_steps={side: len(counted_steps([s for s in steps if s.side == side]))
                                                          for side in SIDES})
    if refuse:
        raise AnalysisError(f"cannot analyse this clip: {refuse}")
    quality["incomplete_steps"] = len(all_events.steps) - len(events.steps)  # stances the clip cuts off: not measured
    if timebase.repeated_dropped or timebase.slow_motion or timebase.dropped_images:
        quality["time_base"] = {"repeated_frames_dropped": timebase.repeated_dropped,
                                "slow_motion_factor": round(timebase.slow_motion_factor, 2)}
    if timebase.dropped_images:
        gone = timebase.dropped_images
        quality["time_base"]["images_left_out"] = {"every_nth_interval": gone.period, "share_seen": gone.share}
        quality["warnings"].append(dropped_images_warning(timebase))
    timed = []  # every contact and toe-off the clip shows, the measured stances' and those the clip cuts
    for e in shown_events(ct, all_events):
        frame = int(ct.frame_indices[e.index])
        if e.kind == "toe_off" and timebase.repeated_dropped:
            frame = last_frame_showing(frame, source_track)  # as the steps' toe-off frames below
        timed.append(TimedEvent(side=e.side, kind=e.kind, frame=frame, time_s=e.at_s, method=e.method, measured=e.measured,
                                timing_uncertain=e.timing_uncertain))
    if timebase.repeated_dropped:
        steps = [replace(s, toe_off_frame=last_frame_showing(s.toe_off_frame, source_track)) if s.toe_off_frame is not None else s
                 for s in steps]
    if timebase.slow_motion:
        steps = [withhold_durations(s) for s in steps]
        quality["warnings"].append(slow_motion_warning(timebase))
    # after durations were withheld (slow motion): a guessed flight time must not reach the summary
    duty = [s.contact_time_s / (events.stride_period_frames / ct.fps) for s in steps if s.contact_time_s]
    flights = [s.flight_time_s for s in steps if s.flight_time_s is not None]
    cad = None if timebase.slow_motion else cadence_spm(all_events)
    streak = near_foot_streak_pct(track.info.get("foot_blur"), near, track.frame_indices)  # where the camera check ran
    painted = track.info.get("overlay_painted_out")  # formcheck.pose.pose_with_overlay_painted_out: the figure it read
    overlay = overlay_fraction(track.info.get("foot_blur"))
    for record in (painted, track.info.get("overlay_unpainted")):  # a track made without the camera check, or saved
        if overlay is None and isinstance(record, dict) and isinstance(record.get("path_crossed_frac"), (int, float)):
            overlay = float(record["path_crossed_frac"])
    evidence, evidence_warnings = timing_evidence(cleaned, steps, near, [s.contact_method for s in all_events.steps],
                                                  foot_streak_pct=streak, overlay_frac=overlay,
                                                  overlay_painted_out=painted is not None)
    quality["timing_evidence"] = evidence
    quality["warnings"].extend(evidence_warnings)
    if turned_note:
        quality["warnings"].append(turned_note)
    # the medians of the steps as analysis.json saves them (3 decimals), which compare and history read back: taken
    # from the unrounded steps, a leg's contact time read 343 ms in the report and 344 in compare (a newcomer's test)
    as_saved = [replace(s, **s.to_dict()) for s in steps]
    summary = summarise(as_saved, evidence_poor=bool(evidence_warnings), fps=float(ct.fps))
    summary.update({
        "cadence_spm": None if cad is None else round(cad, 2),
        "step_time_s": None if cad is None else round(60.0 / cad, 4),
        "stride_time_s": None if timebase.slow_motion else round(events.stride_period_frames / ct.fps, 4),
        "duty_factor": round(float(np.median(duty)), 3) if duty else None,
        "contact_time_s": both_feet(summary, "contact_time_s"),
        "flight_time_s": both_feet(summary, "flight_time_s") if flights else None,
        "trunk_lean_deg": round(float(np.nanmedian(trunk_lean_deg(ct.keypoints_px, face))), 2),
        "vertical_oscillation": _vertical_oscillation(com, events, ct, steps, height_cm, near),
        "walking": walking,
        "n_steps": len(steps),
    })
    findings = make_findings(as_saved, summary, cad, walking=walking, fps=float(ct.fps))  # a leg with too few steps gets "insufficient_steps"
    w, h = source_track.image_size
    video = VideoInfo(  # the file as stored, whatever time base the analysis ran on
        source=source_track.source,
        fps=float(source_track.fps),
        frame_count=int(source_track.n_frames),
        width=int(w),
        height=int(h),
        duration_s=round(float(source_track.n_frames / source_track.fps), 3),
        first_frame=int(source_track.frame_indices[0]),
    )
    mode = _mode(gait, direction.mode, crossed=bool(passes["passes"]))
    stance = (quality.get("gait") or {}).get("stance")
    if isinstance(stance, dict) and stance.get("mode") in ("treadmill", "overground") and stance["mode"] != mode:
        # the file says one thing: the feet's reading is kept under its own name beside the mode decided
        quality["gait"] = {**quality["gait"], "stance": {**stance, "mode": mode, "mode_from_feet": stance["mode"]}}
    result = AnalysisResult(
        video=video, facing=face, facing_source="given" if facing else "detected", mode=mode, near_side=near,
        height_cm=height_cm, steps=tuple(saved_step(s) for s in steps), summary=ClipSummary.from_dict(summary),
        findings=tuple(findings), quality=Quality.from_dict(quality), events=tuple(TimedEvent.from_dict(e.to_dict()) for e in timed),
    )
    return Analysis(
        result=result, track=ct, raw_track=source_track, com_px=com, hip_mid_px=hip_mid, events=events, info={"direction": direction.__dict__, "clean": cleaned.info},
    )


def _one_stride_planted(events: GaitEvents) -> bool:
    """The stances were timed by the planted feet of a runner crossing the frame and show both legs (a stride)."""
    steps = events.steps
    return bool(steps) and all(s.contact_method == "planted" for s in steps) and {s.side for s in steps} == {"left", "right"}


def _mode(gait: dict[str, Any], travel_mode: str, *, crossed: bool = False) -> str:
    """Treadmill or overground from the feet's stance motion (formcheck.stance_motion: a treadmill stance foot moves
    back with the belt, an overground one stays put); from the pelvis' travel only when the feet do not show it.

    A runner who crosses the (still or stabilised) picture (formcheck.quality.direction_changes) is overground
    whatever the feet say: a treadmill keeps its runner in place. The real track pass track_side_short_02 (1.5 s, a
    small runner) was called a treadmill run, its few stance feet read moving at 2.2 times the body's speed, beside
    the warning that the runner crossed the frame (a newcomer's test); no render of 263 is a pass on a treadmill."""
    if crossed:
        return "overground"
    mode = (gait.get("stance") or {}).get("mode")
    return mode if mode in ("treadmill", "overground") else travel_mode


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
    check_camera: bool = True,
    allow_walking: bool = False,
) -> Analysis:
    """Run the pose model on a video (formcheck.pose) and analyse the track.

    ``allow_walking``: analyse a walking clip (running findings off) instead of refusing it (:func:`analyze_track`).

    ``check_camera``: measure the camera's motion on every frame (formcheck.camera): a clip with
    scene cuts is analysed on the stretch showing the runner most, and one whose camera moved beyond the
    camera-motion warning threshold is analysed on a ground-referenced track (drawing arrays stay at
    image positions); the check lands in ``quality.camera_motion``.
    """
    from .pose import default_model_path, extract_pose_and_camera, extract_pose_track

    check_options(height_cm, facing)  # before the pose model's work
    options = {"model_path": model or default_model_path(), "start_s": start_s, "end_s": end_s, "fps_override": fps, "progress": progress}
    if not check_camera:
        return analyze_track(extract_pose_track(path, **options), height_cm=height_cm, facing=facing, allow_walking=allow_walking,
                             video=path)
    from .camera import prepare_track

    track, motion = extract_pose_and_camera(path, **options)  # the camera measured in the model's decoding pass
    prepared = prepare_track(track, motion=motion)  # may refuse (AnalysisError)
    return prepared.finish(analyze_track(prepared.track, height_cm=height_cm, facing=facing, allow_walking=allow_walking,
                                         video=path))

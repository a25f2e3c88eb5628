"""The clip's own time base: slow motion stored at a normal frame rate, and repeated frames.

Phones export slow motion at 30 fps (a 240 fps capture plays 8x slower) and editors conform
footage to 25 or 50 fps by showing each image twice. formcheck's rules are written in strides and
leg lengths, but cleaning (its low-pass cut-off) and a few event windows are in seconds, and the
stride finder looks for strides of running length. So before anything else:

* **Repeated frames** (an image shown again, found from the pixels by :mod:`formcheck.pose` and
  listed in ``track.info["repeated_frames"]``) are dropped: the analysis runs on the real images,
  at their real rate, and events fall on the first frame that shows them.
* **Images a frame-rate conversion dropped** (30 fps made 25 by leaving out every 6th image, the frames then
  evenly timed): the interval where an image is missing shows the body move about twice as far as its
  neighbours, at one phase of a short period. Those intervals are given their real length
  (:func:`with_dropped_images_retimed`), so the events and what is read at them use the images' real times, and
  the steps next to a dropped image are doubted as at any missing frame.
* **Slow motion** is recognised from the stride: a running stride lasts 0.6-0.85 s and a walking one
  up to about 1.25 s, so a clip whose stride lasts longer than ``SLOW_MOTION_MIN_STRIDE_S`` is played
  slower than it was filmed. The track is re-timed to a typical running stride
  (``TYPICAL_STRIDE_S``): frame timing, events and angles are then right, but durations and cadence
  are only as good as that assumption, so they are withheld and the user is asked for ``--fps``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np

from . import landmarks as lm
from .geometry import SIDES, forward_of_pelvis_px, hip_midpoint
from .metrics import StepMetrics
from .pose_track import PoseTrack

SLOW_MOTION_MIN_STRIDE_S = 1.35  # longer strides are slow motion (walking strides measured 1.05-1.21 s)
RUNNING_SLOW_MOTION_MIN_STRIDE_S = 1.0  # ... and so are longer ones of a gait whose shape is running (< 120 steps/min)
TYPICAL_STRIDE_S = 0.72  # a running stride at ~167 steps/min, the re-timed clip's assumed stride
MIN_REPEATED_FRACTION = 0.2  # fewer repeated frames than this are left in (occasional dropped-frame duplicates; 25 fps
# exported at 30 repeats 1 frame in 6, whose container times are then right to a frame). 0.1 cost the short track
# pass track_side_short_02 its analysis (its 3 still frames at the start then stayed in)
REPEAT_PATTERN_MAX_GAP = 2.0  # a gap between new images over this x the typical one is a frozen picture, not a repeat pattern
REPEAT_PATTERN_MAX_OFFSET_FRAMES = 1.0  # an image further than this (frames) from even capture: no pattern, times as shown


# An image left out by a frame-rate conversion, the frames evenly timed: the interval it was in shows the body move about
# twice as far as its neighbours, at the same phase of a short period (every 6th image of 30 fps left out for 25:
# period 5). Measured 2026-12-07 on a newcomer's 25 fps copy of treadmill_side_01 (ffmpeg -r 25): at period 5, one
# phase had 32 of its 60 intervals over 1.5x, the others 1-8 (the original: 5-10 at every phase). The runner's own
# rhythm is no such spike: swing speeds up over several frames.
DROPPED_SPIKE_RATIO = 1.5  # an interval's body speed over this x its neighbourhood's (a 7-interval running median) ...
DROPPED_NEIGHBOUR_MAX = 1.5  # ... while the intervals either side are not: a lone spike
DROPPED_MIN_SPIKES = 8  # spikes at one phase of a period, at least ...
DROPPED_PHASE_SHARE = 0.2  # ... on this share of its intervals at least ...
DROPPED_CHANCE_MAX = 1e-6  # ... and that many that rarely by chance, at the other phases' spike rate (floored at 2 %)
DROPPED_PERIODS = range(3, 9)  # frames per image left out: 30 -> 25 fps and 60 -> 50 every 5th interval, 30 -> 24 every 4th
DROPPED_MIN_CYCLES = 30  # periods the clip must show (6 s at 25 fps, period 5): a short clip's landmark glitches, at the
# runner's step (10.5 frames at 30 fps and 171 steps/min), lined up with period 5 for 22 cycles on a render
DROPPED_THIRDS_SHARE = 0.1  # ... and the spikes there in each third of the clip, on this share of its intervals at least
DROPPED_LOCKED_DRIFT = 1.5  # frames: a period the stride repeats on, to within this over the clip, is not judged (the
# runner's own landmark glitches, at a fixed phase of the stride, line up with it: a 60 fps render at 180 steps/min,
# a 40-frame stride, spiked at one phase of period 5)


def _binomial_tail(k: int, n: int, q: float) -> float:
    """P(X >= k) for X ~ Binomial(n, q), summed in logs (a long clip's terms overflow a float as products)."""
    if q >= 1.0:
        return 1.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * math.log(q) + (n - i) * math.log1p(-q)
            for i in range(k, n + 1)]
    if not logs:
        return 0.0
    top = max(logs)
    return float(math.exp(top) * sum(math.exp(x - top) for x in logs))


@dataclass(frozen=True)
class DroppedImages:
    """Intervals (frame i to i + 1, ``i % period == phase``) each missing one image."""

    period: int
    phase: int
    share: float  # of that phase's intervals that show the spike
    others: float  # the other phases' share
    chance: float  # of that many spikes there at the other phases' rate


def dropped_image_intervals(track: PoseTrack) -> DroppedImages | None:
    """The phase of a short period at which intervals show a lone spike of the legs' speed: an image dropped there.

    The legs' speed of an interval is the 25th percentile over the knees, ankles, heels and toes of their displacement
    over its duration: a missing image moves every joint, a landmark's glitch a few (a variable-frame-rate clip's
    intervals, timed right, show no spike)."""
    k = np.asarray(track.keypoints_px, dtype=float)
    joints = [lm.LEG[s][j] for s in SIDES for j in ("knee", "ankle", "heel", "foot_index")]  # type: ignore[index]
    dt = np.diff(np.asarray(track.timestamps_s, dtype=float))
    if len(dt) < DROPPED_MIN_CYCLES * min(DROPPED_PERIODS) or not (dt > 0).all():
        return None
    with warnings.catch_warnings():  # frames without a pose: no speed
        warnings.simplefilter("ignore", RuntimeWarning)
        speed = np.nanpercentile(np.linalg.norm(np.diff(k[:, joints], axis=0), axis=-1), 25, axis=1) / dt
        padded = np.pad(speed, 3, constant_values=np.nan)  # the running median over 7 intervals, fewer at the ends
        local = np.nanmedian(np.lib.stride_tricks.sliding_window_view(padded, 7), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = speed / local
    before, after = np.r_[np.nan, ratio[:-1]], np.r_[ratio[1:], np.nan]
    spike = (ratio > DROPPED_SPIKE_RATIO) & (before < DROPPED_NEIGHBOUR_MAX) & (after < DROPPED_NEIGHBOUR_MAX)
    judged = np.isfinite(ratio)
    stride_s = stride_period_s(track)
    stride = None if stride_s is None else stride_s * float(track.fps)  # frames
    for period in DROPPED_PERIODS:
        if judged.sum() < DROPPED_MIN_CYCLES * period:
            continue
        if stride is not None and abs(stride - period * round(stride / period)) * len(ratio) / stride < DROPPED_LOCKED_DRIFT:
            continue  # the stride's own rhythm would line up with this period over the whole clip
        phase_of = np.arange(len(ratio)) % period
        for phase in range(period):
            here, elsewhere = judged & (phase_of == phase), judged & (phase_of != phase)
            hits, n = int(spike[here].sum()), int(here.sum())
            others = float(spike[elsewhere].mean()) if elsewhere.any() else 0.0
            if hits < DROPPED_MIN_SPIKES or hits < DROPPED_PHASE_SHARE * n:
                continue
            chance = _binomial_tail(hits, n, max(others, 0.02))
            thirds = np.array_split(spike[here], 3)  # a conversion's dropped images run through the whole clip
            if chance < DROPPED_CHANCE_MAX and min(float(t.mean()) for t in thirds) >= DROPPED_THIRDS_SHARE:
                return DroppedImages(period, phase, round(hits / n, 3), round(others, 3), chance)
    return None


def with_dropped_images_retimed(track: PoseTrack, dropped: DroppedImages) -> PoseTrack:
    """The track with each interval missing an image twice as long as the others, its first and last times kept."""
    t = np.asarray(track.timestamps_s, dtype=float)
    weight = np.where(np.arange(len(t) - 1) % dropped.period == dropped.phase, 2.0, 1.0)
    times = t[0] + np.r_[0.0, np.cumsum(weight)] * (t[-1] - t[0]) / weight.sum()
    return replace(track, timestamps_s=times, info={**track.info, "dropped_images": {
        "period": dropped.period, "phase": dropped.phase, "share": dropped.share, "other_phases": dropped.others}})


@dataclass(frozen=True)
class TimeBase:
    """How the analysed track's time relates to the file's: what was undone and why."""

    repeated_dropped: int = 0  # frames dropped as repeats of the previous image
    slow_motion_factor: float = 1.0  # > 1: the clip plays this many times slower than it was filmed (estimated)
    stride_s: float | None = None  # stride period measured in the file's own time
    file_fps: float | None = None  # the container's frame rate
    image_fps: float | None = None  # distinct images a second of the file's own time (file_fps without repeated frames)
    dropped_images: DroppedImages | None = None  # images a frame-rate conversion left out, their intervals re-timed

    @property
    def slow_motion(self) -> bool:
        return self.slow_motion_factor > 1.0



def playback_fps(track: PoseTrack) -> float:
    """Decoded frames a second of the file as it plays (its average rate): decoded frame n plays at about n / this. Not
    ``video_fps``, the rate a slow-motion ``--fps`` scaled from, which on a variable-rate clip is the rate it states (a
    reviewer's case: a clip stating 30 and averaging 25 quoted its side-on part 17 % early)."""
    return float(track.info.get("playback_fps") or track.info.get("video_fps") or track.fps)


def drop_repeated_frames(track: PoseTrack) -> tuple[PoseTrack, int]:
    """The track without frames that repeat the previous image (when there are enough to matter).

    The remaining rows keep their decoded-frame numbers, so an event lands on the first frame that
    shows its image; ``fps`` becomes the rate of real images.
    """
    repeated = np.zeros(track.n_frames, dtype=bool)
    listed = np.asarray(track.info.get("repeated_frames", []), dtype=int)
    if listed.size == 0:
        return track, 0
    rows = np.searchsorted(track.frame_indices, listed)
    ok = (rows < track.n_frames) & (track.frame_indices[np.minimum(rows, track.n_frames - 1)] == listed)
    repeated[rows[ok]] = True
    if repeated.mean() < MIN_REPEATED_FRACTION:
        return track, 0
    keep = ~repeated
    real_fps, times_s = evenly_timed_images(track.timestamps_s[keep], 1.0 / float(track.fps))
    return replace(
        track.take(keep), fps=real_fps, timestamps_s=times_s,
        info={**track.info, "repeated_dropped": int(repeated.sum()), "container_fps": float(track.fps)},
    ), int(repeated.sum())


def evenly_timed_images(shown_at_s: np.ndarray, frame_s: float) -> tuple[float, np.ndarray]:
    """The real rate of images first shown at ``shown_at_s`` (s), and the times they were captured at.

    A frame-rate conversion repeats images in a pattern: 24 fps exported at 30 shows every 4th image twice (gaps of
    1, 1, 1, 2 frames), 30 fps exported at 50 shows them 1 or 2 frames each. The images were captured evenly, so the
    real rate is their count over the time they span (24 and 30), not the typical gap (30 and 25: durations 25 %
    short or 20 % long), and each is put at its even capture time, not at the frame that first shows it (up to
    most of a frame off). A gap over twice the typical one is not part of the pattern (a frozen picture, an
    empty still scene) and keeps its own length, so it lowers neither the rate nor the time after it.

    Repeats that follow no pattern (a variable-frame-rate recording re-exported at a fixed rate, each dropped frame
    shown again) are no even capture: an image then sits over ``REPEAT_PATTERN_MAX_OFFSET_FRAMES`` frames (of
    ``frame_s``) from the even line (0.25-0.4 for 24->30, 25->30, 30->50, 24->60; 2-3 for treadmill_side_01 with a
    random 12-18 % of frames repeated, a reviewer's test), and the images keep the times they are shown at, the
    rate their typical gap (so a frame the phone dropped stays a gap, formcheck.events.with_missing_frame_doubts).
    """
    t = np.asarray(shown_at_s, dtype=float)
    gaps = np.diff(t)
    typical = float(np.median(gaps)) if gaps.size else 0.0
    if not typical > 0:  # images listed at one instant: nothing to time them by but the file's frame rate
        return 1.0 / frame_s, t
    as_shown = 1.0 / typical, t
    pattern = gaps <= REPEAT_PATTERN_MAX_GAP * typical * (1 + 1e-6)
    # runs of images in the pattern, split at the long gaps; one capture interval for all, fitted by least squares
    # (an image is shown up to a frame after its capture: the runs' ends alone would be a frame off)
    run = np.concatenate([[0], np.cumsum(~pattern)])
    index = np.arange(t.size, dtype=float)
    centred_i = index - (np.bincount(run, index) / np.bincount(run))[run]
    centred_t = t - (np.bincount(run, t) / np.bincount(run))[run]
    if not np.any(centred_i):
        return as_shown  # no two images in one run: nothing to fit
    interval = float(np.sum(centred_i * centred_t) / np.sum(centred_i**2))
    even = t - centred_t + centred_i * interval
    if not interval > 0 or np.max(np.abs(even - t)) > REPEAT_PATTERN_MAX_OFFSET_FRAMES * frame_s:
        return as_shown
    # no image is shown before it was captured: each run's line moved down to touch its earliest showing, as the
    # first image of a conversion is shown when it was captured (through the middle, every time read 0.4 image late)
    below = t - even
    return 1.0 / interval, even + (np.minimum.reduceat(below, np.flatnonzero(np.diff(np.concatenate([[-1], run])))))[run]


def runs_by_shape(track: PoseTrack) -> bool:
    """Whether the gait is running by the cues that need no clock (formcheck.quality.gait_kind): the pelvis lowest
    with the legs together (a bouncing gait, not a vaulting one) and no double support.

    A stride of 1.0-1.35 s is a walk's (the shared walks: 1.05-1.21 s) or a run filmed in slow motion: a runner at
    179 steps/min filmed at 50 fps and conformed to 25 (2x) strides 1.34 s of the file, and was analysed at half
    its cadence with its contact times doubled (a randomised render's phone copy, heldout_781). No runner strides
    that slowly (a slow shuffling jog at 126 steps/min: 0.95 s), so a gait shaped like running there is slow motion.
    """
    from .clean import clean_track
    from .quality import GAIT_CORR_RUN, GAIT_DOUBLE_SUPPORT_WALK, gait_kind

    gait = gait_kind(clean_track(track).track)
    r, double_support = gait["pelvis_spread_corr"], gait["double_support"]
    return r is not None and r >= GAIT_CORR_RUN and double_support is not None and double_support < GAIT_DOUBLE_SUPPORT_WALK


def stride_period_s(track: PoseTrack, max_s: float = 20.0) -> float | None:
    """Stride period (s of the clip's time) from both feet's fore-aft motion about the pelvis.

    Landmarks are used as they come (jitter does not move an autocorrelation peak); the search runs
    from 0.3 s to ``max_s`` or 40 % of the clip, so a slow-motion stride is found too.
    """
    from .gait_cycle import stride_period  # the stride finder the event detector uses

    k = track.keypoints_px
    if not np.isfinite(hip_midpoint(k)[:, 0]).any():
        return None
    periods = []
    for side in SIDES:
        leg = lm.LEG[side]  # type: ignore[index]
        # facing only flips the sign, which an autocorrelation does not see
        fore_aft = forward_of_pelvis_px(k, leg["ankle"], "right")
        longest = min(max_s, 0.4 * track.n_frames / float(track.fps))
        p = stride_period(fore_aft, float(track.fps), 0.3, longest)
        if np.isfinite(p):
            periods.append(p / float(track.fps))
    return float(np.median(periods)) if periods else None


def stride_at_given_rate_s(track: PoseTrack, tb: TimeBase) -> float | None:
    """The stride (s) of a ``track`` timed at the rate ``--fps`` gave, measured on the file's own clock and scaled.

    On the given clock the stride finder's 0.3 s floor hides a stride the rate makes shorter: ``--fps 240`` on a
    30 fps clip, whose strides then last 0.09 s, found a multiple of it at 0.36 s, the figure ``--fps 60`` gives.
    """
    images = tb.image_fps or float(track.fps)  # distinct images a second of the file
    stride = stride_period_s(_faster(track, images / float(track.fps)))
    return None if stride is None else stride * images / float(track.fps)


def _faster(track: PoseTrack, factor: float) -> PoseTrack:
    """The track's clock run ``factor`` times faster from its first frame (frames and landmarks as they are)."""
    t0 = float(track.timestamps_s[0])
    return replace(track, fps=float(track.fps) * factor, timestamps_s=t0 + (track.timestamps_s - t0) / factor)


def retime(track: PoseTrack, factor: float) -> PoseTrack:
    """The track as if filmed ``factor`` times faster (what ``--fps`` does for slow motion)."""
    faster = _faster(track, factor)
    return replace(faster, info={**faster.info, "slow_motion_factor": factor})


def real_time_track(track: PoseTrack, *, fps_given: bool = False) -> tuple[PoseTrack, TimeBase]:
    """Repeated frames dropped and slow motion undone (unless the real rate was given with --fps).

    ``--fps`` is the rate the camera captured the images at. A slow-motion export whose every frame was then
    shown twice (60 fps conformed to 25 fps, doubled to 50) shows a new image on every 2nd frame: its real rate
    is 60, not the 120 its frames would need, so the images, not the frames, are put that far apart.
    """
    file_fps = float(track.info.get("video_fps", track.fps))
    frame_fps = float(track.fps)  # the frames' rate: the file's, or --fps
    track, dropped = drop_repeated_frames(track)
    image_fps = file_fps * float(track.fps) / frame_fps
    missing = dropped_image_intervals(track)
    if missing is not None:
        track = with_dropped_images_retimed(track, missing)
    stride = stride_period_s(track)
    if fps_given and dropped:
        track = _faster(track, frame_fps / float(track.fps))  # the images 1/--fps apart
    if fps_given or stride is None or stride < RUNNING_SLOW_MOTION_MIN_STRIDE_S or (
            stride < SLOW_MOTION_MIN_STRIDE_S and not runs_by_shape(track)):
        return track, TimeBase(dropped, 1.0, stride, file_fps, image_fps, missing)
    factor = stride / TYPICAL_STRIDE_S
    return retime(track, factor), TimeBase(dropped, factor, stride, file_fps, image_fps, missing)


def fps_was_given(track: PoseTrack) -> bool:
    """True when the user gave the real rate with --fps: recorded by the pose stage, also when it equals the file's
    rate (60 fps conformed to 30 fps and then doubled to 60 is --fps 60); tracks saved before that was recorded
    tell it by a rate other than the file's."""
    if "fps_override" in track.info:
        return track.info["fps_override"] is not None
    stored = track.info.get("video_fps")
    return stored is not None and abs(float(stored) - float(track.fps)) > 1e-6 * float(track.fps)


PHONE_CAPTURE_FPS = (48.0, 50.0, 60.0, 100.0, 120.0, 200.0, 240.0, 480.0, 960.0)  # rates phones and cameras film at


def likely_capture_fps(file_fps: float, factor: float) -> float:
    """The ``--fps`` that undoes an estimated slow-motion ``factor``: the file's rate times it, snapped to a rate
    cameras film at when within 15 % (the factor assumes a typical stride, so it is only that close)."""
    raw = file_fps * factor
    nearest = min(PHONE_CAPTURE_FPS, key=lambda r: abs(np.log(r / raw)))
    return nearest if abs(nearest / raw - 1.0) <= 0.15 else float(round(raw))


def dropped_images_warning(tb: TimeBase) -> str:
    """What a frame-rate conversion that left images out does to the figures, and what to film or export instead."""
    gone = tb.dropped_images
    every = "" if gone is None else f" (one in every {gone.period + 1} images)"
    return (f"the clip was converted from another frame rate by leaving images out{every}, its frames then evenly timed: "
            "they were put back at the images' real times, and steps with a contact or toe-off next to a missing image "
            "are left out of the medians; analyse the clip as the camera saved it")


def slow_motion_warning(tb: TimeBase) -> str:
    """What was assumed for a slow-motion clip and how to get real durations (the ``--fps`` to give, estimated)."""
    hint = "--fps (e.g. --fps 240)"
    images = tb.image_fps or tb.file_fps
    if images:
        shown = (f"{images:g} fps" if tb.file_fps is None or abs(images - tb.file_fps) < 0.01 * images
                 else f"{images:.3g} new images a second (of its {tb.file_fps:g} fps)")
        hint = (f"--fps (probably --fps {likely_capture_fps(images, tb.slow_motion_factor):g}: the file's "
                f"{shown} x {tb.slow_motion_factor:.1f})")
    return (f"this looks like slow motion (a stride lasts {tb.stride_s:.1f} s of the clip, about "
            f"{tb.slow_motion_factor:.2g}x slower than running): events and angles are measured, cadence and times are "
            f"not; give the real capture rate with {hint} to get them")


def withhold_durations(step: StepMetrics) -> StepMetrics:
    """A step without its durations (contact, step and flight time, hip-extension speed): for re-timed slow motion."""
    return replace(step, contact_time_s=None, step_time_s=None, flight_time_s=None, hip_extension_velocity_deg_s=None)


def last_frame_showing(frame: int, track: PoseTrack) -> int:
    """The last decoded frame that still shows ``frame``'s image (itself unless repeats follow it).

    A toe-off is the LAST frame with the toe down: with doubled frames that is the second copy.
    """
    repeated = set(int(f) for f in track.info.get("repeated_frames", []))
    while frame + 1 in repeated:
        frame += 1
    return frame

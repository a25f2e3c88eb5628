"""Per-step and summary running metrics from a cleaned track and its gait events.

Definitions follow docs/definitions.md (shared with formcheck.synth's ground truth): image
coordinates (x right, y down), "forward" = running direction, leg length L = |hip-knee| +
|knee-ankle| per side (median over frames), COM = formcheck.com.segment_weighted_com.
Per-step values at contact and toe-off are taken at the detected event INSTANT (sub-frame: angles
and the COM interpolated linearly between the two frames around it), not at the event
frame: on a treadmill the stance
foot moves ~4 % of leg length and the thigh turns ~4 deg per frame at 60 fps (twice that at 30 fps),
so a value read at the nearest frame would change with the frame rate and the rounding. Event
FRAMES (``contact_frame``, ``toe_off_frame``) are still reported as frames (see formcheck.events).

Where the foot lands (overstride) is the one value not read at the instant: it is the foot's farthest reach ahead of
the COM around the contact (:func:`landing_reach_px`), which a contact timed a frame off does not move.

Only COMPLETE steps are measured (:func:`incomplete_reason`): a stance whose landing or lift the clip
does not show in full (the clip starts or ends inside it, or the runner is out of view) gets no
metrics at all; a "toe-off" at the clip's last frame is the clip ending, not the foot leaving the
ground (sample_run's last step read a 0.076 s contact and -21.6 deg of hip extension that way).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from . import landmarks as lm
from .events import AT_EDGE, OTHER_LEG_CONTACT_TIME, EventParams, GaitEvents, StepEvents, frame_gaps
from .geometry import (
    SIDES,
    foot_angle_deg,
    forward_sign,
    hip_midpoint,
    knee_flexion_deg,
    leg_length_px,
    shank_angle_deg,
    shoulder_midpoint,
    thigh_angle_deg,
)
from .pose_track import PoseTrack

# Winter (2009) segment lengths as fractions of standing height: thigh+shank 0.491 (hip joint
# centre to ankle), trunk (hip to shoulder joint centre) 0.288.
LEG_FRACTION_OF_HEIGHT = 0.491
TRUNK_FRACTION_OF_HEIGHT = 0.288

# How far a leg's event instants may sit, together, from where they happened: a frame, and no less than 25 ms, about
# the 95th percentile measured below (21-35 ms by frame rate and event; a floor of 30 ms would hide that 60 fps times
# contacts closer than 30 fps, 21 against 35 ms).
# Every value read at an event moves with its instant (on a treadmill the stance heel travels 4 % of leg length a frame
# at 60 fps, the shank turns 3-4 deg), and a leg's steps share their error, which the steps' spread cannot show, so the
# median's interval also spans what the values do over +-this (:func:`spread`). Measured 2026-12-07 on 361 legs of
# randomised renders (3 or more matched contacts), each leg's median offset from the true instants, 95th percentile:
# contacts 1.06 / 1.39 / 1.26 / 3.03 frames at 30 / 50 / 60 / 120 fps (35 / 28 / 21 / 25 ms), toe-offs 0.87 / 1.58 /
# 1.66 / 3.06 (29 / 32 / 28 / 26 ms). Half a frame (the real clip's average offsets, -0.6 and +0.4 frame) had left the
# intervals of contact time and of hip extension at toe-off holding the true median on 75 % and 67 % of those legs;
# now 95 % and 91 %. docs/thresholds.md, "Event timing in the intervals".
EVENT_TIMING_FRAMES = 1.0
EVENT_TIMING_MIN_S = 0.025


def event_timing_s(fps: float) -> float:
    """The 95 % half-width of a leg's shared event timing error, in s (:data:`EVENT_TIMING_FRAMES`)."""
    return max(EVENT_TIMING_FRAMES / fps, EVENT_TIMING_MIN_S) if fps > 0 else EVENT_TIMING_MIN_S


# MediaPipe's heel landmark sits inside the shoe, ahead of the back of the heel: at contact, by 0.14-0.15 of its
# heel-to-toe distance on 85 randomised rendered runners (median over clips, near and far leg, against the rendered heel
# bone's back; benchmarks/heel_offset.py) and on treadmill_side_01 by 0.17 (near) and 0.09 (far), against the shoe's
# back digitised by eye at 16 contacts (tests/fixtures/treadmill_side_01_heels.json) less the ~2 cm of shoe behind the
# heel bone. Unshifted, overstride read 2.5-3.6 % of leg length long at the renders' true contacts. The value taken lies
# below the renders' and the real near foot's estimates: with it the three rendered samples read -0.1..-0.6 % leg at
# their true contacts. docs/thresholds.md, "Heel landmark".
MEDIAPIPE_HEEL_AHEAD_FOOT = 0.12


def heel_shift_px(track: PoseTrack, side: str) -> float:
    """How far (px, horizontal) the back of the heel lies behind the heel landmark of ``side``.

    :data:`MEDIAPIPE_HEEL_AHEAD_FOOT` times the leg's median heel-to-toe landmark distance for a track from a MediaPipe
    pose landmarker (``info["model"]``, a ``.task`` bundle; measured with the full model, which formcheck ships); 0 for
    any other track (synthetic landmarks are the joints themselves).
    """
    if not str(track.info.get("model", "")).endswith(".task"):
        return 0.0
    leg = lm.LEG[side]  # type: ignore[index]
    k = track.keypoints_px
    foot = np.linalg.norm(k[:, leg["foot_index"]] - k[:, leg["heel"]], axis=-1)
    return MEDIAPIPE_HEEL_AHEAD_FOOT * float(np.nanmedian(foot)) if np.isfinite(foot).any() else 0.0


def px_per_cm(k: np.ndarray, height_cm: float, near: str) -> float:
    """Image scale from the runner's height: (near leg + trunk) in px over the same fraction of height."""
    leg = leg_length_px(k, near)
    trunk = np.linalg.norm(shoulder_midpoint(k) - hip_midpoint(k), axis=-1)
    trunk = float(np.median(trunk[np.isfinite(trunk)])) if np.isfinite(trunk).any() else float("nan")
    return (leg + trunk) / ((LEG_FRACTION_OF_HEIGHT + TRUNK_FRACTION_OF_HEIGHT) * height_cm)


@dataclass(frozen=True)
class StepMetrics:
    """One stance of one foot. Frames are 0-based decoded-frame indices; None = not measurable."""

    side: str
    near: bool
    contact_frame: int
    toe_off_frame: int | None
    contact_time_s: float | None
    step_time_s: float | None  # this stance's step marker -> the other foot's next (_marker; docs/definitions.md)
    flight_time_s: float | None  # this toe-off -> next contact of the other foot
    overstride_pct_leg: float | None  # heel ahead of the segment-weighted COM, % leg
    overstride_ankle_pct_leg: float | None
    overstride_hip_pct_leg: float | None  # heel ahead of the hip midpoint (secondary reference)
    overstride_cm: float | None  # heel, when height is given
    overstride_ankle_cm: float | None
    shank_angle_deg: float | None
    thigh_angle_contact_deg: float | None
    hip_extension_deg: float | None  # thigh angle at toe-off
    peak_hip_extension_deg: float | None
    hip_extension_velocity_deg_s: float | None
    knee_flexion_contact_deg: float | None
    knee_flexion_midstance_deg: float | None  # peak knee flexion during stance
    foot_strike_angle_deg: float | None  # foot angle at contact minus at mid-stance (+ = toe up, heel strike)
    visibility: float  # mean visibility of the leg's landmarks at contact and toe-off
    toe_off_method: str
    timing_uncertain: bool = False  # the evidence for this step's events disagrees: left out of the medians
    timing_note: str | None = None  # why; and why a value is not measured (REACH_BY_A_GAP)
    # metric -> how far its value moves when its events move by event_timing_s either way (the larger); not saved
    timing_pm: dict[str, float] = field(default_factory=dict, compare=False, repr=False, metadata={"saved": False})

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items() if k in SAVED_STEP_FIELDS}


SAVED_STEP_FIELDS = frozenset(f.name for f in fields(StepMetrics) if f.metadata.get("saved", True))


def track_position(track: PoseTrack, time_s: float) -> float:
    """Fractional track index of a clip time (timestamps may be uneven: variable frame rate)."""
    t = np.asarray(track.timestamps_s, dtype=float)
    return float(np.interp(time_s, t, np.arange(len(t), dtype=float)))


def value_at(series: np.ndarray, pos: float) -> Any:
    """``series`` (T, ...) linearly interpolated at the fractional track index ``pos``."""
    n = len(series)
    i = int(np.clip(np.floor(pos), 0, n - 1))
    j = min(i + 1, n - 1)
    w = float(np.clip(pos - i, 0.0, 1.0))
    return series[i] if w == 0.0 or j == i else (1.0 - w) * series[i] + w * series[j]


def smooth_value_at(series: np.ndarray, pos: float) -> float:
    """(T,) ``series`` at the fractional index ``pos`` by cubic (Lagrange) interpolation through the 4
    samples around it, linear where those are not all finite.

    For smooth angle curves read near their turning points (the thigh at toe-off), the straight
    chord between two frames cuts the corner: about 0.3 deg at 30 fps for the thigh.
    """
    i = int(np.floor(pos))
    if not 1 <= i < len(series) - 2:
        return float(value_at(series, pos))
    y = np.asarray(series[i - 1 : i + 3], dtype=float)
    if not np.isfinite(y).all():
        return float(value_at(series, pos))
    u = pos - i  # nodes at -1, 0, 1, 2
    w = np.array([-u * (u - 1) * (u - 2) / 6, (u + 1) * (u - 1) * (u - 2) / 2, -(u + 1) * u * (u - 2) / 2, (u + 1) * u * (u - 1) / 6])
    return float(w @ y)


# The foot's reach ahead of the COM is looked for over the frames around the contact (:func:`_ahead_around`): from
# the frame before the last one at or before the contact instant, to this long (in whole frames, at least one) after
# the first frame at or after it, which at 30 fps runs 0.07-0.1 s past the instant (docs/thresholds.md, "Where the
# foot lands"): time for a contact timed a frame or two early to reach the landing, short of the heel rising at
# mid-stance.
LANDING_REACH_AFTER_S = 0.05
# Read from frames, the reach falls short of the true one when the landing falls between two frames: by up to
# vs * vb / (vs + vb) of a frame, for a foot swinging in at vs and carried back at vb relative to the COM (half a
# frame of vb when the two are equal). This many frames of the planted foot's travel (:func:`landing_travel_px`) is
# the part of overstride's interval that does not shrink with more steps: a measured figure, not a bound. On 197
# rendered legs the intervals then hold the true median in 183 (152 while overstride was read at the contact
# instant, 88 without this part): docs/thresholds.md, "Where the foot lands".
REACH_SAMPLING_FRAMES = 0.5


def landing_reach_px(foot_x: np.ndarray, com_x: np.ndarray, pos: float, fps: float, fwd: int) -> float:
    """How far (px, + = ahead in the running direction) the (T,) ``foot_x`` landmark reaches ahead of the (T,) ``com_x``
    at the landing timed at the fractional track index ``pos``: the farthest over the frames around it
    (:func:`_ahead_around`); NaN where the foot is not placed there.

    Why the farthest: the foot is farthest ahead of the body when it lands. Before, it swings forward relative to the
    body; from then on the body moves over it (on a treadmill the belt carries the foot back; overground the body
    moves on). The foot moves 8-13 % of leg length a frame at 30 fps, so a position read at the contact instant moves
    that much with a contact timed a frame off, which the events' own frame tolerance allows; the reach does not.
    On treadmill_side_01 the near foot's contacts were timed 1-1.8 frames early and overstride read at the instant
    came out 7.6 % leg short of the digitised shoes; the reach reads 4.1 % long (MediaPipe's heel moves forward
    in the frame after the touch while the shoe's back stays: the foot turning flat about its heel carries it).
    Sampled, the reach can fall short of the true one (:data:`REACH_SAMPLING_FRAMES`).
    """
    ahead, n = _ahead_around(foot_x, com_x, pos, fps, fwd)
    return float(np.nanmax(ahead[:n])) if np.isfinite(ahead[:n]).any() else float("nan")


def reach_index(foot_x: np.ndarray, com_x: np.ndarray, pos: float, fps: float, fwd: int) -> int | None:
    """The track index of the frame :func:`landing_reach_px` read the reach on, or None where it read none."""
    ahead, n = _ahead_around(foot_x, com_x, pos, fps, fwd)
    if not np.isfinite(ahead[:n]).any():
        return None
    return max(0, int(np.floor(pos)) - 1) + int(np.nanargmax(ahead[:n]))


# A step whose reach was read on a frame next to missing frames (a phone's dropped frames) may have landed farther
# ahead in the gap: its overstride is not measured (its other metrics, timed on its events, are). The event doubt
# (formcheck.events.with_missing_frame_doubts) looks at the contact's own frame, while the reach is read up to
# LANDING_REACH_AFTER_S after it, and a newcomer's copy of treadmill_side_01 missing every 7th frame read 13.6 and
# 15.1 % leg for contacts of 26.6 and 23.6 % there, unflagged.
REACH_BY_A_GAP = "frames are missing next to where the foot reached farthest ahead: its overstride is not measured"
OVERSTRIDE_FIELDS = ("overstride_pct_leg", "overstride_ankle_pct_leg", "overstride_hip_pct_leg", "overstride_cm", "overstride_ankle_cm")


def landing_travel_px(foot_x: np.ndarray, com_x: np.ndarray, pos: float, fps: float, fwd: int) -> float:
    """How far (px) the planted foot moves back relative to the COM in a frame, between the first two consecutive
    frames both placed after its reach (:func:`landing_reach_px`; both on the ground whichever side of the landing the
    reach was sampled), looked for within 4 frames of it. What the frame sampling can hide from the reach is a part of
    it (:data:`REACH_SAMPLING_FRAMES`). NaN where no such pair is placed."""
    ahead, n = _ahead_around(foot_x, com_x, pos, fps, fwd)
    if not np.isfinite(ahead[:n]).any():
        return float("nan")
    i = int(np.nanargmax(ahead[:n]))
    for j in range(i + 1, min(i + 5, len(ahead) - 1)):
        if np.isfinite(ahead[j]) and np.isfinite(ahead[j + 1]):
            return float(ahead[j] - ahead[j + 1])
    return float("nan")


def _ahead_around(foot_x: np.ndarray, com_x: np.ndarray, pos: float, fps: float, fwd: int) -> tuple[np.ndarray, int]:
    """How far the foot is ahead of the COM (px) over the frames the reach of a landing at the fractional index ``pos``
    is looked for in, and the 5 after them (where the planted foot's travel is read), and how many of them the window
    holds: from the frame before the last one at or before ``pos`` to round(:data:`LANDING_REACH_AFTER_S` x fps)
    frames (at least one) after the first one at or after it."""
    lo = max(0, int(np.floor(pos)) - 1)
    hi = min(len(foot_x), int(np.ceil(pos - 1e-6)) + max(1, int(round(LANDING_REACH_AFTER_S * fps))) + 1)
    end = min(len(foot_x), hi + 5)
    ahead = fwd * (np.asarray(foot_x[lo:end], dtype=float) - np.asarray(com_x[lo:end], dtype=float))
    return ahead, hi - lo


# A stance is complete when the clip shows, with the runner in view, everything its events were timed on:
# the landing is fitted over +-this (0.065 s) around its kink, which is the contact or, for a foot still coming down
# there, a few samples before it (formcheck.event_fits.landing_fit)
CONTACT_LEAD_S = EventParams().landing_fit_half_width_s
TOE_OFF_TRAIL_S = EventParams().lift_stay_s  # a lift counts once the toe stays up this long (0.1 s) after it


def leg_in_view(track: PoseTrack, side: str) -> np.ndarray:
    """(T,) bool: the runner's leg is in view on this frame of the (cleaned) track: its hip and knee are
    placed. Cleaning fills only short gaps, so False where the runner was not seen for > 0.1 s.

    The foot's own landmarks are not required: cleaning also removes a heel or toe that jumps (an
    outlier on a blurred or compressed frame) without the runner having left the view; the events were
    timed anyway, and a value read where a landmark is missing is None, not a guess. Requiring them
    dropped 1-5 measurable steps from each degraded copy of treadmill_side_01.
    """
    leg = lm.LEG[side]  # type: ignore[index]
    idx = [leg[j] for j in ("hip", "knee")]
    return np.isfinite(track.keypoints_px[:, idx]).all(axis=(1, 2))


def _shown(track: PoseTrack, seen: np.ndarray, from_s: float, to_s: float) -> bool:
    """The clip covers [from_s, to_s] (clip time) and the leg is in view on every frame of it."""
    t = np.asarray(track.timestamps_s, dtype=float)
    if from_s < t[0] - 1e-9 or to_s > t[-1] + 1e-9:
        return False
    i = int(np.floor(track_position(track, from_s) + 1e-6))
    j = int(np.ceil(track_position(track, to_s) - 1e-6))
    return bool(seen[i : j + 1].all())


def incomplete_reason(track: PoseTrack, st: StepEvents, seen: np.ndarray | None = None) -> str | None:
    """Why the clip does not show this stance whole (None: it does, and the step is measured).

    Complete = it has a toe-off, its contact and toe-off were timed on the foot itself (not placed for a stride the
    clip cuts, on the leg's stride template or at the clip's edge, :func:`formcheck.events.events_in_cut_strides`),
    and from CONTACT_LEAD_S before its contact to TOE_OFF_TRAIL_S after its toe-off lies inside the clip with the
    leg in view on every frame: the spans the landing fit and the lift's confirmation read. Anything less and the
    "contact" may be a foot already down when the clip starts, the "toe-off" the clip's last frame.
    """
    seen = leg_in_view(track, st.side) if seen is None else seen
    t = np.asarray(track.timestamps_s, dtype=float)
    if st.toe_off_at_s is None:
        return "no toe-off in view"
    if st.contact_placed:
        return "a stride the clip cuts: its contact placed on the leg's other strides, not seen landing"
    if st.toe_off_placed:
        return "a stride the clip cuts: its toe-off placed on the leg's other strides or at the clip's edge, not timed whole"
    if _at_clip_start(track, st.contact_at_s):
        return "contact at the clip's start"
    if st.toe_off_at_s + TOE_OFF_TRAIL_S > t[-1] + 1e-9:
        return "toe-off at the clip's end"
    if not _shown(track, seen, st.contact_at_s - CONTACT_LEAD_S, st.toe_off_at_s + TOE_OFF_TRAIL_S):
        return "runner out of view during the stance"
    return None


def complete_events(track: PoseTrack, events: GaitEvents) -> GaitEvents:
    """``events`` with only the complete stances: the ones :func:`step_metrics` measures, in the same order."""
    seen = {s: leg_in_view(track, s) for s in SIDES}
    return replace(events, steps=[st for st in events.steps if incomplete_reason(track, st, seen[st.side]) is None])


# An event of a stance the clip cuts is listed when the clip shows the samples it was timed on, with the leg in view:
EDGE_EVENT_BEFORE_S = CONTACT_LEAD_S  # from this long before it (a contact's landing fit, a toe-off's stance level) ...
EDGE_EVENT_AFTER_S = 0.05  # ... to this long after (a contact: CONTACT_LEAD_S; a toe-off: the toe seen rising)
MIN_CONTACT_S = EventParams().min_contact_s  # a cut stance's contact and toe-off closer than this are not listed


@dataclass(frozen=True)
class ShownEvent:
    """A contact or toe-off on the (cleaned) track's time base: what :class:`formcheck.result.TimedEvent` saves."""

    side: str
    kind: str  # "contact" | "toe_off"
    index: int  # track index: a contact's first frame with the foot down, a toe-off's last
    at_s: float
    method: str
    measured: bool
    timing_uncertain: bool


def shown_events(track: PoseTrack, events: GaitEvents) -> list[ShownEvent]:
    """Every contact and toe-off the clip shows, in time order: those of the complete stances (measured) and
    those of the stances the clip cuts, each when the clip shows it (:data:`EDGE_EVENT_BEFORE_S`,
    :data:`EDGE_EVENT_AFTER_S`; a contact +-``CONTACT_LEAD_S``; not a pair closer than :data:`MIN_CONTACT_S`, but for
    the toe-off, uncertain, of such a pair whose "contact" lies at the clip's start: a stance the clip began in),
    including the toe-offs before each leg's first contact (:attr:`formcheck.events.GaitEvents.leading_toe_offs`).
    Events placed for a stance the clip cuts (on the leg's stride template, or at the clip's edge: one frame either
    side of them is enough to list those) are marked ``timing_uncertain``: the foot was not seen doing them whole."""
    seen = {s: leg_in_view(track, s) for s in SIDES}
    out: list[ShownEvent] = []
    for st in events.steps:
        measured = incomplete_reason(track, st, seen[st.side]) is None
        too_short = not measured and st.toe_off_at_s is not None and st.toe_off_at_s - st.contact_at_s < MIN_CONTACT_S
        if too_short and not _at_clip_start(track, st.contact_at_s):
            continue  # shorter than any running stance, not at the clip's start: the landmarks jumped, not a stance
        doubt = bool(st.doubts) or too_short
        lead = _edge_span(track, st.contact_method, (CONTACT_LEAD_S, CONTACT_LEAD_S))
        if not too_short and (measured or _shown(track, seen[st.side], st.contact_at_s - lead[0], st.contact_at_s + lead[1])):
            out.append(ShownEvent(st.side, "contact", st.contact_index, st.contact_at_s, st.contact_method, measured,
                                  doubt or st.contact_placed))
        trail = _edge_span(track, st.toe_off_method, (EDGE_EVENT_BEFORE_S, EDGE_EVENT_AFTER_S))
        if st.toe_off_at_s is not None and st.toe_off_index is not None and (
                measured or _shown(track, seen[st.side], st.toe_off_at_s - trail[0], st.toe_off_at_s + trail[1])):
            out.append(ShownEvent(st.side, "toe_off", st.toe_off_index, st.toe_off_at_s, st.toe_off_method, measured,
                                  doubt or st.toe_off_placed))
    for lead in events.leading_toe_offs:
        span = _edge_span(track, lead.method, (EDGE_EVENT_BEFORE_S, EDGE_EVENT_AFTER_S))
        if _shown(track, seen[lead.side], lead.at_s - span[0], lead.at_s + span[1]):
            out.append(ShownEvent(lead.side, "toe_off", lead.index, lead.at_s, lead.method, False, True))
    return sorted(out, key=lambda e: e.at_s)


def _edge_span(track: PoseTrack, method: str, usual_s: tuple[float, float]) -> tuple[float, float]:
    """How long before and after an event of a cut stance the clip must show it to list it: ``usual_s``, what its fits
    read; an event timed at the clip's edge (:data:`formcheck.events.AT_EDGE`) reads a frame either side of it."""
    return (1.0 / float(track.fps),) * 2 if method == AT_EDGE else usual_s


def _at_clip_start(track: PoseTrack, at_s: float) -> bool:
    """``at_s`` lies within CONTACT_LEAD_S of the clip's first frame."""
    return at_s - CONTACT_LEAD_S < float(track.timestamps_s[0]) - 1e-9


def flight_time_s(gap_s: float, fps: float) -> float | None:
    """Flight time from a toe-off to the other foot's next contact, in s.

    Both events are timed to about a frame, so a gap between minus one frame and zero is "no measurable
    flight", reported as 0 s (a coach reading "-6 ms" would take it for an error). A longer overlap is both
    feet on the ground (walking, or a missed event), not timing noise, and stays negative.
    """
    gap = _f(gap_s)
    if gap is None:
        return None
    return 0.0 if -1.0 / fps < gap < 0.0 else gap


def _f(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def step_metrics(
    track: PoseTrack,
    events: GaitEvents,
    com: np.ndarray,
    hip_mid: np.ndarray,
    facing: str,
    near: str,
    height_cm: float | None = None,
    raw_visibility: np.ndarray | None = None,
    light: PoseTrack | None = None,
) -> list[StepMetrics]:
    """Per-step metrics of the COMPLETE stances of ``events`` (:func:`complete_events`, same order).

    ``light`` = the cleaned track before low-pass filtering (formcheck.clean): where the foot lands is read from
    it (smoothing rounds off the landing). Step and flight time run to the
    other foot's next contact, which need only be in view itself (its stance may end after the clip).
    """
    k = track.keypoints_px
    kl = (light if light is not None else track).keypoints_px
    n = len(k)
    fwd = forward_sign(facing)
    fps = float(track.fps)
    scale = px_per_cm(k, height_cm, near) if height_cm else None
    vis = track.visibility if raw_visibility is None else raw_visibility
    legs = {s: leg_length_px(k, s) for s in SIDES}
    heel_back = {s: heel_shift_px(track, s) for s in SIDES}
    angles = {
        s: {
            "thigh": thigh_angle_deg(k, s, facing),
            "shank": shank_angle_deg(k, s, facing),
            "knee": knee_flexion_deg(k, s),
            "foot": foot_angle_deg(k, s, facing),
        }
        for s in SIDES
    }
    steps = events.steps
    out = []
    period = events.stride_period_frames
    seen = {side: leg_in_view(track, side) for side in SIDES}
    long_gap, _ = frame_gaps(track.timestamps_s, EventParams().missing_frame_ratio)

    def gap_at(interval: int) -> bool:
        return 0 <= interval < len(long_gap) and bool(long_gap[interval])

    for i, st in enumerate(steps):
        s = st.side
        if incomplete_reason(track, st, seen[s]) is not None:
            continue
        leg = lm.LEG[s]  # type: ignore[index]
        L = legs[s]
        c = st.contact_index
        to = st.toe_off_index
        a = angles[s]
        nxt = next((o for o in steps[i + 1 :] if o.side != s and not o.contact_placed), None)  # a contact timed on the foot
        if nxt is not None and nxt.contact_at_s - st.contact_at_s > 0.75 * period / fps:
            nxt = None  # missed step in between
        if nxt is not None and not _shown(track, seen[nxt.side], nxt.contact_at_s - CONTACT_LEAD_S, nxt.contact_at_s + CONTACT_LEAD_S):
            nxt = None  # the next landing is not seen whole: no step or flight time to it

        def at_contact(t_s: float) -> dict[str, float]:
            """The values read at a contact instant ``t_s`` (s); where the foot lands, its reach ahead of the COM around
            that instant (:func:`landing_reach_px`)."""
            pos = track_position(track, t_s)  # fractional track index
            com_c = value_at(com, pos)
            heel_d = landing_reach_px(kl[:, leg["heel"], 0], com[:, 0], pos, fps, fwd) - heel_back[s]  # the back of the heel
            ankle_d = landing_reach_px(kl[:, leg["ankle"], 0], com[:, 0], pos, fps, fwd)
            heel_x = com_c[0] + fwd * heel_d
            return {"heel_d": heel_d, "ankle_d": ankle_d, "hip_d": fwd * (heel_x - value_at(hip_mid, pos)[0]),
                    "shank": float(value_at(a["shank"], pos)), "thigh": smooth_value_at(a["thigh"], pos),
                    "knee": float(value_at(a["knee"], pos)), "foot": float(value_at(a["foot"], pos))}

        def thigh_at(t_s: float | None) -> float:
            return smooth_value_at(a["thigh"], track_position(track, t_s)) if t_s is not None else np.nan

        at_c = at_contact(st.contact_at_s)
        th_c, th_to = at_c["thigh"], thigh_at(st.toe_off_at_s)
        ct = (st.toe_off_at_s - st.contact_at_s) if st.toe_off_at_s is not None else None
        borrowed_toe_off = OTHER_LEG_CONTACT_TIME in st.doubts  # events.toe_offs_by_the_better_seen_leg
        peak = np.nan
        mid_knee = np.nan
        foot_flat = np.nan  # foot angle at mid-stance, the "flat" that foot strike is read against
        if to is not None:
            end = min(n - 1, to + int(round(0.3 * max(period - (to - c), 1))))
            peak = np.nanmax(a["thigh"][c : end + 1])
            mid_knee = np.nanmax(a["knee"][c : to + 1])
            # mid-stance: foot under the hip; foot angle there is the "flat" reference
            rel = np.abs(k[c : to + 1, leg["ankle"], 0] - hip_mid[c : to + 1, 0])
            if np.isfinite(rel).any():
                foot_flat = a["foot"][c + int(np.nanargmin(rel))]

        def contact_values(v: dict[str, float]) -> dict[str, float | None]:
            return {"overstride_pct_leg": _f(100 * v["heel_d"] / L), "overstride_ankle_pct_leg": _f(100 * v["ankle_d"] / L),
                    "overstride_hip_pct_leg": _f(100 * v["hip_d"] / L),
                    "overstride_cm": _f(v["heel_d"] / scale) if scale else None,
                    "overstride_ankle_cm": _f(v["ankle_d"] / scale) if scale else None,
                    "shank_angle_deg": _f(v["shank"]), "thigh_angle_contact_deg": _f(v["thigh"]),
                    "knee_flexion_contact_deg": _f(v["knee"]), "foot_strike_angle_deg": _f(v["foot"] - foot_flat)}

        # how far each value moves when its events move by the timing error (EVENT_TIMING_FRAMES) either way: the
        # larger of the two changes, as a value near its turning point (the knee at contact) barely moves one way
        tau = event_timing_s(fps)
        at = contact_values(at_c)
        c_early, c_late = at_contact(st.contact_at_s - tau), at_contact(st.contact_at_s + tau)
        early, late = contact_values(c_early), contact_values(c_late)
        timing_pm = {m: max(abs(late[m] - at[m]), abs(at[m] - early[m])) for m in at  # type: ignore[operator]
                     if at[m] is not None and early[m] is not None and late[m] is not None}
        two_events = float(np.sqrt(2.0) * tau)  # a duration between two events, each off on its own
        if ct and st.toe_off_at_s is not None:
            th_early, th_late = thigh_at(st.toe_off_at_s - tau), thigh_at(st.toe_off_at_s + tau)
            timing_pm["hip_extension_deg"] = max(abs(th_late - th_to), abs(th_to - th_early))
            # one leg's contact and toe-off errors are partly shared (the same landmarks' lag), so they do not add as
            # two independent errors; taken once, chosen by coverage: on 424 legs of renders contact time's interval
            # held the true median on 95 % at every frame rate, with sqrt(2) x 97-100 %
            timing_pm["contact_time_s"] = tau
            timing_pm["flight_time_s"] = two_events  # this leg's toe-off to the other leg's contact
            v = (th_to - th_c) / ct
            by_contact = (max(abs((th_to - c_late["thigh"]) / (ct - tau) - v), abs(v - (th_to - c_early["thigh"]) / (ct + tau)))
                          if ct > tau else np.nan)  # a later contact: a shorter stance from a later thigh angle
            by_toe_off = max(abs((th_late - th_c) / (ct + tau) - v), abs(v - (th_early - th_c) / (ct - tau))) if ct > tau else np.nan
            timing_pm["hip_extension_velocity_deg_s"] = float(np.hypot(by_contact, by_toe_off))
        timing_pm["step_time_s"] = two_events  # this leg's marker to the other's: the legs' offsets differ (docs/thresholds.md)
        # where the foot lands barely moves with the instant, but the frames can miss its reach (landing_travel_px)
        pos_c = track_position(track, st.contact_at_s)
        hidden = {p: REACH_SAMPLING_FRAMES * abs(landing_travel_px(kl[:, leg[p], 0], com[:, 0], pos_c, fps, fwd)) for p in ("heel", "ankle")}
        for m, point, per_px in (("overstride_pct_leg", "heel", 100 / L), ("overstride_hip_pct_leg", "heel", 100 / L),
                                 ("overstride_ankle_pct_leg", "ankle", 100 / L), ("overstride_cm", "heel", 1 / scale if scale else None),
                                 ("overstride_ankle_cm", "ankle", 1 / scale if scale else None)):
            if m in timing_pm and per_px and np.isfinite(hidden[point]):
                timing_pm[m] = max(timing_pm[m], hidden[point] * per_px)
        timing_pm = {m: float(x) for m, x in timing_pm.items() if np.isfinite(x)}
        reach_at = reach_index(kl[:, leg["heel"], 0], com[:, 0], pos_c, fps, fwd)
        if reach_at is not None and (gap_at(reach_at - 1) or gap_at(reach_at)):
            at = {**at, **dict.fromkeys(OVERSTRIDE_FIELDS)}  # (the ankle's reach, a frame from the heel's, alike)
            notes = (*st.doubts, REACH_BY_A_GAP)
        else:
            notes = st.doubts
        idx = [leg[j] for j in ("hip", "knee", "ankle", "heel", "foot_index")]
        v_frames = [c] + ([to] if to is not None else [])
        visibility = float(np.nanmean(vis[np.ix_(v_frames, idx)]))
        out.append(
            StepMetrics(
                side=s,
                near=s == near,
                contact_frame=int(track.frame_indices[c]),
                toe_off_frame=None if to is None else int(track.frame_indices[to]),
                # a toe-off placed at the other leg's contact time gives this leg no contact or flight time of its own:
                # the copy read as the leg's measurement, a finding graded on it (a newcomer's treadmill_side_01 cut:
                # the far leg "348 ms, interval 324-372", the near leg's median; flight -59 ms)
                contact_time_s=None if borrowed_toe_off else _f(ct),
                step_time_s=_f(_marker(nxt) - _marker(st)) if nxt and not (st.marker_implied or nxt.marker_implied) else None,
                flight_time_s=(flight_time_s(nxt.contact_at_s - st.toe_off_at_s, fps)
                               if (nxt and st.toe_off_at_s is not None and not borrowed_toe_off) else None),
                overstride_pct_leg=at["overstride_pct_leg"],
                overstride_ankle_pct_leg=at["overstride_ankle_pct_leg"],
                overstride_hip_pct_leg=at["overstride_hip_pct_leg"],
                overstride_cm=at["overstride_cm"],
                overstride_ankle_cm=at["overstride_ankle_cm"],
                shank_angle_deg=at["shank_angle_deg"],
                thigh_angle_contact_deg=at["thigh_angle_contact_deg"],
                hip_extension_deg=_f(th_to),
                peak_hip_extension_deg=_f(max(peak, th_to) if np.isfinite(th_to) else peak),
                hip_extension_velocity_deg_s=_f((th_to - th_c) / ct) if ct and not borrowed_toe_off else None,
                knee_flexion_contact_deg=at["knee_flexion_contact_deg"],
                knee_flexion_midstance_deg=_f(mid_knee),
                foot_strike_angle_deg=at["foot_strike_angle_deg"],
                visibility=visibility,
                toe_off_method=st.toe_off_method,
                timing_uncertain=bool(st.doubts),
                timing_note="; ".join(notes) or None,
                timing_pm=timing_pm,
            )
        )
    return out


def _marker(st: StepEvents) -> float:
    """Periodic per-stance time for step/stride durations: the Zeni instant when known (the same rule on
    both feet, so a left->right step is not biased when one foot's contact is timed by its landing and the
    other's by the fallback), else the contact time."""
    return st.candidate_at_s if st.candidate_at_s is not None else st.contact_at_s


MIN_CADENCE_STRIDES = 3  # whole strides (both feet together) needed to state a cadence
# A stride counts toward cadence within this fraction of the stride period the events were found with. Running
# strides vary by 1-3 % (CV); 0.75-1.25 until 2026-12-04 also let in a stride ended by a contact the rhythm rule had
# placed at a clip's end (0.82 of the period on a rendered pass: cadence +5.2 %). Measured at 0.15 (eval_heldout.py):
# the 24 rendered passes of variants 0-122 that state a cadence, mean |error| 1.34 -> 0.98 %, over 2 %: 4 -> 2; fresh
# renders 123-146 0.90 -> 0.50 %, 4 -> 2 of 24; no clip lost its cadence; the harness's 34 clips unchanged.
CADENCE_STRIDE_TOLERANCE = 0.15


def cadence_spm(events: GaitEvents) -> float | None:
    """Steps per minute from the stride time of both feet (sub-frame): the median slope of their runs of stances.

    Uses each stance's Zeni instant (foot most anterior relative to the pelvis) when known: a
    periodic marker found the same way in every stride, so its constant offset from the true
    contact cancels; the landing time can switch between heel and toe from step to step.

    Only whole strides count (within CADENCE_STRIDE_TOLERANCE of the stride period the events were found with: a
    missed contact makes a double stride), and at least MIN_CADENCE_STRIDES of them: a runner crossing the frame
    in one stride a leg gives no cadence rather than a guess. A stance whose marker its contact implies (a planted
    foot with no peak of its own, :func:`formcheck.events.with_planted_markers`) does not share the peaks' constant
    offset: its strides count only when the others are too few (renders: mean |error| 0.35 -> 0.33 %, over 2 %
    8 -> 7 of 312; docs/thresholds.md).

    The stride time is Theil-Sen's (the median, over every pair of stances of a foot joined by whole strides, of
    their time apart per stride), not the mean stride: the mean of a run is its last marker less its first, so a
    stance at the clip's edge, where the runner enters or leaves and the events are weakest, moved it whole (a
    rendered pass's last contact 0.86 of a stride after the one before: +3.2 %). Against the renders' true cadence
    (variants 555-962): passes mean |error| 0.80 -> 0.65 %, over 2 % 9 -> 6 of 83; treadmills 0.14 -> 0.08 %, the
    worst 3.3 -> 0.5 % (docs/thresholds.md).
    """
    pair_strides: list[np.ndarray] = []  # (t_b - t_a) / (b - a) for stances a < b of a run of whole strides
    implied: list[np.ndarray] = []  # ... from or to a stance whose marker its contact implies (no peak of its own)
    whole_strides = [0, 0]  # whole strides counted: between peaks, and from or to an implied marker
    for side in SIDES:  # not the contacts placed on the stride template (formcheck.events.events_in_cut_strides): no marker of their own
        stances = [s for s in events.for_side(side) if not s.contact_placed]
        if len(stances) < 2:
            continue
        t = np.array([_marker(s) for s in stances])
        d = np.diff(t)
        ref = np.median(d) if events.stride_period_s is None else events.stride_period_s
        whole = np.abs(d / ref - 1.0) < CADENCE_STRIDE_TOLERANCE
        marked = np.array([s.marker_implied for s in stances])
        run_start = 0
        for end in range(len(d) + 1):  # stances run_start..end are joined by whole strides where the run breaks
            if end < len(d) and whole[end]:
                continue
            steps_implied = marked[run_start:end] | marked[run_start + 1 : end + 1]  # each whole stride of the run
            whole_strides[0] += int((~steps_implied).sum())
            whole_strides[1] += int(steps_implied.sum())
            a, b = np.triu_indices(end - run_start + 1, 1)  # every pair of the run's stances (numpy: a long clip's
            a, b = a + run_start, b + run_start  # 2500 strides a foot make 3 million pairs)
            pair = (t[b] - t[a]) / (b - a)
            either = marked[a] | marked[b]
            pair_strides.append(pair[~either])
            implied.append(pair[either])
            run_start = end + 1
    if sum(whole_strides) < MIN_CADENCE_STRIDES:
        return None
    chosen = pair_strides + (implied if whole_strides[0] < MIN_CADENCE_STRIDES else [])
    return 120.0 / float(np.median(np.concatenate(chosen)))


def median_ci95(values: np.ndarray) -> tuple[float, float] | None:
    """Distribution-free 95 % interval of the median: the order statistics x_(j), x_(n+1-j) with the largest j
    for which P(Binomial(n, 1/2) < j) <= 2.5 % (Conover 1999, Practical Nonparametric Statistics, 3.6). Fewer
    than 6 values cannot reach 95 %: their range (coverage 1 - 2^(1-n): 94 % at n = 5, 88 % at 4).

    Exact integer arithmetic (P(B <= i) <= 1/40 as 40 * sum C(n, k) <= 2^n): floats overflow at 2^1024."""
    v = np.sort(np.asarray(values, dtype=float))
    n = v.size
    if n == 0:
        return None
    total, below, term, j = 2**n, 0, 1, 1  # term = C(n, i); below = sum of C(n, k) for k <= i
    for i in range(n // 2 + 1):
        below += term
        if 40 * below > total:
            break
        j = i + 1  # P(B <= j-1) <= 0.025
        term = term * (n - i) // (i + 1)
    return float(v[j - 1]), float(v[n - j])


def spread(values: list[float | None], timing_pm: float | None = None) -> dict[str, Any]:
    """Median, IQR, the median's 95 % interval (:func:`median_ci95`) and count of the non-null values.

    ``timing_pm``: how far the values move, all together, with the events' timing error (:data:`EVENT_TIMING_FRAMES`).
    The steps' spread does not show an error they share, so each side of the interval grows to the root sum of
    squares of the two (independent) errors, and ``timing_pm`` is listed with it.
    """
    v = np.array([x for x in values if x is not None], dtype=float)
    if v.size == 0:
        return {"median": None, "iqr": None, "n": 0}
    q1, q3 = np.percentile(v, [25, 75])
    lo, hi = median_ci95(v)  # type: ignore[misc]
    med = float(np.median(v))
    # the median of an even count of steps (saved to 3 decimals) often ends in a half: kept whole (4 decimals), since
    # rounded to 3 it printed 343 ms in the report where compare, taking the median of the saved steps, printed 344
    out = {"median": round(med, 4), "iqr": [round(float(q1), 3), round(float(q3), 3)], "n": int(v.size)}
    if timing_pm is not None and np.isfinite(timing_pm) and timing_pm > 0:
        lo, hi = med - float(np.hypot(med - lo, timing_pm)), med + float(np.hypot(hi - med, timing_pm))
        return {**out, "ci95": [round(lo, 3), round(hi, 3)], "timing_pm": round(float(timing_pm), 3)}
    return {**out, "ci95": [round(lo, 3), round(hi, 3)]}


HIGH_MAX_SPREAD_SDC = 3.0  # a median whose steps' 95 % interval reaches further than this many smallest detectable
# changes (formcheck.compare) from it is not "high": for overstride (3 % leg) 9 % leg, nearly a finding's grade (10 % leg)
LOW_OVER_SPREAD_SDC = 5.0  # ... and further than this many is "low": the interval spans three grades
# (measured 2026-12-05 over the harness and 96 renders: the real clips and their copies at most 3.95 (a far leg, already
# "low"); a 30 fps render with most of one leg's contacts 3-5 frames off 17.1 / 13.4 / 9.7 for overstride / shank / knee,
# all three "high" before, its overstride IQR -19..23 % leg; docs/thresholds.md)


STEPS_IQR_MEDIUM_SDC = 2.5  # steps whose middle half spans more than this many smallest detectable changes: at most
# "medium"; more than STEPS_IQR_LOW_SDC: "low". A steady runner's steps agree: treadmill_side_01's overstride middle half
# spans 2.1 % leg (0.7 of the SDC), and no render leg of 6 steps or more spans over 6 % (2 SDCs), clean or as phones
# save them. A newcomer's 150 kbit/s 25 fps copy of it spanned 7.2-21.7 % leg and read "high" (2026-12-07). 2.5, not
# 2: 8 steps 2 % leg apart (middle half 7 % leg, 2.3 SDCs) pin their median down well enough for "high".
STEPS_IQR_LOW_SDC = 4.0


def confidence(n_steps: int, visibility: float, extra_error: bool = False, poor_timing: bool = False,
               far_leg: bool = False, spread_sdc: float | None = None, iqr_sdc: float | None = None) -> str:
    """high / medium / low from the number of steps (>=7 per side as in manual 2-D studies) and visibility;
    never "high" for the leg away from the camera (``far_leg``): MediaPipe may report it as visible, but its
    knee and foot are guessed behind the near leg (on the harness its toe-offs are the least reliable
    events); then one notch lower when the clip shows its events poorly (``poor_timing``), so on such a clip
    the far leg stays a notch below a near leg seen as well. Last, a median the steps do not pin down is
    never surer than its interval allows: ``spread_sdc`` (how far the steps' 95 % interval reaches from the
    median in the metric's smallest detectable changes, :func:`spread_in_sdc`) over HIGH_MAX_SPREAD_SDC is at
    most "medium", over LOW_OVER_SPREAD_SDC "low", however many steps were seen. So are steps that scatter:
    ``iqr_sdc`` (the steps' interquartile range in the metric's smallest detectable changes) over
    STEPS_IQR_MEDIUM_SDC is at most "medium", over STEPS_IQR_LOW_SDC "low": a steady runner's steps agree, and
    landmarks that scatter them (a clip compressed to mush) scatter the median too."""
    score = min(1.0, n_steps / 7.0) * visibility * (0.8 if extra_error else 1.0)
    levels = ("low", "medium", "high")
    level = 2 if score >= 0.75 else (1 if score >= 0.45 else 0)
    if far_leg:
        level = min(level, 1)
    if poor_timing:
        level = max(0, level - 1)
    if spread_sdc is not None and spread_sdc > LOW_OVER_SPREAD_SDC:
        level = 0
    elif spread_sdc is not None and spread_sdc > HIGH_MAX_SPREAD_SDC:
        level = min(level, 1)
    if iqr_sdc is not None and iqr_sdc > STEPS_IQR_LOW_SDC:
        level = 0
    elif iqr_sdc is not None and iqr_sdc > STEPS_IQR_MEDIUM_SDC:
        level = min(level, 1)
    return levels[level]


# Metrics judged on another's smallest detectable change: the ankle's and hip's overstride are the heel's in the
# same unit, read off the same landmarks. (The overstride in cm, the heel's % leg times one leg length, takes the
# % leg figure's reach in summarise.)
_SDC_OF = {"overstride_ankle_pct_leg": "overstride_pct_leg", "overstride_hip_pct_leg": "overstride_pct_leg"}


def iqr_in_sdc(metric: str, summary: dict[str, Any], fps: float | None = None) -> float | None:
    """The steps' interquartile range of a metric in its smallest detectable changes (formcheck.compare); None for
    a metric without one or without a range."""
    from .compare import METRICS, sdc_for  # (lazily: compare imports this module through result and findings)

    spec = {m.key: m for m in METRICS}.get(_SDC_OF.get(metric, metric))
    iqr = summary.get("iqr")
    if spec is None or not iqr or iqr[0] is None or iqr[1] is None:
        return None
    return (float(iqr[1]) - float(iqr[0])) / sdc_for(spec, float(fps or 0.0))


def spread_in_sdc(metric: str, summary: dict[str, Any], fps: float | None = None) -> float | None:
    """How far the steps' 95 % interval of a metric's median (``spread()``'s ``ci95``, less the shared timing error
    it holds, ``timing_pm``) reaches from the median, at its farther end, in the metric's smallest detectable changes
    (formcheck.compare: where a comparison stops calling a difference noise; contact time's grows with the frame
    period, ``fps``); None for a metric without one or without an interval. The timing part is left out: it is set
    by the frame rate (a frame of the events, at least 25 ms, or for overstride half a frame of the planted foot's
    travel: about 2.5 of its SDCs at 24 fps), not by how the steps agree."""
    from .compare import METRICS, sdc_for  # (lazily: compare imports this module through result and findings)

    spec = {m.key: m for m in METRICS}.get(_SDC_OF.get(metric, metric))
    ci, med = summary.get("ci95"), summary.get("median")
    if spec is None or not ci or ci[0] is None or ci[1] is None or med is None:
        return None
    pm = float(summary.get("timing_pm") or 0.0)
    reach = max(float(med) - float(ci[0]), float(ci[1]) - float(med))
    return float(np.sqrt(max(0.0, reach * reach - pm * pm))) / sdc_for(spec, float(fps or 0.0))


BILATERAL = (
    "overstride_pct_leg", "overstride_ankle_pct_leg", "overstride_hip_pct_leg", "overstride_cm", "shank_angle_deg",
    "hip_extension_deg", "peak_hip_extension_deg", "hip_extension_velocity_deg_s", "contact_time_s", "step_time_s",
    "flight_time_s", "knee_flexion_contact_deg", "knee_flexion_midstance_deg", "foot_strike_angle_deg",
)
_HIP_METRICS = {"hip_extension_deg", "peak_hip_extension_deg", "hip_extension_velocity_deg_s"}


MIN_CERTAIN_STEPS = 3  # a leg's medians leave out its uncertain steps when at least this many others remain


def counted_steps(steps: list[StepMetrics]) -> list[StepMetrics]:
    """One leg's steps that its medians (and a finding's evidence) are taken over: the certain ones when at
    least MIN_CERTAIN_STEPS remain, else all of them."""
    certain = [s for s in steps if not s.timing_uncertain]
    return certain if len(certain) >= MIN_CERTAIN_STEPS else list(steps)


def summarise(steps: list[StepMetrics], *, evidence_poor: bool = False, fps: float | None = None) -> dict[str, Any]:
    """Per side: median + IQR + n + confidence of each metric; asymmetry (left - right, and %).

    Steps whose timing is uncertain are left out when enough others remain; otherwise they count, and
    the confidence says so. ``evidence_poor`` (the clip shows its events badly: formcheck.quality's
    timing warnings) lowers every confidence one notch, after the far leg's are capped at "medium".
    """
    per_side: dict[str, Any] = {}
    for side in SIDES:
        ss = [s for s in steps if s.side == side]
        vis = float(np.mean([s.visibility for s in ss])) if ss else 0.0
        counted = counted_steps(ss)
        doubtful = any(s.timing_uncertain for s in counted)
        far = bool(ss) and not any(s.near for s in ss)
        d = {}
        for m in BILATERAL:
            pm = [s.timing_pm[m] for s in counted if m in s.timing_pm and getattr(s, m) is not None]
            sp = spread([getattr(s, m) for s in counted], float(np.median(pm)) if pm else None)
            d[m] = sp
        for m in BILATERAL:  # (overstride_cm after overstride_pct_leg, whose spread it shares)
            width = spread_in_sdc("overstride_pct_leg" if m == "overstride_cm" else m,
                                  d["overstride_pct_leg"] if m == "overstride_cm" else d[m], fps)
            own = "overstride_pct_leg" if m == "overstride_cm" else m
            d[m]["confidence"] = confidence(d[m]["n"], vis, m in _HIP_METRICS, poor_timing=doubtful or evidence_poor,
                                            far_leg=far, spread_sdc=width, iqr_sdc=iqr_in_sdc(own, d[own], fps))
        d["n_steps"] = len(ss)
        d["visibility"] = round(vis, 3)
        per_side[side] = d
    asym = {}
    for m in BILATERAL:
        a, b = per_side["left"][m]["median"], per_side["right"][m]["median"]
        if a is None or b is None:
            asym[m] = None
            continue
        # a percentage of medians not both of one sign (a shank -8.5 against +12.5 deg read -200 %) says nothing
        mean = 0.5 * (abs(a) + abs(b))
        asym[m] = {"left_minus_right": round(a - b, 3),
                   "pct": round(100 * (a - b) / mean, 1) if mean > 1e-9 and a * b > 0 else None}
    return {"left": per_side["left"], "right": per_side["right"], "asymmetry": asym}

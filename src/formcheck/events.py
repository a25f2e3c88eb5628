"""Gait events from a cleaned pose track: each foot's initial contact and toe-off, and how sure they are.

The running direction, the stride period and one candidate stance per stride come from
:mod:`formcheck.gait_cycle`; the sub-frame fits that time a landing or a lift from
:mod:`formcheck.event_fits`.

Everything here works on foot positions RELATIVE TO THE PELVIS (hip midpoint), which makes a
treadmill and an overground run look the same: relative to the pelvis, the stance foot moves
backwards at running speed in both cases. Zero-velocity rules (foot stops in the image) and the
foot's lowest point would fail on a treadmill: the stance foot keeps moving with the belt,
and the lowest ankle point is nearer mid-stance than contact (it would understate overstride).

* **Initial contact** = the heel or toe LANDING (sharp stop of its downward motion near its stance
  level), timed by a sub-frame hinge fit on the cleaned, unsmoothed track (or, where the landmark was still
  above its stance level at the fit's kink, where it came down to it right after), searched around the
  instant the foot is most anterior relative to the pelvis (Zeni, Richards & Higginson 2008, Gait
  Posture 27:710-714), which alone is a proxy biased early by swing-leg retraction. Legs with poor
  heel/toe visibility (< 0.5) keep the Zeni instant; partly hidden legs (< 0.85, usually the far leg)
  must land inside the searched span. A swing the clip's start or end cuts (its most anterior instant
  stands out on one side only) is a contact only where a landing confirms it, its fit clear of the
  clip's edge. See :func:`detect_events` and docs/thresholds.md.
* **Toe-off** = toe lift (toe rises 5% leg above its stance level; the instant is the onset of that
  rise), refined to the knee's turn from extension to flexion when the two agree (peak knee
  extension: Fellin, Rose, Royer & Davis 2010, J Sci Med Sport 13:646-650); else peak knee
  extension alone; else the toe most posterior relative to the pelvis (Zeni).

* **Each leg's stride template** (:func:`aligned_on_stride_template`): the foot repeats its path every stride, so
  the events of one leg are re-aligned on the median trace of all its strides; the detectors above set when in
  the stride an event happens, the whole stride sets which frame (jitter of single landmarks averages out).
  The same template places the events of the strides the clip cuts at its ends (:func:`events_in_cut_strides`).

Validated on the hand-labelled treadmill clip (tests/test_events.py) and on the synthetic
gait model (tests/test_events.py, formcheck.synth), which computes contacts from its own
foot-ground geometry, not from these rules.

Event frames: contact = the FIRST frame at/after the detected (sub-frame) contact instant, toe-off =
the LAST frame at/before the detected lift instant, i.e. the first and last frames with the foot on the
ground. This is the convention of the hand labels (tests/fixtures/treadmill_side_01_labels.json) and of
the synthetic ground truth (formcheck.synth.gait.stance_frames); rounding to the nearest frame put the
detections 0.5-1.8 frames ahead of the labels on the real clip. Toe-off instant = onset of the toe's
rise, fitted as rest-then-constant-acceleration on the unsmoothed trace (a foot rolling off its toes
leaves the ground with ~zero vertical speed); legs below well_seen_visibility use the linear
back-extrapolation of the smoothed rise.

Indices returned here are TRACK indices (0..T-1); ``PoseTrack.frame_indices`` maps them to
decoded-frame numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import landmarks as lm
from .event_fits import (descent_to_ground, knee_extension, knee_turn, landing_fit, stance_base, toe_airborne_from, toe_lift,
                         toe_posterior)
from .filters import nan_running_median
from .gait_cycle import Direction, StanceCandidate, detect_direction, foot_forward, stride_period, zeni_candidates
from .geometry import SIDES, body_scale_px, forward_of_pelvis_px, hip_midpoint, knee_flexion_deg, other_side
from .pose_track import PoseTrack
from .stride_template import align_to_template

__all__ = ["Direction", "EventParams", "GaitEvents", "LeadingToeOff", "StepEvents", "detect_direction", "detect_events", "planted_runs", "short_pass_events",
           "stride_period"]


@dataclass(frozen=True)
class EventParams:
    """Every tunable of :func:`detect_events`, with its unit; the defaults are the measured ones.

    Fractions of a stride are of the stride period found from the clip; ``_leg`` values are
    fractions of the runner's leg length (hip-knee-ankle, :func:`formcheck.geometry.body_scale_px`);
    ``_s`` values are seconds of clip time. docs/thresholds.md says how each was chosen.
    """

    # Stance candidates (Zeni et al. 2008): the foot most anterior relative to the pelvis
    zeni_min_distance_stride: float = 0.6  # candidate contacts of one foot at least this far apart
    zeni_min_prominence_leg: float = 0.2  # ... and standing out by this much
    toe_posterior_from_stride: float = 0.15  # toe most posterior searched from here after contact ...
    toe_posterior_to_stride: float = 0.70  # ... to here
    # Initial contact: the heel or toe landing (a fast descent that stops near the stance level)
    landing_before_zeni_stride: float = 0.1  # landing searched from this much before the Zeni instant ...
    landing_after_zeni_stride: float = 0.1  # ... to this much after it
    landing_fit_half_width_s: float = 0.065  # hinge fitted over +-this (at least 2 samples a side)
    landing_near_ground_leg: float = 0.15  # heel within this of its stance level (a heel lands on a dorsiflexed foot: raised)
    landing_toe_ground_leg: float = 0.05  # toe within this of its stance level (a toe tip lands at its lowest)
    landing_min_speed_leg_s: float = 0.25  # slowest descent that counts as a landing
    landing_noise_factor: float = 4.0  # the kink (speed change x half-width) must exceed this x the fit's RMS residual
    landing_max_after_ratio: float = 0.3  # |speed after| / speed before: the landmark (nearly) stops
    landing_stay_s: float = 0.06  # ... and does not rise again by more than landing_max_rise_leg within this
    landing_max_rise_leg: float = 0.05
    landing_other_near_leg: float = 0.25  # the foot's other landmark (toe for a heel landing) within this of its level
    landing_settle_stride: float = 0.1  # after a landing, over this long (at least 2 frames) ...
    landing_max_settle_ratio: float = 0.35  # ... the landmark descends at most this fraction of its approach speed
    landing_level_leg: float = 0.03  # a landing is timed where the landmark comes within this of its stance level (after its kink)
    descent_ground_leg: float = 0.02  # no landing fit: contact when the foot's lowest point comes within this of its stance level ...
    descent_from_leg: float = 0.08  # ... having been at least this high ...
    descent_lookback_s: float = 0.133  # ... within this long before (4 frames at 30 fps; 16 at 120)
    heel_down_level_leg: float = 0.01  # a heel down before its toe landed: contact when it came within this of its level
    # A landing is not timed more than this many frames before the foot's own most anterior point (its Zeni peak), but
    # moved to that much before it: the foot lands after it stops swinging forward (swing-leg retraction) ...
    landing_before_peak_frames: float = 0.5
    # ... unless the leg's landings come more than this many frames before their peaks as a rule (the median): then the
    # landing fit is early and the peak late by turns, and the contact is taken midway (treadmill_side_01's near foot,
    # -1.7..-2.5 on every step, the labelled touch between the two). See :func:`landings_not_before_their_peak`.
    landing_before_peak_leg_median_frames: float = 1.0
    landing_min_visibility: float = 0.5  # median foot-landmark visibility a leg needs for the landing rule (else Zeni)
    well_seen_visibility: float = 0.85  # above: landing anywhere the hinge puts it, toe lift timed on the unsmoothed trace
    # Toe-off: the toe leaving the ground, refined to the knee's turn from extension to flexion
    toe_lift_leg: float = 0.05  # toe height that counts as lifted
    toe_ground_min_stride: float = 0.25  # the clip shows at least this much of a stance for its toe lift to be timed
    min_contact_s: float = 0.08  # a toe lift sooner after contact is the landmark jumping (sprinters' stances last ~0.09 s)
    lift_stay_s: float = 0.1  # a lifted toe does not come back near the ground within this
    lift_fit_s: float = 0.1  # the toe's rise is fitted over this much time before it crosses the lift height
    toe_rest_creep_frac: float = 0.5  # toe at rest above the landing's level by this x the lift height: re-based there
    leading_rest_stride: float = 0.1  # a toe-off before the leg's first contact may lift from where the toe rested over this before ...
    leading_rest_max_leg: float = 0.15  # ... when that rest is at most this above the leg's stance level (a clip's first poses)
    knee_agree_before_s: float = 0.06  # the knee's turn replaces the toe lift from this much before it ...
    knee_agree_after_s: float = 0.1  # ... to this much after it (Fellin et al. 2010)
    knee_turn_half_width_s: float = 0.05  # the knee's turn is fitted over +-this around peak extension
    knee_extension_from_stride: float = 0.15  # peak knee extension searched from here after contact ...
    knee_extension_to_stride: float = 0.60  # ... to here
    knee_extension_rise_deg: float = 5.0  # there, the last valley of the smoothed angle (the knee this much more flexed before it) ...
    knee_extension_level: float = 0.5  # ... with flexion in this fraction (0-1) of the window's range from its low (no swing dip) ...
    knee_extension_refine_s: float = 0.02  # ... put on the unsmoothed angle's lowest sample within +-this (at least one frame) in that valley
    knee_plateau_deg: float = 0.5  # the less visible leg's turn is fitted up to the end of the smoothed bottom within this
    toe_airborne_leg: float = 0.3  # a soon lift's knee turn comes before the toe is this far above its stance low (swing)
    event_frame_tol_frames: float = 1e-3  # an instant this close to a frame counts as on it
    frame_margin_frac: float = 0.005  # a foot this close to the image border is not seen whole: no event
    lost_stance_s: float = 0.1  # a foot lost for good this soon after contact (runner leaving): no event
    offset_min_landings: int = 3  # landings that set a leg's own Zeni delay (well seen: lend it to the other leg) ...
    zeni_max_shift_stride: float = 0.05  # ... a delay of at most this
    symmetry_tolerance_stride: float = 0.05  # a less visible leg's contact time this far from the other leg's is checked
    symmetry_min_ratio: float = 0.5  # the better seen leg's toe lift under this x the other leg's contact time: no toe-off
    gross_contact_ratio: float = 0.75  # a leg's median contact time under this x the better seen leg's (or over 1 / it): re-timed
    doubt_offset_stride: float = 0.1  # a step whose timing departs this far from its leg's median is uncertain
    alternation_min_stride: float = 0.25  # contacts of the two legs closer than this are one foot counted twice
    unseen_frames: int = 2  # ... and so is a step whose foot was not tracked in this many frames before contact
    missing_frame_ratio: float = 1.5  # ... or whose contact or toe-off is next to a frame interval this x the typical one
    # The belt's motion (contacts_by_ground_motion): a stance foot moves with the ground from contact on
    ground_motion_tol: float = 0.35  # the foot moves with the ground: within this fraction of its mid-stance velocity ...
    ground_motion_frames: int = 2  # ... over this many consecutive frame intervals ...
    ground_motion_min_early_frames: int = 2  # ... this many frames before the contact found: the contact moves there
    ground_motion_min_speed_leg_s: float = 0.5  # only where the stance foot moves (a treadmill belt), at least this fast
    # Stride template (formcheck.stride_template): each leg's events re-aligned on the trace its foot repeats
    template_min_steps: int = 4  # a leg with fewer steps keeps the detector's frames
    cut_stride_min_steps: int = 3  # a leg with fewer whole steps gets no events of the strides the clip cuts
    placed_settle_stride: float = 0.15  # a cut stride's contact: the foot down to its stance level within this after it
    template_half_width_stride: float = 0.3  # the foot's trace compared over +-this around each event ...
    template_max_shift_stride: float = 0.1  # ... each event searched within this of where the detector put it
    template_iterations: int = 3
    template_min_move_frames: float = 0.75  # an event the template puts closer than this to the detector's instant keeps that instant
    template_max_misfit_ratio: float = 6.0  # a step whose foot path departs this x the leg's median from the template keeps its timing, uncertain
    # A short pass (no stride period): stances are the feet standing still in the image (see short_pass_events)
    pass_min_strides: float = 2.5  # a clip shorter than this many strides (or too short for a period) ...
    pass_min_travel_leg: float = 1.5  # ... in which the pelvis crosses at least this much of the image is a short pass
    planted_max_speed_run: float = 0.35  # a foot moving less than this x the pelvis's speed (px/frame) is planted ...
    planted_min_s: float = 0.06  # ... for at least this long (and 3 frames)
    planted_median_half_s: float = 1 / 40  # its image x a running median over +- this (none below 40 fps)
    planted_ground_leg: float = 0.025  # contact: the foot's lowest landmark within this of its stance level
    planted_off_ground_leg: float = 0.08  # a planted run this far above the runs' median ground level is in the air
    planted_step_min_leg: float = 0.5  # consecutive stances lie at least this far apart along the pass
    planted_min_contact_s: float = 0.1  # a toe lift sooner after contact is landmark jitter: the foot's planted end instead
    planted_after_zeni_stride: float = 0.15  # a foot that stops this long after an edge candidate's peak is not its landing
    edge_stance_max_stride: float = 0.45  # ... and one that stops this long after it stands in another stance (planted_candidates)
    # A pass (still ground): a foot is down from when its heel or toe reaches where it stands at mid-stance (contacts_by_still_foot)
    still_foot_home_leg: float = 0.06  # heel or toe within this of its mid-stance position: on the ground
    still_foot_max_shift_stride: float = 0.1  # an arrival further than this from the detector's contact is something else
    still_foot_agree_s: float = 1.0 / 60.0  # an arrival within this (and a frame) of the contact agrees: its instant stands
    still_foot_seen_s: float = 0.05  # the foot tracked this long (at least 2 frames) before it arrives: its approach in view


@dataclass(frozen=True)
class StepEvents:
    """One foot's stance: contact and toe-off (track indices and sub-frame times)."""

    side: str
    contact_index: int  # nearest track index of initial contact
    contact_at_s: float  # instant of initial contact (sub-frame, s of clip time)
    toe_off_index: int | None  # None when the clip ends before toe-off
    toe_off_at_s: float | None  # instant of toe-off (s of clip time)
    toe_off_method: str  # "toe_lift" | "knee_extension" | "toe_posterior" | "none"
    contact_method: str = "landing"  # "landing" (heel/toe landing) | "zeni" (most anterior foot) | "rhythm" (see contacts_by_rhythm)
    # | "descent" (zeni_contacts_by_descent) | "planted" (short_pass_events)
    candidate_at_s: float | None = None  # Zeni most-anterior instant (periodic marker used for cadence)
    doubts: tuple[str, ...] = ()  # why this step's timing is uncertain (empty: the evidence agrees)
    other_label: bool = False  # the pose model had this foot on the other leg's landmarks (see label_swap_frames)
    marker_implied: bool = False  # candidate_at_s is the contact less the clip's landing delay (with_planted_markers)

    @property
    def has_own_marker(self) -> bool:
        """The step's periodic marker is its foot's own most-anterior instant, not implied from its contact."""
        return self.candidate_at_s is not None and not self.marker_implied

    @property
    def contact_placed(self) -> bool:
        """The contact was placed for a stride the clip cuts (on the leg's stride template, or at the clip's edge on the
        foot's level alone), not seen whole on the foot."""
        return self.contact_method in (PLACED, AT_EDGE)

    @property
    def toe_off_placed(self) -> bool:
        """The toe-off was placed for a stride the clip cuts (as :attr:`contact_placed`), not seen whole on the foot."""
        return self.toe_off_method in (PLACED, AT_EDGE)


PLACED = "template"  # the method of an event placed on the leg's stride template (events_in_cut_strides)
AT_EDGE = "edge"  # ... and of one so near the clip's edge that the template cannot be laid there: timed on the foot's level


@dataclass(frozen=True)
class LeadingToeOff:
    """The toe-off of a stance whose contact the clip does not show: under way when the clip started (placed on the
    leg's stride template, :func:`events_in_cut_strides`), or when a runner crossing the frame was first found
    (:func:`pass_leading_toe_offs`, at the knee's turn)."""

    side: str
    index: int  # track index: the last frame with the toe down
    at_s: float  # instant of toe-off (sub-frame, s of clip time)
    method: str = PLACED


@dataclass(frozen=True)
class GaitEvents:
    """All detected stances, both feet, in time order, plus the stride period used."""

    steps: list[StepEvents]
    stride_period_frames: float
    facing: str
    fps: float | None = None  # the track's rate (frames per second of real time)
    leading_toe_offs: tuple[LeadingToeOff, ...] = ()  # toe-offs before each leg's first contact (see LeadingToeOff)
    stances_at_bottom_edge: int = 0  # stances not timed because the foot reached the image's bottom edge (framing)

    @property
    def stride_period_s(self) -> float | None:
        """The stride period in seconds of (real) time, when the events carry the rate they were found at."""
        return None if self.fps is None or not np.isfinite(self.stride_period_frames) else self.stride_period_frames / self.fps

    def for_side(self, side: str) -> list[StepEvents]:
        return [s for s in self.steps if s.side == side]

    def contact_indices(self, side: str) -> np.ndarray:
        return np.array([s.contact_index for s in self.for_side(side)], dtype=int)

    def toe_off_indices(self, side: str) -> np.ndarray:
        return np.array([s.toe_off_index for s in self.for_side(side) if s.toe_off_index is not None], dtype=int)


def _time_at(track: PoseTrack, pos: float) -> float:
    t = np.asarray(track.timestamps_s, dtype=float)
    i = int(np.floor(pos))
    if i >= len(t) - 1:
        return float(t[-1])
    if i < 0:
        return float(t[0])
    return float(t[i] + (pos - i) * (t[i + 1] - t[i]))


def detect_events(track: PoseTrack, facing: str, light: PoseTrack | None = None, params: EventParams = EventParams(),
                  filled: np.ndarray | None = None) -> GaitEvents:
    """Contacts and toe-offs of both feet on a CLEANED track (see formcheck.clean).

    ``track`` is the cleaned, smoothed track; ``light`` the same track cleaned but NOT low-pass
    filtered (``clean_track(raw, smooth=False).track``), used to time the landings and lifts
    (a 7.5 Hz low-pass smears a landing over ~3 frames). Without ``light`` the smoothed track
    is used for both.

    1. Stances are found with Zeni et al. (2008): foot (mean of heel and toe) most anterior
       relative to the pelvis = candidate contact, toe most posterior = candidate toe-off.
    2. Initial contact = the landing of the heel or of the toe, whichever comes first, searched
       from landing_before_zeni_stride before to landing_after_zeni_stride after the candidate (:func:`landing_fit`;
       a toe lands within landing_toe_ground_leg of its level), timed where it came within landing_level_leg of
       its stance level when that follows the kink closely; the toe-off's windows below start at the kink. A heel
       already down when its toe landed times the contact itself (:func:`heel_down_before_toe`).
    3. Toe-off = toe lift on the smoothed track (:func:`toe_lift`), moved to the knee's turn from
       extension to flexion (:func:`knee_turn`) when that is within knee_agree_before_s before to
       knee_agree_after_s after the lift; without a lift, peak knee extension, else toe most
       posterior. (The landing rule run backwards in time on the toe was tried: it matched the
       real labels worse, 9-12/17, so it was not kept.) A lift the knee's turn contradicts later than
       that, which no cross-leg rule settled, stays, marked uncertain (:func:`with_knee_disagreement_doubts`).
    On a runner crossing the frame (overground) a foot standing still while the pelvis passes is a stance
    (:func:`pass_planted_runs`): it confirms a candidate whose swing the clip cuts (contact timed where the foot
    stops when the landing's fit is not in view), times a contact that neither a landing nor the foot's descent
    timed (its Zeni peak comes while the foot still swings forward), and stands for a stance no candidate found
    (:func:`planted_candidates`; ``contact_method="planted"``). There, a contact is also averaged with the foot's
    arrival on the spot it stands on (:func:`contacts_by_still_foot`).
    A clip of a stride or two in which the runner crosses the frame (no stride period, or fewer than
    ``pass_min_strides``) is also timed by the planted feet (:func:`short_pass_events`), which is kept
    when it finds at least as many stances (always, without a period).
    ``filled`` ((T, 33) bool, :attr:`formcheck.clean.CleanResult.filled`): landmarks the cleaning interpolated
    or replaced; a foot that was only interpolated around an event is not seen there (:func:`with_unseen_doubts`).
    Steps where no landing is found keep the Zeni time (``contact_method="zeni"``). A leg whose heel/toe
    MediaPipe places poorly (median visibility of knee/ankle/heel/toe < landing_min_visibility) uses the
    Zeni rule for its contacts: its heel and toe traces jump by more than a landing is deep. A partly
    hidden leg (< well_seen_visibility, typically the far leg) must land inside the searched span, and
    its toe lift is timed on the smoothed trace.
    """
    from .clean import leg_trust

    trust = leg_trust(track)
    light = track if light is None else light
    fps = float(track.fps)
    k = track.keypoints_px
    kl = light.keypoints_px
    n = len(k)
    p = params
    scale = body_scale_px(k)
    fwd = {side: foot_forward(track, side, facing) for side in SIDES}
    periods = [stride_period(fwd[s], fps) for s in SIDES]
    periods = [period for period in periods if np.isfinite(period)]
    short = None
    if not periods or n < p.pass_min_strides * float(np.median(periods)):  # a runner crossing the frame in a stride or two?
        short = short_pass_events(track, light, facing, p, filled)
        short = replace(short, steps=with_missing_frame_doubts(short.steps, track, p))  # a pass's frames a phone dropped
        if not periods:
            return short
    period = float(np.median(periods))
    # the samples a landing's fit spans on each side, and one: a landing at a swing the clip cuts needs them in view
    edge_margin = max(2, int(round(p.landing_fit_half_width_s * fps))) + 1
    steps: list[StepEvents] = []
    knee_alternative: dict[tuple[str, int], float | None] = {}  # knee turn that disagreed with the toe lift
    alternatives: dict[tuple[str, float], dict[str, float]] = {}  # every toe-off candidate of a stance (track index)
    descents: dict[tuple[str, float], float] = {}  # (side, Zeni instant s) -> the foot's descent to the ground (track index)
    soon_lifts: dict[tuple[str, int], float] = {}  # (side, contact index) -> a toe lift too soon after contact (track index)
    bottom_edge = 0  # stances skipped with the foot at the image's bottom edge

    def c_idx_of(c_pos: float) -> int:
        return min(n - 1, int(np.ceil(c_pos - p.event_frame_tol_frames)))

    toes = {side: forward_of_pelvis_px(k, lm.LEG[side]["foot_index"], facing) for side in SIDES}  # type: ignore[index]
    candidates = {side: zeni_candidates(track, fwd[side], toes[side], period, scale, p) if np.isfinite(fwd[side]).any() else []
                  for side in SIDES}
    crossing = pelvis_crosses(light, scale, p)  # a runner passing on still ground
    runs = planted_runs(light, facing, scale, p) if crossing else []  # ... the feet seen standing
    for side, extra in planted_candidates(candidates, runs, light, period, p).items():
        candidates[side] = sorted(candidates[side] + extra, key=lambda c: c.contact)
    for side in SIDES:
        sig = fwd[side]
        if not np.isfinite(sig).any():
            continue
        leg = lm.LEG[side]  # type: ignore[index]
        knee = knee_flexion_deg(k, side)
        knee_light = knee_flexion_deg(kl, side)
        toe = toes[side]
        toe_y = k[:, leg["foot_index"], 1]
        ys = {j: (kl[:, leg[j], 1], k[:, leg[j], 1]) for j in ("heel", "foot_index")}
        in_frame = _in_frame(track, side, p.frame_margin_frac)
        at_bottom = _at_bottom_edge(track, side, p.frame_margin_frac)
        hidden = trust[side] < trust[other_side(side)]  # the less visible leg: MediaPipe flattens its knee's extension
        # the foot is lost where none of its landmarks is placed (the cleaning also drops a single outlier point)
        seen_foot = np.isfinite(k[:, [leg["heel"], leg["ankle"], leg["foot_index"]], 0]).any(axis=1)
        first_seen, last_seen = np.flatnonzero(np.isfinite(sig))[[0, -1]]  # the edges of what zeni_candidates looks at
        for candidate in candidates[side]:
            c_zeni, p_zeni = candidate.contact, candidate.toe_off
            stance_end = p_zeni if p_zeni is not None else int(min(n - 1, c_zeni + 0.5 * period))
            lands: dict[str, float] = {}  # landmark -> its landing instant (track index): the kink of its descent
            at_level: dict[str, float] = {}  # ... and where it reached its stance level (the contact)
            bases = {j: stance_base(yl, int(round(c_zeni)), stance_end) for j, (yl, _) in ys.items()}
            well_seen = trust[side] >= p.well_seen_visibility
            search_lo = int(np.floor(c_zeni - p.landing_before_zeni_stride * period))  # the landing's searched span
            search_hi = int(c_zeni + p.landing_after_zeni_stride * period)
            for j, (yl, ysm) in ys.items() if trust[side] >= p.landing_min_visibility else ():
                o = "heel" if j == "foot_index" else "foot_index"
                fit = landing_fit(yl, ysm, search_lo, search_hi, bases[j], scale, fps, p, other=(ys[o][0], bases[o]),
                                  within_span=not well_seen, period=period,
                                  near_ground_leg=p.landing_near_ground_leg if j == "heel" else p.landing_toe_ground_leg)
                if fit is not None:
                    lands[j], at_level[j] = fit.kink, fit.at_level
            if "foot_index" in lands and lands["foot_index"] < lands.get("heel", np.inf):
                heel_down = heel_down_before_toe(bases["heel"] - ys["heel"][0], lands["foot_index"],
                                                 max(first_seen + edge_margin, search_lo), scale, fps, p)  # not at the clip's edge
                if heel_down is not None:
                    lands["heel"] = at_level["heel"] = heel_down
            if not lands and trust[side] >= p.landing_min_visibility and not candidate.planted:  # for zeni_contacts_by_descent
                heights = np.fmin(bases["heel"] - ys["heel"][0], bases["foot_index"] - ys["foot_index"][0])
                t_desc = descent_to_ground(heights, int(np.ceil(c_zeni)), search_hi, scale, fps, p)
                if t_desc is not None and t_desc >= c_zeni:  # down after the foot stopped swinging forward
                    descents[(side, _time_at(track, c_zeni))] = t_desc
            standing = None  # the foot standing still that confirms a candidate with no Zeni peak of its own (a pass)
            own_peak = not candidate.planted and not candidate.at_clip_edge  # a Zeni peak of its own: its step marker
            if candidate.planted:
                standing = (side, int(c_zeni), int(candidate.toe_off or c_zeni), 0.0)
            elif candidate.at_clip_edge and not (lands and first_seen + 2 <= c_zeni <= last_seen - 2
                                                 and first_seen + edge_margin <= min(lands.values()) <= last_seen - edge_margin):
                # a swing the clip cuts: only a landing seen whole, clear of the edge, makes it a contact, or on a pass
                # the foot seen standing still within the candidate's stance (its landing in view), not the other foot's
                standing = _standing_in(runs, light, side, c_zeni - p.landing_before_zeni_stride * period,
                                        c_zeni + p.planted_after_zeni_stride * period, candidates[other_side(side)], period)
                if standing is None:
                    continue
            elif not lands and runs and (side, _time_at(track, c_zeni)) not in descents:
                # a pass whose landing neither a fit nor the descent timed: where the foot stops, not its Zeni peak
                standing = _standing_in(runs, light, side, c_zeni - p.landing_before_zeni_stride * period,
                                        c_zeni + p.planted_after_zeni_stride * period, candidates[other_side(side)], period)
            c_at = None  # the contact, where it is not c_pos (which the toe-off's windows start from)
            if lands and (standing is None or min(lands.values()) >= first_seen + edge_margin):  # the landing's fit in view
                c_pos, c_method = min(lands.values()), "landing"
                # the contact is where the first landmark reached its stance level; the toe-off's windows keep the
                # kink they were set on (started from the contact, 13 rendered toe-offs went wrong)
                c_at = min(at_level.values())
            elif standing is not None:
                c_pos, c_method = float(_planted_contact(light, standing[0], standing[1], standing[2], scale, p)), "planted"
            else:
                c_pos, c_method = c_zeni, "zeni"
            c_at = c_pos if c_at is None else c_at
            to_pos, method = toe_lift(toe_y, c_pos, period, scale, p, fps, kl[:, leg["foot_index"], 1] if well_seen else None)
            jumped = to_pos is not None and to_pos - c_at < p.min_contact_s * fps
            if jumped:  # a toe "lifting" sooner than any running stance ends: the landmark jumped, the knee's turn instead
                soon_lifts[(side, c_idx_of(c_at))] = to_pos
                # Its push-off extension comes before the toe is in the swing: with the lift set aside, the knee's window
                # reaches 0.6 stride past the contact, into the swing of a short stance. When no turn is found before
                # that, the extension over the whole window below stands (capped too, it put 6 of a 60 fps render's
                # toe-offs 3-5 frames late).
                to_pos = _knee_turn_in_stance(knee_light, knee, c_pos, period, fps, p,
                                              toe_airborne_from(toe_y, c_pos, period, scale, p), plateau=hidden)
                method = "none" if to_pos is None else "knee_extension"
            lift_seen = to_pos is not None and not jumped
            lift_pos = to_pos if lift_seen else None
            k_pos = None
            if lift_seen:
                k_pos = _knee_turn_in_stance(knee_light, knee, c_pos, period, fps, p, plateau=hidden)
                if k_pos is not None and -p.knee_agree_before_s * fps <= k_pos - to_pos <= p.knee_agree_after_s * fps:
                    to_pos, method = k_pos, "knee_extension"
                    k_pos = None
            if to_pos is None:
                to_pos, method = knee_extension(knee, c_pos, period, p)
            if to_pos is None:
                to_pos, method = toe_posterior(toe, c_pos, period, p)
            c_idx = c_idx_of(c_at)
            seen_until = n - 1 if to_pos is None else min(n - 1, int(np.floor(to_pos)) + 1)
            if not in_frame[max(0, c_idx - 1) : seen_until + 1].all():
                bottom_edge += bool(at_bottom[max(0, c_idx - 1) : seen_until + 1].any())  # framing: said in the warnings
                continue  # the foot is at or beyond the image border during this stance: its events cannot be seen
            if to_pos is None and _vanishes_within(seen_foot, c_idx, p.lost_stance_s * fps):
                continue  # the runner left the frame (or was lost) before any stance could have ended: not a contact
            knee_alternative[(side, c_idx)] = k_pos
            alternatives[(side, round(c_zeni, 6))] = {m: q for m, q in (("toe_lift", lift_pos), ("knee_extension", k_pos))
                                                      if q is not None}
            steps.append(
                StepEvents(
                    side=side,
                    contact_index=c_idx,
                    contact_at_s=_time_at(track, c_at),
                    toe_off_index=None if to_pos is None else max(c_idx, int(np.floor(to_pos + p.event_frame_tol_frames))),
                    toe_off_at_s=None if to_pos is None else _time_at(track, to_pos),
                    toe_off_method=method,
                    contact_method=c_method,
                    candidate_at_s=None if standing is not None and not own_peak else _time_at(track, c_zeni),  # with_planted_markers
                    doubts=(() if lift_seen or to_pos is None else
                            (SOON_LIFT,) if jumped else ("no toe lift seen",)),
                )
            )
    steps = with_planted_markers(steps)
    steps = soon_lifts_against_the_other_leg(steps, soon_lifts, track, p)
    steps = toe_offs_by_symmetry(steps, knee_alternative, trust, track, period, p)
    steps = zeni_contacts_with_landing_delay(steps, trust, track, period, p)
    steps = zeni_contacts_by_descent(steps, descents, track, p)
    steps = contacts_by_rhythm(steps, track, period, p)
    steps = landings_not_before_their_peak(steps, track, p, as_a_rule=False)
    steps = toe_offs_by_regularity(steps, alternatives, track, period, p)
    steps = contacts_by_ground_motion(steps, light, track, period, p)
    steps = aligned_on_stride_template(steps, light, track, facing, period, p)
    steps, leading = events_in_cut_strides(steps, light, track, facing, period, p)
    if crossing:
        steps = contacts_by_still_foot(steps, light, track, period, scale, p)
    leading += pass_leading_toe_offs(steps, leading, runs, light, track, period, scale, p)
    steps = landings_not_before_their_peak(steps, track, p, as_a_rule=True)
    steps = toe_offs_by_the_better_seen_leg(steps, trust, track, p)
    steps = toe_offs_by_contact_time(steps, trust, track, p)
    steps = with_knee_disagreement_doubts(steps, alternatives, track, p)
    steps = with_doubts(steps, period / fps, p)
    steps = with_unseen_doubts(steps, light, p, filled)
    steps = with_missing_frame_doubts(steps, track, p)
    steps = without_one_foot_counted_twice(steps, trust, period / fps, p)
    steps = without_stances_within_the_other_legs(steps)
    steps.sort(key=lambda s: s.contact_at_s)
    if short is not None and short.steps and len(short.steps) >= len(steps):
        return short  # the planted feet found at least as many stances as a period this clip barely shows
    first_contact = {side: min((s.contact_at_s for s in steps if s.side == side), default=np.inf) for side in SIDES}
    leading = tuple(e for e in leading if e.at_s < first_contact[e.side])  # still before the leg's first stance
    return GaitEvents(steps=steps, stride_period_frames=period, facing=facing, fps=fps, leading_toe_offs=leading,
                      stances_at_bottom_edge=bottom_edge)


def _knee_turn_in_stance(knee: np.ndarray, knee_smooth: np.ndarray, c_pos: float, period: float, fps: float,
                         p: EventParams, until: int | None = None, plateau: bool = False) -> float | None:
    """The knee's turn from extension to flexion (:func:`knee_turn`) at its push-off extension, or None.

    The extension is found on the smoothed angle (single-frame jitter makes false valleys), then put on the
    unsmoothed angle's lowest sample within +-``knee_extension_refine_s`` (at least one frame) that is still in
    the smoothed valley (flexion within ``knee_extension_rise_deg`` of its bottom: never back into a straight
    landing), where the turn is fitted (the low-pass rounds the turn off).

    ``plateau`` (the less visible leg): the turn is fitted up to the end of the smoothed angle's flat bottom (the
    samples after its lowest within ``knee_plateau_deg`` of it), not only within a frame of the raw low. MediaPipe
    flattens the far knee's last extension (heldout_323, 60 fps: within a degree for 3-4 frames, its far toe-offs
    3 frames early); the fit of a straight extension and then flexion from zero speed says where on it the knee
    turns. (Asked by the periodic detector only; a short pass's stances and a pass's leading toe-offs keep the
    plain fit: their legs alternate labels, so "the less visible leg" means little there.)
    """
    peak, _ = knee_extension(knee_smooth, c_pos, period, p, until)
    if peak is None:
        return None
    j = int(round(peak))
    w = max(1, int(round(p.knee_extension_refine_s * fps)))
    in_valley = lambda i: 0 <= i < len(knee) and knee_smooth[i] <= knee_smooth[j] + p.knee_extension_rise_deg  # noqa: E731
    a = b = j
    while a > j - w and in_valley(a - 1):
        a -= 1
    while b < j + w and in_valley(b + 1):
        b += 1
    if np.isfinite(knee[a : b + 1]).any():
        j = a + int(np.nanargmin(knee[a : b + 1]))
    end = None
    if plateau:  # the smoothed angle's flat bottom: the samples after its lowest within knee_plateau_deg of it
        near = knee_smooth[max(0, int(np.floor(peak))) : int(np.ceil(peak)) + 1]
        bottom = max(0, int(np.floor(peak))) + int(np.nanargmin(near)) if np.isfinite(near).any() else int(round(peak))
        limit = min(len(knee_smooth) - 1, int(np.floor(c_pos + p.knee_extension_to_stride * period)))
        if until is not None:
            limit = min(limit, until)
        end = bottom
        while end + 1 <= limit and knee_smooth[end + 1] <= knee_smooth[bottom] + p.knee_plateau_deg:
            end += 1
    return knee_turn(knee, float(j), fps, p, latest=None if end is None else float(end))


def heel_down_before_toe(heel_height: np.ndarray, toe_landing: float, lo: int, scale: float, fps: float,
                         p: EventParams) -> float | None:
    """When the heel came down, if it was already on the ground when the toe landed; else None.

    A heel whose approach slows gradually has no kink for :func:`landing` to time, and the toe's landing
    that follows comes 2-3 frames after the foot touched (a belt-height render, dark shoes, 50 fps: far
    contacts +2..+3 frames). ``heel_height`` (T,) is the heel's height above its stance level (px, up = +);
    the heel must be within descent_ground_leg of it in the frame before the toe's landing, and the contact is
    when it came within heel_down_level_leg (at 0.02 leg MediaPipe's far heel read ~0.4 frame early at 30 fps).
    """
    before = int(np.floor(toe_landing - p.event_frame_tol_frames))
    if not (0 <= before < len(heel_height) and heel_height[before] <= p.descent_ground_leg * scale):
        return None
    t = descent_to_ground(heel_height, lo, before, scale, fps, replace(p, descent_ground_leg=p.heel_down_level_leg))
    return t if t is not None and t < toe_landing else None


SOON_LIFT = "toe lift too soon after contact to be the toe-off: timed by the knee's turn"
LIFT_BEFORE_KNEE = "the toe lifted well before the knee stopped extending"  # with_knee_disagreement_doubts


def soon_lifts_against_the_other_leg(steps: list[StepEvents], soon_lifts: dict[tuple[str, int], float], track: PoseTrack,
                                     p: EventParams) -> list[StepEvents]:
    """A toe lift too soon after contact (``min_contact_s``) was set aside for the knee's turn; kept after all when
    the other leg's stances last closer to what the lift says than to what the knee says.

    MediaPipe's toe placed too low at a landing makes the toe "lift" 20-60 ms after contact (a randomised render's
    near leg, every step), and the knee's turn is right. But a fast runner's stance can be short (100 ms in fast
    renders: a lift 67 ms after a contact read a frame late), and the knee's peak extension is then searched too
    late in the stance (from ``knee_extension_from_stride``). The other leg, timed by its own toe lifts (at least
    2), says which: a runner's legs spend about the same time on the ground.
    """
    fps = float(track.fps)
    own = {side: [s.toe_off_at_s - s.contact_at_s for s in steps if s.side == side and s.toe_off_at_s is not None
                  and not s.doubts and (side, s.contact_index) not in soon_lifts] for side in SIDES}  # their lift seen
    out = []
    for s in steps:
        lift = soon_lifts.get((s.side, s.contact_index))
        other = own[other_side(s.side)]
        if lift is not None and len(other) >= 2 and s.toe_off_at_s is not None:
            reference = float(np.median(other))
            if abs(_time_at(track, lift) - s.contact_at_s - reference) < abs(s.toe_off_at_s - s.contact_at_s - reference):
                s = _with_toe_off_at(s, lift, track, p, "toe_lift", doubts=tuple(d for d in s.doubts if d != SOON_LIFT))
        out.append(s)
    return out


def toe_offs_by_symmetry(steps: list[StepEvents], knee_alternative: dict[tuple[str, int], float | None],
                         trust: dict[str, float], track: PoseTrack, period: float, p: EventParams) -> list[StepEvents]:
    """The less visible leg's toe-offs checked against the better seen leg's contact times.

    A runner's two legs spend nearly the same time on the ground (asymmetries of a few percent of a
    stride). The toe of the far foot is what MediaPipe loses when the near leg swings past it: it
    "lifts" early, and the knee's turn, which disagreed with that lift, was the toe-off. When the less
    visible leg's toe-lift contact time departs from the well-seen leg's median by more than
    ``symmetry_tolerance_stride`` and the knee's turn comes closer to it, the knee's turn is taken.
    The better seen leg is checked against the other only for a gross error: a toe lift giving a contact time under
    ``symmetry_min_ratio`` of the other leg's median (3 or more stances) is no toe-off in steady running but
    MediaPipe's toe placed low at the landing and rising as the foot rolls (heldout_509, a 30 fps render from hip
    height: three near stances "lifted" 2 frames after contact against 8 on the far leg, each a spurious toe-off);
    the knee's turn is taken where it comes closer.
    """
    fps = float(track.fps)
    better, worse = sorted(SIDES, key=lambda s: -trust[s])
    if trust[better] < p.well_seen_visibility:
        return steps
    ref = [s.toe_off_at_s - s.contact_at_s for s in steps if s.side == better and s.toe_off_at_s is not None]
    if len(ref) < 2:
        return steps
    ref_ct = float(np.median(ref))
    tol = p.symmetry_tolerance_stride * period / fps
    other = [s.toe_off_at_s - s.contact_at_s for s in steps if s.side == worse and s.toe_off_at_s is not None]
    other_ct = float(np.median(other)) if len(other) >= 3 else None
    out = []
    for s in steps:
        k_pos = knee_alternative.get((s.side, s.contact_index))
        if k_pos is not None and s.toe_off_at_s is not None and s.toe_off_method == "toe_lift":
            ct_lift = s.toe_off_at_s - s.contact_at_s
            ct_knee = _time_at(track, k_pos) - s.contact_at_s
            if s.side == worse and abs(ct_lift - ref_ct) > tol and abs(ct_knee - ref_ct) < abs(ct_lift - ref_ct):
                s = _with_toe_off_at(s, k_pos, track, p, "knee_extension")
            elif (s.side == better and other_ct is not None and ct_lift < p.symmetry_min_ratio * other_ct
                  and abs(ct_knee - other_ct) < abs(ct_lift - other_ct)):
                s = _with_toe_off_at(s, k_pos, track, p, "knee_extension")
        out.append(s)
    return out


def zeni_contacts_with_landing_delay(steps: list[StepEvents], trust: dict[str, float], track: PoseTrack,
                                     period: float, p: EventParams) -> list[StepEvents]:
    """Zeni-timed contacts moved by the delay the landings show after their own Zeni instants.

    The foot is most anterior relative to the pelvis a little before it lands (swing-leg retraction),
    by a time that repeats stride after stride and is nearly the same on both legs of one runner. Where the
    landing rule could not time a contact, its Zeni instant is moved by the median offset of its own leg's
    landings from their Zeni instants when that leg has at least ``offset_min_landings`` of them; otherwise by
    the other leg's, when that leg is well seen and has the more landings (at least ``offset_min_landings``; on a
    tie the better seen leg lends). Either way only a delay of at most ``zeni_max_shift_stride`` (a leg whose own
    median is none is not moved). The lender is usually the near leg; on a flat landing MediaPipe's near heel may
    settle too softly for the landing rule while the far one does not (synth/after: 3 near landings, 11 far; the
    near leg borrowed until its own 3 came first). Since 2026-12-06 a leg's own delay comes first: until then the
    leg that lent kept its own Zeni contacts at the Zeni instant, 1-3 frames early on the renders.
    """
    fps = float(track.fps)
    landed = {side: [s.contact_at_s - s.candidate_at_s for s in steps
                     if s.side == side and s.contact_method == "landing" and s.candidate_at_s is not None] for side in SIDES}
    lender = max(SIDES, key=lambda side: (len(landed[side]), trust[side]))
    lends = trust[lender] >= p.well_seen_visibility and len(landed[lender]) >= p.offset_min_landings
    delay: dict[str, float] = {}
    for side in SIDES:
        source = side if len(landed[side]) >= p.offset_min_landings else lender if lends else None  # own, else borrowed
        if source is None:
            continue
        shift = float(np.median(landed[source]))
        if 0.0 < shift <= p.zeni_max_shift_stride * period / fps:
            delay[side] = shift
    out = []
    for s in steps:
        if s.side in delay and s.contact_method == "zeni":
            at = s.contact_at_s + delay[s.side]
            if s.toe_off_at_s is None or at < s.toe_off_at_s:
                s = _with_contact_at(s, at, track, p)
        out.append(s)
    return out


def zeni_contacts_by_descent(steps: list[StepEvents], descents: dict[tuple[str, float], float], track: PoseTrack,
                             p: EventParams) -> list[StepEvents]:
    """A leg without landings to time it: its Zeni contacts moved to the foot's descent to the ground.

    The Zeni instant (the foot most anterior relative to the pelvis) comes before the foot is down
    (swing-leg retraction), by 20-30 ms in the renders: a frame at 30 fps and, on a 4.5 m/s treadmill,
    15 % of leg length of overstride. Where a leg has fewer than
    ``offset_min_landings`` landings (no rhythm of its own) and the other leg lent no delay, each of its
    contacts still at its Zeni instant is moved to the first instant after it at which the foot's lowest
    landmark comes within ``descent_ground_leg`` of its stance level (:func:`descent_to_ground`),
    when the foot was seen coming down (``contact_method="descent"``).
    """
    landings = {side: sum(s.side == side and s.contact_method == "landing" for s in steps) for side in SIDES}
    out = []
    for s in steps:
        at = descents.get((s.side, s.candidate_at_s)) if landings[s.side] < p.offset_min_landings else None
        if s.contact_method == "zeni" and s.contact_at_s == s.candidate_at_s and at is not None:
            at_s = _time_at(track, at)
            if s.toe_off_at_s is None or at_s < s.toe_off_at_s:
                s = _with_contact_at(s, at_s, track, p, contact_method="descent")
        out.append(s)
    return out


def contacts_by_rhythm(steps: list[StepEvents], track: PoseTrack, period: float, p: EventParams) -> list[StepEvents]:
    """A contact timed unlike its leg's other steps, re-timed from the leg's rhythm and marked uncertain.

    The foot is most anterior relative to the pelvis (the Zeni instant) a nearly constant time before it
    lands, stride after stride (within 0.03 stride on treadmill_side_01's well-timed steps). A contact
    whose offset from its Zeni instant departs from the median of its leg's landings (>= 3) by more than
    ``doubt_offset_stride`` was timed on something else (a pause in a jittery descent, a wobble): it is
    moved to its Zeni instant plus that median (``contact_method="rhythm"``) and keeps a doubt, so the
    medians leave it out while enough measured steps remain.
    """
    fps = float(track.fps)
    tol = p.doubt_offset_stride * period / fps
    out = list(steps)
    for side in SIDES:
        # a marker implied from the contact (with_planted_markers) is no evidence of the rhythm: its offset is the clip's
        idx = [i for i, s in enumerate(out) if s.side == side and s.has_own_marker]
        landed = [out[i].contact_at_s - out[i].candidate_at_s for i in idx if out[i].contact_method == "landing"]
        if len(landed) < p.offset_min_landings:
            continue
        med = float(np.median(landed))
        for i in idx:
            s = out[i]
            at = s.candidate_at_s + med
            if abs(s.contact_at_s - at) <= tol or (s.toe_off_at_s is not None and at >= s.toe_off_at_s):
                continue
            out[i] = _with_contact_at(s, at, track, p, contact_method="rhythm",
                                      doubts=(*s.doubts, "contact timed from this leg's rhythm (its own evidence disagreed)"))
    return out


def toe_offs_by_regularity(steps: list[StepEvents], alternatives: dict[tuple[str, float], dict[str, float]],
                           track: PoseTrack, period: float, p: EventParams) -> list[StepEvents]:
    """A toe-off whose contact time departs from its leg's median, replaced by the candidate that agrees.

    One runner's contact time repeats from stride to stride (within 0.03 stride on treadmill_side_01's
    well-timed steps). When a stance's contact time departs from its leg's median by more than
    ``doubt_offset_stride`` and another toe-off candidate of that stance (the toe lift or the knee's turn,
    whichever was not taken) lands within that tolerance of the median, that candidate is the toe-off.
    """
    fps = float(track.fps)
    tol = p.doubt_offset_stride * period / fps
    out = list(steps)
    for side in SIDES:
        idx = [i for i, s in enumerate(out) if s.side == side and s.toe_off_at_s is not None]
        if len(idx) < 3:
            continue
        med = float(np.median([out[i].toe_off_at_s - out[i].contact_at_s for i in idx]))
        for i in idx:
            s = out[i]
            if abs(s.toe_off_at_s - s.contact_at_s - med) <= tol or s.candidate_at_s is None:
                continue
            options = [(abs(_time_at(track, q) - s.contact_at_s - med), m, q)
                       for m, q in _alternatives_of(s, alternatives, track).items()]
            options = [o for o in options if o[0] <= tol and _time_at(track, o[2]) > s.contact_at_s]
            if options:
                _, m, q = min(options)
                out[i] = _with_toe_off_at(s, q, track, p, m)
    return out


def contacts_by_ground_motion(steps: list[StepEvents], light: PoseTrack, track: PoseTrack, period: float,
                              p: EventParams) -> list[StepEvents]:
    """A contact found after the foot already moved with the belt, moved back to where that motion began.

    From initial contact on, a stance foot moves with the ground: backwards at belt speed on a treadmill. Its
    mid-stance image velocity (heel-toe midpoint, unsmoothed track) gives that speed, step by step. MediaPipe's
    heel, above all the far one, can come down slowly onto its stance level after the shoe landed, and the
    landing fit then fires when the heel stops, 2-3 frames after the foot was already carried by the belt (the
    rendered far feet at 60-120 fps). The first frame, from the foot's most anterior point (its Zeni instant; 0.1
    stride before the contact for a stance without one) on, from which the foot moves within ``ground_motion_tol``
    of its stance velocity (the median over the middle 40 % of the stance) over ``ground_motion_frames`` intervals,
    with its lowest landmark within ``landing_near_ground_leg`` of its mid-stance level (the lag is in the height),
    is where it was on the ground; a contact ``ground_motion_min_early_frames`` or more after it moves there
    (``contact_method="belt_motion"``). Only where the stance foot moves at least ``ground_motion_min_speed_leg_s``
    (a still foot overground has no motion to begin).
    """
    kl = light.keypoints_px
    fps = float(track.fps)
    scale = body_scale_px(track.keypoints_px)
    if not np.isfinite(scale):
        return steps
    legs = {side: lm.LEG[side] for side in SIDES}  # type: ignore[index]
    # per leg: dx[i] = the heel-toe midpoint's move from frame i to i + 1; low_y = image y (down) of its lowest landmark
    dxs = {side: np.diff(0.5 * (kl[:, leg["heel"], 0] + kl[:, leg["foot_index"], 0])) for side, leg in legs.items()}
    lows = {side: np.fmax(kl[:, leg["heel"], 1], kl[:, leg["foot_index"], 1]) for side, leg in legs.items()}
    out = []
    for s in steps:
        out.append(s)
        if s.toe_off_at_s is None:
            continue
        dx, low_y = dxs[s.side], lows[s.side]
        c = _index_at(track, s.contact_at_s)
        t = _index_at(track, s.toe_off_at_s)
        a, b = int(np.ceil(c + 0.3 * (t - c))), int(np.floor(t - 0.3 * (t - c))) + 1  # mid-stance
        if np.isfinite(dx[a:b]).sum() < 2:
            continue
        stance_v = float(np.nanmedian(dx[a:b]))  # px/frame
        level_y = float(np.nanmedian(low_y[a:b])) if np.isfinite(low_y[a:b]).any() else np.nan  # NaN: no move
        if abs(stance_v) * fps < p.ground_motion_min_speed_leg_s * scale:
            continue
        lo = int(np.ceil(_index_at(track, s.candidate_at_s))) if s.candidate_at_s is not None else int(np.ceil(c - 0.1 * period))
        hi = int(np.ceil(c - p.event_frame_tol_frames)) - p.ground_motion_min_early_frames
        for f in range(max(0, lo), hi + 1):
            run = dx[f : f + p.ground_motion_frames]
            if (len(run) == p.ground_motion_frames and np.all(np.abs(run - stance_v) <= p.ground_motion_tol * abs(stance_v))
                    and level_y - low_y[f] <= p.landing_near_ground_leg * scale):  # near the belt, not swept back in the air
                out[-1] = _with_contact_at(s, _time_at(track, f), track, p, contact_method=BELT_MOTION)
                break
    return out


BELT_MOTION = "belt_motion"  # the contact method of a landing moved back to where the belt began to carry the foot


def contacts_by_still_foot(steps: list[StepEvents], light: PoseTrack, track: PoseTrack, period: float, scale: float,
                           p: EventParams) -> list[StepEvents]:
    """On a pass, a contact moved halfway to where the foot arrived on the spot it stands on.

    Overground, a foot on the ground stays where it landed, so its heel and toe (unsmoothed track) stand at mid-stance
    (the middle half of the stance, median) where the first of them touched down. Walking back from a quarter into
    the stance, the earliest frame of the run on which the heel or the toe is within ``still_foot_home_leg`` of its
    spot is the foot's arrival there. That is evidence independent of the landing's vertical fit, which MediaPipe's
    heel makes early or late where it slows above the ground (rendered passes at 60-120 fps: contacts 2-8 frames
    off); where the two lie more than ``still_foot_agree_s`` (and a frame) apart the contact becomes their mean
    (``contact_method="still_foot"``; 418 rendered pass contacts: 309 -> 336 within tolerance, docs/thresholds.md). Only where the foot was tracked for
    ``still_foot_seen_s`` before the arrival, was on its spot before mid-stance, the arrival lies within
    ``still_foot_max_shift_stride`` of the contact, and the contact is not placed on the stride template or planted.
    """
    kl = light.keypoints_px
    eps = p.still_foot_home_leg * scale
    out = []
    for s in steps:
        out.append(s)
        if s.toe_off_index is None or s.contact_placed or s.contact_method == "planted" or s.toe_off_method == "toe_posterior":
            continue  # (a planted contact is timed by the foot standing still already; a toe's most posterior point
            # comes well after its toe-off, so that stance's middle is not known)
        c, o = s.contact_index, s.toe_off_index
        if o - c < 2 or o >= len(kl):
            continue
        a = c + max(1, (o - c) // 4)
        b = max(a + 1, o - (o - c) // 4)
        leg = lm.LEG[s.side]  # type: ignore[index]
        away = []
        for j in ("heel", "foot_index"):
            pts = kl[:, leg[j]]
            mid = pts[a:b][np.isfinite(pts[a:b]).all(axis=1)]
            home = np.median(mid, axis=0) if len(mid) >= 2 else np.full(2, np.nan)
            away.append(np.hypot(*(pts - home).T))
        dist = np.fmin(*away)  # the nearer of heel and toe to its spot (NaN where neither is known)
        if not np.isfinite(dist[a]) or dist[a] > eps:
            continue
        i = a
        while i > 0 and dist[i - 1] <= eps:
            i -= 1
        seen = max(2, int(np.ceil(p.still_foot_seen_s * float(track.fps))))
        if (i == a or i < seen or not np.isfinite(dist[i - seen : i]).all()
                or abs(i - c) > p.still_foot_max_shift_stride * period):
            continue  # not on its spot before mid-stance, its approach not in view, or too far from the contact
        landed = _index_at(track, s.contact_at_s)
        if abs(i - landed) <= max(1.0, p.still_foot_agree_s * float(track.fps)):
            continue  # the two agree: the detector's instant, finer than a frame, stands
        pos = 0.5 * (landed + i)  # i: the first frame on the spot
        out[-1] = _with_contact_at(s, _time_at(track, pos), track, p, contact_method=STILL_FOOT)
    return out


STILL_FOOT = "still_foot"  # the contact method of a pass's contact averaged with the foot's arrival on its spot


def toe_offs_by_the_better_seen_leg(steps: list[StepEvents], trust: dict[str, float], track: PoseTrack,
                                    p: EventParams) -> list[StepEvents]:
    """A leg whose contact times are grossly unlike the better seen leg's: its toe-offs re-timed from that leg's.

    A runner's legs stay on the ground about as long as each other: the hand labels of treadmill_side_01 give 0.33 and
    0.30 s (the legs 11 % apart), and an injured runner's legs differ by some 10-15 %. A leg whose median contact time
    (its stances timed by a toe lift or the knee's turn) is under ``gross_contact_ratio`` of the better seen leg's, or
    over its inverse, has its toe lift or knee turn on something else on every step: the far foot's toe "lifting" as
    the near leg swings past it, a 120 fps far leg read at 0.62 of its true contact time. Where the better seen leg is
    well seen (``well_seen_visibility``) with ``offset_min_landings`` or more such stances, the other leg's toe-offs
    are its contacts plus that leg's median contact time (``toe_off_method="rhythm"``), marked uncertain: the true
    asymmetry, if any, is lost, but it is a fraction of the error caught. Such a step lists no contact or flight time
    (formcheck.metrics): they would be the other leg's copied.
    """
    better, worse = sorted(SIDES, key=lambda side: -trust[side])
    if trust[better] < p.well_seen_visibility:
        return steps
    reference, mine = _timed_contact_times(steps, better), _timed_contact_times(steps, worse)
    if len(reference) < p.offset_min_landings or not mine:
        return steps
    contact_time = float(np.median(reference))
    ratio = float(np.median(mine)) / contact_time
    if p.gross_contact_ratio <= ratio <= 1.0 / p.gross_contact_ratio:
        return steps
    last = len(track.timestamps_s) - 1
    out = []
    for s in steps:
        if s.side == worse and s.toe_off_at_s is not None:
            pos = _index_at(track, s.contact_at_s + contact_time)
            s = (_with_toe_off_at(s, pos, track, p, "rhythm", doubts=(*s.doubts, OTHER_LEG_CONTACT_TIME)) if pos <= last
                 else replace(s, doubts=(*s.doubts, OTHER_LEG_CONTACT_TIME)))  # past the clip's end: kept, in doubt
        out.append(s)
    return out


OTHER_LEG_CONTACT_TIME = "toe-off timed from the other leg's contact time (this leg's own disagreed grossly)"


def _timed_contact_times(steps: list[StepEvents], side: str) -> list[float]:
    """``side``'s contact times (s) of the stances whose toe-off a toe lift or the knee's turn timed."""
    return [s.toe_off_at_s - s.contact_at_s for s in steps if s.side == side and s.toe_off_at_s is not None
            and s.toe_off_method in ("toe_lift", "knee_extension")]


def toe_offs_by_contact_time(steps: list[StepEvents], trust: dict[str, float], track: PoseTrack,
                             p: EventParams) -> list[StepEvents]:
    """A toe-off only the toe's most posterior point timed, re-timed from its leg's contact time.

    Neither a toe lift nor the knee's turn was seen on such a stance, and the toe keeps moving back after it
    leaves the ground: its most posterior point came 7-8 frames after the true toe-off on 12 of 13 rendered
    stances at 60-120 fps. A runner's contact time repeats from stride to stride (within 0.03 stride on
    treadmill_side_01), so where the leg has ``offset_min_landings`` or more toe-offs timed by a lift or the
    knee, the stance's toe-off is its contact plus their median contact time (``toe_off_method="rhythm"``); it
    keeps its doubt ("no toe lift seen"). A leg with fewer takes the other leg's median when that leg has enough
    and is well seen (``well_seen_visibility``, as the landing delay is lent): the legs' contact times differ by a
    frame or two (treadmill_side_01 at 30 fps: 9 and 8 frames by its labels, 0.344 and 0.277 s as detected), far
    less than the 7-8 frames the most posterior point is late (a blurred 60 fps render whose far leg had two
    knee-timed stances: contact times 0.31 s against the near leg's 0.2 s). Run after the stride template, which
    keeps its detector's median timing.
    """
    timed = {side: _timed_contact_times(steps, side) for side in SIDES}
    out = list(steps)
    for side in SIDES:
        lender = other_side(side)
        source = timed[side] if len(timed[side]) >= p.offset_min_landings else (
            timed[lender] if trust[lender] >= p.well_seen_visibility else [])
        if len(source) < p.offset_min_landings:
            continue
        contact_time = float(np.median(source))
        for i, s in enumerate(out):
            if s.side == side and s.toe_off_method == "toe_posterior":
                out[i] = _with_toe_off_at(s, _index_at(track, s.contact_at_s + contact_time), track, p, "rhythm")
    return out


def with_knee_disagreement_doubts(steps: list[StepEvents], alternatives: dict[tuple[str, float], dict[str, float]],
                                  track: PoseTrack, p: EventParams) -> list[StepEvents]:
    """A toe-off still timed by the toe's lift while the knee kept extending well after it: marked uncertain.

    The knee's push-off extension ends at toe-off (Fellin et al. 2010), and in the early swing that follows the knee
    only flexes, so a knee turn more than ``knee_agree_after_s`` after the lift says one of them is wrong. Which one is
    not clear from the two alone (taking the knee's turn there lost 11 toe-offs on the clean renders; on their phone
    copies it gained 14 and lost 1, 12 of the gains on one clip whose stance feet a watermark covers), and the rules that
    weigh the other leg and the leg's other strides have run by now: a stance they left on the lift keeps it, with a
    doubt (left out of the medians, counted in the clip's uncertain-steps warning; of one foot counted on both legs,
    :func:`without_one_foot_counted_twice` then drops this twin). Only stances with a Zeni peak of their own had a knee
    turn set beside their lift (a pass's planted stances, and a short pass's, have none to weigh; nor has a lift too soon
    after contact that the other leg's lifts restored).
    """
    fps = float(track.fps)
    out = []
    for s in steps:
        if s.toe_off_method == "toe_lift" and s.toe_off_at_s is not None and s.has_own_marker:
            knee = _alternatives_of(s, alternatives, track).get("knee_extension")
            if knee is not None and knee - _index_at(track, s.toe_off_at_s) > p.knee_agree_after_s * fps:
                s = replace(s, doubts=(*s.doubts, LIFT_BEFORE_KNEE))
        out.append(s)
    return out


def _alternatives_of(s: StepEvents, alternatives: dict[tuple[str, float], dict[str, float]],
                     track: PoseTrack) -> dict[str, float]:
    """The toe-off candidates (method -> track position) set aside for ``s``'s stance, keyed by its Zeni instant."""
    if s.candidate_at_s is None:
        return {}
    return alternatives.get((s.side, round(_index_at(track, s.candidate_at_s), 6)), {})


def aligned_on_stride_template(steps: list[StepEvents], light: PoseTrack, track: PoseTrack, facing: str, period: float,
                               p: EventParams) -> list[StepEvents]:
    """Each leg's contacts and toe-offs moved onto the stride its foot repeats (:mod:`formcheck.stride_template`).

    Contacts are aligned on the heel's and toe's height and position relative to the pelvis (unsmoothed
    track, in leg lengths), toe-offs on the toe's alone (the heel is already up). The detector's median
    timing is kept; what changes is each step's frame, set by its whole stride instead of the few jittery
    samples around its event. On the 25 clips of benchmarks/eval_events.py it took contacts within
    tolerance from 409 to 439 of 475 and toe-offs from 396 to 430 of 479, no clip worse (docs/thresholds.md). A leg with fewer than ``template_min_steps`` steps is left as found, and so is a
    step whose foot is not measured over most of its window (no misfit to judge the move by).
    """
    kl = light.keypoints_px
    n = len(kl)
    scale = body_scale_px(track.keypoints_px)
    if not np.isfinite(scale) or not np.isfinite(period):
        return steps
    half, shift = p.template_half_width_stride * period, p.template_max_shift_stride * period
    crossing = detect_direction(track).mode == "overground"  # seen from a changing angle: shapes compared, not levels
    out = list(steps)
    for side in SIDES:
        leg = lm.LEG[side]  # type: ignore[index]
        traces = {j: (kl[:, leg[j], 1] / scale, forward_of_pelvis_px(kl, leg[j], facing) / scale) for j in ("heel", "foot_index")}
        foot = np.column_stack([*traces["heel"], *traces["foot_index"]])
        toe = np.column_stack(traces["foot_index"])
        mine = [i for i, s in enumerate(out) if s.side == side]
        if len(mine) >= p.template_min_steps:
            targets, odd = _template_targets(foot, [out[i].contact_at_s for i in mine], track, half, shift, p, crossing)
            for i, q, unlike in zip(mine, targets, odd):
                s = out[i]
                if unlike:
                    out[i] = replace(s, doubts=(*s.doubts, UNLIKE_STRIDES))
                elif np.isfinite(q) and (s.toe_off_at_s is None or _time_at(track, q) < s.toe_off_at_s):  # not past its toe-off
                    c_idx = min(n - 1, max(0, int(np.ceil(q - p.event_frame_tol_frames))))
                    out[i] = replace(s, contact_at_s=_time_at(track, q), contact_index=c_idx,
                                     toe_off_index=None if s.toe_off_index is None else max(c_idx, s.toe_off_index))
        lifted = [i for i in mine if out[i].toe_off_at_s is not None]
        if len(lifted) >= p.template_min_steps:
            targets, odd = _template_targets(toe, [out[i].toe_off_at_s for i in lifted], track, half, shift, p, crossing)
            for i, q, unlike in zip(lifted, targets, odd):
                s = out[i]
                if unlike:
                    out[i] = s if UNLIKE_STRIDES in s.doubts else replace(s, doubts=(*s.doubts, UNLIKE_STRIDES))
                elif np.isfinite(q) and _time_at(track, q) > s.contact_at_s:  # not before its contact
                    out[i] = replace(s, toe_off_at_s=_time_at(track, q),
                                     toe_off_index=max(s.contact_index, min(n - 1, int(np.floor(q + p.event_frame_tol_frames)))))
    return out


UNLIKE_STRIDES = "the foot's path around this event is unlike this leg's other strides"
MISFIT_FLOOR_LEG = 1e-3  # a template misfit this small (leg lengths RMS) is a perfect match, whatever the ratio


def _template_targets(signal: np.ndarray, at_s: list[float], track: PoseTrack, half: float, shift: float, p: EventParams,
                      shape_only: bool) -> tuple[np.ndarray, np.ndarray]:
    """One leg's events on its stride template: (new track positions, NaN = keep the detector's; unlike its strides).

    Kept: a move under ``template_min_move_frames`` (within the detector's sub-frame precision), a step whose
    window is not measured enough to judge (NaN misfit), and a step unlike the leg's other strides.
    """
    detected = np.array([_index_at(track, t) for t in at_s])
    at, misfit = align_to_template(signal, detected, half, shift, p.template_iterations, shape_only=shape_only,
                                   coverage_at_positions=True)
    odd = _unlike(misfit, p)
    keep = odd | ~np.isfinite(misfit) | (np.abs(at - detected) < p.template_min_move_frames)
    return np.where(keep, np.nan, at), odd


def _unlike(misfit: np.ndarray, p: EventParams) -> np.ndarray:
    """(N,) bool: steps whose misfit to the stride template exceeds ``template_max_misfit_ratio`` x the leg's median."""
    if not np.isfinite(misfit).any():
        return np.zeros(len(misfit), dtype=bool)
    typical = max(float(np.nanmedian(misfit)), MISFIT_FLOOR_LEG)  # noise-free strides match to ~0: no ratio then
    with np.errstate(invalid="ignore"):
        return np.isfinite(misfit) & (misfit > p.template_max_misfit_ratio * typical)


def events_in_cut_strides(steps: list[StepEvents], light: PoseTrack, track: PoseTrack, facing: str, period: float,
                          p: EventParams) -> tuple[list[StepEvents], list[LeadingToeOff]]:
    """The events of the strides the clip cuts, placed on the leg's stride template.

    A clip starts and ends mid-stride: its first stance may have begun before the first frame (the toe-off is
    in the clip, not the contact), its last may end after the last frame (the contact is in, not the toe-off),
    and an event a few frames from the edge lacks the samples the detector's fits need on one side. Yet most
    of the foot's path around such an event is in view, and it repeats the leg's other strides. So one more
    event of each kind is looked for a stride (the leg's median spacing) before the leg's first and after its
    last one, and a toe-off at the leg's median contact time after a contact that has none: it goes where the
    part of the path in view matches the leg's template (:func:`formcheck.stride_template.align_to_template`:
    at least 70 % of the +-``template_half_width_stride`` window in view, at most ``template_max_misfit_ratio``
    x the leg's median misfit), and is kept only where the foot shows it: at a contact, the heel or the toe
    comes down to its stance level within ``placed_settle_stride`` (the foot in the image: a real heel lands 4-10 %
    leg above that level and sinks to it over the next 3-4 frames at 30 fps, so 0.1 stride, 2 frames there, dropped
    treadmill_side_01's last contact on 4 of its copies); at a toe-off, the
    toe is at its stance level on the frame and above it by ``toe_lift_leg`` within ``lift_stay_s`` after (for the
    toe-off before a leg's first contact, the level may also be where the toe rested over the ``leading_rest_stride``
    before, when that lies up to ``leading_rest_max_leg`` above the stance level: the first poses of a clip).
    An event so near the clip's edge that the clip cuts its template window (the first or last ~0.3 stride) and the
    template places nothing there is timed on the foot instead (``AT_EDGE``): the frame on which the foot comes down to
    its stance level and stays (the descent rule), or the last on which the toe rests at it before rising
    ``toe_lift_leg`` above it to stay, less how far that trails the detector's own events on the leg's other stances.
    Legs with fewer than ``cut_stride_min_steps`` steps (toe-offs: lifts) get none: 3, what a runner crossing the
    frame shows of each leg (the re-alignment of whole stances, :func:`aligned_on_stride_template`, keeps
    ``template_min_steps``: re-aligning legs of 3 steps too moved 4 rendered events out of tolerance). Returns the
    steps, new contacts among them (``contact_method="template"`` or ``"edge"``, the leg's median offset from the Zeni
    instant standing in for their own so that the leg's regularity checks leave them be), and the toe-offs before
    each leg's first contact.
    Such events are listed, never measured (:func:`formcheck.metrics.incomplete_reason`), and count neither toward
    cadence nor as the contact a measured step's step time runs to.
    """
    kl = light.keypoints_px
    n = len(kl)
    scale = body_scale_px(track.keypoints_px)
    if not np.isfinite(scale) or not np.isfinite(period) or n < 3:
        return steps, []
    half, shift = p.template_half_width_stride * period, p.template_max_shift_stride * period
    crossing = detect_direction(track).mode == "overground"
    out = list(steps)
    leading: list[LeadingToeOff] = []
    for side in SIDES:
        leg = lm.LEG[side]  # type: ignore[index]
        traces = {j: (kl[:, leg[j], 1] / scale, forward_of_pelvis_px(kl, leg[j], facing) / scale) for j in ("heel", "foot_index")}
        foot = np.column_stack([*traces["heel"], *traces["foot_index"]])
        toe = np.column_stack(traces["foot_index"])
        in_frame = _in_frame(track, side, p.frame_margin_frac)
        mine = sorted((s for s in out if s.side == side), key=lambda s: s.contact_at_s)
        if len(mine) < p.cut_stride_min_steps:
            continue
        contacts = np.array([_index_at(track, s.contact_at_s) for s in mine])
        lifts = np.array([_index_at(track, s.toe_off_at_s) for s in mine if s.toe_off_at_s is not None])
        heel_y, toe_y = kl[:, leg["heel"], 1], kl[:, leg["foot_index"], 1]
        levels = {name: float(np.nanmedian([stance_base(y, s.contact_index, s.toe_off_index) for s in mine
                                            if s.toe_off_index is not None] or [np.nan])) for name, y in (("heel", heel_y), ("toe", toe_y))}
        if not all(np.isfinite(v) for v in levels.values()):
            continue
        up_heel, up_toe = levels["heel"] - heel_y, levels["toe"] - toe_y
        with np.errstate(invalid="ignore"):  # the foot's lower landmark above its stance level, px (NaN: either unseen)
            heights = np.where(np.isfinite(up_heel + up_toe), np.fmin(up_heel, up_toe), np.nan)
        spacing = float(np.median(np.diff(contacts))) if len(contacts) > 1 else period

        def placed(signal: np.ndarray, known: np.ndarray, guesses: list[float]) -> list[float | None]:
            """Each guess moved onto the template of the ``known`` events' windows; None where it does not fit."""
            if not guesses:
                return []
            at, misfit = align_to_template(signal, np.concatenate([known, guesses]), half, shift, p.template_iterations,
                                           shape_only=crossing)
            odd = _unlike(misfit, p)
            return [float(q) if np.isfinite(m) and not bad and 0 <= q <= n - 1 else None
                    for q, m, bad in zip(at[len(known):], misfit[len(known):], odd[len(known):])]

        def at_edge(guess: float) -> bool:
            """The clip cuts the template's window around ``guess``: where the template places nothing there (too little
            of the window in view, or the part in view unlike the leg's other strides), the foot's level times it."""
            return guess - half < 0 or guess + half > n - 1

        def landing_at_edge(guess: float) -> float | None:
            """The first frame within ``shift`` of ``guess`` on which the foot comes down to its stance level
            (:func:`formcheck.event_fits.descent_to_ground`; up ``landing_toe_ground_leg`` before it is enough when the
            clip starts within ``descent_lookback_s`` of the window) and stays there (within ``landing_toe_ground_leg``,
            on the next 2 frames the clip has)."""
            down = p.landing_toe_ground_leg * scale
            lo, hi = max(1, int(np.floor(guess - shift))), min(n - 1, int(np.ceil(guess + shift)))
            rule = p if lo >= p.descent_lookback_s * track.fps else replace(p, descent_from_leg=p.landing_toe_ground_leg)
            while lo <= hi:
                t = descent_to_ground(heights, lo, hi, scale, float(track.fps), rule)
                if t is None:
                    return None
                f = int(np.ceil(t))  # the first frame down
                if all(heights[g] <= down for g in range(f, min(n, f + 3))):
                    return float(f)
                lo = f + 1
            return None

        def lift_at_edge(guess: float, after: float, rest_from: int | None = None) -> float | None:
            """The frame within ``shift`` of ``guess`` (and not before ``after``), nearest it, with the toe within
            ``toe_lift_leg`` of its stance level (or of where it rested since ``rest_from``, :func:`toe_grounds`) on it
            and on the frame before (seen resting: a toe 4 % leg up on the clip's first frame and rising had left the
            ground before it) and above that on every frame after it within ``lift_stay_s`` (at least one: the clip's
            last frame shows no lift)."""
            thr = p.toe_lift_leg * scale
            stay = max(2, int(round(p.lift_stay_s * track.fps)))
            found = []
            for f in range(max(1, int(np.ceil(max(guess - shift, after)))), min(n - 2, int(np.floor(guess + shift))) + 1):
                grounds = toe_grounds(f, rest_from)
                up = toe_y[f + 1 : min(n, f + 2 + stay)]
                rested = toe_y[f - 1 : f + 1]
                if any(np.isfinite(rested).all() and bool((ground - rested <= thr).all()) and np.isfinite(up).all()
                       and bool((ground - up > thr).all()) for ground in grounds):
                    found.append(f)
            return float(min(found, key=lambda f: abs(f - guess))) if found else None

        def visible(q: float) -> bool:
            lo, hi = max(0, int(np.floor(q)) - 1), min(n - 1, int(np.ceil(q)) + 1)
            return bool(in_frame[lo : hi + 1].all())

        def lands_at(q: float) -> bool:
            i = int(np.ceil(q - p.event_frame_tol_frames))
            span = heights[i : min(n, i + max(2, int(round(p.placed_settle_stride * period))) + 1)]
            return bool(np.isfinite(span).any()) and float(np.nanmin(span)) <= p.landing_toe_ground_leg * scale

        def toe_grounds(i: int, rest_from: int | None) -> list[float]:
            """The toe's ground levels for a lift on frame ``i``: its stance level, and with ``rest_from`` where it rested
            from there to ``i`` when that lies up to ``leading_rest_max_leg`` above it. MediaPipe's first poses of a clip
            may place a standing toe 0.07-0.1 leg above the level the later stances show: its lift may then be measured
            from where it rested just before (image y down: its lowest)."""
            grounds = [levels["toe"]]
            if rest_from is not None and np.isfinite(toe_y[rest_from : i + 1]).any():
                rest = float(np.nanmax(toe_y[rest_from : i + 1]))
                if 0.0 < levels["toe"] - rest <= p.leading_rest_max_leg * scale:
                    grounds.append(rest)
            return grounds

        def lifts_at(q: float, rest_from: int | None = None) -> bool:
            i = int(np.floor(q + p.event_frame_tol_frames))
            if not 0 <= i < n:
                return False
            thr = p.toe_lift_leg * scale
            grounds = toe_grounds(i, rest_from)
            before = toe_y[max(0, i - 1) : i + 1]  # down on its last frame (or the one before: the lift's onset is sub-frame)
            after = toe_y[i + 1 : min(n, i + 2 + max(2, int(round(p.lift_stay_s * track.fps))))]
            return any(np.isfinite(before).any() and np.nanmin(ground - before) <= thr
                       and np.isfinite(after).any() and np.nanmax(ground - after) > thr for ground in grounds)

        near = 0.5 * period
        offsets = [s.contact_at_s - s.candidate_at_s for s in mine if s.candidate_at_s is not None]
        zeni_offset = float(np.median(offsets)) if offsets else 0.0  # the leg's contact after its foot's most anterior instant

        def lag(found: list[float | None], timed: list[float]) -> float | None:
            """How far the foot's level (a landing or a lift found as at the clip's edge) trails the detector's own events
            on the leg's other stances (median, frames): it sets an edge event on the detector's time base (toe-offs: the
            lifts and knee turns only; a toe's most posterior point, re-timed later, runs 7-8 frames late).
            The crossing frame itself put 120 fps renders' leading toe-offs 5-7 frames late (a toe rising slowly from
            rest), an onset fit back from it the real clip's 2 frames early (its toe landmark rising with the heel)."""
            pairs = [q - t for q, t in zip(found, timed) if q is not None]
            return float(np.median(pairs)) if len(pairs) >= p.cut_stride_min_steps else None

        def edge_event(q: float | None, lag_frames: float | None) -> float | None:
            """The edge event at ``q`` on the detector's time base (None: not found, no lag known, or outside the clip)."""
            if q is None or lag_frames is None or not 0 <= q - lag_frames <= n - 1:
                return None
            return q - lag_frames

        guesses = [contacts[0] - spacing, contacts[-1] + spacing]
        landing_lag = None
        for q, guess in zip(placed(foot, contacts, guesses), guesses):
            method = PLACED
            if q is None and at_edge(guess):
                if landing_lag is None:
                    landing_lag = lag([landing_at_edge(c) for c in contacts], list(contacts))
                q, method = edge_event(landing_at_edge(guess), landing_lag), AT_EDGE
            if q is not None and np.abs(contacts - q).min() > near and visible(q) and lands_at(q):
                at_s = _time_at(track, q)
                mine.append(StepEvents(side=side, contact_index=min(n - 1, int(np.ceil(q - p.event_frame_tol_frames))),
                                       contact_at_s=at_s, toe_off_index=None, toe_off_at_s=None, toe_off_method="none",
                                       contact_method=method, candidate_at_s=at_s - zeni_offset))
        mine.sort(key=lambda s: s.contact_at_s)
        if len(lifts) >= p.cut_stride_min_steps:
            durations = [s.toe_off_at_s - s.contact_at_s for s in mine if s.toe_off_at_s is not None]
            ct_frames = float(np.median(durations)) * float(track.fps)
            open_stances = [i for i, s in enumerate(mine) if s.toe_off_at_s is None]
            lift_spacing = float(np.median(np.diff(lifts))) if len(lifts) > 1 else period
            guesses = [_index_at(track, mine[i].contact_at_s) + ct_frames for i in open_stances] + [lifts[0] - lift_spacing]
            found: list[tuple[float | None, str]] = []
            lift_lag = None
            for j, (q, guess) in enumerate(zip(placed(toe, lifts, guesses), guesses)):
                if q is None and at_edge(guess):
                    if lift_lag is None:
                        timed = [(_index_at(track, s.contact_at_s), _index_at(track, s.toe_off_at_s)) for s in mine
                                 if s.toe_off_at_s is not None and s.toe_off_method in ("toe_lift", "knee_extension")]
                        lift_lag = lag([lift_at_edge(t, c + p.min_contact_s * track.fps) for c, t in timed], [t for _, t in timed])
                    first_lift = j == len(open_stances)  # the last guess: a toe-off before the leg's first contact
                    after = 0.0 if first_lift else _index_at(track, mine[open_stances[j]].contact_at_s) + p.min_contact_s * track.fps
                    found.append((edge_event(lift_at_edge(guess, after, 0 if first_lift else None), lift_lag), AT_EDGE))
                else:
                    found.append((q, PLACED))
            for i, (q, method) in zip(open_stances, found):
                c_pos = _index_at(track, mine[i].contact_at_s)
                if q is not None and q > c_pos + p.min_contact_s * track.fps and visible(q) and lifts_at(q):
                    mine[i] = _with_toe_off_at(mine[i], q, track, p, method)
            q, method = found[-1]
            if (q is not None and q < _index_at(track, mine[0].contact_at_s) - 0.25 * period and np.abs(lifts - q).min() > near
                    and visible(q) and lifts_at(q, rest_from=max(0, int(np.floor(q - p.leading_rest_stride * period))))):
                leading.append(LeadingToeOff(side=side, index=max(0, int(np.floor(q + p.event_frame_tol_frames))),
                                             at_s=_time_at(track, q), method=method))
        out = [s for s in out if s.side != side] + mine
    out.sort(key=lambda s: s.contact_at_s)
    return out, leading


def pass_leading_toe_offs(steps: list[StepEvents], leading: list[LeadingToeOff], runs: list[tuple[str, int, int, float]],
                          light: PoseTrack, track: PoseTrack, period: float, scale: float, p: EventParams) -> list[LeadingToeOff]:
    """Toe-offs of the feet a runner entering the frame already stands on: their contact is not in view.

    MediaPipe often finds a runner crossing the frame only once most of the body is in (rendered passes: first found
    on the frame a foot lands, or after it). That foot standing still on the ground from the first frames it is
    seen (:func:`planted_runs`, landing not in view) is a stance whose contact the clip does not show, but whose
    toe lift it does: timed as any toe lift (:func:`formcheck.event_fits.toe_lift` from where the foot is first
    seen standing) where the knee's turn agrees with it as on any stance (then at the turn): the first poses of a
    runner entering are often placed badly, and a toe creeping up on them passed for a lift 9 frames early at 120 fps.
    Kept where no found stance of either leg overlaps the run (the labels may be swapped), no toe-off was placed
    there already, and the foot is in the frame until it lifts. Listed as a leading toe-off, never measured.
    """
    n = len(light.keypoints_px)
    fps = float(track.fps)
    out: list[LeadingToeOff] = []
    for label, a, b, _ in runs:
        if _landed_in_view(light, label, a):
            continue
        if any(s.contact_index <= b and a <= (s.toe_off_index if s.toe_off_index is not None else s.contact_index) for s in steps):
            continue  # a stance already found there
        leg = lm.LEG[label]  # type: ignore[index]
        lift, _ = toe_lift(track.keypoints_px[:, leg["foot_index"], 1], float(a), period, scale, p, fps,
                           light.keypoints_px[:, leg["foot_index"], 1])
        if lift is None:
            continue
        knee = _knee_turn_in_stance(knee_flexion_deg(light.keypoints_px, label), knee_flexion_deg(track.keypoints_px, label),
                                    float(a), period, fps, p)
        if knee is None or not -p.knee_agree_before_s * fps <= knee - lift <= p.knee_agree_after_s * fps:
            continue  # the first poses of a runner entering are often placed badly: two kinds of evidence must agree
        o = max(a, int(np.floor(knee + p.event_frame_tol_frames)))
        if any(e.side == label and abs(e.index - o) < 0.5 * period for e in leading):
            continue  # this toe-off was already placed on the leg's stride template (events_in_cut_strides)
        if _in_frame(light, label, p.frame_margin_frac)[max(0, a - 1) : min(n, o + 2)].all():
            out.append(LeadingToeOff(side=label, index=o, at_s=_time_at(track, knee), method="knee_extension"))
    return out


def _with_toe_off_at(s: StepEvents, pos: float, track: PoseTrack, p: EventParams, method: str, **changes: object) -> StepEvents:
    """``s`` with its toe-off moved to track position ``pos`` (timed by ``method``), its frame re-read, not before contact."""
    return replace(s, toe_off_index=max(s.contact_index, int(np.floor(pos + p.event_frame_tol_frames))),
                   toe_off_at_s=_time_at(track, pos), toe_off_method=method, **changes)  # type: ignore[arg-type]


def _with_contact_at(s: StepEvents, at_s: float, track: PoseTrack, p: EventParams, **changes: object) -> StepEvents:
    """``s`` with its contact moved to ``at_s`` (s of clip time), its frame re-read and its toe-off frame not before it."""
    c_idx = min(len(track.timestamps_s) - 1, int(np.ceil(_index_at(track, at_s) - p.event_frame_tol_frames)))
    return replace(s, contact_at_s=at_s, contact_index=c_idx,
                   toe_off_index=None if s.toe_off_index is None else max(c_idx, s.toe_off_index), **changes)  # type: ignore[arg-type]


def landings_not_before_their_peak(steps: list[StepEvents], track: PoseTrack, p: EventParams, *,
                                   as_a_rule: bool) -> list[StepEvents]:
    """A landing timed more than ``landing_before_peak_frames`` before its foot's own most anterior point moved to that
    much before it.

    Issue 14's rule: a contact comes after the foot has stopped swinging forward. The foot is most anterior relative
    to the pelvis a little before it lands (swing-leg retraction), so a landing fit that fires well before that peak
    caught a shoe skimming its stance level while still swinging forward: over 215 randomised renders, landings before
    their peak read 1.1-1.4 frames early (median). On a leg whose landings precede their peaks as a rule (their median,
    over ``offset_min_landings`` or more, below -``landing_before_peak_leg_median_frames``) the peak lags the foot as
    much as the landing leads it (treadmill_side_01's near foot: the peak 0.3-1.5 frames after the labelled touch, the
    landing 0.7-1.4 before it), so such a leg's contacts are taken midway between the two: within a frame of all 15
    labels, 12 on them (the landings alone: 6), where moving them to the peak's side put them late. docs/thresholds.md,
    "Not before the foot's peak", has the figures.

    Run twice: ``as_a_rule=False`` moves the other legs' landings, after the passes that look steps up by their
    contact frame or pool the landings' delays from their peaks (a review: run first, it had kept a moved step from
    its other-leg toe-off checks) and before the leg's stride template is laid on its contacts (the renders' cut
    strides follow the moved contacts: 1849 -> 1858 of 2046 contacts against running it last); ``as_a_rule=True``
    takes such legs midway, last among the passes that time events (laid on the midpoints, the template lost the real
    clip's last, template-placed contact on 3 of its copies). Only contacts still timed by a landing on their foot's
    own peak move, and never to within ``min_contact_s`` of their toe-off; the step keeps its toe-off."""
    fps = float(track.fps)
    out = list(steps)
    for side in SIDES:
        mine = [i for i, s in enumerate(out) if s.side == side and s.contact_method == "landing" and s.has_own_marker]
        if not mine:
            continue
        lead = np.array([(out[i].contact_at_s - out[i].candidate_at_s) * fps for i in mine])  # type: ignore[operator]
        ruled = len(mine) >= p.offset_min_landings and float(np.median(lead)) < -p.landing_before_peak_leg_median_frames
        if ruled != as_a_rule:
            continue
        for i, ahead in zip(mine, lead):
            if ahead >= -p.landing_before_peak_frames:
                continue
            peak_s = out[i].candidate_at_s
            # as a rule: the landing fit early and the peak late by turns, the touch between them (treadmill_side_01's
            # near foot: the midpoints within a frame of all 15 labels, 12 on them, against 6 for the landings alone)
            at_s = 0.5 * (out[i].contact_at_s + peak_s) if as_a_rule else peak_s - p.landing_before_peak_frames / fps  # type: ignore[operator]
            toe_off_s = out[i].toe_off_at_s
            if toe_off_s is not None and at_s >= toe_off_s - p.min_contact_s:
                continue
            out[i] = _with_contact_at(out[i], at_s, track, p)
    return out


def _index_at(track: PoseTrack, at_s: float) -> float:
    t = np.asarray(track.timestamps_s, dtype=float)
    return float(np.interp(at_s, t, np.arange(len(t))))


def without_one_foot_counted_twice(steps: list[StepEvents], trust: dict[str, float], stride_s: float,
                                   p: EventParams) -> list[StepEvents]:
    """Contacts of the two legs closer than ``alternation_min_stride`` are one foot landing, counted on both legs.

    Running alternates the feet half a stride apart. MediaPipe puts the less visible foot's landmarks on the
    other foot around its landing (a 30 fps low-camera render with a 1/30 s shutter: a "far" contact 2 frames
    before the near one, while the far foot was in the air). Of such a pair, a contact placed on the stride template
    goes first (the foot was not seen landing), then the step with more doubts, on a tie the less visible leg's.
    """
    order = sorted(range(len(steps)), key=lambda i: steps[i].contact_at_s)
    dropped: set[int] = set()
    for i, j in zip(order, order[1:]):
        a, b = steps[i], steps[j]
        if a.side == b.side or i in dropped or b.contact_at_s - a.contact_at_s >= p.alternation_min_stride * stride_s:
            continue
        dropped.add(max((i, j), key=lambda k: (steps[k].contact_placed, len(steps[k].doubts), -trust[steps[k].side])))
    return [s for k, s in enumerate(steps) if k not in dropped]


def without_stances_within_the_other_legs(steps: list[StepEvents]) -> list[StepEvents]:
    """Without the two steps of a stance that lies wholly within the other leg's stance: neither can be right.

    A runner is never on both feet (a flight phase between the stances); one stance inside the other's would need a
    contact time over half a stride plus the other's. MediaPipe's legs crossing where the cleaning labelled a stretch
    the wrong way round split one foot's stance over both labels: heldout_1000 (a 60 fps render) read a right stance
    of 78 ms inside a left one of 363 ms, the right's contact the left foot's landing (spurious) and the left's contact
    12 frames early. Which of the two is the right one is not known, so both go (on 263 renders and their phone
    copies, two such pairs: one spurious contact and toe-off, one spurious toe-off gone; two events within tolerance
    lost). Stances the clip cuts (no toe-off) are not compared.
    """
    nested: set[int] = set()
    order = sorted(range(len(steps)), key=lambda k: steps[k].contact_at_s)
    for n, i in enumerate(order):
        a = steps[i]
        if a.toe_off_at_s is None:
            continue
        for j in order[n + 1 :]:  # the stances landing after a's contact, until one lands after its toe-off
            b = steps[j]
            if b.contact_at_s >= a.toe_off_at_s:
                break
            if (b.side != a.side and b.toe_off_at_s is not None and a.contact_at_s < b.contact_at_s
                    and b.toe_off_at_s < a.toe_off_at_s):
                nested |= {i, j}
    return [s for k, s in enumerate(steps) if k not in nested]


def with_doubts(steps: list[StepEvents], stride_s: float, p: EventParams) -> list[StepEvents]:
    """Each step with the reasons its timing disagrees with the other evidence.

    A runner's strides repeat: on one leg, the contact's offset from the foot's most anterior instant
    and the contact time are nearly the same from step to step (within 0.03 stride on the hand-labelled
    clip's well-timed steps). A step that departs from its leg's median by more than
    ``doubt_offset_stride`` was timed on something else (a pause in the descent, a toe that wobbles);
    a toe-off found without a toe lift is a fallback.
    """
    out = []
    for side in SIDES:
        mine = [s for s in steps if s.side == side]
        offsets = np.array([s.contact_at_s - s.candidate_at_s if s.has_own_marker else np.nan for s in mine])
        contact = np.array([s.toe_off_at_s - s.contact_at_s if s.toe_off_at_s is not None else np.nan for s in mine])
        enough = len(mine) >= 3
        med_off = float(np.nanmedian(offsets)) if enough and np.isfinite(offsets).any() else np.nan
        med_ct = float(np.nanmedian(contact)) if enough and np.isfinite(contact).any() else np.nan
        for s, off, ct in zip(mine, offsets, contact):
            doubts = list(s.doubts)
            if np.isfinite(med_off) and abs(off - med_off) > p.doubt_offset_stride * stride_s:
                doubts.append("contact timed unlike this leg's other steps")
            if np.isfinite(med_ct) and np.isfinite(ct) and abs(ct - med_ct) > p.doubt_offset_stride * stride_s:
                doubts.append("contact time unlike this leg's other steps")
            out.append(replace(s, doubts=tuple(doubts)) if doubts else s)
    return out


def with_unseen_doubts(steps: list[StepEvents], light: PoseTrack, p: EventParams,
                       filled: np.ndarray | None = None) -> list[StepEvents]:
    """Each step with a doubt when its foot was not tracked just before contact.

    A contact is timed on the foot's landmarks: where MediaPipe lost the foot (neither heel nor toe
    measured: missing, or dropped by the cleaning, whether or not the gap was then interpolated, see
    ``filled``) in the ``unseen_frames`` before it, the foot may have landed while unseen, so the
    contact found is the first one SEEN and can be late (on track_side_short_02 the far foot is lost
    for 4 frames and its contact is found 3 frames after the labelled one). The start of the track
    counts as unseen. The same rule after toe-off was measured and not kept: the far foot is often lost
    as it swings behind the near leg, and it flagged 21 on-time toe-offs for 3 off ones (the sample's
    far-leg overstride turned "borderline" from 7 steps instead of 10).
    """
    k = light.keypoints_px
    n = len(k)
    seen = {}  # side -> (T,) the heel or the toe was measured (not missing, not interpolated)
    for side in SIDES:
        cols = [lm.LEG[side]["heel"], lm.LEG[side]["foot_index"]]  # type: ignore[index]
        measured = np.isfinite(k[:, cols, 1])
        if filled is not None:
            measured &= ~np.asarray(filled, dtype=bool)[:, cols]
        seen[side] = measured.any(axis=1)
    out = []
    for s in steps:
        before = range(s.contact_index - p.unseen_frames, s.contact_index)
        if all(0 <= f < n and seen[s.side][f] for f in before):
            out.append(s)
        else:
            out.append(replace(s, doubts=(*s.doubts, "the foot was not tracked just before contact: it may have landed earlier")))
    return out


def frame_gaps(timestamps_s: np.ndarray, ratio: float) -> tuple[np.ndarray, float]:
    """Which frame intervals are gaps (over ``ratio`` x the typical one: frames missing there) and the typical
    interval (s); no gaps in a clip of under 3 frames or with no typical interval. One test for
    :func:`with_missing_frame_doubts` and :func:`formcheck.quality.missing_frames`."""
    gaps = np.diff(np.asarray(timestamps_s, dtype=float))
    typical = float(np.median(gaps)) if gaps.size >= 2 else 0.0
    if not typical > 0:
        return np.zeros(gaps.size, dtype=bool), typical
    return gaps > ratio * typical, typical


MISSING_FRAMES = "frames are missing around this event (the phone dropped them): it may fall between the frames left"


def with_missing_frame_doubts(steps: list[StepEvents], track: PoseTrack, p: EventParams) -> list[StepEvents]:
    """Each step with a doubt when the clip is missing frames where its contact or toe-off was timed.

    A phone recording at a variable frame rate drops frames and keeps the rest at their real times. A contact
    in such a gap is timed on the frames either side of it, and where the foot lands (its reach ahead of the
    body, :func:`formcheck.metrics.landing_reach_px`) is read on them: the foot lands farthest ahead and a frame
    on either side of that is 8-13 % of leg length short of it at 30 fps. On a copy of treadmill_side_01 with a
    random fifth of its frames dropped, steps whose contact frame had a gap next to it read overstride 4 and -2 %
    leg against 14-27 % for the clip, unflagged. Gap = a frame interval over ``missing_frame_ratio`` x the clip's
    typical one: on either side of the contact's frame, or just after the toe-off's (the toe lifts in it).
    """
    long_gap, _ = frame_gaps(track.timestamps_s, p.missing_frame_ratio)
    if not long_gap.any():
        return steps

    def gap_at(interval: int) -> bool:
        return 0 <= interval < len(long_gap) and bool(long_gap[interval])

    out = []
    for s in steps:
        around = gap_at(s.contact_index - 1) or gap_at(s.contact_index) or (
            s.toe_off_index is not None and gap_at(s.toe_off_index))
        out.append(replace(s, doubts=(*s.doubts, MISSING_FRAMES)) if around and MISSING_FRAMES not in s.doubts else s)
    return out


def planted_runs(light: PoseTrack, facing: str, scale: float, p: EventParams) -> list[tuple[str, int, int, float]]:
    """Stretches where a foot stands still in the image while the body passes: (leg label, first, last frame, x).

    A foot is planted while its heel-toe midpoint moves less than ``planted_max_speed_run`` x the pelvis's
    speed, for ``planted_min_s``, with its lowest landmark at the ground (within ``planted_off_ground_leg``
    of the runs' median level: a foot slowing in the air at the end of its swing is not on the ground).
    The midpoint's image x is a running median over +-``planted_median_half_s`` first: at 60-120 fps the pelvis
    moves only a few pixels a frame, and one frame in which MediaPipe's foot jumps by that much broke a stance.
    The same foot seen by both leg labels counts once, and so does a foot whose heel and toe stop in turn
    (consecutive stances lie ``planted_step_min_leg`` apart along the pass).
    """
    kl = light.keypoints_px
    pelvis_x = hip_midpoint(kl)[:, 0]
    speed = np.abs(np.diff(pelvis_x))
    if not np.isfinite(speed).any():
        return []
    limit = p.planted_max_speed_run * float(np.nanmedian(speed))
    min_frames = max(3, int(round(p.planted_min_s * float(light.fps))))
    runs: list[tuple[str, int, int, float]] = []
    for side in SIDES:
        leg = lm.LEG[side]  # type: ignore[index]
        x = 0.5 * (kl[:, leg["heel"], 0] + kl[:, leg["foot_index"], 0])
        x = nan_running_median(x, int(p.planted_median_half_s * float(light.fps) + 0.05))  # (119.88 fps counts as 120)
        with np.errstate(invalid="ignore"):
            still = np.flatnonzero(np.abs(np.diff(x)) < limit)  # i: the foot hardly moved from frame i to i+1
        for run in np.split(still, np.flatnonzero(np.diff(still) > 1) + 1):
            if run.size + 1 >= min_frames:  # frames run[0] .. run[-1] + 1
                runs.append((side, int(run[0]), int(run[-1]) + 1, float(np.nanmedian(x[run[0] : run[-1] + 2]))))

    def lowest(r: tuple[str, int, int, float]) -> float:  # the run's lowest foot point (image y)
        leg = lm.LEG[r[0]]  # type: ignore[index]
        return float(np.nanmax(np.fmax(kl[r[1] : r[2] + 1, leg["heel"], 1], kl[r[1] : r[2] + 1, leg["foot_index"], 1])))

    if runs:
        ground = float(np.median([lowest(r) for r in runs]))
        runs = [r for r in runs if ground - lowest(r) <= p.planted_off_ground_leg * scale]
    runs.sort(key=lambda r: r[1])
    sign = 1.0 if facing == "right" else -1.0
    merged: list[tuple[str, int, int, float]] = []
    for r in runs:
        if merged and sign * (r[3] - merged[-1][3]) < p.planted_step_min_leg * scale:
            q = merged[-1]  # the same foot again (the other label, or its toe after its heel): one stance
            merged[-1] = (q[0], min(q[1], r[1]), max(q[2], r[2]), q[3])
        else:
            merged.append(r)
    return merged


def pass_planted_runs(light: PoseTrack, facing: str, scale: float, p: EventParams) -> list[tuple[str, int, int, float]]:
    """:func:`planted_runs` of a runner crossing the frame (:func:`pelvis_crosses`), else none.

    On a treadmill the stance foot moves with the belt and the pelvis stays: no foot stands still while the body
    passes, and the travel test keeps a slow belt's pauses out."""
    return planted_runs(light, facing, scale, p) if pelvis_crosses(light, scale, p) else []


def pelvis_crosses(light: PoseTrack, scale: float, p: EventParams) -> bool:
    """The pelvis travels ``pass_min_travel_leg`` across the image: a runner passing a still (or stabilised) camera
    on still ground. The travel is the 5th-95th percentile range of the pelvis' image x, so that a few misplaced
    poses do not make a treadmill clip a pass. (The pose pass asks the same of its raw sightings by their speed,
    :func:`formcheck.model_region.crosses_the_frame`, before there is a cleaned track.)"""
    pelvis_x = hip_midpoint(light.keypoints_px)[:, 0]
    if not np.isfinite(scale) or np.isfinite(pelvis_x).sum() < 3:
        return False
    lo, hi = np.nanpercentile(pelvis_x, [5.0, 95.0])
    return float(hi - lo) >= p.pass_min_travel_leg * scale


def _landed_in_view(light: PoseTrack, label: str, start: int) -> bool:
    """The foot was seen before the frame it stands still from: its landing is in view."""
    leg = lm.LEG[label]  # type: ignore[index]
    seen = np.flatnonzero(np.isfinite(light.keypoints_px[:, [leg["heel"], leg["foot_index"]], 1]).all(axis=1))
    return bool(seen.size) and start > seen[0] + 1


def planted_candidates(candidates: dict[str, list[StanceCandidate]], runs: list[tuple[str, int, int, float]],
                       light: PoseTrack, period: float, p: EventParams = EventParams()) -> dict[str, list[StanceCandidate]]:
    """Stances of a runner crossing the frame that no stride candidate stands for: the foot seen standing still.

    A Zeni candidate is the foot's most anterior point relative to the pelvis, a peak that needs the swing before
    it in view. A runner entering the frame often lands within a few frames of being first seen, on a first pose
    the tracker places badly (further forward than the true peak), and that leg's first stance can have no
    candidate. A foot standing still on the ground while the pelvis passes (:func:`pass_planted_runs`) is a stance
    whatever the swing before it: a run of a leg's label that overlaps no candidate's stance of either foot (from
    its most anterior point to its toe's most posterior; the other foot's too, in case the model swapped the
    labels), lies at least 0.75 stride from the same leg's candidates and from a run added before it (a stride, not
    a step) and starts after the foot was first seen (its landing in view) becomes a candidate (``planted``).
    A candidate at the edge of the clip or of the foot's being seen (often the first pose of a runner entering, its
    peak unconfirmed) does not bar a run that starts more than ``edge_stance_max_stride`` after it: the stance that
    peak stands for starts within 0.1-0.15 stride of it (where its landing or its standing foot is looked for) and
    ends within 0.45 stride (a running stance lasts 0.3-0.4 of a stride), so the run is another stance (heldout_18,
    a 60 fps pass: the left foot's edge "peak" at its first pose, frame 38, was a swing, and hid its stance at 59).
    (Dropping such a run's stance where the edge peak proved a stance of the same leg after all, within 0.75 stride,
    was tried: on heldout_304 that edge "stance" was the other foot under this label, removed later as one foot
    counted twice, and the guard took a true stance with it; renders 5893 -> 5891.)
    """
    out: dict[str, list[StanceCandidate]] = {}
    for label, a, b, _ in runs:
        past_edge = a - p.edge_stance_max_stride * period  # an edge peak before this cannot stand for this run's stance
        barring = {side: [c for c in candidates.get(side, []) if not (c.at_clip_edge and c.contact < past_edge)] for side in SIDES}
        spans = [(c.contact, c.toe_off if c.toe_off is not None else c.contact + 0.4 * period)
                 for cs in barring.values() for c in cs]
        if not _landed_in_view(light, label, a) or any(lo <= b and a <= hi for lo, hi in spans):
            continue
        if any(abs(c.contact - a) < 0.75 * period for c in [*barring[label], *out.get(label, [])]):
            continue  # a step from this leg's stance: the other foot under this label, or this one counted twice
        out.setdefault(label, []).append(StanceCandidate(float(a), int(b), planted=True))
    return out


def with_planted_markers(steps: list[StepEvents]) -> list[StepEvents]:
    """Stances a planted foot stands for (their ``candidate_at_s`` None from the detector's loop) get the Zeni instant
    their contact implies: the contact less the median delay from Zeni instant to landing of the clip's other
    landings (>= 3 and not negative; else none, and step times run from the contact).

    Such a stance has no Zeni peak of its own (or one on the badly placed first pose of a runner entering the
    frame), while step and stride times run between Zeni instants (:func:`formcheck.metrics._marker`): its contact
    there would shorten or lengthen its neighbouring steps by that delay, and its peak would put a false delay in
    the pools the periodic rules (contacts_by_rhythm, with_doubts) draw on."""
    delays = [s.contact_at_s - s.candidate_at_s for s in steps if s.contact_method == "landing" and s.candidate_at_s is not None]
    delay = float(np.median(delays)) if len(delays) >= 3 else None
    if delay is None or delay < 0:
        return steps
    return [replace(s, candidate_at_s=s.contact_at_s - delay, marker_implied=True) if s.candidate_at_s is None else s for s in steps]


def _standing_in(runs: list[tuple[str, int, int, float]], light: PoseTrack, side: str, lo: float, hi: float,
                 others: list[StanceCandidate], period: float) -> tuple[str, int, int, float] | None:
    """The planted run that starts inside lo..hi with its landing in view, of ``side``'s label if there is one, else
    of the other label (planted_runs merges one foot seen under both labels into the first's) unless it lies in a
    stance of the other leg's candidates ``others`` (then it is that foot); None when neither."""
    inside = [r for r in runs if lo <= r[1] <= hi and _landed_in_view(light, r[0], r[1])]
    mine = next((r for r in inside if r[0] == side), None)
    if mine is not None:
        return mine
    spans = [(c.contact, c.toe_off if c.toe_off is not None else c.contact + 0.4 * period) for c in others]
    return next((r for r in inside if not any(a <= r[2] and r[1] <= b for a, b in spans)), None)


def _planted_contact(light: PoseTrack, label: str, a: int, b: int, scale: float, p: EventParams) -> int:
    """The first frame, from 2 frames before the foot stops (frame ``a``), with its lowest landmark at its stance level
    (a landing foot may still slide a little); ``a`` when none is."""
    leg = lm.LEG[label]  # type: ignore[index]
    kl = light.keypoints_px
    low = np.fmax(kl[:, leg["heel"], 1], kl[:, leg["foot_index"], 1])  # image y: the foot's lowest landmark
    base = float(np.nanmax(low[a : b + 1]))
    return next((f for f in range(max(0, a - 2), a + 1) if np.isfinite(low[f]) and base - low[f] <= p.planted_ground_leg * scale), a)


def short_pass_events(track: PoseTrack, light: PoseTrack, facing: str, p: EventParams = EventParams(),
                      filled: np.ndarray | None = None) -> GaitEvents:
    """Events of a runner crossing the frame in a stride or two (overground, still or stabilised camera).

    Overground a stance foot stands still on the ground, so in the image of a still (or stabilised)
    camera it stops while the body passes at running speed (:func:`planted_runs`). MediaPipe swaps and
    merges the legs of a small runner, so the sides ALTERNATE along the pass (step by step, :func:`steps_between`),
    the parity chosen by the leg labels; a stance whose label contradicts the alternation gets the alternation's side and
    ``other_label`` (its landmarks are under the other leg's label: the analysis exchanges the labels there,
    :func:`label_swap_frames`). Contact = the first frame, from 2 frames before the foot
    stops, with its lowest landmark at its stance level (a landing foot may still slide a little);
    toe-off = the toe lift (:func:`formcheck.event_fits.toe_lift`, stride = twice the median step), at the
    knee's turn where that agrees with it (as on any stance), unless it comes less than ``planted_min_contact_s``
    after contact (landmark jitter), then the last frame the foot stood still.
    """
    fps = float(track.fps)
    kl = light.keypoints_px
    n = len(kl)
    scale = body_scale_px(track.keypoints_px)
    none = GaitEvents(steps=[], stride_period_frames=float("nan"), facing=facing, fps=fps)
    runs = pass_planted_runs(light, facing, scale, p)  # none: not a pass (a treadmill clip too short for a stride)
    if not runs:
        return none
    contacts = [_planted_contact(light, label, a, b, scale, p) for label, a, b, _ in runs]
    between = steps_between(track.timestamps_s[contacts])
    place = np.r_[0, np.cumsum(between)].astype(int)  # each stance's step number along the pass
    agree = sum(r[0] == SIDES[k % 2] for k, r in zip(place, runs))
    first = 0 if agree >= len(runs) - agree else 1
    period = 2.0 * float(np.median(np.diff(contacts) / between)) if len(contacts) >= 2 else float("nan")
    steps: list[StepEvents] = []
    bottom_edge = 0  # stances skipped with the foot at the image's bottom edge
    for i, ((label, a, b, _), c) in enumerate(zip(runs, contacts)):
        leg = lm.LEG[label]  # type: ignore[index]
        to_pos, method = (toe_lift(track.keypoints_px[:, leg["foot_index"], 1], float(c), period, scale, p, fps,
                                   kl[:, leg["foot_index"], 1]) if np.isfinite(period) else (None, "none"))
        if to_pos is None or to_pos - c < p.planted_min_contact_s * fps:  # no running stance is that short: jitter
            to_pos, method = float(b), "foot_planted"  # the last frame the foot stood still
        elif np.isfinite(period):
            k_pos = _knee_turn_in_stance(knee_flexion_deg(kl, label), knee_flexion_deg(track.keypoints_px, label), float(c),
                                         period, fps, p)
            if (k_pos is not None and -p.knee_agree_before_s * fps <= k_pos - to_pos <= p.knee_agree_after_s * fps
                    and k_pos - c >= p.planted_min_contact_s * fps):  # still no shorter than a running stance
                to_pos, method = k_pos, "knee_extension"
        o = max(c, int(np.floor(to_pos + p.event_frame_tol_frames)))
        if not _in_frame(light, label, p.frame_margin_frac)[max(0, c - 1) : min(n, o + 2)].all():
            bottom_edge += bool(_at_bottom_edge(light, label, p.frame_margin_frac)[max(0, c - 1) : min(n, o + 2)].any())
            continue
        step = StepEvents(side=label, contact_index=c, contact_at_s=_time_at(track, c), toe_off_index=o,
                          toe_off_at_s=_time_at(track, to_pos), toe_off_method=method, contact_method="planted",
                          candidate_at_s=_time_at(track, c))
        (step,) = with_unseen_doubts([step], light, p, filled)  # read on the label the foot's landmarks are under
        side = SIDES[(place[i] + first) % 2]
        if label != side:  # its landmarks are re-labelled by the analysis, but a model that mixed the legs up is doubtful
            step = replace(step, side=side, other_label=True, doubts=(*step.doubts, OTHER_LABEL))
        steps.append(step)
    return GaitEvents(steps=steps, stride_period_frames=period, facing=facing, fps=fps, stances_at_bottom_edge=bottom_edge)


MIN_STEP_S = 0.25  # a gap shorter than this (240 steps/min) is taken for no step here (a sprinter's are shorter: their
# pass then alternates stance by stance, as before steps_between)


def steps_between(contacts_s: np.ndarray) -> np.ndarray:
    """How many steps lie between consecutive planted stances of a pass, from their contact times (s): 1, or 2 where a
    stance between them was not found (the gap about twice the shortest, within a quarter step). Only with 3 stances or
    more, the shortest gap ``MIN_STEP_S`` or more, and no more gaps of two steps than of one; otherwise 1 everywhere.

    The sides alternate step by step, not stance by stance: a rendered 120 fps pass saved as 4x slow motion had the
    second of its six stances not found, and alternating over the four left put the first on the wrong leg (a
    spurious contact and toe-off). A shorter gap is no step (the real pass's compressed copy starts inside a stance
    5 frames at 30 fps before its next contact), and a short gap at the pass's edge must not make every other gap
    two steps (a reviewer's case: gaps of 9, 18, 18, 18 frames)."""
    gaps = np.diff(np.asarray(contacts_s, dtype=float))
    ones = np.ones(len(gaps), dtype=int)
    if len(gaps) < 2 or not gaps.min() >= MIN_STEP_S:
        return ones
    counts = np.round(gaps / gaps.min())
    if counts.max() > 2 or np.any(np.abs(gaps / gaps.min() - counts) > 0.25) or (counts == 2).sum() > (counts == 1).sum():
        return ones  # not whole steps of one pace: alternate stance by stance
    return counts.astype(int)


OTHER_LABEL = "the pose model had this foot on the other leg's landmarks: its timing and angles are doubtful"


def label_swap_frames(events: GaitEvents, n_frames: int) -> np.ndarray:
    """(T,) bool: frames whose left/right leg landmarks belong to the other label, by the stances that say so.

    A stance with ``other_label`` (a short pass whose alternation puts this foot on the other leg than MediaPipe
    labelled it) spans from halfway through the flight before its contact to halfway through the flight after
    its toe-off, at most half the pass's median flight either side (at least one frame), its contact and toe-off
    always included: both legs' labels are exchanged there, so its angles are its own leg's.
    """
    swap = np.zeros(n_frames, dtype=bool)
    steps = sorted(events.steps, key=lambda s: s.contact_index)
    flights = [b.contact_index - a.toe_off_index for a, b in zip(steps, steps[1:])
               if a.toe_off_index is not None and b.contact_index > a.toe_off_index]
    reach = max(1, int(np.median(flights)) // 2) if flights else 1
    for i, s in enumerate(steps):
        if not s.other_label:
            continue
        end = s.toe_off_index if s.toe_off_index is not None else n_frames - 1
        before = steps[i - 1].toe_off_index if i > 0 else None
        after = steps[i + 1].contact_index if i + 1 < len(steps) else None
        lo = s.contact_index - reach if before is None else max(s.contact_index - reach, (before + s.contact_index + 1) // 2)
        hi = end + reach if after is None else min(end + reach, (end + after) // 2)
        swap[max(0, min(lo, s.contact_index)) : min(n_frames - 1, max(hi, end)) + 1] = True
    return swap


def _vanishes_within(seen: np.ndarray, start: int, frames: float) -> bool:
    """True when the foot, seen at ``start``, is lost for good (to the clip's end) within ``frames`` of it.

    A runner leaving the frame, or lost by the model, in the first ~0.1 s of a stance (shorter than any running
    contact) shows a foot coming down but never its stance: a clip that simply ends there is not such a loss.
    """
    gone = np.flatnonzero(~seen[start:])
    if gone.size == 0:
        return False
    first_gone = start + int(gone[0])
    return first_gone - start < frames and not seen[first_gone:].any()


def _foot_px(track: PoseTrack, side: str) -> np.ndarray:
    """(T, 3, 2) image points of one foot's heel, ankle and toe."""
    leg = lm.LEG[side]  # type: ignore[index]
    return track.keypoints_px[:, [leg["heel"], leg["ankle"], leg["foot_index"]]]


def _at_bottom_edge(track: PoseTrack, side: str, margin_frac: float) -> np.ndarray:
    """(T,) bool: heel, ankle or toe of one foot at or below the image's bottom border (the feet framed too low), where
    each frame showed it (a stabilised track's reference coordinates are not the picture's)."""
    h = track.image_size[1]
    with np.errstate(invalid="ignore"):
        return (track.picture_px(_foot_px(track, side))[..., 1] > h - 1 - margin_frac * h).any(axis=1)


def _in_frame(track: PoseTrack, side: str, margin_frac: float) -> np.ndarray:
    """(T,) bool: none of heel, ankle and toe of one foot is at or beyond the image border, where each frame showed it."""
    w, h = track.image_size
    pts = track.picture_px(_foot_px(track, side))
    mx, my = margin_frac * w, margin_frac * h
    with np.errstate(invalid="ignore"):
        outside = (pts[..., 0] < mx) | (pts[..., 0] > w - 1 - mx) | (pts[..., 1] < my)
    # a missing (NaN) landmark is not evidence of the border
    return ~(outside.any(axis=1) | _at_bottom_edge(track, side, margin_frac))

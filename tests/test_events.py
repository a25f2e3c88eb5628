"""Event detection: real treadmill clip vs hand labels, and the synthetic gait model."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.clean import clean_track, with_legs_swapped
from formcheck.events import (AT_EDGE, OTHER_LABEL, EventParams, GaitEvents, StepEvents, contacts_by_still_foot, detect_direction,
                              detect_events, label_swap_frames, short_pass_events, steps_between)
from formcheck.metrics import cadence_spm
from formcheck.analysis import analyze_track
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track
from formcheck.geometry import body_scale_px

LABELS = json.loads((Path(__file__).parent / "fixtures" / "treadmill_side_01_labels.json").read_text())


def _within_one(detected, labelled):
    detected = np.asarray(detected)
    return [bool(np.min(np.abs(detected - f)) <= 1) for f in labelled]


@pytest.fixture(scope="module")
def real_events(treadmill_track):
    cr = clean_track(treadmill_track)
    c = cr.track
    return c, detect_events(c, detect_direction(c).facing, light=cr.light)


def test_real_direction(treadmill_track):
    d = detect_direction(clean_track(treadmill_track).track)
    assert d.facing == "left" and d.mode == "treadmill"


@pytest.mark.parametrize("facing", ["left", "right"])
def test_a_pass_faces_the_way_it_travels_whatever_the_head_and_feet_say(facing):
    """A walker crossing 1100 px to the right (walk_side_indoor_03, 7-11 s) whose nose and toes MediaPipe put to the
    left of her ears and heels was read facing left, 2 votes against 2, every foot then measured as the other. Here a
    synthetic runner crossing the frame has its head and foot cues turned round the same way: over 3 leg lengths of
    travel, the travel decides."""
    from formcheck import landmarks as lm

    g = simulate_gait(GaitParams(facing=facing, **OVERGROUND))
    track = to_pose_track(g, noise_px=0.0)  # every frame's cues agree, as the walker's did: 2 votes each way
    k = track.keypoints_px.copy()
    ears = k[:, [lm.LEFT_EAR, lm.RIGHT_EAR], 0].mean(axis=1)
    k[:, lm.NOSE, 0] = 2 * ears - k[:, lm.NOSE, 0]  # the nose on the other side of the ears
    ahead = 1.0 if facing == "right" else -1.0
    for side in ("left", "right"):
        heel, toe = lm.LEG[side]["heel"], lm.LEG[side]["foot_index"]
        k[:, toe, 0] = k[:, heel, 0] - ahead * np.abs(k[:, toe, 0] - k[:, heel, 0])  # toes behind the heels, every frame
    d = detect_direction(track.with_keypoints(k))
    assert d.facing == facing and d.mode == "overground"
    assert d.confidence < 0.5  # the cues disagree: the direction is still called unclear (a warning)


def test_real_cadence_within_1pct(real_events):
    _, ev = real_events
    assert abs(cadence_spm(ev) - 168.9) / 168.9 < 0.01


def test_real_near_contacts_match_hand_labels(real_events):
    """Target >= 90% within one frame. Measured 17/17: the last, at 356 (4 frames before the clip's end, no stance
    after it), placed on the leg's stride template since 2026-12-04 (16/17 before). Event frame = first frame at/after
    the detected instant, the labels' convention."""
    c, ev = real_events
    det = c.frame_indices[ev.contact_indices("left")]
    ok = _within_one(det, LABELS["left"]["contact_frames"])
    assert np.mean(ok) >= 0.9, ok
    assert sum(s.contact_method == "landing" for s in ev.for_side("left")) >= 12  # the landing rule times them, not the fallback


def test_real_near_toe_offs_match_hand_labels(real_events):
    """Measured: 16/16 within one frame (15/16 before the stride template, one 2 frames early); event frame = last
    frame at/before the lift instant. The first toe-off, at frame 3, ends a stance that began before the clip: since
    2026-12-04 it is timed on the leg's stride template (a leading toe-off), at 3."""
    c, ev = real_events
    det = c.frame_indices[ev.toe_off_indices("left")]
    ok = _within_one(det, LABELS["left"]["toe_off_frames"][1:])  # the first toe-off precedes any detected contact
    assert np.mean(ok) >= 0.9, ok
    leading = [e for e in ev.leading_toe_offs if e.side == "left"]
    assert len(leading) == 1 and abs(c.frame_indices[leading[0].index] - LABELS["left"]["toe_off_frames"][0]) <= 1, leading
    assert not [e for e in ev.leading_toe_offs if e.side == "right"]  # the far foot's first stance starts in the clip


def test_real_far_contacts_match_hand_labels(real_events):
    """Far foot (median visibility 0.75: between landing_min_visibility and well_seen_visibility, so the landing
    rule must find its landing inside the searched span, else the Zeni time stands). Measured 17/17 contacts and
    17/17 toe-offs within a frame (16/17 and 15/17 before the stride template)."""
    c, ev = real_events
    assert np.mean(_within_one(c.frame_indices[ev.contact_indices("right")], LABELS["right"]["contact_frames"])) >= 0.9
    assert np.mean(_within_one(c.frame_indices[ev.toe_off_indices("right")], LABELS["right"]["toe_off_frames"])) >= 0.9


def _synthetic_errors(near_only=False, side=None, noise_seed=3, **kw):
    """Per true step: contact-frame and toe-off-frame errors (frames), overstride (% leg) and hip-extension (deg)
    errors against the truth AT THE CONTINUOUS EVENT INSTANTS (formcheck.metrics reads both at the detected
    instant, not at the event frame). Steps within 0.3 stride of the clip ends, whose toe-off the clip ends too
    soon after to confirm (formcheck.metrics.incomplete_reason), or while the runner is out of view (overground
    clips), are left out: no detector can see them."""
    tk = {k: kw.pop(k) for k in ("noise_px", "swap_frames", "dropout_frames") if k in kw}
    g = simulate_gait(GaitParams(**kw))
    track = to_pose_track(g, seed=noise_seed, **tk)
    a = analyze_track(track)
    in_view = np.isfinite(track.keypoints_px[:, :, 0]).all(axis=1)
    ce, te, oe, he = [], [], [], []
    margin = 0.3 * g.truth["stride_time_s"] * g.params.fps  # peaks at the clip edges cannot be seen
    for st in g.truth["steps"]:
        if not margin <= st["contact_frame"] <= g.truth["n_frames"] - 1 - margin:
            continue
        if st["toe_off_frame"] + EventParams().lift_stay_s * g.params.fps > g.truth["n_frames"] - 1:
            continue  # the clip ends before the lift is confirmed: an incomplete step, rightly not measured
        if not in_view[max(0, int(st["contact_frame"] - margin)) : int(st["toe_off_frame"] + margin) + 1].all():
            continue
        if (near_only and st["side"] != g.params.near_side) or (side is not None and st["side"] != side):
            continue
        s = min((s for s in a.steps if s.side == st["side"]), key=lambda s: abs(s.contact_frame - st["contact_frame"]))
        ce.append(s.contact_frame - st["contact_frame"])
        oe.append(s.overstride_pct_leg - st["overstride_pct_leg_exact"])
        if s.toe_off_frame is not None:
            te.append(s.toe_off_frame - st["toe_off_frame"])
            he.append(s.hip_extension_deg - st["hip_extension_deg_exact"])
    return np.array(ce), np.array(te), np.array(oe), np.array(he)


# Noise-free landmark tracks of the gait model (formcheck.synth.gait), the generator's variations.
OVERGROUND = dict(treadmill=False, runner_height_frac=0.3, duration_s=4.0)  # a wide view: 4 near steps in frame
VARIATIONS = [
    dict(fps=30), dict(fps=60), dict(fps=120, duration_s=4), dict(fps=240, duration_s=3), dict(facing="right"),
    dict(cadence_spm=155, speed_m_s=2.6), dict(cadence_spm=185, speed_m_s=4.0), OVERGROUND,
    dict(overstride_pct_leg=25, hip_extension_deg=8), dict(overstride_pct_leg=5, hip_extension_deg=18),
    dict(dropout_frames=(50, 51, 52, 200, 201)), dict(swap_frames=tuple(range(100, 105)) + tuple(range(250, 253))),
]
_ID = lambda kw: ",".join(f"{k}={v}" for k, v in kw.items() if k not in ("swap_frames", "dropout_frames")) or ("swaps" if "swap_frames" in kw else "dropouts")


@pytest.mark.parametrize("kw", VARIATIONS + [dict(noise_px=2.0)], ids=_ID)
def test_synthetic_step_count_and_sides(kw):
    """Every true step of both feet is found on its own side within 0.1 s (measured: within 6 frames at 240 fps,
    2 frames at 60 fps with 2 px noise)."""
    ce, *_ = _synthetic_errors(**dict(kw))
    assert len(ce) >= 3
    assert np.all(np.abs(ce) <= 0.1 * dict(kw).get("fps", 60)), ce


@pytest.mark.parametrize("kw", VARIATIONS, ids=_ID)
def test_synthetic_contact_overstride_and_hip_extension(kw):
    """Every step of BOTH feet: contact frame within 1 frame, mostly exact (measured: exact on the near foot in all
    but one step facing right; 0.88-1.0 of both feet), toe-off within 1 frame, overstride within 1 % of leg length
    of the truth at the contact instant (measured max 0.69, overground) and hip extension within 1 deg of the truth
    at the toe-off instant (measured max 0.96 at 30 fps, all others <= 0.74; medians within 0.53)."""
    ce, te, oe, he = _synthetic_errors(**dict(kw))
    assert len(ce) >= 6
    assert np.all(np.abs(ce) <= 1) and np.mean(ce == 0) >= 0.85, ce
    assert np.all(np.abs(te) <= 1), te
    assert np.max(np.abs(oe)) <= 1.0, oe
    assert np.max(np.abs(he)) <= 1.0 and abs(np.median(he)) <= 0.6, he


def _per_side_medians(noise, seed):
    """Median overstride / hip-extension error of each foot over the clip, with i.i.d. landmark noise."""
    out = []
    for side in ("left", "right"):
        _, _, oe, he = _synthetic_errors(side=side, noise_px=noise, noise_seed=seed)
        out.append((np.median(oe), np.median(he)))
    return np.array(out)


@pytest.mark.parametrize("noise", [0.5, 1.0])
def test_synthetic_noise_contacts_and_per_side_medians(noise):
    """I.i.d. Gaussian landmark noise at 60 fps (every landmark, every frame; 1 px = 0.45 % of this runner's leg,
    about MediaPipe's hip jitter on the real clip relative to its leg). Contacts of both feet within 1 frame, and
    the figures a runner is shown (each foot's median over the clip) within 1 % leg / 1 deg of the truth.
    Measured over 6 noise seeds (3-8): 0.5 px contacts all within a frame, per-foot overstride medians
    +0.41..+0.81 % leg, hip extension medians +0.11..+0.39 deg; 1 px contacts 94-100 % within a frame (seed 3, tested:
    all), overstride medians +0.36..+1.13 % leg (seed 3: within 1), hip extension medians -0.06..+0.60 deg. Overstride
    reads long with noise: it is the foot's farthest reach ahead of the COM, the largest of a few noisy samples
    (before 2026-12-05, read at the contact instant: -0.29..+0.53 and -0.75..+0.87)."""
    ce, *_ = _synthetic_errors(noise_px=noise)
    assert np.all(np.abs(ce) <= 1), ce
    med = _per_side_medians(noise, seed=3)
    assert np.all(np.abs(med[:, 0]) <= 1.0), med
    assert np.all(np.abs(med[:, 1]) <= 1.0), med


@pytest.mark.xfail(strict=True, reason=(
    "TARGET NOT MET: with i.i.d. landmark noise the foot's farthest reach ahead of the COM (formcheck.metrics."
    "landing_reach_px) is the largest of a few noisy samples, which reads long: over 6 seeds single steps off by up "
    "to 0.9-1.8 % leg at 1 px (median +0.5..+0.9) and 1.0-3.2 % at 2 px (median +0.5..+1.5). Read at the contact "
    "instant, as before 2026-12-05, they were off by up to 7.7 and 12 % (one frame of contact timing at 60 fps is "
    "5.8 % leg on a 3 m/s belt). The per-foot medians hold at 0.5 and 1 px (test above)."))
@pytest.mark.parametrize("noise", [1.0, 2.0])
def test_synthetic_every_step_overstride_with_noise(noise):
    ce, _, oe, _ = _synthetic_errors(noise_px=noise)
    assert np.all(np.abs(ce) <= 1), ce
    assert np.max(np.abs(oe)) <= 1.0, oe


def test_synthetic_noise_at_30fps_contacts_within_one_frame():
    """2 px noise at 30 fps: near contacts within 1 frame (measured -1..0), hip extension median within 1.5 deg
    (measured -1.2)."""
    ce, _, _, he = _synthetic_errors(near_only=True, fps=30, noise_px=2.0)
    assert np.all(np.abs(ce) <= 1), ce
    assert abs(np.median(he)) <= 1.5, he


def test_hinge_recovers_subframe_landing():
    """A landmark descending 7 px/frame that stops at t=10.3 is timed at 10.3, with the smeared (zero-lag) trace too."""
    from formcheck.event_fits import hinge, landing
    from formcheck.events import EventParams

    t = np.arange(30, dtype=float)
    y = np.where(t < 10.3, 500 + 7 * (t - 10.3), 500.0)
    tau, v1, v2, y_tau, rms = hinge(y, 7, 13, 10.0)
    assert abs(tau - 10.3) < 0.03 and abs(v1 - 7) < 1e-6 and abs(v2) < 1e-6
    assert abs(landing(y, y, 5, 15, base=500.0, leg=200.0, fps=30.0, p=EventParams()) - 10.3) < 0.03
    assert landing(y, y, 5, 15, base=560.0, leg=200.0, fps=30.0, p=EventParams()) is None  # stopped 30% leg above the ground: not a landing


def _stance(side, contact_s, toe_off_s, candidate_s, contact_method="landing", toe_off_method="toe_lift", fps=100.0):
    from formcheck.events import StepEvents

    return StepEvents(side=side, contact_index=int(np.ceil(contact_s * fps)), contact_at_s=contact_s,
                      toe_off_index=int(np.floor(toe_off_s * fps)), toe_off_at_s=toe_off_s, toe_off_method=toe_off_method,
                      contact_method=contact_method, candidate_at_s=candidate_s)


def _clock_track(n=200, fps=100.0):
    """A pose track that only carries a clock (the cross-leg checks need nothing else)."""
    from formcheck.pose_track import PoseTrack

    return PoseTrack(keypoints_px=np.full((n, 33, 2), np.nan), depth_px=np.zeros((n, 33)), visibility=np.ones((n, 33)),
                     presence=np.ones((n, 33)), world_m=np.zeros((n, 33, 3)), timestamps_s=np.arange(n) / fps,
                     frame_indices=np.arange(n), fps=fps, image_size=(640, 480))


def test_far_zeni_contacts_take_the_near_legs_landing_offset():
    """Near landings 20 ms after their Zeni instants -> a far Zeni contact moves 20 ms later (0.02 s = 2 frames)."""
    from formcheck.events import EventParams, zeni_contacts_with_landing_delay

    near = [_stance("left", c + 0.02, c + 0.25, c) for c in (0.1, 0.8, 1.5)]
    far = _stance("right", 0.45, 0.70, 0.45, contact_method="zeni")
    out = zeni_contacts_with_landing_delay(near + [far], {"left": 0.99, "right": 0.9}, _clock_track(),
                                           period=70.0, p=EventParams())
    moved = out[-1]
    assert moved.contact_at_s == pytest.approx(0.47)
    assert moved.contact_index == 47
    assert out[:3] == near  # the landings themselves are left alone
    # an offset that would be an advance (near landings before their Zeni instants) moves nothing
    early = [_stance("left", c - 0.02, c + 0.25, c) for c in (0.1, 0.8, 1.5)]
    unmoved = zeni_contacts_with_landing_delay(early + [far], {"left": 0.99, "right": 0.9}, _clock_track(), 70.0, EventParams())
    assert unmoved[-1] == far


def test_a_legs_own_zeni_contact_takes_its_own_landing_offset():
    """The far leg lands 30 ms after its Zeni instants on 3 stances, the near leg 10 ms after on 4: the far leg's
    Zeni contact moves by its own 30 ms (it kept its Zeni instant when only the leg with fewer landings was moved),
    the near leg's by its own 10 ms; a leg with too few landings of its own still borrows."""
    from formcheck.events import EventParams, zeni_contacts_with_landing_delay

    far = [_stance("right", c + 0.03, c + 0.25, c) for c in (0.45, 1.15, 1.85)]
    near = [_stance("left", c + 0.01, c + 0.25, c) for c in (0.1, 0.8, 1.5, 2.2)]
    far_zeni = _stance("right", 2.55, 2.80, 2.55, contact_method="zeni")
    near_zeni = _stance("left", 2.9, 3.15, 2.9, contact_method="zeni")
    out = zeni_contacts_with_landing_delay(far + near + [far_zeni, near_zeni], {"left": 0.99, "right": 0.7},
                                           _clock_track(n=400), period=70.0, p=EventParams())
    assert out[-2].contact_at_s == pytest.approx(2.58)
    assert out[-2].contact_index == 258
    assert out[-1].contact_at_s == pytest.approx(2.91)
    # with two far landings only, the far Zeni contact borrows the near leg's 10 ms
    out = zeni_contacts_with_landing_delay(far[:2] + near + [far_zeni], {"left": 0.99, "right": 0.7},
                                           _clock_track(n=400), period=70.0, p=EventParams())
    assert out[-1].contact_at_s == pytest.approx(2.56)


def test_a_toe_that_drops_back_under_the_lift_height_has_not_lifted():
    """Leg 100 px, lift height 5 px, 50 fps (0.1 s = 5 frames to stay up). The toe, on the belt at y 300 from contact
    (frame 10), is put 7 px up at frames 14-15 (MediaPipe's toe on the passing foot), back at 4 px up from 16, and
    rises again after frame 21 (10 px a frame). The wobble is not the toe-off (it was, 8 frames early, while only a
    toe back within 2.5 px counted as back down); the real lift is, from frame 21 on."""
    from formcheck.event_fits import toe_lift

    y = np.full(60, 300.0)
    y[:10] = 280.0  # swinging in before contact
    y[14:16] = 293.0
    y[16:22] = 296.0
    y[22:] = 300.0 - 10.0 * np.arange(1, 39)
    to, method = toe_lift(y, 10.0, 40.0, 100.0, EventParams(), 50.0, y)
    assert method == "toe_lift" and 20.9 <= to <= 23.0


@pytest.mark.parametrize("creep_frac, expected", [(0.5, (58.5, 61.0)), (np.inf, (10.0, 52.0))])
def test_a_toe_creeping_up_through_the_stance_lifts_when_it_leaves_its_last_rest(creep_frac, expected):
    """A rendered runner filmed at hip height at 120 fps (heldout_192): MediaPipe put the near toe 13 px (6 % leg)
    lower just after the landing than before the push-off, and on the passing foot for 3 frames mid-stance. Leg
    100 px, lift height 5 px, 120 fps: contact at frame 10, the toe at y 306 creeping up to 302 by frame 35 and on to
    300.5 by frame 60, up 10 px at frames 40-42 (the passing foot), then rising 2 px a frame more each frame (truth:
    lifts at 60). Measured from the landing's level, the toe crossed the lift height on the plateau and the onset
    fit took in the wobble (8-15 frames early on every step); re-based where it last rested, it lifts at 60
    (``creep_frac=inf`` is the old rule: early)."""
    from formcheck.event_fits import toe_lift

    y = np.full(120, 300.0)
    y[:10] = 280.0  # swinging in before contact
    y[10:36] = np.linspace(306.0, 302.0, 26)
    y[36:61] = np.linspace(302.0, 300.5, 25)
    y[40:43] = 292.0
    y[61:] = 300.5 - np.cumsum(2.0 * np.arange(1, 60))
    to, method = toe_lift(y, 10.0, 90.0, 100.0, EventParams(toe_rest_creep_frac=creep_frac), 120.0, y)
    assert method == "toe_lift" and expected[0] <= to <= expected[1], to


def test_peak_knee_extension_is_the_push_off_not_a_straight_landing():
    """30 fps, stride 21 frames, contact at frame 10 on a nearly straight knee (4-6 deg, as treadmill_side_01's
    runner lands), loading to 40 deg, the push-off's extension to 18 deg at frame 19 (the toe-off), then the swing.
    The window (0.15-0.6 stride: frames 14-22) starts while the knee is still straight: the lowest flexion in it was
    the window's first frame (no toe-off found, or a landing taken for it); the last extension is frame 19."""
    from formcheck.event_fits import knee_extension, last_extension

    knee = np.array([60.0, 50, 40, 30, 22, 15, 10, 7, 5, 4, 4, 4, 5, 5, 6, 20, 35, 40, 30, 18, 30, 55, 80, 100, 110])
    to, method = knee_extension(knee, 10.0, 21.0, EventParams())
    assert method == "knee_extension" and 18.5 <= to <= 19.5
    # A dip in the swing's flexion (a landmark glitch, 70 -> 62 deg) is above the lower half of the span's range
    swing_dip = np.array([6.0, 20, 35, 40, 32, 24, 18, 25, 45, 70, 62, 80, 100])
    assert last_extension(swing_dip, 0, 12, rise_deg=5.0, level=0.5) == 6
    # 2 deg of jitter (50 -> 48) low in the swing is no valley: the knee must be 5 deg more flexed before it
    jitter = np.array([6.0, 20, 35, 40, 30, 18, 30, 50, 48, 80, 100])
    assert last_extension(jitter, 0, 10, rise_deg=5.0, level=0.5) == 5
    assert last_extension(jitter, 0, 10, rise_deg=0.0, level=0.5) == 8  # (48 <= 6 + 0.5 x 94 = 53)
    with pytest.raises(ValueError):
        last_extension(jitter, 0, 10, rise_deg=-1.0, level=0.5)


def test_the_knees_turn_is_fitted_on_the_unsmoothed_angle_near_the_smoothed_valley():
    """30 fps: the unsmoothed knee extends at 6 deg a frame to 18 deg at t = 19.3 frames, then flexes from zero
    speed (18 + 5 (t - 19.3)^2). A smoothed copy lagging 1.5 frames has its valley at frame 21; the turn is fitted
    over frames just around its guess, so from frame 21 it cannot reach 19.3. The unsmoothed angle's lowest
    sample within a frame of the valley (frame 20) is the guess, and the fit finds 19.3."""
    from formcheck.events import _knee_turn_in_stance

    t = np.arange(30, dtype=float)
    knee = np.where(t < 19.3, 18.0 + 6.0 * (19.3 - t), 18.0 + 5.0 * (t - 19.3) ** 2)
    knee[:14] = 5.0  # a straight landing at frame 10
    knee_smooth = np.interp(t - 1.5, t, knee)
    assert int(np.argmin(knee_smooth[16:25])) + 16 == 21
    turn = _knee_turn_in_stance(knee, knee_smooth, 10.0, 21.0, 30.0, EventParams())
    assert turn == pytest.approx(19.3, abs=0.05)


def test_descent_to_ground_interpolates_where_the_foot_comes_down():
    """A foot 30 px up coming down 10 px a frame (leg 200 px, ground band 0.02 x 200 = 4 px): it is 10 px up at
    frame 5 and 0 at frame 6, so it enters the band at 5 + (10 - 4) / 10 = 5.6. Jitter on the ground is no descent."""
    from formcheck.event_fits import descent_to_ground

    heights = np.array([40.0, 40, 40, 30, 20, 10, 0, 0, 1, 0, 0])
    assert descent_to_ground(heights, 0, 10, 200.0, 30.0, EventParams()) == pytest.approx(5.6)
    assert descent_to_ground(heights, 7, 10, 200.0, 30.0, EventParams()) is None  # searched after the foot is down
    jitter = np.array([0.0, 1, 5, 1, 0, 6, 2, 0])  # never 0.08 x 200 = 16 px up
    assert descent_to_ground(jitter, 0, 7, 200.0, 30.0, EventParams()) is None


def test_descent_to_ground_looks_back_over_the_same_time_at_any_frame_rate():
    """The same descent filmed at 30 and at 120 fps: 40 px (0.2 leg) up, down at 240 px/s, on the ground from
    t = 1/6 s. The foot was 16 px (0.08 leg) up 0.1 s before it entered the 4 px band: 3 frames at 30 fps,
    12 at 120, so a look-back of 4 FRAMES missed it at 120 fps (the last 4 frames stay below 0.08 leg).
    Both rates give the crossing at 36/240 = 0.15 s."""
    from formcheck.event_fits import descent_to_ground

    for fps in (30.0, 120.0):
        t = np.arange(int(0.5 * fps)) / fps
        heights = np.clip(40.0 - 240.0 * t, 0.0, None)
        at = descent_to_ground(heights, 0, len(t) - 1, 200.0, fps, EventParams())
        assert at is not None and at / fps == pytest.approx(0.15, abs=1e-9)


def test_a_toe_that_stops_above_its_stance_level_has_not_landed():
    """Leg 200 px. A toe coming down 7 px a frame stops 16 px (8 % leg) above its stance level at t = 10.3 (the foot
    dorsiflexing before the heel lands): a heel stopping there is a landing (a heel lands raised, on a dorsiflexed
    foot), a toe is not (a toe tip lands at its lowest; tolerance 5 % leg = 10 px). The same toe stopping 6 px up lands."""
    from formcheck.event_fits import landing

    p = EventParams()
    t = np.arange(30, dtype=float)
    y = np.where(t < 10.3, 484 + 7 * (t - 10.3), 484.0)  # stance level 500 (image y, down = +)
    as_heel = landing(y, y, 5, 15, base=500.0, leg=200.0, fps=30.0, p=p, near_ground_leg=p.landing_near_ground_leg)
    assert as_heel == pytest.approx(10.3, abs=0.03)
    assert landing(y, y, 5, 15, base=500.0, leg=200.0, fps=30.0, p=p, near_ground_leg=p.landing_toe_ground_leg) is None
    low = y + 10.0  # stops 6 px above the stance level
    assert landing(low, low, 5, 15, base=500.0, leg=200.0, fps=30.0, p=p, near_ground_leg=p.landing_toe_ground_leg) == pytest.approx(10.3, abs=0.03)


def test_a_landing_whose_approach_slows_is_timed_at_the_stance_level_not_the_kink():
    """MediaPipe's far heel of a rendered 30 fps pass (heldout_501, frames 28-51, cleaned unsmoothed and smoothed),
    which touches down at 10.65 here (the render's truth). Its descent slows over its last three frames (12, 6, 4, 1
    px a frame): the hinge's kink lies where it slowed, 8.4, two frames early, with the heel still about 7 px (8 % leg)
    up; the landing is timed where it comes within 3 % leg of its stance level, 9.8, within a frame."""
    from formcheck.event_fits import landing, stance_base

    light = np.array([335.3, 316.4, 300.8, 295.3, 298.0, 313.6, 319.2, 326.2, 338.1, 344.1, 348.3, 349.6, 349.6, 349.5,
                      349.6, 350.9, 349.1, 348.2, 347.3, 337.7, 320.9, 302.6, 306.0, 309.4])
    smooth = np.array([334.6, 316.9, 301.3, 295.2, 300.1, 310.5, 319.7, 327.9, 336.8, 344.2, 348.3, 349.6, 349.6, 349.6,
                       350.0, 350.0, 349.6, 349.2, 346.6, 336.5, 319.9, 306.9, 304.0, 307.3])
    base, leg, touchdown = stance_base(light, 11, 17), 89.0, 10.65
    p = EventParams()
    at_kink = landing(light, smooth, 6, 14, base, leg, 30.0, replace(p, landing_level_leg=1.0))  # any height counts: the kink
    at_level = landing(light, smooth, 6, 14, base, leg, 30.0, p)
    assert at_kink == pytest.approx(8.4, abs=0.1) and touchdown - at_kink > 2
    assert at_level == pytest.approx(9.79, abs=0.05) and abs(at_level - touchdown) < 1


def test_arrival_at_level_follows_the_kink_closely_or_not_at_all():
    """Image y, down = +; level 95. From a kink at 2.0 where the fit puts the landmark at 90: linear to the next
    finite sample at or past the level (a missing sample between is stepped over), only within the window; a landmark
    already at the level at the kink, or that never reaches it in time, is timed at the kink."""
    from formcheck.event_fits import arrival_at_level

    y = np.array([80.0, 85.0, 90.0, np.nan, 99.0, 100.0])
    assert arrival_at_level(y, 2.0, 90.0, 95.0, 4) == pytest.approx(2.0 + 2.0 * 5.0 / 9.0)  # 90 at 2.0 -> 99 at 4.0
    assert arrival_at_level(y, 2.0, 90.0, 95.0, 1.5) == 2.0  # the level is reached after 4.0 > 2.0 + 1.5
    assert arrival_at_level(y, 2.4, 91.0, 95.0, 2) == pytest.approx(2.4 + 1.6 * 4.0 / 8.0)  # from the fit's point
    assert arrival_at_level(y, 2.0, 95.0, 95.0, 4) == 2.0  # at the level at the kink
    assert arrival_at_level(np.array([80.0, 85.0, 90.0, 93.0, 94.0, 94.0]), 2.0, 90.0, 95.0, 3) == 2.0  # never gets there


def test_a_heel_already_down_when_the_toe_lands_times_the_contact():
    """Leg 200 px (ground band 0.02 x 200 = 4 px, contact level 0.01 x 200 = 2 px). The heel slows as it comes down
    (40, 30, 20, 12, 6, 3, 1, 0 px up: no kink for the landing fit) and the toe lands at frame 7.3. The heel was down
    (<= 4 px) in frame 7, before the toe: the foot touched when the heel came within 2 px, 5 + (3 - 2) / (3 - 1) = 5.5.
    A heel still 10 px up when the toe lands leaves the toe's landing alone (a toe-first landing)."""
    from formcheck.events import heel_down_before_toe

    p = EventParams()
    heel = np.array([40.0, 30, 20, 12, 6, 3, 1, 0, 0, 0, 0, 0])
    assert heel_down_before_toe(heel, 7.3, 0, 200.0, 30.0, p) == pytest.approx(5.5)
    toe_first = np.array([40.0, 35, 30, 25, 20, 15, 12, 10, 5, 0, 0, 0])
    assert heel_down_before_toe(toe_first, 7.3, 0, 200.0, 30.0, p) is None
    assert heel_down_before_toe(heel, 7.3, 7, 200.0, 30.0, p) is None  # the descent lies before the searched span


def test_zeni_contacts_of_a_leg_without_landings_move_to_the_descent():
    """Far leg: no landings, Zeni contacts at 0.45 / 1.15 s, the foot down at track index 47.5 -> 0.475 s.
    A leg with three landings keeps its own timing (contacts_by_rhythm's business), as does a far contact
    with no descent seen."""
    from formcheck.events import zeni_contacts_by_descent

    near = [_stance("left", c + 0.02, c + 0.25, c) for c in (0.1, 0.8, 1.5)]
    far = [_stance("right", c, c + 0.25, c, contact_method="zeni") for c in (0.45, 1.15)]
    out = zeni_contacts_by_descent(near + far, {("right", 0.45): 47.5}, _clock_track(), EventParams())
    assert out[:3] == near
    assert out[3].contact_at_s == pytest.approx(0.475) and out[3].contact_index == 48
    assert out[3].contact_method == "descent"
    assert out[4] == far[1]
    near_zeni = [replace(s, contact_method="zeni", contact_at_s=s.candidate_at_s) for s in near]
    landed = zeni_contacts_by_descent(near + near_zeni[:1], {("left", 0.1): 11.0}, _clock_track(), EventParams())
    assert landed[-1] == near_zeni[0]  # its leg has 3 landings


def test_far_toe_off_by_symmetry_takes_the_knee_turn_when_closer():
    """Near contact times 0.25 s; a far toe lift at 0.12 s is 0.13 s short, the knee's turn at 0.24 s wins."""
    from formcheck.events import EventParams, toe_offs_by_symmetry

    near = [_stance("left", c, c + 0.25, c) for c in (0.1, 0.8, 1.5)]
    far = _stance("right", 0.45, 0.57, 0.45)
    knee = {("right", far.contact_index): 0.69 * 100.0}  # track index of the knee's turn (100 fps)
    out = toe_offs_by_symmetry(near + [far], knee, {"left": 0.99, "right": 0.9}, _clock_track(), 70.0, EventParams())
    assert out[-1].toe_off_at_s == pytest.approx(0.69)
    assert out[-1].toe_off_index == 69 and out[-1].toe_off_method == "knee_extension"
    # a lift that agrees with the near leg (0.24 s) stays
    ok = _stance("right", 0.45, 0.69, 0.45)
    assert toe_offs_by_symmetry(near + [ok], {("right", ok.contact_index): 75.0}, {"left": 0.99, "right": 0.9},
                                _clock_track(), 70.0, EventParams())[-1] == ok


def test_a_better_seen_toe_lift_far_shorter_than_the_other_legs_stances_is_no_toe_off():
    """Far contact times 0.27 s (3 stances); a near toe lift 0.07 s after contact (MediaPipe's toe placed low at the
    landing, rising as the foot rolls: heldout_509) is under half of that: the knee's turn at 0.26 s is taken. A near
    lift at 0.16 s (0.6 of it) is left to the near leg's own checks."""
    from formcheck.events import EventParams, toe_offs_by_symmetry

    far = [_stance("right", c, c + 0.27, c) for c in (0.1, 0.8, 1.5)]
    near = [_stance("left", c, c + 0.25, c) for c in (0.45, 1.15)]
    short = _stance("left", 1.85, 1.92, 1.85)
    knee = {("left", short.contact_index): 2.11 * 100.0}  # track index of the knee's turn (100 fps)
    trust = {"left": 0.99, "right": 0.9}
    out = toe_offs_by_symmetry(far + near + [short], knee, trust, _clock_track(300), 70.0, EventParams())
    assert out[-1].toe_off_at_s == pytest.approx(2.11) and out[-1].toe_off_method == "knee_extension"
    less_short = _stance("left", 1.85, 2.01, 1.85)
    assert toe_offs_by_symmetry(far + near + [less_short], {("left", less_short.contact_index): 211.0}, trust,
                                _clock_track(300), 70.0, EventParams())[-1] == less_short


def test_toe_off_by_regularity_takes_the_candidate_that_matches_the_leg():
    """Contact times 0.25 s on three stances; a fourth at 0.12 s (a toe 'lift' on a wobble) has a knee turn
    at 0.24 s: the knee's turn becomes its toe-off. A stance with no agreeing candidate keeps its toe-off."""
    from formcheck.events import EventParams, toe_offs_by_regularity

    fps = 100.0
    regular = [_stance("left", c, c + 0.25, c) for c in (0.1, 0.8, 1.5)]
    odd = _stance("left", 1.2, 1.32, 1.2)  # candidate_at_s 1.2 -> track index 120
    other = {("left", 120.0): {"toe_lift": 132.0, "knee_extension": 144.0}}
    out = toe_offs_by_regularity(regular + [odd], other, _clock_track(), period=70.0, p=EventParams())
    assert out[-1].toe_off_at_s == pytest.approx(1.44) and out[-1].toe_off_method == "knee_extension"
    assert out[:3] == regular
    none_agrees = {("left", 120.0): {"toe_lift": 132.0, "knee_extension": 1.2 * fps + 35.0}}  # 0.35 s: off too
    assert toe_offs_by_regularity(regular + [odd], none_agrees, _clock_track(), 70.0, EventParams())[-1] == odd


def test_a_toe_lift_the_knee_contradicts_well_after_it_is_marked_uncertain():
    """A toe "lift" 0.14 s before the knee stops extending (a watermark over the stance foot: MediaPipe's toe rises
    while the shoe is down) stays the toe-off, marked uncertain; a knee turn within 0.1 s of the lift agrees, one
    before it is no contradiction, and a toe-off another rule already took from the knee is left alone."""
    from formcheck.events import LIFT_BEFORE_KNEE, EventParams, with_knee_disagreement_doubts

    lifted = _stance("left", 1.2, 1.32, 1.2)  # candidate_at_s 1.2 s -> track index 120; the lift at index 132
    cases = {146.0: (LIFT_BEFORE_KNEE,), 141.0: (), 128.0: ()}  # the knee's turn (track index) -> doubts
    for knee, doubts in cases.items():
        out = with_knee_disagreement_doubts([lifted], {("left", 120.0): {"knee_extension": knee}}, _clock_track(),
                                            EventParams())
        assert out[0].doubts == doubts, knee
        assert out[0].toe_off_at_s == lifted.toe_off_at_s
    by_knee = _stance("left", 1.2, 1.46, 1.2, toe_off_method="knee_extension")
    assert with_knee_disagreement_doubts([by_knee], {("left", 120.0): {"knee_extension": 146.0}}, _clock_track(),
                                         EventParams()) == [by_knee]
    assert with_knee_disagreement_doubts([lifted], {}, _clock_track(), EventParams()) == [lifted]
    implied = replace(lifted, marker_implied=True)  # a planted stance's marker: no knee turn was weighed there
    assert with_knee_disagreement_doubts([implied], {("left", 120.0): {"knee_extension": 146.0}}, _clock_track(),
                                         EventParams()) == [implied]


@pytest.mark.parametrize("fps", [50, 60])
def test_toes_lifting_early_under_an_overlay_leave_their_steps_uncertain(fps):
    """A watermark over both stance feet: MediaPipe's toes rise 0.12 leg over the last 6 frames of each stance at
    50 fps, 8 at 60 (0.12-0.13 s; a rendered runner's phone copy, heldout_569: every toe-off 100-160 ms early,
    contact times 0.16 s short, no warning). No rule that weighs one leg against the other can tell, both legs being
    alike; the knee, still extending, contradicts each lift, so each such step is uncertain. The same runner filmed
    clean has no such doubt."""
    from formcheck.events import LIFT_BEFORE_KNEE

    g = simulate_gait(GaitParams(fps=fps, duration_s=4.0, cadence_spm=145, speed_m_s=2.3))
    track = to_pose_track(g)
    kp = track.keypoints_px.copy()
    leg = body_scale_px(kp)
    for st in g.truth["steps"]:
        toe_off = st["toe_off_frame"]
        if toe_off is not None:
            kp[toe_off - round(0.13 * fps) : toe_off + 1, lm.LEG[st["side"]]["foot_index"], 1] -= 0.12 * leg
    true_toe_offs = [st["toe_off_frame"] for st in g.truth["steps"] if st["toe_off_frame"] is not None]
    steps = _events_of(track.with_keypoints(kp)).steps
    early = [s for s in steps if s.toe_off_index is not None
             and min(true_toe_offs, key=lambda f: abs(f - s.toe_off_index)) - s.toe_off_index >= 3]
    assert len(early) >= 6
    assert all(LIFT_BEFORE_KNEE in s.doubts for s in early)
    assert not any(LIFT_BEFORE_KNEE in s.doubts for s in _events_of(track).steps)


def test_a_toe_off_only_the_toes_most_posterior_point_timed_takes_the_legs_contact_time():
    """The toe keeps moving back after it leaves the ground (its most posterior point 7-8 frames late on the
    renders): with three stances of 0.24-0.26 s timed by lift or knee, a stance the most posterior point put at
    0.35 s ends at 0.25 s. The other leg, with one timed stance of its own (0.3 s), takes that leg's 0.25 s for
    its posterior stance (0.45 + 0.25 = 0.70 s, not 0.80); the timed stances keep theirs."""
    from formcheck.events import EventParams, toe_offs_by_contact_time

    timed = [_stance("left", 0.1, 0.34, 0.1), _stance("left", 0.8, 1.05, 0.8, toe_off_method="knee_extension"),
             _stance("left", 1.5, 1.76, 1.5)]
    posterior = _stance("left", 1.1, 1.45, 1.1, toe_off_method="toe_posterior")
    other_leg = [_stance("right", 0.45, 0.8, 0.45, toe_off_method="toe_posterior"), _stance("right", 1.15, 1.45, 1.15)]
    out = toe_offs_by_contact_time(timed + [posterior] + other_leg, {"left": 1.0, "right": 1.0}, _clock_track(), EventParams())
    assert out[3].toe_off_at_s == pytest.approx(1.35) and out[3].toe_off_method == "rhythm" and out[3].toe_off_index == 135
    assert out[4].toe_off_at_s == pytest.approx(0.70) and out[4].toe_off_method == "rhythm"
    assert out[:3] == timed and out[5] == other_leg[1]
    # a lender not well seen (MediaPipe unsure of that leg) lends nothing
    hidden = toe_offs_by_contact_time(timed + [posterior] + other_leg, {"left": 0.6, "right": 1.0}, _clock_track(), EventParams())
    assert hidden[3] == out[3] and hidden[4] == other_leg[0]


def test_a_leg_grossly_shorter_on_the_ground_than_the_better_seen_one_takes_its_contact_time():
    """The better seen (right) leg stays down 0.25 s a stance; the other's toe "lifts" 0.12-0.14 s after contact on
    every stance (0.52 of it: the far toe lost as the near leg swings past). Its toe-offs become contact + 0.25 s,
    marked uncertain, and so are a leg's at 0.72 of it (a 120 fps far leg, heldout_821); a leg at 0.8 of the other (a
    runner's real asymmetry is 10-15 % at most) is left alone."""
    from formcheck.events import OTHER_LEG_CONTACT_TIME, EventParams, toe_offs_by_the_better_seen_leg

    seen = [_stance("right", 0.45, 0.70, 0.45), _stance("right", 1.15, 1.40, 1.15, toe_off_method="knee_extension"),
            _stance("right", 1.85, 2.10, 1.85)]
    short = [_stance("left", 0.1, 0.23, 0.1), _stance("left", 0.8, 0.92, 0.8), _stance("left", 1.5, 1.64, 1.5)]
    trust = {"left": 0.8, "right": 0.95}
    out = toe_offs_by_the_better_seen_leg(short + seen, trust, _clock_track(n=300), EventParams())
    assert [s.toe_off_at_s for s in out[:3]] == pytest.approx([0.35, 1.05, 1.75])
    assert all(s.toe_off_method == "rhythm" and OTHER_LEG_CONTACT_TIME in s.doubts for s in out[:3])
    assert out[3:] == seen
    shorter = [_stance("left", 0.1, 0.28, 0.1), _stance("left", 0.8, 0.98, 0.8), _stance("left", 1.5, 1.68, 1.5)]
    out = toe_offs_by_the_better_seen_leg(shorter + seen, trust, _clock_track(n=300), EventParams())
    assert [s.toe_off_at_s for s in out[:3]] == pytest.approx([0.35, 1.05, 1.75])
    near_enough = [_stance("left", 0.1, 0.30, 0.1), _stance("left", 0.8, 1.0, 0.8), _stance("left", 1.5, 1.70, 1.5)]
    assert toe_offs_by_the_better_seen_leg(near_enough + seen, trust, _clock_track(n=300), EventParams()) == near_enough + seen
    # the better seen leg not well seen, or with fewer than 3 timed stances: nothing to lean on
    assert toe_offs_by_the_better_seen_leg(short + seen, {"left": 0.6, "right": 0.8}, _clock_track(n=300), EventParams()) == short + seen
    assert toe_offs_by_the_better_seen_leg(short + seen[:2], trust, _clock_track(n=300), EventParams()) == short + seen[:2]


def test_a_posterior_toe_off_stays_where_neither_leg_has_enough_timed_stances():
    """Two timed stances a leg are no contact time to lean on (``offset_min_landings`` = 3): left as found."""
    from formcheck.events import EventParams, toe_offs_by_contact_time

    steps = [_stance("left", 0.1, 0.34, 0.1), _stance("left", 0.8, 1.05, 0.8),
             _stance("left", 1.5, 1.85, 1.5, toe_off_method="toe_posterior"),
             _stance("right", 0.45, 0.7, 0.45), _stance("right", 1.15, 1.4, 1.15),
             _stance("right", 1.85, 2.2, 1.85, toe_off_method="toe_posterior")]
    assert toe_offs_by_contact_time(steps, {"left": 1.0, "right": 1.0}, _clock_track(n=300), EventParams()) == steps


def test_contact_by_rhythm_retimes_an_odd_contact_and_keeps_a_doubt():
    """Three landings 20 ms after their Zeni instants; a fourth 90 ms before its own (a pause in a jittery
    descent) is moved to Zeni + 20 ms, marked 'rhythm' and keeps a doubt; one within tolerance is left alone."""
    from formcheck.events import EventParams, contacts_by_rhythm

    regular = [_stance("left", c + 0.02, c + 0.27, c) for c in (0.1, 0.8, 1.5)]
    odd = _stance("left", 1.11, 1.45, 1.2)
    out = contacts_by_rhythm(regular + [odd], _clock_track(), period=70.0, p=EventParams())
    fixed = out[-1]
    assert fixed.contact_at_s == pytest.approx(1.22) and fixed.contact_index == 122
    assert fixed.contact_method == "rhythm" and fixed.doubts
    assert out[:3] == regular
    close = _stance("left", 1.19, 1.45, 1.2)  # 30 ms from the rhythm: within 0.1 stride (70 ms)
    assert contacts_by_rhythm(regular + [close], _clock_track(), 70.0, EventParams())[-1] == close


# ------------------------------------------------------------------- the stride template
def _template_case():
    from formcheck.events import _index_at

    g = simulate_gait(GaitParams(fps=30, duration_s=6.0))
    cleaned = clean_track(to_pose_track(g, noise_px=0.5, seed=4))
    ev = detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=cleaned.light)
    return cleaned, ev, _index_at


def test_stride_template_brings_a_contact_put_two_frames_early_back():
    """A detector slip: one contact (and nothing else) put 2 frames early. The leg's stride template returns it to
    within half a frame of where the detector had it, with its frame and toe-off order intact."""
    from dataclasses import replace

    from formcheck.events import aligned_on_stride_template

    cleaned, ev, index_at = _template_case()
    steps = list(ev.steps)
    i = next(k for k, s in enumerate(steps) if s.side == "left" and index_at(cleaned.track, s.contact_at_s) > 40)
    good = steps[i]
    fps = float(cleaned.track.fps)
    steps[i] = replace(good, contact_at_s=good.contact_at_s - 2.0 / fps, contact_index=good.contact_index - 2)
    out = aligned_on_stride_template(steps, cleaned.light, cleaned.track, ev.facing, ev.stride_period_frames, EventParams())
    back = out[i]
    assert abs(back.contact_at_s - good.contact_at_s) * fps <= 0.5
    assert abs(back.contact_index - good.contact_index) <= 1
    assert back.contact_at_s < back.toe_off_at_s and back.contact_index <= back.toe_off_index


def test_stride_template_never_moves_a_contact_past_its_toe_off():
    """The same slip, but the step's toe-off (wrongly) half a frame after the slipped contact: the contact the template
    wants is later than that toe-off, so the step keeps its order (contact, then toe-off)."""
    from dataclasses import replace

    from formcheck.events import aligned_on_stride_template

    cleaned, ev, index_at = _template_case()
    steps = list(ev.steps)
    i = next(k for k, s in enumerate(steps) if s.side == "left" and index_at(cleaned.track, s.contact_at_s) > 40)
    good = steps[i]
    fps = float(cleaned.track.fps)
    early = good.contact_at_s - 2.0 / fps
    steps[i] = replace(good, contact_at_s=early, contact_index=good.contact_index - 2,
                       toe_off_at_s=early + 0.5 / fps, toe_off_index=good.contact_index - 2)
    out = aligned_on_stride_template(steps, cleaned.light, cleaned.track, ev.facing, ev.stride_period_frames, EventParams())
    s = out[i]
    assert s.contact_at_s < s.toe_off_at_s and s.contact_index <= s.toe_off_index
    assert s.contact_at_s == early  # not moved: it would have crossed its toe-off


# ------------------------------------------------------------------- a foot lost around an event
@pytest.mark.parametrize("gap", [2, 4])
def test_a_foot_lost_just_before_contact_makes_its_step_uncertain(gap):
    """A foot's heel and toe missing for ``gap`` frames right before a true contact (at 30 fps the cleaning
    interpolates gaps of up to 0.1 s: the 2-frame gap is filled in, the 4-frame one left empty; either way the
    foot was not seen there): that step's contact may be late, so it carries a doubt; the others do not."""
    g = simulate_gait(GaitParams(fps=30, duration_s=6.0))
    track = to_pose_track(g)
    true = g.truth["steps"][4]
    leg = lm.LEG[true["side"]]
    kp = track.keypoints_px.copy()
    kp[true["contact_frame"] - gap : true["contact_frame"], [leg["heel"], leg["foot_index"]], :] = np.nan
    cleaned = clean_track(track.with_keypoints(kp))
    events = detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=cleaned.light, filled=cleaned.filled)
    lost = [s for s in events.steps if s.side == true["side"] and abs(s.contact_index - true["contact_frame"]) <= 2]
    assert len(lost) == 1 and any("not tracked just before contact" in d for d in lost[0].doubts)
    others = [s for s in events.steps if s is not lost[0]]
    assert len(others) >= 8 and not any("not tracked" in d for s in others[1:-1] for d in s.doubts)


@pytest.mark.parametrize("seen_after_contact", [3, 6, 10])
def test_a_runner_lost_for_good_gives_no_contact_at_the_loss(seen_after_contact):
    """The runner leaves the frame (or the model loses them) ``seen_after_contact`` frames after a true contact at
    60 fps, and the track is empty from there to the end. Measured before the rule: a spurious contact of the
    other foot at the last frames seen (at 6 and 10 frames; the overground pass's cadence was +3.2 % from it).
    Now every contact found is a true one within a frame, and the last true contact is kept once its foot was seen
    standing 0.1 s (6 frames); seen for 3 frames (50 ms, shorter than any running stance) it is not a contact."""
    g = simulate_gait(GaitParams(fps=60, duration_s=4.0))
    track = to_pose_track(g)
    last = g.truth["steps"][-3]
    kp = track.keypoints_px.copy()
    kp[last["contact_frame"] + seen_after_contact :] = np.nan
    cleaned = clean_track(track.with_keypoints(kp))
    events = detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=cleaned.light, filled=cleaned.filled)
    truth = [t for t in g.truth["steps"] if t["contact_frame"] <= last["contact_frame"]]
    spurious = [(s.side, s.contact_index) for s in events.steps
                if not any(t["side"] == s.side and abs(s.contact_index - t["contact_frame"]) <= 1 for t in truth)]
    assert not spurious, spurious
    kept = any(s.side == last["side"] and abs(s.contact_index - last["contact_frame"]) <= 1 for s in events.steps)
    assert kept == (seen_after_contact >= 6)


# ------------------------------------------------------------------- the clip's first and last stances
def _events_of(track, params: EventParams = EventParams()):
    cleaned = clean_track(track)
    return detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=cleaned.light, params=params,
                         filled=cleaned.filled)


def _untrue_events(g, steps, shift: int = 0) -> list[tuple]:
    """Steps (track indices + ``shift`` = the model's frames) whose contact, or toe-off, is not within a frame of a
    true one; the model's strides are continued one stride before and after its listed steps."""
    stride = g.truth["stride_time_s"] * g.truth["fps"]
    truth = [(t["side"], t["contact_frame"] + k * stride, t["toe_off_frame"] + k * stride) for t in g.truth["steps"] for k in (-1, 0, 1)]
    wrong = []
    for s in steps:
        near = [t for t in truth if t[0] == s.side and abs(s.contact_index + shift - t[1]) <= 1]
        if not near or (s.toe_off_index is not None and abs(s.toe_off_index + shift - near[0][2]) > 1):
            wrong.append((shift, s.side, s.contact_index, s.toe_off_index))
    return wrong


@pytest.mark.parametrize("fps", [60, 120])
def test_a_contact_soon_after_the_clip_starts_is_found(fps):
    """The clip starts 0.1 s before a true contact, so the foot's forward swing before it is partly cut off: the
    most-anterior peak stands out from the clip's start by less than zeni_min_prominence_leg (measured 0.11-0.19
    leg on the renders and the synthetic model), and the stance was dropped. Its fall is seen whole, and the landing
    is seen whole: the contact is found within a frame (before: missed at 60 and 120 fps)."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=4.0))
    first = g.truth["steps"][2]
    start = first["contact_frame"] - round(0.1 * fps)
    events = _events_of(to_pose_track(g).take(np.arange(start, round(4.0 * fps))))
    found = [s for s in events.steps if s.side == first["side"] and abs(s.contact_index - (first["contact_frame"] - start)) <= 1]
    assert len(found) == 1 and found[0].contact_method == "landing"
    assert abs(found[0].toe_off_index - (first["toe_off_frame"] - start)) <= 1


@pytest.mark.parametrize("fps", [30, pytest.param(60, marks=pytest.mark.slow)])  # 60 fps: 7 s, in the slow tier
def test_a_clip_starting_anywhere_in_the_stride_gives_only_true_events(fps):
    """The model cut to start at every frame of one stride (and to end at a different phase too): every contact and
    toe-off found is within a frame of a true one (the model's strides continued one stride beyond its listed
    steps), i.e. a swing the clip cuts gives no contact unless its landing is seen whole. (Without the landing's
    margin from the clip's start, a 30 fps clip starting 2 frames before a contact got it 2 frames late.)"""
    g = simulate_gait(GaitParams(fps=fps, duration_s=3.0))
    track = to_pose_track(g)
    wrong = []
    for start in range(round(g.truth["stride_time_s"] * fps)):
        for end in (track.n_frames, track.n_frames - start // 2 - 1):
            events = _events_of(track.take(np.arange(start, end)))
            wrong += _untrue_events(g, events.steps, shift=start) + _untrue_leading_toe_offs(g, events, shift=start)
    assert not wrong, wrong


def _untrue_leading_toe_offs(g, events, shift: int) -> list[tuple]:
    """Toe-offs before a leg's first contact (:attr:`GaitEvents.leading_toe_offs`) not within a frame of a true one."""
    stride = g.truth["stride_time_s"] * g.truth["fps"]
    truth = [(t["side"], t["toe_off_frame"] + k * stride) for t in g.truth["steps"] for k in (-1, 0, 1)]
    return [("leading toe-off", shift, e.side, e.index) for e in events.leading_toe_offs
            if not any(side == e.side and abs(e.index + shift - f) <= 1 for side, f in truth)]


@pytest.mark.parametrize("fps", [30, 60])
def test_the_stances_the_clip_cuts_give_their_events(fps):
    """A clip that starts 0.1 s into a stance and ends 0.1 s after a contact. The first stance's toe-off (its contact
    is before the clip) and the last contact (its toe-off after it) are timed, from the leg's stride template, within
    a frame, and listed in the result's events as not measured; the steps hold only the stances shown whole. Before,
    neither event was reported (treadmill_side_01 lost its first toe-off and last contact this way)."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=5.0))
    steps = g.truth["steps"]
    first, last = steps[1], steps[-2]
    start, end = first["contact_frame"] + round(0.1 * fps), last["contact_frame"] + round(0.1 * fps)
    analysis = analyze_track(to_pose_track(g).take(np.arange(start, end + 1)))
    cut = [(e.side, e.kind, e.frame) for e in analysis.result.events if not e.measured]
    assert [(side, kind) for side, kind, _ in cut] == [(first["side"], "toe_off"), (last["side"], "contact")], cut
    assert abs(cut[0][2] - first["toe_off_frame"]) <= 1 and abs(cut[1][2] - last["contact_frame"]) <= 1
    assert all(e.timing_uncertain for e in analysis.result.events if e.method == "template")  # placed, not seen whole
    measured = [e for e in analysis.result.events if e.measured]
    assert len(measured) == 2 * len(analysis.steps) and not any(e.method == "template" for e in measured)
    assert {(e.side, e.frame) for e in measured if e.kind == "contact"} == {(s.side, s.contact_frame) for s in analysis.steps}


@pytest.mark.parametrize("fps", [30, 60])
def test_a_pass_of_three_stances_a_leg_gives_the_events_of_its_cut_strides(fps):
    """A runner crossing the frame shows three whole stances a leg (issue: "an overground pass of 3 steps a leg is
    analysed"). The model on a treadmill, cut to start 0.1 s into a stance and end 0.1 s after a contact, with three
    whole stances of each leg between: the first toe-off and the last contact are timed within a frame and listed as
    not measured. The first toe-off (placed on the stride template) was dropped while a leg needed 4 steps
    (``template_min_steps``) for any event of a cut stride; the last contact the landing rule finds itself."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=5.0))
    steps = g.truth["steps"]
    first, last = steps[1], steps[8]  # steps 2-7: three whole stances of each leg
    start, end = first["contact_frame"] + round(0.1 * fps), last["contact_frame"] + round(0.1 * fps)
    analysis = analyze_track(to_pose_track(g).take(np.arange(start, end + 1)))
    assert sorted(s.side for s in analysis.steps) == ["left"] * 3 + ["right"] * 3
    cut = [(e.side, e.kind, e.frame) for e in analysis.result.events if not e.measured]
    assert [(side, kind) for side, kind, _ in cut] == [(first["side"], "toe_off"), (last["side"], "contact")], cut
    assert abs(cut[0][2] - first["toe_off_frame"]) <= 1 and abs(cut[1][2] - last["contact_frame"]) <= 1, cut


def test_a_placed_last_contact_may_settle_over_three_frames():
    """A real heel lands 4-10 % leg above its stance level and sinks to it over the next 3-4 frames at 30 fps
    (treadmill_side_01's near heel). A clip ending 3 frames after a contact (the model at 30 fps, 2 px of landmark
    noise): that contact is placed on the leg's stride template and kept where the foot comes within 5 % leg of its
    stance level soon after. With the heel and toe held 5.5 % leg up on the placed frame and the 2 after it, down on
    the third, it is kept over 0.15 stride (``placed_settle_stride``, 3 frames here) and was dropped over 0.1 (2
    frames; treadmill_side_01's last contact on four of its copies)."""
    from formcheck.events import PLACED, events_in_cut_strides

    g = simulate_gait(GaitParams(fps=30, duration_s=5.0))
    last = g.truth["steps"][-2]
    c, side = int(last["contact_frame"]), last["side"]
    cleaned = clean_track(to_pose_track(g, noise_px=2.0, seed=3).take(np.arange(0, c + 4)))
    facing = detect_direction(cleaned.track).facing
    events = detect_events(cleaned.track, facing, light=cleaned.light, filled=cleaned.filled)
    steps = [s for s in events.steps if not (s.side == side and s.contact_index >= c - 2)]  # the clip cut its landing

    def placed(light, params=EventParams()):
        out, _ = events_in_cut_strides(steps, light, cleaned.track, facing, events.stride_period_frames, params)
        return [s.contact_index for s in out if s.side == side and s.contact_method == PLACED]

    (i,) = placed(cleaned.light)
    assert abs(i - c) <= 1
    kp = cleaned.light.keypoints_px.copy()
    leg_px = g.truth["leg_length_px"][side]
    for j in (lm.LEG[side]["heel"], lm.LEG[side]["foot_index"]):
        kp[i : i + 3, j, 1] = kp[i + 3, j, 1] - 0.055 * leg_px  # image y: up is less
    settling = cleaned.light.with_keypoints(kp)
    assert placed(settling) == [i]
    assert placed(settling, EventParams(placed_settle_stride=0.1)) == []


@pytest.mark.parametrize("fps, margin", [(30, 1), (60, 2), (120, 3)])
def test_events_a_few_frames_from_the_clip_edges_are_timed_on_the_foot(fps, margin):
    """A clip that starts ``margin`` frames before a toe-off and ends ``margin`` frames after a contact. The stride
    template cannot be laid on so little of those strides (70 % of its window in view), and both events were lost
    (the renders: none of the 42 events within 2 frames of a clip's edge found). Timed on the foot itself, the frame
    on which the toe leaves its stance level after resting there and the one on which the foot comes down to it and
    stays, each less how far that trails the leg's own events on its whole stances (at 60-120 fps the toe crosses the
    lift height 3-6 frames after it leaves), they are within a frame, listed as not measured and uncertain (method
    "edge"), and no other event is added."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=5.0))
    steps = g.truth["steps"]
    first, last = steps[1], steps[-2]
    start, end = first["toe_off_frame"] - margin, last["contact_frame"] + margin
    analysis = analyze_track(to_pose_track(g).take(np.arange(start, end + 1)))
    cut = [(e.side, e.kind, e.frame, e.method, e.timing_uncertain) for e in analysis.result.events if not e.measured]
    assert [c[:2] for c in cut] == [(first["side"], "toe_off"), (last["side"], "contact")], cut
    assert abs(cut[0][2] - first["toe_off_frame"]) <= 1 and abs(cut[1][2] - last["contact_frame"]) <= 1, cut
    assert all(method == AT_EDGE and uncertain for *_, method, uncertain in cut), cut
    assert all(e.method != AT_EDGE for e in analysis.result.events if e.measured)


@pytest.mark.parametrize("fps", [60, 120])
def test_a_leading_toe_off_is_found_when_the_first_poses_place_the_toe_high(fps):
    """MediaPipe's first poses of a clip may place a standing toe above the level the later stances show (fresh
    renders: 0.07-0.1 leg up over the 8-15 frames before the first toe-off at 60-120 fps). Measured against that
    later level the toe was never down, and the stance's toe-off, placed on the stride template, was dropped (12
    leading toe-offs of 311 renders). Its lift is now measured from where the toe rested over the 0.1 stride before
    it: the model's toe held at least 0.08 leg up from the clip's third frame until it lands again (landmarks with 2 px
    of noise) gives its leading toe-off within a frame (none before), and none where a rest that high is not allowed
    (``leading_rest_max_leg`` 0.06)."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=4.0))
    first = g.truth["steps"][2]
    o = int(first["toe_off_frame"])
    lands_again = next(int(s["contact_frame"]) for s in g.truth["steps"] if s["side"] == first["side"] and s["contact_frame"] > o)
    start = o - round(0.2 * fps)  # the clip starts in the stance's last 0.2 s
    track = to_pose_track(g, noise_px=2.0).take(np.arange(start, round(4.0 * fps)))
    toe, leg_px = lm.LEG[first["side"]]["foot_index"], g.truth["leg_length_px"][first["side"]]

    kp = track.keypoints_px.copy()
    level = np.nanmax(kp[: o - start + 1, toe, 1])
    kp[2 : lands_again - start, toe, 1] = np.minimum(kp[2 : lands_again - start, toe, 1], level - 0.08 * leg_px)

    def leading(params: EventParams = EventParams()) -> list:
        return [e for e in _events_of(track.with_keypoints(kp), params).leading_toe_offs if e.side == first["side"]]

    (lead,) = leading()
    assert abs(lead.index - (o - start)) <= 1, (lead, o - start)
    assert leading(EventParams(leading_rest_max_leg=0.06)) == []


@pytest.mark.parametrize("fps", [30, 60])
def test_a_runner_first_seen_mid_stride_gives_only_true_events(fps):
    """The model's runner unseen (no landmarks) until a frame anywhere in a stride, as when the pose model first
    finds a runner late: every event found is within a frame of a true one. Before, the unseen start was filled
    with the signal's minimum, so the first frame seen made a most-anterior peak whenever the foot was moving
    back: a contact there at 11 of 22 start frames at 30 fps and 27 of 42 at 60 fps (on the rendered overground
    pass such a false peak hid the near foot's true one: a contact missed)."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=3.0))
    track = to_pose_track(g)
    wrong = []
    for first_seen in range(10, 10 + round(g.truth["stride_time_s"] * fps)):
        kp = track.keypoints_px.copy()
        kp[:first_seen] = np.nan
        wrong += [(first_seen, *w) for w in _untrue_events(g, _events_of(track.with_keypoints(kp)).steps)]
    assert not wrong, wrong


def test_a_toe_that_jumps_as_the_clip_ends_is_not_a_toe_off():
    """The clip ends 3 frames (0.1 s, a third of a stance) after a contact at 30 fps, and the toe landmark jumps 8 %
    of leg length up in the last frame (MediaPipe's toe on the panning copy of treadmill_side_01 did: a "toe-off"
    0.007 s after contact). The stance's ground level is not in the clip, so it has no toe-off (before: one, 1-2
    frames after contact)."""
    g = simulate_gait(GaitParams(fps=30, duration_s=3.0))
    last = g.truth["steps"][-3]
    track = to_pose_track(g).take(np.arange(0, last["contact_frame"] + 4))
    kp = track.keypoints_px.copy()
    toe = lm.LEG[last["side"]]["foot_index"]
    kp[-1, toe, 1] -= 0.08 * g.truth["leg_length_px"][last["side"]]
    events = _events_of(track.with_keypoints(kp))
    cut = [s for s in events.steps if s.side == last["side"] and abs(s.contact_index - last["contact_frame"]) <= 1]
    assert len(cut) == 1 and cut[0].toe_off_index is None


# ------------------------------------------------------------------- a runner crossing the frame in a stride or two
def _short_pass(fps: float, duration_s: float = 1.2, **track_kw):
    g = simulate_gait(GaitParams(fps=fps, duration_s=duration_s, treadmill=False, runner_height_frac=0.3))
    cleaned = clean_track(to_pose_track(g, **track_kw))
    events = detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=cleaned.light)
    truth = [(s["side"], s["contact_frame"], s["toe_off_frame"]) for s in g.truth["steps"]]
    return events, truth


@pytest.mark.parametrize("fps", [30, 60])
def test_short_pass_stances_are_the_planted_feet(fps):
    """1.2 s of an overground pass (under pass_min_strides strides): the stances are where each foot stands
    still in the image. Every true stance is found on its side, contact and toe-off within a frame of the
    model's own foot-ground truth (measured: contacts exact at 60 fps, 1 early at 30; toe-offs exact but
    one, 1 early)."""
    events, truth = _short_pass(fps)
    assert len(truth) >= 3 and len(events.steps) == len(truth)
    assert {s.contact_method for s in events.steps} == {"planted"}
    for (side, c, o), st in zip(truth, events.steps):
        assert st.side == side and abs(st.contact_index - c) <= 1 and abs(st.toe_off_index - o) <= 1
    assert events.stride_period_frames == pytest.approx(2 * np.median(np.diff([c for _, c, _ in truth])), abs=2)


@pytest.mark.parametrize("fps", [30, 60])
def test_short_pass_toe_off_is_the_knees_turn_where_it_agrees_with_the_toe_lift(fps):
    """On a small runner crossing the frame MediaPipe's toe rises before the shoe leaves the ground
    (track_side_short_02's copies: toe-offs 1-6 frames early). As on a longer clip, a knee turn that agrees with
    the toe lift times the toe-off. Here every toe rises 67 ms early: within a frame of the truth, not 2-5 early."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=1.2, treadmill=False, runner_height_frac=0.3))
    track = to_pose_track(g)
    kp = track.keypoints_px.copy()
    lead = round(0.067 * fps)
    for st in g.truth["steps"]:
        toe, o = lm.LEG[st["side"]]["foot_index"], int(st["toe_off_frame"])
        mid, end = (int(st["contact_frame"]) + o) // 2, min(len(kp) - lead, o + 4 * lead)
        kp[mid:end, toe, 1] = track.keypoints_px[mid + lead : end + lead, toe, 1]
    cleaned = clean_track(track.with_keypoints(kp))
    events = detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=cleaned.light)
    truth = [(s["side"], s["toe_off_frame"]) for s in g.truth["steps"]]
    assert len(events.steps) == len(truth) >= 3
    for st, (side, o) in zip(events.steps, truth):
        assert st.side == side and st.toe_off_method == "knee_extension" and abs(st.toe_off_index - o) <= 1, (st, o)


def test_short_pass_sides_alternate_by_step_over_a_stance_not_found():
    """A pass whose second stance was not found (its foot unseen there): the sides alternate step by step, so the
    stances after the gap keep their own sides. Counted stance by stance, the first stance went on the wrong leg (a
    rendered 120 fps pass saved as 4x slow motion: a spurious contact and toe-off)."""
    g = simulate_gait(GaitParams(fps=60, duration_s=1.6, treadmill=False, runner_height_frac=0.3))
    steps = g.truth["steps"]
    assert len(steps) >= 4
    hidden = steps[1]
    track = to_pose_track(g)
    kp = track.keypoints_px.copy()
    foot = [lm.LEG[hidden["side"]][j] for j in ("ankle", "heel", "foot_index")]
    kp[int(hidden["contact_frame"]) - 3 : int(hidden["toe_off_frame"]) + 4, foot] = np.nan
    track = track.with_keypoints(kp)
    events = short_pass_events(track, track, detect_direction(to_pose_track(g)).facing)
    truth = [(s["side"], s["contact_frame"]) for s in steps if s is not hidden]  # (complete stances only)
    found = [(s.side, s.contact_index) for s in events.steps]
    assert found[: len(truth)] == truth
    assert len(found) <= len(truth) + 1 and all(c > steps[-1]["toe_off_frame"] for _, c in found[len(truth) :])  # the
    # stance the clip ends in, after the last complete one
    assert not any(s.other_label for s in events.steps)
    assert events.stride_period_frames == pytest.approx(2 * np.median(np.diff([s["contact_frame"] for s in steps])), abs=2)
    at = np.array  # contact times (s)
    assert list(steps_between(at([144, 238, 284]) / 132.0)) == [2, 1]  # (that slow-motion pass)
    assert list(steps_between(at([100, 150, 198, 250]) / 120.0)) == [1, 1, 1]
    assert list(steps_between(at([100, 160, 200]) / 120.0)) == [1, 1]  # 1.5 steps: not whole steps of one pace
    assert list(steps_between(at([0, 5, 14, 23]) / 30.0)) == [1, 1, 1]  # 0.17 s is no step (a stance the clip starts in)
    assert list(steps_between(at([0, 9, 27, 45, 63]) / 30.0)) == [1, 1, 1, 1]  # a short edge gap sets no unit
    assert list(steps_between(at([0.0, 0.25, 0.75, 1.0]))) == [1, 2, 1]  # (on the clock: frames dropped in a step)


def test_short_pass_stance_on_the_other_legs_label_is_relabelled():
    """MediaPipe swaps a small runner's leg labels for a whole stance (longer than formcheck.clean repairs): the
    sides follow the alternation, so that stance keeps its true side, is marked ``other_label`` (and doubtful),
    and with the frames label_swap_frames gives exchanged back, its stance has the unswapped track's landmarks:
    its angles are its own leg's. (The rule on the swapped track itself, before cleaning.)"""
    g = simulate_gait(GaitParams(fps=60, duration_s=1.2, treadmill=False, runner_height_frac=0.3))
    truth = [(s["side"], s["contact_frame"]) for s in g.truth["steps"]]
    _, c, o = (g.truth["steps"][1][k] for k in ("side", "contact_frame", "toe_off_frame"))
    plain, swapped = to_pose_track(g), to_pose_track(g, swap_frames=tuple(range(c - 6, o + 7)))
    facing = detect_direction(plain).facing
    assert [(s.side, s.contact_index) for s in short_pass_events(plain, plain, facing).steps] == truth
    events = short_pass_events(swapped, swapped, facing)
    assert [(s.side, s.contact_index) for s in events.steps] == truth
    assert [s.other_label for s in events.steps] == [False, True, False]
    assert OTHER_LABEL in events.steps[1].doubts and not events.steps[0].doubts
    span = label_swap_frames(events, swapped.n_frames)
    assert span[c : o + 1].all() and not span[: events.steps[0].toe_off_index + 1].any()
    assert not span[: c - 6].any()
    relabelled = with_legs_swapped(swapped, span)  # the stance, where its metrics are read
    np.testing.assert_allclose(relabelled.keypoints_px[c : o + 1], plain.keypoints_px[c : o + 1])


@pytest.mark.parametrize("fps", [30, 60, 120])
def test_a_stance_just_after_the_runner_is_found_is_the_foot_standing_still(fps):
    """A runner entering the frame is found a few frames before a foot lands, on a first pose placed badly (the
    foot further forward and up): the foot's most anterior point is that first pose, so Zeni gives the stance no
    peak, and the leg's first stance was lost, contact and toe-off (10 of 25 rendered passes). On a pass the foot
    standing still while the body moves on is the stance: found, contact within a frame of the model's truth
    (measured: exact at 30 and 60 fps, 1 early at 120), toe-off within one; not found without the pass's planted
    feet (pass_min_travel_leg out of reach)."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=3.0, treadmill=False, runner_height_frac=0.3))
    first = g.truth["steps"][1]  # once the start is cut, its leg's first stance
    lead = int(first["contact_frame"]) - max(2, round(0.07 * fps))  # the runner found this many frames before it lands
    track = to_pose_track(g, dropout_frames=tuple(range(lead)))
    kp = track.keypoints_px.copy()
    foot = [lm.LEG[first["side"]][j] for j in ("heel", "foot_index", "ankle")]
    leg_px = g.truth["leg_length_px"][first["side"]]
    kp[lead, foot, 0] += (1.0 if g.params.facing == "right" else -1.0) * 0.15 * leg_px
    kp[lead, foot, 1] -= 0.1 * leg_px
    track = track.with_keypoints(kp)
    cleaned, light = clean_track(track), clean_track(track, smooth=False)
    facing = detect_direction(cleaned.track).facing

    def found(p: EventParams) -> list[StepEvents]:
        events = detect_events(cleaned.track, facing, light=light.track, params=p)
        return [s for s in events.steps if s.side == first["side"] and abs(s.contact_index - first["contact_frame"]) <= 3]

    (stance,) = found(EventParams())
    assert stance.contact_method == "planted"
    assert abs(stance.contact_index - first["contact_frame"]) <= 1 and abs(stance.toe_off_index - first["toe_off_frame"]) <= 1
    assert found(EventParams(pass_min_travel_leg=1e9)) == []


@pytest.mark.parametrize("fps", [60, 120])
def test_a_heel_that_comes_down_late_does_not_delay_a_contact_the_belt_already_carries(fps):
    """MediaPipe's far heel and toe can settle onto the belt 2-3 frames after the shoe landed (rendered far feet at
    60-120 fps: contacts 2-3 frames late, all of one leg) while their horizontal motion is on time: the foot already
    moves back with the belt. Here the far foot's height is read 40 ms late, its x on time: every contact within a
    frame of the model's truth (and the lag late without the belt's motion to go by)."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=4.0))
    track = to_pose_track(g)
    side = "left" if g.params.near_side == "right" else "right"
    lag = round(0.04 * fps)
    kp = track.keypoints_px.copy()
    for j in (lm.LEG[side]["heel"], lm.LEG[side]["foot_index"]):
        kp[lag:, j, 1] = track.keypoints_px[:-lag, j, 1]
    late = track.with_keypoints(kp)
    cleaned, light = clean_track(late), clean_track(late, smooth=False)
    facing = detect_direction(cleaned.track).facing
    true = [st["contact_frame"] for st in g.truth["steps"] if st["side"] == side]

    def errors(p: EventParams) -> list[int]:
        steps = [s for s in detect_events(cleaned.track, facing, light=light.track, params=p).steps if s.side == side]
        return [int(s.contact_index - min(true, key=lambda f: abs(f - s.contact_index))) for s in steps]

    found = errors(EventParams())
    assert len(found) >= 5 and all(abs(e) <= 1 for e in found), found
    assert all(e >= lag - 1 for e in errors(EventParams(ground_motion_min_early_frames=10**6))), "the lag must show without the rule"


def test_a_pass_contact_no_landing_times_is_where_the_foot_stops_not_its_zeni_peak():
    """On a pass the foot is most anterior relative to the pelvis (the Zeni peak) while it still swings forward,
    ~25 ms before it lands: 3 frames at 120 fps (rendered passes: 2 of 7 such contacts within 17 ms). Where neither
    the landing fit nor the descent times a contact (here: no leg trusted for the landing rule), the foot standing
    still on the ground times it: within a frame of the model's truth; at the Zeni peak without the planted feet."""
    g = simulate_gait(GaitParams(fps=120, duration_s=3.0, treadmill=False, runner_height_frac=0.3))
    track = to_pose_track(g)
    cleaned, light = clean_track(track), clean_track(track, smooth=False)
    facing = detect_direction(cleaned.track).facing
    half_stride = 0.5 * g.truth["stride_time_s"] * g.params.fps

    def errors(p: EventParams) -> list[tuple[str, int]]:
        events = detect_events(cleaned.track, facing, light=light.track, params=p)
        out = []
        for s in events.steps:
            true = [st["contact_frame"] for st in g.truth["steps"] if st["side"] == s.side]
            nearest = min(true, key=lambda f: abs(f - s.contact_index))
            if abs(nearest - s.contact_index) < half_stride:
                out.append((s.contact_method, int(s.contact_index - nearest)))
        return out

    planted = errors(EventParams(landing_min_visibility=1.01))
    assert len(planted) >= 7 and {m for m, _ in planted} == {"planted"}
    assert all(abs(e) <= 1 for _, e in planted), planted
    found = errors(EventParams(landing_min_visibility=1.01, pass_min_travel_leg=1e9))  # no pass: no planted feet
    zeni = [(m, e) for m, e in found if m != AT_EDGE]
    assert {m for m, _ in zeni} == {"zeni"} and np.median([e for _, e in zeni]) <= -2, zeni
    # a contact at the clip's edge is set on the leg's own contacts' timing: here theirs
    assert all(abs(e - np.median([z for _, z in zeni])) <= 1 for m, e in found if m == AT_EDGE), found
    # the stance keeps its own Zeni peak as its step marker (step and stride times, cadence, run between peaks)
    steps = detect_events(cleaned.track, facing, light=light.track, params=EventParams(landing_min_visibility=1.01)).steps
    inner = steps[1:-1]  # the first and last stances are the clip's edges: no peak of their own
    assert inner and all(s.candidate_at_s is not None and s.candidate_at_s < s.contact_at_s for s in inner)
    # where the foot's descent times a contact (the landing fit off, the descent on), the descent keeps it
    descent = errors(EventParams(landing_noise_factor=1e9))
    assert [m for m, _ in descent].count("descent") >= 6, descent


@pytest.mark.parametrize("fps, early", [(60, 3), (120, 6)])
def test_a_pass_contact_is_averaged_with_the_foots_arrival_on_its_spot(fps, early):
    """MediaPipe's heel often stops coming down a few frames before the shoe lands while the foot still travels
    forward (rendered passes at 60-120 fps: contacts 2-8 frames off). Overground the foot stands where it lands,
    so its arrival on its mid-stance spot is independent evidence of the contact. A heel put at its ground level
    ``early`` frames before each contact (its horizontal motion left as it is): the landing fit is 2 frames early
    at 60 fps, 4 at 120, outside the tolerance (a frame at 60 fps, 17 ms at 120). Averaged with the arrival
    (``contact_method="still_foot"``) every contact at 60 fps is within it, and at 120 fps each is a frame or more
    nearer the truth (the spot is entered 1-2 frames before the foot stops at 120 fps)."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=3.0, treadmill=False, runner_height_frac=0.3))
    track = to_pose_track(g)
    kp = track.keypoints_px.copy()
    for st in g.truth["steps"]:
        c, heel = int(st["contact_frame"]), lm.LEG[st["side"]]["heel"]
        if early <= c < len(kp):
            kp[c - early : c, heel, 1] = kp[c, heel, 1]
    cleaned, light = clean_track(track.with_keypoints(kp)), clean_track(track.with_keypoints(kp), smooth=False)
    facing = detect_direction(cleaned.track).facing
    half_stride = 0.5 * g.truth["stride_time_s"] * fps
    tolerance = max(1, int(0.017 * fps))

    def errors(p: EventParams) -> list[tuple[str, int]]:
        out = []
        for s in detect_events(cleaned.track, facing, light=light.track, params=p).steps:
            nearest = min((st["contact_frame"] for st in g.truth["steps"] if st["side"] == s.side),
                          key=lambda f: abs(f - s.contact_index))
            if abs(nearest - s.contact_index) < half_stride:
                out.append((s.contact_method, int(s.contact_index - nearest)))
        return out

    # the landing alone: never on its spot (-1), and not held to its foot's peak (landings_not_before_their_peak, which
    # at 120 fps already moves two of these a frame nearer, so the arrival no longer needs to)
    averaged, landing = errors(EventParams()), errors(EventParams(still_foot_home_leg=-1.0, landing_before_peak_frames=1e9))
    assert len(averaged) == len(landing) >= 7, (averaged, landing)
    moved = [(e, f) for (m, e), (_, f) in zip(averaged, landing) if m == "still_foot"]
    assert len(moved) >= 5 and all(f < -tolerance and abs(e) <= abs(f) - 1 for e, f in moved), (averaged, landing)
    off = [(e, f) for (_, e), (_, f) in zip(averaged, landing) if f < -tolerance]
    assert len(off) >= 6 and all(abs(e) <= abs(f) - 1 for e, f in off), (averaged, landing)
    if fps == 60:
        assert all(abs(e) <= tolerance for _, e in averaged), averaged
    # where the landing is on time the arrival agrees within 1/60 s (the spot is entered 1-2 frames before the foot
    # stops at 120 fps): the detector's instant, finer than a frame, stands
    clean, clean_light = clean_track(track), clean_track(track, smooth=False)
    steps = detect_events(clean.track, detect_direction(clean.track).facing, light=clean_light.track).steps
    assert len(steps) >= 7 and not any(s.contact_method == "still_foot" for s in steps)
    # a stance whose contact and toe-off are the track's last frame (the stride template's clamps) has no middle
    last = len(track.timestamps_s) - 1
    edge = replace(steps[0], contact_index=last, toe_off_index=last, contact_at_s=float(track.timestamps_s[last]),
                   toe_off_at_s=float(track.timestamps_s[last]))
    assert contacts_by_still_foot([edge], clean_light.track, clean.track, 40.0, 50.0, EventParams()) == [edge]


@pytest.mark.parametrize("fps", [60, 120])
def test_a_runner_found_standing_on_a_foot_gives_that_stances_toe_off(fps):
    """MediaPipe often finds a runner entering the frame only once a foot is down (rendered passes: the first
    stance's contact and toe-off both missed). The contact is not in view; the toe-off is, timed where the toe
    lift and the knee's turn agree: within a frame of the model's truth, listed as a leading toe-off, no contact
    made up for it; nothing without the pass's planted feet."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=3.0, treadmill=False, runner_height_frac=0.3))
    stance = next(s for s in g.truth["steps"] if s["contact_frame"] > 0.3 * fps)
    first_seen = int(stance["contact_frame"]) + round(0.05 * fps)
    track = to_pose_track(g, dropout_frames=tuple(range(first_seen)))
    cleaned, light = clean_track(track), clean_track(track, smooth=False)
    facing = detect_direction(cleaned.track).facing
    events = detect_events(cleaned.track, facing, light=light.track)
    (lead,) = events.leading_toe_offs
    assert lead.side == stance["side"] and abs(lead.index - stance["toe_off_frame"]) <= 1, (lead, stance["toe_off_frame"])
    assert min(s.contact_index for s in events.steps) > stance["toe_off_frame"]
    no_pass = detect_events(cleaned.track, facing, light=light.track, params=EventParams(pass_min_travel_leg=1e9))
    assert no_pass.leading_toe_offs == ()


def test_a_runner_found_standing_whose_toe_lifts_long_before_the_knee_turns_gives_no_toe_off():
    """The first poses of a runner entering the frame are often placed badly (a rendered pass at 120 fps: the toe
    crept up 9 frames before the toe-off). The leading toe-off needs the toe lift and the knee's turn to agree: a toe
    put 10 % leg up 14 frames (117 ms) before the knee turns gives none (the lift alone: 16 frames early); one put up
    4 frames before is timed at the knee's turn, within a frame of the truth."""
    fps = 120
    g = simulate_gait(GaitParams(fps=fps, duration_s=3.0, treadmill=False, runner_height_frac=0.3))
    stance = next(s for s in g.truth["steps"] if s["contact_frame"] > 0.3 * fps)
    first_seen, o = int(stance["contact_frame"]) + round(0.05 * fps), int(stance["toe_off_frame"])
    track = to_pose_track(g, dropout_frames=tuple(range(first_seen)))
    toe, leg_px = lm.LEG[stance["side"]]["foot_index"], g.truth["leg_length_px"][stance["side"]]

    def leading(toe_up_from: int) -> tuple:
        kp = track.keypoints_px.copy()
        kp[toe_up_from : o + 1, toe, 1] -= 0.1 * leg_px
        cleaned, light = clean_track(track.with_keypoints(kp)), clean_track(track.with_keypoints(kp), smooth=False)
        return detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=light.track).leading_toe_offs

    assert o - (first_seen + 3) == 14 and leading(first_seen + 3) == ()
    (lead,) = leading(o - 4)
    assert lead.side == stance["side"] and lead.method == "knee_extension" and abs(lead.index - o) <= 1


def test_planted_runs_stand_only_for_stances_no_candidate_has():
    """A planted run becomes a candidate only where no candidate's stance of either foot lies, a stride (not a step)
    from its own leg's candidates and from another planted one, and after its foot was first seen."""
    from formcheck.events import planted_candidates
    from formcheck.gait_cycle import StanceCandidate

    light = to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=3.0, treadmill=False, runner_height_frac=0.3)))
    first_seen = int(np.flatnonzero(np.isfinite(light.keypoints_px[:, lm.LEFT_HEEL, 1]))[0])
    period = 40.0
    candidates = {"left": [StanceCandidate(100.0, 112)], "right": [StanceCandidate(60.0, 72)]}
    runs = [("left", first_seen, first_seen + 8, 0.0),  # standing from the first frame seen: its landing unseen
            ("left", 20, 30, 0.0),  # clear of everything: a stance of its own
            ("left", 42, 50, 0.0),  # 22 frames after the one before it: a step, not a stride
            ("right", 64, 70, 0.0),  # inside the right candidate's stance
            ("left", 70, 78, 0.0),  # clear of the right stance, but 30 frames from the left candidate at 100
            ("right", 140, 150, 0.0)]  # clear of everything
    found = planted_candidates(candidates, runs, light, period)
    assert {side: [(c.contact, c.toe_off, c.planted) for c in v] for side, v in found.items()} == {
        "left": [(20.0, 30, True)], "right": [(140.0, 150, True)]}


def test_an_edge_candidate_bars_only_the_runs_its_own_stance_could_reach():
    """A runner entering the frame: the first pose's "peak" (an edge candidate) may be a swing. A run starting more
    than 0.45 stride after it is another stance, whichever leg it stands on; one starting sooner may be its own."""
    from formcheck.events import planted_candidates
    from formcheck.gait_cycle import StanceCandidate

    light = to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=3.0, treadmill=False, runner_height_frac=0.3)))
    first_seen = int(np.flatnonzero(np.isfinite(light.keypoints_px[:, lm.LEFT_HEEL, 1]))[0])
    period = 40.0
    edge = first_seen + 2.0
    candidates = {"left": [StanceCandidate(edge, int(edge) + 20, at_clip_edge=True)], "right": []}
    late = ("left", int(edge) + 19, int(edge) + 30, 0.0)  # 0.475 stride after the edge peak
    soon = ("left", int(edge) + 17, int(edge) + 30, 0.0)  # 0.425 stride after it: may be that stance
    assert [c.contact for c in planted_candidates(candidates, [late], light, period)["left"]] == [float(late[1])]
    assert planted_candidates(candidates, [soon], light, period) == {}
    confirmed = {"left": [StanceCandidate(edge, int(edge) + 20)], "right": []}  # a peak of its own: bars both
    assert planted_candidates(confirmed, [late], light, period) == {}


def test_an_edge_candidate_is_confirmed_by_its_own_foot_standing():
    """An edge candidate's stance is confirmed by a run that starts near its peak: one of its own leg's label first;
    one of the other label only outside the other leg's candidate stances (there it is that foot, found standing)."""
    from formcheck.events import _standing_in
    from formcheck.gait_cycle import StanceCandidate

    light = to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=3.0, treadmill=False, runner_height_frac=0.3)))
    own, other = ("left", 34, 44, 0.0), ("right", 33, 44, 0.0)  # feet standing from frames 34 and 33
    right_here, right_later = [StanceCandidate(30.0, 45)], [StanceCandidate(60.0, 75)]  # the right leg's stances
    assert _standing_in([other, own], light, "left", 28.0, 40.0, right_later, 40.0) == own
    assert _standing_in([other], light, "left", 28.0, 40.0, right_later, 40.0) == other  # the left foot, mislabelled
    assert _standing_in([other], light, "left", 28.0, 40.0, right_here, 40.0) is None  # the right foot in its stance
    assert _standing_in([own], light, "left", 36.0, 40.0, right_later, 40.0) is None  # stops before the window


def test_a_planted_stance_steps_from_the_zeni_instant_its_contact_implies():
    """Step times run between Zeni instants: a stance a planted foot stands for (no peak of its own, its marker None)
    gets the contact less the median landing delay of the clip's other landings; none with fewer than 3, or a negative
    median (then its step times run from the contact)."""
    from formcheck.events import with_planted_markers

    def step(contact_s: float, delay_s: float | None, method: str = "landing") -> StepEvents:
        return StepEvents(side="left", contact_index=0, contact_at_s=contact_s, toe_off_index=None, toe_off_at_s=None,
                          toe_off_method="none", contact_method=method,
                          candidate_at_s=None if delay_s is None else contact_s - delay_s)

    landed = [step(1.0, 0.03), step(2.0, 0.05), step(3.0, 0.04), step(4.0, 0.2, method="zeni")]
    planted = step(5.0, None, method="planted")
    out = with_planted_markers([*landed, planted])
    assert out[:4] == landed and out[4].candidate_at_s == pytest.approx(5.0 - 0.04)
    assert out[4].marker_implied and not out[4].has_own_marker and all(s.has_own_marker for s in out[:4])
    assert with_planted_markers([*landed[:2], planted])[2].candidate_at_s is None
    assert with_planted_markers([step(1.0, -0.02), step(2.0, -0.01), step(3.0, 0.01), planted])[3].candidate_at_s is None


def test_a_long_treadmill_clip_has_no_planted_feet():
    """The planted feet serve only a runner crossing the frame: a 5 s treadmill clip, with landmark noise and a few
    poses thrown far across the image (a misplaced detection), is no pass, and no contact is timed as planted."""
    from formcheck.events import pass_planted_runs
    from formcheck.geometry import body_scale_px

    track = to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=5.0)), noise_px=1.5, seed=2)
    kp = track.keypoints_px.copy()
    kp[[30, 31, 200]] += np.array([300.0, 0.0])  # three whole poses misplaced 300 px sideways
    track = track.with_keypoints(kp)
    assert pass_planted_runs(track, "left", body_scale_px(kp), EventParams()) == []
    cleaned, light = clean_track(track), clean_track(track, smooth=False)
    events = detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=light.track)
    assert len(events.steps) >= 12 and all(s.contact_method != "planted" for s in events.steps)


def _pass_stance(side: str, contact: int, toe_off: int, other_label: bool = False) -> StepEvents:
    return StepEvents(side=side, contact_index=contact, contact_at_s=contact / 60, toe_off_index=toe_off,
                      toe_off_at_s=toe_off / 60, toe_off_method="toe_lift", contact_method="planted", other_label=other_label)


def test_the_relabelled_span_covers_the_stance_and_half_of_each_flight():
    """Flights of 8 frames: a relabelled stance spans 4 frames either side (halfway), never the next stances, and
    its own contact and toe-off even where the events of its neighbours overlap them."""
    def span(*steps: StepEvents) -> list[int]:
        return np.flatnonzero(label_swap_frames(GaitEvents(steps=list(steps), stride_period_frames=40.0, facing="right",
                                                            fps=60.0), 70)).tolist()

    middle = [_pass_stance("left", 0, 12), _pass_stance("right", 20, 32, True), _pass_stance("left", 40, 52)]
    assert span(*middle) == list(range(16, 37))
    assert span(_pass_stance("left", 10, 22, True), _pass_stance("right", 30, 42)) == list(range(6, 27))  # the first: half a flight before
    assert span(*middle[:1], _pass_stance("right", 20, 32, True)) == list(range(16, 37))  # the last: half a flight after
    overlapping = [_pass_stance("left", 0, 21), _pass_stance("right", 20, 32, True), _pass_stance("left", 31, 52)]
    assert {20, 32} <= set(span(*overlapping))
    assert span(*[replace(s, other_label=False) for s in middle]) == []


@pytest.mark.parametrize("fps", [60, 120])
def test_a_planted_foot_whose_landmarks_jump_for_a_frame_still_stands_still(fps):
    """At 60-120 fps a runner crossing the frame moves only a few pixels a frame, about what MediaPipe's foot
    landmarks jump on a small runner: one misplaced frame in a stance broke its still run in two runs too short
    to count (heldout_352: the right stance at 130-138 lost, its contact and toe-off missed). The foot's image x
    is a running median over +-1/40 s before its speed is read, so a one-frame jump of 1.2 x the pelvis's
    speed (over the 0.35 a standing foot may move) leaves every stance whole, contact within a frame."""
    g = simulate_gait(GaitParams(fps=fps, duration_s=1.2, treadmill=False, runner_height_frac=0.3))
    track = to_pose_track(g)
    kp = track.keypoints_px.copy()
    pelvis_speed = float(np.nanmedian(np.abs(np.diff(0.5 * (kp[:, lm.LEFT_HIP, 0] + kp[:, lm.RIGHT_HIP, 0])))))
    for st in g.truth["steps"]:
        leg, c, o = lm.LEG[st["side"]], int(st["contact_frame"]), int(st["toe_off_frame"])
        for f in range(c + 2, o - 1, 3):  # every third frame of the stance, past its landing
            kp[f, [leg["heel"], leg["ankle"], leg["foot_index"]], 0] += 1.2 * pelvis_speed  # the midpoint too
    jumpy = track.with_keypoints(kp)
    facing = detect_direction(track).facing
    truth = [(s["side"], s["contact_frame"]) for s in g.truth["steps"]]
    events = short_pass_events(jumpy, jumpy, facing)
    assert len(events.steps) == len(truth) >= 3
    for st, (side, c) in zip(events.steps, truth):
        assert st.side == side and abs(st.contact_index - c) <= 1
    unfiltered = short_pass_events(jumpy, jumpy, facing, EventParams(planted_median_half_s=0.0))
    assert not (len(unfiltered.steps) == len(truth)  # the jumps alone broke the stances
                and all(abs(st.contact_index - c) <= 1 for st, (_, c) in zip(unfiltered.steps, truth)))


def test_the_planted_feet_need_a_runner_crossing_the_frame():
    """The planted-feet rule is for a pass: the pelvis must travel pass_min_travel_leg leg lengths."""
    g = simulate_gait(GaitParams(fps=60, duration_s=1.2, treadmill=False, runner_height_frac=0.3))
    track = to_pose_track(g)
    facing = detect_direction(track).facing
    assert len(short_pass_events(track, track, facing).steps) == 3
    assert short_pass_events(track, track, facing, EventParams(pass_min_travel_leg=100.0)).steps == []


def test_a_short_treadmill_clip_has_no_planted_stances():
    """On a treadmill the pelvis stays put and the feet move with the belt: no planted stance is found."""
    g = simulate_gait(GaitParams(fps=60, duration_s=1.0, treadmill=True))
    cleaned = clean_track(to_pose_track(g))
    events = detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=cleaned.light)
    assert all(s.contact_method != "planted" for s in events.steps)


def test_a_toe_lifting_sooner_than_any_stance_ends_is_not_the_toe_off():
    """50 fps. On every stance of one leg the toe landmark is put 10 % of leg length too low in the contact frame and
    the next, as MediaPipe's near toe was on a randomised render (hip-height camera, 640x360): measured from there,
    the toe "lifted" 1-3 frames (20-60 ms) after contact, and that was every toe-off of the leg, 4-6 frames early.
    No running stance ends that soon (min_contact_s, 0.08 s): the knee's turn times the toe-off instead, which the
    gait model puts at the true toe-off."""
    g = simulate_gait(GaitParams(fps=50, duration_s=4.0))
    track = to_pose_track(g)
    side = g.truth["steps"][2]["side"]
    toe = lm.LEG[side]["foot_index"]
    kp = track.keypoints_px.copy()
    stances = [(s["contact_frame"], s["toe_off_frame"]) for s in g.truth["steps"] if s["side"] == side]
    for contact, toe_off in stances:
        kp[contact : contact + 2, toe, 1] += 0.1 * g.truth["leg_length_px"][side]
    events = _events_of(track.with_keypoints(kp))
    timed = {s.contact_index: s for s in events.for_side(side) if s.toe_off_index is not None}
    matched = [(timed[c].toe_off_index, o) for c, o in stances for k in (c - 1, c, c + 1) if k in timed]
    assert len(matched) >= len(stances) - 2
    assert all(abs(found - o) <= 1 for found, o in matched), matched


def test_a_soon_lifts_knee_turn_is_not_a_glitch_in_the_swing():
    """As above (toe "lifting" 20-60 ms after contact, set aside), and MediaPipe also straightens the knee for two frames
    in the swing, 10-11 frames after the true toe-off (heldout_174: a knee from 62 to 27 deg and back mid-swing).
    With the lift set aside the knee's window reaches 0.6 stride past the contact, and that dip was its last
    extension: a toe-off 13 frames late, scored as missed and spurious (here, without the cap, toe-offs 8 frames off). The push-off comes before the toe is
    0.3 leg above its stance low (:func:`formcheck.event_fits.toe_airborne_from`): the toe-off stays within a frame."""
    g = simulate_gait(GaitParams(fps=50, duration_s=4.0))
    track = to_pose_track(g)
    side = g.truth["steps"][2]["side"]
    leg = lm.LEG[side]
    kp = track.keypoints_px.copy()
    stances = [(s["contact_frame"], s["toe_off_frame"]) for s in g.truth["steps"] if s["side"] == side]
    for contact, toe_off in stances:
        kp[contact : contact + 2, leg["foot_index"], 1] += 0.1 * g.truth["leg_length_px"][side]
        for f in (toe_off + 10, toe_off + 11):  # the knee put near the hip-ankle line: a straight leg for two frames
            if f < len(kp):
                straight = 0.5 * (kp[f, leg["hip"]] + kp[f, leg["ankle"]])
                kp[f, leg["knee"]] = straight + 0.2 * (kp[f, leg["knee"]] - straight)
    glitchy = track.with_keypoints(kp)  # as the cleaning left it (it mends such a dip on a clean synthetic track)
    facing = detect_direction(glitchy).facing
    events = detect_events(glitchy, facing)
    timed = {s.contact_index: s for s in events.for_side(side) if s.toe_off_index is not None}
    matched = [(timed[c].toe_off_index, o) for c, o in stances for k in (c - 1, c, c + 1) if k in timed]
    assert len(matched) >= len(stances) - 2
    assert all(abs(found - o) <= 1 for found, o in matched), matched
    glitched = detect_events(glitchy, facing, params=EventParams(toe_airborne_leg=10.0))  # no cap: the dip misleads
    off = [s.toe_off_index - o for s in glitched.for_side(side) for c, o in stances
           if abs(s.contact_index - c) <= 1 and s.toe_off_index is not None]
    assert sum(abs(d) >= 3 for d in off) >= len(stances) // 2, off


def test_a_soon_lift_is_kept_when_the_other_leg_is_as_short_on_the_ground():
    """50 fps. The other leg's stances, timed by their toe lifts, last 0.10 s (a fast runner). A lift 0.09 s after
    contact (under min_contact_s) set aside for a knee turn 0.20 s after contact was right: it is restored. A lift
    0.02 s after contact, where the knee says 0.10 s, was the toe landmark jumping: the knee's turn stays."""
    from formcheck.events import SOON_LIFT, soon_lifts_against_the_other_leg
    from formcheck.pose_track import PoseTrack

    n, fps = 300, 50.0
    track = PoseTrack(keypoints_px=np.zeros((n, 33, 2)), depth_px=np.zeros((n, 33)), visibility=np.ones((n, 33)),
                      presence=np.ones((n, 33)), world_m=np.zeros((n, 33, 3)), timestamps_s=np.arange(n) / fps,
                      frame_indices=np.arange(n), fps=fps, image_size=(640, 480))

    def step(side, contact, toe_off, method="toe_lift", doubts=()):
        return StepEvents(side=side, contact_index=contact, contact_at_s=contact / fps, toe_off_index=int(toe_off),
                          toe_off_at_s=toe_off / fps, toe_off_method=method, doubts=doubts)

    steps = [step("right", 50, 55), step("left", 100, 110, "knee_extension", (SOON_LIFT,)), step("right", 150, 155),
             step("left", 200, 205, "knee_extension", (SOON_LIFT,)), step("right", 250, 255)]
    out = soon_lifts_against_the_other_leg(steps, {("left", 100): 104.5, ("left", 200): 201.0}, track, EventParams())
    restored, kept = out[1], out[3]
    assert restored.toe_off_method == "toe_lift" and restored.toe_off_at_s == pytest.approx(104.5 / fps)
    assert restored.toe_off_index == 104 and restored.doubts == ()
    assert kept == steps[3]
    assert [out[i] for i in (0, 2, 4)] == [steps[i] for i in (0, 2, 4)]


def test_one_foot_landing_counted_on_both_legs_counts_once():
    """Contacts alternate half a stride apart. A far-leg contact 2 frames (0.07 stride) before a near-leg one, with
    more doubts, is the near foot counted twice (MediaPipe's far foot on the near one): it goes. A pair of equal
    doubts loses the less visible leg's. Contacts 0.3 stride apart are both kept."""
    from formcheck.events import without_one_foot_counted_twice

    fps, stride_s = 30.0, 0.7

    def step(side, contact, doubts=()):
        return StepEvents(side=side, contact_index=contact, contact_at_s=contact / fps, toe_off_index=contact + 5,
                          toe_off_at_s=(contact + 5) / fps, toe_off_method="toe_lift", doubts=doubts)

    trust = {"left": 0.85, "right": 0.96}
    near = [step("right", c) for c in (12, 33, 54)]
    far = [step("left", 22), step("left", 10, ("a", "b")), step("left", 43)]
    kept = without_one_foot_counted_twice([*near, *far], trust, stride_s, EventParams())
    assert sorted((s.side, s.contact_index) for s in kept) == sorted([("right", 12), ("right", 33), ("right", 54),
                                                                      ("left", 22), ("left", 43)])
    tie = without_one_foot_counted_twice([step("right", 12), step("left", 13)], trust, stride_s, EventParams())
    assert [(s.side, s.contact_index) for s in tie] == [("right", 12)]
    apart = [step("right", 12), step("left", 12 + round(0.3 * stride_s * fps))]
    assert without_one_foot_counted_twice(apart, trust, stride_s, EventParams()) == apart


def test_a_stance_within_the_other_legs_stance_goes_with_it():
    """A runner is never on both feet. heldout_1000 (60 fps): a right stance from frame 22.3 to 27.0 inside a left one
    from 11.3 to 33.1, MediaPipe's feet split over both labels: both steps go. Stances that alternate stay, and so does
    one overlapping the other leg's only at an end (a toe-off timed late), and a stance the clip cuts (no toe-off)."""
    from formcheck.events import without_stances_within_the_other_legs

    fps = 60.0

    def step(side, contact, toe_off):
        return StepEvents(side=side, contact_index=int(contact), contact_at_s=contact / fps,
                          toe_off_index=None if toe_off is None else int(toe_off),
                          toe_off_at_s=None if toe_off is None else toe_off / fps, toe_off_method="toe_lift")

    alternating = [step("right", 2, 11), step("left", 11.3, 33.1), step("right", 44, 53), step("left", 65, 74)]
    assert without_stances_within_the_other_legs(alternating) == alternating
    nested = [step("right", 22.3, 27.0), *alternating]
    assert without_stances_within_the_other_legs(nested) == [alternating[i] for i in (0, 2, 3)]
    overlapping = [step("right", 2, 16), step("left", 11.3, 33.1), step("right", 30, 53)]  # ends overlap, none inside
    assert without_stances_within_the_other_legs(overlapping) == overlapping
    cut = [step("left", 11.3, 33.1), step("right", 22.3, None)]
    assert without_stances_within_the_other_legs(cut) == cut


def test_the_less_visible_knee_turn_is_sought_over_its_flat_bottom():
    """120 fps, a stance from frame 20 to the toe-off at 50: the knee extends at a steady rate until the toe-off,
    where the swing folds it. Its smoothed angle bottoms out at 45 and stays within 0.3 deg of that to 50 (heldout
    renders' far knees, 120 fps: the smoothed bottom 1-3 frames before the toe-off, the toe-offs 2-4 frames early).
    The turn was sought within a frame of the valley's lowest raw sample near that bottom (47): 2-3 frames early.
    For the less visible leg it is sought up to the flat bottom's end, and the fit (straight extension, then flexion
    from zero speed) finds it within half a frame of 50."""
    from formcheck.events import _knee_turn_in_stance

    t = np.arange(120, dtype=float)
    raw = np.interp(t, [0, 20, 35, 50], [10.0, 20.0, 40.0, 26.0])  # landing, flexion, push-off
    smooth = np.interp(t, [0, 20, 35, 45, 50], [10.0, 20.0, 40.0, 26.0, 26.3])  # its bottom early, then flat
    swing = t > 50
    raw[swing] = 26.0 + 0.4 * (t[swing] - 50) ** 2
    smooth[swing] = 26.3 + 0.4 * (t[swing] - 50) ** 2
    p = EventParams()
    plain = _knee_turn_in_stance(raw, smooth, 20.0, 90.0, 120.0, p)
    flat = _knee_turn_in_stance(raw, smooth, 20.0, 90.0, 120.0, p, plateau=True)
    assert plain is not None and flat is not None
    assert plain <= 48.0, plain  # 2 or more frames early
    assert abs(flat - 50.0) <= 0.5, flat


def test_only_the_less_visible_leg_has_its_knee_turn_fitted_over_a_flat_bottom(monkeypatch):
    """The flat-bottom fit is for the leg MediaPipe sees less well (lower median visibility of knee, ankle, heel and
    toe): the model's far leg (visibility 0.6 against 0.95), every one of its stances, and none of the near leg's."""
    import formcheck.events as events_module

    g = simulate_gait(GaitParams(fps=60, duration_s=3.0))
    calls: list[tuple[float, bool]] = []
    original = events_module._knee_turn_in_stance

    def spy(knee, knee_smooth, c_pos, period, fps, p, until=None, plateau=False):
        calls.append((c_pos, plateau))
        return original(knee, knee_smooth, c_pos, period, fps, p, until, plateau=plateau)

    monkeypatch.setattr(events_module, "_knee_turn_in_stance", spy)
    _events_of(to_pose_track(g))
    far = [s["contact_frame"] for s in g.truth["steps"] if s["side"] != g.truth["near_side"]]
    on_far = [min(abs(c - f) for f in far) <= 2 for c, _ in calls]
    assert {flag for (_, flag), f in zip(calls, on_far) if f} == {True}
    assert {flag for (_, flag), f in zip(calls, on_far) if not f} == {False}


def test_steps_next_to_frames_a_phone_dropped_are_uncertain():
    """A variable-frame-rate recording keeps its frames at their real times; where frames are missing next to a
    contact, where the foot lands is read on the frames either side of the landing (a newcomer's copy of
    treadmill_side_01 with a fifth of its frames dropped read overstride 4 and -2 % leg, unflagged, against 14-27)."""
    from formcheck.events import MISSING_FRAMES
    from formcheck.quality import missing_frames

    track = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=8, cadence_spm=170, seed=3)), noise_px=0.5, seed=3)
    steps = analyze_track(track).steps
    assert not any(s.timing_uncertain for s in steps)
    hit, clear = steps[4], steps[10]
    dropped = [hit.contact_frame, hit.contact_frame + 1]  # the first frames the foot is down on, and the next
    kept = np.flatnonzero(~np.isin(track.frame_indices, dropped))
    vfr = track.take(kept)
    assert missing_frames(vfr) == 2
    result = analyze_track(vfr)
    near = lambda s, frame: abs(s.contact_frame - frame) <= 3  # noqa: E731
    assert any(MISSING_FRAMES in (s.timing_note or "") for s in result.steps if s.side == hit.side and near(s, hit.contact_frame))
    assert not any(MISSING_FRAMES in (s.timing_note or "") for s in result.steps if near(s, clear.contact_frame))
    assert result.quality["missing_frames"] == 2
    assert not any("frames are missing" in w for w in result.quality["warnings"])  # under 2 % of the clip: no warning
    every_tenth = track.take(np.flatnonzero(track.frame_indices % 10 != 5))  # 24 of 240 frames
    assert any(w.startswith("about 24 frames are missing from the clip (10%") for w in analyze_track(every_tenth).quality["warnings"])



def test_frames_missing_from_a_file_of_repeated_images_are_counted_in_images():
    """A phone's 60 fps file of 30 fps images (each shown on two frames) that lost a seventh of its frames lost an image
    only where both its frames went: a newcomer's such clip lost 11 % of its images and was told 46 % of its frames."""
    from dataclasses import replace as with_fields

    images = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=8, cadence_spm=170, seed=3)), noise_px=0.5, seed=3)
    slots = np.arange(2 * images.n_frames)  # the 60 fps file's frames: slot s shows image s // 2
    lost_images = np.flatnonzero(np.arange(images.n_frames) % 20 == 10)  # both of their frames dropped: 12 images
    kept = slots[(slots % 7 != 3) & ~np.isin(slots // 2, lost_images)]
    shown = images.take(kept // 2)
    repeats = [int(s) for s, before in zip(kept[1:], kept[:-1]) if s // 2 == before // 2]
    vfr = with_fields(shown, frame_indices=kept, timestamps_s=kept / 60.0, fps=60.0,
                      info={**shown.info, "video_fps": 60.0, "repeated_frames": repeats})
    quality = analyze_track(vfr).quality
    assert quality["time_base"]["repeated_frames_dropped"] == len(repeats)
    assert quality["missing_frames"] == len(lost_images)  # (89 counted in frames of the file)
    # 24 fps images shown at 60 (on 2 and 3 frames in turn), no frame missing: nothing lost, whatever the images' gaps
    from formcheck.quality import missing_frames

    film = np.arange(int(images.n_frames * 2.5))
    shows = (film / 2.5).astype(int)
    converted = with_fields(images.take(shows), frame_indices=film, timestamps_s=film / 60.0, fps=60.0,
                            info={**images.info, "repeated_frames": [int(f) for f in film[1:][np.diff(shows) == 0]]})
    assert missing_frames(converted, in_images=True) == 0
    # 30 fps images shown at 50 (on 2, 2, 1 frames): an image is not a whole number of frames, and 24 of 240 are lost
    slots50 = np.arange(int(images.n_frames * 50 / 30))
    on50 = np.floor(slots50 * 30 / 50 + 1e-9).astype(int)
    keep50 = (on50 % 10 != 5) & (on50 < images.n_frames)
    f50, s50 = slots50[keep50], on50[keep50]
    at50 = with_fields(images.take(s50), frame_indices=f50, timestamps_s=f50 / 50.0, fps=50.0,
                       info={**images.info, "repeated_frames": [int(f) for f, a, b in zip(f50[1:], s50[1:], s50[:-1]) if a == b]})
    assert missing_frames(at50, in_images=True) == 24  # (0 by the commonest gap, 2 frames for 1.67)
    # a 60 fps file of 30 fps images, one in ten lost, its picture held still for 1 s on image 150 (a reviewer's case)
    longer = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=10, cadence_spm=170, seed=3)), noise_px=0.5, seed=3)
    slots = np.arange(2 * longer.n_frames + 60)
    shows = np.where(slots < 300, slots // 2, np.where(slots < 360, 150, (slots - 60) // 2))
    keep = (shows % 10 != 5) | (shows < 20)
    s60, i60 = slots[keep], shows[keep]
    frozen = with_fields(longer.take(i60), frame_indices=s60, timestamps_s=s60 / 60.0, fps=60.0,
                         info={**longer.info, "repeated_frames": [int(f) for f, a, b in zip(s60[1:], i60[1:], i60[:-1]) if a == b]})
    assert missing_frames(frozen, in_images=True) == longer.n_frames - len(set(i60.tolist()))  # 28 (0 with the freeze counted)


def _foot_fore_aft(frames: np.ndarray, stride_frames: float) -> np.ndarray:
    """A foot's fore-aft position (px): forward through the swing (40 % of the stride), back through the stance."""
    phase = (frames / stride_frames) % 1.0
    return 100.0 * np.where(phase < 0.4, -1 + 2 * phase / 0.4, 1 - 2 * (phase - 0.4) / 0.6)


@pytest.mark.parametrize("wrong", [(117, 131), (110, 131), (96, 120)])
def test_a_stretch_on_the_other_legs_labels_does_not_double_the_stride(wrong):
    """A 50 fps render at belt height (188 steps/min, strides of 32 frames) was read at 64 and lost half its events:
    the cleaning had put one foot on the other leg's labels for 14 frames, which left the first stride's peak of the
    autocorrelation at 0.57 against the second's 0.74. Here the foot follows the other leg's trace (half a stride
    on) for the frames ``wrong``."""
    from formcheck.gait_cycle import stride_period

    frames = np.arange(180.0)
    signal = _foot_fore_aft(frames, 32.0)
    a, b = wrong
    signal[a:b] = _foot_fore_aft(frames[a:b] + 16.0, 32.0)
    assert stride_period(signal, 50.0) == pytest.approx(32.0, abs=0.5)
    for stride in (24.0, 40.0, 60.0, 80.0):  # whole traces keep their own stride
        assert stride_period(_foot_fore_aft(np.arange(300.0), stride), 50.0) == pytest.approx(stride, rel=0.01)


@pytest.mark.parametrize("fps, stride", [(30, 33.0), (60, 50.0)])
def test_a_weak_peak_at_half_the_stride_is_not_the_stride(fps, stride):
    """A reviewer's counter-examples to the rule above: a trace with a strong second harmonic (its autocorrelation
    0.35 at half the stride against 1.0 at the stride), and a jogger's labels naming the leading foot "left" on 80 %
    of a clip (0.31 against 0.59), were read at half their stride. Half the stride is taken only as strong as 0.6 of
    the stride's peak."""
    from formcheck.gait_cycle import stride_period

    t = np.arange(8 * stride)
    harmonic = np.sin(2 * np.pi * t / stride) + 1.44 * np.sin(4 * np.pi * t / stride + 0.3)
    assert stride_period(harmonic, fps) == pytest.approx(stride, rel=0.01)
    assert stride_period(harmonic, fps, 0.3, 0.4 * len(t) / fps) == pytest.approx(stride, rel=0.01)  # timebase's search
    jog = 0.84 * fps  # a jogger's stride (frames), and the leading foot's trace under "left" from 5 % of 10 strides on
    t = np.arange(int(10 * jog), dtype=float)
    a, b = int(0.05 * len(t)), int(0.85 * len(t))
    leading = _foot_fore_aft(t, jog)
    leading[a:b] = np.maximum(leading, _foot_fore_aft(t + jog / 2, jog))[a:b]
    assert stride_period(leading, fps) == pytest.approx(jog, rel=0.03)


@pytest.mark.parametrize("fps", [30, 60])
def test_a_sprinters_cadence_is_not_halved(fps):
    """A synthetic runner at 280 steps/min (strides of 0.43 s) was analysed at 140 steps/min with a "low cadence"
    finding: the stride search began at 0.45 s and found two strides."""
    result = analyze_track(to_pose_track(simulate_gait(GaitParams(fps=fps, duration_s=6, cadence_spm=280, speed_m_s=8.5)),
                                         noise_px=1.0))
    assert result.summary["cadence_spm"] == pytest.approx(280, rel=0.01)
    assert "low_cadence" not in [f.code for f in result.findings]


def test_a_short_pass_next_to_dropped_frames_is_uncertain():
    """A pass too short for a stride period is timed by its planted feet and returned before the periodic
    detector's doubts: a reviewer dropped each true contact frame of a 1.2 s pass and no step was flagged, while the
    warning said they were left out."""
    from formcheck.events import MISSING_FRAMES

    g = simulate_gait(GaitParams(fps=30, duration_s=1.2, treadmill=False, runner_height_frac=0.3))
    track = to_pose_track(g)
    first = g.truth["steps"][0]["contact_frame"]
    cleaned = clean_track(track.take(np.flatnonzero(track.frame_indices != first)))
    events = detect_events(cleaned.track, detect_direction(cleaned.track).facing, light=cleaned.light)
    doubted = [MISSING_FRAMES in s.doubts for s in events.steps]
    assert doubted[0] and not any(doubted[1:])


def _timed_track(n: int = 200, fps: float = 60.0):
    from formcheck.pose_track import PoseTrack

    return PoseTrack(keypoints_px=np.ones((n, 33, 2)), depth_px=np.zeros((n, 33)), visibility=np.ones((n, 33)),
                     presence=np.ones((n, 33)), world_m=np.zeros((n, 33, 3)), timestamps_s=np.arange(n) / fps,
                     frame_indices=np.arange(n), fps=fps, image_size=(100, 100), source="test", info={})


def _landing(side: str, contact: float, peak: float, fps: float = 60.0, toe_off: float | None = None) -> StepEvents:
    toe_off = contact + 15 if toe_off is None else toe_off
    return StepEvents(side=side, contact_index=int(np.ceil(contact)), contact_at_s=contact / fps, toe_off_index=int(toe_off),
                      toe_off_at_s=toe_off / fps, toe_off_method="toe_lift", contact_method="landing", candidate_at_s=peak / fps)


def test_a_landing_before_its_foots_peak_moves_to_it_or_between_when_the_leg_lands_so_as_a_rule():
    """Issue 14: a contact comes after the foot has stopped swinging forward. A landing 1.5 frames before its foot's
    most anterior point (60 fps) is moved to half a frame before it; one 0.3 frame before stays. A leg whose landings
    all come ~2 frames before their peaks (treadmill_side_01's near foot, where the landing is early and the peak
    late) takes the midpoint of the two. Contacts timed otherwise (here Zeni) stay."""
    from formcheck.events import landings_not_before_their_peak

    track, fps = _timed_track(), 60.0
    left = [_landing("left", 20.0, 21.5), _landing("left", 60.0, 60.3), _landing("left", 100.0, 99.0)]
    right = [_landing("right", c, c + 2.0) for c in (40.0, 80.0, 120.0)]
    zeni = replace(_landing("left", 140.0, 142.0), contact_method="zeni")
    moved = landings_not_before_their_peak([*left, *right, zeni], track, EventParams(), as_a_rule=False)
    assert moved[3:6] == right  # the leg that lands so as a rule waits for its own turn
    moved = landings_not_before_their_peak(moved, track, EventParams(), as_a_rule=True)
    assert moved[0].contact_at_s * fps == pytest.approx(21.0) and moved[0].contact_index == 21
    assert moved[0].toe_off_at_s == left[0].toe_off_at_s
    assert moved[1:3] == left[1:3] and moved[6] == zeni
    assert [s.contact_at_s * fps for s in moved[3:6]] == pytest.approx([41.0, 81.0, 121.0])

    # a leg with fewer than offset_min_landings landings is not judged by its median: moved (physics first); and a
    # landing the move would bring within min_contact_s of its own toe-off stays
    few = [_landing("right", 40.0, 42.0), _landing("right", 80.0, 82.0)]
    assert [s.contact_at_s * fps for s in landings_not_before_their_peak(few, track, EventParams(), as_a_rule=False)] == \
        pytest.approx([41.5, 81.5])
    short = _landing("left", 20.0, 30.0, toe_off=32.0)
    assert landings_not_before_their_peak([short], track, EventParams(), as_a_rule=False) == [short]
    # times, not frame numbers: a dropped frame between the landing and the peak (timestamps skip 1/60 s at frame 21)
    gapped = _timed_track()
    times = gapped.timestamps_s.copy()
    times[21:] += 1 / fps
    gapped = replace(gapped, timestamps_s=times)
    late = replace(_landing("left", 20.0, 0.0), contact_at_s=20 / fps, candidate_at_s=times[22])
    assert landings_not_before_their_peak([late], gapped, EventParams(), as_a_rule=False)[0].contact_at_s == \
        pytest.approx(times[22] - 0.5 / fps)

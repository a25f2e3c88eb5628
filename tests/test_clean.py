"""Track cleaning: swap repair, gap filling, zero-lag smoothing."""

from dataclasses import replace

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.clean import (
    butterworth_smooth, clean_track, fill_gaps, frame_slots, reject_outliers, repair_leg_swaps, with_legs_swapped,
)
from formcheck.geometry import body_scale_px
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track


def test_swap_repair_finds_injected_swaps():
    g = simulate_gait(GaitParams(fps=60, duration_s=4))
    swaps = list(range(40, 46)) + list(range(150, 153))
    tr = to_pose_track(g, noise_px=1.0, swap_frames=swaps, seed=2)
    found = np.flatnonzero(repair_leg_swaps(tr.keypoints_px))
    assert set(found) == set(swaps)


def _lower_legs_slid_across(g, half: int) -> tuple[np.ndarray, int, int]:
    """The gait's landmarks (1 px noise) with the lower legs swapped from a to b around the third crossing of the
    knees, the feet sliding over two frames from one foot to the other and back, as MediaPipe does on the renders."""
    kp = g.landmarks_px.copy()
    knees_apart = np.linalg.norm(kp[:, lm.LEFT_KNEE] - kp[:, lm.RIGHT_KNEE], axis=-1)
    crossings = [i for i in range(1, len(kp) - 1) if knees_apart[i] < min(knees_apart[i - 1], knees_apart[i + 1], 20.0)]
    a, b = crossings[2] - half, crossings[2] + half
    kp += np.random.default_rng(0).normal(size=kp.shape)
    for f in range(a - 2, b + 3):
        w = 1.0 if a <= f <= b else 1 - (a - f) / 3 if f < a else 1 - (f - b) / 3  # 1/3, 2/3 on the way in and out
        for j in ("ankle", "heel", "foot_index"):
            left, right = kp[f, lm.LEG["left"][j]].copy(), kp[f, lm.LEG["right"][j]].copy()
            kp[f, lm.LEG["left"][j]] = (1 - w) * left + w * right
            kp[f, lm.LEG["right"][j]] = (1 - w) * right + w * left
    return kp, a, b


@pytest.mark.parametrize("fps, half", [(60, 2), (120, 3)])
def test_swap_repair_finds_feet_that_slide_onto_the_other_leg_where_the_knees_cross(fps, half):
    """Where the knees are together the whole legs' repair takes the feet's side (docs/thresholds.md, "leg labels
    swapped"). A jump predicted at constant velocity, once part of the cost, took the slide for motion: no frame repaired."""
    kp, a, b = _lower_legs_slid_across(simulate_gait(GaitParams(fps=fps, duration_s=4)), half)
    assert list(np.flatnonzero(repair_leg_swaps(kp))) == list(range(a - 1, b + 2))  # every frame more than half-way swapped


def _off_px(res, g, landmarks: list[int]) -> np.ndarray:
    """(T,) the largest distance of these cleaned landmarks from the gait's true ones."""
    return np.linalg.norm(res.track.keypoints_px[:, landmarks] - g.landmarks_px[:, landmarks], axis=-1).max(axis=1)


LOWER_LEGS = [lm.LEFT_ANKLE, lm.RIGHT_ANKLE, lm.LEFT_HEEL, lm.RIGHT_HEEL, lm.LEFT_FOOT_INDEX, lm.RIGHT_FOOT_INDEX]
KNEES = [lm.LEFT_KNEE, lm.RIGHT_KNEE]


def test_clean_track_puts_back_lower_legs_swapped_while_the_knees_are_apart():
    """9 frames at 60 fps: the knees move apart, so swapping the whole legs would cost the knees more than it gains;
    the second pass on the lower legs alone puts the feet back (and their visibility with them)."""
    g = simulate_gait(GaitParams(fps=60, duration_s=4))
    kp, a, b = _lower_legs_slid_across(g, 4)
    assert not repair_leg_swaps(kp)[a:b + 1].any()  # the whole legs' pass leaves them
    visibility = np.full(kp.shape[:2], 0.9)
    visibility[a : b + 1, lm.LEFT_HEEL] = 0.2  # the swapped left-heel label sits on the far right heel
    res = clean_track(replace(to_pose_track(g), keypoints_px=kp, visibility=visibility), smooth=False)
    assert list(np.flatnonzero(res.parts_swapped["lower_legs"])) == list(range(a - 1, b + 2))
    assert np.all(_off_px(res, g, LOWER_LEGS)[a : b + 1] < 10.0)  # wholly swapped frames: on their own feet (1 px noise)
    assert np.all(res.track.visibility[a : b + 1, lm.RIGHT_HEEL] == 0.2)
    assert np.all(_off_px(res, g, KNEES)[a - 2 : b + 3] < 5.0)


def test_clean_track_puts_the_knees_back_after_the_feet_decided_the_legs():
    """Where the knees cross, the whole legs' pass follows the swapped feet and takes the knees along (20-34 px off
    over 7 frames at 60 fps, the knees moving apart; a reviewer's check); the last pass, on the knees, puts them back."""
    g = simulate_gait(GaitParams(fps=60, duration_s=4))
    kp, a, b = _lower_legs_slid_across(g, 2)
    res = clean_track(replace(to_pose_track(g), keypoints_px=kp), smooth=False)
    assert list(np.flatnonzero(res.swapped)) == list(range(a - 1, b + 2))  # the first pass swapped the whole legs
    assert np.all(_off_px(res, g, KNEES)[a - 2 : b + 3] < 5.0)
    assert np.all(_off_px(res, g, LOWER_LEGS)[a : b + 1] < 10.0)  # the feet, 100-200 px apart here, stay right


@pytest.mark.parametrize("fps", [30, 60, 120])
def test_no_swaps_reported_on_clean_track(fps):
    g = simulate_gait(GaitParams(fps=fps, duration_s=4))
    res = clean_track(to_pose_track(g, noise_px=1.0))
    assert not res.relabelled.any() and set(res.parts_swapped) == {"legs", "lower_legs", "knees", "front_back"}


def _named_front_and_back(g, slips: float = 0.0, spike_at: int | None = None):
    """The gait's track (1 px noise) with the legs named by the foot in front, as a real walker's were (landmarks,
    depth and visibility alike): (track, frames whose feet are 0.15 leg or more apart in x). ``slips``: about that share of
    single frames named the other way again (the model's one-frame slips); ``spike_at``: one foot thrown 0.4 leg
    ahead on that frame."""
    track = to_pose_track(g)
    kp = g.landmarks_px + np.random.default_rng(3).normal(size=g.landmarks_px.shape)
    left, right = ([getattr(lm, f"{side}_{j}") for j in ("ANKLE", "HEEL", "FOOT_INDEX")] for side in ("LEFT", "RIGHT"))
    lead = kp[:, right, 0].mean(axis=1) - kp[:, left, 0].mean(axis=1)
    ahead = 1.0 if g.params.facing == "right" else -1.0
    exchange = ahead * lead > 0  # the right foot in front: named left
    slipped = np.random.default_rng(5).random(len(kp)) < slips
    slipped &= ~np.roll(slipped, 1)  # single frames
    exchange ^= slipped
    scale = body_scale_px(g.landmarks_px)
    if spike_at is not None:
        kp[spike_at, left if not exchange[spike_at] else right, 0] += ahead * 0.4 * scale
    return with_legs_swapped(replace(track, keypoints_px=kp), exchange), np.abs(lead) > 0.15 * scale


@pytest.mark.parametrize(("treadmill", "slips", "spike"), [(True, 0.0, False), (False, 0.0, False), (True, 0.3, False),
                                                           (False, 0.0, True)])
def test_labels_naming_the_front_and_back_foot_are_set_right_at_every_crossing(treadmill, slips, spike):
    """A real walker passing the camera had MediaPipe name its legs by the foot in front (walk_side_outdoor_60fps_04:
    the stride read as a step, the cadence doubled); the continuity pass keeps such swaps, made where the feet cross.
    Here every frame's legs are named front = left: after cleaning, each frame's legs are the gait's own again, the
    near leg named as the side view shows it, away from the crossings themselves. Also with one-frame slips back to
    the right names on about a quarter of the frames (the leading label is found through a running median), and with
    one foot thrown 0.4 leg off on one frame near a crossing (no crossing of its own). (The real walker's naming
    showed only once the continuity passes had mended its slips: tests/test_walking.py.)"""
    g = simulate_gait(GaitParams(fps=60, duration_s=4, treadmill=treadmill))
    gap = np.abs(g.landmarks_px[:, lm.LEFT_HEEL, 0] - g.landmarks_px[:, lm.RIGHT_HEEL, 0])
    near_crossing = int(np.argmin(gap[100:140])) + 102  # two frames after the feet cross there
    track, apart = _named_front_and_back(g, slips, near_crossing if spike else None)
    res = clean_track(track, smooth=False)
    feet = [lm.LEFT_ANKLE, lm.LEFT_HEEL, lm.LEFT_FOOT_INDEX, lm.RIGHT_ANKLE, lm.RIGHT_HEEL, lm.RIGHT_FOOT_INDEX]
    off_px = np.linalg.norm(res.track.keypoints_px[:, feet] - g.landmarks_px[:, feet], axis=-1).max(axis=1)
    named_right = off_px[apart] < 8.0
    if spike:
        named_right[np.flatnonzero(apart) == near_crossing] = True  # the thrown foot itself is off, named right or not
    assert named_right.mean() > 0.98, named_right.mean()  # the facing left runner's left leg, nearer the camera, is left
    assert res.parts_swapped["front_back"].any() and res.relabelled.mean() > 0.2  # warned: "leg labels swapped"


def test_clean_track_undoes_swaps_and_fills_dropouts():
    g = simulate_gait(GaitParams(fps=60, duration_s=4))
    tr = to_pose_track(g, swap_frames=range(80, 84), dropout_frames=range(120, 124), seed=1)
    res = clean_track(tr, smooth=False)
    err = np.abs(res.track.keypoints_px - g.landmarks_px)
    assert np.nanmax(err[80:84]) < 1e-6
    assert np.isfinite(res.track.keypoints_px[120:124]).all()
    assert np.max(err[120:124, 23:33]) < 8.0  # interpolated legs within 8 px over a 4-frame gap


def test_outlier_window_is_one_of_time_where_frames_are_missing():
    """Every 6th frame of a 25 fps runner missing (a frame-rate conversion's images put back at their times, a phone's
    dropped frames): taken frame by frame, the feet's true turns at landing stand out of the running median and were
    removed (a newcomer's 25 fps copy read overstride 16.8 % leg against 23.1); on the clip's own clock they do not,
    and a point the model misplaced still does."""
    g = simulate_gait(GaitParams(fps=25, duration_s=6, cadence_spm=165, speed_m_s=3.3, overstride_pct_leg=20))
    tr = to_pose_track(g)
    kept = np.arange(tr.n_frames) % 6 != 5
    k, t = tr.keypoints_px[kept].copy(), tr.timestamps_s[kept]
    feet = [lm.LEG[s][j] for s in ("left", "right") for j in ("ankle", "heel", "foot_index")]
    assert list(frame_slots(t)[:7]) == [0, 1, 2, 3, 4, 6, 7]
    assert frame_slots(tr.timestamps_s) is None  # evenly timed: frame by frame, as before
    jitter = np.random.default_rng(0).uniform(-0.0015, 0.0015, t.size)  # a phone's frame times, +-1.5 ms
    assert np.array_equal(frame_slots(t + jitter), frame_slots(t))
    assert frame_slots(np.round(np.arange(600) / 29.97, 3)) is None  # times in whole ms (a reviewer's case: no drift)
    assert reject_outliers(k, 25.0)[:, feet].sum() >= 20  # the true motion taken for outliers (32)
    assert not reject_outliers(k, 25.0, timestamps_s=t)[:, feet].any()
    k[60, lm.LEFT_HEEL, 1] += 0.3 * body_scale_px(k)  # one heel misplaced downwards
    flagged = reject_outliers(k, 25.0, timestamps_s=t)
    assert flagged[60, lm.LEFT_HEEL] and flagged[:, feet].sum() == 1


def test_fill_gaps_respects_max_gap():
    x = np.arange(20.0)
    x[3:5] = np.nan
    x[10:16] = np.nan
    y, mask = fill_gaps(x, 3)
    assert np.allclose(y[3:5], [3, 4]) and np.isnan(y[10:16]).all() and mask[3:5].all()


def test_butterworth_is_zero_lag():
    fps = 60.0
    t = np.arange(600) / fps
    x = np.sin(2 * np.pi * 1.4 * t)
    y = butterworth_smooth(x + np.random.default_rng(0).normal(0, 0.05, t.size), fps)
    lags = range(-5, 6)
    best = max(lags, key=lambda L: np.dot(np.roll(y, L)[50:-50], x[50:-50]))
    assert best == 0

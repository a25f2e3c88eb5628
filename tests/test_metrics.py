"""Reading a value at a sub-frame event instant (formcheck.metrics), against hand-computed values."""

import numpy as np
import pytest

from formcheck.metrics import (
    flight_time_s,
    landing_reach_px,
    landing_travel_px,
    median_ci95,
    smooth_value_at,
    track_position,
    value_at,
)
from formcheck.pose_track import PoseTrack


@pytest.mark.parametrize("timed_at", [9.0, 10.0, 11.0])
def test_landing_reach_on_a_treadmill_does_not_move_with_a_contact_a_frame_off(timed_at):
    """30 fps treadmill, runner facing right, COM still at x=100: the heel swings forward 30 px a frame, lands at frame 10
    at x=150 and the belt carries it back 30 px a frame. Its reach is 50 px whether the contact is timed on frame 10 or
    a frame either side; read at the instant it would be 20, 50 or 20 px."""
    t = np.arange(30, dtype=float)
    x = np.where(t <= 10, 150 + 30 * (t - 10), 150 - 30 * (t - 10))
    com = np.full(30, 100.0)
    assert landing_reach_px(x, com, timed_at, 30.0, +1) == pytest.approx(50.0)
    assert value_at(x, timed_at) - 100 == pytest.approx(50.0 - 30 * abs(timed_at - 10))
    assert landing_travel_px(x, com, timed_at, 30.0, +1) == pytest.approx(30.0)  # the belt's travel in a frame


def test_landing_travel_is_the_planted_foots_whichever_side_of_the_landing_the_reach_was_sampled():
    """30 fps, facing right, COM still: the heel swings forward 40 px a frame and lands at t=10.4 (x=150), then the belt
    carries it back 25 px a frame. Frames 10 (x=134) and 11 (x=135) straddle the landing and frame 11 holds the
    reach; the travel is read from frames 12 and 13, both planted: 25 px, not the 1 px the landing frame pair shows."""
    t = np.arange(30, dtype=float)
    x = np.where(t <= 10.4, 150 + 40 * (t - 10.4), 150 - 25 * (t - 10.4))
    com = np.full(30, 0.0)
    assert landing_reach_px(x, com, 10.4, 30.0, +1) == pytest.approx(135.0)  # 15 px short; at most 40 * 25 / (40 + 25) = 15.4
    assert landing_travel_px(x, com, 10.4, 30.0, +1) == pytest.approx(25.0)


def test_landing_travel_skips_a_frame_the_cleaning_removed_after_the_reach():
    """The V of the first test (reach at frame 10, the belt carrying the heel back 30 px a frame) with frame 11 missing:
    the travel comes from the next two placed frames, 12 and 13 (30 px), not NaN (which dropped the step's sampling
    part from overstride's interval); with frames 11-15 all missing there is none to read."""
    t = np.arange(30, dtype=float)
    x = np.where(t <= 10, 150 + 30 * (t - 10), 150 - 30 * (t - 10))
    com = np.full(30, 100.0)
    x[11] = np.nan
    assert landing_travel_px(x, com, 10.0, 30.0, +1) == pytest.approx(30.0)
    x[11:16] = np.nan
    assert np.isnan(landing_travel_px(x, com, 10.0, 30.0, +1))


def test_landing_reach_overground_is_the_planted_foot_ahead_of_the_body():
    """60 fps overground, runner facing left (forward = -x): the body moves 8 px a frame, the swinging heel 20 px a frame
    until it lands at x=200 on frame 20 and stays there. At frame 20 the COM is at 260: the reach is 60 px, also for a
    contact timed two frames early; the body passes over the planted foot afterwards."""
    t = np.arange(60, dtype=float)
    com = 260 - 8 * (t - 20)
    heel = np.where(t < 20, 200 - 20 * (t - 20), 200.0)
    assert landing_reach_px(heel, com, 20.0, 60.0, -1) == pytest.approx(60.0)
    assert landing_reach_px(heel, com, 18.0, 60.0, -1) == pytest.approx(60.0)


def test_value_at_interpolates_and_clamps():
    y = np.array([[0.0, 10.0], [2.0, 20.0], [4.0, 30.0]])
    assert value_at(y, 0.25) == pytest.approx([0.5, 12.5])
    assert value_at(y, 2.0) == pytest.approx([4.0, 30.0])
    assert value_at(y, 5.0) == pytest.approx([4.0, 30.0])  # past the end: the last sample


def test_landing_reach_skips_missing_samples_and_is_nan_without_any():
    """The window of a contact at 3.0 (30 fps: frames 2-5) with the farthest sample missing: the farthest placed one."""
    x = np.array([0.0, 1.0, 2.0, np.nan, 9.0, 5.0, 40.0])
    assert landing_reach_px(x, np.zeros(7), 3.0, 30.0, +1) == pytest.approx(9.0)
    assert np.isnan(landing_reach_px(np.full(7, np.nan), np.zeros(7), 3.0, 30.0, +1))


def test_track_position_follows_uneven_timestamps():
    """Variable frame rate: frames at 0, 0.01, 0.03, 0.06 s; 0.045 s lies half way between frames 2 and 3."""
    n = 4
    track = PoseTrack(
        keypoints_px=np.zeros((n, 33, 2)), depth_px=np.zeros((n, 33)), visibility=np.ones((n, 33)),
        presence=np.ones((n, 33)), world_m=np.zeros((n, 33, 3)), timestamps_s=np.array([0.0, 0.01, 0.03, 0.06]),
        frame_indices=np.arange(n), fps=50.0, image_size=(10, 10), source="test", info={},
    )
    assert track_position(track, 0.045) == pytest.approx(2.5)
    assert track_position(track, 0.02) == pytest.approx(1.5)


def test_smooth_value_at_is_exact_for_a_cubic_and_beats_the_chord_near_a_peak():
    """A thigh angle near its turning point, 30 * cos(0.3 t) deg: at t = 0.5 it is 30 cos(0.15) = 29.6627 deg.
    The chord between frames 0 and 1 gives (30 + 30 cos 0.3) / 2 = 29.3300 (0.33 deg low); the cubic through frames
    -1..2 is off by < 0.01 deg. A cubic polynomial is reproduced exactly; next to a gap or the ends, linear."""
    t = np.arange(-5, 6, dtype=float)
    y = 30 * np.cos(0.3 * t)
    assert value_at(y, 5.5) == pytest.approx(29.3300, abs=1e-3)
    assert smooth_value_at(y, 5.5) == pytest.approx(29.6627, abs=0.01)
    p = 0.5 * t**3 - 2 * t**2 + t - 4
    assert smooth_value_at(p, 7.3) == pytest.approx(0.5 * 2.3**3 - 2 * 2.3**2 + 2.3 - 4, abs=1e-9)
    q = p.copy()
    q[9] = np.nan
    assert smooth_value_at(q, 7.3) == pytest.approx(0.7 * p[7] + 0.3 * p[8])
    assert smooth_value_at(p, 0.4) == pytest.approx(0.6 * p[0] + 0.4 * p[1])


# ------------------------------------------------------------------------------------------ only complete steps
def _synthetic_runner_60fps():
    from formcheck.synth.gait import GaitParams, simulate_gait

    return simulate_gait(GaitParams(fps=60, duration_s=6))


def test_a_stance_the_clip_ends_inside_gets_no_metrics():
    """The synthetic runner's last stance (left foot, true contact 5.753 s = frame 346, toe-off 5.960 s) cut 0.1 s after
    its contact: the clip shows the landing but not the lift. Before this rule the step was reported with an
    overstride (14.4 % leg) and no toe-off; now it is not measured at all, and is counted as cut off. Every step that
    is reported has its toe-off at least TOE_OFF_TRAIL_S before the clip's last frame, and the steps before it are the
    same as in the uncut clip."""
    from formcheck.analysis import analyze_track
    from formcheck.metrics import TOE_OFF_TRAIL_S
    from formcheck.synth.gait import to_pose_track

    g = _synthetic_runner_60fps()
    last = g.steps[-1]
    assert last["contact_frame"] == 346 and last["toe_off_t_s"] > 5.9
    full = analyze_track(to_pose_track(g, noise_px=0.5))
    n = round((last["contact_t_s"] + 0.1) * 60)  # frames 0..350: ends 0.1 s into the 0.207 s stance
    cut = analyze_track(to_pose_track(g, noise_px=0.5).take(np.arange(n)))
    assert all(abs(s.contact_frame - last["contact_frame"]) > 3 for s in cut.steps)
    assert cut.quality["incomplete_steps"] >= 1
    end_s = (n - 1) / 60
    assert all(s.toe_off_frame is not None and s.toe_off_frame / 60 + TOE_OFF_TRAIL_S <= end_s + 1 / 60 for s in cut.steps)
    assert len(cut.steps) == len(cut.events.steps)  # the events drawn on the clip are the measured steps
    before_cut = [s for s in full.steps if s.toe_off_frame is not None and s.toe_off_frame / 60 + TOE_OFF_TRAIL_S <= end_s]
    assert [(s.side, s.contact_frame, s.toe_off_frame) for s in cut.steps] == [(s.side, s.contact_frame, s.toe_off_frame) for s in before_cut]


def test_a_stance_the_runner_is_out_of_view_for_gets_no_metrics():
    """The person is not detected for 12 frames (0.2 s, longer than cleaning fills) around the toe-off of the left stance
    at frames 176-188. Before this rule that stance was measured with a "toe-off" at frame 196, after the gap, and a hip
    extension of 4.0 deg (truth ~12); now it gets no metrics. The stances clear of the gap are still measured."""
    from formcheck.analysis import analyze_track
    from formcheck.synth.gait import to_pose_track

    g = _synthetic_runner_60fps()
    st = g.steps[8]
    assert (st["side"], st["contact_frame"], st["toe_off_frame"]) == ("left", 176, 188)
    gap = set(range(184, 196))
    a = analyze_track(to_pose_track(g, noise_px=0.5, dropout_frames=sorted(gap)))
    assert all(abs(s.contact_frame - 176) > 3 for s in a.steps)
    for s in a.steps:  # no measured stance touches the gap
        assert not gap & set(range(s.contact_frame - 4, s.toe_off_frame + 7))
    truth_clear = [t for t in g.steps if t["toe_off_frame"] + 7 < 184 or t["contact_frame"] - 4 > 195]
    assert len(a.steps) >= len(truth_clear) - 4  # the first and last stances of the clip are not seen whole either


@pytest.mark.slow
def test_sample_runs_cut_off_last_step_is_not_measured_or_drawn(pose_track_of):
    """sample_run.mp4 (480 frames at 60 fps) ends 0.11 s into a left stance (contact frame 473). It was measured as a
    0.076 s contact with -21.6 deg of hip extension at a "toe-off" on frame 476, and the annotated clip wrote that
    angle beside a foot flat on the belt. Now the step is gone from the steps, the events and the clip's overlay."""
    from pathlib import Path

    from formcheck.analysis import analyze_track
    from formcheck.overlay import overlay_from_analysis

    a = analyze_track(pose_track_of(Path(__file__).resolve().parents[1] / "sample_videos" / "sample_run.mp4"))
    assert all(s.contact_frame < 470 for s in a.steps)
    assert min(s.contact_time_s for s in a.steps) > 0.12  # rendered at ~0.21 s a contact; the cut one read 0.076
    assert all(s.hip_extension_deg > -5 for s in a.steps)
    marks = overlay_from_analysis(a).steps
    assert [m.contact_frame for m in marks] == [s.contact_frame for s in a.steps]
    assert all(m.toe_off_frame is None or m.toe_off_frame < 470 for m in marks)


@pytest.mark.parametrize(("n", "j"), [(5, 1), (6, 1), (10, 2), (16, 4), (1023, 480), (1024, 481), (2000, None)])
def test_median_ci95_order_statistics_at_any_step_count(n: int, j: int | None) -> None:
    """The j-th and (n+1-j)-th of n sorted values, j the largest with P(Binomial(n, 1/2) <= j-1) <= 2.5 %.

    j by hand for small n (n = 10: P(B <= 1) = 11/1024 = 1.1 %, P(B <= 2) = 56/1024 = 5.5 % -> 2nd..9th;
    n = 16: 697/65536 = 1.06 %, 2517/65536 = 3.8 % -> 4th..13th); for 2000 from scipy's binomial. The
    review: 2.0**n overflowed from 1024 values per side on."""
    from scipy.stats import binom

    from formcheck.metrics import median_ci95

    if j is None:
        j = int(binom.ppf(0.025, n, 0.5))  # smallest k with P(B <= k) >= 2.5 %
        j -= binom.cdf(j - 1, n, 0.5) > 0.025
        assert binom.cdf(j - 1, n, 0.5) <= 0.025 < binom.cdf(j, n, 0.5)
    values = np.random.default_rng(n).permutation(np.arange(1.0, n + 1) * 0.5)  # the k-th smallest is k / 2
    assert median_ci95(values) == (j * 0.5, (n + 1 - j) * 0.5)


@pytest.mark.parametrize(("gap_s", "fps", "expected"), [
    (0.07, 30.0, 0.07),     # a flight
    (-0.006, 30.0, 0.0),    # treadmill_side_01's -6 ms: an overlap within one 33 ms frame, i.e. no flight measured
    (-0.017, 30.0, 0.0),
    (-0.05, 30.0, -0.05),   # 1.5 frames of both feet down: kept, it is not timing noise
    (-0.006, 240.0, -0.006),  # at 240 fps a frame is 4.2 ms: 6 ms of overlap is measured
    (float("nan"), 30.0, None),
])
def test_flight_time_reads_an_overlap_under_a_frame_as_zero(gap_s: float, fps: float, expected: float | None) -> None:
    assert flight_time_s(gap_s, fps) == expected


@pytest.mark.parametrize("facing", ["left", "right"])
def test_the_back_of_the_heel_is_read_behind_mediapipes_heel_landmark(facing):
    """A synthetic runner's landmarks are the joints themselves: overstride matches its truth as measured. The same
    landmarks labelled as MediaPipe's (``info["model"]``) are read with the heel moved back by
    MEDIAPIPE_HEEL_AHEAD_FOOT of the leg's median heel-to-toe distance: every step's overstride drops by exactly that
    over the leg length (hand-computed here from the landmarks), the ankle's overstride does not move. Both facings:
    "back" is against the running direction, so a shift the wrong way would raise one facing's overstride."""
    from dataclasses import replace

    from formcheck import landmarks as lm
    from formcheck.analysis import analyze_track
    from formcheck.geometry import leg_length_px
    from formcheck.metrics import MEDIAPIPE_HEEL_AHEAD_FOOT, heel_shift_px
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    gait = simulate_gait(GaitParams(fps=60, duration_s=4.0, overstride_pct_leg=15.0, facing=facing))
    track = to_pose_track(gait)
    as_mediapipe = replace(track, info={**track.info, "model": "pose_landmarker_full.task"})
    plain, shifted = analyze_track(track), analyze_track(as_mediapipe)
    assert heel_shift_px(track, "left") == 0.0
    k = shifted.track.keypoints_px  # the cleaned landmarks the metrics read
    for side in ("left", "right"):
        foot = np.nanmedian(np.linalg.norm(k[:, lm.LEG[side]["foot_index"]] - k[:, lm.LEG[side]["heel"]], axis=-1))
        assert heel_shift_px(shifted.track, side) == pytest.approx(MEDIAPIPE_HEEL_AHEAD_FOOT * foot)
        drop = 100 * MEDIAPIPE_HEEL_AHEAD_FOOT * foot / leg_length_px(k, side)
        pairs = [(a, b) for a, b in zip(plain.steps, shifted.steps) if a.side == side]
        assert len(pairs) >= 4
        for a, b in pairs:
            assert a.contact_frame == b.contact_frame
            assert b.overstride_pct_leg == pytest.approx(a.overstride_pct_leg - drop, abs=0.01)  # values kept to 0.001
            assert b.overstride_ankle_pct_leg == a.overstride_ankle_pct_leg
        truth = np.median([st["overstride_pct_leg_exact"] for st in gait.steps if st["side"] == side])
        assert np.median([a.overstride_pct_leg for a, _ in pairs]) == pytest.approx(truth, abs=1.0)
        assert 2.5 < drop < 5.0  # a foot is about 0.3 leg lengths: 0.12 of it is 3-4 % leg


def test_the_heel_read_on_the_real_clip_lies_at_the_back_of_the_shoe(treadmill_track):
    """treadmill_side_01: the shoe's back digitised by eye at 8 contacts a leg, blind to the pose model
    (tests/fixtures/treadmill_side_01_heels.json). MediaPipe's heel landmark lies 6.9 (near) and 4.5 (far) % of
    leg length ahead of it (medians: 20 and 12 px, legs 290 and 268 px); moved back by heel_shift_px, 3.5 and 1.3 %. The
    back of the heel bone lies about 2 cm (~2.3 % leg) inside a running shoe's back, and each reading is good to
    about 4 px (1.4 % leg): the heel formcheck reads must lie 0-4.5 % leg inside the shoe's back on both legs."""
    import json
    from pathlib import Path

    from formcheck import landmarks as lm
    from formcheck.geometry import leg_length_px
    from formcheck.metrics import heel_shift_px

    digitised = json.loads((Path(__file__).parent / "fixtures" / "treadmill_side_01_heels.json").read_text())
    k = treadmill_track.keypoints_px
    for side in ("left", "right"):
        frames = np.array(digitised[side]["frames"])
        shoe_back = np.array(digitised[side]["shoe_back_x_px"], dtype=float)
        read = k[frames, lm.LEG[side]["heel"], 0] + heel_shift_px(treadmill_track, side)  # facing left: back = +x
        inside_pct_leg = 100 * np.median(shoe_back - read) / leg_length_px(k, side)
        assert 0.0 <= inside_pct_leg <= 4.5, (side, inside_pct_leg)


def test_overstride_on_the_real_clip_matches_the_digitised_shoes(treadmill_track):
    """treadmill_side_01: overstride from the digitised shoe backs (tests/fixtures/treadmill_side_01_heels.json, less the
    ~2 cm of shoe behind the heel bone) against formcheck's COM on the labelled contact frame
    (formcheck.evaluation.landmarks.digitised_overstride_steps): medians 19.4 (near, left) and 19.9 % leg (far).
    formcheck's medians over the same steps must lie within 5 % leg of them on each leg (each shoe is read to about
    1.4 % leg, the shoe allowance to about 1). Read at the contact instant, the near leg came out 7.6 % leg short
    (its contacts are timed 1-1.8 frames early, 30 fps); read as the foot's reach ahead of the COM, +4.1 (near: the
    heel keeps moving forward a frame after the labelled touch) and -0.8 (far)."""
    import json
    from pathlib import Path

    from formcheck.analysis import analyze_track
    from formcheck.evaluation.landmarks import digitised_overstride_steps

    digitised = json.loads((Path(__file__).parent / "fixtures" / "treadmill_side_01_heels.json").read_text())
    truth = digitised_overstride_steps(digitised, treadmill_track, "left")
    analysis = analyze_track(treadmill_track)
    for side in ("left", "right"):
        pairs = []
        for t in (t for t in truth if t.side == side):
            step = next((s for s in analysis.steps if s.side == side and abs(s.contact_frame - t.contact_frame) <= 1), None)
            if step is not None and step.overstride_pct_leg is not None:
                pairs.append((step.overstride_pct_leg, t.overstride_pct_leg))
        assert len(pairs) >= 6, (side, len(pairs))
        read, true = np.median([p[0] for p in pairs]), np.median([p[1] for p in pairs])
        assert abs(read - true) <= 5.0, (side, read, true)



@pytest.mark.parametrize("facing", ["left", "right"])
def test_heel_offset_at_contacts_measures_a_heel_placed_ahead(facing):
    """benchmarks/heel_offset.py's measure: a synthetic runner's heel landmark put 6 px ahead of the true heel (in
    the running direction) reads 6 px over the leg's median heel-to-toe distance (computed here from the landmarks);
    the untouched leg reads 0."""
    from dataclasses import replace

    from formcheck import landmarks as lm
    from formcheck.evaluation.landmarks import heel_offset_at_contacts
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    gait = simulate_gait(GaitParams(fps=60, duration_s=3.0, facing=facing))
    track = to_pose_track(gait)
    near = gait.params.near_side
    truth = {"summary": gait.truth, "steps": gait.steps, "frames": {"landmarks_px": gait.landmarks_px.tolist()}}  # as written
    k = track.keypoints_px.copy()
    heel, toe = lm.LEG[near]["heel"], lm.LEG[near]["foot_index"]
    k[:, heel, 0] += (1 if facing == "right" else -1) * 6.0
    foot = np.nanmedian(np.linalg.norm(k[:, heel] - k[:, toe], axis=-1))
    offsets = heel_offset_at_contacts(replace(track, keypoints_px=k), truth)
    assert offsets["near"] == pytest.approx(6.0 / foot, abs=1e-9)
    assert offsets["far"] == pytest.approx(0.0, abs=1e-9)


def test_cadence_counts_strides_near_the_period_only():
    """Each foot's strides from its Zeni instants, 0.66 s apart (cadence 181.8): a last contact placed 0.82 of a stride
    after the one before (a rhythm-placed contact at a clip's end, seen on a rendered pass, +5.2 %) does not count, nor
    does a double stride (a missed contact); the cadence of the regular strides stands."""
    from formcheck.events import GaitEvents, StepEvents
    from formcheck.metrics import cadence_spm

    def step(side: str, at_s: float) -> StepEvents:
        return StepEvents(side=side, contact_index=0, contact_at_s=at_s + 0.02, toe_off_index=None, toe_off_at_s=None,
                          toe_off_method="none", candidate_at_s=at_s)

    left = [step("left", 0.66 * k) for k in range(4)] + [step("left", 0.66 * 3 + 0.82 * 0.66)]
    right = [step("right", 0.33 + 0.66 * k) for k in (0, 1, 3)]  # a missed contact: one double stride
    events = GaitEvents(steps=sorted(left + right, key=lambda s: s.contact_at_s), stride_period_frames=0.66 * 60,
                        facing="left", fps=60.0)
    assert cadence_spm(events) == pytest.approx(120.0 / 0.66)


def test_cadence_is_not_moved_by_one_stance_at_the_clip_edge():
    """A rendered pass (heldout_560, 50 fps): the right foot's last stance, where the runner leaves the frame, was
    placed 0.86 of a stride after the one before, within the whole strides' 15 %. The mean stride of a run is its last
    marker less its first over the strides, so that one stance moved the cadence +3.2 %; the median of the pairs'
    strides (Theil-Sen) is one of the regular strides. Also: marker noise inside a run cancels as it does in the mean."""
    from formcheck.events import GaitEvents, StepEvents
    from formcheck.metrics import cadence_spm

    def step(side: str, at_s: float) -> StepEvents:
        return StepEvents(side=side, contact_index=0, contact_at_s=at_s + 0.02, toe_off_index=None, toe_off_at_s=None,
                          toe_off_method="none", candidate_at_s=at_s)

    def cadence(left: list[float], right: list[float]) -> float | None:
        steps = [step("left", t) for t in left] + [step("right", t) for t in right]
        return cadence_spm(GaitEvents(steps=sorted(steps, key=lambda s: s.contact_at_s), stride_period_frames=0.7 * 50,
                                      facing="left", fps=50.0))

    left = [0.35, 1.05, 1.75]
    right = [0.0, 0.7, 1.4, 1.4 + 0.86 * 0.7]  # the last 0.6 s after the one before
    # by hand, the right foot's pairs: 0.7, 0.7, 0.602, (1.4 - 0)/2 = 0.7, (2.002 - 0.7)/2 = 0.651, 2.002/3 = 0.667;
    # the left's 0.7, 0.7, 0.7: the median of the nine is 0.7 s (171.4 steps/min); the mean stride was 0.674 s (178.0)
    assert cadence(left, right) == pytest.approx(120.0 / 0.7)
    # a marker 0.02 s late inside a run: its strides 0.72 and 0.68 s; the pairs 0.72, 0.68 and 0.7 give the 0.7 s back
    assert cadence([0.35, 1.07, 1.75], [0.0, 0.7, 1.4]) == pytest.approx(120.0 / 0.7)


def test_cadence_leaves_out_an_implied_marker_while_enough_peaks_remain():
    """Strides of 0.66 s between Zeni peaks (cadence 181.8); a planted stance's marker, implied from its contact, 0.05 s
    late (3 frames at 60 fps; heldout_18's was 2), makes the strides to and from it 0.71 and 0.61 s (or, first, 0.61 s).
    With 3 strides between peaks of their own those are left out; with fewer they are all there is, and count."""
    from formcheck.events import GaitEvents, StepEvents
    from formcheck.metrics import cadence_spm

    def step(side: str, at_s: float, implied: bool = False) -> StepEvents:
        return StepEvents(side=side, contact_index=0, contact_at_s=at_s + 0.02, toe_off_index=None, toe_off_at_s=None,
                          toe_off_method="none", candidate_at_s=at_s, marker_implied=implied)

    def cadence(steps: list[StepEvents]) -> float | None:
        return cadence_spm(GaitEvents(steps=sorted(steps, key=lambda s: s.contact_at_s), stride_period_frames=0.66 * 60,
                                      facing="left", fps=60.0))

    late_first = step("left", 0.05, implied=True)
    left = [late_first] + [step("left", 0.66 * k) for k in (1, 2, 3)]
    right = [step("right", 0.33 + 0.66 * k) for k in range(3)]
    assert cadence(left + right) == pytest.approx(120.0 / 0.66)  # 4 strides between peaks: the implied one left out
    # 2 of them: the implied stance's pairs count too, left 0.05 -> 0.66 (0.61 s) and 0.05 -> 1.32 (0.635 s a stride)
    assert cadence(left[:3] + right[:2]) == pytest.approx(120.0 / np.median([0.66, 0.66, 0.61, 0.635]))
    late_middle = [step("left", 0.0), step("left", 0.71, implied=True), step("left", 1.32), step("left", 1.98)]
    assert cadence(late_middle + right) == pytest.approx(120.0 / 0.66)  # both strides that touch it left out


def test_interval_spans_a_shared_timing_error_as_a_root_sum_of_squares():
    """spread(): the steps' interval of the median (here 2-9 of 1..10, Conover's table) grows on each side to
    sqrt(side^2 + timing^2), and says how much timing it holds: 5.5 - hypot(3.5, 1.2) = 1.8, 5.5 + hypot(3.5, 1.2) = 9.2."""
    from formcheck.metrics import spread

    plain = spread(list(np.arange(1.0, 11.0)))
    assert plain["ci95"] == [2.0, 9.0] and "timing_pm" not in plain
    wide = spread(list(np.arange(1.0, 11.0)), timing_pm=1.2)
    assert wide["median"] == 5.5 and wide["timing_pm"] == 1.2
    assert wide["ci95"] == pytest.approx([5.5 - np.hypot(3.5, 1.2), 5.5 + np.hypot(3.5, 1.2)], abs=1e-3)
    assert spread([4.0, 5.0, 6.0], timing_pm=0.0)["ci95"] == [4.0, 6.0]  # nothing to add


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_overstride_and_contact_time_intervals_hold_what_the_frames_cannot_show(fps: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """A synthetic treadmill runner (true joint centres, 3 m/s belt). Overstride is the foot's reach ahead of the COM
    (formcheck.metrics.landing_reach_px), which a contact timed off does not move, but which the frames can miss; its
    interval holds half a frame of the planted foot's travel for that: the belt's, 100 * 3.0 * (0.5 / fps) / leg % of
    leg length (leg = the model's hip-to-ankle length), whatever the events' timing error. Contact time moves by that
    error, tau (a leg's contact and toe-off are off together; tau a frame, no less than 25 ms: 33 ms at 30 fps, 25 at
    60); flight time, from one leg's toe-off to the other's contact, by sqrt(2) * tau. The summary's
    interval holds that much more than the steps' spread alone."""
    import formcheck.analysis as analysis_module
    from formcheck.metrics import event_timing_s
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    gait = simulate_gait(GaitParams(fps=fps, duration_s=6.0, image_size=(640, 360), speed_m_s=3.0))
    track = to_pose_track(gait)
    track.info["video_fps"] = gait.fps
    seen = {}
    real = analysis_module.step_metrics

    def keep(*args, **kwargs):
        seen["steps"], seen["args"], seen["kwargs"] = real(*args, **kwargs), args, kwargs
        return seen["steps"]

    monkeypatch.setattr(analysis_module, "step_metrics", keep)
    result = analysis_module.analyze_track(track).result
    assert event_timing_s(fps) == pytest.approx({30.0: 1 / 30, 60.0: 0.025}[fps])
    expected = 100 * 3.0 * (0.5 / fps) / gait.truth["leg_length_m"]  # 5.8 % leg at 30 fps, 2.9 at 60
    pm = [s.timing_pm["overstride_pct_leg"] for s in seen["steps"]]
    # relative to the COM, which slows in early stance and so moves back in the image: 0.8-1.0 of the belt's travel
    assert np.median(pm) == pytest.approx(expected, rel=0.25)
    assert all(s.timing_pm["contact_time_s"] == pytest.approx(event_timing_s(fps)) for s in seen["steps"])
    assert all(s.timing_pm["flight_time_s"] == pytest.approx(np.sqrt(2) * event_timing_s(fps)) for s in seen["steps"] if s.flight_time_s)
    summary = result.summary.left.metric("overstride_pct_leg")
    assert summary.timing_pm == pytest.approx(expected, rel=0.25)
    lo, hi = summary.ci95
    steps_lo, steps_hi = median_ci95(np.array([s.overstride_pct_leg for s in result.steps if s.side == "left"]))
    assert lo < steps_lo and steps_hi < hi and hi - lo >= 2 * summary.timing_pm - 2e-3  # rounded to 3 decimals
    assert hi - lo > 2 * (steps_hi - steps_lo)  # a synthetic runner's steps barely differ: the frames are most of it

    # the angles: the larger of the changes when every contact (toe-off) really is half a frame earlier or later,
    # measured by running the steps again with the events moved (the knee near its turning point at contact moves
    # little one way and more the other: the mean of the two would hide it)
    from dataclasses import replace

    events, tau = seen["args"][1], event_timing_s(fps)

    def moved(contact_s: float, toe_off_s: float):
        shifted = [replace(s, contact_at_s=s.contact_at_s + contact_s,
                           toe_off_at_s=None if s.toe_off_at_s is None else s.toe_off_at_s + toe_off_s) for s in events.steps]
        return real(seen["args"][0], replace(events, steps=shifted), *seen["args"][2:], **seen["kwargs"])

    runs = {"contact": (moved(-tau, 0.0), moved(tau, 0.0)), "toe_off": (moved(0.0, -tau), moved(0.0, tau))}
    for metric, event in (("shank_angle_deg", "contact"), ("knee_flexion_contact_deg", "contact"), ("hip_extension_deg", "toe_off")):
        early, late = runs[event]
        for step, e, lt in zip(seen["steps"], early, late):
            value = getattr(step, metric)
            assert step.timing_pm[metric] == pytest.approx(max(abs(getattr(lt, metric) - value), abs(value - getattr(e, metric))),
                                                           abs=1e-6), (metric, step.contact_frame)


def test_a_stance_cut_by_the_clips_start_keeps_its_toe_off_not_its_short_contact():
    """A treadmill clip that starts mid-stance: the detector's "contact" 3 frames in and the toe-off 3 frames later
    (60 fps, 0.05 s: shorter than any running stance) were both left out, the true toe-off with the false contact
    (heldout_151's first right toe-off, frame 7). A stance that short whose contact lies at the clip's start is a
    stance the clip cut: its toe-off is listed, uncertain, its contact is not. The same short stance later in the clip
    (a foot lost, not cut) lists neither."""
    from dataclasses import replace

    from formcheck.events import GaitEvents, StepEvents
    from formcheck.metrics import shown_events

    n, fps = 120, 60.0
    track = PoseTrack(
        keypoints_px=np.ones((n, 33, 2)), depth_px=np.zeros((n, 33)), visibility=np.ones((n, 33)),
        presence=np.ones((n, 33)), world_m=np.zeros((n, 33, 3)), timestamps_s=np.arange(n) / fps,
        frame_indices=np.arange(n), fps=fps, image_size=(100, 100), source="test", info={},
    )

    def stance(c: int, o: int) -> StepEvents:
        return StepEvents(side="right", contact_index=c, contact_at_s=c / fps, toe_off_index=o, toe_off_at_s=o / fps,
                          toe_off_method="toe_lift", contact_method="landing", candidate_at_s=c / fps)

    shown = shown_events(track, GaitEvents(steps=[stance(3, 6), stance(30, 44)], stride_period_frames=50.0,
                                           facing="right", fps=fps))
    assert [(e.kind, e.index, e.timing_uncertain) for e in shown] == [("toe_off", 6, True), ("contact", 30, False),
                                                                     ("toe_off", 44, False)]
    kp = track.keypoints_px.copy()
    kp[62:66] = np.nan  # the runner lost for 4 frames after a contact at 60: that stance is not complete
    lost = replace(track, keypoints_px=kp)
    shown = shown_events(lost, GaitEvents(steps=[stance(60, 63)], stride_period_frames=50.0, facing="right", fps=fps))
    assert shown == []


@pytest.mark.parametrize("toe_off_method, measured", [("toe_lift", True), ("knee_extension", True), ("template", False),
                                                      ("edge", False)])
def test_a_stance_whose_toe_off_was_placed_is_not_measured(toe_off_method, measured):
    """A stance in the middle of a 3 s, 60 fps model clip, its contact timed on the foot: measured when its toe-off was
    timed on the foot too, not when it was placed for a stride the clip cuts (on the leg's stride template, or at the
    clip's edge): such events are listed, never measured (before: measured when 0.1 s from the clip's end)."""
    from formcheck.events import StepEvents
    from formcheck.metrics import incomplete_reason
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    track = to_pose_track(simulate_gait(GaitParams(fps=60, duration_s=3.0)))
    step = StepEvents(side="left", contact_index=90, contact_at_s=1.5, toe_off_index=105, toe_off_at_s=1.75,
                      toe_off_method=toe_off_method, contact_method="landing")
    reason = incomplete_reason(track, step)
    assert (reason is None) == measured, reason


def test_asymmetry_percentage_only_for_medians_of_one_sign() -> None:
    """A newcomer's test: the shank at contact, left -8.5 and right +12.5 deg, read an asymmetry of -200 %."""
    from formcheck.metrics import StepMetrics, summarise
    from formcheck.result import STEP_FIELDS

    def steps(side: str, shank: float, contact: float) -> list[StepMetrics]:
        blank = {**dict.fromkeys(STEP_FIELDS), "side": side, "near": side == "left", "visibility": 1.0, "toe_off_method": "toe_lift"}
        return [StepMetrics(**{**blank, "contact_frame": 10 * i, "shank_angle_deg": shank, "contact_time_s": contact})
                for i in range(6)]

    asym = summarise(steps("left", -8.5, 0.30) + steps("right", 12.5, 0.25))["asymmetry"]
    assert asym["shank_angle_deg"] == {"left_minus_right": -21.0, "pct": None}
    assert asym["contact_time_s"]["pct"] == pytest.approx(100 * 0.05 / 0.275, abs=0.1)  # 18.2 %


def test_a_toe_off_lent_by_the_other_leg_gives_no_contact_or_flight_time():
    """A leg whose toe-offs were placed at the other leg's median contact time
    (events.toe_offs_by_the_better_seen_leg) has no contact time of its own: a newcomer's 5 s cut of
    treadmill_side_01 read the far leg "348 ms [348, 348]", the near leg's median to the ms, with a "mild long ground
    contact" graded on it and flights down to -122 ms. Such a step lists no contact or flight time, nor the hip drive
    over it; the other leg's, and the step's own overstride, stay as measured (a 60 fps model runner)."""
    from dataclasses import replace

    from formcheck.clean import clean_track
    from formcheck.com import segment_weighted_com
    from formcheck.events import OTHER_LEG_CONTACT_TIME, detect_events
    from formcheck.geometry import hip_midpoint, near_side
    from formcheck.metrics import step_metrics
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    gait = simulate_gait(GaitParams(fps=60, duration_s=4.0))
    cleaned = clean_track(to_pose_track(gait))
    ct = cleaned.track
    facing = gait.params.facing
    events = detect_events(ct, facing, light=cleaned.light, filled=cleaned.filled)
    lent = replace(events, steps=[replace(s, doubts=(*s.doubts, OTHER_LEG_CONTACT_TIME)) if s.side == "left" else s
                                  for s in events.steps])
    args = (segment_weighted_com(ct.keypoints_px), hip_midpoint(ct.keypoints_px), facing, near_side(facing))
    before = step_metrics(ct, events, *args, light=cleaned.light)
    after = step_metrics(ct, lent, *args, light=cleaned.light)
    assert [m.side for m in before] == [m.side for m in after] and {m.side for m in after} == {"left", "right"}
    for b, a in zip(before, after, strict=True):
        if a.side == "left":
            assert b.contact_time_s is not None and a.contact_time_s is None and a.flight_time_s is None
            assert b.hip_extension_velocity_deg_s is not None and a.hip_extension_velocity_deg_s is None  # per copied time
        else:
            assert (a.contact_time_s, a.flight_time_s) == (b.contact_time_s, b.flight_time_s)
        assert a.overstride_pct_leg == b.overstride_pct_leg


def test_a_reach_read_next_to_missing_frames_leaves_the_step_out():
    """A phone's dropped frames can take away the frame where the foot reached farthest ahead: a newcomer's copy of
    treadmill_side_01 missing every 7th frame read 13.6 and 15.1 % leg for contacts of 26.6 and 23.6 %, unflagged,
    as the events' own doubt looks only at the contact's frame. A 30 fps model runner with the frame after each left
    reach dropped: those steps' overstride is not measured (REACH_BY_A_GAP; their other metrics are, and they stay in
    the medians), the right leg's steps keep theirs, and with no frame missing no step loses it."""
    from formcheck import landmarks as lm
    from formcheck.analysis import analyze_track
    from formcheck.clean import clean_track
    from formcheck.metrics import REACH_BY_A_GAP, reach_index
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    track = to_pose_track(simulate_gait(GaitParams(fps=30, duration_s=8.0)), noise_px=0.3)
    whole = analyze_track(track)
    assert not any(REACH_BY_A_GAP in (m.timing_note or "") for m in whole.result.steps)
    fwd = 1 if whole.facing == "right" else -1
    light = clean_track(track).light  # the track the reach is read on (formcheck.analysis)
    reaches = [reach_index(light.keypoints_px[:, lm.LEFT_HEEL, 0], whole.com_px[:, 0], s.contact_at_s * 30.0, 30.0, fwd)
               for s in whole.events.steps if s.side == "left"]
    dropped = {r + 1 for r in reaches if r is not None}
    assert len(dropped) >= 4
    cut = analyze_track(track.take(np.array([i for i in range(track.n_frames) if i not in dropped])))
    by_gap = [m for m in cut.result.steps if REACH_BY_A_GAP in (m.timing_note or "")]
    assert by_gap and all(m.side == "left" and m.overstride_pct_leg is None and m.overstride_ankle_pct_leg is None
                          and m.shank_angle_deg is not None for m in by_gap)
    assert len(by_gap) >= len(dropped) - 2  # (a step at the clip's ends may not be measured)
    assert all(m.overstride_pct_leg is not None for m in cut.result.steps if m.side == "right")


def test_steps_that_scatter_lower_the_confidence():
    """16 well-seen steps of the near leg would be "high". Their middle half spanning 2.1 % leg of overstride
    (treadmill_side_01, 0.7 of its 3 % leg SDC) keeps it; 8.5 % (2.8 SDCs) makes it "medium"; 14.5 % (a newcomer's
    150 kbit/s copy: 4.8 SDCs) "low"."""
    from formcheck.metrics import confidence, iqr_in_sdc

    def level(iqr):
        return confidence(16, 0.95, iqr_sdc=iqr_in_sdc("overstride_pct_leg", {"iqr": iqr}))

    assert [level([21.7, 23.8]), level([11.0, 19.5]), level([7.2, 21.7])] == ["high", "medium", "low"]
    assert iqr_in_sdc("overstride_cm", {"iqr": [1.0, 2.0]}) is None  # no SDC of its own: judged by the % leg figure

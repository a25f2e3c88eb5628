"""Saying how sure the event timing is: per-step doubts, medians without them, clip warnings, confidence."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.analysis import analyze_track
from formcheck.events import EventParams, StepEvents, with_doubts
from formcheck.metrics import summarise
from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

PARAMS = dict(fps=60.0, duration_s=6.0, cadence_spm=170.0, speed_m_s=3.0, facing="left", treadmill=True, seed=0)


def _steps(offsets_s, contact_s=0.25, stride_s=0.7):
    """One leg's stances, contact ``offset`` after the foot's most anterior instant."""
    return [StepEvents(side="left", contact_index=0, contact_at_s=i * stride_s + off, toe_off_index=0,
                       toe_off_at_s=i * stride_s + off + contact_s, toe_off_method="toe_lift", candidate_at_s=i * stride_s)
            for i, off in enumerate(offsets_s)]


def test_a_step_timed_unlike_its_leg_is_doubted():
    """Contacts 0.02 s after the anterior instant, one at 0.12 s (0.14 stride from the median): only it is doubted,
    and for both its contact and its contact time (its toe-off stayed put)."""
    steps = _steps([0.02, 0.021, 0.019, 0.12, 0.02, 0.022])
    steps[3] = replace(steps[3], toe_off_at_s=steps[3].toe_off_at_s - 0.1)
    out = sorted(with_doubts(steps, 0.7, EventParams()), key=lambda s: s.contact_at_s)
    assert [bool(s.doubts) for s in out] == [False, False, False, True, False, False]
    assert out[3].doubts == ("contact timed unlike this leg's other steps", "contact time unlike this leg's other steps")


def test_two_steps_are_too_few_to_doubt():
    assert not any(s.doubts for s in with_doubts(_steps([0.0, 0.2]), 0.7, EventParams()))


def test_medians_leave_out_doubted_steps(clean_analysis):
    """The summary's medians are those of the certain steps when at least 3 remain on the leg."""
    steps = list(clean_analysis.steps)
    left = [i for i, s in enumerate(steps) if s.side == "left"]
    doubted = left[0]
    steps[doubted] = replace(steps[doubted], overstride_pct_leg=99.0, timing_uncertain=True, timing_note="test")
    certain = [s.overstride_pct_leg for i, s in enumerate(steps) if s.side == "left" and i != doubted]
    assert summarise(steps)["left"]["overstride_pct_leg"]["median"] == pytest.approx(np.median(certain), abs=1e-3)
    assert summarise(steps)["left"]["overstride_pct_leg"]["n"] == len(certain)


def test_the_uncertain_steps_warning_says_whether_the_medians_leave_them_out(clean_analysis):
    """A leg leaves its uncertain steps out of its medians only while 3 certain ones remain (a pass of 3 steps
    warned "they are left out of the medians" and then took a leg's median from its one, uncertain, step)."""
    from formcheck.quality import uncertain_steps_warning

    steps = list(clean_analysis.steps)
    left = [i for i, s in enumerate(steps) if s.side == "left"]
    right = [i for i, s in enumerate(steps) if s.side == "right"]

    def warned(doubted: list[int]) -> str | None:
        return uncertain_steps_warning([replace(s, timing_uncertain=i in doubted) for i, s in enumerate(steps)])

    assert len(left) == len(right) == 8
    assert warned(left[:2]) is None  # 2 of 16 steps: no warning
    few_certain = left[:6]  # the left leg keeps 2 certain steps: its medians count the uncertain ones
    assert "so the medians rest on them" in warned(few_certain)
    assert "they are left out of the medians" in warned(left[:3] + right[:2])  # 5 and 6 certain steps remain
    mixed = warned(few_certain + right[:3])
    assert "3 left out of the medians" in mixed and f"uncertain on {len(few_certain) + 3} of {len(steps)}" in mixed


@pytest.fixture(scope="module")
def clean_analysis():
    return analyze_track(to_pose_track(simulate_gait(GaitParams(**PARAMS)), noise_px=0.5, seed=1))


def test_poor_timing_evidence_gets_a_warning_and_lower_confidence(clean_analysis):
    """The same runner with 8 px of landmark noise (feet jittering by about 3 % of leg length; what crf-40 compression and
    motion blur do to MediaPipe's feet on real clips, and worse): a jitter warning, and every leg metric's
    confidence one notch lower than on the clean track."""
    gait = simulate_gait(GaitParams(**PARAMS))
    noisy = analyze_track(to_pose_track(gait, noise_px=8.0, seed=1))
    leg_px = clean_analysis.quality["timing_evidence"]["foot_jitter_pct_leg"]
    assert not any("jitter" in w or "uncertain" in w for w in clean_analysis.quality["warnings"]), clean_analysis.quality["warnings"]
    assert leg_px < 1.0
    assert noisy.quality["timing_evidence"]["foot_jitter_pct_leg"] > 2.5
    assert any("jitter" in w for w in noisy.quality["warnings"])
    rank = {"low": 0, "medium": 1, "high": 2}
    for metric in ("overstride_pct_leg", "shank_angle_deg", "contact_time_s"):
        assert rank[noisy.summary["left"][metric]["confidence"]] < rank[clean_analysis.summary["left"][metric]["confidence"]]


def test_a_camera_at_ground_level_is_told_to_move_up():
    """Near and far feet land on the same image line when the camera is at the running surface (0.05 m up)."""
    low = analyze_track(to_pose_track(simulate_gait(GaitParams(**PARAMS, camera_height_m=0.05)), noise_px=0.5, seed=1))
    hip = analyze_track(to_pose_track(simulate_gait(GaitParams(**PARAMS, camera_height_m=1.0)), noise_px=0.5, seed=1))
    assert any("camera is at ground level" in w for w in low.quality["warnings"])
    assert not any("ground level" in w for w in hip.quality["warnings"])


def test_feet_never_seen_landing_get_a_warning_and_lower_confidence(clean_analysis):
    """The same runner with the heel and toe heights averaged over 0.15 s (both feet), so no landing stops sharply,
    as MediaPipe's filtered heel does on a small or blurred foot (the far-foot-hidden render: 0 of 10 contacts timed
    by a landing): every contact falls back on the foot's most-forward instant (or, with no landing on either leg,
    on the foot's descent to the ground after it; a stride the clip cuts, on the leg's others), a warning says so, and the
    contact metrics' confidence drops a notch. The clean track: every contact timed by a landing, no warning."""
    track = to_pose_track(simulate_gait(GaitParams(**PARAMS)), noise_px=0.5, seed=1)
    kp = track.keypoints_px.copy()
    width = 9  # frames at 60 fps
    for side in ("left", "right"):
        for joint in ("heel", "foot_index"):
            y = np.pad(kp[:, lm.LEG[side][joint], 1], width // 2, mode="edge")
            kp[:, lm.LEG[side][joint], 1] = np.convolve(y, np.ones(width) / width, mode="valid")
    soft = analyze_track(track.with_keypoints(kp))
    assert {s.contact_method for s in soft.events.steps} <= {"zeni", "descent", "template"}
    assert soft.quality["timing_evidence"]["landing_timed_contacts"] == 0.0
    assert any("not seen landing" in w for w in soft.quality["warnings"])
    assert clean_analysis.quality["timing_evidence"]["landing_timed_contacts"] == 1.0
    assert not any("not seen landing" in w for w in clean_analysis.quality["warnings"])
    rank = {"low": 0, "medium": 1, "high": 2}
    assert rank[soft.summary["left"]["overstride_pct_leg"]["confidence"]] < rank[clean_analysis.summary["left"]["overstride_pct_leg"]["confidence"]]


def test_the_far_leg_is_never_trusted_highly(clean_analysis):
    """A clean synthetic track, 10 steps a leg. With MediaPipe saying both legs are well visible (0.95, as it
    often does for the hidden leg of a real clip), the near leg's overstride is "high" and the far leg's
    "medium": its knee and foot are guessed behind the near leg. The cap is not a second penalty: a far leg
    already "medium" from its visibility stays "medium"."""
    near = clean_analysis.near_side
    far = "right" if near == "left" else "left"
    steps = [replace(s, visibility=0.95) for s in clean_analysis.steps]
    summary = summarise(steps)
    assert summary[near]["n_steps"] >= 7 and summary[far]["n_steps"] >= 7
    assert summary[near]["overstride_pct_leg"]["confidence"] == "high"
    assert summary[far]["overstride_pct_leg"]["confidence"] == "medium"
    seen_less = summarise([replace(s, visibility=0.95 if s.near else 0.6) for s in clean_analysis.steps])
    assert seen_less[far]["overstride_pct_leg"]["confidence"] == "medium"
    poorly_timed = summarise(steps, evidence_poor=True)  # a clip that shows its events badly: one notch off both
    assert poorly_timed[near]["overstride_pct_leg"]["confidence"] == "medium"
    assert poorly_timed[far]["overstride_pct_leg"]["confidence"] == "low"


@pytest.mark.parametrize("step_pct_leg, expected", [(2.0, "high"), (3.0, "medium"), (5.0, "low")])
def test_a_median_the_steps_do_not_pin_down_is_not_called_sure(clean_analysis, step_pct_leg, expected):
    """The near leg's 8 steps, all well seen, with overstrides 10, 10 + d, ..., 10 + 7 d % leg: the median's 95 %
    interval is their 1st to 8th value (the 2nd to 7th hold the median with only 1 - 2 * 9 / 256 = 93 %), 3.5 d
    either side, i.e. 3.5 d / 3 overstride's smallest detectable changes (3 % leg). d = 2: 2.3 of them, "high" as
    before; d = 3: 3.5, over 3, at most "medium"; d = 5: 5.8, over 5, "low". The leg's other metrics keep theirs."""
    near = clean_analysis.near_side
    mine = [s for s in clean_analysis.steps if s.side == near]
    assert len(mine) == 8
    steps = [replace(s, visibility=0.95, timing_pm={}, overstride_pct_leg=10.0 + k * step_pct_leg) for k, s in enumerate(mine)]
    summary = summarise(steps)[near]
    assert summary["overstride_pct_leg"]["ci95"] == pytest.approx([10.0, 10.0 + 7 * step_pct_leg])
    assert summary["overstride_pct_leg"]["confidence"] == expected
    assert summary["shank_angle_deg"]["confidence"] == "high"


def test_confidence_spread_caps_come_after_the_other_notches():
    from formcheck.metrics import confidence

    assert confidence(10, 1.0) == "high" and confidence(10, 1.0, spread_sdc=3.0) == "high"
    assert confidence(10, 1.0, spread_sdc=3.01) == "medium" and confidence(10, 1.0, spread_sdc=5.01) == "low"
    assert confidence(10, 1.0, far_leg=True, spread_sdc=4.0) == "medium"  # a cap, not a second notch
    assert confidence(10, 1.0, poor_timing=True, spread_sdc=4.0) == "medium"
    assert confidence(3, 1.0, spread_sdc=0.5) == "low"  # a tight interval raises nothing


def test_spread_is_the_steps_reach_at_the_interval_s_farther_end():
    """The review: an interval built from order statistics is lopsided, and the one spread() returns also holds the
    events' shared timing error, the same half frame on every clip at a frame rate. The reach counted is the
    farther end's, the timing error taken back out (each side is the root sum of squares of the two)."""
    from formcheck.metrics import spread_in_sdc

    assert spread_in_sdc("overstride_pct_leg", {"median": 10.0, "ci95": [10.0, 40.0]}) == pytest.approx(10.0)
    assert spread_in_sdc("overstride_pct_leg", {"median": 10.0, "ci95": [5.0, 15.0], "timing_pm": 3.0}) == pytest.approx(4.0 / 3.0)
    assert spread_in_sdc("overstride_hip_pct_leg", {"median": 0.0, "ci95": [-6.0, 6.0]}) == pytest.approx(2.0)  # the heel's SDC
    ct = {"median": 0.2, "ci95": [0.15, 0.25]}  # contact time's SDC as compare's: 1.5 frames, at least 0.02 s
    assert spread_in_sdc("contact_time_s", ct, fps=30.0) == pytest.approx(1.0)
    assert spread_in_sdc("contact_time_s", ct, fps=60.0) == pytest.approx(2.0)
    assert spread_in_sdc("knee_flexion_midstance_deg", {"median": 40.0, "ci95": [20.0, 60.0]}) is None  # no SDC
    assert spread_in_sdc("overstride_pct_leg", {"median": None, "ci95": None, "n": 0}) is None

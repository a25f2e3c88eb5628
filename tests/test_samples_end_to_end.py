"""Rendered sample clips end to end: video -> MediaPipe -> analysis, against the rendered ground truth.

The clips (sample_videos/*.mp4, 960x540, 60 fps, 8 s, runner facing left, near = LEFT leg) are
rendered from formcheck.synth with exactly known form; ``<name>.truth.json`` holds per-step truth
with the same event-frame convention as formcheck.events (contact = first frame at/after the
instant, toe-off = last frame at/before it), and the overstride and hip extension AT THE CONTINUOUS
EVENT INSTANTS (``*_exact``), which is what formcheck.metrics reports (read at the detected
instant). Steps within 10 frames of the clip ends are left out. Pose tracks are session-cached by the
``pose_track_of`` fixture (shared with test_compare_samples).

Statistic: the NEAR foot (the one the findings are about), per step. Targets: contact frame within
1 frame for >= 90% of steps; median overstride error within 3% leg; median hip-extension error
within 3 deg.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.analysis import analyze_track
from formcheck.evaluation.landmarks import overstride_error_budget

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
NAMES = ("sample_run", "before", "after")


@pytest.fixture(scope="module")
def analyses(pose_track_of):
    out = {}
    for name in NAMES:
        truth = json.loads((SAMPLES / f"{name}.truth.json").read_text())
        out[name] = (analyze_track(pose_track_of(SAMPLES / f"{name}.mp4")), truth)
    return out


def _near_errors(analysis, truth):
    """Per true near-foot step: (contact frame error, overstride error % leg, hip extension error deg)."""
    n = truth["summary"]["n_frames"]
    near = truth["summary"]["near_side"]
    det = [s for s in analysis.steps if s.side == near]
    ce, oe, he = [], [], []
    for st in truth["steps"]:
        if st["side"] != near or not 10 <= st["contact_frame"] <= n - 11:
            continue
        s = min(det, key=lambda s: abs(s.contact_frame - st["contact_frame"]))
        ce.append(s.contact_frame - st["contact_frame"])
        oe.append(s.overstride_pct_leg - st["overstride_pct_leg_exact"])
        if s.hip_extension_deg is not None:
            he.append(s.hip_extension_deg - st["hip_extension_deg_exact"])
    return np.array(ce), np.array(oe), np.array(he)


@pytest.mark.parametrize("name", NAMES)
def test_every_near_step_found(analyses, name):
    """Each true near-foot contact has a detected one within 0.1 s (measured: -2..+1 frames at 60 fps)."""
    ce, _, _ = _near_errors(*analyses[name])
    assert len(ce) >= 8
    assert np.all(np.abs(ce) <= 6), ce


def test_before_is_told_from_after(analyses):
    """before.mp4 (rendered: overstride 25% leg, hip extension 5 deg) vs after.mp4 (5%, 15 deg): the analysis
    must see more overstride and less hip extension before. Measured near-foot medians: overstride 24.4 vs
    4.8 % leg, hip extension at toe-off 6.8 vs 16.4 deg."""
    med = {}
    for name in ("before", "after"):
        a, truth = analyses[name]
        near = [s for s in a.steps if s.side == truth["summary"]["near_side"]]
        med[name] = (np.median([s.overstride_pct_leg for s in near]),
                     np.median([s.hip_extension_deg for s in near if s.hip_extension_deg is not None]))
    assert med["before"][0] > med["after"][0] + 10.0, med
    assert med["after"][1] > med["before"][1] + 5.0, med


@pytest.mark.parametrize("name", NAMES)
def test_contacts_within_one_frame(analyses, name):
    """Measured: 10/10 (sample_run), 10/10 (before), 10/10 (after; 9/10, all 1-2 frames early, while its near
    contacts kept their Zeni instants: see formcheck.events.zeni_contacts_with_landing_delay)."""
    ce, _, _ = _near_errors(*analyses[name])
    assert np.mean(np.abs(ce) <= 1) >= 0.9, ce


@pytest.mark.parametrize("name", NAMES)
def test_overstride_within_3pct_leg(analyses, name):
    """Median near-foot overstride error, measured -0.06 (sample_run), -0.62 (before), +0.35 (after) % leg, every step
    within 2.6 (the foot's reach ahead of the COM, formcheck.metrics.landing_reach_px); -0.47, -0.41, -0.18 read at
    the detected contact instant; +2.4, +2.7, +2.65 before the heel was read behind MediaPipe's heel landmark
    (formcheck.metrics.heel_shift_px: the landmark sits inside the shoe). after.mp4 read +5.0 while its near contacts,
    on a nearly flat (7 deg) landing the landing rule rarely times, kept their Zeni instants 1-2 frames early; they
    now borrow the far leg's delay."""
    _, oe, _ = _near_errors(*analyses[name])
    assert abs(np.median(oe)) <= 3.0, oe


@pytest.mark.parametrize("name", NAMES)
def test_overstride_at_true_contact_instants(analyses, name):
    """Overstride error budget: formcheck's metrics fed the RENDERED contact instants (so only the landmarks, the COM
    model and the leg length can be wrong). Measured median -0.06 (sample_run), -0.62 (before), +0.35 (after) % leg,
    every step within 1.8 except one before.mp4 step (-2.6); the same as at the detected instants, as the foot's reach
    does not move with the instant. Read at the instant, -0.14, -0.63, -0.06, and one after.mp4 step +7.0 (MediaPipe
    swaps or mixes up the legs in frames 221-225, just after that contact). Before the heel was read behind
    MediaPipe's heel landmark the medians were +2.7, +2.5, +2.8: the landmark sits ahead of the rendered heel. Also
    checks the split itself: the detected-instant errors are the reported ones."""
    analysis, truth = analyses[name]
    rows = overstride_error_budget(analysis, truth)
    at_true = np.array([r["at_true_instant_pct_leg"] for r in rows])
    assert len(rows) >= 8
    assert abs(np.median(at_true)) <= 1.2, at_true  # +2.5..+2.8 with the landmark as the heel
    assert np.sum(np.abs(at_true) > 2.5) <= 1, at_true  # room for another CPU's slightly different landmarks
    _, oe, _ = _near_errors(analysis, truth)
    assert np.allclose(sorted(oe), sorted(r["at_detected_instant_pct_leg"] for r in rows)), (oe, rows)


@pytest.mark.parametrize("name", NAMES)
def test_hip_extension_within_3deg(analyses, name):
    """Median near-foot hip-extension error, measured +0.2 (sample_run), +1.2 (before), +1.9 (after) deg; every step
    within 2.5 deg."""
    _, _, he = _near_errors(*analyses[name])
    assert abs(np.median(he)) <= 3.0, he
    assert np.max(np.abs(he)) <= 3.0, he


@pytest.mark.slow
def test_the_reports_angle_error_footnote_holds_on_the_sample(analyses):
    """The report's footer says angles read up to 5 deg off on the near leg and up to 14 on the far one, at high and
    medium confidence, on the bundled runner (a newcomer took "high" for "accurate"): checked against its truth."""
    from formcheck.report_view import model_from_analysis

    analysis, truth = analyses["sample_run"]
    assert any("up to 5° off on the near leg and up to 14° on the far leg" in line for line in model_from_analysis(analysis).footer)
    worst = {}
    for side in ("left", "right"):
        for metric, true_key in (("knee_flexion_contact_deg", "knee_flexion_contact_deg"), ("hip_extension_deg", "hip_extension_deg"),
                                 ("peak_hip_extension_deg", "peak_hip_extension_deg"), ("shank_angle_deg", "shank_angle_contact_deg")):
            want = np.median([s[true_key] for s in truth["steps"] if s["side"] == side and s.get(true_key) is not None])
            got = analysis.summary[side][metric]
            worst[side] = max(worst.get(side, 0.0), abs(got["median"] - want))
            assert got["confidence"] == ("high" if side == analysis.near_side else "medium")
    near, far = analysis.near_side, "right" if analysis.near_side == "left" else "left"
    assert 3.0 < worst[near] <= 5.0 and 10.0 < worst[far] <= 14.0, worst


def _squeezed_copy(source: Path, target: Path, aspect: Fraction) -> Path:
    """``source`` stored with non-square pixels: each frame squeezed to 1 / ``aspect`` of its width, the stream marked
    with that sample aspect ratio, so that a player shows it as the original (what HDV cameras and some apps save)."""
    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        stream = src.streams.video[0]
        rate = stream.average_rate
        out = dst.add_stream("libx264", rate=rate)
        out.width, out.height, out.pix_fmt = round(stream.width / aspect), stream.height, "yuv420p"
        out.codec_context.sample_aspect_ratio = aspect
        out.options = {"crf": "18"}
        for i, frame in enumerate(src.decode(stream)):
            squeezed = frame.reformat(width=out.width, height=out.height, format="yuv420p", interpolation="AREA")
            squeezed.pts, squeezed.time_base = i, Fraction(1) / rate
            dst.mux(out.encode(squeezed))
        dst.mux(out.encode(None))
    return target


def test_a_clip_stored_with_squeezed_pixels_reads_as_it_plays(pose_track_of, tmp_path_factory):
    """A newcomer's copy stored 540x1280 with a 4:3 pixel aspect ratio (it plays as 720x1280) read the same running's
    overstride at 17 / 10 % leg against 23 / 18, without a warning: every horizontal distance was in squeezed pixels.
    The sample stored at 720x540 with 4:3 pixels: its pose is where the original's is (image pixels, 960x540), and its
    near-foot overstride is within 3 % leg of the rendered truth, as the original's is."""
    squeezed = _squeezed_copy(SAMPLES / "sample_run.mp4", tmp_path_factory.mktemp("squeezed") / "sample_run_sar43.mp4",
                              Fraction(4, 3))
    track, original = pose_track_of(squeezed), pose_track_of(SAMPLES / "sample_run.mp4")
    assert track.image_size == original.image_size == (960, 540)
    hips = [lm.LEG[side]["hip"] for side in ("left", "right")]
    both = np.isfinite(track.keypoints_px[:, hips, 0]) & np.isfinite(original.keypoints_px[:, hips, 0])
    shift_px = np.abs(track.keypoints_px[:, hips, 0] - original.keypoints_px[:, hips, 0])[both]
    assert both.mean() > 0.9 and np.median(shift_px) < 3.0, np.median(shift_px)  # squeezed pixels: ~100 px (x / 4 * 3)
    truth = json.loads((SAMPLES / "sample_run.truth.json").read_text())
    _, overstride_error, _ = _near_errors(analyze_track(track), truth)
    assert abs(np.median(overstride_error)) <= 3.0, overstride_error

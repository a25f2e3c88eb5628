"""Evaluation harness: event matching, tolerance, spurious and cadence scoring, degraded clips and their labels."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck.evaluation.degrade import (
    Degradation, RunnerExtent, compressed, degraded_clip, downscale, frames_doubled, motion_blur, portrait_small,
    reencoded, slow_motion_export, standard_degradations, watermark_over_landing,
)
from formcheck.evaluation.events import (
    Detection, EventLabels, SideLabels, TruthStep, labels_from_dict, load_labels, match_events, score_detection,
)
from formcheck.video import H264Writer, iter_frames

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def _labels(left_ic, left_to, right_ic=(), right_to=(), *, fps=30.0, image_fps=None, capture_fps=None, in_view=None, truth=()):
    arr = lambda v: np.asarray(v, dtype=int)  # noqa: E731
    return EventLabels(
        video="x.mp4", fps=fps, image_fps=image_fps or fps, capture_fps=capture_fps,
        sides={"left": SideLabels(arr(left_ic), arr(left_to)), "right": SideLabels(arr(right_ic), arr(right_to))},
        in_view=in_view, truth_steps=tuple(truth),
    )


def _detection(left_ic=(), left_to=(), right_ic=(), right_to=(), cadence=None, steps=()):
    arr = lambda v: np.asarray(v, dtype=int)  # noqa: E731
    return Detection({("left", "ic"): arr(left_ic), ("left", "to"): arr(left_to), ("right", "ic"): arr(right_ic),
                      ("right", "to"): arr(right_to)}, cadence, list(steps))


# ------------------------------------------------------------------------------------------ tolerance


def test_tolerance_is_one_real_image_or_17ms_real_time():
    assert _labels([], []).tolerance_frames == pytest.approx(1.0)  # 30 fps: one frame (33 ms > 17)
    assert _labels([], [], fps=60).tolerance_frames == pytest.approx(1.02)  # 60 fps: 17 ms = 1.02 frames
    assert _labels([], [], fps=60, image_fps=30).tolerance_frames == pytest.approx(2.0)  # every frame shown twice
    slowmo = _labels([], [], fps=30, capture_fps=270)  # 9x slow motion stored at 30 fps
    assert slowmo.real_fps == pytest.approx(270)
    assert slowmo.tolerance_frames == pytest.approx(0.017 * 270)  # ~4.6 container frames
    assert slowmo.ms_per_frame == pytest.approx(1000 / 270)


# ------------------------------------------------------------------------------------------ matching


def test_match_signed_errors_hits_and_ms():
    m = match_events(np.array([10, 30, 50]), np.array([10, 31, 48]), window_frames=5, tolerance_frames=1, ms_per_frame=1000 / 30,
                     span=(10, 50))
    assert [e.error_frames for e in m.events] == [0, 1, -2]
    assert [e.hit for e in m.events] == [True, True, False]
    assert m.events[2].error_ms == pytest.approx(-66.67, abs=0.01)
    assert m.spurious_frames == [] and m.ignored_frames == []


def test_match_is_one_to_one_extra_detection_is_spurious():
    m = match_events(np.array([10, 30]), np.array([11, 10, 30]), window_frames=5, tolerance_frames=1, ms_per_frame=33.3, span=(10, 30))
    assert [e.detected_frame for e in m.events] == [10, 30]  # the nearest wins
    assert m.spurious_frames == [11]


def test_match_window_outside_is_missed_and_spurious():
    m = match_events(np.array([10, 30]), np.array([20, 30]), window_frames=5, tolerance_frames=1, ms_per_frame=33.3, span=(10, 30))
    assert m.events[0].detected_frame is None and not m.events[0].hit
    assert m.spurious_frames == [20]


def test_unmatched_outside_span_or_unlabelled_frames_not_spurious():
    in_view = np.zeros(100, dtype=bool)
    in_view[:40] = True
    m = match_events(np.array([10, 30]), np.array([2, 10, 20, 30, 35, 60]), window_frames=3, tolerance_frames=1, ms_per_frame=33.3,
                     span=(5, 38), in_view=in_view)
    assert m.spurious_frames == [20, 35]
    assert m.ignored_frames == [2, 60]  # before the first / after the last labelled frame
    in_view[30:] = False
    m = match_events(np.array([10, 30]), np.array([10, 30, 35]), window_frames=3, tolerance_frames=1, ms_per_frame=33.3,
                     span=(5, 38), in_view=in_view)
    assert m.spurious_frames == [] and m.ignored_frames == [35]
    # a foot with no labels: nothing it detects can be called spurious
    m = match_events(np.array([], dtype=int), np.array([10, 30]), window_frames=3, tolerance_frames=1, ms_per_frame=33.3, span=None)
    assert m.spurious_frames == [] and m.ignored_frames == [10, 30]


# ------------------------------------------------------------------------------------------ clip score


def test_score_counts_cadence_and_window():
    # 30 fps, stride 20 frames (0.667 s) on each foot -> 180 steps/min; right foot lands half a stride later
    lab = _labels([10, 30, 50, 70], [16, 36, 56, 76], [20, 40, 60, 80], [26, 46, 66, 86])
    assert lab.step_frames() == pytest.approx(10)
    assert lab.cadence_spm() == pytest.approx(180)
    det = _detection([10, 31, 50, 73], [16, 36, 56], [20, 40, 44, 60, 80], [26, 46, 66, 86], cadence=171.0)
    s = score_detection("x", lab, det)
    assert s.window_frames == pytest.approx(5)
    ic = s.scores[("ic", "both")]
    assert (ic.n_labels, ic.hits, ic.missed, ic.spurious) == (8, 7, 0, 1)  # 73 is 3 late: matched, not a hit; 44 spurious
    assert s.scores[("ic", "left")].hits == 3 and s.scores[("ic", "right")].hits == 4
    assert s.spurious[("ic", "right")] == [44]
    to = s.scores[("to", "both")]
    assert (to.hits, to.missed, to.spurious) == (7, 1, 0)
    assert ic.median_error_frames == 0.0
    assert s.cadence_error_pct == pytest.approx(-5.0)
    assert s.row()["ic_both_hits"] == 7


def test_flag_counts_say_how_many_off_events_were_marked_uncertain():
    lab = _labels([10, 30, 50, 70], [16, 36, 56, 76])
    # left contacts: 31 on time, 73 three frames late, 13 three late; the analysis marked the steps at 13 and 31 uncertain
    det = _detection([13, 31, 50, 73], [16, 36, 56, 76])
    det = replace(det, uncertain={("left", "ic"): frozenset({13, 31}), ("left", "to"): frozenset({16})})
    s = score_detection("x", lab, det)
    assert s.flag_counts() == {"off": 2, "off_flagged": 1, "hits": 6, "hits_flagged": 2}  # off: 13 (flagged), 73; hits: 31, 16 flagged
    assert [e.flagged for e in s.events if e.kind == "ic"] == [True, True, False, False]
    assert s.row()["events_off_flagged"] == 1


def test_cadence_uses_complete_strides_only():
    lab = _labels([10, 30, 70, 90], [])  # one contact (50) not labelled: the 40-frame gap is two strides
    assert lab.cadence_spm() == pytest.approx(180)


def test_refused_analysis_scores_all_missed_and_keeps_message():
    lab = _labels([10, 30], [16, 36], [20, 40], [26, 46])
    s = score_detection("x", lab, None, error="cannot analyse this clip: too few steps")
    assert s.scores[("ic", "both")].missed == 4 and s.scores[("to", "both")].missed == 4
    assert s.scores[("ic", "both")].hits == 0 and s.error.startswith("cannot analyse")
    assert s.cadence_error_pct is None


def test_truth_errors_of_matched_steps():
    truth = [TruthStep("left", 10, 16, 10.0, 0.20), TruthStep("right", 20, 26, 12.0, 0.20), TruthStep("left", 30, 36, 14.0, 0.20)]
    lab = _labels([10, 30], [16, 36], [20], [26], truth=truth)
    det = _detection([11, 30], [16, 36], [20], [26], steps=[("left", 11, 13.0, 0.21, False), ("right", 20, 13.0, 0.19, False),
                                                           ("left", 30, 15.0, 0.22, False), ("right", 90, 50.0, 1.0, False)])
    s = score_detection("x", lab, det)
    # left errors +3, +1 (median +2), right +1: the leg further off (the unmatched step at 90 is not used)
    assert s.overstride_error_pct_leg == pytest.approx(2.0)
    assert s.contact_time_error_s == pytest.approx(0.015)  # left +0.01, +0.02; right -0.01


def test_truth_errors_leave_out_uncertain_steps_as_the_legs_medians_do():
    """The runner is told each leg's median over its certain steps when 3 or more remain
    (formcheck.metrics.counted_steps): an uncertain step 20 % leg off is not part of what they read, and is not scored;
    with only 2 certain steps left the leg's median takes every step, and so does the score."""
    frames = [10, 30, 50, 70]
    truth = [TruthStep("left", f, f + 6, 10.0, 0.20) for f in frames]
    lab = _labels(frames, [f + 6 for f in frames], truth=truth)
    steps = [("left", f, 11.0, 0.20, False) for f in frames[:3]] + [("left", 70, 30.0, 0.20, True)]
    det = _detection(frames, [f + 6 for f in frames], steps=steps)
    assert score_detection("x", lab, det).overstride_error_pct_leg == pytest.approx(1.0)
    two_certain = steps[:2] + [("left", 50, 30.0, 0.20, True), ("left", 70, 30.0, 0.20, True)]
    assert score_detection("x", lab, _detection(frames, [f + 6 for f in frames], steps=two_certain)).overstride_error_pct_leg \
        == pytest.approx(10.5)  # median of +1, +1, +20, +20


# ------------------------------------------------------------------------------------------ label files


def test_label_json_loads_with_confidences_and_in_view():
    d = json.loads((FIXTURES / "treadmill_side_01_labels.json").read_text())
    lab = labels_from_dict(d)
    assert lab.fps == 30 and lab.tolerance_frames == 1 and lab.near_side == "left" and lab.in_view is None
    assert lab.sides["left"].contact_frames[0] == 15 and len(lab.sides["right"].toe_off_frames) == 17
    assert lab.cadence_spm() == pytest.approx(168.9, abs=0.2)  # the clip's cadence measured from pixel motion: 168.9
    d["left"]["contact_confidence_frames"] = [1] * 17
    d["in_view_frames"] = [0, 32]
    lab = labels_from_dict(d)
    assert lab.sides["left"].contact_confidence_frames.shape == (17,)
    assert lab.in_view[:33].all() and not lab.in_view[33:].any()
    d["in_view_frames"] = [[0, 5], [10, 12]]
    assert np.flatnonzero(labels_from_dict(d).in_view).tolist() == [0, 1, 2, 3, 4, 5, 10, 11, 12]
    back = EventLabels.from_json_dict(json.loads(json.dumps(lab.to_json_dict())))
    assert np.array_equal(back.sides["left"].contact_frames, lab.sides["left"].contact_frames)


def test_truth_json_loads_steps_and_values():
    lab = load_labels(REPO / "sample_videos" / "sample_run.truth.json")
    assert lab.origin == "truth" and lab.fps == 60 and lab.near_side == "left"
    assert lab.sides["left"].contact_frames[0] == 7 and lab.sides["left"].toe_off_frames[0] == 19
    assert lab.truth_steps[0].overstride_pct_leg == pytest.approx(14.9289)  # the continuous-instant value
    # from whole frames (each contact's first frame down): within 0.2 steps/min of the rendered 170 (169.9 with the
    # last stance's contact, which the steps leave out and the per-frame stance truth adds)
    assert lab.cadence_spm() == pytest.approx(170, abs=0.2)


# ------------------------------------------------------------------------------------------ degradations


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, EventLabels]:
    """20 frames, 10 fps, 160x96: a white rectangle moving 4 px a frame on dark grey, with made-up labels."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.mp4"
    with H264Writer(path, 10.0, (160, 96), crf=12) as w:
        for i in range(20):
            img = np.full((96, 160, 3), 40, dtype=np.uint8)
            img[30:70, 20 + 4 * i:40 + 4 * i] = 255
            w.write(img, i / 10)
    labels = _labels([3, 10, 17], [6, 13], [7, 14], [1, 9, 16], fps=10.0, truth=[TruthStep("left", 3, 6, 5.0, 0.3)])
    return path, labels


def _decoded(path: Path) -> list[np.ndarray]:
    return [f.rgb for f in iter_frames(path)]


def test_doubled_frames_map_ic_to_2f_and_to_to_2f_plus_1(tiny_clip, tmp_path):
    src, labels = tiny_clip
    out = degraded_clip(src, labels, frames_doubled(), cache_dir=tmp_path)
    frames = _decoded(out.path)
    assert len(frames) == 40
    assert out.labels.fps == 20 and out.labels.image_fps == 10 and out.labels.tolerance_frames == 2
    assert out.labels.sides["left"].contact_frames.tolist() == [6, 20, 34]
    assert out.labels.sides["left"].toe_off_frames.tolist() == [13, 27]
    assert out.labels.sides["right"].toe_off_frames.tolist() == [3, 19, 33]
    assert out.labels.truth_steps[0].contact_frame == 6 and out.labels.truth_steps[0].toe_off_frame == 13
    assert np.abs(frames[6].astype(int) - frames[7].astype(int)).mean() < 2  # the two copies are one image
    assert np.abs(frames[7].astype(int) - frames[8].astype(int)).mean() > 3  # the next image has moved (4 px: mean 4.5)
    assert out.labels.cadence_spm() == pytest.approx(labels.cadence_spm())  # real time unchanged
    # the labels JSON beside the clip says the same, and a second call reuses the cache
    again = degraded_clip(src, labels, frames_doubled(), cache_dir=tmp_path)
    assert again.path == out.path and again.labels.sides["left"].toe_off_frames.tolist() == [13, 27]
    assert len(list(tmp_path.glob("degraded/*.mp4"))) == 1
    labels_file = json.loads(next(tmp_path.glob("degraded/*.labels.json")).read_text())
    assert labels_file["left"]["toe_off_frames"] == [13, 27] and labels_file["fps"] == 20


def test_slow_motion_export_keeps_every_frame_and_the_real_time(tiny_clip, tmp_path):
    src, labels = tiny_clip
    d = slow_motion_export(10.0, playback_fps=2.5)  # a 10 fps "capture" saved to play 4x slower
    assert d.name == "slowmo4x" and replace(d, playback_fps=None, capture_fps=None).key() == Degradation("slowmo4x").key()
    out = degraded_clip(src, labels, d, cache_dir=tmp_path)
    from formcheck.video import probe_video

    assert probe_video(out.path).fps == pytest.approx(2.5) and len(_decoded(out.path)) == 20
    for side in ("left", "right"):
        assert out.labels.sides[side].contact_frames.tolist() == labels.sides[side].contact_frames.tolist()
        assert out.labels.sides[side].toe_off_frames.tolist() == labels.sides[side].toe_off_frames.tolist()
    assert (out.labels.fps, out.labels.image_fps, out.labels.capture_fps, out.labels.real_fps) == (2.5, 2.5, 10.0, 10.0)
    assert out.labels.tolerance_frames == 1 and out.labels.cadence_spm() == pytest.approx(labels.cadence_spm())
    with pytest.raises(ValueError, match="made for a 20 fps capture"):  # the name would say 8x of a 4x clip
        degraded_clip(src, labels, slow_motion_export(20.0, playback_fps=2.5), cache_dir=tmp_path)


def test_slow_motion_export_of_a_doubled_clip_keeps_its_real_rate(tiny_clip, tmp_path):
    src, labels = tiny_clip
    doubled = degraded_clip(src, labels, frames_doubled(), cache_dir=tmp_path)  # 20 fps container, 10 images a second
    out = degraded_clip(doubled.path, doubled.labels, slow_motion_export(10.0, playback_fps=5.0), cache_dir=tmp_path)
    from formcheck.video import probe_video

    assert probe_video(out.path).fps == pytest.approx(5.0) and len(_decoded(out.path)) == 40
    # every image still shown twice, now 2.5 images a container second; real time: 20 frames, 10 images a second
    assert (out.labels.fps, out.labels.image_fps, out.labels.capture_fps, out.labels.real_fps) == (5.0, 2.5, 10.0, 20.0)
    assert out.labels.tolerance_frames == 2 and out.labels.cadence_spm() == pytest.approx(labels.cadence_spm())


@pytest.mark.parametrize("make, size", [
    (lambda: motion_blur(9), (160, 96)),
    (lambda: downscale((160, 96), 80), (80, 48)),
    (lambda: compressed(40), (160, 96)),
    (lambda: portrait_small((160, 96), RunnerExtent(40.0, 30.0, 106.0, 50.0), 0.125), (90, 160)),
])
def test_degradations_keep_frames_and_labels(tiny_clip, tmp_path, make, size):
    src, labels = tiny_clip
    d: Degradation = make()
    out = degraded_clip(src, labels, d, cache_dir=tmp_path)
    frames = _decoded(out.path)
    assert len(frames) == 20 and frames[0].shape[1::-1] == size
    for side in ("left", "right"):
        assert out.labels.sides[side].contact_frames.tolist() == labels.sides[side].contact_frames.tolist()
        assert out.labels.sides[side].toe_off_frames.tolist() == labels.sides[side].toe_off_frames.tolist()
    assert out.labels.fps == 10 and out.labels.tolerance_frames == 1


def test_motion_blur_smears_horizontally_only(tiny_clip, tmp_path):
    src, labels = tiny_clip
    sharp = _decoded(src)[0].astype(int)
    blurred = _decoded(degraded_clip(src, labels, motion_blur(9), cache_dir=tmp_path).path)[0].astype(int)
    row, col = 50, 30
    assert np.count_nonzero((blurred[row, :, 1] > 70) & (blurred[row, :, 1] < 220)) >= 6  # ramps at both edges
    assert np.count_nonzero((sharp[row, :, 1] > 70) & (sharp[row, :, 1] < 220)) <= 2
    assert np.abs(blurred[:, col, 1] - sharp[:, col, 1])[35:65].max() < 15  # inside the rectangle vertically unchanged


def test_portrait_small_puts_runner_at_the_target_size():
    ext = RunnerExtent(hip_ankle_px=250.0, hip_x_min_px=260.0, hip_x_max_px=330.0, centre_y_px=1000.0)
    d = portrait_small((720, 1280), ext, hip_ankle_frac=0.1)
    assert d.canvas_wh == (720, 1280) and d.scale * 250 == pytest.approx(128, abs=0.1)
    wide = portrait_small((480, 352), RunnerExtent(60.0, 20.0, 460.0, 200.0))  # runner crossing the frame: travel must fit
    assert wide.canvas_wh == (270, 480) and wide.scale * (440 + 120) <= 270 + 1e-6
    kinds = [x.name for x in standard_degradations((720, 1280), ext)]
    assert kinds == ["blur25", "480p", "portrait_small", "doubled", "crf40", "watermark"]


def test_watermark_covers_where_the_stance_foot_is_and_nothing_else():
    """The band: hips' travel (260-330 px) +-0.7 hip-to-ankle (175 px) across, 0.05-0.45 hip-to-ankle below the
    ankles' median height (1000 + 125 = 1125 px); letters bright with dark edges inside it, the rest untouched."""
    from formcheck.evaluation.degrade import apply_to_frame

    ext = RunnerExtent(hip_ankle_px=250.0, hip_x_min_px=260.0, hip_x_max_px=330.0, centre_y_px=1000.0)
    d = watermark_over_landing((720, 1280), ext)
    assert d.watermark is not None and d.watermark.box_px == (85, 1137, 505, 1237)
    frame = np.full((1280, 720, 3), 128, dtype=np.uint8)
    out = apply_to_frame(frame, d)
    x0, y0, x1, y1 = d.watermark.box_px
    inside = out[y0:y1, x0:x1].astype(int)
    outside = out.copy()
    outside[y0:y1, x0:x1] = 128
    assert (outside == 128).all()
    assert (inside > 200).mean() > 0.05 and (inside < 60).mean() > 0.02  # letters and their outline
    assert inside.max() < 255 * 0.7 + 128 * 0.3 + 2  # 70 % opaque: the shoe shows through
    assert standard_degradations((720, 1280), ext)[-1] == d and standard_degradations((720, 1280), None)[-1].name == "crf40"


def test_reencoded_copies_differ_only_in_their_crf():
    blur, crf40 = motion_blur(25), compressed(40)
    assert [d.crf for d in reencoded(blur)] == [blur.crf - 1, blur.crf, blur.crf + 1]
    assert [d.crf for d in reencoded(crf40)] == [39, 40, 41] and reencoded(crf40, 1) == [crf40]
    assert all(replace(d, crf=blur.crf) == blur for d in reencoded(blur))
    assert len({d.key() for d in reencoded(blur, 5)}) == 5  # each its own cached clip
    with pytest.raises(ValueError, match="odd"):
        reencoded(blur, 2)


def test_events_seen_but_not_labelled_are_not_spurious():
    m = match_events(np.array([10, 30]), np.array([10, 22, 30]), window_frames=4, tolerance_frames=1, ms_per_frame=33.3,
                     span=(10, 30), not_labelled=np.array([21]))
    assert m.spurious_frames == [] and m.ignored_frames == [22]


def test_track_short_labels_in_view_and_not_labelled():
    lab = load_labels(FIXTURES / "track_side_short_02_labels.json")
    assert np.flatnonzero(lab.in_view).tolist() == list(range(5, 29))  # [5, 28] = first and last frame in view
    assert lab.not_labelled == (("left", "ic", 31),)
    assert lab.sides["right"].contact_confidence_frames.tolist() == [0, 1]
    doubled = lab.remapped(np.arange(47) * 2, repeat=2)
    assert doubled.not_labelled == (("left", "ic", 62),)
    assert doubled.in_view[10:58].all() and not doubled.in_view[58:].any() and not doubled.in_view[:10].any()


# ------------------------------------------------------------------------------------------ the real clip, as the harness sees it

# What the detector achieved on one encoding of each copy when the floors were first set (2026-12-02, with the
# stride template of formcheck.stride_template; pose tracks from formcheck.evaluation.track_cache format 4),
# measured by benchmarks/eval_events.py; in brackets the
# figures before the stride template (after the cross-leg and rhythm checks), and when the harness was written
# (events.py at b5daf33).
#
#   clip                       IC both          TO both          missed IC/TO  spurious IC/TO  cadence
#   treadmill_side_01          33/34 (33, 32)   33/34 (31, 30)   1/1           0/0             -0.11 %
#     /blur25 (25 px)          33/34 (30, 30)   33/34 (29, 28)   1/1           0/0             -0.15 %
#     /480p                    33/34 (30, 29)   33/34 (32, 32)   1/1           0/0             -0.14 %
#     /portrait_small          33/34 (33, 6)    32/34 (31, 5)    1/1 (22/24)   0/0 (5/6)       -0.08 % (-44.56)
#     /doubled (tol 2 frames)  33/34 (32, 30)   32/34 (32, 26)   1/1           0/0             -0.13 %
#     /crf40                   27/34 (24, 23)   30/34 (25, 22)   1/1 (2/1)     0/0 (1/0)       -1.32 %
#
# portrait_small (hip-to-ankle 10 % of a 720x1280 frame): MediaPipe found the runner in 27 % of frames
# until the pose stage looked again at the region the runner occupies (formcheck.model_region.runner_roi);
# doubled: repeated images are dropped (formcheck.timebase). These are regression guards: raise them
# as the detector improves, never lower them to make a change pass.
#
# Machines differ: the frames the model sees are not bit-identical between CPUs (libswscale's YUV -> RGB picks a
# SIMD path by CPU, and so do MediaPipe's XNNPACK kernels), and on the blurred copy a few toe-offs sit at the edge
# of the one-frame tolerance (31/34 on CI, 32/34 here, same bytes).
#
# Encodings differ too, and on the degraded copies that matters more. Each copy is made three
# times from the same degraded frames, at crf 16, 17 and 18 (39, 40, 41 for crf40): differences nobody can see,
# yet the blurred copy's toe-offs came out 31, 28 and 28 of 34 and its contacts 30, 32 and 33 (toe-offs 32 and
# contacts 33 when the encoder still used macroblock-tree, whose bytes changed from run to run). So the degraded copies are judged on
# the three encodings pooled: hits and misses summed over them (of 102 labels), the worst |cadence error|.
# Measured pooled (2026-12-03, AMD EPYC, DEGRADE_FORMAT 2):
#
#   copy              IC       TO       missed IC/TO   spurious   worst |cadence|
#   blur25            95/102   87/102   4/4            0/0        0.58 %
#   480p              99/102   95/102   3/3            0/0        0.15 %
#   portrait_small    99/102   97/102   3/3            0/0        0.15 %
#   doubled           99/102   99/102   3/3            0/0        0.15 %
#   crf40 (39/40/41)  98/102   94/102   3/3            0/0        0.25 %
#   watermark         95/102   61/102   3/4            0/1        0.17 %   (added 2026-12-03; near toe-offs 13/51, 2/51
#                                                                          before the lift had to stay over its height)
#
# Floors leave one event per encoding (three pooled) and one more miss for another machine's model; no spurious
# event is allowed anywhere but the watermark copy's toe-offs (its near foot's first stance, a "toe-off" at frame 13
# on two encodings: MediaPipe re-places the shoe under the letters from frame to frame). The source clip is not
# re-encoded and keeps its exact floor (CI has met it each run).
#
# Raised 2026-12-04 when the events of the strides a clip cuts (the last contact, the first toe-off) came to be timed
# on the leg's stride template and listed in analysis.json's events, which the harness scores. Measured pooled then
# (IC, TO, missed IC/TO, spurious IC/TO, worst |cadence|): source 34, 34, 0/0, 0/0, 0.11 %; blur25 99, 98, 0/0, 0/0,
# 0.58 %; 480p 99, 99, 3/1, 0/0, 0.15 %; portrait_small 101, 102, 1/0, 0/0, 0.15 %; doubled 101, 101, 1/1, 0/0,
# 0.15 %; crf40 101, 98, 1/2, 0/0, 0.25 %; watermark 99, 84, 0/4, 0/1, 0.17 %.
# Raised 2026-12-06 when a cut stride's last contact was confirmed over 0.15 stride of the foot settling, not 0.1
# (events.EventParams.placed_settle_stride: the real heel sinks to its level over 3-4 frames at 30 fps): contacts pooled
# (IC, missed IC) 480p 99, 3 -> 102, 0; portrait_small 101, 1 -> 102, 0; doubled 101, 1 -> 102, 0; crf40 101, 1 -> 102,
# 0; panning 97 -> 98 of 102; nothing else moved.
# Raised 2026-12-07 when an overlay over the feet came to be painted out before the pose was found again
# (formcheck.pose.pose_with_overlay_painted_out), measured before and after it: watermark 101, 89, 0/2, 0/1, 0.17 % ->
# 101, 99, 0/1, 0/0, 0.23 %.
# The source's cadence 0.2 -> 0.3 % on 2026-12-07, when cadence came to be Theil-Sen's stride (metrics.cadence_spm):
# -0.11 -> -0.23 % against the labels (168.5 against 168.9 steps/min), within what the labels' whole frames allow
# over its 16 strides a foot (up to 0.3 %); against the renders' true cadence the treadmills' mean |error| went
# 0.14 -> 0.08 % and the passes' 0.80 -> 0.65 % (docs/thresholds.md).
REAL_FLOORS: dict[str, dict[str, float]] = {
    #                 IC hits  TO hits  IC missed  TO missed  IC spurious  TO spurious  |cadence error| %
    "source":         dict(ic=34, to=34, ic_missed=0, to_missed=0, ic_spurious=0, to_spurious=0, cadence_pct=0.3),
    "blur25":         dict(ic=96, to=95, ic_missed=1, to_missed=1, ic_spurious=0, to_spurious=0, cadence_pct=1.0),
    "480p":           dict(ic=99, to=96, ic_missed=1, to_missed=2, ic_spurious=0, to_spurious=0, cadence_pct=0.4),
    "portrait_small": dict(ic=99, to=99, ic_missed=1, to_missed=1, ic_spurious=0, to_spurious=0, cadence_pct=0.4),
    "doubled":        dict(ic=99, to=98, ic_missed=1, to_missed=2, ic_spurious=0, to_spurious=0, cadence_pct=0.4),
    "crf40":          dict(ic=99, to=95, ic_missed=1, to_missed=3, ic_spurious=0, to_spurious=0, cadence_pct=1.0),
    "watermark":      dict(ic=98, to=96, ic_missed=1, to_missed=2, ic_spurious=0, to_spurious=1, cadence_pct=0.4),
}


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("version", list(REAL_FLOORS))
def test_treadmill_clip_and_degraded_versions_meet_floors(shared_videos: Path, version: str):
    from formcheck.evaluation.degrade import runner_extent
    from formcheck.evaluation.events import score_track
    from formcheck.evaluation.track_cache import cached_pose_track
    from formcheck.video import probe_video

    video = shared_videos / "treadmill_side_01.mp4"
    labels = load_labels(FIXTURES / "treadmill_side_01_labels.json")
    if version == "source":
        clips = [(video, labels)]
    else:
        info = probe_video(video)
        wanted = {d.name: d for d in standard_degradations((info.width, info.height), runner_extent(cached_pose_track(video)))}
        made = [degraded_clip(video, labels, d) for d in reencoded(wanted[version])]
        clips = [(out.path, out.labels) for out in made]
    scores = [score_track(version, lab, cached_pose_track(path)) for path, lab in clips]
    assert all(s.error is None for s in scores)
    total = {key: sum(getattr(s.scores[(kind, "both")], field) for s in scores)
             for key, kind, field in [("ic", "ic", "hits"), ("to", "to", "hits"), ("ic_missed", "ic", "missed"),
                                      ("to_missed", "to", "missed"), ("ic_spurious", "ic", "spurious"),
                                      ("to_spurious", "to", "spurious")]}
    floor = REAL_FLOORS[version]
    assert total["ic"] >= floor["ic"] and total["to"] >= floor["to"], total
    assert total["ic_missed"] <= floor["ic_missed"] and total["to_missed"] <= floor["to_missed"], total
    assert total["ic_spurious"] <= floor["ic_spurious"] and total["to_spurious"] <= floor["to_spurious"], total
    assert max(abs(s.cadence_error_pct) for s in scores) <= floor["cadence_pct"]


def test_truth_events_marked_not_visible_are_not_labels():
    """Hard-condition scenarios flag events of a hidden or out-of-image foot: neither labels nor spurious."""
    steps = [dict(side="left", contact_frame=10, toe_off_frame=22, contact_visible=True, toe_off_visible=False),
             dict(side="right", contact_frame=31, toe_off_frame=43, contact_visible=False, toe_off_visible=True)]
    d = {"format": "formcheck-synthetic-truth", "summary": {"fps": 60.0, "n_frames": 60, "facing": "left", "near_side": "left"},
         "steps": steps}
    lab = labels_from_dict(d)
    assert lab.sides["left"].contact_frames.tolist() == [10] and lab.sides["left"].toe_off_frames.tolist() == []
    assert lab.sides["right"].contact_frames.tolist() == [] and lab.sides["right"].toe_off_frames.tolist() == [43]
    assert set(lab.not_labelled) == {("left", "to", 22), ("right", "ic", 31)}
    assert [t.contact_frame for t in lab.truth_steps] == [10]


@pytest.mark.slow
@pytest.mark.shared
def test_a_watermark_over_the_feet_is_said_and_trusted_less(shared_videos: Path):
    """The watermark copy's events are found with the letters painted out (its floor above), yet a shoe under them is
    seen less well: the analysis must say something is drawn over the feet, and trust the near leg's contact and
    toe-off figures a notch less than on the clean clip, which gets no such warning. (A saved track analysed without
    its video: the figure is the one the painting read.)"""
    from formcheck.analysis import analyze_track
    from formcheck.evaluation.degrade import runner_extent
    from formcheck.evaluation.track_cache import cached_pose_track
    from formcheck.video import probe_video

    video = shared_videos / "treadmill_side_01.mp4"
    labels = load_labels(FIXTURES / "treadmill_side_01_labels.json")
    info = probe_video(video)
    mark = watermark_over_landing((info.width, info.height), runner_extent(cached_pose_track(video)))
    clean, marked = (analyze_track(cached_pose_track(path)) for path in (video, degraded_clip(video, labels, mark).path))
    said = [w for w in marked.quality["warnings"] if "watermark" in w]
    assert said and not any("watermark" in w for w in clean.quality["warnings"])
    rank = {"low": 0, "medium": 1, "high": 2}
    near = clean.near_side
    for metric in ("overstride_pct_leg", "contact_time_s"):
        assert rank[marked.summary[near][metric]["confidence"]] < rank[clean.summary[near][metric]["confidence"]], metric


# ------------------------------------------------------------------------------------------ randomised renders
# Two of benchmarks/eval_heldout.py's randomised renders (variants 37 and 38, their figures unrounded), each
# mistimed one leg's every contact until 2026-12-04 with no warning. Scored as eval_events scores (within a frame).
HELDOUT_RENDERS = {
    # hip-height camera, 50 fps portrait, light shoes: the near toe paused 7-9 % leg above its level while the foot
    # dorsiflexed, and that pause was taken as the landing, 3-4 frames early (near contacts 0/6)
    "toe_pause": ("left", 5, dict(
        gait=dict(height_m=1.8892297785150611, cadence_spm=174.36122883611202, speed_m_s=3.3003516152701566,
                  overstride_pct_leg=18.895237895034082, hip_extension_deg=18.4898638166891, facing="left", fps=50.0,
                  duration_s=4.1549025892663725, image_size=(540, 960), camera_distance_m=4.548185737021621,
                  runner_height_frac=0.7633365088627501, trunk_lean_deg=5.18417608430901, start_phase=0.32178477608652345,
                  seed=37),
        style=dict(shirt=(155, 220, 30), shorts=(89, 29, 51), socks=(198, 187, 170), shoe=(172, 168, 164),
                   grain=2.664778462749158, body_scale=0.9586408202248837, seed=37))),
    # camera on the floor at belt height, 50 fps, dark shoes, 1/50 s shutter: the far heel slowed gradually to the
    # belt (no kink to fit) and the toe's landing after it was the contact, 2-3 frames late (far contacts 0/5)
    "heel_settles": ("left", 4, dict(
        gait=dict(height_m=1.9260916790322222, cadence_spm=165.7491307729878, speed_m_s=3.140896904900748,
                  overstride_pct_leg=15.573139758226123, hip_extension_deg=16.24879633144181, facing="right", fps=50.0,
                  duration_s=4.3850405748360375, image_size=(540, 960), camera_distance_m=3.515235088802533,
                  camera_height_m=0.03, camera_tilt_deg=13.202255848284757, runner_height_frac=0.62,
                  trunk_lean_deg=3.8677855424273817, start_phase=0.8735119029397885, seed=38),
        style=dict(shirt=(198, 89, 144), shorts=(35, 73, 69), socks=(237, 183, 109), shoe=(42, 37, 25),
                   grain=2.0205309335607415, body_scale=1.1527841320437116, seed=38, shutter_s=0.02, shutter_subframes=5))),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(HELDOUT_RENDERS))
def test_randomised_render_contacts_of_the_mistimed_leg(case, tmp_path_factory, pose_track_of):
    from formcheck.camera import prepare_track
    from formcheck.evaluation.events import score_track
    from formcheck.synth.gait import GaitParams, simulate_gait
    from formcheck.synth.render import RenderStyle, render_video, truth_path_for

    side, floor, made = HELDOUT_RENDERS[case]
    video = tmp_path_factory.mktemp("heldout") / f"{case}.mp4"
    render_video(simulate_gait(GaitParams(treadmill=True, **made["gait"])), video, style=RenderStyle(**made["style"]),
                 crf=23, preset="veryfast", visibility=True)
    score = score_track(case, load_labels(truth_path_for(video)), prepare_track(pose_track_of(video), video).track)
    contacts = [e for e in score.events if e.side == side and e.kind == "ic"]
    assert sum(e.hit for e in contacts) >= floor, [(e.label_frame, e.detected_frame) for e in contacts]


def test_the_harness_scores_the_event_list_and_older_files_by_their_steps():
    """A result from formcheck 0.3 on is scored on its ``events`` (every event the clip shows, measured or not); one
    read from an older analysis.json (``events`` None) on its steps' contact and toe-off frames."""
    from formcheck.evaluation.events import detection_from_analysis
    from formcheck.metrics import StepMetrics
    from formcheck.result import STEP_FIELDS, AnalysisResult, TimedEvent

    blank = {**dict.fromkeys(STEP_FIELDS), "side": "left", "near": True, "visibility": 1.0, "toe_off_method": "knee_extension"}
    steps = (StepMetrics(**{**blank, "contact_frame": 20, "toe_off_frame": 27}),)
    events = (TimedEvent("left", "toe_off", 4, 0.13, "template", False, True),
              TimedEvent("left", "contact", 20, 0.66, "landing", True), TimedEvent("left", "toe_off", 27, 0.9, "toe_lift", True),
              TimedEvent("left", "contact", 41, 1.36, "landing", False))
    listed = detection_from_analysis(AnalysisResult(steps=steps, events=events))
    assert listed.frames[("left", "ic")].tolist() == [20, 41] and listed.frames[("left", "to")].tolist() == [4, 27]
    assert listed.uncertain[("left", "to")] == frozenset({4})
    old = detection_from_analysis(AnalysisResult.from_dict({**AnalysisResult(steps=steps).to_dict(), "events": None}))
    assert old.frames[("left", "ic")].tolist() == [20] and old.frames[("left", "to")].tolist() == [27]


def test_rendered_truth_labels_the_events_of_the_stances_the_clip_cuts():
    """A rendered clip's steps list only stances with both events in the clip; the per-frame stance truth adds the toe-off
    of a stance under way on the first frame and the contact of one still going on the last (a hidden foot's as not
    labelled)."""
    stance_left = [1, 1, 1] + [0] * 10 + [1] * 8 + [0] * 10 + [1, 1, 1]
    stance_right = [0] * 8 + [1] * 8 + [0] * 10 + [1] * 8 + [0] * 3
    n = len(stance_left)
    truth = {"format": "formcheck-synthetic-truth", "summary": {"fps": 30.0, "n_frames": n},
             "steps": [{"side": "left", "contact_frame": 13, "toe_off_frame": 20}, {"side": "right", "contact_frame": 8, "toe_off_frame": 15},
                       {"side": "right", "contact_frame": 26, "toe_off_frame": 33}],
             "frames": {"stance_left": stance_left, "stance_right": stance_right,
                        "foot_visible_left": [1] * (n - 4) + [0] * 4, "foot_visible_right": [1] * n}}
    lab = labels_from_dict(truth)
    assert lab.sides["left"].toe_off_frames.tolist() == [2, 20] and lab.sides["left"].contact_frames.tolist() == [13]
    assert ("left", "ic", 31) in lab.not_labelled  # the last stance's foot is out of view
    assert lab.sides["right"].contact_frames.tolist() == [8, 26] and lab.sides["right"].toe_off_frames.tolist() == [15, 33]


@pytest.mark.parametrize("facing", ["left", "right"])
def test_digitised_shoes_give_the_runners_overstride_on_those_frames(facing):
    """A synthetic runner whose "shoes" are digitised 2.2 % of leg length behind the true heel (the shoe's back lies
    that far behind the heel bone, formcheck.evaluation.landmarks.SHOE_BEHIND_HEEL_BONE_LEG) on four contact frames a
    leg: each truth step is the gait model's own overstride on that frame (heel ahead of the true COM, % of the true
    leg), to within 0.3 % leg (formcheck's COM of the cleaned landmarks and its leg length)."""
    from formcheck import landmarks as lm
    from formcheck.evaluation.landmarks import digitised_overstride_steps
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    gait = simulate_gait(GaitParams(fps=60, duration_s=4.0, facing=facing))
    behind = 1.0 if facing == "left" else -1.0  # image x of "behind the runner"
    heels, expected = {}, {}
    for side in ("left", "right"):
        steps = [st for st in gait.steps if st["side"] == side][1:5]
        leg_px = gait.truth["leg_length_px"][side]
        heel_x = [gait.landmarks_px[st["contact_frame"], lm.LEG[side]["heel"], 0] for st in steps]
        heels[side] = {"frames": [st["contact_frame"] for st in steps],
                       "shoe_back_x_px": [x + behind * 0.022 * leg_px for x in heel_x]}
        expected.update({(side, st["contact_frame"]): st["overstride_pct_leg"] for st in steps})
    truth = digitised_overstride_steps(heels, to_pose_track(gait), facing)
    assert len(truth) == 8
    for t in truth:
        assert t.overstride_pct_leg == pytest.approx(expected[(t.side, t.contact_frame)], abs=0.3), (t, facing)

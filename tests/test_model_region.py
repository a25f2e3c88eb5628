"""What the pose model is shown of each frame: a square that follows a small runner crossing the frame."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.model_region import (
    FOLLOW_SIDE_PER_HEIGHT, ModelRegion, Sighting, crosses_the_frame, fixed_region, following_region, missed_in_view, sighting_of,
)


def test_following_square_is_centred_on_the_runner_between_sightings():
    """A runner 100 px tall crossing an 854x480 frame from x = 700 to x = 100 over 61 frames, seen every 10th
    frame: the square is 2 x 100 px, centred on the straight line between sightings (x = 700 - 10 t), held before
    the first and after the last, and shifted, never shrunk, to stay inside the frame."""
    sightings = [Sighting(t, (700.0 - 10.0 * t, 300.0), 100.0) for t in range(5, 56, 10)]
    region = following_region(sightings, 61, (854, 480))
    assert region is not None and region.following and region.boxes.shape == (61, 4)
    side = round(FOLLOW_SIDE_PER_HEIGHT * 100)
    assert (region.boxes[:, 2] - region.boxes[:, 0] == side).all() and (region.boxes[:, 3] - region.boxes[:, 1] == side).all()
    assert region.at(30) == (700 - 300 - side // 2, 300 - side // 2, 700 - 300 + side // 2, 300 + side // 2)
    assert region.at(0) == region.at(5)  # held before the first sighting (x = 650)
    assert region.at(60) == region.at(55)  # ... and after the last (x = 150)
    low = following_region([Sighting(0, (20.0, 460.0), 100.0)], 3, (854, 480))
    assert low is not None and low.at(0) == (0, 280, side, 480)  # pushed inside at the left and bottom edges
    assert region.at(1000) == region.at(60)  # past the planned frames: the last box


def test_no_following_square_when_it_would_not_enlarge_the_runner():
    """The detector letterboxes the whole frame on its long side: a runner 300 px tall in an 854x480 frame would
    fill a 480 px square (the short side), only 854 / 480 = 1.8 x larger ... and a 200 px runner a 400 px square,
    2.1 x: worth it; 300 px in a 640x480 frame: 640 / 480 = 1.3 x: not worth a pass."""
    assert following_region([Sighting(0, (400.0, 240.0), 200.0)], 10, (854, 480)) is not None
    assert following_region([Sighting(0, (320.0, 240.0), 300.0)], 10, (640, 480)) is None
    assert following_region([], 10, (854, 480)) is None


def test_a_fixed_region_is_one_box_for_every_frame():
    region = fixed_region((10, 20, 110, 120))
    assert not region.following and region.at(0) == region.at(99) == (10, 20, 110, 120)
    assert region.describe() == {"kind": "fixed", "box_px": [10, 20, 110, 120]}
    assert ModelRegion(np.array([[0, 0, 50, 50], [5, 0, 55, 50]])).describe()["kind"] == "following"


def test_sighting_of_a_pose_is_its_landmarks_box():
    xy = np.full((33, 2), np.nan)
    xy[:3] = [[100.0, 50.0], [140.0, 250.0], [120.0, 150.0]]
    s = sighting_of(7, xy)
    assert s == Sighting(7, (120.0, 150.0), 200.0)
    assert sighting_of(0, np.full((33, 2), np.nan)) is None


def test_squares_cover_the_frame_by_half_steps():
    from formcheck.pose import _square_starts

    assert _square_starts(854, 288) == [0, 144, 288, 432, 566]
    assert _square_starts(480, 288) == [0, 144, 192]
    assert _square_starts(200, 288) == [0]


# A rendered runner crossing an 854x480 track scene 6.7 m from the camera, 150 px tall (0.31 of the frame): MediaPipe's
# detector, shown the whole frame, found them in none of 180 frames ("no person found"); squares of 0.6 of the frame's
# height found them, and a square following them gives every frame a pose (heldout_64 of benchmarks/eval_heldout.py).
SMALL_CROSSING_RUNNER = dict(
    gait=dict(height_m=1.6982724935314486, cadence_spm=152.46126551014504, speed_m_s=2.558671940842837,
              overstride_pct_leg=6.728818994658392, hip_extension_deg=9.047068327590289, facing="left", fps=50.0,
              duration_s=3.6, treadmill=False, image_size=(854, 480), camera_distance_m=6.749739486161081,
              camera_height_m=1.15742583888471, runner_height_frac=0.62, trunk_lean_deg=3.427601318302255,
              start_phase=0.3861692831656406, seed=64, camera_focal_px=615.0),
    style=dict(shirt=(224, 140, 157), shorts=(106, 112, 117), socks=(72, 239, 113), shoe=(158, 180, 246),
               grain=3.8811838365672333, body_scale=0.9139035634773476, seed=64))


def _rendered_and_scored(spec: dict, video):
    """Render ``spec`` (gait and style) to ``video``, run the pose stage on it, and score the analysis against its truth:
    (pose track, ClipScore, hits among contacts, hits among toe-offs)."""
    from formcheck.camera import prepare_track
    from formcheck.evaluation.events import load_labels, score_track
    from formcheck.pose import extract_pose_track
    from formcheck.synth.gait import GaitParams, simulate_gait
    from formcheck.synth.render import RenderStyle, render_video, truth_path_for

    render_video(simulate_gait(GaitParams(**spec["gait"])), video, style=RenderStyle(**spec["style"]), crf=23, preset="veryfast",
                 visibility=True)
    track = extract_pose_track(video)
    score = score_track(video.stem, load_labels(truth_path_for(video)), prepare_track(track, video).track)
    return track, score, sum(e.hit for e in score.events if e.kind == "ic"), sum(e.hit for e in score.events if e.kind == "to")


@pytest.mark.slow
def test_a_small_runner_crossing_the_frame_is_found_and_timed(tmp_path):
    track, score, contacts, toe_offs = _rendered_and_scored(SMALL_CROSSING_RUNNER, tmp_path / "small_crossing.mp4")
    assert track.info["model_region"]["kind"] == "following"
    assert track.detection_rate >= 0.9
    # toe-offs 7/8 until the knee's push-off extension became its last before the swing (2026-12-04): this far knee
    # dips again in early swing, 2 frames after the toe-off (renders 0-74 toe-offs 689 -> 698/813 all the same)
    assert contacts >= 6 and toe_offs >= 5, score
    assert not any(score.spurious.values())


# heldout_111 of benchmarks/eval_heldout.py made cheaper (60 fps, 3 s, no shutter blur): a 1.57 m runner crossing a
# plain 640x360 track scene 6.1 m away. The whole frame showed them in 17 % of frames, all on one side; a fixed box around
# those sightings (the small-runner region of a treadmill clip) held them for 37 %, and the camera check, given stale
# runner boxes, took the runner for a moving background: refused ("the camera moves ... too little texture").
CROSSING_RUNNER_SEEN_ON_ONE_SIDE = dict(
    gait=dict(height_m=1.5723107537808896, cadence_spm=176.45170641690427, speed_m_s=3.4726724505630115,
              overstride_pct_leg=16.197637657832924, hip_extension_deg=13.359550387287378, facing="left", fps=60.0,
              duration_s=3.0, treadmill=False, image_size=(640, 360), camera_distance_m=6.144751852905706,
              camera_height_m=1.1780444147309475, runner_height_frac=0.62, trunk_lean_deg=4.179127356292248,
              start_phase=0.4081244633781753, seed=111, camera_focal_px=460.88992974238874),
    style=dict(shirt=(228, 170, 170), shorts=(117, 161, 92), socks=(198, 236, 197), shoe=(129, 93, 77),
               grain=2.1083389360382303, body_scale=0.856789619315623, seed=111))


def test_hips_moving_across_the_image_are_a_crossing_runner():
    """A runner whose hips move 2 heights a second crosses the frame; hips swaying on a treadmill do not."""
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    treadmill = to_pose_track(simulate_gait(GaitParams(fps=60.0, duration_s=2.0)), noise_px=1.0, seed=1)
    crossing = to_pose_track(simulate_gait(GaitParams(fps=60.0, duration_s=2.0, treadmill=False, speed_m_s=3.5)),
                             noise_px=1.0, seed=1)
    assert crosses_the_frame(crossing) and not crosses_the_frame(treadmill)
    assert crosses_the_frame(crossing.take(np.arange(40, 45)))  # five consecutive sightings are enough
    assert crosses_the_frame(crossing.take(np.arange(0, 120, 7)))  # and sightings with gaps between them
    assert not any(crosses_the_frame(treadmill.take(np.arange(a, a + 5))) for a in range(0, 115, 5))  # sway is not travel
    n = crossing.n_frames  # every frame shown twice (a conformed slow-motion file): the hips stand still on every repeat
    doubled = replace(crossing.take(np.repeat(np.arange(n), 2)), timestamps_s=np.arange(2 * n) / 120.0, fps=120.0)
    assert crosses_the_frame(doubled)
    slow = replace(crossing, timestamps_s=crossing.timestamps_s * 2.4, fps=25.0)  # 2.4x slow motion at 25 fps
    assert crosses_the_frame(slow)


def test_a_crossing_runner_found_late_or_lost_early_was_missed_in_view():
    """The synthetic runner crosses a 1280 px frame (hips from x 1265 to 14): seen whole, or found 3 frames late, they
    came in and went out at the edges; found 30 frames (0.5 s, ~2 heights) late or lost 30 frames early, the model
    missed them in view."""
    from formcheck.synth.gait import GaitParams, simulate_gait, to_pose_track

    track = to_pose_track(simulate_gait(GaitParams(fps=60.0, duration_s=2.0, treadmill=False, speed_m_s=3.5)), noise_px=1.0, seed=1)
    seen = np.flatnonzero(np.isfinite(track.keypoints_px[:, 23, 0]))

    def unseen(frames: slice):
        kp = track.keypoints_px.copy()
        kp[frames] = np.nan
        return track.with_keypoints(kp)

    assert not missed_in_view(track) and not missed_in_view(unseen(slice(0, seen[0] + 3)))
    assert missed_in_view(unseen(slice(0, seen[0] + 30))) and missed_in_view(unseen(slice(seen[-1] - 30, None)))


@pytest.mark.slow
def test_a_crossing_runner_seen_on_one_side_of_the_frame_is_followed(tmp_path):
    track, score, contacts, toe_offs = _rendered_and_scored(CROSSING_RUNNER_SEEN_ON_ONE_SIDE, tmp_path / "crossing.mp4")
    assert track.info["model_region"]["kind"] == "following"
    assert track.detection_rate >= 0.8  # 0.37 in the fixed box
    assert score.error is None, score.error  # refused before: the camera check took the runner for the background
    assert contacts >= 4 and toe_offs >= 4, score  # measured 5/6 and 5/7
    assert not any(score.spurious.values())


# heldout_133 of benchmarks/eval_heldout.py: a 1.60 m runner crossing a plain 854x480 track scene at 60 fps. MediaPipe's
# multi-pose landmarker returned the runner twice on 6 frames; the scan counted two people, and linking gave each second
# find a new "person": the runner's track split into 6, the one kept covered 49 % of the pass, and the camera check,
# with the runner's box missing on half the frames, followed the runner as background: refused ("the camera moves").
CROSSING_RUNNER_FOUND_TWICE = dict(
    gait=dict(height_m=1.6006813414378598, cadence_spm=173.82987464276897, speed_m_s=2.6186624319424374,
              overstride_pct_leg=10.312769701225626, hip_extension_deg=18.887126005180086, facing="right", fps=60.0,
              duration_s=3.6, treadmill=False, image_size=(854, 480), camera_distance_m=6.7301252652474535,
              camera_height_m=0.8446782910309253, runner_height_frac=0.62, trunk_lean_deg=11.615640514821028,
              start_phase=0.9013476413681052, seed=133, camera_focal_px=615.0),
    style=dict(shirt=(201, 141, 147), shorts=(16, 71, 109), socks=(167, 124, 21), shoe=(75, 211, 180),
               grain=1.9215450386626216, body_scale=1.1039439916277023, seed=133))


@pytest.mark.slow
def test_a_runner_the_model_finds_twice_in_a_frame_stays_one_person(tmp_path):
    track, score, contacts, toe_offs = _rendered_and_scored(CROSSING_RUNNER_FOUND_TWICE, tmp_path / "found_twice.mp4")
    assert track.detection_rate >= 0.9, track.info["person_picked"]  # 0.49 when split into 6 "people"
    assert score.error is None, score.error
    assert contacts >= 8 and toe_offs >= 6, score  # measured 10/10 and 7/10
    assert not any(score.spurious.values())


# heldout_920 of benchmarks/eval_heldout.py cut to 1.5 s: a still 120 fps portrait clip at 0.33 m, the runner 0.70 of the
# frame with the head above its top edge. MediaPipe's detector, which keys on the head, found nobody in the whole frame
# (in the clip's full 5 s, 2 of 596 frames, so the clip was refused: "a person was found in only 0% of frames").
HEAD_ABOVE_THE_FRAME = dict(
    gait=dict(height_m=1.7971535187522583, cadence_spm=180.46562988449773, speed_m_s=3.313841510483096,
              overstride_pct_leg=13.073668618381385, hip_extension_deg=10.289598380298102, facing="left", fps=120.0,
              duration_s=1.5, treadmill=True, image_size=(540, 960), camera_distance_m=3.970317791426711,
              camera_height_m=0.3258831538065873, runner_height_frac=0.6969821611295319, trunk_lean_deg=7.105186867060652,
              start_phase=0.9123347267257228, seed=920),
    style=dict(shirt=(24, 68, 209), shorts=(38, 134, 78), socks=(199, 159, 186), shoe=(44, 36, 28), grain=3.167573368361479,
               body_scale=1.1853911672979944, seed=920))


@pytest.mark.slow
def test_a_runner_whose_head_is_above_the_frame_is_found_with_room_above_it(tmp_path):
    track, score, contacts, toe_offs = _rendered_and_scored(HEAD_ABOVE_THE_FRAME, tmp_path / "head_above.mp4")
    region = track.info["model_region"]
    assert region["kind"] == "fixed" and region["box_px"] == [0, -288, 540, 960]  # 30 % of the height added above
    assert track.detection_rate >= 0.95
    assert contacts == sum(e.kind == "ic" for e in score.events) == 4, score  # (toe-offs 1 of 5 in 1.5 s: 2 at its edges)
    assert abs(score.overstride_error_pct_leg) < 3.0, score
    assert not any(score.spurious.values())


def test_the_model_is_shown_room_beyond_the_frame_and_its_landmarks_come_back_in_frame_pixels():
    """A box reaching above the frame: the frame's top row repeated into it; a landmark the model places in that
    picture comes back at its own pixel of the frame (the added rows are negative y)."""
    from types import SimpleNamespace

    from formcheck.model_region import head_room_region
    from formcheck.pose import _detect, _model_image

    rgb = np.zeros((100, 60, 3), np.uint8)
    rgb[0] = 200  # the top row
    rgb[50, 30] = 99
    box = head_room_region((60, 100)).at(0)
    assert box == (0, -30, 60, 100)
    shown = _model_image(rgb, 60, box)
    assert shown.shape == (130, 60, 3) and (shown[:31] == 200).all() and shown[80, 30, 0] == 99

    class Landmarker:  # MediaPipe's answer: one pose, every landmark at the pixel (30, 80) of the picture shown
        def detect_for_video(self, image, ms):
            point = SimpleNamespace(x=30 / 60, y=80 / 130, z=0.0, visibility=0.9, presence=0.9)
            return SimpleNamespace(pose_landmarks=[[point] * 33], pose_world_landmarks=[[point] * 33])

    poses = _detect(Landmarker(), rgb, 0, 60, 100, box, image=SimpleNamespace())
    assert len(poses) == 1 and np.allclose(poses[0][:, :2], [30.0, 50.0])

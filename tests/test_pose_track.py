"""Pose track persistence: .npz round trip, CSV export, refusal of foreign files."""

import csv
from pathlib import Path

import numpy as np
import pytest

from formcheck.landmarks import LANDMARK_NAMES, N_LANDMARKS
from formcheck.pose_track import PoseTrack, PoseTrackFormatError


def _track(n: int = 6) -> PoseTrack:
    rng = np.random.default_rng(3)
    keypoints = rng.uniform(0, 500, (n, N_LANDMARKS, 2))
    keypoints[2] = np.nan  # a frame without a person
    return PoseTrack(
        keypoints_px=keypoints,
        depth_px=rng.normal(size=(n, N_LANDMARKS)),
        visibility=rng.uniform(size=(n, N_LANDMARKS)),
        presence=rng.uniform(size=(n, N_LANDMARKS)),
        world_m=rng.normal(size=(n, N_LANDMARKS, 3)),
        timestamps_s=np.arange(n) / 30.0,
        frame_indices=np.arange(n) + 10,
        fps=30.0,
        image_size=(640, 480),
        source="clip.mp4",
        info={"person_picked": "the only person"},
    )


def test_npz_round_trip_keeps_everything(tmp_path: Path) -> None:
    track = _track()
    loaded = PoseTrack.load(track.save(tmp_path / "t.npz"))
    np.testing.assert_allclose(loaded.keypoints_px, track.keypoints_px, rtol=1e-6)
    np.testing.assert_array_equal(loaded.frame_indices, track.frame_indices)
    assert loaded.detected.tolist() == [True, True, False, True, True, True]
    assert (loaded.fps, loaded.image_size, loaded.source, loaded.info) == (30.0, (640, 480), "clip.mp4", track.info)
    assert [p.name for p in tmp_path.iterdir()] == ["t.npz"]


def test_csv_has_a_row_per_frame_and_blank_cells_for_missing(tmp_path: Path) -> None:
    track = _track()
    with open(track.to_csv(tmp_path / "t.csv")) as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 1 + track.n_frames
    assert rows[0][:3] == ["frame", "time_s", "detected"] and len(rows[0]) == 3 + 3 * len(LANDMARK_NAMES)
    assert rows[3][0] == "12" and rows[3][2] == "0" and rows[3][3] == ""
    assert float(rows[1][3]) == pytest.approx(track.keypoints_px[0, 0, 0], abs=0.01)


def test_loading_something_else_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "x.npz"
    np.savez(bogus, a=np.zeros(3))
    with pytest.raises(PoseTrackFormatError, match="not a formcheck pose track"):
        PoseTrack.load(bogus)


def test_shape_mismatch_is_refused() -> None:
    track = _track()
    with pytest.raises(ValueError, match="visibility"):
        PoseTrack(**{**track.__dict__, "visibility": np.zeros((3, N_LANDMARKS))})


def test_small_runner_gets_a_closer_look():
    """A runner 25 % of the frame tall (landmarks spread over 0.30-0.55 of the height) is looked at again within
    the region they occupy, widened by ROI_MARGIN; a runner filling the frame, or crossing all of it, is not."""
    from dataclasses import replace

    from formcheck.model_region import ROI_MARGIN, runner_roi

    n, w, h = 20, 1080, 1920
    rng = np.random.default_rng(0)
    k = np.empty((n, 33, 2))
    k[..., 0] = rng.uniform(500, 600, size=(n, 33))
    k[..., 1] = rng.uniform(0.30 * h, 0.55 * h, size=(n, 33))
    track = PoseTrack(keypoints_px=k, depth_px=np.zeros((n, 33)), visibility=np.ones((n, 33)), presence=np.ones((n, 33)),
                      world_m=np.zeros((n, 33, 3)), timestamps_s=np.arange(n) / 30.0, frame_indices=np.arange(n), fps=30.0,
                      image_size=(w, h))
    x0, y0, x1, y1 = runner_roi(track)
    y_lo, y_hi = np.percentile(k[..., 1], [1, 99])
    assert y0 < y_lo and y1 > y_hi and (y1 - y0) == pytest.approx((y_hi - y_lo) * (1 + 2 * ROI_MARGIN), abs=2)
    assert x0 < 500 and x1 > 600 and abs((x1 - x0) - (y1 - y0)) <= 1  # square, as the detector's own input
    assert (x1 - x0) * (y1 - y0) < 0.35 * w * h
    tall = replace(track, keypoints_px=np.stack([k[..., 0], 0.05 * h + (k[..., 1] - 0.30 * h) * 3.6], axis=-1))
    assert runner_roi(tall) is None  # fills 90 % of the height, found in every frame
    crossing = replace(track, keypoints_px=np.stack([rng.uniform(0, w, size=(n, 33)), k[..., 1]], axis=-1))
    assert runner_roi(crossing) is None  # its region is most of the frame: nothing to gain


# ------------------------------------------------------------------ the camera check in the pose model's pass
def _panning_clip(path: Path, n: int = 40) -> None:
    """A textured scene panning 2 px a frame, with a grey 'runner' block that moves across it."""
    import cv2

    from formcheck.video import H264Writer

    rng = np.random.default_rng(5)
    scene = cv2.GaussianBlur((rng.random((300, 700)) * 255).astype(np.uint8), (0, 0), 2.0)
    scene = np.dstack([scene] * 3)
    with H264Writer(path, fps=30.0, size=(320, 240), crf=16) as writer:
        for i in range(n):
            img = np.ascontiguousarray(scene[20:260, 2 * i: 2 * i + 320])
            img[60:200, 100 + 3 * i: 160 + 3 * i] = 128
            writer.write(img)


def _poses(n: int, seen: np.ndarray) -> list[list[np.ndarray]]:
    """One pose per frame over the block (landmark spread inside it), none where ``seen`` is False."""
    rng = np.random.default_rng(6)
    out = []
    for i in range(n):
        pose = np.zeros((N_LANDMARKS, 8))
        pose[:, 0] = rng.uniform(105 + 3 * i, 155 + 3 * i, N_LANDMARKS)
        pose[:, 1] = rng.uniform(70, 190, N_LANDMARKS)
        out.append([pose] if seen[i] else [])
    return out


def test_camera_measured_during_the_pose_pass_is_the_separate_pass(tmp_path: Path) -> None:
    """The camera follower (formcheck.pose) gives a frame without a pose the next seen frame's box and the last
    frames the last box, as formcheck.camera does with the finished track, so its estimate is exactly that of
    measure_camera_motion; a track whose boxes differ from the ones it used is caught by boxes_agree."""
    from formcheck.camera import boxes_agree, camera_frame, measure_camera_motion
    from formcheck.pose import _CameraFollower
    from formcheck.video import iter_frames

    clip = tmp_path / "pan.mp4"
    n = 40
    _panning_clip(clip, n)
    seen = np.ones(n, dtype=bool)
    seen[[0, 7, 8, 9, 20, 37, 38, 39]] = False  # unseen at the start, in runs, and at the end
    poses = _poses(n, seen)
    follower = _CameraFollower(30.0)
    frames = list(iter_frames(clip, derive=camera_frame))
    for frame, found in zip(frames, poses):
        follower.add(frame.index, frame.playback_s, frame.derived, found)
    estimator = follower.finish()
    assert estimator is not None and len(estimator.idxs) == n
    keypoints = np.full((n, N_LANDMARKS, 2), np.nan)
    for i, found in enumerate(poses):
        if found:
            keypoints[i] = found[0][:, :2]
    track = PoseTrack(keypoints_px=keypoints, depth_px=np.zeros((n, N_LANDMARKS)), visibility=np.ones((n, N_LANDMARKS)),
                      presence=np.ones((n, N_LANDMARKS)), world_m=np.zeros((n, N_LANDMARKS, 3)),
                      timestamps_s=np.array([f.time_s for f in frames]), frame_indices=np.arange(n), fps=30.0, image_size=(320, 240))
    assert boxes_agree(estimator, track)
    during, separate = estimator.finish(clip), measure_camera_motion(clip, track)
    for name in ("frame_indices", "timestamps_s", "to_ref", "ok", "inliers", "segment"):
        assert np.array_equal(getattr(during, name), getattr(separate, name)), name
    assert abs(during.translation_px[-1, 0] - 2 * (n - 1)) < 1.0  # the pan was measured, not a trivial identity
    moved = keypoints.copy()
    moved[8] = keypoints[10] + 5.0  # the final track saw the runner where the follower had borrowed a box
    assert not boxes_agree(estimator, track.with_keypoints(moved))


def test_camera_follower_gives_up_on_a_long_wait_and_on_several_people() -> None:
    """Frames wait for the next pose's box; past the wait limit (memory stays bounded) or with several people
    in a frame (whose box is the runner's is known only at the end) the estimate is given up (None)."""
    from formcheck.pose import _CameraFollower

    small = (np.zeros((24, 32), np.uint8), np.zeros((64, 64), np.float32), (32, 24))
    nobody = _CameraFollower(30.0, max_wait_s=1.0)
    for i in range(40):
        nobody.add(i, i / 30.0, small, [])
    assert nobody.finish() is None
    two = _CameraFollower(30.0)
    pose = np.zeros((N_LANDMARKS, 8))
    two.add(0, 0.0, small, [pose])
    two.add(1, 1 / 30.0, small, [pose, pose + 50.0])
    assert two.finish() is None


@pytest.mark.slow
def test_one_pass_pose_and_camera_match_separate_runs(shared_videos: Path, pose_track_of) -> None:
    """extract_pose_and_camera on a one-person clip: the track is the single-pose run from the first frame (no frame
    run twice; the people scan runs beside it), and the camera, measured in the same decoding pass without a second
    one, equals measure_camera_motion's separate pass. The shoes' blur is measured beside the camera, one frame in 2
    (the rendered runner is sharp: under 2 % of the foot's length)."""
    from formcheck import camera
    from formcheck.pose import extract_pose_and_camera

    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "sample_run.mp4"
    separate_passes = []
    original = camera.measure_camera_motion

    def counted(*args, **kwargs):
        separate_passes.append(args)
        return original(*args, **kwargs)

    camera.measure_camera_motion = counted
    try:
        track, motion = extract_pose_and_camera(clip)
    finally:
        camera.measure_camera_motion = original
    assert separate_passes == []
    from formcheck.foot_blur import near_foot_streak_pct

    blur = track.info["foot_blur"]
    assert blur["frame_indices"] == track.frame_indices[::2].tolist()
    assert all(abs(near_foot_streak_pct(blur, side)) < 2.0 for side in ("left", "right")), blur
    single = pose_track_of(clip, max_people=1)  # cached: float32 on disk
    assert track.info["max_people_in_a_frame"] == 1 and track.n_frames == single.n_frames
    assert np.nanmax(np.abs(track.keypoints_px - single.keypoints_px)) < 1e-3
    reference = original(clip, track)
    for name in ("frame_indices", "timestamps_s", "to_ref", "ok", "inliers", "segment"):
        assert np.array_equal(getattr(motion, name), getattr(reference, name)), name


@pytest.mark.slow
def test_people_scan_still_finds_the_second_person(shared_videos: Path) -> None:
    """walk_side_multiperson_05 (a woman walks in front, a man jumps on a box behind): the sampled scan of the first
    second sees two people, so every pose is kept and the walker (hips in the lower 40 % of the frame) is picked."""
    from formcheck import landmarks as lm
    from formcheck.pose import extract_pose_and_camera

    track, motion = extract_pose_and_camera(shared_videos / "walk_side_multiperson_05.mp4")
    assert track.info["max_people_in_a_frame"] == 2 and "people" in track.info["person_picked"]
    hips = track.keypoints_px[track.detected][:, [lm.LEFT_HIP, lm.RIGHT_HIP], :].mean(axis=1)
    assert len(hips) > 100 and np.all(hips[:, 1] > 0.6 * track.image_size[1])
    assert motion.n_frames == track.n_frames


@pytest.mark.slow
def test_a_4k_clip_is_looked_at_shrunk_and_mapped_back(shared_videos: Path, pose_track_of, tmp_path: Path) -> None:
    """A 4K copy of treadmill_side_01 (3x each side; the model and the camera check see it shrunk to
    WORKING_MAX_SIDE_PX): landmarks come back in the 4K frame's pixels, 3x the 720p clip's up to resampling."""
    import cv2

    from formcheck.pose import extract_pose_and_camera
    from formcheck.video import H264Writer, iter_frames

    clip = shared_videos / "treadmill_side_01.mp4"
    big = tmp_path / "4k.mp4"
    with H264Writer(big, 30.0, (2160, 3840), preset="ultrafast", crf=18) as writer:
        for frame, _ in zip(iter_frames(clip), range(45)):
            writer.write(cv2.resize(frame.rgb, (2160, 3840), interpolation=cv2.INTER_CUBIC), time_s=frame.time_s)
    track, motion = extract_pose_and_camera(big, max_people=1)
    small = pose_track_of(clip, max_people=1)
    assert track.image_size == (2160, 3840) and track.n_frames == 45 and motion.image_size == (2160, 3840)
    both = track.detected & small.detected[:45]
    assert both.sum() >= 40
    err = np.linalg.norm(track.keypoints_px[both] / 3.0 - small.keypoints_px[:45][both], axis=2)
    assert np.median(err) < 3.0  # 720p px; the landmarks of a 720p runner's joints scatter about this much


def _standing_pose(centre_x: float, height_px: float = 200.0) -> np.ndarray:
    """A (33, 8) pose: every landmark spread over a person's box centred at ``centre_x`` (torso in the middle)."""
    from formcheck import landmarks as lm

    pose = np.full((N_LANDMARKS, 8), np.nan)
    ys = np.linspace(100.0, 100.0 + height_px, N_LANDMARKS)
    xs = centre_x + np.linspace(-0.15, 0.15, N_LANDMARKS) * height_px
    pose[:, 0], pose[:, 1] = xs, ys
    pose[[lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER], 1] = 100.0 + 0.3 * height_px
    pose[[lm.LEFT_HIP, lm.RIGHT_HIP], 1] = 100.0 + 0.6 * height_px
    pose[[lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER, lm.LEFT_HIP, lm.RIGHT_HIP], 0] = centre_x
    return pose


def test_one_person_found_twice_in_a_frame_is_one_track() -> None:
    """The multi-pose model returns one runner twice on some frames (boxes overlapping ~0.75-0.97): the second
    find must neither start a "person" nor take the runner's next poses onto a new track; two people side by side
    (boxes apart) stay two."""
    from formcheck.pose import _distinct_people, _link

    runner = _standing_pose(300.0)
    twice = runner.copy()
    twice[:, 0] += 6.0  # the same person, found again a few pixels off
    other = _standing_pose(420.0)  # a second person beside the runner, their boxes apart
    behind = _standing_pose(315.0)  # another person a quarter box behind: boxes overlap 0.6, still two people
    assert len(_distinct_people([runner, twice])) == 1
    assert [p[0, 0] for p in _distinct_people([runner, other, twice])] == [runner[0, 0], other[0, 0]]
    assert len(_distinct_people([runner, behind])) == 2

    tracks: list = []
    for frame in range(10):
        step = np.zeros((1, 8))
        step[0, 0] = 4.0 * frame  # crossing the frame, 4 px a frame
        poses = [runner + step] + ([twice + step] if frame == 4 else [])
        _link(tracks, _distinct_people(poses), frame, fps=60.0)
    assert len(tracks) == 1 and tracks[0].frames == list(range(10))


def test_a_misplaced_pose_does_not_split_the_runners_track() -> None:
    """As on a rendered pass across a plain track scene: the model misplaces the runner once (0.85 torso lengths
    low), then finds the misplaced pose again, listed first, beside the runner. The runner keeps one track over
    every frame; the second misplaced pose starts its own."""
    from formcheck.pose import _centre_and_size, _link

    tracks: list = []
    runner = _standing_pose(300.0)
    torso = _centre_and_size(runner)[1]
    for frame in range(10):
        step = np.zeros((1, 8))
        step[0, 0] = -5.0 * frame  # crossing the frame
        stray = runner + step
        stray[:, 1] += 0.85 * torso
        poses = {5: [stray], 6: [stray, runner + step]}.get(frame, [runner + step])
        _link(tracks, poses, frame, fps=50.0)
    assert len(tracks) == 2
    assert tracks[0].frames == list(range(10))
    assert tracks[1].frames == [6]


@pytest.mark.parametrize("ahead_listed_first", [True, False])
def test_two_runners_close_together_keep_their_own_tracks(ahead_listed_first: bool) -> None:
    """Two runners crossing together at 30 fps, the one behind 0.6 torso lengths back, each moving 0.5 torso lengths a
    frame: the one behind comes nearer the other's last place than its own, so each is looked for where its own
    pace takes it (a reviewer's case: linked to the last place, a new track started on every frame)."""
    from formcheck.pose import _centre_and_size, _link

    torso = _centre_and_size(_standing_pose(300.0))[1]
    tracks: list = []
    for frame in range(30):
        ahead = _standing_pose(100.0 + (0.6 + 0.5 * frame) * torso)
        behind = _standing_pose(100.0 + 0.5 * frame * torso)
        _link(tracks, [ahead, behind] if ahead_listed_first else [behind, ahead], frame, fps=30.0)
    assert len(tracks) == 2 and all(t.frames == list(range(30)) for t in tracks)
    assert {round(float(t.poses[-1][0, 0] - t.poses[0][0, 0]) / torso, 1) for t in tracks} == {14.5}

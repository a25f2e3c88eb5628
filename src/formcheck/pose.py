"""Run MediaPipe Pose Landmarker (Tasks API, VIDEO mode) over a clip and keep the runner.

VIDEO mode tracks the person from frame to frame (the detector only runs when tracking is
lost), which is both faster and steadier than detecting in every frame. To pick the runner when
several people are in view, every ``SCAN_EVERY``-th frame of the first second is looked at by a
landmarker that finds up to ``max_people`` poses, on a second thread while the single-pose
landmarker runs over the clip from its first frame. If only one person shows up, that single-pose
run is the result: every frame goes through the model once (detecting several poses makes the
detector run on every frame, about 40% slower, and only the single-pose landmarker smooths its
landmarks over time). Otherwise the clip is run again from the start keeping all poses, they are
linked into tracks by position, and the track that stays in view and moves its legs in an
alternating rhythm is kept as the runner.

:func:`extract_pose_and_camera` also runs the camera-motion check (:mod:`formcheck.camera`) in the
same decoding pass: the decoding thread keeps a small grey copy of each frame, and a third thread
follows the background with the runner's box from the pose just found. When the final track's boxes
are those it used (one person, seen throughout, the usual case) its estimate is exactly the one a
separate pass would make; otherwise the camera is measured again in a separate pass.

Something burnt in over the feet (an app's handle) pulls the model's heel and toe onto its letters: where the
pixels show one (:mod:`formcheck.foot_overlay`), its pixels are painted out of every frame and the model is run
again (:func:`pose_with_overlay_painted_out`).
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import landmarks as lm
from .model_region import (HEAD_ROOM_BELOW_DETECTION, HEAD_ROOM_MIN_DETECTION, ModelRegion, Sighting, crosses_the_frame,
                           fixed_region, following_region, head_room_region, missed_in_view, runner_roi, sighting_of)
from .pose_track import PoseTrack
from .video import WORKING_MAX_SIDE_PX, VideoInfo, iter_frames, probe_video, slow_motion_timing

if TYPE_CHECKING:
    from .camera import CameraEstimator, CameraMotion
    from .foot_overlay import OverlayMask

DEFAULT_MODEL_NAME = "pose_landmarker_full.task"

ProgressCallback = Callable[[int, int], None]  # (frames done, frames expected)
FramePrep = Callable[[np.ndarray], np.ndarray] | None  # what is done to each decoded frame before the model sees it


class PoseModelError(Exception):
    """The pose model file is missing or not a MediaPipe Pose Landmarker bundle."""


class NoPersonError(Exception):
    """No person was found in the clip."""


class _NoFrames(NoPersonError):
    """The selected time range holds no frames (nothing to look for a person in)."""


def default_model_path() -> Path:
    """The model to use when none is given: ``$FORMCHECK_MODEL`` if set, else :func:`bundled_model_path`."""
    env = os.environ.get("FORMCHECK_MODEL")
    return Path(env) if env else bundled_model_path()


def bundled_model_path() -> Path:
    """The model shipped with formcheck.

    The repo keeps it in its top-level ``models/``, which pyproject installs as the package
    ``formcheck.models``: read from there (an installed wheel, or an editable install that maps
    the package), else from ``models/`` of this source checkout (an editable install that only
    puts ``src/`` on the path).
    """
    try:
        resource = resources.files("formcheck.models") / DEFAULT_MODEL_NAME
    except ModuleNotFoundError:
        pass
    else:
        if isinstance(resource, Path) and resource.is_file():
            return resource
    return Path(__file__).resolve().parents[2] / "models" / DEFAULT_MODEL_NAME


@dataclass
class _PersonTrack:
    """Poses of one person, linked over frames by position."""

    first_seen: int
    frames: list[int] = field(default_factory=list)
    poses: list[np.ndarray] = field(default_factory=list)  # each (33, 8): x, y, z, vis, pres, wx, wy, wz
    centre_px: np.ndarray = field(default_factory=lambda: np.zeros(2))
    size_px: float = 1.0

    def add(self, frame: int, pose: np.ndarray) -> None:
        self.frames.append(frame)
        self.poses.append(pose)
        self.centre_px, self.size_px = _centre_and_size(pose)

    def reference(self, frame: int) -> tuple[np.ndarray, float]:
        """Where this person's pose on ``frame`` is looked for: the last pose's x moved on at the median pace (px a
        frame) of the last LINK_HISTORY poses, and their median height (y) and torso length. A runner crosses the
        frame fast but at a steady pace, and moves up and down, and nearer or further, slowly; a single pose the model
        misplaced (its torso 40 px low and 25 % short, on a rendered pass) then does not move where the next poses
        are looked for, and of two runners side by side the one behind is not looked for where the one ahead was."""
        recent = [_centre_and_size(p) for p in self.poses[-LINK_HISTORY:]]
        xs, frames = np.array([c[0] for c, _ in recent]), np.array(self.frames[-LINK_HISTORY:], dtype=float)
        pace = float(np.median(np.diff(xs) / np.diff(frames))) if len(xs) > 1 else 0.0
        x = float(self.centre_px[0]) + pace * (frame - self.frames[-1])
        return np.array([x, float(np.median([c[1] for c, _ in recent]))]), float(np.median([size for _, size in recent]))


def _centre_and_size(pose: np.ndarray) -> tuple[np.ndarray, float]:
    torso = pose[[lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER, lm.LEFT_HIP, lm.RIGHT_HIP], :2]
    shoulders, hips = torso[:2].mean(axis=0), torso[2:].mean(axis=0)
    return torso.mean(axis=0), max(float(np.linalg.norm(shoulders - hips)), 1.0)


def _result_to_arrays(result: object, width: int, height: int) -> list[np.ndarray]:
    poses = []
    worlds = getattr(result, "pose_world_landmarks", None) or []
    for k, landmarks in enumerate(getattr(result, "pose_landmarks", None) or []):
        pose = np.full((lm.N_LANDMARKS, 8), np.nan)
        for i, point in enumerate(landmarks):
            pose[i, :5] = (point.x * width, point.y * height, point.z * width, point.visibility or 0.0, point.presence or 0.0)
        if k < len(worlds):
            for i, point in enumerate(worlds[k]):
                pose[i, 5:] = (point.x, point.y, point.z)
        poses.append(pose)
    return poses


# MediaPipe's multi-pose landmarker sometimes returns one person twice in a frame (boxes overlapping 0.75-0.97): a
# rendered runner crossing a plain scene, 6 frames of 216, had their track split at each duplicate into 6 "people",
# the one kept covering 49 % of the pass. A pose is linked to a track only once per frame. The people scan still
# counts every pose it is given: the duplicates of walk_side_multiperson_05's man on a box in its first second are
# what runs that clip multi-pose, which finds the woman walking in later (single-pose, the tracker stays on him).
DUPLICATE_BOX_OVERLAP = 0.7  # two poses whose landmark boxes overlap this much (intersection over union) are one person


def _landmark_box(pose: np.ndarray) -> np.ndarray:
    xy = pose[:, :2]
    return np.array([np.nanmin(xy[:, 0]), np.nanmin(xy[:, 1]), np.nanmax(xy[:, 0]), np.nanmax(xy[:, 1])])


def _box_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _distinct_people(poses: list[np.ndarray]) -> list[np.ndarray]:
    """The poses of one frame without a second find of the same person (the model's first find of each is kept)."""
    if len(poses) < 2:
        return poses
    kept: list[np.ndarray] = []
    boxes: list[np.ndarray] = []
    for pose in poses:
        box = _landmark_box(pose)
        if all(_box_overlap(box, other) < DUPLICATE_BOX_OVERLAP for other in boxes):
            kept.append(pose)
            boxes.append(box)
    return kept


def _leg_rhythm(track: _PersonTrack) -> float:
    """Spread of the ankles' fore-aft separation in torso lengths: large when legs alternate."""
    if len(track.poses) < 5:
        return 0.0
    poses = np.stack(track.poses)
    separation = poses[:, lm.LEFT_ANKLE, 0] - poses[:, lm.RIGHT_ANKLE, 0]
    torso = np.array([_centre_and_size(p)[1] for p in track.poses])
    return float(np.nanstd(separation / torso))


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send the C++ runtime's log lines (written straight to fd 2) to /dev/null.

    Python's own stderr (progress bar, messages) is re-pointed at a duplicate of the original
    fd 2, so a user sees formcheck's one-line messages and progress, not the runtime's chatter.
    Re-entrant: an inner use inside an outer one does nothing. ``FORMCHECK_DEBUG=1`` keeps the logs.
    """
    if os.environ.get("FORMCHECK_DEBUG") or getattr(sys.stderr, "_formcheck_silenced", False):
        yield
        return
    sys.stderr.flush()
    saved_fd = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    original = sys.stderr
    replacement = os.fdopen(saved_fd, "w", buffering=1, encoding=getattr(original, "encoding", None) or "utf-8", closefd=False)
    replacement._formcheck_silenced = True  # type: ignore[attr-defined]
    try:
        os.dup2(devnull, 2)
        sys.stderr = replacement
        yield
    finally:
        replacement.flush()
        sys.stderr = original
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        os.close(devnull)


def _create_landmarker(model_path: Path, num_poses: int, *, image_mode: bool = False):  # -> vision.PoseLandmarker
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.IMAGE if image_mode else vision.RunningMode.VIDEO,
        num_poses=num_poses,
        min_pose_detection_confidence=0.5,
        min_pose_presence_confidence=0.5,
        min_tracking_confidence=0.5,
    )
    try:
        return vision.PoseLandmarker.create_from_options(options)
    except (RuntimeError, ValueError) as exc:
        raise PoseModelError(f"{model_path}: not a usable MediaPipe Pose Landmarker model ({str(exc).splitlines()[0]})") from exc


def extract_pose_track(
    path: str | os.PathLike[str],
    *,
    model_path: str | os.PathLike[str] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    fps_override: float | None = None,
    max_people: int = 2,
    scan_s: float = 1.0,
    progress: ProgressCallback | None = None,
    paint_out_overlay: bool = True,
) -> PoseTrack:
    """Run the pose model over ``path`` and return the runner's :class:`PoseTrack`.

    ``scan_s`` = inf with ``max_people`` > 1 runs the multi-pose landmarker on every frame (its landmarks are
    not filtered over time: the model's own placement, used to measure it). Raises ``VideoReadError`` (bad
    input), ``PoseModelError`` (bad model) or ``NoPersonError`` (nobody in the clip).
    ``paint_out_overlay``: something drawn over the feet is looked for (a pass over the clip's pixels) and, found,
    painted out of every frame for a second run of the model (:func:`pose_with_overlay_painted_out`).
    """
    track, _ = _extract(path, model_path, start_s, end_s, fps_override, max_people, scan_s, progress, camera=False)
    painted = pose_with_overlay_painted_out(path, track, model_path=model_path, start_s=start_s, end_s=end_s,
                                            fps_override=fps_override, max_people=max_people, scan_s=scan_s,
                                            progress=progress) if paint_out_overlay else None
    return track if painted is None else painted[0]


def extract_pose_and_camera(
    path: str | os.PathLike[str],
    *,
    model_path: str | os.PathLike[str] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    fps_override: float | None = None,
    max_people: int = 2,
    scan_s: float = 1.0,
    progress: ProgressCallback | None = None,
) -> tuple[PoseTrack, CameraMotion]:
    """:func:`extract_pose_track` and the camera's motion over the same frames, in one decoding pass.

    The motion equals ``formcheck.camera.measure_camera_motion(path, track, start_s=..., end_s=...)``: it
    is measured while the model runs and kept when the boxes it masked are the final track's,
    else measured again in a second pass. (Where an overlay was painted out: on the painted frames while the model
    runs, on the frames as filmed when measured again.)
    """
    from .camera import camera_pass

    track, motion = _extract(path, model_path, start_s, end_s, fps_override, max_people, scan_s, progress, camera=True)
    painted = pose_with_overlay_painted_out(path, track, model_path=model_path, start_s=start_s, end_s=end_s,
                                            fps_override=fps_override, max_people=max_people, scan_s=scan_s,
                                            progress=progress, camera=True)
    if painted is not None:
        first_motion = motion
        track, motion = painted
        if "overlay_painted_out" not in track.info:  # an overlay left unpainted: the first pass's motion stands
            motion = first_motion
    if motion is None:  # measured again (and the shoes' blur, when the pass had none to give)
        motion, track = camera_pass(path, track, start_s=start_s, end_s=end_s)
    return track, motion


def pose_with_overlay_painted_out(
    path: str | os.PathLike[str],
    track: PoseTrack,
    *,
    model_path: str | os.PathLike[str] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    fps_override: float | None = None,
    max_people: int = 2,
    scan_s: float = 1.0,
    progress: ProgressCallback | None = None,
    camera: bool = False,
) -> tuple[PoseTrack, CameraMotion | None] | None:
    """The pose found again with what is drawn over the feet painted out of every frame; None when nothing is.

    An app's handle burnt in where the feet land pulls MediaPipe's heel and toe onto its letters
    (:mod:`formcheck.foot_overlay`). ``track`` is the first run's, made with the same options: where it carries the
    figure of the pose pass (``info["foot_blur"]``), a clip under ``OVERLAY_WARN_FRACTION`` costs nothing more; else
    the clip is read once more to measure it. Above it, the overlay's pixels are found at the frame's resolution (the
    clip read once more) and the model is run again on frames with them filled from around them. The track returned
    keeps the first pass's pixel figures (the overlay is still on the clip: the analysis says so) and records
    ``overlay_painted_out``. When one is there but is not painted out (it hides the feet rather than crossing them,
    or the painted frames lose the runner) the first run stands: None where its pose pass carries the figure, else
    the first track with the figure read here recorded as ``overlay_unpainted`` (so the analysis still warns) and no
    camera motion.
    """
    from .foot_overlay import overlay_fraction
    from .quality import OVERLAY_WARN_FRACTION

    figure = overlay_fraction(track.info.get("foot_blur"))
    if figure is not None and figure <= OVERLAY_WARN_FRACTION:
        return None  # measured in the pose pass: nothing drawn over the feet
    if int(track.info.get("max_people_in_a_frame") or 1) > 1 or not track.detected.any():
        return None  # whose feet?
    where = dict(start_s=start_s, end_s=end_s, fps_override=fps_override)
    read_here = figure is None
    if read_here:  # a pose pass without the camera check: the clip is read for it
        figure = overlay_figure(path, track, **where)
        if figure is None or figure <= OVERLAY_WARN_FRACTION:
            return None

    def unpainted() -> tuple[PoseTrack, CameraMotion | None] | None:  # the first run stands, its figure told
        if not read_here:
            return None
        return replace(track, info={**track.info, "overlay_unpainted": {"path_crossed_frac": round(float(figure), 4)}}), None

    if progress is not None:  # the frames are read again for the overlay's pixels, then the model runs again
        progress(track.n_frames, 2 * track.n_frames)
    mask = overlay_mask(path, track, **where)
    if mask is None:
        if progress is not None:
            progress(track.n_frames, track.n_frames)
        return unpainted()
    total = [track.n_frames]

    def again(done: int, expected: int) -> None:  # the second run counts on from the first (to twice its frames)
        total[0] = max(total[0], expected)
        if progress is not None:
            progress(total[0] + done, 2 * total[0])

    try:
        painted, motion = _extract(path, model_path, start_s, end_s, fps_override, max_people, scan_s, again,
                                   camera=camera, paint_out=mask)
    except NoPersonError:  # the painted frames lost the runner: the first run stands
        if progress is not None:
            progress(track.n_frames, track.n_frames)
        return unpainted()
    info = {**painted.info, "overlay_painted_out": {"pixels": mask.n_pixels, "box_px": list(mask.box_px),
                                                    "frame_size": list(mask.frame_size),  # box_px's: the decoded frame's
                                                    "path_crossed_frac": round(float(figure), 4)}}
    if "foot_blur" in track.info:
        info["foot_blur"] = track.info["foot_blur"]  # the pixels as filmed (a second pass would read them painted)
    else:
        info.pop("foot_blur", None)
    return replace(painted, info=info), motion


def overlay_figure(path: str | os.PathLike[str], track: PoseTrack, *, start_s: float | None = None,
                   end_s: float | None = None, fps_override: float | None = None) -> float | None:
    """The share of the feet's path still vertical strokes cross (:class:`formcheck.foot_overlay.FootOverlayMeter`,
    None when too little was seen), read on up to ``MASK_MAX_FRAMES`` frames spread over the clip: for a track whose
    pose pass did not measure it (made without the camera check)."""
    from .foot_overlay import FootOverlayMeter

    meter = FootOverlayMeter()
    with contextlib.closing(_overlay_frames(path, track, start_s, end_s, fps_override)) as frames:
        for index, grey, pose, earlier in frames:
            meter.add(index, grey, pose, track.image_size[0], earlier)
    summary = meter.summary()
    return None if summary is None else float(summary["path_crossed_frac"])


def overlay_mask(path: str | os.PathLike[str], track: PoseTrack, *, start_s: float | None = None,
                 end_s: float | None = None, fps_override: float | None = None) -> OverlayMask | None:
    """The pixels of what is drawn over the feet (:class:`formcheck.foot_overlay.OverlayMaskMeter`), read on the
    frames :func:`overlay_figure` reads; None when too little was seen or nothing stays still."""
    from .foot_overlay import OverlayMaskMeter, feet_box_px

    meter = None
    with contextlib.closing(_overlay_frames(path, track, start_s, end_s, fps_override)) as frames:
        for _, grey, pose, earlier in frames:
            if meter is None:
                box = feet_box_px(track.keypoints_px, (grey.shape[1], grey.shape[0]), track.image_size[0])
                if box is None:
                    return None
                meter = OverlayMaskMeter(box, (grey.shape[1], grey.shape[0]))
            meter.add(grey, pose, track.image_size[0], earlier)
    return None if meter is None else meter.mask()


def _overlay_frames(path: str | os.PathLike[str], track: PoseTrack, start_s: float | None, end_s: float | None,
                    fps_override: float | None) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray | None]]:
    """(decoded-frame number, the frame in grey as decoded, the pose on it, the pose two frames before when the last
    frame read is further back, else None) of up to ``MASK_MAX_FRAMES`` frames with a pose, spread over the clip.

    The meters count a foot as moving by how far it went since the last frame they measured; frames read far apart
    (a long clip) would make a planted foot moving, and the still floor beside it, seams and all, look like an overlay
    (a reviewer's synthetic pass, 1800 frames: 0.66 for no overlay)."""
    import cv2

    from .foot_overlay import MASK_MAX_FRAMES

    rows = np.flatnonzero(track.detected)
    rows = rows[np.unique(np.linspace(0, len(rows) - 1, min(len(rows), MASK_MAX_FRAMES)).round().astype(int))] \
        if rows.size else rows
    row_of = {int(track.frame_indices[r]): int(r) for r in rows}
    if not row_of:
        return
    frames = iter_frames(path, start_s=start_s, end_s=end_s, fps_override=fps_override, only=set(row_of),
                         max_side=WORKING_MAX_SIDE_PX)
    last = None
    try:
        for frame in frames:
            r = row_of.get(frame.index)
            if r is not None:
                earlier = track.keypoints_px[r - 2] if last is not None and r - last > 2 and r >= 2 else None
                last = r
                yield frame.index, cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2GRAY), track.keypoints_px[r], earlier
    finally:
        frames.close()


class _SeveralPeople(Exception):
    """The people scan saw more than one person: the clip is run again keeping every pose."""


def _extract(
    path: str | os.PathLike[str],
    model_path: str | os.PathLike[str] | None,
    start_s: float | None,
    end_s: float | None,
    fps_override: float | None,
    max_people: int,
    scan_s: float,
    progress: ProgressCallback | None,
    *,
    camera: bool,
    paint_out: OverlayMask | None = None,
) -> tuple[PoseTrack, CameraMotion | None]:
    for name, value in (("start_s", start_s), ("end_s", end_s)):
        if value is not None and not math.isfinite(value):
            raise ValueError(f"{name} must be a time in seconds, not {value}")
    model = Path(model_path) if model_path else default_model_path()
    if not model.is_file():  # a path given that is not a file is not told to pass one (a newcomer's test)
        raise PoseModelError(f"{model}: pose model not found (" + ("no such file: give the path of a pose_landmarker .task file"
                             if model_path else "pass --model PATH to a pose_landmarker .task file, or reinstall formcheck") + ")")
    info = probe_video(path)
    typed = fps_override
    fps_override, file_fps = slow_motion_timing(fps_override, info)  # a variable-rate clip's own camera rate: real time
    fps = float(fps_override or info.fps)
    first_time = start_s or 0.0
    last_time = min(end_s, info.duration_s) if end_s is not None else info.duration_s
    expected = max(1, round((last_time - first_time) * info.fps))

    prepare = None if paint_out is None else paint_out.paint_out  # every frame the model is shown, painted

    def run(region: ModelRegion | None, people: int, scan: bool) -> tuple[PoseTrack, CameraEstimator | None]:
        with _native_stderr_silenced():
            tracks, frame_indices, timestamps, max_seen, repeated, estimator, foot_blur = _run_model(
                path, model, info.width, info.height, fps, first_time * (file_fps / fps), people, max_people if scan else 1,
                scan_s, start_s, end_s, fps_override, expected, progress, region, camera, prepare,
            )
        n = len(frame_indices)
        if n == 0:
            raise _NoFrames(f"{path}: no frames in the selected time range")
        if not tracks:
            raise NoPersonError(f"{path}: no person found in any of {n} frames")
        track = _build_track(path, model, info, fps, tracks, frame_indices, timestamps, max_seen, repeated, region, typed, file_fps)
        return (replace(track, info={**track.info, "foot_blur": foot_blur}) if foot_blur else track), estimator

    def in_squares() -> tuple[ModelRegion | None, tuple[PoseTrack, CameraEstimator | None] | None]:
        """The square following the runner the frame's squares show, and the model's pass on it (None: none found)."""
        square = following_region(_sightings_in_squares(path, model, info, expected, start_s=start_s, end_s=end_s,
                                                        fps_override=fps_override, prepare=prepare),
                                  expected, (info.width, info.height))
        if square is None:
            return None, None
        try:
            return square, run(square, 1, False)
        except NoPersonError:
            return square, None

    roomier = head_room_region((info.width, info.height))

    def with_head_room() -> tuple[PoseTrack, CameraEstimator | None] | None:
        """The model's pass on the frame with room above it (None: nobody found there either)."""
        try:
            return run(roomier, 1, False)
        except NoPersonError:
            return None

    used: ModelRegion | None = None  # what the model was shown of each frame (None: the whole frame)
    if max_people > 1 and not np.isfinite(scan_s):
        # asked to scan the whole clip: the multi-pose landmarker gives every frame's landmarks, which
        # MediaPipe does not filter over time (formcheck.evaluation.landmarks measures the model's own placement so)
        track, estimator = run(None, max_people, False)
        people = max_people
    else:
        people = 1
        nobody: NoPersonError | None = None
        try:
            track, estimator = run(None, 1, max_people > 1)
        except _SeveralPeople:
            track, estimator = run(None, max_people, False)
            people = max_people
        except _NoFrames:
            raise
        except NoPersonError as exc:
            nobody = exc
        if nobody is not None:  # the head above the frame? look with room above it; too small? look in squares
            taller = with_head_room()
            if taller is not None and taller[0].detection_rate >= HEAD_ROOM_BELOW_DETECTION:
                (track, estimator), used = taller, roomier
            else:  # a small runner, or one glimpsed late with room above: look in squares too, keep what finds more
                square, followed = in_squares()
                if taller is not None and taller[0].detection_rate >= HEAD_ROOM_MIN_DETECTION and (
                        followed is None or taller[0].detection_rate > followed[0].detection_rate):
                    (track, estimator), used = taller, roomier
                elif followed is not None:
                    (track, estimator), used = followed, square
                else:
                    raise nobody from None
    roi = runner_roi(track) if used is None else None
    crossing = used is None and people == 1 and crosses_the_frame(track)
    backed = False  # the frames before the first detection tracked back (done once, on the track kept)
    if crossing and roi is None:  # found late? judged once the lead-in is tracked back (the detector finds most passes late)
        with _native_stderr_silenced():
            track = _tracked_back(path, model, track, start_s=start_s, end_s=end_s, fps_override=fps_override, region=None,
                                  prepare=prepare)
        backed = True
    if crossing and (roi is not None or missed_in_view(track)):
        # a runner crossing the frame, seen by the whole frame in part of the pass only: a box around those sightings
        # would hold them for a moment (a 640x360 pass found in 5 of 432 frames: 73 in such a box), so look in
        # squares, as when nobody is found, and follow them; the fixed box is still tried below, and kept if better
        region, following = in_squares()
        if following is not None and following[0].detection_rate > track.detection_rate:
            (track, estimator), used, backed = following, region, False
    if roi is not None:  # the runner is small in the frame: look again, closer
        box = fixed_region(roi)
        closer, closer_estimator = run(box, people, False)
        if closer.detection_rate > track.detection_rate or (used is None and closer.detection_rate == track.detection_rate):
            track, estimator, used = closer, closer_estimator, box
    elif used is None and people == 1 and not crossing and _found_from_first_sighting(track) < HEAD_ROOM_BELOW_DETECTION:
        taller = with_head_room()  # the head above the frame? show the detector room
        if taller is not None and taller[0].detection_rate > track.detection_rate:
            (track, estimator), used = taller, roomier
    if people == 1 and not backed:  # one person: a fresh single-pose tracker started on the runner follows the runner
        with _native_stderr_silenced():
            track = _tracked_back(path, model, track, start_s=start_s, end_s=end_s, fps_override=fps_override,
                                  region=used, prepare=prepare)
    if estimator is None:
        return track, None
    from .camera import boxes_agree

    return track, (estimator.finish(path) if boxes_agree(estimator, track) else None)


def _found_from_first_sighting(track: PoseTrack) -> float:
    """The share of frames with a pose from the first one on (the frames before it are tracked back later)."""
    seen = np.flatnonzero(track.detected)
    return float(np.mean(track.detected[seen[0]:])) if seen.size else 0.0


# A runner the detector never finds in the whole frame is looked for in squares of the frame, on frames
# SQUARES_EVERY_S apart (at most SQUARES_MAX_FRAMES frames, spread over the clip): a square SQUARE_SIDE_FRAC of
# the short side, stepped by half a side (15 squares a 16:9 frame, ~0.36 s of model time a frame), is what the
# detector is shown at a time (the rendered 150 px runner in an 854x480 frame: 0/180 frames whole, 11 of 12
# sampled frames in squares of 0.6). A clip with nobody in it pays the search before it is refused.
SQUARES_EVERY_S = 0.2
SQUARES_MAX_FRAMES = 24
SQUARE_SIDE_FRAC = 0.6


def _sightings_in_squares(path: str | os.PathLike[str], model: Path, info: VideoInfo, expected: int, *, start_s: float | None,
                          end_s: float | None, fps_override: float | None, prepare: FramePrep = None) -> list[Sighting]:
    """Where a person shows up when the detector is shown squares of sampled frames, one sighting per frame
    (the pose with the highest mean landmark presence), indexed like the model's pass (frame ordinal)."""
    every = max(1, int(round(SQUARES_EVERY_S * info.fps)), -(-expected // SQUARES_MAX_FRAMES))  # decoded frames
    side = max(16, int(round(SQUARE_SIDE_FRAC * min(info.width, info.height))))  # full-frame px
    squares = [(x0, y0, x0 + side, y0 + side) for y0 in _square_starts(info.height, side)
               for x0 in _square_starts(info.width, side)]
    sightings: list[Sighting] = []
    with _native_stderr_silenced():
        landmarker = _create_landmarker(model, 1, image_mode=True)
        frames = iter_frames(path, start_s=start_s, end_s=end_s, fps_override=fps_override, max_side=WORKING_MAX_SIDE_PX,
                             prepare=prepare)
        try:
            for t, frame in enumerate(frames):
                if t % every:
                    continue
                poses = [q for square in squares for q in _detect(landmarker, frame.rgb, None, info.width, info.height, square)]
                if poses:
                    seen = sighting_of(t, max(poses, key=lambda q: float(np.nanmean(q[:, 4])))[:, :2])
                    if seen is not None:
                        sightings.append(seen)
        finally:
            frames.close()
            landmarker.close()
    return sightings


def _square_starts(length: int, side: int) -> list[int]:
    """Left (or top) edges of squares of ``side`` px stepped by half a side over ``length`` px, the last flush."""
    if side >= length:
        return [0]
    starts = list(range(0, length - side, max(1, side // 2)))
    return [*starts, length - side]


# The people scan: every SCAN_EVERY-th frame of the first ``scan_s`` seconds is looked at for more than one
# person, by a VIDEO-mode landmarker that keeps up to max_people poses, on its own thread. VIDEO mode, because
# it finds a second person while it tracks the first: on walk_side_multiperson_05 (a man on a box behind the
# walker) it counts two people in 7 of the first 32 frames, in IMAGE mode in none; every 2nd frame finds them
# (2 of 16), every 3rd or 4th does not.
SCAN_EVERY = 2


def _crop_region(rgb: np.ndarray, width: int, crop: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The crop (full-frame px) in the pixels of the frame as decoded (shrunk when larger than WORKING_MAX_SIDE_PX)."""
    sc = rgb.shape[1] / width
    return tuple(round(v * sc) for v in crop) if sc != 1.0 else crop  # type: ignore[return-value]


def _model_image(rgb: np.ndarray, width: int, crop: tuple[int, int, int, int] | None) -> np.ndarray:
    """What the model is shown of a decoded frame: the whole frame, or the crop (where it reaches beyond the frame,
    the frame's edge rows and columns repeated: :func:`formcheck.model_region.head_room_region`)."""
    if crop is None:
        return rgb
    x0, y0, x1, y1 = _crop_region(rgb, width, crop)
    h, w = rgb.shape[:2]
    inside = rgb[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]
    beyond = (max(0, -y0), max(0, y1 - h), max(0, -x0), max(0, x1 - w))
    if not any(beyond):
        return np.ascontiguousarray(inside)
    import cv2

    return cv2.copyMakeBorder(inside, *beyond, cv2.BORDER_REPLICATE)


def _model_input(rgb: np.ndarray, width: int, crop: tuple[int, int, int, int] | None) -> Any:
    """The MediaPipe image of what the model is shown (a copy of the pixels: ~2.7 ms a 720p frame)."""
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=_model_image(rgb, width, crop))


def _detect(landmarker: Any, rgb: np.ndarray, timestamp_ms: int | None, width: int, height: int,
            crop: tuple[int, int, int, int] | None, image: Any = None) -> list[np.ndarray]:
    """The poses the landmarker finds on a decoded frame (or its crop), in full-frame pixels.

    ``timestamp_ms`` None: an IMAGE-mode landmarker (each image on its own). ``image``: :func:`_model_input` of the
    frame when it was made ahead (on the decoding thread)."""
    if image is None:
        image = _model_input(rgb, width, crop)
    result = landmarker.detect(image) if timestamp_ms is None else landmarker.detect_for_video(image, timestamp_ms)
    if crop is None:  # landmarks are normalised to the image: full-frame pixels whatever size the model saw
        return _distinct_people(_result_to_arrays(result, width, height))
    sc = rgb.shape[1] / width
    x0, y0, x1, y1 = _crop_region(rgb, width, crop)
    poses = _result_to_arrays(result, (x1 - x0) / sc, (y1 - y0) / sc)
    for pose in poses:
        pose[:, 0] += x0 / sc
        pose[:, 1] += y0 / sc
    return _distinct_people(poses)


def _run_model(
    path: str | os.PathLike[str],
    model: Path,
    width: int,
    height: int,
    fps: float,
    first_time_s: float,
    max_people: int,
    scan_people: int,
    scan_s: float,
    start_s: float | None,
    end_s: float | None,
    fps_override: float | None,
    expected: int,
    progress: ProgressCallback | None,
    region: ModelRegion | None = None,
    camera: bool = False,
    prepare: FramePrep = None,
) -> tuple[list[_PersonTrack], list[int], list[float], int, list[int], CameraEstimator | None, dict[str, Any] | None]:
    """Stream frames through the landmarker; returns person tracks, frame indices, times, max people, the frames
    that repeat the previous image and (``camera``) the camera estimator fed on the way and the shoes' motion blur
    measured beside it (:class:`formcheck.foot_blur.FootBlurMeter`'s summary). With ``region`` the model sees only
    its box of each frame (:class:`formcheck.model_region.ModelRegion`); landmarks come back in full-frame pixels.
    ``scan_people`` > 1: sample the first ``scan_s`` seconds for that many people; raise
    :class:`_SeveralPeople` when more than one shows up."""
    tracks: list[_PersonTrack] = []
    frame_indices: list[int] = []
    timestamps: list[float] = []
    max_seen = 0
    landmarker = _create_landmarker(model, max_people)
    last_ms = -1
    poses: list[np.ndarray] = []  # the last frame's, kept for a frame that repeats its image (never the first)
    repeated: list[int] = []  # decoded frames that show the previous frame's image again
    scanner = _PeopleScan(model, scan_people) if scan_people > 1 else None
    follower = _CameraFollower(fps, (width, height)) if camera else None

    def crop_at(t: int) -> tuple[int, int, int, int] | None:
        return None if region is None else region.at(t)

    def image_of(frame, t: int) -> np.ndarray:
        return _model_image(frame.rgb, width, crop_at(t))

    def detect(frame, t: int) -> list[np.ndarray]:
        nonlocal last_ms
        timestamp_ms = max(last_ms + 1, round(frame.time_s * 1000))
        last_ms = timestamp_ms
        return _detect(landmarker, frame.rgb, timestamp_ms, width, height, crop_at(t), image=frame.derived[1])

    from .camera import camera_frame, small_grey

    cv_threads = None
    if follower is not None:
        import cv2

        # the model keeps one core busy: OpenCV's own worker threads for the camera's optical flow only contend
        # with it (same results, point by point; ~10-15 % less CPU for the camera check measured)
        cv_threads = cv2.getNumThreads()
        cv2.setNumThreads(1)

    last_thumb: list[np.ndarray] = []  # the decoding thread's previous frame
    derived_count = [0]  # frames the decoding thread has derived: the next one's track index

    def derive(rgb: np.ndarray) -> tuple[Any, Any]:
        """On the decoding thread, ~5 ms a 720p frame the model's thread would otherwise spend between two model
        calls: what the camera check keeps and the model's input image (the pixels copied into MediaPipe's own
        frame), or None when the frame repeats the previous image (its thumbnail, like the camera's grey copy,
        from one grey 640 px copy of the frame)."""
        grey = small_grey(rgb)
        thumb = _thumbnail(grey)
        repeated = bool(last_thumb) and _same_image(thumb, last_thumb[0])
        last_thumb[:] = [thumb]
        camera = None if follower is None else camera_frame(rgb, grey=grey)
        t = derived_count[0]
        derived_count[0] += 1
        return camera, None if repeated else _model_input(rgb, width, crop_at(t))

    frames = iter_frames(path, start_s=start_s, end_s=end_s, fps_override=fps_override, derive=derive, max_side=WORKING_MAX_SIDE_PX,
                         prepare=prepare)
    try:
        for t, frame in enumerate(frames):
            if scanner is not None:
                if frame.time_s - first_time_s > scan_s:
                    max_seen = max(max_seen, scanner.verdict())
                    scanner = None
                    if max_seen > 1:
                        raise _SeveralPeople
                elif t % SCAN_EVERY == 0:
                    scanner.look(image_of(frame, t), frame.time_s)
            small, image = frame.derived
            if image is None:  # the image shown again (conformed or doubled frames): same pose, no new model call
                repeated.append(frame.index)
            else:
                poses = detect(frame, t)
            max_seen = max(max_seen, len(poses))
            _link(tracks, poses, t, fps)
            if follower is not None:
                follower.add(frame.index, frame.playback_s, small, poses)
            frame_indices.append(frame.index)
            timestamps.append(frame.time_s)
            if progress is not None:
                progress(t + 1, expected)
        if scanner is not None:  # a clip shorter than the scan
            max_seen = max(max_seen, scanner.verdict())
            scanner = None
            if max_seen > 1:
                raise _SeveralPeople
    finally:
        frames.close()
        landmarker.close()
        if scanner is not None:
            scanner.verdict()
        estimator = follower.finish() if follower is not None else None
        foot_blur = follower.foot_blur.summary() if follower is not None else None
        if cv_threads is not None:
            import cv2

            cv2.setNumThreads(cv_threads)
    return tracks, frame_indices, timestamps, max_seen, repeated, estimator, foot_blur


# The person detector finds a blurred or small runner late, while the tracker, once it has them, follows them
# through the same images: track_side_short_02 blurred along the run (a 25 px streak) is detected from frame 20
# of 47 only, and tracked back from there it is found in every earlier frame. So the frames before the first
# detection are run again in reverse order from it, by a fresh VIDEO-mode landmarker. (Only the first: a later
# gap would need the clip decoded from its start once per chunk; gaps up to 0.1 s are interpolated by cleaning.)
BACKTRACK_MAX_S = 5.0  # a longer lead-in is filled over its last BACKTRACK_MAX_S only
BACKTRACK_BUDGET_BYTES = 96 * 2**20  # decoded frames held at once for the reverse run (taken in chunks)
BACKTRACK_MAX_SPEED_TORSO_S = 25.0  # the runner's centre moves at most this (torso lengths a second; a sprint ~20) ...
BACKTRACK_MIN_JUMP_TORSO = 0.3  # ... or this much a frame: a pose further from the next frame's ends the run
BACKTRACK_EDGE_FRAC = 0.02  # a runner first seen with a landmark this close to the left or right border is entering


def _lead_in_to_track_back(track: PoseTrack, max_frames: int) -> tuple[int, int] | None:
    """(first frame to fill, the first frame with a pose) when the clip starts without the runner, at most the
    last ``max_frames`` of that lead-in; None when there is none, or when the runner is first seen at the left or
    right border: they were entering the frame, partly outside it (which is why the detector did not find them),
    and no step there could be measured."""
    seen = np.flatnonzero(track.detected)
    if not seen.size or seen[0] == 0:
        return None
    first_seen = int(seen[0])
    x = track.keypoints_px[first_seen, :, 0]
    margin = BACKTRACK_EDGE_FRAC * track.image_size[0]
    with np.errstate(invalid="ignore"):
        if bool(((x < margin) | (x > track.image_size[0] - 1 - margin)).any()):
            return None
    return max(0, first_seen - max_frames), first_seen


def _frames_by_track_index(path: str | os.PathLike[str], track: PoseTrack, indices: range, *, start_s: float | None,
                           end_s: float | None, fps_override: float | None, prepare: FramePrep = None) -> dict[int, np.ndarray]:
    """The decoded frames (as the model's pass saw them) of these track indices, keyed by track index."""
    wanted = {int(track.frame_indices[j]): j for j in indices}
    images: dict[int, np.ndarray] = {}
    frames = iter_frames(path, start_s=start_s, end_s=end_s, fps_override=fps_override, only=set(wanted),
                         max_side=WORKING_MAX_SIDE_PX, prepare=prepare)
    try:
        for frame in frames:
            images[wanted[frame.index]] = frame.rgb
            if len(images) == len(wanted):
                break
    finally:
        frames.close()
    return images


def _tracked_back(path: str | os.PathLike[str], model: Path, track: PoseTrack, *, start_s: float | None,
                  end_s: float | None, fps_override: float | None, region: ModelRegion | None,
                  prepare: FramePrep = None) -> PoseTrack:
    """``track`` with the frames before the runner's first detection filled by tracking them back from it.

    The reverse run starts on the first frame with a pose and is kept only where it finds the runner there again;
    it stops at the first frame without a pose, or whose pose jumped further from the next frame's than the runner
    can move (``BACKTRACK_MAX_SPEED_TORSO_S``). Frames are decoded again, in chunks of at most
    ``BACKTRACK_BUDGET_BYTES`` (each chunk decodes the clip up to it, which the lead-in keeps short). The track's
    info records ``tracked_back_frames``.
    """
    width, height = track.image_size
    lead_in = _lead_in_to_track_back(track, max(1, int(round(BACKTRACK_MAX_S * track.fps))))
    if lead_in is None:
        return track
    first, seed = lead_in
    data = np.concatenate([track.keypoints_px, track.depth_px[..., None], track.visibility[..., None],
                           track.presence[..., None], track.world_m], axis=2)  # (T, 33, 8) as _build_track's
    sc = min(1.0, WORKING_MAX_SIDE_PX / max(width, height))
    chunk = max(4, int(BACKTRACK_BUDGET_BYTES // max(1, round(width * sc) * round(height * sc) * 3)))
    step_ms = max(1, round(1000.0 / track.fps))
    max_jump = max(BACKTRACK_MIN_JUMP_TORSO, BACKTRACK_MAX_SPEED_TORSO_S / float(track.fps))
    filled = 0
    landmarker = _create_landmarker(model, 1)
    try:
        previous = data[seed].copy()
        k, ms = seed, 0
        while k >= first:
            lo = max(first, k - chunk + 1)
            images = _frames_by_track_index(path, track, range(lo, k + 1), start_s=start_s, end_s=end_s,
                                            fps_override=fps_override, prepare=prepare)
            for j in range(k, lo - 1, -1):
                crop = None if region is None else region.at(j)
                poses = _detect(landmarker, images.pop(j), ms, width, height, crop) if j in images else []
                ms += step_ms
                centre, size = _centre_and_size(previous)
                near = [q for q in poses if np.linalg.norm(_centre_and_size(q)[0] - centre) <= max_jump * size]
                if not near:
                    k = -1  # lost: the frames before stay without a pose
                    break
                if j != seed:  # the seed keeps its forward pose: it only anchors the run
                    data[j] = near[0]
                    filled += 1
                previous = near[0]
            else:
                k = lo - 1
    finally:
        landmarker.close()
    if not filled:
        return track
    return replace(track, keypoints_px=data[:, :, 0:2], depth_px=data[:, :, 2], visibility=np.nan_to_num(data[:, :, 3]),
                   presence=np.nan_to_num(data[:, :, 4]), world_m=data[:, :, 5:8],
                   info={**track.info, "tracked_back_frames": filled})


class _PeopleScan:
    """A landmarker that keeps up to ``people`` poses, on its own thread, counting people on the frames it is given."""

    def __init__(self, model: Path, people: int) -> None:
        self._landmarker = _create_landmarker(model, people)
        self._frames: queue.Queue[tuple[np.ndarray, int] | None] = queue.Queue(maxsize=1)  # whole frames: hold few
        self._last_ms = -1
        self.most = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="formcheck-people-scan", daemon=True)
        self._thread.start()

    def look(self, rgb: np.ndarray, time_s: float) -> None:
        self._last_ms = max(self._last_ms + 1, round(time_s * 1000))
        self._frames.put((rgb, self._last_ms))

    def _work(self) -> None:
        import mediapipe as mp

        try:
            while (item := self._frames.get()) is not None:
                rgb, timestamp_ms = item
                result = self._landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), timestamp_ms)
                self.most = max(self.most, len(getattr(result, "pose_landmarks", None) or []))
        except BaseException as exc:  # noqa: BLE001 - handed to verdict()
            self._error = exc

    def verdict(self) -> int:
        """The most people seen in one frame (waits for the frames given so far)."""
        self._frames.put(None)
        self._thread.join()
        self._landmarker.close()
        if self._error is not None:
            raise self._error
        return self.most


class _CameraFollower:
    """Feeds :class:`formcheck.camera.CameraEstimator` on its own thread while the model runs, and
    :class:`formcheck.foot_blur.FootBlurMeter` with the same grey copies and each frame's single pose.

    The runner's box on a frame is the pose just found there; a frame without a pose gets the next
    frame's that has one (as :func:`formcheck.camera.measure_camera_motion` does with a finished track),
    so frames wait here until one comes. Past ``max_wait`` waiting frames the estimate is given up (memory
    stays bounded; the camera is then measured in a separate pass).
    """

    def __init__(self, fps: float, image_size: tuple[int, int] | None = None, max_wait_s: float = 3.0) -> None:
        from .camera import CameraEstimator
        from .foot_blur import FootBlurMeter

        self.estimator = CameraEstimator(image_size=image_size)
        self.foot_blur = FootBlurMeter()
        self._width = image_size[0] if image_size else None
        self._items: queue.Queue[Any] = queue.Queue(maxsize=8)
        self._waiting: list[tuple[int, float, Any]] = []
        self._max_wait = max(30, int(max_wait_s * fps))
        self._last_box: np.ndarray | None = None
        self._given_up = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="formcheck-camera", daemon=True)
        self._thread.start()

    def add(self, index: int, playback_s: float | None, small: Any, poses: list[np.ndarray]) -> None:
        if self._given_up and self.foot_blur.stopped:
            return
        box = pose = None
        if len(poses) == 1:
            from .camera import person_boxes

            pose = poses[0]
            box = person_boxes(pose[None, :, :2])[0]
        elif poses:  # several people: whose box and feet are the runner's is known only at the end
            self._given_up = True
            self.foot_blur.stop("several people")
            return
        self._items.put((index, playback_s, small, box, pose))

    def _measure_feet(self, index: int, grey: np.ndarray, pose: np.ndarray) -> None:
        """The shoes' blur on this frame; a failure there stops that measure only, not the camera's."""
        try:
            self.foot_blur.add(index, grey, pose, self._width)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - the clip then gets no blur figure
            self.foot_blur.stop(f"failed: {type(exc).__name__}: {exc}")

    def _work(self) -> None:
        try:
            while (item := self._items.get()) is not None:
                index, playback_s, small, box, pose = item
                if pose is not None and self._width:
                    self._measure_feet(index, small[0], pose)  # also once the camera estimate is given up
                if self._given_up:
                    continue  # drained until finish()
                self._waiting.append((index, playback_s, small))
                if box is not None:
                    self._flush(box)
                    self._last_box = box
                elif len(self._waiting) > self._max_wait:
                    self._given_up = True
                    self._waiting.clear()
        except BaseException as exc:  # noqa: BLE001 - the camera is then measured in a separate pass
            self._error = exc
            self._given_up = True
            self.foot_blur.stop("the camera thread failed")
            while self._items.get() is not None:  # let finish() and add() through
                pass

    def _flush(self, box: np.ndarray | None) -> None:
        for index, playback_s, small in self._waiting:
            self.estimator.add(index, playback_s, small, box)
        self._waiting.clear()

    def finish(self) -> CameraEstimator | None:
        """The fed estimator, or None when the estimate was given up or failed."""
        self._items.put(None)
        self._thread.join()
        if self._given_up or self._error is not None:
            return None
        try:
            self._flush(self._last_box)  # frames after the last pose take the last box
            self.estimator.flush()  # a still stride the clip ended inside: its boxes are then in boxes_used
        except Exception:  # noqa: BLE001 - measured again in a separate pass
            return None
        return self.estimator if self.estimator.idxs else None


# A repeated image (a clip conformed to a higher rate, every frame doubled) decodes to the same
# pixels up to compression noise; two real frames differ where the runner moves, even at 240 fps
# (a swinging foot moves ~10 px a frame there). Measured on treadmill_side_01 with every frame
# doubled and encoded at crf 23: repeats mean 0.01-0.13 / max 1-4 grey levels, new frames mean >= 1.2
# / max >= 77.
_THUMB_SIZE = (64, 36)
_SAME_MEAN_DIFF = 0.3  # mean |difference| of the area-averaged thumbnails, grey levels
_SAME_MAX_DIFF = 8.0  # largest |difference| of one thumbnail pixel (a 20x20 px block at 720p)


def _thumbnail(grey: np.ndarray) -> np.ndarray:
    """Small area-averaged image of a frame's grey copy, for telling a repeated image from a new one.

    Taken from the camera check's 640 px grey copy (:func:`formcheck.camera.small_grey`), not the whole frame:
    an area average of area averages, the same thumbnail within 2 grey levels at 2.5 ms a 720p frame less.
    """
    import cv2

    return cv2.resize(grey, _THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)


def _same_image(a: np.ndarray, b: np.ndarray) -> bool:
    d = np.abs(a - b)
    return float(d.mean()) < _SAME_MEAN_DIFF and float(d.max()) < _SAME_MAX_DIFF


def _build_track(
    path: str | os.PathLike[str],
    model: Path,
    info: VideoInfo,
    fps: float,
    tracks: list[_PersonTrack],
    frame_indices: list[int],
    timestamps: list[float],
    max_seen: int,
    repeated: list[int],
    region: ModelRegion | None = None,
    fps_override: float | None = None,
    file_fps: float | None = None,
) -> PoseTrack:
    """The picked runner's poses as a PoseTrack (NaN in frames where they were not seen)."""
    n = len(frame_indices)
    runner, reason = _pick_runner(tracks, n)
    data = np.full((n, lm.N_LANDMARKS, 8), np.nan)
    data[runner.frames] = np.stack(runner.poses)
    return PoseTrack(
        keypoints_px=data[:, :, 0:2],
        depth_px=data[:, :, 2],
        visibility=np.nan_to_num(data[:, :, 3]),
        presence=np.nan_to_num(data[:, :, 4]),
        world_m=data[:, :, 5:8],
        timestamps_s=np.asarray(timestamps, dtype=float),
        frame_indices=np.asarray(frame_indices, dtype=np.int64),
        fps=fps,
        image_size=(info.width, info.height),
        source=str(Path(path).resolve()),
        info={
            "model": model.name,
            "people_seen": len([t for t in tracks if len(t.frames) >= 3]),
            "max_people_in_a_frame": max_seen,
            "person_picked": reason,
            "video_fps": file_fps or info.fps,  # the file's rate the frame times were scaled from (its average, or the rate it states)
            "playback_fps": info.fps,  # the file's average rate: decoded frame n plays at about n / this
            "fps_override": fps_override,  # --fps as given (None: the file's own rate), even when equal to the file's
            "rotation_deg": info.rotation_deg,
            "pixel_aspect": info.pixel_aspect,  # stored frames squeezed by this much, stretched back to square pixels
            "repeated_frames": repeated,
            "model_region": None if region is None else region.describe(),
        },
    )


LINK_HISTORY = 5  # poses of a track that say at what pace, height and size its next pose is looked for (_PersonTrack.reference)


def _link(tracks: list[_PersonTrack], poses: list[np.ndarray], frame: int, fps: float) -> None:
    """Attach poses to recent tracks, each within one torso length of where the track is looked for
    (:meth:`_PersonTrack.reference`): as many poses as can be, and of those links the closest in all (:func:`_links`);
    the rest start tracks.

    A rendered runner crossing a plain track scene was misplaced on one frame (torso 40 px low) and found twice on
    the next, the misplaced pose listed first. Linked in the model's order to the last pose, the misplaced one
    continued the runner's track and the runner started another; the track kept covered 48 % of the pass, and the
    runner's box, frozen where the track ended, let the camera check follow the runner as background and refuse the
    still camera as moving."""
    max_gap = max(1, int(fps))  # a track unseen for a second is not continued
    free = [k for k, track in enumerate(tracks) if frame - track.frames[-1] <= max_gap]
    references = [tracks[k].reference(frame) for k in free]
    distance = np.full((len(poses), len(free)), np.inf)
    for i, pose in enumerate(poses):
        centre, size = _centre_and_size(pose)
        for j, (ref_centre, ref_size) in enumerate(references):
            d = float(np.linalg.norm(ref_centre - centre)) / max(size, ref_size)
            if d < 1.0:
                distance[i, j] = d
    linked = {i: free[j] for i, j in _links(distance).items()}
    for i, pose in enumerate(poses):
        if i in linked:
            tracks[linked[i]].add(frame, pose)
        else:
            track = _PersonTrack(first_seen=frame)
            track.add(frame, pose)
            tracks.append(track)


def _links(distance: np.ndarray) -> dict[int, int]:
    """Rows (poses) -> columns (tracks) of finite ``distance``, each used once: the most links, then the least total
    distance. A frame holds a few poses (the model is asked for ``max_people``, 2 by default), so every choice is
    tried; with more than 5, the closest pairs are taken first."""
    rows, cols = distance.shape
    if rows > 5:
        out: dict[int, int] = {}
        for i, j in sorted(zip(*np.nonzero(np.isfinite(distance))), key=lambda ij: distance[ij]):
            if i not in out and j not in out.values():
                out[int(i)] = int(j)
        return out
    best: tuple[int, float, dict[int, int]] = (0, 0.0, {})

    def search(i: int, used: frozenset[int], chosen: dict[int, int], total: float) -> None:
        nonlocal best
        if i == rows:
            if len(chosen) > best[0] or (len(chosen) == best[0] and total < best[1]):
                best = (len(chosen), total, dict(chosen))
            return
        search(i + 1, used, chosen, total)  # pose i starts a track of its own
        for j in range(cols):
            if j not in used and np.isfinite(distance[i, j]):
                chosen[i] = j
                search(i + 1, used | {j}, chosen, total + float(distance[i, j]))
                del chosen[i]

    search(0, frozenset(), {}, 0.0)
    return best[2]


def _pick_runner(tracks: list[_PersonTrack], n_frames: int) -> tuple[_PersonTrack, str]:
    """The track that stays in view and moves its legs alternately; say why it was picked."""
    if len(tracks) == 1:
        return tracks[0], f"the only person in view ({len(tracks[0].frames)} of {n_frames} frames)"
    scored = []
    for track in tracks:
        coverage = len(track.frames) / n_frames
        rhythm = _leg_rhythm(track)
        scored.append((coverage * (0.05 + rhythm), coverage, rhythm, track))
    scored.sort(key=lambda item: item[0], reverse=True)
    _, coverage, rhythm, best = scored[0]
    x, y = best.centre_px
    return best, (
        f"of {len(tracks)} people, the one in view in {coverage:.0%} of frames with the clearest "
        f"alternating leg motion (ankle swing {rhythm:.2f} torso lengths), last seen near x={x:.0f}, y={y:.0f} px"
    )

"""The pose track: what the pose model saw in every frame, as numpy arrays.

It is the hand-off between the (slow) pose model and everything downstream, so it can be
saved to ``.npz`` and loaded again to rerun the analysis without the model, and exported as
CSV for spreadsheets. Frames where no person was found hold NaN coordinates.
"""

from __future__ import annotations

import csv
import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_path
from .landmarks import LANDMARK_NAMES, N_LANDMARKS

FORMAT_VERSION = 1


class PoseTrackFormatError(ValueError):
    """A file that is not a formcheck pose track (or from an incompatible version)."""


# What reading a damaged .npz raises: a bad CRC or zip structure, a corrupt deflate stream, a cut file,
# a compression method zipfile lacks. Anything of these means the file cannot be read, not a bug.
NPZ_DAMAGE_ERRORS: tuple[type[BaseException], ...] = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


@dataclass(frozen=True, eq=False)
class PoseTrack:
    """Per-frame 2-D landmarks of one person, in image pixels, display orientation.

    Arrays are indexed ``[frame, landmark, ...]`` with landmarks in MediaPipe order
    (see :mod:`formcheck.landmarks`).
    """

    keypoints_px: np.ndarray  # (T, 33, 2) x, y in pixels (y down); NaN where no pose
    depth_px: np.ndarray  # (T, 33) MediaPipe's relative z, scaled like x (pixels; smaller = nearer)
    visibility: np.ndarray  # (T, 33) in [0, 1]: likelihood the landmark is visible (not occluded)
    presence: np.ndarray  # (T, 33) in [0, 1]: likelihood the landmark is in the image
    world_m: np.ndarray  # (T, 33, 3) metric 3-D landmarks, origin at the hips (metres)
    timestamps_s: np.ndarray  # (T,) presentation time of each frame (seconds, from clip start)
    frame_indices: np.ndarray  # (T,) 0-based index of the decoded frame in the source video
    fps: float  # nominal frame rate used for timing (after any slow-motion override)
    image_size: tuple[int, int]  # (width, height) in pixels, display orientation
    source: str = ""
    info: dict[str, Any] = field(default_factory=dict)  # model, person selection, ...
    # (T, 2, 3) affine maps from keypoints_px back to where each frame showed them, on a track moved into a reference
    # frame's coordinates (formcheck.camera.stabilised): a foot at the picture's edge is judged where it was filmed, not
    # in the reference frame (a phone shaken then held 72 px lower put 19 stances "at the bottom edge"). None: the
    # keypoints are picture positions. Not saved: a saved track is the model's own.
    to_picture: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.timestamps_s)
        expected = {
            "keypoints_px": (n, N_LANDMARKS, 2),
            "depth_px": (n, N_LANDMARKS),
            "visibility": (n, N_LANDMARKS),
            "presence": (n, N_LANDMARKS),
            "world_m": (n, N_LANDMARKS, 3),
            "frame_indices": (n,),
        }
        if self.to_picture is not None:
            expected["to_picture"] = (n, 2, 3)
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise ValueError(f"PoseTrack.{name} has shape {actual}, expected {shape}")

    @property
    def n_frames(self) -> int:
        return len(self.timestamps_s)

    @property
    def detected(self) -> np.ndarray:
        """(T,) bool: a person was found in the frame."""
        return ~np.isnan(self.keypoints_px[:, :, 0]).all(axis=1)

    @property
    def detection_rate(self) -> float:
        return float(self.detected.mean()) if self.n_frames else 0.0

    def point(self, index: int) -> np.ndarray:
        """(T, 2) pixel trajectory of one landmark."""
        return self.keypoints_px[:, index, :]

    def take(self, rows: np.ndarray) -> PoseTrack:
        """The track's rows ``rows`` (a boolean mask or indices) only: every per-frame array cut alike."""
        return PoseTrack(
            keypoints_px=self.keypoints_px[rows], depth_px=self.depth_px[rows], visibility=self.visibility[rows],
            presence=self.presence[rows], world_m=self.world_m[rows], timestamps_s=self.timestamps_s[rows],
            frame_indices=self.frame_indices[rows], fps=self.fps, image_size=self.image_size, source=self.source,
            info=dict(self.info), to_picture=None if self.to_picture is None else self.to_picture[rows],
        )

    def with_keypoints(self, keypoints_px: np.ndarray, **info: Any) -> PoseTrack:
        """A copy with new 2-D keypoints (e.g. after cleaning), other arrays unchanged."""
        return PoseTrack(
            keypoints_px=keypoints_px,
            depth_px=self.depth_px,
            visibility=self.visibility,
            presence=self.presence,
            world_m=self.world_m,
            timestamps_s=self.timestamps_s,
            frame_indices=self.frame_indices,
            fps=self.fps,
            image_size=self.image_size,
            source=self.source,
            info={**self.info, **info},
            to_picture=self.to_picture,
        )

    def picture_px(self, points: np.ndarray) -> np.ndarray:
        """``points`` ((T, K, 2), this track's coordinates) where each frame showed them: themselves unless the track was
        moved into a reference frame (:attr:`to_picture`)."""
        p = np.asarray(points, dtype=float)
        if self.to_picture is None:
            return p
        m = self.to_picture
        return np.einsum("tij,tkj->tki", m[:, :, :2], p) + m[:, None, :, 2]

    # ----------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a compressed ``.npz`` atomically (temp file, then rename)."""
        path = Path(path)
        with atomic_path(path) as tmp:
            np.savez_compressed(
                tmp,
                format_version=np.array(FORMAT_VERSION),
                keypoints_px=self.keypoints_px.astype(np.float32),
                depth_px=self.depth_px.astype(np.float32),
                visibility=self.visibility.astype(np.float32),
                presence=self.presence.astype(np.float32),
                world_m=self.world_m.astype(np.float32),
                timestamps_s=self.timestamps_s.astype(np.float64),
                frame_indices=self.frame_indices.astype(np.int64),
                fps=np.array(self.fps, dtype=np.float64),
                image_size=np.array(self.image_size, dtype=np.int64),
                source=np.array(self.source),
                info_json=np.array(json.dumps(self.info)),
            )
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PoseTrack:
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format_version"]) != FORMAT_VERSION:
                    raise PoseTrackFormatError(f"{path}: pose track format {int(data['format_version'])} is not supported")
                return cls(
                    keypoints_px=data["keypoints_px"].astype(np.float64),
                    depth_px=data["depth_px"].astype(np.float64),
                    visibility=data["visibility"].astype(np.float64),
                    presence=data["presence"].astype(np.float64),
                    world_m=data["world_m"].astype(np.float64),
                    timestamps_s=data["timestamps_s"],
                    frame_indices=data["frame_indices"],
                    fps=float(data["fps"]),
                    image_size=(int(data["image_size"][0]), int(data["image_size"][1])),
                    source=str(data["source"]),
                    info=json.loads(str(data["info_json"])),
                )
        except NPZ_DAMAGE_ERRORS as exc:
            raise PoseTrackFormatError(f"{path}: not a readable pose track (the file is damaged: {exc})") from exc
        except (KeyError, ValueError, OSError) as exc:
            if isinstance(exc, PoseTrackFormatError):
                raise
            raise PoseTrackFormatError(f"{path}: not a formcheck pose track ({exc})") from exc

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """One row per frame: frame, time_s, then x_px, y_px, visibility per landmark."""
        path = Path(path)
        header = ["frame", "time_s", "detected"]
        for name in LANDMARK_NAMES:
            header += [f"{name}_x_px", f"{name}_y_px", f"{name}_visibility"]
        with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for t in range(self.n_frames):
                row: list[Any] = [int(self.frame_indices[t]), f"{self.timestamps_s[t]:.6f}", int(self.detected[t])]
                for k in range(N_LANDMARKS):
                    x, y = self.keypoints_px[t, k]
                    if np.isnan(x):
                        row += ["", "", ""]
                    else:
                        row += [f"{x:.2f}", f"{y:.2f}", f"{self.visibility[t, k]:.3f}"]
                writer.writerow(row)
        return path

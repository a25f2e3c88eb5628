"""Shared fixtures: the real clips in ../shared (skipped when absent) and session-cached pose tracks."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from formcheck.pose import extract_pose_track
from formcheck.pose_track import PoseTrack

REPO = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = REPO.parent / "shared" / "videos"
SAMPLE_VIDEOS = REPO / "sample_videos"


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    """../shared/videos beside the checkout; tests using it skip in a fresh clone without it."""
    if not (SHARED_VIDEOS / "treadmill_side_01.mp4").is_file():
        pytest.skip(f"real clips not found at {SHARED_VIDEOS} (they sit beside the checkout in CI)")
    return SHARED_VIDEOS


@pytest.fixture(scope="session")
def pose_track_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., PoseTrack]:
    """Run the pose model on a clip once per test session (MediaPipe is the slow part)."""
    cache: dict[tuple, PoseTrack] = {}

    def get(path: Path, **options: object) -> PoseTrack:
        key = (str(path), tuple(sorted(options.items())))
        if key not in cache:
            cache[key] = extract_pose_track(path, **options)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def treadmill_track(shared_videos: Path, pose_track_of: Callable[..., PoseTrack]) -> PoseTrack:
    """Pose track of ../shared/videos/treadmill_side_01.mp4 (360 frames, 30 fps, runner facing left)."""
    return pose_track_of(shared_videos / "treadmill_side_01.mp4")


@pytest.fixture(scope="session")
def landmark_measure() -> ModuleType:
    """scripts/measure_synthetic_landmarks.py as a module (a script, not part of the package), for its measurements."""
    spec = importlib.util.spec_from_file_location("measure_synthetic_landmarks", REPO / "scripts" / "measure_synthetic_landmarks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module

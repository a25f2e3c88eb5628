"""Shared fixtures: the real clips in ../shared (skipped when absent) and session-cached pose tracks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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


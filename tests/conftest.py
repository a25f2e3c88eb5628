"""Shared fixtures: the real clips in ../shared (skipped when absent) and pose tracks cached on disk."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from formcheck.evaluation.track_cache import cached_pose_track
from formcheck.pose_track import PoseTrack

REPO = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = REPO.parent / "shared" / "videos"
SAMPLE_VIDEOS = REPO / "sample_videos"


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs a pose track of a whole clip (pose_track_of, directly or through a fixture such as
    treadmill_track) is in the slow tier, like the tests that run MediaPipe themselves (marked where they do)."""
    for item in items:
        if "pose_track_of" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def ctrl_c_reaches_the_tests() -> None:
    """A test run started in the background by a shell without job control (``cmd &`` in a script, ``nohup``)
    inherits SIGINT ignored, and formcheck rightly leaves an ignored SIGINT alone: the Ctrl-C tests would then see
    no interruption (three failed so in a CI run launched that way). Ctrl-C is given back to this process, and so
    to the processes the tests start."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    """../shared/videos beside the checkout; tests using it skip in a fresh clone without it."""
    if not (SHARED_VIDEOS / "treadmill_side_01.mp4").is_file():
        pytest.skip(f"real clips not found at {SHARED_VIDEOS} (they sit beside the checkout in CI)")
    return SHARED_VIDEOS


@pytest.fixture(scope="session")
def pose_track_of() -> Callable[..., PoseTrack]:
    """Pose track of a clip (extract_pose_track's options), run through MediaPipe once per clip and machine.

    MediaPipe is the slow part: tracks are kept on disk by formcheck.evaluation.track_cache (in
    $FORMCHECK_CACHE, else ~/.cache/formcheck; keyed by the clip's and the model's bytes and the
    options, so a changed clip or model is rerun) and in memory for the session.
    """
    cache: dict[tuple, PoseTrack] = {}

    def get(path: Path, **options: object) -> PoseTrack:
        key = (str(path), tuple(sorted(options.items())))
        if key not in cache:
            cache[key] = cached_pose_track(path, **options)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def treadmill_track(shared_videos: Path, pose_track_of: Callable[..., PoseTrack]) -> PoseTrack:
    """Pose track of ../shared/videos/treadmill_side_01.mp4 (360 frames, 30 fps, runner facing left)."""
    return pose_track_of(shared_videos / "treadmill_side_01.mp4")


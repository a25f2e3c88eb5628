"""Pose tracks cached on disk, keyed by the clip's bytes, the model's bytes and the options.

MediaPipe is the slow part of every whole-clip test and benchmark (about 10 s per 360 frames
on one core); running it once per clip and machine, not once per test session, keeps the test
tiers and the evaluation harness fast. The cache is only a speed-up: deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..pose import default_model_path, extract_pose_track, pose_with_overlay_painted_out
from ..pose_track import PoseTrack

# Bump when extract_pose_track's output changes for the same clip, model and options.
TRACK_FORMAT = 10  # 2: repeated images found from the pixels; 3: a small runner is looked at again, closer; 4: one decoding pass (a small runner's closer look reads slightly different landmarks); 5: frames before a late detection tracked back; 6: only the lead-in before the first detection; 7: a runner crossing the frame is followed, not boxed; 8: one person found twice in a frame counts once; 9: poses linked to tracks closest pair first; 10: ... the most links, each track looked for at its own pace
OVERLAY_FORMAT = 4  # bump when pose_with_overlay_painted_out's output can change for the same first track (its meters, their
# thresholds, OVERLAY_WARN_FRACTION: a ".none" entry keeps the decision); 1-2 were development versions; 4: frames read
# far apart judge a moving foot against the pose two frames before. The second run
# starts from the first track as stored (float32), where formcheck.pose starts from it as found: a hair apart


def default_cache_dir() -> Path:
    """$FORMCHECK_CACHE, else $XDG_CACHE_HOME/formcheck (usually ~/.cache/formcheck)."""
    env = os.environ.get("FORMCHECK_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "formcheck"


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_key(path: str | os.PathLike[str], model_path: str | os.PathLike[str] | None, options: dict[str, Any]) -> str:
    """Hex key of (clip bytes, model bytes, options, TRACK_FORMAT)."""
    model = Path(model_path) if model_path else default_model_path()
    payload = json.dumps(
        {"clip": file_digest(path), "model": file_digest(model), "options": options, "format": TRACK_FORMAT},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def cached_pose_track(
    path: str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    model_path: str | os.PathLike[str] | None = None,
    **options: Any,
) -> PoseTrack:
    """:func:`formcheck.pose.extract_pose_track` of ``path``, from the disk cache when it holds it.

    ``options`` are passed on to extract_pose_track (start_s, end_s, fps_override, max_people).
    The track's ``source`` is set to ``path`` as given, so a cached track points at the clip it
    was asked for even when the same bytes were cached under another name.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder = folder / "pose_tracks"
    key = cache_key(path, model_path, options)
    entry = folder / f"{Path(path).stem}-{key}.npz"
    track = _load(entry)
    if track is None:
        track = _stored(entry, extract_pose_track(path, model_path=model_path, paint_out_overlay=False, **options))
    # the second run on frames with an overlay painted out (formcheck.pose.pose_with_overlay_painted_out), kept beside
    # the first so that a clip without one costs its pixel pass once, and a change to either leaves the other cached
    painted_entry = folder / f"{Path(path).stem}-{key}-overlay{OVERLAY_FORMAT}.npz"
    none_entry = painted_entry.with_suffix(".none")
    if none_entry.is_file():
        return _with_source(track, path)
    painted = _load(painted_entry)
    if painted is None:
        again = pose_with_overlay_painted_out(path, track, model_path=model_path, **options)
        if again is None:
            folder.mkdir(parents=True, exist_ok=True)
            none_entry.write_text("nothing drawn over the feet\n")
            return _with_source(track, path)
        painted = _stored(painted_entry, again[0])
    return _with_source(painted, path)


def _load(entry: Path) -> PoseTrack | None:
    if not entry.is_file():
        return None
    try:
        return PoseTrack.load(entry)
    except Exception:  # noqa: BLE001 - a damaged cache entry is recomputed, never trusted
        entry.unlink(missing_ok=True)
        return None


def _stored(entry: Path, track: PoseTrack) -> PoseTrack:
    """``track`` written to ``entry`` (atomically) and read back: the .npz stores float32, so a miss and a hit give
    the same analysis."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(f"{entry.stem}.{os.getpid()}.tmp.npz")
    track.save(tmp)
    tmp.replace(entry)
    return PoseTrack.load(entry)


def _with_source(track: PoseTrack, path: str | os.PathLike[str]) -> PoseTrack:
    from dataclasses import replace

    return track if track.source == str(path) else replace(track, source=str(path))

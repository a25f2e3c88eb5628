"""The last stage: everything ``formcheck analyze`` and ``formcheck compare`` write to OUTDIR.

One analysis -> ``analysis.json``, ``steps.csv``, ``annotated.mp4``, ``stills/*.png`` and
``report.html``; two -> ``compare.json``, ``compare.mp4`` and ``report.html``. Every file is
written atomically by its own stage; nothing is written before the analysis has succeeded.
Inputs may be a video, a saved pose track (``.npz``, no model rerun) or, for compare, a saved
``analysis.json`` (no pose data: the side-by-side clip is then skipped).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysis import Analysis, analyze, analyze_track
from .pose_track import PoseTrack


@dataclass(frozen=True)
class LoadedRun:
    """One run ready for output: its analysis (object, or dict from a saved JSON) and its video."""

    analysis: Any  # Analysis, or the analysis.json dict
    video: Path | None  # source clip, when available (needed for clips and stills)
    source: str


def load_run(
    path: str | os.PathLike[str],
    *,
    height_cm: float | None = None,
    facing: str | None = None,
    model: str | os.PathLike[str] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    fps: float | None = None,
    progress: Any = None,
    allow_json: bool = False,
    check_camera: bool = True,
) -> LoadedRun:
    """Analyse a video, or re-analyse a saved pose track, or (``allow_json``) load a saved analysis.

    With the video at hand, ``check_camera`` adds the camera-motion check (a light second pass
    over ~3 frames per second, :func:`formcheck.quality.camera_motion`) to ``analysis.quality``.
    """
    from .quality import add_camera_motion, camera_motion

    path = Path(path)
    if allow_json and path.suffix.lower() == ".json":
        from .compare import load_analysis_json

        return LoadedRun(load_analysis_json(path), None, str(path))
    if path.suffix.lower() == ".npz":
        track = PoseTrack.load(path)
        video = Path(track.source) if track.source and Path(track.source).is_file() else None
        analysis = analyze_track(track, height_cm=height_cm, facing=facing)
        playback = float(track.fps) / float(track.info.get("video_fps") or track.fps)  # undo a slow-motion override
        start_s, end_s = float(track.timestamps_s[0]) * playback, float(track.timestamps_s[-1]) * playback
    else:
        video = path
        analysis = analyze(path, height_cm=height_cm, facing=facing, model=model, start_s=start_s, end_s=end_s, fps=fps, progress=progress)
    if check_camera and video is not None:
        add_camera_motion(analysis.quality, camera_motion(video, analysis.raw_track, start_s=start_s, end_s=end_s))
    return LoadedRun(analysis, video, str(path))


@dataclass
class WrittenOutputs:
    paths: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was skipped and why


def write_analysis_outputs(
    analysis: Analysis,
    video: str | os.PathLike[str] | None,
    outdir: str | os.PathLike[str],
    *,
    annotated_video: bool = True,
    video_scale: float = 1.0,
    slowmo_contacts: int = 0,
    report: bool = True,
    progress: Any = None,
) -> WrittenOutputs:
    """Write OUTDIR/analysis.json, steps.csv, annotated.mp4, stills/ and report.html."""
    from .annotated_clip import write_annotated_outputs
    from .report import write_report

    outdir = Path(outdir)
    written = WrittenOutputs()
    written.paths.update(analysis.write(outdir))
    stills: dict[str, Path] = {}
    if video is not None:
        annotated = write_annotated_outputs(
            video, analysis, outdir, video=annotated_video, scale=video_scale, slowmo_contacts=slowmo_contacts, progress=progress
        )
        if annotated.clip is not None:
            written.paths["annotated"] = annotated.clip
        stills = dict(annotated.stills)
        written.paths.update({f"still:{name}": p for name, p in stills.items()})
    else:
        written.notes.append("source video not found: no annotated clip or stills")
    if report:
        written.paths["report"] = write_report(analysis, outdir / "report.html", stills=stills, video_path=video)
    return written


def write_compare_outputs(
    before: LoadedRun,
    after: LoadedRun,
    outdir: str | os.PathLike[str],
    *,
    side_by_side: bool = True,
    report: bool = True,
) -> tuple[Any, WrittenOutputs]:
    """Compare two runs; write OUTDIR/compare.json, compare.mp4 (when both have video) and report.html."""
    from .compare import compare
    from .compare_clip import SideBySideError, write_side_by_side
    from .report import write_compare_report

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    comparison = compare(before.analysis, after.analysis, before_source=before.source, after_source=after.source)
    written = WrittenOutputs()
    written.paths["json"] = comparison.write_json(outdir / "compare.json")
    have_video = all(isinstance(r.analysis, Analysis) and r.video is not None for r in (before, after))
    if side_by_side and have_video:
        try:
            written.paths["side_by_side"] = write_side_by_side(
                before.analysis, before.video, after.analysis, after.video, outdir / "compare.mp4"
            )
        except SideBySideError as exc:
            written.notes.append(f"no side-by-side clip: {exc}")
    elif side_by_side:
        written.notes.append("no side-by-side clip: it needs both videos (a saved analysis.json has no pose data)")
    if report:
        written.paths["report"] = write_compare_report(
            comparison, outdir / "report.html", before=before.analysis, after=after.analysis,
            before_video=before.video, after_video=after.video,
        )
    return comparison, written

"""The last stage: everything ``formcheck analyze`` and ``formcheck compare`` write to OUTDIR.

One analysis -> ``analysis.json``, ``steps.csv``, ``annotated.mp4``, ``stills/*.png`` and
``report.html``; two -> ``compare.json``, ``compare.mp4`` and ``report.html``. OUTDIR is written
as a whole (:class:`formcheck.atomic.OutputFolder`): every stage writes into a staging folder,
whose files replace formcheck's files in OUTDIR only when the whole run has succeeded; files
formcheck made last time and not this time are removed, the user's own files are never touched.
Pass an open :class:`~formcheck.atomic.OutputFolder` instead of a path to lock and check OUTDIR
before the (slow) analysis, as the CLI does.
Inputs may be a video, a saved pose track (``.npz``, no model rerun) or, for compare, a saved
``analysis.json`` (no pose data: the side-by-side clip is then skipped).
"""

from __future__ import annotations

import importlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .atomic import OutputFolder

if TYPE_CHECKING:  # the stages are imported when used: the CLI checks OUTDIR before paying for them
    from .analysis import Analysis
    from .compare import Comparison
    from .pose_track import PoseTrack
    from .result import AnalysisResult


@dataclass(frozen=True)
class LoadedRun:
    """One run ready for output: its analysis (with the arrays, or only the result of a saved JSON) and its video."""

    analysis: Analysis | AnalysisResult
    video: Path | None  # source clip, when available (needed for clips and stills)
    source: str

    @property
    def result(self) -> AnalysisResult:
        """What analysis.json holds, computed or loaded alike."""
        from .analysis import Analysis

        return self.analysis.result if isinstance(self.analysis, Analysis) else self.analysis


def load_run(
    path: str | os.PathLike[str],
    *,
    height_cm: float | None = None,
    facing: str | None = None,
    model: str | os.PathLike[str] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    fps: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    allow_json: bool = False,
    check_camera: bool = True,
    allow_walking: bool = False,
) -> LoadedRun:
    """Analyse a video, or re-analyse a saved pose track, or (``allow_json``) load a saved analysis.

    ``allow_walking``: analyse a walking clip (running findings off) instead of refusing it.

    With the video at hand, ``check_camera`` measures the camera's motion on every frame
    (:func:`formcheck.camera.prepare_track`, inside :func:`formcheck.analysis.analyze` for a
    video): the stretch between scene cuts showing the runner most is analysed, on a ground-referenced track when
    the camera moved, and the check is in the result's quality (``camera_motion``).
    """
    from .analysis import analyze, analyze_track
    from .camera import prepare_track
    from .pose_track import PoseTrack

    path = Path(path)
    if allow_json and path.suffix.lower() == ".json":
        from .compare import load_analysis_json

        return LoadedRun(load_analysis_json(path), None, str(path))
    if path.suffix.lower() == ".npz":
        track = PoseTrack.load(path)
        video = Path(track.source) if track.source and Path(track.source).is_file() else None
        if video is not None:
            _refuse_a_squeezed_track(track, video, path)
        playback = float(track.fps) / float(track.info.get("video_fps") or track.fps)  # undo a slow-motion override
        start_s, end_s = float(track.timestamps_s[0]) * playback, float(track.timestamps_s[-1]) * playback
        if check_camera and video is not None:
            prepared = prepare_track(track, video, start_s=start_s, end_s=end_s)  # may refuse (AnalysisError)
            analysis = prepared.finish(analyze_track(prepared.track, height_cm=height_cm, facing=facing, allow_walking=allow_walking,
                                                     video=video))
        else:  # the video's pixels too when it is at hand, as analysing the video itself reads them
            analysis = analyze_track(track, height_cm=height_cm, facing=facing, allow_walking=allow_walking, video=video)
    else:
        video = path
        analysis = analyze(path, height_cm=height_cm, facing=facing, model=model, start_s=start_s, end_s=end_s, fps=fps,
                           progress=progress, check_camera=check_camera, allow_walking=allow_walking)
    return LoadedRun(analysis, video, str(path))


def _refuse_a_squeezed_track(track: PoseTrack, video: Path, path: Path) -> None:
    """A pose track made before formcheck read non-square pixels (formcheck.video), of a clip stored with them, holds
    squeezed image coordinates: every horizontal distance is off by the clip's pixel aspect ratio (a reviewer's catch;
    a newcomer's 4:3 clip read overstride 17 / 10 % leg against 23 / 18). Tracks made since say their ratio."""
    from .analysis import AnalysisError
    from .video import VideoReadError, probe_video

    if "pixel_aspect" in track.info:
        return
    try:
        aspect = probe_video(video).pixel_aspect
    except VideoReadError:
        return
    if abs(aspect - 1.0) > 1e-6:
        raise AnalysisError(f"{path}: this pose track was made by an older formcheck, which measured {video.name}'s "
                            f"squeezed pixels (stored {aspect:.3g}:1 wide); make it again with `formcheck pose {video} -o {path.name}`")


# What each command may write in OUTDIR (globs allowed): checked against the inputs before any work.
ANALYSIS_OUTPUTS = ("analysis.json", "steps.csv", "annotated.mp4", "report.html", "stills/*.png")
COMPARE_OUTPUTS = ("compare.json", "compare.mp4", "report.html")


def analysis_output_folder(outdir: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = (), *,
                           annotated_video: bool = True, report: bool = True) -> OutputFolder:
    """OUTDIR of ``formcheck analyze``, not yet opened (``with`` it: checks, locks, stages); the names checked
    before any work are those this run writes (no ``annotated.mp4`` with ``--no-video``)."""
    left_out = {"annotated.mp4": not annotated_video, "report.html": not report}
    names = tuple(n for n in ANALYSIS_OUTPUTS if not left_out.get(n, False))
    return OutputFolder(outdir, inputs=inputs, names=names, command="analyze")


def compare_output_folder(outdir: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = (), *,
                          side_by_side: bool = True, report: bool = True) -> OutputFolder:
    """OUTDIR of ``formcheck compare``, not yet opened; the names checked are those this run may write."""
    left_out = {"compare.mp4": not side_by_side, "report.html": not report}
    names = tuple(n for n in COMPARE_OUTPUTS if not left_out.get(n, False))
    return OutputFolder(outdir, inputs=inputs, names=names, command="compare")


@contextmanager
def _staged(outdir: str | os.PathLike[str] | OutputFolder, make: Callable[[], OutputFolder]) -> Iterator[OutputFolder]:
    """An open OutputFolder: the caller's (committed by the caller), or a new one committed on success."""
    if isinstance(outdir, OutputFolder):
        yield outdir
        return
    with make() as folder:
        yield folder


@dataclass
class WrittenOutputs:
    paths: dict[str, Path] = field(default_factory=dict)  # where each file is (or lands, once OUTDIR is committed)
    notes: list[str] = field(default_factory=list)  # what was skipped and why

    def landed(self, folder: OutputFolder) -> WrittenOutputs:
        """The same with staged paths mapped to their places in OUTDIR."""
        return WrittenOutputs({k: folder.final(p) for k, p in self.paths.items()}, list(self.notes))


def write_analysis_outputs(
    analysis: Analysis,
    video: str | os.PathLike[str] | None,
    outdir: str | os.PathLike[str] | OutputFolder,
    *,
    annotated_video: bool = True,
    video_scale: float = 1.0,
    slowmo_contacts: int = 0,
    report: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> WrittenOutputs:
    """Write OUTDIR/analysis.json, steps.csv, annotated.mp4, stills/ and report.html, as a whole."""

    def make() -> OutputFolder:  # only when outdir is a path
        return analysis_output_folder(outdir, [video] if video else [], annotated_video=annotated_video,  # type: ignore[arg-type]
                                      report=report)

    with _staged(outdir, make) as folder:
        return _write_analysis(analysis, video, folder.staging, annotated_video=annotated_video, video_scale=video_scale,
                               slowmo_contacts=slowmo_contacts, report=report, progress=progress).landed(folder)


def analyze_to_folder(
    path: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    height_cm: float | None = None,
    facing: str | None = None,
    model: str | os.PathLike[str] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    fps: float | None = None,
    allow_walking: bool = False,
    annotated_video: bool = True,
    video_scale: float = 1.0,
    slowmo_contacts: int = 0,
    report: bool = True,
    stage_progress: Callable[[str], AbstractContextManager[Callable[[int, int], None] | None]] | None = None,
    extra: Callable[[LoadedRun, Path], None] | None = None,
) -> tuple[LoadedRun, WrittenOutputs]:
    """``formcheck analyze``'s whole job, for the CLI and for ``formcheck batch`` alike.

    OUTDIR is checked and locked before the pose work (``inputs``: the files no output may overwrite);
    the run's files are staged and land together. ``stage_progress(stage)`` ("pose", "annotate") gives a
    context yielding that stage's frame-progress callback; ``extra(run, staging_folder)`` adds files of
    the caller's (batch's tables) to the same folder before it lands.
    """
    from .analysis import Analysis

    progress = stage_progress or (lambda stage: nullcontext(None))
    with analysis_output_folder(outdir, inputs or [path], annotated_video=annotated_video, report=report) as folder:
        with progress("pose") as on_frames, _imported_meanwhile(OUTPUT_MODULES):
            run = load_run(path, height_cm=height_cm, facing=facing, model=model, start_s=start_s, end_s=end_s, fps=fps,
                           progress=on_frames, allow_walking=allow_walking)
        if not isinstance(run.analysis, Analysis):  # a video or a pose track, never a saved JSON here
            raise TypeError(f"{path}: analyze needs a video or a pose track")
        with progress("annotate") as on_frames:
            written = write_analysis_outputs(run.analysis, run.video, folder, annotated_video=annotated_video,
                                             video_scale=video_scale, slowmo_contacts=slowmo_contacts, report=report,
                                             progress=on_frames)
        if extra is not None:
            extra(run, folder.staging)
    return run, written


# What writing one analysis's outputs imports (the report's with matplotlib's axes, the clip's drawing): ~0.1 s
# on the main thread after the pose pass, imported during it instead.
OUTPUT_MODULES = ("formcheck.annotated_clip", "formcheck.report")


@contextmanager
def _imported_meanwhile(modules: Sequence[str]) -> Iterator[None]:
    """Import ``modules`` on a thread while the block runs: the pose pass keeps one core busy with the model
    and leaves the other mostly idle. An import that fails here is left to fail, with its message, where it
    is used. The block's end waits for the imports (a run that fails at once waits for them too: ~0.1 s)."""

    def work() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - raised again by the real import
                continue

    worker = threading.Thread(target=work, name="formcheck-imports", daemon=True)
    worker.start()
    try:
        yield
    finally:
        worker.join()


def _write_analysis(
    analysis: Analysis,
    video: str | os.PathLike[str] | None,
    outdir: Path,
    *,
    annotated_video: bool,
    video_scale: float,
    slowmo_contacts: int,
    report: bool,
    progress: Callable[[int, int], None] | None,
) -> WrittenOutputs:
    from concurrent.futures import ThreadPoolExecutor

    from .annotated_clip import write_annotated_outputs
    from .report import write_report
    from .report_view import NO_STILLS_REASON, analysis_plots

    written = WrittenOutputs()
    written.paths.update(analysis.write(outdir))
    stills: dict[str, Path] = {}
    previews: dict[str, bytes] = {}
    # the report's plots are drawn while the clip and stills are decoded, drawn and encoded (OpenCV and PyAV
    # release the GIL): the report needs the stills, its plots do not. Matplotlib (global rcParams) must stay
    # out of the clip and stills code, which runs meanwhile on this thread.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="formcheck-plots") as pool:
        plot_images = pool.submit(analysis_plots, analysis) if report else None
        if video is not None:
            annotated = write_annotated_outputs(
                video, analysis, outdir, video=annotated_video, scale=video_scale, slowmo_contacts=slowmo_contacts, progress=progress
            )
            if annotated.clip is not None:
                written.paths["annotated"] = annotated.clip
            stills, previews = dict(annotated.stills), annotated.previews
            written.paths.update({f"still:{name}": p for name, p in stills.items()})
        else:
            written.notes.append("source video not found: no annotated clip or stills")
        if plot_images is not None:
            written.paths["report"] = write_report(
                analysis, outdir / "report.html", stills=stills, still_previews=previews, plot_images=plot_images.result(),
                no_stills_reason=_NO_VIDEO if video is None else NO_STILLS_REASON)
    return written


_NO_VIDEO = "the source video was not found, so there is no annotated clip to take them from"
_NO_POSE = "a saved analysis.json has no pose data to draw them on"


def _run_stills(run: LoadedRun, tmpdir: Path) -> tuple[dict[str, Path], str]:
    """(the annotated stills of one compared run, written to ``tmpdir`` for the report to embed; why none)."""
    from .analysis import Analysis
    from .annotated_clip import write_annotated_outputs

    if not isinstance(run.analysis, Analysis):
        return {}, _NO_POSE
    if run.video is None:
        return {}, _NO_VIDEO
    return dict(write_annotated_outputs(run.video, run.analysis, tmpdir, video=False).stills), ""


def write_compare_outputs(
    before: LoadedRun,
    after: LoadedRun,
    outdir: str | os.PathLike[str] | OutputFolder,
    *,
    side_by_side: bool = True,
    report: bool = True,
    force: bool = False,
) -> tuple[Comparison, WrittenOutputs]:
    """Compare two runs; write OUTDIR/compare.json, compare.mp4 (when both have video) and report.html, as a whole.

    ``force``: compare runs that :func:`formcheck.compare.compare` would refuse as not comparable."""
    inputs = [p for run in (before, after) for p in (run.source, run.video) if p]
    def make() -> OutputFolder:  # only when outdir is a path
        return compare_output_folder(outdir, inputs, side_by_side=side_by_side, report=report)  # type: ignore[arg-type]

    with _staged(outdir, make) as folder:
        comparison, written = _write_compare(before, after, folder.staging, side_by_side=side_by_side, report=report, force=force)
        return comparison, written.landed(folder)


def _write_compare(before: LoadedRun, after: LoadedRun, outdir: Path, *, side_by_side: bool, report: bool,
                   force: bool = False) -> tuple[Comparison, WrittenOutputs]:
    from .analysis import Analysis
    from .compare import compare
    from .compare_clip import SideBySideError, write_side_by_side
    from .report import write_compare_report

    comparison = compare(before.result, after.result, before_source=before.source, after_source=after.source, force=force)
    written = WrittenOutputs()
    written.paths["json"] = comparison.write_json(outdir / "compare.json")
    b, a = before.analysis, after.analysis
    if side_by_side and isinstance(b, Analysis) and isinstance(a, Analysis) and before.video and after.video:
        try:
            written.paths["side_by_side"] = write_side_by_side(b, before.video, a, after.video, outdir / "compare.mp4")
        except SideBySideError as exc:
            written.notes.append(f"no side-by-side clip: {exc}")
    elif side_by_side:
        written.notes.append("no side-by-side clip: it needs both videos (a saved analysis.json has no pose data)")
    if report:
        with tempfile.TemporaryDirectory(prefix="formcheck-stills-") as tmp:  # embedded in the report, not kept
            (sb, why_b), (sa, why_a) = (_run_stills(run, Path(tmp) / label) for run, label in ((before, "before"), (after, "after")))
            written.paths["report"] = write_compare_report(
                comparison, outdir / "report.html", before=before.analysis, after=after.analysis,
                before_stills=sb, after_stills=sa, no_stills_reasons=(why_b, why_a),
            )
    return comparison, written

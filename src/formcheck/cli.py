"""The ``formcheck`` command line: parse, call the library, print.

Exit codes: 0 ok; 1 internal error; 2 usage error (typer); 3 unreadable input (not a video,
corrupt, empty, no such file); 4 nothing to analyse (no person, too few steps, not a usable
view); 5 pose model missing or unusable; 130 interrupted.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar

import typer

from . import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from .result import AnalysisResult

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 3
EXIT_NOTHING_TO_ANALYSE = 4
EXIT_MODEL = 5

app = typer.Typer(
    name="formcheck",
    help="Check running form from a side-view video: overstride and hip extension, step by step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~0.1 s of imports on every --help
)
F = TypeVar("F", bound=Callable[..., Any])

# Library errors (by module and class name, so that `--help` imports none of the stages) -> exit code.
_ERROR_CODES: dict[str, int] = {
    "formcheck.video.VideoReadError": EXIT_BAD_INPUT,
    "formcheck.pose_track.PoseTrackFormatError": EXIT_BAD_INPUT,
    "formcheck.pose.NoPersonError": EXIT_NOTHING_TO_ANALYSE,
    "formcheck.pose.PoseModelError": EXIT_MODEL,
    "formcheck.analysis.AnalysisError": EXIT_NOTHING_TO_ANALYSE,
    "formcheck.compare_clip.SideBySideError": EXIT_NOTHING_TO_ANALYSE,
}


def _exit_code_for(exc: BaseException) -> int | None:
    for kind in type(exc).__mro__:
        code = _ERROR_CODES.get(f"{kind.__module__}.{kind.__qualname__}")
        if code is not None:
            return code
    return None


def console(*, stderr: bool = False) -> Console:
    """A rich console (imported on first use: rich costs ~0.1 s, which `--help` need not pay)."""
    from rich.console import Console

    return Console(stderr=stderr)


def fail(message: str, exit_code: int) -> None:
    console(stderr=True).print(f"[bold red]formcheck: error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code)


def handle_errors(command: F) -> F:
    """Turn known library errors into one line on stderr and a distinct exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            console(stderr=True).print("formcheck: interrupted")
            raise typer.Exit(130)
        except Exception as exc:  # noqa: BLE001 - the CLI's one place for last-resort handling
            if os.environ.get("FORMCHECK_DEBUG"):
                raise
            code = _exit_code_for(exc)
            if code is not None:
                fail(str(exc), code)
            fail(f"internal error: {type(exc).__name__}: {exc} (set FORMCHECK_DEBUG=1 for the traceback)", EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


@contextmanager
def frame_progress(description: str, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr with frames/s; yields the callback the library calls."""
    if quiet:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("frames  {task.fields[rate]:>5.1f} frames/s"),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,  # the bar vanishes when done (or failed): errors stay one line
    )
    task = progress.add_task(description, total=None, rate=0.0)

    def update(done: int, total: int) -> None:
        if not progress.live.is_started:  # start on the first frame, not before input is known good
            progress.start()
        elapsed = progress.tasks[task].elapsed or 0.0
        progress.update(task, completed=done, total=max(total, done), rate=done / elapsed if elapsed > 0 else 0.0)

    try:
        yield update
    finally:
        progress.stop()


# --------------------------------------------------------------------------- shared options
VideoArg = Annotated[Path, typer.Argument(help="Side-view running clip (MP4/MOV/...), filmed from the side.", show_default=False)]
ModelOpt = Annotated[Optional[Path], typer.Option("--model", help="A MediaPipe pose_landmarker .task file (lite/full/heavy). Default: the bundled full model.")]
StartOpt = Annotated[Optional[float], typer.Option("--start", min=0.0, help="Start at this time (seconds of the clip as it plays).")]
EndOpt = Annotated[Optional[float], typer.Option("--end", min=0.0, help="Stop at this time (seconds of the clip as it plays).")]
FpsOpt = Annotated[
    Optional[float],
    typer.Option("--fps", min=1.0, help="Real capture frame rate for slow-motion exports (e.g. 240 for 240 fps footage stored at 30 fps)."),
]
MaxPeopleOpt = Annotated[int, typer.Option("--max-people", min=1, max=5, help="People to look for when choosing the runner.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary; errors still go to stderr.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"formcheck {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Check running form from a side-view video: overstride and hip extension, step by step."""


@app.command()
@handle_errors
def pose(
    video: VideoArg,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Pose track to write (.npz). Default: VIDEO name + .pose.npz in the current folder.")] = None,
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Also write the landmarks as CSV (one row per frame).")] = None,
    model: ModelOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    fps: FpsOpt = None,
    max_people: MaxPeopleOpt = 2,
    quiet: QuietOpt = False,
) -> None:
    """Run the pose model over VIDEO and save the runner's pose track (rerun analyses without the model)."""
    from .pose import extract_pose_track
    from .video import probe_video

    output = output or Path(video.stem + ".pose.npz")
    if output.suffix != ".npz":
        fail(f"{output}: the pose track is saved as .npz (use --csv for CSV)", 2)
    probe_video(video)  # fail fast, before the progress bar, on input that is not a video
    started = time.perf_counter()
    with frame_progress("pose", quiet) as progress:
        track = extract_pose_track(video, model_path=model, start_s=start, end_s=end, fps_override=fps, max_people=max_people, progress=progress)
    elapsed = time.perf_counter() - started
    track.save(output)
    if csv is not None:
        track.to_csv(csv)
    if not quiet:
        console(stderr=True).print(
            f"{track.n_frames} frames in {elapsed:.1f} s ({track.n_frames / elapsed:.1f} frames/s), person found in "
            f"{track.detection_rate:.1%} of them; picked {track.info['person_picked']}.\n"
            f"Wrote {output}" + (f" and {csv}" if csv else ""),
            highlight=False,
            soft_wrap=True,
        )


# ------------------------------------------------------------------ analyze / compare
HeightOpt = Annotated[Optional[float], typer.Option("--height", min=80.0, max=250.0, help="Runner's height in cm: overstride also in cm.")]
FacingOpt = Annotated[Optional[str], typer.Option("--facing", help="Running direction in the image: 'left' or 'right' (default: detected).")]
SUMMARY_METRICS = (
    ("overstride_pct_leg", "Overstride (heel ahead of COM)", "% leg"),
    ("overstride_cm", "Overstride", "cm"),
    ("shank_angle_deg", "Shank angle at contact", "deg"),
    ("hip_extension_deg", "Hip extension at toe-off", "deg"),
    ("peak_hip_extension_deg", "Peak hip extension", "deg"),
    ("hip_extension_velocity_deg_s", "Hip drive (stance)", "deg/s"),
    ("contact_time_s", "Contact time", "s"),
    ("knee_flexion_contact_deg", "Knee flexion at contact", "deg"),
)


def _digits(unit: str) -> int:
    """Decimals to print for a unit: no more than the measurement carries (s: 0.01, deg/s: 1, else 0.1)."""
    return 2 if unit == "s" else 0 if unit in ("deg/s", "steps/min") else 1


def _check_facing(facing: str | None) -> None:
    if facing not in (None, "left", "right"):
        fail(f"--facing must be 'left' or 'right', not {facing!r}", 2)


def _check_input(path: Path) -> None:
    """Fail fast (before any progress bar) on input that is neither a video nor a saved run."""
    from .video import VideoReadError, probe_video

    if path.suffix.lower() in (".npz", ".json"):
        if not path.is_file():
            raise VideoReadError(f"{path}: no such file")
        return
    probe_video(path)


def _print_analysis(result: AnalysisResult, name: str) -> None:
    from rich.table import Table

    out = console()
    s = result.summary
    cadence = f"{s.cadence_spm:.0f} steps/min" if s.cadence_spm else "cadence unknown"
    table = Table(title=f"{name}: facing {result.facing}, {result.mode}, {s.n_steps} steps, {cadence}", title_justify="left")
    table.add_column("metric")
    for side in ("left", "right"):
        table.add_column(f"{side}{' (near)' if side == result.near_side else ' (far)'}: median [IQR], confidence")
    for key, label, unit in SUMMARY_METRICS:
        cells = []
        d = _digits(unit)
        for side in ("left", "right"):
            v = s.side(side).metric(key)
            cells.append("-" if v.median is None or v.iqr is None else f"{v.median:.{d}f} [{v.iqr[0]:.{d}f}, {v.iqr[1]:.{d}f}] {v.confidence}")
        if any(c != "-" for c in cells):
            table.add_row(f"{label} ({unit})", *cells)
    out.print(table)
    for f in result.findings:
        out.print(f"[bold]{f.severity}[/bold] {f.title}" + (f" ({f.side})" if f.side else "") + (f": {f.cue}" if f.cue else ""), soft_wrap=True)
    for w in result.quality.warnings:
        out.print(f"[yellow]warning:[/yellow] {w}", soft_wrap=True)


@app.command()
@handle_errors
def analyze(
    video: Annotated[Path, typer.Argument(help="Side-view running clip, or a pose track saved by `formcheck pose` (.npz).", show_default=False)],
    outdir: Annotated[Optional[Path], typer.Option("--output", "-o", help="Output folder (default: VIDEO name + _formcheck).")] = None,
    height: HeightOpt = None,
    facing: FacingOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the analysis JSON to stdout (files are still written).")] = False,
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the annotated clip (stills and report are still made).")] = False,
    video_scale: Annotated[float, typer.Option("--video-scale", min=0.1, max=1.0, help="Resize the annotated clip (e.g. 0.5).")] = 1.0,
    slowmo_contacts: Annotated[int, typer.Option("--slowmo-contacts", min=0, max=60, help="Hold each foot contact for this many extra frames in the annotated clip.")] = 0,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip report.html.")] = False,
    model: ModelOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    fps: FpsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Analyse a side-view running clip: each step's contact, overstride and hip extension, findings, annotated clip and report."""
    from .analysis import Analysis
    from .outputs import load_run, write_analysis_outputs

    _check_facing(facing)
    _check_input(video)
    outdir = outdir or Path(f"{video.stem}_formcheck")
    with frame_progress("pose", quiet or as_json) as progress:
        run = load_run(video, height_cm=height, facing=facing, model=model, start_s=start, end_s=end, fps=fps, progress=progress)
    assert isinstance(run.analysis, Analysis)  # a video or pose track, never a saved JSON here
    with frame_progress("annotate", quiet or as_json or no_video) as progress:
        written = write_analysis_outputs(
            run.analysis, run.video, outdir, annotated_video=not no_video, video_scale=video_scale,
            slowmo_contacts=slowmo_contacts, report=not no_report, progress=progress,
        )
    if as_json:
        sys.stdout.write(run.result.to_json() + "\n")
        return
    if quiet:
        return
    _print_analysis(run.result, video.name)
    for note in written.notes:
        console(stderr=True).print(f"note: {note}", soft_wrap=True)
    files = [p for key, p in written.paths.items() if not key.startswith("still:")]
    console().print("Wrote " + ", ".join(str(p) for p in files), soft_wrap=True, highlight=False)


@app.command()
@handle_errors
def compare(
    before: Annotated[Path, typer.Argument(help="Earlier run: a video, a pose track (.npz) or a saved analysis.json.", show_default=False)],
    after: Annotated[Path, typer.Argument(help="Later run: a video, a pose track (.npz) or a saved analysis.json.", show_default=False)],
    outdir: Annotated[Path, typer.Option("--output", "-o", help="Output folder for compare.json, compare.mp4, report.html.")] = Path("formcheck_compare"),
    height: HeightOpt = None,
    facing: FacingOpt = None,
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the side-by-side clip.")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip report.html.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print compare.json to stdout.")] = False,
    model: ModelOpt = None,
    fps: FpsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Did form change between BEFORE and AFTER? Per-metric differences with 95% intervals and verdicts."""
    from rich.table import Table

    from .outputs import load_run, write_compare_outputs

    _check_facing(facing)
    _check_input(before)
    _check_input(after)
    runs = []
    for label, path in (("before", before), ("after", after)):
        with frame_progress(f"pose ({label})", quiet or as_json) as progress:
            runs.append(load_run(path, height_cm=height, facing=facing, model=model, fps=fps, progress=progress, allow_json=True))
    comparison, written = write_compare_outputs(runs[0], runs[1], outdir, side_by_side=not no_video, report=not no_report)
    if as_json:
        sys.stdout.write(json.dumps(comparison.to_dict(), indent=2) + "\n")
        return
    if quiet:
        return
    out = console()
    table = Table(title=f"{before.name} -> {after.name} (both legs)", title_justify="left")
    for column in ("metric", "before median", "after median", "change [95% CI]", "SDC", "verdict"):
        table.add_column(column)
    colour = {"improved": "green", "worse": "red"}
    for c in comparison.changes:
        if c.side != "both":
            continue
        d = _digits(c.unit)
        change = "-" if c.difference is None else f"{c.difference:+.{d}f} [{c.ci95[0]:+.{d}f}, {c.ci95[1]:+.{d}f}]"
        fmt = lambda v: "-" if v is None else f"{v:.{d}f}"  # noqa: E731
        verdict = f"[{colour[c.verdict]}]{c.verdict}[/]" if c.verdict in colour else c.verdict
        table.add_row(f"{c.label} ({c.unit})", fmt(c.before_median), fmt(c.after_median), change, f"{c.sdc:g}", verdict)
    out.print(table)
    for label, items in (("resolved", comparison.findings_resolved), ("new", comparison.findings_appeared)):
        if items:
            out.print(f"Findings {label}: " + ", ".join(items), soft_wrap=True)
    for warning in comparison.comparability:
        out.print(f"[yellow]not fully comparable:[/yellow] {warning}", soft_wrap=True)
    for note in written.notes:
        console(stderr=True).print(f"note: {note}", soft_wrap=True)
    out.print("Wrote " + ", ".join(str(p) for p in written.paths.values()), soft_wrap=True, highlight=False)


def run() -> None:  # pragma: no cover - console entry point alias
    sys.exit(app())

"""The ``formcheck`` command line: parse, call the library, print.

Exit codes: 0 ok; 1 internal error; 2 usage error (typer); 3 unreadable input (not a video,
corrupt, empty, no such file); 4 nothing to analyse (no person, too few steps, not a usable
view); 5 pose model missing or unusable; 130 interrupted.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from . import __version__
from .pose import NoPersonError, PoseModelError, extract_pose_track
from .pose_track import PoseTrackFormatError
from .video import VideoReadError, probe_video

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
)
stderr = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

# Exception types -> exit code. Other stages register theirs with `register_error`.
_ERROR_CODES: dict[type[BaseException], int] = {
    VideoReadError: EXIT_BAD_INPUT,
    PoseTrackFormatError: EXIT_BAD_INPUT,
    NoPersonError: EXIT_NOTHING_TO_ANALYSE,
    PoseModelError: EXIT_MODEL,
}


def register_error(exception: type[BaseException], exit_code: int) -> None:
    """Let a library error end the CLI with one line and ``exit_code`` instead of a traceback."""
    _ERROR_CODES[exception] = exit_code


def fail(message: str, exit_code: int) -> None:
    stderr.print(f"[bold red]formcheck: error:[/] {message}", highlight=False, soft_wrap=True)
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
            stderr.print("formcheck: interrupted")
            raise typer.Exit(130)
        except Exception as exc:  # noqa: BLE001 - the CLI's one place for last-resort handling
            if os.environ.get("FORMCHECK_DEBUG"):
                raise
            for kind, code in _ERROR_CODES.items():
                if isinstance(exc, kind):
                    fail(str(exc), code)
            fail(f"internal error: {type(exc).__name__}: {exc} (set FORMCHECK_DEBUG=1 for the traceback)", EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


@contextmanager
def frame_progress(description: str, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr with frames/s; yields the callback the library calls."""
    if quiet:
        yield None
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("frames  {task.fields[rate]:>5.1f} frames/s"),
        TimeRemainingColumn(),
        console=stderr,
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
        stderr.print(
            f"{track.n_frames} frames in {elapsed:.1f} s ({track.n_frames / elapsed:.1f} frames/s), person found in "
            f"{track.detection_rate:.1%} of them; picked {track.info['person_picked']}.\n"
            f"Wrote {output}" + (f" and {csv}" if csv else ""),
            highlight=False,
            soft_wrap=True,
        )


# ------------------------------------------------------------------ analyze (owned by the analysis helper)
def _register_analysis_errors() -> None:
    from .analysis import AnalysisError

    register_error(AnalysisError, 3)


_register_analysis_errors()


@app.command()
@handle_errors
def analyze(
    video: VideoArg,
    outdir: Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder for analysis.json and steps.csv.")] = None,
    height: Annotated[Optional[float], typer.Option("--height", help="Runner's height in cm (gives overstride in cm).")] = None,
    facing: Annotated[Optional[str], typer.Option("--facing", help="'left' or 'right' (default: detected).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print analysis JSON to stdout.")] = False,
    model: ModelOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    fps: FpsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Analyse a side-view running clip: every step's contact, overstride and hip extension, plus findings."""
    from rich.table import Table

    from .analysis import analyze as run_analysis

    if facing not in (None, "left", "right"):
        fail("--facing must be 'left' or 'right'", 2)
    probe_video(video)
    with frame_progress("pose", quiet or as_json) as progress:
        result = run_analysis(video, height_cm=height, facing=facing, model=model, start_s=start, end_s=end, fps=fps, progress=progress)
    if outdir is not None:
        result.write(outdir)
    if as_json:
        sys.stdout.write(result.to_json() + "\n")
        return
    out = Console()
    s = result.summary
    table = Table(title=f"{video.name}: facing {result.facing}, {s['n_steps']} steps, cadence {s['cadence_spm']} spm")
    table.add_column("metric")
    for side in ("left", "right"):
        table.add_column(f"{side}{' (near)' if side == result.near_side else ''} median [IQR]")
    for m in ("overstride_pct_leg", "overstride_cm", "shank_angle_deg", "hip_extension_deg", "peak_hip_extension_deg", "contact_time_s", "knee_flexion_contact_deg"):
        cells = []
        for side in ("left", "right"):
            v = s[side][m]
            cells.append("-" if v["median"] is None else f"{v['median']:.1f} [{v['iqr'][0]:.1f}, {v['iqr'][1]:.1f}] {v['confidence']}")
        table.add_row(m, *cells)
    out.print(table)
    for f in result.findings:
        out.print(f"[bold]{f.severity}[/bold] {f.title}" + (f" ({f.side})" if f.side else "") + (f": {f.cue}" if f.cue else ""))
    for w in result.quality["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {w}")
    if outdir is not None:
        out.print(f"Wrote {outdir / 'analysis.json'} and {outdir / 'steps.csv'}")


def run() -> None:  # pragma: no cover - console entry point alias
    sys.exit(app())

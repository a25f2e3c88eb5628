"""The ``formcheck`` command line: parse, call the library, print.

Exit codes: 0 ok; 1 internal error; 2 usage error (typer's, and option values checked against
the input: --start/--end, --fps); 3 unreadable input (not a video, corrupt, empty, no such file,
not a pose track or analysis.json); 4 nothing to analyse (no person, too few steps, not a usable
view); 5 pose model missing or unusable; 6 the output cannot be written where asked (-o not a
folder or not writable, an output that is an input, another run writing there, a folder of
another command's run, a full disk or read-only file system while writing); 130 interrupted
(Ctrl-C); 143 terminated (SIGTERM).

Everything that can be checked without the pose model is checked first, so a bad option or
output fails in a fraction of a second, not after the pose work.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer 0.28 (pinned) carries its own click
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .rounding import shown_unit, unit_digits

if TYPE_CHECKING:
    from rich.console import Console

    from .result import AnalysisResult
    from .video import VideoInfo

from .exit_codes import (  # noqa: F401 (the codes are re-exported: tests and callers import them from here)
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_MODEL,
    EXIT_NOTHING_TO_ANALYSE,
    EXIT_OUTPUT,
    EXIT_USAGE,
    MAX_FPS,
    exit_code_for,
    fps_problem,
)

F = TypeVar("F", bound=Callable[..., Any])


class _OneLineUsageError(UsageError):
    """A usage error in formcheck's one-line shape (click prints usage, a hint and the error on three lines)."""

    def show(self, file: Any = None) -> None:
        where = self.ctx.command_path if self.ctx is not None else "formcheck"
        message = self.format_message().rstrip(".")
        typer.echo(f"formcheck: error: {message} (see '{where} --help')", file=file, err=file is None)


@contextmanager
def _one_line_usage_errors(ctx: Any = None) -> Iterator[None]:
    """Click's usage errors raised inside, re-raised one-line; ``ctx`` names the command when the error has none
    (the parser's "requires an argument")."""
    try:
        yield
    except UsageError as exc:
        if isinstance(exc, (_OneLineUsageError, NoArgsIsHelpError)):  # the latter prints the help
            raise
        raise _OneLineUsageError(exc.format_message(), exc.ctx or ctx) from None


class _Group(TyperGroup):
    """The ``formcheck`` group: an unknown or missing command or option is a one-line error, like every other."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        with _one_line_usage_errors():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with _one_line_usage_errors(ctx):
            return super().invoke(ctx)


class _Command(TyperCommand):
    """A command whose usage line names its arguments plainly (typer writes a required VIDEO as ``{video}``)
    and whose usage errors take one line, like every other error."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in super().collect_usage_pieces(ctx)]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        with _one_line_usage_errors(ctx):
            return super().parse_args(ctx, args)


app = typer.Typer(
    name="formcheck",
    cls=_Group,
    help="Check running form from a side-view video: overstride and hip extension, step by step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~0.1 s of imports on every --help
)


def console(*, stderr: bool = False) -> Console:
    """A rich console (imported on first use: rich costs ~0.1 s, which `--help` need not pay)."""
    from rich.console import Console

    return Console(stderr=stderr)


def fail(message: str, exit_code: int) -> None:
    console(stderr=True).print(f"[bold red]formcheck: error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code)


@contextmanager
def _terminate_cleanly(interrupts: list[int]) -> Iterator[None]:
    """SIGTERM (kill, a closing terminal session) unwinds like Ctrl-C: staged outputs are removed, the lock freed.

    Each signal is noted in ``interrupts`` as it raises (KeyboardInterrupt for Ctrl-C, SystemExit(128 + N) for
    SIGTERM): one that lands while a C extension module initialises comes out as another error (ImportError:
    initialization failed), and is still an interruption. A SIGINT handler other than Python's default
    (ignored, say, in a background job) is left alone.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum: int, frame: object) -> None:
        interrupts.append(signum)
        raise KeyboardInterrupt

    def terminated(signum: int, frame: object) -> None:
        interrupts.append(signum)
        raise SystemExit(128 + signum)

    previous_term = signal.signal(signal.SIGTERM, terminated)
    replace_int = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if replace_int:
        signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term if previous_term is not None else signal.SIG_DFL)
        if replace_int:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def handle_errors(command: F) -> F:
    """Turn known library errors into one line on stderr and a distinct exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        interrupts: list[int] = []
        try:
            with _terminate_cleanly(interrupts):
                return command(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:  # outputs are staged (formcheck.atomic): the previous results are left as they were
            console(stderr=True).print("formcheck: interrupted", highlight=False)
            raise typer.Exit(130) from None
        except SystemExit:  # SIGTERM (kill) said nothing, where Ctrl-C says "interrupted"; said once unwound
            if interrupts:
                console(stderr=True).print("formcheck: terminated", highlight=False)
            raise
        except Exception as exc:
            if interrupts:  # a signal turned into another error on its way out (see _terminate_cleanly)
                import signal

                console(stderr=True).print("formcheck: interrupted" if interrupts[0] == signal.SIGINT else "formcheck: terminated",
                                           highlight=False)
                raise typer.Exit(130 if interrupts[0] == signal.SIGINT else 128 + interrupts[0]) from None
            if os.environ.get("FORMCHECK_DEBUG"):
                raise
            code = exit_code_for(exc)
            if code is not None:
                fail(str(exc), code)
            from .atomic import is_write_failure, write_failure_message

            if is_write_failure(exc):  # a full disk, quota or read-only file system outside the output folder's own checks
                fail(write_failure_message(None, exc), EXIT_OUTPUT)
            fail(f"internal error: {type(exc).__name__}: {exc} (set FORMCHECK_DEBUG=1 for the traceback)", EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


@contextmanager
def frame_progress(description: str, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr with frames/s; yields the callback the library calls. None when ``quiet`` or
    stderr is not a terminal (a bar drawn into a log or a pipe is only its last line: a stray blank one)."""
    if quiet or not console(stderr=True).is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("frames  {task.fields[rate]:>5.1f} frames/s"),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,  # the bar vanishes when done (or failed): errors stay one line
        # rich would put its own proxy in sys.stderr while the bar runs and put back, when it stops, the stream it
        # found: the bar starts on the first frame, inside the pose stage's silencing of the C++ runtime's logs
        # (formcheck.pose._native_stderr_silenced), whose temporary sys.stderr is closed by then. On a terminal
        # every later message then failed ("lost sys.stderr", exit 120). Nothing prints while a bar runs.
        redirect_stdout=False,
        redirect_stderr=False,
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
VideoArg = Annotated[Path, typer.Argument(metavar="VIDEO", help="Side-view running clip (MP4/MOV/...), filmed from the side.", show_default=False)]
ModelOpt = Annotated[Path | None, typer.Option("--model", help="A MediaPipe pose_landmarker .task file (lite/full/heavy). Default: the bundled full model.")]
StartOpt = Annotated[float | None, typer.Option("--start", min=0.0, help="Start at this time (seconds of the clip as it plays).")]
EndOpt = Annotated[float | None, typer.Option("--end", min=0.0, help="Stop at this time (seconds of the clip as it plays; a frame at exactly this time is included).")]
FpsOpt = Annotated[
    float | None,
    # no min/max here: formcheck.exit_codes.fps_problem checks it against the file and says the allowed range
    typer.Option("--fps", help="Real capture frame rate for slow-motion exports (e.g. 240 for 240 fps footage "
                 "stored at 30 fps; the rate the images were filmed at, also when an editor then showed each frame "
                 f"twice); from the file's own rate to {MAX_FPS:g}. A phone's variable-rate clip given its camera's "
                 "rate (30 on one averaging 26) plays in real time."),
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


@app.command(cls=_Command)
@handle_errors
def pose(
    video: VideoArg,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Pose track to write (.npz). Default: VIDEO name + .pose.npz in the current folder.")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the landmarks as CSV (one row per frame).")] = None,
    model: ModelOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    fps: FpsOpt = None,
    max_people: MaxPeopleOpt = 2,
    quiet: QuietOpt = False,
) -> None:
    """Run the pose model over VIDEO and save the runner's pose track (rerun analyses without the model)."""
    from .atomic import OutputFiles
    from .video import probe_video

    output = output or Path(video.stem + ".pose.npz")
    if output.is_dir():  # a folder not named .npz was told the track is saved as .npz (a newcomer's test)
        fail(f"{output}: is a folder, not a file; give the pose track's file name, ending in .npz "
             f"(e.g. -o {output / (video.stem + '.pose.npz')})", EXIT_OUTPUT)
    if output.suffix != ".npz":
        fail(f"{output}: the pose track is saved as .npz (use --csv for CSV)", EXIT_USAGE)
    if csv is not None and csv.resolve() == output.resolve():
        fail(f"--csv and -o both name {output}", EXIT_USAGE)
    item = _Input(video, "video", info=probe_video(video))  # fail fast, before the progress bar, on input that is not a video
    _check_options(item, start=start, end=end, fps=fps)
    targets = [output] + ([csv] if csv is not None else [])
    with OutputFiles(targets, inputs=_inputs(item, model=model)) as files:  # checked and locked before the pose work
        # MediaPipe's import takes seconds: only once the outputs are known good
        from .pose import extract_pose_track

        started = time.perf_counter()
        with frame_progress("pose", quiet) as progress:
            track = extract_pose_track(video, model_path=model, start_s=start, end_s=end, fps_override=fps, max_people=max_people,
                                       progress=progress)
        elapsed = time.perf_counter() - started
        track.save(files.staged(output))
        if csv is not None:
            track.to_csv(files.staged(csv))
    if not quiet:
        console(stderr=True).print(
            f"{track.n_frames} frames in {elapsed:.1f} s ({track.n_frames / elapsed:.1f} frames/s), person found in "
            f"{track.detection_rate:.1%} of them; picked {track.info['person_picked']}"
            + (f"; {back} frames before the runner was first found were tracked back from there"
               if (back := track.info.get("tracked_back_frames")) else "")
            + ("; something drawn over the feet (a watermark, a caption) was painted out and the pose found again on "
               "those frames" if "overlay_painted_out" in track.info else "")
            + ("; something drawn over the feet (a watermark, a caption) hides them and was left as it is: contacts and "
               "toe-offs may be a frame or more off" if "overlay_unpainted" in track.info else "") + ".\n"
            f"Wrote {output}" + (f" and {csv}" if csv else ""),
            highlight=False,
            soft_wrap=True,
        )


# ------------------------------------------------------------------ analyze / compare
def _height_cm(value: float | None) -> float | None:
    """--height is in cm: a height in feet or metres (5.9, 1.78) gets a usage error that says so."""
    from .analysis import height_problem  # the API and a manifest's height_cm column take the same range

    problem = height_problem(value)
    if problem:
        raise typer.BadParameter(f"{problem}, e.g. --height 178")
    return value


HeightOpt = Annotated[float | None, typer.Option("--height", callback=_height_cm, help="Runner's height in cm (80-250): overstride also in cm.")]
CompareHeightOpt = Annotated[float | None, typer.Option("--height", callback=_height_cm, help=(
    "Runner's height in cm (80-250) for the runs analysed now: their reports give overstride also in cm. A saved "
    "analysis.json keeps the height it was made with; the table compares % leg."))]
FacingOpt = Annotated[str | None, typer.Option("--facing", help="Running direction in the image: 'left' or 'right' (default: detected). For clips whose "
                                                   "direction the detection is unsure of; one the clip clearly contradicts is refused.")]
SUMMARY_METRICS = (
    ("overstride_pct_leg", "Overstride (heel ahead of COM)", "% leg"),
    ("overstride_cm", "Overstride", "cm"),
    # the sign said: a newcomer read -8.5 beside +12.5 with nothing to tell which way the shin leant
    ("shank_angle_deg", "Shank angle at contact (+ = shin reaching forward)", "deg"),
    ("hip_extension_deg", "Hip extension at toe-off", "deg"),
    ("peak_hip_extension_deg", "Peak hip extension", "deg"),
    ("hip_extension_velocity_deg_s", "Hip drive (extension speed in stance)", "deg/s"),
    ("contact_time_s", "Contact time", "ms"),  # in ms, as the findings under the table and the report give it
    ("knee_flexion_contact_deg", "Knee flexion at contact", "deg"),
)
_PER_UNIT = {"ms": 1000.0}  # a table unit whose value is stored in another (contact time: s in the files)


def _check_facing(facing: str | None) -> str | None:
    """--facing as the library takes it ('Left' and 'RIGHT' too: a runner types what they see)."""
    if facing is None:
        return None
    if facing.strip().lower() not in ("left", "right"):
        fail(f"--facing must be 'left' or 'right', not {facing!r}", 2)
    return facing.strip().lower()


@dataclass(frozen=True)
class _Input:
    """One input as checked up front: a video (with its header), a saved pose track or a saved analysis."""

    path: Path
    kind: str  # "video" | "pose track" | "analysis"
    info: VideoInfo | None = None  # a video's header
    source: Path | None = None  # a pose track's video, when it is still there

    @property
    def files(self) -> list[Path]:
        """Every file the run reads (none may be overwritten by an output)."""
        return [self.path] + ([self.source] if self.source else [])


_TRACK_KEYS = ("format_version", "keypoints_px", "timestamps_s", "frame_indices", "fps", "source")


def _check_input(path: Path, *, allow_json: bool = False) -> _Input:
    """Fail fast (before any progress bar) on input that is neither a video nor a saved run (exit 3)."""
    from .video import VideoReadError, probe_video

    suffix = path.suffix.lower()
    if allow_json and path.is_dir():  # (an analyze output folder stands for its analysis.json: _saved_run)
        raise VideoReadError(f"{path}: a folder with no analysis.json in it: give a video, a pose track (.npz), "
                             "or the output folder of formcheck analyze")
    if suffix == ".npz" or (allow_json and suffix == ".json"):
        if not path.exists():
            raise VideoReadError(f"{path}: no such file")
        if not path.is_file():
            raise VideoReadError(f"{path}: is a directory, not a file")
        if suffix == ".npz":
            return _Input(path, "pose track", source=_track_source(path))
        _check_analysis_json(path)
        return _Input(path, "analysis")
    return _Input(path, "video", info=probe_video(path))


def _saved_run(path: Path) -> Path:
    """An output folder of ``analyze`` stands for the analysis.json in it; any other path is itself."""
    saved = path / "analysis.json"
    return saved if path.is_dir() and saved.is_file() else path


def _run_name(path: Path) -> str:
    """How a run is named in compare's table: the file, or for a saved analysis.json its folder too ("week1/analysis.json")."""
    return f"{path.parent.name}/{path.name}" if path.name == "analysis.json" and path.parent.name else path.name


def _track_source(path: Path) -> Path | None:
    """The video a saved pose track was made from (when it is still there); a clear error for anything else.

    Every array is read (decompressed, CRC-checked), so a damaged file fails here, before the
    output is locked and any pose work starts.
    """
    import zipfile

    import numpy as np

    from .pose_track import NPZ_DAMAGE_ERRORS

    what = f"{path}: not a formcheck pose track"
    if not zipfile.is_zipfile(path):
        fail(f"{what} (not an .npz archive; `formcheck pose VIDEO -o {path.name}` makes one)", EXIT_BAD_INPUT)
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in _TRACK_KEYS if k not in data.files]
            if missing:
                fail(f"{what} (an .npz without {', '.join(missing)})", EXIT_BAD_INPUT)
            for key in data.files:
                data[key]
            source = str(data["source"])
    except NPZ_DAMAGE_ERRORS as exc:
        fail(f"{path}: not a readable pose track (the file is damaged: {exc}); `formcheck pose VIDEO -o {path.name}` makes it again",
             EXIT_BAD_INPUT)
    except (OSError, ValueError, KeyError):
        fail(f"{what} (its arrays cannot be read)", EXIT_BAD_INPUT)
    return Path(source) if source and Path(source).is_file() else None


def _check_analysis_json(path: Path) -> None:
    """A saved analysis.json that cannot be read is unreadable input (exit 3), found before any work."""
    from .result import AnalysisResult

    try:
        AnalysisResult.load(path)
    except Exception as exc:  # noqa: BLE001 - any failure to read it back is the same answer to the user
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fail(f"{path}: not a formcheck analysis.json ({reason})", EXIT_BAD_INPUT)


def _check_options(item: _Input, *, start: float | None = None, end: float | None = None, fps: float | None = None) -> None:
    """--start/--end/--fps against the input itself (usage errors, exit 2), before any work."""
    given = [name for name, value in (("--start", start), ("--end", end), ("--fps", fps)) if value is not None]
    if item.kind != "video":
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            fail(f"{' and '.join(given)} only {verb} to a video; {item.path} is a saved {item.kind}, whose time range and "
                 "frame rate were fixed when it was made (`formcheck pose` takes them)", EXIT_USAGE)
        return
    for name, value in (("--start", start), ("--end", end)):
        if value is not None and not math.isfinite(value):
            fail(f"{name} must be a time in seconds, not {value:g}", EXIT_USAGE)
    info = item.info
    assert info is not None
    length = f"{item.path.name} is {info.duration_s:.2f} s long"
    # the last frame starts a frame before the end: a --start after it selects no frame at all
    last_frame_s = info.duration_s - (1.0 / info.fps if info.fps and info.duration_s * info.fps > 1 else 0.0)
    if start is not None and info.duration_s > 0 and start > last_frame_s + 1e-6:
        latest = math.floor(last_frame_s * 100 + 1e-6) / 100  # as printed, a start that still selects the last frame
        fail(f"--start {start:g} s is past the clip's last frame ({length}, its last frame at {last_frame_s:.3f} s): "
             f"it must be at most {latest:.2f} s", EXIT_USAGE)
    if end is not None and end <= (start or 0.0):
        fail(f"--end {end:g} s must be after --start ({start or 0:g} s); {length}", EXIT_USAGE)
    problem = fps_problem(fps, info.fps, item.path.name)
    if problem:
        fail(problem, EXIT_USAGE)


def _inputs(*items: _Input, model: Path | None = None) -> list[Path]:
    return [f for item in items for f in item.files] + ([model] if model is not None else [])


def _print_analysis(result: AnalysisResult, name: str) -> None:
    from rich.table import Table

    out = console()
    s = result.summary
    cadence = f"{_plain(s.cadence_spm, 0)} steps/min" if s.cadence_spm else "cadence unknown"
    table = Table(title=f"{name}: facing {result.facing}, {result.mode}, {s.n_steps} steps, {cadence}", title_justify="left")
    table.add_column("metric")
    for side in ("left", "right"):
        table.add_column(f"{side}{' (near)' if side == result.near_side else ' (far)'}: median [IQR], confidence")
    for key, label, unit in SUMMARY_METRICS:
        cells = []
        d, k = unit_digits(unit), _PER_UNIT.get(unit, 1.0)
        for side in ("left", "right"):
            v = s.side(side).metric(key)
            cells.append("-" if v.median is None or v.iqr is None
                         else f"{_plain(k * v.median, d)} [{_plain(k * v.iqr[0], d)}, {_plain(k * v.iqr[1], d)}] {v.confidence}")
        if any(c != "-" for c in cells):
            table.add_row(f"{label} ({unit})", *cells)
    out.print(table)
    from rich.markup import escape

    from .findings import NORMAL_SIDE_NOTE, interval_text, median_on_the_normal_side

    for f in result.findings:
        said = interval_text(f)  # the median against the threshold: how far over it (borderline: how near)
        why = escape(f" [{said}]") if said else ""
        advice = f": {NORMAL_SIDE_NOTE}" if median_on_the_normal_side(f) else (f": {f.cue}" if f.cue else "")
        out.print(f"[bold]{f.severity}[/bold] {f.title}" + (f" ({f.side})" if f.side else "") + why + advice,
                  soft_wrap=True, highlight=False)
    for w in result.quality.warnings:
        out.print(f"[yellow]warning:[/yellow] {w}", soft_wrap=True)


@app.command(cls=_Command)
@handle_errors
def analyze(
    video: Annotated[Path, typer.Argument(metavar="VIDEO", help="Side-view running clip, or a pose track saved by `formcheck pose` (.npz).",
                                          show_default=False)],
    outdir: Annotated[Path | None, typer.Option("--output", "-o", help="Output folder (default: VIDEO name + _formcheck, in the current folder).")] = None,
    height: HeightOpt = None,
    facing: FacingOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the analysis JSON to stdout (files are still written) and nothing else: "
                                                               "its warnings are in quality.warnings; an error still goes to stderr.")] = False,
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the annotated clip (stills and report are still made).")] = False,
    video_scale: Annotated[float, typer.Option("--video-scale", min=0.1, max=1.0, help="Resize the annotated clip (e.g. 0.5).")] = 1.0,
    slowmo_contacts: Annotated[int, typer.Option("--slowmo-contacts", min=0, max=60, help="Hold each foot contact for this many extra frames in the annotated clip.")] = 0,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip report.html.")] = False,
    model: ModelOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    fps: FpsOpt = None,
    allow_walking: Annotated[bool, typer.Option("--allow-walking", help="Analyse a walking clip (without the running findings) instead of refusing it.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Analyse a side-view running clip: each step's contact, overstride and hip extension, findings, annotated clip and report."""
    from .outputs import analyze_to_folder

    facing = _check_facing(facing)
    item = _check_input(video)
    _check_options(item, start=start, end=end, fps=fps)
    outdir = outdir or Path(f"{video.stem}_formcheck")
    # OUTDIR is checked and locked before the pose work (the stages' imports take seconds)
    run, written = analyze_to_folder(
        video, outdir, inputs=_inputs(item, model=model), height_cm=height, facing=facing, model=model, start_s=start,
        end_s=end, fps=fps, allow_walking=allow_walking, annotated_video=not no_video, video_scale=video_scale,
        slowmo_contacts=slowmo_contacts, report=not no_report,
        stage_progress=lambda stage: frame_progress(stage, quiet or as_json or (stage == "annotate" and no_video)),
    )
    # OUTDIR now holds this run's files, and only formcheck's files of this run
    if as_json:
        sys.stdout.write(run.result.to_json() + "\n")
        return
    if quiet:
        return
    _print_analysis(run.result, video.name)
    for note in written.notes:
        console(stderr=True).print(f"note: {note}", soft_wrap=True)
    console().print("Wrote " + ", ".join(_written_list(written.paths)), soft_wrap=True, highlight=False)


def _written_list(paths: dict[str, Path]) -> list[str]:
    """The files written, with the stills as one entry: ``out/stills/ (4 images)``."""
    items: list[str] = []
    stills = [p for key, p in paths.items() if key.startswith("still:")]
    for key, path in paths.items():
        if not key.startswith("still:"):
            items.append(str(path))
        elif path == stills[0]:
            items.append(f"{path.parent}{os.sep} ({len(stills)} image{'s' if len(stills) != 1 else ''})")
    return items


@app.command(cls=_Command)
@handle_errors
def compare(
    before: Annotated[Path, typer.Argument(metavar="BEFORE", help="Earlier run: a video, a pose track (.npz), a saved analysis.json "
                                           "or the folder `analyze -o` wrote it to.", show_default=False)],
    after: Annotated[Path, typer.Argument(metavar="AFTER", help="Later run: a video, a pose track (.npz), a saved analysis.json "
                                          "or the folder `analyze -o` wrote it to.", show_default=False)],
    outdir: Annotated[Path, typer.Option("--output", "-o", help="Output folder for compare.json, compare.mp4, report.html.")] = Path("formcheck_compare"),
    height: CompareHeightOpt = None,
    facing: FacingOpt = None,
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the side-by-side clip.")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip report.html.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print compare.json to stdout and nothing else (its warnings are in it); an error still "
                                                               "goes to stderr.")] = False,
    model: ModelOpt = None,
    fps: FpsOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Compare runs that cannot fairly be compared (walking vs running, different pace, camera or scale).")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Did form change between BEFORE and AFTER? Per-metric differences with 95% intervals and verdicts."""
    from rich.table import Table

    from .analysis import AnalysisError, FacingContradictedError
    from .outputs import compare_output_folder, load_run, write_compare_outputs

    facing = _check_facing(facing)
    before, after = _saved_run(before), _saved_run(after)
    items = [_check_input(before, allow_json=True), _check_input(after, allow_json=True)]
    if fps is not None:
        for item in items:
            _check_options(item, fps=fps)
    runs = []
    # checked and locked before the pose work
    with compare_output_folder(outdir, _inputs(*items, model=model), side_by_side=not no_video,
                               report=not no_report) as folder:
        for label, path in (("before", before), ("after", after)):
            with frame_progress(f"pose ({label})", quiet or as_json) as progress:
                # allow_walking: compare's own rule decides (two walks compare; a walk against a run is refused unless --force)
                try:
                    runs.append(load_run(path, height_cm=height, facing=facing, model=model, fps=fps, progress=progress,
                                         allow_json=True, allow_walking=True))
                except FacingContradictedError as exc:  # one --facing serves both clips: "give the other" would refuse
                    # the other clip (a reviewer's catch); left out, each clip's direction is detected
                    raise AnalysisError(f"{label} clip: {exc.finding}; leave --facing out (each clip's direction is then "
                                        "detected)") from exc
                except AnalysisError as exc:  # which clip
                    raise AnalysisError(f"{label} clip: {exc}") from exc
        comparison, written = write_compare_outputs(runs[0], runs[1], folder, side_by_side=not no_video, report=not no_report,
                                                    force=force)
    if as_json:
        sys.stdout.write(json.dumps(comparison.to_dict(), indent=2) + "\n")
        return
    if quiet:
        return
    out = console()
    table = Table(title=f"{_run_name(before)} -> {_run_name(after)} (both legs, then each leg)", title_justify="left",
                  caption="SDC: smallest detectable change. A change is improved or worse only when its interval excludes 0 "
                          "and it is at least the SDC; 'changed': a clear change with no better direction (knee flexion), or "
                          "a shank crossing or moving behind vertical.",
                  caption_justify="left")
    table.add_column("metric", ratio=2)  # the words wrap; the figures do not (a terminal of 80 columns)
    for column in ("before", "after", "change [95% CI]", "SDC"):
        table.add_column(column, no_wrap=True, justify="right")
    table.add_column("verdict", ratio=1)
    colour = {"improved": "green", "worse": "red"}
    for c in comparison.shown_changes():
        unit, k = shown_unit(c.unit)
        d = unit_digits(unit)
        dc = c.change_digits(d, k)
        change = "-" if c.difference is None else \
            f"{_signed(k * c.difference, dc)} [{_signed(k * c.ci95[0], d)}, {_signed(k * c.ci95[1], d)}]"
        fmt = lambda v, d=d, k=k: "-" if v is None else _plain(k * v, d)
        verdict = f"[{colour[c.verdict]}]{c.verdict}[/]" if c.verdict in colour else c.verdict
        name = f"{c.label} ({unit})" if c.side == "both" else f"  {c.side} leg"
        table.add_row(name, fmt(c.before_median), fmt(c.after_median), change, f"{round(k * c.sdc, d + 1):g}", verdict,
                      style=None if c.side == "both" else "dim" if c.verdict in ("not measurable", "view differs", "timing uncertain") else None)
    out.print(table)
    names = _finding_labels(run.result for run in runs)
    shown_borderline = comparison.borderline_shown()
    for label, codes in (("Findings resolved", comparison.findings_resolved), ("Findings new", comparison.findings_appeared),
                         ("Findings still there", comparison.findings_persisting),
                         ("Borderline (not counted as new or resolved)", shown_borderline)):
        if codes:
            # wrapped to the terminal as the table is (four borderline findings ran to 133 columns)
            joiner = "; " if codes is shown_borderline else ", "  # a borderline one reads "...: mild before, none after"
            out.print(f"{label}: " + joiner.join(_finding_label(code, names) for code in codes), highlight=False)
    for warning in comparison.comparability:
        out.print(f"[yellow]not fully comparable:[/yellow] {warning}", soft_wrap=True)
    for note in written.notes:
        console(stderr=True).print(f"note: {note}", soft_wrap=True)
    out.print("Wrote " + ", ".join(_written_list(written.paths)), soft_wrap=True, highlight=False)


def _plain(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals; one that rounds to zero has no minus (history's shank read "-0.0"): the
    report's rule (report_model.fmt), for the terminal tables."""
    from .report_model import fmt

    return fmt(value, digits)


def _signed(value: float, digits: int) -> str:
    """``value`` with its sign, ``digits`` decimals; one that rounds to zero is "0" ("-0" read as a change)."""
    from .rounding import rounded

    text = f"{rounded(value, digits):+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def _finding_labels(results: Iterator[AnalysisResult] | Any) -> dict[str, str]:
    """Finding code -> a short human label: the finding's flag label, else its title as the analysis gave it."""
    from .findings import FINDING_SPECS

    labels = {f.code: f.title for result in results for f in result.findings}
    labels.update({code: spec.flag_label for code, spec in FINDING_SPECS.items()})
    return labels


def _finding_label(code: str, labels: dict[str, str]) -> str:
    """``"limited_hip_extension (left)"`` -> ``"limited hip extension (left)"``."""
    base, _, side = code.partition(" ")
    return labels.get(base, base.replace("_", " ")) + (f" {side}" if side else "")


# ------------------------------------------------------------------ batch / history
@contextmanager
def batch_progress(quiet: bool) -> Iterator[Callable[[Any], None] | None]:
    """A rich progress bar over clips (done, running, failed, time left); yields formcheck.batch's callback."""
    if quiet:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(TextColumn("[bold]clips"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[state]}"),
                        TimeRemainingColumn(), console=console(stderr=True), transient=True,
                        redirect_stdout=False, redirect_stderr=False)  # see frame_progress: sys.stderr is left alone
    task = progress.add_task("clips", total=None, state="")

    def update(p: Any) -> None:
        if not progress.live.is_started and p.total:
            progress.start()
        skipped = f", {p.skipped} already done" if p.skipped else ""
        progress.update(task, completed=p.done + p.failed, total=p.total,
                        state=f"{p.running} running, {p.failed} failed{skipped}")

    try:
        yield update
    finally:
        progress.stop()


@app.command(cls=_Command)
@handle_errors
def batch(
    inputs: Annotated[list[Path], typer.Argument(metavar="INPUT...", show_default=False,
                                                 help="Clips, folders of clips, or CSV manifests (columns path, runner, date, "
                                                      "height_cm, facing, fps, note; only path is needed).")],
    outdir: Annotated[Path, typer.Option("--output", "-o", help="Output folder: OUTDIR/runner=NAME/DATE_CLIP/ per clip, and OUTDIR/batch.csv.",
                                         show_default=False)],
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Clips analysed at once on this machine (default: one per core).")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", metavar="ADDRESS", help="Run on a Dask cluster: its scheduler's address "
                                                "(tcp://host:8786). Needs pip install 'formcheck[cluster]'.")] = None,
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the annotated clips (stills and reports are still made).")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip report.html.")] = False,
    model: ModelOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Analyse many clips, one per core or on a Dask cluster; a re-run does only what is missing. OUTDIR/batch.csv lists every clip."""
    from contextlib import nullcontext

    from .batch import (
        DONE,
        FAILED,
        SKIPPED,
        BatchInputError,
        ClusterError,
        Options,
        cluster_executor,
    )
    from .batch import run as run_batch

    if workers is not None and cluster is not None:
        fail("--workers is for this machine; with --cluster the cluster's workers run the clips", EXIT_USAGE)
    if model is not None and not model.is_file():
        fail(f"{model}: no such pose model file", EXIT_MODEL)
    options = Options(annotated_video=not no_video, report=not no_report, model=str(model.absolute()) if model else None)
    try:
        with (cluster_executor(cluster) if cluster else nullcontext()) as executor, batch_progress(quiet) as progress:
            report = run_batch(inputs, outdir, executor=executor, workers=workers, options=options, progress=progress)
    except BatchInputError as exc:
        fail(str(exc), exc.exit_code)
    except ClusterError as exc:
        fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        console(stderr=True).print(f"formcheck: interrupted; finished clips are kept and {outdir / 'batch.csv'} lists them. "
                                   "Run the same command again to do the rest.", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    if not quiet:
        out = console()
        counts = [f"{report.count(DONE)} done", f"{report.count(FAILED)} failed"] + (
            [f"{report.count(SKIPPED)} already done (skipped)"] if report.count(SKIPPED) else [])
        out.print(f"{len(report.rows)} clips: " + ", ".join(counts), highlight=False)
        for row in report.failed:
            where = "" if row.message.startswith(row.clip.path) else f"{row.clip.path}: "
            console(stderr=True).print(f"[red]failed[/red] {where}{row.message} (exit {row.exit_code})", soft_wrap=True, highlight=False)
        out.print(f"Wrote {report.csv_path}", soft_wrap=True, highlight=False)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


@app.command(cls=_Command)
@handle_errors
def history(
    outdir: Annotated[Path, typer.Argument(metavar="OUTDIR", help="A folder written by `formcheck batch`.", show_default=False)],
    runner: Annotated[str | None, typer.Option("--runner", help="Only this runner (default: the whole squad).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Page to write (default: OUTDIR/history.html; "
                                                "history.json beside it).")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Each runner's recordings in date order: medians, change since the previous and the first, who needs attention."""
    from rich.markup import escape
    from rich.table import Table

    from .history import HistoryError, build_history, not_analysed_text, write_history

    try:
        hist = build_history(outdir, runner)
    except HistoryError as exc:
        fail(str(exc), exc.exit_code)
    written = write_history(hist, output)
    if quiet:
        return
    out = console()
    colour = {"improved": "green", "worse": "red"}

    def verdict(change: Any) -> str:
        if change is None:
            return "-"
        unit, k = shown_unit(change.unit)  # contact time in ms, as the row's values (it read "317 -> 307 (+0.01)")
        d = unit_digits(unit)
        diff = "" if change.difference is None else f" ({_signed(k * change.difference, change.change_digits(d, k))})"
        return f"[{colour[change.verdict]}]{change.verdict}[/]{diff}" if change.verdict in colour else f"{change.verdict}{diff}"

    if len(hist.runners) > 1:
        squad = Table(title="Squad (latest recording; change since the previous)", title_justify="left")
        for column in ("runner", "recordings", "latest", "overstride (% leg)", "peak hip ext. (deg)", "needs attention"):
            squad.add_column(column)
        for r in hist.runners:
            o, h = r.trend("overstride_pct_leg").latest, r.trend("peak_hip_extension_deg").latest
            squad.add_row(r.runner, str(len(r.recordings)), r.latest.date,
                          f"{'-' if o.median is None else _plain(o.median, 1)} {verdict(o.since_previous)}",
                          f"{'-' if h.median is None else _plain(h.median, 1)} {verdict(h.since_previous)}",
                          "; ".join(r.attention) or "no")
        out.print(squad)
    else:
        r = hist.runners[0]
        dates = ", ".join(rec.date for rec in r.recordings)
        count = f"{len(r.recordings)} recording{'' if len(r.recordings) == 1 else 's'}"
        table = Table(title=f"{r.runner}: {count} ({dates})", title_justify="left")
        for column in ("metric", "first", "latest", "since previous", "since first"):
            table.add_column(column)
        for t in r.trends:  # both legs, then each leg alone under it, as compare shows them
            unit, k = shown_unit(t.spec.unit)
            d = unit_digits(unit)
            for row in (t, *(leg for leg in r.leg_trends if leg.key == t.key)):
                first, latest = (("-" if p.median is None else _plain(k * p.median, d)) for p in (row.points[0], row.latest))
                name = f"{t.spec.label} ({unit})" if row.side == "both" else f"  {row.side} leg"
                table.add_row(name, first, latest, verdict(row.latest.since_previous), verdict(row.latest.since_first),
                              style=None if row.side == "both" else "dim")
        out.print(table)
        for reason in r.attention:
            out.print(f"[yellow]needs attention:[/yellow] {reason}", soft_wrap=True)
    for missing in hist.not_analysed:  # a week that failed is not silently absent from the trends
        out.print(f"[yellow]not analysed in the last batch:[/yellow] {escape(not_analysed_text(missing))}", soft_wrap=True,
                  highlight=False)
    out.print(f"Wrote {written['html']} and {written['json']}", soft_wrap=True, highlight=False)


def run() -> None:  # pragma: no cover - console entry point alias
    sys.exit(app())

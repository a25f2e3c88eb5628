"""Many clips at once: a squad's weekly films or a researcher's folder, one clip per core or per cluster worker.

Python API::

    from formcheck import batch
    report = batch.run(["squad.csv"], "out/")                       # one clip per core (spawn processes)
    report = batch.run(["clips/"], "out/", executor=my_executor)    # any concurrent.futures executor
    report.exit_code, report.rows                                   # one row per clip, as in out/batch.csv

Inputs are clips, folders (searched for videos, hidden folders and OUTDIR left out) and CSV
manifests with one row per clip: ``path, runner, date, height_cm, facing, fps, note``, every
column but ``path`` optional, paths relative to the manifest's folder. A clip's date is the
manifest's, else the video's creation time, else the file's modification time; its runner is the
manifest's, else the folder under a given folder that holds it, else ``unknown``.

Each clip goes through the code path of ``formcheck analyze`` (:func:`formcheck.outputs.analyze_to_folder`,
written as a whole) into
``OUTDIR/runner=NAME/DATE_CLIP/``, which also gets ``steps.parquet`` and ``summary.parquet``
(:mod:`formcheck.store`; ``runner=`` is a Hive partition) and ``batch.json``: the clip's content
hash, formcheck's version and the options. A clip whose folder already holds the same three is
skipped, so a re-run after a crash or Ctrl-C does only what is missing. A clip that fails is a
row in ``OUTDIR/batch.csv`` (status, exit code as ``formcheck analyze`` would give, message,
time); the others go on. ``batch.csv`` is rewritten as each clip finishes.

The work is done by the worker function :func:`analyse_clip`, whatever runs it: a local
``ProcessPoolExecutor`` (spawn: each worker loads its own pose model; measured bit-identical to
a single run) or a Dask cluster (:func:`cluster_executor`; ``distributed.Client(ADDRESS).get_executor()``
is a ``concurrent.futures`` executor, so a laptop and a Slurm or Kubernetes cluster run the
same job; workers need formcheck installed and the clips and OUTDIR at the same paths).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .analysis import HEIGHT_RANGE_CM  # as the CLI's --height
from .atomic import BATCH_TABLE_NAME, LOCK_NAME, OutputBusyError, OutputPathError, refuse_foreign_run, write_text_atomic
from .exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_USAGE,
    MAX_FPS,
    exit_code_for,
    fps_problem,
)

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mts", ".3gp")
MANIFEST_COLUMNS = ("path", "runner", "date", "height_cm", "facing", "fps", "note")
BATCH_CSV = BATCH_TABLE_NAME
MARKER = "batch.json"  # in each clip's folder: what it was made from (the resume key)
CSV_COLUMNS = ("path", "runner", "date", "output", "status", "exit_code", "message", "seconds", "note")
UNKNOWN_RUNNER = "unknown"
PARTITION = "runner"  # OUTDIR/runner=NAME/: a Hive partition (formcheck.store.PARTITION_KEY)

DONE, FAILED, SKIPPED, INTERRUPTED = "done", "failed", "skipped (already done)", "interrupted"



class BatchInputError(Exception):
    """The batch cannot start: an input that does not exist, a manifest that cannot be read (message says where)."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ClusterError(Exception):
    """``--cluster`` cannot be used: Dask is not installed, or the scheduler cannot be reached."""


# ------------------------------------------------------------------------------------------ the work
@dataclass(frozen=True)
class Options:
    """What every clip of the batch is analysed with (part of the resume key)."""

    annotated_video: bool = True
    report: bool = True
    model: str | None = None  # a MediaPipe .task file; None = the bundled model


@dataclass(frozen=True)
class Clip:
    """One clip of the batch and where its outputs go (``folder``, relative to OUTDIR)."""

    path: str
    runner: str
    date: str  # YYYY-MM-DD
    recorded_at: str  # ISO date or date-time, for ordering recordings of one day
    date_source: str  # "manifest" | "video" | "file"
    folder: str
    height_cm: float | None = None
    facing: str | None = None
    fps: float | None = None
    note: str = ""
    order: int = 0  # the clip's place in the inputs (a manifest's row order): orders recordings of one day with no time


@dataclass(frozen=True)
class Outcome:
    """What became of one clip (a row of ``batch.csv``)."""

    clip: Clip
    status: str
    exit_code: int | None = None
    message: str = ""
    seconds: float | None = None


def file_sha256(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def resume_key(clip: Clip, options: Options, clip_sha256: str) -> dict[str, Any]:
    """What must match for a finished folder to be reused: the clip's bytes, formcheck's version, the options."""
    return {
        "clip_sha256": clip_sha256,
        "formcheck": __version__,
        "options": {
            "height_cm": clip.height_cm, "facing": clip.facing, "fps": clip.fps,
            "annotated_video": options.annotated_video, "report": options.report,
            "model_sha256": file_sha256(options.model) if options.model else None,
        },
    }


def finished_key(folder: Path) -> dict[str, Any] | None:
    """The resume key of a folder a batch finished, or None when it holds no whole batch result.

    Whole: ``batch.json`` is readable and every file formcheck's manifest lists is there (a run
    killed while its folder was being swapped in is not taken for finished).
    """
    from .atomic import read_manifest

    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = read_manifest(folder)
    if MARKER not in files or not all((folder / rel).is_file() for rel in files):
        return None
    return data.get("key") if isinstance(data, dict) else None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _exit_code(exc: BaseException) -> int:
    """The exit code ``formcheck analyze`` gives for this error (the CLI's table), 1 for anything unforeseen."""
    return exit_code_for(exc) or EXIT_INTERNAL


def _check_fps(clip: Clip) -> None:
    """The CLI's --fps rule: the real capture rate cannot be below the file's own rate."""
    from .video import probe_video

    if clip.fps is None or Path(clip.path).suffix.lower() == ".npz":
        return
    problem = fps_problem(clip.fps, probe_video(clip.path).fps, Path(clip.path).name)
    if problem:
        raise BatchInputError(problem.replace("--fps", "fps"), EXIT_USAGE)


def analyse_clip(clip: Clip, outdir: str, options: Options) -> Outcome:
    """The worker: analyse one clip as ``formcheck analyze`` does and write its folder, as a whole.

    Never raises for a bad clip: the error becomes the outcome (exit code and one-line message).
    """
    started = time.perf_counter()
    try:
        _analyse_into(clip, Path(outdir), options)
    except Exception as exc:  # noqa: BLE001 - every failure of one clip is reported, the batch goes on
        if isinstance(exc, BatchInputError):
            code = exc.exit_code
        else:
            code = _exit_code(exc)
        message = _one_line(exc) if code != 1 else f"internal error: {type(exc).__name__}: {_one_line(exc)}"
        return Outcome(clip, FAILED, code, message, round(time.perf_counter() - started, 2))
    return Outcome(clip, DONE, 0, "", round(time.perf_counter() - started, 2))


def _analyse_into(clip: Clip, outdir: Path, options: Options) -> None:
    """``formcheck analyze``'s own code path (:func:`formcheck.outputs.analyze_to_folder`), plus the Parquet tables and
    the resume marker in the same folder."""
    from .outputs import analyze_to_folder
    from .store import write_tables

    path = Path(clip.path)
    if not path.is_file():
        from .video import VideoReadError

        raise VideoReadError(f"{path}: no such file" if not path.exists() else f"{path}: is a directory, not a file")
    _check_fps(clip)
    digest = file_sha256(path)
    model = Path(options.model) if options.model else None
    folder_path = outdir / clip.folder
    inputs = [path] + ([model] if model else [])

    def tables_and_marker(run, staging: Path) -> None:
        write_tables(run.result, staging, recording=Path(clip.folder).name, date=dt.date.fromisoformat(clip.date),
                     recorded_at=clip.recorded_at, clip=path.name)
        marker = {
            "about": "what formcheck batch made this folder from; a batch skips the clip while all of 'key' matches",
            "key": resume_key(clip, options, digest),
            "clip": str(path), "runner": clip.runner, "date": clip.date, "recorded_at": clip.recorded_at,
            "date_source": clip.date_source, "order": clip.order,
        }
        (staging / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")

    # the same code path as `formcheck analyze` (checked and locked before the pose work), plus the tables
    analyze_to_folder(path, folder_path, inputs=inputs, height_cm=clip.height_cm, facing=clip.facing, model=model,
                      fps=clip.fps, annotated_video=options.annotated_video, report=options.report, extra=tables_and_marker)


# ------------------------------------------------------------------------------------------ the inputs
def _safe_name(text: str) -> str:
    """A folder name from a runner's or clip's name (no separators, no '=', not hidden)."""
    name = re.sub(r'[\\/=:*?"<>|\x00-\x1f]+', "_", text).strip().lstrip(".").strip()
    return name or UNKNOWN_RUNNER


def _parse_when(text: str, where: str) -> tuple[str, str]:
    """(date, recorded_at) from an ISO date or date-time; BatchInputError (usage) otherwise."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise BatchInputError(f"{where}: date {text!r} is not a date (use YYYY-MM-DD, or YYYY-MM-DD HH:MM)", EXIT_USAGE) from None
    has_time = len(text.strip()) > 10
    return when.date().isoformat(), when.isoformat() if has_time else when.date().isoformat()


def _recorded(path: Path) -> tuple[str, str, str]:
    """(date, recorded_at, source): the video's creation time when it says, else the file's modification time."""
    with contextlib.suppress(Exception):
        import av

        with av.open(str(path)) as container:
            tags = dict(container.metadata)
            if container.streams.video:
                tags = {**dict(container.streams.video[0].metadata), **tags}
        stamp = tags.get("creation_time") or tags.get("com.apple.quicktime.creationdate")
        if stamp:
            when = dt.datetime.fromisoformat(str(stamp).strip())
            if when.tzinfo is not None:
                when = when.astimezone()  # the runner's local day
            return when.date().isoformat(), when.replace(tzinfo=None).isoformat(timespec="seconds"), "video"
    with contextlib.suppress(OSError):
        when = dt.datetime.fromtimestamp(path.stat().st_mtime)
        return when.date().isoformat(), when.isoformat(timespec="seconds"), "file"
    today = dt.date.today().isoformat()
    return today, today, "file"


def _number(value: str, name: str, where: str, low: float, high: float) -> float | None:
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise BatchInputError(f"{where}: {name} {value!r} is not a number", EXIT_USAGE) from None
    if not low <= number <= high:
        raise BatchInputError(f"{where}: {name} {value} is outside {low:g}-{high:g}", EXIT_USAGE)
    return number


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV manifest, checked (BatchInputError with the row number when one is wrong)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchInputError(f"{path}: cannot read the manifest ({_one_line(exc)})") from exc
    reader = csv.DictReader(io.StringIO(text), skipinitialspace=True)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "path" not in header:
        raise BatchInputError(f"{path}: a manifest needs a 'path' column (columns: {', '.join(MANIFEST_COLUMNS)})", EXIT_USAGE)
    unknown = [h for h in header if h and h not in MANIFEST_COLUMNS]
    if unknown:
        raise BatchInputError(f"{path}: unknown column {unknown[0]!r} (columns: {', '.join(MANIFEST_COLUMNS)})", EXIT_USAGE)
    rows = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        where = f"{path}, row {number}"
        if not row.get("path"):
            raise BatchInputError(f"{where}: no path", EXIT_USAGE)
        facing = row.get("facing", "").lower() or None
        if facing not in (None, "left", "right"):
            raise BatchInputError(f"{where}: facing must be 'left' or 'right', not {row['facing']!r}", EXIT_USAGE)
        clip = Path(row["path"]).expanduser()
        rows.append({
            "path": clip if clip.is_absolute() else path.parent / clip,
            "runner": row.get("runner", ""),
            "when": _parse_when(row["date"], where) if row.get("date") else None,
            "height_cm": _number(row.get("height_cm", ""), "height_cm", where, *HEIGHT_RANGE_CM),
            "facing": facing,
            "fps": _number(row.get("fps", ""), "fps", where, 1.0, MAX_FPS),
            "note": row.get("note", ""),
        })
    return rows


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _folder_clips(folder: Path, outdir: Path) -> list[tuple[Path, str]]:
    """(clip, runner) for every video under ``folder``: hidden folders and OUTDIR left out."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not _inside(here / d, outdir))
        for name in sorted(filenames):
            if name.lower().endswith(VIDEO_SUFFIXES) and not name.startswith("."):
                rel = (here / name).relative_to(folder)
                found.append((here / name, rel.parts[0] if len(rel.parts) > 1 else ""))
    return found


def collect_clips(inputs: Iterable[str | os.PathLike[str]], outdir: str | os.PathLike[str]) -> list[Clip]:
    """Every clip named by ``inputs`` (clips, folders, ``.csv`` manifests), with its runner, date and output folder."""
    outdir = Path(outdir)
    rows: list[dict[str, Any]] = []
    for item in map(Path, inputs):
        if item.suffix.lower() == ".csv" and item.is_file():
            rows += read_manifest(item)
        elif item.is_dir():
            clips = _folder_clips(item, outdir)
            if not clips:
                raise BatchInputError(f"{item}: no video files in this folder ({', '.join(VIDEO_SUFFIXES)})")
            rows += [{"path": p, "runner": runner} for p, runner in clips]
        elif item.exists():
            rows.append({"path": item})
        else:
            raise BatchInputError(f"{item}: no such file or folder")
    if not rows:
        raise BatchInputError("no clips to analyse", EXIT_USAGE)
    clips, taken = [], set()
    for row in rows:
        path = Path(row["path"])
        date, recorded_at, source = (*row["when"], "manifest") if row.get("when") else _recorded(path)
        runner = _safe_name(row.get("runner") or UNKNOWN_RUNNER)
        base = f"{PARTITION}={runner}/{date}_{_safe_name(path.stem)}"
        folder, n = base, 1
        while folder in taken:  # the same clip name twice on one day: _2, _3, ... in input order
            n += 1
            folder = f"{base}_{n}"
        taken.add(folder)
        clips.append(Clip(str(path), runner, date, recorded_at, source, folder, row.get("height_cm"), row.get("facing"),
                          row.get("fps"), row.get("note", ""), order=len(clips)))
    return clips


# ------------------------------------------------------------------------------------------ the run
@dataclass(frozen=True)
class BatchProgress:
    """Where the batch is, for a progress bar (``total`` = clips to analyse, the skipped ones left out)."""

    total: int
    done: int
    failed: int
    skipped: int
    running: int
    last: Outcome | None = None


@dataclass
class BatchReport:
    """Every clip's outcome, in input order (the rows of ``batch.csv``)."""

    outdir: Path
    rows: list[Outcome] = field(default_factory=list)
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    @property
    def failed(self) -> list[Outcome]:
        return [r for r in self.rows if r.status == FAILED]

    @property
    def exit_code(self) -> int:
        """0 when no clip failed; else the first failed clip's code (input order), as ``formcheck analyze`` gives it."""
        failed = self.failed
        return int(failed[0].exit_code or 1) if failed else 0

    @property
    def csv_path(self) -> Path:
        return self.outdir / BATCH_CSV


def write_batch_csv(report: BatchReport) -> Path:
    """OUTDIR/batch.csv: one row per clip (atomic: a reader never sees half a file)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        c = r.clip
        writer.writerow([c.path, c.runner, c.date, c.folder, r.status, "" if r.exit_code is None else r.exit_code, r.message,
                         "" if r.seconds is None else f"{r.seconds:.2f}", c.note])
    return write_text_atomic(report.csv_path, buf.getvalue())


@contextlib.contextmanager
def _batch_lock(outdir: Path) -> Iterator[None]:
    """One batch at a time into OUTDIR (the clips' folders are locked by their own runs as well)."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputPathError(f"output folder {outdir}: is a file, not a folder") from None
    except OSError as exc:
        raise OutputPathError(f"output folder {outdir}: cannot be created ({exc.strerror or exc})") from exc
    if not outdir.is_dir():
        raise OutputPathError(f"output folder {outdir}: is a file, not a folder")
    refuse_foreign_run(outdir, "batch")  # an analyze or compare folder: the clips' folders would land among its files
    lock = outdir / ".formcheck-batch.lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputPathError(f"output folder {outdir}: cannot write there ({exc.strerror or exc})") from exc
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - Windows: no lock
            pass
        except BlockingIOError:
            raise OutputBusyError(f"output folder {outdir}: another formcheck batch is writing there; wait for it to finish "
                                  "or choose another output") from None
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()  # while still holding it, as formcheck.atomic does
        os.close(fd)


def _worker_init() -> None:
    """Local workers leave Ctrl-C to the main process, which stops them (no traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def local_executor(workers: int | None = None) -> cf.ProcessPoolExecutor:
    """One process per clip, started with spawn (each loads its own pose model; fork would copy MediaPipe's threads)."""
    import multiprocessing

    return cf.ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_worker_init)


def _stop_local(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a local pool now: pending clips cancelled, running ones killed (their staged folders are discarded)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(timeout=10)


def _discard_staging(outdir: Path, clip: Clip) -> None:
    """A killed clip's staging folder (``.NAME.formcheck-tmp-*`` beside its folder): not a result, and
    ``OUTDIR/**/steps.parquet`` would read it."""
    folder = outdir / clip.folder
    for stale in folder.parent.glob(f".{folder.name}.formcheck-tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in folder.glob(".formcheck-tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    with contextlib.suppress(OSError):  # a first run killed: the folder holds nothing but its dead run's lock file
        if [p.name for p in folder.iterdir()] == [LOCK_NAME]:
            (folder / LOCK_NAME).unlink()
            folder.rmdir()


@contextlib.contextmanager
def cluster_executor(address: str, *, timeout_s: float = 20.0) -> Iterator[cf.Executor]:
    """A Dask cluster's ``concurrent.futures`` executor (``pip install 'formcheck[cluster]'``), closed at the end."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--cluster needs Dask's distributed scheduler, which is not installed: "
                           "pip install 'formcheck[cluster]'") from None
    try:
        client = Client(address, timeout=timeout_s)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({_one_line(exc)})") from exc
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()


def run(
    inputs: Sequence[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
    *,
    executor: cf.Executor | None = None,
    workers: int | None = None,
    options: Options = Options(),
    progress: Callable[[BatchProgress], None] | None = None,
    slots: int | None = None,
) -> BatchReport:
    """Analyse every clip of ``inputs`` into ``outdir`` (see the module docstring); returns every clip's outcome.

    ``executor``: any ``concurrent.futures`` executor (left open); default a local spawn pool of
    ``workers`` processes (default: one per core), stopped at the end. On Ctrl-C the clips not
    finished are marked ``interrupted`` in ``batch.csv`` and KeyboardInterrupt is raised again.
    ``slots`` (how many clips run at once) only feeds the progress bar's count of running clips.
    """
    outdir = Path(outdir)
    clips = collect_clips(inputs, outdir)
    report = BatchReport(outdir)
    with _batch_lock(outdir):
        outcomes: dict[int, Outcome] = {}
        todo: list[int] = []
        keys: dict[int, dict[str, Any]] = {}
        for i, clip in enumerate(clips):
            if Path(clip.path).is_file():
                with contextlib.suppress(OSError):
                    keys[i] = resume_key(clip, options, file_sha256(clip.path))
            if i in keys and finished_key(outdir / clip.folder) == keys[i]:
                outcomes[i] = Outcome(clip, SKIPPED, 0)  # its folder holds a whole analysis: analyze gave 0 (was blank)
            else:
                todo.append(i)

        def snapshot(last: Outcome | None, running: int) -> None:
            report.rows = [outcomes.get(i) or Outcome(clips[i], INTERRUPTED if report.interrupted else "queued")
                           for i in range(len(clips))]
            if last is not None or running == 0:
                write_batch_csv(report)
            if progress is not None:
                ran = [outcomes[i] for i in todo if i in outcomes]
                progress(BatchProgress(len(todo), sum(o.status == DONE for o in ran), sum(o.status == FAILED for o in ran),
                                       len(clips) - len(todo), running, last))

        owned = executor is None and bool(todo)
        pool = local_executor(workers) if owned else executor
        slots = slots or ((workers or os.cpu_count() or 1) if owned else getattr(executor, "_max_workers", None))
        futures: dict[cf.Future[Outcome], int] = {}
        try:
            snapshot(None, 0)
            for i in todo:
                assert pool is not None
                futures[pool.submit(analyse_clip, clips[i], str(outdir), options)] = i
            pending = set(futures)
            snapshot(None, min(len(pending), slots or len(pending)))
            for future in cf.as_completed(futures):
                i = futures[future]
                pending.discard(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - the worker itself died (killed, out of memory, a crash in native code)
                    outcome = Outcome(clips[i], FAILED, 1, f"internal error: the worker stopped ({type(exc).__name__}: {_one_line(exc)})")
                outcomes[i] = outcome
                snapshot(outcome, min(len(pending), slots or len(pending)))
        except KeyboardInterrupt:
            report.interrupted = True
            for future in futures:
                future.cancel()
            if owned and isinstance(pool, cf.ProcessPoolExecutor):
                _stop_local(pool)
                pool = None
            for i in todo:
                if i in outcomes:
                    continue
                if i in keys and finished_key(outdir / clips[i].folder) == keys[i]:  # its folder was swapped in as Ctrl-C came
                    outcomes[i] = Outcome(clips[i], DONE, 0, "finished as the batch was interrupted")
                else:
                    _discard_staging(outdir, clips[i])
            snapshot(None, 0)
            raise
        finally:
            if owned and pool is not None:
                pool.shutdown(wait=True)
    return report


__all__ = [
    "BatchInputError", "BatchProgress", "BatchReport", "Clip", "ClusterError", "Options", "Outcome",
    "analyse_clip", "cluster_executor", "collect_clips", "local_executor", "read_manifest", "resume_key", "run",
    "write_batch_csv",
]

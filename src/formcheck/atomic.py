"""Outputs nothing can damage: a run's files replace the old ones only when the run has succeeded.

* :func:`atomic_path` / :func:`write_text_atomic`: one file, written under a unique temporary name
  beside it and renamed onto it when complete.
* :class:`OutputFolder` (``analyze``, ``compare``): everything a run makes goes into a fresh
  staging folder beside OUTDIR; :meth:`OutputFolder.commit` moves formcheck's files into OUTDIR
  only when the run has succeeded, removes the files formcheck made last time and not this time
  (listed in ``OUTDIR/.formcheck-files.json``) and never touches other files. A failed or
  interrupted run removes its staging folder and leaves OUTDIR as it was, byte for byte. The
  manifest records the command; a run of another command into the folder is refused up front
  (its commit would remove that run's files as stale).
* :class:`OutputFiles` (``pose``): the same for single files (the ``.npz`` and the CSV).
* Both check, before any work, that the outputs can be created and written, that no output is an
  input, and take a lock (``OUTDIR/.formcheck.lock``, ``flock``: released by the kernel if the
  process dies) so that a second run into the same place fails at once.

Residual window: POSIX has no rename of several files at once, so the swap is one ``rename`` per
file (after every staged file is fsynced), well under a second even for a long clip's folder.
Ctrl-C and SIGTERM are held during it (the run then stops, the folder complete). A reader looking
at OUTDIR during those milliseconds, or a power cut / SIGKILL inside them, can see new and old
files together; the manifest is written first as the union of old and new files, so the next
run still knows every file formcheck put there and cleans up.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeGuard

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: an O_EXCL lock file instead (stale after a crash)
    fcntl = None  # type: ignore[assignment]

MANIFEST_NAME = ".formcheck-files.json"
LOCK_NAME = ".formcheck.lock"
_STAGING_TAG = ".formcheck-tmp-"
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: temporary files are made 0600, outputs get the usual 0666 & ~umask


class OutputPathError(Exception):
    """The output cannot be written where asked: not a folder, not writable, an input, ..."""


class OutputBusyError(OutputPathError):
    """Another formcheck run is writing to the same output right now."""


class OutputIsInputError(OutputPathError):
    """An output path is (resolves to) one of the run's inputs."""


class OutputOwnedError(OutputPathError):
    """The output folder holds another formcheck command's run (whose files this run would remove)."""


class OutputNotOursError(OutputPathError):
    """A file where formcheck would write one of its outputs was not written by formcheck (it would be replaced)."""


class OutputWriteError(OutputPathError):
    """Writing the outputs failed for want of room or permission: a full disk, a quota, a read-only file system."""


# errno values that mean "the output cannot be written there", not a bug: reported as OutputWriteError
WRITE_FAILURE_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EROFS) if e is not None)


def is_write_failure(exc: BaseException | None) -> TypeGuard[OSError]:
    """A full disk, an exceeded quota or a read-only file system (an OSError with one of those errno values)."""
    return isinstance(exc, OSError) and exc.errno in WRITE_FAILURE_ERRNOS


def write_failure_message(what: str | None, exc: OSError) -> str:
    """"output folder out: cannot write the outputs (No space left on device: out/x.mp4); free some space ..."."""
    where = f": {exc.filename}" if exc.filename else ""
    advice = "choose another output (-o)" if exc.errno == errno.EROFS else "free some space or choose another output (-o)"
    return f"{what + ': ' if what else ''}cannot write the outputs ({_reason(exc)}{where}); {advice}"


# ------------------------------------------------------------------------------------------ one file
@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a unique temporary path beside ``path`` (same extension); it replaces ``path`` on success.

    On an exception the temporary file is removed and ``path`` is left as it was. The name is
    unique per call, so two writers of the same file never share a temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".partial{path.suffix}")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _chmod_default(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically; returns ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(path)


# ---------------------------------------------------------------------------------------- checks
def _chmod_default(path: Path) -> None:
    """The mode a plainly created file would have (mkstemp makes them 0600)."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~_UMASK)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _is_input(path: Path, inputs: Sequence[Path]) -> Path | None:
    """The input ``path`` is (same file, or same resolved path), if any."""
    for item in inputs:
        if _same_file(path, item) or path.resolve() == item.resolve():
            return item
    return None


def _prepare_folder(folder: Path, message: Callable[[str], str]) -> list[Path]:
    """Make sure ``folder`` exists and is a folder; returns the folders created (outermost first).

    ``message`` turns what is wrong ("is a file, not a folder") into the error's text.
    """
    if folder.exists():
        if not folder.is_dir():
            raise OutputPathError(message("is a file, not a folder"))
        return []
    missing = []
    probe = folder
    while not probe.exists():
        if probe.is_symlink():
            raise OutputPathError(message(f"cannot be created ({probe} is a broken link)"))
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputPathError(message(f"cannot be created ({probe} is a file, not a folder)"))
    created: list[Path] = []
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            if not d.is_dir():
                _remove_empty(created)
                raise OutputPathError(message(f"cannot be created ({d} is a file, not a folder)")) from None
            continue  # made by a concurrent run
        except OSError as exc:
            _remove_empty(created)
            raise OutputPathError(message(f"cannot be created ({_reason(exc)})")) from exc
        created.append(d)
    return created


def _remove_empty(folders: Iterable[Path]) -> None:
    for d in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            d.rmdir()


class _Lock:
    """An exclusive lock file; ``flock`` so that a killed run's lock is released by the kernel."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        self.fd: int | None = None

    def acquire(self) -> None:
        for _ in range(20):  # retried only when a finishing run unlinks the file we opened
            try:
                flags = os.O_RDWR | os.O_CREAT | (0 if fcntl else os.O_EXCL)
                fd = os.open(self.path, flags, 0o644)
            except FileExistsError:  # pragma: no cover - Windows only
                raise OutputBusyError(self._busy_message()) from None
            except OSError as exc:
                raise OutputPathError(f"{self.what}: cannot write there ({_reason(exc)})") from exc
            if fcntl is None:  # pragma: no cover
                self.fd = fd
                break
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputBusyError(self._busy_message()) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                break
            os.close(fd)
        else:  # pragma: no cover - 20 runs finishing in a row under us
            raise OutputBusyError(self._busy_message())
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())

    def _busy_message(self) -> str:
        try:
            pid = self.path.read_text().strip()
        except OSError:
            pid = ""
        who = f" (process {pid})" if pid.isdigit() else ""
        return f"{self.what}: another formcheck run is writing there{who}; wait for it to finish or choose another output"

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()  # while still holding the lock: a waiter that opened it sees a new inode
        os.close(self.fd)
        self.fd = None


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C / SIGTERM until the block ends, then act on them (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    wanted = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if caught:
            handler = previous[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            elif handler == signal.SIG_DFL:
                if caught[0] == signal.SIGINT:
                    raise KeyboardInterrupt
                os.kill(os.getpid(), caught[0])


def _fsync(path: Path, directory: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    except OSError:  # pragma: no cover - e.g. directories on Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems without fsync
        pass
    finally:
        os.close(fd)


def _files_under(folder: Path) -> list[str]:
    """Every file under ``folder``, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def _safe_relative(rel: str) -> bool:
    """A manifest entry formcheck may act on: relative, inside the folder, not the manifest or lock."""
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts and rel not in (MANIFEST_NAME, LOCK_NAME)


def _read_manifest_data(folder: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        data = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_manifest(folder: str | os.PathLike[str]) -> list[str]:
    """The files formcheck wrote to ``folder`` last time (empty when it holds no readable manifest)."""
    files = _read_manifest_data(folder).get("files")
    return [f for f in files if isinstance(f, str) and _safe_relative(f)] if isinstance(files, list) else []


# An old manifest (before the command was recorded) names its command by the file only that command writes.
_COMMAND_BY_FILE = (("analysis.json", "analyze"), ("compare.json", "compare"))
# A batch keeps no manifest of its own (each clip's folder has one); its folder is known by its table of clips.
BATCH_TABLE_NAME = "batch.csv"


def manifest_command(folder: str | os.PathLike[str]) -> str | None:
    """The formcheck command whose run ``folder`` holds (``analyze``, ``compare``, ``pose``, ``batch``); None when unknown."""
    data = _read_manifest_data(folder)
    command = data.get("command")
    if isinstance(command, str) and command:
        return command
    files = read_manifest(folder)
    for name, cmd in _COMMAND_BY_FILE:
        if name in files:
            return cmd
    if any(f.endswith(".npz") for f in files):
        return "pose"
    if _is_batch_table(Path(folder) / BATCH_TABLE_NAME):
        return "batch"
    return None


# batch.csv's header (formcheck.batch.CSV_COLUMNS begins so): a user's own file of that name, say a manifest of clips,
# does not make the folder a batch's (a reviewer's case)
_BATCH_TABLE_HEADER = "path,runner,date,output,status,exit_code,"


def _is_batch_table(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.readline().strip().startswith(_BATCH_TABLE_HEADER)
    except OSError:
        return False


_RESULT_NOUN = {"analyze": "the analysis", "compare": "the comparison", "pose": "the pose track", "batch": "the batch"}


def refuse_foreign_run(folder: str | os.PathLike[str], command: str) -> None:
    """OutputOwnedError when ``folder`` holds a run of another formcheck command than ``command``: writing there
    would mix two commands' files (and a commit would remove the other run's files as stale)."""
    owner = manifest_command(folder)
    if owner is not None and owner != command:
        noun = _RESULT_NOUN.get(command, f"the {command} run")
        raise OutputOwnedError(f"output folder {folder}: holds a formcheck {owner} run; write {noun} to another folder (-o)")


# -------------------------------------------------------------------------------- a whole folder
class OutputFolder:
    """One run's output folder, written as a whole (see the module docstring).

    ``names`` are the outputs the run may write, relative to the folder, globs allowed
    (``stills/*.png``): they are checked against ``inputs`` before any work. Use as a context
    manager: entering checks, locks and stages; leaving without an exception commits, leaving with
    one discards. Write into :attr:`staging`; :meth:`final` maps a staged path to its place.
    """

    def __init__(self, path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = (),
                 names: Sequence[str] = (), command: str = "") -> None:
        self.path = Path(path)
        self.inputs = [Path(p) for p in inputs]
        self.names = tuple(names)
        self.command = command
        self.staging: Path = Path()
        self.committed: dict[str, Path] = {}
        self._lock: _Lock | None = None
        self._created: list[Path] = []
        self._open = False

    # ----------------------------------------------------------------- open / close
    def open(self) -> Self:
        """Check the folder, lock it and make the staging folder; OutputPathError when it cannot."""
        what = f"output folder {self.path}"
        if self.path.exists() and not self.path.is_dir():
            raise OutputPathError(f"{what}: is a file, not a folder")
        self._check_inputs()
        for rel in self.names:
            target = self.path / rel
            if "*" not in rel and target.is_dir():
                raise OutputPathError(f"{what}: {rel} there is a folder, so formcheck cannot write its {rel}")
            parent = target.parent
            if parent != self.path and parent.exists() and not parent.is_dir():
                raise OutputPathError(f"{what}: {parent.name} there is a file, so formcheck cannot make its {parent.name}/ folder")
        self._created = _prepare_folder(self.path, lambda problem: f"{what}: {problem}")
        try:
            self._lock = _Lock(self.path / LOCK_NAME, what)
            self._lock.acquire()
            self._check_owner()  # under the lock: no run of another command can write the manifest meanwhile
            self._check_not_ours()
            self._remove_stale_staging()
            self.staging = self._make_staging()
        except BaseException:
            self._release()
            raise
        self._open = True
        return self

    def _check_inputs(self) -> None:
        if not self.inputs or not self.path.is_dir():
            return
        for item in self.inputs:
            for rel in (*self.names, MANIFEST_NAME, LOCK_NAME):
                for target in (self.path.glob(rel) if "*" in rel else [self.path / rel]):
                    if _same_file(target, item):
                        raise OutputIsInputError(
                            f"output folder {self.path}: its {target.relative_to(self.path).as_posix()} is the input {item}; "
                            "formcheck would overwrite it, so choose another output folder (-o)"
                        )

    def _check_owner(self) -> None:
        """Refuse a folder another command wrote: committing would remove that run's files as stale."""
        if self.command:
            refuse_foreign_run(self.path, self.command)

    def _check_not_ours(self) -> None:
        """Refuse to replace a file formcheck did not put there (a user's own ``report.html`` in OUTDIR, say):
        only the files listed in the folder's manifest are formcheck's to replace."""
        self._refuse_replacing([rel for rel in self.names if "*" not in rel], read_manifest(self.path))

    def _refuse_replacing(self, names: Iterable[str], ours: Iterable[str]) -> None:
        """OutputNotOursError when one of ``names`` (relative to OUTDIR) exists and is not in ``ours``.

        Checked before any work for the fixed names, and again at the commit for every file (a still's name,
        ``stills/overstride_left.png``, is known only then)."""
        ours = set(ours)
        for name in names:
            target = self.path / name
            if (target.is_file() or target.is_symlink()) and name not in ours:
                raise OutputNotOursError(
                    f"output folder {self.path}: its {name} is not one formcheck wrote there (not in {MANIFEST_NAME}) "
                    "and would be replaced; move it or choose another output folder (-o)"
                )

    def _staging_prefix(self, inside: bool) -> str:
        return _STAGING_TAG if inside else f".{self.path.resolve().name}{_STAGING_TAG}"

    def _make_staging(self) -> Path:
        """A fresh folder beside OUTDIR on the same file system (inside it when that is not possible)."""
        resolved = self.path.resolve()
        if resolved.parent != resolved:
            try:
                staging = Path(tempfile.mkdtemp(dir=resolved.parent, prefix=self._staging_prefix(False)))
            except OSError:
                staging = None
            if staging is not None:
                if staging.stat().st_dev == resolved.stat().st_dev:
                    return staging
                staging.rmdir()
        try:
            return Path(tempfile.mkdtemp(dir=resolved, prefix=self._staging_prefix(True)))
        except OSError as exc:
            raise OutputPathError(f"output folder {self.path}: cannot write there ({_reason(exc)})") from exc

    def _remove_stale_staging(self) -> None:
        """Staging folders of earlier runs into this folder that were killed (we hold the lock now)."""
        resolved = self.path.resolve()
        for folder, prefix in ((resolved.parent, self._staging_prefix(False)), (resolved, self._staging_prefix(True))):
            pattern = re.compile(re.escape(prefix) + r"[A-Za-z0-9_]{8}")
            with contextlib.suppress(OSError):
                for entry in folder.iterdir():
                    if pattern.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry, ignore_errors=True)

    def close(self, success: bool) -> None:
        """Commit (``success``) or discard the staged files; release the lock."""
        if not self._open:
            return
        try:
            if success:
                self.commit()
        finally:
            self._open = False
            shutil.rmtree(self.staging, ignore_errors=True)
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if not self.committed:
            _remove_empty(self._created)

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self.close(success=exc_type is None)
        except OSError as failed:  # the commit itself
            if is_write_failure(failed):
                raise OutputWriteError(write_failure_message(f"output folder {self.path}", failed)) from failed
            raise
        if is_write_failure(exc):  # a stage writing into the staging folder (discarded above)
            raise OutputWriteError(write_failure_message(f"output folder {self.path}", exc)) from exc

    # ----------------------------------------------------------------- paths
    def final(self, staged: str | os.PathLike[str]) -> Path:
        """Where a staged path lands in OUTDIR."""
        return self.path / Path(staged).relative_to(self.staging)

    # ----------------------------------------------------------------- the swap
    def commit(self) -> dict[str, Path]:
        """Move the staged files into OUTDIR and remove formcheck's stale ones; returns rel -> final path."""
        new = [rel for rel in _files_under(self.staging) if rel not in (MANIFEST_NAME, LOCK_NAME)]
        old = read_manifest(self.path)
        for rel in new:  # anything in the way is found before the first file moves
            target = self.path / rel
            if target.is_dir() and not target.is_symlink():
                raise OutputPathError(f"output folder {self.path}: {rel} there is a folder, so formcheck cannot write its {rel}")
            for parent in Path(rel).parents:
                p = self.path / parent
                if parent != Path(".") and p.exists() and not p.is_dir():
                    raise OutputPathError(f"output folder {self.path}: {parent} there is a file, so formcheck cannot make its {parent}/ folder")
        self._refuse_replacing(new, old)
        stale = [rel for rel in old if rel not in new and _is_input(self.path / rel, self.inputs) is None]
        for rel in new:
            _fsync(self.staging / rel)
        with _signals_held():
            self._write_manifest(sorted(set(old) | set(new)), complete=False)
            for rel in new:
                target = self.path / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.staging / rel, target)
            emptied = set()
            for rel in stale:
                target = self.path / rel
                if target.is_symlink() or target.is_file():
                    target.unlink()
                for parent in Path(rel).parents:
                    if parent != Path("."):
                        emptied.add(self.path / parent)
            _remove_empty(emptied)
            self._write_manifest(new, complete=True)
            for folder in {self.path, *((self.path / rel).parent for rel in new)}:
                _fsync(folder, directory=True)
        self.committed = {rel: self.path / rel for rel in new}
        return self.committed

    def _write_manifest(self, files: list[str], *, complete: bool) -> None:
        from . import __version__

        data: dict[str, Any] = {
            "about": "files formcheck wrote here; the next run into this folder replaces or removes them, and no others",
            "formcheck": __version__, "command": self.command, "complete": complete, "files": files,
        }
        target = self.path / MANIFEST_NAME
        tmp = self.staging / MANIFEST_NAME
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        _fsync(tmp)
        os.replace(tmp, target)


# ------------------------------------------------------------------------------------ single files
class OutputFiles:
    """Single output files (``pose``: the track and its CSV) replaced together when the run succeeds.

    Each target gets a unique temporary path beside it (:meth:`staged`); leaving the context
    without an exception renames them all onto their targets, with one an exception removes them.
    A lock beside the first target (``.NAME.formcheck.lock``) keeps a second run out.
    """

    def __init__(self, targets: Iterable[str | os.PathLike[str]], *, inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.targets = [Path(t) for t in targets]
        self.inputs = [Path(p) for p in inputs]
        self._staged: dict[Path, Path] = {}
        self._lock: _Lock | None = None
        self._created: list[Path] = []
        self._done = False

    def __enter__(self) -> Self:
        for i, target in enumerate(self.targets):
            if any(target.resolve() == other.resolve() for other in self.targets[:i]):
                raise OutputPathError(f"{target}: named twice as an output")
            if target.is_dir():
                raise OutputPathError(f"output {target}: is a folder, not a file")
            source = _is_input(target, self.inputs)
            if source is not None:
                raise OutputIsInputError(f"output {target}: is the input {source}; formcheck would overwrite it, so choose another name")
        try:
            for target in self.targets:
                self._created += _prepare_folder(target.parent, lambda problem, t=target: f"output {t}: its folder {t.parent} {problem}")
            first = self.targets[0]
            self._lock = _Lock(first.with_name(f".{first.name}{LOCK_NAME}"), f"output {first}")
            self._lock.acquire()
            for target in self.targets:
                fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}{_STAGING_TAG}", suffix=target.suffix)
                os.close(fd)
                self._staged[target] = Path(name)
        except OSError as exc:
            self._discard()
            raise OutputPathError(f"output {target}: cannot write there ({_reason(exc)})") from exc
        except BaseException:
            self._discard()
            raise
        return self

    def staged(self, target: str | os.PathLike[str]) -> Path:
        """The temporary path to write ``target`` to."""
        return self._staged[Path(target)]

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        what = f"output {self.targets[0]}"
        try:
            if exc_type is None:
                for tmp in self._staged.values():
                    _chmod_default(tmp)
                    _fsync(tmp)
                with _signals_held():
                    for target, tmp in self._staged.items():
                        os.replace(tmp, target)
                self._done = True
                for folder in {t.parent for t in self._staged}:
                    _fsync(folder, directory=True)
        except OSError as failed:
            if is_write_failure(failed):
                raise OutputWriteError(write_failure_message(what, failed)) from failed
            raise
        finally:
            self._discard()
        if is_write_failure(exc):  # writing a staged file (removed above)
            raise OutputWriteError(write_failure_message(what, exc)) from exc

    def _discard(self) -> None:
        for tmp in self._staged.values():
            tmp.unlink(missing_ok=True)
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if not self._done:
            _remove_empty(self._created)

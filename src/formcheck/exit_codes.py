"""Exit codes of every command and the library errors they stand for (README's table), in one place.

The CLI and ``formcheck batch`` (whose batch.csv records each clip's code) both read them here. Errors
are named by module and class so that importing this module imports none of the analysis stages
(``formcheck --help`` stays fast).
"""

from __future__ import annotations

EXIT_INTERNAL = 1  # a bug: FORMCHECK_DEBUG=1 shows the traceback
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_NOTHING_TO_ANALYSE = 4
EXIT_MODEL = 5
EXIT_OUTPUT = 6

MAX_FPS = 1000.0  # phones film slow motion at up to 960 fps; above this --fps is a typo

ERROR_CODES: dict[str, int] = {
    "formcheck.video.VideoReadError": EXIT_BAD_INPUT,
    "formcheck.pose_track.PoseTrackFormatError": EXIT_BAD_INPUT,
    "formcheck.pose.NoPersonError": EXIT_NOTHING_TO_ANALYSE,
    "formcheck.pose.PoseModelError": EXIT_MODEL,
    "formcheck.analysis.AnalysisError": EXIT_NOTHING_TO_ANALYSE,
    "formcheck.compare.NotComparableError": EXIT_NOTHING_TO_ANALYSE,  # two runs that cannot be compared (--force)
    "formcheck.compare_clip.SideBySideError": EXIT_NOTHING_TO_ANALYSE,
    "formcheck.atomic.OutputPathError": EXIT_OUTPUT,
}


def exit_code_for(exc: BaseException) -> int | None:
    """The exit code of a library error (its class or a base class is in ERROR_CODES), None for anything else."""
    for kind in type(exc).__mro__:
        code = ERROR_CODES.get(f"{kind.__module__}.{kind.__qualname__}")
        if code is not None:
            return code
    return None


def fps_problem(fps: float | None, file_fps: float, name: str) -> str | None:
    """Why ``fps`` (the real capture rate of slow-motion footage) cannot be right for a file holding ``file_fps``
    frames per second, or None when it can."""
    if fps is None:
        return None
    allowed = f"{file_fps:g} to {MAX_FPS:g}" if file_fps > 0 else f"1 to {MAX_FPS:g}"
    if not fps >= 1.0:  # NaN too
        return f"--fps {fps:g} is not a frame rate: give the real capture rate of the footage, {allowed}"
    if fps > MAX_FPS:
        return f"--fps {fps:g} is above any phone's frame rate: give the real capture rate of the footage, {allowed}"
    if file_fps > 0 and fps < file_fps * 0.99:
        return (f"--fps {fps:g} is impossible for {name}: the file itself holds {file_fps:g} frames/s, and --fps is the "
                f"real capture rate of slow-motion footage, so it must be {file_fps:g} to {MAX_FPS:g}")
    return None

"""formcheck: side-view running form from a phone video (overstride, hip extension).

The library's front door (each imported on first use, so that ``import formcheck`` and the CLI's ``--help`` stay
free of numpy and the pose model)::

    from formcheck import analyze
    result = analyze("run.mp4", height_cm=178)

(Two runs are compared with ``formcheck.compare.compare``: ``formcheck.compare`` is that module's name.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analysis import Analysis, analyze, analyze_track
    from .compare import load_analysis_json
    from .pose_track import PoseTrack

# public name -> the module that defines it
_EXPORTS = {
    "Analysis": "analysis",
    "analyze": "analysis",
    "analyze_track": "analysis",
    "load_analysis_json": "compare",
    "PoseTrack": "pose_track",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.4.0"


def __getattr__(name: str) -> Any:
    """``formcheck.analyze`` and the rest on first use (see the module docstring)."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'formcheck' has no attribute {name!r}")

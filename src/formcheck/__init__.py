"""formcheck: side-view running form from a phone video (overstride, hip extension)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .pose_track import PoseTrack

__all__ = ["PoseTrack"]
__version__ = "0.4.0"


def __getattr__(name: str) -> Any:
    """``formcheck.PoseTrack`` on first use: importing the package (the CLI's ``--help``) stays free of numpy."""
    if name == "PoseTrack":
        from .pose_track import PoseTrack

        return PoseTrack
    raise AttributeError(f"module 'formcheck' has no attribute {name!r}")

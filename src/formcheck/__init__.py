"""formcheck: side-view running form from a phone video (overstride, hip extension)."""

from .pose_track import PoseTrack

__all__ = ["PoseTrack"]
__version__ = "0.1.0"

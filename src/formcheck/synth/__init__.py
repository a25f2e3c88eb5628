"""Synthetic runners with known form: gait model, synthetic pose tracks, video renderer."""

from .gait import Camera, GaitParams, SyntheticGait, simulate_gait, to_pose_track

__all__ = ["Camera", "GaitParams", "SyntheticGait", "simulate_gait", "to_pose_track"]

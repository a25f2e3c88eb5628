"""Build ``models/pose_landmarker_full.task`` from the PyPI wheel of mediapipe 0.10.21.

Why this exists: the official ``.task`` bundles are hosted where this project's machines
cannot reach, but the mediapipe 0.10.21 wheel on PyPI ships the two raw TFLite models the
Pose Landmarker "full" bundle is made of. The 1.x Tasks API refuses raw models whose image
input tensors carry no TFLite metadata (NormalizationOptions), so this script adds it with
0.10.21's own metadata writer (1.x's copy is broken) and zips the pair into a ``.task``.

Run it with no arguments: it creates a throwaway virtualenv with ``mediapipe==0.10.21`` and
``numpy<2`` (what that writer needs), re-runs itself there with ``--inside``, and writes the
bundle deterministically (fixed zip timestamps), so the sha256 is reproducible.

    python scripts/build_pose_model.py            # writes models/pose_landmarker_full.task
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "models" / "pose_landmarker_full.task"
MEDIAPIPE_WHEEL_VERSION = "0.10.21"

# (file inside the .task, file inside the wheel, input normalisation mean, std)
# The detector (BlazePose detector) takes pixels in [-1, 1]; the landmark model takes [0, 1].
PARTS = [
    ("pose_detector.tflite", "modules/pose_detection/pose_detection.tflite", 127.5, 127.5),
    ("pose_landmarks_detector.tflite", "modules/pose_landmark/pose_landmark_full.tflite", 0.0, 255.0),
]
ZIP_TIMESTAMP = (2024, 1, 1, 0, 0, 0)


def _with_metadata(model_bytes: bytes, name: str, mean: float, std: float) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model_bytes))
    writer.add_general_info(name, "MediaPipe BlazePose (Apache-2.0), repackaged by formcheck")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    model_with_metadata, _ = writer.populate()
    return bytes(model_with_metadata)


def build_inside(output: Path) -> None:
    """Runs in the throwaway venv where mediapipe 0.10.21 is importable."""
    import mediapipe

    package_dir = Path(mediapipe.__file__).parent
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".task.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as bundle:
        for member, source, mean, std in PARTS:
            data = _with_metadata((package_dir / source).read_bytes(), member, mean, std)
            info = zipfile.ZipInfo(member, date_time=ZIP_TIMESTAMP)
            info.external_attr = 0o644 << 16
            bundle.writestr(info, data)
    tmp.replace(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        build_inside(args.output)
        return
    with tempfile.TemporaryDirectory() as tmp:
        env_dir = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        python = env_dir / "bin" / "python"
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"mediapipe=={MEDIAPIPE_WHEEL_VERSION}", "numpy<2"],
            check=True,
        )
        subprocess.run([str(python), __file__, "--inside", "--output", str(args.output)], check=True)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"{args.output}  sha256={digest}")


if __name__ == "__main__":
    sys.exit(main())

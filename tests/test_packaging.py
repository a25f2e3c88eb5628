"""What ``pip install .`` ships: every package under src/, and the bundled pose model from the repo's models/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from formcheck.pose import DEFAULT_MODEL_NAME, bundled_model_path

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "models" / DEFAULT_MODEL_NAME


def _setuptools_config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_under_src_is_listed_in_pyproject() -> None:
    """pyproject lists its packages (models/ is mapped in from outside src/): a new subpackage must be added there."""
    listed = set(_setuptools_config()["packages"])
    on_disk = {
        ".".join(d.relative_to(REPO / "src").parts)
        for d in [REPO / "src" / "formcheck", *(REPO / "src" / "formcheck").rglob("*")]
        if d.is_dir() and d.name != "__pycache__" and any(f.suffix in (".py", ".json") for f in d.iterdir())
    }
    assert on_disk <= listed, sorted(on_disk - listed)


def test_models_folder_is_installed_as_formcheck_models() -> None:
    config = _setuptools_config()
    assert config["package-dir"]["formcheck.models"] == "models"
    assert "*.task" in config["package-data"]["formcheck.models"]
    assert bundled_model_path().read_bytes() == MODEL.read_bytes()


@pytest.mark.slow
def test_non_editable_install_finds_the_packaged_model(tmp_path: Path) -> None:
    """Build and install the package (not editable, from a copy of the files the build reads) and ask it for its
    model: the path lies inside the installed package and holds the same bytes as models/."""
    source = tmp_path / "source"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(REPO / "src", source / "src", ignore=ignore)
    shutil.copytree(REPO / "models", source / "models", ignore=ignore)
    target = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import formcheck.pose as p; "
             "print(p.__file__); print(p.default_model_path())")
    env = {k: v for k, v in os.environ.items() if k != "FORMCHECK_MODEL"}
    result = subprocess.run([sys.executable, "-c", probe, str(target)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    module_file, model_path = (Path(line) for line in result.stdout.split())
    assert module_file.is_relative_to(target), module_file
    assert model_path == target / "formcheck" / "models" / DEFAULT_MODEL_NAME
    assert model_path.read_bytes() == MODEL.read_bytes()


def test_the_package_front_door_is_lazy_and_complete() -> None:
    """`from formcheck import analyze` failed (a newcomer's test); importing the package must not pull numpy in."""
    code = ("import sys, formcheck; assert 'numpy' not in sys.modules; "
            "from formcheck import analyze, analyze_track, Analysis, load_analysis_json, PoseTrack; "
            "import formcheck.analysis as a, formcheck.compare as c, formcheck.pose_track as p; "
            "assert (analyze, analyze_track, Analysis) == (a.analyze, a.analyze_track, a.Analysis); "
            "assert load_analysis_json is c.load_analysis_json and PoseTrack is p.PoseTrack; "
            "assert sorted(formcheck.__all__) == sorted(['analyze', 'analyze_track', 'Analysis', 'load_analysis_json', 'PoseTrack'])")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

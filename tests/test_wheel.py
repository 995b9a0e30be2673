"""The iris CSV ships inside the wheel, and load_iris works from an installed, non-editable copy.

The wheel is built from a copy of the source tree in a temporary folder (so the build leaves no
``build/`` or ``*.egg-info`` behind in the checkout), installed with ``pip install --target``
into another temporary folder, and imported from there by a fresh interpreter whose working
directory is outside the repository.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _can_build_wheels_offline():
    """pip and a setuptools that builds wheels by itself (>= 70.1) or with the wheel package."""
    if importlib.util.find_spec("pip") is None or importlib.util.find_spec("setuptools") is None:
        return False
    if importlib.util.find_spec("wheel") is not None:
        return True
    from importlib.metadata import version

    major, minor = (int(part) for part in version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1)


pytestmark = pytest.mark.skipif(
    not _can_build_wheels_offline(),
    reason="building a wheel without build isolation needs pip and setuptools >= 70.1 (or the "
    "wheel package); a fresh virtual environment may ship an older setuptools",
)

CHECK = """
import json, sys
import tinygrad_ce
from tinygrad_ce.datasets import load_iris
X, y, feature_names, target_names = load_iris()
print(json.dumps({
    "file": tinygrad_ce.__file__,
    "shape": list(X.shape),
    "dtypes": [str(X.dtype), str(y.dtype)],
    "counts": [int((y == k).sum()) for k in range(3)],
    "targets": target_names,
}))
"""


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns(
        ".git",
        "runs",
        "build",
        "dist",
        "*.egg-info",
        "__pycache__",
        "*.pyc",
        ".*cache",
        ".hypothesis",
        "*.npz",
    )
    shutil.copytree(REPO, source, ignore=ignore, dirs_exist_ok=True)
    dist = tmp_path_factory.mktemp("dist")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            ".",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "-q",
            "-w",
            str(dist),
        ],
        cwd=source,
    )
    wheels = list(dist.glob("tinygrad_ce-*.whl"))
    assert len(wheels) == 1, os.listdir(dist)
    return wheels[0]


def test_the_wheel_contains_the_iris_csv(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "tinygrad_ce/datasets/iris.csv" in names
        csv_text = zf.read("tinygrad_ce/datasets/iris.csv").decode("utf-8")
    assert csv_text == (REPO / "tinygrad_ce" / "datasets" / "iris.csv").read_text("utf-8")
    assert "tinygrad_ce/nn/module.py" in names and "tinygrad_ce/optim/__init__.py" in names


def test_load_iris_from_an_installed_non_editable_copy(wheel, tmp_path):
    target = tmp_path / "site"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ]
    )
    assert (target / "tinygrad_ce" / "datasets" / "iris.csv").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = str(target)
    output = run([sys.executable, "-c", CHECK], cwd=elsewhere, env=env)
    facts = json.loads(output.strip().splitlines()[-1])
    assert Path(facts["file"]).resolve().is_relative_to(target.resolve())  # not the checkout
    assert facts["shape"] == [150, 4]
    assert facts["dtypes"] == ["float64", "int64"]
    assert facts["counts"] == [50, 50, 50]
    assert facts["targets"] == ["setosa", "versicolor", "virginica"]

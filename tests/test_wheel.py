"""The built wheel, installed as a user installs it (not editable), runs the main job with its bundled taxonomy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _source_copy(target: Path) -> Path:
    """The files git would ship (tracked, or new and not ignored), so no stale build/ leaks into the wheel."""
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], capture_output=True, text=True,
                           check=True, cwd=ROOT).stdout.splitlines()
    for name in names:
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def test_wheel_installs_non_editable_and_analyzes_the_sample(tmp_path):
    dist = tmp_path / "dist"
    source = _source_copy(tmp_path / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(source)], check=True, cwd=tmp_path)
    (wheel,) = dist.glob("nps_text-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # the dependencies come from this test's environment, nps-text itself only from the wheel: site-packages
    # joins through a .pth line, whose own .pth files (this checkout's editable finder) are not run
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   cwd=tmp_path)
    where = subprocess.run([str(python), "-c", "import nps_text; print(nps_text.__file__, nps_text.__version__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert where.startswith(str(site)), where  # the installed copy, not this checkout

    out = tmp_path / "out"
    result = subprocess.run([str(env_dir / "bin" / "nps-text"), "analyze", str(ROOT / "data" / "sample_survey.csv"),
                             "--taxonomy", "default", "--no-drivers", "-o", str(out)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    themes = (out / "theme_summary.csv").read_text(encoding="utf-8")
    assert "price" in themes or "preis" in themes.lower()
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["n"] == 3000

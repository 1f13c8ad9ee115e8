"""One build of the shipped graph per test session, made through the real CLI, shared read-only."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


def virtkg(*args: str, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI as a user would, in a separate process."""
    result = subprocess.run([sys.executable, "-m", "api", *args], capture_output=True, text=True,
                            cwd=cwd, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"virtkg {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    virtkg("build", "--quiet", "--out", str(out))
    return out


@pytest.fixture(scope="session")
def store(build_dir):
    from kg.store import EmbeddedStore
    return EmbeddedStore.open(build_dir)


@pytest.fixture()
def facts_copy(tmp_path) -> Path:
    """A writable copy of the shipped fact files, for tests that add a broken one."""
    target = tmp_path / "facts"
    target.mkdir()
    for path in (ROOT / "kg" / "facts").glob("*.trig"):
        shutil.copy(path, target)
    return target

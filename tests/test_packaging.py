"""A plain (non-editable) install must carry the ontology, facts, rules and queries as package data,
and serve from any working directory, a checkout of virtkg included."""

import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, free_port


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel of this checkout installed into a folder of its own; returns that folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    wheels, site = tmp / "wheels", tmp / "site"
    made = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-w", str(wheels), str(ROOT)], check=True, capture_output=True, text=True)
    # The package itself must build without a warning (pip's own notes on this machine's indexes aside).
    warnings = [line for line in (made.stdout + made.stderr).splitlines()
                if "warn" in line.lower() and "Location 'file:" not in line]
    assert warnings == [], "\n".join(warnings)
    wheel = next(wheels.glob("virtkg-*.whl"))
    assert {"LICENSE", "LICENSE-DATA"} <= {Path(n).name for n in zipfile.ZipFile(wheel).namelist()}
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    return site


def test_wheel_install_builds_from_package_data(installed, tmp_path):
    # Only the installed copy of virtkg may be importable: run from an empty folder with it first on the path.
    env = {**os.environ, "PYTHONPATH": str(installed), "PYTHONSAFEPATH": "1"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "api", *args], cwd=tmp_path, env=env,
                                       capture_output=True, text=True, timeout=300)
    where = subprocess.run([sys.executable, "-c", "import kg; print(kg.__file__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert where.stdout.startswith(str(installed)), where.stdout + where.stderr
    built = run("build", "--quiet", "--out", "b")
    assert built.returncode == 0, built.stderr
    answer = run("query", "--out", "b", "ASK { ?kvm a <https://w3id.org/virtkg/ontology/Type1Hypervisor> }")
    assert answer.stdout.strip() == "true"


@pytest.fixture(scope="module")
def plain_python(installed, tmp_path_factory) -> str:
    """A Python that sees virtkg only as installed (no editable finder) and its dependencies from this
    venv's site-packages, added as a plain path so that their .pth hooks (the editable one) do not run."""
    venv = tmp_path_factory.mktemp("plain") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "deps.pth").write_text(f"{installed}\n{next(p for p in sys.path if p.endswith('site-packages'))}\n")
    return str(venv / "bin" / "python")


def test_production_server_from_inside_a_checkout_runs_the_installed_copy(plain_python, build_dir):
    """The installed virtkg, started in a checkout (whose api/ and kg/ folders are not a package with
    its data), must import itself, not the checkout, in every server process."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    server = subprocess.Popen([plain_python, "-P", "-m", "api", "serve", "--production", "--workers", "2",
                               "--out", str(build_dir), "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/timeline", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)

"""A plain (non-editable) install must carry the ontology, facts, rules and queries as package data."""

import os
import subprocess
import sys

from conftest import ROOT


def test_wheel_install_builds_from_package_data(tmp_path):
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("virtkg-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    # Only the installed copy of virtkg may be importable: run from an empty folder with it first on the path.
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "api", *args], cwd=work, env=env,
                                       capture_output=True, text=True, timeout=300)
    where = subprocess.run([sys.executable, "-c", "import kg; print(kg.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True)
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    built = run("build", "--quiet", "--out", "b")
    assert built.returncode == 0, built.stderr
    answer = run("query", "--out", "b", "ASK { ?kvm a <https://w3id.org/virtkg/ontology/Type1Hypervisor> }")
    assert answer.stdout.strip() == "true"

"""The README's tour is run as written, and its printed output must be what the commands print now, so
the README cannot drift from the product. Only what changes from run to run is masked: step timings,
build ids and the folder a build went to."""

import os
import re
import subprocess
import sys

from conftest import ROOT

VARYING = [(re.compile(r"\(\d+\.\d+ s\)"), "(… s)"), (re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{10}"), "<build>")]


def tour() -> list[tuple[str, str]]:
    """The (command, output) pairs of the README's console block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## A five-minute tour.*?```console\n(.*?)```", text, re.S).group(1)
    steps = []
    for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
        command, _, output = chunk.partition("\n")
        steps.append((command, output.strip("\n")))
    return steps


def masked(text: str, build_dir: str) -> str:
    text = text.replace(build_dir, "build")
    for pattern, mask in VARYING:
        text = pattern.sub(mask, text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def test_the_tour_prints_what_the_readme_shows(tmp_path):
    builds = tmp_path / "build"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "virtkg").write_text(f"#!/bin/sh\nexec {sys.executable} -m api \"$@\"\n")
    (bin_dir / "virtkg").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "VIRTKG_BUILD_DIR": str(builds)}
    steps = tour()
    assert len(steps) >= 5
    for command, shown in steps:
        run = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        printed = masked(run.stderr + run.stdout, str(builds))
        assert printed == masked(shown, str(builds)), f"README tour: `{command}` now prints:\n{printed}"

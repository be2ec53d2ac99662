"""Fail unless the sdist holds exactly the project's own files.

Every member must be a file git tracks (plus the PKG-INFO the build writes), and the project's
sources, tests and docs must all be there. Fails on an untracked folder swept in (a local venv
holding a ``tests/`` directory, build output, caches) and on a source file left out.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

GENERATED = {"PKG-INFO"}
REQUIRED_PREFIXES = ("seatable_async/", "tests/", "docs/")
REQUIRED_FILES = {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"}


def main(sdist: str) -> int:
    root = Path(__file__).resolve().parent.parent
    tracked = set(
        subprocess.run(
            ["git", "ls-files"], cwd=root, check=True, capture_output=True, text=True
        ).stdout.splitlines()
    )
    with tarfile.open(sdist) as archive:
        members = [m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile()]
    packed = set(members)
    foreign = sorted(name for name in packed - GENERATED if name not in tracked)
    wanted = {
        name for name in tracked if name.startswith(REQUIRED_PREFIXES) or name in REQUIRED_FILES
    }
    missing = sorted(wanted - packed)
    for name in foreign:
        print(f"sdist: not a project file: {name}")
    for name in missing:
        print(f"sdist: project file left out: {name}")
    print(f"sdist: {len(packed)} files, {len(foreign)} foreign, {len(missing)} missing")
    return 1 if foreign or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

"""Run by the Python of a venv holding the wheel without extras; fails unless what needs an
extra names the exact ``pip install`` line (and prints no traceback), while the core works.

Checks: the package imports and a Client opens and closes; ``seatable-async`` (no arguments,
``--help``, ``demo``) exits non-zero naming ``pip install "seatable-async[cli]"``; the
emulator's ``serve()`` fails naming ``pip install "seatable-async[emulator]"``, and so does
``python -m seatable_async.emulator`` (exit non-zero).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CLI_LINE = 'pip install "seatable-async[cli]"'
EMULATOR_LINE = 'pip install "seatable-async[emulator]"'

SERVE = """
import anyio
try:
    from seatable_async.emulator import Emulator

    async def main() -> None:
        async with Emulator().serve():
            pass

    anyio.run(main)
except Exception as error:
    print(type(error).__name__, error)
"""

CORE = """
import anyio
import seatable_async as sa

async def main() -> None:
    async with sa.Client("https://cloud.seatable.io") as client:
        print("core:", type(client).__name__, sa.__version__)

anyio.run(main)
"""


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def main() -> int:
    failures: list[str] = []
    core = run([sys.executable, "-c", CORE])
    print(core.stdout.strip() or core.stderr.strip())
    if core.returncode != 0:
        failures.append(f"core without extras failed: {core.stderr.strip()}")

    script = str(Path(sys.executable).with_name("seatable-async"))
    for args in ([], ["--help"], ["demo"]):
        done = run([script, *args])
        output = done.stdout + done.stderr
        shown = " ".join(["seatable-async", *args])
        print(f"{shown}: exit {done.returncode}: {output.strip()}")
        if done.returncode == 0 or CLI_LINE not in output or "Traceback" in output:
            failures.append(f"{shown} does not name {CLI_LINE!r} cleanly")

    served = run([sys.executable, "-c", SERVE])
    output = served.stdout + served.stderr
    print(f"Emulator().serve(): {output.strip()}")
    if EMULATOR_LINE not in output or "Traceback" in output:
        failures.append(f"Emulator().serve() does not name {EMULATOR_LINE!r} cleanly")

    module = run([sys.executable, "-m", "seatable_async.emulator", "--port", "0"])
    output = module.stdout + module.stderr
    print(f"python -m seatable_async.emulator: exit {module.returncode}: {output.strip()}")
    if module.returncode == 0 or EMULATOR_LINE not in output or "Traceback" in output:
        failures.append(f"python -m seatable_async.emulator does not name {EMULATOR_LINE!r}")

    for failure in failures:
        print("bare wheel:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

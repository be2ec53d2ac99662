"""``docs/recipes/webhooks.md`` runs as written: its Python blocks, in order, are one program
(the FastAPI app, the registration helper, the offline run against the emulator)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

RECIPE = Path(__file__).resolve().parents[2] / "docs" / "recipes" / "webhooks.md"


def program() -> str:
    blocks = re.findall(r"^```python[^\n]*\n(.*?)^```", RECIPE.read_text(), re.S | re.M)
    assert len(blocks) == 3
    return "\n\n".join(blocks)


def test_the_recipe_runs_against_the_emulator(tmp_path: Path) -> None:
    script = tmp_path / "recipe.py"
    script.write_text(program())
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("2 orders received; deliveries: ")
    # Two inserts and the app's two write-backs, each delivered once.
    assert "'sent': 4" in last and "'delivered': 4" in last

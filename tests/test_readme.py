"""The README's Python snippet runs as written, and its figures are the CLI's figures."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from frontlines.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _python_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_python_snippet_runs(tmp_path, monkeypatch, capsys) -> None:
    (tmp_path / "src").symlink_to(ROOT / "src")  # the snippet names the bundled demo by its repo path
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(_python_snippet(), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    change = namespace["change"]
    assert change.as_dict()["net_km2"] == pytest.approx(change.gained_km2 - change.lost_km2, abs=0.002)
    assert len(namespace["table"]) == len(change.as_dict()["regions"])
    assert set(namespace["shapes"]["kind"]) <= {"gained", "lost", "redraw"}  # redraw pieces, when any, come after
    assert list(namespace["shapes"]["kind"])[:2] == ["gained", "lost"]
    namespace["store"].close()
    # The same figures through the CLI: one front door.
    assert main(["change", "--store", "war.db", "--from", "2025-06-01", "--to", "2025-06-30", "--by", "oblast", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == change.as_dict()
    assert os.path.exists("war.db")

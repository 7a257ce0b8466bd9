"""The visual commands end to end through the CLI entry point."""

from __future__ import annotations

import json

import pytest

from frontlines.cli import main

pytestmark = pytest.mark.realdata


def test_chart_map_commands(history_store, tmp_path, capsys) -> None:
    s = str(history_store.path)
    assert main(["chart", "change", "--store", s, "--from", "2022-09-02", "--to", "2022-09-15",
                 "--out", str(tmp_path / "bars.svg")]) == 0
    assert (tmp_path / "bars.svg").read_text().lstrip().startswith("<?xml")
    assert main(["chart", "area", "--store", s, "--source", "deepstate-history", "--compare", "isw",
                 "--from", "2022-09-02", "--to", "2022-09-15", "--out", str(tmp_path / "area.png")]) == 0
    capsys.readouterr()
    assert main(["map", "--store", s, "--source", "deepstate-history", "--at", "2022-09-10",
                 "--out", str(tmp_path / "state.png"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["map"] == "state" and "russia:contested" in doc["layers"]
    assert (tmp_path / "state.png").stat().st_size > 50_000
    assert main(["map", "--store", s, "--source", "deepstate-history", "--from", "2022-09-08", "--to", "2022-09-12",
                 "--bbox", "36.5,49.0,38.5,50.4", "--out", str(tmp_path / "change.png")]) == 0
    assert (tmp_path / "change.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_errors(history_store, tmp_path, capsys) -> None:
    s = str(history_store.path)
    assert main(["map", "--store", s, "--out", str(tmp_path / "x.png")]) == 2  # a usage error
    assert "--from and --to" in capsys.readouterr().err
    assert main(["map", "--store", s, "--from", "2022-09-05", "--to", "2022-09-06", "--out", str(tmp_path / "x.jpg")]) == 2  # a usage error
    assert ".png or .svg" in capsys.readouterr().err
    assert main(["chart", "pie", "--store", s, "--from", "2022-09-05", "--to", "2022-09-06", "--out", str(tmp_path / "x.png")]) == 2  # a usage error
    assert main(["report", "--store", s, "--from", "2022-09-05", "--to", "2022-09-06", "--out", str(tmp_path / "r.pdf")]) == 2  # a usage error
    assert "html" in capsys.readouterr().err


def test_animate_writes_mp4_by_default_and_gif_on_request(history_store, tmp_path, capsys) -> None:
    s = str(history_store.path)
    args = ["animate", "--store", s, "--source", "deepstate-history", "--from", "2022-09-08", "--to", "2022-09-10",
            "--bbox", "36.5,49.0,38.5,50.4", "--json"]
    assert main([*args, "--out", str(tmp_path / "kharkiv")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["out"].endswith("kharkiv.mp4") and doc["frames"] == 3
    assert (tmp_path / "kharkiv.mp4").read_bytes()[4:8] == b"ftyp"  # an MP4 container
    assert main([*args, "--out", str(tmp_path / "kharkiv"), "--format", "gif"]) == 0
    capsys.readouterr()
    assert (tmp_path / "kharkiv.gif").read_bytes()[:6] == b"GIF89a"
    assert main([*args, "--out", str(tmp_path / "k.gif"), "--format", "mp4"]) == 2
    assert "--format" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "k.avi")]) == 2
    assert ".mp4 or .gif" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "k"), "--format", "webm"]) == 2
    assert not list(tmp_path.glob("k.*"))

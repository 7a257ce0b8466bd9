"""Usage errors: exit 2, exactly one line ``error: ...`` naming the option, no traceback, nothing written.

Other errors the user can provoke by typing (a store that is a folder or not a database)
exit 1 with one line. Every case runs through ``frontlines.cli.main``.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from frontlines.cli import main
from tests.helpers import dump

SQUARE = [[30.0, 48.0], [31.0, 48.0], [31.0, 49.0], [30.0, 49.0], [30.0, 48.0]]
GOOD = json.dumps(
    {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}
    ]}
).encode()


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(argv)
    _, err = capsys.readouterr()
    return rc, err


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    f = tmp_path / "seed" / "deepstatemap_data_20240401.geojson"
    f.parent.mkdir()
    f.write_bytes(GOOD)
    path = tmp_path / "s.db"
    rc, err = run(["ingest", "deepstate-daily", str(f), "--store", str(path)], capsys)
    assert rc == 0, err
    return path


CASES = [
    # dates
    (["check", "--text", "Russia took 100 km2 last week", "--published", "2024-02-31"], "--published: '2024-02-31' is not a date"),
    (["check", "--text", "Russia took 100 km2 last week", "--published", "last tuesday"], "--published: 'last tuesday'"),
    (["area", "--at", "2025-13-01"], "--at: cannot read '2025-13-01' as a date"),
    (["area", "--at", ""], "--at: empty date"),
    (["area", "--at", "9999-12-31", "--tz", "Pacific/Honolulu"], "--at: date '9999-12-31' is out of range"),
    (["change", "--from", "2024-02-30", "--to", "2024-05-01"], "--from: cannot read '2024-02-30'"),
    (["change", "--from", "2024-01-01", "--to", "soon"], "--to: cannot read 'soon'"),
    (["settlements", "--at", "2024-5-1"], "--at: cannot read '2024-5-1'"),
    (["map", "--at", "tomorrow", "--out", "{tmp}/m.png"], "--at: cannot read 'tomorrow'"),
    (["change", "--from", "2024-05-01", "--to", "2024-01-01"], "--to 2024-01-01T23:59:59Z is before --from 2024-05-01T23:59:59Z"),
    (["settlements", "--from", "2024-05-01", "--to", "2024-01-01"], "--to 2024-01-01T23:59:59Z is before --from"),
    (["settlements"], "give --at, or both --from and --to"),
    # time zones
    (["area", "--at", "2024-05-01", "--tz", "Mars/Base"], "--tz: unknown time zone 'Mars/Base'"),
    (["area", "--at", "2024-05-01", "--tz", "Europe"], "--tz: unknown time zone 'Europe'"),
    (["area", "--at", "2024-05-01", "--tz", "x" * 300], "--tz: unknown time zone"),
    (["series", "--from", "2024-01-01", "--to", "2024-05-01", "--tz", "../../etc/passwd"], "--tz: unknown time zone"),
    # choices
    (["series", "--from", "2024-01-01", "--to", "2024-05-01", "--freq", "fortnight"], "--freq: unknown frequency 'fortnight'; use one of day, week, month, year"),
    (["chart", "area", "--from", "2024-01-01", "--to", "2024-05-01", "--freq", "decade", "--out", "{tmp}/c.png"], "--freq: unknown frequency 'decade'"),
    (["area", "--at", "2024-05-01", "--by", "county"], "unknown region level 'county' for conflict 'ukraine': choose one of oblast, raion, hromada"),
    (["chart", "regions", "--from", "2024-01-01", "--to", "2024-05-01", "--by", "canton", "--out", "{tmp}/c.png"], "unknown region level 'canton'"),
    (["chart", "pie", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/c.png"], "unknown chart 'pie': choose area, change or regions"),
    (["frontline", "--at", "2024-05-01", "--contested", "middle"], "--contested: unknown grey-zone mode 'middle'"),
    (["export", "--format", "xls", "--out", "{tmp}/e.xls"], "--format: unknown export format 'xls'"),
    (["area", "--at", "2024-05-01", "--layer", "russia:bogus"], "--layer: unknown layer status 'bogus'"),
    (["ingest", "nowhere", "{tmp}/x.geojson"], "unknown source 'nowhere'"),
    (["ingest", "deepstate-daily", "{tmp}/x.geojson", "--derive", "some"], "--derive: unknown derive mode 'some'"),
    # numbers
    (["frontline", "--at", "2024-05-01", "--tolerance-km", "nan"], "--tolerance-km: must be between 0 and 50, got nan"),
    (["frontline", "--at", "2024-05-01", "--tolerance-km", "inf"], "--tolerance-km: must be between 0 and 50, got inf"),
    (["frontline", "--at", "2024-05-01", "--tolerance-km", "-1"], "--tolerance-km: must be between 0 and 50, got -1.0"),
    (["settlements", "--at", "2024-05-01", "--min-population", "-5"], "--min-population: must be a number at least 0, got -5"),
    (["settlements", "--at", "2024-05-01", "--limit", "-1"], "--limit: must be a number at least 0, got -1"),
    (["snapshots", "--limit", "-3"], "--limit: must be a number at least 0, got -3"),
    (["ingest", "deepstate-daily", "{tmp}/x.geojson", "--workers", "0"], "--workers: must be a number at least 1, got 0"),
    (["animate", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/a.gif", "--fps", "nan"], "--fps: must be between 0.1 and 60"),
    (["animate", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/a.gif", "--step", "0d"], "--step '0d' must be positive"),
    (["animate", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/a.gif", "--step", "fortnightly"], "--step 'fortnightly': expected a number"),
    (["map", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/m.png", "--dpi", "0"], "--dpi: must be a number at least 10, got 0"),
    # boxes, files, combinations
    (["map", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/m.png", "--bbox", "1,2,3"], "--bbox '1,2,3': expected four numbers"),
    (["map", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/m.png", "--bbox", "nan,1,2,3"], "--bbox 'nan,1,2,3'"),
    (["map", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/m.png", "--bbox", "10,50,20,40"], "empty map extent"),
    (["map", "--from", "2024-04-02", "--to", "2024-05-01", "--out", "{tmp}/m.png", "--bbox", "30,48,31,49", "--region", "Kharkiv"], "give --bbox or --region, not both"),
    (["map", "--at", "2024-05-01", "--from", "2024-01-01", "--out", "{tmp}/m.png"], "give either --at (one date) or --from and --to (a change), not both"),
    (["map", "--out", "{tmp}/m.png"], "give --from and --to (a change map) or --at"),
    (["map", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{store}/m.png"], "--out {store}/m.png: {store} is a file, not a folder"),
    (["export", "--format", "csv", "--out", "{store}/sub/e.csv"], "--out {store}/sub/e.csv: {store} is a file, not a folder"),
    (["export", "--format", "csv", "--out", "{tmp}"], "--out {tmp}: is a folder"),
    (["map", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/m.jpg"], "--out {tmp}/m.jpg: unsupported image type .jpg; use .png or .svg or .pdf"),
    (["chart", "area", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/c"], "unsupported image type (none)"),
    (["animate", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/a.png"], "unsupported animation type .png; use .mp4 or .gif"),
    (["report", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/r.pdf"], "unsupported report type .pdf; use .html or .htm"),
    (["animate", "--from", "2024-01-01", "--to", "2024-05-01", "--out", "{tmp}/a.gif", "--step", "0.001h"], "frames: too many (at most 2000)"),
    (["change", "--from", "2024-01-01", "--to", "2024-05-01", "--geojson", "{tmp}"], "--geojson {tmp}: is a folder"),
    (["area", "--at", "2024-05-01", "--regions", "{tmp}/missing.gpkg", "--region-field", "name"], "--regions {tmp}/missing.gpkg: no such file"),
    (["area", "--at", "2024-05-01", "--regions", "{tmp}", "--region-field", "name"], "--regions {tmp}: not a file"),
    (["check", "--file", "{tmp}/missing.txt"], "--file {tmp}/missing.txt: no such file"),
    (["check", "--text", "Russia took 100 km2", "--evidence", "{store}"], "is not a folder"),
    (["check"], "give --text, --file or '-' (stdin)"),
    (["check", "hello"], "unexpected argument 'hello': give --text, --file or '-' (stdin)"),
    (["demo", "--out", "{store}"], "--out {store}: exists and is not a folder"),
    (["ingest", "files", "{tmp}/x.geojson", "--layer", "russia", "--date", "2024-05-01"], "--layer: layer 'russia' is not of the form SIDE:STATUS"),
    (["ingest", "files", "{tmp}/x.geojson", "--layer", "russia:control", "--date", "2024-13-45"], "--date: cannot read a date from '2024-13-45'"),
    (["ingest", "files", "{tmp}/x.geojson", "--layer", "russia:control", "--date", "0001-01-01T00:00:00+05:00"], "--date: date '0001-01-01T00:00:00+05:00' is out of range"),
    # click's own usage errors, on one line too
    (["area"], "Missing option '--at'"),
    (["area", "--at", "2024-05-01", "--bogus"], "No such option: --bogus"),
    (["snapshots", "--limit", "many"], "Invalid value for '--limit'"),
    (["frontline", "--at", "2024-05-01", "--tolerance-km", "far"], "Invalid value for '--tolerance-km'"),
    (["no-such-command"], "No such command 'no-such-command'"),
]


@pytest.mark.parametrize(("argv", "fragment"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_usage_error_exits_2_with_one_line(argv, fragment, store, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{store}", str(store)) for a in argv]
    if argv[0] != "no-such-command":
        argv += ["--store", str(store)]
    before = dump(store)
    rc, err = run(argv, capsys)
    assert rc == 2, err
    line = one_line(err)
    assert fragment.replace("{tmp}", str(tmp_path)).replace("{store}", str(store)) in line
    assert dump(store) == before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("s.db")) == ["seed"]


def test_a_good_command_still_runs(store, capsys):
    """The checks pass good values through unchanged (a bare date read in --tz)."""
    rc = main(["area", "--at", "2024-04-01", "--tz", "Europe/Kyiv", "--json", "--store", str(store)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["at"] == "2024-04-01T20:59:59Z"
    assert doc["snapshot"]["published_at"] == "2024-04-01T03:00:00Z"


@pytest.mark.parametrize("kind", ["folder", "noise", "foreign"])
def test_a_store_that_cannot_be_used_exits_1(kind, tmp_path, capsys):
    path = tmp_path / "store"
    if kind == "folder":
        path.mkdir()
    elif kind == "noise":
        path.write_bytes(b"this is not a database\n" * 100)
    else:
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE users(id INTEGER)")
        con.commit()
        con.close()
    for argv in (["area", "--at", "2024-05-01"], ["snapshots"], ["check", "--text", "Russia took 100 km2"]):
        rc, err = run([*argv, "--store", str(path)], capsys)
        assert rc == 1, err
        line = one_line(err)
        assert str(path) in line


def test_a_text_file_that_is_not_utf8_exits_1(store, tmp_path, capsys):
    f = tmp_path / "article.txt"
    f.write_bytes("Росія захопила 100 км2".encode("cp1251"))
    rc, err = run(["check", "--file", str(f), "--store", str(store)], capsys)
    assert rc == 1
    assert f"{f}: not UTF-8 text" in one_line(err)


def test_square_brackets_in_data_print_literally(store, tmp_path, capsys):
    """Rich markup is ours only: a source id, file name or sentence with brackets prints as typed."""
    f = tmp_path / "map[red]_20240501.geojson"
    f.write_bytes(GOOD)
    rc, err = run(["ingest", "files", str(f), "--layer", "russia:control", "--date", "2024-05-01",
                   "--source-name", "[/]odd[bold]", "--store", str(store)], capsys)
    assert rc == 0, err
    rc = main(["area", "--at", "2024-05-02", "--source", "[/]odd[bold]", "--store", str(store)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "[/]odd[bold] russia:control" in out and "map[red]_20240501.geojson" in out
    rc = main(["snapshots", "--store", str(store)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "[/]odd[bold]" in out
    rc = main(["check", "--text", "Russia took [/] 100 km2 [bold] last week.", "--store", str(store)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Russia took [/] 100 km2 [bold]" in out


def test_check_reads_stdin_after_a_dash(store, capsys, monkeypatch):
    """``check -`` reads the text from stdin (the argument was a bool: '-' was refused)."""
    monkeypatch.setattr("sys.stdin", io.StringIO("Russia captured 100 km2 in the past week."))
    rc = main(["check", "-", "--json", "--store", str(store)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    (claim,) = json.loads(out)["claims"]
    assert claim["claim"]["figure_text"] == "100 km2"


def test_missing_output_folders_are_made(store, tmp_path, capsys):
    out = tmp_path / "new" / "deeper" / "e.csv"
    rc = main(["export", "--format", "csv", "--out", str(out), "--store", str(store)])
    _, err = capsys.readouterr()
    assert rc == 0, err
    assert out.read_text(encoding="utf-8").count("\n") == 2  # a header and the one snapshot


def test_no_arguments_print_the_help_only(capsys):
    rc = main([])
    out, err = capsys.readouterr()
    assert rc == 2
    assert "Usage:" in out and "ingest" in out
    assert err == ""

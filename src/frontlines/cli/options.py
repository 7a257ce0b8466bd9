"""Options shared by several commands and their checks, defined once (as in rasterio's ``rio/options.py``).

Every check runs as a click callback while the command line is parsed, before any
store is opened, and raises :class:`~frontlines.errors.UsageError` naming the option:
the entry point prints it on one line and exits with status 2. The checks return the
value unchanged (dates stay text: the service reads them in the ``--tz`` zone).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Optional, TypeVar

import typer

from frontlines.errors import DateError, LayerError, UsageError
from frontlines.model import LayerKey
from frontlines.times import FREQS, parse_user_time, parse_zone

__all__ = [
    "AnimationOut", "At", "By", "Bbox", "Dpi", "Freq", "From", "GeoJsonOut", "HtmlOut", "ImageOut", "Json", "Layer",
    "OptAt", "OptFrom", "OptTo", "Out", "RegionField", "RegionName", "Regions", "Source", "Store", "To", "Tz",
    "at_least", "check_bbox", "check_tz", "choice", "day_option", "existing_file", "finite", "folder",
    "layer_spec", "new_file", "out_file", "regex",
    "time_option",
]

T = TypeVar("T")


# ----------------------------------------------------------------------------- checks (click callbacks)
def time_option(flag: str) -> Callable[[Optional[str]], Optional[str]]:
    """Check that the value of ``flag`` reads as a date or ISO time (see :func:`frontlines.times.parse_user_time`)."""

    def check(value: Optional[str]) -> Optional[str]:
        if value is not None:
            try:
                parse_user_time(value)
            except DateError as exc:
                raise UsageError(f"{flag}: {exc}", field=flag, value=value) from exc
        return value

    return check


def day_option(flag: str) -> Callable[[Optional[str]], Optional[str]]:
    """Check that the value of ``flag`` is a calendar date ``YYYY-MM-DD``."""

    def check(value: Optional[str]) -> Optional[str]:
        if value is not None:
            try:
                dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                raise UsageError(f"{flag}: {value!r} is not a date YYYY-MM-DD ({exc})", field=flag, value=value) from exc
        return value

    return check


def check_tz(value: str) -> str:
    """Check that ``--tz`` names a time zone."""
    try:
        parse_zone(value)
    except DateError as exc:
        raise UsageError(f"--tz: {exc}", field="--tz", value=value) from exc
    return value


def choice(flag: str, choices: Sequence[str], what: str = "value") -> Callable[[Optional[str]], Optional[str]]:
    """Check that the value of ``flag`` is one of ``choices`` (``what`` names the kind of value in the message)."""

    def check(value: Optional[str]) -> Optional[str]:
        if value is not None and value not in choices:
            raise UsageError(f"{flag}: unknown {what} {value!r}; use one of {', '.join(choices)}", field=flag, value=value)
        return value

    return check


def at_least(flag: str, low: float, *, above: bool = False) -> Callable[[Optional[T]], Optional[T]]:
    """Check that a number is finite and at least ``low`` (greater than ``low`` with ``above``)."""

    def check(value: Optional[T]) -> Optional[T]:
        if value is None:
            return value
        number = float(value)  # type: ignore[arg-type]
        ok = math.isfinite(number) and (number > low if above else number >= low)
        if not ok:
            bound = f"greater than {low:g}" if above else f"at least {low:g}"
            raise UsageError(f"{flag}: must be a number {bound}, got {value}", field=flag, value=value)
        return value

    return check


def finite(flag: str, low: float, high: float) -> Callable[[float], float]:
    """Check that a number is finite and within ``[low, high]``."""

    def check(value: float) -> float:
        if not (math.isfinite(value) and low <= value <= high):
            raise UsageError(f"{flag}: must be between {low:g} and {high:g}, got {value}", field=flag, value=value)
        return value

    return check


def layer_spec(flag: str) -> Callable[[Optional[str]], Optional[str]]:
    """Check that the value of ``flag`` is ``SIDE:STATUS`` with a known status."""

    def check(value: Optional[str]) -> Optional[str]:
        if value is not None:
            try:
                LayerKey.parse(value)
            except LayerError as exc:
                raise UsageError(f"{flag}: {exc}", field=flag, value=value) from exc
        return value

    return check


def regex(flag: str) -> Callable[[Optional[str]], Optional[str]]:
    """Check that the value of ``flag`` compiles as a regular expression."""

    def check(value: Optional[str]) -> Optional[str]:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise UsageError(f"{flag} {value!r} is not a valid regular expression ({exc})", field=flag, value=value) from exc
        return value

    return check


def existing_file(flag: str) -> Callable[[Optional[Path]], Optional[Path]]:
    """Check that the value of ``flag`` is an existing file (``-`` means stdin and passes)."""

    def check(value: Optional[Path]) -> Optional[Path]:
        if value is not None and str(value) != "-":
            if not value.exists():
                raise UsageError(f"{flag} {value}: no such file", field=flag, path=value)
            if not value.is_file():
                raise UsageError(f"{flag} {value}: not a file", field=flag, path=value)
        return value

    return check


def new_file(flag: str) -> Callable[[Optional[Path]], Optional[Path]]:
    """Check that ``flag`` names a file that can be written: not a folder, and no file where a folder must be.

    Missing folders are fine (the writers create them).
    """

    def check(value: Optional[Path]) -> Optional[Path]:
        if value is not None:
            if value.is_dir():
                raise UsageError(f"{flag} {value}: is a folder; give a file name", field=flag, path=value)
            blocking = next((p for p in value.parents if p.exists()), None)
            if blocking is not None and not blocking.is_dir():
                raise UsageError(f"{flag} {value}: {blocking} is a file, not a folder", field=flag, path=value)
        return value

    return check


def out_file(flag: str, suffixes: Sequence[str], what: str) -> Callable[[Optional[Path]], Optional[Path]]:
    """:func:`new_file`, and the suffix must be one of ``suffixes`` (``what``: the kind of file, for the message)."""
    writable = new_file(flag)

    def check(value: Optional[Path]) -> Optional[Path]:
        if value is not None and value.suffix.lower() not in suffixes:
            raise UsageError(f"{flag} {value}: unsupported {what} type {value.suffix or '(none)'}; use {' or '.join(suffixes)}",
                             field=flag, path=value)
        return writable(value)

    return check


def folder(flag: str) -> Callable[[Optional[Path]], Optional[Path]]:
    """Check that ``flag`` names a folder or a path where one can be made (not an existing file)."""

    def check(value: Optional[Path]) -> Optional[Path]:
        if value is not None and value.exists() and not value.is_dir():
            raise UsageError(f"{flag} {value}: exists and is not a folder", field=flag, path=value)
        return value

    return check


def check_bbox(value: Optional[str]) -> Optional[str]:
    """Check that ``--bbox`` is ``WEST,SOUTH,EAST,NORTH`` in degrees."""
    if value is None:
        return value
    from frontlines import service

    try:
        service.parse_bbox(value)
    except UsageError as exc:
        raise UsageError(str(exc) if "--bbox" in str(exc) else f"--bbox {value!r}: {exc}", field="--bbox", value=value) from exc
    return value


# ----------------------------------------------------------------------------- shared options
Store = Annotated[
    Optional[str],
    typer.Option("--store", "-s", help="Store file or postgresql:// URL (default: $FRONTLINES_STORE, the settings "
                 "file's 'store', or ~/.local/share/frontlines/frontlines.db)."),
]
Source = Annotated[Optional[str], typer.Option("--source", help="Source id in the store (default: the one with most snapshots).")]
Layer = Annotated[Optional[str], typer.Option("--layer", "-l", callback=layer_spec("--layer"),
                                              help="Layer SIDE:STATUS (default: the source's primary layer).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document (schema in the README).")]
Tz = Annotated[str, typer.Option("--tz", callback=check_tz, help="Time zone of bare dates (a date means the end of that day).")]
At = Annotated[str, typer.Option("--at", callback=time_option("--at"), help="Date or ISO time.")]
From = Annotated[str, typer.Option("--from", callback=time_option("--from"), help="Start date or ISO time.")]
To = Annotated[str, typer.Option("--to", callback=time_option("--to"), help="End date or ISO time.")]
OptAt = Annotated[Optional[str], typer.Option("--at", callback=time_option("--at"), help="Date or ISO time (a map of every layer).")]
OptFrom = Annotated[Optional[str], typer.Option("--from", callback=time_option("--from"), help="Start date or ISO time.")]
OptTo = Annotated[Optional[str], typer.Option("--to", callback=time_option("--to"), help="End date or ISO time.")]
By = Annotated[Optional[str], typer.Option("--by", help="Break down by a region level of the store's conflict (Ukraine: oblast, raion or hromada).")]
Regions = Annotated[Optional[Path], typer.Option("--regions", callback=existing_file("--regions"),
                                                 help="Your own region layer (any vector file).")]
RegionField = Annotated[Optional[str], typer.Option("--region-field", help="Attribute naming each region in --regions.")]
GeoJsonOut = Annotated[Optional[Path], typer.Option("--geojson", callback=new_file("--geojson"),
                                                    help="Also write the geometries to this GeoJSON file.")]
Freq = Annotated[Optional[str], typer.Option("--freq", callback=choice("--freq", FREQS, "frequency"),
                                             help=f"One of {', '.join(FREQS)} (default: by the period's length).")]
Out = Annotated[Path, typer.Option("--out", "-o", callback=new_file("--out"), help="Output file; the suffix picks the format.")]
ImageOut = Annotated[Path, typer.Option("--out", "-o", callback=out_file("--out", (".png", ".svg", ".pdf"), "image"),
                                        help="Output file: .png, .svg or .pdf.")]
AnimationOut = Annotated[Path, typer.Option("--out", "-o", callback=out_file("--out", (".gif", ".mp4"), "animation"),
                                            help="Output file: .gif or .mp4.")]
HtmlOut = Annotated[Path, typer.Option("--out", "-o", callback=out_file("--out", (".html", ".htm"), "report"),
                                       help="Output file: .html.")]
Bbox = Annotated[Optional[str], typer.Option("--bbox", callback=check_bbox, help="View WEST,SOUTH,EAST,NORTH in degrees.")]
RegionName = Annotated[Optional[str], typer.Option("--region", help="Zoom to a region of any level of the store's conflict, by name or KIND:ID.")]
Dpi = Annotated[int, typer.Option("--dpi", callback=at_least("--dpi", 10), help="Pixels per inch of PNG output (figures are 10 in wide).")]

#: ``--include-redraws``: today's raw figures (map redraws counted as ground gained / lost).
IncludeRedraws = Annotated[bool, typer.Option(
    "--include-redraws", help="Count map redraws as ground gained / lost (raw figures); by default they are left out "
                              "and reported beside (redraw_km2).")]

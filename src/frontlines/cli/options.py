"""Options shared by several commands, defined once (as in rasterio's ``rio/options.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

Store = Annotated[
    Optional[Path],
    typer.Option("--store", "-s", help="Store file (default: $FRONTLINES_STORE or ~/.local/share/frontlines/frontlines.db)."),
]
Source = Annotated[Optional[str], typer.Option("--source", help="Source id in the store (default: the one with most snapshots).")]
Layer = Annotated[Optional[str], typer.Option("--layer", "-l", help="Layer SIDE:STATUS (default: the source's primary layer).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON document (schema in the README).")]
Tz = Annotated[str, typer.Option("--tz", help="Time zone of bare dates (a date means the end of that day).")]
At = Annotated[str, typer.Option("--at", help="Date or ISO time.")]
From = Annotated[str, typer.Option("--from", help="Start date or ISO time.")]
To = Annotated[str, typer.Option("--to", help="End date or ISO time.")]
By = Annotated[Optional[str], typer.Option("--by", help="Break down by a region level of the store's conflict (Ukraine: oblast, raion or hromada).")]
Regions = Annotated[Optional[Path], typer.Option("--regions", help="Your own region layer (any vector file).")]
RegionField = Annotated[Optional[str], typer.Option("--region-field", help="Attribute naming each region in --regions.")]
GeoJsonOut = Annotated[Optional[Path], typer.Option("--geojson", help="Also write the geometries to this GeoJSON file.")]

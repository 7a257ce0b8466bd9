#!/usr/bin/env python3
"""Rebuild the region boundaries and the gazetteer that frontlines ships.

Reads the public source files under ``../shared/data`` (or ``$FRONTLINES_DATA``)
and writes compact, gzip-compressed GeoJSON / CSV into ``src/frontlines/data/``.
Deterministic: the same inputs give byte-identical outputs (gzip mtime 0).

What is done (also written to ``src/frontlines/data/NOTICE.md``):

* **Raions** (OSM admin_level 6, ODbL): made valid; each assigned to its oblast by
  the geoBoundaries ADM1 unit holding its representative point; English name from
  ``name:en`` (16 missing/irregular ones filled in by hand from the Ukrainian name).
* **Kyiv City**: the one interior ring (hole) of the union of the OSM raions, i.e.
  exactly the gap the raions of Kyiv oblast leave around the city (825.8 km²;
  official 839 km²).
* **Sevastopol**: the OSM raion union lacks it, and geoBoundaries' unit includes
  its territorial sea. Land = OSM level-4 "Crimea" polygon (a simplified polygon
  whose coast follows the shore, and which, unlike the raions, includes
  Sevastopol) minus the union of the OSM raions, restricted to the geoBoundaries
  Sevastopol unit; largest part kept. Its coast is coarse (Sevastopol Bay is
  partly filled in): ~908 km² against the official 864 km².
* The 136 raions + Kyiv City + Sevastopol form one polygon coverage that is
  simplified with ``shapely.coverage_simplify`` (neighbours keep shared edges, no
  gaps or overlaps appear). **Oblasts** (27) are the coverage union of their
  simplified raions, so the two levels nest exactly; the **outline** is the
  union of everything.
* **Hromadas** (OSM admin_level 7, 1,466; none in Crimea or Sevastopol, and
  the Chornobyl zone and some lagoons are outside any hromada): made valid,
  overlaps between neighbours removed (later ones lose), clipped to the raion
  union, parent raion = the raion with the largest overlap, then coverage-simplified.
* **Gazetteer**: every settlement of Ukraine's codifier (KATOTTH, 29,707: cities,
  urban-type and rural settlements, villages; no city districts) from
  ``settlements/ukraine_settlements_full.csv.gz`` (ODbL 1.0 + GeoNames CC BY 4.0):
  KATOTTH id, category, English (KMU-2010) / Ukrainian / Russian / former names,
  hromada, raion and oblast (ids of the shipped layers), population and its source,
  and a flag saying how exact the point is (``exact``, ``nearby``, ``hromada`` or
  ``raion`` median).

Usage::

    python scripts/build_shipped_data.py [--data ../shared/data] [--tolerance 0.002] [--only gazetteer]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping, shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from frontlines.core.geodesy import area_km2, areas_km2  # noqa: E402
from frontlines.sources.gazetteer import fold, is_cyrillic, transliterate  # noqa: E402

OUT = ROOT / "src" / "frontlines" / "data"
DECIMALS = 5  # ~1.1 m at the equator

#: ISO 3166-2 code -> (English name, Ukrainian name).
OBLASTS: dict[str, tuple[str, str]] = {
    "UA-05": ("Vinnytsia", "Вінницька область"),
    "UA-07": ("Volyn", "Волинська область"),
    "UA-09": ("Luhansk", "Луганська область"),
    "UA-12": ("Dnipropetrovsk", "Дніпропетровська область"),
    "UA-14": ("Donetsk", "Донецька область"),
    "UA-18": ("Zhytomyr", "Житомирська область"),
    "UA-21": ("Zakarpattia", "Закарпатська область"),
    "UA-23": ("Zaporizhzhia", "Запорізька область"),
    "UA-26": ("Ivano-Frankivsk", "Івано-Франківська область"),
    "UA-30": ("Kyiv City", "Київ"),
    "UA-32": ("Kyiv", "Київська область"),
    "UA-35": ("Kirovohrad", "Кіровоградська область"),
    "UA-40": ("Sevastopol", "Севастополь"),
    "UA-43": ("Crimea", "Автономна Республіка Крим"),
    "UA-46": ("Lviv", "Львівська область"),
    "UA-48": ("Mykolaiv", "Миколаївська область"),
    "UA-51": ("Odesa", "Одеська область"),
    "UA-53": ("Poltava", "Полтавська область"),
    "UA-56": ("Rivne", "Рівненська область"),
    "UA-59": ("Sumy", "Сумська область"),
    "UA-61": ("Ternopil", "Тернопільська область"),
    "UA-63": ("Kharkiv", "Харківська область"),
    "UA-65": ("Kherson", "Херсонська область"),
    "UA-68": ("Khmelnytskyi", "Хмельницька область"),
    "UA-71": ("Cherkasy", "Черкаська область"),
    "UA-74": ("Chernihiv", "Чернігівська область"),
    "UA-77": ("Chernivtsi", "Чернівецька область"),
}

#: Raions whose OSM ``name:en`` is missing, not of the form "X Raion", or not in the
#: national romanisation (Russian-based "Belogorsk", "Pokrovskii", "Zaporizhia").
RAION_EN: dict[str, str] = {
    "Євпаторійський район": "Yevpatoriia Raion",
    "Керченський район": "Kerch Raion",
    "Курманський район": "Kurman Raion",
    "Перекопський район": "Perekop Raion",
    "Сімферопольський район": "Simferopol Raion",
    "Феодосійський район": "Feodosiia Raion",
    "Ялтинський район": "Yalta Raion",
    "Кам'янський район": "Kamianske Raion",
    "Горлівський район": "Horlivka Raion",
    "Донецький район": "Donetsk Raion",
    "Кальміуський район": "Kalmiuske Raion",
    "Бучанський район": "Bucha Raion",
    "Довжанський район": "Dovzhansk Raion",
    "Ровеньківський район": "Rovenky Raion",
    "Луганський район": "Luhansk Raion",
    "Алчевський район": "Alchevsk Raion",
    "Білогірський район": "Bilohirsk Raion",
    "Джанкойський район": "Dzhankoi Raion",
    "Покровський район": "Pokrovsk Raion",
    "Запорізький район": "Zaporizhzhia Raion",
    "Бердянський район": "Berdiansk Raion",
}

_HROMADA_KIND = {
    "міська громада": "Urban Hromada",
    "селищна громада": "Settlement Hromada",
    "сільська громада": "Rural Hromada",
}


# --------------------------------------------------------------------------- io


def read_features(path: Path) -> list[tuple[dict[str, Any], Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    return [(f["properties"] or {}, shape(f["geometry"])) for f in data["features"]]


def _round(geom: Any) -> Any:
    return shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))


def write_gz(path: Path, text: str) -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    path.write_bytes(buf.getvalue())


def write_geojson(path: Path, rows: list[dict[str, Any]], geoms: np.ndarray) -> None:
    feats = []
    for props, geom in zip(rows, geoms, strict=True):
        feats.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
    fc = {"type": "FeatureCollection", "features": feats}
    write_gz(path, json.dumps(fc, ensure_ascii=False, separators=(",", ":")))


# ------------------------------------------------------------------- geometry


def polygonal(geom: Any) -> Any:
    """Valid, polygon-only version of ``geom`` (drops lines/points make_valid may add)."""
    geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    parts = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


def clean(geom: Any) -> Any:
    """Single Polygon if possible, else MultiPolygon; no empty parts."""
    parts = [p for p in shapely.get_parts(polygonal(geom)) if not p.is_empty and p.area > 0]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def make_coverage(geoms: np.ndarray, *, fill_gaps: bool = True) -> np.ndarray:
    """Re-node polygons into an exact coverage (shared edges with identical vertices).

    All boundaries are noded together and polygonised; each face goes to the
    (first) polygon holding its interior point. Faces no polygon holds are
    gaps: with ``fill_gaps`` the ones enclosed by the polygons go to the
    neighbour sharing the longest edge (the outer boundary is not a face).
    """
    lines = shapely.union_all(shapely.boundary(geoms))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    pts = shapely.point_on_surface(faces)
    tree = shapely.STRtree(geoms)
    fi, gi = tree.query(pts, predicate="within")
    owner = np.full(len(faces), -1)
    for f, g in zip(fi[::-1], gi[::-1], strict=True):
        owner[f] = g  # reversed: the lowest index wins
    gaps = np.flatnonzero(owner < 0)
    if fill_gaps and gaps.size:
        for f in gaps:
            cand = tree.query(faces[f], predicate="touches")
            if cand.size:
                shared = shapely.length(shapely.intersection(shapely.boundary(geoms[cand]), faces[f]))
                owner[f] = cand[int(np.argmax(shared))]
        print(f"  make_coverage: {gaps.size} gap faces, {areas_km2(faces[gaps]).sum():.3f} km2")
    out = []
    for k in range(len(geoms)):
        mine = faces[owner == k]
        out.append(clean(shapely.coverage_union_all(mine)) if mine.size else shapely.Polygon())
    return np.array(out, dtype=object)


def simplify(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    simp = shapely.coverage_simplify(geoms, tolerance)
    simp = np.array([clean(_round(g)) for g in simp], dtype=object)
    return simp


def report(label: str, before: np.ndarray, after: np.ndarray) -> None:
    a0, a1 = areas_km2(before), areas_km2(after)
    rel = np.abs(a1 - a0) / np.maximum(a0, 1e-9)
    print(
        f"{label}: {len(after)} units, vertices {shapely.get_num_coordinates(before).sum():,}"
        f" -> {shapely.get_num_coordinates(after).sum():,}; total {a0.sum():,.1f} -> {a1.sum():,.1f}"
        f" km2; worst unit change {rel.max() * 100:.3f} %, median {np.median(rel) * 100:.4f} %,"
        f" {int((rel > 0.001).sum())} units over 0.1 %"
    )


# --------------------------------------------------------------------- layers


def raion_name(props: dict[str, Any]) -> str:
    uk = props.get("name:uk") or props["name"]
    if uk in RAION_EN:
        return RAION_EN[uk]
    en = props.get("name:en")
    if not en or not en.endswith(" Raion"):
        raise SystemExit(f"raion {uk!r} has no usable English name ({en!r}); add it to RAION_EN")
    return en


def hromada_name(props: dict[str, Any]) -> str:
    uk = props.get("name:uk") or props["name"]
    en = props.get("name:en") or ""
    if en.lower().endswith(" hromada") and not is_cyrillic(en):
        words = en.split()
        return " ".join(w if w[:1].isupper() else w.capitalize() for w in words)
    for kind, en_kind in _HROMADA_KIND.items():
        if uk.endswith(kind):
            return f"{transliterate(uk[: -len(kind)].strip())} {en_kind}"
    return transliterate(uk)


def build_regions(base: Path, tolerance: float, hromada_tolerance: float) -> dict[str, Any]:
    b = base / "boundaries"
    gb = read_features(b / "geoBoundaries-UKR-ADM1.geojson.gz")
    gb_iso = [p["shapeISO"] for p, _ in gb]
    gb_geom = np.array([g for _, g in gb], dtype=object)
    gb_tree = shapely.STRtree(gb_geom)

    raw = read_features(b / "osm_raions_level6.geojson.gz")
    r_geom = np.array([clean(g) for _, g in raw], dtype=object)
    r_props = [p for p, _ in raw]
    reps = shapely.point_on_surface(r_geom)
    pt_idx, poly_idx = gb_tree.query(reps, predicate="within")
    oblast_of = {int(i): gb_iso[int(j)] for i, j in zip(pt_idx, poly_idx, strict=True)}
    slug_iso: dict[str, set[str]] = defaultdict(set)
    for i, p in enumerate(r_props):
        slug_iso[p["oblast_slug"]].add(oblast_of[i])
    bad = {s: v for s, v in slug_iso.items() if len(v) != 1}
    if bad:
        raise SystemExit(f"raions of one OSM oblast fall in several ADM1 units: {bad}")

    union = shapely.union_all(r_geom)
    holes = [Polygon(r) for poly in shapely.get_parts(union) for r in poly.interiors]
    kyiv = max(holes, key=area_km2)
    if not kyiv.contains(shapely.Point(30.5238, 50.45466)):
        raise SystemExit("largest hole of the raion union is not Kyiv")

    osm_obl = read_features(b / "osm_oblasts_simplified_level4.geojson.gz")
    crimea_osm = next(g for p, g in osm_obl if p.get("iso3166-2") == "UA-43")
    sev_gb = gb_geom[gb_iso.index("UA-40")]
    sev_piece = polygonal(shapely.intersection(shapely.difference(crimea_osm, union), sev_gb))
    sevastopol = max(shapely.get_parts(sev_piece), key=area_km2)
    sevastopol = clean(shapely.difference(sevastopol, union))

    ids = [p["katotth"] for p in r_props] + ["UA-30", "UA-40"]
    names = [raion_name(p) for p in r_props] + ["Kyiv City", "Sevastopol"]
    names_uk = [p.get("name:uk") or p["name"] for p in r_props] + ["Київ", "Севастополь"]
    parents = [oblast_of[i] for i in range(len(r_props))] + ["UA-30", "UA-40"]
    coverage = np.array(list(r_geom) + [clean(kyiv), sevastopol], dtype=object)
    if not shapely.coverage_is_valid(coverage):
        print("raion coverage not exactly noded: re-noding")
        coverage = make_coverage(coverage)
        assert shapely.coverage_is_valid(coverage)
    simp = simplify(coverage, tolerance)
    report("raions", coverage, simp)

    raion_rows = [
        {"id": i, "name": n, "name_uk": u, "parent": p}
        for i, n, u, p in zip(ids, names, names_uk, parents, strict=True)
    ]
    order = sorted(range(len(raion_rows)), key=lambda k: (parents[k], names[k]))
    raion_rows = [raion_rows[k] for k in order]
    simp = simp[order]
    write_geojson(OUT / "raions.geojson.gz", raion_rows, simp)

    obl_ids = sorted(OBLASTS)
    obl_geoms = []
    for oid in obl_ids:
        members = simp[[k for k, r in enumerate(raion_rows) if r["parent"] == oid]]
        obl_geoms.append(clean(shapely.coverage_union_all(members)))
    obl_geoms = np.array(obl_geoms, dtype=object)
    obl_rows = [{"id": o, "name": OBLASTS[o][0], "name_uk": OBLASTS[o][1], "parent": None} for o in obl_ids]
    write_geojson(OUT / "oblasts.geojson.gz", obl_rows, obl_geoms)
    outline = clean(shapely.coverage_union_all(simp))
    write_geojson(
        OUT / "outline.geojson.gz",
        [{"id": "UA", "name": "Ukraine", "name_uk": "Україна", "parent": None}],
        np.array([outline], dtype=object),
    )
    land_raw = area_km2(shapely.union_all(coverage))
    print(f"land outline: {area_km2(outline):,.1f} km2 (before simplification {land_raw:,.1f})")
    for oid, g in zip(obl_ids, obl_geoms, strict=True):
        print(f"  {oid} {OBLASTS[oid][0]:<16} {area_km2(g):>10,.1f} km2")

    # hromadas
    rawh = read_features(b / "osm_hromadas_level7.geojson.gz")
    h_geom = np.array([clean(g) for _, g in rawh], dtype=object)
    runion = shapely.union_all(coverage)
    h_geom = np.array([clean(shapely.intersection(g, runion)) for g in h_geom], dtype=object)
    if not shapely.coverage_is_valid(h_geom):
        print("hromada coverage not exactly noded: re-noding")
        h_geom = make_coverage(h_geom, fill_gaps=False)
        assert shapely.coverage_is_valid(h_geom)
    r_tree = shapely.STRtree(coverage)
    h_parent = []
    for g in h_geom:
        cand = r_tree.query(g, predicate="intersects")
        ov = areas_km2(shapely.intersection(coverage[cand], g))
        h_parent.append(int(cand[int(np.argmax(ov))]))
    hsimp = simplify(h_geom, hromada_tolerance)
    report("hromadas", h_geom, hsimp)
    h_rows = []
    for (p, _), k in zip(rawh, h_parent, strict=True):
        h_rows.append(
            {
                "id": p["katotth"],
                "name": hromada_name(p),
                "name_uk": p.get("name:uk") or p["name"],
                "parent": ids[k],
                "oblast": parents[k],
            }
        )
    horder = sorted(range(len(h_rows)), key=lambda k: (h_rows[k]["oblast"], h_rows[k]["parent"], h_rows[k]["name"]))
    write_geojson(OUT / "hromadas.geojson.gz", [h_rows[k] for k in horder], hsimp[horder])
    return {
        "raion_by_id": {r["id"]: r for r in raion_rows},
        "raion_geoms": simp,
        "raion_rows": raion_rows,
    }


# ------------------------------------------------------------------ gazetteer

#: The full KATOTTH gazetteer (see ``settlements/SOURCE_full.md`` in the data folder).
GAZETTEER_SOURCE = Path("settlements") / "ukraine_settlements_full.csv.gz"

#: KATOTTH oblast codes of the two cities with special status -> ISO 3166-2.
SPECIAL_CITIES = {"UA80": "UA-30", "UA85": "UA-40"}

#: ``coord_quality`` of the source -> the shipped precision flag.
COORD_FLAG = (
    ("geonames-nonP", "nearby"),  # a GeoNames station/locality of the same name within 10 km
    ("geonames", "exact"),  # the GeoNames point of the settlement
    ("approx: median of matched settlements of same hromada", "hromada"),
    ("approx: median of matched settlements of same raion", "raion"),
)

#: Columns of the shipped ``gazetteer.csv.gz``, in order (the first twelve are the
#: columns every gazetteer CSV has; see ``frontlines.sources.gazetteer``).
GAZETTEER_COLUMNS = (
    "id", "name", "name_uk", "name_ru", "alt", "lat", "lon", "population", "oblast_id", "raion_id",
    "oblast", "raion", "category", "former", "hromada", "hromada_id", "population_source", "coord",
)  # fmt: skip


def _coord_flag(quality: str) -> str:
    for prefix, flag in COORD_FLAG:
        if quality.startswith(prefix):
            return flag
    raise ValueError(f"{GAZETTEER_SOURCE}: unknown coord_quality {quality!r}")


def _population_source(text: str) -> str:
    if text.startswith("OSM"):
        return "OSM"
    if text.startswith("GeoNames"):
        return "GeoNames"
    if text:
        raise ValueError(f"{GAZETTEER_SOURCE}: unknown population_source {text!r}")
    return ""


def shipped_raions() -> list[dict[str, Any]]:
    """Raion rows (id, name, parent) of the shipped ``raions.geojson.gz``."""
    with gzip.open(OUT / "raions.geojson.gz", "rt", encoding="utf-8") as fh:
        return [f["properties"] for f in json.load(fh)["features"]]


def build_gazetteer(base: Path, raion_rows: list[dict[str, Any]]) -> None:
    """Write ``gazetteer.csv.gz``: every KATOTTH settlement, one row each, no city district.

    Ids are the KATOTTH codes; names are the codifier's Ukrainian name, its KMU-2010
    romanisation (English) and the Russian form where the source attests one; ``alt``
    keeps the other Cyrillic names (older names, Russian variants, OSM ``old_name``)
    and GeoNames' Latin name, ``former`` the codifier's name of 2020-23 when it has
    changed. Oblast / raion ids and names are those of the shipped region layers.
    """
    short = {r["id"]: r["name"].removesuffix(" Raion") for r in raion_rows}
    # KATOTTH oblast digits -> ISO id, from the raions (their ids are KATOTTH codes)
    iso_of = {**{r["id"][:4]: r["parent"] for r in raion_rows if r["id"][:2] == "UA" and r["id"][2:4].isdigit()},
              **SPECIAL_CITIES}
    rows: list[dict[str, Any]] = []
    with gzip.open(base / GAZETTEER_SOURCE, "rt", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            if rec["katotth_category"] not in ("M", "K", "X", "C"):
                raise ValueError(f"{GAZETTEER_SOURCE}: {rec['id']} is not a settlement ({rec['katotth_category']})")
            # Kyiv and Sevastopol are their own raion; Chornobyl and Prypiat are in none
            oblast = iso_of[rec["oblast_code"][:4]]
            rid = rec["raion_code"] or (oblast if oblast in SPECIAL_CITIES.values() else "")
            others = [o.strip() for o in rec["other_names"].split(";") if o.strip()]
            keys = {fold(rec["name_en"]), fold(rec["name_uk"]), fold(rec["name_ru"])}
            alt = []
            for a in [rec["name_en_geonames"], *others]:
                if a and fold(a) not in keys:
                    keys.add(fold(a))
                    alt.append(a)
            rows.append(
                {
                    "id": rec["id"],
                    "name": rec["name_en"],
                    "name_uk": rec["name_uk"],
                    "name_ru": rec["name_ru"],
                    "alt": "|".join(alt),
                    "lat": rec["lat"],
                    "lon": rec["lon"],
                    "population": rec["population"] or "0",
                    "oblast_id": oblast,
                    "raion_id": rid,
                    "oblast": OBLASTS[oblast][0],
                    "raion": short.get(rid, OBLASTS[oblast][0] if rid else ""),
                    "category": rec["category"],
                    "former": rec["former_name_official"],
                    "hromada": rec["hromada_en"].removesuffix(" hromada"),
                    "hromada_id": rec["hromada_code"],
                    "population_source": _population_source(rec["population_source"]),
                    "coord": _coord_flag(rec["coord_quality"]),
                }
            )
    rows.sort(key=lambda r: r["id"])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(GAZETTEER_COLUMNS), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    write_gz(OUT / "gazetteer.csv.gz", buf.getvalue())
    flags: dict[str, int] = defaultdict(int)
    for r in rows:
        flags[r["coord"]] += 1
    print(f"gazetteer: {len(rows)} KATOTTH settlements; points: {dict(sorted(flags.items()))}")


# --------------------------------------------------------------------------- basemap
#: Natural Earth spellings -> the current official (national) romanisation.
BASEMAP_NAMES = {
    "Dnieper": "Dnipro", "Donets": "Siverskyi Donets", "Seversky Donets": "Siverskyi Donets",
    "Oskol": "Oskil", "Southern Bug": "Southern Buh", "Pripyat": "Prypiat", "Prypyat": "Prypiat",
    "Seym": "Seim", "Bug": "Western Buh", "Zakhidnyy Buh": "Western Buh",
    "Kiev Reservoir": "Kyiv Reservoir", "Dniprodzershynsk Reservoir": "Kamianske Reservoir",
    "Tiligul Liman": "Tylihul Estuary", "Molochnyy Liman": "Molochnyi Estuary",
    "Liman near Odessa": "Kuialnyk Estuary", "Kiziltashskiy Liman": "Kyzyltashskyi Estuary",
}
#: Unnamed Natural Earth features named by a point inside (water) or their rivernum (rivers).
BASEMAP_UNNAMED_WATER = {(30.3, 46.2): "Dniester Estuary", (31.5, 49.9): "Kaniv Reservoir",
                         (37.6, 49.4): "Oskil Reservoir", (36.9, 50.05): "Pechenihy Reservoir"}
BASEMAP_UNNAMED_RIVERS = {401915: "Inhulets", 407612: "Inhul"}
#: Rivers kept from the Europe supplement (scalerank > 9): those a reader of this war needs.
BASEMAP_MINOR_RIVERS = {"Oskil", "Siverskyi Donets", "Seim", "Ros", "Teteriv", "Styr", "Haryn", "Sozh",
                        "Desna", "Prypiat", "Inhulets", "Inhul", "Western Buh", "Synyukha", "Sluch",
                        "Vorskla", "Psel", "Sula", "Samara", "Vovcha", "Kalmius", "Mius", "Aidar", "Krasna"}
#: Water bodies that are gone after a date: name -> last day they are drawn.
BASEMAP_UNTIL = {"Kakhovka Reservoir": "2023-06-06"}
BASEMAP_RIVER_TOLERANCE = 0.003  # degrees (~300 m): rivers are drawn at country scale


def build_basemap(base: Path) -> None:
    """Natural Earth countries, water and major rivers for the maps (``basemap_*.geojson.gz``).

    Countries are kept as they are (German point of view: Crimea in Ukraine); water
    and rivers get the current official names, the drained Kakhovka reservoir an
    ``until`` date, and rivers are simplified (``BASEMAP_RIVER_TOLERANCE``).
    """
    src = base / "basemap"
    rows, geoms = [], []
    for props, geom in read_features(src / "countries.geojson.gz"):
        rows.append({"name": props["name"], "iso_a2": props["iso_a2"], "label_x": props["label_x"],
                     "label_y": props["label_y"]})
        geoms.append(_round(geom))
    write_geojson(OUT / "basemap_countries.geojson.gz", rows, np.array(geoms, dtype=object))
    rows, geoms = [], []
    for props, geom in read_features(src / "water.geojson.gz"):
        name = props.get("name")
        if not name:
            name = next((n for (x, y), n in BASEMAP_UNNAMED_WATER.items()
                         if shapely.distance(geom, shapely.Point(x, y)) < 0.08), None)
        name = BASEMAP_NAMES.get(name, name)
        row = {"name": name, "kind": props["kind"], "scalerank": props["scalerank"]}
        if name in BASEMAP_UNTIL:
            row["until"] = BASEMAP_UNTIL[name]
        rows.append(row)
        geoms.append(_round(geom))
    write_geojson(OUT / "basemap_water.geojson.gz", rows, np.array(geoms, dtype=object))
    rows, geoms = [], []
    for props, geom in read_features(src / "rivers.geojson.gz"):
        name = props.get("name") or BASEMAP_UNNAMED_RIVERS.get(props.get("rivernum"))
        name = BASEMAP_NAMES.get(name, name)
        rank = int(props["scalerank"])
        if rank > 9 and name not in BASEMAP_MINOR_RIVERS:
            continue
        rows.append({"name": name, "scalerank": rank})
        geoms.append(_round(shapely.simplify(geom, BASEMAP_RIVER_TOLERANCE)))
    write_geojson(OUT / "basemap_rivers.geojson.gz", rows, np.array(geoms, dtype=object))
    print(f"basemap: {len(rows)} rivers kept")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = os.environ.get("FRONTLINES_DATA") or str(ROOT.parent / "shared" / "data")
    ap.add_argument("--data", type=Path, default=Path(default))
    ap.add_argument("--tolerance", type=float, default=0.002, help="raion/oblast simplification, degrees")
    ap.add_argument("--hromada-tolerance", type=float, default=0.0008, help="hromada simplification, degrees")
    ap.add_argument("--only", choices=("all", "regions", "gazetteer", "basemap"), default="all",
                    help="rebuild only this part (the gazetteer reads the shipped raions)")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.only in ("all", "basemap"):
        build_basemap(args.data)
    if args.only in ("all", "regions"):
        build_regions(args.data, args.tolerance, args.hromada_tolerance)
    if args.only in ("all", "gazetteer"):
        build_gazetteer(args.data, shipped_raions())
    for f in sorted(OUT.glob("*.gz")):
        print(f"  {f.name:<24} {f.stat().st_size / 1e6:6.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

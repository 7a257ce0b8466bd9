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
* **Gazetteer**: GeoNames cities500 (CC BY 4.0) with Ukrainian and Russian names
  picked from the Cyrillic alternate names, plus OSM admin-centre / label points
  of settlements (admin levels 9/10) that GeoNames lacks (no GeoNames place with the
  same name, loosely romanised, within 4 km; GeoNames duplicates of one place merged); oblast/raion of the OSM points by point-in-polygon.

Usage::

    python scripts/build_shipped_data.py [--data ../shared/data] [--tolerance 0.002]
"""

from __future__ import annotations

import argparse
import csv
import difflib
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

from frontlines.core.geodesy import area_km2, areas_km2, distance_km  # noqa: E402
from frontlines.sources.gazetteer import fold, is_cyrillic, loose, transliterate  # noqa: E402

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

_UK_ALPHABET = set("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'ʼ’ -")
_RU_ALPHABET = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя -")
_UK_ONLY = set("іїєґ'ʼ’")
_RU_BASE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}
_RU_VOWELS = set("аеёиоуыэюяьъ")


def _ru_romans(text: str) -> set[str]:
    """A few common romanisations of Russian text (simple, BGN/PCGN-like, German-like)."""
    out: set[str] = set()
    low = text.lower()
    german = {"й": "j", "х": "ch", "в": "w", "ц": "z", "ж": "sch", "ш": "sch", "ч": "tsch", "ю": "ju",
              "я": "ja", "ё": "jo"}  # fmt: skip
    for scheme in ({"й": "y"}, {"й": "y", "e+": "ye"}, {"й": "i", "e+": "ye"}, {**german, "e+": "je"}):
        chars = []
        for i, c in enumerate(low):
            prev = low[i - 1] if i else " "
            if c == "е" and "e+" in scheme and (not prev.isalpha() or prev in _RU_VOWELS):
                chars.append(scheme["e+"])
            else:
                chars.append(scheme.get(c, _RU_BASE.get(c, c)))
        out.add(fold("".join(chars)))
    return out


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def split_alternates(name: str, alternates: str) -> tuple[str, str, list[str]]:
    """Ukrainian name, Russian name and other spellings of a GeoNames place.

    GeoNames' cities500 file has lost the language tags of its alternate names,
    so the Ukrainian and Russian forms are guessed: the Ukrainian one is the
    Cyrillic alternate (Ukrainian alphabet only) closest to the romanised English
    name; the Russian one is written in the Russian alphabet only, has no
    Ukrainian ``-ськ`` ending, and its Russian romanisation is preferably among
    the Latin alternates (``Киев``/"Kiev", ``Харьков``/"Kharkov").
    """
    alts = [a for a in alternates.split("|") if a] if alternates else []
    key = fold(name)
    cyr = [a for a in alts if is_cyrillic(a)]
    # Latin spellings other than the name itself: evidence of a Russian form
    latin = {fold(a) for a in alts if not is_cyrillic(a) and a.isascii()} - {key}
    uk_c = [c for c in cyr if set(c.lower()) <= _UK_ALPHABET and not set(c) & set("ыэёъЫЭЁЪ")]
    uk = (
        max(uk_c, key=lambda c: (_ratio(fold(c), key), len(_UK_ONLY & set(c.lower())) + c.count("ьк")))
        if uk_c
        else ""
    )
    ru_c = [
        c for c in cyr
        if set(c.lower()) <= _RU_ALPHABET and not any(e in c.lower() for e in ("ськ", "цьк", "зьк", "ьск"))
    ]  # fmt: skip
    ref = (uk or name).lower().replace("ь", "")

    def ru_score(c: str) -> float:
        # closeness to the Ukrainian form (soft signs ignored), a bonus when a Latin
        # alternate attests this spelling (Kiev, Odessa, Pokrowsk), a hair for soft
        # signs (Russian Харьков over Bulgarian Харков)
        attested = bool(_ru_romans(c) & latin)
        return _ratio(c.lower().replace("ь", ""), ref) + 0.1 * attested + 0.01 * c.count("ь")

    ru = max(ru_c, key=lambda c: (ru_score(c), -len(c))) if ru_c else ""
    # other spellings: Latin ones resembling the name or a Cyrillic form (historic
    # names: Artemovsk for Bakhmut), then the remaining Cyrillic forms
    cyr_keys = {r for c in uk_c + ru_c for r in _ru_romans(c) | {fold(c)}}
    scored = []
    for a in alts:
        if is_cyrillic(a) or not a.isascii() or len(a) < 4 or a.isupper():
            continue
        k = fold(a)
        score = max([_ratio(k, key)] + [_ratio(k, c) for c in cyr_keys])
        if score >= 0.75:
            scored.append((-score, a))
    seen = {key, fold(uk), fold(ru)} - {""}
    others: list[str] = []
    for a in [a for _, a in sorted(scored)] + uk_c + ru_c:
        k = fold(a)
        if k and k not in seen:
            seen.add(k)
            others.append(a)
    return uk, ru, others[:12]


#: Two entries with the same (loosely romanised) name closer than this are one place.
DUPLICATE_KM = 4.0


def dedupe_geonames(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge GeoNames entries that are one place listed twice (e.g. Makiivka as PPL and PPLA2).

    Same Ukrainian name (or the same loose romanisation) within DUPLICATE_KM: the
    more populous entry is kept. Settlement counts must not count a town twice.
    """
    order = sorted(range(len(rows)), key=lambda i: -rows[i]["population"])
    kept: list[int] = []
    seen: dict[str, list[int]] = {}
    for i in order:
        r = rows[i]
        keys = {k for k in (loose(r["name"]), fold(r["name_uk"])) if k}
        dup = any(
            distance_km(r["lon"], r["lat"], rows[j]["lon"], rows[j]["lat"]) < DUPLICATE_KM
            for k in keys for j in seen.get(k, [])
        )
        if dup:
            continue
        kept.append(i)
        for k in keys:
            seen.setdefault(k, []).append(i)
    print(f"gazetteer: {len(rows) - len(kept)} duplicated GeoNames entries merged")
    return [rows[i] for i in sorted(kept)]


def build_gazetteer(base: Path, regions: dict[str, Any]) -> None:
    raion_rows = regions["raion_rows"]
    raion_geoms = regions["raion_geoms"]
    raion_by_id = regions["raion_by_id"]
    short = {r["id"]: r["name"].removesuffix(" Raion") for r in raion_rows}
    uk_to_id: dict[tuple[str, str], str] = {(r["parent"], r["name_uk"]): r["id"] for r in raion_rows}
    rows: list[dict[str, Any]] = []
    with gzip.open(base / "settlements" / "geonames_cities500_UA.csv.gz", "rt", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            uk, ru, few = split_alternates(rec["name"], rec["alternatenames"])
            oblast = rec["oblast_iso_pip_geoboundaries"] or ""
            rid = rec["raion_katotth_pip_osm"] or ""
            if rid and rid not in raion_by_id:
                rid = uk_to_id.get((oblast, rec["raion_name_uk_pip_osm"]), "")
            if not rid and oblast in ("UA-30", "UA-40"):
                rid = oblast
            rows.append(
                {
                    "id": f"gn:{rec['geonameid']}",
                    "name": rec["name"],
                    "name_uk": uk,
                    "name_ru": ru,
                    "alt": "|".join(few),
                    "lat": round(float(rec["latitude"]), 5),
                    "lon": round(float(rec["longitude"]), 5),
                    "population": int(rec["population"] or 0),
                    "oblast_id": oblast,
                    "raion_id": rid,
                    "oblast": OBLASTS[oblast][0] if oblast else "",
                    "raion": short.get(rid, ""),
                }
            )
    rows = dedupe_geonames(rows)
    n_gn = len(rows)
    # OSM settlement points that GeoNames lacks
    pts = read_features(base / "boundaries" / "osm_admin_centres_points.geojson.gz")
    gn_lon = np.array([r["lon"] for r in rows])
    gn_lat = np.array([r["lat"] for r in rows])
    gn_keys = [
        {loose(n) for n in [r["name"], r["name_uk"], r["name_ru"], *r["alt"].split("|")] if n} - {""}
        for r in rows
    ]
    tree = shapely.STRtree(shapely.points(gn_lon, gn_lat))
    r_tree = shapely.STRtree(raion_geoms)
    added: list[dict[str, Any]] = []
    added_keys: list[tuple[str, float, float]] = []
    for p, g in pts:
        if p.get("of_admin_level") not in ("9", "10") or not p.get("of_name"):
            continue
        if not is_cyrillic(p["of_name"]) or any(w in p["of_name"] for w in ("район", "громада")):
            continue
        key = loose(p["of_name"])
        near = tree.query(g.buffer(0.04))
        dup = False
        for k in near:
            if key in gn_keys[k] and distance_km(g.x, g.y, gn_lon[k], gn_lat[k]) < DUPLICATE_KM:
                dup = True
                break
        if dup or any(k == key and distance_km(g.x, g.y, x, y) < DUPLICATE_KM for k, x, y in added_keys):
            continue
        hit = r_tree.query(g, predicate="intersects")
        if len(hit) == 0:
            continue
        r = raion_rows[int(hit[0])]
        pop = p.get("of_population") or ""
        added_keys.append((key, g.x, g.y))
        added.append(
            {
                "id": f"osm:{p['osm_id']}",
                "name": transliterate(p["of_name"]),
                "name_uk": p["of_name"],
                "name_ru": "",
                "alt": "",
                "lat": round(g.y, 5),
                "lon": round(g.x, 5),
                "population": int(pop) if pop.isdigit() else 0,
                "oblast_id": r["parent"],
                "raion_id": r["id"],
                "oblast": OBLASTS[r["parent"]][0],
                "raion": short[r["id"]],
            }
        )
    rows.extend(added)
    fields = list(rows[0])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    write_gz(OUT / "gazetteer.csv.gz", buf.getvalue())
    print(f"gazetteer: {n_gn} GeoNames places + {len(added)} OSM settlements = {len(rows)}")


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
    ap.add_argument("--only", choices=("basemap",), help="rebuild only this part")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    build_basemap(args.data)
    if args.only == "basemap":
        return 0
    regions = build_regions(args.data, args.tolerance, args.hromada_tolerance)
    build_gazetteer(args.data, regions)
    for f in sorted(OUT.glob("*.gz")):
        print(f"  {f.name:<24} {f.stat().st_size / 1e6:6.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

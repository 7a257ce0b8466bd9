"""The shipped settlement gazetteer: every KATOTTH settlement, its names, namesakes, geometry queries.

Figures are checked against the published description of the source file
(``settlements/SOURCE_full.md`` beside the data: 29,707 settlements; 463 cities,
2,007 selyshches, 27,237 villages; 27,391 + 29 GeoNames points, 2,273 + 14
approximate ones; 78 Novoselivkas, 108 Oleksandrivkas), against hand-known facts
(Kherson has about 280,000-295,000 people; Bakhmut was Artemivsk) and against
pyproj.Geod for distances.
"""

from __future__ import annotations

import collections
import gzip
import re

import numpy as np
import pytest
import shapely
from pyproj import Geod

from frontlines.conflicts import default_registry
from frontlines.core.prepared import prepared_copy
from frontlines.errors import SourceFormatError
from frontlines.sources.boundaries import find_region
from frontlines.sources.gazetteer import fold, read_gazetteer, stem, transliterate

REGISTRY = default_registry()
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def gaz():
    return REGISTRY.gazetteer("ukraine")


# ------------------------------------------------------------------ coverage
def test_every_settlement_once_by_codifier_id(gaz):
    assert len(gaz) == 29_707
    assert len(set(gaz.ids)) == len(gaz)
    assert all(re.fullmatch(r"UA\d{17}", i) for i in gaz.ids)
    assert gaz.population.dtype.kind == "i" and gaz.lon.dtype == float
    assert ((gaz.lon > 22) & (gaz.lon < 40.3) & (gaz.lat > 44.3) & (gaz.lat < 52.4)).all()
    cats = collections.Counter(gaz.categories)
    # SOURCE_full.md: 463 cities (M and K), 2,007 selyshches (X: urban-type or rural), 27,237 villages
    assert cats["city"] == 463 and cats["village"] == 27_237
    assert cats["urban-type settlement"] + cats["rural settlement"] == 2_007
    assert set(cats) == {"city", "urban-type settlement", "rural settlement", "village"}


def test_no_city_district_is_a_settlement(gaz):
    # districts of Kherson, Donetsk and Mariupol that the old gazetteer listed as places
    for district in ("Pravyi Bereh", "Rutchenkivskyi", "Kalmiuskyi", "Корабельний", "Шевченківський"):
        hits = gaz.lookup(district)
        assert all(gaz.categories[i] != "city district" for i in hits)
        assert not any(fold(gaz.names[i]) == fold(district) and gaz.population[i] > 50_000 for i in hits), district
    assert gaz.lookup("Pravyi Bereh") == [] and gaz.lookup("Rutchenkivskyi") == []
    # no place in Mariupol's or Kherson's surroundings outnumbers the city itself
    for city, oblast in (("Mariupol", "Donetsk"), ("Kherson", "Kherson"), ("Donetsk", "Donetsk")):
        i = gaz.lookup(city, oblast=oblast)[0]
        near = gaz.within(shapely.Point(gaz.lon[i], gaz.lat[i]).buffer(0.3))
        assert int(np.argmax(gaz.population[near])) == int(np.flatnonzero(near == i)[0]), city


def test_kherson_population_and_source(gaz):
    [i] = gaz.lookup("Kherson", oblast="Kherson")
    assert 280_000 <= gaz.population[i] <= 295_000  # GeoNames' 66,000 is not used
    assert gaz.population_sources[i] == "OSM"
    assert (gaz.categories[i], gaz.coords[i]) == ("city", "exact")
    assert (gaz.hromadas[i], gaz.raions[i], gaz.oblasts[i]) == ("Khersonska", "Kherson", "Kherson")
    # about 46.64 N, 32.61 E (the city centre), and inside the shipped Kherson oblast
    assert abs(gaz.lat[i] - 46.64) < 0.05 and abs(gaz.lon[i] - 32.61) < 0.05
    assert set(gaz.population_sources) == {"OSM", "GeoNames", ""}


def test_point_precision_flags(gaz):
    flags = collections.Counter(gaz.coords)
    assert flags == {"exact": 27_391, "nearby": 29, "hromada": 2_273, "raion": 14}


@pytest.mark.parametrize(
    ("name", "oblast", "raion", "hromada"),
    [
        ("Posad-Pokrovske", "Kherson", "Kherson", "Chornobaivska"),
        ("Velyka Komyshuvakha", "Kharkiv", "Izium", "Barvinkivska"),
        ("Bruskynske", "Kherson", "Beryslav", "Velykooleksandrivska"),
        ("Kostromka", "Kherson", "Beryslav", "Velykooleksandrivska"),
        ("Pravdyne", "Kherson", "Kherson", "Bilozerska"),
        ("Blahodatne", "Kherson", "Kherson", "Chornobaivska"),
        ("Oleksandrivka", "Kherson", "Kherson", "Stanislavska"),
        ("Oleksandrivka", "Mykolaiv", "Bashtanka", "Horokhivska"),
    ],
)
def test_places_the_old_gazetteer_lacked(gaz, name, oblast, raion, hromada):
    hits = gaz.lookup(name, oblast=oblast, raion=raion, hromada=hromada)
    assert len(hits) == 1
    assert gaz.coords[hits[0]] == "exact"


# -------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("spellings", "name", "uk", "ru"),
    [
        (["Kyiv", "Київ", "Киев", "Kiev", "KYIV", "Києва", "у Києві"], "Kyiv", "Київ", "Киев"),
        (["Kharkiv", "Харків", "Харьков", "Kharkov", "Харкова", "Харькова", "Харкові", "Харьковом"],
         "Kharkiv", "Харків", "Харьков"),
        (["Bakhmut", "Бахмут", "Artemivsk", "Artemovsk", "Артемовск", "Артемівськ", "Бахмута"],
         "Bakhmut", "Бахмут", "Бахмут"),
        (["Dnipro", "Дніпро", "Днепр", "Dnipropetrovsk", "Днепропетровск", "Дніпропетровська"],
         "Dnipro", "Дніпро", "Днепр"),
        (["Pokrovsk", "Покровськ", "Покровск", "Krasnoarmiisk"], "Pokrovsk", "Покровськ", "Покровск"),
        (["Avdiivka", "Avdiyivka", "Авдіївка", "Авдеевка", "Авдіївки", "Авдеевку"], "Avdiivka", "Авдіївка", "Авдеевка"),
        (["Odesa", "Одеса", "Одесса", "Odessa", "Одесі"], "Odesa", "Одеса", "Одесса"),
        (["Izium", "Izyum", "Ізюм", "Изюм", "Изюма"], "Izium", "Ізюм", "Изюм"),
    ],
)
def test_lookup_in_three_scripts_former_and_declined(gaz, spellings, name, uk, ru):
    for s in spellings:
        m = gaz.resolve(s.removeprefix("у "))
        assert m.decided, (s, m.reason)
        i = m.best
        assert (gaz.names[i], gaz.names_uk[i]) == (name, uk), s
        # the Russian form is among the names, up to soft signs (the source's name_ru column
        # is sparse and conservative: it gives Харков, without the soft sign, for Kharkiv)
        assert fold(ru) in {fold(f) for f in gaz.name_forms(i)}


def test_former_names_are_kept(gaz):
    [b] = gaz.lookup("Bakhmut", oblast="Donetsk")
    assert "Артемівськ" in gaz.alternates[b]
    [d] = gaz.lookup("Dnipro", oblast="Dnipropetrovsk", raion="Dnipro")
    assert "Дніпропетровськ" in gaz.alternates[d]
    # the codifier's own former name (renamed after 2023): Prolisne was Chkalovske
    [p] = gaz.lookup("Chkalovske", oblast="Kharkiv")
    assert gaz.names[p] == "Prolisne" and transliterate(gaz.formers[p]) == "Chkalovske"


def test_stem_matches_declined_forms_only_as_fallback(gaz):
    assert stem("Харків") == stem("Харкова") == stem("Харькове") == stem("Харкові")
    assert stem("Велика Комишуваха") == stem("Великої Комишувахи")
    assert stem("Олександрівка") == stem("Олександрівці") == stem("Олександрівкою")
    assert stem("Нова Каховка") == stem("Новій Каховці")
    assert stem("Kharkiv") == ""
    assert stem("Харків") != stem("Херсон")
    # an exact name wins over a declined reading: Покровське is its own village, not Покровськ
    assert {gaz.names[i] for i in gaz.lookup("Покровське")} == {"Pokrovske"}
    assert gaz.resolve("Великої Комишувахи").how == "declined"
    assert gaz.names[gaz.resolve("Великої Комишувахи").best] == "Velyka Komyshuvakha"
    assert gaz.resolve("Kharkiv").how == "exact" and gaz.resolve("Atlantis").how == "none"


def test_transliteration_and_fold():
    assert transliterate("Запоріжжя") == "Zaporizhzhia"
    assert transliterate("Юр'ївка") == "Yurivka"
    assert transliterate("Згурівка") == "Zghurivka"
    assert transliterate("Щастя") == "Shchastia"
    assert transliterate("Єнакієве") == "Yenakiieve"
    assert transliterate("Часів Яр") == "Chasiv Yar"
    assert fold("Kramators'k") == fold("Краматорськ") == fold("KRAMATORSK") == "kramatorsk"
    assert fold("Bilhorod-Dnistrovskyi") == "bilhorod dnistrovskyi"


def test_english_names_are_the_official_romanisation(gaz):
    rng = np.random.default_rng(3)
    for i in rng.choice(len(gaz), 500, replace=False):
        assert gaz.names[i] == transliterate(gaz.names_uk[i]).replace("’", ""), gaz.names_uk[i]


# ------------------------------------------------------------------ namesakes
def test_namesake_counts(gaz):
    # SOURCE_full.md: 78 Новоселівка and 108 Олександрівка (exact Ukrainian name)
    assert sum(n == "Новоселівка" for n in gaz.names_uk) == 78
    assert sum(n == "Олександрівка" for n in gaz.names_uk) == 108
    assert sum(n == "Благодатне" for n in gaz.names_uk) == 39


def test_display_names_are_unique_and_name_the_raion(gaz):
    names = [gaz.display_name(i) for i in range(len(gaz))]
    assert len(set(names)) == len(names)
    assert gaz.display_name(gaz.lookup("Kramatorsk")[0]) == "Kramatorsk"
    [lyman] = gaz.lookup("Lyman", oblast="Donetsk", raion="Kramatorsk")
    assert gaz.display_name(lyman) == "Lyman (Kramatorsk raion, Donetsk)"
    # namesakes within one raion are told apart by their hromada
    [o] = gaz.lookup("Oleksandrivka", oblast="Kherson", raion="Kherson")
    assert gaz.display_name(o) == "Oleksandrivka (Kherson raion, Kherson)"
    [o2] = gaz.lookup("Oleksandrivka", raion="Bashtanka", hromada="Horokhivska")
    assert gaz.display_name(o2) == "Oleksandrivka (Horokhivska hromada, Bashtanka raion, Mykolaiv)"


def test_a_few_display_names_made_alone_equal_those_made_with_all(gaz):
    import dataclasses

    places = [gaz.lookup("Lyman", oblast="Donetsk", raion="Kramatorsk")[0], gaz.lookup("Kramatorsk")[0],
              gaz.lookup("Oleksandrivka", raion="Bashtanka", hromada="Horokhivska")[0]]
    alone = dataclasses.replace(gaz, _cache={})  # nothing grouped yet: each name's namesakes found on their own
    assert [alone.display_name(i) for i in places] == [gaz.display_name(i) for i in places]
    assert "namesakes" not in alone._cache


def test_undecidable_name_asks_which_one(gaz):
    m = gaz.resolve("Oleksandrivka")
    assert not m.decided and m.best is None
    assert m.reason.startswith("109 places called 'Oleksandrivka'; which one? ")  # 108 + one former name
    assert len(m.candidates) == 10
    # deterministic: the same answer every time, ties broken by id
    assert gaz.resolve("Oleksandrivka") == m
    assert m.as_dict()["decided"] is False and m.as_dict()["best"] is None


def test_context_decides_namesakes(gaz):
    m = gaz.resolve("Oleksandrivka", oblast="Kherson", raion="Kherson")
    assert m.decided and gaz.display_name(m.best) == "Oleksandrivka (Kherson raion, Kherson)"
    assert m.candidates[0].matches == ("raion", "oblast")
    assert m.reason == "the only place of that name in raion Kherson, oblast Kherson"
    # an oblast alone does not decide between Kherson oblast's five Blahodatnes
    m = gaz.resolve("Blahodatne", oblast="UA-65")
    assert not m.decided and "5 places called 'Blahodatne' in oblast UA-65; which one?" in m.reason
    # a point decides: 2 km from the village, every namesake much further
    [b] = gaz.lookup("Blahodatne", oblast="Kherson", raion="Kherson")
    lon, lat, _ = GEOD.fwd(gaz.lon[b], gaz.lat[b], 90.0, 2_000.0)
    m = gaz.resolve("Благодатне", near=shapely.Point(lon, lat))
    assert m.decided and m.best == b and m.reason.startswith("nearest of 39 namesakes (2 km")
    assert m.candidates[0].distance_km == pytest.approx(2.0, rel=0.02)
    # the front line as context: the Oleksandrivka on a line through Kherson oblast's is chosen
    [o] = gaz.lookup("Oleksandrivka", oblast="Kherson", raion="Kherson")
    front = shapely.LineString([(gaz.lon[o] - 0.3, gaz.lat[o] + 0.05), (gaz.lon[o] + 0.3, gaz.lat[o] + 0.05)])
    m = gaz.resolve("Олександрівки", near=front)
    assert m.how == "declined" and m.best == o
    # a region named nearby that no namesake is in: undecided, but all candidates kept
    m = gaz.resolve("Lyman", oblast="Volyn")
    assert not m.decided and len(m.candidates) == len(gaz.lookup("Lyman"))


def test_distances_against_pyproj(gaz):
    rng = np.random.default_rng(11)
    idx = rng.choice(len(gaz), 200, replace=False)
    lon0, lat0 = 35.0, 48.5
    d = gaz.distances_km(idx, shapely.Point(lon0, lat0))
    _, _, ref = GEOD.inv(np.full(idx.size, lon0), np.full(idx.size, lat0), gaz.lon[idx], gaz.lat[idx])
    near = ref < 300_000
    assert near.sum() > 20
    np.testing.assert_allclose(d[near], ref[near] / 1000.0, rtol=0.02)


def test_lookup_unknown_is_empty(gaz):
    assert gaz.lookup("Atlantis") == []
    assert not gaz.resolve("Atlantis").decided


def test_describe_gives_the_row_fields(gaz):
    [i] = gaz.lookup("Bakhmut", oblast="Donetsk")
    d = gaz.describe(i)
    assert d["category"] == "city" and d["name_uk"] == "Бахмут" and "Артемівськ" in d["other_names"]
    assert d["coord_precision"] == "exact" and d["population_source"] == "OSM"


# ------------------------------------------------------------------ geometry
def test_nearest_matches_pyproj_geod(gaz):
    # brute force over every place; the great-circle pre-selection must not change the answer
    rng = np.random.default_rng(7)
    probes = [*zip(rng.uniform(23, 40, 10), rng.uniform(45, 52, 10), strict=True), (0.0, 0.0), (179.9, -60.0),
              (37.55, 47.07), (37.5501, 47.0701)]  # far away, and two probes a few metres apart
    for lon, lat in probes:
        i, d = gaz.nearest(lon, lat)
        _, _, all_d = GEOD.inv(np.full(len(gaz), lon), np.full(len(gaz), lat), gaz.lon, gaz.lat)
        assert i == int(np.argmin(all_d))
        assert d == all_d[i] / 1000.0
    k = gaz.lookup("Kramatorsk")[0]
    assert gaz.nearest(gaz.lon[k], gaz.lat[k]) == (k, 0.0)


def test_within_vectorised_point_in_polygon(gaz):
    oblasts = REGISTRY.region_layer("ukraine", "oblast")
    donetsk = oblasts.geometries[find_region(oblasts, "Donetsk")]
    inside = gaz.within(donetsk)
    # intersects_xy prepares its geometry in place: a copy, not the shared layer's own
    expected = np.flatnonzero(shapely.intersects_xy(prepared_copy(donetsk), gaz.lon, gaz.lat))
    np.testing.assert_array_equal(inside, expected)
    assert gaz.lookup("Kramatorsk")[0] in inside and gaz.lookup("Kharkiv")[0] not in inside
    # nearly all places inside carry the oblast the codifier says
    labelled = np.mean([gaz.oblast_ids[i] == "UA-14" for i in inside])
    assert labelled > 0.99
    assert gaz.within(shapely.box(0, 0, 1, 1)).size == 0
    assert gaz.within(shapely.Polygon()).size == 0


def test_raion_and_hromada_ids_are_the_shipped_layers(gaz):
    raions = set(REGISTRY.region_layer("ukraine", "raion").ids)
    hromadas = set(REGISTRY.region_layer("ukraine", "hromada").ids)
    assert {r for r in gaz.raion_ids if r} <= raions
    # OSM has no hromadas for Crimea and Sevastopol, and lacks 3 others (27 settlements)
    mainland = [h for h, o in zip(gaz.hromada_ids, gaz.oblast_ids, strict=True) if h and o not in ("UA-43", "UA-40")]
    missing = [h for h in mainland if h not in hromadas]
    assert len(set(missing)) <= 3 and len(missing) < 0.002 * len(mainland)


# ------------------------------------------------------------------ reading
def test_read_gazetteer_old_and_new_columns(tmp_path):
    old = "id,name,name_uk,name_ru,alt,lat,lon,population,oblast_id,raion_id,oblast,raion\n"
    p = tmp_path / "old.csv"
    p.write_text(old + "x:1,Hildburg,,,Hildsburg,50.8,10.5,120000,P-N,D-N1,Northmark,Frostby\n")
    g = read_gazetteer(p)
    assert g.categories == ("",) and g.coords == ("",) and g.lookup("Hildsburg") == [0]
    new = old.rstrip("\n") + ",category,former,hromada,hromada_id,population_source,coord\n"
    p.write_text(new + "x:1,Hildburg,,,,50.8,10.5,120000,P-N,D-N1,Northmark,Frostby,city,Oldburg,H,h1,OSM,hromada\n")
    g = read_gazetteer(p)
    assert (g.categories[0], g.formers[0], g.hromadas[0], g.coords[0]) == ("city", "Oldburg", "H", "hromada")
    assert g.lookup("Oldburg") == [0] and g.lookup("Frostby", raion="Frostby") == []


def test_read_gazetteer_errors(tmp_path):
    bad = tmp_path / "g.csv.gz"
    bad.write_bytes(gzip.compress(b"id,name,lat\nx,y,1\n"))
    with pytest.raises(SourceFormatError, match=r"g\.csv\.gz: gazetteer lacks columns \['name_uk'"):
        read_gazetteer(bad)
    header = "id,name,name_uk,name_ru,alt,lat,lon,population,oblast_id,raion_id,oblast,raion\n"
    nums = tmp_path / "n.csv"
    nums.write_text(header + "gn:1,A,,,,48.1,north,5,UA-14,,Donetsk,\n")
    with pytest.raises(SourceFormatError, match=r"n\.csv line 2: could not convert string to float: 'north'"):
        read_gazetteer(nums)
    trunc = tmp_path / "t.csv.gz"
    trunc.write_bytes(gzip.compress(header.encode())[:-6])
    with pytest.raises(SourceFormatError, match=r"t\.csv\.gz: corrupt gzip"):
        read_gazetteer(trunc)

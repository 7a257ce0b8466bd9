"""The shipped settlement gazetteer: names in three scripts, disambiguation, geometry queries."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import shapely
from pyproj import Geod

from frontlines.conflicts import default_registry
from frontlines.core.prepared import prepared_copy
from frontlines.errors import SourceFormatError
from frontlines.sources.boundaries import find_region
from frontlines.sources.gazetteer import fold, read_gazetteer, transliterate

REGISTRY = default_registry()


@pytest.fixture(scope="module")
def gaz():
    return REGISTRY.gazetteer("ukraine")


def test_size_and_sources(gaz):
    assert len(gaz) > 9000
    gn = sum(i.startswith("gn:") for i in gaz.ids)
    osm = sum(i.startswith("osm:") for i in gaz.ids)
    # 5,488 GeoNames places less 18 entries that list one place twice (Makiivka, Snihurivka ...)
    assert gn == 5470 and osm > 3000 and gn + osm == len(gaz)
    assert len(set(gaz.ids)) == len(gaz)
    assert gaz.population.dtype.kind == "i" and gaz.lon.dtype == float
    assert ((gaz.lon > 22) & (gaz.lon < 40.3) & (gaz.lat > 44.3) & (gaz.lat < 52.4)).all()


def test_one_place_is_listed_once(gaz):
    # GeoNames lists Makiivka twice and OSM adds Snihurivka 2 km from GeoNames' point:
    # counting settlements that changed hands must count each place once.
    assert [gaz.oblasts[i] for i in gaz.lookup("Makiivka")].count("Donetsk") == 1
    assert [gaz.oblasts[i] for i in gaz.lookup("Snihurivka")].count("Mykolaiv") == 1


def test_lyman_disambiguated_by_raion_and_oblast(gaz):
    hits = gaz.lookup("Lyman")
    assert len(hits) >= 4
    # most populous first: the town in Donetsk oblast
    assert gaz.display_name(hits[0]) == "Lyman (Kramatorsk raion, Donetsk)"
    names = [gaz.display_name(i) for i in hits]
    assert "Lyman (Bilhorod-Dnistrovskyi raion, Odesa)" in names
    assert len(set(names)) == len(names)
    # two Lymans in Chuhuiv raion get coordinates too
    chuhuiv = [n for n in names if n.startswith("Lyman (Chuhuiv raion, Kharkiv; ")]
    assert len(chuhuiv) == 2
    assert gaz.lookup("Lyman", oblast="Donetsk") == [hits[0]]
    assert gaz.lookup("Lyman", oblast="UA-14") == [hits[0]]
    # a unique name is shown bare
    assert gaz.display_name(gaz.lookup("Kramatorsk")[0]) == "Kramatorsk"


@pytest.mark.parametrize(
    ("spellings", "name", "uk", "ru"),
    [
        (["Kyiv", "Київ", "Киев", "Kiev", "KYIV"], "Kyiv", "Київ", "Киев"),
        (["Kharkiv", "Харків", "Харьков", "Kharkov"], "Kharkiv", "Харків", "Харьков"),
        (["Bakhmut", "Бахмут", "Artemovsk", "Артемовск"], "Bakhmut", "Бахмут", "Бахмут"),
        (["Pokrovsk", "Покровськ", "Покровск", "Krasnoarmeysk"], "Pokrovsk", "Покровськ", "Покровск"),
        (["Avdiivka", "Avdiyivka", "Авдіївка", "Авдеевка"], "Avdiyivka", "Авдіївка", "Авдеевка"),
        (["Odesa", "Одеса", "Одесса", "Odessa"], "Odesa", "Одеса", "Одесса"),
    ],
)
def test_lookup_in_three_scripts(gaz, spellings, name, uk, ru):
    firsts = {gaz.lookup(s)[0] for s in spellings}
    assert len(firsts) == 1
    i = firsts.pop()
    assert (gaz.names[i], gaz.names_uk[i], gaz.names_ru[i]) == (name, uk, ru)


def test_lookup_unknown_is_empty(gaz):
    assert gaz.lookup("Atlantis") == []


def test_osm_villages_fill_in(gaz):
    # OSM rows have a romanised English name and their Ukrainian one, never duplicating GeoNames
    osm = [i for i, k in enumerate(gaz.ids) if k.startswith("osm:")]
    i = osm[0]
    assert gaz.names[i] == transliterate(gaz.names_uk[i])
    assert gaz.oblast_ids[i].startswith("UA-") and gaz.raions[i]
    for j in osm[:300]:
        same = [k for k in gaz.lookup(gaz.names[j]) if k != j and gaz.ids[k].startswith("gn:")]
        for k in same:
            _, _, d = Geod(ellps="WGS84").inv(gaz.lon[j], gaz.lat[j], gaz.lon[k], gaz.lat[k])
            assert d >= 2000.0


def test_nearest_matches_pyproj_geod(gaz):
    geod = Geod(ellps="WGS84")
    rng = np.random.default_rng(7)
    for lon, lat in zip(rng.uniform(23, 40, 20), rng.uniform(45, 52, 20), strict=True):
        i, d = gaz.nearest(lon, lat)
        _, _, all_d = geod.inv(np.full(len(gaz), lon), np.full(len(gaz), lat), gaz.lon, gaz.lat)
        assert i == int(np.argmin(all_d))
        assert d == pytest.approx(all_d[i] / 1000.0, rel=1e-12)
    # from Kramatorsk's own coordinates: distance 0
    k = gaz.lookup("Kramatorsk")[0]
    assert gaz.nearest(gaz.lon[k], gaz.lat[k]) == (k, 0.0)
    # a point 10 km due north of Sumy
    s = gaz.lookup("Sumy")[0]
    lon2, lat2, _ = geod.fwd(gaz.lon[s], gaz.lat[s], 0.0, 10_000.0)
    i, d = gaz.nearest(lon2, lat2)
    assert d <= 10.0 + 1e-9


def test_within_vectorised_point_in_polygon(gaz):
    oblasts = REGISTRY.region_layer("ukraine", "oblast")
    donetsk = oblasts.geometries[find_region(oblasts, "Donetsk")]
    inside = gaz.within(donetsk)
    # intersects_xy prepares its geometry in place: a copy, not the shared layer's own
    expected = np.flatnonzero(shapely.intersects_xy(prepared_copy(donetsk), gaz.lon, gaz.lat))
    np.testing.assert_array_equal(inside, expected)
    assert gaz.lookup("Kramatorsk")[0] in inside and gaz.lookup("Kharkiv")[0] not in inside
    # nearly all places inside carry the oblast the data says
    labelled = np.mean([gaz.oblast_ids[i] == "UA-14" for i in inside])
    assert labelled > 0.99
    assert gaz.within(shapely.box(0, 0, 1, 1)).size == 0
    assert gaz.within(shapely.Polygon()).size == 0


def test_transliteration_and_fold():
    assert transliterate("Запоріжжя") == "Zaporizhzhia"
    assert transliterate("Юр'ївка") == "Yurivka"
    assert transliterate("Згурівка") == "Zghurivka"
    assert transliterate("Щастя") == "Shchastia"
    assert transliterate("Єнакієве") == "Yenakiieve"
    assert transliterate("Часів Яр") == "Chasiv Yar"
    assert fold("Kramators'k") == fold("Краматорськ") == fold("KRAMATORSK") == "kramatorsk"
    assert fold("Bilhorod-Dnistrovskyi") == "bilhorod dnistrovskyi"


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

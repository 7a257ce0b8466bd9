"""The settlement index on every backend: written at ingest, extended by a later ingest, read back."""

from __future__ import annotations

import numpy as np
import pytest

from frontlines import service
from frontlines.conflicts import default_registry
from frontlines.model import LayerKey
from frontlines.service import settlement_index as si
from tests.store.test_store_contract import _first_files

LAYER = LayerKey("russia", "control")


@pytest.fixture(scope="module")
def four_history_files(tmp_path_factory):
    return _first_files("deepstate-history-2022-2025.tar.xz", 4, tmp_path_factory.mktemp("history4"))


def test_put_and_read_back(any_store):
    assert any_store.settlement_index("src", LAYER) is None
    any_store.put_settlement_index("src", LAYER, "digest", b"\x01\x02", b"\x03")
    assert any_store.settlement_index("src", LAYER) == ("digest", b"\x01\x02", b"\x03")
    any_store.put_settlement_index("src", LAYER, "other", b"", b"")  # replaces
    assert any_store.settlement_index("src", LAYER) == ("other", b"", b"")


@pytest.mark.realdata
def test_ingest_writes_and_extends_the_index(four_history_files, any_store):
    st = any_store
    gaz = default_registry().gazetteer("ukraine")
    digest = si.gazetteer_digest(gaz)
    service.ingest(st, "deepstate-history", four_history_files[:2], workers=1)
    sel = service.select(st)
    first = si.stored_index(st, sel.source, sel.layer, digest)
    assert first is not None and len(first.basis) == 2
    version = st.data_version
    service.ingest(st, "deepstate-history", four_history_files[2:], workers=1)  # extends it
    assert st.data_version == version + 1
    sel = service.select(st)
    found = si.stored_index(st, sel.source, sel.layer, digest)
    basis = si.basis_of(st, sel)
    assert np.array_equal(found.basis, basis) and len(basis) == 4
    assert np.array_equal(found.basis[:2], first.basis)
    fresh = si.compute_index(st, sel, gaz, basis)  # from scratch, in memory
    for a, b in zip(found.events[:3], fresh[:3]):
        assert np.array_equal(a, b)
    # the index's statuses at the last snapshot are those of the plain point-in-polygon test
    from frontlines.core.measure import dissolve
    from frontlines.core.settlements import settlement_status

    sid, cid = (int(v) for v in basis[-1])
    layers = {"control": dissolve(list(st.layer_parts(sid, sel.layer).values()))}
    if cid >= 0:
        layers["contested"] = dissolve(list(st.layer_parts(cid, LayerKey("russia", "contested")).values()))
    plain = settlement_status(gaz.lon, gaz.lat, layers)
    codes = found.codes_at(len(basis) - 1, len(gaz))[0]
    assert (np.asarray(si.LABELS, dtype=object)[codes] == plain).all()
    assert (plain == "control").sum() > 1000

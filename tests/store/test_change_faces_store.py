"""The change-face index table (schema 8) on every backend: opaque rows, replaced whole."""

from __future__ import annotations

from frontlines.model import LayerKey

LAYER = LayerKey("russia", "control")


def test_put_and_read_back(any_store):
    assert any_store.change_faces("src", LAYER) is None
    any_store.put_change_faces("src", LAYER, "basis", b"\x01\x02", b"\x05")
    assert any_store.change_faces("src", LAYER) == ("basis", b"\x01\x02", None)  # geometries only when asked
    assert any_store.change_faces("src", LAYER, geometry=True) == ("basis", b"\x01\x02", b"\x05")
    any_store.put_change_faces("src", LAYER, "other", b"\x03", None)  # replaces
    assert any_store.change_faces("src", LAYER, geometry=True) == ("other", b"\x03", None)
    assert any_store.change_faces("src", LayerKey("russia", "contested")) is None

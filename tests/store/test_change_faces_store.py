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


def test_geometry_as_a_file_reads_parts_of_the_blob(any_store):
    import io
    import os

    import numpy as np

    with any_store.change_faces_geometry("src", LAYER) as f:
        assert f is None
    blob = os.urandom(300_000)
    any_store.put_change_faces("src", LAYER, "basis", b"\x01", blob)
    with any_store.change_faces_geometry("src", LAYER) as f:
        assert f.seekable()
        f.seek(123_456)
        assert f.read(10) == blob[123_456:123_466]
        f.seek(-5, io.SEEK_END)
        assert f.read() == blob[-5:]
        f.seek(0)
        assert f.read() == blob
    # an npz read through it gives the arrays written (what the change-face geometries are)
    buf = io.BytesIO()
    arrays = {"a": np.arange(50_000, dtype=np.int64), "b": np.frombuffer(os.urandom(1000), dtype=np.uint8)}
    np.savez(buf, **arrays)
    any_store.put_change_faces("src", LAYER, "basis", b"\x01", buf.getvalue())
    with any_store.change_faces_geometry("src", LAYER) as f:
        z = np.load(f, allow_pickle=False)
        assert np.array_equal(z["b"], arrays["b"]) and np.array_equal(z["a"], arrays["a"])
    any_store.put_change_faces("src", LAYER, "basis", b"\x01", None)
    with any_store.change_faces_geometry("src", LAYER) as f:
        assert f is None

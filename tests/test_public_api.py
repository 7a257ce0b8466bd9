"""The curated public API: ``__all__`` lists exactly the public names, sorted."""

from __future__ import annotations

import frontlines
import frontlines.errors


def test_all_is_sorted_and_complete() -> None:
    public = {name for name in vars(frontlines) if not name.startswith("_") and not _is_submodule(name)} - {"annotations"}
    assert set(frontlines.__all__) - {"__version__"} == public
    assert frontlines.__all__ == sorted(frontlines.__all__)


def _is_submodule(name: str) -> bool:
    import types

    return isinstance(getattr(frontlines, name), types.ModuleType)


def test_every_error_is_exported_and_derives_from_the_root() -> None:
    for name in frontlines.errors.__all__:
        cls = getattr(frontlines, name)
        assert issubclass(cls, frontlines.FrontlinesError)


def test_public_functions_have_numpy_docstrings() -> None:
    for name in ("area", "change", "series", "ingest", "frontline", "settlements", "check", "export"):
        doc = getattr(frontlines, name).__doc__ or ""
        assert len(doc.strip().splitlines()[0]) > 10, name

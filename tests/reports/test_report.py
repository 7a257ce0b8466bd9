"""The HTML report: self-contained, the same figures as service.change, opens in headless Chromium."""

from __future__ import annotations

import re

import numpy as np
import pytest

from frontlines import service
from frontlines.reports import html
from frontlines.reports.style import fmt_km2, fmt_signed
from frontlines.service import reporting as gather
from tests.reports.conftest import assert_not_blank, chromium_path

pytestmark = pytest.mark.realdata

START, END = "2022-09-05", "2022-09-15"


@pytest.fixture(scope="module")
def report(history_store, tmp_path_factory):
    inputs = gather.report_inputs(history_store, start=START, end=END, source="deepstate-history", region="Kharkiv")
    out = html.write_report(inputs, tmp_path_factory.mktemp("report") / "report.html")
    return inputs, out, out.read_text(encoding="utf-8")


def test_headline_figures_match_api_change(history_store, report) -> None:
    _, _, text = report
    doc = service.change(history_store, start=START, end=END, source="deepstate-history", by="oblast").as_dict()
    for value in (fmt_km2(doc["gained_km2"]), fmt_km2(doc["lost_km2"]), fmt_signed(doc["net_km2"]),
                  fmt_km2(doc["area_from_km2"]), fmt_km2(doc["area_to_km2"])):
        assert f"{value} km²" in text, value
    kharkiv = next(r for r in doc["regions"] if r["name"] == "Kharkiv")
    assert f"<td>Kharkiv</td><td class=\"num\">{fmt_km2(kharkiv['gained_km2'])}</td>" in text
    assert f"<td class=\"num\">{fmt_km2(kharkiv['lost_km2'])}</td>" in text


def test_sections_and_content(report) -> None:
    inputs, _, text = report
    for heading in ("Headline figures", "Change map", "Over time", "By region", "Settlements that changed hands",
                    "Data quality", "Method", "Raions of Kharkiv"):
        assert heading in text, heading
    assert "<td>Izium</td>" in text and "<td>Kupiansk</td>" in text
    assert inputs.front_before is not None and f"{inputs.front_after['length_km']:,.1f} km" in text
    assert "depth of gains" in text
    if inputs.far_gained is not None:  # detached slivers are called out, not hidden
        assert "lies wholly more than 10 km from the front line" in text
    # ISW covers the same days: a cross-check table
    assert "ISW / Critical Threats" in text and "net differs by" in text
    assert text.count("data:image/png;base64,") >= 4
    assert "DeepStateMap" in text and "OpenStreetMap" in text


def test_self_contained(report) -> None:
    _, _, text = report
    # no external resource: every src / href is inline data or an in-page anchor
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', text)
    assert refs and all(r.startswith(("data:", "#")) for r in refs), [r[:40] for r in refs if not r.startswith("data:")]
    assert "<script" not in text and "@import" not in text and "url(" not in text
    assert "<link" not in text


@pytest.mark.browser
def test_opens_in_headless_chromium(report, tmp_path) -> None:
    exe = chromium_path()
    from playwright import (
        sync_api,  # a dev dependency: missing it is a failure, not a skip
    )
    _, path, _ = report
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run"]
    errors, requests = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=flags, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            shot = tmp_path / "shot.png"
            page.screenshot(path=str(shot), full_page=True)
            broken = page.evaluate("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length")
        finally:
            browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert broken == 0
    import imageio.v3 as iio

    img = iio.imread(shot)
    assert img.shape[0] > 3000  # a long page
    assert_not_blank(np.asarray(img)[..., :3])


@pytest.mark.browser
def test_pdf(report, tmp_path) -> None:
    exe = chromium_path()
    _, path, _ = report
    pdf = html.to_pdf(path, tmp_path / "report.pdf", chromium=exe)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000

"""Live fetchers: pure HTTP against a provider's public endpoints, with response-shape checks.

- :mod:`~frontlines.sources.fetch.http`: the polite client (rate limit, timeouts, retries
  with exponential backoff and jitter, ``Retry-After``, conditional requests, a guard that
  allows requests only under the configured base URLs);
- :mod:`~frontlines.sources.fetch.deepstate`: DeepStateMap's history API;
- :mod:`~frontlines.sources.fetch.arcgis`: ISW / CTP ArcGIS FeatureServer layers.

Fetchers return bytes and validated metadata; storing and normalising is the service's
job (:mod:`frontlines.service.sync`), through the same adapters as files.
"""

from __future__ import annotations

from frontlines.sources.fetch.http import (
    Fetched,
    FetchError,
    FetchSettings,
    HttpFetcher,
    ShapeError,
)

__all__ = ["FetchError", "FetchSettings", "Fetched", "HttpFetcher", "ShapeError"]

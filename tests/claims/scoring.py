"""Extraction precision / recall over the claim corpora (run: ``python -m tests.claims.scoring``).

A corpus entry lists the claims a reader should find, by their key fields (kind, value,
qualifier, actor, action, and where given: window, region, place, comparison).  A found
claim is a true positive when it matches an expected claim of its sentence on every
field the expectation gives; unmatched found claims are false positives, unmatched
expected claims false negatives.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from frontlines.claims import extract_claims
from frontlines.conflicts import default_registry

HERE = Path(__file__).parent
CORPORA = ("corpus.jsonl", "corpus_multilingual.jsonl")


def load(name: str) -> list[dict[str, Any]]:
    """Entries of one corpus file; the full-form corpus is reduced to key fields."""
    out = []
    for line in (HERE / name).read_text("utf-8").splitlines():
        if not line.strip():
            continue
        e = json.loads(line)
        e.setdefault("lang", "en")
        e["claims"] = [_compact(c) if "figure_text" in c else c for c in e["claims"]]
        out.append(e)
    return out


def _compact(c: dict[str, Any]) -> dict[str, Any]:
    d = {k: c[k] for k in ("kind", "value", "qualifier", "actor", "action")}
    d["qualifier"] = c["qualifier"]
    if c["window"]:
        d["start"], d["end"] = c["window"]["start"], c["window"]["end"]
    if c["place"]:
        d["region"] = c["place"]["region"]
    return d


def matches(want: dict[str, Any], got: dict[str, Any]) -> bool:
    """Whether a found claim (``Claim.as_dict()``) has every field the expectation gives."""
    for k in ("kind", "qualifier", "actor", "action"):
        if got[k] != want[k]:
            return False
    if want["value"] is None:
        if got["value"] is not None and want["kind"] != "comparison":
            return False
    elif got["value"] is None or abs(got["value"] - want["value"]) > 1e-6 * max(1.0, abs(want["value"])):
        return False
    w = got["window"] or {}
    if "start" in want and (w.get("start"), w.get("end")) != (want["start"], want["end"]):
        return False
    if want.get("note") and not w.get("note"):
        return False
    place = got["place"] or {}
    if "region" in want and place.get("region") != want["region"]:
        return False
    if "place" in want and (place.get("raw") if want["place"] is not None else got["place"]) != want["place"]:
        return False
    cmp = got["comparison"] or {}
    if "other_actor" in want and cmp.get("other_actor") != want["other_actor"]:
        return False
    if "other_start" in want and (cmp.get("other_window") or {}).get("start") != want["other_start"]:
        return False
    return not ("quantity" in want and cmp.get("quantity") != want["quantity"])


def score_entry(entry: dict[str, Any]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one sentence."""
    got = [c.as_dict() for c in extract_claims(entry["text"], dt.date.fromisoformat(entry["published"]),
                                                  conflict=default_registry().get("ukraine"))]
    left = list(entry["claims"])
    tp = 0
    for g in got:
        hit = next((w for w in left if matches(w, g)), None)
        if hit is not None:
            left.remove(hit)
            tp += 1
    return tp, len(got) - tp, len(left)


def score(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Precision and recall over entries."""
    tp = fp = fn = 0
    for e in entries:
        a, b, c = score_entry(e)
        tp, fp, fn = tp + a, fp + b, fn + c
    return {"sentences": len(entries), "expected": tp + fn, "found": tp + fp, "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0}


def report() -> dict[str, dict[str, Any]]:
    """Scores per language over every corpus."""
    entries = [e for name in CORPORA for e in load(name)]
    out = {"all": score(entries)}
    for lang in ("en", "uk", "ru"):
        out[lang] = score([e for e in entries if e["lang"] == lang])
    return out


if __name__ == "__main__":
    for k, v in report().items():
        print(f"{k}: {v['sentences']} sentences, {v['expected']} expected claims, precision {v['precision']:.3f}, "
              f"recall {v['recall']:.3f} (tp {v['tp']}, fp {v['fp']}, fn {v['fn']})")

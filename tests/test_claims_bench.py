"""The extractor meets its goals on the labelled development set (a regression fails CI).

Goals (issue 5): overall F1 >= 0.90 where a claim must match in entity, metric, value and
comparator; at most one false claim per 10 hard-negative sentences; >= 2,000 sentences/s on one
core (on the machine the goal was measured on: the bar is scaled down when a reference workload
runs slower than it did there). Both the dev split (tuned on) and the held-out test split must
meet them.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from rerating.claims import Extractor

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench_claims.py"


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_claims", BENCH)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["bench_claims"] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def test_devset_shape(bench) -> None:  # type: ignore[no-untyped-def]
    rows = bench.load()
    claims = [c for r in rows for c in r["claims"]]
    assert len(claims) >= 150
    assert sum(r["hard_negative"] for r in rows) >= 40
    han = [r for r in rows if any("\u4e00" <= ch <= "\u9fff" for ch in r["text"])]
    assert 40 <= len(han) <= len(rows) - 40  # both languages well represented
    test = [r for r in rows if r["split"] == "test"]
    assert 0.15 <= len(test) / len(rows) <= 0.35  # every fifth record plus the later held-out set
    for c in claims:
        assert {"entity", "symbols", "metric", "window", "value", "comparator"} <= set(c)


@pytest.mark.parametrize("split", ["dev", "test"])
def test_goals(bench, extractor: Extractor, split: str) -> None:  # type: ignore[no-untyped-def]
    records = bench.load(split=split)
    scores = bench.evaluate(records, extractor, split)
    assert scores.overall["f1"] >= 0.90, json.dumps(scores.mismatches[:5], ensure_ascii=False)
    assert scores.false_per_10_negatives <= 1.0
    # The goal is the speed on the machine it was measured on. A shared virtual machine runs
    # everything at half its usual speed for minutes at a time (CI measured 1,500-1,770 sentences/s
    # against 4,000 here): the bar falls with the speed of a reference workload timed beside it
    # (bench_claims.reference_per_s), never rises above the goal, and the best of three tries counts.
    tries = []
    for _ in range(3):
        ref = bench.reference_per_s(records)
        speed = scores.sentences_per_s if not tries else bench.sentences_per_s(records, extractor)
        bar = 2000 * min(1.0, ref / bench.NOMINAL_REFERENCE_PER_S)
        tries.append((speed, round(bar)))
        if speed >= bar:
            break
    assert any(speed >= bar for speed, bar in tries), f"(sentences/s, bar): {tries}"


def test_scoring_can_fail(bench) -> None:  # type: ignore[no-untyped-def]
    """The scorer is not a tautology: an extractor that gets the sign wrong scores zero overall."""

    class Flipped:
        def __init__(self, inner: Extractor) -> None:
            self.inner = inner

        def extract(self, text, date):  # type: ignore[no-untyped-def]
            from dataclasses import replace

            out = []
            for c in self.inner.extract(text, date):
                out.append(replace(c, value={**c.value, "amount": -c.value["amount"] - 1.0}))
            return out

    rows = [r for r in bench.load(split="dev") if r["claims"]][:20]
    scores = bench.evaluate(rows, Flipped(Extractor()), "dev", timing=False)
    assert scores.overall["f1"] == 0.0
    assert scores.fields["entity"]["f1"] > 0.9

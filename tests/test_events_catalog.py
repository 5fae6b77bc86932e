"""The event catalog: schema, the date-only convention, validation errors, lookups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rerating.data.securities import load_securities
from rerating.errors import EventFormatError, UnknownEventError
from rerating.events.catalog import (
    EventCatalog,
    bundled_catalog_path,
    load_catalog,
    parse_event,
    read_events,
)

GOOD_TOML = """schema_version = 1

[[event]]
id = "r1-test"
title_en = "DeepSeek releases R1"
title_zh = "深度求索发布 R1"
date = "2025-01-20"
tz = "Asia/Shanghai"
time_known = false
kind = "model_release"
organisations = ["DeepSeek"]
symbols = ["nvda", "9988.hk"]
sources = ["https://api-docs.deepseek.com/news/news250120"]
notes = "hour unknown"

[[event]]
id = "selloff-test"
title_en = "Sell-off"
timestamp = "2025-01-27T14:30:00Z"
kind = "market"
symbols = ["NVDA"]
sources = ["https://example.org/a"]
"""


@pytest.fixture(scope="module")
def securities():
    return load_securities()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_toml_events_parse_with_the_date_only_convention(tmp_path, securities):
    cat = load_catalog(_write(tmp_path, "mine.toml", GOOD_TOML), securities=securities, bundled=False)
    r1 = cat.get("R1-TEST")  # ids are case-insensitive
    # end of 2025-01-20 in Beijing (UTC+8, no DST) = 2025-01-21 00:00 CST = 2025-01-20 16:00 UTC
    assert r1.timestamp == pd.Timestamp("2025-01-20T16:00:00Z")
    assert r1.time_known is False
    assert r1.local_date == dt.date(2025, 1, 20)
    assert r1.symbols == ("NVDA", "9988.HK")  # canonicalised through the security master
    assert r1.title_zh == "深度求索发布 R1"
    s = cat.get("selloff-test")
    assert s.time_known is True and s.tz == "UTC"
    assert s.timestamp == pd.Timestamp("2025-01-27 14:30", tz="UTC")
    assert [e.id for e in cat] == ["r1-test", "selloff-test"]  # ordered by time
    frame = cat.to_frame()
    assert list(frame["id"]) == ["r1-test", "selloff-test"]
    assert frame.loc[0, "symbols"] == "NVDA|9988.HK"


def test_csv_has_the_same_columns(tmp_path, securities):
    text = (
        "id,title_en,title_zh,timestamp,date,tz,time_known,kind,organisations,symbols,sources,notes\n"
        "csv-one,One,一,,2025-01-28,Asia/Shanghai,false,product,A|B,BABA|0700.HK,https://x.org/1,\n"
        "csv-two,Two,二,2025-01-29T01:00:00+08:00,,,,policy,,,https://x.org/2|https://x.org/3,n\n"
    )
    events = read_events(_write(tmp_path, "mine.csv", text), securities=securities)
    one, two = events
    assert one.organisations == ("A", "B") and one.symbols == ("BABA", "0700.HK")
    assert one.timestamp == pd.Timestamp("2025-01-28T16:00Z")
    # an offset is converted to UTC: 01:00 at UTC+8 is 17:00 UTC the day before
    assert two.timestamp == pd.Timestamp("2025-01-28T17:00Z") and two.time_known
    assert two.sources == ("https://x.org/2", "https://x.org/3")


def test_date_only_in_new_york_respects_dst(tmp_path, securities):
    text = GOOD_TOML.replace('date = "2025-01-20"', 'date = "2025-07-04"').replace(
        "Asia/Shanghai", "America/New_York"
    )
    ev = read_events(_write(tmp_path, "ny.toml", text), securities=securities)[0]
    # midnight after 2025-07-04 in New York (EDT, UTC-4) = 04:00 UTC on 07-05
    assert ev.timestamp == pd.Timestamp("2025-07-05T04:00Z")


@pytest.mark.parametrize(
    "old, new, field",
    [
        ('timestamp = "2025-01-27T14:30:00Z"', 'timestamp = "2025-13-45T99:00Z"', "timestamp"),
        ('timestamp = "2025-01-27T14:30:00Z"', 'timestamp = "2025-01-27"', "timestamp"),
        ('symbols = ["NVDA"]', 'symbols = ["NVDAA"]', "symbols"),
        ('sources = ["https://example.org/a"]', "sources = []", "sources"),
        ('tz = "Asia/Shanghai"', 'tz = "Asia/Beijing"', "tz"),
        ('tz = "Asia/Shanghai"\n', "", "tz"),
        ('kind = "market"', 'kind = "market"\nknd = "x"', "knd"),
    ],
)
def test_malformed_rows_name_file_row_id_and_field(tmp_path, securities, old, new, field):
    assert old in GOOD_TOML
    path = _write(tmp_path, "bad.toml", GOOD_TOML.replace(old, new))
    with pytest.raises(EventFormatError) as info:
        read_events(path, securities=securities)
    msg = str(info.value)
    assert str(path) in msg and "event #" in msg and f"'{field}'" in msg
    assert "id '" in msg


def test_unknown_listing_suggests_close_symbols(tmp_path, securities):
    path = _write(tmp_path, "bad.toml", GOOD_TOML.replace('symbols = ["NVDA"]', 'symbols = ["NVDAA"]'))
    with pytest.raises(EventFormatError, match=r"'NVDAA' \(did you mean NVDA"):
        read_events(path, securities=securities)


def test_duplicate_ids_within_and_across_files(tmp_path, securities):
    dup = GOOD_TOML.replace('id = "selloff-test"', 'id = "R1-test"')
    with pytest.raises(EventFormatError, match=r"event #2, id 'R1-test': field 'id' duplicates event #1"):
        read_events(_write(tmp_path, "dup.toml", dup), securities=securities)
    a = _write(tmp_path, "a.toml", GOOD_TOML)
    b = _write(tmp_path, "b.toml", GOOD_TOML)
    with pytest.raises(EventFormatError, match="already used in"):
        load_catalog([a, b], securities=securities, bundled=False)


def test_csv_error_names_the_line(tmp_path, securities):
    text = ("id,title_en,timestamp,kind,sources\n"
            "ok,Fine,2025-01-27T14:30Z,market,https://x\n"
            "bad,Broken,yesterday,market,https://x\n")
    with pytest.raises(EventFormatError, match=r"line 3, id 'bad': field 'timestamp' = 'yesterday'"):
        read_events(_write(tmp_path, "e.csv", text), securities=securities)


def test_schema_version_and_extension_are_checked(tmp_path, securities):
    with pytest.raises(EventFormatError, match="schema_version"):
        read_events(_write(tmp_path, "v.toml", GOOD_TOML.replace("schema_version = 1", "schema_version = 2")))
    with pytest.raises(EventFormatError, match="use .toml or .csv"):
        read_events(_write(tmp_path, "e.json", "{}"))
    with pytest.raises(EventFormatError, match="does not exist"):
        read_events(tmp_path / "nope.toml")


def test_unknown_event_suggests_close_ids(tmp_path, securities):
    cat = load_catalog(_write(tmp_path, "mine.toml", GOOD_TOML), securities=securities, bundled=False)
    with pytest.raises(UnknownEventError, match="did you mean r1-test"):
        cat.get("r1-tset")
    with pytest.raises(UnknownEventError, match="did you mean r1-test"):
        cat.get("r1")  # substring fallback
    with pytest.raises(KeyError):  # also a KeyError for callers that catch the builtin
        cat.get("zzz")


def test_filter_by_kind_and_dates(tmp_path, securities):
    cat = load_catalog(_write(tmp_path, "mine.toml", GOOD_TOML), securities=securities, bundled=False)
    assert [e.id for e in cat.filter(kind="market")] == ["selloff-test"]
    assert [e.id for e in cat.filter(start="2025-01-21")] == ["selloff-test"]
    assert [e.id for e in cat.filter(end="2025-01-20")] == ["r1-test"]
    assert len(cat.filter(kind="earnings")) == 0
    assert "r1-test" in cat and "x" not in cat


def test_catalog_rejects_duplicate_events_built_by_hand(tmp_path, securities):
    ev = read_events(_write(tmp_path, "mine.toml", GOOD_TOML), securities=securities)[0]
    with pytest.raises(EventFormatError, match="duplicate"):
        EventCatalog([ev, ev])


def test_bundled_catalog_is_valid(securities):
    if not bundled_catalog_path().is_file():
        pytest.skip("events/catalog.toml has not landed yet")
    cat = load_catalog(securities=securities)
    assert len(cat) >= 25
    ids = [e.id for e in cat]
    assert len(ids) == len({i.lower() for i in ids})
    for ev in cat:
        assert ev.sources and ev.title_en and ev.kind
        assert ev.timestamp.tzinfo is not None


def test_native_toml_dates_and_datetimes(tmp_path, securities):
    text = """schema_version = 1
[[event]]
id = "native-ts"
title_en = "t"
timestamp = 2025-01-27T09:30:00-05:00
kind = "market"
sources = ["https://example.org"]
[[event]]
id = "native-date"
title_en = "d"
date = 2025-01-20
tz = "Asia/Hong_Kong"
kind = "product"
sources = ["https://example.org"]
"""
    a, b = read_events(_write(tmp_path, "n.toml", text), securities=securities)
    assert a.timestamp == pd.Timestamp("2025-01-27T14:30Z")  # 09:30 EST
    assert b.timestamp == pd.Timestamp("2025-01-20T16:00Z") and b.local_date == dt.date(2025, 1, 20)


@settings(max_examples=20, deadline=None)
@given(st.permutations(range(6)))
def test_catalog_order_does_not_depend_on_input_order(order):
    base = [
        parse_event({"id": f"e{i}", "title_en": "x", "kind": "k", "sources": "s",
                     "date": f"2025-01-{10 + i // 2:02d}", "tz": "Asia/Shanghai" if i % 2 else "UTC"})
        for i in range(6)
    ]
    cat = EventCatalog([base[i] for i in order])
    assert [e.id for e in cat] == [e.id for e in EventCatalog(base)]
    assert all(a.timestamp <= b.timestamp for a, b in zip(cat.events, cat.events[1:], strict=False))


@pytest.mark.parametrize(
    "line",
    [
        "timestamp = 2025-01-27T14:30:00",  # a TOML local date-time
        'timestamp = "2025-01-27T14:30:00"',
        'timestamp = "2025-01-27 14:30"',
    ],
)
def test_a_timestamp_without_a_zone_is_refused(tmp_path, securities, line):
    text = GOOD_TOML.replace('timestamp = "2025-01-27T14:30:00Z"', line)
    path = _write(tmp_path, "naive.toml", text)
    with pytest.raises(EventFormatError) as info:
        read_events(path, securities=securities)
    msg = str(info.value)
    assert str(path) in msg and "id 'selloff-test'" in msg and "field 'timestamp'" in msg
    assert "has no time zone" in msg and "2025-01-27T14:30:00Z (UTC)" in msg and "+08:00" in msg


def test_a_csv_with_a_byte_order_mark_reads(tmp_path, securities):
    path = tmp_path / "bom.csv"
    path.write_text("id,title_en,kind,symbols,sources,timestamp\n"
                    "bom-test,A,product,NVDA,https://example.org,2025-01-27T14:30Z\n",
                    encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    (ev,) = read_events(path, securities=securities)
    assert ev.id == "bom-test" and ev.timestamp == pd.Timestamp("2025-01-27T14:30Z")


def test_bundled_catalog_timestamps_carry_a_zone():
    """Every bundled `timestamp` is written with its zone, so refusing zone-less times keeps it valid."""
    import re
    import tomllib

    if not bundled_catalog_path().is_file():
        pytest.skip("events/catalog.toml has not landed yet")
    doc = tomllib.loads(bundled_catalog_path().read_text(encoding="utf-8"))
    stamps = [str(t["timestamp"]) for t in doc["event"] if "timestamp" in t]
    assert stamps and all(re.search(r"(Z|[+-]\d\d:\d\d)$", s) for s in stamps)


@pytest.mark.parametrize(
    ("stamp", "tz", "local"),
    [
        ("2025-01-21T07:00+08:00", "UTC+08:00", "2025-01-21"),  # Tuesday morning in Beijing
        ("2025-01-20T20:00-05:00", "UTC-05:00", "2025-01-20"),  # Monday evening in New York
        ("2025-01-20T23:00:00Z", "UTC", "2025-01-20"),
        ("2025-01-20T23:00+05:30", "UTC+05:30", "2025-01-20"),
    ],
)
def test_a_timestamps_own_offset_is_its_zone_without_tz(stamp: str, tz: str, local: str) -> None:
    """Without ``tz`` the event's local date is the one its timestamp was written in (it was the
    UTC date, so "2025-01-21T07:00+08:00" filtered and anchored ``--days`` as 2025-01-20)."""
    ev = parse_event({"id": "e", "title_en": "x", "kind": "k", "sources": "s", "timestamp": stamp})
    assert ev.tz == tz and ev.local_date.isoformat() == local
    assert ev.timestamp == pd.Timestamp(stamp).tz_convert("UTC")  # the instant is unchanged
    # the same date alongside agrees, and the zone written back reads again
    both = parse_event({"id": "e", "title_en": "x", "kind": "k", "sources": "s", "timestamp": stamp,
                        "date": local})  # fmt: skip
    again = parse_event({"id": "e", "title_en": "x", "kind": "k", "sources": "s", "timestamp": stamp,
                         "tz": ev.tz})  # fmt: skip
    assert both == ev and again == ev


def test_a_date_against_a_utc_timestamp_without_tz_says_to_add_the_zone() -> None:
    with pytest.raises(EventFormatError, match=r"no 'tz' given: add the zone the date is in"):
        parse_event({"id": "e", "title_en": "x", "kind": "k", "sources": "s",
                     "timestamp": "2025-01-20T23:00:00Z", "date": "2025-01-21"})  # fmt: skip

"""Input readers: one registry for replay and ingest; CSV exports as people have them
(brand names, spreadsheet-mangled ids, local times) read with a mapping and say what
was done to them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from detectors.errors import ConfigError, InvalidMention
from detectors.events import Mention
from streams.cli.ingest import ingest
from streams.sources.base import ImportNotes, ReadOptions, duplicate_warning
from streams.sources.csvfile import slugify
from streams.sources.files import read_mentions, read_raw, reader_name
from tests.exports import AIRLINE_MAPS, airline_csv


def mentions(path: Path, options: ReadOptions, notes: ImportNotes | None = None) -> list[Mention]:
    rows = [m for _, m in read_mentions(path, options, notes)]
    got = [m for m in rows if isinstance(m, Mention)]
    assert len(got) == len(rows), [m for m in rows if not isinstance(m, Mention)]
    return got


class TestAirlineExport:
    @pytest.fixture()
    def export(self, tmp_path: Path) -> Path:
        return airline_csv(tmp_path / "Tweets.csv")

    def test_every_row_is_kept_with_slugs_derived_ids_and_local_times(self, export: Path) -> None:
        """One --map per column plus --time-format/--tz reads every row: distinct ids,
        slugged brands, times converted from Los Angeles local time (with its DST)."""
        notes = ImportNotes()
        options = ReadOptions.from_args(AIRLINE_MAPS, "%Y-%m-%d %H:%M:%S", "America/Los_Angeles")
        got = mentions(export, options, notes)
        assert len(got) == 300 and len({m.id for m in got}) == 300
        assert {m.brand for m in got} == {"virgin-america", "united", "southwest", "delta",
                                          "us-airways", "american"}
        assert got[0].created_at.hour == 14  # 06:0x PST (UTC-8) is 14:0x UTC
        assert notes.slugs == {"Virgin America": "virgin-america", "US Airways": "us-airways"}
        assert (notes.spreadsheet_ids, notes.derived_ids, notes.naive_times) == (300, 300, 300)
        said = "\n".join(notes.lines())
        assert "'US Airways' -> us-airways" in said and "5.70306E+17" in said
        assert "America/Los_Angeles" in said and "warning: times" not in said

    def test_the_same_file_gets_the_same_ids(self, export: Path) -> None:
        """Derived ids are stable, so a row read twice is still a duplicate."""
        options = ReadOptions.from_args(AIRLINE_MAPS, "%Y-%m-%d %H:%M:%S", "America/Los_Angeles")
        assert [m.id for m in mentions(export, options)] == [m.id for m in mentions(export, options)]

    def test_times_without_an_offset_and_no_tz_are_utc_with_a_warning(self, export: Path) -> None:
        notes = ImportNotes()
        got = mentions(export, ReadOptions.from_args(AIRLINE_MAPS, "%Y-%m-%d %H:%M:%S"), notes)
        assert got[0].created_at.hour == 6
        assert any(line.startswith("warning: times: 300 without a UTC offset, read as UTC")
                   and "--tz" in line for line in notes.lines())

    def test_keeping_mangled_ids_is_said_and_they_collide(self, export: Path) -> None:
        notes = ImportNotes()
        options = ReadOptions.from_args(AIRLINE_MAPS, "%Y-%m-%d %H:%M:%S", "UTC", ids="keep")
        got = mentions(export, options, notes)
        assert len({m.id for m in got}) < 10 and notes.derived_ids == 0
        assert "expect duplicates" in "\n".join(notes.lines())

    def test_brand_names_are_rejected_when_slugs_are_turned_off(self, export: Path) -> None:
        options = ReadOptions.from_args(AIRLINE_MAPS, "%Y-%m-%d %H:%M:%S", "UTC",
                                        slugify_brands=False)
        bad = [e for _, e in read_mentions(export, options) if isinstance(e, InvalidMention)]
        assert len(bad) == 100 and all(e.field == "brand" for e in bad)  # the two spaced names


@pytest.mark.parametrize(("name", "slug"), [("US Airways", "us-airways"), ("Virgin America",
                         "virgin-america"), ("Café Nord & Co.", "cafe-nord-co"), ("  ACME  ", "acme"),
                         ("北京", "")])
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_local_times_follow_daylight_saving(tmp_path: Path) -> None:
    """The same wall-clock hour is UTC-8 before 8 March 2015 in Los Angeles, UTC-7 after."""
    src = tmp_path / "t.csv"
    src.write_text("id,brand,text,created_at\n1,acme,hi,2015-03-07 10:00\n2,acme,hi,2015-03-09 10:00\n",
                   encoding="utf-8")
    before, after = mentions(src, ReadOptions.from_args([], "%Y-%m-%d %H:%M", "America/Los_Angeles"))
    assert (before.created_at.hour, after.created_at.hour) == (18, 17)


def test_spaced_offsets_read_without_a_time_format(tmp_path: Path) -> None:
    """The export's own '2015-02-24 11:35:52 -0800' needs no --time-format."""
    src = tmp_path / "t.csv"
    src.write_text('id,brand,text,created_at\n1,acme,hi,2015-02-24 11:35:52 -0800\n', encoding="utf-8")
    notes = ImportNotes()
    (m,) = mentions(src, ReadOptions(), notes)
    assert m.created_at == datetime(2015, 2, 24, 19, 35, 52, tzinfo=timezone.utc)
    assert notes.lines() == []


@pytest.mark.parametrize(("name", "options", "reader"), [
    ("a.jsonl", ReadOptions(), "jsonl"), ("a.csv", ReadOptions(), "csv"),
    ("a.tsv", ReadOptions(), "tsv"), ("a.txt", ReadOptions(columns={"text": "t"}), "csv"),
    ("-", ReadOptions(), "jsonl"), ("a.csv", ReadOptions(fmt="jsonl"), "jsonl"),
])
def test_the_reader_is_chosen_by_format_then_suffix_then_mapping(name: str, options: ReadOptions,
                                                                  reader: str) -> None:
    assert reader_name(name, options) == reader


def test_bad_options_name_the_option() -> None:
    with pytest.raises(ConfigError, match="--tz 'Mars/Olympus'"):
        ReadOptions.from_args([], None, "Mars/Olympus")
    with pytest.raises(ConfigError, match="--map 'nonsense'"):
        ReadOptions.from_args(["nonsense"])
    with pytest.raises(ConfigError, match="--format 'xml'"):
        reader_name("a.xml", ReadOptions(fmt="xml"))


def test_duplicate_warning_only_when_many_collide() -> None:
    assert duplicate_warning(5, 1000) is None and duplicate_warning(9, 10) is None
    assert "--ids derive" in (duplicate_warning(582, 600) or "")


class TestIngestChecks:
    """ingest checks each mention as the stream does, before anything is sent."""

    def test_far_future_mentions_are_rejected_like_the_stream_does(self, tmp_path: Path) -> None:
        src = tmp_path / "m.jsonl"
        src.write_bytes(
            b'{"id": "a", "brand": "acme", "text": "hi", "created_at": "2026-03-02T10:00:00Z"}\n'
            b'{"id": "b", "brand": "acme", "text": "hi", "created_at": "2026-03-09T10:00:00Z"}\n'
            b'{"id": "c", "brand": "acme", "text": "\xff"}\n')
        sent: list[tuple[bytes, bytes]] = []
        res = ingest(read_raw(src), lambda k, v: sent.append((k, v)),
                     now=datetime(2026, 3, 2, 10, 5, tzinfo=timezone.utc),
                     max_future=timedelta(minutes=15))
        assert [k for k, _ in sent] == [b"a"] and res.bad == 2
        assert res.errors[0][0] == 2 and "future" in res.errors[0][1]
        assert res.errors[1][0] == 3 and "UTF-8" in res.errors[1][1]

    def test_csv_rows_are_sent_in_the_wire_schema(self, tmp_path: Path) -> None:
        export = airline_csv(tmp_path / "Tweets.csv", rows=12)
        options = ReadOptions.from_args(AIRLINE_MAPS, "%Y-%m-%d %H:%M:%S", "America/Los_Angeles")
        sent: list[bytes] = []
        res = ingest(read_raw(export, options), lambda k, v: sent.append(v),
                     now=datetime(2026, 1, 1, tzinfo=timezone.utc))
        assert res.produced == 12 and res.duplicates == 0
        from detectors.events import mention_from_json

        wire = mention_from_json(sent[4])
        assert wire.brand == "us-airways" and wire.author_handle and wire.id.startswith("csv-")

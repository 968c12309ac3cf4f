"""The `firebreak` CLI: score, simulate, replay; bad arguments give one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from streams.cli.main import main
from tests.exports import AIRLINE_MAPS, airline_csv


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "streams.cli.main", *args], capture_output=True,
                          text=True, timeout=300)


class TestScore:
    def test_file_is_scored_in_input_order_with_bad_lines_in_place(self, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]
                                                                   ) -> None:
        src = tmp_path / "in.jsonl"
        src.write_text(
            json.dumps({"id": "a", "text": "I love this, wonderful!", "lang": "en"}) + "\n"
            + "{broken\n"
            + json.dumps({"id": "b", "text": "Terrible service, I hate it", "lang": "en"}) + "\n",
            encoding="utf-8")
        assert main(["score", "--input", str(src)]) == 1  # bad lines: non-zero, every line kept
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [r.get("id") for r in rows] == ["a", None, "b"]
        assert rows[0]["label"] == "pos" and rows[2]["label"] == "neg"
        assert -1 <= rows[2]["compound"] <= 1 and rows[0]["lang"] == "en"
        assert rows[1]["line"] == 2 and "error" in rows[1]

    def test_plain_text_arguments(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["score", "--lang", "en", "worst day ever"]) == 0
        row = json.loads(capsys.readouterr().out)
        assert row["label"] == "neg"


@pytest.mark.parametrize(
    "args",
    [
        ["replay"],
        ["replay", "x.jsonl"],
        ["replay", "missing.jsonl", "--out", "o.jsonl"],
        ["replay", "x.csv", "--out", "o.jsonl", "--map", "nonsense"],
        ["replay", "x.jsonl", "--out", "o.jsonl", "--jobs", "0"],
        ["simulate", "nope", "--out", "o.jsonl"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_give_one_line_and_non_zero_exit(args: list[str], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "streams.cli.main", *args], capture_output=True,
                          text=True, cwd=tmp_path, timeout=60,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parents[4]),
                               "PATH": "/usr/bin:/bin"})
    assert done.returncode in (1, 2)
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert lines and "Traceback" not in done.stderr
    assert lines[-1].startswith("firebreak")


def test_simulate_then_replay_finds_the_crisis(tmp_path: Path) -> None:
    """End to end through files: a simulated sudden crisis is found, charted and summarised."""
    src, out, png, summ = (tmp_path / n for n in ("m.jsonl", "t.jsonl", "c.png", "s.json"))
    assert main(["simulate", "sudden", "--out", str(src), "--seed", "3"]) == 0
    with src.open("a", encoding="utf-8") as fh:
        fh.write("not json\n")
    assert main(["replay", str(src), "--out", str(out), "--plot", str(png),
                 "--summary-json", str(summ), "--quiet", "--jobs", "2"]) == 1  # the bad line
    transitions = [json.loads(x) for x in out.read_text().splitlines()]
    truth = json.loads((tmp_path / "m.truth.json").read_text())
    crisis = [t for t in transitions if t["state"] == "crisis"]
    assert crisis and crisis[0]["paused"] is True and crisis[0]["brand"] == "acme"
    assert crisis[0]["at"] >= truth["episodes"][0]["onset"]
    assert {"brand", "at", "state", "paused", "reason"} <= set(crisis[0])
    summary = json.loads(summ.read_text())
    assert summary["malformed"] == 1 and summary["crises"] == 1
    assert png.stat().st_size > 10_000


def test_saved_baselines_warm_a_later_replay(tmp_path: Path) -> None:
    """--save-baselines writes what each brand learned; --baselines starts a replay warm."""
    src, out, saved = tmp_path / "m.jsonl", tmp_path / "t.jsonl", tmp_path / "b.json"
    assert main(["simulate", "ordinary_week", "--out", str(src), "--seed", "2"]) == 0
    assert main(["replay", str(src), "--out", str(out), "--quiet", "--jobs", "1",
                 "--save-baselines", str(saved)]) == 0
    doc = json.loads(saved.read_text())
    assert doc["format"] == "firebreak-baselines" and len(doc["brands"]) == 5
    busy = doc["brands"]["brand-4"]
    assert busy["hours_learned"] > 100 and 0.05 < busy["share_neg"] / busy["share_n"] < 0.3
    from detectors.crisis.seeding import load_baselines

    warm = load_baselines(saved)["brand-4"]
    from detectors.crisis.baseline import SHARE_PRIOR

    assert warm.expected_rate(busy["hour"]) is not None and warm.share == pytest.approx(
        (busy["share_neg"] + busy["prior_share"] * SHARE_PRIOR) / (busy["share_n"] + SHARE_PRIOR),
        rel=1e-6)


def test_replay_reads_csv_exports_with_a_column_mapping(tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    rows = ["Date,Full Text,Author"]
    for i in range(30):
        rows.append(f"02/03/2026 10:{i:02d},\"Awful, terrible service #{i}\",user{i}")
    rows.append("garbage date,\"hello\",x")
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "t.jsonl"
    summ = tmp_path / "s.json"
    code = main(["replay", str(src), "--out", str(out), "--brand", "acme", "--map",
                 "text=Full Text", "--map", "created_at=Date", "--map", "author.id=Author",
                 "--time-format", "%d/%m/%Y %H:%M", "--summary-json", str(summ), "--quiet",
                 "--jobs", "1"])
    assert code == 1  # one bad row: said, and a non-zero exit; the other 30 are replayed
    summary = json.loads(summ.read_text())
    assert summary["processed"] == 30 and summary["malformed"] == 1
    assert summary["brands"]["acme"]["negative_share"] == 1.0


class TestAirlineExport:
    """Issue 14's done-when: an export as people have it replays with one --map per column
    plus --time-format/--tz, keeps every row, and the summary says what it did."""

    def test_replays_every_row_and_says_what_it_did(self, tmp_path: Path) -> None:
        export = airline_csv(tmp_path / "Tweets.csv", rows=600)
        summ = tmp_path / "s.json"
        maps = [x for m in AIRLINE_MAPS for x in ("--map", m)]
        done = cli("replay", str(export), "--out", str(tmp_path / "t.jsonl"), *maps,
                   "--time-format", "%Y-%m-%d %H:%M:%S", "--tz", "America/Los_Angeles",
                   "--summary-json", str(summ), "--jobs", "1", "--plot", str(tmp_path / "c.png"))
        assert done.returncode == 0, done.stderr
        summary = json.loads(summ.read_text())
        assert (summary["processed"], summary["duplicates"], summary["malformed"]) == (600, 0, 0)
        assert set(summary["brands"]) == {"virgin-america", "united", "southwest", "delta",
                                          "us-airways", "american"}
        assert summary["input"]["brand_slugs"]["US Airways"] == "us-airways"
        assert summary["input"]["derived_ids"] == 600
        assert summary["input"]["time_zone"] == "America/Los_Angeles"
        for said in ("'US Airways' -> us-airways", "spreadsheet numbers (e.g. 5.70306E+17)",
                     "600 ids derived", "local time in America/Los_Angeles"):
            assert said in done.stderr
        assert "us-airways" in done.stdout  # the table lists the slugs

    def test_kept_mangled_ids_and_no_tz_are_warned_about(self, tmp_path: Path) -> None:
        export = airline_csv(tmp_path / "Tweets.csv", rows=120)
        summ = tmp_path / "s.json"
        maps = [x for m in AIRLINE_MAPS for x in ("--map", m)]
        done = cli("replay", str(export), "--out", str(tmp_path / "t.jsonl"), *maps, "--ids", "keep",
                   "--time-format", "%Y-%m-%d %H:%M:%S", "--summary-json", str(summ), "--quiet",
                   "--jobs", "1")
        assert done.returncode == 0, done.stderr
        dropped = json.loads(summ.read_text())["duplicates"]
        assert dropped > 100
        assert f"warning: ids: {dropped} of 120 mentions repeat an earlier id" in done.stderr
        assert "--ids derive" in done.stderr
        assert "warning: times: 120 without a UTC offset, read as UTC" in done.stderr

    def test_an_unmapped_export_fails_with_a_hint(self, tmp_path: Path) -> None:
        export = airline_csv(tmp_path / "Tweets.csv", rows=20)
        done = cli("replay", str(export), "--out", str(tmp_path / "t.jsonl"), "--quiet")
        assert done.returncode == 1 and "Traceback" not in done.stderr
        last = done.stderr.strip().splitlines()[-1]
        assert "every line" in last and "--map brand=COLUMN" in last
        assert "brand: required field is missing" in last


def test_strict_mode_stops_at_the_first_bad_line(tmp_path: Path) -> None:
    src = tmp_path / "m.jsonl"
    src.write_text("{}\n", encoding="utf-8")
    done = cli("replay", str(src), "--out", str(tmp_path / "o.jsonl"), "--strict", "--jobs", "1")
    assert done.returncode == 1
    assert "line 1" in done.stderr and "id" in done.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_replay_gives_the_same_transitions_in_any_input_order(tmp_path: Path, jobs: str) -> None:
    """Time-ordered input is detected while it is scored, any other order after sorting:
    the transitions are the same either way."""
    import random

    src = tmp_path / "m.jsonl"
    assert main(["simulate", "sudden", "--out", str(src), "--seed", "2"]) == 0
    lines = src.read_text().splitlines()
    assert len(lines) > 3000  # several chunks
    shuffled, reverse = tmp_path / "shuffled.jsonl", tmp_path / "reverse.jsonl"
    random.Random(1).shuffle(copy := list(lines))
    shuffled.write_text("\n".join(copy) + "\n")
    reverse.write_text("\n".join(reversed(lines)) + "\n")
    got = []
    for path in (src, shuffled, reverse):
        out, summ = tmp_path / f"{path.stem}.t.jsonl", tmp_path / f"{path.stem}.s.json"
        assert main(["replay", str(path), "--out", str(out), "--quiet", "--jobs", jobs,
                     "--summary-json", str(summ)]) == 0
        got.append((out.read_text(), json.loads(summ.read_text())))
    assert any(json.loads(x)["state"] == "crisis" for x in got[0][0].splitlines())
    assert got[0] == got[1] == got[2]


class TestOneLineErrors:
    """Bad input gives one line on stderr and a non-zero exit, never a traceback."""

    @pytest.fixture(scope="class")
    def stream(self, tmp_path_factory: pytest.TempPathFactory) -> Path:
        path = tmp_path_factory.mktemp("cli") / "s.jsonl"
        lines = [json.dumps({"id": f"m{i}", "brand": "acme", "text": "fine, thanks",
                             "created_at": f"2026-03-02T00:{i:02d}:00Z"}) for i in range(5)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    @staticmethod
    def one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        last = done.stderr.strip().splitlines()[-1]
        for needle in needles:
            assert needle in last, done.stderr

    def test_output_into_a_missing_folder(self, tmp_path: Path) -> None:
        self.one_line_error(cli("simulate", "sudden", "--out", str(tmp_path / "no" / "x.jsonl")),
                            "No such file or directory")

    def test_plot_path_that_is_not_png(self, stream: Path, tmp_path: Path) -> None:
        self.one_line_error(cli("replay", str(stream), "--out", str(tmp_path / "o.jsonl"),
                                "--plot", str(tmp_path / "p.xyz"), "--quiet"), "PNG")

    def test_brands_file_that_is_not_utf8(self, stream: Path, tmp_path: Path) -> None:
        brands = tmp_path / "brands.yaml"
        brands.write_bytes(b'brands:\n  acme:\n    name: "\xff\xfe"\n')
        self.one_line_error(cli("replay", str(stream), "--out", str(tmp_path / "o.jsonl"),
                                "--config", str(brands), "--quiet"), "not UTF-8")

    def test_baselines_file_that_is_not_one(self, stream: Path, tmp_path: Path) -> None:
        bad = tmp_path / "b.json"
        bad.write_text('{"brands": {}}', encoding="utf-8")
        self.one_line_error(cli("replay", str(stream), "--out", str(tmp_path / "o.jsonl"),
                                "--baselines", str(bad), "--quiet"), "not a baselines file")

    def test_input_where_every_line_is_malformed(self, tmp_path: Path) -> None:
        src = tmp_path / "bad.jsonl"
        src.write_text("garbage\n{broken\n", encoding="utf-8")
        self.one_line_error(cli("replay", str(src), "--out", str(tmp_path / "o.jsonl"), "--quiet"),
                            "every line", "--map brand=")

    def test_some_bad_lines_exit_non_zero_and_say_how_many(self, stream: Path, tmp_path: Path) -> None:
        src = tmp_path / "mixed.jsonl"
        src.write_text(stream.read_text(encoding="utf-8") + "{broken\n", encoding="utf-8")
        done = cli("replay", str(src), "--out", str(tmp_path / "o.jsonl"), "--quiet")
        self.one_line_error(done, "1 malformed line")
        assert (tmp_path / "o.jsonl").exists()  # the good lines were still replayed

    def test_a_folder_as_input(self, tmp_path: Path) -> None:
        self.one_line_error(cli("replay", str(tmp_path), "--out", str(tmp_path / "o.jsonl")),
                            "is a folder")

    @pytest.mark.parametrize("command", [["ingest", "--brokers", "127.0.0.1:9"], ["score", "--input"]])
    def test_a_folder_given_to_ingest_or_score(self, command: list[str], tmp_path: Path) -> None:
        self.one_line_error(cli(*command, str(tmp_path)), "is a folder")

    def test_misspelt_setting_is_named(self, stream: Path, tmp_path: Path) -> None:
        import os

        done = subprocess.run([sys.executable, "-m", "streams.cli.main", "replay", str(stream),
                               "--out", str(tmp_path / "o.jsonl"), "--quiet"],
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "FIREBREAK_API_TOKN": "x"})
        assert done.returncode == 0
        assert "unknown setting FIREBREAK_API_TOKN" in done.stderr

    def test_version(self) -> None:
        done = cli("--version")
        assert done.returncode == 0 and done.stdout.startswith("firebreak ")


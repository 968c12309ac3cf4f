"""Input files as people really have them, for the reader and CLI tests."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

AIRLINES = ("Virgin America", "United", "Southwest", "Delta", "US Airways", "American")
AIRLINE_MAPS = ["id=tweet_id", "brand=airline", "author.handle=name", "text=text",
                "created_at=tweet_created"]


def airline_csv(path: Path, rows: int = 300, seed: int = 1) -> Path:
    """A file shaped like Kaggle's "Twitter US Airline Sentiment" export after a trip
    through a spreadsheet: ids shown as 5.70306E+17, airline names with spaces and
    capitals, local times without an offset, extra columns nobody maps."""
    rnd = random.Random(seed)
    start = datetime(2015, 2, 17, 6, 0, 0)  # noqa: DTZ001 - the export's naive local time
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["tweet_id", "airline_sentiment", "negativereason", "airline", "name", "text",
                      "tweet_created", "user_timezone"])
        for i in range(rows):
            airline = AIRLINES[i % len(AIRLINES)]
            neg = rnd.random() < 0.6
            handle = "@" + airline.replace(" ", "")
            text = (f"{handle} flight {i} delayed again, \"great\" service. Worst!" if neg
                    else f"{handle} thanks for the smooth flight {i}, lovely crew")
            at = start + timedelta(seconds=i * 1300 + rnd.randint(0, 600))
            tweet_id = 570306133677760513 - i * 4_000_000_000
            out.writerow([f"{tweet_id / 1e17:.5f}E+17", "negative" if neg else "positive",
                          "Late Flight" if neg else "", airline, f"user{rnd.randint(0, 400)}", text,
                          at.strftime("%Y-%m-%d %H:%M:%S"), "Pacific Time (US & Canada)"])
    return path

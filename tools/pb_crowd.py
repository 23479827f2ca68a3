#!/usr/bin/env python3
"""Turn PredictionBook users' forecasts of one question into dated crowd forecasts for a pack.

Packs built from PredictionBook questions (asked at the time, so chosen without hindsight) score
the model beside that site's users. The source is `data/predictionbook/public.csv.zip` of the
niplav/iqisa repository (one row per forecast: question_id, user_id, probability, timestamp). The
rule, stated once here and cited in each pack README: on each day on which someone forecast, the
crowd's probability is the mean over users of each user's latest forecast up to the end of that day
(a user who revises counts once, with the revision); days without a new forecast give nothing.
`--every-days N` keeps at most one day per N days (the first of each block), so a series does not
outweigh the model's steps; `--min-users K` drops days on which fewer than K users have forecast.

    python3 tools/pb_crowd.py FORECASTS.csv[.zip] PB_ID QUESTION_ID [--after D] [--before D]
                              [--every-days 7] [--min-users 2] [--complement] [--match same|close|...]

prints `external_forecasts` entries (YAML) for the pack question QUESTION_ID.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from crowd_entries import print_entry, thinned


def read_rows(path: str) -> list[dict[str, str]]:
    """The forecasts' rows, from the CSV itself or from the only CSV inside a zip."""
    if Path(path).suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".csv"))
            with archive.open(name) as handle:
                return list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8", newline="")))
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def daily_consensus(rows: list[dict[str, str]], question: str) -> dict[dt.date, tuple[float, int]]:
    """For each day with a forecast of ``question``: the mean of every user's latest probability by then, and
    how many users that is."""
    own = sorted(
        (r["timestamp"], r["user_id"], float(r["probability"]))
        for r in rows
        if r["question_id"] == question and r["probability"] not in ("", None)
    )
    latest: dict[str, float] = {}
    out: dict[dt.date, tuple[float, int]] = {}
    for stamp, user, probability in own:
        latest[user] = probability
        day = dt.date.fromisoformat(stamp[:10])
        out[day] = (sum(latest.values()) / len(latest), len(latest))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("forecasts", help="public.csv or public.csv.zip of niplav/iqisa data/predictionbook")
    parser.add_argument("pb_id", help="PredictionBook question number, e.g. 193902")
    parser.add_argument("question", help="the pack's question id")
    parser.add_argument(
        "--complement", action="store_true", help="the PredictionBook question is the pack's 'no': report 1 - p"
    )
    parser.add_argument("--match", default="same", help="same | close | broader | narrower (the pack's match grade)")
    parser.add_argument("--every-days", type=int, default=7)
    parser.add_argument("--min-users", type=int, default=2)
    parser.add_argument("--after", type=dt.date.fromisoformat, help="first date kept (the question's opens)")
    parser.add_argument("--before", type=dt.date.fromisoformat, help="keep dates strictly before (resolved_on)")
    args = parser.parse_args(argv)
    series = {
        day: value
        for day, value in daily_consensus(read_rows(args.forecasts), args.pb_id).items()
        if value[1] >= args.min_users
        and (args.after is None or day >= args.after)
        and (args.before is None or day < args.before)
    }
    if not series:
        print(f"no day with {args.min_users}+ users' forecasts of question {args.pb_id} in that range", file=sys.stderr)
        return 1
    for day, (mean, users) in thinned(series, args.every_days).items():
        source = f"PredictionBook users, question {args.pb_id} (mean of {users} users' latest forecasts)"
        print_entry(args.question, source, day, 1.0 - mean if args.complement else mean, args.match)
    return 0


if __name__ == "__main__":
    sys.exit(main())

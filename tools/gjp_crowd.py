#!/usr/bin/env python3
"""Turn the Good Judgment Project superforecasters' market orders into dated crowd forecasts.

Packs built from GJP questions score the model beside the crowd of the time. The source is
`data/gjp/pm_batch_orders.supers.yr4.csv` of the niplav/iqisa repository (GJP year 4,
2014-15 prediction markets). The rule, stated once here and cited in each pack README:
for one market and its "Yes" stock, a day's crowd probability is the fill-weighted mean
price (0-100, divided by 100) of the orders created that day that were at least partly
filled; days without a fill give nothing. `--every-days N` keeps at most one day per N
days (the first filled day of each block), so a series does not outweigh the model's steps.

    python3 tools/gjp_crowd.py ORDERS.csv IFP QUESTION_ID [--every-days 7] [--after D] [--before D]
                               [--stock NAME [--complement]] [--match same|close|broader|narrower]

prints `external_forecasts` entries (YAML) for the pack question QUESTION_ID.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections import defaultdict

from crowd_entries import print_entry, thinned


def _day(created_at: str) -> dt.date:
    return dt.datetime.strptime(created_at.split()[0], "%m/%d/%y").date()


def daily_prices(rows: list[dict[str, str]], ifp: str, stock: str = "Yes") -> dict[dt.date, float]:
    """Fill-weighted mean price per day of one market's stock, as a probability."""
    filled: dict[dt.date, list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        market = row["Market.Name"].split(" - ", 1)[0].strip()
        if market != ifp or row["Stock.Name"].strip() != stock:
            continue
        quantity = float(row["Quantity.Filled"] or 0)
        if quantity > 0:
            filled[_day(row["Created.At"])].append((float(row["Price"]), quantity))
    return {
        day: sum(p * q for p, q in fills) / sum(q for _, q in fills) / 100.0 for day, fills in sorted(filled.items())
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orders")
    parser.add_argument("ifp", help="GJP question number, e.g. 1420")
    parser.add_argument("question", help="the pack's question id")
    parser.add_argument("--stock", default="Yes", help="the market's stock that means the question's yes")
    parser.add_argument(
        "--complement", action="store_true", help="the stock means the question's no: report 1 - its price"
    )
    parser.add_argument("--match", default="same", help="same | close | broader | narrower (the pack's match grade)")
    parser.add_argument("--every-days", type=int, default=7)
    parser.add_argument("--after", type=dt.date.fromisoformat, help="first date kept (the question's opens)")
    parser.add_argument("--before", type=dt.date.fromisoformat, help="keep dates strictly before (resolved_on)")
    args = parser.parse_args(argv)
    with open(args.orders, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    series = daily_prices(rows, args.ifp, args.stock)
    series = {
        d: p
        for d, p in series.items()
        if (args.after is None or d >= args.after) and (args.before is None or d < args.before)
    }
    if not series:
        print(f"no filled orders for market {args.ifp} stock {args.stock!r} in that range", file=sys.stderr)
        return 1
    for day, value in thinned(series, args.every_days).items():
        source = f"GJP superforecaster market, question {args.ifp}"
        print_entry(args.question, source, day, 1.0 - value if args.complement else value, args.match)
        if args.stock != "Yes":
            side = "one minus the price of" if args.complement else "the price of"
            print(f"    note: {side} the market's stock '{args.stock}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())

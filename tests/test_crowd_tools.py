"""The tools that turn crowds of the time into a pack's external forecasts: each states one rule, checked here
on a few hand-made rows."""

from __future__ import annotations

import csv
import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def _tool(name: str):
    if str(TOOLS) not in sys.path:  # the tools import their shared module as scripts do, from their folder
        sys.path.insert(0, str(TOOLS))
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PB_ROWS = [  # question 7: ann twice, bob once; question 8 must not leak in
    ("7", "ann", "0.2", "2019-01-01 10:00:00+00:00"),
    ("7", "bob", "0.6", "2019-01-01 12:00:00+00:00"),
    ("8", "cat", "0.9", "2019-01-02 09:00:00+00:00"),
    ("7", "ann", "0.8", "2019-01-03 09:00:00+00:00"),
    ("7", "dan", "0.5", "2019-01-20 09:00:00+00:00"),
]


@pytest.fixture
def pb_zip(tmp_path):
    csv_path = tmp_path / "public.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question_id", "user_id", "probability", "timestamp"])
        writer.writerows(PB_ROWS)
    archive = tmp_path / "public.csv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(csv_path, "public.csv")
    return archive


def test_pb_consensus_is_the_mean_of_each_users_latest_forecast(pb_zip):
    pb = _tool("pb_crowd")
    days = pb.daily_consensus(pb.read_rows(str(pb_zip)), "7")
    assert days[pb.dt.date(2019, 1, 1)] == pytest.approx((0.4, 2))  # (0.2 + 0.6) / 2
    assert days[pb.dt.date(2019, 1, 3)] == pytest.approx((0.7, 2))  # ann revised to 0.8: counts once
    assert days[pb.dt.date(2019, 1, 20)] == pytest.approx((0.6333, 3), abs=1e-4)
    assert pb.dt.date(2019, 1, 2) not in days  # question 8's forecast is not this question's


def test_pb_entries_keep_the_window_thin_and_can_be_complemented(pb_zip, capsys):
    pb = _tool("pb_crowd")
    assert pb.main([str(pb_zip), "7", "q", "--before", "2019-01-20", "--every-days", "7", "--complement"]) == 0
    out = capsys.readouterr().out
    assert out.count("- question: q") == 1  # 1 and 3 January fall in one 7-day block; the 20th is not before
    assert "date: 2019-01-01" in out and "probability: 0.6" in out  # 1 - 0.4
    assert pb.main([str(pb_zip), "7", "q", "--min-users", "4"]) == 1  # never four users


def test_gjp_market_price_is_fill_weighted_over_filled_orders():
    gjp = _tool("gjp_crowd")
    rows = [
        {
            "Market.Name": "1420 - a market",
            "Stock.Name": "Yes",
            "Quantity.Filled": "3",
            "Price": "40",
            "Created.At": "1/5/15 10:00",
        },
        {
            "Market.Name": "1420 - a market",
            "Stock.Name": "Yes",
            "Quantity.Filled": "1",
            "Price": "80",
            "Created.At": "1/5/15 11:00",
        },
        {
            "Market.Name": "1420 - a market",
            "Stock.Name": "Yes",
            "Quantity.Filled": "0",
            "Price": "99",
            "Created.At": "1/5/15 12:00",
        },
        {
            "Market.Name": "1420 - a market",
            "Stock.Name": "No",
            "Quantity.Filled": "5",
            "Price": "10",
            "Created.At": "1/5/15 12:00",
        },
    ]
    prices = gjp.daily_prices(rows, "1420")
    assert prices == {gjp.dt.date(2015, 1, 5): pytest.approx(0.5)}  # (3*40 + 1*80) / 4 / 100; unfilled and No left out

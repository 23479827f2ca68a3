"""Scores for probability forecasts of yes/no questions, from any table: ours, a crowd's, a colleague's.

Input is a plain table with the columns ``question_id``, ``as_of``,
``probability`` (of "yes", in [0, 1]) and ``outcome`` (1/0, True/False or
'yes'/'no'). Nothing here knows about packs or models, so forecasts made
elsewhere are scored by exactly the same rules as the model's.

Rules
-----
Brier score (lower is better, 0 is perfect, 0.25 is a coin flip):
    brier = (p - o) ** 2
Log score (higher is better, 0 is perfect, ln 0.5 = -0.693 is a coin flip):
    log_score = ln(p) if o == 1 else ln(1 - p)      (natural log)
    p is first clipped into [1e-6, 1 - 1e-6] (``LOG_CLIP``), so a forecast of
    exactly 0 or 1 that turns out wrong scores ln(1e-6) = -13.8 instead of
    minus infinity: it is still punished hard, but one such miss cannot turn
    every average it enters into -inf. Brier needs no clipping.

Time-averaged scores (:func:`time_averaged`), as forecasting platforms score a
question over its life: each forecast holds from its ``as_of`` until the next
forecast on the same question, the last one until the question's end =
the earlier of ``closes`` and ``resolved_on`` (columns of the table). A
question's score is the average of its forecasts' scores weighted by those
durations in days. Time before the first forecast is not counted (the
average is over the time covered); a forecast dated on or after the end
holds for zero days. If no forecast holds for any time (all on or after the
end), the plain mean is used and the ``weighting`` column says 'equal'.

Calibration (:func:`calibration_table`): forecasts are binned by probability
(equal-width bins on [0, 1]; each bin is [lo, hi) and the last also holds
1.0). For each bin: the count n, the number that happened k, the mean
forecast, the observed frequency k / n, and a 90% interval for the true
frequency from the Jeffreys posterior Beta(0.5 + k, 0.5 + n - k) (its 5% and
95% quantiles; 0 as the lower end when k = 0 and 1 as the upper when k = n,
Brown, Cai & DasGupta's boundary rule, so the interval holds k / n). :func:`calibration_verdict` says in plain words whether there
is enough to judge: at least 20 resolved questions and at least 5 forecasts in
every bin that has any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = ("question_id", "as_of", "probability", "outcome")
LOG_CLIP = 1e-6
"""Probabilities are clipped into [LOG_CLIP, 1 - LOG_CLIP] for the log score only."""
INTERVAL = 0.9
"""Coverage of the calibration interval for the observed frequency."""
MIN_QUESTIONS = 20
MIN_PER_BIN = 5
END_COLUMNS = ("closes", "resolved_on")
_SHOW = 5  # how many bad rows an error message lists

_OUTCOME_WORDS = {"yes": 1, "no": 0, "1": 1, "0": 0, "true": 1, "false": 0}


# --- the two scores on arrays ----------------------------------------------


def brier_score(p, o) -> np.ndarray:
    """(p - o)^2, element-wise."""
    return (np.asarray(p, dtype=float) - np.asarray(o, dtype=float)) ** 2


def log_score(p, o) -> np.ndarray:
    """ln(p) where o == 1, ln(1 - p) where o == 0, with p clipped into [LOG_CLIP, 1 - LOG_CLIP]."""
    p = np.clip(np.asarray(p, dtype=float), LOG_CLIP, 1.0 - LOG_CLIP)
    return np.where(np.asarray(o) == 1, np.log(p), np.log1p(-p))


# --- validation ------------------------------------------------------------


def _plain(value):
    """A numpy scalar as the Python value it holds, so messages read 1.2, not np.float64(1.2)."""
    return value.item() if isinstance(value, np.generic) else value


def _rows(frame: pd.DataFrame, bad: np.ndarray, column: str) -> str:
    """'row 3: 1.2, row 7: -0.1 (and 4 more)' for the first few bad rows (labels of the index)."""
    idx = np.flatnonzero(bad)
    shown = ", ".join(f"row {_plain(frame.index[i])!r}: {_plain(frame[column].iloc[i])!r}" for i in idx[:_SHOW])
    more = f" (and {len(idx) - _SHOW} more)" if len(idx) > _SHOW else ""
    return shown + more


def check_columns(df: pd.DataFrame, needed: Sequence[str]) -> None:
    """A ValueError naming every missing column and the ones the table has."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of forecasts; got {type(df).__name__}")
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(
            f"the forecast table lacks the column(s) {', '.join(map(repr, missing))}; "
            f"it needs {', '.join(map(repr, needed))} and has {', '.join(map(repr, map(str, df.columns))) or 'none'}"
        )


def probabilities(df: pd.DataFrame, column: str = "probability") -> np.ndarray:
    """The column as floats in [0, 1]; a ValueError listing the rows that are not."""
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values)
    if bad.any():
        raise ValueError(
            f"column {column!r} must hold numbers (probabilities of 'yes'); "
            f"these are missing or not numbers: {_rows(df, bad, column)}"
        )
    bad = (values < 0.0) | (values > 1.0)
    if bad.any():
        raise ValueError(
            f"column {column!r} must hold probabilities in [0, 1] "
            f"(write 70% as 0.7); out of range: {_rows(df, bad, column)}"
        )
    return values


def _outcome(value) -> int | None:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not (isinstance(value, float) and np.isnan(value)):
        return int(value) if value in (0, 1) else None
    if isinstance(value, str):
        return _OUTCOME_WORDS.get(value.strip().lower())
    return None


def outcomes(df: pd.DataFrame, column: str = "outcome") -> np.ndarray:
    """The column as 0/1 ints from 0/1, True/False or 'yes'/'no'; a ValueError listing other values."""
    values = [_outcome(v) for v in df[column]]
    bad = np.array([v is None for v in values], dtype=bool)
    if bad.any():
        raise ValueError(
            f"column {column!r} must be 1/0 or 'yes'/'no' for every row (unresolved questions "
            f"cannot be scored: drop them first); not understood: {_rows(df, bad, column)}"
        )
    return np.array(values, dtype=int)


def dates(df: pd.DataFrame, column: str) -> pd.Series:
    """The column as day-precision datetimes; a ValueError listing rows that are not dates."""
    parsed = pd.to_datetime(df[column], errors="coerce")
    bad = (parsed.isna() & df[column].notna()).to_numpy() if column in END_COLUMNS else parsed.isna().to_numpy()
    if bad.any():
        raise ValueError(f"column {column!r} must hold dates written YYYY-MM-DD; not dates: {_rows(df, bad, column)}")
    return parsed.dt.normalize()


# --- per-forecast scores ---------------------------------------------------


def score_table(df: pd.DataFrame, *, probability: str = "probability", outcome: str = "outcome") -> pd.DataFrame:
    """A copy of ``df`` with ``brier`` and ``log_score`` added (rules in the module docstring).

    In the copy ``probability`` is float, ``outcome`` is 0/1 and ``as_of`` a
    datetime. ``probability``/``outcome`` name the columns when the table calls
    them something else (the backtest's model column is ``forecast``).
    """
    check_columns(df, ("question_id", "as_of", probability, outcome))
    out = df.copy()
    if out["question_id"].isna().any():
        raise ValueError(
            f"column 'question_id' has empty cells: {_rows(out, out['question_id'].isna().to_numpy(), 'question_id')}"
        )
    out[probability] = probabilities(out, probability)
    out[outcome] = outcomes(out, outcome)
    out["as_of"] = dates(out, "as_of")
    out["brier"] = brier_score(out[probability], out[outcome])
    out["log_score"] = log_score(out[probability], out[outcome])
    return out


# --- averaged over the time a question was open ----------------------------


def _default_score_columns(df: pd.DataFrame) -> list[str]:
    return [
        c
        for c in df.columns
        if isinstance(c, str) and (c in ("brier", "log_score") or c.endswith(("_brier", "_log_score")))
    ]


def _end_of(group: pd.DataFrame, question) -> pd.Timestamp:
    ends = []
    for col in END_COLUMNS:
        if col in group.columns:
            values = group[col].dropna().unique()
            if len(values) > 1:
                raise ValueError(
                    f"question {question!r} has different {col!r} dates on different rows: "
                    f"{', '.join(str(v.date()) for v in values)}"
                )
            ends.extend(values)
    if not ends:
        raise ValueError(
            f"question {question!r}: time-averaging needs to know until when its last forecast holds; "
            "give a 'closes' or 'resolved_on' date (columns of the table)"
        )
    return min(pd.Timestamp(e) for e in ends)


def holding_days(as_of: pd.Series, end: pd.Timestamp) -> np.ndarray:
    """Days each forecast holds: until the next one (as_of sorted) or ``end``, never below zero."""
    starts = pd.DatetimeIndex(as_of)
    stops = list(starts[1:]) + [end]
    return np.array([max((min(stop, end) - start).days, 0) for start, stop in zip(starts, stops)], dtype=float)


def time_shares(df: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """Each row's share of its group's time (groups by ``keys``; rows hold as in :func:`time_averaged`, until
    the group's next ``as_of`` or the earlier of ``closes`` and ``resolved_on``), equal shares when no row holds
    for any time: every group's shares sum to 1. Fits that count each question once weigh its steps so."""
    keys = list(keys)
    frame = df[keys].reset_index(drop=True)
    frame["start"] = pd.to_datetime(df["as_of"]).to_numpy()
    ends = pd.concat([pd.to_datetime(df[c]).reset_index(drop=True) for c in END_COLUMNS if c in df.columns], axis=1)
    frame["end"] = ends.min(axis=1)
    frame["end"] = frame.groupby(keys, sort=False)["end"].transform("min")
    frame = frame.sort_values([*keys, "start"], kind="stable")
    following = frame.groupby(keys, sort=False)["start"].shift(-1)
    stop = following.where(following.notna(), frame["end"])
    stop = stop.where(stop < frame["end"], frame["end"])
    days = (stop - frame["start"]).dt.days.clip(lower=0).astype(float)
    groups = frame.groupby(keys, sort=False)
    total = days.groupby([frame[k] for k in keys], sort=False).transform("sum")
    size = groups["start"].transform("size").astype(float)
    share = np.where(total > 0, days / total.where(total > 0, 1.0), 1.0 / size)
    out = np.empty(len(frame))
    out[frame.index.to_numpy()] = share
    return out


def time_averaged(
    df: pd.DataFrame,
    score_columns: Sequence[str] | None = None,
    *,
    by: Sequence[str] = (),
    probability: str = "probability",
    outcome: str = "outcome",
) -> pd.DataFrame:
    """One row per question (per ``by`` + question_id): its scores averaged over the time it was open.

    ``score_columns`` default to every ``brier``/``log_score`` column (also
    ``<method>_brier`` and ``<method>_log_score``); when the table has none it
    is scored first with :func:`score_table`. The end of each question is the
    earlier of its ``closes`` and ``resolved_on`` columns (at least one is
    needed). Output columns: the keys, ``first_as_of``, ``end``, ``days``
    (time covered), ``n_forecasts``, ``weighting`` ('time' or 'equal', see the
    module docstring) and the averaged score columns.
    """
    check_columns(df, ("question_id", "as_of", *by))
    if score_columns is None:
        score_columns = _default_score_columns(df)
        if not score_columns:
            df = score_table(df, probability=probability, outcome=outcome)
            score_columns = ["brier", "log_score"]
    check_columns(df, score_columns)
    if not any(c in df.columns for c in END_COLUMNS):
        raise ValueError(
            "time-averaging needs to know until when each question's last forecast holds; "
            "add a 'closes' and/or 'resolved_on' column (dates)"
        )
    work = df.copy()
    work["as_of"] = dates(work, "as_of")
    for col in END_COLUMNS:
        if col in work.columns:
            work[col] = dates(work, col)
    keys = [*by, "question_id"]
    rows = []
    for key, group in work.groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        question = key[-1]
        group = group.sort_values("as_of", kind="stable")
        dupes = group["as_of"].duplicated()
        if dupes.any():
            raise ValueError(
                f"question {question!r} has more than one forecast dated "
                f"{', '.join(sorted({str(d.date()) for d in group['as_of'][dupes]}))}; "
                "keep one per date (or separate forecasters with by=[...])"
            )
        end = _end_of(group, question)
        days = holding_days(group["as_of"], end)
        weighting = "time" if days.sum() > 0 else "equal"
        weights = days if weighting == "time" else np.ones_like(days)
        row = dict(zip(keys, key))
        row.update(
            first_as_of=group["as_of"].iloc[0],
            end=end,
            days=float(days.sum()),
            n_forecasts=len(group),
            weighting=weighting,
        )
        for col in score_columns:
            row[col] = float(np.average(pd.to_numeric(group[col]).to_numpy(dtype=float), weights=weights))
        rows.append(row)
    return pd.DataFrame(rows, columns=[*keys, "first_as_of", "end", "days", "n_forecasts", "weighting", *score_columns])


# --- calibration -------------------------------------------------------------


def bin_edges(bins: int | Sequence[float]) -> np.ndarray:
    """Equal-width edges on [0, 1] for an int; given edges are checked to run from 0 to 1, increasing."""
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        if bins < 1:
            raise ValueError(f"bins must be at least 1; got {bins}")
        return np.linspace(0.0, 1.0, int(bins) + 1)
    edges = np.asarray(bins, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or edges[0] != 0.0 or edges[-1] != 1.0 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must be a count or increasing edges from 0 to 1 (e.g. [0, 0.5, 1]); got {bins!r}")
    return edges


def jeffreys_interval(k: int, n: int, prob: float = INTERVAL) -> tuple[float, float]:
    """Equal-tailed ``prob`` interval of Beta(0.5 + k, 0.5 + n - k): the true frequency after k of n.

    As in Brown, Cai & DasGupta (2001), the lower end is 0 when k = 0 and the
    upper end 1 when k = n; otherwise the interval would exclude the observed
    0% or 100% it is drawn around.
    """
    from scipy import stats  # here: importing SciPy's stats takes half a second and only calibration needs it

    a, b = 0.5 + k, 0.5 + n - k
    lo = 0.0 if k == 0 else float(stats.beta.ppf((1 - prob) / 2, a, b))
    hi = 1.0 if k == n else float(stats.beta.ppf((1 + prob) / 2, a, b))
    return lo, hi


def calibration_table(
    df: pd.DataFrame, bins: int | Sequence[float] = 5, *, probability: str = "probability", outcome: str = "outcome"
) -> pd.DataFrame:
    """Per probability bin: n, yes, mean_forecast, observed (frequency), obs_lo/obs_hi (90% Jeffreys), consistent.

    Every bin is listed, empty ones with n = 0 and NaN elsewhere, so plots
    keep their shape. ``consistent`` is whether the mean forecast lies inside
    the interval (NaN-safe: False for empty bins). Each row of ``df`` is one
    forecast; pass one forecast per question if the rows should be independent.
    """
    check_columns(df, (probability, outcome))
    p = probabilities(df, probability)
    o = outcomes(df, outcome)
    edges = bin_edges(bins)
    if isinstance(bins, (int, np.integer)):
        # floor(p * bins), not a search in linspace edges: 3 * 0.2 is 0.6000000000000001 in floats,
        # which would put a forecast of exactly 0.6 into the bin below.
        which = np.minimum(np.floor(np.round(p * (len(edges) - 1), 9)).astype(int), len(edges) - 2)
    else:
        which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for j in range(len(edges) - 1):
        mask = which == j
        n, k = int(mask.sum()), int(o[mask].sum())
        lo, hi = jeffreys_interval(k, n) if n else (np.nan, np.nan)
        mean = float(p[mask].mean()) if n else np.nan
        rows.append(
            {
                "bin": f"{edges[j]:.2g}–{edges[j + 1]:.2g}",
                "lo": float(edges[j]),
                "hi": float(edges[j + 1]),
                "n": n,
                "yes": k,
                "mean_forecast": mean,
                "observed": k / n if n else np.nan,
                "obs_lo": lo,
                "obs_hi": hi,
                "consistent": bool(n and lo <= mean <= hi),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CalibrationVerdict:
    """Whether calibration can be judged from these forecasts, and what they show, in plain words."""

    enough: bool
    text: str
    n_questions: int
    n_forecasts: int
    thin_bins: tuple[str, ...]
    off_bins: tuple[str, ...]

    def __str__(self) -> str:
        return self.text


def calibration_verdict(
    df: pd.DataFrame,
    bins: int | Sequence[float] = 5,
    *,
    probability: str = "probability",
    outcome: str = "outcome",
    min_questions: int = MIN_QUESTIONS,
    min_per_bin: int = MIN_PER_BIN,
) -> CalibrationVerdict:
    """Judge calibration only when there is enough: >= ``min_questions`` resolved questions and
    >= ``min_per_bin`` forecasts in every bin that has any; otherwise say so and why.

    With enough data, a bin whose mean forecast lies outside the 90% interval
    of its observed frequency is named as too high or too low. Several
    forecasts of one question (a history) are not independent, so the
    verdict counts questions, and says when rows outnumber them.
    """
    check_columns(df, ("question_id", probability, outcome))
    table = calibration_table(df, bins, probability=probability, outcome=outcome)
    n_questions = int(df["question_id"].nunique())
    n_forecasts = len(df)
    thin = tuple(f"{r.bin} ({r.n})" for r in table.itertuples() if 0 < r.n < min_per_bin)
    off = tuple(r.bin for r in table.itertuples() if r.n >= min_per_bin and not r.consistent)
    shared = (
        f" These are {n_forecasts} forecasts of {n_questions} question{'s' * (n_questions != 1)}; "
        "forecasts of one question "
        "move together, so the intervals are narrower than they should be."
        if n_forecasts > n_questions
        else ""
    )
    reasons = []
    if n_questions < min_questions:
        reasons.append(
            f"only {n_questions} resolved question{'s' * (n_questions != 1)} (at least {min_questions} needed)"
        )
    if thin:
        reasons.append(f"bins with fewer than {min_per_bin} forecasts: {', '.join(thin)}")
    if reasons:
        text = (
            "Too few to judge calibration: "
            + "; ".join(reasons)
            + ". The chart shows what happened, not whether the probabilities were right."
            + shared
        )
        return CalibrationVerdict(False, text, n_questions, n_forecasts, thin, off)
    if not off:
        text = (
            "No sign of miscalibration: in every bin the mean forecast lies inside the 90% interval "
            "of how often the event happened." + shared
        )
    else:
        parts = []
        for r in table.itertuples():
            if r.bin in off:
                way = "too high" if r.mean_forecast > r.obs_hi else "too low"
                parts.append(
                    f"in {r.bin} forecasts averaged {r.mean_forecast:.0%} but the event happened "
                    f"{r.observed:.0%} of the time (90% interval {r.obs_lo:.0%}–{r.obs_hi:.0%}): {way}"
                )
        text = "Possible miscalibration: " + "; ".join(parts) + "." + shared
    return CalibrationVerdict(True, text, n_questions, n_forecasts, thin, off)

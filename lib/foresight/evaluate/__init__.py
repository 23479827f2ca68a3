"""Layer 3 - judging forecasts: histories over time, scores (Brier, log), backtests against
baselines, and sensitivity (tornado, what would change my mind).

May import: foresight.base, foresight.pack and foresight.model.
"""

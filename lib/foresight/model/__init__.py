"""Layer 2 - the model: base rates from reference classes, evidence from observations, the model
spec, sampling and its posterior cache, single-question forecasts, what-ifs and the joint model.

May import: foresight.base and foresight.pack. A change to how a number is computed goes here.
"""

"""Layer 4 - what people read: tables, figures, texts and widgets for notebooks and HTML, and the
result rows notebooks leave for the runner. Pack text is escaped here, once, before it is shown.

May import: every layer below (base, pack, model, evaluate); never foresight.run.
"""

from foresight.report import escape as _escape  # noqa: E402,F401  (tables are marked for MathJax to skip, see escape)

"""Imported first by a multiprocessing forkserver that a run's kernel starts (Python >= 3.14 default):
the server dies with the kernel, and every worker it forks dies with the server.

See :mod:`foresight.run.kernel` for why; importing this module is the whole effect.
"""

from __future__ import annotations

from foresight.base.processes import guard_forked_children, set_parent_death_signal

set_parent_death_signal()
guard_forked_children()

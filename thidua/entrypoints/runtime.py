"""Process-level tuning shared by the long-running processes (API and worker)."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Move everything allocated at start-up (modules, the app and its routes and schemas, the
    worker and its workflow definitions) out of the garbage collector's reach.

    Called by the process entry points (``thidua api``, ``worker.run_worker``), not by
    ``create_app``: a test process builds many apps and must not freeze its own heap each time.

    Otherwise every full collection walks those ~100,000-190,000 long-lived objects again: on
    the reference 2-core machine such a pass stopped the API or the worker for 50-130 ms under
    load, which is most of the latency tail (``gc.freeze`` is meant for exactly this).
    """
    gc.collect()
    gc.freeze()

"""Settings for tests: a private task queue and workflow id prefix, optionally short deadlines."""

from __future__ import annotations

import tempfile
from pathlib import Path

from thidua.config import Settings


def fast_settings(db_url: str, task_queue: str, **lifecycle: float) -> Settings:
    """Settings for tests: a private task queue and (optionally) short stage deadlines."""
    settings = Settings(
        database={"url": db_url}, lifecycle=lifecycle or {}, var_dir=Path(tempfile.mkdtemp())
    )
    settings.temporal.task_queue = task_queue
    settings.temporal.workflow_id_prefix = f"{task_queue}-"
    return settings

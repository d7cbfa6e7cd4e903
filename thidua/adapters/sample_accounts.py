"""The sample accounts file (``var/sample-accounts.json``): the demo tokens and passwords of the
first start, kept for the local operator only (file mode 600)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from thidua.app.seed import SampleAccountToken


def write_sample_tokens(path: Path, tokens: list[SampleAccountToken]) -> None:
    """Keep the sample tokens for the local operator only (file mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump([t.model_dump() for t in tokens], f, ensure_ascii=False, indent=2)


def read_sample_tokens(path: Path) -> list[SampleAccountToken]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [SampleAccountToken.model_validate(d) for d in data]

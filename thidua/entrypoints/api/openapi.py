"""The OpenAPI document of the API, as committed in ``docs/openapi.json`` (``make openapi``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.config import PROJECT_ROOT, Settings

COMMITTED = PROJECT_ROOT / "docs" / "openapi.json"


def generate() -> dict[str, Any]:
    """Build the document from the app's routes and models (no server, no database access)."""
    from thidua.entrypoints.api.app import create_app

    app = create_app(Settings(), SqlUnitOfWork(create_engine("sqlite://")))
    document: dict[str, Any] = app.openapi()
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else COMMITTED
    target.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()

"""The API contract: the committed OpenAPI document matches what the code generates."""

from __future__ import annotations

import json

from thidua.entrypoints.api.openapi import COMMITTED, generate, render


class TestOpenApiContract:
    def test_committed_document_matches_the_code(self) -> None:
        """Changing the API without `make openapi` (and committing docs/openapi.json) fails here."""
        assert COMMITTED.exists(), "docs/openapi.json is missing: run `make openapi`"
        assert COMMITTED.read_text(encoding="utf-8") == render(generate()), (
            "The API changed but docs/openapi.json was not regenerated: run `make openapi`, "
            "review the diff (is it a breaking change for pipelines?) and commit it."
        )

    def test_every_path_is_versioned(self) -> None:
        """Every public path lives under /v1."""
        paths = json.loads(COMMITTED.read_text(encoding="utf-8"))["paths"]
        assert paths and all(p.startswith("/v1/") for p in paths)

"""Shared fixtures for the rules tests: the shipped registry, one engine, file helpers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rules.engine import RulesEngine
from rules.registry import DEFAULT_DIRECTORY, LoadedRuleset, RulesRegistry

SHIPPED = DEFAULT_DIRECTORY / "ntm-2024.v1.yaml"


@pytest.fixture(scope="session")
def registry() -> RulesRegistry:
    return RulesRegistry.from_directory()


@pytest.fixture(scope="session")
def engine(registry: RulesRegistry) -> RulesEngine:
    return RulesEngine(registry)


@pytest.fixture(scope="session")
def ntm(registry: RulesRegistry) -> LoadedRuleset:
    return registry.get("ntm-2024", "1")


@pytest.fixture(scope="session")
def shipped_text() -> str:
    return SHIPPED.read_text(encoding="utf-8")


@pytest.fixture()
def write_rules(tmp_path: Path, shipped_text: str) -> Callable[..., Path]:
    """Write a variant of the shipped rules file: `replace` pairs applied in order."""

    def write(
        *replace: tuple[str, str], name: str = "variant.yaml", text: str | None = None
    ) -> Path:
        body = shipped_text if text is None else text
        for old, new in replace:
            assert old in body, f"fixture text not found: {old!r}"
            body = body.replace(old, new, 1)
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return path

    return write

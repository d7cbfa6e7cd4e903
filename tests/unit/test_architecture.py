"""The import contracts in pyproject.toml are live: a copy of the source tree with one forbidden
import planted per contract makes ``lint-imports`` name each broken contract and the planted
module. (That the real tree keeps the contracts is checked by ``make lint``.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("thidua", "rules", "workflows", "activities")


def _lint_imports() -> str | None:
    beside_python = Path(sys.executable).with_name("lint-imports")
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("lint-imports")


LINT_IMPORTS = _lint_imports()

pytestmark = pytest.mark.skipif(
    LINT_IMPORTS is None,
    reason="lint-imports (import-linter, a dev dependency) is not installed; run `make venv`",
)


def _contracts() -> list[dict[str, Any]]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        contracts: list[dict[str, Any]] = tomllib.load(f)["tool"]["importlinter"]["contracts"]
    return contracts


def _contract_name(**match: Any) -> str:
    """The name of the one contract whose settings include ``match``; fails if none does."""
    names = [
        c["name"] for c in _contracts() if all(c.get(key) == value for key, value in match.items())
    ]
    assert len(names) == 1, f"expected exactly one import contract with {match}, found {names}"
    return str(names[0])


# (module planted in the copy, its source, the contract that must break, the chain lint-imports
# must report). Each probe breaks a contract that no other contract would report under its name,
# so removing or weakening any of these contracts makes this test fail.
PROBES = [
    (
        "thidua/domain/_probe_infra.py",
        "import sqlalchemy\n",
        {"type": "forbidden", "source_modules": ["thidua.domain"]},
        "thidua.domain._probe_infra -> sqlalchemy",
    ),
    (
        "rules/_probe_thidua.py",
        "import thidua\n",
        {"type": "forbidden", "source_modules": ["rules"]},
        "rules._probe_thidua -> thidua",
    ),
    (
        "thidua/app/_probe_infra.py",
        "import temporalio\n",
        {"type": "forbidden", "source_modules": ["thidua.app"]},
        "thidua.app._probe_infra -> temporalio",
    ),
    (
        "workflows/_probe_infra.py",
        "import fastapi\n",
        {"type": "forbidden", "source_modules": ["workflows"]},
        "workflows._probe_infra -> fastapi",
    ),
    (
        "activities/_probe_infra.py",
        "import sqlalchemy\n",
        {"type": "forbidden", "source_modules": ["activities"]},
        "activities._probe_infra -> sqlalchemy",
    ),
    (
        "thidua/app/_probe_layers.py",
        "import thidua.adapters\n",
        {"type": "layers", "containers": None},
        "thidua.app._probe_layers -> thidua.adapters",
    ),
    (
        "thidua/entrypoints/web/_probe_layers.py",
        "import thidua.entrypoints.cli\n",
        {"type": "layers", "containers": ["thidua.entrypoints"]},
        "thidua.entrypoints.web._probe_layers -> thidua.entrypoints.cli",
    ),
]


def _broken_sections(report: str) -> dict[str, str]:
    """The report's "Broken contracts" part, as contract name -> its explanation (each name is
    printed on its own line, underlined with dashes of the same length)."""
    _, _, broken = report.partition("Broken contracts\n----------------\n")
    lines = broken.splitlines()
    headers = [i for i in range(len(lines) - 1) if lines[i] and lines[i + 1] == "-" * len(lines[i])]
    return {
        lines[i]: "\n".join(lines[i + 2 : end])
        for i, end in zip(headers, [*headers[1:], len(lines)], strict=True)
    }


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    tree = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tree / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static", "templates"),
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    for module, source, _, _ in PROBES:
        target = tree / module
        assert (target.parent / "__init__.py").is_file(), f"{target.parent} is not a package"
        target.write_text(f'"""Planted by {__name__}."""\n\n{source}')

    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "COLUMNS": "1000",
        "NO_COLOR": "1",
        "TERM": "dumb",
    }
    assert LINT_IMPORTS is not None
    result = subprocess.run(
        [LINT_IMPORTS, str(tree / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = result.stdout + result.stderr
    # Only the copy has the probes, so any mention of one proves the copy (not the installed
    # editable package) was analysed.
    assert "_probe_" in report, f"lint-imports did not analyse the copy:\n{report}"
    assert result.returncode == 1, report
    return report


@pytest.mark.parametrize(
    ("contract", "chain"),
    [(contract, chain) for _, _, contract, chain in PROBES],
    ids=[module.removesuffix(".py") for module, *_ in PROBES],
)
def test_a_forbidden_import_breaks_its_contract(
    broken_report: str, contract: dict[str, Any], chain: str
) -> None:
    name = _contract_name(**contract)
    assert f"{name} BROKEN" in broken_report, broken_report
    sections = _broken_sections(broken_report)
    assert name in sections, f"no explanation for {name!r} in:\n{broken_report}"
    assert chain in sections[name], f"{chain!r} not reported under {name!r}:\n{sections[name]}"


def _import_cycles(packages: tuple[str, ...]) -> list[list[str]]:
    """The import circles among the modules of ``packages`` (strongly connected components of
    more than one module in grimp's graph, which also counts imports inside functions)."""
    import grimp

    graph = grimp.build_graph(*packages, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:  # Tarjan, iterative (the graph is deep)
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, children = work[-1]
            child = next((c for c in children if c in graph.modules), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    imported = sorted(graph.find_modules_directly_imported_by(child))
                    work.append((child, iter(imported)))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_circle_among_our_modules() -> None:
    assert _import_cycles(PACKAGES) == []


def test_an_import_circle_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: two modules importing each other are reported."""
    package = tmp_path / "circle_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circle_probe import b\n")
    (package / "b.py").write_text("def f() -> None:\n    from circle_probe import a\n")
    (package / "c.py").write_text("from circle_probe import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _import_cycles(("circle_probe",)) == [["circle_probe.a", "circle_probe.b"]]

"""Imports inside `app/` point down the layers of docs/architecture.md, never up.

Every `import`/`from ... import` counts, also those inside functions (lazy imports) and under
`if TYPE_CHECKING:`: a lazy import upward is still a dependency upward.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"

# Bottom to top. A module may import from its own package and from any lower layer.
LAYERS: list[set[str]] = [
    {"config", "errors", "urls", "files"},
    {"store", "embeddings"},
    {"ingest", "retrieval", "chat", "view"},
    {"workspace", "workspace_status", "workspaces"},  # the service
    # Front ends. The eval sits here, above the service, because what it measures is the app as users
    # get it: it ingests and retrieves through Workspace, so a score cannot drift from the real path.
    {"cli", "main", "status", "eval", "__main__", "api", "mcp_server", "ui"},
]

# Packages of one layer may import each other only along these edges, one way (as the code did when
# the rule was written down): the reverse edge, or a new pair, fails.
SIDEWAYS: set[tuple[str, str]] = {
    ("config", "errors"),
    ("workspace", "workspace_status"),  # the status a Workspace reports is the one read without opening it
    ("workspaces", "workspace"),  # many users' collections (the API, MCP) are Workspaces
    ("store", "embeddings"),  # vector arrays' type; the fingerprint names the model
    ("chat", "retrieval"),  # answers cite retrieved passages
    # The page view shows a cited passage where it stands: it reads pages as the readers do (OCR, text
    # cleaning), finds the cited sentences as the answers do, and takes the retrieved passage.
    ("view", "ingest"),
    ("view", "chat"),
    ("view", "retrieval"),
    ("__main__", "cli"),
    ("cli", "eval"),
    ("cli", "mcp_server"),  # `python -m app mcp` starts the MCP server
    ("cli", "api"),  # `serve-api` starts the HTTP API (imported when the command runs)
    ("main", "status"),
    ("main", "ui"),  # the UI's sign-in, sharing and API-key panels live beside it
}

# Single module-to-module edges that break the rule today, each with the move that removes it.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every `app.*` module `path` imports, wherever in the file the import statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from app.ingest import reindex` imports the module app.ingest.reindex.
            found |= {
                f"{node.module}.{alias.name}" for alias in node.names if _is_module(f"{node.module}.{alias.name}")
            }
    return {name for name in found if name == "app" or name.startswith("app.")}


def _is_module(name: str) -> bool:
    path = APP.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _package(module: str) -> str:
    """The top-level part of `app` a module belongs to: app.store.chroma -> store, app.cli -> cli."""
    return module.split(".")[1] if "." in module else "app"


def _layer(package: str) -> int:
    for number, layer in enumerate(LAYERS):
        if package in layer:
            return number
    raise AssertionError(f"app/{package} is in no layer: add it to LAYERS here and to docs/architecture.md.")


def _edges() -> list[tuple[str, str]]:
    return sorted(
        (_module_name(path), target) for path in APP.rglob("*.py") for target in _imports(path) if target != "app"
    )


def upward_imports(edges: list[tuple[str, str]]) -> list[str]:
    """The imports that break the layering, as 'source -> target (why)'."""
    broken = []
    for source, target in edges:
        src, dst = _package(source), _package(target)
        if src in ("app", dst) or (source, target) in KNOWN_EXCEPTIONS:
            continue
        if _layer(dst) > _layer(src):
            broken.append(f"{source} -> {target} (up from layer {_layer(src)} to {_layer(dst)})")
        elif _layer(dst) == _layer(src) and (src, dst) not in SIDEWAYS:
            broken.append(f"{source} -> {target} (sideways: {src} may not import {dst})")
    return broken


def test_every_package_of_app_has_a_layer() -> None:
    packages = {_package(_module_name(path)) for path in APP.rglob("*.py")} - {"app"}
    assert sorted(p for p in packages if not any(p in layer for layer in LAYERS)) == []


def test_no_module_imports_from_a_layer_above_it() -> None:
    assert upward_imports(_edges()) == []


def test_sideways_imports_go_one_way() -> None:
    assert sorted((dst, src) for src, dst in SIDEWAYS if (dst, src) in SIDEWAYS) == []


def test_the_known_exceptions_still_exist_so_the_list_shrinks_when_they_go() -> None:
    assert sorted(KNOWN_EXCEPTIONS - set(_edges())) == []


@pytest.mark.parametrize(
    ("source", "target", "broken"),
    [
        ("app.store.catalog", "app.workspace", True),  # store -> service
        ("app.ingest.reindex", "app.workspace", True),  # the import this layout removed
        ("app.workspace", "app.cli", True),  # service -> front end
        ("app.embeddings.local", "app.store.chroma", True),  # sideways, the wrong way
        ("app.retrieval.search", "app.chat.engine", True),  # sideways, the wrong way
        ("app.chat.engine", "app.retrieval.passage", False),
        ("app.cli", "app.workspace", False),
        ("app.eval.run", "app.workspace", False),
        ("app.store.collections", "app.store.catalog", False),  # inside one package
    ],
)
def test_an_import_is_judged_by_the_layers_of_both_ends(source: str, target: str, broken: bool) -> None:
    assert bool(upward_imports([(source, target)])) is broken


def test_imports_inside_functions_and_type_checking_blocks_are_found(tmp_path: Path) -> None:
    module = tmp_path / "lazy.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from app.workspace import Workspace\n"
        "def run():\n    import app.cli\n    from app.ingest import reindex\n"
    )
    assert _imports(module) == {"app.workspace", "app.cli", "app.ingest", "app.ingest.reindex"}

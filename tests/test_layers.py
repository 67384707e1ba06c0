"""The package's modules stand in layers, and each imports only from its own layer or those below it, with no
two modules importing each other (docs/development.md draws the layers). Every import counts: at the top,
inside a function, or for type checking only."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pulumi_css_vpcep

PACKAGE = Path(pulumi_css_vpcep.__file__).parent

LAYERS: list[set[str]] = [
    {"__init__", "__main__", "_cli", "resource", "_plugin_server", "_plugin", "_faces", "_schema", "_pulumi_compat",
     "_engine_watch"},
    {"_read", "emulator"},
    {"_requests"},
    {"_transports", "_transports.httpx_pool"},
    {"_http_errors", "_signing", "_tls", "_paging", "_projects", "_cancel", "_settings", "_credentials", "_retries",
     "_wait", "_audit"},
    {"errors", "models", "_fields", "_version"},
]
"""Top to bottom: the faces; the read (and, beside it, the emulator, which only the command starts); the
requests; the transports; the pure leaves; the public errors and models, the field table and the version."""


def _module(path: Path) -> str:
    """The module's name within the package; the emulator's modules count as the one ``emulator``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[0] == "emulator":
        return "emulator"
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def _imports(path: Path) -> set[str]:
    """The package's modules that ``path`` imports, by the names ``_module`` gives."""
    package = path.relative_to(PACKAGE).parent.parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[: len(package) - (node.level - 1)])
            target = [*base, *(node.module.split(".") if node.module else [])]
            names = [[*target, alias.name] for alias in node.names] if not node.module else [target]
            for name in names:
                while name and not (PACKAGE.joinpath(*name).with_suffix(".py").exists()
                                    or PACKAGE.joinpath(*name, "__init__.py").exists()):
                    name = name[:-1]  # a name imported from a module, not a module
                found.add(_module(PACKAGE.joinpath(*name, "__init__.py") if PACKAGE.joinpath(*name).is_dir()
                                  else PACKAGE.joinpath(*name).with_suffix(".py")))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found.update(m.removeprefix("pulumi_css_vpcep.") for m in modules if m.startswith("pulumi_css_vpcep."))
    return found - {_module(path)}


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        graph.setdefault(_module(path), set()).update(_imports(path))
    return graph


def _rank(module: str) -> int:
    return next(rank for rank, layer in enumerate(LAYERS) if module in layer)


def test_every_module_has_a_layer() -> None:
    assert set(_graph()) == set().union(*LAYERS)


def test_no_module_imports_from_a_layer_above_it() -> None:
    upward = sorted(f"{module} -> {target}" for module, targets in _graph().items() for target in targets
                    if _rank(target) < _rank(module))
    assert upward == []


def test_no_modules_import_each_other() -> None:
    graphlib.TopologicalSorter(_graph()).prepare()  # raises CycleError, naming the circle


def test_the_read_path_stands_in_its_layers() -> None:
    graph = _graph()
    assert all("_read" in graph[face] for face in ("_cli", "resource", "_plugin"))
    assert graph["_read"] >= {"_requests", "_transports.httpx_pool"}


def test_the_package_imports_http_client_nowhere_outside_the_emulator() -> None:
    # httpx is the one transport library; only the emulator (a server) frames HTTP itself.
    found = []
    for path in PACKAGE.rglob("*.py"):
        if _module(path) == "emulator":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            found += [f"{_module(path)}: {name}" for name in names if name.startswith("http.client")]
    assert found == []

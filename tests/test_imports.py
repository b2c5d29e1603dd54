"""The package's import structure, read from the source with ``ast`` (nothing is imported).

What counts:

- **Forbidden packages** — every ``import`` statement anywhere in a module (module level,
  inside functions, classes, ``if TYPE_CHECKING:`` and ``try`` blocks), plus
  ``importlib.import_module("...")`` / ``__import__("...")`` with a literal name:
  no module of ``assistant/`` imports ``evals``; only the UI (``assistant/ui.py`` or the
  ``assistant/ui/`` package) imports ``gradio``; only the HTTP server
  (``assistant/server*.py``, ``assistant/api*.py`` or an ``assistant/server/`` package)
  imports ``fastapi``.
- **Cycles** — the imports a module runs when it is first imported: statements at module
  level, including those in module-level ``try``/``if``/``with`` blocks and class bodies,
  but not those under ``if TYPE_CHECKING:`` (never run) nor inside functions and methods
  (run later, on call). ``from assistant.x import y`` is an edge to ``assistant.x.y`` when that is a
  module, else to ``assistant.x``; importing a package's parent ``__init__`` on the way is
  not counted (it is Python's doing, not the module's).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module of a ``from ... import`` (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
    base = package.split(".")
    if node.level > 1:
        base = base[: -(node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(module: str, node: ast.AST) -> list[str]:
    """Dotted names an import statement (or a literal ``import_module`` call) imports."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = _resolve(module, node)
        return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
            return [node.args[0].value]
    return []


def all_imports(module: str) -> list[tuple[str, int]]:
    """(imported name, line) for every import anywhere in ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    return [(name, getattr(node, "lineno", 0)) for node in ast.walk(tree) for name in _imported_names(module, node)]


def load_time_imports(module: str) -> set[str]:
    """The modules of this package that ``module`` imports when it is itself imported."""
    found: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.update(n for n in _imported_names(module, node) if n in MODULES)
            elif isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                    visit(block)
            elif isinstance(node, ast.With | ast.ClassDef):  # a class body runs on import
                visit(node.body)

    visit(ast.parse(MODULES[module].read_text(encoding="utf-8")).body)
    found.discard(module)
    return found


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a cycle
    path through its modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_cycle_path(graph, c) for c in components]


def _cycle_path(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One concrete cycle inside a strongly connected component, for the failure message."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    while True:
        nxt = sorted(w for w in graph[path[-1]] if w in members)
        back = [w for w in nxt if w == start]
        if back and len(path) > 1:
            return [*path, start]
        fresh = [w for w in nxt if w not in seen]
        if not fresh:
            return [*path, nxt[0]] if nxt else path
        path.append(fresh[0])
        seen.add(fresh[0])


def _allowed(module: str, package: str) -> bool:
    path = MODULES[module].relative_to(PACKAGE.parent).as_posix()
    if package == "gradio":
        return path == "assistant/ui.py" or path.startswith("assistant/ui/")
    if package == "fastapi":
        name = MODULES[module].name
        return (
            path.startswith("assistant/server/")
            or (MODULES[module].parent == PACKAGE and name.startswith(("server", "api")))
        )
    return False  # evals: nowhere


# --- the checks, first on small made-up graphs so they are known to fail when they should ----


def test_cycle_finder_finds_cycles_and_only_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []
    assert find_cycles({"x": {"y"}, "y": {"x"}}) == [["x", "y", "x"]]


def test_load_time_imports_ignore_functions_and_type_checking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "assistant"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from assistant import b\n"
        "try:\n    import assistant.c\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    from assistant.d import Thing\n"
        "def later():\n    from assistant import e\n    import evals.cli\n"
    )
    for name in "bcde":
        (package / f"{name}.py").write_text("")
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "PACKAGE", package)
    monkeypatch.setattr(this, "MODULES", {_module_name(p): p for p in package.rglob("*.py")})
    assert load_time_imports("assistant.a") == {"assistant.b", "assistant.c"}
    names = {name for name, _ in all_imports("assistant.a")}
    assert {"assistant.d", "assistant.e", "evals.cli"} <= names


# --- the package ------------------------------------------------------------------------------


def test_the_package_was_found() -> None:
    assert {"assistant", "assistant.assistant", "assistant.cli", "assistant.prompts"} <= set(MODULES)


def test_no_import_cycles_inside_the_package() -> None:
    graph = {module: load_time_imports(module) for module in MODULES}
    cycles = find_cycles(graph)
    assert not cycles, "import cycles (module-level imports): " + "; ".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("package", ["evals", "gradio", "fastapi"])
def test_forbidden_imports(package: str) -> None:
    offenders = [
        f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {name}"
        for module in MODULES
        for name, line in all_imports(module)
        if name.split(".")[0] == package and not _allowed(module, package)
    ]
    assert not offenders, "\n".join(offenders)


MAX_MODULE_LINES = 450  # issue 13: a module past this has grown into several concepts


def test_no_module_has_grown_past_the_size_of_one_concept() -> None:
    sizes = {module: len(path.read_text(encoding="utf-8").splitlines()) for module, path in MODULES.items()}
    assert len(sizes) > 40 and max(sizes.values()) > 300  # the walk found the real package
    too_big = {module: n for module, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not too_big, f"split these modules (lines): {too_big}"

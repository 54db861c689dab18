"""The layer rules, counted: `make arch` (or `python -m tests.architecture`) prints import cycles, upward imports
and project imports inside functions; tests/test_architecture.py asserts all three are zero and runs the
import-linter contract (.importlinter). docs/architecture.md explains the layers."""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.paths import REPO as ROOT

PACKAGES = ("bot", "config", "handlers", "jobs", "scoring")
# Process entry points: they wire the layers together, so they may import anything, and import late.
ENTRY_POINTS = {"wsgi", "jobs.worker", "jobs.scheduler", "jobs.dispatcher", "jobs.cli", "config.gunicorn",
                "config.banner", "bot.sandbox.__main__"}
CORE = {"bot.links": 3, "bot.queues": 3, "bot.errors": 1, "bot.clock": 1}


def rank(module: str) -> float:
    """A module's layer: it may import modules of its own layer or lower ones, never higher ones."""
    top, _, rest = module.partition(".")
    if top in ("handlers", "wsgi"):
        return 7
    if top == "jobs":
        return 6
    if top == "scoring":
        return 1.5
    if top == "config":
        return 0
    for name, value in CORE.items():
        if module == name or module.startswith(name + "."):
            return value
    sub = rest.partition(".")[0]
    if sub in ("wecom", "sandbox"):
        return 4
    if sub in ("mail", "sms"):
        return 3.5
    if sub == "store":
        return 2
    return 5  # a feature package: bot/<feature>/


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)
    imports: dict[str, set[str]] = field(default_factory=dict)       # module-level
    late: list[tuple[str, int, str]] = field(default_factory=list)   # (module, line, imported) inside functions


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module a dotted import names (a package's attribute import resolves to the package)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Yield (node, inside_function) for each import, skipping `if TYPE_CHECKING:` blocks."""
    def walk(node, inside):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, inside
            yield from walk(child, inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))
    yield from walk(tree, False)


def build() -> Graph:
    """Parse every project module and collect its imports of other project modules."""
    graph = Graph()
    files = [ROOT / "wsgi.py"] + [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    for path in files:
        if "migrations" not in path.parts:
            graph.modules[module_name(path)] = path
    for module, path in graph.modules.items():
        graph.imports[module] = set()
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node, inside in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                names = [f"{base}.{alias.name}" for alias in node.names]
            for name in names:
                target = resolve(name, graph.modules)
                if target is None or target == module:
                    continue
                if inside:
                    graph.late.append((module, node.lineno, target))
                else:
                    graph.imports[module].add(target)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), over module-level imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(10000)

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.imports.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.imports):
        if module not in index:
            visit(module)
    return found


def _is_package_of(importer: str, target: str) -> bool:
    # importing a package runs its __init__: a package's own modules may import it
    return importer.startswith(target + ".")


def upward(graph: Graph) -> list[tuple[str, str]]:
    """Imports from a lower layer to a higher one, outside the entry points."""
    return sorted((module, target) for module, targets in graph.imports.items() if module not in ENTRY_POINTS
                  for target in targets if rank(target) > rank(module) and not _is_package_of(module, target))


def late_imports(graph: Graph) -> list[tuple[str, int, str]]:
    """Project imports inside functions, outside the entry points."""
    return [item for item in graph.late if item[0] not in ENTRY_POINTS]


def main() -> int:
    graph = build()
    found, up, late = cycles(graph), upward(graph), late_imports(graph)
    print(f"{len(graph.modules)} modules")
    print(f"import cycles: {len(found)}")
    for group in found:
        print("  " + " ⇄ ".join(group))
    print(f"upward imports outside entry points: {len(up)}")
    for module, target in up:
        print(f"  {module} → {target}")
    print(f"project imports inside functions outside entry points: {len(late)}")
    for module, line, target in late:
        print(f"  {module}:{line} → {target}")
    return 1 if found or up or late else 0


if __name__ == "__main__":
    sys.exit(main())

"""The project's own import graph, read from the source with `ast` (nothing is imported).

Every `import` and `from ... import` counts, at module level or inside a function, except those under
`if TYPE_CHECKING:` (they never run). Edges point from the importing module to the imported one;
`from pkg import name` points at `pkg.name` when that is a module, else at `pkg`. `late_imports` lists every
import inside a function (the project's or not) and whether a comment says why. `tests/layout/test_imports.py`
holds the rules.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "wechat", "miniprogram_api")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(module: str, current: str, level: int, is_package: bool) -> str:
    if not level:
        return module
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def edges(modules: dict[str, Path] | None = None) -> list[Edge]:
    modules = modules if modules is not None else project_modules()
    result: list[Edge] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"

        def visit(node: ast.AST, in_function: bool, name=name, is_package=is_package) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _is_type_checking(child):
                    for sub in child.orelse:
                        visit(sub, in_function)
                    continue
                inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                if isinstance(child, ast.Import):
                    for alias in child.names:
                        if alias.name.split(".")[0] in PACKAGES:
                            result.append(
                                Edge(name, _closest(alias.name, modules), child.lineno, in_function)
                            )
                elif isinstance(child, ast.ImportFrom):
                    base = _resolve(child.module or "", name, child.level, is_package)
                    if base.split(".")[0] not in PACKAGES:
                        continue
                    for alias in child.names:
                        full = f"{base}.{alias.name}"
                        target = full if full in modules else _closest(base, modules)
                        result.append(Edge(name, target, child.lineno, in_function))
                visit(child, inner)

        visit(tree, False)
    return [e for e in result if e.source != e.target]


def _closest(dotted: str, modules: dict[str, Path]) -> str:
    parts = dotted.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or dotted


def cycles(graph_edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for e in graph_edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return found


#: Comments that say nothing to a reader: a linter's or a type checker's instructions.
PRAGMA = re.compile(r"#\s*(noqa|type:|pragma|fmt:)", re.IGNORECASE)


@dataclass(frozen=True)
class LateImport:
    module: str
    line: int
    statement: str
    explained: bool


def late_imports(modules: dict[str, Path] | None = None) -> list[LateImport]:
    """Every import inside a function (any module, the project's or not), and whether a comment says why:
    on its line, or on a line of its own just above it or above the run of import lines it belongs to.
    A linter's or type checker's instruction (`# noqa`, `# type:`) is no reason."""
    modules = modules if modules is not None else project_modules()
    found: list[LateImport] = []
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        comments = [
            tok
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT and not PRAGMA.match(tok.string)
        ]
        commented = {tok.start[0] for tok in comments}
        comment_lines = {tok.start[0] for tok in comments if not tok.line[: tok.start[1]].strip()}
        tree = ast.parse(source)
        functions = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        ]
        imports = {
            node.lineno: node
            for function in functions
            for node in ast.walk(function)
            if isinstance(node, ast.Import | ast.ImportFrom)
        }.values()
        starts = {node.lineno for node in imports}
        for node in imports:
            line = node.lineno
            while line - 1 in starts:  # up to the first of the run of import lines this one belongs to
                line -= 1
            explained = node.lineno in commented or bool(comment_lines & {node.lineno - 1, line - 1})
            found.append(LateImport(name, node.lineno, lines[node.lineno - 1].strip(), explained))
    return found

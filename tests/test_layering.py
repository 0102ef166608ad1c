"""The layering rule of docs/architecture.md, checked on the source: imports go one way.

front ends (bot/cli.py, bot/telegram, bot/repl, bot/eval) -> the engine's public surface -> index/.
Every import counts, including those inside functions (they run too); only `if TYPE_CHECKING:` blocks are
left out, since they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "index")

# What a front end may import from bot/: the startup path, the engine and what its answers are made of,
# how answers are shown, fixed texts and settings. Nothing from index/ (the engine re-exports its errors).
PUBLIC = frozenset({"bot", "bot.app", "bot.engine", "bot.answer", "bot.render", "bot.prompts", "bot.settings",
                    "bot.errors"})
# Services with no transport that front ends run beside the engine: documents added from a chat, --watch.
SERVICES = frozenset({"bot.corpus_edits", "bot.uploads", "bot.watching"})
FRONT_ENDS = ("bot.cli", "bot.telegram", "bot.repl", "bot.eval")
# cli.py only parses arguments and hands over to each front end's entry point
ENTRY_POINTS = frozenset({"bot.repl.app", "bot.telegram.app", "bot.eval.run",
                          "bot.stdin_questions"})  # and how `ask -` reads its lines


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


MODULES = all_modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            yield from (n for branch in child.orelse for n in _import_nodes_of(branch))
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _import_nodes(child)


def _import_nodes_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    yield from _import_nodes(node)


def imports_of(name: str, modules: dict[str, Path] = MODULES) -> set[str]:
    """The citebot modules `name` imports (a `from pkg import sub` of a submodule counts as the submodule)."""
    path = modules[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for target in targets:
            while target and target not in modules:  # `import bot.telegram.app` -> the module itself
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] in PACKAGES and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
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
            visit(v)
    return found


def is_front_end(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FRONT_ENDS)


def own_package(name: str) -> str:
    return next(f for f in FRONT_ENDS if name == f or name.startswith(f + "."))


# the checker itself -------------------------------------------------------------------------------------
def test_the_checker_sees_function_level_imports_and_skips_type_checking_blocks(tmp_path: Path) -> None:
    pkg = tmp_path / "bot"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.c import C\n"
                              "def f():\n    from bot import b\n")
    (pkg / "b.py").write_text("import bot.a\n")
    (pkg / "c.py").write_text("from .a import f\n")
    modules = {module_name_in(tmp_path, p): p for p in pkg.glob("*.py")}
    graph = {n: imports_of(n, modules) for n in modules}
    assert graph["bot.a"] == {"bot.b"} and graph["bot.b"] == {"bot.a"} and graph["bot.c"] == {"bot.a"}
    assert cycles(graph) == [["bot.a", "bot.b"]]


def module_name_in(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# the rules ----------------------------------------------------------------------------------------------
def test_index_never_imports_bot() -> None:
    wrong = {name: sorted(t for t in targets if t.startswith("bot"))
             for name, targets in GRAPH.items() if name.startswith("index")}
    assert {name: t for name, t in wrong.items() if t} == {}


def test_front_ends_import_only_the_engines_public_surface() -> None:
    wrong = {}
    for name, targets in GRAPH.items():
        if not is_front_end(name):
            continue
        allowed = PUBLIC | SERVICES | (ENTRY_POINTS if name == "bot.cli" else frozenset())
        own = own_package(name)
        bad = sorted(t for t in targets if t not in allowed and not (t == own or t.startswith(own + ".")))
        if bad:
            wrong[name] = bad
    assert wrong == {}, "front ends reach below the engine"


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []

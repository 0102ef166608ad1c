"""Chroma is known to index/store.py alone: no other module of index/ or bot/ imports chromadb, reads the
embedded store's sqlite database, or names its folder or files. Then replacing or upgrading the store
touches one module (docs/architecture-index.md).

Checked on the source with ast, imports inside functions included; docstrings and comments may still
mention Chroma, and settings keep the conventional CHROMA_HOST/CHROMA_PORT names.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "index" / "store.py"


def _sources() -> list[Path]:
    return [p for package in ("index", "bot") for p in sorted((ROOT / package).rglob("*.py")) if p != STORE]


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _names_store_files(tree: ast.AST) -> bool:
    """A string constant naming the embedded store's folder ("chroma") or its files ("chroma.sqlite3")."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip("/")
            if text == "chroma" or text.startswith("chroma.") or "/chroma" in text:
                return True
    return False


def chroma_knowledge(path: Path) -> list[str]:
    """What `path` knows of Chroma's internals, in words (empty when nothing)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = sorted(_imported(tree) & {"chromadb", "sqlite3"})
    return [f"imports {name}" for name in found] + (["names the store's files"] if _names_store_files(tree) else [])


def test_the_check_sees_what_it_looks_for(tmp_path: Path) -> None:
    cases = {
        "def f(d):\n    import sqlite3\n    return d / 'chroma' / 'chroma.sqlite3'\n": [
            "imports sqlite3", "names the store's files"],
        "from chromadb.config import Settings\n": ["imports chromadb"],
        "x = f'{d}/chroma/chroma.sqlite3'\n": ["names the store's files"],
        '"""Dense search in Chroma."""\nCOLLECTION = "citebot_chunks"\nHOST = "CHROMA_HOST"\n': [],
    }
    for i, (source, expected) in enumerate(cases.items()):
        path = tmp_path / f"m{i}.py"
        path.write_text(source)
        assert chroma_knowledge(path) == expected, source


def test_only_store_py_knows_chroma() -> None:
    assert chroma_knowledge(STORE)  # the check finds what store.py knows ...
    wrong = {str(p.relative_to(ROOT)): k for p in _sources() if (k := chroma_knowledge(p))}
    assert wrong == {}  # ... and nothing of it anywhere else

"""The architecture is a file CI checks: the layer contract (import-linter) and the lint (ruff).

The contract is in ``pyproject.toml`` (``[tool.importlinter]``) and explained in
docs/architecture.md: each layer imports only the layers below it; the catalog is pure data;
nothing below the presentation layer draws or renders; only the engine reaches Spark. A ccnb
import written inside a function is also refused here (109 of them hid a 20-module cycle);
only third-party modules are ever deferred (pyspark, heavy and optional, each place commented).
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    found = str(exe) if exe.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: `make setup` installs the test extra (pyproject.toml)")
    return found


def test_import_contract_holds():
    run = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "4 kept, 0 broken" in run.stdout


def test_ruff_is_clean():
    run = subprocess.run([_tool("ruff"), "check", "ccnb", "tests", "benchmarks"], cwd=ROOT, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stdout[-4000:]


def _function_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ccnb"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} from {node.module}")
                elif isinstance(node, ast.Import) and any(a.name.startswith("ccnb") for a in node.names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} import {node.names[0].name}")
    return found


def test_no_ccnb_import_inside_a_function():
    found = [hit for p in sorted((ROOT / "ccnb").rglob("*.py")) for hit in _function_imports(p)]
    assert found == []


def test_the_check_finds_a_function_level_import(tmp_path):
    """The scan above is not vacuous: it reports an import hidden in a function body."""
    mod = ROOT / "ccnb" / "_probe_tmp.py"
    try:
        mod.write_text("def f():\n    from ccnb.core import config\n    return config\n", encoding="utf-8")
        assert _function_imports(mod) == ["ccnb/_probe_tmp.py:2 from ccnb.core"]
    finally:
        mod.unlink()

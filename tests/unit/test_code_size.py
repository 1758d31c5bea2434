"""Plain size checks that keep the code changeable: no module of src/deptstats over 500 lines,
no function over 60."""

from __future__ import annotations

import ast

from tests.conftest import REPO

SOURCE = REPO / "src" / "deptstats"


def test_no_module_over_500_lines():
    long = {
        str(p.relative_to(SOURCE)): n
        for p in SOURCE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}


def test_no_function_over_60_lines():
    long = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > 60:
                    long[f"{path.relative_to(SOURCE)}:{node.name}"] = lines
    assert long == {}

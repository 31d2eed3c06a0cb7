"""SQL text has one home: every statement is built in core/statements.py, nowhere else in the package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import airflow_provider_spcs
from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.identifiers import parse_object_name

PACKAGE = Path(airflow_provider_spcs.__file__).parent
HOME = PACKAGE / "core" / "statements.py"
# A statement starts with one of these verbs followed by what it acts on (uppercase, as we write SQL).
_SQL = re.compile(
    r"\b(SELECT|SHOW|DESCRIBE|DESC|ALTER|DROP|EXECUTE|CREATE|GRANT|REVOKE|INSERT|UPDATE|DELETE|MERGE|CALL|USE)"
    r"\s+(?:[A-Z_$\"(]|\{)"
)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
        # attribute docstrings: a bare string right after an assignment
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                for stmt in block[1:]:
                    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                        ids.add(id(stmt.value))
    return ids


def sql_literals(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of every string literal (f-strings included) that reads like a SQL statement."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    skip |= {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)  # type: ignore[misc]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
        else:
            continue
        if _SQL.search(text):
            found.append((node.lineno, text))
    return found


def test_scanner_finds_sql_and_ignores_docstrings() -> None:
    source = '''
"""DESCRIBE SERVICE in a module docstring is prose."""
def f(name):
    """SHOW SERVICES in a docstring is prose too."""
    a = "SELECT CURRENT_USER()"
    b = f"ALTER SERVICE {name} SUSPEND"
    c = "refused: service is missing"
    return a, b, c
'''
    assert [line for line, _ in sql_literals(source)] == [5, 6]


def test_no_sql_is_built_outside_statements() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == HOME or (PACKAGE / "testing") in path.parents:
            continue
        for line, text in sql_literals(path.read_text()):
            offenders.append(f"{path.relative_to(PACKAGE)}:{line}: {text[:60]!r}")
    assert offenders == [], "build SQL in core/statements.py:\n" + "\n".join(offenders)


def test_every_statement_quotes_through_identifiers() -> None:
    name = parse_object_name('db."My Svc"')
    assert statements.describe_service(name) == 'DESCRIBE SERVICE "DB"."My Svc"'
    assert statements.show_service_containers("x") == 'SHOW SERVICE CONTAINERS IN SERVICE "X"'
    assert statements.show_endpoints(name) == 'SHOW ENDPOINTS IN SERVICE "DB"."My Svc"'
    assert statements.show_services_in_schema() == "SHOW SERVICES IN SCHEMA"
    assert statements.show_services_in_schema(None, "Sch") == 'SHOW SERVICES IN SCHEMA "Sch"'
    assert statements.show_services_in_schema("DB", 'a"b') == 'SHOW SERVICES IN SCHEMA "DB"."a""b"'
    assert statements.current_identity() == "SELECT CURRENT_USER() AS USER_NAME, CURRENT_ROLE() AS ROLE_NAME"

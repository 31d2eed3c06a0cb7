"""The docs build strictly, stay in sync with the example DAGs, and cover the public API."""

from __future__ import annotations

import inspect
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MKDOCS = pathlib.Path(sys.executable).with_name("mkdocs")
SNIPPET = re.compile(r"<!-- snippet: (\S+) (\S+) -->\n```python\n(.*?)```", re.S)

needs_mkdocs = pytest.mark.skipif(not MKDOCS.exists(), reason="mkdocs is not installed in this environment")


def _build(config: pathlib.Path, site: pathlib.Path) -> subprocess.CompletedProcess[str]:
    # Not --quiet: with mkdocs 1.6 it silences the warnings that --strict counts, and a broken link
    # then builds "successfully" (the second test below proves the gate works).
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "-f", str(config), "--site-dir", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_mkdocs
def test_docs_build_strictly(tmp_path: pathlib.Path) -> None:
    done = _build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "operators.html").exists()


@needs_mkdocs
@pytest.mark.parametrize(
    "broken",
    ["[gone](missing-page.md)", "[bad anchor](operators.md#no-such-heading)"],
)
def test_a_broken_link_fails_the_build(tmp_path: pathlib.Path, broken: str) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(DOCS, copy / "docs")
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    page = copy / "docs" / "troubleshooting.md"
    page.write_text(page.read_text() + f"\nSee {broken}.\n")
    done = _build(copy / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert "troubleshooting.md" in done.stderr


def _region(file: str, name: str) -> str:
    text = (ROOT / "example_dags" / file).read_text()
    match = re.search(rf"^[ \t]*# \[START {name}\]\n(.*?)^[ \t]*# \[END {name}\]", text, re.S | re.M)
    assert match, f"{file} has no region {name}"
    return textwrap.dedent(match.group(1)).strip("\n")


def test_doc_snippets_match_the_example_dags() -> None:
    seen = set()
    for page in DOCS.rglob("*.md"):
        for file, name, code in SNIPPET.findall(page.read_text()):
            assert code.strip("\n") == _region(file, name), f"{page.name}: snippet {name} is out of date"
            seen.add(name)
    assert seen == {
        "howto_spcs_endpoint",
        "howto_spcs_pagination",
        "howto_spcs_pagination_functions",
        "howto_spcs_job",
        "howto_spcs_lifecycle",
        "howto_spcs_deploy",
        "howto_spcs_compute_pool",
        "howto_spcs_rotate_secret",
        "howto_spcs_on_failure",
    }


def test_connection_page_lists_every_extra_field() -> None:
    from airflow_provider_spcs.core.fields import EXTRA_FIELDS

    text = (DOCS / "connection.md").read_text()
    missing = [f.name for f in EXTRA_FIELDS if f"| `{f.name}` |" not in text]
    assert missing == []


def test_every_auth_method_has_a_page() -> None:
    from airflow_provider_spcs.core.fields import AUTH_METHODS

    pages = {
        "key_pair": "key-pair.md",
        "pat": "pat.md",
        "spcs_token": "spcs-token.md",
        "oauth": "oauth.md",
        "password": "password.md",
    }
    assert set(pages) == set(AUTH_METHODS)
    for method, page in pages.items():
        text = (DOCS / "auth" / page).read_text()
        assert f"`{method}`" in text
        assert "## Common errors" in text


def _parameters(cls: type) -> list[str]:
    return [
        name for name, p in inspect.signature(cls).parameters.items() if name != "self" and p.kind is p.KEYWORD_ONLY
    ]


def test_reference_pages_document_every_parameter() -> None:
    from airflow_provider_spcs.operators.spcs import (
        SpcsEndpointOperator,
        SpcsExecuteJobOperator,
        SpcsResumeServiceOperator,
        SpcsSecretFromConnectionOperator,
        SpcsSuspendServiceOperator,
    )
    from airflow_provider_spcs.sensors.spcs import SpcsServiceStatusSensor
    from airflow_provider_spcs.triggers.spcs import SpcsServiceStateTrigger

    operators = (DOCS / "operators.md").read_text()
    sensors = (DOCS / "sensors.md").read_text()
    secrets = (DOCS / "secrets.md").read_text()
    events = (DOCS / "events.md").read_text()
    for cls, text in (
        (SpcsServiceStateTrigger, events),
        (SpcsEndpointOperator, operators),
        (SpcsExecuteJobOperator, operators),
        (SpcsSuspendServiceOperator, operators),
        (SpcsResumeServiceOperator, operators),
        (SpcsServiceStatusSensor, sensors),
        (SpcsSecretFromConnectionOperator, secrets),
    ):
        assert f"## {cls.__name__}" in text or cls.__name__ in text
        undocumented = [p for p in _parameters(cls) if f"`{p}`" not in text]
        assert undocumented == [], f"{cls.__name__}: {undocumented}"
        docstring = inspect.getdoc(cls) or ""
        if cls not in (SpcsSuspendServiceOperator, SpcsResumeServiceOperator):  # documented on their base
            assert [p for p in _parameters(cls) if f":param {p}:" not in docstring] == []


def _section(text: str, heading: str) -> str:
    """The part of a page under ``heading``, up to the next heading of the same or a higher level."""
    head = re.search(rf"^(#+) {re.escape(heading)}$", text, re.M)
    assert head, f"no section {heading}"
    rest = text[head.end() :]
    following = re.search(rf"^#{{1,{len(head.group(1))}}} ", rest, re.M)
    return rest[: following.start()] if following else rest


def test_deploy_page_documents_every_parameter_in_each_section() -> None:
    from airflow_provider_spcs.operators.spcs import (
        SpcsAlterServiceOperator,
        SpcsCreateServiceOperator,
        SpcsDropServiceOperator,
        SpcsResumeComputePoolOperator,
        SpcsSuspendComputePoolOperator,
        SpcsUpgradeServiceOperator,
    )
    from airflow_provider_spcs.sensors.spcs import SpcsComputePoolSensor

    text = (DOCS / "deploy.md").read_text()
    for cls in (
        SpcsCreateServiceOperator,
        SpcsUpgradeServiceOperator,
        SpcsAlterServiceOperator,
        SpcsDropServiceOperator,
        SpcsSuspendComputePoolOperator,
        SpcsResumeComputePoolOperator,
        SpcsComputePoolSensor,
    ):
        section = _section(text, cls.__name__)
        # every keyword the class (or its base) takes, whether it names it or passes it on
        names = {
            n
            for klass in cls.__mro__
            if klass.__module__.startswith("airflow_provider_spcs")
            for n in _parameters(klass)
        }
        undocumented = sorted(p for p in names if f"`{p}`" not in section)
        assert undocumented == [], f"{cls.__name__}: {undocumented}"
        docstring = inspect.getdoc(cls) or ""
        assert sorted(p for p in names if f":param {p}:" not in docstring) == [], cls.__name__


def test_every_python_block_in_the_docs_parses() -> None:
    import ast

    blocks = [
        (page.name, code)
        for page in DOCS.rglob("*.md")
        for code in re.findall(r"```python\n(.*?)```", page.read_text(), re.S)
    ]
    assert len(blocks) >= 10
    for name, code in blocks:
        ast.parse(code, filename=name)  # a SyntaxError names the page

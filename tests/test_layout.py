"""The layout's rules, checked on the source: no import cycles, domain packages free of Flask
and Twilio, routing free of I/O, TwiML built only in each channel's `twiml` module."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hotline", "workers")
# Domain packages: usable from a job, a command or a test without Flask or Twilio.
DOMAIN = (
    "hotline.accounts",
    "hotline.audit",
    "hotline.blocklist",
    "hotline.calls",
    "hotline.callbacks",
    "hotline.conversations",
    "hotline.directory",
    "hotline.logbook",
    "hotline.models",
    "hotline.outbox",
    "hotline.privacy",
    "hotline.reports",
    "hotline.retention",
    "hotline.roster",
    "hotline.routing",
)
NO_IO = ("sqlalchemy", "redis", "rq", "requests", "psycopg")
TWIML_BUILDERS = {"hotline.ivr.twiml", "hotline.sms.twiml"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


MODULES = modules()


def imported(path: Path) -> Iterator[str]:
    """Every module `path` imports, anywhere in it (inside functions too)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield submodule if submodule in MODULES else node.module


def graph() -> dict[str, set[str]]:
    """Our modules and the modules of ours each one imports."""
    return {
        name: {target for target in imported(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert len(MODULES) > 50  # the walk really found the code
    assert cycles(graph()) == []


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_packages_import_neither_flask_nor_twilio(package: str) -> None:
    mine = [name for name in MODULES if name == package or name.startswith(package + ".")]
    assert mine
    offending = {
        f"{name}: {target}"
        for name in mine
        for target in imported(MODULES[name])
        if target.split(".")[0] in ("flask", "twilio", "werkzeug")
    }
    assert offending == set()


def test_routing_does_no_io() -> None:
    offending = {
        f"{name}: {target}"
        for name, path in MODULES.items()
        if name.startswith("hotline.routing")
        for target in imported(path)
        if target.split(".")[0] in NO_IO
    }
    assert offending == set()


def test_twiml_is_built_only_in_each_channels_twiml_module() -> None:
    builders = {
        name
        for name, path in MODULES.items()
        if not name.startswith("hotline.simulator")
        for target in imported(path)
        if target.startswith("twilio.twiml")
    }
    assert builders == TWIML_BUILDERS

"""The import graph of app, wechat and miniprogram_api (read with ast, nothing imported): no cycles,
late imports only with a reason, and dependencies pointing one way (surfaces → domain → core; the
`wechat` adapter on core only)."""

from __future__ import annotations

from tests.layout.imports import Edge, cycles, edges, late_imports, project_modules

#: The domain packages: they hold the rules, and never reach into a surface.
DOMAIN = (
    "app.core",
    "app.directory",
    "app.calendar",
    "app.stores",
    "app.consumers",
    "app.staff",
    "app.complaints",
    "app.uploads",
    "app.notifications",
)
#: The surfaces and entry points: thin, over the domain packages.
SURFACES = (
    "miniprogram_api",
    "app.web",
    "app.staff_web",
    "app.official_account",
    "app.cli",
    "app.worker",
    "app.dev",
)


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def described(found: list[Edge]) -> str:
    return "\n".join(
        f"  {e.source}:{e.line} imports {e.target}{' (inside a function)' if e.in_function else ''}"
        for e in sorted(found, key=lambda e: (e.source, e.line))
    )


def test_the_graph_is_read():
    assert {"app.factory", "app.notifications.delivery", "wechat.client", "miniprogram_api"} <= set(
        project_modules()
    )
    pairs = {(e.source, e.target) for e in edges()}
    assert ("app.notifications.hooks", "app.notifications.queue") in pairs
    assert ("miniprogram_api.complaints", "miniprogram_api.blueprint") in pairs


def test_the_checks_catch_a_cycle_and_an_unexplained_late_import(tmp_path):
    (tmp_path / "a.py").write_text("from app import b\n\n\ndef f():\n    import json\n")
    (tmp_path / "b.py").write_text(
        "def g():\n    # Late: a reason.\n    from app import a\n    import os\n\n    import sys  # why\n    import re  # noqa: F401\n"
    )
    modules = {"app.a": tmp_path / "a.py", "app.b": tmp_path / "b.py"}

    assert cycles(edges(modules)) == [["app.a", "app.b"]]
    assert [(late.module, late.line, late.explained) for late in late_imports(modules)] == [
        ("app.a", 5, False),
        ("app.b", 3, True),
        ("app.b", 4, True),  # the run of imports under the comment
        ("app.b", 6, True),
        ("app.b", 7, False),  # a linter's instruction is no reason
    ]


def test_no_import_cycles():
    graph = edges()
    found = cycles(graph)
    report = []
    for component in found:
        members = set(component)
        inside = [e for e in graph if e.source in members and e.target in members]
        report.append(f"cycle among {', '.join(component)}:\n{described(inside)}")
    assert not found, "\n".join(report)


def test_every_import_inside_a_function_says_why():
    unexplained = [late for late in late_imports() if not late.explained]
    assert not unexplained, (
        "imports inside a function without a comment saying why (move them to the top of the module, or "
        "put the reason on the line or just above):\n"
        + "\n".join(f"  {late.module}:{late.line}: {late.statement}" for late in unexplained)
    )


def test_the_wechat_adapter_stands_on_core_only():
    found = [
        e
        for e in edges()
        if within(e.source, "wechat") and within(e.target, "app") and not within(e.target, "app.core")
    ]
    assert not found, "the wechat adapter imports app beyond app.core:\n" + described(found)


def test_domain_packages_never_import_surfaces():
    found = [
        e
        for e in edges()
        if any(within(e.source, d) for d in DOMAIN) and any(within(e.target, s) for s in SURFACES)
    ]
    assert not found, "domain packages import surfaces:\n" + described(found)


def test_core_imports_nothing_of_the_domain():
    found = [
        e
        for e in edges()
        if within(e.source, "app.core") and within(e.target, "app") and not within(e.target, "app.core")
    ]
    assert not found, "app.core imports other packages:\n" + described(found)

"""docs/architecture.md carries the current package import graph; the runtime has no cycle."""

from __future__ import annotations

from tools import import_graph


def test_committed_import_graph_is_current() -> None:
    assert import_graph.committed_block() == import_graph.render(), (
        "docs/architecture.md: run `python -m tools.import_graph --write`")


def test_runtime_package_has_no_import_cycle() -> None:
    assert import_graph.cycles(import_graph.module_graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_graph.cycles(graph) == [["a", "b", "c"]]


def test_core_imports_nothing_of_the_project_and_tools_stay_outside() -> None:
    graph = import_graph.module_graph()
    assert not any(t for m, ts in graph.items() if m.startswith("rotation_addin.core")
                   for t in ts if not t.startswith("rotation_addin.core"))
    assert not any(m.startswith("tools") for m in graph)
    desk = {import_graph.group_of(t) for m, ts in graph.items()
            if m.startswith("rotation_addin.desk") for t in ts}
    # the desk sits on the engine and the I/O layers: data and the journal store (#10)
    assert desk <= {"rotation_addin.core", "rotation_addin.data", "rotation_addin.journal",
                    "rotation_addin.desk"}

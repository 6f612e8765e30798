"""The grading package's tree: subfolders by role, and no import cycle (function-level imports
count: grimp reads every import statement)."""

from __future__ import annotations

import grimp
import pytest


def cycles(graph, package: str) -> list[list[str]]:
    """Return, for each import A -> B inside ``package`` that B imports back, the chain B ... A."""
    found = []
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    for a in modules:
        for b in sorted(graph.find_modules_directly_imported_by(a)):
            if b.startswith(package) and b != a:
                chain = graph.find_shortest_chain(importer=b, imported=a)
                if chain is not None:
                    found.append([a, *chain])
    return found


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("rnncourse", cache_dir=None)


def test_no_import_cycle_in_grading(graph):
    assert cycles(graph, "rnncourse.grading") == []


def test_a_planted_cycle_is_found():
    graph = grimp.build_graph("rnncourse", cache_dir=None)  # its own: it is changed here
    graph.add_import(
        importer="rnncourse.grading.child.calls", imported="rnncourse.grading.feedback"
    )
    found = cycles(graph, "rnncourse.grading")
    assert [
        "rnncourse.grading.feedback",
        "rnncourse.grading.child.calls",
        "rnncourse.grading.feedback",
    ] in found


def test_subfolders_by_role(graph):
    # what runs inside a sandbox imports nothing of the grader's side
    child = sorted(m for m in graph.modules if m.startswith("rnncourse.grading.child"))
    for m in child:
        for imported in graph.find_modules_directly_imported_by(m):
            assert not imported.startswith(
                ("rnncourse.grading.catalog", "rnncourse.grading.grader", "rnncourse.reference")
            ), (m, imported)

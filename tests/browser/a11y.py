"""axe-core audit of an open page (for ``test_book.py`` and ``test_a11y.py``).

axe-core comes from the npm registry (``make browser-deps`` packs it into
``.venv/share/axe-core/axe.min.js``; ``RNNCOURSE_AXE`` overrides the path). It runs in the page
with the WCAG 2.0 and 2.1 level A and AA rules only; a violation of impact ``serious`` or
``critical`` is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = Path(os.environ.get("RNNCOURSE_AXE", ROOT / ".venv" / "share" / "axe-core" / "axe.min.js"))
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = ("serious", "critical")

_RUN_JS = """async (tags) => {
    const result = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(" ") + (n.failureSummary
            ? " :: " + n.failureSummary.replace(/\\s+/g, " ").slice(0, 160) : "")),
    }));
}"""


def _axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core not found at {AXE_JS}. Run `make browser-deps` (npm pack axe-core) or set "
            "RNNCOURSE_AXE.",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: object, impacts: tuple[str, ...] = FAILING) -> list[dict]:
    """Run axe-core on the page as it is now; the violations of the given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=_axe_source())
    found = page.evaluate(_RUN_JS, WCAG_TAGS)
    return [v for v in found if v["impact"] in impacts]


def describe(violations: list[dict]) -> list[str]:
    """One line per violation and affected element (at most 5 elements per rule)."""
    lines = []
    for v in violations:
        lines.append(f"{v['impact']} {v['id']} ({len(v['nodes'])}): {v['help']}")
        lines.extend(f"    {n}" for n in v["nodes"][:5])
    return lines

"""axe-core in the browser tests: ``serious_violations(page)`` runs it on the page as it is
and returns what axe rates serious or critical, one readable line each.

axe comes from node_modules (package.json; ``make setup`` runs npm ci). It is evaluated
through DevTools (``page.evaluate``) rather than added as a <script>: the portal's
Content-Security-Policy refuses scripts it did not serve (Playwright's ``add_script_tag``
is blocked), and relaxing the policy for the test would test another page than visitors
get.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, which 《信息技术 互联网内容无障碍可访问性技术要求与测试方法》
# (GB/T 37668-2019) follows.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IMPACTS = ("serious", "critical")


@cache
def _source() -> str:
    if not AXE_JS.exists():
        pytest.skip(f"{AXE_JS} is missing: run npm ci")
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(page) -> dict:
    """axe's full result for the page's current document."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source() + "\n;true")
    return page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {
                runOnly: { type: "tag", values: tags },
                resultTypes: ["violations"],
            });
            return { violations: result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
            })) };
        }""",
        TAGS,
    )


def serious_violations(page) -> list[str]:
    """Violations rated serious or critical, as "rule (impact): help — elements"."""
    found = run_axe(page)["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in IMPACTS
    ]

"""Run axe-core (the copy bundled with axe-playwright-python, so no network) and fail on serious problems.

The gate is WCAG 2.0, 2.1 and 2.2 at levels A and AA plus axe's best practices; only
violations with impact "serious" or "critical" fail a test, but every one is printed.
Set AXE_REPORT=path to append every violation found (of any impact) to a JSON-lines file,
to review the minor and moderate ones that do not fail the suite.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = frozenset({"serious", "critical"})

_axe = Axe()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now, of any impact."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = _axe.run(page, options=options)
    violations: list[dict[str, Any]] = results.response["violations"]
    report = os.environ.get("AXE_REPORT")
    if report:
        path = urlsplit(page.url)
        with Path(report).open("a", encoding="utf-8") as lines:
            for violation in violations:
                targets = [" >> ".join(map(str, node["target"])) for node in violation["nodes"]]
                record = {"page": path.path + (f"?{path.query}" if path.query else ""), "rule": violation["id"]}
                lines.write(json.dumps({**record, "impact": violation.get("impact"), "targets": targets}) + "\n")
    return violations


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation.get('impact')}] {violation['help']}")
        lines.append(f"  help: {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " >> ".join(str(part) for part in node["target"])
            lines.append(f"  at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"     {summary}")
    return "\n".join(lines)


def assert_no_serious_violations(page: Page) -> None:
    """Fail, with a readable report, when axe finds any serious or critical violation."""
    violations = axe_violations(page)
    serious = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
    if serious:
        others = [v for v in violations if v not in serious]
        report = f"axe found {len(serious)} serious/critical violation(s) on {page.url}:\n" + format_violations(serious)
        if others:
            report += "\n\nMinor/moderate (not failing):\n" + format_violations(others)
        pytest.fail(report, pytrace=False)

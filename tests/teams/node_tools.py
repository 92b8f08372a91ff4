"""Microsoft's JavaScript tools for the Teams tests (Adaptive Card parser, Agents Playground), installed with npm
into tests/teams/js on first use. Tests that need them skip only when node or npm is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"


def node_modules() -> Path:
    """tests/teams/js/node_modules, installed from package.json when missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(f"needs Node.js and npm on PATH (node: {node or 'missing'}, npm: {npm or 'missing'})")
    modules = JS / "node_modules"
    if not (modules / "adaptivecards").exists() or not (modules / "@microsoft" / "m365agentsplayground").exists():
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS, check=True, timeout=600)
    return modules

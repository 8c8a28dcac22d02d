"""`ckanapi dump datasets --all` (the real CLI, in a subprocess) equals package_show for each public, active dataset."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import ckanapi
import pytest

from tests.opendata.ckan_fixtures import Catalogue

pytestmark = pytest.mark.django_db(transaction=True)

BIN = Path(sys.executable).parent


def ckanapi_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI starts its workers as `ckanapi` from PATH, so the virtualenv's bin goes first."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(BIN / "ckanapi"), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_dump_all_datasets_equals_package_show(
    live_server: Any, ckan: ckanapi.RemoteCKAN, catalogue: Catalogue, tmp_path: Path
) -> None:
    output = tmp_path / "datasets.jsonl"
    done = ckanapi_cli("dump", "datasets", "--all", "-q", "-O", str(output), "-r", live_server.url)

    assert done.returncode == 0, done.stderr
    dumped = [json.loads(line) for line in output.read_text().splitlines()]
    assert [record["name"] for record in dumped] == ["public-toilets", "spending-over-500", "street-trees"]
    for record in dumped:
        assert record == ckan.action.package_show(id=record["name"])


def test_cli_action_and_search(live_server: Any, catalogue: Catalogue) -> None:
    done = ckanapi_cli("action", "package_search", "fq=tags:trees", "-r", live_server.url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["count"] == 2

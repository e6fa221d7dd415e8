"""report.html in a real browser: headless Chromium loads it offline, with no console message.

CI installs Debian's chromium (see .ci/run); elsewhere the test skips when no Chromium is found,
but under CI (CI=true) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from synthpriv.config import RunConfig
from synthpriv.pipeline import run
from tests.conftest import SAMPLE

pytestmark = pytest.mark.integration

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    return CHROMIUM


def load(chromium: str, page: Path, tmp_path: Path, *extra: str) -> tuple[str, list[str]]:
    """Return the rendered DOM and the console messages Chromium logged for ``page``."""
    done = subprocess.run(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            *extra,
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


@pytest.fixture(scope="module")
def report_page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "run"
    run(SAMPLE / "healthcare.csv", out, RunConfig(seed=2, nlp_model="none"))
    return out / "report.html"


def test_the_console_check_catches_errors(chromium, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<p>x</p><script>console.error("broken")</script>')
    _, console = load(chromium, page, tmp_path)
    assert any('"broken"' in line for line in console)


def test_report_loads_clean_and_shows_the_verdict(chromium, report_page, tmp_path):
    dom, console = load(chromium, report_page, tmp_path)
    assert console == []
    verdict = re.search(r'<span class="verdict (\w+)" id="verdict">(\w+)</span>', dom)
    assert (
        verdict
        and verdict.group(1) == verdict.group(2)
        and verdict.group(2) in {"PASS", "WARN", "FAIL"}
    )
    assert "Distance to closest record" in dom and "<svg" in dom


def test_report_is_self_contained(report_page):
    html = report_page.read_text()
    assert not re.search(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', html)
    assert "<script" not in html and "@import" not in html


def test_screenshot(chromium, report_page, tmp_path):
    shot = tmp_path / "report.png"
    load(chromium, report_page, tmp_path, "--window-size=1200,1800", f"--screenshot={shot}")
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

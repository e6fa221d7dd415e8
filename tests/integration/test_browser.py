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

import numpy as np
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


def _pdf_run(tmp_path, monkeypatch, *extra, browser=None):
    from click.testing import CliRunner

    from synthpriv.cli import cli
    from tests.fakes import FakeSynthesizer

    if browser is not None:
        monkeypatch.setenv("SYNTHPRIV_CHROMIUM", browser)
    else:
        monkeypatch.delenv("SYNTHPRIV_CHROMIUM", raising=False)
        monkeypatch.setenv("PATH", str(tmp_path))  # no browser on the PATH
    source = tmp_path / "in.csv"
    source.write_bytes((SAMPLE / "healthcare.csv").read_bytes())
    out = tmp_path / "o"
    result = CliRunner().invoke(
        cli,
        ["run", str(source), "-o", str(out), "--nlp-model", "none", *extra],
        obj={"synthesizer": FakeSynthesizer()},
    )
    return result, out


def test_report_pdf_has_the_pages_of_the_report(chromium, tmp_path, monkeypatch):
    import json

    import pypdfium2

    result, out = _pdf_run(tmp_path, monkeypatch, browser=chromium)
    report = json.loads((out / "report.json").read_text())
    pdf = out / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    manifest = json.loads((out / "manifest.json").read_text())
    assert "report.pdf" in manifest["outputs"]
    document = pypdfium2.PdfDocument(str(pdf))
    assert len(document) >= 3  # the summary, the details, the cleaning and provenance
    text = " ".join(page.get_textpage().get_text_range() for page in document)
    folded = re.sub(r"\s+", " ", text)
    assert f"Synthetic data report {report['verdict']}" in folded
    assert "Provenance" in folded and "What cleaning did" in folded
    for gate in report["gates"]:
        assert gate["status"] in folded
    pages = [_rgb(document[i]) for i in range(len(document))]
    first = pages[0].mean(axis=2)
    assert (first < 128).mean() > 0.01  # text and badges, not a blank page
    r, g, b = (np.concatenate([p[..., i].ravel() for p in pages]) for i in range(3))
    orange = (r > 230) & (g > 110) & (g < 150) & (b < 40)  # the synthetic bars, #fb8500
    blue = (r < 40) & (g > 80) & (g < 130) & (b > 200)  # the real bars, #0969da
    assert orange.sum() > 200 and blue.sum() > 200


def _rgb(page):
    """A page rendered to an RGB array (pdfium writes BGR)."""
    pixels = page.render(scale=1).to_numpy()
    return pixels[..., [2, 1, 0]].astype(int)


def test_without_chromium_the_run_says_so_and_writes_no_pdf(tmp_path, monkeypatch):
    result, out = _pdf_run(tmp_path, monkeypatch)
    assert (out / "report.html").exists() and not (out / "report.pdf").exists()
    assert "report.pdf not written: no Chromium found (apt-get install chromium" in result.stderr
    (tmp_path / "b").mkdir()
    quiet, out2 = _pdf_run(tmp_path / "b", monkeypatch, "--no-pdf")
    assert "report.pdf" not in quiet.stderr and not (out2 / "report.pdf").exists()

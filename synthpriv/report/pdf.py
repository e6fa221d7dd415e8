"""report.pdf: the HTML report printed by headless Chromium, for an audit file or a DPIA.

The page is self-contained (styles and charts inline), so the PDF has the same content,
paginated, charts included. Chromium is told it can resolve no host at all, so printing can
fetch nothing. Chromium is Debian's ``chromium`` package (the one the browser tests use); the
``SYNTHPRIV_CHROMIUM`` variable names another binary, and set empty turns PDFs off.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from synthpriv.io import atomic_path

log = logging.getLogger(__name__)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_ENV = "SYNTHPRIV_CHROMIUM"
PRINT_SECONDS = 120
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-extensions",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-pdf-header-footer",
)


def find_browser() -> str | None:
    """The Chromium to print with: ``$SYNTHPRIV_CHROMIUM`` if set (empty: none), else the PATH's."""
    if BROWSER_ENV in os.environ:
        return os.environ[BROWSER_ENV] or None
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def write_pdf(html_path: Path, pdf_path: Path) -> str | None:
    """Print ``html_path`` to ``pdf_path`` (atomically); return why not, or None when written.

    A missing or failing browser is not an error of the run: the HTML and JSON are the report,
    the PDF a copy of it. The reason is logged as a warning naming the file.
    """
    browser = find_browser()
    if browser is None:
        return _skipped(
            pdf_path,
            "no Chromium found (apt-get install chromium, or set SYNTHPRIV_CHROMIUM)"
            if BROWSER_ENV not in os.environ
            else None,
        )
    with tempfile.TemporaryDirectory(prefix="synthpriv-pdf-") as profile:
        with atomic_path(pdf_path) as tmp:
            try:
                subprocess.run(
                    [
                        browser,
                        *FLAGS,
                        f"--user-data-dir={profile}",
                        f"--print-to-pdf={tmp}",
                        html_path.resolve().as_uri(),
                    ],
                    capture_output=True,
                    timeout=PRINT_SECONDS,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise _NotPrinted(type(exc).__name__) from None
            if not tmp.exists() or tmp.read_bytes()[:5] != b"%PDF-":
                raise _NotPrinted("the browser wrote no PDF")
    return None


class _NotPrinted(Exception):
    """Raised inside the atomic write so that no partial report.pdf is left."""


def print_report(html_path: Path, pdf_path: Path) -> bool:
    """Write ``pdf_path`` from ``html_path``; True when written (warns, never raises, if not)."""
    try:
        return write_pdf(html_path, pdf_path) is None
    except _NotPrinted as exc:
        _skipped(pdf_path, f"Chromium could not print it ({exc})")
        return False


def _skipped(pdf_path: Path, why: str | None) -> str:
    if why:
        log.warning("%s not written: %s", pdf_path.name, why)
    return why or "turned off"

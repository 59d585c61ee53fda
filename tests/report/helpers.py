"""Checks shared by the report tests: every section present, nothing external."""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from bayeslaw.report.model import SECTION_IDS

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def assert_all_sections(html: str) -> None:
    """Every section id, once, in the documented order."""
    found = re.findall(r'<section id="([^"]+)">', html)
    assert found == list(SECTION_IDS)


def external_references(html: str) -> list[str]:
    """Every src/href/url() that would fetch something (anything but data: and #anchors)."""
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html)
    refs += re.findall(r"url\(([^)]*)\)", html)
    refs += re.findall(r"@import", html)
    return [r for r in refs if not (r.startswith("data:image/png;base64,") or r.startswith("#"))]


def screenshot(html_path: Path, png: Path, height: int = 20000) -> Path:
    """Render ``html_path`` in headless chromium and write a full-page PNG."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
                        f"--window-size=1400,{height}", html_path.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
    return png

"""Print a workbook the way a manager would: LibreOffice converts it to PDF, pypdf counts.

Without ``soffice`` the print tests skip locally but fail in CI (``CI=true``), like the
browser tests without Chromium; ``.ci/run`` installs ``libreoffice-calc-nogui``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def need_soffice() -> str:
    """The soffice path; skip (locally) or fail (CI) when LibreOffice is missing."""
    if SOFFICE:
        return SOFFICE
    msg = (
        "LibreOffice (soffice) not found "
        "(apt-get install libreoffice-calc-nogui; .ci/run does this)"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI: {msg}")
    pytest.skip(msg)


def print_to_pdf(xlsx: Path, out_dir: Path) -> Path:
    """``xlsx`` converted by LibreOffice with its print setup, in a private profile."""
    soffice = need_soffice()
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = (out_dir / "lo-profile").resolve().as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = out_dir / (xlsx.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no PDF for {xlsx}"
    return pdf


def pdf_page_texts(pdf: Path) -> list[str]:
    """The text of every page of ``pdf``."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(pdf).pages]

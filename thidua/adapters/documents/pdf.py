"""PDF conversion with LibreOffice (optional: returns None when it is not installed)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_soffice", "render_pdf"]

#: Seconds allowed for one conversion (the first start of LibreOffice is slow).
TIMEOUT_S = 180


def find_soffice() -> str | None:
    """Path of the LibreOffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def render_pdf(docx_path: Path, out_dir: Path) -> Path | None:
    """Convert ``docx_path`` to PDF in ``out_dir``; None if LibreOffice is not installed.

    Each call uses a throw-away LibreOffice profile so concurrent conversions do not clash.
    Raises ``RuntimeError`` if LibreOffice runs but produces no PDF.
    """
    exe = find_soffice()
    if exe is None:
        return None
    docx_path = Path(docx_path).resolve()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="thidua-lo-") as profile:
        result = subprocess.run(
            [
                exe,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out_dir),
                str(docx_path),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    pdf = out_dir / f"{docx_path.stem}.pdf"
    if not pdf.is_file():
        raise RuntimeError(
            f"LibreOffice did not produce {pdf} (exit {result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()}"
        )
    return pdf

"""The document files of a round under one folder: ``<out_dir>/<round key>/<kind>.docx|html|pdf``."""

from __future__ import annotations

import hashlib
from pathlib import Path

from thidua.app.ports.documents import Files
from thidua.domain.documents.models import AnyDoc

from .pdf import render_pdf
from .render_docx import render_docx
from .render_html import render_html

FORMATS: tuple[str, ...] = ("docx", "html", "pdf")


class FileDocumentRenderer:
    """Implements ``thidua.app.ports.documents.DocumentRenderer`` on the local file system."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir).resolve()

    def write(
        self, doc: AnyDoc | None, round_key: str, kind: str, files: Files, *, with_pdf: bool
    ) -> dict[str, str | None]:
        folder = self.out_dir / round_key
        out: dict[str, str | None] = {
            fmt: (str(files[fmt]) if files.get(fmt) else None) for fmt in FORMATS
        }
        rendered_docx = False
        if doc is not None and not self.exists(out["docx"]):
            out["docx"] = str(render_docx(doc, folder / f"{kind}.docx"))
            rendered_docx = True
        if doc is not None and not self.exists(out["html"]):
            out["html"] = str(render_html(doc, folder / f"{kind}.html"))
        docx = out["docx"]
        if with_pdf and docx is not None and self.exists(docx):
            if rendered_docx or not self.exists(out["pdf"]):
                pdf = render_pdf(Path(docx), folder)
                if pdf is not None:
                    out["pdf"] = str(pdf)
                elif rendered_docx:
                    out["pdf"] = None  # an older PDF would not match the new Word file
        elif rendered_docx:
            out["pdf"] = None
        return out

    def exists(self, path: str | None) -> bool:
        return isinstance(path, str) and bool(path) and Path(path).is_file()

    def sha256(self, path: str) -> str:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()

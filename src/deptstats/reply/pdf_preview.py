"""A PDF preview of a DOCX through LibreOffice (`soffice --headless --convert-to pdf`), for tests
and the picture in docs/. The office fonts the letter names are mapped to open stand-ins (Noto
CJK) by a fontconfig file given to that one soffice process; the DOCX itself is not changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from deptstats.reply.gbt9704 import FANGSONG, HEITI, KAITI, SONGTI, XIAOBIAOSONG

STAND_INS = {
    FANGSONG: "Noto Serif CJK SC",
    XIAOBIAOSONG: "Noto Serif CJK SC",
    SONGTI: "Noto Serif CJK SC",
    KAITI: "Noto Serif CJK SC",
    HEITI: "Noto Sans CJK SC",
}


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def fontconfig_file(folder: Path) -> Path:
    matches = "".join(
        f'<match target="pattern"><test name="family"><string>{name}</string></test>'
        f'<edit name="family" mode="assign" binding="strong"><string>{stand_in}</string>'
        "</edit></match>\n"
        for name, stand_in in STAND_INS.items()
    )
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        '<fontconfig>\n<include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"{matches}</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def render_pdf(docx: Path, out_dir: Path, timeout: float = 180) -> Path:
    """out_dir/<stem>.pdf; raises RuntimeError when LibreOffice is missing or fails."""
    program = soffice()
    if program is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deptstats-soffice-") as scratch:
        scratch_path = Path(scratch)
        environment = dict(
            os.environ, FONTCONFIG_FILE=str(fontconfig_file(scratch_path)), HOME=str(scratch_path)
        )
        profile = (scratch_path / "profile").as_uri()
        done = subprocess.run(
            [
                program,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out_dir),
                str(docx),
            ],
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    pdf = out_dir / f"{docx.stem}.pdf"
    if done.returncode != 0 or not pdf.is_file():
        raise RuntimeError(f"soffice failed ({done.returncode}): {done.stderr or done.stdout}")
    return pdf

"""Optical character recognition with Tesseract, run as a program (Debian's `tesseract-ocr`)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from app.errors import UnreadableFileError

OCR_DPI = 200  # tesseract reads body text well from 200 dpi; 300 costs twice the time for little gain


@dataclass(frozen=True)
class Ocr:
    command: str = "tesseract"
    languages: str = "eng"
    timeout: float = 120.0

    def available(self) -> bool:
        return shutil.which(self.command) is not None

    def unavailable_error(self, what: str) -> UnreadableFileError:
        return UnreadableFileError(
            f"{what} has no text layer, and OCR is not available: the Tesseract program "
            f"'{self.command}' was not found.",
            "Install Tesseract (Debian/Ubuntu: 'sudo apt-get install tesseract-ocr'; `make test` does it as root) "
            "or set TESSERACT_CMD, then upload the file again.",
        )

    def image_to_text(self, image: bytes, what: str) -> str:
        """The text Tesseract reads in `image` (PNG/JPEG bytes); `what` names it in errors ('scan.pdf' page 2)."""
        if not self.available():
            raise self.unavailable_error(what)
        try:
            done = subprocess.run(
                [self.command, "stdin", "stdout", "-l", self.languages],
                input=image,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise UnreadableFileError(
                f"OCR of {what} took longer than {self.timeout:.0f} s.", "Split the document or export it with text."
            ) from exc
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()
            raise UnreadableFileError(
                f"OCR of {what} failed: {detail[-1] if detail else f'exit code {done.returncode}'}.",
                f"Check that Tesseract has the language data for OCR_LANGUAGES='{self.languages}'.",
            )
        return done.stdout.decode("utf-8", errors="replace")

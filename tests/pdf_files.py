"""PDFs with the features the PDF reader must handle (encryption, ligatures, broken fonts, tables), made here."""

from __future__ import annotations

from pathlib import Path


def unicode_font() -> Path:
    """DejaVu Sans as shipped inside matplotlib (a dependency): a TTF with ligature glyphs such as "ﬁ"."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def make_unicode_pdf(pages: list[str]) -> bytes:
    """Pages written in DejaVu Sans, so that any character (ligatures included) is in the text layer as given."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(unicode_font()))
    for text in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_owner_locked_pdf(text: str, method: str) -> bytes:
    """Encrypted with an owner password only (opens without one), with `method` RC4, AES_128 or AES_256."""
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", encryption_method=EncryptionMethod[method])
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())

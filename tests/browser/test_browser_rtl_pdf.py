"""Right-to-left PDFs as a browser prints them (Chromium's "print to PDF", through Playwright), read back by the app.

Chromium stores each right-to-left line as it is drawn, left to right, with its own glyphs for mirrored brackets:
the app must give the lines back in the order they are read, numbers and Latin words in place.
"""

from __future__ import annotations

import html

from app.ingest.readers import parse_file

ARABIC = [
    "بلغت الإيرادات 1,250 مليون ريال في عام 2023.",
    "تشرح الصفحات 10-20.",
    "2023-05-07 هو تاريخ توقيع العقد",
    "12.5% هي نسبة النمو",
    "اتصلوا على 800-123-4567 في أي وقت",
    "قالت الشركة (وهي مدرجة في البورصة) إن الأرباح زادت.",
    "انظر الجدول [3] والملحق (ب).",
    "قال المدير: «سنفتتح فرعا جديدا» في الصيف.",
    "يعمل الفريق على مشروع Machine Learning Platform منذ سنتين.",
    "عدد السكان ٣٥٬٠٠٠ نسمة في عام ٢٠٢٠.",
    "الإسلام والإيمان لا يتعارضان مع الأخلاق والسلام.",
    "رقم الفاتورة INV-2024-0042 بتاريخ 2024-03-15",
    "رقم الحساب: SA03 8000 0000 6080 1016 7519",
]
HEBREW = [
    "החברה דיווחה על רווח של 15 מיליון שקל בשנת 2022.",
    "הפגישה תתקיים בין השעות 10:00-12:00 ביום ראשון.",
    "מספר הזמנה: ORD-2024-117",
    "דגם: XPS 13 9310",
]
ENGLISH_WITH_ARABIC = ["Our office in Dubai (مكتب دبي) opens at 9:00.", "The Riyadh branch opened in 2023."]


def printed(browser, lines: list[str], direction: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The lines of the page the app reads from `lines` printed to PDF, one paragraph each."""
    page = browser.new_page()
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    page.set_content(
        f'<html dir="{direction}"><head><meta charset="utf-8"><style>body {{ font-family: "DejaVu Sans"; '
        f"font-size: 14px }}</style></head><body>{paragraphs}</body></html>"
    )
    data = page.pdf(format="A4")
    page.close()
    (document,) = parse_file(data, "printed.pdf").documents
    return [" ".join(line.split()) for line in document.text.splitlines() if line.strip()]


def test_arabic_printed_by_a_browser_reads_in_order_with_its_numbers_brackets_and_latin_words(browser) -> None:  # type: ignore[no-untyped-def]
    assert printed(browser, ARABIC, "rtl") == ARABIC


def test_hebrew_printed_by_a_browser_reads_in_order(browser) -> None:  # type: ignore[no-untyped-def]
    assert printed(browser, HEBREW, "rtl") == HEBREW


def test_arabic_words_in_an_english_page_stay_in_place(browser) -> None:  # type: ignore[no-untyped-def]
    assert printed(browser, ENGLISH_WITH_ARABIC, "ltr") == ENGLISH_WITH_ARABIC


def test_an_english_sentence_in_a_right_to_left_page_reads_in_order(browser) -> None:  # type: ignore[no-untyped-def]
    # Its full stop is drawn at its left end: the paragraph runs right to left, whatever its letters say.
    lines = ["The word for peace is سلام in Arabic and שלום in Hebrew.", "بلغت الإيرادات 25 مليون دولار."]
    assert printed(browser, lines, "rtl") == lines

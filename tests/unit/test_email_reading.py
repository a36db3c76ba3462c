"""E-mail messages (.eml) made here with Python's own email package, read as a user would upload them."""

from __future__ import annotations

from email.message import EmailMessage

from app.ingest.readers import parse_file
from app.store.chunk_text import format_location


def _message(subject: str = "Q3 figures") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Li Wei <li.wei@example.cn>"
    message["To"] = "Ana Pérez <ana@example.es>"
    message["Subject"] = subject
    message["Date"] = "Tue, 01 Oct 2024 09:30:00 +0800"
    return message


def test_an_email_is_read_as_its_headers_and_plain_text_body_in_its_own_charset() -> None:
    message = _message("季度报告 – Q3 figures")  # sent as an encoded word
    message.set_content("您好，\n第三季度收入为 1,250 万元。\nRegards, Li", charset="gb2312")
    message.add_alternative("<p>第三季度收入为 1,250 万元。</p>", subtype="html")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="q3.pdf")
    parsed = parse_file(bytes(message), "report.eml")
    assert [document.text for document in parsed.documents] == [
        "From: Li Wei <li.wei@example.cn>\nTo: Ana Pérez <ana@example.es>\nDate: Tue, 01 Oct 2024 09:30:00 +0800\n"
        "Subject: 季度报告 – Q3 figures\n\n您好，\n第三季度收入为 1,250 万元。\nRegards, Li\n"
    ]
    assert parsed.title == "季度报告 – Q3 figures"
    assert parsed.notes == [
        "1 attached file not read (q3.pdf): to search an attachment, save it and upload it as a file of its own"
    ]


def test_an_html_only_email_is_read_as_its_visible_text_and_cited_by_its_headings() -> None:
    message = _message()
    html = "<html><head><style>p {color: red}</style></head><body><h2>Revenue</h2><p>Up 12% to EUR 4.1m.</p>"
    message.set_content(html + "<h2>Staff</h2><p>Headcount rose to 1,450.</p></body></html>", subtype="html")
    parsed = parse_file(bytes(message), "q3.eml")
    assert [(document.text, format_location(document.metadata)) for document in parsed.documents] == [
        (
            "From: Li Wei <li.wei@example.cn>\nTo: Ana Pérez <ana@example.es>\nDate: Tue, 01 Oct 2024 09:30:00 +0800\n"
            "Subject: Q3 figures\n\nRevenue\nUp 12% to EUR 4.1m.",
            'section "Revenue"',
        ),
        ("Staff\nHeadcount rose to 1,450.", 'section "Staff"'),
    ]
    assert parsed.title == "Q3 figures"
    assert parsed.notes == []


def test_a_body_in_a_charset_python_does_not_know_is_still_read() -> None:
    raw = (
        "From: a@example.org\nSubject: Bestellung\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=x-unknown-8bit\nContent-Transfer-Encoding: 8bit\n\n"
        "Die Lieferung nach Köln erfolgt am Montag.\n"
    ).encode()
    parsed = parse_file(raw, "order.eml")
    assert [document.text for document in parsed.documents] == [
        "From: a@example.org\nSubject: Bestellung\n\nDie Lieferung nach Köln erfolgt am Montag.\n"
    ]


def test_an_address_python_cannot_parse_is_shown_as_written_and_the_message_still_read() -> None:
    # Python's header parser raises IndexError on an address cut short ("Ana <ana@"), as mail clients can save it.
    raw = b"From: Ana <ana@\nSubject: Lieferung\n\nDie Lieferung nach K\xc3\xb6ln erfolgt am Montag.\n"
    assert [document.text for document in parse_file(raw, "cut.eml").documents] == [
        "From: Ana <ana@\nSubject: Lieferung\n\nDie Lieferung nach Köln erfolgt am Montag.\n"
    ]

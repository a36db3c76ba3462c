"""E-mail messages (.eml) made here with Python's own email package, read as a user would upload them."""

from __future__ import annotations

from email.message import EmailMessage

from app.ingest.parsed import ReadOptions
from app.ingest.readers import parse_file
from app.store.chunk_text import format_location
from tests.conftest import make_pdf
from tests.files import make_xlsx


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
    message.add_attachment(b"\x00TNEF", maintype="application", subtype="ms-tnef", filename="winmail.dat")
    parsed = parse_file(bytes(message), "report.eml")
    assert [document.text for document in parsed.documents] == [
        "From: Li Wei <li.wei@example.cn>\nTo: Ana Pérez <ana@example.es>\nDate: Tue, 01 Oct 2024 09:30:00 +0800\n"
        "Subject: 季度报告 – Q3 figures\n\n您好，\n第三季度收入为 1,250 万元。\nRegards, Li\n"
    ]
    assert parsed.title == "季度报告 – Q3 figures"
    assert parsed.notes == ["1 attached file of a type the app does not read here (winmail.dat)"]


def test_attached_documents_are_read_with_the_message_and_cited_by_their_name_and_place() -> None:
    message = _message()
    message.set_content("The figures are attached.")
    message.add_attachment(
        make_pdf(["Revenue rose 12% to EUR 4.1m.", "Headcount rose to 1,450."]),
        "application",
        "pdf",
        filename="q3 report.pdf",
    )
    message.add_attachment(
        make_xlsx({"Q3": [["region", "sales"], ["North", 1250]]}), "application", "octet-stream", filename="sales.xlsx"
    )
    message.add_attachment(b"%PDF-1.4 cut short", "application", "pdf", filename="broken.pdf")
    parsed = parse_file(bytes(message), "q3.eml")
    assert [(format_location(document.metadata), document.text.split("\n\n")[-1]) for document in parsed.documents] == [
        ("", "The figures are attached.\n"),
        ('attachment "q3 report.pdf", page 1', "Revenue rose 12% to EUR 4.1m."),
        ('attachment "q3 report.pdf", page 2', "Headcount rose to 1,450."),
        ('attachment "sales.xlsx", sheet "Q3", row 2', "region: North; sales: 1250"),
    ]
    assert len(parsed.notes) == 1 and parsed.notes[0].startswith("attached file not read: 'broken.pdf' is damaged")


def test_a_message_with_only_an_attachment_keeps_its_headers_out_of_the_attachments_page() -> None:
    message = _message()
    message.add_attachment(make_pdf(["Revenue rose 12% to EUR 4.1m."]), "application", "pdf", filename="q3.pdf")
    parsed = parse_file(bytes(message), "q3.eml")
    assert [(format_location(document.metadata), document.text) for document in parsed.documents] == [
        (
            "",
            "From: Li Wei <li.wei@example.cn>\nTo: Ana Pérez <ana@example.es>\nDate: Tue, 01 Oct 2024 09:30:00 +0800"
            "\nSubject: Q3 figures",
        ),
        ('attachment "q3.pdf", page 1', "Revenue rose 12% to EUR 4.1m."),
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


def _text_of(raw: bytes, name: str = "mail.eml") -> list[str]:
    return [document.text for document in parse_file(raw, name).documents]


def test_a_body_in_a_superset_of_its_named_charset_is_read_as_the_sender_wrote_it() -> None:
    # Mail clients name gb2312 and write GBK (镕), name iso-8859-1 and write Windows-1252 quotes, name us-ascii and
    # write UTF-8; each byte that does not fit the name used to come out as U+FFFD or a control character.
    def message(charset: str, body: bytes) -> bytes:
        head = f"From: a@example.org\nSubject: s\nContent-Type: text/plain; charset={charset}\n"
        return head.encode() + b"Content-Transfer-Encoding: 8bit\n\n" + body

    assert _text_of(message("gb2312", "朱镕基的讲话稿".encode("gbk"))) == [
        "From: a@example.org\nSubject: s\n\n朱镕基的讲话稿"
    ]
    assert _text_of(message("iso-8859-1", "It’s “final”".encode("cp1252"))) == [
        "From: a@example.org\nSubject: s\n\nIt’s “final”"
    ]
    assert _text_of(message("us-ascii", "Zürich: 12 °C".encode())) == [
        "From: a@example.org\nSubject: s\n\nZürich: 12 °C"
    ]


def test_headers_whose_bytes_do_not_fit_their_charset_are_read_by_the_messages_own_charset() -> None:
    # An encoded word labelled UTF-8 holding Latin-1 "é", and a raw GBK subject in a message whose text is gb2312.
    raw = b"From: =?utf-8?Q?Jos=E9?= <j@example.es>\nSubject: " + "季度报告".encode("gbk")
    raw += b"\nContent-Type: text/plain; charset=gb2312\n\n" + "收入增长。".encode("gbk")
    parsed = parse_file(raw, "report.eml")
    assert [document.text for document in parsed.documents] == [
        "From: José <j@example.es>\nSubject: 季度报告\n\n收入增长。"
    ]
    assert parsed.title == "季度报告"


def test_an_empty_plain_alternative_gives_way_to_the_html_one() -> None:
    message = _message()
    message.set_content("\n")
    message.add_alternative("<p>All garden tools 30% off until Sunday.</p>", subtype="html")
    assert _text_of(bytes(message))[0].endswith("Subject: Q3 figures\n\nAll garden tools 30% off until Sunday.")


def test_text_on_both_sides_of_a_picture_is_read_and_pictures_shown_in_the_message_are_no_attachments() -> None:
    message = _message()
    message.set_content("Here is the north wall crack:")
    message.add_attachment(b"\x89PNG\r\n", maintype="image", subtype="png", filename="IMG_1.png", disposition="inline")
    message.add_attachment("And the repair quote is 2,300 EUR.", disposition="inline")
    logo = EmailMessage()
    logo.set_content(b"\x89PNG\r\n", maintype="image", subtype="png", filename="image001.png", cid="<logo@x>")
    del logo["Content-Disposition"]
    message.attach(logo)
    parsed = parse_file(bytes(message), "photos.eml")
    assert [document.text.split("\n\n")[-1] for document in parsed.documents] == [
        "Here is the north wall crack:\n",
        "And the repair quote is 2,300 EUR.\n",
    ]
    assert parsed.notes == []


def test_a_forwarded_message_is_read_with_its_own_headers_and_other_attachments_are_named_by_kind() -> None:
    forwarded = EmailMessage()
    forwarded["From"] = "Billing <billing@vendor.com>"
    forwarded["Subject"] = "Invoice 4471 – overdue"
    forwarded.set_content("Invoice 4471 for 880 USD is overdue.")
    message = _message("Fwd: Invoice 4471")
    message.set_content("See the forwarded message.")
    message.add_attachment(forwarded)
    message.add_attachment(b"\x00TNEF", maintype="application", subtype="ms-tnef", filename="winmail.dat")
    parsed = parse_file(bytes(message), "fwd.eml")
    assert [document.text.split("\n\n")[-1] for document in parsed.documents] == [
        "See the forwarded message.\n",
        "Invoice 4471 for 880 USD is overdue.\n",
    ]
    assert parsed.documents[1].text.startswith("From: Billing <billing@vendor.com>\nSubject: Invoice 4471 – overdue")
    assert parsed.notes == ["1 attached file of a type the app does not read here (winmail.dat)"]


def test_an_encrypted_message_says_so_and_how_to_read_it() -> None:
    raw = (
        b"From: a@example.org\nSubject: Salary review\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data"
    )
    parsed = parse_file(
        raw + b"; name=smime.p7m\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\n", "x.eml"
    )
    assert [document.text for document in parsed.documents] == ["From: a@example.org\nSubject: Salary review"]
    assert parsed.notes == [
        "the message is encrypted (S/MIME or PGP): its text is not read; open it in your mail client, which decrypts "
        "it, and save it again as .eml"
    ]


def test_every_message_of_an_mbox_file_is_read_and_a_byte_order_mark_is_no_header() -> None:
    mbox = (
        b"From alice@example.com Mon Mar  4 10:00:00 2024\nFrom: alice@example.com\nSubject: First\n\nFirst body.\n\n"
    )
    mbox += b"From bob@example.com Mon Mar  4 11:00:00 2024\nFrom: bob@example.com\nSubject: Second\n\n"
    mbox += "The budget is 9,000 €.\n".encode()
    parsed = parse_file(mbox, "inbox.eml")
    assert [document.text for document in parsed.documents] == [
        "From: alice@example.com\nSubject: First\n\nFirst body.\n\n",
        "From: bob@example.com\nSubject: Second\n\nThe budget is 9,000 €.\n",
    ]
    assert parsed.title == "First"
    assert _text_of(b"\xef\xbb\xbf\r\nFrom: a@example.com\r\nSubject: With BOM\r\n\r\nGr\xc3\xbc\xc3\x9fe.\r\n") == [
        "From: a@example.com\nSubject: With BOM\n\nGrüße.\n"
    ]


def test_flowed_text_is_read_as_the_paragraphs_the_sender_wrote() -> None:
    # Apple Mail and Thunderbird send format=flowed: a line ending in a space goes on in the next line.
    def message(delsp: str, body: str) -> bytes:
        head = f"From: a@example.org\nSubject: s\nContent-Type: text/plain; charset=utf-8; format=flowed{delsp}\n\n"
        return (head + body).encode()

    body = "The quarterly figures are \nattached; revenue rose \n12% to 4.1m.\n\n"
    body += "> Can you send the \n> numbers?\n-- \nTom\n"
    assert _text_of(message("", body)) == [
        "From: a@example.org\nSubject: s\n\nThe quarterly figures are attached; revenue rose 12% to 4.1m.\n\n"
        "> Can you send the numbers?\n-- \nTom\n"
    ]
    assert _text_of(message("; delsp=yes", "フォーマットフ \nローです。\n")) == [
        "From: a@example.org\nSubject: s\n\nフォーマットフローです。\n"
    ]


def test_the_page_limit_holds_for_a_messages_attachments_together() -> None:
    message = _message()
    message.set_content("Three reports.")
    for number in (1, 2, 3):
        message.add_attachment(
            make_pdf([f"Report {number}, page 1.", f"Report {number}, page 2."]),
            "application",
            "pdf",
            filename=f"r{number}.pdf",
        )
    parsed = parse_file(bytes(message), "reports.eml", ReadOptions(max_pages=5))
    assert [format_location(document.metadata) for document in parsed.documents] == [
        "",
        'attachment "r1.pdf", page 1',
        'attachment "r1.pdf", page 2',
        'attachment "r2.pdf", page 1',
        'attachment "r2.pdf", page 2',
    ]
    assert parsed.notes == [
        "attached file not read: 'r3.pdf' has 2 pages, over the 1-page limit. Split the document, or raise "
        "MAX_PAGES. The page limit holds for a message's attachments together."
    ]


def test_an_inline_signed_message_is_read_as_its_text_without_its_armor_or_signature() -> None:
    body = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nThe vault code changes on Friday.\n- -----\n"
        "Keep this line.\n-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEEq1w2e3r4t5y6u7i8o9p0\n=abcd\n"
        "-----END PGP SIGNATURE-----\nSent from the office.\n"
    )
    parsed = parse_file(b"From: a@example.org\nSubject: Vault\n\n" + body.encode(), "vault.eml")
    assert [document.text for document in parsed.documents] == [
        "From: a@example.org\nSubject: Vault\n\nThe vault code changes on Friday.\n-----\nKeep this line.\n"
        "Sent from the office.\n"
    ]
    assert parsed.notes == []


def test_an_inline_encrypted_block_is_left_out_with_the_note_and_the_text_around_it_is_read() -> None:
    body = (
        "Hi Sam, the figures:\n-----BEGIN PGP MESSAGE-----\n\nhQEMA1x2y3z4a5b6AQf/c7d8e9f0\n=wxyz\n"
        "-----END PGP MESSAGE-----\nBye.\n"
    )
    parsed = parse_file(b"From: a@example.org\nSubject: Figures\n\n" + body.encode(), "figures.eml")
    assert [document.text for document in parsed.documents] == [
        "From: a@example.org\nSubject: Figures\n\nHi Sam, the figures:\nBye.\n"
    ]
    assert parsed.notes == [
        "the message is encrypted (S/MIME or PGP): its text is not read; open it in your mail client, which decrypts "
        "it, and save it again as .eml"
    ]

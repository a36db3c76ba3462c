"""Plain text and CSV in the encodings people save them in; damage is dropped and reported, binaries refused."""

from __future__ import annotations

import codecs

import pytest

from app.errors import UnreadableFileError
from app.ingest.readers import parse_file, read_document
from app.store.chunk_text import format_location

GERMAN = "Grüße aus Köln.\nDie Brücke über den Rhein ist 410 m lang.\n"
CHINESE = "机器学习是人工智能的一个分支。它使计算机能够从数据中学习，而无需明确编程。"
ARABIC = "التعلم الآلي هو فرع من فروع الذكاء الاصطناعي.\nيتيح للحواسيب التعلم من البيانات دون برمجة صريحة."
BOMS = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


@pytest.mark.parametrize("bom", [True, False], ids=["with-bom", "without-bom"])
@pytest.mark.parametrize("encoding", sorted(BOMS))
@pytest.mark.parametrize("text", [GERMAN, CHINESE, ARABIC], ids=["german", "chinese", "arabic"])
def test_utf16_and_utf32_text_is_read_in_either_byte_order(text: str, encoding: str, bom: bool) -> None:
    data = (BOMS[encoding] if bom else b"") + text.encode(encoding)
    parsed = parse_file(data, "notes.txt")
    assert [d.text for d in parsed.documents] == [text]
    assert parsed.notes == []


def test_windows_1252_text_keeps_its_accents_and_curly_quotes() -> None:
    text = "Café crème – “très bien”, à 5 €."
    assert read_document(text.encode("cp1252"), "menu.txt")[0].text == text


def test_stray_nul_and_invalid_bytes_in_utf8_text_are_dropped_and_counted() -> None:
    data = GERMAN.encode() * 3 + b"Der Dom\x00 ist\xff\xfe 157 m hoch."
    parsed = parse_file(data, "damaged.txt")
    assert [d.text for d in parsed.documents] == [GERMAN * 3 + "Der Dom ist 157 m hoch."]
    assert parsed.notes == ["3 invalid bytes dropped"]


def test_a_stray_nul_in_utf16_text_is_dropped_and_counted() -> None:
    data = ("Line one.\n" * 20 + "\x00Line two.\n").encode("utf-16-le")
    parsed = parse_file(data, "log.txt")
    assert parsed.documents[0].text == "Line one.\n" * 20 + "Line two.\n"
    assert parsed.notes == ["1 invalid byte dropped"]


def test_csv_in_utf16_with_a_bom_is_read_by_rows() -> None:
    data = codecs.BOM_UTF16_LE + "城市,人口\n北京,21893095\n上海,24870895\n".encode("utf-16-le")
    [document] = read_document(data, "cities.csv")
    assert document.text.splitlines() == ["城市: 北京; 人口: 21893095", "城市: 上海; 人口: 24870895"]
    assert format_location(document.metadata) == "rows 2-3"


@pytest.mark.parametrize(
    "data",
    [
        b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4,  # an executable's header and tables
        bytes(range(256)) * 16,  # every byte value: no text encoding makes this readable
        b"\x00\x01\x02\x03 binary",
    ],
    ids=["elf", "all-bytes", "short"],
)
def test_binary_content_is_refused_with_what_to_do_instead(data: bytes) -> None:
    with pytest.raises(UnreadableFileError) as caught:
        parse_file(data, "program.txt")
    assert caught.value.message == "'program.txt' looks like a binary file, not text."
    assert caught.value.hint == (
        "Open it in the program that made it and export it as text or a supported format "
        "(PDF, DOCX, TXT, MD, HTML, CSV), then upload that."
    )


# Two or three lines of a lease in each language, saved in the code page its writers used before UTF-8.
RUSSIAN = "Договор аренды квартиры.\nАрендная плата составляет 45000 рублей в месяц.\nОплата вносится до пятого числа."
GREEK = "Η σύμβαση μίσθωσης.\nΤο μίσθωμα ανέρχεται σε 800 ευρώ τον μήνα.\nΗ πληρωμή γίνεται έως την πέμπτη ημέρα."
THAI = "สัญญาเช่าบ้าน\nค่าเช่าเดือนละ 12000 บาท\nชำระภายในวันที่ห้าของทุกเดือน"
ARABIC_LEASE = "عقد الإيجار.\nقيمة الإيجار الشهري 3000 ريال.\nيتم الدفع قبل اليوم الخامس من كل شهر."
HEBREW = "חוזה שכירות לדירה.\nדמי השכירות הם 4000 שקלים לחודש.\nהתשלום עד החמישי בכל חודש, החוזה תקף לשלוש שנים."
CHINESE_LEASE = "租赁合同。\n每月租金为五千元，租金应在每月五日前支付。\n合同期限为三年。"
JAPANESE = "賃貸契約書。\n家賃は月額八万円です。毎月五日までに支払うこと。\n契約期間は三年です。"
LEGACY = {
    "russian-cp1251": ("cp1251", RUSSIAN),
    "russian-koi8-r": ("koi8_r", RUSSIAN),
    "greek-cp1253": ("cp1253", GREEK),
    "greek-iso-8859-7": ("iso8859_7", GREEK),
    "thai-cp874": ("cp874", THAI),
    "arabic-cp1256": ("cp1256", ARABIC_LEASE),
    "hebrew-cp1255": ("cp1255", HEBREW),
    "chinese-gbk": ("gbk", CHINESE_LEASE),
    "japanese-shift-jis": ("shift_jis", JAPANESE),
}


@pytest.mark.parametrize(("encoding", "text"), LEGACY.values(), ids=LEGACY.keys())
def test_text_in_a_legacy_non_western_code_page_is_read_as_written(encoding: str, text: str) -> None:
    parsed = parse_file(text.encode(encoding), "lease.txt")
    assert [d.text for d in parsed.documents] == [text]
    assert parsed.notes == []


@pytest.mark.parametrize(
    "text",
    [
        "Un été à Paris, où le loyer s'élève à 900 €.",  # the detector says Windows-1250: "ŕ" for "à"
        "Köln liegt am Rhein.",  # the detector says Big5: "K闤n"
        "El niño pequeño",  # the detector says Windows-1250: "ń" for "ñ"
    ],
    ids=["french", "german", "spanish"],
)
def test_a_line_of_western_text_in_windows_1252_keeps_its_accents(text: str) -> None:
    assert read_document(text.encode("cp1252"), "note.txt")[0].text == text


HEBREW_LINE = "חוזה שכירות. דמי השכירות הם 4000 שקלים לחודש."  # too short for the detector: it reads Cyrillic


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta charset="windows-1255">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1255">',
    ],
    ids=["meta-charset", "http-equiv"],
)
def test_an_html_page_is_decoded_in_the_charset_it_declares(declaration: str) -> None:
    page = f"<html><head>{declaration}<title>שכירות</title></head><body><p>{HEBREW_LINE}</p></body></html>"
    parsed = parse_file(page.encode("cp1255"), "lease.html")
    assert parsed.title == "שכירות"
    assert [d.text for d in parsed.documents] == [HEBREW_LINE]


def test_an_xml_declaration_names_the_encoding_of_the_text() -> None:
    text = f'<?xml version="1.0" encoding="windows-1255"?>\n<lease>{HEBREW_LINE}</lease>'
    assert read_document(text.encode("cp1255"), "lease.txt")[0].text == text

"""The heading a PDF page opens with, in scripts and layouts beyond a filing's (app/ingest/pdf_headings.py)."""

from __future__ import annotations

import pytest

from app.ingest.pdf_headings import page_headings

BODY = " ".join(["The company sells adhesives, films and filters to customers in many countries"] * 2)


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        # A line of CJK body text at the page width has 35-50 characters; its sentences end in an ideographic stop.
        ("年度报告\n公司本年度营业收入增长百分之十二，主要得益于新产品的推出和海外市场\n的扩张。", "年度报告"),
        (
            "事業の概要\n当社グループの当連結会計年度の売上高は前年同期比で増加しました。これは主\n新製品。",
            "事業の概要",
        ),
        ("वार्षिक रिपोर्ट\nकंपनी ने वर्ष के दौरान मजबूत परिणाम दर्ज किए।\nसभी खंडों में राजस्व बढ़ा।", "वार्षिक रिपोर्ट"),
        ("التقرير السنوي\nحققت الشركة نتائج قوية خلال العام،\nمع نمو الإيرادات", "التقرير السنوي"),
    ],
)
def test_a_sentence_of_body_text_in_another_script_ends_the_heading(text: str, heading: str) -> None:
    assert page_headings({1: text}) == {1: heading}


@pytest.mark.parametrize("number", ["7", "- 7 -", "Page 7", "Page 7 of 12", "vii"])
def test_a_page_number_above_the_heading_is_skipped_rather_than_ending_it(number: str) -> None:
    assert page_headings({7: f"{number}\nConsolidated Balance Sheets\n{BODY}"}) == {7: "Consolidated Balance Sheets"}


def test_a_running_header_that_numbers_its_page_is_no_heading() -> None:
    titles = ["Balance Sheet", "Income Statement", "Cash Flows", "Equity"]
    pages = {n: f"ACME Corp Annual Report 2021 - Page {n}\n{title}\n{BODY}" for n, title in enumerate(titles, start=1)}

    assert page_headings(pages) == dict(enumerate(titles, start=1))


def test_a_running_footer_that_numbers_front_matter_in_roman_numerals_is_no_heading() -> None:
    titles = ["Contents", "Letter", "Key Figures", "Risk Factors", "Employees", "Outlook"]
    labels = ["i", "ii", "iii", "1", "2", "3"]
    pages = {
        n: f"Contoso Annual Report\nContoso Annual Report - Page {label}\n{title}\n{BODY}"
        for n, (title, label) in enumerate(zip(titles, labels, strict=True), start=1)
    }
    assert page_headings(pages) == dict(enumerate(titles, start=1))


def test_a_page_of_short_lines_gives_a_heading_only_to_a_line_clearly_shorter_than_them() -> None:
    column = "\n".join(["Deep learning models have become the dominant"] * 12)  # two columns: 46 characters a line
    assert page_headings({1: f"{column}\n{column}"}) == {}
    assert page_headings({1: f"Attention Is All You Need\n{column}"}) == {1: "Attention Is All You Need"}


def test_an_item_of_a_list_is_body_text_not_a_heading() -> None:
    assert page_headings({1: f"• Revenue grew 12%\n• Net income rose\n{BODY}"}) == {}


@pytest.mark.parametrize(
    "company", ["NETFLIX, INC.", "Apple Inc.", "Koninklijke Philips N.V.", "Tesco PLC.", "TÜRK TELEKOMÜNİKASYON A.Ş."]
)
def test_a_company_name_ending_in_an_abbreviation_opens_the_heading_rather_than_ending_it(company: str) -> None:
    page = f"{company}\nConsolidated Statements of Cash Flows\n(in thousands)\n{BODY}"
    assert page_headings({1: page}) == {1: f"{company} Consolidated Statements of Cash Flows (in thousands)"}


@pytest.mark.parametrize(
    "sentence",
    [
        "Revenue grew in every region.",
        "with the SEC.",  # a paragraph's tail: a capitalised last word is no company's legal form
        "See e.g.",
        "Das ist ein Haus.",  # German capitalises every noun
        "THE COMMITTEE MET ON TUESDAY.",  # typed minutes, read by OCR
        "회사는 올해 매출이 증가했습니다.",  # Korean ends its sentences with a full stop, and has no capitals
    ],
)
def test_a_short_sentence_is_body_text_not_a_heading(sentence: str) -> None:
    assert page_headings({1: f"{sentence}\n{BODY}"}) == {}


@pytest.mark.parametrize("label", ["2.1.", "Item 8.", "§ 12", "IV."])
def test_a_numbered_heading_s_label_on_its_own_line_opens_the_heading(label: str) -> None:
    assert page_headings({1: f"{label}\nRevenue Recognition\n{BODY}"}) == {1: f"{label} Revenue Recognition"}


def test_a_few_table_rows_on_a_page_of_two_columns_do_not_make_its_body_a_heading() -> None:
    column = "\n".join(["Deep learning models have become the dominant"] * 7)  # 46 characters a line
    rows = "\n".join(f"Model {n} | accuracy: 0.9{n} | size: {n}M" for n in range(3))
    assert page_headings({1: f"{column}\n{rows}"}) == {}


def test_a_statement_laid_out_as_table_rows_keeps_its_title() -> None:
    # Rows as pdf_tables writes them, between short labels: neither sets the width of the page's text.
    rows = "\n".join(
        f"Product line {n} | 2016: {n},502 | 2015: 75,956" + ("\nOperating expenses:" if n % 4 == 3 else "")
        for n in range(12)
    )
    page = f"ITEM 8. FINANCIAL STATEMENTS AND SUPPLEMENTARY DATA\nINCOME STATEMENTS\n{rows}"
    assert page_headings({52: page}) == {52: "ITEM 8. FINANCIAL STATEMENTS AND SUPPLEMENTARY DATA INCOME STATEMENTS"}


def test_a_line_ending_in_a_colon_is_the_heading_s_last() -> None:
    page = f"Consolidated Balance Sheets\nAssets:\nCurrent assets\n{BODY}"
    assert page_headings({1: page}) == {1: "Consolidated Balance Sheets Assets:"}

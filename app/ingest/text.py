"""Plain text in any common encoding, and HTML reduced to its visible text."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llama_index.core import Document

from app.errors import UnreadableFileError
from app.ingest.parsed import ParsedFile, ReadOptions

if TYPE_CHECKING:
    from bs4 import Tag

# Byte-order marks, longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Characters no text file means: C0/C1 controls other than line and tab breaks, and U+FFFD (what an
# invalid byte sequence decodes to). A few in a text file are damage we drop; many mean a binary file.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_DETECTOR_SAMPLE_BYTES = 64 * 1024
# Measured with benchmarks/text_or_binary.py: 2,595 text files (sources, docs, and 12 languages in
# UTF-8/16/32 with and without BOM) have none, 129 binaries (executables, libraries, bytecode,
# images, archives) at least 7.8%. A file is binary above 2% (and more than 2 such characters,
# so that one stray NUL does not condemn a short note).
BINARY_SHARE = 0.02
_BINARY_MIN_COUNT = 2


@dataclass(frozen=True)
class DecodedText:
    text: str  # without the characters that were dropped
    encoding: str  # the Python codec name used
    dropped: int  # invalid bytes and control characters removed (UTF-16/32 code units count as one)

    def notes(self) -> list[str]:
        """For ParsedFile.notes: the dropped characters, if any, so the user knows the file was damaged."""
        if not self.dropped:
            return []
        return [f"{self.dropped} invalid {'byte' if self.dropped == 1 else 'bytes'} dropped"]


def decode_text(data: bytes, name: str) -> DecodedText:
    """`data` as text, whatever its encoding; stray NULs, controls and invalid bytes dropped and counted.

    Raises:
        UnreadableFileError: when the content is binary (more than BINARY_SHARE of it is not text
            in the encoding found).
    """
    encoding, body = _encoding_of(data)
    text = body.decode(encoding, errors="replace")
    bad = len(_NOT_TEXT.findall(text))
    if bad > max(BINARY_SHARE * len(text), _BINARY_MIN_COUNT):
        raise _binary(name)
    return DecodedText(_NOT_TEXT.sub("", text) if bad else text, encoding, bad)


def _encoding_of(data: bytes) -> tuple[str, bytes]:
    """The codec to decode `data` with and the bytes to decode (a byte-order mark removed).

    In order: a byte-order mark; UTF-8; the charset the file declares (HTML meta, XML declaration);
    BOM-less UTF-16/32 as charset_normalizer finds it; the detector's code page when it reads the
    bytes as a non-Latin script (Cyrillic, Greek, Arabic, Hebrew, Thai, CJK); else Windows-1252.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, data[len(bom) :]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        valid_utf8 = False
    else:
        if b"\x00" not in data:
            return "utf-8", data  # the common case, without asking the detector
        valid_utf8 = True
    declared = _declared_encoding(data)
    if declared is not None:
        return declared, data
    from charset_normalizer import from_bytes

    # The detector decodes all it is given with each candidate (7 s for 20 MB): a sample whose
    # length is a multiple of 4 keeps UTF-16/32 code units whole and tells the encoding as well.
    guess = from_bytes(data[:_DETECTOR_SAMPLE_BYTES]).best()
    detected = guess.encoding if guess is not None else None
    # Only the detector tells BOM-less UTF-16/32 (Chinese UTF-16 has no NUL bytes at all; Arabic
    # UTF-16 is valid UTF-8); for other text it may prefer an exotic code page over the right one.
    if detected is not None and detected.startswith(("utf_16", "utf_32")):
        return detected, data
    if valid_utf8 or _mostly_utf8(data):
        return "utf-8", data
    # Windows-1252 decodes almost any byte, so it is chosen only when the detector has no better
    # answer: for Western text it often names a sibling code page (cp1250 for French, "à" becomes
    # "ŕ"), so its answer is taken only when its text is in another script, which the Windows-1252
    # reading of Cyrillic ("Äîãîâîð"), Greek or CJK bytes never is (benchmarks/legacy_encodings.py).
    if guess is not None and _reads_as_non_latin_script(str(guess)):
        return guess.encoding, data
    # With no detector verdict either, cp1252 (undefined bytes replaced) lets the share of
    # non-text characters decide between a damaged text and a binary file.
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return detected or "cp1252", data
    return "cp1252", data


# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x"> and
# <?xml ... encoding="x"?>, looked for in the first 1,024 bytes as browsers do (WHATWG's prescan).
_DECLARED_CHARSET = re.compile(
    rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([\w.:-]+)|\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([\w.:-]+)",
    re.IGNORECASE,
)
_DECLARED_CHARSET_BYTES = 1024
# Labels browsers read as a wider code page than their name (WHATWG Encoding Standard): pages
# declared Latin-1 or ASCII are Windows-1252 in practice, GB2312 pages GBK, and so on.
_WIDER_CODEC = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
}


def _declared_encoding(data: bytes) -> str | None:
    """The codec of the charset `data` declares, when Python has it and it decodes `data` without error.

    UTF-8/16/32 declarations are not taken: text that gets here is not valid UTF-8, and a page
    declaring UTF-16 has no byte-order mark and ASCII markup, so it is not UTF-16 either.
    """
    match = _DECLARED_CHARSET.search(data[:_DECLARED_CHARSET_BYTES])
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    try:
        codec = codecs.lookup(label.replace("windows-", "cp")).name
    except LookupError:
        return None
    codec = _WIDER_CODEC.get(codec, codec)
    if codec.startswith("utf"):
        return None
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return None  # a wrong declaration (a page saved again in another code page): detect instead
    return codec


def _reads_as_non_latin_script(text: str) -> bool:
    """Whether `text` is written in a script other than Latin (Cyrillic, Greek, Hebrew, Han...).

    Letters below U+0370 are Latin ones whose names do not say so (ª, µ) or modifier letters (ˇ).
    A Western text the detector misreads (as Big5 from 40 bytes of German) has its few non-Latin
    letters inside Latin words: "Kö" + "ln" becomes "K" + one Han character + "n". So the text
    counts only when at most half of its non-Latin letters touch an ASCII letter: in XQuAD
    paragraphs cut to 20-80 characters, 1 of 1,783 Cyrillic, Greek, Thai, Arabic and Chinese
    texts had more, 16 of 17 such misread German and Spanish ones (benchmarks/legacy_encodings.py).
    """
    non_latin = touching = 0
    for index, character in enumerate(text):
        if ord(character) < 0x370 or not character.isalpha() or unicodedata.name(character, "").startswith("LATIN"):
            continue
        non_latin += 1
        neighbours = text[max(index - 1, 0) : index] + text[index + 1 : index + 2]
        touching += any(neighbour.isascii() and neighbour.isalpha() for neighbour in neighbours)
    return non_latin > 0 and touching * 2 <= non_latin


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few invalid bytes: more valid multi-byte characters than invalid bytes.

    Legacy 8-bit text almost never forms a valid UTF-8 sequence, so its valid count stays near 0.
    """
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    valid = non_ascii - invalid
    return valid > invalid


def _binary(name: str) -> UnreadableFileError:
    return UnreadableFileError(
        f"'{name}' looks like a binary file, not text.",
        "Open it in the program that made it and export it as text or a supported format "
        "(PDF, DOCX, TXT, MD, HTML, CSV), then upload that.",
    )


# Embedded data: images inlined as data URIs and long base64 runs are bytes, not text to search.
_MARKDOWN_DATA_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?data:[^)]*\)")
_HTML_DATA_IMAGE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?\s*data:[^>]*>", re.IGNORECASE)
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+(?:;[\w.+-]+=[\w.+-]+)*;base64,[A-Za-z0-9+/=]*", re.IGNORECASE)
# 200+ characters of the base64 alphabet with a digit in them, on one line or wrapped in lines of
# 60+ (MIME wraps at 76): prose, code and URLs break such runs with spaces, dots or underscores.
_BASE64_BLOB = re.compile(
    r"(?<![\w+/])(?=[A-Za-z+/]*\d)[A-Za-z0-9+/]{200,}={0,2}(?![\w+/])"
    r"|(?:^[ \t]*[A-Za-z0-9+/]{60,}={0,2}[ \t]*(?:\n|\Z)){4,}",
    re.MULTILINE,
)


@dataclass
class EmbeddedData:
    """Counts of what `without_embedded_data` took out of a text, for the ingest report."""

    images: int = 0
    blobs: int = 0

    def notes(self) -> list[str]:
        notes = []
        if self.images:
            notes.append(f"{self.images} embedded {'image' if self.images == 1 else 'images'} not indexed")
        if self.blobs:
            notes.append(f"{self.blobs} base64 {'blob' if self.blobs == 1 else 'blobs'} not indexed")
        return notes


def without_embedded_data(text: str, found: EmbeddedData) -> str:
    """`text` without data-URI images (a Markdown image keeps its alt text) and long base64 runs."""

    def image(match: re.Match[str]) -> str:
        found.images += 1
        return match.group(1) if match.re is _MARKDOWN_DATA_IMAGE else ""

    def blob(match: re.Match[str]) -> str:
        found.blobs += 1
        return ""  # a wrapped blob's match is whole lines, their line ends included

    text = _MARKDOWN_DATA_IMAGE.sub(image, text)
    text = _HTML_DATA_IMAGE.sub(image, text)
    text = _DATA_URI.sub(image, text)  # in a link, a reference definition or CSS: still embedded data
    return _BASE64_BLOB.sub(blob, text)


def read_text(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    decoded = decode_text(data, name)
    return ParsedFile(documents=[Document(text=decoded.text, metadata={})], notes=decoded.notes())


# Headings become markers in the text stream, so no text outside block elements is lost; the
# marker is a record separator, a control character decode_text drops from the file's own text.
_HEADING = "\x1e"
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = (
    "p", "div", "li", "tr", "td", "th", "br", "pre", "blockquote", "section", "article", "header", "footer",
    "dt", "dd", "figcaption", "caption", "nav", "aside", "main", "ul", "ol", "table", "form",
)  # fmt: skip
# Elements whose content is never visible text.
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "head")


def number_ordered_lists(soup: Tag) -> None:
    """Write each item of an ordered list (<ol>) with its number, as a browser shows it: "3. Insert the battery",
    "b." or "iv." for a list of `type` a or i, and "2.1. " for the first item of a list numbered inside item 2 (a
    browser indents it instead). A step or a clause is then found and quoted by its number; the text alone loses
    it. `start`, `reversed` and an item's `value` count as in a browser; an unordered list is left as it is."""
    labels: dict[int, str] = {}  # id of a numbered <li> -> its label ("2.")
    for ordered in soup.find_all("ol"):  # outer lists first: document order
        outer = ordered.find_parent("li")
        prefix = labels.get(id(outer), "") if outer is not None else ""
        items = ordered.find_all("li", recursive=False)
        step = -1 if ordered.has_attr("reversed") else 1
        number = _integer(ordered.get("start"), len(items) if step < 0 else 1)
        kind = str(ordered.get("type") or "1")
        for item in items:
            number = _integer(item.get("value"), number)
            labels[id(item)] = f"{prefix}{_list_number(number, kind)}."
            item.insert(0, f"{labels[id(item)]} ")
            number += step


def _integer(value: object, default: int) -> int:
    try:
        return int(str(value).strip()) if value is not None else default
    except ValueError:
        return default


def _list_number(number: int, kind: str) -> str:
    """`number` as an <ol type> writes it: 1, a/A (a..z, aa..), i/I (roman); decimal where those have none (0, -1)."""
    if number > 0 and kind in ("a", "A"):
        letters = ""
        while number:
            number, digit = divmod(number - 1, 26)
            letters = chr(ord("a") + digit) + letters
        return letters if kind == "a" else letters.upper()
    if 0 < number < 4000 and kind in ("i", "I"):
        return roman_numeral(number) if kind == "i" else roman_numeral(number).upper()
    return str(number)


def roman_numeral(number: int) -> str:
    """1-3999 in lower-case roman numerals ("xiv")."""
    roman = ""
    for value, numeral in _ROMAN:
        count, number = divmod(number, value)
        roman += numeral * count
    return roman


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"),
          (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def remove_hidden_elements(soup: Tag) -> None:
    """Drop what a page hides from its readers: elements with the `hidden` attribute, or styled `display: none`
    or `visibility: hidden` inline (a style sheet's rules are not applied); but not a tab panel, nor an element
    hidden until found (`_is_hidden`)."""
    for element in soup.find_all(_is_hidden):
        element.decompose()


def _is_hidden(element: Tag) -> bool:
    # A tab panel (ARIA role="tabpanel": a documentation page's "macOS / Windows" tabs) and hidden="until-found"
    # (found by the browser's search) are content one click away, hidden the same way: they are read.
    if element.get("role") == "tabpanel" or str(element.get("hidden") or "").lower() == "until-found":
        return False
    return element.has_attr("hidden") or bool(_HIDDEN_STYLE.search(str(element.get("style") or "")))


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def read_html(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """Visible text, one section per heading (h1-h6, cited by its heading path), without scripts, styles, hidden
    elements or markup; ordered list items with their numbers.

    Text before the first heading, or a page without headings, is cited by the <title>
    (ParsedFile.title); with no title either, the chunks are cited by part number.
    """
    from bs4 import BeautifulSoup

    decoded = decode_text(data, name)
    soup = BeautifulSoup(decoded.text, "html.parser")
    title = _one_line(soup.title.get_text(" ")) if soup.title else ""
    found = EmbeddedData(images=len(soup.find_all("img", src=re.compile(r"^\s*data:", re.IGNORECASE))))
    for element in soup(_INVISIBLE):
        element.decompose()
    remove_hidden_elements(soup)
    number_ordered_lists(soup)
    # Innermost first: a nested table becomes text of its outer table's cell.
    for table in reversed(soup("table")):
        table.replace_with("\n" + "\n".join(_table_lines(table)) + "\n")
    for heading in soup(_HEADINGS):
        heading.replace_with(f"\n{_HEADING}{heading.name[1]}{_one_line(heading.get_text(' '))}\n")
    # Line breaks only between blocks: inline markup (<b>, <a>) stays inside its sentence.
    for block in soup(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    # The title is indexed with every chunk (document_label), so it is not text of its own.
    sections = [Section(path=(), lines=[])]
    for raw in without_embedded_data(soup.get_text(), found).split("\n"):
        if raw.startswith(_HEADING):
            level, heading_text = int(raw[1]), raw[2:].strip()
            sections.append(sections[-1].under(level, heading_text))
        elif line := _one_line(raw):
            sections[-1].lines.append(line)
    documents = section_documents(sections, title)
    if not documents and title:  # a page that is only its title: the title is what there is to find
        documents = [Document(text=title, metadata={"section": title})]
    return ParsedFile(documents=documents, notes=decoded.notes() + found.notes(), title=title)


def _table_lines(table: Tag) -> list[str]:
    """A table as lines: its caption, then one line per row with its cells joined by " | ".

    Under header rows (leading rows of <th> cells) each later cell but the row's first (its label) is written
    after its column's name, as spreadsheet rows are: "Revenue | 2022: 66,608 | 2021: 62,286" (`table_header`).
    A cell spanning rows or columns (rowspan, colspan) is read in each row and column it covers, as it is seen.
    """
    lines = [caption] if table.caption and (caption := _one_line(table.caption.get_text(" "))) else []
    grid = spanned_rows(table("tr"), _cell_line)
    titles, headers, taken = table_header(grid)
    lines += titles
    if header_line := " | ".join(name for name in headers if name):
        lines.append(header_line)
    for _, texts in grid[taken:]:
        if headers and len(headers) == len(texts):
            texts = named_cells(headers, texts)
        if line := " | ".join(text for text in texts if text):
            lines.append(line)
    return lines


def table_header(grid: Sequence[tuple[bool, list[str]]]) -> tuple[list[str], list[str], int]:
    """(title lines, column names, rows taken) of a table's header: its leading rows of header cells (up to three,
    and never every row; `grid` as `spanned_rows` gives it). A row of one cell across the table is a title line; the
    other rows name each column together, top to bottom: "Sales 2023" under a "Sales" spanning two years."""
    taken = 0
    while taken < min(_HEADER_ROWS, len(grid) - 1) and grid[taken][0]:
        taken += 1
    titles = [texts[0] for _, texts in grid[:taken] if len(texts) == 1 and texts[0]]
    rows = [texts for _, texts in grid[:taken] if len(texts) > 1]
    names = []
    for column in range(max(map(len, rows), default=0)):
        parts: list[str] = []
        for texts in rows:  # a name spanning two header rows is said once
            if column < len(texts) and texts[column] and (not parts or parts[-1] != texts[column]):
                parts.append(texts[column])
        names.append(" ".join(parts))
    return titles, names, taken


_HEADER_ROWS = 3


def spanned_rows(rows: Sequence[Tag], text_of: Callable[[Tag], str]) -> list[tuple[bool, list[str]]]:
    """(whether all of a row's own cells are <th>, the text (`text_of`) of the cell in every column it covers) for
    each of `rows` (<tr>), a cell that spans rows or columns repeated in each (as pandas.read_html reads them)."""
    spanning: dict[int, tuple[int, str]] = {}  # column -> (rows it still covers below, its text)
    grid: list[tuple[bool, list[str]]] = []
    # A colspan past the widest row (colspan="100" for a section row) adds columns no cell fills: read once each.
    width = max((len(row(("td", "th"), recursive=False)) for row in rows), default=0)
    for index, row in enumerate(rows):
        cells = row(("td", "th"), recursive=False)
        waiting = list(cells)
        texts: list[str] = []
        while waiting or any(column >= len(texts) for column in spanning):
            column = len(texts)
            if column in spanning:  # a cell from a row above still covers this column
                below, text = spanning.pop(column)
                if below > 1:
                    spanning[column] = (below - 1, text)
                texts.append(text)
            elif waiting:
                cell = waiting.pop(0)
                # rowspan="0": to the end of the table.
                text, rows_down = text_of(cell), _span(cell, "rowspan", len(rows) - index, zero_means_all=True)
                for _ in range(min(_span(cell, "colspan", _MAX_COLSPAN), max(width - len(texts), 1))):
                    if rows_down > 1:
                        spanning[len(texts)] = (rows_down - 1, text)
                    texts.append(text)
            else:
                texts.append("")  # no cell here, and one from above covers a column further right
        if len(cells) == 1 and len(set(texts)) == 1:
            texts = texts[:1]  # one cell across the whole row (a section's name): read once
        grid.append((bool(cells) and all(cell.name == "th" for cell in cells), texts))
    return grid


def _cell_line(cell: Tag) -> str:
    return _one_line(cell.get_text(" "))


def _span(cell: Tag, attribute: str, limit: int, *, zero_means_all: bool = False) -> int:
    """A cell's rowspan or colspan: 1 when absent or not a number, at most `limit`; `limit` for 0 if
    `zero_means_all`."""
    try:
        span = int(str(cell.get(attribute) or 1).strip())
    except ValueError:
        return 1
    return limit if span == 0 and zero_means_all else min(max(span, 1), limit)


_MAX_COLSPAN = 1000  # as HTML caps it


def named_cells(headers: Sequence[str], cells: Sequence[str]) -> list[str]:
    """A table row's cells with each but the first (the row's label) written after its column's header, as
    spreadsheet rows are: ["Revenue", "2022: 66,608", "2021: 62,286"]. A row is then found, and read, without its
    table's first line. `headers` and `cells` are of one length."""
    return [cells[0], *(f"{h}: {c}" if h and c else c for h, c in zip(headers[1:], cells[1:], strict=True))]


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Section:
    """The lines under one heading, the heading's own first.

    `path` holds (level, text) of the heading and of those enclosing it, outermost first.
    """

    path: tuple[tuple[int, str], ...]
    lines: list[str]

    def under(self, level: int, heading: str) -> Section:
        """The section a heading of `level` (1 for h1) starts after this one; its text begins with the heading."""
        enclosing = tuple(entry for entry in self.path if entry[0] < level)
        return Section(
            path=(*enclosing, (level, heading)) if heading else enclosing, lines=[heading] if heading else []
        )


def section_documents(sections: list[Section], title: str) -> list[Document]:
    """One Document per section with text, cited as 'A > B > C' (its heading path), else by `title`.

    A section with neither gets no location: split_into_chunks numbers its chunks ('part 2').
    """
    documents = []
    for section in sections:
        text = "\n".join(section.lines)
        if not text.strip() or (section.path and not "".join(section.lines[1:]).strip()):
            continue  # a heading with nothing under it: the citations of its subsections name it
        where = " > ".join(heading for _, heading in section.path) or title
        documents.append(Document(text=text, metadata={"section": where} if where else {}))
    return documents

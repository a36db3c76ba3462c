"""The numbers Word shows before the items of its numbered lists ("3.", "2.1.", "b)", "(iv)"), written into the text.

mammoth turns a numbered paragraph into an <ol> item and Word's numbering into nothing: counted again per <ol>, a
list interrupted by a note restarted at 1, a list starting at 4 read 1., and "a)" read "1.". Here every numbered
paragraph gets the label Word computes from the document's numbering definitions (ECMA-376 part 1, 17.9): one
count per list definition (w:abstractNum, shared by the list instances that use it, each level restarted by the
levels above it or as w:lvlRestart says, a w:startOverride restarting it where its instance first appears), each
level's start, format and text ("%1.%2."), definitions reached through a list style (w:numStyleLink), numbering
from a paragraph style and the styles it is based on. Paragraphs that tracked changes delete are not counted. The
paragraph then reads "3. Remove the filter" and is no list item for mammoth. Bullets stay list items.

Not rendered: formats other than decimal, letters and roman numerals (read as decimal); lists in footnotes and
page headers (mammoth and the header reader count those as before).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from app.ingest.text import roman_numeral

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.oxml.xmlchemy import BaseOxmlElement

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MARKUP_COMPATIBILITY = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_MAX_START = 32767  # the largest start Word's own dialog takes; a file may say 10**9 (288 million letters)
_MAX_LETTERS = 26 * 10  # past "zzzzzzzzzz" a lettered number is written in digits


def _tag(name: str) -> str:
    return f"{{{_W}}}{name}"


@dataclass(frozen=True)
class _Level:
    start: int
    number_format: str  # decimal, lowerLetter, upperRoman, bullet, none, ...
    text: str  # "%1.%2."
    legal: bool  # w:isLgl: every level's number written in decimal
    restart: int | None  # w:lvlRestart: restarted by an item of a level above this (1-based) one; 0: never


@dataclass(frozen=True)
class _List:
    """A list instance (w:num): the definition whose count it shares, and its levels with its overrides."""

    counted_as: str  # the w:abstractNum it counts with
    levels: dict[int, _Level]
    restarts: frozenset[int]  # levels whose w:startOverride restarts the count where this instance first appears


def with_list_numbers(document: DocxDocument) -> bytes | None:
    """The package of `document` with each numbered (not bulleted) paragraph's label written before its text and
    its numbering turned off; None when it has no such paragraph. `document` is changed in place."""
    lists = _lists(document)
    if not lists:
        return None
    styles = _paragraph_styles(document)
    counters: dict[str, dict[int, int]] = {}  # list definition -> level -> current number
    first_seen: set[str] = set()  # list instances met so far (a start override applies at the first)
    numbered = merged = False
    choice = f"{{{_MARKUP_COMPATIBILITY}}}Choice"
    for paragraph in document.element.body.iter(_tag("p")):
        if any(ancestor.tag == choice for ancestor in paragraph.iterancestors()):
            continue  # a text box's first rendering (mc:Choice): mammoth reads the mc:Fallback copy
        if merged:  # the paragraph before this one lost its mark to a tracked change: they are one paragraph
            merged = False
            _turn_numbering_off(paragraph)
            continue
        if _deleted(paragraph) or _mark_changed(paragraph, "moveFrom"):
            continue  # deleted, or moved away (its text reads where it moved to)
        found = _numbering_of(paragraph, styles)
        if found is None or found[0] not in lists or found[1] not in lists[found[0]].levels:
            continue
        instance, depth = found
        listed = lists[instance]
        numbers = counters.setdefault(listed.counted_as, {})
        if instance not in first_seen:
            first_seen.add(instance)
            for level in listed.restarts:
                numbers.pop(level, None)
        for deeper in [level for level in numbers if level > depth]:
            restart = listed.levels[deeper].restart if deeper in listed.levels else None
            if restart is None or (restart > 0 and depth < restart):
                del numbers[deeper]  # an item of a level above restarts it (unless its w:lvlRestart says not)
        for outer in range(depth):
            numbers.setdefault(outer, listed.levels[outer].start if outer in listed.levels else 1)
        numbers[depth] = numbers.get(depth, listed.levels[depth].start - 1) + 1
        if listed.levels[depth].number_format == "bullet":
            continue
        _write_label(paragraph, _label(listed.levels, depth, numbers))
        numbered = True
        merged = _mark_changed(paragraph, "del")
    if not numbered:
        return None
    saved = io.BytesIO()
    document.save(saved)
    return saved.getvalue()


def _lists(document: DocxDocument) -> dict[str, _List]:
    """{list instance (w:num's id): its list}, definitions reached through list styles resolved."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):  # no numbering part: no numbered paragraph either
        return {}
    definitions: dict[str, dict[int, _Level]] = {}
    style_links: dict[str, str] = {}  # list style name -> the definition that defines it (w:styleLink)
    linked_to: dict[str, str] = {}  # definition -> the list style it takes its levels from (w:numStyleLink)
    for definition in numbering.iterchildren(_tag("abstractNum")):
        key = definition.get(_tag("abstractNumId"))
        levels = definition.iterchildren(_tag("lvl"))
        definitions[key] = {int(level.get(_tag("ilvl"), "0")): _level(level) for level in levels}
        if (name := _value(definition, "styleLink")) is not None:
            style_links[name] = key
        if (name := _value(definition, "numStyleLink")) is not None:
            linked_to[key] = name
    lists: dict[str, _List] = {}
    for instance in numbering.iterchildren(_tag("num")):
        key = _value(instance, "abstractNumId")
        if key is None:
            continue
        key = style_links.get(linked_to.get(key, ""), key)  # a list style's lists count as one
        levels = dict(definitions.get(key, {}))
        restarts: set[int] = set()
        for override in instance.iterchildren(_tag("lvlOverride")):
            depth = int(override.get(_tag("ilvl"), "0"))
            if (replaced := override.find(_tag("lvl"))) is not None:
                levels[depth] = _level(replaced)
            start = _value(override, "startOverride")
            if start is not None and depth in levels:
                levels[depth] = replace(levels[depth], start=_start(start))
                restarts.add(depth)
        if levels:
            lists[instance.get(_tag("numId"))] = _List(key, levels, frozenset(restarts))
    return lists


def _level(element: BaseOxmlElement) -> _Level:
    restart = _value(element, "lvlRestart")
    return _Level(
        start=_start(_value(element, "start")),
        number_format=_value(element, "numFmt") or "decimal",
        text=_value(element, "lvlText") or "",
        legal=element.find(_tag("isLgl")) is not None,
        restart=int(restart) if restart is not None else None,
    )


def _start(value: str | None) -> int:
    return max(-_MAX_START, min(int(value), _MAX_START)) if value is not None else 1


def _value(element: BaseOxmlElement, child: str) -> str | None:
    found = element.find(_tag(child))
    return found.get(_tag("val")) if found is not None else None


def _paragraph_styles(document: DocxDocument) -> dict[str, BaseOxmlElement]:
    """{style id: its w:style element}, read once (python-docx's own look-up builds an XPath of the id)."""
    return {style.get(_tag("styleId")): style for style in document.styles.element.iterchildren(_tag("style"))}


def _numbering_of(paragraph: BaseOxmlElement, styles: dict[str, BaseOxmlElement]) -> tuple[str, int] | None:
    """(list instance, level) of a paragraph: its own w:numPr, else its paragraph style's or the nearest style it
    is based on that has one. None for no numbering, or numbering turned off (numId 0)."""
    properties = paragraph.find(_tag("pPr"))
    numbering = properties.find(_tag("numPr")) if properties is not None else None
    instance = _value(numbering, "numId") if numbering is not None else None
    level = _value(numbering, "ilvl") if numbering is not None else None
    style_id = _value(properties, "pStyle") if properties is not None else None
    seen: set[str] = set()
    while instance is None and style_id and style_id in styles and style_id not in seen:
        seen.add(style_id)
        style = styles[style_id]
        style_properties = style.find(_tag("pPr"))
        inherited = style_properties.find(_tag("numPr")) if style_properties is not None else None
        if inherited is not None:
            instance = _value(inherited, "numId")
            level = level or _value(inherited, "ilvl")
        style_id = _value(style, "basedOn")
    if not instance or instance == "0":
        return None
    return instance, int(level) if level and level.isdigit() else 0


def _deleted(paragraph: BaseOxmlElement) -> bool:
    """Whether a tracked change deletes or moves away the whole paragraph (it is in w:del or w:moveFrom)."""
    gone = (_tag("del"), _tag("moveFrom"))
    return any(ancestor.tag in gone for ancestor in paragraph.iterancestors())


def _mark_changed(paragraph: BaseOxmlElement, change: str) -> bool:
    """Whether a tracked change of kind `change` holds the paragraph's mark (w:pPr/w:rPr/w:del: accepted, the
    paragraph and the next are one, which mammoth reads as one; w:moveFrom: the paragraph moved away)."""
    properties = paragraph.find(_tag("pPr"))
    mark = properties.find(_tag("rPr")) if properties is not None else None
    return mark is not None and mark.find(_tag(change)) is not None


def _label(levels: dict[int, _Level], depth: int, numbers: dict[int, int]) -> str:
    """The level's text with each %n replaced by level n-1's number in its format ("%1.%2." -> "2.1.")."""
    level = levels[depth]
    text = level.text
    for outer in range(depth, -1, -1):
        number_format = "decimal" if level.legal else levels.get(outer, level).number_format
        text = text.replace(f"%{outer + 1}", _formatted(numbers.get(outer, 1), number_format))
    return text.strip()


def _formatted(number: int, number_format: str) -> str:
    if number_format == "none":
        return ""
    if 0 < number <= _MAX_LETTERS and number_format in ("lowerLetter", "upperLetter"):
        # Word repeats the letter past z: 27 is "aa", 28 "bb".
        letter = chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter if number_format == "lowerLetter" else letter.upper()
    if 0 < number < 4000 and number_format in ("lowerRoman", "upperRoman"):
        return roman_numeral(number) if number_format == "lowerRoman" else roman_numeral(number).upper()
    if number_format == "decimalZero" and 0 <= number < 10:
        return f"0{number}"
    return str(number)


def _write_label(paragraph: BaseOxmlElement, label: str) -> None:
    """Put `label` before the paragraph's text and turn its numbering off, so mammoth reads a paragraph."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    properties = _turn_numbering_off(paragraph)
    if label:
        escaped = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        properties.addnext(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve">{escaped} </w:t></w:r>'))


def _turn_numbering_off(paragraph: BaseOxmlElement) -> BaseOxmlElement:
    """Give the paragraph numId 0 (no numbering, whatever its style says); its w:pPr is returned."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    properties: BaseOxmlElement = paragraph.get_or_add_pPr()
    for old in properties.findall(_tag("numPr")):
        properties.remove(old)
    # numPr follows pStyle (and a few others) in the schema; mammoth does not check the order.
    at = 1 if properties.find(_tag("pStyle")) is not None else 0
    properties.insert(at, parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>'))
    return properties

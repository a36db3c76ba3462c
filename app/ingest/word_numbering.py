"""The numbers Word shows before the items of its numbered lists ("3.", "2.1.", "b)", "(iv)"), written into the text.

mammoth turns a numbered paragraph into an <ol> item and Word's numbering into nothing: counted again per <ol>, a
list interrupted by a note restarted at 1, a list starting at 4 read 1., and "a)" read "1.". Here every numbered
paragraph gets the label Word computes from the document's numbering definitions (ECMA-376 part 1, 17.9): a
counter per list and level, each level's start, format and text ("%1.%2."), restarts where a list instance says
so. The paragraph then reads "3. Remove the filter" and is no list item for mammoth. Bullets stay list items.

Not rendered: numbering linked through a numbering style (w:numStyleLink), and formats other than decimal,
letters and roman numerals (read as decimal).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.ingest.text import roman_numeral

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.oxml.xmlchemy import BaseOxmlElement


_MARKUP_COMPATIBILITY = "http://schemas.openxmlformats.org/markup-compatibility/2006"


@dataclass(frozen=True)
class _Level:
    start: int
    number_format: str  # decimal, lowerLetter, upperRoman, bullet, none, ...
    text: str  # "%1.%2."
    legal: bool  # w:isLgl: every level's number written in decimal


def with_list_numbers(document: DocxDocument) -> bytes | None:
    """The package of `document` with each numbered (not bulleted) paragraph's label written before its text and
    its numbering turned off; None when it has no such paragraph. `document` is changed in place."""
    from docx.oxml.ns import qn

    levels = _numbering_levels(document)
    if not levels:
        return None
    counters: dict[str, dict[int, int]] = {}  # list instance -> level -> current number
    numbered = False
    fallback = f"{{{_MARKUP_COMPATIBILITY}}}Fallback"
    for paragraph in document.element.body.iter(qn("w:p")):
        if any(ancestor.tag == fallback for ancestor in paragraph.iterancestors()):
            continue  # a text box's second rendering (mc:Fallback), which mammoth skips: counted once
        found = _numbering_of(paragraph, document)
        if found is None or found[0] not in levels or found[1] not in levels[found[0]]:
            continue
        instance, depth = found
        definition = levels[instance]
        if definition[depth].number_format == "bullet":
            continue
        numbers = counters.setdefault(instance, {})
        for deeper in [level for level in numbers if level > depth]:
            del numbers[deeper]  # a new item of a level restarts the levels under it
        for outer in range(depth):
            numbers.setdefault(outer, definition[outer].start if outer in definition else 1)
        numbers[depth] = numbers.get(depth, definition[depth].start - 1) + 1
        label = _label(definition, depth, numbers)
        _write_label(paragraph, label)
        numbered = True
    if not numbered:
        return None
    saved = io.BytesIO()
    document.save(saved)
    return saved.getvalue()


def _numbering_levels(document: DocxDocument) -> dict[str, dict[int, _Level]]:
    """{list instance (w:num's id): {level: its definition, with the instance's start overrides}}."""
    from docx.oxml.ns import qn

    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):  # no numbering part: no numbered paragraph either
        return {}
    abstract: dict[str, dict[int, _Level]] = {}
    for definition in numbering.iterchildren(qn("w:abstractNum")):
        abstract[definition.get(qn("w:abstractNumId"))] = {
            int(level.get(qn("w:ilvl"), "0")): _level(level) for level in definition.iterchildren(qn("w:lvl"))
        }
    instances: dict[str, dict[int, _Level]] = {}
    for instance in numbering.iterchildren(qn("w:num")):
        reference = instance.find(qn("w:abstractNumId"))
        levels = dict(abstract.get(reference.get(qn("w:val")), {})) if reference is not None else {}
        for override in instance.iterchildren(qn("w:lvlOverride")):
            depth = int(override.get(qn("w:ilvl"), "0"))
            start = _value(override, "w:startOverride")
            replaced = override.find(qn("w:lvl"))
            if replaced is not None:
                levels[depth] = _level(replaced)
            if start is not None and depth in levels:
                levels[depth] = _Level(int(start), levels[depth].number_format, levels[depth].text, levels[depth].legal)
        if levels:
            instances[instance.get(qn("w:numId"))] = levels
    return instances


def _level(element: BaseOxmlElement) -> _Level:
    from docx.oxml.ns import qn

    start = _value(element, "w:start")
    return _Level(
        start=int(start) if start is not None and start.lstrip("-").isdigit() else 1,
        number_format=_value(element, "w:numFmt") or "decimal",
        text=_value(element, "w:lvlText") or "",
        legal=element.find(qn("w:isLgl")) is not None,
    )


def _value(element: BaseOxmlElement, child: str) -> str | None:
    from docx.oxml.ns import qn

    found = element.find(qn(child))
    return found.get(qn("w:val")) if found is not None else None


def _numbering_of(paragraph: BaseOxmlElement, document: DocxDocument) -> tuple[str, int] | None:
    """(list instance, level) of a paragraph, from its own properties or else its paragraph style's."""
    from docx.oxml.ns import qn

    properties = paragraph.find(qn("w:pPr"))
    own = properties.find(qn("w:numPr")) if properties is not None else None
    style_id = _value(properties, "w:pStyle") if properties is not None else None
    style = document.styles.element.get_by_id(style_id) if style_id else None
    style_properties = style.find(qn("w:pPr")) if style is not None else None
    inherited = style_properties.find(qn("w:numPr")) if style_properties is not None else None
    instance = (own is not None and _value(own, "w:numId")) or (inherited is not None and _value(inherited, "w:numId"))
    if not instance or instance == "0":  # numId 0: numbering turned off
        return None
    level = (own is not None and _value(own, "w:ilvl")) or (inherited is not None and _value(inherited, "w:ilvl"))
    return instance, int(level) if level and level.isdigit() else 0


def _label(definition: dict[int, _Level], depth: int, numbers: dict[int, int]) -> str:
    """The level's text with each %n replaced by level n-1's number in its format ("%1.%2." -> "2.1.")."""
    level = definition[depth]
    text = level.text
    for outer in range(depth, -1, -1):  # %10 cannot occur: nine levels
        number_format = "decimal" if level.legal else definition.get(outer, level).number_format
        text = text.replace(f"%{outer + 1}", _formatted(numbers.get(outer, 1), number_format))
    return text.strip()


def _formatted(number: int, number_format: str) -> str:
    if number_format == "none":
        return ""
    if number > 0 and number_format in ("lowerLetter", "upperLetter"):
        # Word repeats the letter past z: 27 is "aa", 28 "bb".
        letter = chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter if number_format == "lowerLetter" else letter.upper()
    if 0 < number < 4000 and number_format in ("lowerRoman", "upperRoman"):
        return roman_numeral(number) if number_format == "lowerRoman" else roman_numeral(number).upper()
    if number_format == "decimalZero" and 0 <= number < 10:
        return f"0{number}"
    return str(number)


def _write_label(paragraph: BaseOxmlElement, label: str) -> None:
    """Put `label` before the paragraph's text and turn its numbering off (numId 0), so mammoth reads a paragraph."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    properties = paragraph.get_or_add_pPr()
    for old in properties.findall(qn("w:numPr")):
        properties.remove(old)
    # Before w:pStyle's siblings that must follow it; numPr comes right after pStyle and keepNext... in the schema,
    # and mammoth does not check the order.
    properties.insert(
        1 if properties.find(qn("w:pStyle")) is not None else 0,
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>'),
    )
    if label:
        escaped = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        properties.addnext(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve">{escaped} </w:t></w:r>'))

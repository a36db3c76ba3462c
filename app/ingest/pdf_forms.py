"""What is written on a PDF page outside its text layer: the values typed into a form's fields, as "Label: value"
lines, and the comments added to the page (annotations).

A filled AcroForm keeps its answers in the fields (the /V of the field behind each /Widget annotation of a
page), not in the page's text layer, which holds only the labels printed on the form ("Name:"). XFA forms
(an XML form in the document catalog, drawn by some viewers instead of the pages) are not read. A comment
keeps its text in its annotation's /Contents: a typewriter text box (/FreeText) is drawn on the page, a sticky
note or a highlight's comment opens in a pop-up.
"""

from __future__ import annotations

import re

from pypdf import PageObject
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, PdfObject, TextStringObject

# A field inherits /FT and /V from its ancestors (PDF 32000-1:2008, 12.7.3.1); /T and /TU belong to the field
# itself, whose widget may be a kid without a /T. Deeper than this is a loop in a damaged file.
_MAX_DEPTH = 32
# /Ff bit 17 (1-based): a push button, which has no value (PDF 32000-1:2008, table 226).
_PUSH_BUTTON = 1 << 16
# A value shorter than this is added even if it is on the page already: "3" or "No" in the text layer is more
# likely another word than the field's printed appearance.
_SHORTEST_DEDUPLICATED = 4


def form_field_lines(page: PageObject, page_text: str) -> list[str]:
    """One "Label: value" line per filled field on `page`, in annotation order, none repeated.

    The label is the field's tooltip name (/TU) if it has one, else its name (/T). A check box or radio
    button says "checked" / "unchecked" for the states "Yes"/"On" and "Off", and its export value otherwise
    ("Status: Married"), or the option its position names; a list's chosen values are joined by ", ", each as
    the text the form shows for it ("Berlin office", not its export code "BER"). Empty values, push buttons and
    signatures are left out, and so is a typed value that `page_text` (the page's text, however read)
    already holds as words: a form flattened into its page shows its values in the text layer. A button's
    state is never there as a word (its appearance is a tick), so it is always added.
    """
    seen_text = _words(page_text)
    lines: list[str] = []
    for annotation in _widgets(page):
        field = _field_of(annotation)
        if field is None:
            continue
        label, value, typed = field
        line = f"{label}: {value}"
        if line in lines or (typed and _already_shown(value, seen_text)):
            continue
        lines.append(line)
    return lines


def comment_lines(page: PageObject, page_text: str) -> list[str]:
    """The text of the comments on `page`, in annotation order, none repeated: a text box typed onto the page
    (/FreeText) as it reads, any other annotation's comment (a sticky note, a highlight's or a shape's) as
    "Comment: text". A text box that `page_text` already holds (a flattened page) is left out, and so are
    links, form widgets and pop-up windows, which hold no comment of their own."""
    seen_text = _words(page_text)
    lines: list[str] = []
    for annotation in _annotations(page):
        kind = annotation.get("/Subtype")
        text = _text(_entry(annotation, "/Contents"))
        if not text or kind in _NOT_COMMENTS:
            continue
        line = text if kind == "/FreeText" else f"Comment: {text}"
        if line in lines or (kind == "/FreeText" and _already_shown(text, seen_text)):
            continue
        lines.append(line)
    return lines


# Annotations whose /Contents is no comment a person wrote: a link's or a widget's alternate description, a
# pop-up's copy of its parent's text, a file attachment's or a sound's description.
_NOT_COMMENTS = {"/Link", "/Widget", "/Popup", "/FileAttachment", "/Sound", "/Movie", "/Screen", "/PrinterMark"}


def _widgets(page: PageObject) -> list[DictionaryObject]:
    return [annotation for annotation in _annotations(page) if annotation.get("/Subtype") == "/Widget"]


def _annotations(page: PageObject) -> list[DictionaryObject]:
    annotations = page.get("/Annots")
    annotations = annotations.get_object() if annotations is not None else None
    if not isinstance(annotations, ArrayObject):
        return []
    found = []
    for reference in annotations:
        annotation = reference.get_object()
        if isinstance(annotation, DictionaryObject):
            found.append(annotation)
    return found


def _field_of(widget: DictionaryObject) -> tuple[str, str, bool] | None:
    """(label, value as a user reads it, whether it was typed rather than ticked) of the field `widget` shows.

    None when the field has no label or no value to index.
    """
    label, kind = "", ""
    value: PdfObject | None = None
    flags: PdfObject | None = None
    options: PdfObject | None = None
    node: DictionaryObject | None = widget
    for _ in range(_MAX_DEPTH):
        if node is None:
            break
        label = label or _text(_entry(node, "/TU")) or _text(_entry(node, "/T"))
        kind = kind or str(_entry(node, "/FT") or "")
        value = value if value is not None else _entry(node, "/V")
        flags = flags if flags is not None else _entry(node, "/Ff")
        options = options if options is not None else _entry(node, "/Opt")
        parent = _entry(node, "/Parent")
        node = parent if isinstance(parent, DictionaryObject) else None
    # A label printed with its colon as the tooltip ("Name:") would otherwise read "Name:: ...".
    label = label.rstrip(": \n")
    if not label or value is None:
        return None
    shown = _option_texts(options)
    if kind == "/Btn" or isinstance(value, NameObject):
        state = _button_state(value, flags)
        # A button field with /Opt names its states by position ("/1": the second option; 12.7.4.2.4).
        if state.isdigit() and int(state) < len(shown):
            state = shown[int(state)][1]
        return (label, state, False) if state else None
    if kind == "/Sig":
        return None
    names = dict(shown)  # a choice field's export values and the texts it shows for them
    chosen = value if isinstance(value, ArrayObject) else [value]  # a list box may have several values chosen
    texts = [text for text in (_text(item) for item in chosen) if text]
    typed = ", ".join(names.get(text) or text for text in texts)
    return (label, typed, True) if typed else None


def _option_texts(options: PdfObject | None) -> list[tuple[str, str]]:
    """(export value, text shown) of each item of a field's /Opt: a text, or a pair of them (12.7.4.4)."""
    if not isinstance(options, ArrayObject):
        return []
    pairs = []
    for item in options:
        item = item.get_object()
        if isinstance(item, ArrayObject) and len(item) == 2:
            pairs.append((_text(item[0]), _text(item[1])))
        else:
            pairs.append((_text(item), _text(item)))
    return pairs


def _entry(dictionary: DictionaryObject, key: str) -> PdfObject | None:
    """`dictionary[key]` with an indirect reference resolved; None when absent (dict.get would not resolve)."""
    entry = dictionary.get(key)
    return entry.get_object() if entry is not None else None


def _button_state(value: PdfObject, flags: PdfObject | None) -> str:
    """What a check box or radio button in state `value` says; "" for a push button or no state."""
    if (isinstance(flags, int) and flags & _PUSH_BUTTON) or not isinstance(value, NameObject):
        return ""
    state = str(value)[1:]
    if state in ("Yes", "On"):
        return "checked"
    return "unchecked" if state == "Off" else state


def _text(value: PdfObject | None) -> str:
    """A text string's characters with its line ends as "\\n" and outer spaces cut; "" for anything else."""
    value = value.get_object() if value is not None else None  # the items of an array are not resolved
    if not isinstance(value, TextStringObject):
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _words(text: str) -> str:
    """`text`'s words, case-folded, each between single spaces: " maria gonzalez "."""
    return " " + " ".join(re.findall(r"\w+", text.casefold())) + " "


def _already_shown(value: str, seen_text: str) -> bool:
    words = _words(value)
    return len(value) >= _SHORTEST_DEDUPLICATED and words.strip() != "" and words in seen_text

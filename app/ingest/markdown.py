"""Markdown read by a real parser (markdown-it-py, CommonMark): text grouped and cited by heading path.

ATX (`## Title`) and setext (`Title` over `-----`) headings start sections; a `#` line inside a
fenced code block is code, not a heading. YAML front matter is kept as text and its `title:`
becomes the file's title. Images inlined as data URIs, long base64 runs and HTML comments are left out; a pipe
table's rows name their columns.
"""

from __future__ import annotations

import re
from typing import Any

from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.text import (
    EmbeddedData,
    Section,
    decode_text,
    named_cells,
    section_documents,
    without_embedded_data,
)


def read_markdown(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """One Document per heading, cited as 'Install > From source'; see section_documents for the rest.

    The title (ParsedFile.title) is the front matter's `title:`, else the first heading when it is a
    level-1 heading that opens the document (the usual `# Project name` of a README).
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    decoded = decode_text(data, name)
    # Lines as markdown-it numbers them: it ends lines at \n, \r\n and \r only (str.splitlines also
    # ends them at form feeds and U+2028, which would shift every section after one).
    text = re.sub(r"\r\n?", "\n", decoded.text)
    lines = text.split("\n")
    # Block structure only: inline parsing of the whole file took 80% of the time (9 of 11 s on a
    # 700 KB changelog); only headings' inline markup is parsed, below.
    tokens = MarkdownIt("commonmark").enable("table").use(front_matter_plugin).disable("inline").parse(text)
    inline = MarkdownIt("commonmark")
    title = ""
    # (first line, line after it, level, text) of each heading, in order; only block tokens carry line maps.
    headings: list[tuple[int, int, int, str]] = []
    for number, token in enumerate(tokens):
        if token.type == "front_matter":
            title = _front_matter_title(token.content)
        elif token.type == "heading_open" and token.map is not None:
            start, body = token.map
            [parsed] = inline.parseInline(tokens[number + 1].content)
            headings.append((start, body, int(token.tag[1]), _plain_text(parsed)))
    lines = _with_named_table_rows(_without_comments(lines, tokens, inline), tokens, inline)
    if not title and headings and headings[0][2] == 1 and not "".join(lines[: headings[0][0]]).strip():
        title = headings[0][3]

    found = EmbeddedData()
    sections = [Section(path=(), lines=[])]
    starts = [start for start, *_ in headings] + [len(lines)]
    preamble = "\n".join(lines[: starts[0]])
    sections[0].lines.append(without_embedded_data(preamble, found))
    for (start, body, level, heading), end in zip(headings, starts[1:], strict=True):
        section = sections[-1].under(level, heading)
        # The heading's own source line(s) come first: `## Title` stays searchable as written.
        section.lines = [without_embedded_data("\n".join(part), found) for part in (lines[start:body], lines[body:end])]
        sections.append(section)
    return ParsedFile(documents=section_documents(sections, title), notes=decoded.notes() + found.notes(), title=title)


def _with_named_table_rows(lines: list[str], tokens: list[Any], inline: Any) -> list[str]:
    """`lines` with each pipe table's body rows written as an HTML table's are ("Pro | Seats: 25 | Price: $199",
    `named_cells`): a chunk cut from a long table still says what its values are. The header row stays as written
    and its delimiter row (`|---|---:|`) becomes blank, so every line keeps its number."""
    lines = list(lines)
    headers: list[str] = []
    cells: list[str] = []
    row_line: int | None = None
    in_head = in_cell = False
    for token in tokens:
        if token.type == "thead_open":
            in_head = True
            if token.map:
                lines[token.map[1]] = ""  # the delimiter row, right after the header's one line
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            cells, row_line = [], token.map[0] if token.map else None
        elif token.type in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = token.type.endswith("_open")
        elif token.type == "inline" and in_cell:
            cells.append(" ".join(_without_inline_comments(token.content, inline).split()))
        elif token.type == "tr_close":
            if in_head:
                headers = cells
            elif row_line is not None and len(cells) == len(headers):
                lines[row_line] = " | ".join(cell for cell in named_cells(headers, cells) if cell)
    return lines


def _without_comments(lines: list[str], tokens: list[Any], inline: Any) -> list[str]:
    """`lines` without the HTML comments markdown-it finds (`<!-- internal note -->`: nothing a reader of the
    rendered page sees), a comment block or one inside a paragraph, each replaced by the line ends it spans so every
    line keeps its number. `<!--` in code (a code span, a code block) is code, and an unclosed one is text."""
    lines = list(lines)
    for token in tokens:
        if token.map is None or "<!--" not in token.content:
            continue
        if token.type == "html_block":
            comments = _COMMENT.findall(token.content)
        elif token.type == "inline":
            comments = _inline_comments(token.content, inline)
        else:
            continue
        start, end = token.map
        source = "\n".join(lines[start:end])
        for comment in comments:  # not found as written (a comment across indented lines): left as it is
            source = source.replace(comment, "\n" * comment.count("\n"), 1)
        lines[start:end] = source.split("\n")
    return lines


def _inline_comments(content: str, inline: Any) -> list[str]:
    """The HTML comments of a paragraph's or table cell's text, as markdown-it's inline rules find them."""
    [parsed] = inline.parseInline(content)
    return [c.content for c in parsed.children or [] if c.type == "html_inline" and c.content.startswith("<!--")]


def _without_inline_comments(content: str, inline: Any) -> str:
    for comment in _inline_comments(content, inline) if "<!--" in content else []:
        content = content.replace(comment, "", 1)
    return content


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _plain_text(inline: Any) -> str:
    """A heading's text without its markup: `Use *the* \\`cli\\`` gives 'Use the cli'."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):  # not html_inline: a <br> is no part of a title
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)  # the alt text
    return " ".join("".join(parts).split())


def _front_matter_title(front_matter: str) -> str:
    """The `title:` of YAML front matter, "" when there is none or the YAML is invalid."""
    import yaml

    try:
        fields = yaml.safe_load(front_matter)
    except yaml.YAMLError:
        return ""  # still indexed as text; only the title is lost
    title = fields.get("title") if isinstance(fields, dict) else None
    return " ".join(str(title).split()) if title is not None else ""

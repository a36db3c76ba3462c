"""Document text is data, never markup: escape it before Streamlit renders markdown."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every markdown (and HTML-opening) character so text renders literally."""
    return _SPECIAL.sub(r"\\\1", text)


def plain_text_as_markdown(text: str) -> str:
    """Escape a plain-text answer line by line, keeping its `- ` bullets as a markdown list."""
    lines = []
    for line in text.splitlines():
        if line.startswith("- "):
            lines.append("- " + escape_markdown(line[2:]))
        else:
            lines.append(escape_markdown(line))
    return "\n".join(lines)


def highlight_passage(text: str, sentences: list[str]) -> str:
    """The passage as escaped markdown, the given sentences (whitespace-normalized) in bold."""
    rendered = escape_markdown(" ".join(text.split()))
    for sentence in sentences:
        escaped = escape_markdown(" ".join(sentence.split()))
        if escaped:
            rendered = rendered.replace(escaped, f"**{escaped}**", 1)
    return rendered

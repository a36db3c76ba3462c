"""E-mail messages (.eml, RFC 5322 with MIME parts), read with Python's own `email` package."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser

from llama_index.core import Document

from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.text import decode_text, read_html

# The headers a reader of the message sees above it, in this order.
SHOWN_HEADERS = ("From", "To", "Cc", "Date", "Subject")
# What Python's email parser raises on some damaged headers and parameters, besides its own defects list.
_PARSER_FAULTS = (IndexError, AttributeError, ValueError, TypeError)


def read_email(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """The message's headers (SHOWN_HEADERS, encoded words decoded) as the first lines, then its body: the plain
    text part, else the visible text of the HTML part (read as `.html` is: cited by its headings). The subject is
    the document's title. Attached files, forwarded messages among them, are not read; the notes name them.

    Raises:
        UnreadableFileError: a body part that is binary in a text part's clothing (from decode_text).
    """
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)  # policy.default makes EmailMessage objects
    headers = "\n".join(f"{header}: {value}" for header in SHOWN_HEADERS if (value := _header(message, header)))
    parsed = ParsedFile(title=_header(message, "Subject"))
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None and body.get_content_subtype() == "html":
        parsed = read_html(_text(body, name).encode(), name, options)
        parsed.title = _header(message, "Subject") or parsed.title
    elif body is not None:
        decoded = _text(body, name)
        parsed.documents = [Document(text=decoded)]
    if parsed.documents:
        parsed.documents[0].set_content(f"{headers}\n\n{parsed.documents[0].text}")
    else:
        parsed.documents = [Document(text=headers)]
    attached = [part.get_filename() or part.get_content_type() for part in message.iter_attachments()]
    if attached:
        parsed.notes.append(
            f"{len(attached)} attached file{'s' if len(attached) > 1 else ''} not read ({', '.join(attached)}): "
            "to search an attachment, save it and upload it as a file of its own"
        )
    return parsed


def _header(message: EmailMessage, header: str) -> str:
    """A header's decoded value on one line ("" when the message has none); as written when Python's header parser
    fails on it (it raises IndexError or AttributeError on some damaged address lists)."""
    try:
        value = message.get(header)
        return " ".join(str(value).split()) if value is not None else ""
    except _PARSER_FAULTS:
        written = next((raw for key, raw in message.raw_items() if key.lower() == header.lower()), "")
        return " ".join(str(written).split())


def _text(part: MIMEPart, name: str) -> str:
    """A text part's content, decoded by its charset; by decode_text's guess when it names none (RFC 2045 then means
    US-ASCII, but 8-bit text without a charset is common), one unknown to Python or a damaged one (raising
    UnreadableFileError as decode_text does for binary content)."""
    content = None
    if part.get_content_charset() is not None:
        try:
            content = part.get_content()
        except (LookupError, *_PARSER_FAULTS):  # a charset Python has no codec for, or a damaged parameter
            content = None
    if isinstance(content, str):
        return content
    payload = part.get_payload(decode=True)
    return decode_text(payload if isinstance(payload, bytes) else b"", name).text

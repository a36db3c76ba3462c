"""E-mail messages (.eml, RFC 5322 with MIME parts; several in one file as an mbox), read with Python's `email`."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser

from llama_index.core import Document

from app.errors import UnreadableFileError
from app.ingest.chunking import safe_file_name
from app.ingest.file_types import SUPPORTED_SUFFIXES
from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.text import decode_text, read_html
from app.store.chunk_text import ATTACHMENT_KEY

# The headers a reader of the message sees above it, in this order.
SHOWN_HEADERS = ("From", "To", "Cc", "Date", "Subject")
# What Python's email parser raises on some damaged headers and parameters, besides its own defects list.
_PARSER_FAULTS = (IndexError, AttributeError, ValueError, TypeError, HeaderParseError)
# Charsets that mail clients name while writing a superset of them, read as the superset, as browsers do (WHATWG
# Encoding Standard): Windows-1252 quotes in "iso-8859-1", GBK characters in "gb2312", cp949 in "ks_c_5601-1987".
# A part with no charset is US-ASCII by RFC 2045, and 8-bit text there is mostly UTF-8.
_SUPERSETS = {
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
}
# Attached files of these types are read as part of the message; pictures need the vLLM backend's image path, and
# are named in the notes like files of a type the app does not read.
_READ_ATTACHED = tuple(suffix for suffix in SUPPORTED_SUFFIXES if suffix not in (".png", ".jpg", ".jpeg"))
_SIGNATURES = {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
_ENCRYPTED = {"application/pkcs7-mime", "application/x-pkcs7-mime"}
# The line that opens each message of an mbox file ("From sender date").
_MBOX_FROM_LINE = re.compile(rb"^From .*\r?\n", re.MULTILINE)


def read_email(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """Each message's headers (SHOWN_HEADERS, encoded words decoded) as its first lines, then its body: the text
    parts a mail client shows, in order (of alternatives, the plain text when it has any, else the HTML, read as
    `.html` is: cited by its headings), a forwarded message after them in the same way. The first subject is the
    document's title. The notes say so of an encrypted message.

    Attached files of a type the app reads are read as they would be on their own, each passage cited by the file's
    name and its place in it (ATTACHMENT_KEY); others are named in the notes.

    Text is decoded by its part's charset (read as the superset clients mean, _SUPERSETS), or by decode_text's guess
    where that charset is missing, unknown or wrong for the bytes. Raises nothing of its own: a part that is not
    text is left out with a note.
    """
    reading = _Reading(name, options)
    for raw in _mbox_messages(data):
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)  # policy.default makes EmailMessage objects
        reading.message(message)
    return ParsedFile(
        documents=reading.documents, notes=reading.notes + reading.attachment_notes(), title=reading.title
    )


def _mbox_messages(data: bytes) -> list[bytes]:
    """The messages of an .eml file: one, or each of an mbox's (a file opened by a "From " line). A byte order mark
    and blank lines before the first header are left out."""
    data = data.removeprefix(codecs.BOM_UTF8).lstrip(b"\r\n\t ")
    if not data.startswith(b"From "):
        return [data]
    return [message for message in _MBOX_FROM_LINE.split(data) if message.strip()] or [data]


@dataclass
class _Reading:
    name: str
    options: ReadOptions
    title: str = ""
    documents: list[Document] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)
    pages: int = 0  # pages, slides and sheets read from attachments so far: MAX_PAGES holds for them together

    def message(self, message: EmailMessage) -> None:
        """The message's header lines, then its body (a forwarded one's too), as documents."""
        fallbacks = ["utf-8", *_text_charsets(message)]
        shown = {header: _header(message, header, fallbacks) for header in SHOWN_HEADERS}
        self.title = self.title or shown["Subject"]  # the first message's: a forwarded one is read after it
        headers = "\n".join(f"{header}: {value}" for header, value in shown.items() if value)
        start = len(self.documents)
        self.part(message)
        first = self.documents[start] if len(self.documents) > start else None
        if first is not None and ATTACHMENT_KEY not in first.metadata:
            first.set_content(f"{headers}\n\n{first.text}")
        elif headers:  # no body: the headers are a passage of their own, not part of an attachment's first page
            self.documents.insert(start, Document(text=headers))

    def part(self, part: MIMEPart) -> None:
        """Read `part` as a mail client shows it: text and HTML parts, a multipart's parts, forwarded messages."""
        content_type, disposition = part.get_content_type(), part.get_content_disposition()
        if content_type == "message/rfc822" and isinstance(inner := part.get_content(), EmailMessage):
            self.message(inner)  # a forwarded message (Python counts it as a multipart of one)
        elif part.is_multipart():
            children = list(part.iter_parts())
            if part.get_content_subtype() == "encrypted":  # PGP/MIME
                self.notes.append(_ENCRYPTED_NOTE)
            elif part.get_content_subtype() == "alternative":
                if chosen := _preferred(children):
                    self.part(chosen)
            else:  # mixed, related, signed (its signature part is skipped below), report, digest...
                for child in children:
                    self.part(child)
        elif content_type in _SIGNATURES:
            return
        elif content_type in _ENCRYPTED:
            self.notes.append(_ENCRYPTED_NOTE)
        elif disposition == "attachment" or part.get_content_maintype() not in ("text", "multipart"):
            # Pictures shown inside the message (a logo, a photo between paragraphs: inline, or referred to by their
            # Content-ID from the HTML) are part of what it shows, not files the sender attached.
            if disposition == "attachment" or (disposition is None and part.get_filename() and not part["Content-ID"]):
                self.attachment(part)
        elif (text := self.text(part)) is not None:  # text/*, or a multipart whose boundary is missing or wrong
            if part.get_content_subtype() == "html":
                parsed = read_html(text.encode(), self.name, self.options)
                self.documents.extend(parsed.documents)
                self.notes.extend(parsed.notes)
            elif text.strip():
                self.documents.append(Document(text=text))

    def attachment(self, part: MIMEPart) -> None:
        """An attached file, read as the same file uploaded on its own would be when the app reads its type (its
        passages cited as 'attachment "q3.pdf", page 2'); otherwise, or when it cannot be read, named in the notes."""
        from app.ingest.readers import parse_file  # the readers module imports this one

        name = safe_file_name(part.get_filename() or "")
        payload = part.get_payload(decode=True)
        if not part.get_filename() or not name.lower().endswith(_READ_ATTACHED) or not isinstance(payload, bytes):
            self.attached.append(part.get_filename() or part.get_content_type())
            return
        try:
            parsed = parse_file(payload, name, replace(self.options, max_pages=self.options.max_pages - self.pages))
        except UnreadableFileError as exc:
            together = " The page limit holds for a message's attachments together." if self.pages else ""
            self.notes.append(f"attached file not read: {exc}{together}")
            return
        self.pages += parsed.pages
        for document in parsed.documents:
            document.metadata[ATTACHMENT_KEY] = name
        self.documents.extend(parsed.documents)
        self.notes.extend(f"attached '{name}': {note}" for note in parsed.notes)

    def text(self, part: MIMEPart) -> str | None:
        """A text part's content, line ends as "\\n"; None, with a note, when its bytes are not text."""
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = str(part.get_payload()).encode("utf-8", "surrogateescape")
        try:
            charset = part.get_content_charset()
        except _PARSER_FAULTS:
            charset = None
        text = _strictly_decoded(payload, charset)
        if text is None:
            try:
                text = decode_text(payload, self.name).text
            except UnreadableFileError:
                # Not text by decode_text's measure, or in a charset it does not guess (ISO-2022-JP with NEC's
                # circled numbers): the charset named, with replacement characters where the bytes do not fit it.
                text = _leniently_decoded(payload, charset)
            if text is None:
                self.notes.append(f"a part of the message marked {part.get_content_type()} is not text: not read")
                return None
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if part.get_content_type() != "text/plain":
            return text
        text, encrypted = unarmored(text)
        if encrypted:
            self.notes.append(_ENCRYPTED_NOTE)
        if str(part.get_param("format", "")).lower() == "flowed":
            return unflowed(text, delete_space=str(part.get_param("delsp", "")).lower() == "yes")
        return text

    def attachment_notes(self) -> list[str]:
        if not self.attached:
            return []
        return [f"{_files(self.attached)} of a type the app does not read here ({', '.join(self.attached)})"]


_ENCRYPTED_NOTE = (
    "the message is encrypted (S/MIME or PGP): its text is not read; open it in your mail client, which decrypts "
    "it, and save it again as .eml"
)


_CLEARSIGNED = re.compile(
    r"^-----BEGIN PGP SIGNED MESSAGE-----\n(?:[^\n]+\n)*\n(?P<body>.*?)\n?"
    r"^-----BEGIN PGP SIGNATURE-----\n.*?^-----END PGP SIGNATURE-----[ \t]*$\n?",
    re.MULTILINE | re.DOTALL,
)
_PGP_MESSAGE = re.compile(
    r"^-----BEGIN PGP MESSAGE-----\n.*?^-----END PGP MESSAGE-----[ \t]*$\n?", re.MULTILINE | re.DOTALL
)
_DASH_ESCAPED = re.compile(r"^- ", re.MULTILINE)


def unarmored(text: str) -> tuple[str, bool]:
    """A plain-text body as its reader sees it in a mail client that knows OpenPGP (RFC 4880, section 7), and whether
    it held an encrypted block.

    A signed message's text keeps its words; its armor lines ("-----BEGIN PGP SIGNED MESSAGE-----", "Hash: SHA256")
    and signature block go, and its dash-escaped lines ("- -----") lose their escape. An encrypted block
    ("-----BEGIN PGP MESSAGE-----") is left out: its letters are ciphertext, not words.
    """
    text = _CLEARSIGNED.sub(lambda match: _DASH_ESCAPED.sub("", match["body"]) + "\n", text)
    text, encrypted = _PGP_MESSAGE.subn("", text)
    return text, encrypted > 0


def _files(names: list[str]) -> str:
    return f"{len(names)} attached file{'s' if len(names) > 1 else ''}"


def unflowed(text: str, delete_space: bool = False) -> str:
    """Text sent as `format=flowed` (RFC 3676; Apple Mail and Thunderbird send it) with its paragraphs joined again:
    a line ending in a space goes on in the next line of the same quote depth, that space dropped when
    `delete_space` (DelSp=yes, which languages written without spaces need); the space a sender adds before a line
    opening with a space, ">" or "From " is taken off. The signature separator "-- " ends its line."""
    lines: list[str] = []
    pending: tuple[str, str] | None = None  # (quote marks, text so far) of a line that goes on
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        quotes, content = line[:depth], line[depth:]
        content = content.removeprefix(" ")
        if pending is not None and pending[0] == quotes:
            content = pending[1] + content
        elif pending is not None:
            lines.append(pending[0] + (" " if pending[0] else "") + pending[1])
        pending = None
        if content.endswith(" ") and content != "-- ":
            pending = (quotes, content[:-1] if delete_space else content)
        else:
            lines.append(quotes + (" " if quotes and content else "") + content)
    if pending is not None:
        lines.append(pending[0] + (" " if pending[0] else "") + pending[1])
    return "\n".join(lines)


def _preferred(alternatives: list[MIMEPart]) -> MIMEPart | None:
    """The alternative a reader gets the text from: the plain text when it holds any, else the richest (last) HTML or
    multipart one (Outlook puts its HTML in a multipart/related with its pictures), else the first."""
    for part in alternatives:
        payload = part.get_payload(decode=True) if part.get_content_type() == "text/plain" else None
        if isinstance(payload, bytes) and payload.strip():
            return part
    rich = [part for part in alternatives if part.get_content_type() == "text/html" or part.is_multipart()]
    return rich[-1] if rich else (alternatives[0] if alternatives else None)


def _strictly_decoded(payload: bytes, charset: str | None) -> str | None:
    """`payload` decoded by `charset` (a superset of it, _SUPERSETS; US-ASCII when None), or None when the bytes are
    not valid in it or Python knows no such codec."""
    label = (charset or "us-ascii").lower()
    try:
        return payload.decode(_SUPERSETS.get(label, label))
    except (LookupError, UnicodeDecodeError):
        return None


def _leniently_decoded(payload: bytes, charset: str | None) -> str | None:
    """`payload` decoded by `charset` (a superset of it), bytes that do not fit it as U+FFFD; None when no charset is
    named or Python knows no such codec."""
    label = (charset or "").lower()
    try:
        return payload.decode(_SUPERSETS.get(label, label), errors="replace") if label else None
    except LookupError:
        return None


def _header(message: EmailMessage, header: str, fallbacks: list[str]) -> str:
    """A header's value on one line ("" when the message has none). Encoded words are decoded by their charset's
    superset; those whose bytes do not fit it, and raw 8-bit bytes, by the first of `fallbacks` that fits (UTF-8 and
    the charsets of the message's text parts: a client writes its headers as its text), else as Windows-1252. A few
    bytes are too few for decode_text's guess: it reads "Jos\\xe9" as UTF-16."""
    raw = next((str(value) for key, value in message.raw_items() if key.lower() == header.lower()), None)
    if raw is None:
        return ""
    try:
        pieces = decode_header(raw)
    except _PARSER_FAULTS:
        pieces = [(raw, None)]
    decoded = []
    for value, charset in pieces:
        data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
        fits = (text for label in (charset, *fallbacks) if (text := _strictly_decoded(data, label)) is not None)
        decoded.append(next(fits, data.decode("cp1252", errors="replace")))
    return " ".join("".join(decoded).split())


def _text_charsets(message: EmailMessage) -> list[str]:
    """The charsets that the message's text parts name, each once, in order."""
    charsets: list[str] = []
    for part in message.walk():
        try:
            charset = part.get_content_charset() if part.get_content_maintype() == "text" else None
        except _PARSER_FAULTS:
            charset = None
        if charset and charset not in charsets:
            charsets.append(charset)
    return charsets

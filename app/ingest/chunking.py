"""Split Documents into chunk nodes whose ids depend only on the file's content."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import ClassVar

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.node_parser.text.sentence import CHUNKING_REGEX
from llama_index.core.node_parser.text.utils import split_by_char, split_by_regex, split_by_sep
from llama_index.core.schema import TextNode

from app.store.chroma import DOC_KEY
from app.store.chunk_text import LABEL_KEY, chunk_context, own_location

# Characters of scripts written without spaces between words: Thai, Lao, Tibetan, Myanmar, Khmer,
# Hangul, CJK punctuation, kana, Bopomofo, Han ideographs, Yi, full-width forms. A run of them is
# prose, which SentenceSplitter splits at its full stops (its CHUNKING_REGEX has U+3002, U+FF1F, U+FF01),
# not data to cut by characters.
_SPACELESS_SCRIPTS = (
    "\u0e00-\u0fff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u2fdf\u3000-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
)
# A character of data: not a space, not of a space-less script. A comma or semicolon ends a run: figures listed
# without spaces ("17711,74706,...") are cut between them, not by characters.
_DATA_CHARACTER = rf"[^\s,;{_SPACELESS_SCRIPTS}]"
# Lines of 40+ such characters, three or more in a row: base64 wrapped at 64 or 76 columns, hex
# without spaces. SentenceSplitter would split them one character at a time (20 s for 240 KB of
# base64); cutting them by characters directly gives the same pieces at once.
_WRAPPED_RUN = re.compile(rf"(?:^[ \t]*{_DATA_CHARACTER}{{40,}}[ \t]*(?:\n|\Z)){{3,}}", re.MULTILINE)


# How SentenceSplitter cuts a "sentence" longer than a chunk, each way tried when the one before leaves a piece
# too long. Its own first way, CHUNKING_REGEX, cuts after every comma and full stop, inside numbers too, so a table
# row "Purchases of property, plant and equipment | 2018: (1,577)" was cut at "(1," and the next chunk opened with
# "577) | 2017: ..." (3,258 of 4,623 table chunks of 26 filings began inside a row). Here text of several lines
# (a table's rows, a list) is cut at line ends first; a line at its sentences' ends, then at its commas (the CJK
# ones too), but never at a full stop or comma before a digit ("1,577", "$.25"); then between words; a run of
# figures without spaces ("17711,74706,...") at its commas; and only then by characters.
_LINE_REGEX = r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+"


def _cuts_after(marks: str, kept_before_digit: str) -> str:
    """A regex of the pieces of a text cut after each of `marks`, except those of `kept_before_digit` before a digit."""
    return rf"(?:[^{marks}]|[{kept_before_digit}](?=\d))+[{marks}]?|[{marks}]"


SENTENCE_REGEX = _cuts_after(".;。？！", ".")
CLAUSE_REGEX = _cuts_after(",，、", ",")


@functools.lru_cache(maxsize=8)
def _unbroken_pattern(min_run: int) -> re.Pattern[str]:
    """Runs of `min_run`+ data characters, or wrapped data lines; compiled once per size, not per document."""
    return re.compile(rf"{_DATA_CHARACTER}{{{min_run},}}|{_WRAPPED_RUN.pattern}", re.MULTILINE)


class BoundedSentenceSplitter(SentenceSplitter):
    """SentenceSplitter whose chunks never exceed `chunk_size` tokens nor `chunk_size * max_chars_per_token` characters.

    SentenceSplitter alone keeps neither promise for text without sentences: it counts a chunk as
    the sum of its pieces' tokens, and a tokenizer may read a very long word as one token (MiniLM's
    reads any word over 100 characters as [UNK]), so a 240,000-character string without spaces
    became one 240,000-character chunk of 15 tokens. Runs of text without spaces are therefore cut
    by characters, and every chunk is checked with the tokenizer itself.
    """

    # Prose chunks of 200 MiniLM tokens hold at most 6.3 characters a token (English, SciFact; 1.6-4.4
    # in 10 other XQuAD languages); Thai, which MiniLM reads as [UNK], is the exception and is cut to this.
    max_chars_per_token: ClassVar[int] = 8

    def __init__(self, *, chunk_size: int, chunk_overlap: int, tokenizer: Callable[[str], Sequence[object]]) -> None:
        """`chunk_size` and `chunk_overlap` in tokens of `tokenizer` (text -> its tokens, no special tokens)."""
        super().__init__(chunk_size=chunk_size, chunk_overlap=chunk_overlap, tokenizer=tokenizer)
        # SentenceSplitter's list of fallbacks (a private attribute; tests/unit/test_chunking.py checks the cuts).
        self._sub_sentence_split_fns = [
            split_by_regex(_LINE_REGEX),
            split_by_regex(SENTENCE_REGEX),
            split_by_regex(CLAUSE_REGEX),
            split_by_sep(" "),
            split_by_regex(CHUNKING_REGEX),
            split_by_char(),
        ]

    @property
    def max_chars(self) -> int:
        """The most characters a chunk may hold: chunk_size x max_chars_per_token."""
        return self.chunk_size * self.max_chars_per_token

    def _split_text(self, text: str, chunk_size: int) -> list[str]:
        # Both of SentenceSplitter's entry points come here: `split_text`, and `split_text_metadata_aware`
        # with `chunk_size` less the tokens of the context line embedded with each chunk.
        max_chars = chunk_size * self.max_chars_per_token
        chunks: list[str] = []
        for segment, unbroken in self._segments(text, max_chars):
            pieces = [segment] if unbroken else super()._split_text(segment, chunk_size)
            for piece in pieces:
                chunks.extend(self._cut_to_fit(piece, chunk_size, max_chars))
        return chunks

    def _segments(self, text: str, max_chars: int) -> list[tuple[str, bool]]:
        """`text` in order: (segment, True) for runs of data too long to be words, (segment, False) else.

        Data is text without spaces and without characters of scripts written without spaces, whose
        long runs are prose (a Chinese paragraph), not data.
        """
        unbroken = _unbroken_pattern(max_chars // 2)
        segments: list[tuple[str, bool]] = []
        start = 0
        for match in unbroken.finditer(text):
            if match.start() > start:
                segments.append((text[start : match.start()], False))
            segments.append((match.group(), True))
            start = match.end()
        if start < len(text) or not segments:
            segments.append((text[start:], False))
        return segments

    def _cut_to_fit(self, text: str, chunk_size: int, max_chars: int) -> list[str]:
        """`text` as it is when it fits, else cut by characters (at a space when one is near) into pieces that do."""
        pieces: list[str] = []
        start = 0
        window = max_chars
        while start < len(text):
            end = min(len(text), start + window)
            while True:
                if end < len(text):
                    # A space in the last quarter ends the piece between words, not inside one.
                    space = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
                    if space > start + (end - start) * 3 // 4:
                        end = space + 1
                tokens = self._token_size(text[start:end])
                if tokens <= chunk_size:
                    break
                # Shrink in proportion to the excess, by at least one character.
                end = start + max(1, min(end - start - 1, (end - start) * chunk_size * 9 // (tokens * 10)))
            pieces.append(text[start:end])
            # The next piece is likely as dense as this one: starting near its length (with room to
            # grow) cut 240 KB of base64 in 1.8 s instead of 14.5 s (each call on 1,600 characters costs 6x).
            window = min(max_chars, (end - start) * 5 // 4 + 1)
            start = end
        return pieces


def content_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunk_id(doc_sha: str, index: int) -> str:
    """Same bytes -> same ids, so re-uploading a file overwrites instead of duplicating."""
    return f"{doc_sha[:32]}-{index:05d}"


# Characters that change how a name is shown without being seen: control characters, bidirectional
# embeddings, overrides, isolates and marks ("invoice\u202efdp.exe" shows as "invoiceexe.pdf"), the
# Arabic letter mark, zero-width space and word joiners, and the byte-order mark. ZWNJ and ZWJ
# (U+200C/D) stay: Persian and Indic words are spelled with them.
_HIDDEN_IN_NAMES = re.compile("[\x00-\x1f\x7f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_NAME_PART_LIMIT = 200  # characters of one path component (file systems allow 255 bytes)
_PATH_DEPTH_LIMIT = 20  # folders kept in a document's path, counted from the file
# Hashes and UUIDs in a file name (document_label): hexadecimal digits, and a UUID's shape, whose groups of four
# ("4f89") are too short to tell from words on their own.
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)


def _clean_part(part: str) -> str:
    # NFC: a name spelt with combining accents (as macOS writes "résumé") is the name a person sees and types.
    part = unicodedata.normalize("NFC", _HIDDEN_IN_NAMES.sub("", part)).strip().lstrip(".")
    if len(part) > _NAME_PART_LIMIT:  # shorten the stem, not the extension: the type is read from it
        suffix = PurePosixPath(part).suffix[:20]
        part = part[: _NAME_PART_LIMIT - len(suffix)] + suffix
    return part


def safe_file_name(name: str) -> str:
    """An upload's name: its last path component, without control, bidi or other invisible characters, its
    accented letters precomposed (NFC).

    An upload can never name a path; a name that cleans to nothing becomes "upload".
    """
    return _clean_part(PurePosixPath(name.replace("\\", "/")).name) or "upload"


def _is_code(word: str) -> bool:
    """Whether a word of a file name is a hash or a UUID's part rather than a word: eight or more hexadecimal
    digits, letters and digits mixed ("56be4db0acb8", "3f2504e0"). "FY2018", "H1N1", "Q3FY24", "2022Q4" and
    "报告2023年" are words."""
    return len(word) >= 8 and set(word) <= _HEX_DIGITS and not word.isdigit() and not word.isalpha()


def document_path(relative: str) -> str:
    """A document's identity in a collection: its path relative to the folder given to `ingest`.

    `relative` uses "/" between folders ("a/policy.txt"). Each component is cleaned like an upload's
    name, and "", "." and ".." components are dropped, so the result never leaves the folder. Two files
    with one name in two folders are two documents; a file given on its own is named by its file name.
    """
    parts = [_clean_part(part) for part in relative.replace("\\", "/").split("/")]
    kept = [part for part in parts if part and part != ".."][-_PATH_DEPTH_LIMIT:]
    return "/".join(kept) or "upload"


@functools.lru_cache(maxsize=100_000)  # read for every document at each question (Workspace.document_labels)
def document_label(name: str, title: str = "") -> str:
    """The words that tell a document apart, indexed with each of its chunks: its path without the
    extension, separators as spaces ("MICROSOFT_2022_10K.pdf" -> "MICROSOFT 2022 10K"), then its own
    title when it adds words. A path without letters ("12345.txt", a corpus id) says nothing and is left out,
    and so are hashes and UUIDs (`_is_code`): shared by every chunk of the document, they are noise to the
    embedding model.
    """
    path = PurePosixPath(name)
    stem = _UUID.sub(" ", str(path.with_suffix("") if path.suffix else path))
    words = " ".join(word for word in re.sub(r"[_\-./]+", " ", stem).split() if not _is_code(word))
    label = words if any(character.isalpha() for character in words) else ""
    title = " ".join(title.split())
    if title and title.casefold() not in label.casefold():
        label = f"{label}: {title}" if label else title
    return label


def split_into_chunks(
    documents: Sequence[Document], *, file_name: str, doc_sha: str, splitter: SentenceSplitter, label: str = ""
) -> list[TextNode]:
    """Chunk nodes of `documents` with ids from the content (`doc_sha`) and their position.

    Each keeps its Document's location metadata; a Document without one (a plain text file, a page
    with no heading or title) gets one per chunk, its number: `part 2` is cited for its second chunk.
    `label` (see `document_label`) is kept in each chunk's metadata: it is indexed with the chunk
    (`searchable_text`) but not part of the text a citation shows.
    """
    nodes: list[TextNode] = []
    for document in documents:
        numbered = not own_location(document.metadata)
        # The context line is embedded with each chunk, so the chunk leaves room for it (LlamaIndex's rule).
        context = chunk_context({**document.metadata, LABEL_KEY: label})
        if context:
            pieces = splitter.split_text_metadata_aware(document.text, context)
        else:
            pieces = splitter.split_text(document.text)
        texts = [text for text in pieces if text.strip()]
        for number, text in enumerate(texts, start=1):
            metadata = {**document.metadata, "file_name": file_name, DOC_KEY: doc_sha}
            if label:
                metadata[LABEL_KEY] = label
            if numbered:
                metadata["part"] = number
            nodes.append(TextNode(id_=chunk_id(doc_sha, len(nodes)), text=text, metadata=metadata))
    return nodes

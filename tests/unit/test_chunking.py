import base64
import random
import string
import unicodedata

import pytest
from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter

from app.ingest.chunking import BoundedSentenceSplitter, chunk_id, content_sha256, safe_file_name, split_into_chunks
from app.ingest.readers import parse_file


def _split(text: str, sha: str) -> list[str]:
    splitter = SentenceSplitter(chunk_size=40, chunk_overlap=5, tokenizer=str.split)
    documents = [Document(text=text, metadata={"page": 4})]
    nodes = split_into_chunks(documents, file_name="f.txt", doc_sha=sha, splitter=splitter)
    assert all(n.metadata["page"] == 4 and n.metadata["file_name"] == "f.txt" for n in nodes)
    return [n.node_id for n in nodes]


def test_chunk_ids_depend_only_on_content() -> None:
    text = "A sentence about things. " * 60
    sha = content_sha256(text.encode())
    first, second = _split(text, sha), _split(text, sha)
    assert first == second and len(first) > 1
    assert len(set(first)) == len(first)
    assert first[0] == chunk_id(sha, 0)
    other = content_sha256(b"other")
    assert not set(_split(text, other)) & set(first)


def test_upload_names_cannot_name_a_path() -> None:
    assert safe_file_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert safe_file_name("C:\\Users\\me\\report.docx") == "report.docx"
    assert safe_file_name("bad\x00name\n.txt") == "badname.txt"
    assert safe_file_name("..") == "upload"
    assert safe_file_name(".hidden") == "hidden"


def test_a_name_spelt_with_combining_accents_is_stored_as_the_same_name_with_precomposed_letters() -> None:
    # macOS writes "résumé" as e + U+0301; the name it shows is the precomposed one (NFC), and so is a question's.
    decomposed = unicodedata.normalize("NFD", "résumé_équipe_한국어.txt")
    assert decomposed != "résumé_équipe_한국어.txt"
    assert safe_file_name(decomposed) == "résumé_équipe_한국어.txt"


# The app's own splitter with the packaged MiniLM tokenizer: the limit is the one the model reads.
@pytest.fixture(scope="module")
def app_splitter(embedding) -> BoundedSentenceSplitter:  # type: ignore[no-untyped-def]
    from app.config import Settings
    from app.ingest.from_settings import splitter_for

    settings = Settings()
    assert settings.chunk_size <= embedding.max_tokens - embedding.special_tokens_per_text
    return splitter_for(settings, embedding)


def chunks_of(data: bytes, name: str, splitter: BoundedSentenceSplitter) -> list[str]:
    documents = parse_file(data, name).documents
    return [n.text for n in split_into_chunks(documents, file_name=name, doc_sha="0" * 64, splitter=splitter)]


def assert_within_limits(chunks: list[str], splitter: BoundedSentenceSplitter, embedding) -> None:  # type: ignore[no-untyped-def]
    assert max(embedding.count_tokens(chunk) for chunk in chunks) <= splitter.chunk_size
    assert max(len(chunk) for chunk in chunks) <= splitter.max_chars


def test_a_240000_character_string_without_spaces_is_cut_and_the_text_after_it_is_indexed(
    app_splitter: BoundedSentenceSplitter, embedding
) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    run = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(240_000))
    text = f"Puffins nest in burrows on rocky islands. {run} The zebra-striped lighthouse sings at dawn."
    chunks = chunks_of(text.encode(), "dump.txt", app_splitter)
    assert_within_limits(chunks, app_splitter, embedding)
    assert chunks[0] == "Puffins nest in burrows on rocky islands."
    assert "".join(chunks[1:-1]) == run
    assert chunks[-1] == "The zebra-striped lighthouse sings at dawn."


def test_base64_and_hex_dumps_are_cut_within_the_model_limit(app_splitter: BoundedSentenceSplitter, embedding) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(8)
    wrapped = base64.encodebytes(rng.randbytes(60_000)).decode()  # lines of 76 characters
    hexdump = " ".join(f"{byte:02x}" for byte in rng.randbytes(20_000))
    for blob in (wrapped, hexdump):
        text = f"Key material follows.\n{blob}\nThe zebra-striped lighthouse sings at dawn."
        chunks = chunks_of(text.encode(), "key.txt", app_splitter)
        assert_within_limits(chunks, app_splitter, embedding)
        assert chunks[-1].endswith("The zebra-striped lighthouse sings at dawn.")


def test_chinese_paragraphs_without_spaces_are_chunked_within_the_model_limit(
    app_splitter: BoundedSentenceSplitter, embedding
) -> None:  # type: ignore[no-untyped-def]
    sentence = "机器学习是人工智能的一个分支，它使计算机能够从数据中学习而无需明确编程"  # no full stop
    paragraphs = [(sentence * 200)[:5000] for _ in range(3)]
    text = "\n\n".join(paragraphs) + "\n\n海鹦在岩石岛屿的洞穴中筑巢。"
    chunks = chunks_of(text.encode(), "zh.txt", app_splitter)
    assert_within_limits(chunks, app_splitter, embedding)
    assert chunks[-1].endswith("海鹦在岩石岛屿的洞穴中筑巢。")
    assert len(chunks) >= 15000 // app_splitter.chunk_size


CHINESE_SENTENCES = [
    f"第{n}项：海鹦在北大西洋的岩石岛屿上筑巢，每年产一枚蛋，雏鸟由父母轮流喂养{n % 9 + 30}天。" for n in range(1, 61)
]
JAPANESE_SENTENCES = [
    f"第{n}項：ツノメドリは北大西洋の岩の多い島に巣を作り、毎年一個の卵を産み、{n % 9 + 30}日間ひなを育てる。"
    for n in range(1, 61)
]


@pytest.mark.parametrize("sentences", [CHINESE_SENTENCES, JAPANESE_SENTENCES], ids=["chinese", "japanese"])
def test_chinese_and_japanese_paragraphs_are_chunked_at_their_full_stops(
    sentences: list[str], app_splitter: BoundedSentenceSplitter, embedding
) -> None:  # type: ignore[no-untyped-def]
    text = "".join(sentences[:30]) + "\n\n" + "".join(sentences[30:])  # two paragraphs without spaces
    chunks = chunks_of(text.encode(), "puffins.txt", app_splitter)
    assert_within_limits(chunks, app_splitter, embedding)
    assert len(chunks) > 1
    assert [sentence for sentence in sentences if not any(sentence in chunk for chunk in chunks)] == []
    assert [chunk[:8] for chunk in chunks if not chunk.startswith("第")] == []
    assert [chunk[-8:] for chunk in chunks if not chunk.endswith("。")] == []


def test_chunks_leave_room_for_their_context_line_and_still_hold_the_text() -> None:
    from app.ingest.chunking import BoundedSentenceSplitter
    from app.store.chunk_text import LABEL_KEY, searchable_text

    splitter = BoundedSentenceSplitter(chunk_size=40, chunk_overlap=0, tokenizer=str.split)
    text = "Alpha beta gamma delta. " * 30 + "x" * 2000 + " The end is here."
    document = Document(text=text, metadata={"section": "Costs > Travel"})

    nodes = split_into_chunks([document], file_name="a/b.txt", doc_sha="0" * 64, splitter=splitter, label="a b")

    for node in nodes:
        embedded = searchable_text(node.get_content(), node.metadata)
        assert embedded.startswith("a b > Costs > Travel\n\n") and node.metadata[LABEL_KEY] == "a b"
        assert len(embedded.split()) <= 40 and len(node.get_content()) <= splitter.max_chars
    assert nodes[-1].get_content().endswith("The end is here.")


ROW_FORMATS = {
    # A financial statement as the PDF reader writes its rows: no full stop in 120 lines, commas in every figure.
    "figures": "Purchases of item {n} | 2018: ({a},{b:03d}) | 2017: {c}.{d}",
    "label with commas": "Purchases of property, plant and equipment, net {n} | 2018: ({a},{b:03d})",
    "figures without a leading zero": "Basic earnings per share, class {n} | 2023: $.{b} | 2022: $(.{d})",
}


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("row", ROW_FORMATS.values(), ids=ROW_FORMATS.keys())
def test_a_long_table_is_chunked_between_rows_never_inside_a_row(
    row: str, line_end: str, app_splitter: BoundedSentenceSplitter, embedding
) -> None:  # type: ignore[no-untyped-def]
    rows = [row.format(n=n, a=n * 37 % 9 + 1, b=n * 711 % 1000, c=n % 7, d=n % 10) for n in range(1, 121)]
    chunks = chunks_of(line_end.join(rows).encode(), "statement.txt", app_splitter)
    assert_within_limits(chunks, app_splitter, embedding)
    assert len(chunks) > 3
    assert [chunk[:30] for chunk in chunks if not chunk.startswith(rows[0][:12])] == []
    assert [row for row in rows if not any(row in chunk for chunk in chunks)] == []


def test_figures_in_a_long_chinese_sentence_are_not_cut(app_splitter: BoundedSentenceSplitter, embedding) -> None:  # type: ignore[no-untyped-def]
    clauses = [f"第{n}季度营业收入同比增长{n + 10}.{n % 10}%" for n in range(1, 40)]
    text = "，".join(clauses) + "。"  # one sentence of about 700 characters: cut at its commas
    chunks = chunks_of(text.encode(), "report.txt", app_splitter)
    assert_within_limits(chunks, app_splitter, embedding)
    assert len(chunks) > 1
    assert [clause for clause in clauses if not any(clause in chunk for chunk in chunks)] == []


def test_a_line_of_figures_without_spaces_is_cut_at_its_commas(
    app_splitter: BoundedSentenceSplitter, embedding
) -> None:  # type: ignore[no-untyped-def]
    figures = [str(10_000 + n * 7919 % 90_000) for n in range(400)]
    text = '{"id": 5, "values": [' + ",".join(figures) + "]}"
    chunks = chunks_of(text.encode(), "values.txt", app_splitter)
    assert_within_limits(chunks, app_splitter, embedding)
    pieces = [piece for chunk in chunks for piece in chunk.replace("[", ",").replace("]", ",").split(",")]
    assert [figure for figure in figures if figure not in pieces] == []

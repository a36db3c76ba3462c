from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter

from app.ingest.chunking import chunk_id, content_sha256, safe_file_name, split_into_chunks


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

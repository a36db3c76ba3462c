"""The Sources panel's view of a cited passage, through the Workspace: real files, real Chroma, real model."""

from __future__ import annotations

import pytest

from app.errors import UnreadableFileError
from app.view.context import TextContext
from app.view.page_image import PageRender
from tests.files import make_pdf, make_pptx, make_xlsx

SENTENCES = [
    "The lighthouse keeper climbs one hundred and twelve steps every evening.",
    "Her logbook records the wind speed and the colour of the sea at dusk.",
    "In winter storms the lamp burns paraffin brought by boat from the mainland.",
    "The foghorn sounds twice a minute whenever the far buoy disappears from view.",
    "Visitors may climb the tower on Sundays between April and September.",
]


def _passage(workspace, question: str, file_name: str):  # type: ignore[no-untyped-def]
    return next(p for p in workspace.retrieve(question, top_k=10) if p.file_name == file_name)


def test_a_text_passage_is_shown_between_its_neighbouring_chunks_with_the_cited_words_marked(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(CHUNK_SIZE=32, CHUNK_OVERLAP=0, RETRIEVAL_MODE="keyword")
    [result] = workspace.ingest([("keeper.txt", " ".join(SENTENCES * 2).encode())])
    assert result.chunks >= 5
    passage = _passage(workspace, "paraffin lamp winter storms", "keeper.txt")
    position = int(passage.chunk_id.rsplit("-", 1)[1])
    assert 0 < position < result.chunks - 1, "a chunk with neighbours on both sides"
    ids = [passage.chunk_id[:-5] + f"{position + offset:05d}" for offset in (-1, 1)]
    stored = workspace.index.get(ids)
    previous, following = (" ".join(stored[i].get_content().split()) for i in ids)

    view = workspace.page_view(passage, ["the lamp burns paraffin"], width_px=700)

    assert isinstance(view, TextContext) and view.kind == "text"
    assert view.before == previous and view.after == following, "neighbours in document order, whole"
    assert [s.text for s in view.passage if s.marked] == ["the lamp burns paraffin"]
    assert "".join(s.text for s in view.passage) == " ".join(passage.text.split())


def test_a_pdf_passage_is_its_page_image_highlighted_and_other_pages_show_unmarked(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    workspace.ingest([("keeper.pdf", make_pdf([SENTENCES[0], SENTENCES[2], SENTENCES[4]]))])
    passage = _passage(workspace, "paraffin lamp winter storms", "keeper.pdf")
    assert passage.location == "page 2"

    cited = workspace.page_view(passage, [SENTENCES[2]], width_px=600)
    assert isinstance(cited, PageRender) and (cited.page, cited.pages, cited.width) == (2, 3, 600)
    assert cited.sentence_boxes and cited.passage_boxes
    next_page = workspace.page_view(passage, [SENTENCES[2]], width_px=600, page=3)
    assert isinstance(next_page, PageRender) and next_page.page == 3
    assert (next_page.sentence_boxes, next_page.passage_boxes) == ([], [])
    cache = workspace.settings.data_dir / "page_images" / passage.doc_sha
    assert sorted(p.name.split("-")[:2] for p in cache.iterdir()) == [
        ["2", "600"],
        ["2", "words.json"],
        ["3", "600"],
        ["3", "words.json"],
    ]


def test_deleting_a_document_drops_its_cached_page_images(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    workspace.ingest([("keeper.pdf", make_pdf([SENTENCES[0], SENTENCES[2]])), ("other.txt", b"Another file.")])
    passage = _passage(workspace, "paraffin lamp winter storms", "keeper.pdf")
    workspace.page_view(passage, [SENTENCES[2]], width_px=300)
    cache = workspace.settings.data_dir / "page_images" / passage.doc_sha
    assert any(cache.iterdir())

    workspace.delete(passage.doc_sha)

    assert not cache.exists()
    assert [record.name for record in workspace.documents()] == ["other.txt"]


def test_deleting_a_collection_drops_the_cached_page_images_of_its_documents(open_workspace) -> None:  # type: ignore[no-untyped-def]
    other = open_workspace(COLLECTION_NAME="other")
    other.ingest([("keeper.pdf", make_pdf([SENTENCES[0], SENTENCES[2]]))])
    passage = _passage(other, "paraffin lamp winter storms", "keeper.pdf")
    other.page_view(passage, [SENTENCES[2]], width_px=300)
    cache = other.settings.data_dir / "page_images" / passage.doc_sha
    assert any(cache.iterdir())

    open_workspace().delete_collection("other")

    assert not cache.exists()


def test_a_slide_passage_is_shown_with_its_slide_and_a_sheet_passage_as_rows(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    workspace.ingest(
        [
            ("tower.pptx", make_pptx([("Opening hours", SENTENCES[4]), ("The lamp", SENTENCES[2])])),
            ("fares.xlsx", make_xlsx({"Fares": [["Boat", "Price"], ["Mainland ferry", 12], ["Island hopper", 30]]})),
        ]
    )
    slide = _passage(workspace, "paraffin lamp", "tower.pptx")
    view = workspace.page_view(slide, [], width_px=700)
    assert isinstance(view, TextContext) and view.kind == "slide"
    assert "".join(s.text for s in view.passage) == f"The lamp {SENTENCES[2]}"

    sheet = _passage(workspace, "island hopper price", "fares.xlsx")
    table = workspace.page_view(sheet, ["Boat: Island hopper; Price: 30"], width_px=700)
    assert isinstance(table, TextContext) and table.kind == "sheet"
    assert (table.header, table.rows, table.cited_rows) == (
        ["Boat", "Price"],
        [["Mainland ferry", "12"], ["Island hopper", "30"]],
        [1],
    )


def test_a_cited_sheet_row_is_marked_and_its_cells_are_read_by_column(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    rows = [["Region", "Note", "Revenue"], ["North", "steady", 100], ["South", "a; b: c", 200], ["East", "", 300]]
    workspace.ingest([("sales.xlsx", make_xlsx({"Sales": rows}))])
    sheet = _passage(workspace, "South revenue", "sales.xlsx")

    table = workspace.page_view(sheet, ["Region: South; Note: a; b: c; Revenue: 200"], width_px=700)

    assert isinstance(table, TextContext) and table.kind == "sheet"
    assert (table.header, table.rows, table.cited_rows) == (
        ["Region", "Note", "Revenue"],
        [["North", "steady", "100"], ["South", "a; b: c", "200"], ["East", "", "300"]],
        [1],
    )


def test_a_cited_csv_row_is_marked_among_rows_that_share_its_words(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    csv = 'Region,Product,Note\nNorth,Widget,"a; b: c"\nSouth,Gadget,"a; b: c"\nWest,Widget,plain\n'
    workspace.ingest([("sales.csv", csv.encode())])
    sheet = _passage(workspace, "Gadget", "sales.csv")

    table = workspace.page_view(sheet, ["Region: South; Product: Gadget; Note: a; b: c"], width_px=700)

    assert isinstance(table, TextContext) and table.kind == "sheet"
    assert table.header == ["Region", "Product", "Note"]
    assert table.rows == [["North", "Widget", "a; b: c"], ["South", "Gadget", "a; b: c"], ["West", "Widget", "plain"]]
    assert table.cited_rows == [1]


def test_page_zero_is_refused_not_read_as_the_passage_page(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    workspace.ingest([("keeper.pdf", make_pdf([SENTENCES[0], SENTENCES[2]]))])
    passage = _passage(workspace, "paraffin lamp winter storms", "keeper.pdf")

    with pytest.raises(UnreadableFileError, match="has no page 0: it has 2 pages"):
        workspace.page_view(passage, [SENTENCES[2]], width_px=300, page=0)

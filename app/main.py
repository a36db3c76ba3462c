"""Streamlit UI: upload documents, chat with them. Layout only; the work happens in app.workspace."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from app.chat.markdown import escape_markdown, highlight_passage, plain_text_as_markdown
from app.config import Settings, load_settings
from app.errors import AppError
from app.ingest.chunking import safe_file_name
from app.ingest.pipeline import IngestProgress, IngestResult
from app.ingest.readers import SUPPORTED_SUFFIXES
from app.retrieval.passage import Passage
from app.workspace import Workspace


@dataclass
class ChatTurn:
    role: str
    content: str
    sources: list[Passage] = field(default_factory=list)
    notice: str = ""
    highlights: dict[int, list[str]] = field(default_factory=dict)  # source number -> its cited sentences


@st.cache_resource(show_spinner="Loading the embedding model and the index…")
def open_workspace(settings_key: str, _settings: Settings) -> Workspace:
    # Keyed by the settings' JSON: a change of settings opens a new workspace.
    return Workspace(_settings)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def show_error(error: AppError) -> None:
    st.error(escape_markdown(error.message))
    if error.hint:
        st.info(escape_markdown(error.hint))


def show_results(results: list[IngestResult]) -> None:
    for result in results:
        name = escape_markdown(result.file_name)
        detail = escape_markdown(result.message)
        if result.status == "failed":
            st.error(f"{name}: {detail}")
        elif result.status == "cancelled":
            st.warning(f"{name}: {detail}")
        elif result.status == "skipped":
            st.info(f"{name}: {detail}")
        else:
            extra = f" ({detail})" if detail else ""
            st.success(f"{name}: {result.status}, {_count(result.chunks, 'chunk')}{extra}")


def _request_cancel() -> None:
    st.session_state["cancel_ingest"] = True


def _cancelled_results(workspace: Workspace, uploads: list[UploadedFile]) -> list[IngestResult]:
    """After a cancel: which files of the interrupted upload made it into the index before it stopped."""
    indexed = {record.name for record in workspace.documents()}
    return [
        IngestResult(upload.name, "skipped", message="indexed before the cancel")
        if safe_file_name(upload.name) in indexed
        else IngestResult(upload.name, "cancelled", message="cancelled, not indexed; upload it again to index it")
        for upload in uploads
    ]


def index_new_uploads(workspace: Workspace, uploads: list[UploadedFile]) -> None:
    seen: set[str] = st.session_state.setdefault("processed_uploads", set())
    new = [upload for upload in uploads if upload.file_id not in seen]
    if not new:
        return
    if st.session_state.pop("cancel_ingest", False):
        # The click stopped the run that was indexing these files (Streamlit interrupts a script at its next
        # element update, here the progress bar); the document in progress was never written.
        seen.update(upload.file_id for upload in new)
        st.session_state["last_results"] = _cancelled_results(workspace, new)
        return
    cancel_slot = st.empty()
    cancel_slot.button("Cancel", key="cancel-ingest", on_click=_request_cancel, help="Stop indexing this upload")
    bar = st.progress(0.0, text="Starting…")

    def on_progress(event: IngestProgress) -> None:
        bar.progress(event.fraction, text=escape_markdown(event.describe()))

    results = workspace.ingest([(upload.name, upload.getvalue()) for upload in new], progress=on_progress)
    cancel_slot.empty()
    bar.progress(1.0, text=f"Done: {len(results)} file(s)")
    seen.update(upload.file_id for upload in new)
    st.session_state["last_results"] = results


def show_status(workspace: Workspace) -> None:
    status = workspace.status()
    fp = status.fingerprint
    st.caption(
        f"Embedding: {fp.backend} · {fp.model} · {fp.dimension}-d {fp.vector_type}  \n"
        f"Index: {status.collection} · {_count(status.documents, 'document')} · "
        f"{_count(status.chunks, 'chunk')}  \n"
        f"Answers: {status.llm}"
    )


def sidebar(workspace: Workspace) -> None:
    with st.sidebar:
        st.header("Documents")
        status_slot = st.empty()  # filled last, so counts include this run's uploads
        uploads = st.file_uploader(
            "Add documents",
            accept_multiple_files=True,
            help=f"Supported: {', '.join(SUPPORTED_SUFFIXES)}",
        )
        if uploads:
            index_new_uploads(workspace, list(uploads))
        show_results(st.session_state.get("last_results", []))

        for record in workspace.documents():
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.text(f"{record.name} ({_count(record.chunks, 'chunk')})")
            if right.button(
                "",
                icon=":material/delete:",
                key=f"delete-{record.sha256}",
                help=f"Remove {record.name} from the index",
            ):
                workspace.delete(record.sha256)
                st.session_state["last_results"] = []
                st.rerun()
        with status_slot.container():
            show_status(workspace)


def show_sources(sources: list[Passage], highlights: dict[int, list[str]]) -> None:
    if not sources:
        return
    with st.expander(f"Sources ({len(sources)})"):
        for number, passage in enumerate(sources, start=1):
            where = f", {escape_markdown(passage.location)}" if passage.location else ""
            st.markdown(f"**[{number}] {escape_markdown(passage.file_name)}{where}** · score {passage.score:.2f}")
            st.markdown(highlight_passage(passage.text, highlights.get(number, [])))


def show_turn(turn: ChatTurn) -> None:
    with st.chat_message(turn.role):
        if turn.notice:
            st.warning(turn.notice)
        st.markdown(escape_markdown(turn.content) if turn.role == "user" else turn.content)
        show_sources(turn.sources, turn.highlights)


def chat(workspace: Workspace) -> None:
    history: list[ChatTurn] = st.session_state.setdefault("history", [])
    for turn in history:
        show_turn(turn)
    question = st.chat_input("Ask a question about your documents")
    if not question:
        return
    show_turn(ChatTurn("user", question))
    with st.chat_message("assistant"):
        try:
            with st.spinner("Searching your documents…"):
                answer = workspace.ask(question, history=[(t.role, t.content) for t in history])
        except AppError as error:
            show_error(error)
            return
        if answer.notice:
            st.warning(answer.notice)
        if answer.mode == "llm":
            text = st.write_stream(answer.chunks)
        else:
            # Extractive answers quote the documents verbatim: render them as text, not markup.
            text = plain_text_as_markdown(answer.text())
            st.markdown(text)
        highlights: dict[int, list[str]] = {}
        for highlight in answer.highlights:
            highlights.setdefault(highlight.source_number, []).append(highlight.sentence)
        show_sources(answer.sources, highlights)
    history.append(ChatTurn("user", question))
    history.append(ChatTurn("assistant", str(text), answer.sources, answer.notice, highlights))


def main() -> None:
    st.set_page_config(page_title="Chat with your documents", page_icon="📄", layout="wide")
    st.title("Chat with your documents")
    try:
        settings = load_settings()
        workspace = open_workspace(settings.model_dump_json(), settings)
    except AppError as error:
        show_error(error)
        st.stop()
    sidebar(workspace)
    chat(workspace)


main()

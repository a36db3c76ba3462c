"""Streamlit UI: upload documents, chat with them. Layout only; the work happens in app.workspace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from app.chat.markdown import escape_markdown, highlight_passage, plain_text_as_markdown
from app.chat.question import require_question
from app.config import RETRIEVAL_MODES, Settings, load_settings
from app.embeddings import Embedding, build_embedding
from app.errors import AppError, EmptyQuestionError, FingerprintMismatchError
from app.ingest.chunking import safe_file_name
from app.ingest.pipeline import IngestResult
from app.ingest.progress import IngestProgress
from app.ingest.readers import SUPPORTED_SUFFIXES
from app.retrieval.passage import Passage
from app.status import ComponentStatus, check_services
from app.store.access import LOCAL_ADMIN, User
from app.store.language import language_name
from app.ui.sharing import api_keys_panel, share_panel
from app.ui.sign_in import session_user, sign_in_panel
from app.view.context import TextContext, marked_markdown
from app.view.highlight import closest_sentences
from app.view.page_image import PageRender
from app.workspace import Workspace
from app.workspaces import Workspaces

# Per-session choices, not part of which index is open: changing them must not reopen the workspace.
SESSION_FIELDS = {"top_k", "retrieval_mode", "rerank"}
EMBEDDING_FIELDS = {name for name in Settings.model_fields if name.startswith("embedding_")} | {"vector_type"}


@dataclass
class ChatTurn:
    role: str
    content: str
    sources: list[Passage] = field(default_factory=list)
    notice: str = ""
    highlights: dict[int, list[str]] = field(default_factory=dict)  # source number -> its cited sentences
    mode: str = ""
    query: str = ""


@st.cache_resource(show_spinner="Loading the embedding model…")
def load_embedding(settings_key: str, _settings: Settings) -> Embedding:
    # Shared by every collection: switching collections must not reload the model.
    return build_embedding(_settings)


@st.cache_resource(show_spinner="Opening the index…")
def open_workspace(settings_key: str, _settings: Settings, _owner: User = LOCAL_ADMIN) -> Workspace:
    """The collection `_settings.collection`, opened once for every session, acting as the admin: each session
    takes its user's view (`for_user`). A collection that does not exist yet is created, owned by `_owner`."""
    # Keyed by the settings' JSON: a change of settings (or collection) opens another workspace.
    embedding = load_embedding(_settings.model_dump_json(include=EMBEDDING_FIELDS), _settings)
    return Workspace(_settings, embedding=embedding, user=_owner).for_user(LOCAL_ADMIN)


@st.cache_resource(show_spinner=False)
def open_workspaces(settings_key: str, _settings: Settings) -> Workspaces:
    """Every collection of the data folder: which ones a user may read (opens none)."""
    embedding = load_embedding(_settings.model_dump_json(include=EMBEDDING_FIELDS), _settings)
    return Workspaces(_settings, embedding=embedding)


def readable_collections(settings: Settings, user: User) -> list[str]:
    key = settings.model_dump_json(exclude=SESSION_FIELDS | {"collection"})
    return open_workspaces(key, settings).collection_names(user)


def choose_collection(settings: Settings, user: User) -> str | None:
    """This session's collection: its last choice if `user` may still read it, else the configured one (which
    an admin may open, creating it), else the first one `user` may read; None when they may read none."""
    names = readable_collections(settings, user)
    chosen = st.session_state.get("collection")
    if chosen in names:
        return str(chosen)
    if user.is_admin or settings.collection in names:
        return settings.collection
    return names[0] if names else None


def user_workspace(settings: Settings, user: User) -> Workspace:
    """`user`'s view of the collection `settings.collection` (NotFoundError if they may not read it)."""
    return open_workspace(settings.model_dump_json(exclude=SESSION_FIELDS), settings, user).for_user(user)


@st.cache_data(ttl=60, show_spinner="Checking the services…")
def service_status(settings_key: str, _workspace: Workspace) -> list[ComponentStatus]:
    # Cached for a minute: a down server's timeout must not slow every question.
    return check_services(_workspace.settings, _workspace.embedding, _workspace.client)


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
            language = f", {language_name(result.language)}" if result.language else ""
            st.success(f"{name}: {result.status}, {_count(result.chunks, 'chunk')}{language}{extra}")
        if result.notice:
            st.warning(f"{name}: {escape_markdown(result.notice)}")


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
        f"Index: {escape_markdown(status.collection)} · {_count(status.documents, 'document')} · "
        f"{_count(status.chunks, 'chunk')}  \n"
        f"Answers: {status.llm}"
    )


def collections_panel(workspace: Workspace) -> None:
    """Switch, create and delete collections; the choice lives in this browser session."""
    names = workspace.collection_names()
    current = workspace.collection
    # Keyed by the open collection, so the box shows it after a switch made by a button.
    choice = st.selectbox("Collection", names, index=names.index(current), key=f"collection-{current}")
    if choice != current:
        st.session_state["collection"] = choice
        st.session_state["last_results"] = []  # upload results of the other collection
        st.rerun()
    share_panel(workspace)
    with st.expander("New or delete collection" if workspace.can_manage() else "New collection"):
        name = st.text_input("New collection name", key="new-collection-name")
        if st.button("Create", key="create-collection", icon=":material/add:"):
            st.session_state["collection"] = workspace.create_collection(name)
            st.session_state["last_results"] = []
            st.rerun()
        if not workspace.can_manage():  # the service refuses it too
            return
        if st.session_state.get("confirm-delete") != current:
            if st.button(f"Delete '{current}'", key="remove-collection", icon=":material/delete:"):
                st.session_state["confirm-delete"] = current
                st.rerun()
            return
        documents = len(workspace.documents())
        st.warning(
            f"Delete the collection '{escape_markdown(current)}' and its {_count(documents, 'document')}? "
            "This cannot be undone."
        )
        yes, no = st.columns(2)
        if yes.button("Delete", key="confirm-remove-collection", type="primary"):
            workspace.delete_collection(current)
            open_workspace.clear()  # cached handles to the deleted Chroma collection are stale
            st.session_state.pop("confirm-delete", None)
            remaining = [n for n in workspace.collection_names() if n != current]
            st.session_state["collection"] = remaining[0] if remaining else workspace.settings.collection
            st.session_state["history"] = []
            st.rerun()
        if no.button("Cancel", key="cancel-remove-collection"):
            st.session_state.pop("confirm-delete", None)
            st.rerun()


def documents_panel(workspace: Workspace) -> None:
    """The collection's documents; its owner and admins also upload and delete (the service refuses others)."""
    status_slot = st.empty()  # filled last, so counts include this run's uploads
    manage = workspace.can_manage()
    uploads = None
    if manage:
        uploads = st.file_uploader(
            "Add documents",
            accept_multiple_files=True,
            help=f"Supported: {', '.join(SUPPORTED_SUFFIXES)}",
            key=f"uploader-{workspace.collection}",
        )
    if uploads:
        index_new_uploads(workspace, list(uploads))
    show_results(st.session_state.get("last_results", []))

    for record in workspace.documents():
        language = f" · {language_name(record.language)}" if record.language else ""
        line = f"{record.name} ({_count(record.chunks, 'chunk')}){language}"
        if not manage:
            st.text(line)
            continue
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.text(line)
        if right.button(
            "",
            icon=":material/delete:",
            key=f"delete-{record.sha256}",
            help=f"Remove {record.name} from the index",
        ):
            workspace.delete(record.sha256)
            st.session_state["last_results"] = []
            st.rerun()
    for record in workspace.unfinished_documents():
        st.text(f"{record.name}: {record.status}…")
    with status_slot.container():
        show_status(workspace)


def retrieval_panel(settings: Settings) -> None:
    """Widgets bound to this session's retrieval choices (defaults: the settings)."""
    st.slider("Passages per question (top-k)", 1, 20, value=min(settings.top_k, 20), key="top_k")
    st.radio(
        "Search mode",
        RETRIEVAL_MODES,
        index=RETRIEVAL_MODES.index(settings.retrieval_mode),
        key="retrieval_mode",
        horizontal=True,
        help="dense: meaning (vectors) · keyword: exact words (BM25) · hybrid: both, fused",
    )
    st.toggle("Rerank (late interaction)", value=settings.rerank, key="rerank")


def status_panel(workspace: Workspace) -> None:
    if st.button("Check again", key="recheck-services", icon=":material/refresh:"):
        service_status.clear()
    for component in service_status(workspace.settings.model_dump_json(), workspace):
        mark = ":material/check_circle:" if component.ok else ":material/error:"
        line = f"{mark} **{component.name}**: {escape_markdown(component.detail)}"
        if component.ok:
            st.markdown(line)
            if component.hint:
                st.caption(escape_markdown(component.hint))
        else:
            st.error(line)
            if component.hint:
                st.info(escape_markdown(component.hint))


def guarded(action: Callable[[], None]) -> None:
    """Run one part of the page; a typed error becomes a notice there and the rest of the page still works."""
    try:
        action()
    except AppError as error:
        show_error(error)


def sidebar(workspace: Workspace) -> None:
    with st.sidebar:
        sign_in_panel(workspace.settings, workspace.user)
        st.header("Collection")
        guarded(lambda: collections_panel(workspace))
        st.header("Documents")
        guarded(lambda: documents_panel(workspace))
        st.header("Retrieval")
        retrieval_panel(workspace.settings)
        if workspace.settings.sign_in_configured:  # a key acts as a signed-in user
            guarded(lambda: api_keys_panel(workspace))
        with st.expander("Status of the services"):
            guarded(lambda: status_panel(workspace))


def first_collection(settings: Settings, user: User) -> None:
    """For a user who may read no collection yet: say so, and let them make their own."""
    with st.sidebar:
        sign_in_panel(settings, user)
    st.info(
        "You have no collection yet. Create one for your documents, or ask a colleague to share theirs with you "
        "(they type your e-mail address or one of your groups under Share)."
    )
    name = st.text_input("New collection name", key="first-collection-name")
    if st.button("Create collection", key="create-first-collection", icon=":material/add:", type="primary"):
        try:
            created = user_workspace(settings.model_copy(update={"collection": name.strip()}), user)
        except AppError as error:
            show_error(error)
            return
        st.session_state["collection"] = created.collection
        st.rerun()


def download_buttons(workspace: Workspace, sources: list[Passage], turn_key: str) -> None:
    """One download button per cited document, serving the original file kept at upload."""
    seen: set[str] = set()
    for passage in sources:
        if passage.doc_sha in seen:
            continue
        seen.add(passage.doc_sha)
        path = workspace.source_path(passage.doc_sha)
        if path is None:
            st.caption(f"{escape_markdown(passage.file_name)}: the original file is no longer in this collection.")
            continue
        st.download_button(
            f"Download {passage.file_name}",
            data=path.read_bytes(),
            file_name=passage.file_name,
            key=f"download-{turn_key}-{passage.doc_sha}",
            icon=":material/download:",
        )


SOURCE_WIDTH_PX = 700  # the page image in the Sources panel
BIG_WIDTH_PX = 1400  # the page image in the bigger view


def _turn_page(page_key: str, page: int) -> None:
    st.session_state[page_key] = page


def page_buttons(view: PageRender, page_key: str, key: str) -> None:
    back, forward = st.columns(2)
    back.button(
        "Previous page",
        key=f"back-{key}",
        icon=":material/arrow_back:",
        disabled=view.page <= 1,
        on_click=_turn_page,
        args=(page_key, view.page - 1),
    )
    forward.button(
        "Next page",
        key=f"next-{key}",
        icon=":material/arrow_forward:",
        disabled=view.page >= view.pages,
        on_click=_turn_page,
        args=(page_key, view.page + 1),
    )


def _page_caption(view: PageRender) -> str:
    return f"Page {view.page} of {view.pages}" + (" (words found by OCR)" if view.ocr else "")


@st.dialog("Page view", width="large")
def bigger_view(workspace: Workspace, passage: Passage, sentences: list[str], page_key: str) -> None:
    view = workspace.page_view(passage, sentences, BIG_WIDTH_PX, st.session_state.get(page_key))
    if isinstance(view, PageRender):
        st.image(view.png, caption=_page_caption(view))
        page_buttons(view, page_key, f"big-{page_key}")


def show_text_context(view: TextContext) -> None:
    """A passage among its neighbouring text, or a sheet's rows as a table; every piece escaped."""
    if view.kind == "sheet":
        import pandas as pd

        frame = pd.DataFrame(view.rows, columns=view.header)
        frame.insert(0, "cited", ["✓" if i in view.cited_rows else "" for i in range(len(view.rows))])
        st.dataframe(frame, hide_index=True)  # cells are shown as text, never as markup
        return
    if view.before:
        st.caption(escape_markdown(view.before))
    st.markdown(marked_markdown(view.passage))
    if view.after:
        st.caption(escape_markdown(view.after))


def show_source_view(workspace: Workspace, passage: Passage, sentences: list[str], key: str) -> None:
    """The cited passage where it stands: its page image (PDF) with paging and a bigger view, or its text in context."""
    page_key = f"page-{key}"
    view = workspace.page_view(passage, sentences, SOURCE_WIDTH_PX, st.session_state.get(page_key))
    if isinstance(view, TextContext):
        show_text_context(view)
        return
    with st.container(key=f"page-view-{key}"):
        st.image(view.png, caption=_page_caption(view))
    page_buttons(view, page_key, key)
    if st.button("Bigger view", key=f"bigger-{key}", icon=":material/zoom_in:"):
        bigger_view(workspace, passage, sentences, page_key)
    st.markdown(highlight_passage(passage.text, sentences))


def show_sources(
    workspace: Workspace, sources: list[Passage], highlights: dict[int, list[str]], turn_key: str, mode: str = ""
) -> None:
    if not sources:
        return
    label = "Closest passages" if mode == "not_found" else "Sources"
    with st.expander(f"{label} ({len(sources)})"):
        for number, passage in enumerate(sources, start=1):
            where = f", {escape_markdown(passage.location)}" if passage.location else ""
            st.markdown(f"**[{number}] {escape_markdown(passage.file_name)}{where}** · score {passage.score:.2f}")
            sentences = highlights.get(number, [])
            guarded(partial(show_source_view, workspace, passage, sentences, f"{turn_key}-{number}"))
        guarded(lambda: download_buttons(workspace, sources, turn_key))


def show_turn(workspace: Workspace, turn: ChatTurn, turn_key: str) -> None:
    with st.chat_message(turn.role):
        if turn.notice:
            st.warning(escape_markdown(turn.notice))
        if turn.query:
            st.caption(f"Searched for: {escape_markdown(turn.query)}")
        st.markdown(escape_markdown(turn.content) if turn.role == "user" else turn.content)
        show_sources(workspace, turn.sources, turn.highlights, turn_key, turn.mode)


def chat(workspace: Workspace) -> None:
    history: list[ChatTurn] = st.session_state.setdefault("history", [])
    for number, turn in enumerate(history):
        show_turn(workspace, turn, str(number))
    question = st.chat_input("Ask a question about your documents")
    if question is None:
        return
    try:
        require_question(question)  # the input box sends a question of only spaces
    except EmptyQuestionError as error:
        show_error(error)
        return
    show_turn(workspace, ChatTurn("user", question), "question")
    with st.chat_message("assistant"):
        try:
            with st.spinner("Searching your documents…"):
                answer = workspace.ask(
                    question,
                    history=[(t.role, t.content) for t in history],
                    top_k=st.session_state.get("top_k"),
                    mode=st.session_state.get("retrieval_mode"),
                    rerank=st.session_state.get("rerank"),
                )
        except AppError as error:
            show_error(error)
            return
        if answer.notice:
            st.warning(escape_markdown(answer.notice))
        query = answer.query if answer.query != question else ""
        if query:
            st.caption(f"Searched for: {escape_markdown(query)}")
        if answer.mode == "llm":
            text = st.write_stream(answer.chunks)
        else:
            # Extractive answers quote the documents verbatim: render them as text, not markup.
            text = plain_text_as_markdown(answer.text())
            st.markdown(text)
        highlights: dict[int, list[str]] = {}
        for highlight in answer.highlights:
            highlights.setdefault(highlight.source_number, []).append(highlight.sentence)
        if answer.mode == "llm":
            highlights = answer_highlights(workspace, str(text), answer.sources)
        show_sources(workspace, answer.sources, highlights, str(len(history) + 1), answer.mode)
    history.append(ChatTurn("user", question))
    history.append(ChatTurn("assistant", str(text), answer.sources, answer.notice, highlights, answer.mode, query))


def answer_highlights(workspace: Workspace, text: str, sources: list[Passage]) -> dict[int, list[str]]:
    """An LLM answer's highlights: in each source, the sentences closest to the answer."""
    try:
        return closest_sentences(text, [passage.text for passage in sources], workspace.embedding)
    except AppError as error:  # the embedding server went away after the answer: sources show unmarked
        show_error(error)
        return {}


def offer_reindex(settings: Settings, error: FingerprintMismatchError, user: User) -> None:
    """The banner shown when the configured embedding model is not the one the index was built with."""
    st.warning(escape_markdown(error.message))
    st.info(escape_markdown(error.hint))
    if not user.is_admin:
        st.info("Ask an admin to re-index it.")
        return
    if not st.button("Re-index all documents", key="reindex", type="primary"):
        return
    bar = st.progress(0.0, text="Starting…")

    def on_progress(event: IngestProgress) -> None:
        bar.progress(event.fraction, text=escape_markdown(event.describe()))

    try:
        embedding = load_embedding(settings.model_dump_json(include=EMBEDDING_FIELDS), settings)
        report = Workspace.reindex(settings, embedding=embedding, progress=on_progress)
    except AppError as failure:
        show_error(failure)
        return
    if not report.switched:
        for result in report.problems:
            st.error(escape_markdown(f"{result.file_name}: {result.message}"))
        st.error("The new index is incomplete, so the old one stays in service. Fix the files above and retry.")
        return
    st.session_state["reindexed"] = (
        f"Re-indexed {report.new.documents} documents ({report.new.chunks} chunks) with "
        f"{report.new.fingerprint.describe() if report.new.fingerprint else 'the configured model'}."
    )
    open_workspace.clear()
    st.rerun()


def main() -> None:
    st.set_page_config(page_title="Chat with your documents", page_icon="📄", layout="wide")
    st.title("Chat with your documents")
    try:
        settings = load_settings()
    except AppError as error:
        show_error(error)
        st.stop()
    user = session_user(settings)
    try:
        chosen = choose_collection(settings, user)
        if chosen is None:
            first_collection(settings, user)
            st.stop()
        settings = settings.model_copy(update={"collection": chosen})
        workspace = user_workspace(settings, user)
    except FingerprintMismatchError as error:
        offer_reindex(settings, error, user)
        st.stop()
    except AppError as error:
        show_error(error)
        st.stop()
    if "reindexed" in st.session_state:
        st.success(escape_markdown(st.session_state.pop("reindexed")))
    sidebar(workspace)
    chat(workspace)


# Streamlit runs this file as `__main__` (`streamlit run` and AppTest alike); tests import its functions.
if __name__ == "__main__":
    main()

"""`python -m app eval --qa FILE.jsonl`: does retrieval find the right file, place and words for a user's questions?

The question file holds one JSON object a line:

    {"id": "q1", "question": "What was the 2022 revenue?", "file": "reports/2022.pdf", "pages": [4],
     "answer": "$8.4 billion", "evidence": ["Net revenues of $8.4 billion in the current year"]}

- `question` (required): asked as it is.
- `file` (required): the gold document, as its path relative to the documents folder ("/" separators);
  for a flat folder that is the file name.
- gold locations, all optional, any of: `pages` (1-based page numbers of a PDF), `slides` (1-based slide
  numbers of a .pptx), `sheets` (sheet names of a spreadsheet), `sections` (heading texts of a .docx,
  Markdown or HTML file).
- `answer` (optional): a string the answer contains, looked for as whole words.
- `evidence` (optional): excerpts of the gold text; a passage holding 8 consecutive words of one counts
  (the whole excerpt when it is shorter).
- `id` (optional, default: the line number); other fields (FinanceBench's `company`, `type`) are ignored.

Metrics, for k = 1, 3, 5 over the top-k passages the app cites:
- doc@k: the gold file is among their files.
- location@k: one of them is from the gold file at a gold location (for a PDF, page@k); scored over the
  questions that give a location.
- answer@k: one of them holds the answer string or an evidence window, compared with case and runs of
  whitespace normalised; scored over the questions that give an answer or evidence.

The documents are ingested with the app's own pipeline into an index in the cache folder (one per distinct
embedding and chunking, reused by later runs, kept to exactly the folder's files), and each question goes
through `Workspace.retrieve` with the settings in force (RETRIEVAL_MODE, RERANK, ...).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.config import Settings
from app.errors import ConfigError
from app.eval.run import cached_embedding, cached_workspace
from app.ingest.chunking import content_sha256
from app.ingest.progress import IngestProgress
from app.ingest.readers import SUPPORTED_SUFFIXES
from app.retrieval.passage import Passage

CUTOFFS = (1, 3, 5)
METRICS = ("doc", "location", "answer")
EVIDENCE_WINDOW = 8  # words of an evidence excerpt that must appear together: the data set README's rule
LOCATION_FIELDS = ("pages", "slides", "sheets", "sections")


@dataclass(frozen=True)
class QaItem:
    """One question with its gold file, locations and expected text."""

    id: str
    question: str
    file: str
    pages: tuple[int, ...] = ()
    slides: tuple[int, ...] = ()
    sheets: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    answer: str = ""
    evidence: tuple[str, ...] = ()

    @property
    def has_location(self) -> bool:
        return bool(self.pages or self.slides or self.sheets or self.sections)

    @property
    def has_answer(self) -> bool:
        return bool(self.answer.strip() or any(excerpt.strip() for excerpt in self.evidence))

    def gold(self) -> str:
        """The gold file and locations, as a reader of the misses file wants them."""
        places = [
            *(f"page {n}" for n in self.pages),
            *(f"slide {n}" for n in self.slides),
            *(f'sheet "{name}"' for name in self.sheets),
            *(f'section "{name}"' for name in self.sections),
        ]
        return f"{self.file}, {' or '.join(places)}" if places else self.file


@dataclass(frozen=True)
class Citation:
    """A retrieved passage as the metrics see it: the file (path relative to the documents folder),
    its location string ('page 3', 'slide 2', 'sheet "Q1", rows 2-21', 'section "Risks"') and text."""

    file: str
    location: str
    text: str

    def describe(self) -> str:
        return f"{self.file}, {self.location}" if self.location else self.file


def _problem(path: Path, number: int, what: str) -> ConfigError:
    return ConfigError(
        f"Line {number} of '{path}': {what}.",
        "Each line must be a JSON object with `question`, `file` and optional `pages`, `slides`, `sheets`, "
        "`sections`, `answer`, `evidence` (see `python -m app eval --help`).",
    )


def _strings(row: dict[str, object], name: str, path: Path, number: int) -> tuple[str, ...]:
    value = row.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _problem(path, number, f"`{name}` must be a list of strings")
    return tuple(value)


def _numbers(row: dict[str, object], name: str, path: Path, number: int) -> tuple[int, ...]:
    value = row.get(name) or []
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in value):
        raise _problem(path, number, f"`{name}` must be a list of 1-based numbers")
    return tuple(value)


def load_questions(path: Path) -> list[QaItem]:
    """The questions of a JSON-lines file (schema in the module docstring).

    Raises ConfigError naming the line of a malformed question, or when the file has none.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the questions '{path}': {exc}.", "Point --qa at a .jsonl file.") from exc
    items: list[QaItem] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise _problem(path, number, f"not JSON ({exc})") from exc
        if not isinstance(row, dict):
            raise _problem(path, number, "not a JSON object")
        question, gold_file, answer = row.get("question"), row.get("file"), row.get("answer") or ""
        if not isinstance(question, str) or not question.strip():
            raise _problem(path, number, "no `question`")
        if not isinstance(gold_file, str) or not gold_file.strip():
            raise _problem(path, number, "no gold `file`")
        if not isinstance(answer, str):
            answer = str(answer)  # FinanceBench-like sets give some answers as bare numbers
        item = QaItem(
            id=str(row.get("id") or f"line {number}"),
            question=question,
            file=gold_file.replace("\\", "/").removeprefix("./"),
            pages=_numbers(row, "pages", path, number),
            slides=_numbers(row, "slides", path, number),
            sheets=_strings(row, "sheets", path, number),
            sections=_strings(row, "sections", path, number),
            answer=answer,
            evidence=_strings(row, "evidence", path, number),
        )
        if not item.has_location and not item.has_answer:
            raise _problem(path, number, "neither a gold location (`pages`, ...) nor an `answer` or `evidence`")
        items.append(item)
    if not items:
        raise ConfigError(f"'{path}' holds no questions.", "Write one JSON object a line.")
    return items


# --- metrics -------------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, every run of whitespace one space: PDF text breaks lines where the excerpt does not."""
    return " ".join(text.lower().split())


def evidence_windows(excerpt: str, size: int = EVIDENCE_WINDOW) -> list[str]:
    """Every run of `size` consecutive words of `excerpt`, normalised (the whole excerpt when shorter)."""
    words = normalise(excerpt).split()
    if len(words) <= size:
        return [" ".join(words)] if words else []
    return [" ".join(words[start : start + size]) for start in range(len(words) - size + 1)]


def holds_answer(item: QaItem, text: str) -> bool:
    """Does `text` hold the item's answer (as whole words) or a window of one of its evidence excerpts?"""
    passage = normalise(text)
    answer = normalise(item.answer)
    # Whole words only: a short answer such as "12" must not be found inside "2012".
    if answer and re.search(rf"(?<!\w){re.escape(answer)}(?!\w)", passage):
        return True
    # Windows match as plain substrings: an excerpt may start or end inside a word.
    return any(window in passage for excerpt in item.evidence for window in evidence_windows(excerpt))


_PAGES = re.compile(r"\bpages? (\d+)(?:\s*[-–]\s*(\d+))?")
_SLIDES = re.compile(r"\bslides? (\d+)(?:\s*[-–]\s*(\d+))?")
_SHEET = re.compile(r'\bsheet "([^"]*)"')
_SECTION = re.compile(r'\bsection "([^"]*)"')


def _in_ranges(pattern: re.Pattern[str], location: str, gold: Iterable[int]) -> bool:
    spans = [(int(low), int(high or low)) for low, high in pattern.findall(location)]
    return any(low <= number <= high for number in gold for low, high in spans)


def at_gold_location(item: QaItem, location: str) -> bool:
    """Is a passage cited at `location` ('page 3', 'pages 3-4', 'slide 2', 'sheet "Q1", rows 2-21',
    'section "Risks"') at one of the item's gold locations? Names compare with case and spaces normalised."""
    sheets = {normalise(name) for name in item.sheets}
    sections = {normalise(name) for name in item.sections}
    return (
        _in_ranges(_PAGES, location, item.pages)
        or _in_ranges(_SLIDES, location, item.slides)
        or any(normalise(name) in sheets for name in _SHEET.findall(location))
        or any(normalise(name) in sections for name in _SECTION.findall(location))
    )


@dataclass(frozen=True)
class QuestionScore:
    """Hits of one question: `hits["doc@3"]` is True/False, None when the question gives nothing to score it by."""

    id: str
    question: str
    gold: str
    hits: dict[str, bool | None]
    cited: list[str]  # the top-k citations, best first

    def misses(self) -> str:
        """'doc@1 location@1,3' style: each metric with the cutoffs it missed; 'none' for a perfect question."""
        parts = []
        for metric in METRICS:
            missed = [str(k) for k in CUTOFFS if self.hits[f"{metric}@{k}"] is False]
            if missed:
                parts.append(f"{metric}@{','.join(missed)}")
        return " ".join(parts) or "none"


def score_question(item: QaItem, citations: Sequence[Citation]) -> QuestionScore:
    """doc@k, location@k and answer@k of one question for k in CUTOFFS; `citations` best first."""
    hits: dict[str, bool | None] = {}
    for k in CUTOFFS:
        top = citations[:k]
        gold = [citation for citation in top if citation.file == item.file]
        hits[f"doc@{k}"] = bool(gold)
        location = any(at_gold_location(item, citation.location) for citation in gold)
        hits[f"location@{k}"] = location if item.has_location else None
        answer = any(holds_answer(item, citation.text) for citation in top)
        hits[f"answer@{k}"] = answer if item.has_answer else None
    top_k = citations[: max(CUTOFFS)]
    return QuestionScore(item.id, item.question, item.gold(), hits, [citation.describe() for citation in top_k])


@dataclass(frozen=True)
class QaScores:
    """Mean hit rates, 0..1, with the number of questions each is over (`scored`)."""

    rates: dict[str, float]
    scored: dict[str, int]
    questions: list[QuestionScore] = field(default_factory=list)


def summarise(scores: Sequence[QuestionScore]) -> QaScores:
    rates: dict[str, float] = {}
    scored: dict[str, int] = {}
    for metric in METRICS:
        for k in CUTOFFS:
            name = f"{metric}@{k}"
            values = [score.hits[name] for score in scores if score.hits[name] is not None]
            scored[name] = len(values)
            rates[name] = round(sum(bool(value) for value in values) / len(values), 4) if values else 0.0
    return QaScores(rates, scored, list(scores))


# --- report --------------------------------------------------------------------------------------------------


def scores_table(columns: dict[str, QaScores]) -> str:
    """A Markdown table: one row per metric@k, one column per run (e.g. the app and a baseline), in percent."""
    names = list(columns)
    lines = ["| Metric | " + " | ".join(names) + " | Questions |", "|---|" + "---|" * (len(names) + 1)]
    first = columns[names[0]]
    for metric in METRICS:
        for k in CUTOFFS:
            name = f"{metric}@{k}"
            if not first.scored[name]:
                continue
            cells = " | ".join(f"{100 * columns[column].rates[name]:.1f}%" for column in names)
            lines.append(f"| {name} | {cells} | {first.scored[name]} |")
    return "\n".join(lines)


def misses_lines(scores: QaScores) -> list[str]:
    """Per question, tab-separated: id, the metrics@k it missed, gold, the top citations, the question."""
    return [
        "\t".join([score.id, score.misses(), f"gold: {score.gold}", "top: " + " | ".join(score.cited), score.question])
        for score in scores.questions
    ]


def write_outputs(scores: QaScores, out_dir: Path, title: str, command: str) -> tuple[Path, Path, Path]:
    """qa-results.json (rates, counts and every question's hits), qa-results.md and qa-misses.txt in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path, misses_path = out_dir / "qa-results.json", out_dir / "qa-results.md", out_dir / "qa-misses.txt"
    payload = {"title": title, "command": command, **asdict(scores)}
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(f"# {title}\n\n`{command}`\n\n{scores_table({'app': scores})}\n")
    misses_path.write_text("\n".join(misses_lines(scores)) + "\n")
    return json_path, md_path, misses_path


def read_scores(path: Path) -> QaScores:
    """The scores a `qa-results.json` holds (written by `write_outputs`)."""
    payload = json.loads(path.read_text())
    questions = [QuestionScore(**question) for question in payload["questions"]]
    return QaScores(payload["rates"], payload["scored"], questions)


# --- running through the app ---------------------------------------------------------------------------------


def default_docs_folder(qa_file: Path) -> Path:
    """A `files/` folder beside the question file if there is one, else the question file's own folder."""
    beside = qa_file.parent / "files"
    return beside if beside.is_dir() else qa_file.parent


def document_files(folder: Path, skip: Path | None = None) -> list[tuple[str, bytes]]:
    """(path relative to `folder` with "/" separators, content) of every readable file under it, sorted.

    Hidden files, files of unsupported types and `skip` (the question file itself) are left out.
    Raises ConfigError when the folder is missing or holds no document.
    """
    if not folder.is_dir():
        raise ConfigError(f"The documents folder '{folder}' does not exist.", "Point --docs at the documents.")
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        hidden = any(part.startswith(".") for part in relative.parts)
        if hidden or not path.is_file() or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        if skip is not None and path.resolve() == skip.resolve():
            continue
        files.append((relative.as_posix(), path.read_bytes()))
    if not files:
        raise ConfigError(
            f"'{folder}' holds no document of a supported type ({', '.join(SUPPORTED_SUFFIXES)}).",
            "Point --docs at the folder of the documents the questions are about.",
        )
    return files


def question_set(qa_file: Path, docs: Path | None = None) -> tuple[list[QaItem], Path, list[tuple[str, bytes]]]:
    """The questions of `qa_file`, their documents folder (`docs`, default: `default_docs_folder`) and its files.

    Raises ConfigError for a malformed question file, a missing or empty folder, or a gold file not in it.
    """
    items = load_questions(qa_file)
    folder = docs or default_docs_folder(qa_file)
    files = document_files(folder, skip=qa_file)
    check_gold_files(items, files, folder)
    return items, folder, files


class QaEvaluation:
    """The documents of one folder, indexed by the app in the cache, and the questions asked of them."""

    def __init__(
        self,
        settings: Settings,
        files: Sequence[tuple[str, bytes]],
        cache_dir: Path,
        name: str,
        report: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
    ) -> None:
        self.files = list(files)
        self.report = report
        self.names: dict[str, list[str]] = {}  # content sha256 -> relative paths (identical files share one)
        for path, content in self.files:
            self.names.setdefault(content_sha256(content), []).append(path)
        # The rerank reads token vectors stored at ingest time: an index without them is another index.
        token_store = settings.rerank or settings.token_store
        settings = settings.model_copy(update={"token_store": token_store})
        self.workspace = cached_workspace(
            settings, cached_embedding(settings, cache_dir), cache_dir, name + ("+tokens" if token_store else "")
        )

    def ingest(self) -> None:
        """Bring the cached index to exactly the folder's files: drop others, add new or changed ones."""
        workspace = self.workspace
        for record in workspace.documents():
            if record.sha256 not in self.names:
                self.report(f"  dropping {record.name} from the eval index: no longer in the folder")
                workspace.delete(record.sha256)
        # Named by their paths relative to the folder, as `python -m app ingest FOLDER` names them.
        results = workspace.ingest(self.files, progress=self._file_done, named_by_path=True)
        skipped = sum(result.status == "skipped" for result in results)
        self.report(f"  index: {len(results)} files, {skipped} of them already indexed")
        for result in results:
            if result.status == "failed":
                self.report(f"  failed {result.file_name}: {result.message} (its questions will miss)")

    def _file_done(self, event: IngestProgress) -> None:
        if event.stage == "done":  # a filing takes minutes on a CPU model: say which one is done
            self.report(f"  {event.file_number}/{event.file_count} {event.file_name} ({event.elapsed:.0f} s)")

    def citations(self, passages: Sequence[Passage], gold_file: str) -> list[Citation]:
        citations = []
        for passage in passages:
            names = self.names.get(passage.doc_sha) or [passage.file_name]
            # Identical files are one document in the index: it is the gold one if any of its names is.
            name = gold_file if gold_file in names else names[0]
            citations.append(Citation(name, passage.location, passage.text))
        return citations

    def run(self, items: Sequence[QaItem]) -> QaScores:
        options = self.workspace.search_options(top_k=max(CUTOFFS))
        scores = []
        for number, item in enumerate(items, start=1):
            passages = self.workspace.retrieve(item.question, options=options)
            scores.append(score_question(item, self.citations(passages, item.file)))
            if number % 50 == 0:
                self.report(f"  {number}/{len(items)} questions")
        return summarise(scores)


def check_gold_files(items: Sequence[QaItem], files: Sequence[tuple[str, bytes]], folder: Path) -> None:
    """Raises ConfigError when a question names a gold file the folder does not hold (a typo scores 0 silently)."""
    present = {path for path, _ in files}
    missing = sorted({item.file for item in items} - present)
    if missing:
        raise ConfigError(
            f"{len(missing)} gold file(s) of the questions are not in '{folder}', e.g. '{missing[0]}'.",
            "Give `file` as the path relative to the documents folder (--docs), with / between folders.",
        )


def index_name(folder: Path) -> str:
    """The cache subfolder of a documents folder: its name, and a hash of its full path so two folders of
    one name do not share (and prune) one index."""
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:8]
    return f"qa-{folder.resolve().name}-{digest}"

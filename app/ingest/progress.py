"""Progress of an ingest batch: the events front ends show (stage, counts, rate, ETA) and the cancel check."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from app.errors import IngestCancelledError

Stage = Literal["reading", "embedding", "sentences", "storing", "done"]
"""`sentences`: the sentence vectors after the chunks (SENTENCE_WEIGHT); its counts are sentences, not chunks."""


@dataclass(frozen=True)
class IngestProgress:
    file_name: str
    file_number: int  # 1-based
    file_count: int
    stage: Stage
    chunks_done: int = 0
    chunks_total: int = 0
    pages: int = 0  # pages, slides or sheets of this file (0 until read, or for formats without pages)
    elapsed: float = 0.0  # seconds since the batch started
    embeddings_done: int = 0  # vectors computed in this batch so far
    embedding_seconds: float = 0.0  # time the batch spent waiting for the embedding model
    pages_read: int = 0  # pages of this file read so far (text extraction, OCR)

    @property
    def fraction(self) -> float:
        """Overall progress of the batch, 0..1."""
        reading = 0.05 * self.pages_read / self.pages if self.pages else 0.0
        within = {"reading": reading, "sentences": 0.95, "storing": 0.95, "done": 1.0}.get(self.stage)
        if within is None:
            within = 0.05 + 0.9 * (self.chunks_done / self.chunks_total if self.chunks_total else 0.0)
        return round(min(1.0, (self.file_number - 1 + within) / max(self.file_count, 1)), 4)

    @property
    def embeddings_per_second(self) -> float | None:
        if self.embeddings_done == 0 or self.embedding_seconds <= 0:
            return None
        return self.embeddings_done / self.embedding_seconds

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left if the rest goes at the pace so far; None until there is a pace to go by."""
        fraction = self.fraction
        if fraction < 0.02 or self.elapsed < 1.0 or self.stage == "sentences":  # the fraction waits at 95% meanwhile
            return None
        return self.elapsed * (1 - fraction) / fraction

    def describe(self) -> str:
        pages = f" ({self.pages} pages)" if self.pages else ""
        head = f"{self.file_number}/{self.file_count} {self.file_name}{pages}"
        if self.stage == "embedding":
            text = f"{head}: embedding {self.chunks_done}/{self.chunks_total} chunks"
        elif self.stage == "sentences":
            text = f"{head}: embedding sentences {self.chunks_done}/{self.chunks_total}"
        elif self.stage == "reading" and self.pages_read:
            text = f"{head}: reading page {self.pages_read}"
        else:
            text = f"{head}: {self.stage}"
        rate = self.embeddings_per_second
        if rate is not None and self.stage != "sentences":  # the rate counts chunks and sentences alike
            text += f" · {rate:.3g} chunks/s"
        eta = self.eta_seconds
        if eta is not None and self.stage != "done":
            text += f" · about {_duration(eta)} left"
        return text


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


ProgressCallback = Callable[[IngestProgress], None]


@dataclass
class IngestBatch:
    """Counters of one ingest_many call, for rates and the ETA, and its cancel flag."""

    started: float = field(default_factory=time.monotonic)
    embeddings: int = 0
    embedding_seconds: float = 0.0
    cancel: threading.Event | None = None

    def check_cancel(self) -> None:
        """Raises IngestCancelledError once the batch's cancel flag is set."""
        if self.cancel is not None and self.cancel.is_set():
            raise IngestCancelledError("Cancelled.")

    def add_embeddings(self, count: int, seconds: float) -> None:
        self.embeddings += count
        self.embedding_seconds += seconds


@dataclass
class FileProgress:
    """Where one file of a batch is: each `report` sends an IngestProgress event to `callback`, if any."""

    file_name: str
    number: int  # 1-based
    count: int
    batch: IngestBatch
    callback: ProgressCallback | None = None
    pages: int = 0
    pages_read: int = 0

    def report(self, stage: Stage, done: int = 0, total: int = 0) -> None:
        if self.callback is None:
            return
        self.callback(
            IngestProgress(
                self.file_name,
                self.number,
                self.count,
                stage,
                done,
                total,
                pages=self.pages,
                elapsed=time.monotonic() - self.batch.started,
                embeddings_done=self.batch.embeddings,
                embedding_seconds=self.batch.embedding_seconds,
                pages_read=self.pages_read,
            )
        )

    def page_read(self, number: int, total: int) -> None:
        """A reader's page callback. Raises IngestCancelledError: a long PDF (OCR above all) can be
        cancelled while it is read."""
        self.batch.check_cancel()
        self.pages, self.pages_read = total, number
        self.report("reading")

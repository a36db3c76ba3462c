"""What every long CLI job shares: one progress line on stderr, and Ctrl-C that stops between steps."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ingest.progress import IngestProgress


def print_progress(event: IngestProgress) -> None:
    """Rewrite one stderr line with the batch's progress while files are read and embedded."""
    if event.stage in ("reading", "embedding", "sentences"):
        print(f"\r[{event.fraction:6.1%}] {event.describe()}".ljust(110), end="", file=sys.stderr, flush=True)


@contextmanager
def cancel_on_interrupt() -> Iterator[threading.Event]:
    """The first Ctrl-C asks the job to stop after the current embedding request (nothing half-written);
    a second one interrupts at once (the pipeline still rolls back the document in progress)."""
    cancel = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum: int, frame: object) -> None:
        cancel.set()
        print("\ncancelling after the current step (Ctrl-C again to stop at once)…", file=sys.stderr, flush=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)

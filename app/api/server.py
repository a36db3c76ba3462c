"""`python -m app serve-api`: load the model once, then serve the API with uvicorn until stopped."""

from __future__ import annotations

import logging

import uvicorn

from app.api.app import create_app
from app.config import Settings
from app.workspaces import Workspaces

log = logging.getLogger(__name__)


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Serve every collection of `settings.data_dir` on `host`:`port` (default API_HOST, API_PORT) until
    interrupted. Raises ConfigError and StoreError as opening `Workspaces` does (before listening)."""
    app = create_app(Workspaces(settings))
    host, port = host or settings.api_host, port or settings.api_port
    log.info("HTTP API on http://%s:%d (docs at /docs)", host, port)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)

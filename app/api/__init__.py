"""The HTTP API (`python -m app serve-api`): OpenAI-compatible chat completions, search, collections and their
documents, for many users through `app.workspaces.Workspaces`; each request acts as the user its API key
belongs to.

Modules: `app` (the FastAPI app and its routes), `schemas` (request and response bodies), `answers` (an
`Answer` as OpenAI chat completion objects, with the UI's citations), `errors` (AppError -> HTTP status and
an OpenAI-style `{"error": ...}` body), `server` (uvicorn). FastAPI is imported only here, never by `--help`.
"""

from __future__ import annotations

"""One limit on passages per question, whichever front end asks: TOP_K, the HTTP API and the MCP tools."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from app.api.schemas import SearchRequest
from app.config import MAX_TOP_K, Settings
from app.mcp_server.server import TopK


def test_every_front_end_takes_up_to_the_same_number_of_passages_and_refuses_more() -> None:
    assert MAX_TOP_K == 100
    assert Settings(TOP_K=MAX_TOP_K).top_k == TypeAdapter(TopK).validate_python(MAX_TOP_K) == MAX_TOP_K
    assert SearchRequest(collection="documents", query="refund window", top_k=MAX_TOP_K).top_k == MAX_TOP_K
    for refused in (
        lambda: Settings(TOP_K=MAX_TOP_K + 1),
        lambda: TypeAdapter(TopK).validate_python(MAX_TOP_K + 1),
        lambda: SearchRequest(collection="documents", query="refund window", top_k=MAX_TOP_K + 1),
    ):
        with pytest.raises(ValidationError):
            refused()

"""The MCP server: `search`, `ask` and `list_collections` over the collections an API key's user may read.

`tools` holds what each tool does and returns (through `app.workspaces.Workspaces` only); `server` registers
them on the official SDK's `MCPServer`, says whose key a call acts with (stdio: `RAG_API_KEY`; streamable
HTTP: each request's `Authorization: Bearer` header) and runs it. Started by `python -m app mcp [--http]`.
Importing this package imports neither the SDK nor the models.
"""

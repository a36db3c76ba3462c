"""Chat with your documents: Streamlit + LlamaIndex + Chroma, embeddings from a local model or vLLM."""

import os

# Left to spin, torch's OpenMP threads hold a core for a while after each parallel region, and the rest of
# a question (Chroma, BM25, MaxSim) waits for it: hybrid + rerank p95 150 -> 76 ms at 12k chunks, ingest
# unchanged (README, "Retrieval quality"). OpenMP reads this when torch loads; a value already set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

"""The file suffixes the app reads, in a module that imports nothing.

Front ends list them in their help without importing the readers (and LlamaIndex with them);
`app.ingest.readers.FORMATS` holds a reader for each, which tests/unit/test_readers.py checks.
"""

SUPPORTED_SUFFIXES = (
    ".csv",
    ".docx",
    ".eml",
    ".htm",
    ".html",
    ".jpeg",
    ".jpg",
    ".markdown",
    ".md",
    ".odt",
    ".pdf",
    ".png",
    ".pptx",
    ".txt",
    ".xlsx",
)

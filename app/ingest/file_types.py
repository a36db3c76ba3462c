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
    ".odp",
    ".ods",
    ".odt",
    ".pdf",
    ".png",
    ".pptx",
    ".txt",
    ".xlsx",
)

# What to do with a file in a format the app does not read, where one step turns it into one it does.
LEGACY_FORMAT_FIXES = {
    ".doc": "Open it in Word or LibreOffice and save it as .docx (Word Document), then upload that.",
    ".xls": "Open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook), then upload that.",
    ".ppt": "Open it in PowerPoint or LibreOffice and save it as .pptx (PowerPoint Presentation), then upload that.",
    ".msg": "Save the message from your mail client as .eml (Outlook: File > Save As, as text or HTML if it offers "
    "no .eml), then upload that.",
}

"""Where a cited passage stands in its document: page images with highlights, or its text in context."""

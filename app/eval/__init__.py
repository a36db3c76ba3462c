"""Retrieval evaluation on BEIR-format data sets, through the app's own ingestion and retrieval."""

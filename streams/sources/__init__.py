"""Mention sources: file readers (JSONL, CSV) shared by replay and ingest."""

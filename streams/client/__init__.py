"""Client library for marketing tooling: the pause-flag readers (imports nothing of the worker)."""

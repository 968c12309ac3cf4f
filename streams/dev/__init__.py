"""Dev tools: the embedded broker, child processes, the demo feed and its terminal view."""

"""Alert sinks: the base interface and one module per destination."""

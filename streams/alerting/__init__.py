"""Alerting: the notifier, page rendering and the sinks pages go to."""

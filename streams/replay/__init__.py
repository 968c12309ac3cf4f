"""Offline replay: validate, score and detect a file of mentions in event time."""

"""Sentiment: language ID, lexicons, VADER-compatible rules and the scorer."""

"""Simulated mention streams for tests and benchmarks."""

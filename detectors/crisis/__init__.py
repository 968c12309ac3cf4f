"""Crisis model: windows, baselines, the checks and the per-brand state machine."""

"""The Faust worker: runtime, agents, detect stage, outbox, resume positions, metrics."""

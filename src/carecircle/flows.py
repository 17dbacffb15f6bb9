"""On-commit hand-offs between domains (see core.handoff)."""

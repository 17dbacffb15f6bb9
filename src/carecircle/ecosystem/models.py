"""Models of the ecosystem app."""

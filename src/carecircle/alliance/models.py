"""Models of the alliance app."""

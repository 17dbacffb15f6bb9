"""Models of the renewals app."""

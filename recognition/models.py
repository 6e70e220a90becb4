"""Models of the recognition app (filled in by its issue)."""

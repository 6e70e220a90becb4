"""Models of the cameras app (filled in by its issue)."""

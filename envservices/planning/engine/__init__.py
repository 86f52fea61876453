"""The weekly planning engine in rooms; `solve` in `planning.solve` is its front door."""

"""The district map: the canvas (pan, zoom, select), its layers with level-of-detail drawing, and the symbols."""

"""The district map: the canvas (pan, zoom, select), its layers drawn with level of detail, the symbols."""

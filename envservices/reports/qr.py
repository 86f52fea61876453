"""QR codes that open a crew-day's page on a phone, drawn by segno (a small, well-kept pure-Python library)."""

from __future__ import annotations

import io
from pathlib import Path

import segno


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """The link as a PNG QR code (error correction M: still reads on a creased, muddy worksheet)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def save_qr(url: str, out: Path) -> None:
    Path(out).write_bytes(qr_png(url))


__all__ = ["qr_png", "save_qr"]

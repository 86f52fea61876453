"""The small web service `envservices serve` starts: crew pages, Open311 reports in, schedules out.

Like `ui` and `cli`, it calls envservices.services only; it never reaches storage itself.
"""

from typing import Any

from envservices.server.app import create_app


def serve(db: Any, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run the service in the foreground with uvicorn until Ctrl-C; 127.0.0.1 unless told otherwise."""
    import uvicorn

    uvicorn.run(create_app(db), host=host, port=port, log_level="warning")


__all__ = ["create_app", "serve"]

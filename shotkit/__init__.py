"""shotkit: an AI video production's shots, kept as code."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["AssetService", "__version__"]


def __getattr__(name: str) -> Any:
    # The service pulls in SQLAlchemy's asyncio layer; the CLI's validate should not pay for it.
    if name == "AssetService":
        from .service import AssetService

        return AssetService
    raise AttributeError(name)

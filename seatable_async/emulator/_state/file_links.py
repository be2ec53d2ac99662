"""Upload and download links handed out for files: token → where it leads and until when."""

from __future__ import annotations

from attrs import define, field

__all__ = ["LINK_TTL", "FileLinks"]

#: Seconds a link stays valid (an hour, as seafile's file server).
LINK_TTL = 3600.0


@define
class FileLinks:
    """``upload``: token → (base uuid, expiry); ``download``: token → (base uuid, path,
    expiry). Guarded by the state's lock."""

    upload: dict[str, tuple[str, float]] = field(factory=dict)
    download: dict[str, tuple[str, str, float]] = field(factory=dict)

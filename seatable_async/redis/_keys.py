"""Key layout: every key a script or the lock + token pair touches shares one hash tag.

Redis Cluster places a key by the part between the first ``{`` and the next ``}`` (the hash
tag), so keys with the same tag land in the same slot and on the same primary; a single server
ignores the braces. Tags (and so slots) are per base credential for the token and its lock, and
per base for the rate budget and its in-flight set.
"""

from __future__ import annotations

import hashlib
import re

_SAFE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def _tag(part: str) -> str:
    """``part`` as a hash tag: kept when short and plain, else hashed (no braces, no secret)."""
    if _SAFE.match(part):
        return "{" + part + "}"
    return "{" + hashlib.sha256(part.encode()).hexdigest()[:32] + "}"


def check_namespace(namespace: str) -> str:
    """Reject a namespace that would break keys or their hash tags."""
    if not namespace or any(c.isspace() or c in "{}" for c in namespace):
        raise ValueError("namespace must be a non-empty string without whitespace or braces")
    return namespace


class KeyLayout:
    """Builds the store's keys under ``namespace``."""

    def __init__(self, namespace: str):
        self.namespace = check_namespace(namespace)

    def token(self, server_hash: str, credential_key: str) -> str:
        """The encrypted Base-Token of one base credential on one server."""
        return f"{self.namespace}:token:{_tag(f'{server_hash}:{credential_key}')}"

    def lock(self, server_hash: str, credential_key: str) -> str:
        """The refresh lock of that token: same tag, so the same slot as the token."""
        return f"{self.namespace}:token-lock:{_tag(f'{server_hash}:{credential_key}')}"

    def rate(self, base_key: str) -> tuple[str, str]:
        """The budget hash and in-flight sorted set of one base: one tag, one slot."""
        tag = _tag(base_key)
        return f"{self.namespace}:rate:{tag}", f"{self.namespace}:rate:{tag}:inflight"

"""`PooledCredential`: a base's Base-Token as the request pipeline sees a credential."""

from __future__ import annotations

import attrs

from seatable_async._auth.pool import TokenPool, TokenSource
from seatable_async._http.call import Lease

__all__ = ["PooledCredential"]


@attrs.frozen
class PooledCredential:
    """A Base-Token credential for the pipeline: taken from the pool, renewed on refusal."""

    pool: TokenPool
    source: TokenSource

    @property
    def kind(self) -> str:
        return "base"

    async def acquire(self) -> Lease:
        token = await self.pool.get(self.source)
        return Lease(token.secret, token.generation, token.must_refresh_at)

    def current(self) -> Lease | None:
        token = self.pool.current(self.source)
        if token is None:
            return None
        return Lease(token.secret, token.generation, token.must_refresh_at)

    async def reject(self, lease: Lease) -> bool:
        await self.pool.invalidate(self.source, lease.generation)
        return True

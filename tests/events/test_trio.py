"""On trio, entering a stream fails at once with a typed error naming the reason."""

from __future__ import annotations

import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator

pytestmark = pytest.mark.anyio_backends("trio")


@pytest.mark.anyio
async def test_trio_is_refused_before_any_request() -> None:
    emu = Emulator("6.0")
    token = emu.add_api_token(emu.add_base(owner="alice@example.com", name="Live"))
    async with sa.Client("https://seatable.test", transport=emu.transport()) as client:
        stream = client.base(token).events()
        with pytest.raises(sa.EventsUnavailableError, match="asyncio") as caught:
            await stream.__aenter__()
    assert caught.value.reason == "backend"
    assert "trio" in str(caught.value)
    assert emu.stats.total_requests == 0

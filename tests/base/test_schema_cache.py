"""One cached schema per `Base`: typed cells, ``base.links`` and ``base.tables.list`` share
it, and every schema change made through the SDK drops it.

Sources: the metadata answer's shape (tables with ``_id``, columns with ``key``/``type``/
``data``, link ``data`` with ``link_id``/``table_id``/``other_table_id``) is the recorded
``tests/__snapshots__/test_base_operations/test_getMetadata`` of seatable/openapi (6.0.10);
the columns/links endpoints are ``/work/shared/reference/seatable-api.md`` §3 (schema) and §4
(links).
"""

from __future__ import annotations

import pytest

import seatable_async as sa
from tests.base.helpers import client, requests, world

pytestmark = pytest.mark.anyio


async def test_resources_share_one_metadata_request() -> None:
    """Link cells (written through ``base.links``) and link reads resolve tables and columns
    from the same cached metadata: one request for all of them."""
    emu, _info, token = world()
    async with client(emu) as c:
        base = c.base(token)
        part = await base.append_rows("Parts", [{"Name": "p"}])
        (row,) = await base.append_rows("T", [{"Title": "t", "Parts": part}])
        (linked,) = (await base.links.get("T", "Parts", [row]))[row]
        assert linked.row_id == part[0]
        assert requests(emu, "gateway.metadata") == 1
        # An explicit listing always asks the server, and refreshes the shared cache.
        assert [t.name for t in await base.tables.list()] == ["T", "Parts"]
        await base.append_rows("T", [{"Title": "u"}])
        assert requests(emu, "gateway.metadata") == 2


@pytest.mark.parametrize("version", ["4.4", "6.0"])
async def test_schema_changes_drop_the_cache(version: str) -> None:
    """A column added through ``base.columns`` is known to the next typed call without a
    refused attempt first; so is a renamed table after ``base.tables.rename``."""
    emu, _info, token = world(version=version)
    async with client(emu) as c:
        base = c.base(token)
        assert (await base.row_encoder("T")).column("Extra") is None
        await base.columns.append("T", [{"column_name": "Extra", "column_type": "number"}])
        extra = (await base.row_encoder("T")).column("Extra")
        assert extra is not None and extra.type == "number"
        await base.tables.rename("Parts", "Pieces")
        assert (await base.row_encoder("Pieces")).column("Name") is not None
        with pytest.raises(sa.NotFoundError):
            await base.row_encoder("Parts")

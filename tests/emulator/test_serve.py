"""Real HTTP serving on asyncio and trio, control endpoints, the CLI module and the plugin."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from seatable_async.emulator import Emulator, Faults
from seatable_async.emulator.demo import seed_demo

from .emu_helpers import auth, make

pytestmark = pytest.mark.anyio_backends("asyncio", "trio")


@pytest.mark.anyio
async def test_serve_round_trip() -> None:
    s = make("6.0")
    async with s.emu.serve() as url, httpx.AsyncClient(base_url=url) as c:
        assert url.startswith("http://127.0.0.1:")
        r = await c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
        body = r.json()
        assert body["dtable_server"] == f"{url}/api-gateway/"
        h = auth(body["access_token"], "Bearer")
        r = await c.post(
            f"/api-gateway/api/v2/dtables/{s.base.uuid}/rows/",
            headers=h,
            json={"table_name": "Table1", "rows": [{"Name": "served"}]},
        )
        assert r.json()["inserted_row_count"] == 1
    assert s.emu.rows(s.base, "Table1")[0]["Name"] == "served"


@pytest.mark.anyio
async def test_serve_drops_connection_on_fault() -> None:
    s = make("6.0", faults=Faults(seed=3, rate_lost=1.0))
    async with s.emu.serve() as url, httpx.AsyncClient(base_url=url) as c:
        r = await c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
        h = auth(r.json()["access_token"])
        with pytest.raises(httpx.TransportError):
            await c.post(
                f"/api-gateway/api/v2/dtables/{s.base.uuid}/rows/",
                headers=h,
                json={"table_name": "Table1", "rows": [{"Name": "x"}]},
            )
        s.emu.faults = None
        r = await c.get("/api2/ping/")
        assert r.status_code == 200
    assert len(s.emu.rows(s.base, "Table1")) == 1


def test_control_endpoints() -> None:
    emu = Emulator(control=True)
    seed_demo(emu)
    with emu.serve_in_thread() as url, httpx.Client(base_url=url) as c:
        r = c.post("/_emulator/bases", json={"name": "B", "tables": {"T": {"A": "text"}}})
        created = r.json()
        assert set(created) == {"uuid", "workspace_id", "api_token"}
        r = c.post(
            "/_emulator/config",
            json={
                "latency": 0.0,
                "rate_limit": [100, 60],
                "token_ttl": 30,
                "faults": {"seed": 2, "rate_429": 0.0},
            },
        )
        assert r.json() == {"success": True}
        assert emu.rate_limit == (100, 60.0)
        assert emu.token_ttl == 30
        tok = c.get(
            "/api/v2.1/dtable/app-access-token/", headers=auth(created["api_token"])
        ).json()["access_token"]
        c.post(
            f"/api-gateway/api/v2/dtables/{created['uuid']}/rows/",
            headers=auth(tok),
            json={"table_name": "T", "rows": [{"A": "1"}]},
        )
        rows = c.get(f"/_emulator/rows/{created['uuid']}/T").json()["rows"]
        assert rows[0]["A"] == "1"
        stats = c.get("/_emulator/stats").json()
        assert stats["token_requests"] == {"api": 1}
        assert c.post("/_emulator/config", json={"rate_limit": "x"}).status_code == 400
    assert Emulator().app.router.match(b"/_emulator/stats", "GET")[0] is None


def test_python_m_emulator() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seatable_async.emulator",
            "--port",
            "0",
            "--version",
            "5.0",
            "--latency",
            "0",
            "--rate-limit",
            "100/60",
            "--token-ttl",
            "30",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("URL http://127.0.0.1:")
        url = first.split()[1]
        lines = [proc.stdout.readline() for _ in range(5)]
        token = next(line.split()[-1] for line in lines if "API-Token" in line)
        assert httpx.get(f"{url}/server-info/").json()["version"] == "5.0.10"
        r = httpx.get(f"{url}/api/v2.1/dtable/app-access-token/", headers=auth(token))
        assert r.json()["use_api_gateway"] is True
        stats = json.loads(httpx.get(f"{url}/_emulator/stats").text)
        assert stats["token_requests"]["api"] == 1
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_pytest_plugin_fixtures(seatable_emulator: Emulator, seatable_emulator_url: str) -> None:
    assert seatable_emulator.version == "6.0"
    r = httpx.post(
        f"{seatable_emulator_url}/api2/auth-token/",
        data={"username": "demo@example.com", "password": "demo-password"},
    )
    assert r.status_code == 200
    [base] = seatable_emulator.state.bases.values()
    assert base.name == "Demo"
    assert base.table("Contacts") is not None

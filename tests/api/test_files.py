"""File upload/download through the API-Token (MockTransport, documented shapes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

import seatable_async as sa
from tests.api.mockserver import ACCOUNT_TOKEN, API_TOKEN, SERVER, UUID, MockServer

pytestmark = pytest.mark.anyio

UPLOAD = "/seafhttp/upload-api/83e701c8-1111"


def upload_link_answer(with_workspace: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "upload_link": f"{SERVER}{UPLOAD}",
        "parent_path": f"/asset/{UUID}",
        "img_relative_path": "images/2021-08",
        "file_relative_path": "files/2021-08",
    }
    if with_workspace:
        body["workspace_id"] = 7
    return body


def setup(server: MockServer, stored_name: str = "report 1.pdf") -> None:
    server.on("GET", "/api/v2.1/dtable/app-upload-link/", upload_link_answer())
    server.on("POST", UPLOAD, [{"name": stored_name, "id": "b4356e30", "size": 5}])


@pytest.mark.parametrize("version", ["4.0", "4.4", "5.0", "6.0"])
async def test_upload_file(version: str) -> None:
    server = MockServer(version)
    setup(server)
    async with sa.Client(SERVER, transport=server.transport()) as client:
        asset = await client.base(API_TOKEN).upload_file("report 1.pdf", b"hello")
    assert asset == sa.Asset(
        name="report 1.pdf",
        size=5,
        type="file",
        path="/files/2021-08/report 1.pdf",
        url=f"{SERVER}/workspace/7/asset/{UUID}/files/2021-08/report%201.pdf",
    )
    assert asset.cell() == {"name": "report 1.pdf", "size": 5, "type": "file", "url": asset.url}
    link_call = server.calls("GET", "/api/v2.1/dtable/app-upload-link/")[0]
    assert link_call.headers["authorization"] == f"Bearer {API_TOKEN}"
    upload = server.calls("POST", UPLOAD)[0]
    assert "authorization" not in upload.headers
    assert upload.params == {"ret-json": "1"}
    body = upload.body
    for part in (
        b'name="parent_dir"',
        f"/asset/{UUID}".encode(),
        b'name="relative_path"',
        b"files/2021-08",
        b'name="replace"',
        b'filename="report 1.pdf"',
        b"hello",
    ):
        assert part in body
    assert server.calls(path="/api/v2.1/dtable/app-access-token/") == []  # no Base-Token needed


async def test_upload_image_from_path_with_replace(tmp_path: Path) -> None:
    server = MockServer()
    setup(server, "pic.png")
    path = tmp_path / "pic.png"
    path.write_bytes(b"\x89PNG....")
    async with sa.Client(SERVER, transport=server.transport()) as client:
        asset = await client.base(API_TOKEN).upload_file(
            "pic.png", path, kind="image", replace=True
        )
    assert asset.type == "image"
    assert asset.path == "/images/2021-08/pic.png"
    assert asset.cell() == f"{SERVER}/workspace/7/asset/{UUID}/images/2021-08/pic.png"
    body = server.calls("POST", UPLOAD)[0].body
    assert b"images/2021-08" in body
    assert b'name="replace"\r\n\r\n1' in body


async def test_upload_workspace_from_base_token_when_link_lacks_it() -> None:
    server = MockServer("6.0")
    setup(server)
    server.on("GET", "/api/v2.1/dtable/app-upload-link/", upload_link_answer(False))
    async with sa.Client(SERVER, transport=server.transport()) as client:
        asset = await client.base(API_TOKEN).upload_file("report 1.pdf", b"hello")
    assert "/workspace/7/" in asset.url


async def test_upload_errors() -> None:
    server = MockServer()
    server.on(
        "GET", "/api/v2.1/dtable/app-upload-link/", {"error_msg": "Asset quota exceeded."}, 443
    )
    async with sa.Client(SERVER, transport=server.transport()) as client:
        base = client.base(API_TOKEN)
        with pytest.raises(sa.APIError, match="quota") as info:
            await base.upload_file("a.txt", b"x")
        assert info.value.status == 443
        server.requests.clear()
        for args, kwargs in (
            (("", b"x"), {}),
            (("a/b.txt", b"x"), {}),
            (("a.txt", b"x"), {"kind": "video"}),
            (("a.txt", 123), {}),
            (("a.txt", "/definitely/not/here.bin"), {}),
        ):
            with pytest.raises(sa.ConfigurationError):
                await base.upload_file(*args, **kwargs)
        assert server.requests == []


async def test_file_ops_need_api_token_account_base() -> None:
    server = MockServer()
    async with sa.Client(SERVER, transport=server.transport()) as client:
        base = client.account(ACCOUNT_TOKEN).base(1, "Demo")
        with pytest.raises(sa.ConfigurationError, match="API-Token"):
            await base.upload_file("a.txt", b"x")
        with pytest.raises(sa.ConfigurationError, match=r"client\.base"):
            await base.download_file("/files/a.txt")
    assert server.requests == []


@pytest.mark.parametrize(
    "given",
    [
        "/files/2021-08/report 1.pdf",
        "files/2021-08/report 1.pdf",
        f"{SERVER}/workspace/7/asset/{UUID}/files/2021-08/report%201.pdf",
        f"/workspace/7/asset/{UUID}/files/2021-08/report%201.pdf",
    ],
)
async def test_download_file(given: str) -> None:
    server = MockServer()
    server.on(
        "GET",
        "/api/v2.1/dtable/app-download-link/",
        {"download_link": f"{SERVER}/seafhttp/files/tok123/report%201.pdf"},
    )
    server.on(
        "GET",
        "/seafhttp/files/tok123/report 1.pdf",
        lambda r: httpx.Response(200, content=b"\x00binary\xff"),
    )
    async with sa.Client(SERVER, transport=server.transport()) as client:
        data = await client.base(API_TOKEN).download_file(given)
    assert data == b"\x00binary\xff"
    link_call = server.calls("GET", "/api/v2.1/dtable/app-download-link/")[0]
    assert link_call.params == {"path": "/files/2021-08/report 1.pdf"}
    assert (
        "authorization" not in server.calls("GET", "/seafhttp/files/tok123/report 1.pdf")[0].headers
    )


async def test_download_missing_and_bad_url() -> None:
    server = MockServer()
    server.on(
        "GET",
        "/api/v2.1/dtable/app-download-link/",
        {"error_msg": "path /files/x.txt not found."},
        400,
    )
    async with sa.Client(SERVER, transport=server.transport()) as client:
        base = client.base(API_TOKEN)
        with pytest.raises(sa.BadRequestError, match="not found"):
            await base.download_file("/files/x.txt")
        server.requests.clear()
        for bad in ("", "https://elsewhere.example/some/file.txt", "/"):
            with pytest.raises(sa.ConfigurationError):
                await base.download_file(bad)
        assert server.requests == []


async def test_delete_file() -> None:
    server = MockServer("6.0")
    server.on("DELETE", "/api/v2.1/dtable/app-asset/", {"success": True})
    async with sa.Client(SERVER, transport=server.transport()) as client:
        base = client.base(API_TOKEN)
        await base.delete_file("/files/a.txt")
        server.on("DELETE", "/api/v2.1/dtable/app-asset/", {"error_msg": "File not found."}, 404)
        with pytest.raises(sa.NotFoundError):
            await base.delete_file("/files/a.txt")
    assert server.calls("DELETE")[0].params == {"path": "/files/a.txt"}

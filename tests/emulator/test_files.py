"""Attachment upload / download / delete with an API-Token."""

from __future__ import annotations

import re

import pytest

from .emu_helpers import auth, client, make

pytestmark = pytest.mark.anyio


async def test_upload_download_delete() -> None:
    s = make()
    h = auth(s.api_token)
    async with client(s.emu) as c:
        r = await c.get("/api/v2.1/dtable/app-upload-link/", headers=h)
        link = r.json()
        assert re.match(r"^http://seatable\.test/seafhttp/upload-api/\w+$", link["upload_link"])
        assert link["parent_path"] == f"/asset/{s.base.uuid}"
        assert re.match(r"^images/\d{4}-\d{2}$", link["img_relative_path"])
        assert re.match(r"^files/\d{4}-\d{2}$", link["file_relative_path"])
        form = {
            "parent_dir": link["parent_path"],
            "relative_path": link["file_relative_path"],
            "replace": "0",
        }
        upload = link["upload_link"] + "?ret-json=1"
        r = await c.post(upload, data=form, files={"file": ("a.txt", b"hello")})
        assert r.status_code == 200
        [info] = r.json()
        assert info["name"] == "a.txt"
        assert info["size"] == 5
        assert info["id"]
        r = await c.post(upload, data=form, files={"file": ("a.txt", b"again")})
        assert r.json()[0]["name"] == "a(1).txt"
        r = await c.post(
            upload, data={**form, "replace": "1"}, files={"file": ("a.txt", b"replaced")}
        )
        assert r.json()[0]["name"] == "a.txt"
        path = f"/{link['file_relative_path']}/a.txt"
        r = await c.get("/api/v2.1/dtable/app-download-link/", params={"path": path}, headers=h)
        dl = r.json()["download_link"]
        assert dl.startswith("http://seatable.test/seafhttp/files/")
        assert dl.endswith("/a.txt")
        assert (await c.get(dl)).content == b"replaced"
        r = await c.get(
            "/api/v2.1/dtable/app-download-link/", params={"path": "/files/x.txt"}, headers=h
        )
        assert (r.status_code, r.json()) == (400, {"error_msg": "path /files/x.txt not found."})
        r = await c.delete("/api/v2.1/dtable/app-asset/", params={"path": path}, headers=h)
        assert r.json() == {"success": True}
        r = await c.delete("/api/v2.1/dtable/app-asset/", params={"path": path}, headers=h)
        assert r.status_code == 404
        s.emu.advance(7200)
        assert (await c.get(dl)).status_code == 404
        r = await c.post(upload, data=form, files={"file": ("b.txt", b"late")})
        assert r.status_code == 403
        r = await c.get("/api/v2.1/dtable/app-upload-link/", headers=auth(s.api_token, "Bearer"))
        assert r.status_code == 200


async def test_file_links_bearer_before_4() -> None:
    s = make("3.5")
    async with client(s.emu) as c:
        r = await c.get("/api/v2.1/dtable/app-upload-link/", headers=auth(s.api_token, "Bearer"))
        assert (r.status_code, r.json()) == (403, {"error_msg": "Permission denied."})

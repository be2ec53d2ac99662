"""Value → wire form for the column types whose cells are objects or lists of them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from seatable_async.cells._common import Invalid, as_list, is_integer, is_real
from seatable_async.cells._spec import ColumnSpec

__all__ = ["encode_files", "encode_geolocation", "encode_images", "encode_signature"]

_FILE_KEYS = ("name", "size", "type", "url")


def encode_geolocation(spec: ColumnSpec, value: Any) -> dict[str, Any]:
    fmt = spec.get("geo_format")
    if fmt == "country_region":
        if isinstance(value, str):
            return {"country_region": value}
        if isinstance(value, Mapping) and isinstance(value.get("country_region"), str):
            return {"country_region": value["country_region"]}
        raise Invalid("this geolocation column takes a country or region name")
    if fmt in (None, "lng_lat"):
        if isinstance(value, Mapping):
            lat, lng = value.get("lat"), value.get("lng")
        elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
            lat, lng = value
        else:
            raise Invalid("a geolocation takes {'lat': …, 'lng': …} or a (lat, lng) pair")
        # The server accepts a lone coordinate (API_ISSUES #6); a location needs both.
        if not (_coordinate(lat, 90) and _coordinate(lng, 180)):
            raise Invalid("lat must be within ±90 and lng within ±180, both numbers")
        return {"lat": _plain_number(lat), "lng": _plain_number(lng)}
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(value)
    raise Invalid(f"a {fmt} geolocation takes a mapping of strings")


def encode_files(spec: ColumnSpec, value: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in _assets(value):
        entry = item.cell() if _is_asset(item) else item
        if not isinstance(entry, Mapping) or not _is_file_entry(entry):
            raise Invalid("a file column takes assets or {'name', 'size', 'type', 'url'}")
        out.append({**entry, "size": int(entry["size"])})
    return out


def encode_images(spec: ColumnSpec, value: Any) -> list[str]:
    out: list[str] = []
    for item in _assets(value):
        entry = item.cell() if _is_asset(item) else item
        if isinstance(entry, Mapping):
            entry = entry.get("url")
        if not isinstance(entry, str) or not entry:
            raise Invalid("an image column takes assets or image URLs")
        out.append(entry)
    return out


def encode_signature(spec: ColumnSpec, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid("a digital-sign takes {'username', 'sign_image_url', 'sign_time'}")
    out = dict(value)
    if isinstance(out.get("sign_time"), datetime):
        out["sign_time"] = out["sign_time"].isoformat(timespec="milliseconds")
    return out


def _plain_number(value: Any) -> int | float:
    return int(value) if is_integer(value) else float(value)


def _coordinate(value: Any, limit: int) -> bool:
    return is_real(value) and math.isfinite(float(value)) and -limit <= float(value) <= limit


def _is_asset(item: Any) -> bool:
    return not isinstance(item, (str, Mapping)) and callable(getattr(item, "cell", None))


def _assets(value: Any) -> list[Any]:
    if isinstance(value, (str, Mapping)) or _is_asset(value):
        return [value]
    return as_list(value, "assets")


def _is_file_entry(entry: Mapping[str, Any]) -> bool:
    return (
        all(k in entry for k in _FILE_KEYS)
        and isinstance(entry["name"], str)
        and is_integer(entry["size"])
        and isinstance(entry["type"], str)
        and isinstance(entry["url"], str)
    )

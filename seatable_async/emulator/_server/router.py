"""The path router: which handler answers a method and path (and which paths Django would
redirect to their trailing slash)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from attrs import define

from .request import Request
from .responses import Response

__all__ = ["DJANGO_FAMILIES", "Handler", "Route", "Router"]

Handler = Callable[[Request], Awaitable[Response]]


@define
class Route:
    """One route: methods, path pattern (``{name}`` segments capture), family, handler."""

    name: str
    methods: frozenset[str]
    pattern: tuple[str, ...]
    family: str
    handler: Handler


#: Route families served by dtable-web (Django with ``APPEND_SLASH``): a path missing its
#: trailing slash is answered 301 to the path with the slash, whatever the method (Django's
#: ``CommonMiddleware`` in production; only DEBUG raises for POST instead).
DJANGO_FAMILIES = frozenset({"public", "account", "token", "api"})


class Router:
    """Matches path segments exactly: trailing slashes and empty segments count (``//`` and a
    missing ``/`` do not match); ``%2F`` inside a segment stays inside that segment."""

    _CACHE_MAX = 4096

    def __init__(self) -> None:
        self._by_len: dict[int, list[Route]] = {}
        # paths repeat (same base, same route): remember recent answers of `match`
        self._cache: dict[tuple[bytes, str], tuple[Route | None, dict[str, str], bool]] = {}

    def add(self, name: str, methods: str, path: str, family: str, handler: Handler) -> None:
        pattern = tuple(path.split("/")[1:])
        route = Route(name, frozenset(methods.split()), pattern, family, handler)
        self._by_len.setdefault(len(pattern), []).append(route)
        self._cache.clear()

    @staticmethod
    def _capture(route: Route, segments: list[str]) -> dict[str, str] | None:
        captured: dict[str, str] = {}
        for pat, seg in zip(route.pattern, segments, strict=True):
            if pat[:1] == "{":
                if not seg:
                    return None
                captured[pat[1:-1]] = seg
            elif pat != seg:
                return None
        return captured

    def _find(self, segments: list[str], method: str) -> tuple[Route | None, dict[str, str], bool]:
        path_known = False
        for route in self._by_len.get(len(segments), ()):
            captured = self._capture(route, segments)
            if captured is not None:
                if method in route.methods:
                    return route, captured, True
                path_known = True
        return None, {}, path_known

    def match(self, raw_path: bytes, method: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, params, path_known): the first route matching path and method."""
        key = (raw_path, method)
        hit = self._cache.get(key)
        if hit is not None:
            return hit[0], dict(hit[1]), hit[2]
        text = raw_path.decode("latin-1")
        segments = [unquote(s) for s in text.split("/")[1:]]
        found = self._find(segments, method)
        if len(self._cache) >= self._CACHE_MAX:
            self._cache.clear()
        self._cache[key] = found
        return found[0], dict(found[1]), found[2]

    def needs_slash(self, raw_path: bytes) -> bool:
        """Whether the path plus ``/`` is a dtable-web route (Django would redirect)."""
        text = raw_path.decode("latin-1")
        if text.endswith("/"):
            return False
        segments = [unquote(s) for s in text.split("/")[1:]] + [""]
        return any(
            route.family in DJANGO_FAMILIES and self._capture(route, segments) is not None
            for route in self._by_len.get(len(segments), ())
        )

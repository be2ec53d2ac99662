"""``python -m seatable_async.emulator``: serve the emulator with a seeded demo account."""

from __future__ import annotations

import argparse
from typing import Any

from ._emulator import VERSIONS
from ._serve_forever import serve_forever
from ._server.missing import MissingExtraError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m seatable_async.emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 = a free port")
    parser.add_argument("--version", default="6.0", choices=VERSIONS)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate-limit", default=None, help="N/SECONDS, e.g. 100/60")
    parser.add_argument("--token-ttl", type=float, default=3 * 86400)
    parser.add_argument("--redirect-legacy", action="store_true")
    parser.add_argument("--limits", choices=("cloud", "self-hosted"), default=None)
    parser.add_argument("--timezone", default="+00:00", help="e.g. +02:00 or Europe/Berlin")
    args = parser.parse_args(argv)
    kwargs: dict[str, Any] = {
        "latency": args.latency,
        "token_ttl": args.token_ttl,
        "redirect_legacy": args.redirect_legacy,
        "limits": args.limits,
        "timezone": args.timezone,
    }
    if args.rate_limit:
        n, _, seconds = args.rate_limit.partition("/")
        kwargs["rate_limit"] = (int(n), float(seconds or 60))
    try:
        serve_forever(host=args.host, port=args.port, version=args.version, **kwargs)
    except MissingExtraError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")


if __name__ == "__main__":
    main()

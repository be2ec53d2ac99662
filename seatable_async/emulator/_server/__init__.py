"""The HTTP side of the emulator: a request and its responses, the router, the ASGI app
(latency, faults, limits, stats around every handler), the in-process transport, uvicorn
serving, and `Services`, the collaborators handlers get as ``req.services``."""

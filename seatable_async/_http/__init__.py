"""The request machinery: pipeline, retry classification, rate limiter (the only httpx user)."""

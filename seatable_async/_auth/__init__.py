"""Authentication: Base-Token values, the token pool, token sources and shared token stores."""

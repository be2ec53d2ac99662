"""Authentication: token value objects, the Base-Token pool, header-scheme negotiation."""

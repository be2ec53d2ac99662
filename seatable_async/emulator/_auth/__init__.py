"""Tokens: the JWT codec, minting Base-Tokens and temporary API-Tokens, and checking a
request's credentials (Account-, API- and Base-Tokens) per version."""

"""The route handlers, one module per resource: account, admin, tokens, rows (and their
extras), schema, links, collaboration, files, custom folders, webhooks, control; `registry`
registers them all for a version."""

"""What the server holds: users, workspaces, bases and tokens (`State`), rows in SQLite
(`RowStore`) with cell values normalised per column type, links, per-base extras, file links,
and seeding from outside the REST API."""

"""`Base` and everything that hangs off it: routing, rows, SQL, files and the resources."""

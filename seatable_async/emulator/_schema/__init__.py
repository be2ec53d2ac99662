"""Schema changes of a base: tables, columns (and the cell rewrites a type change needs)
and views, each published as a dtable-server operation."""

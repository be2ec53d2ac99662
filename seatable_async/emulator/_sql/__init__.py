"""SeaTable's SQL dialect on SQLite: the lexer, the translator, SeaTable's functions,
and running a statement against a base."""

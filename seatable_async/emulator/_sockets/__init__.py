"""The Socket.IO endpoint: the server (rooms, ``join-room``, broadcasts) and the operations
a client sends (rows, columns, tables, views)."""

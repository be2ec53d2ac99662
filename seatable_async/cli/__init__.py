"""The ``seatable-async`` command line: demo, import, ping, info, token, emulator.

Every command prints one line saying what to do when something goes wrong (never a traceback)
and exits non-zero:

* 1: the server refused or could not be reached, or rows were not imported;
* 2: bad usage or bad input (unknown column or table, malformed file line).
"""

from seatable_async.cli._commands import app, main

__all__ = ["app", "main"]

"""``python -m seatable_async.cli``: the same as the ``seatable-async`` command."""

from seatable_async.cli import main

if __name__ == "__main__":
    main()

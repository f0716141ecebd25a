"""What can go wrong for a user, and the exit code each outcome means.

``0`` everything worked; ``1`` some work failed (e.g. one ward's report: the others are written)
or an unexpected error (a bug: ``--debug`` shows the traceback); ``2`` the data or the command
line cannot be used (bad data, a bad argument, an output folder that cannot be used): nothing
is written, and the message says what to do.
"""

from __future__ import annotations

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_DATA", "UsageError"]

EXIT_OK, EXIT_FAILED, EXIT_DATA = 0, 1, 2


class UsageError(Exception):
    """A bad argument or an unusable output folder: the message says what to do (exit 2)."""

"""One module per command (pre-commit's layout): each holds a plain, typed function that takes
the parsed arguments and returns an exit code.

Nothing is imported here: `shotkit.cli` imports a command's module only when that command
runs, so `shotkit validate` never pays for SQLAlchemy, Alembic, Jinja2 or OpenTimelineIO.
Shared output helpers live in `_output`.
"""

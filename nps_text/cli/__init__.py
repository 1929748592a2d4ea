"""The ``nps-text`` command line: a thin Typer layer over the library's jobs.

``app`` (in :mod:`.app`) holds what the commands share; each command is one module, imported below
so that it registers itself. ``nps-text --help`` lists the commands in the order of these imports:
a new command is a new module and one line here.
"""

from .app import app

# isort: off
from . import score  # noqa: F401 - registers the command
from . import analyze  # noqa: F401
from . import report  # noqa: F401
from . import tag  # noqa: F401
from . import drivers  # noqa: F401
from . import followup  # noqa: F401
from . import discover  # noqa: F401
from . import train  # noqa: F401
from . import evaluate  # noqa: F401
from . import programme  # noqa: F401
# isort: on

__all__ = ["app"]

"""nps-text: turn the "why" comments of NPS surveys into decisions."""

__version__ = "0.1.0"

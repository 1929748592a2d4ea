"""Package data: the default taxonomy (read with importlib.resources, so it ships in the wheel)."""

"""The installed version of nps-text, read once from the package metadata (never written twice)."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("nps-text")
except PackageNotFoundError:  # running from a source tree that was never installed
    VERSION = "0+unknown"

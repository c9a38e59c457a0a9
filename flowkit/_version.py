"""The version of flowkit, in one place (read by hatchling and by writers that stamp files)."""

__version__ = "0.1.0"

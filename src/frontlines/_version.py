"""The version of frontlines (one place, read by the package, the CLI and the web app)."""

__version__ = "0.1.0"

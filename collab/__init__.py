"""collab: enterprise social collaboration on Flask."""

__version__ = "0.1.0"

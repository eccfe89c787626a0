"""recon's version, in a module of its own so low layers (the HTTP user agent) can read it
without importing the package's public API."""

__version__ = "0.1.0"

"""recon: keep Sage Intacct and BigTime in agreement, with an accountant in control."""

from recon.version import __version__

__all__ = ["__version__"]

"""recon: keep Sage Intacct and BigTime in agreement, with an accountant in control."""

__version__ = "0.1.0"

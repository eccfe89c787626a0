"""``python -m recon`` is the ``recon`` command."""

from recon.cli import main

raise SystemExit(main())

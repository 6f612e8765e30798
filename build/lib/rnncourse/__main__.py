"""Run the ``rnncourse`` command: ``python -m rnncourse``."""

from rnncourse.cli import main

raise SystemExit(main())

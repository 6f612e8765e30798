"""``python -m rnncourse.experiments NAME [NAME ...]`` regenerates cached results."""

from rnncourse.experiments import main

raise SystemExit(main())

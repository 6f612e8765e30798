"""``python -m rnncourse.train.experiments NAME [NAME ...]`` regenerates cached results."""

from rnncourse.train.experiments import main

raise SystemExit(main())

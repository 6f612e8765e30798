from rnncourse.cli import main

raise SystemExit(main())

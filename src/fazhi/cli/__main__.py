"""`python -m fazhi.cli`: the same as the `fazhi` command."""

from fazhi.cli import main

raise SystemExit(main())

"""`python -m maturity` runs the command line."""

from maturity.cli import main

raise SystemExit(main())

"""`python -m app.bench`: see app/bench/cli.py."""

import sys

from app.bench.cli import main

sys.exit(main())

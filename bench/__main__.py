"""`python -m bench` (what `make bench` runs): every section of bench/run.py, or those named."""

import sys

from .run import main

sys.exit(main())

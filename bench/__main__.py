"""`python -m bench` (what `make bench` runs): every section, or those named."""

import sys

from .cli import main

sys.exit(main())

"""``python -m framecast_jobs worker``: the same worker as ``framecast worker``."""

import sys

from ._serve import main

sys.exit(main())

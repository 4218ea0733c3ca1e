"""``python -m framecast`` is the ``framecast`` command."""

from __future__ import annotations

from ._cli import main

if __name__ == "__main__":
    main(prog_name="framecast")

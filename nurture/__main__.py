"""`python -m nurture` runs the command line."""

from __future__ import annotations

from nurture.entrypoints.cli import main

if __name__ == "__main__":
    main()

"""``python -m reasondraft``."""

from reasondraft.cli import main

main()

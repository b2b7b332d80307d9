"""``python -m initproof``."""

from .cli import main

raise SystemExit(main())

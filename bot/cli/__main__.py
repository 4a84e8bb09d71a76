"""`python -m bot.cli`, as the tests and benchmarks run it."""

from bot.cli import main

raise SystemExit(main())

"""``python -m vaxis.book run | all | build | refresh | list`` (see :mod:`vaxis.book.runner`)."""

from .runner import main

if __name__ == "__main__":
    raise SystemExit(main())

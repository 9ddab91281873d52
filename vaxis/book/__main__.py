"""``python -m vaxis.book run | all | build | refresh | list`` (see :mod:`vaxis.book.runner`);
``python -m vaxis.book student OUTDIR`` writes the student copy (see :mod:`vaxis.book.student`)."""

import sys

from .runner import main

if __name__ == "__main__":
    if sys.argv[1:2] == ["student"]:
        from .student import main as student_main

        raise SystemExit(student_main(sys.argv[2:]))
    raise SystemExit(main())

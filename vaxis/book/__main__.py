"""``python -m vaxis.book run | all | build | refresh | list`` (see :mod:`vaxis.book.runner`);
``python -m vaxis.book student OUTDIR`` writes the student copy (see :mod:`vaxis.book.student`);
``python -m vaxis.book publish --profile full`` publishes a profile's results (see :mod:`vaxis.book.findings`);
``python -m vaxis.book records`` shows the reference runs and writes the pages' run times from them
(see :mod:`vaxis.book.records`)."""

import sys

from .runner import main

if __name__ == "__main__":
    if sys.argv[1:2] == ["student"]:
        from .student import main as student_main

        raise SystemExit(student_main(sys.argv[2:]))
    if sys.argv[1:2] == ["publish"]:
        from .findings import main as publish_main

        raise SystemExit(publish_main(sys.argv[2:]))
    if sys.argv[1:2] == ["records"]:
        from .records import main as records_main

        raise SystemExit(records_main(sys.argv[2:]))
    raise SystemExit(main())

"""`python tests/faulty.py ARGS...`: the real `flowgraph` command line with functions made to fail
as a bug would (a RuntimeError), for the tests of exit code 3 and of HTTP 500 answers:
`flowgraph check`'s completeness check, the /check index page and /api/check's JSON rows."""

from __future__ import annotations

import sys


def boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("forced fault for a test\nsecond line never shown")


if __name__ == "__main__":
    import flowgraph.report.completeness as completeness
    import flowgraph.serve.compliance as compliance  # imports `check` before it is replaced

    completeness.check = boom  # what `flowgraph check` calls
    compliance._index = boom  # the /check page listing every notice
    compliance.ActivityReport.as_dict = boom  # each row of /api/check
    from flowgraph.cli import app

    sys.argv[0] = "flowgraph"
    app()

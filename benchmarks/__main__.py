import sys

if sys.argv[1:2] == ["extraction"]:
    from benchmarks.extraction import main as extraction

    sys.exit(extraction(sys.argv[2:]))
if sys.argv[1:2] == ["linear"]:
    from benchmarks.linear import main as linear

    sys.exit(linear(sys.argv[2:]))

if sys.argv[1:2] == ["views"]:
    from benchmarks.views import main as views

    sys.exit(views(sys.argv[2:]))

if sys.argv[1:2] == ["serialization"]:
    from benchmarks.serialization import main as serialization

    sys.exit(serialization(sys.argv[2:]))

if sys.argv[1:2] == ["load"]:
    from benchmarks.load import main as load

    sys.exit(load(sys.argv[2:]))

if sys.argv[1:2] == ["history"]:
    from benchmarks.history import main as history

    sys.exit(history(sys.argv[2:]))

if sys.argv[1:2] == ["report"]:
    from benchmarks.report import main as report

    sys.exit(report(sys.argv[2:]))

from benchmarks.run import main

main()

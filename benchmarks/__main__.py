import sys

if sys.argv[1:2] == ["extraction"]:
    from benchmarks.extraction import main as extraction

    sys.exit(extraction(sys.argv[2:]))

from benchmarks.run import main

main()

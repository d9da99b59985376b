"""flowgraph benchmarks: `python -m benchmarks [--councils 5,50,400] [--json PATH]`."""

"""Speed and memory measurements (``make bench``); see benchmarks/README.md."""

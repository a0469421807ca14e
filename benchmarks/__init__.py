"""keepwise benchmarks: each ``bench_*.py`` module times keepwise against its baselines in one run."""

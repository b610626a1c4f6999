"""On-demand performance benchmarks of cfaction against the local emulator (see bench/run)."""

"""Speed benchmarks, each measured side by side with the baseline it must beat (`make bench`)."""

"""Speed benchmarks, each measured side by side with the baseline it must beat (`make bench`)."""

from ttc.cache import write_json_atomic
from ttc.paths import results_dir


def report(title: str, profile: str, name: str, rates: dict, target: float, **context) -> dict:
    """Print the rates and the speed-up of the first over the second; record them as JSON."""
    ours, baseline = rates.values()
    speedup = ours / baseline
    print(title)
    for label, rate in rates.items():
        print(f"  {label:24s} {rate:10,.0f} generated tokens/s")
    print(f"  speed-up {speedup:.2f}x (target >= {target:g}x)")
    record = {"profile": profile, **context, "tokens_per_s": rates, "speedup": round(speedup, 2)}
    write_json_atomic(results_dir(profile) / f"benchmark_{name}.json", record)
    return record

"""Speed benchmarks, each measured side by side with the baseline it must beat (`make bench`)."""

import time
from collections.abc import Callable

from ttc.cache import write_json_atomic
from ttc.paths import results_dir


def report(
    title: str,
    profile: str,
    name: str,
    rates: dict,
    target: float,
    trained: bool,
    unit: str = "generated tokens/s",
    **context,
) -> dict:
    """Print the rates and the speed-up of the first over the second; record them as the
    profile's reference JSON only when measured on the profile's trained models (numbers
    from stand-in models never overwrite a reference)."""
    ours, baseline = rates.values()
    speedup = ours / baseline
    print(title)
    for label, rate in rates.items():
        print(f"  {label:24s} {rate:10,.{0 if rate >= 100 else 2}f} {unit}")
    print(f"  speed-up {speedup:.2f}x (target >= {target:.3g}x)")
    key = (
        "tokens_per_s"
        if unit == "generated tokens/s"
        else unit.replace("/", "_per_").replace(" ", "_")
    )
    record = {"profile": profile, **context, key: rates, "speedup": round(speedup, 2)}
    if trained:
        write_json_atomic(results_dir(profile) / f"benchmark_{name}.json", record)
    else:
        print(
            f"  (untrained stand-in models: not recorded; run notebooks 02-03 with "
            f"PROFILE={profile} to measure and record the trained ones)"
        )
    return record


def best_rates(
    runs: dict[str, Callable[[], int]], repeats: int, sync: Callable[[], None] = lambda: None
) -> dict[str, float]:
    """Best tokens/s of each run over `repeats` rounds, after one warm-up call each.

    A run returns the tokens it generated. Rounds interleave the runs, so a slow spell of
    a shared machine hits both sides; the best round is the one least disturbed, as
    `timeit` reports it. `sync` waits for queued GPU work.
    """
    for run in runs.values():
        run()  # kernels, allocator
    best = dict.fromkeys(runs, 0.0)
    for _ in range(repeats):
        for name, run in runs.items():
            sync()
            start = time.perf_counter()
            n = run()
            sync()
            best[name] = max(best[name], n / (time.perf_counter() - start))
    return best

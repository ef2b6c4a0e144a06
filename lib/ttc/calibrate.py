"""Calibration over training seeds, on the validation split only.

    python -m ttc.calibrate --profile cpu --seeds 0 1 2 [--models XS M]

A profile's task and training recipe are chosen so that the base model's success falls
smoothly with difficulty, and one training seed is not a recipe: a skill that forms late
in training may form in one seed and not in another. For each seed this pretrains a
ladder model on the profile's corpus (the data stay fixed; the seed sets initialisation
and batch order), then measures it on the validation split (for a compute-limited base, at
the checkpoint its own run selects): greedy and sampled pass@1 by
level, coverage, the per-question spread, and the final loss by token role (which skill is
missing). The test split is never read. Results go to
`data/results/<profile>/calibration.json`; runs are cached like any pretraining run, so
the seed that matches the profile's is the model notebook 02 trains.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from . import runtime, stages
from .cache import finite, write_json_atomic
from .config import Profile, load_profile
from .difficulty import spread_check
from .models.evaluate import greedy_pass_at_1, sampled_pass_at_1
from .models.ladder import load_model
from .models.pretrain import read_metrics
from .paths import results_dir

QUINTILES = 5


def spread(pass_at_1: np.ndarray) -> list[float]:
    """Mean success of each fifth of the questions, easiest first: the validation analogue of
    the oracle difficulty bins (quintiles of per-question pass@1)."""
    order = np.sort(np.asarray(pass_at_1))[::-1]
    return [float(part.mean()) for part in np.array_split(order, QUINTILES)]


def measure(profile: Profile, name: str, seed: int, samples: int, device: str) -> dict:
    """Train (or reuse) one seed of one model and measure, on validation, the checkpoint that
    acts as the model (the final one, or for the base under `base_target` the one this seed's
    run selects by the same rule as notebook 02)."""
    run = stages.train_model(profile, name, device, seed)
    metrics = read_metrics(run)
    checkpoint = stages.policy_checkpoint(profile, name, seed)
    model = load_model(run / checkpoint, device)
    tokens = next(c["tokens"] for c in metrics["checkpoints"] if c["name"] == checkpoint)
    # role losses as last measured by that point of training
    evals = [e for e in metrics["evals"] if e["tokens"] <= tokens] or metrics["evals"][:1]
    validation = list(stages.load_splits(profile).validation)
    greedy = greedy_pass_at_1(model, validation, profile.eval.batch_size, progress=False)
    sampled = sampled_pass_at_1(model, validation, samples, seed=seed, progress=False)
    by_level = sampled.groupby("level").mean()
    return {
        "model": name,
        "seed": seed,
        "greedy": greedy.groupby("level")["correct"].mean().round(3).to_dict(),
        "pass_at_1": by_level["pass_at_1"].round(3).to_dict(),
        "valid_at_1": by_level["valid_at_1"].round(3).to_dict(),
        f"coverage_at_{samples}": by_level["coverage"].round(3).to_dict(),
        "quintiles": [round(v, 3) for v in spread(sampled["pass_at_1"])],
        "role_loss": {k: round(v, 4) for k, v in evals[-1]["role_loss"].items()},
        "n_params": metrics["n_params"],
        "checkpoint": checkpoint,
        "tokens": tokens,
        "wall_s": metrics["wall_s"],
    }


def summarise(runs: list[dict]) -> list[dict]:
    """Mean and standard deviation over seeds of each model's sampled pass@1 by level."""
    out = []
    for name, group in pd.DataFrame(runs).groupby("model", sort=False):
        levels = pd.DataFrame(list(group["pass_at_1"]))
        quint = np.array(list(group["quintiles"]))
        out.append(
            {
                "model": name,
                "seeds": [int(s) for s in group["seed"]],
                "pass_at_1_mean": levels.mean().round(3).to_dict(),
                "pass_at_1_sd": levels.std(ddof=1).round(3).fillna(0.0).to_dict(),
                "quintiles_mean": quint.mean(axis=0).round(3).tolist(),
                "quintiles_sd": (quint.std(axis=0, ddof=1) if len(quint) > 1 else 0 * quint[0])
                .round(3)
                .tolist(),
            }
        )
    return out


def merge_runs(path: Path, profile: Profile, runs: list[dict]) -> list[dict]:
    """This invocation's runs, plus those of earlier ones made with the same task and recipe
    (a rerun of a model and seed replaces its row), all as JSON reads them back (levels as
    string keys), so that old and new rows summarise alike."""
    runs = json.loads(json.dumps(finite(runs)))
    if not path.exists():
        return runs
    old = json.loads(path.read_text())
    same = old.get("task") == finite(asdict(profile.task)) and old.get("train") == finite(
        asdict(profile.train)
    )
    new = {(r["model"], r["seed"]) for r in runs}
    kept = [r for r in old["runs"] if same and (r["model"], r["seed"]) not in new]
    return kept + runs


def load_calibration(profile: Profile) -> pd.DataFrame | None:
    """The committed calibration runs of a profile, one row per (model, seed, level); None if
    the profile has not been calibrated with this command."""
    path = results_dir(profile.name) / "calibration.json"
    if not path.exists():
        return None
    runs = json.loads(path.read_text())["runs"]
    return pd.DataFrame(
        [
            {
                "model": r["model"],
                "seed": r["seed"],
                "level": int(level),
                "greedy": r["greedy"][level],
                "pass_at_1": r["pass_at_1"][level],
                "valid_at_1": r["valid_at_1"][level],
            }
            for r in runs
            for level in r["pass_at_1"]
        ]
    )


def spread_table(profile: Profile) -> pd.DataFrame | None:
    """One row per committed calibration run: the checkpoint that acts as the model, its
    validation quintiles, and whether they meet the spread targets (`difficulty.spread_check`;
    the coverage target needs the test bank's 64+ samples, so notebook 04 checks it)."""
    path = results_dir(profile.name) / "calibration.json"
    if not path.exists():
        return None
    rows = []
    for r in json.loads(path.read_text())["runs"]:
        check = spread_check(r["quintiles"])
        rows.append(
            {
                "model": r["model"],
                "seed": r["seed"],
                "checkpoint": r["checkpoint"],
                "tokens (M)": round(r["tokens"] / 1e6, 2),
                "quintiles": " ".join(f"{q:.2f}" for q in r["quintiles"]),
                "min drop": check["min_drop"],
                "bin 1 >= .8": check["first_ok"],
                "bin 5 <= .1": check["last_ok"],
                "drops >= .1": check["drops_ok"],
                "meets spread": check["holds"],
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=None, help="default: the base model")
    parser.add_argument("--samples", type=int, default=16, help="samples per validation question")
    args = parser.parse_args(argv)
    runtime.configure_process()
    profile = load_profile(args.profile)
    device = runtime.device()
    stages.build_pretraining_corpus(profile)
    runs = []
    for name in args.models or [profile.base_model]:
        for seed in args.seeds:
            start = time.perf_counter()
            runs.append(measure(profile, name, seed, args.samples, device))
            r = runs[-1]
            print(
                f"{name} seed {seed}: sampled pass@1 by level {r['pass_at_1']} | quintiles "
                f"{r['quintiles']} ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    path = results_dir(profile.name) / "calibration.json"
    runs = merge_runs(path, profile, runs)
    record = {
        "profile": profile.name,
        "task": asdict(profile.task),
        "train": asdict(profile.train),
        "split": "validation",
        "samples": args.samples,
        "threads": runtime.threads(),
        "machine": runtime.machine(),
        "runs": runs,
        "summary": summarise(runs),
    }
    write_json_atomic(path, record, nan_as_null=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

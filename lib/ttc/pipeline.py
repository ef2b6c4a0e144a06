"""Run the notebooks in order through papermill: `python -m ttc.pipeline --profile cpu`.

Executed copies go to `build/notebooks/<profile>/` (ignored by git); the sources stay
without outputs. A failing cell stops the pipeline and names the notebook and the cell.
Wall time per notebook is written to `data/results/<profile>/pipeline_timing.json`; with
`--cold` (the cache must be empty: `make clean-cache`) the total is also recorded as the
profile's cold wall time, `cold_total_s`.
`--profile real` runs notebooks 03-06 on your model and problems (01-02 prepare the
modgraph study's data and model ladder); `--overrides FILE` merges a YAML mapping into the
profile, e.g. the paths of `params/real.yaml`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from . import runtime
from .cache import write_json_atomic
from .config import ConfigError, load_profile, profile_path, read_yaml
from .paths import BUILD_DIR, CACHE_DIR, NOTEBOOKS_DIR, results_dir


class LocalKernelManager(AsyncKernelManager):
    """The notebook kernel, reached over local sockets (IPC) rather than TCP: nothing listens on
    the network, and the kernel has no unencrypted-TCP warning to print."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"


def runs_on_a_real_model(notebook: Path) -> bool:
    """Whether a notebook applies to a real model and problem file, as its metadata says
    (`"ttc": {"real_model": true}`); the others prepare or need the modgraph ladder."""
    metadata = json.loads(notebook.read_text()).get("metadata", {})
    return bool(metadata.get("ttc", {}).get("real_model", False))


def notebooks(only: str | None = None, real: bool = False) -> list[Path]:
    found = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    if only is not None:
        if not str(only).isdigit():
            raise SystemExit(f"NB must be a notebook number such as 03, got {only!r}")
        found = [nb for nb in found if nb.name.startswith(f"{int(only):02d}_")]
        if not found:
            raise SystemExit(f"no notebook numbered {only} in {NOTEBOOKS_DIR}")
    if real:
        for nb in found:
            if not runs_on_a_real_model(nb):
                print(
                    f"skipping {nb.name}: it prepares or needs the modgraph ladder, not a real run"
                )
        found = [nb for nb in found if runs_on_a_real_model(nb)]
    return found


def resolve_profile(name: str) -> str:
    if name == "auto":
        return "full" if runtime.device().startswith("cuda") else "cpu"
    profile_path(name)  # an unknown profile is named, with the closest known one
    return name


def read_overrides(path: str | Path | None) -> dict:
    """The mapping in a YAML file of overrides (none: empty)."""
    if path is None:
        return {}
    if not Path(path).is_file():
        raise ConfigError(f"overrides file {path} does not exist")
    data = read_yaml(Path(path))
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: overrides must be a YAML mapping, got {type(data).__name__}")
    return data


def run(
    profile: str,
    only: str | None = None,
    output_dir: Path | None = None,
    overrides: dict | None = None,
    cold: bool = False,
) -> dict[str, float]:
    """Execute notebooks for `profile` (with `overrides` merged in); returns wall seconds per
    notebook. `cold`: every notebook from an empty cache, the total recorded as cold. What the
    notebooks print (cache hits, resumes, progress) streams to the log as they run."""
    import papermill

    overrides = overrides or {}
    cfg = load_profile(profile, overrides)  # fail on a bad profile before starting a kernel
    if cold and (only is not None or any(CACHE_DIR.glob("*/*"))):
        raise SystemExit(
            f"--cold times every notebook from an empty cache: run `make clean-cache` "
            f"(it deletes {CACHE_DIR}) and do not pass --only"
        )
    out_dir = Path(output_dir) if output_dir else BUILD_DIR / "notebooks" / profile
    out_dir.mkdir(parents=True, exist_ok=True)
    # the kernel must be this interpreter, with `ttc` importable
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    # progress bars in executed notebooks refresh every 30 s at most, so a long loop leaves a
    # few lines, not hundreds (tqdm reads TQDM_* defaults from the environment)
    os.environ.setdefault("TQDM_MININTERVAL", "30")
    timing: dict[str, float] = {}
    for nb in notebooks(only, cfg.is_real):
        print(f"==> {nb.name} [{profile}]", flush=True)
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(nb),
                str(out_dir / nb.name),
                parameters={"profile": profile, "overrides": overrides},
                kernel_name="python3",
                cwd=str(NOTEBOOKS_DIR),
                execution_timeout=cfg.cell_timeout_s,
                progress_bar=False,
                log_output=True,
                kernel_manager_class=LocalKernelManager,
            )
        except papermill.PapermillExecutionError as err:
            raise SystemExit(
                f"{nb.name} failed in cell {err.exec_count} ({err.ename}: {err.evalue}); "
                f"see {out_dir / nb.name}"
            ) from err
        timing[nb.stem] = round(time.perf_counter() - start, 1)
        print(f"    done in {timing[nb.stem]:.0f} s{_against_budget(cfg, nb.stem, timing[nb.stem])}",
              flush=True)  # fmt: skip
    _record_timing(profile, timing, cold)
    return timing


def _against_budget(cfg, notebook: str, seconds: float) -> str:
    """' (budget N min)', with a warning when the notebook overran its profile's budget."""
    budget = cfg.budget_minutes.get(notebook)
    if budget is None:
        return ""
    over = seconds > 60 * budget
    return f" (budget {budget:g} min{'; OVER BUDGET: update budget_minutes' if over else ''})"


def _record_timing(profile: str, timing: dict[str, float], cold: bool = False) -> None:
    """Merge this run's wall times into the profile's timing table."""
    path = results_dir(profile) / "pipeline_timing.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    merged = {**previous.get("wall_s", {}), **timing}
    record = {
        "profile": profile,
        "device": runtime.device(),
        "threads": runtime.threads(),
        "machine": runtime.machine(),
        "wall_s": dict(sorted(merged.items())),
        "total_s": round(sum(merged.values()), 1),
    }
    if cold:
        record["cold_wall_s"] = timing
        record["cold_total_s"] = round(sum(timing.values()), 1)
        record["cold_date"] = time.strftime("%Y-%m-%d")
    else:
        record.update({k: v for k, v in previous.items() if k.startswith("cold_")})
    write_json_atomic(path, record, nan_as_null=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--profile",
        default="auto",
        help="auto (full with CUDA, else cpu), smoke, cpu, full, or real (your model and data)",
    )
    parser.add_argument("--only", default=None, help="run one notebook by number, e.g. 02")
    parser.add_argument(
        "--overrides", default=None, help="a YAML file merged into the profile's parameters"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="time a cold run (the cache must be empty) and record it as cold_total_s",
    )
    args = parser.parse_args(argv)
    # papermill logs each cell's output (with log_output) through its logger
    logging.basicConfig(level=logging.WARNING, format="    %(message)s")
    logging.getLogger("papermill").setLevel(logging.INFO)
    try:
        profile = resolve_profile(args.profile)
        timing = run(profile, args.only, overrides=read_overrides(args.overrides), cold=args.cold)
    except ConfigError as err:  # bad input: one paragraph, no traceback
        raise SystemExit(f"error: {err}") from None
    print(f"pipeline [{profile}] finished: {sum(timing.values()):.0f} s")


if __name__ == "__main__":
    main()

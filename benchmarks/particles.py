"""Particle filtering against beam search M=4 at the same budget on the same questions
(target: particle filtering takes at most 1.2x beam search's wall time at N = 64, i.e. a
speed ratio >= 0.83 in questions per second).

Both run the one tree routine with the same lockstep decoding; particle filtering adds a
multinomial resample per round, and its rows may stay alive longer (a resampled particle is
not pruned for being outranked). Uses the profile's trained policy and PRM when notebooks 02-03
have built them, otherwise untrained stand-ins of the same size (timed, not recorded).
"""

from __future__ import annotations

from ttc.search import strategy, tree_search
from ttc.tasks.modgraph.task import ModgraphTask

from benchmarks import best_rates, report
from benchmarks.search import setup


def run(profile_name: str = "cpu", budget: int = 64, questions: int = 16, repeats: int = 3) -> dict:
    profile, device, policy, prm, trained, problems = setup(profile_name, questions)

    def searcher(name):
        args = strategy(name).arguments(budget, profile.search)

        def search():
            tree_search(policy, prm, problems, budget, **args, seed=0, progress=False,
                        max_rounds=profile.search.max_rounds, step_tokens=profile.search.step_tokens,
                        task=ModgraphTask())  # fmt: skip
            return len(problems)

        return search

    rates = best_rates(
        {name: searcher(name) for name in ("particle filtering", "beam M=4")}, repeats
    )
    return report(
        f"particle filtering against beam search M=4, N={budget}, {questions} questions, "
        f"{profile_name} policy and PRM ({'trained' if trained else 'untrained stand-ins'}), "
        f"device {device} (best of {repeats})",
        profile_name, "particles", rates, 1 / 1.2, trained, unit="questions/s", budget=budget,
        questions=questions, device=device, repeats=repeats,
    )  # fmt: skip


if __name__ == "__main__":
    run()

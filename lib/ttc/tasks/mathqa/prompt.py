r"""Few-shot prompts whose solutions are written one step per line, ending in `\boxed{}`.

The PRM scores a solution step by step and a step ends at a newline, so the examples show
the policy that format. With a chat template (instruct models) each example is a user and
assistant turn; without one (base models) the prompt is plain text, "Problem: ..." then
"Solution:" and the steps. A revision prompt shows the earlier attempts after the problem as
plain text ("Attempt 1:", "Attempt 2:", ...), then the header of the new attempt.
"""

from __future__ import annotations

from collections.abc import Sequence

from .data import MathProblem
from .grading import extract_boxed

INSTRUCTION = (
    "Solve the problem step by step, one step per line, and put the final answer in \\boxed{}."
)


def solution_steps(problem: MathProblem) -> list[str]:
    """The reference solution's non-empty lines, ending with a boxed answer (added if missing)."""
    steps = [line.strip() for line in problem.solution.splitlines() if line.strip()]
    if extract_boxed(problem.solution) is None:
        steps.append(f"The final answer is $\\boxed{{{problem.answer}}}$.")
    return steps


def _attempts_text(attempts: Sequence[str]) -> str:
    return "".join(f"\n\nAttempt {k}:\n{a.strip()}" for k, a in enumerate(attempts, start=1))


def prompt_ids(
    tokenizer, problem: MathProblem, shots: Sequence[MathProblem], attempts: Sequence[str] = ()
) -> list[int]:
    """Token ids of the prompt for `problem` after the worked examples `shots`, and after
    the earlier `attempts` at it, if any."""
    if tokenizer.chat_template:
        messages = []
        for shot in shots:
            messages.append({"role": "user", "content": f"{INSTRUCTION}\n\n{shot.problem}"})
            messages.append({"role": "assistant", "content": "\n".join(solution_steps(shot))})
        ask = f"{INSTRUCTION}\n\n{problem.problem}{_attempts_text(attempts)}"
        if attempts:
            ask += f"\n\nWrite attempt {len(attempts) + 1}."
        messages.append({"role": "user", "content": ask})
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return tokenizer(text, add_special_tokens=False)["input_ids"]  # the template has them
    blocks = [f"Problem: {s.problem}\nSolution:\n" + "\n".join(solution_steps(s)) for s in shots]
    header = f"Attempt {len(attempts) + 1}:" if attempts else "Solution:"
    blocks.append(f"Problem: {problem.problem}{_attempts_text(attempts)}\n{header}\n")
    return tokenizer("\n\n".join([INSTRUCTION, *blocks]))["input_ids"]

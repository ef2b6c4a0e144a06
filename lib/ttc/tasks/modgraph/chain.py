"""The chain format: a path of indexed operations, each on the previous result.

A chain problem starts from a value and applies L operations in order; operation k is
the prompt entry keyed `o_k`, an operator and a constant. With the entries in random
order (`order: shuffled`), the only way to find the operation of step k is to match
its key, which a small model learns and then fails at *softly*: the longer the chain,
the more entries to search and the more steps to get right. With the entries in order,
a small model learns to fetch by position instead and falls off a cliff after two or
three steps. One problem and its solution (p = 23):

    <bos> x = 5 ; o3 - 7 ; o1 * 9 ; o2 + 3 ; <sol>
    o1 5 * 9 = 22 <s> o2 22 + 3 = 2 <s> o3 2 - 7 = 18 <s> <ans> 18 <eos>

In modgraph terms a chain is a path-shaped dependency graph: a start leaf `x`, one hidden
constant leaf `c_k` per operation, and operations `o_k = o_{k-1} op c_k`. So the
problem type, values, grading, splits and caches are modgraph's; this module holds what
differs: the generator, the rendering, the exact step check and the token roles.
"""

from __future__ import annotations

import random

from ...config import TaskConfig
from .generator import OPS, Equation, Problem
from .tokenizer import CHAIN_START as START

STEP_LEN = 6  # o_k prev op c = r

# error names of the exact check, in the order it tests them
REASONS = (
    "malformed",
    "unknown key",
    "skipped step",
    "repeated step",
    "wrong previous value",
    "wrong operator",
    "wrong operand",
    "wrong arithmetic",
)
# roles of a step's tokens, for the validation loss by skill
STEP_ROLES = ("step_variable", "previous", "operator", "operand", "structure", "result")


def generate_chain(cfg: TaskConfig, rng: random.Random, length: int) -> Problem:
    """A chain of `length` operations with the prompt entries in the config's order."""
    p = cfg.modulus
    leaves = [Equation(START, value=rng.randrange(p))]
    ops = []
    for k in range(1, length + 1):
        const = f"c{k}"
        leaves.append(Equation(const, value=rng.randrange(p)))
        left = START if k == 1 else f"o{k - 1}"
        ops.append(Equation(f"o{k}", left=left, op=rng.choice(cfg.operators), right=const))
    if cfg.order == "shuffled":
        rng.shuffle(ops)
    return Problem(tuple(leaves + ops), f"o{length}", p, length, 0, "chain")


def prompt_text(problem: Problem) -> str:
    """`<bos> x = v ; o_k op c ; ... ; <sol>`: the start, then the entries in prompt order."""
    start = problem.definitions[START]
    entries = [
        f"{eq.target} {eq.op} {problem.values[eq.right]} ;"
        for eq in problem.equations
        if not eq.is_leaf
    ]
    return " ".join(["<bos>", f"{START} = {start.value} ;", *entries, "<sol>"])


def step_text(problem: Problem, target: str) -> str:
    eq = problem.definitions[target]
    vals = problem.values
    return f"{target} {vals[eq.left]} {eq.op} {vals[eq.right]} = {vals[target]} <s>"


def check_step(problem: Problem, step: tuple[str, ...], computed: set[str]) -> str:
    """The first error of one step (a reason of `REASONS`), or "ok"."""
    if len(step) != STEP_LEN or step[4] != "=" or not all(step[j].isdecimal() for j in (1, 3, 5)):
        return "malformed"
    key, prev, op, const, _, result = step
    eq = problem.definitions.get(key)
    if eq is None or eq.is_leaf:
        return "unknown key"
    if key in computed:
        return "repeated step"
    if eq.left != START and eq.left not in computed:
        return "skipped step"
    if int(prev) != problem.values[eq.left]:
        return "wrong previous value"
    if op != eq.op:
        return "wrong operator"
    if int(const) != problem.values[eq.right]:
        return "wrong operand"
    if OPS[op](int(prev), int(const), problem.modulus) != int(result):
        return "wrong arithmetic"
    return "ok"


def canonical(problem: Problem) -> str:
    """The chain itself, whatever the prompt order: the start and each operation in step order."""
    ops = sorted(
        (eq for eq in problem.equations if not eq.is_leaf), key=lambda e: int(e.target[1:])
    )
    body = " ".join(f"{eq.op}{problem.values[eq.right]}" for eq in ops)
    return f"chain {problem.modulus} {problem.definitions[START].value} {body}"


def corruptions(problem: Problem, solution: str) -> dict[str, str]:
    """Named wrong variants of a correct chain solution (each checked in the tests)."""
    steps = solution.split(" <s> ")
    tail = steps[-1]  # "<ans> a <eos>"
    body = [s.split() for s in steps[:-1]]
    p = problem.modulus

    def join(rows) -> str:
        return " <s> ".join([*(" ".join(r) for r in rows), tail])

    def redo(k: int, prev: int, op: str, const: int) -> list[str]:
        return [body[k][0], str(prev), op, str(const), "=", str(OPS[op](prev, const, p))]

    key, prev, op, const, _, _ = body[0]
    other_op = next(o for o in ("+", "-", "*") if o != op)
    out = {
        "wrong operator": [redo(0, int(prev), other_op, int(const)), *body[1:]],
        "wrong operand": [redo(0, int(prev), op, (int(const) + 1) % p), *body[1:]],
        "wrong previous value": [redo(0, (int(prev) + 1) % p, op, int(const)), *body[1:]],
        "wrong arithmetic": [
            [key, prev, op, const, "=", str((int(body[0][5]) + 1) % p)],
            *body[1:],
        ],
        "repeated step": [body[0], *body],
    }
    variants = {name: join(rows) for name, rows in out.items()}
    if len(body) > 1:
        variants["skipped step"] = join(body[1:])
    variants["trailing tokens"] = f"{solution} {body[0][0]}"
    return variants

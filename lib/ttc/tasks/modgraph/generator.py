"""Modgraph problems: a dependency graph of modular equations and a query (after
iGSM, Ye et al. 2024).

A problem lists leaf bindings (`v12 = 5`), binary operations (`v07 = v12 * v31`) and
distractors, then asks for one variable. The solution computes every necessary operation
in a valid topological order, one fixed-format step each, so every step can be checked
exactly. Difficulty comes from the number of necessary operations (the nominal level),
distractors, lures (near-duplicates of a necessary equation, giving correlated wrong
answers), the DAG shape, the prompt order and the step format.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from functools import cached_property

from ...config import TaskConfig

OPS = {
    "+": lambda a, b, p: (a + b) % p,
    "-": lambda a, b, p: (a - b) % p,
    "*": lambda a, b, p: (a * b) % p,
}


def var_name(i: int) -> str:
    return f"v{i:02d}"


@dataclass(frozen=True)
class Equation:
    """`target = value` (a leaf) or `target = left op right` (an operation)."""

    target: str
    value: int | None = None
    left: str | None = None
    op: str | None = None
    right: str | None = None

    @property
    def is_leaf(self) -> bool:
        return self.value is not None

    def text(self) -> str:
        if self.is_leaf:
            return f"{self.target} = {self.value}"
        return f"{self.target} = {self.left} {self.op} {self.right}"


@dataclass(frozen=True)
class Problem:
    """One modgraph problem; `values` holds the true value of every variable."""

    equations: tuple[Equation, ...]  # in prompt order
    query: str
    modulus: int
    n_ops: int  # necessary operations (the nominal level)
    n_distract: int
    step_format: str

    @cached_property
    def definitions(self) -> dict[str, Equation]:
        return {eq.target: eq for eq in self.equations}

    @cached_property
    def values(self) -> dict[str, int]:
        vals: dict[str, int] = {}

        def value(name: str) -> int:
            if name not in vals:
                eq = self.definitions[name]
                vals[name] = (
                    eq.value
                    if eq.is_leaf
                    else OPS[eq.op](value(eq.left), value(eq.right), self.modulus)
                )
            return vals[name]

        for eq in self.equations:
            value(eq.target)
        return vals

    @cached_property
    def necessary(self) -> frozenset[str]:
        """Operation nodes the query depends on (the steps a correct solution must take)."""
        needed: set[str] = set()
        stack = [self.query]
        while stack:
            eq = self.definitions[stack.pop()]
            if not eq.is_leaf and eq.target not in needed:
                needed.add(eq.target)
                stack.extend([eq.left, eq.right])
        return frozenset(needed)

    @property
    def answer(self) -> int:
        return self.values[self.query]

    @property
    def level(self) -> int:
        """The nominal difficulty, as MATH problems have one."""
        return self.n_ops

    def prompt_text(self) -> str:
        if self.step_format == "chain":
            from .chain import prompt_text

            return prompt_text(self)
        body = " ; ".join(eq.text() for eq in self.equations)
        return f"<bos> {body} ; ? {self.query} <sol>"

    def step_text(self, target: str) -> str:
        if self.step_format == "chain":
            from .chain import step_text

            return step_text(self, target)
        eq = self.definitions[target]
        result = self.values[target]
        if self.step_format == "terse":
            return f"{target} = {result} <s>"
        a, b = self.values[eq.left], self.values[eq.right]
        return f"{target} = {eq.left} {eq.op} {eq.right} = {a} {eq.op} {b} = {result} <s>"

    def solution_order(self, rng: random.Random) -> list[str]:
        """A topological order of the necessary steps, uniform among ready nodes at each step."""
        done: set[str] = set()
        order: list[str] = []
        pending = set(self.necessary)
        while pending:
            ready = sorted(
                t
                for t in pending
                if all(
                    self.definitions[o].is_leaf or o in done
                    for o in (self.definitions[t].left, self.definitions[t].right)
                )
            )
            pick = rng.choice(ready)
            order.append(pick)
            done.add(pick)
            pending.remove(pick)
        return order

    def solution_text(self, rng: random.Random) -> str:
        steps = " ".join(self.step_text(t) for t in self.solution_order(rng))
        return f"{steps} <ans> {self.answer} <eos>"

    @cached_property
    def key(self) -> str:
        """The prompt's identity."""
        return hashlib.sha1(self.prompt_text().encode()).hexdigest()[:16]

    @cached_property
    def twin_key(self) -> str:
        """Identity of the exercise, for deduplication across splits and the pretraining stream:
        a chain up to its prompt order, a dependency graph up to renaming its variables."""
        if self.step_format == "chain":
            from .chain import canonical

            text = canonical(self)
        else:  # variables renamed in order of first appearance in the prompt
            names: dict[str, str] = {}
            for eq in self.equations:
                for name in (eq.target, eq.left, eq.right):
                    if name is not None:
                        names.setdefault(name, f"v{len(names):02d}")
            text = " ".join(
                [
                    f"{names[eq.target]}={eq.value}"
                    if eq.is_leaf
                    else f"{names[eq.target]}={names[eq.left]}{eq.op}{names[eq.right]}"
                    for eq in self.equations
                ]
                + [f"?{names[self.query]} {self.modulus} {self.step_format}"]
            )
        return hashlib.sha1(text.encode()).hexdigest()[:16]


def generate_problem(
    cfg: TaskConfig, rng: random.Random, n_ops: int | None = None, n_distract: int | None = None
) -> Problem:
    """Draw one problem; level and distractor count are uniform over the config's ranges unless given."""
    p = cfg.modulus
    n_ops = rng.choice(cfg.levels) if n_ops is None else n_ops
    if cfg.step_format == "chain":
        from .chain import generate_chain

        return generate_chain(cfg, rng, n_ops)
    lo, hi = cfg.distractors
    n_distract = rng.randint(lo, hi) if n_distract is None else n_distract
    names = [var_name(i) for i in rng.sample(range(cfg.n_names), cfg.n_names)]
    fresh = iter(names)

    # Grow the necessary tree backwards from the query: each expansion turns a random open
    # operand slot into a new operation. Nodes created later are computed earlier.
    ops: list[dict] = [
        {"target": next(fresh), "op": rng.choice(cfg.operators), "args": [None, None]}
    ]
    slots = [(0, 0), (0, 1)]
    while len(ops) < n_ops:
        node, side = slots.pop(rng.randrange(len(slots)))
        ops.append({"target": next(fresh), "op": rng.choice(cfg.operators), "args": [None, None]})
        ops[node]["args"][side] = len(ops) - 1
        slots += [(len(ops) - 1, 0), (len(ops) - 1, 1)]

    # Fill the remaining slots with leaves; with reuse_frac a slot reuses an existing leaf, or
    # an operation created after its node (so computed before it: the graph stays acyclic).
    leaves: dict[str, int] = {}
    for node, side in sorted(slots):
        later_ops = [j for j in range(node + 1, len(ops)) if j not in ops[node]["args"]]
        if rng.random() < cfg.reuse_frac and (leaves or later_ops):
            pool = [("leaf", name) for name in leaves] + [("op", j) for j in later_ops]
            kind, ref = rng.choice(pool)
            ops[node]["args"][side] = ref if kind == "op" else ("leaf", ref)
        else:
            name = next(fresh)
            leaves[name] = rng.randrange(p)
            ops[node]["args"][side] = ("leaf", name)

    def operand_name(arg) -> str:
        return arg[1] if isinstance(arg, tuple) else ops[arg]["target"]

    necessary = [
        Equation(
            o["target"],
            left=operand_name(o["args"][0]),
            op=o["op"],
            right=operand_name(o["args"][1]),
        )
        for o in ops
    ]
    leaf_eqs = [Equation(name, value=value) for name, value in leaves.items()]
    distractors = _distractors(cfg, rng, n_distract, necessary, leaf_eqs, fresh)

    # Topological prompt: leaves first, then operations in computation order (necessary ops
    # reversed, each distractor after its operands). Shuffled: any order.
    if cfg.order == "shuffled":
        equations = leaf_eqs + necessary + distractors
        rng.shuffle(equations)
    else:
        equations = _topological(leaf_eqs + list(reversed(necessary)) + distractors, rng)
    return Problem(tuple(equations), ops[0]["target"], p, n_ops, n_distract, cfg.step_format)


def _distractors(
    cfg: TaskConfig,
    rng: random.Random,
    count: int,
    necessary: list[Equation],
    leaf_eqs: list[Equation],
    fresh,
) -> list[Equation]:
    """Equations the query does not depend on: lures, new leaves, or operations over anything."""
    out: list[Equation] = []
    for _ in range(count):
        target = next(fresh)
        existing = [eq.target for eq in leaf_eqs + necessary + out]
        if rng.random() < cfg.lure_frac:
            src = rng.choice(necessary)  # same shape as a necessary equation, one operand swapped
            swap_left = rng.random() < 0.5
            old = src.left if swap_left else src.right
            other = rng.choice([n for n in existing if n != old] or existing)
            left, right = (other, src.right) if swap_left else (src.left, other)
            out.append(Equation(target, left=left, op=src.op, right=right))
        elif rng.random() < 0.5:
            out.append(Equation(target, value=rng.randrange(cfg.modulus)))
        else:
            out.append(
                Equation(
                    target,
                    left=rng.choice(existing),
                    op=rng.choice(cfg.operators),
                    right=rng.choice(existing),
                )
            )
    return out


def _topological(equations: list[Equation], rng: random.Random) -> list[Equation]:
    """Leaves first (shuffled), then each operation once its operands are defined, ties at random."""
    leaves = [eq for eq in equations if eq.is_leaf]
    rng.shuffle(leaves)
    defined = {eq.target for eq in leaves}
    pending = [eq for eq in equations if not eq.is_leaf]
    ordered = list(leaves)
    while pending:
        ready = [eq for eq in pending if eq.left in defined and eq.right in defined]
        pick = rng.choice(ready)
        ordered.append(pick)
        defined.add(pick.target)
        pending.remove(pick)
    return ordered


def problem_to_dict(problem: Problem) -> dict:
    return {
        "equations": [[eq.target, eq.value, eq.left, eq.op, eq.right] for eq in problem.equations],
        "query": problem.query,
        "modulus": problem.modulus,
        "n_ops": problem.n_ops,
        "n_distract": problem.n_distract,
        "step_format": problem.step_format,
    }


def problem_from_dict(data: dict) -> Problem:
    equations = tuple(
        Equation(t, value=v, left=a, op=o, right=b) for t, v, a, o, b in data["equations"]
    )
    return Problem(
        equations,
        data["query"],
        data["modulus"],
        data["n_ops"],
        data["n_distract"],
        data["step_format"],
    )

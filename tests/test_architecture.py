"""The library's data flows one way: task -> policy -> samples -> verifier -> strategies ->
tables -> figures. No module imports one from a later layer (same-layer imports are fine)."""

import ast
from pathlib import Path

import ttc

LAYERS = [
    {"paths", "config", "cache", "runtime", "ragged", "flops", "plots"},
    {"tasks"},
    {"models", "sampling"},
    {"policy"},
    {"bank"},
    {"verifiers"},
    {"selection", "difficulty"},
    {"search"},
    {"revisions"},
    {"compute_optimal", "exchange", "real"},
    {"stages"},
    {"findings", "calibrate", "viz", "notebook", "pipeline", "report"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}
ROOT = Path(ttc.__file__).parent


def _top(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def _imported(path: Path, node: ast.ImportFrom) -> str | None:
    """The top-level ttc module an import refers to (None outside ttc)."""
    if node.level == 0:
        parts = (node.module or "").split(".")
        return parts[1] if parts[0] == "ttc" and len(parts) > 1 else None
    package = path.relative_to(ROOT).parent.parts
    base = package[: len(package) - (node.level - 1)]
    parts = [*base, *(node.module or "").split(".")] if node.module else list(base)
    if parts and parts[0]:
        return parts[0]
    return node.names[0].name  # `from . import cache` at the top level


def test_every_module_has_a_layer():
    modules = {_top(p) for p in ROOT.rglob("*.py")} - {"__init__"}
    assert modules <= set(LAYER), modules - set(LAYER)


def test_no_module_imports_from_a_later_layer():
    wrong = []
    for path in ROOT.rglob("*.py"):
        if path.name == "__init__.py" and path.parent == ROOT:
            continue
        own = LAYER[_top(path)]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                target = _imported(path, node)
                if target in LAYER and LAYER[target] > own:
                    wrong.append(f"{path.relative_to(ROOT)} imports {target}")
    assert not wrong, wrong


def test_stage_modules_import_only_earlier_notebooks():
    order = ["common", "data", "base_models", "substrate", "verifiers", "bank", "search",
             "revisions", "chains", "compute_optimal", "exchange"]  # fmt: skip
    stages = ROOT / "stages"
    assert {p.stem for p in stages.glob("*.py")} - {"__init__"} == set(order)
    for name in order:
        tree = ast.parse((stages / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert order.index(node.module) < order.index(name), (name, node.module)

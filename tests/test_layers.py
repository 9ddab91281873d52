"""The package's layers, read from its import graph (ast): nothing imports upwards, nothing cycles.

The picture is in ``book/contributing.md``. Every ``import`` counts, at module level or inside a
function: an upward import hidden in a function is still an upward import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vaxis"

#: Layer of each part of the package, bottom (0) to top. A module may import from its own layer's
#: other modules only where :data:`SUBLAYERS` orders them, and from lower layers freely.
LAYERS: dict[str, int] = {
    "vaxis._checks": 0, "vaxis.numerics": 0,
    "vaxis.io": 1, "vaxis.stats": 1, "vaxis.tables": 1, "vaxis.verdicts": 1,
    "vaxis.results": 2,
    "vaxis.llm": 3, "vaxis.eeg": 3,
    "vaxis.decoding": 4,
    "vaxis.plots": 5, "vaxis.exercises": 5,
    "vaxis.book": 6,
    "vaxis": 7,
}
#: Parts of one layer that must not know each other.
SIBLINGS = [("vaxis.llm", "vaxis.eeg"), ("vaxis.io", "vaxis.stats"), ("vaxis.io", "vaxis.tables"), ("vaxis.stats", "vaxis.tables"), ("vaxis.io", "vaxis.verdicts"), ("vaxis.stats", "vaxis.verdicts"), ("vaxis.tables", "vaxis.verdicts"), ("vaxis._checks", "vaxis.numerics"),
            ("vaxis.plots", "vaxis.exercises")]
#: Order inside the decoding layer: a part imports only parts of a lower sublayer.
SUBLAYERS: dict[str, int] = {
    "vaxis.decoding.folds": 0, "vaxis.decoding.sweep": 0,
    "vaxis.decoding.zoo": 1,
    "vaxis.decoding.engine": 2, "vaxis.decoding.alignment": 2, "vaxis.decoding.mapping": 2,
    "vaxis.decoding.calibration": 3, "vaxis.decoding.rediscovery": 3, "vaxis.decoding.ensembles": 3,
    "vaxis.decoding.alternatives": 3, "vaxis.decoding.recovery": 3,
    "vaxis.decoding.saturation": 4, "vaxis.decoding.clip_identity": 4,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every vaxis module ``path`` imports, anywhere in it (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "vaxis"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "vaxis":
                continue
            subs = {f"{mod}.{a.name}" for a in node.names if _is_module(f"{mod}.{a.name}")}
            out |= subs if len(subs) == len(node.names) else subs | {mod}  # `from pkg import module` imports module
    return out - {name}


def _is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _part(name: str, table: dict[str, int]) -> str | None:
    best = None
    for prefix in table:
        if (name == prefix or name.startswith(prefix + ".")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def violations(g: dict[str, set[str]]) -> list[str]:
    """Upward, sibling and intra-decoding order violations of an import graph ``{module: imported}``."""
    out = []
    for mod, deps in g.items():
        mine = _part(mod, LAYERS)
        for dep in deps:
            theirs = _part(dep, LAYERS)
            if mine is None or theirs is None:
                out.append(f"{mod} -> {dep}: not in a layer (add it to LAYERS)")
            elif theirs != mine and LAYERS[theirs] > LAYERS[mine]:
                out.append(f"{mod} (layer {LAYERS[mine]}) imports {dep} (layer {LAYERS[theirs]}): upwards")
            elif any({mine, theirs} == set(pair) for pair in SIBLINGS):
                out.append(f"{mod} imports its sibling {dep}")
            elif mine == theirs == "vaxis.decoding" and mod != "vaxis.decoding":
                a, b = _part(mod, SUBLAYERS), _part(dep, SUBLAYERS)
                if a != b and (a is None or b is None or SUBLAYERS[b] >= SUBLAYERS[a]):
                    out.append(f"{mod} imports {dep}: not below it inside vaxis.decoding")
    return sorted(out)


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles between modules (package __init__ files re-export their children, so edges from
    a package to its own children are left out)."""
    edges = {m: {d for d in ds if d in g and not d.startswith(m + ".")} for m, ds in g.items()}
    found, state, stack = [], {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in edges[m]:
            if state.get(d) == 1:
                found.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
    return found


def test_every_module_is_in_a_layer_and_nothing_imports_upwards():
    g = graph()
    assert len(g) > 40
    assert violations(g) == []


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_no_vaxis_import_is_hidden_in_a_function():
    """Imports of vaxis modules sit at the top of their module, where a reader sees the dependencies."""
    hidden = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("vaxis")):
                        hidden.append(f"{module_name(path)}.{node.name}")
                    elif isinstance(inner, ast.Import) and any(a.name.startswith("vaxis") for a in inner.names):
                        hidden.append(f"{module_name(path)}.{node.name}")
    assert hidden == []


@pytest.mark.parametrize("edge, message", [
    (("vaxis.eeg.simulate", "vaxis.decoding.mapping"), "upwards"),
    (("vaxis.eeg.faced", "vaxis.llm.norms"), "sibling"),
    (("vaxis.stats", "vaxis.results"), "upwards"),
    (("vaxis.decoding.engine.job", "vaxis.decoding.saturation.tasks"), "not below it"),
    (("vaxis.decoding.mapping", "vaxis.decoding.rediscovery"), "not below it"),
])
def test_the_checker_catches_a_planted_violation(edge, message):
    g = graph()
    g[edge[0]] = g.get(edge[0], set()) | {edge[1]}
    assert any(message in v for v in violations(g)), violations(g)


def test_the_checker_catches_a_planted_cycle():
    g = graph()
    g["vaxis.decoding.engine.results"] = g["vaxis.decoding.engine.results"] | {"vaxis.decoding.engine.job"}
    assert cycles(g)


def test_no_two_public_classes_share_a_name():
    """One name per idea: a class name says which class it is, wherever it is imported from."""
    where: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                where.setdefault(node.name, []).append(module_name(path))
    assert {k: v for k, v in where.items() if len(v) > 1} == {}


def test_no_module_outside_a_registry_grows_past_about_600_lines():
    """Split a module by concept when it grows (book/contributing.md); the loss registry's family modules and
    the registry of offline models are lists of parallel entries and may be longer."""
    exempt = {"vaxis.llm.registry"}
    long = {module_name(p): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 620 and module_name(p) not in exempt}
    assert long == {}

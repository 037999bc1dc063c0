"""The repository explains itself and keeps one home per rule: checks over the source files.

- Nothing points at a document or tracker a clone does not have (a design document's section
  numbers, issue or round numbers).
- Vocabulary and limits are defined once, in domain/: no second table of shift hours, role list,
  REOPEN reasons, default limits or 三率 period boundary elsewhere in the product.
- Page texts state no rule figure literally: they read it from the rules version in force.
- Every package the product imports is declared in pyproject.toml, and every runtime pin there is the
  one both locks hold and say the project requires.
"""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ["app.py", "serve.py", "pages", "dashboard", "queries", "domain", "benchmarks", "scripts", "deploy", "mappings"]
SOURCE_SUFFIXES = {".py", ".sh", ".sql", ".conf", ".toml", ".yaml", ".yml", ".service", ".timer"}


def _files(roots: list[str], suffixes: set[str]) -> list[Path]:
    out = []
    for root in roots:
        path = ROOT / root
        candidates = [path] if path.is_file() else path.rglob("*")
        out += [p for p in candidates if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts]
    return sorted(out)


def _hits(pattern: re.Pattern, files: list[Path]) -> list[str]:
    return [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
            for p in files for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]


def test_nothing_points_at_documents_a_clone_lacks():
    pattern = re.compile(r"DESIGN|设计文档|[Ii]ssue \d|[Rr]ound \d")
    files = _files(PRODUCT + ["tests"], SOURCE_SUFFIXES)
    files = [p for p in files if p != Path(__file__).resolve()]
    assert _hits(pattern, files) == []


@pytest.mark.parametrize("what, pattern", [
    ("shift start hours", r'SHIFT_START_HOUR\s*=|"夜班":\s*0|"早班":\s*8|"中班":\s*16'),
    ("REOPEN reasons", r"CITY_QC_REASONS\s*=|\(\s*\"city_qc\","),
    ("default limits", r"DEFAULT_LIMITS\s*=|\b2 \* 3600\b|\b48 \* 3600\b"),
    ("role lists", r'"项目经理",\s*"业务主管"|"派单专员",\s*"退单专员"'),
    ("三率 period boundary", r"replace\(day=19\)|PERIOD_START_DAY\s*="),
])
def test_vocabulary_and_limits_have_one_home(what, pattern):
    files = [p for p in _files(["app.py", "pages", "dashboard", "queries", "benchmarks"], {".py"})
             if "migrations" not in p.parts]
    assert _hits(re.compile(pattern), files) == [], what


def test_page_texts_state_no_rule_figure():
    # a share, a head count, equipment, a score band or a time limit typed into a page's text
    pattern = re.compile(r'"[^"\n]*((?<![.:+\d])\d+\s?%|≥\s?\d|\d+\s?台|\d+\s?分（|\d+\s?(分钟|小时)(?!/)|[^近]\s\d+\s?天)[^"\n]*"')
    assert _hits(pattern, _files(["pages"], {".py"})) == []


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {}
    for requirement in project["dependencies"]:
        name, _, version = requirement.partition("==")
        pins[_canonical(re.sub(r"\[.*\]", "", name))] = version
    return pins


def _lock_entries(lock: str) -> dict[str, tuple[str, str]]:
    """name → (pinned version, the `# via` annotation block) of a pip-compile lock."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    entries = {}
    for match in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n((?:    .*\n)*)", text, re.M):
        entries[_canonical(match[1])] = (match[2], match[3])
    return entries


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_locks_hold_the_declared_pins(lock):
    entries = _lock_entries(lock)
    assert "starlette" in entries and "streamlit" in entries        # the parser reads the file
    wrong = {name: entries.get(name, ("missing", ""))[0] for name, version in _runtime_pins().items()
             if entries.get(name, ("", ""))[0] != version}
    assert wrong == {}
    unannotated = [name for name in _runtime_pins()
                   if "hotline-dashboard (pyproject.toml)" not in entries[name][1]]
    assert unannotated == []


def test_every_imported_package_is_declared():
    own = {"app", "serve", "pages", "dashboard", "queries", "domain"}
    imported: dict[str, str] = {}
    for path in _files(["app.py", "serve.py", "pages", "dashboard", "queries", "domain"], {".py"}):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in own and top not in sys.stdlib_module_names:
                    imported.setdefault(top, str(path.relative_to(ROOT)))
    assert {"sqlalchemy", "streamlit", "starlette"} <= set(imported)  # the walk sees the imports
    providers = packages_distributions()
    declared = set(_runtime_pins())
    undeclared = {module: where for module, where in imported.items()
                  if not declared & {_canonical(d) for d in providers.get(module, [module])}}
    assert undeclared == {}

"""What publishing the book relies on: CITATION.cff is valid Citation File Format 1.2.0 and cites the paper;
the GitHub Pages workflow installs and builds the book as CI does and deploys _build/html; environment.yml
(which Binder reads) installs the package with what a chapter needs and nothing it must not; the licences
are there."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "deploy-book.yml"
BUILD = "jupyter-book build . -W -n --keep-going"


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extras() -> dict[str, list[str]]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]


def requirement_name(requirement: str) -> str:
    """``"ray[tune]>=2.9"`` -> ``"ray"``: the distribution's normalised name."""
    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)).lower()


def editable_extras(spec: str) -> set[str] | None:
    """The extras of an install of this checkout (``-e ".[a,b]"``, ``.[a]``, ``-e .``), else None."""
    words = shlex.split(spec)
    target = words[-1] if words else ""
    match = re.fullmatch(r"\.(?:\[([^\]]*)\])?", target)
    if match is None:
        return None
    return {extra.strip() for extra in (match.group(1) or "").split(",") if extra.strip()}


# --- CITATION.cff ------------------------------------------------------------------------------------------


def test_citation_cff_is_valid_cff_and_cites_the_paper():
    cff = load_yaml(ROOT / "CITATION.cff")
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):
        assert cff.get(key), f"CITATION.cff lacks the required key {key!r}"
    assert cff.get("type", "software") in ("software", "dataset")
    assert all(isinstance(a, dict) and (a.get("name") or a.get("family-names")) for a in cff["authors"])
    licences = cff["license"] if isinstance(cff["license"], list) else [cff["license"]]
    assert set(licences) == {"MIT", "CC-BY-4.0"}
    assert str(cff["version"]) == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    cited = [cff["preferred-citation"]] if "preferred-citation" in cff else []
    cited += cff.get("references", [])
    paper = next(r for r in cited if str(r.get("doi", "")).lower() == "10.1016/j.bspc.2018.08.035")
    assert paper["type"] == "article"
    assert paper["title"] == "Speech emotion recognition using deep 1D & 2D CNN LSTM networks"
    assert [a["family-names"] for a in paper["authors"]] == ["Zhao", "Mao", "Chen"]
    assert paper["journal"] == "Biomedical Signal Processing and Control"
    assert (paper["year"], paper["volume"], paper["start"], paper["end"]) == (2019, 47, 312, 323)
    allowed = {"cff-version", "message", "title", "authors", "type", "abstract", "version", "license",
               "repository-code", "repository", "repository-artifact", "url", "keywords", "references",
               "preferred-citation", "date-released", "doi", "identifiers", "contact", "commit", "license-url"}
    assert set(cff) <= allowed, f"keys CFF 1.2.0 does not define: {set(cff) - allowed}"


# --- the GitHub Pages workflow -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict:
    return load_yaml(WORKFLOW)


def steps_of(workflow: dict) -> list[dict]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def test_workflow_runs_on_pushes_to_main_with_the_rights_pages_needs(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "main" in triggers["push"]["branches"]
    (job,) = workflow["jobs"].values()
    permissions = {**workflow.get("permissions", {}), **job.get("permissions", {})}
    assert permissions.get("pages") == "write" and permissions.get("id-token") == "write"
    assert job["environment"]["name"] == "github-pages"
    assert job["runs-on"].startswith("ubuntu")


def test_workflow_installs_and_builds_as_ci_does_and_deploys_build_html(workflow):
    steps = steps_of(workflow)
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    order = ["actions/checkout", "actions/setup-python", "actions/upload-pages-artifact", "actions/deploy-pages"]
    assert [u for u in uses if u in order] == order
    runs = [line.strip() for step in steps for line in step.get("run", "").splitlines() if line.strip()]
    installs = [editable_extras(line.removeprefix("pip install").removeprefix("python -m pip install"))
                for line in runs if re.match(r"(python -m )?pip install\b", line)]
    assert {"tensorflow", "book"} in installs, runs
    assert 'pip install -e ".[tensorflow,book]"' in runs
    assert BUILD in runs
    build = next(i for i, step in enumerate(steps) if BUILD in step.get("run", ""))
    upload = uses.index("actions/upload-pages-artifact")
    assert build < upload
    assert steps[upload]["with"]["path"].strip("./") == "_build/html"
    python = str(next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))["with"]
                 ["python-version"])
    assert re.fullmatch(r"3\.1[0-2]", python), "the package supports Python 3.10-3.12 (environment.yml)"


def test_workflow_publishes_the_tag_the_install_cells_pin(workflow):
    """The chapters install ``@v<version>`` (tests/test_book.py); the workflow pushes that tag after a good build
    when it is missing, before the book goes out."""
    steps = steps_of(workflow)
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["contents"] == "write"
    tag = next(i for i, step in enumerate(steps) if "git push origin" in step.get("run", ""))
    run = steps[tag]["run"]
    assert "sercnn.__version__" in run and 'tag="v' in run and "git ls-remote" in run
    build = next(i for i, step in enumerate(steps) if BUILD in step.get("run", ""))
    deploy = next(i for i, step in enumerate(steps) if step.get("uses", "").startswith("actions/deploy-pages"))
    assert build < tag < deploy


def test_the_build_is_the_one_ci_runs():
    ci = ROOT / ".ci" / "run"
    if not ci.is_file():
        pytest.skip("no .ci/run in this checkout")
    assert BUILD in ci.read_text(encoding="utf-8").splitlines()
    config = load_yaml(ROOT / "_config.yml")
    assert config["execute"]["execute_notebooks"] in ("cache", "force", "auto")  # chapters are executed
    assert config["execute"].get("allow_errors") is False


# --- environment.yml (Binder) ------------------------------------------------------------------------------


def test_environment_installs_what_a_chapter_needs_and_nothing_else(extras):
    environment = load_yaml(ROOT / "environment.yml")
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = [p for d in environment["dependencies"] if isinstance(d, dict) for p in d.get("pip", [])]
    assert any(re.match(r"python\b", d) for d in conda) and "pip" in conda
    for requirement in conda + pip:
        assert "==" not in requirement, f"an exact pin: {requirement}"
        assert not re.fullmatch(r"[A-Za-z0-9._-]+=[^=<>]+", requirement), f"an exact conda pin: {requirement}"
    installs = [e for e in map(editable_extras, pip) if e is not None]
    assert len(installs) == 1, f"environment.yml must install this checkout once (pip: {pip})"
    chosen = installs[0]
    assert chosen <= set(extras), f"extras pyproject.toml does not define: {chosen - set(extras)}"
    assert "tensorflow" in chosen, "Keras needs a backend; the chapters use TensorFlow"
    assert chosen & {"book", "notebook"}, "a chapter needs the notebook extra (or the book extra, which has it)"
    needed = {requirement_name(r) for r in extras["notebook"]}
    provided = {requirement_name(r) for extra in chosen for r in extras[extra]}
    assert needed <= provided
    assert "test" not in chosen
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(map(requirement_name, project["dependencies"]))
    for extra in ("tensorflow", "book", "notebook"):
        wanted |= set(map(requirement_name, extras[extra]))
    test_only = set(map(requirement_name, extras["test"])) - wanted
    assert test_only, "the test extra should hold tools a reader does not need"
    installed = provided | {requirement_name(r) for r in pip if editable_extras(r) is None}
    installed |= {requirement_name(d) for d in conda}
    assert not installed & test_only, f"test-only tools in environment.yml: {installed & test_only}"


# --- licences ----------------------------------------------------------------------------------------------


def test_licences_cover_code_and_prose_and_leave_the_corpora_out():
    code = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert code.startswith("MIT License") and "2026 sercnn-book developers" in code
    content = (ROOT / "LICENSE-CONTENT").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International" in content
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in content
    for text in (code, content):
        assert all(corpus in text for corpus in ("EmoDB", "RAVDESS", "IEMOCAP"))
        assert "never redistributed" in text

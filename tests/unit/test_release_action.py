"""scripts/release_action: the released action.yml is main's with one line changed, the
image, and still a valid action with every input and output."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "release_action"
ACTION_YML = ROOT / "action.yml"
DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE = f"ghcr.io/octo-org/cfaction:1.2.3@{DIGEST}"


def load_script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("release_action", str(SCRIPT))
    spec = importlib.util.spec_from_loader("release_action", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


release = load_script()


def run_script(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def released(tmp_path: Path) -> Path:
    out = tmp_path / "action.yml"
    done = run_script("--image", IMAGE, "--output", out, ACTION_YML)
    assert done.returncode == 0, done.stderr
    return out


def test_only_the_image_line_changes_byte_for_byte(released: Path) -> None:
    before = ACTION_YML.read_bytes().splitlines(keepends=True)
    after = released.read_bytes().splitlines(keepends=True)

    assert len(after) == len(before)
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert len(changed) == 1
    assert before[changed[0]] == b"  image: Dockerfile\n"
    assert after[changed[0]] == f"  image: docker://{IMAGE}\n".encode()


def test_the_released_action_keeps_every_input_and_output(released: Path) -> None:
    main = yaml.safe_load(ACTION_YML.read_text(encoding="utf-8"))
    out = yaml.safe_load(released.read_text(encoding="utf-8"))

    assert out["runs"] == {"using": "docker", "image": f"docker://{IMAGE}"}
    assert list(out["inputs"].items()) == list(main["inputs"].items())
    assert list(out["outputs"].items()) == list(main["outputs"].items())
    assert {k: v for k, v in out.items() if k != "runs"} == {
        k: v for k, v in main.items() if k != "runs"
    }


def test_the_released_action_passes_the_action_schema(released: Path) -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-actions", str(released)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_in_place_is_the_default(tmp_path: Path) -> None:
    target = tmp_path / "action.yml"
    target.write_bytes(ACTION_YML.read_bytes())

    done = run_script("--image", "cfaction:test", target)

    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["runs"]["image"] == (
        "docker://cfaction:test"
    )


def test_line_endings_quotes_and_comments_elsewhere_stay() -> None:
    text = (
        "name: x\r\ndescription: y\r\n"
        "runs:\r\n"
        "  # built by the runner on main\r\n"
        "  using: 'docker'\r\n"
        '  image: "Dockerfile" # main\r\n'
        "branding:\r\n  icon: cloud\r\n"
    )

    out = release.rewrite(text, "ghcr.io/o/r:1")

    assert out == text.replace(
        '  image: "Dockerfile" # main\r\n', "  image: docker://ghcr.io/o/r:1\r\n"
    )


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/Octo/cfaction:1.2.3",  # upper-case repository
        "ghcr.io/octo/cfaction:1.2.3@sha256:abc",  # short digest
        "ghcr.io/octo/cfaction:1.2.3 ",  # whitespace
        "docker://ghcr.io/octo/cfaction:1",  # the prefix is the script's to add
        "ghcr.io/octo/cfaction:-1",  # a tag cannot start with '-'
        "",
    ],
)
def test_an_image_docker_would_refuse_is_refused(image: str) -> None:
    with pytest.raises(release.ReleaseError, match="not an image reference"):
        release.rewrite(ACTION_YML.read_text(encoding="utf-8"), image)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nruns:\n  using: node24\n  main: index.js\n", "not 'docker'"),
        ("name: x\nruns:\n  using: docker\n  image: docker://ghcr.io/o/r:1\n", "not a Dockerfile"),
        ("name: x\nruns:\n  using: docker\n", "one runs.image line, found 0"),
        ("name: x\n", "one top-level 'runs:' line, found 0"),
        (
            "name: x\nruns:\n  using: docker\n  image: Dockerfile\n  args:\n    - a\n",
            "not a 'key: value' line",
        ),
        (
            "name: x\nruns:\n  using: docker\n  image: Dockerfile\n  env:\n    A: b\n",
            "one indentation",
        ),
    ],
)
def test_an_action_yml_it_cannot_release_is_refused(text: str, message: str) -> None:
    with pytest.raises(release.ReleaseError, match=message):
        release.rewrite(text, "ghcr.io/o/r:1")


def test_a_refusal_exits_1_and_leaves_the_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "action.yml"
    target.write_text("name: x\nruns:\n  using: node24\n  main: index.js\n", encoding="utf-8")
    before = target.read_bytes()

    done = run_script("--image", "ghcr.io/o/r:1", target)

    assert done.returncode == 1
    assert "runs.using is not 'docker'" in done.stderr
    assert target.read_bytes() == before

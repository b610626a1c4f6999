"""Conformance with wrangler itself: for each family of configuration keys, one small project
(tests/e2e/conformance_projects.py) is published by ``wrangler deploy --no-bundle`` and by
cfaction, each against its own fresh emulator, and the stored state is compared field by
field after every deploy: parts and their content types and bytes, metadata (compatibility,
migrations, placement, limits, logpush, observability, keep_bindings…), bindings, script
settings, workers.dev and previews, schedules, Durable Object classes and migration tag,
routes, custom domains, queue consumers, Workflows and the KV, D1 and R2 resources. The one
normaliser, ``conformance_projects.normalised``, says what is ignored and why.

wrangler is installed from npm on first use into a cache folder (``CFACTION_WRANGLER_DIR``,
default ``~/.cache/cfaction/wrangler-<version>``), so later runs reuse it. The tests are
skipped, with the reason shown, only when npm itself is missing.

A project where cfaction is known to store something else than wrangler is marked
``xfail(strict=True)`` with what differs: the comparison still runs, and the mark has to go
once the product matches.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cfemu import Emulator
from cfemu.demo import demo_state
from cfemu.runner import write_files
from tests.harness.wrangler import Wrangler, installed_wrangler

# The projects' checks are plain asserts: pytest explains them only if it rewrites the module.
pytest.register_assert_rewrite("tests.e2e.conformance_projects")
from tests.e2e import conformance_projects as projects  # noqa: E402 (after the registration)
from tests.e2e.conformance_projects import Project, View  # noqa: E402

pytestmark = pytest.mark.e2e

MATRIX = [
    projects.BASIC,
    projects.MODULES,
    projects.NO_WALK,
    projects.RULE_WITHOUT_FALLTHROUGH,
    projects.BINDINGS,
    projects.DURABLE_OBJECTS,
    projects.CRONS,
    projects.QUEUES,
    projects.WORKFLOWS,
    projects.WORKFLOW_SCHEDULES,
    projects.SETTINGS,
    projects.SETTINGS_REMOVED,
    projects.ROUTES,
    projects.ENVIRONMENTS,
    projects.PROVISIONING,
    projects.SERVICE_WORKER,
    projects.SOURCE_MAPS,
    projects.SECRETS,
    projects.SECRET_OUTLIVES_REDEPLOY,
    projects.ASSETS,
]
KNOWN_DIFFERENCES: dict[str, str] = {}
"""Projects where cfaction is known to store something else than wrangler, and what."""


def _param(project: Project) -> object:
    reason = KNOWN_DIFFERENCES.get(project.id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(project, id=project.id, marks=marks)


@pytest.fixture(scope="module")
def wrangler() -> Wrangler:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so wrangler cannot be installed to compare with")
    return installed_wrangler()


def by_wrangler(project: Project, wrangler: Wrangler, root: Path) -> list[View]:
    """Deploy every step with wrangler into one fresh emulator; the view after each."""
    folder, home = root / "project", root / "home"
    home.mkdir(parents=True)
    views = []
    with _emulator(project) as emu:
        for index, step in enumerate(project.steps):
            if step.before is not None:
                step.before(projects.Api(emu))
            write_files(folder, project.files_at(index))
            args = ("--env", step.environment) if step.environment else ()
            run = projects.wrangler_deploy(wrangler, folder, emu.base_url, home, *args)
            assert run.returncode == 0, f"wrangler deploy {index + 1}:\n{run.stdout}{run.stderr}"
            views.append(projects.normalised(emu.state))
    return views


def by_cfaction(project: Project) -> list[View]:
    """Deploy every step with cfaction into one fresh emulator; the view after each."""
    views = []
    with _emulator(project) as emu:
        for index, step in enumerate(project.steps):
            if step.before is not None:
                step.before(projects.Api(emu))
            inputs = {**project.inputs, "environment": step.environment or ""}
            run = projects.cfaction_deploy(emu.base_url, project.files_at(index), inputs)
            assert run.exit_code == 0, f"cfaction deploy {index + 1}:\n{run.stdout}{run.stderr}"
            views.append(projects.normalised(emu.state))
    return views


def _emulator(project: Project) -> Emulator:
    state = demo_state()
    if project.setup is not None:
        project.setup(state)
    return Emulator(state)


@pytest.mark.parametrize("project", [_param(p) for p in MATRIX])
def test_cfaction_stores_what_wrangler_stores(
    project: Project, wrangler: Path, tmp_path: Path
) -> None:
    expected = by_wrangler(project, wrangler, tmp_path)
    if project.check is not None:
        project.check(expected)
    actual = by_cfaction(project)
    for index, (theirs, ours) in enumerate(zip(expected, actual, strict=True)):
        diff = "\n".join(projects.differences(theirs, ours))
        assert ours == theirs, f"after deploy {index + 1} of {len(expected)}:\n{diff}"

# The action's image. The runner builds it from this directory (`runs.image: Dockerfile`)
# and starts it with --workdir /github/workspace, so nothing here relies on WORKDIR, and it
# runs as root (no USER) so it can write the workspace and the runner's file commands.
# Python minor tag on purpose; bump it together with `scripts/lock`. BASE_IMAGE lets a
# locally built base stand in (`docker build --build-arg BASE_IMAGE=...`).
ARG BASE_IMAGE=python:3.13-slim
FROM ${BASE_IMAGE}

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# Lock first so this layer stays cached while only the code changes. Every file is pinned by
# hash and --no-deps means nothing unlisted can come in. Installing with the same absolute
# interpreter as ENTRYPOINT also fails the build early if a stand-in base lacks it.
# The lock file itself is deleted again: the image keeps only what the action runs.
COPY requirements.txt /tmp/requirements.txt
RUN /usr/local/bin/python -m pip install --root-user-action=ignore \
        --require-hashes --no-deps -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Only what the action runs (the emulator, cfemu/, is not in the build context).
COPY entrypoint.py /app/entrypoint.py
COPY cfaction/ /app/cfaction/

# Exec form with absolute paths: the runner overrides the workdir, and a workflow's `env:`
# (PATH included) reaches the container, so neither a relative path nor a PATH lookup is safe.
ENTRYPOINT ["/usr/local/bin/python", "/app/entrypoint.py"]

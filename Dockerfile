# The action's image. The runner builds it from this directory (`runs.image: Dockerfile`)
# and starts it with --workdir /github/workspace, so nothing here relies on WORKDIR, and it
# runs as root (no USER) so it can write the workspace and the runner's file commands.
# A release points action.yml at this image prebuilt instead (scripts/release_action).
# Each base image is pinned by tag and digest on its FROM line, where Dependabot's docker
# ecosystem finds and bumps both (it does not follow an ARG into FROM,
# https://github.com/dependabot/dependabot-core/issues/2057). Python minor tag on purpose;
# bump it together with `scripts/lock`. scripts/container swaps these two lines for local
# stand-ins where no registry is reachable.

# Bundler stage: npm fetches what Worker bundling needs, and only its output reaches the
# image (no Node there). It runs on the target's architecture (release.yml builds natively
# per arch), so npm picks that arch's esbuild package.
FROM node:22-bookworm-slim@sha256:48e4b67d85f87bd551df43704e24d252f56cc5f8e9718841aace50f19948f0f9 AS bundler
WORKDIR /build
# bundler/package-lock.json pins every package by integrity hash and `npm ci` checks each
# tarball against it; --ignore-scripts: esbuild's postinstall only tunes its Node wrapper.
# bundler/.npmrc keeps the preset's optional peer, workerd (the runtime), out.
COPY bundler/package.json bundler/package-lock.json bundler/.npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# Assemble /opt/cfaction: the native esbuild (one @esbuild/linux-<arch> is installed; cp
# fails on none or several) checked against the pinned version, and the runtime JavaScript
# of the nodejs_compat polyfills (unenv's exports point into dist/ and lib/, pathe is its
# one dependency) without type declarations, source maps and READMEs.
RUN mkdir -p /opt/cfaction/bundler/node_modules/@cloudflare \
    && cp node_modules/@esbuild/linux-*/bin/esbuild /opt/cfaction/esbuild \
    && test "$(/opt/cfaction/esbuild --version)" \
        = "$(node -p 'require("./package.json").dependencies.esbuild')" \
    && cp -R node_modules/unenv node_modules/pathe /opt/cfaction/bundler/node_modules/ \
    && cp -R node_modules/@cloudflare/unenv-preset /opt/cfaction/bundler/node_modules/@cloudflare/ \
    && find /opt/cfaction/bundler -type f \( -name '*.d.ts' -o -name '*.d.mts' \
        -o -name '*.d.cts' -o -name '*.map' -o -name 'README*' \) -delete

FROM python:3.13-slim@sha256:9662417aace5ae7b8e2609cce472b72a8958e134ba372808abe9cc1a0c0125e6

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# Lock first so this layer stays cached while only the code changes. Every file is pinned by
# hash and --no-deps means nothing unlisted can come in. Installing with the same absolute
# interpreter as ENTRYPOINT also fails the build early if a stand-in base lacks it.
# The lock file itself is deleted again: the image keeps only what the action runs.
COPY requirements.txt /tmp/requirements.txt
RUN /usr/local/bin/python -m pip install --root-user-action=ignore \
        --require-hashes --no-deps -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Worker bundling: the esbuild binary and the polyfills' node_modules tree, found through
# these variables (ESBUILD_BINARY_PATH is also what esbuild's npm package reads, evanw/esbuild
# lib/npm/node-platform.ts).
COPY --from=bundler /opt/cfaction/ /opt/cfaction/
ENV ESBUILD_BINARY_PATH=/opt/cfaction/esbuild CFACTION_UNENV_DIR=/opt/cfaction/bundler/node_modules

# Only what the action runs (the emulator, cfemu/, is not in the build context).
COPY entrypoint.py /app/entrypoint.py
COPY cfaction/ /app/cfaction/

# Bytecode, so a run compiles nothing: PYTHONDONTWRITEBYTECODE keeps a run from writing it,
# and python:*-slim ships its standard library without any .pyc (its Dockerfile deletes
# them: https://github.com/docker-library/python/blob/master/Dockerfile-linux.template).
# compileall covers all of cfaction; importing every cfaction module once (plus what
# requests imports only when it sends: netrc, shlex) writes the .pyc of exactly the library
# modules a run can import, not the whole standard library. The CLI's __main__ is left out:
# importing it runs the CLI.
RUN PYTHONDONTWRITEBYTECODE='' PYTHONPATH=/app /usr/local/bin/python -c "import importlib, pkgutil, cfaction, netrc, shlex; [importlib.import_module(m.name) for m in pkgutil.walk_packages(cfaction.__path__, 'cfaction.') if not m.name.endswith('__main__')]" \
    && /usr/local/bin/python -m compileall -q /app/cfaction

# Exec form with absolute paths: the runner overrides the workdir, and a workflow's `env:`
# (PATH included) reaches the container, so neither a relative path nor a PATH lookup is safe.
ENTRYPOINT ["/usr/local/bin/python", "/app/entrypoint.py"]

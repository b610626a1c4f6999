"""Every key of a wrangler 4 configuration, and what cfaction does with it.

Each key of wrangler's schema (workers-sdk ``packages/workers-utils/src/config/
environment.ts`` and ``config.ts``) is in exactly one list:

* **applied**: cfaction deploys it as ``wrangler deploy`` does;
* **ignored**: it cannot change the deployed Worker (local development, wrangler's own
  telemetry, other wrangler commands), so it is ignored, for the reason given;
* **refused**: it would change the deployed Worker and cfaction does not apply it, so the
  run stops before the first API call, naming the key and what to do.

Some keys are split by sub-key (``triggers.crons`` is applied, ``triggers.events`` refused).
A key that is not in wrangler's schema is not a wrangler key at all: wrangler warns about
it ("Unexpected fields") and deploys without it, and so does cfaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

Disposition = Literal["applied", "ignored", "refused"]


@dataclass(frozen=True)
class KeyRule:
    disposition: Disposition
    note: str
    """Applied: what it becomes. Ignored: why it cannot matter. Refused: what to do instead."""


def _applied(note: str) -> KeyRule:
    return KeyRule("applied", note)


def _ignored(note: str) -> KeyRule:
    return KeyRule("ignored", note)


def _refused(note: str) -> KeyRule:
    return KeyRule("refused", note)


_BINDING = "a binding of the upload"
_UNSUPPORTED_BINDING = (
    "cfaction does not know this binding's API shape yet; add it as a raw API binding "
    "through the bindings input, or deploy this Worker with wrangler"
)

KEYS: Final[Mapping[str, KeyRule]] = {
    # the Worker and where it runs
    "name": _applied("the Worker's name (<name>-<environment> in an environment)"),
    "main": _applied("the entry module, bundled unless no_bundle"),
    "account_id": _applied("the account (the account_id input wins)"),
    "compatibility_date": _applied("metadata compatibility_date"),
    "compatibility_flags": _applied("metadata compatibility_flags; also decides nodejs_compat"),
    "env": _applied("the environment the environment input selects, with wrangler's inheritance"),
    "workers_dev": _applied("the workers.dev route (default: on when there are no routes)"),
    "preview_urls": _applied("previews_enabled of the workers.dev subdomain (default: the API's)"),
    "route": _applied("one route, or a custom domain with custom_domain = true"),
    "routes": _applied("routes, and custom domains (custom_domain = true)"),
    "compliance_region": _applied(
        'only "public" (the default API); for FedRAMP set api_base_url and leave it out'
    ),
    # building the upload
    "no_bundle": _applied("upload main and its modules as they are"),
    "find_additional_modules": _applied("modules found by rules (default: on with no_bundle)"),
    "base_dir": _applied("the folder module names are relative to"),
    "rules": _applied("module types by glob, before wrangler's default rules"),
    "preserve_file_names": _applied("names of modules imported while bundling"),
    "upload_source_maps": _applied("source maps uploaded as application/source-map parts"),
    "define": _applied("esbuild define"),
    "alias": _applied("esbuild alias"),
    "minify": _applied("esbuild minify"),
    "keep_names": _applied("esbuild keep_names (default: on)"),
    "jsx_factory": _applied("esbuild jsxFactory"),
    "jsx_fragment": _applied("esbuild jsxFragment"),
    "tsconfig": _applied("esbuild tsconfig"),
    "wasm_modules": _applied("service-worker wasm_module bindings and parts"),
    "text_blobs": _applied("service-worker text_blob bindings and parts"),
    "data_blobs": _applied("service-worker data_blob bindings and parts"),
    "dependencies_instrumentation": _applied("metadata package_dependencies from package.json"),
    "build": _ignored(
        "cfaction does not run build.command (there is no Node in the image): run the build "
        "in an earlier step"
    ),
    # settings of the upload
    "vars": _applied("plain_text and json bindings"),
    "keep_vars": _applied("keep_bindings keeps vars set elsewhere"),
    "secrets": _applied("secrets.required: inherit bindings for secrets not given"),
    "migrations": _applied("Durable Object migrations after the Worker's current tag"),
    "observability": _applied("metadata observability"),
    "placement": _applied("metadata placement"),
    "limits": _applied("metadata limits"),
    "logpush": _applied("metadata logpush"),
    "tail_consumers": _applied("metadata tail_consumers"),
    "streaming_tail_consumers": _applied("metadata streaming_tail_consumers"),
    "cache": _applied("metadata cache_options"),
    "unsafe": _applied("unsafe.bindings as given, unsafe.metadata merged into the metadata"),
    "unsafe.capnp": _refused("deploy this Worker with wrangler (cfaction compiles no capnp)"),
    "assets": _applied(
        "static assets: uploaded as wrangler uploads them (only what the account lacks), "
        "with their binding and routing settings"
    ),
    # triggers
    "triggers": _applied("triggers.crons: the cron schedules ([] clears them)"),
    "triggers.events": _refused("Artifacts event triggers: deploy this Worker with wrangler"),
    "queues": _applied("queues.producers: queue bindings; queues.consumers: the consumers"),
    "workflows": _applied("workflow bindings, and the Workflows this Worker defines"),
    # bindings
    "kv_namespaces": _applied(f"{_BINDING}; without id, found or created by name"),
    "r2_buckets": _applied(f"{_BINDING}; without bucket_name, found or created by name"),
    "d1_databases": _applied(f"{_BINDING}; without database_id, found or created by name"),
    "durable_objects": _applied(_BINDING),
    "services": _applied(_BINDING),
    "analytics_engine_datasets": _applied(_BINDING),
    "ai": _applied(_BINDING),
    "browser": _applied(_BINDING),
    "images": _applied(_BINDING),
    "media": _applied(_BINDING),
    "stream": _applied(_BINDING),
    "hyperdrive": _applied(_BINDING),
    "vectorize": _applied(_BINDING),
    "dispatch_namespaces": _applied(_BINDING),
    "send_email": _applied(_BINDING),
    "ratelimits": _applied(_BINDING),
    "mtls_certificates": _applied(_BINDING),
    "secrets_store_secrets": _applied(_BINDING),
    "version_metadata": _applied(_BINDING),
    "pipelines": _applied(_BINDING),
    "worker_loaders": _applied(_BINDING),
    "logfwdr": _applied(_BINDING),
    "vpc_services": _applied(_BINDING),
    "vpc_networks": _applied(_BINDING),
    "ai_search_namespaces": _refused(_UNSUPPORTED_BINDING),
    "ai_search": _refused(_UNSUPPORTED_BINDING),
    "agent_memory": _refused(_UNSUPPORTED_BINDING),
    "websearch": _refused(_UNSUPPORTED_BINDING),
    "artifacts": _refused(_UNSUPPORTED_BINDING),
    "flagship": _refused(_UNSUPPORTED_BINDING),
    "unsafe_hello_world": _refused(_UNSUPPORTED_BINDING),
    # what cfaction does not deploy
    "containers": _refused("containers are built and rolled out by wrangler; deploy with it"),
    "exports": _refused("declare Durable Object classes with migrations instead of exports"),
    "site": _refused("Workers Sites is deprecated: move the files to assets"),
    "addresses": _refused("Email Routing rules are not set by cfaction; set them in the dashboard"),
    "pages_build_output_dir": _refused(
        "this is a Cloudflare Pages project, not a Worker; cfaction deploys Workers"
    ),
    "legacy_env": _refused("wrangler 4 removed legacy_env: remove it (environments are named)"),
    "node_compat": _refused(
        "wrangler 4 removed node_compat: remove it and add the nodejs_compat flag"
    ),
    # nothing to deploy
    "$schema": _ignored("an editor's JSON schema hint"),
    "dev": _ignored("wrangler dev settings"),
    "send_metrics": _ignored("wrangler's own telemetry"),
    "access": _ignored("Access simulation for wrangler dev"),
    "connect": _ignored("TCP listeners for wrangler dev"),
    "cloudchamber": _ignored("read by wrangler cloudchamber commands only"),
    "previews": _ignored("read by wrangler preview only"),
    "first_party_worker": _ignored("Cloudflare-internal; cfaction uploads in one PUT anyway"),
    "python_modules": _applied("python_modules/ files left out of a Python Worker's upload"),
}
"""Every key of wrangler 4's configuration (top level and environments)."""


def rule(key: str) -> KeyRule | None:
    """The rule of a key (``triggers.events`` before ``triggers``); None: not a wrangler key."""
    return KEYS.get(key)

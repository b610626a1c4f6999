"""Bundling a Worker's sources as wrangler does, with the esbuild binary driven from Python."""

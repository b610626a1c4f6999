"""Telling GitHub what a run did: one sticky pull-request comment with the summary, and a
GitHub Deployment with its statuses for a Worker.

Nothing here can fail the Cloudflare operation: every GitHub problem becomes a warning.
The package's ``__init__`` imports nothing, so :mod:`cfaction.settings` can import
:mod:`cfaction.github.inputs` without pulling in the rest.
"""

"""cfaction: purge cache, upsert DNS records, deploy Workers and verify credentials on
Cloudflare, as a GitHub Action and a CLI."""

__version__ = "0.1.0"

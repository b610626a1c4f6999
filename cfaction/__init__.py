"""cfaction: purge cache, upsert DNS records, deploy Workers and verify credentials on Cloudflare."""

__version__ = "0.1.0"

"""Workers static assets: the manifest, the upload session and its buckets, as wrangler
runs them."""

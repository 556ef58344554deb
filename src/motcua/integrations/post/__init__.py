"""Public post (bưu chính công ích, VNPost): delivery of results and pickup of paper dossiers, with tracking.

Callers use `motcua.integrations.post.services` (writes) and `motcua.integrations.post.selectors` (reads);
providers are plugins in `registry.ADAPTERS` ("simulator" by default, "vnpost"). See docs/post.md.
"""

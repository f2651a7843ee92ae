"""Search: every rule that decides which articles a query finds and in which order
(``engine``), shared by the build, which indexes with them, and the web layer, which
searches with them. ``static/lib/search-engine.js`` reproduces them on the device."""

"""``make bench``: measured figures of the build, the bytes and the servers."""

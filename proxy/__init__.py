"""The recording proxy: a mitmproxy addon and the `record` runner."""

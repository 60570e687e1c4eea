"""Converters from other recording formats (mitmproxy flows, HAR) to captures."""

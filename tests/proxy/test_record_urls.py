"""The listener URLs `ocpi-tap record` tells the user to configure and advertise."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpi_tap.proxy.record import RecordConfig, listener_urls


@pytest.mark.parametrize(("listen", "public", "shown"), [
    ("127.0.0.1", None, "127.0.0.1"),
    ("0.0.0.0", None, "127.0.0.1"),  # bound everywhere: the local address works from here
    ("0.0.0.0", "tap.example.test", "tap.example.test"),
    ("::", "::1", "[::1]"),
])
def test_listener_urls_show_the_host_callers_reach(listen: str, public: str | None, shown: str) -> None:
    config = RecordConfig(hub_url="https://hub.example.test/ocpi/versions?x=1",
                          partner_url="https://partner.example.test/v/ocpi", capture=Path("unused.jsonl"),
                          hub_port=8081, partner_port=8082, listen_host=listen, public_host=public)
    assert listener_urls(config) == {"to_hub": f"http://{shown}:8081/ocpi/versions?x=1",
                                     "to_partner": f"http://{shown}:8082/v/ocpi"}

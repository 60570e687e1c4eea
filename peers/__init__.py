"""Mock OCPI peers: a hub and a partner (CPO or eMSP) that play a certification day on loopback."""

"""Fakes of outside services that speak the real protocol on loopback (port 0)."""

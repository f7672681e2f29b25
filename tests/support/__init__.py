"""Helpers the tests share: servers the tests start for themselves (`support.servers`)."""

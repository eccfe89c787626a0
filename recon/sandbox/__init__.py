"""Loopback emulators of Intacct (XML gateway) and BigTime (REST), and fault injection."""

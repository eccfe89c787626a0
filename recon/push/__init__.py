"""Push approved changes to Intacct and BigTime, exactly once (issue 5, section 4).

:mod:`recon.push.writers` applies one change to its target system; the push loop that
drives the outbox is built on top of it.
"""

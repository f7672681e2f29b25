"""The flows, written once as asyncio functions (same names as `chatdb.flows.<module>`).

These are the hand-written sources: `chatdb.flows.<module>` is generated from
`chatdb.flows.aio.<module>` by tools/async_to_sync.py (`make sync-twins`), and `make verify`
fails when a generated twin is stale. Call them on an `AsyncDatabase` scope:

    async with db.system() as conn:
        await redeem_referral_code(conn, user_id=u, code=code)
"""

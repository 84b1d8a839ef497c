"""DNS client code for bulk lookups: wire format helpers and the asyncio resolver."""

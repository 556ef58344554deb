"""National public service portal (Cổng Dịch vụ công quốc gia, DVCQG): every dossier and its steps pushed there.

See docs/national-portal.md: `mapping` (the portal's names and codes), `client` (HTTP), `delivery` (circuit
breaker and delivery records, reusable for other destinations), `sync` (the outbox handlers), `simulator`.
"""

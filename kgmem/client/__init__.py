"""A Python client for a kgmem server: ``Client`` (sync) and ``AsyncClient`` on httpx.

Results are kgmem's own data types (``kgmem.model``), and the methods carry the names
and arguments of the in-process ``kgmem.Memory`` where both exist, so code written
against one runs against the other. Responses 503, 429 and 409 ``write_conflict`` are
retried with exponential backoff; exports and the live event stream are streamed.
This package imports nothing from the server.
"""

from kgmem.client.asynchronous import AsyncClient
from kgmem.client.errors import ApiError
from kgmem.client.retry import RetryPolicy
from kgmem.client.sse import LiveEvent
from kgmem.client.synchronous import Client

__all__ = ["ApiError", "AsyncClient", "Client", "LiveEvent", "RetryPolicy"]

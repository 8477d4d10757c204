"""kgmem inside agent frameworks, through ``kgmem.client``.

- ``kgmem.adapters.langchain``: a retriever and a chat-message history
  (``pip install 'kgmem[langchain]'``).
- ``kgmem.adapters.llamaindex``: a retriever (``pip install 'kgmem[llamaindex]'``).
"""

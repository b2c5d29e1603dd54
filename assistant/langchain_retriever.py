"""The assistant's retriever as a langchain ``BaseRetriever`` (``Assistant.as_retriever()``).

Its own module so that langchain's retriever stack (tracers, langsmith) loads only when a
caller asks for it, not on every start of the CLI, the UI or the API.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

__all__ = ["LangChainRetriever"]


class LangChainRetriever(BaseRetriever):
    """The assistant's retriever as a langchain ``BaseRetriever``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any
    k: int = 5
    filters: Any = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [
            LCDocument(
                page_content=p.text,
                id=p.chunk_id,
                metadata={
                    "chunk_id": p.chunk_id, "doc_id": p.doc_id, "title": p.title, "date": p.date,
                    "source": p.source, "url": p.url, "score": p.score, "start": p.start, "end": p.end,
                },
            )
            for p in self.retriever.retrieve(query, self.k, self.filters)
        ]

"""Errors raised by the assistant.

Every error the library raises on purpose derives from :class:`AssistantError`, so the
CLI and the UI can turn them into one plain sentence. Errors of the parts underneath are
translated only where their meaning is known (a chat model's: :mod:`assistant.model_errors`);
anything else is a bug and propagates with its traceback::

    AssistantError
    ├── ConfigError            a setting is wrong or missing (the message names it)
    ├── QuestionError          the question is empty or cannot be used
    │   └── LanguageError           ... because it is written in another script than
    │                               Vietnamese's and English's
    ├── CorpusError            the corpus folder or a file in it cannot be read
    ├── StoreError             the vector store cannot be opened, reached or written
    │   └── StoreUnavailableError   a Chroma server is down (host and port named)
    ├── IngestError            an ingest did not finish; nothing already indexed is lost
    │   └── IngestUnavailableError  ... because the embeddings server cannot answer
    │                               (also a ModelUnavailableError)
    ├── ModelError             an embedding or chat model failed
    │   ├── ModelUnavailableError   a model is not installed, or its server cannot answer
    │   │                           now (unreachable, timed out, 429/5xx after retries):
    │   │                           the assistant answers with the extractive engine
    │   └── AuthenticationError     a server rejected the API key
    └── PromptError            a prompt file is missing or a variable was not given
"""

from __future__ import annotations


class AssistantError(Exception):
    """Root of every error the assistant raises on purpose."""


class ConfigError(AssistantError):
    """A setting is wrong or missing."""


class QuestionError(AssistantError):
    """The question cannot be asked (empty, or otherwise unusable)."""


class LanguageError(QuestionError):
    """The question is written in a script hoitin does not answer in (Cyrillic, Chinese …)."""


class CorpusError(AssistantError):
    """The corpus cannot be read."""


class StoreError(AssistantError):
    """The vector store failed."""


class StoreUnavailableError(StoreError):
    """A Chroma server cannot be reached."""


class IngestError(AssistantError):
    """An ingest did not complete."""


class ModelError(AssistantError):
    """An embedding or chat model failed."""


class ModelUnavailableError(ModelError):
    """A model is not installed, or its server cannot answer now (unreachable, timed out,
    overloaded or failing after retries)."""


class AuthenticationError(ModelError):
    """A model server rejected the API key."""


class IngestUnavailableError(IngestError, ModelUnavailableError):
    """An ingest stopped because the embeddings server cannot answer (both an
    :class:`IngestError` and a :class:`ModelUnavailableError`; the message names the URL)."""


class PromptError(AssistantError):
    """A prompt is missing, or rendering it lacked a variable."""
